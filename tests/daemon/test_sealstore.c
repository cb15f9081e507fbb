/* Sealing at rest, through the store: case records and journal entries written with a sealer
 * hold no plain text in data.mdb; audit needs no key and still finds any flipped byte; a
 * store sealed under one key refuses a daemon that cannot read it; the reseal pass seals a
 * plain store, and a rotated one, in bounded batches. */
#include "dtest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/anon.h"
#include "store/caserec.h"
#include "store/journal.h"
#include "store/reseal.h"
#include "security/seal.h"

#define MARK      "Zebulon-Quixote-marker"
#define N_CASES   7
#define PER_BATCH 3

static int setup(void **state)
{
	return dstore_setup(state, "sealstore", 4 << 20, 4 << 20);
}

static int teardown(void **state)
{
	struct dstore *d = *state;

	seal_free((struct seal **)&d->st.seal);
	return dstore_teardown(state);
}

static struct seal *sealer(uint8_t cur, int prev)
{
	uint8_t k[SEAL_KEY_BYTES], p[SEAL_KEY_BYTES];
	char err[KEYFILE_ERR_MAX];
	struct seal *s;

	memset(k, cur, sizeof(k));
	memset(p, prev, sizeof(p));
	assert_int_equal(seal_new(&s, k, prev >= 0 ? p : NULL, err), 0);
	return s;
}

/* Swaps the store's sealer (the previous one is freed), as a restart with other keys. */
static void use_keys(struct dstore *d, struct seal *s)
{
	seal_free((struct seal **)&d->st.seal);
	d->st.seal = s;
}

/* A start that is allowed; what it reports of the meta is what it left in the store. */
static void start_ok(struct dstore *d)
{
	char err[RESEAL_ERR_MAX];
	struct reseal_meta got, stored;
	MDB_txn *txn = NULL;

	if (reseal_start_check(&d->st, &got, err) < 0)
		fail_msg("start refused: %s", err);
	assert_int_equal(store_begin(&d->st, true, &txn), 0);
	assert_int_equal(reseal_meta_read(&d->st, txn, &stored), 0);
	store_abort(&txn);
	assert_int_equal(got.sealed, stored.sealed);
	assert_int_equal(got.pending, stored.pending);
	assert_int_equal(got.pending_plain, stored.pending_plain);
	if (stored.sealed)
		assert_memory_equal(got.key, stored.key, SEAL_ID_BYTES);
	if (stored.pending)
		assert_memory_equal(got.old, stored.old, SEAL_ID_BYTES);
}

/* n declarations whose circumstances carry MARK and the case number */
static void submit(struct dstore *d, int first, int n)
{
	char ids[N_CASES * 2][16], text[N_CASES * 2][64];
	struct ev_spec specs[N_CASES * 2];
	struct batch_item out[N_CASES * 2];

	assert_true(n <= N_CASES * 2);
	for (int i = 0; i < n; i++) {
		snprintf(ids[i], sizeof(ids[i]), "ev-%d", first + i);
		snprintf(text[i], sizeof(text[i]), MARK " %d", first + i);
		specs[i] = decl(ids[i], "S100");
		specs[i].circumstances = text[i];
	}
	assert_int_equal(dtest_apply(&d->st, specs, (size_t)n, NOW_MS, out), 0);
	for (int i = 0; i < n; i++)
		assert_int_equal(out[i].status, BATCH_ACCEPTED);
}

/* How many times s occurs in the environment's file (every page, free ones too). */
static int file_count(struct dstore *d, const char *s)
{
	char path[PATH_MAX + 16];
	struct stat sb;
	char *buf, *p;
	int fd, n = 0;

	snprintf(path, sizeof(path), "%s/data.mdb", d->dir);
	assert_true((fd = open(path, O_RDONLY)) >= 0);
	assert_int_equal(fstat(fd, &sb), 0);
	assert_non_null(buf = malloc((size_t)sb.st_size));
	assert_int_equal(pread(fd, buf, (size_t)sb.st_size, 0), sb.st_size);
	close(fd);
	for (p = buf; (p = memmem(p, (size_t)(buf + sb.st_size - p), s, strlen(s))); p++)
		n++;
	free(buf);
	return n;
}

