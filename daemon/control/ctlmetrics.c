/* ctlmetrics: the `metrics` control command (proto/SPEC.md "Metrics"): the daemon's counters
 * as one Prometheus text exposition (version 0.0.4), which `integrityctl metrics` prints
 * and the integrityd-metrics timer writes for node-exporter's textfile collector. What it
 * shows is what status reads (meta counters, the intake counters, the store's use, the seal
 * state), under names that stay stable for dashboards and alerts. */
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "control/ctlint.h"
#include "store/dlindex.h"

#define METRICS_MAX 16384 /* the exposition is under two hundred lines */

/* The histograms' upper bounds (the last bucket, +Inf, has none): events per commit, and the
 * ack latency in us with its `le` label in seconds. */
static const uint64_t batch_bounds[CTL_BATCH_BUCKETS - 1] = {1, 4, 16, 64, 256, 1024, 4096};
static const uint64_t ack_bounds_us[CTL_ACK_BUCKETS - 1] = {
    500, 1000, 2000, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000};
static const char *const ack_le[CTL_ACK_BUCKETS - 1] = {
    "0.0005", "0.001", "0.002", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1"};

static size_t bucket(const uint64_t *bounds, size_t n_bounds, uint64_t v)
{
	size_t i = 0;

	while (i < n_bounds && v > bounds[i])
		i++;
	return i;
}

void ctl_counters_commit(struct ctl_counters *c, size_t events, uint64_t ack_us)
{
	c->commits++;
	if (!events)
		return;
	c->batch_events[bucket(batch_bounds, CTL_BATCH_BUCKETS - 1, events)]++;
	c->batch_events_sum += events;
	c->ack_us[bucket(ack_bounds_us, CTL_ACK_BUCKETS - 1, ack_us)] += events;
	c->ack_us_sum += ack_us * events;
	c->ack_count += events;
}

struct expo {
	char buf[METRICS_MAX];
	size_t len;
};

static void put(struct expo *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct expo *x, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (x->len >= sizeof(x->buf))
		return;
	va_start(ap, fmt);
	n = vsnprintf(x->buf + x->len, sizeof(x->buf) - x->len, fmt, ap);
	va_end(ap);
	x->len = n < 0 ? sizeof(x->buf) : x->len + (size_t)n;
}

/* Live deadlines by deadline kind, counted in the due-order index, which holds each live one
 * once (retention is not in it): a walk of the open cases' deadlines, a force's tens of
 * thousands, not of the store. Overdue: breached and still live, as deadlines_overdue. */
static int deadlines_by_kind(struct ctl_req *q, uint64_t open[DL_KINDS], uint64_t overdue[DL_KINDS])
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;

	if (mdb_cursor_open(q->txn, q->env->st->dbi[DB_DEADLINES], &cur) != 0)
		return -1;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		char ref[PROTO_CASE_MAX + 1];
		unsigned kind;
		uint64_t due;

		if (dlindex_key_parse(k.mv_data, k.mv_size, &due, ref, &kind) < 0 ||
		    kind >= DL_KINDS)
			continue;
		open[kind]++;
		if (v.mv_size >= 1 && ((const uint8_t *)v.mv_data)[0] == DLS_BREACHED)
			overdue[kind]++;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : -1;
}

/* A gauge by deadline kind, labelled with the kind of case it belongs to ("any": every kind's,
 * such as reporter_update). */
