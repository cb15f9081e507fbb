/* ctl: PROTOCOL.md "Control: operators", against a store filled through batch_apply. */
#include "dtest.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "journal.h"

/* The five cases, in reference order:
 *   NA-2026-000001  S1   declaration              awaiting_manager_review
 *   NA-2026-000002  S1   referral by psd          awaiting_assessment
 *   NA-2026-000003  S2   declaration              awaiting_manager_review
 *   NA-2026-000004  S3   declaration, bypass      awaiting_assessment
 *   NA-2026-000005  S10  anonymous referral       awaiting_assessment */
#define REF(n) "NA-2026-00000" #n

struct fixture {
	struct dstore d;
	struct proto_limits lim;
	struct ctl_counters counters;
	struct ctl_env env;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct ev_spec s[5] = {decl("e1", "S1"), referral("e2", "S1", "psd"), decl("e3", "S2"),
			       decl("e4", "S3"), anon_referral("e5", "S10")};
	struct batch_item out[5];

	assert_non_null(f);
	s[3].bypass_manager = true;
	dstore_open(&f->d, "ctl", 4 << 20, 4 << 20);
	assert_int_equal(dtest_apply(&f->d.st, s, 5, NOW_MS, out), 0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(out[i].status, BATCH_ACCEPTED);
	f->lim =
	    (struct proto_limits){65536, 300000, PROTO_DEFAULT_MAX_DEPTH, PROTO_DEFAULT_MAX_ITEMS};
	f->counters = (struct ctl_counters){.accepted = 5, .duplicate = 1, .rejected = 2};
	f->env = (struct ctl_env){.st = &f->d.st,
				  .limits = &f->lim,
				  .now_ms = NOW_MS + 5000,
				  .started_ms = NOW_MS,
				  .intake = &f->counters};
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	dstore_close(&f->d);
	free(f);
	return 0;
}

#define ENV(state) (&((struct fixture *)*(state))->env)

static void assert_ok(const struct creply *r)
{
	if (!r->ok)
		fail_msg("expected ok, got %s: %s", r->code, r->message);
}

static void assert_error(const struct creply *r, const char *code, const char *needle)
{
	if (r->ok)
		fail_msg("expected %s, got ok", code);
	if (strcmp(r->code, code) != 0 || (needle && !strstr(r->message, needle)))
		fail_msg("expected %s containing \"%s\", got %s: %s", code, needle ? needle : "",
			 r->code, r->message);
}

/* The page's case references, joined by spaces, and its `next` ("nil" when nil). */
static void page(const struct creply *r, char *refs, size_t cap, char next[PROTO_CASE_MAX + 4])
{
	const msgpack_object *cases = mp_get(r->result, "cases"), *n = mp_get(r->result, "next");

	assert_ok(r);
	assert_true(cases && cases->type == MSGPACK_OBJECT_ARRAY);
	refs[0] = '\0';
	for (uint32_t i = 0; i < cases->via.array.size; i++) {
		const msgpack_object *c = mp_get(&cases->via.array.ptr[i], "case");

		assert_true(c && c->type == MSGPACK_OBJECT_STR);
		snprintf(refs + strlen(refs), cap - strlen(refs), "%s%.*s", i ? " " : "",
			 (int)c->via.str.size, c->via.str.ptr);
	}
	assert_non_null(n);
	if (n->type == MSGPACK_OBJECT_NIL) {
		strcpy(next, "nil");
		return;
	}
	assert_int_equal(n->type, MSGPACK_OBJECT_STR);
	assert_true(n->via.str.size <= PROTO_CASE_MAX);
	memcpy(next, n->via.str.ptr, n->via.str.size);
	next[n->via.str.size] = '\0';
}

/* case.list with args; checks the page and its next. */
static void assert_list(void **state, int nargs, const struct carg *args, const char *want_refs,
			const char *want_next)
{
	char refs[256], next[PROTO_CASE_MAX + 4];
	struct creply r;

	ctl_call(ENV(state), "case.list", nargs, args, &r);
	page(&r, refs, sizeof(refs), next);
	assert_string_equal(refs, want_refs);
	assert_string_equal(next, want_next);
	creply_release(&r);
}

/* ---- status ---- */

static void test_status_counts_cases_journal_and_intake(void **state)
{
	const msgpack_object *st, *in;
	uint64_t map, used;
	struct creply r;

	ctl_call(ENV(state), "status", -1, NULL, &r);
	assert_ok(&r);
	assert_mp_str(r.result, "version", INTEGRITYD_VERSION);
	assert_int_equal(mp_u64(r.result, "uptime_ms"), 5000);
	assert_int_equal(mp_u64(r.result, "journal_seq"), 5);
	assert_int_equal(mp_u64(r.result, "cases_total"), 5);
	assert_int_equal(mp_u64(r.result, "cases_open"), 5);
	mp_u64(r.result, "notify_seq");
	mp_u64(r.result, "deadlines_open");
	mp_u64(r.result, "deadlines_overdue");
	st = mp_get(r.result, "store");
	map = mp_u64(st, "map_bytes");
	used = mp_u64(st, "used_bytes");
	assert_int_equal(map, 4 << 20);
	assert_true(used > 0 && used <= map);
	in = mp_get(r.result, "intake");
	assert_int_equal(mp_u64(in, "accepted"), 5);
	assert_int_equal(mp_u64(in, "duplicate"), 1);
	assert_int_equal(mp_u64(in, "rejected"), 2);
	creply_release(&r);
}

static void test_status_with_empty_args_is_ok(void **state)
{
	struct creply r;

	ctl_call(ENV(state), "status", 0, NULL, &r);
	assert_ok(&r);
	creply_release(&r);
}

static void test_status_with_an_argument_is_invalid_field_naming_it(void **state)
{
	struct carg a[] = {CSTR("verbose", "yes")};
	struct creply r;

	ctl_call(ENV(state), "status", 1, a, &r);
	assert_error(&r, "invalid_field", "verbose");
	creply_release(&r);
}

/* ---- case.get ---- */

static void test_case_get_returns_the_case_with_its_history(void **state)
{
	struct carg a[] = {CSTR("case", REF(1))};
	const msgpack_object *h, *actor;
	struct creply r;

	ctl_call(ENV(state), "case.get", 1, a, &r);
	assert_ok(&r);
	assert_mp_str(r.result, "case", REF(1));
	assert_mp_str(r.result, "kind", "NA");
	assert_mp_str(r.result, "origin", "self");
	assert_mp_str(r.result, "state", "awaiting_manager_review");
	assert_int_equal(mp_u64(r.result, "opened_at"), NOW_MS - 60000);
	assert_mp_str(mp_get(r.result, "subject"), "id", "S1");
	assert_mp_str(mp_get(r.result, "associate"), "kind", "person");
	assert_mp_str(r.result, "relationship", "friend");
	assert_int_equal(mp_get(r.result, "categories")->type, MSGPACK_OBJECT_ARRAY);
	assert_int_equal(mp_get(r.result, "conditions")->type, MSGPACK_OBJECT_ARRAY);
	assert_int_equal(mp_get(r.result, "deadlines")->type, MSGPACK_OBJECT_ARRAY);
	assert_int_equal(mp_get(r.result, "tasks")->type, MSGPACK_OBJECT_ARRAY);
	assert_int_equal(mp_get(r.result, "closed_reason")->type, MSGPACK_OBJECT_NIL);
	h = mp_get(r.result, "history");
	assert_true(h && h->type == MSGPACK_OBJECT_ARRAY && h->via.array.size == 1);
	h = &h->via.array.ptr[0];
	assert_int_equal(mp_u64(h, "seq"), 1);
	assert_mp_str(h, "type", "declaration.submitted");
	assert_int_equal(mp_u64(h, "at"), NOW_MS - 60000);
	assert_int_equal(mp_u64(h, "received_at"), NOW_MS);
	actor = mp_get(h, "actor");
	assert_mp_str(actor, "id", "S1");
	assert_mp_str(actor, "role", "subject");
	creply_release(&r);
}

/* PROTOCOL.md: "An anonymous referral's history shows no actor" */
static void test_case_get_of_an_anonymous_referral_shows_no_actor(void **state)
{
	struct carg a[] = {CSTR("case", REF(5))};
	const msgpack_object *h;
	struct creply r;

	ctl_call(ENV(state), "case.get", 1, a, &r);
	assert_ok(&r);
	assert_mp_str(r.result, "origin", "anonymous");
	assert_mp_str(r.result, "state", "awaiting_assessment");
	h = mp_get(r.result, "history");
	assert_true(h && h->type == MSGPACK_OBJECT_ARRAY && h->via.array.size == 1);
	assert_int_equal(mp_get(&h->via.array.ptr[0], "actor")->type, MSGPACK_OBJECT_NIL);
	creply_release(&r);
}

static void test_case_get_of_an_unknown_case_is_unknown_case(void **state)
{
	struct carg a[] = {CSTR("case", "NA-2026-000099")};
	struct creply r;

	ctl_call(ENV(state), "case.get", 1, a, &r);
	assert_error(&r, "unknown_case", "NA-2026-000099");
	creply_release(&r);
}

static void test_case_get_without_the_case_argument_is_missing_field(void **state)
{
	struct creply r;

	ctl_call(ENV(state), "case.get", -1, NULL, &r);
	assert_error(&r, "missing_field", "case");
	creply_release(&r);
	ctl_call(ENV(state), "case.get", 0, NULL, &r);
	assert_error(&r, "missing_field", "case");
	creply_release(&r);
}

static void test_case_get_with_an_unknown_argument_is_invalid_field_naming_it(void **state)
{
	struct carg a[] = {CSTR("case", REF(1)), CSTR("colour", "blue")};
	struct creply r;

	ctl_call(ENV(state), "case.get", 2, a, &r);
	assert_error(&r, "invalid_field", "colour");
	creply_release(&r);
}

static void test_case_get_with_a_non_string_case_is_invalid_field(void **state)
{
	struct carg a[] = {CUINT("case", 1)};
	struct creply r;

	ctl_call(ENV(state), "case.get", 1, a, &r);
	assert_error(&r, "invalid_field", "case");
	creply_release(&r);
}

static void test_case_get_with_an_overlong_case_is_invalid_field(void **state)
{
	struct carg a[] = {CSTR("case", "NA-2026-000001-and-a-great-deal-more")};
	struct creply r;

	ctl_call(ENV(state), "case.get", 1, a, &r);
	assert_error(&r, "invalid_field", "case");
	creply_release(&r);
}

/* ---- case.list ---- */

static void test_case_list_gives_every_case_in_reference_order(void **state)
{
	assert_list(state, -1, NULL, REF(1) " " REF(2) " " REF(3) " " REF(4) " " REF(5), "nil");
}

static void test_case_list_rows_carry_case_kind_state_subject_and_opened_at(void **state)
{
	struct carg a[] = {CUINT("limit", 1)};
	const msgpack_object *row;
	struct creply r;

	ctl_call(ENV(state), "case.list", 1, a, &r);
	assert_ok(&r);
	row = &mp_get(r.result, "cases")->via.array.ptr[0];
	assert_int_equal(row->via.map.size, 5);
	assert_mp_str(row, "case", REF(1));
	assert_mp_str(row, "kind", "NA");
	assert_mp_str(row, "state", "awaiting_manager_review");
	assert_mp_str(row, "subject_id", "S1");
	assert_int_equal(mp_u64(row, "opened_at"), NOW_MS - 60000);
	creply_release(&r);
}

static void test_case_list_pages_of_2_2_1_chain_through_next(void **state)
{
	struct carg a1[] = {CUINT("limit", 2)};
	struct carg a2[] = {CUINT("limit", 2), CSTR("after", REF(2))};
	struct carg a3[] = {CUINT("limit", 2), CSTR("after", REF(4))};

	assert_list(state, 1, a1, REF(1) " " REF(2), REF(2));
	assert_list(state, 2, a2, REF(3) " " REF(4), REF(4));
	assert_list(state, 2, a3, REF(5), "nil");
}

static void test_case_list_exactly_full_last_page_has_next_nil(void **state)
{
	struct carg a1[] = {CUINT("limit", 5)};
	struct carg a2[] = {CUINT("limit", 2), CSTR("after", REF(3))};

	assert_list(state, 1, a1, REF(1) " " REF(2) " " REF(3) " " REF(4) " " REF(5), "nil");
	assert_list(state, 2, a2, REF(4) " " REF(5), "nil");
}

static void test_case_list_after_the_last_case_is_empty(void **state)
{
	struct carg a[] = {CSTR("after", REF(5))};

	assert_list(state, 1, a, "", "nil");
}

/* `after` is exclusive and need not be a stored reference. */
static void test_case_list_after_a_reference_between_cases_starts_past_it(void **state)
{
	struct carg a[] = {CSTR("after", "NA-2026-000002x"), CUINT("limit", 1)};

	assert_list(state, 2, a, REF(3), REF(3));
}

static void test_case_list_by_subject_gives_only_that_subjects_cases(void **state)
{
	struct carg a[] = {CSTR("subject", "S1")}; /* not S10's */
	struct carg b[] = {CSTR("subject", "S10")};
	struct carg c[] = {CSTR("subject", "S")}; /* a prefix is not a subject */
	struct carg e[] = {CSTR("subject", "S404")};

	assert_list(state, 1, a, REF(1) " " REF(2), "nil");
	assert_list(state, 1, b, REF(5), "nil");
	assert_list(state, 1, c, "", "nil");
	assert_list(state, 1, e, "", "nil");
}

static void test_case_list_by_subject_pages_through_next(void **state)
{
	struct carg a1[] = {CSTR("subject", "S1"), CUINT("limit", 1)};
	struct carg a2[] = {CSTR("subject", "S1"), CUINT("limit", 1), CSTR("after", REF(1))};
	struct carg a3[] = {CSTR("subject", "S1"), CUINT("limit", 1), CSTR("after", REF(2))};

	assert_list(state, 2, a1, REF(1), REF(1));
	assert_list(state, 3, a2, REF(2), "nil");
	assert_list(state, 3, a3, "", "nil");
}

static void test_case_list_by_state_gives_only_cases_in_it(void **state)
{
	struct carg a[] = {CSTR("state", "awaiting_assessment")};
	struct carg b[] = {CSTR("state", "awaiting_manager_review")};
	struct carg c[] = {CSTR("state", "closed")};

	assert_list(state, 1, a, REF(2) " " REF(4) " " REF(5), "nil");
	assert_list(state, 1, b, REF(1) " " REF(3), "nil");
	assert_list(state, 1, c, "", "nil");
}

static void test_case_list_by_state_pages_through_next(void **state)
{
	struct carg a1[] = {CSTR("state", "awaiting_assessment"), CUINT("limit", 2)};
	struct carg a2[] = {CSTR("state", "awaiting_assessment"), CUINT("limit", 2),
			    CSTR("after", REF(4))};
	struct carg b[] = {CSTR("state", "awaiting_manager_review"), CUINT("limit", 1),
			   CSTR("after", REF(1))};

	assert_list(state, 2, a1, REF(2) " " REF(4), REF(4));
	assert_list(state, 3, a2, REF(5), "nil");
	/* a full page whose following cases are all in other states has no next */
	assert_list(state, 3, b, REF(3), "nil");
}

static void test_case_list_by_subject_and_state(void **state)
{
	struct carg a[] = {CSTR("subject", "S1"), CSTR("state", "awaiting_assessment")};

	assert_list(state, 2, a, REF(2), "nil");
}

static void test_case_list_with_bad_arguments_is_invalid_field_naming_them(void **state)
{
	static const struct {
		struct carg a;
		const char *needle;
	} bad[] = {
	    {CSTR("state", "open"), "state"}, {CSTR("state", ""), "state"},
	    {CUINT("limit", 0), "limit"},     {CUINT("limit", 1001), "limit"},
	    {CSTR("limit", "10"), "limit"},   {CSTR("subject", ""), "subject"},
	    {CSTR("after", ""), "after"},     {CUINT("after", 3), "after"},
	    {CSTR("sort", "desc"), "sort"},
	};
	struct creply r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ctl_call(ENV(state), "case.list", 1, &bad[i].a, &r);
		assert_error(&r, "invalid_field", bad[i].needle);
		creply_release(&r);
	}
}

