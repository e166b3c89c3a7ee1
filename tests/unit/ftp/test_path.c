/* tests/unit/ftp/test_path.c - virtual path normalisation: relative and
 * absolute arguments, ".", "..", slashes, climbing above the root
 * (refused, never clamped), and the length limit at -1/0/+1. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "ftp/path.h"

static void
test_resolve(void **state)
{
	static const struct {
		const char	*cwd, *arg, *want;
	} ok[] = {
		{ "/", "", "/" },
		{ "/", ".", "/" },
		{ "/", "/", "/" },
		{ "/", "a", "/a" },
		{ "/", "a/", "/a" },
		{ "/", "a//b///c", "/a/b/c" },
		{ "/a", "b", "/a/b" },
		{ "/a", "", "/a" },
		{ "/a/b", "..", "/a" },
		{ "/a/b", "../..", "/" },
		{ "/a/b", "../c/./d/..", "/a/c" },
		{ "/a/b", "/x/y", "/x/y" },
		{ "/a/b", "/x/../y", "/y" },
		{ "/a", "./b/.", "/a/b" },
		{ "/", "a b/c d", "/a b/c d" },
		{ "/", "...", "/..." },
		{ "/", "..a/b..", "/..a/b.." },
		{ "/", "a/..", "/" },
	};
	char out[256];
	(void)state;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ssize_t n = ftp_path_resolve(ok[i].cwd, ok[i].arg, out,
		    sizeof(out));
		if (n < 0 || strcmp(out, ok[i].want) != 0)
			print_message("%s + %s -> %zd %s\n", ok[i].cwd,
			    ok[i].arg, n, n >= 0 ? out : "");
		assert_int_equal(n, (ssize_t)strlen(ok[i].want));
		assert_string_equal(out, ok[i].want);
	}
}

static void
test_climbing_out_refused(void **state)
{
	static const struct {
		const char	*cwd, *arg;
	} bad[] = {
		{ "/", ".." }, { "/", "../x" }, { "/", "/.." },
		{ "/", "/../etc/passwd" }, { "/a", "../.." },
		{ "/a", "b/../../.." }, { "/a/b", "/a/../../b" },
		{ "/", "a/../../a" }, { "/", "./.." },
	};
	char out[256];
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ssize_t n = ftp_path_resolve(bad[i].cwd, bad[i].arg, out,
		    sizeof(out));
		if (n != -IK_EDENIED)
			print_message("%s + %s -> %zd\n", bad[i].cwd,
			    bad[i].arg, n);
		assert_int_equal(n, -IK_EDENIED);
	}
}

static void
test_limit(void **state)
{
	char out[8], arg[16];
	(void)state;

	/* "/abcdef" is 7 bytes: fits 8 with its NUL; one more does not. */
	assert_int_equal(ftp_path_resolve("/", "abcdef", out, sizeof(out)), 7);
	assert_string_equal(out, "/abcdef");
	assert_int_equal(ftp_path_resolve("/", "abcdefg", out, sizeof(out)),
	    -IK_ELIMIT);
	assert_int_equal(ftp_path_resolve("/abc", "de", out, sizeof(out)), 7);
	assert_int_equal(ftp_path_resolve("/abc", "def", out, sizeof(out)),
	    -IK_ELIMIT);
	/* Long on the way, short at the end: only the result counts. */
	memset(arg, 'x', 5);
	memcpy(arg + 5, "/../y", 6);
	assert_int_equal(ftp_path_resolve("/", arg, out, sizeof(out)), 2);
	assert_string_equal(out, "/y");
	assert_int_equal(ftp_path_resolve("/", "", out, 2), 1);
	assert_int_equal(ftp_path_resolve("/", "", out, 1), -IK_ELIMIT);
}

static void
test_rel_base(void **state)
{
	(void)state;

	assert_string_equal(ftp_path_rel("/"), ".");
	assert_string_equal(ftp_path_rel("/a/b"), "a/b");
	assert_string_equal(ftp_path_base("/"), "/");
	assert_string_equal(ftp_path_base("/a"), "a");
	assert_string_equal(ftp_path_base("/a/b c"), "b c");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_climbing_out_refused),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_rel_base),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
