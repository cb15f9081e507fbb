/* wf: the workflow engine. WORKFLOW.md's rules as rows of a table; one pure function decides
 * what an event does to a case in a given state: (state, event, now) -> next state, or the
 * wire error. No I/O, no clock of its own. */
#ifndef WF_H
#define WF_H

#include <stdint.h>

#include "proto.h"

enum wf_state {
	WF_NONE = 0, /* before an opening event */
	WF_AWAITING_MANAGER_REVIEW,
	WF_AWAITING_ASSESSMENT,
	WF_AWAITING_INTERVIEW,
	WF_AWAITING_MITIGATION,
	WF_MITIGATION_PROPOSED,
	WF_AWAITING_AA_APPROVAL,
	WF_REFERRED_TO_AA,
	WF_AWAITING_SERVICE,
	WF_APPEAL_WINDOW,
	WF_UNDER_APPEAL,
	WF_AWAITING_APPEAL_DECISION,
	WF_CONDITIONS_ACTIVE,
	WF_CLOSED,
	WF_STATE_COUNT
};
#define WF_BIT(s) (1u << (s))

enum wf_origin { ORIGIN_SELF, ORIGIN_REFERRAL, ORIGIN_ANONYMOUS, ORIGIN_COUNT };

const char *wf_state_name(enum wf_state s);
const char *wf_origin_name(enum wf_origin o);
/* The state named s (len bytes), or -1. */
int wf_state_parse(const char *s, size_t len);

struct wf_result {
	enum wf_state next;
	enum wf_origin origin; /* for an opening event */
};

/* What ev does to a case in state `from` (WF_NONE when ev opens the case). Returns 0, or -1
 * with err set to forbidden or invalid_transition. */
int wf_step(enum wf_state from, const struct proto_event *ev, uint64_t now_ms,
	    struct wf_result *ret, struct proto_error *err);

#endif
