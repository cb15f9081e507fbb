/* kinds/cr: REGISTERS.md "Corruption reports (CR)" (P01b 3.6, 3.3, 3.5), row by row (roles,
 * states, where it goes, what it records), its deadlines and side effects, and the common
 * rules of REGISTERS.md's top as a CR case meets them (an NA type or body on a CR case, NA's
 * own closing reason). Events are JSON decoded by proto; the clock is injected; the policy is
 * the config's defaults. The walks of evjson.h are NA's: the CR walk here drives the same
 * struct walk with a CR reference. */
#include "dtest.h"

#include <stdio.h>
#include <string.h>

#include "evjson.h"
#include "kindtest.h"
#include "case/wfdeadline.h"
#include "engine/wf.h"
#include "policy/wfstate.h"

#define T0     NOW_MS            /* 2026-02-10T00:00:00Z, a Tuesday */
#define T_FRI  (T0 + 3 * MS_DAY) /* 2026-02-13, a Friday */
#define CR_REF "CR-2026-000001"
#define SAME   KT_SAME
#define S(x)   WF_BIT(CR_##x)
#define R(x)   ROLE_BIT(ROLE_##x)
#define OPEN                                                                                       \
	(S(AWAITING_CONSULTATION) | S(AWAITING_ASSESSMENT) | S(UNDER_DEVELOPMENT) |                \
	 S(UNDER_INVESTIGATION))
#define ULL(x) ((unsigned long long)(x))

/* ---- CR events ---------------------------------------------------------------------------- */

#define CR_GRADING "{'source':'untested','information':'C','handling':'P'}"
#define CR_BODY_WITH(allegation, extra)                                                            \
	"{'subject':{'id':'S100','line_manager':'LM1'},'allegation':[" allegation "],"             \
	"'circumstances':'seen taking cash'" extra "}"
#define CR_BODY         CR_BODY_WITH("'theft_fraud'", "")
#define CR_ANON_BODY    CR_BODY_WITH("'theft_fraud'", ",'anonymous':true")
#define EV_REPORTER     "'actor':{'id':'X1','role':'reporter'}"
#define EV_CR_BY(actor) "{'type':'corruption.reported'," actor ",'body':" CR_BODY "}"
#define EV_CONSULTED    "{'type':'consultation.recorded'," EV_PSD ",'body':{'response':'agreed'}}"
#define EV_CR_ASSESSED(outcome, extra)                                                             \
	"{'type':'assessment.recorded'," EV_PSD ",'body':{'grading':" CR_GRADING                   \
	",'outcome':'" outcome "'" extra "}}"
#define EV_REVIEWED(outcome)                                                                       \
	"{'type':'development.reviewed'," EV_PSD ",'body':{'outcome':'" outcome "'}}"
#define EV_CONCLUDED(outcome)                                                                      \
	"{'type':'investigation.concluded'," EV_AA ",'body':{'outcome':'" outcome                  \
	"','reasons':'r'}}"
#define EV_IOPC_REFERRED "{'type':'iopc.referred'," EV_AA ",'body':{'reference':'IOPC/1'}}"
#define MANDATORY        ",'mandatory_referral':true"

static const char *cr_state(int s)
{
	return wf_kind_state_name(KIND_CR, s);
}

/* A new CR case (state none), its reference CR-. */
static void cr_reset(struct walk *w)
{
	walk_reset(w, w->now);
	snprintf(w->c.ref, sizeof(w->c.ref), "%s", CR_REF);
}

/* A new CR case walked to state s at the clock: the manager's report (awaiting_consultation),
 * PSD's consultation (awaiting_assessment), then assessed intelligence_development
 * (under_development) or investigation (under_investigation; with iopc, a mandatory referral
 * that opens iopc_referral); closed by case.closed, from under_investigation with iopc, else
 * right after the report. */
static void cr_walk_to(struct walk *w, int s, bool iopc)
{
	cr_reset(w);
	if (s != CR_NONE)
		walk_ok(w, EV_CR_BY(EV_LM));
	if (s == CR_CLOSED && !iopc) {
		walk_ok(w, EV_CLOSED_BY_PSD);
	} else if (s != CR_NONE && s != CR_AWAITING_CONSULTATION) {
		walk_ok(w, EV_CONSULTED);
		if (s == CR_UNDER_DEVELOPMENT)
			walk_ok(w, EV_CR_ASSESSED("intelligence_development", ""));
		if (s == CR_UNDER_INVESTIGATION || s == CR_CLOSED) {
			if (iopc)
				walk_ok(w, EV_CR_ASSESSED("investigation", MANDATORY));
			else
				walk_ok(w, EV_CR_ASSESSED("investigation", ""));
		}
		if (s == CR_CLOSED)
			walk_ok(w, EV_CLOSED_BY_PSD);
	}
	assert_int_equal(w->c.kind, s == CR_NONE ? KIND_NONE : KIND_CR);
	assert_string_equal(cr_state(w->c.state), cr_state(s));
}

static const struct kt_kind cr_kind = {KIND_CR, CR_STATE_COUNT, cr_state, cr_walk_to};

/* ---- one row of the events table ------------------------------------------------------------ */

/* A row (struct kt_row): by_manager, when not 0, is where a line manager's goes instead (P01b
 * 3.6.2); iopc walks with iopc_referral open in under_investigation. */
#define ROW_TEST(name, type_, body_, roles_, states_, next_, by_manager_, iopc_)                   \
	KT_ROW_TEST(name, &cr_kind, .type = type_, .body = body_, .roles = roles_,                 \
		    .states = states_, .next = next_, .by_manager = by_manager_, .alt = iopc_)

