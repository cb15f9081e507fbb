#include "ctl.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caserec.h"
#include "dlindex.h"
#include "journal.h"
#include "outbox.h"
#include "policy.h"
#include "wf.h"

#define LIST_DEFAULT  100 /* case.list, deadlines.list */
#define LIST_MAX      1000
#define NOTES_DEFAULT 1000 /* notifications.since */
#define NOTES_MAX     1000

struct ctl_req {
	const struct ctl_env *env;
	const msgpack_object *args; /* NULL when absent */
	MDB_txn *txn;               /* a read transaction, open while the command runs */
	msgpack_packer *pk;         /* packs the `result` value */
	struct proto_error *err;
	struct ctl_job *job; /* a deferred command */
};

/* ---- arguments ------------------------------------------------------------------- */

/* Each command's arguments, checked by proto before the command runs (as bodies are):
 * unknown ones are rejected by name, types and sizes are the table's. */
#define END                                                                                        \
	{                                                                                          \
		.name = NULL, .type = PF_END                                                       \
	}
static const struct proto_field no_args[] = {END};
static const struct proto_field case_args[] = {
    {.name = "case", .type = PF_STR, .required = true, .max = PROTO_CASE_MAX},
    END,
};
static const struct proto_field list_args[] = {
    {.name = "state", .type = PF_STR, .max = PROTO_CASE_MAX},
    {.name = "subject", .type = PF_IDENT, .max = PROTO_ID_MAX},
    {.name = "limit", .type = PF_UINT},
    {.name = "after", .type = PF_STR, .max = PROTO_CASE_MAX},
    END,
};
static const struct proto_field deadlines_args[] = {
    {.name = "overdue", .type = PF_BOOL},
    {.name = "before", .type = PF_UINT},
    {.name = "limit", .type = PF_UINT},
    END,
};
static const struct proto_field since_args[] = {
    {.name = "seq", .type = PF_UINT, .required = true},
    {.name = "limit", .type = PF_UINT},
    END,
};
static const struct proto_field report_args[] = {
    {.name = "from", .type = PF_UINT},
    {.name = "to", .type = PF_UINT},
    END,
};
static const struct proto_field backup_args[] = {
    {.name = "path", .type = PF_STR, .required = true, .max = CTL_PATH_MAX - 1},
    END,
};

static const msgpack_object *arg(const struct ctl_req *q, const char *name)
{
	return q->args ? proto_map_get(q->args, name) : NULL;
}

/* args.limit: 1 to max, else def. */
static int arg_limit(struct ctl_req *q, uint64_t def, uint64_t max, uint64_t *ret)
{
	const msgpack_object *o = arg(q, "limit");

	*ret = def;
	if (!o)
		return 0;
	if (o->via.u64 == 0 || o->via.u64 > max)
		return proto_fail(q->err, PROTO_INVALID_FIELD, "args.limit: must be 1 to %llu",
				  (unsigned long long)max);
	*ret = o->via.u64;
	return 0;
}

static int load_case(struct ctl_req *q, struct proto_str ref, struct case_rec *ret)
{
	MDB_val v;
	int r = store_get(q->env->st, q->txn, DB_CASES, ref.ptr, ref.len, &v);

	if (r == -ENOENT)
		return proto_fail(q->err, PROTO_UNKNOWN_CASE, "args.case: no case %.*s",
				  (int)ref.len, ref.ptr);
	if (r < 0 || caserec_load(ret, v.mv_data, v.mv_size) < 0)
		return proto_fail(q->err, PROTO_UNAVAILABLE, "case %.*s could not be read",
				  (int)ref.len, ref.ptr);
	return 0;
}

static void pack_kv_u64(msgpack_packer *pk, const char *k, uint64_t v)
{
	proto_pack_cstr(pk, k);
	msgpack_pack_uint64(pk, v);
}

/* Appends bytes that already are MessagePack (rows packed apart, a stored notification). An
 * empty sbuffer has no data pointer at all, and memcpy may not be given NULL. */
static void pack_raw(msgpack_packer *pk, const void *bytes, size_t len)
{
	if (len)
		pk->callback(pk->data, bytes, len);
}

static void pack_ok_header(msgpack_packer *pk)
{
	msgpack_pack_map(pk, 3);
	proto_pack_cstr(pk, "v");
	msgpack_pack_uint8(pk, PROTO_VERSION);
	proto_pack_cstr(pk, "ok");
	msgpack_pack_true(pk);
	proto_pack_cstr(pk, "result");
}

