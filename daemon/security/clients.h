/* clients: who may connect, and as what (PROTOCOL.md "Security settings"). The clients file
 * is INI, one section per client, the section name being the client's name:
 *
 *   [intranet-forms]
 *   curve_key = <Z85 public key, 40 characters>   (tcp:// with CURVE)
 *   role = intake
 *   types = declaration.submitted, referral.submitted
 *   [psd-admin]
 *   uid = 0                                      (ipc://: or gid = N)
 *   role = admin
 *
 * Loaded once at start; the table is read-only afterwards, so the ZAP thread and the reactor
 * share it without locks. A change needs a restart. */
#ifndef CLIENTS_H
#define CLIENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "policy/config.h"
#include "proto.h"

#define CURVE_KEY_BYTES 32 /* a CURVE key, binary */
#define CURVE_Z85_LEN   40 /* a CURVE key as Z85 text */

#define CLIENTS_NAME_MAX  63 /* bytes of a client's name (the ZAP User-Id) */
#define CLIENTS_TYPES_MAX 32 /* event types listed for one intake client */
#define CLIENTS_MAX       256
#define CLIENT_UNNAMED    "(unnamed)" /* how logs and errors name a connection ZAP gave no name */

/* How logs and errors name the client called name: name, or CLIENT_UNNAMED for none. */
static inline const char *client_label(const char *name)
{
	return name && name[0] ? name : CLIENT_UNNAMED;
}

/* What a client may do. CLIENT_ANY is everyone when there is no clients file. */
enum client_role { CLIENT_NONE = 0, CLIENT_INTAKE, CLIENT_OPERATOR, CLIENT_ADMIN, CLIENT_ANY };

struct client {
	char name[CLIENTS_NAME_MAX + 1];
	enum client_role role;
	const struct proto_type *types[CLIENTS_TYPES_MAX]; /* intake: what it may send */
	size_t ntypes;
	bool has_key, has_uid, has_gid; /* exactly one is set */
	uint8_t key[CURVE_KEY_BYTES];   /* CURVE public key, binary */
	uid_t uid;
	gid_t gid;
};

struct clients {
	struct client *v; /* sorted by name */
	size_t n;
};

/* Loads path. Returns 0, or -1 with err "FILE:LINE: [name] key: what is wrong" (an unknown
 * key or role, a bad key, a client with no key/uid/gid or two of them, a duplicate name or
 * key, an unknown event type, types on a role that is not intake). */
int clients_load(struct clients *ret, const char *path, char err[CONFIG_ERR_MAX]);
void clients_free(struct clients *c);

/* Lookups; NULL when nobody matches. by_unix tries uid first, then gid. */
const struct client *clients_by_name(const struct clients *c, const char *name);
const struct client *clients_by_key(const struct clients *c, const uint8_t key[CURVE_KEY_BYTES]);
const struct client *clients_by_unix(const struct clients *c, uid_t uid, gid_t gid);

/* The client a request came from, by the name the ZAP handler gave it (router.h's
 * request.client). With no clients file (c NULL) everyone is a client of role CLIENT_ANY;
 * that static entry is returned. NULL when the name is not in the file (an empty table, which
 * clients_load never makes, admits nobody: fail closed). */
const struct client *clients_resolve(const struct clients *c, const char *name);

/* Rights (PROTOCOL.md): intake clients send the types listed for them; operator and admin
 * use the read commands; admin also backup and reload. CLIENT_ANY may do everything. */
bool client_may_send(const struct client *cl, const struct proto_type *type);
/* CTL_THREAD: report.thread, an operator's read and the form service's too, when it may send
 * report.followed_up (REGISTERS.md) */
enum ctl_right { CTL_READ, CTL_ADMIN, CTL_THREAD };
bool client_may_control(const struct client *cl, enum ctl_right need);
const char *client_role_name(enum client_role r);

#endif
