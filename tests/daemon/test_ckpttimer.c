/* ckpttimer: the periodic checkpoint ([audit] checkpoint_every, issue 12) on a stepped clock.
 * None is taken before a period has passed, exactly one when it has, the next is due a
 * period after the last one taken (periodic or on demand, and across a restart), and none
 * ever without a sign key. */
#include "dtest.h"

#include <stdlib.h>

#include "loop/ckpttimer.h"
#include "store/checkpoint.h"

#define EVERY_MS 60000ull

struct fix {
	struct dstore *d;
	uint8_t pk[CHECKPOINT_PK], sk[CHECKPOINT_SK];
	struct ckpt_timer t;
};

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	void *d;

	if (!f || dstore_setup(&d, "ckpttimer", 1 << 20, 1 << 20) != 0)
		return -1;
	f->d = d;
	crypto_sign_keypair(f->pk, f->sk);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;
	void *d = f->d;

	free(f);
	return dstore_teardown(&d);
}

static uint64_t count(struct fix *f)
{
	MDB_txn *txn = NULL;
	uint64_t n = 0;

	assert_int_equal(store_begin(&f->d->st, true, &txn), 0);
	assert_int_equal(checkpoint_count(&f->d->st, txn, &n), 0);
	store_abort(&txn);
	return n;
}

/* Checkpoint n's `at`, and that it verifies with the public key. */
static uint64_t at_of(struct fix *f, uint64_t n)
{
	struct checkpoint c;
	MDB_txn *txn = NULL;

	assert_int_equal(store_begin(&f->d->st, true, &txn), 0);
	assert_int_equal(checkpoint_get(&f->d->st, txn, n, &c), 0);
	store_abort(&txn);
	assert_true(checkpoint_sig_ok(&c, f->pk));
	return c.at;
}

/* One reactor pass at now: ckpt_timer_tick's answer. */
static int tick(struct fix *f, uint64_t now)
{
	struct ctl_ckpt c;
	int r = ckpt_timer_tick(&f->t, &f->d->st, now, &c);

	assert_true(r >= 0);
	if (r)
		assert_int_equal(c.n, count(f));
	return r;
}

static void test_none_before_checkpoint_every_then_exactly_one(void **state)
{
	struct fix *f = *state;

	assert_int_equal(ckpt_timer_plan(&f->t, &f->d->st, f->sk, EVERY_MS, NOW_MS), 0);
	for (uint64_t ms = 0; ms < EVERY_MS; ms += EVERY_MS / 8)
		assert_int_equal(tick(f, NOW_MS + ms), 0);
	assert_int_equal(tick(f, NOW_MS + EVERY_MS - 1), 0);
	assert_int_equal(count(f), 0);
	assert_int_equal(tick(f, NOW_MS + EVERY_MS), 1);
	assert_int_equal(count(f), 1);
	assert_int_equal(at_of(f, 1), NOW_MS + EVERY_MS); /* signed at the clock's reading */
	/* the same pass's clock again, or a moment later: no second one */
	assert_int_equal(tick(f, NOW_MS + EVERY_MS), 0);
	assert_int_equal(tick(f, NOW_MS + EVERY_MS + 1), 0);
	assert_int_equal(count(f), 1);
}

static void test_next_is_due_a_period_after_the_last_one(void **state)
{
	struct fix *f = *state;
	const uint64_t late = NOW_MS + EVERY_MS + 7000; /* the first pass came late */

	assert_int_equal(ckpt_timer_plan(&f->t, &f->d->st, f->sk, EVERY_MS, NOW_MS), 0);
	assert_int_equal(tick(f, late), 1);
	/* due from the one taken, not from the plan: nothing at 2 periods after the start */
	assert_int_equal(tick(f, NOW_MS + 2 * EVERY_MS), 0);
	assert_int_equal(tick(f, late + EVERY_MS - 1), 0);
	assert_int_equal(tick(f, late + EVERY_MS), 1);
	assert_int_equal(count(f), 2);
	assert_int_equal(at_of(f, 2) - at_of(f, 1), EVERY_MS);
	/* one taken on demand moves the next a period after it */
	ckpt_timer_taken(&f->t, late + EVERY_MS + 1000);
	assert_int_equal(tick(f, late + 2 * EVERY_MS), 0);
	assert_int_equal(tick(f, late + 2 * EVERY_MS + 1000), 1);
	assert_int_equal(count(f), 3);
}

static void test_a_restart_plans_from_the_stores_last_checkpoint(void **state)
{
	struct fix *f = *state;

	assert_int_equal(ckpt_timer_plan(&f->t, &f->d->st, f->sk, EVERY_MS, NOW_MS), 0);
	assert_int_equal(tick(f, NOW_MS + EVERY_MS), 1);
	/* restarted half a period later: the next is still due a period after the last */
	assert_int_equal(
	    ckpt_timer_plan(&f->t, &f->d->st, f->sk, EVERY_MS, NOW_MS + EVERY_MS + EVERY_MS / 2),
	    0);
	assert_int_equal(tick(f, NOW_MS + 2 * EVERY_MS - 1), 0);
	assert_int_equal(tick(f, NOW_MS + 2 * EVERY_MS), 1);
	/* restarted after a long stop: one at once, then a period on */
	assert_int_equal(ckpt_timer_plan(&f->t, &f->d->st, f->sk, EVERY_MS, NOW_MS + 10 * EVERY_MS),
			 0);
	assert_int_equal(tick(f, NOW_MS + 10 * EVERY_MS), 1);
	assert_int_equal(tick(f, NOW_MS + 11 * EVERY_MS - 1), 0);
	assert_int_equal(count(f), 3);
}

static void test_none_without_a_sign_key(void **state)
{
	struct fix *f = *state;

	assert_int_equal(ckpt_timer_plan(&f->t, &f->d->st, NULL, EVERY_MS, NOW_MS), 0);
	for (uint64_t k = 0; k <= 100; k++)
		assert_int_equal(tick(f, NOW_MS + k * EVERY_MS), 0);
	ckpt_timer_taken(&f->t, NOW_MS);
	assert_int_equal(tick(f, UINT64_MAX - 1), 0);
	assert_int_equal(count(f), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_none_before_checkpoint_every_then_exactly_one,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_next_is_due_a_period_after_the_last_one, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_a_restart_plans_from_the_stores_last_checkpoint,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_none_without_a_sign_key, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
