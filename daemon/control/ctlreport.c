/* ctlreport: the control command report.summary: its arguments on the reactor thread, and
 * the job that walks every case and counts them (ctl_job_run, off the reactor thread).
 * Part of ctl (see ctl.h and ctlint.h). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "store/caserec.h"
#include "control/ctlint.h"
#include "policy/policy.h"
#include "engine/wf.h"
#include "control/suppress.h"
#include "characteristics.h"

/* Only checks the arguments: the walk over every case runs off the reactor thread. */
int ctlx_cmd_report_summary(struct ctl_req *q)
{
	const msgpack_object *from = ctlx_arg(q, "from"), *to = ctlx_arg(q, "to");
	const msgpack_object *kind = ctlx_arg(q, "kind"), *by = ctlx_arg(q, "by");

	q->job->kind = CTL_JOB_REPORT;
	q->job->only = KIND_NONE;
	for (int k = KIND_NONE + 1; kind && k < KIND_COUNT; k++)
		if (proto_str_eq((struct proto_str){kind->via.str.ptr, kind->via.str.size},
				 proto_kind_prefix(k)))
			q->job->only = k;
	q->job->from = from ? from->via.u64 : 0;
	q->job->to = to ? to->via.u64 : 0;
	q->job->now_ms = q->env->now_ms;
	/* no policy (a test harness of other commands): fail closed, every count suppressed */
	q->job->suppress_below = q->env->policy ? q->env->policy->suppress_below : UINT64_MAX;
	q->job->by = -1;
	for (int i = 0; by && proto_characteristic_names[i]; i++)
		if (proto_str_eq((struct proto_str){by->via.str.ptr, by->via.str.size},
				 proto_characteristic_names[i]))
			q->job->by = i;
	if (to && q->job->to <= q->job->from)
		return proto_fail(
		    q->err, PROTO_INVALID_FIELD,
		    "args.to: must be later than args.from (the window is [from, to))");
	return CTL_DEFERRED;
}

/* ---- report.summary (on the job thread) ------------------------------------------ */

/* Counts by a string value (a category, an outcome), keys copied out of the case records,
 * which are released as the walk goes. Values are enums of WORKFLOW.md, so a few rows do. */
#define TALLY_ROWS    32
#define TALLY_KEY_MAX 47
#define TALLY_OTHER   "(other)" /* past the rows, or too long to be a known value */

struct tally {
	struct {
		char key[TALLY_KEY_MAX + 1];
		uint64_t n;
	} row[TALLY_ROWS];
	size_t n;
	uint64_t other;
};

static void tally_add(struct tally *t, struct proto_str s)
{
	size_t i;

	if (s.len == 0)
		return;
	for (i = 0; i < t->n; i++)
		if (proto_str_eq(s, t->row[i].key))
			break;
	if (i == t->n) {
		if (i == TALLY_ROWS || s.len > TALLY_KEY_MAX || memchr(s.ptr, '\0', s.len)) {
			t->other++;
			return;
		}
		memcpy(t->row[i].key, s.ptr, s.len);
		t->row[i].key[s.len] = '\0';
		t->n++;
	}
	t->row[i].n++;
}

static void tally_pack(msgpack_packer *pk, const struct tally *t)
{
	msgpack_pack_map(pk, t->n + (t->other ? 1 : 0));
	for (size_t i = 0; i < t->n; i++)
		proto_pack_kv_u64(pk, t->row[i].key, t->row[i].n);
	if (t->other)
		proto_pack_kv_u64(pk, TALLY_OTHER, t->other);
}

/* The outcomes the report counts, one sub-map each: the last of each in the case; NA's are
 * fields of the case, the other kinds' its outcomes by name. */
#define KIND_OUTCOME SIZE_MAX
static const struct {
	const char *name;
	size_t off; /* a struct proto_str in struct wf_case, or KIND_OUTCOME */
} report_outcomes[] = {
    {"assessment", offsetof(struct wf_case, assessment)},
    {"risk", offsetof(struct wf_case, risk)},
    {"interview", offsetof(struct wf_case, interview)},
    {"aa_decision", offsetof(struct wf_case, aa_decision)},
    {"appeal", offsetof(struct wf_case, appeal)},
    {"review", offsetof(struct wf_case, review)},
    {"closed_reason", offsetof(struct wf_case, closed_reason)},
    /* REGISTERS.md */
    {"development", KIND_OUTCOME},
    {"investigation", KIND_OUTCOME},
    /* REGISTERS.md "Business interests" (its appeal and review are counted under NA's names) */
    {"hr_assessment", KIND_OUTCOME},
    {"psd_check", KIND_OUTCOME},
    {"decision", KIND_OUTCOME},
};

