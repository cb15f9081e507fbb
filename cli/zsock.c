#include "zsock.h"

#include <errno.h>

#include <zmq.h>

#include "cliconf.h"

int zsock_err(void)
{
	return errno > 0 ? -errno : -EIO;
}

static int set_curve(void *sock, const struct ctlclient_curve *curve)
{
	if (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, curve->server_public, CLICONF_Z85_LEN) < 0 ||
	    zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, curve->public, CLICONF_Z85_LEN) < 0 ||
	    zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, curve->secret, CLICONF_Z85_LEN) < 0)
		return zsock_err();
	return 0;
}

int zsock_open(int type, const struct ctlclient_curve *curve, void **ret_ctx, void **ret_sock)
{
	void *ctx, *sock = NULL;
	int linger = 0, r;

	ctx = zmq_ctx_new();
	if (!ctx)
		return -ENOMEM;
	sock = zmq_socket(ctx, type);
	if (!sock)
		r = zsock_err();
	else if (zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof(linger)) < 0)
		r = zsock_err();
	else
		r = curve ? set_curve(sock, curve) : 0;
	if (r < 0) {
		zsock_close(&ctx, &sock);
		return r;
	}
	*ret_ctx = ctx;
	*ret_sock = sock;
	return 0;
}

void zsock_close(void **ctx, void **sock)
{
	if (*sock)
		zmq_close(*sock);
	if (*ctx)
		zmq_ctx_term(*ctx);
	*sock = NULL;
	*ctx = NULL;
}

int zsock_recv_message(void *sock,
		       int (*on_frame)(void *arg, int index, const void *data, size_t size,
				       bool more),
		       void *arg)
{
	zmq_msg_t msg;
	int index = 0, more, r = 0;

	do {
		zmq_msg_init(&msg);
		if (zmq_msg_recv(&msg, sock, ZMQ_DONTWAIT) < 0) {
			r = zsock_err();
			zmq_msg_close(&msg);
			return r;
		}
		more = zmq_msg_more(&msg);
		if (r == 0)
			r = on_frame(arg, index, zmq_msg_data(&msg), zmq_msg_size(&msg), more);
		index++;
		zmq_msg_close(&msg);
	} while (more);
	return r;
}
