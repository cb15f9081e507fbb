/* wal: the write-ahead log's framing, replay to the first record that does not continue the
 * log (saying where), and segment reuse only once LMDB's durable commit covers a segment. */
#include "dtest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "security/seal.h"
#include "store/wal.h"

#define SEG (64u << 10)

struct seen {
	uint64_t seqs[4096];
	size_t n;
	bool bad;
};

/* Each payload is "rec-SEQ": replay checks it arrives whole under its own seq. */
static int on_rec(void *ctx, uint64_t seq, const uint8_t *p, size_t len)
{
	struct seen *s = ctx;
	char want[32];
	int n = snprintf(want, sizeof(want), "rec-%llu", (unsigned long long)seq);
	if ((size_t)n != len || memcmp(p, want, len) != 0)
		s->bad = true;
	if (s->n < 4096)
		s->seqs[s->n++] = seq;
	return 0;
}

static void write_recs(struct wal *w, uint64_t from, uint64_t to)
{
	for (uint64_t i = from; i <= to; i++) {
		char p[32];
		int n = snprintf(p, sizeof(p), "rec-%llu", (unsigned long long)i);
		uint64_t seq;
		assert_int_equal(wal_append(w, p, (size_t)n, &seq), 0);
		assert_int_equal(seq, i);
	}
	assert_int_equal(wal_flush(w), 0);
}

static struct wal *open_log(const char *dir, uint64_t after, struct seen *s, struct wal_stop *st,
			    const struct seal *seal)
{
	struct wal_opts o = {.segment_bytes = SEG, .seal = seal};
	struct wal *w = NULL;
	memset(s, 0, sizeof(*s));
	assert_int_equal(wal_open(&w, dir, &o, after, on_rec, s, st), 0);
	assert_false(s->bad);
	return w;
}

static void test_records_replay_in_order_past_the_applied_seq(void **state)
{
	(void)state;
	char dir[PATH_MAX];
	dtest_fresh_dir("wal-order", dir);
	struct seen s;
	struct wal_stop st;
	struct wal *w = open_log(dir, 0, &s, &st, NULL);
	assert_int_equal(s.n, 0);
	write_recs(w, 1, 100);
	wal_close(&w);
	w = open_log(dir, 40, &s, &st, NULL);
	assert_int_equal(s.n, 60);
	assert_int_equal(s.seqs[0], 41);
	assert_int_equal(s.seqs[59], 100);
	assert_int_equal(st.why, WAL_STOP_END);
	assert_int_equal(st.last_seq, 100);
	/* the writer goes on after the last record */
	write_recs(w, 101, 110);
	wal_close(&w);
	w = open_log(dir, 0, &s, &st, NULL);
	assert_int_equal(s.n, 110);
	wal_close(&w);
}

/* The file and offset where record seq's frame starts (the test's records are small and in
 * one segment: walks the frames). */
static uint64_t frame_off(const char *path, uint64_t seq)
{
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	uint64_t off = 0;
	for (;;) {
		uint8_t h[WAL_REC_HDR];
		assert_int_equal(pread(fd, h, sizeof(h), (off_t)off), (ssize_t)sizeof(h));
		uint32_t len;
		uint64_t s;
		memcpy(&len, h, 4);
		memcpy(&s, h + 8, 8);
		if (s == seq)
			break;
		off += (WAL_REC_HDR + len + 7) & ~7u;
	}
	close(fd);
	return off;
}

/* Damage at every byte of the last three records: replay keeps every record before the
 * damaged one, stops there and names the place; the log is then written on past it. */
static void test_damage_at_every_offset_of_the_tail_stops_replay_there(void **state)
{
	(void)state;
	char dir[PATH_MAX], seg[PATH_MAX + 32], copy[PATH_MAX + 64];
	dtest_fresh_dir("wal-damage", dir);
	struct seen s;
	struct wal_stop st;
	struct wal *w = open_log(dir, 0, &s, &st, NULL);
	write_recs(w, 1, 50);
	wal_close(&w);
	snprintf(seg, sizeof(seg), "%s/%016x.wal", dir, 1);
	snprintf(copy, sizeof(copy), "%s.orig", seg);
	char cmd[3 * PATH_MAX + 256];
	snprintf(cmd, sizeof(cmd), "cp %s %s", seg, copy);
	assert_int_equal(system(cmd), 0);
	uint64_t from = frame_off(seg, 48), o49 = frame_off(seg, 49), o50 = frame_off(seg, 50);
	uint64_t end = o50 + WAL_REC_HDR + 6; /* "rec-50" */
	for (uint64_t off = from; off < end; off++) {
		if ((off - from) % 40 >= WAL_REC_HDR + 6)
			continue; /* padding: every frame here is 40 bytes, "rec-NN" and two */
		snprintf(cmd, sizeof(cmd), "cp %s %s", copy, seg);
		assert_int_equal(system(cmd), 0);
		int fd = open(seg, O_RDWR);
		uint8_t b;
		assert_int_equal(pread(fd, &b, 1, (off_t)off), 1);
		b ^= 0x5a;
		assert_int_equal(pwrite(fd, &b, 1, (off_t)off), 1);
		close(fd);
		uint64_t hit = off < o49 ? 48 : off < o50 ? 49 : 50;
		w = open_log(dir, 0, &s, &st, NULL);
		assert_int_equal(s.n, hit - 1);
		assert_int_equal(st.last_seq, hit - 1);
		assert_int_equal(st.offset, frame_off(copy, hit));
		assert_string_equal(st.segment, "0000000000000001.wal");
		assert_int_equal(st.why, hit == 50 ? WAL_STOP_TORN : WAL_STOP_CORRUPT);
		if (hit < 50)
			assert_int_equal(st.lost_seq, hit + 1);
		/* written on past the damage: seqs continue from the last whole record */
		uint64_t seq;
		assert_int_equal(wal_append(w, "x", 1, &seq), 0);
		assert_int_equal(seq, hit);
		wal_close(&w);
	}
}

