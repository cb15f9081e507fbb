#include "store/journal.h"

#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "security/seal.h"

#define ENTRY_HDR      JOURNAL_ENTRY_HDR /* journal.h */
#define AD_TAG         'J' /* a sealed entry opens only as the journal's entry of its seq */
#define JOURNAL_AD_LEN 9   /* what a sealed entry is sealed for: AD_TAG | seq (8, BE) */

void journal_hash(const uint8_t *bytes, size_t len, uint8_t out[JOURNAL_HASH])
{
	crypto_generichash(out, JOURNAL_HASH, bytes, len, NULL, 0);
}

/* link(n) = BLAKE2b(link(n-1) | seq | received_at | bytes_hash) */
static void chain_link(const uint8_t prev[JOURNAL_HASH], uint64_t seq, uint64_t received_at,
		       const uint8_t bytes_hash[JOURNAL_HASH], uint8_t out[JOURNAL_HASH])
{
	crypto_generichash_state s;
	uint8_t be[8];

	crypto_generichash_init(&s, NULL, 0, JOURNAL_HASH);
	crypto_generichash_update(&s, prev, JOURNAL_HASH);
	store_be64(be, seq);
	crypto_generichash_update(&s, be, 8);
	store_be64(be, received_at);
	crypto_generichash_update(&s, be, 8);
	crypto_generichash_update(&s, bytes_hash, JOURNAL_HASH);
	crypto_generichash_final(&s, out, JOURNAL_HASH);
}

int journal_head_load(struct store *st, MDB_txn *txn, struct journal_head *ret)
{
	MDB_val v;
	int r;

	memset(ret, 0, sizeof(*ret));
	r = store_get(st, txn, DB_META, "chain_head", 10, &v);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (v.mv_size != 8 + JOURNAL_HASH)
		return -EIO;
	ret->seq = store_get_be64(v.mv_data);
	memcpy(ret->link, (uint8_t *)v.mv_data + 8, JOURNAL_HASH);
	return 0;
}

int journal_head_save(struct store *st, MDB_txn *txn, const struct journal_head *head)
{
	uint8_t v[8 + JOURNAL_HASH];

	store_be64(v, head->seq);
	memcpy(v + 8, head->link, JOURNAL_HASH);
	return store_put(st, txn, DB_META, "chain_head", 10, v, sizeof(v));
}

/* The AD a sealed entry is sealed for. */
static void journal_seal_ad(uint64_t seq, uint8_t ret[JOURNAL_AD_LEN])
{
	ret[0] = AD_TAG;
	store_be64(ret + 1, seq);
}

/* Writes an entry whose bytes are plain (len bytes), sealed when the store has a sealer. */
static int entry_put(struct store *st, MDB_txn *txn, uint64_t seq, const uint8_t hdr[ENTRY_HDR],
		     const uint8_t *bytes, size_t len)
{
	uint8_t key[8], ad[JOURNAL_AD_LEN], *v;
	size_t vlen = ENTRY_HDR + (st->seal && len ? seal_len(len) : len);
	int r;

	store_be64(key, seq);
	if ((r = store_reserve(st, txn, DB_JOURNAL, key, sizeof(key), vlen, (void **)&v)) < 0)
		return r;
	memcpy(v, hdr, ENTRY_HDR);
	if (st->seal && len) {
		journal_seal_ad(seq, ad);
		seal_data(st->seal, ad, sizeof(ad), bytes, len, v + ENTRY_HDR);
	} else {
		memcpy(v + ENTRY_HDR, bytes, len);
	}
	return 0;
}

int journal_append(struct store *st, MDB_txn *txn, struct journal_head *head, uint64_t received_at,
		   const uint8_t *bytes, size_t len, const uint8_t bytes_hash[JOURNAL_HASH])
{
	uint8_t hdr[ENTRY_HDR], link[JOURNAL_HASH];
	uint64_t seq = head->seq + 1;
	int r;

	chain_link(head->link, seq, received_at, bytes_hash, link);
	store_be64(hdr, received_at);
	memcpy(hdr + 8, bytes_hash, JOURNAL_HASH);
	memcpy(hdr + 8 + JOURNAL_HASH, link, JOURNAL_HASH);
	if ((r = entry_put(st, txn, seq, hdr, bytes, len)) < 0)
		return r;
	head->seq = seq;
	memcpy(head->link, link, JOURNAL_HASH);
	return 0;
}

