/* ctlnotify: the control command notifications.since, the notifications after a seq from the
 * outbox, as the notifier published them. Part of ctl (see ctl.h and ctlint.h). */
#include "control/ctlint.h"
#include "store/outbox.h"

#define NOTES_DEFAULT 1000 /* notifications.since */
#define NOTES_MAX     1000

/* notifications.since: the stored maps, byte for byte as the notifier published them. */
int ctlx_cmd_notifications_since(struct ctl_req *q)
{
	uint64_t after = ctlx_arg(q, "seq")->via.u64, limit, last, n = 0;
	uint8_t key[8];
	msgpack_sbuffer rows;
	msgpack_packer rpk;
	const char *topic;
	size_t tlen;
	MDB_cursor *cur;
	MDB_val k = {sizeof(key), key}, v;
	int rc = MDB_NOTFOUND;

	if (ctlx_arg_limit(q, NOTES_DEFAULT, NOTES_MAX, &limit) < 0)
		return -1;
	if (store_meta_get_u64(q->env->st, q->txn, "notify_seq", &last) < 0 ||
	    mdb_cursor_open(q->txn, q->env->st->dbi[DB_OUTBOX], &cur) != 0)
		return proto_fail(q->err, PROTO_UNAVAILABLE, "the store could not be read");
	msgpack_sbuffer_init(&rows);
	msgpack_packer_init(&rpk, &rows, msgpack_sbuffer_write);
	store_be64(key, after + 1);
	if (after < UINT64_MAX)
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	for (; rc == 0 && n < limit; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT), n++) {
		/* a damaged entry is an error, never a silent gap in seq */
		if (k.mv_size != sizeof(key) ||
		    outbox_topic(v.mv_data, v.mv_size, &topic, &tlen) < 0) {
			rc = -1;
			break;
		}
		ctlx_pack_raw(&rpk, v.mv_data, v.mv_size);
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		msgpack_sbuffer_destroy(&rows);
		return proto_fail(q->err, PROTO_UNAVAILABLE,
				  "the outbox could not be read after seq %llu",
				  (unsigned long long)(after + n));
	}
	msgpack_pack_map(q->pk, 2);
	proto_pack_cstr(q->pk, "notifications");
	msgpack_pack_array(q->pk, n);
	ctlx_pack_raw(q->pk, rows.data, rows.size);
	proto_pack_kv_u64(q->pk, "last_seq", last);
	msgpack_sbuffer_destroy(&rows);
	return 0;
}
