#include "reactor.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <msgpack.h>
#include <sodium.h>
#include <systemd/sd-daemon.h>
#include <zmq.h>

#include "anon.h"
#include "batch.h"
#include "clients.h"
#include "ctl.h"
#include "jobs.h"
#include "log.h"
#include "policy.h"
#include "proto.h"
#include "readlog.h"
#include "reseal.h"
#include "router.h"
#include "security.h"
#include "seal.h"
#include "store.h"
#include "workset.h"
#include "zap.h"

#define CTL_PER_CYCLE    64   /* control requests answered per cycle, so intake never waits */
#define STATUS_EVERY_MS  1000 /* STATUS= refresh */
#define STOP_LINGER_MS   2000 /* time given to queued acks when stopping */
#define MAXMSG_FACTOR    4    /* frames this many times max_message_bytes cut the peer off */
#define REJECT_LOG_PER_S 100  /* rejections logged a second; the rest are counted */
#define REPLAN_PER_BATCH 256  /* live deadlines the SIGHUP replan pass visits a batch */
#define RESEAL_PER_BATCH 256  /* values the reseal pass visits a batch */

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
	} replan;
	struct seal *seal; /* [security] seal_key (and _previous); NULL: nothing sealed */
	struct reseal_progress reseal;
	struct reseal_cursor reseal_at;
	uint64_t reject_log_sec, reject_log_n, reject_log_dropped;
	struct job *job;           /* the running backup or audit.verify, or NULL */
	struct request job_q;      /* its control request's route, kept for the reply */
	int job_efd;               /* its completion arrives here */
	struct request *reqs;      /* batch_max slots */
	struct batch_item **items; /* items[i] = &reqs[i].item, for batch_apply */
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

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Empties a buffer that held a reply or a read record: case data does not stay in the heap
 * from one use to the next (as batch.c wipes its buffers). Every use ends with a wipe, so
 * nothing past size is left either; what realloc moved away when a buffer grew is not. */
static void wipe(msgpack_sbuffer *b)
{
	if (b->size)
		sodium_memzero(b->data, b->size);
	b->size = 0;
}

static void wipe_read(struct ctl_read *rd)
{
	wipe(&rd->entry);
	wipe(&rd->refs);
}

/* The client a request came from (clients.h); NULL when its name is not in the clients
 * file. */
static const struct client *reactor_client(const struct reactor *R, const char *name)
{
	return clients_resolve(security_clients(&R->sec), name);
}

static const char *client_label(const char *name)
{
	return name[0] ? name : CLIENT_UNNAMED;
}

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
static void control_job_done(struct reactor *R)
{
	struct ctl_job job;
	msgpack_sbuffer out;

	job_complete(&R->job, &job, &out);
	router_send(R->control, &R->job_q, &out);
	if (job.kind == CTL_JOB_BACKUP)
		log_info("backup to %s finished", job.path);
	router_request_close(&R->job_q);
	wipe(&out);
	msgpack_sbuffer_destroy(&out);
}

/* ---- intake ---------------------------------------------------------------------- */

static void reply_intake(struct reactor *R, struct request *q, const char *id, const char *status,
			 const char *case_ref, uint64_t seq, const struct proto_error *err)
{
	msgpack_packer pk;

	R->out.size = 0;
	msgpack_packer_init(&pk, &R->out, msgpack_sbuffer_write);
	proto_reply_pack(&pk, id, status, case_ref, seq, err);
	router_send(R->intake, q, &R->out);
	wipe(&R->out);
}

/* Answers q `rejected` and logs it. The log line names the event's id, except for an
 * anonymous referral (anon: known only once its body is decoded): its id may be built from
 * the reporter or the clock, and must not be tied to the client in the logs (anon.h); a
 * message quoting the id is withheld too. */
