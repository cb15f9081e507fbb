#include "policy/policy.h"

#include <assert.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "bodyparts.h" /* proto_vetting_levels: the levels a subject's `vetting` may hold */

/* ---- the rules: WORKFLOW.md "Deadlines", one row per kind, in its order ---------------- */

#define REMIND    true
#define NO_REMIND false

/* clang-format off */
static const struct dl_rule rules[DL_KINDS] = {
/*   kind                     opens on entering             owner              at due time        reminders  clause
 *   (each row's case kind, after its clause, is the notifiable association's but for retention's) */
    {DL_MANAGER_REVIEW,       WF_AWAITING_MANAGER_REVIEW,   ROLE_LINE_MANAGER, DLA_BREACH,        REMIND,
     "WMP policy statements: \"manager comments and any advice/mitigation should be recorded\"", KIND_NA},
    {DL_PSD_ASSESSMENT,       WF_AWAITING_ASSESSMENT,       ROLE_PSD,          DLA_BREACH,        REMIND,
     "P01c 3.18 \"an initial assessment will be made\"; WMP investigation and interviews", KIND_NA},
    {DL_INTERVIEW,            WF_AWAITING_INTERVIEW,        ROLE_PSD,          DLA_BREACH,        REMIND,
     "WMP investigation and interviews: \"a formal interview may be required\"", KIND_NA},
    {DL_MITIGATION_PROPOSAL,  WF_AWAITING_MITIGATION,       ROLE_PSD,          DLA_BREACH,        REMIND,
     "WMP managing the risk: \"simple mitigation can be agreed\"", KIND_NA},
    {DL_MITIGATION_RESPONSE,  WF_MITIGATION_PROPOSED,       ROLE_SUBJECT,      DLA_REFER_AA,      REMIND,
     "WMP managing the risk: \"where mitigation cannot be agreed, the matter will be referred "
     "to a PSD AA\"", KIND_NA},
    {DL_AA_APPROVAL,          WF_AWAITING_AA_APPROVAL,      ROLE_AA,           DLA_BREACH,        REMIND,
     "WMP managing the risk: \"all voluntary/agreed mitigation will require the approval of a "
     "PSD AA\"", KIND_NA},
    {DL_REPRESENTATIONS,      WF_REFERRED_TO_AA,            ROLE_SUBJECT,      DLA_WINDOW,        REMIND,
     "WMP managing the risk: \"the PSD AA will allow the officer/staff member and/or police "
     "friend to make representations\"", KIND_NA},
    {DL_AA_DETERMINATION,     WF_REFERRED_TO_AA,            ROLE_AA,           DLA_BREACH,        REMIND,
     "WMP managing the risk: \"the PSD AA will decide if the notifiable association presents "
     "a risk\"", KIND_NA},
    {DL_SERVICE,              WF_AWAITING_SERVICE,          ROLE_PSD,          DLA_BREACH,        REMIND,
     "WMP managing the risk: \"provided with the conditions in writing, any relevant review "
     "period and the right to appeal\"", KIND_NA},
    {DL_APPEAL_WINDOW,        WF_APPEAL_WINDOW,             ROLE_SUBJECT,      DLA_APPEAL_CLOSES, REMIND,
     "WMP appeals: \"within 14 days from receipt of the determination\"", KIND_NA},
    {DL_STRATEGY_MEETING,     WF_UNDER_APPEAL,              ROLE_HEAD_OF_PSD,  DLA_BREACH,        REMIND,
     "WMP appeals: \"within 28 days of receipt of the appeal ... a strategy meeting\"", KIND_NA},
    {DL_APPEAL_DECISION,      WF_AWAITING_APPEAL_DECISION,  ROLE_HEAD_OF_PSD,  DLA_BREACH,        REMIND,
     "WMP appeals: \"appeal decisions will be communicated within 14 days following the "
     "strategy meeting\"", KIND_NA},
    {DL_ANNUAL_REVIEW,        WF_CONDITIONS_ACTIVE,         ROLE_AA,           DLA_BREACH,        REMIND,
     "WMP monitoring and review: \"an annual review of individual conditions will be carried "
     "out by a PSD AA\"", KIND_NA},
    {DL_REVIEW,               WF_NONE,                      ROLE_AA,           DLA_BREACH,        REMIND,
     "WMP monitoring and review: \"where the PSD AA believes there has been a significant "
     "change in circumstances\"", KIND_NA},
    {DL_VETTING_REVIEW,       WF_NONE,                      ROLE_VETTING,      DLA_BREACH,        REMIND,
     "WMP managing the risk: \"the vetting department will review the identified risk in line "
     "with Vetting APP\"", KIND_NA},
    {DL_RETENTION,            WF_CLOSED,                    ROLE_NONE,         DLA_DISPOSE,       NO_REMIND,
     "P01c 9.1: data held per the Records Review, Retention and Disposal policy", KIND_NONE},
/* REGISTERS.md "Corruption reports" */
    {DL_PSD_CONSULTATION,     CR_AWAITING_CONSULTATION,     ROLE_PSD,          DLA_BREACH,        REMIND,
     "P01b 3.6.2: a manager receiving a report \"must consult PSD\"", KIND_CR},
    {DL_CR_ASSESSMENT,        CR_AWAITING_ASSESSMENT,       ROLE_PSD,          DLA_BREACH,        REMIND,
     "P01b 3.2: every report graded and assessed for intelligence, prevention or detection",
     KIND_CR},
    {DL_DEVELOPMENT_REVIEW,   CR_UNDER_DEVELOPMENT,         ROLE_PSD,          DLA_BREACH,        REMIND,
     "P01b 3.2: intelligence under development is reviewed periodically", KIND_CR},
    {DL_IOPC_REFERRAL,        CR_NONE,                      ROLE_AA,           DLA_BREACH,        REMIND,
     "Police (Complaints and Misconduct) Regulations 2020 reg 7(1)(c): serious corruption is "
     "referred to the IOPC", KIND_CR},
    {DL_CR_INVESTIGATION,     CR_UNDER_INVESTIGATION,       ROLE_AA,           DLA_BREACH,        REMIND,
     "P01b 3.2 detection: the investigation of a corruption report", KIND_CR},
/* "Wrongdoing reports" */
    {DL_WR_ASSESSMENT,        WR_AWAITING_ASSESSMENT,       ROLE_PSD,          DLA_BREACH,        REMIND,
     "P01 3.4-3.5: PSD assesses every report of wrongdoing", KIND_WR},
    {DL_MANAGEMENT_ACTION,    WR_MANAGEMENT_ACTION,         ROLE_LINE_MANAGER, DLA_BREACH,        REMIND,
     "P01 3.6: management action on a report of wrongdoing", KIND_WR},
    {DL_WR_INVESTIGATION,     WR_UNDER_INVESTIGATION,       ROLE_AA,           DLA_BREACH,        REMIND,
     "Police (Conduct) Regulations 2020: the misconduct investigation of a report", KIND_WR},
/* "The reporter's channel": opened by the report, met and opened again by each reply */
    {DL_REPORTER_UPDATE,      0,                            ROLE_PSD,          DLA_BREACH,        REMIND,
     "P01 3.5, P01b 3.5.1: the reporter hears back at least every 28 days", KIND_NONE},
/* "Gifts and hospitality" */
    {DL_GIFT_APPROVAL,        GH_AWAITING_APPROVAL,         ROLE_LINE_MANAGER, DLA_BREACH,        REMIND,
     "HMIC 2012: an accepted offer above the threshold is approved by the line manager", KIND_GH},
    {DL_GIFT_RETURN,          GH_AWAITING_RETURN,           ROLE_SUBJECT,      DLA_BREACH,        REMIND,
     "HMIC 2012: a refused gift is returned", KIND_GH},
    {DL_GIFT_REVIEW,          GH_AWAITING_PSD_REVIEW,       ROLE_PSD,          DLA_BREACH,        REMIND,
     "HMIC 2012: \"a single electronic register ... checked regularly by PSD\"", KIND_GH},
    {DL_GIFT_CONCERN,         GH_CONCERN_RAISED,            ROLE_PSD,          DLA_BREACH,        REMIND,
     "HMIC 2012: a concern on the register is acted on by PSD", KIND_GH},
/* "Business interests and second jobs": the appeal window is opened by a refusal or by
 * conditions (business_interest.decided), not by a state */
    {DL_HR_ASSESSMENT,        BI_AWAITING_HR_ASSESSMENT,    ROLE_HR,           DLA_BREACH,        REMIND,
     "HMIC 2012: \"all requests ... assessed by HR\"", KIND_BI},
    {DL_PSD_CHECK,            BI_AWAITING_PSD_CHECK,        ROLE_PSD,          DLA_BREACH,        REMIND,
     "HMIC 2012: \"checks are also made by PSD on all applications\"", KIND_BI},
    {DL_BI_DECISION,          BI_AWAITING_DECISION,         ROLE_AA,           DLA_BREACH,        REMIND,
     "Police Regulations 2003 reg 8: the appropriate officer decides", KIND_BI},
    {DL_BI_APPEAL_WINDOW,     0,                            ROLE_SUBJECT,      DLA_APPEAL_CLOSES, REMIND,
     "Police Regulations 2003 reg 9: an appeal to the chief officer against a refusal or "
     "conditions", KIND_BI},
    {DL_BI_APPEAL_DECISION,   BI_UNDER_APPEAL,              ROLE_HEAD_OF_PSD,  DLA_BREACH,        REMIND,
     "Police Regulations 2003 reg 9: the chief officer decides the appeal", KIND_BI},
    {DL_BI_ANNUAL_REVIEW,     BI_APPROVED,                  ROLE_HR,           DLA_BREACH,        REMIND,
     "HMIC 2012: business interests \"reviewed annually\"", KIND_BI},
};
/* clang-format on */

