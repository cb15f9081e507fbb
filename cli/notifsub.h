/* notifsub: a SUB socket on integrityd's notify PUB (PROTOCOL.md "Notify"), subscribed to
 * topic prefixes. A wait watches the socket and one more file descriptor (a signalfd: a
 * signal then ends the wait without a handler) and is bounded by a deadline. Functions
 * return 0 or a negative errno. */
#ifndef CLI_NOTIFSUB_H
#define CLI_NOTIFSUB_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ctlclient.h"

struct notifsub;

/* Connects (lazily, as ZeroMQ does) to endpoint, with CURVE when curve is non-NULL, and
 * subscribes to each of the n topic prefixes, or to everything when n is 0. */
int notifsub_new(const char *endpoint, const struct ctlclient_curve *curve, char *const *topics,
		 size_t n, struct notifsub **ret);
void notifsub_destroy(struct notifsub **s);

/* Waits for the next notification until stop_fd (-1: none) is readable or deadline_ms passes
 * (on ctlclient_now_ms()'s clock; -1: no deadline). Returns 0 with *ret the map (a new
 * reference), -ECANCELED when stop_fd is readable, -ETIMEDOUT, or -EBADMSG for a message that
 * is not two frames, a topic and a MessagePack map whose "topic" is that frame: it has been
 * consumed, and the next wait goes on with the next message. */
int notifsub_recv(struct notifsub *s, int stop_fd, int64_t deadline_ms, json_t **ret);

#endif
