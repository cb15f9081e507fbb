/* dlindex: the deadline indexes follow a case's deadlines exactly (DESIGN.md "The store":
 * deadlines due_at|case|kind, case_deadlines case|kind; and the workers' timers, disposals and
 * escalations). */
#include <string.h>

#include "store/dlindex.h"
#include "dtest.h"

#define REF  "NA-2026-000001"
#define DAY  86400000ull
#define T0   (NOW_MS - 60000)
#define DUE7 (T0 + 7 * DAY)

static int setup(void **state)
{
	return dstore_setup(state, "dlindex", 1 << 20, 64 << 20);
}

static size_t count(struct store *st, MDB_txn *txn, enum store_db db)
{
	MDB_stat s;

	assert_int_equal(mdb_stat(txn, st->dbi[db], &s), 0);
	return s.ms_entries;
}

static bool has_key(struct store *st, MDB_txn *txn, enum store_db db, uint64_t t, unsigned kind)
{
	uint8_t key[DLX_KEY_MAX];
	MDB_val v;

	return store_get(st, txn, db, key, dlindex_key(key, t, REF, kind), &v) == 0;
}

static void a_case(struct wf_case *c)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->ref, REF);
	c->kind = KIND_NA;
	c->state = WF_AWAITING_MANAGER_REVIEW;
}

static struct wf_deadline *add_dl(struct wf_case *c, enum dl_kind k, uint64_t start, uint64_t due)
{
	struct wf_deadline *d = &c->dl[c->n_dl++];

	*d = (struct wf_deadline){.kind = k, .status = DLS_OPEN, .start = start, .due_at = due};
	return d;
}

/* Runs dlindex_update in its own committed transaction and returns the delta. */
static struct dlindex_delta update(struct store *st, const struct wf_case *before,
				   const struct wf_case *after)
{
	struct dlindex_delta d = {0};
	MDB_txn *txn = NULL;

	assert_int_equal(store_begin(st, false, &txn), 0);
	assert_int_equal(dlindex_update(st, txn, before, after, dtest_policy(), NOW_MS, &d), 0);
	assert_int_equal(store_commit(&txn), 0);
	return d;
}

static void test_key_round_trip_and_bad_keys(void **state)
{
	uint8_t key[DLX_KEY_MAX];
	char ref[PROTO_CASE_MAX + 1];
	unsigned kind;
	uint64_t t;
	size_t n;

	(void)state;
	n = dlindex_key(key, DUE7, REF, DL_SERVICE);
	assert_int_equal(n, 8 + strlen(REF) + 1);
	assert_int_equal(dlindex_key_parse(key, n, &t, ref, &kind), 0);
	assert_int_equal(t, DUE7);
	assert_string_equal(ref, REF);
	assert_int_equal(kind, DL_SERVICE);
	n = dlindex_key(key, 5, REF, DLX_NO_KIND);
	assert_int_equal(dlindex_key_parse(key, n, &t, ref, &kind), 0);
	assert_int_equal(kind, DLX_NO_KIND);
	/* too short, a kind past the table, a reference too long */
	assert_int_equal(dlindex_key_parse(key, 9, &t, ref, &kind), -1);
	key[n - 1] = DL_KINDS;
	assert_int_equal(dlindex_key_parse(key, n, &t, ref, &kind), -1);
	assert_int_equal(dlindex_key_parse(key, 8 + PROTO_CASE_MAX + 2, &t, ref, &kind), -1);
}

