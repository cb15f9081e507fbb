/* policy: WORKFLOW.md "Deadlines" as rows, and the settings built from the config: defaults,
 * reminders, the AA roster, the vetting levels that require a review, the holiday file. */
#include "dtest.h"

#include <string.h>

#include "policy/policy.h"
#include "typetab.h"

#define DAY_MS (86400ull * 1000)

static char dir[PATH_MAX];

static int setup(void **state)
{
	(void)state;
	dtest_fresh_dir("policy", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	dtest_rmrf(dir);
	return 0;
}

/* Loads text as a config and builds the policy; returns policy_load's result (or fails the
 * test when the config itself is refused). */
static int load_policy(const char *text, struct policy *p, char err[CONFIG_ERR_MAX])
{
	static int n;
	char name[32], path[PATH_MAX];
	struct config cfg;

	snprintf(name, sizeof(name), "p%d.conf", n++);
	dtest_write_file(dir, name, text, path);
	if (config_load(&cfg, path, err) != 0)
		fail_msg("config rejected: %s", err);
	return policy_load(p, &cfg, err);
}

static void assert_policy_ok(const char *text, struct policy *p)
{
	char err[CONFIG_ERR_MAX];

	if (load_policy(text, p, err) != 0)
		fail_msg("policy rejected: %s", err);
}

/* policy_load refuses text with an error containing each of the needles. */
static void assert_policy_fails(const char *text, const char *needle, const char *needle2)
{
	char err[CONFIG_ERR_MAX];
	struct policy p;

	if (load_policy(text, &p, err) != -1)
		fail_msg("policy accepted: %s", text);
	assert_contains(err, needle);
	if (needle2)
		assert_contains(err, needle2);
}

static void assert_dur(struct duration d, uint64_t n, enum dur_unit unit)
{
	assert_int_equal(d.unit, unit);
	assert_int_equal(d.n, n);
}

/* ---- the rules ---- */

/* WORKFLOW.md "Deadlines", as written there: kind, opens on entering, default, owner, at due
 * time. "—" owners are ROLE_NONE; states written as events are "none". */
static const struct {
	const char *kind, *opens_on;
	struct duration dflt;
	enum proto_role owner;
	enum dl_action at_due;
	bool reminders;
} workflow[] = {
    {"manager_review",
     "awaiting_manager_review",
     {7 * DAY_MS, DUR_MS},
     ROLE_LINE_MANAGER,
     DLA_BREACH,
     true},
    {"psd_assessment", "awaiting_assessment", {28 * DAY_MS, DUR_MS}, ROLE_PSD, DLA_BREACH, true},
    {"interview", "awaiting_interview", {28 * DAY_MS, DUR_MS}, ROLE_PSD, DLA_BREACH, true},
    {"mitigation_proposal",
     "awaiting_mitigation",
     {28 * DAY_MS, DUR_MS},
     ROLE_PSD,
     DLA_BREACH,
     true},
    {"mitigation_response",
     "mitigation_proposed",
     {14 * DAY_MS, DUR_MS},
     ROLE_SUBJECT,
     DLA_REFER_AA,
     true},
    {"aa_approval", "awaiting_aa_approval", {14 * DAY_MS, DUR_MS}, ROLE_AA, DLA_BREACH, true},
    {"representations", "referred_to_aa", {14 * DAY_MS, DUR_MS}, ROLE_SUBJECT, DLA_WINDOW, true},
    {"aa_determination", "referred_to_aa", {28 * DAY_MS, DUR_MS}, ROLE_AA, DLA_BREACH, true},
    {"service", "awaiting_service", {7 * DAY_MS, DUR_MS}, ROLE_PSD, DLA_BREACH, true},
    {"appeal_window",
     "appeal_window",
     {14 * DAY_MS, DUR_MS},
     ROLE_SUBJECT,
     DLA_APPEAL_CLOSES,
     true},
    {"strategy_meeting", "under_appeal", {28 * DAY_MS, DUR_MS}, ROLE_HEAD_OF_PSD, DLA_BREACH, true},
    {"appeal_decision",
     "awaiting_appeal_decision",
     {14 * DAY_MS, DUR_MS},
     ROLE_HEAD_OF_PSD,
     DLA_BREACH,
     true},
    {"annual_review", "conditions_active", {12, DUR_MO}, ROLE_AA, DLA_BREACH, true},
    {"review", "none", {28 * DAY_MS, DUR_MS}, ROLE_AA, DLA_BREACH, true},
    {"vetting_review", "none", {28 * DAY_MS, DUR_MS}, ROLE_VETTING, DLA_BREACH, true},
    {"retention", "closed", {6, DUR_Y}, ROLE_NONE, DLA_DISPOSE, false},
};

static void test_every_kind_has_one_row(void **state)
{
	(void)state;
	assert_int_equal(sizeof(workflow) / sizeof(workflow[0]), DL_COUNT);
	for (int k = 0; k < DL_COUNT; k++) {
		const struct dl_rule *r = policy_dl_rule(k);

		assert_non_null(r);
		assert_int_equal(r->kind, k);
		assert_non_null(r->clause);
		assert_true(strlen(r->clause) > 10);
	}
}

static void test_rules_are_workflow_md_deadlines_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(workflow) / sizeof(workflow[0]); i++) {
		int k = policy_dl_parse(workflow[i].kind, strlen(workflow[i].kind));
		const struct dl_rule *r;

		if (k < 0)
			fail_msg("no kind %s", workflow[i].kind);
		r = policy_dl_rule(k);
		if ((int)r->opens_on !=
		    wf_state_parse(workflow[i].opens_on, strlen(workflow[i].opens_on)))
			fail_msg("%s opens on %s, not %s", workflow[i].kind,
				 wf_state_name(r->opens_on), workflow[i].opens_on);
		if (r->owner != workflow[i].owner)
			fail_msg("%s is owned by %s, not %s", workflow[i].kind,
				 proto_role_name(r->owner), proto_role_name(workflow[i].owner));
		assert_int_equal(r->at_due, workflow[i].at_due);
		assert_int_equal(r->reminders, workflow[i].reminders);
	}
}

