/* kinds/gh: REGISTERS.md "Gifts and hospitality (GH)" (HMIC 2012 "a single electronic register
 * ... checked regularly by PSD"), row by row (roles, states, where it goes, what it marks),
 * its deadlines, [gifts] approval_threshold and declare_within, and the integrity.flag on a
 * concern. Events are JSON decoded by proto; the clock is injected; the policy is the
 * config's defaults but where a test reloads it. */
#include "dtest.h"

#include <stdio.h>
#include <string.h>

#include "evjson.h"
#include "kindtest.h"
#include "case/wfdeadline.h"
#include "engine/wf.h"
#include "policy/wfstate.h"

#define T0     NOW_MS /* 2026-02-10T00:00:00Z, a Tuesday */
#define GH_REF "GH-2026-000001"
#define SAME   KT_SAME
#define S(x)   WF_BIT(GH_##x)
#define R(x)   ROLE_BIT(ROLE_##x)
#define OPEN                                                                                       \
	(S(AWAITING_APPROVAL) | S(AWAITING_RETURN) | S(AWAITING_PSD_REVIEW) | S(CONCERN_RAISED))

/* ---- GH events ---------------------------------------------------------------------------- */

#define GH_BODY(value, decision, offered_on)                                                       \
	"{'subject':{'id':'S100','line_manager':'LM1'},'offer':'hospitality',"                     \
	"'donor':{'name':'J Smith','organisation':'Acme Supplies Ltd','org_id':'01234567'},"       \
	"'value_pence':" value ",'offered_on':'" offered_on "','decision':'" decision "',"         \
	"'description':'dinner at a conference'}"
#define GH_ABOVE    GH_BODY("4000", "accepted", "2026-02-01") /* 40 pounds: above 2500 */
#define GH_AT       GH_BODY("2500", "accepted", "2026-02-01") /* at the threshold */
#define GH_DECLINED GH_BODY("90000", "declined", "2026-02-01")
#define GH_LATE     GH_BODY("1000", "accepted", "2026-01-12") /* 29 days before T0 */
#define GH_IN_TIME  GH_BODY("1000", "accepted", "2026-01-13") /* 28 days before T0 */
#define EV_GH_BY(actor, body) "{'type':'gift.declared'," actor ",'body':" body "}"
#define EV_GIFT_APPROVED           "{'type':'gift.approved'," EV_LM ",'body':{'notes':'fine'}}"
#define EV_GIFT_REFUSED            "{'type':'gift.refused'," EV_LM ",'body':{'reasons':'too much'}}"
#define EV_GIFT_RETURNED           "{'type':'gift.returned'," EV_SUBJ ",'body':{'how':'donated'}}"
#define EV_GIFT_REVIEWED(outcome)                                                                       \
	"{'type':'gift.reviewed'," EV_PSD ",'body':{'outcome':'" outcome "','notes':'n'}}"

static const char *gh_state(int s)
{
	return wf_kind_state_name(KIND_GH, s);
}

/* A new GH case (state none), its reference GH-. */
static void gh_reset(struct walk *w)
{
	walk_reset(w, w->now);
	snprintf(w->c.ref, sizeof(w->c.ref), "%s", GH_REF);
}

/* A new GH case walked to state s at the clock: S100's £40 dinner (awaiting_approval),
 * refused (awaiting_return); a £10 one (awaiting_psd_review), reviewed with a concern
 * (concern_raised); closed by case.closed. */
