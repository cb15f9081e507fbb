/* batch: the write side of group commit. The events read in one reactor cycle are applied
 * in ONE LMDB write transaction (idempotency check, workflow step, journal append, case
 * record) and made durable by ONE commit; only then may the caller send their replies.
 * Nothing of a batch is visible or acknowledged unless all of it committed. */
#ifndef BATCH_H
#define BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"
#include "store.h"

enum batch_status { BATCH_ACCEPTED, BATCH_DUPLICATE, BATCH_REJECTED };

struct batch_item {
	struct proto_event ev; /* validated by proto; the caller owns it */
	/* the outcome, filled by batch_apply */
	enum batch_status status;
	char case_ref[PROTO_CASE_MAX + 1];
	uint64_t seq;
	struct proto_error err;
};

/* Applies and commits *items[0..n). Returns 0 when the transaction is durable (each item's
 * outcome is then final), or a negative errno when nothing was written: -ENOSPC when the map
 * is at its ceiling, -EBUSY when it is full and may not grow now (a backup is running),
 * -EIO when the store failed. Grows the map and retries on a full map. */
int batch_apply(struct store *st, struct batch_item *const *items, size_t n, uint64_t now_ms);

#endif
