#include "watch.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cli.h"
#include "notif.h"
#include "notifsub.h"

#define REPLAY_LIMIT_MAX 100000 /* a sanity bound on --limit; the daemon has its own */

/* What one `watch` or `replay` run prints, and where it stands. */
struct printer {
	bool json;
	char *const *topics; /* prefixes a notification must match (watch); none: all */
	size_t ntopics;
	unsigned long count; /* stop after this many; 0: never */
	unsigned long printed;
	struct notif_seen seen;
};

static bool printer_done(const struct printer *p)
{
	return p->count && p->printed >= p->count;
}

/* One notification on stdout, flushed: a consumer on a pipe sees it at once. Returns 0, or
 * -EIO when stdout is gone. */
static int print_one(struct printer *p, const json_t *n)
{
	char *line = p->json ? json_dumps(n, JSON_COMPACT | JSON_ENCODE_ANY) : notif_line(n);

	if (!line)
		return -ENOMEM;
	puts(line);
	free(line);
	p->printed++;
	if (fflush(stdout) != 0 || ferror(stdout))
		return -EIO;
	return 0;
}

/* ---------------------------------------------------------------- notifications.since */

/* One page after seq `after`: *ret_list borrows from *ret_result, which the caller frees. */
static int since_page(struct cli *cli, uint64_t after, unsigned long limit, json_t **ret_result,
		      json_t **ret_list, uint64_t *ret_last_seq)
{
	json_t *args, *result = NULL, *last;
	int code;

	args = json_pack("{s:I, s:I}", "seq", (json_int_t)after, "limit", (json_int_t)limit);
	if (!args)
		return cli_fail(EXIT_FAILED, "out of memory");
	code = cli_call(cli, "notifications.since", args, &result);
	json_decref(args);
	if (code != EXIT_OK)
		return code;
	*ret_list = json_object_get(result, "notifications");
	last = json_object_get(result, "last_seq");
	if (!json_is_array(*ret_list) || !json_is_integer(last) || json_integer_value(last) < 0) {
		json_decref(result);
		return cli_fail(EXIT_FAILED,
				"notifications.since: the result has no notifications array "
				"and last_seq");
	}
	*ret_last_seq = (uint64_t)json_integer_value(last);
	*ret_result = result;
	return EXIT_OK;
}

/* Prints the notifications of a page with seq in (seen, upto] that match the topics, and
 * marks each seen. Returns an exit code. */
static int print_page(struct printer *p, const json_t *list, uint64_t upto)
{
	const json_t *n;
	uint64_t seq;
	size_t i;

	json_array_foreach(list, i, n)
	{
		const char *topic = json_string_value(json_object_get(n, "topic"));

		if (printer_done(p))
			break;
		if (!notif_seq(n, &seq))
			return cli_fail(EXIT_FAILED,
					"notifications.since: a notification without seq");
		if (seq > upto || notif_order(&p->seen, seq) == NOTIF_REPEAT)
			continue;
		notif_mark(&p->seen, seq);
		if (!notif_topic_matches(topic ? topic : "", p->topics, p->ntopics))
			continue;
		if (print_one(p, n) < 0)
			return cli_fail(EXIT_FAILED, "stdout: %s", strerror(EIO));
	}
	return EXIT_OK;
}

/* Prints what notifications.since has after p->seen.last up to seq upto (UINT64_MAX: up to
 * its last_seq), `page` at a time; with all false, one page. *ret_pending tells whether the
 * daemon has more than was fetched. Returns an exit code. */
static int print_since(struct cli *cli, struct printer *p, uint64_t upto, unsigned long page,
		       bool all, bool *ret_pending, uint64_t *ret_last_seq)
{
	uint64_t last_seq = 0;

	do {
		uint64_t before = p->seen.last;
		unsigned long limit = page;
		json_t *result = NULL, *list = NULL;
		int code;

		if (upto != UINT64_MAX && upto - p->seen.last < limit)
			limit = (unsigned long)(upto - p->seen.last);
		code = since_page(cli, p->seen.last, limit, &result, &list, &last_seq);
		if (code != EXIT_OK)
			return code;
		code = print_page(p, list, upto);
		/* a page that got us nowhere ends it: the daemon has no more */
		if (json_array_size(list) == 0 || p->seen.last == before)
			all = false;
		json_decref(result);
		if (code != EXIT_OK)
			return code;
	} while (all && !printer_done(p) && p->seen.last < last_seq && p->seen.last < upto);
	*ret_pending = p->seen.last < (upto < last_seq ? upto : last_seq);
	if (ret_last_seq)
		*ret_last_seq = last_seq;
	return EXIT_OK;
}