/* WORKFLOW.md: "Durations are defaults; every one is a key under [deadlines]". */
static void test_defaults_are_workflow_md_default_column(void **state)
{
	struct policy p;

	(void)state;
	assert_policy_ok("", &p);
	for (size_t i = 0; i < sizeof(workflow) / sizeof(workflow[0]); i++) {
		int k = policy_dl_parse(workflow[i].kind, strlen(workflow[i].kind));

		assert_true(k >= 0);
		assert_dur(p.due[k], workflow[i].dflt.n, workflow[i].dflt.unit);
	}
	assert_int_equal(p.n_reminders, 2);
	assert_dur(p.reminders[0], 7 * DAY_MS, DUR_MS);
	assert_dur(p.reminders[1], 1 * DAY_MS, DUR_MS);
	assert_dur(p.escalation_interval, 7 * DAY_MS, DUR_MS);
	assert_int_equal(p.n_aa, 0);
	assert_int_equal(p.n_vetting_review, 3);
	assert_int_equal(p.cal.n, 0);
	policy_free(&p);
}

static void test_configured_durations_reach_the_policy(void **state)
{
	struct policy p;

	(void)state;
	assert_policy_ok("[deadlines]\nservice = 5wd\nannual_review = 6mo\n"
			 "[retention]\nclosed_case = 7y\n",
			 &p);
	assert_dur(p.due[DL_SERVICE], 5, DUR_WD);
	assert_dur(p.due[DL_ANNUAL_REVIEW], 6, DUR_MO);
	assert_dur(p.due[DL_RETENTION], 7, DUR_Y);
	assert_dur(p.due[DL_MANAGER_REVIEW], 7 * DAY_MS, DUR_MS);
	policy_free(&p);
}

