/* batch: group commit of opening events (PROTOCOL.md "Intake: events", WORKFLOW.md "Case kinds
 * and references" and the declaration.submitted / referral.submitted rows). */
#include "dtest.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/caserec.h"
#include "store/journal.h"
#include "store/readlog.h"

static int setup(void **state)
{
	return dstore_setup(state, "batch", 8 << 20, 8 << 20);
}

static int teardown(void **state)
{
	return dstore_teardown(state);
}

static struct journal_head head_of(struct store *st)
{
	struct journal_head h;
	MDB_txn *txn = NULL;

	assert_int_equal(store_begin(st, true, &txn), 0);
	assert_int_equal(journal_head_load(st, txn, &h), 0);
	store_abort(&txn);
	return h;
}

static uint64_t meta_u64(struct store *st, const char *name)
{
	MDB_txn *txn = NULL;
	uint64_t v;

	assert_int_equal(store_begin(st, true, &txn), 0);
	assert_int_equal(store_meta_get_u64(st, txn, name, &v), 0);
	store_abort(&txn);
	return v;
}

static void assert_same_head(struct journal_head a, struct journal_head b)
{
	assert_int_equal(a.seq, b.seq);
	assert_memory_equal(a.link, b.link, JOURNAL_HASH);
}

/* Whether key exists in db. */
static bool exists(struct store *st, enum store_db db, const void *key, size_t klen)
{
	MDB_txn *txn = NULL;
	MDB_val v;
	int r;

	assert_int_equal(store_begin(st, true, &txn), 0);
	r = store_get(st, txn, db, key, klen, &v);
	store_abort(&txn);
	assert_true(r == 0 || r == -ENOENT);
	return r == 0;
}

/* The stored case ref, unpacked; release with msgpack_unpacked_destroy. */
static const msgpack_object *stored_case(struct store *st, const char *ref, msgpack_unpacked *up)
{
	MDB_txn *txn = NULL;
	MDB_val v;
	size_t off = 0;

	assert_int_equal(store_begin(st, true, &txn), 0);
	assert_int_equal(store_get(st, txn, DB_CASES, ref, strlen(ref), &v), 0);
	msgpack_unpacked_init(up);
	assert_int_equal(msgpack_unpack_next(up, v.mv_data, v.mv_size, &off),
			 MSGPACK_UNPACK_SUCCESS);
	store_abort(&txn);
	assert_int_equal(up->data.type, MSGPACK_OBJECT_MAP);
	return &up->data;
}

static void assert_accepted(const struct batch_item *it, const char *ref, uint64_t seq)
{
	if (it->status != BATCH_ACCEPTED)
		fail_msg("expected accepted, got status %d: %s: %s", it->status,
			 proto_err_code(it->err.code), it->err.message);
	assert_string_equal(it->case_ref, ref);
	assert_int_equal(it->seq, seq);
}

static void assert_duplicate(const struct batch_item *it, const char *ref, uint64_t seq)
{
	if (it->status != BATCH_DUPLICATE)
		fail_msg("expected duplicate, got status %d: %s: %s", it->status,
			 proto_err_code(it->err.code), it->err.message);
	assert_string_equal(it->case_ref, ref);
	assert_int_equal(it->seq, seq);
}

static void assert_rejected(const struct batch_item *it, enum proto_err code, const char *needle)
{
	assert_int_equal(it->status, BATCH_REJECTED);
	assert_proto_err(&it->err, code, needle);
}

/* ---- references and seq ---- */

static void test_first_declaration_is_accepted_as_na_year_000001_seq_1(void **state)
{
	struct dstore *d = *state;
	struct ev_spec s = decl("ev-1", "S100");
	struct batch_item out;

	assert_int_equal(dtest_apply(&d->st, &s, 1, NOW_MS, &out), 0);
	assert_accepted(&out, "NA-2026-000001", 1);
	assert_int_equal(head_of(&d->st).seq, 1);
	assert_true(exists(&d->st, DB_CASES, "NA-2026-000001", 14));
	assert_true(exists(&d->st, DB_EVENTS, "ev-1", 4));
}

