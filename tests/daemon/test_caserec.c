/* caserec: the stored case record and the case.get view. Every field of struct wf_case
 * survives a round trip; records written by the first format still load; a damaged record is
 * -EIO, never a crash; a disposed case (WORKFLOW.md "Deadlines": retention) keeps no
 * personal data. */
#include "dtest.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/caserec.h"

#define REF "NA-2026-000042"

/* The parts a case borrows, as an event would carry them. */
struct parts {
	msgpack_sbuffer buf;
	msgpack_unpacked up;
	const msgpack_object *subject, *update, *associate, *categories, *relationship, *conditions,
	    *proposed;
};

static void kv(msgpack_packer *pk, const char *k, const char *v)
{
	proto_pack_cstr(pk, k);
	proto_pack_cstr(pk, v);
}

static void conditions(msgpack_packer *pk, const char *code, const char *text)
{
	msgpack_pack_array(pk, 1);
	msgpack_pack_map(pk, 2);
	kv(pk, "code", code);
	kv(pk, "text", text);
}

static void parts_init(struct parts *p)
{
	msgpack_packer pk;
	const msgpack_object *a;

	msgpack_sbuffer_init(&p->buf);
	msgpack_packer_init(&pk, &p->buf, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 7);
	msgpack_pack_map(&pk, 4);
	kv(&pk, "id", "S100");
	kv(&pk, "name", "Jo Bloggs");
	kv(&pk, "vetting", "SC");
	kv(&pk, "line_manager", "LM7");
	msgpack_pack_map(&pk, 2);
	kv(&pk, "rank", "Sergeant");
	kv(&pk, "vetting", "DV");
	msgpack_pack_map(&pk, 2);
	kv(&pk, "name", "A. Associate");
	kv(&pk, "kind", "person");
	msgpack_pack_array(&pk, 2);
	proto_pack_cstr(&pk, "media");
	proto_pack_cstr(&pk, "extremist");
	proto_pack_cstr(&pk, "friend");
	conditions(&pk, "no_contact", "no contact with A. Associate");
	conditions(&pk, "report_contact", "report any contact");
	msgpack_unpacked_init(&p->up);
	assert_int_equal(msgpack_unpack_next(&p->up, p->buf.data, p->buf.size, NULL),
			 MSGPACK_UNPACK_SUCCESS);
	a = p->up.data.via.array.ptr;
	p->subject = &a[0];
	p->update = &a[1];
	p->associate = &a[2];
	p->categories = &a[3];
	p->relationship = &a[4];
	p->conditions = &a[5];
	p->proposed = &a[6];
}

static void parts_release(struct parts *p)
{
	msgpack_unpacked_destroy(&p->up);
	msgpack_sbuffer_destroy(&p->buf);
}

static struct proto_str pstr(const char *s)
{
	return (struct proto_str){s, (uint32_t)strlen(s)};
}

/* A case with every field set to something that is not its zero value. */
static void full_case(struct case_rec *r, const struct parts *p)
{
	struct wf_case *c = &r->c;

	memset(r, 0, sizeof(*r));
	strcpy(c->ref, REF);
	c->kind = KIND_NA;
	c->origin = ORIGIN_REFERRAL;
	c->state = WF_CONDITIONS_ACTIVE;
	c->flags = WFC_REPS_MADE | WFC_MISCONDUCT | WFC_DISPUTED | WFC_UNANSWERED;
	c->opened_at = T2026 + 1;
	c->closed_at = T2026 + 2;
	c->disposed_at = T2026 + 3;
	c->subject_id = pstr("S100");
	c->closed_reason = pstr("withdrawn");
	c->assessment = pstr("mitigation");
	c->risk = pstr("high");
	c->interview = pstr("mitigation");
	c->aa_decision = pstr("conditions");
	c->appeal = pstr("varied");
	c->review = pstr("no_change");
	c->has_review_period = true;
	c->review_period = (struct duration){6, DUR_MO};
	c->vetting.status = TASK_OPEN;
	c->vetting.optional = true;
	c->vetting.opened_at = T2026 + 4;
	c->vetting.done_at = T2026 + 5;
	c->vetting.outcome = pstr("clearance_reviewed");
	strcpy(c->aa, "AA2");
	c->subject = p->subject;
	c->associate = p->associate;
	c->categories = p->categories;
	c->relationship = p->relationship;
	c->conditions = p->conditions;
	c->proposed = p->proposed;
	c->dl[0] = (struct wf_deadline){.kind = DL_ANNUAL_REVIEW,
					.status = DLS_OPEN,
					.start = T2026 + 10,
					.reminded_until = T2026 + 11,
					.opened_at = T2026 + 12,
					.due_at = T2027};
	c->dl[1] = (struct wf_deadline){.kind = DL_VETTING_REVIEW,
					.status = DLS_BREACHED,
					.level = 3,
					.start = T2026 + 20,
					.reminded_until = T2026 + 23,
					.opened_at = T2026 + 24,
					.due_at = T2026 + 21,
					.breached_at = T2026 + 22};
	c->dl[2] = (struct wf_deadline){.kind = DL_PSD_ASSESSMENT,
					.status = DLS_MET,
					.start = T2026 + 30,
					.reminded_until = T2026 + 33,
					.opened_at = T2026 + 34,
					.due_at = T2026 + 31,
					.done_at = T2026 + 32};
	c->dl[3] = (struct wf_deadline){.kind = DL_MITIGATION_RESPONSE,
					.status = DLS_CANCELLED,
					.start = T2026 + 40,
					.reminded_until = T2026 + 40,
					.opened_at = T2026 + 43,
					.due_at = T2026 + 41,
					.done_at = T2026 + 42};
	c->n_dl = 4;
	r->has_added = true;
	r->added = (struct case_hist){.seq = 7,
				      .type = pstr("review.completed"),
				      .at = T2026 + 50,
				      .received_at = T2026 + 51,
				      .role = ROLE_AA,
				      .actor_id = pstr("AA2")};
}

