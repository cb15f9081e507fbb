#include "show.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "showkind.h"

/* ---------------------------------------------------------------- cells */

enum cell_fmt {
	CELL_TEXT,
	CELL_TIME,  /* ms since the epoch */
	CELL_ACTOR, /* {"role", "id"} or absent for an anonymous referral */
};

void show_time(uint64_t ms, char *buf, size_t size)
{
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;
	size_t n;

	if (!gmtime_r(&secs, &tm)) {
		snprintf(buf, size, "%" PRIu64, ms);
		return;
	}
	n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	if (ms % 1000)
		snprintf(buf + n, size - n, ".%03uZ", (unsigned)(ms % 1000));
	else
		snprintf(buf + n, size - n, "Z");
}

/* The text of one value, malloc'd; NULL only when out of memory. */
static char *cell_text_raw(const json_t *v, enum cell_fmt fmt)
{
	char tmp[64];

	if (fmt == CELL_ACTOR && (!v || json_is_null(v)))
		return strdup("(anonymous)");
	if (fmt == CELL_ACTOR && json_is_object(v)) {
		const char *role = json_string_value(json_object_get(v, "role"));
		const char *id = json_string_value(json_object_get(v, "id"));
		char *s;

		if (asprintf(&s, "%s/%s", role ? role : "?", id ? id : "-") < 0)
			return NULL;
		return s;
	}
	if (!v || json_is_null(v))
		return strdup("-");
	switch (json_typeof(v)) {
	case JSON_STRING:
		return strdup(json_string_value(v));
	case JSON_INTEGER:
		if (fmt == CELL_TIME && json_integer_value(v) >= 0)
			show_time((uint64_t)json_integer_value(v), tmp, sizeof(tmp));
		else
			snprintf(tmp, sizeof(tmp), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return strdup(tmp);
	case JSON_REAL:
		snprintf(tmp, sizeof(tmp), "%g", json_real_value(v));
		return strdup(tmp);
	case JSON_TRUE:
		return strdup("yes");
	case JSON_FALSE:
		return strdup("no");
	default:
		return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	}
}

/* Text from the store went in through intake: a control byte in it must not reach the
 * operator's terminal (escape sequences), so C0 controls and DEL are shown as \xNN. */
static char *escape_controls(char *s)
{
	size_t n = 0, i, j;
	char *e;

	if (!s)
		return NULL;
	for (i = 0; s[i]; i++)
		n += ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? 4 : 1;
	if (n == i)
		return s;
	e = malloc(n + 1);
	if (!e) {
		free(s);
		return NULL;
	}
	for (i = j = 0; s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			j += (size_t)snprintf(e + j, 5, "\\x%02x", c);
		else
			e[j++] = (char)c;
	}
	e[j] = '\0';
	free(s);
	return e;
}

static char *cell_text(const json_t *v, enum cell_fmt fmt)
{
	return escape_controls(cell_text_raw(v, fmt));
}

char *show_text(const json_t *v)
{
	return cell_text(v, CELL_TEXT);
}

static int cmp_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char **show_sorted_keys(const json_t *obj, size_t *ret_n)
{
	const char **keys, *key;
	size_t n = 0;
	json_t *v;

	if (!json_is_object(obj) || json_object_size(obj) == 0)
		return NULL;
	keys = calloc(json_object_size(obj), sizeof(*keys));
	if (!keys)
		return NULL;
	json_object_foreach((json_t *)obj, key, v)
	{
		(void)v;
		keys[n++] = key;
	}
	qsort(keys, n, sizeof(*keys), cmp_keys);
	*ret_n = n;
	return keys;
}

/* Display width: UTF-8 code points, so that names with accents still line up. */
static size_t text_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static void pad(FILE *out, size_t n)
{
	while (n--)
		fputc(' ', out);
}

/* ---------------------------------------------------------------- tables */

#define TABLE_MAXCOLS 8

struct table {
	size_t ncols;
	size_t nrows;
	size_t cap;
	char **cells; /* nrows * ncols, row-major, owned */
	size_t width[TABLE_MAXCOLS];
};

/* Takes ownership of the ncols strings in cells (NULL ones print as "?"). */
static int table_add(struct table *t, char **cells)
{
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char **p = realloc(t->cells, cap * t->ncols * sizeof(*p));

		if (!p) {
			for (size_t i = 0; i < t->ncols; i++)
				free(cells[i]);
			return -ENOMEM;
		}
		t->cells = p;
		t->cap = cap;
	}
	for (size_t i = 0; i < t->ncols; i++) {
		size_t w = cells[i] ? text_width(cells[i]) : 1;

		t->cells[t->nrows * t->ncols + i] = cells[i];
		if (w > t->width[i])
			t->width[i] = w;
	}
	t->nrows++;
	return 0;
}

