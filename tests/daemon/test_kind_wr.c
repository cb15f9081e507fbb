/* kinds/wr: REGISTERS.md "Wrongdoing reports (WR)" (P01 3.2-3.6), row by row (roles, states,
 * where it goes, what it marks), its deadlines and side effects, a report that names nobody
 * given its subject by subject.updated, and the common rules of REGISTERS.md's top as a WR case
 * meets them. Events are JSON decoded by proto; the clock is injected; the policy is the
 * config's defaults. The walks of evjson.h are NA's: the WR walk here drives the same struct
 * walk with a WR reference. */
#include "dtest.h"

#include <stdio.h>
#include <string.h>

#include "evjson.h"
#include "kindtest.h"
#include "case/wfdeadline.h"
#include "engine/wf.h"
#include "policy/wfstate.h"

#define T0     NOW_MS /* 2026-02-10T00:00:00Z, a Tuesday */
#define WR_REF "WR-2026-000001"
#define SAME   KT_SAME
#define S(x)   WF_BIT(WR_##x)
#define R(x)   ROLE_BIT(ROLE_##x)
#define OPEN   (S(AWAITING_ASSESSMENT) | S(MANAGEMENT_ACTION) | S(UNDER_INVESTIGATION))

/* ---- WR events ---------------------------------------------------------------------------- */

#define WR_BODY_WITH(subject, extra)                                                               \
	"{" subject "'standards':['honesty_integrity','discreditable_conduct'],"                   \
	"'circumstances':'falsified a statement'" extra "}"
#define WR_SUBJECT      "'subject':{'id':'S100','line_manager':'LM1'},"
#define WR_BODY         WR_BODY_WITH(WR_SUBJECT, "")
#define WR_ANON_BODY    WR_BODY_WITH(WR_SUBJECT, ",'anonymous':true")
#define WR_NOBODY_BODY  WR_BODY_WITH("", "")
#define EV_REPORTER     "'actor':{'id':'X1','role':'reporter'}"
#define EV_WR_BY(actor) "{'type':'wrongdoing.reported'," actor ",'body':" WR_BODY "}"
#define EV_WR_ASSESSED(outcome)                                                                    \
	"{'type':'assessment.recorded'," EV_PSD ",'body':{'outcome':'" outcome "'}}"
#define EV_ACTION_DONE "{'type':'action.completed'," EV_LM ",'body':{'notes':'words of advice'}}"
#define EV_CONCLUDED(outcome)                                                                      \
	"{'type':'investigation.concluded'," EV_AA ",'body':{'outcome':'" outcome                  \
	"','reasons':'r'}}"
#define EV_BAD_FAITH(actor) "{'type':'bad_faith.found'," actor ",'body':{'reasons':'malicious'}}"

static const char *wr_state(int s)
{
	return wf_kind_state_name(KIND_WR, s);
}

/* A new WR case (state none), its reference WR-. */
static void wr_reset(struct walk *w)
{
	walk_reset(w, w->now);
	snprintf(w->c.ref, sizeof(w->c.ref), "%s", WR_REF);
}

/* A new WR case walked to state s at the clock: a reporter's report naming S100
 * (awaiting_assessment), assessed management_action or misconduct_investigation
 * (under_investigation); closed by case.closed right after the report. */
static void wr_walk_to(struct walk *w, int s)
{
	wr_reset(w);
	if (s != WR_NONE)
		walk_ok(w, EV_WR_BY(EV_REPORTER));
	if (s == WR_MANAGEMENT_ACTION)
		walk_ok(w, EV_WR_ASSESSED("management_action"));
	if (s == WR_UNDER_INVESTIGATION)
		walk_ok(w, EV_WR_ASSESSED("misconduct_investigation"));
	if (s == WR_CLOSED)
		walk_ok(w, EV_CLOSED_BY_PSD);
	assert_int_equal(w->c.kind, s == WR_NONE ? KIND_NONE : KIND_WR);
	assert_string_equal(wr_state(w->c.state), wr_state(s));
}

