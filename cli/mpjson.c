#include "mpjson.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- JSON -> MessagePack */

static int pack_value(msgpack_packer *pk, const json_t *j, unsigned depth)
{
	const char *key;
	json_t *item;
	size_t i;
	int r;

	if (depth > MPJSON_MAX_DEPTH)
		return -E2BIG;

	switch (json_typeof(j)) {
	case JSON_OBJECT:
		if (json_object_size(j) > UINT32_MAX)
			return -EINVAL;
		msgpack_pack_map(pk, json_object_size(j));
		/* jansson keeps insertion order, so the same file packs to the same bytes: a
		 * resend is then a `duplicate`, not a `conflict`. */
		json_object_foreach((json_t *)j, key, item)
		{
			size_t klen = strlen(key);

			msgpack_pack_str(pk, klen);
			msgpack_pack_str_body(pk, key, klen);
			r = pack_value(pk, item, depth + 1);
			if (r < 0)
				return r;
		}
		return 0;
	case JSON_ARRAY:
		if (json_array_size(j) > UINT32_MAX)
			return -EINVAL;
		msgpack_pack_array(pk, json_array_size(j));
		json_array_foreach(j, i, item)
		{
			r = pack_value(pk, item, depth + 1);
			if (r < 0)
				return r;
		}
		return 0;
	case JSON_STRING: {
		size_t len = json_string_length(j);

		if (len > UINT32_MAX)
			return -EINVAL;
		msgpack_pack_str(pk, len);
		msgpack_pack_str_body(pk, json_string_value(j), len);
		return 0;
	}
	case JSON_INTEGER: {
		json_int_t v = json_integer_value(j);

		if (v >= 0)
			msgpack_pack_uint64(pk, (uint64_t)v);
		else
			msgpack_pack_int64(pk, (int64_t)v);
		return 0;
	}
	case JSON_REAL:
		msgpack_pack_double(pk, json_real_value(j));
		return 0;
	case JSON_TRUE:
		msgpack_pack_true(pk);
		return 0;
	case JSON_FALSE:
		msgpack_pack_false(pk);
		return 0;
	case JSON_NULL:
		msgpack_pack_nil(pk);
		return 0;
	}
	return -EINVAL;
}

int mpjson_pack(msgpack_packer *pk, const json_t *j)
{
	return pack_value(pk, j, 1);
}

int mpjson_encode(const json_t *j, msgpack_sbuffer *ret_buf)
{
	msgpack_sbuffer buf;
	msgpack_packer pk;
	int r;

	msgpack_sbuffer_init(&buf);
	msgpack_packer_init(&pk, &buf, msgpack_sbuffer_write);
	r = mpjson_pack(&pk, j);
	if (r < 0) {
		msgpack_sbuffer_destroy(&buf);
		return r;
	}
	if (buf.size > 0 && !buf.data) /* sbuffer_write failed to grow */
		return -ENOMEM;
	*ret_buf = buf;
	return 0;
}

/* ---------------------------------------------------------------- MessagePack -> JSON */

static json_t *hex_string(const char *p, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	json_t *s;
	char *hex;

	hex = malloc(len * 2 + 1);
	if (!hex)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		hex[2 * i] = digits[(unsigned char)p[i] >> 4];
		hex[2 * i + 1] = digits[(unsigned char)p[i] & 0xf];
	}
	hex[len * 2] = '\0';
	s = json_stringn(hex, len * 2);
	free(hex);
	return s;
}

static json_t *uint_value(uint64_t v)
{
	char dec[24];

	if (v <= INT64_MAX)
		return json_integer((json_int_t)v);
	snprintf(dec, sizeof(dec), "%" PRIu64, v);
	return json_string(dec);
}

/* A map key as a C string in key (NUL-terminated, owned by the caller). */
static int key_string(const msgpack_object *k, char **ret)
{
	char *s;

	switch (k->type) {
	case MSGPACK_OBJECT_STR:
		s = strndup(k->via.str.ptr, k->via.str.size);
		break;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		if (asprintf(&s, "%" PRIu64, k->via.u64) < 0)
			s = NULL;
		break;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		if (asprintf(&s, "%" PRId64, k->via.i64) < 0)
			s = NULL;
		break;
	default:
		return -EINVAL;
	}
	if (!s)
		return -ENOMEM;
	/* jansson keys are C strings: a key with a NUL inside cannot be represented. */
	if (k->type == MSGPACK_OBJECT_STR && strlen(s) != k->via.str.size) {
		free(s);
		return -EINVAL;
	}
	*ret = s;
	return 0;
}

static int from_object(const msgpack_object *o, unsigned depth, json_t **ret)
{
	json_t *j = NULL;
	int r;

	if (depth > MPJSON_MAX_DEPTH)
		return -E2BIG;

	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		j = json_null();
		break;
	case MSGPACK_OBJECT_BOOLEAN:
		j = json_boolean(o->via.boolean);
		break;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		j = uint_value(o->via.u64);
		break;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		j = json_integer((json_int_t)o->via.i64);
		break;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		j = json_real(o->via.f64);
		break;
	case MSGPACK_OBJECT_STR:
		/* The contract says UTF-8; should a string break it, show its bytes, not lose
		 * the whole reply. */
		j = json_stringn(o->via.str.ptr, o->via.str.size);
		if (!j)
			j = hex_string(o->via.str.ptr, o->via.str.size);
		break;
	case MSGPACK_OBJECT_BIN:
		j = hex_string(o->via.bin.ptr, o->via.bin.size);
		break;
	case MSGPACK_OBJECT_EXT:
		j = hex_string(o->via.ext.ptr, o->via.ext.size);
		break;
	case MSGPACK_OBJECT_ARRAY:
		j = json_array();
		for (uint32_t i = 0; j && i < o->via.array.size; i++) {
			json_t *item;

			r = from_object(&o->via.array.ptr[i], depth + 1, &item);
			if (r < 0) {
				json_decref(j);
				return r;
			}
			if (json_array_append_new(j, item) < 0) {
				json_decref(j);
				return -ENOMEM;
			}
		}
		break;
	case MSGPACK_OBJECT_MAP:
		j = json_object();
		for (uint32_t i = 0; j && i < o->via.map.size; i++) {
			const msgpack_object_kv *kv = &o->via.map.ptr[i];
			json_t *item;
			char *key;

			r = key_string(&kv->key, &key);
			if (r < 0) {
				json_decref(j);
				return r;
			}
			r = from_object(&kv->val, depth + 1, &item);
			if (r < 0) {
				free(key);
				json_decref(j);
				return r;
			}
			/* Steals item even when it fails, which it does on a key that is
			 * not UTF-8. */
			r = json_object_set_new(j, key, item);
			free(key);
			if (r < 0) {
				json_decref(j);
				return -EINVAL;
			}
		}
		break;
	default:
		return -EINVAL;
	}
	if (!j)
		return -ENOMEM;
	*ret = j;
	return 0;
}

int mpjson_from_object(const msgpack_object *o, json_t **ret)
{
	return from_object(o, 1, ret);
}

int mpjson_decode(const void *buf, size_t len, json_t **ret)
{
	msgpack_unpacked u;
	size_t off = 0;
	int r;

	msgpack_unpacked_init(&u);
	if (msgpack_unpack_next(&u, buf, len, &off) != MSGPACK_UNPACK_SUCCESS || off != len)
		r = -EBADMSG;
	else
		r = mpjson_from_object(&u.data, ret);
	msgpack_unpacked_destroy(&u);
	return r;
}
