/* wfinv: see wfinv.h. */
#include "wfinv.h"

#include <stdarg.h>
#include <stdio.h>

#include "policy/policy.h"

static int broken(char *why, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int broken(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -1;
}

#define RULE(cond, ...)                                                                            \
	do {                                                                                       \
		if (!(cond))                                                                       \
			return broken(why, len, __VA_ARGS__);                                      \
	} while (0)

static int closed_rules(const struct wf_case *c, const bool live[DL_KINDS], char *why, size_t len)
{
	for (int k = 0; k < DL_KINDS; k++)
		RULE(k == DL_RETENTION || !live[k], "%s: closed with a live %s deadline", c->ref,
		     config_dl_name(k));
	RULE(live[DL_RETENTION] != !!(c->flags & WFC_DISPOSED),
	     "%s: closed, %s, with%s a live retention deadline", c->ref,
	     c->flags & WFC_DISPOSED ? "disposed" : "not disposed",
	     live[DL_RETENTION] ? "" : "out");
	RULE(c->vetting.status != TASK_OPEN, "%s: closed with an open vetting task", c->ref);
	RULE(!(c->flags & WFC_ESCALATE), "%s: closed and awaiting assignment", c->ref);
	RULE(c->closed_reason.len > 0, "%s: closed with no reason", c->ref);
	return 0;
}

/* The rules of WORKFLOW.md that only a notifiable association has. */
static int na_rules(const struct wf_case *c, const bool live[DL_KINDS], const char *st, char *why,
		    size_t len)
{
	/* review.requested opens it in conditions_active, the only state review.completed may
	 * meet it in: leaving another way cancels it */
	RULE(!live[DL_REVIEW] || c->state == WF_CONDITIONS_ACTIVE, "%s: review live in %s", c->ref,
	     st);
	RULE(live[DL_VETTING_REVIEW] == (c->vetting.status == TASK_OPEN && !c->vetting.optional),
	     "%s: vetting_review %slive, task status %d%s", c->ref,
	     live[DL_VETTING_REVIEW] ? "" : "not ", c->vetting.status,
	     c->vetting.optional ? " (optional)" : "");
	RULE(!(c->flags & WFC_ESCALATE) || c->state == WF_REFERRED_TO_AA,
	     "%s: awaiting assignment in %s", c->ref, st);
	if (WF_BIT(c->state) & WF_CONDITIONS_IN_FORCE)
		RULE(c->conditions != NULL, "%s: %s with no conditions", c->ref, st);
	return 0;
}

/* REGISTERS.md "Business interests": the appeal window runs only on a decision that may still
 * be appealed (a refusal, or an approval with conditions), once; an appeal is pending only
 * under_appeal, and an appealed decision has no window left. */
static int bi_rules(const struct wf_case *c, const bool live[DL_KINDS], const char *st, char *why,
		    size_t len)
{
	const msgpack_object *conds = wf_part_get(c, "conditions");
	int state = (int)c->state;

	if (live[DL_BI_APPEAL_WINDOW]) {
		RULE(state == BI_REFUSED || state == BI_APPROVED, "%s: bi_appeal_window live in %s",
		     c->ref, st);
		RULE(!(c->flags & WFC_APPEALED), "%s: appealed with bi_appeal_window live", c->ref);
		RULE(state != BI_APPROVED || (conds && conds->type == MSGPACK_OBJECT_ARRAY),
		     "%s: bi_appeal_window live on an approval without conditions", c->ref);
	}
	RULE(state != BI_UNDER_APPEAL || (c->flags & WFC_APPEALED),
	     "%s: under_appeal with no appeal marked", c->ref);
	return 0;
}

/* The kind's parts that retention must clear (its outcomes stay). */
static bool personal_parts(const struct wf_case *c)
{
	for (uint32_t i = 0; i < c->n_parts; i++)
		if (!c->parts[i].outcome)
			return true;
	return false;
}

int wfinv_case(const struct wf_case *c, const bool live[DL_KINDS], char *why, size_t len)
{
	const struct wf_states *ks = wf_states_of(c->kind);
	const char *st;

	RULE(ks != NULL, "%s: kind %d", c->ref, c->kind);
	RULE(c->state > 0 && (uint32_t)c->state < ks->n, "%s: state %d", c->ref, c->state);
	st = wf_kind_state_name(c->kind, (int)c->state);
	if ((int)c->state == ks->closed) {
		if (closed_rules(c, live, why, len) < 0)
			return -1;
	} else {
		RULE(!(c->flags & WFC_DISPOSED), "%s: disposed in state %s", c->ref, st);
		RULE(!live[DL_RETENTION], "%s: retention live in state %s", c->ref, st);
	}
	if (c->flags & WFC_DISPOSED)
		RULE(c->subject == NULL && c->associate == NULL && c->subject_id.len == 0 &&
			 !personal_parts(c) && c->token.len == 0 && c->thread == NULL,
		     "%s: disposed but keeps personal data", c->ref);
	for (int k = 0; k < DL_KINDS; k++) {
		const struct dl_rule *rule = policy_dl_rule(k);
		bool here = policy_dl_opens_on(k, c->kind, (int)c->state);

		if (k == DL_RETENTION)
			continue;
		/* a deadline opened by entering a state is met when the case leaves it, and no
		 * kind's deadline runs on another kind's case */
		if (live[k] && rule->opens_on != 0)
			RULE(here, "%s: %s live in state %s", c->ref, config_dl_name(k), st);
		if (live[k] && rule->case_kind != KIND_NONE)
			RULE(rule->case_kind == c->kind, "%s: %s live on a %s case", c->ref,
			     config_dl_name(k), proto_kind_prefix(c->kind));
		/* and while in it, one that breaches stays live until it is met */
		if (here && rule->at_due == DLA_BREACH)
			RULE(live[k], "%s: in %s without its %s deadline", c->ref, st,
			     config_dl_name(k));
	}
	/* the reporter hears back while the case is open: reporter_update runs on every case
	 * with a channel (REGISTERS.md) */
	if ((int)c->state != ks->closed)
		RULE(live[DL_REPORTER_UPDATE] ==
			 (c->origin == ORIGIN_ANONYMOUS || c->reporter_role != ROLE_NONE),
		     "%s: reporter_update %slive in %s", c->ref,
		     live[DL_REPORTER_UPDATE] ? "" : "not ", st);
	if (c->kind == KIND_BI)
		return bi_rules(c, live, st, why, len);
	return c->kind == KIND_NA ? na_rules(c, live, st, why, len) : 0;
}