static void reject(struct reactor *R, struct request *q, const char *id, bool anon,
		   const struct proto_error *err)
{
	uint64_t sec = now_ms() / 1000;
	const char *msg = err->message;
	const char *shown = anon ? "(anonymous referral)" : id && *id ? id : "(no id)";

	R->counters.rejected++;
	/* a log line each, up to a bound a second: a flood must not flood the journal */
	if (sec != R->reject_log_sec) {
		if (R->reject_log_dropped)
			log_notice("intake: %llu more rejections in that second were not logged",
				   (unsigned long long)R->reject_log_dropped);
		R->reject_log_sec = sec;
		R->reject_log_n = R->reject_log_dropped = 0;
	}
	if (anon && id && *id && strstr(msg, id))
		msg = "(the message quotes the id: not logged)";
	if (R->reject_log_n++ < REJECT_LOG_PER_S)
		log_notice("intake: rejected %s from client %s: %s: %s", shown,
			   client_label(q->client), proto_err_code(err->code), msg);
	else
		R->reject_log_dropped++;
	reply_intake(R, q, id, "rejected", NULL, 0, err);
}

/* The client that sent q may send its event's type, or err is `forbidden` naming the client
 * and the type. */
static int intake_may_send(const struct reactor *R, const struct request *q,
			   struct proto_error *err)
{
	const struct client *cl = reactor_client(R, q->client);
	const char *type = q->item.ev.type->name;

	if (!cl)
		return proto_fail(err, PROTO_FORBIDDEN,
				  "client %s is not in the clients file and may not send %s",
				  client_label(q->client), type);
	if (!client_may_send(cl, q->item.ev.type))
		return proto_fail(err, PROTO_FORBIDDEN, "client %s (%s) may not send %s",
				  client_label(q->client), client_role_name(cl->role), type);
	return 0;
}

/* Decodes a received request. Returns 1 when it joins the batch; otherwise it was answered. */
static int intake_decode(struct reactor *R, struct request *q, uint64_t now)
{
	char id[PROTO_ID_MAX + 1] = "";
	struct proto_error err = {0};

	if (q->npayload != 1) {
		proto_fail(&err, PROTO_MALFORMED,
			   "a request is one frame holding one MessagePack map; got %d frames "
			   "after the route",
			   q->npayload);
		reject(R, q, NULL, false, &err);
		return 0;
	}
	if (proto_event_decode(&q->item.ev, zmq_msg_data(&q->payload), zmq_msg_size(&q->payload),
			       now, &R->limits, id, &err) < 0) {
		/* not decoded: whether it is anonymous is not known (proto/SPEC.md) */
		reject(R, q, id, false, &err);
		return 0;
	}
	/* PROTOCOL.md's order: after the body, before duplicate */
	if (intake_may_send(R, q, &err) < 0) {
		reject(R, q, id, anon_is(&q->item.ev), &err);
		proto_event_release(&q->item.ev);
		return 0;
	}
	return 1;
}

static void intake_answer(struct reactor *R, struct request *q, int batch_rc)
{
	struct batch_item *it = &q->item;
	char id[PROTO_ID_MAX + 1];
	struct proto_error err;

	snprintf(id, sizeof(id), "%.*s", (int)it->ev.id.len, it->ev.id.ptr);
	if (batch_rc < 0) {
		proto_fail(&err, PROTO_UNAVAILABLE, "%s",
			   batch_rc == -ENOSPC ? "the store is full ([store] map_max reached); "
						 "nothing was written"
			   : batch_rc == -EBUSY
			       ? "the store is full and cannot grow while a backup runs; "
				 "nothing was written, retry shortly"
			       : "the store could not write; nothing was written, retry later");
		reject(R, q, id, anon_is(&it->ev), &err);
		return;
	}
	switch (it->status) {
	case BATCH_ACCEPTED:
		R->counters.accepted++;
		reply_intake(R, q, id, "accepted", it->case_ref, it->seq, NULL);
		break;
	case BATCH_DUPLICATE:
		R->counters.duplicate++;
		reply_intake(R, q, id, "duplicate", it->case_ref, it->seq, NULL);
		break;
	case BATCH_REJECTED:
		reject(R, q, id, anon_is(&it->ev), &it->err);
		break;
	}
}

/* Timers already set follow the reminders, escalation interval and holidays now in force: a
 * pass over every live deadline, a bounded share a batch, moves them (due times stay as they
 * were). It starts at SIGHUP and at start-up when the store's timers were placed under other
 * settings (meta timer_policy: a restart with an edited config, or a pass a crash cut
 * short); it is idempotent, so a pass started again from the beginning is harmless. */
