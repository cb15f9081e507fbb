/* wr: wrongdoing reports (REGISTERS.md "Wrongdoing reports"; P01 3.2-3.6) as the engine's
 * kind description. Its states are policy/wfstate.h's enum wr_state, its deadlines the
 * KIND_WR rows of policy/policy.c, its own body of assessment.recorded and case.closed
 * proto/kindbodies.c's. */
#ifndef KINDS_WR_H
#define KINDS_WR_H

#include "engine/kind.h"

extern const struct wf_kind wf_kind_wr;

#endif
