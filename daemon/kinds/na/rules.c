/* na/rules: WORKFLOW.md "Events on an NA case" as rows (event type, body condition, states,
 * roles, next state), with the guards and checks a row runs before it applies and the
 * actions that record its body in the case. The engine's driver (engine/wf.c) runs a row. */
#include <string.h>

#include "case/wfdeadline.h"
#include "engine/wfint.h"
#include "kinds/na/na.h"

#define S(x) WF_BIT(WF_##x)

/* ---- guards: run after the role, before the state ---------------------------------------- */

/* A declaration is the subject's own: the actor must be the declared subject. */
static int actor_is_declared_subject(const struct wfx *x, struct proto_error *err)
{
	return wfx_subject_opens_own(x, err, "a declaration");
}

/* "the PSD AA will allow ... representations": within the representations window. */
static int representations_window(const struct wfx *x, struct proto_error *err)
{
	const struct wf_deadline *d = wfdl_last(x->c, DL_REPRESENTATIONS);

	if (wfx_subject_is_case_subject(x, err) < 0)
		return -1;
	if (x->c->state != WF_REFERRED_TO_AA)
		return 0;
	if (!d || !wf_dl_live(d) || x->ev->at > d->due_at)
		return proto_fail(err, PROTO_WINDOW_CLOSED,
				  "at: the representations window closed at %s",
				  d ? wfx_iso(d->due_at).s : "the referral");
	return 0;
}

/* WMP appeals: "within 14 days of receipt" of the determination, judged by the appeal's
 * `at`, in appeal_window or after the window closed. */
static int appeal_window(const struct wfx *x, struct proto_error *err)
{
	const struct wf_deadline *d = wfdl_last(x->c, DL_APPEAL_WINDOW);

	if (wfx_subject_is_case_subject(x, err) < 0)
		return -1;
	if (!(WF_BIT(x->c->state) & (S(APPEAL_WINDOW) | S(CONDITIONS_ACTIVE))) || !d)
		return 0;
	if (x->ev->at > d->due_at)
		return proto_fail(err, PROTO_WINDOW_CLOSED,
				  "at: the appeal window closed at %s (WMP appeals: within the "
				  "appeal window from receipt of the determination)",
				  wfx_iso(d->due_at).s);
	return 0;
}

/* ---- checks: run after the state, needing the case ----------------------------------------- */

/* WMP appeals: "within 14 days of receipt" of the determination, so not before it was
 * served (the last appeal window's start); and once per determination: an appeal lodged in
 * time but received after the window closed is still heard, in conditions_active, unless
 * that determination was appealed already (WFC_APPEALED). */
static int appeal_allowed(const struct wfx *x, struct proto_error *err)
{
	const struct wf_deadline *w = wfdl_last(x->c, DL_APPEAL_WINDOW);
	const char *why = NULL;

	if (w && x->ev->at < w->start)
		return proto_fail(err, PROTO_INVALID_TRANSITION,
				  "at: the determination was served at %s; an appeal cannot be "
				  "lodged before it",
				  wfx_iso(w->start).s);
	if (x->c->flags & WFC_APPEALED)
		why = "this determination was appealed already";
	else if (!w)
		why = "no determination with a right of appeal";
	if (!why)
		return 0;
	return proto_fail(err, PROTO_INVALID_TRANSITION,
			  "type: appeal.lodged is not allowed while the case is %s: %s",
			  wfx_state_name(x), why);
}

/* An answer to the proposed mitigation dated at or after d's due time. */
static int mitigation_ran_out(const struct wfx *x, const struct wf_deadline *d,
			      struct proto_error *err)
{
	return proto_fail(err, PROTO_INVALID_TRANSITION,
			  "type: %s is not allowed while the case is %s: the time to answer the "
			  "proposed mitigation ran out at %s; the case is referred to the AA",
			  x->ev->type->name, wfx_state_name(x), wfx_iso(d->due_at).s);
}

/* mitigation_response: "NOT a breach: mitigation is taken as not agreed, and the case is
 * referred to the AA as if disputed". Judged by the answer's at, so the outcome does not
 * depend on whether the deadline worker has fired yet. */
static int mitigation_answered_in_time(const struct wfx *x, struct proto_error *err)
{
	const struct wf_deadline *d = wf_dl_find(x->c, DL_MITIGATION_RESPONSE);

	if (!d || x->ev->at < d->due_at)
		return 0;
	return mitigation_ran_out(x, d, err);
}

/* mitigation_response, once the worker has fired it: still judged by the answer's at. The
 * case was referred because the time ran out (WFC_UNANSWERED), not by a dispute; an answer
 * dated before that due time is heard though it arrives after the referral, as an appeal
 * lodged in time is after its window closed, so long as nothing has happened on the AA side
 * since: no representations (WFC_REPS_MADE), no determination (it would have moved the case
 * on). An AA already assigned is no bar. */
