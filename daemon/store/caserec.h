/* caserec: a case as stored in the `cases` database, a MessagePack map holding the engine's
 * case (struct wf_case) and its history. Loading gives a view that borrows its parts from
 * its own copy of the tree; packing writes the parts as they are, so a case is written
 * without copying its contents twice. The format is a map with named entries: an entry a
 * reader does not know is ignored, an absent one takes its zero value. */
#ifndef CASEREC_H
#define CASEREC_H

#include <stdbool.h>
#include <stdint.h>

#include <msgpack.h>

#include "proto.h"
#include "security/seal.h"
#include "store/store.h"
#include "case/wfcase.h"

struct case_hist {
	uint64_t seq;
	struct proto_str type;
	uint64_t at;
	uint64_t received_at;
	enum proto_role role; /* ROLE_NONE: no actor (anonymous) */
	struct proto_str actor_id;
};

struct case_rec {
	struct wf_case c;
	const msgpack_object *history; /* the stored entries (an array), NULL when none */
	struct case_hist added;        /* one entry this step appends, when has_added */
	bool has_added;
	/* The outbox seqs the case's notifications were written under (for retention, which
	 * redacts them): the stored ones (an array of uints, NULL when none) and those the batch
	 * appends this step. A disposed case keeps none. */
	const msgpack_object *notes;
	uint64_t added_notes[WF_NOTES_MAX];
	uint32_t n_added_notes;
	struct proto_str state_name; /* as loaded, before its kind names it */
	msgpack_unpacked unpacked;   /* owns the parts of a loaded record */
	bool loaded;
};

/* Packs the record (the stored form). A disposed case packs no personal data: no parts, no
 * subject id, history entries without actors, no notes. Otherwise `notes` is the stored seqs
 * then the added ones (at most WF_NOTES_MAX of them). */
void caserec_pack(const struct case_rec *r, msgpack_packer *pk);

/* Loads a stored record; the view borrows from its own copy of the tree. Release it after.
 * Returns 0 or -EIO for a record it cannot read. */
int caserec_load(struct case_rec *r, const void *bytes, size_t len);
void caserec_release(struct case_rec *r);

/* ---- at rest: the `cases` database, sealed when the store has a sealer (store.seal) ---- */

/* What a sealed record is sealed for: 'C' | its reference, so it opens under no other. */
#define CASEREC_AD_MAX (1 + PROTO_CASE_MAX)

/* caserec_load of a stored value, sealed or plain (a record written before sealing was
 * turned on). Returns 0; -EIO when it cannot be read (damaged, or sealed for another case);
 * -EKEYREJECTED when s (may be NULL) has no key for it; -ENOMEM. */
int caserec_open(struct case_rec *r, const struct seal *s, const char *ref, size_t rlen,
		 const void *bytes, size_t len);

/* Reads case ref from the store: store_get then caserec_open (-ENOENT when there is none). */
int caserec_get(struct store *st, MDB_txn *txn, const char *ref, size_t rlen, struct case_rec *r);

/* Writes a packed record (caserec_pack's bytes) as case ref, sealed when the store has a
 * sealer. */
int caserec_put(struct store *st, MDB_txn *txn, const char *ref, size_t rlen, const void *rec,
		size_t len);

/* The reseal pass: writes case ref again sealed under the current key (store.seal, not NULL)
 * if it is plain or under another key. Returns 1 when it wrote, 0 when it was current, or a
 * negative errno: -EBADMSG unreadable (left as it is), -EKEYREJECTED no key opens it,
 * -ENOMEM, -ENOENT, or a store error. */
int caserec_reseal(struct store *st, MDB_txn *txn, const char *ref, size_t rlen,
		   struct seal_buf *buf);

/* Calls fn with each outbox seq of the case's notifications, the stored ones then the
 * added ones, in order. Returns 0, or the first nonzero value fn returns (it stops there). */
int caserec_notes_each(const struct case_rec *r, int (*fn)(uint64_t seq, void *arg), void *arg);

/* Packs the case as PROTOCOL.md's case.get shows it: case, kind, origin, state, opened_at,
 * subject, associate, categories, relationship, conditions, deadlines [{kind, due_at,
 * status, level}], tasks [{kind, status, outcome, opened_at, done_at}], history [{seq,
 * type, at, received_at, actor}], closed_reason; plus aa, closed_at and disposed_at. */
void caserec_pack_view(const struct case_rec *r, msgpack_packer *pk);

/* Packs one history entry as PROTOCOL.md's case.get shows it. */
void caserec_pack_hist(const struct case_hist *h, msgpack_packer *pk);

#endif
