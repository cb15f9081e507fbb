/* proto: the one place that parses untrusted bytes. It turns one intake or control request
 * (a single MessagePack map) into a validated C view, or into a precise wire error whose
 * message names the field; and it encodes intake replies. Nothing here allocates in
 * proportion to what a header claims: sizes and counts are checked against the bytes. */
#ifndef PROTO_H
#define PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#define PROTO_VERSION  1
#define PROTO_ID_MAX   128 /* idempotency key bytes */
#define PROTO_CASE_MAX 32  /* case reference bytes, e.g. NA-2026-000001 */
#define PROTO_ERRMSG   240

/* The wire error codes of PROTOCOL.md, in one place. */
enum proto_err {
	PROTO_OK = 0,
	PROTO_MALFORMED,
	PROTO_TOO_LARGE,
	PROTO_UNSUPPORTED_VERSION,
	PROTO_MISSING_FIELD,
	PROTO_INVALID_FIELD,
	PROTO_UNKNOWN_TYPE,
	PROTO_UNKNOWN_CASE,
	PROTO_FORBIDDEN,
	PROTO_INVALID_TRANSITION,
	PROTO_WINDOW_CLOSED,
	PROTO_CONFLICT,
	PROTO_UNAVAILABLE,
	PROTO_UNKNOWN_COMMAND,
	PROTO_ERR_COUNT
};

/* "malformed", "too_large", ...; "ok" for PROTO_OK. */
const char *proto_err_code(enum proto_err e);

struct proto_error {
	enum proto_err code;
	char message[PROTO_ERRMSG]; /* a sentence a person can act on, naming the field */
};

