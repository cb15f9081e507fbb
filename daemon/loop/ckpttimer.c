#include "loop/ckpttimer.h"

#include "store/checkpoint.h"

int ckpt_timer_plan(struct ckpt_timer *t, struct store *st, const uint8_t *sk, uint64_t every_ms,
		    uint64_t now_ms)
{
	struct checkpoint c = {.at = now_ms};
	MDB_txn *txn = NULL;
	uint64_t count = 0;
	int r = 0;

	t->sk = sk;
	t->every_ms = every_ms;
	t->due_ms = UINT64_MAX;
	if (!sk)
		return 0;
	if ((r = store_begin(st, true, &txn)) == 0 &&
	    (r = checkpoint_count(st, txn, &count)) == 0 && count)
		r = checkpoint_get(st, txn, count, &c);
	store_abort(&txn);
	if (r < 0)
		return r;
	ckpt_timer_taken(t, c.at);
	return 0;
}

void ckpt_timer_taken(struct ckpt_timer *t, uint64_t now_ms)
{
	t->due_ms = t->sk ? now_ms + t->every_ms : UINT64_MAX;
}

int ckpt_timer_tick(struct ckpt_timer *t, struct store *st, uint64_t now_ms, struct ctl_ckpt *ret)
{
	int r;

	if (!t->sk || now_ms < t->due_ms)
		return 0;
	r = ctl_checkpoint_write(st, t->sk, now_ms, "", ret);
	ckpt_timer_taken(t, now_ms); /* a failure is retried a period later, as a missed one */
	return r < 0 ? r : 1;
}
