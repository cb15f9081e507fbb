#include "policy/config.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <ini.h>

#define MS_PER_S    1000ull
#define MS_PER_DAY  (86400ull * MS_PER_S)
#define UNIX_ID_MAX ((unsigned long)(uid_t)-2) /* (uid_t)-1 means "no change" to chown */

static const char *const dl_names[DL_COUNT] = {
    [DL_MANAGER_REVIEW] = "manager_review",
    [DL_PSD_ASSESSMENT] = "psd_assessment",
    [DL_INTERVIEW] = "interview",
    [DL_MITIGATION_PROPOSAL] = "mitigation_proposal",
    [DL_MITIGATION_RESPONSE] = "mitigation_response",
    [DL_AA_APPROVAL] = "aa_approval",
    [DL_REPRESENTATIONS] = "representations",
    [DL_AA_DETERMINATION] = "aa_determination",
    [DL_SERVICE] = "service",
    [DL_APPEAL_WINDOW] = "appeal_window",
    [DL_STRATEGY_MEETING] = "strategy_meeting",
    [DL_APPEAL_DECISION] = "appeal_decision",
    [DL_ANNUAL_REVIEW] = "annual_review",
    [DL_REVIEW] = "review",
    [DL_VETTING_REVIEW] = "vetting_review",
    [DL_RETENTION] = "retention",
};
_Static_assert(sizeof(dl_names) / sizeof(dl_names[0]) == DL_COUNT, "dl_names");

/* WORKFLOW.md "Deadlines", the default column. */
static const struct duration dl_defaults[DL_COUNT] = {
    [DL_MANAGER_REVIEW] = {7 * MS_PER_DAY, DUR_MS},
    [DL_PSD_ASSESSMENT] = {28 * MS_PER_DAY, DUR_MS},
    [DL_INTERVIEW] = {28 * MS_PER_DAY, DUR_MS},
    [DL_MITIGATION_PROPOSAL] = {28 * MS_PER_DAY, DUR_MS},
    [DL_MITIGATION_RESPONSE] = {14 * MS_PER_DAY, DUR_MS},
    [DL_AA_APPROVAL] = {14 * MS_PER_DAY, DUR_MS},
    [DL_REPRESENTATIONS] = {14 * MS_PER_DAY, DUR_MS},
    [DL_AA_DETERMINATION] = {28 * MS_PER_DAY, DUR_MS},
    [DL_SERVICE] = {7 * MS_PER_DAY, DUR_MS},
    [DL_APPEAL_WINDOW] = {14 * MS_PER_DAY, DUR_MS},
    [DL_STRATEGY_MEETING] = {28 * MS_PER_DAY, DUR_MS},
    [DL_APPEAL_DECISION] = {14 * MS_PER_DAY, DUR_MS},
    [DL_ANNUAL_REVIEW] = {12, DUR_MO},
    [DL_REVIEW] = {28 * MS_PER_DAY, DUR_MS},
    [DL_VETTING_REVIEW] = {28 * MS_PER_DAY, DUR_MS},
    [DL_RETENTION] = {6, DUR_Y}, /* [retention] closed_case */
};

const char *config_dl_name(enum dl_kind k)
{
	return (unsigned)k < DL_COUNT ? dl_names[k] : "?";
}

int config_dl_parse(const char *s, size_t len)
{
	return proto_name_index(dl_names, DL_COUNT, s, len);
}

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

enum key_type {
	K_STR,
	K_ENDPOINTS,
	K_SIZE,
	K_DURATION_MS,
	K_DURATION,
	K_DURATIONS,
	K_DEADLINE, /* a duration longer than 0 */
	K_PATH,     /* a file name; relative to the config file's directory */
	K_DATA,     /* K_PATH, but a bare name not beside the config file is the packaged one */
	K_SYNC,
	K_UINT,
	K_CRED, /* a file name; a bare name is in $CREDENTIALS_DIRECTORY (LoadCredential=) */
	K_MODE, /* a file mode in octal, at most 0777 */
};

