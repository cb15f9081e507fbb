/* fuzzutil: the default policy and limits, and the check of a control reply, for the
 * targets that drive the daemon's modules (fuzz_ctl, fuzz_wf). See fuzz.h. */
#include "fuzz.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <msgpack.h>

#include "config.h"
#include "proto_limits.h"

#define EMPTY_CONFIG "/dev/null"

const struct policy *fuzz_policy(void)
{
	static struct policy p;
	static struct config cfg;
	static bool loaded;
	char err[CONFIG_ERR_MAX];

	if (loaded)
		return &p;
	if (config_load(&cfg, EMPTY_CONFIG, err) < 0 || policy_load(&p, &cfg, err) < 0) {
		fprintf(stderr, "fuzz: default policy: %s\n", err);
		abort();
	}
	loaded = true;
	return &p;
}

const struct proto_limits *fuzz_limits(void)
{
	static struct proto_limits lim;

	proto_limits_default(&lim);
	return &lim;
}

static const msgpack_object *get(const msgpack_object *map, const char *key)
{
	size_t n = strlen(key);

	for (uint32_t i = 0; i < map->via.map.size; i++) {
		const msgpack_object *k = &map->via.map.ptr[i].key;

		if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == n &&
		    memcmp(k->via.str.ptr, key, n) == 0)
			return &map->via.map.ptr[i].val;
	}
	return NULL;
}

static bool is_str(const msgpack_object *o)
{
	return o != NULL && o->type == MSGPACK_OBJECT_STR && o->via.str.size > 0 &&
	       proto_utf8_valid(o->via.str.ptr, o->via.str.size);
}

void fuzz_require_ctl_reply(const char *bytes, size_t len)
{
	msgpack_unpacked up;
	const msgpack_object *root, *v, *ok, *e;
	size_t off = 0;

	msgpack_unpacked_init(&up);
	require(msgpack_unpack_next(&up, bytes, len, &off) == MSGPACK_UNPACK_SUCCESS);
	require(off == len);
	root = &up.data;
	require(root->type == MSGPACK_OBJECT_MAP);
	v = get(root, "v");
	require(v != NULL && v->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
		v->via.u64 == PROTO_VERSION);
	ok = get(root, "ok");
	require(ok != NULL && ok->type == MSGPACK_OBJECT_BOOLEAN);
	if (ok->via.boolean) {
		require(root->via.map.size == 3 && get(root, "result") != NULL);
	} else {
		e = get(root, "error");
		require(root->via.map.size == 3 && e != NULL && e->type == MSGPACK_OBJECT_MAP);
		require(e->via.map.size == 2 && is_str(get(e, "code")) &&
			is_str(get(e, "message")));
	}
	msgpack_unpacked_destroy(&up);
}
