/* tests/unit/dns/test_name.c - domain names: wire parse with compression
 * (RFC 1035 4.1.4 example, loops, forward and header pointers, limits,
 * every cut), text in and out with escapes, comparison and canonical
 * order (RFC 4034 6.1), and the helpers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/err.h"
#include "dns/name.h"

/* Parses text that must be good. */
static struct dns_name
N(const char *s)
{
	struct dns_name n;

	assert_int_equal(dns_name_from_text(s, strlen(s), NULL, &n), 0);
	return n;
}

static void
assert_name_text(const struct dns_name *n, const char *want)
{
	char buf[DNS_NAME_TEXT_MAX + 1];

	assert_true(dns_name_to_text(n, buf, sizeof(buf)) >= 0);
	assert_string_equal(buf, want);
}

/* RFC 1035 4.1.4: F.ISI.ARPA at 20, FOO.F.ISI.ARPA at 40 pointing to
 * it, ARPA at 64 as a pointer to 26, the root at 92. */
static void
test_parse_rfc1035_example(void **state)
{
	uint8_t m[100] = { 0 };
	static const uint8_t fisi[] = { 1, 'F', 3, 'I', 'S', 'I', 4, 'A',
	    'R', 'P', 'A', 0 };
	static const uint8_t foo[] = { 3, 'F', 'O', 'O', 0xc0, 20 };
	static const uint8_t arpa[] = { 0xc0, 26 };
	struct dns_name n;
	size_t off;

	(void)state;
	memcpy(m + 20, fisi, sizeof(fisi));
	memcpy(m + 40, foo, sizeof(foo));
	memcpy(m + 64, arpa, sizeof(arpa));
	off = 20;
	assert_int_equal(dns_name_parse(m, sizeof(m), &off, &n), 0);
	assert_int_equal(off, 32);
	assert_name_text(&n, "F.ISI.ARPA.");
	assert_int_equal(n.n_labels, 3);
	assert_int_equal(n.len, 12);
	off = 40;
	assert_int_equal(dns_name_parse(m, sizeof(m), &off, &n), 0);
	assert_int_equal(off, 46);
	assert_name_text(&n, "FOO.F.ISI.ARPA.");
	assert_int_equal(n.n_labels, 4);
	off = 64;
	assert_int_equal(dns_name_parse(m, sizeof(m), &off, &n), 0);
	assert_int_equal(off, 66);
	assert_name_text(&n, "ARPA.");
	off = 92;
	assert_int_equal(dns_name_parse(m, sizeof(m), &off, &n), 0);
	assert_int_equal(off, 93);
	assert_true(dns_name_is_root(&n));
	assert_name_text(&n, ".");
}

