/* dlindex: the deadline indexes of the store, kept in step with a case's deadlines. Keys are
 * a time (u64 BE, so LMDB's order is time order), the case reference, and the kind as one
 * byte. After the engine has changed a case, dlindex_update compares its deadlines with
 * those it had before and writes the difference:
 *   deadlines       due_at|case|kind  -> status (1 byte), level (u32 BE): live deadlines
 *   case_deadlines  case|kind         -> due_at, fire_at (u64 BE each): where its timer is
 *   timers          fire_at|case|kind -> empty: when the deadline worker must next look
 *   disposals       due_at|case|kind  -> empty: the retention deadline, for the retention worker
 *   escalations     queued_at|case|0xff -> empty: WFC_ESCALATE set, not yet assigned */
#ifndef DLINDEX_H
#define DLINDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/policy.h"
#include "store/store.h"
#include "case/wfcase.h"

#define DLX_KEY_MAX  64
#define DLX_NO_KIND  0xff /* the kind byte of an escalations key */
#define DLX_CASE_VAL 16   /* case_deadlines value: due_at, fire_at */
#define DLX_DUE_VAL  5    /* deadlines value: status (1 byte), level (u32 BE) */

/* Builds t|ref|kind (kind DLX_NO_KIND for escalations); returns its length. */
size_t dlindex_key(uint8_t out[DLX_KEY_MAX], uint64_t t, const char *ref, unsigned kind);
/* Splits a key; kind is DLX_NO_KIND for escalations. Returns 0, or -1 when it is not one. */
int dlindex_key_parse(const void *key, size_t len, uint64_t *t, char ref[PROTO_CASE_MAX + 1],
		      unsigned *kind);

/* Builds a deadlines value: status, level. */
void dlindex_due_value(uint8_t out[DLX_DUE_VAL], enum dl_status s, uint32_t level);
/* Splits a deadlines value. Returns 0, or -1 when it is not one. */
int dlindex_due_value_parse(const void *val, size_t len, enum dl_status *s, uint32_t *level);

/* Counter changes the caller adds to meta. */
struct dlindex_delta {
	int64_t open;    /* live deadlines (retention excluded) */
	int64_t overdue; /* live and breached */
	bool timers_added, escalations_added, disposals_added; /* a worker must look again */
};

/* Writes the index changes from before (NULL for a new case) to after, both for the same
 * case; `queued_at` stamps a new escalations entry. Returns 0 or a negative errno. */
int dlindex_update(struct store *st, MDB_txn *txn, const struct wf_case *before,
		   const struct wf_case *after, const struct policy *p, uint64_t queued_at,
		   struct dlindex_delta *delta);

/* Moves the timer of c's live deadline of kind k to the time the policy p gives, if it is
 * elsewhere: after SIGHUP changed the reminders or the escalation interval (the reactor's
 * replan pass), or when the deadline worker handed over a timer the engine found nothing
 * due for. Returns 1 when it moved, 0 when there is nothing to move, or a negative errno. */
int dlindex_replan(struct store *st, MDB_txn *txn, const struct wf_case *c, enum dl_kind k,
		   const struct policy *p);

#endif
