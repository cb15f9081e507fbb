/* ctlclient: one DEALER socket to an integrityd ROUTER (control or intake), with every wait
 * bounded by a deadline so that integrityctl never hangs. A request is an empty delimiter
 * frame and ONE MessagePack frame; replies may come back with or without the delimiter.
 * Functions return 0 or a negative errno: -ETIMEDOUT when the daemon did not answer in time,
 * -EBADMSG for a reply that is not one MessagePack map, -EREMOTEIO when the daemon answered
 * {"ok": false} (the error is then in ret_err). */
#ifndef CLI_CTLCLIENT_H
#define CLI_CTLCLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "cliconf.h"

struct ctlclient;

#define CTLCLIENT_IN  1 /* a reply can be read */
#define CTLCLIENT_OUT 2 /* a request can be queued */

struct ctlclient_error {
	char code[64];
	char message[512];
};

/* CURVE keys, Z85 text as zmq_curve_keypair() makes them. */
struct ctlclient_curve {
	char server_public[CLICONF_Z85_LEN + 1]; /* the daemon's public key */
	char public[CLICONF_Z85_LEN + 1];        /* ours, listed in the daemon's clients file */
	char secret[CLICONF_Z85_LEN + 1];
};

/* Connects (lazily, as ZeroMQ does) to endpoint, with CURVE when curve is non-NULL; LINGER
 * is 0 so a dead daemon never keeps the process alive at exit. */
int ctlclient_new(const char *endpoint, const struct ctlclient_curve *curve,
		  struct ctlclient **ret);
void ctlclient_destroy(struct ctlclient **c);
const char *ctlclient_endpoint(const struct ctlclient *c);

/* Milliseconds on a monotonic clock, for deadlines. */
int64_t ctlclient_now_ms(void);

/* Waits until one of `events` (CTLCLIENT_IN | CTLCLIENT_OUT) is ready or deadline passes;
 * *ret_ready gets what is ready (0 on timeout). */
int ctlclient_wait(struct ctlclient *c, int events, int64_t deadline_ms, int *ret_ready);

/* Queues one request without blocking; -EAGAIN when the queue is full. */
int ctlclient_send(struct ctlclient *c, const void *buf, size_t len);

/* Reads one reply without blocking (-EAGAIN when none is waiting), decoded into JSON. */
int ctlclient_recv(struct ctlclient *c, json_t **ret_reply);

/* One control command: sends {"v": 1, "cmd": cmd, "args": args} (args may be NULL) and
 * waits up to timeout_ms for the reply. On 0, *ret_result is the reply's result (a new
 * reference). On -EREMOTEIO, ret_err holds the daemon's code and message. */
int ctlclient_call(struct ctlclient *c, const char *cmd, const json_t *args, int timeout_ms,
		   json_t **ret_result, struct ctlclient_error *ret_err);

/* Fills ret_err from an {"code", "message"} map, with placeholders for what is missing. */
void ctlclient_error_from_json(const json_t *error, struct ctlclient_error *ret_err);

#endif
