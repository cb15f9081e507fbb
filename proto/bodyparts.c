/* bodyparts.c: see bodyparts.h. Each list is WORKFLOW.md's, in its order. */
#include <stddef.h>

#include "bodyparts.h"
#include "characteristics.h"
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

/* ---- REGISTERS.md "Corruption reports" (P01b) ---- */

/* the 12 of the College of Policing's Counter-Corruption (Intelligence) APP, and other */
const char *const proto_cr_allegations[] = {
    "infiltration",
    "information_disclosure",
    "perverting_justice",
    "sexual_misconduct",
    "drugs",
    "theft_fraud",
    "systems_misuse",
    "abuse_of_authority",
    "inappropriate_association",
    "vulnerability",
    "assisting_offenders",
    "extremism",
    "other",
    NULL,
};
/* the 3x5x2 grading */
const char *const proto_grading_sources[] = {"reliable", "untested", "not_reliable", NULL};
const char *const proto_grading_information[] = {"A", "B", "C", "D", "E", NULL};
const char *const proto_grading_handling[] = {"P", "C", NULL};
const char *const proto_cr_assessment_outcomes[] = {
    "no_further_action",
    "intelligence_development",
    "investigation",
    NULL,
};
const char *const proto_development_outcomes[] = {
    "continue",
    "investigation",
    "no_further_action",
    NULL,
};
/* investigation.concluded, CR and WR alike */
const char *const proto_investigation_outcomes[] = {
    "no_case_to_answer", "misconduct", "gross_misconduct", "criminal", NULL,
};

/* ---- REGISTERS.md "Wrongdoing reports" (P01) ---- */

/* the Standards of Professional Behaviour, Police (Conduct) Regulations 2020, Schedule 2 */
const char *const proto_wr_standards[] = {
    "honesty_integrity",
    "authority_respect_courtesy",
    "equality_diversity",
    "use_of_force",
    "orders_instructions",
    "duties_responsibilities",
    "confidentiality",
    "fitness_for_work",
    "discreditable_conduct",
    "challenging_reporting",
    NULL,
};
const char *const proto_wr_assessment_outcomes[] = {
    "no_further_action",
    "management_action",
    "misconduct_investigation",
    "counter_corruption",
    NULL,
};

/* assessment.recorded before the case is known: every kind's outcomes (REGISTERS.md: the
 * codec checks the union; the kind checks its own once the case is loaded) */
const char *const proto_any_assessment_outcomes[] = {
    "no_further_action",
    "advice",
    "interview",
    "mitigation",
    "intelligence_development",
    "investigation",
    "management_action",
    "misconduct_investigation",
    "counter_corruption",
    NULL,
};

/* case.closed reasons every kind has; NA adds association_ceased (proto_close_reasons) */
const char *const proto_common_close_reasons[] = {
    "no_further_action", "withdrawn", "subject_left", "other", NULL,
};

/* case.closed on a BI case: the common reasons and BI's own (REGISTERS.md "Business
 * interests": a refusal whose appeal window lapsed, an approval withdrawn on review, an
 * interest ended) */
const char *const proto_bi_close_reasons[] = {
    "no_further_action", "withdrawn",          "subject_left", "other",
    "refused",           "approval_withdrawn", "ended",        NULL,
};

/* case.closed before the case is known: the union of every kind's reasons */
const char *const proto_any_close_reasons[] = {
    "association_ceased",
    "no_further_action",
    "withdrawn",
    "subject_left",
    "other",
    "refused",
    "approval_withdrawn",
    "ended",
    NULL,
};

/* The [deadlines] kinds of WORKFLOW.md "Deadlines", in its order (`retention` is
 * [retention]'s and is never extended) */
#define WORKFLOW_DEADLINES                                                                         \
	"manager_review", "psd_assessment", "interview", "mitigation_proposal",                    \
	    "mitigation_response", "aa_approval", "representations", "aa_determination",           \
	    "service", "appeal_window", "strategy_meeting", "appeal_decision", "annual_review",    \
	    "review", "vetting_review"
/* then REGISTERS.md's, in the order of config.h's enum dl_kind */
#define REGISTERS_DEADLINES                                                                        \
	"psd_consultation", "cr_assessment", "development_review", "iopc_referral",                \
	    "cr_investigation", "wr_assessment", "management_action", "wr_investigation",          \
	    "reporter_update", "gift_approval", "gift_return", "gift_review", "gift_concern",      \
	    "hr_assessment", "psd_check", "bi_decision", "bi_appeal_window", "bi_appeal_decision", \
	    "bi_annual_review"

const char *const proto_deadline_kinds[] = {WORKFLOW_DEADLINES, NULL};
const char *const proto_register_deadline_kinds[] = {REGISTERS_DEADLINES, NULL};
/* deadline.extended names any of them */
const char *const proto_any_deadline_kinds[] = {WORKFLOW_DEADLINES, REGISTERS_DEADLINES, NULL};

/* ---- shared parts ---- */

/* REGISTERS.md "Management data": optional on every subject, for aggregates only */
#define CHARACTERISTICS                                                                            \
	{                                                                                          \
		.name = "characteristics", .type = PF_MAP, .fields = proto_characteristics         \
	}

/* On a declaration the subject knows their own vetting level and line manager. */
const struct proto_field proto_subject_declared[] = {
    {.name = "id", .type = PF_IDENT, .required = true, .max = PROTO_ID_MAX},
    STR("name", false, NAME_MAX_BYTES),
    STR("rank", false, REF_MAX_BYTES),
    STR("department", false, REF_MAX_BYTES),
    ENUM("vetting", true, proto_vetting_levels),
    {.name = "line_manager", .type = PF_IDENT, .required = true, .max = REF_MAX_BYTES},
    CHARACTERISTICS,
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
    CHARACTERISTICS,
    END,
};

/* subject.updated: "any subject fields but id". The id is what the case is filed under, so
 * a change of it is refused by name rather than as an unknown key. */
/* the fields subject.updated may change, whichever kind's */
#define SUBJECT_UPDATE_FIELDS                                                                      \
	STR("name", false, NAME_MAX_BYTES), STR("rank", false, REF_MAX_BYTES),                     \
	    STR("department", false, REF_MAX_BYTES), ENUM("vetting", false, proto_vetting_levels), \
	    {.name = "line_manager", .type = PF_IDENT, .max = REF_MAX_BYTES}, CHARACTERISTICS

const struct proto_field proto_subject_update[] = {
    {.name = "id", .type = PF_IDENT, .refused = "a subject's id cannot change"},
    SUBJECT_UPDATE_FIELDS,
    END,
};

/* subject.updated before the case is known: WR's allows an id while its case has none
 * (REGISTERS.md); the other kinds refuse it with proto_subject_update. */
const struct proto_field proto_subject_update_any[] = {
    {.name = "id", .type = PF_IDENT, .max = PROTO_ID_MAX},
    SUBJECT_UPDATE_FIELDS,
    END,
};

const struct proto_field proto_grading[] = {
    ENUM("source", true, proto_grading_sources),
    ENUM("information", true, proto_grading_information),
    ENUM("handling", true, proto_grading_handling),
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
