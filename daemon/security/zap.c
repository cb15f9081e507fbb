/* zap: the handler's thread answers RFC 27 requests with zap_decide's verdict. */
#include "security/zap.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "base/log.h"
#include "base/thread.h"

#define ZAP_VERSION     "1.0"
#define ZAP_FRAMES_MAX  8 /* version, id, domain, address, identity, mechanism, 2 creds */
#define ZAP_ADDRESS_MAX 128
#define ZAP_MECH_MAX    16
/* frames of a request (RFC 27) */
enum { F_VERSION, F_REQUEST_ID, F_DOMAIN, F_ADDRESS, F_IDENTITY, F_MECHANISM, F_CREDENTIALS };

/* ---- the decision ---------------------------------------------------------------------- */

/* Whether domain is "<name>" followed by suffix, with a name. */
static bool has_transport(const char *domain, const char *suffix)
{
	size_t n = strlen(domain), s = strlen(suffix);

	return n > s && strcmp(domain + n - s, suffix) == 0;
}

/* The peer's uid and gid from an ipc address "...:UID:GID:PID" (libzmq adds SO_PEERCRED's
 * fields after the host). Returns 0, or -1 when the address has no such fields. */
static int parse_peercred(const char *address, unsigned long *uid, unsigned long *gid)
{
	unsigned long v[3];
	const char *end = address + strlen(address);

	for (int i = 2; i >= 0; i--) {
		const char *p = end;
		char *stop;

		while (p > address && p[-1] != ':')
			p--;
		if (p == end || p == address || strspn(p, "0123456789") != (size_t)(end - p))
			return -1;
		errno = 0;
		v[i] = strtoul(p, &stop, 10);
		if (errno || stop != end)
			return -1;
		end = p - 1; /* the ':' before this field */
	}
	if (end == address)
		return -1; /* no host before the fields */
	*uid = v[0];
	*gid = v[1];
	return 0;
}

