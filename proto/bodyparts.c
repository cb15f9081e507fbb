/* bodyparts.c: see bodyparts.h. Each list is WORKFLOW.md's, in its order. */
#include <stddef.h>

#include "bodyparts.h"
#include "typetab.h"

/* ---- value lists: "Shared body parts" ---- */

const char *const proto_vetting_levels[] = {
    "RV", "MV", "CTC", "SC", "DV", "NPPV1", "NPPV2", "NPPV3", NULL,
};

const char *const proto_associate_kinds[] = {"person", "group", NULL};

const char *const proto_relationships[] = {
    "family",       "friend",       "intimate", "neighbour", "business",
    "social_media", "acquaintance", "other",    NULL,
};

/* WMP DCC/10 list and P01c */
const char *const proto_categories[] = {
    "criminal_conviction",
    "charged",
    "under_investigation",
    "criminal_intelligence",
    "dismissed_officer",
    "former_officer_investigator",
    "private_investigator",
    "vigilante",
    "anti_police_protest",
    "media",
    "extremist",
    "business_conflict",
    "intimate_via_policing",
    "victim_witness_live_case",
    "other",
    NULL,
};

const char *const proto_condition_codes[] = {
    "report_contact",
    "no_contact",
    "posting_restriction",
    "social_media_disconnect",
    "cease_association",
    "other",
    NULL,
};

/* ---- value lists: "Events on an NA case" ---- */

/* assessment.recorded (P01c 3.18) */
const char *const proto_assessment_outcomes[] = {
    "no_further_action", "advice", "interview", "mitigation", NULL,
};
const char *const proto_risks[] = {"low", "medium", "high", NULL};

/* interview.recorded (WMP interviews) */
const char *const proto_interview_outcomes[] = {"no_further_action", "mitigation", NULL};

/* aa.determined ("the PSD AA will decide ...") */
const char *const proto_aa_decisions[] = {"no_risk", "conditions", "cease", NULL};

/* appeal.decided ("uphold, confirm or vary") */
const char *const proto_appeal_outcomes[] = {"upheld", "confirmed", "varied", NULL};

/* review.completed (annual review; "any variation ... right of appeal") */
const char *const proto_review_outcomes[] = {"no_change", "varied", "removed", NULL};

/* vetting.reviewed (WMP vetting review by level) */
const char *const proto_vetting_outcomes[] = {
    "clearance_maintained",
    "clearance_reviewed",
    "clearance_withdrawn",
    NULL,
};

/* case.closed */
const char *const proto_close_reasons[] = {
    "association_ceased", "no_further_action", "withdrawn", "subject_left", "other", NULL,
};

/* deadline.extended: the [deadlines] kinds of WORKFLOW.md "Deadlines", in its order
 * (`retention` is [retention]'s and is never extended) */
const char *const proto_deadline_kinds[] = {
    "manager_review",
    "psd_assessment",
    "interview",
    "mitigation_proposal",
    "mitigation_response",
    "aa_approval",
    "representations",
    "aa_determination",
    "service",
    "appeal_window",
    "strategy_meeting",
    "appeal_decision",
    "annual_review",
    "review",
    "vetting_review",
    NULL,
};

/* ---- shared parts ---- */

/* On a declaration the subject knows their own vetting level and line manager. */
const struct proto_field proto_subject_declared[] = {
    {.name = "id", .type = PF_IDENT, .required = true, .max = PROTO_ID_MAX},
    STR("name", false, NAME_MAX_BYTES),
    STR("rank", false, REF_MAX_BYTES),
    STR("department", false, REF_MAX_BYTES),
    ENUM("vetting", true, proto_vetting_levels),
    {.name = "line_manager", .type = PF_IDENT, .required = true, .max = REF_MAX_BYTES},
    END,
};

/* A referrer may not know them (P01c 3.13). */
const struct proto_field proto_subject_referred[] = {
    {.name = "id", .type = PF_IDENT, .required = true, .max = PROTO_ID_MAX},
    STR("name", false, NAME_MAX_BYTES),
    STR("rank", false, REF_MAX_BYTES),
    STR("department", false, REF_MAX_BYTES),
    ENUM("vetting", false, proto_vetting_levels),
    {.name = "line_manager", .type = PF_IDENT, .max = REF_MAX_BYTES},
    END,
};

/* subject.updated: "any subject fields but id". The id is what the case is filed under, so
 * a change of it is refused by name rather than as an unknown key. */
const struct proto_field proto_subject_update[] = {
    {.name = "id", .type = PF_IDENT, .refused = "a subject's id cannot change"},
    STR("name", false, NAME_MAX_BYTES),
    STR("rank", false, REF_MAX_BYTES),
    STR("department", false, REF_MAX_BYTES),
    ENUM("vetting", false, proto_vetting_levels),
    {.name = "line_manager", .type = PF_IDENT, .max = REF_MAX_BYTES},
    END,
};

const struct proto_field proto_associate[] = {
    STR("name", true, NAME_MAX_BYTES),
    ENUM("kind", true, proto_associate_kinds),
    TEXT("details", false),
    END,
};

const struct proto_field proto_condition[] = {
    ENUM("code", true, proto_condition_codes),
    TEXT("text", true),
    END,
};
