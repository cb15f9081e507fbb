#include "policy/configint.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define UNIX_ID_MAX ((unsigned long)(uid_t)-2) /* (uid_t)-1 means "no change" to chown */

/* A number and a unit suffix from a table: "64KiB". */
struct unit {
	const char *suffix;
	uint64_t scale;
};

static int parse_scaled(const char *s, const struct unit *units, size_t n_units, uint64_t *ret)
{
	char *end;
	unsigned long long n;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	for (size_t i = 0; i < n_units; i++) {
		if (strcmp(end, units[i].suffix) != 0)
			continue;
		if (n > UINT64_MAX / units[i].scale)
			return -ERANGE;
		*ret = n * units[i].scale;
		return 0;
	}
	return -EINVAL;
}

/* One parser for the config and the wire (PF_DURATION): proto's. */
int config_parse_duration(const char *s, struct duration *ret)
{
	return proto_duration_parse(s, strlen(s), ret) < 0 ? -EINVAL : 0;
}

int config_parse_size(const char *s, uint64_t *ret)
{
	static const struct unit units[] = {
	    {"", 1},
	    {"KiB", 1ull << 10},
	    {"MiB", 1ull << 20},
	    {"GiB", 1ull << 30},
	    {"TiB", 1ull << 40},
	};

	return parse_scaled(s, units, sizeof(units) / sizeof(units[0]), ret);
}

int config_parse_unix_id(const char *s, bool group, unsigned long *ret)
{
	char *end;
	unsigned long n;

	if (isdigit((unsigned char)*s)) {
		errno = 0;
		n = strtoul(s, &end, 10);
		if (errno || *end || n > UNIX_ID_MAX)
			return -EINVAL;
		*ret = n;
		return 0;
	}
	if (group) {
		const struct group *gr = getgrnam(s);

		if (!gr)
			return -ENOENT;
		*ret = gr->gr_gid;
	} else {
		const struct passwd *pw = getpwnam(s);

		if (!pw)
			return -ENOENT;
		*ret = pw->pw_uid;
	}
	return 0;
}

/* ---- the key table ---------------------------------------------------------------- */

#define KEY(sec, nm, ty, field)                                                                    \
	{                                                                                          \
		sec, nm, ty, offsetof(struct config, field), sizeof(((struct config *)0)->field),  \
		    0, 0                                                                           \
	}
#define KEY_RANGE(sec, nm, ty, field, lo, hi)                                                      \
	{                                                                                          \
		sec, nm, ty, offsetof(struct config, field), sizeof(((struct config *)0)->field),  \
		    lo, hi                                                                         \
	}

/* Bounds that keep the daemon sane: a request needs room for its envelope; a batch must fit
 * LMDB's dirty-page limit for one write transaction (about 130k pages) with room to spare. */
#define MESSAGE_MIN 256
#define MESSAGE_MAX (16u << 20)
#define BATCH_MAX   4096
#define MAP_MIN     (64u << 10)
/* a suppression threshold past this would hide every count a force could publish */
#define SUPPRESS_BELOW_MAX 1000

const struct key configx_keys[] = {
    KEY("daemon", "state_dir", K_STR, state_dir),
    KEY("intake", "endpoint", K_ENDPOINTS, intake_endpoint),
    KEY_RANGE("intake", "max_message_bytes", K_SIZE, max_message_bytes, MESSAGE_MIN, MESSAGE_MAX),
    KEY("intake", "clock_skew", K_DURATION_MS, clock_skew_ms),
    KEY_RANGE("intake", "batch_max", K_UINT, batch_max, 1, BATCH_MAX),
    KEY("notify", "endpoint", K_ENDPOINTS, notify_endpoint),
    KEY("control", "endpoint", K_ENDPOINTS, control_endpoint),
    KEY_RANGE("store", "map_size", K_SIZE, map_size, MAP_MIN, UINT64_MAX),
    KEY_RANGE("store", "map_max", K_SIZE, map_max, MAP_MIN, UINT64_MAX),
    KEY("store", "sync", K_SYNC, sync),
    KEY("deadlines", "reminders", K_DURATIONS, reminders),
    KEY("deadlines", "escalation_interval", K_DURATION, escalation_interval),
    KEY("deadlines", "holidays", K_DATA, holidays),
    /* the other [deadlines] keys are the deadline kinds' names (on_key) */
    KEY("escalation", "aa_roster", K_STR, aa_roster),
    KEY("retention", "closed_case", K_DEADLINE, deadline[DL_RETENTION]),
    /* a kind's own retention, by its prefix; absent: closed_case */
    KEY("retention", "NA", K_DEADLINE, retention[KIND_NA]),
    KEY("retention", "CR", K_DEADLINE, retention[KIND_CR]),
    KEY("retention", "WR", K_DEADLINE, retention[KIND_WR]),
    KEY("retention", "GH", K_DEADLINE, retention[KIND_GH]),
    KEY("retention", "BI", K_DEADLINE, retention[KIND_BI]),
    KEY("reports", "channel_after_close", K_DEADLINE, channel_after_close),
    KEY_RANGE("reports", "token_failures_per_minute", K_UINT, token_failures_per_minute, 1,
	      UINT32_MAX),
    KEY_RANGE("reports", "suppress_below", K_UINT, suppress_below, 1, SUPPRESS_BELOW_MAX),
    KEY("vetting", "review_required", K_STR, vetting_review_required),
    KEY_RANGE("gifts", "approval_threshold", K_UINT, gifts_approval_threshold, 0, UINT32_MAX),
    KEY("gifts", "declare_within", K_DEADLINE, gifts_declare_within),
    KEY("gifts", "procurement_lookback", K_DEADLINE, gifts_procurement_lookback),
    KEY("intake", "owner", K_STR, intake_perm.owner),
    KEY("intake", "group", K_STR, intake_perm.group),
    KEY("intake", "mode", K_MODE, intake_perm.mode),
    KEY("notify", "owner", K_STR, notify_perm.owner),
    KEY("notify", "group", K_STR, notify_perm.group),
    KEY("notify", "mode", K_MODE, notify_perm.mode),
    KEY("control", "owner", K_STR, control_perm.owner),
    KEY("control", "group", K_STR, control_perm.group),
    KEY("control", "mode", K_MODE, control_perm.mode),
    KEY("security", "curve_public_key", K_CRED, curve_public_key),
    KEY("security", "curve_secret_key", K_CRED, curve_secret_key),
    KEY("security", "clients", K_CRED, clients),
    KEY("security", "seal_key", K_CRED, seal_key),
    KEY("security", "seal_key_previous", K_CRED, seal_key_previous),
    KEY("audit", "sign_key", K_CRED, sign_key),
    KEY("audit", "checkpoint_every", K_DURATION_MS, checkpoint_every_ms),
};
_Static_assert(sizeof(configx_keys) / sizeof(configx_keys[0]) == CONFIGX_N_KEYS,
	       "configx_keys: CONFIGX_N_KEYS in configint.h");

