/* tests/unit/dns/test_zonedb.c - zones in memory: records grouped into
 * nodes and RRsets, duplicates merged, the smallest TTL, case-insensitive
 * lookup, empty non-terminals, cut and glue flags, zone_finish's checks,
 * zone_add's refusals, zonedb longest match and shared zones. Zones are
 * built from master-file text through dns_zone_parse_text. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cfg.h"
#include "core/err.h"
#include "dns/name.h"
#include "dns/rr.h"
#include "dns/zone.h"
#include "dns/zonedb.h"

#define TEXTS_MAX	16

/* A zone being loaded: the first refusal from zone_add is kept. */
struct load {
	struct zone	*z;
	int		 add_err;
	const char	*why;
	struct cfg_errs	 errs;
};

static void
name_of(const char *s, struct dns_name *n)
{
	assert_int_equal(dns_name_from_text(s, strlen(s), NULL, n), 0);
}

static int
load_add(void *arg, const struct dns_rr *rr)
{
	struct load *l = arg;
	const char *why = NULL;
	int err = zone_add(l->z, rr, &why);

	if (err < 0 && l->add_err == 0) {
		l->add_err = err;
		l->why = why;
	}
	return err;
}

/* Parses `text` into a new zone at `apex`; returns zone_finish's result
 * (or the parse error when the parse failed, without finishing). */
static int
load_text(struct load *l, const char *apex, const char *text)
{
	struct dns_name o;

	memset(l, 0, sizeof(*l));
	name_of(apex, &o);
	assert_non_null(l->z = zone_new(&o));
	struct zone_parse p = { .origin = &o, .add = load_add, .arg = l,
	    .errs = &l->errs, .max_errors = 10 };
	int err = dns_zone_parse_text(text, strlen(text), "t.zone", &p);
	if (err < 0)
		return err;
	return zone_finish(l->z, &l->errs, "t.zone");
}

static void
load_clear(struct load *l)
{
	zone_free(&l->z);
	assert_null(l->z);
	cfg_errs_clear(&l->errs);
}

/* A finished zone that must load cleanly. */
static struct zone *
zone_of(const char *apex, const char *text)
{
	struct load l;
	int err = load_text(&l, apex, text);

	for (size_t i = 0; i < l.errs.n; i++)
		print_error("err %s\n", l.errs.msg[i]);
	assert_int_equal(err, 0);
	assert_int_equal(l.errs.n, 0);
	cfg_errs_clear(&l.errs);
	return l.z;
}

static const struct znode *
find(const struct zone *z, const char *name)
{
	struct dns_name n;

	name_of(name, &n);
	return zone_find(z, &n);
}

/* The RDATA of an RRset as text, in storage order. */
struct texts {
	char	 s[TEXTS_MAX][256];
	size_t	 n;
};

static void
rrset_texts(const struct zrrset *s, struct texts *t)
{
	const uint8_t *rd;
	uint16_t rdlen;
	uint32_t off = 0;

	memset(t, 0, sizeof(*t));
	while (zrrset_next(s, &off, &rd, &rdlen) == 0) {
		assert_true(t->n < TEXTS_MAX);
		assert_true(dns_rdata_to_text(s->type, rd, rdlen, t->s[t->n],
		    sizeof(t->s[0])) >= 0);
		t->n++;
	}
	assert_int_equal(off, s->len);
	assert_int_equal(t->n, s->n);
}

static bool
texts_has(const struct texts *t, const char *want)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->s[i], want) == 0)
			return true;
	return false;
}

#define EXPECT_RDATA(s, ...) do {					\
	static const char *const w_[] = { __VA_ARGS__ };		\
	struct texts t_;						\
	rrset_texts((s), &t_);						\
	assert_int_equal(t_.n, sizeof(w_) / sizeof(w_[0]));		\
	for (size_t i_ = 0; i_ < t_.n; i_++)				\
		if (!texts_has(&t_, w_[i_]))				\
			fail_msg("missing rdata %s", w_[i_]);		\
} while (0)

