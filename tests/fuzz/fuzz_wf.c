/* fuzz_wf: the workflow engine fed decoded events. An input is a list of steps taken on one
 * case of any kind (NA, CR, WR, GH, BI: the kind its opening event's type opens) under the
 * default policy, at a clock that starts at FUZZ_NOW_MS and only moves on:
 *
 *   step := op:u8 arg          (op taken modulo OP_COUNT)
 *   OP_EVENT    len:u16 BE, len bytes: an intake frame, decoded by proto_event_decode at
 *               the clock; a valid one goes to wf_apply (an opening event starts a new case;
 *               a follow-up by token names the case when it is an anonymous report that
 *               still keeps its token, as batch's token look-up would find it)
 *   OP_JUMP     secs:u32 BE: the clock jumps on, nothing fired (the daemon was down)
 *   OP_RUN      hours:u16 BE: the clock moves on with the workers running: each timer and
 *               disposal falls due and is fired at its own time, in time order
 *   OP_FIRE_DUE the workers catch up at the clock: everything due is fired, late
 *   OP_FIRE     kind:u8: wf_fire of that kind (modulo DL_KINDS: any kind's, the case's own
 *               or not) at the clock, due or not (a stale request)
 *   OP_ASSIGN   which:u8: wf_assign of AA1 (odd) or of the role alone (even)
 *   OP_DISPOSE  wf_dispose at the clock
 *   OP_POLICY   which:u8: the default policy (even) or fuzz_policy_alt (odd) from now on,
 *               as a SIGHUP swaps it
 *
 * After each step that changed the case, it is stored and loaded back (caserec), as batch
 * does, and must come back the same, its case.get view one MessagePack map. Invariants: the
 * case's state is one its kind allows (WORKFLOW.md, REGISTERS.md), with the deadlines that
 * state has and no others, none of another kind's;
 * deadlines' times are consistent; effects stay within their arrays; a due timer always
 * makes progress; wf_apply's errors are those it documents, and never `unavailable` (an
 * event that could never be accepted). FUZZ_WF_TRACE=1 in the environment prints each
 * event's outcome (to check a seed). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "store/caserec.h"
#include "fuzz.h"
#include "engine/wf.h"
#include "wfinv.h"

enum op {
	OP_EVENT,
	OP_JUMP,
	OP_RUN,
	OP_FIRE_DUE,
	OP_FIRE,
	OP_ASSIGN,
	OP_DISPOSE,
	OP_POLICY,
	OP_COUNT
};

#define STEPS_MAX 64 /* steps of one input */
#define FIRES_MAX 64 /* fires at one instant: a case has a handful of deadlines live */
/* fires on time in one input; past it, OP_RUN catches up late (years of weekly escalations
 * would otherwise take the fuzzer's time) */
#define ON_TIME_MAX 256
#define MS_PER_SEC  1000ull
#define MS_PER_HOUR (3600 * MS_PER_SEC)
#define MS_PER_DAY  (24 * MS_PER_HOUR)
#define CASE_YEAR   2026
#define CASE_SEQ    1
#define AA_NAME     "AA1"
/* the canonical token batch would draw for an anonymous report (give_token) */
#define FUZZ_TOKEN "K7QF9XJ2M4R8T6VW0ABCDEFG4M"

struct run {
	const uint8_t *p, *end;
	uint64_t now;
	const struct policy *pol;
	struct case_rec rec; /* the case as stored; state 0 (none) before the first opening */
	bool have;
	unsigned on_time; /* fires at their own time so far */
};

/* ---- reading the input ----------------------------------------------------------- */

static bool take(struct run *r, size_t n, const uint8_t **ret)
{
	if ((size_t)(r->end - r->p) < n)
		return false;
	*ret = r->p;
	r->p += n;
	return true;
}

static bool take_be(struct run *r, size_t n, uint64_t *ret)
{
	const uint8_t *b;

	if (!take(r, n, &b))
		return false;
	*ret = 0;
	for (size_t i = 0; i < n; i++)
		*ret = *ret << 8 | b[i];
	return true;
}

/* ---- invariants -------------------------------------------------------------------- */

