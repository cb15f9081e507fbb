#include "loop/reactorint.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include <zmq.h>

#include "store/anon.h"
#include "base/log.h"

/* ---- intake ---------------------------------------------------------------------- */

#define REJECT_LOG_PER_S 100 /* rejections logged a second; the rest are counted */
#define REPLAN_PER_BATCH 256 /* live deadlines the SIGHUP replan pass visits a batch */
#define RESEAL_PER_BATCH 256 /* values the reseal pass visits a batch */

static void reply_intake(struct reactor *R, struct request *q, const char *status,
			 const char *case_ref, uint64_t seq, const struct proto_error *err)
{
	msgpack_packer pk;
	const char *token = q->item.token[0] ? q->item.token : NULL;

	R->out.size = 0;
	msgpack_packer_init(&pk, &R->out, msgpack_sbuffer_write);
	proto_reply_pack_token(&pk, q->id, status, case_ref, seq, token, err);
	router_send(R->intake, q, &R->out);
	rx_wipe(&R->out);
}

/* Counts a rejection; whether it may be logged: a log line each, up to a bound a second,
 * so that a flood does not flood the journal (the rest are counted, and their number
 * logged when the second is over). */
static bool reject_count(struct reactor *R)
{
	uint64_t sec = walltime_ms() / 1000;

	R->counters.rejected++;
	if (sec != R->reject_log_sec) {
		if (R->reject_log_dropped)
			log_notice("intake: %llu more rejections in that second were not logged",
				   (unsigned long long)R->reject_log_dropped);
		R->reject_log_sec = sec;
		R->reject_log_n = R->reject_log_dropped = 0;
	}
	if (R->reject_log_n++ < REJECT_LOG_PER_S)
		return true;
	R->reject_log_dropped++;
	return false;
}

/* Answers q `rejected` and logs it. The log line names the event's id (q->id), except for an
 * anonymous referral (anon: known only once its body is decoded): its id may be built from
 * the reporter or the clock, and must not be tied to the client in the logs (anon.h); a
 * message quoting the id is withheld too. */
static void reject(struct reactor *R, struct request *q, bool anon, const struct proto_error *err)
{
	const char *id = q->id;
	const char *msg = err->message;
	const char *shown = anon ? "(anonymous referral)" : *id ? id : "(no id)";

	if (anon && *id && strstr(msg, id))
		msg = "(the message quotes the id: not logged)";
	if ((unsigned)err->code < PROTO_ERR_COUNT)
		R->counters.rejected_by[err->code]++;
	if (reject_count(R))
		log_notice("intake: rejected %s from client %s: %s: %s", shown,
			   client_label(q->client), proto_err_code(err->code), msg);
	reply_intake(R, q, "rejected", NULL, 0, err);
}

/* The client that sent q may send its event's type, or err is `forbidden` naming the client
 * and the type. */
static int intake_may_send(const struct reactor *R, const struct request *q,
			   struct proto_error *err)
{
	const struct client *cl = rx_client(R, q->client);
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
	struct proto_error err = {0};

	q->id[0] = '\0';
	if (q->npayload != 1) {
		proto_fail(&err, PROTO_MALFORMED,
			   "a request is one frame holding one MessagePack map; got %d frames "
			   "after the route",
			   q->npayload);
		reject(R, q, false, &err);
		return 0;
	}
	if (proto_event_decode(&q->item.ev, zmq_msg_data(&q->payload), zmq_msg_size(&q->payload),
			       now, &R->limits, q->id, &err) < 0) {
		/* not decoded: whether it is anonymous is known only of a follow-up by token
		 * (proto/SPEC.md) */
		reject(R, q, q->item.ev.by_token, &err);
		return 0;
	}
	/* PROTOCOL.md's order: after the body, before duplicate */
	if (intake_may_send(R, q, &err) < 0 ||
	    (q->item.ev.by_token &&
	     token_limited(&R->tokens, q->client, now, R->policy.token_failures_per_minute) &&
	     proto_fail(&err, PROTO_UNAVAILABLE, "too many unknown tokens; retry later") < 0)) {
		reject(R, q, anon_is(&q->item.ev), &err);
		proto_event_release(&q->item.ev);
		return 0;
	}
	q->item.token[0] = '\0';
	q->item.token_failed = false;
	return 1;
}

static void intake_answer(struct reactor *R, struct request *q, int batch_rc)
{
	struct batch_item *it = &q->item;
	struct proto_error err;

	if (batch_rc < 0) {
		proto_fail(&err, PROTO_UNAVAILABLE, "%s",
			   batch_rc == -ENOSPC ? "the store is full ([store] map_max reached); "
						 "nothing was written"
			   : batch_rc == -EBUSY
			       ? "the store is full and cannot grow while a backup runs; "
				 "nothing was written, retry shortly"
			       : "the store could not write; nothing was written, retry later");
		reject(R, q, anon_is(&it->ev), &err);
		return;
	}
	switch (it->status) {
	case BATCH_ACCEPTED:
		R->counters.accepted++;
		reply_intake(R, q, "accepted", it->case_ref, it->seq, NULL);
		break;
	case BATCH_DUPLICATE:
		R->counters.duplicate++;
		reply_intake(R, q, "duplicate", it->case_ref, it->seq, NULL);
		break;
	case BATCH_REJECTED:
		if (it->token_failed)
			token_failed(&R->tokens, q->client, walltime_ms());
		reject(R, q, anon_is(&it->ev), &it->err);
		break;
	}
}

/* Whether a batch would have nothing to do: no events, no due entries, no share of a pass,
 * no read records. */
static bool input_empty(const struct batch_input *in)
{
	return in->n == 0 && in->n_work == 0 && in->replan_max == 0 && in->reseal_max == 0 &&
	       in->n_reads == 0;
}

/* Group commit: every request waiting now (up to batch_max), the entries the workers handed
 * over and the records of the control reads held, in one transaction; then the acks, and the
 * workers and the notifier hear of the commit. Returns the batch's outcome (0 when there was
 * nothing to write), for the held control replies (rx_control_answer_reads). */
/* Microseconds on the monotonic clock: the ack latency of metrics. */
static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int rx_write_cycle(struct reactor *R, bool read_intake)
{
	uint64_t now = walltime_ms(), read_us = mono_us();
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
		if (r == ROUTER_DROPPED && reject_count(R))
			log_notice("intake: dropped a request whose route has more than %d frames; "
				   "it cannot be answered",
				   ROUTER_ROUTE_MAX);
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
		in.replan_fp = R->replan.fp;
	}
	/* the pass grows values: while a job blocks growth it waits, not to fail the batch */
	if (rx_reseal_may_run(R)) {
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
	in.n = n;
	if (input_empty(&in))
		return 0;
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
		if (input_empty(&in))
			return 0;
		r = batch_run(&R->st, &in, &res);
	}
	if (r == 0) {
		R->commits++;
		R->fired += res.fired;
		workset_committed(&R->ws, &res, now);
		if (in.replan_max)
			rx_replan_advance(R, &res);
		if (in.reseal_max)
			rx_reseal_advance(R, &res.reseal);
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
	if (r == 0)
		ctl_counters_commit(&R->counters, n, mono_us() - read_us);
	return r;
}
