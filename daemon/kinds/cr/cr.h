/* cr: corruption reports (REGISTERS.md "Corruption reports"; P01b 3.6, 3.3, 3.5) as the
 * engine's kind description. Its states are policy/wfstate.h's enum cr_state, its deadlines
 * the KIND_CR rows of policy/policy.c, its own body of assessment.recorded and case.closed
 * proto/kindbodies.c's. */
#ifndef KINDS_CR_H
#define KINDS_CR_H

#include "engine/kind.h"

extern const struct wf_kind wf_kind_cr;

#endif
