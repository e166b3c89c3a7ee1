/* tests/unit/dhcp/test_options.c - DHCP option reads and value codecs:
 * names for logs, typed reads with wrong lengths, text with a trailing
 * NUL, option 82 sub-options, RFC 3442 routes (the RFC's examples),
 * RFC 3397 domain search with compression (the RFC's example). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "core/err.h"
#include "dhcp/options.h"
#include "dhcp/packet.h"
#include "dns/name.h"

/* A packet holding just `opts` (as a parse would leave it). */
static void
pkt_of(struct dhcp_packet *p, struct dhcp_opt *opts, size_t n)
{
	memset(p, 0, sizeof(*p));
	p->has_cookie = true;
	p->opts = opts;
	p->n_opts = n;
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(dhcp_msg_type_name(DHCP_DISCOVER), "DISCOVER");
	assert_string_equal(dhcp_msg_type_name(DHCP_INFORM), "INFORM");
	assert_string_equal(dhcp_msg_type_name(0), "BOOTP");
	assert_string_equal(dhcp_msg_type_name(9), "unknown");
	assert_string_equal(dhcp_msg_type_name(100000), "unknown");
	assert_string_equal(dhcp_opt_name(DHCP_OPT_SUBNET_MASK),
	    "subnet-mask");
	assert_string_equal(dhcp_opt_name(82), "relay-info");
	assert_string_equal(dhcp_opt_name(121), "classless-routes");
	assert_string_equal(dhcp_opt_name(255), "end");
	assert_string_equal(dhcp_opt_name(200), "unknown");
	assert_string_equal(dhcp_opt_name(256), "unknown");
}

static void
test_typed(void **state)
{
	static const uint8_t lease[] = { 0x00, 0x01, 0x51, 0x80 };
	static const uint8_t mask[] = { 255, 255, 255, 0 };
	static const uint8_t dns[] = { 192, 168, 1, 1, 9, 9, 9, 9 };
	static const uint8_t bad_dns[] = { 192, 168, 1, 1, 9 };
	static const uint8_t mt[] = { 2 };
	static const uint8_t msz[] = { 0x05, 0xdc };
	static const uint8_t cid[] = { 1, 0x52, 0x54, 0, 0x12, 0x34, 0x56 };
	struct dhcp_opt o[] = {
		{ DHCP_OPT_LEASE_TIME, 4, lease },
		{ DHCP_OPT_SUBNET_MASK, 4, mask },
		{ DHCP_OPT_DNS, 8, dns },
		{ DHCP_OPT_ROUTER, 5, bad_dns },
		{ DHCP_OPT_MSG_TYPE, 1, mt },
		{ DHCP_OPT_MAX_SIZE, 2, msz },
		{ DHCP_OPT_CLIENT_ID, 7, cid },
		{ DHCP_OPT_T1, 3, lease },
		{ DHCP_OPT_RAPID_COMMIT, 0, lease },
	};
	struct dhcp_packet p;
	uint32_t v = 7, addrs[4];
	uint16_t s;
	uint8_t b;
	const uint8_t *bytes;
	size_t len;
	(void)state;

	pkt_of(&p, o, sizeof(o) / sizeof(o[0]));
	assert_int_equal(dhcp_opt_u32(&p, DHCP_OPT_LEASE_TIME, &v), 0);
	assert_int_equal(v, 86400);
	assert_int_equal(dhcp_opt_addr(&p, DHCP_OPT_SUBNET_MASK, &v), 0);
	assert_int_equal(v, 0xffffff00);
	assert_int_equal(dhcp_opt_u8(&p, DHCP_OPT_MSG_TYPE, &b), 0);
	assert_int_equal(b, DHCP_OFFER);
	assert_int_equal(dhcp_opt_u16(&p, DHCP_OPT_MAX_SIZE, &s), 0);
	assert_int_equal(s, 1500);
	/* Wrong lengths: the option is unusable, *out untouched. */
	v = 7;
	assert_int_equal(dhcp_opt_u32(&p, DHCP_OPT_T1, &v), -IK_EPARSE);
	assert_int_equal(v, 7);
	assert_int_equal(dhcp_opt_u16(&p, DHCP_OPT_LEASE_TIME, &s),
	    -IK_EPARSE);
	assert_int_equal(dhcp_opt_u8(&p, DHCP_OPT_MAX_SIZE, &b), -IK_EPARSE);
	assert_int_equal(dhcp_opt_addr(&p, DHCP_OPT_SERVER_ID, &v),
	    -IK_ENOTFOUND);

	assert_int_equal(dhcp_opt_addrs(&p, DHCP_OPT_DNS, addrs, 4), 2);
	assert_int_equal(addrs[0], 0xc0a80101);
	assert_int_equal(addrs[1], 0x09090909);
	addrs[1] = 0;
	assert_int_equal(dhcp_opt_addrs(&p, DHCP_OPT_DNS, addrs, 1), 2);
	assert_int_equal(addrs[1], 0);	/* only `cap` written */
	assert_int_equal(dhcp_opt_addrs(&p, DHCP_OPT_ROUTER, addrs, 4),
	    -IK_EPARSE);
	assert_int_equal(dhcp_opt_addrs(&p, DHCP_OPT_NTP, addrs, 4),
	    -IK_ENOTFOUND);

	assert_int_equal(dhcp_opt_bytes(&p, DHCP_OPT_CLIENT_ID, &bytes,
	    &len), 0);
	assert_int_equal(len, 7);
	assert_int_equal(bytes[0], 1);
	assert_int_equal(dhcp_opt_bytes(&p, DHCP_OPT_RAPID_COMMIT, &bytes,
	    &len), -IK_EPARSE);
	assert_non_null(dhcp_opt_find(&p, DHCP_OPT_RAPID_COMMIT));
	assert_null(dhcp_opt_find(&p, DHCP_OPT_HOSTNAME));
}

