/* kind: what a case kind is, as one const description the engine drives (STYLE.md "Layout":
 * systemd's unit vtables, OpenSMTPD's rule rows). A kind gives its states (policy/wfstate.h),
 * its event rows, its at-due rows, the hooks run on entering and leaving its states, and its
 * side-effect rows; its deadline rows are policy/policy.c's, found by their case kind, and its own
 * bodies of the event types it shares proto/kindbodies.c's (the wire's vocabulary, like its
 * states'). The driver (engine/wf.c) finds the row, runs its guard and check, acts, moves the case,
 * opens and meets deadlines and emits the notes; no kind moves a case itself. The registry
 * (daemon/kinds/registry.c) lists the kinds; the engine reaches them only through wf_kind_of. */
#ifndef ENGINE_KIND_H
#define ENGINE_KIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "case/wfcase.h"
#include "policy/policy.h"
#include "proto.h"

struct wfx;

/* In a row's states: every open state of the row's kind (the rows every kind shares). */
#define WF_KIND_OPEN (1u << 31)
/* In a row's states: the kind's closed state too (the reporter's channel outlives it). */
#define WF_KIND_CLOSED_TOO (1u << 30)
/* A row's next state: the kind's closed state. */
#define WF_KIND_CLOSED 0xfeu

/* One rule: an event type, with a body condition, allowed in some states to some roles. */
struct wf_rule {
	const char *type;
	const char *when, *is; /* the body condition of the row (see wfx_body_is), or NULL */
	uint32_t states;       /* states the event is allowed in */
	uint32_t roles;        /* actor roles allowed; R(NONE) admits no actor */
	unsigned next;         /* the kind's next state, or WF_SAME */
	enum wf_origin origin; /* of the case an opening row opens */
	int (*guard)(const struct wfx *, struct proto_error *); /* forbidden, window_closed */
	int (*check)(const struct wfx *, struct proto_error *); /* what the state alone can't say */
	void (*act)(struct wfx *);                              /* records the body */
	const char *closes; /* closed_reason when the row closes the case (else the act's) */
};

/* A side effect: run after the event has moved the case, when its type, condition and flag
 * hold. */
struct wf_side {
	const char *types;            /* '|' between them */
	const char *when, *is;        /* a body condition (see wfx_body_is), or NULL */
	const char *flag;             /* and a body flag that must be true, or NULL */
	void (*effect)(struct wfx *); /* or NULL: ... */
	const char *topic;            /* ... a notification of this topic, addressed */
};

/* At a window's due time (a deadline whose action is not a breach): what the case does. */
struct wf_at_due {
	enum dl_action action; /* DLA_BREACH ends the table */
	uint32_t states;       /* the case must be in one of them (it is: the deadline is live) */
	unsigned next;         /* or WF_SAME */
	const char *topic;     /* emitted after the change, or NULL */
	uint32_t flags;        /* enum wf_case_flag: set on the case after the change */
	const char *closes;    /* closed_reason when next is the closed state, or NULL */
};

struct wf_kind {
	enum proto_kind id;             /* its states are wf_states_of(id) */
	const struct wf_rule *rules;    /* ended by a row whose type is NULL */
	const struct wf_side *sides;    /* ended by a row whose types is NULL; may be NULL */
	const struct wf_at_due *at_due; /* ended by a DLA_BREACH row; may be NULL */
	/* indexed by state, states->n entries each; NULL entries, or NULL tables, do nothing.
	 * Closing is the driver's, for every kind: on_enter of the closed state runs after it. */
	void (*const *on_enter)(struct wfx *, uint64_t start);
	void (*const *on_leave)(struct wfx *);
	/* The reporter's channel is every anonymous report's; a kind whose named reports have
	 * one too (CR, WR: REGISTERS.md) says so. */
	bool channel_named;
	/* Retention: clears the kind's personal parts of a disposed case (the driver clears the
	 * subject and the parts every kind shares); may be NULL. */
	void (*dispose)(struct wf_case *);
	/* The next state of row r when it depends on the policy, not the body alone (GH: an
	 * accepted offer above [gifts] approval_threshold); given the row's, returns the case's.
	 * May be NULL. */
	unsigned (*next_of)(const struct wfx *x, const struct wf_rule *r, unsigned next);
};

/* The rows and side effects every kind has, after its own (engine/common.c). */
extern const struct wf_rule wf_common_rules[];
extern const struct wf_side wf_common_sides[];

/* The kind k, or NULL when k has no engine (yet). Defined by the registry. */
const struct wf_kind *wf_kind_of(enum proto_kind k);

#endif
