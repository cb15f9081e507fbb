#include "policy/wfstate.h"

#include "proto.h"

static const char *const state_names[WF_STATE_COUNT] = {
    [WF_NONE] = "none",
    [WF_AWAITING_MANAGER_REVIEW] = "awaiting_manager_review",
    [WF_AWAITING_ASSESSMENT] = "awaiting_assessment",
    [WF_AWAITING_INTERVIEW] = "awaiting_interview",
    [WF_AWAITING_MITIGATION] = "awaiting_mitigation",
    [WF_MITIGATION_PROPOSED] = "mitigation_proposed",
    [WF_AWAITING_AA_APPROVAL] = "awaiting_aa_approval",
    [WF_REFERRED_TO_AA] = "referred_to_aa",
    [WF_AWAITING_SERVICE] = "awaiting_service",
    [WF_APPEAL_WINDOW] = "appeal_window",
    [WF_UNDER_APPEAL] = "under_appeal",
    [WF_AWAITING_APPEAL_DECISION] = "awaiting_appeal_decision",
    [WF_CONDITIONS_ACTIVE] = "conditions_active",
    [WF_CLOSED] = "closed",
};
_Static_assert(sizeof(state_names) / sizeof(state_names[0]) == WF_STATE_COUNT, "state_names");

static const char *const origin_names[ORIGIN_COUNT] = {
    [ORIGIN_SELF] = "self",
    [ORIGIN_REFERRAL] = "referral",
    [ORIGIN_ANONYMOUS] = "anonymous",
};
_Static_assert(sizeof(origin_names) / sizeof(origin_names[0]) == ORIGIN_COUNT, "origin_names");

const char *wf_state_name(enum wf_state s)
{
	return (unsigned)s < WF_STATE_COUNT ? state_names[s] : "?";
}

const char *wf_origin_name(enum wf_origin o)
{
	return (unsigned)o < ORIGIN_COUNT ? origin_names[o] : "?";
}

int wf_state_parse(const char *s, size_t len)
{
	return proto_name_index(state_names, WF_STATE_COUNT, s, len);
}

int wf_origin_parse(const char *s, size_t len)
{
	return proto_name_index(origin_names, ORIGIN_COUNT, s, len);
}
