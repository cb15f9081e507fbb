/* integrityctl's small pieces: endpoints from the config, envelope defaults, time format,
 * and the views on results shaped unexpectedly. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zmq.h>

#include "cliconf.h"
#include "ctlclient.h"
#include "show.h"
#include "submit.h"

static char *write_temp(const char *text)
{
	char *path = strdup("/tmp/integrityctl-test-XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_endpoint_list_yields_the_first(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(
	    cliconf_first_endpoint(" ipc:///a.sock , tcp://127.0.0.1:7441", out, sizeof(out)), 0);
	assert_string_equal(out, "ipc:///a.sock");
	assert_int_equal(cliconf_first_endpoint("tcp://127.0.0.1:1", out, sizeof(out)), 0);
	assert_string_equal(out, "tcp://127.0.0.1:1");
	assert_int_equal(cliconf_first_endpoint(" , x", out, sizeof(out)), -EINVAL);
	assert_int_equal(cliconf_first_endpoint("ipc:///0123456789", out, 8), -EINVAL);
}

static void test_config_gives_intake_control_and_notify(void **state)
{
	struct cliconf conf;
	char *path;
	int line = 0;

	(void)state;
	path = write_temp(
	    "# the daemon's file\n[daemon]\nstate_dir = /tmp/x\n"
	    "[intake]\n; whole-line comment\nendpoint = ipc:///tmp/i.sock,tcp://127.0.0.1:7440\n"
	    "[notify]\nendpoint = ipc:///tmp/n.sock\n"
	    "[control]\nendpoint = ipc:///tmp/c.sock\n");
	assert_int_equal(cliconf_load(path, &conf, &line), 0);
	assert_string_equal(conf.intake, "ipc:///tmp/i.sock");
	assert_string_equal(conf.control, "ipc:///tmp/c.sock");
	assert_string_equal(conf.notify, "ipc:///tmp/n.sock");
	unlink(path);
	free(path);
}

static void test_config_bad_line_is_named(void **state)
{
	struct cliconf conf;
	char *path;
	int line = 0;

	(void)state;
	path = write_temp("[control]\nendpoint = ipc:///c\nthis line has no equals sign\n");
	assert_int_equal(cliconf_load(path, &conf, &line), -EINVAL);
	assert_int_equal(line, 3);
	unlink(path);
	free(path);
	assert_int_equal(cliconf_load("/nonexistent/integrityd.conf", &conf, &line), -ENOENT);
}

static void test_keygen_output_reads_back_as_key_pair(void **state)
{
	char pub[41], sec[41], rpub[41], rsec[41], text[200], *path;

	(void)state;
	assert_int_equal(zmq_curve_keypair(pub, sec), 0);
	snprintf(text, sizeof(text), "# made by keygen\npublic_key = %s\nsecret_key = %s\n", pub,
		 sec);
	path = write_temp(text);
	assert_int_equal(cliconf_read_keypair(path, rpub, rsec), 0);
	assert_string_equal(rpub, pub);
	assert_string_equal(rsec, sec);
	unlink(path);
	free(path);

	path = write_temp(text + strlen("# made by keygen\n") + 14 + 40); /* secret only */
	assert_int_equal(cliconf_read_keypair(path, rpub, rsec), -EINVAL);
	unlink(path);
	free(path);

	/* the daemon's public key: a file holding it, or the key itself */
	snprintf(text, sizeof(text), "%s\n", pub);
	path = write_temp(text);
	assert_int_equal(cliconf_read_key(path, rpub), 0);
	assert_string_equal(rpub, pub);
	unlink(path);
	free(path);
	assert_int_equal(cliconf_read_key(pub, rpub), 0);
	assert_string_equal(rpub, pub);
	assert_int_equal(cliconf_read_key("/nonexistent/curve.pub", rpub), -ENOENT);
}

static void test_prepare_fills_only_missing_envelope_keys(void **state)
{
	json_t *ev = json_pack("{s:s, s:{}}", "type", "declaration.submitted", "body");
	json_t *given = json_pack("{s:i, s:s, s:I}", "v", 2, "id", "mine", "at", (json_int_t)5);
	const char *id;

	(void)state;
	assert_int_equal(submit_prepare(ev, 1772323200000ULL), 0);
	assert_int_equal(json_integer_value(json_object_get(ev, "v")), 1);
	assert_int_equal(json_integer_value(json_object_get(ev, "at")), 1772323200000LL);
	id = json_string_value(json_object_get(ev, "id"));
	assert_non_null(id);
	assert_int_equal(strlen(id), 32);
	assert_int_equal(strspn(id, "0123456789abcdef"), 32);

	assert_int_equal(submit_prepare(given, 99), 0);
	assert_int_equal(json_integer_value(json_object_get(given, "v")), 2);
	assert_string_equal(json_string_value(json_object_get(given, "id")), "mine");
	assert_int_equal(json_integer_value(json_object_get(given, "at")), 5);

	json_decref(ev);
	ev = json_array();
	assert_int_equal(submit_prepare(ev, 1), -EINVAL);
	json_decref(ev);
	json_decref(given);
}

