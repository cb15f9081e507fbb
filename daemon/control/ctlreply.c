/* ctlreply: what the control commands share to read their arguments and pack their replies
 * (ctlx_arg*, ctlx_pack_*). Below ctl.c and the command files; see ctlint.h. */
#include "control/ctlint.h"

#include <string.h>

const msgpack_object *ctlx_arg(const struct ctl_req *q, const char *name)
{
	return q->args ? proto_map_get(q->args, name) : NULL;
}

/* args.limit: 1 to max, else def. */
int ctlx_arg_limit(struct ctl_req *q, uint64_t def, uint64_t max, uint64_t *ret)
{
	const msgpack_object *o = ctlx_arg(q, "limit");

	*ret = def;
	if (!o)
		return 0;
	if (o->via.u64 == 0 || o->via.u64 > max)
		return proto_fail(q->err, PROTO_INVALID_FIELD, "args.limit: must be 1 to %llu",
				  (unsigned long long)max);
	*ret = o->via.u64;
	return 0;
}

/* Appends bytes that already are MessagePack (rows packed apart, a stored notification). An
 * empty sbuffer has no data pointer at all, and memcpy may not be given NULL. */
void ctlx_pack_raw(msgpack_packer *pk, const void *bytes, size_t len)
{
	if (len)
		pk->callback(pk->data, bytes, len);
}

void ctlx_pack_ok_header(msgpack_packer *pk)
{
	msgpack_pack_map(pk, 3);
	proto_pack_cstr(pk, "v");
	msgpack_pack_uint8(pk, PROTO_VERSION);
	proto_pack_cstr(pk, "ok");
	msgpack_pack_true(pk);
	proto_pack_cstr(pk, "result");
}

/* The references are kept NUL-terminated one after the other. */
void ctlx_saw_case(struct ctl_req *q, const char *ref, size_t len)
{
	struct ctl_read *rd = q->rd;

	if (!rd || len == 0 || len > PROTO_CASE_MAX || memchr(ref, '\0', len))
		return;
	msgpack_sbuffer_write(&rd->refs, ref, len);
	msgpack_sbuffer_write(&rd->refs, "", 1);
}

/* A list names at most LIST_MAX cases, so the search for one already noted stays short. */
void ctlx_saw_case_once(struct ctl_req *q, const char *ref, size_t len)
{
	const struct ctl_read *rd = q->rd;
	size_t off, n;

	if (!rd)
		return;
	for (off = 0; off < rd->refs.size; off += n + 1) {
		n = strlen(rd->refs.data + off);
		if (n == len && memcmp(rd->refs.data + off, ref, len) == 0)
			return;
	}
	ctlx_saw_case(q, ref, len);
}
