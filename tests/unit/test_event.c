/* Intake events: the envelope and both NA bodies, rule by rule (PROTOCOL.md "Intake: events",
 * WORKFLOW.md "Shared body parts"). */
#include <stdio.h>
#include <string.h>

#include "decode.h"
#include "testutil.h"

/* ---- good events ---- */

static void test_valid_declaration_is_accepted_with_every_field_readable(void **state)
{
	json_t *doc = doc_declaration();
	struct buf b = buf_pack(doc);
	struct proto_event ev;
	struct proto_error err;
	char id[PROTO_ID_MAX + 1];
	const msgpack_object *subject, *cats;

	(void)state;
	json_decref(doc);
	assert_int_equal(decode_buf(&b, &ev, id, &err), 0);
	assert_int_equal(err.code, PROTO_OK);
	assert_string_equal(ev.type->name, "declaration.submitted");
	assert_int_equal(ev.type->opens, KIND_NA);
	assert_true(proto_str_eq(ev.id, "decl-0001"));
	assert_int_equal(ev.case_ref.len, 0);
	assert_true(ev.at == AT_MS);
	assert_int_equal(ev.actor_role, ROLE_SUBJECT);
	assert_true(proto_str_eq(ev.actor_id, "E1234"));
	assert_ptr_equal(ev.bytes, b.p);
	assert_int_equal(ev.len, b.len);
	subject = proto_map_get(ev.body, "subject");
	assert_obj_str(proto_map_get(subject, "vetting"), "MV");
	assert_obj_str(proto_map_get(subject, "line_manager"), "S5678");
	assert_obj_str(proto_map_get(ev.body, "relationship"), "friend");
	cats = proto_map_get(ev.body, "categories");
	assert_non_null(cats);
	assert_int_equal(cats->via.array.size, 2);
	assert_obj_str(&cats->via.array.ptr[1], "charged");
	assert_true(proto_map_get(ev.body, "social_media")->via.boolean);
	assert_null(proto_map_get(ev.body, "anonymous"));
	proto_event_release(&ev);
	proto_event_release(&ev); /* twice is harmless */
	buf_free(&b);
}

static void test_minimal_declaration_without_optional_fields_is_accepted(void **state)
{
	json_t *doc = doc_declaration();
	const char *optional[] = {"body.subject.name",       "body.subject.rank",
				  "body.subject.department", "body.associate.details",
				  "body.started_on",         "body.social_media",
				  "body.home_working",       "body.live_case_ref",
				  "body.vulnerable",         "body.bypass_manager"};

	(void)state;
	for (size_t i = 0; i < sizeof(optional) / sizeof(optional[0]); i++)
		doc_del(doc, optional[i]);
	assert_accepted(doc);
}

static void test_valid_referral_is_accepted_with_every_field_readable(void **state)
{
	json_t *doc = doc_referral();
	struct buf b = buf_pack(doc);
	struct proto_event ev;
	struct proto_error err;
	char id[PROTO_ID_MAX + 1];

	(void)state;
	json_decref(doc);
	assert_int_equal(decode_buf(&b, &ev, id, &err), 0);
	assert_string_equal(ev.type->name, "referral.submitted");
	assert_int_equal(ev.actor_role, ROLE_REPORTER);
	assert_true(proto_str_eq(ev.actor_id, "R1"));
	assert_obj_str(proto_map_get(proto_map_get(ev.body, "subject"), "id"), "E1234");
	assert_obj_str(proto_map_get(proto_map_get(ev.body, "associate"), "kind"), "group");
	assert_obj_str(proto_map_get(ev.body, "circumstances"), "Seen at a rally.");
	proto_event_release(&ev);
	buf_free(&b);
}

static void test_anonymous_referral_without_actor_is_accepted_with_no_role(void **state)
{
	json_t *doc = doc_anonymous_referral();
	struct buf b = buf_pack(doc);
	struct proto_event ev;
	struct proto_error err;
	char id[PROTO_ID_MAX + 1];

	(void)state;
	json_decref(doc);
	assert_int_equal(decode_buf(&b, &ev, id, &err), 0);
	assert_int_equal(ev.actor_role, ROLE_NONE);
	assert_int_equal(ev.actor_id.len, 0);
	assert_true(proto_map_get(ev.body, "anonymous")->via.boolean);
	proto_event_release(&ev);
	buf_free(&b);
}

static void test_referral_subject_needs_no_vetting_or_line_manager(void **state)
{
	(void)state;
	assert_accepted(doc_referral()); /* the fixture has subject {id} only */
}

static void test_empty_body_map_of_a_type_without_required_fields_is_accepted(void **state)
{
	static const struct proto_field none[] = {{.name = NULL, .type = PF_END}};
	static const struct proto_type table[] = {
	    {.name = "test.ping", .opens = KIND_NONE, .body = none}, {.name = NULL}};
	json_t *doc =
	    doc_parse("{'v':1,'id':'p1','type':'test.ping','at':5,'case':'NA-2026-000001',"
		      "'body':{}}");
	struct buf b = buf_pack(doc);
	struct proto_event ev;
	struct proto_error err;
	char id[PROTO_ID_MAX + 1];

	(void)state;
	json_decref(doc);
	assert_int_equal(proto_event_decode_in(table, &ev, b.p, b.len, NOW_MS, NULL, id, &err), 0);
	assert_int_equal(ev.body->via.map.size, 0);
	assert_int_equal(ev.actor_role, ROLE_NONE);
	proto_event_release(&ev);
	buf_free(&b);
}

/* ---- actor ---- */

static void test_anonymous_referral_with_actor_is_invalid_field(void **state)
{
	json_t *doc = doc_referral();

	(void)state;
	doc_set(doc, "body.anonymous", json_true());
	assert_rejected(doc, PROTO_INVALID_FIELD, "actor: must be absent on an anonymous");
}

static void test_named_referral_without_actor_is_missing_field(void **state)
{
	json_t *doc = doc_referral();

	(void)state;
	doc_del(doc, "actor");
	assert_rejected(doc, PROTO_MISSING_FIELD, "actor: is required on referral.submitted");
}

