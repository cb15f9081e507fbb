/* integrityd: the Professional Standards workflow daemon. See PROTOCOL.md "The daemon's
 * command line". */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "policy.h"
#include "reactor.h"
#include "security.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: integrityd --config FILE [--check-config]\n"
		   "       integrityd --version\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"check-config", no_argument, NULL, 'C'},
	    {"version", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static struct config cfg; /* large; lives for the whole run */
	char err[CONFIG_ERR_MAX];
	const char *path = NULL;
	int check = 0, c;

	while ((c = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'C':
			check = 1;
			break;
		case 'V':
			printf("integrityd %s\n", INTEGRITYD_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!path || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (config_load(&cfg, path, err) < 0) {
		log_error("config: %s", err);
		return 1;
	}
	if (check) {
		static struct policy p;     /* the holiday file and the lists are checked too */
		static struct security sec; /* and the key files and the clients file */
		char serr[SECURITY_ERR_MAX];

		if (policy_load(&p, &cfg, err) < 0) {
			log_error("config: %s", err);
			return 1;
		}
		policy_free(&p);
		if (security_load(&sec, &cfg, serr) < 0) {
			log_error("config: %s", serr);
			return 1;
		}
		security_free(&sec);
		printf("%s: ok\n", path);
		return 0;
	}
	return reactor_run(&cfg);
}
