/* walltime: the daemon's one reading of CLOCK_REALTIME (event times, batch times, deadlines
 * are wall-clock milliseconds since the epoch, PROTOCOL.md). */
#ifndef WALLTIME_H
#define WALLTIME_H

#include <stdint.h>
#include <time.h>

/* Now, in ms since the epoch. */
uint64_t walltime_ms(void);
/* The CLOCK_REALTIME instant ms from now (for pthread_cond_timedwait). */
struct timespec walltime_in(uint64_t ms);

#endif
