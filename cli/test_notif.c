/* integrityctl's notification lines, seq bookkeeping, typed times and the report and
 * deadline views, without a daemon. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clitime.h"
#include "notif.h"
#include "show.h"

/* 2026-03-01T00:00:00Z */
#define MAR1 1772323200000ULL

static json_t *load(const char *text)
{
	json_error_t err;
	json_t *j = json_loads(text, JSON_DECODE_ANY, &err);

	if (!j)
		fail_msg("bad test JSON: %s: %s", err.text, text);
	return j;
}

static void assert_line(const char *doc, const char *want)
{
	json_t *n = load(doc);
	char *line = notif_line(n);

	assert_non_null(line);
	assert_string_equal(line, want);
	free(line);
	json_decref(n);
}

/* PROTOCOL.md "Notify": a deadline topic carries {kind, due_at, level}. */
static void test_deadline_breached_line_names_kind_due_and_level(void **state)
{
	(void)state;
	assert_line(
	    "{\"v\":1,\"seq\":42,\"topic\":\"deadline.breached\",\"at\":1772323200000,"
	    "\"case\":\"NA-2026-000007\",\"state\":\"awaiting_manager_review\","
	    "\"recipients\":[{\"role\":\"line_manager\",\"id\":\"LM-4711\"}],"
	    "\"deadline\":{\"kind\":\"manager_review\",\"due_at\":1772323200500,\"level\":0},"
	    "\"detail\":{}}",
	    "42  2026-03-01T00:00:00Z  deadline.breached  NA-2026-000007  "
	    "awaiting_manager_review  to=line_manager:LM-4711  "
	    "deadline=manager_review due=2026-03-01T00:00:00.500Z level=0");
}

/* case.state_changed: detail {from, to}, sorted; a recipient with a nil id is its role. */
static void test_state_changed_line_has_sorted_detail_and_role_only_recipients(void **state)
{
	(void)state;
	assert_line(
	    "{\"v\":1,\"seq\":3,\"topic\":\"case.state_changed\",\"at\":1772323200000,"
	    "\"case\":\"NA-2026-000001\",\"state\":\"awaiting_assessment\","
	    "\"recipients\":[{\"role\":\"psd\",\"id\":null},{\"role\":\"aa\",\"id\":\"AA1\"}],"
	    "\"detail\":{\"to\":\"awaiting_assessment\",\"from\":\"awaiting_manager_review\"}}",
	    "3  2026-03-01T00:00:00Z  case.state_changed  NA-2026-000001  "
	    "awaiting_assessment  to=psd,aa:AA1  "
	    "detail from=awaiting_manager_review to=awaiting_assessment");
}

/* A detail value must stay one word: blanks and '=' are quoted, times read as times,
 * booleans and numbers as JSON; no recipients is to=-. */
static void test_detail_values_stay_one_word(void **state)
{
	(void)state;
	assert_line(
	    "{\"seq\":9,\"topic\":\"vetting.review_required\",\"at\":0,\"case\":\"X\","
	    "\"state\":\"s\",\"recipients\":[],"
	    "\"detail\":{\"optional\":true,\"n\":2,\"why\":\"a b=c\",\"until_at\":1772323200000,"
	    "\"list\":[1,\"x\"]}}",
	    "9  1970-01-01T00:00:00Z  vetting.review_required  X  s  to=-  "
	    "detail list=[1,\"x\"] n=2 optional=true until_at=2026-03-01T00:00:00Z "
	    "why=\"a b=c\"");
}

/* Whatever the daemon sends, the line is one line: absent fields are "-", control bytes
 * from the store are escaped, never sent to the terminal. */
static void test_odd_notifications_still_make_one_safe_line(void **state)
{
	json_t *n;
	char *line;

	(void)state;
	assert_line("{}", "-  -  -  -  -  to=-");
	assert_line("{\"seq\":1,\"topic\":\"t\",\"at\":\"soon\",\"case\":\"C\\u001b[2J\","
		    "\"state\":\"s\",\"recipients\":\"everyone\",\"deadline\":7}",
		    "1  soon  t  C\\x1b[2J  s  to=-");
	n = load("{\"seq\":1,\"case\":\"a\\nb\",\"detail\":{\"k\\u0007\":\"v\\nw\"}}");
	line = notif_line(n);
	assert_non_null(line);
	assert_null(strchr(line, '\n'));
	assert_null(strchr(line, '\a'));
	free(line);
	json_decref(n);
}

