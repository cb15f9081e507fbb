/* duration.c: "a number and a unit" (PROTOCOL.md, the config file's durations), shared by
 * the config parser and PF_DURATION body fields. The units are a table; s, m, h and d are
 * exact and kept in ms, wd, mo and y keep their count because their length depends on the
 * calendar (cal.h does that arithmetic). */
#include <string.h>

#include "proto.h"

#define MS_PER_S UINT64_C(1000)

struct dur_suffix {
	const char *suffix;
	enum dur_unit unit;
	uint64_t ms; /* exact length for DUR_MS; for the calendar units, the shortest one */
};

/* The calendar units' shortest lengths bound their counts: a count whose shortest possible
 * length overflows 64 bits of ms overflows whatever the calendar. */
static const struct dur_suffix suffixes[] = {
    {"s", DUR_MS, MS_PER_S},
    {"m", DUR_MS, 60 * MS_PER_S},
    {"h", DUR_MS, 3600 * MS_PER_S},
    {"d", DUR_MS, PROTO_MS_PER_DAY},
    {"wd", DUR_WD, PROTO_MS_PER_DAY},
    {"mo", DUR_MO, 28 * PROTO_MS_PER_DAY},
    {"y", DUR_Y, 365 * PROTO_MS_PER_DAY},
};

static const struct dur_suffix *suffix_find(const char *s, size_t len)
{
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
		if (strlen(suffixes[i].suffix) == len && memcmp(suffixes[i].suffix, s, len) == 0)
			return &suffixes[i];
	return NULL;
}

int proto_duration_parse(const char *s, size_t len, struct duration *ret)
{
	const struct dur_suffix *u;
	uint64_t n = 0;
	size_t i = 0;

	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		uint64_t digit = (uint64_t)(s[i] - '0');

		if (n > (UINT64_MAX - digit) / 10)
			return -1;
		n = n * 10 + digit;
	}
	if (i == 0 || (u = suffix_find(s + i, len - i)) == NULL || n > UINT64_MAX / u->ms)
		return -1;
	ret->n = u->unit == DUR_MS ? n * u->ms : n;
	ret->unit = u->unit;
	return 0;
}
