/* tests/unit/core/test_net.c - address:port and CIDR parsing, formatting,
 * matching (IPv4-mapped IPv6 included), and listening sockets on loopback
 * with ephemeral ports and SO_REUSEPORT. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/err.h"
#include "core/net.h"

static const char *
fmt(const struct net_addr *a, bool with_port)
{
	static char buf[NET_ADDRSTRLEN];

	return net_addr_format(a, with_port, buf, sizeof(buf));
}

static struct net_addr
must_parse(const char *s, int def)
{
	struct net_addr a;

	if (net_addr_parse(s, def, &a) != 0)
		print_message("cannot parse '%s'\n", s);
	assert_int_equal(net_addr_parse(s, def, &a), 0);
	return a;
}

static struct net_cidr
must_cidr(const char *s)
{
	struct net_cidr c;

	if (net_cidr_parse(s, &c) != 0)
		print_message("cannot parse cidr '%s'\n", s);
	assert_int_equal(net_cidr_parse(s, &c), 0);
	return c;
}

/* ---- net_addr_parse ---- */

static void
test_addr_parse_good(void **state)
{
	static const struct {
		const char	*in;
		int		 def;
		int		 family;
		uint16_t	 port;
		const char	*ip;
	} tab[] = {
		{ "1.2.3.4:53", -1, AF_INET, 53, "1.2.3.4" },
		{ "0.0.0.0:0", -1, AF_INET, 0, "0.0.0.0" },
		{ "255.255.255.255:65535", -1, AF_INET, 65535,
		    "255.255.255.255" },
		{ "127.0.0.1:053", -1, AF_INET, 53, "127.0.0.1" },
		{ "[::1]:53", -1, AF_INET6, 53, "::1" },
		{ "[2001:db8::1]:8080", -1, AF_INET6, 8080, "2001:db8::1" },
		{ "[::ffff:1.2.3.4]:25", -1, AF_INET6, 25, "::ffff:1.2.3.4" },
		{ "::1", 53, AF_INET6, 53, "::1" },		/* bare v6 */
		{ "fe80::1:2", 7, AF_INET6, 7, "fe80::1:2" },
		{ "[::1]", 5353, AF_INET6, 5353, "::1" },
		{ "*:53", -1, AF_INET6, 53, "::" },
		{ "*", 21, AF_INET6, 21, "::" },
		{ "10.0.0.1", 25, AF_INET, 25, "10.0.0.1" },
		{ "10.0.0.1", 0, AF_INET, 0, "10.0.0.1" },
		{ "10.0.0.1", 65535, AF_INET, 65535, "10.0.0.1" },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		struct net_addr a = must_parse(tab[i].in, tab[i].def);
		assert_int_equal(a.ss.ss_family, tab[i].family);
		assert_int_equal(a.len, tab[i].family == AF_INET ?
		    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
		assert_int_equal(net_addr_port(&a), tab[i].port);
		assert_string_equal(fmt(&a, false), tab[i].ip);
	}
}

static void
test_addr_parse_bad(void **state)
{
	static const struct {
		const char	*in;
		int		 def;
	} tab[] = {
		{ "1.2.3.4", -1 },		/* port required */
		{ "::1", -1 },
		{ "[::1]", -1 },
		{ "*", -1 },
		{ "1.2.3.4:65536", -1 }, { "1.2.3.4:65536", 53 },
		{ "1.2.3.4:99999999999999999999", -1 },
		{ "1.2.3.4:", -1 }, { "1.2.3.4:", 53 },
		{ "1.2.3.4:-1", -1 }, { "1.2.3.4:+5", -1 },
		{ "1.2.3.4: 5", -1 }, { "1.2.3.4:5 ", -1 },
		{ "1.2.3.4:5x", -1 }, { "1.2.3.4:0x10", -1 },
		{ "", -1 }, { "", 53 }, { ":53", -1 }, { ":", 53 },
		{ "garbage", 53 }, { "garbage:53", -1 }, { "host.test:25", -1 },
		{ "1.2.3:53", -1 }, { "1.2.3.256:53", -1 },
		{ "[1.2.3.4]:5", -1 }, { "[1.2.3.4]", 5 },
		{ "[]:53", -1 }, { "[::1", 53 }, { "[::1]53", -1 },
		{ "[::1]:", -1 }, { "[::1]:x", -1 }, { "[::1]:65536", -1 },
		{ "::1:53:x", 53 }, { "[[::1]]:53", -1 },
		{ "*:", -1 }, { "**:53", -1 },
		{ "1.2.3.4", 65536 }, { "1.2.3.4", -2 },
		{ "fe80::1%eth0", 53 },
		/* 70 bytes: longer than any address */
		{ "[0000:0000:0000:0000:0000:0000:0000:0001]:53"
		  "xxxxxxxxxxxxxxxxxxxxxxxxxx", -1 },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		struct net_addr a;
		int rc = net_addr_parse(tab[i].in, tab[i].def, &a);
		if (rc != -IK_EPARSE)
			print_message("'%s' (default %d) gave %d\n",
			    tab[i].in, tab[i].def, rc);
		assert_int_equal(rc, -IK_EPARSE);
	}
}

static void
test_ip_parse(void **state)
{
	struct net_addr a;
	(void)state;

	assert_int_equal(net_ip_parse("10.0.0.1", &a), 0);
	assert_int_equal(a.ss.ss_family, AF_INET);
	assert_int_equal(net_addr_port(&a), 0);
	assert_int_equal(net_ip_parse("fe80::1", &a), 0);
	assert_int_equal(a.ss.ss_family, AF_INET6);
	assert_int_equal(net_ip_parse("10.0.0.1:53", &a), -IK_EPARSE);
	assert_int_equal(net_ip_parse("[::1]", &a), -IK_EPARSE);
	assert_int_equal(net_ip_parse("", &a), -IK_EPARSE);
}

/* ---- net_addr_format ---- */

static void
test_format_round_trip(void **state)
{
	static const char *const canon[] = {
		"1.2.3.4:53", "0.0.0.0:0", "255.255.255.255:65535",
		"[::1]:53", "[::]:0", "[2001:db8::1]:65535",
		"[::ffff:10.1.2.3]:25", "[fe80::abcd:1234:5678:9abc]:1",
		"[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535",
	};
	(void)state;

	for (size_t i = 0; i < sizeof(canon) / sizeof(canon[0]); i++) {
		struct net_addr a = must_parse(canon[i], -1);
		char buf[NET_ADDRSTRLEN];
		assert_string_equal(net_addr_format(&a, true, buf,
		    sizeof(buf)), canon[i]);
		struct net_addr b = must_parse(buf, -1);
		assert_int_equal(a.len, b.len);
		assert_memory_equal(&a.ss, &b.ss, a.len);
	}
	/* non-canonical input comes out canonical */
	struct net_addr a = must_parse("[2001:0db8:0:0:0:0:0:1]:53", -1);
	assert_string_equal(fmt(&a, true), "[2001:db8::1]:53");
	assert_string_equal(fmt(&a, false), "2001:db8::1");
	a = must_parse("*:53", -1);
	assert_string_equal(fmt(&a, true), "[::]:53");
}

static void
test_format_odd(void **state)
{
	struct net_addr a;
	char buf[NET_ADDRSTRLEN];
	(void)state;

	memset(&a, 0, sizeof(a));
	assert_string_equal(net_addr_format(&a, true, buf, sizeof(buf)), "?");
	a.ss.ss_family = AF_UNIX;
	assert_string_equal(net_addr_format(&a, true, buf, sizeof(buf)),
	    "unix");
	/* a small buffer: cut but terminated, never overrun */
	char small[8];
	memset(small, 'Z', sizeof(small));
	a = must_parse("[2001:db8::1]:65535", -1);
	assert_ptr_equal(net_addr_format(&a, true, small, 6), small);
	assert_string_equal(small, "[2001");
	assert_int_equal(small[6], 'Z');
	/* the longest output fits NET_ADDRSTRLEN */
	a = must_parse("[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535",
	    -1);
	assert_true(strlen(fmt(&a, true)) < NET_ADDRSTRLEN);
}

static void
test_port_set_and_from_sa(void **state)
{
	struct sockaddr_in sin;
	struct net_addr a;
	(void)state;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(2525);
	sin.sin_addr.s_addr = htonl(0x7f000001);
	net_addr_from_sa(&a, (struct sockaddr *)&sin, sizeof(sin));
	assert_string_equal(fmt(&a, true), "127.0.0.1:2525");
	net_addr_set_port(&a, 7);
	assert_int_equal(net_addr_port(&a), 7);

	/* an over-long length is clamped */
	struct sockaddr_storage big[2];
	memset(big, 0, sizeof(big));
	memcpy(big, &sin, sizeof(sin));
	net_addr_from_sa(&a, (struct sockaddr *)big, sizeof(big));
	assert_int_equal(a.len, sizeof(a.ss));

	memset(&a, 0, sizeof(a));
	net_addr_set_port(&a, 9);	/* no family: no effect */
	assert_int_equal(net_addr_port(&a), 0);
}

/* ---- CIDR ---- */

static void
test_cidr_parse_good(void **state)
{
	static const struct {
		const char	*in;
		int		 family;
		unsigned	 prefix;
		const char	*out;
	} tab[] = {
		{ "10.0.0.0/8", AF_INET, 8, "10.0.0.0/8" },
		{ "0.0.0.0/0", AF_INET, 0, "0.0.0.0/0" },
		{ "1.2.3.4/32", AF_INET, 32, "1.2.3.4/32" },
		{ "1.2.3.4", AF_INET, 32, "1.2.3.4/32" },
		{ "10.0.0.32/27", AF_INET, 27, "10.0.0.32/27" },
		{ "128.0.0.0/1", AF_INET, 1, "128.0.0.0/1" },
		{ "::/0", AF_INET6, 0, "::/0" },
		{ "::1", AF_INET6, 128, "::1/128" },
		{ "2001:db8::1/128", AF_INET6, 128, "2001:db8::1/128" },
		{ "fd00::/8", AF_INET6, 8, "fd00::/8" },
		{ "2001:db8::/32", AF_INET6, 32, "2001:db8::/32" },
		{ "2001:db8::80/121", AF_INET6, 121, "2001:db8::80/121" },
		{ "10.0.0.0/08", AF_INET, 8, "10.0.0.0/8" },
	};
	char buf[NET_ADDRSTRLEN];
	(void)state;

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		struct net_cidr c = must_cidr(tab[i].in);
		assert_int_equal(c.family, tab[i].family);
		assert_int_equal(c.prefix, tab[i].prefix);
		assert_string_equal(net_cidr_format(&c, buf, sizeof(buf)),
		    tab[i].out);
	}
}