/* ---- commands -------------------------------------------------------------------- */

static int cmd_status(struct ctl_req *q)
{
	const struct ctl_env *e = q->env;
	struct journal_head head;
	uint64_t total, open, notify_seq, dl_open, dl_overdue, map, used;
	msgpack_packer *pk = q->pk;

	/* the counter names are batch.h's */
	if (journal_head_load(e->st, q->txn, &head) < 0 ||
	    store_meta_get_u64(e->st, q->txn, "cases_total", &total) < 0 ||
	    store_meta_get_u64(e->st, q->txn, "cases_open", &open) < 0 ||
	    store_meta_get_u64(e->st, q->txn, "notify_seq", &notify_seq) < 0 ||
	    store_meta_get_u64(e->st, q->txn, "deadlines_open", &dl_open) < 0 ||
	    store_meta_get_u64(e->st, q->txn, "deadlines_overdue", &dl_overdue) < 0 ||
	    store_usage(e->st, &map, &used) < 0)
		return proto_fail(q->err, PROTO_UNAVAILABLE, "the store could not be read");
	msgpack_pack_map(pk, 10);
	proto_pack_cstr(pk, "version");
	proto_pack_cstr(pk, INTEGRITYD_VERSION);
	pack_kv_u64(pk, "uptime_ms", e->now_ms - e->started_ms);
	pack_kv_u64(pk, "journal_seq", head.seq);
	pack_kv_u64(pk, "notify_seq", notify_seq);
	pack_kv_u64(pk, "cases_total", total);
	pack_kv_u64(pk, "cases_open", open);
	pack_kv_u64(pk, "deadlines_open", dl_open);
	pack_kv_u64(pk, "deadlines_overdue", dl_overdue);
	proto_pack_cstr(pk, "store");
	msgpack_pack_map(pk, 2);
	pack_kv_u64(pk, "map_bytes", map);
	pack_kv_u64(pk, "used_bytes", used);
	proto_pack_cstr(pk, "intake");
	msgpack_pack_map(pk, 3);
	pack_kv_u64(pk, "accepted", e->intake->accepted);
	pack_kv_u64(pk, "duplicate", e->intake->duplicate);
	pack_kv_u64(pk, "rejected", e->intake->rejected);
	return 0;
}

static int cmd_case_get(struct ctl_req *q)
{
	msgpack_packer *pk = q->pk;
	struct proto_str ref = {0};
	struct case_rec c;

	ref = (struct proto_str){arg(q, "case")->via.str.ptr, arg(q, "case")->via.str.size};
	if (load_case(q, ref, &c) < 0)
		return -1;
	caserec_pack_view(&c, pk);
	caserec_release(&c);
	return 0;
}

/* case.list walks `cases` in reference order, or `by_subject` for one subject. */
struct list_walk {
	struct ctl_req *q;
	int state;                /* -1: any */
	struct proto_str subject; /* len 0: any */
	uint64_t limit;
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;
};

static int list_options(struct ctl_req *q, struct list_walk *w)
{
	const msgpack_object *o;

	w->state = -1;
	if ((o = arg(q, "state")) &&
	    (w->state = wf_state_parse(o->via.str.ptr, o->via.str.size)) < 0)
		return proto_fail(q->err, PROTO_INVALID_FIELD, "args.state: not a case state");
	if ((o = arg(q, "subject")))
		w->subject = (struct proto_str){o->via.str.ptr, o->via.str.size};
	return arg_limit(q, LIST_DEFAULT, LIST_MAX, &w->limit);
}

/* Positions the cursor on the first key after `after` (exclusive), within the subject. */
static void list_start(struct list_walk *w)
{
	const msgpack_object *after = arg(w->q, "after");
	uint8_t key[PROTO_ID_MAX + 1 + PROTO_CASE_MAX];
	size_t n = 0;

	if (w->subject.len) {
		memcpy(key, w->subject.ptr, w->subject.len);
		key[w->subject.len] = '\0';
		n = w->subject.len + 1;
	}
	if (after) {
		memcpy(key + n, after->via.str.ptr, after->via.str.size);
		n += after->via.str.size;
	}
	w->k = (MDB_val){n, key};
	w->rc = n ? mdb_cursor_get(w->cur, &w->k, &w->v, MDB_SET_RANGE)
		  : mdb_cursor_get(w->cur, &w->k, &w->v, MDB_FIRST);
	if (w->rc == 0 && after && w->k.mv_size == n && memcmp(w->k.mv_data, key, n) == 0)
		w->rc = mdb_cursor_get(w->cur, &w->k, &w->v, MDB_NEXT);
}

