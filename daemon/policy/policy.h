/* policy: the deadline rules of WORKFLOW.md "Deadlines" as table rows (which state opens each
 * kind, who owns it, what happens at its due time), and the settings the engine reads,
 * built from the config. The reactor owns one policy and swaps it whole on SIGHUP; only the
 * reactor thread reads it. */
#ifndef POLICY_H
#define POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/cal.h"
#include "policy/config.h"
#include "proto.h"
#include "policy/wfstate.h"

/* What happens when a deadline falls due. */
enum dl_action {
	DLA_BREACH,        /* deadline.breached to the owner, then escalations */
	DLA_REFER_AA,      /* mitigation_response: taken as not agreed, referred to the AA */
	DLA_WINDOW,        /* representations: the window closes, the AA may determine */
	DLA_APPEAL_CLOSES, /* appeal_window: the case goes to conditions_active */
	DLA_DISPOSE,       /* retention: the case's personal data is destroyed */
};

/* A deadline kind's row: the case kind it belongs to and the state of that kind whose entry
 * opens it; who owns it and what happens at its due time. A row of KIND_NONE belongs to
 * every case kind (retention: it opens on entering the kind's closed state; reporter_update:
 * opened by an event). */
struct dl_rule {
	enum dl_kind kind;
	unsigned opens_on;     /* a state of case_kind's enum; 0 (its NONE): opened by an event */
	enum proto_role owner; /* ROLE_NONE: nobody (retention) */
	enum dl_action at_due;
	bool reminders; /* whether [deadlines] reminders apply */
	const char *clause;
	enum proto_kind case_kind; /* KIND_NONE: every kind */
};

/* The row for deadline kind k (every kind has one). */
const struct dl_rule *policy_dl_rule(enum dl_kind k);
/* How long deadline k runs on a case of kind ck: p->due[k], but for retention the kind's own
 * ([retention] CR = ...) when the policy has one. */
struct policy;
struct duration policy_due(const struct policy *p, enum dl_kind k, enum proto_kind ck);
/* Whether entering (and so leaving) state s of a case of kind ck opens (meets) deadline k. */
bool policy_dl_opens_on(enum dl_kind k, enum proto_kind ck, int s);
/* The kind named s (len bytes), or -1. */
int policy_dl_parse(const char *s, size_t len);

#define POLICY_AA_MAX      16 /* Appropriate Authorities in [escalation] aa_roster */
#define POLICY_AA_NAME_MAX 64
#define POLICY_VETTING_MAX 8

struct policy {
	struct duration due[DL_KINDS];         /* DL_RETENTION from [retention] closed_case */
	struct duration retention[KIND_COUNT]; /* [retention] KIND, else closed_case; {0} unset */
	struct duration channel_after_close;   /* [reports] */
	uint64_t token_failures_per_minute;
	uint64_t suppress_below; /* [reports]: management data */
	uint64_t gifts_approval_threshold;            /* [gifts]: pence */
	struct duration gifts_declare_within;         /* [gifts] */
	struct duration gifts_procurement_lookback;   /* [gifts] */
	struct duration reminders[CONFIG_LIST_MAX]; /* longest first */
	size_t n_reminders;
	struct duration escalation_interval;
	char aa[POLICY_AA_MAX][POLICY_AA_NAME_MAX + 1];
	size_t n_aa;
	char vetting_review[POLICY_VETTING_MAX][8]; /* [vetting] review_required: "MV", "SC", ... */
	size_t n_vetting_review;
	struct cal cal; /* working days: [deadlines] holidays */
};

/* Builds the policy from a loaded config (reading the holiday file). Returns 0, or -1 with
 * err set to "CONFIG: [section] key: ..." (for the holiday file, "CONFIG: [deadlines]
 * holidays: FILE:LINE: ...") and p untouched, so a failed SIGHUP reload keeps the running policy.
 * Refused besides what config_load refuses: a reminder of 0 or one listed twice, an
 * escalation_interval of 0, an empty, repeated, over-long or control-character AA name or more than
 * POLICY_AA_MAX, and a vetting level that is not one of proto_vetting_levels or is listed twice. */
int policy_load(struct policy *p, const struct config *cfg, char err[CONFIG_ERR_MAX]);
void policy_free(struct policy *p);

/* Whether a subject vetted at level (e.g. "SC") must have a vetting review when a risk is
 * identified; false for an unknown or absent level. */
bool policy_vetting_review(const struct policy *p, struct proto_str level);

/* A fingerprint of what places a live deadline's timers (the reminders, the escalation
 * interval, the holiday calendar), so that a start can tell whether the timers in the store
 * were set under other settings and must be replanned. Due times are stored, not in it. */
uint64_t policy_timer_fingerprint(const struct policy *p);

#endif
