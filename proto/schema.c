/* schema.c: the generic body validator. Policy lives in the tables of types.c; this file only
 * knows what each enum proto_ftype means. */
#include <stdio.h>
#include <string.h>

#include "msgtext.h"
#include "schema.h"

#define PFX_UNKNOWN      ": unknown field; allowed here: "
#define DURATION_MAX     24 /* 20 digits of a u64 and a unit, with room to spare */
#define DURATION_EXPECTS "a number and s, m, h, d, wd, mo or y"

/* ---- paths ---- */

void proto_path_init(struct proto_path *p, const char *root)
{
	int n = snprintf(p->buf, sizeof(p->buf), "%s", root);

	p->len = n < 0 ? 0 : (size_t)n < sizeof(p->buf) ? (size_t)n : sizeof(p->buf) - 1;
}

static bool path_plain(const char *key, size_t len)
{
	if (len == 0 || len > 40)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = key[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* Appends sep and s[0..n), cut to fit. */
static size_t path_append(struct proto_path *p, const char *sep, const char *s, size_t n)
{
	size_t mark = p->len;
	size_t room = sizeof(p->buf) - 1 - p->len;
	size_t ns = strlen(sep);

	if (ns > room)
		ns = room;
	memcpy(p->buf + p->len, sep, ns);
	p->len += ns;
	room -= ns;
	if (n > room)
		n = room;
	memcpy(p->buf + p->len, s, n);
	p->len += n;
	p->buf[p->len] = '\0';
	return mark;
}

size_t proto_path_push(struct proto_path *p, const char *key, size_t len)
{
	const char *sep = p->len > 0 ? "." : ""; /* no dot before a top-level key */
	char q[PROTO_QUOTE_MAX];

	if (path_plain(key, len))
		return path_append(p, sep, key, len);
	proto_quote(q, key, len);
	return path_append(p, sep, q, strlen(q));
}

size_t proto_path_push_index(struct proto_path *p, uint32_t i)
{
	char n[16];
	int w = snprintf(n, sizeof(n), "[%u]", i);

	return path_append(p, "", n, w > 0 ? (size_t)w : 0);
}

void proto_path_pop(struct proto_path *p, size_t mark)
{
	if (mark < sizeof(p->buf)) {
		p->len = mark;
		p->buf[mark] = '\0';
	}
}

/* ---- single values ---- */

/* The charset of idempotency keys and case references: safe in logs and file names. */
static bool ref_chars_valid(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == ':' || c == '-'))
			return false;
	}
	return true;
}

bool proto_ref_valid(const msgpack_object *o, size_t max)
{
	return o->type == MSGPACK_OBJECT_STR && o->via.str.size >= 1 && o->via.str.size <= max &&
	       ref_chars_valid(o->via.str.ptr, o->via.str.size);
}

int proto_check_ref(const msgpack_object *o, const char *name, size_t max, struct proto_error *err)
{
	char q[PROTO_QUOTE_MAX];

	if (proto_ref_valid(o, max))
		return 0;
	if (o->type != MSGPACK_OBJECT_STR)
		return proto_fail(err, PROTO_INVALID_FIELD, "%s: must be a string; got %s", name,
				  proto_what(o));
	return proto_fail(err, PROTO_INVALID_FIELD,
			  "%s: must be 1-%zu characters of A-Z a-z 0-9 . _ : -; got %s (%u bytes)",
			  name, max, proto_quote(q, o->via.str.ptr, o->via.str.size),
			  o->via.str.size);
}

int proto_check_ident(const msgpack_object *o, uint32_t max, const char *path,
		      struct proto_error *err)
{
	if (proto_check_str(o, max, path, err) == -1)
		return -1;
	for (uint32_t i = 0; i < o->via.str.size; i++) {
		unsigned char c = (unsigned char)o->via.str.ptr[i];

		if (c < 0x20 || c == 0x7f)
			return proto_fail(err, PROTO_INVALID_FIELD,
					  "%s: must not contain control characters; byte %u is "
					  "0x%02x",
					  path, i, c);
	}
	return 0;
}

