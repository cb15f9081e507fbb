#include "ctl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "caserec.h"
#include "journal.h"
#include "wf.h"

#define LIST_DEFAULT 100
#define LIST_MAX     1000

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
static const struct proto_field backup_args[] = {
    {.name = "path", .type = PF_STR, .required = true, .max = CTL_PATH_MAX - 1},
    END,
};

static const msgpack_object *arg(const struct ctl_req *q, const char *name)
{
	return q->args ? proto_map_get(q->args, name) : NULL;
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
	uint64_t total, open, map, used;
	MDB_stat dl;
	msgpack_packer *pk = q->pk;

	if (journal_head_load(e->st, q->txn, &head) < 0 ||
	    store_meta_get_u64(e->st, q->txn, "cases_total", &total) < 0 ||
	    store_meta_get_u64(e->st, q->txn, "cases_open", &open) < 0 ||
	    store_usage(e->st, &map, &used) < 0 ||
	    mdb_stat(q->txn, e->st->dbi[DB_CASE_DEADLINES], &dl) != 0)
		return proto_fail(q->err, PROTO_UNAVAILABLE, "the store could not be read");
	msgpack_pack_map(pk, 10);
	proto_pack_cstr(pk, "version");
	proto_pack_cstr(pk, INTEGRITYD_VERSION);
	pack_kv_u64(pk, "uptime_ms", e->now_ms - e->started_ms);
	pack_kv_u64(pk, "journal_seq", head.seq);
	pack_kv_u64(pk, "notify_seq", 0);
	pack_kv_u64(pk, "cases_total", total);
	pack_kv_u64(pk, "cases_open", open);
	pack_kv_u64(pk, "deadlines_open", dl.ms_entries);
	pack_kv_u64(pk, "deadlines_overdue", 0);
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
	/* no deadlines yet: they arrive with the workflow's deadline kinds */
	caserec_pack_view(&c, NULL, pk);
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
	w->limit = LIST_DEFAULT;
	if ((o = arg(q, "state")) &&
	    (w->state = wf_state_parse(o->via.str.ptr, o->via.str.size)) < 0)
		return proto_fail(q->err, PROTO_INVALID_FIELD, "args.state: not a case state");
	if ((o = arg(q, "subject")))
		w->subject = (struct proto_str){o->via.str.ptr, o->via.str.size};
	if ((o = arg(q, "limit"))) {
		if (o->via.u64 == 0 || o->via.u64 > LIST_MAX)
			return proto_fail(q->err, PROTO_INVALID_FIELD,
					  "args.limit: must be 1 to %d", LIST_MAX);
		w->limit = o->via.u64;
	}
	return 0;
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
		if (w->state < 0 || (int)c->state == w->state) {
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
		proto_pack_cstr(&rpk, c.ref);
		proto_pack_cstr(&rpk, "kind");
		proto_pack_cstr(&rpk, proto_kind_prefix(c.kind));
		proto_pack_cstr(&rpk, "state");
		proto_pack_cstr(&rpk, wf_state_name(c.state));
		proto_pack_cstr(&rpk, "subject_id");
		proto_pack_str(&rpk, c.subject_id.ptr, c.subject_id.len);
		pack_kv_u64(&rpk, "opened_at", c.opened_at);
		snprintf(last, sizeof(last), "%s", c.ref);
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
	pk->callback(pk->data, rows.data, rows.size);
	proto_pack_cstr(pk, "next");
	if (more == 1)
		proto_pack_cstr(pk, last);
	else
		msgpack_pack_nil(pk);
	msgpack_sbuffer_destroy(&rows);
	return 0;
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

static const struct {
	const char *name;
	int (*fn)(struct ctl_req *);
	const struct proto_field *args;
} commands[] = {
    {"status", cmd_status, no_args},         {"case.get", cmd_case_get, case_args},
    {"case.list", cmd_case_list, list_args}, {"audit.verify", cmd_audit_verify, no_args},
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
		pk->callback(pk->data, result.data, result.size);
	}
	msgpack_sbuffer_destroy(&result);
	return r < 0 ? 0 : r;
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
	int r = job->kind == CTL_JOB_BACKUP ? run_backup(st, job->path, pk, &err)
					    : run_verify(st, pk, &err);

	if (r < 0)
		ctl_pack_error(pk, &err);
}
