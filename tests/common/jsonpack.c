#include "jsonpack.h"

#include <stdint.h>

#include "proto.h"

void jsonpack(msgpack_packer *pk, const json_t *j)
{
	const char *key;
	json_t *v;
	size_t i;

	switch (json_typeof(j)) {
	case JSON_OBJECT:
		msgpack_pack_map(pk, json_object_size(j));
		json_object_foreach((json_t *)j, key, v)
		{
			proto_pack_cstr(pk, key);
			jsonpack(pk, v);
		}
		break;
	case JSON_ARRAY:
		msgpack_pack_array(pk, json_array_size(j));
		json_array_foreach(j, i, v) jsonpack(pk, v);
		break;
	case JSON_STRING:
		proto_pack_str(pk, json_string_value(j), json_string_length(j));
		break;
	case JSON_INTEGER:
		if (json_integer_value(j) >= 0)
			msgpack_pack_uint64(pk, (uint64_t)json_integer_value(j));
		else
			msgpack_pack_int64(pk, json_integer_value(j));
		break;
	case JSON_REAL:
		msgpack_pack_double(pk, json_real_value(j));
		break;
	case JSON_TRUE:
		msgpack_pack_true(pk);
		break;
	case JSON_FALSE:
		msgpack_pack_false(pk);
		break;
	case JSON_NULL:
		msgpack_pack_nil(pk);
		break;
	}
}
