/* ctlaudit: the control command audit.reads, who looked at a case: the read records of the
 * `reads` index, each read back from its journal entry (readlog.h). Part of ctl (see ctl.h
 * and ctlint.h). */
#include <errno.h>
#include <string.h>

#include "control/ctlint.h"
#include "store/journal.h"
#include "store/readlog.h"

static void pack_read_row(msgpack_packer *pk, const struct readlog_row *row)
{
	msgpack_pack_map(pk, row->reason[0] ? 4 : 3);
	proto_pack_kv_u64(pk, "at", row->at);
	proto_pack_kv_cstr(pk, "client", row->client);
	proto_pack_kv_cstr(pk, "cmd", row->cmd);
	if (row->reason[0]) /* the reason a read gave (subject.export) */
		proto_pack_kv_cstr(pk, "reason", row->reason);
}

/* Packs a row for each read of the case whose key prefix is pre (plen bytes), in journal
 * order; their number in *ret_n. A record is opened first: with [security] seal_key it is
 * sealed like every journal entry. Returns 0, or -1 with q->err set. */
static int pack_reads(struct ctl_req *q, const uint8_t *pre, size_t plen, msgpack_packer *rpk,
		      uint32_t *ret_n)
{
	struct journal_entry e;
	struct readlog_row row;
	struct seal_buf buf = {0};
	const uint8_t *plain;
	size_t len;
	MDB_cursor *cur;
	MDB_val k = {plen, (void *)pre}, v;
	uint64_t seq;
	int rc, r = 0;

	*ret_n = 0;
	if (mdb_cursor_open(q->txn, q->env->st->dbi[DB_READS], &cur) != 0)
		return proto_fail(q->err, PROTO_UNAVAILABLE, "the store could not be read");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != plen + 8 || memcmp(k.mv_data, pre, plen) != 0)
			break;
		seq = store_get_be64((const uint8_t *)k.mv_data + plen);
		/* a record that cannot be shown is not skipped: the list would look whole */
		if (journal_read(q->env->st, q->txn, seq, &e) < 0 ||
		    journal_open(q->env->st->seal, &e, &buf, &plain, &len) < 0 ||
		    readlog_decode(plain, len, &row) < 0) {
			r = proto_fail(q->err, PROTO_UNAVAILABLE,
				       "journal entry %llu, a read of %.*s, cannot be read; "
				       "audit.verify tells whether the journal was altered",
				       (unsigned long long)seq, (int)(plen - 1), (const char *)pre);
			break;
		}
		pack_read_row(rpk, &row);
		(*ret_n)++;
	}
	mdb_cursor_close(cur);
	seal_buf_free(&buf); /* wipes the opened bytes */
	if (r == 0 && rc != 0 && rc != MDB_NOTFOUND)
		r = proto_fail(q->err, PROTO_UNAVAILABLE, "the store could not be read");
	return r;
}

int ctlx_cmd_audit_reads(struct ctl_req *q)
{
	const msgpack_object *o = ctlx_arg(q, "case");
	const char *ref = o->via.str.ptr;
	size_t len = o->via.str.size, plen;
	uint8_t pre[READLOG_KEY_MAX];
	msgpack_sbuffer rows;
	msgpack_packer rpk;
	uint32_t n = 0;
	MDB_val v;
	int r = 0;

	msgpack_sbuffer_init(&rows);
	msgpack_packer_init(&rpk, &rows, msgpack_sbuffer_write);
	/* a reference with a NUL in it was never a case, so it has no reads (PF_STR: never
	 * empty) */
	if (!memchr(ref, '\0', len)) {
		plen = readlog_key(pre, ref, len, 0, true);
		r = pack_reads(q, pre, plen, &rpk, &n);
	}
	/* a disposed case's tombstone still answers, and so do the reads of any case */
	if (r == 0 && n == 0) {
		int g = store_get(q->env->st, q->txn, DB_CASES, ref, len, &v);

		if (g == -ENOENT)
			r = proto_fail(q->err, PROTO_UNKNOWN_CASE,
				       "args.case: no case %.*s and no reads of one", (int)len,
				       ref);
		else if (g < 0)
			r = proto_fail(q->err, PROTO_UNAVAILABLE, "the store could not be read");
	}
	if (r == 0) {
		msgpack_pack_map(q->pk, 1);
		proto_pack_cstr(q->pk, "reads");
		msgpack_pack_array(q->pk, n);
		ctlx_pack_raw(q->pk, rows.data, rows.size);
		ctlx_saw_case(q, ref, len);
	}
	msgpack_sbuffer_destroy(&rows);
	return r;
}