static void
test_text(void **state)
{
	static const uint8_t plain[] = "example.test";
	static const uint8_t nul_end[] = { 'W', 'S', '0', '1', 0 };
	static const uint8_t nul_in[] = { 'a', 0, 'b' };
	static const uint8_t only_nul[] = { 0 };
	struct dhcp_opt o[] = {
		{ DHCP_OPT_DOMAIN_NAME, 12, plain },
		{ DHCP_OPT_HOSTNAME, 5, nul_end },
		{ DHCP_OPT_VENDOR_CLASS, 3, nul_in },
		{ DHCP_OPT_MESSAGE, 1, only_nul },
		{ 17, 0, plain },	/* root path, empty */
	};
	struct dhcp_packet p;
	const char *s;
	size_t len;
	(void)state;

	pkt_of(&p, o, sizeof(o) / sizeof(o[0]));
	assert_int_equal(dhcp_opt_text(&p, DHCP_OPT_DOMAIN_NAME, &s, &len),
	    0);
	assert_int_equal(len, 12);
	assert_memory_equal(s, "example.test", 12);
	/* Old Windows sends the hostname with its NUL. */
	assert_int_equal(dhcp_opt_text(&p, DHCP_OPT_HOSTNAME, &s, &len), 0);
	assert_int_equal(len, 4);
	assert_memory_equal(s, "WS01", 4);
	assert_int_equal(dhcp_opt_text(&p, DHCP_OPT_VENDOR_CLASS, &s, &len),
	    -IK_EPARSE);
	assert_int_equal(dhcp_opt_text(&p, DHCP_OPT_MESSAGE, &s, &len),
	    -IK_EPARSE);
	assert_int_equal(dhcp_opt_text(&p, 17, &s, &len), -IK_EPARSE);
	assert_int_equal(dhcp_opt_text(&p, 66, &s, &len), -IK_ENOTFOUND);
}

/* Option 82 as the relay in test_packet.c's REQUEST adds it. */
static const uint8_t rai[] = {
	0x01, 0x0f, 'e', 't', 'h', '0', '/', '1', '/', '2', ':', 'v', 'l',
	'a', 'n', '1', '0',
	0x02, 0x06, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
};

