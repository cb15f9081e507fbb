/* readlog: the records of control reads (their format, packed and decoded here only) in the
 * journal and the `reads` index. See readlog.h. */
#include "store/readlog.h"

#include <errno.h>
#include <string.h>

#include <msgpack.h>

void readlog_pack(msgpack_sbuffer *out, uint64_t at, const char *client, enum client_role role,
		  const char *cmd, const msgpack_object *args, const char *refs, size_t refs_len)
{
	msgpack_packer pk;
	uint32_t ncases = 0;
	size_t off, n;

	for (off = 0; off < refs_len; off += n + 1, ncases++)
		n = strnlen(refs + off, refs_len - off);
	out->size = 0;
	msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 7);
	proto_pack_kv_cstr(&pk, "type", READLOG_TYPE);
	proto_pack_kv_u64(&pk, "at", at);
	proto_pack_kv_cstr(&pk, "client", client ? client : "");
	proto_pack_kv_cstr(&pk, "role", client_role_name(role));
	proto_pack_kv_cstr(&pk, "cmd", cmd);
	proto_pack_cstr(&pk, "args");
	if (args)
		msgpack_pack_object(&pk, *args);
	else
		msgpack_pack_map(&pk, 0);
	proto_pack_cstr(&pk, "cases");
	msgpack_pack_array(&pk, ncases);
	for (off = 0; off < refs_len; off += n + 1) {
		n = strnlen(refs + off, refs_len - off);
		proto_pack_str(&pk, refs + off, n);
	}
}

size_t readlog_key(uint8_t key[READLOG_KEY_MAX], const char *ref, size_t len, uint64_t seq,
		   bool prefix_only)
{
	memcpy(key, ref, len);
	key[len] = '\0';
	if (prefix_only)
		return len + 1;
	store_be64(key + len + 1, seq);
	return len + 1 + 8;
}

int readlog_append(struct store *st, MDB_txn *txn, struct journal_head *head, uint64_t received_at,
		   struct readlog_rec *rec)
{
	uint8_t hash[JOURNAL_HASH], key[READLOG_KEY_MAX];
	size_t off, n;
	int r;

	journal_hash(rec->entry, rec->len, hash);
	if ((r = journal_append(st, txn, head, received_at, rec->entry, rec->len, hash)) < 0)
		return r;
	rec->seq = head->seq;
	for (off = 0; off < rec->refs_len; off += n + 1) {
		n = strnlen(rec->refs + off, rec->refs_len - off);
		if (n == 0 || n > PROTO_CASE_MAX)
			continue;
		r = store_put(st, txn, DB_READS, key,
			      readlog_key(key, rec->refs + off, n, rec->seq, false), "", 0);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Copies a string value into out (cap bytes with its NUL); false when it is not one or too
 * long. */
static bool copy_str(const msgpack_object *o, char *out, size_t cap)
{
	if (!o || o->type != MSGPACK_OBJECT_STR || o->via.str.size >= cap)
		return false;
	memcpy(out, o->via.str.ptr, o->via.str.size);
	out[o->via.str.size] = '\0';
	return true;
}

int readlog_decode(const uint8_t *bytes, size_t len, struct readlog_row *ret)
{
	msgpack_unpacked up;
	const msgpack_object *type, *at, *args;
	size_t off = 0;
	int r = -EBADMSG;

	msgpack_unpacked_init(&up);
	if (!bytes ||
	    msgpack_unpack_next(&up, (const char *)bytes, len, &off) != MSGPACK_UNPACK_SUCCESS ||
	    off != len || up.data.type != MSGPACK_OBJECT_MAP)
		goto out;
	type = proto_map_get(&up.data, "type");
	at = proto_map_get(&up.data, "at");
	if (!type || type->type != MSGPACK_OBJECT_STR ||
	    !proto_str_eq((struct proto_str){type->via.str.ptr, type->via.str.size},
			  READLOG_TYPE) ||
	    !at || at->type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
	    !copy_str(proto_map_get(&up.data, "client"), ret->client, sizeof(ret->client)) ||
	    !copy_str(proto_map_get(&up.data, "cmd"), ret->cmd, sizeof(ret->cmd)))
		goto out;
	ret->at = at->via.u64;
	args = proto_map_get(&up.data, "args");
	ret->reason[0] = '\0';
	if (args && args->type == MSGPACK_OBJECT_MAP)
		(void)copy_str(proto_map_get(args, "reason"), ret->reason, sizeof(ret->reason));
	r = 0;
out:
	msgpack_unpacked_destroy(&up);
	return r;
}