static void table_print(FILE *out, const struct table *t, const char *indent)
{
	for (size_t r = 0; r < t->nrows; r++) {
		fputs(indent, out);
		for (size_t i = 0; i < t->ncols; i++) {
			const char *s = t->cells[r * t->ncols + i];

			if (!s)
				s = "?";
			fputs(s, out);
			if (i + 1 < t->ncols)
				pad(out, t->width[i] - text_width(s) + 2);
		}
		fputc('\n', out);
	}
}

static void table_free(struct table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->nrows = t->cap = 0;
}

struct column {
	const char *header;
	const char *key;
	enum cell_fmt fmt;
};

/* An array of maps as a table, one column per entry of cols (ended by a NULL header); none
 * (or not an array): the line `empty`. */
static void show_rows(FILE *out, const json_t *rows, const struct column *cols, const char *indent,
		      const char *empty)
{
	struct table t = {0};
	char *cells[TABLE_MAXCOLS];
	const json_t *row;
	size_t i;

	if (json_array_size(rows) == 0) {
		fprintf(out, "%s%s\n", indent, empty);
		return;
	}
	while (cols[t.ncols].header && t.ncols < TABLE_MAXCOLS)
		t.ncols++;
	for (size_t c = 0; c < t.ncols; c++)
		cells[c] = strdup(cols[c].header);
	if (table_add(&t, cells) < 0)
		goto out;
	json_array_foreach(rows, i, row)
	{
		for (size_t c = 0; c < t.ncols; c++)
			cells[c] = cell_text(json_object_get(row, cols[c].key), cols[c].fmt);
		if (table_add(&t, cells) < 0)
			goto out;
	}
	table_print(out, &t, indent);
out:
	table_free(&t);
}

/* ---------------------------------------------------------------- key/value lists */

bool show_is_time_key(const char *key)
{
	size_t len = strlen(key);

	return (len > 3 && strcmp(key + len - 3, "_at") == 0) || strcmp(key, "at") == 0;
}

/* Flattens a map into rows of "a.b" -> text; keys ending in _at print as times. */
static int kv_collect(struct table *t, const char *prefix, const json_t *map)
{
	const char *key;
	json_t *v;
	int r;

	json_object_foreach((json_t *)map, key, v)
	{
		char *name;

		if (asprintf(&name, "%s%s%s", prefix, *prefix ? "." : "", key) < 0)
			return -ENOMEM;
		if (json_is_object(v) && json_object_size(v) > 0) {
			r = kv_collect(t, name, v);
			free(name);
			if (r < 0)
				return r;
			continue;
		}
		char *cells[2] = {name,
				  cell_text(v, show_is_time_key(key) ? CELL_TIME : CELL_TEXT)};

		r = table_add(t, cells);
		if (r < 0)
			return r;
	}
	return 0;
}

