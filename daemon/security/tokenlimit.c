#include "security/tokenlimit.h"

#include <stdio.h>
#include <string.h>

#define MS_PER_MINUTE 60000

/* The client's entry for this minute: its own, or the stalest one's, started again. */
static uint64_t *count_of(struct token_limits *t, const char *client, uint64_t now_ms)
{
	uint64_t minute = now_ms / MS_PER_MINUTE;
	size_t i, oldest = 0;

	for (i = 0; i < TOKEN_LIMIT_CLIENTS && strcmp(t->e[i].client, client) != 0; i++)
		if (t->e[i].minute < t->e[oldest].minute)
			oldest = i;
	if (i == TOKEN_LIMIT_CLIENTS) {
		i = oldest;
		snprintf(t->e[i].client, sizeof(t->e[i].client), "%s", client);
		t->e[i].n = 0;
	}
	if (t->e[i].minute != minute) {
		t->e[i].minute = minute;
		t->e[i].n = 0;
	}
	return &t->e[i].n;
}

bool token_limited(struct token_limits *t, const char *client, uint64_t now_ms, uint64_t max)
{
	return *count_of(t, client, now_ms) >= max;
}

void token_failed(struct token_limits *t, const char *client, uint64_t now_ms)
{
	++*count_of(t, client, now_ms);
	t->failures++;
}
