/* dhcp/frame.c - IPv4/UDP framing (RFC 791, 768) and Ethernet/IPv4 ARP
 * (RFC 826) for DHCP's link-layer path: dhcp_frame_build_udp() and its
 * strict parser, dhcp_arp_build/parse, the RFC 5227 conflict rule and the
 * RFC 1071 checksum. No IP options are written; received ones are
 * skipped. No sockets here: see dhcp/link.c. */
#include "dhcp/frame.h"

#include <string.h>

#include "core/err.h"
#include "core/rdwr.h"

#define IP_VERSION	4
#define IP_PROTO_UDP	17
#define IP_MF		0x2000
#define IP_OFFMASK	0x1fff
#define IP_TOTAL_MAX	65535
#define ARP_HTYPE_ETH	1
#define ARP_PTYPE_IPV4	0x0800

uint32_t
dhcp_csum_add(uint32_t sum, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	/* Fold as we go so any length and any starting sum stay in range. */
	while (len >= 2) {
		sum += (uint32_t)(p[0] << 8 | p[1]);
		sum = (sum & 0xffff) + (sum >> 16);
		p += 2;
		len -= 2;
	}
	if (len == 1) {
		sum += (uint32_t)p[0] << 8;	/* padded with a zero byte */
		sum = (sum & 0xffff) + (sum >> 16);
	}
	return sum;
}

/* Folds the carries in and inverts: the value to store in a header
 * (as Linux's csum_fold). Over a header that holds a right checksum the
 * result is 0. */
uint16_t
dhcp_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The UDP pseudo-header (RFC 768): addresses, protocol, UDP length. */
static uint32_t
csum_pseudo(uint32_t src, uint32_t dst, uint16_t udp_len)
{
	uint8_t ph[12];
	struct wr w = { ph, ph + sizeof(ph), 0 };

	wr_u32(&w, src);
	wr_u32(&w, dst);
	wr_u8(&w, 0);
	wr_u8(&w, IP_PROTO_UDP);
	wr_u16(&w, udp_len);
	return dhcp_csum_add(0, ph, sizeof(ph));
}

ssize_t
dhcp_frame_build_udp(uint8_t *buf, size_t cap,
    const struct dhcp_udp_meta *meta, uint16_t ip_id, const void *payload,
    size_t len)
{
	if (len > IP_TOTAL_MAX - DHCP_IPV4_HDR - DHCP_UDP_HDR)
		return -IK_ETRUNC;
	size_t total = DHCP_IPV4_HDR + DHCP_UDP_HDR + len;
	uint16_t udp_len = (uint16_t)(DHCP_UDP_HDR + len);
	struct wr w = { buf, buf + cap, 0 };

	if (cap < total)
		return -IK_ETRUNC;
	wr_u8(&w, IP_VERSION << 4 | DHCP_IPV4_HDR / 4);
	wr_u8(&w, 0);				/* TOS */
	wr_u16(&w, (uint16_t)total);
	wr_u16(&w, ip_id);
	wr_u16(&w, 0);				/* flags, offset: DF clear */
	wr_u8(&w, meta->ttl != 0 ? meta->ttl : 64);
	wr_u8(&w, IP_PROTO_UDP);
	wr_u16(&w, 0);				/* checksum, below */
	wr_u32(&w, meta->src);
	wr_u32(&w, meta->dst);
	wr_u16(&w, meta->sport);
	wr_u16(&w, meta->dport);
	wr_u16(&w, udp_len);
	wr_u16(&w, 0);				/* checksum, below */
	wr_bytes(&w, payload, len);
	if (w.err != 0)
		return w.err;

	uint16_t c = dhcp_csum_fold(dhcp_csum_add(0, buf, DHCP_IPV4_HDR));
	buf[10] = (uint8_t)(c >> 8);
	buf[11] = (uint8_t)c;

	uint32_t s = csum_pseudo(meta->src, meta->dst, udp_len);
	c = dhcp_csum_fold(dhcp_csum_add(s, buf + DHCP_IPV4_HDR, udp_len));
	if (c == 0)
		c = 0xffff;	/* RFC 768: 0 means "no checksum" */
	buf[DHCP_IPV4_HDR + 6] = (uint8_t)(c >> 8);
	buf[DHCP_IPV4_HDR + 7] = (uint8_t)c;
	return (ssize_t)total;
}

