/* tests/unit/dns/test_cache.c - the resolver cache: round trip with case
 * kept, TTLs counted down by `now` and capped, trust ranks (RFC 2181
 * 5.4.1), negative entries (RFC 2308), flushes, LRU eviction under a
 * byte limit, counters, table growth, and threads hammering one cache. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/err.h"
#include "dns/cache.h"
#include "dns/name.h"
#include "dns/rr.h"

#define T0	1000000u	/* an arbitrary monotonic "now" */

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

/* Stores one A record 192.0.2.<last>. */
static int
put_a(struct cache *c, const char *name, uint8_t last, uint32_t ttl,
    enum cache_trust trust, uint64_t now)
{
	struct dns_name n = N(name);
	const uint8_t a[4] = { 192, 0, 2, last };
	const uint8_t *rd[1] = { a };
	const uint16_t len[1] = { 4 };

	return cache_put_rrset(c, &n, DNS_T_A, ttl, rd, len, 1, trust, now);
}

/* The last octet of the cached A record, or -1 when there is none. */
static int
get_a(struct cache *c, const char *name, uint64_t now, uint32_t *ttl_out)
{
	struct arena *a = arena_new(1024);
	struct dns_name n = N(name);
	struct cache_rrset rs;
	int res = -1;

	assert_non_null(a);
	int err = cache_get_rrset(c, &n, DNS_T_A, now, a, &rs);
	if (err == 0) {
		assert_int_equal(rs.n, 1);
		assert_int_equal(rs.rdlen[0], 4);
		res = rs.rdata[0][3];
		if (ttl_out != NULL)
			*ttl_out = rs.ttl;
	} else {
		assert_int_equal(err, -IK_ENOTFOUND);
	}
	arena_free(&a);
	return res;
}

/* A made-up SOA RDATA: the bytes need not parse for the cache. */
static const uint8_t soa_rd[] = { 2, 'n', 's', 0, 4, 'h', 'o', 's', 't', 0,
    0, 0, 0, 1, 0, 0, 0x0e, 0x10, 0, 0, 0x02, 0x58, 0, 0x09, 0x3a, 0x80,
    0, 0, 0x01, 0x2c };

static int
put_neg(struct cache *c, const char *name, uint16_t type,
    enum cache_neg kind, uint32_t ttl, uint64_t now)
{
	struct dns_name n = N(name), soa = N("Example.TEST.");

	return cache_put_neg(c, &n, type, kind, &soa, soa_rd, sizeof(soa_rd),
	    ttl, now);
}

/* cache_get_neg's result; the SOA goes to *soa when given. */
static int
get_neg(struct cache *c, const char *name, uint16_t type, uint64_t now,
    struct arena *a, struct cache_rrset *soa)
{
	struct dns_name n = N(name);
	struct cache_rrset scratch;

	return cache_get_neg(c, &n, type, now, a, soa != NULL ? soa :
	    &scratch);
}

static void
test_round_trip_keeps_case(void **state)
{
	struct cache *c = cache_new(1 << 20, 4);
	struct arena *a = arena_new(1024);
	struct dns_name stored = N("WWW.Example.TEST."), asked;
	static const uint8_t r1[] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 1 };
	static const uint8_t r2[] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 2 };
	const uint8_t *rd[2] = { r1, r2 };
	const uint16_t len[2] = { sizeof(r1), sizeof(r2) };
	struct cache_rrset rs;

	(void)state;
	assert_non_null(c);
	assert_int_equal(cache_put_rrset(c, &stored, DNS_T_AAAA, 300, rd, len,
	    2, CACHE_ANSWER, T0), 0);
	asked = N("www.EXAMPLE.test.");
	assert_int_equal(cache_get_rrset(c, &asked, DNS_T_AAAA, T0, a, &rs),
	    0);
	assert_name_text(&rs.name, "WWW.Example.TEST.");
	assert_int_equal(rs.name.n_labels, 3);
	assert_int_equal(rs.type, DNS_T_AAAA);
	assert_int_equal(rs.ttl, 300);
	assert_int_equal(rs.trust, CACHE_ANSWER);
	assert_int_equal(rs.n, 2);
	assert_int_equal(rs.rdlen[0], 16);
	assert_int_equal(rs.rdlen[1], 16);
	assert_memory_equal(rs.rdata[0], r1, 16);
	assert_memory_equal(rs.rdata[1], r2, 16);
	/* Another type at the name, and a name only differing by a label
	 * boundary, are misses. */
	assert_int_equal(cache_get_rrset(c, &asked, DNS_T_A, T0, a, &rs),
	    -IK_ENOTFOUND);
	asked = N("wwwexample.test.");
	assert_int_equal(cache_get_rrset(c, &asked, DNS_T_AAAA, T0, a, &rs),
	    -IK_ENOTFOUND);
	/* The copy is the caller's: the entry can go, the copy stays. */
	asked = N("WWW.EXAMPLE.TEST.");
	assert_int_equal(cache_get_rrset(c, &asked, DNS_T_AAAA, T0, a, &rs),
	    0);
	assert_int_equal(cache_flush(c, NULL, false), 1);
	assert_memory_equal(rs.rdata[1], r2, 16);
	arena_free(&a);
	cache_free(&c);
	assert_null(c);
	cache_free(&c);
}

