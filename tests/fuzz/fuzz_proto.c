/* fuzz_proto: every input goes through proto_event_decode and proto_ctl_decode with the
 * default limits. Invariants: a failure has a code in range and a non-empty, printable
 * message; a success has a type, a body map and a valid id, and is released. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "proto_limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW_MS 1767225600000ull

/* Not assert(): these must hold in release builds of the fuzzer too. */
static void require(int cond)
{
	if (!cond)
		abort();
}

static void check_error(const struct proto_error *err)
{
	require(err->code > PROTO_OK && err->code < PROTO_ERR_COUNT);
	require(err->message[0] != '\0');
	for (const char *c = err->message; *c; c++)
		require(*c >= 0x20 && *c < 0x7f);
}

static void check_event(const uint8_t *data, size_t size, const struct proto_limits *lim)
{
	struct proto_event ev;
	struct proto_error err;
	char id[PROTO_ID_MAX + 1];

	if (proto_event_decode(&ev, data, size, NOW_MS, lim, id, &err) == -1) {
		check_error(&err);
		require(strlen(id) <= PROTO_ID_MAX);
		return;
	}
	require(ev.type != NULL && ev.body != NULL && ev.body->type == MSGPACK_OBJECT_MAP);
	require(ev.id.len >= 1 && ev.id.len <= PROTO_ID_MAX);
	require(strlen(id) == ev.id.len && memcmp(id, ev.id.ptr, ev.id.len) == 0);
	require(ev.at <= NOW_MS + lim->clock_skew_ms);
	require(ev.bytes == data && ev.len == size);
	require(ev.actor_role < ROLE_COUNT);
	proto_event_release(&ev);
}

static void check_ctl(const uint8_t *data, size_t size, const struct proto_limits *lim)
{
	struct proto_ctl req;
	struct proto_error err;

	if (proto_ctl_decode(&req, data, size, lim, &err) == -1) {
		check_error(&err);
		return;
	}
	require(req.cmd.len > 0 && proto_utf8_valid(req.cmd.ptr, req.cmd.len));
	require(req.args == NULL || req.args->type == MSGPACK_OBJECT_MAP);
	proto_ctl_release(&req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_limits lim;

	proto_limits_default(&lim);
	check_event(data, size, &lim);
	check_ctl(data, size, &lim);
	return 0;
}
