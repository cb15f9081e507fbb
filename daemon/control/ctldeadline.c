/* ctldeadline: the control command deadlines.list, the live deadlines in due order from the
 * `deadlines` index. Part of ctl (see ctl.h and ctlint.h). */
#include <string.h>

#include "control/ctlint.h"
#include "store/dlindex.h"
#include "policy/policy.h"
#include "engine/wf.h"

/* deadlines.list walks `deadlines` (due_at|case|kind -> status, level) in due order. Both
 * filters are bounds on due_at, so the walk stops at the first deadline past them. */

static uint64_t deadlines_bound(struct ctl_req *q)
{
	const msgpack_object *o;
	uint64_t bound = UINT64_MAX;

	if ((o = ctlx_arg(q, "overdue")) && o->via.boolean)
		bound = q->env->now_ms;
	if ((o = ctlx_arg(q, "before")) && o->via.u64 < bound)
		bound = o->via.u64;
	return bound;
}

static void pack_deadline_row(msgpack_packer *pk, const char *ref, unsigned kind, uint64_t due,
			      enum dl_status s, uint32_t level)
{
	msgpack_pack_map(pk, 5);
	proto_pack_cstr(pk, "case");
	proto_pack_cstr(pk, ref);
	proto_pack_cstr(pk, "kind");
	proto_pack_cstr(pk, config_dl_name(kind));
	proto_pack_kv_u64(pk, "due_at", due);
	proto_pack_cstr(pk, "status");
	proto_pack_cstr(pk, wf_dl_status_name(s));
	proto_pack_kv_u64(pk, "level", level);
}

int ctlx_cmd_deadlines_list(struct ctl_req *q)
{
	uint64_t limit, bound = deadlines_bound(q), n = 0, due;
	char ref[PROTO_CASE_MAX + 1];
	msgpack_sbuffer rows;
	msgpack_packer rpk;
	MDB_cursor *cur;
	MDB_val k, v;
	enum dl_status s;
	uint32_t level;
	unsigned kind;
	int rc;

	if (ctlx_arg_limit(q, LIST_DEFAULT, LIST_MAX, &limit) < 0)
		return -1;
	if (mdb_cursor_open(q->txn, q->env->st->dbi[DB_DEADLINES], &cur) != 0)
		return proto_fail(q->err, PROTO_UNAVAILABLE, "the store could not be read");
	msgpack_sbuffer_init(&rows);
	msgpack_packer_init(&rpk, &rows, msgpack_sbuffer_write);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && n < limit;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		/* an entry that is not one is skipped, as case.list skips a damaged case */
		if (dlindex_key_parse(k.mv_data, k.mv_size, &due, ref, &kind) < 0 ||
		    dlindex_due_value_parse(v.mv_data, v.mv_size, &s, &level) < 0)
			continue;
		if (due >= bound)
			break;
		pack_deadline_row(&rpk, ref, kind, due, s, level);
		ctlx_saw_case_once(q, ref, strlen(ref));
		n++;
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		msgpack_sbuffer_destroy(&rows);
		return proto_fail(q->err, PROTO_UNAVAILABLE, "the store could not be read");
	}
	msgpack_pack_map(q->pk, 1);
	proto_pack_cstr(q->pk, "deadlines");
	msgpack_pack_array(q->pk, n);
	ctlx_pack_raw(q->pk, rows.data, rows.size);
	msgpack_sbuffer_destroy(&rows);
	return 0;
}
