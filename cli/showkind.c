#include "showkind.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "show.h"

enum how {
	HOW_TEXT,     /* the value as show_text gives it */
	HOW_LIST,     /* an array as "a, b"; empty: (none) */
	HOW_PENCE,    /* value_pence as pounds: "£40.00" */
	HOW_DONOR,    /* {"name", "organisation"?, "org_id"?}: "name (organisation, org_id)" */
	HOW_GRADING,  /* {"source", "information", "handling"}: "untested/B/P" (3x5x2) */
	HOW_MARK,     /* yes/no: whether "marks" holds the row's key after "marks:" */
	HOW_INTEREST, /* BI's interest: "second_job: role at NAME (org N), paid, 8 h/week, from D"
		       */
};

struct row {
	const char *kind; /* "NA", ...; NULL: every kind (and then optional) */
	const char *key;  /* top-level, "outcomes.NAME" or "marks:NAME" */
	const char *label;
	enum how how;
	bool optional; /* shown only when set and not empty; else "-" when absent */
};

/* REGISTERS.md's kinds, in its order; the last rows are every kind's. */
static const struct row rows[] = {
    /* notifiable associations (WORKFLOW.md) */
    {"NA", "relationship", "relationship", HOW_TEXT, false},
    {"NA", "categories", "categories", HOW_LIST, false},
    /* corruption reports: the report, its grading and outcomes, never who made it */
    {"CR", "allegation", "allegation", HOW_LIST, false},
    {"CR", "grading", "grading", HOW_GRADING, false},
    {"CR", "assessment", "assessment", HOW_TEXT, false},
    {"CR", "outcomes.development", "development", HOW_TEXT, false},
    {"CR", "outcomes.investigation", "investigation", HOW_TEXT, false},
    {"CR", "iopc_reference", "IOPC ref", HOW_TEXT, true},
    /* wrongdoing reports */
    {"WR", "standards", "standards", HOW_LIST, false},
    {"WR", "assessment", "assessment", HOW_TEXT, false},
    {"WR", "outcomes.investigation", "investigation", HOW_TEXT, false},
    /* gifts and hospitality */
    {"GH", "offer", "offer", HOW_TEXT, false},
    {"GH", "donor", "donor", HOW_DONOR, false},
    {"GH", "value_pence", "value", HOW_PENCE, true},
    {"GH", "decision", "decision", HOW_TEXT, false},
    {"GH", "outcomes.return", "returned", HOW_TEXT, false},
    {"GH", "outcomes.review", "PSD review", HOW_TEXT, false},
    {"GH", "assessment", "assessment", HOW_TEXT, true},
    {"GH", "marks:late", "late", HOW_MARK, false},
    /* business interests and second jobs */
    {"BI", "interest", "interest", HOW_INTEREST, false},
    {"BI", "outcomes.hr_assessment", "HR assessment", HOW_TEXT, false},
    {"BI", "outcomes.psd_check", "PSD check", HOW_TEXT, false},
    {"BI", "outcomes.decision", "decision", HOW_TEXT, false},
    {"BI", "outcomes.appeal", "appeal", HOW_TEXT, true},
    {"BI", "outcomes.review", "review", HOW_TEXT, true},
    /* every kind */
    {NULL, "marks", "marks", HOW_LIST, true},
    {NULL, "flags", "flags", HOW_LIST, true},
};

/* The kinds whose opening event's actor is a report's reporter. */
static const char *const report_kinds[] = {"CR", "WR"};

static const char *kind_of(const json_t *c)
{
	const char *k = json_string_value(json_object_get(c, "kind"));

	return k ? k : "NA"; /* a daemon before kinds had only declarations */
}

static bool row_applies(const struct row *r, const char *kind)
{
	return !r->kind || strcmp(r->kind, kind) == 0;
}

/* The row's value in c: top-level, or inside "outcomes". NULL when absent. */
static const json_t *row_value(const json_t *c, const struct row *r)
{
	const char *dot = strchr(r->key, '.');

	if (strncmp(r->key, "marks:", 6) == 0)
		return json_object_get(c, "marks");
	if (dot)
		return json_object_get(json_object_get(c, "outcomes"), dot + 1);
	return json_object_get(c, r->key);
}

static bool has_mark(const json_t *marks, const char *name)
{
	const json_t *m;
	size_t i;

	json_array_foreach(marks, i, m)
	{
		if (json_is_string(m) && strcmp(json_string_value(m), name) == 0)
			return true;
	}
	return false;
}