static void pack(const struct case_rec *r, msgpack_sbuffer *out)
{
	msgpack_packer pk;

	msgpack_sbuffer_init(out);
	msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
	caserec_pack(r, &pk);
}

static void pack_view(const struct case_rec *r, msgpack_sbuffer *out, msgpack_unpacked *up)
{
	msgpack_packer pk;
	size_t off = 0;

	msgpack_sbuffer_init(out);
	msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
	caserec_pack_view(r, &pk);
	msgpack_unpacked_init(up);
	assert_int_equal(msgpack_unpack_next(up, out->data, out->size, &off),
			 MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(off, out->size);
}

static void assert_pstr(struct proto_str s, const char *want)
{
	if (!proto_str_eq(s, want))
		fail_msg("\"%.*s\" is not \"%s\"", (int)s.len, s.ptr ? s.ptr : "", want);
}

static bool has_bytes(const msgpack_sbuffer *b, const char *needle)
{
	return memmem(b->data, b->size, needle, strlen(needle)) != NULL;
}

/* ---- round trip ---- */

static void test_every_case_field_round_trips(void **state)
{
	struct parts p;
	struct case_rec r, got;
	msgpack_sbuffer b;
	const struct wf_case *c = &got.c;

	(void)state;
	parts_init(&p);
	full_case(&r, &p);
	pack(&r, &b);
	assert_int_equal(caserec_load(&got, b.data, b.size), 0);
	assert_string_equal(c->ref, REF);
	assert_int_equal(c->kind, KIND_NA);
	assert_int_equal(c->origin, ORIGIN_REFERRAL);
	assert_int_equal(c->state, WF_CONDITIONS_ACTIVE);
	assert_int_equal(c->flags, WFC_REPS_MADE | WFC_MISCONDUCT | WFC_DISPUTED | WFC_UNANSWERED);
	assert_int_equal(c->opened_at, T2026 + 1);
	assert_int_equal(c->closed_at, T2026 + 2);
	assert_int_equal(c->disposed_at, T2026 + 3);
	assert_pstr(c->subject_id, "S100");
	assert_pstr(c->closed_reason, "withdrawn");
	assert_pstr(c->assessment, "mitigation");
	assert_pstr(c->risk, "high");
	assert_pstr(c->interview, "mitigation");
	assert_pstr(c->aa_decision, "conditions");
	assert_pstr(c->appeal, "varied");
	assert_pstr(c->review, "no_change");
	assert_true(c->has_review_period);
	assert_int_equal(c->review_period.n, 6);
	assert_int_equal(c->review_period.unit, DUR_MO);
	assert_int_equal(c->vetting.status, TASK_OPEN);
	assert_true(c->vetting.optional);
	assert_int_equal(c->vetting.opened_at, T2026 + 4);
	assert_int_equal(c->vetting.done_at, T2026 + 5);
	assert_pstr(c->vetting.outcome, "clearance_reviewed");
	assert_string_equal(c->aa, "AA2");
	assert_int_equal(c->n_dl, 4);
	for (uint32_t i = 0; i < 4; i++)
		assert_memory_equal(&c->dl[i], &r.c.dl[i], sizeof(c->dl[i]));
	assert_true(c->associate && c->associate->type == MSGPACK_OBJECT_MAP);
	assert_mp_str(c->associate, "name", "A. Associate");
	assert_true(c->categories && c->categories->via.array.size == 2);
	assert_true(mp_str_is(c->relationship, "friend"));
	assert_mp_str(&c->conditions->via.array.ptr[0], "code", "no_contact");
	assert_mp_str(&c->proposed->via.array.ptr[0], "code", "report_contact");
	/* the history: the entry added on packing is stored */
	assert_true(got.history && got.history->via.array.size == 1);
	assert_int_equal(mp_u64(&got.history->via.array.ptr[0], "seq"), 7);
	assert_mp_str(mp_get(&got.history->via.array.ptr[0], "actor"), "id", "AA2");
	assert_false(got.has_added);
	caserec_release(&got);
	msgpack_sbuffer_destroy(&b);
	parts_release(&p);
}

/* Packing what was loaded gives the same bytes: nothing is lost or added on the way. */
static void test_a_loaded_record_packs_to_the_same_bytes(void **state)
{
	struct parts p;
	struct case_rec r, got;
	msgpack_sbuffer b1, b2;

	(void)state;
	parts_init(&p);
	full_case(&r, &p);
	pack(&r, &b1);
	assert_int_equal(caserec_load(&got, b1.data, b1.size), 0);
	pack(&got, &b2);
	assert_int_equal(b1.size, b2.size);
	assert_memory_equal(b1.data, b2.data, b1.size);
	caserec_release(&got);
	msgpack_sbuffer_destroy(&b1);
	msgpack_sbuffer_destroy(&b2);
	parts_release(&p);
}

/* WORKFLOW.md subject.updated: "any subject fields but id", merged over the subject. */
static void test_subject_update_is_stored_merged_over_the_subject(void **state)
{
	struct parts p;
	struct case_rec r, got;
	msgpack_sbuffer b;
	const msgpack_object *s;

	(void)state;
	parts_init(&p);
	full_case(&r, &p);
	r.c.subject_update = p.update;
	pack(&r, &b);
	assert_int_equal(caserec_load(&got, b.data, b.size), 0);
	s = got.c.subject;
	assert_non_null(s);
	assert_int_equal(s->via.map.size, 5);
	assert_mp_str(s, "id", "S100");
	assert_mp_str(s, "name", "Jo Bloggs");
	assert_mp_str(s, "rank", "Sergeant");
	assert_mp_str(s, "vetting", "DV"); /* the update wins */
	assert_mp_str(s, "line_manager", "LM7");
	assert_null(got.c.subject_update);
	caserec_release(&got);
	msgpack_sbuffer_destroy(&b);
	parts_release(&p);
}

/* REGISTERS.md "Management data": a subject's characteristics are stored with the record
 * (sealed with it) for aggregates, an update's replacing them whole, and never in case.get. */
static void test_characteristics_are_stored_and_never_in_the_view(void **state)
{
	struct parts p;
	struct case_rec r, got;
	msgpack_sbuffer buf, b, vb;
	msgpack_unpacked up, vup;
	msgpack_packer pk;
	const msgpack_object *s, *ch, *v;

	(void)state;
	parts_init(&p);
	msgpack_sbuffer_init(&buf);
	msgpack_packer_init(&pk, &buf, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 2);
	msgpack_pack_map(&pk, 2);
	kv(&pk, "id", "S100");
	proto_pack_cstr(&pk, "characteristics");
	msgpack_pack_map(&pk, 2);
	kv(&pk, "sex", "female");
	kv(&pk, "religion", "none");
	msgpack_pack_map(&pk, 2);
	kv(&pk, "rank", "Inspector");
	proto_pack_cstr(&pk, "characteristics");
	msgpack_pack_map(&pk, 1);
	kv(&pk, "age_band", "35_44");
	msgpack_unpacked_init(&up);
	assert_int_equal(msgpack_unpack_next(&up, buf.data, buf.size, NULL),
			 MSGPACK_UNPACK_SUCCESS);
	full_case(&r, &p);
	r.c.subject = &up.data.via.array.ptr[0];
	/* the view of a case never updated: the subject's own map, without them */
	pack_view(&r, &vb, &vup);
	v = mp_get(&vup.data, "subject");
	assert_mp_str(v, "id", "S100");
	assert_null(mp_get(v, "characteristics"));
	assert_int_equal(v->via.map.size, 1);
	assert_false(has_bytes(&vb, "female"));
	msgpack_unpacked_destroy(&vup);
	msgpack_sbuffer_destroy(&vb);

	r.c.subject_update = &up.data.via.array.ptr[1];
	pack(&r, &b);
	assert_int_equal(caserec_load(&got, b.data, b.size), 0);
	s = got.c.subject;
	assert_mp_str(s, "rank", "Inspector");
	ch = mp_get(s, "characteristics");
	assert_non_null(ch);
	assert_int_equal(ch->via.map.size, 1); /* replaced whole, as every subject field is */
	assert_mp_str(ch, "age_band", "35_44");
	pack_view(&got, &vb, &vup);
	v = mp_get(&vup.data, "subject");
	assert_mp_str(v, "id", "S100");
	assert_mp_str(v, "rank", "Inspector");
	assert_null(mp_get(v, "characteristics"));
	assert_false(has_bytes(&vb, "characteristics"));
	assert_false(has_bytes(&vb, "35_44"));
	msgpack_unpacked_destroy(&vup);
	msgpack_sbuffer_destroy(&vb);
	caserec_release(&got);
	msgpack_sbuffer_destroy(&b);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&buf);
	parts_release(&p);
}

