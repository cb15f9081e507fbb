/* bench_lmdb DIR BATCH SECONDS: the ceiling that LMDB itself puts on group commit. A plain
 * loop, no sockets, no codec: each write transaction takes BATCH events with the writes
 * the daemon makes for an accepted declaration (idempotency look-up, journal entry,
 * idempotency entry, new case, subject index) plus the per-batch meta updates, then
 * commits with the daemon's environment flags (default sync: one fsync per commit, as
 * [store] sync = full; MDB_NOTLS; 1 GiB map). Prints events/s and the latency of one
 * batch (puts + commit) at p50 and p99; with BATCH 1 the p99 is the yardstick for the
 * single-client ack latency. The environment is a fresh directory under DIR, removed at
 * the end. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lmdb.h>

#include "bench_util.h"

#define MAP_SIZE      (1ull << 30)
#define JOURNAL_BYTES 700 /* the event as received (~600 B), received time, chain link */
#define EVENT_BYTES   48  /* seq + BLAKE2b-256 of the bytes + spare */
#define CASE_BYTES    900 /* the case as MessagePack: subject, associate, history... */
#define ID_BYTES      36  /* a UUID as text */
#define SUBJECTS      5000

#define CHECK(expr)                                                                                \
	do {                                                                                       \
		int rc_ = (expr);                                                                  \
		if (rc_ != 0) {                                                                    \
			fprintf(stderr, "bench_lmdb: %s: %s\n", #expr, mdb_strerror(rc_));         \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	uint64_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static void put_be64(unsigned char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

/* A random UUID-shaped id: ids arrive in no order, so they land all over the index. */
static void make_id(char out[ID_BYTES + 1])
{
	static const char hex[] = "0123456789abcdef";
	uint64_t a = rng(), b = rng();
	for (int i = 0; i < ID_BYTES; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			out[i] = '-';
			continue;
		}
		uint64_t *src = i < 18 ? &a : &b;
		out[i] = hex[*src & 15];
		*src >>= 4;
	}
	out[ID_BYTES] = 0;
}

static void rm_env(const char *dir)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	unlink(path);
	rmdir(dir);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s DIR BATCH SECONDS\n", argv[0]);
		return 2;
	}
	unsigned batch = (unsigned)bench_arg_num("BATCH", argv[2], 1, 100000);
	double seconds = bench_arg_num("SECONDS", argv[3], 0.1, 600);

	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/bench_lmdb.XXXXXX", argv[1]);
	if (!mkdtemp(dir)) {
		fprintf(stderr, "bench_lmdb: cannot create a directory in %s: %m\n", argv[1]);
		return 1;
	}

	MDB_env *env;
	CHECK(mdb_env_create(&env));
	CHECK(mdb_env_set_maxdbs(env, 16));
	CHECK(mdb_env_set_mapsize(env, MAP_SIZE));
	CHECK(mdb_env_open(env, dir, MDB_NOTLS, 0600));

	MDB_dbi journal, events, cases, by_subject, meta;
	MDB_txn *txn;
	CHECK(mdb_txn_begin(env, NULL, 0, &txn));
	CHECK(mdb_dbi_open(txn, "journal", MDB_CREATE, &journal));
	CHECK(mdb_dbi_open(txn, "events", MDB_CREATE, &events));
	CHECK(mdb_dbi_open(txn, "cases", MDB_CREATE, &cases));
	CHECK(mdb_dbi_open(txn, "by_subject", MDB_CREATE, &by_subject));
	CHECK(mdb_dbi_open(txn, "meta", MDB_CREATE, &meta));
	CHECK(mdb_txn_commit(txn));

	static unsigned char journal_val[JOURNAL_BYTES], event_val[EVENT_BYTES],
	    case_val[CASE_BYTES], head[32];
	for (size_t i = 0; i < sizeof(case_val); i++)
		case_val[i] = (unsigned char)rng();
	memcpy(journal_val, case_val, sizeof(journal_val));

	uint64_t seq = 0, case_no = 0;
	uint64_t warm_ns = (uint64_t)(seconds * 1e9 / 10);
	if (warm_ns > 500000000ull)
		warm_ns = 500000000ull;
	uint64_t run_ns = (uint64_t)(seconds * 1e9);
	struct bench_samples lat = {0}, sync_lat = {0};
	uint64_t t0 = bench_now_ns(), start = 0, measured_events = 0;
	for (;;) {
		uint64_t b0 = bench_now_ns();
		if (!start && b0 - t0 >= warm_ns)
			start = b0;
		if (start && b0 - start >= run_ns)
			break;

		CHECK(mdb_txn_begin(env, NULL, 0, &txn));
		for (unsigned i = 0; i < batch; i++) {
			char id[ID_BYTES + 1], ref[16], subj[40];
			unsigned char seq_key[8];
			MDB_val k, v;

			/* idempotency: is the id known? (it never is here) */
			make_id(id);
			k = (MDB_val){ID_BYTES, id};
			int rc = mdb_get(txn, events, &k, &v);
			if (rc != MDB_NOTFOUND)
				CHECK(rc ? rc : MDB_KEYEXIST);

			seq++;
			put_be64(seq_key, seq);
			memcpy(journal_val, &seq, sizeof(seq));
			k = (MDB_val){8, seq_key};
			v = (MDB_val){JOURNAL_BYTES, journal_val};
			CHECK(mdb_put(txn, journal, &k, &v, 0));

			put_be64(event_val, seq);
			k = (MDB_val){ID_BYTES, id};
			v = (MDB_val){EVENT_BYTES, event_val};
			CHECK(mdb_put(txn, events, &k, &v, 0));

			case_no++;
			snprintf(ref, sizeof(ref), "NA-2026-%06u", (unsigned)(case_no % 1000000));
			memcpy(case_val, &case_no, sizeof(case_no));
			k = (MDB_val){14, ref};
			v = (MDB_val){CASE_BYTES, case_val};
			CHECK(mdb_put(txn, cases, &k, &v, 0));

			/* subject id (16 B, padded) + case reference (14 B) */
			snprintf(subj, sizeof(subj), "%-16u%s", (unsigned)(rng() % SUBJECTS), ref);
			k = (MDB_val){30, subj};
			v = (MDB_val){0, NULL};
			CHECK(mdb_put(txn, by_subject, &k, &v, 0));
		}
		/* meta: journal seq, chain head, case counter */
		unsigned char be[8];
		MDB_val k, v;
		put_be64(be, seq);
		k = (MDB_val){11, "journal_seq"};
		v = (MDB_val){8, be};
		CHECK(mdb_put(txn, meta, &k, &v, 0));
		head[0] = (unsigned char)seq;
		k = (MDB_val){10, "chain_head"};
		v = (MDB_val){sizeof(head), head};
		CHECK(mdb_put(txn, meta, &k, &v, 0));
		put_be64(be, case_no);
		k = (MDB_val){12, "case_counter"};
		v = (MDB_val){8, be};
		CHECK(mdb_put(txn, meta, &k, &v, 0));
		uint64_t c0 = bench_now_ns();
		CHECK(mdb_txn_commit(txn));

		if (start) {
			uint64_t b1 = bench_now_ns();
			if (bench_samples_add(&lat, b1 - b0) < 0 ||
			    bench_samples_add(&sync_lat, b1 - c0) < 0)
				return 1;
			measured_events += batch;
		}
	}
	double elapsed = (double)(bench_now_ns() - start) / 1e9;

	MDB_envinfo info;
	MDB_stat st;
	mdb_env_info(env, &info);
	mdb_env_stat(env, &st);
	double bytes_per_event =
	    (double)(info.me_last_pgno + 1) * st.ms_psize / (double)(seq ? seq : 1);
	mdb_env_close(env);
	rm_env(dir);

	bench_samples_sort(&lat);
	bench_samples_sort(&sync_lat);
	double eps = (double)measured_events / elapsed;
	double p50 = bench_us(bench_pct(&lat, 50)), p99 = bench_us(bench_pct(&lat, 99));
	double c50 = bench_us(bench_pct(&sync_lat, 50));
	printf("LMDB batch %u: %.0f events/s, %.0f commits/s, batch p50 %.0f us (of which "
	       "mdb_txn_commit %.0f us), p99 %.0f us, %.0f store bytes/event\n",
	       batch, eps, (double)lat.n / elapsed, p50, c50, p99, bytes_per_event);
	printf("RESULT batch=%u events_per_s=%.0f commits_per_s=%.0f p50_us=%.1f p99_us=%.1f "
	       "commit_p50_us=%.1f bytes_per_event=%.0f\n",
	       batch, eps, (double)lat.n / elapsed, p50, p99, c50, bytes_per_event);
	bench_samples_free(&lat);
	bench_samples_free(&sync_lat);
	return 0;
}
