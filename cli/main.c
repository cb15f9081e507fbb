/* integrityctl: the operator's command line for integrityd. Parses the arguments, finds the
 * endpoints, runs one command and maps the outcome to the exit codes of usage(). This is the
 * top layer: it is the one place that logs, once per failure. */
#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>
#include <zmq.h>

#include "checkpoint.h"
#include "cli.h"
#include "clitime.h"
#include "show.h"
#include "submit.h"

#ifndef INTEGRITYD_VERSION
#define INTEGRITYD_VERSION "unknown"
#endif

#define DEFAULT_TIMEOUT_MS 5000
#define MAX_TIMEOUT_MS     86400000
#define MAX_CMD_OPTS       16 /* the options of one command */
/* The defaults of config/integrityd.conf (PROTOCOL.md "Sockets"), used when the default
 * config file does not exist. */
#define DEFAULT_INTAKE  "ipc:///run/integrityd/intake.sock"
#define DEFAULT_CONTROL "ipc:///run/integrityd/control.sock"
#define DEFAULT_NOTIFY  "ipc:///run/integrityd/notify.sock"
#define CLIENT_KEY_ENV  "INTEGRITYCTL_CLIENT_KEY"

static void usage(FILE *out)
{
	fputs(
	    "usage: integrityctl [-c CONFIG] [--control ENDPOINT] [--intake ENDPOINT]\n"
	    "                    [--notify ENDPOINT] [--json] [--timeout MS]\n"
	    "                    [--server-key KEY] [--client-key FILE]\n"
	    "                    COMMAND ...\n"
	    "\n"
	    "commands:\n"
	    "  status                     the daemon's counters\n"
	    "  case show REF              one case: fields, conditions, deadlines, history\n"
	    "  case reads REF             the control reads that returned a case\n"
	    "  case thread REF            the reporter's channel: reporter's and PSD's messages\n"
	    "  cases [--state S] [--kind K] [--subject ID] [--limit N] [--all]\n"
	    "                             list cases; --all follows every page\n"
	    "  deadlines [--overdue] [--before TIME] [--limit N]\n"
	    "                             deadlines in due order: case, kind, due, status, level\n"
	    "  replay --since SEQ [--limit N] [--all]\n"
	    "                             notifications after SEQ, one line each; --all pages\n"
	    "                             to the last\n"
	    "  watch [--count N] [--fill] [--since SEQ] [TOPIC...]\n"
	    "                             live notifications, one line each, until SIGINT or\n"
	    "                             SIGTERM (or N of them); TOPIC is a prefix\n"
	    "                             (deadline. for all deadline topics); --fill fetches\n"
	    "                             the ones a gap in seq skipped\n"
	    "  report [--from TIME] [--to TIME] [--kind K] [--by F] [--csv] [--html FILE]\n"
	    "                             management summary of the cases opened in [from, to)\n"
	    "  audit verify               check the journal's hash chain\n"
	    "  audit reads REF            who read a case: at, client, cmd, oldest first\n"
	    "                             (the same as case reads REF)\n"
	    "  subject export STAFF-ID --reason TEXT\n"
	    "                             every case about a staff id, its history, deadlines,\n"
	    "                             conditions and decisions; who reported and third\n"
	    "                             parties are withheld; journaled with the reason (admin)\n"
	    "  backup PATH                write a consistent copy of the store to PATH (admin)\n"
	    "  reload                     reload the deadline settings, as SIGHUP does (admin)\n"
	    "  reseal                     seal every value again under [security] seal_key (after\n"
	    "                             a key rotation) and wait until it is done (admin)\n"
	    "  checkpoint                 sign a checkpoint of the journal with [audit] sign_key\n"
	    "                             and print its line (admin)\n"
	    "  checkpoints [--since N]    the store's checkpoint lines after the Nth, one a line,\n"
	    "                             as an outside body keeps them\n"
	    "  submit FILE.json|-         send an event, or a JSON array of events, to intake;\n"
	    "                             adds v=1, a random id and at=now when missing\n"
	    "  metrics                    the daemon's counters in the Prometheus text format\n"
	    "  schema TYPE                the JSON Schema of an event type, for forms teams\n"
	    "  raw CMD [JSON-ARGS]        any control command, result printed as JSON\n"
	    "  keygen [--seal | --sign]   print a new CURVE key pair, with --seal a seal key, with\n"
	    "                             --sign a checkpoint signing pair\n"
	    "\n"
	    "options:\n"
	    "  -c, --config FILE          config file (default $" CLICONF_ENV " or\n"
	    "                             " CLICONF_DEFAULT_PATH ")\n"
	    "      --control ENDPOINT     control endpoint (default: [control] endpoint)\n"
	    "      --intake ENDPOINT      intake endpoint (default: [intake] endpoint)\n"
	    "      --notify ENDPOINT      notify endpoint (default: [notify] endpoint)\n"
	    "  -j, --json                 print results as JSON, for scripts\n"
	    "  -t, --timeout MS           how long to wait for the daemon (default 5000); for\n"
	    "                             watch --count, for each next notification\n"
	    "      --server-key KEY|FILE  the daemon's CURVE public key, for tcp:// endpoints\n"
	    "                             (default: [security] curve_public_key)\n"
	    "      --client-key FILE      our CURVE key pair as keygen prints it (default\n"
	    "                             $" CLIENT_KEY_ENV ")\n"
	    "  -h, --help                 this text\n"
	    "\n"
	    "TIME is ISO-8601 UTC (2026-03-01, 2026-03-01T09:30:00Z) or ms since the epoch.\n"
	    "  -V, --version              the version\n"
	    "\n"
	    "exit status:\n"
	    "  0  done: the command succeeded; submitted events were accepted or duplicates\n"
	    "  1  the daemon answered an error, rejected an event, or the audit chain is broken\n"
	    "  2  usage error: bad arguments, unreadable config or input file\n"
	    "  3  could not reach the daemon: no reply within the timeout (watch --count:\n"
	    "     no notification within it)\n",
	    out);
}

