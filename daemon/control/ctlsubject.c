/* ctlsubject: the control command subject.export (admin): every case whose subject is one
 * staff id, each as case.get shows it (caserec_pack_view) less what is not the subject's to
 * see: who reported (origin, the reporter's role and id, the token, the channel) is left out
 * entirely, and a third party's details (NA's associate, GH's donor) become
 * {"withheld": "third party"}; a history entry's actor is kept only when it is the subject,
 * and the reporter_update deadline (owed to a reporter) is left out. Audited like case.get: the
 * record names every case returned and keeps the args, so the reason. Part of ctl (see ctl.h and
 * ctlint.h). */
#include <string.h>

#include <sodium.h>

#include "store/caserec.h"
#include "control/ctlint.h"

/* Keys left out wherever they appear: they would tell who reported, or how. */
static const char *const omit_keys[] = {"origin",   "token",   "reporter_role", "reporter_id",
					"reporter", "channel", "anonymous",     "source",
					"from",     "messages"};
/* Keys whose value is a third party's: replaced by the withheld marker when not nil. */
static const char *const third_keys[] = {"associate", "donor", "third_party", "third_parties"};

static bool key_in(const msgpack_object *k, const char *const *set, size_t n)
{
	if (k->type != MSGPACK_OBJECT_STR)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strlen(set[i]) == k->via.str.size &&
		    memcmp(set[i], k->via.str.ptr, k->via.str.size) == 0)
			return true;
	return false;
}

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static bool str_is(const msgpack_object *o, const char *s, size_t n)
{
	return o && o->type == MSGPACK_OBJECT_STR && o->via.str.size == n &&
	       memcmp(o->via.str.ptr, s, n) == 0;
}

/* A deadline owed to the reporter (reporter_update), or a history entry of the reporter's
 * channel (report.*: a follow-up, PSD's reply): not the subject's, and they would tell an
 * anonymous report from a named one; left out. */
static bool omit_entry(const msgpack_object *o)
{
	static const char k[] = "reporter_update", ch[] = "report.";
	const msgpack_object *t;

	if (o->type != MSGPACK_OBJECT_MAP)
		return false;
	t = proto_map_get(o, "type");
	return str_is(proto_map_get(o, "kind"), k, sizeof(k) - 1) ||
	       (t && t->type == MSGPACK_OBJECT_STR && t->via.str.size >= sizeof(ch) - 1 &&
		memcmp(t->via.str.ptr, ch, sizeof(ch) - 1) == 0);
}

/* A key left out: one of omit_keys, or a history entry's `actor` that is not the subject
 * (a named reporter, PSD; left out as an anonymous report's nil is, so that the two look the
 * same). */
static bool omit_kv(const msgpack_object_kv *kv, struct proto_str subj)
{
	if (key_in(&kv->key, omit_keys, N_OF(omit_keys)))
		return true;
	if (!str_is(&kv->key, "actor", 5))
		return false;
	return kv->val.type != MSGPACK_OBJECT_MAP ||
	       !str_is(proto_map_get(&kv->val, "id"), subj.ptr, subj.len);
}

static void pack_filtered(const msgpack_object *o, struct proto_str subj, msgpack_packer *pk)
{
	uint32_t n = 0;

	if (o->type == MSGPACK_OBJECT_ARRAY) {
		for (uint32_t i = 0; i < o->via.array.size; i++)
			n += !omit_entry(&o->via.array.ptr[i]);
		msgpack_pack_array(pk, n);
		for (uint32_t i = 0; i < o->via.array.size; i++)
			if (!omit_entry(&o->via.array.ptr[i]))
				pack_filtered(&o->via.array.ptr[i], subj, pk);
		return;
	}
	if (o->type != MSGPACK_OBJECT_MAP) {
		msgpack_pack_object(pk, *o);
		return;
	}
	for (uint32_t i = 0; i < o->via.map.size; i++)
		n += !omit_kv(&o->via.map.ptr[i], subj);
	msgpack_pack_map(pk, n);
	for (uint32_t i = 0; i < o->via.map.size; i++) {
		const msgpack_object_kv *kv = &o->via.map.ptr[i];

		if (omit_kv(kv, subj))
			continue;
		msgpack_pack_object(pk, kv->key);
		if (key_in(&kv->key, third_keys, N_OF(third_keys)) &&
		    kv->val.type != MSGPACK_OBJECT_NIL) {
			msgpack_pack_map(pk, 1);
			proto_pack_kv_cstr(pk, "withheld", "third party");
		} else {
			pack_filtered(&kv->val, subj, pk);
		}
	}
}

