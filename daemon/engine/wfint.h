/* wfint: what the engine's files and the kinds' rows share and nothing else uses (the
 * interface is wf.h). A step (struct wfx) carries the case, its kind, the input and the
 * effects through a row of a kind (daemon/kinds/, engine/kind.h); wf.c drives it,
 * wfnotes.c builds its notifications, wfx.c holds the small readers and deadline steps they
 * all use. Its functions are wfx_*, so nm tells them from wf.h's wf_*. The layers, top down:
 * the kinds; wf.c; wfnotes.c; wfx.c; case/wfdeadline.c; the data of case/wfcase.h. Not for
 * other modules: include wf.h. */
#ifndef WFINT_H
#define WFINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "policy/policy.h"
#include "proto.h"
#include "case/wfcase.h"
#include "engine/kind.h"

#define R(x) ROLE_BIT(ROLE_##x)

/* One step of the engine: the case, the input and where the effects go. */
struct wfx {
	struct wf_case *c;
	const struct proto_event *ev; /* NULL outside wf_apply */
	const struct wf_kind *k;      /* the case's kind */
	const struct wf_rule *rule;   /* the row being applied (wf_apply) */
	uint64_t now;
	const struct policy *p;
	struct wf_effects *fx;
	bool full; /* a note or a deadline had no room: the step fails */
};

/* A time as ISO 8601 UTC, for messages: wfx_iso(t).s lives to the end of the full
 * expression. */
struct wfx_iso {
	char s[32];
};
struct wfx_iso wfx_iso(uint64_t ms);

/* ---- small readers (wfx.c) ----------------------------------------------------------- */

/* A string object as a proto_str; {NULL, 0} when o is absent or not a string. */
struct proto_str wfx_obj_str(const msgpack_object *o);
/* body.key of the event being applied, as wfx_obj_str reads it. */
struct proto_str wfx_body_str(const struct wfx *x, const char *key);
/* A field of the subject as it now stands: subject.updated's fields over the original. */
struct proto_str wfx_subject_str(const struct wf_case *c, const char *key);
/* Whether s is one of the names of list ("a|b|c"). */
bool wfx_list_has(const char *list, const char *s, size_t len);
/* A row's body condition: body.key is (a string), or holds (an array of strings), one of the
 * names of `is`; with `is` NULL, body.key is a flag that is true. No key: always. */
bool wfx_body_is(const msgpack_object *body, const char *key, const char *is);

/* An opening row's first act, for every kind: the origin from the row, opened_at from the
 * event, the subject (body.subject, may be absent) and its id. */
void wfx_open(struct wfx *x);

/* ---- the kind's own fields (wfx.c) ---------------------------------------------------- */

/* Sets the case's part name (a literal) to v, replacing one of that name; x->full when the
 * case has no room. v NULL: nothing. */
void wfx_set_part(struct wfx *x, const char *name, const msgpack_object *v);
/* Sets the case's outcome name to body.key of the event, when it has one. */
void wfx_set_outcome(struct wfx *x, const char *name, const char *key);

/* ---- deadlines of states (wfx.c) ------------------------------------------------------ */

/* Opens the deadline of kind k from start, due after policy->due[k] (annual_review: the
 * case's review_period when it has one); x->full when the case has no room. */
void wfx_open_kind(struct wfx *x, enum dl_kind k, uint64_t start);
/* Meets the live deadline of kind k, if any, at x->now. */
void wfx_meet_kind(struct wfx *x, enum dl_kind k);
/* Cancels, at x->now, the live deadlines that state s opened (their policy row's opens_on):
 * for a row that withdraws what s asked for, so that leaving s does not meet them. */
void wfx_cancel_state(struct wfx *x, int s);

/* ---- notifications (wfnotes.c) -------------------------------------------------------- */

/* Fills n's recipients from the topics table, for the case as it now is. */
void wfx_address(struct wf_note *n, const struct wf_case *c);
/* A new note on the case as it now is, not yet addressed; NULL (and the step fails) when fx
 * is full. */
struct wf_note *wfx_note(struct wfx *x, const char *topic);
/* A note of topic, addressed. */
void wfx_notify(struct wfx *x, const char *topic);
/* A note of topic about deadline d (kind, due_at, level), addressed. */
void wfx_notify_deadline(struct wfx *x, const char *topic, const struct wf_deadline *d);
/* A note of topic with detail.outcome when outcome is not empty, addressed. */
void wfx_notify_outcome(struct wfx *x, const char *topic, struct proto_str outcome);

/* ---- the rows (the kind's) ------------------------------------------------------------ */

/* invalid_transition for the event being applied, naming the case's state and why. */
int wfx_refused(const struct wfx *x, struct proto_error *err, const char *why);
/* Guards for rows a subject may send (forbidden naming actor.id; other roles pass): an opening
 * that must be the subject's own (actor.id is body.subject.id; `what` says what it is, "a
 * declaration"), and an event on a case that only the case's own subject may send. */
int wfx_subject_opens_own(const struct wfx *x, struct proto_error *err, const char *what);
int wfx_subject_is_case_subject(const struct wfx *x, struct proto_error *err);
/* The case's state by name. */
const char *wfx_state_name(const struct wfx *x);

#endif