/* A cancelled vetting task (the case closed while it was open) is stored and loads as such. */
static void test_a_cancelled_vetting_task_round_trips(void **state)
{
	struct parts p;
	struct case_rec r, got;
	msgpack_sbuffer b;

	(void)state;
	parts_init(&p);
	full_case(&r, &p);
	r.c.vetting.status = TASK_CANCELLED;
	pack(&r, &b);
	assert_true(has_bytes(&b, "cancelled"));
	assert_int_equal(caserec_load(&got, b.data, b.size), 0);
	assert_int_equal(got.c.vetting.status, TASK_CANCELLED);
	assert_int_equal(got.c.vetting.done_at, T2026 + 5);
	caserec_release(&got);
	msgpack_sbuffer_destroy(&b);
	parts_release(&p);
}

static void test_review_period_in_each_unit_round_trips(void **state)
{
	static const struct duration d[] = {
	    {12, DUR_MO}, {10, DUR_WD}, {2, DUR_Y}, {86400000ull * 28, DUR_MS}};
	struct parts p;
	struct case_rec r, got;
	msgpack_sbuffer b;

	(void)state;
	parts_init(&p);
	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		full_case(&r, &p);
		r.c.review_period = d[i];
		pack(&r, &b);
		assert_int_equal(caserec_load(&got, b.data, b.size), 0);
		assert_true(got.c.has_review_period);
		assert_int_equal(got.c.review_period.n, d[i].n);
		assert_int_equal(got.c.review_period.unit, d[i].unit);
		caserec_release(&got);
		msgpack_sbuffer_destroy(&b);
	}
	full_case(&r, &p);
	r.c.has_review_period = false;
	pack(&r, &b);
	assert_int_equal(caserec_load(&got, b.data, b.size), 0);
	assert_false(got.c.has_review_period);
	caserec_release(&got);
	msgpack_sbuffer_destroy(&b);
	parts_release(&p);
}

/* caserec.h: "the view borrows from its own copy of the tree", not from the stored bytes,
 * which LMDB takes back with the transaction. */
static void test_a_loaded_view_outlives_the_bytes_it_was_loaded_from(void **state)
{
	struct parts p;
	struct case_rec r, got;
	msgpack_sbuffer b;

	(void)state;
	parts_init(&p);
	full_case(&r, &p);
	pack(&r, &b);
	assert_int_equal(caserec_load(&got, b.data, b.size), 0);
	memset(b.data, 0xc1, b.size); /* never used in MessagePack */
	msgpack_sbuffer_destroy(&b);
	assert_pstr(got.c.subject_id, "S100");
	assert_pstr(got.c.assessment, "mitigation");
	assert_mp_str(got.c.subject, "name", "Jo Bloggs");
	assert_mp_str(&got.history->via.array.ptr[0], "type", "review.completed");
	caserec_release(&got);
	parts_release(&p);
}

