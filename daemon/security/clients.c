#include "security/clients.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>
#include <zmq.h>

#define TYPE_SEPS  ", \t"
#define NAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"

static const char *const role_names[] = {
    [CLIENT_NONE] = "none",   [CLIENT_INTAKE] = "intake", [CLIENT_OPERATOR] = "operator",
    [CLIENT_ADMIN] = "admin", [CLIENT_ANY] = "any",
};
_Static_assert(sizeof(role_names) / sizeof(role_names[0]) == CLIENT_ANY + 1, "role_names");

/* Everyone, when there is no clients file. */
static const struct client client_any = {.name = "*", .role = CLIENT_ANY};

const char *client_role_name(enum client_role r)
{
	return (unsigned)r <= CLIENT_ANY ? role_names[r] : "?";
}

/* ---- the parser ------------------------------------------------------------------------ */

/* Driven through our own line reader, as config.c is: it counts lines, refuses lines longer
 * than inih's buffer, and sees each [name] header itself, so a client without keys (which
 * inih never reports) is still checked, and a long name is not cut to inih's section size. */
struct parse_state {
	const char *path;
	FILE *f;
	char *err;
	int line;     /* the line inih is handling now */
	int err_line; /* the line of err, 0 when none */
	struct client *v;
	size_t n;        /* finished clients */
	bool open;       /* v[n] is the client being read */
	int client_line; /* its [name] line */
	unsigned seen;   /* its keys seen so far, 1 << enum ckey */
};

enum ckey { CK_CURVE_KEY, CK_UID, CK_GID, CK_ROLE, CK_TYPES, CK_COUNT };
static const char *const ckey_names[] = {
    [CK_CURVE_KEY] = "curve_key", [CK_UID] = "uid",     [CK_GID] = "gid",
    [CK_ROLE] = "role",           [CK_TYPES] = "types",
};
_Static_assert(sizeof(ckey_names) / sizeof(ckey_names[0]) == CK_COUNT, "ckey_names");

