/* cr: a corruption report's rows (see cr.h): reported by a manager, who must consult PSD, or
 * straight to PSD, anonymously or not; graded 3x5x2 and assessed; developed as intelligence
 * under periodic review, or investigated; referred to the IOPC when the corruption is
 * serious; concluded, with a misconduct referral when the outcome calls for one. */
#include "kinds/cr/cr.h"

#include "case/wfdeadline.h"
#include "engine/wfint.h"

#define S(x) WF_BIT(CR_##x)

/* ---- checks ---------------------------------------------------------------------------- */

/* reg 7(1)(c): "any open state with iopc_referral open" */
static int iopc_referral_open(const struct wfx *x, struct proto_error *err)
{
	if (wf_dl_find(x->c, DL_IOPC_REFERRAL))
		return 0;
	return wfx_refused(x, err,
			   "no IOPC referral is due (assessment.recorded with "
			   "mandatory_referral opens one)");
}

/* ---- actions ---------------------------------------------------------------------------- */

static void open_report(struct wfx *x)
{
	wfx_open(x);
	wfx_set_part(x, "allegation", proto_map_get(x->ev->body, "allegation"));
}

/* 3x5x2: the latest grading stands */
static void record_assessment(struct wfx *x)
{
	x->c->assessment = wfx_body_str(x, "outcome");
	wfx_set_part(x, "grading", proto_map_get(x->ev->body, "grading"));
}

static void record_development(struct wfx *x)
{
	wfx_set_outcome(x, "development", "outcome");
	wfx_set_part(x, "grading", proto_map_get(x->ev->body, "grading"));
}

static void record_iopc_referral(struct wfx *x)
{
	wfx_meet_kind(x, DL_IOPC_REFERRAL);
	wfx_set_part(x, "iopc_reference", proto_map_get(x->ev->body, "reference"));
}

/* the outcome is the case's closing reason */
static void record_conclusion(struct wfx *x)
{
	wfx_set_outcome(x, "investigation", "outcome");
	x->c->closed_reason = wfx_body_str(x, "outcome");
}

/* ---- the rules: REGISTERS.md "Corruption reports" ---------------------------------------- */

#define OPEN_REPORT(roles, next, origin)                                                           \
	"corruption.reported", NULL, NULL, S(NONE), (roles), (next), (origin), NULL, NULL,         \
	    open_report, NULL

static const struct wf_rule rules[] = {
    /* 3.5.1: the anonymous PSD email; then nothing may say who sent it */
    {"corruption.reported", "anonymous", NULL, S(NONE), R(NONE), CR_AWAITING_ASSESSMENT,
     ORIGIN_ANONYMOUS, NULL, NULL, open_report, NULL},
    /* 3.6.1, 3.6.2: a manager told of it "must consult PSD" */
    {OPEN_REPORT(R(LINE_MANAGER), CR_AWAITING_CONSULTATION, ORIGIN_REFERRAL)},
    /* 3.6.1: or to PSD directly */
    {OPEN_REPORT(R(REPORTER) | R(PSD), CR_AWAITING_ASSESSMENT, ORIGIN_REFERRAL)},
    /* 3.6.2: the investigative response agreed with the manager */
    {"consultation.recorded", NULL, NULL, S(AWAITING_CONSULTATION), R(PSD), CR_AWAITING_ASSESSMENT,
     0, NULL, NULL, NULL, NULL},
    /* 3.2: intelligence, prevention, detection */
    {"assessment.recorded", "outcome", "no_further_action", S(AWAITING_ASSESSMENT), R(PSD),
     CR_CLOSED, 0, NULL, NULL, record_assessment, "no_further_action"},
    {"assessment.recorded", "outcome", "intelligence_development", S(AWAITING_ASSESSMENT), R(PSD),
     CR_UNDER_DEVELOPMENT, 0, NULL, NULL, record_assessment, NULL},
    {"assessment.recorded", "outcome", "investigation", S(AWAITING_ASSESSMENT), R(PSD),
     CR_UNDER_INVESTIGATION, 0, NULL, NULL, record_assessment, NULL},
    /* intelligence development, reviewed: continue renews the review */
    {"development.reviewed", "outcome", "continue", S(UNDER_DEVELOPMENT), R(PSD),
     CR_UNDER_DEVELOPMENT, 0, NULL, NULL, record_development, NULL},
    {"development.reviewed", "outcome", "investigation", S(UNDER_DEVELOPMENT), R(PSD),
     CR_UNDER_INVESTIGATION, 0, NULL, NULL, record_development, NULL},
    {"development.reviewed", "outcome", "no_further_action", S(UNDER_DEVELOPMENT), R(PSD),
     CR_CLOSED, 0, NULL, NULL, record_development, "no_further_action"},
    /* Police (Complaints and Misconduct) Regulations 2020 reg 7(1)(c) */
    {"iopc.referred", NULL, NULL, WF_KIND_OPEN, R(AA) | R(PSD), WF_SAME, 0, NULL,
     iopc_referral_open, record_iopc_referral, NULL},
    {"investigation.concluded", NULL, NULL, S(UNDER_INVESTIGATION), R(AA), CR_CLOSED, 0, NULL, NULL,
     record_conclusion, NULL},
    {NULL, NULL, NULL, 0, 0, 0, 0, NULL, NULL, NULL, NULL},
};

/* ---- side effects ---------------------------------------------------------------------- */

/* "mandatory_referral -> iopc.referral_due to aa", with its deadline */
static void iopc_referral_due(struct wfx *x)
{
	wfx_open_kind(x, DL_IOPC_REFERRAL, x->ev->at);
	wfx_notify(x, "iopc.referral_due");
}

static const struct wf_side sides[] = {
    /* 3.3 */
    {"corruption.reported", "allegation", "extremism", NULL, NULL, "prevent.referral"},
    {"assessment.recorded", NULL, NULL, "mandatory_referral", iopc_referral_due, NULL},
    {"investigation.concluded", "outcome", "misconduct|gross_misconduct|criminal", NULL, NULL,
     "misconduct.referral"},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};

const struct wf_kind wf_kind_cr = {
    .id = KIND_CR,
    .rules = rules,
    .sides = sides,
    .channel_named = true, /* REGISTERS.md: "every named CR or WR report" */
};