static void test_kind_names_parse_by_length(void **state)
{
	(void)state;
	assert_int_equal(policy_dl_parse("review", 6), DL_REVIEW);
	assert_int_equal(policy_dl_parse("reviews", 6), DL_REVIEW);
	assert_int_equal(policy_dl_parse("reviews", 7), -1);
	assert_int_equal(policy_dl_parse("annual_review", 6), -1);
	assert_int_equal(policy_dl_parse("retention", 9), DL_RETENTION);
	assert_int_equal(policy_dl_parse("", 0), -1);
}

/* deadline.extended names a kind from proto's list: the [deadlines] kinds, retention aside. */
static void test_proto_deadline_kinds_are_the_deadlines_keys(void **state)
{
	int k = 0;

	(void)state;
	for (; proto_deadline_kinds[k]; k++) {
		assert_true(k < DL_COUNT);
		assert_string_equal(proto_deadline_kinds[k], config_dl_name(k));
	}
	assert_int_equal(k, DL_RETENTION);
	assert_int_equal(DL_RETENTION, DL_COUNT - 1);
}

/* ---- [deadlines] reminders and escalation_interval ---- */

static void test_reminders_are_sorted_longest_first(void **state)
{
	struct policy p;

	(void)state;
	assert_policy_ok("[deadlines]\nreminders = 1d,7d,12h,1mo,2wd,1y\n", &p);
	assert_int_equal(p.n_reminders, 6);
	assert_dur(p.reminders[0], 1, DUR_Y);
	assert_dur(p.reminders[1], 1, DUR_MO);
	assert_dur(p.reminders[2], 7 * DAY_MS, DUR_MS);
	assert_dur(p.reminders[3], 2, DUR_WD);
	assert_dur(p.reminders[4], 1 * DAY_MS, DUR_MS);
	assert_dur(p.reminders[5], 12 * 3600 * 1000ull, DUR_MS);
	policy_free(&p);
	assert_policy_ok("[deadlines]\nreminders =\n", &p);
	assert_int_equal(p.n_reminders, 0);
	policy_free(&p);
}

static void test_zero_or_repeated_reminder_is_refused_naming_the_key(void **state)
{
	(void)state;
	assert_policy_fails("[deadlines]\nreminders = 7d,0s\n", "[deadlines] reminders", "item 2");
	assert_policy_fails("[deadlines]\nreminders = 7d,1d,7d\n", "[deadlines] reminders",
			    "item 3 is listed twice");
}

/* "every escalation_interval after that it escalates one level": 0 would never stop. */
static void test_zero_escalation_interval_is_refused(void **state)
{
	(void)state;
	assert_policy_fails("[deadlines]\nescalation_interval = 0s\n",
			    ".conf:2: [deadlines] escalation_interval", NULL);
}

/* ---- [escalation] aa_roster ---- */

static void test_aa_roster_is_a_trimmed_comma_list(void **state)
{
	struct policy p;

	(void)state;
	assert_policy_ok("[escalation]\naa_roster = AA1, AA2\n", &p);
	assert_int_equal(p.n_aa, 2);
	assert_string_equal(p.aa[0], "AA1");
	assert_string_equal(p.aa[1], "AA2");
	policy_free(&p);
	assert_policy_ok("[escalation]\naa_roster = \t DI Jones ,AA2\t,  C1234\n", &p);
	assert_int_equal(p.n_aa, 3);
	assert_string_equal(p.aa[0], "DI Jones");
	assert_string_equal(p.aa[1], "AA2");
	assert_string_equal(p.aa[2], "C1234");
	policy_free(&p);
}

/* WORKFLOW.md: "the role alone when the roster is empty" */
static void test_empty_aa_roster_has_no_names(void **state)
{
	struct policy p;

	(void)state;
	assert_policy_ok("[escalation]\naa_roster =\n", &p);
	assert_int_equal(p.n_aa, 0);
	policy_free(&p);
}

