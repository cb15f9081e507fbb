#include "store/dlindex.h"

#include <errno.h>
#include <string.h>

size_t dlindex_key(uint8_t out[DLX_KEY_MAX], uint64_t t, const char *ref, unsigned kind)
{
	size_t rlen = strlen(ref);

	store_be64(out, t);
	memcpy(out + 8, ref, rlen);
	out[8 + rlen] = (uint8_t)kind;
	return 8 + rlen + 1;
}

int dlindex_key_parse(const void *key, size_t len, uint64_t *t, char ref[PROTO_CASE_MAX + 1],
		      unsigned *kind)
{
	const uint8_t *k = key;

	if (len < 8 + 1 + 1 || len - 8 - 1 > PROTO_CASE_MAX)
		return -1;
	*t = store_get_be64(k);
	memcpy(ref, k + 8, len - 9);
	ref[len - 9] = '\0';
	*kind = k[len - 1];
	if (*kind != DLX_NO_KIND && *kind >= DL_KINDS)
		return -1;
	return 0;
}

void dlindex_due_value(uint8_t out[DLX_DUE_VAL], enum dl_status s, uint32_t level)
{
	out[0] = (uint8_t)s;
	out[1] = (uint8_t)(level >> 24);
	out[2] = (uint8_t)(level >> 16);
	out[3] = (uint8_t)(level >> 8);
	out[4] = (uint8_t)level;
}

int dlindex_due_value_parse(const void *val, size_t len, enum dl_status *s, uint32_t *level)
{
	const uint8_t *v = val;

	if (len < DLX_DUE_VAL || v[0] >= DLS_COUNT)
		return -1;
	*s = (enum dl_status)v[0];
	*level = (uint32_t)v[1] << 24 | (uint32_t)v[2] << 16 | (uint32_t)v[3] << 8 | v[4];
	return 0;
}

/* The live deadline of each kind, or NULL. */
static void live_by_kind(const struct wf_case *c, const struct wf_deadline *out[DL_KINDS])
{
	for (int k = 0; k < DL_KINDS; k++)
		out[k] = NULL;
	if (!c)
		return;
	for (uint32_t i = 0; i < c->n_dl; i++)
		if (wf_dl_live(&c->dl[i]) && (unsigned)c->dl[i].kind < DL_KINDS)
			out[c->dl[i].kind] = &c->dl[i];
}

static int del_key(struct store *st, MDB_txn *txn, enum store_db db, uint64_t t, const char *ref,
		   unsigned kind)
{
	uint8_t key[DLX_KEY_MAX];
	size_t klen = dlindex_key(key, t, ref, kind);
	int r = store_del(st, txn, db, key, klen);

	return r == -ENOENT ? 0 : r;
}

static int put_key(struct store *st, MDB_txn *txn, enum store_db db, uint64_t t, const char *ref,
		   unsigned kind, const void *val, size_t vlen)
{
	uint8_t key[DLX_KEY_MAX];
	size_t klen = dlindex_key(key, t, ref, kind);

	return store_put(st, txn, db, key, klen, val, vlen);
}

static size_t case_key(uint8_t out[PROTO_CASE_MAX + 1], const char *ref, enum dl_kind k)
{
	size_t rlen = strlen(ref);

	memcpy(out, ref, rlen);
	out[rlen] = (uint8_t)k;
	return rlen + 1;
}

/* deadlines: due order, with what deadlines.list shows without loading the case */
static int due_index(struct store *st, MDB_txn *txn, const char *ref, enum dl_kind k,
		     const struct wf_deadline *b, const struct wf_deadline *a)
{
	uint8_t val[DLX_DUE_VAL];
	int r;

	if (b && (!a || a->due_at != b->due_at) &&
	    (r = del_key(st, txn, DB_DEADLINES, b->due_at, ref, k)) < 0)
		return r;
	if (!a || (b && a->due_at == b->due_at && a->status == b->status && a->level == b->level))
		return 0;
	dlindex_due_value(val, a->status, a->level);
	return put_key(st, txn, DB_DEADLINES, a->due_at, ref, k, val, sizeof(val));
}

/* case_deadlines: case|kind -> due_at | the timer's time, so that the timer can be found
 * again whatever the policy has become since (dlindex_replan). */
static int case_index(struct store *st, MDB_txn *txn, const char *ref, enum dl_kind k,
		      const struct wf_deadline *a, uint64_t fire)
{
	uint8_t key[PROTO_CASE_MAX + 1], val[DLX_CASE_VAL];
	size_t klen = case_key(key, ref, k);
	int r;

	if (!a) {
		r = store_del(st, txn, DB_CASE_DEADLINES, key, klen);
		return r == -ENOENT ? 0 : r;
	}
	store_be64(val, a->due_at);
	store_be64(val + 8, fire);
	return store_put(st, txn, DB_CASE_DEADLINES, key, klen, val, sizeof(val));
}

