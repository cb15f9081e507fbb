#include "caserec.h"

#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "prescan.h"
#include "proto_limits.h"

/* ---- names ----------------------------------------------------------------------- */

static const char *const unit_names[] = {
    [DUR_MS] = "ms",
    [DUR_WD] = "wd",
    [DUR_MO] = "mo",
    [DUR_Y] = "y",
};
static_assert(sizeof(unit_names) / sizeof(unit_names[0]) == DUR_Y + 1,
	      "every enum dur_unit has a stored name");

static const char *const task_names[] = {
    [TASK_NONE] = "none",
    [TASK_OPEN] = "open",
    [TASK_DONE] = "done",
};
static_assert(sizeof(task_names) / sizeof(task_names[0]) == TASK_DONE + 1,
	      "every enum wf_task_status has a stored name");

static const char *task_name(enum wf_task_status t)
{
	return (unsigned)t <= TASK_DONE ? task_names[t] : task_names[TASK_NONE];
}

/* The index of s in names[0..n), or -1. */
static int name_index(struct proto_str s, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (names[i] && proto_str_eq(s, names[i]))
			return i;
	return -1;
}

static int kind_index(struct proto_str s)
{
	for (int i = KIND_NA; i < KIND_COUNT; i++)
		if (proto_str_eq(s, proto_kind_prefix(i)))
			return i;
	return -1;
}

static int origin_index(struct proto_str s)
{
	for (int i = 0; i < ORIGIN_COUNT; i++)
		if (proto_str_eq(s, wf_origin_name(i)))
			return i;
	return -1;
}

static int dl_kind_index(struct proto_str s)
{
	for (int i = 0; i < DL_COUNT; i++)
		if (proto_str_eq(s, config_dl_name(i)))
			return i;
	return -1;
}

/* ---- packing helpers ------------------------------------------------------------- */

static void pack_key(msgpack_packer *pk, const char *k)
{
	proto_pack_cstr(pk, k);
}

static void pack_kv_u64(msgpack_packer *pk, const char *k, uint64_t v)
{
	pack_key(pk, k);
	msgpack_pack_uint64(pk, v);
}

static void pack_kv_cstr(msgpack_packer *pk, const char *k, const char *v)
{
	pack_key(pk, k);
	proto_pack_cstr(pk, v);
}

/* A string, or nil when it is empty. */
static void pack_str_or_nil(msgpack_packer *pk, struct proto_str s)
{
	if (s.len)
		proto_pack_str(pk, s.ptr, s.len);
	else
		msgpack_pack_nil(pk);
}

static void pack_kv_str_or_nil(msgpack_packer *pk, const char *k, struct proto_str s)
{
	pack_key(pk, k);
	pack_str_or_nil(pk, s);
}

/* A time, or nil when it is 0 (not yet). */
static void pack_kv_time_or_nil(msgpack_packer *pk, const char *k, uint64_t t)
{
	pack_key(pk, k);
	if (t)
		msgpack_pack_uint64(pk, t);
	else
		msgpack_pack_nil(pk);
}

/* A part: nil when absent, or [] for a list the view always shows as one. */
static void pack_kv_part(msgpack_packer *pk, const char *k, const msgpack_object *o, bool list)
{
	pack_key(pk, k);
	if (o)
		msgpack_pack_object(pk, *o);
	else if (list)
		msgpack_pack_array(pk, 0);
	else
		msgpack_pack_nil(pk);
}

static bool disposed(const struct wf_case *c)
{
	return c->flags & WFC_DISPOSED;
}

static uint32_t n_deadlines(const struct wf_case *c)
{
	return c->n_dl < WF_DL_MAX ? c->n_dl : WF_DL_MAX;
}

/* ---- the subject -------------------------------------------------------------------- */

