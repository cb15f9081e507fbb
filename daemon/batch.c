#include "batch.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "caserec.h"
#include "journal.h"
#include "wf.h"

/* events value: seq (8, BE) | BLAKE2b of the request bytes (32) | case reference */
#define EVREC_HDR       (8 + JOURNAL_HASH)
#define SUBJECT_KEY_MAX (PROTO_ID_MAX + 1 + PROTO_CASE_MAX)

struct batch_ctx {
	struct store *st;
	MDB_txn *txn;
	uint64_t now_ms;
	struct journal_head head;
	uint64_t cases_total, cases_open;
	int year; /* of receipt: one now_ms, so one year, for the whole batch */
	struct {
		uint64_t n;  /* the last reference number given this year */
		bool loaded; /* read from meta in this transaction */
	} ctr[KIND_COUNT];
	msgpack_sbuffer buf;
};

/* The same id seen before: byte-identical is a duplicate, anything else a conflict. */
static int check_idempotency(struct batch_ctx *b, struct batch_item *it,
			     const uint8_t hash[JOURNAL_HASH])
{
	MDB_val v;
	size_t rlen;
	int r;

	r = store_get(b->st, b->txn, DB_EVENTS, it->ev.id.ptr, it->ev.id.len, &v);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (v.mv_size < EVREC_HDR || v.mv_size - EVREC_HDR > PROTO_CASE_MAX)
		return -EIO;
	if (memcmp((uint8_t *)v.mv_data + 8, hash, JOURNAL_HASH) != 0) {
		it->status = BATCH_REJECTED;
		proto_fail(&it->err, PROTO_CONFLICT,
			   "id: %.*s was already accepted with different content; use a new id",
			   (int)it->ev.id.len, it->ev.id.ptr);
		return 1;
	}
	it->status = BATCH_DUPLICATE;
	it->seq = store_get_be64(v.mv_data);
	rlen = v.mv_size - EVREC_HDR;
	memcpy(it->case_ref, (uint8_t *)v.mv_data + EVREC_HDR, rlen);
	it->case_ref[rlen] = '\0';
	return 1;
}

/* NA-2026-000001: the kind's prefix, the year of receipt, a counter per kind and year. The
 * counters live in meta as "ctr:NA:2026"; a batch reads each once and writes it back once. */
static void counter_name(const struct batch_ctx *b, enum proto_kind kind, char name[32])
{
	snprintf(name, 32, "ctr:%s:%04d", proto_kind_prefix(kind), b->year);
}

static int next_case_ref(struct batch_ctx *b, enum proto_kind kind, char ret[PROTO_CASE_MAX + 1])
{
	char name[32];
	int r;

	if (!b->ctr[kind].loaded) {
		counter_name(b, kind, name);
		if ((r = store_meta_get_u64(b->st, b->txn, name, &b->ctr[kind].n)) < 0)
			return r;
		b->ctr[kind].loaded = true;
	}
	snprintf(ret, PROTO_CASE_MAX + 1, "%s-%04d-%06llu", proto_kind_prefix(kind), b->year,
		 (unsigned long long)++b->ctr[kind].n);
	return 0;
}

static int save_counters(struct batch_ctx *b)
{
	char name[32];
	int r;

	for (int k = 0; k < KIND_COUNT; k++) {
		if (!b->ctr[k].loaded)
			continue;
		counter_name(b, k, name);
		if ((r = store_meta_put_u64(b->st, b->txn, name, b->ctr[k].n)) < 0)
			return r;
	}
	return 0;
}

static void case_from_event(struct case_rec *c, const struct proto_event *ev,
			    const struct wf_result *res, uint64_t seq, uint64_t received_at)
{
	const msgpack_object *subject = proto_map_get(ev->body, "subject");
	const msgpack_object *id = subject ? proto_map_get(subject, "id") : NULL;

	c->kind = ev->type->opens;
	c->origin = res->origin;
	c->state = res->next;
	c->opened_at = ev->at;
	if (id && id->type == MSGPACK_OBJECT_STR)
		c->subject_id = (struct proto_str){id->via.str.ptr, id->via.str.size};
	c->subject = subject;
	c->associate = proto_map_get(ev->body, "associate");
	c->categories = proto_map_get(ev->body, "categories");
	c->relationship = proto_map_get(ev->body, "relationship");
	c->has_added = true;
	c->added = (struct case_hist){
	    .seq = seq,
	    .type = {ev->type->name, (uint32_t)strlen(ev->type->name)},
	    .at = ev->at,
	    .received_at = received_at,
	    .role = ev->actor_role,
	    .actor_id = ev->actor_id,
	};
}

