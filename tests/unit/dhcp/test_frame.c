/* tests/unit/dhcp/test_frame.c - IPv4/UDP and ARP framing: the builder
 * against frames scapy made (checksums computed independently), the
 * RFC 1071 example, every rejection of the parse contract, checksum 0
 * (absent on receive, 0xffff on send), Ethernet padding, IP options,
 * fragments, every cut, and the RFC 5227 conflict rules. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/err.h"
#include "dhcp/frame.h"

/* scapy: IP(src='192.168.1.1', dst='192.168.1.100', id=0x1234, ttl=64) /
 * UDP(sport=67, dport=68) / bytes(range(1, 38)); an odd payload, so the
 * UDP checksum pads a byte. */
static const uint8_t udp_frame[] = {
	0x45, 0x00, 0x00, 0x41, 0x12, 0x34, 0x00, 0x00, 0x40, 0x11, 0xe4, 0xc2,
	0xc0, 0xa8, 0x01, 0x01, 0xc0, 0xa8, 0x01, 0x64, 0x00, 0x43, 0x00, 0x44,
	0x00, 0x2d, 0x11, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14,
	0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20,
	0x21, 0x22, 0x23, 0x24, 0x25,
};
#define UDP_PAYLOAD_LEN	37

/* scapy: ARP(op=1, hwsrc='52:54:00:12:34:56', psrc='0.0.0.0',
 * pdst='192.168.1.100'), an RFC 5227 probe. */
static const uint8_t arp_probe[] = {
	0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x52, 0x54, 0x00, 0x12,
	0x34, 0x56, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xc0, 0xa8, 0x01, 0x64,
};

static const uint8_t mac_a[DHCP_ETH_ALEN] = { 0x52, 0x54, 0, 0x12, 0x34,
    0x56 };
static const uint8_t mac_b[DHCP_ETH_ALEN] = { 0x52, 0x54, 0, 0xab, 0xcd,
    0xef };

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Rewrites both checksums of a frame edited by a test, so that only the
 * edit is wrong. The UDP checksum stays 0 if it was 0; a UDP length past
 * the frame is summed only up to its end. */
static void
fix_csums(uint8_t *f, size_t len)
{
	size_t hlen = (size_t)(f[0] & 0x0f) * 4;
	uint16_t udp_len = get16(f + hlen + 4);
	size_t n = hlen + udp_len > len ? len - hlen : udp_len;

	put16(f + 10, 0);
	put16(f + 10, dhcp_csum_fold(dhcp_csum_add(0, f, hlen)));
	if (get16(f + hlen + 6) == 0)
		return;
	uint8_t ph[12] = { 0 };
	memcpy(ph, f + 12, 8);
	ph[9] = 17;
	put16(ph + 10, udp_len);
	put16(f + hlen + 6, 0);
	uint16_t c = dhcp_csum_fold(dhcp_csum_add(dhcp_csum_add(0, ph, 12),
	    f + hlen, n));
	put16(f + hlen + 6, c == 0 ? 0xffff : c);
}

static int
parse(const uint8_t *f, size_t len)
{
	struct dhcp_udp_meta m;
	const uint8_t *p;
	size_t plen;

	return dhcp_frame_parse_udp(f, len, &m, &p, &plen);
}

static void
test_csum_rfc1071(void **state)
{
	/* RFC 1071 4.1: the sum of these bytes is ddf2. */
	static const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5,
	    0xf6, 0xf7 };
	(void)state;

	assert_int_equal(dhcp_csum_fold(dhcp_csum_add(0, b, sizeof(b))),
	    (uint16_t)~0xddf2);
	/* Chaining at an even split equals one pass. */
	assert_int_equal(dhcp_csum_fold(dhcp_csum_add(dhcp_csum_add(0, b, 4),
	    b + 4, 4)), (uint16_t)~0xddf2);
	/* An odd byte is padded with a zero on the right. */
	static const uint8_t odd[] = { 0x12 };
	assert_int_equal(dhcp_csum_fold(dhcp_csum_add(0, odd, 1)),
	    (uint16_t)~0x1200);
	assert_int_equal(dhcp_csum_fold(0), 0xffff);
	/* A long run of 0xff bytes does not overflow the sum. */
	static uint8_t ff[65536];
	memset(ff, 0xff, sizeof(ff));
	assert_int_equal(dhcp_csum_fold(dhcp_csum_add(0, ff, sizeof(ff))),
	    0);
}