/* The next case that matches the filters, loaded into c. Returns 1, 0 at the end, -1. */
static int list_next(struct list_walk *w, struct case_rec *c)
{
	struct ctl_req *q = w->q;
	struct proto_str ref;
	MDB_val v;

	for (; w->rc == 0; w->rc = mdb_cursor_get(w->cur, &w->k, &w->v, MDB_NEXT)) {
		ref = (struct proto_str){w->k.mv_data, (uint32_t)w->k.mv_size};
		if (w->subject.len) {
			if (w->k.mv_size <= w->subject.len + 1 ||
			    memcmp(w->k.mv_data, w->subject.ptr, w->subject.len) != 0 ||
			    ((char *)w->k.mv_data)[w->subject.len] != '\0')
				return 0;
			ref.ptr += w->subject.len + 1;
			ref.len -= w->subject.len + 1;
			if (store_get(q->env->st, q->txn, DB_CASES, ref.ptr, ref.len, &v) < 0)
				continue;
		} else {
			v = w->v;
		}
		if (caserec_load(c, v.mv_data, v.mv_size) < 0)
			continue;
		if (w->state < 0 || (int)c->c.state == w->state) {
			w->rc = mdb_cursor_get(w->cur, &w->k, &w->v, MDB_NEXT);
			return 1;
		}
		caserec_release(c);
	}
	if (w->rc != MDB_NOTFOUND)
		return proto_fail(q->err, PROTO_UNAVAILABLE, "the store could not be read");
	return 0;
}

static int cmd_case_list(struct ctl_req *q)
{
	struct list_walk w = {.q = q};
	msgpack_packer *pk = q->pk;
	msgpack_sbuffer rows;
	msgpack_packer rpk;
	char last[PROTO_CASE_MAX + 1] = "";
	struct case_rec c;
	uint64_t n = 0;
	int more = 0;

	if (list_options(q, &w) < 0)
		return -1;
	if (mdb_cursor_open(q->txn, q->env->st->dbi[w.subject.len ? DB_BY_SUBJECT : DB_CASES],
			    &w.cur) != 0)
		return proto_fail(q->err, PROTO_UNAVAILABLE, "the store could not be read");
	msgpack_sbuffer_init(&rows);
	msgpack_packer_init(&rpk, &rows, msgpack_sbuffer_write);
	list_start(&w);
	while (n < w.limit && (more = list_next(&w, &c)) == 1) {
		msgpack_pack_map(&rpk, 5);
		proto_pack_cstr(&rpk, "case");
		proto_pack_cstr(&rpk, c.c.ref);
		proto_pack_cstr(&rpk, "kind");
		proto_pack_cstr(&rpk, proto_kind_prefix(c.c.kind));
		proto_pack_cstr(&rpk, "state");
		proto_pack_cstr(&rpk, wf_state_name(c.c.state));
		proto_pack_cstr(&rpk, "subject_id");
		if (c.c.subject_id.len) /* a tombstone has none */
			proto_pack_str(&rpk, c.c.subject_id.ptr, c.c.subject_id.len);
		else
			msgpack_pack_nil(&rpk);
		pack_kv_u64(&rpk, "opened_at", c.c.opened_at);
		snprintf(last, sizeof(last), "%s", c.c.ref);
		caserec_release(&c);
		n++;
	}
	/* A full page has a next page only if one more case matches. */
	if (more >= 0 && n == w.limit && (more = list_next(&w, &c)) == 1)
		caserec_release(&c);
	mdb_cursor_close(w.cur);
	if (more < 0) {
		msgpack_sbuffer_destroy(&rows);
		return -1;
	}
	msgpack_pack_map(pk, 2);
	proto_pack_cstr(pk, "cases");
	msgpack_pack_array(pk, n);
	pack_raw(pk, rows.data, rows.size);
	proto_pack_cstr(pk, "next");
	if (more == 1)
		proto_pack_cstr(pk, last);
	else
		msgpack_pack_nil(pk);
	msgpack_sbuffer_destroy(&rows);
	return 0;
}

/* deadlines.list walks `deadlines` (due_at|case|kind -> status, level) in due order. Both
 * filters are bounds on due_at, so the walk stops at the first deadline past them. */
