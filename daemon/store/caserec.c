/* caserec: packing a case record, in its stored form and as case.get shows it; the names
 * of its enums in the stored form. Loading a stored record is caserecload.c's. See
 * caserec.h; what the two share is caserecint.h. */
#include "store/caserec.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "store/caserecint.h"

/* ---- names ----------------------------------------------------------------------- */

const char *const caserec_unit_names[] = {
    [DUR_MS] = "ms",
    [DUR_WD] = "wd",
    [DUR_MO] = "mo",
    [DUR_Y] = "y",
};
static_assert(sizeof(caserec_unit_names) / sizeof(caserec_unit_names[0]) == DUR_Y + 1,
	      "every enum dur_unit has a stored name");

const char *const caserec_task_names[] = {
    [TASK_NONE] = "none",
    [TASK_OPEN] = "open",
    [TASK_DONE] = "done",
    [TASK_CANCELLED] = "cancelled",
};
static_assert(sizeof(caserec_task_names) / sizeof(caserec_task_names[0]) == TASK_COUNT,
	      "every enum wf_task_status has a stored name");

static const char *task_name(enum wf_task_status t)
{
	return (unsigned)t < TASK_COUNT ? caserec_task_names[t] : caserec_task_names[TASK_NONE];
}

/* ---- packing helpers ------------------------------------------------------------- */

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
	proto_pack_cstr(pk, k);
	pack_str_or_nil(pk, s);
}

/* A time, or nil when it is 0 (not yet). */
static void pack_kv_time_or_nil(msgpack_packer *pk, const char *k, uint64_t t)
{
	proto_pack_cstr(pk, k);
	if (t)
		msgpack_pack_uint64(pk, t);
	else
		msgpack_pack_nil(pk);
}