static void
test_build_matches_scapy(void **state)
{
	struct dhcp_udp_meta m = { 0xc0a80101, 0xc0a80164, 67, 68, 64 };
	uint8_t payload[UDP_PAYLOAD_LEN], buf[128];
	(void)state;

	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i + 1);
	ssize_t n = dhcp_frame_build_udp(buf, sizeof(buf), &m, 0x1234,
	    payload, sizeof(payload));
	assert_int_equal(n, sizeof(udp_frame));
	assert_memory_equal(buf, udp_frame, sizeof(udp_frame));

	/* TTL 0 means 64. */
	m.ttl = 0;
	n = dhcp_frame_build_udp(buf, sizeof(buf), &m, 0x1234, payload,
	    sizeof(payload));
	assert_memory_equal(buf, udp_frame, sizeof(udp_frame));
	m.ttl = 1;
	n = dhcp_frame_build_udp(buf, sizeof(buf), &m, 0x1234, payload,
	    sizeof(payload));
	assert_int_equal(buf[8], 1);
	assert_int_equal(parse(buf, (size_t)n), 0);
}

static void
test_build_limits(void **state)
{
	struct dhcp_udp_meta m = { 0, 0xffffffff, 68, 67, 0 };
	static uint8_t big[65536];
	uint8_t buf[64];
	(void)state;

	/* cap one byte short, then exact */
	assert_int_equal(dhcp_frame_build_udp(buf, 28 + 9, &m, 1, big, 10),
	    -IK_ETRUNC);
	assert_int_equal(dhcp_frame_build_udp(buf, 28 + 10, &m, 1, big, 10),
	    38);
	assert_int_equal(dhcp_frame_build_udp(buf, 28, &m, 1, NULL, 0), 28);
	assert_int_equal(parse(buf, 28), 0);
	/* total length 65535 fits, 65536 does not */
	static uint8_t out[65536 + 64];
	assert_int_equal(dhcp_frame_build_udp(out, sizeof(out), &m, 1, big,
	    65535 - 28), 65535);
	assert_int_equal(parse(out, 65535), 0);
	assert_int_equal(dhcp_frame_build_udp(out, sizeof(out), &m, 1, big,
	    65536 - 28), -IK_ETRUNC);
}

static void
test_parse_good(void **state)
{
	struct dhcp_udp_meta m;
	const uint8_t *p;
	size_t plen;
	(void)state;

	assert_int_equal(dhcp_frame_parse_udp(udp_frame, sizeof(udp_frame),
	    &m, &p, &plen), 0);
	assert_int_equal(m.src, 0xc0a80101);
	assert_int_equal(m.dst, 0xc0a80164);
	assert_int_equal(m.sport, 67);
	assert_int_equal(m.dport, 68);
	assert_int_equal(m.ttl, 64);
	assert_ptr_equal(p, udp_frame + 28);
	assert_int_equal(plen, UDP_PAYLOAD_LEN);
	assert_int_equal(p[0], 1);
	assert_int_equal(p[plen - 1], 0x25);
}

/* Ethernet pads short frames to 60 bytes; the padding follows the IP
 * total length and belongs to nobody. */
