/* wf: the opening rows of WORKFLOW.md "Events on an NA case" (declaration.submitted,
 * referral.submitted), the roles they admit, and the state names. */
#include "dtest.h"

#include <string.h>

#include "wf.h"

/* Steps the event of spec from state `from`; returns wf_step's result. */
static int step(const struct ev_spec *s, enum wf_state from, struct wf_result *res,
		struct proto_error *err)
{
	struct tev t;
	int r;

	tev_init(&t, s, NOW_MS);
	memset(err, 0, sizeof(*err));
	r = wf_step(from, &t.item.ev, NOW_MS, res, err);
	tev_release(&t);
	return r;
}

static void assert_opens(const struct ev_spec *s, enum wf_state next, enum wf_origin origin)
{
	struct wf_result res;
	struct proto_error err;

	assert_proto_ok(step(s, WF_NONE, &res, &err), &err);
	assert_string_equal(wf_state_name(res.next), wf_state_name(next));
	assert_string_equal(wf_origin_name(res.origin), wf_origin_name(origin));
}

/* The event is forbidden, and the message names the actor's role and the type. */
static void assert_forbidden(const struct ev_spec *s, const char *role)
{
	struct wf_result res;
	struct proto_error err;

	assert_int_equal(step(s, WF_NONE, &res, &err), -1);
	assert_proto_err(&err, PROTO_FORBIDDEN, role);
	assert_contains(err.message, s->type ? s->type : "declaration.submitted");
}

/* ---- opening rows ---- */

/* WMP policy statements; P01c 3.5-3.15 */
static void test_declaration_by_its_subject_awaits_manager_review(void **state)
{
	struct ev_spec s = decl("e", "S1");

	(void)state;
	assert_opens(&s, WF_AWAITING_MANAGER_REVIEW, ORIGIN_SELF);
}

/* P01 3.4: when the line manager cannot be approached */
static void test_declaration_with_bypass_manager_awaits_assessment(void **state)
{
	struct ev_spec s = decl("e", "S1");

	(void)state;
	s.bypass_manager = true;
	assert_opens(&s, WF_AWAITING_ASSESSMENT, ORIGIN_SELF);
}

/* P01c 3.13; WMP "aware of ... another staff member" */
static void test_referral_by_reporter_line_manager_or_psd_awaits_assessment(void **state)
{
	static const char *const roles[] = {"reporter", "line_manager", "psd"};

	(void)state;
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		struct ev_spec s = referral("e", "S1", roles[i]);

		assert_opens(&s, WF_AWAITING_ASSESSMENT, ORIGIN_REFERRAL);
	}
}

static void test_anonymous_referral_awaits_assessment_with_origin_anonymous(void **state)
{
	struct ev_spec s = anon_referral("e", "S1");

	(void)state;
	assert_opens(&s, WF_AWAITING_ASSESSMENT, ORIGIN_ANONYMOUS);
}

/* ---- roles ---- */

static void test_declaration_by_any_role_but_subject_is_forbidden(void **state)
{
	static const char *const roles[] = {"line_manager", "psd", "aa",      "head_of_psd",
					    "vetting",      "hr",  "reporter"};

	(void)state;
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		struct ev_spec s = decl("e", "S1");

		s.actor_role = roles[i];
		assert_forbidden(&s, roles[i]);
		s.bypass_manager = true; /* the bypass row admits the same roles */
		assert_forbidden(&s, roles[i]);
	}
}

static void test_declaration_whose_actor_is_not_its_subject_is_forbidden(void **state)
{
	struct ev_spec s = decl("e", "S1");
	struct wf_result res;
	struct proto_error err;

	(void)state;
	s.actor_id = "S2";
	assert_int_equal(step(&s, WF_NONE, &res, &err), -1);
	assert_proto_err(&err, PROTO_FORBIDDEN, "actor.id");
	assert_contains(err.message, "subject");
}

static void test_referral_by_subject_aa_head_of_psd_vetting_or_hr_is_forbidden(void **state)
{
	static const char *const roles[] = {"subject", "aa", "head_of_psd", "vetting", "hr"};

	(void)state;
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		struct ev_spec s = referral("e", "S1", roles[i]);

		assert_forbidden(&s, roles[i]);
	}
}