static void test_referral_with_anonymous_false_and_no_actor_is_missing_field(void **state)
{
	json_t *doc = doc_anonymous_referral();

	(void)state;
	doc_set(doc, "body.anonymous", json_false());
	assert_rejected(doc, PROTO_MISSING_FIELD, "actor:");
}

static void test_declaration_without_actor_is_missing_field(void **state)
{
	json_t *doc = doc_declaration();

	(void)state;
	doc_del(doc, "actor");
	assert_rejected(doc, PROTO_MISSING_FIELD, "actor: is required on declaration.submitted");
}

static void test_actor_with_unknown_role_is_invalid_field_listing_the_roles(void **state)
{
	json_t *doc = doc_declaration();

	(void)state;
	doc_set(doc, "actor.role", json_string("chief"));
	assert_rejected(doc, PROTO_INVALID_FIELD,
			"actor.role: must be one of subject, line_manager");
}

static void test_every_role_of_the_protocol_is_accepted_by_proto(void **state)
{
	(void)state;
	for (int r = ROLE_NONE + 1; r < ROLE_COUNT; r++) {
		json_t *doc = doc_declaration();

		doc_set(doc, "actor.role", json_string(proto_role_name((enum proto_role)r)));
		assert_accepted(doc);
	}
}

static void test_actor_keys_are_checked(void **state)
{
	json_t *doc;

	(void)state;
	doc = doc_declaration();
	doc_set(doc, "actor.name", json_string("Sam"));
	assert_rejected(doc, PROTO_INVALID_FIELD, "actor.name: unknown field");
	doc = doc_declaration();
	doc_del(doc, "actor.id");
	assert_rejected(doc, PROTO_MISSING_FIELD, "actor.id:");
	doc = doc_declaration();
	doc_del(doc, "actor.role");
	assert_rejected(doc, PROTO_MISSING_FIELD, "actor.role:");
	doc = doc_declaration();
	doc_set(doc, "actor.id", json_string(""));
	assert_rejected(doc, PROTO_INVALID_FIELD, "actor.id: must not be an empty string");
	doc = doc_declaration();
	doc_set(doc, "actor.id", json_integer(7));
	assert_rejected(doc, PROTO_INVALID_FIELD, "actor.id: must be a string");
	doc = doc_declaration();
	doc_set(doc, "actor.role", json_integer(7));
	assert_rejected(doc, PROTO_INVALID_FIELD, "actor.role: must be a string");
}

static void test_actor_id_longer_than_128_bytes_is_invalid_field(void **state)
{
	char s[130];
	json_t *doc = doc_declaration();

	(void)state;
	memset(s, 'a', 129);
	s[129] = '\0';
	doc_set(doc, "actor.id", json_string(s));
	assert_rejected(doc, PROTO_INVALID_FIELD, "actor.id: must be at most 128 bytes");
	doc = doc_declaration();
	s[128] = '\0';
	doc_set(doc, "actor.id", json_string(s));
	assert_accepted(doc);
}

/* ---- version ---- */

static void test_missing_v_is_missing_field(void **state)
{
	json_t *doc = doc_declaration();

	(void)state;
	doc_del(doc, "v");
	assert_rejected(doc, PROTO_MISSING_FIELD, "v: is required");
}

static void test_v_other_than_uint_1_is_unsupported_version(void **state)
{
	const char *values[] = {"2", "0", "-1", "1.0", "'1'", "null", "true", "[1]", "{}"};

	(void)state;
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		json_t *doc = doc_declaration();

		doc_set(
		    doc, "v",
		    json_loads(values[i][0] == '\'' ? "\"1\"" : values[i], JSON_DECODE_ANY, NULL));
		assert_rejected(doc, PROTO_UNSUPPORTED_VERSION, "v: ");
	}
}

static void test_unsupported_version_comes_before_missing_fields(void **state)
{
	(void)state;
	assert_rejected(doc_parse("{'v': 2}"), PROTO_UNSUPPORTED_VERSION,
			"this daemon speaks protocol version 1; got 2");
}

static void test_unsupported_version_reply_still_carries_a_valid_id(void **state)
{
	json_t *doc = doc_declaration();
	struct buf b;
	struct proto_event ev;
	struct proto_error err;
	char id[PROTO_ID_MAX + 1];

	(void)state;
	doc_set(doc, "v", json_integer(3));
	b = buf_pack(doc);
	json_decref(doc);
	assert_int_equal(decode_buf(&b, &ev, id, &err), -1);
	assert_int_equal(err.code, PROTO_UNSUPPORTED_VERSION);
	assert_string_equal(id, "decl-0001");
	buf_free(&b);
}

/* ---- envelope keys ---- */

static void test_each_missing_envelope_key_is_missing_field_naming_it(void **state)
{
	const char *keys[] = {"id", "type", "at", "actor", "body"};

	(void)state;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *doc = doc_declaration();
		char needle[32];

		doc_del(doc, keys[i]);
		snprintf(needle, sizeof(needle), "%s: is required", keys[i]);
		assert_rejected(doc, PROTO_MISSING_FIELD, needle);
	}
}

