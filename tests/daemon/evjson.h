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

#include "config.h"
#include "policy.h"
#include "proto.h"
#include "wf.h"

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
		   const char *fmt, va_list ap);
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

#endif
