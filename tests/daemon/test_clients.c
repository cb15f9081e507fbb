/* clients: the clients file is read strictly (every error names its file, line, client and
 * key), and lookups find exactly the client meant. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zmq.h>

#include "security/clients.h"
#include "dtest.h"

static char dir[PATH_MAX];
static char key_a[CURVE_Z85_LEN + 1], key_b[CURVE_Z85_LEN + 1]; /* two public keys, Z85 */

/* Loads text as a clients file; returns clients_load's result, err and the file's path. */
static int load_text(const char *text, struct clients *ret, char err[CONFIG_ERR_MAX],
		     char path[PATH_MAX])
{
	dtest_write_file(dir, "clients.conf", text, path);
	assert_int_equal(chmod(path, 0644), 0);
	return clients_load(ret, path, err);
}

/* text must be refused with "PATH:LINE: " followed by want, and then needle (may be NULL). */
#define assert_refused(text, line, want, needle)                                                   \
	check_refused((text), (line), (want), (needle), __FILE__, __LINE__)
static void check_refused(const char *text, int line, const char *want, const char *needle,
			  const char *file, int at)
{
	struct clients c = {0};
	char err[CONFIG_ERR_MAX], path[PATH_MAX], head[PATH_MAX + 600];

	if (load_text(text, &c, err, path) != -1)
		fail_msg("%s:%d: accepted:\n%s", file, at, text);
	assert_null(c.v);
	snprintf(head, sizeof(head), "%s:%d: %s", path, line, want);
	if (strncmp(err, head, strlen(head)) != 0)
		fail_msg("%s:%d: error '%s' does not start with '%s'", file, at, err, head);
	if (needle)
		dtest_contains(err, needle, file, at);
}

static void test_loads_clients_sorted_by_name(void **state)
{
	struct clients c = {0};
	char text[512], err[CONFIG_ERR_MAX], path[PATH_MAX];
	uint8_t bin[CURVE_KEY_BYTES];

	(void)state;
	snprintf(text, sizeof(text),
		 "# who may connect\n"
		 "[zeta-forms]\n"
		 "curve_key = %s\n"
		 "role = intake\n"
		 "types = declaration.submitted, referral.submitted\n"
		 "\n"
		 "[alpha-ops]\n"
		 "curve_key = %s\n"
		 "role = operator\n"
		 "[psd-admin]\n"
		 "uid = 0\n"
		 "role = admin\n"
		 "[desk]\n"
		 "gid = root\n"
		 "role = operator\n",
		 key_a, key_b);
	if (load_text(text, &c, err, path) < 0)
		fail_msg("%s", err);
	assert_int_equal(c.n, 4);
	assert_string_equal(c.v[0].name, "alpha-ops");
	assert_string_equal(c.v[1].name, "desk");
	assert_string_equal(c.v[2].name, "psd-admin");
	assert_string_equal(c.v[3].name, "zeta-forms");
	assert_true(c.v[0].has_key && !c.v[0].has_uid && !c.v[0].has_gid);
	assert_non_null(zmq_z85_decode(bin, key_b));
	assert_memory_equal(c.v[0].key, bin, sizeof(bin));
	assert_true(c.v[1].has_gid && c.v[1].gid == 0); /* a group name, looked up */
	assert_true(c.v[2].has_uid && c.v[2].uid == 0);
	assert_int_equal(c.v[3].role, CLIENT_INTAKE);
	assert_int_equal(c.v[3].ntypes, 2);
	assert_string_equal(c.v[3].types[0]->name, "declaration.submitted");
	assert_string_equal(c.v[3].types[1]->name, "referral.submitted");
	clients_free(&c);
	assert_null(c.v);
	assert_int_equal(c.n, 0);
	clients_free(&c); /* twice is harmless */
	clients_free(NULL);
}

