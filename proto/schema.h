/* schema: validates a decoded map against a sentinel-terminated struct proto_field table, and
 * the single values the envelope shares with bodies. Errors name the field by its dotted path
 * ("body.subject.vetting", "body.categories[2]"). */
#ifndef PROTO_SCHEMA_H
#define PROTO_SCHEMA_H

#include <string.h>

#include "proto.h"

#define PROTO_PATH_MAX   160
#define PROTO_FIELDS_MAX 64 /* fields in one table: duplicates are tracked in a uint64_t */

struct proto_path {
	char buf[PROTO_PATH_MAX];
	size_t len;
};

void proto_path_init(struct proto_path *p, const char *root);
/* Appends ".key" (escaped when it is not a plain name) or "[i]"; returns the length to pass
 * to proto_path_pop. A path that would not fit is cut, never overflowed. */
size_t proto_path_push(struct proto_path *p, const char *key, size_t len);
size_t proto_path_push_index(struct proto_path *p, uint32_t i);
void proto_path_pop(struct proto_path *p, size_t mark);

/* Identifiers (ids, staff numbers, case references): 1..max bytes of [A-Za-z0-9._:-], safe
 * in keys, logs and terminals. */
bool proto_ref_valid(const msgpack_object *o, size_t max);
int proto_check_ref(const msgpack_object *o, const char *name, size_t max, struct proto_error *err);
/* A string that names someone (ids of staff): proto_check_str, and no C0 control or DEL
 * byte, so it is safe as an index key (NUL separates) and on a terminal. */
int proto_check_ident(const msgpack_object *o, uint32_t max, const char *path,
		      struct proto_error *err);
/* A non-empty UTF-8 string of at most max bytes. */
int proto_check_str(const msgpack_object *o, uint32_t max, const char *path,
		    struct proto_error *err);

/* Two MessagePack strings with the same bytes. */
static inline bool proto_strobj_eq(const msgpack_object *x, const msgpack_object *y)
{
	return x->via.str.size == y->via.str.size &&
	       memcmp(x->via.str.ptr, y->via.str.ptr, x->via.str.size) == 0;
}

/* A map against a table, in this order: keys as sent (unknown, refused or repeated keys and
 * invalid values are invalid_field), then required fields in the table's order
 * (missing_field), then conditional fields in the table's order (missing_field when their
 * sibling enum requires them, invalid_field when it does not allow them). */
int proto_check_map(const msgpack_object *o, const struct proto_field *fields,
		    struct proto_path *path, struct proto_error *err);

/* Whether s is "YYYY-MM-DD" naming a real day of the Gregorian calendar. */
bool proto_date_valid(const char *s, size_t len);

#endif
