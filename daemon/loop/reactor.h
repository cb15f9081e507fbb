/* reactor: the daemon's one thread of control. It owns the sockets, the store and the
 * counters; it polls intake, control and a signalfd, applies the intake requests of each
 * cycle as one group-committed batch, and talks to systemd (READY, STATUS, WATCHDOG,
 * STOPPING). SIGTERM drains what it holds and returns 0. */
#ifndef REACTOR_H
#define REACTOR_H

#include "policy/config.h"
#include "policy/policy.h"
#include "security/seal.h"
#include "security/security.h"

/* Runs until SIGTERM or SIGINT. Returns the process exit code. */
int reactor_run(const struct config *cfg);

/* What a start loads from the files cfg names, before anything is created: the policy (the
 * holiday file), the CURVE keys and clients file, and the seal keys (*seal stays NULL with
 * no seal_key). `integrityd --check-config` loads the same. Returns 0, or -1 (logged, with
 * nothing left to free). */
int reactor_load_settings(const struct config *cfg, struct policy *p, struct security *sec,
			  struct seal **seal);

#endif
