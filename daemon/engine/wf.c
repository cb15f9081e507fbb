/* wf: the workflow engine's drivers, one per input (an event, a due deadline, an assignment,
 * a disposal), the same for every kind: finding the kind's row, checking it, moving the case
 * between states with the deadlines they open and meet, firing what falls due and the
 * settle loop. The rows are the kind's (daemon/kinds/, engine/kind.h); notes and their
 * recipients are wfnotes.c's; the small readers and the deadlines of a kind that every step
 * shares are wfx.c's; the timing of a single deadline is case/wfdeadline.c's. None of them
 * calls back up into this file. See wf.h; what the engine's files share is wfint.h. */
#include "engine/wf.h"

#include <stdio.h>
#include <string.h>

#include "case/wfdeadline.h"
#include "engine/wfint.h"

#define SETTLE_MAX (2 * WF_DL_MAX) /* deadlines fired inside one wf_apply, at most */
#define FIRE_NOTES 3               /* notes one firing may add, at most */

/* ---- entering and leaving states --------------------------------------------------------- */

/* Closed, by any path: what is still running is cancelled (a breached one stays breached),
 * an open vetting task with it. The retention clock then starts from the closing's `at`, as
 * every deadline runs from the event that opens it ([retention] closed_case). */
static void enter_closed(struct wfx *x, uint64_t start)
{
	for (uint32_t i = 0; i < x->c->n_dl; i++)
		wfdl_cancel(&x->c->dl[i], x->now);
	if (x->c->vetting.status == TASK_OPEN) {
		x->c->vetting.status = TASK_CANCELLED;
		x->c->vetting.done_at = x->now;
	}
	x->c->closed_at = start;
}

static bool closed(const struct wfx *x, int s)
{
	return wf_states_of(x->k->id)->closed == s;
}

/* Moves the case to `to`: the deadlines bound to the state it leaves are met, those of the
 * state it enters open from `start` (WORKFLOW.md "Deadlines"). Re-entering the same state
 * (an annual review with no change) renews its deadlines. */
static void transition(struct wfx *x, int to, uint64_t start)
{
	struct wf_case *c = x->c;
	const struct wf_kind *k = x->k;
	int from = c->state;
	struct wf_note *n;

	for (uint32_t i = 0; i < c->n_dl; i++)
		if (policy_dl_opens_on(c->dl[i].kind, c->kind, from))
			wfdl_meet(&c->dl[i], x->now);
	if (k->on_leave && k->on_leave[from])
		k->on_leave[from](x);
	c->state = to;
	if (closed(x, to))
		enter_closed(x, start);
	if (k->on_enter && k->on_enter[to])
		k->on_enter[to](x, start);
	for (int d = 0; d < DL_KINDS; d++)
		if (policy_dl_opens_on(d, c->kind, to))
			wfx_open_kind(x, d, start);
	if (from == 0) {
		wfx_notify(x, "case.opened");
	} else if (from != to && (n = wfx_note(x, "case.state_changed"))) {
		n->detail = DETAIL_TRANSITION;
		n->from_state = from;
		n->to_state = to;
		wfx_address(n, c);
	}
	if (closed(x, to))
		wfx_notify_outcome(x, "case.closed", c->closed_reason);
}

/* ---- what falls due -------------------------------------------------------------------- */