int cli_fail(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("integrityctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

int cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("integrityctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\ntry 'integrityctl --help'\n", stderr);
	return EXIT_USAGE;
}

int cli_parse_uint(const char *s, unsigned long max, unsigned long *ret)
{
	unsigned long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

int cli_parse_opts(const char *cmd, const struct option *opts, int argc, char **argv,
		   int (*on_opt)(void *ctx, int opt, const char *arg), void *ctx, int *ret_first)
{
	char shorts[2 * MAX_CMD_OPTS + 2] = "+"; /* '+': options end at the first operand */
	size_t n = 1;
	int code = EXIT_OK, o;

	for (const struct option *opt = opts; opt->name; opt++) {
		assert(n + 2 < sizeof(shorts));
		shorts[n++] = (char)opt->val;
		if (opt->has_arg == required_argument)
			shorts[n++] = ':';
	}
	shorts[n] = '\0';
	optind = 0;
	opterr = 0;
	while (code == EXIT_OK && (o = getopt_long(argc, argv, shorts, opts, NULL)) != -1)
		code = o == '?' ? cli_usage_error("%s: unknown option '%s'", cmd, argv[optind - 1])
				: on_opt(ctx, o, optarg);
	if (code != EXIT_OK)
		return code;
	if (!ret_first && optind != argc)
		return cli_usage_error("%s: unexpected argument '%s'", cmd, argv[optind]);
	if (ret_first)
		*ret_first = optind;
	return EXIT_OK;
}

static uint64_t wall_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---------------------------------------------------------------- endpoints */

/* Reads the config file once; a missing default file is no error. Returns an exit code. */
static int load_conf(struct cli *cli)
{
	int line = 0, r;

	if (cli->conf_loaded)
		return EXIT_OK;
	r = cliconf_load(cli->config_path, &cli->conf, &line);
	if (r == -EINVAL)
		return cli_usage_error("%s:%d: cannot parse this line", cli->config_path, line);
	if (r < 0 && (cli->config_explicit || r != -ENOENT))
		return cli_usage_error("%s: %s", cli->config_path, strerror(-r));
	cli->conf_loaded = true;
	return EXIT_OK;
}

int cli_endpoint(struct cli *cli, enum cli_socket which, const char **ret)
{
	static const char *const defaults[] = {
	    [CLI_INTAKE] = DEFAULT_INTAKE,
	    [CLI_CONTROL] = DEFAULT_CONTROL,
	    [CLI_NOTIFY] = DEFAULT_NOTIFY,
	};
	const char *conf[] = {
	    [CLI_INTAKE] = cli->conf.intake,
	    [CLI_CONTROL] = cli->conf.control,
	    [CLI_NOTIFY] = cli->conf.notify,
	};
	int code;

	_Static_assert(sizeof(defaults) / sizeof(defaults[0]) ==
			   sizeof(cli->endpoint_opt) / sizeof(cli->endpoint_opt[0]),
		       "one default per socket");
	if (cli->endpoint_opt[which]) {
		*ret = cli->endpoint_opt[which];
		return EXIT_OK;
	}
	code = load_conf(cli);
	if (code != EXIT_OK)
		return code;
	*ret = conf[which][0] ? conf[which] : defaults[which];
	return EXIT_OK;
}

static int report_error(const char *what, const char *endpoint, int r, int timeout_ms,
			const struct ctlclient_error *err);

/* CURVE for a tcp:// endpoint when the daemon's public key is known (--server-key, else
 * [security] curve_public_key): the daemon then refuses plain connections there (PROTOCOL.md
 * "Security settings"). *ret is NULL for no CURVE. Returns an exit code. */
int cli_curve(struct cli *cli, const char *endpoint, struct ctlclient_curve *curve,
	      const struct ctlclient_curve **ret)
{
	const char *server = cli->server_key_opt;
	const char *client = cli->client_key_opt;
	int r;

	*ret = NULL;
	if (strncmp(endpoint, "tcp://", 6) != 0)
		return EXIT_OK;
	if (!server) {
		int code = load_conf(cli);

		if (code != EXIT_OK)
			return code;
		if (!cli->conf.server_key[0])
			return EXIT_OK;
		server = cli->conf.server_key;
	}
	r = cliconf_read_key(server, curve->server_public);
	if (r < 0)
		return cli_usage_error("the daemon's CURVE public key '%s': %s", server,
				       r == -EINVAL ? "holds no Z85 key" : strerror(-r));
	if (!client)
		client = getenv(CLIENT_KEY_ENV);
	if (!client || !*client)
		return cli_usage_error(
		    "%s needs CURVE: give --client-key FILE or $%s (integrityctl "
		    "keygen > FILE makes one; its public key goes in the clients file)",
		    endpoint, CLIENT_KEY_ENV);
	r = cliconf_read_keypair(client, curve->public, curve->secret);
	if (r < 0)
		return cli_usage_error("client key file '%s': %s", client,
				       r == -EINVAL
					   ? "needs public_key = Z85 and secret_key = Z85 lines"
					   : strerror(-r));
	*ret = curve;
	return EXIT_OK;
}

/* Connects to endpoint, with CURVE when it needs it. Returns an exit code. */
static int connect_to(struct cli *cli, const char *what, const char *endpoint,
		      struct ctlclient **ret)
{
	const struct ctlclient_curve *use;
	struct ctlclient_curve curve;
	int code, r;

	code = cli_curve(cli, endpoint, &curve, &use);
	if (code != EXIT_OK)
		return code;
	r = ctlclient_new(endpoint, use, ret);
	explicit_bzero(&curve, sizeof(curve));
	if (r < 0)
		return report_error(what, endpoint, r, cli->timeout_ms, NULL);
	return EXIT_OK;
}

/* The exit code for a failure of the request/reply layer, logged once. */
static int report_error(const char *what, const char *endpoint, int r, int timeout_ms,
			const struct ctlclient_error *err)
{
	switch (r) {
	case -EREMOTEIO:
		return cli_fail(EXIT_FAILED, "%s: %s: %s", what, err->code, err->message);
	case -ETIMEDOUT:
		return cli_fail(EXIT_UNREACHABLE,
				"%s: no reply from %s within %d ms (is integrityd running?)", what,
				endpoint, timeout_ms);
	case -EBADMSG:
		return cli_fail(EXIT_FAILED, "%s: the reply from %s is not a valid MessagePack map",
				what, endpoint);
	case -EINVAL:
	case -EPROTONOSUPPORT:
		return cli_fail(EXIT_USAGE, "%s: bad endpoint '%s': %s", what, endpoint,
				zmq_strerror(-r));
	default:
		return cli_fail(EXIT_UNREACHABLE, "%s: %s: %s", what, endpoint, zmq_strerror(-r));
	}
}

/* One control command; on EXIT_OK *ret_result is the result (owned by the caller). */
int cli_call(struct cli *cli, const char *cmd, const json_t *args, json_t **ret_result)
{
	struct ctlclient_error err;
	const char *endpoint;
	int code, r;

	memset(&err, 0, sizeof(err));
	code = cli_endpoint(cli, CLI_CONTROL, &endpoint);
	if (code != EXIT_OK)
		return code;
	if (!cli->control) {
		code = connect_to(cli, cmd, endpoint, &cli->control);
		if (code != EXIT_OK)
			return code;
	}
	r = ctlclient_call(cli->control, cmd, args, cli->timeout_ms, ret_result, &err);
	if (r < 0)
		return report_error(cmd, endpoint, r, cli->timeout_ms, &err);
	return EXIT_OK;
}

/* ---------------------------------------------------------------- commands */

/* One control command whose result is printed: as JSON with --json, else by show, given the
 * result's member `field`, or the whole result when field is NULL. Returns an exit code. */
static int call_show(struct cli *cli, const char *cmd, const json_t *args, const char *field,
		     void (*show)(FILE *out, const json_t *v))
{
	json_t *result;
	int code;

	code = cli_call(cli, cmd, args, &result);
	if (code != EXIT_OK)
		return code;
	if (cli->json)
		show_json(stdout, result);
	else
		show(stdout, field ? json_object_get(result, field) : result);
	json_decref(result);
	return EXIT_OK;
}

/* A command whose options (on_opt) make the args of one control command, its result shown as
 * call_show does. Returns an exit code. */
static int opts_call_show(struct cli *cli, int argc, char **argv, const struct option *opts,
			  int (*on_opt)(void *args, int opt, const char *arg), const char *cmd,
			  const char *field, void (*show)(FILE *out, const json_t *v))
{
	json_t *args;
	int code;

	args = json_object();
	if (!args)
		return cli_fail(EXIT_FAILED, "out of memory");
	code = cli_parse_opts(argv[0], opts, argc, argv, on_opt, args, NULL);
	if (code == EXIT_OK)
		code = call_show(cli, cmd, args, field, show);
	json_decref(args);
	return code;
}

static int cmd_status(struct cli *cli, int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return cli_usage_error("status takes no arguments");
	return call_show(cli, "status", NULL, NULL, show_status);
}

/* call_show with the one argument {key: value}; a value that is not UTF-8 is a usage error
 * of the command `what`, naming the argument as noun. Returns an exit code. */
static int call_show_str(struct cli *cli, const char *what, const char *cmd, const char *key,
			 const char *noun, const char *value, const char *field,
			 void (*show)(FILE *out, const json_t *v))
{
	json_t *args = json_pack("{s:s}", key, value);
	int code;

	if (!args)
		return cli_usage_error("%s: the %s must be UTF-8", what, noun);
	code = call_show(cli, cmd, args, field, show);
	json_decref(args);
	return code;
}

/* audit.reads {case}: the journaled reads of one case as a table. */
static int call_reads(struct cli *cli, const char *what, const char *ref)
{
	return call_show_str(cli, what, "audit.reads", "case", "reference", ref, "reads",
			     show_reads);
}

static int cmd_case(struct cli *cli, int argc, char **argv)
{
	if (argc != 3 || (strcmp(argv[1], "show") != 0 && strcmp(argv[1], "reads") != 0 &&
			  strcmp(argv[1], "thread") != 0))
		return cli_usage_error("usage: case show REF | case reads REF | case thread REF");
	if (strcmp(argv[1], "reads") == 0)
		return call_reads(cli, "case", argv[2]);
	/* the reporter's channel (report.thread): the reporter's and PSD's messages */
	if (strcmp(argv[1], "thread") == 0)
		return call_show_str(cli, "case", "report.thread", "case", "reference", argv[2],
				     NULL, show_tree);
	return call_show_str(cli, "case", "case.get", "case", "reference", argv[2], NULL,
			     show_case);
}

struct cases_opts {
	json_t *args;
	bool every; /* --all */
};

static int cases_opt(void *ctx, int opt, const char *arg)
{
	struct cases_opts *c = ctx;
	unsigned long limit;

	switch (opt) {
	case 's':
		json_object_set_new(c->args, "state", json_string(arg));
		break;
	case 'u':
		json_object_set_new(c->args, "subject", json_string(arg));
		break;
	case 'n':
		if (cli_parse_uint(arg, 1000, &limit) < 0 || limit == 0)
			return cli_usage_error("cases: --limit takes a number from 1 to 1000");
		json_object_set_new(c->args, "limit", json_integer((json_int_t)limit));
		break;
	case 'a':
		c->every = true;
		break;
	case 'k':
		json_object_set_new(c->args, "kind", json_string(arg));
		break;
	}
	return EXIT_OK;
}

static int cmd_cases(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"state", required_argument, NULL, 's'},
	    {"subject", required_argument, NULL, 'u'},
	    {"limit", required_argument, NULL, 'n'},
	    {"all", no_argument, NULL, 'a'},
	    {"kind", required_argument, NULL, 'k'},
	    {NULL, 0, NULL, 0},
	};
	struct cases_opts c = {.args = json_object()};
	json_t *args = c.args, *all, *result = NULL, *next;
	int code;

	all = json_array();
	if (!args || !all) {
		json_decref(args);
		json_decref(all);
		return cli_fail(EXIT_FAILED, "out of memory");
	}
	code = cli_parse_opts("cases", opts, argc, argv, cases_opt, &c, NULL);
	if (code != EXIT_OK)
		goto out;
	for (;;) {
		code = cli_call(cli, "case.list", args, &result);
		if (code != EXIT_OK)
			goto out;
		json_array_extend(all, json_object_get(result, "cases"));
		next = json_object_get(result, "next");
		if (!c.every || !json_is_string(next))
			break;
		json_object_set(args, "after", next);
		json_decref(result);
		result = NULL;
	}
	if (cli->json) {
		/* With --all, one result as if it had been one page. */
		if (c.every) {
			json_object_set(result, "cases", all);
			json_object_set_new(result, "next", json_null());
		}
		show_json(stdout, result);
	} else {
		show_cases(stdout, all);
		if (!c.every && json_is_string(json_object_get(result, "next")))
			printf("(more: --all lists every page)\n");
	}
out:
	json_decref(result);
	json_decref(args);
	json_decref(all);
	return code;
}

