/* ftp/addr.c - codec for FTP's address texts: PORT and PASV's six numbers
 * (RFC 959 4.1.2, 4.2), EPRT and EPSV's delimited forms (RFC 2428 2, 3).
 * Pure: the server and the client both use it; policy (whose address a
 * PORT may name) lives in the session. */
#include "ftp/addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"

/* Reads a decimal number of at most `maxdig` digits and value <= max at
 * *sp, advancing it. Returns the value or -1. */
static long
read_num(const char **sp, unsigned maxdig, long max)
{
	const char *s = *sp;
	long v = 0;
	unsigned n = 0;

	while (*s >= '0' && *s <= '9') {
		if (++n > maxdig)
			return -1;
		v = v * 10 + (*s - '0');
		s++;
	}
	if (n == 0 || v > max)
		return -1;
	*sp = s;
	return v;
}

static void
set_v4(struct net_addr *out, const long n[6])
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&out->ss;
	uint32_t ip = (uint32_t)(n[0] << 24 | n[1] << 16 | n[2] << 8 | n[3]);

	memset(out, 0, sizeof(*out));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(ip);
	sin->sin_port = htons((uint16_t)(n[4] << 8 | n[5]));
	out->len = sizeof(*sin);
}

/* Six comma-separated numbers 0..255 at *sp (spaces allowed around each:
 * some clients write "1, 2, 3"). Advances *sp past the last digit. */
static int
read_six(const char **sp, long n[6])
{
	const char *s = *sp;

	for (int i = 0; i < 6; i++) {
		while (*s == ' ')
			s++;
		if ((n[i] = read_num(&s, 3, 255)) < 0)
			return -IK_EPARSE;
		while (*s == ' ')
			s++;
		if (i < 5) {
			if (*s != ',')
				return -IK_EPARSE;
			s++;
		}
	}
	*sp = s;
	return 0;
}

int
ftp_port_parse(const char *s, struct net_addr *out)
{
	long n[6];

	if (read_six(&s, n) < 0)
		return -IK_EPARSE;
	while (*s == ' ')
		s++;
	if (*s != '\0')
		return -IK_EPARSE;
	set_v4(out, n);
	return 0;
}

int
ftp_eprt_parse(const char *s, struct net_addr *out)
{
	char host[INET6_ADDRSTRLEN];
	char d;
	long af, port;

	while (*s == ' ')
		s++;
	d = *s;
	if (d < 33 || d > 126 || (d >= '0' && d <= '9'))
		return -IK_EPARSE;
	s++;
	if ((af = read_num(&s, 5, 65535)) < 0 || *s != d)
		return -IK_EPARSE;
	s++;
	const char *h = s;
	while (*s != '\0' && *s != d)
		s++;
	if (*s != d || s == h || (size_t)(s - h) >= sizeof(host))
		return -IK_EPARSE;
	memcpy(host, h, (size_t)(s - h));
	host[s - h] = '\0';
	s++;
	if ((port = read_num(&s, 5, 65535)) < 0 || *s != d)
		return -IK_EPARSE;
	s++;
	while (*s == ' ')
		s++;
	if (*s != '\0')
		return -IK_EPARSE;

	memset(out, 0, sizeof(*out));
	if (af == 1) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&out->ss;
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return -IK_EPARSE;
		sin->sin_family = AF_INET;
		out->len = sizeof(*sin);
	} else if (af == 2) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->ss;
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return -IK_EPARSE;
		sin6->sin6_family = AF_INET6;
		out->len = sizeof(*sin6);
	} else {
		return -EAFNOSUPPORT;
	}
	net_addr_set_port(out, (uint16_t)port);
	return 0;
}

/* The IPv4 bytes of `a`, also from an IPv4-mapped IPv6 address (a
 * dual-stack listener sees IPv4 peers that way). */
static int
v4_bytes(const struct net_addr *a, uint8_t b[4])
{
	if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *sin =
		    (const struct sockaddr_in *)&a->ss;
		memcpy(b, &sin->sin_addr, 4);
		return 0;
	}
	if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 =
		    (const struct sockaddr_in6 *)&a->ss;
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			memcpy(b, &sin6->sin6_addr.s6_addr[12], 4);
			return 0;
		}
	}
	return -EINVAL;
}

ssize_t
ftp_port_format(const struct net_addr *a, char *buf, size_t cap)
{
	uint8_t b[4];
	uint16_t port = net_addr_port(a);

	if (v4_bytes(a, b) < 0)
		return -EINVAL;
	int n = snprintf(buf, cap, "%u,%u,%u,%u,%u,%u", b[0], b[1], b[2],
	    b[3], port >> 8, port & 0xff);
	if (n < 0 || (size_t)n >= cap)
		return -IK_ETRUNC;
	return n;
}

ssize_t
ftp_eprt_format(const struct net_addr *a, char *buf, size_t cap)
{
	char host[INET6_ADDRSTRLEN];
	uint8_t b[4];
	int af;

	if (v4_bytes(a, b) == 0) {
		af = 1;
		if (inet_ntop(AF_INET, b, host, sizeof(host)) == NULL)
			return -EINVAL;
	} else if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 =
		    (const struct sockaddr_in6 *)&a->ss;
		af = 2;
		if (inet_ntop(AF_INET6, &sin6->sin6_addr, host,
		    sizeof(host)) == NULL)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	int n = snprintf(buf, cap, "|%d|%s|%u|", af, host,
	    (unsigned)net_addr_port(a));
	if (n < 0 || (size_t)n >= cap)
		return -IK_ETRUNC;
	return n;
}

int
ftp_pasv_reply_parse(const char *text, struct net_addr *out)
{
	long n[6];

	/* RFC 959 leaves the text's layout open; RFC 1123 4.1.2.6 asks
	 * clients to scan for the first digit. Try the parenthesised form
	 * first, then every digit run. */
	const char *p = strchr(text, '(');
	if (p != NULL) {
		const char *s = p + 1;
		if (read_six(&s, n) == 0 && *s == ')') {
			set_v4(out, n);
			return 0;
		}
	}
	for (const char *s = text; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			continue;
		if (s != text && s[-1] >= '0' && s[-1] <= '9')
			continue;
		const char *t = s;
		if (read_six(&t, n) == 0) {
			set_v4(out, n);
			return 0;
		}
	}
	return -IK_EPARSE;
}

int
ftp_epsv_reply_parse(const char *text, unsigned *port)
{
	for (const char *p = strchr(text, '('); p != NULL;
	    p = strchr(p + 1, '(')) {
		char d = p[1];
		if (d < 33 || d > 126 || (d >= '0' && d <= '9'))
			continue;
		if (p[2] != d || p[3] != d)
			continue;
		const char *s = p + 4;
		long v = read_num(&s, 5, 65535);
		if (v < 1 || s[0] != d || s[1] != ')')
			continue;
		*port = (unsigned)v;
		return 0;
	}
	return -IK_EPARSE;
}