static void check_deadlines(const struct wf_case *c, const struct policy *p, bool live[DL_KINDS])
{
	require(c->n_dl <= WF_DL_MAX);
	for (uint32_t i = 0; i < c->n_dl; i++) {
		const struct wf_deadline *d = &c->dl[i];

		require((unsigned)d->kind < DL_KINDS && (unsigned)d->status < DLS_COUNT);
		require(d->due_at >= d->start);
		if (!wf_dl_live(d)) {
			require(d->status != DLS_OPEN);
			continue;
		}
		require(!live[d->kind]);
		live[d->kind] = true;
		require(d->status == DLS_OPEN || d->status == DLS_BREACHED);
		/* open: a reminder or the due time comes next; breached: an escalation after it */
		if (d->status == DLS_OPEN)
			require(d->level == 0 && wf_dl_next(d, p) <= d->due_at);
		else
			require(d->breached_at >= d->due_at && wf_dl_next(d, p) > d->breached_at);
	}
}

/* WORKFLOW.md "Deadlines": which kinds may and must be live in which state (wfinv, as
 * tests/daemon/test_invariants.c checks them in the store), and what the engine's case
 * itself must hold. */
static void check_case(const struct wf_case *c, const struct policy *p)
{
	bool live[DL_KINDS] = {0};
	char why[256];

	require((unsigned)c->origin < ORIGIN_COUNT && c->kind > KIND_NONE && c->kind < KIND_COUNT);
	require(memchr(c->aa, '\0', sizeof(c->aa)) != NULL);
	check_deadlines(c, p, live);
	if (wfinv_case(c, live, why, sizeof(why)) < 0) {
		fprintf(stderr, "fuzz_wf: invariant broken: %s\n", why);
		abort();
	}
}

/* The notes name states of the case's kind. */
static void check_effects(const struct wf_effects *fx, const struct wf_case *c)
{
	const struct wf_states *ks = wf_states_of(c->kind);

	require(ks != NULL && fx->n <= WF_NOTES_MAX);
	for (uint32_t i = 0; i < fx->n; i++) {
		const struct wf_note *n = &fx->note[i];

		require(n->topic != NULL && n->topic[0] != '\0');
		require(n->state > 0 && n->state < ks->n);
		require(n->n_to <= WF_TO_MAX);
		for (uint32_t j = 0; j < n->n_to; j++)
			require(n->to[j].role > ROLE_NONE && n->to[j].role < ROLE_COUNT);
		require(!n->has_deadline || (unsigned)n->dl_kind < DL_KINDS);
		if (n->detail == DETAIL_TRANSITION)
			require(n->from_state < ks->n && n->to_state < ks->n &&
				n->from_state != n->to_state);
	}
	require(fx->n == 0 || fx->note[fx->n - 1].state == c->state);
}

static bool str_same(struct proto_str a, struct proto_str b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* What the record must keep of the engine's case (its parts are checked by the store's
 * tests: a subject update is merged into the subject when stored). A tombstone keeps
 * neither personal data nor who handled it: no aa. */
static void check_same(const struct wf_case *a, const struct wf_case *b)
{
	require(strcmp(a->ref, b->ref) == 0);
	require(strcmp(a->aa, b->aa) == 0 || ((a->flags & WFC_DISPOSED) && b->aa[0] == '\0'));
	require(a->kind == b->kind && a->origin == b->origin && a->state == b->state);
	require(a->flags == b->flags && a->opened_at == b->opened_at &&
		a->closed_at == b->closed_at && a->disposed_at == b->disposed_at);
	require(str_same(a->subject_id, b->subject_id) &&
		str_same(a->closed_reason, b->closed_reason));
	/* the channel; a tombstone keeps no reporter (wf_dispose clears the id and the token but
	 * leaves the role, which the record does not keep) */
	require(str_same(a->token, b->token) && str_same(a->reporter_id, b->reporter_id));
	require(a->reporter_role == b->reporter_role ||
		((a->flags & WFC_DISPOSED) && b->reporter_role == ROLE_NONE));
	require(a->has_review_period == b->has_review_period);
	require(!a->has_review_period || (a->review_period.n == b->review_period.n &&
					  a->review_period.unit == b->review_period.unit));
	require(a->vetting.status == b->vetting.status &&
		a->vetting.optional == b->vetting.optional &&
		a->vetting.opened_at == b->vetting.opened_at &&
		a->vetting.done_at == b->vetting.done_at);
	require(a->n_dl == b->n_dl);
	for (uint32_t i = 0; i < a->n_dl; i++) {
		const struct wf_deadline *x = &a->dl[i], *y = &b->dl[i];

		require(x->kind == y->kind && x->status == y->status && x->level == y->level);
		require(x->start == y->start && x->reminded_until == y->reminded_until &&
			x->opened_at == y->opened_at && x->due_at == y->due_at &&
			x->breached_at == y->breached_at && x->done_at == y->done_at);
	}
}