static void test_case_list_limit_1000_is_allowed(void **state)
{
	struct carg a[] = {CUINT("limit", 1000)};

	assert_list(state, 1, a, REF(1) " " REF(2) " " REF(3) " " REF(4) " " REF(5), "nil");
}

/* ---- audit.verify ---- */

static void test_audit_verify_of_a_whole_journal_is_ok(void **state)
{
	struct fixture *f = *state;
	struct journal_head head;
	MDB_txn *txn = NULL;
	char hex[2 * JOURNAL_HASH + 1];
	const msgpack_object *ok, *bad;
	struct creply r;

	assert_int_equal(store_begin(&f->d.st, true, &txn), 0);
	assert_int_equal(journal_head_load(&f->d.st, txn, &head), 0);
	store_abort(&txn);
	for (int i = 0; i < JOURNAL_HASH; i++)
		snprintf(hex + 2 * i, 3, "%02x", head.link[i]);

	ctl_call(ENV(state), "audit.verify", -1, NULL, &r);
	assert_ok(&r);
	ok = mp_get(r.result, "ok");
	assert_true(ok && ok->type == MSGPACK_OBJECT_BOOLEAN && ok->via.boolean);
	assert_int_equal(mp_u64(r.result, "entries"), 5);
	assert_mp_str(r.result, "head", hex);
	bad = mp_get(r.result, "first_bad_seq");
	assert_true(bad && bad->type == MSGPACK_OBJECT_NIL);
	creply_release(&r);
}