static void wr_walk_any(struct walk *w, int s, bool alt)
{
	(void)alt;
	wr_walk_to(w, s);
}

static const struct kt_kind wr_kind = {KIND_WR, WR_STATE_COUNT, wr_state, wr_walk_any};

/* ---- one row of the events table ------------------------------------------------------------ */

/* A row (struct kt_row): flags, the enum wf_case_flag the accepted event marks the case with. */
#define ROW_TEST(name, type_, body_, roles_, states_, next_, flags_)                               \
	KT_ROW_TEST(name, &wr_kind, .type = type_, .body = body_, .roles = roles_,                 \
		    .states = states_, .next = next_, .flags = flags_)

/* 3.4: to the line manager, or as a reporter through the confidential mechanisms */
ROW_TEST(row_wrongdoing_reported_p01_3_4_reporter_or_line_manager, "wrongdoing.reported", WR_BODY,
	 R(REPORTER) | R(LINE_MANAGER), S(NONE), WR_AWAITING_ASSESSMENT, 0)
/* 3.4: the subject "may be unknown" */
ROW_TEST(row_wrongdoing_reported_p01_3_4_naming_nobody, "wrongdoing.reported", WR_NOBODY_BODY,
	 R(REPORTER) | R(LINE_MANAGER), S(NONE), WR_AWAITING_ASSESSMENT, 0)
/* 3.5: anonymously, no actor */
ROW_TEST(row_wrongdoing_reported_anonymous_p01_3_5, "wrongdoing.reported", WR_ANON_BODY, R(NONE),
	 S(NONE), WR_AWAITING_ASSESSMENT, 0)
ROW_TEST(row_assessment_recorded_no_further_action_p01_3_6, "assessment.recorded",
	 "{'outcome':'no_further_action','notes':'n'}", R(PSD), S(AWAITING_ASSESSMENT), WR_CLOSED,
	 0)
ROW_TEST(row_assessment_recorded_management_action_p01_3_6, "assessment.recorded",
	 "{'outcome':'management_action'}", R(PSD), S(AWAITING_ASSESSMENT), WR_MANAGEMENT_ACTION, 0)
ROW_TEST(row_assessment_recorded_misconduct_investigation_p01_3_6, "assessment.recorded",
	 "{'outcome':'misconduct_investigation'}", R(PSD), S(AWAITING_ASSESSMENT),
	 WR_UNDER_INVESTIGATION, 0)
ROW_TEST(row_assessment_recorded_counter_corruption_p01_3_6, "assessment.recorded",
	 "{'outcome':'counter_corruption'}", R(PSD), S(AWAITING_ASSESSMENT), WR_CLOSED, 0)
ROW_TEST(row_action_completed_p01_3_6, "action.completed", "{'notes':'n'}",
	 R(LINE_MANAGER) | R(PSD), S(MANAGEMENT_ACTION), WR_CLOSED, 0)
ROW_TEST(row_investigation_concluded_no_case_to_answer, "investigation.concluded",
	 "{'outcome':'no_case_to_answer','reasons':'r'}", R(AA), S(UNDER_INVESTIGATION), WR_CLOSED,
	 0)
ROW_TEST(row_investigation_concluded_gross_misconduct, "investigation.concluded",
	 "{'outcome':'gross_misconduct','reasons':'r'}", R(AA), S(UNDER_INVESTIGATION), WR_CLOSED,
	 0)
/* 3.5 "unless ... malicious or otherwise made in bad faith": any state, closed included */
ROW_TEST(row_bad_faith_found_p01_3_5_any_state_closed_included, "bad_faith.found",
	 "{'reasons':'malicious'}", R(PSD) | R(AA), OPEN | S(CLOSED), SAME, WFC_BAD_FAITH)
/* REGISTERS.md "Common to every kind" */
ROW_TEST(row_case_closed_common_any_open_state, "case.closed", "{'reason':'other'}", R(PSD), OPEN,
	 WR_CLOSED, 0)
ROW_TEST(row_subject_updated_common_any_open_state, "subject.updated",
	 "{'subject':{'line_manager':'LM2'}}", R(PSD), OPEN, SAME, 0)
