/* notif: one notification (PROTOCOL.md "Notify": {v, seq, topic, at, case, state, recipients,
 * deadline?, detail}) as the one line `watch` and `replay` print, and the bookkeeping of seq
 * that tells a gap (notifications this subscriber never saw) from a repeat. Pure: no I/O. */
#ifndef CLI_NOTIF_H
#define CLI_NOTIF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* The line, without a newline, malloc'd; NULL only when out of memory:
 *   SEQ  ISO-TIME  TOPIC  CASE  STATE  to=ROLE:ID,...  [deadline=KIND due=ISO level=N]  [detail K=V
 * ...] Fields are separated by two blanks. A recipient whose id is nil shows as its role alone, no
 * recipients as `to=-`; the deadline part only when the map has one; detail keys sorted, values of
 * keys ending in _at as times, a string with a blank, '=' or '"' in it quoted as JSON, other values
 * as compact JSON. Absent fields show as "-", control bytes as \xNN. */
char *notif_line(const json_t *n);

/* The notification's seq; false when it has none (absent or not an unsigned integer). */
bool notif_seq(const json_t *n, uint64_t *ret);

/* Whether topic starts with one of the n prefixes, as a SUB filter does (n == 0: all). */
bool notif_topic_matches(const char *topic, char *const *prefixes, size_t n);

/* The last seq a subscriber has seen. */
struct notif_seen {
	uint64_t last;
	bool known; /* false until the first one (or --since) */
};

enum notif_order {
	NOTIF_NEXT,   /* the first one seen, or last + 1 */
	NOTIF_JUMP,   /* seqs last+1 .. seq-1 were not seen here */
	NOTIF_REPEAT, /* seq <= last: already seen (a republish after a restart) */
};

enum notif_order notif_order(const struct notif_seen *s, uint64_t seq);
void notif_mark(struct notif_seen *s, uint64_t seq);

#endif
