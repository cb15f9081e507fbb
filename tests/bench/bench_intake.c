/* bench_intake: a load generator for the daemon's intake socket, and a tiny control client.
 *
 *   bench_intake [-c CLIENTS] [-w WINDOW] [-d SECONDS] [-W WARMUP] [-T THREADS] [-p PREFIX]
 *                [-S] ENDPOINT
 *   bench_intake --status [-t TIMEOUT_MS] CONTROL_ENDPOINT
 *
 * Load: CLIENTS DEALER sockets, each keeping WINDOW valid `declaration.submitted` events in
 * flight (single-frame MessagePack maps), for WARMUP seconds unmeasured and then SECONDS
 * measured. Ids are unique per run: HEX.PREFIX-client-counter, where HEX is 16 hex digits
 * spread from client and counter, so that ids arrive in no order, as UUIDs do, and land
 * all over the daemon's idempotency index (as bench_lmdb's do); -S drops the HEX for ids
 * in order. Replies are matched by id (they may come out of order); an event's latency
 * is from just before its send to the arrival of its ack. Afterwards it waits (10 s at
 * most) for every ack still owed. Prints events/s (acks counted in the measured window),
 * latency p50/p99 and the counts of accepted, duplicate and rejected; each rejection's
 * code and message goes to stderr.
 * Exit 0 when every event was accepted; 1 when any was rejected, duplicate or unanswered.
 *
 * The sockets are shared out between THREADS threads (default 1), each polling its own;
 * one thread drives well over 100k events/s, far above what a durable intake does, so the
 * generator is not the bottleneck on a small box.
 *
 * --status: sends {"v":1,"cmd":"status"} on the control socket and prints the result map
 * flattened to `key.sub=value` on one RESULT line; exit 0 on an ok reply, 1 otherwise.
 * run-bench uses it to wait for the daemon and to read its counters. */
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <msgpack.h>
#include <zmq.h>

#include "bench_msgpack.h"
#include "bench_util.h"

#define MAX_CLIENTS  4096
#define MAX_WINDOW   1000
#define DRAIN_NS     (10ull * 1000000000ull)
#define SUBJECTS     5000
#define MAX_REPORTED 5  /* rejections printed in full; the rest are counted */
#define ID_HEAD      17 /* "%016x." before PREFIX in an unordered id */

struct slot {
	uint64_t ctr;
	uint64_t sent_ns;
	bool used;
};

struct client {
	void *sock;
	unsigned index;
	uint64_t next_ctr;
	unsigned inflight;
	struct slot *slots; /* WINDOW of them; a reply's counter finds its slot */
};

struct opts {
	const char *endpoint;
	const char *prefix;
	unsigned clients, window, threads;
	double seconds, warmup;
	bool ordered_ids; /* -S: PREFIX-client-counter, in order; else a random head first */
};

struct worker {
	pthread_t thread;
	const struct opts *o;
	void *ctx;
	unsigned first, count;
	uint64_t t_warm_end, t_end; /* shared phase boundaries, monotonic ns */
	/* results */
	struct bench_samples lat;
	uint64_t sent, accepted, duplicate, rejected, lost, measured_acks;
	int failed; /* a socket or codec error: the run is void */
};

static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned reported;

/* ------------------------------------------------------------------------------------
 * Reading a reply */

/* Copies a string field into buf (NUL-terminated, cut to fit); "" when absent. */
static void str_field(const msgpack_object *map, const char *key, char *buf, size_t size)
{
	const msgpack_object *o = bench_map_get(map, key);
	buf[0] = 0;
	if (o && o->type == MSGPACK_OBJECT_STR) {
		size_t n = o->via.str.size < size - 1 ? o->via.str.size : size - 1;
		memcpy(buf, o->via.str.ptr, n);
		buf[n] = 0;
	}
}

/* Receives one whole message: its one non-empty frame (DEALER replies arrive as [payload]
 * or [empty][payload]). Returns the payload size, -1 on EAGAIN, -2 on a socket error or an
 * unexpected shape. */