static int entry_decode(uint64_t seq, const MDB_val *v, struct journal_entry *ret)
{
	const uint8_t *p = v->mv_data;

	if (v->mv_size < ENTRY_HDR)
		return -EIO;
	ret->seq = seq;
	ret->received_at = store_get_be64(p);
	memcpy(ret->bytes_hash, p + 8, JOURNAL_HASH);
	memcpy(ret->link, p + 8 + JOURNAL_HASH, JOURNAL_HASH);
	ret->len = v->mv_size - ENTRY_HDR;
	ret->bytes = ret->len ? p + ENTRY_HDR : NULL;
	return 0;
}

int journal_open(const struct seal *s, const struct journal_entry *e, struct seal_buf *buf,
		 const uint8_t **ret, size_t *ret_len)
{
	uint8_t ad[JOURNAL_AD_LEN];
	int r;

	if (!e->bytes)
		return -ENOENT;
	if (!seal_is_sealed(e->bytes, e->len)) {
		*ret = e->bytes;
		*ret_len = e->len;
		return 0;
	}
	if (e->len < SEAL_OVERHEAD)
		return -EBADMSG;
	if ((r = seal_buf_reserve(buf, e->len - SEAL_OVERHEAD)) < 0)
		return r;
	journal_seal_ad(e->seq, ad);
	if ((r = seal_open(s, ad, sizeof(ad), e->bytes, e->len, buf->data, ret_len)) < 0)
		return r;
	*ret = buf->data;
	return 0;
}

int journal_reseal(struct store *st, MDB_txn *txn, uint64_t seq, struct seal_buf *buf)
{
	uint8_t hdr[ENTRY_HDR], h[JOURNAL_HASH];
	struct journal_entry e;
	const uint8_t *plain;
	size_t n;
	int r;

	if ((r = journal_read(st, txn, seq, &e)) < 0)
		return r;
	if (!e.bytes || !seal_stale(st->seal, e.bytes, e.len))
		return 0;
	if ((r = journal_open(st->seal, &e, buf, &plain, &n)) < 0)
		return r;
	/* never seal bytes that are not the ones the chain names: leave them for audit.verify */
	journal_hash(plain, n, h);
	if (memcmp(h, e.bytes_hash, JOURNAL_HASH) != 0)
		return -EBADMSG;
	if (plain == e.bytes) { /* plain bytes live in the map: copy them before the put */
		if ((r = seal_buf_reserve(buf, n)) < 0)
			return r;
		memcpy(buf->data, plain, n);
	}
	memcpy(hdr, (const uint8_t *)e.bytes - ENTRY_HDR, ENTRY_HDR);
	if ((r = entry_put(st, txn, seq, hdr, buf->data, n)) < 0)
		return r;
	return 1;
}

int journal_read(struct store *st, MDB_txn *txn, uint64_t seq, struct journal_entry *ret)
{
	uint8_t key[8];
	MDB_val v;
	int r;

	store_be64(key, seq);
	r = store_get(st, txn, DB_JOURNAL, key, sizeof(key), &v);
	if (r < 0)
		return r;
	return entry_decode(seq, &v, ret);
}

/* Whether an entry's bytes are the ones its bytes_hash names. Plain bytes: their hash. A
 * sealed blob: whole (the keyless check, so a copy is checked without the key), and, when the
 * sealer holds its key, opening to bytes of that hash (a blob forged whole, or moved from
 * another entry, fails there). */
static bool content_ok(const struct store *st, const struct journal_entry *e, struct seal_buf *buf,
		       struct journal_checked *ck)
{
	const struct seal *s = st->seal;
	uint8_t h[JOURNAL_HASH];
	size_t n;
	int r;
	const uint8_t *plain;

