/* ckpttimer: when the periodic checkpoint is due (issue 12, [audit] checkpoint_every). The
 * next one is due checkpoint_every after the store's last checkpoint, periodic or on demand
 * (with none yet, after the start); none is ever due without a sign key. Time comes in as
 * now_ms, read once per reactor pass from the clock the workers use (worker.h), so tests
 * step it. */
#ifndef CKPTTIMER_H
#define CKPTTIMER_H

#include <stdint.h>

#include "control/ctlcheckpoint.h"
#include "store/store.h"

struct ckpt_timer {
	const uint8_t *sk; /* the [audit] sign_key's secret; NULL: none, never due */
	uint64_t every_ms;
	uint64_t due_ms;
};

/* Plans the first one from the store's last checkpoint (none: now_ms + every_ms). sk may be
 * NULL. Returns 0 or a negative errno. */
int ckpt_timer_plan(struct ckpt_timer *t, struct store *st, const uint8_t *sk, uint64_t every_ms,
		    uint64_t now_ms);
/* Takes one (ctl_checkpoint_write, for no client) when it is due at now_ms: returns 1 with
 * *ret filled, 0 when none is due, or a negative errno (nothing written; the next is tried a
 * period later, as a missed one). */
int ckpt_timer_tick(struct ckpt_timer *t, struct store *st, uint64_t now_ms, struct ctl_ckpt *ret);
/* A checkpoint was taken at now_ms (on demand): the next is due a period after it. */
void ckpt_timer_taken(struct ckpt_timer *t, uint64_t now_ms);

#endif