static struct proto_str outcome_of(const struct wf_case *c, size_t i)
{
	struct proto_str s;

	if (report_outcomes[i].off == KIND_OUTCOME)
		return wf_outcome_get(c, report_outcomes[i].name);
	s = *(const struct proto_str *)((const char *)c + report_outcomes[i].off);
	/* NA's field; a BI case's outcome of the same name (appeal, review) */
	return s.len || c->kind != KIND_BI ? s : wf_outcome_get(c, report_outcomes[i].name);
}
#define N_OUTCOMES (sizeof(report_outcomes) / sizeof(report_outcomes[0]))

/* A characteristic's value lists are REGISTERS.md's (at most 9 values), plus one row for
 * the cases that do not record it. */
#define BY_ROWS_MAX   16
#define BY_UNRECORDED "not_recorded"
#define BY_COLS_MAX   (KIND_COUNT * WF_STATES_MAX > 32 ? KIND_COUNT * WF_STATES_MAX : 32)
/* What a suppressed count is on the wire (proto/SPEC.md "report.summary"). */
#define BY_SUPPRESSED "suppressed"

/* How a deadline stands against its due time. */
enum dl_standing { DLST_NONE, DLST_ON_TIME, DLST_LATE, DLST_OPEN };

struct report {
	uint64_t cases, unreadable;
	uint64_t kind[KIND_COUNT], origin[ORIGIN_COUNT];
	struct tally state; /* by name: "closed" is every kind's, "under_development" CR's */
	struct tally category, outcome[N_OUTCOMES];
	uint64_t dl[DL_KINDS][DLST_OPEN + 1];
	/* args.by: rows are the characteristic's values then BY_UNRECORDED */
	size_t by_rows, n_states;
	const char *states[KIND_COUNT * WF_STATES_MAX];
	uint64_t by_state[BY_ROWS_MAX][KIND_COUNT * WF_STATES_MAX];
	struct tally by_outcome[N_OUTCOMES][BY_ROWS_MAX];
	uint64_t sv[SUPPRESS_CELLS(BY_ROWS_MAX, BY_COLS_MAX)]; /* one table at a time */
	bool sh[SUPPRESS_CELLS(BY_ROWS_MAX, BY_COLS_MAX)];
};

/* Only deadlines that someone must meet count: windows (mitigation_response,
 * representations, appeal_window) and retention breach nobody (WORKFLOW.md "Deadlines"). */
static bool dl_is_obligation(enum dl_kind k)
{
	return policy_dl_rule(k)->at_due == DLA_BREACH;
}

static enum dl_standing dl_standing(const struct wf_deadline *d, uint64_t now)
{
	if (d->status == DLS_CANCELLED)
		return DLST_NONE;
	if (d->status == DLS_BREACHED)
		return DLST_LATE;
	if (!wf_dl_live(d))
		return d->done_at <= d->due_at ? DLST_ON_TIME : DLST_LATE;
	return now >= d->due_at ? DLST_LATE : DLST_OPEN;
}

/* ---- args.by: counts by a characteristic's value × state and × outcome ------------- */

static const msgpack_object *map_get(const msgpack_object *m, const char *key)
{
	for (uint32_t i = 0; m && m->type == MSGPACK_OBJECT_MAP && i < m->via.map.size; i++)
		if (m->via.map.ptr[i].key.type == MSGPACK_OBJECT_STR &&
		    proto_str_eq((struct proto_str){m->via.map.ptr[i].key.via.str.ptr,
						    m->via.map.ptr[i].key.via.str.size},
				 key))
			return &m->via.map.ptr[i].val;
	return NULL;
}

/* The case's row: the index of its value of characteristic `by`, or the last row (not
 * recorded). subject.updated replaces the characteristics whole (proto/SPEC.md). */
