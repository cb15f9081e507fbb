/* cal: the policy's time arithmetic. Times are milliseconds since the Unix epoch, UTC, and a
 * day is a UTC day (no time zone is consulted, so the host's TZ cannot move a deadline).
 * s, m, h and d are exact; mo and y are calendar months (the day of month clamped to the
 * month's last day: 31 Jan + 1mo = 28/29 Feb; 29 Feb 2028 + 1y = 28 Feb 2029) keeping the time
 * of day, and t + n*(k mo) is one jump of n*k months (never month by month); wd counts working
 * days, skipping Saturdays, Sundays and the holidays of the calendar, keeping the time of day.
 *
 * Working days, precisely: adding n wd (n > 0) to t whose day D is a working day gives the
 * n-th working day after D at t's time of day (Mon 10:00 + 1wd = Tue 10:00; Fri 10:00 + 1wd =
 * Mon 10:00). A t on a non-working day counts from the next working day's same time: t is
 * first moved to that day and n counted from there (Sat 10:00 + 1wd = Tue 10:00, as from Mon
 * 10:00). Subtracting mirrors it: the n-th working day before D, a t on a non-working day
 * counting from the previous working day's same time (Sun 10:00 - 1wd = Thu 10:00). Adding or
 * subtracting 0 of any unit gives t unchanged. */
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

/* Loads a holiday file: one YYYY-MM-DD per line, optionally followed by blanks and a '#'
 * comment; blank lines and lines starting with '#' are ignored; the dates may come in any
 * order and repeat. Anything else (or a date that is not in the calendar, such as 2026-02-30)
 * is an error "FILE:LINE: ..." in err. An empty path gives an empty calendar (weekends only).
 * Returns 0, or -1 with c empty (cal_free is still safe). */
int cal_load(struct cal *c, const char *path, char err[CAL_ERR_MAX]);
void cal_free(struct cal *c);

/* day: days since 1970-01-01 (negative before it). */
bool cal_is_working_day(const struct cal *c, int64_t day);

/* t + n * d, and t - n * d (reminders count back from a due time). Saturates at 0 and at
 * UINT64_MAX rather than wrapping. */
uint64_t cal_add(const struct cal *c, uint64_t t_ms, struct duration d, uint64_t n);
uint64_t cal_sub(const struct cal *c, uint64_t t_ms, struct duration d, uint64_t n);

#endif
