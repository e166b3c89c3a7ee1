/* tests/unit/dhcp/test_dhcp_conf.c - the [dhcp], [subnet CIDR] and [host
 * NAME] sections: every error names file:line (the section's header, or
 * the key's line for value errors), one config per mistake: pool ranges
 * backwards, overlapping, outside the subnet, holding the network or
 * broadcast address; address lists; t1/t2/lease_time order; subnet
 * names; hosts without an identity, with bad mac/client_id/address,
 * outside every subnet, on a network or broadcast address, reserved
 * twice; overlapping subnets; probe
 * values; interfaces. A good config compiles to the expected subnets,
 * options and reservations. Loaded through cfg_load_string with the
 * whole service schema (svc_schema). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cfg.h"
#include "core/err.h"
#include "core/svc.h"
#include "dhcp/conf.h"
#include "dhcp/options.h"
#include "dhcp/server.h"

#define IP(a, b, c, d)	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
			    (uint32_t)(c) << 8 | (uint32_t)(d))
#define FILE_NAME	"dhcp.conf"

/* The interfaces the I/O layer would have found: srv0 (ifindex 2) with
 * 10.77.0.1/24, and rtr0 (3) with no address. */
static const struct dhcp_conf_iface ifs[] = {
	{ 3, 0, 0 },
	{ 2, IP(10, 77, 0, 1), 24 },
};

static void
dump_errs(const struct cfg_errs *e)
{
	for (size_t i = 0; i < e->n; i++)
		print_message("  err[%zu] %s\n", i, e->msg[i]);
}

/* Every message starts "dhcp.conf:LINE: " with LINE > 0. */
static bool
all_have_line(const struct cfg_errs *e)
{
	for (size_t i = 0; i < e->n; i++) {
		const char *m = e->msg[i];
		size_t k = strlen(FILE_NAME);
		if (strncmp(m, FILE_NAME ":", k + 1) != 0 || m[k + 1] < '1' ||
		    m[k + 1] > '9')
			return false;
		k++;
		while (m[k] >= '0' && m[k] <= '9')
			k++;
		if (m[k] != ':' || m[k + 1] != ' ')
			return false;
	}
	return true;
}

/* Loads and compiles `text`: returns the first failing step's code. */
static int
load_build(const char *text, struct cfg **c, struct dhcp_server_conf *sc,
    struct cfg_errs *e)
{
	memset(e, 0, sizeof(*e));
	memset(sc, 0, sizeof(*sc));
	int rc = cfg_load_string(text, FILE_NAME, svc_schema(), c, e);
	if (rc < 0)
		return rc;
	return dhcp_server_conf_build(*c, ifs, 2, sc, e);
}

/* `text` must fail with exactly one error, at `line`, containing
 * `needle`. */
static void
one_err(const char *text, int line, const char *needle)
{
	struct cfg *c = NULL;
	struct dhcp_server_conf sc;
	struct cfg_errs e;
	char prefix[64];

	snprintf(prefix, sizeof(prefix), FILE_NAME ":%d: ", line);
	int rc = load_build(text, &c, &sc, &e);
	bool ok = rc == -IK_ECONFIG && e.n == 1 && all_have_line(&e) &&
	    strncmp(e.msg[0], prefix, strlen(prefix)) == 0 &&
	    strstr(e.msg[0], needle) != NULL;
	if (!ok) {
		print_message("want one error '%s...%s...' (rc %d) for:\n%s\n",
		    prefix, needle, rc, text);
		dump_errs(&e);
	}
	/* A failed build leaves nothing to free, and no half-built conf. */
	assert_int_equal(sc.n_subnets, 0);
	assert_null(sc.subnets);
	dhcp_server_conf_free(&sc);
	cfg_errs_clear(&e);
	cfg_free(&c);
	assert_true(ok);
}

/* `text` must fail, every error with a line, one of them at `line`
 * containing `needle` (a bad value may also upset a check that reads
 * it). */