static void test_seq_is_an_unsigned_integer(void **state)
{
	json_t *n = load("{\"seq\":17}"), *bad = load("{\"seq\":\"17\"}"),
	       *neg = load("{\"seq\":-1}");
	uint64_t seq = 0;

	(void)state;
	assert_true(notif_seq(n, &seq));
	assert_int_equal(seq, 17);
	assert_false(notif_seq(bad, &seq));
	assert_false(notif_seq(neg, &seq));
	json_decref(n);
	json_decref(bad);
	json_decref(neg);
}

/* PROTOCOL.md "Notify": seq +1 for each, no gaps; a subscriber that sees a jump missed
 * some; a republished one after a restart is a repeat. */
static void test_seq_jump_is_a_gap_and_a_lower_seq_a_repeat(void **state)
{
	struct notif_seen s = {0};

	(void)state;
	assert_int_equal(notif_order(&s, 5), NOTIF_NEXT); /* the first one seen: no gap known */
	notif_mark(&s, 5);
	assert_int_equal(notif_order(&s, 6), NOTIF_NEXT);
	notif_mark(&s, 6);
	assert_int_equal(notif_order(&s, 9), NOTIF_JUMP);
	assert_int_equal(notif_order(&s, 6), NOTIF_REPEAT);
	assert_int_equal(notif_order(&s, 1), NOTIF_REPEAT);

	/* --since 0: seq 1 is next, seq 2 a gap of one */
	s = (struct notif_seen){.last = 0, .known = true};
	assert_int_equal(notif_order(&s, 1), NOTIF_NEXT);
	assert_int_equal(notif_order(&s, 2), NOTIF_JUMP);
}

/* A SUB filter is a prefix: "deadline." takes every deadline topic. */
static void test_topics_match_by_prefix(void **state)
{
	char *topics[] = {"deadline.", "case.opened"};

	(void)state;
	assert_true(notif_topic_matches("anything", topics, 0));
	assert_true(notif_topic_matches("deadline.breached", topics, 2));
	assert_true(notif_topic_matches("case.opened", topics, 2));
	assert_false(notif_topic_matches("case.closed", topics, 2));
	assert_false(notif_topic_matches("deadline", topics, 2));
}

static void test_times_read_as_iso_8601_utc_or_ms(void **state)
{
	uint64_t ms = 0;

	(void)state;
	assert_int_equal(clitime_parse("1772323200000", &ms), 0);
	assert_int_equal(ms, MAR1);
	assert_int_equal(clitime_parse("2026-03-01", &ms), 0);
	assert_int_equal(ms, MAR1);
	assert_int_equal(clitime_parse("2026-03-01T09:30:00Z", &ms), 0);
	assert_int_equal(ms, MAR1 + (9 * 3600 + 30 * 60) * 1000ULL);
	assert_int_equal(clitime_parse("2026-03-01T00:00:00.25Z", &ms), 0);
	assert_int_equal(ms, MAR1 + 250);
	assert_int_equal(clitime_parse("2024-02-29T23:59:59.999Z", &ms), 0);
	assert_int_equal(ms, 1709251199999ULL);

	ms = 7;
	static const char *const bad[] = {
	    "",
	    "soon",
	    "-5",
	    "2026-03-01T09:30:00",       /* no zone: whose time? */
	    "2026-03-01T09:30:00+01:00", /* UTC only */
	    "2026-02-30",
	    "2025-02-29",
	    "2026-13-01",
	    "2026-03-01T24:00:00Z",
	    "2026-03-01T09:30Z",
	    "2026-03-01T09:30:00.1234Z",
	    "2026-03-01T09:30:00.Z",
	    "2026-03-01Z",
	    "99999999999999999999999",
	    "1969-12-31",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (clitime_parse(bad[i], &ms) != -EINVAL)
			fail_msg("'%s' was taken as a time", bad[i]);
		assert_int_equal(ms, 7);
	}
}

/* show_time and clitime_parse agree, so a due time printed can be typed back. */
static void test_printed_time_reads_back(void **state)
{
	static const uint64_t times[] = {0, MAR1, MAR1 + 1, MAR1 + 999, 4102444799999ULL};
	char buf[40];
	uint64_t back;

	(void)state;
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		show_time(times[i], buf, sizeof(buf));
		assert_int_equal(clitime_parse(buf, &back), 0);
		assert_int_equal(back, times[i]);
	}
}

