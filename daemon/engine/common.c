/* common: the rows every kind has (REGISTERS.md "Common to every kind"): subject.updated,
 * deadline.extended and case.closed, allowed in any of the kind's open states. The driver
 * looks for a type among the kind's own rows first, then here; a kind that refines one of
 * these (its own case.closed reasons) does so with its body (engine/kind.h, struct wf_body). */
#include <string.h>

#include "case/wfdeadline.h"
#include "engine/wfint.h"

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

const struct wf_rule wf_common_rules[] = {
    /* keeping records right */
    {"subject.updated", NULL, NULL, WF_KIND_OPEN, R(PSD), WF_SAME, 0, NULL, subject_id_settable,
     record_subject_update, NULL},
    /* a recorded reason for every extension */
    {"deadline.extended", NULL, NULL, WF_KIND_OPEN, R(PSD) | R(AA) | R(HEAD_OF_PSD), WF_SAME, 0,
     NULL, deadline_extensible, extend_deadline, NULL},
    {"case.closed", NULL, NULL, WF_KIND_OPEN, R(PSD), WF_KIND_CLOSED, 0, NULL, NULL,
     record_close_reason, NULL},
    {NULL, NULL, NULL, 0, 0, 0, 0, NULL, NULL, NULL, NULL},
};
