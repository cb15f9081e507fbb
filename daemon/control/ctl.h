/* ctl: the control commands of PROTOCOL.md "Control: operators". Each command answers from
 * its own read transaction and packs one whole reply map; a bad request gets an error reply
 * naming the argument, never a crash. The data a command is given and hands back (struct
 * ctl_env, struct ctl_job) is ctlenv.h's. */
#ifndef CTL_H
#define CTL_H

#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "control/ctlenv.h"
#include "proto.h"
#include "store/store.h"

/* Answers one request (the payload frame's bytes) into pk and returns 0; or, for a valid
 * `backup`, `audit.verify` or `report.summary`, packs nothing, fills ret_job and returns
 * CTL_DEFERRED: the caller runs ctl_job_run off the reactor thread, so intake never waits
 * for it. A successful audited read (case.get, case.list, deadlines.list, report.summary, subject.export,
 * audit.reads) also fills ret_read and sets the flag CTL_RECORD in the return value: the
 * caller journals ret_read (as a readlog.h record in batch.h's batch_input.reads, committed
 * by batch_run) and only after that commit sends the reply packed in pk, or starts the job;
 * if the commit fails, it answers ctl_pack_unrecorded instead. The command's rights (clients.h) are
 * checked against env->client first: a client without them gets `forbidden`, and is logged by name.
 */
int ctl_handle(const struct ctl_env *env, const uint8_t *bytes, size_t len, msgpack_packer *pk,
	       struct ctl_job *ret_job, struct ctl_read *ret_read);

void ctl_read_init(struct ctl_read *rd);
void ctl_read_destroy(struct ctl_read *rd);

/* The reply to a read whose record could not be journaled: `unavailable`, no data. */
void ctl_pack_unrecorded(msgpack_packer *pk);

/* Runs a deferred command and packs its whole reply. Safe on any thread; the map must not be
 * resized meanwhile (store.grow_blocked). */
void ctl_job_run(struct store *st, const struct ctl_job *job, msgpack_packer *pk);

/* Packs a whole error reply. */
void ctl_pack_error(msgpack_packer *pk, const struct proto_error *err);

#endif
