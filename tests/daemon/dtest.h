/* dtest: helpers for the daemon module tests. Stores live in fresh directories under DTEST_DIR
 * (the build tree); events are packed as MessagePack here and decoded by proto, as the
 * reactor does; control replies are unpacked and searched by key. */
#ifndef DTEST_H
#define DTEST_H

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <msgpack.h>

#include "loop/batch.h"
#include "control/ctl.h"
#include "policy/policy.h"
#include "proto.h"
#include "store/store.h"

#define T2026  1767225600000ull           /* 2026-01-01T00:00:00Z */
#define T2027  1798761600000ull           /* 2027-01-01T00:00:00Z */
#define NOW_MS (T2026 + 86400000ull * 40) /* 2026-02-10 */

/* Fails the test with the proto error's code and message when r != 0. */
#define assert_proto_ok(r, err) dtest_proto_ok((r), (err), __FILE__, __LINE__)
void dtest_proto_ok(int r, const struct proto_error *err, const char *file, int line);

/* The error must have code and a message containing needle (NULL: any). */
#define assert_proto_err(err, code, needle)                                                        \
	dtest_proto_err((err), (code), (needle), __FILE__, __LINE__)
void dtest_proto_err(const struct proto_error *err, enum proto_err code, const char *needle,
		     const char *file, int line);

#define assert_contains(hay, needle) dtest_contains((hay), (needle), __FILE__, __LINE__)
void dtest_contains(const char *hay, const char *needle, const char *file, int line);

/* ---- directories ------------------------------------------------------------------- */

/* A fresh (emptied) directory DTEST_DIR/name-PID; returns its path in a static slot. */
const char *dtest_fresh_dir(const char *name, char out[PATH_MAX]);
void dtest_rmrf(const char *path);
/* Writes text to dir/name and returns the file's path in out. */
const char *dtest_write_file(const char *dir, const char *name, const char *text,
			     char out[PATH_MAX]);

/* A store in a fresh directory, with the given map and ceiling (sync off: tests only). */
struct dstore {
	char dir[PATH_MAX];
	struct store st;
};
void dstore_open(struct dstore *d, const char *name, uint64_t map_size, uint64_t map_max);
void dstore_close(struct dstore *d);
/* cmocka fixtures: *state becomes a heap dstore opened in a fresh directory, and is freed. */
int dstore_setup(void **state, const char *name, uint64_t map_size, uint64_t map_max);
int dstore_teardown(void **state);

/* ---- events -------------------------------------------------------------------------- */

struct ev_spec {
	const char *type;       /* "declaration.submitted" (default) or "referral.submitted" */
	const char *id;         /* required */
	uint64_t at;            /* 0: now - 60 s */
	const char *actor_id;   /* NULL: no actor */
	const char *actor_role; /* NULL: no actor */
	const char *subject_id; /* default "S100" */
	const char *circumstances;
	bool bypass_manager;
	bool anonymous;
};

/* One event, packed and decoded; item is ready for batch_apply. */
struct tev {
	msgpack_sbuffer buf;
	struct batch_item item;
	bool decoded;
};

/* Packs the event of spec (bytes only). */
void tev_pack(const struct ev_spec *s, uint64_t now_ms, msgpack_sbuffer *out);
/* Packs and decodes; the test fails if proto rejects it. */
void tev_init(struct tev *t, const struct ev_spec *s, uint64_t now_ms);
void tev_release(struct tev *t);

/* A declaration by its own subject. */
struct ev_spec decl(const char *id, const char *subject);
/* A named referral by role. */
struct ev_spec referral(const char *id, const char *subject, const char *role);
/* An anonymous referral (no actor). */
struct ev_spec anon_referral(const char *id, const char *subject);

/* The policy of an empty config file (WORKFLOW.md's defaults), loaded once. */
const struct policy *dtest_policy(void);

/* Applies the specs as one batch at now_ms (under dtest_policy()); outcomes are copied to ret (may
 * be NULL). */
int dtest_apply(struct store *st, const struct ev_spec *specs, size_t n, uint64_t now_ms,
		struct batch_item *ret);

/* ---- MessagePack ------------------------------------------------------------------- */

const msgpack_object *mp_get(const msgpack_object *map, const char *key);
/* The value at key must be a string equal to s. */
#define assert_mp_str(map, key, s) dtest_mp_str((map), (key), (s), __FILE__, __LINE__)
void dtest_mp_str(const msgpack_object *map, const char *key, const char *s, const char *file,
		  int line);
/* The value at key must be an unsigned integer; returns it. */
#define mp_u64(map, key) dtest_mp_u64((map), (key), __FILE__, __LINE__)
uint64_t dtest_mp_u64(const msgpack_object *map, const char *key, const char *file, int line);
bool mp_str_is(const msgpack_object *o, const char *s);

/* ---- control ----------------------------------------------------------------------- */

enum carg_type { CA_STR, CA_UINT, CA_BOOL };
struct carg {
	const char *key;
	enum carg_type type;
	const char *s;
	uint64_t u;
};
#define CSTR(k, v)  ((struct carg){(k), CA_STR, (v), 0})
#define CUINT(k, v) ((struct carg){(k), CA_UINT, NULL, (v)})

/* A control reply, unpacked. */
struct creply {
	msgpack_sbuffer bytes;
	msgpack_unpacked up;
	const msgpack_object *root;
	bool ok;
	const msgpack_object *result; /* when ok */
	const char *code;             /* when not ok: NUL-terminated copy */
	char code_buf[32];
	char message[PROTO_ERRMSG + 1];
	bool deferred; /* ctl_handle returned CTL_DEFERRED; ctl_job_run answered */
	struct ctl_job job;
	bool recorded;     /* CTL_RECORD: the read's record was committed before the reply */
	uint64_t read_seq; /* its journal seq */
};

/* Packs {"v":1,"cmd":cmd,"args":{...}} (args omitted when nargs < 0), runs ctl_handle and,
 * as the reactor does: when it asks, commits the read record (batch_run at env->now_ms under
 * dtest_policy()), then, when it defers (backup), runs ctl_job_run into the same reply. */
void ctl_call(const struct ctl_env *env, const char *cmd, int nargs, const struct carg *args,
	      struct creply *ret);
void creply_release(struct creply *r);
/* Fails the test, at the caller's line, unless r is ok. */
#define assert_ok(r) dtest_ctl_ok((r), __FILE__, __LINE__)
void dtest_ctl_ok(const struct creply *r, const char *file, int line);
/* Fails the test, at the caller's line, unless r is the error code, its message containing
 * needle (NULL: any). */
#define assert_error(r, code, needle) dtest_ctl_err((r), (code), (needle), __FILE__, __LINE__)
void dtest_ctl_err(const struct creply *r, const char *code, const char *needle, const char *file,
		   int line);

#endif