/* A part: nil when absent, or [] for a list the view always shows as one. */
static void pack_kv_part(msgpack_packer *pk, const char *k, const msgpack_object *o, bool list)
{
	proto_pack_cstr(pk, k);
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

/* REGISTERS.md "Management data": the subject's protected characteristics are stored (and
 * sealed with the record) for aggregates, and never shown per case. */
#define CHARACTERISTICS_KEY "characteristics"

static bool is_characteristics(const msgpack_object *key)
{
	return key->type == MSGPACK_OBJECT_STR &&
	       key->via.str.size == sizeof(CHARACTERISTICS_KEY) - 1 &&
	       memcmp(key->via.str.ptr, CHARACTERISTICS_KEY, key->via.str.size) == 0;
}

/* Entry i of s goes out: not overridden by u (NULL: none), not hidden from a view. */
static bool subject_entry_out(const msgpack_object *s, uint32_t i, const msgpack_object *u,
			      bool view)
{
	const msgpack_object *k = &s->via.map.ptr[i].key;

	return !(u && map_has_key(u, k)) && !(view && is_characteristics(k));
}

/* Packs c->subject with c->subject_update's fields merged over it (or nil); view: without
 * the characteristics (case.get). */
static void pack_subject(const struct wf_case *c, msgpack_packer *pk, bool view)
{
	const msgpack_object *s = c->subject, *u = c->subject_update;
	uint32_t n = 0;

	if (s && s->type != MSGPACK_OBJECT_MAP)
		s = NULL;
	if (u && u->type != MSGPACK_OBJECT_MAP)
		u = NULL;
	if (!s && !u) {
		if (c->subject)
			msgpack_pack_object(pk, *c->subject);
		else
			msgpack_pack_nil(pk);
		return;
	}
	for (uint32_t i = 0; s && i < s->via.map.size; i++)
		n += subject_entry_out(s, i, u, view);
	for (uint32_t i = 0; u && i < u->via.map.size; i++)
		n += subject_entry_out(u, i, NULL, view);
	msgpack_pack_map(pk, n);
	for (uint32_t i = 0; s && i < s->via.map.size; i++) {
		if (!subject_entry_out(s, i, u, view))
			continue;
		msgpack_pack_object(pk, s->via.map.ptr[i].key);
		msgpack_pack_object(pk, s->via.map.ptr[i].val);
	}
	for (uint32_t i = 0; u && i < u->via.map.size; i++) {
		if (!subject_entry_out(u, i, NULL, view))
			continue;
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
	proto_pack_cstr(pk, "id");
	if (anon)
		msgpack_pack_nil(pk);
	else
		proto_pack_str(pk, id.ptr, id.len);
	proto_pack_kv_cstr(pk, "role", proto_role_name(role));
}

static void pack_hist(const struct case_hist *h, bool drop_actor_id, msgpack_packer *pk)
{
	msgpack_pack_map(pk, 5);
	proto_pack_kv_u64(pk, "seq", h->seq);
	proto_pack_cstr(pk, "type");
	proto_pack_str(pk, h->type.ptr, h->type.len);
	proto_pack_kv_u64(pk, "at", h->at);
	proto_pack_kv_u64(pk, "received_at", h->received_at);
	proto_pack_cstr(pk, "actor");
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
		if (!(k->type == MSGPACK_OBJECT_STR &&
		      proto_str_eq((struct proto_str){k->via.str.ptr, k->via.str.size}, "actor") &&
		      v->type == MSGPACK_OBJECT_MAP)) {
			msgpack_pack_object(pk, *v);
			continue;
		}
		role = proto_map_get(v, "role");
		msgpack_pack_map(pk, 2);
		proto_pack_cstr(pk, "id");
		msgpack_pack_nil(pk);
		proto_pack_cstr(pk, "role");
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

	proto_pack_cstr(pk, "history");
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
	msgpack_pack_map(pk, 9);
	proto_pack_kv_cstr(pk, "kind", config_dl_name(d->kind));
	proto_pack_kv_cstr(pk, "status", wf_dl_status_name(d->status));
	proto_pack_kv_u64(pk, "level", d->level);
	proto_pack_kv_u64(pk, "start", d->start);
	proto_pack_kv_u64(pk, "reminded_until", d->reminded_until);
	proto_pack_kv_u64(pk, "opened_at", d->opened_at);
	proto_pack_kv_u64(pk, "due_at", d->due_at);
	proto_pack_kv_u64(pk, "breached_at", d->breached_at);
	proto_pack_kv_u64(pk, "done_at", d->done_at);
}

static void pack_stored_vetting(const struct wf_case *c, msgpack_packer *pk)
{
	proto_pack_cstr(pk, "vetting");
	msgpack_pack_map(pk, 5);
	proto_pack_kv_cstr(pk, "status", task_name(c->vetting.status));
	proto_pack_cstr(pk, "optional");
	c->vetting.optional ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
	proto_pack_kv_u64(pk, "opened_at", c->vetting.opened_at);
	proto_pack_kv_u64(pk, "done_at", c->vetting.done_at);
	pack_kv_str_or_nil(pk, "outcome", c->vetting.outcome);
}

static void pack_review_period(const struct wf_case *c, msgpack_packer *pk)
{
	proto_pack_cstr(pk, "review_period");
	if (!c->has_review_period || c->review_period.unit > DUR_Y) {
		msgpack_pack_nil(pk);
		return;
	}
	msgpack_pack_map(pk, 2);
	proto_pack_kv_u64(pk, "n", c->review_period.n);
	proto_pack_kv_cstr(pk, "unit", caserec_unit_names[c->review_period.unit]);
}

/* ---- the kind's own fields -------------------------------------------------------------- */

/* The kind's parts, or its outcomes, as a map (the stored form's "parts" and "outcomes"). */
static uint32_t n_of(const struct wf_case *c, bool outcome)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < c->n_parts && i < WF_PARTS_MAX; i++)
		n += c->parts[i].outcome == outcome;
	return n;
}

static void pack_named(const struct wf_case *c, bool outcome, bool as_map, msgpack_packer *pk)
{
	if (as_map)
		msgpack_pack_map(pk, n_of(c, outcome));
	for (uint32_t i = 0; i < c->n_parts && i < WF_PARTS_MAX; i++) {
		if (c->parts[i].outcome != outcome)
			continue;
		proto_pack_str(pk, c->parts[i].name.ptr, c->parts[i].name.len);
		msgpack_pack_object(pk, *c->parts[i].v);
	}
}

static void pack_parts(const struct wf_case *c, msgpack_packer *pk, const char *k)
{
	proto_pack_cstr(pk, k);
	pack_named(c, false, true, pk);
}

static void pack_outcomes(const struct wf_case *c, msgpack_packer *pk)
{
	proto_pack_cstr(pk, "outcomes");
	pack_named(c, true, true, pk);
}

/* The reporter's channel: the token (never in the view), the named reporter and the thread,
 * the stored messages then the one this step adds. */
static void pack_channel(const struct wf_case *c, msgpack_packer *pk)
{
	uint32_t n = c->thread ? c->thread->via.array.size : 0;

	pack_kv_str_or_nil(pk, "token", c->token);
	proto_pack_cstr(pk, "reporter_role");
	if (c->reporter_role != ROLE_NONE)
		proto_pack_cstr(pk, proto_role_name(c->reporter_role));
	else
		msgpack_pack_nil(pk);
	pack_kv_str_or_nil(pk, "reporter_id", c->reporter_id);
	proto_pack_cstr(pk, "thread");
	msgpack_pack_array(pk, n + (c->has_added_msg ? 1 : 0));
	for (uint32_t i = 0; i < n; i++)
		msgpack_pack_object(pk, c->thread->via.array.ptr[i]);
	if (c->has_added_msg) {
		msgpack_pack_map(pk, 3);
		proto_pack_kv_u64(pk, "at", c->added_msg.at);
		proto_pack_kv_cstr(pk, "from", c->added_msg.from_psd ? "psd" : "reporter");
		proto_pack_cstr(pk, "text");
		proto_pack_str(pk, c->added_msg.text.ptr, c->added_msg.text.len);
	}
}

