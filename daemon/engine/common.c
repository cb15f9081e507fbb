/* common: the rows every kind has (REGISTERS.md "Common to every kind"): subject.updated,
 * deadline.extended and case.closed, allowed in any of the kind's open states. The driver
 * looks for a type among the kind's own rows first, then here; a kind that refines one of
 * these (its own case.closed reasons) does so with its body (engine/kind.h, struct wf_body). */
#include <string.h>

#include "case/wfdeadline.h"
#include "engine/wf.h"
#include "engine/wfint.h"
#include "policy/cal.h"

/* "any open state with that deadline open"; "due_at (later than now due)". */
static int deadline_extensible(const struct wfx *x, struct proto_error *err)
{
	struct proto_str kind = wfx_body_str(x, "kind");
	const msgpack_object *due = proto_map_get(x->ev->body, "due_at");
	int k = kind.len ? policy_dl_parse(kind.ptr, kind.len) : -1;
	const struct wf_deadline *d;

	if (k < 0)
		return proto_fail(err, PROTO_INVALID_FIELD, "body.kind: not a deadline kind");
	if (!(d = wf_dl_find(x->c, k)))
		return proto_fail(err, PROTO_INVALID_TRANSITION,
				  "body.kind: the case (%s) has no open %s deadline to extend",
				  wfx_state_name(x), config_dl_name(k));
	if (!due || due->type != MSGPACK_OBJECT_POSITIVE_INTEGER || due->via.u64 <= d->due_at)
		return proto_fail(err, PROTO_INVALID_FIELD,
				  "body.due_at: must be later than the %s deadline's due time %s",
				  config_dl_name(k), wfx_iso(d->due_at).s);
	return 0;
}

/* A kind whose report may name nobody (WR) takes the subject's id from subject.updated while
 * the case has none; the other kinds' bodies refuse an id (proto/kindbodies.c). */
static int subject_id_settable(const struct wfx *x, struct proto_error *err)
{
	const msgpack_object *s = proto_map_get(x->ev->body, "subject");

	if (s && proto_map_get(s, "id") && x->c->subject_id.len)
		return proto_fail(err, PROTO_INVALID_FIELD,
				  "body.subject.id: the case has a subject already; a subject's id "
				  "cannot change");
	return 0;
}

static void record_subject_update(struct wfx *x)
{
	x->c->subject_update = proto_map_get(x->ev->body, "subject");
	if (!x->c->subject_id.len)
		x->c->subject_id = wfx_obj_str(proto_map_get(x->c->subject_update, "id"));
}

static void extend_deadline(struct wfx *x)
{
	struct proto_str kind = wfx_body_str(x, "kind");
	struct wf_deadline *d = wf_dl_find(x->c, policy_dl_parse(kind.ptr, kind.len));
	const msgpack_object *due = proto_map_get(x->ev->body, "due_at");

	wfdl_extend(d, due->via.u64, x->now);
}

static void record_close_reason(struct wfx *x)
{
	x->c->closed_reason = wfx_body_str(x, "reason");
}

/* ---- the reporter's channel (REGISTERS.md) ------------------------------------------------ */

static bool has_channel(const struct wf_case *c)
{
	return c->origin == ORIGIN_ANONYMOUS || c->reporter_role != ROLE_NONE;
}

bool wf_channel_open(const struct wf_case *c, uint64_t now, const struct policy *p)
{
	if (!wf_kind_closed(c->kind, (int)c->state))
		return true;
	return now < cal_add(&p->cal, c->closed_at, p->channel_after_close, 1);
}

/* The reporter follows up: by token on an anonymous report (no actor), or as the named
 * reporter, the report's own actor (same role and id). */
static int reporter_guard(const struct wfx *x, struct proto_error *err)
{
	const struct wf_case *c = x->c;

	if (x->ev->by_token)
		return 0;
	if (c->origin == ORIGIN_ANONYMOUS)
		return proto_fail(err, PROTO_FORBIDDEN,
				  "actor: an anonymous report is followed up by its token alone");
	if (c->reporter_role == ROLE_NONE || x->ev->actor_role != c->reporter_role ||
	    x->ev->actor_id.len != c->reporter_id.len ||
	    memcmp(x->ev->actor_id.ptr, c->reporter_id.ptr, c->reporter_id.len) != 0)
		return proto_fail(err, PROTO_FORBIDDEN,
				  "actor: only the report's own reporter may follow it up");
	return 0;
}

/* The channel is open, by the daemon's clock (an event's `at` may lie in the past; an
 * anonymous one's is its day). A follow-up by token comes here only through an open channel:
 * batch answers a closed one as an unknown token, by the wall clock, before the engine. */
static int channel_usable(const struct wfx *x, struct proto_error *err)
{
	if (x->ev->by_token)
		return 0;
	if (!has_channel(x->c))
		return wfx_refused(x, err, "the case has no reporter's channel");
	if (!wf_channel_open(x->c, x->now, x->p))
		return wfx_refused(x, err, "the reporter's channel has closed");
	return 0;
}

/* A message of the thread; on an anonymous report its time keeps only the day. */
static void add_message(struct wfx *x, bool from_psd)
{
	uint64_t at = x->ev->at;

	if (x->c->origin == ORIGIN_ANONYMOUS)
		at -= at % PROTO_MS_PER_DAY;
	x->c->added_msg = (struct wf_msg){at, from_psd, wfx_body_str(x, "text")};
	x->c->has_added_msg = true;
}

static void record_follow_up(struct wfx *x)
{
	add_message(x, false);
}

/* reporter_update is met and opened again by each reply, while the case is open */
static void record_reply(struct wfx *x)
{
	add_message(x, true);
	if (wf_kind_closed(x->c->kind, (int)x->c->state))
		return;
	wfx_meet_kind(x, DL_REPORTER_UPDATE);
	wfx_open_kind(x, DL_REPORTER_UPDATE, x->ev->at);
}

const struct wf_side wf_common_sides[] = {
    {"report.followed_up", NULL, NULL, NULL, NULL, "report.follow_up"},
    {"psd.replied", NULL, NULL, NULL, NULL, "report.reply"},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};

const struct wf_rule wf_common_rules[] = {
    /* keeping records right */
    {"subject.updated", NULL, NULL, WF_KIND_OPEN, R(PSD), WF_SAME, 0, NULL, subject_id_settable,
     record_subject_update, NULL},
    /* a recorded reason for every extension */
    {"deadline.extended", NULL, NULL, WF_KIND_OPEN, R(PSD) | R(AA) | R(HEAD_OF_PSD), WF_SAME, 0,
     NULL, deadline_extensible, extend_deadline, NULL},
    {"case.closed", NULL, NULL, WF_KIND_OPEN, R(PSD), WF_KIND_CLOSED, 0, NULL, NULL,
     record_close_reason, NULL},
    /* P01 3.5, P01b 3.5.1, P01c 3.13: the reporter's two-way channel */
    {"report.followed_up", NULL, NULL, WF_KIND_OPEN | WF_KIND_CLOSED_TOO,
     R(NONE) | R(SUBJECT) | R(LINE_MANAGER) | R(PSD) | R(AA) | R(HEAD_OF_PSD) | R(VETTING) | R(HR) |
	 R(REPORTER),
     WF_SAME, 0, reporter_guard, channel_usable, record_follow_up, NULL},
    {"psd.replied", NULL, NULL, WF_KIND_OPEN | WF_KIND_CLOSED_TOO, R(PSD), WF_SAME, 0, NULL,
     channel_usable, record_reply, NULL},
    {NULL, NULL, NULL, 0, 0, 0, 0, NULL, NULL, NULL, NULL},
};
