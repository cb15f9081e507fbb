#include "cliconf.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <ini.h>
#include <zmq.h>

int cliconf_first_endpoint(const char *list, char *out, size_t size)
{
	const char *end;
	size_t len;

	while (*list == ' ' || *list == '\t')
		list++;
	end = strchr(list, ',');
	if (!end)
		end = list + strlen(list);
	len = (size_t)(end - list);
	while (len > 0 && (list[len - 1] == ' ' || list[len - 1] == '\t'))
		len--;
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

	if (strcmp(section, "security") == 0 && strcmp(name, "curve_public_key") == 0) {
		size_t len = strlen(value);

		if (len >= sizeof(conf->server_key))
			return 0;
		memcpy(conf->server_key, value, len + 1);
		return 1;
	}
	if (strcmp(name, "endpoint") != 0)
		return 1;
	if (strcmp(section, "intake") == 0)
		dst = conf->intake;
	else if (strcmp(section, "control") == 0)
		dst = conf->control;
	else if (strcmp(section, "notify") == 0)
		dst = conf->notify;
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

/* ---------------------------------------------------------------- CURVE key files */

static bool is_z85_key(const char *s, size_t len)
{
	uint8_t raw[32];
	char copy[CLICONF_Z85_LEN + 1];

	if (len != CLICONF_Z85_LEN)
		return false;
	memcpy(copy, s, len);
	copy[len] = '\0';
	return zmq_z85_decode(raw, copy) != NULL;
}

/* s with the blanks at both ends cut off, as pointer and length. */
static const char *trim(const char *s, size_t *len)
{
	while (*len && (*s == ' ' || *s == '\t')) {
		s++;
		(*len)--;
	}
	while (*len && (s[*len - 1] == ' ' || s[*len - 1] == '\t' || s[*len - 1] == '\n' ||
			s[*len - 1] == '\r'))
		(*len)--;
	return s;
}

static FILE *open_key_file(const char *path)
{
	const char *creds = getenv("CREDENTIALS_DIRECTORY");

	if (!strchr(path, '/') && creds && *creds) {
		char full[4096];

		if ((size_t)snprintf(full, sizeof(full), "%s/%s", creds, path) >= sizeof(full)) {
			errno = ENAMETOOLONG;
			return NULL;
		}
		return fopen(full, "re");
	}
	return fopen(path, "re");
}

int cliconf_read_key(const char *key, char ret[CLICONF_Z85_LEN + 1])
{
	char line[256];
	FILE *f;
	int r = -EINVAL;

	f = open_key_file(key);
	if (!f) {
		if (errno == ENOENT && is_z85_key(key, strlen(key))) {
			memcpy(ret, key, CLICONF_Z85_LEN + 1);
			return 0;
		}
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		size_t len = strlen(line);
		const char *p = trim(line, &len);

		if (len == 0 || *p == '#')
			continue;
		if (is_z85_key(p, len)) {
			memcpy(ret, p, len);
			ret[len] = '\0';
			r = 0;
		}
		break;
	}
	fclose(f);
	return r;
}

int cliconf_read_keypair(const char *path, char ret_public[CLICONF_Z85_LEN + 1],
			 char ret_secret[CLICONF_Z85_LEN + 1])
{
	static const char *const names[2] = {"public_key", "secret_key"};
	char keys[2][CLICONF_Z85_LEN + 1];
	bool found[2] = {false, false};
	char line[256];
	FILE *f;

	f = open_key_file(path);
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		for (int i = 0; i < 2; i++) {
			size_t nlen = strlen(names[i]), len;
			const char *p = line;

			if (strncmp(p, names[i], nlen) != 0)
				continue;
			p += nlen;
			p += strspn(p, " \t");
			if (*p != '=')
				continue;
			/* Z85 has '=' in its alphabet: the key is everything after this one */
			p++;
			len = strlen(p);
			p = trim(p, &len);
			if (!is_z85_key(p, len))
				continue;
			memcpy(keys[i], p, len);
			keys[i][len] = '\0';
			found[i] = true;
		}
	}
	fclose(f);
	explicit_bzero(line, sizeof(line));
	if (!found[0] || !found[1])
		return -EINVAL;
	memcpy(ret_public, keys[0], sizeof(keys[0]));
	memcpy(ret_secret, keys[1], sizeof(keys[1]));
	explicit_bzero(keys, sizeof(keys));
	return 0;
}
