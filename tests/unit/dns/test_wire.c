/* tests/unit/dns/test_wire.c - DNS messages: parse of real packets
 * (made by dnspython, also in fuzz/corpus/dns_wire/), every cut, count
 * and section rules, EDNS, build(parse(x)) == x, compression and its
 * limits, the builder's rollback at every buffer size, and equality. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/err.h"
#include "dns/wire.h"

/* Packets from dnspython 2.3 (make_query / make_response, to_wire). */
/* query_aaaa_edns_do */
static const uint8_t q_edns[] = {
	0x00, 0x07, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d,
	0x00, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00,
	0x80, 0x00, 0x00, 0x00,
};

/* resp_cname_a_ns_glue */
static const uint8_t r_glue[] = {
	0x12, 0x34, 0x85, 0x00, 0x00, 0x01, 0x00, 0x03, 0x00, 0x02, 0x00, 0x02,
	0x03, 0x77, 0x77, 0x77, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65,
	0x03, 0x63, 0x6f, 0x6d, 0x00, 0x00, 0x01, 0x00, 0x01, 0xc0, 0x0c, 0x00,
	0x05, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x06, 0x03, 0x77, 0x65,
	0x62, 0xc0, 0x10, 0xc0, 0x2d, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01,
	0x2c, 0x00, 0x04, 0xc0, 0x00, 0x02, 0x02, 0xc0, 0x2d, 0x00, 0x01, 0x00,
	0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x04, 0xc0, 0x00, 0x02, 0x01, 0xc0,
	0x10, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x06, 0x03,
	0x6e, 0x73, 0x32, 0xc0, 0x10, 0xc0, 0x10, 0x00, 0x02, 0x00, 0x01, 0x00,
	0x00, 0x0e, 0x10, 0x00, 0x06, 0x03, 0x6e, 0x73, 0x31, 0xc0, 0x10, 0xc0,
	0x71, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x04, 0xc0,
	0x00, 0x02, 0x35, 0xc0, 0x71, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x0e,
	0x10, 0x00, 0x10, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x53,
};

/* resp_nxdomain_soa_edns */
static const uint8_t r_soa[] = {
	0x00, 0x4d, 0x85, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01,
	0x04, 0x6e, 0x6f, 0x70, 0x65, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c,
	0x65, 0x03, 0x63, 0x6f, 0x6d, 0x00, 0x00, 0x01, 0x00, 0x01, 0xc0, 0x11,
	0x00, 0x06, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x27, 0x03, 0x6e,
	0x73, 0x31, 0xc0, 0x11, 0x0a, 0x68, 0x6f, 0x73, 0x74, 0x6d, 0x61, 0x73,
	0x74, 0x65, 0x72, 0xc0, 0x11, 0x78, 0xa3, 0xf1, 0x75, 0x00, 0x00, 0x1c,
	0x20, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x12, 0x75, 0x00, 0x00, 0x00, 0x01,
	0x2c, 0x00, 0x00, 0x29, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* resp_mx */
static const uint8_t r_mx[] = {
	0x00, 0x05, 0x81, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01,
	0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d,
	0x00, 0x00, 0x0f, 0x00, 0x01, 0xc0, 0x0c, 0x00, 0x0f, 0x00, 0x01, 0x00,
	0x00, 0x0e, 0x10, 0x00, 0x13, 0x00, 0x14, 0x03, 0x6d, 0x78, 0x32, 0x07,
	0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x6e, 0x65, 0x74, 0x00,
	0xc0, 0x0c, 0x00, 0x0f, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x09,
	0x00, 0x0a, 0x04, 0x6d, 0x61, 0x69, 0x6c, 0xc0, 0x0c, 0xc0, 0x4a, 0x00,
	0x01, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x04, 0xc0, 0x00, 0x02,
	0x19,
};

/* resp_txt_edns */
static const uint8_t r_txt[] = {
	0x00, 0x06, 0x81, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01,
	0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d,
	0x00, 0x00, 0x10, 0x00, 0x01, 0xc0, 0x0c, 0x00, 0x10, 0x00, 0x01, 0x00,
	0x00, 0x0e, 0x10, 0x00, 0x0c, 0x0b, 0x76, 0x3d, 0x73, 0x70, 0x66, 0x31,
	0x20, 0x2d, 0x61, 0x6c, 0x6c, 0xc0, 0x0c, 0x00, 0x10, 0x00, 0x01, 0x00,
	0x00, 0x0e, 0x10, 0x00, 0x11, 0x01, 0x61, 0x03, 0x62, 0x20, 0x63, 0x07,
	0x71, 0x75, 0x6f, 0x74, 0x65, 0x22, 0x64, 0x02, 0x00, 0xff, 0x00, 0x00,
	0x29, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* resp_misc_types */
static const uint8_t r_misc[] = {
	0x00, 0x0a, 0x81, 0x00, 0x00, 0x01, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00,
	0x04, 0x5f, 0x73, 0x69, 0x70, 0x04, 0x5f, 0x75, 0x64, 0x70, 0x07, 0x65,
	0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d, 0x00, 0x00,
	0x21, 0x00, 0x01, 0xc0, 0x0c, 0x00, 0x21, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x3c, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x05, 0x13, 0xc4, 0x03, 0x73, 0x69,
	0x70, 0xc0, 0x16, 0xc0, 0x16, 0x01, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x3c, 0x00, 0x16, 0x00, 0x05, 0x69, 0x73, 0x73, 0x75, 0x65, 0x6c, 0x65,
	0x74, 0x73, 0x65, 0x6e, 0x63, 0x72, 0x79, 0x70, 0x74, 0x2e, 0x6f, 0x72,
	0x67, 0xc0, 0x16, 0x00, 0x0d, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00,
	0x09, 0x02, 0x50, 0x43, 0x05, 0x4c, 0x69, 0x6e, 0x75, 0x78, 0x01, 0x64,
	0xc0, 0x16, 0x00, 0x27, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x0d,
	0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x6e, 0x65, 0x74,
	0x00, 0xc0, 0x16, 0xff, 0xfe, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00,
	0x04, 0x0a, 0x00, 0x00, 0x01, 0x01, 0x32, 0x01, 0x30, 0x03, 0x31, 0x39,
	0x32, 0x07, 0x69, 0x6e, 0x2d, 0x61, 0x64, 0x64, 0x72, 0x04, 0x61, 0x72,
	0x70, 0x61, 0x00, 0x00, 0x0c, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00,
	0x06, 0x03, 0x77, 0x77, 0x77, 0xc0, 0x16, 0xc0, 0x16, 0x00, 0x2b, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x18, 0xec, 0x45, 0x05, 0x01, 0x2b,
	0xb1, 0x83, 0xaf, 0x5f, 0x22, 0x58, 0x81, 0x79, 0xa5, 0x3b, 0x0a, 0x98,
	0x63, 0x1f, 0xad, 0x1a, 0x29, 0x21, 0x18,
};

static const struct pkt {
	const char	*name;
	const uint8_t	*p;
	size_t		 len;
	bool		 same_bytes;	/* we compress as dnspython did */
} pkts[] = {
	{ "q_edns", q_edns, sizeof(q_edns), true },
	{ "r_glue", r_glue, sizeof(r_glue), true },
	{ "r_soa", r_soa, sizeof(r_soa), true },
	{ "r_mx", r_mx, sizeof(r_mx), true },
	{ "r_txt", r_txt, sizeof(r_txt), true },
	/* dnspython compresses the SRV target; we do not (RFC 2782). */
	{ "r_misc", r_misc, sizeof(r_misc), false },
};
#define N_PKTS	(sizeof(pkts) / sizeof(pkts[0]))

static struct arena *A;

static int
setup(void **state)
{
	(void)state;
	A = arena_new(1 << 16);
	return A == NULL;
}

static int
teardown(void **state)
{
	(void)state;
	arena_free(&A);
	return 0;
}

/* Parses a copy in a buffer of exactly `len` bytes, so ASan sees any
 * read past the end. */
static int
parse_exact(const uint8_t *p, size_t len, struct dns_msg *m)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);
	int err;

	assert_non_null(copy);
	if (len > 0)
		memcpy(copy, p, len);
	err = dns_msg_parse(copy, len, A, m);
	/* Nothing of m may point into the input. */
	memset(copy, 0xaa, len);
	free(copy);
	return err;
}

