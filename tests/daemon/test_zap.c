/* zap: who may connect. The decision is tested as a function; the guard (no socket without a
 * handler) and the handler's thread are tested with real sockets in one process. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zmq.h>

#include "security/clients.h"
#include "dtest.h"
#include "loop/router.h"
#include "security/zap.h"

#define WAIT_MS 2000 /* a reply that comes at all comes well within this */

static char dir[PATH_MAX];
static char pub_known[CURVE_Z85_LEN + 1], sec_known[CURVE_Z85_LEN + 1];
static char pub_other[CURVE_Z85_LEN + 1], sec_other[CURVE_Z85_LEN + 1];
static char pub_server[CURVE_Z85_LEN + 1], sec_server[CURVE_Z85_LEN + 1];
static struct clients table;

static void load_table(void)
{
	char text[512], path[PATH_MAX], err[CONFIG_ERR_MAX];

	snprintf(text, sizeof(text),
		 "[forms]\ncurve_key = %s\nrole = intake\ntypes = referral.submitted\n"
		 "[ops]\nuid = 1000\nrole = operator\n[desk]\ngid = 2000\nrole = operator\n"
		 "[me]\nuid = %u\nrole = admin\n",
		 pub_known, (unsigned)getuid());
	dtest_write_file(dir, "clients.conf", text, path);
	chmod(path, 0644);
	if (clients_load(&table, path, err) < 0)
		fail_msg("%s", err);
}

static void decide(const struct clients *c, const char *domain, const char *address,
		   const char *mech, const char *z85, struct zap_verdict *v)
{
	uint8_t key[CURVE_KEY_BYTES];

	if (z85)
		assert_non_null(zmq_z85_decode(key, z85));
	zap_decide(c, domain, address, mech, z85 ? key : NULL, z85 ? sizeof(key) : 0, v);
}

static void test_curve_known_key_is_its_client(void **state)
{
	struct zap_verdict v;

	(void)state;
	decide(&table, "intake/tcp", "10.1.2.3", "CURVE", pub_known, &v);
	assert_int_equal(v.status, ZAP_OK);
	assert_string_equal(v.user_id, "forms");
}

static void test_curve_unknown_key_is_refused_and_printed(void **state)
{
	struct zap_verdict v;
	uint8_t short_key[31] = {0};

	(void)state;
	decide(&table, "intake/tcp", "10.1.2.3", "CURVE", pub_other, &v);
	assert_int_equal(v.status, ZAP_DENIED);
	assert_string_equal(v.user_id, "");
	assert_contains(v.why, pub_other);
	/* without a clients file no key is known */
	decide(NULL, "intake/tcp", "10.1.2.3", "CURVE", pub_known, &v);
	assert_int_equal(v.status, ZAP_DENIED);
	zap_decide(&table, "intake/tcp", "10.1.2.3", "CURVE", short_key, sizeof(short_key), &v);
	assert_int_equal(v.status, ZAP_DENIED);
}

static void test_ipc_null_is_identified_by_peer_credentials(void **state)
{
	struct zap_verdict v;

	(void)state;
	decide(&table, "control/ipc", "localhost:1000:5:4242", "NULL", NULL, &v);
	assert_int_equal(v.status, ZAP_OK);
	assert_string_equal(v.user_id, "ops");
	decide(&table, "control/ipc", "localhost:7:2000:4242", "NULL", NULL, &v);
	assert_int_equal(v.status, ZAP_OK);
	assert_string_equal(v.user_id, "desk");
	decide(&table, "control/ipc", "localhost:7:8:4242", "NULL", NULL, &v);
	assert_int_equal(v.status, ZAP_DENIED);
	assert_contains(v.why, "uid 7 and gid 8");
	/* no file: everyone who can open the socket, named by uid */
	decide(NULL, "control/ipc", "localhost:1000:5:4242", "NULL", NULL, &v);
	assert_int_equal(v.status, ZAP_OK);
	assert_string_equal(v.user_id, "uid:1000");
}

static void test_ipc_address_without_credentials_is_refused(void **state)
{
	static const char *const bad[] = {"",       "localhost",       "localhost:1:2",
					  ":1:2:3", "localhost:1::3",  "localhost:a:2:3",
					  "::1",    "localhost:1:2:3x"};
	struct zap_verdict v;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		decide(NULL, "intake/ipc", bad[i], "NULL", NULL, &v);
		if (v.status != ZAP_DENIED)
			fail_msg("'%s' was taken for peer credentials", bad[i]);
	}
}