static bool map_has_key(const msgpack_object *map, const msgpack_object *key)
{
	for (uint32_t i = 0; i < map->via.map.size; i++) {
		const msgpack_object *k = &map->via.map.ptr[i].key;

		if (k->type == MSGPACK_OBJECT_STR && key->type == MSGPACK_OBJECT_STR &&
		    k->via.str.size == key->via.str.size &&
		    memcmp(k->via.str.ptr, key->via.str.ptr, k->via.str.size) == 0)
			return true;
	}
	return false;
}

void caserec_pack_subject(const struct wf_case *c, msgpack_packer *pk)
{
	const msgpack_object *s = c->subject, *u = c->subject_update;
	uint32_t n = 0;

	if (!u || !s || s->type != MSGPACK_OBJECT_MAP || u->type != MSGPACK_OBJECT_MAP) {
		if (u && !s)
			msgpack_pack_object(pk, *u);
		else if (s)
			msgpack_pack_object(pk, *s);
		else
			msgpack_pack_nil(pk);
		return;
	}
	for (uint32_t i = 0; i < s->via.map.size; i++)
		n += !map_has_key(u, &s->via.map.ptr[i].key);
	msgpack_pack_map(pk, n + u->via.map.size);
	for (uint32_t i = 0; i < s->via.map.size; i++) {
		if (map_has_key(u, &s->via.map.ptr[i].key))
			continue;
		msgpack_pack_object(pk, s->via.map.ptr[i].key);
		msgpack_pack_object(pk, s->via.map.ptr[i].val);
	}
	for (uint32_t i = 0; i < u->via.map.size; i++) {
		msgpack_pack_object(pk, u->via.map.ptr[i].key);
		msgpack_pack_object(pk, u->via.map.ptr[i].val);
	}
}

/* ---- history ------------------------------------------------------------------------ */

/* An actor as case.get shows it; a disposed case keeps the role, not the id. */
static void pack_actor(msgpack_packer *pk, enum proto_role role, struct proto_str id, bool anon)
{
	if (role == ROLE_NONE) {
		msgpack_pack_nil(pk);
		return;
	}
	msgpack_pack_map(pk, 2);
	pack_key(pk, "id");
	if (anon)
		msgpack_pack_nil(pk);
	else
		proto_pack_str(pk, id.ptr, id.len);
	pack_kv_cstr(pk, "role", proto_role_name(role));
}

static void pack_hist(const struct case_hist *h, bool drop_actor_id, msgpack_packer *pk)
{
	msgpack_pack_map(pk, 5);
	pack_kv_u64(pk, "seq", h->seq);
	pack_key(pk, "type");
	proto_pack_str(pk, h->type.ptr, h->type.len);
	pack_kv_u64(pk, "at", h->at);
	pack_kv_u64(pk, "received_at", h->received_at);
	pack_key(pk, "actor");
	pack_actor(pk, h->role, h->actor_id, drop_actor_id);
}

void caserec_pack_hist(const struct case_hist *h, msgpack_packer *pk)
{
	pack_hist(h, false, pk);
}

/* A stored entry with its actor's id taken out (the load checked it is a map). */
static void pack_stored_hist_without_id(const msgpack_object *e, msgpack_packer *pk)
{
	msgpack_pack_map(pk, e->via.map.size);
	for (uint32_t i = 0; i < e->via.map.size; i++) {
		const msgpack_object *k = &e->via.map.ptr[i].key, *v = &e->via.map.ptr[i].val;
		const msgpack_object *role;

		msgpack_pack_object(pk, *k);
		if (!(k->type == MSGPACK_OBJECT_STR && k->via.str.size == 5 &&
		      memcmp(k->via.str.ptr, "actor", 5) == 0 && v->type == MSGPACK_OBJECT_MAP)) {
			msgpack_pack_object(pk, *v);
			continue;
		}
		role = proto_map_get(v, "role");
		msgpack_pack_map(pk, 2);
		pack_key(pk, "id");
		msgpack_pack_nil(pk);
		pack_key(pk, "role");
		if (role)
			msgpack_pack_object(pk, *role);
		else
			msgpack_pack_nil(pk);
	}
}

