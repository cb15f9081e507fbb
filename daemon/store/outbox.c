#include "store/outbox.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "prescan.h"

/* [{"role": str, "id": str or nil}] */
static void pack_recipients(msgpack_packer *pk, const struct wf_note *n)
{
	uint32_t count = n->n_to < WF_TO_MAX ? n->n_to : WF_TO_MAX;

	proto_pack_cstr(pk, "recipients");
	msgpack_pack_array(pk, count);
	for (uint32_t i = 0; i < count; i++) {
		const struct wf_recipient *to = &n->to[i];

		msgpack_pack_map(pk, 2);
		proto_pack_kv_cstr(pk, "role", proto_role_name(to->role));
		proto_pack_cstr(pk, "id");
		if (to->id.len)
			proto_pack_str(pk, to->id.ptr, to->id.len);
		else
			msgpack_pack_nil(pk);
	}
}

/* {"kind", "due_at", "level"}: on deadline topics only */
static void pack_deadline(msgpack_packer *pk, const struct wf_note *n)
{
	proto_pack_cstr(pk, "deadline");
	msgpack_pack_map(pk, 3);
	proto_pack_kv_cstr(pk, "kind", config_dl_name(n->dl_kind));
	proto_pack_kv_u64(pk, "due_at", n->due_at);
	proto_pack_kv_u64(pk, "level", n->level);
}

/* Topic-specific and small; {} when the topic has nothing to add. */
static void pack_detail(msgpack_packer *pk, const struct wf_note *n)
{
	proto_pack_cstr(pk, "detail");
	switch (n->detail) {
	case DETAIL_TRANSITION:
		msgpack_pack_map(pk, 2);
		proto_pack_kv_cstr(pk, "from", wf_kind_state_name(n->case_kind, (int)n->from_state));
		proto_pack_kv_cstr(pk, "to", wf_kind_state_name(n->case_kind, (int)n->to_state));
		break;
	case DETAIL_OPTIONAL:
		msgpack_pack_map(pk, 1);
		proto_pack_cstr(pk, "optional");
		n->optional ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
		break;
	case DETAIL_OUTCOME:
		msgpack_pack_map(pk, 1);
		proto_pack_cstr(pk, "outcome");
		proto_pack_str(pk, n->outcome.ptr, n->outcome.len);
		break;
	case DETAIL_NONE:
	default:
		msgpack_pack_map(pk, 0);
		break;
	}
}

/* v, seq, topic, at, case, state, recipients, detail; and deadline */
#define NOTE_ENTRIES 8

void outbox_pack(msgpack_packer *pk, uint64_t seq, uint64_t at, const char *case_ref,
		 const struct wf_note *note)
{
	msgpack_pack_map(pk, NOTE_ENTRIES + (note->has_deadline ? 1 : 0));
	proto_pack_kv_u64(pk, "v", PROTO_VERSION);
	proto_pack_kv_u64(pk, "seq", seq);
	proto_pack_kv_cstr(pk, "topic", note->topic);
	proto_pack_kv_u64(pk, "at", at);
	proto_pack_kv_cstr(pk, "case", case_ref);
	proto_pack_kv_cstr(pk, "state", wf_kind_state_name(note->case_kind, (int)note->state));
	pack_recipients(pk, note);
	if (note->has_deadline)
		pack_deadline(pk, note);
	pack_detail(pk, note);
}

int outbox_append(struct store *st, MDB_txn *txn, uint64_t *seq, uint64_t at, const char *case_ref,
		  const struct wf_effects *fx, msgpack_sbuffer *scratch)
{
	msgpack_packer pk;
	uint8_t key[8];

	msgpack_packer_init(&pk, scratch, msgpack_sbuffer_write);
	for (uint32_t i = 0; i < fx->n && i < WF_NOTES_MAX; i++) {
		int r;

		scratch->size = 0;
		outbox_pack(&pk, *seq + 1, at, case_ref, &fx->note[i]);
		store_be64(key, *seq + 1);
		if ((r = store_put(st, txn, DB_OUTBOX, key, sizeof(key), scratch->data,
				   scratch->size)) < 0)
			return r;
		++*seq;
	}
	return 0;
}

