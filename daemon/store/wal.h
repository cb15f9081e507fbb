/* wal: the write-ahead log in front of LMDB (issue 10). Records are appended to preallocated,
 * fixed-size segment files DIR/NNNNNNNNNNNNNNNN.wal (fallocate, then zeros written once, so an
 * fdatasync commits no size or extent change) and flushed with one fdatasync per batch; the
 * caller acks only after wal_flush returns 0. A failed write or flush poisons the log: every
 * later call returns -EIO, and the caller must exit (fsync's errors are not retriable: the
 * kernel may already have dropped the dirty pages). Each record is framed
 *
 *   len (u32 LE) | zero (u32) | seq (u64 LE) | BLAKE2b-128 of len, seq, payload (16) | payload
 *
 * padded to 8 bytes; seqs are consecutive. With a sealer the payload is sealed (seal.h) for
 * the place "wal" + seq. A segment is reused (renamed to the next number) only once
 * wal_applied says LMDB's durable commit covers all its records. */
#ifndef WAL_H
#define WAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct seal;
struct wal; /* opaque */

#define WAL_REC_HDR  32
#define WAL_NAME_MAX 24 /* "NNNNNNNNNNNNNNNN.wal" and a NUL */

/* Where and why replay stopped. */
enum wal_stop_why {
	WAL_STOP_END,     /* a clean end: zeros, a record of a segment's earlier use, no more */
	WAL_STOP_TORN,    /* a damaged record, and no valid record after it: a torn last write */
	WAL_STOP_CORRUPT, /* a damaged record with valid later ones behind it: records lost */
};
struct wal_stop {
	enum wal_stop_why why;
	char segment[WAL_NAME_MAX]; /* the segment file it stopped in ("" for an empty log) */
	uint64_t offset;            /* the byte offset in it */
	uint64_t last_seq;          /* the last whole record's seq (after_seq when none) */
	uint64_t lost_seq;          /* WAL_STOP_CORRUPT: the first valid seq found behind */
};

/* Called for each whole record past after_seq, in seq order; a nonzero return stops replay
 * and wal_open returns it. The payload is plain (opened when sealed). */
typedef int (*wal_replay_fn)(void *ctx, uint64_t seq, const uint8_t *payload, size_t len);

struct wal_opts {
	uint64_t segment_bytes;  /* each segment's size, a multiple of 4096 */
	const struct seal *seal; /* NULL: payloads are written plain */
};

/* Opens (creating) the log in dir, replays every record with seq > after_seq to fn (NULL: none
 * are passed on), and positions the writer after the last whole record, past a torn or
 * damaged tail (which it overwrites; segments behind it are removed). ret_stop (may be NULL)
 * says where replay stopped. The next appended seq follows the last whole record, or
 * after_seq when the log holds none past it. Returns 0; -EPROTO when the log begins after
 * after_seq + 1 (records LMDB never applied are missing); -EBADMSG when a sealed record does
 * not open (stop says where); -EIO, -ENOMEM; or fn's nonzero value. */
int wal_open(struct wal **ret, const char *dir, const struct wal_opts *opts, uint64_t after_seq,
	     wal_replay_fn fn, void *ctx, struct wal_stop *ret_stop);
/* Closes; accepts NULL and *w == NULL, sets *w to NULL. Unflushed records are dropped. */
void wal_close(struct wal **w);

/* The largest payload a record may carry. */
size_t wal_max_payload(const struct wal *w);
/* Buffers one record and returns its seq (written by the next wal_flush, or earlier when the
 * buffer or segment fills). Returns 0; -EMSGSIZE over wal_max_payload; -EIO (poisoned). */
int wal_append(struct wal *w, const void *payload, size_t len, uint64_t *ret_seq);
/* Writes what is buffered and fdatasyncs: every record appended so far is durable. Returns 0
 * or -EIO (poisoned: the caller must not ack and must exit). */
int wal_flush(struct wal *w);
/* LMDB's durable commit now covers every record up to seq: their segments may be reused. */
void wal_applied(struct wal *w, uint64_t seq);

struct wal_stats {
	uint64_t last_seq;    /* the last seq appended (after_seq before any) */
	uint64_t flushed_seq; /* the last one durable */
	uint64_t bytes;       /* written to the segments since open (frames and padding) */
	unsigned segments;    /* segment files the log holds */
};
void wal_stats(const struct wal *w, struct wal_stats *ret);

#endif