static void replan_start(struct reactor *R, const char *why)
{
	R->replan.active = true;
	R->replan.after_len = 0;
	R->replan.moved = 0;
	log_notice("%s: replanning the deadline timers under the reminders and escalation "
		   "interval in force",
		   why);
}

/* The replan pass goes on where this batch left it, or ends. */
static void replan_advance(struct reactor *R, const struct batch_result *res)
{
	memcpy(R->replan.after, res->replan_next, res->replan_next_len);
	R->replan.after_len = res->replan_next_len;
	R->replan.moved += res->replanned;
	if (!res->replan_done)
		return;
	R->replan.active = false;
	log_notice("replan: %llu deadline timers moved to the reminders and escalation interval "
		   "in force",
		   (unsigned long long)R->replan.moved);
}

/* The reseal pass (reseal.h), asked for by the reseal command: from the first case record
 * to the last journal entry, a bounded share a batch, like the replan pass. */
static void reseal_start(struct reactor *R)
{
	R->reseal.requested = false;
	R->reseal.running = true;
	R->reseal.cases = R->reseal.entries = R->reseal.failed = 0;
	R->reseal_at = (struct reseal_cursor){.db = DB_CASES};
	log_notice("reseal: sealing every case record and journal entry again under the current "
		   "seal key");
}

static void reseal_advance(struct reactor *R, const struct reseal_step *step)
{
	R->reseal_at = step->next;
	R->reseal.cases += step->cases;
	R->reseal.entries += step->entries;
	R->reseal.failed += step->failed;
	if (!step->done)
		return;
	R->reseal.running = false;
	if (R->reseal.failed)
		log_error("reseal: finished, but %llu values could not be sealed again (logged "
			  "above); the previous key is still needed",
			  (unsigned long long)R->reseal.failed);
	else
		log_notice("reseal: finished: %llu case records and %llu journal entries sealed "
			   "again; every value is under the current key",
			   (unsigned long long)R->reseal.cases,
			   (unsigned long long)R->reseal.entries);
}

static void control_answer_reads(struct reactor *R, int batch_rc);

/* Whether the reseal pass gets a share of the next batch: not while a job (a backup,
 * audit.verify, report.summary) keeps the map from growing. */
static bool reseal_may_run(const struct reactor *R)
{
	return R->reseal.running && !R->st.grow_blocked;
}

/* Group commit: every request waiting now (up to batch_max), the entries the workers handed
 * over and the records of the control reads held, in one transaction; then the acks and the
 * held replies, and the workers and the notifier hear of the commit. */