static void pack_history(const struct case_rec *r, msgpack_packer *pk)
{
	uint32_t n = r->history ? r->history->via.array.size : 0;
	bool anon = disposed(&r->c);

	pack_key(pk, "history");
	msgpack_pack_array(pk, n + (r->has_added ? 1 : 0));
	for (uint32_t i = 0; i < n; i++) {
		if (anon)
			pack_stored_hist_without_id(&r->history->via.array.ptr[i], pk);
		else
			msgpack_pack_object(pk, r->history->via.array.ptr[i]);
	}
	if (r->has_added)
		pack_hist(&r->added, anon, pk);
}

/* ---- the stored record ---------------------------------------------------------------- */

static void pack_stored_deadline(const struct wf_deadline *d, msgpack_packer *pk)
{
	msgpack_pack_map(pk, 8);
	pack_kv_cstr(pk, "kind", config_dl_name(d->kind));
	pack_kv_cstr(pk, "status", wf_dl_status_name(d->status));
	pack_kv_u64(pk, "reminders", d->reminders);
	pack_kv_u64(pk, "level", d->level);
	pack_kv_u64(pk, "start", d->start);
	pack_kv_u64(pk, "due_at", d->due_at);
	pack_kv_u64(pk, "breached_at", d->breached_at);
	pack_kv_u64(pk, "done_at", d->done_at);
}

static void pack_stored_vetting(const struct wf_case *c, msgpack_packer *pk)
{
	pack_key(pk, "vetting");
	msgpack_pack_map(pk, 5);
	pack_kv_cstr(pk, "status", task_name(c->vetting.status));
	pack_key(pk, "optional");
	c->vetting.optional ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
	pack_kv_u64(pk, "opened_at", c->vetting.opened_at);
	pack_kv_u64(pk, "done_at", c->vetting.done_at);
	pack_kv_str_or_nil(pk, "outcome", c->vetting.outcome);
}

static void pack_review_period(const struct wf_case *c, msgpack_packer *pk)
{
	pack_key(pk, "review_period");
	if (!c->has_review_period || c->review_period.unit > DUR_Y) {
		msgpack_pack_nil(pk);
		return;
	}
	msgpack_pack_map(pk, 2);
	pack_kv_u64(pk, "n", c->review_period.n);
	pack_kv_cstr(pk, "unit", unit_names[c->review_period.unit]);
}

/* Entries every stored record has; a record that is not disposed adds its personal data. */
#define STORED_ENTRIES   19
#define PERSONAL_ENTRIES 8