static void gh_walk_to(struct walk *w, int s)
{
	gh_reset(w);
	if (s == GH_AWAITING_APPROVAL || s == GH_AWAITING_RETURN)
		walk_ok(w, EV_GH_BY(EV_SUBJ, GH_ABOVE));
	if (s == GH_AWAITING_RETURN)
		walk_ok(w, EV_GIFT_REFUSED);
	if (s == GH_AWAITING_PSD_REVIEW || s == GH_CONCERN_RAISED || s == GH_CLOSED)
		walk_ok(w, EV_GH_BY(EV_SUBJ, GH_IN_TIME));
	if (s == GH_CONCERN_RAISED)
		walk_ok(w, EV_GIFT_REVIEWED("concern"));
	if (s == GH_CLOSED)
		walk_ok(w, EV_CLOSED_BY_PSD);
	assert_int_equal(w->c.kind, s == GH_NONE ? KIND_NONE : KIND_GH);
	assert_string_equal(gh_state(w->c.state), gh_state(s));
}

static void gh_walk_any(struct walk *w, int s, bool alt)
{
	(void)alt;
	gh_walk_to(w, s);
}

static const struct kt_kind gh_kind = {KIND_GH, GH_STATE_COUNT, gh_state, gh_walk_any};

/* ---- one row of the events table ------------------------------------------------------------ */

#define ROW_TEST(name, type_, body_, roles_, states_, next_, flags_)                               \
	KT_ROW_TEST(name, &gh_kind, .type = type_, .body = body_, .roles = roles_,                 \
		    .states = states_, .next = next_, .flags = flags_)

/* accepted above [gifts] approval_threshold: the line manager approves */
ROW_TEST(row_gift_declared_accepted_above_threshold_awaits_approval, "gift.declared", GH_ABOVE,
	 R(SUBJECT) | R(PSD), S(NONE), GH_AWAITING_APPROVAL, 0)
ROW_TEST(row_gift_declared_accepted_at_threshold_awaits_psd_review, "gift.declared", GH_AT,
	 R(SUBJECT) | R(PSD), S(NONE), GH_AWAITING_PSD_REVIEW, 0)
/* "Every offer is registered, accepted or declined" */
ROW_TEST(row_gift_declared_declined_awaits_psd_review, "gift.declared", GH_DECLINED,
	 R(SUBJECT) | R(PSD), S(NONE), GH_AWAITING_PSD_REVIEW, 0)
/* "more than [gifts] declare_within after offered_on is accepted and marked late" */
ROW_TEST(row_gift_declared_late_is_accepted_and_marked_late, "gift.declared", GH_LATE,
	 R(SUBJECT) | R(PSD), S(NONE), GH_AWAITING_PSD_REVIEW, WFC_LATE)
ROW_TEST(row_gift_approved, "gift.approved", "{'notes':'n'}", R(LINE_MANAGER) | R(PSD),
	 S(AWAITING_APPROVAL), GH_AWAITING_PSD_REVIEW, 0)
ROW_TEST(row_gift_refused, "gift.refused", "{'reasons':'r'}", R(LINE_MANAGER) | R(PSD),
	 S(AWAITING_APPROVAL), GH_AWAITING_RETURN, 0)
ROW_TEST(row_gift_returned, "gift.returned", "{'how':'kept_by_force'}", R(SUBJECT) | R(PSD),
	 S(AWAITING_RETURN), GH_AWAITING_PSD_REVIEW, 0)
ROW_TEST(row_gift_reviewed_no_concern_closes, "gift.reviewed", "{'outcome':'no_concern'}", R(PSD),
	 S(AWAITING_PSD_REVIEW), GH_CLOSED, 0)
ROW_TEST(row_gift_reviewed_concern_is_raised, "gift.reviewed", "{'outcome':'concern'}", R(PSD),
	 S(AWAITING_PSD_REVIEW), GH_CONCERN_RAISED, 0)
/* REGISTERS.md "Common to every kind" */
ROW_TEST(row_case_closed_common_any_open_state, "case.closed", "{'reason':'other'}", R(PSD), OPEN,
	 GH_CLOSED, 0)
ROW_TEST(row_subject_updated_common_any_open_state, "subject.updated",
	 "{'subject':{'line_manager':'LM2'}}", R(PSD), OPEN, SAME, 0)
