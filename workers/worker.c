/* worker: the loop that watches one time-ordered index (worker.h). One scan is a short read
 * transaction under the store's grow lock; everything else (posting, sleeping) happens with
 * no transaction open, so the reactor can grow the map whenever the worker is not scanning.
 *
 * Sleeping: the injected clock decides what is due; the distance to the next entry is turned
 * into an absolute CLOCK_REALTIME deadline for pthread_cond_timedwait (the condvar's default
 * clock). The due times are wall-clock instants, and a timed wait on CLOCK_REALTIME follows a
 * stepped clock, so the worker wakes when the wall clock reaches the entry. */
#include "workers/worker.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/dlindex.h"
#include "base/log.h"
#include "base/thread.h"
#include "base/walltime.h"

/* After a store error the scan is retried after a back-off that doubles from the first to
 * the last value: an I/O error is not spun on, and a transient one costs at most this. */
#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS   30000

#define THREAD_NAME_MAX 16 /* pthread_setname_np: 15 bytes and the NUL */

uint64_t worker_clock_real(void *arg)
{
	(void)arg;
	return walltime_ms();
}

/* ---- the scan ------------------------------------------------------------------------ */

static bool same_item(const struct work_item *a, const struct work_item *b)
{
	return a->t == b->t && a->kind == b->kind && strcmp(a->ref, b->ref) == 0;
}

static bool is_held(const struct worker *w, const struct work_item *it)
{
	for (size_t i = 0; i < w->n_held; i++)
		if (same_item(&w->held[i], it))
			return true;
	return false;
}