/* ---------------------------------------------------------------- replay */

struct replay_opts {
	unsigned long since, limit;
	bool have_since, all;
};

static int replay_opt(void *ctx, int opt, const char *arg)
{
	struct replay_opts *r = ctx;

	switch (opt) {
	case 's':
		if (cli_parse_uint(arg, ULONG_MAX, &r->since) < 0)
			return cli_usage_error("replay: --since takes a seq (0 for all)");
		r->have_since = true;
		break;
	case 'n':
		if (cli_parse_uint(arg, REPLAY_LIMIT_MAX, &r->limit) < 0 || r->limit == 0)
			return cli_usage_error("replay: --limit takes a number from 1 to %d",
					       REPLAY_LIMIT_MAX);
		break;
	case 'a':
		r->all = true;
		break;
	}
	return EXIT_OK;
}

int cmd_replay(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"since", required_argument, NULL, 's'},
	    {"limit", required_argument, NULL, 'n'},
	    {"all", no_argument, NULL, 'a'},
	    {NULL, 0, NULL, 0},
	};
	struct printer p = {.json = cli->json, .seen = {.known = true}};
	struct replay_opts r = {.limit = WATCH_PAGE};
	bool pending;
	uint64_t last_seq;
	int code;

	code = cli_parse_opts("replay", opts, argc, argv, replay_opt, &r, NULL);
	if (code != EXIT_OK)
		return code;
	if (!r.have_since)
		return cli_usage_error("usage: replay --since SEQ [--limit N] [--all]");
	p.seen.last = r.since;
	code = print_since(cli, &p, UINT64_MAX, r.limit, r.all, &pending, &last_seq);
	if (code == EXIT_OK && pending)
		fprintf(stderr,
			"integrityctl: replay: more up to seq %" PRIu64
			" (--all follows every page)\n",
			last_seq);
	return code;
}

/* ---------------------------------------------------------------- watch */

struct watch {
	struct cli *cli;
	struct printer p;
	bool fill;
	const char *endpoint;
};

/* seq jumped from p->seen.last to seq: say so, and with --fill fetch what lies between.
 * With topics, seqs of other topics jump by design: only --fill can tell a real gap. */
static int on_jump(struct watch *w, uint64_t seq)
{
	uint64_t from = w->p.seen.last + 1, to = seq - 1;
	unsigned long before = w->p.printed;
	bool pending;
	int code;

	if (w->p.ntopics == 0)
		fprintf(stderr,
			"integrityctl: watch: gap: seq %" PRIu64 " to %" PRIu64 " not received%s\n",
			from, to,
			w->fill ? "; fetching them with notifications.since"
				: " (--fill fetches them)");
	if (!w->fill) {
		notif_mark(&w->p.seen, to);
		return EXIT_OK;
	}
	code = print_since(w->cli, &w->p, to, WATCH_PAGE, true, &pending, NULL);
	if (code != EXIT_OK)
		return code;
	if (w->p.ntopics && w->p.printed > before)
		fprintf(stderr,
			"integrityctl: watch: gap: %lu notification(s) between seq %" PRIu64
			" and %" PRIu64 " not received; fetched with notifications.since\n",
			w->p.printed - before, from, to);
	if (w->p.seen.last < to && !printer_done(&w->p))
		fprintf(stderr,
			"integrityctl: watch: seq %" PRIu64 " to %" PRIu64
			" could not be fetched\n",
			w->p.seen.last + 1, to);
	notif_mark(&w->p.seen, to);
	return EXIT_OK;
}

static int on_notification(struct watch *w, const json_t *n)
{
	uint64_t seq;

	if (!notif_seq(n, &seq)) {
		fprintf(stderr, "integrityctl: watch: a notification without seq\n");
	} else {
		switch (notif_order(&w->p.seen, seq)) {
		case NOTIF_REPEAT:
			fprintf(stderr,
				"integrityctl: watch: seq %" PRIu64 " seen before (last %" PRIu64
				"): skipped\n",
				seq, w->p.seen.last);
			return EXIT_OK;
		case NOTIF_JUMP: {
			int code = on_jump(w, seq);

			if (code != EXIT_OK || printer_done(&w->p))
				return code;
			break;
		}
		case NOTIF_NEXT:
			break;
		}
		notif_mark(&w->p.seen, seq);
	}
	if (print_one(&w->p, n) < 0)
		return cli_fail(EXIT_FAILED, "watch: stdout: %s", strerror(EIO));
	return EXIT_OK;
}

