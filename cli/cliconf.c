#include "cliconf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <ini.h>

int cliconf_first_endpoint(const char *list, char *out, size_t size)
{
	const char *end;
	size_t len;

	while (*list == ' ' || *list == '\t')
		list++;
	end = strchr(list, ',');
	if (!end)
		end = list + strlen(list);
	while (end > list && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	len = (size_t)(end - list);
	if (len == 0 || len >= size)
		return -EINVAL;
	memcpy(out, list, len);
	out[len] = '\0';
	return 0;
}

/* inih handler: nonzero means "go on". A bad endpoint value counts as a line that does
 * not parse, so the caller can name it. */
static int on_value(void *user, const char *section, const char *name, const char *value)
{
	struct cliconf *conf = user;
	char *dst = NULL;

	if (strcmp(name, "endpoint") != 0)
		return 1;
	if (strcmp(section, "intake") == 0)
		dst = conf->intake;
	else if (strcmp(section, "control") == 0)
		dst = conf->control;
	if (!dst)
		return 1;
	return cliconf_first_endpoint(value, dst, CLICONF_ENDPOINT_MAX) == 0;
}

int cliconf_load(const char *path, struct cliconf *ret, int *ret_line)
{
	FILE *f;
	int r;

	memset(ret, 0, sizeof(*ret));
	f = fopen(path, "re");
	if (!f)
		return -errno;
	r = ini_parse_file(f, on_value, ret);
	fclose(f);
	if (r != 0) {
		*ret_line = r;
		return -EINVAL;
	}
	return 0;
}
