#include "store/store.h"

#include "base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <limits.h>
#include <stdio.h>

/* The store's layout, in meta "schema". 1: the databases up to disposals. 2 (issue 4): the
 * reads database, journal entries that are not events (read records), sealed values. A binary
 * refuses a store newer than it knows: an older one would misread what it cannot load (a
 * sealed record) as damage and drop its deadlines. */
#define STORE_SCHEMA  2
#define STORE_MAX_DBS 16
#define STORE_READERS 126

static const char *const db_names[DB_COUNT] = {
    [DB_JOURNAL] = "journal",     [DB_EVENTS] = "events",
    [DB_CASES] = "cases",         [DB_BY_SUBJECT] = "by_subject",
    [DB_DEADLINES] = "deadlines", [DB_CASE_DEADLINES] = "case_deadlines",
    [DB_OUTBOX] = "outbox",       [DB_META] = "meta",
    [DB_TIMERS] = "timers",       [DB_ESCALATIONS] = "escalations",
    [DB_DISPOSALS] = "disposals", [DB_READS] = "reads",
};
_Static_assert(sizeof(db_names) / sizeof(db_names[0]) == DB_COUNT, "db_names");

int store_errno(int rc)
{
	switch (rc) {
	case MDB_SUCCESS:
		return 0;
	case MDB_NOTFOUND:
		return -ENOENT;
	case MDB_MAP_FULL:
		return -ENOSPC;
	case MDB_MAP_RESIZED:
		return -EAGAIN;
	default:
		return rc > 0 && rc < 1000 ? -rc : -EIO; /* LMDB passes errno values through */
	}
}

static int schema_refused(uint64_t schema)
{
	log_error("store: schema %llu was written by a newer integrityd (this one knows up to %d); "
		  "refusing to open it: run that version, or restore a backup taken before it",
		  (unsigned long long)schema, STORE_SCHEMA);
	return -EPROTO;
}

/* Opens every database (creating what is missing) and checks the schema: a new store gets
 * the current one; a store at 1 is upgraded in place (it gains the reads database, opened just
 * above), the new number written in the same transaction; a newer one is refused. */
static int check_schema(struct store *st)
{
	MDB_txn *txn = NULL;
	uint64_t schema;
	int r;

	r = store_begin(st, false, &txn);
	if (r < 0)
		return r;
	for (int i = 0; i < DB_COUNT; i++) {
		r = store_errno(mdb_dbi_open(txn, db_names[i], MDB_CREATE, &st->dbi[i]));
		if (r < 0)
			goto out;
	}
	r = store_meta_get_u64(st, txn, "schema", &schema);
	if (r < 0)
		goto out;
	if (schema > STORE_SCHEMA) {
		r = schema_refused(schema);
		goto out;
	}
	if (schema < STORE_SCHEMA && (r = store_meta_put_u64(st, txn, "schema", STORE_SCHEMA)) < 0)
		goto out;
	if ((r = store_commit(&txn)) == 0 && schema != 0 && schema < STORE_SCHEMA)
		log_notice("store: schema %llu upgraded to %d (the reads database added)",
			   (unsigned long long)schema, STORE_SCHEMA);
	return r;
out:
	store_abort(&txn);
	return r;
}

/* Takes the flock on dir/integrityd.lock, one daemon per store: LMDB allows many writers'
 * processes, and two daemons would each think they own seq. create: the file is made when
 * missing, and a file that cannot be opened is an error; otherwise it is opened read-only,
 * and when it cannot be (no daemon ever ran here, or read-only media) *fd is -1 and there is
 * no lock to take. Returns 0 with *fd the locked file (or -1), or a negative errno: -EBUSY
 * when a daemon holds it. */
