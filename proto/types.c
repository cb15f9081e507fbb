/* types.c: the event types and their bodies, as data: one body per row of WORKFLOW.md
 * "Events on an NA case", its cell read as "required, optional?"; REGISTERS.md's types are
 * regtypes.c's, and the bodies each kind has of the types it shares kindbodies.c's. The value lists and the
 * shared parts (subject, associate, a condition) are in bodyparts.c. A new type is one row in
 * proto_types and, if it has a new body, one field table. */
#include <stddef.h>

#include "bodyparts.h"
#include "typetab.h"

/* `conditions`: [{code, text}], 1 to PROTO_ARRAY_MAX items. */
#define CONDITIONS(req)                                                                            \
	{                                                                                          \
		.name = "conditions", .type = PF_MAPS, .required = (req), .min = 1,                \
		.fields = proto_condition                                                          \
	}
/* `conditions`, required when the sibling enum `sib` is one of `vals`, else not allowed. */
#define CONDITIONS_WHEN(sib, vals)                                                                 \
	{                                                                                          \
		.name = "conditions", .type = PF_MAPS, .min = 1, .fields = proto_condition,        \
		.when_field = (sib), .when_values = (vals)                                         \
	}
#define REVIEW_PERIOD                                                                              \
	{                                                                                          \
		.name = "review_period", .type = PF_DURATION                                       \
	}

/* ---- the conditional rules ---- */

/* aa.determined: "`conditions` (when not `no_risk`)" */
static const char *const decisions_with_conditions[] = {"conditions", "cease", NULL};
/* appeal.decided, review.completed: "`conditions` when varied" */
static const char *const outcomes_with_conditions[] = {"varied", NULL};

/* ---- bodies: opening a case ---- */

static const struct proto_field declaration_body[] = {
    {.name = "subject", .type = PF_MAP, .required = true, .fields = proto_subject_declared},
    {.name = "associate", .type = PF_MAP, .required = true, .fields = proto_associate},
    ENUM("relationship", true, proto_relationships),
    {.name = "categories",
     .type = PF_ENUMS,
     .required = true,
     .min = 1,
     .values = proto_categories},
    TEXT("circumstances", true),
    {.name = "started_on", .type = PF_DATE},
    FLAG("social_media", false),
    FLAG("home_working", false),
    STR("live_case_ref", false, REF_MAX_BYTES),
    FLAG("vulnerable", false),
    FLAG("bypass_manager", false),
    END,
};

static const struct proto_field referral_body[] = {
    {.name = "subject", .type = PF_MAP, .required = true, .fields = proto_subject_referred},
    {.name = "associate", .type = PF_MAP, .required = true, .fields = proto_associate},
    {.name = "categories",
     .type = PF_ENUMS,
     .required = true,
     .min = 1,
     .values = proto_categories},
    TEXT("circumstances", true),
    FLAG("anonymous", false),
    END,
};

/* ---- bodies: on an open case ---- */

static const struct proto_field empty_body[] = {END};

static const struct proto_field manager_reviewed_body[] = {
    TEXT("comments", true),
    TEXT("advice", false),
    {.name = "interim_mitigation", .type = PF_STRS, .min = 1},
    END,
};

/* Shared by NA, CR and WR (REGISTERS.md): the union of their keys and values; each kind
 * checks its own once the case is loaded (proto_kind_body). */
static const struct proto_field assessment_body[] = {
    ENUM("outcome", true, proto_any_assessment_outcomes),
    ENUM("risk", false, proto_risks),
    {.name = "grading", .type = PF_MAP, .fields = proto_grading},
    FLAG("mandatory_referral", false),
    TEXT("notes", false),
    END,
};

static const struct proto_field interview_body[] = {
    ENUM("outcome", true, proto_interview_outcomes),
    FLAG("police_friend", true),
    TEXT("notes", false),
    END,
};

static const struct proto_field mitigation_proposed_body[] = {CONDITIONS(true), END};

static const struct proto_field mitigation_disputed_body[] = {TEXT("reason", true), END};

static const struct proto_field representations_body[] = {
    TEXT("text", true),
    FLAG("police_friend", true),
    END,
};

/* absent conditions: those agreed; absent review_period: [deadlines] annual_review */
static const struct proto_field aa_approved_body[] = {CONDITIONS(false), REVIEW_PERIOD, END};

static const struct proto_field aa_determined_body[] = {
    ENUM("decision", true, proto_aa_decisions),
    CONDITIONS_WHEN("decision", decisions_with_conditions),
    REVIEW_PERIOD,
    TEXT("reasons", true),
    END,
};

static const struct proto_field appeal_lodged_body[] = {TEXT("grounds", true), END};

static const struct proto_field strategy_meeting_body[] = {
    {.name = "attendees", .type = PF_IDENTS, .min = 1},
    END,
};

