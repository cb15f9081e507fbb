/* utf8.c: strict UTF-8 (RFC 3629): shortest form only, no surrogates, nothing above
 * U+10FFFF. Every string that enters the daemon passes here, because replies, logs and the
 * journal all assume it. */
#include "proto.h"

/* Length of the sequence that lead byte c starts, with the bounds of its second byte. */
static int utf8_lead(uint8_t c, uint8_t *lo, uint8_t *hi)
{
	*lo = 0x80;
	*hi = 0xbf;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef) {
		if (c == 0xe0)
			*lo = 0xa0; /* overlong below U+0800 */
		else if (c == 0xed)
			*hi = 0x9f; /* surrogates U+D800..U+DFFF */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (c == 0xf0)
			*lo = 0x90; /* overlong below U+10000 */
		else if (c == 0xf4)
			*hi = 0x8f; /* above U+10FFFF */
		return 4;
	}
	return 0; /* continuation byte, overlong 0xc0/0xc1, or 0xf5.. */
}

bool proto_utf8_valid(const char *s, size_t len)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0;

	while (i < len) {
		uint8_t lo, hi;
		int n = utf8_lead(p[i], &lo, &hi);

		if (n == 0 || (size_t)n > len - i)
			return false;
		if (n > 1 && (p[i + 1] < lo || p[i + 1] > hi))
			return false;
		for (int k = 2; k < n; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
		i += (size_t)n;
	}
	return true;
}