static void
test_parse_pointer_rules(void **state)
{
	struct dns_name n;
	size_t off;

	(void)state;
	/* A pointer to itself. */
	uint8_t self[14] = { [12] = 0xc0, [13] = 12 };
	off = 12;
	assert_int_equal(dns_name_parse(self, sizeof(self), &off, &n),
	    -IK_EPARSE);

	/* Two pointers in a cycle: 12 -> 16 -> 12. */
	uint8_t cyc[20] = { [12] = 1, 'a', 0xc0, 16, 1, 'b', 0xc0, 12 };
	off = 12;		/* 12 points forward */
	assert_int_equal(dns_name_parse(cyc, sizeof(cyc), &off, &n),
	    -IK_EPARSE);
	off = 16;		/* back to 12, then forward to 16 */
	assert_int_equal(dns_name_parse(cyc, sizeof(cyc), &off, &n),
	    -IK_EPARSE);

	/* A forward pointer to a good name. */
	uint8_t fwd[40] = { [12] = 0xc0, 32, [32] = 1, 'x', 0 };
	off = 12;
	assert_int_equal(dns_name_parse(fwd, sizeof(fwd), &off, &n),
	    -IK_EPARSE);
	off = 32;
	assert_int_equal(dns_name_parse(fwd, sizeof(fwd), &off, &n), 0);

	/* Into the header: bytes 2..5 there would read as "\000" and
	 * the root, a name but not one a message can hold. */
	uint8_t hdr[24] = { 0, 0, 1, 'a', 0, [20] = 0xc0, 2 };
	off = 20;
	assert_int_equal(dns_name_parse(hdr, sizeof(hdr), &off, &n),
	    -IK_EPARSE);

	/* A pointer that goes back, then jumps to a point after the first
	 * target's start but before the name: still refused, since each
	 * jump must land before where the run it leaves began. */
	uint8_t zig[40] = { [12] = 1, 'a', 0, [16] = 1, 'b', 0xc0, 14,
	    [24] = 1, 'c', 0xc0, 16 };
	off = 24;		/* c -> 16 (b) -> 14 (root): fine */
	assert_int_equal(dns_name_parse(zig, sizeof(zig), &off, &n), 0);
	assert_name_text(&n, "c.b.");
	zig[19] = 17;		/* b -> 17: after 16, where b began */
	off = 24;
	assert_int_equal(dns_name_parse(zig, sizeof(zig), &off, &n),
	    -IK_EPARSE);

	/* Label types 01 and 10. */
	uint8_t ext[16] = { [12] = 0x41, 'a', 0 };
	off = 12;
	assert_int_equal(dns_name_parse(ext, sizeof(ext), &off, &n),
	    -IK_EPARSE);
	ext[12] = 0x81;
	off = 12;
	assert_int_equal(dns_name_parse(ext, sizeof(ext), &off, &n),
	    -IK_EPARSE);

	/* A pointer whose second byte is missing. */
	uint8_t half[13] = { [12] = 0xc0 };
	off = 12;
	assert_int_equal(dns_name_parse(half, sizeof(half), &off, &n),
	    -IK_ETRUNC);
}

/* A wire name of labels with the given lengths, at buf[at]. */
static size_t
put_labels(uint8_t *buf, size_t at, const unsigned *lens, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		buf[at++] = (uint8_t)lens[i];
		memset(buf + at, 'a' + (int)i, lens[i]);
		at += lens[i];
	}
	buf[at++] = 0;
	return at;
}

static void
test_parse_limits(void **state)
{
	uint8_t m[600] = { 0 };
	struct dns_name n;
	size_t off, end;

	(void)state;
	/* 64 as a length byte is 0x40, label type 01. */
	static const unsigned l64[] = { 64 };
	put_labels(m, 12, l64, 1);
	off = 12;
	assert_int_equal(dns_name_parse(m, sizeof(m), &off, &n), -IK_EPARSE);

	static const unsigned l63[] = { 63 };
	end = put_labels(m, 12, l63, 1);
	off = 12;
	assert_int_equal(dns_name_parse(m, sizeof(m), &off, &n), 0);
	assert_int_equal(off, end);

	/* Exactly 255: 64 * 3 + 62 + 1. */
	static const unsigned l255[] = { 63, 63, 63, 61 };
	end = put_labels(m, 12, l255, 4);
	assert_int_equal(end - 12, 255);
	off = 12;
	assert_int_equal(dns_name_parse(m, sizeof(m), &off, &n), 0);
	assert_int_equal(n.len, 255);
	assert_int_equal(n.n_labels, 4);

	static const unsigned l256[] = { 63, 63, 63, 62 };
	end = put_labels(m, 12, l256, 4);
	assert_int_equal(end - 12, 256);
	off = 12;
	assert_int_equal(dns_name_parse(m, sizeof(m), &off, &n), -IK_EPARSE);

	/* Over 255 only once a pointer is followed: 192 + 63 + 1 + 1. */
	memset(m, 0, sizeof(m));
	static const unsigned l3[] = { 63, 63, 63 };
	end = put_labels(m, 12, l3, 3);		/* 193 bytes at 12 */
	m[end] = 62;
	memset(m + end + 1, 'z', 62);
	m[end + 63] = 0xc0;
	m[end + 64] = 12;
	off = end;
	assert_int_equal(dns_name_parse(m, sizeof(m), &off, &n), -IK_EPARSE);
	m[end] = 61;				/* 255 in all: fine */
	m[end + 62] = 0xc0;
	m[end + 63] = 12;
	off = end;
	assert_int_equal(dns_name_parse(m, sizeof(m), &off, &n), 0);
	assert_int_equal(n.len, 255);
	assert_int_equal(off, end + 64);
}

