#include "security/security.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zmq.h>

#include "security/keyfile.h"
#include "base/log.h"
#include "security/zap.h"

#define IPC_PREFIX     "ipc://"
#define TCP_PREFIX     "tcp://"
#define IPC_BIND_UMASK 0077 /* the socket file is the owner's alone until perm is applied */

/* ---- keys and clients ------------------------------------------------------------------ */

/* Errors name the config file and the line of the [security] key they are about. */
#define AT(name) config_where(cfg, "security", name, where)

int security_load(struct security *ret, const struct config *cfg, char err[SECURITY_ERR_MAX])
{
	char where[CONFIG_WHERE_MAX];
	struct security s = {0};
	char kerr[KEYFILE_ERR_MAX], cerr[CONFIG_ERR_MAX], derived[CURVE_Z85_LEN + 1];
	char public_key[CURVE_Z85_LEN + 1];

	if (*cfg->curve_secret_key) {
		if (keyfile_read(cfg->curve_secret_key, true, s.secret_key, CURVE_Z85_LEN, kerr) <
		    0) {
			snprintf(err, SECURITY_ERR_MAX, "%s: [security] curve_secret_key: %.480s",
				 AT("curve_secret_key"), kerr);
			goto fail;
		}
		/* fails on text that is not Z85 too */
		if (zmq_curve_public(derived, s.secret_key) < 0) {
			snprintf(
			    err, SECURITY_ERR_MAX,
			    "%s: [security] curve_secret_key: %.300s: not a Z85 CURVE key (make "
			    "one with integrityctl keygen)",
			    AT("curve_secret_key"), cfg->curve_secret_key);
			goto fail;
		}
		if (keyfile_read(cfg->curve_public_key, false, public_key, CURVE_Z85_LEN, kerr) <
		    0) {
			snprintf(err, SECURITY_ERR_MAX, "%s: [security] curve_public_key: %.480s",
				 AT("curve_public_key"), kerr);
			goto fail;
		}
		/* clients are given the public key: it must be this secret key's */
		if (strcmp(derived, public_key) != 0) {
			snprintf(err, SECURITY_ERR_MAX,
				 "%s: [security] curve_public_key: %.300s is not the public key "
				 "of curve_secret_key %.300s",
				 AT("curve_public_key"), cfg->curve_public_key,
				 cfg->curve_secret_key);
			goto fail;
		}
	}
	if (*cfg->clients) {
		if (clients_load(&s.clients, cfg->clients, cerr) < 0) {
			snprintf(err, SECURITY_ERR_MAX, "%s: [security] clients: %.480s",
				 AT("clients"), cerr);
			goto fail;
		}
	}
	explicit_bzero(derived, sizeof(derived));
	*ret = s;
	explicit_bzero(&s, sizeof(s));
	return 0;
fail:
	explicit_bzero(derived, sizeof(derived));
	security_free(&s);
	return -1;
}
#undef AT

void security_free(struct security *s)
{
	if (!s)
		return;
	clients_free(&s->clients);
	explicit_bzero(s->secret_key, sizeof(s->secret_key));
}

const struct clients *security_clients(const struct security *s)
{
	return s && s->clients.v ? &s->clients : NULL;
}

/* ---- one endpoint ---------------------------------------------------------------------- */

/* Gives the socket file path its configured owner, group and mode. mode_default is what the
 * file would have had without IPC_BIND_UMASK. */
static int apply_perm(const char *path, const char *what, const struct sock_perm *perm,
		      mode_t mode_default, char *err, size_t errlen)
{
	unsigned long uid = (unsigned long)-1, gid = (unsigned long)-1;
	mode_t mode = perm && perm->mode >= 0 ? (mode_t)perm->mode : mode_default;

	if (perm && *perm->owner && config_parse_unix_id(perm->owner, false, &uid) < 0) {
		snprintf(err, errlen, "[%s] owner: '%s' is not a user on this system", what,
			 perm->owner);
		return -1;
	}
	if (perm && *perm->group && config_parse_unix_id(perm->group, true, &gid) < 0) {
		snprintf(err, errlen, "[%s] group: '%s' is not a group on this system", what,
			 perm->group);
		return -1;
	}
	if ((uid != (unsigned long)-1 || gid != (unsigned long)-1) &&
	    chown(path, (uid_t)uid, (gid_t)gid) < 0) {
		snprintf(err, errlen, "[%s] %s: cannot give %s to %s%s%s: %s", what,
			 *perm->owner ? "owner" : "group", path, perm->owner,
			 *perm->owner && *perm->group ? ":" : "", perm->group, strerror(errno));
		return -1;
	}
	if (chmod(path, mode) < 0) {
		snprintf(err, errlen, "[%s] mode: cannot set %s to %04o: %s", what, path,
			 (unsigned)mode, strerror(errno));
		return -1;
	}
	return 0;
}

static int bind_ipc(void *sock, const char *ep, const char *what, const struct sock_perm *perm,
		    char *err, size_t errlen)
{
	const char *path = ep + strlen(IPC_PREFIX);
	mode_t old;
	int r;

	/* Linux's abstract namespace: no file to guard (config refuses owner, group and mode
	 * on one) */
	if (*path == '@')
		return zmq_bind(sock, ep) < 0 ? -1 : 0;
	/* process-wide, but only the reactor thread makes files while the sockets are bound */
	old = umask(IPC_BIND_UMASK);
	r = zmq_bind(sock, ep);
	umask(old);
	if (r < 0)
		return -1;
	if (apply_perm(path, what, perm, 0777 & ~old, err, errlen) < 0) {
		zmq_unbind(sock, ep);
		return -2;
	}
	return 0;
}

int security_bind(void *sock, const char *ep, const char *what, const struct security *sec,
		  const struct sock_perm *perm, char *err, size_t errlen)
{
	bool ipc = strncmp(ep, IPC_PREFIX, strlen(IPC_PREFIX)) == 0;
	bool tcp = strncmp(ep, TCP_PREFIX, strlen(TCP_PREFIX)) == 0;
	int curve = tcp && sec && *sec->secret_key;
	char domain[ZAP_DOMAIN_MAX + 1];
	int r;

	/* a domain on every endpoint, so that ZAP is asked about NULL connections too */
	snprintf(domain, sizeof(domain), "%s%s", what, ipc ? ZAP_TRANSPORT_IPC : ZAP_TRANSPORT_TCP);
	if (zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, domain, strlen(domain)) < 0 ||
	    zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &curve, sizeof(curve)) < 0 ||
	    (curve &&
	     zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, sec->secret_key, CURVE_Z85_LEN) < 0)) {
		snprintf(err, errlen, "%s: socket options for %s: %s", what, ep,
			 zmq_strerror(zmq_errno()));
		return -1;
	}
	r = ipc ? bind_ipc(sock, ep, what, perm, err, errlen) : zmq_bind(sock, ep);
	if (r == -1)
		snprintf(err, errlen, "cannot bind %s: %s", ep, zmq_strerror(zmq_errno()));
	if (r < 0)
		return -1;
	log_info("%s: listening on %s%s", what, ep, curve ? " (CURVE)" : "");
	return 0;
}
