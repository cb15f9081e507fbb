#include "clitime.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MS_PER_S 1000

/* Reads exactly n decimal digits at *p, advancing it. */
static bool digits(const char **p, int n, int *ret)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*ret = v;
	return true;
}

static bool expect(const char **p, char c)
{
	if (**p != c)
		return false;
	(*p)++;
	return true;
}

static int parse_ms(const char *s, uint64_t *ret)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* ".250" after the seconds: 1 to 3 digits, read as a fraction of a second. */
static bool fraction(const char **p, int *ret_ms)
{
	int ms = 0, n = 0;

	*ret_ms = 0;
	if (!expect(p, '.'))
		return true;
	while (**p >= '0' && **p <= '9') {
		if (++n > 3)
			return false;
		ms = ms * 10 + (**p - '0');
		(*p)++;
	}
	if (n == 0)
		return false;
	for (; n < 3; n++)
		ms *= 10;
	*ret_ms = ms;
	return true;
}

int clitime_parse(const char *s, uint64_t *ret)
{
	struct tm tm = {0};
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, sec = 0, ms = 0;
	time_t t;

	if (!s || !*s)
		return -EINVAL;
	if (strspn(s, "0123456789") == strlen(s))
		return parse_ms(s, ret);
	if (!digits(&p, 4, &y) || !expect(&p, '-') || !digits(&p, 2, &mo) || !expect(&p, '-') ||
	    !digits(&p, 2, &d))
		return -EINVAL;
	if (*p) {
		if (!expect(&p, 'T') || !digits(&p, 2, &h) || !expect(&p, ':') ||
		    !digits(&p, 2, &mi) || !expect(&p, ':') || !digits(&p, 2, &sec) ||
		    !fraction(&p, &ms) || !expect(&p, 'Z') || *p)
			return -EINVAL;
	}
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59)
		return -EINVAL;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	/* timegm normalises 2026-02-30 to 2026-03-02: such a date was not a date */
	if (t == (time_t)-1 || tm.tm_mday != d || tm.tm_mon != mo - 1)
		return -EINVAL;
	*ret = (uint64_t)t * MS_PER_S + (uint64_t)ms;
	return 0;
}
