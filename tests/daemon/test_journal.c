/* journal: the hash chain (journal.h). Altering, removing or reordering an entry is found by
 * journal_verify at the first seq that no longer links; a chain cut short of the recorded
 * head is found at the first missing seq. */
#include "dtest.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/journal.h"

#define N         5
#define ENTRY_HDR JOURNAL_ENTRY_HDR

static int setup(void **state)
{
	return dstore_setup(state, "journal", 1 << 20, 1 << 20);
}

static int teardown(void **state)
{
	return dstore_teardown(state);
}

/* Appends n entries "event 1".."event n" in one transaction; returns the saved head. */
static struct journal_head append_n(struct store *st, int n)
{
	struct journal_head head;
	uint8_t hash[JOURNAL_HASH];
	MDB_txn *txn = NULL;
	char bytes[32];

	assert_int_equal(store_begin(st, false, &txn), 0);
	assert_int_equal(journal_head_load(st, txn, &head), 0);
	for (int i = 0; i < n; i++) {
		int len =
		    snprintf(bytes, sizeof(bytes), "event %llu", (unsigned long long)head.seq + 1);
		journal_hash((const uint8_t *)bytes, (size_t)len, hash);
		assert_int_equal(journal_append(st, txn, &head, NOW_MS + head.seq,
						(const uint8_t *)bytes, (size_t)len, hash),
				 0);
	}
	assert_int_equal(journal_head_save(st, txn, &head), 0);
	assert_int_equal(store_commit(&txn), 0);
	assert_null(txn);
	return head;
}

struct verdict {
	int r;
	uint64_t entries, first_bad;
	uint8_t head[JOURNAL_HASH];
};

static struct verdict verify(struct store *st)
{
	struct verdict v;
	MDB_txn *txn = NULL;

	assert_int_equal(store_begin(st, true, &txn), 0);
	v.r = journal_verify(st, txn, &v.entries, v.head, &v.first_bad);
	store_abort(&txn);
	return v;
}

/* Writes the journal db directly in a transaction of its own, as someone with the file could
 * (no journal_* call). */
static void tamper_put(struct store *st, uint64_t seq, const void *val, size_t len)
{
	uint8_t key[8];
	MDB_txn *txn = NULL;
	MDB_val k = {8, key}, v = {len, (void *)val};

	store_be64(key, seq);
	assert_int_equal(store_begin(st, false, &txn), 0);
	assert_int_equal(mdb_put(txn, st->dbi[DB_JOURNAL], &k, &v, 0), 0);
	assert_int_equal(store_commit(&txn), 0);
}

static void tamper_del(struct store *st, uint64_t seq)
{
	uint8_t key[8];
	MDB_txn *txn = NULL;
	MDB_val k = {8, key};

	store_be64(key, seq);
	assert_int_equal(store_begin(st, false, &txn), 0);
	assert_int_equal(mdb_del(txn, st->dbi[DB_JOURNAL], &k, NULL), 0);
	assert_int_equal(store_commit(&txn), 0);
}

/* A copy of the stored value of seq. */
static size_t raw_entry(struct store *st, uint64_t seq, uint8_t *out, size_t cap)
{
	uint8_t key[8];
	MDB_txn *txn = NULL;
	MDB_val v;

	store_be64(key, seq);
	assert_int_equal(store_begin(st, true, &txn), 0);
	assert_int_equal(store_get(st, txn, DB_JOURNAL, key, 8, &v), 0);
	assert_true(v.mv_size <= cap);
	memcpy(out, v.mv_data, v.mv_size);
	store_abort(&txn);
	return v.mv_size;
}

/* ---- a whole chain ---- */

static void test_empty_journal_verifies_ok_with_0_entries(void **state)
{
	struct dstore *d = *state;
	struct verdict v = verify(&d->st);
	uint8_t zeros[JOURNAL_HASH] = {0};

	assert_int_equal(v.r, 0);
	assert_int_equal(v.entries, 0);
	assert_int_equal(v.first_bad, 0);
	assert_memory_equal(v.head, zeros, JOURNAL_HASH);
}

static void test_n_appended_entries_verify_with_the_last_link_as_head(void **state)
{
	struct dstore *d = *state;
	struct journal_head head = append_n(&d->st, N);
	struct journal_entry e;
	struct verdict v = verify(&d->st);
	MDB_txn *txn = NULL;

	assert_int_equal(head.seq, N);
	assert_int_equal(v.r, 0);
	assert_int_equal(v.first_bad, 0);
	assert_int_equal(v.entries, N);
	assert_memory_equal(v.head, head.link, JOURNAL_HASH);
	assert_int_equal(store_begin(&d->st, true, &txn), 0);
	assert_int_equal(journal_read(&d->st, txn, N, &e), 0);
	assert_memory_equal(v.head, e.link, JOURNAL_HASH);
	store_abort(&txn);
}

