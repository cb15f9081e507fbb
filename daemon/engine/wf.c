/* wf: the workflow engine's drivers, one per input (an event, a due deadline, an assignment,
 * a disposal): moving the case between states with the deadlines they open and meet, firing
 * what falls due and the settle loop. The top of the engine: the rows are wfrules.c's
 * (events) and wfside.c's (side effects); notes and their recipients are wfnotes.c's; the
 * small readers and the deadlines of a kind that every step shares are wfx.c's; the timing
 * of a single deadline is wfdeadline.c's. None of them calls back up into this file. See
 * wf.h; what the engine's files share is wfint.h. */
#include "engine/wf.h"

#include <stdio.h>
#include <string.h>

#include "case/wfdeadline.h"
#include "engine/wfint.h"

#define SETTLE_MAX (2 * WF_DL_MAX) /* deadlines fired inside one wf_apply, at most */
#define FIRE_NOTES 3               /* notes one firing may add, at most */

/* ---- entering and leaving states --------------------------------------------------------- */

/* Referred to the AA (mitigation disputed, or unanswered): the AA must allow representations,
 * and the escalation worker is to assign one. A referral for want of an answer is marked by
 * the at-due row that makes it (WFC_UNANSWERED), after this. */
static void enter_referred(struct wfx *x, uint64_t start)
{
	(void)start;
	x->c->flags |= WFC_DISPUTED | WFC_ESCALATE;
	x->c->flags &= ~(uint32_t)(WFC_REPS_MADE | WFC_UNANSWERED);
	x->c->aa[0] = '\0';
}

/* A case that left the AA no longer waits for an assignment, nor for a late answer. */
static void leave_referred(struct wfx *x)
{
	x->c->flags &= ~(uint32_t)(WFC_ESCALATE | WFC_UNANSWERED);
}

/* A review can be completed only in conditions_active (review.completed): a case that leaves
 * it another way (a late-received appeal) cancels the review it asked for, rather than have
 * it breach where nobody may complete it. */
static void leave_conditions_active(struct wfx *x)
{
	struct wf_deadline *d = wf_dl_find(x->c, DL_REVIEW);

	if (d)
		wfdl_cancel(d, x->now);
}

/* A determination served: a new right of appeal, not yet used (WMP appeals). */
static void enter_appeal_window(struct wfx *x, uint64_t start)
{
	(void)start;
	x->c->flags &= ~(uint32_t)WFC_APPEALED;
}

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

static void (*const on_enter[WF_STATE_COUNT])(struct wfx *, uint64_t start) = {
    [WF_REFERRED_TO_AA] = enter_referred,
    [WF_APPEAL_WINDOW] = enter_appeal_window,
    [WF_CLOSED] = enter_closed,
};
static void (*const on_leave[WF_STATE_COUNT])(struct wfx *) = {
    [WF_REFERRED_TO_AA] = leave_referred,
    [WF_CONDITIONS_ACTIVE] = leave_conditions_active,
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
		on_enter[to](x, start);
	for (int k = 0; k < DL_COUNT; k++)
		if (policy_dl_rule(k)->opens_on == to)
			wfx_open_kind(x, k, start);
	if (from == WF_NONE) {
		wfx_notify(x, "case.opened");
	} else if (from != to && (n = wfx_note(x, "case.state_changed"))) {
		n->detail = DETAIL_TRANSITION;
		n->from_state = from;
		n->to_state = to;
		wfx_address(n, c);
	}
	if (to == WF_CLOSED)
		wfx_notify_outcome(x, "case.closed", c->closed_reason);
}

/* ---- what falls due -------------------------------------------------------------------- */

/* At a window's due time (WORKFLOW.md "Deadlines", "at due time"): what the case does. */
static const struct at_due_row {
	enum dl_action action;
	uint32_t states;    /* the case must be in one of them (it is: the deadline is live) */
	enum wf_state next; /* or WF_SAME */
	const char *topic;  /* emitted after the change, or NULL */
	uint32_t flags;     /* enum wf_case_flag: set on the case after the change */
} at_due_rows[] = {
    /* "NOT a breach: mitigation is taken as not agreed, and the case is referred to the AA as
     * if disputed"; not a dispute, so an answer dated in time may still come (wfrules.c) */
    {DLA_REFER_AA, S(MITIGATION_PROPOSED), WF_REFERRED_TO_AA, NULL, WFC_UNANSWERED},
    /* "a window, not a breach: when it closes, the AA may determine". No topic of
     * PROTOCOL.md says it, so nothing is sent: the AA's own deadline runs on. */
    {DLA_WINDOW, S(REFERRED_TO_AA), WF_SAME, NULL, 0},
    /* "when it closes, the case goes to conditions_active (appeal.window_closed)" */
    {DLA_APPEAL_CLOSES, S(APPEAL_WINDOW), WF_CONDITIONS_ACTIVE, "appeal.window_closed", 0},
};

static void at_due(struct wfx *x, enum dl_action action)
{
	for (size_t i = 0; i < sizeof(at_due_rows) / sizeof(at_due_rows[0]); i++) {
		const struct at_due_row *r = &at_due_rows[i];

		if (r->action != action || !(r->states & WF_BIT(x->c->state)))
			continue;
		if (r->next != WF_SAME)
			transition(x, r->next, x->now);
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
	if (!(x.rule = wfx_find_rule(ev, c->state, err)) || check_rule(&x, err) < 0)
		return -1;
	if (x.rule->act)
		x.rule->act(&x);
	if (x.rule->closes)
		c->closed_reason =
		    (struct proto_str){x.rule->closes, (uint32_t)strlen(x.rule->closes)};
	if (x.rule->next != WF_SAME)
		transition(&x, x.rule->next, ev->at);
	wfx_side_effects(&x);
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
	wfx_notify(&x, "case.escalated");
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
	wfx_notify(&x, "retention.disposed");
	return 1;
}
