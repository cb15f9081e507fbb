/* ctlcheckpoint: audit.checkpoint's write (checkpoint.h): one write transaction that takes a
 * signed checkpoint of the journal's head, journals that it did (an entry of type
 * CTLCHECKPOINT_TYPE, in the same chain, after the head it signs) and writes an
 * `audit.checkpoint` notification to the outbox. The reactor runs it for the control command
 * (struct ctl_env.checkpoint). */
#ifndef CTLCHECKPOINT_H
#define CTLCHECKPOINT_H

#include <stdint.h>

#include "store/checkpoint.h"
#include "store/store.h"

#define CTLCHECKPOINT_TYPE  "audit.checkpoint"
#define CTLCHECKPOINT_TOPIC "audit.checkpoint"

struct ctl_ckpt {
	char line[CHECKPOINT_LINE]; /* checkpoint_format's line */
	uint64_t n;                 /* its number in the store, from 1 */
	uint64_t seq;               /* the journal seq it signs */
	uint64_t notify_seq;        /* the outbox's last seq after it */
};

/* Takes, journals and notifies one checkpoint signed with sk, for client who ("" when none).
 * Returns 0 once committed, or a negative errno (nothing written). */
int ctl_checkpoint_write(struct store *st, const uint8_t sk[CHECKPOINT_SK], uint64_t now_ms,
			 const char *who, struct ctl_ckpt *ret);

#endif
