/* kindtest: the case-kind tests' harness (kindtest.h). */
#include "dtest.h"

#include <string.h>

#include "kindtest.h"

struct walk *kt_new_walk(void)
{
	struct walk *w = test_malloc(sizeof(*w));

	walk_init(w, "", NOW_MS);
	return w;
}

void kt_free_walk(struct walk *w)
{
	walk_free(w);
	test_free(w);
}

const char *kt_actor_id(enum proto_role r)
{
	return r == ROLE_SUBJECT ? "S100" : r == ROLE_LINE_MANAGER ? "LM1" : "X1";
}

void kt_assert_str_at(struct proto_str s, const char *want, const char *file, int line)
{
	if (!proto_str_eq(s, want)) {
		print_error("ERROR: \"%.*s\" is not \"%s\"\n", (int)s.len, s.ptr ? s.ptr : "",
			    want);
		_fail(file, line);
	}
}

const struct wf_deadline *kt_live_at(struct walk *w, enum dl_kind k, const char *file, int line)
{
	const struct wf_deadline *d = wf_dl_find(&w->c, k);

	if (!d) {
		print_error("ERROR: no live %s deadline\n", config_dl_name(k));
		_fail(file, line);
	}
	return d;
}

#define INT_EQ(a, b, file, line)                                                                   \
	_assert_int_equal(cast_to_largest_integral_type(a), cast_to_largest_integral_type(b),      \
			  file, line)

void kt_assert_dl_at(const struct walk *w, enum dl_kind k, enum dl_status status, uint64_t start,
		     uint64_t due, const char *file, int line)
{
	const struct wf_deadline *d = walk_dl(w, k);

	if (!d) {
		print_error("ERROR: no %s deadline\n", config_dl_name(k));
		_fail(file, line);
		return;
	}
	_assert_string_equal(wf_dl_status_name(d->status), wf_dl_status_name(status), file, line);
	INT_EQ(d->start, start, file, line);
	INT_EQ(d->due_at, due, file, line);
}

uint64_t kt_due_after(const struct walk *w, uint64_t start, struct duration d)
{
	return cal_add(&w->p.cal, start, d, 1);
}

void kt_assert_one_note_at(const struct walk *w, const char *topic, enum dl_kind k, uint32_t level,
			   enum proto_role to, const char *id, const char *file, int line)
{
	const struct wf_note *n = walk_note(w, topic, 0);
	const struct wf_recipient *r;

	if (w->fx.n != 1 || !n) {
		print_error("ERROR: %s: expected one %s, got %u notes (first %s)\n",
			    config_dl_name(k), topic, w->fx.n,
			    w->fx.n ? w->fx.note[0].topic : "none");
		_fail(file, line);
	}
	_assert_true(cast_to_largest_integral_type(n->has_deadline), "n->has_deadline", file, line);
	_assert_string_equal(config_dl_name(n->dl_kind), config_dl_name(k), file, line);
	INT_EQ(n->level, level, file, line);
	if (!(r = note_to(n, to))) {
		print_error("ERROR: %s of %s is not to %s\n", topic, config_dl_name(k),
			    proto_role_name(to));
		_fail(file, line);
	}
	if (id)
		kt_assert_str_at(r->id, id, file, line);
}

/* ---- deadlines ------------------------------------------------------------------------------ */

void kt_assert_dl_opens_at(const struct kt_kind *k, struct walk *w, const struct kt_deadline *d,
			   uint64_t t0, const char *file, int line)
{
	const struct wf_deadline *dl;

	k->walk_to(w, d->state, d->alt);
	dl = kt_live_at(w, d->kind, file, line);
	INT_EQ(dl->status, DLS_OPEN, file, line);
	INT_EQ(dl->start, t0, file, line);
	INT_EQ(dl->due_at, d->due, file, line);
	INT_EQ(dl->due_at, kt_due_after(w, t0, d->dflt), file, line);
	INT_EQ(policy_dl_rule(d->kind)->owner, d->owner, file, line);
	INT_EQ(policy_dl_rule(d->kind)->case_kind, k->kind, file, line);
	INT_EQ(w->p.due[d->kind].n, d->dflt.n, file, line);
	INT_EQ(w->p.due[d->kind].unit, d->dflt.unit, file, line);
}

void kt_assert_dl_met_on_leaving_at(const struct kt_kind *k, struct walk *w, uint64_t t0, int from,
				    enum dl_kind dl, const char *event, const char *file, int line)
{
	const struct wf_deadline *d;

	w->now = t0;
	k->walk_to(w, from, false);
	w->now = t0 + 5 * MS_HOUR;
	walk_ok_at(file, line, w, "%s", event);
	_assert_string_not_equal(k->state_name(w->c.state), k->state_name(from), file, line);
	d = walk_dl(w, dl);
	_assert_string_equal(wf_dl_status_name(d->status), "met", file, line);
	INT_EQ(d->done_at, t0 + 5 * MS_HOUR, file, line);
	/* and nothing of it fires after */
	w->now = t0 + 400 * MS_DAY;
	INT_EQ(walk_fire(w, dl), 0, file, line);
}

