#include "store/checkpoint.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "security/keyfile.h"

#define MAGIC    "integrityd-checkpoint v1"
#define META_ID  "store_id"
#define META_N   "checkpoints"
#define KEY_TAG  "ckpt"
#define KEY_LEN  (sizeof(KEY_TAG) - 1 + 8)
#define REC_LEN  (CHECKPOINT_ID + 8 + JOURNAL_HASH + 8 + CHECKPOINT_SIG)

size_t checkpoint_message(const struct checkpoint *c, char out[CHECKPOINT_LINE])
{
	char id[2 * CHECKPOINT_ID + 1], head[2 * JOURNAL_HASH + 1];
	int n;

	sodium_bin2hex(id, sizeof(id), c->store_id, CHECKPOINT_ID);
	sodium_bin2hex(head, sizeof(head), c->head, JOURNAL_HASH);
	n = snprintf(out, CHECKPOINT_LINE, MAGIC " %s %" PRIu64 " %s %" PRIu64, id, c->seq, head,
		     c->at);
	return (size_t)n;
}

void checkpoint_format(const struct checkpoint *c, char out[CHECKPOINT_LINE])
{
	size_t n = checkpoint_message(c, out);

	out[n++] = ' ';
	sodium_bin2hex(out + n, CHECKPOINT_LINE - n, c->sig, CHECKPOINT_SIG);
}

/* A decimal u64 without sign, leading zeros or spaces: the form checkpoint_message writes, so
 * that a line parses back to the bytes that were signed. */
static int parse_u64(const char *s, size_t len, uint64_t *ret)
{
	uint64_t v = 0;

	if (len == 0 || len > 20 || (len > 1 && s[0] == '0'))
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*ret = v;
	return 0;
}

static int parse_hex(const char *s, size_t len, uint8_t *out, size_t n)
{
	size_t got;

	if (len != 2 * n)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) /* lower case only: one spelling per line */
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return -EINVAL;
	if (sodium_hex2bin(out, n, s, len, NULL, &got, NULL) < 0 || got != n)
		return -EINVAL;
	return 0;
}

int checkpoint_parse(const char *line, struct checkpoint *ret)
{
	const char *f[5], *p;
	size_t len = strlen(line), fl[5];
	struct checkpoint c;

	if (len && line[len - 1] == '\n')
		len--;
	if (len < sizeof(MAGIC) || memcmp(line, MAGIC " ", sizeof(MAGIC)) != 0)
		return -EINVAL;
	p = line + sizeof(MAGIC);
	for (int i = 0; i < 5; i++) {
		const char *end = line + len, *sp = memchr(p, ' ', (size_t)(end - p));

		if ((i < 4) != (sp != NULL))
			return -EINVAL;
		f[i] = p;
		fl[i] = (size_t)((sp ? sp : end) - p);
		p = sp ? sp + 1 : end;
	}
	if (parse_hex(f[0], fl[0], c.store_id, CHECKPOINT_ID) < 0 ||
	    parse_u64(f[1], fl[1], &c.seq) < 0 || parse_hex(f[2], fl[2], c.head, JOURNAL_HASH) < 0 ||
	    parse_u64(f[3], fl[3], &c.at) < 0 || parse_hex(f[4], fl[4], c.sig, CHECKPOINT_SIG) < 0)
		return -EINVAL;
	*ret = c;
	return 0;
}

void checkpoint_sign(struct checkpoint *c, const uint8_t sk[CHECKPOINT_SK])
{
	char msg[CHECKPOINT_LINE];
	size_t n = checkpoint_message(c, msg);

	crypto_sign_detached(c->sig, NULL, (const uint8_t *)msg, n, sk);
}

bool checkpoint_sig_ok(const struct checkpoint *c, const uint8_t pk[CHECKPOINT_PK])
{
	char msg[CHECKPOINT_LINE];
	size_t n = checkpoint_message(c, msg);

	return crypto_sign_verify_detached(c->sig, (const uint8_t *)msg, n, pk) == 0;
}

int checkpoint_store_id(struct store *st, MDB_txn *txn, bool create, uint8_t ret[CHECKPOINT_ID])
{
	MDB_val v;
	int r;

	r = store_get(st, txn, DB_META, META_ID, sizeof(META_ID) - 1, &v);
	if (r == 0) {
		if (v.mv_size != CHECKPOINT_ID)
			return -EIO;
		memcpy(ret, v.mv_data, CHECKPOINT_ID);
		return 0;
	}
	if (r != -ENOENT || !create)
		return r;
	randombytes_buf(ret, CHECKPOINT_ID);
	return store_put(st, txn, DB_META, META_ID, sizeof(META_ID) - 1, ret, CHECKPOINT_ID);
}

static void rec_key(uint64_t n, uint8_t out[KEY_LEN])
{
	memcpy(out, KEY_TAG, sizeof(KEY_TAG) - 1);
	store_be64(out + sizeof(KEY_TAG) - 1, n);
}