struct duration policy_due(const struct policy *p, enum dl_kind k, enum proto_kind ck)
{
	if (k == DL_RETENTION && (unsigned)ck < KIND_COUNT && p->retention[ck].n)
		return p->retention[ck];
	return p->due[k];
}

const struct dl_rule *policy_dl_rule(enum dl_kind k)
{
	if ((unsigned)k >= DL_KINDS)
		return NULL;
	assert(rules[k].kind == k); /* the table is in enum dl_kind's order */
	return &rules[k];
}

bool policy_dl_opens_on(enum dl_kind k, enum proto_kind ck, int s)
{
	const struct dl_rule *r = policy_dl_rule(k);

	if (!r || r->opens_on == 0)
		return false;
	if (r->case_kind == KIND_NONE)
		return wf_kind_closed(ck, s);
	return r->case_kind == ck && s >= 0 && r->opens_on == (unsigned)s;
}

int policy_dl_parse(const char *s, size_t len)
{
	return config_dl_parse(s, len);
}

/* ---- comma lists ---------------------------------------------------------------------- */

struct item {
	const char *ptr;
	size_t len;
};

/* The next item of a comma list, blanks trimmed; *s moves past it. False at the end. */
static bool next_item(const char **s, struct item *ret)
{
	const char *p = *s, *end;

	if (!p)
		return false;
	end = strchr(p, ',');
	*s = end ? end + 1 : NULL;
	if (!end)
		end = p + strlen(p);
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	ret->ptr = p;
	ret->len = (size_t)(end - p);
	return true;
}