static struct dns_name
N(const char *s)
{
	struct dns_name n;

	assert_int_equal(dns_name_from_text(s, strlen(s), NULL, &n), 0);
	return n;
}

/* A record from text; rdata as master-file tokens split by blanks. */
static struct dns_rr
R(const char *owner, uint16_t type, const char *rdata)
{
	struct dns_rr rr = { .name = N(owner), .type = type,
	    .class = DNS_C_IN, .ttl = 300 };
	struct dns_tok tok[128];
	size_t n = 0;
	const char *why = NULL;

	for (const char *s = rdata; *s != '\0';) {
		if (*s == ' ') {
			s++;
			continue;
		}
		const char *b = s;
		while (*s != '\0' && *s != ' ')
			s++;
		assert_true(n < 128);
		tok[n++] = (struct dns_tok){ b, (size_t)(s - b), false };
	}
	if (dns_rdata_from_text(type, tok, n, NULL, A, &rr.rdata, &rr.rdlen,
	    &why) != 0)
		fail_msg("%s: %s", rdata, why);
	return rr;
}

static void
test_hdr(void **state)
{
	struct dns_hdr h;

	(void)state;
	assert_int_equal(dns_hdr_parse(r_glue, sizeof(r_glue), &h), 0);
	assert_int_equal(h.id, 0x1234);
	assert_int_equal(h.flags, 0x8500);
	assert_true(h.flags & DNS_F_QR);
	assert_true(h.flags & DNS_F_AA);
	assert_true(h.flags & DNS_F_RD);
	assert_int_equal(DNS_OPCODE(h.flags), DNS_OP_QUERY);
	assert_int_equal(DNS_RCODE(h.flags), DNS_R_NOERROR);
	assert_int_equal(h.qdcount, 1);
	assert_int_equal(h.ancount, 3);
	assert_int_equal(h.nscount, 2);
	assert_int_equal(h.arcount, 2);
	for (size_t cut = 0; cut < DNS_HDR_LEN; cut++)
		assert_int_equal(dns_hdr_parse(r_glue, cut, &h), -IK_ETRUNC);
}

