/* store: opening the environment (DESIGN.md "The store"; issue 2 point 3). */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dtest.h"

#define MAP (1u << 20)

/* Counts reader slots whose process is gone (mdb_reader_list prints one line a slot). */
static int count_line(const char *msg, void *ctx)
{
	(void)msg;
	(*(int *)ctx)++;
	return 0;
}

static int slots_of(MDB_env *env)
{
	int n = -1; /* the header line */

	assert_int_equal(mdb_reader_list(env, count_line, &n), 0);
	return n < 0 ? 0 : n;
}

static MDB_env *env_open(const char *dir)
{
	MDB_env *env;

	if (mdb_env_create(&env) || mdb_env_set_maxdbs(env, 16) ||
	    mdb_env_open(env, dir, MDB_NOTLS, 0600))
		return NULL;
	return env;
}

/* A process that dies inside a read transaction leaves its slot taken, pinning old pages
 * until something clears it: the daemon does at open (mdb_reader_check). LMDB resets the
 * whole table when the first process opens the environment, so another process (the holder)
 * keeps it open throughout, as a backup tool or a crashed daemon's sibling might. */
static void test_stale_reader_slot_is_cleared_at_open(void **state)
{
	char dir[PATH_MAX], c;
	int ready[2], done[2], status;
	struct store st;
	MDB_env *env;
	pid_t holder, dead;

	(void)state;
	dtest_fresh_dir("stale", dir);
	assert_int_equal(store_open(&st, dir, MAP, MAP, false), 0);
	store_close(&st);
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(done), 0);
	holder = fork();
	assert_true(holder >= 0);
	if (holder == 0) {
		close(ready[0]);
		close(done[1]);
		if (!env_open(dir) || write(ready[1], "r", 1) != 1)
			_exit(1);
		_exit(read(done[0], &c, 1) < 0); /* until the parent closes its end */
	}
	close(ready[1]);
	close(done[0]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	dead = fork();
	assert_true(dead >= 0);
	if (dead == 0) {
		MDB_txn *txn;

		if (!(env = env_open(dir)) || mdb_txn_begin(env, NULL, MDB_RDONLY, &txn))
			_exit(1);
		raise(SIGKILL); /* dies holding its reader slot */
	}
	assert_int_equal(waitpid(dead, &status, 0), dead);
	assert_true(WIFSIGNALED(status));
	assert_non_null(env = env_open(dir));
	assert_int_equal(slots_of(env), 1);
	mdb_env_close(env);

	assert_int_equal(store_open(&st, dir, MAP, MAP, false), 0);
	assert_int_equal(slots_of(st.env), 0);
	store_close(&st);
	close(done[1]);
	assert_int_equal(waitpid(holder, &status, 0), holder);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(ready[0]);
	dtest_rmrf(dir);
}

static void test_second_open_of_the_same_dir_is_busy(void **state)
{
	char dir[PATH_MAX];
	struct store a, b;

	(void)state;
	dtest_fresh_dir("busy", dir);
	assert_int_equal(store_open(&a, dir, MAP, MAP, false), 0);
	assert_int_equal(store_open(&b, dir, MAP, MAP, false), -EBUSY);
	store_close(&a);
	assert_int_equal(store_open(&b, dir, MAP, MAP, false), 0); /* the lock went with it */
	store_close(&b);
	dtest_rmrf(dir);
}

/* Writes meta "schema" with LMDB alone, as another binary would have left it. */
static void put_schema(const char *dir, uint64_t schema)
{
	uint8_t be[8];
	MDB_val k = {6, "schema"}, v = {8, be};
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;

	store_be64(be, schema);
	assert_non_null(env = env_open(dir));
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "meta", MDB_CREATE, &dbi), 0);
	assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

static uint64_t schema_of(struct store *st)
{
	MDB_txn *txn = NULL;
	uint64_t v;

	assert_int_equal(store_begin(st, true, &txn), 0);
	assert_int_equal(store_meta_get_u64(st, txn, "schema", &v), 0);
	store_abort(&txn);
	return v;
}

static void test_a_new_store_is_at_schema_2(void **state)
{
	char dir[PATH_MAX];
	struct store st;

	(void)state;
	dtest_fresh_dir("schema2", dir);
	assert_int_equal(store_open(&st, dir, MAP, MAP, false), 0);
	assert_int_equal(schema_of(&st), 2);
	store_close(&st);
	dtest_rmrf(dir);
}

/* A store written before issue 4 (schema 1, no reads database) opens and becomes 2. */
static void test_a_schema_1_store_is_upgraded_in_place(void **state)
{
	char dir[PATH_MAX];
	struct store st;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;

	(void)state;
	dtest_fresh_dir("schema1", dir);
	assert_int_equal(store_open(&st, dir, MAP, MAP, false), 0);
	store_close(&st);
	put_schema(dir, 1);
	assert_non_null(env = env_open(dir));
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "reads", 0, &dbi), 0);
	assert_int_equal(mdb_drop(txn, dbi, 1), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	assert_int_equal(store_open(&st, dir, MAP, MAP, false), 0);
	assert_int_equal(schema_of(&st), 2);
	assert_int_equal(store_begin(&st, false, &txn), 0);
	assert_int_equal(store_put(&st, txn, DB_READS, "k", 1, "", 0), 0);
	assert_int_equal(store_commit(&txn), 0);
	store_close(&st);
	dtest_rmrf(dir);
}

/* A store a newer binary wrote is refused, and left as it was. */
static void test_a_newer_schema_is_refused(void **state)
{
	char dir[PATH_MAX];
	struct store st;

	(void)state;
	dtest_fresh_dir("schema3", dir);
	assert_int_equal(store_open(&st, dir, MAP, MAP, false), 0);
	store_close(&st);
	put_schema(dir, 3);
	assert_int_equal(store_open(&st, dir, MAP, MAP, false), -EPROTO);
	assert_int_equal(store_open(&st, dir, MAP, MAP, false), -EPROTO);
	put_schema(dir, 99);
	assert_int_equal(store_open(&st, dir, MAP, MAP, false), -EPROTO);
	dtest_rmrf(dir);
}

static void test_map_doubles_up_to_its_ceiling_then_enospc(void **state)
{
	char dir[PATH_MAX];
	struct store st;

	(void)state;
	dtest_fresh_dir("grow", dir);
	assert_int_equal(store_open(&st, dir, MAP, 3 * MAP, false), 0);
	assert_int_equal(store_grow(&st), 0);
	assert_int_equal(st.map_size, 2 * MAP);
	assert_int_equal(store_grow(&st), 0);
	assert_int_equal(st.map_size, 3 * MAP); /* capped, not doubled past the ceiling */
	assert_int_equal(store_grow(&st), -ENOSPC);
	st.map_max = 8 * MAP;
	st.grow_blocked = true;
	assert_int_equal(store_grow(&st), -EBUSY);
	store_close(&st);
	dtest_rmrf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stale_reader_slot_is_cleared_at_open),
	    cmocka_unit_test(test_second_open_of_the_same_dir_is_busy),
	    cmocka_unit_test(test_a_new_store_is_at_schema_2),
	    cmocka_unit_test(test_a_schema_1_store_is_upgraded_in_place),
	    cmocka_unit_test(test_a_newer_schema_is_refused),
	    cmocka_unit_test(test_map_doubles_up_to_its_ceiling_then_enospc),
	};

	return cmocka_run_group_tests_name("daemon/store", tests, NULL, NULL);
}
