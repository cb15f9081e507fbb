/* checkpoint: signed heads of the journal (checkpoint.h). A checkpoint verifies with its
 * signer's public key alone, on the store it was taken of, while that store's chain still
 * passes through its (seq, head); a store whose journal was rewritten and its chain
 * recomputed passes journal_verify but not the checkpoint. */
#include "dtest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/checkpoint.h"
#include "store/journal.h"

#define N 5

struct fix {
	struct dstore *d;
	uint8_t pk[CHECKPOINT_PK], sk[CHECKPOINT_SK];
};

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	void *d;

	if (!f || dstore_setup(&d, "checkpoint", 1 << 20, 1 << 20) != 0)
		return -1;
	f->d = d;
	crypto_sign_keypair(f->pk, f->sk);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;
	void *d = f->d;

	free(f);
	return dstore_teardown(&d);
}

/* Appends entries from seq `from` (rewriting from there when the journal is longer), "event
 * i" or, for seq `odd`, "forged i"; saves the head. */
static struct journal_head append_from(struct store *st, uint64_t from, uint64_t to, uint64_t odd)
{
	struct journal_head head = {0};
	struct journal_entry e;
	uint8_t hash[JOURNAL_HASH];
	MDB_txn *txn = NULL;
	char bytes[32];

	assert_int_equal(store_begin(st, false, &txn), 0);
	if (from > 1) {
		assert_int_equal(journal_read(st, txn, from - 1, &e), 0);
		head.seq = from - 1;
		memcpy(head.link, e.link, JOURNAL_HASH);
	}
	for (uint64_t i = from; i <= to; i++) {
		int len = snprintf(bytes, sizeof(bytes), "%s %llu", i == odd ? "forged" : "event",
				   (unsigned long long)i);
		journal_hash((const uint8_t *)bytes, (size_t)len, hash);
		assert_int_equal(journal_append(st, txn, &head, NOW_MS + i, (const uint8_t *)bytes,
						(size_t)len, hash),
				 0);
	}
	assert_int_equal(journal_head_save(st, txn, &head), 0);
	assert_int_equal(store_commit(&txn), 0);
	return head;
}

static struct checkpoint take(struct fix *f, uint64_t *ret_n)
{
	struct store *st = &f->d->st;
	struct journal_head head;
	struct checkpoint c;
	MDB_txn *txn = NULL;

	assert_int_equal(store_begin(st, false, &txn), 0);
	assert_int_equal(journal_head_load(st, txn, &head), 0);
	assert_int_equal(checkpoint_take(st, txn, &head, NOW_MS + 100, f->sk, &c, ret_n), 0);
	assert_int_equal(store_commit(&txn), 0);
	return c;
}

static int check(struct fix *f, const struct checkpoint *c, const uint8_t *pk, char *err)
{
	MDB_txn *txn = NULL;
	int r;

	assert_int_equal(store_begin(&f->d->st, true, &txn), 0);
	r = checkpoint_check(&f->d->st, txn, c, pk, err);
	store_abort(&txn);
	return r;
}

static uint64_t verify_first_bad(struct store *st)
{
	uint8_t head[JOURNAL_HASH];
	uint64_t entries, bad;
	MDB_txn *txn = NULL;

	assert_int_equal(store_begin(st, true, &txn), 0);
	assert_int_equal(journal_verify(st, txn, &entries, head, &bad), 0);
	store_abort(&txn);
	return bad;
}

static void test_checkpoint_line_parses_back_and_verifies_with_the_public_key(void **state)
{
	struct fix *f = *state;
	char line[CHECKPOINT_LINE], msg[CHECKPOINT_LINE], err[CHECKPOINT_ERR_MAX];
	struct checkpoint c, back, stored;
	uint64_t n, count;
	MDB_txn *txn = NULL;

	append_from(&f->d->st, 1, N, 0);
	c = take(f, &n);
	assert_int_equal(n, 1);
	assert_int_equal(c.seq, N);
	checkpoint_format(&c, line);
	assert_int_equal(strncmp(line, "integrityd-checkpoint v1 ", 25), 0);
	/* the signed part is the line up to the space before the signature */
	size_t mlen = checkpoint_message(&c, msg);
	assert_int_equal(line[mlen], ' ');
	assert_int_equal(strlen(line), mlen + 1 + 2 * CHECKPOINT_SIG);
	assert_int_equal(crypto_sign_verify_detached(c.sig, (uint8_t *)line, mlen, f->pk), 0);
	assert_int_equal(checkpoint_parse(line, &back), 0);
	assert_memory_equal(&back, &c, sizeof(c));
	assert_int_equal(check(f, &back, f->pk, err), 0);
	assert_int_equal(store_begin(&f->d->st, true, &txn), 0);
	assert_int_equal(checkpoint_count(&f->d->st, txn, &count), 0);
	assert_int_equal(count, 1);
	assert_int_equal(checkpoint_get(&f->d->st, txn, 1, &stored), 0);
	store_abort(&txn);
	assert_memory_equal(&stored, &c, sizeof(c));
}