static void
test_cidr_parse_bad(void **state)
{
	static const char *const tab[] = {
		"10.0.0.1/8",		/* host bits set */
		"1.0.0.0/0",
		"10.0.0.33/27",
		"2001:db8::1/64",
		"2001:db8::81/121",
		"::1/0",
		"10.0.0.0/33", "::/129", "10.0.0.0/", "/8", "",
		"10.0.0.0/8x", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/ 8",
		"10.0.0.0/8/8", "10/8", "300.0.0.0/8", "garbage",
		"10.0.0.0/99999999999999999999", "[::1]/128",
		"10.0.0.0 /8",
	};
	(void)state;

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		struct net_cidr c;
		int rc = net_cidr_parse(tab[i], &c);
		if (rc != -IK_EPARSE)
			print_message("'%s' gave %d\n", tab[i], rc);
		assert_int_equal(rc, -IK_EPARSE);
	}
}

static void
test_cidr_match(void **state)
{
	static const struct {
		const char	*cidr, *addr;
		bool		 match;
	} tab[] = {
		{ "10.0.0.0/8", "10.1.2.3:1", true },
		{ "10.0.0.0/8", "11.0.0.0:1", false },
		{ "10.0.0.0/8", "9.255.255.255:1", false },
		{ "10.0.0.0/8", "[::ffff:10.1.2.3]:1", true },	/* mapped */
		{ "10.0.0.0/8", "[::ffff:11.1.2.3]:1", false },
		{ "10.0.0.0/8", "[::a01:203]:1", false },	/* compat: no */
		{ "10.0.0.0/8", "[2001:db8::1]:1", false },
		{ "1.2.3.4", "1.2.3.4:9", true },
		{ "1.2.3.4", "[::ffff:1.2.3.4]:9", true },
		{ "1.2.3.4", "1.2.3.5:9", false },
		{ "0.0.0.0/0", "255.255.255.255:1", true },
		{ "0.0.0.0/0", "[::ffff:1.1.1.1]:1", true },
		{ "0.0.0.0/0", "[::1]:1", false },
		{ "::/0", "[2001:db8::1]:1", true },
		{ "::/0", "1.2.3.4:1", false },
		/* /27: 10.0.0.32 .. 10.0.0.63 */
		{ "10.0.0.32/27", "10.0.0.32:1", true },
		{ "10.0.0.32/27", "10.0.0.63:1", true },
		{ "10.0.0.32/27", "10.0.0.31:1", false },
		{ "10.0.0.32/27", "10.0.0.64:1", false },
		{ "10.0.0.32/27", "[::ffff:10.0.0.40]:1", true },
		{ "10.0.0.32/27", "[::ffff:10.0.0.70]:1", false },
		{ "128.0.0.0/1", "200.1.1.1:1", true },
		{ "128.0.0.0/1", "127.255.255.255:1", false },
		/* /121: ::80 .. ::ff */
		{ "2001:db8::80/121", "[2001:db8::80]:1", true },
		{ "2001:db8::80/121", "[2001:db8::ff]:1", true },
		{ "2001:db8::80/121", "[2001:db8::7f]:1", false },
		{ "2001:db8::80/121", "[2001:db8::100]:1", false },
		{ "fd00::/8", "[fdff::1]:1", true },
		{ "fd00::/8", "[fe00::1]:1", false },
		{ "fc00::/7", "[fdff::1]:1", true },
		{ "fc00::/7", "[fe00::1]:1", false },
		{ "::1", "[::1]:1", true },
		{ "::1", "[::2]:1", false },
		{ "::1", "127.0.0.1:1", false },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		struct net_cidr c = must_cidr(tab[i].cidr);
		struct net_addr a = must_parse(tab[i].addr, -1);
		if (net_cidr_match(&c, &a) != tab[i].match)
			print_message("%s in %s: want %d\n", tab[i].addr,
			    tab[i].cidr, tab[i].match);
		assert_int_equal(net_cidr_match(&c, &a), tab[i].match);
	}
	/* an address without a family matches nothing */
	struct net_addr none;
	memset(&none, 0, sizeof(none));
	struct net_cidr any4 = must_cidr("0.0.0.0/0");
	struct net_cidr any6 = must_cidr("::/0");
	assert_false(net_cidr_match(&any4, &none));
	assert_false(net_cidr_match(&any6, &none));
}

