/* wfinv: the rules a case's state and its live deadlines keep (WORKFLOW.md "Deadlines" and
 * "Side effects"), checked by the seeded store walk (tests/daemon/test_invariants.c) and by
 * the engine's fuzz target (tests/fuzz/fuzz_wf.c) alike, so the two cannot drift apart. */
#ifndef WFINV_H
#define WFINV_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/wf.h"

/* live[k]: the case has a live deadline of kind k. Returns 0, or -1 with why set to the first
 * rule c breaks, naming the case. */
int wfinv_case(const struct wf_case *c, const bool live[DL_KINDS], char *why, size_t len);

#endif
