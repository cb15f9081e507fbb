/* bi: a business interest's rows (see bi.h). The subject applies; HR assesses every request
 * and PSD checks every application (HMIC 2012); the appropriate officer decides (reg 8); a
 * refusal or conditions may be appealed to the chief officer within bi_appeal_window (reg 9),
 * once; an approval is reviewed annually, and a breach of it is a misconduct referral
 * (reg 7(1): a lawful order). A refusal whose window lapses unappealed closes the case. */
#include "kinds/bi/bi.h"

#include <string.h>

#include "case/wfdeadline.h"
#include "engine/wfint.h"

#define S(x) WF_BIT(BI_##x)

/* ---- guards ------------------------------------------------------------------------------ */

/* The subject applies for their own interest: the actor must be the applying subject. */
static int subject_applies_own(const struct wfx *x, struct proto_error *err)
{
	return wfx_subject_opens_own(x, err, "an application");
}

/* reg 9: within bi_appeal_window of the decision, judged by the appeal's `at` (so an appeal
 * against conditions dated in time is heard though the window was closed by the worker). */
static int appeal_in_window(const struct wfx *x, struct proto_error *err)
{
	const struct wf_deadline *d = wfdl_last(x->c, DL_BI_APPEAL_WINDOW);

	if (wfx_subject_is_case_subject(x, err) < 0)
		return -1;
	if (!(WF_BIT(x->c->state) & (S(REFUSED) | S(APPROVED))) || !d ||
	    (x->c->flags & WFC_APPEALED))
		return 0;
	if (x->ev->at > d->due_at)
		return proto_fail(err, PROTO_WINDOW_CLOSED,
				  "at: the appeal window closed at %s (reg 9: an appeal within "
				  "bi_appeal_window of the decision)",
				  wfx_iso(d->due_at).s);
	return 0;
}

/* ---- checks ------------------------------------------------------------------------------ */

/* One appeal per decision, against a refusal or conditions, not before the decision. The
 * appeal is marked by WFC_APPEALED, which nothing on a BI case clears: no further appeal. */
static int appeal_allowed(const struct wfx *x, struct proto_error *err)
{
	const struct wf_deadline *d = wfdl_last(x->c, DL_BI_APPEAL_WINDOW);

	if (x->c->flags & WFC_APPEALED)
		return wfx_refused(x, err,
				   "the decision was appealed already; there is no further appeal "
				   "(reg 9)");
	if (!d)
		return wfx_refused(x, err,
				   "an approval without conditions has no appeal (a refusal or "
				   "conditions open bi_appeal_window)");
	if (x->ev->at < d->start)
		return proto_fail(err, PROTO_INVALID_TRANSITION,
				  "at: the decision was made at %s; an appeal cannot be lodged "
				  "before it",
				  wfx_iso(d->start).s);
	return 0;
}

/* ---- actions ------------------------------------------------------------------------------ */

/* What stands for "no conditions" once an approval had some (an appeal upheld without any):
 * a part holds an object, so an absent one is nil. */
static const msgpack_object no_conditions = {.type = MSGPACK_OBJECT_NIL};

static void open_application(struct wfx *x)
{
	wfx_open(x);
	wfx_set_part(x, "interest", proto_map_get(x->ev->body, "interest"));
}

static void record_hr_assessment(struct wfx *x)
{
	wfx_set_outcome(x, "hr_assessment", "recommendation");
}

static void record_psd_check(struct wfx *x)
{
	wfx_set_outcome(x, "psd_check", "outcome");
}

/* A refusal or conditions open bi_appeal_window, from the decision's `at`. */
static void record_decision(struct wfx *x)
{
	wfx_set_outcome(x, "decision", "decision");
	wfx_set_part(x, "conditions", proto_map_get(x->ev->body, "conditions"));
	if (!wfx_body_is(x->ev->body, "decision", "approved"))
		wfx_open_kind(x, DL_BI_APPEAL_WINDOW, x->ev->at);
}

/* The window is met by the appeal; an approval under appeal is not reviewed meanwhile (its
 * annual review is cancelled, and opens again when the appeal puts the case back). */
static void record_appeal(struct wfx *x)
{
	x->c->flags |= WFC_APPEALED;
	wfx_meet_kind(x, DL_BI_APPEAL_WINDOW);
	if ((int)x->c->state == BI_APPROVED)
		wfx_cancel_state(x, BI_APPROVED);
}

/* Upheld: approved, with the conditions given, else with none. */
static void record_appeal_upheld(struct wfx *x)
{
	const msgpack_object *v = proto_map_get(x->ev->body, "conditions");

	wfx_set_outcome(x, "appeal", "outcome");
	if (v)
		wfx_set_part(x, "conditions", v);
	else if (wf_part_get(x->c, "conditions"))
		wfx_set_part(x, "conditions", &no_conditions);
}