static void
test_relay_info(void **state)
{
	struct dhcp_relay_info ri;
	uint8_t out[64];
	(void)state;

	assert_int_equal(dhcp_relay_parse(rai, sizeof(rai), &ri), 0);
	assert_int_equal(ri.circuit_id_len, 15);
	assert_memory_equal(ri.circuit_id, "eth0/1/2:vlan10", 15);
	assert_int_equal(ri.remote_id_len, 6);
	assert_int_equal(ri.remote_id[5], 0x55);
	assert_false(ri.has_link);
	assert_int_equal(dhcp_relay_build(&ri, out, sizeof(out)),
	    sizeof(rai));
	assert_memory_equal(out, rai, sizeof(rai));
	assert_int_equal(dhcp_relay_build(&ri, out, sizeof(rai) - 1),
	    -IK_ETRUNC);

	/* Every cut inside a sub-option is an error. */
	for (size_t cut = 1; cut < sizeof(rai); cut++) {
		int err = dhcp_relay_parse(rai, cut, &ri);
		if (cut == 17)
			assert_int_equal(err, 0);
		else
			assert_int_equal(err, -IK_ETRUNC);
	}
	assert_int_equal(dhcp_relay_parse(rai, 0, &ri), -IK_EPARSE);

	/* Unknown sub-options skipped; link selection read; repeats bad. */
	static const uint8_t more[] = { 9, 2, 'x', 'y', 5, 4, 10, 0, 2, 0,
	    2, 1, 'r' };
	assert_int_equal(dhcp_relay_parse(more, sizeof(more), &ri), 0);
	assert_true(ri.has_link);
	assert_int_equal(ri.link, 0x0a000200);
	assert_null(ri.circuit_id);
	assert_int_equal(ri.remote_id_len, 1);
	static const uint8_t twice[] = { 1, 1, 'a', 1, 1, 'b' };
	assert_int_equal(dhcp_relay_parse(twice, sizeof(twice), &ri),
	    -IK_EPARSE);
	static const uint8_t badlink[] = { 5, 3, 10, 0, 2 };
	assert_int_equal(dhcp_relay_parse(badlink, sizeof(badlink), &ri),
	    -IK_EPARSE);
	memset(&ri, 0, sizeof(ri));
	ri.has_link = true;
	ri.link = 0x0a000200;
	ri.remote_id = (const uint8_t *)"r";
	ri.remote_id_len = 1;
	ssize_t n = dhcp_relay_build(&ri, out, sizeof(out));
	assert_int_equal(n, 9);
	ri.circuit_id = out;
	ri.circuit_id_len = 256;
	assert_int_equal(dhcp_relay_build(&ri, out, sizeof(out)), -EINVAL);
}

static void
test_routes(void **state)
{
	/* RFC 3442 "Encoding" examples, all via 10.0.0.1. */
	static const struct dhcp_route rt[] = {
		{ 0x00000000, 0, 0x0a000001 },
		{ 0x0a000000, 8, 0x0a000001 },
		{ 0xc0a80100, 24, 0x0a000001 },
		{ 0x0a010101, 32, 0x0a000001 },
	};
	static const uint8_t want[] = {
		0, 10, 0, 0, 1,
		8, 10, 10, 0, 0, 1,
		24, 192, 168, 1, 10, 0, 0, 1,
		32, 10, 1, 1, 1, 10, 0, 0, 1,
	};
	uint8_t out[64];
	struct dhcp_route got[4];
	(void)state;

	ssize_t n = dhcp_routes_build(rt, 4, out, sizeof(out));
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
	assert_int_equal(dhcp_routes_build(rt, 4, out, sizeof(want) - 1),
	    -IK_ETRUNC);
	assert_int_equal(dhcp_routes_parse(want, sizeof(want), got, 4), 4);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(got[i].dest, rt[i].dest);
		assert_int_equal(got[i].prefix, rt[i].prefix);
		assert_int_equal(got[i].gw, rt[i].gw);
	}
	assert_int_equal(dhcp_routes_parse(want, sizeof(want), got, 2), 4);

	/* Cut anywhere but between routes: bad. */
	for (size_t cut = 1; cut < sizeof(want); cut++) {
		int err = dhcp_routes_parse(want, cut, got, 4);
		if (cut == 5 || cut == 11 || cut == 19)
			assert_true(err > 0);
		else
			assert_int_equal(err, -IK_EPARSE);
	}
	assert_int_equal(dhcp_routes_parse(want, 0, got, 4), -IK_EPARSE);
	static const uint8_t w33[] = { 33, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	assert_int_equal(dhcp_routes_parse(w33, sizeof(w33), got, 4),
	    -IK_EPARSE);
	/* Bits past the width are cleared: 10.1.0.0/9 reads 10.0.0.0/9. */
	static const uint8_t w9[] = { 9, 10, 0x81, 192, 168, 1, 1 };
	assert_int_equal(dhcp_routes_parse(w9, sizeof(w9), got, 4), 1);
	assert_int_equal(got[0].dest, 0x0a800000);
	assert_int_equal(got[0].prefix, 9);
	struct dhcp_route bad = { 0, 33, 0 };
	assert_int_equal(dhcp_routes_build(&bad, 1, out, sizeof(out)),
	    -EINVAL);
}