static int recv_payload(void *sock, zmq_msg_t *payload)
{
	int got = 0, more;
	do {
		zmq_msg_t part;
		zmq_msg_init(&part);
		if (zmq_msg_recv(&part, sock, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&part);
			if (zmq_errno() == EAGAIN && got == 0)
				return -1;
			fprintf(stderr, "bench_intake: recv: %s\n", zmq_strerror(zmq_errno()));
			return -2;
		}
		more = zmq_msg_more(&part);
		if (zmq_msg_size(&part) == 0) {
			zmq_msg_close(&part);
			continue;
		}
		if (got++) {
			fprintf(stderr, "bench_intake: a reply with two payload frames\n");
			zmq_msg_close(&part);
			return -2;
		}
		zmq_msg_move(payload, &part);
		zmq_msg_close(&part);
	} while (more);
	if (!got) {
		fprintf(stderr, "bench_intake: a reply with no payload frame\n");
		return -2;
	}
	return (int)zmq_msg_size(payload);
}

/* ------------------------------------------------------------------------------------
 * The load loop */

static int handle_reply(struct worker *w, struct client *c, const char *data, size_t size,
			uint64_t now)
{
	msgpack_unpacked up;
	msgpack_unpacked_init(&up);
	size_t off = 0;
	if (msgpack_unpack_next(&up, data, size, &off) != MSGPACK_UNPACK_SUCCESS ||
	    up.data.type != MSGPACK_OBJECT_MAP) {
		fprintf(stderr, "bench_intake: a reply that is not a MessagePack map\n");
		msgpack_unpacked_destroy(&up);
		return -1;
	}
	char id[160], status[32];
	str_field(&up.data, "id", id, sizeof(id));
	str_field(&up.data, "status", status, sizeof(status));

	/* [HEX.]PREFIX-client-counter: the counter finds the slot */
	const char *dash = strrchr(id, '-');
	char *end;
	uint64_t ctr = dash ? strtoull(dash + 1, &end, 10) : 0;
	struct slot *s = NULL;
	const char *tail = w->o->ordered_ids || strlen(id) < ID_HEAD ? id : id + ID_HEAD;
	if (dash && *end == 0 && strncmp(tail, w->o->prefix, strlen(w->o->prefix)) == 0)
		for (unsigned i = 0; i < w->o->window; i++)
			if (c->slots[i].used && c->slots[i].ctr == ctr) {
				s = &c->slots[i];
				break;
			}
	if (!s) {
		fprintf(stderr, "bench_intake: a reply for an id not in flight: '%s' (%s)\n", id,
			status);
		msgpack_unpacked_destroy(&up);
		return -1;
	}

	if (strcmp(status, "accepted") == 0) {
		w->accepted++;
	} else if (strcmp(status, "duplicate") == 0) {
		w->duplicate++;
	} else {
		w->rejected++;
		const msgpack_object *err = bench_map_get(&up.data, "error");
		char code[64] = "", msg[512] = "";
		if (err) {
			str_field(err, "code", code, sizeof(code));
			str_field(err, "message", msg, sizeof(msg));
		}
		pthread_mutex_lock(&report_lock);
		if (reported++ < MAX_REPORTED)
			fprintf(stderr, "bench_intake: event %s %s: %s: %s\n", id,
				status[0] ? status : "(no status)", code, msg);
		pthread_mutex_unlock(&report_lock);
	}
	/* throughput: acks that arrive in the measured window; latency: events sent in it */
	if (now >= w->t_warm_end && now <= w->t_end && strcmp(status, "accepted") == 0)
		w->measured_acks++;
	if (s->sent_ns >= w->t_warm_end && now <= w->t_end &&
	    bench_samples_add(&w->lat, now - s->sent_ns) < 0) {
		msgpack_unpacked_destroy(&up);
		return -1;
	}
	s->used = false;
	c->inflight--;
	msgpack_unpacked_destroy(&up);
	return 0;
}