static void test_audit_verify_of_a_tampered_journal_names_the_first_bad_seq(void **state)
{
	struct fixture *f = *state;
	uint8_t key[8];
	MDB_txn *txn = NULL;
	MDB_val k = {8, key};
	const msgpack_object *ok;
	struct creply r;

	store_be64(key, 3);
	assert_int_equal(store_begin(&f->d.st, false, &txn), 0);
	assert_int_equal(mdb_del(txn, f->d.st.dbi[DB_JOURNAL], &k, NULL), 0);
	assert_int_equal(store_commit(&txn), 0);

	ctl_call(ENV(state), "audit.verify", -1, NULL, &r);
	assert_ok(&r);
	ok = mp_get(r.result, "ok");
	assert_true(ok && ok->type == MSGPACK_OBJECT_BOOLEAN && !ok->via.boolean);
	assert_int_equal(mp_u64(r.result, "first_bad_seq"), 3);
	assert_int_equal(mp_u64(r.result, "entries"), 2);
	creply_release(&r);
}

/* ---- other commands and bad requests ---- */

static void test_unknown_command_is_unknown_command(void **state)
{
	struct creply r;

	ctl_call(ENV(state), "case.delete", -1, NULL, &r);
	assert_error(&r, "unknown_command", "case.delete");
	creply_release(&r);
}