static void test_wrong_type_for_each_envelope_key_is_invalid_field_naming_it(void **state)
{
	static const struct {
		const char *key, *json, *needle;
	} rows[] = {
	    {"id", "123", "id: must be a string; got an unsigned integer"},
	    {"id", "null", "id: must be a string; got nil"},
	    {"id", "['a']", "id: must be a string; got an array"},
	    {"type", "1", "type: must be a string"},
	    {"type", "{}", "type: must be a string; got a map"},
	    {"at", "'2026-01-01'", "at: must be an unsigned integer"},
	    {"at", "-5",
	     "at: must be an unsigned integer (ms since the Unix epoch); got a "
	     "negative integer"},
	    {"at", "1.5", "at: must be an unsigned integer (ms since the Unix epoch); got a float"},
	    {"at", "true", "at: must be an unsigned integer"},
	    {"actor", "'E1234'", "actor: must be a map"},
	    {"actor", "[]", "actor: must be a map"},
	    {"actor", "null", "actor: must be a map"},
	    {"case", "'NA-2026-000001'", "case: must be absent on declaration.submitted"},
	    {"body", "[]", "body: must be a map; got an array"},
	    {"body", "'x'", "body: must be a map; got a string"},
	    {"body", "null", "body: must be a map; got nil"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char text[64];
		json_t *doc = doc_declaration();

		snprintf(text, sizeof(text), "%s", rows[i].json);
		for (char *c = text; *c; c++)
			if (*c == '\'')
				*c = '"';
		doc_set(doc, rows[i].key, json_loads(text, JSON_DECODE_ANY, NULL));
		assert_rejected(doc, PROTO_INVALID_FIELD, rows[i].needle);
	}
}

static void test_unknown_top_level_key_is_invalid_field_naming_it(void **state)
{
	json_t *doc = doc_declaration();

	(void)state;
	doc_set(doc, "colour", json_string("red"));
	assert_rejected(doc, PROTO_INVALID_FIELD,
			"colour: unknown field; allowed here: v, id, type, at, actor, case, body");
}

static void test_misspelt_top_level_key_is_never_dropped(void **state)
{
	json_t *doc = doc_declaration();

	(void)state;
	doc_set(doc, "Body", json_object());
	assert_rejected(doc, PROTO_INVALID_FIELD, "Body: unknown field");
}

/* Map {"v":1, "v":1, ...}: packed by hand since JSON cannot repeat a key. */
static void test_duplicate_top_level_key_is_invalid_field_naming_it(void **state)
{
	json_t *doc = doc_declaration();
	struct buf b;

	(void)state;
	doc_set(doc, "at", json_integer(1));
	doc_set(doc, "zz", json_integer(2));
	b = buf_pack(doc);
	json_decref(doc);
	buf_patch(&b, "\xa2zz",
		  "\xa2"
		  "at",
		  3);
	assert_rejected_buf(&b, PROTO_INVALID_FIELD, "at: appears twice");
	buf_free(&b);
}

static void test_duplicate_body_key_is_invalid_field_naming_it(void **state)
{
	json_t *doc = doc_declaration();
	struct buf b;

	(void)state;
	doc_set(doc, "body.zzzzzzzzzzzz", json_true());
	b = buf_pack(doc);
	json_decref(doc);
	buf_patch(&b, "\xaczzzzzzzzzzzz",
		  "\xac"
		  "social_media",
		  13);
	assert_rejected_buf(&b, PROTO_INVALID_FIELD, "body.social_media: appears twice");
	buf_free(&b);
}

static void test_id_of_the_allowed_charset_and_length_is_accepted(void **state)
{
	char s[PROTO_ID_MAX + 1];
	const char *ids[] = {"a", "0", "550e8400-e29b-41d4-a716-446655440000", "a.b_c:d-E", s};

	(void)state;
	memset(s, 'x', PROTO_ID_MAX);
	s[PROTO_ID_MAX] = '\0';
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		json_t *doc = doc_declaration();

		doc_set(doc, "id", json_string(ids[i]));
		assert_accepted(doc);
	}
}

static void test_id_outside_charset_or_length_is_invalid_field(void **state)
{
	char s[PROTO_ID_MAX + 2];
	const char *ids[] = {"", "has space", "a/b", "caf\xc3\xa9", "semi;colon", "nl\n", s};

	(void)state;
	memset(s, 'x', PROTO_ID_MAX + 1);
	s[PROTO_ID_MAX + 1] = '\0';
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		json_t *doc = doc_declaration();

		doc_set(doc, "id", json_string(ids[i]));
		assert_rejected(doc, PROTO_INVALID_FIELD, "id: must be 1-128 characters");
	}
}

static void test_ret_id_is_empty_when_the_id_is_invalid(void **state)
{
	json_t *doc = doc_declaration();
	struct buf b;
	struct proto_event ev;
	struct proto_error err;
	char id[PROTO_ID_MAX + 1] = "garbage";

	(void)state;
	doc_set(doc, "id", json_string("no good"));
	b = buf_pack(doc);
	json_decref(doc);
	assert_int_equal(decode_buf(&b, &ev, id, &err), -1);
	assert_string_equal(id, "");
	buf_free(&b);
}

static void test_ret_id_is_copied_even_when_the_body_fails(void **state)
{
	json_t *doc = doc_declaration();
	struct buf b;
	struct proto_event ev;
	struct proto_error err;
	char id[PROTO_ID_MAX + 1];

	(void)state;
	doc_set(doc, "body.categories", json_array());
	b = buf_pack(doc);
	json_decref(doc);
	assert_int_equal(decode_buf(&b, &ev, id, &err), -1);
	assert_int_equal(err.code, PROTO_INVALID_FIELD);
	assert_string_equal(id, "decl-0001");
	buf_free(&b);
}

static void test_ret_id_is_empty_when_the_bytes_are_malformed(void **state)
{
	struct buf b = buf_copy("\x91\x01", 2);
	struct proto_event ev;
	struct proto_error err;
	char id[PROTO_ID_MAX + 1] = "garbage";

	(void)state;
	assert_int_equal(decode_buf(&b, &ev, id, &err), -1);
	assert_int_equal(err.code, PROTO_MALFORMED);
	assert_string_equal(id, "");
	buf_free(&b);
}

/* ---- at ---- */

static void test_at_in_the_past_or_within_clock_skew_is_accepted(void **state)
{
	const uint64_t ats[] = {0, 1, NOW_MS, NOW_MS + 300000};

	(void)state;
	for (size_t i = 0; i < sizeof(ats) / sizeof(ats[0]); i++) {
		json_t *doc = doc_declaration();

		doc_set(doc, "at", json_integer((json_int_t)ats[i]));
		assert_accepted(doc);
	}
}

