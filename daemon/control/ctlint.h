/* ctlint: what the control commands' files share and nothing outside them uses (the
 * interface is ctl.h). ctl.c dispatches a request to a command as a struct ctl_req and
 * packs the reply's envelope around what the command packed. Its functions are
 * ctlx_*, so nm tells them from ctl.h's ctl_*. The layers: ctl.c dispatches to the command
 * files, which stand on ctlreply.c and ctlenv.h; none calls back up into ctl.c. Not for
 * other modules: include ctl.h. */
#ifndef CTLINT_H
#define CTLINT_H

#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "control/ctlenv.h"
#include "proto.h"
#include "store/journal.h"
#include "store/reseal.h"
#include "store/store.h"

#define LIST_DEFAULT 100 /* case.list, deadlines.list */
#define LIST_MAX     1000

struct ctl_req {
	const struct ctl_env *env;
	const msgpack_object *args; /* NULL when absent */
	MDB_txn *txn;               /* a read transaction, open while the command runs */
	msgpack_packer *pk;         /* packs the `result` value */
	struct proto_error *err;
	struct ctl_job *job; /* a deferred command */
	struct ctl_read *rd; /* an audited command notes the cases it returns here */
};

/* ---- arguments and packing (ctlreply.c) ------------------------------------------------ */

/* args.name, or NULL when absent (its type is checked by the command's table). */
const msgpack_object *ctlx_arg(const struct ctl_req *q, const char *name);
/* args.limit: 1 to max, else def. Returns 0, or -1 with q->err set. */
int ctlx_arg_limit(struct ctl_req *q, uint64_t def, uint64_t max, uint64_t *ret);
/* Appends bytes that already are MessagePack (rows packed apart, a stored notification). */
void ctlx_pack_raw(msgpack_packer *pk, const void *bytes, size_t len);
/* A success reply's map up to the key `result`: its value is packed next. */
void ctlx_pack_ok_header(msgpack_packer *pk);
/* An audited command returned case ref (len bytes): it joins the read record's cases
 * (proto/SPEC.md "Read auditing"). A reference that could not be a key is left out. For a
 * command that returns each case once (case.get, case.list, audit.reads). */
void ctlx_saw_case(struct ctl_req *q, const char *ref, size_t len);
/* The same for a command that may return a case more than once (deadlines.list: a row per
 * deadline): it joins once. */
void ctlx_saw_case_once(struct ctl_req *q, const char *ref, size_t len);

/* ---- the commands: pack the result into q->pk; 0, CTL_DEFERRED, or -1 with q->err set -- */

int ctlx_cmd_case_get(struct ctl_req *q);            /* ctlcase.c */
int ctlx_cmd_case_list(struct ctl_req *q);           /* ctlcase.c */
int ctlx_cmd_deadlines_list(struct ctl_req *q);      /* ctldeadline.c */
int ctlx_cmd_notifications_since(struct ctl_req *q); /* ctlnotify.c */
int ctlx_cmd_report_summary(struct ctl_req *q);      /* ctlreport.c: fills q->job, CTL_DEFERRED */
int ctlx_cmd_report_thread(struct ctl_req *q);       /* ctlthread.c */
int ctlx_cmd_audit_reads(struct ctl_req *q);         /* ctlaudit.c */
int ctlx_cmd_metrics(struct ctl_req *q);             /* ctlmetrics.c */
int ctlx_cmd_audit_checkpoint(struct ctl_req *q);    /* ctlcheckpoint.c */
int ctlx_cmd_audit_checkpoints(struct ctl_req *q);   /* ctlcheckpoint.c */
int ctlx_cmd_subject_export(struct ctl_req *q);      /* ctlsubject.c */

/* The report.summary job (ctlreport.c), for ctl_job_run: packs the whole reply, or returns
 * -1 with err set. */
int ctlx_run_report(struct store *st, const struct ctl_job *job, msgpack_packer *pk,
		    struct proto_error *err);

/* What status and metrics read of the store (ctl.c): the chain head, the counters batch
 * keeps in meta (batch.h's names), the seal state and the map's use. Returns 0, or -1 with
 * q->err unavailable. */
struct ctlx_figures {
	struct journal_head head;
	struct reseal_meta sm;
	uint64_t total, open, notify_seq, dl_open, dl_overdue, map, used;
};
int ctlx_read_figures(struct ctl_req *q, struct ctlx_figures *ret);

#endif