static void test_aa_roster_limits(void **state)
{
	char text[CONFIG_ROSTER_MAX + 64], name[POLICY_AA_NAME_MAX + 2];
	struct policy p;
	size_t n;

	(void)state;
	/* POLICY_AA_MAX names fit, one more does not */
	n = (size_t)snprintf(text, sizeof(text), "[escalation]\naa_roster = A0");
	for (int i = 1; i < POLICY_AA_MAX; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, ",A%d", i);
	snprintf(text + n, sizeof(text) - n, "\n");
	assert_policy_ok(text, &p);
	assert_int_equal(p.n_aa, POLICY_AA_MAX);
	assert_string_equal(p.aa[POLICY_AA_MAX - 1], "A15");
	policy_free(&p);
	snprintf(text + n, sizeof(text) - n, ",A99\n");
	assert_policy_fails(text, "[escalation] aa_roster", "at most 16 names");
	/* a name of POLICY_AA_NAME_MAX bytes fits, one byte more does not */
	memset(name, 'x', POLICY_AA_NAME_MAX);
	name[POLICY_AA_NAME_MAX] = '\0';
	snprintf(text, sizeof(text), "[escalation]\naa_roster = AA1, %s\n", name);
	assert_policy_ok(text, &p);
	assert_string_equal(p.aa[1], name);
	policy_free(&p);
	strcat(name, "x");
	snprintf(text, sizeof(text), "[escalation]\naa_roster = AA1, %s\n", name);
	assert_policy_fails(text, "[escalation] aa_roster", "item 2");
}

static void test_empty_or_repeated_aa_is_refused(void **state)
{
	(void)state;
	assert_policy_fails("[escalation]\naa_roster = AA1,,AA2\n", "[escalation] aa_roster",
			    "item 2 is empty");
	assert_policy_fails("[escalation]\naa_roster = AA1,\n", "[escalation] aa_roster",
			    "item 2 is empty");
	assert_policy_fails("[escalation]\naa_roster = AA1, AA2 ,AA1\n", "[escalation] aa_roster",
			    "'AA1' is listed twice");
}

/* ---- [vetting] review_required ---- */

/* WMP: MV, SC and DV holders "will" be reviewed; RV holders "may" be. */
static void test_default_vetting_review_is_mv_sc_dv(void **state)
{
	static const char *const required[] = {"MV", "SC", "DV"};
	static const char *const optional[] = {"RV", "CTC", "NPPV1", "NPPV2", "NPPV3",
					       "sc", "S",   "SCX",   ""};
	struct policy p;

	(void)state;
	assert_policy_ok("", &p);
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		assert_true(policy_vetting_review(
		    &p, (struct proto_str){required[i], (uint32_t)strlen(required[i])}));
	for (size_t i = 0; i < sizeof(optional) / sizeof(optional[0]); i++)
		if (policy_vetting_review(
			&p, (struct proto_str){optional[i], (uint32_t)strlen(optional[i])}))
			fail_msg("%s requires a review", optional[i]);
	/* a level given with its length, not NUL-terminated */
	assert_true(policy_vetting_review(&p, (struct proto_str){"SCX", 2}));
	policy_free(&p);
}

static void test_vetting_review_required_takes_every_level(void **state)
{
	static const char *const all[] = {"RV", "MV", "CTC", "SC", "DV", "NPPV1", "NPPV2", "NPPV3"};
	struct policy p;

	(void)state;
	assert_policy_ok("[vetting]\nreview_required = RV, MV,CTC ,SC,DV,NPPV1,NPPV2,NPPV3\n", &p);
	assert_int_equal(p.n_vetting_review, 8);
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		assert_true(policy_vetting_review(
		    &p, (struct proto_str){all[i], (uint32_t)strlen(all[i])}));
	policy_free(&p);
	assert_policy_ok("[vetting]\nreview_required =\n", &p);
	assert_int_equal(p.n_vetting_review, 0);
	assert_false(policy_vetting_review(&p, (struct proto_str){"DV", 2}));
	policy_free(&p);
}

