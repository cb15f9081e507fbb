#include "caserec.h"

#include <errno.h>
#include <string.h>

static void pack_part(msgpack_packer *pk, const msgpack_object *o, bool list)
{
	if (o)
		msgpack_pack_object(pk, *o);
	else if (list)
		msgpack_pack_array(pk, 0);
	else
		msgpack_pack_nil(pk);
}

void caserec_pack_hist(const struct case_hist *h, msgpack_packer *pk)
{
	msgpack_pack_map(pk, 5);
	proto_pack_cstr(pk, "seq");
	msgpack_pack_uint64(pk, h->seq);
	proto_pack_cstr(pk, "type");
	proto_pack_str(pk, h->type.ptr, h->type.len);
	proto_pack_cstr(pk, "at");
	msgpack_pack_uint64(pk, h->at);
	proto_pack_cstr(pk, "received_at");
	msgpack_pack_uint64(pk, h->received_at);
	proto_pack_cstr(pk, "actor");
	if (h->role == ROLE_NONE) {
		msgpack_pack_nil(pk);
		return;
	}
	msgpack_pack_map(pk, 2);
	proto_pack_cstr(pk, "id");
	proto_pack_str(pk, h->actor_id.ptr, h->actor_id.len);
	proto_pack_cstr(pk, "role");
	proto_pack_cstr(pk, proto_role_name(h->role));
}

static void pack_kv_part(msgpack_packer *pk, const char *k, const msgpack_object *o, bool list)
{
	proto_pack_cstr(pk, k);
	pack_part(pk, o, list);
}

/* The entries the stored record and the case.get view share (SHARED_ENTRIES of them). */
#define SHARED_ENTRIES 13
static void pack_shared(const struct case_rec *c, msgpack_packer *pk)
{
	uint32_t n = c->history ? c->history->via.array.size : 0;

	proto_pack_cstr(pk, "case");
	proto_pack_cstr(pk, c->ref);
	proto_pack_cstr(pk, "kind");
	proto_pack_cstr(pk, proto_kind_prefix(c->kind));
	proto_pack_cstr(pk, "origin");
	proto_pack_cstr(pk, wf_origin_name(c->origin));
	proto_pack_cstr(pk, "state");
	proto_pack_cstr(pk, wf_state_name(c->state));
	proto_pack_cstr(pk, "opened_at");
	msgpack_pack_uint64(pk, c->opened_at);
	pack_kv_part(pk, "subject", c->subject, false);
	pack_kv_part(pk, "associate", c->associate, false);
	pack_kv_part(pk, "categories", c->categories, true);
	pack_kv_part(pk, "relationship", c->relationship, false);
	pack_kv_part(pk, "conditions", c->conditions, true);
	pack_kv_part(pk, "tasks", c->tasks, true);
	pack_kv_part(pk, "closed_reason", c->closed_reason, false);
	proto_pack_cstr(pk, "history");
	msgpack_pack_array(pk, n + (c->has_added ? 1 : 0));
	for (uint32_t i = 0; i < n; i++)
		msgpack_pack_object(pk, c->history->via.array.ptr[i]);
	if (c->has_added)
		caserec_pack_hist(&c->added, pk);
}

void caserec_pack(const struct case_rec *c, msgpack_packer *pk)
{
	msgpack_pack_map(pk, SHARED_ENTRIES + 1);
	pack_shared(c, pk);
	proto_pack_cstr(pk, "subject_id");
	proto_pack_str(pk, c->subject_id.ptr, c->subject_id.len);
}

void caserec_pack_view(const struct case_rec *c, const msgpack_object *deadlines,
		       msgpack_packer *pk)
{
	msgpack_pack_map(pk, SHARED_ENTRIES + 1);
	pack_shared(c, pk);
	pack_kv_part(pk, "deadlines", deadlines, true);
}

static bool key_is(const msgpack_object *k, const char *name)
{
	size_t n = strlen(name);

	return k->type == MSGPACK_OBJECT_STR && k->via.str.size == n &&
	       memcmp(k->via.str.ptr, name, n) == 0;
}

static int str_field(const msgpack_object *v, struct proto_str *ret)
{
	if (v->type != MSGPACK_OBJECT_STR)
		return -EIO;
	ret->ptr = v->via.str.ptr;
	ret->len = v->via.str.size;
	return 0;
}

static const msgpack_object *part(const msgpack_object *v)
{
	return v->type == MSGPACK_OBJECT_NIL ? NULL : v;
}

/* Stored records are ours, but a damaged page must give an error, not a crash. */
static int load_field(struct case_rec *c, const msgpack_object *k, const msgpack_object *v)
{
	struct proto_str s;
	int i;

	if (key_is(k, "case")) {
		if (str_field(v, &s) < 0 || s.len > PROTO_CASE_MAX)
			return -EIO;
		memcpy(c->ref, s.ptr, s.len);
		c->ref[s.len] = '\0';
	} else if (key_is(k, "kind")) {
		if (str_field(v, &s) < 0)
			return -EIO;
		for (i = KIND_NA; i < KIND_COUNT && !proto_str_eq(s, proto_kind_prefix(i)); i++)
			;
		if (i == KIND_COUNT)
			return -EIO;
		c->kind = i;
	} else if (key_is(k, "origin")) {
		if (str_field(v, &s) < 0)
			return -EIO;
		for (i = 0; i < ORIGIN_COUNT && !proto_str_eq(s, wf_origin_name(i)); i++)
			;
		if (i == ORIGIN_COUNT)
			return -EIO;
		c->origin = i;
	} else if (key_is(k, "state")) {
		if (str_field(v, &s) < 0 || (i = wf_state_parse(s.ptr, s.len)) < 0)
			return -EIO;
		c->state = i;
	} else if (key_is(k, "opened_at")) {
		if (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
			return -EIO;
		c->opened_at = v->via.u64;
	} else if (key_is(k, "subject_id")) {
		return str_field(v, &c->subject_id);
	} else if (key_is(k, "subject")) {
		c->subject = part(v);
	} else if (key_is(k, "associate")) {
		c->associate = part(v);
	} else if (key_is(k, "categories")) {
		c->categories = part(v);
	} else if (key_is(k, "relationship")) {
		c->relationship = part(v);
	} else if (key_is(k, "conditions")) {
		c->conditions = part(v);
	} else if (key_is(k, "tasks")) {
		c->tasks = part(v);
	} else if (key_is(k, "closed_reason")) {
		c->closed_reason = part(v);
	} else if (key_is(k, "history")) {
		if (v->type != MSGPACK_OBJECT_ARRAY)
			return -EIO;
		c->history = v;
	}
	return 0;
}

int caserec_load(struct case_rec *c, const void *bytes, size_t len)
{
	const msgpack_object *root;
	msgpack_unpack_return ur;
	size_t off = 0;

	memset(c, 0, sizeof(*c));
	msgpack_unpacked_init(&c->unpacked);
	c->loaded = true;
	ur = msgpack_unpack_next(&c->unpacked, bytes, len, &off);
	root = &c->unpacked.data;
	if (ur != MSGPACK_UNPACK_SUCCESS || root->type != MSGPACK_OBJECT_MAP)
		goto bad;
	for (uint32_t i = 0; i < root->via.map.size; i++)
		if (load_field(c, &root->via.map.ptr[i].key, &root->via.map.ptr[i].val) < 0)
			goto bad;
	return 0;
bad:
	caserec_release(c);
	return -EIO;
}

void caserec_release(struct case_rec *c)
{
	if (c->loaded)
		msgpack_unpacked_destroy(&c->unpacked);
	c->loaded = false;
}