static void test_appends_in_two_transactions_continue_the_chain(void **state)
{
	struct dstore *d = *state;
	struct journal_head head;
	struct verdict v;

	append_n(&d->st, 2);
	head = append_n(&d->st, 3);
	v = verify(&d->st);
	assert_int_equal(head.seq, 5);
	assert_int_equal(v.entries, 5);
	assert_int_equal(v.first_bad, 0);
	assert_memory_equal(v.head, head.link, JOURNAL_HASH);
}

static void test_read_returns_what_was_appended(void **state)
{
	struct dstore *d = *state;
	uint8_t hash[JOURNAL_HASH];
	struct journal_entry e;
	MDB_txn *txn = NULL;

	append_n(&d->st, 3);
	journal_hash((const uint8_t *)"event 2", 7, hash);
	assert_int_equal(store_begin(&d->st, true, &txn), 0);
	assert_int_equal(journal_read(&d->st, txn, 2, &e), 0);
	assert_int_equal(e.seq, 2);
	assert_int_equal(e.received_at, NOW_MS + 1);
	assert_int_equal(e.len, 7);
	assert_memory_equal(e.bytes, "event 2", 7);
	assert_memory_equal(e.bytes_hash, hash, JOURNAL_HASH);
	assert_int_equal(journal_read(&d->st, txn, 4, &e), -ENOENT);
	store_abort(&txn);
}

/* ---- tampering ---- */

static void test_rewritten_entry_bytes_fail_at_that_seq(void **state)
{
	struct dstore *d = *state;
	uint8_t val[256];
	size_t len;
	struct verdict v;

	append_n(&d->st, N);
	len = raw_entry(&d->st, 3, val, sizeof(val));
	val[ENTRY_HDR + 2] ^= 0x01; /* "event 3" -> "evdnt 3" */
	tamper_put(&d->st, 3, val, len);
	v = verify(&d->st);
	assert_int_equal(v.r, 0);
	assert_int_equal(v.first_bad, 3);
	assert_int_equal(v.entries, 2);
}

static void test_rewritten_bytes_with_their_new_hash_fail_at_that_seq(void **state)
{
	struct dstore *d = *state;
	uint8_t val[256];
	size_t len;

	append_n(&d->st, N);
	len = raw_entry(&d->st, 2, val, sizeof(val));
	val[ENTRY_HDR] = 'E';
	journal_hash(val + ENTRY_HDR, len - ENTRY_HDR, val + 8); /* a consistent bytes_hash */
	tamper_put(&d->st, 2, val, len);
	assert_int_equal(verify(&d->st).first_bad, 2);
}

static void test_changed_received_at_fails_at_that_seq(void **state)
{
	struct dstore *d = *state;
	uint8_t val[256];
	size_t len;

	append_n(&d->st, N);
	len = raw_entry(&d->st, 4, val, sizeof(val));
	val[7] ^= 0x80;
	tamper_put(&d->st, 4, val, len);
	assert_int_equal(verify(&d->st).first_bad, 4);
}

static void test_changed_first_entry_fails_at_seq_1(void **state)
{
	struct dstore *d = *state;
	uint8_t val[256];
	size_t len;

	append_n(&d->st, N);
	len = raw_entry(&d->st, 1, val, sizeof(val));
	val[len - 1] ^= 0xff;
	tamper_put(&d->st, 1, val, len);
	assert_int_equal(verify(&d->st).first_bad, 1);
}

static void test_changed_last_entry_fails_at_seq_n(void **state)
{
	struct dstore *d = *state;
	uint8_t val[256];
	size_t len;

	append_n(&d->st, N);
	len = raw_entry(&d->st, N, val, sizeof(val));
	val[8 + JOURNAL_HASH] ^= 0x01; /* the stored link */
	tamper_put(&d->st, N, val, len);
	assert_int_equal(verify(&d->st).first_bad, N);
}

static void test_deleted_middle_entry_fails_at_its_seq(void **state)
{
	struct dstore *d = *state;
	struct verdict v;

	append_n(&d->st, N);
	tamper_del(&d->st, 3);
	v = verify(&d->st);
	assert_int_equal(v.r, 0);
	assert_int_equal(v.first_bad, 3);
	assert_int_equal(v.entries, 2);
}