static void
test_empty_rdata_and_root(void **state)
{
	struct cache *c = cache_new(1 << 20, 1);
	struct arena *a = arena_new(1024);
	struct dns_name root;
	const uint8_t *rd[2] = { (const uint8_t *)"", (const uint8_t *)"x" };
	const uint16_t len[2] = { 0, 1 };
	struct cache_rrset rs;

	(void)state;
	dns_name_root(&root);
	assert_int_equal(cache_put_rrset(c, &root, 10, 60, rd, len, 2,
	    CACHE_ANSWER, T0), 0);
	assert_int_equal(cache_get_rrset(c, &root, 10, T0, a, &rs), 0);
	assert_true(dns_name_is_root(&rs.name));
	assert_int_equal(rs.rdlen[0], 0);
	assert_int_equal(rs.rdlen[1], 1);
	assert_int_equal(rs.rdata[1][0], 'x');
	arena_free(&a);
	cache_free(&c);
}

static void
test_ttl_counts_down(void **state)
{
	struct cache *c = cache_new(1 << 20, 2);
	struct cache_stats st;
	uint32_t ttl = 0;

	(void)state;
	assert_int_equal(put_a(c, "a.test.", 1, 300, CACHE_ANSWER, T0), 0);
	assert_int_equal(get_a(c, "a.test.", T0, &ttl), 1);
	assert_int_equal(ttl, 300);
	assert_int_equal(get_a(c, "a.test.", T0 + 100, &ttl), 1);
	assert_int_equal(ttl, 200);
	assert_int_equal(get_a(c, "a.test.", T0 + 299, &ttl), 1);
	assert_int_equal(ttl, 1);
	/* A `now` read before the store never stretches the TTL. */
	assert_int_equal(get_a(c, "a.test.", T0 - 5, &ttl), 1);
	assert_int_equal(ttl, 300);
	/* Gone at exactly now + ttl, and removed when met. */
	assert_int_equal(get_a(c, "a.test.", T0 + 300, NULL), -1);
	cache_stats(c, &st);
	assert_int_equal(st.expired, 1);
	assert_int_equal(st.entries, 0);
	assert_int_equal(st.bytes, 0);
	cache_free(&c);
}

/* cache_get_stale's last octet of the A record (-1: none), TTL too. */
static int
get_stale_a(struct cache *c, const char *name, uint64_t now,
    uint32_t *ttl_out)
{
	struct arena *a = arena_new(1024);
	struct dns_name n = N(name);
	struct cache_rrset rs;
	int res = -1;

	assert_non_null(a);
	if (cache_get_stale(c, &n, DNS_T_A, now, a, &rs) == 0) {
		res = rs.rdata[0][3];
		*ttl_out = rs.ttl;
	}
	arena_free(&a);
	return res;
}

/* RFC 8767: expired entries stay for the stale window, found only by
 * cache_get_stale (TTL 30), and a new store replaces them. */
static void
test_serve_stale_window(void **state)
{
	struct cache *c = cache_new(1 << 20, 2);
	struct cache_stats st;
	uint32_t ttl = 0;

	(void)state;
	/* Off (the default): dropped at expiry, nothing stale. */
	assert_int_equal(put_a(c, "a.test.", 1, 10, CACHE_ANSWER, T0), 0);
	assert_int_equal(get_stale_a(c, "a.test.", T0 + 5, &ttl), 1);
	assert_int_equal(ttl, 5);	/* live: its own TTL */
	assert_int_equal(get_stale_a(c, "a.test.", T0 + 10, &ttl), -1);

	cache_set_stale(c, 3600);
	assert_int_equal(put_a(c, "a.test.", 2, 10, CACHE_AUTH_ANSWER, T0),
	    0);
	assert_int_equal(get_a(c, "a.test.", T0 + 10, NULL), -1);
	assert_int_equal(get_stale_a(c, "a.test.", T0 + 10, &ttl), 2);
	assert_int_equal(ttl, CACHE_STALE_TTL);
	assert_int_equal(get_stale_a(c, "a.test.", T0 + 3609, &ttl), 2);
	cache_stats(c, &st);
	assert_int_equal(st.entries, 1);
	/* A lower-trust answer replaces expired data of higher trust, and
	 * no stale copy stays beside it. */
	assert_int_equal(put_a(c, "a.test.", 3, 10, CACHE_ANSWER, T0 + 20),
	    0);
	assert_int_equal(get_a(c, "a.test.", T0 + 21, NULL), 3);
	cache_stats(c, &st);
	assert_int_equal(st.entries, 1);
	/* Past the window: gone for good, and removed when met. */
	assert_int_equal(get_stale_a(c, "a.test.", T0 + 30 + 3600, &ttl),
	    -1);
	cache_stats(c, &st);
	assert_int_equal(st.entries, 0);
	cache_free(&c);
}

