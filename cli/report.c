/* report: integrityctl report, report.summary as readable tables (REGISTERS.md "Management
 * data"): deadlines by kind, cases by kind and state, outcomes, and with --by F the cases by
 * F's value and state and by value and outcome, suppressed cells as the daemon marks them.
 * --csv writes the same tables as CSV blocks; --html FILE one self-contained page (inline CSS,
 * an inline SVG bar chart per table, no outside assets); --json the daemon's results. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "clitime.h"
#include "show.h"

#define TAB_ROWS 128
#define TAB_COLS 24
#define CELL_MAX 48

struct tab {
	char title[96];
	size_t nr, nc;
	char col[TAB_COLS][CELL_MAX];
	char row[TAB_ROWS][CELL_MAX];
	char cell[TAB_ROWS][TAB_COLS][CELL_MAX];
};

enum fmt { FMT_TEXT, FMT_CSV, FMT_HTML };

struct report_opts {
	json_t *args;
	const char *by;
	const char *html; /* --html FILE */
	enum fmt fmt;
};

static const char *const kinds[] = {"NA", "CR", "WR", "GH", "BI", NULL};

static size_t tab_col(struct tab *t, const char *name)
{
	size_t j;

	for (j = 0; j < t->nc && strcmp(t->col[j], name) != 0; j++)
		;
	if (j == t->nc && t->nc < TAB_COLS)
		snprintf(t->col[t->nc++], CELL_MAX, "%s", name);
	return j;
}

static size_t tab_row(struct tab *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nr && strcmp(t->row[i], name) != 0; i++)
		;
	if (i == t->nr && t->nr < TAB_ROWS)
		snprintf(t->row[t->nr++], CELL_MAX, "%s", name);
	return i;
}

/* A count, "suppressed", a share or nil as its cell text. */
static void cell_text(const json_t *v, char *buf)
{
	if (json_is_integer(v))
		snprintf(buf, CELL_MAX, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, CELL_MAX, "%.0f%%", json_real_value(v) * 100.0);
	else if (json_is_string(v))
		snprintf(buf, CELL_MAX, "%s", json_string_value(v));
	else
		snprintf(buf, CELL_MAX, "-");
}

static void tab_set(struct tab *t, const char *row, const char *col, const json_t *v)
{
	size_t i = tab_row(t, row), j = tab_col(t, col);

	if (i < TAB_ROWS && j < TAB_COLS)
		cell_text(v, t->cell[i][j]);
}

static void print_text(FILE *out, const struct tab *t)
{
	int w0 = 0, w[TAB_COLS];

	fprintf(out, "%s\n", t->title);
	for (size_t i = 0; i < t->nr; i++)
		if ((int)strlen(t->row[i]) > w0)
			w0 = (int)strlen(t->row[i]);
	for (size_t j = 0; j < t->nc; j++) {
		w[j] = (int)strlen(t->col[j]);
		for (size_t i = 0; i < t->nr; i++)
			if ((int)strlen(t->cell[i][j]) > w[j])
				w[j] = (int)strlen(t->cell[i][j]);
	}
	fprintf(out, "  %-*s", w0, "");
	for (size_t j = 0; j < t->nc; j++)
		fprintf(out, "  %*s", w[j], t->col[j]);
	fprintf(out, "\n");
	for (size_t i = 0; i < t->nr; i++) {
		fprintf(out, "  %-*s", w0, t->row[i]);
		for (size_t j = 0; j < t->nc; j++)
			fprintf(out, "  %*s", w[j], t->cell[i][j][0] ? t->cell[i][j] : "0");
		fprintf(out, "\n");
	}
	fprintf(out, "\n");
}

static void csv_field(FILE *out, const char *s)
{
	if (strpbrk(s, ",\"\n")) {
		fputc('"', out);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', out);
			fputc(*s, out);
		}
		fputc('"', out);
	} else {
		fputs(s, out);
	}
}

/* One block: the title as the header's first field, then the rows; a blank line after. */
static void print_csv(FILE *out, const struct tab *t)
{
	csv_field(out, t->title);
	for (size_t j = 0; j < t->nc; j++) {
		fputc(',', out);
		csv_field(out, t->col[j]);
	}
	fputc('\n', out);
	for (size_t i = 0; i < t->nr; i++) {
		csv_field(out, t->row[i]);
		for (size_t j = 0; j < t->nc; j++) {
			fputc(',', out);
			csv_field(out, t->cell[i][j][0] ? t->cell[i][j] : "0");
		}
		fputc('\n', out);
	}
	fputc('\n', out);
}