	if (!seal_is_sealed(e->bytes, e->len)) {
		ck->plain++;
		journal_hash(e->bytes, e->len, h);
		return memcmp(h, e->bytes_hash, JOURNAL_HASH) == 0;
	}
	r = journal_open(s, e, buf, &plain, &n);
	/* a daemon holds every key its store's values may be under (reseal_start_check): a
	 * blob none opens is forged whole (a key id the store never used), not unreadable */
	if (r == -EKEYREJECTED && st->seal_keys_complete)
		return false;
	if (r == -EKEYREJECTED || r == -ENOMEM) {
		ck->keyless++;
		return seal_check(e->bytes, e->len) == 0;
	}
	if (r < 0)
		return false;
	ck->opened++;
	journal_hash(plain, n, h);
	return memcmp(h, e->bytes_hash, JOURNAL_HASH) == 0;
}

int journal_verify(struct store *st, MDB_txn *txn, uint64_t *ret_entries,
		   uint8_t ret_head[JOURNAL_HASH], uint64_t *ret_first_bad)
{
	struct journal_checked ck;

	return journal_verify_counted(st, txn, ret_entries, ret_head, ret_first_bad, &ck);
}

int journal_verify_counted(struct store *st, MDB_txn *txn, uint64_t *ret_entries,
			   uint8_t ret_head[JOURNAL_HASH], uint64_t *ret_first_bad,
			   struct journal_checked *ck)
{
	struct seal_buf buf = {0};
	uint8_t link[JOURNAL_HASH] = {0}, h[JOURNAL_HASH];
	struct journal_entry e;
	struct journal_head head;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	uint64_t expect = 1;
	int r, rc;

	*ret_first_bad = 0;
	*ret_entries = 0;
	memset(ck, 0, sizeof(*ck));
	if ((r = journal_head_load(st, txn, &head)) < 0)
		return r;
	if ((r = store_errno(mdb_cursor_open(txn, st->dbi[DB_JOURNAL], &cur))) < 0)
		return r;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT), expect++) {
		/* a missing, reordered or rewritten entry breaks the chain where it stands */
		if (k.mv_size != 8 || store_get_be64(k.mv_data) != expect ||
		    entry_decode(expect, &v, &e) < 0) {
			*ret_first_bad = expect;
			break;
		}
		if (!e.bytes)
			ck->none++;
		else if (!content_ok(st, &e, &buf, ck)) {
			*ret_first_bad = expect;
			break;
		}
		chain_link(link, expect, e.received_at, e.bytes_hash, h);
		if (memcmp(h, e.link, JOURNAL_HASH) != 0) {
			*ret_first_bad = expect;
			break;
		}
		memcpy(link, h, JOURNAL_HASH);
		(*ret_entries)++;
	}
	mdb_cursor_close(cur);
	seal_buf_free(&buf);
	if (rc != 0 && rc != MDB_NOTFOUND && !*ret_first_bad)
		return store_errno(rc);
	/* entries cut off the end leave the chain whole but short of the recorded head */
	if (!*ret_first_bad &&
	    (head.seq != *ret_entries || memcmp(head.link, link, JOURNAL_HASH) != 0))
		*ret_first_bad = *ret_entries + 1;
	memcpy(ret_head, link, JOURNAL_HASH);
	return 0;
}

int journal_dispose(struct store *st, MDB_txn *txn, uint64_t seq)
{
	uint8_t key[8], hdr[ENTRY_HDR];
	MDB_val v;
	int r;

	store_be64(key, seq);
	if ((r = store_get(st, txn, DB_JOURNAL, key, sizeof(key), &v)) < 0)
		return r;
	if (v.mv_size < ENTRY_HDR)
		return -EIO;
	if (v.mv_size == ENTRY_HDR)
		return 0;
	memcpy(hdr, v.mv_data, ENTRY_HDR); /* the put may move the page under v */
	return store_put(st, txn, DB_JOURNAL, key, sizeof(key), hdr, ENTRY_HDR);
}
