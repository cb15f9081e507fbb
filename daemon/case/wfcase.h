/* wfcase: a case as the workflow engine sees it (struct wf_case, its deadlines, flags and
 * vetting task) and the notifications a step emits (struct wf_effects): the data that every
 * file of the engine and its callers share. The deadline readers declared here live in
 * wfdeadline.c. Users include wf.h, which includes this. */
#ifndef WFCASE_H
#define WFCASE_H

#include <stdbool.h>
#include <stdint.h>

#include <msgpack.h>

#include "policy/policy.h"
#include "proto.h"
#include "policy/wfstate.h"

/* ---- the case --------------------------------------------------------------------- */

enum dl_status { DLS_OPEN, DLS_MET, DLS_BREACHED, DLS_CANCELLED, DLS_COUNT };
const char *wf_dl_status_name(enum dl_status s); /* "open", "met", "breached", "cancelled" */
int wf_dl_status_parse(const char *s, size_t len);

/* One deadline of a case. It is live (in the timer and due-order indexes) until done_at is
 * set: met or cancelled. A breached deadline keeps status breached after it is met or
 * cancelled (it was late); a window that closes is met. A case has at most one live deadline
 * of a kind. It opens when the case enters the state of its policy row (opens_on), from the
 * event's `at`, due after policy->due[kind] (annual_review: the case's review_period when it
 * has one); review opens on review.requested, vetting_review with a vetting task, retention
 * on closing, from the closing's `at`. It is met (done_at = now) when the case leaves that state;
 * review by review.completed, vetting_review by vetting.reviewed. Closing, by any path, cancels
 * every live one. Reminders: policy->reminders (none for a kind whose row says so), each at
 * cal_sub(due_at, offset), before due_at. They are tracked by time, not by their place in
 * the list, so that a SIGHUP that changes the offsets never sends one twice: those at or
 * before reminded_until are handled (sent, or skipped as stale). It opens with
 * reminded_until = start (a reminder at or before its opening is skipped); a reminder sets
 * it to the time of the latest reminder it handled. deadline.extended moves due_at and
 * re-plans it ("reminders and breach re-planned"): it is open again (a breached one is no
 * longer overdue, level 0), reminded_until = now so only the reminders still ahead fire,
 * and it breaches at its new due time.
 * Latest only: each reminder, breach and escalation is sent at most once, and only the latest
 * one due is sent. After downtime, the reminders and escalation levels whose time passed
 * while the daemon was down are not sent one by one: of the reminders only the latest due is
 * sent (none when the due time has passed too: the breach, or a window's at-due action, is
 * then the latest), the others counted as handled; a breach fired late still goes to its
 * owner, then only the escalation level reached by now follows at once, not each one before. */
struct wf_deadline {
	enum dl_kind kind;
	enum dl_status status;
	uint32_t level;          /* once breached: 0 = the breach, +1 for each escalation */
	uint64_t start;          /* the `at` it runs from */
	uint64_t reminded_until; /* reminders at or before this time are handled */
	uint64_t opened_at;      /* the engine's now when it opened or was extended; 0: unknown */
	uint64_t due_at;
	uint64_t breached_at; /* max(due_at, opened_at); escalations count from it */
	uint64_t done_at;     /* when it was met or cancelled; 0 while live */
};
static inline bool wf_dl_live(const struct wf_deadline *d)
{
	return d->done_at == 0;
}

/* The vetting task (WORKFLOW.md "Side effects": risk identified). Done by vetting.reviewed;
 * cancelled when the case closes, by any path, while it is open. */
enum wf_task_status { TASK_NONE, TASK_OPEN, TASK_DONE, TASK_CANCELLED, TASK_COUNT };

#define WF_DL_MAX    32 /* deadlines kept in a case record; the oldest done ones go first */
#define WF_AA_ID_MAX POLICY_AA_NAME_MAX

