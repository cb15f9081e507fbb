/* checkpoint: integrityctl checkpoint and checkpoints. See checkpoint.h. */
#include "checkpoint.h"

#include <stdio.h>
#include <string.h>

#include "show.h"

#define CHECKPOINTS_SINCE_MAX 0xFFFFFFFFFFFFUL /* a bound on --since, far past any store */

int cmd_checkpoint(struct cli *cli, int argc, char **argv)
{
	json_t *result;
	const char *line;
	int code;

	(void)argv;
	if (argc != 1)
		return cli_usage_error("checkpoint takes no arguments");
	if ((code = cli_call(cli, "audit.checkpoint", NULL, &result)) != EXIT_OK)
		return code;
	line = json_string_value(json_object_get(result, "line"));
	if (cli->json)
		show_json(stdout, result);
	else if (line)
		printf("%s\n", line);
	json_decref(result);
	return line ? EXIT_OK : cli_fail(EXIT_FAILED, "checkpoint: the reply has no line");
}

struct since_opts {
	unsigned long since;
};

static int on_opt(void *ctx, int opt, const char *arg)
{
	struct since_opts *o = ctx;

	if (opt == 's' && cli_parse_uint(arg, CHECKPOINTS_SINCE_MAX, &o->since) < 0)
		return cli_usage_error("--since: not a number: %s", arg);
	return EXIT_OK;
}

/* Pages through audit.checkpoints from --since until the daemon says no more follow. */
int cmd_checkpoints(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"since", required_argument, NULL, 's'},
	    {NULL, 0, NULL, 0},
	};
	struct since_opts o = {0};
	json_t *args, *result, *all = json_array();
	const json_t *rows, *row, *next;
	size_t i;
	int code;

	if ((code = cli_parse_opts("checkpoints", opts, argc, argv, on_opt, &o, NULL)) !=
	    EXIT_OK) {
		json_decref(all);
		return code;
	}
	for (;;) {
		args = json_pack("{sI}", "since", (json_int_t)o.since);
		code = cli_call(cli, "audit.checkpoints", args, &result);
		json_decref(args);
		if (code != EXIT_OK) {
			json_decref(all);
			return code;
		}
		rows = json_object_get(result, "checkpoints");
		json_array_foreach(rows, i, row)
		{
			const char *line = json_string_value(json_object_get(row, "line"));

			if (cli->json)
				json_array_append(all, (json_t *)row);
			else if (line)
				printf("%s\n", line);
		}
		next = json_object_get(result, "next");
		if (!json_is_integer(next)) {
			json_decref(result);
			break;
		}
		o.since = (unsigned long)json_integer_value(next);
		json_decref(result);
	}
	if (cli->json)
		show_json(stdout, all);
	json_decref(all);
	return EXIT_OK;
}
