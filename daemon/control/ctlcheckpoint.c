/* ctlcheckpoint: the control command audit.checkpoint and its write. See ctlcheckpoint.h;
 * part of ctl (ctlint.h). */
#include "control/ctlcheckpoint.h"

#include <errno.h>
#include <string.h>

#include <msgpack.h>

#include "control/ctlint.h"
#include "store/journal.h"

/* The journal entry: {"type", "at", "client", "n", "seq", "line"} */
static void pack_entry(msgpack_sbuffer *out, uint64_t now_ms, const char *who,
		       const struct ctl_ckpt *c)
{
	msgpack_packer pk;

	msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 6);
	proto_pack_kv_cstr(&pk, "type", CTLCHECKPOINT_TYPE);
	proto_pack_kv_u64(&pk, "at", now_ms);
	proto_pack_kv_cstr(&pk, "client", who);
	proto_pack_kv_u64(&pk, "n", c->n);
	proto_pack_kv_u64(&pk, "seq", c->seq);
	proto_pack_kv_cstr(&pk, "line", c->line);
}

/* The notification, PROTOCOL.md's map: {"v", "seq", "topic", "at", "case": "", "state": "",
 * "recipients": [], "detail": {"n", "journal_seq", "line"}}. It is about the store, not a
 * case, and tells no role: whoever keeps checkpoints subscribes to the topic. */
static void pack_note(msgpack_sbuffer *out, uint64_t seq, uint64_t now_ms,
		      const struct ctl_ckpt *c)
{
	msgpack_packer pk;

	msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 8);
	proto_pack_kv_u64(&pk, "v", PROTO_VERSION);
	proto_pack_kv_u64(&pk, "seq", seq);
	proto_pack_kv_cstr(&pk, "topic", CTLCHECKPOINT_TOPIC);
	proto_pack_kv_u64(&pk, "at", now_ms);
	proto_pack_kv_cstr(&pk, "case", "");
	proto_pack_kv_cstr(&pk, "state", "");
	proto_pack_cstr(&pk, "recipients");
	msgpack_pack_array(&pk, 0);
	proto_pack_cstr(&pk, "detail");
	msgpack_pack_map(&pk, 3);
	proto_pack_kv_u64(&pk, "n", c->n);
	proto_pack_kv_u64(&pk, "journal_seq", c->seq);
	proto_pack_kv_cstr(&pk, "line", c->line);
}

static int write_in(struct store *st, MDB_txn *txn, const uint8_t sk[CHECKPOINT_SK],
		    uint64_t now_ms, const char *who, struct ctl_ckpt *ret, msgpack_sbuffer *buf)
{
	struct journal_head head;
	struct checkpoint c;
	uint8_t hash[JOURNAL_HASH], key[8];
	int r;

	if ((r = journal_head_load(st, txn, &head)) < 0 ||
	    (r = checkpoint_take(st, txn, &head, now_ms, sk, &c, &ret->n)) < 0)
		return r;
	checkpoint_format(&c, ret->line);
	ret->seq = c.seq;
	pack_entry(buf, now_ms, who, ret);
	journal_hash((const uint8_t *)buf->data, buf->size, hash);
	if ((r = journal_append(st, txn, &head, now_ms, (const uint8_t *)buf->data, buf->size,
				hash)) < 0 ||
	    (r = journal_head_save(st, txn, &head)) < 0 ||
	    (r = store_meta_get_u64(st, txn, "notify_seq", &ret->notify_seq)) < 0)
		return r;
	ret->notify_seq++;
	buf->size = 0;
	pack_note(buf, ret->notify_seq, now_ms, ret);
	store_be64(key, ret->notify_seq);
	if ((r = store_put(st, txn, DB_OUTBOX, key, sizeof(key), buf->data, buf->size)) < 0)
		return r;
	return store_meta_put_u64(st, txn, "notify_seq", ret->notify_seq);
}

int ctl_checkpoint_write(struct store *st, const uint8_t sk[CHECKPOINT_SK], uint64_t now_ms,
			 const char *who, struct ctl_ckpt *ret)
{
	msgpack_sbuffer buf;
	MDB_txn *txn = NULL;
	int r;

	memset(ret, 0, sizeof(*ret));
	msgpack_sbuffer_init(&buf);
	if ((r = store_begin(st, false, &txn)) == 0 &&
	    (r = write_in(st, txn, sk, now_ms, who ? who : "", ret, &buf)) == 0)
		r = store_commit(&txn);
	store_abort(&txn);
	msgpack_sbuffer_destroy(&buf);
	return r;
}

int ctlx_cmd_audit_checkpoint(struct ctl_req *q)
{
	const struct ctl_env *e = q->env;
	struct ctl_ckpt c;
	int r;

	if (!e->checkpoint)
		return proto_fail(q->err, PROTO_UNAVAILABLE,
				  "no [audit] sign_key is set: there is no key to sign a "
				  "checkpoint with");
	if ((r = e->checkpoint(e->checkpoint_arg, e->client_name ? e->client_name : "", &c)) <
	    0)
		return proto_fail(q->err, PROTO_UNAVAILABLE,
				  "the checkpoint could not be written: %s", strerror(-r));
	msgpack_pack_map(q->pk, 3);
	proto_pack_kv_cstr(q->pk, "line", c.line);
	proto_pack_kv_u64(q->pk, "n", c.n);
	proto_pack_kv_u64(q->pk, "seq", c.seq);
	return 0;
}

/* audit.checkpoints: {"checkpoints": [{"n", "line"}] of those numbered after args.since
 * (default 0), oldest first, at most args.limit (default and maximum LIST_MAX), "next": the
 * last n given when more follow, else nil}. */
int ctlx_cmd_audit_checkpoints(struct ctl_req *q)
{
	const msgpack_object *o = ctlx_arg(q, "since");
	uint64_t since = o ? o->via.u64 : 0, count, limit, n, last;
	struct checkpoint c;
	char line[CHECKPOINT_LINE];

	if (ctlx_arg_limit(q, LIST_MAX, LIST_MAX, &limit) < 0)
		return -1;
	if (checkpoint_count(q->env->st, q->txn, &count) < 0)
		return proto_fail(q->err, PROTO_UNAVAILABLE, "the store could not be read");
	last = since >= count ? since : (count - since > limit ? since + limit : count);
	msgpack_pack_map(q->pk, 2);
	proto_pack_cstr(q->pk, "checkpoints");
	msgpack_pack_array(q->pk, (uint32_t)(last > since ? last - since : 0));
	for (n = since + 1; n <= last; n++) {
		/* a checkpoint the store cannot show is an error: the list would look whole */
		if (checkpoint_get(q->env->st, q->txn, n, &c) < 0)
			return proto_fail(q->err, PROTO_UNAVAILABLE,
					  "checkpoint %llu could not be read",
					  (unsigned long long)n);
		checkpoint_format(&c, line);
		msgpack_pack_map(q->pk, 2);
		proto_pack_kv_u64(q->pk, "n", n);
		proto_pack_kv_cstr(q->pk, "line", line);
	}
	proto_pack_cstr(q->pk, "next");
	if (last < count)
		msgpack_pack_uint64(q->pk, last);
	else
		msgpack_pack_nil(q->pk);
	return 0;
}
