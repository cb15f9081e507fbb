/* seal: free text and names encrypted at rest ([security] seal_key). A sealed value is a
 * blob that no MessagePack value can be mistaken for, whose damage anyone can detect without
 * the key, and which opens only with its key and only in the place (the AD: its database and
 * key) it was sealed for:
 *
 *   0xc1 | BLAKE2b-256 of what follows (32) | key id (8) | nonce (24) | ciphertext + MAC (16)
 *
 * The cipher is XChaCha20-Poly1305 (libsodium's AEAD with a random 24-byte nonce). The key id
 * is a keyed BLAKE2b of a fixed text under the key: it names the key, it does not reveal it.
 * A sealer holds the current key and, during a rotation, the previous one; values are sealed
 * under the current one and open under either. */
#ifndef SEAL_H
#define SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "security/keyfile.h"

#define SEAL_MAGIC     0xc1 /* "never used" in MessagePack: no plain value starts with it */
#define SEAL_KEY_BYTES 32
#define SEAL_KEY_HEX   (2 * SEAL_KEY_BYTES)
#define SEAL_ID_BYTES  8
#define SEAL_HASH      32
#define SEAL_NONCE     24
#define SEAL_MAC       16
#define SEAL_HDR       (1 + SEAL_HASH + SEAL_ID_BYTES + SEAL_NONCE)
#define SEAL_OVERHEAD  (SEAL_HDR + SEAL_MAC)

struct seal; /* the keys, in guarded memory; opaque */

/* A sealer from raw keys (prev may be NULL). Returns 0, or -ENOMEM / -EINVAL (prev is the
 * current key) with err set. */
int seal_new(struct seal **ret, const uint8_t cur[SEAL_KEY_BYTES], const uint8_t *prev,
	     char err[KEYFILE_ERR_MAX]);
/* A sealer from the key files of [security] (64 hex characters each, keyfile_read); prev_path
 * may be "" or NULL. Returns 0, or -1 with err naming the setting, the file and what is wrong
 * ("seal_key_previous: FILE: ..."). */
int seal_load(struct seal **ret, const char *cur_path, const char *prev_path,
	      char err[KEYFILE_ERR_MAX]);
/* Wipes the keys and frees; accepts NULL and *s == NULL, and sets *s to NULL. */
void seal_free(struct seal **s);

/* The current key's id, and the previous one's (false when there is none). */
void seal_current_id(const struct seal *s, uint8_t ret[SEAL_ID_BYTES]);
bool seal_previous_id(const struct seal *s, uint8_t ret[SEAL_ID_BYTES]);

/* The length of the blob that seals len bytes. */
static inline size_t seal_len(size_t len)
{
	return len + SEAL_OVERHEAD;
}

/* Seals plain (len bytes) for the place ad under the current key into out, which holds
 * seal_len(len) bytes (out may not overlap plain). Cannot fail. */
void seal_data(const struct seal *s, const void *ad, size_t adlen, const void *plain, size_t len,
	       uint8_t *out);

/* Opens a blob sealed for ad into out, which holds len - SEAL_OVERHEAD bytes; *ret_len is
 * that length. Returns 0; -EBADMSG when it is not a whole blob, is damaged, or was sealed for
 * another place or altered; -EKEYREJECTED when the sealer has no key with its id. */
int seal_open(const struct seal *s, const void *ad, size_t adlen, const uint8_t *blob, size_t len,
	      uint8_t *out, size_t *ret_len);

/* Whether bytes are a sealed value (its first byte; a plain value is MessagePack). */
static inline bool seal_is_sealed(const void *bytes, size_t len)
{
	return len > 0 && *(const uint8_t *)bytes == SEAL_MAGIC;
}

/* The keyless check: 0 when the blob is whole (its hash matches what follows it), else
 * -EBADMSG. Needs no key: a copied store can be checked by anyone. */
int seal_check(const uint8_t *blob, size_t len);

/* The id of the key a blob was sealed under (a pointer into it); NULL when it is too short
 * to be a blob. */
const uint8_t *seal_key_id_of(const uint8_t *blob, size_t len);

/* Whether a value needs sealing again to be under the current key: plain, or sealed under
 * another key. */
bool seal_stale(const struct seal *s, const void *bytes, size_t len);

/* A growable buffer for opened (plain) values; wiped when it grows and when freed. */
struct seal_buf {
	uint8_t *data;
	size_t cap;
};
/* Makes room for n bytes. Returns 0 or -ENOMEM. */
int seal_buf_reserve(struct seal_buf *b, size_t n);
void seal_buf_free(struct seal_buf *b);

/* 16 hex characters and a NUL: a key id as the logs and status show it. */
void seal_id_hex(const uint8_t id[SEAL_ID_BYTES], char ret[2 * SEAL_ID_BYTES + 1]);

#endif
