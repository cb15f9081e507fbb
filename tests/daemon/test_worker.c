/* worker: the loop over a time-ordered index (DESIGN.md "How data flows", step 5: "the worker
 * sleeps exactly until then (no polling loop), and is woken when the reactor adds an earlier
 * one"). The clock is injected; every wait on the thread is bounded by WAIT_CAP_MS, and no
 * test depends on a sleep being long enough. */
#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "store/dlindex.h"
#include "dtest.h"
#include "workers/worker.h"

#define MAP         (1u << 20)
#define MAP_MAX     (1u << 24)
#define WAIT_CAP_MS 5000               /* the longest any test waits for the thread */
#define FAR_MS      (86400000ull * 30) /* a sleep no test could sit out */
#define MS          1000000L           /* ns */

/* ---- fixtures -------------------------------------------------------------------------- */

static _Atomic uint64_t fake_now;

static uint64_t fake_clock(void *arg)
{
	(void)arg;
	return atomic_load(&fake_now);
}

struct wt {
	struct dstore d;
	struct worker w;
	int efd;
};

static int setup(void **state)
{
	struct wt *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	dstore_open(&t->d, "worker", MAP, MAP_MAX);
	t->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	assert_true(t->efd >= 0);
	atomic_store(&fake_now, NOW_MS);
	t->w = (struct worker){.name = "deadline",
			       .db = DB_TIMERS,
			       .st = &t->d.st,
			       .post_fd = t->efd,
			       .post_max = WORKER_POST_MAX,
			       .clock = fake_clock};
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct wt *t = *state;

	worker_stop(&t->w);
	close(t->efd);
	dstore_close(&t->d);
	free(t);
	return 0;
}

static void put_entry(struct store *st, enum store_db db, uint64_t t, const char *ref,
		      unsigned kind)
{
	uint8_t key[DLX_KEY_MAX];
	size_t klen = dlindex_key(key, t, ref, kind);
	MDB_txn *txn;

	assert_int_equal(store_begin(st, false, &txn), 0);
	assert_int_equal(store_put(st, txn, db, key, klen, "", 0), 0);
	assert_int_equal(store_commit(&txn), 0);
}

