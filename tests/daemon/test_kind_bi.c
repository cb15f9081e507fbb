/* kinds/bi: REGISTERS.md "Business interests and second jobs (BI)" (HMIC 2012; Police
 * Regulations 2003 regs 7-9), row by row (roles, states, where it goes), the appeal window
 * (10 working days, opened by a refusal or by conditions, once), the appeal's outcomes, the
 * annual review, the misconduct referral on a breach, its closing reasons and its six
 * deadlines. Events are JSON decoded by proto; the clock is injected; the policy is the
 * config's defaults. */
#include "dtest.h"

#include <stdio.h>
#include <string.h>

#include "evjson.h"
#include "kindtest.h"
#include "case/wfdeadline.h"
#include "engine/wf.h"
#include "policy/wfstate.h"

#define T0     NOW_MS /* 2026-02-10T00:00:00Z, a Tuesday */
#define BI_REF "BI-2026-000001"
#define SAME   KT_SAME
#define S(x)   WF_BIT(BI_##x)
#define R(x)   ROLE_BIT(ROLE_##x)
#define OPEN                                                                                       \
	(S(AWAITING_HR_ASSESSMENT) | S(AWAITING_PSD_CHECK) | S(AWAITING_DECISION) | S(APPROVED) |  \
	 S(REFUSED) | S(UNDER_APPEAL))

/* ---- BI events ---------------------------------------------------------------------------- */

#define EV_HR "'actor':{'id':'HR1','role':'hr'}"
#define BI_BODY                                                                                    \
	"{'subject':{'id':'S100','line_manager':'LM1'},'interest':{'kind':'second_job',"           \
	"'organisation':{'name':'Acme Haulage Ltd','org_id':'01234567'},'role':'driver',"          \
	"'hours_per_week':8,'paid':true,'starts_on':'2026-03-01'}}"
#define BI_CONDS      "[{'code':'other','text':'no more than 8 hours a week'}]"
#define BI_CONDS2     "[{'code':'other','text':'no more than 4 hours a week'}]"
#define EV_BI_APPLIED "{'type':'business_interest.applied'," EV_SUBJ ",'body':" BI_BODY "}"
#define EV_HR_ASSESSED                                                                             \
	"{'type':'hr.assessed'," EV_HR ",'body':{'recommendation':'approve_with_conditions'}}"
#define EV_PSD_CHECKED "{'type':'psd.checked'," EV_PSD ",'body':{'outcome':'no_concern'}}"
#define EV_BI_DECIDED(decision, extra)                                                             \
	"{'type':'business_interest.decided'," EV_AA ",'body':{'decision':'" decision "',"         \
	"'reasons':'r'" extra "}}"
#define EV_BI_APPROVED   EV_BI_DECIDED("approved", "")
#define EV_BI_CONDITIONS EV_BI_DECIDED("approved_with_conditions", ",'conditions':" BI_CONDS)
#define EV_BI_REFUSED    EV_BI_DECIDED("refused", "")
#define EV_BI_APPEALED   "{'type':'business_interest.appealed'," EV_SUBJ ",'body':{'grounds':'g'}}"
#define EV_BI_APPEAL_DECIDED(outcome, extra)                                                       \
	"{'type':'business_interest.appeal_decided'," EV_HEAD ",'body':{'outcome':'" outcome       \
	"','reasons':'r'" extra "}}"
#define EV_BI_REVIEWED(outcome, extra)                                                             \
	"{'type':'business_interest.reviewed'," EV_HR ",'body':{'outcome':'" outcome "'" extra "}" \
	"}"
#define EV_BI_BREACH "{'type':'breach.reported'," EV_PSD ",'body':{'details':'works 20h'}}"
#define EV_BI_ENDED                                                                                \
	"{'type':'business_interest.ended'," EV_SUBJ ",'body':{'ended_on':'2026-06-01'}}"

static const char *bi_state(int s)
{
	return wf_kind_state_name(KIND_BI, s);
}

/* A new BI case (state none), its reference BI-. */
static void bi_reset(struct walk *w)
{
	walk_reset(w, w->now);
	snprintf(w->c.ref, sizeof(w->c.ref), "%s", BI_REF);
}

/* A new BI case walked to state s at the clock: S100 applies for a second job, assessed by
 * HR, checked by PSD; approved (alt: with conditions), refused; under appeal against the
 * refusal (alt: against the conditions); closed by case.closed. */