unsigned kt_fire_reminders_at(struct walk *w, const struct wf_deadline *d,
			      const struct kt_deadline *kd, uint64_t *next, const char *file,
			      int line)
{
	unsigned reminders = 0;
	uint64_t t;

	while ((t = wf_dl_next(d, &w->p)) < kd->due) {
		w->now = t;
		INT_EQ(walk_fire(w, kd->kind), 1, file, line);
		kt_assert_one_note_at(w, "deadline.reminder", kd->kind, 0, kd->owner, kd->owner_id,
				      file, line);
		reminders++;
	}
	*next = t;
	return reminders;
}

void kt_assert_dl_breached_at(struct walk *w, const struct wf_deadline *d,
			      const struct kt_deadline *kd, const char *file, int line)
{
	w->now = kd->due;
	INT_EQ(walk_fire(w, kd->kind), 1, file, line);
	kt_assert_one_note_at(w, "deadline.breached", kd->kind, 0, kd->owner, kd->owner_id, file,
			      line);
	INT_EQ(d->status, DLS_BREACHED, file, line);
}

void kt_assert_dl_escalated_at(struct walk *w, const struct kt_deadline *kd, const char *file,
			       int line)
{
	/* the breach is sent once */
	INT_EQ(walk_fire(w, kd->kind), 0, file, line);
	w->now = kd->due + 7 * MS_DAY;
	INT_EQ(walk_fire(w, kd->kind), 1, file, line);
	kt_assert_one_note_at(w, "deadline.escalated", kd->kind, 1, ROLE_HEAD_OF_PSD, NULL, file,
			      line);
}

/* ---- one row of the events table ---------------------------------------------------------- */

/* Sends the row's event as role (ROLE_NONE: no actor). */
static int send_as(struct walk *w, const struct kt_row *r, int role)
{
	if (role == ROLE_NONE)
		return walk_try(w, "{'type':'%s','body':%s}", r->type, r->body);
	return walk_try(w, "{'type':'%s','actor':{'id':'%s','role':'%s'},'body':%s}", r->type,
			kt_actor_id(role), proto_role_name(role), r->body);
}

/* The outcome one (state, role) of a row must have: accepted into next, or refused with
 * code, the message naming needle. */
struct expect {
	bool ok;
	int next;
	enum proto_err code;
	const char *needle;
};

static struct expect expected(const struct kt_kind *k, const struct kt_row *r, int s, int role)
{
	if (!(r->roles & ROLE_BIT(role))) {
		if (role == ROLE_NONE)
			return (struct expect){false, 0, PROTO_MISSING_FIELD, "actor"};
		if (r->roles == ROLE_BIT(ROLE_NONE))
			return (struct expect){false, 0, PROTO_INVALID_FIELD, "actor"};
		return (struct expect){false, 0, PROTO_FORBIDDEN, proto_role_name(role)};
	}
	if (!(r->states & WF_BIT(s)))
		return (struct expect){false, 0, PROTO_INVALID_TRANSITION, k->state_name(s)};
	if (role == ROLE_LINE_MANAGER && r->by_manager)
		return (struct expect){true, r->by_manager, 0, NULL};
	return (struct expect){true, r->next == KT_SAME ? s : r->next, 0, NULL};
}

void kt_assert_row_at(const struct kt_kind *k, const struct kt_row *r, const char *file, int line)
{
	struct walk *w = kt_new_walk();
	unsigned wrong = 0;

	for (int s = 0; s < k->n_states; s++)
		for (int role = ROLE_NONE; role < ROLE_COUNT; role++) {
			const char *who = role ? proto_role_name(role) : "no actor";
			struct expect e = expected(k, r, s, role);
			int rc;

			/* an event on a case never meets a case that is not there (unknown_case) */
			if (s == 0 && !(r->states & WF_BIT(0)))
				continue;
			k->walk_to(w, s, r->alt);
			rc = send_as(w, r, role);
			if (e.ok && rc == 0 && w->c.kind == k->kind && (int)w->c.state == e.next &&
			    (w->c.flags & r->flags) == r->flags)
				continue;
			if (!e.ok && rc < 0 && w->err.code == e.code &&
			    strstr(w->err.message, e.needle))
				continue;
			wrong++;
			if (e.ok)
				print_error(
				    "%s:%d: %s by %s in %s: expected %s, got %s%s%s\n", file, line,
				    r->type, who, k->state_name(s), k->state_name(e.next),
				    rc ? proto_err_code(w->err.code) : k->state_name(w->c.state),
				    rc ? ": " : "", rc ? w->err.message : "");
			else
				print_error(
				    "%s:%d: %s by %s in %s: expected %s naming \"%s\", got "
				    "%s%s%s\n",
				    file, line, r->type, who, k->state_name(s),
				    proto_err_code(e.code), e.needle,
				    rc ? proto_err_code(w->err.code) : "accepted: ", rc ? ": " : "",
				    rc ? w->err.message : k->state_name(w->c.state));
		}
	kt_free_walk(w);
	if (wrong)
		_fail(file, line);
}