static int fail(struct parse_state *ps, int line, const char *name, const char *key,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Records the first error; returns 0, inih's "stop" for a handler. */
static int fail(struct parse_state *ps, int line, const char *name, const char *key,
		const char *fmt, ...)
{
	char what[256];
	va_list ap;

	if (ps->err_line)
		return 0;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	/* "FILE:LINE: [name] key: what", leaving out the parts that are empty */
	snprintf(ps->err, CONFIG_ERR_MAX, "%.150s:%d: %s%.*s%s%s%.64s%s%.200s", ps->path, line,
		 *name ? "[" : "", CLIENTS_NAME_MAX, name, *name ? "]" : "",
		 *name && *key ? " " : "", key, *name || *key ? ": " : "", what);
	ps->err_line = line;
	return 0;
}

static int set_types(struct parse_state *ps, struct client *cl, const char *value)
{
	char buf[INI_MAX_LINE], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", value);
	for (tok = strtok_r(buf, TYPE_SEPS, &save); tok; tok = strtok_r(NULL, TYPE_SEPS, &save)) {
		const struct proto_type *t =
		    proto_type_find((struct proto_str){tok, (uint32_t)strlen(tok)});

		if (!t)
			return fail(ps, ps->line, cl->name, "types",
				    "'%.64s' is not an event type (PROTOCOL.md \"Event types\")",
				    tok);
		for (size_t i = 0; i < cl->ntypes; i++)
			if (cl->types[i] == t)
				return fail(ps, ps->line, cl->name, "types", "'%s' listed twice",
					    tok);
		if (cl->ntypes == CLIENTS_TYPES_MAX)
			return fail(ps, ps->line, cl->name, "types", "more than %d types",
				    CLIENTS_TYPES_MAX);
		cl->types[cl->ntypes++] = t;
	}
	if (cl->ntypes == 0)
		return fail(ps, ps->line, cl->name, "types", "needs at least one event type");
	return 1;
}

static enum client_role parse_role(const char *value)
{
	static const enum client_role settable[] = {CLIENT_INTAKE, CLIENT_OPERATOR, CLIENT_ADMIN};

	for (size_t i = 0; i < sizeof(settable) / sizeof(settable[0]); i++)
		if (strcmp(value, role_names[settable[i]]) == 0)
			return settable[i];
	return CLIENT_NONE; /* not settable: no such role */
}

static int on_key(void *user, const char *section, const char *key, const char *value)
{
	struct parse_state *ps = user;
	struct client *cl;
	unsigned long id;
	int k;

	(void)section; /* inih may have cut it; the client being read is v[n] */
	if (!ps->open)
		return fail(ps, ps->line, "", key,
			    "outside a client's section (start with [client-name])");
	cl = &ps->v[ps->n];
	for (k = 0; k < CK_COUNT && strcmp(ckey_names[k], key) != 0; k++)
		;
	if (k == CK_COUNT)
		return fail(ps, ps->line, cl->name, key,
			    "unknown key (curve_key, uid, gid, role or types)");
	if (ps->seen & (1u << k))
		return fail(ps, ps->line, cl->name, key, "set twice");
	ps->seen |= 1u << k;
	switch ((enum ckey)k) {
	case CK_CURVE_KEY:
		if (strlen(value) != CURVE_Z85_LEN || !zmq_z85_decode(cl->key, value))
			return fail(ps, ps->line, cl->name, key,
				    "not a CURVE public key (%d Z85 characters, as "
				    "integrityctl keygen prints)",
				    CURVE_Z85_LEN);
		cl->has_key = true;
		return 1;
	case CK_UID:
	case CK_GID:
		if (config_parse_unix_id(value, k == CK_GID, &id) < 0)
			return fail(ps, ps->line, cl->name, key, "'%.64s' is not a %s", value,
				    k == CK_GID ? "group number or name" : "user number or name");
		if (k == CK_UID) {
			cl->uid = (uid_t)id;
			cl->has_uid = true;
		} else {
			cl->gid = (gid_t)id;
			cl->has_gid = true;
		}
		return 1;
	case CK_ROLE:
		cl->role = parse_role(value);
		if (cl->role == CLIENT_NONE)
			return fail(ps, ps->line, cl->name, key,
				    "'%.64s' is not a role (intake, operator or admin)", value);
		return 1;
	case CK_TYPES:
		return set_types(ps, cl, value);
	case CK_COUNT:
		break;
	}
	return fail(ps, ps->line, cl->name, key, "unhandled key");
}

/* Checks the client being read on its own and against those before it. */
static void finish_client(struct parse_state *ps)
{
	struct client *cl;
	int ids, line = ps->client_line;

	if (!ps->open || ps->err_line)
		return;
	ps->open = false;
	cl = &ps->v[ps->n];
	ids = cl->has_key + cl->has_uid + cl->has_gid;
	if (ids != 1) {
		fail(ps, line, cl->name, "",
		     ids ? "set exactly one of curve_key, uid and gid (a client is one identity)"
			 : "needs curve_key (tcp://) or uid or gid (ipc://)");
		return;
	}
	if (cl->role == CLIENT_NONE) {
		fail(ps, line, cl->name, "role", "missing (intake, operator or admin)");
		return;
	}
	if (cl->role == CLIENT_INTAKE && !cl->ntypes) {
		fail(ps, line, cl->name, "types",
		     "missing: an intake client lists the event types it may send");
		return;
	}
	if (cl->role != CLIENT_INTAKE && cl->ntypes) {
		fail(ps, line, cl->name, "types", "only an intake client sends events");
		return;
	}
	for (size_t i = 0; i < ps->n; i++) {
		const struct client *o = &ps->v[i];

		if (strcmp(o->name, cl->name) == 0) {
			fail(ps, line, cl->name, "", "a second client of this name");
			return;
		}
		if ((cl->has_key && o->has_key && memcmp(o->key, cl->key, sizeof(cl->key)) == 0) ||
		    (cl->has_uid && o->has_uid && o->uid == cl->uid) ||
		    (cl->has_gid && o->has_gid && o->gid == cl->gid)) {
			fail(ps, line, cl->name,
			     ckey_names[cl->has_key   ? CK_CURVE_KEY
					: cl->has_uid ? CK_UID
						      : CK_GID],
			     "the same as client [%s]'s", o->name);
			return;
		}
	}
	ps->n++;
}

/* A "[name]" line: the previous client is complete, a new one starts. */
static void start_client(struct parse_state *ps, const char *line)
{
	const char *p = line + strspn(line, " \t");
	size_t len;
	struct client *cl;

	if (*p != '[')
		return;
	finish_client(ps);
	len = strcspn(++p, "]");
	if (ps->err_line)
		return;
	if (ps->n == CLIENTS_MAX) {
		fail(ps, ps->line, "", "", "more than %d clients", CLIENTS_MAX);
		return;
	}
	if (len == 0 || len > CLIENTS_NAME_MAX || strspn(p, NAME_CHARS) != len) {
		fail(ps, ps->line, "", "",
		     "'%.*s' is not a client name (1 to %d letters, digits, '.', '_' or '-')",
		     (int)(len > CLIENTS_NAME_MAX ? CLIENTS_NAME_MAX : len), p, CLIENTS_NAME_MAX);
		return;
	}
	cl = &ps->v[ps->n];
	memset(cl, 0, sizeof(*cl));
	memcpy(cl->name, p, len);
	ps->open = true;
	ps->client_line = ps->line;
	ps->seen = 0;
}

static char *read_line(char *str, int num, void *stream)
{
	struct parse_state *ps = stream;
	int c;

	if (!fgets(str, num, ps->f))
		return NULL;
	ps->line++;
	if (!strchr(str, '\n') && !feof(ps->f)) {
		while ((c = fgetc(ps->f)) != EOF && c != '\n')
			;
		fail(ps, ps->line, "", "", "line longer than %d bytes", num - 2);
		snprintf(str, num, "; (cut)\n"); /* inih skips it; the error stands */
		return str;
	}
	start_client(ps, str);
	return str;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct client *)a)->name, ((const struct client *)b)->name);
}