static int lock_dir(const char *dir, bool create, int *fd)
{
	char path[PATH_MAX];
	int r;

	*fd = -1;
	if (snprintf(path, sizeof(path), "%s/integrityd.lock", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	*fd = create ? open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)
		     : open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return create ? -errno : 0;
	if (flock(*fd, LOCK_EX | LOCK_NB) < 0) {
		r = errno == EWOULDBLOCK ? -EBUSY : -errno;
		close(*fd);
		*fd = -1;
		return r;
	}
	return 0;
}

/* Undoes what an open did, whatever it got to (st as store_open's memset left it, then
 * filled in part). */
static void store_release(struct store *st)
{
	if (st->env)
		mdb_env_close(st->env);
	st->env = NULL;
	if (st->lock_fd >= 0)
		close(st->lock_fd);
	st->lock_fd = -1;
	pthread_rwlock_destroy(&st->grow_lock);
	st->open = false;
}

int store_open_rdonly(struct store *st, const char *dir, const enum store_db *dbs, size_t n)
{
	MDB_txn *txn = NULL;
	uint64_t schema;
	int r;

	memset(st, 0, sizeof(*st));
	st->lock_fd = -1;
	pthread_rwlock_init(&st->grow_lock, NULL);
	if ((r = lock_dir(dir, false, &st->lock_fd)) < 0)
		goto fail;
	if ((r = store_errno(mdb_env_create(&st->env))) < 0 ||
	    (r = store_errno(mdb_env_set_maxdbs(st->env, STORE_MAX_DBS))) < 0 ||
	    (r = store_errno(mdb_env_open(
		 st->env, dir, MDB_RDONLY | MDB_NOLOCK | MDB_NOTLS | MDB_NORDAHEAD, 0600))) < 0)
		goto fail;
	if ((r = store_begin(st, true, &txn)) < 0)
		goto fail;
	for (size_t i = 0; i <= n; i++) {
		enum store_db db = i < n ? dbs[i] : DB_META;

		r = store_errno(mdb_dbi_open(txn, db_names[db], 0, &st->dbi[db]));
		if (r == -ENOENT)
			log_error("store %s: no %s database: not an integrityd store, or damaged",
				  dir, db_names[db]);
		if (r < 0)
			goto fail;
	}
	if ((r = store_meta_get_u64(st, txn, "schema", &schema)) < 0)
		goto fail;
	if (schema > STORE_SCHEMA) {
		r = schema_refused(schema);
		goto fail;
	}
	/* the handles outlive the transaction that opened them (committed: a read-only one) */
	if (store_commit(&txn) < 0) {
		r = -EIO;
		goto fail;
	}
	st->open = true;
	return 0;
fail:
	store_abort(&txn);
	store_release(st);
	return r;
}

int store_open(struct store *st, const char *dir, uint64_t map_size, uint64_t map_max, bool sync)
{
	/* MDB_NORDAHEAD: the store is read at random (a case, a deadline); the kernel's readahead
	 * would pull megabytes around each page and evict what the daemon uses (make bench:
	 * p99 deadline lateness on a cold 1M-case store, 784 ms with readahead, 20 ms without) */
	unsigned flags = MDB_NOTLS | MDB_NORDAHEAD | (sync ? 0 : MDB_NOSYNC);
	int dead, r;

	memset(st, 0, sizeof(*st));
	st->lock_fd = -1;
	pthread_rwlock_init(&st->grow_lock, NULL);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		r = -errno;
		goto fail;
	}
	if ((r = lock_dir(dir, true, &st->lock_fd)) < 0)
		goto fail;
	r = store_errno(mdb_env_create(&st->env));
	if (r < 0)
		goto fail;
	st->map_size = map_size;
	st->map_max = map_max;
	if ((r = store_errno(mdb_env_set_maxdbs(st->env, STORE_MAX_DBS))) < 0 ||
	    (r = store_errno(mdb_env_set_maxreaders(st->env, STORE_READERS))) < 0 ||
	    (r = store_errno(mdb_env_set_mapsize(st->env, map_size))) < 0 ||
	    (r = store_errno(mdb_env_open(st->env, dir, flags, 0600))) < 0)
		goto fail;
	/* A file larger than the configured map (it grew last run) sets the map. */
	MDB_envinfo info;
	mdb_env_info(st->env, &info);
	st->map_size = info.me_mapsize;
	if (st->map_max < st->map_size)
		st->map_max = st->map_size;
	/* Slots of readers that died without closing would pin old pages forever. */
	mdb_reader_check(st->env, &dead);
	if ((r = check_schema(st)) < 0)
		goto fail;
	st->open = true;
	return 0;
fail:
	store_release(st);
	return r;
}

void store_close(struct store *st)
{
	if (st->open)
		store_release(st);
}

int store_grow(struct store *st)
{
	uint64_t next;
	int r;

	if (st->map_size >= st->map_max)
		return -ENOSPC;
	if (st->grow_blocked)
		return -EBUSY;
	next = st->map_size > st->map_max / 2 ? st->map_max : st->map_size * 2;
	/* workers' read transactions are short: wait for them to end */
	pthread_rwlock_wrlock(&st->grow_lock);
	r = store_errno(mdb_env_set_mapsize(st->env, next));
	pthread_rwlock_unlock(&st->grow_lock);
	if (r < 0)
		return r;
	st->map_size = next;
	return 0;
}