static void
test_parse_eth_padding(void **state)
{
	struct dhcp_udp_meta m = { 0x0a000001, 0x0a000002, 67, 68, 64 };
	uint8_t buf[60];
	struct dhcp_udp_meta got;
	const uint8_t *p;
	size_t plen;
	(void)state;

	memset(buf, 0xa5, sizeof(buf));
	ssize_t n = dhcp_frame_build_udp(buf, sizeof(buf), &m, 7, "hi", 2);
	assert_int_equal(n, 30);
	assert_int_equal(dhcp_frame_parse_udp(buf, sizeof(buf), &got, &p,
	    &plen), 0);
	assert_int_equal(plen, 2);
	assert_memory_equal(p, "hi", 2);

	uint8_t pad[sizeof(udp_frame) + 40];
	memcpy(pad, udp_frame, sizeof(udp_frame));
	memset(pad + sizeof(udp_frame), 0xff, 40);
	assert_int_equal(dhcp_frame_parse_udp(pad, sizeof(pad), &got, &p,
	    &plen), 0);
	assert_int_equal(plen, UDP_PAYLOAD_LEN);
}

/* Every prefix of a good frame is cut short. */
static void
test_parse_every_cut(void **state)
{
	(void)state;

	for (size_t cut = 0; cut < sizeof(udp_frame); cut++)
		assert_int_equal(parse(udp_frame, cut), -IK_ETRUNC);
	assert_int_equal(parse(udp_frame, sizeof(udp_frame)), 0);
}

/* Edits one frame and checks the result, with both checksums repaired
 * so that only the edit can be the reason. */
struct edit {
	size_t		 off;
	uint8_t		 val;
	int		 want;
	const char	*what;
};

static void
test_parse_rejects(void **state)
{
	static const struct edit edits[] = {
		{ 0, 0x65, -IK_EPARSE, "IPv6 version" },
		{ 0, 0x05, -IK_EPARSE, "version 0" },
		{ 0, 0x44, -IK_EPARSE, "IHL 4" },
		{ 0, 0x40, -IK_EPARSE, "IHL 0" },
		{ 9, 6, -IK_EPARSE, "TCP" },
		{ 9, 1, -IK_EPARSE, "ICMP" },
		{ 6, 0x20, -IK_EPARSE, "MF set (first fragment)" },
		{ 7, 0x01, -IK_EPARSE, "offset 1 (8 bytes)" },
		{ 6, 0x1f, -IK_EPARSE, "offset high bits" },
		{ 6, 0x40, 0, "DF set is fine" },
		{ 1, 0x10, 0, "TOS is ignored" },
		{ 8, 0, 0, "TTL 0 is accepted" },
		{ 3, 28 + 8 - 1, -IK_EPARSE, "total below IP+UDP headers" },
		{ 3, 19, -IK_EPARSE, "total below IP header" },
		{ 3, 0x42, -IK_ETRUNC, "total one past the frame" },
		{ 20 + 5, 7, -IK_EPARSE, "UDP length 7" },
		{ 20 + 5, 0, -IK_EPARSE, "UDP length 0" },
		{ 20 + 5, 0x2e, -IK_EPARSE, "UDP length past IP total" },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		uint8_t f[sizeof(udp_frame)];
		memcpy(f, udp_frame, sizeof(f));
		f[edits[i].off] = edits[i].val;
		fix_csums(f, sizeof(f));
		int got = parse(f, sizeof(f));
		if (got != edits[i].want)
			fail_msg("%s: got %d want %d", edits[i].what, got,
			    edits[i].want);
	}
}