static size_t by_row(const struct report *rp, const struct wf_case *c, int by)
{
	const msgpack_object *ch = map_get(c->subject_update, "characteristics");
	const msgpack_object *v;
	const char *const *vals = proto_characteristics[by].values;

	if (!ch)
		ch = map_get(c->subject, "characteristics");
	v = map_get(ch, proto_characteristic_names[by]);
	for (size_t i = 0; v && v->type == MSGPACK_OBJECT_STR && vals[i]; i++)
		if (proto_str_eq((struct proto_str){v->via.str.ptr, v->via.str.size}, vals[i]))
			return i;
	return rp->by_rows - 1;
}

/* Every state of the kind (KIND_NONE: of every kind), by name and once ("closed" is every
 * kind's), so that a table of them has the same columns whatever the window. */
static void state_names(struct report *rp, enum proto_kind only)
{
	rp->n_states = 0;
	for (int k = KIND_NONE + 1; k < KIND_COUNT; k++) {
		const struct wf_states *st = wf_states_of(k);

		if (only != KIND_NONE && k != (int)only)
			continue;
		for (uint32_t s = 1; st && s < st->n; s++) {
			size_t j;

			for (j = 0; j < rp->n_states && strcmp(rp->states[j], st->names[s]) != 0;
			     j++)
				;
			if (j == rp->n_states)
				rp->states[rp->n_states++] = st->names[s];
		}
	}
}

static void by_case(struct report *rp, const struct wf_case *c, int by)
{
	size_t r = by_row(rp, c, by);
	const char *state = wf_kind_state_name(c->kind, (int)c->state);

	for (size_t j = 0; j < rp->n_states; j++)
		if (strcmp(rp->states[j], state) == 0)
			rp->by_state[r][j]++;
	for (size_t i = 0; i < N_OUTCOMES; i++)
		tally_add(&rp->by_outcome[i][r], outcome_of(c, i));
}

static void pack_cell(msgpack_packer *pk, const struct suppress_table *t, size_t i, size_t j)
{
	if (t->hidden[SUPPRESS_AT(t, i, j)])
		proto_pack_cstr(pk, BY_SUPPRESSED);
	else
		msgpack_pack_uint64(pk, t->v[SUPPRESS_AT(t, i, j)]);
}

/* {row: {col: count, ..., "total"}, ..., "total": {col: count, ..., "total"}}, suppressed. */
static void pack_suppressed(msgpack_packer *pk, struct suppress_table *t, const char *const *rows,
			    const char *const *cols, uint64_t below)
{
	suppress_totals(t);
	suppress_apply(t, below);
	msgpack_pack_map(pk, t->rows + 1);
	for (size_t i = 0; i <= t->rows; i++) {
		proto_pack_cstr(pk, i < t->rows ? rows[i] : "total");
		msgpack_pack_map(pk, t->cols + 1);
		for (size_t j = 0; j <= t->cols; j++) {
			proto_pack_cstr(pk, j < t->cols ? cols[j] : "total");
			pack_cell(pk, t, i, j);
		}
	}
}

static void table_init(struct report *rp, struct suppress_table *t, size_t rows, size_t cols)
{
	t->rows = rows;
	t->cols = cols;
	t->v = rp->sv;
	t->hidden = rp->sh;
	memset(rp->sv, 0, SUPPRESS_CELLS(rows, cols) * sizeof(*rp->sv));
}

/* One outcome's table: its columns are the values seen in any row. */
static void pack_by_outcome(msgpack_packer *pk, struct report *rp, size_t o,
			    const char *const *rows, uint64_t below)
{
	const char *cols[TALLY_ROWS + 1];
	size_t n = 0;
	struct suppress_table t;

	for (size_t r = 0; r < rp->by_rows; r++)
		for (size_t k = 0; k < rp->by_outcome[o][r].n; k++) {
			size_t j;

			for (j = 0; j < n && strcmp(cols[j], rp->by_outcome[o][r].row[k].key); j++)
				;
			if (j == n && n < TALLY_ROWS)
				cols[n++] = rp->by_outcome[o][r].row[k].key;
		}
	table_init(rp, &t, rp->by_rows, n);
	for (size_t r = 0; r < rp->by_rows; r++)
		for (size_t k = 0; k < rp->by_outcome[o][r].n; k++)
			for (size_t j = 0; j < n; j++)
				if (strcmp(cols[j], rp->by_outcome[o][r].row[k].key) == 0)
					t.v[SUPPRESS_AT(&t, r, j)] = rp->by_outcome[o][r].row[k].n;
	proto_pack_cstr(pk, report_outcomes[o].name);
	pack_suppressed(pk, &t, rows, cols, below);
}