int outbox_topic(const void *bytes, size_t len, const char **ret, size_t *ret_len)
{
	struct proto_error err;
	msgpack_unpacked up;
	const msgpack_object *topic;
	size_t off = 0;
	int r = -1;

	/* stored bytes, but msgpack-c must not allocate for what a damaged header claims */
	if (proto_prescan(bytes, len, &proto_stored_limits, &err) < 0)
		return -1;
	msgpack_unpacked_init(&up);
	if (msgpack_unpack_next(&up, bytes, len, &off) == MSGPACK_UNPACK_SUCCESS && off == len &&
	    up.data.type == MSGPACK_OBJECT_MAP && (topic = proto_map_get(&up.data, "topic")) &&
	    topic->type == MSGPACK_OBJECT_STR && topic->via.str.size > 0 &&
	    /* msgpack_unpack_next leaves strings in the bytes given, which outlive `up` */
	    topic->via.str.ptr >= (const char *)bytes &&
	    topic->via.str.ptr + topic->via.str.size <= (const char *)bytes + len) {
		*ret = topic->via.str.ptr;
		*ret_len = topic->via.str.size;
		r = 0;
	}
	msgpack_unpacked_destroy(&up);
	return r;
}

/* The recipients array with every id nil. */
static void pack_redacted(msgpack_packer *pk, const msgpack_object *recipients)
{
	if (recipients->type != MSGPACK_OBJECT_ARRAY) {
		msgpack_pack_array(pk, 0);
		return;
	}
	msgpack_pack_array(pk, recipients->via.array.size);
	for (uint32_t i = 0; i < recipients->via.array.size; i++) {
		const msgpack_object *role = proto_map_get(&recipients->via.array.ptr[i], "role");

		msgpack_pack_map(pk, 2);
		proto_pack_cstr(pk, "role");
		if (role && role->type == MSGPACK_OBJECT_STR)
			proto_pack_str(pk, role->via.str.ptr, role->via.str.size);
		else
			msgpack_pack_nil(pk);
		proto_pack_cstr(pk, "id");
		msgpack_pack_nil(pk);
	}
}

int outbox_redact(struct store *st, MDB_txn *txn, uint64_t seq, msgpack_sbuffer *scratch)
{
	struct proto_error err;
	msgpack_unpacked up;
	msgpack_packer pk;
	const msgpack_object *m;
	uint8_t key[8];
	MDB_val v;
	size_t off = 0;
	int r;

	store_be64(key, seq);
	if ((r = store_get(st, txn, DB_OUTBOX, key, sizeof(key), &v)) < 0)
		return r;
	if (proto_prescan(v.mv_data, v.mv_size, &proto_stored_limits, &err) < 0)
		return -EIO;
	msgpack_unpacked_init(&up);
	if (msgpack_unpack_next(&up, v.mv_data, v.mv_size, &off) != MSGPACK_UNPACK_SUCCESS ||
	    up.data.type != MSGPACK_OBJECT_MAP) {
		msgpack_unpacked_destroy(&up);
		return -EIO;
	}
	m = &up.data;
	scratch->size = 0;
	msgpack_packer_init(&pk, scratch, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, m->via.map.size);
	for (uint32_t i = 0; i < m->via.map.size; i++) {
		const msgpack_object_kv *kv = &m->via.map.ptr[i];

		msgpack_pack_object(&pk, kv->key);
		if (kv->key.type == MSGPACK_OBJECT_STR &&
		    proto_str_eq((struct proto_str){kv->key.via.str.ptr, kv->key.via.str.size},
				 "recipients"))
			pack_redacted(&pk, &kv->val);
		else
			msgpack_pack_object(&pk, kv->val);
	}
	/* packed before the put: the unpacked strings point into the old value's page */
	msgpack_unpacked_destroy(&up);
	return store_put(st, txn, DB_OUTBOX, key, sizeof(key), scratch->data, scratch->size);
}