static void trace(const struct run *r, const struct proto_event *ev, const struct proto_error *err)
{
	static int on = -1;

	if (on < 0)
		on = getenv("FUZZ_WF_TRACE") != NULL;
	if (on)
		fprintf(stderr, "fuzz_wf: day %llu: %s in %s: %s\n",
			(unsigned long long)((r->now - FUZZ_NOW_MS) / MS_PER_DAY), ev->type->name,
			r->have ? wf_kind_state_name(r->rec.c.kind, (int)r->rec.c.state) : "none",
			err ? err->message : "ok");
}

/* ---- steps ------------------------------------------------------------------------- */

/* c (the stored case changed by a step) is checked, then stored and loaded back as the
 * current case; it may borrow from the old record and from the event, both still alive. */
static void commit(struct run *r, const struct wf_case *c, const struct wf_effects *fx)
{
	struct case_rec out = {.c = *c, .history = r->rec.history, .notes = r->rec.notes};
	struct case_rec next = {0};
	msgpack_sbuffer buf;
	msgpack_packer pk;

	check_case(c, r->pol);
	check_effects(fx, c);
	msgpack_sbuffer_init(&buf);
	msgpack_packer_init(&pk, &buf, msgpack_sbuffer_write);
	caserec_pack(&out, &pk);
	require(caserec_load(&next, buf.data, buf.size) == 0);
	check_same(c, &next.c);
	/* and case.get's view of it is one map */
	buf.size = 0;
	caserec_pack_view(&next, &pk);
	fuzz_require_map(buf.data, buf.size);
	msgpack_sbuffer_destroy(&buf);
	caserec_release(&r->rec);
	r->rec = next;
	r->have = true;
}

static void step_event(struct run *r, const uint8_t *bytes, size_t len)
{
	char id[PROTO_ID_MAX + 1];
	struct proto_event ev;
	struct proto_error err = {0};
	struct wf_effects fx;
	struct wf_case c = {0};
	bool opens;

	if (proto_event_decode(&ev, bytes, len, r->now, fuzz_limits(), id, &err) < 0)
		return;
	opens = ev.type->opens != KIND_NONE;
	/* unknown_case: no case yet, or a token that opens nothing, as batch answers it before
	 * the engine: only an anonymous report has one, retention forgets it, and it opens
	 * nothing once the channel has closed by the daemon's clock */
	if (!opens &&
	    (!r->have ||
	     (ev.by_token && (r->rec.c.origin != ORIGIN_ANONYMOUS || r->rec.c.token.len == 0 ||
			      !wf_channel_open(&r->rec.c, r->now, r->pol))))) {
		proto_event_release(&ev);
		return;
	}
	if (!opens)
		c = r->rec.c;
	if (wf_apply(&c, &ev, r->now, r->pol, &fx, &err) < 0) {
		require(err.code == PROTO_FORBIDDEN || err.code == PROTO_WINDOW_CLOSED ||
			err.code == PROTO_INVALID_TRANSITION || err.code == PROTO_INVALID_FIELD);
		require(err.message[0] != '\0');
		trace(r, &ev, &err);
		proto_event_release(&ev);
		return;
	}
	/* the retention clock starts from the closing's `at`, whatever past time it names; a case
	 * that a window already due closes as the event settles (BI: a refusal dated more than
	 * bi_appeal_window ago) closes at the clock, as the worker would have closed it */
	if (wf_kind_closed(c.kind, (int)c.state) &&
	    (opens || !wf_kind_closed(r->rec.c.kind, (int)r->rec.c.state)))
		require(c.closed_at == ev.at || c.closed_at == r->now);
	/* an event on a case never changes its kind; an opening gives the kind its type opens */
	require(c.kind == (opens ? ev.type->opens : r->rec.c.kind));
	if (opens) {
		/* a new case: the old one stays as it was stored */
		snprintf(c.ref, sizeof(c.ref), "%s-%04d-%06d", proto_kind_prefix(ev.type->opens),
			 CASE_YEAR, CASE_SEQ);
		/* and an anonymous report its token, as batch gives it */
		if (c.origin == ORIGIN_ANONYMOUS)
			c.token = (struct proto_str){FUZZ_TOKEN, sizeof(FUZZ_TOKEN) - 1};
		caserec_release(&r->rec);
		r->rec = (struct case_rec){0};
		r->have = false;
	}
	commit(r, &c, &fx);
	trace(r, &ev, NULL);
	proto_event_release(&ev);
}

