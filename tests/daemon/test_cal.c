/* cal: the time arithmetic of WORKFLOW.md "Deadlines" (calendar months for annual_review and
 * review_period, working days `wd` over weekends and the shipped England and Wales bank
 * holidays, reminders counted back from a due time), and the holiday file's errors. */
#include "dtest.h"

#include <string.h>
#include <time.h>

#include "policy/cal.h"

#define HOLIDAYS DTEST_SOURCE_DIR "/config/holidays-england-wales.txt"
#define SEC_MS   1000ull
#define DAY_MS   (86400ull * SEC_MS)

static const struct duration one_ms_day = {DAY_MS, DUR_MS};
static const struct duration one_wd = {1, DUR_WD};
static const struct duration one_mo = {1, DUR_MO};
static const struct duration one_y = {1, DUR_Y};

static char dir[PATH_MAX];
static struct cal ew; /* the shipped England and Wales calendar */

static int setup(void **state)
{
	char err[CAL_ERR_MAX];

	(void)state;
	dtest_fresh_dir("cal", dir);
	if (cal_load(&ew, HOLIDAYS, err) != 0)
		fail_msg("%s", err);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	cal_free(&ew);
	dtest_rmrf(dir);
	return 0;
}

/* The UTC time y-m-d h:mi, by the C library (an independent reference for cal). */
static uint64_t utc(int y, int m, int d, int h, int mi)
{
	struct tm tm = {
	    .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};

	return (uint64_t)timegm(&tm) * SEC_MS;
}

static int64_t day_of(int y, int m, int d)
{
	return (int64_t)(utc(y, m, d, 0, 0) / DAY_MS);
}

/* Compares two times as UTC date-times, so that a failure reads as dates. */
#define assert_time(got, want) assert_time_at((got), (want), __FILE__, __LINE__)
static void assert_time_at(uint64_t got, uint64_t want, const char *file, int line)
{
	char g[32] = "?", w[32] = "?";
	time_t tg = (time_t)(got / SEC_MS), tw = (time_t)(want / SEC_MS);
	struct tm tm;

	if (got == want)
		return;
	if (gmtime_r(&tg, &tm))
		strftime(g, sizeof(g), "%Y-%m-%d %a %H:%M", &tm);
	if (gmtime_r(&tw, &tm))
		strftime(w, sizeof(w), "%Y-%m-%d %a %H:%M", &tm);
	fail_msg("%s:%d: got %s (%llu), want %s (%llu)", file, line, g, (unsigned long long)got, w,
		 (unsigned long long)want);
}

/* ---- calendar months (annual_review = 12mo; an AA decision's review_period) ---- */

static void test_31_jan_plus_1mo_is_the_last_day_of_february(void **state)
{
	(void)state;
	assert_time(cal_add(&ew, utc(2026, 1, 31, 9, 15), one_mo, 1), utc(2026, 2, 28, 9, 15));
	assert_time(cal_add(&ew, utc(2028, 1, 31, 9, 15), one_mo, 1), utc(2028, 2, 29, 9, 15));
	assert_time(cal_add(&ew, utc(2026, 3, 31, 23, 59), one_mo, 1), utc(2026, 4, 30, 23, 59));
	assert_time(cal_add(&ew, utc(2026, 1, 15, 0, 0), one_mo, 1), utc(2026, 2, 15, 0, 0));
}

/* t + n*(k mo) is one jump: 31 Jan + 2 x 1mo is 31 Mar, not 28 Feb + 1mo = 28 Mar. */
static void test_n_months_are_one_jump_not_month_by_month(void **state)
{
	(void)state;
	assert_time(cal_add(&ew, utc(2026, 1, 31, 12, 0), one_mo, 2), utc(2026, 3, 31, 12, 0));
	assert_time(cal_add(&ew, utc(2026, 1, 31, 12, 0), (struct duration){2, DUR_MO}, 1),
		    utc(2026, 3, 31, 12, 0));
}

static void test_29_feb_plus_1y_is_28_feb_and_plus_4y_is_29_feb(void **state)
{
	(void)state;
	assert_time(cal_add(&ew, utc(2028, 2, 29, 8, 0), one_y, 1), utc(2029, 2, 28, 8, 0));
	assert_time(cal_add(&ew, utc(2028, 2, 29, 8, 0), one_y, 4), utc(2032, 2, 29, 8, 0));
	/* 2100 is not a leap year, 2000 was */
	assert_time(cal_add(&ew, utc(2096, 2, 29, 8, 0), one_y, 4), utc(2100, 2, 28, 8, 0));
	assert_time(cal_sub(&ew, utc(2004, 2, 29, 8, 0), one_y, 4), utc(2000, 2, 29, 8, 0));
}

