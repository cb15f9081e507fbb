/* wf: WORKFLOW.md "Events on an NA case", row by row (roles, states, where it goes, what it
 * records), its "Side effects", and PROTOCOL.md's check order (forbidden, window_closed,
 * invalid_transition). Events are JSON, decoded by proto; the clock is injected; the policy
 * is the config's defaults. */
#include "dtest.h"

#include <stdio.h>
#include <string.h>

#include "evjson.h"
#include "engine/wf.h"

#define T0 NOW_MS

static struct walk *new_walk(void)
{
	struct walk *w = test_malloc(sizeof(*w));

	walk_init(w, "", T0);
	return w;
}

static void free_walk(struct walk *w)
{
	walk_free(w);
	test_free(w);
}

/* The actor ids the walks use: the case's subject and line manager are themselves. */
static const char *actor_id(enum proto_role r)
{
	return r == ROLE_SUBJECT ? "S100" : r == ROLE_LINE_MANAGER ? "LM1" : "X1";
}

/* ---- one row of the events table --------------------------------------------------------------
 */

#define SAME WF_STATE_COUNT
#define S(x) WF_BIT(WF_##x)
#define R(x) ROLE_BIT(ROLE_##x)

struct row {
	const char *type;
	const char *body; /* JSON */
	uint32_t roles;   /* roles that may send it */
	uint32_t states;  /* states (as walk_to reaches them) that allow it */
	enum wf_state next;
};

/* From every state, as every role: a role not in the row is forbidden (naming the role), a
 * state not in the row is invalid_transition (naming the state), and otherwise the case goes
 * where the row says. */
static void assert_row(const struct row *r)
{
	struct walk *w = new_walk();

	for (int s = WF_NONE; s < WF_STATE_COUNT; s++)
		for (int role = ROLE_SUBJECT; role < ROLE_COUNT; role++) {
			int rc;

			/* an event on a case never meets a case that is not there (unknown_case) */
			if (s == WF_NONE && !(r->states & S(NONE)))
				continue;
			walk_to(w, s);
			rc = walk_try(w, "{'type':'%s','actor':{'id':'%s','role':'%s'},'body':%s}",
				      r->type, actor_id(role), proto_role_name(role), r->body);
			if (!(r->roles & ROLE_BIT(role))) {
				assert_int_equal(rc, -1);
				assert_proto_err(&w->err, PROTO_FORBIDDEN, proto_role_name(role));
			} else if (!(r->states & WF_BIT(s))) {
				if (rc == 0)
					fail_msg("%s by %s accepted in %s", r->type,
						 proto_role_name(role), wf_state_name(s));
				assert_proto_err(&w->err, PROTO_INVALID_TRANSITION,
						 wf_state_name(s));
			} else {
				assert_proto_ok(rc, &w->err);
				assert_string_equal(
				    wf_state_name(w->c.state),
				    wf_state_name(r->next == SAME ? (enum wf_state)s : r->next));
			}
		}
	free_walk(w);
}

#define OPEN WF_OPEN_STATES
/* States of the walk in which the SC subject's vetting task is open (from the interview). */
#define TASK_OPEN_STATES                                                                           \
	(OPEN & ~S(AWAITING_MANAGER_REVIEW) & ~S(AWAITING_ASSESSMENT) & ~S(AWAITING_INTERVIEW))

#define ROW_TEST(name, ...)                                                                        \
	static void name(void **state)                                                             \
	{                                                                                          \
		static const struct row r = {__VA_ARGS__};                                         \
		(void)state;                                                                       \
		assert_row(&r);                                                                    \
	}

/* WMP policy statements; P01c 3.5-3.15 */
ROW_TEST(row_declaration_submitted_wmp_policy_statements, "declaration.submitted", EV_DECL_BODY,
	 R(SUBJECT), S(NONE), WF_AWAITING_MANAGER_REVIEW)
/* P01 3.4 (when the line manager cannot be approached) */
ROW_TEST(row_declaration_submitted_bypass_manager_p01_3_4, "declaration.submitted", EV_BYPASS_BODY,
	 R(SUBJECT), S(NONE), WF_AWAITING_ASSESSMENT)
/* P01c 3.13; WMP "aware of ... another staff member" */
ROW_TEST(row_referral_submitted_p01c_3_13, "referral.submitted", EV_REF_BODY,
	 R(REPORTER) | R(LINE_MANAGER) | R(PSD), S(NONE), WF_AWAITING_ASSESSMENT)
/* WMP "manager comments and any advice/mitigation should be recorded" */
ROW_TEST(row_manager_reviewed_wmp_manager_comments, "manager.reviewed",
	 "{'comments':'c','advice':'a','interim_mitigation':['x']}", R(LINE_MANAGER),
	 S(AWAITING_MANAGER_REVIEW), WF_AWAITING_ASSESSMENT)
/* P01c 3.18; WMP investigation */
ROW_TEST(row_assessment_recorded_no_further_action_p01c_3_18, "assessment.recorded",
	 "{'outcome':'no_further_action','risk':'low'}", R(PSD),
	 S(AWAITING_MANAGER_REVIEW) | S(AWAITING_ASSESSMENT), WF_CLOSED)
ROW_TEST(row_assessment_recorded_advice_p01c_3_18, "assessment.recorded",
	 "{'outcome':'advice','risk':'low','notes':'n'}", R(PSD),
	 S(AWAITING_MANAGER_REVIEW) | S(AWAITING_ASSESSMENT), WF_CLOSED)
ROW_TEST(row_assessment_recorded_interview_p01c_3_18, "assessment.recorded",
	 "{'outcome':'interview','risk':'medium'}", R(PSD),
	 S(AWAITING_MANAGER_REVIEW) | S(AWAITING_ASSESSMENT), WF_AWAITING_INTERVIEW)
ROW_TEST(row_assessment_recorded_mitigation_p01c_3_18, "assessment.recorded",
	 "{'outcome':'mitigation','risk':'high'}", R(PSD),
	 S(AWAITING_MANAGER_REVIEW) | S(AWAITING_ASSESSMENT), WF_AWAITING_MITIGATION)
/* WMP interviews, police friend */
ROW_TEST(row_interview_recorded_no_further_action_wmp_interviews, "interview.recorded",
	 "{'outcome':'no_further_action','police_friend':false}", R(PSD) | R(LINE_MANAGER),
	 S(AWAITING_INTERVIEW), WF_CLOSED)
ROW_TEST(row_interview_recorded_mitigation_wmp_interviews, "interview.recorded",
	 "{'outcome':'mitigation','police_friend':true}", R(PSD) | R(LINE_MANAGER),
	 S(AWAITING_INTERVIEW), WF_AWAITING_MITIGATION)
/* WMP managing the risk */
ROW_TEST(row_mitigation_proposed_wmp_managing_the_risk, "mitigation.proposed",
	 "{'conditions':" EV_CONDS "}", R(PSD) | R(LINE_MANAGER), S(AWAITING_MITIGATION),
	 WF_MITIGATION_PROPOSED)
/* "all voluntary/agreed mitigation will require the approval of a PSD AA" */
ROW_TEST(row_mitigation_agreed_needs_aa_approval, "mitigation.agreed", "{}", R(SUBJECT),
	 S(MITIGATION_PROPOSED), WF_AWAITING_AA_APPROVAL)
/* "where mitigation cannot be agreed ... referred to a PSD AA" */
ROW_TEST(row_mitigation_disputed_referred_to_aa, "mitigation.disputed", "{'reason':'r'}",
	 R(SUBJECT), S(MITIGATION_PROPOSED), WF_REFERRED_TO_AA)
/* "the PSD AA will allow ... representations" */
ROW_TEST(row_representations_submitted_aa_allows_representations, "representations.submitted",
	 "{'text':'t','police_friend':true}", R(SUBJECT), S(REFERRED_TO_AA), SAME)
/* AA approval */
ROW_TEST(row_aa_approved_aa_approval, "aa.approved", "{'review_period':'6mo'}", R(AA),
	 S(AWAITING_AA_APPROVAL), WF_CONDITIONS_ACTIVE)
/* "the PSD AA will decide ..." */
ROW_TEST(row_aa_determined_no_risk_aa_decides, "aa.determined",
	 "{'decision':'no_risk','reasons':'r'}", R(AA), S(AWAITING_AA_APPROVAL) | S(REFERRED_TO_AA),
	 WF_CLOSED)
ROW_TEST(row_aa_determined_conditions_aa_decides, "aa.determined",
	 "{'decision':'conditions','conditions':" EV_CONDS ",'reasons':'r'}", R(AA),
	 S(AWAITING_AA_APPROVAL) | S(REFERRED_TO_AA), WF_AWAITING_SERVICE)
ROW_TEST(row_aa_determined_cease_aa_decides, "aa.determined",
	 "{'decision':'cease','conditions':[{'code':'cease_association','text':'end it'}],"
	 "'reasons':'r','review_period':'3mo'}",
	 R(AA), S(AWAITING_AA_APPROVAL) | S(REFERRED_TO_AA), WF_AWAITING_SERVICE)
/* "conditions in writing, any relevant review period and the right to appeal" */
ROW_TEST(row_determination_served_conditions_in_writing, "determination.served", "{}", R(PSD),
	 S(AWAITING_SERVICE), WF_APPEAL_WINDOW)
/* WMP appeals: 14 days, in writing, says why. (conditions_active admits a late-received
 * appeal only from a window not yet appealed; the main line's was.) */
ROW_TEST(row_appeal_lodged_wmp_appeals, "appeal.lodged", "{'grounds':'g'}", R(SUBJECT),
	 S(APPEAL_WINDOW), WF_UNDER_APPEAL)
/* "within 28 days ... strategy meeting" */
ROW_TEST(row_strategy_meeting_held_within_28_days, "strategy_meeting.held",
	 "{'attendees':['H1','P1']}", R(HEAD_OF_PSD), S(UNDER_APPEAL), WF_AWAITING_APPEAL_DECISION)
/* "uphold, confirm or vary" */
ROW_TEST(row_appeal_decided_upheld_uphold_confirm_or_vary, "appeal.decided", "{'outcome':'upheld'}",
	 R(HEAD_OF_PSD), S(AWAITING_APPEAL_DECISION), WF_CLOSED)
ROW_TEST(row_appeal_decided_confirmed_uphold_confirm_or_vary, "appeal.decided",
	 "{'outcome':'confirmed'}", R(HEAD_OF_PSD), S(AWAITING_APPEAL_DECISION),
	 WF_CONDITIONS_ACTIVE)
ROW_TEST(row_appeal_decided_varied_uphold_confirm_or_vary, "appeal.decided",
	 "{'outcome':'varied','conditions':" EV_CONDS "}", R(HEAD_OF_PSD),
	 S(AWAITING_APPEAL_DECISION), WF_CONDITIONS_ACTIVE)