/* A log cut at every length in its last record: the records before it replay, none torn. */
static void test_truncated_tail_keeps_the_whole_records(void **state)
{
	(void)state;
	char dir[PATH_MAX], seg[PATH_MAX + 32];
	dtest_fresh_dir("wal-trunc", dir);
	struct seen s;
	struct wal_stop st;
	struct wal *w = open_log(dir, 0, &s, &st, NULL);
	write_recs(w, 1, 20);
	wal_close(&w);
	snprintf(seg, sizeof(seg), "%s/%016x.wal", dir, 1);
	uint64_t last = frame_off(seg, 20);
	for (uint64_t cut = last + WAL_REC_HDR + 6; cut > last; cut--) {
		/* zeros past the cut, as a preallocated segment holds them */
		int fd = open(seg, O_RDWR);
		uint8_t z[64] = {0};
		assert_int_equal(pwrite(fd, z, sizeof(z), (off_t)cut - 1), (ssize_t)sizeof(z));
		close(fd);
		w = open_log(dir, 0, &s, &st, NULL);
		assert_int_equal(s.n, 19);
		assert_int_not_equal(st.why, WAL_STOP_CORRUPT);
		assert_int_equal(st.offset, last);
		wal_close(&w);
	}
}

/* Segments fill and the writer moves on; the oldest is reused only once wal_applied covers
 * all of it, and replay crosses segments. */
static void test_segment_reused_only_once_lmdb_covers_it(void **state)
{
	(void)state;
	char dir[PATH_MAX];
	dtest_fresh_dir("wal-reuse", dir);
	struct seen s;
	struct wal_stop st;
	struct wal *w = open_log(dir, 0, &s, &st, NULL);
	char big[8000];
	memset(big, 'b', sizeof(big));
	uint64_t seq = 0;
	struct wal_stats ws;
	/* 8 records of ~8 KB per 64 KiB segment: 40 records fill five segments */
	for (int i = 0; i < 40; i++)
		assert_int_equal(wal_append(w, big, sizeof(big), &seq), 0);
	assert_int_equal(wal_flush(w), 0);
	wal_stats(w, &ws);
	assert_int_equal(ws.segments, 5);
	assert_int_equal(ws.flushed_seq, 40);
	/* nothing applied: the next segment is new */
	for (int i = 0; i < 8; i++)
		assert_int_equal(wal_append(w, big, sizeof(big), &seq), 0);
	wal_stats(w, &ws);
	assert_int_equal(ws.segments, 6);
	/* applied up to the first segment's last record (8): it is reused, renamed on */
	wal_applied(w, 8);
	for (int i = 0; i < 8; i++)
		assert_int_equal(wal_append(w, big, sizeof(big), &seq), 0);
	assert_int_equal(wal_flush(w), 0);
	wal_stats(w, &ws);
	assert_int_equal(ws.segments, 6);
	char gone[PATH_MAX + 32];
	snprintf(gone, sizeof(gone), "%s/%016x.wal", dir, 1);
	assert_int_equal(access(gone, F_OK), -1);
	wal_close(&w);
	/* a replay from LMDB's seq crosses every segment, the reused one's old records
	 * (now its tail) ignored */
	struct wal_opts o = {.segment_bytes = SEG};
	struct seen *cnt = calloc(1, sizeof(*cnt));
	assert_int_equal(wal_open(&w, dir, &o, 8, NULL, NULL, &st), 0);
	assert_int_equal(st.last_seq, seq);
	assert_int_equal(st.why, WAL_STOP_END);
	wal_close(&w);
	free(cnt);
	/* LMDB missing records the log no longer has: refused */
	assert_int_equal(wal_open(&w, dir, &o, 0, NULL, NULL, &st), -EPROTO);
}

static void test_sealed_log_replays_plain_and_holds_no_plain_text(void **state)
{
	(void)state;
	char dir[PATH_MAX], seg[PATH_MAX + 32];
	dtest_fresh_dir("wal-seal", dir);
	uint8_t key[SEAL_KEY_BYTES];
	memset(key, 7, sizeof(key));
	char err[KEYFILE_ERR_MAX];
	struct seal *sl = NULL;
	assert_int_equal(seal_new(&sl, key, NULL, err), 0);
	struct seen s;
	struct wal_stop st;
	struct wal *w = open_log(dir, 0, &s, &st, sl);
	write_recs(w, 1, 10);
	wal_close(&w);
	snprintf(seg, sizeof(seg), "%s/%016x.wal", dir, 1);
	FILE *f = fopen(seg, "rb");
	static char all[SEG];
	size_t n = fread(all, 1, sizeof(all), f);
	fclose(f);
	assert_null(memmem(all, n, "rec-", 4));
	w = open_log(dir, 0, &s, &st, sl);
	assert_int_equal(s.n, 10);
	wal_close(&w);
	/* without the key it does not open */
	struct wal_opts o = {.segment_bytes = SEG};
	assert_int_equal(wal_open(&w, dir, &o, 0, on_rec, &s, &st), -EKEYREJECTED);
	seal_free(&sl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_records_replay_in_order_past_the_applied_seq),
	    cmocka_unit_test(test_damage_at_every_offset_of_the_tail_stops_replay_there),
	    cmocka_unit_test(test_truncated_tail_keeps_the_whole_records),
	    cmocka_unit_test(test_segment_reused_only_once_lmdb_covers_it),
	    cmocka_unit_test(test_sealed_log_replays_plain_and_holds_no_plain_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
