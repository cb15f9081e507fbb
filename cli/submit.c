#include "submit.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <msgpack.h>
#include <sodium.h>

#include "mpjson.h"

#define SUBMIT_ID_BYTES 16

int submit_load(const char *path, json_t **ret_events, bool *ret_single, char *errbuf, size_t size)
{
	bool single = false;
	json_error_t jerr;
	json_t *doc, *item;
	size_t i;

	if (strcmp(path, "-") == 0)
		doc = json_loadf(stdin, JSON_REJECT_DUPLICATES, &jerr);
	else
		doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		snprintf(errbuf, size, "%s: line %d: %s", strcmp(path, "-") ? path : "stdin",
			 jerr.line, jerr.text);
		return -EINVAL;
	}
	if (json_is_object(doc)) {
		json_t *arr = json_array();

		single = true;
		if (!arr || json_array_append_new(arr, doc) < 0) {
			json_decref(arr);
			snprintf(errbuf, size, "out of memory");
			return -ENOMEM;
		}
		doc = arr;
	}
	if (!json_is_array(doc) || json_array_size(doc) == 0) {
		snprintf(errbuf, size,
			 "%s: expected an event (a JSON object) or a non-empty array of them",
			 path);
		json_decref(doc);
		return -EINVAL;
	}
	json_array_foreach(doc, i, item)
	{
		if (!json_is_object(item)) {
			snprintf(errbuf, size, "%s: item %zu of the array is not an object", path,
				 i);
			json_decref(doc);
			return -EINVAL;
		}
	}
	*ret_events = doc;
	*ret_single = single;
	return 0;
}

int submit_prepare(json_t *event, uint64_t now_ms)
{
	if (!json_is_object(event))
		return -EINVAL;
	if (!json_object_get(event, "v") && json_object_set_new(event, "v", json_integer(1)) < 0)
		return -ENOMEM;
	if (!json_object_get(event, "id")) {
		unsigned char raw[SUBMIT_ID_BYTES];
		char hex[SUBMIT_ID_BYTES * 2 + 1];

		randombytes_buf(raw, sizeof(raw));
		sodium_bin2hex(hex, sizeof(hex), raw, sizeof(raw));
		if (json_object_set_new(event, "id", json_string(hex)) < 0)
			return -ENOMEM;
	}
	if (!json_object_get(event, "at") &&
	    json_object_set_new(event, "at", json_integer((json_int_t)now_ms)) < 0)
		return -ENOMEM;
	return 0;
}

/* The first unanswered event with this id; a reply without a readable id goes to the first
 * unanswered event, since the daemon could not read that event's id either. */
static size_t match_reply(const json_t *events, const json_t *replies, const json_t *reply)
{
	const char *id = json_string_value(json_object_get(reply, "id"));
	size_t n = json_array_size(events), first = n;

	for (size_t i = 0; i < n; i++) {
		const char *eid;

		if (!json_is_null(json_array_get(replies, i)))
			continue;
		if (first == n)
			first = i;
		eid = json_string_value(json_object_get(json_array_get(events, i), "id"));
		if (id && eid && strcmp(id, eid) == 0)
			return i;
	}
	return id ? n : first;
}

int submit_run(struct ctlclient *c, const json_t *events, int timeout_ms, json_t **ret_replies)
{
	size_t n = json_array_size(events), sent = 0, answered = 0;
	int64_t deadline = ctlclient_now_ms() + timeout_ms;
	msgpack_sbuffer buf = {0};
	json_t *replies;
	int r = 0;

	replies = json_array();
	if (!replies)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (json_array_append_new(replies, json_null()) < 0) {
			json_decref(replies);
			return -ENOMEM;
		}

	while (answered < n) {
		int ready;

		r = ctlclient_wait(c, CTLCLIENT_IN | (sent < n ? CTLCLIENT_OUT : 0), deadline,
				   &ready);
		if (r < 0)
			break;
		if (!ready) {
			r = -ETIMEDOUT;
			break;
		}
		if ((ready & CTLCLIENT_OUT) && sent < n) {
			if (!buf.data) {
				r = mpjson_encode(json_array_get(events, sent), &buf);
				if (r < 0)
					break;
			}
			r = ctlclient_send(c, buf.data, buf.size);
			if (r < 0 && r != -EAGAIN)
				break;
			if (r == 0) {
				msgpack_sbuffer_destroy(&buf);
				buf = (msgpack_sbuffer){0};
				sent++;
			}
			r = 0;
		}
		if (ready & CTLCLIENT_IN) {
			json_t *reply;
			size_t i;

			r = ctlclient_recv(c, &reply);
			if (r == -EAGAIN || r == -EBADMSG) {
				/* a garbled reply answers nothing; the event stays unanswered */
				r = 0;
				continue;
			}
			if (r < 0)
				break;
			i = match_reply(events, replies, reply);
			if (i < n) {
				json_array_set_new(replies, i, reply);
				answered++;
				deadline = ctlclient_now_ms() + timeout_ms;
			} else
				json_decref(reply);
		}
	}
	msgpack_sbuffer_destroy(&buf);
	if (r < 0 && r != -ETIMEDOUT) {
		json_decref(replies);
		return r;
	}
	*ret_replies = replies;
	return r;
}