/* The TIME option --key into args[key] as ms. Returns an exit code. */
static int time_arg(json_t *args, const char *cmd, const char *key, const char *value)
{
	uint64_t ms;

	if (clitime_parse(value, &ms) < 0)
		return cli_usage_error("%s: --%s takes ISO-8601 UTC (2026-03-01T09:30:00Z) or ms, "
				       "not '%s'",
				       cmd, key, value);
	json_object_set_new(args, key, json_integer((json_int_t)ms));
	return EXIT_OK;
}

static int deadlines_opt(void *args, int opt, const char *arg)
{
	unsigned long limit;

	switch (opt) {
	case 'o':
		json_object_set_new(args, "overdue", json_true());
		break;
	case 'b':
		return time_arg(args, "deadlines", "before", arg);
	case 'n':
		if (cli_parse_uint(arg, UINT32_MAX, &limit) < 0 || limit == 0)
			return cli_usage_error("deadlines: --limit takes a number from 1");
		json_object_set_new(args, "limit", json_integer((json_int_t)limit));
		break;
	}
	return EXIT_OK;
}

static int cmd_deadlines(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"overdue", no_argument, NULL, 'o'},
	    {"before", required_argument, NULL, 'b'},
	    {"limit", required_argument, NULL, 'n'},
	    {NULL, 0, NULL, 0},
	};

	return opts_call_show(cli, argc, argv, opts, deadlines_opt, "deadlines.list", "deadlines",
			      show_deadlines);
}