static int send_one(struct worker *w, struct client *c, msgpack_sbuffer *sb)
{
	struct slot *s = NULL;
	for (unsigned i = 0; i < w->o->window; i++)
		if (!c->slots[i].used) {
			s = &c->slots[i];
			break;
		}
	if (!s)
		return 1;
	char id[160];
	uint64_t ctr = c->next_ctr;
	if (w->o->ordered_ids)
		snprintf(id, sizeof(id), "%s-%u-%" PRIu64, w->o->prefix, c->index, ctr);
	else
		snprintf(id, sizeof(id), "%016" PRIx64 ".%s-%u-%" PRIu64,
			 bench_mix64(((uint64_t)c->index << 40) ^ ctr), w->o->prefix, c->index,
			 ctr);
	unsigned subject_no = (unsigned)((ctr * 7919 + c->index) % SUBJECTS);
	bench_encode_declaration(sb, id, subject_no, subject_no, bench_wall_ms());
	uint64_t t = bench_now_ns();
	if (zmq_send(c->sock, sb->data, sb->size, ZMQ_DONTWAIT) < 0) {
		if (zmq_errno() == EAGAIN)
			return 1; /* the high-water mark: try after the next poll */
		fprintf(stderr, "bench_intake: send: %s\n", zmq_strerror(zmq_errno()));
		return -1;
	}
	c->next_ctr++;
	*s = (struct slot){.ctr = ctr, .sent_ns = t, .used = true};
	c->inflight++;
	w->sent++;
	return 0;
}

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	const struct opts *o = w->o;
	struct client *cl = calloc(w->count, sizeof(*cl));
	zmq_pollitem_t *items = calloc(w->count, sizeof(*items));
	msgpack_sbuffer sb;
	msgpack_sbuffer_init(&sb);
	if (!cl || !items) {
		w->failed = 1;
		goto out;
	}
	for (unsigned i = 0; i < w->count; i++) {
		struct client *c = &cl[i];
		c->index = w->first + i;
		c->slots = calloc(o->window, sizeof(*c->slots));
		c->sock = zmq_socket(w->ctx, ZMQ_DEALER);
		int linger = 0;
		if (!c->slots || !c->sock ||
		    zmq_setsockopt(c->sock, ZMQ_LINGER, &linger, sizeof(linger)) < 0 ||
		    zmq_connect(c->sock, o->endpoint) < 0) {
			fprintf(stderr, "bench_intake: connect %s: %s\n", o->endpoint,
				zmq_strerror(zmq_errno()));
			w->failed = 1;
			goto out;
		}
		items[i] = (zmq_pollitem_t){.socket = c->sock, .events = ZMQ_POLLIN};
	}

	uint64_t drain_end = w->t_end + DRAIN_NS;
	for (;;) {
		uint64_t now = bench_now_ns();
		unsigned inflight = 0;
		for (unsigned i = 0; i < w->count; i++) {
			struct client *c = &cl[i];
			while (now < w->t_end && c->inflight < o->window) {
				int r = send_one(w, c, &sb);
				if (r < 0) {
					w->failed = 1;
					goto out;
				}
				if (r > 0)
					break;
			}
			inflight += c->inflight;
		}
		if (now >= w->t_end && inflight == 0)
			break;
		if (now >= drain_end) {
			w->lost = inflight;
			fprintf(stderr, "bench_intake: %u events got no reply within %llu s\n",
				inflight, DRAIN_NS / 1000000000ull);
			break;
		}
		uint64_t until = now < w->t_end ? w->t_end : drain_end;
		long timeout_ms = (long)((until - now) / 1000000ull) + 1;
		if (timeout_ms > 100)
			timeout_ms = 100;
		int n = zmq_poll(items, (int)w->count, timeout_ms);
		if (n < 0) {
			if (zmq_errno() == EINTR)
				continue;
			fprintf(stderr, "bench_intake: poll: %s\n", zmq_strerror(zmq_errno()));
			w->failed = 1;
			goto out;
		}
		for (unsigned i = 0; n > 0 && i < w->count; i++) {
			if (!(items[i].revents & ZMQ_POLLIN))
				continue;
			for (;;) {
				zmq_msg_t msg;
				zmq_msg_init(&msg);
				int size = recv_payload(cl[i].sock, &msg);
				if (size == -1) {
					zmq_msg_close(&msg);
					break;
				}
				int r = size < 0 ? -1
						 : handle_reply(w, &cl[i], zmq_msg_data(&msg),
								(size_t)size, bench_now_ns());
				zmq_msg_close(&msg);
				if (r < 0) {
					w->failed = 1;
					goto out;
				}
			}
		}
	}
out:
	for (unsigned i = 0; cl && i < w->count; i++) {
		if (cl[i].sock)
			zmq_close(cl[i].sock);
		free(cl[i].slots);
	}
	free(cl);
	free(items);
	msgpack_sbuffer_destroy(&sb);
	return NULL;
}

