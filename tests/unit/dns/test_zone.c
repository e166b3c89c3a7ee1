/* tests/unit/dns/test_zone.c - RFC 1035 master files: a realistic zone,
 * BIND's example file, directives and $INCLUDE (temporary files in a
 * mkdtemp directory), the TTL and owner defaults, the lexer's corners,
 * error reports with their line numbers and recovery, dns_ttl_from_text.
 * Records are checked as "owner ttl TYPE rdata" text. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cfg.h"
#include "core/err.h"
#include "dns/name.h"
#include "dns/rr.h"
#include "dns/zone.h"

#define GOT_MAX		128

/* What the callback saw, and the errors. */
struct got {
	char		*rr[GOT_MAX];
	size_t		 n;
	int		 fail_at;	/* refuse the Nth record (1-based) */
	struct cfg_errs	 errs;
};

static int
collect(void *arg, const struct dns_rr *rr)
{
	struct got *g = arg;
	char name[DNS_NAME_TEXT_MAX], rd[8192], type[16], *line;

	/* Everything the callback gets is absolute: ends in the root. */
	assert_true(rr->name.len >= 1);
	assert_int_equal(rr->name.wire[rr->name.len - 1], 0);
	assert_int_equal(rr->class, DNS_C_IN);
	assert_true(dns_name_to_text(&rr->name, name, sizeof(name)) > 0);
	assert_true(dns_rdata_to_text(rr->type, rr->rdata, rr->rdlen, rd,
	    sizeof(rd)) >= 0);
	assert_true(asprintf(&line, "%s %u %s %s", name, rr->ttl,
	    dns_type_name(rr->type, type, sizeof(type)), rd) > 0);
	assert_true(g->n < GOT_MAX);
	g->rr[g->n++] = line;
	if (g->fail_at > 0 && (size_t)g->fail_at == g->n)
		return -IK_ELIMIT;
	return 0;
}

static void
got_clear(struct got *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->rr[i]);
	cfg_errs_clear(&g->errs);
	memset(g, 0, sizeof(*g));
}

static void
origin_of(const char *s, struct dns_name *n)
{
	assert_int_equal(dns_name_from_text(s, strlen(s), NULL, n), 0);
}

static int
parse_text(const char *text, const char *origin, struct got *g)
{
	struct dns_name o;
	struct zone_parse p = { .origin = origin != NULL ? &o : NULL,
	    .add = collect, .arg = g, .errs = &g->errs, .max_errors = 100 };

	if (origin != NULL)
		origin_of(origin, &o);
	return dns_zone_parse_text(text, strlen(text), "t.zone", &p);
}

static int
parse_file(const char *path, const char *origin, bool beneath,
    struct got *g)
{
	struct dns_name o;
	struct zone_parse p = { .origin = &o, .add = collect, .arg = g,
	    .errs = &g->errs, .max_errors = 100, .include_beneath = beneath };

	origin_of(origin, &o);
	return dns_zone_parse_file(path, &p);
}

/* Fails with the whole list, so a mismatch shows what came instead. */
static void
expect_rrs(const struct got *g, const char *const *want, size_t n)
{
	bool ok = g->n == n;

	for (size_t i = 0; ok && i < n; i++)
		ok = strcmp(g->rr[i], want[i]) == 0;
	if (ok)
		return;
	for (size_t i = 0; i < g->n || i < n; i++)
		print_error("%2zu got  %s\n   want %s\n", i,
		    i < g->n ? g->rr[i] : "-", i < n ? want[i] : "-");
	for (size_t i = 0; i < g->errs.n; i++)
		print_error("err %s\n", g->errs.msg[i]);
	fail();
}

static void
expect_errs(const struct got *g, const char *const *want, size_t n)
{
	bool ok = g->errs.n == n;

	for (size_t i = 0; ok && i < n; i++)
		ok = strcmp(g->errs.msg[i], want[i]) == 0;
	if (ok)
		return;
	for (size_t i = 0; i < g->errs.n || i < n; i++)
		print_error("%2zu got  %s\n   want %s\n", i,
		    i < g->errs.n ? g->errs.msg[i] : "-",
		    i < n ? want[i] : "-");
	fail();
}

#define EXPECT_RRS(g, ...) do {						\
	static const char *const w_[] = { __VA_ARGS__ };		\
	expect_rrs((g), w_, sizeof(w_) / sizeof(w_[0]));		\
} while (0)
#define EXPECT_ERRS(g, ...) do {					\
	static const char *const w_[] = { __VA_ARGS__ };		\
	expect_errs((g), w_, sizeof(w_) / sizeof(w_[0]));		\
} while (0)

/* Temporary directory for files. */
struct tmp {
	char	 dir[PATH_MAX];
	char	*made[32];
	size_t	 n_made;
};

static void
tmp_init(struct tmp *t)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->dir, sizeof(t->dir), "%s/ikzoneXXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(t->dir));
}

static char *
tmp_path(struct tmp *t, const char *rel)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", t->dir, rel) > 0);
	assert_true(t->n_made < 32);
	t->made[t->n_made++] = p;
	return p;
}

static const char *
tmp_put(struct tmp *t, const char *rel, const char *text)
{
	char *p = tmp_path(t, rel);
	FILE *fp = fopen(p, "w");

	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
	return p;
}

