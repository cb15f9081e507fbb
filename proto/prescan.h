/* prescan: a structural walk over raw MessagePack bytes, run before msgpack_unpack so that
 * msgpack-c never allocates for a length a header merely claims. It accepts exactly one map
 * whose nesting, item count and every declared length fit the limits and the bytes. */
#ifndef PROTO_PRESCAN_H
#define PROTO_PRESCAN_H

#include "proto.h"

/* 0 when p[0..len) is one well-formed map within lim (already resolved); else -1 with err
 * set to malformed. Rejects ext types, the reserved byte 0xc1 and non-string map keys. */
int proto_prescan(const uint8_t *p, size_t len, const struct proto_limits *lim,
		  struct proto_error *err);

/* The limits for bytes the daemon stored itself: a record is as large as its history, so
 * only its nesting is bounded. Defined by the daemon (caserecload.c), whose stores hold
 * them. */
extern const struct proto_limits proto_stored_limits;

#endif
