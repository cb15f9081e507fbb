#include "policy/cal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAYS_PER_WEEK     7
#define WORKDAYS_PER_WEEK 5
#define MONTHS_PER_YEAR   12
/* The last day a uint64_t of milliseconds reaches: about 584 million years. A count of days,
 * working days or months beyond it can only saturate, and bounding it here keeps every sum
 * below in int64_t. */
#define DAY_MAX   ((int64_t)(UINT64_MAX / PROTO_MS_PER_DAY))
#define MONTH_MAX ((DAY_MAX / 365 + 1) * MONTHS_PER_YEAR)

/* ---- civil dates (Howard Hinnant, "chrono-Compatible Low-Level Date Algorithms") ---- */

struct civil {
	int64_t y;
	unsigned m, d; /* 1..12, 1..31 */
};

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a % b < 0) != (b < 0));
}

/* Days since 1970-01-01 of a proleptic Gregorian date; eras of 400 years start on 1 March. */
static int64_t days_from_civil(struct civil c)
{
	int64_t y = c.m <= 2 ? c.y - 1 : c.y;
	int64_t era = floor_div(y, 400);
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (c.m > 2 ? c.m - 3 : c.m + 9) + 2) / 5 + c.d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

static struct civil civil_from_days(int64_t z)
{
	int64_t era, doe, yoe, doy, mp;
	struct civil c;