static void test_tcp_null_only_without_a_clients_file(void **state)
{
	struct zap_verdict v;

	(void)state;
	decide(NULL, "intake/tcp", "127.0.0.1", "NULL", NULL, &v);
	assert_int_equal(v.status, ZAP_OK);
	assert_string_equal(v.user_id, "tcp:127.0.0.1");
	decide(&table, "intake/tcp", "127.0.0.1", "NULL", NULL, &v);
	assert_int_equal(v.status, ZAP_DENIED);
	/* the tcp domain never reads uids from the address, whatever it looks like */
	decide(&table, "intake/tcp", "localhost:1000:5:1", "NULL", NULL, &v);
	assert_int_equal(v.status, ZAP_DENIED);
}

/* An empty table (clients_load never makes one) admits nobody, on any transport. */
static void test_an_empty_table_admits_nobody(void **state)
{
	const struct clients empty = {0};
	struct zap_verdict v;

	(void)state;
	decide(&empty, "intake/ipc", "localhost:0:0:1", "NULL", NULL, &v);
	assert_int_equal(v.status, ZAP_DENIED);
	decide(&empty, "intake/tcp", "127.0.0.1", "NULL", NULL, &v);
	assert_int_equal(v.status, ZAP_DENIED);
}

/* Without CURVE a tcp endpoint listens on loopback only; should one get past the config
 * check, a peer from elsewhere is still refused (review: a tab between endpoints once did). */
