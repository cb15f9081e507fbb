/* workset: the reactor's side of the workers (DESIGN.md "How data flows", step 5). It starts
 * the deadline, escalation and retention workers (one worker loop each over DB_TIMERS,
 * DB_ESCALATIONS and DB_DISPOSALS) and the notifier, gathers the due entries they post for
 * the next write batch, and after the commit tells each worker its entries are done, wakes
 * the workers whose index gained entries, and hands the new outbox end to the notifier. A
 * batch that failed keeps its entries and is retried after a pause, not in a tight loop. */
#ifndef WORKSET_H
#define WORKSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loop/batch.h"
#include "workers/notifier.h"
#include "store/store.h"
#include "workers/worker.h"

enum { WS_DEADLINE, WS_ESCALATION, WS_RETENTION, WS_COUNT };
#define WS_ITEMS_MAX (WS_COUNT * WORKER_POST_MAX)
/* a batch holds back at most every entry the workers handed over: batch.h sizes its list of
 * them without knowing the workset */
_Static_assert(BATCH_HELD_MAX == WS_ITEMS_MAX, "BATCH_HELD_MAX is not WS_ITEMS_MAX");
#define WS_RETRY_MS 1000 /* pause before retrying entries whose batch failed, or held */

struct workset {
	struct worker w[WS_COUNT];
	struct notifier nt;
	int efd; /* the workers post here */
	struct work_item items[WS_ITEMS_MAX];
	size_t n;
	bool taken[WS_COUNT];
	uint64_t hold_until; /* after a failed batch */
};

/* Starts the notifier (binding [notify] endpoint under sec and perm, router.h) and the
 * workers. notify_seq is the outbox's last seq at start. post_max bounds each worker's
 * hand-over. The workers read clock (the reactor's: worker_clock_real in service). Returns 0
 * or -1 (logged). */
int workset_start(struct workset *ws, struct store *st, void *zctx, const char *notify_endpoints,
		  const struct security *sec, const struct sock_perm *perm, uint64_t notify_seq,
		  size_t post_max, worker_clock_fn clock, void *clock_arg);
/* Publishes what is committed and stops every thread. Safe after a failed start. */
void workset_stop(struct workset *ws);

/* The eventfd to poll. When it is readable (or any time), takes what the workers posted.
 * Returns how many entries wait for the next batch. */
size_t workset_take(struct workset *ws);
/* Whether the waiting entries may go into a batch now. */
bool workset_ready(const struct workset *ws, uint64_t now);
/* After a batch holding the entries committed at now: done, kicks, notifier. res may come
 * from a batch of intake events alone (n = 0 then). An entry the batch held back that its
 * worker has no room to hold (WORKER_HELD_MAX) is handed over again: the next batch then
 * waits WS_RETRY_MS. */
void workset_committed(struct workset *ws, const struct batch_result *res, uint64_t now);
/* The batch failed: keep the entries, retry after WS_RETRY_MS. */
void workset_failed(struct workset *ws, uint64_t now);

#endif