static void
tmp_mkdir(struct tmp *t, const char *rel)
{
	assert_int_equal(mkdir(tmp_path(t, rel), 0700), 0);
}

/* Removes in reverse order of creation: files before their directory. */
static void
tmp_clear(struct tmp *t)
{
	while (t->n_made > 0) {
		char *p = t->made[--t->n_made];
		if (unlink(p) < 0)
			rmdir(p);
		free(p);
	}
	assert_int_equal(rmdir(t->dir), 0);
}

/* A zone as a small site writes one. */
static const char realistic[] =
    "; example.test - the site's zone\n"
    "$TTL 1h\n"
    "$ORIGIN example.test.\n"
    "@\tIN\tSOA\tns1.example.test. hostmaster.example.test. (\n"
    "\t\t\t2024010101\t; serial\n"
    "\t\t\t3h\t\t; refresh\n"
    "\t\t\t15m\t\t; retry ( not a paren\n"
    "\t\t\t1w\t\t; expire\n"
    "\t\t\t1d )\t\t; minimum \"not a quote\n"
    "\t\tNS\tns1\n"
    "\t\tNS\tns2.example.net.\n"
    "\t\tMX\t10 mail\n"
    "\t\tTXT\t\"v=spf1 mx -all\"\n"
    "ns1\t\tA\t192.0.2.1\n"
    "\t\tAAAA\t2001:db8::1\n"
    "mail\t300\tA\t192.0.2.2\n"
    "www\t\tA\t192.0.2.3\n"
    "ftp\t\tCNAME\twww\n"
    "txt\t\tTXT\t\"first string\" \"say \\\"hi\\\"; ok\" "
    "\"\\065\\066C\" plain\n"
    "_ftp._tcp\tSRV\t0 5 21 www\n"
    "@\t\tCAA\t0 issue \"ca.example.net\"\n"
    "*.dyn\t\tA\t192.0.2.10\n"
    "sub\t\tNS\tns.sub\n"
    "ns.sub\t\tA\t192.0.2.53\n"
    "opaque\t\tTYPE65534 \\# 4 0a000001\n";

static void
test_realistic_zone(void **state)
{
	struct got g = { 0 };
	(void)state;

	assert_int_equal(parse_text(realistic, "example.test.", &g), 0);
	EXPECT_RRS(&g,
	    "example.test. 3600 SOA ns1.example.test. hostmaster.example.test."
	    " 2024010101 10800 900 604800 86400",
	    "example.test. 3600 NS ns1.example.test.",
	    "example.test. 3600 NS ns2.example.net.",
	    "example.test. 3600 MX 10 mail.example.test.",
	    "example.test. 3600 TXT \"v=spf1 mx -all\"",
	    "ns1.example.test. 3600 A 192.0.2.1",
	    "ns1.example.test. 3600 AAAA 2001:db8::1",
	    "mail.example.test. 300 A 192.0.2.2",
	    "www.example.test. 3600 A 192.0.2.3",
	    "ftp.example.test. 3600 CNAME www.example.test.",
	    "txt.example.test. 3600 TXT \"first string\" "
	    "\"say \\\"hi\\\"; ok\" \"ABC\" \"plain\"",
	    "_ftp._tcp.example.test. 3600 SRV 0 5 21 www.example.test.",
	    "example.test. 3600 CAA 0 issue \"ca.example.net\"",
	    "*.dyn.example.test. 3600 A 192.0.2.10",
	    "sub.example.test. 3600 NS ns.sub.example.test.",
	    "ns.sub.example.test. 3600 A 192.0.2.53",
	    "opaque.example.test. 3600 TYPE65534 \\# 4 0A000001");
	EXPECT_ERRS(&g);
	got_clear(&g);
}

/* In the style of BIND's ARM example (db.example) and NSD's tests: a
 * file both accept. Class before TTL, TTL before class, no $TTL but an
 * explicit SOA TTL, names with uppercase, a trailing comment without a
 * blank, "IN" on blank-owner lines. */
static const char bind_style[] =
    "$ORIGIN .\n"
    "$TTL 86400\t; 1 day\n"
    "example.com\t\tIN SOA\tdns1.example.com. hostmaster.example.com. (\n"
    "\t\t\t\t2001062501 ; serial\n"
    "\t\t\t\t21600      ; refresh after 6 hours\n"
    "\t\t\t\t3600       ; retry after 1 hour\n"
    "\t\t\t\t604800     ; expire after 1 week\n"
    "\t\t\t\t86400 )    ; minimum TTL of 1 day\n"
    "\t\t\tNS\tdns1.example.com.\n"
    "\t\t\tNS\tdns2.example.com.\n"
    "\t\t\tMX\t10 mail.example.com.\n"
    "\t\t\tMX\t20 mail2.example.com.\n"
    "$ORIGIN example.com.\n"
    "dns1\t\t\tA\t10.0.1.1\n"
    "\t\t\tAAAA\taaaa:bbbb::1\n"
    "dns2\t\t\tIN A\t10.0.1.2\n"
    "\t\t\tIN AAAA\taaaa:bbbb::2\n"
    "server1\t\t3600 IN\tA\t10.0.1.5\n"
    "server2\t\tIN 3600\tA\t10.0.1.6\n"
    "ftp\t\t\tIN A\t10.0.1.3\n"
    "\t\t\tIN A\t10.0.1.4\n"
    "mail\t\t\tIN CNAME\tserver1\n"
    "mail2\t\t\tIN CNAME\tserver2\n"
    "WWW\t\t\tIN CNAME\tserver1;no blank before the comment\n";

