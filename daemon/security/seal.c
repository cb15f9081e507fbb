#include "security/seal.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

/* the text whose keyed hash names a key */
#define ID_CONTEXT "integrityd seal key id v1"

/* offsets in a blob */
#define OFF_HASH  1
#define OFF_ID    (OFF_HASH + SEAL_HASH)
#define OFF_NONCE (OFF_ID + SEAL_ID_BYTES)

_Static_assert(SEAL_NONCE == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, "nonce size");
_Static_assert(SEAL_MAC == crypto_aead_xchacha20poly1305_ietf_ABYTES, "MAC size");
_Static_assert(SEAL_KEY_BYTES == crypto_aead_xchacha20poly1305_ietf_KEYBYTES, "key size");

struct seal_key {
	uint8_t key[SEAL_KEY_BYTES];
	uint8_t id[SEAL_ID_BYTES];
	bool set;
};

struct seal {
	struct seal_key cur, prev;
};

static void key_set(struct seal_key *k, const uint8_t key[SEAL_KEY_BYTES])
{
	memcpy(k->key, key, SEAL_KEY_BYTES);
	crypto_generichash(k->id, SEAL_ID_BYTES, (const uint8_t *)ID_CONTEXT,
			   sizeof(ID_CONTEXT) - 1, key, SEAL_KEY_BYTES);
	k->set = true;
}

int seal_new(struct seal **ret, const uint8_t cur[SEAL_KEY_BYTES], const uint8_t *prev,
	     char err[KEYFILE_ERR_MAX])
{
	struct seal *s;

	*ret = NULL;
	if (sodium_init() < 0) {
		snprintf(err, KEYFILE_ERR_MAX, "libsodium could not be initialised");
		return -ENOMEM;
	}
	if (prev && sodium_memcmp(cur, prev, SEAL_KEY_BYTES) == 0) {
		snprintf(err, KEYFILE_ERR_MAX,
			 "seal_key_previous: the same key as seal_key: a rotation needs a new key");
		return -EINVAL;
	}
	/* guarded pages, kept out of swap and core dumps, read-only once set */
	if (!(s = sodium_malloc(sizeof(*s)))) {
		snprintf(err, KEYFILE_ERR_MAX, "no memory for the seal keys");
		return -ENOMEM;
	}
	memset(s, 0, sizeof(*s));
	key_set(&s->cur, cur);
	if (prev)
		key_set(&s->prev, prev);
	sodium_mprotect_readonly(s);
	*ret = s;
	return 0;
}

static int read_key(const char *path, uint8_t key[SEAL_KEY_BYTES], char err[KEYFILE_ERR_MAX])
{
	char hex[SEAL_KEY_HEX + 1];
	size_t n = 0;
	int r = 0;

	if (keyfile_read(path, true, hex, SEAL_KEY_HEX, err) < 0)
		return -1;
	if (sodium_hex2bin(key, SEAL_KEY_BYTES, hex, SEAL_KEY_HEX, NULL, &n, NULL) != 0 ||
	    n != SEAL_KEY_BYTES) {
		snprintf(err, KEYFILE_ERR_MAX,
			 "%s: not a seal key: 64 hex characters as `integrityctl keygen --seal` "
			 "prints them",
			 path);
		r = -1;
	}
	sodium_memzero(hex, sizeof(hex));
	return r;
}

/* read_key, with an error naming the setting (name) the file is for. */
static int read_named_key(const char *name, const char *path, uint8_t key[SEAL_KEY_BYTES],
			  char err[KEYFILE_ERR_MAX])
{
	char kerr[KEYFILE_ERR_MAX];

	if (read_key(path, key, kerr) == 0)
		return 0;
	snprintf(err, KEYFILE_ERR_MAX, "%s: %.480s", name, kerr);
	return -1;
}

int seal_load(struct seal **ret, const char *cur_path, const char *prev_path,
	      char err[KEYFILE_ERR_MAX])
{
	uint8_t keys[2][SEAL_KEY_BYTES];
	bool has_prev = prev_path && *prev_path;
	int r = -1;

	*ret = NULL;
	if (read_named_key("seal_key", cur_path, keys[0], err) == 0 &&
	    (!has_prev || read_named_key("seal_key_previous", prev_path, keys[1], err) == 0))
		r = seal_new(ret, keys[0], has_prev ? keys[1] : NULL, err) < 0 ? -1 : 0;
	sodium_memzero(keys, sizeof(keys));
	return r;
}

