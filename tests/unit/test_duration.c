/* Durations (PROTOCOL.md "Durations are a number and a unit: s, m, h, d, wd, mo, y"), as the
 * config and PF_DURATION body fields read them. */
#include <string.h>

#include "testutil.h"

#define MS_PER_S   UINT64_C(1000)
#define MS_PER_DAY (86400 * MS_PER_S)

static int parse(const char *s, struct duration *d)
{
	return proto_duration_parse(s, strlen(s), d);
}

static void expect(const char *s, uint64_t n, enum dur_unit unit)
{
	struct duration d = {.n = 77, .unit = DUR_Y};

	if (parse(s, &d) != 0)
		fail_msg("\"%s\" was refused", s);
	if (d.n != n || d.unit != unit)
		fail_msg("\"%s\" gave %llu unit %d; expected %llu unit %d", s,
			 (unsigned long long)d.n, d.unit, (unsigned long long)n, unit);
}

static void expect_refused(const char *s)
{
	struct duration d = {.n = 77, .unit = DUR_Y};

	if (parse(s, &d) != -1)
		fail_msg("\"%s\" was accepted", s);
	assert_true(d.n == 77 && d.unit == DUR_Y); /* untouched on failure */
}

static void test_exact_units_are_milliseconds(void **state)
{
	(void)state;
	expect("300s", 300 * MS_PER_S, DUR_MS);
	expect("15m", 15 * 60 * MS_PER_S, DUR_MS);
	expect("2h", 2 * 3600 * MS_PER_S, DUR_MS);
	expect("7d", 7 * MS_PER_DAY, DUR_MS);
	expect("0s", 0, DUR_MS);
	expect("007d", 7 * MS_PER_DAY, DUR_MS);
}

static void test_calendar_units_keep_their_count(void **state)
{
	(void)state;
	expect("5wd", 5, DUR_WD);
	expect("10wd", 10, DUR_WD);
	expect("12mo", 12, DUR_MO);
	expect("6y", 6, DUR_Y);
}

static void test_length_is_given_not_read_up_to_a_nul(void **state)
{
	struct duration d;

	(void)state;
	assert_int_equal(proto_duration_parse("14dXX", 3, &d), 0);
	assert_true(d.n == 14 * MS_PER_DAY && d.unit == DUR_MS);
	assert_int_equal(proto_duration_parse("12mo", 3, &d), 0); /* "12m" is 12 minutes */
	assert_true(d.n == 12 * 60 * MS_PER_S && d.unit == DUR_MS);
	assert_int_equal(proto_duration_parse("7d", 0, &d), -1);
}

static void test_anything_but_digits_and_a_unit_is_refused(void **state)
{
	static const char *const bad[] = {
	    "",     "d",  "7",   "7x",   "7 d", " 7d", "7d ",  "+7d",  "-7d",
	    "1.5d", "7D", "7dd", "7mos", "7w",  "7ms", "0x7d", "7d\n", "١d",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_refused(bad[i]);
}

static void test_overflow_of_64_bit_milliseconds_is_refused(void **state)
{
	(void)state;
	/* UINT64_MAX = 18446744073709551615 ms */
	expect("18446744073709551s", 18446744073709551000ull, DUR_MS);
	expect_refused("18446744073709552s");
	expect_refused("18446744073709551616s"); /* the count alone overflows */
	expect_refused("99999999999999999999999d");
	expect("213503982334d", 213503982334ull * MS_PER_DAY, DUR_MS);
	expect_refused("213503982335d");
	/* calendar units: refused when even their shortest length overflows */
	expect("213503982334wd", 213503982334ull, DUR_WD);
	expect_refused("213503982335wd");
	expect("7625142226mo", 7625142226ull, DUR_MO);
	expect_refused("7625142227mo"); /* 28-day months */
	expect_refused("584942418y");   /* 365-day years */
	expect("584942417y", 584942417ull, DUR_Y);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exact_units_are_milliseconds),
	    cmocka_unit_test(test_calendar_units_keep_their_count),
	    cmocka_unit_test(test_length_is_given_not_read_up_to_a_nul),
	    cmocka_unit_test(test_anything_but_digits_and_a_unit_is_refused),
	    cmocka_unit_test(test_overflow_of_64_bit_milliseconds_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