/* WMP misconduct; conditions apply during appeal */
ROW_TEST(row_breach_reported_wmp_misconduct, "breach.reported", "{'details':'d'}",
	 R(PSD) | R(LINE_MANAGER), WF_CONDITIONS_IN_FORCE, SAME)
/* "significant change in circumstances" */
ROW_TEST(row_review_requested_significant_change, "review.requested", "{'reason':'r'}",
	 R(AA) | R(PSD), S(CONDITIONS_ACTIVE), SAME)
/* annual review; "any variation ... right of appeal" */
ROW_TEST(row_review_completed_no_change_annual_review, "review.completed",
	 "{'outcome':'no_change','representations_made':false}", R(AA), S(CONDITIONS_ACTIVE),
	 WF_CONDITIONS_ACTIVE)
ROW_TEST(row_review_completed_varied_right_of_appeal, "review.completed",
	 "{'outcome':'varied','conditions':" EV_CONDS ",'representations_made':true}", R(AA),
	 S(CONDITIONS_ACTIVE), WF_AWAITING_SERVICE)
ROW_TEST(row_review_completed_removed_annual_review, "review.completed",
	 "{'outcome':'removed','representations_made':false}", R(AA), S(CONDITIONS_ACTIVE),
	 WF_CLOSED)
/* WMP vetting review by level */
ROW_TEST(row_vetting_reviewed_wmp_vetting_review_by_level, "vetting.reviewed",
	 "{'outcome':'clearance_maintained'}", R(VETTING), TASK_OPEN_STATES, SAME)
/* keeping records right */
ROW_TEST(row_subject_updated_keeping_records_right, "subject.updated",
	 "{'subject':{'line_manager':'LM2'}}", R(PSD), OPEN, SAME)
/* a recorded reason for every extension */
ROW_TEST(row_deadline_extended_a_recorded_reason, "deadline.extended",
	 "{'kind':'vetting_review','due_at':1900000000000,'reason':'r'}",
	 R(PSD) | R(AA) | R(HEAD_OF_PSD), TASK_OPEN_STATES, SAME)
ROW_TEST(row_case_closed_any_open_state, "case.closed", "{'reason':'subject_left'}", R(PSD), OPEN,
	 WF_CLOSED)

/* ---- what each row does -----------------------------------------------------------------------
 */

static void assert_dl(const struct walk *w, enum dl_kind k, enum dl_status status, uint64_t start,
		      uint64_t due)
{
	const struct wf_deadline *d = walk_dl(w, k);

	if (!d) {
		fail_msg("no %s deadline", config_dl_name(k));
		return;
	}
	assert_string_equal(wf_dl_status_name(d->status), wf_dl_status_name(status));
	assert_int_equal(d->start, start);
	assert_int_equal(d->due_at, due);
}

static void assert_str(struct proto_str s, const char *want)
{
	if (!proto_str_eq(s, want))
		fail_msg("\"%.*s\" is not \"%s\"", (int)s.len, s.ptr ? s.ptr : "", want);
}

static void assert_state_changed(const struct walk *w, enum wf_state from, enum wf_state to)
{
	const struct wf_note *n = walk_note(w, "case.state_changed", 0);

	assert_non_null(n);
	assert_int_equal(n->detail, DETAIL_TRANSITION);
	assert_string_equal(wf_state_name(n->from_state), wf_state_name(from));
	assert_string_equal(wf_state_name(n->to_state), wf_state_name(to));
	assert_string_equal(wf_state_name(n->state), wf_state_name(to));
}

/* WMP policy statements: the line manager reviews first, within manager_review (7d). */
static void wmp_declaration_opens_with_manager_review_due_in_7_days(void **state)
{
	struct walk *w = new_walk();
	const struct wf_note *n;

	(void)state;
	walk_ok(w, "{'type':'declaration.submitted','at':%llu," EV_SUBJ ",'body':" EV_DECL_BODY "}",
		(unsigned long long)(T0 - MS_HOUR));
	assert_int_equal(w->c.kind, KIND_NA);
	assert_int_equal(w->c.origin, ORIGIN_SELF);
	assert_int_equal(w->c.opened_at, T0 - MS_HOUR);
	assert_str(w->c.subject_id, "S100");
	assert_non_null(w->c.associate);
	assert_non_null(w->c.relationship);
	assert_non_null(w->c.categories);
	assert_dl(w, DL_MANAGER_REVIEW, DLS_OPEN, T0 - MS_HOUR, T0 - MS_HOUR + 7 * MS_DAY);
	assert_int_equal(w->c.n_dl, 1);
	/* opening is case.opened (no state_changed), to psd and to who must act now */
	assert_non_null(n = walk_note(w, "case.opened", 0));
	assert_int_equal(walk_count(w, "case.state_changed"), 0);
	assert_string_equal(wf_state_name(n->state), "awaiting_manager_review");
	assert_non_null(note_to(n, ROLE_PSD));
	assert_str(note_to(n, ROLE_LINE_MANAGER)->id, "LM1");
	free_walk(w);
}

/* P01 3.4: with bypass_manager PSD assesses straight away (psd_assessment, 28d). */
static void p01_3_4_bypass_manager_opens_psd_assessment(void **state)
{
	struct walk *w = new_walk();

	(void)state;
	walk_ok(w, "{'type':'declaration.submitted'," EV_SUBJ ",'body':" EV_BYPASS_BODY "}");
	assert_string_equal(wf_state_name(w->c.state), "awaiting_assessment");
	assert_dl(w, DL_PSD_ASSESSMENT, DLS_OPEN, T0, T0 + 28 * MS_DAY);
	assert_null(walk_dl(w, DL_MANAGER_REVIEW));
	assert_null(note_to(walk_note(w, "case.opened", 0), ROLE_LINE_MANAGER));
	free_walk(w);
}

/* P01c 3.13: a named referral. */
static void p01c_3_13_referral_has_origin_referral(void **state)
{
	struct walk *w = new_walk();

	(void)state;
	walk_ok(w, "{'type':'referral.submitted'," EV_LM ",'body':" EV_REF_BODY "}");
	assert_int_equal(w->c.origin, ORIGIN_REFERRAL);
	assert_str(w->c.subject_id, "S100");
	assert_dl(w, DL_PSD_ASSESSMENT, DLS_OPEN, T0, T0 + 28 * MS_DAY);
	free_walk(w);
}

/* P01 3.5 / P01c 3.13: an anonymous referral has no actor, and no notification names a
 * reporter. */
static void p01c_3_13_anonymous_referral_names_no_reporter(void **state)
{
	struct walk *w = new_walk();

	(void)state;
	walk_ok(w,
		"{'type':'referral.submitted','body':" EV_REF_BODY_WITH(",'anonymous':true") "}");
	assert_int_equal(w->c.origin, ORIGIN_ANONYMOUS);
	assert_string_equal(wf_state_name(w->c.state), "awaiting_assessment");
	for (uint32_t i = 0; i < w->fx.n; i++)
		assert_null(note_to(&w->fx.note[i], ROLE_REPORTER));
	/* with an actor, proto refuses it before the engine sees it */
	walk_reset(w, T0);
	assert_int_equal(walk_try(w, "{'type':'referral.submitted'," EV_LM
				     ",'body':" EV_REF_BODY_WITH(",'anonymous':true") "}"),
			 -1);
	free_walk(w);
}

/* A declaration is the subject's own. */
static void declaration_whose_actor_is_not_its_subject_is_forbidden(void **state)
{
	struct walk *w = new_walk();

	(void)state;
	assert_int_equal(walk_try(w, "{'type':'declaration.submitted','actor':{'id':'S2','role':"
				     "'subject'},'body':" EV_DECL_BODY "}"),
			 -1);
	assert_proto_err(&w->err, PROTO_FORBIDDEN, "actor.id");
	assert_contains(w->err.message, "body.subject.id");
	free_walk(w);
}

/* The subject's answers come from the case's subject, not anyone with the role. */
static void subject_events_by_another_subject_are_forbidden(void **state)
{
	struct walk *w = new_walk();

	(void)state;
	walk_to(w, WF_MITIGATION_PROPOSED);
	assert_int_equal(walk_try(w, "{'type':'mitigation.agreed','actor':{'id':'S2','role':"
				     "'subject'},'body':{}}"),
			 -1);
	assert_proto_err(&w->err, PROTO_FORBIDDEN, "actor.id");
	free_walk(w);
}

/* WMP "manager comments ... recorded": manager_review met, psd_assessment from the review. */
static void wmp_manager_review_meets_its_deadline_and_opens_assessment(void **state)
{
	struct walk *w = new_walk();
	const struct wf_note *n;

	(void)state;
	walk_to(w, WF_AWAITING_MANAGER_REVIEW);
	w->now = T0 + 2 * MS_DAY;
	walk_ok(w, "{'type':'manager.reviewed','at':%llu," EV_LM ",'body':{'comments':'c'}}",
		(unsigned long long)(T0 + MS_DAY));
	assert_int_equal(walk_dl(w, DL_MANAGER_REVIEW)->status, DLS_MET);
	assert_int_equal(walk_dl(w, DL_MANAGER_REVIEW)->done_at, T0 + 2 * MS_DAY);
	assert_dl(w, DL_PSD_ASSESSMENT, DLS_OPEN, T0 + MS_DAY, T0 + MS_DAY + 28 * MS_DAY);
	assert_state_changed(w, WF_AWAITING_MANAGER_REVIEW, WF_AWAITING_ASSESSMENT);
	/* who must act now: psd */
	n = walk_note(w, "case.state_changed", 0);
	assert_int_equal(n->n_to, 1);
	assert_int_equal(n->to[0].role, ROLE_PSD);
	free_walk(w);
}

/* P01c 3.18: no further action, or advice, closes the case: the outcome is its reason,
 * what runs is cancelled, retention starts, case.closed goes to psd. */
