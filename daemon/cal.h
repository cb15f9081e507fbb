/* cal: the policy's time arithmetic. Times are milliseconds since the Unix epoch, UTC.
 * s, m, h and d are exact; mo and y are calendar months (the day of month clamped to the
 * month's last day: 31 Jan + 1mo = 28/29 Feb) keeping the time of day; wd counts working days,
 * skipping Saturdays, Sundays and the holidays of the calendar, keeping the time of day (a
 * start on a non-working day counts from the next working day's same time). */
#ifndef CAL_H
#define CAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

#define CAL_ERR_MAX 512

struct cal {
	int32_t *holidays; /* days since 1970-01-01, ascending, distinct; owned */
	size_t n;
};

/* Loads a holiday file: one YYYY-MM-DD per line; blank lines and lines starting with '#' are
 * ignored; anything else is an error "FILE:LINE: ..." in err. An empty path gives an empty
 * calendar (weekends only). Returns 0 or -1. */
int cal_load(struct cal *c, const char *path, char err[CAL_ERR_MAX]);
void cal_free(struct cal *c);

bool cal_is_working_day(const struct cal *c, int64_t day);

/* t + n * d, and t - n * d (reminders count back from a due time). Saturates at 0 and at
 * UINT64_MAX rather than wrapping. */
uint64_t cal_add(const struct cal *c, uint64_t t_ms, struct duration d, uint64_t n);
uint64_t cal_sub(const struct cal *c, uint64_t t_ms, struct duration d, uint64_t n);

#endif