ROW_TEST(row_deadline_extended_common_with_that_deadline_open, "deadline.extended",
	 "{'kind':'management_action','due_at':1900000000000,'reason':'r'}",
	 R(PSD) | R(AA) | R(HEAD_OF_PSD), S(MANAGEMENT_ACTION), SAME, 0)

/* ---- what each row does -----------------------------------------------------------------------
 */

/* 3.4: a named report, by a reporter or a line manager, awaits PSD's assessment (28d). */
static void p01_3_4_report_awaits_assessment_for_28_days(void **state)
{
	static const char *const actors[] = {EV_REPORTER, EV_LM};
	struct walk *w = kt_new_walk();

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		const struct wf_note *n;

		wr_reset(w);
		walk_ok(w, "{'type':'wrongdoing.reported',%s,'body':" WR_BODY "}", actors[i]);
		assert_int_equal(w->c.kind, KIND_WR);
		assert_int_equal(w->c.origin, ORIGIN_REFERRAL);
		assert_int_equal(w->c.opened_at, T0);
		kt_assert_str(w->c.subject_id, "S100");
		assert_non_null(wf_part_get(&w->c, "standards"));
		kt_assert_dl(w, DL_WR_ASSESSMENT, DLS_OPEN, T0, T0 + 28 * MS_DAY);
		assert_non_null(n = walk_note(w, "case.opened", 0));
		assert_string_equal(wr_state(n->state), "awaiting_assessment");
		assert_non_null(note_to(n, ROLE_PSD));
	}
	kt_free_walk(w);
}

/* 3.5: an anonymous report has no actor; with one, proto refuses it; without the flag, no
 * actor is missing. */
static void p01_3_5_anonymous_report_has_origin_anonymous(void **state)
{
	struct walk *w = kt_new_walk();

	(void)state;
	wr_reset(w);
	walk_ok(w, "{'type':'wrongdoing.reported','body':" WR_ANON_BODY "}");
	assert_int_equal(w->c.origin, ORIGIN_ANONYMOUS);
	assert_string_equal(wr_state(w->c.state), "awaiting_assessment");
	kt_assert_dl(w, DL_WR_ASSESSMENT, DLS_OPEN, T0, T0 + 28 * MS_DAY);

	wr_reset(w);
	assert_int_equal(
	    walk_try(w, "{'type':'wrongdoing.reported'," EV_REPORTER ",'body':" WR_ANON_BODY "}"),
	    -1);
	assert_proto_err(&w->err, PROTO_INVALID_FIELD, "actor");
	wr_reset(w);
	assert_int_equal(walk_try(w, "{'type':'wrongdoing.reported','body':" WR_BODY "}"), -1);
	assert_proto_err(&w->err, PROTO_MISSING_FIELD, "actor");
	kt_free_walk(w);
}

/* "A report with no subject may be given one by subject.updated (which may set id while the
 * case has none)": then the id stands, and who is told follows it. */
static void subject_updated_sets_the_id_while_the_case_has_none_and_then_not_again(void **state)
{
	struct walk *w = kt_new_walk();
	const struct wf_note *n;

	(void)state;
	wr_reset(w);
	walk_ok(w, "{'type':'wrongdoing.reported'," EV_REPORTER ",'body':" WR_NOBODY_BODY "}");
	assert_int_equal(w->c.subject_id.len, 0);
	assert_string_equal(wr_state(w->c.state), "awaiting_assessment");
	walk_ok(w, "{'type':'subject.updated'," EV_PSD
		   ",'body':{'subject':{'id':'S200','line_manager':'LM2'}}}");
	kt_assert_str(w->c.subject_id, "S200");
	assert_string_equal(wr_state(w->c.state), "awaiting_assessment");
	/* and not again */
	assert_int_equal(
	    walk_try(w, "{'type':'subject.updated'," EV_PSD ",'body':{'subject':{'id':'S300'}}}"),
	    -1);
	assert_proto_err(&w->err, PROTO_INVALID_FIELD, "body.subject.id");
	kt_assert_str(w->c.subject_id, "S200");
	/* the same id is no exception: the id cannot change once set */
	assert_int_equal(
	    walk_try(w, "{'type':'subject.updated'," EV_PSD ",'body':{'subject':{'id':'S200'}}}"),
	    -1);
	assert_proto_err(&w->err, PROTO_INVALID_FIELD, "body.subject.id");
	/* management_action is the line manager's: the one subject.updated named */
	walk_ok(w, EV_WR_ASSESSED("management_action"));
	assert_non_null(n = walk_note(w, "case.state_changed", 0));
	assert_non_null(note_to(n, ROLE_LINE_MANAGER));
	kt_assert_str(note_to(n, ROLE_LINE_MANAGER)->id, "LM2");
	/* its other fields still may (the walk keeps the latest update alone, the store merges
	 * them: so after the note above) */
	walk_ok(w, "{'type':'subject.updated'," EV_PSD ",'body':{'subject':{'rank':'PC'}}}");
	kt_assert_str(w->c.subject_id, "S200");
	kt_free_walk(w);
}

