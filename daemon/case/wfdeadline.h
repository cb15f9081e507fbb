/* wfdeadline: one deadline's plan (WORKFLOW.md "Deadlines"): when it opens and falls due,
 * which reminder comes next, when it breaches and escalates, and how an extension re-plans
 * it. Part of the engine (wf_dl_* of wfcase.h live here too); wf.c turns what happens here
 * into notifications and state changes. Pure: no I/O, no clock, no allocation. */
#ifndef WFDEADLINE_H
#define WFDEADLINE_H

#include <stdint.h>

#include "policy/policy.h"
#include "case/wfcase.h"

/* What firing a deadline at `now` did to it. */
enum wfdl_fired {
	WFDL_NOTHING,    /* nothing was due */
	WFDL_REMINDER,   /* the latest reminder whose time has come (earlier ones skipped) */
	WFDL_BREACH,     /* at due, DLA_BREACH: status breached, level 0, breached_at set */
	WFDL_ESCALATION, /* level raised to the whole intervals elapsed since breached_at: only
			  * the latest level reached is sent. A breach fired so late that a level is
			  * already reached is WFDL_BREACH first; the escalation is due at once
			  * after */
	WFDL_AT_DUE,     /* at due, any other action: the caller runs it and meets the deadline */
};

/* Opens a deadline of kind k on c at now (opened_at), running from start and due at
 * start + dur, with reminded_until = start: reminders whose time is at or before start are skipped
 * (they would coincide with its opening). A live deadline of kind k is kept as it is and returned.
 * Room is made by dropping the oldest done deadline; NULL when all WF_DL_MAX are live. */
struct wf_deadline *wfdl_open(struct wf_case *c, enum dl_kind k, uint64_t start,
			      struct duration dur, uint64_t now, const struct policy *p);

/* Ends a live deadline at now: met (a breached one stays breached: it was late) or
 * cancelled (likewise). No effect on a done one. */
void wfdl_meet(struct wf_deadline *d, uint64_t now);
void wfdl_cancel(struct wf_deadline *d, uint64_t now);

/* Fires what is due at now: see enum wfdl_fired. A breach counts from
 * breached_at = max(due_at, opened_at): from the due time when it fires late, from the
 * opening when the deadline was already past then. Only the latest due action is taken; the
 * reminders it passes over are counted as handled (reminded_until moves to the latest). */
enum wfdl_fired wfdl_fire(struct wf_deadline *d, uint64_t now, const struct policy *p);

/* Moves a live deadline's due time to due_at and re-plans it: it is open again (a breached
 * one is no longer overdue, its level back to 0), reminded_until = now (the reminders still
 * ahead will fire), opened_at = now (re-planned then), and it breaches at the new due time. */
void wfdl_extend(struct wf_deadline *d, uint64_t due_at, uint64_t now);

/* The deadline of kind k opened last, live or done, or NULL. */
const struct wf_deadline *wfdl_last(const struct wf_case *c, enum dl_kind k);

#endif
