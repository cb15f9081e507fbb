/* Names on the wire, UTF-8 and dates, and the shape of the type table. */
#include <string.h>

#include "schema.h"
#include "testutil.h"
#include "typetab.h"

static void test_every_error_code_has_its_protocol_name(void **state)
{
	static const char *const want[PROTO_ERR_COUNT] = {
	    "ok",
	    "malformed",
	    "too_large",
	    "unsupported_version",
	    "missing_field",
	    "invalid_field",
	    "unknown_type",
	    "unknown_case",
	    "forbidden",
	    "invalid_transition",
	    "window_closed",
	    "conflict",
	    "unavailable",
	    "unknown_command",
	};

	(void)state;
	for (int e = 0; e < PROTO_ERR_COUNT; e++)
		assert_string_equal(proto_err_code((enum proto_err)e), want[e]);
	assert_string_equal(proto_err_code(PROTO_ERR_COUNT), "unavailable");
}

static void test_every_role_has_its_protocol_name(void **state)
{
	static const char *const want[ROLE_COUNT] = {"none",    "subject", "line_manager",
						     "psd",     "aa",      "head_of_psd",
						     "vetting", "hr",      "reporter"};

	(void)state;
	for (int r = 0; r < ROLE_COUNT; r++)
		assert_string_equal(proto_role_name((enum proto_role)r), want[r]);
	assert_string_equal(proto_role_name(ROLE_COUNT), "none");
	assert_int_equal(ROLE_BIT(ROLE_PSD), 1u << 3);
}

static void test_every_case_kind_has_its_reference_prefix(void **state)
{
	(void)state;
	assert_string_equal(proto_kind_prefix(KIND_NONE), "");
	assert_string_equal(proto_kind_prefix(KIND_NA), "NA");
	assert_string_equal(proto_kind_prefix(KIND_CR), "CR");
	assert_string_equal(proto_kind_prefix(KIND_WR), "WR");
	assert_string_equal(proto_kind_prefix(KIND_GH), "GH");
	assert_string_equal(proto_kind_prefix(KIND_BI), "BI");
	assert_string_equal(proto_kind_prefix(KIND_COUNT), "");
}

static void test_utf8_validator_follows_rfc_3629(void **state)
{
	static const struct {
		const char *s;
		size_t n;
		bool ok;
	} rows[] = {
	    {"", 0, true},
	    {"plain", 5, true},
	    {"\x00", 1, true}, /* NUL is a valid code point */
	    {"\xc2\x80", 2, true},
	    {"\xdf\xbf", 2, true},
	    {"\xe0\xa0\x80", 3, true},
	    {"\xed\x9f\xbf", 3, true},      /* U+D7FF */
	    {"\xee\x80\x80", 3, true},      /* U+E000 */
	    {"\xef\xbf\xbf", 3, true},      /* U+FFFF */
	    {"\xf0\x90\x80\x80", 4, true},  /* U+10000 */
	    {"\xf4\x8f\xbf\xbf", 4, true},  /* U+10FFFF */
	    {"\xc0\x80", 2, false},         /* overlong NUL */
	    {"\xc1\xbf", 2, false},         /* overlong */
	    {"\xe0\x9f\xbf", 3, false},     /* overlong */
	    {"\xf0\x8f\xbf\xbf", 4, false}, /* overlong */
	    {"\xed\xa0\x80", 3, false},     /* U+D800 */
	    {"\xed\xbf\xbf", 3, false},     /* U+DFFF */
	    {"\xf4\x90\x80\x80", 4, false}, /* U+110000 */
	    {"\xf5\x80\x80\x80", 4, false},
	    {"\xff", 1, false},
	    {"\x80", 1, false},
	    {"\xc2", 1, false},             /* truncated */
	    {"\xe2\x82", 2, false},         /* truncated */
	    {"\xf0\x9f\x98", 3, false},     /* truncated */
	    {"\xe2\x28\xa1", 3, false},     /* bad continuation */
	    {"\xf0\x9f\x28\x80", 4, false}, /* bad third byte */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (proto_utf8_valid(rows[i].s, rows[i].n) != rows[i].ok)
			fail_msg("row %zu: expected %s", i, rows[i].ok ? "valid" : "invalid");
	}
}