/* Every prefix length, against the addresses just inside and outside. */
static void
test_cidr_match_every_prefix(void **state)
{
	(void)state;

	for (unsigned p = 1; p <= 32; p++) {
		uint32_t net = p == 32 ? 0xc0a80101u :
		    0xc0a80101u & ~((1u << (32 - p)) - 1);
		char text[40];
		struct in_addr ia = { htonl(net) };
		char ip[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &ia, ip, sizeof(ip));
		snprintf(text, sizeof(text), "%s/%u", ip, p);
		struct net_cidr c = must_cidr(text);

		/* last address inside, first one past the end */
		uint32_t last = p == 32 ? net : net | ((1u << (32 - p)) - 1);
		uint32_t flip = net ^ (1u << (32 - p));	/* last prefix bit */
		struct net_addr in, out;
		struct sockaddr_in sin = { .sin_family = AF_INET };
		sin.sin_addr.s_addr = htonl(last);
		net_addr_from_sa(&in, (struct sockaddr *)&sin, sizeof(sin));
		sin.sin_addr.s_addr = htonl(flip);
		net_addr_from_sa(&out, (struct sockaddr *)&sin, sizeof(sin));
		assert_true(net_cidr_match(&c, &in));
		assert_false(net_cidr_match(&c, &out));
	}
}