static void test_deleted_first_entry_fails_at_seq_1(void **state)
{
	struct dstore *d = *state;

	append_n(&d->st, N);
	tamper_del(&d->st, 1);
	assert_int_equal(verify(&d->st).first_bad, 1);
}

static void test_deleted_last_entry_fails_at_n_short_of_the_head(void **state)
{
	struct dstore *d = *state;
	struct verdict v;

	append_n(&d->st, N);
	tamper_del(&d->st, N);
	v = verify(&d->st);
	assert_int_equal(v.r, 0);
	assert_int_equal(v.entries, N - 1);
	assert_int_equal(v.first_bad, N);
}

static void test_every_entry_deleted_fails_at_seq_1(void **state)
{
	struct dstore *d = *state;

	append_n(&d->st, 2);
	tamper_del(&d->st, 1);
	tamper_del(&d->st, 2);
	assert_int_equal(verify(&d->st).first_bad, 1);
}

static void test_swapped_entries_fail_at_the_lower_seq(void **state)
{
	struct dstore *d = *state;
	uint8_t a[256], b[256];
	size_t la, lb;

	append_n(&d->st, N);
	la = raw_entry(&d->st, 2, a, sizeof(a));
	lb = raw_entry(&d->st, 3, b, sizeof(b));
	tamper_put(&d->st, 2, b, lb);
	tamper_put(&d->st, 3, a, la);
	assert_int_equal(verify(&d->st).first_bad, 2);
}

static void test_entry_added_after_the_head_fails_past_it(void **state)
{
	struct dstore *d = *state;
	uint8_t val[256];
	size_t len;
	struct verdict v;

	append_n(&d->st, N);
	len = raw_entry(&d->st, N, val, sizeof(val));
	tamper_put(&d->st, N + 1, val, len); /* a copy of the last entry, not linked */
	v = verify(&d->st);
	assert_int_equal(v.first_bad, N + 1);
}

static void test_truncated_entry_fails_at_its_seq(void **state)
{
	struct dstore *d = *state;
	uint8_t val[256];

	append_n(&d->st, N);
	raw_entry(&d->st, 2, val, sizeof(val));
	tamper_put(&d->st, 2, val, ENTRY_HDR - 1);
	assert_int_equal(verify(&d->st).first_bad, 2);
}

/* Personal data may be destroyed (retention) while the chain still verifies: a link covers
 * the hash of the bytes, not the bytes. */
static void test_entry_with_bytes_disposed_still_verifies(void **state)
{
	struct dstore *d = *state;
	uint8_t val[256];
	struct journal_entry e;
	MDB_txn *txn = NULL;
	struct verdict v;

	append_n(&d->st, N);
	raw_entry(&d->st, 2, val, sizeof(val));
	tamper_put(&d->st, 2, val, ENTRY_HDR);
	v = verify(&d->st);
	assert_int_equal(v.first_bad, 0);
	assert_int_equal(v.entries, N);
	assert_int_equal(store_begin(&d->st, true, &txn), 0);
	assert_int_equal(journal_read(&d->st, txn, 2, &e), 0);
	assert_null(e.bytes);
	store_abort(&txn);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_empty_journal_verifies_ok_with_0_entries),
	    T(test_n_appended_entries_verify_with_the_last_link_as_head),
	    T(test_appends_in_two_transactions_continue_the_chain),
	    T(test_read_returns_what_was_appended),
	    T(test_rewritten_entry_bytes_fail_at_that_seq),
	    T(test_rewritten_bytes_with_their_new_hash_fail_at_that_seq),
	    T(test_changed_received_at_fails_at_that_seq),
	    T(test_changed_first_entry_fails_at_seq_1),
	    T(test_changed_last_entry_fails_at_seq_n),
	    T(test_deleted_middle_entry_fails_at_its_seq),
	    T(test_deleted_first_entry_fails_at_seq_1),
	    T(test_deleted_last_entry_fails_at_n_short_of_the_head),
	    T(test_every_entry_deleted_fails_at_seq_1),
	    T(test_swapped_entries_fail_at_the_lower_seq),
	    T(test_entry_added_after_the_head_fails_past_it),
	    T(test_truncated_entry_fails_at_its_seq),
	    T(test_entry_with_bytes_disposed_still_verifies),
	};

	return cmocka_run_group_tests_name("daemon/journal", tests, NULL, NULL);
}