static const char basic_zone[] =
    "$TTL 3600\n"
    "@\tSOA\tns1 hostmaster 1 7200 900 1209600 300\n"
    "\tNS\tns1\n"
    "\tNS\tns2.example.net.\n"
    "\tMX\t10 mail\n"
    "\tMX\t20 mail2.example.net.\n"
    "ns1\tA\t192.0.2.1\n"
    "www\t300\tA\t192.0.2.3\n"
    "www\t100\tA\t192.0.2.4\n"
    "www\t200\tA\t192.0.2.5\n"
    "www\tAAAA\t2001:db8::3\n"
    "www\tTXT\t\"hello\"\n"
    "mail\tA\t192.0.2.2\n"
    "Mixed.Case\tA\t192.0.2.9\n";

static void
test_nodes_and_rrsets(void **state)
{
	struct zone *z = zone_of("example.test.", basic_zone);
	(void)state;

	/* apex, ns1, www, mail, mixed.case, and the ENT "case". */
	assert_int_equal(z->n_records, 13);
	assert_int_equal(z->serial, 1);
	const struct znode *apex = find(z, "example.test.");
	assert_non_null(apex);
	assert_ptr_equal(apex, z->apex_node);
	assert_int_equal(apex->n_sets, 3);
	assert_int_equal(apex->flags, 0);
	EXPECT_RDATA(znode_rrset(apex, DNS_T_NS), "ns1.example.test.",
	    "ns2.example.net.");
	EXPECT_RDATA(znode_rrset(apex, DNS_T_MX), "10 mail.example.test.",
	    "20 mail2.example.net.");
	EXPECT_RDATA(znode_rrset(apex, DNS_T_SOA), "ns1.example.test. "
	    "hostmaster.example.test. 1 7200 900 1209600 300");
	assert_null(znode_rrset(apex, DNS_T_A));

	const struct znode *www = find(z, "www.example.test.");
	assert_non_null(www);
	assert_int_equal(www->n_sets, 3);
	assert_int_equal(www->n_labels, 3);
	const struct zrrset *a = znode_rrset(www, DNS_T_A);
	assert_non_null(a);
	assert_int_equal(a->type, DNS_T_A);
	assert_int_equal(a->n, 3);
	assert_int_equal(a->len, 3 * (2 + 4));
	EXPECT_RDATA(a, "192.0.2.3", "192.0.2.4", "192.0.2.5");
	EXPECT_RDATA(znode_rrset(www, DNS_T_AAAA), "2001:db8::3");
	EXPECT_RDATA(znode_rrset(www, DNS_T_TXT), "\"hello\"");
	assert_null(znode_rrset(www, DNS_T_MX));

	struct dns_name nm, want;
	znode_name(www, &nm);
	name_of("www.example.test.", &want);
	assert_int_equal(nm.len, want.len);
	assert_int_equal(nm.n_labels, want.n_labels);
	assert_memory_equal(nm.wire, want.wire, want.len);

	assert_null(find(z, "nope.example.test."));
	assert_null(find(z, "example.net."));
	zone_free(&z);
	assert_null(z);
}

/* RFC 2181 5.2: the RRset takes the smallest TTL of its records. */
static void
test_rrset_ttl_smallest(void **state)
{
	struct zone *z = zone_of("example.test.", basic_zone);
	(void)state;

	assert_int_equal(znode_rrset(find(z, "www.example.test."),
	    DNS_T_A)->ttl, 100);
	assert_int_equal(znode_rrset(find(z, "www.example.test."),
	    DNS_T_AAAA)->ttl, 3600);
	/* min(SOA TTL 3600, minimum 300), RFC 2308 */
	assert_int_equal(z->neg_ttl, 300);
	zone_free(&z);

	z = zone_of("example.test.",
	    "@ 60 SOA ns1 hostmaster 7 1 1 1 600\n"
	    "@ 60 NS ns1\n"
	    "ns1 60 A 192.0.2.1\n");
	assert_int_equal(z->neg_ttl, 60);
	assert_int_equal(z->serial, 7);
	zone_free(&z);
}