static void test_dates_are_real_gregorian_days(void **state)
{
	(void)state;
	assert_true(proto_date_valid("2024-02-29", 10));
	assert_true(proto_date_valid("2000-02-29", 10));
	assert_false(proto_date_valid("2100-02-29", 10));
	assert_true(proto_date_valid("2023-12-31", 10));
	assert_false(proto_date_valid("2023-11-31", 10));
	assert_false(proto_date_valid("2023-11-3", 9));
	assert_false(proto_date_valid("2023-11-300", 11));
	assert_false(proto_date_valid("+023-11-30", 10));
}

static void test_str_eq_compares_lengths_and_bytes(void **state)
{
	(void)state;
	assert_true(proto_str_eq((struct proto_str){"abc", 3}, "abc"));
	assert_false(proto_str_eq((struct proto_str){"abc", 2}, "abc"));
	assert_false(proto_str_eq((struct proto_str){"abd", 3}, "abc"));
	assert_true(proto_str_eq((struct proto_str){NULL, 0}, ""));
}

static void check_fields(const struct proto_field *f, int depth)
{
	int n = 0;

	assert_true(depth < 4);
	for (; f[n].type != PF_END; n++) {
		assert_non_null(f[n].name);
		for (int k = 0; k < n; k++)
			assert_string_not_equal(f[k].name, f[n].name);
		if (f[n].type == PF_ENUM || f[n].type == PF_ENUMS)
			assert_non_null(f[n].values);
		if (f[n].type == PF_MAP || f[n].type == PF_MAPS) {
			assert_non_null(f[n].fields);
			check_fields(f[n].fields, depth + 1);
		}
	}
	assert_true(n <= PROTO_FIELDS_MAX);
}

static void test_type_table_rows_are_well_formed(void **state)
{
	(void)state;
	for (const struct proto_type *t = proto_types; t->name != NULL; t++) {
		assert_non_null(t->body);
		assert_ptr_equal(proto_type_find((struct proto_str){t->name, strlen(t->name)}), t);
		check_fields(t->body, 0);
		if (t->anon_flag != NULL) {
			const struct proto_field *f = t->body;

			while (f->type != PF_END && strcmp(f->name, t->anon_flag) != 0)
				f++;
			assert_int_equal(f->type, PF_BOOL);
		}
	}
	assert_null(proto_type_find((struct proto_str){"nope", 4}));
}

static void test_both_na_opening_types_open_an_na_case(void **state)
{
	const struct proto_type *d =
	    proto_type_find((struct proto_str){"declaration.submitted", 21});
	const struct proto_type *r = proto_type_find((struct proto_str){"referral.submitted", 18});

	(void)state;
	assert_non_null(d);
	assert_non_null(r);
	assert_int_equal(d->opens, KIND_NA);
	assert_int_equal(r->opens, KIND_NA);
	assert_true(d->actor_required);
	assert_null(d->anon_flag);
	assert_string_equal(r->anon_flag, "anonymous");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_error_code_has_its_protocol_name),
	    cmocka_unit_test(test_every_role_has_its_protocol_name),
	    cmocka_unit_test(test_every_case_kind_has_its_reference_prefix),
	    cmocka_unit_test(test_utf8_validator_follows_rfc_3629),
	    cmocka_unit_test(test_dates_are_real_gregorian_days),
	    cmocka_unit_test(test_str_eq_compares_lengths_and_bytes),
	    cmocka_unit_test(test_type_table_rows_are_well_formed),
	    cmocka_unit_test(test_both_na_opening_types_open_an_na_case),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
