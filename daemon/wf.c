/* wf: the workflow engine. WORKFLOW.md "Events on an NA case" and "Side effects" as rows of
 * tables, and one driver per input (an event, a due deadline, an assignment, a disposal).
 * The timing of a single deadline is wfdeadline.c's. See wf.h. */
#include "wf.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "wfdeadline.h"

#define WF_SAME    WF_STATE_COUNT  /* a row's next state: the case stays where it is */
#define SETTLE_MAX (2 * WF_DL_MAX) /* deadlines fired inside one wf_apply, at most */
#define FIRE_NOTES 3               /* notes one firing may add, at most */
#define ISO_MAX    32

#define S(x) WF_BIT(WF_##x)
#define R(x) ROLE_BIT(ROLE_##x)

struct wfx;

struct wf_rule {
	const char *type;
	const char *when, *is; /* the body condition of the row (see body_is), or NULL */
	uint32_t states;       /* states the event is allowed in */
	uint32_t roles;        /* actor roles allowed; R(NONE) admits no actor */
	enum wf_state next;    /* or WF_SAME */
	enum wf_origin origin; /* of the case an opening row opens */
	int (*guard)(const struct wfx *, struct proto_error *); /* forbidden, window_closed */
	int (*check)(const struct wfx *, struct proto_error *); /* what the state alone can't say */
	void (*act)(struct wfx *);                              /* records the body */
	const char *closes; /* closed_reason when the row closes the case (else the act's) */
};

/* One step of the engine: the case, the input and where the effects go. */
struct wfx {
	struct wf_case *c;
	const struct proto_event *ev; /* NULL outside wf_apply */
	const struct wf_rule *rule;   /* the row being applied (wf_apply) */
	uint64_t now;
	const struct policy *p;
	struct wf_effects *fx;
	bool full; /* a note or a deadline had no room: the step fails */
};

/* ---- small readers ------------------------------------------------------------------- */

static struct proto_str obj_str(const msgpack_object *o)
{
	if (!o || o->type != MSGPACK_OBJECT_STR)
		return (struct proto_str){NULL, 0};
	return (struct proto_str){o->via.str.ptr, o->via.str.size};
}

static struct proto_str body_str(const struct wfx *x, const char *key)
{
	return obj_str(proto_map_get(x->ev->body, key));
}

/* A field of the subject as it now stands: subject.updated's fields over the original. */
static struct proto_str subject_str(const struct wf_case *c, const char *key)
{
	const msgpack_object *v = c->subject_update ? proto_map_get(c->subject_update, key) : NULL;

	if (!v && c->subject)
		v = proto_map_get(c->subject, key);
	return obj_str(v);
}

static bool str_is(struct proto_str s, const msgpack_object *o)
{
	return o && o->type == MSGPACK_OBJECT_STR && o->via.str.size == s.len &&
	       memcmp(o->via.str.ptr, s.ptr, s.len) == 0;
}

/* Whether s is one of the names of list ("a|b|c"). */
static bool list_has(const char *list, const char *s, size_t len)
{
	for (const char *p = list; *p;) {
		const char *end = strchr(p, '|');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n == len && memcmp(p, s, len) == 0)
			return true;
		if (!end)
			break;
		p = end + 1;
	}
	return false;
}

/* A row's body condition: body.key is (a string), or holds (an array of strings), one of the
 * names of `is`; with `is` NULL, body.key is a flag that is true. No key: always. */
static bool body_is(const msgpack_object *body, const char *key, const char *is)
{
	const msgpack_object *v;

	if (!key)
		return true;
	if (!is)
		return proto_flag(body, key);
	if (!(v = proto_map_get(body, key)))
		return false;
	if (v->type == MSGPACK_OBJECT_STR)
		return list_has(is, v->via.str.ptr, v->via.str.size);
	if (v->type == MSGPACK_OBJECT_ARRAY)
		for (uint32_t i = 0; i < v->via.array.size; i++) {
			const msgpack_object *e = &v->via.array.ptr[i];

			if (e->type == MSGPACK_OBJECT_STR &&
			    list_has(is, e->via.str.ptr, e->via.str.size))
				return true;
		}
	return false;
}

/* A time as ISO 8601 UTC, for messages: iso(t).s lives to the end of the full expression. */
struct iso_time {
	char s[ISO_MAX];
};

