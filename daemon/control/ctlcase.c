/* ctlcase: the control commands case.get (one case as PROTOCOL.md shows it) and case.list
 * (a page of cases in reference order, by state or subject). Part of ctl (see ctl.h and
 * ctlint.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store/caserec.h"
#include "control/ctlint.h"
#include "engine/wf.h"

static int load_case(struct ctl_req *q, struct proto_str ref, struct case_rec *ret)
{
	int r = caserec_get(q->env->st, q->txn, ref.ptr, ref.len, ret);

	if (r == -ENOENT)
		return proto_fail(q->err, PROTO_UNKNOWN_CASE, "args.case: no case %.*s",
				  (int)ref.len, ref.ptr);
	if (r == -EKEYREJECTED)
		return proto_fail(q->err, PROTO_UNAVAILABLE,
				  "case %.*s is sealed under a key this daemon does not hold",
				  (int)ref.len, ref.ptr);
	if (r < 0)
		return proto_fail(q->err, PROTO_UNAVAILABLE, "case %.*s could not be read",
				  (int)ref.len, ref.ptr);
	return 0;
}

int ctlx_cmd_case_get(struct ctl_req *q)
{
	msgpack_packer *pk = q->pk;
	const msgpack_object *o = ctlx_arg(q, "case");
	struct proto_str ref = {o->via.str.ptr, o->via.str.size};
	struct case_rec c;

	if (load_case(q, ref, &c) < 0)
		return -1;
	caserec_pack_view(&c, pk);
	ctlx_saw_case(q, c.c.ref, strlen(c.c.ref));
	caserec_release(&c);
	return 0;
}

/* case.list walks `cases` in reference order, or `by_subject` for one subject. */
/* Cases a case.list reads at most (on the reactor thread): a filter that matches few cases
 * answers a partial page whose `next` says where to go on, rather than holding up intake
 * while it reads the whole store (about 8 us a case). */
#define LIST_SCAN_MAX 4096

struct list_walk {
	struct ctl_req *q;
	struct proto_str state;   /* len 0: any */
	struct proto_str subject; /* len 0: any */
	enum proto_kind kind;     /* KIND_NONE: any */
	uint64_t limit;
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;
	uint64_t scanned;                   /* records read so far */
	char last_seen[PROTO_CASE_MAX + 1]; /* the last case read, matching or not */
};

/* A state name is per kind: "closed" is every kind's, "under_development" CR's alone. */
static bool any_kind_has_state(struct proto_str s)
{
	for (int k = KIND_NONE + 1; k < KIND_COUNT; k++)
		if (wf_states_of(k) && wf_kind_state_parse(k, s.ptr, s.len) >= 0)
			return true;
	return false;
}

static int list_options(struct ctl_req *q, struct list_walk *w)
{
	const msgpack_object *o;

	if ((o = ctlx_arg(q, "state"))) {
		w->state = (struct proto_str){o->via.str.ptr, o->via.str.size};
		if (!any_kind_has_state(w->state))
			return proto_fail(q->err, PROTO_INVALID_FIELD,
					  "args.state: not a state of any kind of case");
	}
	w->kind = KIND_NONE;
	for (int k = KIND_NONE + 1; (o = ctlx_arg(q, "kind")) && k < KIND_COUNT; k++)
		if (proto_str_eq((struct proto_str){o->via.str.ptr, o->via.str.size},
				 proto_kind_prefix(k)))
			w->kind = k;
	if ((o = ctlx_arg(q, "subject")))
		w->subject = (struct proto_str){o->via.str.ptr, o->via.str.size};
	return ctlx_arg_limit(q, LIST_DEFAULT, LIST_MAX, &w->limit);
}

/* Positions the cursor on the first key after `after` (exclusive), within the subject. */
static void list_start(struct list_walk *w)
{
	const msgpack_object *after = ctlx_arg(w->q, "after");
	uint8_t key[PROTO_ID_MAX + 1 + PROTO_CASE_MAX];
	size_t n = 0;

	if (w->subject.len) {
		memcpy(key, w->subject.ptr, w->subject.len);
		key[w->subject.len] = '\0';
		n = w->subject.len + 1;
	}
	if (after) {
		memcpy(key + n, after->via.str.ptr, after->via.str.size);
		n += after->via.str.size;
	}
	w->k = (MDB_val){n, key};
	w->rc = n ? mdb_cursor_get(w->cur, &w->k, &w->v, MDB_SET_RANGE)
		  : mdb_cursor_get(w->cur, &w->k, &w->v, MDB_FIRST);
	if (w->rc == 0 && after && w->k.mv_size == n && memcmp(w->k.mv_data, key, n) == 0)
		w->rc = mdb_cursor_get(w->cur, &w->k, &w->v, MDB_NEXT);
}

