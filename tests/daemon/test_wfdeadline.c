/* wf: WORKFLOW.md "Deadlines": each kind opens on entering its state with its default,
 * reminders at the [deadlines] reminders offsets, the breach at due time to the owner,
 * escalations every escalation_interval to head_of_psd (only the latest after a gap), a
 * deadline already past when it opens breached at once, windows that close instead of
 * breaching, deadline.extended re-planning, and closing (cancel, retention, disposal). The
 * clock is injected; the policy is the config's defaults unless a test says otherwise. */
#include "dtest.h"

#include <string.h>

#include "evjson.h"
#include "engine/wf.h"

#define T0        NOW_MS /* 2026-02-10T00:00:00Z, a Tuesday */
#define DAYS(n)   ((struct duration){(n)*MS_DAY, DUR_MS})
#define MONTHS(n) ((struct duration){(n), DUR_MO})
#define YEARS(n)  ((struct duration){(n), DUR_Y})
#define ULL(x)    ((unsigned long long)(x))

static struct walk *new_walk(const char *config_text)
{
	struct walk *w = test_malloc(sizeof(*w));

	walk_init(w, config_text, T0);
	return w;
}

static void free_walk(struct walk *w)
{
	walk_free(w);
	test_free(w);
}

static const struct wf_deadline *live(struct walk *w, enum dl_kind k)
{
	const struct wf_deadline *d = wf_dl_find(&w->c, k);

	if (!d)
		fail_msg("no live %s deadline", config_dl_name(k));
	return d;
}

static uint64_t due_after(const struct walk *w, uint64_t start, struct duration d)
{
	return cal_add(&w->p.cal, start, d, 1);
}

/* The only note of the last step must be topic about kind k, at level. */
static void assert_one_note(const struct walk *w, const char *topic, enum dl_kind k, uint32_t level)
{
	const struct wf_note *n = walk_note(w, topic, 0);

	if (w->fx.n != 1 || !n)
		fail_msg("expected one %s, got %u notes (first %s)", topic, w->fx.n,
			 w->fx.n ? w->fx.note[0].topic : "none");
	assert_true(n->has_deadline);
	assert_string_equal(config_dl_name(n->dl_kind), config_dl_name(k));
	assert_int_equal(n->level, level);
}

/* ---- opening ---------------------------------------------------------------------------- */

static const struct kind_row {
	enum dl_kind kind;
	enum wf_state state; /* walk_to this state opens it */
	struct duration dflt;
	enum proto_role owner;
} kinds[] = {
    {DL_MANAGER_REVIEW, WF_AWAITING_MANAGER_REVIEW, DAYS(7), ROLE_LINE_MANAGER},
    {DL_PSD_ASSESSMENT, WF_AWAITING_ASSESSMENT, DAYS(28), ROLE_PSD},
    {DL_INTERVIEW, WF_AWAITING_INTERVIEW, DAYS(28), ROLE_PSD},
    {DL_MITIGATION_PROPOSAL, WF_AWAITING_MITIGATION, DAYS(28), ROLE_PSD},
    {DL_MITIGATION_RESPONSE, WF_MITIGATION_PROPOSED, DAYS(14), ROLE_SUBJECT},
    {DL_AA_APPROVAL, WF_AWAITING_AA_APPROVAL, DAYS(14), ROLE_AA},
    {DL_REPRESENTATIONS, WF_REFERRED_TO_AA, DAYS(14), ROLE_SUBJECT},
    {DL_AA_DETERMINATION, WF_REFERRED_TO_AA, DAYS(28), ROLE_AA},
    {DL_SERVICE, WF_AWAITING_SERVICE, DAYS(7), ROLE_PSD},
    {DL_APPEAL_WINDOW, WF_APPEAL_WINDOW, DAYS(14), ROLE_SUBJECT},
    {DL_STRATEGY_MEETING, WF_UNDER_APPEAL, DAYS(28), ROLE_HEAD_OF_PSD},
    {DL_APPEAL_DECISION, WF_AWAITING_APPEAL_DECISION, DAYS(14), ROLE_HEAD_OF_PSD},
    {DL_ANNUAL_REVIEW, WF_CONDITIONS_ACTIVE, MONTHS(12), ROLE_AA},
    {DL_VETTING_REVIEW, WF_AWAITING_MITIGATION, DAYS(28), ROLE_VETTING}, /* SC: the task */
    {DL_RETENTION, WF_CLOSED, YEARS(6), ROLE_NONE},
};
#define N_KINDS (sizeof(kinds) / sizeof(kinds[0]))

/* WORKFLOW.md "Deadlines": each kind opens when its case enters the state, runs from the
 * event's at, with the table's default and owner. */
static void every_kind_opens_on_entering_its_state_with_its_default(void **state)
{
	struct walk *w = new_walk("");

	(void)state;
	for (size_t i = 0; i < N_KINDS; i++) {
		const struct wf_deadline *d;

		walk_to(w, kinds[i].state);
		d = live(w, kinds[i].kind);
		assert_int_equal(d->status, DLS_OPEN);
		assert_int_equal(d->start, T0);
		assert_int_equal(d->due_at, due_after(w, T0, kinds[i].dflt));
		assert_int_equal(policy_dl_rule(kinds[i].kind)->owner, kinds[i].owner);
		assert_int_equal(w->p.due[kinds[i].kind].n, kinds[i].dflt.n);
		assert_int_equal(w->p.due[kinds[i].kind].unit, kinds[i].dflt.unit);
	}
	free_walk(w);
}