static void bi_walk(struct walk *w, int s, bool alt)
{
	bi_reset(w);
	if (s == BI_NONE)
		return;
	walk_ok(w, EV_BI_APPLIED);
	if (s == BI_CLOSED)
		walk_ok(w, EV_CLOSED_BY_PSD);
	if (s == BI_AWAITING_HR_ASSESSMENT || s == BI_CLOSED)
		goto done;
	walk_ok(w, EV_HR_ASSESSED);
	if (s == BI_AWAITING_PSD_CHECK)
		goto done;
	walk_ok(w, EV_PSD_CHECKED);
	if (s == BI_AWAITING_DECISION)
		goto done;
	if (s == BI_REFUSED || (s == BI_UNDER_APPEAL && !alt))
		walk_ok(w, EV_BI_REFUSED);
	else
		walk_ok(w, alt ? EV_BI_CONDITIONS : EV_BI_APPROVED);
	if (s == BI_UNDER_APPEAL)
		walk_ok(w, EV_BI_APPEALED);
done:
	assert_int_equal(w->c.kind, KIND_BI);
	assert_string_equal(bi_state(w->c.state), bi_state(s));
}

static void bi_walk_to(struct walk *w, int s)
{
	bi_walk(w, s, false);
}

static const struct kt_kind bi_kind = {KIND_BI, BI_STATE_COUNT, bi_state, bi_walk};

/* ---- one row of the events table ------------------------------------------------------------ */

#define ROW_TEST(name, type_, body_, roles_, states_, next_, alt_)                                 \
	KT_ROW_TEST(name, &bi_kind, .type = type_, .body = body_, .roles = roles_,                 \
		    .states = states_, .next = next_, .alt = alt_)

/* HMIC: "all requests ... assessed by HR" */
ROW_TEST(row_business_interest_applied_awaits_hr_assessment, "business_interest.applied", BI_BODY,
	 R(SUBJECT), S(NONE), BI_AWAITING_HR_ASSESSMENT, false)
ROW_TEST(row_hr_assessed_awaits_psd_check, "hr.assessed", "{'recommendation':'refuse','notes':'n'}",
	 R(HR), S(AWAITING_HR_ASSESSMENT), BI_AWAITING_PSD_CHECK, false)
/* HMIC: "checks are also made by PSD on all applications" */
ROW_TEST(row_psd_checked_awaits_decision, "psd.checked", "{'outcome':'concern'}", R(PSD),
	 S(AWAITING_PSD_CHECK), BI_AWAITING_DECISION, false)
/* reg 8: the appropriate officer decides */
ROW_TEST(row_reg8_decided_approved, "business_interest.decided",
	 "{'decision':'approved','reasons':'r'}", R(AA), S(AWAITING_DECISION), BI_APPROVED, false)
ROW_TEST(row_reg8_decided_approved_with_conditions, "business_interest.decided",
	 "{'decision':'approved_with_conditions','conditions':" BI_CONDS ",'reasons':'r'}", R(AA),
	 S(AWAITING_DECISION), BI_APPROVED, false)
ROW_TEST(row_reg8_decided_refused, "business_interest.decided",
	 "{'decision':'refused','reasons':'r'}", R(AA), S(AWAITING_DECISION), BI_REFUSED, false)
/* reg 9: to the chief officer, against a refusal or conditions (alt: approved with them) */
ROW_TEST(row_reg9_appealed_goes_under_appeal, "business_interest.appealed", "{'grounds':'g'}",
	 R(SUBJECT), S(REFUSED) | S(APPROVED), BI_UNDER_APPEAL, true)
ROW_TEST(row_reg9_appeal_upheld_approves, "business_interest.appeal_decided",
	 "{'outcome':'upheld','conditions':" BI_CONDS2 ",'reasons':'r'}", R(HEAD_OF_PSD),
	 S(UNDER_APPEAL), BI_APPROVED, false)
/* "dismissed: back to the decided state": the refusal, or (alt) the conditions */
ROW_TEST(row_reg9_appeal_dismissed_back_to_refused, "business_interest.appeal_decided",
	 "{'outcome':'dismissed','reasons':'r'}", R(HEAD_OF_PSD), S(UNDER_APPEAL), BI_REFUSED,
	 false)
ROW_TEST(row_reg9_appeal_dismissed_back_to_approved_with_conditions,
	 "business_interest.appeal_decided", "{'outcome':'dismissed','reasons':'r'}",
	 R(HEAD_OF_PSD), S(UNDER_APPEAL), BI_APPROVED, true)
/* reg 7(1): a lawful order */
ROW_TEST(row_reg7_breach_reported_in_approved, "breach.reported", "{'details':'d'}", R(PSD) | R(HR),
	 S(APPROVED), SAME, false)
/* HMIC: "reviewed annually" */
ROW_TEST(row_annual_review_continue_stays_approved, "business_interest.reviewed",
	 "{'outcome':'continue'}", R(HR) | R(PSD), S(APPROVED), BI_APPROVED, false)
