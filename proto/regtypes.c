/* regtypes: REGISTERS.md's event types and their bodies, as data, beside WORKFLOW.md's
 * (types.c): corruption and wrongdoing reports. Types several kinds share are types.c's. */
#include <stddef.h>

#include "bodyparts.h"
#include "typetab.h"

#define ALLEGATIONS                                                                                \
	{                                                                                          \
		.name = "allegation", .type = PF_ENUMS, .required = true, .min = 1,                \
		.values = proto_cr_allegations                                                     \
	}
#define STANDARDS                                                                                  \
	{                                                                                          \
		.name = "standards", .type = PF_ENUMS, .required = true, .min = 1,                 \
		.values = proto_wr_standards                                                       \
	}
#define GRADING(req)                                                                               \
	{                                                                                          \
		.name = "grading", .type = PF_MAP, .required = (req), .fields = proto_grading      \
	}
#define OCCURRED_ON                                                                                \
	{                                                                                          \
		.name = "occurred_on", .type = PF_DATE                                             \
	}

/* ---- corruption reports: P01b 3.6, 3.3, 3.5 ---- */

/* 3.6.1 (the manager, or PSD directly), 3.6.2, 3.5.1 (anonymous PSD email) */
static const struct proto_field corruption_reported_body[] = {
    {.name = "subject", .type = PF_MAP, .required = true, .fields = proto_subject_referred},
    ALLEGATIONS,
    TEXT("circumstances", true),
    OCCURRED_ON,
    FLAG("anonymous", false),
    END,
};

/* 3.6.2 "must consult PSD": the investigative response agreed with the manager */
static const struct proto_field consultation_body[] = {TEXT("response", true), END};

static const struct proto_field development_body[] = {
    ENUM("outcome", true, proto_development_outcomes),
    GRADING(false),
    TEXT("notes", false),
    END,
};

/* reg 7(1)(c): the IOPC's own reference, when it has given one */
static const struct proto_field iopc_referred_body[] = {
    STR("reference", false, REF_MAX_BYTES),
    END,
};

/* ---- wrongdoing reports: P01 3.2-3.6 ---- */

/* 3.4 (line manager, or the confidential mechanisms), 3.5; the subject may be unknown */
static const struct proto_field wrongdoing_reported_body[] = {
    {.name = "subject", .type = PF_MAP, .fields = proto_subject_referred},
    STANDARDS,
    TEXT("circumstances", true),
    OCCURRED_ON,
    FLAG("anonymous", false),
    FLAG("extremism", false),
    END,
};

static const struct proto_field action_completed_body[] = {TEXT("notes", false), END};

/* 3.5 "unless ... malicious or otherwise made in bad faith" */
static const struct proto_field bad_faith_body[] = {TEXT("reasons", true), END};

/* ---- the reporter's channel (NA's anonymous referrals, CR, WR) ---- */

/* by token (no case, no actor), or by a named reporter with case and their actor */
static const struct proto_field followed_up_body[] = {
    STR("token", false, 64),
    TEXT("text", true),
    END,
};

static const struct proto_field psd_replied_body[] = {TEXT("text", true), END};

/* ---- shared by CR and WR ---- */

static const struct proto_field investigation_body[] = {
    ENUM("outcome", true, proto_investigation_outcomes),
    TEXT("reasons", true),
    END,
};

/* ---- gifts and hospitality: HMIC 2012 "a single electronic register" ---- */

static const char *const gift_offers[] = {"gift",     "hospitality", "gratuity",
					  "discount", "sponsorship", NULL};
static const char *const gift_decisions[] = {"accepted", "declined", NULL};
static const char *const gift_return_hows[] = {"returned", "donated", "kept_by_force", NULL};
static const char *const gift_review_outcomes[] = {"no_concern", "concern", NULL};

/* the subject declares their own: their line manager approves */
static const struct proto_field gift_subject[] = {
    {.name = "id", .type = PF_IDENT, .required = true, .max = PROTO_ID_MAX},
    STR("name", false, NAME_MAX_BYTES),
    STR("rank", false, REF_MAX_BYTES),
    STR("department", false, REF_MAX_BYTES),
    ENUM("vetting", false, proto_vetting_levels),
    {.name = "line_manager", .type = PF_IDENT, .required = true, .max = REF_MAX_BYTES},
    END,
};

static const struct proto_field gift_donor[] = {
    STR("name", true, NAME_MAX_BYTES),
    STR("organisation", false, NAME_MAX_BYTES),
    STR("org_id", false, REF_MAX_BYTES),
    END,
};

/* accepted and declined offers alike (the registers record both) */
static const struct proto_field gift_declared_body[] = {
    {.name = "subject", .type = PF_MAP, .required = true, .fields = gift_subject},
    ENUM("offer", true, gift_offers),
    {.name = "donor", .type = PF_MAP, .required = true, .fields = gift_donor},
    {.name = "value_pence", .type = PF_UINT, .required = true},
    {.name = "offered_on", .type = PF_DATE, .required = true},
    ENUM("decision", true, gift_decisions),
    TEXT("description", true),
    TEXT("reason", false),
    END,
};

static const struct proto_field gift_approved_body[] = {TEXT("notes", false), END};
static const struct proto_field gift_refused_body[] = {TEXT("reasons", true), END};
static const struct proto_field gift_returned_body[] = {ENUM("how", true, gift_return_hows), END};
static const struct proto_field gift_reviewed_body[] = {
    ENUM("outcome", true, gift_review_outcomes),
    TEXT("notes", false),
    END,
};

/* ---- business interests and second jobs: HMIC 2012; Police Regulations 2003 regs 7-9 ---- */