/* ---- states ---- */

static void test_opening_event_on_an_existing_case_is_invalid_transition(void **state)
{
	struct ev_spec a = decl("e", "S1"), b = anon_referral("e", "S1");
	struct wf_result res;
	struct proto_error err;

	(void)state;
	for (int from = WF_AWAITING_MANAGER_REVIEW; from < WF_STATE_COUNT; from++) {
		assert_int_equal(step(&a, from, &res, &err), -1);
		assert_proto_err(&err, PROTO_INVALID_TRANSITION, wf_state_name(from));
		assert_int_equal(step(&b, from, &res, &err), -1);
		assert_proto_err(&err, PROTO_INVALID_TRANSITION, wf_state_name(from));
	}
}

static void test_role_is_judged_before_the_state(void **state)
{
	struct ev_spec s = referral("e", "S1", "hr");
	struct wf_result res;
	struct proto_error err;

	(void)state;
	assert_int_equal(step(&s, WF_CLOSED, &res, &err), -1);
	assert_proto_err(&err, PROTO_FORBIDDEN, "hr");
}

static void test_state_names_round_trip_through_wf_state_parse(void **state)
{
	(void)state;
	for (int s = 0; s < WF_STATE_COUNT; s++) {
		const char *name = wf_state_name(s);

		assert_string_not_equal(name, "?");
		assert_int_equal(wf_state_parse(name, strlen(name)), s);
	}
}

static void test_state_names_are_those_of_workflow_md(void **state)
{
	static const char *const names[] = {
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
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (wf_state_parse(names[i], strlen(names[i])) <= WF_NONE)
			fail_msg("WORKFLOW.md state %s is not parsed", names[i]);
}

static void test_unknown_or_partial_state_name_does_not_parse(void **state)
{
	(void)state;
	assert_int_equal(wf_state_parse("bogus", 5), -1);
	assert_int_equal(wf_state_parse("awaiting", 8), -1);
	assert_int_equal(wf_state_parse("closedx", 7), -1);
	assert_int_equal(wf_state_parse("closedx", 6), WF_CLOSED); /* length, not NUL, ends it */
	assert_int_equal(wf_state_parse("CLOSED", 6), -1);
	assert_int_equal(wf_state_parse("", 0), -1);
	assert_string_equal(wf_state_name(WF_STATE_COUNT), "?");
}

static void test_origin_names(void **state)
{
	(void)state;
	assert_string_equal(wf_origin_name(ORIGIN_SELF), "self");
	assert_string_equal(wf_origin_name(ORIGIN_REFERRAL), "referral");
	assert_string_equal(wf_origin_name(ORIGIN_ANONYMOUS), "anonymous");
	assert_string_equal(wf_origin_name(ORIGIN_COUNT), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_declaration_by_its_subject_awaits_manager_review),
	    cmocka_unit_test(test_declaration_with_bypass_manager_awaits_assessment),
	    cmocka_unit_test(test_referral_by_reporter_line_manager_or_psd_awaits_assessment),
	    cmocka_unit_test(test_anonymous_referral_awaits_assessment_with_origin_anonymous),
	    cmocka_unit_test(test_declaration_by_any_role_but_subject_is_forbidden),
	    cmocka_unit_test(test_declaration_whose_actor_is_not_its_subject_is_forbidden),
	    cmocka_unit_test(test_referral_by_subject_aa_head_of_psd_vetting_or_hr_is_forbidden),
	    cmocka_unit_test(test_opening_event_on_an_existing_case_is_invalid_transition),
	    cmocka_unit_test(test_role_is_judged_before_the_state),
	    cmocka_unit_test(test_state_names_round_trip_through_wf_state_parse),
	    cmocka_unit_test(test_state_names_are_those_of_workflow_md),
	    cmocka_unit_test(test_unknown_or_partial_state_name_does_not_parse),
	    cmocka_unit_test(test_origin_names),
	};

	return cmocka_run_group_tests_name("daemon/wf", tests, NULL, NULL);
}