enum wf_case_flag {
	WFC_REPS_MADE = 1u << 0,  /* representations submitted in the current referral to the AA */
	WFC_MISCONDUCT = 1u << 1, /* flagged for misconduct consideration (P01c 3.15) */
	WFC_ESCALATE = 1u << 2,   /* referred to the AA, awaiting assignment by the worker */
	WFC_DISPOSED = 1u << 3,   /* retention destroyed its personal data: a tombstone */
	/* mitigation disputed or unanswered: the AA must allow representations */
	WFC_DISPUTED = 1u << 4,
	/* The determination with the current right of appeal has been appealed: set by
	 * appeal.lodged, cleared when a determination is served (entering appeal_window). It
	 * marks the appeal by the order of events, not by the times they carry. */
	WFC_APPEALED = 1u << 5,
	/* Referred to the AA because mitigation_response ran out, not by a dispute: an answer
	 * dated before that due time may still be heard (wfrules.c). Set by that at-due action
	 * once the case is in referred_to_aa (entering clears it); cleared on leaving, and by a
	 * dispute so heard. */
	WFC_UNANSWERED = 1u << 6,
	/* REGISTERS.md WR: bad_faith.found; a mark case.get shows ("marks": ["bad_faith"]) */
	WFC_BAD_FAITH = 1u << 7,
	/* REGISTERS.md GH: declared more than [gifts] declare_within after offered_on */
	WFC_LATE = 1u << 8,
};

/* The marks case.get shows, by flag: ["bad_faith"]. */
#define WF_MARKS (WFC_BAD_FAITH | WFC_LATE)
const char *wf_mark_name(enum wf_case_flag f); /* NULL for a flag that is no mark */

/* A kind's own record fields (its "parts"): named, borrowed like the case's other parts. A
 * personal part (an allegation, a grading) goes with retention; an outcome (a string) is
 * kept for the report. */
#define WF_PARTS_MAX 12
struct wf_part {
	struct proto_str name;
	const msgpack_object *v;
	bool outcome;
};

/* A case as the engine sees it. Scalars are the engine's; msgpack parts are borrowed, from
 * the stored record or from the event being applied, and are NULL when absent. */
struct wf_case {
	char ref[PROTO_CASE_MAX + 1];
	enum proto_kind kind;
	enum wf_origin origin;
	/* a state of its kind's enum (policy/wfstate.h): NA's is enum wf_state, whose type it
	 * keeps; a CR or WR case holds its own kind's value */
	enum wf_state state;
	uint32_t flags; /* enum wf_case_flag */
	uint64_t opened_at, closed_at, disposed_at;
	struct proto_str subject_id;
	/* borrowed; len 0 while open. case.closed: its body.reason; otherwise the closing row's:
	 * "no_further_action" or "advice" (assessment), "no_further_action" (interview),
	 * "no_risk" (aa.determined), "appeal_upheld", "conditions_removed" (review.completed) */
	struct proto_str closed_reason;
	/* outcomes, for the report: the last of each, borrowed strings, len 0 when none */
	struct proto_str assessment, risk, interview, aa_decision, appeal, review;
	bool has_review_period; /* the decision's review_period, else [deadlines] annual_review */
	struct duration review_period;
	/* Opened when a risk is identified (see wf_apply); an optional task (the level is not in
	 * [vetting] review_required) has no deadline, and becomes mandatory when a later
	 * identification finds the level now requires it. vetting.reviewed closes either (done);
	 * closing the case cancels an open one (cancelled, done_at = the closing). */
	struct {
		enum wf_task_status status;
		bool optional; /* WMP "may review": emitted with no deadline */
		uint64_t opened_at, done_at;
		struct proto_str outcome;
	} vetting;
	char aa[WF_AA_ID_MAX + 1]; /* the Appropriate Authority assigned; "" when none */
	/* parts */
	const msgpack_object *subject;        /* map */
	const msgpack_object *subject_update; /* subject.updated: fields merged over subject */
	const msgpack_object *associate;      /* map */
	const msgpack_object *categories;     /* array of str */
	const msgpack_object *relationship;   /* str */
	const msgpack_object *conditions;     /* in force or decided: [{code, text}] */
	const msgpack_object *proposed;       /* proposed by mitigation.proposed */
	/* The reporter's channel (REGISTERS.md): the canonical token of an anonymous report
	 * (set by batch, which draws it; never shown), the named reporter (CR, WR), the thread
	 * as stored (an array of {at, from, text}) and the message this step adds. */
	struct proto_str token;
	enum proto_role reporter_role; /* ROLE_NONE: anonymous, or no channel */
	struct proto_str reporter_id;
	const msgpack_object *thread;
	struct wf_msg {
		uint64_t at;
		bool from_psd;
		struct proto_str text;
	} added_msg;
	bool has_added_msg;
	/* the kind's own fields (none for NA, whose fields are the ones above) */
	struct wf_part parts[WF_PARTS_MAX];
	uint32_t n_parts;
	struct wf_deadline dl[WF_DL_MAX];
	uint32_t n_dl;
};

