/* fuzz/dhcp_frame.c - IPv4/UDP and ARP framing. Every input is tried as
 * both. A UDP frame that parses must rebuild and re-parse to the same
 * addresses, ports, TTL (0 becomes 64) and payload; when it has the
 * builder's shape (no options, TOS 0, no flags, TTL set, UDP length
 * filling the IP payload) the rebuild must match it byte for byte apart
 * from the checksums. An ARP packet that parses must rebuild to its
 * first 28 bytes; a packet from our own MAC never conflicts. Seeds in
 * fuzz/corpus/dhcp_frame/: a broadcast DISCOVER, an OFFER, a relayed
 * REQUEST with DF, UDP checksum 0, IP options, Ethernet padding, a
 * fragment, TTL 0 with an odd payload, an ARP probe, a padded reply and
 * an announcement. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp/frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static void
udp(const uint8_t *data, size_t len)
{
	static uint8_t buf[65536];
	struct dhcp_udp_meta m1, m2;
	const uint8_t *p1, *p2;
	size_t n1, n2;

	if (dhcp_frame_parse_udp(data, len, &m1, &p1, &n1) != 0)
		return;
	if (p1 < data || p1 + n1 > data + len)
		abort();
	uint16_t id = (uint16_t)(data[4] << 8 | data[5]);
	ssize_t n = dhcp_frame_build_udp(buf, sizeof(buf), &m1, id, p1, n1);
	if (n != (ssize_t)(28 + n1))
		abort();
	if (dhcp_frame_parse_udp(buf, (size_t)n, &m2, &p2, &n2) != 0)
		abort();
	if (m2.src != m1.src || m2.dst != m1.dst || m2.sport != m1.sport ||
	    m2.dport != m1.dport || m2.ttl != (m1.ttl != 0 ? m1.ttl : 64) ||
	    n2 != n1 || (n1 > 0 && memcmp(p1, p2, n1) != 0))
		abort();

	size_t total = (size_t)(data[2] << 8 | data[3]);
	size_t udp_len = (size_t)(data[24] << 8 | data[25]);
	if (data[0] == 0x45 && data[1] == 0 && data[6] == 0 && data[7] == 0 &&
	    data[8] != 0 && udp_len == total - 20) {
		if ((size_t)n != total || memcmp(buf, data, 10) != 0 ||
		    memcmp(buf + 12, data + 12, 14) != 0 ||
		    memcmp(buf + 28, data + 28, total - 28) != 0)
			abort();
	}
}

static void
arp(const uint8_t *data, size_t len)
{
	struct dhcp_arp a1, a2;
	uint8_t buf[DHCP_ARP_LEN];

	if (dhcp_arp_parse(data, len, &a1) != 0)
		return;
	if (dhcp_arp_build(buf, sizeof(buf), &a1) != DHCP_ARP_LEN ||
	    memcmp(buf, data, DHCP_ARP_LEN) != 0)
		abort();
	if (dhcp_arp_parse(buf, sizeof(buf), &a2) != 0 || a2.op != a1.op ||
	    a2.spa != a1.spa || a2.tpa != a1.tpa ||
	    memcmp(a2.sha, a1.sha, DHCP_ETH_ALEN) != 0 ||
	    memcmp(a2.tha, a1.tha, DHCP_ETH_ALEN) != 0)
		abort();
	/* Whoever sent it, it never conflicts when it is from us. */
	if (dhcp_arp_conflicts(&a1, a1.spa, a1.sha) ||
	    dhcp_arp_conflicts(&a1, a1.tpa, a1.sha))
		abort();
	(void)dhcp_arp_conflicts(&a1, a1.tpa, a1.tha);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	udp(data, len);
	arp(data, len);
	return 0;
}