int proto_check_str(const msgpack_object *o, uint32_t max, const char *path,
		    struct proto_error *err)
{
	if (o->type != MSGPACK_OBJECT_STR)
		return proto_fail(err, PROTO_INVALID_FIELD, "%s: must be a string; got %s", path,
				  proto_what(o));
	if (o->via.str.size == 0)
		return proto_fail(err, PROTO_INVALID_FIELD, "%s: must not be an empty string",
				  path);
	if (o->via.str.size > max)
		return proto_fail(err, PROTO_INVALID_FIELD,
				  "%s: must be at most %u bytes long; got %u bytes", path, max,
				  o->via.str.size);
	if (!proto_utf8_valid(o->via.str.ptr, o->via.str.size))
		return proto_fail(err, PROTO_INVALID_FIELD, "%s: must be valid UTF-8 text", path);
	return 0;
}

static bool is_leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static bool digits(const char *s, size_t n, unsigned *v)
{
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (unsigned)(s[i] - '0');
	}
	return true;
}

bool proto_date_valid(const char *s, size_t len)
{
	static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	unsigned y, m, d, dim;

	if (len != 10 || s[4] != '-' || s[7] != '-')
		return false;
	if (!digits(s, 4, &y) || !digits(s + 5, 2, &m) || !digits(s + 8, 2, &d))
		return false;
	if (y == 0 || m < 1 || m > 12)
		return false;
	dim = mdays[m - 1] + (m == 2 && is_leap(y));
	return d >= 1 && d <= dim;
}

static int enum_index(const msgpack_object *o, const char *const *values)
{
	struct proto_str s = {o->via.str.ptr, o->via.str.size};

	for (int i = 0; values[i] != NULL; i++)
		if (proto_str_eq(s, values[i]))
			return i;
	return -1;
}

/* Room left in a message for a list, given the rest of its text. */
static size_t list_room(size_t used)
{
	return used + 2 < PROTO_ERRMSG ? PROTO_ERRMSG - used - 1 : 1;
}

static int check_enum(const msgpack_object *o, const char *const *values, const char *path,
		      struct proto_error *err)
{
	char list[PROTO_ERRMSG], q[PROTO_QUOTE_MAX];
	size_t used;

	if (o->type != MSGPACK_OBJECT_STR)
		return proto_fail(err, PROTO_INVALID_FIELD, "%s: must be a string; got %s", path,
				  proto_what(o));
	if (enum_index(o, values) >= 0)
		return 0;
	proto_quote(q, o->via.str.ptr, o->via.str.size);
	used = strlen(path) + strlen(": must be one of ; got ") + strlen(q);
	if (proto_join(list, list_room(used), values) != NULL)
		return proto_fail(err, PROTO_INVALID_FIELD, "%s: must be one of %s; got %s", path,
				  list, q);
	return proto_fail(err, PROTO_INVALID_FIELD,
			  "%s: must be one of the values WORKFLOW.md lists for it; got %s", path,
			  q);
}

static int check_date(const msgpack_object *o, const char *path, struct proto_error *err)
{
	char q[PROTO_QUOTE_MAX];

	if (o->type != MSGPACK_OBJECT_STR)
		return proto_fail(err, PROTO_INVALID_FIELD,
				  "%s: must be a date string YYYY-MM-DD; got %s", path,
				  proto_what(o));
	if (proto_date_valid(o->via.str.ptr, o->via.str.size))
		return 0;
	return proto_fail(err, PROTO_INVALID_FIELD,
			  "%s: must be a real calendar date written YYYY-MM-DD; got %s", path,
			  proto_quote(q, o->via.str.ptr, o->via.str.size));
}

/* A duration as the config writes it, and longer than nothing: a review period of "0d"
 * would make a deadline due the moment it opens. */
static int check_duration(const msgpack_object *o, uint32_t max, const char *path,
			  struct proto_error *err)
{
	struct duration d;
	char q[PROTO_QUOTE_MAX];
	int qlen;

