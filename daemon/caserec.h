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
#include "wf.h"

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
	msgpack_unpacked unpacked; /* owns the parts of a loaded record */
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

/* Packs c->subject with c->subject_update's fields merged over it (or nil). */
void caserec_pack_subject(const struct wf_case *c, msgpack_packer *pk);

#endif