/* The prefetch mark: set for the first reader in the last tenth of the
 * TTL, for TTLs of 10 s and more, and only once. */
static void
test_prefetch_mark(void **state)
{
	struct cache *c = cache_new(1 << 20, 2);
	struct arena *a = arena_new(1024);
	struct dns_name n = N("p.test."), m = N("q.test.");
	struct cache_rrset rs;

	(void)state;
	assert_int_equal(put_a(c, "p.test.", 1, 100, CACHE_ANSWER, T0), 0);
	assert_int_equal(put_a(c, "q.test.", 2, 9, CACHE_ANSWER, T0), 0);
	assert_int_equal(cache_get_rrset(c, &n, DNS_T_A, T0 + 89, a, &rs), 0);
	assert_false(rs.prefetch);		/* 11 s left of 100 */
	assert_int_equal(cache_get_rrset(c, &n, DNS_T_A, T0 + 90, a, &rs), 0);
	assert_true(rs.prefetch);		/* 10 s left: refresh */
	assert_int_equal(cache_get_rrset(c, &n, DNS_T_A, T0 + 95, a, &rs), 0);
	assert_false(rs.prefetch);		/* asked for already */
	assert_int_equal(cache_get_rrset(c, &m, DNS_T_A, T0 + 8, a, &rs), 0);
	assert_false(rs.prefetch);		/* too short to bother */
	/* A new store is a new entry: its own last tenth counts again. */
	assert_int_equal(put_a(c, "p.test.", 3, 100, CACHE_ANSWER, T0 + 96),
	    0);
	assert_int_equal(cache_get_rrset(c, &n, DNS_T_A, T0 + 186, a, &rs),
	    0);
	assert_true(rs.prefetch);
	arena_free(&a);
	cache_free(&c);
}

static void
test_ttl_zero_and_cap(void **state)
{
	struct cache *c = cache_new(1 << 20, 1);
	struct arena *a = arena_new(1024);
	struct cache_rrset soa;
	struct cache_stats st;
	uint32_t ttl = 0;

	(void)state;
	assert_int_equal(put_a(c, "zero.test.", 1, 0, CACHE_ANSWER, T0), 0);
	assert_int_equal(get_a(c, "zero.test.", T0, NULL), -1);
	/* RFC 2181 8: the top bit set reads as zero. */
	assert_int_equal(put_a(c, "top.test.", 1, 0x80000001u, CACHE_ANSWER,
	    T0), 0);
	assert_int_equal(get_a(c, "top.test.", T0, NULL), -1);
	assert_int_equal(put_neg(c, "nx0.test.", 0, CACHE_NXDOMAIN, 0, T0), 0);
	assert_int_equal(get_neg(c, "nx0.test.", DNS_T_A, T0, a, NULL), 0);
	cache_stats(c, &st);
	assert_int_equal(st.inserts, 0);
	assert_int_equal(st.entries, 0);

	/* Capped at one day, negative answers at one hour. */
	assert_int_equal(put_a(c, "week.test.", 2, 604800, CACHE_ANSWER, T0),
	    0);
	assert_int_equal(get_a(c, "week.test.", T0, &ttl), 2);
	assert_int_equal(ttl, 86400);
	assert_int_equal(get_a(c, "week.test.", T0 + 86400, NULL), -1);
	assert_int_equal(put_a(c, "max.test.", 3, 0x7fffffffu, CACHE_ANSWER,
	    T0), 0);
	assert_int_equal(get_a(c, "max.test.", T0, &ttl), 3);
	assert_int_equal(ttl, 86400);
	assert_int_equal(put_neg(c, "nx.test.", 0, CACHE_NXDOMAIN, 86400, T0),
	    0);
	assert_int_equal(get_neg(c, "nx.test.", DNS_T_A, T0, a, &soa),
	    CACHE_NXDOMAIN);
	assert_int_equal(soa.ttl, 3600);
	assert_int_equal(get_neg(c, "nx.test.", DNS_T_A, T0 + 3600, a, NULL),
	    0);
	arena_free(&a);
	cache_free(&c);
}

