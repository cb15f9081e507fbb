/* evjson: JSON events and walks for the engine's tests. See evjson.h. */
#include "evjson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dtest.h"
#include "jsonpack.h"
#include "case/wfdeadline.h"
#include "policy/wfstate.h"

#define JSON_TEXT_MAX 8192
#define RUN_FIRES_MAX 4096 /* firings one walk_run_until may make */

/* ---- JSON -> MessagePack ------------------------------------------------------------------- */

/* Whether the type named in the event opens a case (then it takes no "case"). */
static bool opens_case(json_t *root)
{
	const char *type = json_string_value(json_object_get(root, "type"));
	const struct proto_type *t =
	    type ? proto_type_find((struct proto_str){type, (uint32_t)strlen(type)}) : NULL;

	return t && t->opens != KIND_NONE;
}

static void add_defaults(json_t *root, uint64_t now_ms, const char *case_ref)
{
	if (!json_object_get(root, "v"))
		json_object_set_new(root, "v", json_integer(PROTO_VERSION));
	if (!json_object_get(root, "id")) {
		static unsigned long serial;
		char id[32];

		snprintf(id, sizeof(id), "evjson-%lu", ++serial);
		json_object_set_new(root, "id", json_string(id));
	}
	if (!json_object_get(root, "at"))
		json_object_set_new(root, "at", json_integer((json_int_t)now_ms));
	if (case_ref && !json_object_get(root, "case") && !opens_case(root))
		json_object_set_new(root, "case", json_string(case_ref));
}

int evjson_decodev(struct evjson *e, uint64_t now_ms, const char *case_ref, struct proto_error *err,
		   const char *fmt, va_list ap)
{
	static const struct proto_limits lim = {
	    .max_message_bytes = 65536,
	    .clock_skew_ms = 300000,
	    .max_depth = PROTO_DEFAULT_MAX_DEPTH,
	    .max_items = PROTO_DEFAULT_MAX_ITEMS,
	};
	char text[JSON_TEXT_MAX], id[PROTO_ID_MAX + 1];
	msgpack_packer pk;
	json_error_t jerr;
	json_t *root;
	int r;

	memset(e, 0, sizeof(*e));
	if (vsnprintf(text, sizeof(text), fmt, ap) >= (int)sizeof(text))
		fail_msg("evjson: event text longer than %d bytes", JSON_TEXT_MAX);
	for (char *q = text; (q = strchr(q, '\'')); q++)
		*q = '"';
	if (!(root = json_loads(text, 0, &jerr)) || !json_is_object(root))
		fail_msg("evjson: %s: %s", text, root ? "not an object" : jerr.text);
	add_defaults(root, now_ms, case_ref);
	msgpack_sbuffer_init(&e->buf);
	msgpack_packer_init(&pk, &e->buf, msgpack_sbuffer_write);
	jsonpack(&pk, root);
	json_decref(root);
	memset(err, 0, sizeof(*err));
	r = proto_event_decode(&e->ev, (const uint8_t *)e->buf.data, e->buf.size, now_ms, &lim, id,
			       err);
	e->decoded = r == 0;
	return r;
}

int evjson_decode(struct evjson *e, uint64_t now_ms, const char *case_ref, struct proto_error *err,
		  const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = evjson_decodev(e, now_ms, case_ref, err, fmt, ap);
	va_end(ap);
	return r;
}

void evjson_release(struct evjson *e)
{
	if (e->decoded)
		proto_event_release(&e->ev);
	e->decoded = false;
	msgpack_sbuffer_destroy(&e->buf);
}

/* ---- walks ---------------------------------------------------------------------------------- */

/* The policy of a config text, as the daemon builds it at start and on SIGHUP. */
static void load_policy(struct policy *p, const char *config_text)
{
	char dir[PATH_MAX], path[PATH_MAX], err[CONFIG_ERR_MAX];
	struct config cfg;

	dtest_fresh_dir("walk", dir);
	dtest_write_file(dir, "integrityd.conf", config_text, path);
	if (config_load(&cfg, path, err) < 0 || policy_load(p, &cfg, err) < 0)
		fail_msg("walk: config: %s", err);
	dtest_rmrf(dir);
}