static void test_second_declaration_is_000002_seq_2(void **state)
{
	struct dstore *d = *state;
	struct ev_spec a = decl("ev-1", "S100"), b = decl("ev-2", "S200");
	struct batch_item out;

	assert_int_equal(dtest_apply(&d->st, &a, 1, NOW_MS, &out), 0);
	assert_int_equal(dtest_apply(&d->st, &b, 1, NOW_MS + 1000, &out), 0);
	assert_accepted(&out, "NA-2026-000002", 2);
}

static void test_events_of_one_batch_get_consecutive_refs_and_seqs(void **state)
{
	struct dstore *d = *state;
	struct ev_spec s[3] = {decl("a", "S1"), referral("b", "S2", "psd"),
			       anon_referral("c", "S3")};
	struct batch_item out[3];

	assert_int_equal(dtest_apply(&d->st, s, 3, NOW_MS, out), 0);
	assert_accepted(&out[0], "NA-2026-000001", 1);
	assert_accepted(&out[1], "NA-2026-000002", 2);
	assert_accepted(&out[2], "NA-2026-000003", 3);
	assert_int_equal(head_of(&d->st).seq, 3);
	assert_int_equal(meta_u64(&d->st, "cases_total"), 3);
	assert_int_equal(meta_u64(&d->st, "cases_open"), 3);
}

/* WORKFLOW.md: "year of receipt, counter per year" */
static void test_case_counter_restarts_each_year_of_receipt(void **state)
{
	struct dstore *d = *state;
	struct ev_spec s[3] = {decl("y26-1", "S1"), decl("y26-2", "S2"), decl("y27-1", "S3")};
	struct batch_item out;

	assert_int_equal(dtest_apply(&d->st, &s[0], 1, T2027 - 2000, &out), 0);
	assert_accepted(&out, "NA-2026-000001", 1);
	assert_int_equal(dtest_apply(&d->st, &s[1], 1, T2027 - 1000, &out), 0);
	assert_accepted(&out, "NA-2026-000002", 2);
	/* `at` lies in 2026; the reference takes the year the daemon received it */
	s[2].at = T2027 - 5000;
	assert_int_equal(dtest_apply(&d->st, &s[2], 1, T2027, &out), 0);
	assert_accepted(&out, "NA-2027-000001", 3);
}

/* ---- idempotency ---- */

static void test_same_id_same_bytes_in_a_later_batch_is_duplicate_of_the_original(void **state)
{
	struct dstore *d = *state;
	struct ev_spec a = decl("ev-1", "S100"), b = decl("ev-2", "S200");
	struct batch_item out;
	struct journal_head before;

	a.at = NOW_MS - 1000; /* the same bytes at both times */
	assert_int_equal(dtest_apply(&d->st, &a, 1, NOW_MS, &out), 0);
	assert_int_equal(dtest_apply(&d->st, &b, 1, NOW_MS, &out), 0);
	before = head_of(&d->st);
	assert_int_equal(dtest_apply(&d->st, &a, 1, NOW_MS + 5000, &out), 0);
	assert_duplicate(&out, "NA-2026-000001", 1);
	assert_same_head(head_of(&d->st), before);
	assert_int_equal(meta_u64(&d->st, "cases_total"), 2);
}

/* PROTOCOL.md: "a resend of an accepted event is always duplicate", even in a new year. */
static void test_duplicate_in_a_later_year_repeats_the_original_case(void **state)
{
	struct dstore *d = *state;
	struct ev_spec a = decl("ev-1", "S100");
	struct batch_item out;

	a.at = T2027 - 60000;
	assert_int_equal(dtest_apply(&d->st, &a, 1, T2027 - 1000, &out), 0);
	assert_int_equal(dtest_apply(&d->st, &a, 1, T2027 + 1000, &out), 0);
	assert_duplicate(&out, "NA-2026-000001", 1);
	assert_int_equal(meta_u64(&d->st, "ctr:NA:2027"), 0);
}