static void
test_trust_order(void **state)
{
	struct cache *c = cache_new(1 << 20, 4);

	(void)state;
	/* Glue does not replace an answer. */
	assert_int_equal(put_a(c, "ns.test.", 1, 300, CACHE_ANSWER, T0), 0);
	assert_int_equal(put_a(c, "ns.test.", 2, 300, CACHE_GLUE, T0), 0);
	assert_int_equal(get_a(c, "ns.test.", T0, NULL), 1);
	assert_int_equal(put_a(c, "ns.test.", 2, 300, CACHE_AUTHORITY, T0),
	    0);
	assert_int_equal(get_a(c, "ns.test.", T0, NULL), 1);
	/* Equal trust replaces (newer data), higher replaces. */
	assert_int_equal(put_a(c, "ns.test.", 3, 300, CACHE_ANSWER, T0 + 1),
	    0);
	assert_int_equal(get_a(c, "ns.test.", T0 + 1, NULL), 3);
	assert_int_equal(put_a(c, "ns.test.", 4, 300, CACHE_AUTH_ANSWER,
	    T0 + 1), 0);
	assert_int_equal(get_a(c, "ns.test.", T0 + 1, NULL), 4);

	/* An answer replaces glue. */
	assert_int_equal(put_a(c, "g.test.", 1, 300, CACHE_GLUE, T0), 0);
	assert_int_equal(get_a(c, "g.test.", T0, NULL), 1);
	assert_int_equal(put_a(c, "g.test.", 2, 300, CACHE_ANSWER, T0), 0);
	assert_int_equal(get_a(c, "g.test.", T0, NULL), 2);

	/* Expired high trust is replaced by anything. */
	assert_int_equal(put_a(c, "x.test.", 1, 10, CACHE_AUTH_ANSWER, T0), 0);
	assert_int_equal(put_a(c, "x.test.", 2, 300, CACHE_GLUE, T0 + 9), 0);
	assert_int_equal(get_a(c, "x.test.", T0 + 9, NULL), 1);
	assert_int_equal(put_a(c, "x.test.", 2, 300, CACHE_GLUE, T0 + 10), 0);
	assert_int_equal(get_a(c, "x.test.", T0 + 10, NULL), 2);

	struct cache_stats st;
	cache_stats(c, &st);
	assert_int_equal(st.entries, 3);
	cache_free(&c);
}

static void
test_neg_nxdomain_covers_all_types(void **state)
{
	struct cache *c = cache_new(1 << 20, 4);
	struct arena *a = arena_new(1024);
	struct cache_rrset soa;

	(void)state;
	/* Data cached before the name vanished is dropped (RFC 2308 2.1). */
	assert_int_equal(put_a(c, "gone.test.", 1, 300, CACHE_AUTH_ANSWER, T0),
	    0);
	assert_int_equal(put_neg(c, "GONE.test.", DNS_T_MX, CACHE_NXDOMAIN,
	    600, T0), 0);
	assert_int_equal(get_a(c, "gone.test.", T0, NULL), -1);
	static const uint16_t types[] = { DNS_T_A, DNS_T_AAAA, DNS_T_MX,
	    DNS_T_TXT, DNS_T_SOA, 0 };
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		assert_int_equal(get_neg(c, "gone.TEST.", types[i], T0 + 10,
		    a, &soa), CACHE_NXDOMAIN);
	/* Not the parent, not a child (RFC 8020 cuts are not done). */
	assert_int_equal(get_neg(c, "test.", DNS_T_A, T0, a, NULL), 0);
	assert_int_equal(get_neg(c, "x.gone.test.", DNS_T_A, T0, a, NULL), 0);

	/* Lower-ranked data for a name known not to exist is ignored;
	 * an authoritative answer shows it exists again. */
	assert_int_equal(put_a(c, "gone.test.", 2, 300, CACHE_GLUE, T0), 0);
	assert_int_equal(get_a(c, "gone.test.", T0, NULL), -1);
	assert_int_equal(put_a(c, "gone.test.", 3, 300, CACHE_AUTH_ANSWER,
	    T0), 0);
	assert_int_equal(get_a(c, "gone.test.", T0, NULL), 3);
	assert_int_equal(get_neg(c, "gone.test.", DNS_T_MX, T0, a, NULL), 0);
	arena_free(&a);
	cache_free(&c);
}