static void show_kv(FILE *out, const json_t *map, const char *indent)
{
	struct table t = {.ncols = 2};

	if (!json_is_object(map)) {
		char *s = cell_text(map, CELL_TEXT);

		fprintf(out, "%s%s\n", indent, s ? s : "?");
		free(s);
		return;
	}
	if (kv_collect(&t, "", map) == 0)
		table_print(out, &t, indent);
	table_free(&t);
}

/* ---------------------------------------------------------------- views */

void show_json(FILE *out, const json_t *j)
{
	json_dumpf(j, out, JSON_INDENT(2) | JSON_ENCODE_ANY);
	fputc('\n', out);
}

void show_status(FILE *out, const json_t *result)
{
	show_kv(out, result, "");
}

void show_cases(FILE *out, const json_t *cases)
{
	static const struct column cols[] = {
	    {"CASE", "case", CELL_TEXT},        {"KIND", "kind", CELL_TEXT},
	    {"STATE", "state", CELL_TEXT},      {"SUBJECT", "subject_id", CELL_TEXT},
	    {"OPENED", "opened_at", CELL_TIME}, {NULL, NULL, CELL_TEXT},
	};

	show_rows(out, cases, cols, "", "no cases");
}

static void show_field(FILE *out, const char *label, const json_t *v, enum cell_fmt fmt)
{
	char *s = cell_text(v, fmt);

	fprintf(out, "%-14s%s\n", label, s ? s : "?");
	free(s);
}

/* A titled table of rows, or "(none)". */
static void show_table(FILE *out, const char *title, const json_t *rows, const struct column *cols)
{
	fprintf(out, "\n%s\n", title);
	show_rows(out, rows, cols, "  ", "(none)");
}

static void show_section(FILE *out, const char *label, const json_t *v)
{
	fprintf(out, "\n%s\n", label);
	if (!v || json_is_null(v) || (json_is_array(v) && json_array_size(v) == 0))
		fputs("  (none)\n", out);
	else if (json_is_array(v)) {
		const json_t *item;
		size_t i;

		json_array_foreach(v, i, item)
		{
			char *s = cell_text(item, CELL_TEXT);

			fprintf(out, "  %s\n", s ? s : "?");
			free(s);
		}
	} else
		show_kv(out, v, "  ");
}

/* Whether a header field has something to say: absent, nil, "" and a time of 0 do not. */
static bool is_set(const json_t *v)
{
	if (!v || json_is_null(v))
		return false;
	if (json_is_string(v))
		return json_string_length(v) > 0;
	return !json_is_integer(v) || json_integer_value(v) != 0;
}

