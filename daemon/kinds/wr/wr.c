/* wr: a wrongdoing report's rows (see wr.h): a concern against the Standards of Professional
 * Behaviour, reported to a line manager or through the confidential mechanisms, perhaps
 * anonymously and perhaps naming nobody yet; assessed by PSD into management action, a
 * misconduct investigation, a counter-corruption case (which PSD then opens itself with
 * corruption.reported), or nothing; and marked when found made in bad faith, closed or not. */
#include "kinds/wr/wr.h"

#include "engine/wfint.h"

#define S(x) WF_BIT(WR_##x)

static void open_report(struct wfx *x)
{
	wfx_open(x);
	wfx_set_part(x, "standards", proto_map_get(x->ev->body, "standards"));
}

static void record_assessment(struct wfx *x)
{
	x->c->assessment = wfx_body_str(x, "outcome");
}

/* the outcome is the case's closing reason */
static void record_conclusion(struct wfx *x)
{
	wfx_set_outcome(x, "investigation", "outcome");
	x->c->closed_reason = wfx_body_str(x, "outcome");
}

/* 3.5 "unless ... malicious or otherwise made in bad faith" */
static void mark_bad_faith(struct wfx *x)
{
	x->c->flags |= WFC_BAD_FAITH;
}

#define ASSESSED(outcome, next, closes)                                                            \
	"assessment.recorded", "outcome", (outcome), S(AWAITING_ASSESSMENT), R(PSD), (next), 0,    \
	    NULL, NULL, record_assessment, (closes)

static const struct wf_rule rules[] = {
    /* 3.5: the confidential mechanisms; then nothing may say who sent it */
    {"wrongdoing.reported", "anonymous", NULL, S(NONE), R(NONE), WR_AWAITING_ASSESSMENT,
     ORIGIN_ANONYMOUS, NULL, NULL, open_report, NULL},
    /* 3.4: to the line manager, or as a reporter */
    {"wrongdoing.reported", NULL, NULL, S(NONE), R(REPORTER) | R(LINE_MANAGER),
     WR_AWAITING_ASSESSMENT, ORIGIN_REFERRAL, NULL, NULL, open_report, NULL},
    {ASSESSED("no_further_action", WR_CLOSED, "no_further_action")},
    {ASSESSED("management_action", WR_MANAGEMENT_ACTION, NULL)},
    {ASSESSED("misconduct_investigation", WR_UNDER_INVESTIGATION, NULL)},
    /* PSD then opens the CR case itself, with corruption.reported (actor psd) */
    {ASSESSED("counter_corruption", WR_CLOSED, "counter_corruption")},
    {"action.completed", NULL, NULL, S(MANAGEMENT_ACTION), R(LINE_MANAGER) | R(PSD), WR_CLOSED, 0,
     NULL, NULL, NULL, "management_action"},
    {"investigation.concluded", NULL, NULL, S(UNDER_INVESTIGATION), R(AA), WR_CLOSED, 0, NULL, NULL,
     record_conclusion, NULL},
    /* "any state, closed included" */
    {"bad_faith.found", NULL, NULL, WF_KIND_OPEN | S(CLOSED), R(PSD) | R(AA), WF_SAME, 0, NULL,
     NULL, mark_bad_faith, NULL},
    {NULL, NULL, NULL, 0, 0, 0, 0, NULL, NULL, NULL, NULL},
};

static const struct wf_side sides[] = {
    /* 3.6 */
    {"wrongdoing.reported", NULL, NULL, "extremism", NULL, "prevent.referral"},
    {"assessment.recorded", "outcome", "misconduct_investigation", NULL, NULL,
     "misconduct.referral"},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};

const struct wf_kind wf_kind_wr = {
    .id = KIND_WR,
    .rules = rules,
    .sides = sides,
    .channel_named = true, /* REGISTERS.md: "every named CR or WR report" */
};
