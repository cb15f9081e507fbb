/* keyfile: secret files are read exactly, and refused when others may read them. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dtest.h"
#include "security/keyfile.h"

#define KEY_LEN 8

static char dir[PATH_MAX];

static const char *write_key(const char *name, const char *text, mode_t mode, char *path)
{
	dtest_write_file(dir, name, text, path);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

static void test_reads_a_key_with_or_without_a_newline(void **state)
{
	char path[PATH_MAX], buf[KEY_LEN + 1], err[KEYFILE_ERR_MAX];

	(void)state;
	write_key("a", "abcdefgh\n", 0600, path);
	assert_int_equal(keyfile_read(path, true, buf, KEY_LEN, err), 0);
	assert_string_equal(buf, "abcdefgh");
	write_key("b", "abcdefgh", 0400, path);
	assert_int_equal(keyfile_read(path, true, buf, KEY_LEN, err), 0);
	assert_string_equal(buf, "abcdefgh");
}

static void test_a_secret_readable_by_others_is_refused(void **state)
{
	char path[PATH_MAX], buf[KEY_LEN + 1], err[KEYFILE_ERR_MAX];

	(void)state;
	write_key("c", "abcdefgh\n", 0640, path);
	assert_int_equal(keyfile_read(path, true, buf, KEY_LEN, err), -1);
	assert_contains(err, path);
	assert_contains(err, "0640");
	/* a public key may be world-readable */
	assert_int_equal(keyfile_read(path, false, buf, KEY_LEN, err), 0);
}

static void test_wrong_length_or_extra_lines_are_refused(void **state)
{
	static const char *const bad[] = {"", "abcdefg\n", "abcdefghi\n", "abcdefgh\n\n",
					  "abcd\nefgh"};
	char path[PATH_MAX], buf[KEY_LEN + 1], err[KEYFILE_ERR_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_key("d", bad[i], 0600, path);
		if (keyfile_read(path, true, buf, KEY_LEN, err) != -1)
			fail_msg("'%s' was accepted", bad[i]);
		assert_contains(err, "characters");
	}
}

static void test_missing_file_and_symlink_are_refused(void **state)
{
	char path[PATH_MAX], link[PATH_MAX + 8], buf[KEY_LEN + 1], err[KEYFILE_ERR_MAX];

	(void)state;
	snprintf(path, sizeof(path), "%.4000s/absent", dir);
	assert_int_equal(keyfile_read(path, true, buf, KEY_LEN, err), -1);
	assert_contains(err, "No such file");
	write_key("e", "abcdefgh\n", 0600, path);
	snprintf(link, sizeof(link), "%s.link", path);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(keyfile_read(link, true, buf, KEY_LEN, err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reads_a_key_with_or_without_a_newline),
	    cmocka_unit_test(test_a_secret_readable_by_others_is_refused),
	    cmocka_unit_test(test_wrong_length_or_extra_lines_are_refused),
	    cmocka_unit_test(test_missing_file_and_symlink_are_refused),
	};

	dtest_fresh_dir("keyfile", dir);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
