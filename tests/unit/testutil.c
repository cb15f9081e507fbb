/* testutil.c: see testutil.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "jsonpack.h"

json_t *doc_parse(const char *text)
{
	char *s = strdup(text);
	json_error_t je;
	json_t *doc;

	for (char *c = s; *c; c++)
		if (*c == '\'')
			*c = '"';
	doc = json_loads(s, JSON_REJECT_DUPLICATES, &je);
	if (doc == NULL)
		fail_msg("bad test JSON at %d: %s: %s", je.position, je.text, s);
	free(s);
	return doc;
}

json_t *doc_declaration(void)
{
	return doc_parse(
	    "{'v': 1, 'id': 'decl-0001', 'type': 'declaration.submitted',"
	    " 'at': 1767225000000, 'actor': {'id': 'E1234', 'role': 'subject'},"
	    " 'body': {"
	    "  'subject': {'id': 'E1234', 'name': 'Sam Example', 'rank': 'PC',"
	    "   'department': 'Response', 'vetting': 'MV', 'line_manager': 'S5678'},"
	    "  'associate': {'name': 'Alex Person', 'kind': 'person', 'details': 'school friend'},"
	    "  'relationship': 'friend', 'categories': ['criminal_conviction', 'charged'],"
	    "  'circumstances': 'We met again at a reunion.', 'started_on': '2024-02-29',"
	    "  'social_media': true, 'home_working': false, 'live_case_ref': 'OP-77',"
	    "  'vulnerable': false, 'bypass_manager': false}}");
}

json_t *doc_referral(void)
{
	return doc_parse("{'v': 1, 'id': 'ref-0001', 'type': 'referral.submitted',"
			 " 'at': 1767225000000, 'actor': {'id': 'R1', 'role': 'reporter'},"
			 " 'body': {'subject': {'id': 'E1234'},"
			 "  'associate': {'name': 'Group X', 'kind': 'group'},"
			 "  'categories': ['extremist'], 'circumstances': 'Seen at a rally.'}}");
}

json_t *doc_anonymous_referral(void)
{
	json_t *doc = doc_referral();

	doc_del(doc, "actor");
	doc_set(doc, "body.anonymous", json_true());
	return doc;
}

/* The object holding the last component of path, and that component. */
static json_t *doc_parent(json_t *doc, const char *path, char *last, size_t size)
{
	char tmp[256];
	char *part, *next;

	snprintf(tmp, sizeof(tmp), "%s", path);
	part = tmp;
	while ((next = strchr(part, '.')) != NULL) {
		*next = '\0';
		doc = json_object_get(doc, part);
		if (doc == NULL)
			fail_msg("test path %s does not exist", path);
		part = next + 1;
	}
	if (strlen(part) >= size)
		fail_msg("test path %s: last part too long", path);
	memcpy(last, part, strlen(part) + 1);
	return doc;
}

void doc_set(json_t *doc, const char *path, json_t *val)
{
	char last[128];
	json_t *parent = doc_parent(doc, path, last, sizeof(last));

	json_object_set_new(parent, last, val);
}

void doc_del(json_t *doc, const char *path)
{
	char last[128];
	json_t *parent = doc_parent(doc, path, last, sizeof(last));

	json_object_del(parent, last);
}

struct buf buf_pack(const json_t *doc)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	struct buf b;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	jsonpack(&pk, doc);
	b = buf_copy(sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	return b;
}

struct buf buf_copy(const void *p, size_t len)
{
	struct buf b = {malloc(len ? len : 1), len};

	assert_non_null(b.p);
	if (len)
		memcpy(b.p, p, len);
	return b;
}

void buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = 0;
}

void buf_patch(struct buf *b, const char *from, const void *to, size_t n)
{
	for (size_t i = 0; i + n <= b->len; i++) {
		if (memcmp(b->p + i, from, n) == 0) {
			memcpy(b->p + i, to, n);
			return;
		}
	}
	fail_msg("buf_patch: %.*s not found", (int)n, from);
}

/* What the codec answers for an event on a case of the kind its reference names: the decode,
 * then that kind's own body of a type several kinds share (REGISTERS.md), which the daemon
 * checks once the case is loaded. */
int decode_buf(const struct buf *b, struct proto_event *ev, char ret_id[PROTO_ID_MAX + 1],
	       struct proto_error *err)
{
	if (proto_event_decode(ev, b->p, b->len, NOW_MS, NULL, ret_id, err) < 0)
		return -1;
	if (proto_kind_body_check(proto_ref_kind(ev->case_ref), ev, err) < 0) {
		proto_event_release(ev);
		return -1;
	}
	return 0;
}

void check_message(const struct proto_error *err, const char *file, int line)
{
	const char *m = err->message;

	if (m[0] == '\0') {
		print_error("%s:%d: empty error message\n", file, line);
		_fail(file, line);
	}
	for (const char *c = m; *c; c++) {
		if (*c < 0x20 || *c >= 0x7f) {
			print_error("%s:%d: message has byte 0x%02x: %s\n", file, line,
				    (unsigned char)*c, m);
			_fail(file, line);
		}
	}
}

void check_accepted(json_t *doc, const char *file, int line)
{
	struct buf b = buf_pack(doc);
	struct proto_event ev;
	struct proto_error err;
	char id[PROTO_ID_MAX + 1];

	json_decref(doc);
	if (decode_buf(&b, &ev, id, &err) != 0) {
		print_error("%s:%d: rejected as %s: %s\n", file, line, proto_err_code(err.code),
			    err.message);
		buf_free(&b);
		_fail(file, line);
	}
	proto_event_release(&ev);
	buf_free(&b);
}

static void check_err(int r, const struct proto_error *err, enum proto_err code, const char *needle,
		      const char *file, int line)
{
	if (r != -1) {
		print_error("%s:%d: accepted; expected %s\n", file, line, proto_err_code(code));
		_fail(file, line);
	}
	if (err->code != code || (needle != NULL && strstr(err->message, needle) == NULL)) {
		print_error("%s:%d: got %s \"%s\"; expected %s with \"%s\"\n", file, line,
			    proto_err_code(err->code), err->message, proto_err_code(code),
			    needle ? needle : "");
		_fail(file, line);
	}
	check_message(err, file, line);
}

void check_rejected_buf(const struct buf *b, enum proto_err code, const char *needle,
			const char *file, int line)
{
	struct proto_event ev;
	struct proto_error err;
	char id[PROTO_ID_MAX + 1];
	int r = decode_buf(b, &ev, id, &err);

	if (r == 0)
		proto_event_release(&ev);
	check_err(r, &err, code, needle, file, line);
}

void check_rejected(json_t *doc, enum proto_err code, const char *needle, const char *file,
		    int line)
{
	struct buf b = buf_pack(doc);

	json_decref(doc);
	check_rejected_buf(&b, code, needle, file, line);
	buf_free(&b);
}

void check_ctl_rejected(const struct buf *b, enum proto_err code, const char *needle,
			const char *file, int line)
{
	struct proto_ctl req;
	struct proto_error err;
	int r = proto_ctl_decode(&req, b->p, b->len, NULL, &err);

	if (r == 0)
		proto_ctl_release(&req);
	check_err(r, &err, code, needle, file, line);
}

void check_obj_str(const msgpack_object *o, const char *cstr, const char *file, int line)
{
	if (o == NULL || o->type != MSGPACK_OBJECT_STR ||
	    !proto_str_eq((struct proto_str){o->via.str.ptr, o->via.str.size}, cstr)) {
		print_error("%s:%d: expected the string \"%s\"\n", file, line, cstr);
		_fail(file, line);
	}
}
