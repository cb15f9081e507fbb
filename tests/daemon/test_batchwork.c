/* batch with the workers' due entries (DESIGN.md "How data flows", step 5): each is applied
 * in the write batch, at most once whatever the worker resends, with the notification in the
 * same transaction; escalation picks the AA with the fewest open referrals; retention leaves
 * a tombstone and a chain that still verifies. */
#include <string.h>

#include "store/caserec.h"
#include "store/dlindex.h"
#include "dtest.h"
#include "evjson.h"
#include "store/journal.h"
#include "security/seal.h"

#define DAY MS_DAY
#define T0  NOW_MS

struct fx {
	struct dstore *d;
	struct walk w; /* only for its policy */
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	void *ds;

	if (dstore_setup(&ds, "batchwork", 1 << 20, 256 << 20) != 0)
		return -1;
	f->d = ds;
	walk_init(&f->w, "[escalation]\naa_roster = AA1, AA2\n[retention]\nclosed_case = 30d\n",
		  T0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	void *ds = f->d;

	walk_free(&f->w);
	free(f);
	return dstore_teardown(&ds);
}

static uint64_t meta(struct fx *f, const char *name)
{
	MDB_txn *txn = NULL;
	uint64_t v = 0;

	assert_int_equal(store_begin(&f->d->st, true, &txn), 0);
	assert_int_equal(store_meta_get_u64(&f->d->st, txn, name, &v), 0);
	store_abort(&txn);
	return v;
}

/* One event (JSON as evjson takes it) in its own batch at now; returns the item's outcome. */
static struct batch_item apply_json(struct fx *f, uint64_t now, const char *ref, const char *json)
{
	struct evjson e;
	struct proto_error err;
	struct batch_item it = {0}, *items[1] = {&it};
	struct batch_input in = {.items = items, .n = 1, .policy = &f->w.p, .now_ms = now};

	if (evjson_decode(&e, now, ref, &err, "%s", json) < 0)
		fail_msg("%s: %s", proto_err_code(err.code), err.message);
	it.ev = e.ev;
	assert_int_equal(batch_run(&f->d->st, &in, NULL), 0);
	evjson_release(&e);
	it.ev = (struct proto_event){0};
	return it;
}

static void accepted(const struct batch_item *it)
{
	if (it->status != BATCH_ACCEPTED)
		fail_msg("not accepted: %s: %s", proto_err_code(it->err.code), it->err.message);
}

static struct batch_result run_work(struct fx *f, uint64_t now, const struct work_item *w, size_t n)
{
	struct batch_input in = {.work = w, .n_work = n, .policy = &f->w.p, .now_ms = now};
	struct batch_result res = {0};