ROW_TEST(row_annual_review_conditions_varied_stays_approved, "business_interest.reviewed",
	 "{'outcome':'conditions_varied','conditions':" BI_CONDS2 "}", R(HR) | R(PSD), S(APPROVED),
	 BI_APPROVED, false)
ROW_TEST(row_annual_review_withdrawn_closes, "business_interest.reviewed",
	 "{'outcome':'withdrawn'}", R(HR) | R(PSD), S(APPROVED), BI_CLOSED, false)
ROW_TEST(row_business_interest_ended_closes, "business_interest.ended", "{'ended_on':'2026-06-01'}",
	 R(SUBJECT) | R(HR), S(APPROVED) | S(REFUSED), BI_CLOSED, false)
/* REGISTERS.md "Common to every kind" */
ROW_TEST(row_case_closed_common_any_open_state, "case.closed", "{'reason':'other'}", R(PSD), OPEN,
	 BI_CLOSED, false)
ROW_TEST(row_subject_updated_common_any_open_state, "subject.updated",
	 "{'subject':{'line_manager':'LM2'}}", R(PSD), OPEN, SAME, false)
ROW_TEST(row_deadline_extended_common_with_that_deadline_open, "deadline.extended",
	 "{'kind':'bi_decision','due_at':1900000000000,'reason':'r'}",
	 R(PSD) | R(AA) | R(HEAD_OF_PSD), S(AWAITING_DECISION), SAME, false)

/* ---- what each row does ---------------------------------------------------------------------- */

/* An application is the subject's own: another subject's id is forbidden. */
static void applied_by_another_subject_is_forbidden(void **state)
{
	struct walk *w = kt_new_walk();

	(void)state;
	bi_reset(w);
	assert_int_equal(walk_try(w, "{'type':'business_interest.applied','actor':{'id':'S999',"
				     "'role':'subject'},'body':" BI_BODY "}"),
			 -1);
	assert_proto_err(&w->err, PROTO_FORBIDDEN, "actor.id");
	kt_free_walk(w);
}

/* The application, the recommendation, the check and the decision are the case's. */
static void each_step_is_recorded_in_the_case(void **state)
{
	struct walk *w = kt_new_walk();

	(void)state;
	bi_walk(w, BI_APPROVED, true);
	assert_non_null(wf_part_get(&w->c, "interest"));
	kt_assert_str(wf_outcome_get(&w->c, "hr_assessment"), "approve_with_conditions");
	kt_assert_str(wf_outcome_get(&w->c, "psd_check"), "no_concern");
	kt_assert_str(wf_outcome_get(&w->c, "decision"), "approved_with_conditions");
	assert_int_equal(wf_part_get(&w->c, "conditions")->type, MSGPACK_OBJECT_ARRAY);
	kt_free_walk(w);
}

/* "approved_with_conditions (+ conditions)": required with it, refused without it. */
static void decided_conditions_only_with_approved_with_conditions(void **state)
{
	struct walk *w = kt_new_walk();

	(void)state;
	bi_walk_to(w, BI_AWAITING_DECISION);
	assert_int_equal(walk_try(w, EV_BI_DECIDED("approved_with_conditions", "")), -1);
	assert_proto_err(&w->err, PROTO_MISSING_FIELD, "conditions");
	assert_int_equal(walk_try(w, EV_BI_DECIDED("refused", ",'conditions':" BI_CONDS)), -1);
	assert_proto_err(&w->err, PROTO_INVALID_FIELD, "conditions");
	kt_free_walk(w);
}

/* "a refusal or conditions open bi_appeal_window": 10 working days from the decision; a
 * plain approval opens none. */
static void refusal_or_conditions_open_the_appeal_window_of_10_working_days(void **state)
{
	static const char *const opening[] = {EV_BI_REFUSED, EV_BI_CONDITIONS};
	struct walk *w = kt_new_walk();

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		bi_walk_to(w, BI_AWAITING_DECISION);
		walk_ok(w, "%s", opening[i]);
		/* Tuesday 10 February: ten working days on is Tuesday 24 February */
		kt_assert_dl(w, DL_BI_APPEAL_WINDOW, DLS_OPEN, T0, T0 + 14 * MS_DAY);
		assert_int_equal(w->p.due[DL_BI_APPEAL_WINDOW].unit, DUR_WD);
		assert_int_equal(w->p.due[DL_BI_APPEAL_WINDOW].n, 10);
	}
	bi_walk_to(w, BI_AWAITING_DECISION);
	walk_ok(w, EV_BI_APPROVED);
	assert_null(walk_dl(w, DL_BI_APPEAL_WINDOW));
	kt_free_walk(w);
}