static void
test_parse_bad_csums(void **state)
{
	uint8_t f[sizeof(udp_frame)];
	(void)state;

	/* IP header checksum off by one; then a flipped address bit, which
	 * the UDP checksum also covers, with the IP checksum repaired. */
	memcpy(f, udp_frame, sizeof(f));
	f[11] ^= 1;
	assert_int_equal(parse(f, sizeof(f)), -IK_EPARSE);

	memcpy(f, udp_frame, sizeof(f));
	f[19] ^= 0x01;
	put16(f + 10, 0);
	put16(f + 10, dhcp_csum_fold(dhcp_csum_add(0, f, 20)));
	assert_int_equal(parse(f, sizeof(f)), -IK_EPARSE);

	/* a payload byte changed, the UDP checksum left */
	memcpy(f, udp_frame, sizeof(f));
	f[40] ^= 0x80;
	assert_int_equal(parse(f, sizeof(f)), -IK_EPARSE);
	/* ...with the checksum repaired it passes */
	fix_csums(f, sizeof(f));
	assert_int_equal(parse(f, sizeof(f)), 0);
	/* the odd last byte is covered too */
	memcpy(f, udp_frame, sizeof(f));
	f[sizeof(f) - 1] ^= 0x01;
	assert_int_equal(parse(f, sizeof(f)), -IK_EPARSE);
}

/* RFC 768: a UDP checksum of 0 means none was computed; such frames are
 * not checked. A computed 0 is sent as 0xffff. */
static void
test_csum_zero(void **state)
{
	uint8_t f[sizeof(udp_frame)];
	(void)state;

	memcpy(f, udp_frame, sizeof(f));
	put16(f + 26, 0);
	f[40] ^= 0x80;		/* not covered: there is no checksum */
	assert_int_equal(parse(f, sizeof(f)), 0);

	/* Choose the first payload word so the sum is 0xffff. */
	struct dhcp_udp_meta m = { 0xc0a80101, 0xc0a80164, 67, 68, 64 };
	uint8_t pl[8] = { 0 }, buf[64];
	ssize_t n = dhcp_frame_build_udp(buf, sizeof(buf), &m, 9, pl,
	    sizeof(pl));
	assert_int_equal(n, 36);
	uint16_t c = get16(buf + 26);
	assert_int_not_equal(c, 0);
	put16(pl, c);
	n = dhcp_frame_build_udp(buf, sizeof(buf), &m, 9, pl, sizeof(pl));
	assert_int_equal(n, 36);
	assert_int_equal(get16(buf + 26), 0xffff);
	assert_int_equal(parse(buf, (size_t)n), 0);
	/* 0xffff really is that checksum: a changed byte fails */
	buf[30] ^= 1;
	assert_int_equal(parse(buf, (size_t)n), -IK_EPARSE);
}

/* An IP header with options (IHL 6 and 15): skipped, payload found. */
static void
test_parse_ip_options(void **state)
{
	(void)state;

	for (size_t extra = 4; extra <= 40; extra += 36) {
		uint8_t f[sizeof(udp_frame) + 40];
		size_t total = sizeof(udp_frame) + extra;

		memcpy(f, udp_frame, 20);
		memset(f + 20, 1, extra);		/* NOP options */
		memcpy(f + 20 + extra, udp_frame + 20, sizeof(udp_frame) - 20);
		f[0] = (uint8_t)(0x40 | (20 + extra) / 4);
		put16(f + 2, (uint16_t)total);
		fix_csums(f, sizeof(f));

		struct dhcp_udp_meta m;
		const uint8_t *p;
		size_t plen;
		assert_int_equal(dhcp_frame_parse_udp(f, total, &m, &p, &plen),
		    0);
		assert_ptr_equal(p, f + 20 + extra + 8);
		assert_int_equal(plen, UDP_PAYLOAD_LEN);
		assert_int_equal(m.sport, 67);
		/* a header longer than the frame is cut short */
		assert_int_equal(parse(f, 20 + extra - 1), -IK_ETRUNC);
	}
}

/* The kernel accepts a UDP length below the IP payload and trims the
 * rest; so do we (the trimmed bytes are not checksummed). */
