/* mapread.c: lookups in a decoded map (see proto.h). The lowest floor of the codec: the
 * schema checks and the decoder both read maps through it. */
#include <string.h>

#include "proto.h"

const msgpack_object *proto_map_get(const msgpack_object *map, const char *key)
{
	size_t n;

	if (map == NULL || key == NULL || map->type != MSGPACK_OBJECT_MAP)
		return NULL;
	n = strlen(key);
	for (uint32_t k = 0; k < map->via.map.size; k++) {
		const msgpack_object *kk = &map->via.map.ptr[k].key;

		if (kk->type == MSGPACK_OBJECT_STR && kk->via.str.size == n &&
		    (n == 0 || memcmp(kk->via.str.ptr, key, n) == 0))
			return &map->via.map.ptr[k].val;
	}
	return NULL;
}

bool proto_flag(const msgpack_object *map, const char *key)
{
	const msgpack_object *f = proto_map_get(map, key);

	return f != NULL && f->type == MSGPACK_OBJECT_BOOLEAN && f->via.boolean;
}
