/* wfdeadline: the timing of one deadline (WORKFLOW.md "Deadlines"). See wfdeadline.h. */
#include "case/wfdeadline.h"

#include <string.h>

static const char *const status_names[DLS_COUNT] = {
    [DLS_OPEN] = "open",
    [DLS_MET] = "met",
    [DLS_BREACHED] = "breached",
    [DLS_CANCELLED] = "cancelled",
};
_Static_assert(sizeof(status_names) / sizeof(status_names[0]) == DLS_COUNT, "status_names");

/* Escalation levels are found by doubling then halving: at most this many doublings. */
#define LEVEL_SEARCH_MAX 32

const char *wf_dl_status_name(enum dl_status s)
{
	return (unsigned)s < DLS_COUNT ? status_names[s] : "?";
}

int wf_dl_status_parse(const char *s, size_t len)
{
	return proto_name_index(status_names, DLS_COUNT, s, len);
}

struct wf_deadline *wf_dl_find(struct wf_case *c, enum dl_kind k)
{
	for (uint32_t i = 0; i < c->n_dl; i++)
		if (c->dl[i].kind == k && wf_dl_live(&c->dl[i]))
			return &c->dl[i];
	return NULL;
}

const struct wf_deadline *wfdl_last(const struct wf_case *c, enum dl_kind k)
{
	const struct wf_deadline *last = NULL;

	for (uint32_t i = 0; i < c->n_dl; i++)
		if (c->dl[i].kind == k && (!last || c->dl[i].start >= last->start))
			last = &c->dl[i];
	return last;
}

/* ---- reminders --------------------------------------------------------------------- */

/* The reminder offsets that apply to d's kind: [deadlines] reminders, or none. */
static size_t n_reminders(const struct wf_deadline *d, const struct policy *p)
{
	return policy_dl_rule(d->kind)->reminders ? p->n_reminders : 0;
}

/* When reminder i of d is due; offsets are longest first, so times ascend with i. */
static uint64_t reminder_at(const struct wf_deadline *d, size_t i, const struct policy *p)
{
	return cal_sub(&p->cal, d->due_at, p->reminders[i], 1);
}

/* The earliest reminder of d after `after` (and after its start), before its due time;
 * UINT64_MAX when none. Searched over the current policy's offsets, so a SIGHUP that changes
 * them can neither bring back one already handled nor lose one still ahead. */
static uint64_t reminder_after(const struct wf_deadline *d, uint64_t after, const struct policy *p)
{
	uint64_t best = UINT64_MAX;

	if (after < d->start)
		after = d->start;
	for (size_t i = 0; i < n_reminders(d, p); i++) {
		uint64_t t = reminder_at(d, i, p);

		if (t > after && t < d->due_at && t < best)
			best = t;
	}
	return best;
}

/* The latest reminder of d not yet handled whose time is at or before now, or 0 when none. */
static uint64_t reminder_due(const struct wf_deadline *d, uint64_t now, const struct policy *p)
{
	uint64_t latest = 0;

	for (size_t i = 0; i < n_reminders(d, p); i++) {
		uint64_t t = reminder_at(d, i, p);

		if (t > d->reminded_until && t > d->start && t < d->due_at && t <= now &&
		    t > latest)
			latest = t;
	}
	return latest;
}

/* The time of d's next unhandled reminder, or its due time when none comes before it. */
static uint64_t next_reminder_or_due(const struct wf_deadline *d, const struct policy *p)
{
	uint64_t t = reminder_after(d, d->reminded_until, p);

	return t < d->due_at ? t : d->due_at;
}

/* ---- escalations ------------------------------------------------------------------- */

static bool escalates(const struct policy *p)
{
	return p->escalation_interval.n > 0;
}

static uint64_t escalation_at(const struct wf_deadline *d, uint64_t level, const struct policy *p)
{
	return cal_add(&p->cal, d->breached_at, p->escalation_interval, level);
}

/* The highest level whose time is at or before now, given that level lo's is. Durations in
 * months or working days have no fixed length, so it is searched, not divided: double until
 * past now, then halve the gap. */
static uint32_t level_at(const struct wf_deadline *d, uint64_t lo, uint64_t now,
			 const struct policy *p)
{
	uint64_t hi = lo + 1;

	for (int i = 0; i < LEVEL_SEARCH_MAX && hi < UINT32_MAX && escalation_at(d, hi, p) <= now;
	     i++) {
		lo = hi;
		hi = hi * 2 < UINT32_MAX ? hi * 2 : UINT32_MAX;
	}
	if (escalation_at(d, hi, p) <= now)
		return (uint32_t)hi;
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (escalation_at(d, mid, p) <= now)
			lo = mid;
		else
			hi = mid;
	}
	return (uint32_t)lo;
}

