/* fuzz/dns_auth.c - the authoritative answer path: any bytes as a query,
 * answered over UDP and over TCP from a fixed zonedb (built once, on the
 * first call). A response, when one is made, must parse, carry QR and the
 * query's ID, fit its buffer and the UDP size rules, and be the same when
 * asked twice (the answer path keeps no state). Responses and runts get
 * none. Seeds in fuzz/corpus/dns_auth/. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/cfg.h"
#include "dns/auth.h"
#include "dns/name.h"
#include "dns/rr.h"
#include "dns/wire.h"
#include "dns/zone.h"
#include "dns/zonedb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

#define FZ_UDP_MAX	1232

static const char fz_example[] =
    "$ORIGIN example.test.\n"
    "$TTL 3600\n"
    "@\tSOA\tns1 hostmaster 2024010101 7200 3600 1209600 300\n"
    "\tNS\tns1\n"
    "\tNS\tns2.example.net.\n"
    "\tMX\t10 mail\n"
    "\tTXT\t\"v=spf1 mx -all\"\n"
    "ns1\tA\t192.0.2.53\n"
    "\tAAAA\t2001:db8::53\n"
    "mail\tA\t192.0.2.25\n"
    "www\tA\t192.0.2.80\n"
    "\tA\t192.0.2.81\n"
    "\tAAAA\t2001:db8::80\n"
    "alias\tCNAME\talias2\n"
    "alias2\tCNAME\twww\n"
    "ext\tCNAME\twww.example.net.\n"
    "other\tCNAME\twww.other.test.\n"
    "loop1\tCNAME\tloop2\n"
    "loop2\tCNAME\tloop1\n"
    "*.dyn\tA\t192.0.2.100\n"
    "*.dyn\tTXT\t\"wild\"\n"
    "host.dyn A\t192.0.2.101\n"
    "deleg.dyn NS\tns.example.net.\n"
    "sub\tNS\tns.sub\n"
    "\tNS\tns.example.net.\n"
    "ns.sub\tA\t192.0.2.54\n"
    "olddept\tDNAME\tnewdept\n"
    "www.newdept A\t192.0.2.90\n"
    "grow\tDNAME\ta-very-long-label-for-growth-tests.newdept\n"
    "self\tDNAME\tx.self\n"
    "x.ent\tA\t192.0.2.33\n"
    "srv\tSRV\t0 5 80 www\n";

static const char fz_other[] =
    "$ORIGIN other.test.\n"
    "$TTL 7200\n"
    "@\t60 SOA ns.example.test. admin 5 3600 600 86400 600\n"
    "\tNS\tns1.example.test.\n"
    "www\tA\t198.51.100.1\n";

static struct zonedb *fz_db;
static struct arena *fz_scratch, *fz_parse;
static uint8_t fz_out[DNS_MSG_MAX], fz_again[DNS_MSG_MAX];

static int
fz_add(void *arg, const struct dns_rr *rr)
{
	const char *why;

	return zone_add(arg, rr, &why);
}

static struct zone *
fz_load(const char *apex, const char *text, size_t len)
{
	struct dns_name o;
	struct cfg_errs e = { 0 };
	struct zone *z;

	if (dns_name_from_text(apex, strlen(apex), NULL, &o) != 0 ||
	    (z = zone_new(&o)) == NULL)
		abort();
	struct zone_parse p = { .origin = &o, .add = fz_add, .arg = z,
	    .errs = &e, .max_errors = 1 };
	if (dns_zone_parse_text(text, len, "fuzz", &p) != 0 ||
	    zone_finish(z, &e, "fuzz") != 0)
		abort();		/* the fixed zone must load */
	cfg_errs_clear(&e);
	return z;
}

/* The zones, once: example.test with a 40-record RRset, other.test. */
static void
fz_init(void)
{
	static char text[sizeof(fz_example) + 40 * 32];
	size_t n = sizeof(fz_example) - 1;

	memcpy(text, fz_example, n);
	for (int i = 1; i <= 40; i++) {
		static const char big[] = "big\tA\t10.0.0.";
		memcpy(text + n, big, sizeof(big) - 1);
		n += sizeof(big) - 1;
		if (i >= 10)
			text[n++] = (char)('0' + i / 10);
		text[n++] = (char)('0' + i % 10);
		text[n++] = '\n';
	}
	if ((fz_db = zonedb_new()) == NULL ||
	    (fz_scratch = arena_new(16384)) == NULL ||
	    (fz_parse = arena_new(65536)) == NULL ||
	    zonedb_add(fz_db, fz_load("example.test.", text, n)) != 0 ||
	    zonedb_add(fz_db, fz_load("other.test.", fz_other,
	    sizeof(fz_other) - 1)) != 0)
		abort();
}

static void
fz_answer(const uint8_t *q, size_t qlen, const struct dns_auth_opts *o,
    size_t limit)
{
	struct dns_stats st = { 0 };
	struct dns_msg m;
	size_t cap = o->is_tcp ? DNS_MSG_MAX : FZ_UDP_MAX;

	arena_reset(fz_scratch);
	size_t n = dns_auth_answer(fz_db, o, q, qlen, fz_out, cap,
	    fz_scratch, &st);
	if (st.queries != 1)
		abort();
	if (n == 0)
		return;
	/* A response, or fewer than 12 bytes, must get no answer. */
	if (qlen < DNS_HDR_LEN || (q[2] & 0x80) || n < DNS_HDR_LEN ||
	    n > cap || n > limit)
		abort();
	arena_reset(fz_parse);
	if (dns_msg_parse(fz_out, n, fz_parse, &m) != 0 ||
	    !(m.hdr.flags & DNS_F_QR) ||
	    m.hdr.id != (uint16_t)(q[0] << 8 | q[1]))
		abort();
	if (DNS_OPCODE(m.hdr.flags) != DNS_OPCODE(q[2] << 8))
		abort();
	/* No state: the same query, the same bytes. */
	arena_reset(fz_scratch);
	if (dns_auth_answer(fz_db, o, q, qlen, fz_again, cap, fz_scratch,
	    &st) != n || memcmp(fz_out, fz_again, n) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const struct dns_auth_opts udp = { .udp_max = FZ_UDP_MAX };
	static const struct dns_auth_opts tcp = { .udp_max = FZ_UDP_MAX,
	    .is_tcp = true };
	struct dns_msg qm;

	if (fz_db == NULL)
		fz_init();
	/* Without EDNS a UDP answer stays within 512 bytes (RFC 1035
	 * 4.2.1); with it, within our size. */
	size_t udp_limit = FZ_UDP_MAX;
	arena_reset(fz_parse);
	if (dns_msg_parse(data, len, fz_parse, &qm) == 0 &&
	    !qm.edns.present)
		udp_limit = DNS_UDP_MIN;
	fz_answer(data, len, &udp, udp_limit);
	fz_answer(data, len, &tcp, DNS_MSG_MAX);
	return 0;
}