/* WORKFLOW.md annual_review default "12mo": a year to the day, across a year end. */
static void test_annual_review_12mo_is_the_same_day_next_year(void **state)
{
	(void)state;
	assert_time(cal_add(&ew, utc(2026, 3, 15, 10, 30), (struct duration){12, DUR_MO}, 1),
		    utc(2027, 3, 15, 10, 30));
	assert_time(cal_add(&ew, utc(2026, 12, 31, 10, 30), (struct duration){12, DUR_MO}, 1),
		    utc(2027, 12, 31, 10, 30));
	assert_time(cal_add(&ew, utc(2026, 11, 30, 10, 30), (struct duration){3, DUR_MO}, 1),
		    utc(2027, 2, 28, 10, 30));
	/* [retention] closed_case = 6y */
	assert_time(cal_add(&ew, utc(2026, 7, 1, 0, 0), (struct duration){6, DUR_Y}, 1),
		    utc(2032, 7, 1, 0, 0));
}

static void test_months_back_clamp_too(void **state)
{
	(void)state;
	assert_time(cal_sub(&ew, utc(2026, 3, 31, 9, 0), one_mo, 1), utc(2026, 2, 28, 9, 0));
	assert_time(cal_sub(&ew, utc(2027, 1, 15, 9, 0), one_mo, 1), utc(2026, 12, 15, 9, 0));
}

/* t + k months (k < 0: back) by the C library's calendar, clamped to the month's end. */
static uint64_t ref_months(uint64_t t, int k)
{
	time_t s = (time_t)(t / SEC_MS);
	struct tm tm;
	int months, y, m, d;

	gmtime_r(&s, &tm);
	months = tm.tm_year * 12 + tm.tm_mon + k;
	y = months / 12 + 1900;
	m = months % 12 + 1;
	for (d = tm.tm_mday; d > 28 && utc(y, m, d, 0, 0) >= utc(y, m + 1, 1, 0, 0); d--)
		;
	return utc(y, m, d, tm.tm_hour, tm.tm_min);
}

/* The month arithmetic against the C library's calendar, for every day 1981-2400. */
static void test_months_agree_with_the_c_library_every_day(void **state)
{
	static const int steps[] = {1, 11, 12, 13, 25, 120};
	uint64_t end = utc(2400, 12, 31, 0, 0);

	(void)state;
	for (uint64_t t = utc(1981, 1, 1, 7, 30); t < end; t += DAY_MS)
		for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
			uint64_t add = cal_add(&ew, t, one_mo, (uint64_t)steps[i]);
			uint64_t sub = cal_sub(&ew, t, one_mo, (uint64_t)steps[i]);

			if (add != ref_months(t, steps[i]))
				assert_time(add, ref_months(t, steps[i]));
			if (sub != ref_months(t, -steps[i]))
				assert_time(sub, ref_months(t, -steps[i]));
		}
}

/* ---- working days ---- */

static void test_wd_skips_weekends_and_keeps_the_time_of_day(void **state)
{
	struct cal none = {0};

	(void)state;
	/* Fri 9 Jan 2026 */
	assert_time(cal_add(&none, utc(2026, 1, 9, 10, 0), one_wd, 1), utc(2026, 1, 12, 10, 0));
	assert_time(cal_add(&none, utc(2026, 1, 8, 16, 45), one_wd, 2), utc(2026, 1, 12, 16, 45));
	assert_time(cal_add(&none, utc(2026, 1, 12, 10, 0), one_wd, 5), utc(2026, 1, 19, 10, 0));
	assert_time(cal_add(&none, utc(2026, 1, 12, 10, 0), (struct duration){10, DUR_WD}, 1),
		    utc(2026, 1, 26, 10, 0));
	assert_time(cal_add(&none, utc(2026, 1, 12, 10, 0), one_wd, 4), utc(2026, 1, 16, 10, 0));
}