/* ---- the plan ---------------------------------------------------------------------- */

uint64_t wf_dl_next(const struct wf_deadline *d, const struct policy *p)
{
	if (!wf_dl_live(d))
		return UINT64_MAX;
	if (d->status == DLS_BREACHED)
		return escalates(p) ? escalation_at(d, (uint64_t)d->level + 1, p) : UINT64_MAX;
	return next_reminder_or_due(d, p);
}

/* Drops the oldest done deadline, keeping the others in the order they opened. */
static bool make_room(struct wf_case *c)
{
	for (uint32_t i = 0; i < c->n_dl; i++)
		if (!wf_dl_live(&c->dl[i])) {
			memmove(&c->dl[i], &c->dl[i + 1], (c->n_dl - i - 1) * sizeof(c->dl[0]));
			c->n_dl--;
			return true;
		}
	return false;
}

struct wf_deadline *wfdl_open(struct wf_case *c, enum dl_kind k, uint64_t start,
			      struct duration dur, uint64_t now, const struct policy *p)
{
	struct wf_deadline *d = wf_dl_find(c, k);

	if (d)
		return d;
	if (c->n_dl == WF_DL_MAX && !make_room(c))
		return NULL;
	d = &c->dl[c->n_dl++];
	*d = (struct wf_deadline){
	    .kind = k,
	    .status = DLS_OPEN,
	    .start = start,
	    .due_at = cal_add(&p->cal, start, dur, 1),
	    .reminded_until = start,
	    .opened_at = now,
	};
	return d;
}

/* Ends a live d at now: an open one takes status; a breached one stays breached. */
static void end_dl(struct wf_deadline *d, uint64_t now, enum dl_status status)
{
	if (!wf_dl_live(d))
		return;
	if (d->status == DLS_OPEN)
		d->status = status;
	d->done_at = now;
}

void wfdl_meet(struct wf_deadline *d, uint64_t now)
{
	end_dl(d, now, DLS_MET);
}

void wfdl_cancel(struct wf_deadline *d, uint64_t now)
{
	end_dl(d, now, DLS_CANCELLED);
}

/* An open deadline at now: its due time, else the latest reminder that has come. */
static enum wfdl_fired fire_open(struct wf_deadline *d, uint64_t now, const struct policy *p)
{
	uint64_t t;

	if (d->due_at <= now) {
		if ((t = reminder_due(d, d->due_at, p)))
			d->reminded_until = t; /* any left are stale */
		if (policy_dl_rule(d->kind)->at_due != DLA_BREACH)
			return WFDL_AT_DUE;
		/* WORKFLOW.md: only "a deadline that is already past when it opens" counts its
		 * escalations from that (late) breach; one fired late counts from its due time */
		d->status = DLS_BREACHED;
		d->breached_at = d->due_at > d->opened_at ? d->due_at : d->opened_at;
		/* the owner is told of the breach even when it fires late; the escalation level
		 * reached meanwhile is due at once after it (wf_dl_next), latest only */
		d->level = 0;
		return WFDL_BREACH;
	}
	if (!(t = reminder_due(d, now, p)))
		return WFDL_NOTHING;
	d->reminded_until = t;
	return WFDL_REMINDER;
}

enum wfdl_fired wfdl_fire(struct wf_deadline *d, uint64_t now, const struct policy *p)
{
	if (!wf_dl_live(d) || wf_dl_next(d, p) > now)
		return WFDL_NOTHING;
	if (d->status == DLS_OPEN)
		return fire_open(d, now, p);
	d->level = level_at(d, (uint64_t)d->level + 1, now, p);
	return WFDL_ESCALATION;
}

void wfdl_extend(struct wf_deadline *d, uint64_t due_at, uint64_t now)
{
	/* WORKFLOW.md: "reminders and breach re-planned". A breached deadline given more time
	 * (with a recorded reason) is open again: no longer overdue, breached at its new due
	 * time if it is missed again, its escalations counted from that breach. */
	d->due_at = due_at;
	d->status = DLS_OPEN;
	d->level = 0;
	d->breached_at = 0;
	d->reminded_until = now;
	d->opened_at = now;
}
