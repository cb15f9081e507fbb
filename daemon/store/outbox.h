/* outbox: notifications as stored and published (PROTOCOL.md "Notify"). Each one is written
 * to the `outbox` database in the same transaction as the change that caused it, under the
 * next notification seq (meta "notify_seq": starts at 1, no gaps, survives restarts); the
 * notifier publishes the stored bytes after commit, and notifications.since returns them. */
#ifndef OUTBOX_H
#define OUTBOX_H

#include <stdint.h>

#include <msgpack.h>

#include "store/store.h"
#include "case/wfcase.h"

/* Packs one notification map: v, seq, topic, at, case, state, recipients, and deadline and
 * detail when the note has them. */
void outbox_pack(msgpack_packer *pk, uint64_t seq, uint64_t at, const char *case_ref,
		 const struct wf_note *note);

/* Appends the notes of fx for case_ref to the outbox, numbering them from *seq + 1 and
 * advancing *seq (the caller saves it in meta before commit). Returns 0 or a negative errno. */
int outbox_append(struct store *st, MDB_txn *txn, uint64_t *seq, uint64_t at,
		  const char *case_ref, const struct wf_effects *fx, msgpack_sbuffer *scratch);

/* The topic of a stored notification (its bytes as in the outbox), for the first frame.
 * Returns 0, or -1 when the bytes are not a notification. */
int outbox_topic(const void *bytes, size_t len, const char **ret, size_t *ret_len);

/* Retention: rewrites notification seq with every recipient's id nil (roles, references and
 * states stay), so that a disposed case leaves no staff id in the outbox. Such an entry is
 * no longer byte for byte what was published. Returns 0, -ENOENT, or a negative errno. */
int outbox_redact(struct store *st, MDB_txn *txn, uint64_t seq, msgpack_sbuffer *scratch);

#endif