static void
test_parse_every_cut(void **state)
{
	static const uint8_t m[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0,
	    4, 'm', 'a', 'i', 'l', 0xc0, 16 };
	struct dns_name n;

	(void)state;
	for (size_t cut = 0; cut < sizeof(m); cut++) {
		size_t off = 25;
		int err = dns_name_parse(m, cut, &off, &n);
		if (cut < sizeof(m))
			assert_int_equal(err, -IK_ETRUNC);
		off = 12;
		err = dns_name_parse(m, cut, &off, &n);
		assert_int_equal(err, cut >= 25 ? 0 : -IK_ETRUNC);
	}
	size_t off = 25;
	assert_int_equal(dns_name_parse(m, sizeof(m), &off, &n), 0);
	assert_name_text(&n, "mail.example.");
}

static void
test_text_in(void **state)
{
	struct dns_name n, origin = N("example.test.");

	(void)state;
	assert_int_equal(dns_name_from_text("www", 3, &origin, &n), 0);
	assert_name_text(&n, "www.example.test.");
	assert_int_equal(n.n_labels, 3);
	assert_int_equal(dns_name_from_text("@", 1, &origin, &n), 0);
	assert_true(dns_name_equal(&n, &origin));
	assert_int_equal(dns_name_from_text(".", 1, &origin, &n), 0);
	assert_true(dns_name_is_root(&n));
	assert_int_equal(n.len, 1);
	assert_int_equal(dns_name_from_text("a.b.", 4, &origin, &n), 0);
	assert_name_text(&n, "a.b.");
	/* Not NUL-terminated: only `len` bytes count. */
	assert_int_equal(dns_name_from_text("ab.cd.XYZ", 6, NULL, &n), 0);
	assert_name_text(&n, "ab.cd.");

	/* Escapes: \. is a dot inside a label, \DDD a decimal byte. */
	const char *esc = "a\\.b.c\\\\d.\\065\\000\\255.";
	assert_int_equal(dns_name_from_text(esc, strlen(esc), NULL, &n), 0);
	assert_int_equal(n.n_labels, 3);
	assert_int_equal(n.wire[0], 3);
	assert_memory_equal(n.wire + 1, "a.b", 3);
	assert_memory_equal(n.wire + 5, "c\\d", 3);
	assert_int_equal(n.wire[8], 3);
	assert_int_equal(n.wire[9], 'A');
	assert_int_equal(n.wire[10], 0);
	assert_int_equal(n.wire[11], 255);
	assert_name_text(&n, "a\\.b.c\\\\d.A\\000\\255.");

	static const struct {
		const char *s;
		int err;
	} bad[] = {
		{ "", -IK_EPARSE }, { "a..b.", -IK_EPARSE },
		{ ".a.", -IK_EPARSE }, { "..", -IK_EPARSE },
		{ "a\\", -IK_EPARSE }, { "a\\25.", -IK_EPARSE },
		{ "a\\256.", -IK_EPARSE }, { "a\\2x5.", -IK_EPARSE },
		{ "www", -IK_EPARSE },	/* relative, no origin */
		{ "@", -IK_EPARSE },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(dns_name_from_text(bad[i].s, strlen(bad[i].s),
		    NULL, &n), bad[i].err);
}

static void
test_text_limits(void **state)
{
	char s[400];
	struct dns_name n, origin = N("example.test.");

	(void)state;
	memset(s, 'a', 63);
	memcpy(s + 63, ".", 2);
	assert_int_equal(dns_name_from_text(s, 64, NULL, &n), 0);
	memset(s, 'a', 64);
	memcpy(s + 64, ".", 2);
	assert_int_equal(dns_name_from_text(s, 65, NULL, &n), -IK_ELIMIT);

	/* Labels 63 63 63 61: 255 bytes of wire. */
	size_t p = 0;
	static const unsigned lens[] = { 63, 63, 63, 61 };
	for (size_t i = 0; i < 4; i++) {
		memset(s + p, 'b', lens[i]);
		p += lens[i];
		s[p++] = '.';
	}
	assert_int_equal(dns_name_from_text(s, p, NULL, &n), 0);
	assert_int_equal(n.len, 255);
	/* Relative (no final dot), pushed over the limit by the origin. */
	assert_int_equal(dns_name_from_text(s, p - 1, &origin, &n),
	    -IK_ELIMIT);
	/* One more byte in the last label: 256. */
	s[p - 1] = 'b';
	s[p] = '.';
	assert_int_equal(dns_name_from_text(s, p + 1, NULL, &n), -IK_ELIMIT);
	/* \DDD counts once. */
	assert_int_equal(dns_name_from_text("\\097\\098.", 9, NULL, &n), 0);
	assert_int_equal(n.len, 4);
}

static void
test_text_out(void **state)
{
	struct dns_name n;
	char buf[DNS_NAME_TEXT_MAX + 1];
	static const uint8_t wire[] = { 11, '.', '\\', '"', ';', '(', ')',
	    '@', '$', ' ', 0x7f, 'A', 2, '*', '-', 0 };

	(void)state;
	memcpy(n.wire, wire, sizeof(wire));
	n.len = sizeof(wire);
	n.n_labels = 2;
	/* Space as \032, like dig: the text stays one token anywhere. */
	assert_name_text(&n, "\\.\\\\\\\"\\;\\(\\)\\@\\$\\032\\127A.*-.");

	/* Text back to the same wire. */
	struct dns_name m;
	int len = dns_name_to_text(&n, buf, sizeof(buf));
	assert_int_equal(dns_name_from_text(buf, (size_t)len, NULL, &m), 0);
	assert_int_equal(m.len, n.len);
	assert_memory_equal(m.wire, n.wire, n.len);

	/* Every cap below the need is -IK_ETRUNC; need + 1 fits the NUL. */
	for (int cap = 0; cap <= len; cap++)
		assert_int_equal(dns_name_to_text(&n, buf, (size_t)cap),
		    -IK_ETRUNC);
	assert_int_equal(dns_name_to_text(&n, buf, (size_t)len + 1), len);

	/* The worst case fits DNS_NAME_TEXT_MAX. */
	memset(n.wire, 0, sizeof(n.wire));
	static const unsigned lens[] = { 63, 63, 63, 61 };
	size_t p = 0;
	for (size_t i = 0; i < 4; i++) {
		n.wire[p++] = (uint8_t)lens[i];
		memset(n.wire + p, 0xff, lens[i]);
		p += lens[i];
	}
	n.wire[p++] = 0;
	n.len = (uint8_t)p;
	n.n_labels = 4;
	len = dns_name_to_text(&n, buf, sizeof(buf));
	assert_int_equal(len, 250 * 4 + 4);
	assert_int_equal(dns_name_from_text(buf, (size_t)len, NULL, &m), 0);
	assert_memory_equal(m.wire, n.wire, n.len);
}

static void
test_equal_and_hash(void **state)
{
	struct dns_name a = N("WWW.Example.TEST."), b = N("www.example.test.");
	struct dns_name c = N("www.example.tesu."), d = N("www.example.");

	(void)state;
	assert_true(dns_name_equal(&a, &b));
	assert_false(dns_name_equal(&a, &c));
	assert_false(dns_name_equal(&a, &d));
	assert_int_equal(dns_name_hash(&a), dns_name_hash(&b));
	assert_int_not_equal(dns_name_hash(&a), dns_name_hash(&c));
	assert_int_equal(dns_name_cmp(&a, &b), 0);
	/* Only ASCII letters fold (RFC 4343 3). */
	struct dns_name e = N("\\196.test."), f = N("\\228.test.");
	assert_false(dns_name_equal(&e, &f));
	dns_name_lower(&a);
	assert_memory_equal(a.wire, b.wire, b.len);
}

/* RFC 4034 6.1, the example list in canonical order. */
static void
test_canonical_order(void **state)
{
	static const char *const order[] = {
		"example.", "a.example.", "yljkjljk.a.example.",
		"Z.a.example.", "zABC.a.EXAMPLE.", "z.example.",
		"\\001.z.example.", "*.z.example.", "\\200.z.example.",
	};
	const size_t n = sizeof(order) / sizeof(order[0]);

	(void)state;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			struct dns_name a = N(order[i]), b = N(order[j]);
			int c = dns_name_cmp(&a, &b);
			if (i < j)
				assert_true(c < 0);
			else if (i > j)
				assert_true(c > 0);
			else
				assert_int_equal(c, 0);
		}
	struct dns_name root, x = N("example.");
	dns_name_root(&root);
	assert_true(dns_name_cmp(&root, &x) < 0);
	assert_true(dns_name_cmp(&x, &root) > 0);
}

