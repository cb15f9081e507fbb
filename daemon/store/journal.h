/* journal: every accepted event as received, in seq order, each entry linked to the one
 * before it by a BLAKE2b-256 hash chain, so that altering, removing or reordering an entry
 * is detected by journal_verify. An entry's link covers the hash of its bytes, not the bytes,
 * so personal data can later be destroyed while the chain still verifies. With a sealer
 * (store.seal) an entry's bytes are written sealed; the link still covers the hash of the
 * plain bytes, so sealing them again under another key changes neither the chain nor the
 * idempotency hash. */
#ifndef JOURNAL_H
#define JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "security/seal.h"
#include "store/store.h"

#define JOURNAL_HASH 32
/* An entry's value: received_at (8, BE) | bytes_hash | link | bytes, the bytes sealed
 * (seal.h) when the store has a sealer; bytes_hash is always the hash of the plain bytes. */
#define JOURNAL_ENTRY_HDR (8 + 2 * JOURNAL_HASH)

struct journal_head {
	uint64_t seq;               /* last seq written; 0 for an empty journal */
	uint8_t link[JOURNAL_HASH]; /* that entry's link; zeros for an empty journal */
};

struct journal_entry {
	uint64_t seq;
	uint64_t received_at;
	uint8_t bytes_hash[JOURNAL_HASH];
	uint8_t link[JOURNAL_HASH];
	const uint8_t *bytes; /* in the transaction's pages; NULL once disposed */
	size_t len;
};

/* BLAKE2b-256 of bytes: the idempotency hash and the entry's content hash. */
void journal_hash(const uint8_t *bytes, size_t len, uint8_t out[JOURNAL_HASH]);

int journal_head_load(struct store *st, MDB_txn *txn, struct journal_head *ret);
int journal_head_save(struct store *st, MDB_txn *txn, const struct journal_head *head);

/* Appends one entry after head and advances head (in memory: save it before commit). */
int journal_append(struct store *st, MDB_txn *txn, struct journal_head *head, uint64_t received_at,
		   const uint8_t *bytes, size_t len, const uint8_t bytes_hash[JOURNAL_HASH]);

/* Retention: drops entry seq's bytes and keeps its received time, bytes hash and link, so the
 * chain still verifies. Disposing an entry twice is harmless. */
int journal_dispose(struct store *st, MDB_txn *txn, uint64_t seq);

/* ret->bytes are the stored bytes, sealed or not (journal_open gives the plain ones). */
int journal_read(struct store *st, MDB_txn *txn, uint64_t seq, struct journal_entry *ret);

/* The plain bytes of a read entry: its own bytes when they are plain, else opened into buf.
 * Returns 0; -ENOENT when disposed; -EBADMSG damaged; -EKEYREJECTED when s (may be NULL)
 * has no key for them; -ENOMEM. */
int journal_open(const struct seal *s, const struct journal_entry *e, struct seal_buf *buf,
		 const uint8_t **ret, size_t *ret_len);

/* The reseal pass: seals entry seq's bytes under the sealer's current key (store.seal, not
 * NULL) if they are plain or under another key. Returns 1 when it wrote, 0 when there was
 * nothing to do (already current, or disposed), or a negative errno: -EBADMSG when the bytes
 * are damaged or are not the ones the chain names (left as they are, for audit.verify),
 * -EKEYREJECTED when no key opens them, -ENOENT, or a store error. */
int journal_reseal(struct store *st, MDB_txn *txn, uint64_t seq, struct seal_buf *buf);

/* Recomputes the chain from seq 1. ret_first_bad is 0 when the chain is whole. Needs no key:
 * a sealed entry's blob is checked by its own hash; when store.seal holds its key, it is also
 * opened and its plain bytes checked against the entry's bytes hash. */
int journal_verify(struct store *st, MDB_txn *txn, uint64_t *ret_entries,
		   uint8_t ret_head[JOURNAL_HASH], uint64_t *ret_first_bad);

/* How journal_verify checked the entries it went through. */
struct journal_checked {
	uint64_t plain;   /* bytes kept plain: their hash */
	uint64_t opened;  /* sealed, opened with a key: their plain bytes' hash */
	uint64_t keyless; /* sealed under a key the sealer does not hold: the blob's hash only */
	uint64_t none;    /* disposed (retention): no bytes left, the chain alone */
};

/* journal_verify, also counting into ret how each entry was checked. */
int journal_verify_counted(struct store *st, MDB_txn *txn, uint64_t *ret_entries,
			   uint8_t ret_head[JOURNAL_HASH], uint64_t *ret_first_bad,
			   struct journal_checked *ret);

#endif
