/* msgtext: pieces of error messages. Anything taken from the request is quoted and escaped
 * to printable ASCII, so a message is always valid UTF-8 and safe to log, whatever was sent. */
#ifndef PROTO_MSGTEXT_H
#define PROTO_MSGTEXT_H

#include "proto.h"

#define PROTO_QUOTE_MAX 48 /* buffer for proto_quote: a shortened, escaped string */

/* Writes s as "..." (printable ASCII kept, other bytes as \xNN, long strings cut with
 * "..."), returns buf. */
const char *proto_quote(char buf[PROTO_QUOTE_MAX], const char *s, size_t len);

/* "nil", "a string", "an array", ...: what the request had instead. */
const char *proto_what(const msgpack_object *o);

/* Joins a NULL-terminated list as "a, b, c" into buf; NULL when it does not fit. */
const char *proto_join(char *buf, size_t size, const char *const *names);

#endif
