/* wfx: what every step of the engine shares (see wfint.h): the small readers of a body and
 * a case, and opening and meeting a case's deadline of a kind. Below the rows (wfrules.c,
 * wfside.c), the notes (wfnotes.c) and the drivers (wf.c); above wfdeadline.c. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "case/wfdeadline.h"
#include "engine/wfint.h"

struct wfx_iso wfx_iso(uint64_t ms)
{
	struct wfx_iso r;
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || strftime(r.s, sizeof(r.s), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(r.s, sizeof(r.s), "%llu ms", (unsigned long long)ms);
	return r;
}

/* ---- small readers ------------------------------------------------------------------- */

struct proto_str wfx_obj_str(const msgpack_object *o)
{
	if (!o || o->type != MSGPACK_OBJECT_STR)
		return (struct proto_str){NULL, 0};
	return (struct proto_str){o->via.str.ptr, o->via.str.size};
}

struct proto_str wfx_body_str(const struct wfx *x, const char *key)
{
	return wfx_obj_str(proto_map_get(x->ev->body, key));
}

/* A field of the subject as it now stands: subject.updated's fields over the original. */
struct proto_str wfx_subject_str(const struct wf_case *c, const char *key)
{
	const msgpack_object *v = c->subject_update ? proto_map_get(c->subject_update, key) : NULL;

	if (!v && c->subject)
		v = proto_map_get(c->subject, key);
	return wfx_obj_str(v);
}

/* Whether s is one of the names of list ("a|b|c"). */
bool wfx_list_has(const char *list, const char *s, size_t len)
{
	for (const char *p = list; *p;) {
		const char *end = strchr(p, '|');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n == len && memcmp(p, s, len) == 0)
			return true;
		if (!end)
			break;
		p = end + 1;
	}
	return false;
}

/* A row's body condition: body.key is (a string), or holds (an array of strings), one of the
 * names of `is`; with `is` NULL, body.key is a flag that is true. No key: always. */
bool wfx_body_is(const msgpack_object *body, const char *key, const char *is)
{
	const msgpack_object *v;

	if (!key)
		return true;
	if (!is)
		return proto_flag(body, key);
	if (!(v = proto_map_get(body, key)))
		return false;
	if (v->type == MSGPACK_OBJECT_STR)
		return wfx_list_has(is, v->via.str.ptr, v->via.str.size);
	if (v->type == MSGPACK_OBJECT_ARRAY)
		for (uint32_t i = 0; i < v->via.array.size; i++) {
			const msgpack_object *e = &v->via.array.ptr[i];

			if (e->type == MSGPACK_OBJECT_STR &&
			    wfx_list_has(is, e->via.str.ptr, e->via.str.size))
				return true;
		}
	return false;
}

void wfx_open(struct wfx *x)
{
	struct wf_case *c = x->c;

	c->origin = x->rule->origin;
	c->opened_at = x->ev->at;
	c->subject = proto_map_get(x->ev->body, "subject");
	c->subject_id = wfx_obj_str(c->subject ? proto_map_get(c->subject, "id") : NULL);
}

/* ---- the kind's own fields ----------------------------------------------------------- */

static void set_part(struct wfx *x, const char *name, const msgpack_object *v, bool outcome)
{
	struct wf_case *c = x->c;
	uint32_t i;

	if (!v)
		return;
	for (i = 0; i < c->n_parts &&
		    !(c->parts[i].outcome == outcome && proto_str_eq(c->parts[i].name, name));
	     i++)
		;
	if (i == WF_PARTS_MAX) {
		x->full = true;
		return;
	}
	c->parts[i] = (struct wf_part){{name, (uint32_t)strlen(name)}, v, outcome};
	if (i == c->n_parts)
		c->n_parts++;
}

void wfx_set_part(struct wfx *x, const char *name, const msgpack_object *v)
{
	set_part(x, name, v, false);
}

void wfx_set_outcome(struct wfx *x, const char *name, const char *key)
{
	const msgpack_object *v = proto_map_get(x->ev->body, key);

	if (v && v->type == MSGPACK_OBJECT_STR)
		set_part(x, name, v, true);
}

/* ---- deadlines of states --------------------------------------------------------------- */

void wfx_open_kind(struct wfx *x, enum dl_kind k, uint64_t start)
{
	struct duration dur = policy_due(x->p, k, x->c->kind);

	if (k == DL_ANNUAL_REVIEW && x->c->has_review_period)
		dur = x->c->review_period;
	if (!wfdl_open(x->c, k, start, dur, x->now, x->p))
		x->full = true;
}

void wfx_meet_kind(struct wfx *x, enum dl_kind k)
{
	struct wf_deadline *d = wf_dl_find(x->c, k);

	if (d)
		wfdl_meet(d, x->now);
}

void wfx_cancel_state(struct wfx *x, int s)
{
	for (uint32_t i = 0; i < x->c->n_dl; i++)
		if (policy_dl_opens_on(x->c->dl[i].kind, x->c->kind, s))
			wfdl_cancel(&x->c->dl[i], x->now);
}

/* ---- refusals --------------------------------------------------------------------------- */

const char *wfx_state_name(const struct wfx *x)
{
	return wf_kind_state_name(x->c->kind, x->c->state);
}

int wfx_refused(const struct wfx *x, struct proto_error *err, const char *why)
{
	return proto_fail(err, PROTO_INVALID_TRANSITION,
			  "type: %s is not allowed while the case is %s: %s", x->ev->type->name,
			  wfx_state_name(x), why);
}

static bool str_is(struct proto_str s, const msgpack_object *o)
{
	return o && o->type == MSGPACK_OBJECT_STR && o->via.str.size == s.len &&
	       memcmp(o->via.str.ptr, s.ptr, s.len) == 0;
}

int wfx_subject_opens_own(const struct wfx *x, struct proto_error *err, const char *what)
{
	const msgpack_object *subject = proto_map_get(x->ev->body, "subject");

	if (x->ev->actor_role == ROLE_SUBJECT &&
	    (!subject || !str_is(x->ev->actor_id, proto_map_get(subject, "id"))))
		return proto_fail(err, PROTO_FORBIDDEN,
				  "actor.id: %s must be made by its subject; actor.id differs from "
				  "body.subject.id",
				  what);
	return 0;
}

int wfx_subject_is_case_subject(const struct wfx *x, struct proto_error *err)
{
	struct proto_str id = x->c->subject_id;

	if (x->ev->actor_role == ROLE_SUBJECT &&
	    (x->ev->actor_id.len != id.len || memcmp(x->ev->actor_id.ptr, id.ptr, id.len) != 0))
		return proto_fail(err, PROTO_FORBIDDEN,
				  "actor.id: only the case's subject may send %s",
				  x->ev->type->name);
	return 0;
}