static void
test_neg_nodata_only_its_type(void **state)
{
	struct cache *c = cache_new(1 << 20, 4);
	struct arena *a = arena_new(1024);

	(void)state;
	assert_int_equal(put_a(c, "v4.test.", 1, 300, CACHE_ANSWER, T0), 0);
	assert_int_equal(put_neg(c, "v4.test.", DNS_T_AAAA, CACHE_NODATA, 300,
	    T0), 0);
	assert_int_equal(get_neg(c, "V4.test.", DNS_T_AAAA, T0, a, NULL),
	    CACHE_NODATA);
	assert_int_equal(get_neg(c, "v4.test.", DNS_T_A, T0, a, NULL), 0);
	assert_int_equal(get_neg(c, "v4.test.", DNS_T_MX, T0, a, NULL), 0);
	assert_int_equal(get_a(c, "v4.test.", T0, NULL), 1);

	/* A NODATA at the type is not an RRset. */
	struct dns_name n = N("v4.test.");
	struct cache_rrset rs;
	assert_int_equal(cache_get_rrset(c, &n, DNS_T_AAAA, T0, a, &rs),
	    -IK_ENOTFOUND);
	/* NODATA for a type replaces the RRset of that type... */
	assert_int_equal(put_neg(c, "v4.test.", DNS_T_A, CACHE_NODATA, 300,
	    T0), 0);
	assert_int_equal(get_a(c, "v4.test.", T0, NULL), -1);
	/* ...glue does not replace a valid NODATA, an AA answer does. */
	assert_int_equal(put_a(c, "v4.test.", 2, 300, CACHE_GLUE, T0), 0);
	assert_int_equal(get_a(c, "v4.test.", T0, NULL), -1);
	assert_int_equal(put_a(c, "v4.test.", 3, 300, CACHE_AUTH_ANSWER, T0),
	    0);
	assert_int_equal(get_a(c, "v4.test.", T0, NULL), 3);
	assert_int_equal(get_neg(c, "v4.test.", DNS_T_A, T0, a, NULL), 0);

	/* A NODATA proves the name exists: it replaces an NXDOMAIN. */
	assert_int_equal(put_neg(c, "n.test.", 0, CACHE_NXDOMAIN, 300, T0), 0);
	assert_int_equal(put_neg(c, "n.test.", DNS_T_TXT, CACHE_NODATA, 300,
	    T0), 0);
	assert_int_equal(get_neg(c, "n.test.", DNS_T_A, T0, a, NULL), 0);
	assert_int_equal(get_neg(c, "n.test.", DNS_T_TXT, T0, a, NULL),
	    CACHE_NODATA);
	arena_free(&a);
	cache_free(&c);
}

static void
test_neg_soa_counted_down(void **state)
{
	struct cache *c = cache_new(1 << 20, 4);
	struct arena *a = arena_new(1024);
	struct cache_rrset soa;

	(void)state;
	assert_int_equal(put_neg(c, "nd.example.test.", DNS_T_MX,
	    CACHE_NODATA, 900, T0), 0);
	assert_int_equal(get_neg(c, "nd.example.test.", DNS_T_MX, T0 + 400, a,
	    &soa), CACHE_NODATA);
	assert_name_text(&soa.name, "Example.TEST.");
	assert_int_equal(soa.type, DNS_T_SOA);
	assert_int_equal(soa.ttl, 500);
	assert_int_equal(soa.n, 1);
	assert_int_equal(soa.rdlen[0], sizeof(soa_rd));
	assert_memory_equal(soa.rdata[0], soa_rd, sizeof(soa_rd));
	assert_int_equal(get_neg(c, "nd.example.test.", DNS_T_MX, T0 + 899, a,
	    &soa), CACHE_NODATA);
	assert_int_equal(soa.ttl, 1);
	assert_int_equal(get_neg(c, "nd.example.test.", DNS_T_MX, T0 + 900, a,
	    &soa), 0);

	struct cache_stats st;
	cache_stats(c, &st);
	assert_int_equal(st.neg_hits, 2);
	assert_int_equal(st.expired, 1);
	assert_int_equal(st.entries, 0);
	arena_free(&a);
	cache_free(&c);
}

static void
test_bad_arguments(void **state)
{
	struct cache *c = cache_new(1 << 20, 4);
	struct dns_name n = N("a.test.");
	const uint8_t *rd[1] = { (const uint8_t *)"abcd" };
	const uint16_t len[1] = { 4 };

	(void)state;
	assert_int_equal(cache_put_rrset(c, &n, 0, 60, rd, len, 1,
	    CACHE_ANSWER, T0), -EINVAL);
	assert_int_equal(cache_put_rrset(c, &n, DNS_T_A, 60, rd, len, 0,
	    CACHE_ANSWER, T0), -EINVAL);
	assert_int_equal(cache_put_rrset(c, &n, DNS_T_A, 60, rd, len, 1,
	    (enum cache_trust)0, T0), -EINVAL);
	assert_int_equal(put_neg(c, "a.test.", 0, CACHE_NODATA, 60, T0),
	    -EINVAL);
	assert_int_equal(put_neg(c, "a.test.", 1, (enum cache_neg)7, 60, T0),
	    -EINVAL);
	cache_free(&c);
}