static void deny(struct zap_verdict *ret, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void deny(struct zap_verdict *ret, const char *fmt, ...)
{
	va_list ap;

	ret->status = ZAP_DENIED;
	ret->user_id[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(ret->why, sizeof(ret->why), fmt, ap);
	va_end(ap);
}

static void allow(struct zap_verdict *ret, const char *prefix, const char *name)
{
	ret->status = ZAP_OK;
	ret->why[0] = '\0';
	/* a client's name always fits; "tcp:" and a long IPv6 address may be cut, which only
	 * shortens a name kept for the log */
	if (snprintf(ret->user_id, sizeof(ret->user_id), "%s%s", prefix, name) >=
	    (int)sizeof(ret->user_id))
		ret->user_id[sizeof(ret->user_id) - 1] = '\0';
}

static void decide_curve(const struct clients *c, const uint8_t *cred, size_t cred_len,
			 struct zap_verdict *ret)
{
	char z85[CURVE_Z85_LEN + 1];
	const struct client *cl;

	if (cred_len != CURVE_KEY_BYTES) {
		deny(ret, "a CURVE key of %zu bytes", cred_len);
		return;
	}
	cl = clients_by_key(c, cred);
	if (cl) {
		allow(ret, "", cl->name);
		return;
	}
	zmq_z85_encode(z85, cred, CURVE_KEY_BYTES);
	deny(ret, "CURVE key %s is not in the clients file", z85);
}

static void decide_ipc(const struct clients *c, const char *address, struct zap_verdict *ret)
{
	unsigned long uid, gid;
	const struct client *cl;
	char n[24];

	if (parse_peercred(address, &uid, &gid) < 0) {
		deny(ret, "no peer credentials in the address '%.64s'", address);
		return;
	}
	if (!c) {
		snprintf(n, sizeof(n), "%lu", uid);
		allow(ret, "uid:", n);
		return;
	}
	cl = clients_by_unix(c, (uid_t)uid, (gid_t)gid);
	if (cl) {
		allow(ret, "", cl->name);
		return;
	}
	deny(ret, "uid %lu and gid %lu are not in the clients file", uid, gid);
}

/* 127.0.0.0/8 or ::1 (as libzmq gives a tcp peer's address, or IPv4-mapped). */
static bool is_loopback(const char *address)
{
	static const char *const prefixes[] = {"127.", "::ffff:127."};

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(address, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return strcmp(address, "::1") == 0;
}

void zap_decide(const struct clients *c, const char *domain, const char *address,
		const char *mechanism, const uint8_t *cred, size_t cred_len,
		struct zap_verdict *ret)
{
	bool ipc = has_transport(domain, ZAP_TRANSPORT_IPC);
	bool tcp = has_transport(domain, ZAP_TRANSPORT_TCP);

	if (c && !c->n) { /* clients_load never makes an empty table: fail closed */
		deny(ret, "the clients file names nobody");
		return;
	}
	if (!ipc && !tcp) {
		deny(ret, "unknown ZAP domain '%.32s'", domain);
		return;
	}
	if (strcmp(mechanism, "CURVE") == 0) {
		decide_curve(c, cred, cred_len, ret);
		return;
	}
	if (strcmp(mechanism, "NULL") != 0) {
		deny(ret, "mechanism %.16s is not offered", mechanism);
		return;
	}
	if (ipc) {
		decide_ipc(c, address, ret);
		return;
	}
	if (c) {
		deny(ret, "no CURVE key: the clients file cannot name this client");
		return;
	}
	/* without CURVE, tcp:// listens on loopback only (config.c); a peer from elsewhere
	 * means an endpoint got past that check, so it is refused here too */
	if (!is_loopback(address)) {
		deny(ret, "no CURVE key, and %.64s is not a loopback address", address);
		return;
	}
	allow(ret, "tcp:", address);
}

/* ---- the thread ------------------------------------------------------------------------ */

static void log_refusal(struct zap *z, const char *domain, const char *address, const char *why)
{
	uint64_t sec = (uint64_t)time(NULL);

	/* a flood of refused connections must not flood the journal */
	if (sec != z->log_sec) {
		if (z->log_dropped)
			log_notice("zap: %llu more refused connections in that second were not "
				   "logged",
				   (unsigned long long)z->log_dropped);
		z->log_sec = sec;
		z->log_n = z->log_dropped = 0;
	}
	if (z->log_n++ < ZAP_LOG_PER_S)
		log_notice("%s: refused a connection from %s: %s", domain, address, why);
	else
		z->log_dropped++;
}

/* Copies frame f into a NUL-terminated buf, cut to its size. */
static void frame_str(zmq_msg_t *f, char *buf, size_t len)
{
	size_t n = zmq_msg_size(f) < len - 1 ? zmq_msg_size(f) : len - 1;

	memcpy(buf, zmq_msg_data(f), n);
	buf[n] = '\0';
}

static void send_str(void *sock, const char *s, size_t len, bool more)
{
	zmq_send(sock, s, len, more ? ZMQ_SNDMORE : 0);
}

/* Reads one request and answers it. A request that is not RFC 27 (which libzmq never sends)
 * is answered 400 too: REP must answer every request to take the next. */
static void serve_one(struct zap *z)
{
	zmq_msg_t f[ZAP_FRAMES_MAX];
	char domain[ZAP_DOMAIN_MAX + 1] = "", address[ZAP_ADDRESS_MAX + 1] = "",
				     mech[ZAP_MECH_MAX + 1] = "";
	struct zap_verdict v;
	char status[8];
	int n = 0, more;

	do {
		zmq_msg_t m;

		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, z->sock, n ? 0 : ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&m);
			while (n > 0)
				zmq_msg_close(&f[--n]);
			return;
		}
		more = zmq_msg_more(&m);
		if (n < ZAP_FRAMES_MAX)
			f[n++] = m;
		else
			zmq_msg_close(&m);
	} while (more);

	if (n <= F_MECHANISM || zmq_msg_size(&f[F_VERSION]) != strlen(ZAP_VERSION) ||
	    memcmp(zmq_msg_data(&f[F_VERSION]), ZAP_VERSION, strlen(ZAP_VERSION)) != 0) {
		deny(&v, "a ZAP request that is not RFC 27 (%d frames)", n);
	} else {
		frame_str(&f[F_DOMAIN], domain, sizeof(domain));
		frame_str(&f[F_ADDRESS], address, sizeof(address));
		frame_str(&f[F_MECHANISM], mech, sizeof(mech));
		zap_decide(z->clients, domain, address, mech,
			   n > F_CREDENTIALS ? zmq_msg_data(&f[F_CREDENTIALS]) : NULL,
			   n > F_CREDENTIALS ? zmq_msg_size(&f[F_CREDENTIALS]) : 0, &v);
	}
	if (v.status != ZAP_OK) {
		atomic_fetch_add(&z->refused, 1);
		log_refusal(z, *domain ? domain : "zap", *address ? address : "?", v.why);
	}
	snprintf(status, sizeof(status), "%d", v.status);
	send_str(z->sock, ZAP_VERSION, strlen(ZAP_VERSION), true);
	if (n > F_REQUEST_ID)
		zmq_send(z->sock, zmq_msg_data(&f[F_REQUEST_ID]), zmq_msg_size(&f[F_REQUEST_ID]),
			 ZMQ_SNDMORE);
	else
		send_str(z->sock, "", 0, true);
	send_str(z->sock, status, strlen(status), true);
	send_str(z->sock, v.status == ZAP_OK ? "OK" : "refused", v.status == ZAP_OK ? 2 : 7, true);
	send_str(z->sock, v.user_id, strlen(v.user_id), true);
	send_str(z->sock, "", 0, false); /* no metadata */
	while (n > 0)
		zmq_msg_close(&f[--n]);
}

static void *zap_main(void *arg)
{
	struct zap *z = arg;

	for (;;) {
		zmq_pollitem_t items[] = {{z->sock, 0, ZMQ_POLLIN, 0},
					  {NULL, z->stop_fd, ZMQ_POLLIN, 0}};

		if (zmq_poll(items, 2, -1) < 0) {
			if (zmq_errno() == EINTR)
				continue;
			log_error("zap: zmq_poll: %s; no connection can be authenticated",
				  zmq_strerror(zmq_errno()));
			break;
		}
		if (items[1].revents & ZMQ_POLLIN)
			break;
		if (items[0].revents & ZMQ_POLLIN)
			serve_one(z);
	}
	return NULL;
}

/* ---- the interface --------------------------------------------------------------------- */

int zap_start(struct zap *z, void *zctx, const struct clients *clients, char *err, size_t errlen)
{
	int zero = 0, r;

	memset(z, 0, sizeof(*z));
	z->stop_fd = -1;
	z->clients = clients;
	z->sock = zmq_socket(zctx, ZMQ_REP);
	if (!z->sock) {
		snprintf(err, errlen, "zap: cannot make its socket: %s", zmq_strerror(zmq_errno()));
		return -1;
	}
	zmq_setsockopt(z->sock, ZMQ_LINGER, &zero, sizeof(zero));
	if (zmq_bind(z->sock, ZAP_ENDPOINT) < 0) {
		snprintf(err, errlen, "zap: cannot bind %s: %s", ZAP_ENDPOINT,
			 zmq_strerror(zmq_errno()));
		goto fail;
	}
	z->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (z->stop_fd < 0) {
		snprintf(err, errlen, "zap: eventfd: %s", strerror(errno));
		goto fail;
	}
	r = thread_start_quiet(&z->thread, zap_main, z);
	if (r != 0) {
		snprintf(err, errlen, "zap: cannot start its thread: %s", strerror(r));
		goto fail;
	}
	z->started = true;
	return 0;
fail:
	if (z->stop_fd >= 0)
		close(z->stop_fd);
	z->stop_fd = -1;
	zmq_close(z->sock);
	z->sock = NULL;
	return -1;
}

void zap_stop(struct zap *z)
{
	uint64_t one = 1;

	if (!z->started)
		return;
	if (write(z->stop_fd, &one, sizeof(one)) != sizeof(one))
		log_error("zap: cannot wake its thread to stop: %s", strerror(errno));
	pthread_join(z->thread, NULL);
	zmq_unbind(z->sock, ZAP_ENDPOINT); /* at once: zmq_close frees the name later */
	zmq_close(z->sock);
	z->sock = NULL;
	close(z->stop_fd);
	z->stop_fd = -1;
	z->started = false;
}

bool zap_bound(void *zctx)
{
	void *probe = zmq_socket(zctx, ZMQ_REP);
	int zero = 0;
	bool taken;

	if (!probe)
		return false;
	zmq_setsockopt(probe, ZMQ_LINGER, &zero, sizeof(zero));
	taken = zmq_bind(probe, ZAP_ENDPOINT) < 0 && zmq_errno() == EADDRINUSE;
	if (!taken) /* we took it: give it back at once, for a handler started later */
		zmq_unbind(probe, ZAP_ENDPOINT);
	zmq_close(probe);
	return taken;
}
