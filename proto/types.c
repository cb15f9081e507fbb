/* types.c: the event types and their bodies, as data (WORKFLOW.md "Shared body parts" and
 * "Events on an NA case"). A new type is one row in proto_types and, if it has a new body,
 * one field table. Lengths not fixed by WORKFLOW.md are ours, written down in SPEC.md. */
#include <stddef.h>

#include "typetab.h"

#define NAME_MAX_BYTES 256 /* a person's or group's name */
#define REF_MAX_BYTES  128 /* staff numbers, references, ranks, departments */

/* ---- value lists ---- */

static const char *const vetting_levels[] = {
    "RV", "MV", "CTC", "SC", "DV", "NPPV1", "NPPV2", "NPPV3", NULL,
};

static const char *const associate_kinds[] = {"person", "group", NULL};

static const char *const relationships[] = {
    "family",       "friend",       "intimate", "neighbour", "business",
    "social_media", "acquaintance", "other",    NULL,
};

/* WMP DCC/10 list and P01c */
static const char *const categories[] = {
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

/* ---- shared body parts ---- */

#define STR(n, req, mx)                                                                            \
	{                                                                                          \
		.name = (n), .type = PF_STR, .required = (req), .max = (mx)                        \
	}
#define FLAG(n)                                                                                    \
	{                                                                                          \
		.name = (n), .type = PF_BOOL                                                       \
	}
#define END                                                                                        \
	{                                                                                          \
		.name = NULL, .type = PF_END                                                       \
	}

/* On a declaration the subject knows their own vetting level and line manager. */
static const struct proto_field subject_declared[] = {
    {.name = "id", .type = PF_IDENT, .required = true, .max = PROTO_ID_MAX},
    STR("name", false, NAME_MAX_BYTES),
    STR("rank", false, REF_MAX_BYTES),
    STR("department", false, REF_MAX_BYTES),
    {.name = "vetting", .type = PF_ENUM, .required = true, .values = vetting_levels},
    {.name = "line_manager", .type = PF_IDENT, .required = true, .max = REF_MAX_BYTES},
    END,
};

/* A referrer may not know them (P01c 3.13). */
static const struct proto_field subject_referred[] = {
    {.name = "id", .type = PF_IDENT, .required = true, .max = PROTO_ID_MAX},
    STR("name", false, NAME_MAX_BYTES),
    STR("rank", false, REF_MAX_BYTES),
    STR("department", false, REF_MAX_BYTES),
    {.name = "vetting", .type = PF_ENUM, .values = vetting_levels},
    {.name = "line_manager", .type = PF_IDENT, .max = REF_MAX_BYTES},
    END,
};

static const struct proto_field associate[] = {
    STR("name", true, NAME_MAX_BYTES),
    {.name = "kind", .type = PF_ENUM, .required = true, .values = associate_kinds},
    STR("details", false, PROTO_TEXT_MAX),
    END,
};

/* ---- bodies ---- */

static const struct proto_field declaration_body[] = {
    {.name = "subject", .type = PF_MAP, .required = true, .fields = subject_declared},
    {.name = "associate", .type = PF_MAP, .required = true, .fields = associate},
    {.name = "relationship", .type = PF_ENUM, .required = true, .values = relationships},
    {.name = "categories", .type = PF_ENUMS, .required = true, .min = 1, .values = categories},
    STR("circumstances", true, PROTO_TEXT_MAX),
    {.name = "started_on", .type = PF_DATE},
    FLAG("social_media"),
    FLAG("home_working"),
    STR("live_case_ref", false, REF_MAX_BYTES),
    FLAG("vulnerable"),
    FLAG("bypass_manager"),
    END,
};

static const struct proto_field referral_body[] = {
    {.name = "subject", .type = PF_MAP, .required = true, .fields = subject_referred},
    {.name = "associate", .type = PF_MAP, .required = true, .fields = associate},
    {.name = "categories", .type = PF_ENUMS, .required = true, .min = 1, .values = categories},
    STR("circumstances", true, PROTO_TEXT_MAX),
    FLAG("anonymous"),
    END,
};

/* ---- the types ---- */

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
	return proto_type_find_in(proto_types, name);
}
