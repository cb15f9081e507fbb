/* reply.c: intake replies (PROTOCOL.md "Reply") and the string packers every encoder uses. */
#include <string.h>

#include "proto.h"

void proto_pack_str(msgpack_packer *pk, const char *s, size_t len)
{
	msgpack_pack_str(pk, len);
	if (len > 0)
		msgpack_pack_str_body(pk, s, len);
}

void proto_pack_cstr(msgpack_packer *pk, const char *s)
{
	if (s == NULL) {
		msgpack_pack_nil(pk);
		return;
	}
	proto_pack_str(pk, s, strlen(s));
}

void proto_pack_kv_u64(msgpack_packer *pk, const char *key, uint64_t v)
{
	proto_pack_cstr(pk, key);
	msgpack_pack_uint64(pk, v);
}

void proto_pack_kv_cstr(msgpack_packer *pk, const char *key, const char *v)
{
	proto_pack_cstr(pk, key);
	proto_pack_cstr(pk, v);
}

void proto_reply_pack(msgpack_packer *pk, const char *id, const char *status, const char *case_ref,
		      uint64_t seq, const struct proto_error *err)
{
	proto_reply_pack_token(pk, id, status, case_ref, seq, NULL, err);
}

void proto_reply_pack_token(msgpack_packer *pk, const char *id, const char *status,
			    const char *case_ref, uint64_t seq, const char *token,
			    const struct proto_error *err)
{
	bool rejected = status != NULL && strcmp(status, "rejected") == 0;
	bool with_error = rejected && err != NULL;
	bool with_token = !rejected && case_ref != NULL && token != NULL;
	size_t n = 3 + (case_ref != NULL ? 2 : 0) + (with_error ? 1 : 0) + (with_token ? 1 : 0);

	msgpack_pack_map(pk, n);
	proto_pack_kv_u64(pk, "v", PROTO_VERSION);
	proto_pack_cstr(pk, "id");
	if (id == NULL || id[0] == '\0')
		msgpack_pack_nil(pk);
	else
		proto_pack_cstr(pk, id);
	proto_pack_kv_cstr(pk, "status", status != NULL ? status : "rejected");
	if (case_ref != NULL) {
		proto_pack_kv_cstr(pk, "case", case_ref);
		proto_pack_kv_u64(pk, "seq", seq);
	}
	if (with_token)
		proto_pack_kv_cstr(pk, "token", token);
	if (with_error) {
		proto_pack_cstr(pk, "error");
		msgpack_pack_map(pk, 2);
		proto_pack_kv_cstr(pk, "code", proto_err_code(err->code));
		proto_pack_cstr(pk, "message");
		proto_pack_str(pk, err->message, strnlen(err->message, sizeof(err->message)));
	}
}