/* An approval without conditions has nothing to appeal. */
static void appeal_of_a_plain_approval_is_invalid_transition(void **state)
{
	struct walk *w = kt_new_walk();

	(void)state;
	bi_walk_to(w, BI_APPROVED);
	assert_int_equal(walk_try(w, EV_BI_APPEALED), -1);
	assert_proto_err(&w->err, PROTO_INVALID_TRANSITION, "without conditions has no appeal");
	kt_free_walk(w);
}

/* The appeal is the case's subject's, within the window (by its `at`), and meets it. */
static void appeal_after_10_working_days_is_window_closed(void **state)
{
	struct walk *w = kt_new_walk();

	(void)state;
	w->now = T0;
	bi_walk_to(w, BI_REFUSED);
	assert_int_equal(walk_try(w, "{'type':'business_interest.appealed','actor':{'id':'S999',"
				     "'role':'subject'},'body':{'grounds':'g'}}"),
			 -1);
	assert_proto_err(&w->err, PROTO_FORBIDDEN, "actor.id");
	/* dated a minute after the window closed, received before the worker fired it */
	w->now = T0 + 14 * MS_DAY + 2 * MS_MINUTE;
	assert_int_equal(walk_try(w,
				  "{'type':'business_interest.appealed'," EV_SUBJ
				  ",'at':%llu,'body':{'grounds':'g'}}",
				  (unsigned long long)(T0 + 14 * MS_DAY + MS_MINUTE)),
			 -1);
	assert_proto_err(&w->err, PROTO_WINDOW_CLOSED, "appeal window closed");
	/* on its last minute: heard, and the window is met */
	walk_ok(
	    w, "{'type':'business_interest.appealed'," EV_SUBJ ",'at':%llu,'body':{'grounds':'g'}}",
	    (unsigned long long)(T0 + 14 * MS_DAY));
	assert_string_equal(bi_state(w->c.state), "under_appeal");
	assert_int_equal(walk_dl(w, DL_BI_APPEAL_WINDOW)->status, DLS_MET);
	kt_free_walk(w);
}

/* "When bi_appeal_window closes without an appeal, a refused case closes (reason refused)". */
static void refusal_unappealed_closes_when_the_window_closes_reason_refused(void **state)
{
	struct walk *w = kt_new_walk();

	(void)state;
	w->now = T0;
	bi_walk_to(w, BI_REFUSED);
	w->now = T0 + 14 * MS_DAY;
	assert_int_equal(walk_fire(w, DL_BI_APPEAL_WINDOW), 1);
	assert_string_equal(bi_state(w->c.state), "closed");
	kt_assert_str(w->c.closed_reason, "refused");
	assert_int_equal(walk_count(w, "case.closed"), 1);
	assert_non_null(note_to(walk_note(w, "appeal.window_closed", 0), ROLE_SUBJECT));
	assert_int_equal(walk_dl(w, DL_BI_APPEAL_WINDOW)->status, DLS_MET);
	assert_true(wf_dl_live(walk_dl(w, DL_RETENTION)));
	/* and no appeal after it */
	assert_int_equal(walk_try(w, EV_BI_APPEALED), -1);
	assert_proto_err(&w->err, PROTO_INVALID_TRANSITION, "closed");
	kt_free_walk(w);
}

/* "... an approved one stays approved": an appeal dated in time is still heard after. */
static void conditions_unappealed_stay_approved_when_the_window_closes(void **state)
{
	struct walk *w = kt_new_walk();

	(void)state;
	w->now = T0;
	bi_walk(w, BI_APPROVED, true);
	w->now = T0 + 14 * MS_DAY;
	assert_int_equal(walk_fire(w, DL_BI_APPEAL_WINDOW), 1);
	assert_string_equal(bi_state(w->c.state), "approved");
	assert_int_equal(walk_count(w, "appeal.window_closed"), 1);
	assert_true(wf_dl_live(kt_live(w, DL_BI_ANNUAL_REVIEW)));
	w->now = T0 + 15 * MS_DAY;
	assert_int_equal(walk_try(w, EV_BI_APPEALED), -1);
	assert_proto_err(&w->err, PROTO_WINDOW_CLOSED, "appeal window closed");
	walk_ok(
	    w, "{'type':'business_interest.appealed'," EV_SUBJ ",'at':%llu,'body':{'grounds':'g'}}",
	    (unsigned long long)(T0 + 13 * MS_DAY));
	assert_string_equal(bi_state(w->c.state), "under_appeal");
	kt_free_walk(w);
}