static int mitigation_answered_in_time_after_referral(const struct wfx *x, struct proto_error *err)
{
	const struct wf_deadline *d = wfdl_last(x->c, DL_MITIGATION_RESPONSE);

	if (!(x->c->flags & WFC_UNANSWERED) || !d)
		return wfx_refused(x, err,
				   "the proposed mitigation was disputed; the case is referred "
				   "to the AA");
	if (x->ev->at >= d->due_at)
		return mitigation_ran_out(x, d, err);
	if (x->c->flags & WFC_REPS_MADE)
		return wfx_refused(x, err,
				   "representations were made to the AA since the referral");
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
			  wfx_state_name(x), wfx_iso(d->due_at).s);
}

static int vetting_task_open(const struct wfx *x, struct proto_error *err)
{
	if (x->c->vetting.status == TASK_OPEN)
		return 0;
	return proto_fail(err, PROTO_INVALID_TRANSITION,
			  "type: vetting.reviewed is not allowed while the case is %s: it has no "
			  "open vetting task",
			  wfx_state_name(x));
}

/* ---- actions: what the body records in the case -------------------------------------------- */

static void record_review_period(struct wfx *x)
{
	struct proto_str s = wfx_body_str(x, "review_period");

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

	wfx_open(x);
	c->associate = proto_map_get(x->ev->body, "associate");
	c->categories = proto_map_get(x->ev->body, "categories");
	c->relationship = proto_map_get(x->ev->body, "relationship");
}

static void record_assessment(struct wfx *x)
{
	x->c->assessment = wfx_body_str(x, "outcome");
	x->c->risk = wfx_body_str(x, "risk");
}

static void record_interview(struct wfx *x)
{
	x->c->interview = wfx_body_str(x, "outcome");
}

static void record_proposal(struct wfx *x)
{
	x->c->proposed = proto_map_get(x->ev->body, "conditions");
}

static void record_representations(struct wfx *x)
{
	x->c->flags |= WFC_REPS_MADE;
}

/* Agreed in time, after the worker referred the case for want of an answer: the referral is
 * withdrawn. What it opened is cancelled, not met (the AA did not act); leaving
 * referred_to_aa clears WFC_ESCALATE and WFC_UNANSWERED. An AA already assigned stays. */
static void withdraw_referral(struct wfx *x)
{
	wfx_cancel_state(x, WF_REFERRED_TO_AA);
	x->c->flags &= ~(uint32_t)WFC_DISPUTED;
}

/* Disputed in time, after the worker referred the case for want of an answer: the case is
 * referred already; the dispute (its reason is the event's, in the journal) now stands as
 * the referral's cause, and no later answer is heard. */
static void record_late_dispute(struct wfx *x)
{
	x->c->flags &= ~(uint32_t)WFC_UNANSWERED;
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
	x->c->aa_decision = wfx_body_str(x, "decision");
	record_conditions(x);
	record_review_period(x);
}

static void record_appeal_decision(struct wfx *x)
{
	x->c->appeal = wfx_body_str(x, "outcome");
	record_conditions(x);
}

static void record_appeal(struct wfx *x)
{
	x->c->flags |= WFC_APPEALED;
}

static void open_review(struct wfx *x)
{
	wfx_open_kind(x, DL_REVIEW, x->ev->at);
}

static void record_review(struct wfx *x)
{
	x->c->review = wfx_body_str(x, "outcome");
	wfx_meet_kind(x, DL_REVIEW);
	record_conditions(x);
}

static void record_vetting_review(struct wfx *x)
{
	x->c->vetting.status = TASK_DONE;
	x->c->vetting.done_at = x->now;
	x->c->vetting.outcome = wfx_body_str(x, "outcome");
	wfx_meet_kind(x, DL_VETTING_REVIEW);
}

/* ---- the rules: WORKFLOW.md "Events on an NA case" -------------------------------------- */

#define OPEN WF_OPEN_STATES

/* Rows for one type run from the most specific `when` to the default; rows of one type and
 * body for different states (the answers to mitigation) are told apart by the case's state. */
const struct wf_rule na_rules[] = {
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
     0, wfx_subject_is_case_subject, mitigation_answered_in_time, NULL, NULL},
    /* mitigation_response: agreed in time, received after the worker referred the case */
    {"mitigation.agreed", NULL, NULL, S(REFERRED_TO_AA), R(SUBJECT), WF_AWAITING_AA_APPROVAL, 0,
     wfx_subject_is_case_subject, mitigation_answered_in_time_after_referral, withdraw_referral,
     NULL},
    /* "where mitigation cannot be agreed ... referred to a PSD AA" */
    {"mitigation.disputed", NULL, NULL, S(MITIGATION_PROPOSED), R(SUBJECT), WF_REFERRED_TO_AA, 0,
     wfx_subject_is_case_subject, mitigation_answered_in_time, NULL, NULL},
    /* mitigation_response: disputed in time, received after the worker referred the case */
    {"mitigation.disputed", NULL, NULL, S(REFERRED_TO_AA), R(SUBJECT), WF_SAME, 0,
     wfx_subject_is_case_subject, mitigation_answered_in_time_after_referral, record_late_dispute,
     NULL},
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
     WF_UNDER_APPEAL, 0, appeal_window, appeal_allowed, record_appeal, NULL},
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
    /* subject.updated, deadline.extended and case.closed: every kind's (engine/common.c) */

    {NULL, NULL, NULL, 0, 0, WF_NONE, 0, NULL, NULL, NULL, NULL},
};