struct key {
	const char *section;
	const char *name;
	enum key_type type;
	size_t offset;
	size_t size;       /* K_STR, K_ENDPOINTS: the buffer */
	uint64_t min, max; /* K_SIZE, K_UINT: the range, when max is not 0 */
};

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

static const struct key keys[] = {
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
    KEY("vetting", "review_required", K_STR, vetting_review_required),
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
};

#define N_KEYS (sizeof(keys) / sizeof(keys[0]))
_Static_assert(N_KEYS <= CONFIG_KEYS_MAX, "CONFIG_KEYS_MAX: room for every key's line");

/* inih is driven through our own line reader, which counts lines (so an error names its
 * own line), refuses lines longer than inih's buffer (it would cut them silently) and
 * refuses unknown section headers (inih never reports a section without keys). */
struct parse_state {
	struct config *cfg;
	FILE *f;
	char *err;
	int line;             /* the line inih is handling now */
	int err_line;         /* the line of err, 0 when none */
	int key_line[N_KEYS]; /* where each key of keys[] was set, 0 when it was not: for the
			       * checks made once the whole file is read */
};

static int fail(struct parse_state *ps, const char *section, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(struct parse_state *ps, const char *section, const char *name, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	if (ps->err_line) /* the first error is the one reported */
		return 0;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(ps->err, CONFIG_ERR_MAX, "[%s] %s: %s", section, name, what);
	ps->err_line = ps->line;
	return 0;
}

/* Only ipc:// and tcp://; without CURVE keys (PROTOCOL.md "Security settings") tcp:// may
 * only listen on loopback, which check_tcp_loopback decides once the whole file is read. */
static int check_endpoints(struct parse_state *ps, const struct key *k, const char *list)
{
	char buf[CONFIG_ENDPOINTS_MAX], *save = NULL, *ep;
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", list);
	for (ep = strtok_r(buf, CONFIG_ENDPOINT_SEPS, &save); ep;
	     ep = strtok_r(NULL, CONFIG_ENDPOINT_SEPS, &save), n++) {
		if (strncmp(ep, "ipc://", 6) == 0)
			continue;
		if (strncmp(ep, "tcp://", 6) != 0)
			return fail(ps, k->section, k->name,
				    "'%s': only ipc:// and tcp:// endpoints are supported", ep);
	}
	if (n == 0)
		return fail(ps, k->section, k->name, "needs at least one endpoint");
	return 1;
}

/* The first tcp:// endpoint of list not on loopback, copied into ret; false when none. */
static bool find_public_tcp(const char *list, char *ret, size_t retlen)
{
	static const char *const loopback[] = {"tcp://127.", "tcp://localhost:", "tcp://[::1]:"};
	char buf[CONFIG_ENDPOINTS_MAX], *save = NULL, *ep;
	bool ok;

	snprintf(buf, sizeof(buf), "%s", list);
	for (ep = strtok_r(buf, CONFIG_ENDPOINT_SEPS, &save); ep;
	     ep = strtok_r(NULL, CONFIG_ENDPOINT_SEPS, &save)) {
		if (strncmp(ep, "tcp://", 6) != 0)
			continue;
		ok = false;
		for (size_t i = 0; i < sizeof(loopback) / sizeof(loopback[0]); i++)
			ok |= strncmp(ep, loopback[i], strlen(loopback[i])) == 0;
		if (!ok) {
			snprintf(ret, retlen, "%s", ep);
			return true;
		}
	}
	return false;
}

static int set_durations(struct parse_state *ps, const struct key *k, const char *value)
{
	struct config *cfg = ps->cfg;
	char buf[256], *save = NULL, *tok;

	if (strlen(value) >= sizeof(buf))
		return fail(ps, k->section, k->name, "too long");
	strcpy(buf, value);
	cfg->n_reminders = 0;
	for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		if (cfg->n_reminders == CONFIG_LIST_MAX)
			return fail(ps, k->section, k->name, "at most %d durations",
				    CONFIG_LIST_MAX);
		if (config_parse_duration(tok, &cfg->reminders[cfg->n_reminders++]) < 0)
			return fail(ps, k->section, k->name,
				    "'%s' is not a duration (a number and s, m, h, d, wd, mo or y)",
				    tok);
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
		return fail(ps, k->section, k->name, "longer than %zu bytes", k->size - 1);
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
		return fail(ps, k->section, k->name, "longer than %zu bytes", k->size - 1);
	return 1;
}

/* systemd's LoadCredential= puts credentials in $CREDENTIALS_DIRECTORY; a bare name (no '/')
 * is looked up there, anything else is a path as for K_PATH. */
static int set_cred(struct parse_state *ps, const struct key *k, const char *value)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	int n;

	if (!*value)
		return fail(ps, k->section, k->name, "needs a file name");
	if (strchr(value, '/'))
		return set_path(ps, k, value);
	if (!dir || !*dir)
		return fail(ps, k->section, k->name,
			    "'%s' is a bare credential name but $CREDENTIALS_DIRECTORY is not set "
			    "(LoadCredential= in the unit); give a path instead",
			    value);
	n = snprintf((char *)ps->cfg + k->offset, k->size, "%s/%s", dir, value);
	if (n < 0 || (size_t)n >= k->size)
		return fail(ps, k->section, k->name, "longer than %zu bytes", k->size - 1);
	return 1;
}