static uint64_t verify_bad(struct dstore *d, const struct seal *s)
{
	const struct seal *keep = d->st.seal;
	const bool complete = d->st.seal_keys_complete;
	uint8_t head[JOURNAL_HASH];
	uint64_t entries, bad;
	MDB_txn *txn = NULL;

	/* other keys than the started daemon's: a copy checked elsewhere, keys not known whole */
	d->st.seal = s;
	d->st.seal_keys_complete = complete && s == keep;
	assert_int_equal(store_begin(&d->st, true, &txn), 0);
	assert_int_equal(journal_verify(&d->st, txn, &entries, head, &bad), 0);
	store_abort(&txn);
	d->st.seal = keep;
	d->st.seal_keys_complete = complete;
	return bad;
}

static void raw_get(struct dstore *d, enum store_db db, const void *key, size_t klen, uint8_t **ret,
		    size_t *ret_len)
{
	MDB_txn *txn = NULL;
	MDB_val v;

	assert_int_equal(store_begin(&d->st, true, &txn), 0);
	assert_int_equal(store_get(&d->st, txn, db, key, klen, &v), 0);
	*ret = malloc(v.mv_size);
	memcpy(*ret, v.mv_data, v.mv_size);
	*ret_len = v.mv_size;
	store_abort(&txn);
}

static void raw_put(struct dstore *d, enum store_db db, const void *key, size_t klen,
		    const void *val, size_t len)
{
	MDB_txn *txn = NULL;
	MDB_val k = {klen, (void *)key}, v = {len, (void *)val};

	assert_int_equal(store_begin(&d->st, false, &txn), 0);
	assert_int_equal(mdb_put(txn, d->st.dbi[db], &k, &v, 0), 0);
	assert_int_equal(store_commit(&txn), 0);
}

static int get_case(struct dstore *d, int n, struct case_rec *r)
{
	char ref[PROTO_CASE_MAX + 1];
	MDB_txn *txn = NULL;
	int rc;

	snprintf(ref, sizeof(ref), "NA-2026-%06d", n);
	assert_int_equal(store_begin(&d->st, true, &txn), 0);
	rc = caserec_get(&d->st, txn, ref, strlen(ref), r);
	store_abort(&txn);
	return rc;
}

static struct reseal_meta meta(struct dstore *d)
{
	struct reseal_meta m;
	MDB_txn *txn = NULL;

	assert_int_equal(store_begin(&d->st, true, &txn), 0);
	assert_int_equal(reseal_meta_read(&d->st, txn, &m), 0);
	store_abort(&txn);
	return m;
}

/* Runs the pass to its end, PER_BATCH values a batch; returns the batches it took and adds
 * up what they did. */
static int run_pass(struct dstore *d, struct reseal_step *total)
{
	struct batch_input in = {
	    .policy = dtest_policy(), .now_ms = NOW_MS, .reseal_max = PER_BATCH};
	struct batch_result res;
	int batches = 0;

	memset(total, 0, sizeof(*total));
	in.reseal_from = (struct reseal_cursor){.db = DB_CASES};
	do {
		assert_int_equal(batch_run(&d->st, &in, &res), 0);
		assert_true(res.reseal.cases + res.reseal.entries + res.reseal.failed <= PER_BATCH);
		total->cases += res.reseal.cases;
		total->entries += res.reseal.entries;
		total->failed += res.reseal.failed;
		in.reseal_from = res.reseal.next;
		in.reseal_failed = total->failed;
		assert_true(++batches < 100);
	} while (!res.reseal.done);
	return batches;
}