static void test_same_id_twice_in_one_batch_is_accepted_then_duplicate(void **state)
{
	struct dstore *d = *state;
	struct ev_spec s[3] = {decl("ev-1", "S100"), decl("ev-1", "S100"), decl("ev-2", "S2")};
	struct batch_item out[3];

	assert_int_equal(dtest_apply(&d->st, s, 3, NOW_MS, out), 0);
	assert_accepted(&out[0], "NA-2026-000001", 1);
	assert_duplicate(&out[1], "NA-2026-000001", 1);
	assert_accepted(&out[2], "NA-2026-000002", 2);
	assert_int_equal(head_of(&d->st).seq, 2);
}

static void test_same_id_other_bytes_is_conflict(void **state)
{
	struct dstore *d = *state;
	struct ev_spec a = decl("ev-1", "S100"), b = decl("ev-1", "S100");
	struct batch_item out;
	struct journal_head before;

	b.circumstances = "something else";
	assert_int_equal(dtest_apply(&d->st, &a, 1, NOW_MS, &out), 0);
	before = head_of(&d->st);
	assert_int_equal(dtest_apply(&d->st, &b, 1, NOW_MS, &out), 0);
	assert_rejected(&out, PROTO_CONFLICT, "ev-1");
	assert_string_equal(out.case_ref, "");
	assert_same_head(head_of(&d->st), before);
	assert_int_equal(meta_u64(&d->st, "cases_total"), 1);
	assert_int_equal(meta_u64(&d->st, "ctr:NA:2026"), 1);
}

static void test_same_id_other_bytes_in_one_batch_is_conflict(void **state)
{
	struct dstore *d = *state;
	struct ev_spec s[2] = {decl("ev-1", "S100"), decl("ev-1", "S100")};
	struct batch_item out[2];

	s[1].circumstances = "something else";
	assert_int_equal(dtest_apply(&d->st, s, 2, NOW_MS, out), 0);
	assert_accepted(&out[0], "NA-2026-000001", 1);
	assert_rejected(&out[1], PROTO_CONFLICT, NULL);
	assert_int_equal(head_of(&d->st).seq, 1);
}

/* An anonymous referral's id is kept only as a hash (anon.h), under a key of its own; the same
 * id sent once named and once anonymous is still one id with two contents: conflict, in either
 * order, and nothing of the second is written. */
static void assert_named_anon_conflict(struct store *st, struct ev_spec first,
				       struct ev_spec second, bool one_batch)
{
	struct ev_spec s[2] = {first, second};
	struct batch_item out[2];

	if (one_batch) {
		assert_int_equal(dtest_apply(st, s, 2, NOW_MS, out), 0);
	} else {
		assert_int_equal(dtest_apply(st, &s[0], 1, NOW_MS, &out[0]), 0);
		assert_int_equal(dtest_apply(st, &s[1], 1, NOW_MS, &out[1]), 0);
	}
	assert_accepted(&out[0], "NA-2026-000001", 1);
	assert_rejected(&out[1], PROTO_CONFLICT, NULL);
	assert_string_equal(out[1].case_ref, "");
	assert_int_equal(head_of(st).seq, 1);
	assert_int_equal(meta_u64(st, "cases_total"), 1);
	assert_int_equal(meta_u64(st, "ctr:NA:2026"), 1);
}

static void test_same_id_named_then_anonymous_is_conflict(void **state)
{
	struct dstore *d = *state;

	assert_named_anon_conflict(&d->st, referral("ev-1", "S100", "psd"),
				   anon_referral("ev-1", "S100"), false);
}

static void test_same_id_anonymous_then_named_is_conflict(void **state)
{
	struct dstore *d = *state;

	assert_named_anon_conflict(&d->st, anon_referral("ev-1", "S100"),
				   referral("ev-1", "S100", "psd"), false);
}

static void test_same_id_named_then_anonymous_in_one_batch_is_conflict(void **state)
{
	struct dstore *d = *state;

	assert_named_anon_conflict(&d->st, decl("ev-1", "S100"), anon_referral("ev-1", "S100"),
				   true);
}