static void
test_bind_style_file(void **state)
{
	struct got g = { 0 };
	(void)state;

	assert_int_equal(parse_text(bind_style, NULL, &g), 0);
	EXPECT_RRS(&g,
	    "example.com. 86400 SOA dns1.example.com. hostmaster.example.com."
	    " 2001062501 21600 3600 604800 86400",
	    "example.com. 86400 NS dns1.example.com.",
	    "example.com. 86400 NS dns2.example.com.",
	    "example.com. 86400 MX 10 mail.example.com.",
	    "example.com. 86400 MX 20 mail2.example.com.",
	    "dns1.example.com. 86400 A 10.0.1.1",
	    "dns1.example.com. 86400 AAAA aaaa:bbbb::1",
	    "dns2.example.com. 86400 A 10.0.1.2",
	    "dns2.example.com. 86400 AAAA aaaa:bbbb::2",
	    "server1.example.com. 3600 A 10.0.1.5",
	    "server2.example.com. 3600 A 10.0.1.6",
	    "ftp.example.com. 86400 A 10.0.1.3",
	    "ftp.example.com. 86400 A 10.0.1.4",
	    "mail.example.com. 86400 CNAME server1.example.com.",
	    "mail2.example.com. 86400 CNAME server2.example.com.",
	    "WWW.example.com. 86400 CNAME server1.example.com.");
	got_clear(&g);
}

static void
test_origin_changes(void **state)
{
	struct got g = { 0 };
	(void)state;

	assert_int_equal(parse_text(
	    "$TTL 60\n"
	    "a A 192.0.2.1\n"
	    "$ORIGIN sub\n"			/* sub.example.test. */
	    "b CNAME a\n"
	    "@ MX 5 b\n"
	    "$ORIGIN deeper.sub.example.test.\n"	/* absolute */
	    "c NS c\n"
	    "d.other.test. A 192.0.2.2\n"		/* absolute owner */
	    "$origin .\n"				/* any case */
	    "e.test A 192.0.2.3\n",
	    "example.test.", &g), 0);
	EXPECT_RRS(&g,
	    "a.example.test. 60 A 192.0.2.1",
	    "b.sub.example.test. 60 CNAME a.sub.example.test.",
	    "sub.example.test. 60 MX 5 b.sub.example.test.",
	    "c.deeper.sub.example.test. 60 NS c.deeper.sub.example.test.",
	    "d.other.test. 60 A 192.0.2.2",
	    "e.test. 60 A 192.0.2.3");
	got_clear(&g);
}

static void
test_no_origin(void **state)
{
	struct got g = { 0 };
	(void)state;

	assert_int_equal(parse_text(
	    "$TTL 60\n"
	    "a A 192.0.2.1\n"
	    "@ A 192.0.2.1\n"
	    "b.test. A 192.0.2.2\n",
	    NULL, &g), -IK_EPARSE);
	EXPECT_RRS(&g, "b.test. 60 A 192.0.2.2");
	EXPECT_ERRS(&g,
	    "t.zone:2: bad owner name 'a' (relative names need an $ORIGIN)",
	    "t.zone:3: bad owner name '@' (relative names need an $ORIGIN)");
	got_clear(&g);
}

static void
test_dollar_ttl(void **state)
{
	struct got g = { 0 };
	(void)state;

	assert_int_equal(parse_text(
	    "$TTL 1d\n"
	    "a A 192.0.2.1\n"
	    "b 5m A 192.0.2.2\n"
	    "c A 192.0.2.3\n"		/* $TTL, not the previous 5m */
	    "$ttl 1h30m\n"
	    "d A 192.0.2.4\n",
	    "example.test.", &g), 0);
	EXPECT_RRS(&g,
	    "a.example.test. 86400 A 192.0.2.1",
	    "b.example.test. 300 A 192.0.2.2",
	    "c.example.test. 86400 A 192.0.2.3",
	    "d.example.test. 5400 A 192.0.2.4");
	got_clear(&g);
}

/* Without $TTL: the last TTL (RFC 1035 5.1); an SOA that comes first
 * without a TTL takes its minimum (BIND). */
static void
test_ttl_defaults(void **state)
{
	struct got g = { 0 };
	(void)state;

	assert_int_equal(parse_text(
	    "@ SOA ns hm 1 2 3 4 900\n"
	    "a A 192.0.2.1\n"
	    "b 7200 A 192.0.2.2\n"
	    "c A 192.0.2.3\n",
	    "example.test.", &g), 0);
	EXPECT_RRS(&g,
	    "example.test. 900 SOA ns.example.test. hm.example.test. "
	    "1 2 3 4 900",
	    "a.example.test. 900 A 192.0.2.1",
	    "b.example.test. 7200 A 192.0.2.2",
	    "c.example.test. 7200 A 192.0.2.3");
	got_clear(&g);

	/* Not an SOA first, no TTL anywhere: an error, and the next one with
	 * a TTL starts the chain. */
	assert_int_equal(parse_text(
	    "a A 192.0.2.1\n"
	    "b 60 A 192.0.2.2\n"
	    "c A 192.0.2.3\n",
	    "example.test.", &g), -IK_EPARSE);
	EXPECT_RRS(&g,
	    "b.example.test. 60 A 192.0.2.2",
	    "c.example.test. 60 A 192.0.2.3");
	EXPECT_ERRS(&g, "t.zone:1: no TTL, and no $TTL or earlier TTL to "
	    "take it from");
	got_clear(&g);
}