static void put_text(FILE *out, const json_t *v)
{
	char *s = show_text(v);

	fputs(s ? s : "?", out);
	free(s);
}

static void put_list(FILE *out, const json_t *v)
{
	const json_t *item;
	size_t i;

	if (!json_is_array(v)) {
		put_text(out, v);
		return;
	}
	if (json_array_size(v) == 0)
		fputs("(none)", out);
	json_array_foreach(v, i, item)
	{
		if (i)
			fputs(", ", out);
		put_text(out, item);
	}
}

/* "name (organisation, org 01234567)", the parts that are there. */
static void put_donor(FILE *out, const json_t *v)
{
	const json_t *org = json_object_get(v, "organisation"), *id = json_object_get(v, "org_id");

	if (!json_is_object(v)) {
		put_text(out, v);
		return;
	}
	put_text(out, json_object_get(v, "name"));
	if (!org && !id)
		return;
	fputs(" (", out);
	if (org)
		put_text(out, org);
	if (id) {
		fputs(org ? ", org " : "org ", out);
		put_text(out, id);
	}
	fputc(')', out);
}

static void put_interest(FILE *out, const json_t *v)
{
	const json_t *hours = json_object_get(v, "hours_per_week");

	if (!json_is_object(v)) {
		put_text(out, v);
		return;
	}
	put_text(out, json_object_get(v, "kind"));
	fputs(": ", out);
	put_text(out, json_object_get(v, "role"));
	fputs(" at ", out);
	put_donor(out, json_object_get(v, "organisation"));
	fputs(json_is_true(json_object_get(v, "paid")) ? ", paid" : ", unpaid", out);
	if (hours) {
		fputs(", ", out);
		put_text(out, hours);
		fputs(" h/week", out);
	}
	fputs(", from ", out);
	put_text(out, json_object_get(v, "starts_on"));
}

static void put_grading(FILE *out, const json_t *v)
{
	static const char *const parts[] = {"source", "information", "handling"};

	if (!json_is_object(v)) {
		put_text(out, v);
		return;
	}
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		if (i)
			fputc('/', out);
		put_text(out, json_object_get(v, parts[i]));
	}
}

static void put_pence(FILE *out, const json_t *v)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		put_text(out, v);
		return;
	}
	fprintf(out, "\xc2\xa3%" JSON_INTEGER_FORMAT ".%02u", json_integer_value(v) / 100,
		(unsigned)(json_integer_value(v) % 100));
}

void showkind_fields(FILE *out, const json_t *c)
{
	const char *kind = kind_of(c);

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		const json_t *v = row_value(c, r);

		if (!row_applies(r, kind))
			continue;
		if (r->optional &&
		    (!v || json_is_null(v) || (json_is_array(v) && !json_array_size(v))))
			continue;
		fprintf(out, "%-14s", r->label);
		switch (r->how) {
		case HOW_LIST:
			put_list(out, v);
			break;
		case HOW_PENCE:
			put_pence(out, v);
			break;
		case HOW_DONOR:
			put_donor(out, v);
			break;
		case HOW_GRADING:
			put_grading(out, v);
			break;
		case HOW_INTEREST:
			put_interest(out, v);
			break;
		case HOW_MARK:
			fputs(has_mark(v, strchr(r->key, ':') + 1) ? "yes" : "no", out);
			break;
		case HOW_TEXT:
			put_text(out, v);
			break;
		}
		fputc('\n', out);
	}
}

/* Whether a row of kind shows key exactly ("outcomes.review", "offer"). */
static bool has_row(const char *kind, const char *key)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (row_applies(&rows[i], kind) && strcmp(rows[i].key, key) == 0)
			return true;
	return false;
}

bool showkind_known(const json_t *c, const char *key)
{
	const char *kind = kind_of(c), *name;
	const json_t *v;
	char sub[128];

	if (strcmp(key, "outcomes") != 0)
		return has_row(kind, key);
	/* known when every outcome it holds has a row: another stays in "other" */
	json_object_foreach((json_t *)json_object_get(c, "outcomes"), name, v)
	{
		snprintf(sub, sizeof(sub), "outcomes.%s", name);
		if (!has_row(kind, sub))
			return false;
	}
	return true;
}

bool showkind_hides_actor(const json_t *c, size_t i)
{
	const char *kind = kind_of(c);

	if (i != 0)
		return false;
	for (size_t k = 0; k < sizeof(report_kinds) / sizeof(report_kinds[0]); k++)
		if (strcmp(report_kinds[k], kind) == 0)
			return true;
	return false;
}
