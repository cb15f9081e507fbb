/* ctl: the control commands' dispatch (one row a command: its arguments checked by a table,
 * the right it needs, whether it is an audited read), the replies' envelope and errors, the
 * read records, status, reload, and the deferred commands audit.verify and backup. The
 * other commands have a file each: ctlcase.c (case.get, case.list), ctldeadline.c
 * (deadlines.list), ctlnotify.c (notifications.since), ctlreport.c (report.summary),
 * ctlaudit.c (audit.reads), ctlcheckpoint.c (audit.checkpoint, audit.checkpoints); what they
 * share is ctlint.h, its helpers ctlreply.c. See ctl.h. */
#include "control/ctl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "control/ctlint.h"
#include "store/journal.h"
#include "base/log.h"
#include "store/readlog.h"
#include "store/reseal.h"
#include "characteristics.h"

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
static const char *const kind_prefixes[] = {"NA", "CR", "WR", "GH", "BI", NULL};
static const struct proto_field subject_args[] = {
    {.name = "subject", .type = PF_IDENT, .required = true, .max = PROTO_ID_MAX},
    {.name = "reason", .type = PF_STR, .required = true, .max = READLOG_REASON_MAX},
    END,
};
static const struct proto_field list_args[] = {
    {.name = "state", .type = PF_STR, .max = PROTO_CASE_MAX},
    {.name = "subject", .type = PF_IDENT, .max = PROTO_ID_MAX},
    {.name = "limit", .type = PF_UINT},
    {.name = "after", .type = PF_STR, .max = PROTO_CASE_MAX},
    {.name = "kind", .type = PF_ENUM, .values = kind_prefixes},
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
    {.name = "kind", .type = PF_ENUM, .values = kind_prefixes},
    {.name = "by", .type = PF_ENUM, .values = proto_characteristic_names},
    END,
};
static const struct proto_field thread_args[] = {
    {.name = "token", .type = PF_STR, .max = 64},
    {.name = "case", .type = PF_STR, .max = PROTO_CASE_MAX},
    END,
};
static const struct proto_field checkpoints_args[] = {
    {.name = "since", .type = PF_UINT},
    {.name = "limit", .type = PF_UINT},
    END,
};
static const struct proto_field backup_args[] = {
    {.name = "path", .type = PF_STR, .required = true, .max = CTL_PATH_MAX - 1},
    END,
};

/* ---- commands -------------------------------------------------------------------- */

static void pack_seal(msgpack_packer *pk, const struct reseal_meta *m,
		      const struct reseal_progress *p);

int ctlx_read_figures(struct ctl_req *q, struct ctlx_figures *ret)
{
	struct store *st = q->env->st;

	if (journal_head_load(st, q->txn, &ret->head) < 0 ||
	    store_meta_get_u64(st, q->txn, "cases_total", &ret->total) < 0 ||
	    store_meta_get_u64(st, q->txn, "cases_open", &ret->open) < 0 ||
	    store_meta_get_u64(st, q->txn, "notify_seq", &ret->notify_seq) < 0 ||
	    store_meta_get_u64(st, q->txn, "deadlines_open", &ret->dl_open) < 0 ||
	    store_meta_get_u64(st, q->txn, "deadlines_overdue", &ret->dl_overdue) < 0 ||
	    reseal_meta_read(st, q->txn, &ret->sm) < 0 ||
	    store_usage(st, &ret->map, &ret->used) < 0)
		return proto_fail(q->err, PROTO_UNAVAILABLE, "the store could not be read");
	return 0;
}