/* review: opened by review.requested, not by a state. */
static void review_opens_on_review_requested_for_28_days(void **state)
{
	struct walk *w = new_walk("");

	(void)state;
	walk_to(w, WF_CONDITIONS_ACTIVE);
	assert_null(wf_dl_find(&w->c, DL_REVIEW));
	walk_ok(w, "{'type':'review.requested'," EV_AA ",'body':{'reason':'r'}}");
	assert_int_equal(live(w, DL_REVIEW)->due_at, T0 + 28 * MS_DAY);
	assert_int_equal(policy_dl_rule(DL_REVIEW)->owner, ROLE_AA);
	free_walk(w);
}

/* Durations are [deadlines] keys: working days skip the weekend; reminders and the
 * escalation interval are config too. */
static void durations_come_from_the_config(void **state)
{
	struct walk *w = new_walk("[deadlines]\nmanager_review = 5wd\nreminders = 2d\n"
				  "escalation_interval = 1d\n");
	const struct wf_deadline *d;

	(void)state;
	walk_to(w, WF_AWAITING_MANAGER_REVIEW);
	d = live(w, DL_MANAGER_REVIEW);
	assert_int_equal(d->due_at, due_after(w, T0, (struct duration){5, DUR_WD}));
	assert_int_equal(d->due_at, T0 + 7 * MS_DAY); /* Tuesday to Tuesday */
	assert_int_equal(wf_dl_next(d, &w->p), d->due_at - 2 * MS_DAY);
	w->now = d->due_at;
	assert_int_equal(walk_fire(w, DL_MANAGER_REVIEW), 1);
	assert_int_equal(wf_dl_next(d, &w->p), d->due_at + MS_DAY);
	free_walk(w);
}

/* ---- reminders --------------------------------------------------------------------------- */

/* "Reminders go at the [deadlines] reminders offsets before it is due": 7d and 1d. */
static void reminders_go_7_days_and_1_day_before_due_to_the_owner(void **state)
{
	struct walk *w = new_walk("");
	const struct wf_deadline *d;
	uint64_t due = T0 + 28 * MS_DAY;

	(void)state;
	walk_to(w, WF_AWAITING_ASSESSMENT);
	d = live(w, DL_PSD_ASSESSMENT);
	assert_int_equal(wf_dl_next(d, &w->p), due - 7 * MS_DAY);
	/* a moment early: nothing */
	w->now = due - 7 * MS_DAY - 1;
	assert_int_equal(walk_fire(w, DL_PSD_ASSESSMENT), 0);
	assert_int_equal(w->fx.n, 0);

	w->now = due - 7 * MS_DAY;
	assert_int_equal(walk_fire(w, DL_PSD_ASSESSMENT), 1);
	assert_one_note(w, "deadline.reminder", DL_PSD_ASSESSMENT, 0);
	assert_int_equal(walk_note(w, "deadline.reminder", 0)->due_at, due);
	assert_non_null(note_to(walk_note(w, "deadline.reminder", 0), ROLE_PSD));
	assert_int_equal(wf_dl_next(d, &w->p), due - MS_DAY);

	w->now = due - MS_DAY;
	assert_int_equal(walk_fire(w, DL_PSD_ASSESSMENT), 1);
	assert_one_note(w, "deadline.reminder", DL_PSD_ASSESSMENT, 0);
	assert_int_equal(d->reminded_until, due - MS_DAY);
	assert_int_equal(wf_dl_next(d, &w->p), due);
	assert_int_equal(d->status, DLS_OPEN);
	free_walk(w);
}

/* "Reminders whose time is at or before its start are skipped": manager_review is 7d, so
 * its 7-day reminder would coincide with its opening. */
static void reminder_at_the_opening_is_skipped(void **state)
{
	struct walk *w = new_walk("");
	const struct wf_deadline *d;

	(void)state;
	walk_to(w, WF_AWAITING_MANAGER_REVIEW);
	d = live(w, DL_MANAGER_REVIEW);
	assert_int_equal(d->reminded_until, T0);
	assert_int_equal(wf_dl_next(d, &w->p), T0 + 6 * MS_DAY);
	assert_int_equal(walk_run_until(w, T0 + 6 * MS_DAY), 1);
	assert_one_note(w, "deadline.reminder", DL_MANAGER_REVIEW, 0);
	assert_true(proto_str_eq(note_to(&w->fx.note[0], ROLE_LINE_MANAGER)->id, "LM1"));
	free_walk(w);
}

/* "Each reminder, breach and escalation is sent exactly once": a second request for the
 * same moment finds nothing due. */