/* "marks": the names of the case's flags that are marks (bad_faith) */
static void pack_marks(const struct wf_case *c, msgpack_packer *pk)
{
	uint32_t n = 0;

	for (uint32_t f = 1; f; f <<= 1)
		n += (c->flags & f & WF_MARKS) && wf_mark_name(f);
	proto_pack_cstr(pk, "marks");
	msgpack_pack_array(pk, n);
	for (uint32_t f = 1; f; f <<= 1)
		if ((c->flags & f & WF_MARKS) && wf_mark_name(f))
			proto_pack_cstr(pk, wf_mark_name(f));
}

/* ---- notes ------------------------------------------------------------------------------ */

static uint32_t n_added_notes(const struct case_rec *r)
{
	return r->n_added_notes < WF_NOTES_MAX ? r->n_added_notes : WF_NOTES_MAX;
}

static void pack_notes(const struct case_rec *r, msgpack_packer *pk)
{
	uint32_t n = r->notes ? r->notes->via.array.size : 0;

	proto_pack_cstr(pk, "notes");
	msgpack_pack_array(pk, n + n_added_notes(r));
	for (uint32_t i = 0; i < n; i++)
		msgpack_pack_object(pk, r->notes->via.array.ptr[i]);
	for (uint32_t i = 0; i < n_added_notes(r); i++)
		msgpack_pack_uint64(pk, r->added_notes[i]);
}

int caserec_notes_each(const struct case_rec *r, int (*fn)(uint64_t seq, void *arg), void *arg)
{
	uint32_t n = r->notes ? r->notes->via.array.size : 0;
	int rc;

	/* the load checked that every stored one is a uint */
	for (uint32_t i = 0; i < n; i++)
		if ((rc = fn(r->notes->via.array.ptr[i].via.u64, arg)) != 0)
			return rc;
	for (uint32_t i = 0; i < n_added_notes(r); i++)
		if ((rc = fn(r->added_notes[i], arg)) != 0)
			return rc;
	return 0;
}

/* Entries every stored record has; a record that is not disposed adds its personal data and
 * its notes. */
#define STORED_ENTRIES   20
#define PERSONAL_ENTRIES 14

void caserec_pack(const struct case_rec *r, msgpack_packer *pk)
{
	const struct wf_case *c = &r->c;
	uint32_t n_dl = n_deadlines(c);

	msgpack_pack_map(pk, STORED_ENTRIES + (disposed(c) ? 0 : PERSONAL_ENTRIES));
	proto_pack_kv_cstr(pk, "case", c->ref);
	proto_pack_kv_cstr(pk, "kind", proto_kind_prefix(c->kind));
	proto_pack_kv_cstr(pk, "origin", wf_origin_name(c->origin));
	proto_pack_kv_cstr(pk, "state", wf_kind_state_name(c->kind, (int)c->state));
	proto_pack_kv_u64(pk, "flags", c->flags);
	proto_pack_kv_u64(pk, "opened_at", c->opened_at);
	proto_pack_kv_u64(pk, "closed_at", c->closed_at);
	proto_pack_kv_u64(pk, "disposed_at", c->disposed_at);
	pack_kv_str_or_nil(pk, "closed_reason", c->closed_reason);
	pack_kv_str_or_nil(pk, "assessment", c->assessment);
	pack_kv_str_or_nil(pk, "risk", c->risk);
	pack_kv_str_or_nil(pk, "interview", c->interview);
	pack_kv_str_or_nil(pk, "aa_decision", c->aa_decision);
	pack_kv_str_or_nil(pk, "appeal", c->appeal);
	pack_kv_str_or_nil(pk, "review", c->review);
	pack_review_period(c, pk);
	pack_stored_vetting(c, pk);
	pack_outcomes(c, pk);
	proto_pack_cstr(pk, "deadlines");
	msgpack_pack_array(pk, n_dl);
	for (uint32_t i = 0; i < n_dl; i++)
		pack_stored_deadline(&c->dl[i], pk);
	pack_history(r, pk);
	/* a tombstone keeps neither personal data nor who handled it */
	if (disposed(c))
		return;
	proto_pack_kv_cstr(pk, "aa", c->aa);
	proto_pack_cstr(pk, "subject_id");
	proto_pack_str(pk, c->subject_id.ptr, c->subject_id.len);
	proto_pack_cstr(pk, "subject");
	pack_subject(c, pk, false);
	/* stored as they are: nil when absent, so that absent loads as NULL again */
	pack_kv_part(pk, "associate", c->associate, false);
	pack_kv_part(pk, "categories", c->categories, false);
	pack_kv_part(pk, "relationship", c->relationship, false);
	pack_kv_part(pk, "conditions", c->conditions, false);
	pack_kv_part(pk, "proposed", c->proposed, false);
	pack_parts(c, pk, "parts");
	pack_channel(c, pk);
	pack_notes(r, pk);
}