static const char *const bi_interest_kinds[] = {
    "second_job", "business", "shareholding", "directorship", "relative_licence", "other", NULL,
};
static const char *const bi_recommendations[] = {"approve", "approve_with_conditions", "refuse",
						 NULL};
static const char *const bi_check_outcomes[] = {"no_concern", "concern", NULL};
static const char *const bi_decisions[] = {"approved", "approved_with_conditions", "refused", NULL};
static const char *const bi_with_conditions[] = {"approved_with_conditions", NULL};
static const char *const bi_appeal_outcomes[] = {"upheld", "dismissed", NULL};
static const char *const bi_upheld[] = {"upheld", NULL};
static const char *const bi_review_outcomes[] = {"continue", "conditions_varied", "withdrawn",
						 NULL};
static const char *const bi_varied[] = {"conditions_varied", NULL};

/* `conditions` ([{code, text}], as an NA case's), when the sibling `sib` is one of `vals` */
#define BI_CONDITIONS(sib, vals, opt)                                                              \
	{                                                                                          \
		.name = "conditions", .type = PF_MAPS, .min = 1, .fields = proto_condition,        \
		.when_field = (sib), .when_values = (vals), .when_optional = (opt)                 \
	}

static const struct proto_field bi_organisation[] = {
    STR("name", true, NAME_MAX_BYTES),
    STR("org_id", false, REF_MAX_BYTES),
    END,
};

static const struct proto_field bi_interest[] = {
    ENUM("kind", true, bi_interest_kinds),
    {.name = "organisation", .type = PF_MAP, .required = true, .fields = bi_organisation},
    STR("role", true, REF_MAX_BYTES),
    {.name = "hours_per_week", .type = PF_UINT},
    FLAG("paid", true),
    {.name = "starts_on", .type = PF_DATE, .required = true},
    TEXT("details", false),
    END,
};

/* the subject applies (their line manager is known, as on a gift declaration) */
static const struct proto_field bi_applied_body[] = {
    {.name = "subject", .type = PF_MAP, .required = true, .fields = gift_subject},
    {.name = "interest", .type = PF_MAP, .required = true, .fields = bi_interest},
    END,
};

static const struct proto_field hr_assessed_body[] = {
    ENUM("recommendation", true, bi_recommendations),
    TEXT("notes", false),
    END,
};
static const struct proto_field psd_checked_body[] = {
    ENUM("outcome", true, bi_check_outcomes),
    TEXT("notes", false),
    END,
};
/* reg 8: the appropriate officer's decision; conditions with approved_with_conditions */
static const struct proto_field bi_decided_body[] = {
    ENUM("decision", true, bi_decisions),
    BI_CONDITIONS("decision", bi_with_conditions, false),
    TEXT("reasons", true),
    END,
};
static const struct proto_field bi_appealed_body[] = {TEXT("grounds", true), END};
/* reg 9: "conditions? when approving with conditions" */
static const struct proto_field bi_appeal_decided_body[] = {
    ENUM("outcome", true, bi_appeal_outcomes),
    BI_CONDITIONS("outcome", bi_upheld, true),
    TEXT("reasons", true),
    END,
};
static const struct proto_field bi_reviewed_body[] = {
    ENUM("outcome", true, bi_review_outcomes),
    BI_CONDITIONS("outcome", bi_varied, false),
    END,
};
static const struct proto_field bi_ended_body[] = {
    {.name = "ended_on", .type = PF_DATE, .required = true},
    END,
};

#define ON_CASE(n, b)                                                                              \
	{                                                                                          \
		.name = (n), .opens = KIND_NONE, .actor_required = true, .body = (b)               \
	}

const struct proto_type proto_register_types[] = {
    {.name = "corruption.reported",
     .opens = KIND_CR,
     .actor_required = true,
     .anon_flag = "anonymous",
     .body = corruption_reported_body},
    ON_CASE("consultation.recorded", consultation_body),
    ON_CASE("development.reviewed", development_body),
    ON_CASE("iopc.referred", iopc_referred_body),
    ON_CASE("investigation.concluded", investigation_body),
    {.name = "wrongdoing.reported",
     .opens = KIND_WR,
     .actor_required = true,
     .anon_flag = "anonymous",
     .body = wrongdoing_reported_body},
    ON_CASE("action.completed", action_completed_body),
    ON_CASE("bad_faith.found", bad_faith_body),
    {.name = "report.followed_up",
     .opens = KIND_NONE,
     .actor_required = true,
     .body = followed_up_body,
     .case_by = "token"},
    ON_CASE("psd.replied", psd_replied_body),
    {.name = "gift.declared",
     .opens = KIND_GH,
     .actor_required = true,
     .body = gift_declared_body},
    ON_CASE("gift.approved", gift_approved_body),
    ON_CASE("gift.refused", gift_refused_body),
    ON_CASE("gift.returned", gift_returned_body),
    ON_CASE("gift.reviewed", gift_reviewed_body),
    {.name = "business_interest.applied",
     .opens = KIND_BI,
     .actor_required = true,
     .body = bi_applied_body},
    ON_CASE("hr.assessed", hr_assessed_body),
    ON_CASE("psd.checked", psd_checked_body),
    ON_CASE("business_interest.decided", bi_decided_body),
    ON_CASE("business_interest.appealed", bi_appealed_body),
    ON_CASE("business_interest.appeal_decided", bi_appeal_decided_body),
    ON_CASE("business_interest.reviewed", bi_reviewed_body),
    ON_CASE("business_interest.ended", bi_ended_body),
    {.name = NULL},
};
