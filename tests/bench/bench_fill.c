/* bench_fill: fills a store with open cases for the deadline benchmark (run-bench-deadlines),
 * straight through batch_apply, much faster than through the socket.
 *
 *   bench_fill [-n CASES] [-s DUE] [-k WINDOWS] [-G GAP_S] [-L LEAD_S] [-w SPREAD_MS]
 *              [-b BATCH] [-u SUBJECTS] -c CONF
 *
 * CONF is the daemon's config for the benchmark: the store is [daemon] state_dir, opened
 * with sync off whatever [store] sync says (one flush at the end instead of one a batch:
 * only the speed of the fill changes, not what it writes), and the cases follow its
 * [deadlines], as the daemon will.
 *
 * Every case is a `declaration.submitted`, which opens a manager_review deadline running
 * from the event's `at`. All but WINDOWS x DUE of them have an `at` between 1 h and 5 d
 * ago, so that their deadlines and reminders lie days ahead. The last WINDOWS x DUE (filled
 * last, DUE at a time, so that each window's references are neighbours, as those of cases
 * received in the same second are) fall due together: window i (from 1) opens at
 * T0 + (i - 1) x GAP_S, where T0 = the end of the fill + LEAD_S, and its DUE cases have
 * `at` = their due time - [deadlines] manager_review, spread evenly over SPREAD_MS. Their
 * reminders are then past; the fill fires them (and anything else due) as the daemon's
 * deadline worker would, through batch_run, so that the daemon starts on a store where
 * nothing is due before T0.
 *
 * Prints a human line and one `RESULT key=value ...` line (bench_util.h's convention):
 * cases, wI_first_ms / wI_last_ms (window I's first and last due time), fill seconds and
 * cases/s, the due entries fired, and data.mdb's size. Exit 0, or 1 when anything was
 * rejected or failed. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lmdb.h>
#include <msgpack.h>

#include "loop/batch.h"
#include "policy/config.h"
#include "policy/policy.h"
#include "proto.h"
#include "store/store.h"
#include "workers/worker.h"

#include "bench_msgpack.h"
#include "bench_util.h"

#define HOUR_MS        3600000ull
#define DAY_MS         (24 * HOUR_MS)
#define OTHER_AT_MIN   HOUR_MS      /* the other cases' `at`: at least this long ago, */
#define OTHER_AT_SPAN  (5 * DAY_MS) /* and at most this much longer ago */
#define MAX_BATCH      65536
#define MAX_WINDOWS    8
#define MAX_REJECTIONS 5 /* printed in full; all are counted */

struct opts {
	const char *conf;
	uint64_t cases, due;
	unsigned windows, batch, subjects;
	double lead_s, gap_s;
	uint64_t spread_ms;
};

/* One slot of a batch: the packed request and its decoded item. */
struct slot {
	msgpack_sbuffer buf;
	struct batch_item item;
	bool decoded;
};

struct fill {
	const struct opts *o;
	struct store st;
	struct policy policy;
	struct proto_limits lim;
	struct slot *slots;
	struct batch_item **items;
	uint64_t accepted, rejected;
};

/* ------------------------------------------------------------------------------------
 * The events: bench_intake's declaration, with the `at` chosen */

static void encode_event(msgpack_sbuffer *sb, uint64_t case_no, unsigned subject_no, uint64_t at)
{
	char id[64];

	/* ids in no order, like UUIDs: they land all over the idempotency index */
	snprintf(id, sizeof(id), "%016" PRIx64 ".fill-%" PRIu64, bench_mix64(case_no), case_no);
	bench_encode_declaration(sb, id, subject_no, case_no, at);
}

/* ------------------------------------------------------------------------------------
 * Batches */

static void release_slots(struct fill *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (f->slots[i].decoded) {
			proto_event_release(&f->slots[i].item.ev);
			f->slots[i].decoded = false;
		}
}

/* Packs, decodes and applies n events as one batch; cases first .. first + n - 1, the k-th
 * with the `at` at_of(k). */