static void test_a_new_case_with_nothing_set_round_trips_as_zero(void **state)
{
	struct case_rec r = {0}, got;
	msgpack_sbuffer b;

	(void)state;
	strcpy(r.c.ref, REF);
	r.c.kind = KIND_NA;
	r.c.state = WF_AWAITING_ASSESSMENT;
	pack(&r, &b);
	assert_int_equal(caserec_load(&got, b.data, b.size), 0);
	assert_int_equal(got.c.n_dl, 0);
	assert_int_equal(got.c.vetting.status, TASK_NONE);
	assert_int_equal(got.c.assessment.len, 0);
	assert_int_equal(got.c.closed_reason.len, 0);
	assert_string_equal(got.c.aa, "");
	assert_null(got.c.subject);
	assert_null(got.c.conditions);
	assert_int_equal(got.history->via.array.size, 0);
	caserec_release(&got);
	msgpack_sbuffer_destroy(&b);
}

/* ---- the first format ---- */

/* A record exactly as the first version's caserec_pack wrote it (git show e9bd6a1:daemon/
 * caserec.c): 14 entries, no deadlines, "tasks" always []. */
static void pack_first_format(msgpack_sbuffer *b)
{
	msgpack_packer pk;

	msgpack_sbuffer_init(b);
	msgpack_packer_init(&pk, b, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 14);
	kv(&pk, "case", "NA-2026-000001");
	kv(&pk, "kind", "NA");
	kv(&pk, "origin", "self");
	kv(&pk, "state", "awaiting_manager_review");
	proto_pack_cstr(&pk, "opened_at");
	msgpack_pack_uint64(&pk, T2026 + 7);
	proto_pack_cstr(&pk, "subject");
	msgpack_pack_map(&pk, 3);
	kv(&pk, "id", "S1");
	kv(&pk, "vetting", "SC");
	kv(&pk, "line_manager", "LM7");
	proto_pack_cstr(&pk, "associate");
	msgpack_pack_map(&pk, 2);
	kv(&pk, "name", "A. Associate");
	kv(&pk, "kind", "person");
	proto_pack_cstr(&pk, "categories");
	msgpack_pack_array(&pk, 1);
	proto_pack_cstr(&pk, "media");
	kv(&pk, "relationship", "friend");
	proto_pack_cstr(&pk, "conditions");
	msgpack_pack_array(&pk, 0);
	proto_pack_cstr(&pk, "tasks");
	msgpack_pack_array(&pk, 0);
	proto_pack_cstr(&pk, "closed_reason");
	msgpack_pack_nil(&pk);
	proto_pack_cstr(&pk, "history");
	msgpack_pack_array(&pk, 1);
	caserec_pack_hist(&(struct case_hist){.seq = 1,
					      .type = pstr("declaration.submitted"),
					      .at = T2026 + 7,
					      .received_at = T2026 + 8,
					      .role = ROLE_SUBJECT,
					      .actor_id = pstr("S1")},
			  &pk);
	kv(&pk, "subject_id", "S1");
}

static void test_a_record_of_the_first_format_loads(void **state)
{
	struct case_rec got;
	msgpack_sbuffer b, vb;
	msgpack_unpacked up;
	const msgpack_object *v, *h;

	(void)state;
	pack_first_format(&b);
	assert_int_equal(caserec_load(&got, b.data, b.size), 0);
	assert_string_equal(got.c.ref, "NA-2026-000001");
	assert_int_equal(got.c.kind, KIND_NA);
	assert_int_equal(got.c.origin, ORIGIN_SELF);
	assert_int_equal(got.c.state, WF_AWAITING_MANAGER_REVIEW);
	assert_int_equal(got.c.opened_at, T2026 + 7);
	assert_pstr(got.c.subject_id, "S1");
	assert_int_equal(got.c.closed_reason.len, 0);
	assert_int_equal(got.c.n_dl, 0);
	assert_int_equal(got.c.flags, 0);
	assert_int_equal(got.c.vetting.status, TASK_NONE);
	assert_mp_str(got.c.subject, "id", "S1");
	assert_null(got.c.conditions); /* the first format's [] for none */

	/* and case.get shows it in the new shape */
	pack_view(&got, &vb, &up);
	v = &up.data;
	assert_mp_str(v, "case", "NA-2026-000001");
	assert_mp_str(v, "state", "awaiting_manager_review");
	assert_mp_str(mp_get(v, "subject"), "id", "S1");
	assert_int_equal(mp_get(v, "deadlines")->via.array.size, 0);
	assert_int_equal(mp_get(v, "tasks")->via.array.size, 0);
	h = &mp_get(v, "history")->via.array.ptr[0];
	assert_mp_str(h, "type", "declaration.submitted");
	assert_mp_str(mp_get(h, "actor"), "id", "S1");
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&vb);
	caserec_release(&got);
	msgpack_sbuffer_destroy(&b);
}

/* caserec.h: "an entry a reader does not know is ignored" (a later format's). */
static void test_unknown_entries_are_ignored(void **state)
{
	struct case_rec got;
	msgpack_sbuffer b;
	msgpack_packer pk;

	(void)state;
	msgpack_sbuffer_init(&b);
	msgpack_packer_init(&pk, &b, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 3);
	kv(&pk, "case", REF);
	proto_pack_cstr(&pk, "added_in_version_9");
	msgpack_pack_map(&pk, 1);
	kv(&pk, "x", "y");
	kv(&pk, "state", "closed");
	assert_int_equal(caserec_load(&got, b.data, b.size), 0);
	assert_string_equal(got.c.ref, REF);
	assert_int_equal(got.c.state, WF_CLOSED);
	caserec_release(&got);
	msgpack_sbuffer_destroy(&b);
}

/* ---- damaged records ---- */

static void test_a_record_cut_at_any_byte_is_eio(void **state)
{
	struct parts p;
	struct case_rec r, got;
	msgpack_sbuffer b;
	char *copy;

	(void)state;
	parts_init(&p);
	full_case(&r, &p);
	pack(&r, &b);
	for (size_t n = 0; n < b.size; n++) {
		copy = malloc(n ? n : 1); /* exactly n bytes, so ASan sees any read past them */
		assert_non_null(copy);
		memcpy(copy, b.data, n);
		if (caserec_load(&got, copy, n) != -EIO)
			fail_msg("a record cut to %zu of %zu bytes loaded", n, b.size);
		free(copy);
	}
	msgpack_sbuffer_destroy(&b);
	parts_release(&p);
}

