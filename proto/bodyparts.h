/* bodyparts: the value lists and shared body parts of WORKFLOW.md ("Shared body parts", the
 * enums of "Events on an NA case"), as NULL-terminated lists and PF_END-terminated field
 * tables, for the bodies of types.c. Lengths not fixed by WORKFLOW.md are ours (SPEC.md). */
#ifndef PROTO_BODYPARTS_H
#define PROTO_BODYPARTS_H

#include "proto.h"

#define NAME_MAX_BYTES 256 /* a person's or group's name */
#define REF_MAX_BYTES  128 /* staff numbers, references, ranks, departments */

/* Field-table shorthands, so that a body reads as its WORKFLOW.md cell. */
#define TEXT(n, req)                                                                               \
	{                                                                                          \
		.name = (n), .type = PF_STR, .required = (req), .max = PROTO_TEXT_MAX              \
	}
#define STR(n, req, mx)                                                                            \
	{                                                                                          \
		.name = (n), .type = PF_STR, .required = (req), .max = (mx)                        \
	}
#define FLAG(n, req)                                                                               \
	{                                                                                          \
		.name = (n), .type = PF_BOOL, .required = (req)                                    \
	}
#define ENUM(n, req, vals)                                                                         \
	{                                                                                          \
		.name = (n), .type = PF_ENUM, .required = (req), .values = (vals)                  \
	}
#define END                                                                                        \
	{                                                                                          \
		.name = NULL, .type = PF_END                                                       \
	}

/* ---- value lists ---- */

extern const char *const proto_vetting_levels[];
extern const char *const proto_associate_kinds[];
extern const char *const proto_relationships[];
extern const char *const proto_categories[];
extern const char *const proto_condition_codes[];
extern const char *const proto_assessment_outcomes[];
extern const char *const proto_risks[];
extern const char *const proto_interview_outcomes[];
extern const char *const proto_aa_decisions[];
extern const char *const proto_appeal_outcomes[];
extern const char *const proto_review_outcomes[];
extern const char *const proto_vetting_outcomes[];
extern const char *const proto_close_reasons[];
extern const char *const proto_cr_allegations[];
extern const char *const proto_grading_sources[];
extern const char *const proto_grading_information[];
extern const char *const proto_grading_handling[];
extern const char *const proto_cr_assessment_outcomes[];
extern const char *const proto_development_outcomes[];
extern const char *const proto_investigation_outcomes[];
extern const char *const proto_wr_standards[];
extern const char *const proto_wr_assessment_outcomes[];
extern const char *const proto_any_assessment_outcomes[];
extern const char *const proto_common_close_reasons[];
extern const char *const proto_bi_close_reasons[];
extern const char *const proto_any_close_reasons[]; /* case.closed's union */
/* proto_deadline_kinds is in typetab.h: the daemon lists it too. */

/* ---- shared parts ---- */

extern const struct proto_field proto_subject_declared[]; /* vetting, line_manager required */
extern const struct proto_field proto_subject_referred[]; /* only id required */
extern const struct proto_field proto_subject_update[];   /* no id; nothing required */
extern const struct proto_field proto_subject_update_any[]; /* id allowed (WR: see .c) */
extern const struct proto_field proto_grading[];            /* CR's 3x5x2 */
extern const struct proto_field proto_associate[];
extern const struct proto_field proto_condition[]; /* one item of `conditions` */

#endif
