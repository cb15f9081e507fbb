/* errors.c: the names of the wire error codes, roles and case kinds, and proto_fail. The name
 * tables are indexed by their enums with designated initializers and checked for length at
 * compile time, so an enum value added without a name fails the build. */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "proto.h"

static const char *const err_names[] = {
    [PROTO_OK] = "ok",
    [PROTO_MALFORMED] = "malformed",
    [PROTO_TOO_LARGE] = "too_large",
    [PROTO_UNSUPPORTED_VERSION] = "unsupported_version",
    [PROTO_MISSING_FIELD] = "missing_field",
    [PROTO_INVALID_FIELD] = "invalid_field",
    [PROTO_UNKNOWN_TYPE] = "unknown_type",
    [PROTO_UNKNOWN_CASE] = "unknown_case",
    [PROTO_FORBIDDEN] = "forbidden",
    [PROTO_INVALID_TRANSITION] = "invalid_transition",
    [PROTO_WINDOW_CLOSED] = "window_closed",
    [PROTO_CONFLICT] = "conflict",
    [PROTO_UNAVAILABLE] = "unavailable",
    [PROTO_UNKNOWN_COMMAND] = "unknown_command",
};
static_assert(sizeof(err_names) / sizeof(err_names[0]) == PROTO_ERR_COUNT,
	      "every enum proto_err has a wire name");

static const char *const role_names[] = {
    [ROLE_NONE] = "none",       [ROLE_SUBJECT] = "subject", [ROLE_LINE_MANAGER] = "line_manager",
    [ROLE_PSD] = "psd",         [ROLE_AA] = "aa",           [ROLE_HEAD_OF_PSD] = "head_of_psd",
    [ROLE_VETTING] = "vetting", [ROLE_HR] = "hr",           [ROLE_REPORTER] = "reporter",
};
static_assert(sizeof(role_names) / sizeof(role_names[0]) == ROLE_COUNT,
	      "every enum proto_role has a wire name");

static const char *const kind_prefixes[] = {
    [KIND_NONE] = "", [KIND_NA] = "NA", [KIND_CR] = "CR",
    [KIND_WR] = "WR", [KIND_GH] = "GH", [KIND_BI] = "BI",
};
static_assert(sizeof(kind_prefixes) / sizeof(kind_prefixes[0]) == KIND_COUNT,
	      "every enum proto_kind has a prefix");

const char *proto_err_code(enum proto_err e)
{
	if ((unsigned)e >= PROTO_ERR_COUNT)
		return "unavailable";
	return err_names[e];
}

int proto_fail(struct proto_error *err, enum proto_err code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -1;
}

const char *proto_role_name(enum proto_role r)
{
	if ((unsigned)r >= ROLE_COUNT)
		return "none";
	return role_names[r];
}

const char *proto_kind_prefix(enum proto_kind k)
{
	if ((unsigned)k >= KIND_COUNT)
		return "";
	return kind_prefixes[k];
}

bool proto_str_eq(struct proto_str s, const char *cstr)
{
	size_t n = strlen(cstr);

	return s.len == n && (n == 0 || memcmp(s.ptr, cstr, n) == 0);
}

int proto_name_index(const char *const *names, int n, const char *s, size_t len)
{
	for (int i = 0; i < n && names[i]; i++)
		if (strlen(names[i]) == len && (len == 0 || memcmp(names[i], s, len) == 0))
			return i;
	return -1;
}
