#include "loop/reactorint.h"

#include <zmq.h>

#include "base/log.h"
#include "base/walltime.h"

/* ---- slow control commands, off the reactor thread (jobs.h) ---------------------- */

/* Starts the deferred command of request q; q's route moves to R->job_q, for the reply.
 * Returns 0, or -1 with err set. */
static int control_defer(struct reactor *R, struct request *q, const struct ctl_job *job,
			 struct proto_error *err)
{
	if (job_start(&R->job, &R->st, R->job_efd, job, err) < 0)
		return -1;
	if (job->kind == CTL_JOB_BACKUP)
		log_notice("backup to %s started by client %s", job->path, client_label(q->client));
	R->job_q = *q; /* the route frames move to the job */
	q->nroute = q->npayload = 0;
	return 0;
}

/* Waits for the job's thread (at once when the eventfd has spoken), answers its request and
 * frees it. */
void rx_control_job_done(struct reactor *R)
{
	struct ctl_job job;
	msgpack_sbuffer out;

	job_complete(&R->job, &job, &out);
	router_send(R->control, &R->job_q, &out);
	if (job.kind == CTL_JOB_BACKUP)
		log_info("backup to %s finished", job.path);
	router_request_close(&R->job_q);
	rx_wipe(&out);
	msgpack_sbuffer_destroy(&out);
}

/* ---- control --------------------------------------------------------------------- */

/* Held replies go out after the commit, in the order their requests came; a read that could
 * not be recorded is not answered but refused (ctl.h), the other replies go out as they
 * were. A held report.summary starts its job now. */
void rx_control_answer_reads(struct reactor *R, int batch_rc)
{
	struct proto_error err = {0};
	msgpack_packer pk;
	size_t refused = 0;

	for (size_t i = 0; i < R->n_pending; i++) {
		struct pending_reply *p = &R->pending[i];

		R->out.size = 0;
		msgpack_packer_init(&pk, &R->out, msgpack_sbuffer_write);
		if (p->record && batch_rc < 0) {
			ctl_pack_unrecorded(&pk);
			refused++;
		} else if (p->deferred && control_defer(R, &p->q, &R->pending_cmd, &err) < 0) {
			ctl_pack_error(&pk, &err);
		}
		if (R->out.size)
			router_send(R->control, &p->q, &R->out);
		else if (!p->deferred)
			router_send(R->control, &p->q, &p->reply);
		router_request_close(&p->q);
		rx_wipe(&R->out);
		rx_wipe(&p->reply);
		rx_wipe_read(&p->rd);
	}
	if (refused)
		log_warn("control: %zu reads refused: their records could not be journaled",
			 refused);
	R->n_pending = 0;
	R->pending_job = false;
}

/* Holds the reply of q (packed in R->out, or to come from job) until the cycle's commit;
 * q's route moves to R->pending[R->n_pending]. With record, the commit carries its read
 * record, already in that entry's rd; without, it is a reply held only to keep the order. */
static void control_hold(struct reactor *R, struct request *q, const struct ctl_job *job,
			 bool deferred, bool record)
{
	struct pending_reply *p = &R->pending[R->n_pending++];

	p->q = *q; /* the route frames move to the pending entry */
	q->nroute = q->npayload = 0;
	p->record = record;
	p->deferred = deferred;
	rx_wipe(&p->reply);
	if (deferred) {
		R->pending_cmd = *job;
		R->pending_job = true;
	} else {
		msgpack_sbuffer_write(&p->reply, R->out.data, R->out.size);
		rx_wipe(&R->out);
	}
}

/* `reseal` on the control socket (struct ctl_env.reseal_start). */
static void reseal_start(void *arg)
{
	rx_reseal_start(arg);
}

/* A checkpoint taken (on demand, or periodic for who ""): logged, and the notifier told of
 * its note. */
static void checkpoint_taken(struct reactor *R, const char *who, const struct ctl_ckpt *c)
{
	log_notice("checkpoint %llu of journal seq %llu taken by %s%s", (unsigned long long)c->n,
		   (unsigned long long)c->seq, *who ? "client " : "",
		   *who ? client_label(who) : "the daemon ([audit] checkpoint_every)");
	notifier_post(&R->ws.nt, c->notify_seq);
}

/* `audit.checkpoint` on the control socket (struct ctl_env.checkpoint): its own write
 * transaction, then the notifier is told of the note; the next periodic one is due a period
 * after it. */