/* cal.h: "a t on a non-working day counts from the next working day's same time". */
static void test_wd_from_a_weekend_counts_from_monday_same_time(void **state)
{
	struct cal none = {0};

	(void)state;
	/* Sat 10 Jan 2026 10:00 + 1wd = as from Mon 12 10:00 = Tue 13 10:00 */
	assert_time(cal_add(&none, utc(2026, 1, 10, 10, 0), one_wd, 1), utc(2026, 1, 13, 10, 0));
	assert_time(cal_add(&none, utc(2026, 1, 11, 23, 59), one_wd, 1), utc(2026, 1, 13, 23, 59));
	assert_time(cal_add(&none, utc(2026, 1, 10, 10, 0), one_wd, 5), utc(2026, 1, 19, 10, 0));
	/* 0 of any unit moves nothing, even from a weekend */
	assert_time(cal_add(&none, utc(2026, 1, 10, 10, 0), one_wd, 0), utc(2026, 1, 10, 10, 0));
	assert_time(cal_add(&none, utc(2026, 1, 10, 10, 0), (struct duration){0, DUR_WD}, 3),
		    utc(2026, 1, 10, 10, 0));
}

/* Easter 2026: Good Friday 3 Apr and Easter Monday 6 Apr are bank holidays. */
static void test_wd_across_easter_2026_with_the_shipped_holidays(void **state)
{
	struct cal none = {0};

	(void)state;
	assert_time(cal_add(&ew, utc(2026, 4, 2, 10, 0), one_wd, 1), utc(2026, 4, 7, 10, 0));
	assert_time(cal_add(&ew, utc(2026, 4, 2, 10, 0), one_wd, 2), utc(2026, 4, 8, 10, 0));
	/* from Good Friday itself: counted from Tue 7 Apr */
	assert_time(cal_add(&ew, utc(2026, 4, 3, 10, 0), one_wd, 1), utc(2026, 4, 8, 10, 0));
	assert_time(cal_add(&ew, utc(2026, 4, 6, 10, 0), one_wd, 1), utc(2026, 4, 8, 10, 0));
	/* weekends only, the same start lands on Good Friday */
	assert_time(cal_add(&none, utc(2026, 4, 2, 10, 0), one_wd, 1), utc(2026, 4, 3, 10, 0));
	/* 10wd from Wed 1 Apr: 2, 7, 8, 9, 10, 13, 14, 15, 16, 17 */
	assert_time(cal_add(&ew, utc(2026, 4, 1, 9, 0), (struct duration){10, DUR_WD}, 1),
		    utc(2026, 4, 17, 9, 0));
}

/* Christmas 2026: Fri 25 Dec, and Boxing Day's substitute Mon 28 Dec; then 1 Jan 2027. */
static void test_wd_across_christmas_2026_with_the_shipped_holidays(void **state)
{
	(void)state;
	assert_time(cal_add(&ew, utc(2026, 12, 24, 14, 0), one_wd, 1), utc(2026, 12, 29, 14, 0));
	assert_time(cal_add(&ew, utc(2026, 12, 24, 14, 0), one_wd, 3), utc(2026, 12, 31, 14, 0));
	assert_time(cal_add(&ew, utc(2026, 12, 24, 14, 0), one_wd, 4), utc(2027, 1, 4, 14, 0));
	assert_time(cal_add(&ew, utc(2026, 12, 25, 14, 0), one_wd, 1), utc(2026, 12, 30, 14, 0));
	/* 28 working days, the default psd_assessment length if set as 28wd */
	assert_time(cal_add(&ew, utc(2026, 12, 1, 9, 0), (struct duration){28, DUR_WD}, 1),
		    utc(2027, 1, 13, 9, 0));
}

/* "Reminders go at the [deadlines] reminders offsets before it is due": counted back. */
static void test_reminders_count_back_from_the_due_time(void **state)
{
	(void)state;
	/* due Tue 7 Apr 2026 10:00: 1wd before is Thu 2 Apr (Easter in between) */
	assert_time(cal_sub(&ew, utc(2026, 4, 7, 10, 0), one_wd, 1), utc(2026, 4, 2, 10, 0));
	assert_time(cal_sub(&ew, utc(2026, 4, 7, 10, 0), one_wd, 2), utc(2026, 4, 1, 10, 0));
	/* due Tue 29 Dec 2026: 1wd before is Thu 24 Dec */
	assert_time(cal_sub(&ew, utc(2026, 12, 29, 10, 0), one_wd, 1), utc(2026, 12, 24, 10, 0));
	/* a due time on a non-working day counts from the previous working day's same time */
	assert_time(cal_sub(&ew, utc(2026, 1, 11, 10, 0), one_wd, 1), utc(2026, 1, 8, 10, 0));
	assert_time(cal_sub(&ew, utc(2026, 1, 12, 10, 0), one_wd, 1), utc(2026, 1, 9, 10, 0));
	/* exact units */
	assert_time(cal_sub(&ew, utc(2026, 4, 7, 10, 0), one_ms_day, 7), utc(2026, 3, 31, 10, 0));
	assert_time(
	    cal_sub(&ew, utc(2026, 4, 7, 10, 0), (struct duration){3600 * SEC_MS, DUR_MS}, 1),
	    utc(2026, 4, 7, 9, 0));
}

