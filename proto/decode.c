/* decode.c: intake events and control requests, from bytes to a validated view. The checks
 * run in the order of PROTOCOL.md ("Checks run in this order"): too_large, malformed
 * (pre-scan, then msgpack-c), unsupported_version, then the envelope in the order of the
 * `env` enum below, then the body. The first failure is the answer. */
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "msgtext.h"
#include "prescan.h"
#include "proto_limits.h"
#include "schema.h"
#include "typetab.h"

#define CTL_CMD_MAX   64
#define TYPE_NAME_MAX 64

/* ---- shared steps ---- */

/* too_large, then malformed: one map, within the limits, that msgpack-c accepts. */
static int unpack_one_map(msgpack_unpacked *up, const uint8_t *bytes, size_t len,
			  const struct proto_limits *lim, struct proto_error *err)
{
	size_t off = 0;
	msgpack_unpack_return r;

	if (len > lim->max_message_bytes)
		return proto_fail(err, PROTO_TOO_LARGE,
				  "the request is %zu bytes; the limit is %zu bytes", len,
				  lim->max_message_bytes);
	if (proto_prescan(bytes, len, lim, err) == -1)
		return -1;
	r = msgpack_unpack_next(up, (const char *)bytes, len, &off);
	if (r == MSGPACK_UNPACK_NOMEM_ERROR)
		return proto_fail(err, PROTO_UNAVAILABLE,
				  "out of memory while decoding the request; try again");
	if (r != MSGPACK_UNPACK_SUCCESS || off != len || up->data.type != MSGPACK_OBJECT_MAP)
		return proto_fail(err, PROTO_MALFORMED,
				  "the request is not one well-formed MessagePack map");
	return 0;
}

/* Files each top-level value under its key's index in names; remembers the first key that
 * is unknown or repeated, to be reported when its turn comes. */
static void collect(const msgpack_object *map, const char *const *names,
		    const msgpack_object **slot, const msgpack_object **bad_key, bool *bad_repeated)
{
	*bad_key = NULL;
	*bad_repeated = false;
	for (uint32_t k = 0; k < map->via.map.size; k++) {
		const msgpack_object_kv *kv = &map->via.map.ptr[k];
		struct proto_str key = {kv->key.via.str.ptr, kv->key.via.str.size};
		int i = 0;

		while (names[i] != NULL && !proto_str_eq(key, names[i]))
			i++;
		if (names[i] != NULL && slot[i] == NULL) {
			slot[i] = &kv->val;
			continue;
		}
		if (*bad_key == NULL) {
			*bad_key = &kv->key;
			*bad_repeated = names[i] != NULL;
		}
	}
}

static int fail_bad_key(const msgpack_object *key, bool repeated, const char *const *names,
			const char *prefix, struct proto_error *err)
{
	struct proto_path path = {.len = 0};
	char list[PROTO_ERRMSG / 2];

	proto_path_init(&path, prefix);
	proto_path_push(&path, key->via.str.ptr, key->via.str.size);
	if (repeated)
		return proto_fail(err, PROTO_INVALID_FIELD,
				  "%s: appears twice in the map; send each field once", path.buf);
	return proto_fail(err, PROTO_INVALID_FIELD, "%s: unknown field; allowed here: %s", path.buf,
			  proto_join(list, sizeof(list), names));
}

/* `v` present and anything but the unsigned integer 1 is unsupported_version; absent is
 * missing_field, but only after every unsupported_version had its chance. */
