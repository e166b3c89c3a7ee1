/* core/net.c - IPv4/IPv6 address:port parsing and formatting, CIDR
 * prefixes and matching, and listening sockets (SO_REUSEPORT on request). */
#include "core/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"

static int
parse_port(const char *s, uint16_t *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -IK_EPARSE;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > 65535)
		return -IK_EPARSE;
	*out = (uint16_t)v;
	return 0;
}

int
net_ip_parse(const char *s, struct net_addr *out)
{
	memset(out, 0, sizeof(*out));
	struct sockaddr_in *sin = (struct sockaddr_in *)&out->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->ss;

	if (inet_pton(AF_INET, s, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		out->len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, s, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		out->len = sizeof(*sin6);
		return 0;
	}
	return -IK_EPARSE;
}

int
net_addr_parse(const char *s, int default_port, struct net_addr *out)
{
	char host[NET_ADDRSTRLEN];
	const char *port = NULL;
	uint16_t p;
	int err;

	size_t n = strlen(s);
	if (n == 0 || n >= sizeof(host))
		return -IK_EPARSE;
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');
		if (rb == NULL || rb == s + 1)
			return -IK_EPARSE;
		memcpy(host, s + 1, (size_t)(rb - s - 1));
		host[rb - s - 1] = '\0';
		if (rb[1] == ':')
			port = rb + 2;
		else if (rb[1] != '\0')
			return -IK_EPARSE;
		/* "[v4]" makes no sense; only IPv6 goes in brackets. */
		if (strchr(host, ':') == NULL)
			return -IK_EPARSE;
	} else {
		const char *colon = strchr(s, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL) {
			/* Bare IPv6 address: no port possible. */
			memcpy(host, s, n + 1);
		} else if (colon != NULL) {
			memcpy(host, s, (size_t)(colon - s));
			host[colon - s] = '\0';
			port = colon + 1;
		} else {
			memcpy(host, s, n + 1);
		}
	}

	if (port != NULL) {
		if ((err = parse_port(port, &p)) < 0)
			return err;
	} else {
		if (default_port < 0 || default_port > 65535)
			return -IK_EPARSE;
		p = (uint16_t)default_port;
	}

	if (strcmp(host, "*") == 0) {
		/* The IPv6 wildcard; net_listen_* clear IPV6_V6ONLY. */
		memset(out, 0, sizeof(*out));
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_any;
		out->len = sizeof(*sin6);
	} else if ((err = net_ip_parse(host, out)) < 0) {
		return err;
	}
	net_addr_set_port(out, p);
	return 0;
}

uint16_t
net_addr_port(const struct net_addr *a)
{
	if (a->ss.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
	if (a->ss.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)&a->ss)->sin6_port);
	return 0;
}

void
net_addr_set_port(struct net_addr *a, uint16_t port)
{
	if (a->ss.ss_family == AF_INET)
		((struct sockaddr_in *)&a->ss)->sin_port = htons(port);
	else if (a->ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&a->ss)->sin6_port = htons(port);
}

void
net_addr_from_sa(struct net_addr *out, const struct sockaddr *sa,
    socklen_t len)
{
	memset(out, 0, sizeof(*out));
	if (len > sizeof(out->ss))
		len = sizeof(out->ss);
	memcpy(&out->ss, sa, len);
	out->len = len;
}

const char *
net_addr_format(const struct net_addr *a, bool with_port, char *buf,
    size_t cap)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	if (a->ss.ss_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)&a->ss)->sin_addr,
		    ip, sizeof(ip));
		if (with_port)
			snprintf(buf, cap, "%s:%u", ip, net_addr_port(a));
		else
			snprintf(buf, cap, "%s", ip);
	} else if (a->ss.ss_family == AF_INET6) {
		inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)&a->ss)->sin6_addr, ip,
		    sizeof(ip));
		if (with_port)
			snprintf(buf, cap, "[%s]:%u", ip, net_addr_port(a));
		else
			snprintf(buf, cap, "%s", ip);
	} else if (a->ss.ss_family == AF_UNIX) {
		snprintf(buf, cap, "unix");
	} else {
		snprintf(buf, cap, "?");
	}
	return buf;
}

/* The address bytes of `a`, with IPv4-mapped IPv6 seen as IPv4. */
static int
addr_bytes(const struct net_addr *a, const uint8_t **bytes)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };

	if (a->ss.ss_family == AF_INET) {
		*bytes = (const uint8_t *)
		    &((const struct sockaddr_in *)&a->ss)->sin_addr;
		return AF_INET;
	}
	if (a->ss.ss_family == AF_INET6) {
		const uint8_t *b = ((const struct sockaddr_in6 *)&a->ss)
		    ->sin6_addr.s6_addr;
		if (memcmp(b, mapped, sizeof(mapped)) == 0) {
			*bytes = b + 12;
			return AF_INET;
		}
		*bytes = b;
		return AF_INET6;
	}
	return AF_UNSPEC;
}

