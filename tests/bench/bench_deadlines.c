/* bench_deadlines: the daemon's side of the deadline benchmark (run-bench-deadlines): how
 * long it takes to say READY, and how late the breaches of deadlines that fall due together
 * reach a subscriber.
 *
 *   bench_deadlines {-N NOTIFY_SOCKET | -p DAEMON_PID} -n EXPECTED -a DUE_FIRST_MS
 *                   -z DUE_LAST_MS [-R READY_TIMEOUT_S] [-g GRACE_S] NOTIFY_ENDPOINT
 *
 * It binds NOTIFY_SOCKET (an AF_UNIX datagram socket, systemd's Type=notify protocol) and
 * waits for READY=1 from a daemon started with NOTIFY_SOCKET set to it (run-bench starts the
 * daemon once the socket exists). It prints when READY came (wall-clock microseconds, for
 * the caller to subtract its start time from), then subscribes to everything on the notify
 * endpoint and, for each `deadline.breached` whose deadline.due_at lies in
 * [DUE_FIRST_MS, DUE_LAST_MS], takes lateness = the time it was received - due_at. It stops
 * when EXPECTED distinct cases have been seen, when GRACE_S (30) have passed since
 * DUE_LAST_MS, or when the daemon (the sender of READY=1) has gone. With -p instead of -N,
 * the daemon is already running: it subscribes at once, and prints ready_at_us=0.
 *
 * Prints a human line and one RESULT line (bench_util.h): ready_at_us, received (breaches in
 * the window, counted once a case), duplicates (a case breached twice), others (breaches
 * outside the window), early (received before due: a bug), lateness p50/p99/max in ms,
 * and gaps (notification seqs missing between the first and the last received, all
 * topics: what PUB dropped). Exit 0 when every expected breach came exactly once and
 * none early; 1 otherwise. With -n 0 it only waits for READY=1 (a restart's time to READY),
 * and exits 0 when it came. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#include <msgpack.h>
#include <zmq.h>

#include "bench_msgpack.h"
#include "bench_util.h"

#define TOPIC_BREACHED "deadline.breached"
#define REF_MAX        32 /* PROTOCOL.md case references: NA-2026-000001 and longer counters */
#define DGRAM_MAX      4096
#define SLICES         10  /* the window in tenths: the worst lateness of each is printed */
#define POLL_MS        100 /* the longest a wait goes without checking the clock and the pid */

struct opts {
	const char *notify_socket, *endpoint;
	uint64_t expected, due_first, due_last;
	pid_t pid; /* -p: a daemon already running */
	double ready_timeout_s, grace_s;
};

static bool daemon_gone(pid_t pid)
{
	return pid > 0 && kill(pid, 0) < 0 && errno == ESRCH;
}

/* ------------------------------------------------------------------------------------
 * READY=1 on our own NOTIFY_SOCKET */

static int notify_bind(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "bench_deadlines: %s: longer than a socket path may be\n", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int on = 1;
	/* SO_PASSCRED: the datagrams carry the sender's pid, as they do for systemd */
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "bench_deadlines: bind %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Whether a datagram holds the line READY=1. */
static bool has_ready(const char *msg)
{
	for (const char *l = msg; l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (strncmp(l, "READY=1", 7) == 0 && (l[7] == '\n' || l[7] == '\0'))
			return true;
	return false;
}

/* Receives one datagram into buf (NUL-terminated) and its sender's pid. */
static ssize_t recv_dgram(int fd, char buf[DGRAM_MAX + 1], pid_t *ret_pid)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(struct ucred))];
	} ctl;
	struct iovec iov = {.iov_base = buf, .iov_len = DGRAM_MAX};
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &ctl, .msg_controllen = sizeof(ctl)};
	ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);

	if (n < 0)
		return n;
	buf[n] = '\0';
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
			struct ucred cred;
			memcpy(&cred, CMSG_DATA(c), sizeof(cred));
			*ret_pid = cred.pid;
		}
	return n;
}

/* Waits for READY=1; returns when it came (wall ns), or 0 on a timeout. The sender's pid
 * (the daemon's) goes to *ret_pid. */