static void test_tcp_null_only_from_loopback(void **state)
{
	static const char *const ok[] = {"127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"};
	static const char *const bad[] = {"192.0.2.2", "10.0.0.1", "::2", "1270.0.0.1", ""};
	struct zap_verdict v;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		decide(NULL, "control/tcp", ok[i], "NULL", NULL, &v);
		if (v.status != ZAP_OK)
			fail_msg("loopback peer %s refused", ok[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		decide(NULL, "control/tcp", bad[i], "NULL", NULL, &v);
		if (v.status != ZAP_DENIED)
			fail_msg("NULL tcp peer %s admitted", bad[i]);
	}
}

static void test_other_mechanisms_and_domains_are_refused(void **state)
{
	struct zap_verdict v;

	(void)state;
	decide(NULL, "intake/tcp", "127.0.0.1", "PLAIN", NULL, &v);
	assert_int_equal(v.status, ZAP_DENIED);
	decide(NULL, "intake", "localhost:0:0:1", "NULL", NULL, &v);
	assert_int_equal(v.status, ZAP_DENIED);
	decide(NULL, "/ipc", "localhost:0:0:1", "NULL", NULL, &v);
	assert_int_equal(v.status, ZAP_DENIED);
	decide(NULL, "", "localhost:0:0:1", "NULL", NULL, &v);
	assert_int_equal(v.status, ZAP_DENIED);
}

/* ---- with sockets ---------------------------------------------------------------------- */

/* libzmq lets any CURVE key in when no handler is bound: router_open must refuse. */
static void test_router_open_refuses_without_a_handler(void **state)
{
	void *ctx = zmq_ctx_new(), *s;
	struct router_opts o = {0};
	struct zap z;
	char err[SECURITY_ERR_MAX];

	(void)state;
	assert_false(zap_bound(ctx));
	s = router_open(ctx, ZMQ_ROUTER, "inproc://guard", "intake", &o, err, sizeof(err));
	assert_null(s);
	assert_contains(err, "no ZAP handler");
	/* the probe left the endpoint free: a handler can start after it */
	if (zap_start(&z, ctx, NULL, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_true(zap_bound(ctx));
	s = router_open(ctx, ZMQ_ROUTER, "inproc://guard", "intake", &o, err, sizeof(err));
	if (!s)
		fail_msg("%s", err);
	zmq_close(s);
	/* a second handler in the same context cannot bind */
	{
		struct zap z2;

		assert_int_equal(zap_start(&z2, ctx, NULL, err, sizeof(err)), -1);
		assert_contains(err, ZAP_ENDPOINT);
		zap_stop(&z2); /* never started: nothing to do */
	}
	zap_stop(&z);
	assert_false(zap_bound(ctx));
	zap_stop(&z); /* twice is harmless */
	zmq_ctx_term(ctx);
}

/* A DEALER with the given client key pair sends "hi"; returns the User-Id the ROUTER saw,
 * or "" when nothing arrived within WAIT_MS. */
static void try_connect(void *ctx, void *router, const char *ep, const char *pub, const char *sec,
			char user[CLIENTS_NAME_MAX + 1])
{
	void *d = zmq_socket(ctx, ZMQ_DEALER);
	int zero = 0;
	zmq_pollitem_t it = {router, 0, ZMQ_POLLIN, 0};

	zmq_setsockopt(d, ZMQ_LINGER, &zero, sizeof(zero));
	if (pub) {
		zmq_setsockopt(d, ZMQ_CURVE_SERVERKEY, pub_server, CURVE_Z85_LEN);
		zmq_setsockopt(d, ZMQ_CURVE_PUBLICKEY, pub, CURVE_Z85_LEN);
		zmq_setsockopt(d, ZMQ_CURVE_SECRETKEY, sec, CURVE_Z85_LEN);
	}
	assert_int_equal(zmq_connect(d, ep), 0);
	assert_int_equal(zmq_send(d, "hi", 2, 0), 2);
	user[0] = '\0';
	if (zmq_poll(&it, 1, WAIT_MS) == 1) {
		struct request q = {0};

		assert_int_equal(router_recv(router, &q), 1);
		snprintf(user, CLIENTS_NAME_MAX + 1, "%s", q.client);
		if (!*user)
			snprintf(user, CLIENTS_NAME_MAX + 1, "(no User-Id)");
		router_request_close(&q);
	}
	zmq_close(d);
}

static void test_handler_admits_known_keys_only_over_tcp(void **state)
{
	void *ctx = zmq_ctx_new(), *r;
	struct security sec = {.clients = table};
	struct router_opts o = {.sec = &sec};
	char err[SECURITY_ERR_MAX], ep[64], ipc[PATH_MAX + 16], list[PATH_MAX + 100];
	char user[CLIENTS_NAME_MAX + 1];
	size_t len = sizeof(ep);
	struct zap z;

	(void)state;
	snprintf(sec.secret_key, sizeof(sec.secret_key), "%s", sec_server);
	if (zap_start(&z, ctx, &table, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	snprintf(ipc, sizeof(ipc), "ipc://%.4000s/z.sock", dir);
	snprintf(list, sizeof(list), "tcp://127.0.0.1:*, %s", ipc);
	r = router_open(ctx, ZMQ_ROUTER, list, "intake", &o, err, sizeof(err));
	if (!r)
		fail_msg("%s", err);
	/* on the same socket, ipc is never CURVE: a client is known by its uid */
	try_connect(ctx, r, ipc, pub_known, sec_known, user);
	assert_string_equal(user, "");
	try_connect(ctx, r, ipc, NULL, NULL, user);
	assert_string_equal(user, "me");
	zmq_close(r);

	/* tcp alone, to learn its port */
	r = router_open(ctx, ZMQ_ROUTER, "tcp://127.0.0.1:*", "intake", &o, err, sizeof(err));
	if (!r)
		fail_msg("%s", err);
	len = sizeof(ep);
	assert_int_equal(zmq_getsockopt(r, ZMQ_LAST_ENDPOINT, ep, &len), 0);
	try_connect(ctx, r, ep, pub_known, sec_known, user);
	assert_string_equal(user, "forms");
	try_connect(ctx, r, ep, pub_other, sec_other, user);
	assert_string_equal(user, "");
	try_connect(ctx, r, ep, NULL, NULL, user); /* no CURVE at all */
	assert_string_equal(user, "");
	zmq_close(r);
	zap_stop(&z);
	zmq_ctx_term(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_curve_known_key_is_its_client),
	    cmocka_unit_test(test_curve_unknown_key_is_refused_and_printed),
	    cmocka_unit_test(test_ipc_null_is_identified_by_peer_credentials),
	    cmocka_unit_test(test_ipc_address_without_credentials_is_refused),
	    cmocka_unit_test(test_tcp_null_only_without_a_clients_file),
	    cmocka_unit_test(test_tcp_null_only_from_loopback),
	    cmocka_unit_test(test_an_empty_table_admits_nobody),
	    cmocka_unit_test(test_other_mechanisms_and_domains_are_refused),
	    cmocka_unit_test(test_router_open_refuses_without_a_handler),
	    cmocka_unit_test(test_handler_admits_known_keys_only_over_tcp),
	};
	int rc;

	if (zmq_curve_keypair(pub_known, sec_known) || zmq_curve_keypair(pub_other, sec_other) ||
	    zmq_curve_keypair(pub_server, sec_server)) {
		fprintf(stderr, "zmq_curve_keypair: %s\n", zmq_strerror(zmq_errno()));
		return 1;
	}
	dtest_fresh_dir("zap", dir);
	load_table();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	clients_free(&table);
	return rc;
}