static struct iso_time iso(uint64_t ms)
{
	struct iso_time r;
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || strftime(r.s, sizeof(r.s), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(r.s, sizeof(r.s), "%llu ms", (unsigned long long)ms);
	return r;
}

/* ---- notifications --------------------------------------------------------------------- */

/* Recipients beyond fixed roles. */
#define TO_STATE_OWNERS (1u << ROLE_COUNT)       /* owners of the deadlines the new state opens */
#define TO_DL_OWNER     (1u << (ROLE_COUNT + 1)) /* the owner of the note's deadline */

/* Who each topic goes to (PROTOCOL.md "Notify": who must act or be told). Ids: the subject's,
 * the subject's line manager's, the AA assigned; other roles are named by role alone. A
 * state change nobody owns (closed) goes to psd. */
static const struct topic_row {
	const char *topic;
	uint32_t to;
} topics[] = {
    {"case.opened", R(PSD) | TO_STATE_OWNERS},
    {"case.state_changed", TO_STATE_OWNERS},
    {"case.closed", R(PSD)},
    {"case.escalated", R(AA)},
    {"deadline.reminder", TO_DL_OWNER},
    {"deadline.breached", TO_DL_OWNER},
    {"deadline.escalated", R(HEAD_OF_PSD)},
    {"conditions.imposed", R(SUBJECT) | R(LINE_MANAGER)},
    {"appeal.window_closed", R(SUBJECT) | R(PSD)},
    {"appeal.lodged", R(HEAD_OF_PSD)}, /* who holds the strategy meeting */
    {"appeal.decided", R(SUBJECT) | R(PSD)},
    {"misconduct.referral", R(PSD)},
    {"vetting.review_required", R(VETTING)},
    {"prevent.referral", R(PSD)},
    {"retention.disposed", R(PSD)},
    {NULL, 0},
};

static struct proto_str role_id(const struct wf_case *c, enum proto_role r)
{
	switch (r) {
	case ROLE_SUBJECT:
		return c->subject_id;
	case ROLE_LINE_MANAGER:
		return subject_str(c, "line_manager");
	case ROLE_AA:
		return (struct proto_str){c->aa, (uint32_t)strlen(c->aa)};
	default:
		return (struct proto_str){NULL, 0};
	}
}

static void add_to(struct wf_note *n, const struct wf_case *c, enum proto_role r)
{
	if (r == ROLE_NONE || n->n_to == WF_TO_MAX)
		return;
	for (uint32_t i = 0; i < n->n_to; i++)
		if (n->to[i].role == r)
			return;
	n->to[n->n_to++] = (struct wf_recipient){r, role_id(c, r)};
}

static void address(struct wf_note *n, const struct wf_case *c)
{
	const struct topic_row *t;

	for (t = topics; t->topic && strcmp(t->topic, n->topic) != 0; t++)
		;
	for (int r = ROLE_SUBJECT; r < ROLE_COUNT; r++)
		if (t->to & ROLE_BIT(r))
			add_to(n, c, r);
	if (t->to & TO_DL_OWNER)
		add_to(n, c, policy_dl_rule(n->dl_kind)->owner);
	if (t->to & TO_STATE_OWNERS) {
		for (int k = 0; k < DL_COUNT; k++)
			if (policy_dl_rule(k)->opens_on == n->state)
				add_to(n, c, policy_dl_rule(k)->owner);
		if (n->n_to == 0)
			add_to(n, c, ROLE_PSD);
	}
}

/* A new note on the case as it now is; NULL (and the step fails) when fx is full. */
static struct wf_note *note(struct wfx *x, const char *topic)
{
	struct wf_note *n;