void seal_free(struct seal **s)
{
	if (!s || !*s)
		return;
	sodium_free(*s); /* wipes what it frees */
	*s = NULL;
}

void seal_current_id(const struct seal *s, uint8_t ret[SEAL_ID_BYTES])
{
	memcpy(ret, s->cur.id, SEAL_ID_BYTES);
}

bool seal_previous_id(const struct seal *s, uint8_t ret[SEAL_ID_BYTES])
{
	if (s->prev.set)
		memcpy(ret, s->prev.id, SEAL_ID_BYTES);
	return s->prev.set;
}

static const struct seal_key *key_of(const struct seal *s, const uint8_t id[SEAL_ID_BYTES])
{
	if (memcmp(s->cur.id, id, SEAL_ID_BYTES) == 0)
		return &s->cur;
	if (s->prev.set && memcmp(s->prev.id, id, SEAL_ID_BYTES) == 0)
		return &s->prev;
	return NULL;
}

void seal_data(const struct seal *s, const void *ad, size_t adlen, const void *plain, size_t len,
	       uint8_t *out)
{
	out[0] = SEAL_MAGIC;
	memcpy(out + OFF_ID, s->cur.id, SEAL_ID_BYTES);
	randombytes_buf(out + OFF_NONCE, SEAL_NONCE);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + SEAL_HDR, NULL, plain, len, ad, adlen,
						   NULL, out + OFF_NONCE, s->cur.key);
	crypto_generichash(out + OFF_HASH, SEAL_HASH, out + OFF_ID, seal_len(len) - OFF_ID, NULL,
			   0);
}

int seal_check(const uint8_t *blob, size_t len)
{
	uint8_t h[SEAL_HASH];

	if (len < SEAL_OVERHEAD || blob[0] != SEAL_MAGIC)
		return -EBADMSG;
	crypto_generichash(h, SEAL_HASH, blob + OFF_ID, len - OFF_ID, NULL, 0);
	return memcmp(h, blob + OFF_HASH, SEAL_HASH) == 0 ? 0 : -EBADMSG;
}

int seal_open(const struct seal *s, const void *ad, size_t adlen, const uint8_t *blob, size_t len,
	      uint8_t *out, size_t *ret_len)
{
	const struct seal_key *k;
	unsigned long long n;

	if (seal_check(blob, len) < 0)
		return -EBADMSG;
	if (!s || !(k = key_of(s, blob + OFF_ID)))
		return -EKEYREJECTED;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, &n, NULL, blob + SEAL_HDR,
						       len - SEAL_HDR, ad, adlen, blob + OFF_NONCE,
						       k->key) != 0)
		return -EBADMSG;
	*ret_len = (size_t)n;
	return 0;
}

const uint8_t *seal_key_id_of(const uint8_t *blob, size_t len)
{
	return len >= SEAL_OVERHEAD && blob[0] == SEAL_MAGIC ? blob + OFF_ID : NULL;
}

bool seal_stale(const struct seal *s, const void *bytes, size_t len)
{
	const uint8_t *id = seal_key_id_of(bytes, len);

	return !id || memcmp(id, s->cur.id, SEAL_ID_BYTES) != 0;
}

void seal_id_hex(const uint8_t id[SEAL_ID_BYTES], char ret[2 * SEAL_ID_BYTES + 1])
{
	sodium_bin2hex(ret, 2 * SEAL_ID_BYTES + 1, id, SEAL_ID_BYTES);
}

int seal_buf_reserve(struct seal_buf *b, size_t n)
{
	uint8_t *p;
	size_t cap = b->cap ? b->cap : 256;

	if (n <= b->cap)
		return 0;
	while (cap < n)
		cap *= 2;
	/* not realloc: what the old buffer held is wiped, not left in the heap */
	if (!(p = malloc(cap)))
		return -ENOMEM;
	seal_buf_free(b);
	b->data = p;
	b->cap = cap;
	return 0;
}

void seal_buf_free(struct seal_buf *b)
{
	if (b->data)
		sodium_memzero(b->data, b->cap);
	free(b->data);
	b->data = NULL;
	b->cap = 0;
}