static void
name_of(const char *text, struct dns_name *out)
{
	assert_int_equal(dns_name_from_text(text, strlen(text), NULL, out), 0);
}

static void
test_domain_search(void **state)
{
	/* RFC 3397 4: eng.apple.com. and marketing.apple.com. */
	static const uint8_t want[] = {
		3, 'e', 'n', 'g', 5, 'a', 'p', 'p', 'l', 'e', 3, 'c', 'o', 'm',
		0, 9, 'm', 'a', 'r', 'k', 'e', 't', 'i', 'n', 'g', 0xc0, 0x04,
	};
	struct dns_name names[3], got[3];
	uint8_t out[128];
	(void)state;

	name_of("eng.apple.com.", &names[0]);
	name_of("marketing.apple.com.", &names[1]);
	ssize_t n = dhcp_search_build(names, 2, out, sizeof(out));
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
	assert_int_equal(dhcp_search_parse(want, sizeof(want), got, 3), 2);
	assert_true(dns_name_equal(&got[0], &names[0]));
	assert_true(dns_name_equal(&got[1], &names[1]));
	assert_int_equal(got[1].n_labels, 3);

	/* A whole name repeated is one pointer; the root is one byte. */
	name_of("apple.com.", &names[2]);
	n = dhcp_search_build(names, 3, out, sizeof(out));
	assert_int_equal(n, sizeof(want) + 2);
	assert_int_equal(out[sizeof(want)], 0xc0);
	assert_int_equal(out[sizeof(want) + 1], 4);
	assert_int_equal(dhcp_search_parse(out, (size_t)n, got, 3), 3);
	assert_true(dns_name_equal(&got[2], &names[2]));
	dns_name_root(&names[0]);
	assert_int_equal(dhcp_search_build(names, 1, out, sizeof(out)), 1);
	assert_int_equal(out[0], 0);
	assert_int_equal(dhcp_search_build(names + 1, 2, out, 5), -IK_ETRUNC);

	/* Every cut: an error unless between names. */
	for (size_t cut = 1; cut < sizeof(want); cut++) {
		int err = dhcp_search_parse(want, cut, got, 3);
		if (cut == 15)
			assert_int_equal(err, 1);
		else
			assert_int_equal(err, -IK_EPARSE);
	}
	/* Pointers must go back; loops and self-pointers are refused. */
	static const uint8_t self[] = { 0xc0, 0x00 };
	static const uint8_t fwd[] = { 0xc0, 0x02, 0 };
	static const uint8_t loop[] = { 1, 'a', 0, 1, 'b', 0xc0, 0x03 };
	static const uint8_t ext[] = { 0x41, 'a', 0 };
	assert_int_equal(dhcp_search_parse(self, 2, got, 3), -IK_EPARSE);
	assert_int_equal(dhcp_search_parse(fwd, 3, got, 3), -IK_EPARSE);
	assert_int_equal(dhcp_search_parse(loop, 7, got, 3), -IK_EPARSE);
	assert_int_equal(dhcp_search_parse(ext, 3, got, 3), -IK_EPARSE);
	assert_int_equal(dhcp_search_parse(want, 0, got, 3), -IK_EPARSE);
	/* A chain: c.b.a. by pointers into pointers. */
	static const uint8_t chain[] = { 1, 'a', 0, 1, 'b', 0xc0, 0x00,
	    1, 'c', 0xc0, 0x03 };
	assert_int_equal(dhcp_search_parse(chain, sizeof(chain), got, 3), 3);
	name_of("c.b.a.", &names[0]);
	assert_true(dns_name_equal(&got[2], &names[0]));

	/* Over 255 bytes of name: -IK_ELIMIT. */
	uint8_t longn[320];
	size_t k = 0;
	for (int i = 0; i < 5; i++) {
		longn[k++] = 60;
		memset(longn + k, 'x', 60);
		k += 60;
	}
	longn[k++] = 0;
	assert_int_equal(dhcp_search_parse(longn, k, got, 3), -IK_ELIMIT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_typed),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_relay_info),
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_domain_search),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