static int cmd_audit(struct cli *cli, int argc, char **argv)
{
	json_t *result;
	bool ok;
	int code;

	if (argc == 3 && strcmp(argv[1], "reads") == 0)
		return call_reads(cli, "audit reads", argv[2]);
	if (argc != 2 || strcmp(argv[1], "verify") != 0)
		return cli_usage_error("usage: audit verify | audit reads REF");
	code = cli_call(cli, "audit.verify", NULL, &result);
	if (code != EXIT_OK)
		return code;
	if (cli->json) {
		ok = json_is_true(json_object_get(result, "ok"));
		show_json(stdout, result);
	} else
		ok = show_audit(stdout, result);
	json_decref(result);
	if (!ok)
		return cli_fail(EXIT_FAILED, "audit verify: the journal's hash chain is broken");
	return EXIT_OK;
}

static int cmd_backup(struct cli *cli, int argc, char **argv)
{
	if (argc != 2)
		return cli_usage_error("usage: backup PATH");
	return call_show_str(cli, "backup", "backup", "path", "path", argv[1], NULL, show_backup);
}

static int cmd_reload(struct cli *cli, int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return cli_usage_error("reload takes no arguments");
	return call_show(cli, "reload", NULL, NULL, show_reload);
}

#define RESEAL_POLL_MS 250 /* how often reseal asks status how the pass stands */

