/* wfstate: the states of every case kind and their names on the wire (WORKFLOW.md "Events on
 * an NA case"; REGISTERS.md), and the origins. Each kind has its own state enum, from its
 * NONE (0: before an opening event) to its CLOSED, as systemd's unit kinds do; struct
 * wf_states translates one into what every layer needs to know of it: the names, which
 * states are open, which is closed, in which conditions are in force. The rules that move a
 * case between them are its kind's (daemon/kinds/). A case's state is an int holding a
 * value of its kind's enum. */
#ifndef WFSTATE_H
#define WFSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

/* NA: WORKFLOW.md "Events on an NA case" */
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

/* CR: REGISTERS.md "Corruption reports" */
enum cr_state {
	CR_NONE = 0,
	CR_AWAITING_CONSULTATION,
	CR_AWAITING_ASSESSMENT,
	CR_UNDER_DEVELOPMENT,
	CR_UNDER_INVESTIGATION,
	CR_CLOSED,
	CR_STATE_COUNT
};

/* WR: REGISTERS.md "Wrongdoing reports" */
enum wr_state {
	WR_NONE = 0,
	WR_AWAITING_ASSESSMENT,
	WR_MANAGEMENT_ACTION,
	WR_UNDER_INVESTIGATION,
	WR_CLOSED,
	WR_STATE_COUNT
};

/* GH: REGISTERS.md "Gifts and hospitality" */
enum gh_state {
	GH_NONE = 0,
	GH_AWAITING_APPROVAL,
	GH_AWAITING_RETURN,
	GH_AWAITING_PSD_REVIEW,
	GH_CONCERN_RAISED,
	GH_CLOSED,
	GH_STATE_COUNT
};

/* BI: REGISTERS.md "Business interests and second jobs" */
enum bi_state {
	BI_NONE = 0,
	BI_AWAITING_HR_ASSESSMENT,
	BI_AWAITING_PSD_CHECK,
	BI_AWAITING_DECISION,
	BI_APPROVED, /* with or without conditions (the case's conditions part) */
	BI_REFUSED,
	BI_UNDER_APPEAL,
	BI_CLOSED,
	BI_STATE_COUNT
};

#define WF_BIT(s)     (1u << (s))
#define WF_STATES_MAX 32    /* a kind's states fit a uint32_t mask */
#define WF_SAME       0xffu /* a rule's next state: the case stays where it is */
/* NA: "Conditions are in force in appeal_window, under_appeal, awaiting_appeal_decision and
 * conditions_active" */
#define WF_CONDITIONS_IN_FORCE                                                                     \
	(WF_BIT(WF_APPEAL_WINDOW) | WF_BIT(WF_UNDER_APPEAL) |                                      \
	 WF_BIT(WF_AWAITING_APPEAL_DECISION) | WF_BIT(WF_CONDITIONS_ACTIVE))
/* NA: every state between the opening and the close */
#define WF_OPEN_STATES (((1u << WF_STATE_COUNT) - 1) & ~WF_BIT(WF_NONE) & ~WF_BIT(WF_CLOSED))

/* What every layer knows of a kind's states. */
struct wf_states {
	enum proto_kind kind;
	const char *const *names; /* by state; names[0] is "none" */
	uint32_t n;               /* the kind's STATE_COUNT */
	int closed;               /* its closed state */
	uint32_t open;            /* mask: every state between opening and closing */
	uint32_t in_force;        /* mask: conditions are in force (none but NA's) */
};

/* The states of kind k, or NULL for KIND_NONE or a kind with no engine yet. */
const struct wf_states *wf_states_of(enum proto_kind k);
/* State s of kind k by name ("?" when k or s is unknown), and back (-1 when unknown).
 * KIND_NONE names NA's states: records and notes written before kinds are NA's. */
const char *wf_kind_state_name(enum proto_kind k, int s);
int wf_kind_state_parse(enum proto_kind k, const char *s, size_t len);
/* Whether s is kind k's closed state. */
bool wf_kind_closed(enum proto_kind k, int s);

enum wf_origin { ORIGIN_SELF, ORIGIN_REFERRAL, ORIGIN_ANONYMOUS, ORIGIN_COUNT };

/* NA's states by name, and back; the origins. */
const char *wf_state_name(enum wf_state s);
const char *wf_origin_name(enum wf_origin o);
/* The state named s (len bytes), or -1. */
int wf_state_parse(const char *s, size_t len);
/* The origin named s (len bytes), or -1. */
int wf_origin_parse(const char *s, size_t len);

#endif