static void test_at_more_than_clock_skew_ahead_is_invalid_field(void **state)
{
	json_t *doc = doc_declaration();

	(void)state;
	doc_set(doc, "at", json_integer((json_int_t)(NOW_MS + 300001)));
	assert_rejected(doc, PROTO_INVALID_FIELD,
			"at: lies 300001 ms in the future, more than the allowed clock skew of "
			"300000 ms");
}

static void test_at_of_uint64_max_is_invalid_field_without_overflow(void **state)
{
	json_t *doc = doc_declaration();
	struct buf b;

	(void)state;
	doc_set(doc, "at", json_integer(0x0102030405060708));
	b = buf_pack(doc);
	json_decref(doc);
	buf_patch(&b, "\xcf\x01\x02\x03\x04\x05\x06\x07\x08",
		  "\xcf\xff\xff\xff\xff\xff\xff\xff\xff", 9);
	assert_rejected_buf(&b, PROTO_INVALID_FIELD, "at: lies");
	buf_free(&b);
}

static void test_clock_skew_comes_from_the_limits(void **state)
{
	json_t *doc = doc_declaration();
	struct buf b;
	struct proto_event ev;
	struct proto_error err;
	char id[PROTO_ID_MAX + 1];
	struct proto_limits lim = {.clock_skew_ms = 0};

	(void)state;
	doc_set(doc, "at", json_integer((json_int_t)(NOW_MS + 1)));
	b = buf_pack(doc);
	json_decref(doc);
	assert_int_equal(proto_event_decode(&ev, b.p, b.len, NOW_MS, &lim, id, &err), -1);
	assert_int_equal(err.code, PROTO_INVALID_FIELD);
	assert_int_equal(proto_event_decode(&ev, b.p, b.len, NOW_MS + 1, &lim, id, &err), 0);
	proto_event_release(&ev);
	buf_free(&b);
}

/* ---- type ---- */

static void test_unknown_type_is_unknown_type(void **state)
{
	json_t *doc = doc_declaration();

	(void)state;
	doc_set(doc, "type", json_string("declaration.submited"));
	assert_rejected(doc, PROTO_UNKNOWN_TYPE,
			"type: \"declaration.submited\" is not an event type");
}

static void test_empty_type_is_invalid_field(void **state)
{
	json_t *doc = doc_declaration();

	(void)state;
	doc_set(doc, "type", json_string(""));
	assert_rejected(doc, PROTO_INVALID_FIELD, "type: must not be an empty string");
}

static void test_unknown_type_is_reported_before_the_body(void **state)
{
	json_t *doc = doc_declaration();

	(void)state;
	doc_set(doc, "type", json_string("x.y"));
	doc_set(doc, "body", json_object());
	assert_rejected(doc, PROTO_UNKNOWN_TYPE, NULL);
}

static void test_envelope_errors_come_before_body_errors(void **state)
{
	json_t *doc = doc_declaration();

	(void)state;
	doc_set(doc, "at", json_string("yesterday"));
	doc_set(doc, "body.relationship", json_string("cousin"));
	assert_rejected(doc, PROTO_INVALID_FIELD, "at:");
}

/* ---- case ---- */

static const struct proto_field no_fields[] = {{.name = NULL, .type = PF_END}};
static const struct proto_type case_table[] = {
    {.name = "test.on_case", .opens = KIND_NONE, .actor_required = true, .body = no_fields},
    {.name = NULL},
};

static int decode_case_event(const char *case_json, struct proto_event *ev, struct proto_error *err)
{
	char text[256];
	json_t *doc;
	struct buf b;
	char id[PROTO_ID_MAX + 1];
	int r;

	snprintf(text, sizeof(text),
		 "{'v':1,'id':'c1','type':'test.on_case','at':1,"
		 "'actor':{'id':'P1','role':'psd'},'body':{}%s%s}",
		 case_json ? ",'case':" : "", case_json ? case_json : "");
	doc = doc_parse(text);
	b = buf_pack(doc);
	json_decref(doc);
	r = proto_event_decode_in(case_table, ev, b.p, b.len, NOW_MS, NULL, id, err);
	if (r == 0)
		proto_event_release(ev); /* only the verdict is used */
	buf_free(&b);
	return r;
}

static void test_event_on_an_existing_case_needs_case(void **state)
{
	struct proto_event ev;
	struct proto_error err;

	(void)state;
	assert_int_equal(decode_case_event(NULL, &ev, &err), -1);
	assert_int_equal(err.code, PROTO_MISSING_FIELD);
	assert_non_null(strstr(err.message, "case: is required"));
}

static void test_case_reference_is_read_on_an_existing_case_event(void **state)
{
	json_t *doc = doc_parse("{'v':1,'id':'c1','type':'test.on_case','at':1,"
				"'actor':{'id':'P1','role':'psd'},'body':{},"
				"'case':'NA-2026-000001'}");
	struct buf b = buf_pack(doc);
	struct proto_event ev;
	struct proto_error err;
	char id[PROTO_ID_MAX + 1];

	(void)state;
	json_decref(doc);
	assert_int_equal(proto_event_decode_in(case_table, &ev, b.p, b.len, NOW_MS, NULL, id, &err),
			 0);
	assert_true(proto_str_eq(ev.case_ref, "NA-2026-000001"));
	assert_int_equal(ev.actor_role, ROLE_PSD);
	proto_event_release(&ev);
	buf_free(&b);
}

