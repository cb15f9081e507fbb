#include "loop/batchint.h"
#include "store/token.h"

#include <errno.h>
#include <string.h>

#include "base/log.h"
#include "engine/wf.h"
#include "store/dlindex.h"
#include "store/outbox.h"

/* ---- the workers' due entries ------------------------------------------------------- */

/* The AA with the fewest open referrals, ties to the first in the roster; "" when the
 * roster is empty (the role alone). */
static int pick_aa(struct batch_ctx *b, const char **ret)
{
	uint64_t best = UINT64_MAX, n;
	char name[AA_COUNTER_MAX];
	int r;

	*ret = "";
	for (size_t i = 0; i < b->policy->n_aa; i++) {
		batchx_aa_counter_name(b->policy->aa[i], name);
		if ((r = store_meta_get_u64(b->st, b->txn, name, &n)) < 0)
			return r;
		if (n < best) {
			best = n;
			*ret = b->policy->aa[i];
		}
	}
	return 0;
}

static int redact_note(uint64_t seq, void *arg)
{
	struct batch_ctx *b = arg;
	int rc = outbox_redact(b->st, b->txn, seq, &b->notes);

	return rc == -ENOENT ? 0 : rc;
}

/* Retention: the journal entries of the case lose their bytes, its notifications their
 * recipients' ids, the subject index its key, its token the look-up (the channel closed
 * long before: REGISTERS.md). */
