/* outbox: PROTOCOL.md "Notify". Each notification is a map of references, states and roles,
 * never names or free text, stored under a seq that starts at 1 and has no gaps. */
#include "dtest.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/outbox.h"

#define REF "NA-2026-000007"
#define AT  (NOW_MS + 123)

static struct proto_str pstr(const char *s)
{
	return (struct proto_str){s, (uint32_t)strlen(s)};
}

/* ---- notes, as the engine makes them ---- */

static struct wf_note state_changed(void)
{
	return (struct wf_note){
	    .topic = "case.state_changed",
	    .state = WF_AWAITING_ASSESSMENT,
	    .to = {{ROLE_PSD, {NULL, 0}}, {ROLE_LINE_MANAGER, {"LM7", 3}}},
	    .n_to = 2,
	    .detail = DETAIL_TRANSITION,
	    .from_state = WF_AWAITING_MANAGER_REVIEW,
	    .to_state = WF_AWAITING_ASSESSMENT,
	};
}

static struct wf_note breached(void)
{
	return (struct wf_note){
	    .topic = "deadline.breached",
	    .state = WF_AWAITING_MANAGER_REVIEW,
	    .to = {{ROLE_LINE_MANAGER, {"LM7", 3}}},
	    .n_to = 1,
	    .has_deadline = true,
	    .dl_kind = DL_MANAGER_REVIEW,
	    .due_at = NOW_MS - 1000,
	    .level = 2,
	};
}

static struct wf_note vetting_optional(void)
{
	return (struct wf_note){
	    .topic = "vetting.review_required",
	    .state = WF_AWAITING_MITIGATION,
	    .to = {{ROLE_VETTING, {NULL, 0}}},
	    .n_to = 1,
	    .detail = DETAIL_OPTIONAL,
	    .optional = true,
	};
}

static struct wf_note appeal_decided(void)
{
	return (struct wf_note){
	    .topic = "appeal.decided",
	    .state = WF_CONDITIONS_ACTIVE,
	    .to = {{ROLE_SUBJECT, {"S100", 4}}, {ROLE_PSD, {NULL, 0}}},
	    .n_to = 2,
	    .detail = DETAIL_OUTCOME,
	    .outcome = pstr("varied"),
	};
}

/* One packed note, unpacked. */
struct packed {
	msgpack_sbuffer buf;
	msgpack_unpacked up;
	const msgpack_object *m;
};