static void test_same_id_anonymous_then_named_in_one_batch_is_conflict(void **state)
{
	struct dstore *d = *state;

	assert_named_anon_conflict(&d->st, anon_referral("ev-1", "S100"),
				   referral("ev-1", "S100", "psd"), true);
}

/* The other namespace is only looked up: an anonymous referral leaves no plain id behind, so
 * a resend of it is still its duplicate, and a named event of another id is accepted. */
static void test_anonymous_resend_is_still_duplicate_and_stores_no_plain_id(void **state)
{
	struct dstore *d = *state;
	struct ev_spec a = anon_referral("ev-1", "S100"), b = decl("ev-2", "S200");
	struct batch_item out;

	a.at = NOW_MS - 1000;
	assert_int_equal(dtest_apply(&d->st, &a, 1, NOW_MS, &out), 0);
	assert_accepted(&out, "NA-2026-000001", 1);
	assert_false(exists(&d->st, DB_EVENTS, "ev-1", 4));
	assert_int_equal(dtest_apply(&d->st, &a, 1, NOW_MS + 5000, &out), 0);
	assert_duplicate(&out, "NA-2026-000001", 1);
	assert_int_equal(dtest_apply(&d->st, &b, 1, NOW_MS + 6000, &out), 0);
	assert_accepted(&out, "NA-2026-000002", 2);
}

/* PROTOCOL.md check order: duplicate/conflict come before the actor's role is judged. */
static void test_conflict_is_answered_before_a_forbidden_role(void **state)
{
	struct dstore *d = *state;
	struct ev_spec a = decl("ev-1", "S100"), b = decl("ev-1", "S100");
	struct batch_item out;

	b.actor_id = "S999"; /* not the subject: forbidden, were it judged */
	assert_int_equal(dtest_apply(&d->st, &a, 1, NOW_MS, &out), 0);
	assert_int_equal(dtest_apply(&d->st, &b, 1, NOW_MS, &out), 0);
	assert_rejected(&out, PROTO_CONFLICT, "ev-1");
}

/* ---- who may open a case ---- */

static void test_declaration_not_by_its_subject_is_forbidden_and_writes_nothing(void **state)
{
	struct dstore *d = *state;
	struct ev_spec a = decl("ev-1", "S100"), b = decl("ev-2", "S300");
	struct batch_item out;
	struct journal_head before;

	assert_int_equal(dtest_apply(&d->st, &a, 1, NOW_MS, &out), 0);
	before = head_of(&d->st);
	b.actor_id = "S999";
	assert_int_equal(dtest_apply(&d->st, &b, 1, NOW_MS, &out), 0);
	assert_rejected(&out, PROTO_FORBIDDEN, "subject");
	assert_same_head(head_of(&d->st), before);
	assert_false(exists(&d->st, DB_EVENTS, "ev-2", 4));
	assert_false(exists(&d->st, DB_CASES, "NA-2026-000002", 14));
	assert_int_equal(meta_u64(&d->st, "ctr:NA:2026"), 1);
	/* the id was not taken: the corrected event is accepted under it */
	b.actor_id = "S300";
	assert_int_equal(dtest_apply(&d->st, &b, 1, NOW_MS, &out), 0);
	assert_accepted(&out, "NA-2026-000002", 2);
}

static void test_referral_by_role_subject_is_forbidden(void **state)
{
	struct dstore *d = *state;
	struct ev_spec s = referral("ev-1", "S100", "subject");
	struct batch_item out;

	assert_int_equal(dtest_apply(&d->st, &s, 1, NOW_MS, &out), 0);
	assert_rejected(&out, PROTO_FORBIDDEN, "subject");
	assert_int_equal(head_of(&d->st).seq, 0);
	assert_false(exists(&d->st, DB_EVENTS, "ev-1", 4));
}

static void test_rejected_event_does_not_stop_the_rest_of_its_batch(void **state)
{
	struct dstore *d = *state;
	struct ev_spec s[3] = {decl("a", "S1"), referral("b", "S2", "hr"), decl("c", "S3")};
	struct batch_item out[3];

	assert_int_equal(dtest_apply(&d->st, s, 3, NOW_MS, out), 0);
	assert_accepted(&out[0], "NA-2026-000001", 1);
	assert_rejected(&out[1], PROTO_FORBIDDEN, "hr");
	assert_accepted(&out[2], "NA-2026-000002", 2);
}