static void test_checkpoint_of_an_empty_journal_verifies(void **state)
{
	struct fix *f = *state;
	char err[CHECKPOINT_ERR_MAX];
	uint64_t n;
	struct checkpoint c = take(f, &n);

	assert_int_equal(c.seq, 0);
	assert_int_equal(check(f, &c, f->pk, err), 0);
}

static void test_key_not_the_signers_is_rejected(void **state)
{
	struct fix *f = *state;
	uint8_t pk[CHECKPOINT_PK], sk[CHECKPOINT_SK];
	char err[CHECKPOINT_ERR_MAX];
	uint64_t n;
	struct checkpoint c;

	append_from(&f->d->st, 1, N, 0);
	c = take(f, &n);
	crypto_sign_keypair(pk, sk);
	assert_int_equal(check(f, &c, pk, err), -EKEYREJECTED);
	assert_contains(err, "public key");
}

static void test_altered_line_is_rejected_as_unsigned(void **state)
{
	struct fix *f = *state;
	char err[CHECKPOINT_ERR_MAX];
	uint64_t n;
	struct checkpoint c;

	append_from(&f->d->st, 1, N, 0);
	c = take(f, &n);
	c.seq = N - 1; /* a true (seq, head) of the store, but not the one signed */
	assert_int_equal(check(f, &c, f->pk, err), -EKEYREJECTED);
}

static void test_signature_over_another_store_id_is_another_stores(void **state)
{
	struct fix *f = *state;
	char err[CHECKPOINT_ERR_MAX];
	uint64_t n;
	struct checkpoint c;

	append_from(&f->d->st, 1, N, 0);
	c = take(f, &n);
	c.store_id[0] ^= 1;
	checkpoint_sign(&c, f->sk); /* validly signed, by the right key, for another store */
	assert_int_equal(check(f, &c, f->pk, err), -EXDEV);
	assert_contains(err, "another store");
}

static void test_checkpoint_past_the_stores_end_fails(void **state)
{
	struct fix *f = *state;
	char err[CHECKPOINT_ERR_MAX];
	uint64_t n;
	struct checkpoint c;

	append_from(&f->d->st, 1, N, 0);
	c = take(f, &n);
	c.seq = N + 1;
	checkpoint_sign(&c, f->sk);
	assert_int_equal(check(f, &c, f->pk, err), -ERANGE);
	assert_contains(err, "past the store's end");
}

static void test_rewritten_chain_passes_verify_but_not_the_checkpoint(void **state)
{
	struct fix *f = *state;
	char err[CHECKPOINT_ERR_MAX];
	uint64_t n;
	struct checkpoint c;

	append_from(&f->d->st, 1, N, 0);
	c = take(f, &n);
	append_from(&f->d->st, 2, N, 2); /* entry 2 rewritten, the chain recomputed */
	assert_int_equal(verify_first_bad(&f->d->st), 0);
	assert_int_equal(check(f, &c, f->pk, err), -EBADMSG);
	assert_contains(err, "rewritten");
}

static void test_rewrite_after_the_checkpoint_leaves_it_standing(void **state)
{
	struct fix *f = *state;
	char err[CHECKPOINT_ERR_MAX];
	uint64_t n;
	struct checkpoint c;

	append_from(&f->d->st, 1, 3, 0);
	c = take(f, &n);
	append_from(&f->d->st, 4, N, 0);
	append_from(&f->d->st, 4, N, 4); /* past the checkpoint: it did not cover these */
	assert_int_equal(check(f, &c, f->pk, err), 0);
}