static void
test_blank_owner(void **state)
{
	struct got g = { 0 };
	(void)state;

	assert_int_equal(parse_text(
	    "$TTL 60\n"
	    "a A 192.0.2.1\n"
	    "\tA 192.0.2.2\n"
	    "  TXT \"x\"\n"
	    "\n"
	    "\t; a comment line does not change the owner\n"
	    " A 192.0.2.3\n"
	    "b A 192.0.2.4\n"
	    "\tIN 30 A 192.0.2.5\n",
	    "example.test.", &g), 0);
	EXPECT_RRS(&g,
	    "a.example.test. 60 A 192.0.2.1",
	    "a.example.test. 60 A 192.0.2.2",
	    "a.example.test. 60 TXT \"x\"",
	    "a.example.test. 60 A 192.0.2.3",
	    "b.example.test. 60 A 192.0.2.4",
	    "b.example.test. 30 A 192.0.2.5");
	got_clear(&g);

	assert_int_equal(parse_text("$TTL 60\n A 192.0.2.1\n",
	    "example.test.", &g), -IK_EPARSE);
	EXPECT_ERRS(&g, "t.zone:2: line starts with a blank but there is no "
	    "previous owner");
	got_clear(&g);
}

/* RFC 1035 5.1: "<TTL> <class>" or "<class> <TTL>", each optional. An
 * owner in the first column may look like a TTL or a class. */
static void
test_ttl_class_order(void **state)
{
	struct got g = { 0 };
	(void)state;

	assert_int_equal(parse_text(
	    "$TTL 60\n"
	    "a 300 IN A 192.0.2.1\n"
	    "b IN 300 A 192.0.2.2\n"
	    "c IN A 192.0.2.3\n"
	    "d 1h A 192.0.2.4\n"
	    "e CLASS1 A 192.0.2.5\n"
	    "f in 2m a 192.0.2.6\n"
	    "1h A 192.0.2.7\n"			/* owner "1h" */
	    "\t1h A 192.0.2.8\n"		/* a TTL after a blank */
	    "IN IN A 192.0.2.9\n"		/* owner "IN" */
	    "300 300 A 192.0.2.10\n",		/* owner "300" */
	    "example.test.", &g), 0);
	EXPECT_RRS(&g,
	    "a.example.test. 300 A 192.0.2.1",
	    "b.example.test. 300 A 192.0.2.2",
	    "c.example.test. 60 A 192.0.2.3",
	    "d.example.test. 3600 A 192.0.2.4",
	    "e.example.test. 60 A 192.0.2.5",
	    "f.example.test. 120 A 192.0.2.6",
	    "1h.example.test. 60 A 192.0.2.7",
	    "1h.example.test. 3600 A 192.0.2.8",
	    "IN.example.test. 60 A 192.0.2.9",
	    "300.example.test. 300 A 192.0.2.10");
	got_clear(&g);
}

static void
test_class_not_in(void **state)
{
	struct got g = { 0 };
	(void)state;

	assert_int_equal(parse_text("$TTL 60\na CH A 192.0.2.1\n"
	    "b 60 CLASS3 A 192.0.2.1\nc IN A 192.0.2.1\n",
	    "example.test.", &g), -IK_EPARSE);
	EXPECT_RRS(&g, "c.example.test. 60 A 192.0.2.1");
	EXPECT_ERRS(&g,
	    "t.zone:2: class 'CH': only class IN is served",
	    "t.zone:3: class 'CLASS3': only class IN is served");
	got_clear(&g);
}

/* Quotes, escapes and parentheses: only the token boundaries are the
 * lexer's; name.c and rr.c decode the escapes. */
static void
test_lexer_corners(void **state)
{
	struct got g = { 0 };
	(void)state;

	assert_int_equal(parse_text(
	    "$TTL 60\n"
	    "a\\ b TXT \"x\"\n"			/* escaped blank */
	    "c\\.d TXT a\\;b\n"			/* \; does not comment */
	    "e TXT \"( ; )\"\n"			/* specials quoted */
	    "f TXT (\"one\"\n"
	    "\n"				/* blank line inside ( ) */
	    "  ; comment inside\n"
	    "\"two\")\n"
	    "g TXT \"\"\n"			/* empty string */
	    "h (A) (192.0.2.1)\n"		/* parentheses anywhere */
	    "i TXT \"a\"\"b\"\n",		/* adjacent quoted strings */
	    "example.test.", &g), 0);
	EXPECT_RRS(&g,
	    "a\\032b.example.test. 60 TXT \"x\"",
	    "c\\.d.example.test. 60 TXT \"a;b\"",
	    "e.example.test. 60 TXT \"( ; )\"",
	    "f.example.test. 60 TXT \"one\" \"two\"",
	    "g.example.test. 60 TXT \"\"",
	    "h.example.test. 60 A 192.0.2.1",
	    "i.example.test. 60 TXT \"a\" \"b\"");
	got_clear(&g);
}