/* RFC 2181 5: identical records are one. */
static void
test_duplicates_merged(void **state)
{
	struct zone *z = zone_of("example.test.",
	    "$TTL 3600\n"
	    "@ SOA ns1 hostmaster 1 7200 900 1209600 300\n"
	    "@ NS ns1\n"
	    "@ NS ns1.example.test.\n"
	    "ns1 A 192.0.2.1\n"
	    "www A 192.0.2.3\n"
	    "www A 192.0.2.4\n"
	    "www A 192.0.2.3\n"
	    "www A 192.0.2.3\n"
	    "www TXT \"a\"\n"
	    "www TXT \"a\"\n");
	(void)state;

	const struct znode *www = find(z, "www.example.test.");
	assert_non_null(www);
	const struct zrrset *a = znode_rrset(www, DNS_T_A);
	assert_int_equal(a->n, 2);
	assert_int_equal(a->len, 2 * (2 + 4));
	EXPECT_RDATA(a, "192.0.2.3", "192.0.2.4");
	assert_int_equal(znode_rrset(www, DNS_T_TXT)->n, 1);
	assert_int_equal(znode_rrset(find(z, "example.test."),
	    DNS_T_NS)->n, 1);
	/* SOA, NS, ns1 A, two www A, one TXT */
	assert_int_equal(z->n_records, 6);
	zone_free(&z);
}

/* A duplicate still counts for the TTL: the RRset's TTL must not depend
 * on which copy survives the merge. */
static void
test_duplicate_ttl_smallest(void **state)
{
	static const char *const zones[] = {
	    "$TTL 3600\n@ SOA ns1 hostmaster 1 7200 900 1209600 300\n"
	    "@ NS ns1\nns1 A 192.0.2.1\n"
	    "www 300 A 192.0.2.3\nwww 100 A 192.0.2.3\n",
	    "$TTL 3600\n@ SOA ns1 hostmaster 1 7200 900 1209600 300\n"
	    "@ NS ns1\nns1 A 192.0.2.1\n"
	    "www 100 A 192.0.2.3\nwww 300 A 192.0.2.3\n",
	};
	(void)state;

	for (size_t i = 0; i < 2; i++) {
		struct zone *z = zone_of("example.test.", zones[i]);
		const struct zrrset *a = znode_rrset(find(z,
		    "www.example.test."), DNS_T_A);
		uint16_t n = a->n;
		uint32_t ttl = a->ttl;
		zone_free(&z);		/* before any failure: no leak */
		assert_int_equal(n, 1);
		if (ttl != 100)
			fail_msg("zone %zu: TTL %u, want 100", i, ttl);
	}
}

/* RFC 4343: lookups ignore ASCII case; the stored owner keeps its own. */
static void
test_find_case_insensitive(void **state)
{
	struct zone *z = zone_of("example.test.", basic_zone);
	(void)state;

	const struct znode *www = find(z, "www.example.test.");
	assert_ptr_equal(find(z, "WWW.EXAMPLE.TEST."), www);
	assert_ptr_equal(find(z, "wWw.ExAmPlE.tEsT."), www);
	const struct znode *mixed = find(z, "mixed.case.example.test.");
	assert_non_null(mixed);
	assert_ptr_equal(find(z, "MIXED.CASE.EXAMPLE.TEST."), mixed);
	assert_memory_equal(mixed->owner, "\005Mixed\004Case", 11);
	assert_ptr_equal(find(z, "EXAMPLE.test."), z->apex_node);
	/* Not a prefix or suffix match. */
	assert_null(find(z, "ww.example.test."));
	assert_null(find(z, "wwww.example.test."));
	zone_free(&z);
}

/* The names between a name with data and the apex exist, empty, so a
 * query for them is NODATA rather than NXDOMAIN (RFC 4592 2.2.2). */
