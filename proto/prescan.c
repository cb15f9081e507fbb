/* prescan.c: see prescan.h. Iterative, with one frame per open container on a fixed stack:
 * no recursion and no allocation, whatever the input. */
#include "prescan.h"
#include "proto_limits.h"

enum item {
	IT_SCALAR, /* nil, bool, int, float: n payload bytes */
	IT_STR,    /* n bytes */
	IT_BIN,    /* n bytes */
	IT_ARRAY,  /* n items */
	IT_MAP,    /* n entries */
	IT_EXT,
	IT_RESERVED,
};

struct head {
	enum item kind;
	size_t hlen; /* header bytes, the type byte included */
	uint64_t n;
};

struct frame {
	uint64_t left; /* values still to come; a map counts keys and values */
	bool map;
};

static uint64_t be_read(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static struct head head_fixed(enum item kind, uint64_t n)
{
	return (struct head){.kind = kind, .hlen = 1, .n = n};
}

/* A length of w big-endian bytes follows the type byte; n is read once they are known to be
 * there. */
static struct head head_var(enum item kind, size_t w, bool *var)
{
	*var = true;
	return (struct head){.kind = kind, .hlen = 1 + w, .n = 0};
}

static struct head head_classify(uint8_t c, bool *var)
{
	*var = false;
	if (c <= 0x7f || c >= 0xe0)
		return head_fixed(IT_SCALAR, 0);
	if (c <= 0x8f)
		return head_fixed(IT_MAP, c & 0x0f);
	if (c <= 0x9f)
		return head_fixed(IT_ARRAY, c & 0x0f);
	if (c <= 0xbf)
		return head_fixed(IT_STR, c & 0x1f);
	switch (c) {
	case 0xc0: /* nil */
	case 0xc2: /* false */
	case 0xc3: /* true */
		return head_fixed(IT_SCALAR, 0);
	case 0xc1:
		return head_fixed(IT_RESERVED, 0);
	case 0xcc: /* uint8 */
	case 0xd0: /* int8 */
		return head_fixed(IT_SCALAR, 1);
	case 0xcd:
	case 0xd1:
		return head_fixed(IT_SCALAR, 2);
	case 0xca: /* float32 */
	case 0xce:
	case 0xd2:
		return head_fixed(IT_SCALAR, 4);
	case 0xcb: /* float64 */
	case 0xcf:
	case 0xd3:
		return head_fixed(IT_SCALAR, 8);
	case 0xc4:
		return head_var(IT_BIN, 1, var);
	case 0xc5:
		return head_var(IT_BIN, 2, var);
	case 0xc6:
		return head_var(IT_BIN, 4, var);
	case 0xd9:
		return head_var(IT_STR, 1, var);
	case 0xda:
		return head_var(IT_STR, 2, var);
	case 0xdb:
		return head_var(IT_STR, 4, var);
	case 0xdc:
		return head_var(IT_ARRAY, 2, var);
	case 0xdd:
		return head_var(IT_ARRAY, 4, var);
	case 0xde:
		return head_var(IT_MAP, 2, var);
	case 0xdf:
		return head_var(IT_MAP, 4, var);
	}
	return head_fixed(IT_EXT, 0); /* 0xc7..0xc9, 0xd4..0xd8 */
}

/* Reads the header at p[0..avail), avail > 0. */
static int head_read(const uint8_t *p, size_t avail, struct head *h, struct proto_error *err)
{
	bool var;

	*h = head_classify(p[0], &var);
	if (h->hlen > avail)
		return proto_fail(err, PROTO_MALFORMED,
				  "the MessagePack data is truncated inside a header");
	if (var)
		h->n = be_read(p + 1, h->hlen - 1);
	return 0;
}

struct scan {
	const uint8_t *p;
	size_t len;
	size_t off;
	size_t items;
	unsigned depth;
	struct frame stack[PROTO_DEPTH_HARD_MAX];
	const struct proto_limits *lim;
};

static bool scan_at_key(const struct scan *s)
{
	const struct frame *f;

	if (s->depth == 0)
		return false;
	f = &s->stack[s->depth - 1];
	return f->map && f->left % 2 == 0;
}

/* Accepts a container header h at s->off; pushes it when it holds anything. */
static int scan_container(struct scan *s, const struct head *h, struct proto_error *err)
{
	size_t rest = s->len - s->off - h->hlen;
	uint64_t values = h->kind == IT_MAP ? h->n * 2 : h->n;

	if (s->depth + 1 > s->lim->max_depth || s->depth + 1 > PROTO_DEPTH_HARD_MAX)
		return proto_fail(err, PROTO_MALFORMED,
				  "the request nests maps and arrays deeper than %u levels",
				  s->lim->max_depth);
	if (h->n > s->lim->max_items - s->items)
		return proto_fail(err, PROTO_MALFORMED,
				  "the request holds more than %zu map entries and array items",
				  s->lim->max_items);
	/* every value takes at least one byte */
	if (values > rest)
		return proto_fail(err, PROTO_MALFORMED,
				  "a%s header claims %llu %s but only %zu bytes follow",
				  h->kind == IT_MAP ? " map" : "n array", (unsigned long long)h->n,
				  h->kind == IT_MAP ? "entries" : "items", rest);
	s->items += (size_t)h->n;
	s->off += h->hlen;
	if (values > 0)
		s->stack[s->depth++] = (struct frame){.left = values, .map = h->kind == IT_MAP};
	return 0;
}

/* Accepts the value header at s->off and whatever payload it has. Sets *open when it
 * pushed a container whose values follow. */
static int scan_value(struct scan *s, bool *open, struct proto_error *err)
{
	struct head h;
	unsigned depth = s->depth;

	*open = false;
	if (s->off >= s->len)
		return proto_fail(err, PROTO_MALFORMED, "the MessagePack data is truncated");
	if (head_read(s->p + s->off, s->len - s->off, &h, err) == -1)
		return -1;
	if (h.kind == IT_EXT)
		return proto_fail(err, PROTO_MALFORMED,
				  "MessagePack extension types are not part of the protocol");
	if (h.kind == IT_RESERVED)
		return proto_fail(err, PROTO_MALFORMED,
				  "byte 0xc1 at offset %zu is not valid MessagePack", s->off);
	if (scan_at_key(s) && h.kind != IT_STR)
		return proto_fail(err, PROTO_MALFORMED, "map keys must be strings");
	if (h.kind == IT_ARRAY || h.kind == IT_MAP) {
		if (scan_container(s, &h, err) == -1)
			return -1;
		*open = s->depth > depth;
		return 0;
	}
	if (h.n > s->len - s->off - h.hlen)
		return proto_fail(
		    err, PROTO_MALFORMED,
		    "the MessagePack data is truncated: the value at offset %zu needs "
		    "%llu bytes but only %zu follow",
		    s->off, (unsigned long long)h.n, s->len - s->off - h.hlen);
	s->off += h.hlen + (size_t)h.n;
	return 0;
}

int proto_prescan(const uint8_t *p, size_t len, const struct proto_limits *lim,
		  struct proto_error *err)
{
	struct scan s = {.p = p, .len = len, .lim = lim};

	if (len == 0)
		return proto_fail(err, PROTO_MALFORMED, "the request is empty; expected one map");
	if (!((p[0] >= 0x80 && p[0] <= 0x8f) || p[0] == 0xde || p[0] == 0xdf))
		return proto_fail(err, PROTO_MALFORMED,
				  "the request must be one MessagePack map (first byte 0x%02x)",
				  p[0]);
	for (;;) {
		bool open;

		if (scan_value(&s, &open, err) == -1)
			return -1;
		if (open)
			continue;
		/* a value is complete: close every container it completes */
		while (s.depth > 0 && --s.stack[s.depth - 1].left == 0)
			s.depth--;
		if (s.depth == 0)
			break;
	}
	if (s.off != len)
		return proto_fail(err, PROTO_MALFORMED,
				  "%zu bytes follow the request's map; send exactly one map",
				  len - s.off);
	return 0;
}
