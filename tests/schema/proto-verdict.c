/* proto-verdict: the codec's verdict on intake requests written as JSON, for the schema
 * agreement test (test_schema.py). Reads one JSON document a line on stdin, packs it as
 * MessagePack (jsonpack) and decodes it as intake does (proto_event_decode, default limits,
 * a clock far ahead so that no `at` is in the future); prints "ok" or the error code, one
 * line each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <msgpack.h>

#include "jsonpack.h"
#include "proto.h"

int main(void)
{
	char *line = NULL;
	size_t cap = 0;

	while (getline(&line, &cap, stdin) > 0) {
		json_error_t jerr;
		json_t *doc = json_loads(line, 0, &jerr);
		msgpack_sbuffer sb;
		msgpack_packer pk;
		struct proto_event ev;
		struct proto_error err;
		char id[PROTO_ID_MAX + 1];

		if (!doc) {
			printf("json_error\n");
			continue;
		}
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		jsonpack(&pk, doc);
		if (proto_event_decode(&ev, (const uint8_t *)sb.data, sb.size, UINT64_MAX / 2, NULL,
				       id, &err) == 0) {
			printf("ok\n");
			proto_event_release(&ev);
		} else {
			printf("%s\n", proto_err_code(err.code));
		}
		msgpack_sbuffer_destroy(&sb);
		json_decref(doc);
		fflush(stdout);
	}
	free(line);
	return 0;
}