static void
test_empty_non_terminals(void **state)
{
	struct zone *z = zone_of("zone.",
	    "$TTL 3600\n"
	    "@ SOA ns1 hostmaster 1 7200 900 1209600 300\n"
	    "@ NS ns1\n"
	    "ns1 A 192.0.2.1\n"
	    "a.b.c A 192.0.2.7\n");
	(void)state;

	const struct znode *abc = find(z, "a.b.c.zone.");
	assert_non_null(abc);
	assert_int_equal(abc->flags & ZNODE_ENT, 0);
	assert_int_equal(abc->n_sets, 1);
	static const char *const ents[] = { "b.c.zone.", "c.zone.",
	    "B.C.ZONE." };
	for (size_t i = 0; i < 3; i++) {
		const struct znode *e = find(z, ents[i]);
		if (e == NULL)
			fail_msg("no node for %s", ents[i]);
		assert_int_equal(e->flags, ZNODE_ENT);
		assert_int_equal(e->n_sets, 0);
		assert_null(znode_rrset(e, DNS_T_A));
	}
	struct dns_name nm, want;
	znode_name(find(z, "c.zone."), &nm);
	name_of("c.zone.", &want);
	assert_int_equal(nm.len, want.len);
	assert_int_equal(nm.n_labels, 2);
	assert_memory_equal(nm.wire, want.wire, want.len);
	/* Nothing below the data, nothing beside it. */
	assert_null(find(z, "x.a.b.c.zone."));
	assert_null(find(z, "a.c.zone."));
	assert_null(find(z, "b.zone."));
	/* apex, ns1, a.b.c, and the two ENTs */
	assert_int_equal(z->n_nodes, 5);
	assert_int_equal(z->apex_node->flags & ZNODE_ENT, 0);
	zone_free(&z);
}

static void
test_cut_and_glue(void **state)
{
	struct zone *z = zone_of("example.test.",
	    "$TTL 3600\n"
	    "@ SOA ns1 hostmaster 1 7200 900 1209600 300\n"
	    "@ NS ns1\n"
	    "ns1 A 192.0.2.1\n"
	    "sub NS ns.sub\n"
	    "sub NS ns.example.net.\n"
	    "sub DS 12345 13 2 "
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"
	    "ns.sub A 192.0.2.53\n"
	    "deep.er.sub AAAA 2001:db8::53\n"
	    "www A 192.0.2.3\n");
	(void)state;

	const struct znode *sub = find(z, "sub.example.test.");
	assert_non_null(sub);
	assert_true(sub->flags & ZNODE_DELEG);
	assert_false(sub->flags & ZNODE_ENT);
	assert_non_null(znode_rrset(sub, DNS_T_DS));
	const struct znode *glue = find(z, "ns.sub.example.test.");
	assert_non_null(glue);
	assert_true(glue->flags & ZNODE_GLUE);
	assert_false(glue->flags & ZNODE_DELEG);
	const struct znode *deep = find(z, "deep.er.sub.example.test.");
	assert_non_null(deep);
	assert_true(deep->flags & ZNODE_GLUE);
	/* The apex has NS but is no cut; data beside the cut is no glue. */
	assert_int_equal(z->apex_node->flags & (ZNODE_DELEG | ZNODE_GLUE), 0);
	const struct znode *www = find(z, "www.example.test.");
	assert_int_equal(www->flags, 0);
	assert_int_equal(find(z, "ns1.example.test.")->flags, 0);
	zone_free(&z);
}

struct bad_case {
	const char	*what;
	const char	*text;
	const char	*msg;		/* a substring of an error */
};

static const struct bad_case bad_zones[] = {
	{ "no SOA",
	  "$TTL 60\n@ NS ns1\nns1 A 192.0.2.1\n",
	  "SOA" },
	{ "two SOAs",
	  "$TTL 60\n@ SOA ns1 hostmaster 1 1 1 1 1\n"
	  "@ SOA ns1 hostmaster 2 1 1 1 1\n@ NS ns1\nns1 A 192.0.2.1\n",
	  "SOA" },
	{ "SOA below the apex only",
	  "$TTL 60\nwww SOA ns1 hostmaster 1 1 1 1 1\n@ NS ns1\n"
	  "ns1 A 192.0.2.1\n",
	  "SOA" },
	{ "no apex NS",
	  "$TTL 60\n@ SOA ns1 hostmaster 1 1 1 1 1\nns1 A 192.0.2.1\n"
	  "sub NS ns1\n",
	  "NS" },
	{ "CNAME beside A",
	  "$TTL 60\n@ SOA ns1 hostmaster 1 1 1 1 1\n@ NS ns1\n"
	  "ns1 A 192.0.2.1\nwww CNAME ns1\nwww A 192.0.2.2\n",
	  "CNAME" },
	{ "two CNAMEs",
	  "$TTL 60\n@ SOA ns1 hostmaster 1 1 1 1 1\n@ NS ns1\n"
	  "ns1 A 192.0.2.1\nwww CNAME ns1\nwww CNAME ns2\n",
	  "CNAME" },
	{ "CNAME at the apex",
	  "$TTL 60\n@ SOA ns1 hostmaster 1 1 1 1 1\n@ NS ns1\n"
	  "@ CNAME www.example.net.\nns1 A 192.0.2.1\n",
	  "CNAME" },
};

