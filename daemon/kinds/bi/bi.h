/* bi: business interests and second jobs (REGISTERS.md "Business interests and second jobs";
 * HMIC 2012; Police Regulations 2003 regs 7-9) as the engine's kind description. Its states
 * are policy/wfstate.h's enum bi_state, its deadlines the KIND_BI rows of policy/policy.c
 * (bi_appeal_window opened by a refusal or by conditions, the others by states), its bodies
 * proto/regtypes.c's and, of the types it shares, proto/kindbodies.c's. */
#ifndef KINDS_BI_H
#define KINDS_BI_H

#include "engine/kind.h"

extern const struct wf_kind wf_kind_bi;

#endif