static void html_text(FILE *out, const char *s)
{
	for (; *s; s++)
		if (*s == '<')
			fputs("&lt;", out);
		else if (*s == '>')
			fputs("&gt;", out);
		else if (*s == '&')
			fputs("&amp;", out);
		else if (*s == '"')
			fputs("&quot;", out);
		else
			fputc(*s, out);
}

/* The column a table's chart draws: share for deadlines, else the total (or the count). */
static size_t chart_col(const struct tab *t)
{
	for (size_t j = 0; j < t->nc; j++)
		if (strcmp(t->col[j], "share") == 0)
			return j;
	for (size_t j = 0; j < t->nc; j++)
		if (strcmp(t->col[j], "total") == 0)
			return j;
	return t->nc - 1;
}

#define BAR_H   18
#define BAR_W   300
#define LABEL_W 220

/* One horizontal bar per row (the total row left out); a cell that is not a number
 * (suppressed, no share) is written, not drawn. */
static void html_chart(FILE *out, const struct tab *t)
{
	size_t j = chart_col(t), n = 0;
	long max = 1;

	for (size_t i = 0; i < t->nr; i++)
		if (strcmp(t->row[i], "total") != 0) {
			n++;
			if (atol(t->cell[i][j]) > max)
				max = atol(t->cell[i][j]);
		}
	fprintf(out, "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
		     "height=\"%zu\" role=\"img\" aria-label=\"",
		LABEL_W + BAR_W + 120, (n ? n : 1) * BAR_H + 4);
	html_text(out, t->title);
	fprintf(out, "\">\n");
	if (n == 0)
		fprintf(out, "<text x=\"0\" y=\"14\">no cases</text>\n");
	n = 0;
	for (size_t i = 0; i < t->nr; i++) {
		const char *c = t->cell[i][j][0] ? t->cell[i][j] : "0";
		long v = atol(c);
		bool num = c[0] >= '0' && c[0] <= '9';

		if (strcmp(t->row[i], "total") == 0)
			continue;
		fprintf(out, "<text x=\"0\" y=\"%zu\">", n * BAR_H + 14);
		html_text(out, t->row[i]);
		fprintf(out, "</text>");
		if (num)
			fprintf(out, "<rect class=\"bar\" x=\"%d\" y=\"%zu\" width=\"%ld\" height=\"%d\"/>",
				LABEL_W, n * BAR_H + 2, v * BAR_W / max, BAR_H - 4);
		fprintf(out, "<text x=\"%ld\" y=\"%zu\">", LABEL_W + (num ? v * BAR_W / max : 0) + 4,
			n * BAR_H + 14);
		html_text(out, c);
		fprintf(out, "</text>\n");
		n++;
	}
	fprintf(out, "</svg>\n");
}

static void print_html(FILE *out, const struct tab *t)
{
	fprintf(out, "<section>\n<h2>");
	html_text(out, t->title);
	fprintf(out, "</h2>\n<table>\n<thead><tr><th></th>");
	for (size_t j = 0; j < t->nc; j++) {
		fprintf(out, "<th>");
		html_text(out, t->col[j]);
		fprintf(out, "</th>");
	}
	fprintf(out, "</tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < t->nr; i++) {
		fprintf(out, "<tr><th>");
		html_text(out, t->row[i]);
		fprintf(out, "</th>");
		for (size_t j = 0; j < t->nc; j++) {
			const char *c = t->cell[i][j][0] ? t->cell[i][j] : "0";

			fprintf(out, strcmp(c, "suppressed") == 0 ? "<td class=\"supp\">" : "<td>");
			html_text(out, c);
			fprintf(out, "</td>");
		}
		fprintf(out, "</tr>\n");
	}
	fprintf(out, "</tbody>\n</table>\n");
	html_chart(out, t);
	fprintf(out, "</section>\n");
}