/* A damaged header that claims 4G entries is -EIO without msgpack-c allocating for them
 * (under ASan an allocation that size aborts the test). */
static void test_a_header_claiming_more_items_than_bytes_is_eio(void **state)
{
	static const uint8_t map32[] = {0xdf, 0xff, 0xff, 0xff, 0xff, 0xa1, 'x', 0xc0};
	static const uint8_t arr32[] = {0x81, 0xa7, 'h',  'i',  's',  't',  'o', 'r',
					'y',  0xdd, 0xff, 0xff, 0xff, 0xff, 0xc0};
	struct case_rec got;

	(void)state;
	assert_int_equal(caserec_load(&got, map32, sizeof(map32)), -EIO);
	assert_int_equal(caserec_load(&got, arr32, sizeof(arr32)), -EIO);
}

static void test_bytes_after_the_record_are_eio(void **state)
{
	struct parts p;
	struct case_rec r, got;
	msgpack_sbuffer b;

	(void)state;
	parts_init(&p);
	full_case(&r, &p);
	pack(&r, &b);
	msgpack_sbuffer_write(&b, "\xc0", 1);
	assert_int_equal(caserec_load(&got, b.data, b.size), -EIO);
	msgpack_sbuffer_destroy(&b);
	parts_release(&p);
}

/* Any byte changed to any value: the record loads (a changed time is still a time) or is
 * -EIO; it never crashes, and what loads can be packed and shown. */
static void test_a_record_with_any_byte_changed_loads_or_is_eio(void **state)
{
	static const uint8_t vals[] = {0x00, 0x01, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0,
				       0xbf, 0xc0, 0xc1, 0xc2, 0xc3, 0xcc, 0xcf, 0xd9,
				       0xdc, 0xdd, 0xde, 0xdf, 0xe0, 0xff};
	struct parts p;
	struct case_rec r, got;
	msgpack_sbuffer b, out;
	msgpack_unpacked up;
	size_t loaded = 0, eio = 0;
	char *copy;

	(void)state;
	parts_init(&p);
	full_case(&r, &p);
	pack(&r, &b);
	copy = malloc(b.size);
	assert_non_null(copy);
	for (size_t i = 0; i < b.size; i++) {
		for (size_t j = 0; j < sizeof(vals); j++) {
			int rc;

			memcpy(copy, b.data, b.size);
			copy[i] = (char)vals[j];
			rc = caserec_load(&got, copy, b.size);
			if (rc == -EIO) {
				eio++;
				continue;
			}
			assert_int_equal(rc, 0);
			loaded++;
			pack(&got, &out);
			msgpack_sbuffer_destroy(&out);
			pack_view(&got, &out, &up);
			msgpack_unpacked_destroy(&up);
			msgpack_sbuffer_destroy(&out);
			caserec_release(&got);
		}
	}
	assert_true(loaded > 0 && eio > 0); /* both paths were taken */
	free(copy);
	msgpack_sbuffer_destroy(&b);
	parts_release(&p);
}

/* An entry of the wrong type or an unknown name is -EIO, not a zero. */
static void test_entries_of_the_wrong_kind_are_eio(void **state)
{
	static const struct {
		const char *key;
		const char *str; /* NULL: packed as the uint 7 */
	} bad[] = {
	    {"state", "open"},    {"state", NULL},          {"kind", "XX"},
	    {"origin", "who"},    {"opened_at", "1"},       {"flags", "1"},
	    {"subject_id", NULL}, {"deadlines", "[]"},      {"history", "[]"},
	    {"vetting", "open"},  {"review_period", "6mo"}, {"aa", NULL},
	    {"assessment", NULL}, {"case", NULL},           {"notes", "7"},
	    {"notes", NULL},
	};
	struct case_rec got;
	msgpack_sbuffer b;
	msgpack_packer pk;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		msgpack_sbuffer_init(&b);
		msgpack_packer_init(&pk, &b, msgpack_sbuffer_write);
		msgpack_pack_map(&pk, 2);
		kv(&pk, "case", REF);
		proto_pack_cstr(&pk, bad[i].key);
		if (bad[i].str)
			proto_pack_cstr(&pk, bad[i].str);
		else
			msgpack_pack_uint8(&pk, 7);
		if (caserec_load(&got, b.data, b.size) != -EIO)
			fail_msg("%s: %s loaded", bad[i].key, bad[i].str ? bad[i].str : "7");
		msgpack_sbuffer_destroy(&b);
	}
}

static void test_a_deadline_of_an_unknown_kind_or_status_is_eio(void **state)
{
	static const char *const bad[][2] = {
	    {"kind", "coffee_break"}, {"status", "late"}, {"level", "0"}};
	struct case_rec got;
	msgpack_sbuffer b;
	msgpack_packer pk;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		msgpack_sbuffer_init(&b);
		msgpack_packer_init(&pk, &b, msgpack_sbuffer_write);
		msgpack_pack_map(&pk, 1);
		proto_pack_cstr(&pk, "deadlines");
		msgpack_pack_array(&pk, 1);
		msgpack_pack_map(&pk, 1);
		kv(&pk, bad[i][0], bad[i][1]);
		assert_int_equal(caserec_load(&got, b.data, b.size), -EIO);
		msgpack_sbuffer_destroy(&b);
	}
}

/* A deadline stored before reminded_until, with the count of reminders handled (the
 * policy's list may have changed since, so the count is no time): it loads as reminded
 * from its start, its other entries as they were; packing it again writes the new entry. */