/* reseal: starts the pass (or joins the one running) and waits, asking status, until it is
 * over; then says whether every value is under the current key. */
static int cmd_reseal(struct cli *cli, int argc, char **argv)
{
	const json_t *seal, *pass = NULL, *pending;
	json_t *result;
	int code;

	(void)argv;
	if (argc != 1)
		return cli_usage_error("reseal takes no arguments");
	if ((code = cli_call(cli, "reseal", NULL, &result)) != EXIT_OK)
		return code;
	json_decref(result);
	for (;;) {
		if ((code = cli_call(cli, "status", NULL, &result)) != EXIT_OK)
			return code;
		seal = json_object_get(result, "seal");
		pass = json_object_get(seal, "reseal");
		if (!json_is_true(json_object_get(pass, "running")))
			break;
		json_decref(result);
		usleep(RESEAL_POLL_MS * 1000);
	}
	pending = json_object_get(seal, "pending");
	if (cli->json)
		show_json(stdout, seal);
	else
		printf("resealed %lld case records and %lld journal entries; %lld could not be; "
		       "%s\n",
		       (long long)json_integer_value(json_object_get(pass, "cases")),
		       (long long)json_integer_value(json_object_get(pass, "entries")),
		       (long long)json_integer_value(json_object_get(pass, "failed")),
		       json_is_null(pending) ? "every value is under the current key"
					     : "some are not under the current key yet");
	code = json_is_null(pending) ? EXIT_OK : EXIT_FAILED;
	json_decref(result);
	if (code != EXIT_OK)
		return cli_fail(code, "reseal: values remain under another key or plain (the "
				      "daemon's log names them); keep seal_key_previous");
	return EXIT_OK;
}

