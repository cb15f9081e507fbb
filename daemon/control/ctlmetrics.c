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
#include "store/journal.h"
#include "store/reseal.h"

#define METRICS_MAX 4096 /* the exposition is a few dozen lines */

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

/* One metric family: its HELP and TYPE lines, then its unlabelled sample. */
static void family(struct expo *x, const char *name, const char *type, const char *help, uint64_t v)
{
	put(x, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name, type, name,
	    (unsigned long long)v);
}

int ctlx_cmd_metrics(struct ctl_req *q)
{
	const struct ctl_env *e = q->env;
	const struct reseal_progress none = {0}, *rp = e->reseal ? e->reseal : &none;
	struct journal_head head;
	struct reseal_meta sm;
	uint64_t total, open, notify_seq, dl_open, dl_overdue, map, used;
	struct expo *x;
	int r = 0;

	/* the counter names are batch.h's, as status reads them */
	if (journal_head_load(e->st, q->txn, &head) < 0 ||
	    store_meta_get_u64(e->st, q->txn, "cases_total", &total) < 0 ||
	    store_meta_get_u64(e->st, q->txn, "cases_open", &open) < 0 ||
	    store_meta_get_u64(e->st, q->txn, "notify_seq", &notify_seq) < 0 ||
	    store_meta_get_u64(e->st, q->txn, "deadlines_open", &dl_open) < 0 ||
	    store_meta_get_u64(e->st, q->txn, "deadlines_overdue", &dl_overdue) < 0 ||
	    reseal_meta_read(e->st, q->txn, &sm) < 0 || store_usage(e->st, &map, &used) < 0)
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
	family(x, "integrityd_journal_entries", "gauge",
	       "Entries in the hash-chained journal (its head's seq).", head.seq);
	family(x, "integrityd_notifications", "gauge",
	       "Notifications written to the outbox (the last seq).", notify_seq);
	family(x, "integrityd_cases", "gauge", "Cases ever opened.", total);
	family(x, "integrityd_cases_open", "gauge", "Cases not closed.", open);
	family(x, "integrityd_deadlines_open", "gauge", "Live deadlines.", dl_open);
	family(x, "integrityd_deadlines_overdue", "gauge", "Live deadlines past their due time.",
	       dl_overdue);
	family(x, "integrityd_store_map_bytes", "gauge", "The LMDB map's size.", map);
	family(x, "integrityd_store_used_bytes", "gauge", "Bytes of the map in use.", used);
	family(x, "integrityd_seal_enabled", "gauge",
	       "1 when values are sealed at rest under a seal key.", sm.sealed);
	family(x, "integrityd_seal_pending", "gauge",
	       "1 when some values may still be plain or under the previous key (run reseal).",
	       sm.pending || sm.pending_plain);
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
