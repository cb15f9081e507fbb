#include "store/anon.h"

#include <string.h>

#include <errno.h>

#include <sodium.h>

#include "security/seal.h"
#include "store/store.h"

#define META_SECRET "anon_secret" /* meta: the id-hash key, sealed; also the seal's place */
/* meta: 1 when anonymous ids were indexed (unkeyed) before the secret existed */
#define META_UNKEYED "anon_unkeyed"

bool anon_is(const struct proto_event *ev)
{
	return ev->anonymous;
}

uint64_t anon_day(uint64_t ms)
{
	return ms - ms % PROTO_MS_PER_DAY;
}

void anon_id_hash(const uint8_t *secret, const struct proto_event *ev, uint8_t ret[ANON_HASH_LEN])
{
	crypto_generichash(ret, ANON_HASH_LEN, (const uint8_t *)ev->id.ptr, ev->id.len, secret,
			   secret ? ANON_SECRET : 0);
}

void anon_event_key(const uint8_t hash[ANON_HASH_LEN], uint8_t ret[ANON_KEY_LEN])
{
	ret[0] = ANON_KEY_TAG;
	memcpy(ret + 1, hash, ANON_HASH_LEN);
}

static void pack_body_without_token(msgpack_packer *pk, const msgpack_object *body)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < body->via.map.size; i++)
		n += !proto_str_eq((struct proto_str){body->via.map.ptr[i].key.via.str.ptr,
						      body->via.map.ptr[i].key.via.str.size},
				   "token");
	msgpack_pack_map(pk, n);
	for (uint32_t i = 0; i < body->via.map.size; i++) {
		const msgpack_object_kv *kv = &body->via.map.ptr[i];

		if (proto_str_eq((struct proto_str){kv->key.via.str.ptr, kv->key.via.str.size},
				 "token"))
			continue;
		msgpack_pack_object(pk, kv->key);
		msgpack_pack_object(pk, kv->val);
	}
}

void anon_redact(const uint8_t hash[ANON_HASH_LEN], const struct proto_event *ev,
		 msgpack_sbuffer *out)
{
	const msgpack_object_map *m = &ev->unpacked.data.via.map;
	char id[sizeof(ANON_ID_PREFIX) + 2 * ANON_HASH_LEN];
	msgpack_packer pk;

	memcpy(id, ANON_ID_PREFIX, sizeof(ANON_ID_PREFIX) - 1);
	sodium_bin2hex(id + sizeof(ANON_ID_PREFIX) - 1, 2 * ANON_HASH_LEN + 1, hash, ANON_HASH_LEN);
	msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, m->size + (ev->by_token ? 1 : 0));
	/* a follow-up by token: the token gives way to the case it found (REGISTERS.md) */
	if (ev->by_token) {
		proto_pack_cstr(&pk, "case");
		proto_pack_str(&pk, ev->case_ref.ptr, ev->case_ref.len);
	}
	for (uint32_t i = 0; i < m->size; i++) {
		const msgpack_object *k = &m->ptr[i].key;

		msgpack_pack_object(&pk, *k);
		if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == 2 &&
		    memcmp(k->via.str.ptr, "id", 2) == 0)
			proto_pack_cstr(&pk, id);
		else if (ev->by_token && k->type == MSGPACK_OBJECT_STR && k->via.str.size == 4 &&
			 memcmp(k->via.str.ptr, "body", 4) == 0)
			pack_body_without_token(&pk, &m->ptr[i].val);
		else if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == 2 &&
			 memcmp(k->via.str.ptr, "at", 2) == 0)
			msgpack_pack_uint64(&pk, anon_day(ev->at));
		else
			msgpack_pack_object(&pk, m->ptr[i].val);
	}
}

/* Seals the secret under the current key into meta. */
static int put_secret(struct store *st, MDB_txn *txn, const uint8_t *secret)
{
	uint8_t blob[ANON_SECRET + SEAL_OVERHEAD];

	seal_data(st->seal, META_SECRET, strlen(META_SECRET), secret, ANON_SECRET, blob);
	return store_put(st, txn, DB_META, META_SECRET, strlen(META_SECRET), blob, sizeof(blob));
}

/* Whether the idempotency index holds an anonymous id's key: they sort first (ANON_KEY_TAG
 * is a byte no id holds), so one seek answers. */
static int any_anon_key(struct store *st, MDB_txn *txn, bool *ret)
{
	const uint8_t tag = ANON_KEY_TAG;
	MDB_cursor *cur;
	MDB_val k = {1, (void *)&tag}, v;
	int r;

	if ((r = store_errno(mdb_cursor_open(txn, st->dbi[DB_EVENTS], &cur))) < 0)
		return r;
	r = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	mdb_cursor_close(cur);
	if (r != 0 && r != MDB_NOTFOUND)
		return store_errno(r);
	*ret = r == 0 && k.mv_size == ANON_KEY_LEN && *(const uint8_t *)k.mv_data == tag;
	return 0;
}

/* A store sealed now for the first time: a new secret, and when anonymous ids were indexed
 * unkeyed before it, the mark that keeps them found (their ids were never kept, so they
 * cannot be hashed again). */
static int new_secret(struct store *st, MDB_txn *txn, uint8_t *secret)
{
	bool unkeyed = false;
	int r;

	randombytes_buf(secret, ANON_SECRET);
	if ((r = any_anon_key(st, txn, &unkeyed)) < 0 ||
	    (unkeyed && (r = store_meta_put_u64(st, txn, META_UNKEYED, 1)) < 0))
		return r;
	return put_secret(st, txn, secret);
}

int anon_secret_load(struct store *st)
{
	uint8_t *secret;
	MDB_txn *txn = NULL;
	MDB_val v;
	size_t n = 0;
	int r;

	uint64_t unkeyed = 0;

	st->anon_secret = NULL;
	st->anon_unkeyed = false;
	if (!st->seal)
		return 0;
	if (!(secret = sodium_malloc(ANON_SECRET)))
		return -ENOMEM;
	if ((r = store_begin(st, false, &txn)) < 0)
		goto fail;
	r = store_get(st, txn, DB_META, META_SECRET, strlen(META_SECRET), &v);
	if (r == -ENOENT) {
		r = new_secret(st, txn, secret);
	} else if (r == 0) {
		r = v.mv_size == ANON_SECRET + SEAL_OVERHEAD
			? seal_open(st->seal, META_SECRET, strlen(META_SECRET), v.mv_data,
				    v.mv_size, secret, &n)
			: -EBADMSG;
		if (r == 0 && n != ANON_SECRET)
			r = -EBADMSG;
		/* under the previous key during a rotation: under the current one from now */
		if (r == 0 && seal_stale(st->seal, v.mv_data, v.mv_size))
			r = put_secret(st, txn, secret);
	}
	if (r < 0 || (r = store_meta_get_u64(st, txn, META_UNKEYED, &unkeyed)) < 0 ||
	    (r = store_commit(&txn)) < 0)
		goto fail;
	sodium_mprotect_readonly(secret);
	st->anon_secret = secret;
	st->anon_unkeyed = unkeyed != 0;
	return 0;
fail:
	store_abort(&txn);
	sodium_free(secret);
	return r;
}

void anon_secret_free(struct store *st)
{
	sodium_free((void *)st->anon_secret);
	st->anon_secret = NULL;
}