/* A report that named its subject has one: subject.updated may not set an id. */
static void subject_updated_with_an_id_on_a_named_report_is_invalid_field(void **state)
{
	struct walk *w = kt_new_walk();

	(void)state;
	wr_walk_to(w, WR_AWAITING_ASSESSMENT);
	assert_int_equal(
	    walk_try(w, "{'type':'subject.updated'," EV_PSD ",'body':{'subject':{'id':'S200'}}}"),
	    -1);
	assert_proto_err(&w->err, PROTO_INVALID_FIELD, "body.subject.id");
	kt_assert_str(w->c.subject_id, "S100");
	kt_free_walk(w);
}

/* 3.6: the four outcomes; misconduct_investigation is a misconduct.referral (to psd), the
 * others are not; counter_corruption closes with that reason (PSD then opens the CR case). */
static void p01_3_6_assessment_outcomes(void **state)
{
	static const struct {
		const char *outcome;
		int next;
		const char *closed_reason;
		unsigned referrals;
	} cases[] = {
	    {"no_further_action", WR_CLOSED, "no_further_action", 0},
	    {"management_action", WR_MANAGEMENT_ACTION, NULL, 0},
	    {"misconduct_investigation", WR_UNDER_INVESTIGATION, NULL, 1},
	    {"counter_corruption", WR_CLOSED, "counter_corruption", 0},
	};
	struct walk *w = kt_new_walk();
	uint64_t t1 = T0 + MS_HOUR;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		w->now = T0;
		wr_walk_to(w, WR_AWAITING_ASSESSMENT);
		w->now = t1;
		walk_ok(w, "{'type':'assessment.recorded'," EV_PSD ",'body':{'outcome':'%s'}}",
			cases[i].outcome);
		assert_string_equal(wr_state(w->c.state), wr_state(cases[i].next));
		kt_assert_str(w->c.assessment, cases[i].outcome);
		assert_int_equal(walk_dl(w, DL_WR_ASSESSMENT)->status, DLS_MET);
		assert_int_equal(walk_dl(w, DL_WR_ASSESSMENT)->done_at, t1);
		assert_int_equal(walk_count(w, "misconduct.referral"), cases[i].referrals);
		if (cases[i].referrals)
			assert_non_null(note_to(walk_note(w, "misconduct.referral", 0), ROLE_PSD));
		if (cases[i].closed_reason) {
			kt_assert_str(w->c.closed_reason, cases[i].closed_reason);
			kt_assert_str(walk_note(w, "case.closed", 0)->outcome,
				      cases[i].closed_reason);
			assert_true(wf_dl_live(walk_dl(w, DL_RETENTION)));
		} else {
			assert_int_equal(w->c.closed_reason.len, 0);
			assert_int_equal(walk_count(w, "case.closed"), 0);
		}
	}
	kt_free_walk(w);
}

/* WR's assessment body is its own: no grading, no risk, no other kind's outcome, no
 * mandatory_referral; checked before the actor's role. */