static void each_reminder_breach_and_escalation_is_sent_once(void **state)
{
	struct walk *w = new_walk("");
	uint64_t due = T0 + 28 * MS_DAY;

	(void)state;
	walk_to(w, WF_AWAITING_ASSESSMENT);
	w->now = due - 7 * MS_DAY;
	assert_int_equal(walk_fire(w, DL_PSD_ASSESSMENT), 1);
	assert_int_equal(walk_fire(w, DL_PSD_ASSESSMENT), 0);
	assert_int_equal(w->fx.n, 0);
	w->now = due;
	assert_int_equal(walk_fire(w, DL_PSD_ASSESSMENT), 1);
	assert_int_equal(walk_fire(w, DL_PSD_ASSESSMENT), 0);
	w->now = due + 7 * MS_DAY;
	assert_int_equal(walk_fire(w, DL_PSD_ASSESSMENT), 1);
	assert_int_equal(walk_fire(w, DL_PSD_ASSESSMENT), 0);
	assert_int_equal(w->fx.n, 0);
	free_walk(w);
}

/* After downtime that passed both reminders (but not the due time), only the latest is sent;
 * the earlier is counted as handled. */
static void after_downtime_only_the_latest_reminder_is_sent(void **state)
{
	struct walk *w = new_walk("");
	const struct wf_deadline *d;
	uint64_t due = T0 + 28 * MS_DAY;

	(void)state;
	walk_to(w, WF_AWAITING_ASSESSMENT);
	d = live(w, DL_PSD_ASSESSMENT);
	w->now = due - MS_DAY / 2;
	assert_int_equal(walk_fire(w, DL_PSD_ASSESSMENT), 1);
	assert_one_note(w, "deadline.reminder", DL_PSD_ASSESSMENT, 0);
	assert_int_equal(d->reminded_until, due - MS_DAY);
	assert_int_equal(wf_dl_next(d, &w->p), due);
	free_walk(w);
}

/* "Each reminder, breach and escalation is sent exactly once, across restarts", and SIGHUP
 * reloads [deadlines] (issue 3): reminders are handled by their time, not by their place in
 * the list, so a reload that adds offsets neither re-sends the 7-day reminder nor sends the
 * new 14-day one, whose time has passed; the 1-day reminder still comes. */
static void reminder_is_sent_exactly_once_when_sighup_changes_the_reminders(void **state)
{
	struct walk *w = new_walk("[deadlines]\nreminders = 7d, 1d\n");
	const struct wf_deadline *d;
	uint64_t due = T0 + 28 * MS_DAY;

	(void)state;
	walk_to(w, WF_AWAITING_ASSESSMENT);
	assert_int_equal(walk_run_until(w, due - 7 * MS_DAY), 1);
	assert_one_note(w, "deadline.reminder", DL_PSD_ASSESSMENT, 0);

	walk_reload(w, "[deadlines]\nreminders = 14d, 7d, 1d\n");
	d = live(w, DL_PSD_ASSESSMENT);
	assert_int_equal(wf_dl_next(d, &w->p), due - MS_DAY);
	w->now = due - 7 * MS_DAY + MS_HOUR;
	assert_int_equal(walk_fire(w, DL_PSD_ASSESSMENT), 0);
	assert_int_equal(w->fx.n, 0);
	assert_int_equal(walk_run_until(w, due - MS_DAY - 1), 0);

	assert_int_equal(walk_run_until(w, due - MS_DAY), 1);
	assert_one_note(w, "deadline.reminder", DL_PSD_ASSESSMENT, 0);
	assert_int_equal(wf_dl_next(d, &w->p), due);
	free_walk(w);
}

/* ---- breach and escalation ------------------------------------------------------------------ */

/* "at its due time it is breached (deadline.breached, to its owner)" */
static void breach_at_due_time_goes_to_the_owner(void **state)
{
	struct walk *w = new_walk("");

	(void)state;
	for (size_t i = 0; i < N_KINDS; i++) {
		const struct wf_deadline *d;
		const struct wf_note *n;

		if (policy_dl_rule(kinds[i].kind)->at_due != DLA_BREACH)
			continue;
		walk_to(w, kinds[i].state);
		d = live(w, kinds[i].kind);
		w->now = d->due_at;
		assert_int_equal(walk_fire(w, kinds[i].kind), 1);
		assert_one_note(w, "deadline.breached", kinds[i].kind, 0);
		n = walk_note(w, "deadline.breached", 0);
		assert_int_equal(n->due_at, d->due_at);
		assert_int_equal(n->n_to, 1);
		assert_int_equal(n->to[0].role, kinds[i].owner);
		assert_int_equal(d->status, DLS_BREACHED);
		assert_int_equal(d->breached_at, d->due_at);
		assert_true(wf_dl_live(d));
		assert_int_equal(w->c.state, kinds[i].state); /* a breach moves nothing */
		w->now = T0;
	}
	free_walk(w);
}

/* "every escalation_interval after that it escalates one level (deadline.escalated,
 * level+1, to head_of_psd)" */