/* SIGINT and SIGTERM end the watch as a readable fd, not a handler: blocked here, before any
 * ZeroMQ thread starts, so that every thread inherits the mask. Returns the fd, or -errno. */
static int stop_signals(void)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	if ((fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
		return -errno;
	return fd;
}

static int watch_loop(struct watch *w, struct notifsub *sub, int stop_fd)
{
	for (;;) {
		int64_t deadline = w->p.count ? ctlclient_now_ms() + w->cli->timeout_ms : -1;
		json_t *n = NULL;
		int code, r;

		r = notifsub_recv(sub, stop_fd, deadline, &n);
		if (r == -ECANCELED)
			return EXIT_OK;
		if (r == -ETIMEDOUT)
			return cli_fail(
			    EXIT_UNREACHABLE,
			    "watch: %lu of %lu notifications from %s, then none within %d ms",
			    w->p.printed, w->p.count, w->endpoint, w->cli->timeout_ms);
		if (r == -EBADMSG) {
			fprintf(stderr, "integrityctl: watch: a message that is not a topic and a "
					"MessagePack map with that topic: skipped\n");
			continue;
		}
		if (r < 0)
			return cli_fail(EXIT_FAILED, "watch: %s: %s", w->endpoint, strerror(-r));
		code = on_notification(w, n);
		json_decref(n);
		if (code != EXIT_OK || printer_done(&w->p))
			return code;
	}
}

static int watch_opt(void *ctx, int opt, const char *arg)
{
	struct watch *w = ctx;
	unsigned long v;

	switch (opt) {
	case 'n':
		if (cli_parse_uint(arg, ULONG_MAX, &v) < 0 || v == 0)
			return cli_usage_error("watch: --count takes a number from 1");
		w->p.count = v;
		break;
	case 'f':
		w->fill = true;
		break;
	case 's':
		if (cli_parse_uint(arg, ULONG_MAX, &v) < 0)
			return cli_usage_error("watch: --since takes a seq");
		notif_mark(&w->p.seen, v);
		break;
	}
	return EXIT_OK;
}

int cmd_watch(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"count", required_argument, NULL, 'n'},
	    {"fill", no_argument, NULL, 'f'},
	    {"since", required_argument, NULL, 's'},
	    {NULL, 0, NULL, 0},
	};
	struct watch w = {.cli = cli, .p = {.json = cli->json}};
	const struct ctlclient_curve *use;
	struct ctlclient_curve curve;
	struct notifsub *sub = NULL;
	int code, first, r, stop_fd;

	code = cli_parse_opts("watch", opts, argc, argv, watch_opt, &w, &first);
	if (code != EXIT_OK)
		return code;
	w.p.topics = argv + first;
	w.p.ntopics = (size_t)(argc - first);

	code = cli_endpoint(cli, CLI_NOTIFY, &w.endpoint);
	if (code != EXIT_OK)
		return code;
	code = cli_curve(cli, w.endpoint, &curve, &use);
	if (code != EXIT_OK)
		return code;
	stop_fd = stop_signals();
	if (stop_fd < 0) {
		explicit_bzero(&curve, sizeof(curve));
		return cli_fail(EXIT_FAILED, "watch: signalfd: %s", strerror(-stop_fd));
	}
	r = notifsub_new(w.endpoint, use, w.p.topics, w.p.ntopics, &sub);
	explicit_bzero(&curve, sizeof(curve));
	if (r < 0)
		code = cli_fail(r == -EINVAL || r == -EPROTONOSUPPORT ? EXIT_USAGE : EXIT_FAILED,
				"watch: %s: %s", w.endpoint, strerror(-r));
	else {
		/* on stderr, so that a script knows the subscription is made */
		fprintf(stderr, "integrityctl: watching %s\n", w.endpoint);
		code = watch_loop(&w, sub, stop_fd);
	}
	notifsub_destroy(&sub);
	close(stop_fd);
	return code;
}
