/* kindtest: what the case-kind tests (test_kind_*.c) share: a heap walk, the actor ids, string,
 * deadline and note checks that fail at the caller's line, and the row checker (one row of the
 * events table sent from every state as every role); a struct kt_kind describes the kind. */
#ifndef KINDTEST_H
#define KINDTEST_H

#include <stdbool.h>
#include <stdint.h>

#include "evjson.h"
#include "case/wfdeadline.h"
#include "engine/wf.h"
#include "policy/wfstate.h"

/* The kind under test. Its states run from 0 (none: no case yet) to n_states - 1. */
struct kt_kind {
	enum proto_kind kind;
	int n_states;
	const char *(*state_name)(int s);
	/* A new case of the kind walked to state s at the clock (s 0: none); alt picks the
	 * kind's other way there (CR: iopc_referral open in under_investigation). */
	void (*walk_to)(struct walk *w, int s, bool alt);
};

/* A walk on the heap, its policy the config's defaults, the clock at NOW_MS; and its end. */
struct walk *kt_new_walk(void);
void kt_free_walk(struct walk *w);

/* The walks' actor of role r: the subject S100, their line manager LM1, anyone else X1. */
const char *kt_actor_id(enum proto_role r);

/* The string must be want. */
#define kt_assert_str(s, want) kt_assert_str_at((s), (want), __FILE__, __LINE__)
void kt_assert_str_at(struct proto_str s, const char *want, const char *file, int line);

/* The live deadline of kind k (failing the test when there is none). */
#define kt_live(w, k) kt_live_at((w), (k), __FILE__, __LINE__)
const struct wf_deadline *kt_live_at(struct walk *w, enum dl_kind k, const char *file, int line);

/* The deadline of kind k opened last has status, start and due. */
#define kt_assert_dl(w, k, status, start, due)                                                     \
	kt_assert_dl_at((w), (k), (status), (start), (due), __FILE__, __LINE__)
void kt_assert_dl_at(const struct walk *w, enum dl_kind k, enum dl_status status, uint64_t start,
		     uint64_t due, const char *file, int line);

/* start + d on the walk's calendar. */
uint64_t kt_due_after(const struct walk *w, uint64_t start, struct duration d);

/* The only note of the last step is topic about deadline kind k at level, to role to (and,
 * when id is not NULL, to that id). */
#define kt_assert_one_note(w, topic, k, level, to, id)                                             \
	kt_assert_one_note_at((w), (topic), (k), (level), (to), (id), __FILE__, __LINE__)
void kt_assert_one_note_at(const struct walk *w, const char *topic, enum dl_kind k, uint32_t level,
			   enum proto_role to, const char *id, const char *file, int line);

/* ---- one row of the events table ---------------------------------------------------------- */

#define KT_SAME (-1) /* a row's next: the case stays in its state */

struct kt_row {
	const char *type;
	const char *body; /* JSON */
	uint32_t roles;   /* roles that may send it; ROLE_BIT(ROLE_NONE): no actor (anonymous) */
	uint32_t states;  /* states (as the kind's walk_to reaches them) that allow it */
	int next;         /* KT_SAME: stays */
	int by_manager;   /* when not 0: where a line manager's goes instead (CR, P01b 3.6.2) */
	uint32_t flags;   /* enum wf_case_flag: the accepted event marks the case so */
	bool alt;         /* the walk_to's alt for every state */
};

/* From every state of the kind, as every role (and as no actor): a role not in the row is
 * refused (forbidden naming the role; with no actor, or an actor on an anonymous report, the
 * codec refuses the actor), a state not in the row is invalid_transition naming the state,
 * and otherwise the case goes where the row says, marked as it says. Every (state, role) that
 * differs is printed, then the test fails at the caller's line. */
#define kt_assert_row(k, r) kt_assert_row_at((k), (r), __FILE__, __LINE__)
void kt_assert_row_at(const struct kt_kind *k, const struct kt_row *r, const char *file, int line);

/* A test of one row: fields as struct kt_row's, designated (.type = ...). */
#define KT_ROW_TEST(name, kind, ...)                                                               \
	static void name(void **state)                                                             \
	{                                                                                          \
		static const struct kt_row r = {__VA_ARGS__};                                      \
		(void)state;                                                                       \
		kt_assert_row((kind), &r);                                                         \
	}

/* ---- deadlines ------------------------------------------------------------------------------ */

/* One deadline of the kind, as its table in REGISTERS.md "Deadlines" has it. */
struct kt_deadline {
	enum dl_kind kind;
	int state;             /* the kind's walk_to this state (at T0) opens it */
	bool alt;              /* with walk_to's alt */
	struct duration dflt;  /* the config's default */
	enum proto_role owner; /* who is reminded and told of the breach */
	const char *owner_id;  /* the owner's id, or NULL: the role alone */
	uint64_t due;          /* from T0 */
	unsigned n_reminders;  /* before due, after the opening */
	const char *leave;     /* the event that moves the case on (NULL: none given) */
};

/* Walked to d's state at the clock t0, d is live and open from t0, due at d->due, which is
 * d->dflt after t0 on the calendar; the policy gives it owner d->owner, the kind's cases and
 * the default d->dflt. */
#define kt_assert_dl_opens(k, w, d, t0)                                                            \
	kt_assert_dl_opens_at((k), (w), (d), (t0), __FILE__, __LINE__)
void kt_assert_dl_opens_at(const struct kt_kind *k, struct walk *w, const struct kt_deadline *d,
			   uint64_t t0, const char *file, int line);

/* "met when the case leaves that state": walked to state from at t0, the event, at t0 + 5h,
 * moves the case out of it and meets dl then; at t0 + 400d nothing of dl fires. */
#define kt_assert_dl_met_on_leaving(k, w, t0, from, dl, event)                                     \
	kt_assert_dl_met_on_leaving_at((k), (w), (t0), (from), (dl), (event), __FILE__, __LINE__)
void kt_assert_dl_met_on_leaving_at(const struct kt_kind *k, struct walk *w, uint64_t t0, int from,
				    enum dl_kind dl, const char *event, const char *file, int line);

/* A deadline's firings, as NA's (WORKFLOW.md "Deadlines"), d being kd's live deadline on the
 * walk. kt_fire_reminders: from the clock on, each firing before kd->due is one reminder to
 * the owner; returns how many, *next the time of the firing after them. kt_assert_dl_breached:
 * at kd->due one breach to the owner, and d is breached. kt_assert_dl_escalated: then nothing
 * more until 7d later (the escalation_interval), one escalation to head_of_psd. */
#define kt_fire_reminders(w, d, kd, next)                                                          \
	kt_fire_reminders_at((w), (d), (kd), (next), __FILE__, __LINE__)
unsigned kt_fire_reminders_at(struct walk *w, const struct wf_deadline *d,
			      const struct kt_deadline *kd, uint64_t *next, const char *file,
			      int line);
#define kt_assert_dl_breached(w, d, kd) kt_assert_dl_breached_at((w), (d), (kd), __FILE__, __LINE__)
void kt_assert_dl_breached_at(struct walk *w, const struct wf_deadline *d,
			      const struct kt_deadline *kd, const char *file, int line);
#define kt_assert_dl_escalated(w, kd) kt_assert_dl_escalated_at((w), (kd), __FILE__, __LINE__)
void kt_assert_dl_escalated_at(struct walk *w, const struct kt_deadline *kd, const char *file,
			       int line);

#endif