static void escalations_every_interval_one_level_up_to_head_of_psd(void **state)
{
	struct walk *w = new_walk("");
	const struct wf_deadline *d;
	uint64_t due = T0 + 28 * MS_DAY;

	(void)state;
	walk_to(w, WF_AWAITING_ASSESSMENT);
	d = live(w, DL_PSD_ASSESSMENT);
	w->now = due;
	walk_fire(w, DL_PSD_ASSESSMENT);
	for (uint32_t level = 1; level <= 3; level++) {
		w->now = due + level * 7 * MS_DAY - 1;
		assert_int_equal(walk_fire(w, DL_PSD_ASSESSMENT), 0);
		w->now++;
		assert_int_equal(walk_fire(w, DL_PSD_ASSESSMENT), 1);
		assert_one_note(w, "deadline.escalated", DL_PSD_ASSESSMENT, level);
		assert_int_equal(w->fx.note[0].to[0].role, ROLE_HEAD_OF_PSD);
		assert_int_equal(d->level, level);
		assert_int_equal(wf_dl_next(d, &w->p), due + (level + 1) * 7 * MS_DAY);
	}
	free_walk(w);
}

/* After a gap (the daemon was down) only the latest level is sent. */
static void escalation_after_a_gap_sends_only_the_latest_level(void **state)
{
	struct walk *w = new_walk("");
	const struct wf_deadline *d;
	uint64_t due = T0 + 28 * MS_DAY;

	(void)state;
	walk_to(w, WF_AWAITING_ASSESSMENT);
	d = live(w, DL_PSD_ASSESSMENT);
	w->now = due;
	walk_fire(w, DL_PSD_ASSESSMENT);
	w->now = due + 30 * MS_DAY; /* 4 whole intervals */
	assert_int_equal(walk_fire(w, DL_PSD_ASSESSMENT), 1);
	assert_one_note(w, "deadline.escalated", DL_PSD_ASSESSMENT, 4);
	assert_int_equal(wf_dl_next(d, &w->p), due + 35 * MS_DAY);
	/* and a long one, in months: levels are counted, not stepped */
	w->now = due + 7 * MS_DAY * 1000 + 1;
	assert_int_equal(walk_fire(w, DL_PSD_ASSESSMENT), 1);
	assert_one_note(w, "deadline.escalated", DL_PSD_ASSESSMENT, 1000);
	free_walk(w);
}

/* "A deadline that is already past when it opens ... its escalations count from that
 * breach, not from the due time": only such a deadline. One that fell due while the daemon
 * was down counts from its due time: manager_review due on day 7, fired on day 17 with
 * escalation_interval 7d, sends level 1 alone (the latest only), and level 2 comes on day
 * 21. */
static void escalations_count_from_the_due_time_when_the_breach_fires_late(void **state)
{
	struct walk *w = new_walk("[deadlines]\nescalation_interval = 7d\n");
	const struct wf_deadline *d;
	uint64_t due = T0 + 7 * MS_DAY;

	(void)state;
	walk_to(w, WF_AWAITING_MANAGER_REVIEW);
	d = live(w, DL_MANAGER_REVIEW);
	assert_int_equal(d->due_at, due);
	assert_int_equal(d->opened_at, T0);
	w->now = T0 + 17 * MS_DAY;
	/* the owner hears of the breach, then head_of_psd of the level reached (latest only) */
	assert_int_equal(walk_fire(w, DL_MANAGER_REVIEW), 1);
	assert_one_note(w, "deadline.breached", DL_MANAGER_REVIEW, 0);
	assert_int_equal(d->status, DLS_BREACHED);
	assert_int_equal(d->breached_at, due);
	assert_int_equal(wf_dl_next(d, &w->p), due + 7 * MS_DAY);
	assert_int_equal(walk_fire(w, DL_MANAGER_REVIEW), 1);
	assert_one_note(w, "deadline.escalated", DL_MANAGER_REVIEW, 1);
	assert_int_equal(w->fx.note[0].to[0].role, ROLE_HEAD_OF_PSD);
	assert_int_equal(wf_dl_next(d, &w->p), T0 + 21 * MS_DAY);
	assert_int_equal(walk_fire(w, DL_MANAGER_REVIEW), 0);
	w->now = T0 + 21 * MS_DAY;
	assert_int_equal(walk_fire(w, DL_MANAGER_REVIEW), 1);
	assert_one_note(w, "deadline.escalated", DL_MANAGER_REVIEW, 2);

	/* late, but less than an interval: the breach itself, to the owner */
	walk_to(w, WF_AWAITING_MANAGER_REVIEW);
	d = live(w, DL_MANAGER_REVIEW);
	w->now = d->due_at + 3 * MS_DAY;
	assert_int_equal(walk_fire(w, DL_MANAGER_REVIEW), 1);
	assert_one_note(w, "deadline.breached", DL_MANAGER_REVIEW, 0);
	assert_int_equal(d->breached_at, d->due_at);
	assert_int_equal(wf_dl_next(d, &w->p), d->due_at + 7 * MS_DAY);
	free_walk(w);
}

/* "A deadline that is already past when it opens is breached at once, and its stale
 * reminders are skipped; its escalations count from that breach". */