static void pack_by(msgpack_packer *pk, const struct ctl_job *job, struct report *rp)
{
	const char *rows[BY_ROWS_MAX];
	struct suppress_table t;
	uint32_t n_out = 0;

	for (size_t r = 0; r + 1 < rp->by_rows; r++)
		rows[r] = proto_characteristics[job->by].values[r];
	rows[rp->by_rows - 1] = BY_UNRECORDED;
	proto_pack_cstr(pk, "by");
	msgpack_pack_map(pk, 3);
	proto_pack_cstr(pk, "field");
	proto_pack_cstr(pk, proto_characteristic_names[job->by]);
	proto_pack_cstr(pk, "state");
	table_init(rp, &t, rp->by_rows, rp->n_states);
	for (size_t r = 0; r < rp->by_rows; r++)
		for (size_t j = 0; j < rp->n_states; j++)
			t.v[SUPPRESS_AT(&t, r, j)] = rp->by_state[r][j];
	pack_suppressed(pk, &t, rows, rp->states, job->suppress_below);
	proto_pack_cstr(pk, "outcome");
	for (size_t o = 0; o < N_OUTCOMES; o++)
		for (size_t r = 0; r < rp->by_rows; r++)
			if (rp->by_outcome[o][r].n) {
				n_out++;
				break;
			}
	msgpack_pack_map(pk, n_out);
	for (size_t o = 0; o < N_OUTCOMES; o++)
		for (size_t r = 0; r < rp->by_rows; r++)
			if (rp->by_outcome[o][r].n) {
				pack_by_outcome(pk, rp, o, rows, job->suppress_below);
				break;
			}
}

static void report_case(struct report *rp, const struct wf_case *c, const struct ctl_job *job)
{
	uint64_t now = job->now_ms;

	const msgpack_object *cat = c->categories;

	rp->cases++;
	rp->kind[(unsigned)c->kind < KIND_COUNT ? c->kind : KIND_NONE]++;
	rp->origin[(unsigned)c->origin < ORIGIN_COUNT ? c->origin : ORIGIN_SELF]++;
	tally_add(&rp->state,
		  (struct proto_str){wf_kind_state_name(c->kind, (int)c->state),
				     (uint32_t)strlen(wf_kind_state_name(c->kind, (int)c->state))});
	for (uint32_t i = 0; cat && cat->type == MSGPACK_OBJECT_ARRAY && i < cat->via.array.size;
	     i++)
		if (cat->via.array.ptr[i].type == MSGPACK_OBJECT_STR)
			tally_add(&rp->category,
				  (struct proto_str){cat->via.array.ptr[i].via.str.ptr,
						     cat->via.array.ptr[i].via.str.size});
	for (size_t i = 0; i < N_OUTCOMES; i++)
		tally_add(&rp->outcome[i], outcome_of(c, i));
	for (uint32_t i = 0; i < c->n_dl && i < WF_DL_MAX; i++)
		if ((unsigned)c->dl[i].kind < DL_KINDS)
			rp->dl[c->dl[i].kind][dl_standing(&c->dl[i], now)]++;
	if (job->by >= 0)
		by_case(rp, c, job->by);
}

static int report_walk(struct store *st, const struct ctl_job *job, struct report *rp)
{
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	struct case_rec c;
	MDB_val k, v;
	int rc;

	if (store_begin(st, true, &txn) < 0)
		return -1;
	if (mdb_cursor_open(txn, st->dbi[DB_CASES], &cur) != 0) {
		store_abort(&txn);
		return -1;
	}
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (caserec_open(&c, st->seal, k.mv_data, k.mv_size, v.mv_data, v.mv_size) < 0) {
			rp->unreadable++;
			continue;
		}
		if (c.c.opened_at >= job->from && (job->to == 0 || c.c.opened_at < job->to) &&
		    (job->only == KIND_NONE || c.c.kind == job->only))
			report_case(rp, &c.c, job);
		caserec_release(&c);
	}
	mdb_cursor_close(cur);
	store_abort(&txn);
	return rc == MDB_NOTFOUND ? 0 : -1;
}