static int apply_batch(struct fill *f, uint64_t first, size_t n,
		       uint64_t (*at_of)(void *, uint64_t), void *arg)
{
	uint64_t now = bench_wall_ms();
	char id[PROTO_ID_MAX + 1];
	struct proto_error err;
	int r;

	for (size_t i = 0; i < n; i++) {
		struct slot *s = &f->slots[i];
		uint64_t k = first + i;

		encode_event(&s->buf, k, (unsigned)(bench_mix64(k ^ 0x5eed) % f->o->subjects),
			     at_of(arg, k));
		memset(&s->item, 0, sizeof(s->item));
		if (proto_event_decode(&s->item.ev, (const uint8_t *)s->buf.data, s->buf.size, now,
				       &f->lim, id, &err) < 0) {
			fprintf(stderr, "bench_fill: event %s: %s: %s\n", id,
				proto_err_code(err.code), err.message);
			release_slots(f, i);
			return -EINVAL;
		}
		s->decoded = true;
		f->items[i] = &s->item;
	}
	r = batch_apply(&f->st, f->items, n, now, &f->policy);
	for (size_t i = 0; r == 0 && i < n; i++) {
		const struct batch_item *it = f->items[i];

		if (it->status == BATCH_ACCEPTED) {
			f->accepted++;
			continue;
		}
		if (f->rejected++ < MAX_REJECTIONS)
			fprintf(stderr, "bench_fill: event %" PRIu64 " %s: %s: %s\n", first + i,
				it->status == BATCH_DUPLICATE ? "duplicate" : "rejected",
				proto_err_code(it->err.code), it->err.message);
	}
	release_slots(f, n);
	if (r < 0)
		fprintf(stderr, "bench_fill: batch_apply: %s\n", strerror(-r));
	return r;
}

static int fill_range(struct fill *f, uint64_t first, uint64_t end,
		      uint64_t (*at_of)(void *, uint64_t), void *arg)
{
	for (uint64_t k = first; k < end;) {
		size_t n = end - k < f->o->batch ? (size_t)(end - k) : f->o->batch;
		int r = apply_batch(f, k, n, at_of, arg);

		if (r < 0)
			return r;
		k += n;
	}
	return 0;
}

/* The other cases: `at` between OTHER_AT_MIN and OTHER_AT_MIN + OTHER_AT_SPAN ago. */
static uint64_t other_at(void *arg, uint64_t k)
{
	uint64_t now = *(const uint64_t *)arg;

	return now - OTHER_AT_MIN - bench_mix64(k) % OTHER_AT_SPAN;
}

/* The cases of one window: at + manager_review spread over it. */
struct due_plan {
	uint64_t first_case, n;
	uint64_t due_first, spread_ms, review_ms;
};

static uint64_t due_at_of(const struct due_plan *p, uint64_t k)
{
	return p->due_first + (k - p->first_case) * p->spread_ms / p->n;
}

static uint64_t due_at(void *arg, uint64_t k)
{
	const struct due_plan *p = arg;

	return due_at_of(p, k) - p->review_ms;
}

/* Fires what is due now, as the deadline worker and the reactor would: scan the index, apply
 * the entries in one batch, again until nothing is due. Returns the entries applied, or a
 * negative errno. */
static int64_t fire_due(struct fill *f, enum store_db db)
{
	struct worker w = {.name = "bench", .db = db, .st = &f->st};
	struct work_item *work = calloc(f->o->batch, sizeof(*work));
	int64_t total = 0;
	uint64_t next;
	int n, r = 0;

	if (!work)
		return -ENOMEM;
	while ((n = worker_scan(&w, bench_wall_ms(), work, f->o->batch, &next)) > 0) {
		struct batch_input in = {.work = work,
					 .n_work = (size_t)n,
					 .policy = &f->policy,
					 .now_ms = bench_wall_ms()};
		struct batch_result res;

		if ((r = batch_run(&f->st, &in, &res)) < 0)
			break;
		total += n;
	}
	free(work);
	if (n < 0 || r < 0) {
		fprintf(stderr, "bench_fill: firing due entries: %s\n", strerror(-(n < 0 ? n : r)));
		return n < 0 ? n : r;
	}
	return total;
}

