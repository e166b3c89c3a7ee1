/* tests/unit/ftp/test_url.c - ftp:// URLs: every part, %-escapes, IPv6
 * literals, ";type=", the last-'@' rule, refusals (escaped CR/LF/NUL, bad
 * ports and hosts, parts over their limits), format with the password
 * hidden or shown and the round trip; and "host[:port]". */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "ftp/url.h"

static struct ftp_url
U(const char *s)
{
	struct ftp_url u;
	int err = ftp_url_parse(s, &u);

	if (err != 0)
		fail_msg("cannot parse %s: %d", s, err);
	return u;
}

static void
assert_round_trip(const struct ftp_url *u)
{
	char buf[3 * (FTP_URL_PATH_MAX + FTP_URL_USER_MAX + FTP_URL_PASS_MAX)
	    + FTP_URL_HOST_MAX + 64];
	struct ftp_url back;

	assert_true(ftp_url_format(u, true, buf, sizeof(buf)) > 0);
	assert_int_equal(ftp_url_parse(buf, &back), 0);
	assert_string_equal(back.user, u->user);
	assert_string_equal(back.pass, u->pass);
	assert_string_equal(back.host, u->host);
	assert_string_equal(back.path, u->path);
	assert_int_equal(back.port, u->port);
	assert_int_equal(back.has_user, u->has_user);
	assert_int_equal(back.has_pass, u->has_pass);
	assert_int_equal(back.has_port, u->has_port);
	assert_int_equal(back.type, u->type);
}

static void
test_full(void **state)
{
	struct ftp_url u;

	(void)state;
	u = U("ftp://alice:s3cret@files.example.test:2121/pub/a%20b.txt");
	assert_true(u.has_user);
	assert_true(u.has_pass);
	assert_true(u.has_port);
	assert_string_equal(u.user, "alice");
	assert_string_equal(u.pass, "s3cret");
	assert_string_equal(u.host, "files.example.test");
	assert_int_equal(u.port, 2121);
	assert_string_equal(u.path, "pub/a b.txt");
	assert_false(ftp_url_is_dir(&u));
	assert_int_equal(u.type, 0);
	assert_round_trip(&u);
}

static void
test_defaults(void **state)
{
	struct ftp_url u;

	(void)state;
	u = U("FTP://127.0.0.1");
	assert_false(u.has_user);
	assert_false(u.has_port);
	assert_int_equal(u.port, 21);
	assert_string_equal(u.path, "");
	assert_true(ftp_url_is_dir(&u));
	assert_round_trip(&u);
	u = U("ftp://h/");
	assert_string_equal(u.path, "");
	u = U("ftp://h:/x/");		/* empty port: the default */
	assert_int_equal(u.port, 21);
	assert_false(u.has_port);
	assert_string_equal(u.path, "x/");
	assert_true(ftp_url_is_dir(&u));
	u = U("ftp://user@h/f");
	assert_true(u.has_user);
	assert_false(u.has_pass);
	assert_string_equal(u.user, "user");
	u = U("ftp://user:@h/f");	/* an empty password is one */
	assert_true(u.has_pass);
	assert_string_equal(u.pass, "");
	assert_round_trip(&u);
}

static void
test_ipv6(void **state)
{
	struct ftp_url u;

	(void)state;
	u = U("ftp://[::1]:2121/x");
	assert_string_equal(u.host, "::1");
	assert_int_equal(u.port, 2121);
	assert_round_trip(&u);
	u = U("ftp://[2001:db8::7]");
	assert_string_equal(u.host, "2001:db8::7");
	assert_int_equal(u.port, 21);
	assert_round_trip(&u);
}

static void
test_escapes_and_at(void **state)
{
	struct ftp_url u;

	(void)state;
	/* RFC 1738: reserved characters escaped in user and password */
	u = U("ftp://a%40b.test:p%3Aw%2Fd%25@h/%2Fetc/x");
	assert_string_equal(u.user, "a@b.test");
	assert_string_equal(u.pass, "p:w/d%");
	assert_string_equal(u.path, "/etc/x");
	assert_round_trip(&u);
	/* unescaped: the last '@' ends the user info */
	u = U("ftp://me@mail.test:pw@h/");
	assert_string_equal(u.user, "me@mail.test");
	assert_string_equal(u.pass, "pw");
	assert_string_equal(u.host, "h");
	/* "//" for an absolute path */
	u = U("ftp://h//srv/x");
	assert_string_equal(u.path, "/srv/x");
	assert_round_trip(&u);
	/* 8-bit bytes and spaces survive */
	u = U("ftp://h/caf%C3%A9 menu");
	assert_string_equal(u.path, "caf\xc3\xa9 menu");
	assert_round_trip(&u);
	/* a ';' in a name, escaped so it is not a type */
	u = U("ftp://h/a%3Btype=a");
	assert_string_equal(u.path, "a;type=a");
	assert_int_equal(u.type, 0);
	assert_round_trip(&u);
}

