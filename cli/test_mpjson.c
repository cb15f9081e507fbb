/* The JSON <-> MessagePack conversion integrityctl puts on the wire and reads back. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mpjson.h"

/* Encodes the JSON text and compares the bytes with the expected MessagePack. */
static void expect_bytes(const char *json, const char *bytes, size_t len)
{
	json_error_t jerr;
	msgpack_sbuffer buf;
	json_t *j;

	j = json_loads(json, JSON_DECODE_ANY, &jerr);
	assert_non_null(j);
	assert_int_equal(mpjson_encode(j, &buf), 0);
	assert_int_equal(buf.size, len);
	assert_memory_equal(buf.data, bytes, len);
	msgpack_sbuffer_destroy(&buf);
	json_decref(j);
}

static void test_scalars_pack_to_their_smallest_form(void **state)
{
	(void)state;
	expect_bytes("null", "\xc0", 1);
	expect_bytes("true", "\xc3", 1);
	expect_bytes("false", "\xc2", 1);
	expect_bytes("0", "\x00", 1);
	expect_bytes("127", "\x7f", 1);
	expect_bytes("300", "\xcd\x01\x2c", 3);
	expect_bytes("-1", "\xff", 1);
	expect_bytes("-129", "\xd1\xff\x7f", 3);
	expect_bytes("1.5", "\xcb\x3f\xf8\x00\x00\x00\x00\x00\x00", 9);
	expect_bytes("\"ab\"",
		     "\xa2"
		     "ab",
		     3);
}

static void test_time_in_ms_packs_as_uint64(void **state)
{
	(void)state;
	/* 2026-03-01T00:00:00Z in ms does not fit 32 bits */
	expect_bytes("1772323200000", "\xcf\x00\x00\x01\x9c\xa6\xb1\xdc\x00", 9);
}

static void test_object_keeps_key_order(void **state)
{
	(void)state;
	expect_bytes("{\"v\":1,\"id\":\"x\",\"body\":{}}",
		     "\x83\xa1v\x01\xa2id\xa1x\xa4"
		     "body\x80",
		     15);
	expect_bytes("[1,[],\"\"]", "\x93\x01\x90\xa0", 4);
}

static void test_round_trip_is_identity(void **state)
{
	static const char *const docs[] = {
	    "{\"v\":1,\"id\":\"evt-1\",\"type\":\"declaration.submitted\",\"at\":1772323200000,"
	    "\"actor\":{\"id\":\"1234\",\"role\":\"subject\"},"
	    "\"body\":{\"categories\":[\"family\",\"business\"],\"vulnerable\":false,"
	    "\"n\":-42,\"x\":null,\"r\":0.25,\"name\":\"Zo\\u00eb\"}}",
	    "[]",
	    "{}",
	    "[[[[\"deep\"]]]]",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		json_t *in, *out = NULL;
		msgpack_sbuffer buf;

		in = json_loads(docs[i], 0, NULL);
		assert_non_null(in);
		assert_int_equal(mpjson_encode(in, &buf), 0);
		assert_int_equal(mpjson_decode(buf.data, buf.size, &out), 0);
		assert_true(json_equal(in, out));
		msgpack_sbuffer_destroy(&buf);
		json_decref(in);
		json_decref(out);
	}
}

static void test_bin_decodes_as_hex_string(void **state)
{
	json_t *j = NULL;

	(void)state;
	assert_int_equal(mpjson_decode("\xc4\x03\x00\xab\xff", 5, &j), 0);
	assert_string_equal(json_string_value(j), "00abff");
	json_decref(j);
}

static void test_uint_above_int64_decodes_as_decimal_string(void **state)
{
	json_t *j = NULL;

	(void)state;
	assert_int_equal(mpjson_decode("\xcf\xff\xff\xff\xff\xff\xff\xff\xff", 9, &j), 0);
	assert_string_equal(json_string_value(j), "18446744073709551615");
	json_decref(j);
}

static void test_float32_and_nil_in_map(void **state)
{
	json_t *j = NULL;

	(void)state;
	/* {"f": 0.5f, "n": nil, 7: true} */
	assert_int_equal(mpjson_decode("\x83\xa1"
				       "f\xca\x3f\x00\x00\x00\xa1n\xc0\x07\xc3",
				       13, &j),
			 0);
	assert_true(json_real_value(json_object_get(j, "f")) == 0.5);
	assert_true(json_is_null(json_object_get(j, "n")));
	assert_true(json_is_true(json_object_get(j, "7")));
	json_decref(j);
}

static void test_trailing_bytes_are_bad_message(void **state)
{
	json_t *j = NULL;

	(void)state;
	assert_int_equal(mpjson_decode("\x01\x02", 2, &j), -EBADMSG);
	assert_int_equal(mpjson_decode("\x92\x01", 2, &j), -EBADMSG);
	assert_int_equal(mpjson_decode("", 0, &j), -EBADMSG);
	assert_null(j);
}

static void test_map_key_that_is_an_array_is_invalid(void **state)
{
	json_t *j = NULL;

	(void)state;
	assert_int_equal(mpjson_decode("\x81\x90\x01", 3, &j), -EINVAL);
	assert_null(j);
}

static void test_nesting_beyond_limit_is_refused(void **state)
{
	msgpack_object chain[MPJSON_MAX_DEPTH + 1];
	json_t *j = NULL, *a;
	msgpack_sbuffer buf;

	(void)state;
	/* msgpack-c's own unpacker stops earlier; the bound guards objects built otherwise */
	for (size_t i = 0; i + 1 < sizeof(chain) / sizeof(chain[0]); i++) {
		chain[i].type = MSGPACK_OBJECT_ARRAY;
		chain[i].via.array.size = 1;
		chain[i].via.array.ptr = &chain[i + 1];
	}
	chain[MPJSON_MAX_DEPTH].type = MSGPACK_OBJECT_POSITIVE_INTEGER;
	chain[MPJSON_MAX_DEPTH].via.u64 = 1;
	assert_int_equal(mpjson_from_object(&chain[0], &j), -E2BIG);
	assert_null(j);
	assert_int_equal(mpjson_from_object(&chain[1], &j), 0);
	json_decref(j);

	a = json_array();
	for (int i = 0; i < MPJSON_MAX_DEPTH; i++) {
		json_t *outer = json_array();

		json_array_append_new(outer, a);
		a = outer;
	}
	assert_int_equal(mpjson_encode(a, &buf), -E2BIG);
	json_decref(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_scalars_pack_to_their_smallest_form),
	    cmocka_unit_test(test_time_in_ms_packs_as_uint64),
	    cmocka_unit_test(test_object_keeps_key_order),
	    cmocka_unit_test(test_round_trip_is_identity),
	    cmocka_unit_test(test_bin_decodes_as_hex_string),
	    cmocka_unit_test(test_uint_above_int64_decodes_as_decimal_string),
	    cmocka_unit_test(test_float32_and_nil_in_map),
	    cmocka_unit_test(test_trailing_bytes_are_bad_message),
	    cmocka_unit_test(test_map_key_that_is_an_array_is_invalid),
	    cmocka_unit_test(test_nesting_beyond_limit_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