static int set_durations(struct parse_state *ps, const struct key *k, const char *value)
{
	struct config *cfg = ps->cfg;
	char buf[256], *save = NULL, *tok;

	if (strlen(value) >= sizeof(buf))
		return configx_fail(ps, k->section, k->name, "too long");
	strcpy(buf, value);
	cfg->n_reminders = 0;
	for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		if (cfg->n_reminders == CONFIG_LIST_MAX)
			return configx_fail(ps, k->section, k->name, "at most %d durations",
					    CONFIG_LIST_MAX);
		if (config_parse_duration(tok, &cfg->reminders[cfg->n_reminders++]) < 0)
			return configx_fail(
			    ps, k->section, k->name,
			    "'%s' is not a duration (a number and s, m, h, d, wd, mo or y)", tok);
	}
	return 1;
}

/* A relative path names a file beside the config file, wherever the daemon was started. */
static int set_path(struct parse_state *ps, const struct key *k, const char *value)
{
	const char *slash = strrchr(ps->cfg->path, '/');
	int dir_len = slash && value[0] && value[0] != '/' ? (int)(slash - ps->cfg->path) + 1 : 0;
	char dir[PATH_MAX];
	int n;

	/* a copy: the destination is a field of the same struct as the path */
	snprintf(dir, sizeof(dir), "%.*s", dir_len, ps->cfg->path);
	n = snprintf((char *)ps->cfg + k->offset, k->size, "%s%s", dir, value);

	if (n < 0 || (size_t)n >= k->size)
		return configx_fail(ps, k->section, k->name, "longer than %zu bytes", k->size - 1);
	return 1;
}

/* The data directory the package installs integrityd's own files in (the holiday calendars),
 * found from where this program is: INTEGRITYD_DATA_FROM_BIN is the install's datadir relative
 * to its bindir ("../share/integrityd"), so a tree unpacked elsewhere (dpkg -x, a staged
 * install) finds its own copy. Returns 0 with the directory in ret, or -1. */
static int data_dir(char ret[PATH_MAX])
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n <= 0)
		return -1;
	exe[n] = '\0';
	if (!(slash = strrchr(exe, '/')))
		return -1;
	*slash = '\0';
	n = snprintf(ret, PATH_MAX, "%s/%s", exe, INTEGRITYD_DATA_FROM_BIN);
	return n < 0 || n >= PATH_MAX ? -1 : 0;
}

/* [deadlines] holidays: a bare name (no '/') is the file of that name beside the config file
 * when there is one, else the packaged one in the data directory. So the same config names
 * config/holidays-england-wales.txt in a checkout and /usr/share/integrityd's copy once
 * installed, and a file of that name put in /etc/integrityd overrides the packaged one. */
