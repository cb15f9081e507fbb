/* gh: gifts and hospitality (REGISTERS.md "Gifts and hospitality"; HMIC 2012 "a single
 * electronic register ... checked regularly by PSD") as the engine's kind description. Its
 * states are policy/wfstate.h's enum gh_state, its deadlines the KIND_GH rows of
 * policy/policy.c, its bodies proto/regtypes.c's; [gifts] approval_threshold and
 * declare_within are the policy's. */
#ifndef KINDS_GH_H
#define KINDS_GH_H

#include "engine/kind.h"

extern const struct wf_kind wf_kind_gh;

#endif