/* ---- what the case looks like ---- */

static void test_declaration_awaits_manager_review_with_origin_self(void **state)
{
	struct dstore *d = *state;
	struct ev_spec s = decl("ev-1", "S100");
	const msgpack_object *c, *h;
	struct batch_item out;
	msgpack_unpacked up;

	assert_int_equal(dtest_apply(&d->st, &s, 1, NOW_MS, &out), 0);
	c = stored_case(&d->st, out.case_ref, &up);
	assert_mp_str(c, "state", "awaiting_manager_review");
	assert_mp_str(c, "origin", "self");
	assert_mp_str(c, "kind", "NA");
	assert_mp_str(c, "subject_id", "S100");
	assert_int_equal(mp_u64(c, "opened_at"), NOW_MS - 60000);
	h = mp_get(c, "history");
	assert_true(h && h->type == MSGPACK_OBJECT_ARRAY && h->via.array.size == 1);
	h = &h->via.array.ptr[0];
	assert_int_equal(mp_u64(h, "seq"), 1);
	assert_mp_str(h, "type", "declaration.submitted");
	assert_int_equal(mp_u64(h, "received_at"), NOW_MS);
	assert_mp_str(mp_get(h, "actor"), "id", "S100");
	assert_mp_str(mp_get(h, "actor"), "role", "subject");
	msgpack_unpacked_destroy(&up);
}

/* P01 3.4: when the line manager cannot be approached */
static void test_declaration_with_bypass_manager_awaits_assessment(void **state)
{
	struct dstore *d = *state;
	struct ev_spec s = decl("ev-1", "S100");
	struct batch_item out;
	msgpack_unpacked up;

	s.bypass_manager = true;
	assert_int_equal(dtest_apply(&d->st, &s, 1, NOW_MS, &out), 0);
	assert_accepted(&out, "NA-2026-000001", 1);
	assert_mp_str(stored_case(&d->st, out.case_ref, &up), "state", "awaiting_assessment");
	msgpack_unpacked_destroy(&up);
}

static void test_named_referral_awaits_assessment_with_origin_referral(void **state)
{
	struct dstore *d = *state;
	struct ev_spec s = referral("ev-1", "S100", "line_manager");
	const msgpack_object *c;
	struct batch_item out;
	msgpack_unpacked up;

	assert_int_equal(dtest_apply(&d->st, &s, 1, NOW_MS, &out), 0);
	assert_accepted(&out, "NA-2026-000001", 1);
	c = stored_case(&d->st, out.case_ref, &up);
	assert_mp_str(c, "state", "awaiting_assessment");
	assert_mp_str(c, "origin", "referral");
	msgpack_unpacked_destroy(&up);
}

/* P01c 3.13; PROTOCOL.md: "An anonymous referral's history shows no actor". */
static void test_anonymous_referral_is_accepted_with_no_actor_in_its_history(void **state)
{
	struct dstore *d = *state;
	struct ev_spec s = anon_referral("ev-1", "S100");
	const msgpack_object *c, *h, *actor;
	struct batch_item out;
	msgpack_unpacked up;

	assert_int_equal(dtest_apply(&d->st, &s, 1, NOW_MS, &out), 0);
	assert_accepted(&out, "NA-2026-000001", 1);
	c = stored_case(&d->st, out.case_ref, &up);
	assert_mp_str(c, "origin", "anonymous");
	assert_mp_str(c, "state", "awaiting_assessment");
	h = mp_get(c, "history");
	assert_true(h && h->type == MSGPACK_OBJECT_ARRAY && h->via.array.size == 1);
	actor = mp_get(&h->via.array.ptr[0], "actor");
	assert_non_null(actor);
	assert_int_equal(actor->type, MSGPACK_OBJECT_NIL);
	msgpack_unpacked_destroy(&up);
}