/* every case and journal entry: sealed under the current key, and readable */
static void assert_all_current(struct dstore *d, int n)
{
	struct case_rec r;
	struct journal_entry e;
	MDB_txn *txn = NULL;

	for (int i = 1; i <= n; i++) {
		assert_int_equal(get_case(d, i, &r), 0);
		caserec_release(&r);
	}
	assert_int_equal(store_begin(&d->st, true, &txn), 0);
	for (uint64_t seq = 1; seq <= (uint64_t)n; seq++) {
		MDB_val v;
		char ref[PROTO_CASE_MAX + 1];

		snprintf(ref, sizeof(ref), "NA-2026-%06d", (int)seq);
		assert_int_equal(store_get(&d->st, txn, DB_CASES, ref, strlen(ref), &v), 0);
		assert_false(seal_stale(d->st.seal, v.mv_data, v.mv_size));
		assert_int_equal(journal_read(&d->st, txn, seq, &e), 0);
		assert_false(seal_stale(d->st.seal, e.bytes, e.len));
	}
	store_abort(&txn);
}

/* ---- at rest ------------------------------------------------------------------------ */

static void test_sealed_store_file_holds_no_marker_and_cases_read_back(void **state)
{
	struct dstore *d = *state;
	struct case_rec r;

	use_keys(d, sealer(1, -1));
	start_ok(d);
	submit(d, 1, N_CASES);
	assert_int_equal(file_count(d, MARK), 0);
	/* not sealed: the subject index is keyed by staff id (SPEC "Sealed fields") */
	assert_true(file_count(d, "S100") > 0);
	assert_int_equal(get_case(d, 3, &r), 0);
	assert_string_equal(r.c.ref, "NA-2026-000003");
	caserec_release(&r);
	assert_int_equal(verify_bad(d, d->st.seal), 0);
	assert_int_equal(verify_bad(d, NULL), 0);
}

/* the grep above could pass by looking in the wrong place: without a sealer it finds them */
static void test_unsealed_store_file_shows_the_marker(void **state)
{
	struct dstore *d = *state;

	start_ok(d);
	submit(d, 1, 2);
	assert_true(file_count(d, MARK) >= 2);
	assert_false(meta(d).sealed);
}

static void test_without_the_key_a_sealed_case_is_keyrejected(void **state)
{
	struct dstore *d = *state;
	struct case_rec r;

	use_keys(d, sealer(1, -1));
	start_ok(d);
	submit(d, 1, 1);
	use_keys(d, sealer(2, -1));
	assert_int_equal(get_case(d, 1, &r), -EKEYREJECTED);
	use_keys(d, NULL);
	assert_int_equal(get_case(d, 1, &r), -EKEYREJECTED);
}

/* a sealed record copied over another case's opens as neither */
static void test_a_record_moved_to_another_case_does_not_open(void **state)
{
	struct dstore *d = *state;
	struct case_rec r;
	uint8_t *v;
	size_t len;

	use_keys(d, sealer(1, -1));
	start_ok(d);
	submit(d, 1, 2);
	raw_get(d, DB_CASES, "NA-2026-000001", 14, &v, &len);
	raw_put(d, DB_CASES, "NA-2026-000002", 14, v, len);
	free(v);
	assert_int_equal(get_case(d, 2, &r), -EIO);
	assert_int_equal(get_case(d, 1, &r), 0);
	caserec_release(&r);
}

/* ---- the journal without the key -------------------------------------------------- */

/* Every byte of entry 3's value (received_at, bytes hash, link, the sealed blob) flipped in
 * turn: verify, with no key and with it, names seq 3. */
static void test_any_flipped_byte_of_a_sealed_entry_is_found_without_the_key(void **state)
{
	struct dstore *d = *state;
	uint8_t key[8], *v;
	size_t len;

	use_keys(d, sealer(1, -1));
	start_ok(d);
	submit(d, 1, 5);
	store_be64(key, 3);
	raw_get(d, DB_JOURNAL, key, 8, &v, &len);
	assert_true(seal_is_sealed(v + JOURNAL_ENTRY_HDR, len - 8 - 2 * JOURNAL_HASH));
	for (size_t i = 0; i < len; i++) {
		v[i] ^= 0x01;
		raw_put(d, DB_JOURNAL, key, 8, v, len);
		if (verify_bad(d, NULL) != 3)
			fail_msg("byte %zu of %zu flipped: not found without the key", i, len);
		if (verify_bad(d, d->st.seal) != 3)
			fail_msg("byte %zu of %zu flipped: not found with the key", i, len);
		v[i] ^= 0x01;
	}
	raw_put(d, DB_JOURNAL, key, 8, v, len);
	assert_int_equal(verify_bad(d, NULL), 0);
	free(v);
}