/* Upheld: approved, with the conditions given (or none); the annual review runs from then. */
static void appeal_upheld_approves_with_the_conditions_given(void **state)
{
	struct walk *w = kt_new_walk();

	(void)state;
	w->now = T0;
	bi_walk_to(w, BI_UNDER_APPEAL);
	w->now = T0 + 20 * MS_DAY;
	walk_ok(w, EV_BI_APPEAL_DECIDED("upheld", ",'conditions':" BI_CONDS2));
	assert_string_equal(bi_state(w->c.state), "approved");
	kt_assert_str(wf_outcome_get(&w->c, "appeal"), "upheld");
	assert_int_equal(wf_part_get(&w->c, "conditions")->type, MSGPACK_OBJECT_ARRAY);
	kt_assert_dl(w, DL_BI_ANNUAL_REVIEW, DLS_OPEN, T0 + 20 * MS_DAY,
		     kt_due_after(w, T0 + 20 * MS_DAY, (struct duration){12, DUR_MO}));
	/* against conditions, upheld with none: approved with none */
	w->now = T0;
	bi_walk(w, BI_UNDER_APPEAL, true);
	assert_null(wf_dl_find(&w->c, DL_BI_ANNUAL_REVIEW)); /* not reviewed under appeal */
	assert_int_equal(walk_dl(w, DL_BI_ANNUAL_REVIEW)->status, DLS_CANCELLED);
	walk_ok(w, EV_BI_APPEAL_DECIDED("upheld", ""));
	assert_string_equal(bi_state(w->c.state), "approved");
	assert_int_equal(wf_part_get(&w->c, "conditions")->type, MSGPACK_OBJECT_NIL);
	/* conditions only with upheld */
	bi_walk_to(w, BI_UNDER_APPEAL);
	assert_int_equal(walk_try(w, EV_BI_APPEAL_DECIDED("dismissed", ",'conditions':" BI_CONDS)),
			 -1);
	assert_proto_err(&w->err, PROTO_INVALID_FIELD, "conditions");
	kt_free_walk(w);
}

/* Dismissed: back to the decided state, and "no further appeal". */
static void appeal_dismissed_returns_to_the_decision_with_no_further_appeal(void **state)
{
	struct walk *w = kt_new_walk();

	(void)state;
	w->now = T0;
	bi_walk_to(w, BI_UNDER_APPEAL);
	walk_ok(w, EV_BI_APPEAL_DECIDED("dismissed", ""));
	assert_string_equal(bi_state(w->c.state), "refused");
	assert_null(wf_dl_find(&w->c, DL_BI_APPEAL_WINDOW));
	assert_int_equal(walk_try(w, EV_BI_APPEALED), -1);
	assert_proto_err(&w->err, PROTO_INVALID_TRANSITION, "no further appeal");
	bi_walk(w, BI_UNDER_APPEAL, true);
	walk_ok(w, EV_BI_APPEAL_DECIDED("dismissed", ""));
	assert_string_equal(bi_state(w->c.state), "approved");
	assert_int_equal(wf_part_get(&w->c, "conditions")->type, MSGPACK_OBJECT_ARRAY);
	assert_true(wf_dl_live(kt_live(w, DL_BI_ANNUAL_REVIEW)));
	assert_int_equal(walk_try(w, EV_BI_APPEALED), -1);
	assert_proto_err(&w->err, PROTO_INVALID_TRANSITION, "no further appeal");
	kt_free_walk(w);
}

/* "approved (next annual review) / closed": the review meets this year's and opens next. */
static void annual_review_opens_the_next_and_withdrawal_closes(void **state)
{
	struct walk *w = kt_new_walk();
	uint64_t t1;

	(void)state;
	w->now = T0;
	bi_walk(w, BI_APPROVED, true);
	t1 = kt_live(w, DL_BI_ANNUAL_REVIEW)->due_at;
	w->now = t1 - MS_DAY;
	walk_ok(w, EV_BI_REVIEWED("conditions_varied", ",'conditions':" BI_CONDS2));
	assert_string_equal(bi_state(w->c.state), "approved");
	kt_assert_str(wf_outcome_get(&w->c, "review"), "conditions_varied");
	kt_assert_dl(w, DL_BI_ANNUAL_REVIEW, DLS_OPEN, t1 - MS_DAY,
		     kt_due_after(w, t1 - MS_DAY, (struct duration){12, DUR_MO}));
	assert_int_equal(walk_try(w, EV_BI_REVIEWED("conditions_varied", "")), -1);
	assert_proto_err(&w->err, PROTO_MISSING_FIELD, "conditions");
	walk_ok(w, EV_BI_REVIEWED("withdrawn", ""));
	assert_string_equal(bi_state(w->c.state), "closed");
	kt_assert_str(w->c.closed_reason, "approval_withdrawn");
	kt_free_walk(w);
}