	if (x->fx->n == WF_NOTES_MAX) {
		x->full = true;
		return NULL;
	}
	n = &x->fx->note[x->fx->n++];
	*n = (struct wf_note){.topic = topic, .state = x->c->state};
	return n;
}

static void notify(struct wfx *x, const char *topic)
{
	struct wf_note *n = note(x, topic);

	if (n)
		address(n, x->c);
}

static void notify_deadline(struct wfx *x, const char *topic, const struct wf_deadline *d)
{
	struct wf_note *n = note(x, topic);

	if (!n)
		return;
	n->has_deadline = true;
	n->dl_kind = d->kind;
	n->due_at = d->due_at;
	n->level = d->level;
	address(n, x->c);
}

static void notify_outcome(struct wfx *x, const char *topic, struct proto_str outcome)
{
	struct wf_note *n = note(x, topic);

	if (!n)
		return;
	if (outcome.len) {
		n->detail = DETAIL_OUTCOME;
		n->outcome = outcome;
	}
	address(n, x->c);
}

/* ---- deadlines of states --------------------------------------------------------------- */

static void open_kind(struct wfx *x, enum dl_kind k, uint64_t start)
{
	struct duration dur = x->p->due[k];

	if (k == DL_ANNUAL_REVIEW && x->c->has_review_period)
		dur = x->c->review_period;
	if (!wfdl_open(x->c, k, start, dur, x->p))
		x->full = true;
}

static void meet_kind(struct wfx *x, enum dl_kind k)
{
	struct wf_deadline *d = wf_dl_find(x->c, k);

	if (d)
		wfdl_meet(d, x->now);
}

/* ---- entering and leaving states --------------------------------------------------------- */

/* Referred to the AA (mitigation disputed, or unanswered): the AA must allow representations,
 * and the escalation worker is to assign one. */
static void enter_referred(struct wfx *x)
{
	x->c->flags |= WFC_DISPUTED | WFC_ESCALATE;
	x->c->flags &= ~(uint32_t)WFC_REPS_MADE;
	x->c->aa[0] = '\0';
}

/* A case that left the AA no longer waits for an assignment. */
static void leave_referred(struct wfx *x)
{
	x->c->flags &= ~(uint32_t)WFC_ESCALATE;
}

/* Closed, by any path: what is still running is cancelled (a breached one stays breached),
 * and the retention clock starts ([retention] closed_case). */
static void enter_closed(struct wfx *x)
{
	for (uint32_t i = 0; i < x->c->n_dl; i++)
		wfdl_cancel(&x->c->dl[i], x->now);
	x->c->closed_at = x->now;
	open_kind(x, DL_RETENTION, x->now);
}

static void (*const on_enter[WF_STATE_COUNT])(struct wfx *) = {
    [WF_REFERRED_TO_AA] = enter_referred,
    [WF_CLOSED] = enter_closed,
};
static void (*const on_leave[WF_STATE_COUNT])(struct wfx *) = {
    [WF_REFERRED_TO_AA] = leave_referred,
};

/* Moves the case to `to`: the deadlines bound to the state it leaves are met, those of the
 * state it enters open from `start` (WORKFLOW.md "Deadlines"). Re-entering the same state
 * (an annual review with no change) renews its deadlines. */
static void transition(struct wfx *x, enum wf_state to, uint64_t start)
{
	struct wf_case *c = x->c;
	enum wf_state from = c->state;
	struct wf_note *n;

	for (uint32_t i = 0; i < c->n_dl; i++)
		if (policy_dl_rule(c->dl[i].kind)->opens_on == from)
			wfdl_meet(&c->dl[i], x->now);
	if (on_leave[from])
		on_leave[from](x);
	c->state = to;
	if (on_enter[to])
		on_enter[to](x);
	for (int k = 0; k < DL_COUNT; k++)
		if (policy_dl_rule(k)->opens_on == to && to != WF_CLOSED)
			open_kind(x, k, start);
	if (from == WF_NONE) {
		notify(x, "case.opened");
	} else if (from != to && (n = note(x, "case.state_changed"))) {
		n->detail = DETAIL_TRANSITION;
		n->from_state = from;
		n->to_state = to;
		address(n, c);
	}
	if (to == WF_CLOSED)
		notify_outcome(x, "case.closed", c->closed_reason);
}

/* ---- what falls due -------------------------------------------------------------------- */

/* At a window's due time (WORKFLOW.md "Deadlines", "at due time"): what the case does. */
static const struct at_due_row {
	enum dl_action action;
	uint32_t states;    /* the case must be in one of them (it is: the deadline is live) */
	enum wf_state next; /* or WF_SAME */
	const char *topic;  /* emitted after the change, or NULL */
} at_due_rows[] = {
    /* "NOT a breach: mitigation is taken as not agreed, and the case is referred to the AA as
     * if disputed" */
    {DLA_REFER_AA, S(MITIGATION_PROPOSED), WF_REFERRED_TO_AA, NULL},
    /* "a window, not a breach: when it closes, the AA may determine". No topic of
     * PROTOCOL.md says it, so nothing is sent: the AA's own deadline runs on. */
    {DLA_WINDOW, S(REFERRED_TO_AA), WF_SAME, NULL},
    /* "when it closes, the case goes to conditions_active (appeal.window_closed)" */
    {DLA_APPEAL_CLOSES, S(APPEAL_WINDOW), WF_CONDITIONS_ACTIVE, "appeal.window_closed"},
};

static void at_due(struct wfx *x, enum dl_action action)
{
	for (size_t i = 0; i < sizeof(at_due_rows) / sizeof(at_due_rows[0]); i++) {
		const struct at_due_row *r = &at_due_rows[i];

		if (r->action != action || !(r->states & WF_BIT(x->c->state)))
			continue;
		if (r->next != WF_SAME)
			transition(x, r->next, x->now);
		if (r->topic)
			notify(x, r->topic);
		return;
	}
}

/* Fires what is due on the live deadline of kind k at x->now; 1 when it changed the case. */
static int fire(struct wfx *x, enum dl_kind k)
{
	struct wf_deadline *d = wf_dl_find(x->c, k);
	const struct dl_rule *rule = policy_dl_rule(k);

	if (!d || rule->at_due == DLA_DISPOSE)
		return 0;
	switch (wfdl_fire(d, x->now, x->p)) {
	case WFDL_NOTHING:
		return 0;
	case WFDL_REMINDER:
		notify_deadline(x, "deadline.reminder", d);
		break;
	case WFDL_BREACH:
		notify_deadline(x, "deadline.breached", d);
		break;
	case WFDL_ESCALATION:
		notify_deadline(x, "deadline.escalated", d);
		break;
	case WFDL_AT_DUE:
		wfdl_meet(d, x->now);
		at_due(x, rule->at_due);
		break;
	}
	return 1;
}

/* The live deadline (retention aside) that is due first, if it is due by now. */
static struct wf_deadline *first_due(struct wfx *x)
{
	struct wf_deadline *best = NULL;
	uint64_t best_t = UINT64_MAX;