/* 3.6.1 (the manager, or PSD directly), 3.6.2 (the manager "must consult PSD"). On an open
 * case psd and reporter hear invalid_transition naming the state, not forbidden: the row of
 * their role answers (engine/wf.c find_rule; this test found that it did not). */
ROW_TEST(row_corruption_reported_p01b_3_6_1_manager_consults_others_to_assessment,
	 "corruption.reported", CR_BODY, R(REPORTER) | R(LINE_MANAGER) | R(PSD), S(NONE),
	 CR_AWAITING_ASSESSMENT, CR_AWAITING_CONSULTATION, false)
/* 3.5.1: the anonymous PSD email, no actor */
ROW_TEST(row_corruption_reported_anonymous_p01b_3_5_1, "corruption.reported", CR_ANON_BODY, R(NONE),
	 S(NONE), CR_AWAITING_ASSESSMENT, 0, false)
/* 3.6.2 "must consult PSD" */
ROW_TEST(row_consultation_recorded_p01b_3_6_2_must_consult_psd, "consultation.recorded",
	 "{'response':'agreed'}", R(PSD), S(AWAITING_CONSULTATION), CR_AWAITING_ASSESSMENT, 0,
	 false)
/* 3.2 intelligence, prevention, detection */
ROW_TEST(row_assessment_recorded_no_further_action_p01b_3_2, "assessment.recorded",
	 "{'grading':" CR_GRADING ",'outcome':'no_further_action'}", R(PSD), S(AWAITING_ASSESSMENT),
	 CR_CLOSED, 0, false)
ROW_TEST(row_assessment_recorded_intelligence_development_p01b_3_2, "assessment.recorded",
	 "{'grading':" CR_GRADING ",'outcome':'intelligence_development','notes':'n'}", R(PSD),
	 S(AWAITING_ASSESSMENT), CR_UNDER_DEVELOPMENT, 0, false)
ROW_TEST(row_assessment_recorded_investigation_p01b_3_2, "assessment.recorded",
	 "{'grading':" CR_GRADING ",'outcome':'investigation'}", R(PSD), S(AWAITING_ASSESSMENT),
	 CR_UNDER_INVESTIGATION, 0, false)
ROW_TEST(row_assessment_recorded_investigation_mandatory_referral_p01b_3_2, "assessment.recorded",
	 "{'grading':" CR_GRADING ",'outcome':'investigation','mandatory_referral':true}", R(PSD),
	 S(AWAITING_ASSESSMENT), CR_UNDER_INVESTIGATION, 0, false)
/* intelligence under development, reviewed: continue (the review opens again) */
ROW_TEST(row_development_reviewed_continue_p01b_3_2, "development.reviewed",
	 "{'outcome':'continue','grading':" CR_GRADING "}", R(PSD), S(UNDER_DEVELOPMENT),
	 CR_UNDER_DEVELOPMENT, 0, false)
ROW_TEST(row_development_reviewed_investigation_p01b_3_2, "development.reviewed",
	 "{'outcome':'investigation'}", R(PSD), S(UNDER_DEVELOPMENT), CR_UNDER_INVESTIGATION, 0,
	 false)
ROW_TEST(row_development_reviewed_no_further_action_p01b_3_2, "development.reviewed",
	 "{'outcome':'no_further_action'}", R(PSD), S(UNDER_DEVELOPMENT), CR_CLOSED, 0, false)
/* Police (Complaints and Misconduct) Regulations 2020 reg 7(1)(c): any open state with
 * iopc_referral open (the walk's under_investigation, by a mandatory referral) */
ROW_TEST(row_iopc_referred_reg_7_1_c_serious_corruption_is_referred, "iopc.referred",
	 "{'reference':'IOPC/2026/1'}", R(AA) | R(PSD), S(UNDER_INVESTIGATION), SAME, 0, true)
ROW_TEST(row_investigation_concluded_no_case_to_answer, "investigation.concluded",
	 "{'outcome':'no_case_to_answer','reasons':'r'}", R(AA), S(UNDER_INVESTIGATION), CR_CLOSED,
	 0, false)
ROW_TEST(row_investigation_concluded_misconduct, "investigation.concluded",
	 "{'outcome':'misconduct','reasons':'r'}", R(AA), S(UNDER_INVESTIGATION), CR_CLOSED, 0,
	 false)
ROW_TEST(row_investigation_concluded_gross_misconduct, "investigation.concluded",
	 "{'outcome':'gross_misconduct','reasons':'r'}", R(AA), S(UNDER_INVESTIGATION), CR_CLOSED,
	 0, false)
ROW_TEST(row_investigation_concluded_criminal, "investigation.concluded",
	 "{'outcome':'criminal','reasons':'r'}", R(AA), S(UNDER_INVESTIGATION), CR_CLOSED, 0, false)
/* REGISTERS.md "Common to every kind" */
ROW_TEST(row_case_closed_common_any_open_state, "case.closed", "{'reason':'other'}", R(PSD), OPEN,
	 CR_CLOSED, 0, false)
ROW_TEST(row_subject_updated_common_any_open_state, "subject.updated",
	 "{'subject':{'line_manager':'LM2'}}", R(PSD), OPEN, SAME, 0, false)
ROW_TEST(row_deadline_extended_common_with_that_deadline_open, "deadline.extended",
	 "{'kind':'cr_assessment','due_at':1900000000000,'reason':'r'}",
	 R(PSD) | R(AA) | R(HEAD_OF_PSD), S(AWAITING_ASSESSMENT), SAME, 0, false)

/* ---- what each row does -----------------------------------------------------------------------
 */

/* 3.6.1, 3.6.2: a manager told of it "must consult PSD": awaiting_consultation, with
 * psd_consultation (2 working days, psd); a referral, the allegation kept. */