static void pack_note(const struct wf_note *n, uint64_t seq, struct packed *p)
{
	msgpack_packer pk;
	size_t off = 0;

	msgpack_sbuffer_init(&p->buf);
	msgpack_packer_init(&pk, &p->buf, msgpack_sbuffer_write);
	outbox_pack(&pk, seq, AT, REF, n);
	msgpack_unpacked_init(&p->up);
	assert_int_equal(msgpack_unpack_next(&p->up, p->buf.data, p->buf.size, &off),
			 MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(off, p->buf.size);
	p->m = &p->up.data;
	assert_int_equal(p->m->type, MSGPACK_OBJECT_MAP);
}

static void packed_release(struct packed *p)
{
	msgpack_unpacked_destroy(&p->up);
	msgpack_sbuffer_destroy(&p->buf);
}

/* The map's keys, in order, joined by spaces. */
static void keys_of(const msgpack_object *m, char *out, size_t cap)
{
	out[0] = '\0';
	for (uint32_t i = 0; i < m->via.map.size; i++) {
		const msgpack_object *k = &m->via.map.ptr[i].key;

		assert_int_equal(k->type, MSGPACK_OBJECT_STR);
		snprintf(out + strlen(out), cap - strlen(out), "%s%.*s", i ? " " : "",
			 (int)k->via.str.size, k->via.str.ptr);
	}
}

static void assert_keys(const msgpack_object *m, const char *want)
{
	char got[256];

	assert_non_null(m);
	assert_int_equal(m->type, MSGPACK_OBJECT_MAP);
	keys_of(m, got, sizeof(got));
	assert_string_equal(got, want);
}

/* ---- the map ---- */

/* PROTOCOL.md Notify: v, seq, topic, at, case, state, recipients, detail. */
static void test_notify_map_has_the_protocol_keys_and_nothing_else(void **state)
{
	struct wf_note n = state_changed();
	struct packed p;
	const msgpack_object *to;

	(void)state;
	pack_note(&n, 41, &p);
	assert_keys(p.m, "v seq topic at case state recipients detail");
	assert_int_equal(mp_u64(p.m, "v"), 1);
	assert_int_equal(mp_u64(p.m, "seq"), 41);
	assert_mp_str(p.m, "topic", "case.state_changed");
	assert_int_equal(mp_u64(p.m, "at"), AT);
	assert_mp_str(p.m, "case", REF);
	assert_mp_str(p.m, "state", "awaiting_assessment");
	to = mp_get(p.m, "recipients");
	assert_int_equal(to->type, MSGPACK_OBJECT_ARRAY);
	assert_int_equal(to->via.array.size, 2);
	assert_keys(&to->via.array.ptr[0], "role id");
	assert_mp_str(&to->via.array.ptr[0], "role", "psd");
	assert_int_equal(mp_get(&to->via.array.ptr[0], "id")->type, MSGPACK_OBJECT_NIL);
	assert_mp_str(&to->via.array.ptr[1], "role", "line_manager");
	assert_mp_str(&to->via.array.ptr[1], "id", "LM7");
	assert_keys(mp_get(p.m, "detail"), "from to");
	assert_mp_str(mp_get(p.m, "detail"), "from", "awaiting_manager_review");
	assert_mp_str(mp_get(p.m, "detail"), "to", "awaiting_assessment");
	packed_release(&p);
}

/* PROTOCOL.md: deadline "on deadline topics: {kind, due_at, level}" (level 0 = first breach). */
static void test_deadline_topics_carry_kind_due_at_and_level(void **state)
{
	struct wf_note n = breached();
	struct packed p;
	const msgpack_object *d;

	(void)state;
	pack_note(&n, 1, &p);
	assert_keys(p.m, "v seq topic at case state recipients deadline detail");
	d = mp_get(p.m, "deadline");
	assert_keys(d, "kind due_at level");
	assert_mp_str(d, "kind", "manager_review");
	assert_int_equal(mp_u64(d, "due_at"), NOW_MS - 1000);
	assert_int_equal(mp_u64(d, "level"), 2);
	assert_keys(mp_get(p.m, "detail"), "");
	packed_release(&p);
}

static void test_other_topics_carry_no_deadline(void **state)
{
	struct wf_note n = appeal_decided();
	struct packed p;

	(void)state;
	pack_note(&n, 1, &p);
	assert_null(mp_get(p.m, "deadline"));
	packed_release(&p);
}

/* WORKFLOW.md "Side effects": vetting.review_required with detail.optional = true (WMP "may
 * review"). */
static void test_vetting_review_required_detail_says_optional(void **state)
{
	struct wf_note n = vetting_optional();
	struct packed p;

	(void)state;
	pack_note(&n, 1, &p);
	assert_keys(mp_get(p.m, "detail"), "optional");
	assert_true(mp_get(mp_get(p.m, "detail"), "optional")->via.boolean);
	packed_release(&p);
}

static void test_appeal_decided_detail_is_the_outcome(void **state)
{
	struct wf_note n = appeal_decided();
	struct packed p;

	(void)state;
	pack_note(&n, 1, &p);
	assert_keys(mp_get(p.m, "detail"), "outcome");
	assert_mp_str(mp_get(p.m, "detail"), "outcome", "varied");
	packed_release(&p);
}

/* PROTOCOL.md: "Notifications carry references, states and roles, never names, associates or
 * free text". Every string in every kind of note is a key, a reference, a state, a role, a
 * staff id, a topic, a deadline kind or an enum outcome. */
static void assert_only_known_strings(const msgpack_object *o)
{
	static const char *const allowed[] = {"v",
					      "seq",
					      "topic",
					      "at",
					      "case",
					      "state",
					      "recipients",
					      "role",
					      "id",
					      "deadline",
					      "kind",
					      "due_at",
					      "level",
					      "detail",
					      "from",
					      "to",
					      "optional",
					      "outcome",
					      REF,
					      "case.state_changed",
					      "deadline.breached",
					      "vetting.review_required",
					      "appeal.decided",
					      "awaiting_assessment",
					      "awaiting_manager_review",
					      "awaiting_mitigation",
					      "conditions_active",
					      "psd",
					      "line_manager",
					      "vetting",
					      "subject",
					      "LM7",
					      "S100",
					      "manager_review",
					      "varied"};

	switch (o->type) {
	case MSGPACK_OBJECT_STR:
		for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
			if (mp_str_is(o, allowed[i]))
				return;
		fail_msg("a notification holds \"%.*s\"", (int)o->via.str.size, o->via.str.ptr);
		break;
	case MSGPACK_OBJECT_ARRAY:
		for (uint32_t i = 0; i < o->via.array.size; i++)
			assert_only_known_strings(&o->via.array.ptr[i]);
		break;
	case MSGPACK_OBJECT_MAP:
		for (uint32_t i = 0; i < o->via.map.size; i++) {
			assert_only_known_strings(&o->via.map.ptr[i].key);
			assert_only_known_strings(&o->via.map.ptr[i].val);
		}
		break;
	default:
		break;
	}
}

static void test_notifications_carry_no_names_or_free_text(void **state)
{
	struct wf_note notes[] = {state_changed(), breached(), vetting_optional(),
				  appeal_decided()};
	struct packed p;

	(void)state;
	for (size_t i = 0; i < sizeof(notes) / sizeof(notes[0]); i++) {
		pack_note(&notes[i], i + 1, &p);
		assert_only_known_strings(p.m);
		packed_release(&p);
	}
}

/* ---- the outbox database ---- */

static int setup(void **state)
{
	return dstore_setup(state, "outbox", 1 << 20, 1 << 20);
}

static int teardown(void **state)
{
	return dstore_teardown(state);
}

/* Appends fx at seq and commits; returns the new seq. */
static uint64_t append(struct store *st, uint64_t seq, const struct wf_effects *fx)
{
	msgpack_sbuffer scratch;
	MDB_txn *txn = NULL;

	msgpack_sbuffer_init(&scratch);
	assert_int_equal(store_begin(st, false, &txn), 0);
	assert_int_equal(outbox_append(st, txn, &seq, AT, REF, fx, &scratch), 0);
	assert_int_equal(store_commit(&txn), 0);
	msgpack_sbuffer_destroy(&scratch);
	return seq;
}

/* PROTOCOL.md: seq "starts at 1, +1 for each, no gaps". */
static void test_outbox_numbers_notes_from_1_without_gaps(void **state)
{
	struct dstore *d = *state;
	struct wf_effects a = {.note = {state_changed(), breached(), vetting_optional()}, .n = 3};
	struct wf_effects b = {.note = {appeal_decided()}, .n = 1};
	struct wf_effects none = {.n = 0};
	MDB_txn *txn = NULL;
	MDB_cursor *cur;
	MDB_val k, v;
	uint64_t seq = 0, want = 1;
	int rc;

	seq = append(&d->st, seq, &a);
	assert_int_equal(seq, 3);
	seq = append(&d->st, seq, &none);
	assert_int_equal(seq, 3);
	seq = append(&d->st, seq, &b);
	assert_int_equal(seq, 4);

	assert_int_equal(store_begin(&d->st, true, &txn), 0);
	assert_int_equal(mdb_cursor_open(txn, d->st.dbi[DB_OUTBOX], &cur), 0);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT), want++) {
		msgpack_unpacked up;
		const char *topic;
		size_t tlen;

		assert_int_equal(k.mv_size, 8);
		assert_int_equal(store_get_be64(k.mv_data), want);
		msgpack_unpacked_init(&up);
		assert_int_equal(msgpack_unpack_next(&up, v.mv_data, v.mv_size, NULL),
				 MSGPACK_UNPACK_SUCCESS);
		assert_int_equal(mp_u64(&up.data, "seq"), want);
		assert_mp_str(&up.data, "case", REF);
		msgpack_unpacked_destroy(&up);
		assert_int_equal(outbox_topic(v.mv_data, v.mv_size, &topic, &tlen), 0);
		if (want == 2)
			assert_memory_equal(topic, "deadline.breached", tlen);
	}
	assert_int_equal(rc, MDB_NOTFOUND);
	assert_int_equal(want, 5);
	mdb_cursor_close(cur);
	store_abort(&txn);
}

