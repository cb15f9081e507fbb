/* Control requests {"v": 1, "cmd": str, "args": map?} (PROTOCOL.md "Control: operators"). */
#include <stdio.h>
#include <string.h>

#include "testutil.h"

static struct buf pack_text(const char *text)
{
	json_t *doc = doc_parse(text);
	struct buf b = buf_pack(doc);

	json_decref(doc);
	return b;
}

#define assert_ctl_text_rejected(text, code, needle)                                               \
	do {                                                                                       \
		struct buf b_ = pack_text(text);                                                   \
		assert_ctl_rejected(&b_, (code), (needle));                                        \
		buf_free(&b_);                                                                     \
	} while (0)

static void test_control_request_with_args_is_read(void **state)
{
	struct buf b = pack_text("{'v':1,'cmd':'case.list','args':{'state':'closed','limit':10}}");
	struct proto_ctl req;
	struct proto_error err;

	(void)state;
	assert_int_equal(proto_ctl_decode(&req, b.p, b.len, NULL, &err), 0);
	assert_true(proto_str_eq(req.cmd, "case.list"));
	assert_non_null(req.args);
	assert_obj_str(proto_map_get(req.args, "state"), "closed");
	assert_int_equal(proto_map_get(req.args, "limit")->via.u64, 10);
	assert_null(proto_map_get(req.args, "after"));
	proto_ctl_release(&req);
	proto_ctl_release(&req);
	buf_free(&b);
}

static void test_control_request_without_args_has_null_args(void **state)
{
	struct buf b = pack_text("{'cmd':'status','v':1}");
	struct proto_ctl req;
	struct proto_error err;

	(void)state;
	assert_int_equal(proto_ctl_decode(&req, b.p, b.len, NULL, &err), 0);
	assert_true(proto_str_eq(req.cmd, "status"));
	assert_null(req.args);
	proto_ctl_release(&req);
	buf_free(&b);
}

static void test_control_request_version_rules(void **state)
{
	(void)state;
	assert_ctl_text_rejected("{'cmd':'status'}", PROTO_MISSING_FIELD, "v: is required");
	assert_ctl_text_rejected("{'v':2,'cmd':'status'}", PROTO_UNSUPPORTED_VERSION, "got 2");
	assert_ctl_text_rejected("{'v':'1'}", PROTO_UNSUPPORTED_VERSION, "got a string");
}

static void test_control_request_without_cmd_is_missing_field(void **state)
{
	(void)state;
	assert_ctl_text_rejected("{'v':1,'args':{}}", PROTO_MISSING_FIELD, "cmd: is required");
}

static void test_control_cmd_of_the_wrong_type_is_invalid_field(void **state)
{
	(void)state;
	assert_ctl_text_rejected("{'v':1,'cmd':7}", PROTO_INVALID_FIELD, "cmd: must be a string");
	assert_ctl_text_rejected("{'v':1,'cmd':''}", PROTO_INVALID_FIELD,
				 "cmd: must not be an empty string");
	assert_ctl_text_rejected("{'v':1,'cmd':null}", PROTO_INVALID_FIELD,
				 "cmd: must be a string");
}

static void test_unknown_control_key_is_invalid_field_naming_it(void **state)
{
	(void)state;
	assert_ctl_text_rejected("{'v':1,'cmd':'status','arg':{}}", PROTO_INVALID_FIELD,
				 "arg: unknown field; allowed here: v, cmd, args");
}

static void test_control_args_must_be_a_map(void **state)
{
	(void)state;
	assert_ctl_text_rejected("{'v':1,'cmd':'case.get','args':['NA-1']}", PROTO_INVALID_FIELD,
				 "args: must be a map; got an array");
	assert_ctl_text_rejected("{'v':1,'cmd':'case.get','args':null}", PROTO_INVALID_FIELD,
				 "args: must be a map; got nil");
}

static void test_bad_utf8_in_control_args_is_invalid_field_naming_it(void **state)
{
	struct buf b = pack_text("{'v':1,'cmd':'case.get','args':{'case':'QQQQ'}}");
	struct buf k = pack_text("{'v':1,'cmd':'case.get','args':{'x':[{'QQQQ':1}]}}");
	struct buf c = pack_text("{'v':1,'cmd':'QQQQ'}");

	(void)state;
	buf_patch(&b, "QQQQ", "ab\xc0\x80", 4);
	assert_ctl_rejected(&b, PROTO_INVALID_FIELD, "args.case: must be valid UTF-8");
	buf_patch(&k, "QQQQ",
		  "\xed\xa0\x80"
		  "a",
		  4);
	assert_ctl_rejected(&k, PROTO_INVALID_FIELD,
			    "args.x[0].\"\\xed\\xa0\\x80a\": keys must be");
	buf_patch(&c, "QQQQ", "\xf4\x90\x80\x80", 4);
	assert_ctl_rejected(&c, PROTO_INVALID_FIELD, "cmd: must be valid UTF-8");
	buf_free(&b);
	buf_free(&k);
	buf_free(&c);
}