static void
test_crlf(void **state)
{
	struct got g = { 0 };
	(void)state;

	assert_int_equal(parse_text(
	    "$TTL 60\r\n"
	    "@ SOA ns hm (\r\n"
	    "   1 2 3 4 5 ) ; c\r\n"
	    "\r\n"
	    "a A 192.0.2.1\r\n"
	    "\tTXT \"x y\"\r\n"
	    "b\r\n"			/* owner only: missing type */
	    "c A 192.0.2.2\r\n",
	    "example.test.", &g), -IK_EPARSE);
	EXPECT_RRS(&g,
	    "example.test. 60 SOA ns.example.test. hm.example.test. 1 2 3 4 5",
	    "a.example.test. 60 A 192.0.2.1",
	    "a.example.test. 60 TXT \"x y\"",
	    "c.example.test. 60 A 192.0.2.2");
	EXPECT_ERRS(&g, "t.zone:7: missing type");
	got_clear(&g);
}

/* One bad record of each kind, each between good ones: reported with its
 * line, skipped, and the parse goes on. */
static void
test_errors(void **state)
{
	struct got g = { 0 };
	(void)state;

	assert_int_equal(parse_text(
	    "$TTL 60\n"
	    "a FOO 1\n"
	    "b A 192.0.2.300\n"
	    "c A\n"
	    "d TXT \"no end\n"
	    "e A 192.0.2.5\n"
	    "f.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxx A 192.0.2.6\n"
	    "$GENERATE 1-10 h$ A 192.0.2.$\n"
	    "g AXFR x\n"
	    "h 99999999999 A 192.0.2.8\n"
	    "i 1x A 192.0.2.9\n"
	    "j \"A\" 192.0.2.9\n"
	    "k ) A 192.0.2.10\n"
	    "$TTL\n"
	    "$ORIGIN a..b\n"
	    "$INCLUDE x\n"
	    "l 60 60 A 192.0.2.11\n"
	    "m A (192.0.2.12\n"
	    "\n"
	    "   ) ; closed three lines later\n"
	    "n A 192.0.2.13\n"
	    "o TXT (\"a\"\n",
	    "example.test.", &g), -IK_EPARSE);
	EXPECT_RRS(&g,
	    "e.example.test. 60 A 192.0.2.5",
	    "m.example.test. 60 A 192.0.2.12",
	    "n.example.test. 60 A 192.0.2.13");
	assert_int_equal(g.errs.n, 16);
	static const char *const pre[] = {
		"t.zone:2: unknown type 'FOO'",
		"t.zone:3: bad A RDATA",
		"t.zone:4: missing A RDATA",
		"t.zone:5: unterminated quoted string",
		"t.zone:7: owner name 'f.xxxx",
		"t.zone:8: unknown directive '$GENERATE'",
		"t.zone:9: type AXFR may not appear in zone data",
		"t.zone:10: TTL '99999999999' over 2^31-1",
		"t.zone:11: bad TTL '1x'",
		"t.zone:12: unknown type 'A'",
		"t.zone:13: ')' without '('",
		"t.zone:14: $TTL takes 1 argument",
		"t.zone:15: bad $ORIGIN 'a..b'",
		"t.zone:16: $INCLUDE is not allowed here",
		"t.zone:17: second TTL '60'",
		"t.zone:22: '(' not closed at end of file",
	};
	for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]); i++)
		if (strncmp(g.errs.msg[i], pre[i], strlen(pre[i])) != 0) {
			print_error("err %zu: got \"%s\" want \"%s...\"\n", i,
			    g.errs.msg[i], pre[i]);
			fail();
		}
	assert_non_null(strstr(g.errs.msg[4], "too long"));
	got_clear(&g);
}

/* A label over 63 bytes, in an owner and in RDATA. */
static void
test_label_too_long(void **state)
{
	char text[512], label[65];
	struct got g = { 0 };
	(void)state;

	memset(label, 'x', 64);
	label[64] = '\0';
	snprintf(text, sizeof(text), "$TTL 60\n%s A 192.0.2.1\n"
	    "a CNAME %s\nb CNAME %.63s\n", label, label, label);
	assert_int_equal(parse_text(text, "example.test.", &g), -IK_EPARSE);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.errs.n, 2);
	assert_non_null(strstr(g.errs.msg[0], "t.zone:2: owner name"));
	assert_non_null(strstr(g.errs.msg[0], "too long"));
	assert_non_null(strstr(g.errs.msg[1], "t.zone:3: bad CNAME RDATA"));
	got_clear(&g);
}

/* Ten bad lines among good ones: all ten reported with their lines. */
static void
test_ten_bad_lines(void **state)
{
	char text[4096];
	size_t o = 0;
	struct got g = { 0 };
	(void)state;

	o += (size_t)snprintf(text + o, sizeof(text) - o, "$TTL 60\n");
	for (int i = 0; i < 10; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o,
		    "good%d A 192.0.2.%d\n; comment\nbad%d A 300.0.0.%d\n",
		    i, i, i, i);
	assert_int_equal(parse_text(text, "example.test.", &g), -IK_EPARSE);
	assert_int_equal(g.n, 10);
	assert_int_equal(g.errs.n, 10);
	for (int i = 0; i < 10; i++) {
		char want[64];
		snprintf(want, sizeof(want), "t.zone:%d: bad A RDATA",
		    4 + 3 * i);
		assert_true(strncmp(g.errs.msg[i], want, strlen(want)) == 0);
		snprintf(want, sizeof(want), "good%d.example.test. 60 A "
		    "192.0.2.%d", i, i);
		assert_string_equal(g.rr[i], want);
	}
	got_clear(&g);
}

