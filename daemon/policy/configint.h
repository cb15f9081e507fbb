/* configint: what config.c (reading the file, the checks across keys) and configkeys.c (the
 * key table, each type's value setter, the value parsers) share and nothing outside them uses
 * (the interface is config.h). Functions are configx_*, so nm tells them from config_*. */
#ifndef CONFIGINT_H
#define CONFIGINT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "policy/config.h"

enum key_type {
	K_STR,
	K_ENDPOINTS,
	K_SIZE,
	K_DURATION_MS,
	K_DURATION,
	K_DURATIONS,
	K_DEADLINE, /* a duration longer than 0 */
	K_PATH,     /* a file name; relative to the config file's directory */
	K_DATA,     /* K_PATH, but a bare name not beside the config file is the packaged one */
	K_SYNC,
	K_UINT,
	K_CRED, /* a file name; a bare name is in $CREDENTIALS_DIRECTORY (LoadCredential=) */
	K_MODE, /* a file mode in octal, at most 0777 */
};

struct key {
	const char *section;
	const char *name;
	enum key_type type;
	size_t offset;
	size_t size;       /* K_STR, K_ENDPOINTS: the buffer */
	uint64_t min, max; /* K_SIZE, K_UINT: the range, when max is not 0 */
};

#define CONFIGX_N_KEYS 43 /* the rows of configx_keys (configkeys.c asserts it) */
extern const struct key configx_keys[CONFIGX_N_KEYS];

/* inih is driven through our own line reader, which counts lines (so an error names its
 * own line), refuses lines longer than inih's buffer (it would cut them silently) and
 * refuses unknown section headers (inih never reports a section without keys). */
struct parse_state {
	struct config *cfg;
	FILE *f;
	char *err;
	int line;                     /* the line inih is handling now */
	int err_line;                 /* the line of err, 0 when none */
	int key_line[CONFIGX_N_KEYS]; /* where each key of configx_keys[] was set, 0 when it was
				       * not: for the checks made once the whole file is read */
};

/* The handlers below return 1, or 0 with the error set (inih's convention: it reads on). */

/* config.c: sets the error "[section] name: what" at the current line; the first one stands. */
int configx_fail(struct parse_state *ps, const char *section, const char *name, const char *fmt,
		 ...) __attribute__((format(printf, 4, 5)));
/* config.c: a K_ENDPOINTS value: only ipc:// and tcp://, at least one. */
int configx_check_endpoints(struct parse_state *ps, const struct key *k, const char *list);

/* configkeys.c: sets the field of k from value, noting the line it was set at. */
int configx_set_key(struct parse_state *ps, const struct key *k, const char *value);
/* configkeys.c: a positive duration into ret (a K_DEADLINE, or a [deadlines] kind's key). */
int configx_set_deadline(struct parse_state *ps, const struct key *k, const char *value,
			 struct duration *ret);

#endif