	for (uint32_t i = 0; i < x->c->n_dl; i++) {
		struct wf_deadline *d = &x->c->dl[i];
		uint64_t t = wf_dl_next(d, x->p);

		if (policy_dl_rule(d->kind)->at_due != DLA_DISPOSE && t <= x->now && t < best_t) {
			best = d;
			best_t = t;
		}
	}
	return best;
}

/* Deadlines already due (opened in the past, or due while the event was on its way) are
 * handled now, in time order, as the worker would have. What does not fit in fx is left to
 * the worker: its timer is already due. */
static void settle(struct wfx *x)
{
	for (int i = 0; i < SETTLE_MAX && x->fx->n + FIRE_NOTES <= WF_NOTES_MAX; i++) {
		struct wf_deadline *d = first_due(x);

		if (!d || fire(x, d->kind) == 0)
			break;
	}
}

/* ---- guards: run after the role, before the state ---------------------------------------- */

/* A declaration is the subject's own: the actor must be the declared subject. */
static int actor_is_declared_subject(const struct wfx *x, struct proto_error *err)
{
	const msgpack_object *subject = proto_map_get(x->ev->body, "subject");

	if (!subject || !str_is(x->ev->actor_id, proto_map_get(subject, "id")))
		return proto_fail(err, PROTO_FORBIDDEN,
				  "actor.id: a declaration must be made by its subject; actor.id "
				  "differs from body.subject.id");
	return 0;
}

/* The subject's own answers (agreeing, disputing, representations, an appeal) come from the
 * case's subject, not from anyone holding the role. */
static int actor_is_case_subject(const struct wfx *x, struct proto_error *err)
{
	struct proto_str id = x->c->subject_id;

	if (x->ev->actor_id.len != id.len || memcmp(x->ev->actor_id.ptr, id.ptr, id.len) != 0)
		return proto_fail(err, PROTO_FORBIDDEN,
				  "actor.id: only the case's subject may send %s",
				  x->ev->type->name);
	return 0;
}

/* "the PSD AA will allow ... representations": within the representations window. */
static int representations_window(const struct wfx *x, struct proto_error *err)
{
	const struct wf_deadline *d = wfdl_last(x->c, DL_REPRESENTATIONS);

	if (actor_is_case_subject(x, err) < 0)
		return -1;
	if (x->c->state != WF_REFERRED_TO_AA)
		return 0;
	if (!d || !wf_dl_live(d) || x->ev->at > d->due_at)
		return proto_fail(err, PROTO_WINDOW_CLOSED,
				  "at: the representations window closed at %s",
				  d ? iso(d->due_at).s : "the referral");
	return 0;
}

/* WMP appeals: "within 14 days of receipt" of the determination, judged by the appeal's
 * `at`, in appeal_window or after the window closed. */
static int appeal_window(const struct wfx *x, struct proto_error *err)
{
	const struct wf_deadline *d = wfdl_last(x->c, DL_APPEAL_WINDOW);

	if (actor_is_case_subject(x, err) < 0)
		return -1;
	if (!(WF_BIT(x->c->state) & (S(APPEAL_WINDOW) | S(CONDITIONS_ACTIVE))) || !d)
		return 0;
	if (x->ev->at > d->due_at)
		return proto_fail(err, PROTO_WINDOW_CLOSED,
				  "at: the appeal window closed at %s (WMP appeals: within the "
				  "appeal window from receipt of the determination)",
				  iso(d->due_at).s);
	return 0;
}

/* ---- checks: run after the state, needing the case ----------------------------------------- */

/* An appeal lodged in time but received after the window closed is still heard, once:
 * conditions_active admits it only from a window whose determination has not been appealed. */
static int appeal_not_yet_lodged(const struct wfx *x, struct proto_error *err)
{
	const struct wf_deadline *w = wfdl_last(x->c, DL_APPEAL_WINDOW);
	const struct wf_deadline *m = wfdl_last(x->c, DL_STRATEGY_MEETING);

	if (x->c->state != WF_CONDITIONS_ACTIVE)
		return 0;
	if (!w || (m && m->start >= w->start))
		return proto_fail(err, PROTO_INVALID_TRANSITION,
				  "type: appeal.lodged is not allowed while the case is %s: %s",
				  wf_state_name(x->c->state),
				  w ? "this determination was appealed already"
				    : "no determination with a right of appeal");
	return 0;
}

/* WORKFLOW.md "Deadlines", representations: "aa.determined on a disputed case is
 * invalid_transition while it is open, unless representations were submitted". */
static int representations_heard(const struct wfx *x, struct proto_error *err)
{
	const struct wf_deadline *d = wf_dl_find(x->c, DL_REPRESENTATIONS);

	if (x->c->state != WF_REFERRED_TO_AA || !(x->c->flags & WFC_DISPUTED) ||
	    (x->c->flags & WFC_REPS_MADE) || !d || x->ev->at >= d->due_at)
		return 0;
	return proto_fail(err, PROTO_INVALID_TRANSITION,
			  "type: aa.determined is not allowed while the case is %s and the "
			  "representations window is open until %s; no representations were made",
			  wf_state_name(x->c->state), iso(d->due_at).s);
}

static int vetting_task_open(const struct wfx *x, struct proto_error *err)
{
	if (x->c->vetting.status == TASK_OPEN)
		return 0;
	return proto_fail(err, PROTO_INVALID_TRANSITION,
			  "type: vetting.reviewed is not allowed while the case is %s: it has no "
			  "open vetting task",
			  wf_state_name(x->c->state));
}

/* "any open state with that deadline open"; "due_at (later than now due)". */
static int deadline_extensible(const struct wfx *x, struct proto_error *err)
{
	struct proto_str kind = body_str(x, "kind");
	const msgpack_object *due = proto_map_get(x->ev->body, "due_at");
	int k = kind.len ? policy_dl_parse(kind.ptr, kind.len) : -1;
	const struct wf_deadline *d;

	if (k < 0)
		return proto_fail(err, PROTO_INVALID_FIELD, "body.kind: not a deadline kind");
	if (!(d = wf_dl_find(x->c, k)))
		return proto_fail(err, PROTO_INVALID_TRANSITION,
				  "body.kind: the case (%s) has no open %s deadline to extend",
				  wf_state_name(x->c->state), config_dl_name(k));
	if (!due || due->type != MSGPACK_OBJECT_POSITIVE_INTEGER || due->via.u64 <= d->due_at)
		return proto_fail(err, PROTO_INVALID_FIELD,
				  "body.due_at: must be later than the %s deadline's due time %s",
				  config_dl_name(k), iso(d->due_at).s);
	return 0;
}

/* ---- actions: what the body records in the case -------------------------------------------- */

static void record_review_period(struct wfx *x)
{
	struct proto_str s = body_str(x, "review_period");

	if (s.len && proto_duration_parse(s.ptr, s.len, &x->c->review_period) == 0)
		x->c->has_review_period = true;
}

/* Conditions decided by the body, when it has them. */
static void record_conditions(struct wfx *x)
{
	const msgpack_object *v = proto_map_get(x->ev->body, "conditions");

	if (v)
		x->c->conditions = v;
}

static void open_case(struct wfx *x)
{
	struct wf_case *c = x->c;

	c->kind = x->ev->type->opens;
	c->origin = x->rule->origin;
	c->opened_at = x->ev->at;
	c->subject = proto_map_get(x->ev->body, "subject");
	c->subject_id =
	    c->subject ? obj_str(proto_map_get(c->subject, "id")) : (struct proto_str){NULL, 0};
	c->associate = proto_map_get(x->ev->body, "associate");
	c->categories = proto_map_get(x->ev->body, "categories");
	c->relationship = proto_map_get(x->ev->body, "relationship");
}

static void record_assessment(struct wfx *x)
{
	x->c->assessment = body_str(x, "outcome");
	x->c->risk = body_str(x, "risk");
}

static void record_interview(struct wfx *x)
{
	x->c->interview = body_str(x, "outcome");
}

static void record_proposal(struct wfx *x)
{
	x->c->proposed = proto_map_get(x->ev->body, "conditions");
}

static void record_representations(struct wfx *x)
{
	x->c->flags |= WFC_REPS_MADE;
}

/* "conditions? (default: those agreed)" */
static void record_approval(struct wfx *x)
{
	x->c->conditions = x->c->proposed;
	record_conditions(x);
	record_review_period(x);
}

static void record_determination(struct wfx *x)
{
	x->c->aa_decision = body_str(x, "decision");
	record_conditions(x);
	record_review_period(x);
}

static void record_appeal_decision(struct wfx *x)
{
	x->c->appeal = body_str(x, "outcome");
	record_conditions(x);
}

static void open_review(struct wfx *x)
{
	open_kind(x, DL_REVIEW, x->ev->at);
}

static void record_review(struct wfx *x)
{
	x->c->review = body_str(x, "outcome");
	meet_kind(x, DL_REVIEW);
	record_conditions(x);
}

static void record_vetting_review(struct wfx *x)
{
	x->c->vetting.status = TASK_DONE;
	x->c->vetting.done_at = x->now;
	x->c->vetting.outcome = body_str(x, "outcome");
	meet_kind(x, DL_VETTING_REVIEW);
}

static void record_subject_update(struct wfx *x)
{
	x->c->subject_update = proto_map_get(x->ev->body, "subject");
}

static void extend_deadline(struct wfx *x)
{
	struct proto_str kind = body_str(x, "kind");
	struct wf_deadline *d = wf_dl_find(x->c, policy_dl_parse(kind.ptr, kind.len));
	const msgpack_object *due = proto_map_get(x->ev->body, "due_at");

	wfdl_extend(d, due->via.u64, x->now, x->p);
}

static void record_close_reason(struct wfx *x)
{
	x->c->closed_reason = body_str(x, "reason");
}

/* ---- the rules: WORKFLOW.md "Events on an NA case" -------------------------------------- */

#define OPEN WF_OPEN_STATES

/* Rows for one type run from the most specific `when` to the default. */
static const struct wf_rule rules[] = {
    /* Opening: WMP policy statements; P01c 3.5-3.15. bypass_manager: P01 3.4, when the line
     * manager cannot be approached. */
    {"declaration.submitted", "bypass_manager", NULL, S(NONE), R(SUBJECT), WF_AWAITING_ASSESSMENT,
     ORIGIN_SELF, actor_is_declared_subject, NULL, open_case, NULL},
    {"declaration.submitted", NULL, NULL, S(NONE), R(SUBJECT), WF_AWAITING_MANAGER_REVIEW,
     ORIGIN_SELF, actor_is_declared_subject, NULL, open_case, NULL},
    /* P01c 3.13; WMP "aware of ... another staff member"; P01 3.5 anonymous reporting */
    {"referral.submitted", "anonymous", NULL, S(NONE), R(NONE), WF_AWAITING_ASSESSMENT,
     ORIGIN_ANONYMOUS, NULL, NULL, open_case, NULL},
    {"referral.submitted", NULL, NULL, S(NONE), R(REPORTER) | R(LINE_MANAGER) | R(PSD),
     WF_AWAITING_ASSESSMENT, ORIGIN_REFERRAL, NULL, NULL, open_case, NULL},

    /* WMP "manager comments and any advice/mitigation should be recorded" */
    {"manager.reviewed", NULL, NULL, S(AWAITING_MANAGER_REVIEW), R(LINE_MANAGER),
     WF_AWAITING_ASSESSMENT, 0, NULL, NULL, NULL, NULL},

    /* P01c 3.18; WMP investigation */
    {"assessment.recorded", "outcome", "no_further_action",
     S(AWAITING_MANAGER_REVIEW) | S(AWAITING_ASSESSMENT), R(PSD), WF_CLOSED, 0, NULL, NULL,
     record_assessment, "no_further_action"},
    {"assessment.recorded", "outcome", "advice",
     S(AWAITING_MANAGER_REVIEW) | S(AWAITING_ASSESSMENT), R(PSD), WF_CLOSED, 0, NULL, NULL,
     record_assessment, "advice"},
    {"assessment.recorded", "outcome", "interview",
     S(AWAITING_MANAGER_REVIEW) | S(AWAITING_ASSESSMENT), R(PSD), WF_AWAITING_INTERVIEW, 0, NULL,
     NULL, record_assessment, NULL},
    {"assessment.recorded", "outcome", "mitigation",
     S(AWAITING_MANAGER_REVIEW) | S(AWAITING_ASSESSMENT), R(PSD), WF_AWAITING_MITIGATION, 0, NULL,
     NULL, record_assessment, NULL},

    /* WMP interviews, police friend */
    {"interview.recorded", "outcome", "no_further_action", S(AWAITING_INTERVIEW),
     R(PSD) | R(LINE_MANAGER), WF_CLOSED, 0, NULL, NULL, record_interview, "no_further_action"},
    {"interview.recorded", "outcome", "mitigation", S(AWAITING_INTERVIEW), R(PSD) | R(LINE_MANAGER),
     WF_AWAITING_MITIGATION, 0, NULL, NULL, record_interview, NULL},

    /* WMP managing the risk */
    {"mitigation.proposed", NULL, NULL, S(AWAITING_MITIGATION), R(PSD) | R(LINE_MANAGER),
     WF_MITIGATION_PROPOSED, 0, NULL, NULL, record_proposal, NULL},
    /* "all voluntary/agreed mitigation will require the approval of a PSD AA" */
    {"mitigation.agreed", NULL, NULL, S(MITIGATION_PROPOSED), R(SUBJECT), WF_AWAITING_AA_APPROVAL,
     0, actor_is_case_subject, NULL, NULL, NULL},
    /* "where mitigation cannot be agreed ... referred to a PSD AA" */
    {"mitigation.disputed", NULL, NULL, S(MITIGATION_PROPOSED), R(SUBJECT), WF_REFERRED_TO_AA, 0,
     actor_is_case_subject, NULL, NULL, NULL},
    /* "the PSD AA will allow ... representations" */
    {"representations.submitted", NULL, NULL, S(REFERRED_TO_AA), R(SUBJECT), WF_SAME, 0,
     representations_window, NULL, record_representations, NULL},

    /* AA approval */
    {"aa.approved", NULL, NULL, S(AWAITING_AA_APPROVAL), R(AA), WF_CONDITIONS_ACTIVE, 0, NULL, NULL,
     record_approval, NULL},
    /* "the PSD AA will decide ..." */
    {"aa.determined", "decision", "no_risk", S(AWAITING_AA_APPROVAL) | S(REFERRED_TO_AA), R(AA),
     WF_CLOSED, 0, NULL, representations_heard, record_determination, "no_risk"},
    {"aa.determined", "decision", "conditions|cease", S(AWAITING_AA_APPROVAL) | S(REFERRED_TO_AA),
     R(AA), WF_AWAITING_SERVICE, 0, NULL, representations_heard, record_determination, NULL},
    /* "conditions in writing, any relevant review period and the right to appeal" */
    {"determination.served", NULL, NULL, S(AWAITING_SERVICE), R(PSD), WF_APPEAL_WINDOW, 0, NULL,
     NULL, NULL, NULL},

    /* WMP appeals: 14 days, in writing, says why */
    {"appeal.lodged", NULL, NULL, S(APPEAL_WINDOW) | S(CONDITIONS_ACTIVE), R(SUBJECT),
     WF_UNDER_APPEAL, 0, appeal_window, appeal_not_yet_lodged, NULL, NULL},
    /* "within 28 days ... strategy meeting" */
    {"strategy_meeting.held", NULL, NULL, S(UNDER_APPEAL), R(HEAD_OF_PSD),
     WF_AWAITING_APPEAL_DECISION, 0, NULL, NULL, NULL, NULL},
    /* "uphold, confirm or vary"; "within 14 days following the strategy meeting" */
    {"appeal.decided", "outcome", "upheld", S(AWAITING_APPEAL_DECISION), R(HEAD_OF_PSD), WF_CLOSED,
     0, NULL, NULL, record_appeal_decision, "appeal_upheld"},
    {"appeal.decided", "outcome", "confirmed|varied", S(AWAITING_APPEAL_DECISION), R(HEAD_OF_PSD),
     WF_CONDITIONS_ACTIVE, 0, NULL, NULL, record_appeal_decision, NULL},

    /* WMP misconduct; "during the appeal period, the conditions must be adhered to" */
    {"breach.reported", NULL, NULL, WF_CONDITIONS_IN_FORCE, R(PSD) | R(LINE_MANAGER), WF_SAME, 0,
     NULL, NULL, NULL, NULL},

    /* "significant change in circumstances" */
    {"review.requested", NULL, NULL, S(CONDITIONS_ACTIVE), R(AA) | R(PSD), WF_SAME, 0, NULL, NULL,
     open_review, NULL},
    /* annual review; "any variation ... right of appeal" */
    {"review.completed", "outcome", "no_change", S(CONDITIONS_ACTIVE), R(AA), WF_CONDITIONS_ACTIVE,
     0, NULL, NULL, record_review, NULL},
    {"review.completed", "outcome", "varied", S(CONDITIONS_ACTIVE), R(AA), WF_AWAITING_SERVICE, 0,
     NULL, NULL, record_review, NULL},
    {"review.completed", "outcome", "removed", S(CONDITIONS_ACTIVE), R(AA), WF_CLOSED, 0, NULL,
     NULL, record_review, "conditions_removed"},

    /* WMP vetting review by level */
    {"vetting.reviewed", NULL, NULL, OPEN, R(VETTING), WF_SAME, 0, NULL, vetting_task_open,
     record_vetting_review, NULL},
    /* keeping records right */
    {"subject.updated", NULL, NULL, OPEN, R(PSD), WF_SAME, 0, NULL, NULL, record_subject_update,
     NULL},
    /* a recorded reason for every extension */
    {"deadline.extended", NULL, NULL, OPEN, R(PSD) | R(AA) | R(HEAD_OF_PSD), WF_SAME, 0, NULL,
     deadline_extensible, extend_deadline, NULL},
    {"case.closed", NULL, NULL, OPEN, R(PSD), WF_CLOSED, 0, NULL, NULL, record_close_reason, NULL},

    {NULL, NULL, NULL, 0, 0, WF_NONE, 0, NULL, NULL, NULL, NULL},
};

/* ---- side effects: WORKFLOW.md "Side effects" --------------------------------------------- */

static void prevent_referral(struct wfx *x)
{
	notify(x, "prevent.referral");
}

static void misconduct_referral(struct wfx *x)
{
	notify(x, "misconduct.referral");
}

static void flag_misconduct(struct wfx *x)
{
	x->c->flags |= WFC_MISCONDUCT;
	misconduct_referral(x);
}

/* Risk identified: a vetting task with its deadline when the subject's level is in [vetting]
 * review_required, else an optional one with no deadline (WMP "may review"). A mandatory task
 * already open is not told again; an optional one is made mandatory when the level now
 * requires it. */
static void risk_identified(struct wfx *x)
{
	struct wf_case *c = x->c;
	bool required = policy_vetting_review(x->p, subject_str(c, "vetting"));
	struct wf_note *n;

	if (c->vetting.status == TASK_OPEN && (required ? !c->vetting.optional : true))
		return;
	c->vetting.status = TASK_OPEN;
	c->vetting.optional = !required;
	c->vetting.opened_at = x->ev->at;
	c->vetting.done_at = 0;
	c->vetting.outcome = (struct proto_str){NULL, 0};
	if (required)
		open_kind(x, DL_VETTING_REVIEW, x->ev->at);
	if ((n = note(x, "vetting.review_required"))) {
		n->detail = DETAIL_OPTIONAL;
		n->optional = !required;
		address(n, c);
	}
}

static void appeal_lodged(struct wfx *x)
{
	notify(x, "appeal.lodged");
}

static void appeal_decided(struct wfx *x)
{
	notify_outcome(x, "appeal.decided", body_str(x, "outcome"));
}

static void conditions_imposed(struct wfx *x)
{
	notify(x, "conditions.imposed");
}

struct wf_side {
	const char *types;     /* '|' between them */
	const char *when, *is; /* a body condition (see body_is), or NULL */
	const char *flag;      /* and a body flag that must be true, or NULL */
	void (*effect)(struct wfx *);
};

#define OPENING "declaration.submitted|referral.submitted"

/* Run in this order after the event has moved the case. */
static const struct wf_side sides[] = {
    /* P01b 3.3, P01c 3.10 */
    {OPENING, "categories", "extremist", NULL, prevent_referral},
    /* P01c 3.15: flagged for misconduct consideration */
    {OPENING, "categories", "victim_witness_live_case", "vulnerable", flag_misconduct},
    /* risk identified: WMP vetting review by level */
    {"assessment.recorded|interview.recorded", "outcome", "mitigation", NULL, risk_identified},
    {"aa.determined", "decision", "conditions|cease", NULL, risk_identified},
    /* WMP misconduct */
    {"breach.reported", NULL, NULL, NULL, misconduct_referral},
    /* the appeal's course */
    {"appeal.lodged", NULL, NULL, NULL, appeal_lodged},
    {"appeal.decided", NULL, NULL, NULL, appeal_decided},
    /* conditions set: approved, determined, varied on appeal or on review */
    {"aa.approved", NULL, NULL, NULL, conditions_imposed},
    {"aa.determined", "decision", "conditions|cease", NULL, conditions_imposed},
    {"appeal.decided", "outcome", "varied", NULL, conditions_imposed},
    {"review.completed", "outcome", "varied", NULL, conditions_imposed},
    {NULL, NULL, NULL, NULL, NULL},
};

static void side_effects(struct wfx *x)
{
	const char *type = x->ev->type->name;

	for (const struct wf_side *s = sides; s->types; s++)
		if (list_has(s->types, type, strlen(type)) &&
		    body_is(x->ev->body, s->when, s->is) &&
		    (!s->flag || proto_flag(x->ev->body, s->flag)))
			s->effect(x);
}

/* ---- the drivers ----------------------------------------------------------------------------- */

static const struct wf_rule *find_rule(const struct proto_event *ev, struct proto_error *err)
{
	const struct wf_rule *r, *any = NULL;

	for (r = rules; r->type; r++) {
		if (strcmp(r->type, ev->type->name) != 0)
			continue;
		any = r;
		if (body_is(ev->body, r->when, r->is))
			return r;
	}
	if (any)
		proto_fail(err, PROTO_INVALID_FIELD, "body.%s: no rule of %s for this value",
			   any->when, any->type);
	else
		proto_fail(err, PROTO_UNKNOWN_TYPE, "type: %s has no workflow rule",
			   ev->type->name);
	return NULL;
}

/* Forbidden (the role, then the row's guard), window_closed, then invalid_transition: the
 * order of PROTOCOL.md. */
static int check_rule(const struct wfx *x, struct proto_error *err)
{
	const struct wf_rule *r = x->rule;
	enum proto_role role = x->ev->actor_role;

	if (!(r->roles & ROLE_BIT(role)))
		return proto_fail(err, PROTO_FORBIDDEN, "actor.role: %s may not send %s",
				  role ? proto_role_name(role) : "no actor", r->type);
	if (r->guard && r->guard(x, err) < 0)
		return -1;
	if (!(r->states & WF_BIT(x->c->state)))
		return proto_fail(err, PROTO_INVALID_TRANSITION,
				  "type: %s is not allowed while the case is %s", r->type,
				  wf_state_name(x->c->state));
	if (r->check && r->check(x, err) < 0)
		return -1;
	return 0;
}

int wf_apply(struct wf_case *c, const struct proto_event *ev, uint64_t now, const struct policy *p,
	     struct wf_effects *fx, struct proto_error *err)
{
	struct wfx x = {.c = c, .ev = ev, .now = now, .p = p, .fx = fx};