/* worker_scan, also counting the keys that do not parse (skipped) into *ret_bad. */
static int scan(struct worker *w, uint64_t now, struct work_item *out, size_t max,
		uint64_t *ret_next, size_t *ret_bad)
{
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	MDB_cursor_op op = MDB_FIRST;
	uint64_t next = UINT64_MAX;
	size_t n = 0, bad = 0;
	int rc, r;

	r = store_worker_begin(w->st, &txn);
	if (r < 0)
		return r;
	r = store_errno(mdb_cursor_open(txn, w->st->dbi[w->db], &cur));
	if (r < 0)
		goto out;
	for (; (rc = mdb_cursor_get(cur, &k, &v, op)) == 0; op = MDB_NEXT) {
		struct work_item it = {.db = w->db};

		if (dlindex_key_parse(k.mv_data, k.mv_size, &it.t, it.ref, &it.kind) < 0) {
			bad++;
			continue;
		}
		/* the first entry not returned: later than now, or past max */
		if (it.t > now || n == max) {
			next = it.t;
			break;
		}
		if (!is_held(w, &it))
			out[n++] = it;
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		r = store_errno(rc);
out:
	if (cur)
		mdb_cursor_close(cur);
	store_worker_end(w->st, &txn);
	if (r < 0)
		return r;
	*ret_next = next;
	*ret_bad = bad;
	return (int)n;
}

int worker_scan(struct worker *w, uint64_t now, struct work_item *out, size_t max,
		uint64_t *ret_next)
{
	size_t bad;

	return scan(w, now, out, max, ret_next, &bad);
}

/* ---- waiting ------------------------------------------------------------------------- */

/* With mu held: sleeps until kicked, stopped, or ms have passed (UINT64_MAX: no time
 * limit). A kick that came before the call returns at once: none is lost. */
static void sleep_locked(struct worker *w, uint64_t ms)
{
	struct timespec until;

	if (ms != UINT64_MAX)
		until = walltime_in(ms);
	while (!w->stop && !w->kicked) {
		if (ms == UINT64_MAX)
			pthread_cond_wait(&w->cv, &w->mu);
		else if (pthread_cond_timedwait(&w->cv, &w->mu, &until) == ETIMEDOUT)
			break;
	}
}

/* With mu held: hands the items to the reactor, wakes its poll, and waits until it has
 * applied them (worker_done) or the worker is stopped. */
static void post_locked(struct worker *w, const struct work_item *items, size_t n)
{
	uint64_t one = 1;

	memcpy(w->items, items, n * sizeof(*items));
	w->n_items = n;
	/* an eventfd write of 1 fails only on a bad fd or a counter near 2^64 */
	if (write(w->post_fd, &one, sizeof(one)) != (ssize_t)sizeof(one))
		log_errno(LOG_WARNING, -errno, "%s worker: cannot wake the reactor", w->name);
	while (!w->stop && (w->n_items > 0 || w->in_flight))
		pthread_cond_wait(&w->cv, &w->mu);
}

/* ---- the thread ---------------------------------------------------------------------- */

struct loop {
	struct work_item buf[WORKER_POST_MAX];
	size_t bad_logged; /* unparsable keys already reported */
	uint64_t backoff_ms;
};

/* Logs what a scan found wrong, once: a failure each time (with its back-off), unparsable
 * keys when their number changes. */
static void report_scan(struct worker *w, struct loop *L, int n, size_t bad)
{
	if (n < 0) {
		log_errno(LOG_ERR, n, "%s worker: scan failed, retrying in %llu ms", w->name,
			  (unsigned long long)L->backoff_ms);
		return;
	}
	if (bad != L->bad_logged)
		log_warn("%s worker: %zu keys of its index do not parse; skipped", w->name, bad);
	L->bad_logged = bad;
}

/* One turn: scan, then post or sleep. Returns false once stopped. */
static bool turn(struct worker *w, struct loop *L)
{
	uint64_t now, next;
	size_t bad = 0;
	int n;

	pthread_mutex_lock(&w->mu);
	w->kicked = false; /* a kick from here on forces another scan */
	pthread_mutex_unlock(&w->mu);

	now = w->clock(w->clock_arg);
	n = scan(w, now, L->buf, w->post_max, &next, &bad);
	report_scan(w, L, n, bad);

	pthread_mutex_lock(&w->mu);
	w->scans++;
	if (w->stop) {
		pthread_mutex_unlock(&w->mu);
		return false;
	}
	if (n < 0) {
		sleep_locked(w, L->backoff_ms);
		L->backoff_ms =
		    L->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : L->backoff_ms * 2;
	} else {
		L->backoff_ms = BACKOFF_FIRST_MS;
		if (n > 0)
			post_locked(w, L->buf, (size_t)n);
		else
			sleep_locked(w, next == UINT64_MAX ? UINT64_MAX : next - now);
	}
	pthread_mutex_unlock(&w->mu);
	return true;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	char name[THREAD_NAME_MAX];
	struct loop *L = calloc(1, sizeof(*L));

	snprintf(name, sizeof(name), "integ-%s", w->name);
	pthread_setname_np(pthread_self(), name);
	if (!L) {
		log_error("%s worker: out of memory", w->name);
		return NULL;
	}
	L->backoff_ms = BACKOFF_FIRST_MS;
	while (turn(w, L))
		;
	free(L);
	return NULL;
}

/* ---- the interface ------------------------------------------------------------------- */

int worker_start(struct worker *w)
{
	int r;

	if (w->post_max == 0 || w->post_max > WORKER_POST_MAX || !w->clock || !w->st)
		return -EINVAL;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	w->n_items = 0;
	w->in_flight = false;
	w->kicked = false;
	w->stop = false;
	w->scans = 0;
	w->n_held = 0;
	r = thread_start_quiet(&w->thread, worker_main, w);
	if (r != 0) {
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		return -r;
	}
	w->started = true;
	return 0;
}

void worker_stop(struct worker *w)
{
	if (!w->started)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	w->started = false;
}

size_t worker_take(struct worker *w, struct work_item *out, size_t max)
{
	size_t n;

	pthread_mutex_lock(&w->mu);
	n = w->n_items < max ? w->n_items : max;
	memcpy(out, w->items, n * sizeof(*out));
	/* any left over are still in the index: the rescan after worker_done finds them */
	w->n_items = 0;
	if (n > 0)
		w->in_flight = true;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return n;
}

void worker_done(struct worker *w)
{
	pthread_mutex_lock(&w->mu);
	w->in_flight = false;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

int worker_hold(struct worker *w, const struct work_item *it)
{
	int r = 0;

	pthread_mutex_lock(&w->mu);
	if (is_held(w, it))
		;
	else if (w->n_held < WORKER_HELD_MAX)
		w->held[w->n_held++] = *it;
	else
		r = -ENOSPC;
	pthread_mutex_unlock(&w->mu);
	return r;
}

void worker_kick(struct worker *w)
{
	pthread_mutex_lock(&w->mu);
	w->kicked = true;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}
