/* Size, shape and structure: too_large and every malformed case, found by the pre-scan before
 * msgpack-c allocates anything (PROTOCOL.md "Error codes"; proto/SPEC.md "Limits"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "prescan.h"
#include "proto_limits.h"
#include "testutil.h"

#define assert_malformed(bytes, n, needle)                                                         \
	do {                                                                                       \
		struct buf b_ = buf_copy((bytes), (n));                                            \
		assert_rejected_buf(&b_, PROTO_MALFORMED, (needle));                               \
		assert_ctl_rejected(&b_, PROTO_MALFORMED, (needle));                               \
		buf_free(&b_);                                                                     \
	} while (0)

static void test_empty_request_is_malformed(void **state)
{
	(void)state;
	assert_malformed("", 0, "empty");
}

static void test_request_that_is_not_a_map_is_malformed(void **state)
{
	(void)state;
	assert_malformed("\x91\x01", 2, "must be one MessagePack map");
	assert_malformed("\x01", 1, "must be one MessagePack map");
	assert_malformed("\xa1x", 2, "must be one MessagePack map");
	assert_malformed("\xc0", 1, "must be one MessagePack map");
}

static void test_bytes_after_the_map_are_malformed(void **state)
{
	json_t *doc = doc_declaration();
	struct buf b = buf_pack(doc);
	struct buf c = {malloc(b.len * 2), b.len * 2};

	(void)state;
	json_decref(doc);
	assert_malformed("\x80\x00", 2, "1 bytes follow the request's map");
	memcpy(c.p, b.p, b.len); /* two whole maps */
	memcpy(c.p + b.len, b.p, b.len);
	assert_rejected_buf(&c, PROTO_MALFORMED, "bytes follow the request's map");
	buf_free(&b);
	buf_free(&c);
}

static void test_truncation_at_every_byte_offset_is_malformed(void **state)
{
	json_t *doc = doc_declaration();
	struct buf b = buf_pack(doc);

	(void)state;
	json_decref(doc);
	for (size_t n = 0; n < b.len; n++) {
		struct buf t = buf_copy(b.p, n); /* exact size: ASan sees any over-read */

		assert_rejected_buf(&t, PROTO_MALFORMED, NULL);
		assert_ctl_rejected(&t, PROTO_MALFORMED, NULL);
		buf_free(&t);
	}
	buf_free(&b);
}

static void test_truncated_referral_and_control_request_are_malformed(void **state)
{
	json_t *doc = doc_anonymous_referral();
	struct buf b = buf_pack(doc);
	json_t *ctl = doc_parse("{'v':1,'cmd':'case.get','args':{'case':'NA-2026-000001'}}");
	struct buf c = buf_pack(ctl);

	(void)state;
	json_decref(doc);
	json_decref(ctl);
	for (size_t n = 0; n < b.len; n++) {
		struct buf t = buf_copy(b.p, n);

		assert_rejected_buf(&t, PROTO_MALFORMED, NULL);
		buf_free(&t);
	}
	for (size_t n = 0; n < c.len; n++) {
		struct buf t = buf_copy(c.p, n);

		assert_ctl_rejected(&t, PROTO_MALFORMED, NULL);
		buf_free(&t);
	}
	buf_free(&b);
	buf_free(&c);
}

/* A 5-byte array32 header claiming 2^28 items would make msgpack-c allocate 6 GiB. */
static void test_array32_header_claiming_2_pow_28_items_fails_fast(void **state)
{
	static const uint8_t nested[] = {0x81, 0xa4, 'b', 'o', 'd', 'y', 0xdd, 0x10, 0, 0, 0};
	static const uint8_t top[] = {0xdf, 0x10, 0, 0, 0};
	clock_t t0 = clock();

	(void)state;
	assert_malformed(nested, sizeof(nested), NULL);
	assert_malformed(top, sizeof(top), NULL);
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 0.5);
}

static void test_length_claiming_more_bytes_than_remain_is_malformed(void **state)
{
	/* {"a": str32 of 2^31 bytes}, {"a": bin32}, {"a": array16 of 300} with 3 bytes left,
	 * {"a": map16 of 2 entries} with 3 bytes left (entries need 4) */
	static const uint8_t str32[] = {0x81, 0xa1, 'a', 0xdb, 0x80, 0, 0, 0, 'x'};
	static const uint8_t bin32[] = {0x81, 0xa1, 'a', 0xc6, 0, 0, 1, 0, 'x'};
	static const uint8_t arr16[] = {0x81, 0xa1, 'a', 0xdc, 0x01, 0x2c, 1, 2, 3};
	static const uint8_t map16[] = {0x81, 0xa1, 'a', 0xde, 0x00, 0x02, 0xa1, 'b', 1};

	(void)state;
	assert_malformed(str32, sizeof(str32), "needs 2147483648 bytes but only 1 follow");
	assert_malformed(bin32, sizeof(bin32), "needs 256 bytes");
	assert_malformed(arr16, sizeof(arr16), "an array header claims 300 items but only 3");
	assert_malformed(map16, sizeof(map16), "a map header claims 2 entries but only 3");
}