/* Packs case c's view, filtered. Returns 0, or -1 with q->err set. */
static int pack_case(struct ctl_req *q, const struct case_rec *c, struct proto_str subj,
		     msgpack_packer *pk)
{
	msgpack_sbuffer sb;
	msgpack_packer vpk;
	msgpack_unpacked u;
	int r = 0;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&vpk, &sb, msgpack_sbuffer_write);
	caserec_pack_view(c, &vpk);
	msgpack_unpacked_init(&u);
	if (msgpack_unpack_next(&u, sb.data, sb.size, NULL) != MSGPACK_UNPACK_SUCCESS)
		r = proto_fail(q->err, PROTO_UNAVAILABLE, "case %s could not be packed", c->c.ref);
	else
		pack_filtered(&u.data, subj, pk);
	msgpack_unpacked_destroy(&u);
	sodium_memzero(sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	return r;
}

int ctlx_cmd_subject_export(struct ctl_req *q)
{
	const msgpack_object *o = ctlx_arg(q, "subject");
	struct proto_str subj = {o->via.str.ptr, o->via.str.size};
	uint8_t key[PROTO_ID_MAX + 1];
	msgpack_sbuffer rows;
	msgpack_packer rpk;
	MDB_cursor *cur;
	MDB_val k, v;
	uint64_t n = 0;
	int rc, r = 0;

	if (!ctlx_arg(q, "reason") || ctlx_arg(q, "reason")->via.str.size == 0)
		return proto_fail(q->err, PROTO_INVALID_FIELD, "args.reason: must not be empty");
	if (mdb_cursor_open(q->txn, q->env->st->dbi[DB_BY_SUBJECT], &cur) != 0)
		return proto_fail(q->err, PROTO_UNAVAILABLE, "the store could not be read");
	memcpy(key, subj.ptr, subj.len);
	key[subj.len] = '\0';
	k = (MDB_val){subj.len + 1, key};
	msgpack_sbuffer_init(&rows);
	msgpack_packer_init(&rpk, &rows, msgpack_sbuffer_write);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 && r == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct case_rec c;
		const char *ref = (const char *)k.mv_data + subj.len + 1;
		size_t rlen;

		if (k.mv_size <= subj.len + 1 || memcmp(k.mv_data, key, subj.len + 1) != 0)
			break;
		rlen = k.mv_size - subj.len - 1;
		if (caserec_get(q->env->st, q->txn, ref, rlen, &c) < 0)
			continue; /* unreadable (a key not held): left out, as case.list does */
		r = pack_case(q, &c, subj, &rpk);
		if (r == 0) {
			ctlx_saw_case(q, c.c.ref, strlen(c.c.ref));
			n++;
		}
		caserec_release(&c);
	}
	mdb_cursor_close(cur);
	if (r == 0 && rc != 0 && rc != MDB_NOTFOUND)
		r = proto_fail(q->err, PROTO_UNAVAILABLE, "the store could not be read");
	if (r == 0) {
		msgpack_pack_map(q->pk, 3);
		proto_pack_cstr(q->pk, "subject_id");
		proto_pack_str(q->pk, subj.ptr, subj.len);
		proto_pack_cstr(q->pk, "withheld");
		proto_pack_cstr(q->pk, "who reported, and third parties' details");
		proto_pack_cstr(q->pk, "cases");
		msgpack_pack_array(q->pk, n);
		ctlx_pack_raw(q->pk, rows.data, rows.size);
	}
	if (rows.size)
		sodium_memzero(rows.data, rows.size);
	msgpack_sbuffer_destroy(&rows);
	return r;
}
