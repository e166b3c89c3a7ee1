/* dhcp/netlink.h - the rtnetlink requests the DHCP client applies a
 * lease with: an IPv4 address (prefix, broadcast, lifetime) on an
 * interface, a default route through the lease's router, the interface
 * up, and a flush of the interface's IPv4 addresses. Each call waits for
 * the kernel's answer. Needs CAP_NET_ADMIN. Not thread-safe (one
 * sequence counter). I/O: no policy here. */
#ifndef IK_DHCP_NETLINK_H
#define IK_DHCP_NETLINK_H

#include <stdint.h>

#define DHCP_NL_FOREVER	0xffffffffu	/* lifetime without end */

struct dhcp_nl_addr {
	int		 ifindex;
	uint32_t	 addr;		/* host order, as all addresses here */
	uint8_t		 prefix;	/* 0..32 */
	uint32_t	 bcast;		/* 0: none */
	uint32_t	 valid_s;	/* the kernel drops the address after
					 * this (a lease that ran out while
					 * we were not there); FOREVER */
};

/* A NETLINK_ROUTE socket, close-on-exec. Returns the fd or -errno. */
int dhcp_nl_open(void);
/* Sets IFF_UP on `ifindex`. Returns 0 or -errno. */
int dhcp_nl_link_up(int fd, int ifindex);
/* Adds the address, or updates it (lifetime, broadcast) when present, as
 * `ip addr replace`. The kernel adds the prefix route. Returns 0 or
 * -errno. */
int dhcp_nl_addr_add(int fd, const struct dhcp_nl_addr *a);
/* Removes addr/prefix from `ifindex`; one already gone is 0. */
int dhcp_nl_addr_del(int fd, int ifindex, uint32_t addr, uint8_t prefix);
/* Removes every IPv4 address of `ifindex`. Returns how many, or -errno. */
int dhcp_nl_addr_flush(int fd, int ifindex);
/* Adds or replaces the default route via `gw` out of `ifindex` (main
 * table, protocol dhcp). A gateway outside the interface's subnets is
 * marked on-link, as RFC 3442 clients do; `addr`/`prefix` name that
 * subnet. Returns 0 or -errno. */
int dhcp_nl_route_add(int fd, int ifindex, uint32_t gw, uint32_t addr,
    uint8_t prefix);
/* Removes that default route; one already gone is 0. */
int dhcp_nl_route_del(int fd, int ifindex, uint32_t gw);

#endif