	if (proto_check_str(o, max, path, err) == -1)
		return -1;
	if (proto_duration_parse(o->via.str.ptr, o->via.str.size, &d) == 0 && d.n > 0)
		return 0;
	/* the value in single quotes, as the config's messages show it */
	qlen = (int)strlen(proto_quote(q, o->via.str.ptr, o->via.str.size)) - 2;
	return proto_fail(err, PROTO_INVALID_FIELD,
			  "%s: '%.*s' is not a duration (" DURATION_EXPECTS ", more than 0)", path,
			  qlen, q + 1);
}

/* ---- arrays ---- */

/* "categories" -> "category names": what an array of enum values holds, for messages. */
static void enums_noun(char *buf, size_t size, const char *name)
{
	size_t n = strlen(name);

	if (n > 3 && strcmp(name + n - 3, "ies") == 0)
		snprintf(buf, size, "%.*sy names", (int)(n - 3), name);
	else if (n > 1 && name[n - 1] == 's')
		snprintf(buf, size, "%.*s names", (int)(n - 1), name);
	else
		snprintf(buf, size, "%s values", name);
}

static int check_array(const msgpack_object *o, const struct proto_field *f, const char *path,
		       struct proto_error *err)
{
	uint32_t max = f->max ? f->max : PROTO_ARRAY_MAX;
	char noun[64];

	switch (f->type) {
	case PF_ENUMS:
		enums_noun(noun, sizeof(noun), f->name);
		break;
	case PF_STRS:
		snprintf(noun, sizeof(noun), "strings");
		break;
	case PF_IDENTS:
		snprintf(noun, sizeof(noun), "staff ids");
		break;
	default:
		snprintf(noun, sizeof(noun), "maps");
		break;
	}
	if (o->type != MSGPACK_OBJECT_ARRAY)
		return proto_fail(err, PROTO_INVALID_FIELD, "%s: must be an array of %s; got %s",
				  path, noun, proto_what(o));
	if (o->via.array.size < f->min && f->min == 1)
		return proto_fail(err, PROTO_INVALID_FIELD,
				  "%s: must be a non-empty array of %s; got 0 items", path, noun);
	if (o->via.array.size < f->min)
		return proto_fail(err, PROTO_INVALID_FIELD,
				  "%s: must be an array of at least %u %s; got %u items", path,
				  f->min, noun, o->via.array.size);
	if (o->via.array.size > max)
		return proto_fail(err, PROTO_INVALID_FIELD,
				  "%s: must be an array of at most %u %s; got %u items", path, max,
				  noun, o->via.array.size);
	return 0;
}

/* Item i of an array of strings repeats an earlier one. */
static bool str_repeated(const msgpack_object *a, uint32_t i)
{
	for (uint32_t k = 0; k < i; k++)
		if (proto_strobj_eq(&a->via.array.ptr[k], &a->via.array.ptr[i]))
			return true;
	return false;
}

static int check_items(const msgpack_object *o, const struct proto_field *f,
		       struct proto_path *path, struct proto_error *err)
{
	char q[PROTO_QUOTE_MAX];

	for (uint32_t i = 0; i < o->via.array.size; i++) {
		const msgpack_object *it = &o->via.array.ptr[i];
		size_t mark = proto_path_push_index(path, i);
		int r = 0;

		if (f->type == PF_ENUMS || f->type == PF_IDENTS) {
			r = f->type == PF_ENUMS
				? check_enum(it, f->values, path->buf, err)
				: proto_check_ident(it, PROTO_ID_MAX, path->buf, err);
			if (r == 0 && str_repeated(o, i))
				r = proto_fail(err, PROTO_INVALID_FIELD,
					       "%s: %s is listed twice; list each value once",
					       path->buf,
					       proto_quote(q, it->via.str.ptr, it->via.str.size));
		} else if (f->type == PF_STRS) {
			r = proto_check_str(it, PROTO_TEXT_MAX, path->buf, err);
		} else if (it->type != MSGPACK_OBJECT_MAP) {
			r = proto_fail(err, PROTO_INVALID_FIELD, "%s: must be a map; got %s",
				       path->buf, proto_what(it));
		} else {
			r = proto_check_map(it, f->fields, path, err);
		}
		if (r == -1)
			return -1;
		proto_path_pop(path, mark);
	}
	return 0;
}