/* metrics: the daemon's exposition as it is (--json: the reply), for node-exporter's textfile
 * collector (systemd/integrityd-metrics.service) or a scrape by hand. */
static int cmd_metrics(struct cli *cli, int argc, char **argv)
{
	const char *text;
	json_t *result;
	int code;

	(void)argv;
	if (argc != 1)
		return cli_usage_error("metrics takes no arguments");
	if ((code = cli_call(cli, "metrics", NULL, &result)) != EXIT_OK)
		return code;
	text = json_string_value(json_object_get(result, "exposition"));
	if (cli->json)
		show_json(stdout, result);
	else if (text)
		fputs(text, stdout);
	else
		fprintf(stderr, "integrityctl: metrics: the reply holds no exposition\n");
	json_decref(result);
	return text ? EXIT_OK : EXIT_FAILED;
}

/* schema TYPE: the generated JSON Schema of an event type, from the package's data directory
 * (BINDIR/../share/integrityd/schema) or, in a build tree, BUILD/schema beside cli/. Needs no
 * daemon. */
static int cmd_schema(struct cli *cli, int argc, char **argv)
{
	static const char *const dirs[] = {"../share/integrityd/schema", "../schema"};
	char exe[PATH_MAX], path[2 * PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	FILE *f = NULL;
	char buf[4096];
	size_t got;

	(void)cli;
	if (argc != 2 || !*argv[1] || strchr(argv[1], '/'))
		return cli_usage_error("usage: schema TYPE (an event type, e.g. "
				       "declaration.submitted)");
	if (n <= 0 || !strrchr(exe, '/')) {
		fprintf(stderr, "integrityctl: schema: cannot find this program's directory\n");
		return EXIT_USAGE;
	}
	exe[n] = '\0';
	*strrchr(exe, '/') = '\0';
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]) && !f; i++) {
		snprintf(path, sizeof(path), "%s/%s/%s.json", exe, dirs[i], argv[1]);
		f = fopen(path, "re");
	}
	if (!f) {
		fprintf(stderr,
			"integrityctl: schema: no schema for '%s' (not an event type?) in "
			"%s/%s\n",
			argv[1], exe, dirs[0]);
		return EXIT_USAGE;
	}
	while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, got, stdout);
	fclose(f);
	putchar('\n');
	return EXIT_OK;
}