static void p01c_3_18_assessment_no_further_action_or_advice_closes(void **state)
{
	static const char *const outcomes[] = {"no_further_action", "advice"};
	struct walk *w = new_walk();

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		const struct wf_note *n;

		walk_to(w, WF_AWAITING_ASSESSMENT);
		w->now = T0 + MS_DAY;
		walk_ok(w,
			"{'type':'assessment.recorded'," EV_PSD
			",'body':{'outcome':'%s','risk':'low'}}",
			outcomes[i]);
		assert_string_equal(wf_state_name(w->c.state), "closed");
		assert_str(w->c.closed_reason, outcomes[i]);
		assert_str(w->c.assessment, outcomes[i]);
		assert_str(w->c.risk, "low");
		assert_int_equal(w->c.closed_at, T0 + MS_DAY);
		assert_int_equal(walk_dl(w, DL_PSD_ASSESSMENT)->status, DLS_MET);
		assert_dl(w, DL_RETENTION, DLS_OPEN, T0 + MS_DAY,
			  cal_add(&w->p.cal, T0 + MS_DAY, w->p.due[DL_RETENTION], 1));
		assert_state_changed(w, WF_AWAITING_ASSESSMENT, WF_CLOSED);
		assert_non_null(note_to(walk_note(w, "case.state_changed", 0), ROLE_PSD));
		assert_non_null(n = walk_note(w, "case.closed", 0));
		assert_int_equal(n->detail, DETAIL_OUTCOME);
		assert_str(n->outcome, outcomes[i]);
		w->now = T0;
	}
	free_walk(w);
}

/* P01c 3.18: interview -> awaiting_interview (interview, 28d, psd). */
static void p01c_3_18_assessment_interview_opens_interview_deadline(void **state)
{
	struct walk *w = new_walk();

	(void)state;
	walk_to(w, WF_AWAITING_INTERVIEW);
	assert_dl(w, DL_INTERVIEW, DLS_OPEN, T0, T0 + 28 * MS_DAY);
	assert_str(w->c.assessment, "interview");
	assert_str(w->c.risk, "medium");
	free_walk(w);
}

/* P01c 3.18: mitigation -> awaiting_mitigation (mitigation_proposal, 28d). */
static void p01c_3_18_assessment_mitigation_opens_mitigation_proposal(void **state)
{
	struct walk *w = new_walk();

	(void)state;
	walk_to(w, WF_AWAITING_ASSESSMENT);
	walk_ok(w, EV_ASSESSED("mitigation"));
	assert_string_equal(wf_state_name(w->c.state), "awaiting_mitigation");
	assert_dl(w, DL_MITIGATION_PROPOSAL, DLS_OPEN, T0, T0 + 28 * MS_DAY);
	free_walk(w);
}

/* WMP interviews: no further action closes; mitigation moves on; the interview deadline is
 * met either way. */
static void wmp_interview_outcomes(void **state)
{
	struct walk *w = new_walk();

	(void)state;
	walk_to(w, WF_AWAITING_INTERVIEW);
	walk_ok(w, EV_INTERVIEWED("no_further_action"));
	assert_string_equal(wf_state_name(w->c.state), "closed");
	assert_str(w->c.closed_reason, "no_further_action");
	assert_str(w->c.interview, "no_further_action");
	assert_int_equal(walk_dl(w, DL_INTERVIEW)->status, DLS_MET);

	walk_to(w, WF_AWAITING_INTERVIEW);
	walk_ok(w, "{'type':'interview.recorded'," EV_LM
		   ",'body':{'outcome':'mitigation','police_friend':false}}");
	assert_string_equal(wf_state_name(w->c.state), "awaiting_mitigation");
	assert_str(w->c.interview, "mitigation");
	assert_int_equal(walk_dl(w, DL_INTERVIEW)->status, DLS_MET);
	assert_dl(w, DL_MITIGATION_PROPOSAL, DLS_OPEN, T0, T0 + 28 * MS_DAY);
	free_walk(w);
}

/* WMP managing the risk: the proposal is kept; the subject has 14 days to answer. */
static void wmp_mitigation_proposed_waits_14_days_for_the_subject(void **state)
{
	struct walk *w = new_walk();
	const struct wf_note *n;

	(void)state;
	walk_to(w, WF_MITIGATION_PROPOSED);
	assert_non_null(w->c.proposed);
	assert_int_equal(w->c.proposed->type, MSGPACK_OBJECT_ARRAY);
	assert_null(w->c.conditions);
	assert_dl(w, DL_MITIGATION_RESPONSE, DLS_OPEN, T0, T0 + 14 * MS_DAY);
	assert_non_null(n = walk_note(w, "case.state_changed", 0));
	assert_str(note_to(n, ROLE_SUBJECT)->id, "S100");
	free_walk(w);
}

/* "all voluntary/agreed mitigation will require the approval of a PSD AA" */
static void wmp_agreed_mitigation_awaits_aa_approval_for_14_days(void **state)
{
	struct walk *w = new_walk();

	(void)state;
	walk_to(w, WF_AWAITING_AA_APPROVAL);
	assert_int_equal(walk_dl(w, DL_MITIGATION_RESPONSE)->status, DLS_MET);
	assert_dl(w, DL_AA_APPROVAL, DLS_OPEN, T0, T0 + 14 * MS_DAY);
	assert_false(w->c.flags & WFC_DISPUTED);
	free_walk(w);
}

/* "where mitigation cannot be agreed ... referred to a PSD AA": representations (14d) and
 * aa_determination (28d) open; the escalation worker is to assign an AA. */
static void wmp_disputed_mitigation_is_referred_to_the_aa(void **state)
{
	struct walk *w = new_walk();
	const struct wf_note *n;

	(void)state;
	walk_to(w, WF_MITIGATION_PROPOSED);
	walk_ok(w, EV_DISPUTED);
	assert_string_equal(wf_state_name(w->c.state), "referred_to_aa");
	assert_true(w->c.flags & WFC_DISPUTED);
	assert_true(w->c.flags & WFC_ESCALATE);
	assert_false(w->c.flags & WFC_REPS_MADE);
	assert_string_equal(w->c.aa, "");
	assert_dl(w, DL_REPRESENTATIONS, DLS_OPEN, T0, T0 + 14 * MS_DAY);
	assert_dl(w, DL_AA_DETERMINATION, DLS_OPEN, T0, T0 + 28 * MS_DAY);
	assert_int_equal(walk_dl(w, DL_MITIGATION_RESPONSE)->status, DLS_MET);
	/* who must act: the subject (representations) and the AA, not yet named */
	n = walk_note(w, "case.state_changed", 0);
	assert_str(note_to(n, ROLE_SUBJECT)->id, "S100");
	assert_int_equal(note_to(n, ROLE_AA)->id.len, 0);
	/* case.escalated is the worker's, on assignment */
	assert_int_equal(walk_count(w, "case.escalated"), 0);
	free_walk(w);
}

/* The subject's answers to proposed mitigation, at a given time. */
#define EV_AGREED_AT   "{'type':'mitigation.agreed','at':%llu," EV_SUBJ ",'body':{}}"
#define EV_DISPUTED_AT "{'type':'mitigation.disputed','at':%llu," EV_SUBJ ",'body':{'reason':'u'}}"

static int answer_at(struct walk *w, bool agree, uint64_t at)
{
	return agree ? walk_try(w, EV_AGREED_AT, (unsigned long long)at)
		     : walk_try(w, EV_DISPUTED_AT, (unsigned long long)at);
}

/* mitigation_response: "NOT a breach: mitigation is taken as not agreed, and the case is
 * referred to the AA as if disputed". An answer is judged by its at, not by whether the
 * worker has fired yet: at or after the due time it is invalid_transition; just before, it is
 * heard even when it arrives late. */
static void wmp_mitigation_answered_after_14_days_is_invalid_transition(void **state)
{
	struct walk *w = new_walk();
	uint64_t due = T0 + 14 * MS_DAY;

	(void)state;
	for (int agree = 0; agree <= 1; agree++) {
		w->now = T0;
		walk_to(w, WF_MITIGATION_PROPOSED);
		w->now = due + MS_DAY; /* the worker has not fired yet */
		assert_int_equal(answer_at(w, agree, due), -1);
		assert_proto_err(&w->err, PROTO_INVALID_TRANSITION,
				 "the time to answer the proposed mitigation ran out at "
				 "2026-02-24T00:00:00Z; the case is referred to the AA");
		assert_int_equal(answer_at(w, agree, due + 1), -1);
		assert_proto_err(&w->err, PROTO_INVALID_TRANSITION, "ran out");
		assert_string_equal(wf_state_name(w->c.state), "mitigation_proposed");
		/* answered in time, received late: heard */
		assert_proto_ok(answer_at(w, agree, due - 1), &w->err);
		assert_string_equal(wf_state_name(w->c.state),
				    agree ? "awaiting_aa_approval" : "referred_to_aa");
	}
	free_walk(w);
}

/* A case whose mitigation_response ran out: the worker fired it at its due time (referred to
 * the AA as if disputed) and assigned AA2; the clock is then a day later. Returns the due. */
static uint64_t referred_unanswered(struct walk *w)
{
	uint64_t due = T0 + 14 * MS_DAY;

	w->now = T0;
	walk_to(w, WF_MITIGATION_PROPOSED);
	walk_run_until(w, due);
	assert_string_equal(wf_state_name(w->c.state), "referred_to_aa");
	assert_true(w->c.flags & WFC_UNANSWERED);
	assert_int_equal(wf_assign(&w->c, "AA2", due, &w->fx), 1);
	w->now = due + MS_DAY;
	return due;
}

/* mitigation_response, after the worker fired it: an agreement dated before the due time
 * is heard as it would have been before the firing (the outcome depends on at, not on when
 * the worker ran): awaiting_aa_approval with aa_approval open from the agreement, the
 * referral's deadlines cancelled (not met: the AA did not act), no longer escalated. */
static void
mitigation_response_agreed_in_time_received_after_referral_awaits_aa_approval(void **state)
{
	struct walk *w = new_walk();
	uint64_t due = referred_unanswered(w);
	const struct wf_note *n;

	(void)state;
	assert_proto_ok(answer_at(w, true, due - 1), &w->err);
	assert_string_equal(wf_state_name(w->c.state), "awaiting_aa_approval");
	assert_dl(w, DL_AA_APPROVAL, DLS_OPEN, due - 1, due - 1 + 14 * MS_DAY);
	assert_dl(w, DL_REPRESENTATIONS, DLS_CANCELLED, due, due + 14 * MS_DAY);
	assert_dl(w, DL_AA_DETERMINATION, DLS_CANCELLED, due, due + 28 * MS_DAY);
	assert_int_equal(walk_dl(w, DL_REPRESENTATIONS)->done_at, w->now);
	assert_int_equal(walk_dl(w, DL_MITIGATION_RESPONSE)->status, DLS_MET);
	assert_false(w->c.flags & (WFC_ESCALATE | WFC_DISPUTED | WFC_UNANSWERED));
	assert_non_null(n = walk_note(w, "case.state_changed", 0));
	assert_string_equal(wf_state_name(n->from_state), "referred_to_aa");
	assert_string_equal(wf_state_name(n->to_state), "awaiting_aa_approval");
	/* the AA already named approves */
	assert_str(note_to(n, ROLE_AA)->id, "AA2");
	assert_int_equal(wf_assign(&w->c, "AA1", w->now, &w->fx), 0);
	free_walk(w);
}