void show_case(FILE *out, const json_t *c)
{
	static const char *const known[] = {
	    "case",      "kind",          "origin",       "state",       "opened_at", "subject",
	    "associate", "categories",    "relationship", "conditions",  "deadlines", "tasks",
	    "history",   "closed_reason", "closed_at",    "disposed_at", "aa",        NULL,
	};
	static const struct column task_cols[] = {
	    {"KIND", "kind", CELL_TEXT},
	    {"STATUS", "status", CELL_TEXT},
	    {"OPTIONAL", "optional", CELL_TEXT},
	    {"OUTCOME", "outcome", CELL_TEXT},
	    {"OPENED", "opened_at", CELL_TIME},
	    {"DONE", "done_at", CELL_TIME},
	    {NULL, NULL, CELL_TEXT},
	};
	static const struct column deadline_cols[] = {
	    {"KIND", "kind", CELL_TEXT},     {"DUE", "due_at", CELL_TIME},
	    {"STATUS", "status", CELL_TEXT}, {"LEVEL", "level", CELL_TEXT},
	    {NULL, NULL, CELL_TEXT},
	};
	static const struct column condition_cols[] = {
	    {"CODE", "code", CELL_TEXT},
	    {"TEXT", "text", CELL_TEXT},
	    {NULL, NULL, CELL_TEXT},
	};
	static const struct column history_cols[] = {
	    {"SEQ", "seq", CELL_TEXT},      {"TYPE", "type", CELL_TEXT},
	    {"AT", "at", CELL_TIME},        {"RECEIVED", "received_at", CELL_TIME},
	    {"ACTOR", "actor", CELL_ACTOR}, {NULL, NULL, CELL_TEXT},
	};
	const json_t *v;
	const char *key;
	json_t *other = NULL, *history;
	size_t i;

	show_field(out, "case", json_object_get(c, "case"), CELL_TEXT);
	show_field(out, "kind", json_object_get(c, "kind"), CELL_TEXT);
	show_field(out, "origin", json_object_get(c, "origin"), CELL_TEXT);
	show_field(out, "state", json_object_get(c, "state"), CELL_TEXT);
	show_field(out, "opened", json_object_get(c, "opened_at"), CELL_TIME);
	if ((v = json_object_get(c, "closed_reason")) && !json_is_null(v))
		show_field(out, "closed", v, CELL_TEXT);
	if (is_set(v = json_object_get(c, "closed_at")))
		show_field(out, "closed at", v, CELL_TIME);
	if (is_set(v = json_object_get(c, "disposed_at")))
		show_field(out, "disposed at", v, CELL_TIME);
	if (is_set(v = json_object_get(c, "aa")))
		show_field(out, "aa", v, CELL_TEXT);
	showkind_fields(out, c); /* the kind's own fields, marks and flags */

	show_section(out, "subject", json_object_get(c, "subject"));
	if ((v = json_object_get(c, "associate")) && !json_is_null(v))
		show_section(out, "associate", v);

	show_table(out, "conditions", json_object_get(c, "conditions"), condition_cols);

	show_table(out, "deadlines", json_object_get(c, "deadlines"), deadline_cols);

	if ((v = json_object_get(c, "tasks")) && json_array_size(v) > 0)
		show_table(out, "tasks", v, task_cols);

	/* a report's reporter is not shown (showkind.h): its opening row says so instead */
	history = json_deep_copy(json_object_get(c, "history"));
	json_array_foreach(history, i, v)
	{
		if (json_is_object(v) && showkind_hides_actor(c, i))
			json_object_set_new((json_t *)v, "actor", json_string("reporter (withheld)"));
	}
	show_table(out, "history", history ? history : json_object_get(c, "history"), history_cols);
	json_decref(history);

	/* Fields this version does not know still show, so nothing the daemon says is hidden. */
	json_object_foreach((json_t *)c, key, v)
	{
		for (i = 0; known[i] && strcmp(known[i], key) != 0; i++)
			;
		if (known[i] || showkind_known(c, key) || json_is_null(v))
			continue; /* nil says nothing */
		if (!other)
			other = json_object();
		if (other)
			json_object_set(other, key, (json_t *)v);
	}
	if (other && json_object_size(other) > 0)
		show_section(out, "other", other);
	json_decref(other);
}

void show_reads(FILE *out, const json_t *reads)
{
	static const struct column cols[] = {
	    {"AT", "at", CELL_TIME},
	    {"CLIENT", "client", CELL_TEXT},
	    {"CMD", "cmd", CELL_TEXT},
	    {NULL, NULL, CELL_TEXT},
	};

	show_rows(out, reads, cols, "", "no reads");
}

bool show_audit(FILE *out, const json_t *result)
{
	bool ok = json_is_true(json_object_get(result, "ok"));
	const json_t *bad = json_object_get(result, "first_bad_seq");

	if (ok)
		fputs("audit chain verified\n", out);
	else {
		char *s = cell_text(bad, CELL_TEXT);

		fprintf(out, "audit chain BROKEN at seq %s\n", s ? s : "?");
		free(s);
	}
	show_field(out, "entries", json_object_get(result, "entries"), CELL_TEXT);
	show_field(out, "head", json_object_get(result, "head"), CELL_TEXT);
	return ok;
}

void show_backup(FILE *out, const json_t *result)
{
	show_field(out, "path", json_object_get(result, "path"), CELL_TEXT);
	show_field(out, "bytes", json_object_get(result, "bytes"), CELL_TEXT);
}

