#include "loop/batchint.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store/anon.h"
#include "store/token.h"
#include <sodium.h>

#include "store/caserec.h"
#include "store/dlindex.h"
#include "store/journal.h"
#include "base/log.h"
#include "store/outbox.h"
#include "engine/wf.h"

/* events value: seq (8, BE) | BLAKE2b of the request bytes (32) | case reference */
#define EVREC_HDR (8 + JOURNAL_HASH)

static const char *const counter_names[C_COUNT] = {
    [C_CASES_TOTAL] = "cases_total",      [C_CASES_OPEN] = "cases_open",
    [C_NOTIFY_SEQ] = "notify_seq",        [C_DL_OPEN] = "deadlines_open",
    [C_DL_OVERDUE] = "deadlines_overdue",
};

/* The idempotency index key of an event: its id, or for an anonymous one the id's hash
 * (anon.h). */
struct event_key {
	const void *ptr;
	size_t len;
	uint8_t anon[ANON_KEY_LEN];
};

/* id_hash: an anonymous event's id hash (anon_id_hash); NULL for a named one. */
static void event_key(const struct batch_item *it, const uint8_t *id_hash, struct event_key *ret)
{
	if (!id_hash) {
		ret->ptr = it->ev.id.ptr;
		ret->len = it->ev.id.len;
		return;
	}
	anon_event_key(id_hash, ret->anon);
	ret->ptr = ret->anon;
	ret->len = sizeof(ret->anon);
}

static void reject_conflict(struct batch_item *it)
{
	it->status = BATCH_REJECTED;
	proto_fail(&it->err, PROTO_CONFLICT,
		   "id: %.*s was already accepted with different content; use a new id",
		   (int)it->ev.id.len, it->ev.id.ptr);
}

/* The id seen before under key: byte-identical (hash) is a duplicate, anything else a
 * conflict. Returns 1 with the outcome set, 0 when not seen, or a negative errno. */
static int seen_same(struct batch_ctx *b, struct batch_item *it, const struct event_key *key,
		     const uint8_t hash[JOURNAL_HASH])
{
	MDB_val v;
	size_t rlen;
	int r = store_get(b->st, b->txn, DB_EVENTS, key->ptr, key->len, &v);

	if (r < 0)
		return r == -ENOENT ? 0 : r;
	if (v.mv_size < EVREC_HDR || v.mv_size - EVREC_HDR > PROTO_CASE_MAX)
		return -EIO;
	if (memcmp((uint8_t *)v.mv_data + 8, hash, JOURNAL_HASH) != 0) {
		reject_conflict(it);
		return 1;
	}
	it->status = BATCH_DUPLICATE;
	it->seq = store_get_be64(v.mv_data);
	rlen = v.mv_size - EVREC_HDR;
	memcpy(it->case_ref, (uint8_t *)v.mv_data + EVREC_HDR, rlen);
	it->case_ref[rlen] = '\0';
	return 1;
}

/* The id seen before under the other namespace's key (see check_idempotency): a conflict. */
static int seen_other(struct batch_ctx *b, struct batch_item *it, const struct event_key *key)
{
	MDB_val v;
	int r = store_get(b->st, b->txn, DB_EVENTS, key->ptr, key->len, &v);

	if (r < 0)
		return r == -ENOENT ? 0 : r;
	reject_conflict(it);
	return 1;
}

/* An anonymous referral accepted before the store was sealed (st->anon_unkeyed): indexed
 * under the unkeyed hash, its kept bytes redacted with it. Compared as seen_same does. */
static int seen_unkeyed(struct batch_ctx *b, struct batch_item *it)
{
	uint8_t id_hash[ANON_HASH_LEN], hash[JOURNAL_HASH];
	struct event_key key;
	msgpack_sbuffer kept;

	anon_id_hash(NULL, &it->ev, id_hash);
	event_key(it, id_hash, &key);
	msgpack_sbuffer_init(&kept);
	anon_redact(id_hash, &it->ev, &kept);
	journal_hash((const uint8_t *)kept.data, kept.size, hash);
	msgpack_sbuffer_destroy(&kept);
	return seen_same(b, it, &key, hash);
}