void caserec_pack(const struct case_rec *r, msgpack_packer *pk)
{
	const struct wf_case *c = &r->c;
	uint32_t n_dl = n_deadlines(c);

	msgpack_pack_map(pk, STORED_ENTRIES + (disposed(c) ? 0 : PERSONAL_ENTRIES));
	pack_kv_cstr(pk, "case", c->ref);
	pack_kv_cstr(pk, "kind", proto_kind_prefix(c->kind));
	pack_kv_cstr(pk, "origin", wf_origin_name(c->origin));
	pack_kv_cstr(pk, "state", wf_state_name(c->state));
	pack_kv_u64(pk, "flags", c->flags);
	pack_kv_u64(pk, "opened_at", c->opened_at);
	pack_kv_u64(pk, "closed_at", c->closed_at);
	pack_kv_u64(pk, "disposed_at", c->disposed_at);
	pack_kv_str_or_nil(pk, "closed_reason", c->closed_reason);
	pack_kv_str_or_nil(pk, "assessment", c->assessment);
	pack_kv_str_or_nil(pk, "risk", c->risk);
	pack_kv_str_or_nil(pk, "interview", c->interview);
	pack_kv_str_or_nil(pk, "aa_decision", c->aa_decision);
	pack_kv_str_or_nil(pk, "appeal", c->appeal);
	pack_kv_str_or_nil(pk, "review", c->review);
	pack_review_period(c, pk);
	pack_stored_vetting(c, pk);
	pack_key(pk, "deadlines");
	msgpack_pack_array(pk, n_dl);
	for (uint32_t i = 0; i < n_dl; i++)
		pack_stored_deadline(&c->dl[i], pk);
	pack_history(r, pk);
	/* a tombstone keeps neither personal data nor who handled it */
	if (disposed(c))
		return;
	pack_kv_cstr(pk, "aa", c->aa);
	pack_key(pk, "subject_id");
	proto_pack_str(pk, c->subject_id.ptr, c->subject_id.len);
	pack_key(pk, "subject");
	caserec_pack_subject(c, pk);
	/* stored as they are: nil when absent, so that absent loads as NULL again */
	pack_kv_part(pk, "associate", c->associate, false);
	pack_kv_part(pk, "categories", c->categories, false);
	pack_kv_part(pk, "relationship", c->relationship, false);
	pack_kv_part(pk, "conditions", c->conditions, false);
	pack_kv_part(pk, "proposed", c->proposed, false);
}

/* ---- the case.get view ------------------------------------------------------------------ */

static void pack_view_deadlines(const struct wf_case *c, msgpack_packer *pk)
{
	uint32_t n_dl = n_deadlines(c);

	pack_key(pk, "deadlines");
	msgpack_pack_array(pk, n_dl);
	for (uint32_t i = 0; i < n_dl; i++) {
		const struct wf_deadline *d = &c->dl[i];

		msgpack_pack_map(pk, 4);
		pack_kv_cstr(pk, "kind", config_dl_name(d->kind));
		pack_kv_u64(pk, "due_at", d->due_at);
		pack_kv_cstr(pk, "status", wf_dl_status_name(d->status));
		pack_kv_u64(pk, "level", d->level);
	}
}

static void pack_view_tasks(const struct wf_case *c, msgpack_packer *pk)
{
	pack_key(pk, "tasks");
	if (c->vetting.status != TASK_OPEN && c->vetting.status != TASK_DONE) {
		msgpack_pack_array(pk, 0);
		return;
	}
	msgpack_pack_array(pk, 1);
	msgpack_pack_map(pk, 6);
	pack_kv_cstr(pk, "kind", config_dl_name(DL_VETTING_REVIEW));
	pack_kv_cstr(pk, "status", task_name(c->vetting.status));
	pack_key(pk, "optional");
	c->vetting.optional ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
	pack_kv_str_or_nil(pk, "outcome", c->vetting.outcome);
	pack_kv_u64(pk, "opened_at", c->vetting.opened_at);
	pack_kv_time_or_nil(pk, "done_at", c->vetting.done_at);
}

#define VIEW_ENTRIES 17

void caserec_pack_view(const struct case_rec *r, msgpack_packer *pk)
{
	const struct wf_case *c = &r->c;
	bool keep = !disposed(c);

	msgpack_pack_map(pk, VIEW_ENTRIES);
	pack_kv_cstr(pk, "case", c->ref);
	pack_kv_cstr(pk, "kind", proto_kind_prefix(c->kind));
	pack_kv_cstr(pk, "origin", wf_origin_name(c->origin));
	pack_kv_cstr(pk, "state", wf_state_name(c->state));
	pack_kv_u64(pk, "opened_at", c->opened_at);
	pack_key(pk, "subject");
	if (keep)
		caserec_pack_subject(c, pk);
	else
		msgpack_pack_nil(pk);
	pack_kv_part(pk, "associate", keep ? c->associate : NULL, false);
	pack_kv_part(pk, "categories", keep ? c->categories : NULL, true);
	pack_kv_part(pk, "relationship", keep ? c->relationship : NULL, false);
	pack_kv_part(pk, "conditions", keep ? c->conditions : NULL, true);
	pack_view_deadlines(c, pk);
	pack_view_tasks(c, pk);
	pack_history(r, pk);
	pack_kv_str_or_nil(pk, "closed_reason", c->closed_reason);
	pack_key(pk, "aa");
	if (keep && c->aa[0])
		proto_pack_cstr(pk, c->aa);
	else
		msgpack_pack_nil(pk);
	pack_kv_time_or_nil(pk, "closed_at", c->closed_at);
	pack_kv_time_or_nil(pk, "disposed_at", c->disposed_at);
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
	struct proto_str s;

	if (get_str(v, &s) < 0 || s.len > PROTO_CASE_MAX || memchr(s.ptr, '\0', s.len))
		return -EIO;
	memcpy(p, s.ptr, s.len);
	((char *)p)[s.len] = '\0';
	return 0;
}