/* WORKFLOW.md "Events on an NA case": a real type acts on the case it names */
static void test_na_event_on_a_case_is_read_with_case_actor_and_body(void **state)
{
	json_t *doc =
	    doc_parse("{'v':1,'id':'aa-1','type':'aa.determined','at':1,"
		      "'actor':{'id':'AA1','role':'aa'},'case':'NA-2026-000042',"
		      "'body':{'decision':'conditions','reasons':'r','review_period':'6mo',"
		      "'conditions':[{'code':'no_contact','text':'t'}]}}");
	struct buf b = buf_pack(doc);
	struct proto_event ev;
	struct proto_error err;
	char id[PROTO_ID_MAX + 1];
	const msgpack_object *conds;

	(void)state;
	json_decref(doc);
	assert_int_equal(decode_buf(&b, &ev, id, &err), 0);
	assert_string_equal(ev.type->name, "aa.determined");
	assert_int_equal(ev.type->opens, KIND_NONE);
	assert_true(proto_str_eq(ev.case_ref, "NA-2026-000042"));
	assert_int_equal(ev.actor_role, ROLE_AA);
	assert_obj_str(proto_map_get(ev.body, "decision"), "conditions");
	assert_obj_str(proto_map_get(ev.body, "review_period"), "6mo");
	conds = proto_map_get(ev.body, "conditions");
	assert_non_null(conds);
	assert_int_equal(conds->via.array.size, 1);
	assert_obj_str(proto_map_get(&conds->via.array.ptr[0], "code"), "no_contact");
	proto_event_release(&ev);
	buf_free(&b);
}

static void test_case_reference_must_be_1_to_32_reference_characters(void **state)
{
	struct proto_event ev;
	struct proto_error err;
	const char *bad[] = {"''", "'NA 1'", "'NA-2026-000001-xxxxxxxxxxxxxxxxxx'", "7", "null"};

	(void)state;
	assert_int_equal(decode_case_event("'NA-2026-000001-xxxxxxxxxxxxxxxxx'", &ev, &err), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(decode_case_event(bad[i], &ev, &err), -1);
		assert_int_equal(err.code, PROTO_INVALID_FIELD);
		assert_non_null(strstr(err.message, "case: must be"));
	}
}

/* ---- bodies ---- */

static void test_empty_categories_is_invalid_field(void **state)
{
	json_t *doc = doc_declaration();

	(void)state;
	doc_set(doc, "body.categories", json_array());
	assert_rejected(doc, PROTO_INVALID_FIELD,
			"body.categories: must be a non-empty array of category names; got 0 "
			"items");
}

static void test_unknown_category_is_invalid_field_naming_its_index(void **state)
{
	json_t *doc = doc_declaration();

	(void)state;
	doc_set(doc, "body.categories", doc_parse("['media', 'gossip']"));
	assert_rejected(doc, PROTO_INVALID_FIELD, "body.categories[1]: must be one of");
}

static void test_repeated_category_is_invalid_field(void **state)
{
	json_t *doc = doc_declaration();

	(void)state;
	doc_set(doc, "body.categories", doc_parse("['media', 'extremist', 'media']"));
	assert_rejected(doc, PROTO_INVALID_FIELD, "body.categories[2]: \"media\" is listed twice");
}

static void test_categories_of_the_wrong_shape_are_invalid_field(void **state)
{
	json_t *doc = doc_declaration();

	(void)state;
	doc_set(doc, "body.categories", json_string("media"));
	assert_rejected(doc, PROTO_INVALID_FIELD,
			"body.categories: must be an array of category names; got a string");
	doc = doc_declaration();
	doc_set(doc, "body.categories", doc_parse("[1]"));
	assert_rejected(doc, PROTO_INVALID_FIELD, "body.categories[0]: must be a string");
}

static void test_every_category_of_workflow_is_accepted(void **state)
{
	json_t *doc = doc_referral();

	(void)state;
	doc_set(doc, "body.categories",
		doc_parse("['criminal_conviction', 'charged', 'under_investigation',"
			  " 'criminal_intelligence', 'dismissed_officer',"
			  " 'former_officer_investigator', 'private_investigator', 'vigilante',"
			  " 'anti_police_protest', 'media', 'extremist', 'business_conflict',"
			  " 'intimate_via_policing', 'victim_witness_live_case', 'other']"));
	assert_accepted(doc);
}

static void test_declaration_subject_without_vetting_is_missing_field(void **state)
{
	json_t *doc = doc_declaration();

	(void)state;
	doc_del(doc, "body.subject.vetting");
	assert_rejected(doc, PROTO_MISSING_FIELD, "body.subject.vetting: is required");
	doc = doc_declaration();
	doc_del(doc, "body.subject.line_manager");
	assert_rejected(doc, PROTO_MISSING_FIELD, "body.subject.line_manager: is required");
}

/* Staff ids key the subject index (NUL-separated) and reach terminals: no control bytes. */
static void test_control_bytes_in_staff_ids_are_invalid_field(void **state)
{
	json_t *doc = doc_declaration();

	(void)state;
	doc_set(doc, "body.subject.line_manager", json_stringn("M\0X", 3));
	assert_rejected(doc, PROTO_INVALID_FIELD,
			"body.subject.line_manager: must not contain control characters");
	doc = doc_declaration();
	doc_set(doc, "actor.id", json_string("P\x1b[2J"));
	assert_rejected(doc, PROTO_INVALID_FIELD, "actor.id: must not contain control characters");
	doc = doc_declaration();
	doc_set(doc, "body.subject.id", json_string("PC 1234"));
	doc_set(doc, "actor.id", json_string("PC 1234"));
	assert_accepted(doc);
}

static void test_each_required_body_field_missing_is_missing_field_naming_it(void **state)
{
	const char *decl[] = {"body.subject",        "body.associate",     "body.relationship",
			      "body.categories",     "body.circumstances", "body.subject.id",
			      "body.associate.name", "body.associate.kind"};
	const char *ref[] = {"body.subject", "body.associate", "body.categories",
			     "body.circumstances", "body.subject.id"};

	(void)state;
	for (size_t i = 0; i < sizeof(decl) / sizeof(decl[0]); i++) {
		json_t *doc = doc_declaration();

		doc_del(doc, decl[i]);
		assert_rejected(doc, PROTO_MISSING_FIELD, decl[i]);
	}
	for (size_t i = 0; i < sizeof(ref) / sizeof(ref[0]); i++) {
		json_t *doc = doc_referral();

		doc_del(doc, ref[i]);
		assert_rejected(doc, PROTO_MISSING_FIELD, ref[i]);
	}
}

