/* tests/unit/dns/test_auth.c - the authoritative answer logic, driven
 * with queries made by the builder and responses read back with
 * dns_msg_parse: a table of questions over one realistic zone and a
 * second one (answers, NXDOMAIN, NODATA, wildcards, referrals, CNAME and
 * DNAME chains), the error replies, EDNS and truncation, AXFR, stats.
 * Records are compared as "owner ttl TYPE rdata" text. */
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

#include "core/arena.h"
#include "core/cfg.h"
#include "core/err.h"
#include "dns/auth.h"
#include "dns/name.h"
#include "dns/rr.h"
#include "dns/wire.h"
#include "dns/zone.h"
#include "dns/zonedb.h"

#define SECT_MAX	8	/* expected records per section in the table */
#define RR_TEXT_MAX	1024
#define ZONE_RECS_MAX	160
#define XFR_MSGS_MAX	64

static const char example_zone[] =
    "; the realistic zone\n"
    "$ORIGIN example.test.\n"
    "$TTL 3600\n"
    "@\tIN SOA\tns1 hostmaster 2024010101 7200 3600 1209600 300\n"
    "\tIN NS\tns1\n"
    "\tIN NS\tns2.example.net.\n"
    "\tIN MX\t10 mail\n"
    "\tIN TXT\t\"v=spf1 mx -all\"\n"
    "ns1\tIN A\t192.0.2.53\n"
    "\tIN AAAA\t2001:db8::53\n"
    "mail\tIN A\t192.0.2.25\n"
    "www\tIN A\t192.0.2.80\n"
    "\tIN A\t192.0.2.81\n"
    "\tIN AAAA\t2001:db8::80\n"
    "alias\tIN CNAME\talias2\n"
    "alias2\t600 IN CNAME www\n"
    "ext\tIN CNAME\twww.example.net.\n"
    "other\tIN CNAME\twww.other.test.\n"
    "dangling IN CNAME\tnothere\n"
    "tosub\tIN CNAME\twww.sub\n"
    "towild\tIN CNAME\tx.dyn\n"
    "loop1\tIN CNAME\tloop2\n"
    "loop2\tIN CNAME\tloop1\n"
    "*.dyn\tIN A\t192.0.2.100\n"
    "*.dyn\tIN TXT\t\"wild\"\n"
    "host.dyn IN A\t192.0.2.101\n"
    "x.e.dyn\tIN A\t192.0.2.102\n"
    "deleg.dyn IN NS\tns.example.net.\n"
    "sub\tIN NS\tns.sub\n"
    "\tIN NS\tns.example.net.\n"
    "ns.sub\tIN A\t192.0.2.54\n"
    "olddept\t1800 IN DNAME newdept\n"
    "www.newdept IN A\t192.0.2.90\n"
    "grow\tIN DNAME\ta-very-long-label-for-growth-tests.newdept\n"
    "x.ent\tIN A\t192.0.2.33\n";

static const char other_zone[] =
    "$ORIGIN other.test.\n"
    "$TTL 7200\n"
    "@\t60 IN SOA ns.example.test. admin 5 3600 600 86400 600\n"
    "\tIN NS\tns1.example.test.\n"
    "www\tIN A\t198.51.100.1\n";

#define SOA_EX	"example.test. 300 SOA ns1.example.test. " \
    "hostmaster.example.test. 2024010101 7200 3600 1209600 300"
#define SOA_OT	"other.test. 60 SOA ns.example.test. admin.other.test. " \
    "5 3600 600 86400 600"

#define BIG_N	60

/* Shared by the tests: the zones, and the records each was loaded with
 * (for AXFR). */
struct fx {
	struct zonedb	*db;
	struct zone	*ex;
	char		*recs[ZONE_RECS_MAX];	/* example.test's records */
	size_t		 n_recs;
	struct arena	*scratch;	/* for dns_auth_answer */
	struct arena	*pa;		/* for parsing responses */
	struct dns_stats st;
};

struct load {
	struct fx	*fx;
	struct zone	*z;
	bool		 keep;		/* record texts into fx->recs */
};

static void
name_of(const char *s, struct dns_name *n)
{
	assert_int_equal(dns_name_from_text(s, strlen(s), NULL, n), 0);
}

/* "owner ttl TYPE rdata" of one record. */
static void
rr_text(const struct dns_rr *rr, char *buf, size_t cap)
{
	char name[DNS_NAME_TEXT_MAX], type[16], rd[RR_TEXT_MAX];

	assert_true(dns_name_to_text(&rr->name, name, sizeof(name)) > 0);
	assert_true(dns_rdata_to_text(rr->type, rr->rdata, rr->rdlen, rd,
	    sizeof(rd)) >= 0);
	int n = snprintf(buf, cap, "%s %u %s %s", name, rr->ttl,
	    dns_type_name(rr->type, type, sizeof(type)), rd);
	assert_true(n > 0 && (size_t)n < cap);
}

static int
load_add(void *arg, const struct dns_rr *rr)
{
	struct load *l = arg;
	const char *why = NULL;
	int err = zone_add(l->z, rr, &why);

	if (err < 0)
		print_error("zone_add: %s\n", why != NULL ? why : "?");
	if (err == 0 && l->keep) {
		char t[RR_TEXT_MAX];
		rr_text(rr, t, sizeof(t));
		assert_true(l->fx->n_recs < ZONE_RECS_MAX);
		assert_non_null(l->fx->recs[l->fx->n_recs++] = strdup(t));
	}
	return err;
}

static struct zone *
load_zone(struct fx *fx, const char *apex, const char *text, bool keep)
{
	struct dns_name o;
	struct cfg_errs errs = { 0 };
	struct load l = { .fx = fx, .keep = keep };

	name_of(apex, &o);
	assert_non_null(l.z = zone_new(&o));
	struct zone_parse p = { .origin = &o, .add = load_add, .arg = &l,
	    .errs = &errs, .max_errors = 10 };
	int err = dns_zone_parse_text(text, strlen(text), "t.zone", &p);
	if (err == 0)
		err = zone_finish(l.z, &errs, "t.zone");
	for (size_t i = 0; i < errs.n; i++)
		print_error("%s\n", errs.msg[i]);
	assert_int_equal(err, 0);
	cfg_errs_clear(&errs);
	return l.z;
}

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	char *text = NULL;
	size_t len = 0;

	assert_non_null(fx);
	/* The zone, then the 60 A records of big. */
	FILE *fp = open_memstream(&text, &len);
	assert_non_null(fp);
	fputs(example_zone, fp);
	for (int i = 1; i <= BIG_N; i++)
		fprintf(fp, "big\tIN A\t10.0.0.%d\n", i);
	assert_int_equal(fclose(fp), 0);

	assert_non_null(fx->db = zonedb_new());
	fx->ex = load_zone(fx, "example.test.", text, true);
	free(text);
	assert_int_equal(zonedb_add(fx->db, fx->ex), 0);
	assert_int_equal(zonedb_add(fx->db,
	    load_zone(fx, "other.test.", other_zone, false)), 0);
	assert_non_null(fx->scratch = arena_new(16384));
	assert_non_null(fx->pa = arena_new(65536));
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	for (size_t i = 0; i < fx->n_recs; i++)
		free(fx->recs[i]);
	zonedb_free(&fx->db);
	arena_free(&fx->scratch);
	arena_free(&fx->pa);
	free(fx);
	return 0;
}

/* ---- queries and responses ---- */

struct qspec {
	const char	*qname;
	uint16_t	 qtype;
	uint16_t	 qclass;	/* 0: IN */
	uint16_t	 id;
	uint16_t	 flags;		/* header flags as sent */
	bool		 has_edns;
	uint16_t	 udp_size;
	uint8_t		 version;
};