static void
some_err(const char *text, int line, const char *needle)
{
	struct cfg *c = NULL;
	struct dhcp_server_conf sc;
	struct cfg_errs e;
	char prefix[64];
	bool found = false;

	snprintf(prefix, sizeof(prefix), FILE_NAME ":%d: ", line);
	int rc = load_build(text, &c, &sc, &e);
	for (size_t i = 0; i < e.n; i++)
		found |= strncmp(e.msg[i], prefix, strlen(prefix)) == 0 &&
		    strstr(e.msg[i], needle) != NULL;
	bool ok = rc == -IK_ECONFIG && found && all_have_line(&e);
	if (!ok) {
		print_message("want an error '%s...%s...' (rc %d) for:\n%s\n",
		    prefix, needle, rc, text);
		dump_errs(&e);
	}
	dhcp_server_conf_free(&sc);
	cfg_errs_clear(&e);
	cfg_free(&c);
	assert_true(ok);
}

/* Lines 1-3 of most configs below. */
#define DHCP_HEAD	"[dhcp]\nenabled = yes\ninterfaces = srv0\n"

static void
test_pool_errors(void **state)
{
	(void)state;
	one_err(DHCP_HEAD "[subnet 10.77.0.0/24]\n"
	    "pool = 10.77.0.200-10.77.0.100\n", 4, "ends before it starts");
	one_err(DHCP_HEAD "\n[subnet 10.77.0.0/24]\n"
	    "pool = 10.77.0.100-10.77.0.150 10.77.0.140-10.77.0.160\n", 5,
	    "ranges overlap");
	one_err(DHCP_HEAD "[subnet 10.77.0.0/24]\n"
	    "pool = 10.77.0.100-10.77.0.150 10.77.0.150\n", 4,
	    "ranges overlap");
	one_err(DHCP_HEAD "[subnet 10.77.0.0/24]\n"
	    "pool = 10.77.0.10-10.77.0.20 10.77.0.5-10.77.0.30\n", 4,
	    "ranges overlap");
	one_err(DHCP_HEAD "[subnet 10.77.0.0/24]\n"
	    "pool = 10.77.0.100-10.77.1.10\n", 4, "outside the subnet");
	one_err(DHCP_HEAD "[subnet 10.77.0.0/24]\n"
	    "pool = 10.78.0.1-10.78.0.5\n", 4, "outside the subnet");
	one_err(DHCP_HEAD "[subnet 10.77.0.0/24]\n"
	    "pool = 10.77.0.0-10.77.0.5\n", 4, "network or broadcast");
	one_err(DHCP_HEAD "[subnet 10.77.0.0/24]\n"
	    "pool = 10.77.0.250-10.77.0.255\n", 4, "network or broadcast");
	one_err(DHCP_HEAD "[subnet 10.77.0.0/24]\n"
	    "pool = 10.77.0.1-\n", 4, "not A-B");
	one_err(DHCP_HEAD "[subnet 10.77.0.0/24]\n"
	    "pool = lots\n", 4, "not A-B");
	one_err(DHCP_HEAD "[subnet 10.77.0.0/24]\n"
	    "pool = 10.77.0.1--10.77.0.3\n", 4, "not A-B");
}

static void
test_option_and_time_errors(void **state)
{
	(void)state;
	one_err(DHCP_HEAD "[subnet 10.77.0.0/24]\n"
	    "router = 10.77.0.1 gateway\n", 4, "router: not a list");
	one_err(DHCP_HEAD "[subnet 10.77.0.0/24]\n"
	    "router = 10.77.0.1, 10.77.0.256\n", 4, "router: not a list");
	one_err(DHCP_HEAD "[subnet 10.77.0.0/24]\n"
	    "dns = 1.1.1.1 1.1.1.2 1.1.1.3 1.1.1.4 1.1.1.5 1.1.1.6 1.1.1.7 "
	    "1.1.1.8 1.1.1.9 1.1.1.10 1.1.1.11 1.1.1.12 1.1.1.13 1.1.1.14 "
	    "1.1.1.15 1.1.1.16 1.1.1.17\n", 4, "dns: not a list");
	one_err(DHCP_HEAD "[subnet 10.77.0.0/24]\n"
	    "ntp = ::1\n", 4, "ntp: not a list");
	one_err(DHCP_HEAD "[subnet 10.77.0.0/24]\n"
	    "lease_time = 1h\nt1 = 50m\nt2 = 40m\n", 4, "t1 < t2 < lease_time");
	one_err(DHCP_HEAD "[subnet 10.77.0.0/24]\n"
	    "lease_time = 1h\nt1 = 30m\nt2 = 30m\n", 4, "t1 < t2 < lease_time");
	one_err(DHCP_HEAD "[subnet 10.77.0.0/24]\n"
	    "lease_time = 1h\nt2 = 2h\n", 4, "t1 < t2 < lease_time");
	/* t2 defaults to 52.5 minutes here. */
	one_err(DHCP_HEAD "[subnet 10.77.0.0/24]\n"
	    "lease_time = 1h\nt1 = 55m\n", 4, "t1 < t2 < lease_time");
	/* Value errors point at the key's own line. */
	some_err(DHCP_HEAD "[subnet 10.77.0.0/24]\n"
	    "pool = 10.77.0.10-10.77.0.20\nlease_time = 1s\n", 6,
	    "lease_time");
	one_err(DHCP_HEAD "[subnet 10.77.0.0/24]\n"
	    "colour = blue\n", 5, "colour");
}