static void p01b_3_6_2_managers_report_awaits_consultation_for_2_working_days(void **state)
{
	struct walk *w = kt_new_walk();
	const struct wf_note *n;

	(void)state;
	w->now = T_FRI;
	cr_reset(w);
	walk_ok(w, EV_CR_BY(EV_LM));
	assert_int_equal(w->c.kind, KIND_CR);
	assert_string_equal(cr_state(w->c.state), "awaiting_consultation");
	assert_int_equal(w->c.origin, ORIGIN_REFERRAL);
	assert_int_equal(w->c.opened_at, T_FRI);
	kt_assert_str(w->c.subject_id, "S100");
	assert_non_null(wf_part_get(&w->c, "allegation"));
	/* Friday + 2 working days: Tuesday */
	kt_assert_dl(w, DL_PSD_CONSULTATION, DLS_OPEN, T_FRI, T_FRI + 4 * MS_DAY);
	assert_int_equal(policy_dl_rule(DL_PSD_CONSULTATION)->owner, ROLE_PSD);
	assert_null(walk_dl(w, DL_CR_ASSESSMENT));
	assert_non_null(n = walk_note(w, "case.opened", 0));
	assert_string_equal(cr_state(n->state), "awaiting_consultation");
	assert_non_null(note_to(n, ROLE_PSD));
	kt_free_walk(w);
}

/* 3.6.1: or to PSD directly (a reporter, or PSD itself): straight to assessment. */
static void p01b_3_6_1_report_to_psd_directly_awaits_assessment_28_days(void **state)
{
	static const char *const actors[] = {EV_REPORTER, EV_PSD};
	struct walk *w = kt_new_walk();

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		cr_reset(w);
		walk_ok(w, "{'type':'corruption.reported',%s,'body':" CR_BODY "}", actors[i]);
		assert_string_equal(cr_state(w->c.state), "awaiting_assessment");
		assert_int_equal(w->c.origin, ORIGIN_REFERRAL);
		kt_assert_dl(w, DL_CR_ASSESSMENT, DLS_OPEN, T0, T0 + 28 * MS_DAY);
		assert_null(walk_dl(w, DL_PSD_CONSULTATION));
	}
	kt_free_walk(w);
}

/* 3.5.1: the anonymous PSD email has no actor; with one, proto refuses it. */
static void p01b_3_5_1_anonymous_report_has_origin_anonymous(void **state)
{
	struct walk *w = kt_new_walk();

	(void)state;
	cr_reset(w);
	walk_ok(w, "{'type':'corruption.reported','body':" CR_ANON_BODY "}");
	assert_int_equal(w->c.kind, KIND_CR);
	assert_int_equal(w->c.origin, ORIGIN_ANONYMOUS);
	assert_string_equal(cr_state(w->c.state), "awaiting_assessment");
	kt_assert_dl(w, DL_CR_ASSESSMENT, DLS_OPEN, T0, T0 + 28 * MS_DAY);
	assert_null(walk_dl(w, DL_PSD_CONSULTATION));

	cr_reset(w);
	assert_int_equal(
	    walk_try(w, "{'type':'corruption.reported'," EV_LM ",'body':" CR_ANON_BODY "}"), -1);
	assert_proto_err(&w->err, PROTO_INVALID_FIELD, "actor");
	/* and without the flag, no actor is missing_field */
	cr_reset(w);
	assert_int_equal(walk_try(w, "{'type':'corruption.reported','body':" CR_BODY "}"), -1);
	assert_proto_err(&w->err, PROTO_MISSING_FIELD, "actor");
	kt_free_walk(w);
}

/* 3.6.2: the consultation meets psd_consultation and opens cr_assessment (28d, psd). */
static void p01b_3_6_2_consultation_meets_psd_consultation_and_opens_assessment(void **state)
{
	struct walk *w = kt_new_walk();
	uint64_t t1 = T0 + MS_HOUR;

	(void)state;
	cr_walk_to(w, CR_AWAITING_CONSULTATION, false);
	w->now = t1;
	walk_ok(w, EV_CONSULTED);
	assert_string_equal(cr_state(w->c.state), "awaiting_assessment");
	assert_int_equal(walk_dl(w, DL_PSD_CONSULTATION)->status, DLS_MET);
	assert_int_equal(walk_dl(w, DL_PSD_CONSULTATION)->done_at, t1);
	kt_assert_dl(w, DL_CR_ASSESSMENT, DLS_OPEN, t1, t1 + 28 * MS_DAY);
	assert_int_equal(policy_dl_rule(DL_CR_ASSESSMENT)->owner, ROLE_PSD);
	kt_free_walk(w);
}

