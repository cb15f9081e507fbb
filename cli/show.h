/* show: integrityctl's human views of control results and intake replies, as aligned
 * tables and key/value lists. Every view takes the result as the daemon sent it, decoded to
 * JSON, and tolerates absent or unexpected fields: they show as "-" or as compact JSON,
 * never as a crash. Times (ms since the epoch) print as ISO-8601 UTC. */
#ifndef CLI_SHOW_H
#define CLI_SHOW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

/* "2026-03-01T09:30:00Z", with ".123" before the Z when the ms are not zero. */
void show_time(uint64_t ms, char *buf, size_t size);

/* One value as a view shows it, malloc'd (NULL only when out of memory): a string as it is,
 * numbers, yes/no, "-" for absent or nil, anything else as compact JSON; control bytes as
 * \xNN, so that text from the store never drives the operator's terminal. */
char *show_text(const json_t *v);

/* Whether a key names a time (ms since the epoch): "at", or ending in "_at". */
bool show_is_time_key(const char *key);

/* The keys of a JSON object in strcmp order, as a malloc'd array of borrowed strings (free
 * the array only); NULL when empty, not an object, or out of memory. */
const char **show_sorted_keys(const json_t *obj, size_t *ret_n);

/* Indented JSON, for --json and `raw`. */
void show_json(FILE *out, const json_t *j);

void show_status(FILE *out, const json_t *result);
void show_case(FILE *out, const json_t *c);
void show_cases(FILE *out, const json_t *cases);
void show_backup(FILE *out, const json_t *result);
void show_reads(FILE *out, const json_t *reads);
/* reload's answer: "policy reloaded". */
void show_reload(FILE *out, const json_t *result);

/* deadlines.list's rows as a table: case, kind, due, status, level. */
void show_deadlines(FILE *out, const json_t *deadlines);

/* Any result of maps within maps (report.summary), whatever its exact shape: one line per
 * scalar, `key  value`, keys sorted and aligned among their siblings; a nested map as its
 * key on a line of its own, its entries indented two blanks below it, an empty one as
 * "(none)". Keys ending in _at, and from and to at the top, print as times. */
void show_tree(FILE *out, const json_t *result);

/* Returns whether the chain verified. */
bool show_audit(FILE *out, const json_t *result);

/* One intake reply: accepted and duplicate on out, rejected on err. Returns whether the
 * event was taken (accepted or duplicate). */
bool show_intake_reply(FILE *out, FILE *err, const json_t *reply);

#endif