static size_t
make_query(const struct qspec *s, uint8_t *buf, size_t cap)
{
	struct dns_builder b;
	struct dns_hdr h = { .id = s->id, .flags = s->flags };
	struct dns_question q = { .type = s->qtype,
	    .class = s->qclass ? s->qclass : DNS_C_IN };

	name_of(s->qname, &q.name);
	dns_build_init(&b, buf, cap, &h);
	dns_build_question(&b, &q);
	if (s->has_edns) {
		struct dns_edns e = { .present = true,
		    .udp_size = s->udp_size, .version = s->version };
		assert_int_equal(dns_build_opt(&b, &e), 0);
	}
	ssize_t n = dns_build_finish(&b);
	assert_true(n >= DNS_HDR_LEN);
	return (size_t)n;
}

static const struct dns_auth_opts udp_opts = { .udp_max = 1232 };
static const struct dns_auth_opts tcp_opts = { .udp_max = 1232,
    .is_tcp = true };

struct resp {
	uint8_t		 buf[DNS_MSG_MAX];
	size_t		 len;
	struct dns_msg	 m;
};

/* Sends `q` (qlen bytes) and parses what comes back; len 0 when no
 * response was made. */
static void
ask_raw(struct fx *fx, const struct dns_auth_opts *o, const uint8_t *q,
    size_t qlen, size_t cap, struct resp *r)
{
	arena_reset(fx->scratch);
	arena_reset(fx->pa);
	memset(&r->m, 0, sizeof(r->m));
	r->len = dns_auth_answer(fx->db, o, q, qlen, r->buf, cap,
	    fx->scratch, &fx->st);
	assert_true(r->len <= cap);
	if (r->len == 0)
		return;
	int err = dns_msg_parse(r->buf, r->len, fx->pa, &r->m);
	if (err != 0)
		fail_msg("response of %zu bytes does not parse: %s", r->len,
		    ik_strerror(err));
	assert_true(r->m.hdr.flags & DNS_F_QR);
	if (qlen >= 2)
		assert_int_equal(r->m.hdr.id, (uint16_t)(q[0] << 8 | q[1]));
}

static void
ask(struct fx *fx, const struct dns_auth_opts *o, const struct qspec *s,
    struct resp *r)
{
	uint8_t q[512];
	size_t qlen = make_query(s, q, sizeof(q));

	ask_raw(fx, o, q, qlen, o->is_tcp ? DNS_MSG_MAX : 4096, r);
	assert_true(r->len > 0);
}