static void test_unknown_vetting_level_is_refused_naming_the_key(void **state)
{
	(void)state;
	assert_policy_fails("[vetting]\nreview_required = MV,XX,DV\n",
			    "[vetting] review_required: 'XX' is not a vetting level",
			    "RV MV CTC SC DV NPPV1 NPPV2 NPPV3");
	assert_policy_fails("[vetting]\nreview_required = sc\n", "[vetting] review_required",
			    "'sc'");
	assert_policy_fails("[vetting]\nreview_required = MV SC\n", "[vetting] review_required",
			    "'MV SC'");
	assert_policy_fails("[vetting]\nreview_required = SC,,DV\n", "[vetting] review_required",
			    "item 2 is empty");
	assert_policy_fails("[vetting]\nreview_required = SC,DV,SC\n", "[vetting] review_required",
			    "'SC' is listed twice");
}

/* ---- [deadlines] holidays ---- */

/* The dev config names the shipped England and Wales file relative to itself. */
static void test_dev_config_loads_the_shipped_holidays(void **state)
{
	char err[CONFIG_ERR_MAX];
	struct config cfg;
	struct policy p;

	(void)state;
	if (config_load(&cfg, DTEST_SOURCE_DIR "/config/integrityd.dev.conf", err) != 0 ||
	    policy_load(&p, &cfg, err) != 0)
		fail_msg("%s", err);
	assert_int_equal(p.cal.n, 8 * 7); /* 2024 to 2030 */
	assert_int_equal(p.n_aa, 2);
	policy_free(&p);
}

static void test_holidays_relative_to_the_config_file_are_loaded(void **state)
{
	char path[PATH_MAX];
	struct policy p;

	(void)state;
	dtest_write_file(dir, "hols.txt", "2026-12-25 # Christmas Day\n", path);
	assert_policy_ok("[deadlines]\nholidays = hols.txt\n", &p);
	assert_int_equal(p.cal.n, 1);
	assert_false(cal_is_working_day(&p.cal, (int64_t)(T2026 / DAY_MS) + 358)); /* 25 Dec */
	assert_true(cal_is_working_day(&p.cal, (int64_t)(T2026 / DAY_MS) + 357));
	policy_free(&p);
}

static void test_bad_holiday_file_names_its_file_and_line(void **state)
{
	char path[PATH_MAX], want[PATH_MAX + 8];

	(void)state;
	dtest_write_file(dir, "bad.txt", "# ok\n2026-12-25\n2026-02-30\n", path);
	snprintf(want, sizeof(want), "%s:3: ", path);
	assert_policy_fails("[deadlines]\nholidays = bad.txt\n", want, "2026-02-30");
	assert_policy_fails("[deadlines]\nholidays = bad.txt\n",
			    ".conf:2: [deadlines] holidays: ", NULL);
	snprintf(path, sizeof(path), "%.4000s/absent.txt", dir);
	assert_policy_fails("[deadlines]\nholidays = absent.txt\n", path, NULL);
}

/* Issue 11: every config error names its line, those found once the file is read too: the
 * line of the key, then (for the holiday file) the holiday file's own line. */
static void test_every_policy_error_names_the_line_of_its_key(void **state)
{
	static const struct {
		const char *text, *want;
	} rows[] = {
	    {"# a\n[deadlines]\nreminders = 7d,0d\n", ".conf:3: [deadlines] reminders: item 2"},
	    {"[deadlines]\n\n\nescalation_interval = 0s\n",
	     ".conf:4: [deadlines] escalation_interval: "},
	    {"[escalation]\n# a\naa_roster = A1,,A2\n", ".conf:3: [escalation] aa_roster: "},
	    {"[vetting]\nreview_required = XX\n", ".conf:2: [vetting] review_required: 'XX'"},
	    {"[vetting]\n[deadlines]\n#\nholidays = absent.txt\n",
	     ".conf:4: [deadlines] holidays: "},
	};
	char path[PATH_MAX], want[PATH_MAX + 8];

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		assert_policy_fails(rows[i].text, rows[i].want, NULL);
	/* both lines: the config's and the holiday file's */
	dtest_write_file(dir, "bad.txt", "2026-12-25\nChristmas\n", path);
	snprintf(want, sizeof(want), "[deadlines] holidays: %.3000s:2: ", path);
	assert_policy_fails("[deadlines]\nreminders = 1d\nholidays = bad.txt\n", ".conf:3: ", want);
}