int checkpoint_take(struct store *st, MDB_txn *txn, const struct journal_head *head,
		    uint64_t now_ms, const uint8_t sk[CHECKPOINT_SK], struct checkpoint *ret,
		    uint64_t *ret_n)
{
	uint8_t key[KEY_LEN], rec[REC_LEN], *p = rec;
	struct checkpoint c = {.seq = head->seq, .at = now_ms};
	uint64_t n;
	int r;

	if ((r = checkpoint_store_id(st, txn, true, c.store_id)) < 0 ||
	    (r = store_meta_get_u64(st, txn, META_N, &n)) < 0)
		return r;
	memcpy(c.head, head->link, JOURNAL_HASH);
	checkpoint_sign(&c, sk);
	memcpy(p, c.store_id, CHECKPOINT_ID), p += CHECKPOINT_ID;
	store_be64(p, c.seq), p += 8;
	memcpy(p, c.head, JOURNAL_HASH), p += JOURNAL_HASH;
	store_be64(p, c.at), p += 8;
	memcpy(p, c.sig, CHECKPOINT_SIG);
	rec_key(++n, key);
	if ((r = store_put(st, txn, DB_META, key, sizeof(key), rec, sizeof(rec))) < 0 ||
	    (r = store_meta_put_u64(st, txn, META_N, n)) < 0)
		return r;
	*ret = c;
	*ret_n = n;
	return 0;
}

int checkpoint_count(struct store *st, MDB_txn *txn, uint64_t *ret)
{
	return store_meta_get_u64(st, txn, META_N, ret);
}

int checkpoint_get(struct store *st, MDB_txn *txn, uint64_t n, struct checkpoint *ret)
{
	uint8_t key[KEY_LEN];
	const uint8_t *p;
	MDB_val v;
	int r;

	rec_key(n, key);
	if ((r = store_get(st, txn, DB_META, key, sizeof(key), &v)) < 0)
		return r;
	if (v.mv_size != REC_LEN)
		return -EIO;
	p = v.mv_data;
	memcpy(ret->store_id, p, CHECKPOINT_ID), p += CHECKPOINT_ID;
	ret->seq = store_get_be64(p), p += 8;
	memcpy(ret->head, p, JOURNAL_HASH), p += JOURNAL_HASH;
	ret->at = store_get_be64(p), p += 8;
	memcpy(ret->sig, p, CHECKPOINT_SIG);
	return 0;
}

int checkpoint_check(struct store *st, MDB_txn *txn, const struct checkpoint *c,
		     const uint8_t pk[CHECKPOINT_PK], char err[CHECKPOINT_ERR_MAX])
{
	uint8_t id[CHECKPOINT_ID], link[JOURNAL_HASH] = {0};
	char hex[2 * CHECKPOINT_ID + 1];
	struct journal_head head;
	struct journal_entry e;
	int r;

	if (!checkpoint_sig_ok(c, pk)) {
		snprintf(err, CHECKPOINT_ERR_MAX,
			 "signature does not verify with this public key (not its signer's, or the "
			 "line was altered)");
		return -EKEYREJECTED;
	}
	r = checkpoint_store_id(st, txn, false, id);
	if (r < 0 && r != -ENOENT)
		return r;
	if (r == -ENOENT || sodium_memcmp(id, c->store_id, CHECKPOINT_ID) != 0) {
		sodium_bin2hex(hex, sizeof(hex), id, CHECKPOINT_ID);
		snprintf(err, CHECKPOINT_ERR_MAX, "signed for another store (this store's id is %s)",
			 r == -ENOENT ? "not set: it never took a checkpoint" : hex);
		return -EXDEV;
	}
	if ((r = journal_head_load(st, txn, &head)) < 0)
		return r;
	if (c->seq > head.seq) {
		snprintf(err, CHECKPOINT_ERR_MAX,
			 "past the store's end (its journal ends at seq %" PRIu64
			 "): entries were cut off, or this is an older copy",
			 head.seq);
		return -ERANGE;
	}
	if (c->seq) {
		if ((r = journal_read(st, txn, c->seq, &e)) == -ENOENT) {
			snprintf(err, CHECKPOINT_ERR_MAX, "the journal has no entry %" PRIu64,
				 c->seq);
			return -EBADMSG;
		}
		if (r < 0)
			return r;
		memcpy(link, e.link, JOURNAL_HASH);
	}
	if (sodium_memcmp(link, c->head, JOURNAL_HASH) != 0) {
		snprintf(err, CHECKPOINT_ERR_MAX,
			 "the chain does not pass through its head at seq %" PRIu64
			 ": the journal was rewritten after it was signed",
			 c->seq);
		return -EBADMSG;
	}
	return 0;
}

int checkpoint_load_secret(const char *path, uint8_t ret[CHECKPOINT_SK], char err[512])
{
	char hex[2 * CHECKPOINT_SK + 1];
	int r = 0;

	if (keyfile_read(path, true, hex, 2 * CHECKPOINT_SK, err) < 0)
		return -1;
	if (parse_hex(hex, strlen(hex), ret, CHECKPOINT_SK) < 0) {
		snprintf(err, 512, "%s: not a signing key (the %d hex digits keygen --sign prints "
			 "as sign_secret)", path, 2 * CHECKPOINT_SK);
		r = -1;
	}
	sodium_memzero(hex, sizeof(hex));
	return r;
}

int checkpoint_load_public(const char *arg, uint8_t ret[CHECKPOINT_PK], char err[512])
{
	char hex[2 * CHECKPOINT_PK + 1];

	if (parse_hex(arg, strlen(arg), ret, CHECKPOINT_PK) == 0)
		return 0;
	if (keyfile_read(arg, false, hex, 2 * CHECKPOINT_PK, err) < 0)
		return -1;
	if (parse_hex(hex, strlen(hex), ret, CHECKPOINT_PK) < 0) {
		snprintf(err, 512, "%s: not a public key (the %d hex digits keygen --sign prints "
			 "as sign_public)", arg, 2 * CHECKPOINT_PK);
		return -1;
	}
	return 0;
}