static int set_deadline(struct parse_state *ps, const struct key *k, const char *value,
			struct duration *ret)
{
	struct duration d;

	if (config_parse_duration(value, &d) < 0 || d.n == 0)
		return fail(
		    ps, k->section, k->name,
		    "'%s' is not a positive duration (a number and s, m, h, d, wd, mo or y)",
		    value);
	*ret = d;
	return 1;
}

static int check_range(struct parse_state *ps, const struct key *k, uint64_t v)
{
	if (k->max && (v < k->min || v > k->max))
		return fail(ps, k->section, k->name, "%llu is out of range (%llu to %llu)",
			    (unsigned long long)v, (unsigned long long)k->min,
			    (unsigned long long)k->max);
	return 1;
}

static int set_key(struct parse_state *ps, const struct key *k, const char *value)
{
	void *field = (char *)ps->cfg + k->offset;
	struct duration d;

	ps->key_line[k - keys] = ps->line;
	switch (k->type) {
	case K_STR:
	case K_ENDPOINTS:
		if (strlen(value) >= k->size)
			return fail(ps, k->section, k->name, "longer than %zu bytes", k->size - 1);
		strcpy(field, value);
		return k->type == K_ENDPOINTS ? check_endpoints(ps, k, value) : 1;
	case K_SIZE:
		if (config_parse_size(value, field) < 0)
			return fail(ps, k->section, k->name,
				    "'%s' is not a size (a number, optionally KiB, MiB or GiB)",
				    value);
		return check_range(ps, k, *(uint64_t *)field);
	case K_UINT:
		if (!isdigit((unsigned char)*value) || config_parse_size(value, field) < 0 ||
		    strspn(value, "0123456789") != strlen(value))
			return fail(ps, k->section, k->name, "'%s' is not a whole number", value);
		return check_range(ps, k, *(uint64_t *)field);
	case K_DURATION_MS:
	case K_DURATION:
		if (config_parse_duration(value, &d) < 0)
			return fail(ps, k->section, k->name,
				    "'%s' is not a duration (a number and s, m, h, d, wd, mo or y)",
				    value);
		if (k->type == K_DURATION) {
			*(struct duration *)field = d;
			return 1;
		}
		if (d.unit != DUR_MS)
			return fail(ps, k->section, k->name,
				    "'%s': use s, m, h or d here (a fixed length)", value);
		*(uint64_t *)field = d.n;
		return 1;
	case K_DURATIONS:
		return set_durations(ps, k, value);
	case K_DEADLINE:
		return set_deadline(ps, k, value, field);
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
			return fail(ps, k->section, k->name,
				    "'%s' is not a file mode (octal, 0 to 0777, e.g. 0660)", value);
		*(int *)field = (int)m;
		return 1;
	}
	case K_SYNC:
		if (strcmp(value, "full") == 0)
			*(enum store_sync *)field = SYNC_FULL;
		else if (strcmp(value, "none") == 0)
			*(enum store_sync *)field = SYNC_NONE;
		else
			return fail(ps, k->section, k->name, "'%s': expected full or none", value);
		return 1;
	}
	return fail(ps, k->section, k->name, "unhandled key type");
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct parse_state *ps = user;
	struct key dl = {.section = section, .name = name, .type = K_DEADLINE};
	int k;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].name, name) == 0)
			return set_key(ps, &keys[i], value);
	/* every kind but retention ([retention] closed_case) is a [deadlines] key */
	if (strcmp(section, "deadlines") == 0 && (k = config_dl_parse(name, strlen(name))) >= 0 &&
	    k != DL_RETENTION)
		return set_deadline(ps, &dl, value, &ps->cfg->deadline[k]);
	return fail(ps, section, name, "unknown key (check its spelling and section)");
}