static uint64_t wait_ready(int fd, const struct opts *o, pid_t *ret_pid)
{
	uint64_t until = bench_now_ns() + (uint64_t)(o->ready_timeout_s * 1e9);
	char buf[DGRAM_MAX + 1];

	while (bench_now_ns() < until) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, POLL_MS) < 0 && errno != EINTR)
			break;
		if (!(p.revents & POLLIN))
			continue;
		pid_t pid = 0;
		ssize_t n = recv_dgram(fd, buf, &pid);
		uint64_t at = bench_wall_ns();
		if (n >= 0 && has_ready(buf)) {
			*ret_pid = pid;
			return at;
		}
	}
	fprintf(stderr, "bench_deadlines: no READY=1 within %g s\n", o->ready_timeout_s);
	return 0;
}

/* ------------------------------------------------------------------------------------
 * The cases seen: a set of references (open addressing, never full: twice EXPECTED) */

struct refset {
	char (*ref)[REF_MAX + 1];
	size_t cap; /* a power of two */
};

static int refset_init(struct refset *s, uint64_t expected)
{
	s->cap = 16;
	while (s->cap < 2 * expected)
		s->cap *= 2;
	s->ref = calloc(s->cap, sizeof(*s->ref));
	return s->ref ? 0 : -ENOMEM;
}

/* Adds ref (len bytes); returns 1 when it is new, 0 when it was there, -1 when full. */
static int refset_add(struct refset *s, const char *ref, size_t len, size_t *count)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)ref[i]) * 1099511628211ull;
	for (size_t i = 0, k = h & (s->cap - 1); i < s->cap; i++, k = (k + 1) & (s->cap - 1)) {
		if (s->ref[k][0] == '\0') {
			if (*count + 1 >= s->cap)
				return -1;
			memcpy(s->ref[k], ref, len);
			s->ref[k][len] = '\0';
			(*count)++;
			return 1;
		}
		if (strlen(s->ref[k]) == len && memcmp(s->ref[k], ref, len) == 0)
			return 0;
	}
	return -1;
}

/* ------------------------------------------------------------------------------------
 * The breaches */

struct tally {
	struct refset seen;
	size_t unique;
	uint64_t duplicates, others, early, notes, bad;
	uint64_t seq_first, seq_last, seq_count; /* all topics: gaps = span - count */
	uint64_t last_recv_ns;
	struct bench_samples late;  /* ns, first arrival of each case */
	uint64_t slice_max[SLICES]; /* ns, the worst lateness by tenth of the window: where it
				       was late (a cold start shows in the first) */
};

