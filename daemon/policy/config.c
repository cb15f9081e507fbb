#include "policy/configint.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#define MS_PER_S   1000ull
#define MS_PER_DAY (86400ull * MS_PER_S)

static const char *const dl_names[DL_KINDS] = {
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
    [DL_PSD_CONSULTATION] = "psd_consultation",
    [DL_CR_ASSESSMENT] = "cr_assessment",
    [DL_DEVELOPMENT_REVIEW] = "development_review",
    [DL_IOPC_REFERRAL] = "iopc_referral",
    [DL_CR_INVESTIGATION] = "cr_investigation",
    [DL_WR_ASSESSMENT] = "wr_assessment",
    [DL_MANAGEMENT_ACTION] = "management_action",
    [DL_WR_INVESTIGATION] = "wr_investigation",
    [DL_REPORTER_UPDATE] = "reporter_update",
    [DL_GIFT_APPROVAL] = "gift_approval",
    [DL_GIFT_RETURN] = "gift_return",
    [DL_GIFT_REVIEW] = "gift_review",
    [DL_GIFT_CONCERN] = "gift_concern",
    [DL_HR_ASSESSMENT] = "hr_assessment",
    [DL_PSD_CHECK] = "psd_check",
    [DL_BI_DECISION] = "bi_decision",
    [DL_BI_APPEAL_WINDOW] = "bi_appeal_window",
    [DL_BI_APPEAL_DECISION] = "bi_appeal_decision",
    [DL_BI_ANNUAL_REVIEW] = "bi_annual_review",
};
_Static_assert(sizeof(dl_names) / sizeof(dl_names[0]) == DL_KINDS, "dl_names");

/* WORKFLOW.md "Deadlines" and REGISTERS.md, the default column. */
static const struct duration dl_defaults[DL_KINDS] = {
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
    [DL_PSD_CONSULTATION] = {2, DUR_WD},
    [DL_CR_ASSESSMENT] = {28 * MS_PER_DAY, DUR_MS},
    [DL_DEVELOPMENT_REVIEW] = {3, DUR_MO},
    [DL_IOPC_REFERRAL] = {1, DUR_WD}, /* force policy: the IOPC's statutory guidance */
    [DL_CR_INVESTIGATION] = {12, DUR_MO},
    [DL_WR_ASSESSMENT] = {28 * MS_PER_DAY, DUR_MS},
    [DL_MANAGEMENT_ACTION] = {28 * MS_PER_DAY, DUR_MS},
    [DL_WR_INVESTIGATION] = {12, DUR_MO},
    [DL_REPORTER_UPDATE] = {28 * MS_PER_DAY, DUR_MS},
    [DL_GIFT_APPROVAL] = {7 * MS_PER_DAY, DUR_MS},
    [DL_GIFT_RETURN] = {14 * MS_PER_DAY, DUR_MS},
    [DL_GIFT_REVIEW] = {28 * MS_PER_DAY, DUR_MS},
    [DL_GIFT_CONCERN] = {28 * MS_PER_DAY, DUR_MS},
    [DL_HR_ASSESSMENT] = {14 * MS_PER_DAY, DUR_MS},
    [DL_PSD_CHECK] = {14 * MS_PER_DAY, DUR_MS},
    [DL_BI_DECISION] = {28 * MS_PER_DAY, DUR_MS},
    [DL_BI_APPEAL_WINDOW] = {10, DUR_WD}, /* force policy */
    [DL_BI_APPEAL_DECISION] = {28 * MS_PER_DAY, DUR_MS},
    [DL_BI_ANNUAL_REVIEW] = {12, DUR_MO},
};

const char *config_dl_name(enum dl_kind k)
{
	return (unsigned)k < DL_KINDS ? dl_names[k] : "?";
}

int config_dl_parse(const char *s, size_t len)
{
	return proto_name_index(dl_names, DL_KINDS, s, len);
}