static int cmd_raw(struct cli *cli, int argc, char **argv)
{
	json_t *args = NULL;
	json_error_t jerr;
	int code;

	if (argc < 2 || argc > 3)
		return cli_usage_error("usage: raw CMD [JSON-ARGS]");
	if (argc == 3) {
		args = json_loads(argv[2], JSON_REJECT_DUPLICATES, &jerr);
		if (!args)
			return cli_usage_error("raw: JSON-ARGS: %s", jerr.text);
		if (!json_is_object(args)) {
			json_decref(args);
			return cli_usage_error("raw: JSON-ARGS must be a JSON object");
		}
	}
	/* JSON either way: show_json is also the human view */
	code = call_show(cli, argv[1], args, NULL, show_json);
	json_decref(args);
	return code;
}

static int cmd_submit(struct cli *cli, int argc, char **argv)
{
	struct ctlclient *c = NULL;
	json_t *events, *replies = NULL, *ev;
	uint64_t now = wall_now_ms();
	const char *endpoint;
	char errbuf[512];
	size_t i, missing = 0, refused = 0;
	bool single;
	int code, r;

	if (argc != 2)
		return cli_usage_error("usage: submit FILE.json|-");
	r = submit_load(argv[1], &events, &single, errbuf, sizeof(errbuf));
	if (r < 0)
		return cli_fail(EXIT_USAGE, "submit: %s", errbuf);
	json_array_foreach(events, i, ev)
	{
		r = submit_prepare(ev, now);
		if (r < 0) {
			json_decref(events);
			return cli_fail(EXIT_FAILED, "submit: %s", strerror(-r));
		}
	}
	code = cli_endpoint(cli, CLI_INTAKE, &endpoint);
	if (code != EXIT_OK)
		goto out;
	code = connect_to(cli, "submit", endpoint, &c);
	if (code != EXIT_OK)
		goto out;
	r = submit_run(c, events, cli->timeout_ms, &replies);
	if (r < 0 && r != -ETIMEDOUT) {
		code = report_error("submit", endpoint, r, cli->timeout_ms, NULL);
		goto out;
	}

	if (cli->json)
		show_json(stdout, single ? json_array_get(replies, 0) : replies);
	json_array_foreach(replies, i, ev)
	{
		if (json_is_null(ev)) {
			missing++;
			continue;
		}
		if (cli->json) {
			const char *st = json_string_value(json_object_get(ev, "status"));

			if (!st || (strcmp(st, "accepted") && strcmp(st, "duplicate")))
				refused++;
			continue;
		}
		if (!show_intake_reply(stdout, stderr, ev))
			refused++;
	}
	if (missing)
		code = cli_fail(EXIT_UNREACHABLE,
				"submit: %zu of %zu events got no reply from %s within %d ms",
				missing, json_array_size(events), endpoint, cli->timeout_ms);
	else if (refused)
		code = cli_fail(EXIT_FAILED, "submit: %zu of %zu events rejected", refused,
				json_array_size(events));
out:
	json_decref(replies);
	json_decref(events);
	ctlclient_destroy(&c);
	return code;
}

static int cmd_keygen(struct cli *cli, int argc, char **argv)
{
	char pub[CLICONF_Z85_LEN + 1], sec[CLICONF_Z85_LEN + 1];

	if (argc == 2 && strcmp(argv[1], "--seal") == 0) {
		unsigned char key[32];
		char hex[65];

		randombytes_buf(key, sizeof(key));
		sodium_bin2hex(hex, sizeof(hex), key, sizeof(key));
		sodium_memzero(key, sizeof(key));
		if (cli->json)
			printf("{\"seal_key\": \"%s\"}\n", hex);
		else
			puts(hex);
		sodium_memzero(hex, sizeof(hex));
		return EXIT_OK;
	}
	if (argc == 2 && strcmp(argv[1], "--sign") == 0) {
		unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
		char pkhex[2 * sizeof(pk) + 1], skhex[2 * sizeof(sk) + 1];

		crypto_sign_keypair(pk, sk);
		sodium_bin2hex(pkhex, sizeof(pkhex), pk, sizeof(pk));
		sodium_bin2hex(skhex, sizeof(skhex), sk, sizeof(sk));
		sodium_memzero(sk, sizeof(sk));
		if (cli->json)
			printf("{\"sign_public\": \"%s\", \"sign_secret\": \"%s\"}\n", pkhex, skhex);
		else
			printf("sign_public = %s\nsign_secret = %s\n", pkhex, skhex);
		sodium_memzero(skhex, sizeof(skhex));
		return EXIT_OK;
	}
	if (argc != 1)
		return cli_usage_error("usage: keygen [--seal | --sign]");
	if (zmq_curve_keypair(pub, sec) < 0)
		return cli_fail(EXIT_FAILED, "keygen: %s (libzmq built without CURVE?)",
				zmq_strerror(errno));
	if (cli->json)
		printf("{\"public_key\": \"%s\", \"secret_key\": \"%s\"}\n", pub, sec);
	else
		printf("public_key = %s\nsecret_key = %s\n", pub, sec);
	sodium_memzero(sec, sizeof(sec));
	return EXIT_OK;
}

