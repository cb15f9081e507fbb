#include "loop/workset.h"

#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "base/log.h"

static const struct {
	const char *name;
	enum store_db db;
} specs[WS_COUNT] = {
    [WS_DEADLINE] = {"deadline", DB_TIMERS},
    [WS_ESCALATION] = {"escalation", DB_ESCALATIONS},
    [WS_RETENTION] = {"retention", DB_DISPOSALS},
};

int workset_start(struct workset *ws, struct store *st, void *zctx, const char *notify_endpoints,
		  const struct security *sec, const struct sock_perm *perm, uint64_t notify_seq,
		  size_t post_max, worker_clock_fn clock, void *clock_arg)
{
	char err[256];
	int r;

	memset(ws, 0, sizeof(*ws));
	ws->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (ws->efd < 0)
		return log_errno(LOG_ERR, -errno, "workers: eventfd");
	ws->nt.zctx = zctx;
	ws->nt.endpoints = notify_endpoints;
	ws->nt.sec = sec;
	ws->nt.perm = perm;
	ws->nt.st = st;
	if (notifier_start(&ws->nt, err, sizeof(err), notify_seq) < 0) {
		log_error("notify: %s", err);
		return -1;
	}
	if (post_max > WORKER_POST_MAX)
		post_max = WORKER_POST_MAX;
	for (int i = 0; i < WS_COUNT; i++) {
		struct worker *w = &ws->w[i];

		w->name = specs[i].name;
		w->db = specs[i].db;
		w->st = st;
		w->post_fd = ws->efd;
		w->post_max = post_max;
		w->clock = clock;
		w->clock_arg = clock_arg;
		if ((r = worker_start(w)) < 0)
			return log_errno(LOG_ERR, r, "%s worker", w->name);
	}
	return 0;
}

void workset_stop(struct workset *ws)
{
	for (int i = 0; i < WS_COUNT; i++)
		worker_stop(&ws->w[i]);
	notifier_stop(&ws->nt);
	if (ws->efd >= 0)
		close(ws->efd);
	ws->efd = -1;
}

size_t workset_take(struct workset *ws)
{
	uint64_t n;

	if (read(ws->efd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_errno(LOG_ERR, -errno, "workers: eventfd read");
	for (int i = 0; i < WS_COUNT; i++) {
		if (ws->taken[i])
			continue; /* its entries wait for a commit */
		size_t got = worker_take(&ws->w[i], ws->items + ws->n, WS_ITEMS_MAX - ws->n);
		if (got) {
			ws->n += got;
			ws->taken[i] = true;
		}
	}
	return ws->n;
}

bool workset_ready(const struct workset *ws, uint64_t now)
{
	return ws->n > 0 && now >= ws->hold_until;
}

void workset_committed(struct workset *ws, const struct batch_result *res, uint64_t now)
{
	bool full = false;

	/* before worker_done: the rescan it starts must skip them */
	for (size_t i = 0; i < res->n_held && res->held[i] < ws->n; i++) {
		const struct work_item *it = &ws->items[res->held[i]];

		for (int k = 0; k < WS_COUNT; k++)
			if (ws->w[k].db == it->db && worker_hold(&ws->w[k], it) < 0) {
				log_error("%s worker: %s entry of case %s held back in memory "
					  "beyond %d; it will be handed over again in %d ms",
					  ws->w[k].name, ws->w[k].name, it->ref, WORKER_HELD_MAX,
					  WS_RETRY_MS);
				full = true;
			}
	}
	for (int i = 0; i < WS_COUNT; i++)
		if (ws->taken[i]) {
			ws->taken[i] = false;
			worker_done(&ws->w[i]);
		}
	ws->n = 0;
	/* an entry no list could hold comes straight back: after a pause, not in a tight loop */
	ws->hold_until = full ? now + WS_RETRY_MS : 0;
	if (res->timers_added)
		worker_kick(&ws->w[WS_DEADLINE]);
	if (res->escalations_added)
		worker_kick(&ws->w[WS_ESCALATION]);
	if (res->disposals_added)
		worker_kick(&ws->w[WS_RETENTION]);
	if (res->notes)
		notifier_post(&ws->nt, res->notify_seq);
}

void workset_failed(struct workset *ws, uint64_t now)
{
	ws->hold_until = now + WS_RETRY_MS;
}
