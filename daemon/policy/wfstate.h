/* wfstate: the states and origins of a notifiable-association case (WORKFLOW.md "Events on an
 * NA case"), and their names on the wire. */
#ifndef WFSTATE_H
#define WFSTATE_H

#include <stddef.h>
#include <stdint.h>

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
/* "Conditions are in force in appeal_window, under_appeal, awaiting_appeal_decision and
 * conditions_active" */
#define WF_CONDITIONS_IN_FORCE                                                                     \
	(WF_BIT(WF_APPEAL_WINDOW) | WF_BIT(WF_UNDER_APPEAL) |                                      \
	 WF_BIT(WF_AWAITING_APPEAL_DECISION) | WF_BIT(WF_CONDITIONS_ACTIVE))
#define WF_OPEN_STATES (((1u << WF_STATE_COUNT) - 1) & ~WF_BIT(WF_NONE) & ~WF_BIT(WF_CLOSED))

enum wf_origin { ORIGIN_SELF, ORIGIN_REFERRAL, ORIGIN_ANONYMOUS, ORIGIN_COUNT };

const char *wf_state_name(enum wf_state s);
const char *wf_origin_name(enum wf_origin o);
/* The state named s (len bytes), or -1. */
int wf_state_parse(const char *s, size_t len);
/* The origin named s (len bytes), or -1. */
int wf_origin_parse(const char *s, size_t len);

#endif