/* reg 7(1): a breach of an approval is a misconduct referral, to PSD. */
static void breach_reported_is_a_misconduct_referral(void **state)
{
	struct walk *w = kt_new_walk();

	(void)state;
	bi_walk_to(w, BI_APPROVED);
	walk_ok(w, EV_BI_BREACH);
	assert_int_equal(walk_count(w, "misconduct.referral"), 1);
	assert_non_null(note_to(walk_note(w, "misconduct.referral", 0), ROLE_PSD));
	assert_null(note_to(walk_note(w, "misconduct.referral", 0), ROLE_SUBJECT));
	assert_int_equal(walk_try(w, "{'type':'breach.reported'," EV_PSD ",'body':{}}"), -1);
	assert_proto_err(&w->err, PROTO_MISSING_FIELD, "details");
	kt_free_walk(w);
}

/* The interest ended: closed, reason ended; the subject's own, or HR's. */
static void ended_closes_reason_ended(void **state)
{
	struct walk *w = kt_new_walk();

	(void)state;
	bi_walk_to(w, BI_REFUSED);
	assert_int_equal(walk_try(w, "{'type':'business_interest.ended','actor':{'id':'S999',"
				     "'role':'subject'},'body':{'ended_on':'2026-06-01'}}"),
			 -1);
	assert_proto_err(&w->err, PROTO_FORBIDDEN, "actor.id");
	walk_ok(w, EV_BI_ENDED);
	kt_assert_str(w->c.closed_reason, "ended");
	kt_free_walk(w);
}

/* case.closed takes the common reasons and BI's own; not NA's association_ceased. */
static void case_closed_reasons_are_the_common_ones_and_bi_s_own(void **state)
{
	static const char *const ok[] = {
	    "no_further_action", "withdrawn",          "subject_left", "other",
	    "refused",           "approval_withdrawn", "ended"};
	struct walk *w = kt_new_walk();

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		bi_walk_to(w, BI_AWAITING_DECISION);
		walk_ok(w, "{'type':'case.closed'," EV_PSD ",'body':{'reason':'%s'}}", ok[i]);
		kt_assert_str(w->c.closed_reason, ok[i]);
	}
	bi_walk_to(w, BI_AWAITING_DECISION);
	assert_int_equal(
	    walk_try(w, "{'type':'case.closed'," EV_PSD ",'body':{'reason':'association_ceased'}}"),
	    -1);
	assert_proto_err(&w->err, PROTO_INVALID_FIELD, "reason");
	/* and an NA case does not take BI's */
	walk_reset(w, w->now);
	walk_ok(w, EV_DECL);
	assert_int_equal(
	    walk_try(w, "{'type':'case.closed'," EV_PSD ",'body':{'reason':'refused'}}"), -1);
	assert_proto_err(&w->err, PROTO_INVALID_FIELD, "reason");
	kt_free_walk(w);
}

/* Another kind's types on a BI case are invalid_transition naming BI and the state. */
static void other_kinds_types_on_a_bi_case_are_invalid_transition_naming_bi(void **state)
{
	static const char *const events[] = {
	    EV_MANAGER_REVIEWED,
	    EV_APPEALED, /* NA's appeal.lodged */
	    "{'type':'gift.approved'," EV_LM ",'body':{}}",
	    "{'type':'action.completed'," EV_LM ",'body':{}}",
	};
	struct walk *w = kt_new_walk();

	(void)state;
	for (int s = BI_AWAITING_HR_ASSESSMENT; s <= BI_CLOSED; s++)
		for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
			bi_walk_to(w, s);
			assert_int_equal(walk_try(w, "%s", events[i]), -1);
			assert_proto_err(&w->err, PROTO_INVALID_TRANSITION, "BI");
			assert_contains(w->err.message, bi_state(s));
		}
	kt_free_walk(w);
}

/* ---- deadlines --------------------------------------------------------------------------- */