static void test_request_that_is_not_a_map_is_malformed(void **state)
{
	msgpack_sbuffer rep;
	msgpack_packer pk;
	msgpack_unpacked up;
	const msgpack_object *err;
	struct ctl_job job;
	static const uint8_t not_a_map[] = {0x93, 0x01, 0x02, 0x03};

	msgpack_sbuffer_init(&rep);
	msgpack_packer_init(&pk, &rep, msgpack_sbuffer_write);
	assert_int_equal(ctl_handle(ENV(state), not_a_map, sizeof(not_a_map), &pk, &job), 0);
	msgpack_unpacked_init(&up);
	assert_int_equal(msgpack_unpack_next(&up, rep.data, rep.size, NULL),
			 MSGPACK_UNPACK_SUCCESS);
	err = mp_get(&up.data, "error");
	assert_mp_str(err, "code", "malformed");
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&rep);
}

/* ---- backup ---- */

static void backup_path(void **state, const char *name, char out[PATH_MAX])
{
	struct fixture *f = *state;

	snprintf(out, PATH_MAX, "%.4000s/../%s", f->d.dir, name);
}

static void test_backup_to_a_new_directory_writes_a_data_mdb(void **state)
{
	char dir[PATH_MAX], file[PATH_MAX + 16];
	struct carg a[1];
	struct creply r;
	struct stat sb;
	struct store copy;
	MDB_txn *txn = NULL;
	MDB_val v;

	backup_path(state, "backup1", dir);
	a[0] = CSTR("path", dir);
	ctl_call(ENV(state), "backup", 1, a, &r);
	assert_true(r.deferred);
	assert_int_equal(r.job.kind, CTL_JOB_BACKUP);
	assert_string_equal(r.job.path, dir);
	assert_ok(&r);
	assert_mp_str(r.result, "path", dir);
	snprintf(file, sizeof(file), "%s/data.mdb", dir);
	assert_int_equal(stat(file, &sb), 0);
	assert_true(mp_u64(r.result, "bytes") > 0);
	assert_int_equal(mp_u64(r.result, "bytes"), (uint64_t)sb.st_size);
	creply_release(&r);

	/* the copy is a store holding the cases */
	assert_int_equal(store_open(&copy, dir, 4 << 20, 4 << 20, false), 0);
	assert_int_equal(store_begin(&copy, true, &txn), 0);
	assert_int_equal(store_get(&copy, txn, DB_CASES, REF(5), 14, &v), 0);
	store_abort(&txn);
	store_close(&copy);
}

