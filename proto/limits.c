/* limits.c: see proto_limits.h. */
#include "proto_limits.h"

void proto_limits_default(struct proto_limits *lim)
{
	lim->max_message_bytes = PROTO_DEFAULT_MAX_MESSAGE_BYTES;
	lim->clock_skew_ms = PROTO_DEFAULT_CLOCK_SKEW_MS;
	lim->max_depth = PROTO_DEFAULT_MAX_DEPTH;
	lim->max_items = PROTO_DEFAULT_MAX_ITEMS;
}

void proto_limits_resolve(const struct proto_limits *in, struct proto_limits *out)
{
	proto_limits_default(out);
	if (in == NULL)
		return;
	out->clock_skew_ms = in->clock_skew_ms;
	if (in->max_message_bytes != 0)
		out->max_message_bytes = in->max_message_bytes;
	if (in->max_depth != 0)
		out->max_depth = in->max_depth;
	if (out->max_depth > PROTO_DEPTH_HARD_MAX)
		out->max_depth = PROTO_DEPTH_HARD_MAX;
	if (in->max_items != 0)
		out->max_items = in->max_items;
}