/* 3.2: the three outcomes; the grading and the outcome are kept. */
static void p01b_3_2_assessment_outcomes(void **state)
{
	struct walk *w = kt_new_walk();
	uint64_t t1 = T0 + MS_HOUR;
	const struct wf_note *n;

	(void)state;
	cr_walk_to(w, CR_AWAITING_ASSESSMENT, false);
	w->now = t1;
	walk_ok(w, EV_CR_ASSESSED("no_further_action", ""));
	assert_string_equal(cr_state(w->c.state), "closed");
	kt_assert_str(w->c.closed_reason, "no_further_action");
	kt_assert_str(w->c.assessment, "no_further_action");
	assert_non_null(wf_part_get(&w->c, "grading"));
	assert_int_equal(walk_dl(w, DL_CR_ASSESSMENT)->status, DLS_MET);
	assert_non_null(n = walk_note(w, "case.closed", 0));
	kt_assert_str(n->outcome, "no_further_action");

	w->now = T0;
	cr_walk_to(w, CR_AWAITING_ASSESSMENT, false);
	w->now = t1;
	walk_ok(w, EV_CR_ASSESSED("intelligence_development", ""));
	assert_string_equal(cr_state(w->c.state), "under_development");
	kt_assert_str(w->c.assessment, "intelligence_development");
	assert_int_equal(walk_dl(w, DL_CR_ASSESSMENT)->status, DLS_MET);
	kt_assert_dl(w, DL_DEVELOPMENT_REVIEW, DLS_OPEN, t1,
		     kt_due_after(w, t1, w->p.due[DL_DEVELOPMENT_REVIEW]));

	w->now = T0;
	cr_walk_to(w, CR_AWAITING_ASSESSMENT, false);
	w->now = t1;
	walk_ok(w, EV_CR_ASSESSED("investigation", ""));
	assert_string_equal(cr_state(w->c.state), "under_investigation");
	kt_assert_str(w->c.assessment, "investigation");
	kt_assert_dl(w, DL_CR_INVESTIGATION, DLS_OPEN, t1,
		     kt_due_after(w, t1, w->p.due[DL_CR_INVESTIGATION]));
	/* no mandatory referral: no IOPC deadline, no note */
	assert_null(walk_dl(w, DL_IOPC_REFERRAL));
	assert_int_equal(walk_count(w, "iopc.referral_due"), 0);
	kt_free_walk(w);
}

/* "a CR assessment without grading is missing_field body.grading", checked before the role */
static void assessment_without_grading_is_missing_field_grading(void **state)
{
	struct walk *w = kt_new_walk();

	(void)state;
	cr_walk_to(w, CR_AWAITING_ASSESSMENT, false);
	assert_int_equal(walk_try(w, "{'type':'assessment.recorded'," EV_PSD
				     ",'body':{'outcome':'investigation'}}"),
			 -1);
	assert_proto_err(&w->err, PROTO_MISSING_FIELD, "body.grading");
	/* the kind's body before the actor's role */
	assert_int_equal(walk_try(w, "{'type':'assessment.recorded'," EV_SUBJ
				     ",'body':{'outcome':'investigation'}}"),
			 -1);
	assert_proto_err(&w->err, PROTO_MISSING_FIELD, "body.grading");
	assert_string_equal(cr_state(w->c.state), "awaiting_assessment");
	kt_free_walk(w);
}

/* NA's body (risk, NA's outcomes) is not CR's. */
static void na_assessment_body_on_a_cr_case_is_invalid_field(void **state)
{
	struct walk *w = kt_new_walk();

	(void)state;
	cr_walk_to(w, CR_AWAITING_ASSESSMENT, false);
	assert_int_equal(walk_try(w, "{'type':'assessment.recorded'," EV_PSD
				     ",'body':{'grading':" CR_GRADING
				     ",'outcome':'investigation','risk':'high'}}"),
			 -1);
	assert_proto_err(&w->err, PROTO_INVALID_FIELD, "body.risk");
	assert_int_equal(walk_try(w, "{'type':'assessment.recorded'," EV_PSD
				     ",'body':{'grading':" CR_GRADING ",'outcome':'interview'}}"),
			 -1);
	assert_proto_err(&w->err, PROTO_INVALID_FIELD, "body.outcome");
	assert_string_equal(cr_state(w->c.state), "awaiting_assessment");
	kt_free_walk(w);
}

/* "mandatory_referral? (only with investigation, else invalid_field)" */
static void mandatory_referral_only_with_investigation_else_invalid_field(void **state)
{
	static const char *const outcomes[] = {"no_further_action", "intelligence_development"};
	struct walk *w = kt_new_walk();

	(void)state;
	cr_walk_to(w, CR_AWAITING_ASSESSMENT, false);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(walk_try(w,
					  "{'type':'assessment.recorded'," EV_PSD
					  ",'body':{'grading':" CR_GRADING
					  ",'outcome':'%s','mandatory_referral':true}}",
					  outcomes[i]),
				 -1);
		assert_proto_err(&w->err, PROTO_INVALID_FIELD, "body.mandatory_referral");
		assert_int_equal(walk_try(w,
					  "{'type':'assessment.recorded'," EV_PSD
					  ",'body':{'grading':" CR_GRADING
					  ",'outcome':'%s','mandatory_referral':false}}",
					  outcomes[i]),
				 -1);
		assert_proto_err(&w->err, PROTO_INVALID_FIELD, "body.mandatory_referral");
	}
	assert_string_equal(cr_state(w->c.state), "awaiting_assessment");
	assert_null(walk_dl(w, DL_IOPC_REFERRAL));
	kt_free_walk(w);
}

/* "mandatory_referral -> iopc.referral_due to aa", and iopc_referral opens: 1 working day,
 * owner aa (Friday: due Monday). false is no referral. */
static void mandatory_referral_opens_iopc_referral_1_working_day_and_tells_aa(void **state)
{
	struct walk *w = kt_new_walk();
	const struct wf_note *n;

	(void)state;
	w->now = T_FRI;
	cr_walk_to(w, CR_AWAITING_ASSESSMENT, false);
	walk_ok(w, EV_CR_ASSESSED("investigation", MANDATORY));
	assert_string_equal(cr_state(w->c.state), "under_investigation");
	kt_assert_dl(w, DL_IOPC_REFERRAL, DLS_OPEN, T_FRI, T_FRI + 3 * MS_DAY);
	assert_int_equal(walk_dl(w, DL_IOPC_REFERRAL)->due_at,
			 kt_due_after(w, T_FRI, (struct duration){1, DUR_WD}));
	assert_int_equal(policy_dl_rule(DL_IOPC_REFERRAL)->owner, ROLE_AA);
	assert_int_equal(walk_count(w, "iopc.referral_due"), 1);
	assert_non_null(n = walk_note(w, "iopc.referral_due", 0));
	assert_non_null(note_to(n, ROLE_AA));
	/* the investigation runs beside it */
	kt_assert_dl(w, DL_CR_INVESTIGATION, DLS_OPEN, T_FRI,
		     kt_due_after(w, T_FRI, w->p.due[DL_CR_INVESTIGATION]));

	cr_walk_to(w, CR_AWAITING_ASSESSMENT, false);
	walk_ok(w, EV_CR_ASSESSED("investigation", ",'mandatory_referral':false"));
	assert_null(walk_dl(w, DL_IOPC_REFERRAL));
	assert_int_equal(walk_count(w, "iopc.referral_due"), 0);
	kt_free_walk(w);
}