/* The full rcode: header bits plus the OPT's upper bits. */
static unsigned
rcode_of(const struct dns_msg *m)
{
	return DNS_RCODE(m->hdr.flags) |
	    (m->edns.present ? (unsigned)m->edns.ext_rcode << 4 : 0);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Compares section `s` of `m` with `want` (NULL-ended); in order when
 * `ordered`, else as sets. On a mismatch prints both lists. */
static void
expect_section(const char *what, const struct dns_msg *m, enum dns_section s,
    const char *const *want, bool ordered)
{
	size_t n_want = 0;
	static char got[128][RR_TEXT_MAX];
	const char *g[128], *w[SECT_MAX + 1];
	static const char *const sect_name[] = { "answer", "authority",
	    "additional" };

	while (n_want < SECT_MAX && want[n_want] != NULL) {
		w[n_want] = want[n_want];
		n_want++;
	}
	size_t n_got = m->n_rr[s];
	assert_true(n_got <= 128);
	for (size_t i = 0; i < n_got; i++) {
		rr_text(&m->rr[s][i], got[i], sizeof(got[i]));
		g[i] = got[i];
	}
	if (!ordered) {
		qsort(g, n_got, sizeof(g[0]), cmp_str);
		qsort(w, n_want, sizeof(w[0]), cmp_str);
	}
	bool ok = n_got == n_want;
	for (size_t i = 0; ok && i < n_want; i++)
		ok = strcmp(g[i], w[i]) == 0;
	if (ok)
		return;
	print_error("%s: %s section differs\n", what, sect_name[s]);
	for (size_t i = 0; i < n_got || i < n_want; i++)
		print_error("%2zu got  %s\n   want %s\n", i,
		    i < n_got ? g[i] : "-", i < n_want ? w[i] : "-");
	fail();
}

/* ---- the table ---- */

struct auth_case {
	const char	*what;
	const char	*qname;
	uint16_t	 qtype;
	unsigned	 rcode;
	bool		 is_aa;
	bool		 is_ordered;	/* answer order matters (chains) */
	const char	*an[SECT_MAX + 1];
	const char	*ns[SECT_MAX + 1];
	const char	*ar[SECT_MAX + 1];
};

static const struct auth_case cases[] = {
	{ "positive A", "www.example.test.", DNS_T_A, DNS_R_NOERROR, true,
	  false,
	  { "www.example.test. 3600 A 192.0.2.80",
	    "www.example.test. 3600 A 192.0.2.81" }, { 0 }, { 0 } },
	{ "positive AAAA", "www.example.test.", DNS_T_AAAA, DNS_R_NOERROR,
	  true, false,
	  { "www.example.test. 3600 AAAA 2001:db8::80" }, { 0 }, { 0 } },
	{ "apex SOA", "example.test.", DNS_T_SOA, DNS_R_NOERROR, true, false,
	  { "example.test. 3600 SOA ns1.example.test. "
	    "hostmaster.example.test. 2024010101 7200 3600 1209600 300" },
	  { 0 }, { 0 } },
	{ "apex NS with glue", "example.test.", DNS_T_NS, DNS_R_NOERROR,
	  true, false,
	  { "example.test. 3600 NS ns1.example.test.",
	    "example.test. 3600 NS ns2.example.net." }, { 0 },
	  { "ns1.example.test. 3600 A 192.0.2.53",
	    "ns1.example.test. 3600 AAAA 2001:db8::53" } },
	{ "apex MX with address", "example.test.", DNS_T_MX, DNS_R_NOERROR,
	  true, false,
	  { "example.test. 3600 MX 10 mail.example.test." }, { 0 },
	  { "mail.example.test. 3600 A 192.0.2.25" } },
	{ "apex TXT", "example.test.", DNS_T_TXT, DNS_R_NOERROR, true, false,
	  { "example.test. 3600 TXT \"v=spf1 mx -all\"" }, { 0 }, { 0 } },
	{ "NXDOMAIN", "nope.example.test.", DNS_T_A, DNS_R_NXDOMAIN, true,
	  false, { 0 }, { SOA_EX }, { 0 } },
	{ "NXDOMAIN two below", "a.nope.example.test.", DNS_T_A,
	  DNS_R_NXDOMAIN, true, false, { 0 }, { SOA_EX }, { 0 } },
	{ "NXDOMAIN below data", "x.www.example.test.", DNS_T_A,
	  DNS_R_NXDOMAIN, true, false, { 0 }, { SOA_EX }, { 0 } },
	{ "NODATA", "www.example.test.", DNS_T_TXT, DNS_R_NOERROR, true,
	  false, { 0 }, { SOA_EX }, { 0 } },
	{ "NODATA MX", "mail.example.test.", DNS_T_MX, DNS_R_NOERROR, true,
	  false, { 0 }, { SOA_EX }, { 0 } },
	{ "ENT NODATA", "ent.example.test.", DNS_T_A, DNS_R_NOERROR, true,
	  false, { 0 }, { SOA_EX }, { 0 } },
	{ "ENT above a DNAME target", "newdept.example.test.", DNS_T_A,
	  DNS_R_NOERROR, true, false, { 0 }, { SOA_EX }, { 0 } },
	{ "ENT holding a wildcard is no wildcard match", "dyn.example.test.",
	  DNS_T_A, DNS_R_NOERROR, true, false, { 0 }, { SOA_EX }, { 0 } },
	{ "wildcard A", "foo.dyn.example.test.", DNS_T_A, DNS_R_NOERROR, true,
	  false, { "foo.dyn.example.test. 3600 A 192.0.2.100" }, { 0 },
	  { 0 } },
	{ "wildcard over two labels", "a.b.dyn.example.test.", DNS_T_A,
	  DNS_R_NOERROR, true, false,
	  { "a.b.dyn.example.test. 3600 A 192.0.2.100" }, { 0 }, { 0 } },
	{ "wildcard TXT", "foo.dyn.example.test.", DNS_T_TXT, DNS_R_NOERROR,
	  true, false, { "foo.dyn.example.test. 3600 TXT \"wild\"" }, { 0 },
	  { 0 } },
	{ "wildcard NODATA", "foo.dyn.example.test.", DNS_T_AAAA,
	  DNS_R_NOERROR, true, false, { 0 }, { SOA_EX }, { 0 } },
	{ "wildcard ANY", "foo.dyn.example.test.", DNS_T_ANY, DNS_R_NOERROR,
	  true, false,
	  { "foo.dyn.example.test. 3600 A 192.0.2.100",
	    "foo.dyn.example.test. 3600 TXT \"wild\"" }, { 0 }, { 0 } },
	{ "the wildcard owner itself", "*.dyn.example.test.", DNS_T_A,
	  DNS_R_NOERROR, true, false,
	  { "*.dyn.example.test. 3600 A 192.0.2.100" }, { 0 }, { 0 } },
	{ "explicit name beside the wildcard", "host.dyn.example.test.",
	  DNS_T_A, DNS_R_NOERROR, true, false,
	  { "host.dyn.example.test. 3600 A 192.0.2.101" }, { 0 }, { 0 } },
	{ "explicit name hides the wildcard's other types",
	  "host.dyn.example.test.", DNS_T_TXT, DNS_R_NOERROR, true, false,
	  { 0 }, { SOA_EX }, { 0 } },
	{ "no wildcard below an existing name", "x.host.dyn.example.test.",
	  DNS_T_A, DNS_R_NXDOMAIN, true, false, { 0 }, { SOA_EX }, { 0 } },
	{ "ENT under the wildcard's parent", "e.dyn.example.test.", DNS_T_A,
	  DNS_R_NOERROR, true, false, { 0 }, { SOA_EX }, { 0 } },
	{ "no wildcard below an ENT", "y.e.dyn.example.test.", DNS_T_A,
	  DNS_R_NXDOMAIN, true, false, { 0 }, { SOA_EX }, { 0 } },
	{ "no wildcard across a cut", "x.deleg.dyn.example.test.", DNS_T_A,
	  DNS_R_NOERROR, false, false, { 0 },
	  { "deleg.dyn.example.test. 3600 NS ns.example.net." }, { 0 } },
	{ "referral", "www.sub.example.test.", DNS_T_A, DNS_R_NOERROR, false,
	  false, { 0 },
	  { "sub.example.test. 3600 NS ns.sub.example.test.",
	    "sub.example.test. 3600 NS ns.example.net." },
	  { "ns.sub.example.test. 3600 A 192.0.2.54" } },
	{ "referral at the cut", "sub.example.test.", DNS_T_NS, DNS_R_NOERROR,
	  false, false, { 0 },
	  { "sub.example.test. 3600 NS ns.sub.example.test.",
	    "sub.example.test. 3600 NS ns.example.net." },
	  { "ns.sub.example.test. 3600 A 192.0.2.54" } },
	{ "glue is not answered", "ns.sub.example.test.", DNS_T_A,
	  DNS_R_NOERROR, false, false, { 0 },
	  { "sub.example.test. 3600 NS ns.sub.example.test.",
	    "sub.example.test. 3600 NS ns.example.net." },
	  { "ns.sub.example.test. 3600 A 192.0.2.54" } },
	{ "DS at the cut is the parent's", "sub.example.test.", DNS_T_DS,
	  DNS_R_NOERROR, true, false, { 0 }, { SOA_EX }, { 0 } },
	{ "CNAME chain", "alias.example.test.", DNS_T_A, DNS_R_NOERROR, true,
	  true,
	  { "alias.example.test. 3600 CNAME alias2.example.test.",
	    "alias2.example.test. 600 CNAME www.example.test.",
	    "www.example.test. 3600 A 192.0.2.80",
	    "www.example.test. 3600 A 192.0.2.81" }, { 0 }, { 0 } },
	{ "CNAME chain to NODATA", "alias.example.test.", DNS_T_TXT,
	  DNS_R_NOERROR, true, true,
	  { "alias.example.test. 3600 CNAME alias2.example.test.",
	    "alias2.example.test. 600 CNAME www.example.test." },
	  { SOA_EX }, { 0 } },
	{ "CNAME asked for", "alias.example.test.", DNS_T_CNAME,
	  DNS_R_NOERROR, true, false,
	  { "alias.example.test. 3600 CNAME alias2.example.test." }, { 0 },
	  { 0 } },
	{ "CNAME out of our zones", "ext.example.test.", DNS_T_A,
	  DNS_R_NOERROR, true, false,
	  { "ext.example.test. 3600 CNAME www.example.net." }, { 0 },
	  { 0 } },
	{ "CNAME into the second zone", "other.example.test.", DNS_T_A,
	  DNS_R_NOERROR, true, true,
	  { "other.example.test. 3600 CNAME www.other.test.",
	    "www.other.test. 7200 A 198.51.100.1" }, { 0 }, { 0 } },
	{ "CNAME to nothing", "dangling.example.test.", DNS_T_A,
	  DNS_R_NXDOMAIN, true, false,
	  { "dangling.example.test. 3600 CNAME nothere.example.test." },
	  { SOA_EX }, { 0 } },
	{ "CNAME into a delegation", "tosub.example.test.", DNS_T_A,
	  DNS_R_NOERROR, true, false,
	  { "tosub.example.test. 3600 CNAME www.sub.example.test." },
	  { "sub.example.test. 3600 NS ns.sub.example.test.",
	    "sub.example.test. 3600 NS ns.example.net." },
	  { "ns.sub.example.test. 3600 A 192.0.2.54" } },
	{ "CNAME to a wildcard", "towild.example.test.", DNS_T_A,
	  DNS_R_NOERROR, true, true,
	  { "towild.example.test. 3600 CNAME x.dyn.example.test.",
	    "x.dyn.example.test. 3600 A 192.0.2.100" }, { 0 }, { 0 } },
	{ "DNAME synthesis", "www.olddept.example.test.", DNS_T_A,
	  DNS_R_NOERROR, true, true,
	  { "olddept.example.test. 1800 DNAME newdept.example.test.",
	    "www.olddept.example.test. 1800 CNAME www.newdept.example.test.",
	    "www.newdept.example.test. 3600 A 192.0.2.90" }, { 0 }, { 0 } },
	{ "DNAME to a missing name", "nope.olddept.example.test.", DNS_T_A,
	  DNS_R_NXDOMAIN, true, true,
	  { "olddept.example.test. 1800 DNAME newdept.example.test.",
	    "nope.olddept.example.test. 1800 CNAME "
	    "nope.newdept.example.test." }, { SOA_EX }, { 0 } },
	{ "DNAME owner asked for", "olddept.example.test.", DNS_T_DNAME,
	  DNS_R_NOERROR, true, false,
	  { "olddept.example.test. 1800 DNAME newdept.example.test." },
	  { 0 }, { 0 } },
	{ "DNAME owner is not redirected", "olddept.example.test.", DNS_T_A,
	  DNS_R_NOERROR, true, false, { 0 }, { SOA_EX }, { 0 } },
	{ "second zone", "www.other.test.", DNS_T_A, DNS_R_NOERROR, true,
	  false, { "www.other.test. 7200 A 198.51.100.1" }, { 0 }, { 0 } },
	{ "second zone NXDOMAIN: min(SOA TTL, minimum)", "no.other.test.",
	  DNS_T_A, DNS_R_NXDOMAIN, true, false, { 0 }, { SOA_OT }, { 0 } },
	{ "second zone NODATA", "www.other.test.", DNS_T_MX, DNS_R_NOERROR,
	  true, false, { 0 }, { SOA_OT }, { 0 } },
	{ "outside every zone", "www.example.org.", DNS_T_A, DNS_R_REFUSED,
	  false, false, { 0 }, { 0 }, { 0 } },
	{ "above our zones", "test.", DNS_T_A, DNS_R_REFUSED, false, false,
	  { 0 }, { 0 }, { 0 } },
	{ "root", ".", DNS_T_NS, DNS_R_REFUSED, false, false, { 0 }, { 0 },
	  { 0 } },
	{ "a name only ending like a zone", "badexample.test.", DNS_T_A,
	  DNS_R_REFUSED, false, false, { 0 }, { 0 }, { 0 } },
	{ "ANY at the apex", "example.test.", DNS_T_ANY, DNS_R_NOERROR, true,
	  false,
	  { "example.test. 3600 SOA ns1.example.test. "
	    "hostmaster.example.test. 2024010101 7200 3600 1209600 300",
	    "example.test. 3600 NS ns1.example.test.",
	    "example.test. 3600 NS ns2.example.net.",
	    "example.test. 3600 MX 10 mail.example.test.",
	    "example.test. 3600 TXT \"v=spf1 mx -all\"" }, { 0 }, { 0 } },
	{ "ANY at a name", "www.example.test.", DNS_T_ANY, DNS_R_NOERROR, true,
	  false,
	  { "www.example.test. 3600 A 192.0.2.80",
	    "www.example.test. 3600 A 192.0.2.81",
	    "www.example.test. 3600 AAAA 2001:db8::80" }, { 0 }, { 0 } },
	{ "ANY at an ENT", "ent.example.test.", DNS_T_ANY, DNS_R_NOERROR,
	  true, false, { 0 }, { SOA_EX }, { 0 } },
	{ "ANY NXDOMAIN", "nope.example.test.", DNS_T_ANY, DNS_R_NXDOMAIN,
	  true, false, { 0 }, { SOA_EX }, { 0 } },
	{ "unknown type NODATA", "www.example.test.", 65280, DNS_R_NOERROR,
	  true, false, { 0 }, { SOA_EX }, { 0 } },
};

static void
check_case(struct fx *fx, const struct auth_case *c,
    const struct dns_auth_opts *o, bool has_edns)
{
	struct resp *r = malloc(sizeof(*r));
	struct qspec s = { .qname = c->qname, .qtype = c->qtype,
	    .id = 0x4242, .flags = DNS_F_RD, .has_edns = has_edns,
	    .udp_size = 4096 };
	char what[256];

	assert_non_null(r);
	snprintf(what, sizeof(what), "%s (%s %s)", c->what, c->qname,
	    has_edns ? "EDNS" : "plain");
	ask(fx, o, &s, r);
	if (rcode_of(&r->m) != c->rcode)
		fail_msg("%s: rcode %u, want %u", what, rcode_of(&r->m),
		    c->rcode);
	if (!!(r->m.hdr.flags & DNS_F_AA) != c->is_aa)
		fail_msg("%s: AA %s", what, c->is_aa ? "missing" : "set");
	assert_int_equal(r->m.hdr.flags & (DNS_F_TC | DNS_F_RA), 0);
	assert_true(r->m.hdr.flags & DNS_F_RD);
	assert_int_equal(DNS_OPCODE(r->m.hdr.flags), DNS_OP_QUERY);
	assert_true(r->m.has_q);
	struct dns_name qn;
	name_of(c->qname, &qn);
	assert_true(dns_name_equal(&r->m.q.name, &qn));
	assert_int_equal(r->m.q.type, c->qtype);
	assert_int_equal(r->m.q.class, DNS_C_IN);
	assert_int_equal(r->m.edns.present, has_edns);
	if (has_edns) {
		assert_int_equal(r->m.edns.version, 0);
		assert_int_equal(r->m.edns.udp_size, 1232);
	}
	expect_section(what, &r->m, DNS_S_AN, c->an, c->is_ordered);
	expect_section(what, &r->m, DNS_S_NS, c->ns, false);
	expect_section(what, &r->m, DNS_S_AR, c->ar, false);
	free(r);
}

static void
test_table_udp(void **state)
{
	struct fx *fx = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(fx, &cases[i], &udp_opts, false);
}

static void
test_table_udp_edns(void **state)
{
	struct fx *fx = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(fx, &cases[i], &udp_opts, true);
}

static void
test_table_tcp(void **state)
{
	struct fx *fx = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(fx, &cases[i], &tcp_opts, false);
}

/* The question goes back byte for byte, case included (RFC 4343 4.1);
 * the ID and the RD and CD bits too. */
static void
test_question_case_preserved(void **state)
{
	struct fx *fx = *state;
	struct resp *r = malloc(sizeof(*r));
	struct qspec s = { .qname = "WwW.ExAmPlE.TeSt.", .qtype = DNS_T_A,
	    .id = 0xbeef, .flags = DNS_F_CD };

	assert_non_null(r);
	ask(fx, &udp_opts, &s, r);
	struct dns_name want;
	name_of("WwW.ExAmPlE.TeSt.", &want);
	assert_int_equal(r->m.q.name.len, want.len);
	assert_memory_equal(r->m.q.name.wire, want.wire, want.len);
	assert_int_equal(r->m.hdr.id, 0xbeef);
	assert_int_equal(r->m.hdr.flags & (DNS_F_RD | DNS_F_CD), DNS_F_CD);
	assert_true(r->m.hdr.flags & DNS_F_AA);
	assert_int_equal(DNS_RCODE(r->m.hdr.flags), DNS_R_NOERROR);
	assert_int_equal(r->m.n_rr[DNS_S_AN], 2);
	for (unsigned i = 0; i < 2; i++)
		assert_true(dns_name_equal(&r->m.rr[DNS_S_AN][i].name, &want));
	free(r);
}

/* a -> b -> a: the chain stops after a bounded number of links. */
static void
test_cname_loop_bounded(void **state)
{
	struct fx *fx = *state;
	struct resp *r = malloc(sizeof(*r));
	static const uint16_t types[] = { DNS_T_A, DNS_T_AAAA, DNS_T_ANY,
	    DNS_T_MX };

	assert_non_null(r);
	for (size_t t = 0; t < 4; t++) {
		struct qspec s = { .qname = "loop1.example.test.",
		    .qtype = types[t] };
		ask(fx, &udp_opts, &s, r);
		unsigned rc = rcode_of(&r->m);
		assert_true(rc == DNS_R_NOERROR || rc == DNS_R_SERVFAIL);
		if (types[t] == DNS_T_ANY) {
			assert_int_equal(r->m.n_rr[DNS_S_AN], 1);
			continue;
		}
		assert_true(r->m.n_rr[DNS_S_AN] >= 2);
		assert_true(r->m.n_rr[DNS_S_AN] <= 16);
		for (unsigned i = 0; i < r->m.n_rr[DNS_S_AN]; i++)
			assert_int_equal(r->m.rr[DNS_S_AN][i].type,
			    DNS_T_CNAME);
		assert_int_equal(r->m.hdr.flags & DNS_F_TC, 0);
	}
	free(r);
}

/* Builds a name of `prefix_len` wire bytes of labels in front of
 * `suffix` (text). */
static void
long_name(size_t prefix_len, const char *suffix, char *buf, size_t cap)
{
	size_t o = 0;

	while (prefix_len > 0) {
		size_t lab = prefix_len - 1 > 63 ? 63 : prefix_len - 1;
		if (lab == 0)
			lab = 1;	/* never asked for: lengths chosen */
		for (size_t i = 0; i < lab; i++)
			buf[o++] = 'a' + (char)(i % 26);
		buf[o++] = '.';
		prefix_len -= lab + 1;
	}
	snprintf(buf + o, cap - o, "%s", suffix);
}

/* RFC 6672 2.2: a synthesized name over 255 bytes is YXDOMAIN, with the
 * DNAME in the answer. grow.example.test (19 bytes) maps to a target of
 * 57 bytes: a prefix of 198 bytes just fits, 199 does not. */
static void
test_dname_yxdomain(void **state)
{
	struct fx *fx = *state;
	struct resp *r = malloc(sizeof(*r));
	char qname[DNS_NAME_TEXT_MAX];
	static const char *const dname[] = {
	    "grow.example.test. 3600 DNAME "
	    "a-very-long-label-for-growth-tests.newdept.example.test.",
	    NULL };

	assert_non_null(r);
	static const struct { size_t prefix; unsigned rcode; } c[] = {
		{ 198, DNS_R_NXDOMAIN }, { 199, DNS_R_YXDOMAIN },
		{ 213, DNS_R_YXDOMAIN }, { 236, DNS_R_YXDOMAIN },
	};
	for (size_t i = 0; i < 4; i++) {
		long_name(c[i].prefix, "grow.example.test.", qname,
		    sizeof(qname));
		struct dns_name n;
		name_of(qname, &n);
		assert_int_equal(n.len, c[i].prefix + 19);
		struct qspec s = { .qname = qname, .qtype = DNS_T_A };
		ask(fx, &tcp_opts, &s, r);
		if (rcode_of(&r->m) != c[i].rcode)
			fail_msg("prefix %zu: rcode %u, want %u", c[i].prefix,
			    rcode_of(&r->m), c[i].rcode);
		assert_true(r->m.hdr.flags & DNS_F_AA);
		if (c[i].rcode == DNS_R_YXDOMAIN) {
			expect_section("YXDOMAIN", &r->m, DNS_S_AN, dname,
			    true);
			assert_int_equal(r->m.n_rr[DNS_S_NS], 0);
			continue;
		}
		/* DNAME, the 255-byte CNAME, and the SOA of NXDOMAIN. */
		assert_int_equal(r->m.n_rr[DNS_S_AN], 2);
		const struct dns_rr *cn = &r->m.rr[DNS_S_AN][1];
		assert_int_equal(cn->type, DNS_T_CNAME);
		assert_int_equal(cn->ttl, 3600);
		struct dns_name t;
		assert_int_equal(dns_rdata_target(DNS_T_CNAME, cn->rdata,
		    cn->rdlen, &t), 0);
		assert_int_equal(t.len, 255);
		assert_int_equal(r->m.n_rr[DNS_S_NS], 1);
	}
	free(r);
}

/* ---- errors ---- */

static void
test_refused_class_and_xfr(void **state)
{
	struct fx *fx = *state;
	struct resp *r = malloc(sizeof(*r));
	static const struct qspec qs[] = {
		{ .qname = "www.example.test.", .qtype = DNS_T_A,
		  .qclass = DNS_C_CH },
		{ .qname = "version.bind.", .qtype = DNS_T_TXT,
		  .qclass = DNS_C_CH },
		{ .qname = "example.test.", .qtype = DNS_T_AXFR },
		{ .qname = "example.test.", .qtype = DNS_T_IXFR },
	};

	assert_non_null(r);
	for (size_t i = 0; i < 4; i++) {
		ask(fx, &udp_opts, &qs[i], r);
		assert_int_equal(rcode_of(&r->m), DNS_R_REFUSED);
		assert_int_equal(r->m.hdr.flags & DNS_F_AA, 0);
		assert_true(r->m.has_q);
		assert_int_equal(r->m.q.type, qs[i].qtype);
		assert_int_equal(r->m.n_rr[DNS_S_AN] + r->m.n_rr[DNS_S_NS] +
		    r->m.n_rr[DNS_S_AR], 0);
	}
	free(r);
}

static void
expect_formerr(struct fx *fx, const char *what, const uint8_t *q,
    size_t qlen)
{
	struct resp *r = malloc(sizeof(*r));

	assert_non_null(r);
	ask_raw(fx, &udp_opts, q, qlen, 512, r);
	if (r->len == 0)
		fail_msg("%s: no response", what);
	if (rcode_of(&r->m) != DNS_R_FORMERR)
		fail_msg("%s: rcode %u, want FORMERR", what, rcode_of(&r->m));
	assert_int_equal(r->m.hdr.flags & DNS_F_AA, 0);
	assert_int_equal(r->m.n_rr[DNS_S_AN] + r->m.n_rr[DNS_S_NS], 0);
	free(r);
}

static void
test_formerr(void **state)
{
	struct fx *fx = *state;
	uint8_t q[512];
	struct qspec s = { .qname = "www.example.test.", .qtype = DNS_T_A,
	    .id = 0x1234 };

	/* qdcount 0: a bare header. */
	static const uint8_t bare[12] = { 0x12, 0x34, 0x01, 0x00 };
	expect_formerr(fx, "qdcount 0", bare, sizeof(bare));

	/* Two questions: the same question twice, qdcount 2. */
	size_t n = make_query(&s, q, sizeof(q));
	size_t ql = n - DNS_HDR_LEN;
	memcpy(q + n, q + DNS_HDR_LEN, ql);
	q[5] = 2;
	expect_formerr(fx, "two questions", q, n + ql);

	/* qdcount 1, nothing after the header. */
	static const uint8_t cut[12] = { 0x12, 0x34, 0x00, 0x00, 0, 1 };
	expect_formerr(fx, "question missing", cut, sizeof(cut));

	/* The question cut inside its name and inside its type. */
	n = make_query(&s, q, sizeof(q));
	expect_formerr(fx, "cut in the name", q, 16);
	expect_formerr(fx, "cut in the type", q, n - 3);
	/* Trailing garbage after a good query. */
	memset(q + n, 0xff, 7);
	expect_formerr(fx, "trailing bytes", q, n + 7);

	/* Garbage: a label length past the end, a forward pointer. */
	static const uint8_t junk1[] = { 0x12, 0x34, 0x00, 0x00, 0, 1, 0, 0,
	    0, 0, 0, 0, 0x3f, 'a', 'b', 0, 0, 1, 0, 1 };
	expect_formerr(fx, "label past the end", junk1, sizeof(junk1));
	static const uint8_t junk2[] = { 0x12, 0x34, 0x00, 0x00, 0, 1, 0, 0,
	    0, 0, 0, 0, 0xc0, 0x0c, 0, 1, 0, 1 };
	expect_formerr(fx, "self pointer", junk2, sizeof(junk2));
	static const uint8_t junk3[] = { 0x12, 0x34, 0x00, 0x00, 0xff, 0xff,
	    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xde, 0xad, 0xbe, 0xef };
	expect_formerr(fx, "counts of 65535", junk3, sizeof(junk3));

	/* A query carrying an answer record. */
	struct dns_builder b;
	struct dns_hdr h = { .id = 0x1234 };
	struct dns_question qq = { .type = DNS_T_A, .class = DNS_C_IN };
	static const uint8_t addr[4] = { 192, 0, 2, 1 };
	struct dns_rr rr = { .type = DNS_T_A, .class = DNS_C_IN, .ttl = 1,
	    .rdlen = 4, .rdata = addr };
	name_of("www.example.test.", &qq.name);
	rr.name = qq.name;
	dns_build_init(&b, q, sizeof(q), &h);
	dns_build_question(&b, &qq);
	assert_int_equal(dns_build_rr(&b, DNS_S_AN, &rr), 0);
	ssize_t bn = dns_build_finish(&b);
	assert_true(bn > 0);
	expect_formerr(fx, "answer in a query", q, (size_t)bn);
}

/* RFC 1035 4.1.1: opcodes other than QUERY get NOTIMP. */
static void
test_notimp(void **state)
{
	struct fx *fx = *state;
	struct resp *r = malloc(sizeof(*r));
	uint8_t q[512];
	static const unsigned ops[] = { DNS_OP_UPDATE, DNS_OP_IQUERY,
	    DNS_OP_STATUS, 15 };

	assert_non_null(r);
	for (size_t i = 0; i < 4; i++) {
		struct qspec s = { .qname = "example.test.",
		    .qtype = DNS_T_SOA, .id = 0x5005,
		    .flags = (uint16_t)(ops[i] << 11) };
		size_t n = make_query(&s, q, sizeof(q));
		ask_raw(fx, &udp_opts, q, n, 512, r);
		assert_true(r->len > 0);
		assert_int_equal(rcode_of(&r->m), DNS_R_NOTIMP);
		assert_int_equal(DNS_OPCODE(r->m.hdr.flags), ops[i]);
		assert_int_equal(r->m.hdr.id, 0x5005);
		assert_int_equal(r->m.hdr.flags & DNS_F_AA, 0);
	}
	/* NOTIMP even when the rest would not parse. */
	static const uint8_t upd[12] = { 0, 7, DNS_OP_UPDATE << 3, 0, 0x77 };
	ask_raw(fx, &udp_opts, upd, sizeof(upd), 512, r);
	assert_int_equal(rcode_of(&r->m), DNS_R_NOTIMP);
	free(r);
}

/* RFC 6891 6.1.3: version 1 gets BADVERS, 16 = 1 << 4 in the OPT's
 * upper bits and 0 in the header. */
static void
test_badvers(void **state)
{
	struct fx *fx = *state;
	struct resp *r = malloc(sizeof(*r));
	struct qspec s = { .qname = "www.example.test.", .qtype = DNS_T_A,
	    .id = 7, .has_edns = true, .udp_size = 4096, .version = 1 };

	assert_non_null(r);
	memset(&fx->st, 0, sizeof(fx->st));
	ask(fx, &udp_opts, &s, r);
	assert_int_equal(DNS_RCODE(r->m.hdr.flags), 0);
	assert_true(r->m.edns.present);
	assert_int_equal(r->m.edns.ext_rcode, 1);
	assert_int_equal(r->m.edns.version, 0);
	assert_int_equal(rcode_of(&r->m), DNS_R_BADVERS);
	assert_int_equal(r->m.n_rr[DNS_S_AN], 0);
	assert_int_equal(r->m.hdr.flags & DNS_F_AA, 0);
	assert_int_equal(fx->st.rcode[16], 1);
	assert_int_equal(fx->st.rcode[0], 0);

	s.version = 255;
	ask(fx, &udp_opts, &s, r);
	assert_int_equal(rcode_of(&r->m), DNS_R_BADVERS);
	free(r);
}

/* Responses and runts are dropped: answering responses invites loops. */
static void
test_dropped(void **state)
{
	struct fx *fx = *state;
	uint8_t q[512], out[512];
	struct qspec s = { .qname = "www.example.test.", .qtype = DNS_T_A,
	    .flags = DNS_F_QR };

	memset(&fx->st, 0, sizeof(fx->st));
	size_t n = make_query(&s, q, sizeof(q));
	arena_reset(fx->scratch);
	assert_int_equal(dns_auth_answer(fx->db, &udp_opts, q, n, out,
	    sizeof(out), fx->scratch, &fx->st), 0);
	/* QR on a message that would not even parse. */
	static const uint8_t junk[12] = { 1, 2, 0x80 };
	assert_int_equal(dns_auth_answer(fx->db, &udp_opts, junk,
	    sizeof(junk), out, sizeof(out), fx->scratch, &fx->st), 0);
	for (size_t len = 0; len < DNS_HDR_LEN; len++) {
		/* Exactly `len` bytes on the heap, so ASan sees an
		 * overread. */
		uint8_t *p = malloc(len ? len : 1);
		memset(p, 0, len ? len : 1);
		assert_int_equal(dns_auth_answer(fx->db, &tcp_opts, p, len,
		    out, sizeof(out), fx->scratch, &fx->st), 0);
		free(p);
	}
	assert_int_equal(fx->st.dropped, 2 + DNS_HDR_LEN);
	assert_int_equal(fx->st.queries, 2 + DNS_HDR_LEN);
	for (size_t i = 0; i < 17; i++)
		assert_int_equal(fx->st.rcode[i], 0);
}

/* dns_auth_refuse: REFUSED (or another code) with the question. */
static void
test_refuse(void **state)
{
	struct fx *fx = *state;
	uint8_t q[512], out[512];
	struct qspec s = { .qname = "Example.Test.", .qtype = DNS_T_AXFR,
	    .id = 99, .has_edns = true, .udp_size = 1232 };
	struct dns_msg m, rm;

	size_t n = make_query(&s, q, sizeof(q));
	arena_reset(fx->pa);
	assert_int_equal(dns_auth_parse_query(q, n, fx->pa, &m), 0);
	size_t rn = dns_auth_refuse(&m, DNS_R_REFUSED, out, sizeof(out));
	assert_true(rn > DNS_HDR_LEN);
	assert_int_equal(dns_msg_parse(out, rn, fx->pa, &rm), 0);
	assert_int_equal(rm.hdr.id, 99);
	assert_true(rm.hdr.flags & DNS_F_QR);
	assert_int_equal(DNS_RCODE(rm.hdr.flags), DNS_R_REFUSED);
	assert_true(rm.has_q);
	assert_int_equal(rm.q.type, DNS_T_AXFR);
	assert_memory_equal(rm.q.name.wire, m.q.name.wire, m.q.name.len);
	assert_int_equal(rm.n_rr[DNS_S_AN], 0);

	rn = dns_auth_refuse(&m, DNS_R_NOTAUTH, out, sizeof(out));
	assert_int_equal(dns_msg_parse(out, rn, fx->pa, &rm), 0);
	assert_int_equal(DNS_RCODE(rm.hdr.flags), DNS_R_NOTAUTH);
	/* Too small a buffer: nothing, not a partial message. */
	assert_int_equal(dns_auth_refuse(&m, DNS_R_REFUSED, out, 11), 0);
}

/* ---- sizes ---- */

static void
expect_big(const struct resp *r, size_t want_n, bool want_tc)
{
	assert_int_equal(!!(r->m.hdr.flags & DNS_F_TC), want_tc);
	assert_int_equal(rcode_of(&r->m), DNS_R_NOERROR);
	assert_true(r->m.hdr.flags & DNS_F_AA);
	if (want_n > 0)
		assert_int_equal(r->m.n_rr[DNS_S_AN], want_n);
	for (unsigned i = 0; i < r->m.n_rr[DNS_S_AN]; i++)
		assert_int_equal(r->m.rr[DNS_S_AN][i].type, DNS_T_A);
}

/* 60 A records: about 990 bytes. RFC 1035 4.2.1 and RFC 6891 6.2.5. */
static void
test_truncation(void **state)
{
	struct fx *fx = *state;
	struct resp *r = malloc(sizeof(*r));
	struct qspec s = { .qname = "big.example.test.", .qtype = DNS_T_A };

	assert_non_null(r);
	memset(&fx->st, 0, sizeof(fx->st));

	/* UDP without EDNS: 512 bytes, TC. */
	ask(fx, &udp_opts, &s, r);
	assert_true(r->len <= DNS_UDP_MIN);
	expect_big(r, 0, true);
	assert_true(r->m.n_rr[DNS_S_AN] < BIG_N);
	assert_false(r->m.edns.present);
	assert_int_equal(fx->st.truncated, 1);

	/* EDNS 4096 from the client, ours is 1232: all of it fits. */
	s.has_edns = true;
	s.udp_size = 4096;
	ask(fx, &udp_opts, &s, r);
	assert_true(r->len <= 1232);
	expect_big(r, BIG_N, false);
	assert_true(r->m.edns.present);
	assert_int_equal(r->m.edns.udp_size, 1232);

	/* Our own limit is lower than the answer: TC within it, OPT kept. */
	struct dns_auth_opts small = { .udp_max = 700 };
	ask(fx, &small, &s, r);
	assert_true(r->len <= 700);
	expect_big(r, 0, true);
	assert_true(r->m.edns.present);
	assert_int_equal(r->m.edns.udp_size, 700);

	/* The client's size under ours. */
	s.udp_size = 600;
	ask(fx, &udp_opts, &s, r);
	assert_true(r->len <= 600);
	expect_big(r, 0, true);
	assert_true(r->m.edns.present);

	/* A size below 512 counts as 512 (RFC 6891 6.2.5). */
	s.udp_size = 100;
	ask(fx, &udp_opts, &s, r);
	assert_true(r->len <= 512);
	assert_true(r->len > 400);
	expect_big(r, 0, true);
	assert_true(r->m.edns.present);

	/* TCP: the whole RRset, no TC. */
	s.has_edns = false;
	ask(fx, &tcp_opts, &s, r);
	assert_true(r->len > 900);
	expect_big(r, BIG_N, false);
	s.has_edns = true;
	ask(fx, &tcp_opts, &s, r);
	expect_big(r, BIG_N, false);
	assert_true(r->m.edns.present);

	assert_int_equal(fx->st.truncated, 4);
	free(r);
}

/* The big answer into every buffer size from the header up: whatever
 * comes back parses, fits, and grows with the room. */
static void
sweep_caps(struct fx *fx, const struct dns_auth_opts *o, bool has_edns,
    const char *qname, uint16_t qtype)
{
	uint8_t q[512];
	struct qspec s = { .qname = qname, .qtype = qtype, .id = 0x7777,
	    .has_edns = has_edns, .udp_size = 65535 };
	size_t qlen = make_query(&s, q, sizeof(q));
	struct dns_msg m;
	unsigned last_n = 0;

	/* The full size first. */
	uint8_t *full = malloc(DNS_MSG_MAX);
	assert_non_null(full);
	arena_reset(fx->scratch);
	size_t full_len = dns_auth_answer(fx->db, o, q, qlen, full,
	    DNS_MSG_MAX, fx->scratch, &fx->st);
	assert_true(full_len > DNS_HDR_LEN);
	free(full);
	/* Header, question, and the OPT when asked for. */
	size_t qpart = qlen - (has_edns ? 11 : 0);

	for (size_t cap = DNS_HDR_LEN; cap <= full_len; cap++) {
		uint8_t *out = malloc(cap);	/* exact, for ASan */
		assert_non_null(out);
		arena_reset(fx->scratch);
		arena_reset(fx->pa);
		size_t n = dns_auth_answer(fx->db, o, q, qlen, out, cap,
		    fx->scratch, &fx->st);
		assert_true(n <= cap);
		if (n == 0) {
			/* Only when not even the question fits. */
			if (cap >= qpart)
				fail_msg("cap %zu: no response", cap);
			free(out);
			continue;
		}
		int err = dns_msg_parse(out, n, fx->pa, &m);
		if (err != 0)
			fail_msg("cap %zu: response of %zu does not parse: %s",
			    cap, n, ik_strerror(err));
		assert_int_equal(m.hdr.id, 0x7777);
		assert_true(m.hdr.flags & DNS_F_QR);
		if (!(m.hdr.flags & DNS_F_TC) && DNS_RCODE(m.hdr.flags) == 0)
			assert_true(m.n_rr[DNS_S_AN] + m.n_rr[DNS_S_NS] > 0);
		if (DNS_RCODE(m.hdr.flags) == 0) {
			if (m.n_rr[DNS_S_AN] < last_n)
				fail_msg("cap %zu: %u answers, fewer than %u",
				    cap, m.n_rr[DNS_S_AN], last_n);
			last_n = m.n_rr[DNS_S_AN];
		}
		if (cap == full_len)
			assert_int_equal(m.hdr.flags & DNS_F_TC, 0);
		free(out);
	}
}

static void
test_every_cap(void **state)
{
	struct fx *fx = *state;

	sweep_caps(fx, &tcp_opts, false, "big.example.test.", DNS_T_A);
	sweep_caps(fx, &tcp_opts, true, "big.example.test.", DNS_T_A);
	sweep_caps(fx, &tcp_opts, false, "example.test.", DNS_T_NS);
	sweep_caps(fx, &tcp_opts, true, "alias.example.test.", DNS_T_A);
	sweep_caps(fx, &tcp_opts, false, "www.sub.example.test.", DNS_T_A);
	sweep_caps(fx, &tcp_opts, true, "www.olddept.example.test.",
	    DNS_T_A);
	sweep_caps(fx, &tcp_opts, false, "nope.example.test.", DNS_T_A);
	sweep_caps(fx, &udp_opts, true, "big.example.test.", DNS_T_A);
}

/* ---- AXFR ---- */

struct xfr_got {
	uint8_t		*msg[XFR_MSGS_MAX];
	size_t		 len[XFR_MSGS_MAX];
	size_t		 n;
	size_t		 fail_at;	/* -EIO for message N (1-based) */
};

static int
xfr_emit(void *arg, const uint8_t *msg, size_t len)
{
	struct xfr_got *g = arg;

	assert_true(g->n < XFR_MSGS_MAX);
	assert_non_null(g->msg[g->n] = malloc(len));
	memcpy(g->msg[g->n], msg, len);
	g->len[g->n++] = len;
	return g->fail_at == g->n ? -EIO : 0;
}

static void
xfr_clear(struct xfr_got *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->msg[i]);
	memset(g, 0, sizeof(*g));
}