static void by_kind(struct expo *x, const char *name, const char *help, const uint64_t *n)
{
	put(x, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
	for (int k = 0; k < DL_KINDS; k++) {
		const struct dl_rule *r = policy_dl_rule(k);

		if (k == DL_RETENTION)
			continue;
		put(x, "%s{kind=\"%s\",case_kind=\"%s\"} %llu\n", name, config_dl_name(k),
		    r->case_kind == KIND_NONE ? "any" : proto_kind_prefix(r->case_kind),
		    (unsigned long long)n[k]);
	}
}

/* One metric family: its HELP and TYPE lines, then its unlabelled sample. */
static void family(struct expo *x, const char *name, const char *type, const char *help, uint64_t v)
{
	put(x, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name, type, name,
	    (unsigned long long)v);
}

static void histogram_batch(struct expo *x, const struct ctl_counters *c)
{
	uint64_t cum = 0;

	put(x, "# HELP integrityd_batch_events Events answered per commit (group commit).\n"
	       "# TYPE integrityd_batch_events histogram\n");
	for (size_t i = 0; i < CTL_BATCH_BUCKETS; i++) {
		cum += c->batch_events[i];
		if (i < CTL_BATCH_BUCKETS - 1)
			put(x, "integrityd_batch_events_bucket{le=\"%llu\"} %llu\n",
			    (unsigned long long)batch_bounds[i], (unsigned long long)cum);
		else
			put(x, "integrityd_batch_events_bucket{le=\"+Inf\"} %llu\n",
			    (unsigned long long)cum);
	}
	put(x, "integrityd_batch_events_sum %llu\nintegrityd_batch_events_count %llu\n",
	    (unsigned long long)c->batch_events_sum, (unsigned long long)cum);
}

static void histogram_ack(struct expo *x, const struct ctl_counters *c)
{
	uint64_t cum = 0;

	put(x, "# HELP integrityd_ack_latency_seconds From the reactor reading an event to its "
	       "ack, the commit's fsync included.\n"
	       "# TYPE integrityd_ack_latency_seconds histogram\n");
	for (size_t i = 0; i < CTL_ACK_BUCKETS; i++) {
		cum += c->ack_us[i];
		put(x, "integrityd_ack_latency_seconds_bucket{le=\"%s\"} %llu\n",
		    i < CTL_ACK_BUCKETS - 1 ? ack_le[i] : "+Inf", (unsigned long long)cum);
	}
	put(x,
	    "integrityd_ack_latency_seconds_sum %llu.%06llu\n"
	    "integrityd_ack_latency_seconds_count %llu\n",
	    (unsigned long long)(c->ack_us_sum / 1000000u),
	    (unsigned long long)(c->ack_us_sum % 1000000u), (unsigned long long)c->ack_count);
}

int ctlx_cmd_metrics(struct ctl_req *q)
{
	const struct ctl_env *e = q->env;
	const struct ctl_counters *c = e->intake;
	const struct reseal_progress none = {0}, *rp = e->reseal ? e->reseal : &none;
	struct ctlx_figures f;
	uint64_t open_by[DL_KINDS] = {0}, overdue_by[DL_KINDS] = {0};
	struct expo *x;
	int r = 0;

	/* what status reads, and the deadlines by kind */
	if (ctlx_read_figures(q, &f) < 0)
		return -1;
	if (deadlines_by_kind(q, open_by, overdue_by) < 0)
		return proto_fail(q->err, PROTO_UNAVAILABLE, "the store could not be read");
	if (!(x = calloc(1, sizeof(*x))))
		return proto_fail(q->err, PROTO_UNAVAILABLE, "out of memory; try again");

	put(x,
	    "# HELP integrityd_build_info The daemon's version.\n"
	    "# TYPE integrityd_build_info gauge\n"
	    "integrityd_build_info{version=\"%s\"} 1\n",
	    INTEGRITYD_VERSION);
	family(x, "integrityd_uptime_seconds", "gauge", "Seconds since the daemon started.",
	       (e->now_ms - e->started_ms) / 1000);
	/* since this start: the counters live in the reactor, not the store */
	put(x,
	    "# HELP integrityd_intake_events_total Intake events answered since the start, by "
	    "outcome.\n"
	    "# TYPE integrityd_intake_events_total counter\n"
	    "integrityd_intake_events_total{outcome=\"accepted\"} %llu\n"
	    "integrityd_intake_events_total{outcome=\"duplicate\"} %llu\n"
	    "integrityd_intake_events_total{outcome=\"rejected\"} %llu\n",
	    (unsigned long long)e->intake->accepted, (unsigned long long)e->intake->duplicate,
	    (unsigned long long)e->intake->rejected);
	put(x, "# HELP integrityd_intake_rejected_total Intake events rejected since the start, by "
	       "error code.\n"
	       "# TYPE integrityd_intake_rejected_total counter\n");
	for (int i = 0; i < PROTO_ERR_COUNT; i++)
		put(x, "integrityd_intake_rejected_total{code=\"%s\"} %llu\n",
		    proto_err_code((enum proto_err)i), (unsigned long long)c->rejected_by[i]);
	family(x, "integrityd_commits_total", "counter",
	       "Write transactions committed since the start (each one fsync).", c->commits);
	histogram_batch(x, c);
	histogram_ack(x, c);
	family(x, "integrityd_notifications_published_total", "counter",
	       "Notifications the notifier published on the notify socket since the start.",
	       e->notify_sent ? atomic_load(e->notify_sent) : 0);
	family(x, "integrityd_notifications_dropped_total", "counter",
	       "Notifications the notify socket dropped since the start (subscribers replay them "
	       "with notifications.since).",
	       e->notify_dropped ? atomic_load(e->notify_dropped) : 0);
	family(x, "integrityd_connections_refused_total", "counter",
	       "Connections the ZAP handler refused since the start: a CURVE key, uid or gid not "
	       "in the clients file.",
	       e->zap_refused ? atomic_load(e->zap_refused) : 0);
	family(x, "integrityd_journal_entries", "gauge",
	       "Entries in the hash-chained journal (its head's seq).", f.head.seq);
	family(x, "integrityd_notifications", "gauge",
	       "Notifications written to the outbox (the last seq).", f.notify_seq);
	family(x, "integrityd_cases", "gauge", "Cases ever opened.", f.total);
	family(x, "integrityd_cases_open", "gauge", "Cases not closed.", f.open);
	family(x, "integrityd_deadlines_open", "gauge", "Live deadlines.", f.dl_open);
	family(x, "integrityd_deadlines_overdue", "gauge", "Live deadlines past their due time.",
	       f.dl_overdue);
	by_kind(x, "integrityd_deadlines_open_by_kind", "Live deadlines, by kind.", open_by);
	by_kind(x, "integrityd_deadlines_overdue_by_kind",
		"Live deadlines past their due time, by kind.", overdue_by);
	family(x, "integrityd_store_map_bytes", "gauge", "The LMDB map's size.", f.map);
	family(x, "integrityd_store_used_bytes", "gauge", "Bytes of the map in use.", f.used);
	family(x, "integrityd_seal_enabled", "gauge",
	       "1 when values are sealed at rest under a seal key.", f.sm.sealed);
	family(x, "integrityd_seal_pending", "gauge",
	       "1 when some values may still be plain or under the previous key (run reseal).",
	       f.sm.pending || f.sm.pending_plain);
	family(x, "integrityd_reseal_running", "gauge", "1 while a reseal pass runs.", rp->running);
	family(x, "integrityd_reseal_failed", "gauge",
	       "Values the last or current reseal pass could not seal again.", rp->failed);
	if (x->len >= sizeof(x->buf))
		r = proto_fail(q->err, PROTO_UNAVAILABLE, "the metrics did not fit %d bytes",
			       METRICS_MAX);
	else {
		msgpack_pack_map(q->pk, 1);
		proto_pack_cstr(q->pk, "exposition");
		proto_pack_str(q->pk, x->buf, x->len);
	}
	free(x);
	return r;
}