/* mitigation_response, after the worker fired it: a dispute dated before the due time is
 * heard with no change of state (the case is referred already; its reason is now on
 * record), and says nothing; it is the referral's cause from then on, so no later answer is
 * heard. */
static void mitigation_response_disputed_in_time_received_after_referral_is_recorded(void **state)
{
	struct walk *w = new_walk();
	uint64_t due = referred_unanswered(w);

	(void)state;
	assert_proto_ok(answer_at(w, false, due - 1), &w->err);
	assert_string_equal(wf_state_name(w->c.state), "referred_to_aa");
	assert_int_equal(w->fx.n, 0);
	assert_dl(w, DL_REPRESENTATIONS, DLS_OPEN, due, due + 14 * MS_DAY);
	assert_dl(w, DL_AA_DETERMINATION, DLS_OPEN, due, due + 28 * MS_DAY);
	assert_true(w->c.flags & WFC_DISPUTED);
	assert_false(w->c.flags & WFC_UNANSWERED);
	assert_string_equal(w->c.aa, "AA2");
	for (int agree = 0; agree <= 1; agree++) {
		assert_int_equal(answer_at(w, agree, due - 1), -1);
		assert_proto_err(&w->err, PROTO_INVALID_TRANSITION,
				 "referred_to_aa: the proposed mitigation was disputed");
	}
	free_walk(w);
}

/* mitigation_response, after the worker fired it: an answer dated at or after the due time is
 * still invalid_transition, agreed or disputed, and changes nothing. */
static void mitigation_response_answered_late_after_referral_is_invalid_transition(void **state)
{
	struct walk *w = new_walk();

	(void)state;
	for (int agree = 0; agree <= 1; agree++) {
		uint64_t due = referred_unanswered(w);

		assert_int_equal(answer_at(w, agree, due), -1);
		assert_proto_err(&w->err, PROTO_INVALID_TRANSITION,
				 "not allowed while the case is referred_to_aa: the time to answer "
				 "the proposed mitigation ran out at 2026-02-24T00:00:00Z");
		assert_int_equal(answer_at(w, agree, due + 1), -1);
		assert_proto_err(&w->err, PROTO_INVALID_TRANSITION, "ran out");
		assert_string_equal(wf_state_name(w->c.state), "referred_to_aa");
		assert_true(w->c.flags & WFC_UNANSWERED);
		assert_int_equal(walk_dl(w, DL_REPRESENTATIONS)->status, DLS_OPEN);
	}
	free_walk(w);
}

/* mitigation_response, after the worker fired it: once representations were made, the AA's
 * side has moved on, and an answer dated in time is no longer heard. */
static void
mitigation_response_answered_in_time_after_representations_is_invalid_transition(void **state)
{
	struct walk *w = new_walk();
	uint64_t due = referred_unanswered(w);

	(void)state;
	walk_ok(w, EV_REPS);
	for (int agree = 0; agree <= 1; agree++) {
		assert_int_equal(answer_at(w, agree, due - 1), -1);
		assert_proto_err(&w->err, PROTO_INVALID_TRANSITION,
				 "referred_to_aa: representations were made");
	}
	assert_string_equal(wf_state_name(w->c.state), "referred_to_aa");
	free_walk(w);
}

/* "where mitigation cannot be agreed ... referred to a PSD AA": a case referred by a real
 * dispute is not withdrawn by a later agreement, even one dated before mitigation_response
 * would have run out; nor is it disputed twice. */
static void wmp_disputed_referral_refuses_mitigation_agreed(void **state)
{
	struct walk *w = new_walk();

	(void)state;
	walk_to(w, WF_MITIGATION_PROPOSED);
	w->now = T0 + MS_DAY;
	walk_ok(w, EV_DISPUTED);
	assert_false(w->c.flags & WFC_UNANSWERED);
	w->now = T0 + 2 * MS_DAY;
	for (int agree = 1; agree >= 0; agree--) {
		assert_int_equal(answer_at(w, agree, w->now), -1);
		assert_proto_err(&w->err, PROTO_INVALID_TRANSITION,
				 "not allowed while the case is referred_to_aa: the proposed "
				 "mitigation was disputed");
	}
	assert_string_equal(wf_state_name(w->c.state), "referred_to_aa");
	assert_int_equal(walk_dl(w, DL_REPRESENTATIONS)->status, DLS_OPEN);
	free_walk(w);
}

/* Escalation (WORKFLOW.md "Side effects"): the worker assigns an AA; case.escalated names
 * them; the AA's later notifications carry their id. */
static void escalation_worker_assigns_an_aa_and_names_them(void **state)
{
	struct walk *w = new_walk();
	const struct wf_note *n;

	(void)state;
	walk_to(w, WF_MITIGATION_PROPOSED);
	walk_ok(w, EV_DISPUTED);
	assert_int_equal(wf_assign(&w->c, "AA2", T0, &w->fx), 1);
	assert_string_equal(w->c.aa, "AA2");
	assert_false(w->c.flags & WFC_ESCALATE);
	assert_int_equal(w->fx.n, 1);
	n = walk_note(w, "case.escalated", 0);
	assert_non_null(n);
	assert_str(note_to(n, ROLE_AA)->id, "AA2");
	/* once */
	assert_int_equal(wf_assign(&w->c, "AA1", T0, &w->fx), 0);
	assert_string_equal(w->c.aa, "AA2");
	/* an empty roster: the role alone */
	walk_to(w, WF_MITIGATION_PROPOSED);
	walk_ok(w, EV_DISPUTED);
	assert_int_equal(wf_assign(&w->c, "", T0, &w->fx), 1);
	assert_int_equal(note_to(walk_note(w, "case.escalated", 0), ROLE_AA)->id.len, 0);
	/* not referred: nothing to do */
	walk_to(w, WF_AWAITING_AA_APPROVAL);
	assert_int_equal(wf_assign(&w->c, "AA1", T0, &w->fx), 0);
	free_walk(w);
}

/* "the PSD AA will allow ... representations" */
static void wmp_representations_in_the_window_are_recorded(void **state)
{
	struct walk *w = new_walk();

	(void)state;
	walk_to(w, WF_MITIGATION_PROPOSED);
	walk_ok(w, EV_DISPUTED);
	w->now = T0 + 14 * MS_DAY;
	walk_ok(w, EV_REPS);
	assert_true(w->c.flags & WFC_REPS_MADE);
	assert_int_equal(w->fx.n, 0);
	free_walk(w);
}

/* PROTOCOL.md: "window_closed (an appeal or representations after its window)" */
static void wmp_representations_after_the_window_are_window_closed(void **state)
{
	struct walk *w = new_walk();

	(void)state;
	walk_to(w, WF_MITIGATION_PROPOSED);
	walk_ok(w, EV_DISPUTED);
	/* received in time but made after the window: judged by at */
	w->now = T0 + 15 * MS_DAY;
	assert_int_equal(walk_try(w,
				  "{'type':'representations.submitted','at':%llu," EV_SUBJ
				  ",'body':{'text':'t','police_friend':false}}",
				  (unsigned long long)(T0 + 14 * MS_DAY + 1)),
			 -1);
	assert_proto_err(&w->err, PROTO_WINDOW_CLOSED, "representations window closed");
	/* after the worker closed it */
	walk_run_until(w, T0 + 15 * MS_DAY);
	assert_int_equal(walk_try(w, EV_REPS), -1);
	assert_proto_err(&w->err, PROTO_WINDOW_CLOSED, "representations");
	assert_false(w->c.flags & WFC_REPS_MADE);
	free_walk(w);
}

/* AA approval: the conditions agreed, unless the AA names others; annual review 12mo, or
 * the decision's review_period. */
static void aa_approval_imposes_the_agreed_conditions(void **state)
{
	struct walk *w = new_walk();
	const struct wf_note *n;

	(void)state;
	walk_to(w, WF_AWAITING_AA_APPROVAL);
	walk_ok(w, EV_APPROVED);
	assert_string_equal(wf_state_name(w->c.state), "conditions_active");
	assert_ptr_equal(w->c.conditions, w->c.proposed);
	assert_false(w->c.has_review_period);
	assert_dl(w, DL_ANNUAL_REVIEW, DLS_OPEN, T0,
		  cal_add(&w->p.cal, T0, (struct duration){12, DUR_MO}, 1));
	assert_int_equal(walk_dl(w, DL_AA_APPROVAL)->status, DLS_MET);
	assert_non_null(n = walk_note(w, "conditions.imposed", 0));
	assert_str(note_to(n, ROLE_SUBJECT)->id, "S100");
	assert_str(note_to(n, ROLE_LINE_MANAGER)->id, "LM1");

	walk_to(w, WF_AWAITING_AA_APPROVAL);
	walk_ok(w, "{'type':'aa.approved'," EV_AA ",'body':{'conditions':" EV_CONDS2
		   ",'review_period':'6mo'}}");
	assert_ptr_not_equal(w->c.conditions, w->c.proposed);
	assert_int_equal(w->c.conditions->via.array.size, 2);
	assert_true(w->c.has_review_period);
	assert_dl(w, DL_ANNUAL_REVIEW, DLS_OPEN, T0,
		  cal_add(&w->p.cal, T0, (struct duration){6, DUR_MO}, 1));
	free_walk(w);
}

/* "the PSD AA will decide": no risk closes. */
static void aa_determination_no_risk_closes(void **state)
{
	struct walk *w = new_walk();

	(void)state;
	walk_to(w, WF_REFERRED_TO_AA);
	walk_ok(w,
		"{'type':'aa.determined'," EV_AA ",'body':{'decision':'no_risk','reasons':'r'}}");
	assert_string_equal(wf_state_name(w->c.state), "closed");
	assert_str(w->c.aa_decision, "no_risk");
	assert_str(w->c.closed_reason, "no_risk");
	assert_int_equal(walk_dl(w, DL_AA_DETERMINATION)->status, DLS_MET);
	assert_int_equal(walk_count(w, "conditions.imposed"), 0);
	free_walk(w);
}

/* "the PSD AA will decide": conditions are to be served (service, 7d). */
static void aa_determination_conditions_await_service(void **state)
{
	struct walk *w = new_walk();

	(void)state;
	walk_to(w, WF_AWAITING_SERVICE);
	assert_str(w->c.aa_decision, "conditions");
	assert_int_equal(w->c.conditions->via.array.size, 2);
	assert_dl(w, DL_SERVICE, DLS_OPEN, T0, T0 + 7 * MS_DAY);
	assert_int_equal(walk_count(w, "conditions.imposed"), 1);
	free_walk(w);
}

/* WORKFLOW.md "Deadlines", representations: "aa.determined on a disputed case is
 * invalid_transition while it is open, unless representations were submitted". */