static void test_disposed_entry_keeps_the_checkpoint_verifying(void **state)
{
	struct fix *f = *state;
	char err[CHECKPOINT_ERR_MAX];
	uint64_t n;
	struct checkpoint c;
	MDB_txn *txn = NULL;

	append_from(&f->d->st, 1, N, 0);
	c = take(f, &n);
	assert_int_equal(store_begin(&f->d->st, false, &txn), 0);
	assert_int_equal(journal_dispose(&f->d->st, txn, N), 0);
	assert_int_equal(journal_dispose(&f->d->st, txn, 2), 0);
	assert_int_equal(store_commit(&txn), 0);
	assert_int_equal(verify_first_bad(&f->d->st), 0);
	assert_int_equal(check(f, &c, f->pk, err), 0);
}

static void test_lines_with_a_second_spelling_do_not_parse(void **state)
{
	struct fix *f = *state;
	char line[CHECKPOINT_LINE], bad[CHECKPOINT_LINE + 8];
	struct checkpoint c, back;
	uint64_t n;

	(void)state;
	append_from(&f->d->st, 1, N, 0);
	c = take(f, &n);
	checkpoint_format(&c, line);
	assert_int_equal(checkpoint_parse(line, &back), 0);
	snprintf(bad, sizeof(bad), "%s\n", line);
	assert_int_equal(checkpoint_parse(bad, &back), 0);
	snprintf(bad, sizeof(bad), "%s ", line);
	assert_int_equal(checkpoint_parse(bad, &back), -EINVAL);
	strcpy(bad, line);
	bad[25 + 2 * CHECKPOINT_ID + 1] = '0'; /* a leading zero before seq 5 would be "05"... */
	memmove(bad + 25 + 2 * CHECKPOINT_ID + 2, line + 25 + 2 * CHECKPOINT_ID + 1,
		strlen(line) - (25 + 2 * CHECKPOINT_ID + 1) + 1);
	assert_int_equal(checkpoint_parse(bad, &back), -EINVAL);
	strcpy(bad, line);
	for (char *p = bad + 25; *p && *p != ' '; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	assert_int_equal(checkpoint_parse(bad, &back), -EINVAL);
	assert_int_equal(checkpoint_parse("integrityd-checkpoint v2 x", &back), -EINVAL);
}

static void test_secret_key_file_readable_by_others_is_refused(void **state)
{
	char dir[PATH_MAX], file[PATH_MAX], hex[2 * CHECKPOINT_SK + 1], err[512];
	uint8_t pk[CHECKPOINT_PK], sk[CHECKPOINT_SK], got[CHECKPOINT_SK], gotpk[CHECKPOINT_PK];
	const char *path;
	char pkhex[2 * CHECKPOINT_PK + 1];

	(void)state;
	crypto_sign_keypair(pk, sk);
	sodium_bin2hex(hex, sizeof(hex), sk, sizeof(sk));
	dtest_fresh_dir("checkpoint-key", dir);
	path = dtest_write_file(dir, "sign.key", hex, file);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(checkpoint_load_secret(path, got, err), 0);
	assert_memory_equal(got, sk, sizeof(sk));
	path = dtest_write_file(dir, "open.key", hex, file);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(checkpoint_load_secret(path, got, err), -1);
	assert_contains(err, "LoadCredential");
	sodium_bin2hex(pkhex, sizeof(pkhex), pk, sizeof(pk));
	assert_int_equal(checkpoint_load_public(pkhex, gotpk, err), 0);
	assert_memory_equal(gotpk, pk, sizeof(pk));
	path = dtest_write_file(dir, "sign.pub", pkhex, file);
	assert_int_equal(checkpoint_load_public(path, gotpk, err), 0);
	assert_memory_equal(gotpk, pk, sizeof(pk));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_checkpoint_line_parses_back_and_verifies_with_the_public_key),
	    T(test_checkpoint_of_an_empty_journal_verifies),
	    T(test_key_not_the_signers_is_rejected),
	    T(test_altered_line_is_rejected_as_unsigned),
	    T(test_signature_over_another_store_id_is_another_stores),
	    T(test_checkpoint_past_the_stores_end_fails),
	    T(test_rewritten_chain_passes_verify_but_not_the_checkpoint),
	    T(test_rewrite_after_the_checkpoint_leaves_it_standing),
	    T(test_disposed_entry_keeps_the_checkpoint_verifying),
	    T(test_lines_with_a_second_spelling_do_not_parse),
	    T(test_secret_key_file_readable_by_others_is_refused),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("daemon/checkpoint", tests, NULL, NULL);
}