static int run_load(const struct opts *o)
{
	void *ctx = zmq_ctx_new();
	if (!ctx)
		return 1;
	struct worker *w = calloc(o->threads, sizeof(*w));
	if (!w)
		return 1;
	uint64_t t0 = bench_now_ns();
	uint64_t warm_end = t0 + (uint64_t)(o->warmup * 1e9);
	uint64_t end = warm_end + (uint64_t)(o->seconds * 1e9);
	unsigned per = o->clients / o->threads, extra = o->clients % o->threads, first = 0;
	for (unsigned i = 0; i < o->threads; i++) {
		w[i] = (struct worker){.o = o, .ctx = ctx, .first = first};
		w[i].count = per + (i < extra);
		w[i].t_warm_end = warm_end;
		w[i].t_end = end;
		first += w[i].count;
		if (pthread_create(&w[i].thread, NULL, worker_run, &w[i]) != 0) {
			fprintf(stderr, "bench_intake: cannot start a thread\n");
			return 1;
		}
	}
	struct bench_samples lat = {0};
	uint64_t sent = 0, acc = 0, dup = 0, rej = 0, lost = 0, measured = 0;
	int failed = 0;
	for (unsigned i = 0; i < o->threads; i++) {
		pthread_join(w[i].thread, NULL);
		if (bench_samples_append(&lat, &w[i].lat) < 0)
			failed = 1;
		bench_samples_free(&w[i].lat);
		sent += w[i].sent;
		acc += w[i].accepted;
		dup += w[i].duplicate;
		rej += w[i].rejected;
		lost += w[i].lost;
		measured += w[i].measured_acks;
		failed |= w[i].failed;
	}
	free(w);
	zmq_ctx_term(ctx);

	bench_samples_sort(&lat);
	double eps = (double)measured / o->seconds;
	double p50 = bench_us(bench_pct(&lat, 50)), p99 = bench_us(bench_pct(&lat, 99));
	printf("intake %u clients x window %u: %.0f events/s, ack p50 %.0f us, p99 %.0f us; "
	       "sent %" PRIu64 ", accepted %" PRIu64 ", duplicate %" PRIu64 ", rejected %" PRIu64
	       ", unanswered %" PRIu64 "\n",
	       o->clients, o->window, eps, p50, p99, sent, acc, dup, rej, lost);
	printf("RESULT clients=%u window=%u events_per_s=%.0f p50_us=%.1f p99_us=%.1f "
	       "sent=%" PRIu64 " accepted=%" PRIu64 " duplicate=%" PRIu64 " rejected=%" PRIu64
	       " lost=%" PRIu64 " failed=%d\n",
	       o->clients, o->window, eps, p50, p99, sent, acc, dup, rej, lost, failed);
	bench_samples_free(&lat);
	if (failed)
		fprintf(stderr, "bench_intake: the run broke (see above)\n");
	return failed || rej || dup || lost || measured == 0;
}

/* ------------------------------------------------------------------------------------
 * --status */

static void print_flat(const char *prefix, const msgpack_object *o)
{
	switch (o->type) {
	case MSGPACK_OBJECT_MAP:
		for (uint32_t i = 0; i < o->via.map.size; i++) {
			const msgpack_object *k = &o->via.map.ptr[i].key;
			if (k->type != MSGPACK_OBJECT_STR || k->via.str.size > 64)
				continue;
			char path[256];
			snprintf(path, sizeof(path), "%s%s%.*s", prefix, *prefix ? "." : "",
				 (int)k->via.str.size, k->via.str.ptr);
			print_flat(path, &o->via.map.ptr[i].val);
		}
		break;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		printf(" %s=%" PRIu64, prefix, o->via.u64);
		break;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		printf(" %s=%" PRId64, prefix, o->via.i64);
		break;
	case MSGPACK_OBJECT_BOOLEAN:
		printf(" %s=%s", prefix, o->via.boolean ? "true" : "false");
		break;
	case MSGPACK_OBJECT_STR:
		/* values with spaces would break the key=value line: keep the first word */
		printf(" %s=", prefix);
		for (uint32_t i = 0; i < o->via.str.size && o->via.str.ptr[i] != ' '; i++)
			putchar(o->via.str.ptr[i]);
		break;
	default:
		break;
	}
}