/* development.reviewed continue: the review opens again, from the review's at. */
static void development_reviewed_continue_renews_development_review(void **state)
{
	struct walk *w = kt_new_walk();
	uint64_t t1 = T0 + 80 * MS_DAY;
	const struct wf_deadline *d;
	int met = 0;

	(void)state;
	cr_walk_to(w, CR_UNDER_DEVELOPMENT, false);
	kt_assert_dl(w, DL_DEVELOPMENT_REVIEW, DLS_OPEN, T0, T0 + 89 * MS_DAY); /* 3mo: 10 May */
	w->now = t1;
	walk_ok(w, EV_REVIEWED("continue"));
	assert_string_equal(cr_state(w->c.state), "under_development");
	d = kt_live(w, DL_DEVELOPMENT_REVIEW);
	assert_int_equal(d->start, t1);
	assert_int_equal(d->due_at, kt_due_after(w, t1, (struct duration){3, DUR_MO}));
	assert_true(d->due_at > T0 + 89 * MS_DAY);
	for (uint32_t i = 0; i < w->c.n_dl; i++)
		if (w->c.dl[i].kind == DL_DEVELOPMENT_REVIEW && w->c.dl[i].status == DLS_MET) {
			assert_int_equal(w->c.dl[i].start, T0);
			assert_int_equal(w->c.dl[i].done_at, t1);
			met++;
		}
	assert_int_equal(met, 1);
	kt_assert_str(wf_outcome_get(&w->c, "development"), "continue");
	kt_free_walk(w);
}

/* development.reviewed investigation / no_further_action leave under_development. */
static void development_reviewed_investigation_or_no_further_action(void **state)
{
	struct walk *w = kt_new_walk();
	uint64_t t1 = T0 + MS_DAY;

	(void)state;
	cr_walk_to(w, CR_UNDER_DEVELOPMENT, false);
	w->now = t1;
	walk_ok(w, EV_REVIEWED("investigation"));
	assert_string_equal(cr_state(w->c.state), "under_investigation");
	assert_int_equal(walk_dl(w, DL_DEVELOPMENT_REVIEW)->status, DLS_MET);
	kt_assert_dl(w, DL_CR_INVESTIGATION, DLS_OPEN, t1, t1 + 365 * MS_DAY);

	w->now = T0;
	cr_walk_to(w, CR_UNDER_DEVELOPMENT, false);
	walk_ok(w, EV_REVIEWED("no_further_action"));
	assert_string_equal(cr_state(w->c.state), "closed");
	kt_assert_str(w->c.closed_reason, "no_further_action");
	assert_false(wf_dl_live(walk_dl(w, DL_DEVELOPMENT_REVIEW)));
	kt_free_walk(w);
}

/* reg 7(1)(c): iopc.referred meets iopc_referral, keeps the reference, and the case stays;
 * once met, none is open, and a second is invalid_transition. */
static void reg_7_1_c_iopc_referred_meets_iopc_referral(void **state)
{
	struct walk *w = kt_new_walk();
	uint64_t t1 = T0 + MS_HOUR;

	(void)state;
	cr_walk_to(w, CR_UNDER_INVESTIGATION, true);
	w->now = t1;
	walk_ok(w, EV_IOPC_REFERRED);
	assert_string_equal(cr_state(w->c.state), "under_investigation");
	assert_int_equal(walk_dl(w, DL_IOPC_REFERRAL)->status, DLS_MET);
	assert_int_equal(walk_dl(w, DL_IOPC_REFERRAL)->done_at, t1);
	assert_non_null(wf_part_get(&w->c, "iopc_reference"));
	assert_true(wf_dl_live(walk_dl(w, DL_CR_INVESTIGATION)));
	assert_int_equal(walk_try(w, EV_IOPC_REFERRED), -1);
	assert_proto_err(&w->err, PROTO_INVALID_TRANSITION, "under_investigation");
	/* psd may send it too, and the reference is optional */
	cr_walk_to(w, CR_UNDER_INVESTIGATION, true);
	walk_ok(w, "{'type':'iopc.referred'," EV_PSD ",'body':{}}");
	assert_int_equal(walk_dl(w, DL_IOPC_REFERRAL)->status, DLS_MET);
	kt_free_walk(w);
}

/* "any open state with iopc_referral open": in every open state without it,
 * invalid_transition naming the state; closed cancels it. */
static void iopc_referred_without_iopc_referral_open_is_invalid_transition(void **state)
{
	struct walk *w = kt_new_walk();

	(void)state;
	for (int s = CR_AWAITING_CONSULTATION; s <= CR_CLOSED; s++) {
		cr_walk_to(w, s, s == CR_CLOSED);
		assert_int_equal(walk_try(w, EV_IOPC_REFERRED), -1);
		assert_proto_err(&w->err, PROTO_INVALID_TRANSITION, cr_state(s));
	}
	kt_free_walk(w);
}

/* A breached iopc_referral is still open until met: the referral, late, meets it and it
 * stays breached (it was late). */