static void
test_cidrs_match(void **state)
{
	struct net_cidr v[2] = { must_cidr("10.0.0.0/8"),
	    must_cidr("fd00::/8") };
	struct net_cidrs l = { v, 2 }, empty = { NULL, 0 };
	(void)state;

	struct net_addr a = must_parse("10.9.9.9:1", -1);
	struct net_addr b = must_parse("[fd12::1]:1", -1);
	struct net_addr c = must_parse("192.0.2.1:1", -1);
	assert_true(net_cidrs_match(&l, &a));
	assert_true(net_cidrs_match(&l, &b));
	assert_false(net_cidrs_match(&l, &c));
	assert_false(net_cidrs_match(&empty, &a));
}

static void
test_same_ip(void **state)
{
	static const struct {
		const char	*a, *b;
		bool		 same;
	} tab[] = {
		{ "1.2.3.4:1", "1.2.3.4:2", true },	/* ports ignored */
		{ "1.2.3.4:1", "[::ffff:1.2.3.4]:1", true },
		{ "[::ffff:1.2.3.4]:1", "1.2.3.4:9", true },
		{ "1.2.3.4:1", "1.2.3.5:1", false },
		{ "[::1]:1", "[::1]:2", true },
		{ "[::1]:1", "127.0.0.1:1", false },
		{ "[::1]:1", "[::2]:1", false },
		{ "0.0.0.0:1", "[::]:1", false },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		struct net_addr a = must_parse(tab[i].a, -1);
		struct net_addr b = must_parse(tab[i].b, -1);
		assert_int_equal(net_addr_same_ip(&a, &b), tab[i].same);
		assert_int_equal(net_addr_same_ip(&b, &a), tab[i].same);
	}
	struct net_addr none, u;
	memset(&none, 0, sizeof(none));
	assert_false(net_addr_same_ip(&none, &none));
	memset(&u, 0, sizeof(u));
	u.ss.ss_family = AF_UNIX;
	assert_false(net_addr_same_ip(&u, &u));
}

