/* showkind: case show's lines for a case's own kind (REGISTERS.md; proto/SPEC.md "case.get
 * shows"): one table row per field a kind adds to case.get, {kind, key, label, how to
 * show it}, and for every kind its marks and flags when it has any. A kind or field this
 * version does not know is left to show_case's "other" section, so nothing is hidden; a
 * report's reporter (the actor of a CR's or WR's opening event) is never printed. */
#ifndef CLI_SHOWKIND_H
#define CLI_SHOWKIND_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

/* The kind's field lines ("label  value", aligned as show_case's header). */
void showkind_fields(FILE *out, const json_t *c);
/* Whether showkind_fields shows top-level key of case c (show_case's "other" skips it). */
bool showkind_known(const json_t *c, const char *key);
/* Whether the actor of history row i of case c is the reporter of a report, shown as
 * "reporter (withheld)": the opening event of a CR or WR. */
bool showkind_hides_actor(const json_t *c, size_t i);

#endif