static int dispose_data(struct batch_ctx *b, const struct case_rec *r, const struct wf_case *before)
{
	uint8_t key[SUBJECT_KEY_MAX];
	int rc;

	if (before->token.len &&
	    (rc = token_del(b->st, b->txn, before->token.ptr, before->token.len)) < 0)
		return rc;
	if (r->history)
		for (uint32_t i = 0; i < r->history->via.array.size; i++) {
			const msgpack_object *seq =
			    proto_map_get(&r->history->via.array.ptr[i], "seq");

			if (!seq || seq->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
				continue;
			if ((rc = journal_dispose(b->st, b->txn, seq->via.u64)) < 0 &&
			    rc != -ENOENT)
				return rc;
		}
	/* the case's notifications keep their references and roles, not the staff ids */
	if ((rc = caserec_notes_each(r, redact_note, b)) < 0)
		return rc;
	if (before->subject_id.len == 0)
		return 0;
	rc = store_del(b->st, b->txn, DB_BY_SUBJECT, key, (size_t)batchx_subject_key(before, key));
	return rc == -ENOENT ? 0 : rc;
}

int batchx_apply_work(struct batch_ctx *b, const struct work_item *w, size_t i)
{
	struct case_rec r = {0};
	struct wf_effects fx = {0};
	struct wf_case before;
	uint8_t key[DLX_KEY_MAX];
	const char *aa;
	bool loaded;
	int changed = 0, rc;

	rc = batchx_load_case(b, w->ref, strlen(w->ref), &r);
	loaded = rc == 0;
	if (rc == -EKEYREJECTED) { /* logged; the entry stays in its index, held by the worker */
		if (b->res.n_held < BATCH_HELD_MAX)
			b->res.held[b->res.n_held++] = (uint32_t)i;
		return 0;
	}
	if (rc == -ENOENT || rc == -EBADMSG) {
		log_warn("batch: %s entry for case %s, which %s; dropped",
			 w->db == DB_TIMERS ? "timer" : "worker", w->ref,
			 rc == -ENOENT ? "does not exist" : "cannot be read");
		goto drop;
	}
	if (rc < 0)
		return rc;
	before = r.c;
	switch (w->db) {
	case DB_TIMERS:
		changed = wf_fire(&r.c, (enum dl_kind)w->kind, b->now_ms, b->policy, &fx);
		break;
	case DB_ESCALATIONS:
		if ((rc = pick_aa(b, &aa)) < 0)
			goto out;
		changed = wf_assign(&r.c, aa, b->now_ms, &fx);
		if (changed && aa[0] && (rc = batchx_aa_counter_add(b, aa, 1)) < 0)
			goto out;
		break;
	case DB_DISPOSALS:
		changed = wf_dispose(&r.c, b->now_ms, b->policy, &fx);
		if (changed && (rc = dispose_data(b, &r, &before)) < 0)
			goto out;
		break;
	default:
		break;
	}
	if (changed) {
		b->res.fired++;
		if ((rc = batchx_write_step(b, &before, &r, &fx)) < 0)
			goto out;
	} else if (w->db == DB_TIMERS) {
		rc = dlindex_replan(b->st, b->txn, &r.c, (enum dl_kind)w->kind, b->policy);
		if (rc < 0)
			goto out;
		b->res.timers_added |= rc > 0;
	}
	caserec_release(&r);
drop:
	/* An escalation is handed over once, whatever came of it. A due timer or disposal entry
	 * that is still there at the same time made no progress: drop it rather than have the
	 * worker hand it over for ever (the engine keeps wf_dl_next and wf_fire in step, so this is
	 * a guard, logged). */
	if (w->db != DB_ESCALATIONS && w->t > b->now_ms)
		return 0; /* handed over early (the clock stepped back): it stays for its time */
	rc = store_del(b->st, b->txn, w->db, key, dlindex_key(key, w->t, w->ref, w->kind));
	if (rc == 0 && loaded && w->db != DB_ESCALATIONS)
		log_warn("batch: %s entry %s/%u at %llu made no progress; dropped",
			 w->db == DB_TIMERS ? "timer" : "disposal", w->ref, w->kind,
			 (unsigned long long)w->t);
	return rc == -ENOENT ? 0 : rc;
out:
	caserec_release(&r);
	return rc;
}

/* ---- the replan pass ---------------------------------------------------------------- */

/* Up to in->replan_max case_deadlines entries after in->replan_after: each live deadline's
 * timer goes where the current policy puts it (dlindex_replan). A case with several kinds
 * is loaded once per kind: the pass is rare and bounded per batch. */
int batchx_replan_some(struct batch_ctx *b, const struct batch_input *in)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	size_t n = 0;
	int rc, mrc;

	if ((rc = store_errno(mdb_cursor_open(b->txn, b->st->dbi[DB_CASE_DEADLINES], &cur))) < 0)
		return rc;
	k = (MDB_val){in->replan_after_len, (void *)in->replan_after};
	mrc = in->replan_after_len ? mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE)
				   : mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	/* SET_RANGE lands on the key itself when it is still there: step past it */
	if (mrc == 0 && in->replan_after_len && k.mv_size == in->replan_after_len &&
	    memcmp(k.mv_data, in->replan_after, k.mv_size) == 0)
		mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	for (; mrc == 0 && n < in->replan_max; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT), n++) {
		struct case_rec r = {0};
		enum dl_kind kind;
		size_t rlen;

		if (k.mv_size < 2 || k.mv_size > sizeof(b->res.replan_next))
			continue;
		rlen = k.mv_size - 1;
		kind = ((const uint8_t *)k.mv_data)[rlen];
		memcpy(b->res.replan_next, k.mv_data, k.mv_size);
		b->res.replan_next_len = k.mv_size;
		rc = batchx_load_case(b, (const char *)b->res.replan_next, rlen, &r);
		if (rc == -ENOENT || rc == -EBADMSG || rc == -EKEYREJECTED)
			continue;
		if (rc < 0)
			goto out;
		/* the puts below may move the cursor's page: it is repositioned after */
		rc = dlindex_replan(b->st, b->txn, &r.c, kind, b->policy);
		caserec_release(&r);
		if (rc < 0)
			goto out;
		if (rc > 0) {
			b->res.replanned++;
			b->res.timers_added = true;
		}
		k = (MDB_val){b->res.replan_next_len, b->res.replan_next};
		if ((mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY)) != 0)
			break;
	}
	b->res.replan_done = mrc == MDB_NOTFOUND;
	rc = mrc == 0 || mrc == MDB_NOTFOUND ? 0 : store_errno(mrc);
	/* the pass ended: every timer now stands where this policy puts it */
	if (rc == 0 && b->res.replan_done)
		rc = store_meta_put_u64(b->st, b->txn, "timer_policy", in->replan_fp);
out:
	mdb_cursor_close(cur);
	return rc;
}
