/* reactor: the daemon's one thread of control. It owns the sockets, the store and the
 * counters; it polls intake, control and a signalfd, applies the intake requests of each
 * cycle as one group-committed batch, and talks to systemd (READY, STATUS, WATCHDOG,
 * STOPPING). SIGTERM drains what it holds and returns 0. */
#ifndef REACTOR_H
#define REACTOR_H

#include "config.h"

/* Runs until SIGTERM or SIGINT. Returns the process exit code. */
int reactor_run(const struct config *cfg);

#endif