static int ld_aa(void *p, const msgpack_object *v)
{
	struct proto_str s;

	if (get_str(v, &s) < 0 || s.len > WF_AA_ID_MAX || memchr(s.ptr, '\0', s.len))
		return -EIO;
	memcpy(p, s.ptr, s.len);
	((char *)p)[s.len] = '\0';
	return 0;
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

static int state_index(struct proto_str s)
{
	return wf_state_parse(s.ptr, s.len);
}

static int dl_status_index(struct proto_str s)
{
	return wf_dl_status_parse(s.ptr, s.len);
}

static int task_index(struct proto_str s)
{
	return name_index(s, task_names, TASK_DONE + 1);
}

static int unit_index(struct proto_str s)
{
	return name_index(s, unit_names, DUR_Y + 1);
}

static_assert(sizeof(enum proto_kind) == sizeof(int) && sizeof(enum wf_origin) == sizeof(int) &&
		  sizeof(enum wf_state) == sizeof(int) && sizeof(enum dl_kind) == sizeof(int) &&
		  sizeof(enum dl_status) == sizeof(int) &&
		  sizeof(enum wf_task_status) == sizeof(int) &&
		  sizeof(enum dur_unit) == sizeof(int),
	      "enums are stored through an int");

static int ld_kind(void *p, const msgpack_object *v)
{
	return ld_enum(p, v, kind_index);
}
static int ld_origin(void *p, const msgpack_object *v)
{
	return ld_enum(p, v, origin_index);
}
static int ld_state(void *p, const msgpack_object *v)
{
	return ld_enum(p, v, state_index);
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
    {"reminders", ld_u32, offsetof(struct wf_deadline, reminders)},
    {"level", ld_u32, offsetof(struct wf_deadline, level)},
    {"start", ld_u64, offsetof(struct wf_deadline, start)},
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
		memset(&c->dl[i], 0, sizeof(c->dl[i]));
		if (load_map(&c->dl[i], &v->via.array.ptr[i], deadline_entries,
			     N(deadline_entries)) < 0)
			return -EIO;
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

/* The stored record's entries. Records of the first format (before deadlines) have a subset
 * of these, and "tasks", which was always empty; they load with the rest zero. */
#define CASE(f) offsetof(struct case_rec, c.f)
static const struct entry case_entries[] = {
    {"case", ld_ref, CASE(ref)},
    {"kind", ld_kind, CASE(kind)},
    {"origin", ld_origin, CASE(origin)},
    {"state", ld_state, CASE(state)},
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
    {"history", ld_history, offsetof(struct case_rec, history)},
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

/* A stored record is as large as its history; only its nesting is bounded. */
static const struct proto_limits stored_limits = {
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

	memset(r, 0, sizeof(*r));
	msgpack_unpacked_init(&r->unpacked);
	r->loaded = true;
	/* msgpack-c allocates for the counts headers claim: a damaged header must not make it */
	if (proto_prescan(bytes, len, &stored_limits, &err) < 0)
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