static void test_truncated_header_is_malformed(void **state)
{
	static const uint8_t u64[] = {0x81, 0xa1, 'a', 0xcf, 0, 0};
	static const uint8_t s16[] = {0x81, 0xa1, 'a', 0xda, 0};

	(void)state;
	assert_malformed(u64, sizeof(u64), "truncated");
	assert_malformed(s16, sizeof(s16), "truncated");
}

/* {"a": [[[...]]]} with `levels` arrays. */
static struct buf nested_arrays(unsigned levels)
{
	struct buf b = buf_copy("\x81\xa1"
				"a",
				3);

	b.p = realloc(b.p, 3 + levels);
	for (unsigned i = 0; i < levels; i++)
		b.p[3 + i] = i + 1 < levels ? 0x91 : 0x90;
	b.len = 3 + levels;
	return b;
}

static void test_nesting_deeper_than_max_depth_is_malformed(void **state)
{
	struct buf ok = nested_arrays(PROTO_DEFAULT_MAX_DEPTH - 1); /* 8 levels with the map */
	struct buf deep = nested_arrays(PROTO_DEFAULT_MAX_DEPTH);

	(void)state;
	/* within depth, so the pre-scan passes and the envelope is judged */
	assert_rejected_buf(&ok, PROTO_MISSING_FIELD, "v:");
	assert_rejected_buf(&deep, PROTO_MALFORMED, "deeper than 8 levels");
	assert_ctl_rejected(&deep, PROTO_MALFORMED, "deeper than 8 levels");
	buf_free(&ok);
	buf_free(&deep);
}

static void test_depth_limit_comes_from_the_limits_and_has_a_hard_cap(void **state)
{
	struct buf b = nested_arrays(3); /* depth 4 */
	struct buf huge = nested_arrays(1000);
	struct proto_limits lim = {.max_depth = 3};
	struct proto_limits big = {.max_depth = 100000};
	struct proto_error err;

	(void)state;
	assert_int_equal(proto_prescan(b.p, b.len, &lim, &err), -1);
	assert_int_equal(err.code, PROTO_MALFORMED);
	lim.max_depth = 4;
	lim.max_items = 100;
	assert_int_equal(proto_prescan(b.p, b.len, &lim, &err), 0);
	proto_limits_resolve(&big, &lim);
	assert_int_equal(lim.max_depth, PROTO_DEPTH_HARD_MAX);
	assert_int_equal(proto_prescan(huge.p, huge.len, &lim, &err), -1);
	buf_free(&b);
	buf_free(&huge);
}

/* {"a": [0, 0, ... n times]} */
static struct buf wide_array(uint32_t n)
{
	struct buf b = buf_copy("\x81\xa1"
				"a"
				"\xdd",
				4);

	b.p = realloc(b.p, 8 + n);
	b.p[4] = (uint8_t)(n >> 24);
	b.p[5] = (uint8_t)(n >> 16);
	b.p[6] = (uint8_t)(n >> 8);
	b.p[7] = (uint8_t)n;
	memset(b.p + 8, 0, n);
	b.len = 8 + n;
	return b;
}

static void test_more_items_than_max_items_is_malformed(void **state)
{
	/* the map's one entry counts too */
	struct buf ok = wide_array(PROTO_DEFAULT_MAX_ITEMS - 1);
	struct buf over = wide_array(PROTO_DEFAULT_MAX_ITEMS);

	(void)state;
	assert_rejected_buf(&ok, PROTO_MISSING_FIELD, "v:");
	assert_rejected_buf(&over, PROTO_MALFORMED, "more than 4096 map entries and array items");
	assert_ctl_rejected(&over, PROTO_MALFORMED, "more than 4096");
	buf_free(&ok);
	buf_free(&over);
}

static void test_extension_types_are_malformed(void **state)
{
	static const uint8_t fixext1[] = {0x81, 0xa1, 'a', 0xd4, 0x01, 0x00};
	static const uint8_t ext8[] = {0x81, 0xa1, 'a', 0xc7, 0x01, 0x05, 0x00};
	static const uint8_t timestamp[] = {0x81, 0xa1, 'a', 0xd6, 0xff, 0, 0, 0, 0};

	(void)state;
	assert_malformed(fixext1, sizeof(fixext1), "extension types");
	assert_malformed(ext8, sizeof(ext8), "extension types");
	assert_malformed(timestamp, sizeof(timestamp), "extension types");
}

static void test_non_string_map_keys_are_malformed(void **state)
{
	static const uint8_t int_key[] = {0x81, 0x01, 0x02};
	static const uint8_t bin_key[] = {0x81, 0xc4, 0x01, 'v', 0x01};
	static const uint8_t nested[] = {0x81, 0xa4, 'b', 'o', 'd', 'y', 0x81, 0xc0, 0xc0};
	static const uint8_t map_key[] = {0x81, 0x80, 0x01};

	(void)state;
	assert_malformed(int_key, sizeof(int_key), "map keys must be strings");
	assert_malformed(bin_key, sizeof(bin_key), "map keys must be strings");
	assert_malformed(nested, sizeof(nested), "map keys must be strings");
	assert_malformed(map_key, sizeof(map_key), "map keys must be strings");
}