static void
test_sub_strip_concat(void **state)
{
	struct dns_name www = N("www.Example.test."), zone = N("example.TEST.");
	struct dns_name other = N("wwwexample.test."), root, out;

	(void)state;
	dns_name_root(&root);
	assert_true(dns_name_is_sub(&www, &zone));
	assert_true(dns_name_is_sub(&zone, &zone));
	assert_true(dns_name_is_sub(&www, &root));
	assert_false(dns_name_is_sub(&zone, &www));
	assert_false(dns_name_is_sub(&other, &zone));

	dns_name_strip(&www, 1, &out);
	assert_name_text(&out, "Example.test.");
	assert_int_equal(out.n_labels, 2);
	dns_name_strip(&www, 3, &out);
	assert_true(dns_name_is_root(&out));
	assert_int_equal(out.len, 1);
	out = www;
	dns_name_strip(&out, 2, &out);		/* in place */
	assert_name_text(&out, "test.");

	assert_int_equal(dns_name_label_off(&www, 0), 0);
	assert_int_equal(dns_name_label_off(&www, 1), 4);
	assert_int_equal(dns_name_label_off(&www, 2), 12);
	assert_int_equal(dns_name_label_off(&www, 3), 17);
	assert_int_equal(www.wire[17], 0);

	static const uint8_t pre[] = { 1, '*', 3, 'f', 'o', 'o' };
	assert_int_equal(dns_name_concat(pre, sizeof(pre), &zone, &out), 0);
	assert_name_text(&out, "*.foo.example.TEST.");
	assert_int_equal(out.n_labels, 4);
	assert_true(dns_name_is_wildcard(&out));
	assert_false(dns_name_is_wildcard(&www));
	assert_false(dns_name_is_wildcard(&root));
	struct dns_name star = N("\\*.x.");	/* escaped, still a '*' byte */
	assert_true(dns_name_is_wildcard(&star));
	struct dns_name starx = N("*x.y.");
	assert_false(dns_name_is_wildcard(&starx));

	assert_int_equal(dns_name_concat(pre, 0, &zone, &out), 0);
	assert_true(dns_name_equal(&out, &zone));
	uint8_t big[250];
	memset(big, 'q', sizeof(big));
	big[0] = 63;
	big[64] = 63;
	big[128] = 63;
	big[192] = 57;
	assert_int_equal(dns_name_concat(big, 250, &root, &out), 0);
	assert_int_equal(out.len, 251);
	assert_int_equal(dns_name_concat(big, 250, &zone, &out), -IK_ELIMIT);
	static const uint8_t badpre[] = { 5, 'a' };
	assert_int_equal(dns_name_concat(badpre, 2, &zone, &out), -IK_EPARSE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_rfc1035_example),
		cmocka_unit_test(test_parse_pointer_rules),
		cmocka_unit_test(test_parse_limits),
		cmocka_unit_test(test_parse_every_cut),
		cmocka_unit_test(test_text_in),
		cmocka_unit_test(test_text_limits),
		cmocka_unit_test(test_text_out),
		cmocka_unit_test(test_equal_and_hash),
		cmocka_unit_test(test_canonical_order),
		cmocka_unit_test(test_sub_strip_concat),
	};

	return cmocka_run_group_tests_name("dns_name", tests, NULL, NULL);
}