/* The file names who may connect: others must not be able to change it. */
static int check_file(struct parse_state *ps)
{
	struct stat st;

	if (fstat(fileno(ps->f), &st) < 0) {
		snprintf(ps->err, CONFIG_ERR_MAX, "%.200s: %s", ps->path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(ps->err, CONFIG_ERR_MAX, "%.200s: not a regular file", ps->path);
		return -1;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(ps->err, CONFIG_ERR_MAX,
			 "%.200s: mode %04o lets group or others write it (who may connect); "
			 "chmod go-w",
			 ps->path, (unsigned)(st.st_mode & 07777));
		return -1;
	}
	/* its owner may write it too: root or the daemon itself, as ssh's StrictModes */
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		snprintf(ps->err, CONFIG_ERR_MAX,
			 "%.200s: owned by uid %lu, who could rewrite who may connect; it must be "
			 "root's or the daemon's",
			 ps->path, (unsigned long)st.st_uid);
		return -1;
	}
	return 0;
}

int clients_load(struct clients *ret, const char *path, char err[CONFIG_ERR_MAX])
{
	struct parse_state ps = {.path = path, .err = err};
	int line;

	err[0] = '\0';
	ps.f = fopen(path, "re");
	if (!ps.f) {
		snprintf(err, CONFIG_ERR_MAX, "%.200s: %s", path, strerror(errno));
		return -1;
	}
	ps.v = calloc(CLIENTS_MAX, sizeof(*ps.v));
	if (!ps.v) {
		fclose(ps.f);
		snprintf(err, CONFIG_ERR_MAX, "%.200s: out of memory", path);
		return -1;
	}
	if (check_file(&ps) < 0) {
		fclose(ps.f);
		free(ps.v);
		return -1;
	}
	line = ini_parse_stream(read_line, &ps, on_key, &ps);
	fclose(ps.f);
	finish_client(&ps);
	/* inih's own errors (a line that is not key = value) come without a message */
	if (line > 0 && (!ps.err_line || line < ps.err_line)) {
		ps.err_line = 0;
		fail(&ps, line, "", "", "not a key = value line");
	}
	if (!ps.err_line && line != 0)
		snprintf(err, CONFIG_ERR_MAX, "%.200s: cannot be read", path);
	else if (!ps.err_line && ps.n == 0)
		snprintf(err, CONFIG_ERR_MAX,
			 "%.200s: names no client (nobody could connect); give at least one "
			 "[client-name] section",
			 path);
	if (ps.err_line || line != 0 || ps.n == 0) {
		free(ps.v);
		return -1;
	}
	qsort(ps.v, ps.n, sizeof(*ps.v), by_name);
	ret->v = ps.v;
	ret->n = ps.n;
	return 0;
}

void clients_free(struct clients *c)
{
	if (!c)
		return;
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

/* ---- lookups --------------------------------------------------------------------------- */

const struct client *clients_by_name(const struct clients *c, const char *name)
{
	struct client key;

	if (!c || !c->n || !name || strlen(name) > CLIENTS_NAME_MAX)
		return NULL;
	strcpy(key.name, name);
	return bsearch(&key, c->v, c->n, sizeof(*c->v), by_name);
}

/* At most CLIENTS_MAX entries, once per connection (ZAP): a scan is enough. */
const struct client *clients_by_key(const struct clients *c, const uint8_t key[CURVE_KEY_BYTES])
{
	for (size_t i = 0; c && i < c->n; i++)
		if (c->v[i].has_key && memcmp(c->v[i].key, key, sizeof(c->v[i].key)) == 0)
			return &c->v[i];
	return NULL;
}

const struct client *clients_by_unix(const struct clients *c, uid_t uid, gid_t gid)
{
	for (size_t i = 0; c && i < c->n; i++)
		if (c->v[i].has_uid && c->v[i].uid == uid)
			return &c->v[i];
	for (size_t i = 0; c && i < c->n; i++)
		if (c->v[i].has_gid && c->v[i].gid == gid)
			return &c->v[i];
	return NULL;
}

const struct client *clients_resolve(const struct clients *c, const char *name)
{
	if (!c)
		return &client_any;
	return clients_by_name(c, name); /* an empty table (never loaded so) admits nobody */
}

/* ---- rights (PROTOCOL.md "Security settings") ------------------------------------------ */

bool client_may_send(const struct client *cl, const struct proto_type *type)
{
	if (!cl || !type)
		return false;
	if (cl->role == CLIENT_ANY)
		return true;
	if (cl->role != CLIENT_INTAKE)
		return false;
	for (size_t i = 0; i < cl->ntypes; i++)
		if (cl->types[i] == type)
			return true;
	return false;
}

bool client_may_control(const struct client *cl, enum ctl_right need)
{
	if (!cl)
		return false;
	switch (cl->role) {
	case CLIENT_ANY:
	case CLIENT_ADMIN:
		return true;
	case CLIENT_OPERATOR:
		return need == CTL_READ || need == CTL_THREAD;
	case CLIENT_INTAKE:
		return need == CTL_THREAD &&
		       client_may_send(cl, proto_type_find((struct proto_str){"report.followed_up",
									       18}));
	case CLIENT_NONE:
		return false;
	}
	return false;
}