/* A deadline opens: due order, case lookup and the worker's timer, each one key. */
static void test_opening_writes_due_case_and_timer_keys(void **state)
{
	struct dstore *d = *state;
	struct wf_case c;
	struct dlindex_delta delta;
	MDB_txn *txn = NULL;
	MDB_val v;
	uint8_t ck[PROTO_CASE_MAX + 1];

	a_case(&c);
	add_dl(&c, DL_MANAGER_REVIEW, T0, DUE7);
	delta = update(&d->st, NULL, &c);
	assert_int_equal(delta.open, 1);
	assert_int_equal(delta.overdue, 0);
	assert_true(delta.timers_added);
	assert_false(delta.escalations_added);
	assert_int_equal(store_begin(&d->st, true, &txn), 0);
	assert_true(has_key(&d->st, txn, DB_DEADLINES, DUE7, DL_MANAGER_REVIEW));
	assert_true(has_key(&d->st, txn, DB_TIMERS, wf_dl_next(&c.dl[0], dtest_policy()),
			    DL_MANAGER_REVIEW));
	memcpy(ck, REF, strlen(REF));
	ck[strlen(REF)] = DL_MANAGER_REVIEW;
	assert_int_equal(store_get(&d->st, txn, DB_CASE_DEADLINES, ck, strlen(REF) + 1, &v), 0);
	assert_int_equal(v.mv_size, DLX_CASE_VAL);
	assert_int_equal(store_get_be64(v.mv_data), DUE7);
	assert_int_equal(store_get_be64((uint8_t *)v.mv_data + 8),
			 wf_dl_next(&c.dl[0], dtest_policy()));
	assert_int_equal(count(&d->st, txn, DB_DEADLINES), 1);
	assert_int_equal(count(&d->st, txn, DB_TIMERS), 1);
	store_abort(&txn);
}

/* "met when the case leaves that state": every key goes. */
static void test_met_deadline_leaves_every_index(void **state)
{
	struct dstore *d = *state;
	struct wf_case before, after;
	struct dlindex_delta delta;
	MDB_txn *txn = NULL;

	a_case(&before);
	add_dl(&before, DL_MANAGER_REVIEW, T0, DUE7);
	update(&d->st, NULL, &before);
	after = before;
	after.dl[0].status = DLS_MET;
	after.dl[0].done_at = NOW_MS;
	delta = update(&d->st, &before, &after);
	assert_int_equal(delta.open, -1);
	assert_false(delta.timers_added);
	assert_int_equal(store_begin(&d->st, true, &txn), 0);
	assert_int_equal(count(&d->st, txn, DB_DEADLINES), 0);
	assert_int_equal(count(&d->st, txn, DB_CASE_DEADLINES), 0);
	assert_int_equal(count(&d->st, txn, DB_TIMERS), 0);
	store_abort(&txn);
}

/* A breach keeps the deadline live and counts it overdue; the timer moves to the first
 * escalation; the due-order value carries the status. */
static void test_breach_counts_overdue_and_moves_the_timer(void **state)
{
	struct dstore *d = *state;
	struct wf_case before, after;
	struct dlindex_delta delta;
	uint8_t key[DLX_KEY_MAX];
	MDB_txn *txn = NULL;
	MDB_val v;

	a_case(&before);
	add_dl(&before, DL_MANAGER_REVIEW, T0, DUE7);
	update(&d->st, NULL, &before);
	after = before;
	after.dl[0].status = DLS_BREACHED;
	after.dl[0].breached_at = DUE7;
	after.dl[0].reminded_until = DUE7 - DAY; /* the 1-day reminder was sent */
	delta = update(&d->st, &before, &after);
	assert_int_equal(delta.open, 0);
	assert_int_equal(delta.overdue, 1);
	assert_true(delta.timers_added);
	assert_int_equal(store_begin(&d->st, true, &txn), 0);
	assert_int_equal(store_get(&d->st, txn, DB_DEADLINES, key,
				   dlindex_key(key, DUE7, REF, DL_MANAGER_REVIEW), &v),
			 0);
	assert_int_equal(v.mv_size, 5);
	assert_int_equal(((uint8_t *)v.mv_data)[0], DLS_BREACHED);
	assert_int_equal(count(&d->st, txn, DB_TIMERS), 1);
	assert_true(has_key(&d->st, txn, DB_TIMERS, wf_dl_next(&after.dl[0], dtest_policy()),
			    DL_MANAGER_REVIEW));
	assert_true(wf_dl_next(&after.dl[0], dtest_policy()) > DUE7);
	store_abort(&txn);
	/* met while breached: no longer overdue */
	before = after;
	after.dl[0].done_at = NOW_MS;
	delta = update(&d->st, &before, &after);
	assert_int_equal(delta.overdue, -1);
	assert_int_equal(delta.open, -1);
}

