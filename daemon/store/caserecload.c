/* caserecload: loading a stored case record into a view that borrows from its own copy of
 * the tree (caserec_load, caserec_release). Every entry is read by one row of a table; a
 * damaged record gives -EIO, never a crash. Part of caserec (see caserec.h and
 * caserecint.h). */
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "store/caserec.h"
#include "store/caserecint.h"
#include "prescan.h"
#include "proto_limits.h"

/* ---- names ----------------------------------------------------------------------- */

static int kind_index(struct proto_str s)
{
	for (int i = KIND_NA; i < KIND_COUNT; i++)
		if (proto_str_eq(s, proto_kind_prefix(i)))
			return i;
	return -1;
}

static int origin_index(struct proto_str s)
{
	return wf_origin_parse(s.ptr, s.len);
}

static int dl_kind_index(struct proto_str s)
{
	return policy_dl_parse(s.ptr, s.len);
}

/* ---- loading -------------------------------------------------------------------------- */

/* Stored records are ours, but a damaged page must give -EIO, never a crash: every entry
 * is checked for its type before it is used. */

static int get_u64(const msgpack_object *v, uint64_t *ret)
{
	if (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		return -EIO;
	*ret = v->via.u64;
	return 0;
}

static int get_u32(const msgpack_object *v, uint32_t *ret)
{
	if (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER || v->via.u64 > UINT32_MAX)
		return -EIO;
	*ret = (uint32_t)v->via.u64;
	return 0;
}

static int get_str(const msgpack_object *v, struct proto_str *ret)
{
	if (v->type != MSGPACK_OBJECT_STR)
		return -EIO;
	*ret = (struct proto_str){v->via.str.ptr, v->via.str.size};
	return 0;
}

/* A string of at most max bytes and no NUL, copied to ret[max + 1] with a NUL. */
static int get_cstr(const msgpack_object *v, char *ret, size_t max)
{
	struct proto_str s;

	if (get_str(v, &s) < 0 || s.len > max || memchr(s.ptr, '\0', s.len))
		return -EIO;
	memcpy(ret, s.ptr, s.len);
	ret[s.len] = '\0';
	return 0;
}

/* A string, or nil for none. */
static int get_opt_str(const msgpack_object *v, struct proto_str *ret)
{
	if (v->type == MSGPACK_OBJECT_NIL) {
		*ret = (struct proto_str){NULL, 0};
		return 0;
	}
	return get_str(v, ret);
}

static int get_bool(const msgpack_object *v, bool *ret)
{
	if (v->type != MSGPACK_OBJECT_BOOLEAN)
		return -EIO;
	*ret = v->via.boolean;
	return 0;
}

/* The entries of a stored map, each read by one row of a table. */
struct entry {
	const char *name;
	int (*load)(void *dst, const msgpack_object *v);
	size_t off; /* where in dst it goes */
};

static int load_map(void *dst, const msgpack_object *map, const struct entry *tab, size_t n)
{
	if (map->type != MSGPACK_OBJECT_MAP)
		return -EIO;
	for (uint32_t i = 0; i < map->via.map.size; i++) {
		const msgpack_object *k = &map->via.map.ptr[i].key;

		if (k->type != MSGPACK_OBJECT_STR)
			return -EIO;
		for (size_t j = 0; j < n; j++) {
			struct proto_str name = {k->via.str.ptr, k->via.str.size};

			if (!proto_str_eq(name, tab[j].name))
				continue;
			if (tab[j].load((char *)dst + tab[j].off, &map->via.map.ptr[i].val) < 0)
				return -EIO;
			break;
		}
	}
	return 0;
}

static int ld_u64(void *p, const msgpack_object *v)
{
	return get_u64(v, p);
}

static int ld_u32(void *p, const msgpack_object *v)
{
	return get_u32(v, p);
}

static int ld_str(void *p, const msgpack_object *v)
{
	return get_str(v, p);
}

static int ld_opt_str(void *p, const msgpack_object *v)
{
	return get_opt_str(v, p);
}

static int ld_bool(void *p, const msgpack_object *v)
{
	return get_bool(v, p);
}

/* A part: any object, nil for absent. */
static int ld_part(void *p, const msgpack_object *v)
{
	*(const msgpack_object **)p = v->type == MSGPACK_OBJECT_NIL ? NULL : v;
	return 0;
}

/* A list part: nil, or [] as the first format wrote for none, is absent. */
static int ld_list_part(void *p, const msgpack_object *v)
{
	bool none = v->type == MSGPACK_OBJECT_NIL ||
		    (v->type == MSGPACK_OBJECT_ARRAY && v->via.array.size == 0);

	*(const msgpack_object **)p = none ? NULL : v;
	return 0;
}

static int ld_ref(void *p, const msgpack_object *v)
{
	return get_cstr(v, p, PROTO_CASE_MAX);
}

static int ld_aa(void *p, const msgpack_object *v)
{
	return get_cstr(v, p, WF_AA_ID_MAX);
}

/* An enum stored by name: `parse` gives its value or -1. */
static int ld_enum(void *p, const msgpack_object *v, int (*parse)(struct proto_str))
{
	struct proto_str s;
	int i;

	if (get_str(v, &s) < 0 || (i = parse(s)) < 0)
		return -EIO;
	*(int *)p = i;
	return 0;
}

static int dl_status_index(struct proto_str s)
{
	return wf_dl_status_parse(s.ptr, s.len);
}

static int task_index(struct proto_str s)
{
	return proto_name_index(caserec_task_names, TASK_COUNT, s.ptr, s.len);
}

static int unit_index(struct proto_str s)
{
	return proto_name_index(caserec_unit_names, DUR_Y + 1, s.ptr, s.len);
}

static_assert(sizeof(enum proto_kind) == sizeof(int) && sizeof(enum wf_origin) == sizeof(int) &&
		  sizeof(enum wf_state) == sizeof(int) && sizeof(enum dl_kind) == sizeof(int) &&
		  sizeof(enum dl_status) == sizeof(int) &&
		  sizeof(enum wf_task_status) == sizeof(int) &&
		  sizeof(enum dur_unit) == sizeof(int) && sizeof(enum proto_role) == sizeof(int),
	      "enums are stored through an int");

static int ld_kind(void *p, const msgpack_object *v)
{
	return ld_enum(p, v, kind_index);
}
static int ld_origin(void *p, const msgpack_object *v)
{
	return ld_enum(p, v, origin_index);
}
static int role_index(struct proto_str s)
{
	for (int r = ROLE_NONE + 1; r < ROLE_COUNT; r++)
		if (proto_str_eq(s, proto_role_name(r)))
			return r;
	return -1;
}

static int ld_role(void *p, const msgpack_object *v)
{
	if (v->type == MSGPACK_OBJECT_NIL) {
		*(int *)p = ROLE_NONE;
		return 0;
	}
	return ld_enum(p, v, role_index);
}


/* A kind's own fields: a map of name to any object (parts) or to a string (outcomes), one
 * array in the case. */
static int ld_named(struct wf_case *c, const msgpack_object *v, bool outcome)
{
	if (v->type != MSGPACK_OBJECT_MAP || c->n_parts + v->via.map.size > WF_PARTS_MAX)
		return -EIO;
	for (uint32_t i = 0; i < v->via.map.size; i++) {
		const msgpack_object_kv *kv = &v->via.map.ptr[i];
		struct wf_part *p = &c->parts[c->n_parts++];

		if (get_str(&kv->key, &p->name) < 0 ||
		    (outcome && kv->val.type != MSGPACK_OBJECT_STR))
			return -EIO;
		p->v = &kv->val;
		p->outcome = outcome;
	}
	return 0;
}

static int ld_parts(void *p, const msgpack_object *v)
{
	return ld_named(p, v, false);
}

static int ld_outcomes(void *p, const msgpack_object *v)
{
	return ld_named(p, v, true);
}

static int ld_dl_kind(void *p, const msgpack_object *v)
{
	return ld_enum(p, v, dl_kind_index);
}
static int ld_dl_status(void *p, const msgpack_object *v)
{
	return ld_enum(p, v, dl_status_index);
}
static int ld_task(void *p, const msgpack_object *v)
{
	return ld_enum(p, v, task_index);
}
static int ld_unit(void *p, const msgpack_object *v)
{
	return ld_enum(p, v, unit_index);
}

#define N(tab) (sizeof(tab) / sizeof((tab)[0]))

static const struct entry deadline_entries[] = {
    {"kind", ld_dl_kind, offsetof(struct wf_deadline, kind)},
    {"status", ld_dl_status, offsetof(struct wf_deadline, status)},
    {"level", ld_u32, offsetof(struct wf_deadline, level)},
    {"start", ld_u64, offsetof(struct wf_deadline, start)},
    {"reminded_until", ld_u64, offsetof(struct wf_deadline, reminded_until)},
    {"opened_at", ld_u64, offsetof(struct wf_deadline, opened_at)}, /* 0 in older records */
    {"due_at", ld_u64, offsetof(struct wf_deadline, due_at)},
    {"breached_at", ld_u64, offsetof(struct wf_deadline, breached_at)},
    {"done_at", ld_u64, offsetof(struct wf_deadline, done_at)},
};

static int ld_deadlines(void *p, const msgpack_object *v)
{
	struct wf_case *c = p;

	if (v->type != MSGPACK_OBJECT_ARRAY || v->via.array.size > WF_DL_MAX)
		return -EIO;
	for (uint32_t i = 0; i < v->via.array.size; i++) {
		struct wf_deadline *d = &c->dl[i];

		memset(d, 0, sizeof(*d));
		if (load_map(d, &v->via.array.ptr[i], deadline_entries, N(deadline_entries)) < 0)
			return -EIO;
		/* Records before reminded_until counted reminders by their place in the list
		 * ("reminders", now ignored): they load as reminded_until = start, as if none
		 * had been handled, because a count cannot be turned into a time without the
		 * policy it was counted under. The next firing of such an open deadline sends
		 * only the latest reminder already due, so at most that one may go twice. */
		if (d->reminded_until < d->start)
			d->reminded_until = d->start;
	}
	c->n_dl = v->via.array.size;
	return 0;
}

#define VETTING(f) offsetof(struct wf_case, vetting.f)
static const struct entry vetting_entries[] = {
    {"status", ld_task, VETTING(status)},      {"optional", ld_bool, VETTING(optional)},
    {"opened_at", ld_u64, VETTING(opened_at)}, {"done_at", ld_u64, VETTING(done_at)},
    {"outcome", ld_opt_str, VETTING(outcome)},
};

static int ld_vetting(void *p, const msgpack_object *v)
{
	return load_map(p, v, vetting_entries, N(vetting_entries));
}

static const struct entry duration_entries[] = {
    {"n", ld_u64, offsetof(struct duration, n)},
    {"unit", ld_unit, offsetof(struct duration, unit)},
};

static int ld_review_period(void *p, const msgpack_object *v)
{
	struct wf_case *c = p;

	c->has_review_period = v->type != MSGPACK_OBJECT_NIL;
	if (!c->has_review_period)
		return 0;
	c->review_period = (struct duration){0, DUR_MS};
	return load_map(&c->review_period, v, duration_entries, N(duration_entries));
}

/* Every entry is an array of maps (the load checks it, so packing never meets another). */
static int ld_history(void *p, const msgpack_object *v)
{
	if (v->type != MSGPACK_OBJECT_ARRAY)
		return -EIO;
	for (uint32_t i = 0; i < v->via.array.size; i++)
		if (v->via.array.ptr[i].type != MSGPACK_OBJECT_MAP)
			return -EIO;
	*(const msgpack_object **)p = v;
	return 0;
}

/* The thread: an array of {at, from, text} maps, as history's entries are; [] is none. */
static int ld_thread(void *p, const msgpack_object *v)
{
	int r = ld_history(p, v);

	if (r == 0 && v->via.array.size == 0)
		*(const msgpack_object **)p = NULL;
	return r;
}

/* The outbox seqs of the case's notifications: an array of uints; [] is none. */
static int ld_notes(void *p, const msgpack_object *v)
{
	if (v->type != MSGPACK_OBJECT_ARRAY)
		return -EIO;
	for (uint32_t i = 0; i < v->via.array.size; i++)
		if (v->via.array.ptr[i].type != MSGPACK_OBJECT_POSITIVE_INTEGER)
			return -EIO;
	*(const msgpack_object **)p = v->via.array.size ? v : NULL;
	return 0;
}

/* The stored record's entries. Records of the first format (before deadlines) have a subset
 * of these, and "tasks", which was always empty; they load with the rest zero. */
#define CASE(f) offsetof(struct case_rec, c.f)
static const struct entry case_entries[] = {
    {"case", ld_ref, CASE(ref)},
    {"kind", ld_kind, CASE(kind)},
    {"origin", ld_origin, CASE(origin)},
    {"state", ld_str, offsetof(struct case_rec, state_name)}, /* its kind's: see below */
    {"flags", ld_u32, CASE(flags)},
    {"opened_at", ld_u64, CASE(opened_at)},
    {"closed_at", ld_u64, CASE(closed_at)},
    {"disposed_at", ld_u64, CASE(disposed_at)},
    {"subject_id", ld_str, CASE(subject_id)},
    {"closed_reason", ld_opt_str, CASE(closed_reason)},
    {"assessment", ld_opt_str, CASE(assessment)},
    {"risk", ld_opt_str, CASE(risk)},
    {"interview", ld_opt_str, CASE(interview)},
    {"aa_decision", ld_opt_str, CASE(aa_decision)},
    {"appeal", ld_opt_str, CASE(appeal)},
    {"review", ld_opt_str, CASE(review)},
    {"review_period", ld_review_period, offsetof(struct case_rec, c)},
    {"vetting", ld_vetting, offsetof(struct case_rec, c)},
    {"aa", ld_aa, CASE(aa)},
    {"deadlines", ld_deadlines, offsetof(struct case_rec, c)},
    {"subject", ld_part, CASE(subject)},
    {"associate", ld_part, CASE(associate)},
    {"categories", ld_list_part, CASE(categories)},
    {"relationship", ld_part, CASE(relationship)},
    {"conditions", ld_list_part, CASE(conditions)},
    {"proposed", ld_list_part, CASE(proposed)},
    {"parts", ld_parts, offsetof(struct case_rec, c)},
    {"outcomes", ld_outcomes, offsetof(struct case_rec, c)},
    {"token", ld_opt_str, CASE(token)},
    {"reporter_role", ld_role, CASE(reporter_role)},
    {"reporter_id", ld_opt_str, CASE(reporter_id)},
    {"thread", ld_thread, CASE(thread)},
    {"history", ld_history, offsetof(struct case_rec, history)},
    {"notes", ld_notes, offsetof(struct case_rec, notes)},
};

/* msgpack_unpack_next leaves strings pointing into the bytes it was given (LMDB's pages, gone
 * with the transaction): point them into the copy instead. */
static void rebase(msgpack_object *o, const char *from, const char *to)
{
	switch (o->type) {
	case MSGPACK_OBJECT_STR:
		if (o->via.str.ptr)
			o->via.str.ptr = to + (o->via.str.ptr - from);
		break;
	case MSGPACK_OBJECT_BIN:
		if (o->via.bin.ptr)
			o->via.bin.ptr = to + (o->via.bin.ptr - from);
		break;
	case MSGPACK_OBJECT_EXT:
		if (o->via.ext.ptr)
			o->via.ext.ptr = to + (o->via.ext.ptr - from);
		break;
	case MSGPACK_OBJECT_ARRAY:
		for (uint32_t i = 0; i < o->via.array.size; i++)
			rebase(&o->via.array.ptr[i], from, to);
		break;
	case MSGPACK_OBJECT_MAP:
		for (uint32_t i = 0; i < o->via.map.size; i++) {
			rebase(&o->via.map.ptr[i].key, from, to);
			rebase(&o->via.map.ptr[i].val, from, to);
		}
		break;
	default:
		break;
	}
}

/* see prescan.h: a stored record is as large as its history; only its nesting is bounded */
const struct proto_limits proto_stored_limits = {
    .max_message_bytes = SIZE_MAX,
    .max_depth = PROTO_DEPTH_HARD_MAX,
    .max_items = SIZE_MAX,
};

int caserec_load(struct case_rec *r, const void *bytes, size_t len)
{
	struct proto_error err;
	msgpack_unpack_return ur;
	char *copy;
	size_t off = 0;
	int state;

	memset(r, 0, sizeof(*r));
	msgpack_unpacked_init(&r->unpacked);
	r->loaded = true;
	/* msgpack-c allocates for the counts headers claim: a damaged header must not make it */
	if (proto_prescan(bytes, len, &proto_stored_limits, &err) < 0)
		goto bad;
	ur = msgpack_unpack_next(&r->unpacked, bytes, len, &off);
	if (ur != MSGPACK_UNPACK_SUCCESS || off != len || !r->unpacked.zone)
		goto bad;
	if (!(copy = msgpack_zone_malloc(r->unpacked.zone, len ? len : 1)))
		goto bad;
	memcpy(copy, bytes, len);
	rebase(&r->unpacked.data, bytes, copy);
	if (load_map(r, &r->unpacked.data, case_entries, N(case_entries)) < 0)
		goto bad;
	/* a state is named in its kind's enum, which the record names beside it */
	state = r->state_name.len
		    ? wf_kind_state_parse(r->c.kind, r->state_name.ptr, r->state_name.len)
		    : 0; /* absent: its zero value */
	if (state < 0)
		goto bad;
	r->c.state = state;
	return 0;
bad:
	caserec_release(r);
	return -EIO;
}

void caserec_release(struct case_rec *r)
{
	if (r->loaded)
		msgpack_unpacked_destroy(&r->unpacked);
	r->loaded = false;
}