static const char html_head[] =
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<title>Integrity management data</title>\n<style>\n"
    "body{font-family:sans-serif;margin:2em;color:#111}\n"
    "table{border-collapse:collapse;margin:0.5em 0}\n"
    "th,td{border:1px solid #999;padding:0.2em 0.6em;text-align:right}\n"
    "thead th,tbody th{text-align:left;background:#eee}\n"
    "td.supp{color:#666;font-style:italic}\n"
    "svg.chart text{font-size:12px}\nsvg.chart rect.bar{fill:#2a6ebb}\n"
    "</style>\n</head>\n<body>\n<h1>Integrity management data</h1>\n"
    "<p>Counts below the suppression threshold, and cells that would give one away through "
    "a total, are shown as <em>suppressed</em>.</p>\n";

static void emit(FILE *out, const struct report_opts *o, const struct tab *t)
{
	if (o->fmt == FMT_CSV)
		print_csv(out, t);
	else if (o->fmt == FMT_HTML)
		print_html(out, t);
	else
		print_text(out, t);
}

static void tab_reset(struct tab *t, const char *title)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->title, sizeof(t->title), "%s", title);
}

/* One row per deadline kind: open, due, met on time, late, share. */
static void deadlines_tab(struct tab *t, const json_t *all)
{
	const char *k;
	json_t *d;

	tab_reset(t, "Deadlines by kind");
	json_object_foreach((json_t *)json_object_get(all, "deadlines"), k, d) {
		tab_set(t, k, "open", json_object_get(d, "open"));
		tab_set(t, k, "due", json_object_get(d, "due"));
		tab_set(t, k, "met on time", json_object_get(d, "met_on_time"));
		tab_set(t, k, "late", json_object_get(d, "late"));
		tab_set(t, k, "share", json_object_get(d, "share"));
	}
}

/* The states (rows) by kind (columns), from one result per kind; states no case is in are
 * left out. */
static void kind_state_tab(struct tab *t, json_t *const *per_kind, const json_t *all)
{
	const char *s;
	json_t *n;

	tab_reset(t, "Cases by state and kind");
	for (size_t k = 0; kinds[k]; k++)
		if (per_kind[k])
			tab_col(t, kinds[k]);
	tab_col(t, "total");
	json_object_foreach((json_t *)json_object_get(all, "state"), s, n) {
		if (json_integer_value(n) == 0)
			continue;
		for (size_t k = 0; kinds[k]; k++)
			if (per_kind[k])
				tab_set(t, s, kinds[k],
					json_object_get(json_object_get(per_kind[k], "state"), s));
		tab_set(t, s, "total", n);
	}
	tab_set(t, "total", "total", json_object_get(all, "cases"));
	for (size_t k = 0; kinds[k]; k++)
		if (per_kind[k])
			tab_set(t, "total", kinds[k], json_object_get(per_kind[k], "cases"));
}

static void outcome_tab(struct tab *t, const json_t *all)
{
	const char *o, *v;
	json_t *m, *n;

	tab_reset(t, "Outcomes");
	tab_col(t, "cases");
	json_object_foreach((json_t *)json_object_get(all, "outcome"), o, m) {
		json_object_foreach(m, v, n) {
			char row[CELL_MAX];

			snprintf(row, sizeof(row), "%s: %s", o, v);
			tab_set(t, row, "cases", n);
		}
	}
}

/* A by-table from the daemon ({value: {col: cell}}), transposed: its columns (states,
 * outcome values) are the rows, the characteristic's values the columns; rows whose total
 * is 0 are left out. */
static void by_tab(struct tab *t, const char *title, const json_t *table)
{
	const char *v, *c;
	json_t *row, *cell, *tot = json_object_get(table, "total");

	tab_reset(t, title);
	json_object_foreach((json_t *)table, v, row)
		tab_col(t, v);
	json_object_foreach((json_t *)table, v, row) {
		json_object_foreach(row, c, cell) {
			const json_t *ct = json_object_get(tot, c);

			if (json_is_integer(ct) && json_integer_value(ct) == 0)
				continue;
			tab_set(t, c, v, cell);
		}
	}
}

static int report_opt(void *ctx, int opt, const char *arg)
{
	struct report_opts *o = ctx;
	uint64_t ms;

	switch (opt) {
	case 'k':
		json_object_set_new(o->args, "kind", json_string(arg));
		return EXIT_OK;
	case 'b':
		o->by = arg;
		return EXIT_OK;
	case 'c':
		o->fmt = FMT_CSV;
		return EXIT_OK;
	case 'H':
		o->fmt = FMT_HTML;
		o->html = arg;
		return EXIT_OK;
	}
	if (clitime_parse(arg, &ms) < 0)
		return cli_usage_error("report: --%s takes ISO-8601 UTC (2026-03-01T09:30:00Z) or "
				       "ms, not '%s'",
				       opt == 'f' ? "from" : "to", arg);
	json_object_set_new(o->args, opt == 'f' ? "from" : "to", json_integer((json_int_t)ms));
	return EXIT_OK;
}

