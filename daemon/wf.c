/* wf: the engine. (Scaffolding: being written; see wf.h.) */
#include "wf.h"

int wf_apply(struct wf_case *c, const struct proto_event *ev, uint64_t now,
	     const struct policy *p, struct wf_effects *fx, struct proto_error *err)
{
	(void)c, (void)ev, (void)now, (void)p, (void)fx;
	return proto_fail(err, PROTO_UNAVAILABLE, "engine not built yet");
}
