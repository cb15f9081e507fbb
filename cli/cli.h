/* cli: what integrityctl's commands share: the global options, the endpoints, one control
 * call, and the exit codes of usage(). main.c implements it and dispatches; the command
 * files (watch.c, ...) use it. The cli_fail and cli_usage_error family is the one place
 * that logs: a command reports each failure once, through them, and returns its exit code. */
#ifndef CLI_CLI_H
#define CLI_CLI_H

#include <getopt.h>
#include <stdbool.h>

#include <jansson.h>

#include "cliconf.h"
#include "ctlclient.h"

enum cli_exit {
	EXIT_OK = 0,          /* done; an event accepted or a duplicate */
	EXIT_FAILED = 1,      /* the daemon answered an error or rejected an event */
	EXIT_USAGE = 2,       /* bad arguments or config */
	EXIT_UNREACHABLE = 3, /* no answer from the daemon in time */
};

enum cli_socket { CLI_INTAKE, CLI_CONTROL, CLI_NOTIFY };

struct cli {
	const char *config_path;
	bool config_explicit;        /* -c or $INTEGRITYD_CONFIG: a missing file is then an error */
	const char *endpoint_opt[3]; /* --intake, --control, --notify, by enum cli_socket */
	const char *server_key_opt;  /* --server-key: the daemon's CURVE public key or its file */
	const char *client_key_opt;  /* --client-key: our key pair file */
	bool json;
	int timeout_ms;
	bool conf_loaded;
	struct cliconf conf;
	struct ctlclient *control;
};

/* "integrityctl: " and the message on stderr; returns code. */
int cli_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same with a pointer to --help; returns EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A decimal number 0..max, digits only. Returns 0 or -EINVAL. */
int cli_parse_uint(const char *s, unsigned long max, unsigned long *ret);

/* A command's options by getopt_long's table, argv[0] being the command: each long option's
 * val is its short letter too (taking an argument when the long one does). Each option goes
 * to on_opt(ctx, val, its argument), which returns an exit code; the first that is not
 * EXIT_OK ends the parse. An unknown option is a usage error naming cmd. Options end at the
 * first operand: with ret_first NULL the command takes none and one is a usage error, else
 * *ret_first is its index. Returns an exit code (logged). */
int cli_parse_opts(const char *cmd, const struct option *opts, int argc, char **argv,
		   int (*on_opt)(void *ctx, int opt, const char *arg), void *ctx, int *ret_first);

/* The endpoint to use for one socket: the option, else the config file's, else PROTOCOL.md's
 * default. Returns an exit code. */
int cli_endpoint(struct cli *cli, enum cli_socket which, const char **ret);

/* The CURVE keys for endpoint, when it is tcp:// and the daemon's key is known; *ret is NULL
 * for none, else curve. Returns an exit code (logged). */
int cli_curve(struct cli *cli, const char *endpoint, struct ctlclient_curve *curve,
	      const struct ctlclient_curve **ret);

/* One control command; on EXIT_OK *ret_result is the result (owned by the caller).
 * Failures are logged once and returned as exit codes. */
int cli_call(struct cli *cli, const char *cmd, const json_t *args, json_t **ret_result);

/* The commands of watch.c. */
int cmd_watch(struct cli *cli, int argc, char **argv);
int cmd_replay(struct cli *cli, int argc, char **argv);
/* report.c */
int cmd_report(struct cli *cli, int argc, char **argv);
/* subject.c */
int cmd_subject(struct cli *cli, int argc, char **argv);

#endif