static const struct proto_field appeal_decided_body[] = {
    ENUM("outcome", true, proto_appeal_outcomes),
    CONDITIONS_WHEN("outcome", outcomes_with_conditions),
    END,
};

static const struct proto_field breach_body[] = {TEXT("details", true), END};

static const struct proto_field review_requested_body[] = {TEXT("reason", true), END};

static const struct proto_field review_completed_body[] = {
    ENUM("outcome", true, proto_review_outcomes),
    CONDITIONS_WHEN("outcome", outcomes_with_conditions),
    FLAG("representations_made", true),
    END,
};

static const struct proto_field vetting_reviewed_body[] = {
    ENUM("outcome", true, proto_vetting_outcomes),
    END,
};

/* at least one field, so that an update always changes something */
static const struct proto_field subject_updated_body[] = {
    {.name = "subject",
     .type = PF_MAP,
     .required = true,
     .min = 1,
     .fields = proto_subject_update_any},
    END,
};

static const struct proto_field deadline_extended_body[] = {
    ENUM("kind", true, proto_any_deadline_kinds),
    {.name = "due_at", .type = PF_UINT, .required = true},
    TEXT("reason", true),
    END,
};

static const struct proto_field case_closed_body[] = {
    ENUM("reason", true, proto_any_close_reasons),
    END,
};

/* ---- the types ---- */

/* Every row but the two openers acts on an existing case (`case` required) and names its
 * actor; which role may send it, and in which state, is the daemon's (wf). */
#define ON_CASE(n, b)                                                                              \
	{                                                                                          \
		.name = (n), .opens = KIND_NONE, .actor_required = true, .body = (b)               \
	}

const struct proto_type proto_types[] = {
    /* WMP policy statements; P01c 3.5-3.15 */
    {.name = "declaration.submitted",
     .opens = KIND_NA,
     .actor_required = true,
     .body = declaration_body},
    /* P01c 3.13: a referral may be anonymous, and then nothing may say who sent it */
    {.name = "referral.submitted",
     .opens = KIND_NA,
     .actor_required = true,
     .anon_flag = "anonymous",
     .body = referral_body},
    /* WMP "manager comments and any advice/mitigation should be recorded" */
    ON_CASE("manager.reviewed", manager_reviewed_body),
    /* P01c 3.18; WMP investigation */
    ON_CASE("assessment.recorded", assessment_body),
    /* WMP interviews, police friend */
    ON_CASE("interview.recorded", interview_body),
    /* WMP managing the risk */
    ON_CASE("mitigation.proposed", mitigation_proposed_body),
    /* "all voluntary/agreed mitigation will require the approval of a PSD AA" */
    ON_CASE("mitigation.agreed", empty_body),
    /* "where mitigation cannot be agreed ... referred to a PSD AA" */
    ON_CASE("mitigation.disputed", mitigation_disputed_body),
    /* "the PSD AA will allow ... representations" */
    ON_CASE("representations.submitted", representations_body),
    /* AA approval */
    ON_CASE("aa.approved", aa_approved_body),
    /* "the PSD AA will decide ..." */
    ON_CASE("aa.determined", aa_determined_body),
    /* "conditions in writing, any relevant review period and the right to appeal";
     * `at` is when the subject received it in writing */
    ON_CASE("determination.served", empty_body),
    /* WMP appeals: 14 days, in writing, says why */
    ON_CASE("appeal.lodged", appeal_lodged_body),
    /* "within 28 days ... strategy meeting" */
    ON_CASE("strategy_meeting.held", strategy_meeting_body),
    /* "uphold, confirm or vary"; "within 14 days following the strategy meeting" */
    ON_CASE("appeal.decided", appeal_decided_body),
    /* WMP misconduct; conditions apply during appeal */
    ON_CASE("breach.reported", breach_body),
    /* "significant change in circumstances" */
    ON_CASE("review.requested", review_requested_body),
    /* annual review; "any variation ... right of appeal" */
    ON_CASE("review.completed", review_completed_body),
    /* WMP vetting review by level */
    ON_CASE("vetting.reviewed", vetting_reviewed_body),
    /* keeping records right */
    ON_CASE("subject.updated", subject_updated_body),
    /* a recorded reason for every extension */
    ON_CASE("deadline.extended", deadline_extended_body),
    ON_CASE("case.closed", case_closed_body),
    {.name = NULL},
};

const struct proto_type *proto_type_find_in(const struct proto_type *table, struct proto_str name)
{
	for (const struct proto_type *t = table; t->name != NULL; t++)
		if (proto_str_eq(name, t->name))
			return t;
	return NULL;
}

const struct proto_type *proto_type_find(struct proto_str name)
{
	const struct proto_type *t = proto_type_find_in(proto_types, name);

	return t ? t : proto_type_find_in(proto_register_types, name);
}