/* An index holding one time per live deadline: timers (its next firing) or disposals. */
static int time_index(struct store *st, MDB_txn *txn, enum store_db db, const char *ref,
		      enum dl_kind k, uint64_t tb, uint64_t ta, bool *added)
{
	int r;

	if (tb == ta)
		return 0;
	if (tb != UINT64_MAX && (r = del_key(st, txn, db, tb, ref, k)) < 0)
		return r;
	if (ta == UINT64_MAX)
		return 0;
	*added = true;
	return put_key(st, txn, db, ta, ref, k, "", 0);
}

/* The timer time case_deadlines holds for ref's deadline of kind k: 0 with *ret set;
 * -ENOENT when it holds no entry; -EBADMSG when the entry holds no time (it is not
 * DLX_CASE_VAL bytes: a store written before it held one); else the store's error. */
static int read_case_timer(struct store *st, MDB_txn *txn, const char *ref, enum dl_kind k,
			   uint64_t *ret)
{
	uint8_t key[PROTO_CASE_MAX + 1];
	MDB_val v;
	int r = store_get(st, txn, DB_CASE_DEADLINES, key, case_key(key, ref, k), &v);

	if (r < 0)
		return r;
	if (v.mv_size != DLX_CASE_VAL)
		return -EBADMSG;
	*ret = store_get_be64((const uint8_t *)v.mv_data + 8);
	return 0;
}

/* The timer time case_deadlines holds for a live deadline; for a store written before it
 * held one, the time the policy gives. */
static int stored_fire(struct store *st, MDB_txn *txn, const char *ref, enum dl_kind k,
		       const struct wf_deadline *d, const struct policy *p, uint64_t *ret)
{
	int r = read_case_timer(st, txn, ref, k, ret);

	if (r != -ENOENT && r != -EBADMSG)
		return r;
	*ret = wf_dl_next(d, p);
	return 0;
}

static bool overdue(const struct wf_deadline *d)
{
	return d && d->status == DLS_BREACHED;
}

int dlindex_update(struct store *st, MDB_txn *txn, const struct wf_case *before,
		   const struct wf_case *after, const struct policy *p, uint64_t queued_at,
		   struct dlindex_delta *delta)
{
	const struct wf_deadline *lb[DL_KINDS], *la[DL_KINDS];
	const char *ref = after->ref;
	int r;

	live_by_kind(before, lb);
	live_by_kind(after, la);
	for (int k = 0; k < DL_KINDS; k++) {
		const struct wf_deadline *b = lb[k], *a = la[k];
		uint64_t tb = UINT64_MAX, ta = a ? wf_dl_next(a, p) : UINT64_MAX;

		if (!a && !b)
			continue;
		/* where its timer is now: set under whatever policy was in force then (SIGHUP) */
		if (b && k != DL_RETENTION && (r = stored_fire(st, txn, ref, k, b, p, &tb)) < 0)
			return r;
		if (k == DL_RETENTION) {
			r = time_index(st, txn, DB_DISPOSALS, ref, k, b ? b->due_at : UINT64_MAX,
				       a ? a->due_at : UINT64_MAX, &delta->disposals_added);
			if (r < 0)
				return r;
			continue;
		}
		if ((r = due_index(st, txn, ref, k, b, a)) < 0 ||
		    (r = time_index(st, txn, DB_TIMERS, ref, k, tb, ta, &delta->timers_added)) < 0)
			return r;
		if ((!a || !b || a->due_at != b->due_at || ta != tb) &&
		    (r = case_index(st, txn, ref, k, a, ta)) < 0)
			return r;
		delta->open += (a != NULL) - (b != NULL);
		delta->overdue += overdue(a) - overdue(b);
	}
	if ((after->flags & WFC_ESCALATE) && !(before && (before->flags & WFC_ESCALATE))) {
		if ((r = put_key(st, txn, DB_ESCALATIONS, queued_at, ref, DLX_NO_KIND, "", 0)) < 0)
			return r;
		delta->escalations_added = true;
	}
	return 0;
}

int dlindex_replan(struct store *st, MDB_txn *txn, const struct wf_case *c, enum dl_kind k,
		   const struct policy *p)
{
	const struct wf_deadline *live[DL_KINDS];
	uint64_t old, next;
	bool added = false;
	int r;

	live_by_kind(c, live);
	if ((unsigned)k >= DL_KINDS || k == DL_RETENTION || !live[k])
		return 0;
	if ((r = read_case_timer(st, txn, c->ref, k, &old)) < 0)
		return r == -ENOENT ? 0 : r == -EBADMSG ? -EIO : r;
	next = wf_dl_next(live[k], p);
	if (next == old)
		return 0;
	if ((r = time_index(st, txn, DB_TIMERS, c->ref, k, old, next, &added)) < 0 ||
	    (r = case_index(st, txn, c->ref, k, live[k], next)) < 0)
		return r;
	return 1;
}
