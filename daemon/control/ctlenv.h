/* ctlenv: what a control command is given (struct ctl_env), the deferred job it may hand
 * back (struct ctl_job, CTL_DEFERRED) and the read record it may ask to be journaled first
 * (struct ctl_read, CTL_RECORD). Below both ctl.c's dispatch and the command files; users
 * include ctl.h, which includes this. */
#ifndef CTLENV_H
#define CTLENV_H

#include <stdatomic.h>
#include <stdint.h>

#include <msgpack.h>

#include "security/clients.h"
#include "security/tokenlimit.h"
#include "policy/config.h"
#include "policy/policy.h"
#include "proto.h"
#include "control/ctlcheckpoint.h"
#include "store/reseal.h"
#include "store/store.h"

/* The reactor's intake counters since the start, for status and metrics (ctlmetrics.c). */
#define CTL_BATCH_BUCKETS 8 /* events per commit: <= 1, 4, 16, 64, 256, 1024, 4096, +Inf */
#define CTL_ACK_BUCKETS                                                                            \
	12 /* ack latency, ms: <= 0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, +Inf */
struct ctl_counters {
	uint64_t accepted, duplicate, rejected;
	uint64_t rejected_by[PROTO_ERR_COUNT]; /* by wire code; a request dropped unread has none */
	uint64_t commits;                      /* write transactions committed */
	/* per commit that answered events: how many (a bucket each, not cumulative) and their
	 * sum; per event answered after it: the latency from its read to its ack, in us */
	uint64_t batch_events[CTL_BATCH_BUCKETS], batch_events_sum;
	uint64_t ack_us[CTL_ACK_BUCKETS], ack_us_sum, ack_count;
};

/* Counts a committed write transaction that answered events events, ack_us after they were
 * read (ctlmetrics.c, where the buckets' bounds are). */
void ctl_counters_commit(struct ctl_counters *c, size_t events, uint64_t ack_us);

/* What the commands may read. */
struct ctl_env {
	struct store *st;
	const struct proto_limits *limits;
	uint64_t now_ms;
	uint64_t started_ms;
	const struct ctl_counters *intake;
	const struct policy *policy; /* the reactor's: [reports] */
	struct token_limits *tokens; /* failed token look-ups (report.thread counts its own) */
	/* the notifier's and the ZAP handler's counts since the start, written by their threads
	 * (metrics); NULL where they do not run */
	const _Atomic uint64_t *notify_sent, *notify_dropped, *zap_refused;
	/* who asks: the name the ZAP handler gave the connection ("" when none), and its entry
	 * (clients_resolve; NULL when the name is not in the clients file: it may do nothing) */
	const char *client_name;
	const struct client *client;
	/* `reload` (admin): does what SIGHUP does, for the client named who; 0, or -1 with err
	 * naming the problem and the policy in force unchanged. NULL: reload is unavailable. */
	int (*reload)(void *arg, const char *who, char err[CONFIG_ERR_MAX]);
	void *reload_arg;
	/* the reseal pass: shown by status; the reseal command starts it (reseal_start with
	 * reseal_arg: the reactor runs it, a bounded share a batch). NULL: no pass can run here. */
	struct reseal_progress *reseal;
	void (*reseal_start)(void *arg);
	void *reseal_arg;
	/* `audit.checkpoint` (admin): takes, journals and notifies a signed checkpoint for the
	 * client named who (ctlcheckpoint.h); 0, or a negative errno. NULL: no [audit] sign_key. */
	int (*checkpoint)(void *arg, const char *who, struct ctl_ckpt *ret);
	void *checkpoint_arg;
};

#define CTL_PATH_MAX 4096
#define CTL_DEFERRED 1 /* a job to run off the reactor thread: nothing packed */
#define CTL_RECORD   2 /* (a flag) a read to journal before the reply, or the job, goes out */

/* A command too slow for the reactor thread (a copy or a walk of the whole store). */
enum ctl_job_kind { CTL_JOB_BACKUP, CTL_JOB_VERIFY, CTL_JOB_REPORT };
struct ctl_job {
	enum ctl_job_kind kind;
	char path[CTL_PATH_MAX]; /* CTL_JOB_BACKUP */
	uint64_t from, to;       /* CTL_JOB_REPORT: cases opened in [from, to); to 0 = no bound */
	uint64_t now_ms;         /* CTL_JOB_REPORT: for deadlines not yet met */
	enum proto_kind only;    /* CTL_JOB_REPORT: that kind's cases alone; KIND_NONE: all */
	int by;                  /* CTL_JOB_REPORT: proto_characteristic_names index; -1 none */
	uint64_t suppress_below; /* CTL_JOB_REPORT: [reports] suppress_below */
};

/* A control read that must be journaled before it is answered (proto/SPEC.md "Read
 * auditing"): the journal entry (readlog_pack: readlog.h owns its format), and the case
 * references the reply returned, each NUL-terminated, in reply order and each once, for the
 * entry's `cases` and the `reads` index. The caller owns the buffers (ctl_read_init,
 * ctl_read_destroy); ctl_handle empties and fills them. */
struct ctl_read {
	msgpack_sbuffer entry;
	msgpack_sbuffer refs;
};

#endif