static void
test_max_errors(void **state)
{
	struct dns_name o;
	struct got g = { 0 };
	struct zone_parse p = { .origin = &o, .add = collect, .arg = &g,
	    .errs = &g.errs, .max_errors = 3 };
	static const char text[] = "$TTL 60\nx FOO\nx FOO\nx FOO\nx FOO\n"
	    "a A 192.0.2.1\n";
	(void)state;

	origin_of("example.test.", &o);
	assert_int_equal(dns_zone_parse_text(text, strlen(text), "t.zone",
	    &p), -IK_EPARSE);
	assert_int_equal(g.errs.n, 3);
	assert_int_equal(g.n, 0);		/* stopped before "a" */
	got_clear(&g);
}

/* The callback's code stops the parse and is returned. */
static void
test_callback_stops(void **state)
{
	struct got g = { .fail_at = 2 };
	(void)state;

	assert_int_equal(parse_text("$TTL 60\na A 192.0.2.1\nb A 192.0.2.2\n"
	    "c A 192.0.2.3\n", "example.test.", &g), -IK_ELIMIT);
	assert_int_equal(g.n, 2);
	EXPECT_ERRS(&g, "t.zone:3: record refused: limit exceeded");
	got_clear(&g);
}

static void
test_nul_byte(void **state)
{
	static const char text[] = "$TTL 60\na TXT \"x\0y\"\nb A 192.0.2.1\n";
	struct dns_name o;
	struct got g = { 0 };
	struct zone_parse p = { .origin = &o, .add = collect, .arg = &g,
	    .errs = &g.errs, .max_errors = 10 };
	(void)state;

	origin_of("example.test.", &o);
	assert_int_equal(dns_zone_parse_text(text, sizeof(text) - 1, "t.zone",
	    &p), -IK_EPARSE);
	EXPECT_RRS(&g, "b.example.test. 60 A 192.0.2.1");
	EXPECT_ERRS(&g, "t.zone:2: unterminated quoted string");
	got_clear(&g);
}

/* Limits: 64 KiB of token text and 32768 tokens per record. */
static void
test_record_limits(void **state)
{
	size_t n = 70000;
	char *text = malloc(n + 64);
	struct got g = { 0 };
	int o;
	(void)state;

	assert_non_null(text);
	o = snprintf(text, 64, "$TTL 60\na TXT ");
	memset(text + o, 'x', n);
	strcpy(text + o + n, "\nb A 192.0.2.1\n");
	assert_int_equal(parse_text(text, "example.test.", &g), -IK_EPARSE);
	EXPECT_RRS(&g, "b.example.test. 60 A 192.0.2.1");
	EXPECT_ERRS(&g, "t.zone:2: record longer than 64 KiB");
	got_clear(&g);

	o = snprintf(text, 64, "$TTL 60\na TXT ");
	for (size_t i = 0; i < n / 2; i++) {
		text[o++] = 'x';
		text[o++] = ' ';
	}
	strcpy(text + o, "\nb A 192.0.2.1\n");
	assert_int_equal(parse_text(text, "example.test.", &g), -IK_EPARSE);
	EXPECT_RRS(&g, "b.example.test. 60 A 192.0.2.1");
	EXPECT_ERRS(&g, "t.zone:2: too many tokens in one record");
	got_clear(&g);
	free(text);
}

static void
test_include(void **state)
{
	struct tmp t;
	struct got g = { 0 };
	(void)state;

	tmp_init(&t);
	tmp_mkdir(&t, "sub");
	tmp_put(&t, "sub/hosts.inc",
	    "h1 A 192.0.2.1\n"
	    "$ORIGIN inner\n"		/* does not leak to the includer */
	    "h2 A 192.0.2.2\n");
	tmp_put(&t, "sub/more.inc",
	    "\tA 192.0.2.9\n");	/* blank owner: the includer's last */
	const char *top = tmp_put(&t, "top.zone",
	    "$TTL 60\n"
	    "@ SOA ns hm 1 2 3 4 5\n"
	    "$INCLUDE sub/hosts.inc\n"
	    "a A 192.0.2.3\n"
	    "$INCLUDE \"sub/hosts.inc\" lab ; with an origin\n"
	    "b A 192.0.2.4\n"
	    "$INCLUDE sub/more.inc\n"
	    "\tA 192.0.2.5\n");
	assert_int_equal(parse_file(top, "example.test.", false, &g), 0);
	EXPECT_RRS(&g,
	    "example.test. 60 SOA ns.example.test. hm.example.test. 1 2 3 4 5",
	    "h1.example.test. 60 A 192.0.2.1",
	    "h2.inner.example.test. 60 A 192.0.2.2",
	    "a.example.test. 60 A 192.0.2.3",
	    "h1.lab.example.test. 60 A 192.0.2.1",
	    "h2.inner.lab.example.test. 60 A 192.0.2.2",
	    "b.example.test. 60 A 192.0.2.4",
	    "b.example.test. 60 A 192.0.2.9",
	    "b.example.test. 60 A 192.0.2.5");
	EXPECT_ERRS(&g);
	got_clear(&g);

	/* Errors in an included file name it; a missing one is an error at
	 * the $INCLUDE line. */
	tmp_put(&t, "sub/bad.inc", "\n\nx FOO 1\n");
	const char *top2 = tmp_put(&t, "top2.zone",
	    "$TTL 60\n$INCLUDE sub/bad.inc\n$INCLUDE sub/none.inc\n"
	    "$INCLUDE\n");
	assert_int_equal(parse_file(top2, "example.test.", false, &g),
	    -IK_EPARSE);
	assert_int_equal(g.errs.n, 3);
	char want[2 * PATH_MAX + 64];
	snprintf(want, sizeof(want), "%s/sub/bad.inc:3: unknown type 'FOO'",
	    t.dir);
	assert_string_equal(g.errs.msg[0], want);
	snprintf(want, sizeof(want), "%s/top2.zone:3: $INCLUDE %s/sub/"
	    "none.inc: No such file or directory", t.dir, t.dir);
	assert_string_equal(g.errs.msg[1], want);
	assert_non_null(strstr(g.errs.msg[2], "top2.zone:4: $INCLUDE takes"));
	got_clear(&g);
	tmp_clear(&t);
}

