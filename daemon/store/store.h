/* store: the LMDB environment and its named databases (DESIGN.md "The store"). The reactor
 * is the only writer; readers use their own read transactions. LMDB's codes are translated
 * here, once: callers see 0, -ENOENT (not found), -ENOSPC (map full), -EIO (anything else). */
#ifndef STORE_H
#define STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lmdb.h>
#include <pthread.h>

struct seal;

enum store_db {
	DB_JOURNAL,    /* seq (u64 BE) -> journal entry */
	DB_EVENTS,     /* event id -> seq, hash of its bytes, case reference */
	DB_CASES,      /* case reference -> the case (MessagePack) */
	DB_BY_SUBJECT, /* subject id \0 case reference -> empty */
	DB_DEADLINES,  /* due_at (u64 BE) case kind -> status, level: live deadlines, due order */
	DB_CASE_DEADLINES, /* case kind -> due_at, fire_at: a case's live deadlines */
	DB_OUTBOX,         /* notification seq (u64 BE) -> the notification */
	DB_META,           /* name -> value: schema, counters, the chain head */
	DB_TIMERS,         /* fire_at case kind -> empty: the deadline worker's next reminder,
			      breach or escalation of each live deadline */
	DB_ESCALATIONS,    /* queued_at case -> empty: referred to the AA, not yet assigned */
	DB_DISPOSALS,      /* due_at case kind -> empty: closed cases' retention due times */
	DB_READS,          /* case \0 seq (u64 BE) -> empty: journaled reads of it (readlog.h) */
	DB_COUNT
};

struct store {
	MDB_env *env;
	MDB_dbi dbi[DB_COUNT];
	uint64_t map_size; /* current map */
	uint64_t map_max;  /* ceiling for store_grow */
	bool grow_blocked; /* a read transaction on another thread (a backup) is open */
	pthread_rwlock_t
	    grow_lock; /* workers' short read transactions (read) vs store_grow (write) */
	int lock_fd;   /* flock on STATE_DIR/integrityd.lock: one daemon per store */
	bool open;     /* opened, not yet closed: what store_close has to undo */
	/* The keys caserec and journal seal what they write with and open what they read
	 * with (seal.h); NULL: nothing is sealed. The store itself never looks at values. */
	const struct seal *seal;
	/* Set by reseal_start_check once every key the store's values may be under is held:
	 * then a sealed value no key opens is forged, not merely unreadable here. */
	bool seal_keys_complete;
	/* The key of anonymous referrals' id hashes (anon.h); NULL: unkeyed (not sealed). */
	const uint8_t *anon_secret;
	/* Anonymous referrals were accepted before the store was sealed: their ids are indexed
	 * under the unkeyed hash, and batch looks every id up there too (anon_secret_load). */
	bool anon_unkeyed;
};

/* Opens (creating) the environment in dir, clears stale reader slots, checks the schema.
 * -EBUSY when another daemon holds the directory. */
int store_open(struct store *st, const char *dir, uint64_t map_size, uint64_t map_max, bool sync);
/* Opens the store in dir to read it only, writing nothing there (integrityd --verify, on an
 * evidence copy or read-only media): no directory or lock file is created, LMDB's lock file
 * is not used (MDB_RDONLY | MDB_NOLOCK), no database is created, the schema is checked and
 * never written. Opens meta and the n databases in dbs alone: only those may be used.
 * -EBUSY while a daemon holds the store (its integrityd.lock, when there is one, is locked for
 * the open's life, so none starts meanwhile); -ENOENT naming a missing database in the log;
 * -EPROTO for a schema this binary does not know. Close with store_close. */
int store_open_rdonly(struct store *st, const char *dir, const enum store_db *dbs, size_t n);
/* Closes an open store. A failed open leaves nothing to close; on such a store, or a zeroed
 * one never opened, store_close does nothing. */
void store_close(struct store *st);

/* Doubles the map, up to map_max. No transaction of this process may be open.
 * Returns 0, -ENOSPC at the ceiling, or -EBUSY while grow_blocked. */
int store_grow(struct store *st);

int store_begin(struct store *st, bool rdonly, MDB_txn **ret);
/* A short read transaction on a worker thread: holds grow_lock for reading until
 * store_worker_end, so the map is never resized under it. */
int store_worker_begin(struct store *st, MDB_txn **ret);
void store_worker_end(struct store *st, MDB_txn **txn);
int store_commit(MDB_txn **txn); /* sets *txn to NULL, whatever happens */
void store_abort(MDB_txn **txn); /* accepts NULL and *txn == NULL */

int store_get(struct store *st, MDB_txn *txn, enum store_db db, const void *key, size_t klen,
	      MDB_val *ret);
int store_put(struct store *st, MDB_txn *txn, enum store_db db, const void *key, size_t klen,
	      const void *val, size_t vlen);
/* Deletes key; -ENOENT when it was not there. */
int store_del(struct store *st, MDB_txn *txn, enum store_db db, const void *key, size_t klen);
/* Reserves vlen bytes for the value and returns where to write them (no copy). */
int store_reserve(struct store *st, MDB_txn *txn, enum store_db db, const void *key, size_t klen,
		  size_t vlen, void **ret);

/* meta counters, stored as u64 BE; a missing one reads as 0. */
int store_meta_get_u64(struct store *st, MDB_txn *txn, const char *name, uint64_t *ret);
int store_meta_put_u64(struct store *st, MDB_txn *txn, const char *name, uint64_t v);

/* Bytes the map has and bytes in use (pages up to the last one used). */
int store_usage(struct store *st, uint64_t *ret_map, uint64_t *ret_used);

/* A consistent compacted copy of the environment into the directory path (created). */
int store_backup(struct store *st, const char *path, uint64_t *ret_bytes);

int store_errno(int mdb_rc);

static inline void store_be64(uint8_t out[8], uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		out[i] = (uint8_t)v;
}

static inline uint64_t store_get_be64(const uint8_t in[8])
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | in[i];
	return v;
}

#endif
