/* ctl: PROTOCOL.md "Control: operators": the first commands against a store filled through
 * batch_apply; the workflow's commands against records, indexes and the outbox written
 * directly, as they are stored. */
#include "dtest.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/caserec.h"
#include "security/clients.h"
#include "store/dlindex.h"
#include "store/journal.h"
#include "store/outbox.h"

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
	dstore_open(&f->d, "ctl", 4 << 20, 256 << 20);
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
				  .intake = &f->counters,
				  .client_name = "",
				  .client = clients_resolve(NULL, "")};
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

/* ---- a store filled directly (no batch): records, indexes and the outbox as they are
 * stored, so that each command is tested against exactly what it reads ---- */

#define DAY  86400000ull
#define HOUR 3600000ull

static int setup_empty(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	dstore_open(&f->d, "ctl-direct", 4 << 20, 4 << 20);
	f->lim =
	    (struct proto_limits){65536, 300000, PROTO_DEFAULT_MAX_DEPTH, PROTO_DEFAULT_MAX_ITEMS};
	f->env = (struct ctl_env){.st = &f->d.st,
				  .limits = &f->lim,
				  .now_ms = NOW_MS,
				  .started_ms = NOW_MS,
				  .intake = &f->counters,
				  .client_name = "",
				  .client = clients_resolve(NULL, "")};
	*state = f;
	return 0;
}

#define ST(state) (&((struct fixture *)*(state))->d.st)

static struct proto_str pstr(const char *s)
{
	return (struct proto_str){s, (uint32_t)strlen(s)};
}

/* Parts a case borrows: a subject, categories and conditions, from one packed array. */
struct parts {
	msgpack_sbuffer buf;
	msgpack_unpacked up;
	const msgpack_object *subject, *media, *media_extremist, *conditions;
};

static void kv(msgpack_packer *pk, const char *k, const char *v)
{
	proto_pack_cstr(pk, k);
	proto_pack_cstr(pk, v);
}

static void parts_init(struct parts *p)
{
	msgpack_packer pk;

	msgpack_sbuffer_init(&p->buf);
	msgpack_packer_init(&pk, &p->buf, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 4);
	msgpack_pack_map(&pk, 2);
	kv(&pk, "id", "S7");
	kv(&pk, "name", "Jo Bloggs");
	msgpack_pack_array(&pk, 1);
	proto_pack_cstr(&pk, "media");
	msgpack_pack_array(&pk, 2);
	proto_pack_cstr(&pk, "media");
	proto_pack_cstr(&pk, "extremist");
	msgpack_pack_array(&pk, 1);
	msgpack_pack_map(&pk, 2);
	kv(&pk, "code", "no_contact");
	kv(&pk, "text", "no contact");
	msgpack_unpacked_init(&p->up);
	assert_int_equal(msgpack_unpack_next(&p->up, p->buf.data, p->buf.size, NULL),
			 MSGPACK_UNPACK_SUCCESS);
	p->subject = &p->up.data.via.array.ptr[0];
	p->media = &p->up.data.via.array.ptr[1];
	p->media_extremist = &p->up.data.via.array.ptr[2];
	p->conditions = &p->up.data.via.array.ptr[3];
}

static void parts_release(struct parts *p)
{
	msgpack_unpacked_destroy(&p->up);
	msgpack_sbuffer_destroy(&p->buf);
}

static void a_case(struct case_rec *r, const char *ref, enum proto_kind kind, enum wf_origin origin,
		   enum wf_state st, uint64_t opened_at)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->c.ref, sizeof(r->c.ref), "%s", ref);
	r->c.kind = kind;
	r->c.origin = origin;
	r->c.state = st;
	r->c.opened_at = opened_at;
	r->c.subject_id = pstr("S7");
}

static void add_dl(struct case_rec *r, enum dl_kind k, enum dl_status s, uint64_t due,
		   uint64_t done, uint32_t level)
{
	r->c.dl[r->c.n_dl++] = (struct wf_deadline){.kind = k,
						    .status = s,
						    .level = level,
						    .start = due - DAY,
						    .due_at = due,
						    .done_at = done};
}

static void put_case(struct store *st, const struct case_rec *r)
{
	msgpack_sbuffer b;
	msgpack_packer pk;
	MDB_txn *txn = NULL;

	msgpack_sbuffer_init(&b);
	msgpack_packer_init(&pk, &b, msgpack_sbuffer_write);
	caserec_pack(r, &pk);
	assert_int_equal(store_begin(st, false, &txn), 0);
	assert_int_equal(store_put(st, txn, DB_CASES, r->c.ref, strlen(r->c.ref), b.data, b.size),
			 0);
	assert_int_equal(store_commit(&txn), 0);
	msgpack_sbuffer_destroy(&b);
}

/* One entry of the due-order index, as dlindex.h describes it. */
static void put_deadline(struct store *st, uint64_t due, const char *ref, enum dl_kind k,
			 enum dl_status s, uint32_t level)
{
	uint8_t key[DLX_KEY_MAX], v[DLX_DUE_VAL];
	MDB_txn *txn = NULL;