static void
test_subnet_name_errors(void **state)
{
	(void)state;
	one_err(DHCP_HEAD "[subnet 10.77.0.1/24]\n", 4, "no host bits");
	one_err(DHCP_HEAD "[subnet 10.77.0.0/31]\n", 4, "not an IPv4");
	one_err(DHCP_HEAD "[subnet 10.0.0.0/7]\n", 4, "not an IPv4");
	one_err(DHCP_HEAD "[subnet 10.77.0.0]\n", 4, "not an IPv4");
	one_err(DHCP_HEAD "[subnet 10.77.0.0/24x]\n", 4, "not an IPv4");
	one_err(DHCP_HEAD "[subnet lan]\n", 4, "not an IPv4");
	one_err(DHCP_HEAD "[subnet 10.77.0.0/24]\n"
	    "pool = 10.77.0.10-10.77.0.20\n"
	    "[subnet 10.77.0.128/25]\n", 6, "overlaps another subnet");
	one_err(DHCP_HEAD "[subnet 10.77.0.0/25]\n"
	    "[subnet 10.0.0.0/8]\n", 5, "overlaps another subnet");
}

static void
test_host_errors(void **state)
{
	(void)state;
	one_err(DHCP_HEAD "[subnet 10.77.0.0/24]\n"
	    "[host printer]\naddress = 10.77.0.50\n", 5,
	    "set mac or client_id");
	one_err(DHCP_HEAD "[subnet 10.77.0.0/24]\n"
	    "[host printer]\nmac = 52:54:00:12:34\naddress = 10.77.0.50\n", 5,
	    "mac: not six hex bytes");
	one_err(DHCP_HEAD "[subnet 10.77.0.0/24]\n"
	    "[host printer]\nmac = 52:54:00:12:34:56:78\n"
	    "address = 10.77.0.50\n", 5, "mac: not six hex bytes");
	one_err(DHCP_HEAD "[subnet 10.77.0.0/24]\n"
	    "[host printer]\nmac = 52:54:00:12:34:5g\naddress = 10.77.0.50\n",
	    5, "mac: not six hex bytes");
	one_err(DHCP_HEAD "[subnet 10.77.0.0/24]\n"
	    "[host printer]\nclient_id = 01:5\naddress = 10.77.0.50\n", 5,
	    "client_id");
	one_err(DHCP_HEAD "[subnet 10.77.0.0/24]\n"
	    "[host printer]\nmac = 52:54:00:12:34:56\n", 5, "needs 'address'");
	one_err(DHCP_HEAD "[subnet 10.77.0.0/24]\n"
	    "[host printer]\nmac = 52:54:00:12:34:56\naddress = printer.lan\n",
	    5, "address: not an IPv4");
	one_err(DHCP_HEAD "[subnet 10.77.0.0/24]\n"
	    "[host printer]\nmac = 52:54:00:12:34:56\naddress = 10.99.0.5\n",
	    5, "in no [subnet]");
	/* Addresses no client can use: accepted, the reservation would
	 * never be served. */
	one_err(DHCP_HEAD "[subnet 10.77.0.0/24]\n"
	    "[host printer]\nmac = 52:54:00:12:34:56\naddress = 10.77.0.255\n",
	    5, "network or broadcast");
	one_err(DHCP_HEAD "[subnet 10.77.0.0/24]\n"
	    "[host printer]\nmac = 52:54:00:12:34:56\naddress = 10.77.0.0\n",
	    5, "network or broadcast");
	one_err(DHCP_HEAD "[subnet 10.77.0.0/24]\n"
	    "[host a]\nmac = 52:54:00:12:34:56\naddress = 10.77.0.50\n"
	    "[host b]\nmac = 52:54:00:12:34:57\naddress = 10.77.0.50\n", 8,
	    "also reserved for [host a]");
	/* One client, two reservations: only one could ever be used. */
	one_err(DHCP_HEAD "[subnet 10.77.0.0/24]\n"
	    "[host a]\nmac = 52:54:00:12:34:56\naddress = 10.77.0.50\n"
	    "[host b]\nmac = 52:54:00:12:34:56\naddress = 10.77.0.51\n", 8,
	    "the same client as [host a]");
}