int
dhcp_frame_parse_udp(const uint8_t *buf, size_t len,
    struct dhcp_udp_meta *meta, const uint8_t **payload,
    size_t *payload_len)
{
	struct rd r = { buf, buf + len, 0 };
	uint8_t vhl = rd_u8(&r);

	if (r.err != 0)
		return r.err;
	size_t hlen = (size_t)(vhl & 0x0f) * 4;
	if (vhl >> 4 != IP_VERSION || hlen < DHCP_IPV4_HDR)
		return -IK_EPARSE;
	if (len < hlen)
		return -IK_ETRUNC;
	(void)rd_u8(&r);			/* TOS */
	uint16_t total = rd_u16(&r);
	(void)rd_u16(&r);			/* id */
	uint16_t frag = rd_u16(&r);
	uint8_t ttl = rd_u8(&r);
	uint8_t proto = rd_u8(&r);
	(void)rd_u16(&r);			/* checksum */
	uint32_t src = rd_u32(&r);
	uint32_t dst = rd_u32(&r);
	if (r.err != 0)
		return r.err;
	/* The total length must hold the IP and UDP headers; a frame
	 * shorter than it says was cut. Bytes past it are link padding
	 * (Ethernet pads to 60 bytes). */
	if (total < hlen + DHCP_UDP_HDR)
		return -IK_EPARSE;
	if (total > len)
		return -IK_ETRUNC;
	if ((frag & IP_MF) != 0 || (frag & IP_OFFMASK) != 0)
		return -IK_EPARSE;
	if (proto != IP_PROTO_UDP)
		return -IK_EPARSE;
	if (dhcp_csum_fold(dhcp_csum_add(0, buf, hlen)) != 0)
		return -IK_EPARSE;

	struct rd u = { buf + hlen, buf + total, 0 };
	uint16_t sport = rd_u16(&u);
	uint16_t dport = rd_u16(&u);
	uint16_t udp_len = rd_u16(&u);
	uint16_t csum = rd_u16(&u);
	if (u.err != 0)
		return u.err;
	/* UDP may claim less than the IP payload (the kernel trims the
	 * rest, and so do we) but never more, nor less than its header. */
	if (udp_len < DHCP_UDP_HDR || udp_len > total - hlen)
		return -IK_EPARSE;
	if (csum != 0) {
		uint32_t s = csum_pseudo(src, dst, udp_len);
		if (dhcp_csum_fold(dhcp_csum_add(s, buf + hlen, udp_len)) != 0)
			return -IK_EPARSE;
	}

	meta->src = src;
	meta->dst = dst;
	meta->sport = sport;
	meta->dport = dport;
	meta->ttl = ttl;
	*payload = buf + hlen + DHCP_UDP_HDR;
	*payload_len = udp_len - DHCP_UDP_HDR;
	return 0;
}

ssize_t
dhcp_arp_build(uint8_t *buf, size_t cap, const struct dhcp_arp *a)
{
	struct wr w = { buf, buf + cap, 0 };

	if (cap < DHCP_ARP_LEN)
		return -IK_ETRUNC;
	wr_u16(&w, ARP_HTYPE_ETH);
	wr_u16(&w, ARP_PTYPE_IPV4);
	wr_u8(&w, DHCP_ETH_ALEN);
	wr_u8(&w, 4);
	wr_u16(&w, a->op);
	wr_bytes(&w, a->sha, DHCP_ETH_ALEN);
	wr_u32(&w, a->spa);
	wr_bytes(&w, a->tha, DHCP_ETH_ALEN);
	wr_u32(&w, a->tpa);
	if (w.err != 0)
		return w.err;
	return DHCP_ARP_LEN;
}

int
dhcp_arp_parse(const uint8_t *buf, size_t len, struct dhcp_arp *out)
{
	struct rd r = { buf, buf + len, 0 };
	uint16_t htype = rd_u16(&r);
	uint16_t ptype = rd_u16(&r);
	uint8_t hlen = rd_u8(&r);
	uint8_t plen = rd_u8(&r);
	uint16_t op = rd_u16(&r);

	if (r.err != 0)
		return r.err;
	if (htype != ARP_HTYPE_ETH || ptype != ARP_PTYPE_IPV4 ||
	    hlen != DHCP_ETH_ALEN || plen != 4 ||
	    (op != DHCP_ARP_REQUEST && op != DHCP_ARP_REPLY))
		return -IK_EPARSE;
	const uint8_t *sha = rd_bytes(&r, DHCP_ETH_ALEN);
	uint32_t spa = rd_u32(&r);
	const uint8_t *tha = rd_bytes(&r, DHCP_ETH_ALEN);
	uint32_t tpa = rd_u32(&r);
	if (r.err != 0)
		return r.err;
	out->op = op;
	memcpy(out->sha, sha, DHCP_ETH_ALEN);
	out->spa = spa;
	memcpy(out->tha, tha, DHCP_ETH_ALEN);
	out->tpa = tpa;
	return 0;
}

bool
dhcp_arp_conflicts(const struct dhcp_arp *a, uint32_t ip,
    const uint8_t mac[DHCP_ETH_ALEN])
{
	/* Our own probes come back on some links (and on a packet socket
	 * that sees outgoing frames); 0.0.0.0 is never probed. */
	if (ip == 0 || memcmp(a->sha, mac, DHCP_ETH_ALEN) == 0)
		return false;
	/* RFC 5227 2.1.1: someone claims the address... */
	if (a->spa == ip)
		return true;
	/* ...or another host is probing for it at the same time. */
	return a->spa == 0 && a->op == DHCP_ARP_REQUEST && a->tpa == ip;
}
