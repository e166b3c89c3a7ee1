/* core/net.h - IPv4/IPv6 addresses with ports, CIDR prefixes and
 * listening sockets. Parsing and formatting are pure; net_listen_* make
 * non-blocking, close-on-exec sockets (SO_REUSEPORT on request). */
#ifndef IK_CORE_NET_H
#define IK_CORE_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Longest text net_addr_format writes, NUL included: "[v6%scope]:65535". */
#define NET_ADDRSTRLEN	64

struct net_addr {
	struct sockaddr_storage	 ss;
	socklen_t		 len;	/* 0: unset */
};

struct net_addrs {		/* a list, as config "listen = a:1 b:2" gives */
	struct net_addr		*v;	/* owned */
	size_t			 n;
};

struct net_cidr {
	int			 family;	/* AF_INET or AF_INET6 */
	uint8_t			 addr[16];	/* network bytes, host bits 0 */
	unsigned		 prefix;	/* 0..32 or 0..128 */
};

struct net_cidrs {
	struct net_cidr		*v;	/* owned */
	size_t			 n;
};

/* Parses "1.2.3.4:53", "[::1]:53", "*:53" (IPv6 any, dual stack),
 * "0.0.0.0:53"; a bare address takes `default_port` (-1: port required).
 * Returns 0 or -IK_EPARSE. */
int net_addr_parse(const char *s, int default_port, struct net_addr *out);
/* Parses an address without port ("10.0.0.1", "fe80::1"). */
int net_ip_parse(const char *s, struct net_addr *out);
/* Writes "1.2.3.4:53" or "[::1]:53" (with_port) or the bare address.
 * Returns buf. cap >= NET_ADDRSTRLEN always suffices. */
const char *net_addr_format(const struct net_addr *a, bool with_port,
    char *buf, size_t cap);
/* Returns the port, or 0 for non-IP addresses. */
uint16_t net_addr_port(const struct net_addr *a);
void net_addr_set_port(struct net_addr *a, uint16_t port);
/* Makes a net_addr from a sockaddr (copied; len is clamped). */
void net_addr_from_sa(struct net_addr *out, const struct sockaddr *sa,
    socklen_t len);
/* Same address bytes (IPv4-mapped IPv6 equals its IPv4), ports ignored. */
bool net_addr_same_ip(const struct net_addr *a, const struct net_addr *b);

/* Parses "10.0.0.0/8", "fd00::/8", or a bare address (a /32 or /128).
 * Host bits set below the prefix are an error ("10.0.0.1/8").
 * Returns 0 or -IK_EPARSE. */
int net_cidr_parse(const char *s, struct net_cidr *out);
const char *net_cidr_format(const struct net_cidr *c, char *buf, size_t cap);
/* True if `a` lies in `c`; IPv4-mapped IPv6 addresses match IPv4 prefixes. */
bool net_cidr_match(const struct net_cidr *c, const struct net_addr *a);
bool net_cidrs_match(const struct net_cidrs *l, const struct net_addr *a);

/* Opens a TCP (SOCK_STREAM) or UDP (SOCK_DGRAM) socket bound to `a`, with
 * SO_REUSEADDR, non-blocking, close-on-exec; TCP ones listen with
 * `backlog`. A "*:" (IPv6 any) socket accepts IPv4 too. With
 * NET_REUSEPORT several sockets may share the address (one per worker
 * thread); without it a second bind fails with -EADDRINUSE, so two
 * servers never silently split one port. Returns the fd or -errno. */
#define NET_REUSEPORT	0x1
int net_listen_tcp(const struct net_addr *a, int backlog, unsigned flags);
int net_listen_udp(const struct net_addr *a, unsigned flags);
/* The address a socket is bound to (to learn an ephemeral port). */
int net_sock_name(int fd, struct net_addr *out);

#endif