static void pack_deadline_shares(msgpack_packer *pk, const struct report *rp)
{
	uint32_t n = 0;

	for (int k = 0; k < DL_KINDS; k++)
		n += dl_is_obligation(k);
	msgpack_pack_map(pk, n);
	for (int k = 0; k < DL_KINDS; k++) {
		const uint64_t *d = rp->dl[k];
		uint64_t due = d[DLST_ON_TIME] + d[DLST_LATE];

		if (!dl_is_obligation(k))
			continue;
		proto_pack_cstr(pk, config_dl_name(k));
		msgpack_pack_map(pk, 5);
		proto_pack_kv_u64(pk, "due", due);
		proto_pack_kv_u64(pk, "met_on_time", d[DLST_ON_TIME]);
		proto_pack_kv_u64(pk, "late", d[DLST_LATE]);
		proto_pack_kv_u64(pk, "open", d[DLST_OPEN]);
		proto_pack_cstr(pk, "share");
		if (due)
			msgpack_pack_double(pk, (double)d[DLST_ON_TIME] / (double)due);
		else
			msgpack_pack_nil(pk);
	}
}

/* Every state of every kind, by name and once ("closed" is every kind's), 0 when no case is
 * in it, so that a table of them has the same rows whatever the window. */
static void pack_states(msgpack_packer *pk, const struct report *rp)
{
	const char *names[KIND_COUNT * WF_STATES_MAX];
	uint32_t n = 0;

	for (int k = KIND_NONE + 1; k < KIND_COUNT; k++) {
		const struct wf_states *st = wf_states_of(k);

		for (uint32_t s = 1; st && s < st->n; s++) {
			uint32_t j;

			for (j = 0; j < n && strcmp(names[j], st->names[s]) != 0; j++)
				;
			if (j == n)
				names[n++] = st->names[s];
		}
	}
	msgpack_pack_map(pk, n);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t count = 0;

		for (size_t r = 0; r < rp->state.n; r++)
			if (strcmp(rp->state.row[r].key, names[i]) == 0)
				count = rp->state.row[r].n;
		proto_pack_kv_u64(pk, names[i], count);
	}
}

static void pack_report(msgpack_packer *pk, const struct ctl_job *job, struct report *rp)
{
	ctlx_pack_ok_header(pk);
	msgpack_pack_map(pk, 10 + (job->by >= 0));
	proto_pack_kv_u64(pk, "from", job->from);
	proto_pack_cstr(pk, "to");
	if (job->to)
		msgpack_pack_uint64(pk, job->to);
	else
		msgpack_pack_nil(pk);
	proto_pack_kv_u64(pk, "cases", rp->cases);
	proto_pack_kv_u64(pk, "unreadable", rp->unreadable);
	proto_pack_cstr(pk, "kind");
	msgpack_pack_map(pk, KIND_COUNT - KIND_NA);
	for (int i = KIND_NA; i < KIND_COUNT; i++)
		proto_pack_kv_u64(pk, proto_kind_prefix(i), rp->kind[i]);
	proto_pack_cstr(pk, "origin");
	msgpack_pack_map(pk, ORIGIN_COUNT);
	for (int i = 0; i < ORIGIN_COUNT; i++)
		proto_pack_kv_u64(pk, wf_origin_name(i), rp->origin[i]);
	proto_pack_cstr(pk, "category");
	tally_pack(pk, &rp->category);
	proto_pack_cstr(pk, "state");
	pack_states(pk, rp);
	proto_pack_cstr(pk, "outcome");
	msgpack_pack_map(pk, N_OUTCOMES);
	for (size_t i = 0; i < N_OUTCOMES; i++) {
		proto_pack_cstr(pk, report_outcomes[i].name);
		tally_pack(pk, &rp->outcome[i]);
	}
	proto_pack_cstr(pk, "deadlines");
	pack_deadline_shares(pk, rp);
	if (job->by >= 0)
		pack_by(pk, job, rp);
}

int ctlx_run_report(struct store *st, const struct ctl_job *job, msgpack_packer *pk,
		    struct proto_error *err)
{
	struct report *rp = calloc(1, sizeof(*rp));
	int r;

	if (!rp)
		return proto_fail(err, PROTO_UNAVAILABLE, "report.summary: out of memory");
	if (job->by >= 0) {
		for (rp->by_rows = 1; proto_characteristics[job->by].values[rp->by_rows - 1];)
			rp->by_rows++;
		state_names(rp, job->only);
	}
	r = report_walk(st, job, rp);
	if (r == 0)
		pack_report(pk, job, rp);
	free(rp);
	if (r < 0)
		return proto_fail(err, PROTO_UNAVAILABLE, "the cases could not be read");
	return 0;
}