/* A blob forged whole (its own hash recomputed) passes the keyless check: only the key can
 * tell. audit.verify in the daemon has the key and finds it; so does a blob moved from
 * another entry. */
static void test_a_whole_blob_swapped_in_is_found_with_the_key(void **state)
{
	struct dstore *d = *state;
	uint8_t k2[8], k3[8], *v2, *v3;
	size_t l2, l3;

	use_keys(d, sealer(1, -1));
	start_ok(d);
	submit(d, 1, 4);
	store_be64(k2, 2);
	store_be64(k3, 3);
	raw_get(d, DB_JOURNAL, k2, 8, &v2, &l2);
	raw_get(d, DB_JOURNAL, k3, 8, &v3, &l3);
	assert_int_equal(l2, l3); /* same shape of event: the blobs can trade places */
	memcpy(v2 + JOURNAL_ENTRY_HDR, v3 + JOURNAL_ENTRY_HDR, l2 - 8 - 2 * JOURNAL_HASH);
	raw_put(d, DB_JOURNAL, k2, 8, v2, l2);
	assert_int_equal(verify_bad(d, NULL), 0); /* the keyless check's limit, documented */
	assert_int_equal(verify_bad(d, d->st.seal), 2);
	free(v2);
	free(v3);
}

/* A blob forged whole under a key the store never used (its own hash recomputed) passes the
 * keyless check and no key opens it; a daemon holds every key its store may be under, so
 * there it is forgery, not a missing key (review: audit.verify once said ok). */
static void test_a_blob_under_a_key_the_store_never_used_is_found_by_the_daemon(void **state)
{
	struct dstore *d = *state;
	struct seal *other = sealer(9, -1);
	uint8_t k2[8], *v, plain[64], blob[sizeof(plain) + SEAL_OVERHEAD];
	size_t len;

	use_keys(d, sealer(1, -1));
	start_ok(d);
	submit(d, 1, 3);
	store_be64(k2, 2);
	raw_get(d, DB_JOURNAL, k2, 8, &v, &len);
	memset(plain, 'x', sizeof(plain));
	seal_data(other, "forged", 6, plain, sizeof(plain), blob);
	v = realloc(v, JOURNAL_ENTRY_HDR + sizeof(blob));
	assert_non_null(v);
	memcpy(v + JOURNAL_ENTRY_HDR, blob, sizeof(blob));
	raw_put(d, DB_JOURNAL, k2, 8, v, JOURNAL_ENTRY_HDR + sizeof(blob));
	assert_int_equal(verify_bad(d, NULL), 0);       /* a copy, no key: the keyless limit */
	assert_int_equal(verify_bad(d, d->st.seal), 2); /* the daemon: forged */
	seal_free(&other);
	free(v);
}

/* The key of anonymous ids' hashes is the store's: made once, kept sealed, carried over a
 * rotation, so an anonymous referral resent after a restart or a rotation is still found. */