static bool get_u64(const msgpack_object *map, const char *key, uint64_t *ret)
{
	const msgpack_object *o = bench_map_get(map, key);
	if (!o || o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		return false;
	*ret = o->via.u64;
	return true;
}

static void count_seq(struct tally *t, uint64_t seq)
{
	if (t->seq_count == 0 || seq < t->seq_first)
		t->seq_first = seq;
	if (t->seq_count == 0 || seq > t->seq_last)
		t->seq_last = seq;
	t->seq_count++;
}

/* One notification: [topic][map]. Returns 0, or -1 on an unreadable one (counted). */
static int take_note(struct tally *t, const struct opts *o, const char *topic, size_t tlen,
		     const char *data, size_t size, uint64_t recv_ns)
{
	msgpack_unpacked up;
	size_t off = 0;
	uint64_t seq, due;
	int rc = -1;

	msgpack_unpacked_init(&up);
	if (msgpack_unpack_next(&up, data, size, &off) != MSGPACK_UNPACK_SUCCESS ||
	    !get_u64(&up.data, "seq", &seq))
		goto out;
	t->notes++;
	count_seq(t, seq);
	rc = 0;
	if (tlen != strlen(TOPIC_BREACHED) || memcmp(topic, TOPIC_BREACHED, tlen) != 0)
		goto out;
	const msgpack_object *ref = bench_map_get(&up.data, "case");
	rc = -1;
	if (!get_u64(bench_map_get(&up.data, "deadline"), "due_at", &due) || !ref ||
	    ref->type != MSGPACK_OBJECT_STR || ref->via.str.size > REF_MAX)
		goto out;
	rc = 0;
	if (due < o->due_first || due > o->due_last) {
		t->others++;
		goto out;
	}
	int added = refset_add(&t->seen, ref->via.str.ptr, ref->via.str.size, &t->unique);
	if (added < 0) {
		rc = -1;
		goto out;
	}
	if (added == 0) {
		t->duplicates++;
		goto out;
	}
	t->last_recv_ns = recv_ns;
	if (recv_ns < due * 1000000ull)
		t->early++;
	uint64_t late = recv_ns > due * 1000000ull ? recv_ns - due * 1000000ull : 0;
	size_t slice = (size_t)((due - o->due_first) * SLICES / (o->due_last - o->due_first + 1));
	if (late > t->slice_max[slice])
		t->slice_max[slice] = late;
	if (bench_samples_add(&t->late, late) < 0)
		rc = -1;
out:
	msgpack_unpacked_destroy(&up);
	return rc;
}

/* Reads every message waiting on sub. Returns 0, or -1 on a socket error. */
static int drain(void *sub, struct tally *t, const struct opts *o)
{
	for (;;) {
		zmq_msg_t topic, body;
		zmq_msg_init(&topic);
		zmq_msg_init(&body);
		if (zmq_msg_recv(&topic, sub, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&topic);
			zmq_msg_close(&body);
			return zmq_errno() == EAGAIN ? 0 : -1;
		}
		uint64_t at = bench_wall_ns();
		if (!zmq_msg_more(&topic) || zmq_msg_recv(&body, sub, 0) < 0 ||
		    zmq_msg_more(&body) ||
		    take_note(t, o, zmq_msg_data(&topic), zmq_msg_size(&topic), zmq_msg_data(&body),
			      zmq_msg_size(&body), at) < 0) {
			t->bad++;
			/* a message of more frames: skip the rest of it */
			while (zmq_msg_more(&body) && zmq_msg_recv(&body, sub, 0) >= 0)
				;
		}
		zmq_msg_close(&topic);
		zmq_msg_close(&body);
	}
}

static int listen_breaches(void *sub, struct tally *t, const struct opts *o, pid_t pid)
{
	uint64_t until = o->due_last * 1000000ull + (uint64_t)(o->grace_s * 1e9);

	while (t->unique < o->expected && bench_wall_ns() < until) {
		zmq_pollitem_t item = {.socket = sub, .events = ZMQ_POLLIN};
		if (zmq_poll(&item, 1, POLL_MS) < 0 && zmq_errno() != EINTR)
			return -1;
		if ((item.revents & ZMQ_POLLIN) && drain(sub, t, o) < 0)
			return -1;
		if (!(item.revents & ZMQ_POLLIN) && daemon_gone(pid)) {
			fprintf(stderr,
				"bench_deadlines: the daemon exited while breaches were due\n");
			return -1;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------------------------ */

static void print_breaches(const struct opts *o, const struct tally *t, double p50, double p99,
			   double max, double drained_ms, uint64_t gaps)
{
	printf("breaches due %" PRIu64 "..%" PRIu64 ": %zu of %" PRIu64
	       " received, lateness p50 %.1f ms, p99 %.1f ms, max %.1f ms; last %.1f ms after the "
	       "last due; duplicates %" PRIu64 ", outside the window %" PRIu64 ", early %" PRIu64
	       ", seq gaps %" PRIu64 ", unreadable %" PRIu64 "\n",
	       o->due_first, o->due_last, t->unique, o->expected, p50, p99, max, drained_ms,
	       t->duplicates, t->others, t->early, gaps, t->bad);
	printf("  worst lateness by tenth of the window (ms):");
	for (int i = 0; i < SLICES; i++)
		printf(" %.1f", (double)t->slice_max[i] / 1e6);
	printf("\n");
}

static void report(const struct opts *o, uint64_t ready_ns, struct tally *t, int failed)
{
	bench_samples_sort(&t->late);
	double p50 = (double)bench_pct(&t->late, 50) / 1e6,
	       p99 = (double)bench_pct(&t->late, 99) / 1e6,
	       max = (double)bench_pct(&t->late, 100) / 1e6;
	double drained_ms = t->last_recv_ns > o->due_last * 1000000ull
				? (double)(t->last_recv_ns - o->due_last * 1000000ull) / 1e6
				: 0;
	uint64_t gaps = t->seq_count ? t->seq_last - t->seq_first + 1 - t->seq_count : 0;

	if (o->expected)
		print_breaches(o, t, p50, p99, max, drained_ms, gaps);
	printf("RESULT ready_at_us=%" PRIu64 " expected=%" PRIu64
	       " received=%zu duplicates=%" PRIu64 " others=%" PRIu64 " early=%" PRIu64
	       " gaps=%" PRIu64 " bad=%" PRIu64 " notes=%" PRIu64
	       " p50_ms=%.2f p99_ms=%.2f max_ms=%.2f drained_ms=%.1f failed=%d\n",
	       ready_ns / 1000, o->expected, t->unique, t->duplicates, t->others, t->early, gaps,
	       t->bad, t->notes, p50, p99, max, drained_ms, failed);
}

static int run(const struct opts *o)
{
	struct tally t = {0};
	void *ctx = NULL, *sub = NULL;
	int failed = 1, zero = 0;
	pid_t pid = o->pid;
	uint64_t ready = 0;

	if (refset_init(&t.seen, o->expected) < 0)
		return 1;
	if (o->notify_socket) {
		int fd = notify_bind(o->notify_socket);
		if (fd < 0)
			goto out;
		ready = wait_ready(fd, o, &pid);
		close(fd); /* later STATUS= datagrams are the daemon's to lose */
		if (!ready)
			goto out;
		printf("READY at %" PRIu64 " us from pid %ld\n", ready / 1000, (long)pid);
		fflush(stdout);
	}
	if (o->expected == 0) {
		failed = 0;
		goto out;
	}

	ctx = zmq_ctx_new();
	sub = ctx ? zmq_socket(ctx, ZMQ_SUB) : NULL;
	/* RCVHWM 0: nothing is dropped on our side; what is missing was dropped by the daemon */
	if (!sub || zmq_setsockopt(sub, ZMQ_RCVHWM, &zero, sizeof(zero)) < 0 ||
	    zmq_setsockopt(sub, ZMQ_LINGER, &zero, sizeof(zero)) < 0 ||
	    zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "", 0) < 0 || zmq_connect(sub, o->endpoint) < 0) {
		fprintf(stderr, "bench_deadlines: SUB %s: %s\n", o->endpoint,
			zmq_strerror(zmq_errno()));
		goto out;
	}
	if (bench_wall_ns() + (uint64_t)1e9 > o->due_first * 1000000ull)
		fprintf(stderr,
			"bench_deadlines: WARNING: subscribed less than 1 s before the first "
			"deadline: the subscription may miss the first breaches\n");
	if (listen_breaches(sub, &t, o, pid) < 0)
		fprintf(stderr, "bench_deadlines: stopped listening: %s\n",
			zmq_strerror(zmq_errno()));
	failed = t.unique != o->expected || t.duplicates || t.early;
out:
	report(o, ready, &t, failed);
	if (sub)
		zmq_close(sub);
	if (ctx)
		zmq_ctx_term(ctx);
	if (o->notify_socket)
		unlink(o->notify_socket);
	free(t.seen.ref);
	bench_samples_free(&t.late);
	return failed;
}

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s {-N NOTIFY_SOCKET | -p DAEMON_PID} -n EXPECTED -a DUE_FIRST_MS "
		"-z DUE_LAST_MS [-R READY_TIMEOUT_S] [-g GRACE_S] NOTIFY_ENDPOINT\n",
		argv0);
	exit(2);
}

int main(int argc, char **argv)
{
	struct opts o = {.ready_timeout_s = 10, .grace_s = 30};
	const struct bench_opt opts[] = {
	    {.ch = 'N', .s = &o.notify_socket},
	    {.ch = 'p', .min = 1, .max = 1e9, .i = &o.pid},
	    {.ch = 'n', .min = 0, .max = 1e8, .u64 = &o.expected},
	    {.ch = 'a', .min = 1, .max = 1e15, .u64 = &o.due_first},
	    {.ch = 'z', .min = 1, .max = 1e15, .u64 = &o.due_last},
	    {.ch = 'R', .min = 0.1, .max = 3600, .d = &o.ready_timeout_s},
	    {.ch = 'g', .min = 0.1, .max = 3600, .d = &o.grace_s},
	    {0},
	};
	int first = bench_opts_parse(argc, argv, opts, usage);

	if (!o.notify_socket == !o.pid || first != argc - 1 ||
	    (o.expected && (!o.due_first || o.due_last < o.due_first)))
		usage(argv[0]);
	o.endpoint = argv[first];
	return run(&o);
}