/* ---- sockets ---- */

static void
check_fd_flags(int fd)
{
	assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
}

/* Connects to `a` and waits (bounded) until the connection is up. */
static int
connect_bounded(const struct net_addr *a)
{
	int fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	if (connect(fd, (const struct sockaddr *)&a->ss, a->len) < 0)
		assert_int_equal(errno, EINPROGRESS);
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	assert_int_equal(poll(&p, 1, 5000), 1);
	int soerr = -1;
	socklen_t sl = sizeof(soerr);
	assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl), 0);
	assert_int_equal(soerr, 0);
	return fd;
}

static void
test_listen_tcp_ephemeral(void **state)
{
	struct net_addr a = must_parse("127.0.0.1:0", -1), got;
	(void)state;

	int fd = net_listen_tcp(&a, 16, 0);
	assert_true(fd >= 0);
	check_fd_flags(fd);
	assert_int_equal(net_sock_name(fd, &got), 0);
	assert_int_equal(got.ss.ss_family, AF_INET);
	assert_int_not_equal(net_addr_port(&got), 0);
	assert_true(net_addr_same_ip(&a, &got));
	int type = 0;
	socklen_t tl = sizeof(type);
	assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl), 0);
	assert_int_equal(type, SOCK_STREAM);

	/* it accepts */
	int c = connect_bounded(&got);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	assert_int_equal(poll(&p, 1, 5000), 1);
	int s = accept(fd, NULL, NULL);
	assert_true(s >= 0);
	close(s);
	close(c);
	close(fd);
}