static void
test_parse_udp_shorter(void **state)
{
	uint8_t f[sizeof(udp_frame)];
	struct dhcp_udp_meta m;
	const uint8_t *p;
	size_t plen;
	(void)state;

	memcpy(f, udp_frame, sizeof(f));
	put16(f + 24, 8 + 10);
	fix_csums(f, sizeof(f));
	assert_int_equal(dhcp_frame_parse_udp(f, sizeof(f), &m, &p, &plen), 0);
	assert_int_equal(plen, 10);
	f[sizeof(f) - 1] ^= 0xff;	/* past the UDP length */
	assert_int_equal(dhcp_frame_parse_udp(f, sizeof(f), &m, &p, &plen), 0);
}

static void
test_round_trip(void **state)
{
	struct dhcp_udp_meta m = { 0, 0xffffffff, 68, 67, 0 }, got;
	uint8_t payload[300], buf[400];
	const uint8_t *p;
	size_t plen;
	(void)state;

	for (size_t len = 0; len <= sizeof(payload); len += 13) {
		for (size_t i = 0; i < len; i++)
			payload[i] = (uint8_t)(i * 7 + len);
		ssize_t n = dhcp_frame_build_udp(buf, sizeof(buf), &m,
		    (uint16_t)len, payload, len);
		assert_int_equal(n, 28 + len);
		assert_int_equal(dhcp_frame_parse_udp(buf, (size_t)n, &got,
		    &p, &plen), 0);
		assert_int_equal(got.src, 0);
		assert_int_equal(got.dst, 0xffffffff);
		assert_int_equal(got.sport, 68);
		assert_int_equal(got.dport, 67);
		assert_int_equal(got.ttl, 64);
		assert_int_equal(plen, len);
		assert_memory_equal(p, payload, len);
	}
}

static void
test_arp_build_parse(void **state)
{
	struct dhcp_arp a = { DHCP_ARP_REQUEST, { 0 }, 0, { 0 }, 0xc0a80164 };
	struct dhcp_arp got;
	uint8_t buf[64];
	(void)state;

	memcpy(a.sha, mac_a, sizeof(mac_a));
	assert_int_equal(dhcp_arp_build(buf, sizeof(buf), &a), DHCP_ARP_LEN);
	assert_memory_equal(buf, arp_probe, sizeof(arp_probe));
	assert_int_equal(dhcp_arp_build(buf, DHCP_ARP_LEN - 1, &a),
	    -IK_ETRUNC);

	/* Ethernet pads ARP to 46 bytes: trailing bytes are ignored. */
	memset(buf + DHCP_ARP_LEN, 0xee, sizeof(buf) - DHCP_ARP_LEN);
	assert_int_equal(dhcp_arp_parse(buf, 46, &got), 0);
	assert_int_equal(got.op, DHCP_ARP_REQUEST);
	assert_memory_equal(got.sha, mac_a, sizeof(mac_a));
	assert_int_equal(got.spa, 0);
	assert_int_equal(got.tpa, 0xc0a80164);

	struct dhcp_arp r = { DHCP_ARP_REPLY, { 0 }, 0x0a000001, { 0 },
	    0x0a000002 };
	memcpy(r.sha, mac_b, sizeof(mac_b));
	memcpy(r.tha, mac_a, sizeof(mac_a));
	assert_int_equal(dhcp_arp_build(buf, sizeof(buf), &r), DHCP_ARP_LEN);
	assert_int_equal(dhcp_arp_parse(buf, DHCP_ARP_LEN, &got), 0);
	assert_memory_equal(&got.sha, r.sha, 6);
	assert_memory_equal(&got.tha, r.tha, 6);
	assert_int_equal(got.op, DHCP_ARP_REPLY);
	assert_int_equal(got.spa, 0x0a000001);
	assert_int_equal(got.tpa, 0x0a000002);

	for (size_t cut = 0; cut < DHCP_ARP_LEN; cut++)
		assert_int_equal(dhcp_arp_parse(arp_probe, cut, &got),
		    -IK_ETRUNC);
}

