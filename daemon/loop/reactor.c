#include "loop/reactor.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <msgpack.h>
#include <sodium.h>
#include <systemd/sd-daemon.h>
#include <zmq.h>

#include "store/anon.h"
#include "base/log.h"
#include "loop/reactorint.h"

#define STATUS_EVERY_MS 1000 /* STATUS= refresh */
#define STOP_LINGER_MS  2000 /* time given to queued acks when stopping */
#define MAXMSG_FACTOR   4    /* frames this many times max_message_bytes cut the peer off */

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

static void reload_policy(struct reactor *R)
{
	char err[CONFIG_ERR_MAX];

	rx_policy_reload(R, "SIGHUP", err);
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
		rx_replan_start(R, "start");
	R->ws_started = true;
	if (workset_start(&R->ws, &R->st, R->zctx, R->cfg->notify_endpoint, &R->sec,
			  &R->cfg->notify_perm, seq, R->cfg->batch_max, R->clock, R->clock_arg) < 0)
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

/* Logs which key seals, and whether values wait for a reseal under another, from the seal
 * meta as reseal_start_check left it. */
static void log_seal_state(const struct reseal_meta *m)
{
	char cur[2 * SEAL_ID_BYTES + 1], old[2 * SEAL_ID_BYTES + 1];

	seal_id_hex(m->key, cur);
	seal_id_hex(m->old, old);
	if (!m->pending)
		log_notice("seal: values are sealed under key id %s", cur);
	else
		log_notice("seal: new values are sealed under key id %s; some may still be %s%s "
			   "until `integrityctl reseal` has run",
			   cur, m->pending_plain ? "plain" : "under key id ",
			   m->pending_plain ? "" : old);
}

int reactor_load_settings(const struct config *cfg, struct policy *p, struct security *sec,
			  struct seal **seal)
{
	char err[SECURITY_ERR_MAX], kerr[KEYFILE_ERR_MAX], where[CONFIG_WHERE_MAX];

	*seal = NULL;
	if (policy_load(p, cfg, err) < 0) {
		log_error("config: %s", err);
		return -1;
	}
	if (security_load(sec, cfg, err) < 0) {
		log_error("config: %s", err);
		policy_free(p);
		return -1;
	}
	if (*cfg->seal_key && seal_load(seal, cfg->seal_key, cfg->seal_key_previous, kerr) < 0) {
		/* kerr begins with the key it is about */
		log_error("config: %s: [security] %s",
			  config_where(cfg, "security",
				       strncmp(kerr, "seal_key_previous", 17) == 0
					   ? "seal_key_previous"
					   : "seal_key",
				       where),
			  kerr);
		security_free(sec);
		policy_free(p);
		return -1;
	}
	return 0;
}

static int reactor_open(struct reactor *R, const struct config *cfg)
{
	char err[SECURITY_ERR_MAX], rerr[RESEAL_ERR_MAX];
	struct reseal_meta meta;
	uint64_t usec = 0;
	int r;

	memset(R, 0, sizeof(*R));
	R->cfg = cfg;
	R->sigfd = -1;
	R->job_efd = -1;
	R->clock = worker_clock_real;
	R->started_ms = R->clock(R->clock_arg);
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
	/* the keys before the store: a bad key file neither creates nor upgrades it */
	if (reactor_load_settings(cfg, &R->policy, &R->sec, &R->seal) < 0)
		return -EINVAL;
	R->policy_loaded = true;
	r = store_open(&R->st, cfg->state_dir, cfg->map_size, cfg->map_max, cfg->sync == SYNC_FULL);
	if (r == -EBUSY)
		return log_errno(LOG_ERR, r, "store %s: another integrityd is running on it",
				 cfg->state_dir);
	if (r < 0)
		return log_errno(LOG_ERR, r, "store %s", cfg->state_dir);
	R->st.seal = R->seal;
	if (reseal_start_check(&R->st, &meta, rerr) < 0) {
		log_error("store %s: %s", cfg->state_dir, rerr);
		return -EINVAL;
	}
	if ((r = anon_secret_load(&R->st)) < 0)
		return log_errno(LOG_ERR, r, "store %s: the key of anonymous ids (meta %s)",
				 cfg->state_dir, "anon_secret");
	if (R->seal)
		log_seal_state(&meta);
	if (*cfg->sign_key) {
		char serr[512];

		if (checkpoint_load_secret(cfg->sign_key, R->sign_sk, serr) < 0) {
			log_error("config: [audit] sign_key: %s", serr);
			return -EINVAL;
		}
		R->signing = true;
	}
	if (rx_checkpoint_plan(R, R->clock(R->clock_arg)) < 0)
		return -EIO;
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

	sodium_memzero(R->sign_sk, sizeof(R->sign_sk));

	/* a backup in progress finishes (its copy stays whole) and is answered */
	if (R->job)
		rx_control_job_done(R);
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

	if (R->replan.active || rx_reseal_may_run(R))
		return 0; /* the pass goes on between whatever else arrives */
	if (R->watchdog_ms && (long)(R->watchdog_ms / 2) < t)
		t = (long)(R->watchdog_ms / 2);
	return t;
}

/* One group commit (reactorin.c), then the control replies held for it (reactorctl.c). */
static void commit_cycle(struct reactor *R, bool read_intake)
{
	rx_control_answer_reads(R, rx_write_cycle(R, read_intake));
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
		    R.replan.active || rx_reseal_may_run(&R))
			commit_cycle(&R, items[0].revents & ZMQ_POLLIN);
		if (items[1].revents & ZMQ_POLLIN)
			rx_control_cycle(&R);
		/* the held reads are journaled with whatever intake is waiting, then every held
		 * reply is sent */
		if (R.n_pending)
			commit_cycle(&R, true);
		if (items[2].revents & ZMQ_POLLIN)
			on_signal(&R);
		if (items[3].revents & ZMQ_POLLIN && job_finish(R.job_efd) && R.job)
			rx_control_job_done(&R);
		uint64_t now = R.clock(R.clock_arg); /* once per pass */

		notify_status(&R, now);
		rx_checkpoint_tick(&R, now);
	}
	/* SIGTERM: what libzmq already holds for us is committed and acknowledged */
	commit_cycle(&R, true);
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
