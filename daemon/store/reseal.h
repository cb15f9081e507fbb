/* reseal: which key the store's sealed values are under (meta), checked when the daemon
 * starts, and the reseal pass, a bounded share of it in each write batch, that seals every
 * case record and journal entry again under the current key (plain ones included, so turning
 * sealing on for an existing store seals it all). The pass is idempotent: a value already
 * under the current key is skipped, so a pass cut short by a restart is simply run again.
 *
 * meta seal_key  the id of the key new values are sealed under; absent: never sealed
 * meta seal_old  the id of a key some values may still be under, or 8 zero bytes when some
 *                may still be plain; absent once a pass has found nothing else */
#ifndef RESEAL_H
#define RESEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"
#include "security/seal.h"
#include "store/store.h"

#define RESEAL_ERR_MAX 512

struct reseal_meta {
	bool sealed; /* meta seal_key is set */
	uint8_t key[SEAL_ID_BYTES];
	bool pending; /* meta seal_old is set */
	bool pending_plain;
	uint8_t old[SEAL_ID_BYTES];
};

int reseal_meta_read(struct store *st, MDB_txn *txn, struct reseal_meta *ret);

/* At start, with the store open and st->seal set (or NULL: no seal_key): refuses a store
 * whose values this daemon could not read, or would seal under a key it could not read
 * later, and records the current key. Returns 0 with the meta as it now stands in *ret (ret
 * may be NULL), or -1 with err saying what to set. */
int reseal_start_check(struct store *st, struct reseal_meta *ret, char err[RESEAL_ERR_MAX]);

/* Where a pass stands: the last key done in db (DB_CASES, then DB_JOURNAL). */
struct reseal_cursor {
	enum store_db db;
	uint8_t after[PROTO_CASE_MAX + 1];
	size_t after_len; /* 0: from the start of db */
};

struct reseal_step {
	struct reseal_cursor next;
	bool done;        /* the pass is over (meta seal_old cleared if nothing failed) */
	uint64_t cases;   /* records sealed again */
	uint64_t entries; /* journal entries sealed again */
	uint64_t failed;  /* values left as they were: damaged, or no key opens them (logged) */
};

/* The pass's progress, kept by the reactor, shown by status, started by the reseal
 * command (struct ctl_env.reseal_start). */
struct reseal_progress {
	bool running;
	uint64_t cases, entries, failed;
};

/* Visits up to max values after from (st->seal must be set), in txn: the case records, then
 * the journal up to its head as committed before txn (what txn adds is sealed under the
 * current key already; a missing entry below the head is a failure). A pass that visited
 * everything with nothing failed clears meta seal_old (failed counts the whole pass: pass
 * the failures of the pass's earlier batches in failed_before). Returns 0 or a store error. */
int reseal_some(struct store *st, MDB_txn *txn, const struct reseal_cursor *from, size_t max,
		uint64_t failed_before, struct seal_buf *buf, struct reseal_step *ret);

#endif