void show_reload(FILE *out, const json_t *result)
{
	fputs(json_is_true(json_object_get(result, "reloaded")) ? "policy reloaded\n"
								: "policy not reloaded\n",
	      out);
}

bool show_intake_reply(FILE *out, FILE *err, const json_t *reply)
{
	const char *status = json_string_value(json_object_get(reply, "status"));
	const char *id = json_string_value(json_object_get(reply, "id"));
	bool taken =
	    status && (strcmp(status, "accepted") == 0 || strcmp(status, "duplicate") == 0);

	if (taken) {
		char *c = cell_text(json_object_get(reply, "case"), CELL_TEXT);
		char *seq = cell_text(json_object_get(reply, "seq"), CELL_TEXT);

		const char *token = json_string_value(json_object_get(reply, "token"));

		/* an anonymous report's follow-up token: for the reporter alone */
		fprintf(out, "%-9s case %s  seq %s  id %s%s%s\n", status, c ? c : "?",
			seq ? seq : "?", id ? id : "-", token ? "  token " : "", token ? token : "");
		free(c);
		free(seq);
		return true;
	}
	const json_t *e = json_object_get(reply, "error");
	const char *code = json_string_value(json_object_get(e, "code"));
	const char *msg = json_string_value(json_object_get(e, "message"));

	fprintf(err, "integrityctl: event %s %s: %s: %s\n", id ? id : "(no id)",
		status ? status : "not understood", code ? code : "error",
		msg ? msg : "(the daemon gave no message)");
	return false;
}

void show_deadlines(FILE *out, const json_t *deadlines)
{
	static const struct column cols[] = {
	    {"CASE", "case", CELL_TEXT},   {"KIND", "kind", CELL_TEXT},
	    {"DUE", "due_at", CELL_TIME},  {"STATUS", "status", CELL_TEXT},
	    {"LEVEL", "level", CELL_TEXT}, {NULL, NULL, CELL_TEXT},
	};

	show_rows(out, deadlines, cols, "", "no deadlines");
}

/* Besides the _at keys, a summary's own bounds (report.summary's from and to) are times. */
static bool tree_is_time(const char *key, size_t depth)
{
	return show_is_time_key(key) ||
	       (depth == 0 && (strcmp(key, "from") == 0 || strcmp(key, "to") == 0));
}

static void tree_level(FILE *out, const json_t *map, size_t depth)
{
	const char **keys;
	size_t n = 0, width = 0;

	keys = show_sorted_keys(map, &n);
	if (!keys)
		return;
	for (size_t i = 0; i < n; i++) {
		json_t *v = json_object_get(map, keys[i]);
		size_t w = text_width(keys[i]);

		if ((!json_is_object(v) || json_object_size(v) == 0) && w > width)
			width = w;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *v = json_object_get(map, keys[i]);
		json_t *k = json_string(keys[i]);
		char *ks = cell_text(k, CELL_TEXT);

		json_decref(k);
		pad(out, depth * 2);
		fputs(ks ? ks : "?", out);
		if (json_is_object(v) && json_object_size(v) > 0) {
			fputc('\n', out);
			tree_level(out, v, depth + 1);
		} else {
			char *vs = json_is_object(v)
				       ? strdup("(none)")
				       : cell_text(v, tree_is_time(keys[i], depth) ? CELL_TIME
										   : CELL_TEXT);
			pad(out, width - text_width(keys[i]) + 2);
			fprintf(out, "%s\n", vs ? vs : "?");
			free(vs);
		}
		free(ks);
	}
	free(keys);
}

void show_tree(FILE *out, const json_t *result)
{
	if (!json_is_object(result)) {
		char *s = cell_text(result, CELL_TEXT);

		fprintf(out, "%s\n", s ? s : "?");
		free(s);
		return;
	}
	tree_level(out, result, 0);
}