static void
axfr_query(struct fx *fx, struct dns_msg *m)
{
	uint8_t q[512];
	struct qspec s = { .qname = "example.test.", .qtype = DNS_T_AXFR,
	    .id = 0xaf };
	size_t n = make_query(&s, q, sizeof(q));

	arena_reset(fx->pa);
	assert_int_equal(dns_auth_parse_query(q, n, fx->pa, m), 0);
}

/* Runs one AXFR at `cap` and checks RFC 5936 2.2: SOA first and last,
 * every record once, the question only in the first message. */
static void
check_axfr(struct fx *fx, size_t cap, size_t *n_msgs)
{
	struct dns_msg q;
	struct xfr_got g = { 0 };
	char **got = calloc(fx->n_recs + 8, sizeof(*got));
	size_t n_got = 0;
	uint8_t *buf = malloc(cap);	/* exact, for ASan */
	struct arena *a = arena_new(65536);

	assert_non_null(got);
	assert_non_null(buf);
	assert_non_null(a);
	axfr_query(fx, &q);
	assert_int_equal(dns_auth_axfr(fx->ex, &q, buf, cap, xfr_emit, &g),
	    0);
	assert_true(g.n >= 1);
	for (size_t i = 0; i < g.n; i++) {
		struct dns_msg m;
		assert_true(g.len[i] <= cap);
		arena_reset(a);
		assert_int_equal(dns_msg_parse(g.msg[i], g.len[i], a, &m), 0);
		assert_int_equal(m.hdr.id, 0xaf);
		assert_true(m.hdr.flags & DNS_F_QR);
		assert_true(m.hdr.flags & DNS_F_AA);
		assert_int_equal(m.hdr.flags & DNS_F_TC, 0);
		assert_int_equal(DNS_RCODE(m.hdr.flags), 0);
		assert_int_equal(m.has_q, i == 0);
		if (i == 0)
			assert_int_equal(m.q.type, DNS_T_AXFR);
		assert_true(m.n_rr[DNS_S_AN] > 0);
		assert_int_equal(m.n_rr[DNS_S_NS] + m.n_rr[DNS_S_AR], 0);
		for (unsigned k = 0; k < m.n_rr[DNS_S_AN]; k++) {
			char t[RR_TEXT_MAX];
			const struct dns_rr *rr = &m.rr[DNS_S_AN][k];
			bool is_first = i == 0 && k == 0;
			bool is_last = i == g.n - 1 &&
			    k == m.n_rr[DNS_S_AN] - 1u;
			assert_int_equal(rr->type == DNS_T_SOA,
			    is_first || is_last);
			rr_text(rr, t, sizeof(t));
			assert_true(n_got < fx->n_recs + 8);
			assert_non_null(got[n_got++] = strdup(t));
		}
	}
	/* What went out, less the closing SOA, is the zone as loaded. */
	assert_int_equal(n_got, fx->n_recs + 1);
	assert_string_equal(got[0], got[n_got - 1]);
	free(got[--n_got]);
	const char **want = calloc(fx->n_recs, sizeof(*want));
	assert_non_null(want);
	for (size_t i = 0; i < fx->n_recs; i++)
		want[i] = fx->recs[i];
	qsort(want, fx->n_recs, sizeof(*want), cmp_str);
	qsort(got, n_got, sizeof(*got), cmp_str);
	for (size_t i = 0; i < n_got; i++)
		assert_string_equal(got[i], want[i]);
	for (size_t i = 0; i < n_got; i++)
		free(got[i]);
	free(want);
	free(got);
	free(buf);
	arena_free(&a);
	*n_msgs = g.n;
	xfr_clear(&g);
}

