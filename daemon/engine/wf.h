/* wf: the workflow engine. WORKFLOW.md's rules as rows of tables; pure functions decide what
 * an event, a due deadline, an AA assignment or a disposal does to a case:
 * (case, input, now, policy) -> (new case, effects). No I/O, no clock of its own, no
 * allocation. The caller (batch) loads the case, runs one of these on it, and stores the
 * result with the effects (index changes it works out from the deadlines, notifications to
 * the outbox) in the same transaction. The case and the effects are wfcase.h's, included
 * here. */
#ifndef WF_H
#define WF_H

#include <stdint.h>

#include "policy/policy.h"
#include "proto.h"
#include "case/wfcase.h"

/* ---- the steps ---------------------------------------------------------------------- */

/* Applies an intake event. Checks in PROTOCOL.md's order: forbidden (the actor's role; a
 * declaration's actor.id must be body.subject.id; a subject's answer must come from the
 * case's subject), window_closed (representations after the representations window or
 * with `at` past its due; appeal.lodged with `at` past the last appeal window's due, in
 * appeal_window or conditions_active), invalid_transition naming the state (also:
 * aa.determined on a disputed case while the representations window is open at `at` and
 * none were made; mitigation.agreed or mitigation.disputed with `at` at or after the
 * mitigation_response deadline's due time, even before the worker has fired it, and in
 * referred_to_aa unless the worker referred the case because that deadline ran out
 * (WFC_UNANSWERED), `at` is before its due time and no representations were made: then
 * mitigation.agreed withdraws the referral (its deadlines cancelled) and goes to
 * awaiting_aa_approval, and mitigation.disputed is recorded with no change of state;
 * vetting.reviewed with no open vetting task; deadline.extended of a kind
 * with no live deadline; appeal.lodged with `at` before the last appeal window's start, when
 * the determination was served; appeal.lodged when WFC_APPEALED says that determination
 * was appealed already, or in conditions_active with no appeal window), then invalid_field
 * (deadline.extended's due_at not later than the current due). Notes: case.opened on opening (no
 * case.state_changed), else case.state_changed on a real change (re-entering conditions_active
 * after a review with no change renews the annual review, and says nothing), case.closed with its
 * reason, and the side effects of WORKFLOW.md. Entering referred_to_aa sets WFC_DISPUTED |
 * WFC_ESCALATE and clears WFC_REPS_MADE, WFC_UNANSWERED and aa; leaving it clears WFC_ESCALATE
 * and WFC_UNANSWERED. fx is reset first.
 * Fails with unavailable when WF_DL_MAX deadlines are all live (never in practice: a case has a
 * handful live; the oldest done ones make room).
 * For an opening event c is zeroed by the caller (state WF_NONE);
 * the caller gives it its reference after, once it is accepted. On success c is the new case and fx
 * holds the notifications, including those of deadlines that were already due when they opened
 * (breached at once, windows closed, stale reminders skipped). Returns 0, or -1 with err set
 * (forbidden, window_closed, invalid_transition, invalid_field) and c and fx unspecified. */
int wf_apply(struct wf_case *c, const struct proto_event *ev, uint64_t now, const struct policy *p,
	     struct wf_effects *fx, struct proto_error *err);

/* The deadline worker found c's deadline of kind k due at `now`: sends the reminder,
 * breach or escalation that is due, or runs its at-due action. Latest only (see wfcase.h):
 * after downtime, the reminders and escalation levels whose time passed while the daemon
 * was down are not sent one by one; only the latest due action is, each at most once.
 * Returns 1 when it changed c, 0 when nothing was due (a stale request: the deadline was
 * met, or already fired). Breach: status breached, level 0, breached_at = its due time, or
 * its opening when it was already past then (WORKFLOW.md: only such a deadline "counts its
 * escalations from that breach"); fired late (the daemon was down), it is still
 * deadline.breached to its owner, and the escalation level reached meanwhile is due at
 * once after it (the next wf_fire). Escalation: level = the whole escalation_intervals
 * since breached_at (deadline.escalated, that level only). At-due actions (met, no
 * breach): mitigation_response refers the case to the AA as if disputed, marked
 * WFC_UNANSWERED; representations closes, with no state change and no note (no topic says
 * it); appeal_window moves the case to conditions_active (appeal.window_closed). fx is
 * reset first. */
int wf_fire(struct wf_case *c, enum dl_kind k, uint64_t now, const struct policy *p,
	    struct wf_effects *fx);

/* Whether the reporter's channel of c is open at now (REGISTERS.md): while the case is open,
 * and for [reports] channel_after_close after its closed_at. */
bool wf_channel_open(const struct wf_case *c, uint64_t now, const struct policy *p);

/* The escalation worker assigned the case, which is referred_to_aa with WFC_ESCALATE, to
 * the Appropriate Authority aa ("" when the roster is empty: the role alone): records it,
 * clears WFC_ESCALATE, emits case.escalated. Returns 1, or 0 when the case no longer needs
 * it. */
int wf_assign(struct wf_case *c, const char *aa, uint64_t now, struct wf_effects *fx);

/* Retention: the closed case's personal data goes; a tombstone stays (ref, kind, origin,
 * state, dates, outcomes, deadlines). Clears the parts and subject_id, sets WFC_DISPOSED,
 * emits retention.disposed. Returns 1, or 0 when it is not yet due or already done. */
int wf_dispose(struct wf_case *c, uint64_t now, const struct policy *p, struct wf_effects *fx);

#endif