/* Adding then subtracting n working days between working days is the identity. */
static void test_wd_add_and_sub_are_inverse_on_working_days(void **state)
{
	(void)state;
	for (uint64_t t = utc(2024, 1, 1, 11, 0); t < utc(2030, 12, 31, 0, 0); t += DAY_MS) {
		if (!cal_is_working_day(&ew, (int64_t)(t / DAY_MS)))
			continue;
		for (uint64_t n = 1; n <= 30; n += 7) {
			uint64_t u = cal_add(&ew, t, one_wd, n);

			assert_true(cal_is_working_day(&ew, (int64_t)(u / DAY_MS)));
			assert_time(cal_sub(&ew, u, one_wd, n), t);
		}
	}
}

/* The working-day arithmetic against counting day by day, as cal.h defines it, from every
 * day 2023-2031 (working or not) and for 1 to 45 working days either way. */
static uint64_t naive_wd(const struct cal *c, uint64_t t, int64_t n, int step)
{
	int64_t day = (int64_t)(t / DAY_MS);

	while (!cal_is_working_day(c, day))
		day += step;
	while (n > 0) {
		day += step;
		n -= cal_is_working_day(c, day);
	}
	return (uint64_t)day * DAY_MS + t % DAY_MS;
}

static void test_wd_agrees_with_counting_day_by_day(void **state)
{
	(void)state;
	for (uint64_t t = utc(2023, 12, 1, 16, 20); t < utc(2031, 2, 1, 0, 0); t += DAY_MS)
		for (int64_t n = 1; n <= 45; n++) {
			uint64_t add = cal_add(&ew, t, one_wd, (uint64_t)n);
			uint64_t sub = cal_sub(&ew, t, one_wd, (uint64_t)n);

			if (add != naive_wd(&ew, t, n, 1))
				assert_time(add, naive_wd(&ew, t, n, 1));
			if (sub != naive_wd(&ew, t, n, -1))
				assert_time(sub, naive_wd(&ew, t, n, -1));
		}
}

static void test_exact_units_add_exactly(void **state)
{
	(void)state;
	assert_time(cal_add(&ew, utc(2026, 3, 28, 12, 0), one_ms_day, 1), utc(2026, 3, 29, 12, 0));
	assert_time(cal_add(&ew, utc(2026, 4, 2, 12, 0), one_ms_day, 28), utc(2026, 4, 30, 12, 0));
	assert_time(cal_add(&ew, 5, (struct duration){2, DUR_MS}, 3), 11);
}

/* ---- saturation ---- */

static void test_saturates_at_zero_and_the_maximum(void **state)
{
	uint64_t t = utc(2026, 1, 1, 0, 0);

	(void)state;
	assert_int_equal(cal_add(&ew, UINT64_MAX - 5, (struct duration){1, DUR_MS}, 10),
			 UINT64_MAX);
	assert_int_equal(cal_add(&ew, t, one_ms_day, UINT64_MAX), UINT64_MAX);
	assert_int_equal(cal_add(&ew, t, (struct duration){UINT64_MAX, DUR_MS}, 2), UINT64_MAX);
	assert_int_equal(cal_sub(&ew, 1000, one_ms_day, 1), 0);
	assert_int_equal(cal_sub(&ew, t, one_ms_day, UINT64_MAX), 0);
	assert_int_equal(cal_add(&ew, t, one_mo, UINT64_MAX), UINT64_MAX);
	assert_int_equal(cal_add(&ew, t, one_y, UINT64_MAX / 2), UINT64_MAX);
	assert_int_equal(cal_add(&ew, t, (struct duration){UINT64_MAX, DUR_Y}, 1), UINT64_MAX);
	assert_int_equal(cal_sub(&ew, t, one_mo, UINT64_MAX), 0);
	assert_int_equal(cal_sub(&ew, t, one_y, 57), 0); /* before 1970 */
	assert_int_equal(cal_add(&ew, t, one_wd, UINT64_MAX), UINT64_MAX);
	assert_int_equal(cal_add(&ew, t, (struct duration){UINT64_MAX / 3, DUR_WD}, 7), UINT64_MAX);
	assert_int_equal(cal_sub(&ew, t, one_wd, UINT64_MAX), 0);
	assert_int_equal(cal_sub(&ew, t, one_wd, 1000000), 0);
	/* the last representable years still count, the next month saturates */
	assert_int_equal(cal_add(&ew, UINT64_MAX - DAY_MS * 40, one_mo, 2), UINT64_MAX);
	assert_true(cal_add(&ew, UINT64_MAX - DAY_MS * 400, one_mo, 1) < UINT64_MAX);
	assert_true(cal_add(&ew, UINT64_MAX - DAY_MS * 40, one_wd, 1) < UINT64_MAX);
	assert_int_equal(cal_add(&ew, UINT64_MAX - DAY_MS * 2, one_wd, 10), UINT64_MAX);
}

