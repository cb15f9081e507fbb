/* router: the daemon's side of a ZeroMQ socket (PROTOCOL.md "Sockets"). Binds a
 * comma-separated endpoint list; on ROUTER sockets reads one request (its route and its one
 * payload frame) and answers on the same route, so REQ and DEALER clients both work. */
#ifndef ROUTER_H
#define ROUTER_H

#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>
#include <zmq.h>

#include "loop/batch.h"
#include "security/clients.h"
#include "security/security.h"

#define ROUTER_ROUTE_MAX 8    /* frames of a reply route (identity, proxies, delimiter) */
#define ROUTER_DROPPED   (-2) /* router_recv: a request whose route is too long to answer */

/* One request read from a ROUTER socket: its route and its single payload frame, and the
 * intake event decoded from it (intake only). */
struct request {
	zmq_msg_t route[ROUTER_ROUTE_MAX];
	int nroute;
	zmq_msg_t payload;
	int npayload; /* payload frames seen; more than one is malformed */
	/* who sent it: the User-Id the ZAP handler (zap.h) gave the connection, "" when none */
	char client[CLIENTS_NAME_MAX + 1];
	struct batch_item item;
	char id[PROTO_ID_MAX + 1]; /* intake: item.ev's id NUL-terminated, "" when unreadable */
};

/* How a socket is opened: its security (security.h) and its limits. */
struct router_opts {
	const struct security *sec;   /* CURVE keys for tcp://; NULL: none */
	const struct sock_perm *perm; /* ipc:// owner, group, mode; NULL: as created */
	int64_t maxmsg;               /* ROUTER: a frame over this cuts the peer off; 0: none */
	int sndhwm;                   /* messages queued per peer; 0: libzmq's default */
};

/* A socket of type (ZMQ_ROUTER or ZMQ_PUB) bound to list, linger 0. Refused unless a ZAP
 * handler is bound in zctx (zap.h): without one libzmq would let any CURVE key in. NULL on
 * failure, with err set. */
void *router_open(void *zctx, int type, const char *list, const char *what,
		  const struct router_opts *o, char *err, size_t errlen);

/* Reads one whole multipart message. The route is the frames up to and including the first
 * empty one, or the identity frame alone when there is none; the rest is the payload, which
 * must be one frame. Returns 1, 0 when none is waiting, ROUTER_DROPPED when the message was
 * dropped because its route (more than ROUTER_ROUTE_MAX frames) cannot be answered, -1 when
 * a receive failed. */
int router_recv(void *sock, struct request *q);
/* Sends out on q's route, never blocking: a peer gone or stuck loses its reply. */
void router_send(void *sock, struct request *q, const msgpack_sbuffer *out);
void router_request_close(struct request *q);

#endif
