#include "ctlclient.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <msgpack.h>
#include <zmq.h>

#include "mpjson.h"
#include "zsock.h"

struct ctlclient {
	void *ctx;
	void *sock;
	char *endpoint;
};

int64_t ctlclient_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void ctlclient_destroy(struct ctlclient **c)
{
	if (!c || !*c)
		return;
	zsock_close(&(*c)->ctx, &(*c)->sock);
	free((*c)->endpoint);
	free(*c);
	*c = NULL;
}

int ctlclient_new(const char *endpoint, const struct ctlclient_curve *curve, struct ctlclient **ret)
{
	struct ctlclient *c;
	int r;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->endpoint = strdup(endpoint);
	r = c->endpoint ? zsock_open(ZMQ_DEALER, curve, &c->ctx, &c->sock) : -ENOMEM;
	if (r == 0 && zmq_connect(c->sock, endpoint) < 0)
		r = zsock_err();
	if (r < 0) {
		ctlclient_destroy(&c);
		return r;
	}
	*ret = c;
	return 0;
}

const char *ctlclient_endpoint(const struct ctlclient *c)
{
	return c->endpoint;
}

int ctlclient_wait(struct ctlclient *c, int events, int64_t deadline_ms, int *ret_ready)
{
	zmq_pollitem_t item = {.socket = c->sock};

	if (events & CTLCLIENT_IN)
		item.events |= ZMQ_POLLIN;
	if (events & CTLCLIENT_OUT)
		item.events |= ZMQ_POLLOUT;
	for (;;) {
		int64_t left = deadline_ms - ctlclient_now_ms();

		if (left < 0)
			left = 0;
		if (zmq_poll(&item, 1, (long)left) >= 0)
			break;
		if (errno != EINTR)
			return zsock_err();
	}
	*ret_ready = 0;
	if (item.revents & ZMQ_POLLIN)
		*ret_ready |= CTLCLIENT_IN;
	if (item.revents & ZMQ_POLLOUT)
		*ret_ready |= CTLCLIENT_OUT;
	return 0;
}

int ctlclient_send(struct ctlclient *c, const void *buf, size_t len)
{
	/* The delimiter and the payload go as one atomic message: once the first frame is
	 * queued, the second is too. */
	if (zmq_send(c->sock, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
		return zsock_err();
	if (zmq_send(c->sock, buf, len, ZMQ_DONTWAIT) < 0)
		return zsock_err();
	return 0;
}

/* What ctlclient_recv has read of one reply. */
struct reply_frames {
	int payloads;
	json_t *reply; /* the first payload, decoded */
};

/* Skips the empty delimiter frames of the route; exactly one payload must follow. */
static int reply_frame(void *arg, int index, const void *data, size_t size, bool more)
{
	struct reply_frames *f = arg;
	int r;

	(void)index;
	if (size == 0 && (more || f->payloads > 0))
		return 0;
	if (f->payloads++ > 0)
		return 0;
	r = mpjson_decode(data, size, &f->reply);
	return r == 0 || r == -ENOMEM ? r : -EBADMSG;
}

int ctlclient_recv(struct ctlclient *c, json_t **ret_reply)
{
	struct reply_frames f = {0};
	int r;

	r = zsock_recv_message(c->sock, reply_frame, &f);
	if (r == 0 && (f.payloads != 1 || !json_is_object(f.reply)))
		r = -EBADMSG;
	if (r < 0) {
		json_decref(f.reply);
		return r;
	}
	*ret_reply = f.reply;
	return 0;
}

void ctlclient_error_from_json(const json_t *error, struct ctlclient_error *ret_err)
{
	const char *code = json_string_value(json_object_get(error, "code"));
	const char *message = json_string_value(json_object_get(error, "message"));

	snprintf(ret_err->code, sizeof(ret_err->code), "%s", code ? code : "error");
	snprintf(ret_err->message, sizeof(ret_err->message), "%s",
		 message ? message : "(the daemon gave no message)");
}

static int pack_request(const char *cmd, const json_t *args, msgpack_sbuffer *ret_buf)
{
	json_t *req;
	int r;

	req = json_pack("{s:i, s:s}", "v", 1, "cmd", cmd);
	if (!req)
		return -ENOMEM;
	if (args && json_object_set(req, "args", (json_t *)args) < 0) {
		json_decref(req);
		return -ENOMEM;
	}
	r = mpjson_encode(req, ret_buf);
	json_decref(req);
	return r;
}

int ctlclient_call(struct ctlclient *c, const char *cmd, const json_t *args, int timeout_ms,
		   json_t **ret_result, struct ctlclient_error *ret_err)
{
	int64_t deadline = ctlclient_now_ms() + timeout_ms;
	msgpack_sbuffer buf;
	json_t *reply = NULL, *ok, *result;
	int ready, r;

	r = pack_request(cmd, args, &buf);
	if (r < 0)
		return r;
	for (;;) {
		r = ctlclient_wait(c, CTLCLIENT_OUT, deadline, &ready);
		if (r < 0 || !ready) {
			msgpack_sbuffer_destroy(&buf);
			return r < 0 ? r : -ETIMEDOUT;
		}
		r = ctlclient_send(c, buf.data, buf.size);
		if (r != -EAGAIN)
			break;
	}
	msgpack_sbuffer_destroy(&buf);
	if (r < 0)
		return r;

	for (;;) {
		r = ctlclient_wait(c, CTLCLIENT_IN, deadline, &ready);
		if (r < 0)
			return r;
		if (!ready)
			return -ETIMEDOUT;
		r = ctlclient_recv(c, &reply);
		if (r != -EAGAIN)
			break;
	}
	if (r < 0)
		return r;

	ok = json_object_get(reply, "ok");
	if (!json_is_boolean(ok)) {
		json_decref(reply);
		return -EBADMSG;
	}
	if (!json_is_true(ok)) {
		ctlclient_error_from_json(json_object_get(reply, "error"), ret_err);
		json_decref(reply);
		return -EREMOTEIO;
	}
	result = json_object_get(reply, "result");
	*ret_result = result ? json_incref(result) : json_null();
	json_decref(reply);
	return 0;
}