static void already_past_deadline_is_breached_at_once_with_reminders_skipped(void **state)
{
	struct walk *w = new_walk("");
	const struct wf_deadline *d;

	(void)state;
	walk_ok(w,
		"{'type':'declaration.submitted','at':%llu," EV_SUBJ ",'body':" EV_BYPASS_BODY "}",
		ULL(T0 - 40 * MS_DAY));
	d = live(w, DL_PSD_ASSESSMENT);
	assert_int_equal(d->due_at, T0 - 12 * MS_DAY);
	assert_int_equal(d->status, DLS_BREACHED);
	assert_int_equal(d->breached_at, T0);
	assert_int_equal(d->level, 0);
	assert_int_equal(d->reminded_until, d->due_at - MS_DAY);
	assert_int_equal(walk_count(w, "deadline.reminder"), 0);
	assert_int_equal(walk_count(w, "deadline.breached"), 1);
	assert_int_equal(walk_count(w, "deadline.escalated"), 0);
	assert_non_null(walk_note(w, "case.opened", 0));
	assert_int_equal(wf_dl_next(d, &w->p), T0 + 7 * MS_DAY);
	free_walk(w);
}

/* A deadline opened in the past but not yet due sends the reminder whose time has come. */
static void partly_past_deadline_sends_its_latest_due_reminder_at_once(void **state)
{
	struct walk *w = new_walk("");
	const struct wf_deadline *d;

	(void)state;
	walk_ok(w,
		"{'type':'declaration.submitted','at':%llu," EV_SUBJ ",'body':" EV_BYPASS_BODY "}",
		ULL(T0 - 25 * MS_DAY));
	d = live(w, DL_PSD_ASSESSMENT);
	assert_int_equal(d->status, DLS_OPEN);
	assert_int_equal(walk_count(w, "deadline.reminder"), 1);
	assert_int_equal(d->reminded_until, T0 - 4 * MS_DAY);
	assert_int_equal(wf_dl_next(d, &w->p), T0 + 2 * MS_DAY);
	free_walk(w);
}

/* A met deadline never fires (a stale request from the worker). */
static void met_deadline_does_not_fire(void **state)
{
	struct walk *w = new_walk("");

	(void)state;
	walk_to(w, WF_AWAITING_ASSESSMENT);
	assert_int_equal(walk_dl(w, DL_MANAGER_REVIEW)->status, DLS_MET);
	assert_int_equal(wf_dl_next(walk_dl(w, DL_MANAGER_REVIEW), &w->p), UINT64_MAX);
	w->now = T0 + 100 * MS_DAY;
	assert_int_equal(walk_fire(w, DL_MANAGER_REVIEW), 0);
	assert_int_equal(w->fx.n, 0);
	free_walk(w);
}

/* A breached deadline that is then met stays breached (it was late), and stops. */
static void breached_deadline_met_later_stays_breached(void **state)
{
	struct walk *w = new_walk("");
	const struct wf_deadline *d;

	(void)state;
	walk_to(w, WF_AWAITING_MANAGER_REVIEW);
	walk_run_until(w, T0 + 8 * MS_DAY);
	walk_ok(w, EV_MANAGER_REVIEWED);
	d = walk_dl(w, DL_MANAGER_REVIEW);
	assert_int_equal(d->status, DLS_BREACHED);
	assert_int_equal(d->done_at, T0 + 8 * MS_DAY);
	assert_false(wf_dl_live(d));
	assert_int_equal(wf_dl_next(d, &w->p), UINT64_MAX);
	free_walk(w);
}

/* ---- windows -----------------------------------------------------------------------------------
 */

/* mitigation_response: "NOT a breach: mitigation is taken as not agreed, and the case is
 * referred to the AA as if disputed" */
static void unanswered_mitigation_is_referred_to_the_aa(void **state)
{
	struct walk *w = new_walk("");
	uint64_t due = T0 + 14 * MS_DAY;
	const struct wf_note *n;

	(void)state;
	walk_to(w, WF_MITIGATION_PROPOSED);
	walk_run_until(w, due);
	assert_string_equal(wf_state_name(w->c.state), "referred_to_aa");
	assert_int_equal(walk_dl(w, DL_MITIGATION_RESPONSE)->status, DLS_MET);
	assert_true(w->c.flags & WFC_DISPUTED);
	assert_true(w->c.flags & WFC_ESCALATE);
	assert_int_equal(live(w, DL_REPRESENTATIONS)->start, due);
	assert_int_equal(live(w, DL_AA_DETERMINATION)->due_at, due + 28 * MS_DAY);
	assert_int_equal(walk_count(w, "deadline.breached"), 0);
	assert_non_null(n = walk_note(w, "case.state_changed", 0));
	assert_int_equal(n->from_state, WF_MITIGATION_PROPOSED);
	assert_int_equal(n->to_state, WF_REFERRED_TO_AA);
	/* its reminders went to the subject before */
	w->now = T0;
	walk_to(w, WF_MITIGATION_PROPOSED);
	walk_run_until(w, due - 7 * MS_DAY);
	assert_one_note(w, "deadline.reminder", DL_MITIGATION_RESPONSE, 0);
	assert_true(proto_str_eq(w->fx.note[0].to[0].id, "S100"));
	free_walk(w);
}