static void
test_listen_udp_ephemeral(void **state)
{
	struct net_addr a = must_parse("127.0.0.1:0", -1), got;
	(void)state;

	int fd = net_listen_udp(&a, 0);
	assert_true(fd >= 0);
	check_fd_flags(fd);
	assert_int_equal(net_sock_name(fd, &got), 0);
	assert_int_not_equal(net_addr_port(&got), 0);
	int type = 0;
	socklen_t tl = sizeof(type);
	assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl), 0);
	assert_int_equal(type, SOCK_DGRAM);

	/* a datagram arrives */
	int c = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(c >= 0);
	assert_int_equal(sendto(c, "hi", 2, 0, (struct sockaddr *)&got.ss,
	    got.len), 2);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	assert_int_equal(poll(&p, 1, 5000), 1);
	char buf[8];
	assert_int_equal(recv(fd, buf, sizeof(buf), 0), 2);
	close(c);
	close(fd);
}

/* NET_REUSEPORT: each worker opens its own socket on the same port. */
static void
test_listen_same_port_twice(void **state)
{
	struct net_addr a = must_parse("127.0.0.1:0", -1), got, got2;
	(void)state;

	int fd1 = net_listen_tcp(&a, 16, NET_REUSEPORT);
	assert_true(fd1 >= 0);
	assert_int_equal(net_sock_name(fd1, &got), 0);
	int fd2 = net_listen_tcp(&got, 16, NET_REUSEPORT);
	assert_true(fd2 >= 0);
	assert_int_equal(net_sock_name(fd2, &got2), 0);
	assert_int_equal(net_addr_port(&got), net_addr_port(&got2));
	int on = 0;
	socklen_t ol = sizeof(on);
	assert_int_equal(getsockopt(fd2, SOL_SOCKET, SO_REUSEPORT, &on, &ol),
	    0);
	assert_int_equal(on, 1);
	close(fd2);
	close(fd1);

	int u1 = net_listen_udp(&a, NET_REUSEPORT);
	assert_true(u1 >= 0);
	assert_int_equal(net_sock_name(u1, &got), 0);
	int u2 = net_listen_udp(&got, NET_REUSEPORT);
	assert_true(u2 >= 0);
	close(u2);
	close(u1);
}

/* Without NET_REUSEPORT a second server on a taken port must fail, so
 * two services never silently split one port. */
static void
test_listen_tcp_port_taken(void **state)
{
	struct net_addr a = must_parse("127.0.0.1:0", -1), got;
	(void)state;

	int fd1 = net_listen_tcp(&a, 16, 0);
	assert_true(fd1 >= 0);
	assert_int_equal(net_sock_name(fd1, &got), 0);
	assert_int_equal(net_listen_tcp(&got, 16, 0), -EADDRINUSE);
	assert_int_equal(net_listen_tcp(&got, 16, NET_REUSEPORT),
	    -EADDRINUSE);
	close(fd1);
	/* and the other way round */
	fd1 = net_listen_tcp(&a, 16, NET_REUSEPORT);
	assert_true(fd1 >= 0);
	assert_int_equal(net_sock_name(fd1, &got), 0);
	assert_int_equal(net_listen_tcp(&got, 16, 0), -EADDRINUSE);
	close(fd1);
}