static void
test_dhcp_section_errors(void **state)
{
	(void)state;
	one_err("\n[dhcp]\nenabled = yes\ninterfaces = srv0\nprobe = ping\n",
	    2, "probe");
	one_err("[dhcp]\nenabled = yes\n", 1, "interfaces");
	one_err("[dhcp]\nenabled = yes\ninterfaces =   \n", 1, "interfaces");
	one_err("[dhcp]\ninterfaces = a b c d e f g h i\n", 1, "interfaces");
	one_err("[dhcp]\ninterfaces = averyveryverylongname\n", 1,
	    "interfaces");
	one_err("[dhcp]\nenabled = yes\ninterfaces = srv0\n"
	    "offer_hold = 0\n", 4, "offer_hold");
	one_err("[dhcp]\nenabled = yes\ninterfaces = srv0\n"
	    "authoritative = maybe\n", 4, "authoritative");
}

/* Several mistakes in one file: each reported, each with its line. */
static void
test_all_errors_listed(void **state)
{
	static const char text[] =
	    "[dhcp]\n"				/* 1 */
	    "enabled = yes\n"
	    "interfaces = srv0\n"
	    "probe = sometimes\n"
	    "[subnet 10.77.0.0/24]\n"		/* 5 */
	    "pool = 10.77.0.9-10.77.0.1\n"
	    "router = x\n"
	    "[host nobody]\n"			/* 8 */
	    "address = 10.77.0.4\n";
	struct cfg *c = NULL;
	struct dhcp_server_conf sc;
	struct cfg_errs e;
	(void)state;

	int rc = load_build(text, &c, &sc, &e);
	assert_int_equal(rc, -IK_ECONFIG);
	if (e.n != 4 || !all_have_line(&e))
		dump_errs(&e);
	assert_int_equal(e.n, 4);
	assert_true(all_have_line(&e));
	cfg_errs_clear(&e);
}

static const struct dhcp_opt *
opt_of(const struct dhcp_subnet *s, uint8_t code)
{
	for (size_t i = 0; i < s->n_opts; i++)
		if (s->opts[i].code == code)
			return &s->opts[i];
	return NULL;
}

static void
assert_opt(const struct dhcp_subnet *s, uint8_t code, const void *want,
    size_t len)
{
	const struct dhcp_opt *o = opt_of(s, code);

	if (o == NULL)
		fail_msg("option %u missing", code);
	assert_int_equal(o->len, len);
	assert_memory_equal(o->data, want, len);
}