static void
test_flush(void **state)
{
	struct cache *c = cache_new(1 << 20, 8);
	struct arena *a = arena_new(1024);
	static const char *names[] = { "example.test.", "www.example.test.",
	    "a.b.example.test.", "xexample.test.", "test.", "other.test." };
	const size_t nn = sizeof(names) / sizeof(names[0]);

	(void)state;
	for (size_t i = 0; i < nn; i++)
		assert_int_equal(put_a(c, names[i], (uint8_t)i, 300,
		    CACHE_ANSWER, T0), 0);
	assert_int_equal(put_neg(c, "www.example.test.", DNS_T_AAAA,
	    CACHE_NODATA, 300, T0), 0);
	assert_int_equal(put_neg(c, "nx.example.test.", 0, CACHE_NXDOMAIN,
	    300, T0), 0);

	/* One name: both its entries, nothing else. */
	struct dns_name n = N("WWW.example.test.");
	assert_int_equal(cache_flush(c, &n, false), 2);
	assert_int_equal(get_a(c, "www.example.test.", T0, NULL), -1);
	assert_int_equal(get_neg(c, "www.example.test.", DNS_T_AAAA, T0, a,
	    NULL), 0);
	assert_int_equal(get_a(c, "a.b.example.test.", T0, NULL), 2);
	assert_int_equal(cache_flush(c, &n, false), 0);

	/* A subtree: at and below, on label boundaries only. */
	assert_int_equal(put_a(c, "www.example.test.", 1, 300, CACHE_ANSWER,
	    T0), 0);
	n = N("Example.Test.");
	assert_int_equal(cache_flush(c, &n, true), 4);
	assert_int_equal(get_a(c, "example.test.", T0, NULL), -1);
	assert_int_equal(get_a(c, "www.example.test.", T0, NULL), -1);
	assert_int_equal(get_a(c, "a.b.example.test.", T0, NULL), -1);
	assert_int_equal(get_neg(c, "nx.example.test.", 1, T0, a, NULL), 0);
	assert_int_equal(get_a(c, "xexample.test.", T0, NULL), 3);
	assert_int_equal(get_a(c, "test.", T0, NULL), 4);

	/* The root as subtree is everything; so is NULL. */
	struct cache_stats st;
	dns_name_root(&n);
	assert_int_equal(cache_flush(c, &n, true), 3);
	cache_stats(c, &st);
	assert_int_equal(st.entries, 0);
	for (size_t i = 0; i < nn; i++)
		assert_int_equal(put_a(c, names[i], (uint8_t)i, 300,
		    CACHE_ANSWER, T0), 0);
	assert_int_equal(cache_flush(c, NULL, false), nn);
	cache_stats(c, &st);
	assert_int_equal(st.entries, 0);
	assert_int_equal(st.bytes, 0);
	assert_int_equal(get_a(c, "other.test.", T0, NULL), -1);
	/* The cache still works after a full flush. */
	assert_int_equal(put_a(c, "other.test.", 9, 300, CACHE_ANSWER, T0), 0);
	assert_int_equal(get_a(c, "other.test.", T0, NULL), 9);
	arena_free(&a);
	cache_free(&c);
}

/* Bytes one A entry for a name of the same length as "n0.test." uses. */
static size_t
entry_size(void)
{
	struct cache *c = cache_new(1 << 20, 1);
	struct cache_stats st;

	assert_int_equal(put_a(c, "n0.test.", 0, 300, CACHE_ANSWER, T0), 0);
	cache_stats(c, &st);
	cache_free(&c);
	return st.bytes;
}

