/* evjson: events of any type written as JSON, for the engine's tests. The JSON is packed as
 * MessagePack (objects as maps, non-negative integers as uints) and decoded by proto as the
 * reactor does, so a test's event meets the same checks as one from the wire. Single quotes
 * stand for double quotes ("{'type': 'case.closed'}"), so the text has no apostrophes.
 *
 * And a walk: one case taken through the engine event by event at an injected clock, with a
 * policy built from a config text (the defaults for ""). */
#ifndef EVJSON_H
#define EVJSON_H

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include <msgpack.h>

#include "policy/config.h"
#include "policy/policy.h"
#include "proto.h"
#include "engine/wf.h"

#define MS_MINUTE (60ull * 1000)
#define MS_HOUR   (60 * MS_MINUTE)
#define MS_DAY    (24 * MS_HOUR)

struct evjson {
	msgpack_sbuffer buf;
	struct proto_event ev;
	bool decoded;
};

/* Packs the JSON (a printf format) and decodes it at now_ms. Added when absent: "v": 1, a
 * fresh "id", "at": now_ms, and "case": case_ref (when not NULL) on a type that does not open
 * a case. JSON that does not parse fails the test. Returns 0, or -1 with err set by proto. */
int evjson_decode(struct evjson *e, uint64_t now_ms, const char *case_ref, struct proto_error *err,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
int evjson_decodev(struct evjson *e, uint64_t now_ms, const char *case_ref, struct proto_error *err,
		   const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));
void evjson_release(struct evjson *e);

/* ---- walks ------------------------------------------------------------------------------ */

#define WALK_EVENTS_MAX 48
#define WALK_REF        "NA-2026-000001"

struct walk {
	struct policy p;
	struct wf_case c;                  /* the case as the last successful step left it */
	struct wf_effects fx;              /* the notes of the last step */
	struct proto_error err;            /* the error of the last step */
	uint64_t now;                      /* the clock the steps run at */
	struct evjson ev[WALK_EVENTS_MAX]; /* applied events: the case borrows from them */
	size_t n_ev;
};

/* Builds the policy from the config text ("": the defaults), the case empty (state none,
 * ref WALK_REF), the clock at now. */
void walk_init(struct walk *w, const char *config_text, uint64_t now);
void walk_free(struct walk *w);
/* Replaces the policy by the config text's, as SIGHUP does; the case and the clock stay. */
void walk_reload(struct walk *w, const char *config_text);
/* Starts a new case (state none, ref WALK_REF) on the same policy, the clock at now. */
void walk_reset(struct walk *w, uint64_t now);

/* Applies the event (JSON, printf format; "at" defaults to the clock) at the clock. The case
 * changes only when it is accepted. Returns wf_apply's result; w->err holds its error. */