static void
test_good_config(void **state)
{
	static const char text[] =
	    "[inetkit]\n"
	    "data_dir = /tmp/nowhere\n"
	    "[dhcp]\n"
	    "enabled = yes\n"
	    "interfaces = srv0 rtr0\n"
	    "probe = icmp\n"
	    "offer_hold = 45s\n"
	    "decline_hold = 2h\n"
	    "authoritative = no\n"
	    "[subnet 10.77.0.0/24]\n"
	    "pool = 10.77.0.100-10.77.0.199, 10.77.0.210-10.77.0.220 "
	    "10.77.0.5\n"
	    "router = 10.77.0.1\n"
	    "dns = 10.77.0.1 10.77.0.2\n"
	    "domain = lab.test\n"
	    "ntp = 10.77.0.3\n"
	    "lease_time = 1h\n"
	    "[subnet 10.88.0.0/16]\n"
	    "pool = 10.88.1.1-10.88.2.254\n"
	    "lease_time = 2d\n"
	    "t1 = 1d\n"
	    "t2 = 36h\n"
	    "[subnet 192.168.5.0/30]\n"
	    "[host printer]\n"
	    "mac = 52-54-00-12-34-56\n"
	    "address = 10.77.0.50\n"
	    "[host cam]\n"
	    "client_id = 01:AA:bb:0c\n"
	    "address = 10.88.0.9\n"
	    "hostname = camera-1\n"
	    "[host both]\n"
	    "mac = 525400123457\n"
	    "client_id = ff\n"
	    "address = 192.168.5.1\n";
	struct cfg *c = NULL;
	struct dhcp_server_conf sc;
	struct cfg_errs e;
	(void)state;

	int rc = load_build(text, &c, &sc, &e);
	if (rc != 0)
		dump_errs(&e);
	assert_int_equal(rc, 0);
	assert_int_equal(e.n, 0);

	const struct dhcp_conf *dc = cfg_get(c, "dhcp");
	char names[8][16];
	assert_int_equal(dhcp_conf_interfaces(dc, names, 8), 2);
	assert_string_equal(names[0], "srv0");
	assert_string_equal(names[1], "rtr0");
	assert_int_equal(dhcp_conf_interfaces(dc, names, 1), -IK_ECONFIG);

	assert_int_equal(sc.probe, DHCP_PROBE_ICMP);
	assert_int_equal(sc.offer_hold_s, 45);
	assert_int_equal(sc.decline_hold_s, 7200);
	assert_true(sc.probe_fresh_s > 0);
	assert_false(sc.authoritative);
	assert_int_equal(sc.n_subnets, 3);
	assert_int_equal(sc.n_hosts, 3);

	const struct dhcp_subnet *a = &sc.subnets[0];
	assert_int_equal(a->net, IP(10, 77, 0, 0));
	assert_int_equal(a->mask, 0xffffff00u);
	assert_int_equal(a->prefix, 24);
	assert_int_equal(a->n_pools, 3);
	assert_int_equal(a->pools[0].lo, IP(10, 77, 0, 100));
	assert_int_equal(a->pools[0].hi, IP(10, 77, 0, 199));
	assert_int_equal(a->pools[1].lo, IP(10, 77, 0, 210));
	assert_int_equal(a->pools[1].hi, IP(10, 77, 0, 220));
	assert_int_equal(a->pools[2].lo, IP(10, 77, 0, 5));
	assert_int_equal(a->pools[2].hi, IP(10, 77, 0, 5));
	assert_int_equal(a->cursor, IP(10, 77, 0, 100));
	assert_int_equal(a->lease_s, 3600);
	assert_int_equal(a->t1_s, 1800);
	assert_int_equal(a->t2_s, 3150);
	assert_int_equal(a->ifindex, 2);
	assert_int_equal(a->if_addr, IP(10, 77, 0, 1));
	assert_true(dhcp_in_pool(a, IP(10, 77, 0, 5)));
	assert_true(dhcp_in_pool(a, IP(10, 77, 0, 220)));
	assert_false(dhcp_in_pool(a, IP(10, 77, 0, 200)));
	assert_false(dhcp_in_pool(a, IP(10, 77, 0, 50)));
	assert_opt(a, DHCP_OPT_SUBNET_MASK, "\xff\xff\xff\x00", 4);
	assert_opt(a, DHCP_OPT_ROUTER, "\x0a\x4d\x00\x01", 4);
	assert_opt(a, DHCP_OPT_DNS, "\x0a\x4d\x00\x01\x0a\x4d\x00\x02", 8);
	assert_opt(a, DHCP_OPT_DOMAIN_NAME, "lab.test", 8);
	assert_opt(a, DHCP_OPT_BROADCAST, "\x0a\x4d\x00\xff", 4);
	assert_opt(a, DHCP_OPT_NTP, "\x0a\x4d\x00\x03", 4);

	const struct dhcp_subnet *b = &sc.subnets[1];
	assert_int_equal(b->net, IP(10, 88, 0, 0));
	assert_int_equal(b->prefix, 16);
	assert_int_equal(b->ifindex, 0);	/* relayed */
	assert_int_equal(b->if_addr, 0);
	assert_int_equal(b->lease_s, 2 * 86400);
	assert_int_equal(b->t1_s, 86400);
	assert_int_equal(b->t2_s, 36 * 3600);
	assert_opt(b, DHCP_OPT_SUBNET_MASK, "\xff\xff\x00\x00", 4);
	assert_opt(b, DHCP_OPT_BROADCAST, "\x0a\x58\xff\xff", 4);
	/* Unset lists are not sent at all. */
	assert_null(opt_of(b, DHCP_OPT_ROUTER));
	assert_null(opt_of(b, DHCP_OPT_DNS));
	assert_null(opt_of(b, DHCP_OPT_DOMAIN_NAME));
	assert_null(opt_of(b, DHCP_OPT_NTP));

	/* Reservations only: no pool. */
	const struct dhcp_subnet *r = &sc.subnets[2];
	assert_int_equal(r->n_pools, 0);
	assert_int_equal(r->mask, 0xfffffffcu);

	assert_ptr_equal(dhcp_subnet_of(&sc, IP(10, 77, 0, 7)), a);
	assert_ptr_equal(dhcp_subnet_of(&sc, IP(10, 88, 200, 7)), b);
	assert_ptr_equal(dhcp_subnet_of(&sc, IP(192, 168, 5, 3)), r);
	assert_null(dhcp_subnet_of(&sc, IP(192, 168, 5, 4)));

	const struct dhcp_host *h = &sc.hosts[0];
	assert_string_equal(h->name, "printer");
	assert_string_equal(h->hostname, "printer");	/* the default */
	assert_true(h->has_mac);
	assert_memory_equal(h->mac, "\x52\x54\x00\x12\x34\x56", 6);
	assert_int_equal(h->cid_len, 0);
	assert_int_equal(h->addr, IP(10, 77, 0, 50));
	h = &sc.hosts[1];
	assert_string_equal(h->hostname, "camera-1");
	assert_false(h->has_mac);
	assert_int_equal(h->cid_len, 4);
	assert_memory_equal(h->cid, "\x01\xaa\xbb\x0c", 4);
	h = &sc.hosts[2];
	assert_true(h->has_mac);
	assert_memory_equal(h->mac, "\x52\x54\x00\x12\x34\x57", 6);
	assert_int_equal(h->cid_len, 1);
	assert_int_equal(h->cid[0], 0xff);

	dhcp_server_conf_free(&sc);
	assert_null(sc.subnets);
	assert_int_equal(sc.n_subnets, 0);
	dhcp_server_conf_free(&sc);	/* twice: harmless */
	cfg_free(&c);
}

