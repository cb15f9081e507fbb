/* typetab: the event type table behind proto_type_find, open for tests and for code that
 * needs to list the types. */
#ifndef PROTO_TYPETAB_H
#define PROTO_TYPETAB_H

#include "proto.h"

/* WORKFLOW.md's event types (the notifiable association's and those every kind shares),
 * ended by a row whose name is NULL; REGISTERS.md's types, likewise. proto_type_find looks
 * in both. */
extern const struct proto_type proto_types[];
extern const struct proto_type proto_register_types[];

/* The deadline kinds of WORKFLOW.md "Deadlines" that [deadlines] configures and
 * deadline.extended names, in that table's order, NULL-terminated. */
extern const char *const proto_deadline_kinds[];
/* REGISTERS.md's, which follow them in config.h's enum dl_kind; and both, for
 * deadline.extended's body */
extern const char *const proto_register_deadline_kinds[];
extern const char *const proto_any_deadline_kinds[];

/* Finds name in a table ended by a NULL name; NULL when absent. */
const struct proto_type *proto_type_find_in(const struct proto_type *table, struct proto_str name);

#endif