int walk_try(struct walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same, failing the test with the error when it is rejected. */
#define walk_ok(w, ...) walk_ok_at(__FILE__, __LINE__, (w), __VA_ARGS__)
void walk_ok_at(const char *file, int line, struct walk *w, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Fires the live deadline of kind k at the clock, as the deadline worker does. */
int walk_fire(struct walk *w, enum dl_kind k);
/* Moves the clock to t and fires what falls due on the way, in time order, each at its own
 * time (a worker that never sleeps late); the notes of the firings collect in w->fx (the
 * latest WF_NOTES_MAX of them). Returns the number of firings. */
int walk_run_until(struct walk *w, uint64_t t);

/* The i-th note of topic in the last step's notes (0: the first), or NULL. */
const struct wf_note *walk_note(const struct walk *w, const char *topic, unsigned i);
/* How many notes of topic the last step made. */
unsigned walk_count(const struct walk *w, const char *topic);
/* The recipient of role r in note n, or NULL. */
const struct wf_recipient *note_to(const struct wf_note *n, enum proto_role r);
/* The deadline of kind k opened last (live or done), or NULL. */
const struct wf_deadline *walk_dl(const struct walk *w, enum dl_kind k);

/* ---- the events of a case's main line ---------------------------------------------------- */

/* The walks' people: the subject S100, their line manager LM1, and one of each other role. */
#define EV_SUBJ  "'actor':{'id':'S100','role':'subject'}"
#define EV_LM    "'actor':{'id':'LM1','role':'line_manager'}"
#define EV_PSD   "'actor':{'id':'P1','role':'psd'}"
#define EV_AA    "'actor':{'id':'AA1','role':'aa'}"
#define EV_HEAD  "'actor':{'id':'H1','role':'head_of_psd'}"
#define EV_VET   "'actor':{'id':'V1','role':'vetting'}"
#define EV_CONDS "[{'code':'report_contact','text':'report any contact'}]"
#define EV_CONDS2                                                                                  \
	"[{'code':'no_contact','text':'no contact'},{'code':'posting_restriction','text':'not "    \
	"in CID'}]"

/* bodies and whole events */
#define EV_DECL_BODY_WITH(vetting, cats, extra)                                                    \
	"{'subject':{'id':'S100','vetting':'" vetting "','line_manager':'LM1'},"                   \
	"'associate':{'name':'A N Other','kind':'person'},'relationship':'friend',"                \
	"'categories':[" cats "],'circumstances':'met at school'" extra "}"
#define EV_DECL_BODY   EV_DECL_BODY_WITH("SC", "'criminal_conviction'", "")
#define EV_BYPASS_BODY EV_DECL_BODY_WITH("SC", "'criminal_conviction'", ",'bypass_manager':true")
#define EV_DECL_WITH(vetting, cats, extra)                                                         \
	"{'type':'declaration.submitted'," EV_SUBJ                                                 \
	",'body':" EV_DECL_BODY_WITH(vetting, cats, extra) "}"
#define EV_DECL EV_DECL_WITH("SC", "'criminal_conviction'", "")

#define EV_REF_BODY_WITH(extra)                                                                    \
	"{'subject':{'id':'S100'},'associate':{'name':'A N Other','kind':'group'},"                \
	"'categories':['criminal_intelligence'],'circumstances':'seen together'" extra "}"
#define EV_REF_BODY EV_REF_BODY_WITH("")

#define EV_MANAGER_REVIEWED                                                                        \
	"{'type':'manager.reviewed'," EV_LM ",'body':{'comments':'spoke to them'}}"
#define EV_ASSESSED(outcome)                                                                       \
	"{'type':'assessment.recorded'," EV_PSD ",'body':{'outcome':'" outcome "','risk':'medium'" \
	"}}"
#define EV_INTERVIEWED(outcome)                                                                    \
	"{'type':'interview.recorded'," EV_PSD ",'body':{'outcome':'" outcome                      \
	"','police_friend':true}}"
#define EV_PROPOSED "{'type':'mitigation.proposed'," EV_PSD ",'body':{'conditions':" EV_CONDS "}}"
#define EV_AGREED   "{'type':'mitigation.agreed'," EV_SUBJ ",'body':{}}"
#define EV_DISPUTED "{'type':'mitigation.disputed'," EV_SUBJ ",'body':{'reason':'unfair'}}"
#define EV_REPS                                                                                    \
	"{'type':'representations.submitted'," EV_SUBJ ",'body':{'text':'t','police_friend':"      \
	"false}}"
#define EV_APPROVED "{'type':'aa.approved'," EV_AA ",'body':{}}"
#define EV_DETERMINED                                                                              \
	"{'type':'aa.determined'," EV_AA                                                           \
	",'body':{'decision':'conditions','conditions':" EV_CONDS2 ",'reasons':'r'}}"
#define EV_SERVED           "{'type':'determination.served'," EV_PSD ",'body':{}}"
#define EV_APPEALED         "{'type':'appeal.lodged'," EV_SUBJ ",'body':{'grounds':'g'}}"
#define EV_MET              "{'type':'strategy_meeting.held'," EV_HEAD ",'body':{}}"
#define EV_DECIDED(outcome) "{'type':'appeal.decided'," EV_HEAD ",'body':{'outcome':'" outcome "'}}"
#define EV_CLOSED_BY_PSD    "{'type':'case.closed'," EV_PSD ",'body':{'reason':'withdrawn'}}"

/* A new case walked to state s along the main line (declaration, manager review, interview,
 * mitigation proposed and disputed, representations, determination, service, appeal,
 * strategy meeting, confirmed), each event at the clock, stopping at the last event that
 * leaves it in s; awaiting_aa_approval is reached by agreeing to the proposal, closed by
 * closing a new case. The subject is vetted SC, so a vetting task opens at the interview. */
void walk_to(struct walk *w, enum wf_state s);
/* The main line's events, in order. */
#define WALK_MAIN_LEN 12
extern const char *const walk_main_line[WALK_MAIN_LEN];

#endif
