#include "store/reseal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store/caserec.h"
#include "store/journal.h"
#include "base/log.h"

#define META_KEY "seal_key"
#define META_OLD "seal_old"

static const uint8_t plain_id[SEAL_ID_BYTES]; /* seal_old: values may be plain */

static int meta_id(struct store *st, MDB_txn *txn, const char *name, bool *ret_set,
		   uint8_t ret[SEAL_ID_BYTES])
{
	MDB_val v;
	int r = store_get(st, txn, DB_META, name, strlen(name), &v);

	*ret_set = false;
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (v.mv_size != SEAL_ID_BYTES)
		return -EIO;
	memcpy(ret, v.mv_data, SEAL_ID_BYTES);
	*ret_set = true;
	return 0;
}

int reseal_meta_read(struct store *st, MDB_txn *txn, struct reseal_meta *ret)
{
	int r;

	memset(ret, 0, sizeof(*ret));
	if ((r = meta_id(st, txn, META_KEY, &ret->sealed, ret->key)) < 0 ||
	    (r = meta_id(st, txn, META_OLD, &ret->pending, ret->old)) < 0)
		return r;
	ret->pending_plain = ret->pending && memcmp(ret->old, plain_id, SEAL_ID_BYTES) == 0;
	return 0;
}

static int put_id(struct store *st, MDB_txn *txn, const char *name, const uint8_t id[SEAL_ID_BYTES])
{
	return store_put(st, txn, DB_META, name, strlen(name), id, SEAL_ID_BYTES);
}

/* Whether the store holds anything written before sealing was turned on. */
static int store_has_values(struct store *st, MDB_txn *txn, bool *ret)
{
	MDB_stat jm, cm;
	int r;

	if ((r = store_errno(mdb_stat(txn, st->dbi[DB_JOURNAL], &jm))) < 0 ||
	    (r = store_errno(mdb_stat(txn, st->dbi[DB_CASES], &cm))) < 0)
		return r;
	*ret = jm.ms_entries > 0 || cm.ms_entries > 0;
	return 0;
}

/* Whether meta says values may still be under a key the sealer does not hold: neither the
 * current key cur nor prev (NULL: there is no previous key). */
static bool old_key_missing(const struct reseal_meta *m, const uint8_t cur[SEAL_ID_BYTES],
			    const uint8_t *prev)
{
	return m->pending && !m->pending_plain && memcmp(m->old, cur, SEAL_ID_BYTES) != 0 &&
	       (!prev || memcmp(m->old, prev, SEAL_ID_BYTES) != 0);
}

/* The decision, on what meta says (m) and the keys configured (s): 0 with the meta to write,
 * or -1 with err set. */
static int decide(const struct seal *s, struct reseal_meta *m, bool has_values,
		  char err[RESEAL_ERR_MAX])
{
	uint8_t cur[SEAL_ID_BYTES], prev[SEAL_ID_BYTES];
	char a[2 * SEAL_ID_BYTES + 1], b[2 * SEAL_ID_BYTES + 1], c[2 * SEAL_ID_BYTES + 1];
	bool has_prev;

	if (!s) {
		if (!m->sealed)
			return 0;
		seal_id_hex(m->key, a);
		snprintf(err, RESEAL_ERR_MAX,
			 "the store holds values sealed under key id %s and [security] seal_key is "
			 "not set: set it to that key",
			 a);
		return -1;
	}
	seal_current_id(s, cur);
	has_prev = seal_previous_id(s, prev);
	seal_id_hex(cur, a);
	if (!m->sealed) {
		/* sealing turned on: what was written before stays plain until a reseal */
		memcpy(m->key, cur, SEAL_ID_BYTES);
		m->sealed = true;
		if (has_values && !m->pending) {
			memset(m->old, 0, SEAL_ID_BYTES);
			m->pending = m->pending_plain = true;
		}
		return 0;
	}
	if (memcmp(m->key, cur, SEAL_ID_BYTES) != 0) {
		seal_id_hex(m->key, b);
		if (!has_prev || memcmp(m->key, prev, SEAL_ID_BYTES) != 0) {
			snprintf(err, RESEAL_ERR_MAX,
				 "the store's values are sealed under key id %s, but [security] "
				 "seal_key is key id %s%s: set seal_key to the store's key, or, to "
				 "rotate, seal_key_previous to it",
				 b, a, has_prev ? " and seal_key_previous is another" : "");
			return -1;
		}
		/* a rotation: values may now be under the previous key (or plain: any pass
		 * seals those too, and plain ones are always readable) */
		if (old_key_missing(m, cur, prev)) {
			seal_id_hex(m->old, c);
			snprintf(
			    err, RESEAL_ERR_MAX,
			    "values may still be sealed under key id %s (an earlier reseal did "
			    "not finish): rotate again only after `integrityctl reseal` under "
			    "that key and its successor, key id %s",
			    c, b);
			return -1;
		}
		memcpy(m->key, cur, SEAL_ID_BYTES);
		memcpy(m->old, prev, SEAL_ID_BYTES);
		m->pending = true;
		m->pending_plain = false;
		return 0;
	}
	if (old_key_missing(m, cur, has_prev ? prev : NULL)) {
		seal_id_hex(m->old, c);
		snprintf(err, RESEAL_ERR_MAX,
			 "values may still be sealed under key id %s (a reseal has not finished): "
			 "set [security] seal_key_previous to that key and run `integrityctl "
			 "reseal`",
			 c);
		return -1;
	}
	return 0;
}