static void test_the_anonymous_id_key_survives_restarts_and_rotation(void **state)
{
	struct dstore *d = *state;
	uint8_t first[ANON_SECRET], *v;
	size_t len;

	use_keys(d, sealer(1, -1));
	start_ok(d);
	assert_int_equal(anon_secret_load(&d->st), 0);
	assert_non_null(d->st.anon_secret);
	memcpy(first, d->st.anon_secret, ANON_SECRET);
	raw_get(d, DB_META, "anon_secret", strlen("anon_secret"), &v, &len);
	assert_null(memmem(v, len, first, ANON_SECRET)); /* sealed, not in the clear */
	free(v);
	anon_secret_free(&d->st);
	assert_int_equal(anon_secret_load(&d->st), 0); /* a restart: the same key */
	assert_memory_equal(d->st.anon_secret, first, ANON_SECRET);
	anon_secret_free(&d->st);
	use_keys(d, sealer(2, 1)); /* a rotation: read under the previous, sealed again */
	start_ok(d);
	assert_int_equal(anon_secret_load(&d->st), 0);
	assert_memory_equal(d->st.anon_secret, first, ANON_SECRET);
	anon_secret_free(&d->st);
	raw_get(d, DB_META, "anon_secret", strlen("anon_secret"), &v, &len);
	assert_false(seal_stale(d->st.seal, v, len));
	free(v);
	use_keys(d, NULL); /* no seal: unkeyed */
	assert_int_equal(anon_secret_load(&d->st), 0);
	assert_null(d->st.anon_secret);
}

/* Turning sealing on for a store that holds anonymous referrals: their ids were indexed under
 * the unkeyed hash and were never kept, so they cannot be hashed again. The store marks it,
 * and a resend of one is still its duplicate, its id still a conflict for a named event or
 * for other content, while a referral accepted after the sealing is indexed under the key. */
static void apply_one(struct dstore *d, struct ev_spec s, struct batch_item *out)
{
	assert_int_equal(dtest_apply(&d->st, &s, 1, NOW_MS, out), 0);
}

static void test_anonymous_ids_from_before_sealing_are_still_found(void **state)
{
	struct dstore *d = *state;
	struct batch_item out;

	apply_one(d, anon_referral("anon-1", "S100"), &out); /* a plain store */
	assert_int_equal(out.status, BATCH_ACCEPTED);
	assert_int_equal(out.seq, 1);
	use_keys(d, sealer(1, -1));
	start_ok(d);
	assert_int_equal(anon_secret_load(&d->st), 0);
	assert_non_null(d->st.anon_secret);
	assert_true(d->st.anon_unkeyed);
	anon_secret_free(&d->st);
	assert_int_equal(anon_secret_load(&d->st), 0); /* a restart keeps the mark */
	assert_true(d->st.anon_unkeyed);

	apply_one(d, anon_referral("anon-1", "S100"), &out);
	assert_int_equal(out.status, BATCH_DUPLICATE);
	assert_int_equal(out.seq, 1);
	assert_string_equal(out.case_ref, "NA-2026-000001");
	apply_one(d, anon_referral("anon-1", "S200"), &out);
	assert_int_equal(out.status, BATCH_REJECTED);
	assert_int_equal(out.err.code, PROTO_CONFLICT);
	apply_one(d, referral("anon-1", "S100", "psd"), &out);
	assert_int_equal(out.status, BATCH_REJECTED);
	assert_int_equal(out.err.code, PROTO_CONFLICT);

	apply_one(d, anon_referral("anon-2", "S100"), &out); /* after: under the key */
	assert_int_equal(out.status, BATCH_ACCEPTED);
	assert_int_equal(out.seq, 2);
	apply_one(d, anon_referral("anon-2", "S100"), &out);
	assert_int_equal(out.status, BATCH_DUPLICATE);
	assert_int_equal(out.seq, 2);
	apply_one(d, referral("anon-2", "S100", "psd"), &out);
	assert_int_equal(out.err.code, PROTO_CONFLICT);
	anon_secret_free(&d->st);
}

/* A store sealed before any anonymous referral needs no mark, and looks nothing up twice. */
static void test_a_store_sealed_before_any_anonymous_referral_is_not_marked(void **state)
{
	struct dstore *d = *state;
	struct batch_item out;

	apply_one(d, decl("named-1", "S100"), &out);
	use_keys(d, sealer(1, -1));
	start_ok(d);
	assert_int_equal(anon_secret_load(&d->st), 0);
	assert_false(d->st.anon_unkeyed);
	anon_secret_free(&d->st);
}

/* ---- starting on a sealed store ---------------------------------------------------- */

