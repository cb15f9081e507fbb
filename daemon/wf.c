#include "wf.h"

#include <string.h>

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
	for (int i = 0; i < WF_STATE_COUNT; i++)
		if (strlen(state_names[i]) == len && memcmp(state_names[i], s, len) == 0)
			return i;
	return -1;
}

/* ---- guards ---------------------------------------------------------------------- */

/* A declaration is the subject's own: the actor must be the declared subject. */
static int actor_is_subject(const struct proto_event *ev, struct proto_error *err)
{
	const msgpack_object *subject = proto_map_get(ev->body, "subject");
	const msgpack_object *id = subject ? proto_map_get(subject, "id") : NULL;

	if (!id || id->type != MSGPACK_OBJECT_STR || id->via.str.size != ev->actor_id.len ||
	    memcmp(id->via.str.ptr, ev->actor_id.ptr, ev->actor_id.len) != 0)
		return proto_fail(err, PROTO_FORBIDDEN,
				  "actor.id: a declaration must be made by its subject; actor.id "
				  "differs from body.subject.id");
	return 0;
}

/* ---- the rules ------------------------------------------------------------------- */

#define S(x) WF_BIT(WF_##x)
#define R(x) ROLE_BIT(ROLE_##x)

struct wf_rule {
	const char *type;
	uint32_t states;  /* states the event is allowed in */
	uint32_t roles;   /* actor roles allowed; R(NONE) admits no actor */
	const char *when; /* a body flag that must be true for this row, or NULL */
	enum wf_state next;
	enum wf_origin origin;
	int (*guard)(const struct proto_event *, struct proto_error *);
};

/* Rows for one type run from the most specific `when` to the default. */
static const struct wf_rule rules[] = {
    /* Opening a notifiable-association case: WMP policy statements; P01c 3.5-3.15.
     * bypass_manager: P01 3.4, when the line manager cannot be approached. */
    {"declaration.submitted", S(NONE), R(SUBJECT), "bypass_manager", WF_AWAITING_ASSESSMENT,
     ORIGIN_SELF, actor_is_subject},
    {"declaration.submitted", S(NONE), R(SUBJECT), NULL, WF_AWAITING_MANAGER_REVIEW, ORIGIN_SELF,
     actor_is_subject},
    /* P01c 3.13; WMP "aware of ... another staff member"; P01 3.5 anonymous reporting */
    {"referral.submitted", S(NONE), R(NONE), "anonymous", WF_AWAITING_ASSESSMENT, ORIGIN_ANONYMOUS,
     NULL},
    {"referral.submitted", S(NONE), R(REPORTER) | R(LINE_MANAGER) | R(PSD), NULL,
     WF_AWAITING_ASSESSMENT, ORIGIN_REFERRAL, NULL},
    {NULL, 0, 0, NULL, WF_NONE, ORIGIN_SELF, NULL},
};

int wf_step(enum wf_state from, const struct proto_event *ev, uint64_t now_ms,
	    struct wf_result *ret, struct proto_error *err)
{
	const struct wf_rule *r;

	(void)now_ms;
	for (r = rules; r->type; r++)
		if (strcmp(r->type, ev->type->name) == 0 &&
		    (!r->when || proto_flag(ev->body, r->when)))
			break;
	if (!r->type)
		return proto_fail(err, PROTO_UNKNOWN_TYPE, "type: %s has no workflow rule",
				  ev->type->name);
	if (!(r->roles & ROLE_BIT(ev->actor_role)))
		return proto_fail(err, PROTO_FORBIDDEN, "actor.role: %s may not send %s",
				  ev->actor_role ? proto_role_name(ev->actor_role) : "no actor",
				  r->type);
	if (r->guard && r->guard(ev, err) < 0)
		return -1;
	if (!(r->states & WF_BIT(from)))
		return proto_fail(err, PROTO_INVALID_TRANSITION,
				  "type: %s is not allowed while the case is %s", r->type,
				  wf_state_name(from));
	ret->next = r->next;
	ret->origin = r->origin;
	return 0;
}