/* The defaults: probe arp, 30 s offers, 1 h quarantine, authoritative;
 * a disabled [dhcp] needs no interfaces; no subnets is a valid (empty)
 * server. */
static void
test_defaults(void **state)
{
	struct cfg *c = NULL;
	struct dhcp_server_conf sc;
	struct cfg_errs e;
	(void)state;

	assert_int_equal(load_build("[dhcp]\nenabled = no\n", &c, &sc, &e), 0);
	assert_int_equal(sc.probe, DHCP_PROBE_ARP);
	assert_int_equal(sc.offer_hold_s, 30);
	assert_int_equal(sc.decline_hold_s, 3600);
	assert_true(sc.authoritative);
	assert_int_equal(sc.n_subnets, 0);
	assert_int_equal(sc.n_hosts, 0);
	assert_null(dhcp_subnet_of(&sc, IP(10, 0, 0, 1)));
	dhcp_server_conf_free(&sc);
	cfg_free(&c);

	assert_int_equal(load_build(DHCP_HEAD "probe = none\n"
	    "[subnet 10.77.0.0/24]\npool = 10.77.0.10-10.77.0.20\n", &c, &sc,
	    &e), 0);
	assert_int_equal(sc.probe, DHCP_PROBE_NONE);
	assert_int_equal(sc.subnets[0].lease_s, 3600);
	assert_int_equal(sc.subnets[0].ifindex, 2);
	/* Mask and broadcast always; nothing else was set. */
	assert_int_equal(sc.subnets[0].n_opts, 2);
	dhcp_server_conf_free(&sc);
	cfg_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pool_errors),
		cmocka_unit_test(test_option_and_time_errors),
		cmocka_unit_test(test_subnet_name_errors),
		cmocka_unit_test(test_host_errors),
		cmocka_unit_test(test_dhcp_section_errors),
		cmocka_unit_test(test_all_errors_listed),
		cmocka_unit_test(test_good_config),
		cmocka_unit_test(test_defaults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