static void test_start_refuses_a_store_it_cannot_read_naming_the_key(void **state)
{
	struct dstore *d = *state;
	char err[RESEAL_ERR_MAX], id1[2 * SEAL_ID_BYTES + 1];
	uint8_t id[SEAL_ID_BYTES];

	use_keys(d, sealer(1, -1));
	start_ok(d);
	seal_current_id(d->st.seal, id);
	seal_id_hex(id, id1);
	submit(d, 1, 1);
	use_keys(d, NULL);
	assert_int_equal(reseal_start_check(&d->st, NULL, err), -1);
	assert_contains(err, id1);
	assert_contains(err, "seal_key is not set");
	use_keys(d, sealer(2, -1));
	assert_int_equal(reseal_start_check(&d->st, NULL, err), -1);
	assert_contains(err, id1);
	use_keys(d, sealer(3, 2)); /* neither is the store's */
	assert_int_equal(reseal_start_check(&d->st, NULL, err), -1);
	/* nothing was recorded by the refusals: the right key still starts */
	use_keys(d, sealer(1, -1));
	start_ok(d);
	assert_false(meta(d).pending);
}

/* a rotation not yet resealed needs the previous key until the pass is over */
static void test_after_a_rotation_the_old_key_is_needed_until_the_pass_ends(void **state)
{
	struct dstore *d = *state;
	char err[RESEAL_ERR_MAX];
	struct reseal_step t;
	struct case_rec r;

	use_keys(d, sealer(1, -1));
	start_ok(d);
	submit(d, 1, N_CASES);
	use_keys(d, sealer(2, 1));
	start_ok(d);
	assert_true(meta(d).pending);
	submit(d, N_CASES + 1, 1); /* under the new key */
	use_keys(d, sealer(2, -1));
	assert_int_equal(reseal_start_check(&d->st, NULL, err), -1);
	assert_contains(err, "seal_key_previous");
	use_keys(d, sealer(2, 1));
	start_ok(d);
	/* (N_CASES + 1) records and entries, PER_BATCH a batch */
	assert_true(run_pass(d, &t) >= 2 * (N_CASES + 1) / PER_BATCH);
	assert_int_equal(t.cases, N_CASES);
	assert_int_equal(t.entries, N_CASES);
	assert_int_equal(t.failed, 0);
	assert_false(meta(d).pending);
	use_keys(d, sealer(2, -1));
	start_ok(d);
	assert_all_current(d, N_CASES + 1);
	assert_int_equal(verify_bad(d, d->st.seal), 0);
	assert_int_equal(file_count(d, MARK), 0);
	/* running it again is harmless: it visits everything (the bound counts visits) and
	 * writes nothing */
	assert_int_equal(run_pass(d, &t), 2 * (N_CASES + 1) / PER_BATCH + 1);
	assert_int_equal(t.cases + t.entries + t.failed, 0);
	/* and the old key alone no longer starts */
	use_keys(d, sealer(1, -1));
	assert_int_equal(reseal_start_check(&d->st, NULL, err), -1);
	use_keys(d, sealer(2, -1));
	assert_int_equal(get_case(d, 1, &r), 0);
	caserec_release(&r);
}

/* sealing turned on for a store written without it: plain records still load; the pass seals
 * them all */
static void test_turning_sealing_on_reads_plain_records_and_the_pass_seals_them(void **state)
{
	struct dstore *d = *state;
	struct reseal_step t;
	struct reseal_meta m;
	struct case_rec r;

	start_ok(d);
	submit(d, 1, N_CASES);
	use_keys(d, sealer(1, -1));
	start_ok(d);
	m = meta(d);
	assert_true(m.sealed && m.pending && m.pending_plain);
	assert_int_equal(get_case(d, 2, &r), 0); /* a legacy record */
	caserec_release(&r);
	submit(d, N_CASES + 1, 1);
	assert_int_equal(verify_bad(d, NULL), 0); /* plain and sealed entries together */
	run_pass(d, &t);
	assert_int_equal(t.cases, N_CASES);
	assert_int_equal(t.entries, N_CASES);
	assert_false(meta(d).pending);
	assert_all_current(d, N_CASES + 1);
	assert_int_equal(verify_bad(d, NULL), 0);
	assert_int_equal(verify_bad(d, d->st.seal), 0);
}

