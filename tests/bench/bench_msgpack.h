/* bench_msgpack: the MessagePack the benchmark programs that speak to the daemon share: the
 * one `declaration.submitted` event they send (bench_intake through the socket, bench_fill
 * straight into the store), and reading a string-keyed map of a reply or a notification.
 * Header-only (static inline), as bench_util.h is. */
#ifndef BENCH_MSGPACK_H
#define BENCH_MSGPACK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <inttypes.h>
#include <msgpack.h>

#define BENCH_CIRCUMSTANCES                                                                        \
	"My brother-in-law was convicted in 2019 of handling stolen goods and was released "       \
	"on licence last year. I see him at family events several times a year, mostly at "        \
	"my parents' house, and we have no financial dealings. He knows where I work and "         \
	"has asked about it in general terms but never about any case or person. I have "          \
	"not discussed police business with him and will not. I am declaring this so that "        \
	"my line manager and PSD can decide whether any advice or condition is needed."

static inline void bench_pack_str(msgpack_packer *pk, const char *s)
{
	size_t n = strlen(s);
	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, s, n);
}

/* A valid `declaration.submitted` (PROTOCOL.md) into sb, replacing what it held: event id,
 * subject S<subject_no> with line manager LM<subject_no % 700>, associate "Associate
 * Person <associate_no>", received at `at` (ms since the epoch). */
static inline void bench_encode_declaration(msgpack_sbuffer *sb, const char *id,
					    unsigned subject_no, uint64_t associate_no, uint64_t at)
{
	char subj[32], lm[32], assoc[48];
	snprintf(subj, sizeof(subj), "S%06u", subject_no);
	snprintf(lm, sizeof(lm), "LM%05u", subject_no % 700);
	snprintf(assoc, sizeof(assoc), "Associate Person %" PRIu64, associate_no);

	msgpack_sbuffer_clear(sb);
	msgpack_packer pk;
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 6);
	bench_pack_str(&pk, "v");
	msgpack_pack_uint32(&pk, 1);
	bench_pack_str(&pk, "id");
	bench_pack_str(&pk, id);
	bench_pack_str(&pk, "type");
	bench_pack_str(&pk, "declaration.submitted");
	bench_pack_str(&pk, "at");
	msgpack_pack_uint64(&pk, at);
	bench_pack_str(&pk, "actor");
	msgpack_pack_map(&pk, 2);
	bench_pack_str(&pk, "id");
	bench_pack_str(&pk, subj);
	bench_pack_str(&pk, "role");
	bench_pack_str(&pk, "subject");
	bench_pack_str(&pk, "body");
	msgpack_pack_map(&pk, 5);
	bench_pack_str(&pk, "subject");
	msgpack_pack_map(&pk, 3);
	bench_pack_str(&pk, "id");
	bench_pack_str(&pk, subj);
	bench_pack_str(&pk, "vetting");
	bench_pack_str(&pk, "SC");
	bench_pack_str(&pk, "line_manager");
	bench_pack_str(&pk, lm);
	bench_pack_str(&pk, "associate");
	msgpack_pack_map(&pk, 2);
	bench_pack_str(&pk, "name");
	bench_pack_str(&pk, assoc);
	bench_pack_str(&pk, "kind");
	bench_pack_str(&pk, "person");
	bench_pack_str(&pk, "relationship");
	bench_pack_str(&pk, "friend");
	bench_pack_str(&pk, "categories");
	msgpack_pack_array(&pk, 1);
	bench_pack_str(&pk, "criminal_conviction");
	bench_pack_str(&pk, "circumstances");
	bench_pack_str(&pk, BENCH_CIRCUMSTANCES);
}

static inline bool bench_key_is(const msgpack_object *k, const char *s)
{
	size_t n = strlen(s);
	return k->type == MSGPACK_OBJECT_STR && k->via.str.size == n &&
	       memcmp(k->via.str.ptr, s, n) == 0;
}

/* The value of key in map; NULL when map is NULL or not a map, or has no such key. */
static inline const msgpack_object *bench_map_get(const msgpack_object *map, const char *key)
{
	if (!map || map->type != MSGPACK_OBJECT_MAP)
		return NULL;
	for (uint32_t i = 0; i < map->via.map.size; i++)
		if (bench_key_is(&map->via.map.ptr[i].key, key))
			return &map->via.map.ptr[i].val;
	return NULL;
}

#endif