/* ---- the holiday file ---- */

/* The shipped file: gov.uk's England and Wales list, 8 a year 2024-2030, all weekdays. */
static void test_shipped_holidays_are_8_weekdays_a_year(void **state)
{
	int per_year[2031 - 2024] = {0};

	(void)state;
	assert_int_equal(ew.n, 8 * (2031 - 2024));
	for (size_t i = 0; i < ew.n; i++) {
		time_t s = (time_t)ew.holidays[i] * 86400;
		struct tm tm;

		gmtime_r(&s, &tm);
		assert_true(tm.tm_wday >= 1 && tm.tm_wday <= 5);
		assert_true(tm.tm_year + 1900 >= 2024 && tm.tm_year + 1900 <= 2030);
		per_year[tm.tm_year + 1900 - 2024]++;
		if (i > 0)
			assert_true(ew.holidays[i - 1] < ew.holidays[i]);
	}
	for (size_t y = 0; y < sizeof(per_year) / sizeof(per_year[0]); y++)
		assert_int_equal(per_year[y], 8);
}

static void test_shipped_holidays_of_2026_and_2027_are_gov_uk_s(void **state)
{
	static const int want[][3] = {
	    {2026, 1, 1},  {2026, 4, 3},  {2026, 4, 6},   {2026, 5, 4},
	    {2026, 5, 25}, {2026, 8, 31}, {2026, 12, 25}, {2026, 12, 28},
	    {2027, 1, 1},  {2027, 3, 26}, {2027, 3, 29},  {2027, 5, 3},
	    {2027, 5, 31}, {2027, 8, 30}, {2027, 12, 27}, {2027, 12, 28},
	};
	int64_t from = day_of(2026, 1, 1), to = day_of(2028, 1, 1);
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_false(cal_is_working_day(&ew, day_of(want[i][0], want[i][1], want[i][2])));
	for (int64_t d = from; d < to; d++)
		n += !cal_is_working_day(&ew, d) && (d + 3) % 7 < 5; /* weekday holidays */
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
	assert_true(cal_is_working_day(&ew, day_of(2026, 12, 29)));
	assert_false(cal_is_working_day(&ew, day_of(2026, 12, 26))); /* a Saturday */
}

static void test_weekdays_hold_before_1970(void **state)
{
	struct cal none = {0};

	(void)state;
	assert_true(cal_is_working_day(&none, -1));  /* Wed 31 Dec 1969 */
	assert_false(cal_is_working_day(&none, -4)); /* Sun 28 Dec 1969 */
	assert_false(cal_is_working_day(&none, 2));  /* Sat 3 Jan 1970 */
	assert_true(cal_is_working_day(&none, 4));   /* Mon 5 Jan 1970 */
}

static void test_empty_path_is_weekends_only(void **state)
{
	char err[CAL_ERR_MAX];
	struct cal c;

	(void)state;
	assert_int_equal(cal_load(&c, "", err), 0);
	assert_int_equal(c.n, 0);
	assert_true(cal_is_working_day(&c, day_of(2026, 12, 25)));
	cal_free(&c);
}

static void test_holiday_file_takes_comments_blank_lines_any_order_and_repeats(void **state)
{
	char err[CAL_ERR_MAX], path[PATH_MAX];
	struct cal c;

	(void)state;
	dtest_write_file(dir, "ok.txt",
			 "# a comment\n\n2026-12-25  # Christmas Day\r\n   \n2026-04-03\t# Good "
			 "Friday\n2026-12-25\n2026-01-01\n2026-05-04",
			 path);
	if (cal_load(&c, path, err) != 0)
		fail_msg("%s", err);
	assert_int_equal(c.n, 4);
	assert_int_equal(c.holidays[0], day_of(2026, 1, 1));
	assert_int_equal(c.holidays[1], day_of(2026, 4, 3));
	assert_int_equal(c.holidays[2], day_of(2026, 5, 4));
	assert_int_equal(c.holidays[3], day_of(2026, 12, 25));
	cal_free(&c);
}