/* A list of only blanks is empty, not one empty item. */
static const char *list_start(const char *s)
{
	return s[strspn(s, " \t")] ? s : NULL;
}

static bool has_control_byte(struct item it)
{
	for (size_t i = 0; i < it.len; i++)
		if ((unsigned char)it.ptr[i] < 0x20 || it.ptr[i] == 0x7f)
			return true;
	return false;
}

/* Checks the next item of either list against the names kept so far (n_names of them, stride
 * bytes apart): it must not be empty or repeat one. Returns 0, or -1 with err set. */
static int check_item(struct item it, const char *names, size_t stride, size_t n_names,
		      const char *key, char err[CONFIG_ERR_MAX])
{
	if (it.len == 0) {
		snprintf(err, CONFIG_ERR_MAX, "%s: item %zu is empty", key, n_names + 1);
		return -1;
	}
	for (size_t i = 0; i < n_names; i++) {
		const char *name = names + i * stride;

		if (strlen(name) == it.len && memcmp(name, it.ptr, it.len) == 0) {
			snprintf(err, CONFIG_ERR_MAX, "%s: '%.*s' is listed twice", key,
				 (int)it.len, it.ptr);
			return -1;
		}
	}
	return 0;
}

/* ---- [escalation] aa_roster ------------------------------------------------------------ */