static void
test_include_depth(void **state)
{
	struct tmp t;
	struct got g = { 0 };
	(void)state;

	tmp_init(&t);
	tmp_put(&t, "loop.inc", "x A 192.0.2.1\n$INCLUDE loop.inc\n");
	const char *top = tmp_put(&t, "top.zone",
	    "$TTL 60\n$INCLUDE loop.inc\ny A 192.0.2.2\n");
	assert_int_equal(parse_file(top, "example.test.", false, &g),
	    -IK_EPARSE);
	assert_int_equal(g.n, ZONE_INCLUDE_DEPTH + 1);	/* 8 x, then y */
	assert_string_equal(g.rr[g.n - 1], "y.example.test. 60 A 192.0.2.2");
	assert_int_equal(g.errs.n, 1);
	assert_non_null(strstr(g.errs.msg[0],
	    "loop.inc:2: $INCLUDE nested deeper than 8"));
	got_clear(&g);
	tmp_clear(&t);
}

/* Breadth is capped too: a few files could otherwise fan out to k^8. */
static void
test_include_count(void **state)
{
	size_t n = 4097, o = 0;
	char *text = malloc(n * 24 + 16);
	struct tmp t;
	struct got g = { 0 };
	(void)state;

	assert_non_null(text);
	tmp_init(&t);
	tmp_put(&t, "e.inc", "; nothing\n");
	o += (size_t)sprintf(text, "$TTL 60\n");
	for (size_t i = 0; i < n; i++)
		o += (size_t)sprintf(text + o, "$INCLUDE e.inc\n");
	const char *top = tmp_put(&t, "top.zone", text);
	free(text);
	assert_int_equal(parse_file(top, "example.test.", false, &g),
	    -IK_ELIMIT);
	assert_int_equal(g.errs.n, 1);
	assert_non_null(strstr(g.errs.msg[0],
	    "top.zone:4098: more than 4096 $INCLUDEs"));
	got_clear(&g);
	tmp_clear(&t);
}

static void
test_include_beneath(void **state)
{
	struct tmp t;
	struct got g = { 0 };
	char *abs;
	(void)state;

	tmp_init(&t);
	tmp_mkdir(&t, "zones");
	tmp_mkdir(&t, "zones/sub");
	tmp_put(&t, "outside.inc", "out A 192.0.2.66\n");
	tmp_put(&t, "zones/sub/in.inc", "in A 192.0.2.1\n");
	char *link = tmp_path(&t, "zones/link.inc");
	assert_int_equal(symlink("../outside.inc", link), 0);
	assert_true(asprintf(&abs, "$TTL 60\n"
	    "$INCLUDE sub/in.inc\n"
	    "$INCLUDE ../outside.inc\n"
	    "$INCLUDE sub/../../outside.inc\n"
	    "$INCLUDE %s/outside.inc\n"
	    "$INCLUDE link.inc\n"
	    "$INCLUDE sub/../sub/in.inc\n", t.dir) > 0);
	const char *top = tmp_put(&t, "zones/top.zone", abs);
	free(abs);

	/* Not beneath: all of them load. */
	assert_int_equal(parse_file(top, "example.test.", false, &g), 0);
	assert_int_equal(g.n, 6);
	got_clear(&g);

	assert_int_equal(parse_file(top, "example.test.", true, &g),
	    -IK_EPARSE);
	EXPECT_RRS(&g,
	    "in.example.test. 60 A 192.0.2.1",
	    "in.example.test. 60 A 192.0.2.1");
	assert_int_equal(g.errs.n, 4);
	for (size_t i = 0; i < 4; i++) {
		char want[64];
		snprintf(want, sizeof(want), "top.zone:%zu: $INCLUDE", i + 3);
		assert_non_null(strstr(g.errs.msg[i], want));
		assert_non_null(strstr(g.errs.msg[i], "refused: outside the "
		    "including file's directory"));
	}
	got_clear(&g);
	tmp_clear(&t);
}

