/* zsock: the ZeroMQ chores integrityctl's two clients share (ctlclient's DEALER, notifsub's
 * SUB): a context with one socket made ready to connect, and one whole message read frame by
 * frame. Functions return 0 or a negative errno; a ZeroMQ failure is translated here. */
#ifndef CLI_ZSOCK_H
#define CLI_ZSOCK_H

#include <stdbool.h>
#include <stddef.h>

#include "ctlclient.h"

/* A zmq failure as a negative errno: zmq sets errno to its own codes or to system ones. */
int zsock_err(void);

/* A new context and a socket of type (ZMQ_DEALER, ZMQ_SUB) in it, LINGER 0 so that a dead
 * daemon never keeps the process alive at exit, with CURVE when curve is non-NULL; not yet
 * connected. On failure nothing is left open. */
int zsock_open(int type, const struct ctlclient_curve *curve, void **ret_ctx, void **ret_sock);

/* Closes *sock and terminates *ctx (either may be NULL) and NULLs both. */
void zsock_close(void **ctx, void **sock);

/* Reads every frame of the message waiting on sock, without blocking (-EAGAIN when none is
 * waiting), so that no part of it is left for the next read. Each frame goes to
 * on_frame(arg, its index from 0, its bytes, whether more follow) until one returns an
 * error; the rest are read and dropped. Returns 0, the receive error, or that first error. */
int zsock_recv_message(void *sock,
		       int (*on_frame)(void *arg, int index, const void *data, size_t size,
				       bool more),
		       void *arg);

#endif