static int load_roster(struct policy *p, const char *list, char err[CONFIG_ERR_MAX])
{
	static const char key[] = "[escalation] aa_roster";
	const char *s = list_start(list);
	struct item it;

	while (next_item(&s, &it)) {
		if (check_item(it, p->aa[0], sizeof(p->aa[0]), p->n_aa, key, err) < 0)
			return -1;
		if (p->n_aa == POLICY_AA_MAX) {
			snprintf(err, CONFIG_ERR_MAX, "%s: at most %d names", key, POLICY_AA_MAX);
			return -1;
		}
		if (it.len > POLICY_AA_NAME_MAX || has_control_byte(it)) {
			snprintf(err, CONFIG_ERR_MAX,
				 "%s: item %zu is not a name (at most %d bytes, no control "
				 "characters)",
				 key, p->n_aa + 1, POLICY_AA_NAME_MAX);
			return -1;
		}
		memcpy(p->aa[p->n_aa], it.ptr, it.len);
		p->aa[p->n_aa++][it.len] = '\0';
	}
	return 0;
}

/* ---- [vetting] review_required ---------------------------------------------------------- */

static bool is_vetting_level(struct item it)
{
	return proto_name_index(proto_vetting_levels, INT_MAX, it.ptr, it.len) >= 0;
}

static int load_vetting(struct policy *p, const char *list, char err[CONFIG_ERR_MAX])
{
	static const char key[] = "[vetting] review_required";
	const char *s = list_start(list);
	struct item it;

	while (next_item(&s, &it)) {
		if (check_item(it, p->vetting_review[0], sizeof(p->vetting_review[0]),
			       p->n_vetting_review, key, err) < 0)
			return -1;
		if (!is_vetting_level(it) || p->n_vetting_review == POLICY_VETTING_MAX ||
		    it.len >= sizeof(p->vetting_review[0])) {
			snprintf(err, CONFIG_ERR_MAX, "%s: '%.*s' is not a vetting level (one of",
				 key, (int)(it.len > 32 ? 32 : it.len), it.ptr);
			for (const char *const *v = proto_vetting_levels; *v; v++)
				snprintf(err + strlen(err), CONFIG_ERR_MAX - strlen(err), " %s",
					 *v);
			snprintf(err + strlen(err), CONFIG_ERR_MAX - strlen(err), ")");
			return -1;
		}
		memcpy(p->vetting_review[p->n_vetting_review], it.ptr, it.len);
		p->vetting_review[p->n_vetting_review++][it.len] = '\0';
	}
	return 0;
}

bool policy_vetting_review(const struct policy *p, struct proto_str level)
{
	for (size_t i = 0; i < p->n_vetting_review; i++)
		if (level.len && proto_str_eq(level, p->vetting_review[i]))
			return true;
	return false;
}

/* ---- [deadlines] reminders, escalation_interval ----------------------------------------- */

/* Units without a fixed length are ordered by their mean length in the Gregorian calendar
 * (a working day as 7/5 of a day, ignoring holidays): only the order of reminders uses it. */
static double nominal_days(struct duration d)
{
	static const double days_per[] = {
	    [DUR_MS] = 1.0 / 86400000.0,
	    [DUR_WD] = 7.0 / 5.0,
	    [DUR_MO] = 365.2425 / 12.0,
	    [DUR_Y] = 365.2425,
	};

	return (double)d.n * days_per[d.unit];
}

static int load_reminders(struct policy *p, const struct config *cfg, char err[CONFIG_ERR_MAX])
{
	static const char key[] = "[deadlines] reminders";

	for (size_t i = 0; i < cfg->n_reminders; i++) {
		struct duration d = cfg->reminders[i];
		size_t j = p->n_reminders;

		if (d.n == 0) {
			snprintf(err, CONFIG_ERR_MAX, "%s: item %zu is 0, not before the due time",
				 key, i + 1);
			return -1;
		}
		for (size_t k = 0; k < j; k++)
			if (p->reminders[k].n == d.n && p->reminders[k].unit == d.unit) {
				snprintf(err, CONFIG_ERR_MAX, "%s: item %zu is listed twice", key,
					 i + 1);
				return -1;
			}
		/* insertion: longest first */
		for (; j > 0 && nominal_days(p->reminders[j - 1]) < nominal_days(d); j--)
			p->reminders[j] = p->reminders[j - 1];
		p->reminders[j] = d;
		p->n_reminders++;
	}
	return 0;
}