static void aa_determination_while_representations_are_open_is_invalid_transition(void **state)
{
	struct walk *w = new_walk();

	(void)state;
	walk_to(w, WF_MITIGATION_PROPOSED);
	walk_ok(w, EV_DISPUTED);
	w->now = T0 + 13 * MS_DAY;
	assert_int_equal(walk_try(w, EV_DETERMINED), -1);
	assert_proto_err(&w->err, PROTO_INVALID_TRANSITION, "referred_to_aa");
	assert_contains(w->err.message, "until 2026-02-24T00:00:00Z");
	assert_contains(w->err.message, "no representations were made");
	/* once the window has run out (even before the worker closed it) */
	w->now = T0 + 14 * MS_DAY;
	walk_ok(w, EV_DETERMINED);
	assert_string_equal(wf_state_name(w->c.state), "awaiting_service");
	/* the window is met as the case leaves */
	assert_int_equal(walk_dl(w, DL_REPRESENTATIONS)->status, DLS_MET);
	free_walk(w);
}

/* "conditions in writing ... and the right to appeal": the window runs from receipt. */
static void determination_served_opens_the_appeal_window_from_receipt(void **state)
{
	struct walk *w = new_walk();

	(void)state;
	walk_to(w, WF_AWAITING_SERVICE);
	w->now = T0 + 3 * MS_DAY;
	walk_ok(w, "{'type':'determination.served','at':%llu," EV_PSD ",'body':{}}",
		(unsigned long long)(T0 + 2 * MS_DAY));
	assert_int_equal(walk_dl(w, DL_SERVICE)->status, DLS_MET);
	assert_dl(w, DL_APPEAL_WINDOW, DLS_OPEN, T0 + 2 * MS_DAY, T0 + 16 * MS_DAY);
	free_walk(w);
}

/* WMP appeals: 14 days from receipt; judged by the appeal's at. */
static void wmp_appeals_14_days_accepted_on_day_14(void **state)
{
	struct walk *w = new_walk();

	(void)state;
	walk_to(w, WF_APPEAL_WINDOW);
	w->now = T0 + 14 * MS_DAY;
	walk_ok(w, EV_APPEALED);
	assert_string_equal(wf_state_name(w->c.state), "under_appeal");
	assert_dl(w, DL_STRATEGY_MEETING, DLS_OPEN, T0 + 14 * MS_DAY, T0 + 42 * MS_DAY);
	assert_int_equal(walk_dl(w, DL_APPEAL_WINDOW)->status, DLS_MET);
	assert_non_null(note_to(walk_note(w, "appeal.lodged", 0), ROLE_HEAD_OF_PSD));
	free_walk(w);
}

static void wmp_appeals_14_days_window_closed_on_day_15(void **state)
{
	struct walk *w = new_walk();

	(void)state;
	walk_to(w, WF_APPEAL_WINDOW);
	/* not yet closed by the worker: still judged by at */
	w->now = T0 + 15 * MS_DAY;
	assert_int_equal(
	    walk_try(w, "{'type':'appeal.lodged','at':%llu," EV_SUBJ ",'body':{'grounds':'g'}}",
		     (unsigned long long)(T0 + 14 * MS_DAY + 1)),
	    -1);
	assert_proto_err(&w->err, PROTO_WINDOW_CLOSED, "appeal window closed at 2026-02-24");
	/* after it closed (conditions_active): window_closed still, not invalid_transition */
	walk_run_until(w, T0 + 15 * MS_DAY);
	assert_string_equal(wf_state_name(w->c.state), "conditions_active");
	assert_int_equal(walk_try(w, EV_APPEALED), -1);
	assert_proto_err(&w->err, PROTO_WINDOW_CLOSED, "appeal window");
	free_walk(w);
}

/* An appeal lodged in time but received after the worker closed the window is heard, once. */
static void wmp_appeal_lodged_in_time_but_received_late_is_heard_once(void **state)
{
	struct walk *w = new_walk();

	(void)state;
	walk_to(w, WF_APPEAL_WINDOW);
	walk_run_until(w, T0 + 14 * MS_DAY);
	assert_string_equal(wf_state_name(w->c.state), "conditions_active");
	w->now = T0 + 15 * MS_DAY;
	walk_ok(w, "{'type':'appeal.lodged','at':%llu," EV_SUBJ ",'body':{'grounds':'g'}}",
		(unsigned long long)(T0 + 13 * MS_DAY));
	assert_string_equal(wf_state_name(w->c.state), "under_appeal");
	/* the annual review that the window's closing opened is met as the case leaves */
	assert_int_equal(walk_dl(w, DL_ANNUAL_REVIEW)->status, DLS_MET);
	walk_ok(w, EV_MET);
	walk_ok(w, EV_DECIDED("confirmed"));
	assert_int_equal(
	    walk_try(w, "{'type':'appeal.lodged','at':%llu," EV_SUBJ ",'body':{'grounds':'again'}}",
		     (unsigned long long)(T0 + 13 * MS_DAY)),
	    -1);
	assert_proto_err(&w->err, PROTO_INVALID_TRANSITION, "conditions_active");
	free_walk(w);
}

/* A review asked for in conditions_active can only be completed there: a late-received
 * appeal that takes the case to under_appeal cancels it rather than let it breach where no
 * one may complete it. */
static void review_requested_then_a_late_appeal_cancels_the_review(void **state)
{
	struct walk *w = new_walk();

	(void)state;
	walk_to(w, WF_APPEAL_WINDOW);
	walk_run_until(w, T0 + 14 * MS_DAY);
	w->now = T0 + 14 * MS_DAY + MS_HOUR;
	walk_ok(w, "{'type':'review.requested'," EV_AA ",'body':{'reason':'new facts'}}");
	assert_int_equal(walk_dl(w, DL_REVIEW)->status, DLS_OPEN);
	w->now = T0 + 15 * MS_DAY;
	walk_ok(w, "{'type':'appeal.lodged','at':%llu," EV_SUBJ ",'body':{'grounds':'g'}}",
		(unsigned long long)(T0 + 13 * MS_DAY));
	assert_string_equal(wf_state_name(w->c.state), "under_appeal");
	assert_int_equal(walk_dl(w, DL_REVIEW)->status, DLS_CANCELLED);
	assert_false(wf_dl_live(walk_dl(w, DL_REVIEW)));
	free_walk(w);
}

#define EV_APPEAL_AT "{'type':'appeal.lodged','at':%llu," EV_SUBJ ",'body':{'grounds':'g'}}"

/* WMP appeals: "within 14 days of receipt" of the determination: an appeal with at before it
 * was served (the appeal window's start) is invalid_transition, in the window or after it
 * closed. */
static void wmp_appeal_before_the_determination_was_served_is_invalid_transition(void **state)
{
	struct walk *w = new_walk();
	uint64_t served = T0 + 2 * MS_DAY;

	(void)state;
	walk_to(w, WF_AWAITING_SERVICE);
	w->now = served + MS_DAY;
	walk_ok(w, "{'type':'determination.served','at':%llu," EV_PSD ",'body':{}}",
		(unsigned long long)served);
	assert_int_equal(walk_try(w, EV_APPEAL_AT, (unsigned long long)(served - 1)), -1);
	assert_proto_err(&w->err, PROTO_INVALID_TRANSITION, "served at 2026-02-12T00:00:00Z");
	assert_string_equal(wf_state_name(w->c.state), "appeal_window");
	walk_run_until(w, served + 14 * MS_DAY);
	assert_string_equal(wf_state_name(w->c.state), "conditions_active");
	assert_int_equal(walk_try(w, EV_APPEAL_AT, (unsigned long long)(served - 1)), -1);
	assert_proto_err(&w->err, PROTO_INVALID_TRANSITION, "served at");
	/* at its start: in time */
	walk_ok(w, EV_APPEAL_AT, (unsigned long long)served);
	assert_string_equal(wf_state_name(w->c.state), "under_appeal");
	free_walk(w);
}

/* WMP appeals: one appeal per determination. The appeal marks its determination appealed
 * (WFC_APPEALED) whatever the times the events carry; a new determination (a varied review,
 * served again) brings a new right of appeal, even when every event has the same at. */
static void wmp_each_determination_is_appealed_once(void **state)
{
	struct walk *w = new_walk();

	(void)state;
	walk_to(w, WF_CONDITIONS_ACTIVE); /* appealed, meeting, confirmed: all at T0 */
	assert_true(w->c.flags & WFC_APPEALED);
	assert_int_equal(walk_try(w, EV_APPEAL_AT, (unsigned long long)T0), -1);
	assert_proto_err(&w->err, PROTO_INVALID_TRANSITION, "appealed already");
	walk_ok(w, "{'type':'review.completed'," EV_AA
		   ",'body':{'outcome':'varied','conditions':" EV_CONDS
		   ",'representations_made':false}}");
	walk_ok(w, EV_SERVED); /* the same at as the first determination's */
	assert_false(w->c.flags & WFC_APPEALED);
	walk_run_until(w, T0 + 14 * MS_DAY);
	assert_string_equal(wf_state_name(w->c.state), "conditions_active");
	/* lodged in time, received after the window closed: heard, once */
	walk_ok(w, EV_APPEAL_AT, (unsigned long long)(T0 + 13 * MS_DAY));
	assert_string_equal(wf_state_name(w->c.state), "under_appeal");
	walk_ok(w, EV_MET);
	walk_ok(w, EV_DECIDED("confirmed"));
	assert_int_equal(walk_try(w, EV_APPEAL_AT, (unsigned long long)(T0 + 13 * MS_DAY)), -1);
	assert_proto_err(&w->err, PROTO_INVALID_TRANSITION, "appealed already");
	free_walk(w);
}

/* An approved (agreed) case has no right of appeal to lodge. */
static void appeal_without_a_determination_is_invalid_transition(void **state)
{
	struct walk *w = new_walk();

	(void)state;
	walk_to(w, WF_AWAITING_AA_APPROVAL);
	walk_ok(w, EV_APPROVED);
	assert_int_equal(walk_try(w, EV_APPEALED), -1);
	assert_proto_err(&w->err, PROTO_INVALID_TRANSITION, "conditions_active");
	free_walk(w);
}

/* "within 28 days ... strategy meeting"; "within 14 days following the strategy meeting" */
static void strategy_meeting_opens_14_days_for_the_decision(void **state)
{
	struct walk *w = new_walk();

	(void)state;
	walk_to(w, WF_AWAITING_APPEAL_DECISION);
	assert_int_equal(walk_dl(w, DL_STRATEGY_MEETING)->status, DLS_MET);
	assert_dl(w, DL_APPEAL_DECISION, DLS_OPEN, T0, T0 + 14 * MS_DAY);
	free_walk(w);
}

