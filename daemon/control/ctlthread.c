/* ctlthread: report.thread (REGISTERS.md "The reporter's channel"): the reporter's thread of
 * one case, to the form service by the report's token, to an operator by its reference. Its
 * read record names the case, never the token (ctl.c records no arguments for it); its failed
 * look-ups count against the client as intake's do (security/tokenlimit.h). Part of ctl (see
 * ctl.h and ctlint.h). */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "control/ctlint.h"
#include "store/caserec.h"
#include "engine/wf.h"
#include "store/token.h"

/* The same answer for a token that names nothing and one whose channel closed. */
#define NO_SUCH_TOKEN "args.token: no open report has this token"

/* A failed look-up counts against the client, as on intake. */
static void token_counted(struct ctl_req *q)
{
	if (q->env->tokens)
		token_failed(q->env->tokens, q->env->client_name, q->env->now_ms);
}

static int find_case(struct ctl_req *q, char ref[PROTO_CASE_MAX + 1], bool *by_token)
{
	const msgpack_object *t = ctlx_arg(q, "token"), *c = ctlx_arg(q, "case");
	enum client_role role = q->env->client ? q->env->client->role : CLIENT_NONE;
	char canon[PROTO_TOKEN_LEN + 1];
	int r;

	if (!t == !c)
		return proto_fail(q->err, PROTO_INVALID_FIELD,
				  "args: name the report by token or by case, one of them");
	/* the form service by token (what it holds for the reporter); operators by case; with no
	 * clients file (CLIENT_ANY) either */
	if (role != CLIENT_ANY && (role == CLIENT_INTAKE) != (t != NULL))
		return proto_fail(q->err, PROTO_FORBIDDEN, "args.%s: %s", t ? "token" : "case",
				  t ? "an operator reads a thread by its case"
				    : "a form service reads a thread by its token");
	*by_token = t != NULL;
	if (t && q->env->tokens && q->env->policy &&
	    token_limited(q->env->tokens, q->env->client_name, q->env->now_ms,
			  q->env->policy->token_failures_per_minute))
		return proto_fail(q->err, PROTO_UNAVAILABLE,
				  "too many unknown tokens; retry later");
	if (c) {
		memcpy(ref, c->via.str.ptr, c->via.str.size);
		ref[c->via.str.size] = '\0';
		return 0;
	}
	r = proto_token_canon(t->via.str.ptr, t->via.str.size, canon) < 0
		? -ENOENT
		: token_find(q->env->st, q->txn, canon, ref);
	sodium_memzero(canon, sizeof(canon));
	if (r == -ENOENT) {
		token_counted(q);
		return proto_fail(q->err, PROTO_UNKNOWN_CASE, NO_SUCH_TOKEN);
	}
	if (r < 0)
		return proto_fail(q->err, PROTO_UNAVAILABLE, "the store could not be read");
	return 0;
}

int ctlx_cmd_report_thread(struct ctl_req *q)
{
	char ref[PROTO_CASE_MAX + 1];
	struct case_rec r;
	bool by_token = false;
	const msgpack_object *th;
	int rc;

	if (find_case(q, ref, &by_token) < 0)
		return -1;
	rc = caserec_get(q->env->st, q->txn, ref, strlen(ref), &r);
	if (rc == -ENOENT && !by_token)
		return proto_fail(q->err, PROTO_UNKNOWN_CASE, "args.case: no case %s", ref);
	if (rc < 0)
		return proto_fail(q->err, PROTO_UNAVAILABLE, "the case could not be read");
	if (by_token &&
	    !(q->env->policy && wf_channel_open(&r.c, q->env->now_ms, q->env->policy))) {
		token_counted(q);
		caserec_release(&r);
		return proto_fail(q->err, PROTO_UNKNOWN_CASE, NO_SUCH_TOKEN);
	}
	th = r.c.thread;
	msgpack_pack_map(q->pk, 3);
	proto_pack_kv_cstr(q->pk, "case", r.c.ref);
	proto_pack_kv_cstr(q->pk, "state", wf_kind_state_name(r.c.kind, (int)r.c.state));
	proto_pack_cstr(q->pk, "messages");
	msgpack_pack_array(q->pk, th ? th->via.array.size : 0);
	for (uint32_t i = 0; th && i < th->via.array.size; i++)
		msgpack_pack_object(q->pk, th->via.array.ptr[i]);
	ctlx_saw_case(q, r.c.ref, strlen(r.c.ref));
	caserec_release(&r);
	return 0;
}