/* representations: "a window, not a breach: when it closes, the AA may determine" */
static void representations_window_closes_without_a_breach(void **state)
{
	struct walk *w = new_walk("");
	uint64_t due = T0 + 14 * MS_DAY;

	(void)state;
	walk_to(w, WF_MITIGATION_PROPOSED);
	walk_ok(w, EV_DISPUTED);
	w->now = due;
	assert_int_equal(walk_fire(w, DL_REPRESENTATIONS), 1);
	assert_int_equal(w->fx.n, 0);
	assert_int_equal(walk_dl(w, DL_REPRESENTATIONS)->status, DLS_MET);
	assert_string_equal(wf_state_name(w->c.state), "referred_to_aa");
	walk_ok(w, EV_DETERMINED);
	assert_string_equal(wf_state_name(w->c.state), "awaiting_service");
	free_walk(w);
}

/* appeal_window: "when it closes, the case goes to conditions_active (appeal.window_closed)";
 * the annual review runs from then. */
static void appeal_window_closing_makes_the_conditions_active(void **state)
{
	struct walk *w = new_walk("");
	uint64_t due = T0 + 14 * MS_DAY;

	(void)state;
	walk_to(w, WF_APPEAL_WINDOW);
	w->now = due;
	assert_int_equal(walk_fire(w, DL_APPEAL_WINDOW), 1);
	assert_string_equal(wf_state_name(w->c.state), "conditions_active");
	assert_int_equal(walk_dl(w, DL_APPEAL_WINDOW)->status, DLS_MET);
	assert_non_null(walk_note(w, "appeal.window_closed", 0));
	assert_non_null(walk_note(w, "case.state_changed", 0));
	assert_int_equal(walk_count(w, "deadline.breached"), 0);
	assert_int_equal(live(w, DL_ANNUAL_REVIEW)->start, due);
	assert_int_equal(live(w, DL_ANNUAL_REVIEW)->due_at, due_after(w, due, MONTHS(12)));
	free_walk(w);
}

/* WMP appeals, 14 days, with the worker running: day 14 accepted, day 15 window_closed. */
static void wmp_appeals_14_days_with_the_worker_running(void **state)
{
	struct walk *w = new_walk("");
	uint64_t served = T0 + 2 * MS_DAY;

	(void)state;
	walk_to(w, WF_AWAITING_SERVICE);
	w->now = served;
	walk_ok(w, EV_SERVED);
	walk_run_until(w, served + 14 * MS_DAY);
	assert_string_equal(wf_state_name(w->c.state), "conditions_active");
	/* day 15: after the window */
	w->now = served + 15 * MS_DAY;
	assert_int_equal(walk_try(w, EV_APPEALED), -1);
	assert_proto_err(&w->err, PROTO_WINDOW_CLOSED, "appeal window");
	/* lodged on day 14, received on day 15: heard */
	walk_ok(w, "{'type':'appeal.lodged','at':%llu," EV_SUBJ ",'body':{'grounds':'g'}}",
		ULL(served + 14 * MS_DAY));
	assert_string_equal(wf_state_name(w->c.state), "under_appeal");
	free_walk(w);
}

/* A window already closed when it opens closes at once, inside the event's step. */
static void already_past_window_closes_at_once(void **state)
{
	struct walk *w = new_walk("");

	(void)state;
	walk_to(w, WF_AWAITING_SERVICE);
	walk_ok(w, "{'type':'determination.served','at':%llu," EV_PSD ",'body':{}}",
		ULL(T0 - 20 * MS_DAY));
	assert_string_equal(wf_state_name(w->c.state), "conditions_active");
	assert_int_equal(walk_count(w, "appeal.window_closed"), 1);
	assert_int_equal(walk_count(w, "case.state_changed"), 2);
	assert_int_equal(live(w, DL_ANNUAL_REVIEW)->start, T0);

	walk_to(w, WF_AWAITING_MITIGATION);
	walk_ok(w,
		"{'type':'mitigation.proposed','at':%llu," EV_PSD ",'body':{'conditions':" EV_CONDS
		"}}",
		ULL(T0 - 20 * MS_DAY));
	assert_string_equal(wf_state_name(w->c.state), "referred_to_aa");
	assert_true(w->c.flags & WFC_ESCALATE);
	free_walk(w);
}

/* ---- extension ----------------------------------------------------------------------------------
 */

/* "reminders and breach re-planned": only reminders still in the future fire. */
static void deadline_extended_replans_reminders_and_breach(void **state)
{
	struct walk *w = new_walk("");
	const struct wf_deadline *d;
	uint64_t due = T0 + 28 * MS_DAY, later = T0 + 40 * MS_DAY;

	(void)state;
	walk_to(w, WF_AWAITING_ASSESSMENT);
	walk_run_until(w, due - MS_DAY); /* both reminders sent */
	d = live(w, DL_PSD_ASSESSMENT);
	assert_int_equal(d->reminded_until, due - MS_DAY);
	walk_ok(w,
		"{'type':'deadline.extended'," EV_PSD
		",'body':{'kind':'psd_assessment','due_at':%llu,'reason':'sick leave'}}",
		ULL(later));
	d = live(w, DL_PSD_ASSESSMENT);
	assert_int_equal(d->due_at, later);
	assert_int_equal(d->reminded_until, w->now);
	assert_int_equal(wf_dl_next(d, &w->p), later - 7 * MS_DAY);
	assert_int_equal(walk_run_until(w, later), 3);
	assert_int_equal(walk_count(w, "deadline.reminder"), 2);
	assert_int_equal(walk_count(w, "deadline.breached"), 1);
	assert_int_equal(walk_note(w, "deadline.breached", 0)->due_at, later);

	/* extended while only the 7-day reminder is in the past: the 1-day one stays */
	w->now = T0;
	walk_to(w, WF_AWAITING_ASSESSMENT);
	w->now = T0 + 25 * MS_DAY;
	walk_ok(w,
		"{'type':'deadline.extended'," EV_PSD
		",'body':{'kind':'psd_assessment','due_at':%llu,'reason':'r'}}",
		ULL(T0 + 30 * MS_DAY));
	d = live(w, DL_PSD_ASSESSMENT);
	assert_int_equal(d->reminded_until, T0 + 25 * MS_DAY);
	assert_int_equal(wf_dl_next(d, &w->p), T0 + 29 * MS_DAY);
	free_walk(w);
}