static void test_user_names_are_looked_up(void **state)
{
	struct clients c = {0};
	char err[CONFIG_ERR_MAX], path[PATH_MAX];

	(void)state;
	if (load_text("[r]\nuid = root\nrole = admin\n", &c, err, path) < 0)
		fail_msg("%s", err);
	assert_true(c.v[0].has_uid);
	assert_int_equal(c.v[0].uid, 0);
	clients_free(&c);
	assert_refused("[r]\nuid = no-such-user-here\nrole = admin\n", 2,
		       "[r] uid: ", "'no-such-user-here' is not a user");
	assert_refused("[r]\ngid = no-such-group-here\nrole = admin\n", 2,
		       "[r] gid: ", "not a group");
}

static void test_file_errors(void **state)
{
	struct clients c = {0};
	char err[CONFIG_ERR_MAX], path[PATH_MAX];

	(void)state;
	snprintf(path, sizeof(path), "%.4000s/absent.conf", dir);
	assert_int_equal(clients_load(&c, path, err), -1);
	assert_contains(err, path);
	assert_contains(err, "No such file");

	/* a file others may write would let them grant themselves a role */
	dtest_write_file(dir, "open.conf", "[r]\nuid = 0\nrole = admin\n", path);
	assert_int_equal(chmod(path, 0664), 0);
	assert_int_equal(clients_load(&c, path, err), -1);
	assert_contains(err, path);
	assert_contains(err, "0664");
	assert_null(c.v);

	/* a directory is not a clients file */
	assert_int_equal(clients_load(&c, dir, err), -1);
	assert_contains(err, "not a regular file");

	/* nor one another user owns (only root can give a file away to check it) */
	if (geteuid() == 0) {
		dtest_write_file(dir, "theirs.conf", "[r]\nuid = 0\nrole = admin\n", path);
		assert_int_equal(chmod(path, 0644), 0);
		assert_int_equal(chown(path, 4242, 4242), 0);
		assert_int_equal(clients_load(&c, path, err), -1);
		assert_contains(err, "owned by uid 4242");
		assert_null(c.v);
	}
}

static void test_a_file_naming_nobody_is_refused(void **state)
{
	struct clients c = {0};
	char err[CONFIG_ERR_MAX], path[PATH_MAX];

	(void)state;
	/* a file naming nobody is refused at load (an empty table would admit nobody) */
	assert_int_equal(load_text("# nobody yet\n", &c, err, path), -1);
	assert_contains(err, "names no client");
	assert_int_equal(load_text("", &c, err, path), -1);
	assert_contains(err, "names no client");
}

static void test_syntax_errors_name_their_line(void **state)
{
	char big[400];

	(void)state;
	assert_refused("role = admin\n", 1, "role: ", "outside a client's section");
	assert_refused("[a]\nuid = 0\nrole = admin\nthis is not ini\n", 4, "not a key = value line",
		       NULL);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	{
		char text[600];

		snprintf(text, sizeof(text), "[a]\nuid = 0\nrole = admin\n# %s\n", big);
		assert_refused(text, 4, "line longer than", NULL);
	}
	assert_refused("[a]\nuid = 0\nrole = admin\nuser = x\n", 4, "[a] user: ", "unknown key");
	assert_refused("[a]\nuid = 0\nrole = admin\nrole = admin\n", 4, "[a] role: ", "set twice");
}

static void test_client_names(void **state)
{
	char text[300];

	(void)state;
	assert_refused("[]\nuid = 0\nrole = admin\n", 1, "", "not a client name");
	assert_refused("[a b]\nuid = 0\nrole = admin\n", 1, "'a b' is not a client name", NULL);
	assert_refused("[uid:0]\nuid = 0\nrole = admin\n", 1, "", "not a client name");
	/* 63 bytes is the longest name (the ZAP User-Id); inih would cut it at 50 */
	snprintf(text, sizeof(text), "[%.63s]\nuid = 0\nrole = admin\n",
		 "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopq");
	{
		struct clients c = {0};
		char err[CONFIG_ERR_MAX], path[PATH_MAX];

		if (load_text(text, &c, err, path) < 0)
			fail_msg("%s", err);
		assert_int_equal(strlen(c.v[0].name), CLIENTS_NAME_MAX);
		assert_non_null(clients_by_name(&c, c.v[0].name));
		clients_free(&c);
	}
	snprintf(text, sizeof(text), "[%.64s]\nuid = 0\nrole = admin\n",
		 "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopq");
	assert_refused(text, 1, "", "not a client name");
}