/* "uphold, confirm or vary" */
static void appeal_upheld_closes(void **state)
{
	struct walk *w = new_walk();
	const struct wf_note *n;

	(void)state;
	walk_to(w, WF_AWAITING_APPEAL_DECISION);
	walk_ok(w, EV_DECIDED("upheld"));
	assert_string_equal(wf_state_name(w->c.state), "closed");
	assert_str(w->c.appeal, "upheld");
	assert_str(w->c.closed_reason, "appeal_upheld");
	assert_non_null(n = walk_note(w, "appeal.decided", 0));
	assert_int_equal(n->detail, DETAIL_OUTCOME);
	assert_str(n->outcome, "upheld");
	assert_int_equal(walk_count(w, "conditions.imposed"), 0);
	free_walk(w);
}

static void appeal_confirmed_keeps_the_conditions_and_starts_the_annual_review(void **state)
{
	struct walk *w = new_walk();
	const msgpack_object *before;

	(void)state;
	walk_to(w, WF_AWAITING_APPEAL_DECISION);
	before = w->c.conditions;
	walk_ok(w, EV_DECIDED("confirmed"));
	assert_string_equal(wf_state_name(w->c.state), "conditions_active");
	assert_ptr_equal(w->c.conditions, before);
	assert_int_equal(walk_count(w, "conditions.imposed"), 0);
	assert_dl(w, DL_ANNUAL_REVIEW, DLS_OPEN, T0,
		  cal_add(&w->p.cal, T0, w->p.due[DL_ANNUAL_REVIEW], 1));
	free_walk(w);
}

static void appeal_varied_imposes_the_new_conditions(void **state)
{
	struct walk *w = new_walk();

	(void)state;
	walk_to(w, WF_AWAITING_APPEAL_DECISION);
	walk_ok(w, "{'type':'appeal.decided'," EV_HEAD
		   ",'body':{'outcome':'varied','conditions':" EV_CONDS "}}");
	assert_int_equal(w->c.conditions->via.array.size, 1);
	assert_str(w->c.appeal, "varied");
	assert_int_equal(walk_count(w, "conditions.imposed"), 1);
	assert_int_equal(walk_count(w, "appeal.decided"), 1);
	free_walk(w);
}

/* WMP misconduct; "during the appeal period, the conditions must be adhered to" */
static void wmp_breach_during_appeal_is_a_misconduct_referral(void **state)
{
	static const enum wf_state in_force[] = {WF_APPEAL_WINDOW, WF_UNDER_APPEAL,
						 WF_AWAITING_APPEAL_DECISION, WF_CONDITIONS_ACTIVE};
	struct walk *w = new_walk();

	(void)state;
	for (size_t i = 0; i < sizeof(in_force) / sizeof(in_force[0]); i++) {
		walk_to(w, in_force[i]);
		walk_ok(w, "{'type':'breach.reported'," EV_LM ",'body':{'details':'d'}}");
		assert_int_equal(w->fx.n, 1);
		assert_non_null(note_to(walk_note(w, "misconduct.referral", 0), ROLE_PSD));
		assert_int_equal(w->c.state, in_force[i]);
	}
	free_walk(w);
}

/* "significant change in circumstances": a review (28d, aa) alongside the annual one. */
static void review_requested_opens_a_review(void **state)
{
	struct walk *w = new_walk();

	(void)state;
	walk_to(w, WF_CONDITIONS_ACTIVE);
	w->now = T0 + MS_DAY;
	walk_ok(w, "{'type':'review.requested'," EV_PSD ",'body':{'reason':'r'}}");
	assert_dl(w, DL_REVIEW, DLS_OPEN, T0 + MS_DAY, T0 + 29 * MS_DAY);
	assert_int_equal(walk_dl(w, DL_ANNUAL_REVIEW)->status, DLS_OPEN);
	/* a second request while one runs keeps it */
	walk_ok(w, "{'type':'review.requested'," EV_AA ",'body':{'reason':'again'}}");
	assert_dl(w, DL_REVIEW, DLS_OPEN, T0 + MS_DAY, T0 + 29 * MS_DAY);
	free_walk(w);
}

/* Annual review, no change: the review and the annual review are met, a new annual review
 * runs from the completion. */
static void annual_review_no_change_starts_the_next_one(void **state)
{
	struct walk *w = new_walk();
	uint64_t at = T0 + 300 * MS_DAY;

	(void)state;
	walk_to(w, WF_CONDITIONS_ACTIVE);
	walk_ok(w, "{'type':'review.requested'," EV_PSD ",'body':{'reason':'r'}}");
	walk_run_until(w, at);
	walk_ok(w, "{'type':'review.completed'," EV_AA
		   ",'body':{'outcome':'no_change','representations_made':false}}");
	assert_string_equal(wf_state_name(w->c.state), "conditions_active");
	assert_str(w->c.review, "no_change");
	assert_int_equal(walk_dl(w, DL_REVIEW)->status, DLS_BREACHED); /* 28d passed: late */
	assert_dl(w, DL_ANNUAL_REVIEW, DLS_OPEN, at,
		  cal_add(&w->p.cal, at, w->p.due[DL_ANNUAL_REVIEW], 1));
	assert_int_equal(walk_count(w, "case.state_changed"), 0);
	/* the first annual review was met */
	for (uint32_t i = 0, met = 0; i < w->c.n_dl; i++)
		if (w->c.dl[i].kind == DL_ANNUAL_REVIEW && w->c.dl[i].status == DLS_MET)
			assert_int_equal(++met, 1);
	free_walk(w);
}

/* "any variation ... right of appeal": varied goes back to service. */
static void annual_review_varied_gives_a_new_right_of_appeal(void **state)
{
	struct walk *w = new_walk();

	(void)state;
	walk_to(w, WF_CONDITIONS_ACTIVE);
	walk_ok(w, "{'type':'review.completed'," EV_AA
		   ",'body':{'outcome':'varied','conditions':" EV_CONDS
		   ",'representations_made':true}}");
	assert_string_equal(wf_state_name(w->c.state), "awaiting_service");
	assert_int_equal(w->c.conditions->via.array.size, 1);
	assert_int_equal(walk_dl(w, DL_ANNUAL_REVIEW)->status, DLS_MET);
	assert_int_equal(walk_count(w, "conditions.imposed"), 1);
	walk_ok(w, EV_SERVED);
	walk_ok(w, EV_APPEALED);
	assert_string_equal(wf_state_name(w->c.state), "under_appeal");
	free_walk(w);
}

static void annual_review_removed_closes(void **state)
{
	struct walk *w = new_walk();

	(void)state;
	walk_to(w, WF_CONDITIONS_ACTIVE);
	walk_ok(w, "{'type':'review.completed'," EV_AA
		   ",'body':{'outcome':'removed','representations_made':false}}");
	assert_string_equal(wf_state_name(w->c.state), "closed");
	assert_str(w->c.closed_reason, "conditions_removed");
	assert_int_equal(walk_dl(w, DL_ANNUAL_REVIEW)->status, DLS_MET);
	free_walk(w);
}

/* WMP vetting review by level: the task closes with its outcome and deadline. */
static void vetting_reviewed_closes_the_task(void **state)
{
	struct walk *w = new_walk();

	(void)state;
	walk_to(w, WF_AWAITING_MITIGATION);
	assert_int_equal(w->c.vetting.status, TASK_OPEN);
	w->now = T0 + MS_DAY;
	walk_ok(w,
		"{'type':'vetting.reviewed'," EV_VET ",'body':{'outcome':'clearance_reviewed'}}");
	assert_int_equal(w->c.vetting.status, TASK_DONE);
	assert_int_equal(w->c.vetting.done_at, T0 + MS_DAY);
	assert_str(w->c.vetting.outcome, "clearance_reviewed");
	assert_int_equal(walk_dl(w, DL_VETTING_REVIEW)->status, DLS_MET);
	assert_string_equal(wf_state_name(w->c.state), "awaiting_mitigation");
	/* no task now */
	assert_int_equal(walk_try(w, "{'type':'vetting.reviewed'," EV_VET
				     ",'body':{'outcome':'clearance_maintained'}}"),
			 -1);
	assert_proto_err(&w->err, PROTO_INVALID_TRANSITION, "no open vetting task");
	free_walk(w);
}

/* Keeping records right: later notifications go to the new line manager. */
static void subject_updated_changes_who_is_told(void **state)
{
	struct walk *w = new_walk();

	(void)state;
	walk_to(w, WF_MITIGATION_PROPOSED);
	walk_ok(w,
		"{'type':'subject.updated'," EV_PSD ",'body':{'subject':{'line_manager':'LM2'}}}");
	assert_non_null(w->c.subject_update);
	assert_int_equal(w->fx.n, 0);
	walk_ok(w, EV_AGREED);
	walk_ok(w, EV_APPROVED);
	assert_str(note_to(walk_note(w, "conditions.imposed", 0), ROLE_LINE_MANAGER)->id, "LM2");
	free_walk(w);
}

/* A recorded reason for every extension: only a live deadline, only later. */
static void deadline_extended_needs_a_live_deadline_and_a_later_due_time(void **state)
{
	struct walk *w = new_walk();

	(void)state;
	walk_to(w, WF_AWAITING_MANAGER_REVIEW);
	assert_int_equal(walk_try(w,
				  "{'type':'deadline.extended'," EV_PSD
				  ",'body':{'kind':'interview','due_at':%llu,'reason':'r'}}",
				  (unsigned long long)(T0 + 30 * MS_DAY)),
			 -1);
	assert_proto_err(&w->err, PROTO_INVALID_TRANSITION, "awaiting_manager_review");
	assert_contains(w->err.message, "interview");
	assert_int_equal(walk_try(w,
				  "{'type':'deadline.extended'," EV_PSD
				  ",'body':{'kind':'manager_review','due_at':%llu,'reason':'r'}}",
				  (unsigned long long)(T0 + 7 * MS_DAY)),
			 -1);
	assert_proto_err(&w->err, PROTO_INVALID_FIELD, "body.due_at");
	walk_ok(w,
		"{'type':'deadline.extended'," EV_PSD
		",'body':{'kind':'manager_review','due_at':%llu,'reason':'r'}}",
		(unsigned long long)(T0 + 10 * MS_DAY));
	assert_dl(w, DL_MANAGER_REVIEW, DLS_OPEN, T0, T0 + 10 * MS_DAY);
	free_walk(w);
}

