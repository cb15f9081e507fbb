/* reactorint: what the reactor's files share. reactor.c (signals, systemd, the life cycle and
 * the poll loop) calls reactorin.c (intake and the write cycle) and reactorctl.c (control,
 * with the replies held until their records commit), which both call reactorpass.c (the
 * policy reload and the replan and reseal passes); nothing calls upwards. Not an interface
 * for anything else: reactor.h is the reactor's. */
#ifndef REACTORINT_H
#define REACTORINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>
#include <sodium.h>

#include "loop/batch.h"
#include "loop/ckpttimer.h"
#include "security/clients.h"
#include "policy/config.h"
#include "control/ctl.h"
#include "control/jobs.h"
#include "policy/policy.h"
#include "proto.h"
#include "store/checkpoint.h"
#include "store/readlog.h"
#include "store/reseal.h"
#include "loop/router.h"
#include "security/security.h"
#include "security/tokenlimit.h"
#include "security/seal.h"
#include "store/store.h"
#include "base/walltime.h"
#include "loop/workset.h"
#include "security/zap.h"

#define CTL_PER_CYCLE 64 /* control requests answered per cycle, so intake never waits */

/* A control reply held until the end-of-cycle commit: an audited read's, until its record
 * is committed (ctl.h), or any later reply of the same cycle, so that the replies go out in
 * the order the requests came (control replies carry no id). */
struct pending_reply {
	struct request q;      /* its route */
	msgpack_sbuffer reply; /* sent after the commit; empty for a job */
	struct ctl_read rd;    /* the read's record; unused when !record */
	bool record;           /* an audited read: refused if its record is not committed */
	bool deferred;         /* its job (reactor.pending_job) starts after the commit */
};

struct reactor {
	const struct config *cfg;
	struct store st;
	struct policy policy; /* swapped whole on SIGHUP */
	bool policy_loaded;
	struct workset ws;
	bool ws_started;
	struct proto_limits limits;
	void *zctx, *intake, *control;
	struct security sec; /* CURVE keys and clients file, read once at start */
	struct zap zap;      /* decides who may connect; started before any socket */
	int sigfd;
	bool stopping;
	uint64_t started_ms;
	uint64_t watchdog_ms; /* 0: no watchdog */
	uint64_t last_watchdog_ms, last_status_ms;
	struct ctl_counters counters;
	uint64_t commits; /* write transactions: accepted / commits is the mean batch */
	uint64_t fired;   /* worker entries that changed a case */
	struct {          /* the replan pass after SIGHUP (batch.h) */
		bool active;
		uint8_t after[PROTO_CASE_MAX + 1];
		size_t after_len;
		uint64_t moved;
		uint64_t fp; /* policy_timer_fingerprint of the policy it plans for */
	} replan;
	struct seal *seal; /* [security] seal_key (and _previous); NULL: nothing sealed */
	bool signing;      /* [audit] sign_key is set: sign_sk holds it (checkpoints) */
	uint8_t sign_sk[CHECKPOINT_SK];
	struct ckpt_timer ckpt; /* when the next periodic checkpoint is due ([audit]) */
	/* the daemon's clock, the workers' too (worker.h): read once per pass */
	worker_clock_fn clock;
	void *clock_arg;
	struct reseal_progress reseal;
	struct reseal_cursor reseal_at;
	uint64_t reject_log_sec, reject_log_n, reject_log_dropped;
	struct token_limits tokens; /* failed token look-ups, intake and control alike */
	struct job *job;            /* the running backup or audit.verify, or NULL */
	struct request job_q;       /* its control request's route, kept for the reply */
	int job_efd;                /* its completion arrives here */
	struct request *reqs;       /* batch_max slots */
	struct batch_item **items;  /* items[i] = &reqs[i].item, for batch_apply */
	/* control replies held until the cycle's commit: audited reads until their records
	 * commit, and every reply after the first of them (buffers kept from cycle to cycle);
	 * the reads' records for batch_run, and the job one of them may start */
	struct pending_reply pending[CTL_PER_CYCLE];
	struct readlog_rec reads[CTL_PER_CYCLE];
	size_t n_pending;
	bool pending_job;
	struct ctl_job pending_cmd;
	msgpack_sbuffer out;
};

/* Empties a buffer that held a reply or a read record: case data does not stay in the heap
 * from one use to the next (as batch.c wipes its buffers). Every use ends with a wipe, so
 * nothing past size is left either; what realloc moved away when a buffer grew is not. */
static inline void rx_wipe(msgpack_sbuffer *b)
{
	if (b->size)
		sodium_memzero(b->data, b->size);
	b->size = 0;
}

static inline void rx_wipe_read(struct ctl_read *rd)
{
	rx_wipe(&rd->entry);
	rx_wipe(&rd->refs);
}

/* The client a request came from (clients.h); NULL when its name is not in the file. */
static inline const struct client *rx_client(const struct reactor *R, const char *name)
{
	return clients_resolve(security_clients(&R->sec), name);
}

/* reactorpass.c: the policy reload and the two passes over the store it and `reseal` start
 * (a bounded share of each write batch). */
/* SIGHUP's and `reload`'s work: 0, or -1 with err naming the file, line and key. */
int rx_policy_reload(struct reactor *R, const char *why, char err[CONFIG_ERR_MAX]);
/* `reload` on the control socket (struct ctl_env.reload). */
int rx_reload_request(void *arg, const char *who, char err[CONFIG_ERR_MAX]);
void rx_replan_start(struct reactor *R, const char *why);
void rx_replan_advance(struct reactor *R, const struct batch_result *res);
void rx_reseal_start(struct reactor *R);
void rx_reseal_advance(struct reactor *R, const struct reseal_step *step);
/* Whether the reseal pass gets a share of the next batch (not while a job blocks growth). */
bool rx_reseal_may_run(const struct reactor *R);

/* reactorin.c */
/* Group commit of what waits (intake when read_intake, the workers' entries, the passes'
 * shares, the held control reads); then the acks. Returns the batch's outcome (0 when
 * nothing was written) for rx_control_answer_reads. */
int rx_write_cycle(struct reactor *R, bool read_intake);

/* reactorctl.c */
/* Answers up to CTL_PER_CYCLE control requests; the replies it holds (R->n_pending) go out
 * through rx_control_answer_reads after the next commit, which the caller runs at once. */
void rx_control_cycle(struct reactor *R);
/* Sends the held replies (after the commit whose result is batch_rc). */
void rx_control_answer_reads(struct reactor *R, int batch_rc);
/* Answers the finished job's request. */
void rx_control_job_done(struct reactor *R);
/* The periodic checkpoint ([audit] checkpoint_every, with a sign_key; ckpttimer.h):
 * rx_checkpoint_plan sets the first due time from the store's last checkpoint (none: now +
 * every); 0, or a negative errno (logged). rx_checkpoint_tick takes one when it is due at
 * now, the pass's one reading of R->clock. */
int rx_checkpoint_plan(struct reactor *R, uint64_t now);
void rx_checkpoint_tick(struct reactor *R, uint64_t now);

#endif