#define DLX_VALUE_LEN 5 /* status (1 byte), level (u32 BE) */

static uint64_t deadlines_bound(struct ctl_req *q)
{
	const msgpack_object *o;
	uint64_t bound = UINT64_MAX;

	if ((o = arg(q, "overdue")) && o->via.boolean)
		bound = q->env->now_ms;
	if ((o = arg(q, "before")) && o->via.u64 < bound)
		bound = o->via.u64;
	return bound;
}

static void pack_deadline_row(msgpack_packer *pk, const char *ref, unsigned kind, uint64_t due,
			      const uint8_t *v)
{
	msgpack_pack_map(pk, 5);
	proto_pack_cstr(pk, "case");
	proto_pack_cstr(pk, ref);
	proto_pack_cstr(pk, "kind");
	proto_pack_cstr(pk, config_dl_name(kind));
	pack_kv_u64(pk, "due_at", due);
	proto_pack_cstr(pk, "status");
	proto_pack_cstr(pk, wf_dl_status_name(v[0]));
	pack_kv_u64(pk, "level", (uint64_t)v[1] << 24 | (uint64_t)v[2] << 16 | v[3] << 8 | v[4]);
}

static int cmd_deadlines_list(struct ctl_req *q)
{
	uint64_t limit, bound = deadlines_bound(q), n = 0, due;
	char ref[PROTO_CASE_MAX + 1];
	msgpack_sbuffer rows;
	msgpack_packer rpk;
	MDB_cursor *cur;
	MDB_val k, v;
	unsigned kind;
	int rc;

	if (arg_limit(q, LIST_DEFAULT, LIST_MAX, &limit) < 0)
		return -1;
	if (mdb_cursor_open(q->txn, q->env->st->dbi[DB_DEADLINES], &cur) != 0)
		return proto_fail(q->err, PROTO_UNAVAILABLE, "the store could not be read");
	msgpack_sbuffer_init(&rows);
	msgpack_packer_init(&rpk, &rows, msgpack_sbuffer_write);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && n < limit;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		/* an entry that is not one is skipped, as case.list skips a damaged case */
		if (dlindex_key_parse(k.mv_data, k.mv_size, &due, ref, &kind) < 0 ||
		    kind == DLX_NO_KIND || v.mv_size < DLX_VALUE_LEN ||
		    *(const uint8_t *)v.mv_data >= DLS_COUNT)
			continue;
		if (due >= bound)
			break;
		if (kind == DL_RETENTION) /* not an obligation; as in status's deadlines_open */
			continue;
		pack_deadline_row(&rpk, ref, kind, due, v.mv_data);
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
	pack_raw(q->pk, rows.data, rows.size);
	msgpack_sbuffer_destroy(&rows);
	return 0;
}

/* notifications.since: the stored maps, byte for byte as the notifier published them. */
static int cmd_notifications_since(struct ctl_req *q)
{
	uint64_t after = arg(q, "seq")->via.u64, limit, last, n = 0;
	uint8_t key[8];
	msgpack_sbuffer rows;
	msgpack_packer rpk;
	const char *topic;
	size_t tlen;
	MDB_cursor *cur;
	MDB_val k = {sizeof(key), key}, v;
	int rc = MDB_NOTFOUND;

	if (arg_limit(q, NOTES_DEFAULT, NOTES_MAX, &limit) < 0)
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
		pack_raw(&rpk, v.mv_data, v.mv_size);
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
	pack_raw(q->pk, rows.data, rows.size);
	pack_kv_u64(q->pk, "last_seq", last);
	msgpack_sbuffer_destroy(&rows);
	return 0;
}

/* Only checks the arguments: the walk over every case runs off the reactor thread. */
static int cmd_report_summary(struct ctl_req *q)
{
	const msgpack_object *from = arg(q, "from"), *to = arg(q, "to");

	q->job->kind = CTL_JOB_REPORT;
	q->job->from = from ? from->via.u64 : 0;
	q->job->to = to ? to->via.u64 : 0;
	q->job->now_ms = q->env->now_ms;
	if (to && q->job->to <= q->job->from)
		return proto_fail(
		    q->err, PROTO_INVALID_FIELD,
		    "args.to: must be later than args.from (the window is [from, to))");
	return CTL_DEFERRED;
}

/* Only checks the arguments: the walk runs off the reactor thread (ctl_job_run). */
static int cmd_audit_verify(struct ctl_req *q)
{
	q->job->kind = CTL_JOB_VERIFY;
	return CTL_DEFERRED;
}

