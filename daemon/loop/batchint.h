/* batchint: what batch.c and batchwork.c share and nothing outside them uses (the interface
 * is batch.h). batch.c runs the one transaction; batchwork.c, the workers' due entries and the
 * replan pass, stands on its one-case steps. Functions are batchx_*, so nm tells them apart. */
#ifndef BATCHINT_H
#define BATCHINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lmdb.h>
#include <msgpack.h>

#include "loop/batch.h"
#include "proto.h"
#include "security/seal.h"
#include "store/caserec.h"
#include "store/journal.h"
#include "store/store.h"
#include "case/wfcase.h"

#define SUBJECT_KEY_MAX (PROTO_ID_MAX + 1 + PROTO_CASE_MAX)
#define AA_COUNTER_MAX  (sizeof("aa_open:") + WF_AA_ID_MAX)

/* The meta counters a batch reads once and writes back once (see batch.h). */
enum batch_counter { C_CASES_TOTAL, C_CASES_OPEN, C_NOTIFY_SEQ, C_DL_OPEN, C_DL_OVERDUE, C_COUNT };

struct batch_ctx {
	struct store *st;
	MDB_txn *txn;
	uint64_t now_ms;
	uint64_t wall_ms; /* the batch's time, never an anonymous event's day */
	const struct policy *policy;
	struct journal_head head;
	uint64_t ctrs[C_COUNT];
	struct batch_result res;
	int year; /* of receipt: one now_ms, so one year, for the whole batch */
	struct {
		uint64_t n;  /* the last reference number given this year */
		bool loaded; /* read from meta in this transaction */
	} ctr[KIND_COUNT];
	msgpack_sbuffer buf, notes;
	msgpack_sbuffer redacted; /* an anonymous referral's journal bytes (kept_bytes) */
	struct seal_buf plain;    /* the reseal pass's opened values; wiped at the end */
};

/* batch.c: one case, one step */

/* Loads the case ref into r: 0, or -ENOENT, -EBADMSG (damaged, logged), -EKEYREJECTED (a key
 * this daemon does not hold, logged), or another negative errno. */
int batchx_load_case(struct batch_ctx *b, const char *ref, size_t rlen, struct case_rec *r);
/* The by_subject key of c, into key; returns its length. */
int batchx_subject_key(const struct wf_case *c, uint8_t key[SUBJECT_KEY_MAX]);
/* The meta counter of the referrals open with the AA named aa: "aa_open:AA". */
void batchx_aa_counter_name(const char *aa, char ret[AA_COUNTER_MAX]);
int batchx_aa_counter_add(struct batch_ctx *b, const char *aa, int64_t d);
/* Writes what a step changed; before is NULL for a new case. */
int batchx_write_step(struct batch_ctx *b, const struct wf_case *before, struct case_rec *r,
		      const struct wf_effects *fx);

/* batchwork.c: the workers' due entries (w is in->work[i]) and the replan pass */
int batchx_apply_work(struct batch_ctx *b, const struct work_item *w, size_t i);
int batchx_replan_some(struct batch_ctx *b, const struct batch_input *in);

#endif
