/* cliconf: the endpoints integrityctl needs, read from the daemon's INI config file
 * ([intake], [control] and [notify] endpoint, [security] curve_public_key). A value listing
 * several endpoints separated by commas yields the first. Keys integrityctl does not use are
 * ignored. */
#ifndef CLI_CLICONF_H
#define CLI_CLICONF_H

#include <stddef.h>

#define CLICONF_DEFAULT_PATH "/etc/integrityd/integrityd.conf"
#define CLICONF_ENV          "INTEGRITYD_CONFIG"
#define CLICONF_ENDPOINT_MAX 1024

struct cliconf {
	char intake[CLICONF_ENDPOINT_MAX];     /* "" when the file has none */
	char control[CLICONF_ENDPOINT_MAX];    /* "" when the file has none */
	char notify[CLICONF_ENDPOINT_MAX];     /* "" when the file has none */
	char server_key[CLICONF_ENDPOINT_MAX]; /* [security] curve_public_key, a file; or "" */
};

/* Reads path into *ret (cleared first). Returns 0, -ENOENT / -EACCES when the file cannot
 * be opened, or -EINVAL with *ret_line set to the first line that does not parse. */
int cliconf_load(const char *path, struct cliconf *ret, int *ret_line);

/* Copies the first endpoint of a comma-separated list, trimmed, into out. Returns 0, or
 * -EINVAL when it is empty or does not fit. */
int cliconf_first_endpoint(const char *list, char *out, size_t size);

/* CURVE keys are Z85 text, 40 characters. */
#define CLICONF_Z85_LEN 40

/* Reads the one key a key file holds (the daemon's curve.pub), or takes key itself when it
 * is already 40 characters of Z85 and no such file exists. A bare file name is looked up in
 * $CREDENTIALS_DIRECTORY when that is set, as the daemon does. Returns 0, -errno when the
 * file cannot be read, -EINVAL when it holds no key. */
int cliconf_read_key(const char *key, char ret[CLICONF_Z85_LEN + 1]);

/* Reads a client key file as `integrityctl keygen` prints it: lines `public_key = Z85` and
 * `secret_key = Z85`. Returns 0, -errno, or -EINVAL when either key is missing. */
int cliconf_read_keypair(const char *path, char ret_public[CLICONF_Z85_LEN + 1],
			 char ret_secret[CLICONF_Z85_LEN + 1]);

#endif