static int run_verify(struct store *st, msgpack_packer *pk, struct proto_error *err)
{
	uint8_t head[JOURNAL_HASH];
	char hex[2 * JOURNAL_HASH + 1];
	uint64_t entries, bad;
	MDB_txn *txn = NULL;
	int r;

	if ((r = store_begin(st, true, &txn)) == 0)
		r = journal_verify(st, txn, &entries, head, &bad);
	store_abort(&txn);
	if (r < 0)
		return proto_fail(err, PROTO_UNAVAILABLE, "the journal could not be read");
	for (int i = 0; i < JOURNAL_HASH; i++)
		snprintf(hex + 2 * i, 3, "%02x", head[i]);
	pack_ok_header(pk);
	msgpack_pack_map(pk, 4);
	proto_pack_cstr(pk, "ok");
	bad ? msgpack_pack_false(pk) : msgpack_pack_true(pk);
	pack_kv_u64(pk, "entries", entries);
	proto_pack_cstr(pk, "head");
	proto_pack_cstr(pk, hex);
	proto_pack_cstr(pk, "first_bad_seq");
	if (bad)
		msgpack_pack_uint64(pk, bad);
	else
		msgpack_pack_nil(pk);
	return 0;
}

/* Only checks the arguments: the copy runs off the reactor thread (ctl_job_run). */
static int cmd_backup(struct ctl_req *q)
{
	const msgpack_object *o = arg(q, "path");

	if (memchr(o->via.str.ptr, '\0', o->via.str.size))
		return proto_fail(q->err, PROTO_INVALID_FIELD, "args.path: not a usable path");
	if (o->via.str.ptr[0] != '/')
		return proto_fail(q->err, PROTO_INVALID_FIELD,
				  "args.path: must be an absolute path (the daemon's working "
				  "directory is not the operator's)");
	q->job->kind = CTL_JOB_BACKUP;
	memcpy(q->job->path, o->via.str.ptr, o->via.str.size);
	q->job->path[o->via.str.size] = '\0';
	return CTL_DEFERRED;
}

/* ---- dispatch -------------------------------------------------------------------- */

/* The commands of PROTOCOL.md "Control: operators", one row each; results as the page says.
 * Where the page is silent:
 *   case.list        a tombstone's subject_id is nil.
 *   deadlines.list   `overdue: true` bounds due_at by now, `before` by its value (both: the
 *                    earlier); `overdue: false` is no bound. Live deadlines only (the index),
 *                    retention left out as in status's deadlines_open. No paging: at most
 *                    `limit` (default 100, at most 1000) of the earliest.
 *   notifications.since  `seq` is required; `limit` default and maximum 1000; a client that
 *                    got a full page asks again from the last seq it got.
 *   report.summary   (deferred) over the cases opened in [from, to) (from default 0, to
 *                    absent = no bound):
 *                    {"from", "to" (or nil), "cases", "unreadable" (records that could not
 *                     be read, left out),
 *                     "kind": {"NA": n, ...}, "origin": {"self": n, ...},
 *                     "category": {category: n} (a case counts once per category it names),
 *                     "state": {state: n} (every state but none),
 *                     "outcome": {"assessment", "risk", "interview", "aa_decision", "appeal",
 *                                 "review", "closed_reason": {value: n}} (the last of each),
 *                     "deadlines": {kind: {"due", "met_on_time", "late", "open", "share"}}}
 *                    for each kind that is an obligation (windows and retention left out):
 *                    met_on_time = met by its due time; late = breached, or met after it, or
 *                    live past it; open = live and not yet due; due = met_on_time + late;
 *                    share = met_on_time / due (a float), nil when due is 0; cancelled
 *                    deadlines count nowhere.
 *   audit.reads is issue 4: unknown_command until then. */
static const struct {
	const char *name;
	int (*fn)(struct ctl_req *);
	const struct proto_field *args;
} commands[] = {
    {"status", cmd_status, no_args},
    {"case.get", cmd_case_get, case_args},
    {"case.list", cmd_case_list, list_args},
    {"deadlines.list", cmd_deadlines_list, deadlines_args},
    {"notifications.since", cmd_notifications_since, since_args},
    {"report.summary", cmd_report_summary, report_args},
    {"audit.verify", cmd_audit_verify, no_args},
    {"backup", cmd_backup, backup_args},
};

