/* dhcp/frame.h - the frames DHCP handles below UDP when a host has no
 * address yet: IPv4 + UDP headers with their checksums (RFC 791, 768)
 * around a DHCP payload, and ARP packets (RFC 826) for address probes
 * (RFC 5227). Headers start at the IP header: AF_PACKET SOCK_DGRAM
 * sockets add and strip the Ethernet header.
 * Codec: no sockets, no clock, no globals, no logging. */
#ifndef IK_DHCP_FRAME_H
#define IK_DHCP_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define DHCP_ETH_ALEN		6
#define DHCP_IPV4_HDR		20	/* without options */
#define DHCP_UDP_HDR		8
#define DHCP_ARP_LEN		28	/* Ethernet/IPv4 ARP */
#define DHCP_SERVER_PORT	67
#define DHCP_CLIENT_PORT	68

/* Addresses are host order (10.0.0.1 is 0x0a000001), ports too. */
struct dhcp_udp_meta {
	uint32_t	 src, dst;
	uint16_t	 sport, dport;
	uint8_t		 ttl;
};

/* Writes an IPv4 header (no options, DF clear, TTL meta->ttl or 64 if
 * 0, a fresh `ip_id`), a UDP header and `len` bytes of payload into
 * buf[0..cap), with the IP header checksum and the UDP checksum (never
 * 0: 0xffff stands for a computed 0, RFC 768). Returns the frame length
 * or -IK_ETRUNC (cap too small, or over 65535). */
ssize_t dhcp_frame_build_udp(uint8_t *buf, size_t cap,
    const struct dhcp_udp_meta *meta, uint16_t ip_id, const void *payload,
    size_t len);

/* Checks one received frame: IPv4, header length 20..60 within len,
 * total length within len (bytes after it, Ethernet padding, are
 * ignored), not a fragment (MF set or offset nonzero), protocol UDP,
 * header checksum right, UDP length consistent, UDP checksum right
 * unless 0. Sets *meta and the payload's place. Returns 0, -IK_ETRUNC
 * (shorter than its headers say) or -IK_EPARSE (anything else). */
int dhcp_frame_parse_udp(const uint8_t *buf, size_t len,
    struct dhcp_udp_meta *meta, const uint8_t **payload,
    size_t *payload_len);

enum { DHCP_ARP_REQUEST = 1, DHCP_ARP_REPLY = 2 };

/* An Ethernet/IPv4 ARP packet (htype 1, ptype 0x0800, hlen 6, plen 4). */
struct dhcp_arp {
	uint16_t	 op;
	uint8_t		 sha[DHCP_ETH_ALEN];	/* sender hardware address */
	uint32_t	 spa;			/* sender IP, 0 in a probe */
	uint8_t		 tha[DHCP_ETH_ALEN];	/* target hardware address */
	uint32_t	 tpa;			/* target IP */
};

/* Writes 28 bytes. Returns 28 or -IK_ETRUNC. */
ssize_t dhcp_arp_build(uint8_t *buf, size_t cap, const struct dhcp_arp *a);
/* Reads an ARP packet (trailing bytes ignored). Returns 0, -IK_ETRUNC,
 * or -IK_EPARSE (not Ethernet/IPv4, op not 1 or 2). */
int dhcp_arp_parse(const uint8_t *buf, size_t len, struct dhcp_arp *out);
/* Whether `a`, seen while probing `ip` from our own `mac`, says another
 * host uses it: any reply or request whose sender IP is `ip`, or a probe
 * (sender IP 0) for `ip` from another hardware address (RFC 5227 2.1.1).
 * Packets from `mac` itself never conflict. */
bool dhcp_arp_conflicts(const struct dhcp_arp *a, uint32_t ip,
    const uint8_t mac[DHCP_ETH_ALEN]);

/* The Internet checksum (RFC 1071) of buf, folded, not inverted, added
 * to `sum` (pass 0 to start). */
uint32_t dhcp_csum_add(uint32_t sum, const void *buf, size_t len);
uint16_t dhcp_csum_fold(uint32_t sum);

#endif