static int cmd_status(struct ctl_req *q)
{
	const struct ctl_env *e = q->env;
	struct ctlx_figures f;
	msgpack_packer *pk = q->pk;

	if (ctlx_read_figures(q, &f) < 0)
		return -1;
	msgpack_pack_map(pk, 12);
	proto_pack_cstr(pk, "version");
	proto_pack_cstr(pk, INTEGRITYD_VERSION);
	proto_pack_kv_u64(pk, "uptime_ms", e->now_ms - e->started_ms);
	proto_pack_kv_u64(pk, "journal_seq", f.head.seq);
	proto_pack_kv_u64(pk, "notify_seq", f.notify_seq);
	proto_pack_kv_u64(pk, "cases_total", f.total);
	proto_pack_kv_u64(pk, "cases_open", f.open);
	proto_pack_kv_u64(pk, "deadlines_open", f.dl_open);
	proto_pack_kv_u64(pk, "deadlines_overdue", f.dl_overdue);
	proto_pack_cstr(pk, "store");
	msgpack_pack_map(pk, 2);
	proto_pack_kv_u64(pk, "map_bytes", f.map);
	proto_pack_kv_u64(pk, "used_bytes", f.used);
	proto_pack_cstr(pk, "intake");
	msgpack_pack_map(pk, 3);
	proto_pack_kv_u64(pk, "accepted", e->intake->accepted);
	proto_pack_kv_u64(pk, "duplicate", e->intake->duplicate);
	proto_pack_kv_u64(pk, "rejected", e->intake->rejected);
	proto_pack_cstr(pk, "reports");
	msgpack_pack_map(pk, 1);
	proto_pack_kv_u64(pk, "token_failures", e->tokens ? e->tokens->failures : 0);
	proto_pack_cstr(pk, "seal");
	pack_seal(pk, &f.sm, e->reseal);
	return 0;
}

static void pack_key_id(msgpack_packer *pk, bool set, const uint8_t id[SEAL_ID_BYTES])
{
	char hex[2 * SEAL_ID_BYTES + 1];

	if (!set) {
		msgpack_pack_nil(pk);
		return;
	}
	seal_id_hex(id, hex);
	proto_pack_cstr(pk, hex);
}

static void pack_progress(msgpack_packer *pk, const struct reseal_progress *p)
{
	static const struct reseal_progress none;

	if (!p)
		p = &none;
	msgpack_pack_map(pk, 4);
	proto_pack_cstr(pk, "running");
	p->running ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
	proto_pack_kv_u64(pk, "cases", p->cases);
	proto_pack_kv_u64(pk, "entries", p->entries);
	proto_pack_kv_u64(pk, "failed", p->failed);
}

/* status's seal: {"key_id": the key new values are sealed under (nil: not sealed),
 * "pending": nil when every value is under key_id, else the key id some may still be under,
 * or "plain", "reseal": {"running", "cases", "entries", "failed"}} */
static void pack_seal(msgpack_packer *pk, const struct reseal_meta *m,
		      const struct reseal_progress *p)
{
	msgpack_pack_map(pk, 3);
	proto_pack_cstr(pk, "key_id");
	pack_key_id(pk, m->sealed, m->key);
	proto_pack_cstr(pk, "pending");
	if (m->pending_plain)
		proto_pack_cstr(pk, "plain");
	else
		pack_key_id(pk, m->pending, m->old);
	proto_pack_cstr(pk, "reseal");
	pack_progress(pk, p);
}

/* Starts the reseal pass (the reactor runs it, a bounded share a batch: env->reseal_start)
 * and answers at once: {"started": bool (false: one was running already), "reseal":
 * progress}. Admin only. */