static void iopc_referral_breached_is_met_late_by_iopc_referred(void **state)
{
	struct walk *w = kt_new_walk();
	const struct wf_deadline *d;

	(void)state;
	cr_walk_to(w, CR_UNDER_INVESTIGATION, true);
	d = kt_live(w, DL_IOPC_REFERRAL);
	w->now = d->due_at;
	assert_int_equal(walk_fire(w, DL_IOPC_REFERRAL), 1);
	assert_non_null(note_to(walk_note(w, "deadline.breached", 0), ROLE_AA));
	w->now += MS_HOUR;
	walk_ok(w, EV_IOPC_REFERRED);
	d = walk_dl(w, DL_IOPC_REFERRAL);
	assert_false(wf_dl_live(d));
	assert_int_equal(d->status, DLS_BREACHED);
	kt_free_walk(w);
}

/* investigation.concluded closes with the outcome as its reason; misconduct, gross_misconduct
 * and criminal emit misconduct.referral (to psd), no_case_to_answer does not. */
static void investigation_concluded_closes_with_outcome_and_refers_misconduct(void **state)
{
	static const struct {
		const char *outcome;
		unsigned referrals;
	} cases[] = {
	    {"no_case_to_answer", 0},
	    {"misconduct", 1},
	    {"gross_misconduct", 1},
	    {"criminal", 1},
	};
	struct walk *w = kt_new_walk();

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct wf_note *n;

		w->now = T0;
		cr_walk_to(w, CR_UNDER_INVESTIGATION, false);
		w->now = T0 + 30 * MS_DAY;
		walk_ok(w,
			"{'type':'investigation.concluded'," EV_AA
			",'body':{'outcome':'%s','reasons':'r'}}",
			cases[i].outcome);
		assert_string_equal(cr_state(w->c.state), "closed");
		kt_assert_str(w->c.closed_reason, cases[i].outcome);
		assert_int_equal(w->c.closed_at, T0 + 30 * MS_DAY);
		kt_assert_str(wf_outcome_get(&w->c, "investigation"), cases[i].outcome);
		assert_non_null(n = walk_note(w, "case.closed", 0));
		kt_assert_str(n->outcome, cases[i].outcome);
		assert_int_equal(walk_count(w, "misconduct.referral"), cases[i].referrals);
		if (cases[i].referrals)
			assert_non_null(note_to(walk_note(w, "misconduct.referral", 0), ROLE_PSD));
		assert_false(wf_dl_live(walk_dl(w, DL_CR_INVESTIGATION)));
		assert_true(wf_dl_live(walk_dl(w, DL_RETENTION)));
	}
	kt_free_walk(w);
}

/* 3.3: extremism in the allegation is a Prevent referral, whoever reports it. */
static void p01b_3_3_extremism_allegation_is_a_prevent_referral(void **state)
{
	struct walk *w = kt_new_walk();

	(void)state;
	cr_reset(w);
	walk_ok(w, "{'type':'corruption.reported'," EV_REPORTER
		   ",'body':" CR_BODY_WITH("'drugs','extremism'", "") "}");
	assert_int_equal(walk_count(w, "prevent.referral"), 1);
	assert_non_null(note_to(walk_note(w, "prevent.referral", 0), ROLE_PSD));

	cr_reset(w);
	walk_ok(w, "{'type':'corruption.reported','body':" CR_BODY_WITH("'extremism'",
									",'anonymous':true") "}");
	assert_int_equal(walk_count(w, "prevent.referral"), 1);

	cr_reset(w);
	walk_ok(w, "{'type':'corruption.reported'," EV_LM
		   ",'body':" CR_BODY_WITH("'drugs','infiltration'", "") "}");
	assert_int_equal(walk_count(w, "prevent.referral"), 0);
	kt_free_walk(w);
}

/* "An event whose type the case's kind does not have is invalid_transition naming the case's
 * kind and state, checked right after unknown_case": before the role. */
static void na_type_on_a_cr_case_is_invalid_transition_naming_cr_and_state(void **state)
{
	static const char *const events[] = {
	    EV_MANAGER_REVIEWED, /* NA's, by its own role */
	    "{'type':'manager.reviewed'," EV_SUBJ ",'body':{'comments':'c'}}", /* not even */
	    "{'type':'breach.reported'," EV_PSD ",'body':{'details':'d'}}",
	    "{'type':'action.completed'," EV_PSD ",'body':{}}", /* WR's */
	};
	struct walk *w = kt_new_walk();

	(void)state;
	for (int s = CR_AWAITING_CONSULTATION; s <= CR_CLOSED; s++)
		for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
			cr_walk_to(w, s, false);
			assert_int_equal(walk_try(w, "%s", events[i]), -1);
			assert_proto_err(&w->err, PROTO_INVALID_TRANSITION, "CR");
			assert_contains(w->err.message, cr_state(s));
		}
	kt_free_walk(w);
}

/* "case.closed reasons ... the kind's own closing reasons (NA keeps association_ceased)" */
static void case_closed_association_ceased_is_invalid_field_on_a_cr_case(void **state)
{
	struct walk *w = kt_new_walk();

	(void)state;
	cr_walk_to(w, CR_AWAITING_ASSESSMENT, false);
	assert_int_equal(
	    walk_try(w, "{'type':'case.closed'," EV_PSD ",'body':{'reason':'association_ceased'}}"),
	    -1);
	assert_proto_err(&w->err, PROTO_INVALID_FIELD, "body.reason");
	assert_string_equal(cr_state(w->c.state), "awaiting_assessment");
	/* the common reasons close it */
	walk_ok(w, "{'type':'case.closed'," EV_PSD ",'body':{'reason':'subject_left'}}");
	kt_assert_str(w->c.closed_reason, "subject_left");
	kt_free_walk(w);
}