/* case.closed from any open state: its reason; what runs is cancelled; retention starts. */
static void case_closed_cancels_what_runs_and_starts_retention(void **state)
{
	struct walk *w = new_walk();

	(void)state;
	for (int s = WF_AWAITING_MANAGER_REVIEW; s < WF_CLOSED; s++) {
		const struct wf_note *n;

		walk_to(w, s);
		walk_ok(w,
			"{'type':'case.closed'," EV_PSD ",'body':{'reason':'association_ceased'}}");
		assert_str(w->c.closed_reason, "association_ceased");
		assert_int_equal(w->c.closed_at, T0);
		for (uint32_t i = 0; i < w->c.n_dl; i++) {
			const struct wf_deadline *d = &w->c.dl[i];

			if (d->kind == DL_RETENTION)
				assert_true(wf_dl_live(d));
			else
				assert_false(wf_dl_live(d));
		}
		assert_non_null(n = walk_note(w, "case.closed", 0));
		assert_str(n->outcome, "association_ceased");
		assert_non_null(note_to(n, ROLE_PSD));
		assert_false(w->c.flags & WFC_ESCALATE);
	}
	free_walk(w);
}

/* WORKFLOW.md "Deadlines": closing cancels what runs; the vetting task ("any open state with
 * an open vetting task") is cancelled with it, by every path to closed. */
static void closing_by_any_path_cancels_an_open_vetting_task(void **state)
{
	static const struct {
		enum wf_state from;
		const char *event;
	} paths[] = {
	    {WF_REFERRED_TO_AA, EV_CLOSED_BY_PSD},
	    {WF_AWAITING_AA_APPROVAL,
	     "{'type':'aa.determined'," EV_AA ",'body':{'decision':'no_risk','reasons':'r'}}"},
	    {WF_AWAITING_APPEAL_DECISION, EV_DECIDED("upheld")},
	    {WF_CONDITIONS_ACTIVE, "{'type':'review.completed'," EV_AA
				   ",'body':{'outcome':'removed','representations_made':false}}"},
	};
	struct walk *w = new_walk();

	(void)state;
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		w->now = T0;
		walk_to(w, paths[i].from);
		assert_int_equal(w->c.vetting.status, TASK_OPEN);
		w->now = T0 + MS_DAY;
		walk_ok(w, "%s", paths[i].event);
		assert_string_equal(wf_state_name(w->c.state), "closed");
		assert_int_equal(w->c.vetting.status, TASK_CANCELLED);
		assert_int_equal(w->c.vetting.done_at, T0 + MS_DAY);
		assert_int_equal(w->c.vetting.outcome.len, 0);
		assert_false(wf_dl_live(walk_dl(w, DL_VETTING_REVIEW)));
	}
	/* a task already done stays done */
	w->now = T0;
	walk_to(w, WF_REFERRED_TO_AA);
	walk_ok(w,
		"{'type':'vetting.reviewed'," EV_VET ",'body':{'outcome':'clearance_maintained'}}");
	walk_ok(w, EV_CLOSED_BY_PSD);
	assert_int_equal(w->c.vetting.status, TASK_DONE);
	free_walk(w);
}

/* ---- side effects ------------------------------------------------------------------------------
 */

/* P01b 3.3, P01c 3.10 */
static void p01c_3_10_extremist_category_is_a_prevent_referral(void **state)
{
	struct walk *w = new_walk();

	(void)state;
	walk_ok(w, EV_DECL_WITH("SC", "'media','extremist'", ""));
	assert_int_equal(walk_count(w, "prevent.referral"), 1);
	assert_non_null(note_to(walk_note(w, "prevent.referral", 0), ROLE_PSD));
	walk_reset(w, T0);
	walk_ok(w,
		"{'type':'referral.submitted','body':" EV_REF_BODY_WITH(",'anonymous':true") "}");
	assert_int_equal(walk_count(w, "prevent.referral"), 0);
	/* a referral too: the side effect reads the opening's categories, whatever its type */
	walk_reset(w, T0);
	walk_ok(w, "{'type':'referral.submitted'," EV_LM ",'body':{'subject':{'id':'S100'},"
		   "'associate':{'name':'A N Other','kind':'group'},'categories':['extremist'],"
		   "'circumstances':'seen together'}}");
	assert_int_equal(walk_count(w, "prevent.referral"), 1);
	assert_non_null(note_to(walk_note(w, "prevent.referral", 0), ROLE_PSD));
	free_walk(w);
}

/* P01c 3.15: a vulnerable victim or witness in a live case */
static void p01c_3_15_vulnerable_victim_witness_is_a_misconduct_referral(void **state)
{
	struct walk *w = new_walk();

	(void)state;
	walk_ok(w, EV_DECL_WITH("SC", "'victim_witness_live_case'", ",'vulnerable':true"));
	assert_true(w->c.flags & WFC_MISCONDUCT);
	assert_int_equal(walk_count(w, "misconduct.referral"), 1);
	walk_reset(w, T0);
	walk_ok(w, EV_DECL_WITH("SC", "'victim_witness_live_case'", ",'vulnerable':false"));
	assert_false(w->c.flags & WFC_MISCONDUCT);
	assert_int_equal(walk_count(w, "misconduct.referral"), 0);
	walk_reset(w, T0);
	walk_ok(w, EV_DECL_WITH("SC", "'criminal_conviction'", ",'vulnerable':true"));
	assert_int_equal(walk_count(w, "misconduct.referral"), 0);
	free_walk(w);
}

/* WMP vetting review by level: SC is in [vetting] review_required: a task, its deadline
 * (28d, vetting) and vetting.review_required with optional false. */
static void wmp_vetting_review_required_by_level_opens_a_task(void **state)
{
	struct walk *w = new_walk();
	const struct wf_note *n;

	(void)state;
	walk_to(w, WF_AWAITING_INTERVIEW);
	walk_ok(w, EV_INTERVIEWED("mitigation"));
	assert_int_equal(w->c.vetting.status, TASK_OPEN);
	assert_false(w->c.vetting.optional);
	assert_dl(w, DL_VETTING_REVIEW, DLS_OPEN, T0, T0 + 28 * MS_DAY);
	assert_non_null(n = walk_note(w, "vetting.review_required", 0));
	assert_int_equal(n->detail, DETAIL_OPTIONAL);
	assert_false(n->optional);
	assert_non_null(note_to(n, ROLE_VETTING));
	/* told once while the task is open: the AA's conditions say nothing new */
	walk_ok(w, EV_PROPOSED);
	walk_ok(w, EV_DISPUTED);
	walk_ok(w, EV_REPS);
	walk_ok(w, EV_DETERMINED);
	assert_int_equal(walk_count(w, "vetting.review_required"), 0);
	free_walk(w);
}

/* WMP "may review": a level not in review_required gets an optional notice, no deadline. */
static void wmp_vetting_may_review_below_the_level_is_optional(void **state)
{
	struct walk *w = new_walk();
	const struct wf_note *n;

	(void)state;
	walk_ok(w, EV_DECL_WITH("NPPV2", "'criminal_conviction'", ",'bypass_manager':true"));
	walk_ok(w, EV_ASSESSED("mitigation"));
	assert_non_null(n = walk_note(w, "vetting.review_required", 0));
	assert_true(n->optional);
	assert_null(walk_dl(w, DL_VETTING_REVIEW));
	assert_true(w->c.vetting.optional);
	/* the level rises: the next identification makes it a required review */
	walk_ok(w, "{'type':'subject.updated'," EV_PSD ",'body':{'subject':{'vetting':'DV'}}}");
	walk_ok(w, EV_PROPOSED);
	walk_ok(w, EV_DISPUTED);
	walk_ok(w, EV_REPS);
	walk_ok(w, "{'type':'aa.determined'," EV_AA
		   ",'body':{'decision':'cease','conditions':[{'code':'cease_association','text':'"
		   "end'}],'reasons':'r'}}");
	assert_non_null(n = walk_note(w, "vetting.review_required", 0));
	assert_false(n->optional);
	assert_false(w->c.vetting.optional);
	assert_int_equal(walk_dl(w, DL_VETTING_REVIEW)->status, DLS_OPEN);
	free_walk(w);
}

/* Every state change is case.state_changed, with from and to. */
static void every_state_change_is_case_state_changed(void **state)
{
	struct walk *w = new_walk();
	enum wf_state from = WF_NONE;

	(void)state;
	walk_reset(w, T0);
	for (size_t i = 0; i < WALK_MAIN_LEN; i++) {
		walk_ok(w, "%s", walk_main_line[i]);
		if (from == WF_NONE || from == w->c.state)
			assert_int_equal(walk_count(w, "case.state_changed"), 0);
		else
			assert_state_changed(w, from, w->c.state);
		from = w->c.state;
	}
	free_walk(w);
}

/* Notifications carry references, states and roles: recipient ids are staff ids only. */
static void notifications_name_only_staff_ids(void **state)
{
	struct walk *w = new_walk();

	(void)state;
	walk_reset(w, T0);
	for (size_t i = 0; i < WALK_MAIN_LEN; i++) {
		walk_ok(w, "%s", walk_main_line[i]);
		for (uint32_t k = 0; k < w->fx.n; k++)
			for (uint32_t j = 0; j < w->fx.note[k].n_to; j++) {
				struct proto_str id = w->fx.note[k].to[j].id;

				if (id.len && !proto_str_eq(id, "S100") && !proto_str_eq(id, "LM1"))
					fail_msg("%s names %.*s", w->fx.note[k].topic, (int)id.len,
						 id.ptr);
			}
	}
	free_walk(w);
}

/* ---- check order (PROTOCOL.md) -----------------------------------------------------------------
 */

/* forbidden (the actor's role) -> window_closed -> invalid_transition */
static void check_order_role_before_window_closed(void **state)
{
	struct walk *w = new_walk();

	(void)state;
	walk_to(w, WF_APPEAL_WINDOW);
	w->now = T0 + 20 * MS_DAY;
	assert_int_equal(walk_try(w, "{'type':'appeal.lodged'," EV_PSD ",'body':{'grounds':'g'}}"),
			 -1);
	assert_proto_err(&w->err, PROTO_FORBIDDEN, "psd");
	free_walk(w);
}

static void check_order_role_before_state(void **state)
{
	struct walk *w = new_walk();

	(void)state;
	walk_to(w, WF_CLOSED);
	assert_int_equal(walk_try(w, "{'type':'referral.submitted','actor':{'id':'X','role':'hr'},"
				     "'body':" EV_REF_BODY "}"),
			 -1);
	assert_proto_err(&w->err, PROTO_FORBIDDEN, "hr");
	free_walk(w);
}

static void check_order_window_closed_before_invalid_transition(void **state)
{
	struct walk *w = new_walk();

	(void)state;
	walk_to(w, WF_APPEAL_WINDOW);
	walk_run_until(w, T0 + 20 * MS_DAY);
	assert_string_equal(wf_state_name(w->c.state), "conditions_active");
	assert_int_equal(walk_try(w, EV_APPEALED), -1);
	assert_proto_err(&w->err, PROTO_WINDOW_CLOSED, NULL);
	free_walk(w);
}