static void
test_file_errors(void **state)
{
	struct tmp t;
	struct got g = { 0 };
	(void)state;

	tmp_init(&t);
	char *none = tmp_path(&t, "none.zone");
	t.n_made--;		/* never created */
	assert_int_equal(parse_file(none, "example.test.", false, &g),
	    -ENOENT);
	assert_int_equal(g.errs.n, 1);
	assert_non_null(strstr(g.errs.msg[0], "none.zone: cannot open"));
	free(none);
	got_clear(&g);

	/* A directory is not a zone file. */
	assert_int_equal(parse_file(t.dir, "example.test.", false, &g),
	    -EISDIR);
	got_clear(&g);
	tmp_clear(&t);
}

static void
test_empty_input(void **state)
{
	struct got g = { 0 };
	(void)state;

	assert_int_equal(parse_text("", "example.test.", &g), 0);
	assert_int_equal(parse_text("\n\n ; only comments\n\t\n",
	    "example.test.", &g), 0);
	/* No final newline. */
	assert_int_equal(parse_text("a 60 A 192.0.2.1", "example.test.", &g),
	    0);
	EXPECT_RRS(&g, "a.example.test. 60 A 192.0.2.1");
	got_clear(&g);
}

struct ttl_case {
	const char	*in;
	int		 rc;
	uint32_t	 ttl;
};

static void
test_ttl_from_text(void **state)
{
	static const struct ttl_case cases[] = {
		{ "0", 0, 0 },
		{ "3600", 0, 3600 },
		{ "1s", 0, 1 },
		{ "1m", 0, 60 },
		{ "1h", 0, 3600 },
		{ "1d", 0, 86400 },
		{ "2w", 0, 1209600 },
		{ "1H30M", 0, 5400 },
		{ "1h30m", 0, 5400 },
		{ "1d12h", 0, 129600 },
		{ "1w1d1h1m1s", 0, 694861 },
		{ "1h30", 0, 3630 },		/* NSD: trailing seconds */
		{ "007", 0, 7 },
		{ "2147483647", 0, 2147483647u },
		{ "2147483648", -IK_ELIMIT, 0 },
		{ "4294967296", -IK_ELIMIT, 0 },
		{ "99999999999999999999999", -IK_ELIMIT, 0 },
		{ "3551w", -IK_ELIMIT, 0 },
		{ "3550w", 0, 2147040000u },
		{ "3550w5d3h14m7s", 0, 2147483647u },
		{ "3550w5d3h14m8s", -IK_ELIMIT, 0 },
		{ "3550w3550w", -IK_ELIMIT, 0 },
		{ "3551W", -IK_ELIMIT, 0 },
		{ "3000w", 0, 1814400000 },
		{ "", -IK_EPARSE, 0 },
		{ "h", -IK_EPARSE, 0 },
		{ "1x", -IK_EPARSE, 0 },
		{ "-1", -IK_EPARSE, 0 },
		{ "+1", -IK_EPARSE, 0 },
		{ "1 h", -IK_EPARSE, 0 },
		{ "1hh", -IK_EPARSE, 0 },
		{ "1.5h", -IK_EPARSE, 0 },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t ttl = 12345;
		int rc = dns_ttl_from_text(cases[i].in, strlen(cases[i].in),
		    &ttl);
		if (rc != cases[i].rc || (rc == 0 && ttl != cases[i].ttl)) {
			print_error("\"%s\": rc %d ttl %u\n", cases[i].in, rc,
			    ttl);
			fail();
		}
	}
	/* Not NUL-terminated: only len bytes count. */
	uint32_t ttl;
	assert_int_equal(dns_ttl_from_text("1h5", 2, &ttl), 0);
	assert_int_equal(ttl, 3600);
}

/* The zone the site ships must load clean. */
static void
test_shipped_zone(void **state)
{
	struct got g = { 0 };
	(void)state;

	if (access("etc/zones/example.test.zone", R_OK) != 0)
		skip();
	assert_int_equal(parse_file("etc/zones/example.test.zone",
	    "example.test.", true, &g), 0);
	assert_true(g.n >= 15);
	assert_non_null(strstr(g.rr[0], " SOA "));
	got_clear(&g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_realistic_zone),
		cmocka_unit_test(test_bind_style_file),
		cmocka_unit_test(test_origin_changes),
		cmocka_unit_test(test_no_origin),
		cmocka_unit_test(test_dollar_ttl),
		cmocka_unit_test(test_ttl_defaults),
		cmocka_unit_test(test_blank_owner),
		cmocka_unit_test(test_ttl_class_order),
		cmocka_unit_test(test_class_not_in),
		cmocka_unit_test(test_lexer_corners),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_label_too_long),
		cmocka_unit_test(test_ten_bad_lines),
		cmocka_unit_test(test_max_errors),
		cmocka_unit_test(test_callback_stops),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_record_limits),
		cmocka_unit_test(test_include),
		cmocka_unit_test(test_include_depth),
		cmocka_unit_test(test_include_count),
		cmocka_unit_test(test_include_beneath),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_empty_input),
		cmocka_unit_test(test_ttl_from_text),
		cmocka_unit_test(test_shipped_zone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