/* policy.h: a failed load leaves p untouched, so a bad SIGHUP keeps the running policy. */
static void test_failed_load_leaves_the_policy_untouched(void **state)
{
	char err[CONFIG_ERR_MAX];
	struct policy p, before;

	(void)state;
	assert_policy_ok("[escalation]\naa_roster = AA1\n", &p);
	before = p;
	assert_int_equal(load_policy("[escalation]\naa_roster = A,A\n", &p, err), -1);
	assert_memory_equal(&p, &before, sizeof(p));
	assert_int_equal(load_policy("[deadlines]\nholidays = absent.txt\n", &p, err), -1);
	assert_memory_equal(&p, &before, sizeof(p));
	policy_free(&p);
	assert_int_equal(p.n_aa, 0);
	assert_null(p.cal.holidays);
}

/* The timer fingerprint tells lists of different lengths apart even when their bytes run
 * together alike: four zero reminders and a zero interval, against no reminder, a zero
 * interval and nine holidays on day 0 (45 zero bytes either way; review). */
static void test_fingerprint_tells_list_lengths_apart(void **state)
{
	static struct policy a, b;
	int32_t days[9] = {0};

	(void)state;
	a.n_reminders = 4;
	a.escalation_interval = (struct duration){0, DUR_MS};
	b.escalation_interval = a.escalation_interval;
	b.cal.holidays = days;
	b.cal.n = 9;
	assert_int_not_equal(policy_timer_fingerprint(&a), policy_timer_fingerprint(&b));
	b.cal.n = 0;
	a.n_reminders = 0;
	assert_int_equal(policy_timer_fingerprint(&a), policy_timer_fingerprint(&b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_kind_has_one_row),
	    cmocka_unit_test(test_rules_are_workflow_md_deadlines_table),
	    cmocka_unit_test(test_defaults_are_workflow_md_default_column),
	    cmocka_unit_test(test_configured_durations_reach_the_policy),
	    cmocka_unit_test(test_kind_names_parse_by_length),
	    cmocka_unit_test(test_proto_deadline_kinds_are_the_deadlines_keys),
	    cmocka_unit_test(test_reminders_are_sorted_longest_first),
	    cmocka_unit_test(test_zero_or_repeated_reminder_is_refused_naming_the_key),
	    cmocka_unit_test(test_zero_escalation_interval_is_refused),
	    cmocka_unit_test(test_aa_roster_is_a_trimmed_comma_list),
	    cmocka_unit_test(test_empty_aa_roster_has_no_names),
	    cmocka_unit_test(test_aa_roster_limits),
	    cmocka_unit_test(test_empty_or_repeated_aa_is_refused),
	    cmocka_unit_test(test_default_vetting_review_is_mv_sc_dv),
	    cmocka_unit_test(test_vetting_review_required_takes_every_level),
	    cmocka_unit_test(test_unknown_vetting_level_is_refused_naming_the_key),
	    cmocka_unit_test(test_dev_config_loads_the_shipped_holidays),
	    cmocka_unit_test(test_holidays_relative_to_the_config_file_are_loaded),
	    cmocka_unit_test(test_bad_holiday_file_names_its_file_and_line),
	    cmocka_unit_test(test_every_policy_error_names_the_line_of_its_key),
	    cmocka_unit_test(test_failed_load_leaves_the_policy_untouched),
	    cmocka_unit_test(test_fingerprint_tells_list_lengths_apart),
	};

	return cmocka_run_group_tests_name("daemon/policy", tests, setup, teardown);
}
