/* typetab: the event type table behind proto_type_find, open for tests and for code that
 * needs to list the types. */
#ifndef PROTO_TYPETAB_H
#define PROTO_TYPETAB_H

#include "proto.h"

/* Every known event type, ended by a row whose name is NULL. */
extern const struct proto_type proto_types[];

/* The deadline kinds of WORKFLOW.md "Deadlines" that [deadlines] configures and
 * deadline.extended names, in that table's order, NULL-terminated. */
extern const char *const proto_deadline_kinds[];

/* Finds name in a table ended by a NULL name; NULL when absent. */
const struct proto_type *proto_type_find_in(const struct proto_type *table, struct proto_str name);

#endif