static void test_a_deadline_stored_with_a_reminder_count_loads_reminded_from_its_start(void **state)
{
	struct case_rec got;
	msgpack_sbuffer b, b2;
	msgpack_packer pk;
	const struct wf_deadline *d;

	(void)state;
	msgpack_sbuffer_init(&b);
	msgpack_packer_init(&pk, &b, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1);
	proto_pack_cstr(&pk, "deadlines");
	msgpack_pack_array(&pk, 1);
	msgpack_pack_map(&pk, 8);
	kv(&pk, "kind", "psd_assessment");
	kv(&pk, "status", "open");
	proto_pack_cstr(&pk, "reminders");
	msgpack_pack_uint64(&pk, 1);
	proto_pack_cstr(&pk, "level");
	msgpack_pack_uint64(&pk, 0);
	proto_pack_cstr(&pk, "start");
	msgpack_pack_uint64(&pk, T2026 + 1);
	proto_pack_cstr(&pk, "due_at");
	msgpack_pack_uint64(&pk, T2026 + 100);
	proto_pack_cstr(&pk, "breached_at");
	msgpack_pack_uint64(&pk, 0);
	proto_pack_cstr(&pk, "done_at");
	msgpack_pack_uint64(&pk, 0);
	assert_int_equal(caserec_load(&got, b.data, b.size), 0);
	assert_int_equal(got.c.n_dl, 1);
	d = &got.c.dl[0];
	assert_int_equal(d->kind, DL_PSD_ASSESSMENT);
	assert_int_equal(d->status, DLS_OPEN);
	assert_int_equal(d->start, T2026 + 1);
	assert_int_equal(d->due_at, T2026 + 100);
	assert_int_equal(d->reminded_until, T2026 + 1);
	assert_int_equal(d->opened_at, 0); /* not recorded then: breaches count from due_at */
	pack(&got, &b2);
	assert_true(has_bytes(&b2, "reminded_until"));
	assert_false(has_bytes(&b2, "reminders"));
	caserec_release(&got);
	msgpack_sbuffer_destroy(&b);
	msgpack_sbuffer_destroy(&b2);
}

static void test_more_deadlines_than_a_case_keeps_is_eio(void **state)
{
	struct case_rec got;
	msgpack_sbuffer b;
	msgpack_packer pk;

	(void)state;
	msgpack_sbuffer_init(&b);
	msgpack_packer_init(&pk, &b, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1);
	proto_pack_cstr(&pk, "deadlines");
	msgpack_pack_array(&pk, WF_DL_MAX + 1);
	for (int i = 0; i < WF_DL_MAX + 1; i++)
		msgpack_pack_map(&pk, 0);
	assert_int_equal(caserec_load(&got, b.data, b.size), -EIO);
	msgpack_sbuffer_destroy(&b);
}

/* ---- notes: the outbox seqs of the case's notifications (for retention) ---- */

struct seqs {
	uint64_t seq[8];
	size_t n;
	size_t stop_at; /* fn returns 7 when it has seen this many; 0: never */
};

static int collect(uint64_t seq, void *arg)
{
	struct seqs *s = arg;

	s->seq[s->n++] = seq;
	return s->stop_at && s->n == s->stop_at ? 7 : 0;
}

/* The notes a step adds are stored after those already stored, and read back in order. */
static void test_notes_are_the_stored_seqs_then_the_added_ones(void **state)
{
	struct parts p;
	struct case_rec r, got, again;
	msgpack_sbuffer b, b2;
	struct seqs seen = {.n = 0};

	(void)state;
	parts_init(&p);
	full_case(&r, &p);
	assert_int_equal(caserec_notes_each(&r, collect, &seen), 0);
	assert_int_equal(seen.n, 0);
	r.added_notes[0] = 5;
	r.added_notes[1] = 9;
	r.n_added_notes = 2;
	pack(&r, &b);
	assert_int_equal(caserec_load(&got, b.data, b.size), 0);
	assert_non_null(got.notes);
	assert_int_equal(got.n_added_notes, 0);
	got.added_notes[0] = 12;
	got.n_added_notes = 1;
	assert_int_equal(caserec_notes_each(&got, collect, &seen), 0);
	assert_int_equal(seen.n, 3);
	assert_int_equal(seen.seq[0], 5);
	assert_int_equal(seen.seq[1], 9);
	assert_int_equal(seen.seq[2], 12);
	/* stored again: all three, in order */
	pack(&got, &b2);
	assert_int_equal(caserec_load(&again, b2.data, b2.size), 0);
	seen = (struct seqs){.n = 0, .stop_at = 2};
	assert_int_equal(caserec_notes_each(&again, collect, &seen), 7); /* fn stopped it */
	assert_int_equal(seen.n, 2);
	seen = (struct seqs){.n = 0};
	assert_int_equal(caserec_notes_each(&again, collect, &seen), 0);
	assert_int_equal(seen.n, 3);
	assert_int_equal(seen.seq[2], 12);
	caserec_release(&again);
	caserec_release(&got);
	msgpack_sbuffer_destroy(&b2);
	msgpack_sbuffer_destroy(&b);
	parts_release(&p);
}

/* A disposed case keeps no notes (retention has redacted them); a record from before notes
 * has none. */
static void test_a_disposed_case_packs_no_notes(void **state)
{
	struct parts p;
	struct case_rec r, got;
	msgpack_sbuffer b;
	struct seqs seen = {.n = 0};

	(void)state;
	parts_init(&p);
	full_case(&r, &p);
	r.added_notes[0] = 5;
	r.n_added_notes = 1;
	r.c.flags |= WFC_DISPOSED;
	pack(&r, &b);
	assert_false(has_bytes(&b, "notes"));
	assert_int_equal(caserec_load(&got, b.data, b.size), 0);
	assert_null(got.notes);
	assert_int_equal(caserec_notes_each(&got, collect, &seen), 0);
	assert_int_equal(seen.n, 0);
	caserec_release(&got);
	msgpack_sbuffer_destroy(&b);

	pack_first_format(&b);
	assert_int_equal(caserec_load(&got, b.data, b.size), 0);
	assert_null(got.notes);
	caserec_release(&got);
	msgpack_sbuffer_destroy(&b);
	parts_release(&p);
}