/* A rejected event changes nothing (the walk keeps the case as it was; the engine's copy
 * is what it left). */
static void rejected_event_leaves_no_notes(void **state)
{
	struct walk *w = new_walk();

	(void)state;
	walk_to(w, WF_AWAITING_MANAGER_REVIEW);
	assert_int_equal(walk_try(w, EV_APPROVED), -1);
	assert_int_equal(w->fx.n, 0);
	assert_string_equal(wf_state_name(w->c.state), "awaiting_manager_review");
	free_walk(w);
}

/* ---- names --------------------------------------------------------------------------------- */

static void state_names_are_those_of_workflow_md_and_round_trip(void **state)
{
	static const char *const names[] = {
	    "none",
	    "awaiting_manager_review",
	    "awaiting_assessment",
	    "awaiting_interview",
	    "awaiting_mitigation",
	    "mitigation_proposed",
	    "awaiting_aa_approval",
	    "referred_to_aa",
	    "awaiting_service",
	    "appeal_window",
	    "under_appeal",
	    "awaiting_appeal_decision",
	    "conditions_active",
	    "closed",
	};

	(void)state;
	assert_int_equal(sizeof(names) / sizeof(names[0]), WF_STATE_COUNT);
	for (int s = 0; s < WF_STATE_COUNT; s++) {
		assert_string_equal(wf_state_name(s), names[s]);
		assert_int_equal(wf_state_parse(names[s], strlen(names[s])), s);
	}
	assert_int_equal(wf_state_parse("closedx", 7), -1);
	assert_int_equal(wf_state_parse("closedx", 6), WF_CLOSED);
	assert_int_equal(wf_state_parse("", 0), -1);
	assert_string_equal(wf_state_name(WF_STATE_COUNT), "?");
	assert_string_equal(wf_origin_name(ORIGIN_ANONYMOUS), "anonymous");
	assert_string_equal(wf_origin_name(ORIGIN_COUNT), "?");
}

static void deadline_status_names_round_trip(void **state)
{
	static const char *const names[] = {"open", "met", "breached", "cancelled"};

	(void)state;
	for (int s = 0; s < DLS_COUNT; s++) {
		assert_string_equal(wf_dl_status_name(s), names[s]);
		assert_int_equal(wf_dl_status_parse(names[s], strlen(names[s])), s);
	}
	assert_int_equal(wf_dl_status_parse("opened", 6), -1);
	assert_string_equal(wf_dl_status_name(DLS_COUNT), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    /* the events table, row by row: roles, states, where it goes */
	    cmocka_unit_test(row_declaration_submitted_wmp_policy_statements),
	    cmocka_unit_test(row_declaration_submitted_bypass_manager_p01_3_4),
	    cmocka_unit_test(row_referral_submitted_p01c_3_13),
	    cmocka_unit_test(row_manager_reviewed_wmp_manager_comments),
	    cmocka_unit_test(row_assessment_recorded_no_further_action_p01c_3_18),
	    cmocka_unit_test(row_assessment_recorded_advice_p01c_3_18),
	    cmocka_unit_test(row_assessment_recorded_interview_p01c_3_18),
	    cmocka_unit_test(row_assessment_recorded_mitigation_p01c_3_18),
	    cmocka_unit_test(row_interview_recorded_no_further_action_wmp_interviews),
	    cmocka_unit_test(row_interview_recorded_mitigation_wmp_interviews),
	    cmocka_unit_test(row_mitigation_proposed_wmp_managing_the_risk),
	    cmocka_unit_test(row_mitigation_agreed_needs_aa_approval),
	    cmocka_unit_test(row_mitigation_disputed_referred_to_aa),
	    cmocka_unit_test(row_representations_submitted_aa_allows_representations),
	    cmocka_unit_test(row_aa_approved_aa_approval),
	    cmocka_unit_test(row_aa_determined_no_risk_aa_decides),
	    cmocka_unit_test(row_aa_determined_conditions_aa_decides),
	    cmocka_unit_test(row_aa_determined_cease_aa_decides),
	    cmocka_unit_test(row_determination_served_conditions_in_writing),
	    cmocka_unit_test(row_appeal_lodged_wmp_appeals),
	    cmocka_unit_test(row_strategy_meeting_held_within_28_days),
	    cmocka_unit_test(row_appeal_decided_upheld_uphold_confirm_or_vary),
	    cmocka_unit_test(row_appeal_decided_confirmed_uphold_confirm_or_vary),
	    cmocka_unit_test(row_appeal_decided_varied_uphold_confirm_or_vary),
	    cmocka_unit_test(row_breach_reported_wmp_misconduct),
	    cmocka_unit_test(row_review_requested_significant_change),
	    cmocka_unit_test(row_review_completed_no_change_annual_review),
	    cmocka_unit_test(row_review_completed_varied_right_of_appeal),
	    cmocka_unit_test(row_review_completed_removed_annual_review),
	    cmocka_unit_test(row_vetting_reviewed_wmp_vetting_review_by_level),
	    cmocka_unit_test(row_subject_updated_keeping_records_right),
	    cmocka_unit_test(row_deadline_extended_a_recorded_reason),
	    cmocka_unit_test(row_case_closed_any_open_state),
	    /* what each row records and opens */
	    cmocka_unit_test(wmp_declaration_opens_with_manager_review_due_in_7_days),
	    cmocka_unit_test(p01_3_4_bypass_manager_opens_psd_assessment),
	    cmocka_unit_test(p01c_3_13_referral_has_origin_referral),
	    cmocka_unit_test(p01c_3_13_anonymous_referral_names_no_reporter),
	    cmocka_unit_test(declaration_whose_actor_is_not_its_subject_is_forbidden),
	    cmocka_unit_test(subject_events_by_another_subject_are_forbidden),
	    cmocka_unit_test(wmp_manager_review_meets_its_deadline_and_opens_assessment),
	    cmocka_unit_test(p01c_3_18_assessment_no_further_action_or_advice_closes),
	    cmocka_unit_test(p01c_3_18_assessment_interview_opens_interview_deadline),
	    cmocka_unit_test(p01c_3_18_assessment_mitigation_opens_mitigation_proposal),
	    cmocka_unit_test(wmp_interview_outcomes),
	    cmocka_unit_test(wmp_mitigation_proposed_waits_14_days_for_the_subject),
	    cmocka_unit_test(wmp_agreed_mitigation_awaits_aa_approval_for_14_days),
	    cmocka_unit_test(wmp_disputed_mitigation_is_referred_to_the_aa),
	    cmocka_unit_test(wmp_mitigation_answered_after_14_days_is_invalid_transition),
	    cmocka_unit_test(
		mitigation_response_agreed_in_time_received_after_referral_awaits_aa_approval),
	    cmocka_unit_test(
		mitigation_response_disputed_in_time_received_after_referral_is_recorded),
	    cmocka_unit_test(
		mitigation_response_answered_late_after_referral_is_invalid_transition),
	    cmocka_unit_test(
		mitigation_response_answered_in_time_after_representations_is_invalid_transition),
	    cmocka_unit_test(wmp_disputed_referral_refuses_mitigation_agreed),
	    cmocka_unit_test(escalation_worker_assigns_an_aa_and_names_them),
	    cmocka_unit_test(wmp_representations_in_the_window_are_recorded),
	    cmocka_unit_test(wmp_representations_after_the_window_are_window_closed),
	    cmocka_unit_test(aa_approval_imposes_the_agreed_conditions),
	    cmocka_unit_test(aa_determination_no_risk_closes),
	    cmocka_unit_test(aa_determination_conditions_await_service),
	    cmocka_unit_test(aa_determination_while_representations_are_open_is_invalid_transition),
	    cmocka_unit_test(determination_served_opens_the_appeal_window_from_receipt),
	    cmocka_unit_test(wmp_appeals_14_days_accepted_on_day_14),
	    cmocka_unit_test(wmp_appeals_14_days_window_closed_on_day_15),
	    cmocka_unit_test(wmp_appeal_lodged_in_time_but_received_late_is_heard_once),
	    cmocka_unit_test(review_requested_then_a_late_appeal_cancels_the_review),
	    cmocka_unit_test(wmp_appeal_before_the_determination_was_served_is_invalid_transition),
	    cmocka_unit_test(wmp_each_determination_is_appealed_once),
	    cmocka_unit_test(appeal_without_a_determination_is_invalid_transition),
	    cmocka_unit_test(strategy_meeting_opens_14_days_for_the_decision),
	    cmocka_unit_test(appeal_upheld_closes),
	    cmocka_unit_test(appeal_confirmed_keeps_the_conditions_and_starts_the_annual_review),
	    cmocka_unit_test(appeal_varied_imposes_the_new_conditions),
	    cmocka_unit_test(wmp_breach_during_appeal_is_a_misconduct_referral),
	    cmocka_unit_test(review_requested_opens_a_review),
	    cmocka_unit_test(annual_review_no_change_starts_the_next_one),
	    cmocka_unit_test(annual_review_varied_gives_a_new_right_of_appeal),
	    cmocka_unit_test(annual_review_removed_closes),
	    cmocka_unit_test(vetting_reviewed_closes_the_task),
	    cmocka_unit_test(subject_updated_changes_who_is_told),
	    cmocka_unit_test(deadline_extended_needs_a_live_deadline_and_a_later_due_time),
	    cmocka_unit_test(case_closed_cancels_what_runs_and_starts_retention),
	    cmocka_unit_test(closing_by_any_path_cancels_an_open_vetting_task),
	    /* side effects */
	    cmocka_unit_test(p01c_3_10_extremist_category_is_a_prevent_referral),
	    cmocka_unit_test(p01c_3_15_vulnerable_victim_witness_is_a_misconduct_referral),
	    cmocka_unit_test(wmp_vetting_review_required_by_level_opens_a_task),
	    cmocka_unit_test(wmp_vetting_may_review_below_the_level_is_optional),
	    cmocka_unit_test(every_state_change_is_case_state_changed),
	    cmocka_unit_test(notifications_name_only_staff_ids),
	    /* check order */
	    cmocka_unit_test(check_order_role_before_window_closed),
	    cmocka_unit_test(check_order_role_before_state),
	    cmocka_unit_test(check_order_window_closed_before_invalid_transition),
	    cmocka_unit_test(rejected_event_leaves_no_notes),
	    /* names */
	    cmocka_unit_test(state_names_are_those_of_workflow_md_and_round_trip),
	    cmocka_unit_test(deadline_status_names_round_trip),
	};

	return cmocka_run_group_tests_name("daemon/wfrules", tests, NULL, NULL);
}