int store_begin(struct store *st, bool rdonly, MDB_txn **ret)
{
	return store_errno(mdb_txn_begin(st->env, NULL, rdonly ? MDB_RDONLY : 0, ret));
}

int store_worker_begin(struct store *st, MDB_txn **ret)
{
	int r;

	pthread_rwlock_rdlock(&st->grow_lock);
	r = store_begin(st, true, ret);
	if (r < 0)
		pthread_rwlock_unlock(&st->grow_lock);
	return r;
}

void store_worker_end(struct store *st, MDB_txn **txn)
{
	if (!*txn)
		return;
	store_abort(txn);
	pthread_rwlock_unlock(&st->grow_lock);
}

int store_commit(MDB_txn **txn)
{
	int r = store_errno(mdb_txn_commit(*txn));

	*txn = NULL;
	return r;
}

void store_abort(MDB_txn **txn)
{
	if (!txn || !*txn)
		return;
	mdb_txn_abort(*txn);
	*txn = NULL;
}

int store_get(struct store *st, MDB_txn *txn, enum store_db db, const void *key, size_t klen,
	      MDB_val *ret)
{
	MDB_val k = {klen, (void *)key};

	return store_errno(mdb_get(txn, st->dbi[db], &k, ret));
}

int store_put(struct store *st, MDB_txn *txn, enum store_db db, const void *key, size_t klen,
	      const void *val, size_t vlen)
{
	MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};

	return store_errno(mdb_put(txn, st->dbi[db], &k, &v, 0));
}

int store_del(struct store *st, MDB_txn *txn, enum store_db db, const void *key, size_t klen)
{
	MDB_val k = {klen, (void *)key};

	return store_errno(mdb_del(txn, st->dbi[db], &k, NULL));
}

int store_reserve(struct store *st, MDB_txn *txn, enum store_db db, const void *key, size_t klen,
		  size_t vlen, void **ret)
{
	MDB_val k = {klen, (void *)key}, v = {vlen, NULL};
	int r = store_errno(mdb_put(txn, st->dbi[db], &k, &v, MDB_RESERVE));

	if (r == 0)
		*ret = v.mv_data;
	return r;
}

int store_meta_get_u64(struct store *st, MDB_txn *txn, const char *name, uint64_t *ret)
{
	MDB_val v;
	int r = store_get(st, txn, DB_META, name, strlen(name), &v);

	if (r == -ENOENT) {
		*ret = 0;
		return 0;
	}
	if (r < 0)
		return r;
	if (v.mv_size != 8)
		return -EIO;
	*ret = store_get_be64(v.mv_data);
	return 0;
}

int store_meta_put_u64(struct store *st, MDB_txn *txn, const char *name, uint64_t v)
{
	uint8_t be[8];

	store_be64(be, v);
	return store_put(st, txn, DB_META, name, strlen(name), be, sizeof(be));
}

int store_usage(struct store *st, uint64_t *ret_map, uint64_t *ret_used)
{
	MDB_envinfo info;
	MDB_stat stat;
	int r;

	if ((r = store_errno(mdb_env_info(st->env, &info))) < 0 ||
	    (r = store_errno(mdb_env_stat(st->env, &stat))) < 0)
		return r;
	*ret_map = info.me_mapsize;
	*ret_used = (uint64_t)(info.me_last_pgno + 1) * stat.ms_psize;
	return 0;
}

int store_backup(struct store *st, const char *path, uint64_t *ret_bytes)
{
	char file[PATH_MAX];
	struct stat sb;
	int fd, r;

	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -errno;
	if (snprintf(file, sizeof(file), "%s/data.mdb", path) >= (int)sizeof(file))
		return -ENAMETOOLONG;
	/* our own file, so the copy is as private as the live store (LMDB's would take the
	 * umask) and never overwrites an earlier one */
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	r = store_errno(mdb_env_copyfd2(st->env, fd, MDB_CP_COMPACT));
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && fstat(fd, &sb) < 0)
		r = -errno;
	close(fd);
	if (r < 0) {
		unlink(file);
		return r;
	}
	*ret_bytes = (uint64_t)sb.st_size;
	return 0;
}
