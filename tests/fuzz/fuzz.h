/* fuzz: what the libFuzzer targets share. Each target defines LLVMFuzzerTestOneInput (and
 * may define LLVMFuzzerInitialize); under -DFUZZ=ON libFuzzer drives them, otherwise
 * fuzz_replay.c feeds them a corpus. Checks use require(), not assert(), so that they hold
 * in release builds too. */
#ifndef FUZZ_H
#define FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "policy/policy.h"
#include "proto.h"

#define FUZZ_NOW_MS 1767225600000ull /* 2026-01-01T00:00:00Z */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts, naming the broken invariant, when cond is false. */
#define require(cond) fuzz_require((cond), #cond, __FILE__, __LINE__)
static inline void fuzz_require(int cond, const char *what, const char *file, int line)
{
	if (cond)
		return;
	fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
	abort();
}

/* The policy of an empty config file (WORKFLOW.md's defaults), loaded on first use; aborts
 * when it cannot be. */
const struct policy *fuzz_policy(void);

/* Another policy, as a SIGHUP would swap in: short deadlines, three reminders, a two-day
 * escalation interval, an AA roster and the holiday calendar. */
const struct policy *fuzz_policy_alt(void);

/* The limits of an empty config file. */
const struct proto_limits *fuzz_limits(void);

/* Requires bytes to be exactly one MessagePack map. */
void fuzz_require_map(const char *bytes, size_t len);

/* Requires the reply to be exactly one MessagePack map holding "v": 1 and a boolean "ok",
 * with "result" when ok and "error" {"code", "message"} when not; returns ok. */
bool fuzz_require_ctl_reply(const char *bytes, size_t len);

#endif