static void
test_lru_eviction(void **state)
{
	size_t sz = entry_size();
	struct cache *c = cache_new(3 * sz + sz / 2, 1);
	struct cache_stats st;

	(void)state;
	assert_true(sz > 4 + 8);
	assert_int_equal(put_a(c, "n1.test.", 1, 300, CACHE_ANSWER, T0), 0);
	assert_int_equal(put_a(c, "n2.test.", 2, 300, CACHE_ANSWER, T0), 0);
	assert_int_equal(put_a(c, "n3.test.", 3, 300, CACHE_ANSWER, T0), 0);
	/* Reading n1 makes n2 the oldest unused: it goes first. */
	assert_int_equal(get_a(c, "n1.test.", T0, NULL), 1);
	assert_int_equal(put_a(c, "n4.test.", 4, 300, CACHE_ANSWER, T0), 0);
	assert_int_equal(get_a(c, "n2.test.", T0, NULL), -1);
	assert_int_equal(get_a(c, "n1.test.", T0, NULL), 1);
	assert_int_equal(get_a(c, "n3.test.", T0, NULL), 3);
	assert_int_equal(get_a(c, "n4.test.", T0, NULL), 4);
	/* Now n1 is the oldest read. */
	assert_int_equal(put_a(c, "n5.test.", 5, 300, CACHE_ANSWER, T0), 0);
	assert_int_equal(get_a(c, "n1.test.", T0, NULL), -1);
	assert_int_equal(get_a(c, "n5.test.", T0, NULL), 5);
	cache_stats(c, &st);
	assert_int_equal(st.evictions, 2);
	assert_int_equal(st.entries, 3);
	assert_true(st.bytes <= st.limit);
	assert_int_equal(st.limit, 3 * sz + sz / 2);

	/* Replacing an entry in place needs no eviction. */
	assert_int_equal(put_a(c, "n3.test.", 6, 300, CACHE_ANSWER, T0), 0);
	cache_stats(c, &st);
	assert_int_equal(st.evictions, 2);
	/* An expired tail is counted as expired, not evicted. */
	assert_int_equal(put_a(c, "n6.test.", 6, 300, CACHE_ANSWER, T0 + 300),
	    0);
	cache_stats(c, &st);
	assert_int_equal(st.evictions, 2);
	assert_int_equal(st.expired, 1);

	/* What can never fit is refused and evicts nothing. */
	static uint8_t big[4096];
	const uint8_t *rd[1] = { big };
	const uint16_t len[1] = { sizeof(big) };
	struct dns_name n = N("big.test.");
	assert_int_equal(cache_put_rrset(c, &n, DNS_T_TXT, 300, rd, len, 1,
	    CACHE_ANSWER, T0), -ENOMEM);
	cache_stats(c, &st);
	assert_int_equal(st.entries, 3);
	cache_free(&c);
}

static void
test_stats(void **state)
{
	struct cache *c = cache_new(1 << 20, 4);
	struct arena *a = arena_new(1024);
	struct cache_stats st;

	(void)state;
	cache_stats(c, &st);
	assert_int_equal(st.entries, 0);
	assert_int_equal(st.bytes, 0);
	assert_int_equal(st.limit, 1 << 20);
	assert_int_equal(put_a(c, "a.test.", 1, 300, CACHE_ANSWER, T0), 0);
	assert_int_equal(put_a(c, "b.test.", 2, 300, CACHE_ANSWER, T0), 0);
	assert_int_equal(put_a(c, "b.test.", 3, 300, CACHE_GLUE, T0), 0);
	assert_int_equal(put_neg(c, "c.test.", 0, CACHE_NXDOMAIN, 300, T0), 0);
	assert_int_equal(get_a(c, "a.test.", T0, NULL), 1);
	assert_int_equal(get_a(c, "b.test.", T0, NULL), 2);
	assert_int_equal(get_a(c, "z.test.", T0, NULL), -1);
	assert_int_equal(get_a(c, "c.test.", T0, NULL), -1);
	assert_int_equal(get_neg(c, "c.test.", DNS_T_A, T0, a, NULL),
	    CACHE_NXDOMAIN);
	assert_int_equal(get_neg(c, "z.test.", DNS_T_A, T0, a, NULL), 0);
	assert_int_equal(get_neg(c, "a.test.", DNS_T_A, T0, a, NULL), 0);
	cache_stats(c, &st);
	assert_int_equal(st.hits, 2);
	assert_int_equal(st.misses, 2);
	assert_int_equal(st.neg_hits, 1);
	assert_int_equal(st.inserts, 3);	/* the glue was ignored */
	assert_int_equal(st.entries, 3);
	assert_int_equal(st.evictions, 0);
	assert_int_equal(st.expired, 0);
	assert_true(st.bytes > 3 * (4 + 8));
	arena_free(&a);
	cache_free(&c);
}

/* Many names in one shard: the table doubles many times over. */
static void
test_growth(void **state)
{
	struct cache *c = cache_new(64 << 20, 3);	/* rounded up to 4 */
	struct cache_stats st;
	char name[64];

	(void)state;
	for (unsigned i = 0; i < 20000; i++) {
		snprintf(name, sizeof(name), "h%u.Grow.test.", i);
		assert_int_equal(put_a(c, name, (uint8_t)i, 300, CACHE_ANSWER,
		    T0), 0);
	}
	for (unsigned i = 0; i < 20000; i++) {
		snprintf(name, sizeof(name), "H%u.grow.TEST.", i);
		assert_int_equal(get_a(c, name, T0, NULL), (uint8_t)i);
	}
	cache_stats(c, &st);
	assert_int_equal(st.entries, 20000);
	assert_int_equal(st.hits, 20000);
	assert_int_equal(st.evictions, 0);
	cache_free(&c);
}

#define MT_THREADS	4
#define MT_OPS		50000	/* per thread: 200k in all */
#define MT_NAMES	2000