/* The next case that matches the filters, loaded into c. Returns 1, 0 at the end, 2 when
 * LIST_SCAN_MAX records have been read (more may follow after w->last_seen), -1. */
static int list_next(struct list_walk *w, struct case_rec *c)
{
	struct ctl_req *q = w->q;
	struct proto_str ref;
	MDB_val v;

	for (; w->rc == 0; w->rc = mdb_cursor_get(w->cur, &w->k, &w->v, MDB_NEXT)) {
		ref = (struct proto_str){w->k.mv_data, (uint32_t)w->k.mv_size};
		if (w->scanned++ == LIST_SCAN_MAX)
			return 2;
		if (w->subject.len) {
			if (w->k.mv_size <= w->subject.len + 1 ||
			    memcmp(w->k.mv_data, w->subject.ptr, w->subject.len) != 0 ||
			    ((char *)w->k.mv_data)[w->subject.len] != '\0')
				return 0;
			ref.ptr += w->subject.len + 1;
			ref.len -= w->subject.len + 1;
			if (store_get(q->env->st, q->txn, DB_CASES, ref.ptr, ref.len, &v) < 0)
				continue;
		} else {
			v = w->v;
		}
		if (ref.len <= PROTO_CASE_MAX) {
			memcpy(w->last_seen, ref.ptr, ref.len);
			w->last_seen[ref.len] = '\0';
		}
		if (caserec_open(c, q->env->st->seal, ref.ptr, ref.len, v.mv_data, v.mv_size) < 0)
			continue;
		if ((!w->state.len ||
		     proto_str_eq(w->state, wf_kind_state_name(c->c.kind, (int)c->c.state))) &&
		    (w->kind == KIND_NONE || c->c.kind == w->kind)) {
			w->rc = mdb_cursor_get(w->cur, &w->k, &w->v, MDB_NEXT);
			return 1;
		}
		caserec_release(c);
	}
	if (w->rc != MDB_NOTFOUND)
		return proto_fail(q->err, PROTO_UNAVAILABLE, "the store could not be read");
	return 0;
}

int ctlx_cmd_case_list(struct ctl_req *q)
{
	struct list_walk w = {.q = q};
	msgpack_packer *pk = q->pk;
	msgpack_sbuffer rows;
	msgpack_packer rpk;
	char last[PROTO_CASE_MAX + 1] = "";
	struct case_rec c;
	uint64_t n = 0;
	int more = 0;

	if (list_options(q, &w) < 0)
		return -1;
	if (mdb_cursor_open(q->txn, q->env->st->dbi[w.subject.len ? DB_BY_SUBJECT : DB_CASES],
			    &w.cur) != 0)
		return proto_fail(q->err, PROTO_UNAVAILABLE, "the store could not be read");
	msgpack_sbuffer_init(&rows);
	msgpack_packer_init(&rpk, &rows, msgpack_sbuffer_write);
	list_start(&w);
	while (n < w.limit && (more = list_next(&w, &c)) == 1) {
		msgpack_pack_map(&rpk, 5);
		proto_pack_cstr(&rpk, "case");
		proto_pack_cstr(&rpk, c.c.ref);
		proto_pack_cstr(&rpk, "kind");
		proto_pack_cstr(&rpk, proto_kind_prefix(c.c.kind));
		proto_pack_cstr(&rpk, "state");
		proto_pack_cstr(&rpk, wf_kind_state_name(c.c.kind, (int)c.c.state));
		proto_pack_cstr(&rpk, "subject_id");
		if (c.c.subject_id.len) /* a tombstone has none */
			proto_pack_str(&rpk, c.c.subject_id.ptr, c.c.subject_id.len);
		else
			msgpack_pack_nil(&rpk);
		proto_pack_kv_u64(&rpk, "opened_at", c.c.opened_at);
		snprintf(last, sizeof(last), "%s", c.c.ref);
		ctlx_saw_case(q, c.c.ref, strlen(c.c.ref));
		caserec_release(&c);
		n++;
	}
	/* A full page has a next page only if one more case matches. */
	if (more >= 0 && n == w.limit && (more = list_next(&w, &c)) == 1)
		caserec_release(&c);
	mdb_cursor_close(w.cur);
	if (more < 0) {
		msgpack_sbuffer_destroy(&rows);
		return -1;
	}
	msgpack_pack_map(pk, 2);
	proto_pack_cstr(pk, "cases");
	msgpack_pack_array(pk, n);
	ctlx_pack_raw(pk, rows.data, rows.size);
	proto_pack_cstr(pk, "next");
	if (more == 1)
		proto_pack_cstr(pk, last);
	else if (more == 2 && w.last_seen[0])
		proto_pack_cstr(pk, n == w.limit ? last : w.last_seen);
	else
		msgpack_pack_nil(pk);
	msgpack_sbuffer_destroy(&rows);
	return 0;
}