/* cal.h: "anything else is an error FILE:LINE: ...". */
static void assert_bad_holiday_file(const char *text, int line)
{
	static int n;
	char err[CAL_ERR_MAX], path[PATH_MAX], name[32], want[PATH_MAX + 16];
	struct cal c = {(int32_t *)1, 99};

	snprintf(name, sizeof(name), "bad%d.txt", n++);
	dtest_write_file(dir, name, text, path);
	if (cal_load(&c, path, err) != -1)
		fail_msg("accepted: %s", text);
	snprintf(want, sizeof(want), "%s:%d: ", path, line);
	assert_contains(err, want);
	assert_null(c.holidays);
	assert_int_equal(c.n, 0);
}

static void test_bad_holiday_lines_are_errors_naming_file_and_line(void **state)
{
	(void)state;
	assert_bad_holiday_file("2026-01-01\n2026-02-30\n", 2);  /* no such day */
	assert_bad_holiday_file("# x\n\n2026-1-01\n", 3);        /* not YYYY-MM-DD */
	assert_bad_holiday_file("2026-04-03 Good Friday\n", 1);  /* a comment needs # */
	assert_bad_holiday_file("2026-04-03#Good Friday\n", 1);  /* ... after a blank */
	assert_bad_holiday_file("2026-01-01\n 2026-01-02\n", 2); /* leading blank */
	assert_bad_holiday_file("2026-13-01\n", 1);              /* no month 13 */
	assert_bad_holiday_file("2027-02-29\n", 1);              /* not a leap year */
	assert_bad_holiday_file("2026/01/01\n", 1);
	assert_bad_holiday_file("2026-01-01\n2026-01-02\n\n[holidays]\n", 4);
}

static void test_missing_holiday_file_names_the_file(void **state)
{
	char err[CAL_ERR_MAX], path[PATH_MAX];
	struct cal c;

	(void)state;
	snprintf(path, sizeof(path), "%.4000s/absent.txt", dir);
	assert_int_equal(cal_load(&c, path, err), -1);
	assert_contains(err, path);
	assert_contains(err, "No such file");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_31_jan_plus_1mo_is_the_last_day_of_february),
	    cmocka_unit_test(test_n_months_are_one_jump_not_month_by_month),
	    cmocka_unit_test(test_29_feb_plus_1y_is_28_feb_and_plus_4y_is_29_feb),
	    cmocka_unit_test(test_annual_review_12mo_is_the_same_day_next_year),
	    cmocka_unit_test(test_months_back_clamp_too),
	    cmocka_unit_test(test_months_agree_with_the_c_library_every_day),
	    cmocka_unit_test(test_wd_skips_weekends_and_keeps_the_time_of_day),
	    cmocka_unit_test(test_wd_from_a_weekend_counts_from_monday_same_time),
	    cmocka_unit_test(test_wd_across_easter_2026_with_the_shipped_holidays),
	    cmocka_unit_test(test_wd_across_christmas_2026_with_the_shipped_holidays),
	    cmocka_unit_test(test_reminders_count_back_from_the_due_time),
	    cmocka_unit_test(test_wd_add_and_sub_are_inverse_on_working_days),
	    cmocka_unit_test(test_wd_agrees_with_counting_day_by_day),
	    cmocka_unit_test(test_exact_units_add_exactly),
	    cmocka_unit_test(test_saturates_at_zero_and_the_maximum),
	    cmocka_unit_test(test_shipped_holidays_are_8_weekdays_a_year),
	    cmocka_unit_test(test_shipped_holidays_of_2026_and_2027_are_gov_uk_s),
	    cmocka_unit_test(test_weekdays_hold_before_1970),
	    cmocka_unit_test(test_empty_path_is_weekends_only),
	    cmocka_unit_test(test_holiday_file_takes_comments_blank_lines_any_order_and_repeats),
	    cmocka_unit_test(test_bad_holiday_lines_are_errors_naming_file_and_line),
	    cmocka_unit_test(test_missing_holiday_file_names_the_file),
	};

	return cmocka_run_group_tests_name("daemon/cal", tests, setup, teardown);
}