/* deadline.extended: "reminders and breach re-planned". A breached deadline given more time
 * is open again (no longer overdue), gets the reminders still ahead of its new due time, and
 * breaches again only when that passes. */
static void extending_a_breached_deadline_replans_its_breach(void **state)
{
	struct walk *w = new_walk("");
	const struct wf_deadline *d;
	uint64_t due = T0 + 28 * MS_DAY, new_due = due + 60 * MS_DAY;

	(void)state;
	walk_to(w, WF_AWAITING_ASSESSMENT);
	walk_run_until(w, due + 7 * MS_DAY);
	assert_int_equal(live(w, DL_PSD_ASSESSMENT)->level, 1);
	walk_ok(w,
		"{'type':'deadline.extended'," EV_HEAD
		",'body':{'kind':'psd_assessment','due_at':%llu,'reason':'r'}}",
		ULL(new_due));
	d = live(w, DL_PSD_ASSESSMENT);
	assert_int_equal(d->status, DLS_OPEN);
	assert_int_equal(d->level, 0);
	assert_int_equal(d->due_at, new_due);
	/* the 7-day reminder before the new due time comes next */
	assert_int_equal(wf_dl_next(d, &w->p), new_due - 7 * MS_DAY);
	walk_run_until(w, new_due);
	d = live(w, DL_PSD_ASSESSMENT);
	assert_int_equal(d->status, DLS_BREACHED);
	assert_int_equal(d->level, 0);
	assert_int_equal(d->breached_at, new_due);
	free_walk(w);
}

/* Extending a window moves its closing. */
static void extending_the_appeal_window_moves_its_closing(void **state)
{
	struct walk *w = new_walk("");

	(void)state;
	walk_to(w, WF_APPEAL_WINDOW);
	walk_ok(w,
		"{'type':'deadline.extended'," EV_PSD
		",'body':{'kind':'appeal_window','due_at':%llu,'reason':'r'}}",
		ULL(T0 + 21 * MS_DAY));
	walk_run_until(w, T0 + 20 * MS_DAY);
	assert_string_equal(wf_state_name(w->c.state), "appeal_window");
	walk_ok(w, EV_APPEALED);
	assert_string_equal(wf_state_name(w->c.state), "under_appeal");
	free_walk(w);
}

/* ---- closing, retention -------------------------------------------------------------------------
 */

/* Closing cancels what runs (a breached one stays breached), and retention runs from the
 * closing, for [retention] closed_case. */
static void closing_cancels_what_runs_and_opens_retention(void **state)
{
	struct walk *w = new_walk("");
	uint64_t closed = T0 + 40 * MS_DAY;

	(void)state;
	walk_to(w, WF_REFERRED_TO_AA); /* vetting_review (28d) and aa_determination (28d) run */
	walk_run_until(w, closed);
	walk_ok(w, EV_CLOSED_BY_PSD);
	assert_int_equal(walk_dl(w, DL_AA_DETERMINATION)->status, DLS_BREACHED);
	assert_int_equal(walk_dl(w, DL_AA_DETERMINATION)->done_at, closed);
	assert_int_equal(walk_dl(w, DL_VETTING_REVIEW)->status, DLS_BREACHED);
	assert_int_equal(walk_dl(w, DL_REPRESENTATIONS)->status, DLS_MET);
	assert_int_equal(live(w, DL_RETENTION)->start, closed);
	assert_int_equal(live(w, DL_RETENTION)->due_at, due_after(w, closed, YEARS(6)));
	assert_int_equal(w->c.closed_at, closed);
	free_walk(w);
}

/* "A deadline ... runs from the event's at": a closing recorded a day late counts its
 * retention from when the case was closed, not from when the daemon heard of it. */
static void retention_runs_from_the_closing_at(void **state)
{
	struct walk *w = new_walk("");
	uint64_t at = T0 + 39 * MS_DAY;

	(void)state;
	walk_to(w, WF_AWAITING_ASSESSMENT);
	w->now = T0 + 40 * MS_DAY;
	walk_ok(w, "{'type':'case.closed'," EV_PSD ",'at':%llu,'body':{'reason':'withdrawn'}}",
		ULL(at));
	assert_int_equal(live(w, DL_RETENTION)->start, at);
	assert_int_equal(live(w, DL_RETENTION)->due_at, due_after(w, at, YEARS(6)));
	assert_int_equal(w->c.closed_at, at);
	free_walk(w);
}