/* REGISTERS.md "Deadlines" of BI; the appeal window is last (a window, not a breach). */
static const struct kt_deadline bi_deadlines[] = {
    {.kind = DL_HR_ASSESSMENT,
     .state = BI_AWAITING_HR_ASSESSMENT,
     .dflt = {14 * MS_DAY, DUR_MS},
     .owner = ROLE_HR,
     .due = T0 + 14 * MS_DAY,
     .n_reminders = 2,
     .leave = EV_HR_ASSESSED},
    {.kind = DL_PSD_CHECK,
     .state = BI_AWAITING_PSD_CHECK,
     .dflt = {14 * MS_DAY, DUR_MS},
     .owner = ROLE_PSD,
     .due = T0 + 14 * MS_DAY,
     .n_reminders = 2,
     .leave = EV_PSD_CHECKED},
    {.kind = DL_BI_DECISION,
     .state = BI_AWAITING_DECISION,
     .dflt = {28 * MS_DAY, DUR_MS},
     .owner = ROLE_AA,
     .due = T0 + 28 * MS_DAY,
     .n_reminders = 2,
     .leave = EV_BI_APPROVED},
    {.kind = DL_BI_APPEAL_DECISION,
     .state = BI_UNDER_APPEAL,
     .dflt = {28 * MS_DAY, DUR_MS},
     .owner = ROLE_HEAD_OF_PSD,
     .due = T0 + 28 * MS_DAY,
     .n_reminders = 2,
     .leave = EV_BI_APPEAL_DECIDED("upheld", "")},
    /* 2026-02-10 to 2027-02-10 */
    {.kind = DL_BI_ANNUAL_REVIEW,
     .state = BI_APPROVED,
     .dflt = {12, DUR_MO},
     .owner = ROLE_HR,
     .due = T0 + 365 * MS_DAY,
     .n_reminders = 2,
     .leave = EV_BI_REVIEWED("withdrawn", "")},
    /* opened by the refusal: ten working days, to Tuesday 24 February */
    {.kind = DL_BI_APPEAL_WINDOW,
     .state = BI_REFUSED,
     .dflt = {10, DUR_WD},
     .owner = ROLE_SUBJECT,
     .owner_id = "S100",
     .due = T0 + 14 * MS_DAY,
     .n_reminders = 2,
     .leave = EV_BI_APPEALED},
};
#define N_BI_DEADLINES  (sizeof(bi_deadlines) / sizeof(bi_deadlines[0]))
#define N_BI_BREACHABLE (N_BI_DEADLINES - 1) /* all but the window */

static void every_bi_deadline_opens_with_its_default_and_owner(void **state)
{
	struct walk *w = kt_new_walk();

	(void)state;
	for (size_t i = 0; i < N_BI_DEADLINES; i++) {
		w->now = T0;
		kt_assert_dl_opens(&bi_kind, w, &bi_deadlines[i], T0);
	}
	kt_free_walk(w);
}

static void every_bi_deadline_is_reminded_breached_and_escalated(void **state)
{
	struct walk *w = kt_new_walk();

	(void)state;
	for (size_t i = 0; i < N_BI_BREACHABLE; i++) {
		const struct kt_deadline *k = &bi_deadlines[i];
		const struct wf_deadline *d;
		uint64_t t;

		w->now = T0;
		bi_walk_to(w, k->state);
		d = kt_live(w, k->kind);
		w->now = T0 + 1;
		assert_int_equal(walk_fire(w, k->kind), 0);
		assert_int_equal(kt_fire_reminders(w, d, k, &t), k->n_reminders);
		kt_assert_dl_breached(w, d, k);
		kt_assert_dl_escalated(w, k);
	}
	kt_free_walk(w);
}

/* The window is reminded to the subject, then closes at its due time: never a breach. */
static void bi_appeal_window_is_reminded_then_closes_never_breached(void **state)
{
	const struct kt_deadline *k = &bi_deadlines[N_BI_DEADLINES - 1];
	struct walk *w = kt_new_walk();
	const struct wf_deadline *d;
	uint64_t t;

	(void)state;
	w->now = T0;
	bi_walk_to(w, BI_REFUSED);
	d = kt_live(w, k->kind);
	assert_int_equal(kt_fire_reminders(w, d, k, &t), k->n_reminders);
	assert_int_equal(t, k->due);
	w->now = k->due;
	assert_int_equal(walk_fire(w, k->kind), 1);
	assert_int_equal(walk_count(w, "deadline.breached"), 0);
	assert_int_equal(walk_dl(w, k->kind)->status, DLS_MET);
	w->now = k->due + 7 * MS_DAY;
	assert_int_equal(walk_fire(w, k->kind), 0);
	kt_free_walk(w);
}

/* Met by the event that moves the case on (the window by the appeal, named for it). */
static void every_bi_deadline_is_met_on_leaving_its_state(void **state)
{
	struct walk *w = kt_new_walk();

	(void)state;
	for (size_t i = 0; i < N_BI_DEADLINES; i++)
		kt_assert_dl_met_on_leaving(&bi_kind, w, T0, bi_deadlines[i].state,
					    bi_deadlines[i].kind, bi_deadlines[i].leave);
	kt_free_walk(w);
}