	assert_int_equal(batch_run(&f->d->st, &in, &res), 0);
	return res;
}

/* The first entry of an index, as the worker would hand it over; false when empty. */
static bool first_entry(struct fx *f, enum store_db db, struct work_item *ret)
{
	MDB_txn *txn = NULL;
	MDB_cursor *cur;
	MDB_val k, v;
	bool found;

	assert_int_equal(store_begin(&f->d->st, true, &txn), 0);
	assert_int_equal(mdb_cursor_open(txn, f->d->st.dbi[db], &cur), 0);
	found = mdb_cursor_get(cur, &k, &v, MDB_FIRST) == 0;
	if (found) {
		ret->db = db;
		assert_int_equal(
		    dlindex_key_parse(k.mv_data, k.mv_size, &ret->t, ret->ref, &ret->kind), 0);
	}
	mdb_cursor_close(cur);
	store_abort(&txn);
	return found;
}

static void load(struct fx *f, const char *ref, struct case_rec *r, MDB_txn **txn)
{
	MDB_val v;

	assert_int_equal(store_begin(&f->d->st, true, txn), 0);
	assert_int_equal(store_get(&f->d->st, *txn, DB_CASES, ref, strlen(ref), &v), 0);
	assert_int_equal(caserec_load(r, v.mv_data, v.mv_size), 0);
}

static int count_note(uint64_t seq, void *arg)
{
	(void)seq;
	++*(unsigned *)arg;
	return 0;
}

static void load(struct fx *f, const char *ref, struct case_rec *r, MDB_txn **txn);

static unsigned notes_kept(struct fx *f, const char *ref)
{
	struct case_rec r;
	MDB_txn *txn;
	unsigned n = 0;

	load(f, ref, &r, &txn);
	assert_int_equal(caserec_notes_each(&r, count_note, &n), 0);
	caserec_release(&r);
	store_abort(&txn);
	return n;
}

/* "Each reminder, breach and escalation is emitted exactly once, across crashes and
 * restarts": a due timer handed over twice (a worker that resent after a crash) fires once. */
static void test_a_due_timer_fires_once_however_often_it_is_handed_over(void **state)
{
	struct fx *f = *state;
	struct work_item w;
	struct batch_item it;
	struct batch_result res;
	uint64_t seq;

	it = apply_json(f, T0, NULL, EV_DECL);
	accepted(&it);
	seq = meta(f, "notify_seq");
	assert_int_equal(seq, 1); /* case.opened */
	assert_true(first_entry(f, DB_TIMERS, &w));
	assert_string_equal(w.ref, it.case_ref);
	assert_int_equal(w.kind, DL_MANAGER_REVIEW);
	/* the 1d reminder (the 7d one coincides with the opening and is skipped) */
	assert_int_equal(w.t, T0 + 6 * DAY);
	res = run_work(f, w.t, &w, 1);
	assert_int_equal(res.fired, 1);
	assert_int_equal(res.notes, 1);
	assert_int_equal(meta(f, "notify_seq"), seq + 1);
	res = run_work(f, w.t, &w, 1); /* resent */
	assert_int_equal(res.fired, 0);
	assert_int_equal(res.notes, 0);
	assert_int_equal(meta(f, "notify_seq"), seq + 1);
	/* the next timer is the breach at due */
	assert_true(first_entry(f, DB_TIMERS, &w));
	assert_int_equal(w.t, T0 + 7 * DAY);
	res = run_work(f, w.t, &w, 1);
	assert_int_equal(res.fired, 1);
	assert_int_equal(meta(f, "deadlines_overdue"), 1);
	assert_int_equal(meta(f, "deadlines_open"), 1);
	/* the case keeps the seqs of notes naming someone (retention redacts them): the breach
	 * names the line manager; an escalation, to head_of_psd by role alone, adds none */
	{
		unsigned kept = notes_kept(f, it.case_ref);

		assert_true(kept >= 2); /* case.opened, the reminder, the breach */
		assert_true(first_entry(f, DB_TIMERS, &w));
		assert_int_equal(run_work(f, w.t, &w, 1).fired, 1);
		assert_int_equal(meta(f, "notify_seq"), seq + 3);
		assert_int_equal(notes_kept(f, it.case_ref), kept);
	}
}

/* SIGHUP: a timer planned under the old reminders finds nothing due under the new ones and
 * moves to the time they give, rather than being lost or handed over for ever. Reminders are
 * handled by time: at the old 1d reminder's time the new list has none due, its first (12h)
 * comes next. */
static void test_a_timer_planned_under_an_old_policy_is_replanned(void **state)
{
	struct fx *f = *state;
	struct work_item w, w2;
	struct batch_result res;
	struct walk other;
	struct batch_item it = apply_json(f, T0, NULL, EV_DECL);

	accepted(&it);
	assert_true(first_entry(f, DB_TIMERS, &w));
	assert_int_equal(w.t, T0 + 6 * DAY); /* reminders = 7d,1d */
	walk_init(&other, "[deadlines]\nreminders = 12h,2h\n", T0);
	{
		struct batch_input in = {
		    .work = &w, .n_work = 1, .policy = &other.p, .now_ms = w.t};

		assert_int_equal(batch_run(&f->d->st, &in, &res), 0);
	}
	assert_int_equal(res.fired, 0);
	assert_true(res.timers_added);
	assert_true(first_entry(f, DB_TIMERS, &w2));
	assert_int_equal(w2.t, T0 + 7 * DAY - 12 * MS_HOUR);
	walk_free(&other);
}

/* WORKFLOW.md "Side effects": the escalation worker assigns "the one with the fewest open
 * referrals"; a referral that moves on no longer counts. */
static void test_escalation_assigns_the_aa_with_fewest_open_referrals(void **state)
{
	struct fx *f = *state;
	const char *const path[] = {EV_MANAGER_REVIEWED, EV_ASSESSED("mitigation"), EV_PROPOSED,
				    EV_DISPUTED};
	char refs[3][PROTO_CASE_MAX + 1];
	struct work_item w;
	struct case_rec r;
	MDB_txn *txn;

	for (int i = 0; i < 3; i++) {
		struct batch_item it = apply_json(f, T0, NULL, EV_DECL);

		accepted(&it);
		strcpy(refs[i], it.case_ref);
		for (size_t j = 0; j < sizeof(path) / sizeof(path[0]); j++) {
			it = apply_json(f, T0, refs[i], path[j]);
			accepted(&it);
		}
		assert_true(first_entry(f, DB_ESCALATIONS, &w));
		assert_string_equal(w.ref, refs[i]);
		(void)run_work(f, T0, &w, 1);
		assert_false(first_entry(f, DB_ESCALATIONS, &w));
		load(f, refs[i], &r, &txn);
		/* AA1, then AA2 (AA1 has one), then AA1 again after case 0 moved on */
		assert_string_equal(r.c.aa, i == 1 ? "AA2" : "AA1");
		caserec_release(&r);
		store_abort(&txn);
		if (i == 1) {
			struct batch_item d = apply_json(f, T0 + 15 * DAY, refs[0],
							 "{'type':'aa.determined'," EV_AA
							 ",'body':{'decision':'no_risk',"
							 "'reasons':'r'}}");
			accepted(&d);
		}
	}
	assert_int_equal(meta(f, "aa_open:AA1"), 1);
	assert_int_equal(meta(f, "aa_open:AA2"), 1);
}

/* WORKFLOW.md "retention": the personal data goes, a tombstone and the journal hashes stay,
 * and audit.verify still passes. */
static void test_retention_leaves_a_tombstone_and_a_whole_chain(void **state)
{
	struct fx *f = *state;
	struct batch_item it;
	struct work_item w;
	struct journal_entry e;
	struct case_rec r;
	MDB_txn *txn;
	uint64_t entries, bad;
	uint8_t head[JOURNAL_HASH];
	char ref[PROTO_CASE_MAX + 1];

	it = apply_json(f, T0, NULL, EV_DECL);
	accepted(&it);
	strcpy(ref, it.case_ref);
	it = apply_json(f, T0, ref, EV_CLOSED_BY_PSD);
	accepted(&it);
	assert_true(first_entry(f, DB_DISPOSALS, &w));
	assert_int_equal(w.t, T0 + 30 * DAY);
	/* handed over early (a clock step): nothing happens */
	assert_int_equal(run_work(f, T0 + DAY, &w, 1).fired, 0);
	assert_true(first_entry(f, DB_DISPOSALS, &w));
	assert_int_equal(w.t, T0 + 30 * DAY);
	assert_int_equal(run_work(f, w.t, &w, 1).fired, 1);
	assert_false(first_entry(f, DB_DISPOSALS, &w));
	load(f, ref, &r, &txn);
	assert_true(r.c.flags & WFC_DISPOSED);
	assert_null(r.c.subject);
	assert_null(r.c.associate);
	assert_int_equal(r.c.subject_id.len, 0);
	caserec_release(&r);
	/* the journal keeps both entries' hashes but not their bytes */
	for (uint64_t s = 1; s <= 2; s++) {
		assert_int_equal(journal_read(&f->d->st, txn, s, &e), 0);
		assert_null(e.bytes);
	}
	assert_int_equal(journal_verify(&f->d->st, txn, &entries, head, &bad), 0);
	assert_int_equal(entries, 2);
	assert_int_equal(bad, 0);
	{
		MDB_cursor *cur;
		MDB_val k, ov;
		int n = 0;

		/* its notifications keep their references and roles, not the staff ids */
		assert_int_equal(mdb_cursor_open(txn, f->d->st.dbi[DB_OUTBOX], &cur), 0);
		while (mdb_cursor_get(cur, &k, &ov, n ? MDB_NEXT : MDB_FIRST) == 0) {
			n++;
			assert_null(memmem(ov.mv_data, ov.mv_size, "S100", 4));
			assert_null(memmem(ov.mv_data, ov.mv_size, "LM1", 3));
			assert_non_null(memmem(ov.mv_data, ov.mv_size, ref, strlen(ref)));
		}
		mdb_cursor_close(cur);
		assert_true(n >= 3); /* opened, closed, disposed */
	}
	{
		MDB_stat st;

		/* the subject index no longer leads to it */
		assert_int_equal(mdb_stat(txn, f->d->st.dbi[DB_BY_SUBJECT], &st), 0);
		assert_int_equal(st.ms_entries, 0);
	}
	store_abort(&txn);
}

/* One damaged case record refuses what touches that case and nothing else: an event on it is
 * unavailable, its timer is dropped (logged), and the rest of the batch commits. */
static void test_a_damaged_case_record_does_not_stop_the_batch(void **state)
{
	struct fx *f = *state;
	struct work_item w = {
	    .db = DB_TIMERS, .t = T0, .ref = "NA-2026-999999", .kind = DL_MANAGER_REVIEW};
	struct evjson e1, e2;
	struct proto_error err;
	struct batch_item a = {0}, b = {0}, *items[2] = {&a, &b};
	struct batch_input in = {
	    .items = items, .n = 2, .work = &w, .n_work = 1, .policy = &f->w.p, .now_ms = T0};
	struct batch_result res;
	uint8_t key[DLX_KEY_MAX];
	MDB_txn *txn = NULL;

	assert_int_equal(store_begin(&f->d->st, false, &txn), 0);
	assert_int_equal(store_put(&f->d->st, txn, DB_CASES, w.ref, strlen(w.ref), "\xc1junk", 5),
			 0);
	assert_int_equal(
	    store_put(&f->d->st, txn, DB_TIMERS, key, dlindex_key(key, w.t, w.ref, w.kind), "", 0),
	    0);
	assert_int_equal(store_commit(&txn), 0);
	assert_int_equal(evjson_decode(&e1, T0, NULL, &err, "%s", EV_DECL), 0);
	assert_int_equal(evjson_decode(&e2, T0, w.ref, &err, "%s", EV_MANAGER_REVIEWED), 0);
	a.ev = e1.ev;
	b.ev = e2.ev;
	assert_int_equal(batch_run(&f->d->st, &in, &res), 0);
	accepted(&a);
	assert_int_equal(b.status, BATCH_REJECTED);
	assert_int_equal(b.err.code, PROTO_UNAVAILABLE);
	assert_non_null(strstr(b.err.message, w.ref));
	assert_false(first_entry(f, DB_TIMERS, &w) && strcmp(w.ref, "NA-2026-999999") == 0);
	evjson_release(&e1);
	evjson_release(&e2);
}

static struct seal *sealer(uint8_t byte)
{
	uint8_t k[SEAL_KEY_BYTES];
	char err[KEYFILE_ERR_MAX];
	struct seal *s;