static void write_cycle(struct reactor *R, bool read_intake)
{
	uint64_t now = now_ms();
	struct batch_result res = {0};
	struct batch_input in = {.items = R->items, .policy = &R->policy, .now_ms = now};
	size_t n = 0;
	int r;

	/* every read counts against the bound, rejected ones too, so that a flood of bad
	 * requests cannot keep the loop from control, signals and the watchdog */
	for (size_t reads = 0; read_intake && reads < R->cfg->batch_max; reads++) {
		struct request *q = &R->reqs[n];

		r = router_recv(R->intake, q);
		if (r == 0)
			break;
		if (r < 0)
			continue;
		if (intake_decode(R, q, now))
			n++;
		else
			router_request_close(q);
	}
	workset_take(&R->ws);
	if (workset_ready(&R->ws, now)) {
		in.work = R->ws.items;
		in.n_work = R->ws.n;
	}
	if (R->replan.active) {
		in.replan_after = R->replan.after;
		in.replan_after_len = R->replan.after_len;
		in.replan_max = REPLAN_PER_BATCH;
		in.replan_fp = policy_timer_fingerprint(&R->policy);
	}
	/* the pass grows values: while a job blocks growth it waits, not to fail the batch */
	if (reseal_may_run(R)) {
		in.reseal_from = R->reseal_at;
		in.reseal_max = RESEAL_PER_BATCH;
		in.reseal_failed = R->reseal.failed;
	}
	for (size_t i = 0; i < R->n_pending; i++) {
		const struct ctl_read *rd = &R->pending[i].rd;

		if (!R->pending[i].record)
			continue;
		R->reads[in.n_reads++] = (struct readlog_rec){
		    .entry = (const uint8_t *)rd->entry.data,
		    .len = rd->entry.size,
		    .refs = rd->refs.data,
		    .refs_len = rd->refs.size,
		};
	}
	in.reads = R->reads;
	if (n == 0 && in.n_work == 0 && in.replan_max == 0 && in.reseal_max == 0 && in.n_reads == 0)
		return;
	in.n = n;
	r = batch_run(&R->st, &in, &res);
	/* a pass that cannot write (sealed values are larger: the map may be at its ceiling)
	 * must not make what shares its batch fail with it: it stops, and the same batch is
	 * run again at once without it, so intake and held reads get their own outcome
	 * (batch_run may be run again on the same input: it resets what it fills) */
	if (r < 0 && in.reseal_max) {
		R->reseal.running = false;
		log_errno(LOG_ERR, r,
			  "reseal: stopped; run `integrityctl reseal` again once the "
			  "store can grow");
		in.reseal_max = 0;
		if (n == 0 && in.n_work == 0 && in.replan_max == 0 && in.n_reads == 0)
			return;
		r = batch_run(&R->st, &in, &res);
	}
	if (r == 0) {
		R->commits++;
		R->fired += res.fired;
		workset_committed(&R->ws, &res);
		if (in.replan_max)
			replan_advance(R, &res);
		if (in.reseal_max)
			reseal_advance(R, &res.reseal);
	} else if (in.n_work) {
		workset_failed(&R->ws, now);
	}
	if (r < 0 && r != -ENOSPC && r != -EBUSY)
		log_errno(LOG_ERR, r,
			  "batch of %zu events, %zu due entries and %zu read records not written",
			  n, in.n_work, in.n_reads);
	for (size_t i = 0; i < n; i++) {
		intake_answer(R, &R->reqs[i], r);
		proto_event_release(&R->reqs[i].item.ev);
		router_request_close(&R->reqs[i]);
	}
	control_answer_reads(R, r);
}

/* ---- control --------------------------------------------------------------------- */

/* Held replies go out after the commit, in the order their requests came; a read that could
 * not be recorded is not answered but refused (ctl.h), the other replies go out as they
 * were. A held report.summary starts its job now. */
static void control_answer_reads(struct reactor *R, int batch_rc)
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
		wipe(&R->out);
		wipe(&p->reply);
		wipe_read(&p->rd);
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
	wipe(&p->reply);
	if (deferred) {
		R->pending_cmd = *job;
		R->pending_job = true;
	} else {
		msgpack_sbuffer_write(&p->reply, R->out.data, R->out.size);
		wipe(&R->out);
	}
}

/* `reload` on the control socket: SIGHUP's work, answered. */
static int reload_request(void *arg, const char *who, char err[CONFIG_ERR_MAX]);

static void control_cycle(struct reactor *R)
{
	struct ctl_env env = {
	    .st = &R->st,
	    .limits = &R->limits,
	    .started_ms = R->started_ms,
	    .intake = &R->counters,
	    .reload = reload_request,
	    .reload_arg = R,
	    .reseal = &R->reseal,
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
			env.now_ms = now_ms();
			env.client_name = q.client;
			env.client = reactor_client(R, q.client);
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
		wipe(&R->out);
		if (!recorded)
			wipe_read(rd); /* a record refused with its command, or none */
		if (R->reseal.requested)
			reseal_start(R);
	}
	/* the held reads are journaled with whatever intake is waiting, then every held reply
	 * is sent */
	if (R->n_pending)
		write_cycle(R, true);
}

/* ---- systemd and signals --------------------------------------------------------- */

static void notify_status(struct reactor *R, uint64_t now)
{
	if (R->watchdog_ms && now - R->last_watchdog_ms >= R->watchdog_ms / 2) {
		sd_notify(0, "WATCHDOG=1");
		R->last_watchdog_ms = now;
	}
	if (now - R->last_status_ms >= STATUS_EVERY_MS) {
		sd_notifyf(0, "STATUS=accepted %llu, duplicate %llu, rejected %llu, commits %llu",
			   (unsigned long long)R->counters.accepted,
			   (unsigned long long)R->counters.duplicate,
			   (unsigned long long)R->counters.rejected,
			   (unsigned long long)R->commits);
		R->last_status_ms = now;
	}
}