static void other_kinds_assessment_bodies_on_a_wr_case_are_invalid_field(void **state)
{
	static const struct {
		const char *body, *field;
	} cases[] = {
	    {"{'outcome':'management_action','grading':{'source':'reliable','information':'A',"
	     "'handling':'P'}}",
	     "body.grading"},
	    {"{'outcome':'management_action','risk':'low'}", "body.risk"},
	    {"{'outcome':'intelligence_development'}", "body.outcome"},
	    {"{'outcome':'interview'}", "body.outcome"},
	    {"{'outcome':'management_action','mandatory_referral':true}",
	     "body.mandatory_referral"},
	};
	struct walk *w = kt_new_walk();

	(void)state;
	wr_walk_to(w, WR_AWAITING_ASSESSMENT);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(walk_try(w, "{'type':'assessment.recorded'," EV_PSD ",'body':%s}",
					  cases[i].body),
				 -1);
		assert_proto_err(&w->err, PROTO_INVALID_FIELD, cases[i].field);
		assert_int_equal(walk_try(w, "{'type':'assessment.recorded'," EV_SUBJ ",'body':%s}",
					  cases[i].body),
				 -1);
		assert_proto_err(&w->err, PROTO_INVALID_FIELD, cases[i].field);
	}
	assert_string_equal(wr_state(w->c.state), "awaiting_assessment");
	kt_free_walk(w);
}

/* action.completed, by the line manager or PSD, closes and meets management_action. */
static void action_completed_closes_and_meets_management_action(void **state)
{
	static const char *const actors[] = {EV_LM, EV_PSD};
	struct walk *w = kt_new_walk();

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		w->now = T0;
		wr_walk_to(w, WR_MANAGEMENT_ACTION);
		w->now = T0 + 3 * MS_DAY;
		walk_ok(w, "{'type':'action.completed',%s,'body':{}}", actors[i]);
		assert_string_equal(wr_state(w->c.state), "closed");
		assert_int_equal(w->c.closed_at, T0 + 3 * MS_DAY);
		assert_string_equal(wf_dl_status_name(walk_dl(w, DL_MANAGEMENT_ACTION)->status),
				    "met");
		assert_non_null(walk_note(w, "case.closed", 0));
	}
	kt_free_walk(w);
}

/* investigation.concluded (by aa, "as CR") closes and meets wr_investigation. */
static void investigation_concluded_closes_and_meets_wr_investigation(void **state)
{
	static const char *const outcomes[] = {"no_case_to_answer", "misconduct",
					       "gross_misconduct", "criminal"};
	struct walk *w = kt_new_walk();

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		w->now = T0;
		wr_walk_to(w, WR_UNDER_INVESTIGATION);
		w->now = T0 + 30 * MS_DAY;
		walk_ok(w,
			"{'type':'investigation.concluded'," EV_AA
			",'body':{'outcome':'%s','reasons':'r'}}",
			outcomes[i]);
		assert_string_equal(wr_state(w->c.state), "closed");
		kt_assert_str(wf_outcome_get(&w->c, "investigation"), outcomes[i]);
		assert_string_equal(wf_dl_status_name(walk_dl(w, DL_WR_INVESTIGATION)->status),
				    "met");
		assert_int_equal(walk_dl(w, DL_WR_INVESTIGATION)->done_at, T0 + 30 * MS_DAY);
	}
	kt_free_walk(w);
}

/* 3.5: bad faith is marked in every state, closed included; the case stays where it is, a
 * closed one keeps its reason and what it closed, and the finding needs its reasons. */
