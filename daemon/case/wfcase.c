/* wfcase: the readers of a case's marks and of its kind's own fields (see wfcase.h). */
#include "case/wfcase.h"

#include <string.h>

const char *wf_mark_name(enum wf_case_flag f)
{
	switch (f) {
	case WFC_BAD_FAITH:
		return "bad_faith";
	default:
		return NULL;
	}
}

const msgpack_object *wf_part_get(const struct wf_case *c, const char *name)
{
	for (uint32_t i = 0; i < c->n_parts; i++)
		if (proto_str_eq(c->parts[i].name, name))
			return c->parts[i].v;
	return NULL;
}

struct proto_str wf_outcome_get(const struct wf_case *c, const char *name)
{
	for (uint32_t i = 0; i < c->n_outcomes; i++)
		if (proto_str_eq(c->outcomes[i].name, name))
			return c->outcomes[i].value;
	return (struct proto_str){NULL, 0};
}