/* Dismissed: the decision stands, conditions and all (appeal_next). */
static void record_appeal_dismissed(struct wfx *x)
{
	wfx_set_outcome(x, "appeal", "outcome");
}

static void record_review(struct wfx *x)
{
	wfx_set_outcome(x, "review", "outcome");
	wfx_set_part(x, "conditions", proto_map_get(x->ev->body, "conditions"));
}

/* "dismissed: back to the decided state (refused, or approved with its conditions)" */
static unsigned appeal_next(const struct wfx *x, const struct wf_rule *r, unsigned next)
{
	if (strcmp(r->type, "business_interest.appeal_decided") != 0 ||
	    !wfx_body_is(x->ev->body, "outcome", "dismissed"))
		return next;
	return proto_str_eq(wf_outcome_get(x->c, "decision"), "refused") ? BI_REFUSED : BI_APPROVED;
}

/* ---- the rules: REGISTERS.md "Business interests and second jobs" ------------------------- */

static const struct wf_rule rules[] = {
    /* HMIC: "all requests ... assessed by HR" */
    {"business_interest.applied", NULL, NULL, S(NONE), R(SUBJECT), BI_AWAITING_HR_ASSESSMENT,
     ORIGIN_SELF, subject_applies_own, NULL, open_application, NULL},
    {"hr.assessed", NULL, NULL, S(AWAITING_HR_ASSESSMENT), R(HR), BI_AWAITING_PSD_CHECK, 0, NULL,
     NULL, record_hr_assessment, NULL},
    /* HMIC: "checks are also made by PSD on all applications" */
    {"psd.checked", NULL, NULL, S(AWAITING_PSD_CHECK), R(PSD), BI_AWAITING_DECISION, 0, NULL, NULL,
     record_psd_check, NULL},
    /* reg 8: the appropriate officer */
    {"business_interest.decided", "decision", "approved|approved_with_conditions",
     S(AWAITING_DECISION), R(AA), BI_APPROVED, 0, NULL, NULL, record_decision, NULL},
    {"business_interest.decided", "decision", "refused", S(AWAITING_DECISION), R(AA), BI_REFUSED, 0,
     NULL, NULL, record_decision, NULL},
    /* reg 9: to the chief officer, within the window, once */
    {"business_interest.appealed", NULL, NULL, S(REFUSED) | S(APPROVED), R(SUBJECT),
     BI_UNDER_APPEAL, 0, appeal_in_window, appeal_allowed, record_appeal, NULL},
    {"business_interest.appeal_decided", "outcome", "upheld", S(UNDER_APPEAL), R(HEAD_OF_PSD),
     BI_APPROVED, 0, NULL, NULL, record_appeal_upheld, NULL},
    /* back to the decided state: appeal_next picks refused or approved */
    {"business_interest.appeal_decided", "outcome", "dismissed", S(UNDER_APPEAL), R(HEAD_OF_PSD),
     BI_REFUSED, 0, NULL, NULL, record_appeal_dismissed, NULL},
    /* reg 7(1): a lawful order */
    {"breach.reported", NULL, NULL, S(APPROVED), R(PSD) | R(HR), WF_SAME, 0, NULL, NULL, NULL,
     NULL},
    /* "reviewed annually": re-entering approved opens the next bi_annual_review */
    {"business_interest.reviewed", "outcome", "continue|conditions_varied", S(APPROVED),
     R(HR) | R(PSD), BI_APPROVED, 0, NULL, NULL, record_review, NULL},
    {"business_interest.reviewed", "outcome", "withdrawn", S(APPROVED), R(HR) | R(PSD), BI_CLOSED,
     0, NULL, NULL, record_review, "approval_withdrawn"},
    {"business_interest.ended", NULL, NULL, S(APPROVED) | S(REFUSED), R(SUBJECT) | R(HR), BI_CLOSED,
     0, wfx_subject_is_case_subject, NULL, NULL, "ended"},
    {NULL, NULL, NULL, 0, 0, 0, 0, NULL, NULL, NULL, NULL},
};

static const struct wf_side sides[] = {
    {"breach.reported", NULL, NULL, NULL, NULL, "misconduct.referral"},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};

/* "When bi_appeal_window closes without an appeal, a refused case closes (reason refused);
 * an approved one stays approved." Either way the subject and PSD are told. */
static const struct wf_at_due at_due[] = {
    {DLA_APPEAL_CLOSES, S(REFUSED), BI_CLOSED, "appeal.window_closed", 0, "refused"},
    {DLA_APPEAL_CLOSES, S(APPROVED), WF_SAME, "appeal.window_closed", 0, NULL},
    {DLA_BREACH, 0, 0, NULL, 0, NULL},
};

const struct wf_kind wf_kind_bi = {
    .id = KIND_BI,
    .rules = rules,
    .sides = sides,
    .at_due = at_due,
    .next_of = appeal_next,
};