static void p01_3_5_bad_faith_marks_the_case_closed_included(void **state)
{
	struct walk *w = kt_new_walk();

	(void)state;
	for (int s = WR_AWAITING_ASSESSMENT; s <= WR_CLOSED; s++) {
		w->now = T0;
		wr_walk_to(w, s);
		assert_false(w->c.flags & WFC_BAD_FAITH);
		w->now = T0 + 2 * MS_DAY;
		walk_ok(w, EV_BAD_FAITH(EV_AA));
		assert_true(w->c.flags & WFC_BAD_FAITH);
		assert_string_equal(wr_state(w->c.state), wr_state(s));
		assert_int_equal(walk_count(w, "case.state_changed"), 0);
		if (s == WR_CLOSED) {
			kt_assert_str(w->c.closed_reason, "withdrawn");
			assert_int_equal(w->c.closed_at, T0);
			assert_true(wf_dl_live(walk_dl(w, DL_RETENTION)));
			assert_null(wf_dl_find(&w->c, DL_WR_ASSESSMENT));
		}
		/* found again: still marked */
		walk_ok(w, EV_BAD_FAITH(EV_PSD));
		assert_true(w->c.flags & WFC_BAD_FAITH);
	}
	wr_walk_to(w, WR_CLOSED);
	assert_int_equal(walk_try(w, "{'type':'bad_faith.found'," EV_PSD ",'body':{}}"), -1);
	assert_proto_err(&w->err, PROTO_MISSING_FIELD, "body.reasons");
	assert_int_equal(walk_try(w, EV_BAD_FAITH(EV_LM)), -1);
	assert_proto_err(&w->err, PROTO_FORBIDDEN, "line_manager");
	assert_false(w->c.flags & WFC_BAD_FAITH);
	kt_free_walk(w);
}

/* 3.6: extremism: true is a Prevent referral (to psd); false or absent is not. */
static void p01_3_6_extremism_is_a_prevent_referral(void **state)
{
	struct walk *w = kt_new_walk();

	(void)state;
	wr_reset(w);
	walk_ok(w, "{'type':'wrongdoing.reported'," EV_REPORTER
		   ",'body':" WR_BODY_WITH(WR_SUBJECT, ",'extremism':true") "}");
	assert_int_equal(walk_count(w, "prevent.referral"), 1);
	assert_non_null(note_to(walk_note(w, "prevent.referral", 0), ROLE_PSD));

	wr_reset(w);
	walk_ok(w, "{'type':'wrongdoing.reported','body':" WR_BODY_WITH(
		       "", ",'anonymous':true,'extremism':true") "}");
	assert_int_equal(walk_count(w, "prevent.referral"), 1);

	wr_reset(w);
	walk_ok(w, "{'type':'wrongdoing.reported'," EV_LM
		   ",'body':" WR_BODY_WITH(WR_SUBJECT, ",'extremism':false") "}");
	assert_int_equal(walk_count(w, "prevent.referral"), 0);
	wr_reset(w);
	walk_ok(w, EV_WR_BY(EV_LM));
	assert_int_equal(walk_count(w, "prevent.referral"), 0);
	kt_free_walk(w);
}

/* "An event whose type the case's kind does not have is invalid_transition naming the case's
 * kind and state, checked right after unknown_case": NA's and CR's types, before the role. */
static void other_kinds_types_on_a_wr_case_are_invalid_transition_naming_wr(void **state)
{
	static const char *const events[] = {
	    EV_MANAGER_REVIEWED,
	    "{'type':'consultation.recorded'," EV_PSD ",'body':{'response':'r'}}",
	    "{'type':'development.reviewed'," EV_PSD ",'body':{'outcome':'continue'}}",
	    "{'type':'iopc.referred'," EV_AA ",'body':{}}",
	    "{'type':'iopc.referred'," EV_SUBJ ",'body':{}}", /* not even its role */
	    "{'type':'breach.reported'," EV_PSD ",'body':{'details':'d'}}",
	};
	struct walk *w = kt_new_walk();

	(void)state;
	for (int s = WR_AWAITING_ASSESSMENT; s <= WR_CLOSED; s++)
		for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
			wr_walk_to(w, s);
			assert_int_equal(walk_try(w, "%s", events[i]), -1);
			assert_proto_err(&w->err, PROTO_INVALID_TRANSITION, "WR");
			assert_contains(w->err.message, wr_state(s));
		}
	kt_free_walk(w);
}

