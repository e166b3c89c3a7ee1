/* tests/unit/dns/test_rr.c - RR types and RDATA: the type and class
 * tables, wire layouts per type (decompression only where allowed),
 * master-file text in and out for each supported type with its round
 * trip, the RFC 3597 \# form, and the targets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/err.h"
#include "dns/rr.h"

struct toks {
	struct dns_tok	 t[64];
	size_t		 n;
};

/* Cuts text as zone.c does: blanks separate, "..." is one token handed
 * without its quotes, a backslash keeps the next byte in the token. */
static void
tokenize(const char *s, struct toks *out)
{
	out->n = 0;
	while (*s != '\0') {
		if (*s == ' ') {
			s++;
			continue;
		}
		bool q = *s == '"';
		const char *b = q ? ++s : s;
		while (*s != '\0' && (q ? *s != '"' : *s != ' ')) {
			if (*s == '\\' && s[1] != '\0')
				s++;
			s++;
		}
		assert_true(out->n < 64);
		out->t[out->n++] = (struct dns_tok){ b, (size_t)(s - b), q };
		if (q && *s == '"')
			s++;
	}
}

static struct arena *A;

static int
setup(void **state)
{
	(void)state;
	A = arena_new(65536);
	return A == NULL;
}

static int
teardown(void **state)
{
	(void)state;
	arena_free(&A);
	return 0;
}

static struct dns_name
origin(void)
{
	struct dns_name o;

	assert_int_equal(dns_name_from_text("example.test.", 13, NULL, &o), 0);
	return o;
}

static int
from_text(uint16_t type, const char *text, const uint8_t **rd,
    uint16_t *rdlen, const char **why)
{
	struct toks tk;
	struct dns_name o = origin();

	tokenize(text, &tk);
	return dns_rdata_from_text(type, tk.t, tk.n, &o, A, rd, rdlen, why);
}

