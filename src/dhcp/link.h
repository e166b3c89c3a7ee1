/* dhcp/link.h - the link-layer I/O DHCP needs: what an interface is
 * (index, hardware address, IPv4 address), AF_PACKET sockets that send
 * IPv4/UDP frames to a hardware address and receive them before the host
 * has an address (RFC 2131 4.1), ARP probes (RFC 5227), and ICMP echo
 * probes of addresses off the link. Frames are built by dhcp/frame.h.
 * Opening packet and raw sockets needs CAP_NET_RAW: do it before
 * dropping privileges (svc_def.open_privileged). I/O: no policy here. */
#ifndef IK_DHCP_LINK_H
#define IK_DHCP_LINK_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dhcp/frame.h"

struct dhcp_iface {
	char		 name[IF_NAMESIZE];
	int		 ifindex;
	uint8_t		 mac[DHCP_ETH_ALEN];
	uint32_t	 addr;		/* first IPv4 address, host order;
					 * 0: none */
	uint8_t		 prefix;	/* of addr */
	unsigned	 mtu;
	bool		 up;		/* IFF_UP */
};

/* Looks `name` up. Returns 0, -ENODEV (no such interface), -IK_ETRUNC
 * (name too long) or -errno. An interface without IPv4 address is fine
 * (addr 0): a client's interface starts that way. */
int dhcp_iface_get(const char *name, struct dhcp_iface *out);
/* Refreshes out->addr/prefix/mac/mtu/up for out->ifindex. */
int dhcp_iface_refresh(struct dhcp_iface *out);

/* The UDP socket of a server or relay: 0.0.0.0:port, SO_BROADCAST,
 * IP_PKTINFO (the arrival interface and our address come with each
 * datagram), non-blocking, close-on-exec; SO_REUSEADDR when `reuse`.
 * Returns the fd or -errno. */
int dhcp_udp_open(uint16_t port, bool reuse);

/* An AF_PACKET SOCK_DGRAM socket bound to `ifindex` for IPv4 frames,
 * with a socket filter (BPF) that lets through only unfragmented UDP to
 * `udp_dport`, so a busy link costs nothing. Non-blocking, close-on-exec.
 * Returns the fd or -errno (-EPERM without CAP_NET_RAW). */
int dhcp_link_open_udp(int ifindex, uint16_t udp_dport);
/* Sends `len` bytes of payload in an IPv4/UDP frame described by `meta`
 * to link address `dst_mac` (ff:ff:ff:ff:ff:ff for broadcast) on
 * `ifindex`. Returns 0 or -errno (-EAGAIN when the queue is full). */
int dhcp_link_send_udp(int fd, int ifindex,
    const uint8_t dst_mac[DHCP_ETH_ALEN], const struct dhcp_udp_meta *meta,
    const void *payload, size_t len);
/* Receives one frame into buf and checks it (dhcp_frame_parse_udp).
 * Sets *meta, the payload's place inside buf, and the sender's link
 * address when src_mac is not NULL. Frames we sent ourselves
 * (PACKET_OUTGOING) are skipped. Returns the payload length, -EAGAIN
 * when nothing is queued, -IK_EPARSE / -IK_ETRUNC for a bad frame (read
 * and dropped: call again), or -errno. */
ssize_t dhcp_link_recv_udp(int fd, uint8_t *buf, size_t cap,
    struct dhcp_udp_meta *meta, const uint8_t **payload,
    uint8_t src_mac[DHCP_ETH_ALEN]);

/* An AF_PACKET SOCK_DGRAM socket on `ifindex` for ARP (ETH_P_ARP),
 * non-blocking, close-on-exec. Returns the fd or -errno. */
int dhcp_arp_open(int ifindex);
/* Broadcasts `a` on `ifindex` (a probe: op request, spa 0, tha zero,
 * tpa the address, sha our mac). Returns 0 or -errno. */
int dhcp_arp_send(int fd, int ifindex, const struct dhcp_arp *a);
/* Reads one ARP packet. Returns 0, -EAGAIN, -IK_EPARSE / -IK_ETRUNC
 * (dropped: call again) or -errno. */
int dhcp_arp_recv(int fd, struct dhcp_arp *out);

/* A raw ICMP socket (SOCK_RAW, IPPROTO_ICMP) with a filter passing only
 * echo replies. Non-blocking, close-on-exec. Returns fd or -errno. */
int dhcp_icmp_open(void);
/* Sends an echo request to `dst` with identifier `id` and sequence
 * `seq`. Returns 0 or -errno. */
int dhcp_icmp_send_echo(int fd, uint32_t dst, uint16_t id, uint16_t seq);
/* Reads one echo reply: its source, identifier and sequence. Returns 0,
 * -EAGAIN, -IK_EPARSE (not an echo reply; dropped: call again), -errno. */
int dhcp_icmp_recv_echo(int fd, uint32_t *src, uint16_t *id,
    uint16_t *seq);

/* "52:54:00:12:34:56" into buf (at least 18 bytes); returns buf. */
const char *dhcp_mac_format(const uint8_t mac[DHCP_ETH_ALEN], char *buf);
/* Parses "52:54:00:12:34:56" (also '-' separated). Returns 0 or
 * -IK_EPARSE. */
int dhcp_mac_parse(const char *s, uint8_t mac[DHCP_ETH_ALEN]);

#endif
