#include "store/token.h"

#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "store/store.h"

#define TOKEN_KEY_PREFIX "token/"
#define TOKEN_KEY_LEN    (sizeof(TOKEN_KEY_PREFIX) - 1 + crypto_generichash_BYTES)
#define TOKEN_RAW        17 /* 136 bits; the top 130 make the token */

static void token_key(const char *canon, size_t len, uint8_t key[TOKEN_KEY_LEN])
{
	memcpy(key, TOKEN_KEY_PREFIX, sizeof(TOKEN_KEY_PREFIX) - 1);
	crypto_generichash(key + sizeof(TOKEN_KEY_PREFIX) - 1, crypto_generichash_BYTES,
			   (const uint8_t *)canon, len, NULL, 0);
}

void token_new(char ret[PROTO_TOKEN_LEN + 1])
{
	uint8_t raw[TOKEN_RAW];

	randombytes_buf(raw, sizeof(raw));
	proto_token_make(raw, ret);
	sodium_memzero(raw, sizeof(raw));
}

int token_put(struct store *st, MDB_txn *txn, const char *canon, const char *ref, size_t rlen)
{
	uint8_t key[TOKEN_KEY_LEN];

	token_key(canon, strlen(canon), key);
	return store_put(st, txn, DB_META, key, sizeof(key), ref, rlen);
}

int token_find(struct store *st, MDB_txn *txn, const char *canon, char ref[PROTO_CASE_MAX + 1])
{
	uint8_t key[TOKEN_KEY_LEN];
	MDB_val v;
	int r;

	token_key(canon, strlen(canon), key);
	if ((r = store_get(st, txn, DB_META, key, sizeof(key), &v)) < 0)
		return r;
	if (v.mv_size == 0 || v.mv_size > PROTO_CASE_MAX)
		return -EIO;
	memcpy(ref, v.mv_data, v.mv_size);
	ref[v.mv_size] = '\0';
	return 0;
}

int token_del(struct store *st, MDB_txn *txn, const char *canon, size_t len)
{
	uint8_t key[TOKEN_KEY_LEN];
	int r;

	token_key(canon, len, key);
	r = store_del(st, txn, DB_META, key, sizeof(key));
	return r == -ENOENT ? 0 : r;
}
