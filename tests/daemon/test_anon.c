/* anon: what the store keeps of an anonymous referral (anon.h). */
#include <string.h>

#include "store/anon.h"
#include "dtest.h"
#include "evjson.h"

#define NOW UINT64_C(1782236325019) /* 2026-06-23 17:38:45.019 UTC */
#define DAY UINT64_C(1782172800000) /* its day */
#define ANON_EV                                                                                    \
	"{'type': 'referral.submitted', 'id': 'form-7:reporter-jones', 'body': {"                  \
	"'subject': {'id': 'S-1', 'name': 'Chris Example'}, 'associate': {'name': 'Lee', "         \
	"'kind': 'person', 'details': 'club'}, 'categories': ['criminal_intelligence'], "          \
	"'circumstances': 'seen together', 'anonymous': true}}"

static const struct proto_limits limits = {
    .max_message_bytes = 65536,
    .clock_skew_ms = 300000,
    .max_depth = PROTO_DEFAULT_MAX_DEPTH,
    .max_items = PROTO_DEFAULT_MAX_ITEMS,
};

static void test_day_is_the_start_of_the_utc_day(void **state)
{
	(void)state;
	assert_int_equal(anon_day(NOW), DAY);
	assert_int_equal(anon_day(DAY), DAY);
	assert_int_equal(anon_day(DAY - 1), DAY - PROTO_MS_PER_DAY);
}

static void test_only_a_referral_flagged_anonymous_is_anonymous(void **state)
{
	struct proto_error err;
	struct evjson a, named;

	(void)state;
	assert_int_equal(evjson_decode(&a, NOW, NULL, &err, ANON_EV), 0);
	assert_true(anon_is(&a.ev));
	assert_int_equal(evjson_decode(&named, NOW, NULL, &err,
				       "{'type': 'referral.submitted', 'actor': {'id': 'R-1', "
				       "'role': 'reporter'}, 'body': {'subject': {'id': 'S-1', "
				       "'name': 'C'}, 'associate': {'name': 'L', 'kind': 'person', "
				       "'details': 'd'}, 'categories': ['criminal_intelligence'], "
				       "'circumstances': 'c', 'anonymous': false}}"),
			 0);
	assert_false(anon_is(&named.ev));
	evjson_release(&a);
	evjson_release(&named);
}

/* The key can never equal an id, and does not hold the id. */
static void test_event_key_is_a_tagged_hash_of_the_id(void **state)
{
	uint8_t key[ANON_KEY_LEN], again[ANON_KEY_LEN], hash[ANON_HASH_LEN];
	struct proto_error err;
	struct evjson a;

	(void)state;
	assert_int_equal(evjson_decode(&a, NOW, NULL, &err, ANON_EV), 0);
	anon_id_hash(NULL, &a.ev, hash);
	anon_event_key(hash, key);
	anon_id_hash(NULL, &a.ev, hash);
	anon_event_key(hash, again);
	assert_memory_equal(key, again, sizeof(key));
	assert_int_equal(key[0], ANON_KEY_TAG);
	assert_null(memmem(key, sizeof(key), "jones", 5));
	evjson_release(&a);
}

/* Keyed, the hash is another: nobody without the store's secret can confirm a guessed id. */
static void test_a_keyed_id_hash_differs_by_key(void **state)
{
	uint8_t plain[ANON_KEY_LEN], k1[ANON_KEY_LEN], k2[ANON_KEY_LEN];
	uint8_t s1[ANON_SECRET], s2[ANON_SECRET], hash[ANON_HASH_LEN];
	struct proto_error err;
	struct evjson a;

	(void)state;
	memset(s1, 1, sizeof(s1));
	memset(s2, 2, sizeof(s2));
	assert_int_equal(evjson_decode(&a, NOW, NULL, &err, ANON_EV), 0);
	anon_id_hash(NULL, &a.ev, hash);
	anon_event_key(hash, plain);
	anon_id_hash(s1, &a.ev, hash);
	anon_event_key(hash, k1);
	anon_id_hash(s2, &a.ev, hash);
	anon_event_key(hash, k2);
	assert_memory_not_equal(plain, k1, ANON_KEY_LEN);
	assert_memory_not_equal(k1, k2, ANON_KEY_LEN);
	anon_id_hash(s1, &a.ev, hash);
	anon_event_key(hash, k2);
	assert_memory_equal(k1, k2, ANON_KEY_LEN);
	evjson_release(&a);
}

/* The redacted event decodes as a valid event: same type and body, the id a hash, at its day,
 * and nothing of the original id or instant left in its bytes. */
static void test_redacted_event_keeps_the_body_and_drops_id_and_instant(void **state)
{
	char id[PROTO_ID_MAX + 1];
	uint8_t hash[ANON_HASH_LEN];
	msgpack_sbuffer out;
	struct proto_error err;
	struct proto_event re;
	struct evjson a;
	uint8_t at_be[8];

	(void)state;
	assert_int_equal(evjson_decode(&a, NOW, NULL, &err, ANON_EV), 0);
	msgpack_sbuffer_init(&out);
	anon_id_hash(NULL, &a.ev, hash);
	anon_redact(hash, &a.ev, &out);
	assert_int_equal(
	    proto_event_decode(&re, (const uint8_t *)out.data, out.size, NOW, &limits, id, &err),
	    0);
	assert_true(re.type == a.ev.type);
	assert_int_equal(re.at, DAY);
	{
		const msgpack_object *c = proto_map_get(re.body, "circumstances");

		assert_non_null(c);
		assert_int_equal(c->via.str.size, strlen("seen together"));
		assert_memory_equal(c->via.str.ptr, "seen together", c->via.str.size);
	}
	assert_int_equal(re.id.len, strlen(ANON_ID_PREFIX) + 2 * (ANON_KEY_LEN - 1));
	assert_memory_equal(re.id.ptr, ANON_ID_PREFIX, strlen(ANON_ID_PREFIX));
	assert_null(memmem(out.data, out.size, "jones", 5));
	for (int i = 0; i < 8; i++)
		at_be[i] = (uint8_t)(NOW >> (56 - 8 * i));
	assert_null(memmem(out.data, out.size, at_be, sizeof(at_be)));
	/* the same event redacts to the same bytes: a resend is still a duplicate */
	{
		msgpack_sbuffer again;

		msgpack_sbuffer_init(&again);
		anon_id_hash(NULL, &a.ev, hash);
		anon_redact(hash, &a.ev, &again);
		assert_int_equal(again.size, out.size);
		assert_memory_equal(again.data, out.data, out.size);
		msgpack_sbuffer_destroy(&again);
	}
	proto_event_release(&re);
	msgpack_sbuffer_destroy(&out);
	evjson_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_day_is_the_start_of_the_utc_day),
	    cmocka_unit_test(test_only_a_referral_flagged_anonymous_is_anonymous),
	    cmocka_unit_test(test_event_key_is_a_tagged_hash_of_the_id),
	    cmocka_unit_test(test_a_keyed_id_hash_differs_by_key),
	    cmocka_unit_test(test_redacted_event_keeps_the_body_and_drops_id_and_instant),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