void walk_init(struct walk *w, const char *config_text, uint64_t now)
{
	memset(w, 0, sizeof(*w));
	load_policy(&w->p, config_text);
	walk_reset(w, now);
}

void walk_reload(struct walk *w, const char *config_text)
{
	struct policy np;

	memset(&np, 0, sizeof(np));
	load_policy(&np, config_text);
	policy_free(&w->p);
	w->p = np;
}

void walk_reset(struct walk *w, uint64_t now)
{
	for (size_t i = 0; i < w->n_ev; i++)
		evjson_release(&w->ev[i]);
	w->n_ev = 0;
	memset(&w->c, 0, sizeof(w->c));
	snprintf(w->c.ref, sizeof(w->c.ref), "%s", WALK_REF);
	w->fx.n = 0;
	memset(&w->err, 0, sizeof(w->err));
	w->now = now;
}

void walk_free(struct walk *w)
{
	walk_reset(w, w->now);
	policy_free(&w->p);
}

static int walk_tryv(struct walk *w, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
static int walk_tryv(struct walk *w, const char *fmt, va_list ap)
{
	struct evjson *e;
	struct wf_case c;
	int r;

	if (w->n_ev == WALK_EVENTS_MAX)
		fail_msg("walk: more than %d events", WALK_EVENTS_MAX);
	e = &w->ev[w->n_ev];
	w->fx.n = 0;
	if (evjson_decodev(e, w->now, w->c.ref, &w->err, fmt, ap) < 0) {
		evjson_release(e);
		return -1;
	}
	c = w->c;
	if ((r = wf_apply(&c, &e->ev, w->now, &w->p, &w->fx, &w->err)) < 0) {
		evjson_release(e);
		w->fx.n = 0;
		return r;
	}
	w->c = c;
	w->n_ev++;
	return 0;
}

int walk_try(struct walk *w, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = walk_tryv(w, fmt, ap);
	va_end(ap);
	return r;
}

void walk_ok_at(const char *file, int line, struct walk *w, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = walk_tryv(w, fmt, ap);
	va_end(ap);
	dtest_proto_ok(r, &w->err, file, line);
}

int walk_fire(struct walk *w, enum dl_kind k)
{
	return wf_fire(&w->c, k, w->now, &w->p, &w->fx);
}

/* The live deadline (retention aside: the retention worker's) that needs the worker first. */
static const struct wf_deadline *next_timer(const struct walk *w, uint64_t *t)
{
	const struct wf_deadline *best = NULL;

	*t = UINT64_MAX;
	for (uint32_t i = 0; i < w->c.n_dl; i++) {
		const struct wf_deadline *d = &w->c.dl[i];
		uint64_t next = wf_dl_next(d, &w->p);

		if (d->kind != DL_RETENTION && next < *t) {
			best = d;
			*t = next;
		}
	}
	return best;
}

int walk_run_until(struct walk *w, uint64_t t)
{
	struct wf_effects all = {.n = 0}, one;
	const struct wf_deadline *d;
	uint64_t when;
	int fired = 0;

	while ((d = next_timer(w, &when)) && when <= t) {
		if (fired == RUN_FIRES_MAX)
			fail_msg("walk: more than %d firings", RUN_FIRES_MAX);
		w->now = when > w->now ? when : w->now;
		if (wf_fire(&w->c, d->kind, w->now, &w->p, &one) != 1)
			fail_msg("walk: %s was due at %llu but did not fire",
				 config_dl_name(d->kind), (unsigned long long)when);
		fired++;
		for (uint32_t i = 0; i < one.n; i++) {
			if (all.n == WF_NOTES_MAX) /* keep the latest */
				memmove(&all.note[0], &all.note[1],
					(WF_NOTES_MAX - 1) * sizeof(all.note[0]));
			all.note[all.n < WF_NOTES_MAX ? all.n++ : WF_NOTES_MAX - 1] = one.note[i];
		}
	}
	w->now = t > w->now ? t : w->now;
	w->fx = all;
	return fired;
}

const struct wf_note *walk_note(const struct walk *w, const char *topic, unsigned i)
{
	for (uint32_t k = 0; k < w->fx.n; k++)
		if (strcmp(w->fx.note[k].topic, topic) == 0 && i-- == 0)
			return &w->fx.note[k];
	return NULL;
}

unsigned walk_count(const struct walk *w, const char *topic)
{
	unsigned n = 0;

	for (uint32_t k = 0; k < w->fx.n; k++)
		n += strcmp(w->fx.note[k].topic, topic) == 0;
	return n;
}

const struct wf_recipient *note_to(const struct wf_note *n, enum proto_role r)
{
	for (uint32_t i = 0; n && i < n->n_to; i++)
		if (n->to[i].role == r)
			return &n->to[i];
	return NULL;
}

const struct wf_deadline *walk_dl(const struct walk *w, enum dl_kind k)
{
	return wfdl_last(&w->c, k);
}

/* ---- walking a case to a state ------------------------------------------------------------- */

/* The main line of a case: each step's state is reached by the steps up to it. */
const char *const walk_main_line[WALK_MAIN_LEN] = {
    EV_DECL,                      /* awaiting_manager_review */
    EV_MANAGER_REVIEWED,          /* awaiting_assessment */
    EV_ASSESSED("interview"),     /* awaiting_interview */
    EV_INTERVIEWED("mitigation"), /* awaiting_mitigation (SC: a vetting task) */
    EV_PROPOSED,                  /* mitigation_proposed */
    EV_DISPUTED,                  /* referred_to_aa */
    EV_REPS,                      /* referred_to_aa, representations made */
    EV_DETERMINED,                /* awaiting_service */
    EV_SERVED,                    /* appeal_window */
    EV_APPEALED,                  /* under_appeal */
    EV_MET,                       /* awaiting_appeal_decision */
    EV_DECIDED("confirmed"),      /* conditions_active */
};

/* How many main-line steps reach a state at its last point on the line. */
static const size_t main_steps[WF_STATE_COUNT] = {
    [WF_NONE] = 0,
    [WF_AWAITING_MANAGER_REVIEW] = 1,
    [WF_AWAITING_ASSESSMENT] = 2,
    [WF_AWAITING_INTERVIEW] = 3,
    [WF_AWAITING_MITIGATION] = 4,
    [WF_MITIGATION_PROPOSED] = 5,
    [WF_REFERRED_TO_AA] = 7,
    [WF_AWAITING_SERVICE] = 8,
    [WF_APPEAL_WINDOW] = 9,
    [WF_UNDER_APPEAL] = 10,
    [WF_AWAITING_APPEAL_DECISION] = 11,
    [WF_CONDITIONS_ACTIVE] = 12,
};

/* A new case walked to state s, every event at the clock. awaiting_aa_approval is reached by
 * agreeing to the proposal, closed by closing a new case. */
void walk_to(struct walk *w, enum wf_state s)
{
	size_t n = s == WF_AWAITING_AA_APPROVAL ? main_steps[WF_MITIGATION_PROPOSED]
		   : s == WF_CLOSED             ? 1
						: main_steps[s];

	walk_reset(w, w->now);
	for (size_t i = 0; i < n; i++)
		walk_ok(w, "%s", walk_main_line[i]);
	if (s == WF_AWAITING_AA_APPROVAL)
		walk_ok(w, EV_AGREED);
	if (s == WF_CLOSED)
		walk_ok(w, EV_CLOSED_BY_PSD);
	assert_string_equal(wf_state_name(w->c.state), wf_state_name(s));
}
