/* zap: the ZeroMQ authentication handler (ZAP, RFC 27) that decides who may connect
 * (proto/SPEC.md "Security: transport and clients"). libzmq asks it about every new
 * connection of a socket with a ZAP domain; it answers from the clients file. Without a
 * handler bound, libzmq lets every CURVE key in: so zap_start comes before any socket, and
 * router_open refuses to make one while zap_bound() is false. */
#ifndef ZAP_H
#define ZAP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "security/clients.h"

#define ZAP_ENDPOINT   "inproc://zeromq.zap.01" /* RFC 27: fixed */
#define ZAP_OK         200                      /* RFC 27 status codes */
#define ZAP_DENIED     400
#define ZAP_WHY_MAX    192
#define ZAP_LOG_PER_S  100 /* refusals logged a second; the rest are counted */
#define ZAP_DOMAIN_MAX 32

/* The ZAP domain of a socket's endpoints: "<socket>/ipc" or "<socket>/tcp" (router.c sets it
 * per endpoint), so the handler knows the transport without guessing from the address. */
#define ZAP_TRANSPORT_IPC "/ipc"
#define ZAP_TRANSPORT_TCP "/tcp"

struct zap_verdict {
	int status;                         /* ZAP_OK or ZAP_DENIED */
	char user_id[CLIENTS_NAME_MAX + 1]; /* ZAP_OK: the request.client the reactor sees */
	char why[ZAP_WHY_MAX];              /* ZAP_DENIED: for the log */
};

/* The decision, pure. c is the clients file, NULL when there is none. address is what libzmq
 * reports: the peer's IP on tcp, "...:UID:GID:PID" on ipc (SO_PEERCRED). cred is the
 * mechanism's credentials (CURVE: the client's 32-byte public key).
 *   CURVE: a key in the file -> 200, User-Id = the client's name; else 400.
 *   NULL on ipc: with no file -> 200 "uid:N"; a uid or gid in the file -> 200, its name;
 *     else 400.
 *   NULL on tcp (loopback without CURVE keys): with no file -> 200 "tcp:ADDRESS"; else 400.
 *   Anything else (PLAIN, an unknown domain) -> 400. */
void zap_decide(const struct clients *c, const char *domain, const char *address,
		const char *mechanism, const uint8_t *cred, size_t cred_len,
		struct zap_verdict *ret);

struct zap {
	void *sock; /* REP on ZAP_ENDPOINT, the thread's own once it runs */
	int stop_fd;
	const struct clients *clients;
	pthread_t thread;
	bool started;
	uint64_t log_sec, log_n, log_dropped; /* refusals logged in the current second */
	_Atomic uint64_t refused;             /* since the start, for metrics: any thread reads */
};

/* Binds ZAP_ENDPOINT in zctx (on the caller's thread, so a failure fails the start) and
 * starts the thread. clients (NULL: no file) must outlive zap_stop. Returns 0, or -1 with err
 * set. */
int zap_start(struct zap *z, void *zctx, const struct clients *clients, char *err, size_t errlen);
/* Stops and joins the thread and closes its socket. Safe when never started. */
void zap_stop(struct zap *z);

/* Whether a ZAP handler is bound in zctx (a probe: ZAP_ENDPOINT is taken). */
bool zap_bound(void *zctx);

#endif
