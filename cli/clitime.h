/* clitime: the times an operator types on integrityctl's command line (--before, --from,
 * --to), read as milliseconds since the epoch, UTC, the unit of the wire (PROTOCOL.md). */
#ifndef CLI_CLITIME_H
#define CLI_CLITIME_H

#include <stdint.h>

/* Reads s as one of:
 *   1772323200000                  ms since the epoch (all digits)
 *   2026-03-01                     midnight UTC of that day
 *   2026-03-01T09:30:00Z           UTC, seconds
 *   2026-03-01T09:30:00.250Z       UTC, milliseconds (1 to 3 digits)
 * A time of day must end in Z: a time without a zone would be read differently by
 * different people. Returns 0, or -EINVAL (and leaves *ret untouched). */
int clitime_parse(const char *s, uint64_t *ret);

#endif