ROW_TEST(row_deadline_extended_common_with_that_deadline_open, "deadline.extended",
	 "{'kind':'gift_return','due_at':1900000000000,'reason':'r'}",
	 R(PSD) | R(AA) | R(HEAD_OF_PSD), S(AWAITING_RETURN), SAME, 0)

/* ---- what each row does ---------------------------------------------------------------------- */

/* A declaration is the subject's own: another subject's id is forbidden. */
static void gift_declared_by_another_subject_is_forbidden(void **state)
{
	struct walk *w = kt_new_walk();

	(void)state;
	gh_reset(w);
	assert_int_equal(
	    walk_try(w, EV_GH_BY("'actor':{'id':'S999','role':'subject'}", GH_ABOVE)), -1);
	assert_proto_err(&w->err, PROTO_FORBIDDEN, "actor.id");
	gh_reset(w);
	walk_ok(w, EV_GH_BY(EV_PSD, GH_ABOVE)); /* PSD registers it for them */
	assert_string_equal(gh_state(w->c.state), "awaiting_approval");
	kt_free_walk(w);
}

/* [gifts] approval_threshold is the policy's: raised to 5000, the £40 dinner needs none. */
static void approval_threshold_is_the_config_s(void **state)
{
	struct walk *w = kt_new_walk();

	(void)state;
	walk_reload(w, "[gifts]\napproval_threshold = 5000\n");
	gh_reset(w);
	walk_ok(w, EV_GH_BY(EV_SUBJ, GH_ABOVE));
	assert_string_equal(gh_state(w->c.state), "awaiting_psd_review");
	walk_reload(w, "[gifts]\napproval_threshold = 0\n");
	gh_reset(w);
	walk_ok(w, EV_GH_BY(EV_SUBJ, GH_BODY("1", "accepted", "2026-02-01")));
	assert_string_equal(gh_state(w->c.state), "awaiting_approval");
	kt_free_walk(w);
}

/* 28 days after offered_on is in time; 29 is late; declare_within is the config's. */
static void late_declaration_is_marked_late(void **state)
{
	struct walk *w = kt_new_walk();

	(void)state;
	gh_reset(w);
	walk_ok(w, EV_GH_BY(EV_SUBJ, GH_IN_TIME));
	assert_false(w->c.flags & WFC_LATE);
	gh_reset(w);
	walk_ok(w, EV_GH_BY(EV_SUBJ, GH_LATE));
	assert_true(w->c.flags & WFC_LATE);
	assert_string_equal(wf_mark_name(WFC_LATE), "late");
	walk_reload(w, "[gifts]\ndeclare_within = 60d\n");
	gh_reset(w);
	walk_ok(w, EV_GH_BY(EV_SUBJ, GH_LATE));
	assert_false(w->c.flags & WFC_LATE);
	kt_free_walk(w);
}

/* "gift.reviewed with concern -> integrity.flag" to PSD only; no_concern raises none. */
static void gift_reviewed_concern_is_an_integrity_flag_to_psd(void **state)
{
	struct walk *w = kt_new_walk();

	(void)state;
	gh_walk_to(w, GH_AWAITING_PSD_REVIEW);
	walk_ok(w, EV_GIFT_REVIEWED("concern"));
	assert_int_equal(walk_count(w, "integrity.flag"), 1);
	assert_non_null(note_to(walk_note(w, "integrity.flag", 0), ROLE_PSD));
	assert_null(note_to(walk_note(w, "integrity.flag", 0), ROLE_SUBJECT));
	assert_null(note_to(walk_note(w, "integrity.flag", 0), ROLE_LINE_MANAGER));
	gh_walk_to(w, GH_AWAITING_PSD_REVIEW);
	walk_ok(w, EV_GIFT_REVIEWED("no_concern"));
	assert_int_equal(walk_count(w, "integrity.flag"), 0);
	kt_free_walk(w);
}

