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

/* A command too slow for the reactor thread (a copy or a walk of the whole store). */
enum ctl_job_kind { CTL_JOB_BACKUP, CTL_JOB_VERIFY, CTL_JOB_REPORT };
struct ctl_job {
	enum ctl_job_kind kind;
	char path[CTL_PATH_MAX]; /* CTL_JOB_BACKUP */
	uint64_t from, to;       /* CTL_JOB_REPORT: cases opened in [from, to); to 0 = no bound */
	uint64_t now_ms;         /* CTL_JOB_REPORT: for deadlines not yet met */
};

/* Answers one request (the payload frame's bytes) into pk and returns 0; or, for a valid
 * `backup`, `audit.verify` or `report.summary`, packs nothing, fills ret_job and returns CTL_DEFERRED: the
 * caller runs ctl_job_run off the reactor thread, so intake never waits for it. */
int ctl_handle(const struct ctl_env *env, const uint8_t *bytes, size_t len, msgpack_packer *pk,
	       struct ctl_job *ret_job);

/* Runs a deferred command and packs its whole reply. Safe on any thread; the map must not be
 * resized meanwhile (store.grow_blocked). */
void ctl_job_run(struct store *st, const struct ctl_job *job, msgpack_packer *pk);

/* Packs a whole error reply. */
void ctl_pack_error(msgpack_packer *pk, const struct proto_error *err);

#endif
