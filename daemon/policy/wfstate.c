#include "policy/wfstate.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const na_names[WF_STATE_COUNT] = {
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
_Static_assert(N(na_names) == WF_STATE_COUNT, "na_names");

static const char *const cr_names[CR_STATE_COUNT] = {
    [CR_NONE] = "none",
    [CR_AWAITING_CONSULTATION] = "awaiting_consultation",
    [CR_AWAITING_ASSESSMENT] = "awaiting_assessment",
    [CR_UNDER_DEVELOPMENT] = "under_development",
    [CR_UNDER_INVESTIGATION] = "under_investigation",
    [CR_CLOSED] = "closed",
};
_Static_assert(N(cr_names) == CR_STATE_COUNT, "cr_names");

static const char *const wr_names[WR_STATE_COUNT] = {
    [WR_NONE] = "none",
    [WR_AWAITING_ASSESSMENT] = "awaiting_assessment",
    [WR_MANAGEMENT_ACTION] = "management_action",
    [WR_UNDER_INVESTIGATION] = "under_investigation",
    [WR_CLOSED] = "closed",
};
_Static_assert(N(wr_names) == WR_STATE_COUNT, "wr_names");

static const char *const gh_names[GH_STATE_COUNT] = {
    [GH_NONE] = "none",
    [GH_AWAITING_APPROVAL] = "awaiting_approval",
    [GH_AWAITING_RETURN] = "awaiting_return",
    [GH_AWAITING_PSD_REVIEW] = "awaiting_psd_review",
    [GH_CONCERN_RAISED] = "concern_raised",
    [GH_CLOSED] = "closed",
};
_Static_assert(N(gh_names) == GH_STATE_COUNT, "gh_names");

static const char *const bi_names[BI_STATE_COUNT] = {
    [BI_NONE] = "none",
    [BI_AWAITING_HR_ASSESSMENT] = "awaiting_hr_assessment",
    [BI_AWAITING_PSD_CHECK] = "awaiting_psd_check",
    [BI_AWAITING_DECISION] = "awaiting_decision",
    [BI_APPROVED] = "approved",
    [BI_REFUSED] = "refused",
    [BI_UNDER_APPEAL] = "under_appeal",
    [BI_CLOSED] = "closed",
};
_Static_assert(N(bi_names) == BI_STATE_COUNT, "bi_names");

#define OPEN_OF(count, closed) (((1u << (count)) - 1) & ~WF_BIT(0) & ~WF_BIT(closed))

static const struct wf_states states[KIND_COUNT] = {
    [KIND_NA] = {KIND_NA, na_names, WF_STATE_COUNT, WF_CLOSED, WF_OPEN_STATES,
		 WF_CONDITIONS_IN_FORCE},
    [KIND_CR] = {KIND_CR, cr_names, CR_STATE_COUNT, CR_CLOSED, OPEN_OF(CR_STATE_COUNT, CR_CLOSED),
		 0},
    [KIND_WR] = {KIND_WR, wr_names, WR_STATE_COUNT, WR_CLOSED, OPEN_OF(WR_STATE_COUNT, WR_CLOSED),
		 0},
    [KIND_GH] = {KIND_GH, gh_names, GH_STATE_COUNT, GH_CLOSED, OPEN_OF(GH_STATE_COUNT, GH_CLOSED),
		 0},
    [KIND_BI] = {KIND_BI, bi_names, BI_STATE_COUNT, BI_CLOSED, OPEN_OF(BI_STATE_COUNT, BI_CLOSED),
		 0},
};
_Static_assert(WF_STATE_COUNT <= WF_STATES_MAX && CR_STATE_COUNT <= WF_STATES_MAX &&
		   WR_STATE_COUNT <= WF_STATES_MAX && GH_STATE_COUNT <= WF_STATES_MAX,
	       "a kind's states fit its masks");
_Static_assert(BI_STATE_COUNT <= WF_STATES_MAX, "BI's states fit its masks");

static const char *const origin_names[ORIGIN_COUNT] = {
    [ORIGIN_SELF] = "self",
    [ORIGIN_REFERRAL] = "referral",
    [ORIGIN_ANONYMOUS] = "anonymous",
};
_Static_assert(N(origin_names) == ORIGIN_COUNT, "origin_names");

const struct wf_states *wf_states_of(enum proto_kind k)
{
	return (unsigned)k < KIND_COUNT && states[k].names ? &states[k] : NULL;
}

/* A record or note that names no kind is of the format before kinds: an NA case's. */
static const struct wf_states *named_states(enum proto_kind k)
{
	return wf_states_of(k == KIND_NONE ? KIND_NA : k);
}

const char *wf_kind_state_name(enum proto_kind k, int s)
{
	const struct wf_states *st = named_states(k);

	return st && s >= 0 && (uint32_t)s < st->n ? st->names[s] : "?";
}

int wf_kind_state_parse(enum proto_kind k, const char *s, size_t len)
{
	const struct wf_states *st = named_states(k);

	return st ? proto_name_index(st->names, (int)st->n, s, len) : -1;
}

bool wf_kind_closed(enum proto_kind k, int s)
{
	const struct wf_states *st = wf_states_of(k);

	return st && st->closed == s;
}

const char *wf_state_name(enum wf_state s)
{
	return wf_kind_state_name(KIND_NA, (int)s);
}

const char *wf_origin_name(enum wf_origin o)
{
	return (unsigned)o < ORIGIN_COUNT ? origin_names[o] : "?";
}

int wf_state_parse(const char *s, size_t len)
{
	return wf_kind_state_parse(KIND_NA, s, len);
}

int wf_origin_parse(const char *s, size_t len)
{
	return proto_name_index(origin_names, ORIGIN_COUNT, s, len);
}
