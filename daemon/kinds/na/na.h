/* na: the notifiable association (WORKFLOW.md), as the engine's kind description; its rows
 * are rules.c's (events) and sides.c's (side effects), its states policy/wfstate.h's
 * enum wf_state, its deadlines the KIND_NA rows of policy/policy.c. */
#ifndef KINDS_NA_H
#define KINDS_NA_H

#include "engine/kind.h"

extern const struct wf_kind wf_kind_na;

/* for na.c */
extern const struct wf_rule na_rules[];
extern const struct wf_side na_sides[];

#endif