/* a damaged value is left alone and keeps the pass from declaring the old key unneeded */
static void test_a_damaged_value_is_left_and_the_old_key_stays_needed(void **state)
{
	struct dstore *d = *state;
	struct reseal_step t;
	uint8_t key[8], *v;
	size_t len;

	start_ok(d);
	submit(d, 1, 3);
	store_be64(key, 2);
	raw_get(d, DB_JOURNAL, key, 8, &v, &len);
	v[len - 1] ^= 0x20; /* the event's bytes no longer match the chain's hash */
	raw_put(d, DB_JOURNAL, key, 8, v, len);
	free(v);
	use_keys(d, sealer(1, -1));
	start_ok(d);
	run_pass(d, &t);
	assert_int_equal(t.failed, 1);
	assert_int_equal(t.entries, 2);
	assert_true(meta(d).pending);
	assert_int_equal(verify_bad(d, NULL), 2);
}

/* a hole in the journal is not its end: the entries after it are still sealed again, and
 * the old key stays needed (review: the pass once stopped at the first missing seq and
 * declared every value current) */
static void test_a_missing_entry_is_not_the_end_of_the_journal(void **state)
{
	struct dstore *d = *state;
	struct reseal_step t;
	MDB_txn *txn = NULL;
	uint8_t key[8];

	start_ok(d);
	submit(d, 1, 3);
	store_be64(key, 2);
	assert_int_equal(store_begin(&d->st, false, &txn), 0);
	assert_int_equal(store_del(&d->st, txn, DB_JOURNAL, key, 8), 0);
	assert_int_equal(store_commit(&txn), 0);
	use_keys(d, sealer(1, -1));
	start_ok(d);
	run_pass(d, &t);
	assert_int_equal(t.entries, 2); /* 1 and 3 */
	assert_int_equal(t.failed, 1);
	assert_true(meta(d).pending);
}

/* retention's disposed entries have no bytes to seal */
static void test_a_disposed_entry_is_skipped(void **state)
{
	struct dstore *d = *state;
	struct reseal_step t;
	MDB_txn *txn = NULL;

	start_ok(d);
	submit(d, 1, 2);
	assert_int_equal(store_begin(&d->st, false, &txn), 0);
	assert_int_equal(journal_dispose(&d->st, txn, 1), 0);
	assert_int_equal(store_commit(&txn), 0);
	use_keys(d, sealer(1, -1));
	start_ok(d);
	run_pass(d, &t);
	assert_int_equal(t.entries, 1);
	assert_int_equal(t.failed, 0);
	assert_false(meta(d).pending);
	assert_int_equal(verify_bad(d, NULL), 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_sealed_store_file_holds_no_marker_and_cases_read_back),
	    T(test_unsealed_store_file_shows_the_marker),
	    T(test_without_the_key_a_sealed_case_is_keyrejected),
	    T(test_a_record_moved_to_another_case_does_not_open),
	    T(test_any_flipped_byte_of_a_sealed_entry_is_found_without_the_key),
	    T(test_a_whole_blob_swapped_in_is_found_with_the_key),
	    T(test_a_blob_under_a_key_the_store_never_used_is_found_by_the_daemon),
	    T(test_the_anonymous_id_key_survives_restarts_and_rotation),
	    T(test_anonymous_ids_from_before_sealing_are_still_found),
	    T(test_a_store_sealed_before_any_anonymous_referral_is_not_marked),
	    T(test_start_refuses_a_store_it_cannot_read_naming_the_key),
	    T(test_after_a_rotation_the_old_key_is_needed_until_the_pass_ends),
	    T(test_turning_sealing_on_reads_plain_records_and_the_pass_seals_them),
	    T(test_a_damaged_value_is_left_and_the_old_key_stays_needed),
	    T(test_a_disposed_entry_is_skipped),
	    T(test_a_missing_entry_is_not_the_end_of_the_journal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
