/* token: the reporter's follow-up token as text (REGISTERS.md "The reporter's channel"):
 * 130 bits as 26 symbols of Crockford's base32, shown in groups of four joined by '-'. */
#include <string.h>

#include "proto.h"

static const char symbols[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
#define GROUP 4

void proto_token_make(const uint8_t raw[17], char ret[PROTO_TOKEN_LEN + 1])
{
	/* 26 symbols of 5 bits: bits 0..129 of raw, most significant first */
	for (int i = 0; i < PROTO_TOKEN_LEN; i++) {
		unsigned v = 0;

		for (int b = 0; b < 5; b++) {
			int bit = i * 5 + b;

			v = (v << 1) | ((raw[bit / 8] >> (7 - bit % 8)) & 1u);
		}
		ret[i] = symbols[v];
	}
	ret[PROTO_TOKEN_LEN] = '\0';
}

int proto_token_canon(const char *s, size_t len, char ret[PROTO_TOKEN_LEN + 1])
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c == '-')
			continue;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c == '\0' || !strchr(symbols, c) || n == PROTO_TOKEN_LEN)
			return -1;
		ret[n++] = c;
	}
	if (n != PROTO_TOKEN_LEN)
		return -1;
	ret[n] = '\0';
	return 0;
}

void proto_token_show(const char *canon, char ret[PROTO_TOKEN_SHOWN + 1])
{
	size_t n = 0;

	for (int i = 0; i < PROTO_TOKEN_LEN; i++) {
		if (i && i % GROUP == 0)
			ret[n++] = '-';
		ret[n++] = canon[i];
	}
	ret[n] = '\0';
}