/* The return is the case's subject's, not another subject's. */
static void gift_returned_by_another_subject_is_forbidden(void **state)
{
	struct walk *w = kt_new_walk();

	(void)state;
	gh_walk_to(w, GH_AWAITING_RETURN);
	assert_int_equal(walk_try(w, "{'type':'gift.returned','actor':{'id':'S999','role':"
				     "'subject'},'body':{'how':'returned'}}"),
			 -1);
	assert_proto_err(&w->err, PROTO_FORBIDDEN, "actor.id");
	walk_ok(w, EV_GIFT_RETURNED);
	assert_string_equal(gh_state(w->c.state), "awaiting_psd_review");
	kt_free_walk(w);
}

/* Another kind's types on a GH case are invalid_transition naming GH and the state. */
static void other_kinds_types_on_a_gh_case_are_invalid_transition_naming_gh(void **state)
{
	static const char *const events[] = {
	    EV_MANAGER_REVIEWED,
	    "{'type':'consultation.recorded'," EV_PSD ",'body':{'response':'r'}}",
	    "{'type':'action.completed'," EV_LM ",'body':{}}",
	    "{'type':'bad_faith.found'," EV_PSD ",'body':{'reasons':'r'}}",
	};
	struct walk *w = kt_new_walk();

	(void)state;
	for (int s = GH_AWAITING_APPROVAL; s <= GH_CLOSED; s++)
		for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
			gh_walk_to(w, s);
			assert_int_equal(walk_try(w, "%s", events[i]), -1);
			assert_proto_err(&w->err, PROTO_INVALID_TRANSITION, "GH");
			assert_contains(w->err.message, gh_state(s));
		}
	kt_free_walk(w);
}

/* ---- deadlines --------------------------------------------------------------------------------
 */

static const struct kt_deadline gh_deadlines[] = {
    {.kind = DL_GIFT_APPROVAL,
     .state = GH_AWAITING_APPROVAL,
     .dflt = {7 * MS_DAY, DUR_MS},
     .owner = ROLE_LINE_MANAGER,
     .owner_id = "LM1",
     .due = T0 + 7 * MS_DAY,
     .n_reminders = 1,
     .leave = EV_GIFT_APPROVED},
    {.kind = DL_GIFT_RETURN,
     .state = GH_AWAITING_RETURN,
     .dflt = {14 * MS_DAY, DUR_MS},
     .owner = ROLE_SUBJECT,
     .owner_id = "S100",
     .due = T0 + 14 * MS_DAY,
     .n_reminders = 2,
     .leave = EV_GIFT_RETURNED},
    {.kind = DL_GIFT_REVIEW,
     .state = GH_AWAITING_PSD_REVIEW,
     .dflt = {28 * MS_DAY, DUR_MS},
     .owner = ROLE_PSD,
     .due = T0 + 28 * MS_DAY,
     .n_reminders = 2,
     .leave = EV_GIFT_REVIEWED("no_concern")},
    {.kind = DL_GIFT_CONCERN,
     .state = GH_CONCERN_RAISED,
     .dflt = {28 * MS_DAY, DUR_MS},
     .owner = ROLE_PSD,
     .due = T0 + 28 * MS_DAY,
     .n_reminders = 2,
     .leave = NULL},
};
#define N_GH_DEADLINES (sizeof(gh_deadlines) / sizeof(gh_deadlines[0]))

static void every_gh_deadline_opens_with_its_default_and_owner(void **state)
{
	struct walk *w = kt_new_walk();

	(void)state;
	for (size_t i = 0; i < N_GH_DEADLINES; i++)
		kt_assert_dl_opens(&gh_kind, w, &gh_deadlines[i], T0);
	kt_free_walk(w);
}