/* SIGHUP and `reload`: the policy sections of the config file again ([deadlines],
 * [escalation], [retention], [vetting]). Deadlines already open keep the due time they were
 * given; what they do next (reminders, escalations) follows the new settings. A bad file
 * changes nothing: returns -1 with err naming the file, line and key. */
static int policy_reload(struct reactor *R, const char *why, char err[CONFIG_ERR_MAX])
{
	static struct config cfg; /* large: not on the stack */
	struct policy p;

	if (config_load(&cfg, R->cfg->path, err) < 0 || policy_load(&p, &cfg, err) < 0) {
		log_error("%s: %s; the policy in force is unchanged", why, err);
		return -1;
	}
	policy_free(&R->policy);
	R->policy = p;
	log_notice("%s: policy reloaded from %s", why, R->cfg->path);
	replan_start(R, why);
	return 0;
}

static void reload_policy(struct reactor *R)
{
	char err[CONFIG_ERR_MAX];

	policy_reload(R, "SIGHUP", err);
}

static int reload_request(void *arg, const char *who, char err[CONFIG_ERR_MAX])
{
	char why[CLIENTS_NAME_MAX + 32];

	snprintf(why, sizeof(why), "reload by client %s", client_label(who));
	return policy_reload(arg, why, err);
}

static void on_signal(struct reactor *R)
{
	struct signalfd_siginfo si;

	while (read(R->sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			log_notice("signal %d: stopping; committing and acknowledging what is held",
				   (int)si.ssi_signo);
			sd_notify(0, "STOPPING=1");
			R->stopping = true;
			break;
		case SIGHUP:
			reload_policy(R);
			break;
		}
	}
}

/* Blocks the signals we take through signalfd, in this thread and every thread started after
 * (libzmq's I/O threads), so they can only arrive at the signalfd. */
static int signals_open(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGPIPE);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	sigdelset(&set, SIGPIPE);
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

/* ---- life cycle ------------------------------------------------------------------ */

/* The notifier publishes what is committed after now; the workers pick up where the store
 * stands, so nothing of a previous run is lost or done twice. */
static int start_workers(struct reactor *R)
{
	MDB_txn *txn = NULL;
	uint64_t seq = 0, fp = 0;
	int r;

	if ((r = store_begin(&R->st, true, &txn)) < 0 ||
	    (r = store_meta_get_u64(&R->st, txn, "notify_seq", &seq)) < 0 ||
	    (r = store_meta_get_u64(&R->st, txn, "timer_policy", &fp)) < 0) {
		store_abort(&txn);
		return log_errno(LOG_ERR, r, "store: reading notify_seq and timer_policy");
	}
	store_abort(&txn);
	if (fp != policy_timer_fingerprint(&R->policy))
		replan_start(R, "start");
	R->ws_started = true;
	if (workset_start(&R->ws, &R->st, R->zctx, R->cfg->notify_endpoint, &R->sec,
			  &R->cfg->notify_perm, seq, R->cfg->batch_max) < 0)
		return -EADDRNOTAVAIL;
	return 0;
}

/* A ROUTER bound to list under the [security] settings and perm; NULL on failure (logged). */
static void *open_router(struct reactor *R, const char *list, const char *what,
			 const struct sock_perm *perm)
{
	const struct router_opts o = {
	    .sec = &R->sec,
	    .perm = perm,
	    .maxmsg = (int64_t)R->cfg->max_message_bytes * MAXMSG_FACTOR,
	};
	char err[SECURITY_ERR_MAX];
	void *s = router_open(R->zctx, ZMQ_ROUTER, list, what, &o, err, sizeof(err));

	if (!s)
		log_error("%s: %s", what, err);
	return s;
}

