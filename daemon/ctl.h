/* ctl: the control commands of PROTOCOL.md "Control: operators". Each command answers from
 * its own read transaction and packs one whole reply map; a bad request gets an error reply
 * naming the argument, never a crash. */
#ifndef CTL_H
#define CTL_H

#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "proto.h"
#include "store.h"

struct ctl_counters {
	uint64_t accepted, duplicate, rejected;
};

/* What the commands may read. */
struct ctl_env {
	struct store *st;
	const struct proto_limits *limits;
	uint64_t now_ms;
	uint64_t started_ms;
	const struct ctl_counters *intake;
};

/* Answers one request (the payload frame's bytes) into pk. */
void ctl_handle(const struct ctl_env *env, const uint8_t *bytes, size_t len, msgpack_packer *pk);

#endif