static void test_unknown_body_key_is_invalid_field_naming_it(void **state)
{
	json_t *doc = doc_declaration();

	(void)state;
	doc_set(doc, "body.circumstance", json_string("typo"));
	assert_rejected(doc, PROTO_INVALID_FIELD,
			"body.circumstance: unknown field; allowed here:");
}

/* REGISTERS.md "Management data": a subject may carry characteristics, each optional, each
 * from its fixed list; anything else is invalid_field naming it. */
static void test_subject_characteristics_are_accepted_each_or_all(void **state)
{
	json_t *doc = doc_declaration();

	(void)state;
	doc_set(doc, "body.subject.characteristics",
		doc_parse("{'sex':'female','ethnicity':'not_stated','age_band':'25_34',"
			  "'disability':'no','religion':'sikh','sexual_orientation':'bisexual'}"));
	assert_accepted(doc);
	doc = doc_declaration();
	doc_set(doc, "body.subject.characteristics", doc_parse("{}"));
	assert_accepted(doc);
	doc = doc_referral();
	doc_set(doc, "body.subject.characteristics", doc_parse("{'age_band':'55_over'}"));
	assert_accepted(doc);
}

static void test_subject_characteristic_outside_its_list_is_invalid_field(void **state)
{
	json_t *doc = doc_declaration();

	(void)state;
	doc_set(doc, "body.subject.characteristics", doc_parse("{'sex':'unknown'}"));
	assert_rejected(
	    doc, PROTO_INVALID_FIELD,
	    "body.subject.characteristics.sex: must be one of female, male, not_stated");
	doc = doc_referral();
	doc_set(doc, "body.subject.characteristics", doc_parse("{'religion':1}"));
	assert_rejected(doc, PROTO_INVALID_FIELD, "body.subject.characteristics.religion:");
	doc = doc_declaration();
	doc_set(doc, "body.subject.characteristics", json_string("female"));
	assert_rejected(doc, PROTO_INVALID_FIELD, "body.subject.characteristics: must be a map");
}

static void test_unknown_characteristic_is_invalid_field_naming_it(void **state)
{
	json_t *doc = doc_declaration();

	(void)state;
	doc_set(doc, "body.subject.characteristics", doc_parse("{'gender':'female'}"));
	assert_rejected(doc, PROTO_INVALID_FIELD,
			"body.subject.characteristics.gender: unknown field; allowed here: sex, "
			"ethnicity, age_band, disability, religion, sexual_orientation");
}

static void test_unknown_nested_body_key_is_invalid_field_naming_it(void **state)
{
	json_t *doc = doc_declaration();

	(void)state;
	doc_set(doc, "body.subject.vettng", json_string("MV"));
	assert_rejected(doc, PROTO_INVALID_FIELD,
			"body.subject.vettng: unknown field; allowed here: id, name, rank, "
			"department, vetting, line_manager, characteristics");
	doc = doc_declaration();
	doc_set(doc, "body.associate.age", json_integer(40));
	assert_rejected(doc, PROTO_INVALID_FIELD, "body.associate.age: unknown field");
}

static void test_relationship_is_not_part_of_a_referral(void **state)
{
	json_t *doc = doc_referral();

	(void)state;
	doc_set(doc, "body.relationship", json_string("friend"));
	assert_rejected(doc, PROTO_INVALID_FIELD, "body.relationship: unknown field");
}

static void test_declaration_flags_are_not_part_of_a_referral(void **state)
{
	json_t *doc = doc_referral();

	(void)state;
	doc_set(doc, "body.bypass_manager", json_true());
	assert_rejected(doc, PROTO_INVALID_FIELD, "body.bypass_manager: unknown field");
	doc = doc_declaration();
	doc_set(doc, "body.anonymous", json_true());
	assert_rejected(doc, PROTO_INVALID_FIELD, "body.anonymous: unknown field");
}

static void test_enum_fields_outside_their_lists_are_invalid_field(void **state)
{
	static const struct {
		const char *path, *value, *needle;
	} rows[] = {
	    {"body.subject.vetting", "TS",
	     "body.subject.vetting: must be one of RV, MV, CTC, SC, DV, NPPV1, NPPV2, NPPV3; "
	     "got \"TS\""},
	    {"body.subject.vetting", "mv", "body.subject.vetting: must be one of"},
	    {"body.associate.kind", "company",
	     "body.associate.kind: must be one of person, group; got \"company\""},
	    {"body.relationship", "cousin", "body.relationship: must be one of family, friend"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		json_t *doc = doc_declaration();

		doc_set(doc, rows[i].path, json_string(rows[i].value));
		assert_rejected(doc, PROTO_INVALID_FIELD, rows[i].needle);
	}
}

static void test_started_on_must_be_a_real_calendar_date(void **state)
{
	const char *good[] = {"2024-02-29", "2000-02-29", "1999-12-31", "2026-01-01"};
	const char *bad[] = {"2023-02-29",       "1900-02-29", "2024-13-01", "2024-00-10",
			     "2024-04-31",       "24-01-01",   "2024-1-01",  "2024/01/01",
			     "2024-01-01T00:00", "0000-01-01", "abcd-ef-gh"};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		json_t *doc = doc_declaration();

		doc_set(doc, "body.started_on", json_string(good[i]));
		assert_accepted(doc);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *doc = doc_declaration();

		doc_set(doc, "body.started_on", json_string(bad[i]));
		assert_rejected(doc, PROTO_INVALID_FIELD,
				"body.started_on: must be a real calendar date written YYYY-MM-DD");
	}
	json_t *doc = doc_declaration();
	doc_set(doc, "body.started_on", json_integer(20240101));
	assert_rejected(doc, PROTO_INVALID_FIELD, "body.started_on: must be a date string");
}

static void test_flags_must_be_booleans(void **state)
{
	const char *flags[] = {"body.social_media", "body.home_working", "body.vulnerable",
			       "body.bypass_manager"};

	(void)state;
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		json_t *doc = doc_declaration();

		doc_set(doc, flags[i], json_string("yes"));
		assert_rejected(doc, PROTO_INVALID_FIELD, flags[i]);
	}
	json_t *doc = doc_referral();
	doc_set(doc, "body.anonymous", json_integer(1));
	assert_rejected(doc, PROTO_INVALID_FIELD,
			"body.anonymous: must be true or false; got an unsigned integer");
}