/* outbox.h: "numbering them from *seq + 1": after a restart the count goes on from meta. */
static void test_outbox_goes_on_from_the_seq_it_is_given(void **state)
{
	struct dstore *d = *state;
	struct wf_effects a = {.note = {breached(), appeal_decided()}, .n = 2};
	MDB_txn *txn = NULL;
	MDB_val v;
	uint8_t key[8];

	assert_int_equal(append(&d->st, 41, &a), 43);
	assert_int_equal(store_begin(&d->st, true, &txn), 0);
	store_be64(key, 41);
	assert_int_equal(store_get(&d->st, txn, DB_OUTBOX, key, 8, &v), -ENOENT);
	store_be64(key, 43);
	assert_int_equal(store_get(&d->st, txn, DB_OUTBOX, key, 8, &v), 0);
	store_abort(&txn);
}

/* ---- the topic frame ---- */

static void test_topic_is_read_from_the_stored_bytes(void **state)
{
	struct wf_note n = vetting_optional();
	struct packed p;
	const char *topic = NULL;
	size_t len = 0;

	(void)state;
	pack_note(&n, 9, &p);
	assert_int_equal(outbox_topic(p.buf.data, p.buf.size, &topic, &len), 0);
	assert_int_equal(len, strlen("vetting.review_required"));
	assert_memory_equal(topic, "vetting.review_required", len);
	packed_release(&p);
}

