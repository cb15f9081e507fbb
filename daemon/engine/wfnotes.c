/* wfnotes: the notifications a step emits (PROTOCOL.md "Notify") and who each goes to: the
 * topics as rows of recipients, and the builders the rules, side effects and drivers call.
 * Part of the engine (see wf.h and wfint.h). */
#include <string.h>

#include "engine/wfint.h"

/* ---- notifications --------------------------------------------------------------------- */

/* Recipients beyond fixed roles. */
#define TO_STATE_OWNERS (1u << ROLE_COUNT)       /* owners of the deadlines the new state opens */
#define TO_DL_OWNER     (1u << (ROLE_COUNT + 1)) /* the owner of the note's deadline */
/* the reporter: a named one by role and id; by token, role reporter and no id (REGISTERS.md:
 * "for a token it names nobody") */
#define TO_REPORTER (1u << (ROLE_COUNT + 2))

/* Who each topic goes to (PROTOCOL.md "Notify": who must act or be told). Ids: the subject's,
 * the subject's line manager's, the AA assigned; other roles are named by role alone. A
 * state change nobody owns (closed) goes to psd. */
static const struct topic_row {
	const char *topic;
	uint32_t to;
} topics[] = {
    {"case.opened", R(PSD) | TO_STATE_OWNERS},
    {"case.state_changed", TO_STATE_OWNERS},
    {"case.closed", R(PSD)},
    {"case.escalated", R(AA)},
    {"deadline.reminder", TO_DL_OWNER},
    {"deadline.breached", TO_DL_OWNER},
    {"deadline.escalated", R(HEAD_OF_PSD)},
    {"conditions.imposed", R(SUBJECT) | R(LINE_MANAGER)},
    {"appeal.window_closed", R(SUBJECT) | R(PSD)},
    {"appeal.lodged", R(HEAD_OF_PSD)}, /* who holds the strategy meeting */
    {"appeal.decided", R(SUBJECT) | R(PSD)},
    {"misconduct.referral", R(PSD)},
    {"vetting.review_required", R(VETTING)},
    {"prevent.referral", R(PSD)},
    {"retention.disposed", R(PSD)},
    /* REGISTERS.md */
    {"iopc.referral_due", R(AA)},
    {"report.follow_up", R(PSD)},
    {"report.reply", TO_REPORTER},
    {"integrity.flag", R(PSD)},
    {NULL, 0},
};

static struct proto_str role_id(const struct wf_case *c, enum proto_role r)
{
	switch (r) {
	case ROLE_SUBJECT:
		return c->subject_id;
	case ROLE_LINE_MANAGER:
		return wfx_subject_str(c, "line_manager");
	case ROLE_AA:
		return (struct proto_str){c->aa, (uint32_t)strlen(c->aa)};
	default:
		return (struct proto_str){NULL, 0};
	}
}

static void add_to(struct wf_note *n, const struct wf_case *c, enum proto_role r)
{
	if (r == ROLE_NONE || n->n_to == WF_TO_MAX)
		return;
	for (uint32_t i = 0; i < n->n_to; i++)
		if (n->to[i].role == r)
			return;
	n->to[n->n_to++] = (struct wf_recipient){r, role_id(c, r)};
}

void wfx_address(struct wf_note *n, const struct wf_case *c)
{
	const struct topic_row *t;

	for (t = topics; t->topic && strcmp(t->topic, n->topic) != 0; t++)
		;
	for (int r = ROLE_SUBJECT; r < ROLE_COUNT; r++)
		if (t->to & ROLE_BIT(r))
			add_to(n, c, r);
	if ((t->to & TO_REPORTER) && n->n_to < WF_TO_MAX)
		n->to[n->n_to++] = c->reporter_role != ROLE_NONE
				       ? (struct wf_recipient){c->reporter_role, c->reporter_id}
				       : (struct wf_recipient){ROLE_REPORTER, {NULL, 0}};
	if (t->to & TO_DL_OWNER)
		add_to(n, c, policy_dl_rule(n->dl_kind)->owner);
	if (t->to & TO_STATE_OWNERS) {
		for (int k = 0; k < DL_KINDS; k++)
			if (policy_dl_opens_on(k, c->kind, n->state))
				add_to(n, c, policy_dl_rule(k)->owner);
		if (n->n_to == 0)
			add_to(n, c, ROLE_PSD);
	}
}

/* A new note on the case as it now is; NULL (and the step fails) when fx is full. */
struct wf_note *wfx_note(struct wfx *x, const char *topic)
{
	struct wf_note *n;

	if (x->fx->n == WF_NOTES_MAX) {
		x->full = true;
		return NULL;
	}
	n = &x->fx->note[x->fx->n++];
	*n = (struct wf_note){.topic = topic, .case_kind = x->c->kind, .state = x->c->state};
	return n;
}

void wfx_notify(struct wfx *x, const char *topic)
{
	struct wf_note *n = wfx_note(x, topic);

	if (n)
		wfx_address(n, x->c);
}

void wfx_notify_deadline(struct wfx *x, const char *topic, const struct wf_deadline *d)
{
	struct wf_note *n = wfx_note(x, topic);

	if (!n)
		return;
	n->has_deadline = true;
	n->dl_kind = d->kind;
	n->due_at = d->due_at;
	n->level = d->level;
	wfx_address(n, x->c);
}

void wfx_notify_outcome(struct wfx *x, const char *topic, struct proto_str outcome)
{
	struct wf_note *n = wfx_note(x, topic);

	if (!n)
		return;
	if (outcome.len) {
		n->detail = DETAIL_OUTCOME;
		n->outcome = outcome;
	}
	wfx_address(n, x->c);
}
