/* tests/unit/ftp/test_addr.c - PORT/EPRT arguments and PASV/EPSV reply
 * texts: RFC 959 and RFC 2428 examples, limits, junk, round trips. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/net.h"
#include "ftp/addr.h"

static const char *
fmt(const struct net_addr *a)
{
	static char buf[NET_ADDRSTRLEN];

	return net_addr_format(a, true, buf, sizeof(buf));
}

static void
test_port_parse(void **state)
{
	struct net_addr a;
	(void)state;

	assert_int_equal(ftp_port_parse("127,0,0,1,195,80", &a), 0);
	assert_string_equal(fmt(&a), "127.0.0.1:50000");
	assert_int_equal(ftp_port_parse(" 10, 1,2,3 ,0,21 ", &a), 0);
	assert_string_equal(fmt(&a), "10.1.2.3:21");
	assert_int_equal(ftp_port_parse("255,255,255,255,255,255", &a), 0);
	assert_string_equal(fmt(&a), "255.255.255.255:65535");
	assert_int_equal(ftp_port_parse("001,002,003,004,000,001", &a), 0);
	assert_string_equal(fmt(&a), "1.2.3.4:1");

	static const char *bad[] = {
		"", "1,2,3,4,5", "1,2,3,4,5,6,7", "256,0,0,1,0,1",
		"1,2,3,4,5,256", "1,2,3,4,5,6x", "a,b,c,d,e,f", "1,,2,3,4,5",
		"-1,2,3,4,5,6", "1.2.3.4,5,6", "0001,2,3,4,5,6", "1,2,3,4,5,",
		"1,2,3,4,5,6,", ",1,2,3,4,5,6",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (ftp_port_parse(bad[i], &a) != -IK_EPARSE)
			print_message("accepted '%s'\n", bad[i]);
		assert_int_equal(ftp_port_parse(bad[i], &a), -IK_EPARSE);
	}
}

static void
test_eprt_parse(void **state)
{
	struct net_addr a;
	(void)state;

	/* RFC 2428 section 2's examples. */
	assert_int_equal(ftp_eprt_parse("|1|132.235.1.2|6275|", &a), 0);
	assert_string_equal(fmt(&a), "132.235.1.2:6275");
	assert_int_equal(ftp_eprt_parse("|2|1080::8:800:200C:417A|5282|",
	    &a), 0);
	assert_string_equal(fmt(&a), "[1080::8:800:200c:417a]:5282");
	/* Another delimiter. */
	assert_int_equal(ftp_eprt_parse("!1!10.0.0.1!21!", &a), 0);
	assert_string_equal(fmt(&a), "10.0.0.1:21");
	assert_int_equal(ftp_eprt_parse("|3|10.0.0.1|21|", &a),
	    -EAFNOSUPPORT);

	static const char *bad[] = {
		"", "|1|132.235.1.2|6275", "|1|132.235.1.2||", "|1||6275|",
		"|1|::1|21|", "|2|1.2.3.4|21|", "|1|1.2.3.4|65536|",
		"1|1|1.2.3.4|21|1", "|x|1.2.3.4|21|", "|1|1.2.3.4|21|junk",
		"\x01" "1\x01" "1.2.3.4\x01" "21\x01", "||1.2.3.4|21|",
		"|1|1.2.3.4|-21|",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (ftp_eprt_parse(bad[i], &a) != -IK_EPARSE)
			print_message("accepted '%s'\n", bad[i]);
		assert_int_equal(ftp_eprt_parse(bad[i], &a), -IK_EPARSE);
	}
}

static void
test_format_round_trip(void **state)
{
	struct net_addr a, b;
	char buf[80];
	(void)state;

	assert_int_equal(net_addr_parse("192.168.7.9:50001", -1, &a), 0);
	assert_int_equal(ftp_port_format(&a, buf, sizeof(buf)),
	    (ssize_t)strlen("192,168,7,9,195,81"));
	assert_string_equal(buf, "192,168,7,9,195,81");
	assert_int_equal(ftp_port_parse(buf, &b), 0);
	assert_string_equal(fmt(&b), "192.168.7.9:50001");
	assert_int_equal(ftp_port_format(&a, buf, 10), -IK_ETRUNC);

	assert_int_equal(ftp_eprt_format(&a, buf, sizeof(buf)), 21);
	assert_string_equal(buf, "|1|192.168.7.9|50001|");
	assert_int_equal(ftp_eprt_parse(buf, &b), 0);
	assert_true(net_addr_same_ip(&a, &b));

	assert_int_equal(net_addr_parse("[::1]:2121", -1, &a), 0);
	assert_int_equal(ftp_port_format(&a, buf, sizeof(buf)), -EINVAL);
	assert_true(ftp_eprt_format(&a, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "|2|::1|2121|");
	assert_int_equal(ftp_eprt_format(&a, buf, 5), -IK_ETRUNC);

	/* A dual-stack listener sees IPv4 peers as ::ffff:a.b.c.d. */
	assert_int_equal(net_addr_parse("[::ffff:10.0.0.2]:21", -1, &a), 0);
	assert_true(ftp_port_format(&a, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "10,0,0,2,0,21");
	assert_true(ftp_eprt_format(&a, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "|1|10.0.0.2|21|");
}

static void
test_pasv_reply(void **state)
{
	struct net_addr a;
	(void)state;

	assert_int_equal(ftp_pasv_reply_parse(
	    "Entering Passive Mode (127,0,0,1,195,80).", &a), 0);
	assert_string_equal(fmt(&a), "127.0.0.1:50000");
	assert_int_equal(ftp_pasv_reply_parse(
	    "Entering Passive Mode 10,0,0,1,4,1", &a), 0);
	assert_string_equal(fmt(&a), "10.0.0.1:1025");
	assert_int_equal(ftp_pasv_reply_parse("=10,0,0,1,4,1", &a), 0);
	assert_int_equal(ftp_pasv_reply_parse("Passive (1,2,3)", &a),
	    -IK_EPARSE);
	assert_int_equal(ftp_pasv_reply_parse("", &a), -IK_EPARSE);
	assert_int_equal(ftp_pasv_reply_parse("(300,0,0,1,1,1)", &a),
	    -IK_EPARSE);
}

static void
test_epsv_reply(void **state)
{
	unsigned port = 0;
	(void)state;

	assert_int_equal(ftp_epsv_reply_parse(
	    "Entering Extended Passive Mode (|||6446|)", &port), 0);
	assert_int_equal(port, 6446);
	assert_int_equal(ftp_epsv_reply_parse("ok (!!!21!)", &port), 0);
	assert_int_equal(port, 21);
	assert_int_equal(ftp_epsv_reply_parse("(|||0|)", &port), -IK_EPARSE);
	assert_int_equal(ftp_epsv_reply_parse("(|||70000|)", &port),
	    -IK_EPARSE);
	assert_int_equal(ftp_epsv_reply_parse("(||6446|)", &port),
	    -IK_EPARSE);
	assert_int_equal(ftp_epsv_reply_parse("(|||6446!)", &port),
	    -IK_EPARSE);
	assert_int_equal(ftp_epsv_reply_parse("no parens", &port),
	    -IK_EPARSE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_port_parse),
		cmocka_unit_test(test_eprt_parse),
		cmocka_unit_test(test_format_round_trip),
		cmocka_unit_test(test_pasv_reply),
		cmocka_unit_test(test_epsv_reply),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