	dlindex_due_value(v, s, level);
	assert_int_equal(store_begin(st, false, &txn), 0);
	assert_int_equal(
	    store_put(st, txn, DB_DEADLINES, key, dlindex_key(key, due, ref, k), v, sizeof(v)), 0);
	assert_int_equal(store_commit(&txn), 0);
}

static void put_meta(struct store *st, const char *name, uint64_t v)
{
	MDB_txn *txn = NULL;

	assert_int_equal(store_begin(st, false, &txn), 0);
	assert_int_equal(store_meta_put_u64(st, txn, name, v), 0);
	assert_int_equal(store_commit(&txn), 0);
}

static void assert_error_each(void **state, const char *cmd, const struct carg *bad, size_t n,
			      const char *code, const char *const *needles)
{
	struct creply r;

	for (size_t i = 0; i < n; i++) {
		ctl_call(ENV(state), cmd, 1, &bad[i], &r);
		assert_error(&r, code, needles[i]);
		creply_release(&r);
	}
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

/* PROTOCOL.md: without `limit`, a page of at most 100, its `next` the 100th reference */
static void test_case_list_without_a_limit_gives_100_with_next_the_100th(void **state)
{
	enum { MORE = 96 }; /* cases 6 to 101 */
	struct fixture *f = *state;
	static char ids[MORE][16];
	struct ev_spec s[MORE];
	const msgpack_object *cases;
	char refs[2048], next[PROTO_CASE_MAX + 4];
	struct creply r;

	for (int i = 0; i < MORE; i++) {
		snprintf(ids[i], sizeof(ids[0]), "more-%d", i);
		s[i] = decl(ids[i], "S60");
	}
	assert_int_equal(dtest_apply(&f->d.st, s, MORE, NOW_MS, NULL), 0);
	ctl_call(ENV(state), "case.list", -1, NULL, &r);
	page(&r, refs, sizeof(refs), next);
	cases = mp_get(r.result, "cases");
	assert_int_equal(cases->via.array.size, 100);
	assert_mp_str(&cases->via.array.ptr[0], "case", REF(1));
	assert_string_equal(next, "NA-2026-000100");
	creply_release(&r);
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
	struct ctl_read rd;
	static const uint8_t not_a_map[] = {0x93, 0x01, 0x02, 0x03};

	msgpack_sbuffer_init(&rep);
	msgpack_packer_init(&pk, &rep, msgpack_sbuffer_write);
	ctl_read_init(&rd);
	assert_int_equal(ctl_handle(ENV(state), not_a_map, sizeof(not_a_map), &pk, &job, &rd), 0);
	assert_int_equal(rd.entry.size, 0);
	ctl_read_destroy(&rd);
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

/* ---- status, from meta (batch.h's counters) ---- */

static void test_status_reads_notify_seq_and_deadline_counters_from_meta(void **state)
{
	struct creply r;

	put_meta(ST(state), "notify_seq", 17);
	put_meta(ST(state), "deadlines_open", 5);
	put_meta(ST(state), "deadlines_overdue", 2);
	ctl_call(ENV(state), "status", -1, NULL, &r);
	assert_ok(&r);
	assert_int_equal(mp_u64(r.result, "notify_seq"), 17);
	assert_int_equal(mp_u64(r.result, "deadlines_open"), 5);
	assert_int_equal(mp_u64(r.result, "deadlines_overdue"), 2);
	creply_release(&r);
}

/* ---- case.get of a case with deadlines, conditions and a vetting task ---- */

static void test_case_get_shows_deadlines_conditions_and_tasks(void **state)
{
	struct carg a[] = {CSTR("case", REF(1))};
	const msgpack_object *dl, *t, *c;
	struct parts p;
	struct case_rec rec;
	struct creply r;

	parts_init(&p);
	a_case(&rec, REF(1), KIND_NA, ORIGIN_SELF, WF_APPEAL_WINDOW, T2026);
	rec.c.subject = p.subject;
	rec.c.categories = p.media;
	rec.c.conditions = p.conditions;
	rec.c.vetting.status = TASK_OPEN;
	rec.c.vetting.opened_at = T2026 + HOUR;
	add_dl(&rec, DL_SERVICE, DLS_BREACHED, T2026 + DAY, T2026 + 2 * DAY, 1);
	add_dl(&rec, DL_APPEAL_WINDOW, DLS_OPEN, T2026 + 16 * DAY, 0, 0);
	add_dl(&rec, DL_VETTING_REVIEW, DLS_OPEN, T2026 + 29 * DAY, 0, 0);
	put_case(ST(state), &rec);
	parts_release(&p);

	ctl_call(ENV(state), "case.get", 1, a, &r);
	assert_ok(&r);
	assert_mp_str(r.result, "state", "appeal_window");
	dl = mp_get(r.result, "deadlines");
	assert_int_equal(dl->via.array.size, 3);
	assert_mp_str(&dl->via.array.ptr[0], "kind", "service");
	assert_mp_str(&dl->via.array.ptr[0], "status", "breached");
	assert_int_equal(mp_u64(&dl->via.array.ptr[0], "level"), 1);
	assert_int_equal(mp_u64(&dl->via.array.ptr[0], "due_at"), T2026 + DAY);
	assert_mp_str(&dl->via.array.ptr[1], "kind", "appeal_window");
	assert_int_equal(mp_u64(&dl->via.array.ptr[1], "level"), 0);
	c = mp_get(r.result, "conditions");
	assert_int_equal(c->via.array.size, 1);
	assert_mp_str(&c->via.array.ptr[0], "code", "no_contact");
	t = mp_get(r.result, "tasks");
	assert_int_equal(t->via.array.size, 1);
	assert_mp_str(&t->via.array.ptr[0], "kind", "vetting_review");
	assert_mp_str(&t->via.array.ptr[0], "status", "open");
	assert_int_equal(mp_get(&t->via.array.ptr[0], "done_at")->type, MSGPACK_OBJECT_NIL);
	creply_release(&r);
}

/* WORKFLOW.md retention: "the case's personal data is destroyed, a tombstone ... stay[s]". */
static void test_case_get_and_list_of_a_disposed_case_show_no_personal_data(void **state)
{
	struct carg a[] = {CSTR("case", REF(1))};
	struct parts p;
	struct case_rec rec;
	struct creply r;
	const msgpack_object *row;

	parts_init(&p);
	a_case(&rec, REF(1), KIND_NA, ORIGIN_SELF, WF_CLOSED, T2026);
	rec.c.subject = p.subject;
	rec.c.flags = WFC_DISPOSED;
	rec.c.closed_reason = pstr("withdrawn");
	rec.c.disposed_at = T2027;
	put_case(ST(state), &rec);
	parts_release(&p);

	ctl_call(ENV(state), "case.get", 1, a, &r);
	assert_ok(&r);
	assert_mp_str(r.result, "state", "closed");
	assert_mp_str(r.result, "closed_reason", "withdrawn");
	assert_int_equal(mp_u64(r.result, "disposed_at"), T2027);
	assert_int_equal(mp_get(r.result, "subject")->type, MSGPACK_OBJECT_NIL);
	assert_false(memmem(r.bytes.data, r.bytes.size, "Jo Bloggs", 9));
	creply_release(&r);

	ctl_call(ENV(state), "case.list", -1, NULL, &r);
	assert_ok(&r);
	row = &mp_get(r.result, "cases")->via.array.ptr[0];
	assert_int_equal(mp_get(row, "subject_id")->type, MSGPACK_OBJECT_NIL);
	assert_false(memmem(r.bytes.data, r.bytes.size, "S7", 2));
	creply_release(&r);
}

/* ---- deadlines.list ---- */

/* Five live deadlines; NOW_MS lies between the second and the third. */
static void fill_deadlines(void **state)
{
	put_deadline(ST(state), NOW_MS - 2 * DAY, REF(2), DL_PSD_ASSESSMENT, DLS_BREACHED, 3);
	put_deadline(ST(state), NOW_MS - 1, REF(1), DL_MANAGER_REVIEW, DLS_BREACHED, 0);
	put_deadline(ST(state), NOW_MS, REF(3), DL_INTERVIEW, DLS_OPEN, 0);
	put_deadline(ST(state), NOW_MS + DAY, REF(1), DL_VETTING_REVIEW, DLS_OPEN, 0);
	put_deadline(ST(state), NOW_MS + 2 * DAY, REF(4), DL_ANNUAL_REVIEW, DLS_OPEN, 0);
}

/* The list's rows as "case/kind/status/level", joined by spaces. */
static void deadline_rows(const struct creply *r, char *out, size_t cap)
{
	const msgpack_object *dl = mp_get(r->result, "deadlines");
	uint64_t prev = 0;

	assert_ok(r);
	assert_int_equal(r->result->via.map.size, 1);
	assert_true(dl && dl->type == MSGPACK_OBJECT_ARRAY);
	out[0] = '\0';
	for (uint32_t i = 0; i < dl->via.array.size; i++) {
		const msgpack_object *d = &dl->via.array.ptr[i], *c = mp_get(d, "case"),
				     *k = mp_get(d, "kind"), *s = mp_get(d, "status");
		uint64_t due = mp_u64(d, "due_at");

		assert_int_equal(d->via.map.size, 5);
		assert_true(due >= prev); /* PROTOCOL.md: "in due order" */
		prev = due;
		snprintf(out + strlen(out), cap - strlen(out), "%s%.*s/%.*s/%.*s/%llu",
			 i ? " " : "", (int)c->via.str.size, c->via.str.ptr, (int)k->via.str.size,
			 k->via.str.ptr, (int)s->via.str.size, s->via.str.ptr,
			 (unsigned long long)mp_u64(d, "level"));
	}
}

static void assert_deadlines(void **state, int nargs, const struct carg *args, const char *want)
{
	char rows[1024];
	struct creply r;

	ctl_call(ENV(state), "deadlines.list", nargs, args, &r);
	deadline_rows(&r, rows, sizeof(rows));
	assert_string_equal(rows, want);
	creply_release(&r);
}

#define DL_A REF(2) "/psd_assessment/breached/3"
#define DL_B REF(1) "/manager_review/breached/0"
#define DL_C REF(3) "/interview/open/0"
#define DL_D REF(1) "/vetting_review/open/0"
#define DL_E REF(4) "/annual_review/open/0"

static void test_deadlines_list_gives_live_deadlines_in_due_order(void **state)
{
	fill_deadlines(state);
	assert_deadlines(state, -1, NULL, DL_A " " DL_B " " DL_C " " DL_D " " DL_E);
}

static void test_deadlines_list_overdue_gives_those_due_before_now(void **state)
{
	struct carg a[] = {{"overdue", CA_BOOL, NULL, 1}};
	struct carg no[] = {{"overdue", CA_BOOL, NULL, 0}};

	fill_deadlines(state);
	assert_deadlines(state, 1, a, DL_A " " DL_B);
	assert_deadlines(state, 1, no, DL_A " " DL_B " " DL_C " " DL_D " " DL_E);
}

static void test_deadlines_list_before_gives_those_due_before_it(void **state)
{
	struct carg a[] = {CUINT("before", NOW_MS + DAY + 1)};
	struct carg b[] = {CUINT("before", NOW_MS + DAY)};
	struct carg c[] = {CUINT("before", 0)};
	struct carg both[] = {CUINT("before", NOW_MS + DAY + 1), {"overdue", CA_BOOL, NULL, 1}};

	fill_deadlines(state);
	assert_deadlines(state, 1, a, DL_A " " DL_B " " DL_C " " DL_D);
	assert_deadlines(state, 1, b, DL_A " " DL_B " " DL_C);
	assert_deadlines(state, 1, c, "");
	assert_deadlines(state, 2, both, DL_A " " DL_B);
}

static void test_deadlines_list_limit_gives_the_earliest(void **state)
{
	struct carg a[] = {CUINT("limit", 2)};
	struct carg b[] = {CUINT("limit", 1000)};

	fill_deadlines(state);
	assert_deadlines(state, 1, a, DL_A " " DL_B);
	assert_deadlines(state, 1, b, DL_A " " DL_B " " DL_C " " DL_D " " DL_E);
}

/* PROTOCOL.md: without `limit`, the earliest 100 */
static void test_deadlines_list_without_a_limit_gives_the_earliest_100(void **state)
{
	const msgpack_object *dl;
	struct creply r;

	for (uint64_t i = 0; i < 101; i++)
		put_deadline(ST(state), NOW_MS + i * HOUR, REF(1), DL_INTERVIEW, DLS_OPEN, 0);
	ctl_call(ENV(state), "deadlines.list", -1, NULL, &r);
	assert_ok(&r);
	dl = mp_get(r.result, "deadlines");
	assert_int_equal(dl->via.array.size, 100);
	assert_int_equal(mp_u64(&dl->via.array.ptr[0], "due_at"), NOW_MS);
	assert_int_equal(mp_u64(&dl->via.array.ptr[99], "due_at"), NOW_MS + 99 * HOUR);
	creply_release(&r);
}

static void test_deadlines_list_of_an_empty_store_is_empty(void **state)
{
	assert_deadlines(state, -1, NULL, "");
}

static void test_deadlines_list_with_bad_arguments_is_invalid_field_naming_them(void **state)
{
	static const struct carg bad[] = {
	    CUINT("limit", 0),         CUINT("limit", 1001), CSTR("limit", "10"),
	    CSTR("overdue", "yes"),    CUINT("overdue", 1),  CSTR("before", "tomorrow"),
	    CSTR("kind", "interview"),
	};
	static const char *const needles[] = {"args.limit",   "args.limit",   "args.limit",
					      "args.overdue", "args.overdue", "args.before",
					      "args.kind"};

	assert_error_each(state, "deadlines.list", bad, sizeof(bad) / sizeof(bad[0]),
			  "invalid_field", needles);
}

/* ---- notifications.since ---- */

/* Five notifications in the outbox, as a batch writes them, and notify_seq in meta. */
static void fill_outbox(void **state)
{
	struct wf_effects fx = {.n = 5};
	static const char *const topics[] = {"case.opened", "case.state_changed",
					     "deadline.reminder", "deadline.breached",
					     "case.escalated"};
	msgpack_sbuffer scratch;
	MDB_txn *txn = NULL;
	uint64_t seq = 0;

	for (uint32_t i = 0; i < fx.n; i++)
		fx.note[i] = (struct wf_note){.topic = topics[i],
					      .state = WF_AWAITING_ASSESSMENT,
					      .to = {{ROLE_PSD, {NULL, 0}}},
					      .n_to = 1};
	msgpack_sbuffer_init(&scratch);
	assert_int_equal(store_begin(ST(state), false, &txn), 0);
	assert_int_equal(outbox_append(ST(state), txn, &seq, NOW_MS, REF(1), &fx, &scratch), 0);
	assert_int_equal(store_meta_put_u64(ST(state), txn, "notify_seq", seq), 0);
	assert_int_equal(store_commit(&txn), 0);
	msgpack_sbuffer_destroy(&scratch);
}

/* The seqs of the reply's notifications, joined by spaces; each map must be the stored one,
 * byte for byte ("maps as published"). */
static void since_seqs(void **state, const struct creply *r, char *out, size_t cap)
{
	const msgpack_object *n = mp_get(r->result, "notifications");
	MDB_txn *txn = NULL;

	assert_ok(r);
	assert_true(n && n->type == MSGPACK_OBJECT_ARRAY);
	assert_int_equal(store_begin(ST(state), true, &txn), 0);
	out[0] = '\0';
	for (uint32_t i = 0; i < n->via.array.size; i++) {
		const msgpack_object *m = &n->via.array.ptr[i];
		uint64_t seq = mp_u64(m, "seq");
		msgpack_sbuffer again;
		msgpack_packer pk;
		uint8_t key[8];
		MDB_val v;

		store_be64(key, seq);
		assert_int_equal(store_get(ST(state), txn, DB_OUTBOX, key, 8, &v), 0);
		msgpack_sbuffer_init(&again);
		msgpack_packer_init(&pk, &again, msgpack_sbuffer_write);
		msgpack_pack_object(&pk, *m);
		assert_int_equal(again.size, v.mv_size);
		assert_memory_equal(again.data, v.mv_data, v.mv_size);
		msgpack_sbuffer_destroy(&again);
		snprintf(out + strlen(out), cap - strlen(out), "%s%llu", i ? " " : "",
			 (unsigned long long)seq);
	}
	store_abort(&txn);
}

static void assert_since(void **state, int nargs, const struct carg *args, const char *want)
{
	char seqs[256];
	struct creply r;

	ctl_call(ENV(state), "notifications.since", nargs, args, &r);
	since_seqs(state, &r, seqs, sizeof(seqs));
	assert_string_equal(seqs, want);
	assert_int_equal(mp_u64(r.result, "last_seq"), 5);
	creply_release(&r);
}

/* PROTOCOL.md Notify: a subscriber that "starts late, asks the control socket for
 * notifications.since and receives exactly the ones it missed". */
static void test_notifications_since_gives_exactly_those_after_seq(void **state)
{
	struct carg s0[] = {CUINT("seq", 0)};
	struct carg s3[] = {CUINT("seq", 3)};
	struct carg s5[] = {CUINT("seq", 5)};
	struct carg s9[] = {CUINT("seq", 99)};
	struct carg smax[] = {CUINT("seq", UINT64_MAX)};

	fill_outbox(state);
	assert_since(state, 1, s0, "1 2 3 4 5");
	assert_since(state, 1, s3, "4 5");
	assert_since(state, 1, s5, "");
	assert_since(state, 1, s9, "");
	assert_since(state, 1, smax, "");
}

static void test_notifications_since_pages_by_limit(void **state)
{
	struct carg a[] = {CUINT("seq", 0), CUINT("limit", 2)};
	struct carg b[] = {CUINT("seq", 2), CUINT("limit", 2)};
	struct carg c[] = {CUINT("seq", 4), CUINT("limit", 2)};
	struct carg d[] = {CUINT("seq", 0), CUINT("limit", 1000)};

	fill_outbox(state);
	assert_since(state, 2, a, "1 2");
	assert_since(state, 2, b, "3 4");
	assert_since(state, 2, c, "5");
	assert_since(state, 2, d, "1 2 3 4 5");
}

static void test_notifications_since_carries_the_published_topic(void **state)
{
	struct carg a[] = {CUINT("seq", 3), CUINT("limit", 1)};
	const msgpack_object *n;
	struct creply r;

	fill_outbox(state);
	ctl_call(ENV(state), "notifications.since", 2, a, &r);
	assert_ok(&r);
	n = mp_get(r.result, "notifications");
	assert_int_equal(n->via.array.size, 1);
	assert_mp_str(&n->via.array.ptr[0], "topic", "deadline.breached");
	assert_mp_str(&n->via.array.ptr[0], "case", REF(1));
	creply_release(&r);
}

static void test_notifications_since_without_seq_is_missing_field(void **state)
{
	struct carg a[] = {CUINT("limit", 5)};
	struct creply r;

	ctl_call(ENV(state), "notifications.since", -1, NULL, &r);
	assert_error(&r, "missing_field", "args.seq");
	creply_release(&r);
	ctl_call(ENV(state), "notifications.since", 1, a, &r);
	assert_error(&r, "missing_field", "args.seq");
	creply_release(&r);
}

static void test_notifications_since_with_bad_arguments_is_invalid_field(void **state)
{
	static const struct carg bad[] = {CSTR("seq", "3"), CUINT("from", 3)};
	static const char *const needles[] = {"args.seq", "args.from"};
	struct carg lim0[] = {CUINT("seq", 0), CUINT("limit", 0)};
	struct carg lim_big[] = {CUINT("seq", 0), CUINT("limit", 1001)};
	struct creply r;

	assert_error_each(state, "notifications.since", bad, 2, "invalid_field", needles);
	ctl_call(ENV(state), "notifications.since", 2, lim0, &r);
	assert_error(&r, "invalid_field", "args.limit");
	creply_release(&r);
	ctl_call(ENV(state), "notifications.since", 2, lim_big, &r);
	assert_error(&r, "invalid_field", "args.limit");
	creply_release(&r);
}

/* A damaged outbox entry is an error, never a silent gap a subscriber cannot see. */
static void test_notifications_since_over_a_damaged_entry_is_unavailable(void **state)
{
	struct carg a[] = {CUINT("seq", 0)};
	uint8_t key[8];
	MDB_txn *txn = NULL;
	struct creply r;

	fill_outbox(state);
	store_be64(key, 3);
	assert_int_equal(store_begin(ST(state), false, &txn), 0);
	assert_int_equal(store_put(ST(state), txn, DB_OUTBOX, key, 8, "\xdd\xff\xff\xff\xff", 5),
			 0);
	assert_int_equal(store_commit(&txn), 0);
	ctl_call(ENV(state), "notifications.since", 1, a, &r);
	assert_error(&r, "unavailable", "after seq 2");
	creply_release(&r);
}

/* ---- report.summary ---- */

/* Four cases; three opened in 2026:
 *   NA-2026-000001  self       closed              media, extremist
 *       manager_review met on time; psd_assessment breached, then met
 *   NA-2026-000002  referral   conditions_active   media
 *       psd_assessment met on time; aa_determination live and past due; annual_review not
 *       yet due; mitigation_response (a window) met
 *   CR-2026-000001  anonymous  awaiting_assessment
 *       psd_assessment cancelled
 *   NA-2027-000001  self       awaiting_assessment (opened in 2027) */
static void fill_report(void **state)
{
	struct parts p;
	struct case_rec r;

	parts_init(&p);
	a_case(&r, "NA-2026-000001", KIND_NA, ORIGIN_SELF, WF_CLOSED, T2026 + DAY);
	r.c.categories = p.media_extremist;
	r.c.assessment = pstr("no_further_action");
	r.c.risk = pstr("low");
	r.c.closed_reason = pstr("no_further_action");
	add_dl(&r, DL_MANAGER_REVIEW, DLS_MET, T2026 + 8 * DAY, T2026 + 8 * DAY, 0);
	add_dl(&r, DL_PSD_ASSESSMENT, DLS_BREACHED, T2026 + 36 * DAY, T2026 + 37 * DAY, 0);
	put_case(ST(state), &r);

	a_case(&r, "NA-2026-000002", KIND_NA, ORIGIN_REFERRAL, WF_CONDITIONS_ACTIVE,
	       T2026 + 2 * DAY);
	r.c.categories = p.media;
	r.c.assessment = pstr("mitigation");
	r.c.risk = pstr("high");
	r.c.aa_decision = pstr("conditions");
	add_dl(&r, DL_PSD_ASSESSMENT, DLS_MET, T2026 + 30 * DAY, T2026 + 3 * DAY, 0);
	add_dl(&r, DL_MITIGATION_RESPONSE, DLS_MET, T2026 + 20 * DAY, T2026 + 25 * DAY, 0);
	add_dl(&r, DL_AA_DETERMINATION, DLS_OPEN, NOW_MS - HOUR, 0, 0);
	add_dl(&r, DL_ANNUAL_REVIEW, DLS_OPEN, T2027, 0, 0);
	put_case(ST(state), &r);

	a_case(&r, "CR-2026-000001", KIND_CR, ORIGIN_ANONYMOUS, WF_AWAITING_ASSESSMENT,
	       T2026 + 3 * DAY);
	add_dl(&r, DL_PSD_ASSESSMENT, DLS_CANCELLED, T2026 + 31 * DAY, T2026 + 4 * DAY, 0);
	put_case(ST(state), &r);

	a_case(&r, "NA-2027-000001", KIND_NA, ORIGIN_SELF, WF_AWAITING_ASSESSMENT, T2027);
	r.c.categories = p.media;
	put_case(ST(state), &r);
	parts_release(&p);
}

static void report(void **state, int nargs, const struct carg *args, struct creply *r)
{
	ctl_call(ENV(state), "report.summary", nargs, args, r);
	assert_true(r->deferred); /* a walk over every case: never on the reactor thread */
	assert_int_equal(r->job.kind, CTL_JOB_REPORT);
	assert_ok(r);
}

static uint64_t count_at(const msgpack_object *m, const char *group, const char *key)
{
	const msgpack_object *g = mp_get(m, group);

	assert_non_null(g);
	return mp_get(g, key) ? mp_u64(g, key) : 0;
}

static void
test_report_counts_cases_opened_in_the_window_by_kind_origin_category_state(void **state)
{
	struct carg a[] = {CUINT("from", T2026), CUINT("to", T2027)};
	struct creply r;

	fill_report(state);
	report(state, 2, a, &r);
	assert_int_equal(mp_u64(r.result, "from"), T2026);
	assert_int_equal(mp_u64(r.result, "to"), T2027);
	assert_int_equal(mp_u64(r.result, "cases"), 3);
	assert_int_equal(count_at(r.result, "kind", "NA"), 2);
	assert_int_equal(count_at(r.result, "kind", "CR"), 1);
	assert_int_equal(count_at(r.result, "kind", "WR"), 0);
	assert_int_equal(count_at(r.result, "origin", "self"), 1);
	assert_int_equal(count_at(r.result, "origin", "referral"), 1);
	assert_int_equal(count_at(r.result, "origin", "anonymous"), 1);
	assert_int_equal(count_at(r.result, "category", "media"), 2);
	assert_int_equal(count_at(r.result, "category", "extremist"), 1);
	assert_int_equal(mp_get(r.result, "category")->via.map.size, 2);
	assert_int_equal(count_at(r.result, "state", "closed"), 1);
	assert_int_equal(count_at(r.result, "state", "conditions_active"), 1);
	assert_int_equal(count_at(r.result, "state", "awaiting_assessment"), 1);
	assert_int_equal(count_at(r.result, "state", "awaiting_interview"), 0);
	assert_null(mp_get(mp_get(r.result, "state"), "none"));
	creply_release(&r);
}

static void test_report_counts_outcomes_one_map_each(void **state)
{
	struct carg a[] = {CUINT("from", T2026), CUINT("to", T2027)};
	const msgpack_object *o;
	struct creply r;

	fill_report(state);
	report(state, 2, a, &r);
	o = mp_get(r.result, "outcome");
	assert_int_equal(count_at(o, "assessment", "no_further_action"), 1);
	assert_int_equal(count_at(o, "assessment", "mitigation"), 1);
	assert_int_equal(count_at(o, "risk", "high"), 1);
	assert_int_equal(count_at(o, "aa_decision", "conditions"), 1);
	assert_int_equal(count_at(o, "closed_reason", "no_further_action"), 1);
	assert_int_equal(mp_get(o, "interview")->via.map.size, 0);
	assert_int_equal(mp_get(o, "appeal")->via.map.size, 0);
	assert_int_equal(mp_get(o, "review")->via.map.size, 0);
	creply_release(&r);
}

static double share_of(const msgpack_object *k)
{
	const msgpack_object *s = mp_get(k, "share");

	assert_non_null(s);
	assert_true(s->type == MSGPACK_OBJECT_FLOAT64 || s->type == MSGPACK_OBJECT_FLOAT32);
	return s->via.f64;
}

/* Issue 3: "the share of deadlines met on time, by kind". */
static void test_report_gives_the_share_of_deadlines_met_on_time_by_kind(void **state)
{
	struct carg a[] = {CUINT("from", T2026), CUINT("to", T2027)};
	const msgpack_object *dl, *k;
	struct creply r;

	fill_report(state);
	report(state, 2, a, &r);
	dl = mp_get(r.result, "deadlines");
	assert_non_null(dl);
	/* manager_review: met on its due day */
	k = mp_get(dl, "manager_review");
	assert_int_equal(mp_u64(k, "due"), 1);
	assert_int_equal(mp_u64(k, "met_on_time"), 1);
	assert_int_equal(mp_u64(k, "late"), 0);
	assert_true(share_of(k) == 1.0);
	/* psd_assessment: one late, one on time; the cancelled one counts nowhere */
	k = mp_get(dl, "psd_assessment");
	assert_int_equal(mp_u64(k, "due"), 2);
	assert_int_equal(mp_u64(k, "met_on_time"), 1);
	assert_int_equal(mp_u64(k, "late"), 1);
	assert_int_equal(mp_u64(k, "open"), 0);
	assert_true(share_of(k) == 0.5);
	/* aa_determination: live and past due is late */
	k = mp_get(dl, "aa_determination");
	assert_int_equal(mp_u64(k, "late"), 1);
	assert_true(share_of(k) == 0.0);
	/* annual_review: not yet due, no share */
	k = mp_get(dl, "annual_review");
	assert_int_equal(mp_u64(k, "open"), 1);
	assert_int_equal(mp_u64(k, "due"), 0);
	assert_int_equal(mp_get(k, "share")->type, MSGPACK_OBJECT_NIL);
	/* windows and retention are not obligations (WORKFLOW.md "Deadlines") */
	assert_null(mp_get(dl, "mitigation_response"));
	assert_null(mp_get(dl, "representations"));
	assert_null(mp_get(dl, "appeal_window"));
	assert_null(mp_get(dl, "retention"));
	assert_non_null(mp_get(dl, "vetting_review"));
	creply_release(&r);
}

static void test_report_without_a_window_counts_every_case(void **state)
{
	struct carg from[] = {CUINT("from", T2027)};
	struct creply r;

	fill_report(state);
	report(state, -1, NULL, &r);
	assert_int_equal(mp_u64(r.result, "cases"), 4);
	assert_int_equal(mp_get(r.result, "to")->type, MSGPACK_OBJECT_NIL);
	creply_release(&r);
	report(state, 1, from, &r);
	assert_int_equal(mp_u64(r.result, "cases"), 1);
	assert_int_equal(count_at(r.result, "kind", "NA"), 1);
	creply_release(&r);
}

static void test_report_of_an_empty_store_counts_nothing(void **state)
{
	struct creply r;

	report(state, 0, NULL, &r);
	assert_int_equal(mp_u64(r.result, "cases"), 0);
	assert_int_equal(mp_get(mp_get(mp_get(r.result, "deadlines"), "interview"), "share")->type,
			 MSGPACK_OBJECT_NIL);
	creply_release(&r);
}

static void test_report_with_bad_arguments_is_invalid_field_naming_them(void **state)
{
	static const struct carg bad[] = {CSTR("from", "2026"), CSTR("to", "x"), CUINT("kind", 1)};
	static const char *const needles[] = {"args.from", "args.to", "args.kind"};
	struct carg empty[] = {CUINT("from", T2027), CUINT("to", T2027)};
	struct carg backwards[] = {CUINT("from", T2027), CUINT("to", T2026)};
	struct creply r;

	assert_error_each(state, "report.summary", bad, 3, "invalid_field", needles);
	ctl_call(ENV(state), "report.summary", 2, empty, &r);
	assert_false(r.deferred);
	assert_error(&r, "invalid_field", "args.to");
	creply_release(&r);
	ctl_call(ENV(state), "report.summary", 2, backwards, &r);
	assert_error(&r, "invalid_field", "args.to");
	creply_release(&r);
}

/* A state filter that matches few of many cases answers in bounded reads: partial pages
 * whose `next` says where to go on, until nil; following them gives every match once. */
static void test_case_list_with_a_rare_state_reads_a_bounded_number_a_call(void **state)
{
	enum { N = 4500, CHUNK = 500 };
	struct fixture *f = *state;
	static char ids[N][16];
	struct ev_spec *s = calloc(CHUNK, sizeof(*s));
	char refs[256], next[PROTO_CASE_MAX + 4] = "", all[1024] = "";
	int pages = 0;

	assert_non_null(s);
	for (int i = 0; i < N; i += CHUNK) {
		for (int j = 0; j < CHUNK; j++) {
			snprintf(ids[i + j], sizeof(ids[0]), "bulk-%d", i + j);
			s[j] = decl(ids[i + j], "S50");
			s[j].bypass_manager = i + j == N - 1; /* the last one awaits assessment */
		}
		assert_int_equal(dtest_apply(&f->d.st, s, CHUNK, NOW_MS, NULL), 0);
	}
	free(s);
	do {
		struct carg a[2] = {CSTR("state", "awaiting_assessment"), CSTR("after", next)};
		struct creply r;

		ctl_call(ENV(state), "case.list", pages ? 2 : 1, a, &r);
		page(&r, refs, sizeof(refs), next);
		creply_release(&r);
		if (refs[0])
			snprintf(all + strlen(all), sizeof(all) - strlen(all), "%s%s",
				 all[0] ? " " : "", refs);
		pages++;
	} while (strcmp(next, "nil") != 0 && pages < 10);
	assert_string_equal(all, REF(2) " " REF(4) " " REF(5) " NA-2026-004505");
	assert_true(pages >= 2); /* 4505 cases, 4096 read a call */
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
	    T(test_case_list_with_a_rare_state_reads_a_bounded_number_a_call),
	    T(test_case_list_rows_carry_case_kind_state_subject_and_opened_at),
	    T(test_case_list_pages_of_2_2_1_chain_through_next),
	    T(test_case_list_exactly_full_last_page_has_next_nil),
	    T(test_case_list_without_a_limit_gives_100_with_next_the_100th),
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
#define E(f) cmocka_unit_test_setup_teardown(f, setup_empty, teardown)
	    E(test_status_reads_notify_seq_and_deadline_counters_from_meta),
	    E(test_case_get_shows_deadlines_conditions_and_tasks),
	    E(test_case_get_and_list_of_a_disposed_case_show_no_personal_data),
	    E(test_deadlines_list_gives_live_deadlines_in_due_order),
	    E(test_deadlines_list_overdue_gives_those_due_before_now),
	    E(test_deadlines_list_before_gives_those_due_before_it),
	    E(test_deadlines_list_limit_gives_the_earliest),
	    E(test_deadlines_list_without_a_limit_gives_the_earliest_100),
	    E(test_deadlines_list_of_an_empty_store_is_empty),
	    E(test_deadlines_list_with_bad_arguments_is_invalid_field_naming_them),
	    E(test_notifications_since_gives_exactly_those_after_seq),
	    E(test_notifications_since_pages_by_limit),
	    E(test_notifications_since_carries_the_published_topic),
	    E(test_notifications_since_without_seq_is_missing_field),
	    E(test_notifications_since_with_bad_arguments_is_invalid_field),
	    E(test_notifications_since_over_a_damaged_entry_is_unavailable),
	    E(test_report_counts_cases_opened_in_the_window_by_kind_origin_category_state),
	    E(test_report_counts_outcomes_one_map_each),
	    E(test_report_gives_the_share_of_deadlines_met_on_time_by_kind),
	    E(test_report_without_a_window_counts_every_case),
	    E(test_report_of_an_empty_store_counts_nothing),
	    E(test_report_with_bad_arguments_is_invalid_field_naming_them),
	};

	return cmocka_run_group_tests_name("daemon/ctl", tests, NULL, NULL);
}