static void set_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	strcpy(cfg->state_dir, "/var/lib/integrityd");
	strcpy(cfg->intake_endpoint, "ipc:///run/integrityd/intake.sock");
	strcpy(cfg->notify_endpoint, "ipc:///run/integrityd/notify.sock");
	strcpy(cfg->control_endpoint, "ipc:///run/integrityd/control.sock");
	cfg->max_message_bytes = 65536;
	cfg->clock_skew_ms = 300 * MS_PER_S;
	cfg->batch_max = 1024;
	cfg->map_size = 1ull << 30;
	cfg->map_max = 64ull << 30;
	cfg->sync = SYNC_FULL;
	memcpy(cfg->deadline, dl_defaults, sizeof(dl_defaults));
	cfg->reminders[0] = (struct duration){7 * MS_PER_DAY, DUR_MS};
	cfg->reminders[1] = (struct duration){1 * MS_PER_DAY, DUR_MS};
	cfg->n_reminders = 2;
	cfg->escalation_interval = (struct duration){7 * MS_PER_DAY, DUR_MS};
	strcpy(cfg->vetting_review_required, "MV,SC,DV");
	cfg->intake_perm.mode = cfg->notify_perm.mode = cfg->control_perm.mode = -1;
}

static const char *const sections[] = {"daemon",  "intake",    "notify",     "control",
				       "store",   "deadlines", "escalation", "retention",
				       "vetting", "security"};

static void check_section(struct parse_state *ps, const char *line)
{
	const char *p = line + strspn(line, " \t");
	size_t n;

	if (*p != '[')
		return;
	n = strcspn(++p, "]");
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if (strlen(sections[i]) == n && strncmp(sections[i], p, n) == 0)
			return;
	if (!ps->err_line) {
		snprintf(ps->err, CONFIG_ERR_MAX, "[%.*s]: unknown section", (int)(n > 64 ? 64 : n),
			 p);
		ps->err_line = ps->line;
	}
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
		if (!ps->err_line) {
			snprintf(ps->err, CONFIG_ERR_MAX, "line longer than %d bytes", num - 2);
			ps->err_line = ps->line;
		}
		snprintf(str, num, "; (cut)\n"); /* inih skips it; the error stands */
		return str;
	}
	check_section(ps, str);
	return str;
}

/* The line where [section] name was set; 0 when it was not. */
static int key_line(const struct parse_state *ps, const char *section, const char *name)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].name, name) == 0)
			return ps->key_line[i];
	return 0;
}

/* An error about [section] name found once the whole file is read, at the line of the key
 * at_name of the same section (name itself, or for a missing key the one that needs it). */
static int fail_at(struct parse_state *ps, const char *section, const char *name,
		   const char *at_name, const char *what)
{
	ps->line = key_line(ps, section, at_name);
	fail(ps, section, name, "%s", what);
	return -1;
}

/* The settings that depend on each other (PROTOCOL.md "Security settings"), once the whole
 * file is read: both CURVE keys or neither; without them, tcp:// on loopback only; a
 * retiring seal key only beside a current one. Returns 0, or -1 with the error set. */
