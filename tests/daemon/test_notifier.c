/* notifier: the outbox published on PUB (PROTOCOL.md "Notify: notifications"). Subscribers
 * are SUB sockets on inproc endpoints of the test's own context. A SUB's subscription reaches
 * PUB asynchronously, so each subscriber is first warmed up: a probe notification is
 * published until one arrives (bounded by WAIT_CAP_MS), and only then does the test publish
 * what it checks. */
#include <string.h>
#include <time.h>

#include <zmq.h>

#include "dtest.h"
#include "workers/notifier.h"
#include "security/zap.h"

#define MAP          (1u << 22)
#define WAIT_CAP_MS  5000 /* the longest any test waits for a notification */
#define PROBE_MS     20   /* how long one warm-up probe is waited for */
#define PROBE_TOPIC  "test.probe"
#define EP           "inproc://notify-test"
#define NOTIFY_CHUNK 256 /* notifier.c's entries per read transaction */

/* ---- fixtures -------------------------------------------------------------------------- */

struct nt {
	struct dstore d;
	void *zctx;
	struct notifier n;
	uint64_t seq; /* the last seq written to the outbox */
	void *subs[2];
	struct zap zap; /* router_open refuses to bind without one */
};

static int setup(void **state)
{
	struct nt *t = calloc(1, sizeof(*t));
	char err[256];

	assert_non_null(t);
	dstore_open(&t->d, "notifier", MAP, MAP);
	t->zctx = zmq_ctx_new();
	assert_non_null(t->zctx);
	if (zap_start(&t->zap, t->zctx, NULL, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	t->n = (struct notifier){.zctx = t->zctx, .endpoints = EP, .st = &t->d.st};
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct nt *t = *state;

	notifier_stop(&t->n);
	for (size_t i = 0; i < 2; i++)
		if (t->subs[i])
			zmq_close(t->subs[i]);
	zap_stop(&t->zap);
	zmq_ctx_term(t->zctx);
	dstore_close(&t->d);
	free(t);
	return 0;
}

/* Packs {"v":1,"seq":seq,"topic":topic,"at":...,"case":...} as the outbox stores it. */
static void pack_note(msgpack_sbuffer *sb, uint64_t seq, const char *topic)
{
	msgpack_packer pk;

	msgpack_sbuffer_init(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 5);
	proto_pack_cstr(&pk, "v");
	msgpack_pack_uint8(&pk, 1);
	proto_pack_cstr(&pk, "seq");
	msgpack_pack_uint64(&pk, seq);
	proto_pack_cstr(&pk, "topic");
	proto_pack_cstr(&pk, topic);
	proto_pack_cstr(&pk, "at");
	msgpack_pack_uint64(&pk, NOW_MS + seq);
	proto_pack_cstr(&pk, "case");
	proto_pack_cstr(&pk, "NA-2026-000001");
}

/* Writes the next notification to the outbox (committed, not yet posted); returns its seq. */
static uint64_t write_note(struct nt *t, const char *topic)
{
	uint8_t key[8];
	msgpack_sbuffer sb;
	MDB_txn *txn;

	t->seq++;
	pack_note(&sb, t->seq, topic);
	store_be64(key, t->seq);
	assert_int_equal(store_begin(&t->d.st, false, &txn), 0);
	assert_int_equal(store_put(&t->d.st, txn, DB_OUTBOX, key, 8, sb.data, sb.size), 0);
	assert_int_equal(store_commit(&txn), 0);
	msgpack_sbuffer_destroy(&sb);
	return t->seq;
}

static void *sub_open(struct nt *t, size_t slot, const char *ep)
{
	int zero = 0;
	void *s = zmq_socket(t->zctx, ZMQ_SUB);

	assert_non_null(s);
	zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero));
	assert_int_equal(zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0), 0);
	assert_int_equal(zmq_connect(s, ep), 0);
	t->subs[slot] = s;
	return s;
}

/* One notification as received: its two frames, checked against each other. */
struct got {
	uint64_t seq;
	char topic[64];
	msgpack_sbuffer bytes; /* frame 2 */
};