static int load_escalation(struct policy *p, const struct config *cfg, char err[CONFIG_ERR_MAX])
{
	if (cfg->escalation_interval.n == 0) {
		/* a zero interval would escalate a breached deadline endlessly at once */
		snprintf(err, CONFIG_ERR_MAX,
			 "[deadlines] escalation_interval: must be longer "
			 "than 0");
		return -1;
	}
	p->escalation_interval = cfg->escalation_interval;
	return 0;
}

/* ---- policy_load ------------------------------------------------------------------------ */

/* msg, about [section] name, prefixed with the file and the line that set it. */
static int fail_key(const struct config *cfg, const char *section, const char *name,
		    const char *msg, char err[CONFIG_ERR_MAX])
{
	char where[CONFIG_WHERE_MAX];

	snprintf(err, CONFIG_ERR_MAX, "%s: %.400s", config_where(cfg, section, name, where), msg);
	return -1;
}

int policy_load(struct policy *p, const struct config *cfg, char err[CONFIG_ERR_MAX])
{
	struct policy np = {0};
	char msg[CONFIG_ERR_MAX], cal[CAL_ERR_MAX];

	err[0] = '\0';
	memcpy(np.due, cfg->deadline, sizeof(np.due));
	for (int k = 0; k < KIND_COUNT; k++)
		np.retention[k] =
		    cfg->retention[k].n ? cfg->retention[k] : cfg->deadline[DL_RETENTION];
	np.channel_after_close = cfg->channel_after_close;
	np.token_failures_per_minute = cfg->token_failures_per_minute;
	np.suppress_below = cfg->suppress_below;
	np.gifts_approval_threshold = cfg->gifts_approval_threshold;
	np.gifts_declare_within = cfg->gifts_declare_within;
	np.gifts_procurement_lookback = cfg->gifts_procurement_lookback;
	if (load_reminders(&np, cfg, msg) < 0)
		return fail_key(cfg, "deadlines", "reminders", msg, err);
	if (load_escalation(&np, cfg, msg) < 0)
		return fail_key(cfg, "deadlines", "escalation_interval", msg, err);
	if (load_roster(&np, cfg->aa_roster, msg) < 0)
		return fail_key(cfg, "escalation", "aa_roster", msg, err);
	if (load_vetting(&np, cfg->vetting_review_required, msg) < 0)
		return fail_key(cfg, "vetting", "review_required", msg, err);
	/* the holiday file's own errors name its line too: "conf:LINE: ...: hols:LINE: ..." */
	if (cal_load(&np.cal, cfg->holidays, cal) < 0) {
		snprintf(msg, sizeof(msg), "[deadlines] holidays: %.400s", cal);
		return fail_key(cfg, "deadlines", "holidays", msg, err);
	}
	*p = np;
	return 0;
}

void policy_free(struct policy *p)
{
	cal_free(&p->cal);
	*p = (struct policy){0};
}

static void fp_duration(crypto_generichash_state *h, struct duration d)
{
	uint8_t b[9];

	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(d.n >> (8 * i));
	b[8] = (uint8_t)d.unit;
	crypto_generichash_update(h, b, sizeof(b));
}

uint64_t policy_timer_fingerprint(const struct policy *p)
{
	crypto_generichash_state h;
	uint8_t out[8];
	uint64_t fp = 0;

	crypto_generichash_init(&h, NULL, 0, sizeof(out));
	/* the lists' lengths first, so that no two different settings hash the same bytes */
	fp_duration(&h, (struct duration){.n = p->n_reminders, .unit = DUR_MS});
	fp_duration(&h, (struct duration){.n = p->cal.n, .unit = DUR_MS});
	for (size_t i = 0; i < p->n_reminders; i++)
		fp_duration(&h, p->reminders[i]);
	fp_duration(&h, p->escalation_interval);
	for (size_t i = 0; i < p->cal.n; i++) {
		uint8_t b[4];

		for (int j = 0; j < 4; j++)
			b[j] = (uint8_t)((uint32_t)p->cal.holidays[i] >> (8 * j));
		crypto_generichash_update(&h, b, sizeof(b));
	}
	crypto_generichash_final(&h, out, sizeof(out));
	for (int i = 0; i < 8; i++)
		fp = fp << 8 | out[i];
	return fp | 1; /* never 0: a store that never recorded one reads 0 */
}