/* ---- retention ---- */

/* WORKFLOW.md "Deadlines", retention: "the case's personal data is destroyed, a tombstone
 * and the journal hashes stay". */
static void test_retention_disposed_case_packs_no_personal_data(void **state)
{
	static const char *const personal[] = {"S100",       "Jo Bloggs", "LM7",    "A. Associate",
					       "no contact", "AA2",       "friend", "media"};
	struct parts p;
	struct case_rec r, got;
	msgpack_sbuffer b, vb;
	msgpack_unpacked up;
	const msgpack_object *h;

	(void)state;
	parts_init(&p);
	full_case(&r, &p);
	r.c.subject_update = p.update;
	r.c.flags |= WFC_DISPOSED;
	pack(&r, &b);
	for (size_t i = 0; i < sizeof(personal) / sizeof(personal[0]); i++)
		if (has_bytes(&b, personal[i]))
			fail_msg("the tombstone holds \"%s\"", personal[i]);
	assert_int_equal(caserec_load(&got, b.data, b.size), 0);
	assert_int_equal(got.c.subject_id.len, 0);
	assert_null(got.c.subject);
	assert_null(got.c.associate);
	assert_null(got.c.categories);
	assert_null(got.c.conditions);
	assert_null(got.c.proposed);
	assert_string_equal(got.c.aa, "");
	/* the tombstone: reference, dates, outcomes, deadlines, history without actors' ids */
	assert_string_equal(got.c.ref, REF);
	assert_int_equal(got.c.disposed_at, T2026 + 3);
	assert_pstr(got.c.aa_decision, "conditions");
	assert_int_equal(got.c.n_dl, 4);
	h = &got.history->via.array.ptr[0];
	assert_int_equal(mp_get(mp_get(h, "actor"), "id")->type, MSGPACK_OBJECT_NIL);
	assert_mp_str(mp_get(h, "actor"), "role", "aa");

	/* packed again (the next step on a tombstone), stored history loses nothing more */
	got.has_added = false;
	pack_view(&got, &vb, &up);
	assert_int_equal(mp_get(&up.data, "subject")->type, MSGPACK_OBJECT_NIL);
	assert_int_equal(mp_get(&up.data, "associate")->type, MSGPACK_OBJECT_NIL);
	assert_int_equal(mp_get(&up.data, "aa")->type, MSGPACK_OBJECT_NIL);
	for (size_t i = 0; i < sizeof(personal) / sizeof(personal[0]); i++)
		if (has_bytes(&vb, personal[i]))
			fail_msg("the tombstone's view shows \"%s\"", personal[i]);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&vb);
	caserec_release(&got);
	msgpack_sbuffer_destroy(&b);
	parts_release(&p);
}

/* A case stored before it was disposed, then disposed: its stored history loses the ids. */
static void test_retention_strips_actor_ids_from_stored_history(void **state)
{
	struct parts p;
	struct case_rec r, got, again;
	msgpack_sbuffer b1, b2;

	(void)state;
	parts_init(&p);
	full_case(&r, &p);
	pack(&r, &b1);
	assert_int_equal(caserec_load(&got, b1.data, b1.size), 0);
	assert_true(has_bytes(&b1, "AA2"));
	got.c.flags |= WFC_DISPOSED;
	pack(&got, &b2);
	assert_false(has_bytes(&b2, "AA2"));
	assert_false(has_bytes(&b2, "S100"));
	assert_int_equal(caserec_load(&again, b2.data, b2.size), 0);
	assert_int_equal(again.history->via.array.size, 1);
	assert_int_equal(mp_u64(&again.history->via.array.ptr[0], "seq"), 7);
	caserec_release(&again);
	caserec_release(&got);
	msgpack_sbuffer_destroy(&b1);
	msgpack_sbuffer_destroy(&b2);
	parts_release(&p);
}

/* ---- the case.get view ---- */

static void test_view_has_protocol_md_case_get_keys(void **state)
{
	static const char *const keys[] = {
	    "case",      "kind",          "origin",       "state",      "opened_at",  "subject",
	    "associate", "categories",    "relationship", "conditions", "deadlines",  "tasks",
	    "history",   "closed_reason", "aa",           "closed_at",  "disposed_at",
	    /* PROTOCOL.md lists them for every kind since REGISTERS.md */
	    "flags",     "marks"};
	struct parts p;
	struct case_rec r;
	msgpack_sbuffer b;
	msgpack_unpacked up;

	(void)state;
	parts_init(&p);
	full_case(&r, &p);
	pack_view(&r, &b, &up);
	assert_int_equal(up.data.via.map.size, sizeof(keys) / sizeof(keys[0]));
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!mp_get(&up.data, keys[i]))
			fail_msg("case.get has no %s", keys[i]);
	assert_mp_str(&up.data, "origin", "referral");
	assert_mp_str(&up.data, "state", "conditions_active");
	assert_mp_str(&up.data, "closed_reason", "withdrawn");
	assert_mp_str(&up.data, "aa", "AA2");
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&b);
	parts_release(&p);
}

/* closed_at is the closing's `at`, which may be any past time: a case closed "at" 0 shows 0,
 * not nil; a case not closed shows nil whatever the field holds (fuzz_wf found the two
 * confused). */
static void test_view_closed_at_follows_the_state_not_zero(void **state)
{
	struct parts p;
	struct case_rec r;
	msgpack_sbuffer b;
	msgpack_unpacked up;

	(void)state;
	parts_init(&p);
	full_case(&r, &p);
	pack_view(&r, &b, &up);
	assert_int_equal(mp_get(&up.data, "closed_at")->type, MSGPACK_OBJECT_NIL);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&b);
	r.c.state = WF_CLOSED;
	r.c.closed_at = 0;
	pack_view(&r, &b, &up);
	assert_int_equal(mp_get(&up.data, "closed_at")->type, MSGPACK_OBJECT_POSITIVE_INTEGER);
	assert_int_equal(mp_u64(&up.data, "closed_at"), 0);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&b);
	parts_release(&p);
}

