/* ctlenv: what a control command is given (struct ctl_env) and the deferred job it may hand
 * back (struct ctl_job, CTL_DEFERRED). Below both ctl.c's dispatch and the command files;
 * users include ctl.h, which includes this. */
#ifndef CTLENV_H
#define CTLENV_H

#include <stdint.h>

#include "proto.h"
#include "reseal.h"
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
	/* the reseal pass: shown by status; the reseal command sets requested (the reactor
	 * starts the pass after the cycle). NULL: no pass can run here. */
	struct reseal_progress *reseal;
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

#endif
