#include "notifsub.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "mpjson.h"

#define NOTIFY_FRAMES 2 /* the topic, then the map */

struct notifsub {
	void *ctx;
	void *sock;
};

static int zmq_err(void)
{
	return errno > 0 ? -errno : -EIO;
}

void notifsub_destroy(struct notifsub **s)
{
	if (!s || !*s)
		return;
	if ((*s)->sock)
		zmq_close((*s)->sock);
	if ((*s)->ctx)
		zmq_ctx_term((*s)->ctx);
	free(*s);
	*s = NULL;
}

static int setup(void *sock, const char *endpoint, const struct ctlclient_curve *curve,
		 char *const *topics, size_t n)
{
	int linger = 0;

	if (zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof(linger)) < 0)
		return zmq_err();
	if (curve && (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, curve->server_public, 40) < 0 ||
		      zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, curve->public, 40) < 0 ||
		      zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, curve->secret, 40) < 0))
		return zmq_err();
	if (n == 0 && zmq_setsockopt(sock, ZMQ_SUBSCRIBE, "", 0) < 0)
		return zmq_err();
	for (size_t i = 0; i < n; i++)
		if (zmq_setsockopt(sock, ZMQ_SUBSCRIBE, topics[i], strlen(topics[i])) < 0)
			return zmq_err();
	if (zmq_connect(sock, endpoint) < 0)
		return zmq_err();
	return 0;
}

int notifsub_new(const char *endpoint, const struct ctlclient_curve *curve, char *const *topics,
		 size_t n, struct notifsub **ret)
{
	struct notifsub *s;
	int r;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->ctx = zmq_ctx_new();
	if (!s->ctx) {
		notifsub_destroy(&s);
		return -ENOMEM;
	}
	s->sock = zmq_socket(s->ctx, ZMQ_SUB);
	r = s->sock ? setup(s->sock, endpoint, curve, topics, n) : zmq_err();
	if (r < 0) {
		notifsub_destroy(&s);
		return r;
	}
	*ret = s;
	return 0;
}

/* Reads every frame of one message: frame 1 the topic, frame 2 the map. */
static int read_message(struct notifsub *s, json_t **ret)
{
	char topic[256] = "";
	json_t *map = NULL;
	int frames = 0, more, r = 0;
	zmq_msg_t msg;

	do {
		zmq_msg_init(&msg);
		if (zmq_msg_recv(&msg, s->sock, ZMQ_DONTWAIT) < 0) {
			r = zmq_err();
			zmq_msg_close(&msg);
			json_decref(map);
			return r;
		}
		more = zmq_msg_more(&msg);
		frames++;
		if (frames == 1 && zmq_msg_size(&msg) < sizeof(topic))
			memcpy(topic, zmq_msg_data(&msg), zmq_msg_size(&msg));
		else if (frames == 1)
			r = -EBADMSG;
		else if (frames == NOTIFY_FRAMES && r == 0)
			r = mpjson_decode(zmq_msg_data(&msg), zmq_msg_size(&msg), &map);
		zmq_msg_close(&msg);
	} while (more);

	if (r == 0 && (frames != NOTIFY_FRAMES || !json_is_object(map) ||
		       !json_is_string(json_object_get(map, "topic")) ||
		       strcmp(json_string_value(json_object_get(map, "topic")), topic) != 0))
		r = -EBADMSG;
	if (r < 0) {
		json_decref(map);
		return r == -ENOMEM ? r : -EBADMSG;
	}
	*ret = map;
	return 0;
}

int notifsub_recv(struct notifsub *s, int stop_fd, int64_t deadline_ms, json_t **ret)
{
	zmq_pollitem_t items[2] = {
	    {.socket = s->sock, .events = ZMQ_POLLIN},
	    {.fd = stop_fd, .events = ZMQ_POLLIN},
	};
	int nitems = stop_fd >= 0 ? 2 : 1;

	/* The stop fd is looked at before every message, so a flood cannot hide a signal. */
	for (;;) {
		long wait = -1;
		int r;

		if (deadline_ms >= 0) {
			int64_t left = deadline_ms - ctlclient_now_ms();

			wait = left > 0 ? (long)left : 0;
		}
		r = zmq_poll(items, nitems, wait);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return zmq_err();
		if (nitems == 2 && (items[1].revents & ZMQ_POLLIN))
			return -ECANCELED;
		if (items[0].revents & ZMQ_POLLIN) {
			r = read_message(s, ret);
			if (r != -EAGAIN)
				return r;
		} else if (wait == 0)
			return -ETIMEDOUT;
	}
}