int reseal_start_check(struct store *st, struct reseal_meta *ret, char err[RESEAL_ERR_MAX])
{
	struct reseal_meta m, was;
	MDB_txn *txn = NULL;
	bool has_values;
	int r;

	if ((r = store_begin(st, false, &txn)) < 0 || (r = reseal_meta_read(st, txn, &m)) < 0 ||
	    (r = store_has_values(st, txn, &has_values)) < 0)
		goto store_failed;
	was = m;
	if (decide(st->seal, &m, has_values, err) < 0) {
		store_abort(&txn);
		return -1;
	}
	if (memcmp(&m, &was, sizeof(m)) == 0)
		store_abort(&txn);
	else if ((r = put_id(st, txn, META_KEY, m.key)) < 0 ||
		 (m.pending && (r = put_id(st, txn, META_OLD, m.old)) < 0) ||
		 (r = store_commit(&txn)) < 0)
		goto store_failed;
	st->seal_keys_complete = true;
	if (ret)
		*ret = m;
	return 0;
store_failed:
	store_abort(&txn);
	snprintf(err, RESEAL_ERR_MAX, "store: reading or recording the seal key: %s", strerror(-r));
	return -1;
}

/* The first key after from in db, into ret; -ENOENT at the end. */
static int next_key(struct store *st, MDB_txn *txn, const struct reseal_cursor *from,
		    struct reseal_cursor *ret)
{
	MDB_cursor *cur = NULL;
	MDB_val k = {from->after_len, (void *)from->after}, v;
	int rc;

	if ((rc = store_errno(mdb_cursor_open(txn, st->dbi[from->db], &cur))) < 0)
		return rc;
	rc = from->after_len ? mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE)
			     : mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	if (rc == 0 && from->after_len && k.mv_size == from->after_len &&
	    memcmp(k.mv_data, from->after, k.mv_size) == 0)
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	/* a key too long for the cursor is not a case reference: skip it */
	while (rc == 0 && k.mv_size > sizeof(ret->after))
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	if (rc == 0) {
		ret->db = from->db;
		memcpy(ret->after, k.mv_data, k.mv_size);
		ret->after_len = k.mv_size;
	}
	mdb_cursor_close(cur);
	return store_errno(rc);
}

static int reseal_one(struct store *st, MDB_txn *txn, const struct reseal_cursor *at,
		      struct seal_buf *buf, struct reseal_step *ret)
{
	int r;

	if (at->db == DB_CASES) {
		r = caserec_reseal(st, txn, (const char *)at->after, at->after_len, buf);
		if (r > 0)
			ret->cases++;
		if (r == -EBADMSG || r == -EKEYREJECTED)
			log_error("reseal: case %.*s %s; left as it is", (int)at->after_len,
				  (const char *)at->after,
				  r == -EBADMSG ? "cannot be read"
						: "is under a key this daemon lacks");
	} else {
		uint64_t seq = store_get_be64(at->after);

		r = journal_reseal(st, txn, seq, buf);
		if (r > 0)
			ret->entries++;
		/* a hole in the chain (damage): counted, so the pass does not claim every
		 * value is under the current key (review) */
		if (r == -ENOENT)
			log_error("reseal: journal entry %llu is missing", (unsigned long long)seq);
		else if (r == -EBADMSG || r == -EKEYREJECTED)
			log_error("reseal: journal entry %llu %s; left as it is (audit.verify "
				  "names it)",
				  (unsigned long long)seq,
				  r == -EBADMSG ? "is damaged"
						: "is under a key this daemon lacks");
	}
	if (r == -ENOENT || r == -EBADMSG || r == -EKEYREJECTED) {
		ret->failed++;
		return 0;
	}
	return r < 0 ? r : 0;
}

int reseal_some(struct store *st, MDB_txn *txn, const struct reseal_cursor *from, size_t max,
		uint64_t failed_before, struct seal_buf *buf, struct reseal_step *ret)
{
	struct reseal_cursor at = *from;
	struct journal_head head; /* as committed before this batch: later entries are new */
	size_t n = 0;
	int r = 0;

	memset(ret, 0, sizeof(*ret));
	if ((r = journal_head_load(st, txn, &head)) < 0)
		return r;
	ret->next = at;
	while (n < max) {
		if (at.db == DB_CASES) {
			r = next_key(st, txn, &at, &at);
			if (r == -ENOENT) { /* the records are done: the journal's turn */
				at = (struct reseal_cursor){.db = DB_JOURNAL};
				ret->next = at;
				continue;
			}
		} else {
			/* the journal's keys are its seqs, 1 to the head, in order; entries
			 * after it were written under the current key */
			uint64_t seq = at.after_len ? store_get_be64(at.after) + 1 : 1;

			if (seq > head.seq) {
				ret->done = true;
				break;
			}
			store_be64(at.after, seq);
			at.after_len = 8;
			r = 0;
		}
		if (r < 0 || (r = reseal_one(st, txn, &at, buf, ret)) < 0)
			return r;
		ret->next = at;
		n++;
	}
	if (!ret->done || ret->failed + failed_before)
		return 0;
	r = store_del(st, txn, DB_META, META_OLD, strlen(META_OLD));
	return r == -ENOENT ? 0 : r;
}
