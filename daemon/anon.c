#include "anon.h"

#include <string.h>

#include <sodium.h>

#define HASH_LEN (ANON_KEY_LEN - 1)

bool anon_is(const struct proto_event *ev)
{
	return ev->type->anon_flag && ev->body && proto_flag(ev->body, ev->type->anon_flag);
}

uint64_t anon_day(uint64_t ms)
{
	return ms - ms % PROTO_MS_PER_DAY;
}

static void id_hash(const struct proto_event *ev, uint8_t ret[HASH_LEN])
{
	crypto_generichash(ret, HASH_LEN, (const uint8_t *)ev->id.ptr, ev->id.len, NULL, 0);
}

void anon_event_key(const struct proto_event *ev, uint8_t ret[ANON_KEY_LEN])
{
	ret[0] = ANON_KEY_TAG;
	id_hash(ev, ret + 1);
}

void anon_redact(const struct proto_event *ev, msgpack_sbuffer *out)
{
	const msgpack_object_map *m = &ev->unpacked.data.via.map;
	char id[sizeof(ANON_ID_PREFIX) + 2 * HASH_LEN];
	uint8_t hash[HASH_LEN];
	msgpack_packer pk;

	id_hash(ev, hash);
	memcpy(id, ANON_ID_PREFIX, sizeof(ANON_ID_PREFIX) - 1);
	sodium_bin2hex(id + sizeof(ANON_ID_PREFIX) - 1, 2 * HASH_LEN + 1, hash, HASH_LEN);
	msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, m->size);
	for (uint32_t i = 0; i < m->size; i++) {
		const msgpack_object *k = &m->ptr[i].key;

		msgpack_pack_object(&pk, *k);
		if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == 2 &&
		    memcmp(k->via.str.ptr, "id", 2) == 0)
			proto_pack_cstr(&pk, id);
		else if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == 2 &&
			 memcmp(k->via.str.ptr, "at", 2) == 0)
			msgpack_pack_uint64(&pk, anon_day(ev->at));
		else
			msgpack_pack_object(&pk, m->ptr[i].val);
	}
}
