/* msgtext.c: see msgtext.h. */
#include <stdio.h>
#include <string.h>

#include "msgtext.h"

const char *proto_quote(char buf[PROTO_QUOTE_MAX], const char *s, size_t len)
{
	/* room for the quotes, "..." and the NUL; an escape takes 4 bytes */
	const size_t room = PROTO_QUOTE_MAX - 6;
	size_t o = 0;

	buf[o++] = '"';
	for (size_t i = 0; i < len; i++) {
		uint8_t c = (uint8_t)s[i];
		bool plain = c >= 0x20 && c < 0x7f && c != '"' && c != '\\';

		if (o + (plain ? 1 : 4) > room) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (plain)
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, 5, "\\x%02x", c);
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

const char *proto_what(const msgpack_object *o)
{
	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		return "nil";
	case MSGPACK_OBJECT_BOOLEAN:
		return "a boolean";
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		return "an unsigned integer";
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		return "a negative integer";
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		return "a float";
	case MSGPACK_OBJECT_STR:
		return "a string";
	case MSGPACK_OBJECT_BIN:
		return "binary data";
	case MSGPACK_OBJECT_ARRAY:
		return "an array";
	case MSGPACK_OBJECT_MAP:
		return "a map";
	case MSGPACK_OBJECT_EXT:
		return "an extension value";
	}
	return "an unknown value";
}

const char *proto_join(char *buf, size_t size, const char *const *names)
{
	size_t o = 0;

	if (size == 0)
		return NULL;
	buf[0] = '\0';
	for (size_t i = 0; names[i] != NULL; i++) {
		int n = snprintf(buf + o, size - o, "%s%s", i ? ", " : "", names[i]);

		if (n < 0 || (size_t)n >= size - o)
			return NULL;
		o += (size_t)n;
	}
	return buf;
}