/* PROTOCOL.md case.get: "deadlines": [{"kind", "due_at", "status", "level"}], every one of the
 * case's deadlines. */
static void test_view_deadlines_are_kind_due_at_status_level(void **state)
{
	static const char *const want[][2] = {{"annual_review", "open"},
					      {"vetting_review", "breached"},
					      {"psd_assessment", "met"},
					      {"mitigation_response", "cancelled"}};
	struct parts p;
	struct case_rec r;
	msgpack_sbuffer b;
	msgpack_unpacked up;
	const msgpack_object *dl;

	(void)state;
	parts_init(&p);
	full_case(&r, &p);
	pack_view(&r, &b, &up);
	dl = mp_get(&up.data, "deadlines");
	assert_int_equal(dl->via.array.size, 4);
	for (uint32_t i = 0; i < 4; i++) {
		const msgpack_object *d = &dl->via.array.ptr[i];

		assert_int_equal(d->via.map.size, 4);
		assert_mp_str(d, "kind", want[i][0]);
		assert_mp_str(d, "status", want[i][1]);
		assert_int_equal(mp_u64(d, "due_at"), r.c.dl[i].due_at);
		assert_int_equal(mp_u64(d, "level"), r.c.dl[i].level);
	}
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&b);
	parts_release(&p);
}

/* WORKFLOW.md "Side effects": the vetting task, shown under tasks. */
static void test_view_tasks_show_the_vetting_review(void **state)
{
	struct parts p;
	struct case_rec r;
	msgpack_sbuffer b;
	msgpack_unpacked up;
	const msgpack_object *t;

	(void)state;
	parts_init(&p);
	full_case(&r, &p);
	r.c.vetting.status = TASK_DONE;
	pack_view(&r, &b, &up);
	t = mp_get(&up.data, "tasks");
	assert_int_equal(t->via.array.size, 1);
	t = &t->via.array.ptr[0];
	assert_mp_str(t, "kind", "vetting_review");
	assert_mp_str(t, "status", "done");
	assert_true(mp_get(t, "optional")->via.boolean);
	assert_mp_str(t, "outcome", "clearance_reviewed");
	assert_int_equal(mp_u64(t, "opened_at"), T2026 + 4);
	assert_int_equal(mp_u64(t, "done_at"), T2026 + 5);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&b);

	/* closed while it was open (WORKFLOW.md "Deadlines": closing cancels what runs) */
	r.c.vetting.status = TASK_CANCELLED;
	r.c.vetting.outcome = (struct proto_str){NULL, 0};
	pack_view(&r, &b, &up);
	t = mp_get(&up.data, "tasks");
	assert_int_equal(t->via.array.size, 1);
	assert_mp_str(&t->via.array.ptr[0], "status", "cancelled");
	assert_int_equal(mp_get(&t->via.array.ptr[0], "outcome")->type, MSGPACK_OBJECT_NIL);
	assert_int_equal(mp_u64(&t->via.array.ptr[0], "done_at"), T2026 + 5);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&b);

	r.c.vetting.status = TASK_NONE;
	r.c.conditions = NULL;
	pack_view(&r, &b, &up);
	assert_int_equal(mp_get(&up.data, "tasks")->via.array.size, 0);
	assert_int_equal(mp_get(&up.data, "conditions")->type, MSGPACK_OBJECT_ARRAY);
	assert_int_equal(mp_get(&up.data, "conditions")->via.array.size, 0);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&b);
	parts_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_case_field_round_trips),
	    cmocka_unit_test(test_a_loaded_record_packs_to_the_same_bytes),
	    cmocka_unit_test(test_subject_update_is_stored_merged_over_the_subject),
	    cmocka_unit_test(test_characteristics_are_stored_and_never_in_the_view),
	    cmocka_unit_test(test_a_cancelled_vetting_task_round_trips),
	    cmocka_unit_test(test_review_period_in_each_unit_round_trips),
	    cmocka_unit_test(test_a_loaded_view_outlives_the_bytes_it_was_loaded_from),
	    cmocka_unit_test(test_a_new_case_with_nothing_set_round_trips_as_zero),
	    cmocka_unit_test(test_a_record_of_the_first_format_loads),
	    cmocka_unit_test(test_unknown_entries_are_ignored),
	    cmocka_unit_test(test_a_record_cut_at_any_byte_is_eio),
	    cmocka_unit_test(test_a_header_claiming_more_items_than_bytes_is_eio),
	    cmocka_unit_test(test_bytes_after_the_record_are_eio),
	    cmocka_unit_test(test_a_record_with_any_byte_changed_loads_or_is_eio),
	    cmocka_unit_test(test_entries_of_the_wrong_kind_are_eio),
	    cmocka_unit_test(test_a_deadline_of_an_unknown_kind_or_status_is_eio),
	    cmocka_unit_test(
		test_a_deadline_stored_with_a_reminder_count_loads_reminded_from_its_start),
	    cmocka_unit_test(test_more_deadlines_than_a_case_keeps_is_eio),
	    cmocka_unit_test(test_notes_are_the_stored_seqs_then_the_added_ones),
	    cmocka_unit_test(test_a_disposed_case_packs_no_notes),
	    cmocka_unit_test(test_retention_disposed_case_packs_no_personal_data),
	    cmocka_unit_test(test_retention_strips_actor_ids_from_stored_history),
	    cmocka_unit_test(test_view_has_protocol_md_case_get_keys),
	    cmocka_unit_test(test_view_closed_at_follows_the_state_not_zero),
	    cmocka_unit_test(test_view_deadlines_are_kind_due_at_status_level),
	    cmocka_unit_test(test_view_tasks_show_the_vetting_review),
	};

	return cmocka_run_group_tests_name("daemon/caserec", tests, NULL, NULL);
}