/* deadline.extended: the old due time's keys go, the new ones come. */
static void test_extension_moves_the_keys(void **state)
{
	struct dstore *d = *state;
	struct wf_case before, after;
	MDB_txn *txn = NULL;

	a_case(&before);
	add_dl(&before, DL_MANAGER_REVIEW, T0, DUE7);
	update(&d->st, NULL, &before);
	after = before;
	after.dl[0].due_at = DUE7 + 3 * DAY;
	update(&d->st, &before, &after);
	assert_int_equal(store_begin(&d->st, true, &txn), 0);
	assert_false(has_key(&d->st, txn, DB_DEADLINES, DUE7, DL_MANAGER_REVIEW));
	assert_true(has_key(&d->st, txn, DB_DEADLINES, DUE7 + 3 * DAY, DL_MANAGER_REVIEW));
	assert_int_equal(count(&d->st, txn, DB_DEADLINES), 1);
	assert_int_equal(count(&d->st, txn, DB_CASE_DEADLINES), 1);
	assert_int_equal(count(&d->st, txn, DB_TIMERS), 1);
	store_abort(&txn);
}

/* The retention deadline is the retention worker's: disposals only, not an open deadline. */
static void test_retention_goes_to_disposals_only(void **state)
{
	struct dstore *d = *state;
	struct wf_case c;
	struct dlindex_delta delta;
	MDB_txn *txn = NULL;

	a_case(&c);
	c.state = WF_CLOSED;
	add_dl(&c, DL_RETENTION, NOW_MS, NOW_MS + 2190 * DAY);
	delta = update(&d->st, NULL, &c);
	assert_int_equal(delta.open, 0);
	assert_true(delta.disposals_added);
	assert_false(delta.timers_added);
	assert_int_equal(store_begin(&d->st, true, &txn), 0);
	assert_true(has_key(&d->st, txn, DB_DISPOSALS, NOW_MS + 2190 * DAY, DL_RETENTION));
	assert_int_equal(count(&d->st, txn, DB_DEADLINES), 0);
	assert_int_equal(count(&d->st, txn, DB_TIMERS), 0);
	store_abort(&txn);
}

/* Referred to the AA: one escalations entry, queued once, whatever else changes. */
static void test_escalation_is_queued_once(void **state)
{
	struct dstore *d = *state;
	struct wf_case before, after;
	struct dlindex_delta delta;
	MDB_txn *txn = NULL;

	a_case(&before);
	before.state = WF_MITIGATION_PROPOSED;
	update(&d->st, NULL, &before);
	after = before;
	after.state = WF_REFERRED_TO_AA;
	after.flags |= WFC_ESCALATE | WFC_DISPUTED;
	delta = update(&d->st, &before, &after);
	assert_true(delta.escalations_added);
	before = after;
	delta = update(&d->st, &before, &after);
	assert_false(delta.escalations_added);
	assert_int_equal(store_begin(&d->st, true, &txn), 0);
	assert_int_equal(count(&d->st, txn, DB_ESCALATIONS), 1);
	assert_true(has_key(&d->st, txn, DB_ESCALATIONS, NOW_MS, DLX_NO_KIND));
	store_abort(&txn);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, dstore_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_key_round_trip_and_bad_keys),
	    T(test_opening_writes_due_case_and_timer_keys),
	    T(test_met_deadline_leaves_every_index),
	    T(test_breach_counts_overdue_and_moves_the_timer),
	    T(test_extension_moves_the_keys),
	    T(test_retention_goes_to_disposals_only),
	    T(test_escalation_is_queued_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
