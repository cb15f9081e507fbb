/* batch: the write side of group commit. What the reactor gathered in one cycle (intake
 * events, the due entries the workers handed over, and the records of control reads) is
 * applied in ONE LMDB write transaction (idempotency check, workflow step, journal append,
 * case record, deadline indexes, outbox, reads index) and made durable by ONE commit; only
 * then may the caller send replies and publish. Nothing of a batch is visible or acknowledged
 * unless all of it committed. */
#ifndef BATCH_H
#define BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "policy/policy.h"
#include "proto.h"
#include "store/readlog.h"
#include "store/reseal.h"
#include "store/store.h"
#include "workers/worker.h"

/* The meta counters a batch keeps (u64, store_meta_get_u64):
 *   cases_total, cases_open       cases ever opened, and not closed
 *   notify_seq                    the last notification seq written to the outbox
 *   deadlines_open                live deadlines, retention excluded
 *   deadlines_overdue             live deadlines that have been breached
 *   aa_open:NAME                  cases assigned to the AA NAME and still referred_to_aa
 *   ctr:NA:2026                   the last case reference number given, per kind and year
 *   timer_policy                  policy_timer_fingerprint of the policy the timers were last
 *                                 all placed under (a replan pass ended under it) */

enum batch_status { BATCH_ACCEPTED, BATCH_DUPLICATE, BATCH_REJECTED };

struct batch_item {
	struct proto_event ev; /* validated by proto; the caller owns it */
	/* the outcome, filled by batch_apply */
	enum batch_status status;
	char case_ref[PROTO_CASE_MAX + 1];
	uint64_t seq;
	struct proto_error err;
	/* the reporter's channel: an anonymous report's token for the reply (shown form, "" when
	 * none) and as the case keeps it; a follow-up by token that named no open report
	 * (counted and limited by the reactor); the case such a follow-up found */
	char token[PROTO_TOKEN_SHOWN + 1];
	char token_canon[PROTO_TOKEN_LEN + 1];
	bool token_failed;
	char found_ref[PROTO_CASE_MAX + 1];
};

/* What a commit changed, for the reactor: where the outbox now ends, and whether the workers'
 * indexes gained entries (so they are woken). */
/* the entries of one batch from the workset's three workers (WS_ITEMS_MAX: workset.h
 * asserts the two are equal) */
#define BATCH_HELD_MAX (3 * WORKER_POST_MAX)

struct batch_result {
	uint64_t notify_seq; /* the last notification seq in the store */
	uint64_t notes;      /* notifications written by this batch */
	bool timers_added, escalations_added, disposals_added;
	uint64_t fired; /* work items that changed a case */
	/* the replan pass (batch_input.replan): where it stands, and whether it is over */
	uint8_t replan_next[PROTO_CASE_MAX + 1];
	size_t replan_next_len;
	bool replan_done;
	uint64_t replanned;        /* timers moved by this batch's share of the pass */
	struct reseal_step reseal; /* the reseal pass's share (batch_input.reseal_max) */
	/* Work items left in their index because no key this daemon holds opens their case's
	 * record (indexes into batch_input.work, the first BATCH_HELD_MAX of them): not damage,
	 * so nothing of theirs is dropped; the worker holds them back (worker_hold). */
	uint32_t held[BATCH_HELD_MAX];
	size_t n_held;
};

struct batch_input {
	struct batch_item *const *items; /* intake events */
	size_t n;
	const struct work_item *work; /* due entries from the workers */
	size_t n_work;
	/* records of control reads (readlog.h), journaled after the events; each one's seq is
	 * set */
	struct readlog_rec *reads;
	size_t n_reads;
	const struct policy *policy;
	uint64_t now_ms;
	/* The replan pass after SIGHUP: moves the timers of up to replan_max live deadlines
	 * (case_deadlines keys after replan_after, replan_after_len bytes; 0 = from the start)
	 * to the times the policy now gives. replan_max 0: no pass in this batch. */
	const uint8_t *replan_after;
	size_t replan_after_len;
	size_t replan_max;
	uint64_t replan_fp; /* written to meta timer_policy when the pass ends in this batch */
	/* The reseal pass (reseal.h): up to reseal_max values after reseal_from sealed again
	 * under the store's current key; reseal_failed is what the pass's earlier batches could
	 * not. reseal_max 0, or no sealer: no pass in this batch. */
	struct reseal_cursor reseal_from;
	size_t reseal_max;
	uint64_t reseal_failed;
};

/* Applies and commits the input. Returns 0 when the transaction is durable (each item's
 * outcome is then final), or a negative errno when nothing was written: -ENOSPC when the map
 * is at its ceiling, -EBUSY when it is full and may not grow now (a backup is running),
 * -EIO when the store failed. Grows the map and retries on a full map. */
int batch_run(struct store *st, const struct batch_input *in, struct batch_result *ret);

/* batch_run with intake events only (tests and the benches). */
int batch_apply(struct store *st, struct batch_item *const *items, size_t n, uint64_t now_ms,
		const struct policy *p);

#endif
