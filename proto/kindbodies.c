/* kindbodies: the body each kind has of an event type that several kinds share (REGISTERS.md:
 * "An event type used by several kinds has one body per kind"). The decoder checked the union
 * (types.c); once the case is loaded, the engine asks for its kind's with
 * proto_kind_body_check, at the place PROTOCOL.md's check order gives it. */
#include <stddef.h>
#include <string.h>

#include "bodyparts.h"
#include "schema.h"

static const char *const with_mandatory_referral[] = {"investigation", NULL};

static const struct proto_field na_assessment[] = {
    ENUM("outcome", true, proto_assessment_outcomes),
    ENUM("risk", true, proto_risks),
    TEXT("notes", false),
    END,
};

/* "mandatory_referral? (bool: serious corruption, IOPC; only with investigation)" */
static const struct proto_field cr_assessment[] = {
    {.name = "grading", .type = PF_MAP, .required = true, .fields = proto_grading},
    ENUM("outcome", true, proto_cr_assessment_outcomes),
    {.name = "mandatory_referral",
     .type = PF_BOOL,
     .when_field = "outcome",
     .when_values = with_mandatory_referral,
     .when_optional = true},
    TEXT("notes", false),
    END,
};

static const struct proto_field wr_assessment[] = {
    ENUM("outcome", true, proto_wr_assessment_outcomes),
    TEXT("notes", false),
    END,
};

static const struct proto_field na_closed[] = {ENUM("reason", true, proto_close_reasons), END};
static const struct proto_field common_closed[] = {
    ENUM("reason", true, proto_common_close_reasons),
    END,
};
static const struct proto_field bi_closed[] = {ENUM("reason", true, proto_bi_close_reasons), END};

/* BI: reg 7(1), a breach of the approval's terms or conditions */
static const struct proto_field bi_breach[] = {TEXT("details", true), END};

/* a subject's id cannot change; WR's may be set while the case has none (the engine's check) */
static const struct proto_field subject_updated[] = {
    {.name = "subject", .type = PF_MAP, .required = true, .min = 1, .fields = proto_subject_update},
    END,
};

static const struct kind_body {
	enum proto_kind kind;
	const char *type;
	const struct proto_field *fields;
} bodies[] = {
    {KIND_NA, "assessment.recorded", na_assessment},
    {KIND_CR, "assessment.recorded", cr_assessment},
    {KIND_WR, "assessment.recorded", wr_assessment},
    {KIND_NA, "case.closed", na_closed},
    {KIND_CR, "case.closed", common_closed},
    {KIND_WR, "case.closed", common_closed},
    {KIND_GH, "case.closed", common_closed},
    {KIND_NA, "subject.updated", subject_updated},
    {KIND_CR, "subject.updated", subject_updated},
    {KIND_GH, "subject.updated", subject_updated},
    {KIND_BI, "case.closed", bi_closed},
    {KIND_BI, "subject.updated", subject_updated},
    {KIND_BI, "breach.reported", bi_breach},
    {KIND_NONE, NULL, NULL},
};

enum proto_kind proto_ref_kind(struct proto_str ref)
{
	for (int k = KIND_NONE + 1; k < KIND_COUNT; k++) {
		const char *p = proto_kind_prefix(k);
		size_t n = strlen(p);

		if (ref.len > n && memcmp(ref.ptr, p, n) == 0 && ref.ptr[n] == '-')
			return k;
	}
	return KIND_NONE;
}

const struct proto_field *proto_kind_body(enum proto_kind k, const struct proto_type *t)
{
	for (const struct kind_body *b = bodies; b->type; b++)
		if (b->kind == k && strcmp(b->type, t->name) == 0)
			return b->fields;
	return t->body;
}

int proto_kind_body_check(enum proto_kind k, const struct proto_event *ev, struct proto_error *err)
{
	const struct proto_field *fields = proto_kind_body(k, ev->type);
	struct proto_path path;

	if (fields == ev->type->body)
		return 0; /* checked by the decoder */
	proto_path_init(&path, "body");
	return proto_check_map(ev->body, fields, &path, err);
}
