/* jobs: a deferred control command (ctl.h's ctl_job: a backup, audit.verify, report.summary)
 * run off the reactor thread, nginx's thread pool pattern: the thread does the slow part (a
 * copy or a walk of the whole store) into its own buffer and posts a completion on an
 * eventfd; the reactor joins it and sends the reply. The thread never touches a socket. One
 * job at a time: the caller holds it in one pointer, NULL when none runs. */
#ifndef JOBS_H
#define JOBS_H

#include <stdbool.h>

#include <msgpack.h>

#include "control/ctl.h"
#include "proto.h"
#include "store/store.h"

struct job;

/* Starts cj on a thread of its own, reading st; st may not grow until job_complete
 * (st->grow_blocked). When the thread is done it writes 1 to efd. *ret_job must be NULL: one
 * job at a time, which the caller sees to (reactorctl.c refuses a second). Returns 0 with
 * *ret_job set, or -1 with err set (unavailable: no memory, no thread) and *ret_job untouched. */
int job_start(struct job **ret_job, struct store *st, int efd, const struct ctl_job *cj,
	      struct proto_error *err);

/* Reads efd's completion; true when a job has posted one. */
bool job_finish(int efd);

/* Waits for the job's thread (at once after job_finish), lets st grow again, hands back the
 * command (ret_cj) and its whole reply (ret_out: the caller owns it and destroys it), frees
 * the job and sets *jp to NULL. */
void job_complete(struct job **jp, struct ctl_job *ret_cj, msgpack_sbuffer *ret_out);

#endif
