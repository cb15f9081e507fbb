/* na/sides: WORKFLOW.md "Side effects" as rows (event types, body condition, effect), run by
 * the engine after the event has moved the case. */
#include <string.h>

#include "engine/wfint.h"
#include "kinds/na/na.h"

/* ---- side effects: WORKFLOW.md "Side effects" --------------------------------------------- */

static void flag_misconduct(struct wfx *x)
{
	x->c->flags |= WFC_MISCONDUCT;
	wfx_notify(x, "misconduct.referral");
}

/* Risk identified: a vetting task with its deadline when the subject's level is in [vetting]
 * review_required, else an optional one with no deadline (WMP "may review"). A mandatory task
 * already open is not told again; an optional one is made mandatory when the level now
 * requires it. */
static void risk_identified(struct wfx *x)
{
	struct wf_case *c = x->c;
	bool required = policy_vetting_review(x->p, wfx_subject_str(c, "vetting"));
	struct wf_note *n;

	if (c->vetting.status == TASK_OPEN && (required ? !c->vetting.optional : true))
		return;
	c->vetting.status = TASK_OPEN;
	c->vetting.optional = !required;
	c->vetting.opened_at = x->ev->at;
	c->vetting.done_at = 0;
	c->vetting.outcome = (struct proto_str){NULL, 0};
	if (required)
		wfx_open_kind(x, DL_VETTING_REVIEW, x->ev->at);
	if ((n = wfx_note(x, "vetting.review_required"))) {
		n->detail = DETAIL_OPTIONAL;
		n->optional = !required;
		wfx_address(n, c);
	}
}

static void appeal_decided(struct wfx *x)
{
	wfx_notify_outcome(x, "appeal.decided", wfx_body_str(x, "outcome"));
}

#define OPENING "declaration.submitted|referral.submitted"

/* Run in this order after the event has moved the case. */
const struct wf_side na_sides[] = {
    /* P01b 3.3, P01c 3.10 */
    {OPENING, "categories", "extremist", NULL, NULL, "prevent.referral"},
    /* P01c 3.15: flagged for misconduct consideration */
    {OPENING, "categories", "victim_witness_live_case", "vulnerable", flag_misconduct, NULL},
    /* risk identified: WMP vetting review by level */
    {"assessment.recorded|interview.recorded", "outcome", "mitigation", NULL, risk_identified,
     NULL},
    {"aa.determined", "decision", "conditions|cease", NULL, risk_identified, NULL},
    /* WMP misconduct */
    {"breach.reported", NULL, NULL, NULL, NULL, "misconduct.referral"},
    /* the appeal's course */
    {"appeal.lodged", NULL, NULL, NULL, NULL, "appeal.lodged"},
    {"appeal.decided", NULL, NULL, NULL, appeal_decided, NULL},
    /* conditions set: approved, determined, varied on appeal or on review */
    {"aa.approved", NULL, NULL, NULL, NULL, "conditions.imposed"},
    {"aa.determined", "decision", "conditions|cease", NULL, NULL, "conditions.imposed"},
    {"appeal.decided", "outcome", "varied", NULL, NULL, "conditions.imposed"},
    {"review.completed", "outcome", "varied", NULL, NULL, "conditions.imposed"},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};