static int set_data(struct parse_state *ps, const struct key *k, const char *value)
{
	char *field = (char *)ps->cfg + k->offset, dir[PATH_MAX];
	int n;

	if (set_path(ps, k, value) != 1)
		return 0;
	if (!*value || strchr(value, '/') || access(field, F_OK) == 0 || data_dir(dir) < 0)
		return 1;
	snprintf(dir + strlen(dir), sizeof(dir) - strlen(dir), "/%s", value);
	if (access(dir, F_OK) < 0)
		return 1; /* the error names the file beside the config, where one was looked for */
	n = snprintf(field, k->size, "%s", dir);
	if (n < 0 || (size_t)n >= k->size)
		return configx_fail(ps, k->section, k->name, "longer than %zu bytes", k->size - 1);
	return 1;
}

/* systemd's LoadCredential= puts credentials in $CREDENTIALS_DIRECTORY; a bare name (no '/')
 * is looked up there, anything else is a path as for K_PATH. */
static int set_cred(struct parse_state *ps, const struct key *k, const char *value)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	int n;

	if (!*value)
		return configx_fail(ps, k->section, k->name, "needs a file name");
	if (strchr(value, '/'))
		return set_path(ps, k, value);
	if (!dir || !*dir)
		return configx_fail(
		    ps, k->section, k->name,
		    "'%s' is a bare credential name but $CREDENTIALS_DIRECTORY is not set "
		    "(LoadCredential= in the unit); give a path instead",
		    value);
	n = snprintf((char *)ps->cfg + k->offset, k->size, "%s/%s", dir, value);
	if (n < 0 || (size_t)n >= k->size)
		return configx_fail(ps, k->section, k->name, "longer than %zu bytes", k->size - 1);
	return 1;
}

int configx_set_deadline(struct parse_state *ps, const struct key *k, const char *value,
			 struct duration *ret)
{
	struct duration d;

	if (config_parse_duration(value, &d) < 0 || d.n == 0)
		return configx_fail(
		    ps, k->section, k->name,
		    "'%s' is not a positive duration (a number and s, m, h, d, wd, mo or y)",
		    value);
	*ret = d;
	return 1;
}

static int check_range(struct parse_state *ps, const struct key *k, uint64_t v)
{
	if (k->max && (v < k->min || v > k->max))
		return configx_fail(ps, k->section, k->name, "%llu is out of range (%llu to %llu)",
				    (unsigned long long)v, (unsigned long long)k->min,
				    (unsigned long long)k->max);
	return 1;
}

int configx_set_key(struct parse_state *ps, const struct key *k, const char *value)
{
	void *field = (char *)ps->cfg + k->offset;
	struct duration d;

	ps->key_line[k - configx_keys] = ps->line;
	switch (k->type) {
	case K_STR:
	case K_ENDPOINTS:
		if (strlen(value) >= k->size)
			return configx_fail(ps, k->section, k->name, "longer than %zu bytes",
					    k->size - 1);
		strcpy(field, value);
		return k->type == K_ENDPOINTS ? configx_check_endpoints(ps, k, value) : 1;
	case K_SIZE:
		if (config_parse_size(value, field) < 0)
			return configx_fail(
			    ps, k->section, k->name,
			    "'%s' is not a size (a number, optionally KiB, MiB or GiB)", value);
		return check_range(ps, k, *(uint64_t *)field);
	case K_UINT:
		if (!isdigit((unsigned char)*value) || config_parse_size(value, field) < 0 ||
		    strspn(value, "0123456789") != strlen(value))
			return configx_fail(ps, k->section, k->name, "'%s' is not a whole number",
					    value);
		return check_range(ps, k, *(uint64_t *)field);
	case K_DURATION_MS:
	case K_DURATION:
		if (config_parse_duration(value, &d) < 0)
			return configx_fail(
			    ps, k->section, k->name,
			    "'%s' is not a duration (a number and s, m, h, d, wd, mo or y)", value);
		if (k->type == K_DURATION) {
			*(struct duration *)field = d;
			return 1;
		}
		if (d.unit != DUR_MS)
			return configx_fail(ps, k->section, k->name,
					    "'%s': use s, m, h or d here (a fixed length)", value);
		*(uint64_t *)field = d.n;
		return 1;
	case K_DURATIONS:
		return set_durations(ps, k, value);
	case K_DEADLINE:
		return configx_set_deadline(ps, k, value, field);
	case K_PATH:
		return set_path(ps, k, value);
	case K_DATA:
		return set_data(ps, k, value);
	case K_CRED:
		return set_cred(ps, k, value);
	case K_MODE: {
		char *end;
		unsigned long m;

		errno = 0;
		m = strtoul(value, &end, 8);
		if (!*value || *end || errno || m > 0777 ||
		    strspn(value, "01234567") != strlen(value))
			return configx_fail(ps, k->section, k->name,
					    "'%s' is not a file mode (octal, 0 to 0777, e.g. 0660)",
					    value);
		*(int *)field = (int)m;
		return 1;
	}
	case K_SYNC:
		if (strcmp(value, "full") == 0)
			*(enum store_sync *)field = SYNC_FULL;
		else if (strcmp(value, "none") == 0)
			*(enum store_sync *)field = SYNC_NONE;
		else
			return configx_fail(ps, k->section, k->name, "'%s': expected full or none",
					    value);
		return 1;
	}
	return configx_fail(ps, k->section, k->name, "unhandled key type");
}