static void print_tables(FILE *out, const struct report_opts *o, const json_t *all,
			 json_t *const *per_kind, struct tab *t)
{
	const json_t *by = json_object_get(all, "by");

	if (o->fmt == FMT_HTML)
		fputs(html_head, out);
	fprintf(out,
		o->fmt == FMT_CSV    ? "cases,%lld\nunreadable,%lld\n\n"
		: o->fmt == FMT_HTML ? "<p>cases %lld (unreadable %lld)</p>\n"
				     : "cases %lld (unreadable %lld)\n\n",
		(long long)json_integer_value(json_object_get(all, "cases")),
		(long long)json_integer_value(json_object_get(all, "unreadable")));
	deadlines_tab(t, all);
	emit(out, o, t);
	kind_state_tab(t, per_kind, all);
	emit(out, o, t);
	outcome_tab(t, all);
	emit(out, o, t);
	if (by) {
		const char *name, *f = json_string_value(json_object_get(by, "field"));
		json_t *tb;
		char title[96];

		snprintf(title, sizeof(title), "Cases by state and %s (small counts suppressed)", f);
		by_tab(t, title, json_object_get(by, "state"));
		emit(out, o, t);
		json_object_foreach((json_t *)json_object_get(by, "outcome"), name, tb) {
			snprintf(title, sizeof(title), "Cases by %s and %s (small counts suppressed)",
				 name, f);
			by_tab(t, title, tb);
			emit(out, o, t);
		}
	}
	if (o->fmt == FMT_HTML)
		fputs("</body>\n</html>\n", out);
}

int cmd_report(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"from", required_argument, NULL, 'f'}, {"to", required_argument, NULL, 't'},
	    {"kind", required_argument, NULL, 'k'}, {"by", required_argument, NULL, 'b'},
	    {"csv", no_argument, NULL, 'c'},        {"html", required_argument, NULL, 'H'},
	    {NULL, 0, NULL, 0},
	};
	struct report_opts o = {.args = json_object()};
	json_t *all = NULL, *per_kind[sizeof(kinds) / sizeof(kinds[0])] = {0};
	struct tab *t = NULL;
	int code;

	if (!o.args)
		return cli_fail(EXIT_FAILED, "out of memory");
	code = cli_parse_opts("report", opts, argc, argv, report_opt, &o, NULL);
	if (code != EXIT_OK)
		goto out;
	if (o.by)
		json_object_set_new(o.args, "by", json_string(o.by));
	code = cli_call(cli, "report.summary", o.args, &all);
	if (code != EXIT_OK)
		goto out;
	if (cli->json) {
		show_json(stdout, all);
		goto out;
	}
	/* the by-kind columns: one call per kind (just the asked one with --kind) */
	json_object_del(o.args, "by");
	for (size_t k = 0; kinds[k] && code == EXIT_OK; k++) {
		const json_t *only = json_object_get(o.args, "kind");
		json_t *a;

		if (only && strcmp(json_string_value(only), kinds[k]) != 0)
			continue;
		a = json_deep_copy(o.args);
		json_object_set_new(a, "kind", json_string(kinds[k]));
		code = cli_call(cli, "report.summary", a, &per_kind[k]);
		json_decref(a);
	}
	t = malloc(sizeof(*t));
	if (code == EXIT_OK && !t)
		code = cli_fail(EXIT_FAILED, "out of memory");
	if (code == EXIT_OK && o.html) {
		FILE *f;

		o.fmt = FMT_HTML;
		f = fopen(o.html, "w");
		if (!f) {
			code = cli_fail(EXIT_FAILED, "report: cannot write %s", o.html);
		} else {
			print_tables(f, &o, all, per_kind, t);
			if (fclose(f) != 0)
				code = cli_fail(EXIT_FAILED, "report: cannot write %s", o.html);
		}
	} else if (code == EXIT_OK) {
		print_tables(stdout, &o, all, per_kind, t);
	}
out:
	free(t);
	for (size_t k = 0; kinds[k]; k++)
		json_decref(per_kind[k]);
	json_decref(all);
	json_decref(o.args);
	return code;
}
