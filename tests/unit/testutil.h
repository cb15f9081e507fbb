/* testutil: requests for the proto tests, written as JSON (single quotes allowed) and packed
 * to MessagePack, plus checks that print the proto error when they fail. */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>

#include <cmocka.h>
#include <jansson.h>
#include <msgpack.h>

#include "proto.h"

#define NOW_MS 1767225600000ull /* 2026-01-01T00:00:00Z */
#define AT_MS  1767225000000ull /* ten minutes earlier */

struct buf {
	uint8_t *p;
	size_t len;
};

/* JSON text with ' for " -> a document; aborts the test on a syntax error. */
json_t *doc_parse(const char *text);
json_t *doc_declaration(void);
json_t *doc_referral(void);
json_t *doc_anonymous_referral(void);

/* Sets or deletes the value at a dotted path ("body.subject.vetting"); doc_set steals val. */
void doc_set(json_t *doc, const char *path, json_t *val);
void doc_del(json_t *doc, const char *path);

/* MessagePack of a document (strings as str, non-negative integers as uint). */
struct buf buf_pack(const json_t *doc);
struct buf buf_copy(const void *p, size_t len);
void buf_free(struct buf *b);
/* Replaces the first occurrence of the n bytes of `from` by `to` (same length). */
void buf_patch(struct buf *b, const char *from, const void *to, size_t n);

/* Decodes b at NOW_MS with the default limits. */
int decode_buf(const struct buf *b, struct proto_event *ev, char ret_id[PROTO_ID_MAX + 1],
	       struct proto_error *err);

/* The document must decode; the event is released. */
#define assert_accepted(doc) check_accepted((doc), __FILE__, __LINE__)
void check_accepted(json_t *doc, const char *file, int line);

/* The buffer / document must be rejected with code, and the message must contain needle
 * (NULL: any) and be one line of printable ASCII. Consumes doc. */
#define assert_rejected_buf(b, code, needle)                                                       \
	check_rejected_buf((b), (code), (needle), __FILE__, __LINE__)
#define assert_rejected(doc, code, needle)                                                         \
	check_rejected((doc), (code), (needle), __FILE__, __LINE__)
void check_rejected_buf(const struct buf *b, enum proto_err code, const char *needle,
			const char *file, int line);
void check_rejected(json_t *doc, enum proto_err code, const char *needle, const char *file,
		    int line);
/* The same for a message decoded by proto_ctl_decode. */
#define assert_ctl_rejected(b, code, needle)                                                       \
	check_ctl_rejected((b), (code), (needle), __FILE__, __LINE__)
void check_ctl_rejected(const struct buf *b, enum proto_err code, const char *needle,
			const char *file, int line);

/* Fails the test unless the message is printable ASCII, non-empty and has no newline. */
void check_message(const struct proto_error *err, const char *file, int line);

/* A string object of the decoded tree equals cstr. */
#define assert_obj_str(o, cstr) check_obj_str((o), (cstr), __FILE__, __LINE__)
void check_obj_str(const msgpack_object *o, const char *cstr, const char *file, int line);

#endif