bool
net_addr_same_ip(const struct net_addr *a, const struct net_addr *b)
{
	const uint8_t *x = NULL, *y = NULL;
	int fa = addr_bytes(a, &x), fb = addr_bytes(b, &y);

	if (fa != fb || fa == AF_UNSPEC)
		return false;
	return memcmp(x, y, fa == AF_INET ? 4 : 16) == 0;
}

int
net_cidr_parse(const char *s, struct net_cidr *out)
{
	char ip[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t n = slash != NULL ? (size_t)(slash - s) : strlen(s);
	unsigned maxp;

	memset(out, 0, sizeof(*out));
	if (n == 0 || n >= sizeof(ip))
		return -IK_EPARSE;
	memcpy(ip, s, n);
	ip[n] = '\0';
	if (inet_pton(AF_INET, ip, out->addr) == 1) {
		out->family = AF_INET;
		maxp = 32;
	} else if (inet_pton(AF_INET6, ip, out->addr) == 1) {
		out->family = AF_INET6;
		maxp = 128;
	} else {
		return -IK_EPARSE;
	}
	out->prefix = maxp;
	if (slash != NULL) {
		char *end;
		if (slash[1] < '0' || slash[1] > '9')
			return -IK_EPARSE;
		errno = 0;
		unsigned long p = strtoul(slash + 1, &end, 10);
		if (errno != 0 || *end != '\0' || p > maxp)
			return -IK_EPARSE;
		out->prefix = (unsigned)p;
	}
	/* "::ffff:10.0.0.0/104" is an IPv4 prefix written as IPv6; peers
	 * are compared as IPv4, so store it as one. */
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };
	if (out->family == AF_INET6 && out->prefix >= 96 &&
	    memcmp(out->addr, mapped, sizeof(mapped)) == 0) {
		memmove(out->addr, out->addr + 12, 4);
		memset(out->addr + 4, 0, 12);
		out->family = AF_INET;
		out->prefix -= 96;
		maxp = 32;
	}
	/* Host bits below the prefix usually mean a typo: refuse them. */
	for (unsigned bit = out->prefix; bit < maxp; bit++) {
		if (out->addr[bit / 8] & (0x80 >> (bit % 8)))
			return -IK_EPARSE;
	}
	return 0;
}

const char *
net_cidr_format(const struct net_cidr *c, char *buf, size_t cap)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	inet_ntop(c->family, c->addr, ip, sizeof(ip));
	snprintf(buf, cap, "%s/%u", ip, c->prefix);
	return buf;
}

bool
net_cidr_match(const struct net_cidr *c, const struct net_addr *a)
{
	const uint8_t *b = NULL;
	int fam = addr_bytes(a, &b);

	if (fam != c->family || b == NULL)
		return false;
	unsigned full = c->prefix / 8, rest = c->prefix % 8;
	if (memcmp(b, c->addr, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (b[full] & mask) == c->addr[full];
}

bool
net_cidrs_match(const struct net_cidrs *l, const struct net_addr *a)
{
	for (size_t i = 0; i < l->n; i++)
		if (net_cidr_match(&l->v[i], a))
			return true;
	return false;
}

static int
listen_socket(const struct net_addr *a, int type, unsigned flags)
{
	int one = 1, zero = 0;
	int fd = socket(a->ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);

	if (fd < 0)
		return -errno;
	/* On UDP, SO_REUSEADDR alone lets a second socket bind the same
	 * port: only TCP gets it (to rebind over TIME_WAIT). */
	if (type == SOCK_STREAM && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR,
	    &one, sizeof(one)) < 0)
		goto fail;
	if ((flags & NET_REUSEPORT) && setsockopt(fd, SOL_SOCKET,
	    SO_REUSEPORT, &one, sizeof(one)) < 0)
		goto fail;
	if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 =
		    (const struct sockaddr_in6 *)&a->ss;
		/* "*:" listens on IPv4 too; a named IPv6 address only v6. */
		int v6only = IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr) ?
		    zero : one;
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only,
		    sizeof(v6only)) < 0)
			goto fail;
	}
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) < 0)
		goto fail;
	return fd;
fail:;
	int err = -errno;
	close(fd);
	return err;
}

int
net_listen_tcp(const struct net_addr *a, int backlog, unsigned flags)
{
	int fd = listen_socket(a, SOCK_STREAM, flags);

	if (fd < 0)
		return fd;
	if (listen(fd, backlog) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int
net_listen_udp(const struct net_addr *a, unsigned flags)
{
	return listen_socket(a, SOCK_DGRAM, flags);
}

int
net_sock_name(int fd, struct net_addr *out)
{
	memset(out, 0, sizeof(*out));
	out->len = sizeof(out->ss);
	if (getsockname(fd, (struct sockaddr *)&out->ss, &out->len) < 0)
		return -errno;
	return 0;
}