static void
test_arp_rejects(void **state)
{
	static const struct edit edits[] = {
		{ 1, 6, -IK_EPARSE, "htype IEEE 802" },
		{ 0, 1, -IK_EPARSE, "htype 257" },
		{ 2, 0x86, -IK_EPARSE, "ptype IPv6" },
		{ 4, 8, -IK_EPARSE, "hlen 8" },
		{ 5, 16, -IK_EPARSE, "plen 16" },
		{ 7, 0, -IK_EPARSE, "op 0" },
		{ 7, 3, -IK_EPARSE, "op 3 (RARP)" },
		{ 6, 1, -IK_EPARSE, "op 257" },
		{ 7, 2, 0, "op reply" },
	};
	struct dhcp_arp got;
	(void)state;

	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		uint8_t b[DHCP_ARP_LEN];
		memcpy(b, arp_probe, sizeof(b));
		b[edits[i].off] = edits[i].val;
		int r = dhcp_arp_parse(b, sizeof(b), &got);
		if (r != edits[i].want)
			fail_msg("%s: got %d want %d", edits[i].what, r,
			    edits[i].want);
	}
	/* a bad header is a parse error even when the rest is missing */
	uint8_t b[8];
	memcpy(b, arp_probe, 8);
	b[5] = 16;
	assert_int_equal(dhcp_arp_parse(b, sizeof(b), &got), -IK_EPARSE);
}

static void
test_arp_conflicts(void **state)
{
	const uint32_t ip = 0xc0a80164, other = 0xc0a80165;
	static const struct {
		uint16_t	 op;
		bool		 from_us;
		uint32_t	 spa, tpa;
		bool		 want;
		const char	*what;
	} cases[] = {
		{ DHCP_ARP_REPLY, false, 0xc0a80164, 0xc0a80101, true,
		    "reply from the holder" },
		{ DHCP_ARP_REQUEST, false, 0xc0a80164, 0xc0a80101, true,
		    "request from the holder" },
		{ DHCP_ARP_REQUEST, false, 0xc0a80164, 0xc0a80164, true,
		    "gratuitous ARP announcing it" },
		{ DHCP_ARP_REQUEST, false, 0, 0xc0a80164, true,
		    "another host probing it" },
		{ DHCP_ARP_REQUEST, false, 0, 0xc0a80165, false,
		    "another host probing another address" },
		{ DHCP_ARP_REQUEST, false, 0xc0a80165, 0xc0a80164, false,
		    "a host asking who has it" },
		{ DHCP_ARP_REPLY, false, 0xc0a80165, 0xc0a80164, false,
		    "reply about another address" },
		{ DHCP_ARP_REQUEST, true, 0, 0xc0a80164, false,
		    "our own probe echoed" },
		{ DHCP_ARP_REPLY, true, 0xc0a80164, 0xc0a80101, false,
		    "our own announcement" },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dhcp_arp a = { cases[i].op, { 0 }, cases[i].spa,
		    { 0 }, cases[i].tpa };
		memcpy(a.sha, cases[i].from_us ? mac_a : mac_b, 6);
		if (dhcp_arp_conflicts(&a, ip, mac_a) != cases[i].want)
			fail_msg("%s", cases[i].what);
	}
	/* the probe rule follows the address asked about */
	struct dhcp_arp a = { DHCP_ARP_REQUEST, { 0 }, 0, { 0 }, other };
	memcpy(a.sha, mac_b, 6);
	assert_true(dhcp_arp_conflicts(&a, other, mac_a));
	assert_false(dhcp_arp_conflicts(&a, ip, mac_a));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csum_rfc1071),
		cmocka_unit_test(test_build_matches_scapy),
		cmocka_unit_test(test_build_limits),
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_eth_padding),
		cmocka_unit_test(test_parse_every_cut),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_parse_bad_csums),
		cmocka_unit_test(test_csum_zero),
		cmocka_unit_test(test_parse_ip_options),
		cmocka_unit_test(test_parse_udp_shorter),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_arp_build_parse),
		cmocka_unit_test(test_arp_rejects),
		cmocka_unit_test(test_arp_conflicts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
