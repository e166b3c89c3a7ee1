/* tests/unit/core/test_err.c - ik_strerror: our codes by sign, errno
 * passed through to strerror, and codes outside both ranges. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"

static void
test_our_codes(void **state)
{
	static const struct {
		int		 code;
		const char	*text;
	} tab[] = {
		{ IK_EPARSE, "parse error" },
		{ IK_ETRUNC, "truncated" },
		{ IK_ELIMIT, "limit exceeded" },
		{ IK_EDENIED, "denied" },
		{ IK_ECONFIG, "configuration error" },
		{ IK_ENOTFOUND, "not found" },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		assert_string_equal(ik_strerror(-tab[i].code), tab[i].text);
		assert_string_equal(ik_strerror(tab[i].code), tab[i].text);
	}
}

/* A code added to the enum without a name would give NULL. */
static void
test_every_code_named(void **state)
{
	(void)state;

	for (int c = IK_EBASE + 1; c < IK_EMAX; c++) {
		const char *s = ik_strerror(-c);
		assert_non_null(s);
		assert_true(s[0] != '\0');
		assert_string_not_equal(s, "unknown error");
	}
}

static void
test_errno_both_signs(void **state)
{
	static const int codes[] = { ENOENT, EACCES, ENOMEM, ENOSPC, EIO,
	    EAGAIN, ECONNREFUSED, ETIMEDOUT };
	(void)state;

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		char want[256];
		/* strerror's buffer may be shared: copy before the next call */
		snprintf(want, sizeof(want), "%s", strerror(codes[i]));
		assert_string_equal(ik_strerror(-codes[i]), want);
		assert_string_equal(ik_strerror(codes[i]), want);
	}
	assert_string_equal(ik_strerror(-ENOENT),
	    "No such file or directory");
}

static void
test_out_of_range(void **state)
{
	static const int codes[] = { IK_EBASE, -IK_EBASE, IK_EMAX, -IK_EMAX,
	    IK_EMAX + 1, -(IK_EMAX + 1), 99999, -99999, INT_MAX, -INT_MAX };
	(void)state;

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		assert_string_equal(ik_strerror(codes[i]), "unknown error");
	/* Between errno's range and ours: strerror's own wording. */
	const char *s = ik_strerror(-5000);
	assert_non_null(s);
	assert_true(s[0] != '\0');
	assert_non_null(ik_strerror(0));
}

/* INT_MIN cannot be negated; it must still give a name, not overflow. */
static void
test_int_min(void **state)
{
	(void)state;

	const char *s = ik_strerror(INT_MIN);
	assert_non_null(s);
	assert_true(s[0] != '\0');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_our_codes),
		cmocka_unit_test(test_every_code_named),
		cmocka_unit_test(test_errno_both_signs),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_int_min),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