/* ------------------------------------------------------------------------------------ */

static int open_fill(struct fill *f, const struct config *cfg)
{
	char err[CONFIG_ERR_MAX];
	int r;

	if (policy_load(&f->policy, cfg, err) < 0) {
		fprintf(stderr, "bench_fill: %s: %s\n", cfg->path, err);
		return -EINVAL;
	}
	f->lim = (struct proto_limits){
	    .max_message_bytes = cfg->max_message_bytes,
	    .clock_skew_ms = cfg->clock_skew_ms,
	    .max_depth = PROTO_DEFAULT_MAX_DEPTH,
	    .max_items = PROTO_DEFAULT_MAX_ITEMS,
	};
	f->slots = calloc(f->o->batch, sizeof(*f->slots));
	f->items = calloc(f->o->batch, sizeof(*f->items));
	if (!f->slots || !f->items)
		return -ENOMEM;
	for (unsigned i = 0; i < f->o->batch; i++)
		msgpack_sbuffer_init(&f->slots[i].buf);
	r = store_open(&f->st, cfg->state_dir, cfg->map_size, cfg->map_max, false);
	if (r < 0)
		fprintf(stderr, "bench_fill: store %s: %s\n", cfg->state_dir, strerror(-r));
	return r;
}

static void close_fill(struct fill *f)
{
	for (unsigned i = 0; f->slots && i < f->o->batch; i++)
		msgpack_sbuffer_destroy(&f->slots[i].buf);
	free(f->slots);
	free(f->items);
	policy_free(&f->policy);
}

/* Fills the others, then the windows' cases, placing the first window LEAD_S after the fill
 * (whatever time the fill took). Returns 0 or -1. */
static int fill_all(struct fill *f, struct due_plan plan[MAX_WINDOWS])
{
	const struct opts *o = f->o;
	struct duration review = f->policy.due[DL_MANAGER_REVIEW];
	uint64_t others = o->cases - o->windows * o->due, started_ms = bench_wall_ms();

	if (review.unit != DUR_MS) {
		fprintf(stderr,
			"bench_fill: [deadlines] manager_review must be in s, m, h or d for "
			"the due window to be exact\n");
		return -1;
	}
	if (fill_range(f, 0, others, other_at, &started_ms) < 0)
		return -1;
	uint64_t t0 = bench_wall_ms() + (uint64_t)(o->lead_s * 1000);
	for (unsigned i = 0; o->due && i < o->windows; i++) {
		plan[i] = (struct due_plan){
		    .first_case = others + i * o->due,
		    .n = o->due,
		    .due_first = t0 + (uint64_t)(i * o->gap_s * 1000),
		    .spread_ms = o->spread_ms,
		    .review_ms = review.n,
		};
		if (fill_range(f, plan[i].first_case, plan[i].first_case + o->due, due_at,
			       &plan[i]) < 0)
			return -1;
	}
	return 0;
}

/* Fires what the fill left due, then flushes the store once: the daemon's first fsync must
 * not pay for the whole fill. Returns the entries fired, or -1. */
static int64_t settle_store(struct fill *f)
{
	int64_t fired = 0;
	static const enum store_db dbs[] = {DB_TIMERS, DB_ESCALATIONS, DB_DISPOSALS};

	for (size_t i = 0; i < sizeof(dbs) / sizeof(dbs[0]); i++) {
		int64_t n = fire_due(f, dbs[i]);
		if (n < 0)
			return -1;
		fired += n;
	}
	int r = store_errno(mdb_env_sync(f->st.env, 1));
	if (r < 0) {
		fprintf(stderr, "bench_fill: flushing the store: %s\n", strerror(-r));
		return -1;
	}
	return fired;
}