static void
test_finish_errors(void **state)
{
	(void)state;

	for (size_t i = 0; i < sizeof(bad_zones) / sizeof(bad_zones[0]);
	    i++) {
		const struct bad_case *c = &bad_zones[i];
		struct load l;
		int err = load_text(&l, "example.test.", c->text);
		if (err != -IK_ECONFIG)
			fail_msg("%s: got %d, want -IK_ECONFIG", c->what, err);
		bool seen = false;
		for (size_t k = 0; k < l.errs.n; k++) {
			if (strstr(l.errs.msg[k], c->msg) != NULL)
				seen = true;
			if (strncmp(l.errs.msg[k], "t.zone", 6) != 0)
				fail_msg("%s: error %s does not name the file",
				    c->what, l.errs.msg[k]);
		}
		if (!seen)
			fail_msg("%s: no error mentions %s", c->what, c->msg);
		load_clear(&l);
	}
}

/* No records at all: the same two errors. Kept last in main(): with
 * UBSan a failure here ends the run. */
static void
test_finish_empty_zone(void **state)
{
	struct load l;
	(void)state;

	assert_int_equal(load_text(&l, "example.test.", "; nothing\n"),
	    -IK_ECONFIG);
	assert_int_equal(l.errs.n, 2);
	load_clear(&l);
}

/* The error count: no SOA, no NS and a CNAME beside data: three. */
static void
test_finish_reports_all(void **state)
{
	struct load l;
	(void)state;

	assert_int_equal(load_text(&l, "example.test.",
	    "$TTL 60\nwww A 192.0.2.1\nwww CNAME x\n"), -IK_ECONFIG);
	assert_int_equal(l.errs.n, 3);
	load_clear(&l);
}

/* The header's contract: no DNAME with descendants outside occluded
 * data (RFC 6672 2.4). */
static void
test_finish_dname_with_descendants(void **state)
{
	struct load l;
	(void)state;

	/* Two DNAMEs at a name are refused. */
	assert_int_equal(load_text(&l, "example.test.",
	    "$TTL 60\n@ SOA ns1 hostmaster 1 1 1 1 1\n@ NS ns1\n"
	    "ns1 A 192.0.2.1\n"
	    "old DNAME new\nold DNAME newer\n"), -IK_ECONFIG);
	load_clear(&l);

	/* A DNAME beside other data (not a CNAME) is fine. */
	assert_int_equal(load_text(&l, "example.test.",
	    "$TTL 60\n@ SOA ns1 hostmaster 1 1 1 1 1\n@ NS ns1\n"
	    "ns1 A 192.0.2.1\n"
	    "old DNAME new\nold A 192.0.2.3\n"), 0);
	load_clear(&l);

	/* Data below a DNAME could never be reached. */
	int err = load_text(&l, "example.test.",
	    "$TTL 60\n@ SOA ns1 hostmaster 1 1 1 1 1\n@ NS ns1\n"
	    "ns1 A 192.0.2.1\n"
	    "old DNAME new\n"
	    "www.old A 192.0.2.2\n");
	load_clear(&l);
	if (err != -IK_ECONFIG)
		fail_msg("DNAME with a descendant: zone_finish returned %d, "
		    "want -IK_ECONFIG", err);
}