/* The deadline worker leaves retention alone; the retention worker disposes at due time:
 * personal data goes, a tombstone stays. */
static void retention_disposes_personal_data_at_its_due_time(void **state)
{
	struct walk *w = new_walk("");
	const struct wf_deadline *d;
	uint64_t due;

	(void)state;
	walk_to(w, WF_CLOSED);
	d = live(w, DL_RETENTION);
	due = d->due_at;
	assert_int_equal(d->reminded_until, d->start);
	assert_int_equal(wf_dl_next(d, &w->p), due); /* no reminders */
	w->now = due;
	assert_int_equal(walk_fire(w, DL_RETENTION), 0);
	assert_int_equal(wf_dispose(&w->c, due - 1, &w->p, &w->fx), 0);
	assert_non_null(w->c.subject);
	assert_int_equal(wf_dispose(&w->c, due, &w->p, &w->fx), 1);
	assert_true(w->c.flags & WFC_DISPOSED);
	assert_int_equal(w->c.disposed_at, due);
	assert_null(w->c.subject);
	assert_null(w->c.associate);
	assert_null(w->c.categories);
	assert_null(w->c.relationship);
	assert_int_equal(w->c.subject_id.len, 0);
	assert_true(proto_str_eq(w->c.closed_reason, "withdrawn"));
	assert_int_equal(walk_dl(w, DL_RETENTION)->status, DLS_MET);
	assert_int_equal(w->fx.n, 1);
	assert_non_null(note_to(walk_note(w, "retention.disposed", 0), ROLE_PSD));
	/* once */
	assert_int_equal(wf_dispose(&w->c, due + 1, &w->p, &w->fx), 0);
	free_walk(w);
}

/* The record keeps at most WF_DL_MAX deadlines: the oldest done ones make room. */
static void the_record_keeps_at_most_wf_dl_max_deadlines(void **state)
{
	struct walk *w = new_walk("");

	(void)state;
	walk_to(w, WF_CONDITIONS_ACTIVE);
	for (int i = 0; i < 30; i++) {
		walk_ok(w, "{'type':'review.requested'," EV_AA ",'body':{'reason':'r'}}");
		walk_ok(w, "{'type':'review.completed'," EV_AA
			   ",'body':{'outcome':'no_change','representations_made':false}}");
		assert_true(w->c.n_dl <= WF_DL_MAX);
		if (w->n_ev >= WALK_EVENTS_MAX - 2)
			break;
	}
	assert_int_equal(w->c.n_dl, WF_DL_MAX);
	assert_non_null(wf_dl_find(&w->c, DL_ANNUAL_REVIEW));
	assert_non_null(wf_dl_find(&w->c, DL_VETTING_REVIEW));
	free_walk(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_kind_opens_on_entering_its_state_with_its_default),
	    cmocka_unit_test(review_opens_on_review_requested_for_28_days),
	    cmocka_unit_test(durations_come_from_the_config),
	    cmocka_unit_test(reminders_go_7_days_and_1_day_before_due_to_the_owner),
	    cmocka_unit_test(reminder_at_the_opening_is_skipped),
	    cmocka_unit_test(each_reminder_breach_and_escalation_is_sent_once),
	    cmocka_unit_test(after_downtime_only_the_latest_reminder_is_sent),
	    cmocka_unit_test(reminder_is_sent_exactly_once_when_sighup_changes_the_reminders),
	    cmocka_unit_test(breach_at_due_time_goes_to_the_owner),
	    cmocka_unit_test(escalations_every_interval_one_level_up_to_head_of_psd),
	    cmocka_unit_test(escalation_after_a_gap_sends_only_the_latest_level),
	    cmocka_unit_test(escalations_count_from_the_due_time_when_the_breach_fires_late),
	    cmocka_unit_test(already_past_deadline_is_breached_at_once_with_reminders_skipped),
	    cmocka_unit_test(partly_past_deadline_sends_its_latest_due_reminder_at_once),
	    cmocka_unit_test(met_deadline_does_not_fire),
	    cmocka_unit_test(breached_deadline_met_later_stays_breached),
	    cmocka_unit_test(unanswered_mitigation_is_referred_to_the_aa),
	    cmocka_unit_test(representations_window_closes_without_a_breach),
	    cmocka_unit_test(appeal_window_closing_makes_the_conditions_active),
	    cmocka_unit_test(wmp_appeals_14_days_with_the_worker_running),
	    cmocka_unit_test(already_past_window_closes_at_once),
	    cmocka_unit_test(deadline_extended_replans_reminders_and_breach),
	    cmocka_unit_test(extending_a_breached_deadline_replans_its_breach),
	    cmocka_unit_test(extending_the_appeal_window_moves_its_closing),
	    cmocka_unit_test(closing_cancels_what_runs_and_opens_retention),
	    cmocka_unit_test(retention_runs_from_the_closing_at),
	    cmocka_unit_test(retention_disposes_personal_data_at_its_due_time),
	    cmocka_unit_test(the_record_keeps_at_most_wf_dl_max_deadlines),
	};

	return cmocka_run_group_tests_name("daemon/wfdeadline", tests, NULL, NULL);
}
