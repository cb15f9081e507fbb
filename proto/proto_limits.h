/* proto_limits: the defaults of struct proto_limits (PROTOCOL.md [intake]) and how a
 * caller's limits are completed: a NULL pointer or a zero field means the default. */
#ifndef PROTO_LIMITS_H
#define PROTO_LIMITS_H

#include "proto.h"

#define PROTO_DEFAULT_MAX_MESSAGE_BYTES 65536
#define PROTO_DEFAULT_CLOCK_SKEW_MS     (300 * 1000)
/* The pre-scan keeps one small frame per level on the stack; deeper settings are cut here. */
#define PROTO_DEPTH_HARD_MAX 24 /* msgpack-c's own unpacker stack is 32 */

/* Fills lim with the defaults. */
void proto_limits_default(struct proto_limits *lim);

/* out = in with zero fields (and a NULL in) replaced by the defaults, max_depth capped.
 * clock_skew_ms is taken as given: 0 is a valid skew. */
void proto_limits_resolve(const struct proto_limits *in, struct proto_limits *out);

#endif
