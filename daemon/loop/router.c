#include "loop/router.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "policy/config.h"
#include "security/zap.h"

/* Binds sock to every endpoint of list (comma-separated, blanks trimmed) with
 * security_bind, logging each as "WHAT: listening on EP". Returns 0, or -1 with err set (a
 * bad endpoint, a bad [WHAT] owner/group/mode, or none). */
static int router_bind(void *sock, const char *list, const char *what, const struct router_opts *o,
		       char *err, size_t errlen)
{
	char buf[CONFIG_ENDPOINTS_MAX], *save = NULL, *ep;
	int n = 0;

	if (snprintf(buf, sizeof(buf), "%s", list) >= (int)sizeof(buf)) {
		snprintf(err, errlen, "endpoint list longer than %d bytes",
			 CONFIG_ENDPOINTS_MAX - 1);
		return -1;
	}
	for (ep = strtok_r(buf, CONFIG_ENDPOINT_SEPS, &save); ep;
	     ep = strtok_r(NULL, CONFIG_ENDPOINT_SEPS, &save), n++)
		if (security_bind(sock, ep, what, o->sec, o->perm, err, errlen) < 0)
			return -1;
	if (n == 0) {
		snprintf(err, errlen, "no endpoint to bind");
		return -1;
	}
	return 0;
}

void *router_open(void *zctx, int type, const char *list, const char *what,
		  const struct router_opts *o, char *err, size_t errlen)
{
	int zero = 0;
	void *s;

	if (!zap_bound(zctx)) {
		snprintf(err, errlen,
			 "no ZAP handler is running: refusing to open a socket any client "
			 "could connect to");
		return NULL;
	}
	s = zmq_socket(zctx, type);
	if (!s) {
		snprintf(err, errlen, "zmq_socket: %s", zmq_strerror(zmq_errno()));
		return NULL;
	}
	/* before the binds: libzmq copies the options at each bind */
	if (zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero)) < 0 ||
	    (o->maxmsg && zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &o->maxmsg, sizeof(o->maxmsg)) < 0) ||
	    (o->sndhwm && zmq_setsockopt(s, ZMQ_SNDHWM, &o->sndhwm, sizeof(o->sndhwm)) < 0)) {
		snprintf(err, errlen, "socket options: %s", zmq_strerror(zmq_errno()));
		zmq_close(s);
		return NULL;
	}
	if (router_bind(s, list, what, o, err, errlen) < 0) {
		zmq_close(s);
		return NULL;
	}
	return s;
}

void router_request_close(struct request *q)
{
	for (int i = 0; i < q->nroute; i++)
		zmq_msg_close(&q->route[i]);
	q->nroute = 0;
	if (q->npayload)
		zmq_msg_close(&q->payload);
	q->npayload = 0;
}

int router_recv(void *sock, struct request *q)
{
	zmq_msg_t f[ROUTER_ROUTE_MAX + 1];
	int n = 0, total = 0, delim = -1, more, flags = ZMQ_DONTWAIT;
	const char *user;

	do {
		zmq_msg_t m;

		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, sock, flags) < 0) {
			zmq_msg_close(&m);
			while (n > 0)
				zmq_msg_close(&f[--n]);
			return (zmq_errno() == EAGAIN && flags) ? 0 : -1;
		}
		flags = 0; /* the rest of a multipart message is already here */
		more = zmq_msg_more(&m);
		if (delim < 0 && total > 0 && zmq_msg_size(&m) == 0)
			delim = total;
		total++;
		if (n < ROUTER_ROUTE_MAX + 1)
			f[n++] = m;
		else
			zmq_msg_close(&m); /* counted, not kept: the request is malformed */
	} while (more);

	q->nroute = delim < 0 ? 1 : delim + 1;
	if (q->nroute > ROUTER_ROUTE_MAX) {
		while (n > 0)
			zmq_msg_close(&f[--n]);
		q->nroute = 0;
		return ROUTER_DROPPED;
	}
	memcpy(q->route, f, q->nroute * sizeof(f[0]));
	q->npayload = total - q->nroute;
	if (q->npayload > 0)
		q->payload = f[q->nroute];
	/* the connection's metadata is on every frame but the identity frame that ROUTER
	 * makes when zmq_poll has already prefetched the message (libzmq 4.3): look at the
	 * data frames too */
	user = NULL;
	for (int i = 0; i < n && !user; i++)
		user = zmq_msg_gets(&f[i], "User-Id");
	snprintf(q->client, sizeof(q->client), "%s", user ? user : "");
	for (int i = q->nroute + 1; i < n; i++)
		zmq_msg_close(&f[i]);
	return 1;
}

void router_send(void *sock, struct request *q, const msgpack_sbuffer *out)
{
	for (int i = 0; i < q->nroute; i++) {
		zmq_msg_t m;

		zmq_msg_init(&m);
		zmq_msg_copy(&m, &q->route[i]);
		if (zmq_msg_send(&m, sock, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&m);
			return; /* the peer is gone or stuck: ROUTER drops the rest */
		}
	}
	zmq_send(sock, out->data, out->size, ZMQ_DONTWAIT);
}