static void
test_listen_udp_port_taken(void **state)
{
	struct net_addr a = must_parse("127.0.0.1:0", -1), got;
	(void)state;

	int fd1 = net_listen_udp(&a, 0);
	assert_true(fd1 >= 0);
	assert_int_equal(net_sock_name(fd1, &got), 0);
	int fd2 = net_listen_udp(&got, 0);
	if (fd2 >= 0)
		close(fd2);
	assert_int_equal(fd2, -EADDRINUSE);
	close(fd1);
}

/* "*:" is dual stack: an IPv4 client reaches it. */
static void
test_listen_wildcard_dual_stack(void **state)
{
	struct net_addr a = must_parse("*:0", -1), got;
	(void)state;

	int fd = net_listen_tcp(&a, 16, 0);
	if (fd == -EAFNOSUPPORT || fd == -EADDRNOTAVAIL) {
		skip();
		return;
	}
	assert_true(fd >= 0);
	assert_int_equal(net_sock_name(fd, &got), 0);
	assert_int_equal(got.ss.ss_family, AF_INET6);
	int off = -1;
	socklen_t ol = sizeof(off);
	assert_int_equal(getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, &ol),
	    0);
	assert_int_equal(off, 0);

	struct net_addr v4 = must_parse("127.0.0.1:0", -1);
	net_addr_set_port(&v4, net_addr_port(&got));
	int c = connect_bounded(&v4);
	close(c);
	close(fd);
}

static void
test_listen_v6_loopback(void **state)
{
	struct net_addr a = must_parse("[::1]:0", -1), got;
	(void)state;

	int fd = net_listen_tcp(&a, 16, 0);
	if (fd == -EAFNOSUPPORT || fd == -EADDRNOTAVAIL) {
		skip();
		return;
	}
	assert_true(fd >= 0);
	int on = 0;
	socklen_t ol = sizeof(on);
	assert_int_equal(getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, &ol),
	    0);
	assert_int_equal(on, 1);		/* a named v6 address: v6 only */
	assert_int_equal(net_sock_name(fd, &got), 0);
	assert_string_equal(fmt(&got, false), "::1");
	assert_int_not_equal(net_addr_port(&got), 0);
	close(fd);
}

static void
test_listen_errors(void **state)
{
	/* TEST-NET-1: not an address of this host */
	struct net_addr a = must_parse("192.0.2.1:0", -1), got;
	(void)state;

	assert_int_equal(net_listen_tcp(&a, 16, 0), -EADDRNOTAVAIL);
	assert_int_equal(net_listen_udp(&a, 0), -EADDRNOTAVAIL);
	struct net_addr none;
	memset(&none, 0, sizeof(none));
	assert_true(net_listen_tcp(&none, 16, 0) < 0);
	assert_int_equal(net_sock_name(-1, &got), -EBADF);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_parse_good),
		cmocka_unit_test(test_addr_parse_bad),
		cmocka_unit_test(test_ip_parse),
		cmocka_unit_test(test_format_round_trip),
		cmocka_unit_test(test_format_odd),
		cmocka_unit_test(test_port_set_and_from_sa),
		cmocka_unit_test(test_cidr_parse_good),
		cmocka_unit_test(test_cidr_parse_bad),
		cmocka_unit_test(test_cidr_match),
		cmocka_unit_test(test_cidr_match_every_prefix),
		cmocka_unit_test(test_cidrs_match),
		cmocka_unit_test(test_same_ip),
		cmocka_unit_test(test_listen_tcp_ephemeral),
		cmocka_unit_test(test_listen_udp_ephemeral),
		cmocka_unit_test(test_listen_same_port_twice),
		cmocka_unit_test(test_listen_tcp_port_taken),
		cmocka_unit_test(test_listen_udp_port_taken),
		cmocka_unit_test(test_listen_wildcard_dual_stack),
		cmocka_unit_test(test_listen_v6_loopback),
		cmocka_unit_test(test_listen_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