/* Which key seals, and whether values wait for a reseal under another. */
static void log_seal_state(struct reactor *R)
{
	char cur[2 * SEAL_ID_BYTES + 1], old[2 * SEAL_ID_BYTES + 1];
	struct reseal_meta m = {0};
	MDB_txn *txn = NULL;

	if (store_begin(&R->st, true, &txn) == 0)
		reseal_meta_read(&R->st, txn, &m);
	store_abort(&txn);
	seal_id_hex(m.key, cur);
	seal_id_hex(m.old, old);
	if (!m.pending)
		log_notice("seal: values are sealed under key id %s", cur);
	else
		log_notice("seal: new values are sealed under key id %s; some may still be %s%s "
			   "until `integrityctl reseal` has run",
			   cur, m.pending_plain ? "plain" : "under key id ",
			   m.pending_plain ? "" : old);
}

static int reactor_open(struct reactor *R, const struct config *cfg)
{
	char err[SECURITY_ERR_MAX], kerr[KEYFILE_ERR_MAX], rerr[RESEAL_ERR_MAX];
	uint64_t usec = 0;
	int r;

	memset(R, 0, sizeof(*R));
	R->cfg = cfg;
	R->sigfd = -1;
	R->job_efd = -1;
	R->st.lock_fd = -1; /* store_close before store_open closes nothing */
	R->started_ms = now_ms();
	R->limits = (struct proto_limits){
	    .max_message_bytes = cfg->max_message_bytes,
	    .clock_skew_ms = cfg->clock_skew_ms,
	    .max_depth = PROTO_DEFAULT_MAX_DEPTH,
	    .max_items = PROTO_DEFAULT_MAX_ITEMS,
	};
	msgpack_sbuffer_init(&R->out);
	R->reqs = calloc(cfg->batch_max, sizeof(*R->reqs));
	R->items = calloc(cfg->batch_max, sizeof(*R->items));
	if (!R->reqs || !R->items)
		return log_errno(LOG_ERR, -ENOMEM, "allocating %llu request slots",
				 (unsigned long long)cfg->batch_max);
	for (size_t i = 0; i < cfg->batch_max; i++)
		R->items[i] = &R->reqs[i].item;
	if ((R->sigfd = signals_open()) < 0)
		return log_errno(LOG_ERR, -errno, "signalfd");
	if (policy_load(&R->policy, cfg, err) < 0) {
		log_error("config: %s", err);
		return -EINVAL;
	}
	R->policy_loaded = true;
	if (security_load(&R->sec, cfg, err) < 0) {
		log_error("config: %s", err);
		return -EINVAL;
	}
	r = store_open(&R->st, cfg->state_dir, cfg->map_size, cfg->map_max, cfg->sync == SYNC_FULL);
	if (r == -EBUSY)
		return log_errno(LOG_ERR, r, "store %s: another integrityd is running on it",
				 cfg->state_dir);
	if (r < 0)
		return log_errno(LOG_ERR, r, "store %s", cfg->state_dir);
	if (*cfg->seal_key &&
	    seal_load(&R->seal, cfg->seal_key, cfg->seal_key_previous, kerr) < 0) {
		log_error("[security] seal_key: %s", kerr);
		return -EINVAL;
	}
	R->st.seal = R->seal;
	if (reseal_start_check(&R->st, rerr) < 0) {
		log_error("store %s: %s", cfg->state_dir, rerr);
		return -EINVAL;
	}
	if ((r = anon_secret_load(&R->st)) < 0)
		return log_errno(LOG_ERR, r, "store %s: the key of anonymous ids (meta %s)",
				 cfg->state_dir, "anon_secret");
	if (R->seal)
		log_seal_state(R);
	if (cfg->sync == SYNC_NONE)
		log_warn("[store] sync = none: NOT DURABLE. Acknowledged events can be lost in a "
			 "crash. For benchmarks only; never in service.");
	R->zctx = zmq_ctx_new();
	if (!R->zctx)
		return log_errno(LOG_ERR, -errno, "zmq_ctx_new");
	/* first: no socket may exist before the handler that decides who connects */
	if (zap_start(&R->zap, R->zctx, security_clients(&R->sec), err, sizeof(err)) < 0) {
		log_error("%s", err);
		return -EADDRNOTAVAIL;
	}
	if (!(R->intake = open_router(R, cfg->intake_endpoint, "intake", &cfg->intake_perm)) ||
	    !(R->control = open_router(R, cfg->control_endpoint, "control", &cfg->control_perm)))
		return -EADDRNOTAVAIL;
	if ((r = start_workers(R)) < 0)
		return r;
	R->job_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (R->job_efd < 0)
		return log_errno(LOG_ERR, -errno, "eventfd");
	if (sd_watchdog_enabled(0, &usec) > 0)
		R->watchdog_ms = usec / 1000;
	return 0;
}