static int put_case(struct batch_ctx *b, const struct case_rec *c)
{
	msgpack_packer pk;
	uint8_t key[SUBJECT_KEY_MAX];
	size_t rlen = strlen(c->ref);
	int r;

	b->buf.size = 0;
	msgpack_packer_init(&pk, &b->buf, msgpack_sbuffer_write);
	caserec_pack(c, &pk);
	r = store_put(b->st, b->txn, DB_CASES, c->ref, rlen, b->buf.data, b->buf.size);
	if (r < 0)
		return r;
	/* proto bounds subject.id by PROTO_ID_MAX, which sizes the key */
	memcpy(key, c->subject_id.ptr, c->subject_id.len);
	key[c->subject_id.len] = '\0';
	memcpy(key + c->subject_id.len + 1, c->ref, rlen);
	return store_put(b->st, b->txn, DB_BY_SUBJECT, key, c->subject_id.len + 1 + rlen, "", 0);
}

static int put_event_record(struct batch_ctx *b, const struct batch_item *it,
			    const uint8_t hash[JOURNAL_HASH])
{
	uint8_t v[EVREC_HDR + PROTO_CASE_MAX];
	size_t rlen = strlen(it->case_ref);

	store_be64(v, it->seq);
	memcpy(v + 8, hash, JOURNAL_HASH);
	memcpy(v + EVREC_HDR, it->case_ref, rlen);
	return store_put(b->st, b->txn, DB_EVENTS, it->ev.id.ptr, it->ev.id.len, v,
			 EVREC_HDR + rlen);
}

/* Returns 0 with the item's outcome set, or a negative errno that aborts the batch. */
static int apply_one(struct batch_ctx *b, struct batch_item *it)
{
	uint8_t hash[JOURNAL_HASH];
	struct case_rec c = {0};
	struct wf_result res;
	int r;

	journal_hash(it->ev.bytes, it->ev.len, hash);
	r = check_idempotency(b, it, hash);
	if (r != 0)
		return r < 0 ? r : 0;
	if (wf_step(WF_NONE, &it->ev, b->now_ms, &res, &it->err) < 0) {
		it->status = BATCH_REJECTED;
		return 0;
	}
	if ((r = next_case_ref(b, it->ev.type->opens, c.ref)) < 0)
		return r;
	if ((r = journal_append(b->st, b->txn, &b->head, b->now_ms, it->ev.bytes, it->ev.len,
				hash)) < 0)
		return r;
	it->seq = b->head.seq;
	memcpy(it->case_ref, c.ref, sizeof(c.ref));
	case_from_event(&c, &it->ev, &res, it->seq, b->now_ms);
	if ((r = put_case(b, &c)) < 0 || (r = put_event_record(b, it, hash)) < 0)
		return r;
	it->status = BATCH_ACCEPTED;
	b->cases_total++;
	b->cases_open++;
	return 0;
}

static int apply_all(struct batch_ctx *b, struct batch_item *const *items, size_t n)
{
	int r;

	memset(b->ctr, 0, sizeof(b->ctr)); /* a retried batch reads them again */
	if ((r = store_begin(b->st, false, &b->txn)) < 0)
		return r;
	if ((r = journal_head_load(b->st, b->txn, &b->head)) < 0 ||
	    (r = store_meta_get_u64(b->st, b->txn, "cases_total", &b->cases_total)) < 0 ||
	    (r = store_meta_get_u64(b->st, b->txn, "cases_open", &b->cases_open)) < 0)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		memset(&items[i]->err, 0, sizeof(items[i]->err));
		items[i]->case_ref[0] = '\0';
		items[i]->seq = 0;
		if ((r = apply_one(b, items[i])) < 0)
			goto fail;
	}
	if ((r = journal_head_save(b->st, b->txn, &b->head)) < 0 || (r = save_counters(b)) < 0 ||
	    (r = store_meta_put_u64(b->st, b->txn, "cases_total", b->cases_total)) < 0 ||
	    (r = store_meta_put_u64(b->st, b->txn, "cases_open", b->cases_open)) < 0)
		goto fail;
	return store_commit(&b->txn);
fail:
	store_abort(&b->txn);
	return r;
}

int batch_apply(struct store *st, struct batch_item *const *items, size_t n, uint64_t now_ms)
{
	struct batch_ctx b = {.st = st, .now_ms = now_ms};
	time_t secs = (time_t)(now_ms / 1000);
	struct tm tm;
	int r;

	gmtime_r(&secs, &tm);
	b.year = tm.tm_year + 1900;
	msgpack_sbuffer_init(&b.buf);
	/* A full map aborts the whole transaction; grow it and run the batch again. */
	while ((r = apply_all(&b, items, n)) == -ENOSPC) {
		int g = store_grow(st);
		if (g < 0) {
			r = g;
			break;
		}
	}
	msgpack_sbuffer_destroy(&b.buf);
	return r;
}