/* "case.closed reasons ... (NA keeps association_ceased)" */
static void case_closed_association_ceased_is_invalid_field_on_a_wr_case(void **state)
{
	struct walk *w = kt_new_walk();

	(void)state;
	wr_walk_to(w, WR_MANAGEMENT_ACTION);
	assert_int_equal(
	    walk_try(w, "{'type':'case.closed'," EV_PSD ",'body':{'reason':'association_ceased'}}"),
	    -1);
	assert_proto_err(&w->err, PROTO_INVALID_FIELD, "body.reason");
	assert_string_equal(wr_state(w->c.state), "management_action");
	walk_ok(w, "{'type':'case.closed'," EV_PSD ",'body':{'reason':'subject_left'}}");
	kt_assert_str(w->c.closed_reason, "subject_left");
	kt_free_walk(w);
}

/* ---- deadlines --------------------------------------------------------------------------------
 */

/* Each opens as wr_walk_to reaches its state at T0; reminders 7d and 1d before due; leave: the
 * event that moves the case on. */
static const struct kt_deadline wr_deadlines[] = {
    {.kind = DL_WR_ASSESSMENT,
     .state = WR_AWAITING_ASSESSMENT,
     .dflt = {28 * MS_DAY, DUR_MS},
     .owner = ROLE_PSD,
     .due = T0 + 28 * MS_DAY,
     .n_reminders = 2,
     .leave = EV_WR_ASSESSED("management_action")},
    {.kind = DL_MANAGEMENT_ACTION,
     .state = WR_MANAGEMENT_ACTION,
     .dflt = {28 * MS_DAY, DUR_MS},
     .owner = ROLE_LINE_MANAGER,
     .owner_id = "LM1",
     .due = T0 + 28 * MS_DAY,
     .n_reminders = 2,
     .leave = EV_ACTION_DONE},
    {.kind = DL_WR_INVESTIGATION,
     .state = WR_UNDER_INVESTIGATION,
     .dflt = {12, DUR_MO},
     .owner = ROLE_AA,
     .due = T0 + 365 * MS_DAY,
     .n_reminders = 2,
     .leave = EV_CONCLUDED("misconduct")},
};
#define N_WR_DEADLINES (sizeof(wr_deadlines) / sizeof(wr_deadlines[0]))

/* REGISTERS.md "Deadlines" of WR: each opens on entering its state from the event's at, with
 * its default and owner. */
static void every_wr_deadline_opens_with_its_default_and_owner(void **state)
{
	struct walk *w = kt_new_walk();

	(void)state;
	for (size_t i = 0; i < N_WR_DEADLINES; i++)
		kt_assert_dl_opens(&wr_kind, w, &wr_deadlines[i], T0);
	kt_free_walk(w);
}

/* As NA's (WORKFLOW.md "Deadlines"): reminders 7d and 1d before due to the owner, the breach
 * at due time to the owner, then an escalation every escalation_interval (7d) to
 * head_of_psd. */
static void every_wr_deadline_is_reminded_breached_and_escalated(void **state)
{
	struct walk *w = kt_new_walk();

	(void)state;
	for (size_t i = 0; i < N_WR_DEADLINES; i++) {
		const struct kt_deadline *k = &wr_deadlines[i];
		const struct wf_deadline *d;
		uint64_t t;

		w->now = T0;
		wr_walk_to(w, k->state);
		d = kt_live(w, k->kind);
		w->now = T0 + 1;
		assert_int_equal(walk_fire(w, k->kind), 0);
		assert_int_equal(kt_fire_reminders(w, d, k, &t), k->n_reminders);
		kt_assert_dl_breached(w, d, k);
		kt_assert_dl_escalated(w, k);
	}
	kt_free_walk(w);
}

/* "met when the case leaves that state" */
static void every_wr_deadline_is_met_on_leaving_its_state(void **state)
{
	struct walk *w = kt_new_walk();

	(void)state;
	for (size_t i = 0; i < N_WR_DEADLINES; i++)
		kt_assert_dl_met_on_leaving(&wr_kind, w, T0, wr_deadlines[i].state,
					    wr_deadlines[i].kind, wr_deadlines[i].leave);
	kt_free_walk(w);
}

