/* Intake replies and string packing (PROTOCOL.md "Reply"). Each reply is decoded back with
 * msgpack-c and compared as a map. */
#include <string.h>

#include "testutil.h"

struct reply {
	msgpack_sbuffer sb;
	msgpack_unpacked up;
};

static const msgpack_object *reply_pack(struct reply *r, const char *id, const char *status,
					const char *case_ref, uint64_t seq,
					const struct proto_error *err)
{
	msgpack_packer pk;
	size_t off = 0;

	msgpack_sbuffer_init(&r->sb);
	msgpack_packer_init(&pk, &r->sb, msgpack_sbuffer_write);
	proto_reply_pack(&pk, id, status, case_ref, seq, err);
	msgpack_unpacked_init(&r->up);
	assert_int_equal(msgpack_unpack_next(&r->up, r->sb.data, r->sb.size, &off),
			 MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(off, r->sb.size);
	assert_int_equal(r->up.data.type, MSGPACK_OBJECT_MAP);
	return &r->up.data;
}

static void reply_free(struct reply *r)
{
	msgpack_unpacked_destroy(&r->up);
	msgpack_sbuffer_destroy(&r->sb);
}

static void test_accepted_reply_has_v_id_status_case_and_seq(void **state)
{
	struct reply r;
	const msgpack_object *m =
	    reply_pack(&r, "decl-0001", "accepted", "NA-2026-000001", 42, NULL);

	(void)state;
	assert_int_equal(m->via.map.size, 5);
	assert_int_equal(proto_map_get(m, "v")->type, MSGPACK_OBJECT_POSITIVE_INTEGER);
	assert_int_equal(proto_map_get(m, "v")->via.u64, 1);
	assert_obj_str(proto_map_get(m, "id"), "decl-0001");
	assert_obj_str(proto_map_get(m, "status"), "accepted");
	assert_obj_str(proto_map_get(m, "case"), "NA-2026-000001");
	assert_int_equal(proto_map_get(m, "seq")->via.u64, 42);
	assert_null(proto_map_get(m, "error"));
	reply_free(&r);
}

static void test_duplicate_reply_repeats_case_and_seq(void **state)
{
	struct reply r;
	const msgpack_object *m =
	    reply_pack(&r, "decl-0001", "duplicate", "NA-2026-000001", 0xffffffffffull, NULL);

	(void)state;
	assert_obj_str(proto_map_get(m, "status"), "duplicate");
	assert_true(proto_map_get(m, "seq")->via.u64 == 0xffffffffffull);
	reply_free(&r);
}

static void test_rejected_reply_has_error_code_and_message_and_no_case(void **state)
{
	struct reply r;
	struct proto_error err;
	const msgpack_object *m, *e;

	(void)state;
	proto_fail(&err, PROTO_INVALID_FIELD, "body.%s: must be %d", "x", 1);
	m = reply_pack(&r, "decl-0001", "rejected", NULL, 0, &err);
	assert_int_equal(m->via.map.size, 4);
	assert_obj_str(proto_map_get(m, "status"), "rejected");
	assert_null(proto_map_get(m, "case"));
	assert_null(proto_map_get(m, "seq"));
	e = proto_map_get(m, "error");
	assert_non_null(e);
	assert_int_equal(e->via.map.size, 2);
	assert_obj_str(proto_map_get(e, "code"), "invalid_field");
	assert_obj_str(proto_map_get(e, "message"), "body.x: must be 1");
	reply_free(&r);
}

static void test_reply_id_is_nil_when_null_or_empty(void **state)
{
	struct reply r;
	struct proto_error err;
	const msgpack_object *m;

	(void)state;
	proto_fail(&err, PROTO_MALFORMED, "the request is empty; expected one map");
	m = reply_pack(&r, NULL, "rejected", NULL, 0, &err);
	assert_int_equal(proto_map_get(m, "id")->type, MSGPACK_OBJECT_NIL);
	assert_obj_str(proto_map_get(proto_map_get(m, "error"), "code"), "malformed");
	reply_free(&r);
	m = reply_pack(&r, "", "rejected", NULL, 0, &err);
	assert_int_equal(proto_map_get(m, "id")->type, MSGPACK_OBJECT_NIL);
	reply_free(&r);
}

static void test_rejected_reply_can_carry_case_when_given(void **state)
{
	struct reply r;
	struct proto_error err;
	const msgpack_object *m;

	(void)state;
	proto_fail(&err, PROTO_CONFLICT, "id: was accepted before with different content");
	m = reply_pack(&r, "x", "rejected", "NA-2026-000001", 3, &err);
	assert_int_equal(m->via.map.size, 6);
	assert_obj_str(proto_map_get(proto_map_get(m, "error"), "code"), "conflict");
	reply_free(&r);
}

static void test_pack_str_and_cstr_write_msgpack_strings(void **state)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	msgpack_unpacked up;
	size_t off = 0;

	(void)state;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	proto_pack_str(&pk, "abcdef", 3);
	proto_pack_cstr(&pk, "");
	proto_pack_cstr(&pk, NULL);
	msgpack_unpacked_init(&up);
	assert_int_equal(msgpack_unpack_next(&up, sb.data, sb.size, &off), MSGPACK_UNPACK_SUCCESS);
	assert_obj_str(&up.data, "abc");
	assert_int_equal(msgpack_unpack_next(&up, sb.data, sb.size, &off), MSGPACK_UNPACK_SUCCESS);
	assert_obj_str(&up.data, "");
	assert_int_equal(msgpack_unpack_next(&up, sb.data, sb.size, &off), MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(up.data.type, MSGPACK_OBJECT_NIL);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);
}

static void test_proto_error_message_is_cut_to_fit(void **state)
{
	struct proto_error err;
	char big[600];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(proto_fail(&err, PROTO_UNAVAILABLE, "%s", big), -1);
	assert_int_equal(strlen(err.message), PROTO_ERRMSG - 1);
	assert_int_equal(proto_fail(NULL, PROTO_UNAVAILABLE, "no error struct"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_accepted_reply_has_v_id_status_case_and_seq),
	    cmocka_unit_test(test_duplicate_reply_repeats_case_and_seq),
	    cmocka_unit_test(test_rejected_reply_has_error_code_and_message_and_no_case),
	    cmocka_unit_test(test_reply_id_is_nil_when_null_or_empty),
	    cmocka_unit_test(test_rejected_reply_can_carry_case_when_given),
	    cmocka_unit_test(test_pack_str_and_cstr_write_msgpack_strings),
	    cmocka_unit_test(test_proto_error_message_is_cut_to_fit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