/* Receives one notification within ms; false when none came. Fails the test unless it is
 * exactly two frames, the topic then a map whose "topic" repeats it. */
static bool recv_note(void *sub, int ms, struct got *g)
{
	zmq_pollitem_t it = {.socket = sub, .events = ZMQ_POLLIN};
	zmq_msg_t f1, f2;
	msgpack_unpacked up;
	size_t off = 0;

	if (zmq_poll(&it, 1, ms) != 1)
		return false;
	zmq_msg_init(&f1);
	zmq_msg_init(&f2);
	assert_true(zmq_msg_recv(&f1, sub, 0) >= 0);
	assert_true(zmq_msg_more(&f1));
	assert_true(zmq_msg_recv(&f2, sub, 0) >= 0);
	assert_false(zmq_msg_more(&f2)); /* two frames, no more */
	assert_true(zmq_msg_size(&f1) < sizeof(g->topic));
	memcpy(g->topic, zmq_msg_data(&f1), zmq_msg_size(&f1));
	g->topic[zmq_msg_size(&f1)] = '\0';
	msgpack_sbuffer_init(&g->bytes);
	msgpack_sbuffer_write(&g->bytes, zmq_msg_data(&f2), zmq_msg_size(&f2));

	msgpack_unpacked_init(&up);
	assert_int_equal(msgpack_unpack_next(&up, g->bytes.data, g->bytes.size, &off),
			 MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(off, g->bytes.size);
	assert_mp_str(&up.data, "topic", g->topic);
	g->seq = mp_u64(&up.data, "seq");
	msgpack_unpacked_destroy(&up);
	zmq_msg_close(&f1);
	zmq_msg_close(&f2);
	return true;
}

static void got_release(struct got *g)
{
	msgpack_sbuffer_destroy(&g->bytes);
}

/* Receives the next notification that is not a probe, within WAIT_CAP_MS; its seq. */
static uint64_t next_seq(void *sub, struct got *g)
{
	for (;;) {
		if (!recv_note(sub, WAIT_CAP_MS, g))
			fail_msg("no notification within %d ms", WAIT_CAP_MS);
		if (strcmp(g->topic, PROBE_TOPIC) != 0)
			return g->seq;
		got_release(g);
	}
}

/* Publishes probes until sub receives one: from then on sub receives everything published.
 * Probes still on their way to any subscriber are skipped by next_seq. */
static void warm_up(struct nt *t, void *sub)
{
	struct got g;

	for (int waited = 0;; waited += PROBE_MS) {
		if (waited > WAIT_CAP_MS)
			fail_msg("a subscriber was not live within %d ms", WAIT_CAP_MS);
		notifier_post(&t->n, write_note(t, PROBE_TOPIC));
		if (recv_note(sub, PROBE_MS, &g))
			break;
	}
	got_release(&g);
}

static uint64_t published_of(struct notifier *n)
{
	uint64_t v;

	pthread_mutex_lock(&n->mu);
	v = n->published;
	pthread_mutex_unlock(&n->mu);
	return v;
}

/* The notifier records how far it published after its read transaction ends, which may be
 * after a subscriber has the frames: waits (bounded) until it has got to at least seq, and
 * returns where it is. */
static uint64_t wait_published(struct notifier *n, uint64_t seq)
{
	struct timespec tick = {0, 1000000};

	for (int waited = 0; published_of(n) < seq; waited++) {
		if (waited > WAIT_CAP_MS)
			fail_msg("published %llu, not %llu, after %d ms",
				 (unsigned long long)published_of(n), (unsigned long long)seq,
				 WAIT_CAP_MS);
		nanosleep(&tick, NULL);
	}
	return published_of(n);
}

static void start(struct nt *t)
{
	char err[256];

	if (notifier_start(&t->n, err, sizeof(err), t->seq) != 0)
		fail_msg("notifier_start: %s", err);
	assert_true(t->n.started);
}

/* ---- tests ----------------------------------------------------------------------------- */

/* "Each notification is two frames: the topic ... and a MessagePack map"; seq order; the map
 * byte for byte as stored (as notifications.since returns it). */
static void test_protocol_notify_two_frames_in_seq_order_as_stored(void **state)
{
	static const char *const topics[] = {"case.opened", "case.state_changed",
					     "deadline.breached", "deadline.escalated",
					     "case.closed"};
	struct nt *t = *state;
	void *sub;
	uint64_t first;
	struct got g;

	start(t);
	sub = sub_open(t, 0, EP);
	warm_up(t, sub);
	first = t->seq + 1;
	for (size_t i = 0; i < 5; i++)
		write_note(t, topics[i]);
	notifier_post(&t->n, t->seq); /* one post for the whole commit */

	for (size_t i = 0; i < 5; i++) {
		msgpack_sbuffer want;

		assert_int_equal(next_seq(sub, &g), first + i);
		assert_string_equal(g.topic, topics[i]);
		pack_note(&want, first + i, topics[i]);
		assert_int_equal(g.bytes.size, want.size);
		assert_memory_equal(g.bytes.data, want.data, want.size);
		msgpack_sbuffer_destroy(&want);
		got_release(&g);
	}
	assert_int_equal(wait_published(&t->n, t->seq), t->seq);
}

/* "Every notification is written to a durable outbox ... then published": only what the
 * reactor has said is committed goes out, and a later post publishes the rest once. */
static void test_protocol_notify_publishes_up_to_the_committed_seq_only(void **state)
{
	struct nt *t = *state;
	void *sub;
	uint64_t a, b, c;
	struct got g;

	start(t);
	sub = sub_open(t, 0, EP);
	warm_up(t, sub);
	a = write_note(t, "case.opened");
	b = write_note(t, "case.state_changed");
	c = write_note(t, "case.closed");
	notifier_post(&t->n, b);
	assert_int_equal(next_seq(sub, &g), a);
	got_release(&g);
	assert_int_equal(next_seq(sub, &g), b);
	got_release(&g);
	assert_int_equal(wait_published(&t->n, b), b); /* not c: it was not posted */

	notifier_post(&t->n, b); /* an old post changes nothing */
	notifier_post(&t->n, c);
	assert_int_equal(next_seq(sub, &g), c); /* neither a nor b again */
	got_release(&g);
}

/* notifier_start: "notifications up to last_seq (already in the outbox at start) are not
 * published again". */
static void test_protocol_notify_start_does_not_republish_the_outbox(void **state)
{
	struct nt *t = *state;
	void *sub;
	uint64_t old;
	struct got g;

	for (int i = 0; i < 3; i++)
		write_note(t, "case.opened");
	old = t->seq;
	start(t);
	assert_int_equal(published_of(&t->n), old);
	sub = sub_open(t, 0, EP);
	warm_up(t, sub);
	write_note(t, "case.closed");
	notifier_post(&t->n, t->seq);
	assert_int_equal(next_seq(sub, &g), t->seq); /* after the probes, past old */
	assert_true(t->seq > old);
	assert_string_equal(g.topic, "case.closed");
	got_release(&g);
}

/* "PUB drops messages for absent or slow subscribers, so a subscriber that ... starts late,
 * asks the control socket for notifications.since": a late subscriber gets only what is
 * published after it joined, while the early one gets everything. */
static void test_protocol_notify_late_subscriber_misses_earlier_ones(void **state)
{
	struct nt *t = *state;
	void *early, *late;
	uint64_t before, after;
	struct got g;

	start(t);
	early = sub_open(t, 0, EP);
	warm_up(t, early);
	write_note(t, "case.opened");
	before = write_note(t, "case.state_changed");
	notifier_post(&t->n, before);
	assert_int_equal(next_seq(early, &g), before - 1);
	got_release(&g);
	assert_int_equal(next_seq(early, &g), before);
	got_release(&g);

	late = sub_open(t, 1, EP);
	warm_up(t, late);
	after = write_note(t, "case.closed");
	notifier_post(&t->n, after);
	assert_int_equal(next_seq(late, &g), after); /* nothing up to `before` ever came */
	got_release(&g);
	assert_int_equal(next_seq(early, &g), after);
	got_release(&g);
}

/* notifier_stop "publishes what is committed, then stops": a post just before stopping is
 * not lost, across more than one read transaction. */
static void test_protocol_notify_stop_publishes_pending_ones(void **state)
{
	struct nt *t = *state;
	enum { N = NOTIFY_CHUNK + 44 };
	void *sub;
	uint64_t first;
	struct got g;

	start(t);
	sub = sub_open(t, 0, EP);
	warm_up(t, sub);
	first = t->seq + 1;
	for (int i = 0; i < N; i++)
		write_note(t, "deadline.reminder");
	notifier_post(&t->n, t->seq);
	notifier_stop(&t->n);
	assert_false(t->n.started);
	assert_int_equal(t->n.published, t->seq);
	for (uint64_t s = first; s < first + N; s++) {
		assert_int_equal(next_seq(sub, &g), s);
		got_release(&g);
	}
}

/* A committed seq missing from the outbox (a bug elsewhere) is passed over: it cannot stall
 * the notifications after it. */
static void test_design_notify_a_missing_entry_does_not_stall_the_rest(void **state)
{
	struct nt *t = *state;
	uint8_t key[8];
	MDB_txn *txn;
	void *sub;
	uint64_t a, c;
	struct got g;

	start(t);
	sub = sub_open(t, 0, EP);
	warm_up(t, sub);
	a = write_note(t, "case.opened");
	write_note(t, "case.state_changed");
	c = write_note(t, "case.closed");
	store_be64(key, a + 1);
	assert_int_equal(store_begin(&t->d.st, false, &txn), 0);
	assert_int_equal(store_del(&t->d.st, txn, DB_OUTBOX, key, 8), 0);
	assert_int_equal(store_commit(&txn), 0);
	notifier_post(&t->n, c + 1); /* and one past the end */

	assert_int_equal(next_seq(sub, &g), a);
	got_release(&g);
	assert_int_equal(next_seq(sub, &g), c);
	got_release(&g);
	notifier_stop(&t->n);
	assert_int_equal(t->n.published, c + 1);
}

/* PROTOCOL.md "Sockets": "An endpoint value may list several endpoints separated by commas";
 * blanks around them are trimmed. */
static void test_protocol_notify_binds_every_endpoint_of_the_list(void **state)
{
	struct nt *t = *state;
	void *a, *b;
	struct got g;

	t->n.endpoints = " inproc://notify-a ,inproc://notify-b";
	start(t);
	a = sub_open(t, 0, "inproc://notify-a");
	b = sub_open(t, 1, "inproc://notify-b");
	warm_up(t, a);
	warm_up(t, b);
	notifier_post(&t->n, write_note(t, "case.opened"));
	assert_int_equal(next_seq(a, &g), t->seq);
	got_release(&g);
	assert_int_equal(next_seq(b, &g), t->seq);
	got_release(&g);
}

/* notifier_start binds on the caller's thread, "so a bad endpoint fails the start". */
static void test_protocol_notify_bad_endpoint_fails_the_start(void **state)
{
	struct nt *t = *state;
	char err[256] = "";

	t->n.endpoints = "inproc://notify-ok, bogus://nowhere";
	assert_int_equal(notifier_start(&t->n, err, sizeof(err), 0), -1);
	assert_false(t->n.started);
	assert_contains(err, "bogus://nowhere");
	assert_null(t->n.pub);

	t->n.endpoints = " , ";
	assert_int_equal(notifier_start(&t->n, err, sizeof(err), 0), -1);
	assert_contains(err, "no endpoint");
	notifier_stop(&t->n); /* never started: nothing to do */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_protocol_notify_two_frames_in_seq_order_as_stored,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_protocol_notify_publishes_up_to_the_committed_seq_only, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_protocol_notify_start_does_not_republish_the_outbox, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_protocol_notify_late_subscriber_misses_earlier_ones, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_protocol_notify_stop_publishes_pending_ones, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(
		test_design_notify_a_missing_entry_does_not_stall_the_rest, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_protocol_notify_binds_every_endpoint_of_the_list,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_protocol_notify_bad_endpoint_fails_the_start,
					    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