static void
test_parse_packets(void **state)
{
	struct dns_msg m;
	char buf[512];

	(void)state;
	assert_int_equal(parse_exact(r_glue, sizeof(r_glue), &m), 0);
	assert_true(m.has_q);
	assert_true(dns_name_equal(&m.q.name, &(struct dns_name){ 0 }) ==
	    false);
	struct dns_name www = N("www.example.com.");
	assert_true(dns_name_equal(&m.q.name, &www));
	assert_int_equal(m.q.type, DNS_T_A);
	assert_int_equal(m.q.class, DNS_C_IN);
	assert_int_equal(m.n_rr[DNS_S_AN], 3);
	assert_int_equal(m.n_rr[DNS_S_NS], 2);
	assert_int_equal(m.n_rr[DNS_S_AR], 2);
	assert_false(m.edns.present);
	assert_true(dns_rr_to_text(&m.rr[DNS_S_AN][0], buf, sizeof(buf)) > 0);
	assert_string_equal(buf,
	    "www.example.com. 300 IN CNAME web.example.com.");
	assert_true(dns_rr_to_text(&m.rr[DNS_S_NS][1], buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "example.com. 3600 IN NS ns1.example.com.");
	assert_true(dns_rr_to_text(&m.rr[DNS_S_AR][1], buf, sizeof(buf)) > 0);
	assert_string_equal(buf,
	    "ns1.example.com. 3600 IN AAAA 2001:db8::53");

	assert_int_equal(parse_exact(q_edns, sizeof(q_edns), &m), 0);
	assert_true(m.edns.present);
	assert_int_equal(m.edns.udp_size, 1232);
	assert_int_equal(m.edns.flags, 0x8000);	/* DO */
	assert_int_equal(m.edns.version, 0);
	assert_int_equal(m.edns.ext_rcode, 0);
	assert_int_equal(m.edns.opts_len, 0);
	assert_int_equal(m.n_rr[DNS_S_AR], 0);	/* OPT is not a record */

	assert_int_equal(parse_exact(r_soa, sizeof(r_soa), &m), 0);
	assert_int_equal(DNS_RCODE(m.hdr.flags), DNS_R_NXDOMAIN);
	assert_int_equal(m.edns.udp_size, 8192);
	assert_int_equal(m.n_rr[DNS_S_NS], 1);
	assert_true(dns_rr_to_text(&m.rr[DNS_S_NS][0], buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "example.com. 3600 IN SOA ns1.example.com. "
	    "hostmaster.example.com. 2024010101 7200 3600 1209600 300");

	assert_int_equal(parse_exact(r_txt, sizeof(r_txt), &m), 0);
	assert_true(dns_rr_to_text(&m.rr[DNS_S_AN][1], buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "example.com. 3600 IN TXT \"a\" \"b c\" "
	    "\"quote\\\"d\" \"\\000\\255\"");

	assert_int_equal(parse_exact(r_misc, sizeof(r_misc), &m), 0);
	assert_int_equal(m.n_rr[DNS_S_AN], 7);
	assert_true(dns_rr_to_text(&m.rr[DNS_S_AN][0], buf, sizeof(buf)) > 0);
	assert_string_equal(buf,
	    "_sip._udp.example.com. 60 IN SRV 0 5 5060 sip.example.com.");
	assert_true(dns_rr_to_text(&m.rr[DNS_S_AN][4], buf, sizeof(buf)) > 0);
	assert_string_equal(buf,
	    "example.com. 60 IN TYPE65534 \\# 4 0A000001");
}

static void
test_round_trip(void **state)
{
	uint8_t out[DNS_MSG_MAX];

	(void)state;
	for (size_t i = 0; i < N_PKTS; i++) {
		struct dns_msg m1, m2;
		assert_int_equal(parse_exact(pkts[i].p, pkts[i].len, &m1), 0);
		ssize_t n = dns_msg_build(&m1, out, sizeof(out));
		assert_true(n > 0);
		if (pkts[i].same_bytes) {
			assert_int_equal(n, pkts[i].len);
			assert_memory_equal(out, pkts[i].p, pkts[i].len);
		}
		assert_int_equal(parse_exact(out, (size_t)n, &m2), 0);
		assert_true(dns_msg_equal(&m1, &m2));
		/* Exactly n bytes of room suffice, n - 1 do not. */
		assert_int_equal(dns_msg_build(&m1, out, (size_t)n), n);
		assert_int_equal(dns_msg_build(&m1, out, (size_t)n - 1),
		    -IK_ETRUNC);
	}
}

static void
test_every_cut(void **state)
{
	struct dns_msg m;

	(void)state;
	for (size_t i = 0; i < N_PKTS; i++)
		for (size_t cut = 0; cut < pkts[i].len; cut++) {
			int err = parse_exact(pkts[i].p, cut, &m);
			if (err != -IK_ETRUNC)
				fail_msg("%s cut at %zu: %d", pkts[i].name, cut,
				    err);
		}
}

/* A copy of a packet to patch. */
static size_t
patch(uint8_t *buf, const uint8_t *p, size_t len)
{
	memcpy(buf, p, len);
	return len;
}

static void
set16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
test_counts_and_sections(void **state)
{
	uint8_t b[1024];
	struct dns_msg m;
	size_t len;

	(void)state;
	/* A count past the records there are. */
	len = patch(b, r_mx, sizeof(r_mx));
	set16(b + 10, 2);
	assert_int_equal(parse_exact(b, len, &m), -IK_ETRUNC);
	set16(b + 10, 0xffff);
	assert_int_equal(parse_exact(b, len, &m), -IK_ETRUNC);
	len = patch(b, r_mx, sizeof(r_mx));
	set16(b + 6, 0xffff);
	set16(b + 8, 0xffff);
	assert_int_equal(parse_exact(b, len, &m), -IK_ETRUNC);
	/* The question count past the end. */
	len = patch(b, q_edns, sizeof(q_edns));
	set16(b + 4, 0);
	set16(b + 10, 0);
	assert_int_equal(parse_exact(b, 12, &m), 0);
	assert_false(m.has_q);
	set16(b + 4, 1);
	assert_int_equal(parse_exact(b, 12, &m), -IK_ETRUNC);

	/* Bytes after the last record. */
	len = patch(b, r_mx, sizeof(r_mx));
	b[len++] = 0;
	assert_int_equal(parse_exact(b, len, &m), -IK_EPARSE);
	/* Fewer records claimed than there are: trailing too. */
	len = patch(b, r_mx, sizeof(r_mx));
	set16(b + 10, 0);
	assert_int_equal(parse_exact(b, len, &m), -IK_EPARSE);

	/* Two questions: refused even when both are there. */
	static const uint8_t q2[] = { 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0,
	    1, 'a', 0, 0, 1, 0, 1, 1, 'b', 0, 0, 1, 0, 1 };
	assert_int_equal(parse_exact(q2, sizeof(q2), &m), -IK_EPARSE);
	uint8_t q1[sizeof(q2)];
	memcpy(q1, q2, sizeof(q2));
	q1[5] = 1;
	assert_int_equal(parse_exact(q1, 19, &m), 0);

	/* A question name with a pointer into the header. */
	static const uint8_t qh[] = { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
	    0xc0, 2, 0, 1, 0, 1 };
	assert_int_equal(parse_exact(qh, sizeof(qh), &m), -IK_EPARSE);
}

static void
test_opt_rules(void **state)
{
	static const uint8_t opt[] = { 0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0 };
	uint8_t b[256];
	struct dns_msg m;
	size_t len;

	(void)state;
	/* Two OPTs. */
	len = patch(b, q_edns, sizeof(q_edns));
	memcpy(b + len, opt, sizeof(opt));
	len += sizeof(opt);
	set16(b + 10, 2);
	assert_int_equal(parse_exact(b, len, &m), -IK_EPARSE);

	/* OPT in the answer, then in the authority section. */
	len = patch(b, q_edns, sizeof(q_edns));
	set16(b + 10, 0);
	set16(b + 6, 1);
	assert_int_equal(parse_exact(b, len, &m), -IK_EPARSE);
	set16(b + 6, 0);
	set16(b + 8, 1);
	assert_int_equal(parse_exact(b, len, &m), -IK_EPARSE);

	/* OPT with an owner other than the root. */
	static const uint8_t named[] = { 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	    1, 'a', 0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0 };
	assert_int_equal(parse_exact(named, sizeof(named), &m), -IK_EPARSE);

	/* Extended rcode, version, flags, and options that tile. */
	static const uint8_t full[] = { 0, 1, 0x80, 0x01, 0, 0, 0, 0, 0, 0,
	    0, 1, 0, 0, 41, 0x05, 0xdc, 0x01, 0x02, 0x80, 0x00, 0, 12,
	    0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8 };
	assert_int_equal(parse_exact(full, sizeof(full), &m), 0);
	assert_true(m.edns.present);
	assert_int_equal(m.edns.udp_size, 1500);
	assert_int_equal(m.edns.ext_rcode, 1);
	assert_int_equal(m.edns.version, 2);
	assert_int_equal(m.edns.flags, 0x8000);
	assert_int_equal(m.edns.opts_len, 12);
	assert_memory_equal(m.edns.opts, full + 23, 12);
	uint8_t out[256];
	ssize_t n = dns_msg_build(&m, out, sizeof(out));
	assert_int_equal(n, sizeof(full));
	assert_memory_equal(out, full, sizeof(full));

	/* An option that runs past the OPT RDATA. */
	memcpy(b, full, sizeof(full));
	b[26] = 9;
	assert_int_equal(parse_exact(b, sizeof(full), &m), -IK_EPARSE);
	/* Half an option header. */
	static const uint8_t half[] = { 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	    0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 2, 0, 10 };
	assert_int_equal(parse_exact(half, sizeof(half), &m), -IK_EPARSE);
}

/* `n` records owned by the root, type 65534, no RDATA. */
static size_t
many_records(uint8_t *b, unsigned n)
{
	size_t len = 12;

	memset(b, 0, 12);
	set16(b + 6, (uint16_t)n);
	for (unsigned i = 0; i < n; i++) {
		static const uint8_t rr[] = { 0, 0xff, 0xfe, 0, 1, 0, 0, 0, 0,
		    0, 0 };
		memcpy(b + len, rr, sizeof(rr));
		len += sizeof(rr);
	}
	return len;
}

static void
test_record_limit(void **state)
{
	static uint8_t b[DNS_MSG_MAX];
	struct dns_msg m;

	(void)state;
	size_t len = many_records(b, DNS_RR_MAX);
	assert_int_equal(parse_exact(b, len, &m), 0);
	assert_int_equal(m.n_rr[DNS_S_AN], DNS_RR_MAX);
	arena_reset(A);
	len = many_records(b, DNS_RR_MAX + 1);
	assert_int_equal(parse_exact(b, len, &m), -IK_ELIMIT);
	arena_reset(A);
}

static void
test_update_empty_rdata(void **state)
{
	/* RFC 2136 2.5.2: delete an RRset, class ANY, no RDATA. */
	static const uint8_t upd[] = { 0, 1, 0x28, 0, 0, 1, 0, 0, 0, 2, 0, 0,
	    1, 'z', 0, 0, 6, 0, 1,
	    1, 'a', 0xc0, 12, 0, 1, 0, 255, 0, 0, 0, 0, 0, 0,
	    1, 'b', 0xc0, 12, 0, 2, 0, 254, 0, 0, 0, 0, 0, 0 };
	uint8_t b[sizeof(upd)], out[256];
	struct dns_msg m1, m2;

	(void)state;
	assert_int_equal(parse_exact(upd, sizeof(upd), &m1), 0);
	assert_int_equal(DNS_OPCODE(m1.hdr.flags), DNS_OP_UPDATE);
	assert_int_equal(m1.n_rr[DNS_S_NS], 2);
	assert_int_equal(m1.rr[DNS_S_NS][0].rdlen, 0);
	ssize_t n = dns_msg_build(&m1, out, sizeof(out));
	assert_int_equal(n, sizeof(upd));
	assert_memory_equal(out, upd, sizeof(upd));
	assert_int_equal(parse_exact(out, (size_t)n, &m2), 0);
	assert_true(dns_msg_equal(&m1, &m2));
	/* The same in class IN is an A without its address. */
	memcpy(b, upd, sizeof(upd));
	b[26] = 1;
	assert_int_equal(parse_exact(b, sizeof(b), &m1), -IK_EPARSE);
}

static void
test_compression(void **state)
{
	uint8_t out[512];
	struct dns_builder b;
	struct dns_hdr h = { .id = 7, .flags = DNS_F_QR | DNS_F_AA };
	struct dns_question q = { N("www.example.test."), DNS_T_A, DNS_C_IN };
	struct dns_msg m;

	(void)state;
	dns_build_init(&b, out, sizeof(out), &h);
	dns_build_question(&b, &q);
	for (int i = 0; i < 3; i++) {
		struct dns_rr rr = R("www.example.test.", DNS_T_A, "192.0.2.1");
		assert_int_equal(dns_build_rr(&b, DNS_S_AN, &rr), 0);
	}
	struct dns_rr ns = R("example.test.", DNS_T_NS, "ns1.example.test.");
	assert_int_equal(dns_build_rr(&b, DNS_S_NS, &ns), 0);
	struct dns_rr glue = R("ns1.example.test.", DNS_T_A, "192.0.2.53");
	assert_int_equal(dns_build_rr(&b, DNS_S_AR, &glue), 0);
	ssize_t n = dns_build_finish(&b);
	/* 12 + question 18 + 4; three A of 2 + 10 + 4; NS of 2 + 10 +
	 * "ns1" and a pointer (6); glue of 2 + 10 + 4, its owner a
	 * pointer to ns1 in the NS RDATA. */
	assert_int_equal(n, 12 + 22 + 3 * 16 + 18 + 16);
	/* Without compression the same would be 12 + 22 + 3 * 32 + 46 +
	 * 33. */
	assert_true(n < 12 + 22 + 3 * 32 + 46 + 33);
	assert_int_equal(parse_exact(out, (size_t)n, &m), 0);
	assert_int_equal(m.n_rr[DNS_S_AN], 3);
	assert_true(dns_name_equal(&m.rr[DNS_S_AN][2].name, &q.name));
	struct dns_name t;
	assert_int_equal(dns_rdata_target(DNS_T_NS, m.rr[DNS_S_NS][0].rdata,
	    m.rr[DNS_S_NS][0].rdlen, &t), 0);
	assert_true(dns_name_equal(&t, &glue.name));
	assert_true(dns_name_equal(&m.rr[DNS_S_AR][0].name, &glue.name));
}

static void
test_no_compression_outside_rfc1035_types(void **state)
{
	uint8_t out[512];
	struct dns_builder b;
	struct dns_hdr h = { .id = 1 };
	struct dns_question q = { N("_sip._udp.example.test."), DNS_T_SRV,
	    DNS_C_IN };
	struct dns_msg m;

	(void)state;
	dns_build_init(&b, out, sizeof(out), &h);
	dns_build_question(&b, &q);
	struct dns_rr srv = R("_sip._udp.example.test.", DNS_T_SRV,
	    "0 5 5060 sip.example.test.");
	assert_int_equal(dns_build_rr(&b, DNS_S_AN, &srv), 0);
	size_t srv_rdata = b.len - srv.rdlen;
	struct dns_rr a = R("sip.example.test.", DNS_T_A, "192.0.2.7");
	size_t a_at = b.len;
	assert_int_equal(dns_build_rr(&b, DNS_S_AR, &a), 0);
	ssize_t n = dns_build_finish(&b);
	assert_true(n > 0);
	/* The SRV target went out whole... */
	assert_memory_equal(out + srv_rdata, srv.rdata, srv.rdlen);
	/* ...and was not remembered: the A owner is "sip" and a pointer
	 * to example.test. in the question, not into the SRV RDATA. */
	assert_int_equal(out[a_at], 3);
	assert_int_equal(out[a_at + 4], 0xc0);
	assert_int_equal(out[a_at + 5], 12 + 10);
	assert_int_equal(parse_exact(out, (size_t)n, &m), 0);
	assert_true(dns_name_equal(&m.rr[DNS_S_AR][0].name, &a.name));
}

static void
test_case_preserved(void **state)
{
	uint8_t out[512];
	struct dns_builder b;
	struct dns_hdr h = { .id = 1 };
	struct dns_question q = { N("wWw.ExAmple.test."), DNS_T_A, DNS_C_IN };
	struct dns_msg m;

	(void)state;
	dns_build_init(&b, out, sizeof(out), &h);
	dns_build_question(&b, &q);
	struct dns_rr a = R("www.example.test.", DNS_T_A, "192.0.2.1");
	assert_int_equal(dns_build_rr(&b, DNS_S_AN, &a), 0);
	struct dns_rr c = R("x.example.TEST.", DNS_T_A, "192.0.2.1");
	assert_int_equal(dns_build_rr(&b, DNS_S_AN, &c), 0);
	ssize_t n = dns_build_finish(&b);
	assert_int_equal(parse_exact(out, (size_t)n, &m), 0);
	assert_memory_equal(m.q.name.wire, q.name.wire, q.name.len);
	assert_memory_equal(m.rr[DNS_S_AN][0].name.wire, a.name.wire,
	    a.name.len);
	assert_memory_equal(m.rr[DNS_S_AN][1].name.wire, c.name.wire,
	    c.name.len);
	/* www.example.test. shares only "test." with the question: its
	 * owner ends in a pointer to 24, where "test." begins... */
	size_t a_at = 12 + q.name.len + 4;
	assert_memory_equal(out + a_at, "\x03www\x07" "example\xc0\x18", 14);
	/* ...and x.example.TEST. nothing at all: it goes out whole. */
	assert_memory_equal(out + n - 30, c.name.wire, c.name.len);
}

/* The records of one response: every section, every compressible type,
 * and some that are not. */
static size_t
sample_records(struct dns_rr *rr, enum dns_section *sec)
{
	size_t n = 0;

#define ADD(s, o, t, r)	(sec[n] = (s), rr[n++] = R(o, t, r))
	ADD(DNS_S_AN, "www.example.test.", DNS_T_CNAME, "web.example.test.");
	ADD(DNS_S_AN, "web.example.test.", DNS_T_A, "192.0.2.1");
	ADD(DNS_S_AN, "web.example.test.", DNS_T_AAAA, "2001:db8::1");
	ADD(DNS_S_AN, "web.example.test.", DNS_T_TXT, "v=spf1 -all");
	ADD(DNS_S_AN, "example.test.", DNS_T_MX, "10 mail.example.test.");
	ADD(DNS_S_AN, "_x._tcp.example.test.", DNS_T_SRV,
	    "1 2 3 web.example.test.");
	ADD(DNS_S_NS, "example.test.", DNS_T_SOA, "ns1.example.test. "
	    "hostmaster.example.test. 1 2 3 4 5");
	ADD(DNS_S_NS, "example.test.", DNS_T_NS, "ns1.example.test.");
	ADD(DNS_S_NS, "example.test.", DNS_T_NS, "ns2.example.net.");
	ADD(DNS_S_AR, "ns1.example.test.", DNS_T_A, "192.0.2.53");
	ADD(DNS_S_AR, "ns2.example.net.", DNS_T_AAAA, "2001:db8::53");
	ADD(DNS_S_AR, "mail.example.test.", DNS_T_PTR, "x.example.test.");
	ADD(DNS_S_AR, "d.example.test.", DNS_T_DNAME, "example.net.");
#undef ADD
	return n;
}

/* Every buffer size from the header up: each record fits whole or not
 * at all, a record that does not fit changes nothing, later smaller
 * ones may still fit, and what finish returns always parses to exactly
 * the records that were accepted. */
static void
test_rollback_every_cap(void **state)
{
	struct dns_rr rr[16];
	enum dns_section sec[16];
	size_t n_rr = sample_records(rr, sec);
	struct dns_hdr h = { .id = 99, .flags = DNS_F_QR };
	struct dns_question q = { N("www.example.test."), DNS_T_A, DNS_C_IN };
	struct dns_edns e = { .present = true, .udp_size = 1232,
	    .flags = 0x8000 };
	uint8_t full[1024];
	struct dns_builder b;

	(void)state;
	dns_build_init(&b, full, sizeof(full), &h);
	dns_build_question(&b, &q);
	for (size_t i = 0; i < n_rr; i++)
		assert_int_equal(dns_build_rr(&b, sec[i], &rr[i]), 0);
	assert_int_equal(dns_build_opt(&b, &e), 0);
	ssize_t full_len = dns_build_finish(&b);
	assert_true(full_len > 0);

	for (size_t cap = 0; cap <= (size_t)full_len; cap++) {
		uint8_t *out = malloc(cap > 0 ? cap : 1);
		bool took[16] = { false };
		bool opt = false;
		struct dns_msg m;

		assert_non_null(out);
		dns_build_init(&b, out, cap, &h);
		dns_build_question(&b, &q);
		for (size_t i = 0; i < n_rr; i++) {
			uint8_t before[1024];
			size_t len0 = b.len;
			unsigned comp0 = b.n_comp;
			uint16_t cnt0 = b.count[sec[i]];
			if (b.err == 0)
				memcpy(before, out, len0);
			int err = dns_build_rr(&b, sec[i], &rr[i]);
			took[i] = err == 0;
			if (err < 0 && b.err == 0) {
				assert_int_equal(err, -IK_ETRUNC);
				assert_int_equal(b.len, len0);
				assert_int_equal(b.n_comp, comp0);
				assert_int_equal(b.count[sec[i]], cnt0);
				assert_memory_equal(out, before, len0);
			}
		}
		opt = dns_build_opt(&b, &e) == 0;
		ssize_t n = dns_build_finish(&b);
		if (cap < DNS_HDR_LEN + 22) {
			/* The question did not fit: sticky. */
			assert_int_equal(n, -IK_ETRUNC);
			free(out);
			continue;
		}
		assert_true(n >= 0 && (size_t)n <= cap);
		assert_int_equal(parse_exact(out, (size_t)n, &m), 0);
		assert_true(m.has_q);
		assert_int_equal(m.edns.present, opt);
		size_t k[DNS_S_COUNT] = { 0 };
		for (size_t i = 0; i < n_rr; i++) {
			if (!took[i])
				continue;
			const struct dns_rr *got = &m.rr[sec[i]][k[sec[i]]++];
			assert_true(got->rdlen == rr[i].rdlen &&
			    memcmp(got->rdata, rr[i].rdata, rr[i].rdlen) == 0);
			assert_memory_equal(got->name.wire, rr[i].name.wire,
			    rr[i].name.len);
		}
		for (int s = 0; s < DNS_S_COUNT; s++)
			assert_int_equal(m.n_rr[s], k[s]);
		if (cap == (size_t)full_len) {
			assert_int_equal(n, full_len);
			assert_memory_equal(out, full, (size_t)n);
		}
		free(out);
		arena_reset(A);
	}
}

static void
test_pointer_offsets_below_16k(void **state)
{
	static uint8_t out[DNS_MSG_MAX];
	struct dns_builder b;
	struct dns_hdr h = { .id = 1 };
	struct dns_question q = { N("example.test."), DNS_T_TXT, DNS_C_IN };
	struct dns_msg m1, m2;
	static char txt[70 * 256];

	(void)state;
	/* 70 strings of 250 bytes push the next names past 0x4000. */
	size_t p = 0;
	for (int i = 0; i < 70; i++) {
		memset(txt + p, 'a' + i % 26, 250);
		p += 250;
		txt[p++] = ' ';
	}
	txt[p] = '\0';
	struct dns_rr big = R("example.test.", DNS_T_TXT, txt);
	dns_build_init(&b, out, sizeof(out), &h);
	dns_build_question(&b, &q);
	assert_int_equal(dns_build_rr(&b, DNS_S_AN, &big), 0);
	assert_true(b.len > 0x4000);
	size_t at1 = b.len;
	struct dns_rr r1 = R("far.away.test.", DNS_T_A, "192.0.2.1");
	assert_int_equal(dns_build_rr(&b, DNS_S_AN, &r1), 0);
	size_t at2 = b.len;
	assert_int_equal(dns_build_rr(&b, DNS_S_AN, &r1), 0);
	for (unsigned i = 0; i < b.n_comp; i++)
		assert_true(b.comp[i] < 0x4000);
	/* The second "far.away." could not point at the first; "test."
	 * still points to the question. */
	assert_int_equal(out[at2], 3);
	assert_int_equal(at2 - at1, 1 + 3 + 1 + 4 + 2 + 10 + 4);
	ssize_t n = dns_build_finish(&b);
	assert_true(n > 0);
	assert_int_equal(parse_exact(out, (size_t)n, &m1), 0);
	assert_true(dns_name_equal(&m1.rr[DNS_S_AN][2].name, &r1.name));
	ssize_t n2 = dns_msg_build(&m1, out, sizeof(out));
	assert_int_equal(n2, n);
	assert_int_equal(parse_exact(out, (size_t)n2, &m2), 0);
	assert_true(dns_msg_equal(&m1, &m2));
	arena_reset(A);
}

static void
test_table_full(void **state)
{
	static uint8_t out[DNS_MSG_MAX];
	struct dns_builder b;
	struct dns_hdr h = { .id = 1 };
	struct dns_msg m1, m2;
	struct dns_rr rr[300];

	(void)state;
	dns_build_init(&b, out, sizeof(out), &h);
	for (int i = 0; i < 300; i++) {
		char name[64];
		snprintf(name, sizeof(name), "h%d.z%d.example.test.", i, i % 7);
		rr[i] = R(name, DNS_T_A, "192.0.2.1");
		assert_int_equal(dns_build_rr(&b, DNS_S_AN, &rr[i]), 0);
		assert_true(b.n_comp <= DNS_COMP_MAX);
	}
	assert_int_equal(b.n_comp, DNS_COMP_MAX);
	ssize_t n = dns_build_finish(&b);
	assert_int_equal(parse_exact(out, (size_t)n, &m1), 0);
	for (int i = 0; i < 300; i++)
		assert_true(dns_name_equal(&m1.rr[DNS_S_AN][i].name,
		    &rr[i].name));
	ssize_t n2 = dns_msg_build(&m1, out, sizeof(out));
	assert_int_equal(n2, n);
	assert_int_equal(parse_exact(out, (size_t)n2, &m2), 0);
	assert_true(dns_msg_equal(&m1, &m2));
	arena_reset(A);
}

static void
test_builder_misc(void **state)
{
	uint8_t out[512];
	struct dns_builder b;
	struct dns_hdr h = { .id = 0xbeef, .flags = DNS_F_RD };
	struct dns_question q = { N("a.test."), DNS_T_A, DNS_C_IN };
	struct dns_rr a = R("a.test.", DNS_T_A, "192.0.2.1");
	struct dns_msg m;

	(void)state;
	/* Flags and rcode. */
	dns_build_init(&b, out, sizeof(out), &h);
	dns_build_question(&b, &q);
	dns_build_flags(&b, DNS_F_QR | DNS_F_AA | DNS_F_TC, DNS_F_RD);
	dns_build_rcode(&b, DNS_R_BADVERS);	/* only the low 4 bits */
	ssize_t n = dns_build_finish(&b);
	assert_int_equal(parse_exact(out, (size_t)n, &m), 0);
	assert_int_equal(m.hdr.id, 0xbeef);
	assert_int_equal(m.hdr.flags, DNS_F_QR | DNS_F_AA | DNS_F_TC);
	dns_build_rcode(&b, DNS_R_REFUSED);
	n = dns_build_finish(&b);
	assert_int_equal(parse_exact(out, (size_t)n, &m), 0);
	assert_int_equal(DNS_RCODE(m.hdr.flags), DNS_R_REFUSED);
	dns_build_flags(&b, 0, DNS_F_TC);
	n = dns_build_finish(&b);
	assert_int_equal(parse_exact(out, (size_t)n, &m), 0);
	assert_false(m.hdr.flags & DNS_F_TC);

	/* Sections out of order: our bug, sticky. */
	dns_build_init(&b, out, sizeof(out), &h);
	assert_int_equal(dns_build_rr(&b, DNS_S_NS, &a), 0);
	assert_int_equal(dns_build_rr(&b, DNS_S_AN, &a), -EINVAL);
	assert_int_equal(dns_build_finish(&b), -EINVAL);
	/* A question after a record, or a second question. */
	dns_build_init(&b, out, sizeof(out), &h);
	assert_int_equal(dns_build_rr(&b, DNS_S_AN, &a), 0);
	dns_build_question(&b, &q);
	assert_int_equal(dns_build_finish(&b), -EINVAL);
	dns_build_init(&b, out, sizeof(out), &h);
	dns_build_question(&b, &q);
	dns_build_question(&b, &q);
	assert_int_equal(dns_build_finish(&b), -EINVAL);

	/* Room for less than a header. */
	dns_build_init(&b, out, 11, &h);
	dns_build_flags(&b, DNS_F_QR, 0);
	assert_int_equal(dns_build_rr(&b, DNS_S_AN, &a), -IK_ETRUNC);
	assert_int_equal(dns_build_finish(&b), -IK_ETRUNC);

	/* cap lowered below what is written: nothing more fits. */
	dns_build_init(&b, out, sizeof(out), &h);
	dns_build_question(&b, &q);
	assert_int_equal(dns_build_rr(&b, DNS_S_AN, &a), 0);
	size_t len = b.len;
	b.cap = 20;
	assert_int_equal(dns_build_rr(&b, DNS_S_AN, &a), -IK_ETRUNC);
	struct dns_edns e = { .present = true, .udp_size = 512 };
	assert_int_equal(dns_build_opt(&b, &e), -IK_ETRUNC);
	assert_int_equal(dns_build_finish(&b), len);

	/* Empty message: just the header. */
	dns_build_init(&b, out, 12, &h);
	assert_int_equal(dns_build_finish(&b), 12);
	assert_int_equal(parse_exact(out, 12, &m), 0);
	assert_false(m.has_q);
}

static void
test_msg_equal(void **state)
{
	struct dns_msg a, b;

	(void)state;
	assert_int_equal(parse_exact(r_glue, sizeof(r_glue), &a), 0);
	assert_int_equal(parse_exact(r_glue, sizeof(r_glue), &b), 0);
	assert_true(dns_msg_equal(&a, &b));
	b.hdr.id++;
	assert_false(dns_msg_equal(&a, &b));
	b.hdr.id--;
	b.rr[DNS_S_AN][1].ttl++;
	assert_false(dns_msg_equal(&a, &b));
	b.rr[DNS_S_AN][1].ttl--;
	uint8_t rd[4] = { 192, 0, 2, 99 };
	const uint8_t *keep = b.rr[DNS_S_AN][1].rdata;
	b.rr[DNS_S_AN][1].rdata = rd;
	assert_false(dns_msg_equal(&a, &b));
	b.rr[DNS_S_AN][1].rdata = keep;
	b.q.name.wire[1] = 'W';		/* case counts here */
	assert_false(dns_msg_equal(&a, &b));
	b.q.name.wire[1] = 'w';
	b.n_rr[DNS_S_AR]--;
	assert_false(dns_msg_equal(&a, &b));
	b.n_rr[DNS_S_AR]++;
	b.edns.present = true;
	assert_false(dns_msg_equal(&a, &b));
	b.edns.present = false;
	b.edns.udp_size = 4096;		/* ignored while not present */
	assert_true(dns_msg_equal(&a, &b));

	assert_int_equal(parse_exact(q_edns, sizeof(q_edns), &a), 0);
	assert_int_equal(parse_exact(q_edns, sizeof(q_edns), &b), 0);
	b.edns.flags = 0;
	assert_false(dns_msg_equal(&a, &b));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hdr),
		cmocka_unit_test(test_parse_packets),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_every_cut),
		cmocka_unit_test(test_counts_and_sections),
		cmocka_unit_test(test_opt_rules),
		cmocka_unit_test(test_record_limit),
		cmocka_unit_test(test_update_empty_rdata),
		cmocka_unit_test(test_compression),
		cmocka_unit_test(test_no_compression_outside_rfc1035_types),
		cmocka_unit_test(test_case_preserved),
		cmocka_unit_test(test_rollback_every_cap),
		cmocka_unit_test(test_pointer_offsets_below_16k),
		cmocka_unit_test(test_table_full),
		cmocka_unit_test(test_builder_misc),
		cmocka_unit_test(test_msg_equal),
	};

	return cmocka_run_group_tests_name("dns_wire", tests, setup, teardown);
}