static void
test_add_refusals(void **state)
{
	struct dns_name apex;
	static const uint8_t addr[4] = { 192, 0, 2, 1 };
	struct dns_rr rr = { .type = DNS_T_A, .class = DNS_C_IN, .ttl = 60,
	    .rdlen = 4, .rdata = addr };
	const char *why;
	(void)state;

	name_of("example.test.", &apex);
	struct zone *z = zone_new(&apex);
	assert_non_null(z);

	name_of("www.example.test.", &rr.name);
	why = NULL;
	assert_int_equal(zone_add(z, &rr, &why), 0);

	/* Out of the zone, also a name that only ends in the same text. */
	static const char *const outside[] = { "example.net.",
	    "www.example.net.", "test.", ".", "badexample.test." };
	for (size_t i = 0; i < 5; i++) {
		name_of(outside[i], &rr.name);
		why = NULL;
		assert_int_equal(zone_add(z, &rr, &why), -IK_EPARSE);
		assert_non_null(why);
	}

	name_of("www.example.test.", &rr.name);
	rr.class = DNS_C_CH;
	why = NULL;
	assert_int_equal(zone_add(z, &rr, &why), -IK_EPARSE);
	assert_non_null(why);
	rr.class = DNS_C_ANY;
	assert_int_equal(zone_add(z, &rr, &why), -IK_EPARSE);

	rr.class = DNS_C_IN;
	static const uint16_t meta[] = { DNS_T_ANY, DNS_T_AXFR, DNS_T_IXFR,
	    DNS_T_OPT };
	for (size_t i = 0; i < 4; i++) {
		rr.type = meta[i];
		why = NULL;
		assert_int_equal(zone_add(z, &rr, &why), -IK_EPARSE);
		assert_non_null(why);
	}
	/* Unfinished: nothing to find yet; freeing it leaks nothing. */
	assert_null(zone_find(z, &apex));
	zone_free(&z);
	assert_null(z);
	zone_free(&z);		/* NULL is fine */
}

/* Through the parser: the callback's refusal stops the load and names
 * the record. */
static void
test_add_refusal_via_parser(void **state)
{
	struct load l;
	(void)state;

	int err = load_text(&l, "example.test.",
	    "$TTL 60\n@ SOA ns1 hostmaster 1 1 1 1 1\n@ NS ns1\n"
	    "www.example.net. A 192.0.2.1\n");
	assert_true(err < 0);
	assert_int_equal(l.add_err, -IK_EPARSE);
	assert_non_null(l.why);
	assert_non_null(strstr(l.why, "outside"));
	load_clear(&l);

	err = load_text(&l, "example.test.",
	    "$TTL 60\n@ SOA ns1 hostmaster 1 1 1 1 1\n@ NS ns1\n"
	    "www CH A 192.0.2.1\n");
	assert_true(err < 0);
	if (l.add_err != 0) {
		/* The parser passed the CH record on; zone_add refused it. */
		assert_int_equal(l.add_err, -IK_EPARSE);
		assert_non_null(strstr(l.why, "IN"));
	}
	load_clear(&l);
}

static const char soa_ns[] =
    "$TTL 60\n@ SOA ns1 hostmaster 1 1 1 1 1\n@ NS ns1\n";

static struct zone *
small_zone(const char *apex)
{
	return zone_of(apex, soa_ns);
}

static void
test_zonedb_longest_match(void **state)
{
	struct zonedb *db = zonedb_new();
	struct zone *ex = small_zone("example.test.");
	struct zone *deep = small_zone("deep.example.test.");
	struct zone *tld = small_zone("test.");
	struct dns_name n;
	(void)state;

	assert_non_null(db);
	/* Added in an order that a first-match scan would get wrong. */
	assert_int_equal(zonedb_add(db, tld), 0);
	assert_int_equal(zonedb_add(db, deep), 0);
	assert_int_equal(zonedb_add(db, ex), 0);
	assert_int_equal(db->n, 3);

	static const struct {
		const char	*name;
		int		 want;	/* 0 none, 1 test, 2 example, 3 deep */
	} cases[] = {
		{ "test.", 1 },
		{ "other.test.", 1 },
		{ "badexample.test.", 1 },
		{ "example.test.", 2 },
		{ "www.example.test.", 2 },
		{ "EXAMPLE.TEST.", 2 },
		{ "deeper.example.test.", 2 },
		{ "xdeep.example.test.", 2 },
		{ "deep.example.test.", 3 },
		{ "a.b.DEEP.example.test.", 3 },
		{ "example.net.", 0 },
		{ ".", 0 },
		{ "test.example.", 0 },
	};
	const struct zone *by[4] = { NULL, tld, ex, deep };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		name_of(cases[i].name, &n);
		if (zonedb_find(db, &n) != by[cases[i].want])
			fail_msg("%s: wrong zone", cases[i].name);
	}

	name_of("example.test.", &n);
	assert_ptr_equal(zonedb_get(db, &n), ex);
	name_of("Deep.Example.Test.", &n);
	assert_ptr_equal(zonedb_get(db, &n), deep);
	name_of("www.example.test.", &n);
	assert_null(zonedb_get(db, &n));

	/* A second zone with the same apex is refused; no reference taken. */
	struct zone *dup = small_zone("EXAMPLE.test.");
	assert_int_equal(zonedb_add(db, dup), -EEXIST);
	assert_int_equal(dup->refs, 0);
	zone_free(&dup);
	assert_int_equal(db->n, 3);

	zonedb_free(&db);
	assert_null(db);
	zonedb_free(&db);	/* NULL is fine */
}