/* Closing ends every WR deadline; nothing of them fires after, and retention starts. */
static void case_closed_ends_every_wr_deadline(void **state)
{
	struct walk *w = kt_new_walk();

	(void)state;
	for (int s = WR_AWAITING_ASSESSMENT; s < WR_CLOSED; s++) {
		w->now = T0;
		wr_walk_to(w, s);
		w->now = T0 + MS_HOUR;
		walk_ok(w, "{'type':'case.closed'," EV_PSD ",'body':{'reason':'withdrawn'}}");
		assert_string_equal(wr_state(w->c.state), "closed");
		kt_assert_str(walk_note(w, "case.closed", 0)->outcome, "withdrawn");
		for (size_t i = 0; i < N_WR_DEADLINES; i++) {
			const struct wf_deadline *d = walk_dl(w, wr_deadlines[i].kind);

			assert_null(wf_dl_find(&w->c, wr_deadlines[i].kind));
			if (d)
				assert_int_not_equal(d->status, DLS_OPEN);
		}
		assert_true(wf_dl_live(walk_dl(w, DL_RETENTION)));
		w->now = T0 + 400 * MS_DAY;
		for (size_t i = 0; i < N_WR_DEADLINES; i++)
			assert_int_equal(walk_fire(w, wr_deadlines[i].kind), 0);
	}
	kt_free_walk(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(row_wrongdoing_reported_p01_3_4_reporter_or_line_manager),
	    cmocka_unit_test(row_wrongdoing_reported_p01_3_4_naming_nobody),
	    cmocka_unit_test(row_wrongdoing_reported_anonymous_p01_3_5),
	    cmocka_unit_test(row_assessment_recorded_no_further_action_p01_3_6),
	    cmocka_unit_test(row_assessment_recorded_management_action_p01_3_6),
	    cmocka_unit_test(row_assessment_recorded_misconduct_investigation_p01_3_6),
	    cmocka_unit_test(row_assessment_recorded_counter_corruption_p01_3_6),
	    cmocka_unit_test(row_action_completed_p01_3_6),
	    cmocka_unit_test(row_investigation_concluded_no_case_to_answer),
	    cmocka_unit_test(row_investigation_concluded_gross_misconduct),
	    cmocka_unit_test(row_bad_faith_found_p01_3_5_any_state_closed_included),
	    cmocka_unit_test(row_case_closed_common_any_open_state),
	    cmocka_unit_test(row_subject_updated_common_any_open_state),
	    cmocka_unit_test(row_deadline_extended_common_with_that_deadline_open),
	    cmocka_unit_test(p01_3_4_report_awaits_assessment_for_28_days),
	    cmocka_unit_test(p01_3_5_anonymous_report_has_origin_anonymous),
	    cmocka_unit_test(
		subject_updated_sets_the_id_while_the_case_has_none_and_then_not_again),
	    cmocka_unit_test(subject_updated_with_an_id_on_a_named_report_is_invalid_field),
	    cmocka_unit_test(p01_3_6_assessment_outcomes),
	    cmocka_unit_test(other_kinds_assessment_bodies_on_a_wr_case_are_invalid_field),
	    cmocka_unit_test(action_completed_closes_and_meets_management_action),
	    cmocka_unit_test(investigation_concluded_closes_and_meets_wr_investigation),
	    cmocka_unit_test(p01_3_5_bad_faith_marks_the_case_closed_included),
	    cmocka_unit_test(p01_3_6_extremism_is_a_prevent_referral),
	    cmocka_unit_test(other_kinds_types_on_a_wr_case_are_invalid_transition_naming_wr),
	    cmocka_unit_test(case_closed_association_ceased_is_invalid_field_on_a_wr_case),
	    cmocka_unit_test(every_wr_deadline_opens_with_its_default_and_owner),
	    cmocka_unit_test(every_wr_deadline_is_reminded_breached_and_escalated),
	    cmocka_unit_test(every_wr_deadline_is_met_on_leaving_its_state),
	    cmocka_unit_test(case_closed_ends_every_wr_deadline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