static int run_status(const char *endpoint, int timeout_ms)
{
	void *ctx = zmq_ctx_new();
	void *sock = zmq_socket(ctx, ZMQ_DEALER);
	int linger = 0, rc = 1;
	zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof(linger));
	zmq_setsockopt(sock, ZMQ_RCVTIMEO, &timeout_ms, sizeof(timeout_ms));
	zmq_setsockopt(sock, ZMQ_SNDTIMEO, &timeout_ms, sizeof(timeout_ms));
	if (zmq_connect(sock, endpoint) < 0) {
		fprintf(stderr, "bench_intake: connect %s: %s\n", endpoint,
			zmq_strerror(zmq_errno()));
		goto out;
	}
	msgpack_sbuffer sb;
	msgpack_sbuffer_init(&sb);
	msgpack_packer pk;
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 2);
	bench_pack_str(&pk, "v");
	msgpack_pack_uint32(&pk, 1);
	bench_pack_str(&pk, "cmd");
	bench_pack_str(&pk, "status");
	int sent = zmq_send(sock, sb.data, sb.size, 0);
	msgpack_sbuffer_destroy(&sb);
	if (sent < 0)
		goto out;

	zmq_pollitem_t item = {.socket = sock, .events = ZMQ_POLLIN};
	if (zmq_poll(&item, 1, timeout_ms) <= 0)
		goto out; /* no daemon yet: quietly 1, run-bench polls again */
	zmq_msg_t msg;
	zmq_msg_init(&msg);
	int size = recv_payload(sock, &msg);
	if (size > 0) {
		msgpack_unpacked up;
		msgpack_unpacked_init(&up);
		size_t off = 0;
		if (msgpack_unpack_next(&up, zmq_msg_data(&msg), (size_t)size, &off) ==
		    MSGPACK_UNPACK_SUCCESS) {
			const msgpack_object *ok = bench_map_get(&up.data, "ok");
			const msgpack_object *res = bench_map_get(&up.data, "result");
			if (ok && ok->type == MSGPACK_OBJECT_BOOLEAN && ok->via.boolean && res) {
				printf("RESULT");
				print_flat("", res);
				printf("\n");
				rc = 0;
			} else {
				fprintf(stderr, "bench_intake: status: not ok\n");
			}
		}
		msgpack_unpacked_destroy(&up);
	}
	zmq_msg_close(&msg);
out:
	zmq_close(sock);
	zmq_ctx_term(ctx);
	return rc;
}

/* ------------------------------------------------------------------------------------ */

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [-c CLIENTS] [-w WINDOW] [-d SECONDS] [-W WARMUP] [-T THREADS] "
		"[-p PREFIX] [-S] ENDPOINT\n"
		"       %s --status [-t TIMEOUT_MS] CONTROL_ENDPOINT\n",
		argv0, argv0);
	exit(2);
}

int main(int argc, char **argv)
{
	static char prefix[64];
	snprintf(prefix, sizeof(prefix), "bench-%ld-%llu", (long)getpid(),
		 (unsigned long long)bench_wall_ms());
	struct opts o = {
	    .prefix = prefix, .clients = 1, .window = 1, .threads = 1, .seconds = 3, .warmup = 1};
	bool status = false;
	int timeout_ms = 1000;
	const struct bench_opt opts[] = {
	    {.ch = 'c', .min = 1, .max = MAX_CLIENTS, .u = &o.clients},
	    {.ch = 'w', .min = 1, .max = MAX_WINDOW, .u = &o.window},
	    {.ch = 'd', .min = 0.1, .max = 3600, .d = &o.seconds},
	    {.ch = 'W', .min = 0, .max = 3600, .d = &o.warmup},
	    {.ch = 'T', .min = 1, .max = 64, .u = &o.threads},
	    {.ch = 'p', .s = &o.prefix},
	    {.ch = 't', .min = 1, .max = 600000, .i = &timeout_ms},
	    {.ch = 's', .long_name = "status", .flag = &status},
	    {.ch = 'S', .flag = &o.ordered_ids},
	    {0},
	};
	int first = bench_opts_parse(argc, argv, opts, usage);

	if (first != argc - 1)
		usage(argv[0]);
	o.endpoint = argv[first];
	if (status)
		return run_status(o.endpoint, timeout_ms);
	if (o.threads > o.clients)
		o.threads = o.clients;
	if (strlen(o.prefix) > 100 ||
	    strspn(o.prefix, "abcdefghijklmnopqrstuvwxyz"
			     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-") != strlen(o.prefix)) {
		fprintf(stderr, "bench_intake: -p: at most 100 of [A-Za-z0-9._:-]\n");
		return 2;
	}
	return run_load(&o);
}