/* The report is printed whatever its shape: sorted, nested maps indented, siblings aligned. */
static void test_report_prints_nested_maps_sorted_and_aligned(void **state)
{
	json_t *r =
	    load("{\"cases\":3,\"by_kind\":{\"NA\":3},\"from\":1772323200000,\"to\":null,"
		 "\"by_state\":{},"
		 "\"deadlines\":{\"psd_assessment\":{\"share\":0.5,\"due\":2,\"met_on_time\":1,"
		 "\"late\":1,\"open\":0}},"
		 "\"by_outcome\":{\"assessment\":{\"advice\":1,\"no_further_action\":2}}}");
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	(void)state;
	assert_non_null(out);
	show_tree(out, r);
	fclose(out);
	assert_string_equal(text, "by_kind\n"
				  "  NA  3\n"
				  "by_outcome\n"
				  "  assessment\n"
				  "    advice             1\n"
				  "    no_further_action  2\n"
				  "by_state  (none)\n"
				  "cases     3\n"
				  "deadlines\n"
				  "  psd_assessment\n"
				  "    due          2\n"
				  "    late         1\n"
				  "    met_on_time  1\n"
				  "    open         0\n"
				  "    share        0.5\n"
				  "from      2026-03-01T00:00:00Z\n"
				  "to        -\n");
	free(text);
	json_decref(r);
}

static void test_deadlines_table_has_iso_due_times(void **state)
{
	json_t *d = load("[{\"case\":\"NA-2026-000001\",\"kind\":\"manager_review\","
			 "\"due_at\":1772323200000,\"status\":\"breached\",\"level\":1}]");
	json_t *none = load("[]");
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	(void)state;
	assert_non_null(out);
	show_deadlines(out, d);
	show_deadlines(out, none);
	fclose(out);
	assert_string_equal(
	    text, "CASE            KIND            DUE                   STATUS    LEVEL\n"
		  "NA-2026-000001  manager_review  2026-03-01T00:00:00Z  breached  1\n"
		  "no deadlines\n");
	free(text);
	json_decref(d);
	json_decref(none);
}

/* case.get's fields of issue 3: tasks, aa, closed_at, disposed_at. */
static void test_case_show_has_tasks_aa_and_closing_times(void **state)
{
	json_t *c =
	    load("{\"case\":\"NA-2026-000002\",\"state\":\"closed\",\"aa\":\"AA2\","
		 "\"closed_at\":1772323200000,\"disposed_at\":null,"
		 "\"tasks\":[{\"kind\":\"vetting_review\",\"status\":\"open\",\"optional\":false,"
		 "\"outcome\":null,\"opened_at\":1772323200000,\"done_at\":null}]}");
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	(void)state;
	assert_non_null(out);
	show_case(out, c);
	fclose(out);
	assert_non_null(strstr(text, "\naa            AA2\n"));
	assert_non_null(strstr(text, "\nclosed at     2026-03-01T00:00:00Z\n"));
	assert_null(strstr(text, "disposed"));
	assert_non_null(
	    strstr(text, "\ntasks\n  KIND            STATUS  OPTIONAL  OUTCOME  OPENED"));
	assert_non_null(
	    strstr(text, "  vetting_review  open    no        -        2026-03-01T00:00:00Z  -\n"));
	assert_null(strstr(text, "\nother\n"));
	free(text);
	json_decref(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_deadline_breached_line_names_kind_due_and_level),
	    cmocka_unit_test(test_state_changed_line_has_sorted_detail_and_role_only_recipients),
	    cmocka_unit_test(test_detail_values_stay_one_word),
	    cmocka_unit_test(test_odd_notifications_still_make_one_safe_line),
	    cmocka_unit_test(test_seq_is_an_unsigned_integer),
	    cmocka_unit_test(test_seq_jump_is_a_gap_and_a_lower_seq_a_repeat),
	    cmocka_unit_test(test_topics_match_by_prefix),
	    cmocka_unit_test(test_times_read_as_iso_8601_utc_or_ms),
	    cmocka_unit_test(test_printed_time_reads_back),
	    cmocka_unit_test(test_report_prints_nested_maps_sorted_and_aligned),
	    cmocka_unit_test(test_deadlines_table_has_iso_due_times),
	    cmocka_unit_test(test_case_show_has_tasks_aa_and_closing_times),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