/* Whether the id was seen before. An id is one id whether its event was anonymous or not,
 * but the two are indexed under different keys (event_key): one found under the other
 * namespace's key is a conflict, since the kept bytes of a named event and of an anonymous
 * one always differ (anon_redact rewrites the id). That lookup writes nothing, so an
 * anonymous referral still leaves no plain id behind. On a store sealed after anonymous
 * referrals were accepted, their unkeyed keys are looked up too. */
static int check_idempotency(struct batch_ctx *b, struct batch_item *it, bool anon,
			     const struct event_key *key, const uint8_t hash[JOURNAL_HASH])
{
	const bool unkeyed = b->st->anon_unkeyed;
	struct event_key other;
	uint8_t id_hash[ANON_HASH_LEN];
	int r;

	if ((r = seen_same(b, it, key, hash)) != 0)
		return r;
	if (anon) {
		if (unkeyed && (r = seen_unkeyed(b, it)) != 0)
			return r;
		event_key(it, NULL, &other);
		return seen_other(b, it, &other);
	}
	anon_id_hash(b->st->anon_secret, &it->ev, id_hash);
	event_key(it, id_hash, &other);
	if ((r = seen_other(b, it, &other)) != 0 || !unkeyed)
		return r;
	anon_id_hash(NULL, &it->ev, id_hash);
	event_key(it, id_hash, &other);
	return seen_other(b, it, &other);
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

static int put_event_record(struct batch_ctx *b, const struct batch_item *it,
			    const struct event_key *key, const uint8_t hash[JOURNAL_HASH])
{
	uint8_t v[EVREC_HDR + PROTO_CASE_MAX];
	size_t rlen = strlen(it->case_ref);

	store_be64(v, it->seq);
	memcpy(v + 8, hash, JOURNAL_HASH);
	memcpy(v + EVREC_HDR, it->case_ref, rlen);
	return store_put(b->st, b->txn, DB_EVENTS, key->ptr, key->len, v, EVREC_HDR + rlen);
}

/* ---- one case, one step ------------------------------------------------------------ */

/* Loads the case ref into r. -ENOENT when there is none; -EBADMSG when its record cannot be
 * read (damaged); -EKEYREJECTED when it is sealed under a key this daemon does not hold. Either
 * way that case is refused and the rest of the batch goes on (one record must not stop intake
 * or the workers); a key problem is not damage: what refers to the case is kept, for when the
 * right key comes back. */
int batchx_load_case(struct batch_ctx *b, const char *ref, size_t rlen, struct case_rec *r)
{
	int rc = caserec_get(b->st, b->txn, ref, rlen, r);

	if (rc == -EIO) {
		log_error("batch: case %.*s: stored record unreadable", (int)rlen, ref);
		return -EBADMSG;
	}
	if (rc == -EKEYREJECTED)
		log_error("batch: case %.*s: stored record sealed under a key this daemon does not "
			  "hold; left as it is, with its deadlines, until a daemon with that key "
			  "(seal_key or seal_key_previous) runs",
			  (int)rlen, ref);
	return rc;
}

int batchx_subject_key(const struct wf_case *c, uint8_t key[SUBJECT_KEY_MAX])
{
	size_t rlen = strlen(c->ref);

	/* proto bounds subject.id by PROTO_ID_MAX, which sizes the key */
	memcpy(key, c->subject_id.ptr, c->subject_id.len);
	key[c->subject_id.len] = '\0';
	memcpy(key + c->subject_id.len + 1, c->ref, rlen);
	return (int)(c->subject_id.len + 1 + rlen);
}

/* Writes the case, and its by_subject key once it names a subject: on opening, or when
 * subject.updated gives a report that named nobody its subject (REGISTERS.md WR). */
static int put_case(struct batch_ctx *b, const struct case_rec *r, const struct wf_case *before)
{
	uint8_t key[SUBJECT_KEY_MAX];
	msgpack_packer pk;
	int rc;

	b->buf.size = 0;
	msgpack_packer_init(&pk, &b->buf, msgpack_sbuffer_write);
	caserec_pack(r, &pk);
	rc = caserec_put(b->st, b->txn, r->c.ref, strlen(r->c.ref), b->buf.data, b->buf.size);
	if (rc < 0 || !r->c.subject_id.len || (before && before->subject_id.len))
		return rc;
	return store_put(b->st, b->txn, DB_BY_SUBJECT, key, (size_t)batchx_subject_key(&r->c, key),
			 "", 0);
}

/* The meta counter of the referrals open with the AA named aa: "aa_open:AA". */
void batchx_aa_counter_name(const char *aa, char ret[AA_COUNTER_MAX])
{
	snprintf(ret, AA_COUNTER_MAX, "aa_open:%s", aa);
}

int batchx_aa_counter_add(struct batch_ctx *b, const char *aa, int64_t d)
{
	char name[AA_COUNTER_MAX];
	uint64_t n;
	int r;

	batchx_aa_counter_name(aa, name);
	if ((r = store_meta_get_u64(b->st, b->txn, name, &n)) < 0)
		return r;
	return store_meta_put_u64(b->st, b->txn, name, d < 0 && n == 0 ? 0 : n + (uint64_t)d);
}

static bool names_someone(const struct wf_note *n)
{
	for (uint32_t i = 0; i < n->n_to && i < WF_TO_MAX; i++)
		if (n->to[i].id.len)
			return true;
	return false;
}

/* Writes what a step changed: its notifications to the outbox (their seqs kept in the case,
 * for retention), the record, the deadline indexes, the counters. before is NULL for a new
 * case. */
int batchx_write_step(struct batch_ctx *b, const struct wf_case *before, struct case_rec *r,
		      const struct wf_effects *fx)
{
	const struct wf_case *c = &r->c;
	struct dlindex_delta d = {0};
	uint64_t first = b->ctrs[C_NOTIFY_SEQ] + 1;
	int rc;

	/* the notes borrow from the case (the AA's id): packed before anything moves it */
	if ((rc = outbox_append(b->st, b->txn, &b->ctrs[C_NOTIFY_SEQ], b->now_ms, c->ref, fx,
				&b->notes)) < 0)
		return rc;
	b->res.notes += fx->n;
	/* only those naming someone: retention has nothing to take from the others, and a case
	 * escalating for years must not carry every seq */
	r->n_added_notes = 0;
	for (uint32_t i = 0; i < fx->n && i < WF_NOTES_MAX; i++)
		if (names_someone(&fx->note[i]))
			r->added_notes[r->n_added_notes++] = first + i;
	if ((rc = put_case(b, r, before)) < 0 ||
	    (rc = dlindex_update(b->st, b->txn, before, c, b->policy, b->now_ms, &d)) < 0)
		return rc;
	b->ctrs[C_DL_OPEN] += (uint64_t)d.open;
	b->ctrs[C_DL_OVERDUE] += (uint64_t)d.overdue;
	b->res.timers_added |= d.timers_added;
	b->res.escalations_added |= d.escalations_added;
	b->res.disposals_added |= d.disposals_added;
	if (!before) {
		b->ctrs[C_CASES_TOTAL]++;
		b->ctrs[C_CASES_OPEN]++;
	}
	if (before && !wf_kind_closed(c->kind, (int)before->state) &&
	    wf_kind_closed(c->kind, (int)c->state))
		b->ctrs[C_CASES_OPEN]--;
	/* "the one with the fewest open referrals": an AA's count falls when the case moves on */
	if (before && c->kind == KIND_NA && before->state == WF_REFERRED_TO_AA && before->aa[0] &&
	    c->state != WF_REFERRED_TO_AA && (rc = batchx_aa_counter_add(b, before->aa, -1)) < 0)
		return rc;
	return 0;
}

/* ---- intake events ----------------------------------------------------------------- */

static void hist_from_event(struct case_rec *r, const struct proto_event *ev, uint64_t seq,
			    uint64_t received_at)
{
	r->has_added = true;
	r->added = (struct case_hist){
	    .seq = seq,
	    .type = {ev->type->name, (uint32_t)strlen(ev->type->name)},
	    .at = ev->at,
	    .received_at = received_at,
	    .role = ev->actor_role,
	    .actor_id = ev->actor_id,
	};
}

static void reject_unknown_case(struct batch_item *it)
{
	it->status = BATCH_REJECTED;
	proto_fail(&it->err, PROTO_UNKNOWN_CASE, "case: no case %.*s", (int)it->ev.case_ref.len,
		   it->ev.case_ref.ptr);
}

/* What the journal keeps of an event: its bytes as received, or an anonymous referral's
 * redacted (anon_redact with its id's hash id_hash, in b->redacted); its hash is the
 * idempotency hash, so a resend (redacted alike) is still a duplicate, and the chain covers
 * what is kept. */
static void kept_bytes(struct batch_ctx *b, const struct proto_event *ev, const uint8_t *id_hash,
		       struct proto_str *ret)
{
	if (!id_hash) {
		*ret = (struct proto_str){(const char *)ev->bytes, (uint32_t)ev->len};
		return;
	}
	b->redacted.size = 0;
	anon_redact(id_hash, ev, &b->redacted);
	*ret = (struct proto_str){b->redacted.data, (uint32_t)b->redacted.size};
}

/* ---- the reporter's channel ------------------------------------------------------------ */

/* One answer for every token that opens nothing, so that a failure tells nothing. */
static void token_unknown(struct batch_item *it)
{
	it->status = BATCH_REJECTED;
	it->token_failed = true;
	proto_fail(&it->err, PROTO_UNKNOWN_CASE, "token: no open report has this token");
}

/* A follow-up by token: the case it names, or unknown_case with one message for every token
 * that opens nothing (REGISTERS.md), counted by the reactor. Returns 1 when found (the
 * event then names the case), 0 when answered, or a store error. */
static int find_by_token(struct batch_ctx *b, struct batch_item *it)
{
	const msgpack_object *t = proto_map_get(it->ev.body, "token");
	char canon[PROTO_TOKEN_LEN + 1];
	int rc = !t || t->type != MSGPACK_OBJECT_STR ||
			 proto_token_canon(t->via.str.ptr, t->via.str.size, canon) < 0
		     ? -ENOENT
		     : token_find(b->st, b->txn, canon, it->found_ref);

	sodium_memzero(canon, sizeof(canon));
	if (rc == -ENOENT) {
		token_unknown(it);
		return 0;
	}
	if (rc < 0)
		return rc;
	it->ev.case_ref = (struct proto_str){it->found_ref, (uint32_t)strlen(it->found_ref)};
	return 1;
}

/* The accepted anonymous report gets its token: drawn, kept in the case, indexed. */
static int give_token(struct batch_ctx *b, struct batch_item *it, struct case_rec *r)
{
	if (r->c.origin != ORIGIN_ANONYMOUS)
		return 0;
	token_new(it->token_canon);
	proto_token_show(it->token_canon, it->token);
	r->c.token = (struct proto_str){it->token_canon, PROTO_TOKEN_LEN};
	return token_put(b->st, b->txn, it->token_canon, r->c.ref, strlen(r->c.ref));
}

/* A resend of an anonymous report is answered with the token it was given. */
static int token_again(struct batch_ctx *b, struct batch_item *it)
{
	struct case_rec r = {0};
	int rc;

	if (it->status != BATCH_DUPLICATE || it->ev.type->opens == KIND_NONE || !anon_is(&it->ev))
		return 0;
	rc = batchx_load_case(b, it->case_ref, strlen(it->case_ref), &r);
	if (rc == 0 && r.c.token.len == PROTO_TOKEN_LEN) {
		memcpy(it->token_canon, r.c.token.ptr, PROTO_TOKEN_LEN);
		it->token_canon[PROTO_TOKEN_LEN] = '\0';
		proto_token_show(it->token_canon, it->token);
	}
	caserec_release(&r);
	return rc == -ENOENT || rc == -EBADMSG || rc == -EKEYREJECTED ? 0 : rc;
}

/* Applies one event at time now (the batch's, or an anonymous referral's day). Returns 0
 * with the item's outcome set, or a negative errno that aborts the batch. */
static int apply_event_at(struct batch_ctx *b, struct batch_item *it, bool anon)
{
	const bool opens = it->ev.type->opens != KIND_NONE;
	struct proto_event ev = it->ev; /* an anonymous referral's `at` is its day */
	struct proto_str kept;
	uint8_t hash[JOURNAL_HASH];
	uint8_t id_hash[ANON_HASH_LEN]; /* an anonymous referral's: hashed once, used twice */
	struct event_key key;
	struct case_rec r = {0};
	struct wf_case before = {0};
	struct wf_effects fx = {0};
	int rc;

	if (it->ev.by_token && (rc = find_by_token(b, it)) <= 0)
		return rc;
	ev.case_ref = it->ev.case_ref;
	if (anon)
		anon_id_hash(b->st->anon_secret, &it->ev, id_hash);
	kept_bytes(b, &it->ev, anon ? id_hash : NULL, &kept);
	journal_hash((const uint8_t *)kept.ptr, kept.len, hash);
	event_key(it, anon ? id_hash : NULL, &key);
	rc = check_idempotency(b, it, anon, &key, hash);
	if (rc != 0)
		return rc < 0 ? rc : token_again(b, it);
	if (!opens) {
		rc = batchx_load_case(b, it->ev.case_ref.ptr, it->ev.case_ref.len, &r);
		if (rc == -ENOENT) {
			reject_unknown_case(it);
			return 0;
		}
		if (rc == -EBADMSG || rc == -EKEYREJECTED) {
			it->status = BATCH_REJECTED;
			proto_fail(&it->err, PROTO_UNAVAILABLE,
				   "case: the record of %.*s cannot be read; nothing was written "
				   "(the operators have been told in the log)",
				   (int)it->ev.case_ref.len, it->ev.case_ref.ptr);
			return 0;
		}
		if (rc < 0)
			return rc;
		before = r.c;
		/* a token whose channel closed opens nothing, as an unknown one: by the clock */
		if (it->ev.by_token && !wf_channel_open(&r.c, b->wall_ms, b->policy)) {
			token_unknown(it);
			caserec_release(&r);
			return 0;
		}
	}
	if (anon)
		ev.at = anon_day(ev.at);
	if (wf_apply(&r.c, &ev, b->now_ms, b->policy, &fx, &it->err) < 0) {
		it->status = BATCH_REJECTED;
		caserec_release(&r);
		return 0;
	}
	if (opens && ((rc = next_case_ref(b, it->ev.type->opens, r.c.ref)) < 0 ||
		      (rc = give_token(b, it, &r)) < 0))
		goto out;
	if ((rc = journal_append(b->st, b->txn, &b->head, b->now_ms, (const uint8_t *)kept.ptr,
				 kept.len, hash)) < 0)
		goto out;
	it->seq = b->head.seq;
	memcpy(it->case_ref, r.c.ref, sizeof(r.c.ref));
	hist_from_event(&r, &ev, it->seq, b->now_ms);
	if ((rc = put_event_record(b, it, &key, hash)) < 0 ||
	    (rc = batchx_write_step(b, opens ? NULL : &before, &r, &fx)) < 0)
		goto out;
	it->status = BATCH_ACCEPTED;
out:
	caserec_release(&r);
	return rc;
}

/* An anonymous referral is applied as if the batch ran at the start of the day: every time
 * it leaves in the store (history, deadlines, notifications, the journal's received time)
 * is then a day, never the moment it was sent (anon.h). */
static int apply_event(struct batch_ctx *b, struct batch_item *it)
{
	const uint64_t now = b->now_ms;
	const bool anon = anon_is(&it->ev);
	int rc;

	if (anon)
		b->now_ms = anon_day(now);
	rc = apply_event_at(b, it, anon);
	b->now_ms = now;
	return rc;
}

/* ---- the transaction ---------------------------------------------------------------- */

static int apply_all(struct batch_ctx *b, const struct batch_input *in)
{
	int r;

	memset(b->ctr, 0, sizeof(b->ctr)); /* a retried batch reads them again */
	memset(&b->res, 0, sizeof(b->res));
	if ((r = store_begin(b->st, false, &b->txn)) < 0)
		return r;
	if ((r = journal_head_load(b->st, b->txn, &b->head)) < 0)
		goto fail;
	for (int i = 0; i < C_COUNT; i++)
		if ((r = store_meta_get_u64(b->st, b->txn, counter_names[i], &b->ctrs[i])) < 0)
			goto fail;
	for (size_t i = 0; i < in->n; i++) {
		struct batch_item *it = in->items[i];

		memset(&it->err, 0, sizeof(it->err));
		it->case_ref[0] = '\0';
		it->seq = 0;
		if ((r = apply_event(b, it)) < 0)
			goto fail;
	}
	for (size_t i = 0; i < in->n_work; i++)
		if ((r = batchx_apply_work(b, &in->work[i], i)) < 0)
			goto fail;
	if (in->replan_max && (r = batchx_replan_some(b, in)) < 0)
		goto fail;
	for (size_t i = 0; i < in->n_reads; i++)
		if ((r = readlog_append(b->st, b->txn, &b->head, b->now_ms, &in->reads[i])) < 0)
			goto fail;
	if (in->reseal_max && b->st->seal &&
	    (r = reseal_some(b->st, b->txn, &in->reseal_from, in->reseal_max, in->reseal_failed,
			     &b->plain, &b->res.reseal)) < 0)
		goto fail;
	if ((r = journal_head_save(b->st, b->txn, &b->head)) < 0 || (r = save_counters(b)) < 0)
		goto fail;
	for (int i = 0; i < C_COUNT; i++)
		if ((r = store_meta_put_u64(b->st, b->txn, counter_names[i], b->ctrs[i])) < 0)
			goto fail;
	b->res.notify_seq = b->ctrs[C_NOTIFY_SEQ];
	return store_commit(&b->txn);
fail:
	store_abort(&b->txn);
	return r;
}

int batch_run(struct store *st, const struct batch_input *in, struct batch_result *ret)
{
	struct batch_ctx b = {
	    .st = st, .now_ms = in->now_ms, .wall_ms = in->now_ms, .policy = in->policy};
	time_t secs = (time_t)(in->now_ms / 1000);
	struct tm tm;
	int r;

	gmtime_r(&secs, &tm);
	b.year = tm.tm_year + 1900;
	msgpack_sbuffer_init(&b.buf);
	msgpack_sbuffer_init(&b.notes);
	msgpack_sbuffer_init(&b.redacted);
	/* A full map aborts the whole transaction; grow it and run the batch again. */
	while ((r = apply_all(&b, in)) == -ENOSPC) {
		int g = store_grow(st);
		if (g < 0) {
			r = g;
			break;
		}
	}
	/* the buffers held plain case records and events: wiped, not just freed */
	if (b.buf.data)
		sodium_memzero(b.buf.data, b.buf.alloc);
	if (b.redacted.data)
		sodium_memzero(b.redacted.data, b.redacted.alloc);
	msgpack_sbuffer_destroy(&b.buf);
	msgpack_sbuffer_destroy(&b.notes);
	msgpack_sbuffer_destroy(&b.redacted);
	seal_buf_free(&b.plain);
	if (r == 0 && ret)
		*ret = b.res;
	return r;
}

int batch_apply(struct store *st, struct batch_item *const *items, size_t n, uint64_t now_ms,
		const struct policy *p)
{
	struct batch_input in = {.items = items, .n = n, .policy = p, .now_ms = now_ms};

	return batch_run(st, &in, NULL);
}