static void test_backup_to_a_directory_already_holding_one_is_invalid_field(void **state)
{
	char dir[PATH_MAX];
	struct carg a[1];
	struct creply r;

	backup_path(state, "backup2", dir);
	a[0] = CSTR("path", dir);
	ctl_call(ENV(state), "backup", 1, a, &r);
	assert_ok(&r);
	creply_release(&r);
	ctl_call(ENV(state), "backup", 1, a, &r);
	assert_error(&r, "invalid_field", "path");
	creply_release(&r);
}

static void test_backup_without_a_path_is_missing_field(void **state)
{
	struct carg a[] = {CSTR("path", "")};
	struct creply r;

	ctl_call(ENV(state), "backup", -1, NULL, &r);
	assert_false(r.deferred);
	assert_error(&r, "missing_field", "path");
	creply_release(&r);
	ctl_call(ENV(state), "backup", 1, a, &r);
	assert_false(r.deferred);
	assert_error(&r, "invalid_field", "path");
	creply_release(&r);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_status_counts_cases_journal_and_intake),
	    T(test_status_with_empty_args_is_ok),
	    T(test_status_with_an_argument_is_invalid_field_naming_it),
	    T(test_case_get_returns_the_case_with_its_history),
	    T(test_case_get_of_an_anonymous_referral_shows_no_actor),
	    T(test_case_get_of_an_unknown_case_is_unknown_case),
	    T(test_case_get_without_the_case_argument_is_missing_field),
	    T(test_case_get_with_an_unknown_argument_is_invalid_field_naming_it),
	    T(test_case_get_with_a_non_string_case_is_invalid_field),
	    T(test_case_get_with_an_overlong_case_is_invalid_field),
	    T(test_case_list_gives_every_case_in_reference_order),
	    T(test_case_list_rows_carry_case_kind_state_subject_and_opened_at),
	    T(test_case_list_pages_of_2_2_1_chain_through_next),
	    T(test_case_list_exactly_full_last_page_has_next_nil),
	    T(test_case_list_after_the_last_case_is_empty),
	    T(test_case_list_after_a_reference_between_cases_starts_past_it),
	    T(test_case_list_by_subject_gives_only_that_subjects_cases),
	    T(test_case_list_by_subject_pages_through_next),
	    T(test_case_list_by_state_gives_only_cases_in_it),
	    T(test_case_list_by_state_pages_through_next),
	    T(test_case_list_by_subject_and_state),
	    T(test_case_list_with_bad_arguments_is_invalid_field_naming_them),
	    T(test_case_list_limit_1000_is_allowed),
	    T(test_audit_verify_of_a_whole_journal_is_ok),
	    T(test_audit_verify_of_a_tampered_journal_names_the_first_bad_seq),
	    T(test_unknown_command_is_unknown_command),
	    T(test_request_that_is_not_a_map_is_malformed),
	    T(test_backup_to_a_new_directory_writes_a_data_mdb),
	    T(test_backup_to_a_directory_already_holding_one_is_invalid_field),
	    T(test_backup_without_a_path_is_missing_field),
	};

	return cmocka_run_group_tests_name("daemon/ctl", tests, NULL, NULL);
}
