/* decode: proto_event_decode against a given type table. The public function uses the real
 * table (typetab.h); tests pass their own, e.g. a type that acts on an existing case. */
#ifndef PROTO_DECODE_H
#define PROTO_DECODE_H

#include "proto.h"

int proto_event_decode_in(const struct proto_type *table, struct proto_event *ev,
			  const uint8_t *bytes, size_t len, uint64_t now_ms,
			  const struct proto_limits *lim, char ret_id[PROTO_ID_MAX + 1],
			  struct proto_error *err);

#endif