static void test_duplicate_keys_in_control_requests_are_invalid_field(void **state)
{
	struct buf top = pack_text("{'v':1,'cmd':'status','zzz':'x'}");
	struct buf args = pack_text("{'v':1,'cmd':'case.get','args':{'case':'A','zzzz':'B'}}");

	(void)state;
	buf_patch(&top, "\xa3zzz",
		  "\xa3"
		  "cmd",
		  4);
	assert_ctl_rejected(&top, PROTO_INVALID_FIELD, "cmd: appears twice");
	buf_patch(&args, "\xa4zzzz",
		  "\xa4"
		  "case",
		  5);
	assert_ctl_rejected(&args, PROTO_INVALID_FIELD, "args.case: appears twice");
	buf_free(&top);
	buf_free(&args);
}

/* A control request {"v":1,"cmd":"status","args":{n keys "k0000"...}}, with the keys at
 * positions at[i] replaced by "k%04u" of as[i]. */
static struct buf pack_wide_args(uint32_t n, const uint32_t *at, const uint32_t *as, size_t nrep)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	struct buf b;
	char key[16];

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 3);
	proto_pack_kv_u64(&pk, "v", 1);
	proto_pack_kv_cstr(&pk, "cmd", "status");
	proto_pack_cstr(&pk, "args");
	msgpack_pack_map(&pk, n);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t k = i;

		for (size_t r = 0; r < nrep; r++)
			if (at[r] == i)
				k = as[r];
		snprintf(key, sizeof(key), "k%04u", k);
		proto_pack_cstr(&pk, key);
		msgpack_pack_uint64(&pk, i);
	}
	b = buf_copy(sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	return b;
}

/* A large map is searched for repeated keys by sorting: the error still names the first key,
 * in map order, that repeats an earlier one, not the one that sorts first. */
static void test_repeated_key_in_a_large_map_is_the_first_in_map_order(void **state)
{
	const uint32_t at[] = {990, 995}, as[] = {700, 100};
	struct buf whole = pack_wide_args(1000, NULL, NULL, 0);
	struct buf late = pack_wide_args(1000, at, as, 2);
	struct buf last = pack_wide_args(1000, at + 1, as + 1, 1);
	struct buf small = pack_wide_args(10, (const uint32_t[]){9}, (const uint32_t[]){3}, 1);
	struct proto_ctl req;
	struct proto_error err;

	(void)state;
	assert_int_equal(proto_ctl_decode(&req, whole.p, whole.len, NULL, &err), 0);
	proto_ctl_release(&req);
	assert_ctl_rejected(&late, PROTO_INVALID_FIELD, "args.k0700: appears twice");
	assert_ctl_rejected(&last, PROTO_INVALID_FIELD, "args.k0100: appears twice");
	assert_ctl_rejected(&small, PROTO_INVALID_FIELD, "args.k0003: appears twice");
	buf_free(&whole);
	buf_free(&late);
	buf_free(&last);
	buf_free(&small);
}

static void test_control_cmd_longer_than_64_bytes_is_invalid_field(void **state)
{
	(void)state;
	assert_ctl_text_rejected(
	    "{'v':1,'cmd':'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxx'}",
	    PROTO_INVALID_FIELD, "cmd: must be at most 64 bytes");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_control_request_with_args_is_read),
	    cmocka_unit_test(test_control_request_without_args_has_null_args),
	    cmocka_unit_test(test_control_request_version_rules),
	    cmocka_unit_test(test_control_request_without_cmd_is_missing_field),
	    cmocka_unit_test(test_control_cmd_of_the_wrong_type_is_invalid_field),
	    cmocka_unit_test(test_unknown_control_key_is_invalid_field_naming_it),
	    cmocka_unit_test(test_control_args_must_be_a_map),
	    cmocka_unit_test(test_bad_utf8_in_control_args_is_invalid_field_naming_it),
	    cmocka_unit_test(test_duplicate_keys_in_control_requests_are_invalid_field),
	    cmocka_unit_test(test_repeated_key_in_a_large_map_is_the_first_in_map_order),
	    cmocka_unit_test(test_control_cmd_longer_than_64_bytes_is_invalid_field),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