/* At a window's due time (WORKFLOW.md "Deadlines", "at due time"): the kind's row. */
static void at_due(struct wfx *x, enum dl_action action)
{
	for (const struct wf_at_due *r = x->k->at_due; r && r->action != DLA_BREACH; r++) {
		if (r->action != action || !(r->states & WF_BIT(x->c->state)))
			continue;
		if (r->closes)
			x->c->closed_reason =
			    (struct proto_str){r->closes, (uint32_t)strlen(r->closes)};
		if (r->next != WF_SAME)
			transition(x, (int)r->next, x->now);
		x->c->flags |= r->flags;
		if (r->topic)
			wfx_notify(x, r->topic);
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
		wfx_notify_deadline(x, "deadline.reminder", d);
		break;
	case WFDL_BREACH:
		wfx_notify_deadline(x, "deadline.breached", d);
		break;
	case WFDL_ESCALATION:
		wfx_notify_deadline(x, "deadline.escalated", d);
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

/* ---- the drivers ----------------------------------------------------------------------------- */

/* ---- the reporter's channel ---------------------------------------------------------- */

/* REGISTERS.md: every anonymous report has the channel, and on a kind that says so every
 * named report: its reporter is kept (to check who follows up, and to address replies) and
 * reporter_update runs from the report. */
static void open_channel(struct wfx *x)
{
	struct wf_case *c = x->c;

	if (c->origin == ORIGIN_ANONYMOUS) {
		c->reporter_role = ROLE_NONE;
	} else if (x->k->channel_named && c->origin == ORIGIN_REFERRAL) {
		c->reporter_role = x->ev->actor_role;
		c->reporter_id = x->ev->actor_id;
	} else {
		return;
	}
	wfx_open_kind(x, DL_REPORTER_UPDATE, x->ev->at);
}

/* ---- finding the row ------------------------------------------------------------------------ */

/* The kind's row for the event: the first of its type whose `when` the body meets and whose
 * states hold the case's; when none holds it, the first whose `when` the body meets (then
 * refused, naming the state). A type the kind does not have is invalid_transition naming the
 * kind and the state (REGISTERS.md), a body value no row takes invalid_field. */
static const struct wf_rule *rows_of_type(const struct wfx *x)
{
	const struct wf_rule *r;

	for (r = x->k->rules; r->type; r++)
		if (strcmp(r->type, x->ev->type->name) == 0)
			return x->k->rules;
	for (r = wf_common_rules; r->type; r++)
		if (strcmp(r->type, x->ev->type->name) == 0)
			return wf_common_rules;
	return NULL;
}

static bool kind_has_type(const struct wfx *x)
{
	return rows_of_type(x) != NULL;
}

/* The states a row is allowed in, and where it goes, for the case's kind. */
static uint32_t row_states(const struct wfx *x, const struct wf_rule *r)
{
	const struct wf_states *st = wf_states_of(x->k->id);
	uint32_t s = r->states & ~(WF_KIND_OPEN | WF_KIND_CLOSED_TOO);

	if (r->states & WF_KIND_OPEN)
		s |= st->open;
	if (r->states & WF_KIND_CLOSED_TOO)
		s |= WF_BIT(st->closed);
	return s;
}

static unsigned row_next(const struct wfx *x, const struct wf_rule *r)
{
	unsigned next =
	    r->next == WF_KIND_CLOSED ? (unsigned)wf_states_of(x->k->id)->closed : r->next;

	return x->k->next_of ? x->k->next_of(x, r, next) : next;
}

static const struct wf_rule *find_rule(const struct wfx *x, struct proto_error *err)
{
	const struct wf_rule *r, *any = NULL, *met = NULL, *met_role = NULL, *in_state = NULL;

	for (r = rows_of_type(x); r->type; r++) {
		if (strcmp(r->type, x->ev->type->name) != 0)
			continue;
		any = r;
		if (!wfx_body_is(x->ev->body, r->when, r->is))
			continue;
		if (row_states(x, r) & WF_BIT(x->c->state)) {
			/* rows of one state told apart by the actor's role (CR: a manager's report
			 * awaits consultation); the first in the state answers forbidden */
			if (r->roles & ROLE_BIT(x->ev->actor_role))
				return r;
			if (!in_state)
				in_state = r;
		}
		if (!met)
			met = r;
		if (!met_role && (r->roles & ROLE_BIT(x->ev->actor_role)))
			met_role = r;
	}
	if (in_state)
		return in_state;
	/* none in the state: the actor's row, so that an allowed role hears of the state */
	if (met_role)
		return met_role;
	if (!met)
		proto_fail(err, PROTO_INVALID_FIELD, "body.%s: no rule of %s for this value",
			   any->when, any->type);
	return met;
}

static int check_kind_type(const struct wfx *x, struct proto_error *err)
{
	if (kind_has_type(x))
		return 0;
	return proto_fail(err, PROTO_INVALID_TRANSITION,
			  "type: %s is not an event of a %s case (the case is %s)",
			  x->ev->type->name, proto_kind_prefix(x->k->id), wfx_state_name(x));
}

/* The side effects of the event, after it has moved the case, in the kind's order. */
static void run_sides(struct wfx *x, const struct wf_side *s)
{
	const char *type = x->ev->type->name;

	for (; s && s->types; s++)
		if (wfx_list_has(s->types, type, strlen(type)) &&
		    wfx_body_is(x->ev->body, s->when, s->is) &&
		    (!s->flag || proto_flag(x->ev->body, s->flag))) {
			if (s->effect)
				s->effect(x);
			else
				wfx_notify(x, s->topic);
		}
}

static void side_effects(struct wfx *x)
{
	run_sides(x, x->k->sides);
	run_sides(x, wf_common_sides);
}

/* The kind's own body of a type several kinds share (REGISTERS.md): checked once the case
 * is known, before the actor's role. */
static int check_kind_body(const struct wfx *x, struct proto_error *err)
{
	return proto_kind_body_check(x->k->id, x->ev, err);
}

/* The case's kind: the one an opening event opens, else the case's own. */
static const struct wf_kind *kind_for(const struct wf_case *c, const struct proto_event *ev)
{
	return wf_kind_of(ev->type->opens != KIND_NONE ? ev->type->opens : c->kind);
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
	if (!(row_states(x, r) & WF_BIT(x->c->state)))
		return proto_fail(err, PROTO_INVALID_TRANSITION,
				  "type: %s is not allowed while the case is %s", r->type,
				  wfx_state_name(x));
	if (r->check && r->check(x, err) < 0)
		return -1;
	return 0;
}

int wf_apply(struct wf_case *c, const struct proto_event *ev, uint64_t now, const struct policy *p,
	     struct wf_effects *fx, struct proto_error *err)
{
	struct wfx x = {.c = c, .ev = ev, .now = now, .p = p, .fx = fx, .k = kind_for(c, ev)};

	fx->n = 0;
	if (!x.k)
		return proto_fail(err, PROTO_UNKNOWN_TYPE,
				  "type: %s opens a kind of case this "
				  "daemon does not keep yet",
				  ev->type->name);
	if (ev->type->opens != KIND_NONE)
		c->kind = ev->type->opens;
	/* a tombstone takes no event: what it would record, retention has destroyed (bad_faith.
	 * found's "closed included", a reply while the channel outlives retention) */
	if (c->flags & WFC_DISPOSED)
		return wfx_refused(&x, err, "its personal data was destroyed by retention");
	if (check_kind_type(&x, err) < 0 || check_kind_body(&x, err) < 0 ||
	    !(x.rule = find_rule(&x, err)) || check_rule(&x, err) < 0)
		return -1;
	if (x.rule->act)
		x.rule->act(&x);
	if (x.rule->closes)
		c->closed_reason =
		    (struct proto_str){x.rule->closes, (uint32_t)strlen(x.rule->closes)};
	if (x.rule->next != WF_SAME)
		transition(&x, (int)row_next(&x, x.rule), ev->at);
	if (ev->type->opens != KIND_NONE)
		open_channel(&x);
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
	struct wfx x = {.c = c, .now = now, .p = p, .fx = fx, .k = wf_kind_of(c->kind)};

	fx->n = 0;
	return x.k ? fire(&x, k) : 0;
}

int wf_assign(struct wf_case *c, const char *aa, uint64_t now, struct wf_effects *fx)
{
	struct wfx x = {.c = c, .now = now, .fx = fx, .k = wf_kind_of(c->kind)};

	fx->n = 0;
	/* only an NA case is referred to the AA (WORKFLOW.md "referred_to_aa") */
	if (c->kind != KIND_NA || c->state != WF_REFERRED_TO_AA || !(c->flags & WFC_ESCALATE))
		return 0;
	snprintf(c->aa, sizeof(c->aa), "%s", aa);
	c->flags &= ~(uint32_t)WFC_ESCALATE;
	wfx_notify(&x, "case.escalated");
	return 1;
}

int wf_dispose(struct wf_case *c, uint64_t now, const struct policy *p, struct wf_effects *fx)
{
	struct wfx x = {.c = c, .now = now, .p = p, .fx = fx, .k = wf_kind_of(c->kind)};
	struct wf_deadline *d = wf_dl_find(c, DL_RETENTION);

	fx->n = 0;
	if (!x.k || !closed(&x, c->state) || (c->flags & WFC_DISPOSED) || !d || d->due_at > now)
		return 0;
	c->subject = c->subject_update = NULL;
	c->subject_id = (struct proto_str){NULL, 0};
	wf_parts_drop_personal(c); /* its outcomes stay for the report */
	/* the channel closed long before; retention destroys the thread */
	c->token = c->reporter_id = (struct proto_str){NULL, 0};
	c->reporter_role = ROLE_NONE;
	c->thread = NULL;
	if (x.k->dispose)
		x.k->dispose(c);
	c->flags |= WFC_DISPOSED;
	c->disposed_at = now;
	wfdl_meet(d, now);
	wfx_notify(&x, "retention.disposed");
	return 1;
}
