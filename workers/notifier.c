/* notifier: the outbox on PUB (notifier.h). The thread sleeps on its condvar until the
 * reactor says more is committed, then reads the new entries in short read transactions of
 * NOTIFY_CHUNK entries (under the store's grow lock, so never across a map resize) and sends
 * each as [topic][stored bytes] without blocking: whatever PUB cannot take is dropped and
 * counted, and the subscriber recovers it with notifications.since. */
#include "workers/notifier.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <zmq.h>

#include "policy/config.h"
#include "base/log.h"
#include "loop/router.h"
#include "store/outbox.h"
#include "base/thread.h"
#include "base/walltime.h"

/* Notifications queued per subscriber before PUB drops (ZMQ_SNDHWM): a burst of breaches
 * falling due together fits, a stalled subscriber does not grow the daemon without bound. */
#define NOTIFY_SNDHWM 10000
/* Outbox entries read per read transaction: keeps each one short, so a map grow waits for
 * at most this many sends. */
#define NOTIFY_CHUNK 256
/* After a store error the thread waits this long before reading again (not a spin). */
#define NOTIFY_RETRY_MS 1000

/* ---- the socket ---------------------------------------------------------------------- */

static void *open_pub(struct notifier *n, char *err, size_t errlen)
{
	/* LINGER 0 (router_open): stopping never waits for an absent subscriber */
	const struct router_opts o = {.sec = n->sec, .perm = n->perm, .sndhwm = NOTIFY_SNDHWM};

	return router_open(n->zctx, ZMQ_PUB, n->endpoints, "notify", &o, err, errlen);
}

/* ---- publishing ---------------------------------------------------------------------- */

struct pubstats {
	uint64_t sent;
	uint64_t dropped; /* refused by PUB (would block, or failed): counted, never waited for */
	uint64_t bad;     /* committed seqs that are missing, or whose bytes have no topic */
};

/* Sends one stored notification as [topic][bytes], never blocking. PUB itself drops
 * silently past its high-water mark; what it refuses is counted here. */
static void send_one(void *pub, const MDB_val *v, struct pubstats *ps)
{
	const char *topic;
	size_t tlen;

	if (outbox_topic(v->mv_data, v->mv_size, &topic, &tlen) < 0) {
		ps->bad++;
		return;
	}
	if (zmq_send(pub, topic, tlen, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
	    zmq_send(pub, v->mv_data, v->mv_size, ZMQ_DONTWAIT) < 0) {
		ps->dropped++;
		return;
	}
	ps->sent++;
}

/* Publishes the outbox entries after seq `after`, up to `upto`, at most NOTIFY_CHUNK, in one
 * short read transaction; *ret_done is the last seq handled. Seqs committed but not found
 * are counted as bad and passed over, so one lost entry cannot stall the rest. Returns 0 or
 * a negative errno. */
static int publish_chunk(struct notifier *n, uint64_t after, uint64_t upto, struct pubstats *ps,
			 uint64_t *ret_done)
{
	uint8_t key[8];
	MDB_val k = {sizeof(key), key}, v;
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	uint64_t done = after, seq = 0;
	int rc, r, i;

	*ret_done = after;
	r = store_worker_begin(n->st, &txn);
	if (r < 0)
		return r;
	r = store_errno(mdb_cursor_open(txn, n->st->dbi[DB_OUTBOX], &cur));
	if (r < 0)
		goto out;
	store_be64(key, after + 1);
	for (i = 0, rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 && i < NOTIFY_CHUNK;
	     i++, rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != sizeof(key)) {
			ps->bad++;
			continue;
		}
		seq = store_get_be64(k.mv_data);
		if (seq > upto)
			break;
		ps->bad += seq - done - 1; /* a gap: committed seqs that are not there */
		send_one(n->pub, &v, ps);
		done = seq;
	}
	if (rc != 0 && rc != MDB_NOTFOUND) {
		r = store_errno(rc);
		goto out;
	}
	/* the end of the outbox, or past upto, before upto was reached: the rest is missing */
	if ((rc == MDB_NOTFOUND || seq > upto) && done < upto) {
		ps->bad += upto - done;
		done = upto;
	}
out:
	if (cur)
		mdb_cursor_close(cur);
	store_worker_end(n->st, &txn);
	*ret_done = done;
	return r;
}

/* ---- the thread ---------------------------------------------------------------------- */