int configx_fail(struct parse_state *ps, const char *section, const char *name, const char *fmt,
		 ...)
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
int configx_check_endpoints(struct parse_state *ps, const struct key *k, const char *list)
{
	char buf[CONFIG_ENDPOINTS_MAX], *save = NULL, *ep;
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", list);
	for (ep = strtok_r(buf, CONFIG_ENDPOINT_SEPS, &save); ep;
	     ep = strtok_r(NULL, CONFIG_ENDPOINT_SEPS, &save), n++) {
		if (strncmp(ep, "ipc://", 6) == 0)
			continue;
		if (strncmp(ep, "tcp://", 6) != 0)
			return configx_fail(ps, k->section, k->name,
					    "'%s': only ipc:// and tcp:// endpoints are supported",
					    ep);
	}
	if (n == 0)
		return configx_fail(ps, k->section, k->name, "needs at least one endpoint");
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

static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct parse_state *ps = user;
	struct key dl = {.section = section, .name = name, .type = K_DEADLINE};
	int k;

	for (size_t i = 0; i < sizeof(configx_keys) / sizeof(configx_keys[0]); i++)
		if (strcmp(configx_keys[i].section, section) == 0 &&
		    strcmp(configx_keys[i].name, name) == 0)
			return configx_set_key(ps, &configx_keys[i], value);
	/* every kind but retention ([retention] closed_case) is a [deadlines] key */
	if (strcmp(section, "deadlines") == 0 && (k = config_dl_parse(name, strlen(name))) >= 0 &&
	    k != DL_RETENTION)
		return configx_set_deadline(ps, &dl, value, &ps->cfg->deadline[k]);
	return configx_fail(ps, section, name, "unknown key (check its spelling and section)");
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
	/* REGISTERS.md "The reporter's channel": GlobaLeaks' expiry; the look-up limit */
	cfg->channel_after_close = (struct duration){90 * MS_PER_DAY, DUR_MS};
	cfg->token_failures_per_minute = 30;
	cfg->checkpoint_every_ms = MS_PER_DAY;
	/* REGISTERS.md "Management data": small counts could identify a person */
	cfg->suppress_below = 5;
	/* REGISTERS.md "Gifts and hospitality", "Procurement awards": force policy */
	cfg->gifts_approval_threshold = 2500;
	cfg->gifts_declare_within = (struct duration){28 * MS_PER_DAY, DUR_MS};
	cfg->gifts_procurement_lookback = (struct duration){12, DUR_MO};
	strcpy(cfg->vetting_review_required, "MV,SC,DV");
	cfg->intake_perm.mode = cfg->notify_perm.mode = cfg->control_perm.mode = -1;
}

static const char *const sections[] = {"daemon",  "intake",    "notify",     "control",
				       "store",   "deadlines", "escalation", "retention",
				       "vetting", "security",  "reports",
				       "audit",   "gifts"};

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
	for (size_t i = 0; i < CONFIGX_N_KEYS; i++)
		if (strcmp(configx_keys[i].section, section) == 0 &&
		    strcmp(configx_keys[i].name, name) == 0)
			return ps->key_line[i];
	return 0;
}

/* An error about [section] name found once the whole file is read, at the line of the key
 * at_name of the same section (name itself, or for a missing key the one that needs it). */
static int fail_at(struct parse_state *ps, const char *section, const char *name,
		   const char *at_name, const char *what)
{
	ps->line = key_line(ps, section, at_name);
	configx_fail(ps, section, name, "%s", what);
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
	static const char *const names[] = {"deadlines", "escalation", "retention", "vetting",
					    "reports",   "gifts"};

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
	for (size_t i = 0; i < CONFIGX_N_KEYS; i++) {
		const struct key *k = &configx_keys[i];
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

	for (size_t i = 0; i < CONFIGX_N_KEYS; i++)
		if (strcmp(configx_keys[i].section, section) == 0 &&
		    strcmp(configx_keys[i].name, name) == 0)
			line = cfg->key_line[i];
	if (line)
		snprintf(buf, CONFIG_WHERE_MAX, "%.200s:%d", cfg->path, line);
	else
		snprintf(buf, CONFIG_WHERE_MAX, "%.200s", cfg->path);
	return buf;
}

_Static_assert(CONFIGX_N_KEYS <= CONFIG_KEYS_MAX, "CONFIG_KEYS_MAX: room for every key's line");

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
