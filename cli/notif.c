#include "notif.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "show.h"

#define SEP "  "

/* A string field as it shows: escaped, "-" when absent. */
static void put_text(FILE *out, const json_t *v)
{
	char *s = show_text(v);

	fputs(s ? s : "?", out);
	free(s);
}

static void put_time(FILE *out, const json_t *v)
{
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		char buf[40];

		show_time((uint64_t)json_integer_value(v), buf, sizeof(buf));
		fputs(buf, out);
	} else
		put_text(out, v);
}

/* One detail value: k=v must stay one word, so what would split it is quoted. */
static void put_value(FILE *out, const char *key, const json_t *v)
{
	char *s;

	if (json_is_integer(v) && show_is_time_key(key)) {
		put_time(out, v);
		return;
	}
	if (json_is_string(v) && json_string_length(v) > 0 &&
	    !strpbrk(json_string_value(v), " \t=\""))
		s = show_text(v);
	else
		s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	fputs(s ? s : "?", out);
	free(s);
}

static void put_recipients(FILE *out, const json_t *list)
{
	const json_t *r;
	size_t i;

	fputs("to=", out);
	if (!json_is_array(list) || json_array_size(list) == 0) {
		fputc('-', out);
		return;
	}
	json_array_foreach(list, i, r)
	{
		const json_t *id = json_object_get(r, "id");

		if (i)
			fputc(',', out);
		put_text(out, json_object_get(r, "role"));
		if (id && !json_is_null(id)) {
			fputc(':', out);
			put_text(out, id);
		}
	}
}

static void put_deadline(FILE *out, const json_t *d)
{
	if (!json_is_object(d))
		return;
	fputs(SEP "deadline=", out);
	put_text(out, json_object_get(d, "kind"));
	fputs(" due=", out);
	put_time(out, json_object_get(d, "due_at"));
	fputs(" level=", out);
	put_text(out, json_object_get(d, "level"));
}

static void put_detail(FILE *out, const json_t *detail)
{
	const char **keys;
	size_t n;

	if (!json_is_object(detail) || json_object_size(detail) == 0)
		return;
	keys = show_sorted_keys(detail, &n);
	if (!keys)
		return;
	fputs(SEP "detail", out);
	for (size_t i = 0; i < n; i++) {
		json_t *k = json_string(keys[i]);

		fputc(' ', out);
		put_text(out, k);
		json_decref(k);
		fputc('=', out);
		put_value(out, keys[i], json_object_get(detail, keys[i]));
	}
	free(keys);
}

char *notif_line(const json_t *n)
{
	char *line = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&line, &len);

	if (!out)
		return NULL;
	put_text(out, json_object_get(n, "seq"));
	fputs(SEP, out);
	put_time(out, json_object_get(n, "at"));
	fputs(SEP, out);
	put_text(out, json_object_get(n, "topic"));
	fputs(SEP, out);
	put_text(out, json_object_get(n, "case"));
	fputs(SEP, out);
	put_text(out, json_object_get(n, "state"));
	fputs(SEP, out);
	put_recipients(out, json_object_get(n, "recipients"));
	put_deadline(out, json_object_get(n, "deadline"));
	put_detail(out, json_object_get(n, "detail"));
	if (fclose(out) != 0) {
		free(line);
		return NULL;
	}
	return line;
}

bool notif_seq(const json_t *n, uint64_t *ret)
{
	const json_t *seq = json_object_get(n, "seq");

	if (!json_is_integer(seq) || json_integer_value(seq) < 0)
		return false;
	*ret = (uint64_t)json_integer_value(seq);
	return true;
}

bool notif_topic_matches(const char *topic, char *const *prefixes, size_t n)
{
	if (n == 0)
		return true;
	for (size_t i = 0; i < n; i++)
		if (strncmp(topic, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

enum notif_order notif_order(const struct notif_seen *s, uint64_t seq)
{
	if (!s->known || seq == s->last + 1)
		return NOTIF_NEXT;
	return seq <= s->last ? NOTIF_REPEAT : NOTIF_JUMP;
}

void notif_mark(struct notif_seen *s, uint64_t seq)
{
	s->last = seq;
	s->known = true;
}
