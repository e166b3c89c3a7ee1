/* tests/unit/ftp/test_user.c - the users file's FTP options (ftp=rw,
 * ftp_upload_max) and the per-address failed-login limit with a fake
 * clock: the window, separate addresses, IPv4-mapped IPv6, table reuse. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/net.h"
#include "ftp/user.h"

static void
test_opts(void **state)
{
	struct ftp_user_opts o;
	(void)state;

	assert_int_equal(ftp_user_opts_parse(NULL, &o), 0);
	assert_false(o.can_write);
	assert_int_equal(o.upload_max, 0);
	assert_int_equal(ftp_user_opts_parse("ftp=rw", &o), 0);
	assert_true(o.can_write);
	assert_int_equal(ftp_user_opts_parse("ftp=ro", &o), 0);
	assert_false(o.can_write);
	assert_int_equal(ftp_user_opts_parse("mail=x ftp=rw  "
	    "ftp_upload_max=100K other=1", &o), 0);
	assert_true(o.can_write);
	assert_int_equal(o.upload_max, 100 * 1024);
	assert_int_equal(ftp_user_opts_parse("ftp_upload_max=1G", &o), 0);
	assert_true(o.upload_max == 1ull << 30);
	assert_false(o.can_write);
	/* Keys that only look alike belong to others. */
	assert_int_equal(ftp_user_opts_parse("ftpx=rw xftp=rw", &o), 0);
	assert_false(o.can_write);
	/* A value that means nothing refuses the user. */
	assert_int_equal(ftp_user_opts_parse("ftp=yes", &o), -IK_EPARSE);
	assert_int_equal(ftp_user_opts_parse("ftp=", &o), -IK_EPARSE);
	assert_int_equal(ftp_user_opts_parse("ftp_upload_max=lots", &o),
	    -IK_EPARSE);
	assert_int_equal(ftp_user_opts_parse("ftp_upload_max="
	    "9999999999999999999999999999999999999999999999999999999999999999"
	    "99999", &o), -IK_EPARSE);
}

static struct net_addr
ip(const char *s)
{
	struct net_addr a;

	assert_int_equal(net_addr_parse(s, 0, &a), 0);
	return a;
}

static void
test_login_limit(void **state)
{
	struct ftp_login_limit *l = calloc(1, sizeof(*l));
	struct net_addr a = ip("192.0.2.1:1000"), b = ip("192.0.2.2:1000");
	struct net_addr am = ip("[::ffff:192.0.2.1]:2000");
	uint64_t t = 1000000;
	(void)state;

	assert_non_null(l);
	for (int i = 0; i < 3; i++) {
		assert_true(ftp_login_allowed(l, &a, 3, t));
		ftp_login_failed(l, &a, t + (uint64_t)i);
	}
	assert_false(ftp_login_allowed(l, &a, 3, t + 10));
	/* The mapped form is the same client; another is not. */
	assert_false(ftp_login_allowed(l, &am, 3, t + 10));
	assert_true(ftp_login_allowed(l, &b, 3, t + 10));
	/* max 0: no limit. */
	assert_true(ftp_login_allowed(l, &a, 0, t + 10));
	/* A minute after the window opened, it opens anew. */
	assert_false(ftp_login_allowed(l, &a, 3,
	    t + FTP_LOGIN_WINDOW_MS - 1));
	assert_true(ftp_login_allowed(l, &a, 3, t + FTP_LOGIN_WINDOW_MS));
	ftp_login_failed(l, &a, t + FTP_LOGIN_WINDOW_MS);
	assert_true(ftp_login_allowed(l, &a, 3, t + FTP_LOGIN_WINDOW_MS + 1));
	assert_true(ftp_login_allowed(l, &a, 2, t + FTP_LOGIN_WINDOW_MS + 1));
	assert_false(ftp_login_allowed(l, &a, 1, t + FTP_LOGIN_WINDOW_MS + 1));
	free(l);
}

static void
test_login_limit_many_addresses(void **state)
{
	struct ftp_login_limit *l = calloc(1, sizeof(*l));
	char s[64];
	(void)state;

	assert_non_null(l);
	/* More addresses than slots: the table stays bounded, and a fresh
	 * address is never refused for others' failures. */
	for (int i = 0; i < 3 * FTP_LOGIN_SLOTS; i++) {
		snprintf(s, sizeof(s), "10.%d.%d.1:21", i / 256, i % 256);
		struct net_addr a = ip(s);
		ftp_login_failed(l, &a, (uint64_t)i);
		ftp_login_failed(l, &a, (uint64_t)i);
	}
	struct net_addr fresh = ip("198.51.100.7:21");
	assert_true(ftp_login_allowed(l, &fresh, 1, 5000));
	/* The most recent ones are still counted. */
	snprintf(s, sizeof(s), "10.%d.%d.1:21", (3 * FTP_LOGIN_SLOTS - 1) / 256,
	    (3 * FTP_LOGIN_SLOTS - 1) % 256);
	struct net_addr last = ip(s);
	assert_false(ftp_login_allowed(l, &last, 2, 5000));
	free(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opts),
		cmocka_unit_test(test_login_limit),
		cmocka_unit_test(test_login_limit_many_addresses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