static void test_reserved_byte_c1_is_malformed(void **state)
{
	static const uint8_t c1[] = {0x81, 0xa1, 'a', 0xc1};

	(void)state;
	assert_malformed(c1, sizeof(c1), "0xc1");
}

static void test_request_over_max_message_bytes_is_too_large_before_anything_else(void **state)
{
	uint8_t *junk = calloc(1, PROTO_DEFAULT_MAX_MESSAGE_BYTES + 1);
	struct buf b = {junk, PROTO_DEFAULT_MAX_MESSAGE_BYTES + 1};

	(void)state;
	assert_rejected_buf(&b, PROTO_TOO_LARGE, "the request is 65537 bytes; the limit is 65536");
	assert_ctl_rejected(&b, PROTO_TOO_LARGE, "65537");
	b.len--; /* at the limit, the same bytes are merely malformed */
	assert_rejected_buf(&b, PROTO_MALFORMED, NULL);
	free(junk);
}

static void test_max_message_bytes_comes_from_the_limits(void **state)
{
	json_t *doc = doc_declaration();
	struct buf b = buf_pack(doc);
	struct proto_limits lim = {.max_message_bytes = b.len - 1, .clock_skew_ms = 1};
	struct proto_event ev;
	struct proto_error err;
	char id[PROTO_ID_MAX + 1];

	(void)state;
	json_decref(doc);
	assert_int_equal(proto_event_decode(&ev, b.p, b.len, NOW_MS, &lim, id, &err), -1);
	assert_int_equal(err.code, PROTO_TOO_LARGE);
	lim.max_message_bytes = b.len;
	assert_int_equal(proto_event_decode(&ev, b.p, b.len, NOW_MS, &lim, id, &err), 0);
	proto_event_release(&ev);
	buf_free(&b);
}

static void test_every_msgpack_scalar_form_passes_the_prescan(void **state)
{
	/* {"a": [nil, false, true, -1, 1, u8, u16, u32, u64, i8, i16, i32, i64, f32, f64,
	 *        fixstr, str8, str16, str32, bin8, bin16, bin32, array16, map16, map32]} */
	static const uint8_t all[] = {
	    0x81, 0xa1, 'a',  0xdc, 0x00, 25,   0xc0, 0xc2, 0xc3, 0xff, 0x01, 0xcc, 1,    0xcd, 0,
	    1,    0xce, 0,    0,    0,    1,    0xcf, 0,    0,    0,    0,    0,    0,    0,    1,
	    0xd0, 0xff, 0xd1, 0,    1,    0xd2, 0,    0,    0,    1,    0xd3, 0,    0,    0,    0,
	    0,    0,    0,    1,    0xca, 0,    0,    0,    0,    0xcb, 0,    0,    0,    0,    0,
	    0,    0,    0,    0xa1, 'x',  0xd9, 1,    'x',  0xda, 0,    1,    'x',  0xdb, 0,    0,
	    0,    1,    'x',  0xc4, 1,    0,    0xc5, 0,    1,    0,    0xc6, 0,    0,    0,    1,
	    0,    0xdc, 0,    0,    0xde, 0,    1,    0xa1, 'k',  0xc0, 0xdf, 0,    0,    0,    0,
	};
	struct proto_limits lim;
	struct proto_error err;

	(void)state;
	proto_limits_default(&lim);
	assert_int_equal(proto_prescan(all, sizeof(all), &lim, &err), 0);
	for (size_t n = 0; n < sizeof(all); n++)
		assert_int_equal(proto_prescan(all, n, &lim, &err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_empty_request_is_malformed),
	    cmocka_unit_test(test_request_that_is_not_a_map_is_malformed),
	    cmocka_unit_test(test_bytes_after_the_map_are_malformed),
	    cmocka_unit_test(test_truncation_at_every_byte_offset_is_malformed),
	    cmocka_unit_test(test_truncated_referral_and_control_request_are_malformed),
	    cmocka_unit_test(test_array32_header_claiming_2_pow_28_items_fails_fast),
	    cmocka_unit_test(test_length_claiming_more_bytes_than_remain_is_malformed),
	    cmocka_unit_test(test_truncated_header_is_malformed),
	    cmocka_unit_test(test_nesting_deeper_than_max_depth_is_malformed),
	    cmocka_unit_test(test_depth_limit_comes_from_the_limits_and_has_a_hard_cap),
	    cmocka_unit_test(test_more_items_than_max_items_is_malformed),
	    cmocka_unit_test(test_extension_types_are_malformed),
	    cmocka_unit_test(test_non_string_map_keys_are_malformed),
	    cmocka_unit_test(test_reserved_byte_c1_is_malformed),
	    cmocka_unit_test(test_request_over_max_message_bytes_is_too_large_before_anything_else),
	    cmocka_unit_test(test_max_message_bytes_comes_from_the_limits),
	    cmocka_unit_test(test_every_msgpack_scalar_form_passes_the_prescan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