/* ---- values and maps ---- */

/* The names a sender may use in a table (refused ones are known but not allowed). */
static size_t allowed_names(const struct proto_field *fields,
			    const char *names[PROTO_FIELDS_MAX + 1])
{
	size_t n = 0;

	for (size_t i = 0; i < PROTO_FIELDS_MAX && fields[i].type != PF_END; i++)
		if (fields[i].refused == NULL)
			names[n++] = fields[i].name;
	names[n] = NULL;
	return n;
}

/* A map that must say something: "at least min of its fields" (an update of nothing is a
 * client bug, not an event). */
static int check_map_min(const msgpack_object *o, const struct proto_field *f, const char *path,
			 struct proto_error *err)
{
	static const char fmt[] = "%s: must hold at least %u of %s; got %u";
	const char *names[PROTO_FIELDS_MAX + 1];
	char list[PROTO_ERRMSG];

	if (o->via.map.size >= f->min)
		return 0;
	allowed_names(f->fields, names);
	if (proto_join(list, list_room(strlen(path) + sizeof(fmt) + 20), names) == NULL)
		snprintf(list, sizeof(list), "its fields");
	return proto_fail(err, PROTO_INVALID_FIELD, fmt, path, f->min, list, o->via.map.size);
}

/* One value against one field. */
static int proto_check_value(const msgpack_object *o, const struct proto_field *f,
			     struct proto_path *path, struct proto_error *err)
{
	switch (f->type) {
	case PF_STR:
		return proto_check_str(o, f->max ? f->max : PROTO_TEXT_MAX, path->buf, err);
	case PF_IDENT:
		return proto_check_ident(o, f->max ? f->max : PROTO_ID_MAX, path->buf, err);
	case PF_BOOL:
		if (o->type != MSGPACK_OBJECT_BOOLEAN)
			return proto_fail(err, PROTO_INVALID_FIELD,
					  "%s: must be true or false; got %s", path->buf,
					  proto_what(o));
		return 0;
	case PF_UINT:
		if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
			return proto_fail(err, PROTO_INVALID_FIELD,
					  "%s: must be an unsigned integer; got %s", path->buf,
					  proto_what(o));
		return 0;
	case PF_DATE:
		return check_date(o, path->buf, err);
	case PF_ENUM:
		return check_enum(o, f->values, path->buf, err);
	case PF_DURATION:
		return check_duration(o, f->max ? f->max : DURATION_MAX, path->buf, err);
	case PF_ENUMS:
	case PF_STRS:
	case PF_IDENTS:
	case PF_MAPS:
		if (check_array(o, f, path->buf, err) == -1)
			return -1;
		return check_items(o, f, path, err);
	case PF_MAP:
		if (o->type != MSGPACK_OBJECT_MAP)
			return proto_fail(err, PROTO_INVALID_FIELD, "%s: must be a map; got %s",
					  path->buf, proto_what(o));
		if (proto_check_map(o, f->fields, path, err) == -1)
			return -1;
		return check_map_min(o, f, path->buf, err);
	case PF_END:
		break;
	}
	return proto_fail(err, PROTO_INVALID_FIELD, "%s: has no schema", path->buf);
}

static int field_index(const struct proto_field *fields, const msgpack_object *key)
{
	struct proto_str s = {key->via.str.ptr, key->via.str.size};

	for (int i = 0; i < PROTO_FIELDS_MAX && fields[i].type != PF_END; i++)
		if (proto_str_eq(s, fields[i].name))
			return i;
	return -1;
}

static int fail_unknown(const struct proto_field *fields, const char *path, struct proto_error *err)
{
	const char *names[PROTO_FIELDS_MAX + 1];
	char list[PROTO_ERRMSG];
	size_t n = allowed_names(fields, names);

	if (n > 0 && proto_join(list, list_room(strlen(path) + strlen(PFX_UNKNOWN)), names) != NULL)
		return proto_fail(err, PROTO_INVALID_FIELD, "%s" PFX_UNKNOWN "%s", path, list);
	return proto_fail(err, PROTO_INVALID_FIELD,
			  "%s: unknown field; a misspelt field is never ignored", path);
}

