#include "notifsub.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "mpjson.h"
#include "zsock.h"

#define NOTIFY_FRAMES 2 /* the topic, then the map */

struct notifsub {
	void *ctx;
	void *sock;
};

void notifsub_destroy(struct notifsub **s)
{
	if (!s || !*s)
		return;
	zsock_close(&(*s)->ctx, &(*s)->sock);
	free(*s);
	*s = NULL;
}

static int subscribe(void *sock, const char *endpoint, char *const *topics, size_t n)
{
	if (n == 0 && zmq_setsockopt(sock, ZMQ_SUBSCRIBE, "", 0) < 0)
		return zsock_err();
	for (size_t i = 0; i < n; i++)
		if (zmq_setsockopt(sock, ZMQ_SUBSCRIBE, topics[i], strlen(topics[i])) < 0)
			return zsock_err();
	if (zmq_connect(sock, endpoint) < 0)
		return zsock_err();
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
	r = zsock_open(ZMQ_SUB, curve, &s->ctx, &s->sock);
	if (r == 0)
		r = subscribe(s->sock, endpoint, topics, n);
	if (r < 0) {
		notifsub_destroy(&s);
		return r;
	}
	*ret = s;
	return 0;
}

/* What read_message has read of one notification. */
struct note_frames {
	int frames;
	char topic[256];
	json_t *map;
};

/* Frame 1 the topic, frame 2 the map. */
static int note_frame(void *arg, int index, const void *data, size_t size, bool more)
{
	struct note_frames *f = arg;
	int r;

	(void)more;
	f->frames++;
	if (index == 0) {
		if (size >= sizeof(f->topic))
			return -EBADMSG;
		memcpy(f->topic, data, size);
		return 0;
	}
	if (index != NOTIFY_FRAMES - 1)
		return 0;
	r = mpjson_decode(data, size, &f->map);
	return r == 0 || r == -ENOMEM ? r : -EBADMSG;
}

/* Reads every frame of one message. */
static int read_message(struct notifsub *s, json_t **ret)
{
	struct note_frames f = {0};
	const char *topic;
	int r;

	r = zsock_recv_message(s->sock, note_frame, &f);
	topic = json_string_value(json_object_get(f.map, "topic"));
	if (r == 0 && (f.frames != NOTIFY_FRAMES || !json_is_object(f.map) || !topic ||
		       strcmp(topic, f.topic) != 0))
		r = -EBADMSG;
	if (r < 0) {
		json_decref(f.map);
		return r;
	}
	*ret = f.map;
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
			return zsock_err();
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