static int cmd_reseal(struct ctl_req *q)
{
	const struct ctl_env *e = q->env;
	bool started;

	if (!e->reseal || !e->reseal_start || !e->st->seal)
		return proto_fail(q->err, PROTO_UNAVAILABLE,
				  "no [security] seal_key is set: there is no key to seal with");
	started = !e->reseal->running;
	if (started)
		e->reseal_start(e->reseal_arg);
	msgpack_pack_map(q->pk, 2);
	proto_pack_cstr(q->pk, "started");
	started ? msgpack_pack_true(q->pk) : msgpack_pack_false(q->pk);
	proto_pack_cstr(q->pk, "reseal");
	pack_progress(q->pk, e->reseal);
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
	sodium_bin2hex(hex, sizeof(hex), head, sizeof(head));
	ctlx_pack_ok_header(pk);
	msgpack_pack_map(pk, 4);
	proto_pack_cstr(pk, "ok");
	bad ? msgpack_pack_false(pk) : msgpack_pack_true(pk);
	proto_pack_kv_u64(pk, "entries", entries);
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
	const msgpack_object *o = ctlx_arg(q, "path");

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

/* SIGHUP's work on request; the reactor does it (env->reload), so ctl stays pure. */
static int cmd_reload(struct ctl_req *q)
{
	char err[CONFIG_ERR_MAX];

	if (!q->env->reload)
		return proto_fail(q->err, PROTO_UNAVAILABLE, "reload is not available here");
	if (q->env->reload(q->env->reload_arg, q->env->client_name ? q->env->client_name : "",
			   err) < 0)
		return proto_fail(q->err, PROTO_UNAVAILABLE,
				  "reload: %s; the policy in force is unchanged", err);
	msgpack_pack_map(q->pk, 1);
	proto_pack_cstr(q->pk, "reloaded");
	msgpack_pack_true(q->pk);
	return 0;
}

/* ---- dispatch -------------------------------------------------------------------- */

/* The commands of PROTOCOL.md "Control: operators", one row each; results as the page says.
 * Where the page is silent:
 *   case.list        a tombstone's subject_id is nil.
 *   deadlines.list   `overdue: true` bounds due_at by now, `before` by its value (both: the
 *                    earlier); `overdue: false` is no bound. Live deadlines only (the index,
 *                    which never holds retention: that is in `disposals`). No paging: at most
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
 *   audit.reads      (audited itself) {"reads": [{"at", "client", "cmd"}]} in journal order,
 *                    from the read records' journal entries; unknown_case when there is no
 *                    such case and no read of one.
 *   reload           (admin) {"reloaded": true}, or unavailable naming the problem.
 *   metrics          {"exposition": the counters as Prometheus text} (ctlmetrics.c).
 *   reseal           (admin) seals every case record and journal entry not under the
 *                    current seal key again under it, in the reactor's write batches; answers
 *                    at once, status's seal.reseal shows the progress.
 *   audit.checkpoint (admin) {"line", "n", "seq"}: a signed checkpoint, journaled and
 *                    notified (ctlcheckpoint.h); unavailable without [audit] sign_key.
 *   audit.checkpoints {"checkpoints": [{"n", "line"}], "next"} after `since`.
 * Rights (clients.h): every command needs CTL_READ but backup, reload, reseal,
 * audit.checkpoint and subject.export (ctlsubject.c: a subject's data, audited with its
 * reason), CTL_ADMIN;
 * they are checked before the arguments, so a client without them learns nothing of a
 * command's shape. Audited reads are journaled before they are answered (proto/SPEC.md "Read
 * auditing"); notifications.since is not (it replays what PUB published to every
 * subscriber), nor are status, audit.verify and backup (no case references; a backup is
 * logged). */
static const struct {
	const char *name;
	int (*fn)(struct ctl_req *);
	const struct proto_field *args;
	enum ctl_right need;
	bool audited;
} commands[] = {
    {"status", cmd_status, no_args, CTL_READ, false},
    {"case.get", ctlx_cmd_case_get, case_args, CTL_READ, true},
    {"case.list", ctlx_cmd_case_list, list_args, CTL_READ, true},
    {"deadlines.list", ctlx_cmd_deadlines_list, deadlines_args, CTL_READ, true},
    {"notifications.since", ctlx_cmd_notifications_since, since_args, CTL_READ, false},
    {"report.summary", ctlx_cmd_report_summary, report_args, CTL_READ, true},
    {"audit.verify", cmd_audit_verify, no_args, CTL_READ, false},
    {"audit.reads", ctlx_cmd_audit_reads, case_args, CTL_READ, true},
    {"report.thread", ctlx_cmd_report_thread, thread_args, CTL_THREAD, true},
    {"backup", cmd_backup, backup_args, CTL_ADMIN, false},
    {"reload", cmd_reload, no_args, CTL_ADMIN, false},
    {"reseal", cmd_reseal, no_args, CTL_ADMIN, false},
    {"metrics", ctlx_cmd_metrics, no_args, CTL_READ, false},
    {"audit.checkpoint", ctlx_cmd_audit_checkpoint, no_args, CTL_ADMIN, false},
    {"audit.checkpoints", ctlx_cmd_audit_checkpoints, checkpoints_args, CTL_READ, false},
    {"subject.export", ctlx_cmd_subject_export, subject_args, CTL_ADMIN, true},
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

/* The client may use command i, or err is `forbidden` naming the client, its role and the
 * command, and the refusal is logged. */
static int check_rights(const struct ctl_env *env, size_t i, struct proto_error *err)
{
	const struct client *cl = env->client;

	if (cl && client_may_control(cl, commands[i].need))
		return 0;
	if (cl)
		proto_fail(err, PROTO_FORBIDDEN, "client %s (%s) may not use %s",
			   client_label(env->client_name), client_role_name(cl->role),
			   commands[i].name);
	else
		proto_fail(err, PROTO_FORBIDDEN,
			   "client %s is not in the clients file and may not use %s",
			   client_label(env->client_name), commands[i].name);
	log_notice("control: forbidden: %s", err->message);
	return -1;
}

void ctl_read_init(struct ctl_read *rd)
{
	msgpack_sbuffer_init(&rd->entry);
	msgpack_sbuffer_init(&rd->refs);
}

void ctl_read_destroy(struct ctl_read *rd)
{
	msgpack_sbuffer_destroy(&rd->entry);
	msgpack_sbuffer_destroy(&rd->refs);
}

void ctl_pack_unrecorded(msgpack_packer *pk)
{
	struct proto_error err;

	proto_fail(&err, PROTO_UNAVAILABLE,
		   "the read could not be recorded in the journal, so it is not answered; retry "
		   "later");
	ctl_pack_error(pk, &err);
}

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
	       struct ctl_job *ret_job, struct ctl_read *ret_read)
{
	struct proto_error err = {0};
	struct proto_ctl req;
	msgpack_sbuffer result;
	msgpack_packer rpk;
	struct ctl_req q = {.env = env, .pk = &rpk, .err = &err, .job = ret_job};
	size_t i;
	int r;

	ret_read->refs.size = ret_read->entry.size = 0;

	if (proto_ctl_decode(&req, bytes, len, env->limits, &err) < 0) {
		ctl_pack_error(pk, &err);
		return 0;
	}
	for (i = 0; i < N_COMMANDS; i++)
		if (proto_str_eq(req.cmd, commands[i].name))
			break;
	if (i == N_COMMANDS)
		proto_fail(&err, PROTO_UNKNOWN_COMMAND, "cmd: %.*s is not a command",
			   (int)(req.cmd.len > 64 ? 64 : req.cmd.len), req.cmd.ptr);
	if (i == N_COMMANDS || check_rights(env, i, &err) < 0) {
		proto_ctl_release(&req);
		ctl_pack_error(pk, &err);
		return 0;
	}
	q.args = req.args;
	if (commands[i].audited)
		q.rd = ret_read;
	msgpack_sbuffer_init(&result);
	msgpack_packer_init(&rpk, &result, msgpack_sbuffer_write);
	r = store_begin(env->st, true, &q.txn);
	if (r < 0)
		proto_fail(&err, PROTO_UNAVAILABLE, "the store could not be read");
	else
		r = proto_ctl_args_check(q.args, commands[i].args, &err) < 0 ? -1
									     : commands[i].fn(&q);
	store_abort(&q.txn);
	if (r >= 0 && commands[i].audited) {
		/* the record's format is readlog's (proto/SPEC.md "Read auditing") */
		/* report.thread's args may hold a token: its record names the case alone */
		readlog_pack(&ret_read->entry, env->now_ms, env->client_name, env->client->role,
			     commands[i].name, commands[i].need == CTL_THREAD ? NULL : q.args,
			     ret_read->refs.data, ret_read->refs.size);
		r |= CTL_RECORD;
	}
	proto_ctl_release(&req);
	if (r < 0) {
		ctl_pack_error(pk, &err);
	} else if (!(r & CTL_DEFERRED)) {
		ctlx_pack_ok_header(pk);
		ctlx_pack_raw(pk, result.data, result.size);
	}
	if (result.size) /* the command's answer: case data, copied into pk */
		sodium_memzero(result.data, result.size);
	msgpack_sbuffer_destroy(&result);
	return r < 0 ? 0 : r;
}

/* ---- deferred commands (on the job thread) --------------------------------------- */

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
	ctlx_pack_ok_header(pk);
	msgpack_pack_map(pk, 2);
	proto_pack_cstr(pk, "path");
	proto_pack_cstr(pk, path);
	proto_pack_kv_u64(pk, "bytes", bytes);
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
		r = ctlx_run_report(st, job, pk, &err);
		break;
	default:
		r = proto_fail(&err, PROTO_UNAVAILABLE, "not a deferred command");
		break;
	}
	if (r < 0)
		ctl_pack_error(pk, &err);
}