static void del_entry(struct store *st, enum store_db db, uint64_t t, const char *ref,
		      unsigned kind)
{
	uint8_t key[DLX_KEY_MAX];
	size_t klen = dlindex_key(key, t, ref, kind);
	MDB_txn *txn;

	assert_int_equal(store_begin(st, false, &txn), 0);
	assert_int_equal(store_del(st, txn, db, key, klen), 0);
	assert_int_equal(store_commit(&txn), 0);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Waits (at most WAIT_CAP_MS) for the worker to post, as the reactor's poll would; returns
 * whether it did, and drains the eventfd. */
static bool wait_posted(int efd)
{
	struct pollfd p = {.fd = efd, .events = POLLIN};
	uint64_t v;

	if (poll(&p, 1, WAIT_CAP_MS) != 1)
		return false;
	assert_int_equal(read(efd, &v, sizeof(v)), sizeof(v));
	return true;
}

/* Whether the worker has posted since the eventfd was last drained, without waiting. */
static bool posted_now(int efd)
{
	uint64_t v;

	if (read(efd, &v, sizeof(v)) == sizeof(v))
		return true;
	assert_int_equal(errno, EAGAIN);
	return false;
}

static uint64_t scans_of(struct worker *w)
{
	uint64_t n;

	pthread_mutex_lock(&w->mu);
	n = w->scans;
	pthread_mutex_unlock(&w->mu);
	return n;
}

/* Waits (bounded) until the worker has finished at least `n` scans. A scan's post or sleep
 * starts in the same critical section that counts it, so once this returns the worker is
 * waiting on its condvar, and the eventfd already says whether that scan posted. */
static void wait_scans(struct worker *w, uint64_t n)
{
	uint64_t until = mono_ms() + WAIT_CAP_MS;
	struct timespec tick = {0, MS};

	while (scans_of(w) < n) {
		if (mono_ms() > until)
			fail_msg("worker did %llu scans in %d ms, expected %llu",
				 (unsigned long long)scans_of(w), WAIT_CAP_MS,
				 (unsigned long long)n);
		nanosleep(&tick, NULL);
	}
}

/* Runs fn(arg) on a thread and reports whether it returned within WAIT_CAP_MS (a deadlock
 * fails the test instead of hanging it). */
static bool returns_promptly(void *(*fn)(void *), void *arg)
{
	struct timespec until;
	pthread_t th;

	assert_int_equal(pthread_create(&th, NULL, fn, arg), 0);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += WAIT_CAP_MS / 1000;
	return pthread_timedjoin_np(th, NULL, &until) == 0;
}

static void *stop_fn(void *arg)
{
	worker_stop(arg);
	return NULL;
}

/* ---- the scan -------------------------------------------------------------------------- */

/* "the index due_at|case|kind gives the next due item": due entries come back in time order
 * whatever order they were written in, and the first later one gives the wake-up time. */
static void test_design_scan_returns_due_entries_in_time_order_and_the_next_time(void **state)
{
	struct wt *t = *state;
	struct work_item out[8];
	uint64_t next;

	put_entry(&t->d.st, DB_TIMERS, NOW_MS - 1000, "NA-2026-000002", DL_INTERVIEW);
	put_entry(&t->d.st, DB_TIMERS, NOW_MS + 5000, "NA-2026-000001", DL_SERVICE);
	put_entry(&t->d.st, DB_TIMERS, NOW_MS - 9000, "NA-2026-000003", DL_MANAGER_REVIEW);
	put_entry(&t->d.st, DB_TIMERS, NOW_MS, "NA-2026-000001", DL_PSD_ASSESSMENT);

	assert_int_equal(worker_scan(&t->w, NOW_MS, out, 8, &next), 3);
	assert_int_equal(out[0].t, NOW_MS - 9000);
	assert_string_equal(out[0].ref, "NA-2026-000003");
	assert_int_equal(out[0].kind, DL_MANAGER_REVIEW);
	assert_int_equal(out[0].db, DB_TIMERS);
	assert_int_equal(out[1].t, NOW_MS - 1000);
	assert_string_equal(out[1].ref, "NA-2026-000002");
	assert_int_equal(out[2].t, NOW_MS); /* due at now is due */
	assert_int_equal(out[2].kind, DL_PSD_ASSESSMENT);
	assert_int_equal(next, NOW_MS + 5000);

	/* nothing later: no wake-up time */
	assert_int_equal(worker_scan(&t->w, NOW_MS + 5000, out, 8, &next), 4);
	assert_int_equal(next, UINT64_MAX);
}

/* WORKER_POST_MAX "entries handed over at once": a scan returns at most max, and reports the
 * first one it left (still due) as the next time. */
static void test_design_scan_returns_at_most_max(void **state)
{
	struct wt *t = *state;
	struct work_item out[2];
	uint64_t next;

	for (int i = 0; i < 5; i++)
		put_entry(&t->d.st, DB_TIMERS, NOW_MS - 5000 + (uint64_t)i, "NA-2026-000001",
			  DL_INTERVIEW);
	assert_int_equal(worker_scan(&t->w, NOW_MS, out, 2, &next), 2);
	assert_int_equal(out[0].t, NOW_MS - 5000);
	assert_int_equal(out[1].t, NOW_MS - 4999);
	assert_int_equal(next, NOW_MS - 4998);
}

/* The escalation index has no kind (DLX_NO_KIND); a key that is not an index key is skipped,
 * not handed over, and does not hide the entries after it. */
static void test_design_scan_skips_keys_that_do_not_parse(void **state)
{
	struct wt *t = *state;
	struct work_item out[4];
	uint64_t next;
	MDB_txn *txn;
	uint8_t junk[3] = {0, 0, 1};

	t->w.db = DB_ESCALATIONS;
	assert_int_equal(store_begin(&t->d.st, false, &txn), 0);
	assert_int_equal(store_put(&t->d.st, txn, DB_ESCALATIONS, junk, sizeof(junk), "", 0), 0);
	assert_int_equal(store_commit(&txn), 0);
	put_entry(&t->d.st, DB_ESCALATIONS, NOW_MS - 10, "NA-2026-000007", DLX_NO_KIND);

	assert_int_equal(worker_scan(&t->w, NOW_MS, out, 4, &next), 1);
	assert_string_equal(out[0].ref, "NA-2026-000007");
	assert_int_equal(out[0].kind, DLX_NO_KIND);
	assert_int_equal(out[0].db, DB_ESCALATIONS);
	assert_int_equal(next, UINT64_MAX);
}

/* ---- the thread ------------------------------------------------------------------------ */

/* worker.h: "once it has posted a handful of due entries it waits until the reactor says they
 * are applied, so nothing is handed over twice"; worker_done makes it scan again, and an entry
 * the reactor left in place (found stale, say) is simply posted again. */
static void test_design_post_take_done_cycle(void **state)
{
	struct wt *t = *state;
	struct work_item got[WORKER_POST_MAX];
	uint64_t scans;

	put_entry(&t->d.st, DB_TIMERS, NOW_MS - 2000, "NA-2026-000001", DL_SERVICE);
	put_entry(&t->d.st, DB_TIMERS, NOW_MS - 1000, "NA-2026-000002", DL_SERVICE);
	assert_int_equal(worker_start(&t->w), 0);

	assert_true(wait_posted(t->efd));
	assert_int_equal(worker_take(&t->w, got, WORKER_POST_MAX), 2);
	assert_string_equal(got[0].ref, "NA-2026-000001");
	assert_string_equal(got[1].ref, "NA-2026-000002");
	/* taken, not done: nothing is left to take, and a kick does not hand them over again */
	worker_kick(&t->w);
	assert_int_equal(worker_take(&t->w, got, WORKER_POST_MAX), 0);

	/* the reactor applies the first (its timer goes) and finds the second stale */
	del_entry(&t->d.st, DB_TIMERS, NOW_MS - 2000, "NA-2026-000001", DL_SERVICE);
	scans = scans_of(&t->w);
	worker_done(&t->w);
	assert_true(wait_posted(t->efd));
	assert_true(scans_of(&t->w) > scans);
	assert_int_equal(worker_take(&t->w, got, WORKER_POST_MAX), 1);
	assert_string_equal(got[0].ref, "NA-2026-000002");

	/* applied: the index is empty, the worker scans and sleeps without posting */
	del_entry(&t->d.st, DB_TIMERS, NOW_MS - 1000, "NA-2026-000002", DL_SERVICE);
	scans = scans_of(&t->w);
	worker_done(&t->w);
	wait_scans(&t->w, scans + 1);
	assert_false(posted_now(t->efd));
}

/* "is woken when the reactor adds an earlier one": the worker sleeps for an entry a month
 * away; an earlier entry and a kick get it posted at once, long before that month. */
static void test_design_kick_wakes_a_sleeping_worker_for_an_earlier_entry(void **state)
{
	struct wt *t = *state;
	struct work_item got[WORKER_POST_MAX];
	uint64_t started;

	put_entry(&t->d.st, DB_TIMERS, NOW_MS + FAR_MS, "NA-2026-000009", DL_ANNUAL_REVIEW);
	assert_int_equal(worker_start(&t->w), 0);
	wait_scans(&t->w, 1); /* asleep until NOW_MS + FAR_MS */
	assert_false(posted_now(t->efd));

	put_entry(&t->d.st, DB_TIMERS, NOW_MS - 1, "NA-2026-000004", DL_MANAGER_REVIEW);
	started = mono_ms();
	worker_kick(&t->w);
	assert_true(wait_posted(t->efd));
	assert_true(mono_ms() - started < FAR_MS);
	assert_int_equal(worker_take(&t->w, got, WORKER_POST_MAX), 1);
	assert_string_equal(got[0].ref, "NA-2026-000004");
	assert_int_equal(got[0].kind, DL_MANAGER_REVIEW);
	assert_int_equal(atomic_load(&fake_now), NOW_MS); /* the clock never reached FAR_MS */
}

/* "the worker sleeps exactly until then": with nothing due it sleeps for the distance to the
 * next entry and, with no kick, wakes to post it once the clock reaches it. */
static void test_design_worker_wakes_by_itself_at_the_next_time(void **state)
{
	struct wt *t = *state;
	struct work_item got[WORKER_POST_MAX];
	enum { STEP_MS = 50 };

	put_entry(&t->d.st, DB_TIMERS, NOW_MS + STEP_MS, "NA-2026-000005", DL_SERVICE);
	assert_int_equal(worker_start(&t->w), 0);
	wait_scans(&t->w, 1);
	assert_false(posted_now(t->efd)); /* not due yet */

	atomic_store(&fake_now, NOW_MS + STEP_MS);
	assert_true(wait_posted(t->efd));
	assert_int_equal(worker_take(&t->w, got, WORKER_POST_MAX), 1);
	assert_int_equal(got[0].t, NOW_MS + STEP_MS);
}

/* A kick that lands while the worker scans is not lost: it scans again before sleeping. An
 * entry written and kicked at any moment is therefore always posted. */
static void test_design_no_kick_is_lost(void **state)
{
	struct wt *t = *state;
	struct work_item got[WORKER_POST_MAX];
	char ref[PROTO_CASE_MAX + 1];
	enum { ROUNDS = 50 };

	assert_int_equal(worker_start(&t->w), 0);
	for (int i = 0; i < ROUNDS; i++) {
		snprintf(ref, sizeof(ref), "NA-2026-%06d", i + 1);
		put_entry(&t->d.st, DB_TIMERS, NOW_MS - 1, ref, DL_SERVICE);
		worker_kick(&t->w);
		assert_true(wait_posted(t->efd));
		assert_int_equal(worker_take(&t->w, got, WORKER_POST_MAX), 1);
		assert_string_equal(got[0].ref, ref);
		del_entry(&t->d.st, DB_TIMERS, NOW_MS - 1, ref, DL_SERVICE);
		worker_done(&t->w);
	}
}

/* Stopping never waits for a sleep to end: neither an untimed one (an empty index) nor a timed
 * one a month long, nor a worker waiting for the reactor to finish what it posted. */
static void test_design_stop_while_sleeping_joins_promptly(void **state)
{
	struct wt *t = *state;

	assert_int_equal(worker_start(&t->w), 0);
	wait_scans(&t->w, 1);
	assert_true(returns_promptly(stop_fn, &t->w));
	assert_false(t->w.started);

	put_entry(&t->d.st, DB_TIMERS, NOW_MS + FAR_MS, "NA-2026-000001", DL_ANNUAL_REVIEW);
	assert_int_equal(worker_start(&t->w), 0);
	wait_scans(&t->w, 1);
	assert_true(returns_promptly(stop_fn, &t->w));

	put_entry(&t->d.st, DB_TIMERS, NOW_MS - 1, "NA-2026-000002", DL_SERVICE);
	assert_int_equal(worker_start(&t->w), 0);
	assert_true(wait_posted(t->efd)); /* posted, never taken */
	assert_true(returns_promptly(stop_fn, &t->w));
}

static void test_design_stop_of_a_worker_never_started_is_safe(void **state)
{
	struct wt *t = *state;

	worker_stop(&t->w);
	assert_false(t->w.started);
	t->w.post_max = WORKER_POST_MAX + 1;
	assert_int_equal(worker_start(&t->w), -EINVAL);
	assert_false(t->w.started);
}

static void *grow_fn(void *arg)
{
	struct store *st = arg;

	assert_int_equal(store_grow(st), 0);
	return NULL;
}

/* store.h: the map grows only while no transaction of the process is open. The reactor grows
 * it while the worker holds posted items, and while the worker rescans (each worker_done
 * starts a scan that races the grow); every grow returns, and the worker keeps working on
 * the grown map. */
static void test_design_map_grow_while_the_worker_runs_does_not_deadlock(void **state)
{
	struct wt *t = *state;
	struct work_item got[WORKER_POST_MAX];

	put_entry(&t->d.st, DB_TIMERS, NOW_MS - 1, "NA-2026-000001", DL_SERVICE);
	assert_int_equal(worker_start(&t->w), 0);
	assert_true(wait_posted(t->efd)); /* holding its post */
	assert_true(returns_promptly(grow_fn, &t->d.st));
	assert_int_equal(t->d.st.map_size, MAP * 2);

	while (t->d.st.map_size < MAP_MAX) {
		assert_int_equal(worker_take(&t->w, got, WORKER_POST_MAX), 1);
		worker_done(&t->w); /* the entry is still there: it rescans and posts it again */
		assert_true(returns_promptly(grow_fn, &t->d.st));
		assert_true(wait_posted(t->efd));
	}

	/* still working on the grown map */
	put_entry(&t->d.st, DB_TIMERS, NOW_MS - 1, "NA-2026-000002", DL_SERVICE);
	worker_take(&t->w, got, WORKER_POST_MAX);
	worker_done(&t->w);
	assert_true(wait_posted(t->efd));
	assert_int_equal(worker_take(&t->w, got, WORKER_POST_MAX), 2);
	assert_string_equal(got[1].ref, "NA-2026-000002");
}

/* An entry the reactor left in the index (its case needs a key this daemon does not hold) is
 * held back: later scans skip it instead of handing it over for ever, and the entries after
 * it still come. */
static void test_a_held_entry_is_skipped_by_later_scans(void **state)
{
	struct wt *t = *state;
	struct work_item out[8];
	uint64_t next;

	put_entry(&t->d.st, DB_TIMERS, NOW_MS - 3000, "NA-2026-000001", DL_SERVICE);
	put_entry(&t->d.st, DB_TIMERS, NOW_MS - 2000, "NA-2026-000002", DL_SERVICE);
	put_entry(&t->d.st, DB_TIMERS, NOW_MS + 5000, "NA-2026-000003", DL_SERVICE);
	assert_int_equal(worker_scan(&t->w, NOW_MS, out, 1, &next), 1);
	assert_string_equal(out[0].ref, "NA-2026-000001");
	pthread_mutex_init(&t->w.mu, NULL); /* the thread is not started: its lock alone */
	assert_int_equal(worker_hold(&t->w, &out[0]), 0);
	assert_int_equal(worker_hold(&t->w, &out[0]), 0); /* once */
	assert_int_equal(t->w.n_held, 1);
	pthread_mutex_destroy(&t->w.mu);
	assert_int_equal(worker_scan(&t->w, NOW_MS, out, 1, &next), 1);
	assert_string_equal(out[0].ref, "NA-2026-000002");
	assert_int_equal(worker_scan(&t->w, NOW_MS, out, 8, &next), 1);
	assert_int_equal(next, NOW_MS + 5000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		test_design_scan_returns_due_entries_in_time_order_and_the_next_time, setup,
		teardown),
	    cmocka_unit_test_setup_teardown(test_design_scan_returns_at_most_max, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_a_held_entry_is_skipped_by_later_scans, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_design_scan_skips_keys_that_do_not_parse, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_design_post_take_done_cycle, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_design_kick_wakes_a_sleeping_worker_for_an_earlier_entry, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_design_worker_wakes_by_itself_at_the_next_time,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_design_no_kick_is_lost, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_design_stop_while_sleeping_joins_promptly, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_design_stop_of_a_worker_never_started_is_safe,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_design_map_grow_while_the_worker_runs_does_not_deadlock, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