static void test_load_takes_object_or_array_of_objects(void **state)
{
	json_t *events = NULL;
	char err[256], *path;
	bool single;

	(void)state;
	path = write_temp("{\"type\": \"x\"}");
	assert_int_equal(submit_load(path, &events, &single, err, sizeof(err)), 0);
	assert_true(single);
	assert_int_equal(json_array_size(events), 1);
	json_decref(events);
	unlink(path);
	free(path);

	path = write_temp("[{\"type\": \"x\"}, {\"type\": \"y\"}]");
	assert_int_equal(submit_load(path, &events, &single, err, sizeof(err)), 0);
	assert_false(single);
	assert_int_equal(json_array_size(events), 2);
	json_decref(events);
	unlink(path);
	free(path);

	path = write_temp("[{\"type\": \"x\"}, 3]");
	assert_int_equal(submit_load(path, &events, &single, err, sizeof(err)), -EINVAL);
	unlink(path);
	free(path);
	path = write_temp("{\"a\": 1, \"a\": 2}");
	assert_int_equal(submit_load(path, &events, &single, err, sizeof(err)), -EINVAL);
	unlink(path);
	free(path);
}

static void test_time_prints_iso_8601_utc(void **state)
{
	char buf[40];

	(void)state;
	show_time(1772323200000ULL, buf, sizeof(buf));
	assert_string_equal(buf, "2026-03-01T00:00:00Z");
	show_time(1772323200123ULL, buf, sizeof(buf));
	assert_string_equal(buf, "2026-03-01T00:00:00.123Z");
}

/* Views print whatever they get, however it is shaped, without crashing. */
static void test_views_tolerate_unexpected_shapes(void **state)
{
	static const char *const docs[] = {
	    "{}",
	    "[]",
	    "null",
	    "{\"case\":\"NA-2026-000001\",\"kind\":\"NA\",\"state\":\"closed\",\"opened_at\":1,"
	    "\"subject\":{\"id\":\"1\",\"name\":\"Zo\\u00eb\"},\"categories\":[\"family\"],"
	    "\"conditions\":[{\"code\":\"no_contact\",\"text\":\"t\"}],"
	    "\"deadlines\":[{\"kind\":\"k\",\"due_at\":2,\"status\":\"open\",\"level\":0}],"
	    "\"history\":[{\"seq\":1,\"type\":\"referral.submitted\",\"at\":3,\"actor\":null},"
	    "{\"seq\":2,\"type\":\"t\",\"at\":4,\"actor\":{\"role\":\"psd\",\"id\":\"p1\"}}],"
	    "\"extra\":[1,2]}",
	    "{\"history\":7,\"deadlines\":\"x\",\"subject\":[1],\"categories\":{}}",
	};
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	(void)state;
	assert_non_null(out);
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		json_t *j = json_loads(docs[i], JSON_DECODE_ANY, NULL);

		assert_non_null(j);
		show_case(out, j);
		show_status(out, j);
		show_cases(out, j);
		show_audit(out, j);
		show_backup(out, j);
		show_intake_reply(out, out, j);
		show_reads(out, j);
		json_decref(j);
	}
	fclose(out);
	assert_non_null(strstr(text, "(anonymous)"));
	assert_non_null(strstr(text, "psd/p1"));
	assert_non_null(strstr(text, "1970-01-01T00:00:00.003Z"));
	free(text);
}

static void test_no_daemon_is_timeout_not_hang(void **state)
{
	struct ctlclient *c = NULL;
	struct ctlclient_error err = {.code = ""};
	json_t *result = NULL;
	int64_t t0;

	(void)state;
	assert_int_equal(ctlclient_new("ipc:///tmp/integrityctl-test-nobody.sock", NULL, &c), 0);
	t0 = ctlclient_now_ms();
	assert_int_equal(ctlclient_call(c, "status", NULL, 200, &result, &err), -ETIMEDOUT);
	assert_true(ctlclient_now_ms() - t0 < 2000);
	assert_null(result);
	ctlclient_destroy(&c);
	assert_null(c);
	ctlclient_destroy(&c);
	assert_int_not_equal(ctlclient_new("nonsense://x", NULL, &c), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_endpoint_list_yields_the_first),
	    cmocka_unit_test(test_config_gives_intake_control_and_notify),
	    cmocka_unit_test(test_config_bad_line_is_named),
	    cmocka_unit_test(test_keygen_output_reads_back_as_key_pair),
	    cmocka_unit_test(test_prepare_fills_only_missing_envelope_keys),
	    cmocka_unit_test(test_load_takes_object_or_array_of_objects),
	    cmocka_unit_test(test_time_prints_iso_8601_utc),
	    cmocka_unit_test(test_views_tolerate_unexpected_shapes),
	    cmocka_unit_test(test_no_daemon_is_timeout_not_hang),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