static void test_case_is_indexed_by_its_subject(void **state)
{
	struct dstore *d = *state;
	struct ev_spec s = decl("ev-1", "S100");
	struct batch_item out;

	assert_int_equal(dtest_apply(&d->st, &s, 1, NOW_MS, &out), 0);
	assert_true(exists(&d->st, DB_BY_SUBJECT, "S100\0NA-2026-000001", 19));
}

static void test_accepted_events_are_journaled_as_received(void **state)
{
	struct dstore *d = *state;
	struct ev_spec s = decl("ev-1", "S100");
	struct journal_entry e;
	msgpack_sbuffer bytes;
	struct batch_item out;
	MDB_txn *txn = NULL;
	uint64_t entries, bad;
	uint8_t head[JOURNAL_HASH];

	assert_int_equal(dtest_apply(&d->st, &s, 1, NOW_MS, &out), 0);
	tev_pack(&s, NOW_MS, &bytes);
	assert_int_equal(store_begin(&d->st, true, &txn), 0);
	assert_int_equal(journal_read(&d->st, txn, 1, &e), 0);
	assert_int_equal(e.len, bytes.size);
	assert_memory_equal(e.bytes, bytes.data, bytes.size);
	assert_int_equal(e.received_at, NOW_MS);
	assert_int_equal(journal_verify(&d->st, txn, &entries, head, &bad), 0);
	assert_int_equal(entries, 1);
	assert_int_equal(bad, 0);
	store_abort(&txn);
	msgpack_sbuffer_destroy(&bytes);
}

/* ---- read records (readlog.h) ---- */

/* A read record as ctl would make it: bytes that are not an event's, two cases. */
static struct readlog_rec read_rec(msgpack_sbuffer *buf, const char *client)
{
	static const char refs[] = "NA-2026-000001\0NA-2026-000002";
	msgpack_packer pk;

	msgpack_sbuffer_init(buf);
	msgpack_packer_init(&pk, buf, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 4);
	proto_pack_kv_cstr(&pk, "type", READLOG_TYPE);
	proto_pack_kv_u64(&pk, "at", NOW_MS);
	proto_pack_kv_cstr(&pk, "client", client);
	proto_pack_kv_cstr(&pk, "cmd", "case.list");
	return (struct readlog_rec){(const uint8_t *)buf->data, buf->size, refs, sizeof(refs), 0};
}

static void test_read_records_join_the_chain_after_the_events_of_their_batch(void **state)
{
	struct dstore *d = *state;
	struct ev_spec s[2] = {decl("ev-1", "S1"), decl("ev-2", "S2")};
	struct tev t[2];
	struct batch_item *items[2] = {&t[0].item, &t[1].item};
	msgpack_sbuffer b1, b2;
	struct readlog_rec rec[2] = {read_rec(&b1, "ops-a"), read_rec(&b2, "ops-b")};
	struct batch_input in = {.items = items,
				 .n = 2,
				 .reads = rec,
				 .n_reads = 2,
				 .policy = dtest_policy(),
				 .now_ms = NOW_MS};
	struct readlog_row row;
	struct journal_entry e;
	MDB_txn *txn = NULL;
	uint64_t entries, bad;
	uint8_t head[JOURNAL_HASH], key[READLOG_KEY_MAX];

	for (int i = 0; i < 2; i++)
		tev_init(&t[i], &s[i], NOW_MS);
	assert_int_equal(batch_run(&d->st, &in, NULL), 0);
	assert_accepted(&t[0].item, "NA-2026-000001", 1);
	assert_accepted(&t[1].item, "NA-2026-000002", 2);
	assert_int_equal(rec[0].seq, 3);
	assert_int_equal(rec[1].seq, 4);
	assert_int_equal(store_begin(&d->st, true, &txn), 0);
	assert_int_equal(journal_read(&d->st, txn, 4, &e), 0);
	assert_int_equal(e.len, b2.size);
	assert_memory_equal(e.bytes, b2.data, b2.size);
	assert_int_equal(readlog_decode(e.bytes, e.len, &row), 0);
	assert_string_equal(row.client, "ops-b");
	assert_string_equal(row.cmd, "case.list");
	assert_int_equal(row.at, NOW_MS);
	/* an event is not a read record */
	assert_int_equal(journal_read(&d->st, txn, 1, &e), 0);
	assert_int_equal(readlog_decode(e.bytes, e.len, &row), -EBADMSG);
	assert_int_equal(journal_verify(&d->st, txn, &entries, head, &bad), 0);
	assert_int_equal(entries, 4);
	assert_int_equal(bad, 0);
	store_abort(&txn);
	for (uint64_t seq = 3; seq <= 4; seq++) {
		assert_true(exists(&d->st, DB_READS, key,
				   readlog_key(key, "NA-2026-000001", 14, seq, false)));
		assert_true(exists(&d->st, DB_READS, key,
				   readlog_key(key, "NA-2026-000002", 14, seq, false)));
	}
	assert_false(
	    exists(&d->st, DB_READS, key, readlog_key(key, "NA-2026-000001", 14, 1, false)));
	for (int i = 0; i < 2; i++)
		tev_release(&t[i]);
	msgpack_sbuffer_destroy(&b1);
	msgpack_sbuffer_destroy(&b2);
}

