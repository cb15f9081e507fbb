/* journal: every accepted event as received, in seq order, each entry linked to the one
 * before it by a BLAKE2b-256 hash chain, so that altering, removing or reordering an entry
 * is detected by journal_verify. An entry's link covers the hash of its bytes, not the bytes,
 * so personal data can later be destroyed while the chain still verifies. */
#ifndef JOURNAL_H
#define JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define JOURNAL_HASH 32

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

int journal_read(struct store *st, MDB_txn *txn, uint64_t seq, struct journal_entry *ret);

/* Recomputes the chain from seq 1. ret_first_bad is 0 when the chain is whole. */
int journal_verify(struct store *st, MDB_txn *txn, uint64_t *ret_entries,
		   uint8_t ret_head[JOURNAL_HASH], uint64_t *ret_first_bad);

#endif