static void
test_axfr(void **state)
{
	struct fx *fx = *state;
	size_t n_big, n_small, n_tiny;

	check_axfr(fx, DNS_MSG_MAX, &n_big);
	assert_int_equal(n_big, 1);
	check_axfr(fx, 512, &n_small);
	assert_true(n_small > 2);
	check_axfr(fx, 200, &n_tiny);
	assert_true(n_tiny > n_small);
}

static void
test_axfr_errors(void **state)
{
	struct fx *fx = *state;
	struct dns_msg q;
	struct xfr_got g = { .fail_at = 2 };
	uint8_t *buf = malloc(512);

	assert_non_null(buf);
	axfr_query(fx, &q);
	/* The sink's error stops the transfer at once. */
	assert_int_equal(dns_auth_axfr(fx->ex, &q, buf, 512, xfr_emit, &g),
	    -EIO);
	assert_int_equal(g.n, 2);
	xfr_clear(&g);
	g.fail_at = 1;
	assert_int_equal(dns_auth_axfr(fx->ex, &q, buf, 512, xfr_emit, &g),
	    -EIO);
	assert_int_equal(g.n, 1);
	xfr_clear(&g);
	free(buf);

	/* A record that cannot fit even alone. */
	buf = malloc(60);
	assert_non_null(buf);
	assert_int_equal(dns_auth_axfr(fx->ex, &q, buf, 60, xfr_emit, &g),
	    -IK_ETRUNC);
	xfr_clear(&g);
	free(buf);
}