/* A batch of read records alone commits them, as the reactor's control cycle does. */
static void test_a_batch_of_read_records_alone_is_written(void **state)
{
	struct dstore *d = *state;
	msgpack_sbuffer b;
	struct readlog_rec rec = read_rec(&b, "ops-a");
	struct batch_input in = {
	    .reads = &rec, .n_reads = 1, .policy = dtest_policy(), .now_ms = NOW_MS};
	uint8_t key[READLOG_KEY_MAX];

	assert_int_equal(batch_run(&d->st, &in, NULL), 0);
	assert_int_equal(rec.seq, 1);
	assert_int_equal(head_of(&d->st).seq, 1);
	assert_true(
	    exists(&d->st, DB_READS, key, readlog_key(key, "NA-2026-000002", 14, 1, false)));
	msgpack_sbuffer_destroy(&b);
}

/* ---- a full map ---- */

static char big_text[4001];

static struct ev_spec big_decl(char *id, size_t idcap, int i)
{
	struct ev_spec s;

	snprintf(id, idcap, "big-%d", i);
	s = decl(id, "S100");
	memset(big_text, 'x', sizeof(big_text) - 1);
	s.circumstances = big_text;
	return s;
}

/* batch.h: "-ENOSPC when the map is at its ceiling"; nothing of that batch is written. */
static void test_full_map_at_its_ceiling_is_enospc_and_writes_nothing(void **state)
{
	struct dstore d;
	struct journal_head before;
	struct batch_item out;
	char id[32];
	int r = 0, i;

	(void)state;
	dstore_open(&d, "batch-full", 256 << 10, 256 << 10);
	for (i = 0; i < 200; i++) {
		struct ev_spec s = big_decl(id, sizeof(id), i);

		before = head_of(&d.st);
		if ((r = dtest_apply(&d.st, &s, 1, NOW_MS, &out)) != 0)
			break;
		assert_accepted(&out, out.case_ref, before.seq + 1);
	}
	assert_int_equal(r, -ENOSPC);
	assert_true(i > 0); /* some fitted */
	assert_same_head(head_of(&d.st), before);
	assert_false(exists(&d.st, DB_EVENTS, id, strlen(id)));
	assert_int_equal(d.st.map_size, 256 << 10);
	/* reads go on, and the chain is whole */
	{
		MDB_txn *txn = NULL;
		uint64_t entries, bad;
		uint8_t head[JOURNAL_HASH];

		assert_int_equal(store_begin(&d.st, true, &txn), 0);
		assert_int_equal(journal_verify(&d.st, txn, &entries, head, &bad), 0);
		assert_int_equal(entries, before.seq);
		assert_int_equal(bad, 0);
		store_abort(&txn);
	}
	dstore_close(&d);
}