	z += 719468;
	era = floor_div(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	c.d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	c.m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	c.y = yoe + era * 400 + (c.m <= 2);
	return c;
}

static bool is_leap(int64_t y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static unsigned month_days(int64_t y, unsigned m)
{
	static const unsigned days[MONTHS_PER_YEAR] = {31, 28, 31, 30, 31, 30,
						       31, 31, 30, 31, 30, 31};

	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* 0 Monday ... 4 Friday, 5 Saturday, 6 Sunday; 1970-01-01 was a Thursday (3). */
static int weekday(int64_t day)
{
	return (int)(((day + 3) % DAYS_PER_WEEK + DAYS_PER_WEEK) % DAYS_PER_WEEK);
}

static bool is_weekend(int64_t day)
{
	return weekday(day) >= WORKDAYS_PER_WEEK;
}

/* ---- the holiday file ------------------------------------------------------------- */

/* "YYYY-MM-DD" at s, a real date; returns its day or sets *ok false. */
static int64_t parse_date(const char *s, bool *ok)
{
	static const char shape[] = "dddd-dd-dd";
	struct civil c;

	*ok = false;
	for (size_t i = 0; i < sizeof(shape) - 1; i++)
		if (shape[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != shape[i])
			return 0;
	c.y = strtol(s, NULL, 10);
	c.m = (unsigned)strtoul(s + 5, NULL, 10);
	c.d = (unsigned)strtoul(s + 8, NULL, 10);
	if (c.m < 1 || c.m > MONTHS_PER_YEAR || c.d < 1 || c.d > month_days(c.y, c.m))
		return 0;
	*ok = true;
	return days_from_civil(c);
}

static bool blank_or_comment(const char *s)
{
	s += strspn(s, " \t\r\n");
	return *s == '\0' || *s == '#';
}

static int cmp_day(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

static int add_holiday(struct cal *c, size_t *cap, int32_t day)
{
	int32_t *grown;

	if (c->n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		grown = realloc(c->holidays, *cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		c->holidays = grown;
	}
	c->holidays[c->n++] = day;
	return 0;
}

/* Sorts the days and drops repeats, as the struct promises. */
static void sort_distinct(struct cal *c)
{
	size_t out = 0;

	if (c->n == 0)
		return;
	qsort(c->holidays, c->n, sizeof(c->holidays[0]), cmp_day);
	for (size_t i = 1; i < c->n; i++)
		if (c->holidays[i] != c->holidays[out])
			c->holidays[++out] = c->holidays[i];
	c->n = out + 1;
}

/* One line: 1 a date (in *day), 0 nothing, -1 not a date. */
static int parse_line(const char *line, int32_t *day)
{
	const char *rest = line + strlen("YYYY-MM-DD");
	bool ok;
	int64_t d;

	if (blank_or_comment(line))
		return 0;
	if (strlen(line) < strlen("YYYY-MM-DD"))
		return -1;
	d = parse_date(line, &ok);
	if (!ok || (*rest != '\0' && !strchr(" \t\r\n", *rest)) || !blank_or_comment(rest))
		return -1;
	*day = (int32_t)d;
	return 1;
}

int cal_load(struct cal *c, const char *path, char err[CAL_ERR_MAX])
{
	char *line = NULL;
	size_t line_cap = 0, cap = 0;
	int lineno = 0, r = 0;
	int32_t day;
	FILE *f;

	*c = (struct cal){0};
	err[0] = '\0';
	if (!path[0])
		return 0;
	f = fopen(path, "re");
	if (!f) {
		snprintf(err, CAL_ERR_MAX, "%.300s: %s", path, strerror(errno));
		return -1;
	}
	while (r == 0 && getline(&line, &line_cap, f) >= 0) {
		lineno++;
		switch (parse_line(line, &day)) {
		case 1:
			if (add_holiday(c, &cap, day) < 0) {
				snprintf(err, CAL_ERR_MAX, "%.300s:%d: out of memory", path,
					 lineno);
				r = -1;
			}
			break;
		case -1:
			line[strcspn(line, "\r\n")] = '\0';
			snprintf(err, CAL_ERR_MAX,
				 "%.300s:%d: '%.32s' is not a date of the calendar (YYYY-MM-DD, "
				 "optionally followed by a # comment)",
				 path, lineno, line);
			r = -1;
			break;
		}
	}
	if (r == 0 && ferror(f)) {
		snprintf(err, CAL_ERR_MAX, "%.300s:%d: cannot be read", path, lineno + 1);
		r = -1;
	}
	free(line);
	fclose(f);
	if (r < 0) {
		cal_free(c);
		return -1;
	}
	sort_distinct(c);
	return 0;
}

void cal_free(struct cal *c)
{
	free(c->holidays);
	*c = (struct cal){0};
}

/* ---- working days ------------------------------------------------------------------- */

/* The index of the first holiday >= day. */
static size_t lower_bound(const struct cal *c, int64_t day)
{
	size_t lo = 0, hi = c->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->holidays[mid] < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool is_holiday(const struct cal *c, int64_t day)
{
	size_t i = lower_bound(c, day);

	return i < c->n && c->holidays[i] == day;
}

bool cal_is_working_day(const struct cal *c, int64_t day)
{
	return !is_weekend(day) && !is_holiday(c, day);
}

/* Holidays that fall on weekdays in [from, to). */
static int64_t weekday_holidays(const struct cal *c, int64_t from, int64_t to)
{
	int64_t n = 0;

	for (size_t i = lower_bound(c, from); i < c->n && c->holidays[i] < to; i++)
		n += !is_weekend(c->holidays[i]);
	return n;
}

/* The n-th weekday after (dir 1) or before (dir -1) day, itself a weekday. */
static int64_t step_weekdays(int64_t day, int64_t n, int dir)
{
	int64_t weeks = n / WORKDAYS_PER_WEEK, rem = n % WORKDAYS_PER_WEEK;
	int wd = weekday(day);
	int64_t to = day + dir * (weeks * DAYS_PER_WEEK + rem);

	/* crossing a weekend costs its two days */
	if ((dir > 0 && wd + rem >= WORKDAYS_PER_WEEK) || (dir < 0 && wd - rem < 0))
		to += dir * (DAYS_PER_WEEK - WORKDAYS_PER_WEEK);
	return to;
}

/* The n-th working day after (dir 1) or before (dir -1) day. A non-working day first moves to
 * the nearest working day in that direction (cal.h: "counts from"). Each holiday passed costs
 * one more weekday, which may pass more holidays: the loop runs at most once per holiday. */
static int64_t step_working_days(const struct cal *c, int64_t day, int64_t n, int dir)
{
	int64_t from, to, missed;

	while (!cal_is_working_day(c, day))
		day += dir;
	for (from = day, missed = n; missed > 0; from = to) {
		to = step_weekdays(from, missed, dir);
		missed =
		    dir > 0 ? weekday_holidays(c, from + 1, to + 1) : weekday_holidays(c, to, from);
	}
	return from;
}

/* ---- cal_add, cal_sub --------------------------------------------------------------- */

/* day (any int64_t) at time of day tod, saturated to [0, UINT64_MAX]. */
static uint64_t at_day(int64_t day, uint64_t tod)
{
	if (day < 0)
		return 0;
	if (day > DAY_MAX || (uint64_t)day * PROTO_MS_PER_DAY > UINT64_MAX - tod)
		return UINT64_MAX;
	return (uint64_t)day * PROTO_MS_PER_DAY + tod;
}

static uint64_t add_months(uint64_t t, int64_t months)
{
	int64_t day = (int64_t)(t / PROTO_MS_PER_DAY);
	struct civil c = civil_from_days(day);
	int64_t m0 = c.y * MONTHS_PER_YEAR + (c.m - 1) + months;
	unsigned dim;

	c.y = floor_div(m0, MONTHS_PER_YEAR);
	c.m = (unsigned)(m0 - c.y * MONTHS_PER_YEAR) + 1;
	dim = month_days(c.y, c.m);
	if (c.d > dim)
		c.d = dim;
	return at_day(days_from_civil(c), t % PROTO_MS_PER_DAY);
}

/* The count n * per of d's unit, or false when it passes limit (the result saturates). */
static bool count(uint64_t n, uint64_t per, uint64_t limit, int64_t *ret)
{
	if (per && n > limit / per)
		return false;
	*ret = (int64_t)(n * per);
	return true;
}

static uint64_t move(const struct cal *c, uint64_t t, struct duration d, uint64_t n, int dir)
{
	uint64_t ms, sat = dir > 0 ? UINT64_MAX : 0;
	int64_t k;

	if (n == 0 || d.n == 0)
		return t;
	switch (d.unit) {
	case DUR_MS:
		if (d.n > UINT64_MAX / n)
			return sat;
		ms = d.n * n;
		if (dir > 0)
			return ms > UINT64_MAX - t ? sat : t + ms;
		return ms > t ? sat : t - ms;
	case DUR_WD:
		if (!count(n, d.n, (uint64_t)DAY_MAX, &k))
			return sat;
		return at_day(step_working_days(c, (int64_t)(t / PROTO_MS_PER_DAY), k, dir),
			      t % PROTO_MS_PER_DAY);
	case DUR_MO:
	case DUR_Y:
		if (!count(n, d.n, (uint64_t)MONTH_MAX / (d.unit == DUR_Y ? MONTHS_PER_YEAR : 1),
			   &k))
			return sat;
		return add_months(t, dir * k * (d.unit == DUR_Y ? MONTHS_PER_YEAR : 1));
	}
	return sat;
}

uint64_t cal_add(const struct cal *c, uint64_t t_ms, struct duration d, uint64_t n)
{
	return move(c, t_ms, d, n, 1);
}

uint64_t cal_sub(const struct cal *c, uint64_t t_ms, struct duration d, uint64_t n)
{
	return move(c, t_ms, d, n, -1);
}