	memset(k, byte, sizeof(k));
	assert_int_equal(seal_new(&s, k, NULL, err), 0);
	return s;
}

/* A record no key of this daemon opens is not damaged: an event on it is unavailable, and its
 * worker entry stays in its index (reported held, for the worker to skip) with the record
 * untouched, so that a daemon with the right key still fires it. */
static void test_a_record_sealed_under_another_key_keeps_its_worker_entry(void **state)
{
	struct fx *f = *state;
	struct work_item w;
	struct batch_item it, ev;
	struct batch_result res;
	struct case_rec r;
	MDB_txn *txn = NULL;
	struct seal *k1 = sealer(1), *k2 = sealer(2);

	f->d->st.seal = k1;
	it = apply_json(f, T0, NULL, EV_DECL);
	accepted(&it);
	assert_true(first_entry(f, DB_TIMERS, &w));
	assert_string_equal(w.ref, it.case_ref);
	f->d->st.seal = k2; /* a restart under another key */
	ev = apply_json(f, T0 + 1, it.case_ref, EV_MANAGER_REVIEWED);
	assert_int_equal(ev.status, BATCH_REJECTED);
	assert_int_equal(ev.err.code, PROTO_UNAVAILABLE);
	res = run_work(f, w.t, &w, 1); /* handed over when due */
	assert_int_equal(res.fired, 0);
	assert_int_equal(res.n_held, 1);
	assert_int_equal(res.held[0], 0);
	assert_true(first_entry(f, DB_TIMERS, &w));
	assert_string_equal(w.ref, it.case_ref);
	/* the right key back: the record opens and the entry is applied */
	f->d->st.seal = k1;
	assert_int_equal(store_begin(&f->d->st, true, &txn), 0);
	assert_int_equal(caserec_get(&f->d->st, txn, w.ref, strlen(w.ref), &r), 0);
	caserec_release(&r);
	store_abort(&txn);
	res = run_work(f, w.t, &w, 1);
	assert_int_equal(res.n_held, 0);
	f->d->st.seal = NULL;
	seal_free(&k1);
	seal_free(&k2);
}

/* SIGHUP: the replan pass moves every live deadline's timer to where the new policy puts it,
 * a bounded number a batch, resuming where the last batch stopped. */
static void test_the_replan_pass_moves_every_timer_in_bounded_steps(void **state)
{
	struct fx *f = *state;
	char refs[3][PROTO_CASE_MAX + 1];
	struct walk other;
	struct batch_result res = {0};
	uint8_t after[PROTO_CASE_MAX + 1];
	size_t after_len = 0, steps = 0, moved = 0;

	for (int i = 0; i < 3; i++) {
		struct batch_item it = apply_json(f, T0, NULL, EV_DECL);

		accepted(&it);
		strcpy(refs[i], it.case_ref);
	}
	walk_init(&other, "[deadlines]\nreminders = 12h,2h\n", T0);
	do {
		struct batch_input in = {.policy = &other.p,
					 .now_ms = T0,
					 .replan_after = after,
					 .replan_after_len = after_len,
					 .replan_max = 2};

		assert_int_equal(batch_run(&f->d->st, &in, &res), 0);
		memcpy(after, res.replan_next, res.replan_next_len);
		after_len = res.replan_next_len;
		moved += res.replanned;
		steps++;
	} while (!res.replan_done && steps < 10);
	assert_true(res.replan_done);
	assert_int_equal(steps, 2); /* 3 deadlines, 2 a batch */
	assert_int_equal(moved, 3);
	for (int i = 0; i < 3; i++) {
		struct case_rec r;
		MDB_txn *txn;
		MDB_val v;
		uint8_t key[DLX_KEY_MAX];
		const struct wf_deadline *d = NULL;

		load(f, refs[i], &r, &txn);
		for (uint32_t j = 0; j < r.c.n_dl; j++)
			if (r.c.dl[j].kind == DL_MANAGER_REVIEW)
				d = &r.c.dl[j];
		assert_non_null(d);
		assert_int_equal(
		    store_get(&f->d->st, txn, DB_TIMERS, key,
			      dlindex_key(key, wf_dl_next(d, &other.p), refs[i], DL_MANAGER_REVIEW),
			      &v),
		    0);
		assert_int_not_equal(wf_dl_next(d, &other.p), wf_dl_next(d, &f->w.p));
		caserec_release(&r);
		store_abort(&txn);
	}
	{
		MDB_txn *txn;
		MDB_stat st;

		assert_int_equal(store_begin(&f->d->st, true, &txn), 0);
		assert_int_equal(mdb_stat(txn, f->d->st.dbi[DB_TIMERS], &st), 0);
		assert_int_equal(st.ms_entries, 3); /* moved, not copied */
		store_abort(&txn);
	}
	walk_free(&other);
}

/* SIGHUP: an event on a case before the replan pass reaches it moves the timer from where it
 * really is (case_deadlines), not from where the new policy would have put it: no timer is
 * left behind. */
static void test_an_event_after_a_reload_leaves_no_timer_behind(void **state)
{
	struct fx *f = *state;
	struct batch_item it = apply_json(f, T0, NULL, EV_DECL), it2 = {0}, *items[1] = {&it2};
	struct evjson e;
	struct proto_error err;
	struct walk other;
	struct work_item w;
	MDB_txn *txn = NULL;
	MDB_stat st;

	accepted(&it);
	walk_init(&other, "[deadlines]\nreminders = 3d,2h\n", T0);
	assert_int_equal(evjson_decode(&e, T0 + DAY, it.case_ref, &err, "%s", EV_MANAGER_REVIEWED),
			 0);
	it2.ev = e.ev;
	{
		struct batch_input in = {
		    .items = items, .n = 1, .policy = &other.p, .now_ms = T0 + DAY};

		assert_int_equal(batch_run(&f->d->st, &in, NULL), 0);
	}
	accepted(&it2);
	evjson_release(&e);
	/* one live deadline (psd_assessment), one timer, and it is not the old one */
	assert_int_equal(store_begin(&f->d->st, true, &txn), 0);
	assert_int_equal(mdb_stat(txn, f->d->st.dbi[DB_TIMERS], &st), 0);
	assert_int_equal(st.ms_entries, 1);
	store_abort(&txn);
	assert_true(first_entry(f, DB_TIMERS, &w));
	assert_int_equal(w.kind, DL_PSD_ASSESSMENT);
	walk_free(&other);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_a_due_timer_fires_once_however_often_it_is_handed_over),
	    T(test_a_timer_planned_under_an_old_policy_is_replanned),
	    T(test_escalation_assigns_the_aa_with_fewest_open_referrals),
	    T(test_retention_leaves_a_tombstone_and_a_whole_chain),
	    T(test_a_damaged_case_record_does_not_stop_the_batch),
	    T(test_a_record_sealed_under_another_key_keeps_its_worker_entry),
	    T(test_the_replan_pass_moves_every_timer_in_bounded_steps),
	    T(test_an_event_after_a_reload_leaves_no_timer_behind),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