static void
test_type(void **state)
{
	struct ftp_url u;

	(void)state;
	u = U("ftp://h/readme;type=a");
	assert_string_equal(u.path, "readme");
	assert_int_equal(u.type, 'a');
	assert_round_trip(&u);
	u = U("ftp://h/bin;TYPE=I");
	assert_int_equal(u.type, 'i');
	u = U("ftp://h/dir;type=d");
	assert_true(ftp_url_is_dir(&u));
	struct ftp_url bad;
	assert_int_equal(ftp_url_parse("ftp://h/x;type=q", &bad), -IK_EPARSE);
}

static void
test_refused(void **state)
{
	static const char *bad[] = {
		"http://h/x",
		"ftp:/h/x",
		"ftp://",
		"ftp:///x",			/* no host */
		"ftp://u@/x",
		"ftp://h/a%0d%0aDELE%20x",	/* would inject a command */
		"ftp://h/a%0Ab",
		"ftp://h/a%00b",
		"ftp://u%0a@h/",
		"ftp://u:p%0d@h/",
		"ftp://h/a\tb",			/* raw control byte */
		"ftp://h/%",
		"ftp://h/%4",
		"ftp://h/%zz",
		"ftp://h:0/",
		"ftp://h:65536/",
		"ftp://h:21x/",
		"ftp://h:-1/",
		"ftp://h:123456/",
		"ftp://::1/",			/* IPv6 needs brackets */
		"ftp://[::1/",
		"ftp://[::1]x/",
		"ftp://[not:an:address]/",
		"ftp://[1.2.3.4]/",
		"ftp://ho st/",
		"ftp://h%41/",
	};
	struct ftp_url u;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int err = ftp_url_parse(bad[i], &u);
		if (err != -IK_EPARSE)
			fail_msg("%s: %d", bad[i], err);
	}
}

static void
test_limits(void **state)
{
	size_t n = FTP_URL_PATH_MAX + 16;
	char *s = malloc(n + 32);
	struct ftp_url u;

	(void)state;
	assert_non_null(s);
	/* a path of cap - 1 bytes fits, cap does not */
	for (size_t len = FTP_URL_PATH_MAX - 1; len <= FTP_URL_PATH_MAX;
	    len++) {
		int k = snprintf(s, n + 32, "ftp://h/");
		memset(s + k, 'p', len);
		s[k + len] = '\0';
		assert_int_equal(ftp_url_parse(s, &u),
		    len < FTP_URL_PATH_MAX ? 0 : -IK_ETRUNC);
	}
	/* host */
	for (size_t len = FTP_URL_HOST_MAX - 1; len <= FTP_URL_HOST_MAX;
	    len++) {
		int k = snprintf(s, n + 32, "ftp://");
		memset(s + k, 'h', len);
		s[k + len] = '\0';
		assert_int_equal(ftp_url_parse(s, &u),
		    len < FTP_URL_HOST_MAX ? 0 : -IK_ETRUNC);
	}
	free(s);
}

static void
test_format(void **state)
{
	struct ftp_url u = U("ftp://bob:pa%20ss@h:2121/d/f");
	char buf[256];

	(void)state;
	assert_int_equal(ftp_url_format(&u, false, buf, sizeof(buf)),
	    (ssize_t)strlen("ftp://bob:***@h:2121/d/f"));
	assert_string_equal(buf, "ftp://bob:***@h:2121/d/f");
	assert_true(ftp_url_format(&u, true, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "ftp://bob:pa%20ss@h:2121/d/f");
	/* too small: every size below the length fails */
	size_t len = strlen(buf);
	for (size_t cap = 0; cap <= len; cap++)
		assert_int_equal(ftp_url_format(&u, true, buf, cap),
		    -IK_ETRUNC);
	assert_int_equal(ftp_url_format(&u, true, buf, len + 1),
	    (ssize_t)len);
}

static void
test_hostport(void **state)
{
	char host[64];
	uint16_t port;

	(void)state;
	port = 21;
	assert_int_equal(ftp_hostport_parse("127.0.0.1", host, sizeof(host),
	    &port), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 21);
	assert_int_equal(ftp_hostport_parse("localhost:2121", host,
	    sizeof(host), &port), 0);
	assert_string_equal(host, "localhost");
	assert_int_equal(port, 2121);
	port = 21;
	assert_int_equal(ftp_hostport_parse("[::1]:990", host, sizeof(host),
	    &port), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 990);
	port = 21;
	assert_int_equal(ftp_hostport_parse("fe80::1", host, sizeof(host),
	    &port), 0);
	assert_string_equal(host, "fe80::1");
	assert_int_equal(port, 21);
	assert_int_equal(ftp_hostport_parse("h:0", host, sizeof(host),
	    &port), -IK_EPARSE);
	assert_int_equal(ftp_hostport_parse("", host, sizeof(host), &port),
	    -IK_EPARSE);
	assert_int_equal(ftp_hostport_parse("a:b:c", host, sizeof(host),
	    &port), -IK_EPARSE);
	assert_int_equal(ftp_hostport_parse("toolong", host, 4, &port),
	    -IK_ETRUNC);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_escapes_and_at),
		cmocka_unit_test(test_type),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_hostport),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