/* ---- stats ---- */

static void
test_stats(void **state)
{
	struct fx *fx = *state;
	struct resp *r = malloc(sizeof(*r));
	static const struct qspec qs[] = {
		{ .qname = "www.example.test.", .qtype = DNS_T_A },
		{ .qname = "www.example.test.", .qtype = DNS_T_AAAA },
		{ .qname = "nope.example.test.", .qtype = DNS_T_A },
		{ .qname = "www.example.org.", .qtype = DNS_T_MX },
		{ .qname = "big.example.test.", .qtype = DNS_T_A },
		{ .qname = "example.test.", .qtype = DNS_T_ANY,
		  .has_edns = true, .udp_size = 1232 },
		{ .qname = "example.test.", .qtype = 99 },
		{ .qname = "example.test.", .qtype = DNS_T_AXFR },
	};

	assert_non_null(r);
	memset(&fx->st, 0, sizeof(fx->st));
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++)
		ask(fx, &udp_opts, &qs[i], r);
	static const uint8_t bare[12] = { 0x12, 0x34, 0x01, 0x00 };
	ask_raw(fx, &udp_opts, bare, sizeof(bare), 512, r);

	const struct dns_stats *st = &fx->st;
	assert_int_equal(st->queries, 9);
	assert_int_equal(st->rcode[DNS_R_NOERROR], 5);
	assert_int_equal(st->rcode[DNS_R_NXDOMAIN], 1);
	assert_int_equal(st->rcode[DNS_R_REFUSED], 2);
	assert_int_equal(st->rcode[DNS_R_FORMERR], 1);
	assert_int_equal(st->qtype[DNS_ST_A], 3);
	assert_int_equal(st->qtype[DNS_ST_AAAA], 1);
	assert_int_equal(st->qtype[DNS_ST_MX], 1);
	assert_int_equal(st->qtype[DNS_ST_ANY], 1);
	assert_int_equal(st->qtype[DNS_ST_OTHER], 1);
	assert_int_equal(st->qtype[DNS_ST_AXFR], 1);
	assert_int_equal(st->truncated, 1);
	assert_int_equal(st->edns, 1);
	assert_int_equal(st->dropped, 0);

	struct dns_stats sum = { 0 };
	dns_stats_add(&sum, st);
	dns_stats_add(&sum, st);
	assert_int_equal(sum.queries, 18);
	assert_int_equal(sum.rcode[DNS_R_REFUSED], 4);
	assert_int_equal(sum.qtype[DNS_ST_A], 6);
	assert_int_equal(sum.truncated, 2);
	assert_string_equal(dns_stat_type_name(DNS_ST_AAAA), "AAAA");
	assert_string_equal(dns_stat_type_name(DNS_ST_OTHER), "other");
	assert_string_equal(dns_stat_type_name(DNS_ST_N), "?");
	free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_udp),
		cmocka_unit_test(test_table_udp_edns),
		cmocka_unit_test(test_table_tcp),
		cmocka_unit_test(test_question_case_preserved),
		cmocka_unit_test(test_cname_loop_bounded),
		cmocka_unit_test(test_dname_yxdomain),
		cmocka_unit_test(test_refused_class_and_xfr),
		cmocka_unit_test(test_formerr),
		cmocka_unit_test(test_notimp),
		cmocka_unit_test(test_badvers),
		cmocka_unit_test(test_dropped),
		cmocka_unit_test(test_refuse),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_every_cap),
		cmocka_unit_test(test_axfr),
		cmocka_unit_test(test_axfr_errors),
		cmocka_unit_test(test_stats),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