static void test_identity_errors(void **state)
{
	char text[300];

	(void)state;
	assert_refused("[a]\nrole = admin\n[b]\nuid = 1\nrole = admin\n", 1,
		       "[a]: ", "needs curve_key");
	assert_refused("[a]\nuid = 0\ngid = 0\nrole = admin\n", 1, "[a]: ", "exactly one");
	snprintf(text, sizeof(text), "[a]\ncurve_key = %s\nuid = 0\nrole = admin\n", key_a);
	assert_refused(text, 1, "[a]: ", "exactly one");
	/* a key with a char outside Z85, one too short, one too long */
	snprintf(text, sizeof(text), "[a]\ncurve_key = %.39s~\nrole = admin\n", key_a);
	assert_refused(text, 2, "[a] curve_key: ", "not a CURVE public key");
	snprintf(text, sizeof(text), "[a]\ncurve_key = %.39s\nrole = admin\n", key_a);
	assert_refused(text, 2, "[a] curve_key: ", "40 Z85 characters");
	snprintf(text, sizeof(text), "[a]\ncurve_key = %sA\nrole = admin\n", key_a);
	assert_refused(text, 2, "[a] curve_key: ", "not a CURVE public key");
	assert_refused("[a]\nuid = -1\nrole = admin\n", 2, "[a] uid: ", "not a user");
	assert_refused("[a]\nuid = 4294967295\nrole = admin\n", 2, "[a] uid: ", "not a user");
	assert_refused("[a]\nuid = 12x\nrole = admin\n", 2, "[a] uid: ", "not a user");
	assert_refused("[a]\ngid = 99999999999999999999\nrole = admin\n", 2,
		       "[a] gid: ", "not a group");
}

static void test_role_and_types_errors(void **state)
{
	(void)state;
	assert_refused("[a]\nuid = 0\n", 1, "[a] role: ", "missing");
	assert_refused("[a]\nuid = 0\nrole = root\n", 3, "[a] role: ", "'root' is not a role");
	assert_refused("[a]\nuid = 0\nrole = none\n", 3, "[a] role: ", "not a role");
	assert_refused("[a]\nuid = 0\nrole = any\n", 3, "[a] role: ", "not a role");
	assert_refused("[a]\nuid = 0\nrole = intake\n", 1, "[a] types: ", "missing");
	assert_refused("[a]\nuid = 0\nrole = intake\ntypes = declaration.submitted, "
		       "case.teleported\n",
		       4, "[a] types: ", "'case.teleported' is not an event type");
	assert_refused("[a]\nuid = 0\nrole = intake\ntypes = referral.submitted,"
		       "referral.submitted\n",
		       4, "[a] types: ", "listed twice");
	assert_refused("[a]\nuid = 0\nrole = intake\ntypes = ,\n", 4,
		       "[a] types: ", "at least one");
	assert_refused("[a]\nuid = 0\nrole = operator\ntypes = referral.submitted\n", 1,
		       "[a] types: ", "only an intake client");
}