static void every_gh_deadline_is_reminded_breached_and_escalated(void **state)
{
	struct walk *w = kt_new_walk();

	(void)state;
	for (size_t i = 0; i < N_GH_DEADLINES; i++) {
		const struct kt_deadline *k = &gh_deadlines[i];
		const struct wf_deadline *d;
		uint64_t t;

		w->now = T0;
		gh_walk_to(w, k->state);
		d = kt_live(w, k->kind);
		w->now = T0 + 1;
		assert_int_equal(walk_fire(w, k->kind), 0);
		assert_int_equal(kt_fire_reminders(w, d, k, &t), k->n_reminders);
		kt_assert_dl_breached(w, d, k);
		kt_assert_dl_escalated(w, k);
	}
	kt_free_walk(w);
}

static void every_gh_deadline_is_met_on_leaving_its_state(void **state)
{
	struct walk *w = kt_new_walk();

	(void)state;
	for (size_t i = 0; i < N_GH_DEADLINES; i++)
		if (gh_deadlines[i].leave)
			kt_assert_dl_met_on_leaving(&gh_kind, w, T0, gh_deadlines[i].state,
						    gh_deadlines[i].kind, gh_deadlines[i].leave);
	kt_free_walk(w);
}

/* Closing ends every GH deadline (concern_raised is left by case.closed alone). */
static void case_closed_ends_every_gh_deadline(void **state)
{
	struct walk *w = kt_new_walk();

	(void)state;
	for (int s = GH_AWAITING_APPROVAL; s < GH_CLOSED; s++) {
		w->now = T0;
		gh_walk_to(w, s);
		w->now = T0 + MS_HOUR;
		walk_ok(w, "{'type':'case.closed'," EV_PSD ",'body':{'reason':'no_further_action'}}");
		assert_string_equal(gh_state(w->c.state), "closed");
		for (size_t i = 0; i < N_GH_DEADLINES; i++)
			assert_null(wf_dl_find(&w->c, gh_deadlines[i].kind));
		assert_true(wf_dl_live(walk_dl(w, DL_RETENTION)));
		w->now = T0 + 400 * MS_DAY;
		for (size_t i = 0; i < N_GH_DEADLINES; i++)
			assert_int_equal(walk_fire(w, gh_deadlines[i].kind), 0);
	}
	kt_free_walk(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(row_gift_declared_accepted_above_threshold_awaits_approval),
	    cmocka_unit_test(row_gift_declared_accepted_at_threshold_awaits_psd_review),
	    cmocka_unit_test(row_gift_declared_declined_awaits_psd_review),
	    cmocka_unit_test(row_gift_declared_late_is_accepted_and_marked_late),
	    cmocka_unit_test(row_gift_approved),
	    cmocka_unit_test(row_gift_refused),
	    cmocka_unit_test(row_gift_returned),
	    cmocka_unit_test(row_gift_reviewed_no_concern_closes),
	    cmocka_unit_test(row_gift_reviewed_concern_is_raised),
	    cmocka_unit_test(row_case_closed_common_any_open_state),
	    cmocka_unit_test(row_subject_updated_common_any_open_state),
	    cmocka_unit_test(row_deadline_extended_common_with_that_deadline_open),
	    cmocka_unit_test(gift_declared_by_another_subject_is_forbidden),
	    cmocka_unit_test(approval_threshold_is_the_config_s),
	    cmocka_unit_test(late_declaration_is_marked_late),
	    cmocka_unit_test(gift_reviewed_concern_is_an_integrity_flag_to_psd),
	    cmocka_unit_test(gift_returned_by_another_subject_is_forbidden),
	    cmocka_unit_test(other_kinds_types_on_a_gh_case_are_invalid_transition_naming_gh),
	    cmocka_unit_test(every_gh_deadline_opens_with_its_default_and_owner),
	    cmocka_unit_test(every_gh_deadline_is_reminded_breached_and_escalated),
	    cmocka_unit_test(every_gh_deadline_is_met_on_leaving_its_state),
	    cmocka_unit_test(case_closed_ends_every_gh_deadline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