static void test_empty_or_overlong_strings_are_invalid_field(void **state)
{
	static char big[PROTO_TEXT_MAX + 2];
	json_t *doc = doc_declaration();

	(void)state;
	doc_set(doc, "body.circumstances", json_string(""));
	assert_rejected(doc, PROTO_INVALID_FIELD,
			"body.circumstances: must not be an empty string");
	memset(big, 'a', sizeof(big) - 1);
	doc = doc_declaration();
	big[257] = '\0';
	doc_set(doc, "body.associate.name", json_string(big));
	assert_rejected(doc, PROTO_INVALID_FIELD,
			"body.associate.name: must be at most 256 bytes long; got 257 bytes");
	doc = doc_declaration();
	big[257] = 'a';
	big[PROTO_TEXT_MAX] = 'a';
	big[PROTO_TEXT_MAX + 1] = '\0';
	doc_set(doc, "body.circumstances", json_string(big));
	assert_rejected(doc, PROTO_INVALID_FIELD, "body.circumstances: must be at most 16384");
	doc = doc_declaration();
	big[PROTO_TEXT_MAX] = '\0';
	doc_set(doc, "body.circumstances", json_string(big));
	assert_accepted(doc);
}

static void test_nil_for_an_optional_field_is_invalid_field_not_absence(void **state)
{
	json_t *doc = doc_declaration();

	(void)state;
	doc_set(doc, "body.subject.name", json_null());
	assert_rejected(doc, PROTO_INVALID_FIELD, "body.subject.name: must be a string; got nil");
}

static void test_subject_must_be_a_map(void **state)
{
	json_t *doc = doc_declaration();

	(void)state;
	doc_set(doc, "body.subject", json_string("E1234"));
	assert_rejected(doc, PROTO_INVALID_FIELD, "body.subject: must be a map; got a string");
}

/* ---- UTF-8 ---- */

static const struct {
	const char *name;
	const char bytes[4];
} bad_utf8[] = {
    {"overlong /", "\xc0\xaf"
		   "ab"},
    {"overlong NUL", "a\xc0\x80"
		     "b"},
    {"overlong 3-byte", "\xe0\x80\xaf"
			"a"},
    {"overlong 4-byte", "\xf0\x80\x80\xaf"},
    {"surrogate", "\xed\xa0\x80"
		  "a"},
    {"low surrogate", "\xed\xbf\xbf"
		      "a"},
    {"above U+10FFFF", "\xf4\x90\x80\x80"},
    {"0xf5 lead", "\xf5\x80\x80\x80"},
    {"truncated sequence", "abc\xe2"},
    {"truncated mid", "a\xe2\x82"
		      "b"},
    {"lone continuation", "\x80"
			  "abc"},
    {"0xff", "ab\xff"
	     "c"},
};

static void test_bad_utf8_in_a_body_string_is_invalid_field_naming_it(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_utf8) / sizeof(bad_utf8[0]); i++) {
		json_t *doc = doc_declaration();
		struct buf b;

		doc_set(doc, "body.associate.details", json_string("QQQQ"));
		b = buf_pack(doc);
		json_decref(doc);
		buf_patch(&b, "QQQQ", bad_utf8[i].bytes, 4);
		print_message("%s\n", bad_utf8[i].name);
		assert_rejected_buf(&b, PROTO_INVALID_FIELD,
				    "body.associate.details: must be valid UTF-8");
		buf_free(&b);
	}
}