static void test_duplicates_are_refused(void **state)
{
	char text[400];

	(void)state;
	assert_refused("[a]\nuid = 0\nrole = admin\n[b]\nuid = 1\nrole = admin\n\n[a]\nuid = "
		       "2\nrole = admin\n",
		       8, "[a]: ", "a second client of this name");
	snprintf(text, sizeof(text),
		 "[a]\ncurve_key = %s\nrole = admin\n[b]\ncurve_key = %s\nrole = operator\n", key_a,
		 key_a);
	assert_refused(text, 4, "[b] curve_key: ", "the same as client [a]'s");
	assert_refused("[a]\nuid = 5\nrole = admin\n[b]\nuid = 5\nrole = operator\n", 4,
		       "[b] uid: ", "[a]");
	assert_refused("[a]\ngid = 5\nrole = admin\n[b]\ngid = 5\nrole = operator\n", 4,
		       "[b] gid: ", "[a]");
	/* the same number as a uid and as a gid are different identities */
	{
		struct clients c = {0};
		char err[CONFIG_ERR_MAX], path[PATH_MAX];

		if (load_text("[a]\nuid = 5\nrole = admin\n[b]\ngid = 5\nrole = operator\n", &c,
			      err, path) < 0)
			fail_msg("%s", err);
		clients_free(&c);
	}
}

static void test_at_most_clients_max(void **state)
{
	static char text[(CLIENTS_MAX + 1) * 40];
	size_t off = 0;
	struct clients c = {0};
	char err[CONFIG_ERR_MAX], path[PATH_MAX];

	(void)state;
	for (int i = 0; i < CLIENTS_MAX; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
					"[c%d]\nuid = %d\nrole = operator\n", i, i);
	if (load_text(text, &c, err, path) < 0)
		fail_msg("%s", err);
	assert_int_equal(c.n, CLIENTS_MAX);
	assert_non_null(clients_by_name(&c, "c255"));
	assert_int_equal(clients_by_unix(&c, 200, 99999)->uid, 200);
	clients_free(&c);
	snprintf(text + off, sizeof(text) - off, "[c%d]\nuid = %d\nrole = operator\n", CLIENTS_MAX,
		 CLIENTS_MAX);
	assert_refused(text, 3 * CLIENTS_MAX + 1, "more than 256 clients", NULL);
}

static void test_lookups(void **state)
{
	struct clients c = {0};
	char text[512], err[CONFIG_ERR_MAX], path[PATH_MAX];
	uint8_t a[CURVE_KEY_BYTES], b[CURVE_KEY_BYTES], other[CURVE_KEY_BYTES] = {0};

	(void)state;
	snprintf(text, sizeof(text),
		 "[forms]\ncurve_key = %s\nrole = intake\ntypes = referral.submitted\n"
		 "[ops]\ncurve_key = %s\nrole = operator\n"
		 "[by-uid]\nuid = 1000\nrole = admin\n"
		 "[by-gid]\ngid = 1000\nrole = operator\n",
		 key_a, key_b);
	if (load_text(text, &c, err, path) < 0)
		fail_msg("%s", err);
	zmq_z85_decode(a, key_a);
	zmq_z85_decode(b, key_b);

	assert_string_equal(clients_by_name(&c, "forms")->name, "forms");
	assert_string_equal(clients_by_name(&c, "by-gid")->name, "by-gid");
	assert_null(clients_by_name(&c, "form"));
	assert_null(clients_by_name(&c, ""));
	assert_null(clients_by_name(&c, NULL));
	assert_null(clients_by_name(NULL, "forms"));

	assert_string_equal(clients_by_key(&c, a)->name, "forms");
	assert_string_equal(clients_by_key(&c, b)->name, "ops");
	assert_null(clients_by_key(&c, other));
	assert_null(clients_by_key(NULL, a));

	/* uid first, then the primary gid; neither: nobody */
	assert_string_equal(clients_by_unix(&c, 1000, 1000)->name, "by-uid");
	assert_string_equal(clients_by_unix(&c, 1001, 1000)->name, "by-gid");
	assert_null(clients_by_unix(&c, 1001, 1001));
	assert_null(clients_by_unix(NULL, 1000, 1000));

	/* a name the ZAP handler gave; an unknown one (or none) is nobody when there is a file */
	assert_string_equal(clients_resolve(&c, "ops")->name, "ops");
	assert_null(clients_resolve(&c, "uid:1000"));
	assert_null(clients_resolve(&c, ""));
	assert_null(clients_resolve(&c, NULL));
	clients_free(&c);
}