/* ---------------------------------------------------------------- dispatch */

struct command {
	const char *name;
	int (*run)(struct cli *cli, int argc, char **argv);
};

static const struct command commands[] = {
    {"status", cmd_status},       {"case", cmd_case},     {"cases", cmd_cases},
    {"deadlines", cmd_deadlines}, {"replay", cmd_replay}, {"watch", cmd_watch},
    {"report", cmd_report},       {"audit", cmd_audit},   {"backup", cmd_backup},
    {"submit", cmd_submit},       {"raw", cmd_raw},       {"keygen", cmd_keygen},
    {"reload", cmd_reload},       {"reseal", cmd_reseal}, {"metrics", cmd_metrics},
    {"schema", cmd_schema},       {"checkpoint", cmd_checkpoint},
    {"checkpoints", cmd_checkpoints}, {"subject", cmd_subject}, {NULL, NULL},
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"control", required_argument, NULL, 'C'},
	    {"intake", required_argument, NULL, 'I'},
	    {"notify", required_argument, NULL, 'N'},
	    {"json", no_argument, NULL, 'j'},
	    {"timeout", required_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {"server-key", required_argument, NULL, 'S'},
	    {"client-key", required_argument, NULL, 'K'},
	    {NULL, 0, NULL, 0},
	};
	struct cli cli = {.timeout_ms = DEFAULT_TIMEOUT_MS};
	unsigned long ms;
	const char *env;
	int code, o;

	opterr = 0;
	while ((o = getopt_long(argc, argv, "+c:jt:hV", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			cli.config_path = optarg;
			cli.config_explicit = true;
			break;
		case 'C':
			cli.endpoint_opt[CLI_CONTROL] = optarg;
			break;
		case 'I':
			cli.endpoint_opt[CLI_INTAKE] = optarg;
			break;
		case 'N':
			cli.endpoint_opt[CLI_NOTIFY] = optarg;
			break;
		case 'S':
			cli.server_key_opt = optarg;
			break;
		case 'K':
			cli.client_key_opt = optarg;
			break;
		case 'j':
			cli.json = true;
			break;
		case 't':
			if (cli_parse_uint(optarg, MAX_TIMEOUT_MS, &ms) < 0 || ms == 0)
				return cli_usage_error("--timeout takes milliseconds, 1 to %d",
						       MAX_TIMEOUT_MS);
			cli.timeout_ms = (int)ms;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("integrityctl %s\n", INTEGRITYD_VERSION);
			return EXIT_OK;
		case '?':
			if (optopt)
				return cli_usage_error("option -%c needs an argument or is unknown",
						       optopt);
			return cli_usage_error("unknown option or missing argument: '%s'",
					       argv[optind - 1]);
		default:
			return cli_usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (!cli.config_path) {
		env = getenv(CLICONF_ENV);
		cli.config_path = env && *env ? env : CLICONF_DEFAULT_PATH;
		cli.config_explicit = env && *env;
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[optind], "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (sodium_init() < 0)
		return cli_fail(EXIT_FAILED, "libsodium failed to initialise");

	for (const struct command *c = commands; c->name; c++) {
		if (strcmp(c->name, argv[optind]) != 0)
			continue;
		code = c->run(&cli, argc - optind, argv + optind);
		ctlclient_destroy(&cli.control);
		return code;
	}
	return cli_usage_error("unknown command '%s'", argv[optind]);
}
