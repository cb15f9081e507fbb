/* tokenlimit: failed look-ups of the reporter's tokens, counted, and limited per client to a
 * number a wall-clock minute (REGISTERS.md: "counted in status and limited per client";
 * [reports] token_failures_per_minute). Clients are told apart by their ZAP name; the last
 * TOKEN_LIMIT_CLIENTS are remembered, the stalest forgotten first. Intake (report.followed_up)
 * and control (report.thread) share one table, the reactor's. */
#ifndef TOKENLIMIT_H
#define TOKENLIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "security/clients.h"

#define TOKEN_LIMIT_CLIENTS 32

struct token_limits {
	struct {
		char client[CLIENTS_NAME_MAX + 1];
		uint64_t minute, n;
	} e[TOKEN_LIMIT_CLIENTS];
	uint64_t failures; /* since start: status reports.token_failures */
};

/* Whether client has made max failed look-ups in the minute holding now_ms. */
bool token_limited(struct token_limits *t, const char *client, uint64_t now_ms, uint64_t max);
/* Counts a failed look-up of client's at now_ms. */
void token_failed(struct token_limits *t, const char *client, uint64_t now_ms);

#endif