static int check_version(const msgpack_object *v, struct proto_error *err)
{
	if (v->type == MSGPACK_OBJECT_POSITIVE_INTEGER && v->via.u64 == PROTO_VERSION)
		return 0;
	if (v->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
		return proto_fail(err, PROTO_UNSUPPORTED_VERSION,
				  "v: this daemon speaks protocol version %d; got %llu",
				  PROTO_VERSION, (unsigned long long)v->via.u64);
	return proto_fail(err, PROTO_UNSUPPORTED_VERSION,
			  "v: must be the unsigned integer %d (the protocol version); got %s",
			  PROTO_VERSION, proto_what(v));
}

static int fail_missing(const char *name, const char *expected, struct proto_error *err)
{
	return proto_fail(err, PROTO_MISSING_FIELD, "%s: is required but missing; expected %s",
			  name, expected);
}

/* ---- the event envelope ---- */

enum env { ENV_V, ENV_ID, ENV_TYPE, ENV_AT, ENV_ACTOR, ENV_CASE, ENV_BODY, ENV_COUNT };

static const char *const env_names[] = {
    [ENV_V] = "v",         [ENV_ID] = "id",     [ENV_TYPE] = "type", [ENV_AT] = "at",
    [ENV_ACTOR] = "actor", [ENV_CASE] = "case", [ENV_BODY] = "body", [ENV_COUNT] = NULL,
};

static const char *const actor_names[] = {"id", "role", NULL};

static int check_type(const struct proto_type *table, const msgpack_object *o,
		      const struct proto_type **ret, struct proto_error *err)
{
	struct proto_str name;

	if (o == NULL)
		return fail_missing("type", "an event type name", err);
	if (proto_check_str(o, TYPE_NAME_MAX, "type", err) == -1)
		return -1;
	name = (struct proto_str){o->via.str.ptr, o->via.str.size};
	*ret = table ? proto_type_find_in(table, name) : proto_type_find(name);
	if (*ret == NULL) {
		char q[PROTO_QUOTE_MAX];

		return proto_fail(err, PROTO_UNKNOWN_TYPE,
				  "type: %s is not an event type this daemon knows",
				  proto_quote(q, name.ptr, name.len));
	}
	return 0;
}

static int check_at(const msgpack_object *o, uint64_t now_ms, uint64_t skew_ms,
		    struct proto_error *err)
{
	if (o == NULL)
		return fail_missing("at", "a time in ms since the Unix epoch", err);
	if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		return proto_fail(
		    err, PROTO_INVALID_FIELD,
		    "at: must be an unsigned integer (ms since the Unix epoch); got %s",
		    proto_what(o));
	if (o->via.u64 > now_ms && o->via.u64 - now_ms > skew_ms)
		return proto_fail(err, PROTO_INVALID_FIELD,
				  "at: lies %llu ms in the future, more than the allowed clock "
				  "skew of %llu ms",
				  (unsigned long long)(o->via.u64 - now_ms),
				  (unsigned long long)skew_ms);
	return 0;
}

static enum proto_role role_find(const msgpack_object *o)
{
	struct proto_str s = {o->via.str.ptr, o->via.str.size};

	for (int r = ROLE_NONE + 1; r < ROLE_COUNT; r++)
		if (proto_str_eq(s, proto_role_name((enum proto_role)r)))
			return (enum proto_role)r;
	return ROLE_NONE;
}

static int check_role(const msgpack_object *o, enum proto_role *ret, struct proto_error *err)
{
	const char *names[ROLE_COUNT];
	char list[PROTO_ERRMSG / 2], q[PROTO_QUOTE_MAX];

	if (o == NULL)
		return fail_missing("actor.role", "one of the roles of PROTOCOL.md", err);
	if (o->type != MSGPACK_OBJECT_STR)
		return proto_fail(err, PROTO_INVALID_FIELD, "actor.role: must be a string; got %s",
				  proto_what(o));
	*ret = role_find(o);
	if (*ret != ROLE_NONE)
		return 0;
	for (int r = ROLE_NONE + 1; r < ROLE_COUNT; r++)
		names[r - 1] = proto_role_name((enum proto_role)r);
	names[ROLE_COUNT - 1] = NULL;
	return proto_fail(err, PROTO_INVALID_FIELD, "actor.role: must be one of %s; got %s",
			  proto_join(list, sizeof(list), names),
			  proto_quote(q, o->via.str.ptr, o->via.str.size));
}

static int check_actor_map(const msgpack_object *o, struct proto_event *ev, struct proto_error *err)
{
	const msgpack_object *slot[2] = {NULL, NULL}, *bad;
	bool repeated;

	if (o->type != MSGPACK_OBJECT_MAP)
		return proto_fail(err, PROTO_INVALID_FIELD,
				  "actor: must be a map {\"id\": str, \"role\": str}; got %s",
				  proto_what(o));
	collect(o, actor_names, slot, &bad, &repeated);
	if (bad != NULL)
		return fail_bad_key(bad, repeated, actor_names, "actor", err);
	if (slot[0] == NULL)
		return fail_missing("actor.id", "the acting person's id", err);
	if (proto_check_ident(slot[0], PROTO_ID_MAX, "actor.id", err) == -1)
		return -1;
	if (check_role(slot[1], &ev->actor_role, err) == -1)
		return -1;
	ev->actor_id = (struct proto_str){slot[0]->via.str.ptr, slot[0]->via.str.size};
	return 0;
}

/* Whether the body's anonymity flag (if the type has one) is true. Read before the body is
 * validated, since it decides whether `actor` may be present; a flag of the wrong type
 * counts as false here and is reported with the body. */
static int check_actor(const struct proto_type *t, const msgpack_object *actor,
		       const msgpack_object *body, struct proto_event *ev, struct proto_error *err)
{
	ev->actor_role = ROLE_NONE;
	ev->anonymous = ev->by_token || (t->anon_flag && proto_flag(body, t->anon_flag));
	if (ev->by_token && actor != NULL)
		return proto_fail(err, PROTO_INVALID_FIELD,
				  "actor: must be absent on %s by body.%s (the reporter is not "
				  "named)",
				  t->name, t->case_by);
	if (ev->by_token)
		return 0;
	if (ev->anonymous) {
		if (actor != NULL)
			return proto_fail(err, PROTO_INVALID_FIELD,
					  "actor: must be absent on an anonymous %s (body.%s is "
					  "true)",
					  t->name, t->anon_flag);
		return 0;
	}
	if (actor == NULL && t->actor_required && t->anon_flag != NULL)
		return proto_fail(err, PROTO_MISSING_FIELD,
				  "actor: is required on %s unless body.%s is true", t->name,
				  t->anon_flag);
	if (actor == NULL && t->actor_required)
		return proto_fail(err, PROTO_MISSING_FIELD, "actor: is required on %s", t->name);
	if (actor == NULL)
		return 0;
	return check_actor_map(actor, ev, err);
}

static int check_case(const struct proto_type *t, const msgpack_object *o, struct proto_event *ev,
		      struct proto_error *err)
{
	ev->case_ref = (struct proto_str){"", 0};
	if (ev->by_token)
		return 0;
	if (t->case_by && o != NULL && ev->body_has_case_by)
		return proto_fail(err, PROTO_INVALID_FIELD,
				  "body.%s: not allowed beside case (a named reporter follows up with "
				  "case and their own actor)",
				  t->case_by);
	if (t->opens != KIND_NONE) {
		if (o != NULL)
			return proto_fail(err, PROTO_INVALID_FIELD,
					  "case: must be absent on %s, which opens a new case",
					  t->name);
		return 0;
	}
	if (o == NULL)
		return fail_missing("case", "the reference of the case the event acts on", err);
	if (proto_check_ref(o, "case", PROTO_CASE_MAX, err) == -1)
		return -1;
	ev->case_ref = (struct proto_str){o->via.str.ptr, o->via.str.size};
	return 0;
}

/* The body against its type's: for a type several kinds share, the union of their bodies
 * (REGISTERS.md), the kind's own being the engine's to check once the case is loaded. A body
 * that not even the union takes is reported as the kind the reference names would report it,
 * so that the message lists that kind's fields and values. */
static int check_body(const struct proto_type *t, const msgpack_object *o, struct proto_str ref,
		      struct proto_error *err)
{
	struct proto_path path = {.len = 0};
	const struct proto_field *own;

	if (o == NULL)
		return fail_missing("body", "a map (which may be empty)", err);
	proto_path_init(&path, "body");
	if (proto_check_map(o, t->body, &path, err) == 0)
		return 0;
	own = proto_kind_body(proto_ref_kind(ref), t);
	if (own != t->body) {
		proto_path_init(&path, "body");
		(void)proto_check_map(o, own, &path, err); /* stricter than the union: it fails too */
	}
	return -1;
}

/* The id is copied out before anything else is judged, so that every later rejection can
 * carry it. */
static void peek_id(const msgpack_object *o, char ret_id[PROTO_ID_MAX + 1])
{
	if (o == NULL || !proto_ref_valid(o, PROTO_ID_MAX))
		return;
	memcpy(ret_id, o->via.str.ptr, o->via.str.size);
	ret_id[o->via.str.size] = '\0';
}

static int check_envelope(const struct proto_type *table, struct proto_event *ev, uint64_t now_ms,
			  const struct proto_limits *lim, char ret_id[PROTO_ID_MAX + 1],
			  struct proto_error *err)
{
	const msgpack_object *e[ENV_COUNT] = {NULL}, *bad;
	bool repeated;

	collect(&ev->unpacked.data, env_names, e, &bad, &repeated);
	peek_id(e[ENV_ID], ret_id);
	if (e[ENV_V] != NULL && check_version(e[ENV_V], err) == -1)
		return -1;
	if (e[ENV_V] == NULL)
		return fail_missing("v", "the protocol version 1", err);
	if (e[ENV_ID] == NULL)
		return fail_missing("id", "the publisher's idempotency key", err);
	if (proto_check_ref(e[ENV_ID], "id", PROTO_ID_MAX, err) == -1)
		return -1;
	if (bad != NULL)
		return fail_bad_key(bad, repeated, env_names, "", err);
	if (check_type(table, e[ENV_TYPE], &ev->type, err) == -1)
		return -1;
	ev->body_has_case_by = ev->type->case_by && e[ENV_BODY] &&
			       e[ENV_BODY]->type == MSGPACK_OBJECT_MAP &&
			       proto_map_get(e[ENV_BODY], ev->type->case_by) != NULL;
	ev->by_token = ev->body_has_case_by && e[ENV_CASE] == NULL;
	if (check_at(e[ENV_AT], now_ms, lim->clock_skew_ms, err) == -1 ||
	    check_actor(ev->type, e[ENV_ACTOR], e[ENV_BODY], ev, err) == -1 ||
	    check_case(ev->type, e[ENV_CASE], ev, err) == -1 ||
	    check_body(ev->type, e[ENV_BODY], ev->case_ref, err) == -1)
		return -1;
	ev->id = (struct proto_str){e[ENV_ID]->via.str.ptr, e[ENV_ID]->via.str.size};
	ev->at = e[ENV_AT]->via.u64;
	ev->body = e[ENV_BODY];
	return 0;
}

int proto_event_decode_in(const struct proto_type *table, struct proto_event *ev,
			  const uint8_t *bytes, size_t len, uint64_t now_ms,
			  const struct proto_limits *lim, char ret_id[PROTO_ID_MAX + 1],
			  struct proto_error *err)
{
	struct proto_limits l;

	memset(ev, 0, sizeof(*ev));
	msgpack_unpacked_init(&ev->unpacked);
	ret_id[0] = '\0';
	proto_limits_resolve(lim, &l);
	if (unpack_one_map(&ev->unpacked, bytes, len, &l, err) == -1 ||
	    check_envelope(table, ev, now_ms, &l, ret_id, err) == -1) {
		proto_event_release(ev);
		return -1;
	}
	ev->bytes = bytes;
	ev->len = len;
	err->code = PROTO_OK;
	err->message[0] = '\0';
	return 0;
}

int proto_event_decode(struct proto_event *ev, const uint8_t *bytes, size_t len, uint64_t now_ms,
		       const struct proto_limits *lim, char ret_id[PROTO_ID_MAX + 1],
		       struct proto_error *err)
{
	return proto_event_decode_in(NULL, ev, bytes, len, now_ms, lim, ret_id, err);
}

void proto_event_release(struct proto_event *ev)
{
	if (ev == NULL)
		return;
	msgpack_unpacked_destroy(&ev->unpacked);
	memset(ev, 0, sizeof(*ev));
	msgpack_unpacked_init(&ev->unpacked);
}

/* ---- control requests ---- */

enum ctl { CTL_V, CTL_CMD, CTL_ARGS, CTL_COUNT };

static const char *const ctl_names[] = {
    [CTL_V] = "v", [CTL_CMD] = "cmd", [CTL_ARGS] = "args", [CTL_COUNT] = NULL};

#define REPEAT_SCAN_MAX 16 /* maps up to this size are searched pair by pair */

struct key_at {
	const char *ptr;
	uint32_t len;
	uint32_t pos; /* in the map */
};

/* Orders keys by length, bytes, then position: equal keys end up together, earliest first. */
static int key_at_cmp(const void *a, const void *b)
{
	const struct key_at *x = a, *y = b;
	int c;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	if ((c = memcmp(x->ptr, y->ptr, x->len)) != 0)
		return c;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* The position of the first key, in map order, equal to an earlier one; map->via.map.size
 * when none is. Pair by pair for small maps; sorted for larger ones (4096 keys would
 * otherwise cost 8M comparisons), or pair by pair when there is no memory to sort in. */
static uint32_t first_repeated_key(const msgpack_object *map)
{
	const msgpack_object_kv *kv = map->via.map.ptr;
	const uint32_t n = map->via.map.size;
	struct key_at *keys = NULL;
	uint32_t first = n;

	if (n > REPEAT_SCAN_MAX)
		keys = malloc(n * sizeof(*keys));
	if (keys == NULL) {
		for (uint32_t k = 1; k < n; k++)
			for (uint32_t i = 0; i < k; i++)
				if (proto_strobj_eq(&kv[i].key, &kv[k].key))
					return k;
		return n;
	}
	for (uint32_t k = 0; k < n; k++)
		keys[k] = (struct key_at){kv[k].key.via.str.ptr, kv[k].key.via.str.size, k};
	qsort(keys, n, sizeof(*keys), key_at_cmp);
	for (uint32_t k = 1; k < n; k++)
		if (keys[k].pos < first && keys[k].len == keys[k - 1].len &&
		    memcmp(keys[k].ptr, keys[k - 1].ptr, keys[k].len) == 0)
			first = keys[k].pos;
	free(keys);
	return first;
}

/* args are free-form for the command to judge, but still text and unambiguous: every string
 * (keys too) valid UTF-8, no key twice in a map. Depth is bounded by the pre-scan. */
static int check_tree(const msgpack_object *o, struct proto_path *path, struct proto_error *err)
{
	uint32_t repeat;

	if (o->type == MSGPACK_OBJECT_STR && !proto_utf8_valid(o->via.str.ptr, o->via.str.size))
		return proto_fail(err, PROTO_INVALID_FIELD, "%s: must be valid UTF-8 text",
				  path->buf);
	for (uint32_t i = 0; o->type == MSGPACK_OBJECT_ARRAY && i < o->via.array.size; i++) {
		size_t mark = proto_path_push_index(path, i);

		if (check_tree(&o->via.array.ptr[i], path, err) == -1)
			return -1;
		proto_path_pop(path, mark);
	}
	repeat = o->type == MSGPACK_OBJECT_MAP ? first_repeated_key(o) : 0;
	for (uint32_t k = 0; o->type == MSGPACK_OBJECT_MAP && k < o->via.map.size; k++) {
		const msgpack_object_kv *kv = &o->via.map.ptr[k];
		size_t mark = proto_path_push(path, kv->key.via.str.ptr, kv->key.via.str.size);

		if (!proto_utf8_valid(kv->key.via.str.ptr, kv->key.via.str.size))
			return proto_fail(err, PROTO_INVALID_FIELD,
					  "%s: keys must be valid UTF-8 text", path->buf);
		if (k == repeat)
			return proto_fail(err, PROTO_INVALID_FIELD,
					  "%s: appears twice in the map; send each field once",
					  path->buf);
		if (check_tree(&kv->val, path, err) == -1)
			return -1;
		proto_path_pop(path, mark);
	}
	return 0;
}

static int check_ctl(struct proto_ctl *req, struct proto_error *err)
{
	const msgpack_object *c[CTL_COUNT] = {NULL}, *bad;
	struct proto_path path = {.len = 0};
	bool repeated;

	collect(&req->unpacked.data, ctl_names, c, &bad, &repeated);
	if (c[CTL_V] != NULL && check_version(c[CTL_V], err) == -1)
		return -1;
	if (c[CTL_V] == NULL)
		return fail_missing("v", "the protocol version 1", err);
	if (bad != NULL)
		return fail_bad_key(bad, repeated, ctl_names, "", err);
	if (c[CTL_CMD] == NULL)
		return fail_missing("cmd", "a command name such as \"status\"", err);
	if (proto_check_str(c[CTL_CMD], CTL_CMD_MAX, "cmd", err) == -1)
		return -1;
	if (c[CTL_ARGS] != NULL && c[CTL_ARGS]->type != MSGPACK_OBJECT_MAP)
		return proto_fail(err, PROTO_INVALID_FIELD, "args: must be a map; got %s",
				  proto_what(c[CTL_ARGS]));
	proto_path_init(&path, "args");
	if (c[CTL_ARGS] != NULL && check_tree(c[CTL_ARGS], &path, err) == -1)
		return -1;
	req->cmd = (struct proto_str){c[CTL_CMD]->via.str.ptr, c[CTL_CMD]->via.str.size};
	req->args = c[CTL_ARGS];
	return 0;
}

int proto_ctl_decode(struct proto_ctl *req, const uint8_t *bytes, size_t len,
		     const struct proto_limits *lim, struct proto_error *err)
{
	struct proto_limits l;

	memset(req, 0, sizeof(*req));
	msgpack_unpacked_init(&req->unpacked);
	proto_limits_resolve(lim, &l);
	if (unpack_one_map(&req->unpacked, bytes, len, &l, err) == -1 ||
	    check_ctl(req, err) == -1) {
		proto_ctl_release(req);
		return -1;
	}
	err->code = PROTO_OK;
	err->message[0] = '\0';
	return 0;
}

void proto_ctl_release(struct proto_ctl *req)
{
	if (req == NULL)
		return;
	msgpack_unpacked_destroy(&req->unpacked);
	memset(req, 0, sizeof(*req));
	msgpack_unpacked_init(&req->unpacked);
}

int proto_ctl_args_check(const msgpack_object *args, const struct proto_field *fields,
			 struct proto_error *err)
{
	static const msgpack_object none = {.type = MSGPACK_OBJECT_MAP};
	struct proto_path path;

	proto_path_init(&path, "args");
	return proto_check_map(args ? args : &none, fields, &path, err);
}
