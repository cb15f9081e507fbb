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

#define CTL_PATH_MAX 4096
#define CTL_DEFERRED 1

/* Answers one request (the payload frame's bytes) into pk and returns 0; or, for a valid
 * `backup`, packs nothing, copies its path to ret_path and returns CTL_DEFERRED: the caller
 * runs ctl_backup_run off the reactor thread, since a copy of a large store takes long. */
int ctl_handle(const struct ctl_env *env, const uint8_t *bytes, size_t len, msgpack_packer *pk,
	       char ret_path[CTL_PATH_MAX]);

/* Copies the store to path (a consistent, compacted copy) and packs the whole reply. Safe on
 * any thread; the map must not be resized meanwhile (store_grow_block). */
void ctl_backup_run(struct store *st, const char *path, msgpack_packer *pk);

/* Packs a whole error reply. */
void ctl_pack_error(msgpack_packer *pk, const struct proto_error *err);

#endif
