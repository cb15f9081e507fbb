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

/* Indented JSON, for --json and `raw`. */
void show_json(FILE *out, const json_t *j);

void show_status(FILE *out, const json_t *result);
void show_case(FILE *out, const json_t *c);
void show_cases(FILE *out, const json_t *cases);
void show_backup(FILE *out, const json_t *result);
void show_reads(FILE *out, const json_t *reads);

/* Returns whether the chain verified. */
bool show_audit(FILE *out, const json_t *result);

/* One intake reply: accepted and duplicate on out, rejected on err. Returns whether the
 * event was taken (accepted or duplicate). */
bool show_intake_reply(FILE *out, FILE *err, const json_t *reply);

#endif