struct mt_arg {
	struct cache	*c;
	unsigned	 seed;
};

static void *
mt_run(void *p)
{
	struct mt_arg *m = p;
	struct arena *a = arena_new(4096);
	struct dns_name soa = N("test.");
	unsigned seed = m->seed;
	char text[64];

	if (a == NULL)
		return (void *)1;
	for (unsigned i = 0; i < MT_OPS; i++) {
		unsigned r = (unsigned)rand_r(&seed);
		unsigned k = r % MT_NAMES;
		uint64_t now = T0 + i / 500;	/* clocks differ a little */
		struct dns_name n, parent;
		struct cache_rrset rs;
		uint8_t rd[64];
		const uint8_t *rdp[2] = { rd, rd + 8 };
		uint16_t len[2] = { (uint16_t)(r % 9), 40 };

		snprintf(text, sizeof(text), "n%u.d%u.Test.", k, k % 16);
		if (dns_name_from_text(text, strlen(text), NULL, &n) != 0)
			return (void *)1;
		memset(rd, (int)k, sizeof(rd));
		switch ((r >> 8) % 16) {
		case 0: case 1: case 2: case 3:
			(void)cache_put_rrset(m->c, &n, 1 + (r >> 12) % 3,
			    (r >> 16) % 60, rdp, len, 1 + (r >> 4) % 2,
			    (enum cache_trust)(1 + (r >> 20) % 4), now);
			break;
		case 4:
			(void)cache_put_neg(m->c, &n, 1 + (r >> 12) % 3,
			    (enum cache_neg)(1 + (r >> 14) % 2), &soa, rd, 20,
			    (r >> 16) % 20, now);
			break;
		case 5:
			if (cache_get_neg(m->c, &n, 1 + (r >> 12) % 3, now, a,
			    &rs) > 0 && (rs.type != DNS_T_SOA ||
			    rs.rdlen[0] != 20 || rs.ttl > 3600))
				return (void *)1;
			break;
		case 6:
			if ((r >> 12) % 64 == 0) {
				dns_name_strip(&n, 1, &parent);
				(void)cache_flush(m->c, &parent, true);
			} else {
				(void)cache_flush(m->c, &n, false);
			}
			break;
		case 7:
			if ((r >> 12) % 256 == 0)
				(void)cache_flush(m->c, NULL, false);
			break;
		default:
			if (cache_get_rrset(m->c, &n, 1 + (r >> 12) % 3, now, a,
			    &rs) == 0) {
				/* Every record was made from the name. */
				for (uint16_t j = 0; j < rs.n; j++)
					for (uint16_t b = 0; b < rs.rdlen[j];
					    b++)
						if (rs.rdata[j][b] !=
						    (uint8_t)k)
							return (void *)1;
				if (!dns_name_equal(&rs.name, &n) ||
				    rs.ttl >= 60)
					return (void *)1;
			}
			break;
		}
		arena_reset(a);
	}
	arena_free(&a);
	return NULL;
}

static void
test_threads(void **state)
{
	/* Small enough that eviction runs all the time. */
	struct cache *c = cache_new(64 << 10, 8);
	pthread_t t[MT_THREADS];
	struct mt_arg arg[MT_THREADS];
	struct cache_stats st;

	(void)state;
	assert_non_null(c);
	for (unsigned i = 0; i < MT_THREADS; i++) {
		arg[i] = (struct mt_arg){ c, 12345u + i };
		assert_int_equal(pthread_create(&t[i], NULL, mt_run, &arg[i]),
		    0);
	}
	for (unsigned i = 0; i < MT_THREADS; i++) {
		void *res = (void *)1;
		assert_int_equal(pthread_join(t[i], &res), 0);
		assert_null(res);
	}
	cache_stats(c, &st);
	assert_true(st.bytes <= st.limit);
	assert_true(st.inserts > 0);
	assert_true(st.hits > 0);
	assert_true(st.evictions > 0);
	/* Whatever is left is all there is: a full flush finds it all. */
	assert_int_equal(cache_flush(c, NULL, false), st.entries);
	cache_stats(c, &st);
	assert_int_equal(st.bytes, 0);
	cache_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_keeps_case),
		cmocka_unit_test(test_empty_rdata_and_root),
		cmocka_unit_test(test_ttl_counts_down),
		cmocka_unit_test(test_serve_stale_window),
		cmocka_unit_test(test_prefetch_mark),
		cmocka_unit_test(test_ttl_zero_and_cap),
		cmocka_unit_test(test_trust_order),
		cmocka_unit_test(test_neg_nxdomain_covers_all_types),
		cmocka_unit_test(test_neg_nodata_only_its_type),
		cmocka_unit_test(test_neg_soa_counted_down),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_flush),
		cmocka_unit_test(test_lru_eviction),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
