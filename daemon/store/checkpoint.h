/* checkpoint: signed heads of the journal's chain, for outside bodies (IOPC, HMICFRS) to keep.
 * A checkpoint {store id, seq, head, at} is signed with Ed25519 (libsodium crypto_sign); it is
 * written as one text line (proto/SPEC.md "Checkpoints"):
 *   integrityd-checkpoint v1 <store-id> <seq> <head> <at> <sig>
 * and the signature covers that line's bytes up to, not including, the space before <sig>.
 * Whoever holds the line and the public key can later show that the store's chain still
 * passes through (seq, head): a store rewritten after it fails checkpoint_check. The
 * checkpoints a store made are kept in its meta database ("ckpt" | n (u64 BE), n from 1). */
#ifndef CHECKPOINT_H
#define CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "store/journal.h"
#include "store/store.h"

#define CHECKPOINT_ID      16 /* the store id: random, made at the store's first checkpoint */
#define CHECKPOINT_SIG     crypto_sign_BYTES
#define CHECKPOINT_PK      crypto_sign_PUBLICKEYBYTES
#define CHECKPOINT_SK      crypto_sign_SECRETKEYBYTES
#define CHECKPOINT_LINE    320 /* a line's length bound (at most 294), its NUL included */
#define CHECKPOINT_ERR_MAX 256

struct checkpoint {
	uint8_t store_id[CHECKPOINT_ID];
	uint64_t seq;                /* the journal's last seq when it was taken; 0: empty */
	uint8_t head[JOURNAL_HASH];  /* that entry's link */
	uint64_t at;                 /* wall clock, ms since the epoch */
	uint8_t sig[CHECKPOINT_SIG]; /* over the line's signed part */
};

/* The line's signed part (no signature), NUL-terminated; returns its length. */
size_t checkpoint_message(const struct checkpoint *c, char out[CHECKPOINT_LINE]);
/* The whole line, no newline. */
void checkpoint_format(const struct checkpoint *c, char out[CHECKPOINT_LINE]);
/* Parses one line (a trailing newline is allowed). -EINVAL when it is not one. */
int checkpoint_parse(const char *line, struct checkpoint *ret);

void checkpoint_sign(struct checkpoint *c, const uint8_t sk[CHECKPOINT_SK]);
/* Whether pk's holder signed c. */
bool checkpoint_sig_ok(const struct checkpoint *c, const uint8_t pk[CHECKPOINT_PK]);

/* The store's id; with create, made (random) when it has none yet (a write txn). -ENOENT
 * when it has none and !create. */
int checkpoint_store_id(struct store *st, MDB_txn *txn, bool create,
			uint8_t ret[CHECKPOINT_ID]);

/* Takes a checkpoint of the journal at head, signs it, keeps it (write txn). ret_n: its
 * number (1 for the store's first). */
int checkpoint_take(struct store *st, MDB_txn *txn, const struct journal_head *head,
		    uint64_t now_ms, const uint8_t sk[CHECKPOINT_SK], struct checkpoint *ret,
		    uint64_t *ret_n);
/* How many checkpoints the store keeps, and checkpoint n of them (-ENOENT). */
int checkpoint_count(struct store *st, MDB_txn *txn, uint64_t *ret);
int checkpoint_get(struct store *st, MDB_txn *txn, uint64_t n, struct checkpoint *ret);

/* Checks c against the store: signed by pk, for this store's id, at or before the journal's
 * end, and the chain's link at c->seq is c->head. Returns 0; -EKEYREJECTED (the signature),
 * -EXDEV (another store), -ERANGE (past the end), -EBADMSG (the chain contradicts it), or a
 * store error; err says which. The chain itself is journal_verify's to check. */
int checkpoint_check(struct store *st, MDB_txn *txn, const struct checkpoint *c,
		     const uint8_t pk[CHECKPOINT_PK], char err[CHECKPOINT_ERR_MAX]);

/* Reads a secret signing key: a file of its 128 hex digits (keyfile.h rules: mode 0600 or a
 * credential). Returns 0, or -1 with err set. */
int checkpoint_load_secret(const char *path, uint8_t ret[CHECKPOINT_SK], char err[512]);
/* A public key: its 64 hex digits, or a file holding them. Returns 0, or -1 with err set. */
int checkpoint_load_public(const char *arg, uint8_t ret[CHECKPOINT_PK], char err[512]);

#endif