	fx->n = 0;
	if (!(x.rule = find_rule(ev, err)) || check_rule(&x, err) < 0)
		return -1;
	if (x.rule->act)
		x.rule->act(&x);
	if (x.rule->closes)
		c->closed_reason =
		    (struct proto_str){x.rule->closes, (uint32_t)strlen(x.rule->closes)};
	if (x.rule->next != WF_SAME)
		transition(&x, x.rule->next, ev->at);
	side_effects(&x);
	settle(&x);
	if (x.full)
		return proto_fail(err, PROTO_UNAVAILABLE,
				  "case: the case record has no room for this step (%u deadlines, "
				  "%u notifications at most)",
				  WF_DL_MAX, WF_NOTES_MAX);
	return 0;
}

int wf_fire(struct wf_case *c, enum dl_kind k, uint64_t now, const struct policy *p,
	    struct wf_effects *fx)
{
	struct wfx x = {.c = c, .now = now, .p = p, .fx = fx};

	fx->n = 0;
	return fire(&x, k);
}

int wf_assign(struct wf_case *c, const char *aa, uint64_t now, struct wf_effects *fx)
{
	struct wfx x = {.c = c, .now = now, .fx = fx};

	fx->n = 0;
	if (c->state != WF_REFERRED_TO_AA || !(c->flags & WFC_ESCALATE))
		return 0;
	snprintf(c->aa, sizeof(c->aa), "%s", aa);
	c->flags &= ~(uint32_t)WFC_ESCALATE;
	notify(&x, "case.escalated");
	return 1;
}

int wf_dispose(struct wf_case *c, uint64_t now, const struct policy *p, struct wf_effects *fx)
{
	struct wfx x = {.c = c, .now = now, .p = p, .fx = fx};
	struct wf_deadline *d = wf_dl_find(c, DL_RETENTION);

	fx->n = 0;
	if (c->state != WF_CLOSED || (c->flags & WFC_DISPOSED) || !d || d->due_at > now)
		return 0;
	c->subject = c->subject_update = c->associate = NULL;
	c->categories = c->relationship = c->conditions = c->proposed = NULL;
	c->subject_id = (struct proto_str){NULL, 0};
	c->flags |= WFC_DISPOSED;
	c->disposed_at = now;
	wfdl_meet(d, now);
	notify(&x, "retention.disposed");
	return 1;
}
