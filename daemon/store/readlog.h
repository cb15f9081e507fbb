/* readlog: the records of control reads (proto/SPEC.md "Read auditing"). A record is a
 * journal entry like an event's, in the same hash chain, so audit.verify covers it; its bytes
 * are a MessagePack map whose type is READLOG_TYPE, which no intake event has. Each case the
 * read returned gets a key in `reads`, case reference \0 seq (u64 BE) -> empty, so the reads
 * of one case are a prefix scan in journal order. Retention disposes of neither: who looked
 * at a case is kept as long as the chain. */
#ifndef READLOG_H
#define READLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "security/clients.h"
#include "store/journal.h"
#include "proto.h"
#include "store/store.h"

#define READLOG_TYPE    "audit.read"
#define READLOG_KEY_MAX (PROTO_CASE_MAX + 1 + 8)
#define READLOG_CMD_MAX 31 /* bytes of a command's name */

/* Packs the journal entry of an answered read into out (emptied first): {"type":
 * READLOG_TYPE, "at", "client" ("" for NULL), "role", "cmd", "args" (args as asked, {} for
 * NULL), "cases"}, cases being refs (refs_len bytes, each reference NUL-terminated, in reply
 * order). This module owns the format: readlog_decode reads it back. */
void readlog_pack(msgpack_sbuffer *out, uint64_t at, const char *client, enum client_role role,
		  const char *cmd, const msgpack_object *args, const char *refs, size_t refs_len);

/* One read to record (ctl.h's struct ctl_read, as the reactor hands it to batch.h). */
struct readlog_rec {
	const uint8_t *entry; /* the journal entry's bytes */
	size_t len;
	const char *refs; /* the cases it returned, each NUL-terminated, one after the other */
	size_t refs_len;
	uint64_t seq; /* set by readlog_append: the entry's journal seq */
};

/* Appends rec's entry after head (advancing it, in memory: the caller saves it) and puts the
 * `reads` key of each of its cases. A reference that could not be a key is skipped. */
int readlog_append(struct store *st, MDB_txn *txn, struct journal_head *head, uint64_t received_at,
		   struct readlog_rec *rec);

/* The `reads` key of case ref (len bytes) read by journal entry seq; its length. With
 * prefix_only, the key up to and including the \0: the prefix of all the case's reads. */
size_t readlog_key(uint8_t key[READLOG_KEY_MAX], const char *ref, size_t len, uint64_t seq,
		   bool prefix_only);

/* The longest reason a read may give (args.reason: subject.export's). */
#define READLOG_REASON_MAX 512

/* What audit.reads shows of a record: reason "" when its args gave none. */
struct readlog_row {
	uint64_t at;
	char client[CLIENTS_NAME_MAX + 1];
	char cmd[READLOG_CMD_MAX + 1];
	char reason[READLOG_REASON_MAX + 1];
};

/* Decodes a journal entry's bytes. Returns 0, or -EBADMSG when they are not a read record. */
int readlog_decode(const uint8_t *bytes, size_t len, struct readlog_row *ret);

#endif