/* Sets err and returns -1, so that `return proto_fail(err, ...)` reads as one step. */
int proto_fail(struct proto_error *err, enum proto_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

struct proto_limits {
	size_t max_message_bytes; /* [intake] max_message_bytes */
	uint64_t clock_skew_ms;   /* [intake] clock_skew */
	unsigned max_depth;       /* nesting of maps and arrays, top level = 1 */
	size_t max_items;         /* map entries plus array items in the whole request */
};
#define PROTO_DEFAULT_MAX_DEPTH 8
#define PROTO_DEFAULT_MAX_ITEMS 4096

/* Durations keep their unit: working days, months and years have no fixed length. */
#define PROTO_MS_PER_DAY UINT64_C(86400000) /* a UTC day: times are ms since the epoch */

enum dur_unit { DUR_MS, DUR_WD, DUR_MO, DUR_Y };
struct duration {
	uint64_t n; /* milliseconds for DUR_MS, else a count of the unit */
	enum dur_unit unit;
};
/* "300s", "15m", "2h", "7d", "5wd", "12mo", "6y" (len bytes, no NUL needed). Returns 0 or -1.
 * A count that would overflow 64 bits of milliseconds is -1. */
int proto_duration_parse(const char *s, size_t len, struct duration *ret);

/* Roles of PROTOCOL.md; ROLE_NONE means "no actor" (an anonymous referral). */
enum proto_role {
	ROLE_NONE = 0,
	ROLE_SUBJECT,
	ROLE_LINE_MANAGER,
	ROLE_PSD,
	ROLE_AA,
	ROLE_HEAD_OF_PSD,
	ROLE_VETTING,
	ROLE_HR,
	ROLE_REPORTER,
	ROLE_COUNT
};
#define ROLE_BIT(r) (1u << (r))
const char *proto_role_name(enum proto_role r);

/* A string inside the decoded request: not NUL-terminated, valid while the event lives. */
struct proto_str {
	const char *ptr;
	uint32_t len;
};
bool proto_str_eq(struct proto_str s, const char *cstr);
/* The index of the name s (len bytes) in names[0..n), which ends early at a NULL entry (n may
 * be INT_MAX for a NULL-terminated list); or -1. */
int proto_name_index(const char *const *names, int n, const char *s, size_t len);

/* Case kinds that an event may open (WORKFLOW.md "Case kinds and references"). */
enum proto_kind {
	KIND_NONE = 0, /* the event acts on an existing case, named by `case` */
	KIND_NA,
	KIND_CR,
	KIND_WR,
	KIND_GH,
	KIND_BI,
	KIND_COUNT
};
const char *proto_kind_prefix(enum proto_kind k); /* "NA", "CR", ... */

/* Field schemas: policy as data. A body is a map validated against a sentinel-terminated
 * array of fields; unknown keys are invalid_field, missing required ones missing_field. */
enum proto_ftype {
	PF_END = 0, /* sentinel */
	PF_STR,     /* non-empty UTF-8 string, at most max bytes (0: PROTO_TEXT_MAX) */
	PF_BOOL,
	PF_UINT,     /* unsigned integer, e.g. a time in ms */
	PF_DATE,     /* "YYYY-MM-DD", a real calendar date */
	PF_ENUM,     /* one string of `values` */
	PF_ENUMS,    /* array of distinct strings of `values`, at least min items */
	PF_STRS,     /* array of PF_STR, at least min items */
	PF_MAP,      /* map validated by `fields` */
	PF_MAPS,     /* array of maps validated by `fields`, at least min items */
	PF_IDENT,    /* a PF_STR naming someone (a staff number): no control characters */
	PF_DURATION, /* a duration string as in the config: "12mo", "6mo", "28d", "10wd" */
	PF_IDENTS,   /* array of distinct PF_IDENT (staff ids), at least min items */
};
#define PROTO_TEXT_MAX  16384
#define PROTO_ARRAY_MAX 64 /* default item bound for arrays in bodies */

struct proto_field {
	const char *name;
	enum proto_ftype type;
	bool required;
	uint32_t min;              /* arrays: minimum items; PF_MAP: minimum entries */
	uint32_t max;              /* strings: bytes; arrays: items (0: the defaults above) */
	const char *const *values; /* PF_ENUM, PF_ENUMS: NULL-terminated */
	const struct proto_field *fields; /* PF_MAP, PF_MAPS */
	/* Conditional presence (then `required` is false): the field is required when the
	 * sibling PF_ENUM `when_field` holds one of `when_values` (NULL-terminated), and not
	 * allowed otherwise (invalid_field "PATH: not allowed when FIELD is VALUE"). */
	const char *when_field;
	const char *const *when_values;
	/* With when_field: the field is optional, not required, when the sibling holds one of
	 * when_values (still not allowed otherwise), e.g. CR's mandatory_referral "only with
	 * investigation". */
	bool when_optional;
	/* A key that is known but never allowed here: present is invalid_field "PATH: refused"
	 * (e.g. "a subject's id cannot change"). */
	const char *refused;
};

/* One event type: its name, the kind of case it opens (or KIND_NONE), who acts, its body. */
struct proto_type {
	const char *name;
	enum proto_kind opens;
	bool actor_required;   /* an `actor` map must be present ... */
	const char *anon_flag; /* ... unless this body flag is true, and then it must be absent */
	const struct proto_field *body;
	/* The case may be named by this body field instead of `case` (report.followed_up's
	 * token); then there is no actor and the event is anonymous, and beside `case` the
	 * field is invalid_field. */
	const char *case_by;
};

/* The type table; NULL when the name is unknown. */
const struct proto_type *proto_type_find(struct proto_str name);

/* A validated intake event. It borrows `bytes` from the caller (the received frame) and owns
 * the decoded object tree. */
struct proto_event {
	const uint8_t *bytes;
	size_t len;
	struct proto_str id;
	struct proto_str case_ref; /* len 0 when absent (an opening event) */
	uint64_t at;
	const struct proto_type *type;
	enum proto_role actor_role; /* ROLE_NONE when there is no actor */
	struct proto_str actor_id;
	const msgpack_object *body; /* a map, already validated against type->body */
	bool anonymous;             /* the type's anon_flag is true in the body, or by_token */
	bool body_has_case_by;      /* the body holds the type's case_by field */
	bool by_token;              /* the case is named by the type's case_by field; case_ref
				     * stays empty until the daemon finds it (and then points into
				     * the daemon's own buffer) */
	msgpack_unpacked unpacked;  /* owns the tree; released by proto_event_release */
};

/* Decodes and validates one intake request, running the checks of PROTOCOL.md in its order
 * up to and including the body (too_large, malformed, unsupported_version, missing_field /
 * invalid_field / unknown_type). Fills ret_id with a copy of the request's `id`,
 * NUL-terminated, whenever it could be read (always after 0), else ""; on failure fills err.
 * Returns 0 or -1; after 0 the caller must call proto_event_release. */
int proto_event_decode(struct proto_event *ev, const uint8_t *bytes, size_t len, uint64_t now_ms,
		       const struct proto_limits *lim, char ret_id[PROTO_ID_MAX + 1],
		       struct proto_error *err);
void proto_event_release(struct proto_event *ev);

/* The kind k's own body of ev's type, when several kinds share the type (REGISTERS.md): 0
 * when it holds, or the type is not shared; else -1 with err naming the field, as the
 * decoder would. */
int proto_kind_body_check(enum proto_kind k, const struct proto_event *ev, struct proto_error *err);
/* The kind a case reference names by its prefix ("CR-2026-000001"), or KIND_NONE. */
enum proto_kind proto_ref_kind(struct proto_str ref);
/* The body kind k has of type t: its own when it has one, else the type's. */
const struct proto_field *proto_kind_body(enum proto_kind k, const struct proto_type *t);

/* A control request {"v": 1, "cmd": str, "args": map?}. args is NULL when absent. */
struct proto_ctl {
	struct proto_str cmd;
	const msgpack_object *args;
	msgpack_unpacked unpacked;
};
int proto_ctl_decode(struct proto_ctl *req, const uint8_t *bytes, size_t len,
		     const struct proto_limits *lim, struct proto_error *err);
/* Checks a command's args (NULL when the request has none) against its table, as bodies are
 * checked: unknown arguments, wrong types and missing required ones name "args.NAME". */
int proto_ctl_args_check(const msgpack_object *args, const struct proto_field *fields,
			 struct proto_error *err);
void proto_ctl_release(struct proto_ctl *req);

/* Lookups in a decoded map (keys are strings); NULL when absent. */
const msgpack_object *proto_map_get(const msgpack_object *map, const char *key);
/* Whether map (a map, or NULL) holds the boolean true under key: a body flag. */
bool proto_flag(const msgpack_object *map, const char *key);

/* Packs a string given as pointer and length / as a C string. */
void proto_pack_str(msgpack_packer *pk, const char *s, size_t len);
void proto_pack_cstr(msgpack_packer *pk, const char *s);
/* Packs one map entry: the key, then an unsigned integer / a C string (nil when NULL). */
void proto_pack_kv_u64(msgpack_packer *pk, const char *key, uint64_t v);
void proto_pack_kv_cstr(msgpack_packer *pk, const char *key, const char *v);

/* Intake reply. status: "accepted", "duplicate" or "rejected". id may be NULL or "" (packed
 * as nil). case_ref and seq are packed when case_ref is non-NULL; err when status is
 * "rejected". */
/* The reporter's follow-up token (REGISTERS.md "The reporter's channel"): 26 symbols of
 * Crockford's base32 (0-9, A-Z but I, L, O, U), 130 bits. PROTO_TOKEN_SHOWN is its shown
 * form, in groups of four joined by '-' (the last group two). */
#define PROTO_TOKEN_LEN   26
#define PROTO_TOKEN_SHOWN (PROTO_TOKEN_LEN + 6)
/* The token of 17 random bytes (the top 6 bits unused), canonical (no dashes), NUL-ended. */
void proto_token_make(const uint8_t raw[17], char ret[PROTO_TOKEN_LEN + 1]);
/* A token as read back: case-insensitive, with or without the dashes. Returns 0 with the
 * canonical form, or -1 when s is no token. */
int proto_token_canon(const char *s, size_t len, char ret[PROTO_TOKEN_LEN + 1]);
/* The shown form of a canonical token, NUL-ended. */
void proto_token_show(const char *canon, char ret[PROTO_TOKEN_SHOWN + 1]);

void proto_reply_pack(msgpack_packer *pk, const char *id, const char *status, const char *case_ref,
		      uint64_t seq, const struct proto_error *err);
/* The same, with `token` (shown form) when token is not NULL: the accepted and duplicate
 * replies to an anonymous report. */
void proto_reply_pack_token(msgpack_packer *pk, const char *id, const char *status,
			    const char *case_ref, uint64_t seq, const char *token,
			    const struct proto_error *err);

/* Validates UTF-8 (no overlongs, no surrogates, at most U+10FFFF). */
bool proto_utf8_valid(const char *s, size_t len);

#endif