static void test_topic_of_bytes_that_are_not_a_notification_is_minus_1(void **state)
{
	static const uint8_t not_map[] = {0x93, 0x01, 0x02, 0x03};
	static const uint8_t no_topic[] = {0x81, 0xa1, 'v', 0x01};
	static const uint8_t int_topic[] = {0x81, 0xa5, 't', 'o', 'p', 'i', 'c', 0x07};
	static const uint8_t huge[] = {0x82, 0xa5, 't', 'o',  'p',  'i',  'c',  0xa1,
				       'x',  0xa1, 'y', 0xdd, 0xff, 0xff, 0xff, 0xff};
	struct wf_note n = breached();
	struct packed p;
	const char *topic;
	size_t len;

	(void)state;
	assert_int_equal(outbox_topic(not_map, sizeof(not_map), &topic, &len), -1);
	assert_int_equal(outbox_topic(no_topic, sizeof(no_topic), &topic, &len), -1);
	assert_int_equal(outbox_topic(int_topic, sizeof(int_topic), &topic, &len), -1);
	assert_int_equal(outbox_topic("", 0, &topic, &len), -1);
	/* a damaged header claiming 4G items fails at once, allocating nothing for them */
	assert_int_equal(outbox_topic(huge, sizeof(huge), &topic, &len), -1);
	pack_note(&n, 9, &p);
	for (size_t cut = 0; cut < p.buf.size; cut++)
		assert_int_equal(outbox_topic(p.buf.data, cut, &topic, &len), -1);
	packed_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_notify_map_has_the_protocol_keys_and_nothing_else),
	    cmocka_unit_test(test_deadline_topics_carry_kind_due_at_and_level),
	    cmocka_unit_test(test_other_topics_carry_no_deadline),
	    cmocka_unit_test(test_vetting_review_required_detail_says_optional),
	    cmocka_unit_test(test_appeal_decided_detail_is_the_outcome),
	    cmocka_unit_test(test_notifications_carry_no_names_or_free_text),
	    cmocka_unit_test_setup_teardown(test_outbox_numbers_notes_from_1_without_gaps, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_outbox_goes_on_from_the_seq_it_is_given, setup,
					    teardown),
	    cmocka_unit_test(test_topic_is_read_from_the_stored_bytes),
	    cmocka_unit_test(test_topic_of_bytes_that_are_not_a_notification_is_minus_1),
	};

	return cmocka_run_group_tests_name("daemon/outbox", tests, NULL, NULL);
}