static void
test_type_table(void **state)
{
	uint16_t t;
	char buf[16];

	(void)state;
	static const struct {
		const char *s;
		uint16_t type;
	} good[] = {
		{ "A", DNS_T_A }, { "a", DNS_T_A }, { "Ns", DNS_T_NS },
		{ "CNAME", DNS_T_CNAME }, { "SOA", DNS_T_SOA },
		{ "PTR", DNS_T_PTR }, { "HINFO", DNS_T_HINFO },
		{ "MX", DNS_T_MX }, { "TXT", DNS_T_TXT },
		{ "AAAA", DNS_T_AAAA }, { "SRV", DNS_T_SRV },
		{ "NAPTR", DNS_T_NAPTR }, { "DNAME", DNS_T_DNAME },
		{ "OPT", DNS_T_OPT }, { "DS", DNS_T_DS },
		{ "SSHFP", DNS_T_SSHFP }, { "RRSIG", DNS_T_RRSIG },
		{ "NSEC", DNS_T_NSEC }, { "DNSKEY", DNS_T_DNSKEY },
		{ "TLSA", DNS_T_TLSA }, { "SVCB", DNS_T_SVCB },
		{ "HTTPS", DNS_T_HTTPS }, { "IXFR", DNS_T_IXFR },
		{ "AXFR", DNS_T_AXFR }, { "ANY", DNS_T_ANY },
		{ "CAA", DNS_T_CAA }, { "TYPE65534", 65534 },
		{ "type1", DNS_T_A }, { "TYPE0", 0 }, { "TYPE65535", 65535 },
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(dns_type_from_text(good[i].s,
		    strlen(good[i].s), &t), 0);
		assert_int_equal(t, good[i].type);
	}
	static const char *const bad[] = { "", "FOO", "TYPE", "TYPE65536",
	    "TYPE-1", "TYPE1x", "AA", "TYPE99999999999" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(dns_type_from_text(bad[i], strlen(bad[i]), &t),
		    -IK_EPARSE);
	/* Only `len` bytes count. */
	assert_int_equal(dns_type_from_text("AAAA", 1, &t), 0);
	assert_int_equal(t, DNS_T_A);

	assert_string_equal(dns_type_name(DNS_T_AAAA, buf, sizeof(buf)),
	    "AAAA");
	assert_string_equal(dns_type_name(65534, buf, sizeof(buf)),
	    "TYPE65534");
	assert_string_equal(dns_type_name(DNS_T_CAA, buf, sizeof(buf)), "CAA");

	static const struct {
		const char *s;
		uint16_t class;
	} cls[] = {
		{ "IN", DNS_C_IN }, { "in", DNS_C_IN }, { "CH", DNS_C_CH },
		{ "NONE", DNS_C_NONE }, { "ANY", DNS_C_ANY },
		{ "CLASS4", 4 }, { "class1", DNS_C_IN },
	};
	for (size_t i = 0; i < sizeof(cls) / sizeof(cls[0]); i++) {
		assert_int_equal(dns_class_from_text(cls[i].s,
		    strlen(cls[i].s), &t), 0);
		assert_int_equal(t, cls[i].class);
	}
	assert_int_equal(dns_class_from_text("XX", 2, &t), -IK_EPARSE);
	assert_int_equal(dns_class_from_text("CLASS65536", 10, &t),
	    -IK_EPARSE);
	assert_string_equal(dns_class_name(DNS_C_IN, buf, sizeof(buf)), "IN");
	assert_string_equal(dns_class_name(4, buf, sizeof(buf)), "CLASS4");

	static const uint16_t comp[] = { DNS_T_NS, DNS_T_CNAME, DNS_T_SOA,
	    DNS_T_PTR, DNS_T_MX };
	for (size_t i = 0; i < sizeof(comp) / sizeof(comp[0]); i++)
		assert_true(dns_type_compressible(comp[i]));
	static const uint16_t nocomp[] = { DNS_T_A, DNS_T_SRV, DNS_T_DNAME,
	    DNS_T_NAPTR, DNS_T_TXT, DNS_T_RRSIG, 65534 };
	for (size_t i = 0; i < sizeof(nocomp) / sizeof(nocomp[0]); i++)
		assert_false(dns_type_compressible(nocomp[i]));
	static const uint16_t meta[] = { DNS_T_OPT, DNS_T_ANY, DNS_T_AXFR,
	    DNS_T_IXFR, 250, 128 };
	for (size_t i = 0; i < sizeof(meta) / sizeof(meta[0]); i++)
		assert_true(dns_type_is_meta(meta[i]));
	assert_false(dns_type_is_meta(DNS_T_A));
	assert_false(dns_type_is_meta(DNS_T_CAA));
	assert_false(dns_type_is_meta(65534));
}

/* Text in, text out, and the printed text read back to the same bytes. */
static void
test_text_round_trips(void **state)
{
	static const struct {
		uint16_t	 type;
		const char	*in, *out;
	} rt[] = {
		{ DNS_T_A, "192.0.2.1", "192.0.2.1" },
		{ DNS_T_AAAA, "2001:DB8::1", "2001:db8::1" },
		{ DNS_T_NS, "ns1", "ns1.example.test." },
		{ DNS_T_CNAME, "@", "example.test." },
		{ DNS_T_PTR, "www.example.net.", "www.example.net." },
		{ DNS_T_SOA, "ns1 hostmaster.example.test. 2024010101 1h 15M "
		    "1w1d 300", "ns1.example.test. hostmaster.example.test. "
		    "2024010101 3600 900 691200 300" },
		{ DNS_T_MX, "10 mail", "10 mail.example.test." },
		{ DNS_T_MX, "0 .", "0 ." },
		{ DNS_T_TXT, "\"hello world\" plain \"a\\\"b\" \"\\065\\000\" "
		    "\"\" semi\\;colon",
		    "\"hello world\" \"plain\" \"a\\\"b\" \"A\\000\" \"\" "
		    "\"semi;colon\"" },
		{ DNS_T_TXT, "\"\\255\\\\x\"", "\"\\255\\\\x\"" },
		{ DNS_T_SRV, "0 5 5060 sip", "0 5 5060 sip.example.test." },
		{ DNS_T_CAA, "0 issue \"letsencrypt.org\"",
		    "0 issue \"letsencrypt.org\"" },
		{ DNS_T_CAA, "128 iodef mailto:x@example.test",
		    "128 iodef \"mailto:x@example.test\"" },
		{ DNS_T_CAA, "0 issue \"\"", "0 issue \"\"" },
		{ DNS_T_HINFO, "\"PC\" Linux", "\"PC\" \"Linux\"" },
		{ DNS_T_DNAME, "example.net.", "example.net." },
		{ DNS_T_NAPTR, "100 10 \"S\" \"SIP+D2U\" \"\" _sip._udp",
		    "100 10 \"S\" \"SIP+D2U\" \"\" _sip._udp.example.test." },
		{ DNS_T_DS, "60485 5 1 2bb183af5f22588179a53b0a "
		    "98631fad1a292118",
		    "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118" },
		{ DNS_T_SSHFP, "2 1 123456789abcdef67890123456789abcdef67890",
		    "2 1 123456789ABCDEF67890123456789ABCDEF67890" },
		{ DNS_T_TLSA, "3 1 1 0C72AC70B745AC19998811B131D662C9",
		    "3 1 1 0C72AC70B745AC19998811B131D662C9" },
		{ DNS_T_DNSKEY, "256 3 8 AwEA AQ==", "256 3 8 AwEAAQ==" },
		{ DNS_T_DNSKEY, "257 3 13 AAECAwQF", "257 3 13 AAECAwQF" },
		{ 65534, "\\# 4 0a000001", "\\# 4 0A000001" },
		{ 65534, "\\# 0", "\\# 0" },
		{ DNS_T_A, "\\# 4 0a000001", "10.0.0.1" },
		{ DNS_T_A, "\\# 4 0a 00 0001", "10.0.0.1" },
		{ DNS_T_NS, "\\# 13 03 6e7331 07 6578616d706c65 00",
		    "ns1.example." },
		{ DNS_T_RRSIG, "\\# 19 00010801000000000000000000000000000000",
		    "\\# 19 00010801000000000000000000000000000000" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rt) / sizeof(rt[0]); i++) {
		const uint8_t *rd, *rd2;
		uint16_t rdlen, rdlen2;
		const char *why = NULL;
		char buf[1024];

		if (from_text(rt[i].type, rt[i].in, &rd, &rdlen, &why) != 0)
			fail_msg("%zu: %s: %s", i, rt[i].in, why);
		assert_int_equal(dns_rdata_to_text(rt[i].type, rd, rdlen, buf,
		    sizeof(buf)), strlen(rt[i].out));
		assert_string_equal(buf, rt[i].out);
		if (from_text(rt[i].type, buf, &rd2, &rdlen2, &why) != 0)
			fail_msg("%zu: reading back %s: %s", i, buf, why);
		assert_int_equal(rdlen2, rdlen);
		assert_memory_equal(rd2, rd, rdlen);
	}
}

static void
test_text_wire_bytes(void **state)
{
	const uint8_t *rd;
	uint16_t rdlen;
	const char *why;

	(void)state;
	assert_int_equal(from_text(DNS_T_A, "192.0.2.1", &rd, &rdlen, &why),
	    0);
	assert_int_equal(rdlen, 4);
	assert_memory_equal(rd, "\xc0\x00\x02\x01", 4);

	assert_int_equal(from_text(DNS_T_MX, "10 mx.a.", &rd, &rdlen, &why),
	    0);
	assert_int_equal(rdlen, 8);
	assert_memory_equal(rd, "\x00\x0a\x02mx\x01" "a\x00", 8);

	assert_int_equal(from_text(DNS_T_TXT, "ab \"\" \"c d\"", &rd, &rdlen,
	    &why), 0);
	assert_int_equal(rdlen, 8);
	assert_memory_equal(rd, "\x02" "ab\x00\x03" "c d", 8);

	assert_int_equal(from_text(DNS_T_CAA, "0 issue \"ca.test\"", &rd,
	    &rdlen, &why), 0);
	assert_int_equal(rdlen, 2 + 5 + 7);
	assert_memory_equal(rd, "\x00\x05issueca.test", 14);

	/* A TXT string of exactly 255 bytes; several such strings. */
	char big[1100];
	memset(big, 'x', 255);
	big[255] = ' ';
	memset(big + 256, 'y', 255);
	big[511] = '\0';
	assert_int_equal(from_text(DNS_T_TXT, big, &rd, &rdlen, &why), 0);
	assert_int_equal(rdlen, 512);

	/* A quoted token that kept its quotes is read the same. */
	struct dns_tok kept[] = { { "\"a b\"", 5, true } };
	struct dns_name o = origin();
	assert_int_equal(dns_rdata_from_text(DNS_T_TXT, kept, 1, &o, A, &rd,
	    &rdlen, &why), 0);
	assert_int_equal(rdlen, 4);
	assert_memory_equal(rd, "\x03" "a b", 4);
}

static void
test_text_refused(void **state)
{
	static const struct {
		uint16_t	 type;
		const char	*in;
		int		 err;
	} bad[] = {
		{ DNS_T_A, "300.1.1.1", -IK_EPARSE },
		{ DNS_T_A, "1.2.3", -IK_EPARSE },
		{ DNS_T_A, "1.2.3.4 5.6.7.8", -IK_EPARSE },
		{ DNS_T_A, "", -IK_EPARSE },
		{ DNS_T_AAAA, "192.0.2.1", -IK_EPARSE },
		{ DNS_T_MX, "10", -IK_EPARSE },
		{ DNS_T_MX, "65536 mx", -IK_EPARSE },
		{ DNS_T_MX, "x mx", -IK_EPARSE },
		{ DNS_T_NS, "a..b", -IK_EPARSE },
		{ DNS_T_SOA, "a b 1 2 3 4", -IK_EPARSE },
		{ DNS_T_SOA, "a b 1 2 3 4 1x", -IK_EPARSE },
		{ DNS_T_SOA, "a b 4294967296 2 3 4 5", -IK_EPARSE },
		{ DNS_T_TXT, "\"bad\\25\"", -IK_EPARSE },
		{ DNS_T_CAA, "0 is-sue \"x\"", -IK_EPARSE },
		{ DNS_T_CAA, "0 abcdefghijklmnop \"x\"", -IK_EPARSE },
		{ DNS_T_CAA, "256 issue \"x\"", -IK_EPARSE },
		{ DNS_T_HINFO, "\"PC\"", -IK_EPARSE },
		{ DNS_T_DS, "1 2 3", -IK_EPARSE },
		{ DNS_T_DS, "1 2 3 abc", -IK_EPARSE },
		{ DNS_T_DS, "1 2 3 zz", -IK_EPARSE },
		{ DNS_T_DNSKEY, "256 3 8 A=AA", -IK_EPARSE },
		{ DNS_T_DNSKEY, "256 3 8 AAA", -IK_EPARSE },
		{ DNS_T_RRSIG, "A 5 3 86400 20300101000000 20200101000000 "
		    "1 example. AAAA", -IK_EPARSE },
		{ DNS_T_SVCB, "1 . alpn=h2", -IK_EPARSE },
		{ 65534, "10.0.0.1", -IK_EPARSE },
		{ 65534, "\\#", -IK_EPARSE },
		{ 65534, "\\# 3 0a0000 01", -IK_EPARSE },
		{ 65534, "\\# 4 0a00000", -IK_EPARSE },
		{ 65534, "\\# x 00", -IK_EPARSE },
		{ 65534, "\\# 1 0g", -IK_EPARSE },
		{ DNS_T_A, "\\# 3 0a0000", -IK_EPARSE },
		{ DNS_T_NS, "\\# 2 c00c", -IK_EPARSE },	/* a pointer */
		{ DNS_T_TXT, "\\# 0", -IK_EPARSE },
		{ DNS_T_RRSIG, "\\# 2 0000", -IK_EPARSE },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const uint8_t *rd;
		uint16_t rdlen;
		const char *why = NULL;
		int err = from_text(bad[i].type, bad[i].in, &rd, &rdlen, &why);
		if (err != bad[i].err)
			fail_msg("%zu: %s: got %d", i, bad[i].in, err);
		assert_non_null(why);
	}

	/* Limits: a 256-byte TXT string; \# longer than RDATA can be. */
	char big[300];
	const uint8_t *rd;
	uint16_t rdlen;
	const char *why = NULL;
	memset(big, 'x', 256);
	big[256] = '\0';
	assert_int_equal(from_text(DNS_T_TXT, big, &rd, &rdlen, &why),
	    -IK_ELIMIT);
	assert_non_null(why);
	assert_int_equal(from_text(65534, "\\# 65536 00", &rd, &rdlen, &why),
	    -IK_EPARSE);
	/* A name longer than 255 once the origin is added. */
	memset(big, 'a', 250);
	big[250] = '\0';
	for (int i = 63; i < 250; i += 64)
		big[i] = '.';
	assert_int_equal(from_text(DNS_T_NS, big, &rd, &rdlen, &why),
	    -IK_ELIMIT);
}

/* A 12-byte header, then `body`, in buf; returns the length. */
static size_t
msg_with(uint8_t *buf, const void *body, size_t n)
{
	memset(buf, 0, 12);
	memcpy(buf + 12, body, n);
	return 12 + n;
}

static void
test_wire_layouts(void **state)
{
	uint8_t m[600];
	const uint8_t *rd;
	uint16_t rdlen;
	size_t len;

	(void)state;
	static const struct {
		uint16_t	 type;
		const char	*rdata;
		size_t		 n;
		int		 err;
	} t[] = {
		{ DNS_T_A, "\x01\x02\x03\x04", 4, 0 },
		{ DNS_T_A, "\x01\x02\x03", 3, -IK_EPARSE },
		{ DNS_T_A, "\x01\x02\x03\x04\x05", 5, -IK_EPARSE },
		{ DNS_T_AAAA, "0123456789abcdef", 16, 0 },
		{ DNS_T_AAAA, "0123456789abcde", 15, -IK_EPARSE },
		{ DNS_T_NS, "\x01" "a\x00", 3, 0 },
		{ DNS_T_NS, "\x01" "a\x00\x00", 4, -IK_EPARSE },
		{ DNS_T_NS, "\x01" "a", 2, -IK_EPARSE },
		{ DNS_T_NS, "", 0, -IK_EPARSE },
		{ DNS_T_MX, "\x00\x0a\x00", 3, 0 },
		{ DNS_T_MX, "\x00\x0a", 2, -IK_EPARSE },
		{ DNS_T_SOA, "\x00\x00" "12345678901234567890", 22, 0 },
		{ DNS_T_SOA, "\x00\x00" "1234567890123456789", 21, -IK_EPARSE },
		{ DNS_T_TXT, "\x00", 1, 0 },
		{ DNS_T_TXT, "\x02" "ab\x01" "c", 5, 0 },
		{ DNS_T_TXT, "\x02" "ab\x02" "c", 5, -IK_EPARSE },
		{ DNS_T_TXT, "", 0, -IK_EPARSE },
		{ DNS_T_HINFO, "\x01" "a\x01" "b", 4, 0 },
		{ DNS_T_HINFO, "\x01" "a", 2, -IK_EPARSE },
		{ DNS_T_HINFO, "\x01" "a\x01" "b\x00", 5, -IK_EPARSE },
		{ DNS_T_SRV, "\x00\x01\x00\x02\x00\x03\x00", 7, 0 },
		{ DNS_T_SRV, "\x00\x01\x00\x02\x00\x03", 6, -IK_EPARSE },
		{ DNS_T_CAA, "\x00\x05issueca", 9, 0 },
		{ DNS_T_CAA, "\x00\x05issue", 7, 0 },
		{ DNS_T_CAA, "\x00\x00", 2, -IK_EPARSE },
		{ DNS_T_CAA, "\x00\x10" "abcdefghijklmnop", 18, -IK_EPARSE },
		{ DNS_T_CAA, "\x00\x05iss-e", 7, -IK_EPARSE },
		{ DNS_T_CAA, "\x00\x05iss", 5, -IK_EPARSE },
		{ DNS_T_NAPTR, "\x00\x01\x00\x02\x00\x00\x00\x00", 8, 0 },
		{ DNS_T_NAPTR, "\x00\x01\x00\x02\x00\x00\x00", 7, -IK_EPARSE },
		{ DNS_T_DS, "\x00\x01\x02\x03\xff", 5, 0 },
		{ DNS_T_DS, "\x00\x01\x02\x03", 4, -IK_EPARSE },
		{ DNS_T_RRSIG, "0123456789abcdefgh\x00", 19, 0 },
		{ DNS_T_RRSIG, "0123456789abcdefgh", 18, -IK_EPARSE },
		{ DNS_T_SVCB, "\x00\x01", 2, -IK_EPARSE },
		{ DNS_T_SVCB, "\x00\x01\x00", 3, 0 },
		{ 65534, "", 0, 0 },
		{ 65534, "\xc0\x0c", 2, 0 },	/* opaque: not a pointer */
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		len = msg_with(m, t[i].rdata, t[i].n);
		int err = dns_rdata_parse(t[i].type, m, len, 12,
		    (uint16_t)t[i].n, A, &rd, &rdlen);
		if (err != t[i].err)
			fail_msg("%zu: type %u got %d", i, t[i].type, err);
		if (err == 0) {
			assert_int_equal(rdlen, t[i].n);
			assert_memory_equal(rd, t[i].rdata, t[i].n);
		}
	}
	/* RDATA past the end of the message. */
	len = msg_with(m, "\x01\x02\x03", 3);
	assert_int_equal(dns_rdata_parse(DNS_T_A, m, len, 12, 4, A, &rd,
	    &rdlen), -IK_ETRUNC);
}

static void
test_wire_decompression(void **state)
{
	/* example.test. at 12, then RDATA pieces pointing back at it. */
	static const uint8_t body[] = {
		7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 4, 't', 'e', 's', 't', 0,
		/* 26: NS ns1.<12> */
		3, 'n', 's', '1', 0xc0, 12,
		/* 32: SOA <26> hostmaster.<12> and five numbers */
		0xc0, 26, 10, 'h', 'o', 's', 't', 'm', 'a', 's', 't', 'e',
		'r', 0xc0, 12, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4,
		0, 0, 0, 5,
		/* 67: MX 10 <12> */
		0, 10, 0xc0, 12,
		/* 71: SRV 0 0 80 <26>: decompressed (RFC 3597 4) */
		0, 0, 0, 0, 0, 80, 0xc0, 26,
		/* 79: DNAME <12>: refused */
		0xc0, 12,
		/* 81: NS pointing to the RDATA's own start: refused */
		0xc0, 81,
		/* 83: PTR pointing forward: refused */
		0xc0, 90, 0, 0, 0, 0, 0, 1, 'x', 0,
	};
	uint8_t m[200];
	size_t len = msg_with(m, body, sizeof(body));
	const uint8_t *rd;
	uint16_t rdlen;
	char txt[512];

	(void)state;
	assert_int_equal(dns_rdata_parse(DNS_T_NS, m, len, 26, 6, A, &rd,
	    &rdlen), 0);
	assert_int_equal(rdlen, 18);
	assert_memory_equal(rd, "\x03ns1\x07" "example\x04test\x00", 18);

	assert_int_equal(dns_rdata_parse(DNS_T_SOA, m, len, 32, 35, A, &rd,
	    &rdlen), 0);
	assert_int_equal(dns_rdata_to_text(DNS_T_SOA, rd, rdlen, txt,
	    sizeof(txt)), 52);
	assert_string_equal(txt, "ns1.example.test. hostmaster.example.test."
	    " 1 2 3 4 5");
	/* Cut before its numbers end. */
	assert_int_equal(dns_rdata_parse(DNS_T_SOA, m, len, 32, 34, A, &rd,
	    &rdlen), -IK_EPARSE);

	assert_int_equal(dns_rdata_parse(DNS_T_MX, m, len, 67, 4, A, &rd,
	    &rdlen), 0);
	assert_int_equal(dns_rdata_to_text(DNS_T_MX, rd, rdlen, txt,
	    sizeof(txt)), 16);
	assert_string_equal(txt, "10 example.test.");

	assert_int_equal(dns_rdata_parse(DNS_T_SRV, m, len, 71, 8, A, &rd,
	    &rdlen), 0);
	assert_int_equal(rdlen, 6 + 18);
	assert_int_equal(dns_rdata_to_text(DNS_T_SRV, rd, rdlen, txt,
	    sizeof(txt)), 24);
	assert_string_equal(txt, "0 0 80 ns1.example.test.");

	assert_int_equal(dns_rdata_parse(DNS_T_DNAME, m, len, 79, 2, A, &rd,
	    &rdlen), -IK_EPARSE);
	assert_int_equal(dns_rdata_parse(DNS_T_NS, m, len, 81, 2, A, &rd,
	    &rdlen), -IK_EPARSE);
	assert_int_equal(dns_rdata_parse(DNS_T_PTR, m, len, 83, 2, A, &rd,
	    &rdlen), -IK_EPARSE);
	/* A pointer that reads past the RDATA's end. */
	assert_int_equal(dns_rdata_parse(DNS_T_NS, m, len, 26, 5, A, &rd,
	    &rdlen), -IK_EPARSE);
}

static void
test_to_text_edges(void **state)
{
	char buf[64];

	(void)state;
	/* A record that does not fit its type prints as \#. */
	assert_int_equal(dns_rdata_to_text(DNS_T_A, (const uint8_t *)"\x01\x02"
	    "\x03", 3, buf, sizeof(buf)), 11);
	assert_string_equal(buf, "\\# 3 010203");
	assert_int_equal(dns_rdata_to_text(DNS_T_MX, (const uint8_t *)"", 0,
	    buf, sizeof(buf)), 4);
	assert_string_equal(buf, "\\# 0");
	assert_int_equal(dns_rdata_to_text(DNS_T_NS, (const uint8_t *)"\xc0"
	    "\x0c", 2, buf, sizeof(buf)), 9);
	assert_string_equal(buf, "\\# 2 C00C");
	assert_int_equal(dns_rdata_to_text(DNS_T_OPT, (const uint8_t *)"\x00"
	    "\x0a\x00\x00", 4, buf, sizeof(buf)), 13);
	assert_string_equal(buf, "\\# 4 000A0000");

	/* Non-printables in strings. */
	assert_int_equal(dns_rdata_to_text(DNS_T_TXT, (const uint8_t *)"\x03"
	    "\x01\"\x7f", 4, buf, sizeof(buf)), 12);
	assert_string_equal(buf, "\"\\001\\\"\\127\"");

	/* Every cap short of the need is -IK_ETRUNC. */
	for (size_t cap = 0; cap <= 9; cap++)
		assert_int_equal(dns_rdata_to_text(DNS_T_A,
		    (const uint8_t *)"\xc0\x00\x02\x01", 4, buf, cap),
		    -IK_ETRUNC);
	assert_int_equal(dns_rdata_to_text(DNS_T_A,
	    (const uint8_t *)"\xc0\x00\x02\x01", 4, buf, 10), 9);
}

static void
test_rr_to_text(void **state)
{
	struct dns_rr rr = { .type = DNS_T_A, .class = DNS_C_IN, .ttl = 3600,
	    .rdlen = 4, .rdata = (const uint8_t *)"\xc0\x00\x02\x01" };
	const char *want = "www.example.test. 3600 IN A 192.0.2.1";
	char buf[128];

	(void)state;
	assert_int_equal(dns_name_from_text("www.example.test.", 17, NULL,
	    &rr.name), 0);
	assert_int_equal(dns_rr_to_text(&rr, buf, sizeof(buf)),
	    strlen(want));
	assert_string_equal(buf, want);
	for (size_t cap = 0; cap <= strlen(want); cap++)
		assert_int_equal(dns_rr_to_text(&rr, buf, cap), -IK_ETRUNC);
	assert_int_equal(dns_rr_to_text(&rr, buf, strlen(want) + 1),
	    strlen(want));

	rr.type = 65534;
	rr.class = 4;
	rr.ttl = 0;
	assert_true(dns_rr_to_text(&rr, buf, sizeof(buf)) > 0);
	assert_string_equal(buf,
	    "www.example.test. 0 CLASS4 TYPE65534 \\# 4 C0000201");
}

static void
test_targets(void **state)
{
	static const struct {
		uint16_t	 type;
		const char	*in, *target;
	} t[] = {
		{ DNS_T_NS, "ns1", "ns1.example.test." },
		{ DNS_T_CNAME, "x.example.net.", "x.example.net." },
		{ DNS_T_PTR, "host", "host.example.test." },
		{ DNS_T_DNAME, "example.net.", "example.net." },
		{ DNS_T_MX, "5 mx", "mx.example.test." },
		{ DNS_T_SRV, "1 2 3 sip", "sip.example.test." },
	};
	struct dns_name n;
	const uint8_t *rd;
	uint16_t rdlen;
	const char *why;
	char buf[DNS_NAME_TEXT_MAX + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(from_text(t[i].type, t[i].in, &rd, &rdlen,
		    &why), 0);
		assert_int_equal(dns_rdata_target(t[i].type, rd, rdlen, &n), 0);
		assert_true(dns_name_to_text(&n, buf, sizeof(buf)) > 0);
		assert_string_equal(buf, t[i].target);
	}
	assert_int_equal(from_text(DNS_T_A, "192.0.2.1", &rd, &rdlen, &why), 0);
	assert_int_equal(dns_rdata_target(DNS_T_A, rd, rdlen, &n),
	    -IK_ENOTFOUND);
	assert_int_equal(dns_rdata_target(DNS_T_SOA, rd, rdlen, &n),
	    -IK_ENOTFOUND);
	assert_int_equal(dns_rdata_target(65534, rd, rdlen, &n),
	    -IK_ENOTFOUND);
	/* Broken RDATA of a target type. */
	assert_int_equal(dns_rdata_target(DNS_T_MX, (const uint8_t *)"\x00",
	    1, &n), -IK_EPARSE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type_table),
		cmocka_unit_test(test_text_round_trips),
		cmocka_unit_test(test_text_wire_bytes),
		cmocka_unit_test(test_text_refused),
		cmocka_unit_test(test_wire_layouts),
		cmocka_unit_test(test_wire_decompression),
		cmocka_unit_test(test_to_text_edges),
		cmocka_unit_test(test_rr_to_text),
		cmocka_unit_test(test_targets),
	};

	return cmocka_run_group_tests_name("dns_rr", tests, setup, teardown);
}
