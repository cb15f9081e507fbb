/* cliconf: the two endpoints integrityctl needs, read from the daemon's INI config file
 * ([intake] endpoint, [control] endpoint). A value listing several endpoints separated by
 * commas yields the first. Keys integrityctl does not use are ignored. */
#ifndef CLI_CLICONF_H
#define CLI_CLICONF_H

#include <stddef.h>

#define CLICONF_DEFAULT_PATH "/etc/integrityd/integrityd.conf"
#define CLICONF_ENV          "INTEGRITYD_CONFIG"
#define CLICONF_ENDPOINT_MAX 1024

struct cliconf {
	char intake[CLICONF_ENDPOINT_MAX];  /* "" when the file has none */
	char control[CLICONF_ENDPOINT_MAX]; /* "" when the file has none */
};

/* Reads path into *ret (cleared first). Returns 0, -ENOENT / -EACCES when the file cannot
 * be opened, or -EINVAL with *ret_line set to the first line that does not parse. */
int cliconf_load(const char *path, struct cliconf *ret, int *ret_line);

/* Copies the first endpoint of a comma-separated list, trimmed, into out. Returns 0, or
 * -EINVAL when it is empty or does not fit. */
int cliconf_first_endpoint(const char *list, char *out, size_t size);

#endif
