/* subject: integrityctl's `subject export STAFF-ID --reason TEXT` (admin): the control command
 * subject.export, every case about one staff id as JSON (--json) or as text, a block per case
 * (show_tree's lines). What the daemon withheld says so in the result; nothing here adds
 * to it. The entry point is declared in cli.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "show.h"

struct subject_opts {
	const char *reason;
};

static int subject_opt(void *ctx, int opt, const char *arg)
{
	struct subject_opts *o = ctx;

	if (opt == 'r')
		o->reason = arg;
	return EXIT_OK;
}

static void show_export(FILE *out, const json_t *result)
{
	const json_t *cases = json_object_get(result, "cases");
	const json_t *c;
	size_t i;
	char *subj = show_text(json_object_get(result, "subject_id"));
	char *held = show_text(json_object_get(result, "withheld"));

	fprintf(out, "subject   %s\ncases     %zu\nwithheld  %s\n", subj ? subj : "-",
		json_array_size(cases), held ? held : "-");
	free(subj);
	free(held);
	json_array_foreach(cases, i, c)
	{
		char *ref = show_text(json_object_get(c, "case"));

		fprintf(out, "\n== case %s\n", ref ? ref : "-");
		free(ref);
		show_tree(out, c);
	}
}

int cmd_subject(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"reason", required_argument, NULL, 'r'},
	    {NULL, 0, NULL, 0},
	};
	struct subject_opts o = {0};
	json_t *args, *result;
	int code;

	/* STAFF-ID first, then the options (getopt here stops at the first operand) */
	if (argc < 3 || strcmp(argv[1], "export") != 0 || argv[2][0] == '-')
		return cli_usage_error("usage: subject export STAFF-ID --reason TEXT");
	code = cli_parse_opts("subject export", opts, argc - 2, argv + 2, subject_opt, &o, NULL);
	if (code != EXIT_OK)
		return code;
	args = json_pack("{s:s}", "subject", argv[2]);
	if (!args)
		return cli_usage_error("subject export: the staff id must be UTF-8");
	if (o.reason && json_object_set_new(args, "reason", json_string(o.reason)) < 0) {
		json_decref(args);
		return cli_usage_error("subject export: the reason must be UTF-8");
	}
	code = cli_call(cli, "subject.export", args, &result);
	json_decref(args);
	if (code != EXIT_OK)
		return code;
	if (cli->json)
		show_json(stdout, result);
	else
		show_export(stdout, result);
	json_decref(result);
	return EXIT_OK;
}
