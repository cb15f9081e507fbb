/* genschema: writes a JSON Schema (2020-12) for every event type of the codec's type table
 * (proto_types and proto_register_types: the envelope of PROTOCOL.md and the type's body table),
 * one file DIR/TYPE.json each, for the forms teams to validate against. Run by the build; never
 * edit its output by hand. The schema is the codec's rules that JSON can say: lengths are counted
 * in characters where the codec counts UTF-8 bytes (the same for ASCII), and `at`'s clock
 * skew, the request size and nesting limits are the daemon's alone.
 * usage: genschema DIR */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "proto.h"
#include "typetab.h"

#define ID_PATTERN       "^[A-Za-z0-9._:-]+$"
#define NO_CONTROL       "^[^\\u0000-\\u001f\\u007f]*$"
#define DURATION_PATTERN "^0*[1-9][0-9]*(s|m|h|d|wd|mo|y)$"
#define DURATION_MAX     24
#define DATE_PATTERN     "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"

static json_t *object_of(const struct proto_field *fields, uint32_t min);

static json_t *strings(const char *const *v)
{
	json_t *a = json_array();

	for (; *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

static json_t *str_schema(uint32_t max, bool ident)
{
	json_t *s = json_pack("{s:s, s:i, s:I}", "type", "string", "minLength", 1, "maxLength",
			      (json_int_t)max);

	if (ident)
		json_object_set_new(s, "pattern", json_string(NO_CONTROL));
	return s;
}

static json_t *array_of(json_t *items, const struct proto_field *f, bool unique)
{
	json_t *a = json_pack("{s:s, s:o, s:I}", "type", "array", "items", items, "maxItems",
			      (json_int_t)(f->max ? f->max : PROTO_ARRAY_MAX));

	if (f->min)
		json_object_set_new(a, "minItems", json_integer(f->min));
	if (unique)
		json_object_set_new(a, "uniqueItems", json_true());
	return a;
}

static json_t *field_schema(const struct proto_field *f)
{
	switch (f->type) {
	case PF_STR:
		return str_schema(f->max ? f->max : PROTO_TEXT_MAX, false);
	case PF_IDENT:
		return str_schema(f->max ? f->max : PROTO_ID_MAX, true);
	case PF_BOOL:
		return json_pack("{s:s}", "type", "boolean");
	case PF_UINT:
		return json_pack("{s:s, s:i}", "type", "integer", "minimum", 0);
	case PF_DATE:
		return json_pack("{s:s, s:s, s:s}", "type", "string", "pattern", DATE_PATTERN,
				 "format", "date");
	case PF_ENUM:
		return json_pack("{s:s, s:o}", "type", "string", "enum", strings(f->values));
	case PF_ENUMS:
		return array_of(
		    json_pack("{s:s, s:o}", "type", "string", "enum", strings(f->values)), f, true);
	case PF_STRS:
		return array_of(str_schema(PROTO_TEXT_MAX, false), f, false);
	case PF_IDENTS:
		return array_of(str_schema(PROTO_ID_MAX, true), f, true);
	case PF_MAP:
		return object_of(f->fields, f->min);
	case PF_MAPS:
		return array_of(object_of(f->fields, 0), f, false);
	case PF_DURATION:
		return json_pack("{s:s, s:s, s:i}", "type", "string", "pattern", DURATION_PATTERN,
				 "maxLength", f->max ? f->max : DURATION_MAX);
	case PF_END:
		break;
	}
	return json_object();
}

/* A map of a field table: its fields, no others; the required ones; a refused key never;
 * a conditional one required when its sibling enum holds one of its values, else absent. */
static json_t *object_of(const struct proto_field *fields, uint32_t min)
{
	json_t *o = json_pack("{s:s, s:b}", "type", "object", "additionalProperties", 0);
	json_t *props = json_object(), *req = json_array(), *all = json_array();

	for (const struct proto_field *f = fields; f->name; f++) {
		json_object_set_new(props, f->name, field_schema(f));
		if (f->required)
			json_array_append_new(req, json_string(f->name));
		/* optional when it holds (BI's conditions on an upheld appeal): no "then" */
		if (f->when_field && f->when_optional)
			json_array_append_new(
			    all,
			    json_pack("{s:{s:{s:{s:o}}, s:[s]}, s:{s:{s:[s]}}}", "if", "properties",
				      f->when_field, "enum", strings(f->when_values), "required",
				      f->when_field, "else", "not", "required", f->name));
		else if (f->when_field)
			json_array_append_new(
			    all,
			    json_pack("{s:{s:{s:{s:o}}, s:[s]}, s:{s:[s]}, s:{s:{s:[s]}}}", "if",
				      "properties", f->when_field, "enum", strings(f->when_values),
				      "required", f->when_field, "then", "required", f->name,
				      "else", "not", "required", f->name));
	}
	for (const struct proto_field *f = fields; f->name; f++)
		if (f->refused)
			json_object_set_new(props, f->refused, json_false());
	json_object_set_new(o, "properties", props);
	if (json_array_size(req))
		json_object_set_new(o, "required", req);
	else
		json_decref(req);
	if (json_array_size(all))
		json_object_set_new(o, "allOf", all);
	else
		json_decref(all);
	if (min)
		json_object_set_new(o, "minProperties", json_integer(min));
	return o;
}

static json_t *roles(void)
{
	json_t *a = json_array();

	for (int r = ROLE_NONE + 1; r < ROLE_COUNT; r++)
		json_array_append_new(a, json_string(proto_role_name((enum proto_role)r)));
	return a;
}

/* The whole request of one type: PROTOCOL.md's envelope around the type's body. */
static json_t *event_schema(const struct proto_type *t)
{
	json_t *s = json_pack("{s:s, s:s, s:s, s:s}", "$schema",
			      "https://json-schema.org/draft/2020-12/schema", "$id",
			      "integrityd:schema/event", "title", t->name, "description",
			      "An integrityd intake request of this type (PROTOCOL.md). Generated "
			      "from the codec's tables by genschema; lengths are in characters "
			      "where the daemon counts UTF-8 bytes, and integers must be packed as "
			      "MessagePack integers (1.0 is a float there, and refused).");
	json_t *props = json_object(),
	       *req = json_pack("[s,s,s,s,s]", "v", "id", "type", "at", "body");
	json_t *body = object_of(t->body, 0);
	char id[160];

	snprintf(id, sizeof(id), "integrityd:schema/%s", t->name);
	json_object_set_new(s, "$id", json_string(id));
	json_object_set_new(s, "type", json_string("object"));
	json_object_set_new(s, "additionalProperties", json_false());
	json_object_set_new(props, "v", json_pack("{s:i}", "const", PROTO_VERSION));
	json_object_set_new(props, "id",
			    json_pack("{s:s, s:i, s:i, s:s}", "type", "string", "minLength", 1,
				      "maxLength", PROTO_ID_MAX, "pattern", ID_PATTERN));
	json_object_set_new(props, "type", json_pack("{s:s}", "const", t->name));
	json_object_set_new(props, "at", json_pack("{s:s, s:i}", "type", "integer", "minimum", 0));
	json_object_set_new(props, "actor",
			    json_pack("{s:s, s:b, s:[s,s], s:{s:o, s:{s:s, s:o}}}", "type",
				      "object", "additionalProperties", 0, "required", "id", "role",
				      "properties", "id", str_schema(PROTO_ID_MAX, true), "role",
				      "type", "string", "enum", roles()));
	if (t->opens == KIND_NONE) {
		json_object_set_new(props, "case",
				    json_pack("{s:s, s:i, s:i, s:s}", "type", "string", "minLength",
					      1, "maxLength", PROTO_CASE_MAX, "pattern",
					      ID_PATTERN));
		if (!t->case_by)
			json_array_append_new(req, json_string("case"));
	} else {
		json_object_set_new(props, "case", json_false());
	}
	json_object_set_new(props, "body", body);
	/* the actor: required, or with an anonymous flag required unless it is true, and then
	 * absent */
	/* report.followed_up: by body.token with no case and no actor, or by case and actor */
	if (t->case_by) {
		json_object_set_new(s, "if",
				    json_pack("{s:{s:{s:[s]}}, s:[s]}", "properties", "body",
					      "required", t->case_by, "required", "body"));
		json_object_set_new(s, "then",
				    json_pack("{s:[{s:{s:[s]}},{s:{s:[s]}}]}", "allOf", "not",
					      "required", "case", "not", "required", "actor"));
		json_object_set_new(s, "else", json_pack("{s:[s,s]}", "required", "case", "actor"));
	} else if (t->actor_required && t->anon_flag)
		json_object_set_new(s, "if",
				    json_pack("{s:{s:{s:{s:{s:b}}, s:[s]}}, s:[s]}", "properties",
					      "body", "properties", t->anon_flag, "const", 1,
					      "required", t->anon_flag, "required", "body"));
	if (t->actor_required && t->anon_flag) {
		json_object_set_new(s, "then",
				    json_pack("{s:{s:[s]}}", "not", "required", "actor"));
		json_object_set_new(s, "else", json_pack("{s:[s]}", "required", "actor"));
	} else if (t->actor_required && !t->case_by) {
		json_array_append_new(req, json_string("actor"));
	}
	json_object_set_new(s, "properties", props);
	json_object_set_new(s, "required", req);
	return s;
}

int main(int argc, char **argv)
{
	char path[4096];

	if (argc != 2) {
		fprintf(stderr, "usage: genschema DIR\n");
		return 2;
	}
	/* WORKFLOW.md's types, then REGISTERS.md's */
	static const struct proto_type *const tables[] = {proto_types, proto_register_types};

	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		for (const struct proto_type *t = tables[i]; t->name; t++) {
			json_t *s = event_schema(t);

			snprintf(path, sizeof(path), "%s/%s.json", argv[1], t->name);
			if (json_dump_file(s, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0) {
				fprintf(stderr, "genschema: %s: %s\n", path, strerror(errno));
				json_decref(s);
				return 1;
			}
			json_decref(s);
		}
	return 0;
}