static int check_security(struct parse_state *ps)
{
	static const char *const sec[] = {"intake", "notify", "control"};
	static const char pair[] = "missing: set both curve_public_key and curve_secret_key, or "
				   "neither";
	const struct config *cfg = ps->cfg;
	const char *lists[] = {cfg->intake_endpoint, cfg->notify_endpoint, cfg->control_endpoint};
	char ep[CONFIG_ENDPOINTS_MAX], what[CONFIG_ERR_MAX];

	if (*cfg->curve_public_key && !*cfg->curve_secret_key)
		return fail_at(ps, "security", "curve_secret_key", "curve_public_key", pair);
	if (*cfg->curve_secret_key && !*cfg->curve_public_key)
		return fail_at(ps, "security", "curve_public_key", "curve_secret_key", pair);
	if (*cfg->seal_key_previous && !*cfg->seal_key)
		return fail_at(ps, "security", "seal_key_previous", "seal_key_previous",
			       "set only beside seal_key (the key that replaces it)");
	if (*cfg->curve_secret_key && !*cfg->clients)
		return fail_at(ps, "security", "clients", "curve_secret_key",
			       "missing: with CURVE keys, the clients file names the keys that "
			       "may connect (none may without it)");
	if (*cfg->curve_secret_key)
		return 0;
	for (int i = 0; i < 3; i++) {
		if (!find_public_tcp(lists[i], ep, sizeof(ep)))
			continue;
		snprintf(what, sizeof(what),
			 "'%.200s' is not on loopback; without CURVE keys ([security] "
			 "curve_secret_key) a tcp:// endpoint may only listen on 127.0.0.0/8 or "
			 "[::1]",
			 ep);
		return fail_at(ps, sec[i], "endpoint", "endpoint", what);
	}
	return 0;
}

/* Why owner, group and mode cannot apply to list's sockets, or NULL: an endpoint in Linux's
 * abstract namespace (ipc://@name) has no file, nor has a list with no ipc:// at all. */
static const char *perm_target_missing(const char *list)
{
	char buf[CONFIG_ENDPOINTS_MAX], *save = NULL, *ep;
	int files = 0;

	snprintf(buf, sizeof(buf), "%s", list);
	for (ep = strtok_r(buf, CONFIG_ENDPOINT_SEPS, &save); ep;
	     ep = strtok_r(NULL, CONFIG_ENDPOINT_SEPS, &save)) {
		if (strncmp(ep, "ipc://@", 7) == 0)
			return "an abstract socket (ipc://@) has no file to apply owner, group or "
			       "mode to";
		files += strncmp(ep, "ipc://", 6) == 0;
	}
	return files ? NULL
		     : "no ipc:// socket file to apply owner, group or mode to (who may use a "
		       "tcp:// endpoint is CURVE's and the clients file's to say)";
}

/* The socket files' owner, group and mode (proto/SPEC.md): a number that is no user or group
 * is refused at its line, as is any of them on a section with an abstract ipc://@ endpoint
 * or with no ipc:// endpoint, which have no file to apply them to. Names are looked up when the
 * socket is bound. Returns 0, or -1 with the error set. */
static int check_perms(struct parse_state *ps)
{
	static const char *const sec[] = {"intake", "notify", "control"};
	const struct config *cfg = ps->cfg;
	const char *lists[] = {cfg->intake_endpoint, cfg->notify_endpoint, cfg->control_endpoint};
	const struct sock_perm *perms[] = {&cfg->intake_perm, &cfg->notify_perm,
					   &cfg->control_perm};
	static const char *const names[] = {"owner", "group", "mode"};
	char what[CONFIG_ERR_MAX];
	const char *why;
	unsigned long id;

	for (int i = 0; i < 3; i++) {
		const struct sock_perm *p = perms[i];
		const char *ids[] = {p->owner, p->group};
		const bool set[] = {*p->owner != '\0', *p->group != '\0', p->mode >= 0};

		for (int j = 0; j < 2; j++) {
			if (!isdigit((unsigned char)*ids[j]) ||
			    config_parse_unix_id(ids[j], j == 1, &id) == 0)
				continue;
			snprintf(what, sizeof(what), "'%.64s' is not a %s number or name", ids[j],
				 j == 1 ? "group" : "user");
			return fail_at(ps, sec[i], names[j], names[j], what);
		}
		if (!(why = perm_target_missing(lists[i])))
			continue;
		for (int j = 0; j < 3; j++)
			if (set[j])
				return fail_at(ps, sec[i], names[j], names[j], why);
	}
	return 0;
}

