/* caserec: a case as stored in the `cases` database, a MessagePack map. The C view holds
 * scalars and borrowed pointers to MessagePack parts (from the event that set them or from
 * the stored record), so a case is written without copying its contents twice. */
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
	char ref[PROTO_CASE_MAX + 1];
	enum proto_kind kind;
	enum wf_origin origin;
	enum wf_state state;
	uint64_t opened_at;
	struct proto_str subject_id;
	/* MessagePack parts, NULL when absent (packed as nil, or [] for the lists) */
	const msgpack_object *subject;
	const msgpack_object *associate;
	const msgpack_object *categories;
	const msgpack_object *relationship;
	const msgpack_object *conditions;
	const msgpack_object *tasks;
	const msgpack_object *closed_reason;
	const msgpack_object *history; /* the stored entries */
	struct case_hist added;        /* one entry this step appends, when has_added */
	bool has_added;
	msgpack_unpacked unpacked; /* owns the parts of a loaded record */
	bool loaded;
};

/* Packs the record (the stored form). */
void caserec_pack(const struct case_rec *c, msgpack_packer *pk);

/* Loads a stored record; the view borrows from its own copy of the tree. Release it after. */
int caserec_load(struct case_rec *c, const void *bytes, size_t len);
void caserec_release(struct case_rec *c);

/* Packs the case as PROTOCOL.md's case.get shows it; deadlines is packed as given (an
 * array), or [] when NULL. */
void caserec_pack_view(const struct case_rec *c, const msgpack_object *deadlines,
		       msgpack_packer *pk);

/* Packs one history entry as PROTOCOL.md's case.get shows it. */
void caserec_pack_hist(const struct case_hist *h, msgpack_packer *pk);

#endif