static void report(const struct fill *f, const struct due_plan plan[MAX_WINDOWS],
		   const char *state_dir, double fill_s, double total_s, int64_t fired)
{
	const struct opts *o = f->o;
	char path[PATH_MAX + 16];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/data.mdb", state_dir);
	uint64_t bytes = stat(path, &sb) == 0 ? (uint64_t)sb.st_size : 0;
	printf("fill: %" PRIu64 " cases (%u windows of %" PRIu64 " due in %" PRIu64
	       " ms), batches of %u, %.1f s (%.0f cases/s); %" PRId64
	       " due entries fired; %.1f s with the flush; data.mdb %.1f MiB\n",
	       f->accepted, o->due ? o->windows : 0, o->due, o->spread_ms, o->batch, fill_s,
	       (double)o->cases / fill_s, fired, total_s, (double)bytes / 1048576.0);
	printf("RESULT cases=%" PRIu64 " rejected=%" PRIu64 " due=%" PRIu64
	       " fill_s=%.2f cases_per_s=%.0f fired=%" PRId64 " total_s=%.2f store_bytes=%" PRIu64,
	       f->accepted, f->rejected, o->due, fill_s, (double)o->cases / fill_s, fired, total_s,
	       bytes);
	for (unsigned i = 0; o->due && i < o->windows; i++)
		printf(" w%u_first_ms=%" PRIu64 " w%u_last_ms=%" PRIu64, i + 1, plan[i].due_first,
		       i + 1, due_at_of(&plan[i], plan[i].first_case + o->due - 1));
	printf("\n");
}

static int run(const struct opts *o)
{
	static struct config cfg; /* large */
	char err[CONFIG_ERR_MAX];
	struct fill f = {.o = o};
	struct due_plan plan[MAX_WINDOWS] = {{0}};
	int rc = 1;

	if (config_load(&cfg, o->conf, err) < 0) {
		fprintf(stderr, "bench_fill: %s\n", err);
		return 1;
	}
	if (open_fill(&f, &cfg) == 0) {
		uint64_t t0 = bench_now_ns();
		if (fill_all(&f, plan) == 0) {
			double fill_s = (double)(bench_now_ns() - t0) / 1e9;
			int64_t fired = settle_store(&f);
			if (fired >= 0) {
				report(&f, plan, cfg.state_dir, fill_s,
				       (double)(bench_now_ns() - t0) / 1e9, fired);
				rc = f.rejected ? 1 : 0;
			}
		}
		store_close(&f.st);
	}
	close_fill(&f);
	return rc;
}

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [-n CASES] [-s DUE] [-k WINDOWS] [-G GAP_S] [-L LEAD_S] "
		"[-w SPREAD_MS] [-b BATCH] [-u SUBJECTS] -c CONF\n",
		argv0);
	exit(2);
}

int main(int argc, char **argv)
{
	struct opts o = {.cases = 1000000,
			 .due = 10000,
			 .windows = 1,
			 .gap_s = 30,
			 .batch = 4096,
			 .subjects = 50000,
			 .lead_s = 25,
			 .spread_ms = 1000};
	const struct bench_opt opts[] = {
	    {.ch = 'n', .min = 1, .max = 1e8, .u64 = &o.cases},
	    {.ch = 's', .min = 0, .max = 1e8, .u64 = &o.due},
	    {.ch = 'k', .min = 1, .max = MAX_WINDOWS, .u = &o.windows},
	    {.ch = 'G', .min = 0, .max = 3600, .d = &o.gap_s},
	    {.ch = 'b', .min = 1, .max = MAX_BATCH, .u = &o.batch},
	    {.ch = 'L', .min = 0, .max = 3600, .d = &o.lead_s},
	    {.ch = 'w', .min = 1, .max = 3600000, .u64 = &o.spread_ms},
	    {.ch = 'u', .min = 1, .max = 999999, .u = &o.subjects},
	    {.ch = 'c', .s = &o.conf},
	    {0},
	};

	if (bench_opts_parse(argc, argv, opts, usage) != argc || !o.conf)
		usage(argv[0]);
	if (o.windows * o.due > o.cases) {
		fprintf(stderr,
			"bench_fill: -k %u windows of -s %" PRIu64 " are more than -n %" PRIu64
			"\n",
			o.windows, o.due, o.cases);
		return 2;
	}
	return run(&o);
}