/* ---- the case.get view ------------------------------------------------------------------ */

static void pack_view_deadlines(const struct wf_case *c, msgpack_packer *pk)
{
	uint32_t n_dl = n_deadlines(c);

	proto_pack_cstr(pk, "deadlines");
	msgpack_pack_array(pk, n_dl);
	for (uint32_t i = 0; i < n_dl; i++) {
		const struct wf_deadline *d = &c->dl[i];

		msgpack_pack_map(pk, 4);
		proto_pack_kv_cstr(pk, "kind", config_dl_name(d->kind));
		proto_pack_kv_u64(pk, "due_at", d->due_at);
		proto_pack_kv_cstr(pk, "status", wf_dl_status_name(d->status));
		proto_pack_kv_u64(pk, "level", d->level);
	}
}

static void pack_view_tasks(const struct wf_case *c, msgpack_packer *pk)
{
	proto_pack_cstr(pk, "tasks");
	if (c->vetting.status == TASK_NONE || (unsigned)c->vetting.status >= TASK_COUNT) {
		msgpack_pack_array(pk, 0);
		return;
	}
	msgpack_pack_array(pk, 1);
	msgpack_pack_map(pk, 6);
	proto_pack_kv_cstr(pk, "kind", config_dl_name(DL_VETTING_REVIEW));
	proto_pack_kv_cstr(pk, "status", task_name(c->vetting.status));
	proto_pack_cstr(pk, "optional");
	c->vetting.optional ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
	pack_kv_str_or_nil(pk, "outcome", c->vetting.outcome);
	proto_pack_kv_u64(pk, "opened_at", c->vetting.opened_at);
	pack_kv_time_or_nil(pk, "done_at", c->vetting.done_at);
}

/* Every case's entries; a kind with fields of its own (not NA, whose fields are the named
 * ones) adds its assessment, its outcomes and each of its parts. */
#define VIEW_ENTRIES      19
#define VIEW_KIND_ENTRIES 2

void caserec_pack_view(const struct case_rec *r, msgpack_packer *pk)
{
	const struct wf_case *c = &r->c;
	bool keep = !disposed(c), own = c->kind != KIND_NA && c->kind != KIND_NONE;
	uint32_t n_parts = keep ? n_of(c, false) : 0;

	msgpack_pack_map(pk, VIEW_ENTRIES + (own ? VIEW_KIND_ENTRIES + n_parts : 0));
	proto_pack_kv_cstr(pk, "case", c->ref);
	proto_pack_kv_cstr(pk, "kind", proto_kind_prefix(c->kind));
	proto_pack_kv_cstr(pk, "origin", wf_origin_name(c->origin));
	proto_pack_kv_cstr(pk, "state", wf_kind_state_name(c->kind, (int)c->state));
	proto_pack_kv_u64(pk, "opened_at", c->opened_at);
	proto_pack_cstr(pk, "subject");
	if (keep)
		pack_subject(c, pk, true);
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
	proto_pack_cstr(pk, "aa");
	if (keep && c->aa[0])
		proto_pack_cstr(pk, c->aa);
	else
		msgpack_pack_nil(pk);
	/* closed_at is the closing's `at`, which may be any past time, 0 included */
	proto_pack_cstr(pk, "closed_at");
	if (wf_kind_closed(c->kind, (int)c->state))
		msgpack_pack_uint64(pk, c->closed_at);
	else
		msgpack_pack_nil(pk);
	pack_kv_time_or_nil(pk, "disposed_at", c->disposed_at);
	pack_marks(c, pk);
	/* third parties seen in more than one register (REGISTERS.md): none are matched yet */
	proto_pack_cstr(pk, "flags");
	msgpack_pack_array(pk, 0);
	if (!own)
		return;
	pack_kv_str_or_nil(pk, "assessment", c->assessment);
	pack_outcomes(c, pk);
	/* the kind's own fields, each under its name */
	if (keep)
		pack_named(c, false, false, pk);
}