/* The earliest live deadline's next time (retention: its due time), or UINT64_MAX. */
static uint64_t next_due(const struct run *r, enum dl_kind *ret)
{
	uint64_t best = UINT64_MAX;

	for (uint32_t i = 0; i < r->rec.c.n_dl; i++) {
		const struct wf_deadline *d = &r->rec.c.dl[i];
		uint64_t t = wf_dl_next(d, r->pol);

		if (wf_dl_live(d) && t < best) {
			best = t;
			*ret = d->kind;
		}
	}
	return best;
}

/* Fires what falls due up to `until`, in time order: each at its own time (on_time), or
 * all at `until` (a worker catching up). Each must make progress, and the time must move on
 * after a few fires at one instant. */
static void fire_due(struct run *r, uint64_t until, bool on_time)
{
	struct wf_effects fx;
	enum dl_kind k = DL_COUNT;
	uint64_t t;
	int n = 0;

	while (r->have && (t = next_due(r, &k)) <= until) {
		struct wf_case c = r->rec.c;
		uint64_t at = on_time && t > r->now ? t : r->now;

		if (!on_time || r->on_time >= ON_TIME_MAX)
			at = until;
		else
			r->on_time++;
		if (at > r->now)
			n = 0;
		require(++n <= FIRES_MAX);
		if (k == DL_RETENTION)
			require(wf_dispose(&c, at, r->pol, &fx) == 1);
		else
			require(wf_fire(&c, k, at, r->pol, &fx) == 1);
		r->now = at;
		commit(r, &c, &fx);
	}
	r->now = until;
}

static void step_other(struct run *r, enum op op, uint64_t arg)
{
	struct wf_effects fx;
	struct wf_case c = r->rec.c;
	int changed = 0;

	switch (op) {
	case OP_FIRE:
		changed = wf_fire(&c, (enum dl_kind)(arg % DL_KINDS), r->now, r->pol, &fx);
		break;
	case OP_ASSIGN:
		changed = wf_assign(&c, arg & 1 ? AA_NAME : "", r->now, &fx);
		break;
	case OP_DISPOSE:
		changed = wf_dispose(&c, r->now, r->pol, &fx);
		break;
	default:
		abort();
	}
	require(changed == 0 || changed == 1);
	if (changed)
		commit(r, &c, &fx);
	else
		require(fx.n == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run r = {.p = data, .end = data + size, .now = FUZZ_NOW_MS, .pol = fuzz_policy()};
	const uint8_t *bytes;
	uint64_t v;

	for (int i = 0; i < STEPS_MAX && r.p < r.end; i++) {
		enum op op = (enum op)(*r.p++ % OP_COUNT);

		switch (op) {
		case OP_EVENT:
			if (!take_be(&r, 2, &v) || !take(&r, v, &bytes))
				goto out;
			step_event(&r, bytes, v);
			break;
		case OP_JUMP:
			if (!take_be(&r, 4, &v))
				goto out;
			r.now += v * MS_PER_SEC;
			break;
		case OP_RUN:
			if (!take_be(&r, 2, &v))
				goto out;
			fire_due(&r, r.now + v * MS_PER_HOUR, true);
			break;
		case OP_FIRE_DUE:
			fire_due(&r, r.now, false);
			break;
		case OP_FIRE:
		case OP_ASSIGN:
			if (!take_be(&r, 1, &v))
				goto out;
			if (r.have)
				step_other(&r, op, v);
			break;
		case OP_DISPOSE:
			if (r.have)
				step_other(&r, op, 0);
			break;
		case OP_POLICY:
			if (!take_be(&r, 1, &v))
				goto out;
			r.pol = v & 1 ? fuzz_policy_alt() : fuzz_policy();
			break;
		default:
			abort();
		}
	}
out:
	caserec_release(&r.rec);
	return 0;
}