/* A CR report names its subject: subject.updated may not change the id. */
static void subject_updated_with_an_id_is_invalid_field_on_a_cr_case(void **state)
{
	struct walk *w = kt_new_walk();

	(void)state;
	cr_walk_to(w, CR_AWAITING_ASSESSMENT, false);
	assert_int_equal(
	    walk_try(w, "{'type':'subject.updated'," EV_PSD ",'body':{'subject':{'id':'S200'}}}"),
	    -1);
	assert_proto_err(&w->err, PROTO_INVALID_FIELD, "body.subject.id");
	kt_assert_str(w->c.subject_id, "S100");
	kt_free_walk(w);
}

/* ---- deadlines --------------------------------------------------------------------------------
 */

/* Each opens as cr_walk_to reaches its state at T0, a Tuesday (alt: iopc_referral, by the
 * mandatory referral); n_reminders: 7d and 1d before due, after the opening. */
static const struct kt_deadline cr_deadlines[] = {
    {.kind = DL_PSD_CONSULTATION,
     .state = CR_AWAITING_CONSULTATION,
     .dflt = {2, DUR_WD},
     .owner = ROLE_PSD,
     .due = T0 + 2 * MS_DAY,
     .n_reminders = 1},
    {.kind = DL_CR_ASSESSMENT,
     .state = CR_AWAITING_ASSESSMENT,
     .dflt = {28 * MS_DAY, DUR_MS},
     .owner = ROLE_PSD,
     .due = T0 + 28 * MS_DAY,
     .n_reminders = 2},
    {.kind = DL_DEVELOPMENT_REVIEW,
     .state = CR_UNDER_DEVELOPMENT,
     .dflt = {3, DUR_MO},
     .owner = ROLE_PSD,
     .due = T0 + 89 * MS_DAY,
     .n_reminders = 2},
    {.kind = DL_IOPC_REFERRAL,
     .state = CR_UNDER_INVESTIGATION,
     .alt = true,
     .dflt = {1, DUR_WD},
     .owner = ROLE_AA,
     .due = T0 + 1 * MS_DAY,
     .n_reminders = 0},
    {.kind = DL_CR_INVESTIGATION,
     .state = CR_UNDER_INVESTIGATION,
     .dflt = {12, DUR_MO},
     .owner = ROLE_AA,
     .due = T0 + 365 * MS_DAY,
     .n_reminders = 2},
};
#define N_CR_DEADLINES (sizeof(cr_deadlines) / sizeof(cr_deadlines[0]))

/* REGISTERS.md "Deadlines" of CR: each opens on entering its state (iopc_referral: by the
 * mandatory referral) from the event's at, with its default and owner. */
static void every_cr_deadline_opens_with_its_default_and_owner(void **state)
{
	struct walk *w = kt_new_walk();

	(void)state;
	for (size_t i = 0; i < N_CR_DEADLINES; i++)
		kt_assert_dl_opens(&cr_kind, w, &cr_deadlines[i], T0);
	kt_free_walk(w);
}

/* As NA's (WORKFLOW.md "Deadlines"): reminders before due to the owner, the breach at due
 * time to the owner, then an escalation every escalation_interval (7d) to head_of_psd. */
static void every_cr_deadline_is_reminded_breached_and_escalated(void **state)
{
	struct walk *w = kt_new_walk();

	(void)state;
	for (size_t i = 0; i < N_CR_DEADLINES; i++) {
		const struct kt_deadline *k = &cr_deadlines[i];
		const struct wf_deadline *d;
		uint64_t t;

		w->now = T0;
		cr_walk_to(w, k->state, k->alt);
		d = kt_live(w, k->kind);
		w->now = T0 + 1; /* a moment after opening, nothing is due */
		assert_int_equal(wf_fire(&w->c, k->kind, w->now, &w->p, &w->fx), 0);
		assert_int_equal(kt_fire_reminders(w, d, k, &t), k->n_reminders);
		assert_int_equal(t, k->due);
		kt_assert_dl_breached(w, d, k);
		assert_true(wf_dl_live(d));
		kt_assert_dl_escalated(w, k);
	}
	kt_free_walk(w);
}

/* "met when the case leaves that state": each by the event that moves the case on. */
static void every_cr_state_deadline_is_met_on_leaving_its_state(void **state)
{
	static const struct {
		int from;
		enum dl_kind kind;
		const char *event;
	} leaves[] = {
	    {CR_AWAITING_CONSULTATION, DL_PSD_CONSULTATION, EV_CONSULTED},
	    {CR_AWAITING_ASSESSMENT, DL_CR_ASSESSMENT, EV_CR_ASSESSED("investigation", "")},
	    {CR_UNDER_DEVELOPMENT, DL_DEVELOPMENT_REVIEW, EV_REVIEWED("investigation")},
	    {CR_UNDER_INVESTIGATION, DL_CR_INVESTIGATION, EV_CONCLUDED("misconduct")},
	};
	struct walk *w = kt_new_walk();

	(void)state;
	for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++)
		kt_assert_dl_met_on_leaving(&cr_kind, w, T0, leaves[i].from, leaves[i].kind,
					    leaves[i].event);
	kt_free_walk(w);
}

/* Closing ends every CR deadline (iopc_referral, opened by an event, is cancelled: "met only
 * by the event named for it"), nothing of them fires after, and retention starts. */
