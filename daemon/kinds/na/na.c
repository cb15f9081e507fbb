/* na: the notifiable association's description (see na.h): what entering and leaving its
 * states does beyond their deadlines, what its windows do at their due time, and what
 * retention clears. */
#include "kinds/na/na.h"

#include "case/wfdeadline.h"
#include "engine/wfint.h"

#define S(x) WF_BIT(WF_##x)

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

static void (*const on_enter[WF_STATE_COUNT])(struct wfx *, uint64_t start) = {
    [WF_REFERRED_TO_AA] = enter_referred,
    [WF_APPEAL_WINDOW] = enter_appeal_window,
};
static void (*const on_leave[WF_STATE_COUNT])(struct wfx *) = {
    [WF_REFERRED_TO_AA] = leave_referred,
    [WF_CONDITIONS_ACTIVE] = leave_conditions_active,
};

/* ---- what falls due ------------------------------------------------------------------------ */

/* At a window's due time (WORKFLOW.md "Deadlines", "at due time"). */
static const struct wf_at_due at_due[] = {
    /* "NOT a breach: mitigation is taken as not agreed, and the case is referred to the AA as
     * if disputed"; not a dispute, so an answer dated in time may still come (rules.c) */
    {DLA_REFER_AA, S(MITIGATION_PROPOSED), WF_REFERRED_TO_AA, NULL, WFC_UNANSWERED, NULL},
    /* "a window, not a breach: when it closes, the AA may determine". No topic of
     * PROTOCOL.md says it, so nothing is sent: the AA's own deadline runs on. */
    {DLA_WINDOW, S(REFERRED_TO_AA), WF_SAME, NULL, 0, NULL},
    /* "when it closes, the case goes to conditions_active (appeal.window_closed)" */
    {DLA_APPEAL_CLOSES, S(APPEAL_WINDOW), WF_CONDITIONS_ACTIVE, "appeal.window_closed", 0, NULL},
    {DLA_BREACH, 0, 0, NULL, 0, NULL},
};

/* Retention: the case's personal data goes; its outcomes and dates stay. */
static void dispose(struct wf_case *c)
{
	c->associate = c->categories = c->relationship = c->conditions = c->proposed = NULL;
}

const struct wf_kind wf_kind_na = {
    .id = KIND_NA,
    .rules = na_rules,
    .sides = na_sides,
    .at_due = at_due,
    .on_enter = on_enter,
    .on_leave = on_leave,
    .dispose = dispose,
};
