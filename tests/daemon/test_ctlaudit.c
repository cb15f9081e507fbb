/* ctl, issue 4: who may use which control command (every command for every role), and read
 * auditing: every answered read of a case is in the hash chain and the `reads` index before
 * its reply goes out, and audit.reads lists them (proto/SPEC.md "Read auditing"). */
#include "dtest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "security/clients.h"
#include "store/journal.h"
#include "store/readlog.h"
#include "security/seal.h"

/* Three cases: NA-2026-000001 and -000002 of subject S1, -000003 of S2. */
#define REF(n) "NA-2026-00000" #n

struct fixture {
	struct dstore d;
	struct proto_limits lim;
	struct ctl_counters counters;
	struct ctl_env env;
	struct client cl;
	int reloads;         /* calls of the fake reload */
	bool reload_fails;   /* it fails, naming a line */
	char reload_who[64]; /* the client it was given */
	struct seal *seal;   /* the store's sealer, when a test sets one */
};

static int fake_reload(void *arg, const char *who, char err[CONFIG_ERR_MAX])
{
	struct fixture *f = arg;

	f->reloads++;
	snprintf(f->reload_who, sizeof(f->reload_who), "%s", who);
	if (f->reload_fails) {
		snprintf(err, CONFIG_ERR_MAX,
			 "test.conf:7: [deadlines] manager_review: not a "
			 "duration");
		return -1;
	}
	return 0;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct ev_spec s[3] = {decl("e1", "S1"), decl("e2", "S1"), decl("e3", "S2")};
	struct batch_item out[3];

	assert_non_null(f);
	dstore_open(&f->d, "ctlaudit", 4 << 20, 256 << 20);
	assert_int_equal(dtest_apply(&f->d.st, s, 3, NOW_MS, out), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(out[i].status, BATCH_ACCEPTED);
	f->lim =
	    (struct proto_limits){65536, 300000, PROTO_DEFAULT_MAX_DEPTH, PROTO_DEFAULT_MAX_ITEMS};
	f->cl = (struct client){.name = "ops-desk", .role = CLIENT_OPERATOR};
	f->env = (struct ctl_env){.st = &f->d.st,
				  .limits = &f->lim,
				  .now_ms = NOW_MS + 5000,
				  .started_ms = NOW_MS,
				  .intake = &f->counters,
				  .client_name = "ops-desk",
				  .client = &f->cl,
				  .reload = fake_reload,
				  .reload_arg = f};
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	dstore_close(&f->d);
	seal_free(&f->seal);
	free(f);
	return 0;
}

#define F(state) ((struct fixture *)*(state))

/* The next call comes from client name with role (CLIENT_NONE: not in the clients file). */
static void as(void **state, const char *name, enum client_role role)
{
	struct fixture *f = F(state);

	snprintf(f->cl.name, sizeof(f->cl.name), "%s", name);
	f->cl.role = role;
	f->env.client_name = name;
	f->env.client = role == CLIENT_NONE ? NULL : &f->cl;
}

static uint64_t head_seq(void **state)
{
	struct journal_head head;
	MDB_txn *txn = NULL;

	assert_int_equal(store_begin(&F(state)->d.st, true, &txn), 0);
	assert_int_equal(journal_head_load(&F(state)->d.st, txn, &head), 0);
	store_abort(&txn);
	return head.seq;
}

/* ---- rights: every command x every role ------------------------------------------- */

static const struct {
	const char *cmd;
	int nargs;
	struct carg args[1];
	bool admin; /* CTL_ADMIN, else CTL_READ */
} every_command[] = {
    {"status", -1, {{0}}, false},
    {"case.get", 1, {CSTR("case", REF(1))}, false},
    {"case.list", -1, {{0}}, false},
    {"deadlines.list", -1, {{0}}, false},
    {"notifications.since", 1, {CUINT("seq", 0)}, false},
    {"report.summary", -1, {{0}}, false},
    {"audit.verify", -1, {{0}}, false},
    {"audit.reads", 1, {CSTR("case", REF(1))}, false},
    {"backup", 1, {CSTR("path", "relative/so/refused/after/the/rights")}, true},
    {"reload", -1, {{0}}, true},
    {"reseal", -1, {{0}}, true},
};

static const struct {
	enum client_role role;
	bool read, admin; /* what it may use */
} every_role[] = {
    {CLIENT_NONE, false, false}, {CLIENT_INTAKE, false, false}, {CLIENT_OPERATOR, true, false},
    {CLIENT_ADMIN, true, true},  {CLIENT_ANY, true, true},
};

static void test_every_command_for_every_role_is_allowed_or_forbidden_by_the_table(void **state)
{
	for (size_t c = 0; c < sizeof(every_command) / sizeof(every_command[0]); c++)
		for (size_t k = 0; k < sizeof(every_role) / sizeof(every_role[0]); k++) {
			bool may =
			    every_command[c].admin ? every_role[k].admin : every_role[k].read;
			uint64_t before = head_seq(state);
			char needle[160];
			struct creply r;

			as(state, "some-client", every_role[k].role);
			ctl_call(&F(state)->env, every_command[c].cmd, every_command[c].nargs,
				 every_command[c].args, &r);
			if (!may) {
				if (every_role[k].role == CLIENT_NONE)
					snprintf(needle, sizeof(needle),
						 "client some-client is not in the clients file "
						 "and may not use %s",
						 every_command[c].cmd);
				else
					snprintf(needle, sizeof(needle),
						 "client some-client (%s) may not use %s",
						 client_role_name(every_role[k].role),
						 every_command[c].cmd);
				assert_error(&r, "forbidden", needle);
				/* nothing ran: no job, no record */
				assert_false(r.deferred);
				assert_false(r.recorded);
				assert_int_equal(head_seq(state), before);
			} else if (!r.ok && strcmp(r.code, "forbidden") == 0) {
				fail_msg("%s as %s: forbidden: %s", every_command[c].cmd,
					 client_role_name(every_role[k].role), r.message);
			}
			creply_release(&r);
		}
}

static void test_a_forbidden_command_is_refused_before_its_arguments_are_checked(void **state)
{
	struct carg bad[] = {CUINT("nonsense", 1)};
	struct creply r;

	as(state, "intranet-forms", CLIENT_INTAKE);
	ctl_call(&F(state)->env, "case.get", 1, bad, &r);
	assert_error(&r, "forbidden", "client intranet-forms (intake) may not use case.get");
	creply_release(&r);
	as(state, "ops-desk", CLIENT_OPERATOR);
	ctl_call(&F(state)->env, "backup", -1, NULL, &r);
	assert_error(&r, "forbidden", "client ops-desk (operator) may not use backup");
	creply_release(&r);
}

static void test_an_unknown_command_is_unknown_command_whoever_asks(void **state)
{
	struct creply r;

	as(state, "intranet-forms", CLIENT_INTAKE);
	ctl_call(&F(state)->env, "case.delete", -1, NULL, &r);
	assert_error(&r, "unknown_command", "case.delete");
	creply_release(&r);
}

static void test_a_client_with_no_name_is_shown_as_unnamed(void **state)
{
	struct creply r;

	as(state, "", CLIENT_INTAKE);
	ctl_call(&F(state)->env, "status", -1, NULL, &r);
	assert_error(&r, "forbidden", "client (unnamed) (intake) may not use status");
	creply_release(&r);
}

/* ---- reload ---- */

static void test_reload_as_admin_reloads_and_answers_reloaded(void **state)
{
	const msgpack_object *o;
	struct creply r;

	as(state, "psd-admin", CLIENT_ADMIN);
	ctl_call(&F(state)->env, "reload", -1, NULL, &r);
	assert_ok(&r);
	o = mp_get(r.result, "reloaded");
	assert_true(o && o->type == MSGPACK_OBJECT_BOOLEAN && o->via.boolean);
	assert_int_equal(F(state)->reloads, 1);
	assert_string_equal(F(state)->reload_who, "psd-admin");
	creply_release(&r);
}

static void test_reload_of_a_bad_config_is_unavailable_naming_the_problem(void **state)
{
	struct creply r;

	F(state)->reload_fails = true;
	as(state, "psd-admin", CLIENT_ADMIN);
	ctl_call(&F(state)->env, "reload", -1, NULL, &r);
	assert_error(&r, "unavailable", "test.conf:7: [deadlines] manager_review");
	assert_contains(r.message, "unchanged");
	creply_release(&r);
}

static void test_reload_as_operator_is_forbidden_and_reloads_nothing(void **state)
{
	struct creply r;

	ctl_call(&F(state)->env, "reload", -1, NULL, &r);
	assert_error(&r, "forbidden", "client ops-desk (operator) may not use reload");
	assert_int_equal(F(state)->reloads, 0);
	creply_release(&r);
}

/* ---- read records ------------------------------------------------------------------ */

/* The journal entry at seq, unpacked into up (the caller destroys it). */
static const msgpack_object *entry_at(void **state, uint64_t seq, msgpack_unpacked *up)
{
	struct journal_entry e;
	MDB_txn *txn = NULL;
	size_t off = 0;

	assert_int_equal(store_begin(&F(state)->d.st, true, &txn), 0);
	assert_int_equal(journal_read(&F(state)->d.st, txn, seq, &e), 0);
	assert_non_null(e.bytes);
	msgpack_unpacked_init(up);
	assert_int_equal(msgpack_unpack_next(up, (const char *)e.bytes, e.len, &off),
			 MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(off, e.len);
	store_abort(&txn); /* up's zone holds copies of the strings */
	assert_int_equal(up->data.type, MSGPACK_OBJECT_MAP);
	return &up->data;
}

/* The entry's cases, joined by spaces. */
static void entry_cases(const msgpack_object *m, char *out, size_t cap)
{
	const msgpack_object *c = mp_get(m, "cases");

	assert_true(c && c->type == MSGPACK_OBJECT_ARRAY);
	out[0] = '\0';
	for (uint32_t i = 0; i < c->via.array.size; i++) {
		assert_int_equal(c->via.array.ptr[i].type, MSGPACK_OBJECT_STR);
		snprintf(out + strlen(out), cap - strlen(out), "%s%.*s", i ? " " : "",
			 (int)c->via.array.ptr[i].via.str.size, c->via.array.ptr[i].via.str.ptr);
	}
}

/* The seqs of the `reads` keys of ref, joined by spaces. */
static void reads_keys(void **state, const char *ref, char *out, size_t cap)
{
	uint8_t pre[READLOG_KEY_MAX];
	size_t plen = readlog_key(pre, ref, strlen(ref), 0, true);
	MDB_txn *txn = NULL;
	MDB_cursor *cur;
	MDB_val k = {plen, pre}, v;

	out[0] = '\0';
	assert_int_equal(store_begin(&F(state)->d.st, true, &txn), 0);
	assert_int_equal(mdb_cursor_open(txn, F(state)->d.st.dbi[DB_READS], &cur), 0);
	for (int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	     rc == 0 && k.mv_size > plen && memcmp(k.mv_data, pre, plen) == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		assert_int_equal(k.mv_size, plen + 8);
		assert_int_equal(v.mv_size, 0);
		snprintf(out + strlen(out), cap - strlen(out), "%s%llu", out[0] ? " " : "",
			 (unsigned long long)store_get_be64((const uint8_t *)k.mv_data + plen));
	}
	mdb_cursor_close(cur);
	store_abort(&txn);
}

static void assert_chain_whole(void **state, uint64_t entries)
{
	uint8_t head[JOURNAL_HASH];
	uint64_t n, bad;
	MDB_txn *txn = NULL;

	assert_int_equal(store_begin(&F(state)->d.st, true, &txn), 0);
	assert_int_equal(journal_verify(&F(state)->d.st, txn, &n, head, &bad), 0);
	store_abort(&txn);
	assert_int_equal(bad, 0);
	assert_int_equal(n, entries);
}

static void test_case_get_is_journaled_with_who_when_what_before_it_is_answered(void **state)
{
	struct carg a[] = {CSTR("case", REF(2))};
	const msgpack_object *m;
	msgpack_unpacked up;
	char got[128];
	struct creply r;

	ctl_call(&F(state)->env, "case.get", 1, a, &r);
	assert_ok(&r);
	assert_true(r.recorded);
	assert_int_equal(r.read_seq, 4); /* after the three events */
	creply_release(&r);
	m = entry_at(state, 4, &up);
	assert_mp_str(m, "type", "audit.read");
	assert_int_equal(mp_u64(m, "at"), NOW_MS + 5000);
	assert_mp_str(m, "client", "ops-desk");
	assert_mp_str(m, "role", "operator");
	assert_mp_str(m, "cmd", "case.get");
	assert_mp_str(mp_get(m, "args"), "case", REF(2));
	entry_cases(m, got, sizeof(got));
	assert_string_equal(got, REF(2));
	msgpack_unpacked_destroy(&up);
	reads_keys(state, REF(2), got, sizeof(got));
	assert_string_equal(got, "4");
	reads_keys(state, REF(1), got, sizeof(got));
	assert_string_equal(got, "");
	assert_chain_whole(state, 4);
}

static void test_case_list_records_the_cases_of_its_page_and_its_args(void **state)
{
	struct carg a[] = {CSTR("subject", "S1"), CUINT("limit", 1)};
	const msgpack_object *m;
	msgpack_unpacked up;
	char got[128];
	struct creply r;

	ctl_call(&F(state)->env, "case.list", 2, a, &r);
	assert_ok(&r);
	assert_true(r.recorded);
	creply_release(&r);
	m = entry_at(state, 4, &up);
	assert_mp_str(m, "cmd", "case.list");
	assert_mp_str(mp_get(m, "args"), "subject", "S1");
	assert_int_equal(mp_u64(mp_get(m, "args"), "limit"), 1);
	/* the page held one case; the one its `next` peeked at was not returned */
	entry_cases(m, got, sizeof(got));
	assert_string_equal(got, REF(1));
	msgpack_unpacked_destroy(&up);
	reads_keys(state, REF(2), got, sizeof(got));
	assert_string_equal(got, "");
}

static void test_a_list_that_returns_no_case_is_still_journaled(void **state)
{
	struct carg a[] = {CSTR("subject", "S404")};
	const msgpack_object *m;
	msgpack_unpacked up;
	char got[128];
	struct creply r;

	ctl_call(&F(state)->env, "case.list", 1, a, &r);
	assert_ok(&r);
	assert_true(r.recorded);
	creply_release(&r);
	m = entry_at(state, 4, &up);
	assert_mp_str(mp_get(m, "args"), "subject", "S404");
	entry_cases(m, got, sizeof(got));
	assert_string_equal(got, "");
	msgpack_unpacked_destroy(&up);
}

static void test_deadlines_list_records_each_case_once(void **state)
{
	const msgpack_object *m, *dl;
	msgpack_unpacked up;
	char got[128];
	struct creply r;

	ctl_call(&F(state)->env, "deadlines.list", -1, NULL, &r);
	assert_ok(&r);
	assert_true(r.recorded);
	dl = mp_get(r.result, "deadlines");
	assert_true(dl && dl->type == MSGPACK_OBJECT_ARRAY && dl->via.array.size >= 3);
	creply_release(&r);
	m = entry_at(state, 4, &up);
	assert_mp_str(m, "cmd", "deadlines.list");
	entry_cases(m, got, sizeof(got));
	/* in reply (due) order; all three were opened together */
	assert_string_equal(got, REF(1) " " REF(2) " " REF(3));
	msgpack_unpacked_destroy(&up);
}

static void test_report_summary_is_journaled_before_its_job_runs(void **state)
{
	struct carg a[] = {CUINT("from", T2026)};
	const msgpack_object *m;
	msgpack_unpacked up;
	char got[16];
	struct creply r;

	ctl_call(&F(state)->env, "report.summary", 1, a, &r);
	assert_ok(&r);
	assert_true(r.recorded);
	assert_true(r.deferred);
	assert_int_equal(mp_u64(r.result, "cases"), 3);
	creply_release(&r);
	m = entry_at(state, 4, &up);
	assert_mp_str(m, "cmd", "report.summary");
	assert_int_equal(mp_u64(mp_get(m, "args"), "from"), T2026);
	entry_cases(m, got, sizeof(got));
	assert_string_equal(got, "");
	msgpack_unpacked_destroy(&up);
}

static void test_reads_that_fail_or_return_no_case_data_are_not_journaled(void **state)
{
	struct carg unknown[] = {CSTR("case", "NA-2026-999999")};
	struct carg since[] = {CUINT("seq", 0)};
	struct creply r;

	ctl_call(&F(state)->env, "case.get", 1, unknown, &r);
	assert_error(&r, "unknown_case", "NA-2026-999999");
	assert_false(r.recorded);
	creply_release(&r);
	ctl_call(&F(state)->env, "status", -1, NULL, &r);
	assert_false(r.recorded);
	creply_release(&r);
	ctl_call(&F(state)->env, "notifications.since", 1, since, &r);
	assert_ok(&r);
	assert_false(r.recorded);
	creply_release(&r);
	ctl_call(&F(state)->env, "audit.verify", -1, NULL, &r);
	assert_false(r.recorded);
	creply_release(&r);
	assert_int_equal(head_seq(state), 3);
}

/* ---- audit.reads ---- */

/* The reply's rows as "client cmd" joined by ", ", each row's `at` checked against at. */
static void reads_rows(const struct creply *r, uint64_t at, char *out, size_t cap)
{
	const msgpack_object *rows = mp_get(r->result, "reads");

	assert_ok(r);
	assert_true(rows && rows->type == MSGPACK_OBJECT_ARRAY);
	out[0] = '\0';
	for (uint32_t i = 0; i < rows->via.array.size; i++) {
		const msgpack_object *row = &rows->via.array.ptr[i];
		const msgpack_object *cl = mp_get(row, "client"), *cmd = mp_get(row, "cmd");

		assert_int_equal(row->via.map.size, 3);
		assert_int_equal(mp_u64(row, "at"), at);
		assert_true(cl && cl->type == MSGPACK_OBJECT_STR && cmd &&
			    cmd->type == MSGPACK_OBJECT_STR);
		snprintf(out + strlen(out), cap - strlen(out), "%s%.*s %.*s", i ? ", " : "",
			 (int)cl->via.str.size, cl->via.str.ptr, (int)cmd->via.str.size,
			 cmd->via.str.ptr);
	}
}

static void test_audit_reads_lists_every_read_of_the_case_oldest_first(void **state)
{
	struct carg one[] = {CSTR("case", REF(1))}, three[] = {CSTR("case", REF(3))};
	struct carg s2[] = {CSTR("subject", "S2")};
	char got[512];
	struct creply r;

	as(state, "ops-a", CLIENT_OPERATOR);
	ctl_call(&F(state)->env, "case.get", 1, one, &r);
	creply_release(&r);
	as(state, "psd-admin", CLIENT_ADMIN);
	ctl_call(&F(state)->env, "case.list", -1, NULL, &r);
	creply_release(&r);
	as(state, "ops-b", CLIENT_OPERATOR);
	ctl_call(&F(state)->env, "case.list", 1, s2, &r); /* not case 1 */
	creply_release(&r);
	ctl_call(&F(state)->env, "deadlines.list", -1, NULL, &r);
	creply_release(&r);
	as(state, "uid:1000", CLIENT_ANY);
	ctl_call(&F(state)->env, "report.summary", -1, NULL, &r); /* no case */
	creply_release(&r);

	as(state, "auditor", CLIENT_OPERATOR);
	ctl_call(&F(state)->env, "audit.reads", 1, one, &r);
	reads_rows(&r, NOW_MS + 5000, got, sizeof(got));
	assert_string_equal(got, "ops-a case.get, psd-admin case.list, ops-b deadlines.list");
	creply_release(&r);
	ctl_call(&F(state)->env, "audit.reads", 1, three, &r);
	reads_rows(&r, NOW_MS + 5000, got, sizeof(got));
	assert_string_equal(got, "psd-admin case.list, ops-b case.list, ops-b deadlines.list");
	creply_release(&r);
	assert_chain_whole(state, 3 + 5 + 2);
}

static void test_audit_reads_is_itself_a_journaled_read_of_the_case(void **state)
{
	struct carg one[] = {CSTR("case", REF(1))};
	char got[256];
	struct creply r;

	as(state, "auditor", CLIENT_OPERATOR);
	ctl_call(&F(state)->env, "audit.reads", 1, one, &r);
	reads_rows(&r, 0, got, sizeof(got));
	assert_string_equal(got, ""); /* nobody had looked */
	assert_true(r.recorded);
	creply_release(&r);
	ctl_call(&F(state)->env, "audit.reads", 1, one, &r);
	reads_rows(&r, NOW_MS + 5000, got, sizeof(got));
	assert_string_equal(got, "auditor audit.reads");
	creply_release(&r);
}

static void test_audit_reads_of_an_unknown_case_is_unknown_case(void **state)
{
	struct carg a[] = {CSTR("case", "NA-2026-999999")}, empty[] = {CSTR("case", "")};
	struct creply r;

	ctl_call(&F(state)->env, "audit.reads", 1, a, &r);
	assert_error(&r, "unknown_case", "args.case: no case NA-2026-999999");
	assert_false(r.recorded);
	creply_release(&r);
	ctl_call(&F(state)->env, "audit.reads", 1, empty, &r);
	assert_error(&r, "invalid_field", "args.case");
	creply_release(&r);
}

/* A case whose record is gone (as if destroyed) still answers with its reads. */
static void test_audit_reads_of_a_case_without_a_record_answers_its_reads(void **state)
{
	struct carg a[] = {CSTR("case", REF(1))};
	MDB_txn *txn = NULL;
	MDB_val k = {strlen(REF(1)), REF(1)};
	char got[128];
	struct creply r;

	ctl_call(&F(state)->env, "case.get", 1, a, &r);
	creply_release(&r);
	assert_int_equal(store_begin(&F(state)->d.st, false, &txn), 0);
	assert_int_equal(mdb_del(txn, F(state)->d.st.dbi[DB_CASES], &k, NULL), 0);
	assert_int_equal(store_commit(&txn), 0);
	ctl_call(&F(state)->env, "audit.reads", 1, a, &r);
	reads_rows(&r, NOW_MS + 5000, got, sizeof(got));
	assert_string_equal(got, "ops-desk case.get");
	creply_release(&r);
}

static void test_audit_reads_of_a_damaged_read_record_is_unavailable_naming_its_seq(void **state)
{
	struct carg a[] = {CSTR("case", REF(1))};
	struct journal_entry e;
	MDB_txn *txn = NULL;
	struct creply r;

	ctl_call(&F(state)->env, "case.get", 1, a, &r);
	creply_release(&r);
	/* retention's cut (bytes gone) on a read record: it can no longer be shown */
	assert_int_equal(store_begin(&F(state)->d.st, false, &txn), 0);
	assert_int_equal(journal_dispose(&F(state)->d.st, txn, 4), 0);
	assert_int_equal(journal_read(&F(state)->d.st, txn, 4, &e), 0);
	assert_null(e.bytes);
	assert_int_equal(store_commit(&txn), 0);
	ctl_call(&F(state)->env, "audit.reads", 1, a, &r);
	assert_error(&r, "unavailable", "journal entry 4");
	creply_release(&r);
}

/* With [security] seal_key, read records are sealed like events: audit.reads opens them. */
static void test_audit_reads_lists_the_reads_of_a_sealed_store(void **state)
{
	struct carg one[] = {CSTR("case", REF(1))};
	uint8_t key[SEAL_KEY_BYTES];
	char err[KEYFILE_ERR_MAX], got[256];
	struct journal_entry e;
	MDB_txn *txn = NULL;
	struct creply r;

	memset(key, 0x5a, sizeof(key));
	assert_int_equal(seal_new(&F(state)->seal, key, NULL, err), 0);
	F(state)->d.st.seal = F(state)->seal;
	as(state, "ops-a", CLIENT_OPERATOR);
	ctl_call(&F(state)->env, "case.get", 1, one, &r);
	creply_release(&r);
	as(state, "psd-admin", CLIENT_ADMIN);
	ctl_call(&F(state)->env, "case.list", -1, NULL, &r);
	creply_release(&r);
	/* the records are sealed in the journal */
	assert_int_equal(store_begin(&F(state)->d.st, true, &txn), 0);
	assert_int_equal(journal_read(&F(state)->d.st, txn, 4, &e), 0);
	assert_true(seal_is_sealed(e.bytes, e.len));
	store_abort(&txn);

	as(state, "auditor", CLIENT_OPERATOR);
	ctl_call(&F(state)->env, "audit.reads", 1, one, &r);
	reads_rows(&r, NOW_MS + 5000, got, sizeof(got));
	assert_string_equal(got, "ops-a case.get, psd-admin case.list");
	creply_release(&r);
	assert_chain_whole(state, 3 + 3);
}

/* ---- audit.verify over read records ---- */

static void flip_byte(void **state, uint64_t seq, size_t from_end)
{
	MDB_txn *txn = NULL;
	uint8_t key[8], buf[4096];
	MDB_val k = {8, key}, v;

	store_be64(key, seq);
	assert_int_equal(store_begin(&F(state)->d.st, false, &txn), 0);
	assert_int_equal(mdb_get(txn, F(state)->d.st.dbi[DB_JOURNAL], &k, &v), 0);
	assert_true(v.mv_size <= sizeof(buf) && v.mv_size > from_end);
	memcpy(buf, v.mv_data, v.mv_size);
	buf[v.mv_size - 1 - from_end] ^= 0x01;
	v.mv_data = buf;
	assert_int_equal(mdb_put(txn, F(state)->d.st.dbi[DB_JOURNAL], &k, &v, 0), 0);
	assert_int_equal(store_commit(&txn), 0);
}

static void test_audit_verify_finds_a_flipped_byte_in_a_read_record(void **state)
{
	struct carg a[] = {CSTR("case", REF(1))};
	const msgpack_object *ok;
	struct creply r;

	for (int i = 0; i < 3; i++) {
		ctl_call(&F(state)->env, "case.get", 1, a, &r);
		creply_release(&r);
	}
	ctl_call(&F(state)->env, "audit.verify", -1, NULL, &r);
	assert_ok(&r);
	assert_int_equal(mp_u64(r.result, "entries"), 6);
	creply_release(&r);
	flip_byte(state, 5, 3); /* inside the second read's bytes */
	ctl_call(&F(state)->env, "audit.verify", -1, NULL, &r);
	assert_ok(&r);
	ok = mp_get(r.result, "ok");
	assert_true(ok && ok->type == MSGPACK_OBJECT_BOOLEAN && !ok->via.boolean);
	assert_int_equal(mp_u64(r.result, "first_bad_seq"), 5);
	creply_release(&r);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_every_command_for_every_role_is_allowed_or_forbidden_by_the_table),
	    T(test_a_forbidden_command_is_refused_before_its_arguments_are_checked),
	    T(test_an_unknown_command_is_unknown_command_whoever_asks),
	    T(test_a_client_with_no_name_is_shown_as_unnamed),
	    T(test_reload_as_admin_reloads_and_answers_reloaded),
	    T(test_reload_of_a_bad_config_is_unavailable_naming_the_problem),
	    T(test_reload_as_operator_is_forbidden_and_reloads_nothing),
	    T(test_case_get_is_journaled_with_who_when_what_before_it_is_answered),
	    T(test_case_list_records_the_cases_of_its_page_and_its_args),
	    T(test_a_list_that_returns_no_case_is_still_journaled),
	    T(test_deadlines_list_records_each_case_once),
	    T(test_report_summary_is_journaled_before_its_job_runs),
	    T(test_reads_that_fail_or_return_no_case_data_are_not_journaled),
	    T(test_audit_reads_lists_every_read_of_the_case_oldest_first),
	    T(test_audit_reads_is_itself_a_journaled_read_of_the_case),
	    T(test_audit_reads_of_an_unknown_case_is_unknown_case),
	    T(test_audit_reads_of_a_case_without_a_record_answers_its_reads),
	    T(test_audit_reads_of_a_damaged_read_record_is_unavailable_naming_its_seq),
	    T(test_audit_reads_lists_the_reads_of_a_sealed_store),
	    T(test_audit_verify_finds_a_flipped_byte_in_a_read_record),
	};

	return cmocka_run_group_tests_name("daemon/ctlaudit", tests, NULL, NULL);
}