void ctl_pack_error(msgpack_packer *pk, const struct proto_error *err)
{
	msgpack_pack_map(pk, 3);
	proto_pack_cstr(pk, "v");
	msgpack_pack_uint8(pk, PROTO_VERSION);
	proto_pack_cstr(pk, "ok");
	msgpack_pack_false(pk);
	proto_pack_cstr(pk, "error");
	msgpack_pack_map(pk, 2);
	proto_pack_cstr(pk, "code");
	proto_pack_cstr(pk, proto_err_code(err->code));
	proto_pack_cstr(pk, "message");
	proto_pack_cstr(pk, err->message);
}

int ctl_handle(const struct ctl_env *env, const uint8_t *bytes, size_t len, msgpack_packer *pk,
	       struct ctl_job *ret_job)
{
	struct proto_error err = {0};
	struct proto_ctl req;
	msgpack_sbuffer result;
	msgpack_packer rpk;
	struct ctl_req q = {.env = env, .pk = &rpk, .err = &err, .job = ret_job};
	size_t i;
	int r;

	if (proto_ctl_decode(&req, bytes, len, env->limits, &err) < 0) {
		ctl_pack_error(pk, &err);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (proto_str_eq(req.cmd, commands[i].name))
			break;
	if (i == sizeof(commands) / sizeof(commands[0])) {
		proto_fail(&err, PROTO_UNKNOWN_COMMAND, "cmd: %.*s is not a command",
			   (int)(req.cmd.len > 64 ? 64 : req.cmd.len), req.cmd.ptr);
		proto_ctl_release(&req);
		ctl_pack_error(pk, &err);
		return 0;
	}
	q.args = req.args;
	msgpack_sbuffer_init(&result);
	msgpack_packer_init(&rpk, &result, msgpack_sbuffer_write);
	r = store_begin(env->st, true, &q.txn);
	if (r < 0)
		proto_fail(&err, PROTO_UNAVAILABLE, "the store could not be read");
	else
		r = proto_ctl_args_check(q.args, commands[i].args, &err) < 0 ? -1
									     : commands[i].fn(&q);
	store_abort(&q.txn);
	proto_ctl_release(&req);
	if (r < 0) {
		ctl_pack_error(pk, &err);
	} else if (r == 0) {
		pack_ok_header(pk);
		pack_raw(pk, result.data, result.size);
	}
	msgpack_sbuffer_destroy(&result);
	return r < 0 ? 0 : r;
}

/* ---- report.summary (on the job thread) ------------------------------------------ */

/* Counts by a string value (a category, an outcome), keys copied out of the case records,
 * which are released as the walk goes. Values are enums of WORKFLOW.md, so a few rows do. */
#define TALLY_ROWS    32
#define TALLY_KEY_MAX 47
#define TALLY_OTHER   "(other)" /* past the rows, or too long to be a known value */

struct tally {
	struct {
		char key[TALLY_KEY_MAX + 1];
		uint64_t n;
	} row[TALLY_ROWS];
	size_t n;
	uint64_t other;
};

static void tally_add(struct tally *t, struct proto_str s)
{
	size_t i;

	if (s.len == 0)
		return;
	for (i = 0; i < t->n; i++)
		if (proto_str_eq(s, t->row[i].key))
			break;
	if (i == t->n) {
		if (i == TALLY_ROWS || s.len > TALLY_KEY_MAX || memchr(s.ptr, '\0', s.len)) {
			t->other++;
			return;
		}
		memcpy(t->row[i].key, s.ptr, s.len);
		t->row[i].key[s.len] = '\0';
		t->n++;
	}
	t->row[i].n++;
}

static void tally_pack(msgpack_packer *pk, const struct tally *t)
{
	msgpack_pack_map(pk, t->n + (t->other ? 1 : 0));
	for (size_t i = 0; i < t->n; i++)
		pack_kv_u64(pk, t->row[i].key, t->row[i].n);
	if (t->other)
		pack_kv_u64(pk, TALLY_OTHER, t->other);
}

/* The outcomes the report counts, one sub-map each: the last of each in the case. */
static const struct {
	const char *name;
	size_t off; /* a struct proto_str in struct wf_case */
} report_outcomes[] = {
    {"assessment", offsetof(struct wf_case, assessment)},
    {"risk", offsetof(struct wf_case, risk)},
    {"interview", offsetof(struct wf_case, interview)},
    {"aa_decision", offsetof(struct wf_case, aa_decision)},
    {"appeal", offsetof(struct wf_case, appeal)},
    {"review", offsetof(struct wf_case, review)},
    {"closed_reason", offsetof(struct wf_case, closed_reason)},
};
#define N_OUTCOMES (sizeof(report_outcomes) / sizeof(report_outcomes[0]))

/* How a deadline stands against its due time. */
enum dl_standing { DLST_NONE, DLST_ON_TIME, DLST_LATE, DLST_OPEN };

struct report {
	uint64_t cases, unreadable;
	uint64_t kind[KIND_COUNT], origin[ORIGIN_COUNT], state[WF_STATE_COUNT];
	struct tally category, outcome[N_OUTCOMES];
	uint64_t dl[DL_COUNT][DLST_OPEN + 1];
};

/* Only deadlines that someone must meet count: windows (mitigation_response,
 * representations, appeal_window) and retention breach nobody (WORKFLOW.md "Deadlines"). */
static bool dl_is_obligation(enum dl_kind k)
{
	return policy_dl_rule(k)->at_due == DLA_BREACH;
}

static enum dl_standing dl_standing(const struct wf_deadline *d, uint64_t now)
{
	if (d->status == DLS_CANCELLED)
		return DLST_NONE;
	if (d->status == DLS_BREACHED)
		return DLST_LATE;
	if (!wf_dl_live(d))
		return d->done_at <= d->due_at ? DLST_ON_TIME : DLST_LATE;
	return now >= d->due_at ? DLST_LATE : DLST_OPEN;
}

static void report_case(struct report *rp, const struct wf_case *c, uint64_t now)
{
	const msgpack_object *cat = c->categories;

	rp->cases++;
	rp->kind[(unsigned)c->kind < KIND_COUNT ? c->kind : KIND_NONE]++;
	rp->origin[(unsigned)c->origin < ORIGIN_COUNT ? c->origin : ORIGIN_SELF]++;
	rp->state[(unsigned)c->state < WF_STATE_COUNT ? c->state : WF_NONE]++;
	for (uint32_t i = 0; cat && cat->type == MSGPACK_OBJECT_ARRAY && i < cat->via.array.size;
	     i++)
		if (cat->via.array.ptr[i].type == MSGPACK_OBJECT_STR)
			tally_add(&rp->category,
				  (struct proto_str){cat->via.array.ptr[i].via.str.ptr,
						     cat->via.array.ptr[i].via.str.size});
	for (size_t i = 0; i < N_OUTCOMES; i++)
		tally_add(&rp->outcome[i],
			  *(const struct proto_str *)((const char *)c + report_outcomes[i].off));
	for (uint32_t i = 0; i < c->n_dl && i < WF_DL_MAX; i++)
		if ((unsigned)c->dl[i].kind < DL_COUNT)
			rp->dl[c->dl[i].kind][dl_standing(&c->dl[i], now)]++;
}

static int report_walk(struct store *st, const struct ctl_job *job, struct report *rp)
{
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	struct case_rec c;
	MDB_val k, v;
	int rc;

	if (store_begin(st, true, &txn) < 0)
		return -1;
	if (mdb_cursor_open(txn, st->dbi[DB_CASES], &cur) != 0) {
		store_abort(&txn);
		return -1;
	}
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (caserec_load(&c, v.mv_data, v.mv_size) < 0) {
			rp->unreadable++;
			continue;
		}
		if (c.c.opened_at >= job->from && (job->to == 0 || c.c.opened_at < job->to))
			report_case(rp, &c.c, job->now_ms);
		caserec_release(&c);
	}
	mdb_cursor_close(cur);
	store_abort(&txn);
	return rc == MDB_NOTFOUND ? 0 : -1;
}