static int checkpoint_request(void *arg, const char *who, struct ctl_ckpt *ret)
{
	struct reactor *R = arg;
	uint64_t now = R->clock(R->clock_arg);
	int r = ctl_checkpoint_write(&R->st, R->sign_sk, now, who, ret);

	if (r < 0)
		return log_errno(LOG_ERR, r, "checkpoint");
	ckpt_timer_taken(&R->ckpt, now);
	checkpoint_taken(R, who, ret);
	return 0;
}

int rx_checkpoint_plan(struct reactor *R, uint64_t now)
{
	int r = ckpt_timer_plan(&R->ckpt, &R->st, R->signing ? R->sign_sk : NULL,
				R->cfg->checkpoint_every_ms, now);

	if (r < 0)
		return log_errno(LOG_ERR, r, "store: reading the last checkpoint");
	return 0;
}

void rx_checkpoint_tick(struct reactor *R, uint64_t now)
{
	struct ctl_ckpt c;
	int r = ckpt_timer_tick(&R->ckpt, &R->st, now, &c);

	if (r < 0)
		log_errno(LOG_ERR, r,
			  "periodic checkpoint; tried again in [audit] checkpoint_every");
	else if (r > 0)
		checkpoint_taken(R, "", &c);
}

void rx_control_cycle(struct reactor *R)
{
	struct ctl_env env = {
	    .st = &R->st,
	    .limits = &R->limits,
	    .started_ms = R->started_ms,
	    .intake = &R->counters,
	    .policy = &R->policy,
	    .tokens = &R->tokens,
	    .notify_sent = &R->ws.nt.sent_total,
	    .notify_dropped = &R->ws.nt.dropped_total,
	    .zap_refused = &R->zap.refused,
	    .reload = rx_reload_request,
	    .reload_arg = R,
	    .reseal = &R->reseal,
	    .reseal_start = reseal_start,
	    .reseal_arg = R,
	    .checkpoint = R->signing ? checkpoint_request : NULL,
	    .checkpoint_arg = R,
	};
	struct proto_error err = {0};
	struct ctl_job job;
	struct request q;
	msgpack_packer pk;
	int r;

	for (int i = 0; i < CTL_PER_CYCLE; i++) {
		struct ctl_read *rd = &R->pending[R->n_pending].rd; /* filled by ctl_handle */
		bool recorded = false;

		r = router_recv(R->control, &q);
		if (r == 0)
			break;
		if (r == ROUTER_DROPPED)
			log_notice("control: dropped a request whose route has more than %d "
				   "frames; it cannot be answered",
				   ROUTER_ROUTE_MAX);
		if (r < 0)
			continue;
		R->out.size = 0;
		msgpack_packer_init(&pk, &R->out, msgpack_sbuffer_write);
		if (q.npayload != 1) {
			proto_fail(&err, PROTO_MALFORMED,
				   "a request is one frame holding one MessagePack map; got %d "
				   "frames after the route",
				   q.npayload);
			ctl_pack_error(&pk, &err);
		} else {
			env.now_ms = walltime_ms();
			env.client_name = q.client;
			env.client = rx_client(R, q.client);
			r = ctl_handle(&env, zmq_msg_data(&q.payload), zmq_msg_size(&q.payload),
				       &pk, &job, rd);
			/* one job at a time, counting one held until its record commits: a
			 * report.summary is refused before it is recorded, not after */
			if (r & CTL_DEFERRED && (R->pending_job || R->job)) {
				proto_fail(&err, PROTO_UNAVAILABLE,
					   "a backup, audit.verify or report.summary is already "
					   "running; retry when it has finished");
				ctl_pack_error(&pk, &err);
			} else if (r & CTL_RECORD) {
				control_hold(R, &q, &job, r & CTL_DEFERRED, true);
				recorded = true;
			} else if (r == CTL_DEFERRED && control_defer(R, &q, &job, &err) < 0) {
				ctl_pack_error(&pk, &err);
			}
		}
		/* once a reply of the cycle is held, every later one is, so that a client
		 * pipelining requests on one connection gets the replies in order */
		if (R->out.size && R->n_pending)
			control_hold(R, &q, NULL, false, false);
		else if (R->out.size)
			router_send(R->control, &q, &R->out);
		router_request_close(&q);
		rx_wipe(&R->out);
		if (!recorded)
			rx_wipe_read(rd); /* a record refused with its command, or none */
	}
}
