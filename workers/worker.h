/* worker: a thread that watches one time-ordered index (DESIGN.md "How data flows", step 5)
 * and hands its due entries to the reactor. It reads through short read transactions and
 * never writes. It sleeps exactly until the first entry's time (no polling loop); the
 * reactor wakes it when it commits an entry that may be earlier. Once it has posted a
 * handful of due entries it waits until the reactor says they are applied, so nothing is
 * handed over twice; the reactor applies each entry idempotently (an entry that is gone or
 * no longer due changes nothing), which makes a crash between the two harmless.
 *
 * The deadline, escalation and retention workers are this one loop over three indexes
 * (DB_TIMERS, DB_ESCALATIONS, DB_DISPOSALS). */
#ifndef WORKER_H
#define WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"
#include "store/store.h"

#define WORKER_POST_MAX 256 /* entries handed over at once */
#define WORKER_HELD_MAX 256 /* entries held back (worker_hold) */

struct work_item {
	enum store_db db; /* the index it came from: what to do with it */
	uint64_t t;       /* the key's time */
	char ref[PROTO_CASE_MAX + 1];
	unsigned kind; /* enum dl_kind, or DLX_NO_KIND */
};

/* The clock, injectable for tests: milliseconds since the epoch, UTC. */
typedef uint64_t (*worker_clock_fn)(void *arg);

struct worker {
	const char *name; /* "deadline", "escalation", "retention": thread name and logs */
	enum store_db db;
	struct store *st;
	int post_fd;     /* an eventfd of the reactor's, written when items are posted */
	size_t post_max; /* at most this many items at once (<= WORKER_POST_MAX) */
	worker_clock_fn clock;
	void *clock_arg;
	/* shared with the reactor, under mu */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct work_item items[WORKER_POST_MAX];
	size_t n_items; /* posted, not yet taken */
	bool in_flight; /* taken by the reactor, not yet done */
	bool kicked;    /* woken since its last scan */
	bool stop;
	uint64_t scans; /* for tests: scans done so far */
	/* due entries the reactor could not apply and left in the index (worker_hold): skipped
	 * by the scans until the daemon restarts. Written between worker_take and worker_done,
	 * while the thread waits, so its scans read them without the lock. */
	struct work_item held[WORKER_HELD_MAX];
	size_t n_held;
	pthread_t thread;
	bool started;
};

/* Starts the thread. name, db, st, post_fd, post_max and clock must be set. Returns 0 or
 * a negative errno. */
int worker_start(struct worker *w);
/* Stops and joins the thread; safe on a worker that never started. */
void worker_stop(struct worker *w);

/* Reactor side. Takes the posted items (copied to out, at most max); the worker waits until
 * worker_done. Returns how many. */
size_t worker_take(struct worker *w, struct work_item *out, size_t max);
/* The items taken have been applied and committed (or found stale): scan again. */
void worker_done(struct worker *w);
/* Between worker_take and worker_done: the taken item it was not applied and stays in the
 * index (its case's record needs a key this daemon does not hold); later scans skip it
 * rather than hand it over for ever. -ENOSPC when WORKER_HELD_MAX are held already (it
 * will be handed over again). */
int worker_hold(struct worker *w, const struct work_item *it);
/* An entry may now exist earlier than the one the worker sleeps for: scan again. */
void worker_kick(struct worker *w);

/* One scan, the thread's body, exposed for tests: reads up to max entries of w->db whose time
 * is <= now into out, and the first later time into *ret_next (UINT64_MAX when none). Returns
 * how many, or a negative errno. */
int worker_scan(struct worker *w, uint64_t now, struct work_item *out, size_t max,
		uint64_t *ret_next);

/* The real clock (CLOCK_REALTIME in ms). */
uint64_t worker_clock_real(void *arg);

#endif
