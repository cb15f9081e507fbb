/* wfint: what the engine's files share and nothing outside them uses (the interface is wf.h).
 * A step (struct wfx) carries the case, the input and the effects through a row of
 * wfrules.c or wfside.c; wf.c drives it, wfnotes.c builds its notifications, wfx.c holds
 * the small readers and deadline steps they all use. Its functions are wfx_*, so nm tells
 * them from wf.h's wf_*. The layers, top down: wf.c; wfrules.c, wfside.c; wfnotes.c; wfx.c;
 * wfdeadline.c; the data of wfcase.h. Not for other modules: include wf.h. */
#ifndef WFINT_H
#define WFINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "policy/policy.h"
#include "proto.h"
#include "case/wfcase.h"

#define WF_SAME WF_STATE_COUNT /* a row's next state: the case stays where it is */

#define S(x) WF_BIT(WF_##x)
#define R(x) ROLE_BIT(ROLE_##x)

struct wfx;

struct wf_rule {
	const char *type;
	const char *when, *is; /* the body condition of the row (see wfx_body_is), or NULL */
	uint32_t states;       /* states the event is allowed in */
	uint32_t roles;        /* actor roles allowed; R(NONE) admits no actor */
	enum wf_state next;    /* or WF_SAME */
	enum wf_origin origin; /* of the case an opening row opens */
	int (*guard)(const struct wfx *, struct proto_error *); /* forbidden, window_closed */
	int (*check)(const struct wfx *, struct proto_error *); /* what the state alone can't say */
	void (*act)(struct wfx *);                              /* records the body */
	const char *closes; /* closed_reason when the row closes the case (else the act's) */
};

/* One step of the engine: the case, the input and where the effects go. */
struct wfx {
	struct wf_case *c;
	const struct proto_event *ev; /* NULL outside wf_apply */
	const struct wf_rule *rule;   /* the row being applied (wf_apply) */
	uint64_t now;
	const struct policy *p;
	struct wf_effects *fx;
	bool full; /* a note or a deadline had no room: the step fails */
};

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

/* ---- deadlines of states (wfx.c) ------------------------------------------------------ */

/* Opens the deadline of kind k from start, due after policy->due[k] (annual_review: the
 * case's review_period when it has one); x->full when the case has no room. */
void wfx_open_kind(struct wfx *x, enum dl_kind k, uint64_t start);
/* Meets the live deadline of kind k, if any, at x->now. */
void wfx_meet_kind(struct wfx *x, enum dl_kind k);
/* Cancels, at x->now, the live deadlines that state s opened (their policy row's opens_on):
 * for a row that withdraws what s asked for, so that leaving s does not meet them. */
void wfx_cancel_state(struct wfx *x, enum wf_state s);

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

/* ---- the rows (wfrules.c, wfside.c) --------------------------------------------------- */

/* The row of WORKFLOW.md's events table for ev on a case in `state`: the first of its type
 * whose `when` the body meets and whose states hold `state`; when none holds it, the first
 * whose `when` the body meets (the driver then refuses it, naming the state). NULL with err
 * set: unknown_type (no row of the type), invalid_field (no row for the body's value). */
const struct wf_rule *wfx_find_rule(const struct proto_event *ev, enum wf_state state,
				    struct proto_error *err);
/* Runs the side effects of the event being applied, after it has moved the case. */
void wfx_side_effects(struct wfx *x);

#endif