static void reactor_close(struct reactor *R)
{
	int linger = STOP_LINGER_MS;

	/* a backup in progress finishes (its copy stays whole) and is answered */
	if (R->job)
		control_job_done(R);
	/* acks already queued get a moment to leave */
	if (R->intake)
		zmq_setsockopt(R->intake, ZMQ_LINGER, &linger, sizeof(linger));
	if (R->control)
		zmq_setsockopt(R->control, ZMQ_LINGER, &linger, sizeof(linger));
	if (R->intake)
		zmq_close(R->intake);
	if (R->control)
		zmq_close(R->control);
	/* the notifier publishes what is committed, then every thread stops */
	if (R->ws_started)
		workset_stop(&R->ws);
	zap_stop(&R->zap); /* after every socket that asks it */
	if (R->policy_loaded)
		policy_free(&R->policy);
	if (R->job_efd >= 0)
		close(R->job_efd);
	if (R->zctx)
		zmq_ctx_term(R->zctx);
	anon_secret_free(&R->st);
	store_close(&R->st);
	seal_free(&R->seal);
	if (R->sigfd >= 0)
		close(R->sigfd);
	for (size_t i = 0; i < CTL_PER_CYCLE; i++) {
		msgpack_sbuffer_destroy(&R->pending[i].reply);
		ctl_read_destroy(&R->pending[i].rd);
	}
	free(R->reqs);
	free(R->items);
	msgpack_sbuffer_destroy(&R->out);
	security_free(&R->sec);
}

static long poll_timeout(const struct reactor *R)
{
	long t = STATUS_EVERY_MS;

	if (R->replan.active || reseal_may_run(R))
		return 0; /* the pass goes on between whatever else arrives */
	if (R->watchdog_ms && (long)(R->watchdog_ms / 2) < t)
		t = (long)(R->watchdog_ms / 2);
	return t;
}

int reactor_run(const struct config *cfg)
{
	struct reactor R;
	int rc = 1;

	if (reactor_open(&R, cfg) < 0)
		goto out;
	sd_notify(0, "READY=1\nSTATUS=ready");
	log_notice("integrityd %s ready: state %s", INTEGRITYD_VERSION, cfg->state_dir);
	while (!R.stopping) {
		zmq_pollitem_t items[] = {
		    {R.intake, 0, ZMQ_POLLIN, 0},    {R.control, 0, ZMQ_POLLIN, 0},
		    {NULL, R.sigfd, ZMQ_POLLIN, 0},  {NULL, R.job_efd, ZMQ_POLLIN, 0},
		    {NULL, R.ws.efd, ZMQ_POLLIN, 0},
		};
		if (zmq_poll(items, 5, poll_timeout(&R)) < 0 && zmq_errno() != EINTR) {
			log_error("zmq_poll: %s", zmq_strerror(zmq_errno()));
			goto out;
		}
		if ((items[0].revents | items[4].revents) & ZMQ_POLLIN || R.ws.n ||
		    R.replan.active || reseal_may_run(&R))
			write_cycle(&R, items[0].revents & ZMQ_POLLIN);
		if (items[1].revents & ZMQ_POLLIN)
			control_cycle(&R);
		if (items[2].revents & ZMQ_POLLIN)
			on_signal(&R);
		if (items[3].revents & ZMQ_POLLIN && job_finish(R.job_efd) && R.job)
			control_job_done(&R);
		notify_status(&R, now_ms());
	}
	/* SIGTERM: what libzmq already holds for us is committed and acknowledged */
	write_cycle(&R, true);
	log_notice("stopped: accepted %llu, duplicate %llu, rejected %llu, in %llu commits; "
		   "%llu deadline, escalation and retention steps",
		   (unsigned long long)R.counters.accepted,
		   (unsigned long long)R.counters.duplicate,
		   (unsigned long long)R.counters.rejected, (unsigned long long)R.commits,
		   (unsigned long long)R.fired);
	rc = 0;
out:
	reactor_close(&R);
	return rc;
}