static void test_without_a_file_everyone_is_any(void **state)
{
	const struct clients empty = {0};
	const struct client *any = clients_resolve(NULL, "uid:1000");

	(void)state;
	assert_non_null(any);
	assert_int_equal(any->role, CLIENT_ANY);
	assert_null(clients_resolve(&empty, "")); /* an empty table is not "no file" */
	assert_ptr_equal(clients_resolve(NULL, NULL), any);
	assert_true(
	    client_may_send(any, proto_type_find((struct proto_str){"referral.submitted", 18})));
	assert_true(client_may_control(any, CTL_READ));
	assert_true(client_may_control(any, CTL_ADMIN));
}

static void test_rights_follow_the_role(void **state)
{
	const struct proto_type *decl_t =
	    proto_type_find((struct proto_str){"declaration.submitted", 21});
	const struct proto_type *ref_t =
	    proto_type_find((struct proto_str){"referral.submitted", 18});
	struct client intake = {.role = CLIENT_INTAKE, .types = {ref_t}, .ntypes = 1};
	struct client op = {.role = CLIENT_OPERATOR}, admin = {.role = CLIENT_ADMIN};
	struct client none = {.role = CLIENT_NONE};

	(void)state;
	assert_non_null(decl_t);
	assert_true(client_may_send(&intake, ref_t));
	assert_false(client_may_send(&intake, decl_t));
	assert_false(client_may_send(&intake, NULL));
	assert_false(client_may_send(&op, ref_t));
	assert_false(client_may_send(&admin, ref_t));
	assert_false(client_may_send(NULL, ref_t));

	assert_false(client_may_control(&intake, CTL_READ));
	assert_true(client_may_control(&op, CTL_READ));
	assert_false(client_may_control(&op, CTL_ADMIN));
	assert_true(client_may_control(&admin, CTL_READ));
	assert_true(client_may_control(&admin, CTL_ADMIN));
	assert_false(client_may_control(&none, CTL_READ));
	assert_false(client_may_control(NULL, CTL_READ));

	assert_string_equal(client_role_name(CLIENT_INTAKE), "intake");
	assert_string_equal(client_role_name(CLIENT_OPERATOR), "operator");
	assert_string_equal(client_role_name(CLIENT_ADMIN), "admin");
	assert_string_equal(client_role_name(CLIENT_ANY), "any");
	assert_string_equal(client_role_name(CLIENT_NONE), "none");
	assert_string_equal(client_role_name((enum client_role)42), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_loads_clients_sorted_by_name),
	    cmocka_unit_test(test_user_names_are_looked_up),
	    cmocka_unit_test(test_file_errors),
	    cmocka_unit_test(test_a_file_naming_nobody_is_refused),
	    cmocka_unit_test(test_syntax_errors_name_their_line),
	    cmocka_unit_test(test_client_names),
	    cmocka_unit_test(test_identity_errors),
	    cmocka_unit_test(test_role_and_types_errors),
	    cmocka_unit_test(test_duplicates_are_refused),
	    cmocka_unit_test(test_at_most_clients_max),
	    cmocka_unit_test(test_lookups),
	    cmocka_unit_test(test_without_a_file_everyone_is_any),
	    cmocka_unit_test(test_rights_follow_the_role),
	};
	char sk[CURVE_Z85_LEN + 1];

	if (zmq_curve_keypair(key_a, sk) != 0 || zmq_curve_keypair(key_b, sk) != 0) {
		fprintf(stderr, "zmq_curve_keypair: %s\n", zmq_strerror(zmq_errno()));
		return 1;
	}
	dtest_fresh_dir("clients", dir);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