static void case_closed_ends_every_cr_deadline(void **state)
{
	static const enum dl_kind kinds[] = {DL_PSD_CONSULTATION, DL_CR_ASSESSMENT,
					     DL_DEVELOPMENT_REVIEW, DL_IOPC_REFERRAL,
					     DL_CR_INVESTIGATION};
	struct walk *w = kt_new_walk();

	(void)state;
	for (int s = CR_AWAITING_CONSULTATION; s < CR_CLOSED; s++) {
		const struct wf_note *n;

		w->now = T0;
		cr_walk_to(w, s, true);
		w->now = T0 + MS_HOUR;
		walk_ok(w, "{'type':'case.closed'," EV_PSD ",'body':{'reason':'withdrawn'}}");
		assert_string_equal(cr_state(w->c.state), "closed");
		assert_int_equal(w->c.closed_at, T0 + MS_HOUR);
		assert_non_null(n = walk_note(w, "case.closed", 0));
		kt_assert_str(n->outcome, "withdrawn");
		for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
			const struct wf_deadline *d = walk_dl(w, kinds[i]);

			assert_null(wf_dl_find(&w->c, kinds[i]));
			if (d)
				assert_int_not_equal(d->status, DLS_OPEN);
		}
		if (s == CR_UNDER_INVESTIGATION)
			assert_string_equal(wf_dl_status_name(walk_dl(w, DL_IOPC_REFERRAL)->status),
					    "cancelled");
		assert_true(wf_dl_live(walk_dl(w, DL_RETENTION)));
		w->now = T0 + 400 * MS_DAY;
		for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
			assert_int_equal(walk_fire(w, kinds[i]), 0);
	}
	kt_free_walk(w);
}

/* iopc_referral is not a state's: leaving under_investigation other than by closing is not
 * possible, but the conclusion (a close) cancels it rather than meeting it. */
static void iopc_referral_is_not_met_by_the_conclusion(void **state)
{
	struct walk *w = kt_new_walk();

	(void)state;
	cr_walk_to(w, CR_UNDER_INVESTIGATION, true);
	walk_ok(w, EV_CONCLUDED("no_case_to_answer"));
	assert_string_equal(wf_dl_status_name(walk_dl(w, DL_IOPC_REFERRAL)->status), "cancelled");
	kt_free_walk(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(
		row_corruption_reported_p01b_3_6_1_manager_consults_others_to_assessment),
	    cmocka_unit_test(row_corruption_reported_anonymous_p01b_3_5_1),
	    cmocka_unit_test(row_consultation_recorded_p01b_3_6_2_must_consult_psd),
	    cmocka_unit_test(row_assessment_recorded_no_further_action_p01b_3_2),
	    cmocka_unit_test(row_assessment_recorded_intelligence_development_p01b_3_2),
	    cmocka_unit_test(row_assessment_recorded_investigation_p01b_3_2),
	    cmocka_unit_test(row_assessment_recorded_investigation_mandatory_referral_p01b_3_2),
	    cmocka_unit_test(row_development_reviewed_continue_p01b_3_2),
	    cmocka_unit_test(row_development_reviewed_investigation_p01b_3_2),
	    cmocka_unit_test(row_development_reviewed_no_further_action_p01b_3_2),
	    cmocka_unit_test(row_iopc_referred_reg_7_1_c_serious_corruption_is_referred),
	    cmocka_unit_test(row_investigation_concluded_no_case_to_answer),
	    cmocka_unit_test(row_investigation_concluded_misconduct),
	    cmocka_unit_test(row_investigation_concluded_gross_misconduct),
	    cmocka_unit_test(row_investigation_concluded_criminal),
	    cmocka_unit_test(row_case_closed_common_any_open_state),
	    cmocka_unit_test(row_subject_updated_common_any_open_state),
	    cmocka_unit_test(row_deadline_extended_common_with_that_deadline_open),
	    cmocka_unit_test(p01b_3_6_2_managers_report_awaits_consultation_for_2_working_days),
	    cmocka_unit_test(p01b_3_6_1_report_to_psd_directly_awaits_assessment_28_days),
	    cmocka_unit_test(p01b_3_5_1_anonymous_report_has_origin_anonymous),
	    cmocka_unit_test(p01b_3_6_2_consultation_meets_psd_consultation_and_opens_assessment),
	    cmocka_unit_test(p01b_3_2_assessment_outcomes),
	    cmocka_unit_test(assessment_without_grading_is_missing_field_grading),
	    cmocka_unit_test(na_assessment_body_on_a_cr_case_is_invalid_field),
	    cmocka_unit_test(mandatory_referral_only_with_investigation_else_invalid_field),
	    cmocka_unit_test(mandatory_referral_opens_iopc_referral_1_working_day_and_tells_aa),
	    cmocka_unit_test(development_reviewed_continue_renews_development_review),
	    cmocka_unit_test(development_reviewed_investigation_or_no_further_action),
	    cmocka_unit_test(reg_7_1_c_iopc_referred_meets_iopc_referral),
	    cmocka_unit_test(iopc_referred_without_iopc_referral_open_is_invalid_transition),
	    cmocka_unit_test(iopc_referral_breached_is_met_late_by_iopc_referred),
	    cmocka_unit_test(investigation_concluded_closes_with_outcome_and_refers_misconduct),
	    cmocka_unit_test(p01b_3_3_extremism_allegation_is_a_prevent_referral),
	    cmocka_unit_test(na_type_on_a_cr_case_is_invalid_transition_naming_cr_and_state),
	    cmocka_unit_test(case_closed_association_ceased_is_invalid_field_on_a_cr_case),
	    cmocka_unit_test(subject_updated_with_an_id_is_invalid_field_on_a_cr_case),
	    cmocka_unit_test(every_cr_deadline_opens_with_its_default_and_owner),
	    cmocka_unit_test(every_cr_deadline_is_reminded_breached_and_escalated),
	    cmocka_unit_test(every_cr_state_deadline_is_met_on_leaving_its_state),
	    cmocka_unit_test(case_closed_ends_every_cr_deadline),
	    cmocka_unit_test(iopc_referral_is_not_met_by_the_conclusion),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
