/* notifier: publishes the outbox on the notify PUB socket, in seq order, after commit
 * (PROTOCOL.md "Notify"). A thread of its own owns the PUB socket, so a slow or absent
 * subscriber never slows intake: sends never block (PUB drops past its high-water mark and a
 * subscriber that sees a gap asks notifications.since). Each notification is two frames: the
 * topic, then the stored MessagePack map, byte for byte as notifications.since returns it. */
#ifndef NOTIFIER_H
#define NOTIFIER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "security/security.h"
#include "store/store.h"

struct notifier {
	void *zctx;
	const char *endpoints;        /* comma-separated, as [notify] endpoint */
	const struct security *sec;   /* CURVE keys for tcp:// (router.h); NULL: none */
	const struct sock_perm *perm; /* [notify] owner, group, mode; NULL: as created */
	struct store *st;
	/* shared with the reactor, under mu */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint64_t committed; /* the outbox is durable up to this seq */
	uint64_t published; /* published up to this seq */
	bool stop;
	/* since the start, for metrics: read from any thread */
	_Atomic uint64_t sent_total, dropped_total;
	pthread_t thread;
	bool started;
	void *pub; /* the PUB socket, the thread's own */
};

/* Binds the PUB socket (on the caller's thread, so a bad endpoint fails the start) and
 * starts the thread; notifications up to `last_seq` (already in the outbox at start) are not
 * published again. Returns 0, or -1 with errno-style message in err. */
int notifier_start(struct notifier *n, char *err, size_t errlen, uint64_t last_seq);
/* The outbox is committed up to seq: publish what is new. */
void notifier_post(struct notifier *n, uint64_t seq);
/* Publishes what is committed, then stops and joins the thread and closes the socket. */
void notifier_stop(struct notifier *n);

#endif