/* The kind's part or outcome named name, or NULL / {NULL, 0}. */
const msgpack_object *wf_part_get(const struct wf_case *c, const char *name);
struct proto_str wf_outcome_get(const struct wf_case *c, const char *name);
/* Retention: the personal parts go, the outcomes stay. */
void wf_parts_drop_personal(struct wf_case *c);

/* The live deadline of kind k, or NULL. */
struct wf_deadline *wf_dl_find(struct wf_case *c, enum dl_kind k);
/* When d next needs the deadline worker, or UINT64_MAX when never (done): open, the earliest
 * reminder under the current policy after reminded_until (and after start), else its due
 * time; breached and live, the next escalation
 * (cal_add(breached_at, escalation_interval, level + 1)). Retention's is its due time, for
 * the retention worker: wf_fire never fires it. */
uint64_t wf_dl_next(const struct wf_deadline *d, const struct policy *p);

/* ---- effects ------------------------------------------------------------------------ */

#define WF_TO_MAX    4
#define WF_NOTES_MAX 16

struct wf_recipient {
	enum proto_role role;
	struct proto_str id; /* len 0: nil */
};

enum wf_detail {
	DETAIL_NONE,
	DETAIL_TRANSITION, /* {"from": state, "to": state} */
	DETAIL_OPTIONAL,   /* {"optional": bool} (vetting.review_required) */
	DETAIL_OUTCOME,    /* {"outcome": str} (appeal.decided, case.closed reason) */
};

/* One notification (PROTOCOL.md "Notify"): references, states and roles, never contents.
 * Recipients are a table in wfnotes.c, topic -> roles: the subject's id, the line manager's
 * (subject.updated's first), the assigned AA's (nil until assigned), nil for other roles.
 * Reminders and breaches go to the kind's owner, escalations to head_of_psd;
 * case.state_changed and case.opened to the owners of the deadlines the new state opens
 * (who must act now; psd when none, e.g. closed). A recipient id may point into the case
 * (c->aa): pack the notes before c is moved or changed. */
struct wf_note {
	const char *topic;
	enum proto_kind case_kind; /* the case's kind, whose states these are */
	enum wf_state state;       /* the case's state after the change, of case_kind */
	struct wf_recipient to[WF_TO_MAX];
	uint32_t n_to;
	bool has_deadline;
	enum dl_kind dl_kind;
	uint64_t due_at;
	uint32_t level;
	enum wf_detail detail;
	enum wf_state from_state, to_state; /* DETAIL_TRANSITION */
	bool optional;                      /* DETAIL_OPTIONAL */
	struct proto_str outcome;           /* DETAIL_OUTCOME */
};

struct wf_effects {
	struct wf_note note[WF_NOTES_MAX];
	uint32_t n;
};

#endif