static void
test_zonedb_empty(void **state)
{
	struct zonedb *db = zonedb_new();
	struct dns_name n;
	(void)state;

	assert_non_null(db);
	name_of("example.test.", &n);
	assert_null(zonedb_find(db, &n));
	assert_null(zonedb_get(db, &n));
	zonedb_free(&db);
}

/* Many zones: the array grows past its first allocation. */
static void
test_zonedb_many(void **state)
{
	struct zonedb *db = zonedb_new();
	char apex[64];
	struct dns_name n;
	(void)state;

	for (int i = 0; i < 40; i++) {
		snprintf(apex, sizeof(apex), "z%d.test.", i);
		assert_int_equal(zonedb_add(db, small_zone(apex)), 0);
	}
	for (int i = 0; i < 40; i++) {
		snprintf(apex, sizeof(apex), "www.z%d.test.", i);
		name_of(apex, &n);
		const struct zone *z = zonedb_find(db, &n);
		assert_non_null(z);
		snprintf(apex, sizeof(apex), "z%d.test.", i);
		struct dns_name want;
		name_of(apex, &want);
		assert_true(dns_name_equal(&z->apex, &want));
	}
	zonedb_free(&db);
}

/* A zone shared by two sets (a reload keeping an unchanged zone) lives
 * until the last set is freed. ASan reports a use after free or leak. */
static void
test_zonedb_shared_refs(void **state)
{
	struct zonedb *old = zonedb_new();
	struct zonedb *new = zonedb_new();
	struct zone *shared = zone_of("example.test.", basic_zone);
	struct zone *gone = small_zone("old.test.");
	struct zone *fresh = small_zone("new.test.");
	struct dns_name n;
	(void)state;

	assert_int_equal(zonedb_add(old, shared), 0);
	assert_int_equal(zonedb_add(old, gone), 0);
	assert_int_equal(zonedb_add(new, shared), 0);
	assert_int_equal(zonedb_add(new, fresh), 0);
	assert_int_equal(shared->refs, 2);
	assert_int_equal(gone->refs, 1);

	zonedb_free(&old);
	assert_null(old);
	/* Still whole: read it all again. */
	assert_int_equal(shared->refs, 1);
	name_of("www.example.test.", &n);
	assert_ptr_equal(zonedb_find(new, &n), shared);
	const struct znode *www = zone_find(shared, &n);
	assert_non_null(www);
	EXPECT_RDATA(znode_rrset(www, DNS_T_A), "192.0.2.3", "192.0.2.4",
	    "192.0.2.5");
	name_of("x.old.test.", &n);
	assert_null(zonedb_find(new, &n));
	zonedb_free(&new);
	assert_null(new);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nodes_and_rrsets),
		cmocka_unit_test(test_rrset_ttl_smallest),
		cmocka_unit_test(test_duplicates_merged),
		cmocka_unit_test(test_duplicate_ttl_smallest),
		cmocka_unit_test(test_find_case_insensitive),
		cmocka_unit_test(test_empty_non_terminals),
		cmocka_unit_test(test_cut_and_glue),
		cmocka_unit_test(test_finish_errors),
		cmocka_unit_test(test_finish_reports_all),
		cmocka_unit_test(test_finish_dname_with_descendants),
		cmocka_unit_test(test_add_refusals),
		cmocka_unit_test(test_add_refusal_via_parser),
		cmocka_unit_test(test_zonedb_longest_match),
		cmocka_unit_test(test_zonedb_empty),
		cmocka_unit_test(test_zonedb_many),
		cmocka_unit_test(test_zonedb_shared_refs),
		cmocka_unit_test(test_finish_empty_zone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