static void test_bad_utf8_in_an_envelope_string_is_invalid_field_naming_it(void **state)
{
	static const struct {
		const char *path, *needle;
	} rows[] = {
	    {"actor.id", "actor.id: must be valid UTF-8"},
	    {"type", "type: must be valid UTF-8"},
	    {"body.categories", "body.categories[0]: must be one of"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		json_t *doc = doc_declaration();
		struct buf b;

		doc_set(doc, rows[i].path,
			strcmp(rows[i].path, "body.categories") == 0 ? doc_parse("['QQQQ']")
								     : json_string("QQQQ"));
		b = buf_pack(doc);
		json_decref(doc);
		buf_patch(&b, "QQQQ",
			  "\xed\xa0\x80"
			  "a",
			  4);
		assert_rejected_buf(&b, PROTO_INVALID_FIELD, rows[i].needle);
		buf_free(&b);
	}
}

static void test_valid_multibyte_utf8_is_accepted(void **state)
{
	json_t *doc = doc_declaration();

	(void)state;
	/* é, €, U+10FFFF, 😀 */
	doc_set(doc, "body.associate.name",
		json_string("Zo\xc3\xab \xe2\x82\xac \xf4\x8f\xbf\xbf "
			    "\xf0\x9f\x98\x80"));
	assert_accepted(doc);
}

static void test_unknown_key_with_bad_bytes_is_named_in_printable_ascii(void **state)
{
	json_t *doc = doc_declaration();
	struct buf b;

	(void)state;
	doc_set(doc, "body.QQQQ", json_true());
	b = buf_pack(doc);
	json_decref(doc);
	buf_patch(&b, "QQQQ", "\xff\n\"x", 4);
	assert_rejected_buf(&b, PROTO_INVALID_FIELD, "body.\"\\xff\\x0a\\x22x\": unknown field");
	buf_free(&b);
}

/* ---- limits given as NULL or zero mean the defaults ---- */

static void test_zero_limits_mean_the_defaults(void **state)
{
	json_t *doc = doc_declaration();
	struct buf b = buf_pack(doc);
	struct proto_event ev;
	struct proto_error err;
	char id[PROTO_ID_MAX + 1];
	struct proto_limits lim = {.clock_skew_ms = 1000};

	(void)state;
	json_decref(doc);
	assert_int_equal(proto_event_decode(&ev, b.p, b.len, NOW_MS, &lim, id, &err), 0);
	proto_event_release(&ev);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid_declaration_is_accepted_with_every_field_readable),
	    cmocka_unit_test(test_minimal_declaration_without_optional_fields_is_accepted),
	    cmocka_unit_test(test_valid_referral_is_accepted_with_every_field_readable),
	    cmocka_unit_test(test_anonymous_referral_without_actor_is_accepted_with_no_role),
	    cmocka_unit_test(test_referral_subject_needs_no_vetting_or_line_manager),
	    cmocka_unit_test(test_empty_body_map_of_a_type_without_required_fields_is_accepted),
	    cmocka_unit_test(test_anonymous_referral_with_actor_is_invalid_field),
	    cmocka_unit_test(test_named_referral_without_actor_is_missing_field),
	    cmocka_unit_test(test_referral_with_anonymous_false_and_no_actor_is_missing_field),
	    cmocka_unit_test(test_declaration_without_actor_is_missing_field),
	    cmocka_unit_test(test_actor_with_unknown_role_is_invalid_field_listing_the_roles),
	    cmocka_unit_test(test_every_role_of_the_protocol_is_accepted_by_proto),
	    cmocka_unit_test(test_actor_keys_are_checked),
	    cmocka_unit_test(test_actor_id_longer_than_128_bytes_is_invalid_field),
	    cmocka_unit_test(test_missing_v_is_missing_field),
	    cmocka_unit_test(test_v_other_than_uint_1_is_unsupported_version),
	    cmocka_unit_test(test_unsupported_version_comes_before_missing_fields),
	    cmocka_unit_test(test_unsupported_version_reply_still_carries_a_valid_id),
	    cmocka_unit_test(test_each_missing_envelope_key_is_missing_field_naming_it),
	    cmocka_unit_test(test_wrong_type_for_each_envelope_key_is_invalid_field_naming_it),
	    cmocka_unit_test(test_unknown_top_level_key_is_invalid_field_naming_it),
	    cmocka_unit_test(test_misspelt_top_level_key_is_never_dropped),
	    cmocka_unit_test(test_duplicate_top_level_key_is_invalid_field_naming_it),
	    cmocka_unit_test(test_duplicate_body_key_is_invalid_field_naming_it),
	    cmocka_unit_test(test_id_of_the_allowed_charset_and_length_is_accepted),
	    cmocka_unit_test(test_id_outside_charset_or_length_is_invalid_field),
	    cmocka_unit_test(test_ret_id_is_empty_when_the_id_is_invalid),
	    cmocka_unit_test(test_ret_id_is_copied_even_when_the_body_fails),
	    cmocka_unit_test(test_ret_id_is_empty_when_the_bytes_are_malformed),
	    cmocka_unit_test(test_at_in_the_past_or_within_clock_skew_is_accepted),
	    cmocka_unit_test(test_at_more_than_clock_skew_ahead_is_invalid_field),
	    cmocka_unit_test(test_at_of_uint64_max_is_invalid_field_without_overflow),
	    cmocka_unit_test(test_clock_skew_comes_from_the_limits),
	    cmocka_unit_test(test_unknown_type_is_unknown_type),
	    cmocka_unit_test(test_empty_type_is_invalid_field),
	    cmocka_unit_test(test_unknown_type_is_reported_before_the_body),
	    cmocka_unit_test(test_envelope_errors_come_before_body_errors),
	    cmocka_unit_test(test_event_on_an_existing_case_needs_case),
	    cmocka_unit_test(test_case_reference_is_read_on_an_existing_case_event),
	    cmocka_unit_test(test_na_event_on_a_case_is_read_with_case_actor_and_body),
	    cmocka_unit_test(test_case_reference_must_be_1_to_32_reference_characters),
	    cmocka_unit_test(test_empty_categories_is_invalid_field),
	    cmocka_unit_test(test_unknown_category_is_invalid_field_naming_its_index),
	    cmocka_unit_test(test_repeated_category_is_invalid_field),
	    cmocka_unit_test(test_categories_of_the_wrong_shape_are_invalid_field),
	    cmocka_unit_test(test_every_category_of_workflow_is_accepted),
	    cmocka_unit_test(test_declaration_subject_without_vetting_is_missing_field),
	    cmocka_unit_test(test_control_bytes_in_staff_ids_are_invalid_field),
	    cmocka_unit_test(test_each_required_body_field_missing_is_missing_field_naming_it),
	    cmocka_unit_test(test_unknown_body_key_is_invalid_field_naming_it),
	    cmocka_unit_test(test_unknown_nested_body_key_is_invalid_field_naming_it),
	    cmocka_unit_test(test_subject_characteristics_are_accepted_each_or_all),
	    cmocka_unit_test(test_subject_characteristic_outside_its_list_is_invalid_field),
	    cmocka_unit_test(test_unknown_characteristic_is_invalid_field_naming_it),
	    cmocka_unit_test(test_relationship_is_not_part_of_a_referral),
	    cmocka_unit_test(test_declaration_flags_are_not_part_of_a_referral),
	    cmocka_unit_test(test_enum_fields_outside_their_lists_are_invalid_field),
	    cmocka_unit_test(test_started_on_must_be_a_real_calendar_date),
	    cmocka_unit_test(test_flags_must_be_booleans),
	    cmocka_unit_test(test_empty_or_overlong_strings_are_invalid_field),
	    cmocka_unit_test(test_nil_for_an_optional_field_is_invalid_field_not_absence),
	    cmocka_unit_test(test_subject_must_be_a_map),
	    cmocka_unit_test(test_bad_utf8_in_a_body_string_is_invalid_field_naming_it),
	    cmocka_unit_test(test_bad_utf8_in_an_envelope_string_is_invalid_field_naming_it),
	    cmocka_unit_test(test_valid_multibyte_utf8_is_accepted),
	    cmocka_unit_test(test_unknown_key_with_bad_bytes_is_named_in_printable_ascii),
	    cmocka_unit_test(test_zero_limits_mean_the_defaults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