/* Logs what a pass went wrong with, once per pass: drops and missing entries. */
static void report_pass(const struct pubstats *before, const struct pubstats *now)
{
	if (now->dropped > before->dropped)
		log_warn("notify: %llu notifications dropped (%llu so far); subscribers recover "
			 "them with notifications.since",
			 (unsigned long long)(now->dropped - before->dropped),
			 (unsigned long long)now->dropped);
	if (now->bad > before->bad)
		log_error("notify: %llu committed notifications missing or unreadable in the "
			  "outbox; skipped",
			  (unsigned long long)(now->bad - before->bad));
}

/* With mu held: waits up to ms, or until stopped. */
static void pause_locked(struct notifier *n, uint64_t ms)
{
	const struct timespec until = walltime_in(ms);

	while (!n->stop && pthread_cond_timedwait(&n->cv, &n->mu, &until) != ETIMEDOUT)
		;
}

/* With mu held, and something committed that is not published: publishes one chunk with mu
 * released. Returns false when the thread must stop without the rest (a store error while
 * stopping). */
static bool pass_locked(struct notifier *n, struct pubstats *ps)
{
	uint64_t after = n->published, upto = n->committed, done;
	struct pubstats was = *ps;
	int r;

	pthread_mutex_unlock(&n->mu);
	r = publish_chunk(n, after, upto, ps, &done);
	report_pass(&was, ps);
	atomic_store(&n->sent_total, ps->sent);
	atomic_store(&n->dropped_total, ps->dropped);
	if (r < 0)
		log_errno(LOG_ERR, r, "notify: cannot read the outbox after seq %llu",
			  (unsigned long long)after);
	pthread_mutex_lock(&n->mu);
	n->published = done;
	if (r < 0 && n->stop)
		return false; /* the rest waits for notifications.since */
	if (r < 0)
		pause_locked(n, NOTIFY_RETRY_MS);
	return true;
}

static void *notifier_main(void *arg)
{
	struct notifier *n = arg;
	struct pubstats ps = {0};

	pthread_setname_np(pthread_self(), "integ-notify");
	pthread_mutex_lock(&n->mu);
	for (;;) {
		while (!n->stop && n->committed <= n->published)
			pthread_cond_wait(&n->cv, &n->mu);
		if (n->committed <= n->published)
			break; /* stopped, and everything committed is published */
		if (!pass_locked(n, &ps))
			break;
	}
	if (n->committed > n->published)
		log_warn("notify: stopped with seqs %llu to %llu unpublished",
			 (unsigned long long)n->published + 1, (unsigned long long)n->committed);
	pthread_mutex_unlock(&n->mu);
	log_info("notify: %llu published, %llu dropped, %llu missing", (unsigned long long)ps.sent,
		 (unsigned long long)ps.dropped, (unsigned long long)ps.bad);
	return NULL;
}

/* ---- the interface ------------------------------------------------------------------- */

int notifier_start(struct notifier *n, char *err, size_t errlen, uint64_t last_seq)
{
	int r;

	if (!(n->pub = open_pub(n, err, errlen)))
		return -1;
	pthread_mutex_init(&n->mu, NULL);
	pthread_cond_init(&n->cv, NULL);
	n->committed = last_seq;
	n->published = last_seq;
	n->stop = false;
	r = thread_start_quiet(&n->thread, notifier_main, n);
	if (r != 0) {
		snprintf(err, errlen, "cannot start its thread: %s", strerror(r));
		pthread_cond_destroy(&n->cv);
		pthread_mutex_destroy(&n->mu);
		zmq_close(n->pub);
		n->pub = NULL;
		return -1;
	}
	n->started = true;
	return 0;
}

void notifier_post(struct notifier *n, uint64_t seq)
{
	pthread_mutex_lock(&n->mu);
	if (seq > n->committed) {
		n->committed = seq;
		pthread_cond_signal(&n->cv);
	}
	pthread_mutex_unlock(&n->mu);
}

void notifier_stop(struct notifier *n)
{
	if (!n->started)
		return;
	pthread_mutex_lock(&n->mu);
	n->stop = true;
	pthread_cond_signal(&n->cv);
	pthread_mutex_unlock(&n->mu);
	pthread_join(n->thread, NULL);
	zmq_close(n->pub);
	n->pub = NULL;
	pthread_cond_destroy(&n->cv);
	pthread_mutex_destroy(&n->mu);
	n->started = false;
}