static void pack_deadline_shares(msgpack_packer *pk, const struct report *rp)
{
	uint32_t n = 0;

	for (int k = 0; k < DL_COUNT; k++)
		n += dl_is_obligation(k);
	msgpack_pack_map(pk, n);
	for (int k = 0; k < DL_COUNT; k++) {
		const uint64_t *d = rp->dl[k];
		uint64_t due = d[DLST_ON_TIME] + d[DLST_LATE];

		if (!dl_is_obligation(k))
			continue;
		proto_pack_cstr(pk, config_dl_name(k));
		msgpack_pack_map(pk, 5);
		pack_kv_u64(pk, "due", due);
		pack_kv_u64(pk, "met_on_time", d[DLST_ON_TIME]);
		pack_kv_u64(pk, "late", d[DLST_LATE]);
		pack_kv_u64(pk, "open", d[DLST_OPEN]);
		proto_pack_cstr(pk, "share");
		if (due)
			msgpack_pack_double(pk, (double)d[DLST_ON_TIME] / (double)due);
		else
			msgpack_pack_nil(pk);
	}
}

static void pack_report(msgpack_packer *pk, const struct ctl_job *job, const struct report *rp)
{
	pack_ok_header(pk);
	msgpack_pack_map(pk, 10);
	pack_kv_u64(pk, "from", job->from);
	proto_pack_cstr(pk, "to");
	if (job->to)
		msgpack_pack_uint64(pk, job->to);
	else
		msgpack_pack_nil(pk);
	pack_kv_u64(pk, "cases", rp->cases);
	pack_kv_u64(pk, "unreadable", rp->unreadable);
	proto_pack_cstr(pk, "kind");
	msgpack_pack_map(pk, KIND_COUNT - KIND_NA);
	for (int i = KIND_NA; i < KIND_COUNT; i++)
		pack_kv_u64(pk, proto_kind_prefix(i), rp->kind[i]);
	proto_pack_cstr(pk, "origin");
	msgpack_pack_map(pk, ORIGIN_COUNT);
	for (int i = 0; i < ORIGIN_COUNT; i++)
		pack_kv_u64(pk, wf_origin_name(i), rp->origin[i]);
	proto_pack_cstr(pk, "category");
	tally_pack(pk, &rp->category);
	proto_pack_cstr(pk, "state");
	msgpack_pack_map(pk, WF_STATE_COUNT - 1);
	for (int i = WF_NONE + 1; i < WF_STATE_COUNT; i++)
		pack_kv_u64(pk, wf_state_name(i), rp->state[i]);
	proto_pack_cstr(pk, "outcome");
	msgpack_pack_map(pk, N_OUTCOMES);
	for (size_t i = 0; i < N_OUTCOMES; i++) {
		proto_pack_cstr(pk, report_outcomes[i].name);
		tally_pack(pk, &rp->outcome[i]);
	}
	proto_pack_cstr(pk, "deadlines");
	pack_deadline_shares(pk, rp);
}