/* Closing ends every BI deadline: none is live after, nothing of them fires. */
static void case_closed_cancels_every_bi_deadline(void **state)
{
	struct walk *w = kt_new_walk();

	(void)state;
	for (size_t i = 0; i < N_BI_DEADLINES; i++) {
		const struct kt_deadline *k = &bi_deadlines[i];

		w->now = T0;
		bi_walk_to(w, k->state);
		kt_live(w, k->kind);
		w->now = T0 + MS_HOUR;
		walk_ok(w,
			"{'type':'case.closed'," EV_PSD ",'body':{'reason':'no_further_action'}}");
		assert_string_equal(bi_state(w->c.state), "closed");
		/* the window, opened by an event, is cancelled; one bound to the state the case
		 * leaves is met by leaving it, as on every kind (engine/wf.c transition) */
		assert_int_equal(walk_dl(w, k->kind)->status,
				 k->kind == DL_BI_APPEAL_WINDOW ? DLS_CANCELLED : DLS_MET);
		assert_int_equal(walk_dl(w, k->kind)->done_at, T0 + MS_HOUR);
		for (size_t j = 0; j < N_BI_DEADLINES; j++)
			assert_null(wf_dl_find(&w->c, bi_deadlines[j].kind));
		assert_true(wf_dl_live(walk_dl(w, DL_RETENTION)));
		w->now = T0 + 400 * MS_DAY;
		for (size_t j = 0; j < N_BI_DEADLINES; j++)
			assert_int_equal(walk_fire(w, bi_deadlines[j].kind), 0);
	}
	kt_free_walk(w);
}

/* [retention] BI is the kind's own. */
static void retention_bi_is_the_kind_s_own(void **state)
{
	struct walk *w = kt_new_walk();

	(void)state;
	walk_reload(w, "[retention]\nclosed_case = 6y\nBI = 2y\n");
	w->now = T0;
	bi_walk_to(w, BI_CLOSED);
	kt_assert_dl(w, DL_RETENTION, DLS_OPEN, T0,
		     kt_due_after(w, T0, (struct duration){2, DUR_Y}));
	kt_free_walk(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(row_business_interest_applied_awaits_hr_assessment),
	    cmocka_unit_test(row_hr_assessed_awaits_psd_check),
	    cmocka_unit_test(row_psd_checked_awaits_decision),
	    cmocka_unit_test(row_reg8_decided_approved),
	    cmocka_unit_test(row_reg8_decided_approved_with_conditions),
	    cmocka_unit_test(row_reg8_decided_refused),
	    cmocka_unit_test(row_reg9_appealed_goes_under_appeal),
	    cmocka_unit_test(row_reg9_appeal_upheld_approves),
	    cmocka_unit_test(row_reg9_appeal_dismissed_back_to_refused),
	    cmocka_unit_test(row_reg9_appeal_dismissed_back_to_approved_with_conditions),
	    cmocka_unit_test(row_reg7_breach_reported_in_approved),
	    cmocka_unit_test(row_annual_review_continue_stays_approved),
	    cmocka_unit_test(row_annual_review_conditions_varied_stays_approved),
	    cmocka_unit_test(row_annual_review_withdrawn_closes),
	    cmocka_unit_test(row_business_interest_ended_closes),
	    cmocka_unit_test(row_case_closed_common_any_open_state),
	    cmocka_unit_test(row_subject_updated_common_any_open_state),
	    cmocka_unit_test(row_deadline_extended_common_with_that_deadline_open),
	    cmocka_unit_test(applied_by_another_subject_is_forbidden),
	    cmocka_unit_test(each_step_is_recorded_in_the_case),
	    cmocka_unit_test(decided_conditions_only_with_approved_with_conditions),
	    cmocka_unit_test(refusal_or_conditions_open_the_appeal_window_of_10_working_days),
	    cmocka_unit_test(appeal_of_a_plain_approval_is_invalid_transition),
	    cmocka_unit_test(appeal_after_10_working_days_is_window_closed),
	    cmocka_unit_test(refusal_unappealed_closes_when_the_window_closes_reason_refused),
	    cmocka_unit_test(conditions_unappealed_stay_approved_when_the_window_closes),
	    cmocka_unit_test(appeal_upheld_approves_with_the_conditions_given),
	    cmocka_unit_test(appeal_dismissed_returns_to_the_decision_with_no_further_appeal),
	    cmocka_unit_test(annual_review_opens_the_next_and_withdrawal_closes),
	    cmocka_unit_test(breach_reported_is_a_misconduct_referral),
	    cmocka_unit_test(ended_closes_reason_ended),
	    cmocka_unit_test(case_closed_reasons_are_the_common_ones_and_bi_s_own),
	    cmocka_unit_test(other_kinds_types_on_a_bi_case_are_invalid_transition_naming_bi),
	    cmocka_unit_test(every_bi_deadline_opens_with_its_default_and_owner),
	    cmocka_unit_test(every_bi_deadline_is_reminded_breached_and_escalated),
	    cmocka_unit_test(bi_appeal_window_is_reminded_then_closes_never_breached),
	    cmocka_unit_test(every_bi_deadline_is_met_on_leaving_its_state),
	    cmocka_unit_test(case_closed_cancels_every_bi_deadline),
	    cmocka_unit_test(retention_bi_is_the_kind_s_own),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