static void test_full_map_below_its_ceiling_grows_and_accepts(void **state)
{
	enum { N = 40 }; /* 40 x 4 KB does not fit in 64 KiB */
	struct ev_spec s[N];
	struct batch_item out[N];
	char ids[N][32];
	struct dstore d;

	(void)state;
	dstore_open(&d, "batch-grow", 64 << 10, 4 << 20);
	for (int i = 0; i < N; i++)
		s[i] = big_decl(ids[i], sizeof(ids[i]), i);
	assert_int_equal(dtest_apply(&d.st, s, N, NOW_MS, out), 0);
	for (int i = 0; i < N; i++)
		assert_int_equal(out[i].status, BATCH_ACCEPTED);
	assert_true(d.st.map_size > (64 << 10));
	assert_true(d.st.map_size <= (4 << 20));
	assert_int_equal(head_of(&d.st).seq, N);
	dstore_close(&d);
}

/* batch.h: "-EBUSY when it is full and may not grow now (a backup is running)" */
static void test_full_map_while_growth_is_blocked_is_ebusy_and_writes_nothing(void **state)
{
	enum { N = 40 };
	struct ev_spec s[N];
	char ids[N][32];
	struct dstore d;

	(void)state;
	dstore_open(&d, "batch-busy", 64 << 10, 4 << 20);
	for (int i = 0; i < N; i++)
		s[i] = big_decl(ids[i], sizeof(ids[i]), i);
	d.st.grow_blocked = true;
	assert_int_equal(dtest_apply(&d.st, s, N, NOW_MS, NULL), -EBUSY);
	assert_int_equal(head_of(&d.st).seq, 0);
	assert_int_equal(d.st.map_size, 64 << 10);
	d.st.grow_blocked = false;
	assert_int_equal(dtest_apply(&d.st, s, N, NOW_MS, NULL), 0);
	assert_int_equal(head_of(&d.st).seq, N);
	dstore_close(&d);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_first_declaration_is_accepted_as_na_year_000001_seq_1),
	    T(test_second_declaration_is_000002_seq_2),
	    T(test_events_of_one_batch_get_consecutive_refs_and_seqs),
	    T(test_case_counter_restarts_each_year_of_receipt),
	    T(test_same_id_same_bytes_in_a_later_batch_is_duplicate_of_the_original),
	    T(test_duplicate_in_a_later_year_repeats_the_original_case),
	    T(test_same_id_twice_in_one_batch_is_accepted_then_duplicate),
	    T(test_same_id_other_bytes_is_conflict),
	    T(test_same_id_other_bytes_in_one_batch_is_conflict),
	    T(test_same_id_named_then_anonymous_is_conflict),
	    T(test_same_id_anonymous_then_named_is_conflict),
	    T(test_same_id_named_then_anonymous_in_one_batch_is_conflict),
	    T(test_same_id_anonymous_then_named_in_one_batch_is_conflict),
	    T(test_anonymous_resend_is_still_duplicate_and_stores_no_plain_id),
	    T(test_conflict_is_answered_before_a_forbidden_role),
	    T(test_declaration_not_by_its_subject_is_forbidden_and_writes_nothing),
	    T(test_referral_by_role_subject_is_forbidden),
	    T(test_rejected_event_does_not_stop_the_rest_of_its_batch),
	    T(test_declaration_awaits_manager_review_with_origin_self),
	    T(test_declaration_with_bypass_manager_awaits_assessment),
	    T(test_named_referral_awaits_assessment_with_origin_referral),
	    T(test_anonymous_referral_is_accepted_with_no_actor_in_its_history),
	    T(test_case_is_indexed_by_its_subject),
	    T(test_accepted_events_are_journaled_as_received),
	    T(test_read_records_join_the_chain_after_the_events_of_their_batch),
	    T(test_a_batch_of_read_records_alone_is_written),
	    cmocka_unit_test(test_full_map_at_its_ceiling_is_enospc_and_writes_nothing),
	    cmocka_unit_test(test_full_map_below_its_ceiling_grows_and_accepts),
	    cmocka_unit_test(test_full_map_while_growth_is_blocked_is_ebusy_and_writes_nothing),
	};

	return cmocka_run_group_tests_name("daemon/batch", tests, NULL, NULL);
}
