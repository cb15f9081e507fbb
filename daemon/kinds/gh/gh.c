/* gh: a gift or hospitality register entry's rows (see gh.h): every offer is declared,
 * accepted or declined; an accepted one above [gifts] approval_threshold awaits the line
 * manager's approval, and a refused one its return; PSD reviews every entry, raising an
 * integrity.flag on a concern. A declaration more than [gifts] declare_within after the offer
 * is accepted and marked late. */
#include "kinds/gh/gh.h"

#include <string.h>

#include "engine/wfint.h"

#define S(x)       WF_BIT(GH_##x)
#define MS_PER_DAY (86400000ull)

/* "YYYY-MM-DD" (checked by the codec) as ms since the epoch (Hinnant's days_from_civil). */
static uint64_t date_ms(struct proto_str d)
{
	int64_t y, m, day, era, yoe, doy, doe;

	if (d.len != 10)
		return 0;
	y = (d.ptr[0] - '0') * 1000 + (d.ptr[1] - '0') * 100 + (d.ptr[2] - '0') * 10 +
	    (d.ptr[3] - '0');
	m = (d.ptr[5] - '0') * 10 + (d.ptr[6] - '0');
	day = (d.ptr[8] - '0') * 10 + (d.ptr[9] - '0');
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + day - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	day = era * 146097 + doe - 719468;
	return day < 0 ? 0 : (uint64_t)day * MS_PER_DAY;
}

/* ---- guards ------------------------------------------------------------------------------ */

/* A subject declares their own offers: the actor must be the declared subject. */
static int subject_declares_own(const struct wfx *x, struct proto_error *err)
{
	return wfx_subject_opens_own(x, err, "a declaration");
}

/* ---- actions ------------------------------------------------------------------------------ */

/* Late: received more than [gifts] declare_within after offered_on. */
static void open_entry(struct wfx *x)
{
	uint64_t offered = date_ms(wfx_body_str(x, "offered_on"));

	wfx_open(x);
	wfx_set_part(x, "offer", proto_map_get(x->ev->body, "offer"));
	wfx_set_part(x, "donor", proto_map_get(x->ev->body, "donor"));
	wfx_set_part(x, "decision", proto_map_get(x->ev->body, "decision"));
	if (x->ev->at > cal_add(&x->p->cal, offered, x->p->gifts_declare_within, 1))
		x->c->flags |= WFC_LATE;
}

static void record_return(struct wfx *x)
{
	wfx_set_outcome(x, "return", "how");
}

static void record_review(struct wfx *x)
{
	wfx_set_outcome(x, "review", "outcome");
	x->c->assessment = wfx_body_str(x, "outcome");
}

/* An accepted offer above [gifts] approval_threshold awaits approval; a declined one, or one
 * at or below it, PSD's review. */
static unsigned entry_next(const struct wfx *x, const struct wf_rule *r, unsigned next)
{
	const msgpack_object *v;

	if (strcmp(r->type, "gift.declared") != 0 ||
	    !wfx_body_is(x->ev->body, "decision", "accepted"))
		return next;
	v = proto_map_get(x->ev->body, "value_pence");
	if (v && v->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
	    v->via.u64 > x->p->gifts_approval_threshold)
		return GH_AWAITING_APPROVAL;
	return next;
}

/* ---- the rules: REGISTERS.md "Gifts and hospitality" ------------------------------------- */

static const struct wf_rule rules[] = {
    /* accepted and declined alike; entry_next sends an accepted one above the threshold to
     * approval */
    {"gift.declared", NULL, NULL, S(NONE), R(SUBJECT) | R(PSD), GH_AWAITING_PSD_REVIEW, ORIGIN_SELF,
     subject_declares_own, NULL, open_entry, NULL},
    {"gift.approved", NULL, NULL, S(AWAITING_APPROVAL), R(LINE_MANAGER) | R(PSD),
     GH_AWAITING_PSD_REVIEW, 0, NULL, NULL, NULL, NULL},
    {"gift.refused", NULL, NULL, S(AWAITING_APPROVAL), R(LINE_MANAGER) | R(PSD), GH_AWAITING_RETURN,
     0, NULL, NULL, NULL, NULL},
    {"gift.returned", NULL, NULL, S(AWAITING_RETURN), R(SUBJECT) | R(PSD), GH_AWAITING_PSD_REVIEW,
     0, wfx_subject_is_case_subject, NULL, record_return, NULL},
    {"gift.reviewed", "outcome", "no_concern", S(AWAITING_PSD_REVIEW), R(PSD), GH_CLOSED, 0, NULL,
     NULL, record_review, "no_concern"},
    /* open, left by case.closed */
    {"gift.reviewed", "outcome", "concern", S(AWAITING_PSD_REVIEW), R(PSD), GH_CONCERN_RAISED, 0,
     NULL, NULL, record_review, NULL},
    {NULL, NULL, NULL, 0, 0, 0, 0, NULL, NULL, NULL, NULL},
};

static const struct wf_side sides[] = {
    {"gift.reviewed", "outcome", "concern", NULL, NULL, "integrity.flag"},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};

const struct wf_kind wf_kind_gh = {
    .id = KIND_GH,
    .rules = rules,
    .sides = sides,
    .next_of = entry_next,
};
