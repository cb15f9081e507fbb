/* security: the [security] settings the sockets need (proto/SPEC.md "Security: transport and
 * clients"): the daemon's CURVE key pair and the clients file, loaded once at start, and the
 * binding of one endpoint under them. Each endpoint of a socket is bound with its own
 * settings (libzmq copies a socket's options at each bind): tcp:// is a CURVE server when
 * keys are set, ipc:// is never CURVE and is guarded by its file's owner, group and mode. */
#ifndef SECURITY_H
#define SECURITY_H

#include <stdbool.h>
#include <stddef.h>

#include "security/clients.h"
#include "policy/config.h"

#define SECURITY_ERR_MAX 768

struct security {
	/* [security] curve_secret_key; "" when not set. Set: tcp:// endpoints are CURVE servers
	 * (the public key file is only checked against it: clients are given that file). */
	char secret_key[CURVE_Z85_LEN + 1];
	struct clients clients; /* [security] clients; v NULL when there is no file */
};

/* Reads the key files (the secret one readable by the daemon alone) and the clients file
 * named in cfg. Returns 0, or -1 with err naming the setting and the file. */
int security_load(struct security *ret, const struct config *cfg, char err[SECURITY_ERR_MAX]);
/* Frees the clients and wipes the secret key. Safe on a zeroed struct. */
void security_free(struct security *s);
/* The clients table for zap_start and clients_resolve: NULL when there is no file. */
const struct clients *security_clients(const struct security *s);

/* Binds sock to one endpoint ep of the socket named what ("intake", "control", "notify"),
 * setting its ZAP domain ("what/ipc" or "what/tcp", zap.h) and, on tcp:// with keys, CURVE.
 * An ipc:// socket file is made under umask 0077, so nobody can connect before its owner,
 * group and mode (perm, NULL: as created) are set. sec NULL: no keys. Returns 0, or -1 with
 * err set ("[what] group: ..."). */
int security_bind(void *sock, const char *ep, const char *what, const struct security *sec,
		  const struct sock_perm *perm, char *err, size_t errlen);

#endif
