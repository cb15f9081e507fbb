/* caserecseal: a case record at rest (caserec.h, "at rest"): sealed after packing, opened
 * before loading, so that every reader and writer of the `cases` database passes here. */
#include <errno.h>
#include <string.h>

#include "store/caserec.h"

static size_t record_ad(const char *ref, size_t rlen, uint8_t ad[CASEREC_AD_MAX])
{
	ad[0] = 'C';
	memcpy(ad + 1, ref, rlen);
	return 1 + rlen;
}

/* The plain bytes of a stored value: the value itself, or opened into buf. */
static int open_value(const struct seal *s, const char *ref, size_t rlen, const void *bytes,
		      size_t len, struct seal_buf *buf, const void **ret, size_t *ret_len)
{
	uint8_t ad[CASEREC_AD_MAX];
	int r;

	if (!seal_is_sealed(bytes, len)) {
		*ret = bytes;
		*ret_len = len;
		return 0;
	}
	if (len < SEAL_OVERHEAD || rlen > PROTO_CASE_MAX)
		return -EIO;
	if ((r = seal_buf_reserve(buf, len - SEAL_OVERHEAD)) < 0)
		return r;
	r = seal_open(s, ad, record_ad(ref, rlen, ad), bytes, len, buf->data, ret_len);
	if (r < 0)
		return r == -EBADMSG ? -EIO : r;
	*ret = buf->data;
	return 0;
}

int caserec_open(struct case_rec *r, const struct seal *s, const char *ref, size_t rlen,
		 const void *bytes, size_t len)
{
	struct seal_buf buf = {0};
	const void *plain;
	size_t n;
	int rc;

	memset(r, 0, sizeof(*r));
	if ((rc = open_value(s, ref, rlen, bytes, len, &buf, &plain, &n)) == 0)
		rc = caserec_load(r, plain, n); /* which copies what it keeps */
	seal_buf_free(&buf);
	return rc;
}

int caserec_get(struct store *st, MDB_txn *txn, const char *ref, size_t rlen, struct case_rec *r)
{
	MDB_val v;
	int rc;

	memset(r, 0, sizeof(*r));
	if ((rc = store_get(st, txn, DB_CASES, ref, rlen, &v)) < 0)
		return rc;
	return caserec_open(r, st->seal, ref, rlen, v.mv_data, v.mv_size);
}

int caserec_put(struct store *st, MDB_txn *txn, const char *ref, size_t rlen, const void *rec,
		size_t len)
{
	uint8_t ad[CASEREC_AD_MAX];
	void *v;
	int r;

	if (!st->seal)
		return store_put(st, txn, DB_CASES, ref, rlen, rec, len);
	if (rlen > PROTO_CASE_MAX)
		return -EINVAL;
	if ((r = store_reserve(st, txn, DB_CASES, ref, rlen, seal_len(len), &v)) < 0)
		return r;
	seal_data(st->seal, ad, record_ad(ref, rlen, ad), rec, len, v);
	return 0;
}

int caserec_reseal(struct store *st, MDB_txn *txn, const char *ref, size_t rlen,
		   struct seal_buf *buf)
{
	struct case_rec check;
	const void *plain;
	MDB_val v;
	size_t n;
	int r;

	if ((r = store_get(st, txn, DB_CASES, ref, rlen, &v)) < 0)
		return r;
	if (!seal_stale(st->seal, v.mv_data, v.mv_size))
		return 0;
	if ((r = open_value(st->seal, ref, rlen, v.mv_data, v.mv_size, buf, &plain, &n)) < 0)
		return r == -EIO ? -EBADMSG : r;
	/* what cannot be loaded is not sealed as if it were a record: it stays for the operator */
	if ((r = caserec_load(&check, plain, n)) < 0)
		return -EBADMSG;
	caserec_release(&check);
	if (plain == v.mv_data) { /* plain bytes live in the map: copy them before the put */
		if ((r = seal_buf_reserve(buf, n)) < 0)
			return r;
		memcpy(buf->data, plain, n);
	}
	if ((r = caserec_put(st, txn, ref, rlen, buf->data, n)) < 0)
		return r;
	return 1;
}
