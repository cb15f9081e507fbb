/* wfcase: the readers of a case's marks and of its kind's own fields (see wfcase.h). */
#include "case/wfcase.h"

#include <string.h>

const char *wf_mark_name(enum wf_case_flag f)
{
	switch (f) {
	case WFC_BAD_FAITH:
		return "bad_faith";
	case WFC_LATE:
		return "late";
	default:
		return NULL;
	}
}

static const struct wf_part *part(const struct wf_case *c, const char *name, bool outcome)
{
	for (uint32_t i = 0; i < c->n_parts; i++)
		if (c->parts[i].outcome == outcome && proto_str_eq(c->parts[i].name, name))
			return &c->parts[i];
	return NULL;
}

const msgpack_object *wf_part_get(const struct wf_case *c, const char *name)
{
	const struct wf_part *p = part(c, name, false);

	return p ? p->v : NULL;
}

struct proto_str wf_outcome_get(const struct wf_case *c, const char *name)
{
	const struct wf_part *p = part(c, name, true);

	if (!p || p->v->type != MSGPACK_OBJECT_STR)
		return (struct proto_str){NULL, 0};
	return (struct proto_str){p->v->via.str.ptr, p->v->via.str.size};
}

void wf_parts_drop_personal(struct wf_case *c)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < c->n_parts; i++)
		if (c->parts[i].outcome)
			c->parts[n++] = c->parts[i];
	c->n_parts = n;
}