static int run_report(struct store *st, const struct ctl_job *job, msgpack_packer *pk,
		      struct proto_error *err)
{
	struct report *rp = calloc(1, sizeof(*rp));
	int r;

	if (!rp)
		return proto_fail(err, PROTO_UNAVAILABLE, "report.summary: out of memory");
	r = report_walk(st, job, rp);
	if (r == 0)
		pack_report(pk, job, rp);
	free(rp);
	if (r < 0)
		return proto_fail(err, PROTO_UNAVAILABLE, "the cases could not be read");
	return 0;
}

static int run_backup(struct store *st, const char *path, msgpack_packer *pk,
		      struct proto_error *err)
{
	uint64_t bytes;
	int r = store_backup(st, path, &bytes);

	if (r == -EEXIST)
		return proto_fail(err, PROTO_INVALID_FIELD,
				  "args.path: %s already holds a data.mdb; choose a new directory",
				  path);
	if (r == -ENOENT || r == -ENOTDIR || r == -EACCES)
		return proto_fail(err, PROTO_INVALID_FIELD, "args.path: %s cannot be created: %s",
				  path, strerror(-r));
	if (r < 0)
		return proto_fail(err, PROTO_UNAVAILABLE, "backup to %s failed: %s", path,
				  strerror(-r));
	pack_ok_header(pk);
	msgpack_pack_map(pk, 2);
	proto_pack_cstr(pk, "path");
	proto_pack_cstr(pk, path);
	pack_kv_u64(pk, "bytes", bytes);
	return 0;
}

void ctl_job_run(struct store *st, const struct ctl_job *job, msgpack_packer *pk)
{
	struct proto_error err = {0};
	int r;

	switch (job->kind) {
	case CTL_JOB_BACKUP:
		r = run_backup(st, job->path, pk, &err);
		break;
	case CTL_JOB_VERIFY:
		r = run_verify(st, pk, &err);
		break;
	case CTL_JOB_REPORT:
		r = run_report(st, job, pk, &err);
		break;
	default:
		r = proto_fail(&err, PROTO_UNAVAILABLE, "not a deferred command");
		break;
	}
	if (r < 0)
		ctl_pack_error(pk, &err);
}