static int check_entry(const msgpack_object_kv *kv, const struct proto_field *fields,
		       uint64_t *seen, struct proto_path *path, struct proto_error *err)
{
	size_t mark = proto_path_push(path, kv->key.via.str.ptr, kv->key.via.str.size);
	int i = kv->key.type == MSGPACK_OBJECT_STR ? field_index(fields, &kv->key) : -1;

	if (i < 0)
		return fail_unknown(fields, path->buf, err);
	if (fields[i].refused != NULL)
		return proto_fail(err, PROTO_INVALID_FIELD, "%s: %s", path->buf, fields[i].refused);
	if (*seen & (UINT64_C(1) << i))
		return proto_fail(err, PROTO_INVALID_FIELD,
				  "%s: appears twice in the map; send each field once", path->buf);
	*seen |= UINT64_C(1) << i;
	if (proto_check_value(&kv->val, &fields[i], path, err) == -1)
		return -1;
	proto_path_pop(path, mark);
	return 0;
}

/* Fields always required, in the table's order. */
static int check_required(const struct proto_field *fields, uint64_t seen, struct proto_path *path,
			  struct proto_error *err)
{
	for (int i = 0; i < PROTO_FIELDS_MAX && fields[i].type != PF_END; i++) {
		if (fields[i].required && !(seen & (UINT64_C(1) << i))) {
			size_t mark = proto_path_push(path, fields[i].name, strlen(fields[i].name));

			proto_fail(err, PROTO_MISSING_FIELD, "%s: is required but missing",
				   path->buf);
			proto_path_pop(path, mark);
			return -1;
		}
	}
	return 0;
}

/* One conditional field against its sibling enum, whose value (if any) is already valid. */
static int check_when(const msgpack_object *map, const struct proto_field *f, bool present,
		      struct proto_path *path, struct proto_error *err)
{
	const msgpack_object *sib = proto_map_get(map, f->when_field);
	bool holds = sib != NULL && enum_index(sib, f->when_values) >= 0;
	size_t mark = proto_path_push(path, f->name, strlen(f->name));
	int r = 0;

	if (holds && !present && !f->when_optional)
		r = proto_fail(err, PROTO_MISSING_FIELD, "%s: is required when %s is %.*s",
			       path->buf, f->when_field, (int)sib->via.str.size, sib->via.str.ptr);
	else if (!holds && present && sib != NULL)
		r = proto_fail(err, PROTO_INVALID_FIELD, "%s: not allowed when %s is %.*s",
			       path->buf, f->when_field, (int)sib->via.str.size, sib->via.str.ptr);
	else if (!holds && present)
		r = proto_fail(err, PROTO_INVALID_FIELD, "%s: not allowed without %s", path->buf,
			       f->when_field);
	proto_path_pop(path, mark);
	return r;
}

/* Conditional fields, in the table's order, after every unconditional rule: the sibling they
 * depend on has then been checked (or reported missing) whatever the table's order. */
static int check_conditional(const msgpack_object *map, const struct proto_field *fields,
			     uint64_t seen, struct proto_path *path, struct proto_error *err)
{
	for (int i = 0; i < PROTO_FIELDS_MAX && fields[i].type != PF_END; i++)
		if (fields[i].when_field != NULL &&
		    check_when(map, &fields[i], seen & (UINT64_C(1) << i), path, err) == -1)
			return -1;
	return 0;
}

int proto_check_map(const msgpack_object *o, const struct proto_field *fields,
		    struct proto_path *path, struct proto_error *err)
{
	uint64_t seen = 0;

	if (o->type != MSGPACK_OBJECT_MAP)
		return proto_fail(err, PROTO_INVALID_FIELD, "%s: must be a map; got %s", path->buf,
				  proto_what(o));
	for (uint32_t k = 0; k < o->via.map.size; k++)
		if (check_entry(&o->via.map.ptr[k], fields, &seen, path, err) == -1)
			return -1;
	if (check_required(fields, seen, path, err) == -1)
		return -1;
	return check_conditional(o, fields, seen, path, err);
}