/* The sections a reload applies (policy_load reads them; the rest is read at start). */
static bool reloaded_section(const char *section)
{
	static const char *const names[] = {"deadlines", "escalation", "retention", "vetting"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i], section) == 0)
			return true;
	return false;
}

static bool is_string(enum key_type t)
{
	return t == K_STR || t == K_ENDPOINTS || t == K_PATH || t == K_DATA || t == K_CRED;
}

size_t config_restart_changes(const struct config *a, const struct config *b, char *out, size_t len)
{
	size_t n = 0, used = 0;

	if (len)
		out[0] = '\0';
	for (size_t i = 0; i < N_KEYS; i++) {
		const struct key *k = &keys[i];
		const char *x = (const char *)a + k->offset, *y = (const char *)b + k->offset;

		if (reloaded_section(k->section) ||
		    (is_string(k->type) ? strcmp(x, y) == 0 : memcmp(x, y, k->size) == 0))
			continue;
		if (used < len)
			used += (size_t)snprintf(out + used, len - used, "%s[%s] %s", n ? ", " : "",
						 k->section, k->name);
		n++;
	}
	return n;
}

const char *config_where(const struct config *cfg, const char *section, const char *name,
			 char buf[CONFIG_WHERE_MAX])
{
	int line = 0;

	for (size_t i = 0; i < N_KEYS; i++)
		if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].name, name) == 0)
			line = cfg->key_line[i];
	if (line)
		snprintf(buf, CONFIG_WHERE_MAX, "%.200s:%d", cfg->path, line);
	else
		snprintf(buf, CONFIG_WHERE_MAX, "%.200s", cfg->path);
	return buf;
}

int config_load(struct config *cfg, const char *path, char errbuf[CONFIG_ERR_MAX])
{
	struct parse_state ps = {.cfg = cfg, .err = errbuf};
	char msg[CONFIG_ERR_MAX];
	int line;

	set_defaults(cfg);
	errbuf[0] = '\0';
	if (strlen(path) >= sizeof(cfg->path)) {
		snprintf(errbuf, CONFIG_ERR_MAX, "%.64s...: path too long", path);
		return -1;
	}
	strcpy(cfg->path, path);
	ps.f = fopen(path, "re");
	if (!ps.f) {
		snprintf(errbuf, CONFIG_ERR_MAX, "%s: %s", path, strerror(errno));
		return -1;
	}
	line = ini_parse_stream(read_line, &ps, on_key, &ps);
	fclose(ps.f);
	/* inih's own errors (a line that is not key = value) come without a message */
	if (line > 0 && (!ps.err_line || line < ps.err_line)) {
		ps.err_line = line;
		snprintf(errbuf, CONFIG_ERR_MAX, "not a key = value line");
	}
	if (ps.err_line) {
		snprintf(msg, sizeof(msg), "%s", errbuf);
		snprintf(errbuf, CONFIG_ERR_MAX, "%.200s:%d: %.300s", path, ps.err_line, msg);
		return -1;
	}
	if (line != 0) {
		snprintf(errbuf, CONFIG_ERR_MAX, "%.200s: cannot be read", path);
		return -1;
	}
	if (check_security(&ps) < 0 || check_perms(&ps) < 0) {
		snprintf(msg, sizeof(msg), "%s", errbuf);
		snprintf(errbuf, CONFIG_ERR_MAX, "%.200s:%d: %.300s", path, ps.err_line, msg);
		return -1;
	}
	memcpy(cfg->key_line, ps.key_line, sizeof(ps.key_line));
	/* a ceiling below the start is no ceiling: the map simply does not grow */
	if (cfg->map_max < cfg->map_size)
		cfg->map_max = cfg->map_size;
	return 0;
}
