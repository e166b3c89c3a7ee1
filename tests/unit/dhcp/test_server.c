/* tests/unit/dhcp/test_server.c - the server's decisions (RFC 2131 4.3):
 * the address a DISCOVER gets (reservation, the client's previous
 * address after release or expiry, the requested one, never-used ones in
 * pool order across ranges, then the one free the longest; "pool
 * exhausted"), the probe round trip, REQUEST in SELECTING, INIT-REBOOT,
 * RENEWING and REBINDING (also from a relayed client, unicast), DECLINE,
 * RELEASE, INFORM, one lease per client and subnet, hostnames that
 * follow the owner, where each reply goes (RFC 2131 4.1), option 82
 * echoed to relays, subnet selection (giaddr, option 118, option 82 link
 * selection, arrival interface, ciaddr), non-authoritative mode and the
 * options in replies. Every message goes through the real codec: built,
 * parsed, handled, and the reply parsed back. The config is compiled
 * from text by dhcp_server_conf_build; the clock is a number. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/cfg.h"
#include "core/svc.h"
#include "dhcp/conf.h"
#include "dhcp/leases.h"
#include "dhcp/options.h"
#include "dhcp/packet.h"
#include "dhcp/server.h"

#define IP(a, b, c, d)	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
			    (uint32_t)(c) << 8 | (uint32_t)(d))
#define A(n)		IP(10, 77, 0, n)	/* direct subnet, on srv0 */
#define B(n)		IP(10, 88, 0, n)	/* relayed subnet */
#define SRV		A(1)
#define RELAY		B(1)		/* the relay's giaddr */
#define NOW		1700000000
#define SRV0		2			/* ifindex */

/* The direct subnet's pool is four addresses in two ranges. */
static const char conf_fmt[] =
    "[dhcp]\n"
    "enabled = yes\n"
    "interfaces = srv0\n"
    "probe = %s\n"
    "authoritative = %s\n"
    "offer_hold = 30s\n"
    "decline_hold = 1h\n"
    "[subnet 10.77.0.0/24]\n"
    "pool = 10.77.0.100-10.77.0.101 10.77.0.110-10.77.0.111\n"
    "router = 10.77.0.1\n"
    "dns = 10.77.0.1 10.77.0.2\n"
    "domain = lab.test\n"
    "lease_time = 1h\n"
    "[subnet 10.88.0.0/24]\n"
    "pool = 10.88.0.10-10.88.0.20\n"
    "router = 10.88.0.1\n"
    "ntp = 10.88.0.123 10.88.0.124\n"
    "lease_time = 2h\n"
    "t1 = 30m\n"
    "t2 = 90m\n"
    "[host printer]\n"
    "mac = 52:54:00:12:34:56\n"
    "address = 10.77.0.50\n"
    "[host cam]\n"
    "client_id = 01:aa:bb\n"
    "address = 10.88.0.5\n";

static const uint8_t printer_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

struct fx {
	struct cfg		*cfg;
	struct dhcp_server_conf	 sc;
	struct dhcp_leases	*leases;
	struct arena		*a;
	int64_t			 now;
	struct dhcp_packet	 req;	/* the last message sent */
	struct dhcp_outcome	 out;	/* and what came of it */
	struct dhcp_packet	 reply;	/* out.buf parsed, on REPLY */
	uint8_t			 wire[1500];
	size_t			 wire_len;
};

static struct fx *
fx_new(const char *probe, const char *authoritative)
{
	static const struct dhcp_conf_iface ifs[] = {
		{ SRV0, SRV, 24 },
	};
	struct fx *fx = calloc(1, sizeof(*fx));
	struct cfg_errs e = { 0 };
	char text[2048];

	assert_non_null(fx);
	snprintf(text, sizeof(text), conf_fmt, probe, authoritative);
	int rc = cfg_load_string(text, "server.conf", svc_schema(), &fx->cfg,
	    &e);
	if (rc == 0)
		rc = dhcp_server_conf_build(fx->cfg, ifs, 1, &fx->sc, &e);
	for (size_t i = 0; i < e.n; i++)
		print_message("%s\n", e.msg[i]);
	cfg_errs_clear(&e);
	assert_int_equal(rc, 0);
	fx->leases = dhcp_leases_new();
	fx->a = arena_new(65536);
	assert_non_null(fx->leases);
	assert_non_null(fx->a);
	fx->now = NOW;
	return fx;
}

static int
setup(void **state)
{
	*state = fx_new("none", "yes");
	return 0;
}

static int
setup_probe(void **state)
{
	*state = fx_new("arp", "yes");
	return 0;
}

static int
setup_nonauth(void **state)
{
	*state = fx_new("none", "no");
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	dhcp_server_conf_free(&fx->sc);
	cfg_free(&fx->cfg);
	dhcp_leases_free(&fx->leases);
	arena_free(&fx->a);
	free(fx);
	return 0;
}

/* A client message. Unset fields take defaults: hardware address
 * 52:54:00:00:00:client (or mac), Ethernet, arrival on srv0 addressed to
 * 10.77.0.1. */
struct msg {
	uint8_t		 type;		/* option 53; 0: BOOTP */
	uint8_t		 op;		/* 0: BOOTREQUEST */
	uint8_t		 client;
	const uint8_t	*mac;
	uint8_t		 htype, hlen;	/* 0: 1 and 6 */
	bool		 no_hw;		/* hlen 0 */
	uint16_t	 flags;
	uint32_t	 ciaddr, giaddr;
	uint32_t	 req, sid, sel;	/* options 50, 54, 118 */
	const char	*cid;		/* option 61, cid_len bytes */
	size_t		 cid_len;
	const char	*prl;		/* option 55 bytes */
	size_t		 prl_len;
	const char	*rai;		/* option 82 bytes */
	size_t		 rai_len;
	const char	*hostname;	/* option 12 */
	uint16_t	 max_size;	/* option 57 */
	int		 ifindex;	/* 0: srv0 */
	uint32_t	 local;		/* 0: 10.77.0.1 */
	bool		 no_local;	/* local address unknown */
};

static uint32_t
xid_of(const struct msg *m)
{
	return 0x5ee00000u | (uint32_t)m->client << 8 | m->type;
}

/* Builds, parses and handles `m` at fx->now; parses a reply back and
 * checks what must hold for every reply. Returns the verdict. */
static enum dhcp_verdict
run(struct fx *fx, const struct msg *m)
{
	struct dhcp_packet fixed;
	struct dhcp_builder b;

	memset(&fixed, 0, sizeof(fixed));
	fixed.op = m->op != 0 ? m->op : DHCP_OP_REQUEST;
	fixed.htype = m->htype != 0 ? m->htype : DHCP_HTYPE_ETHER;
	fixed.hlen = m->no_hw ? 0 : m->hlen != 0 ? m->hlen : 6;
	fixed.xid = xid_of(m);
	fixed.flags = m->flags;
	fixed.ciaddr = m->ciaddr;
	fixed.giaddr = m->giaddr;
	fixed.hops = m->giaddr != 0;
	if (m->mac != NULL) {
		memcpy(fixed.chaddr, m->mac, 6);
	} else {
		memcpy(fixed.chaddr, "\x52\x54\x00\x00\x00", 5);
		fixed.chaddr[5] = m->client;
	}
	dhcp_build_init(&b, fx->wire, sizeof(fx->wire), &fixed);
	if (m->type != 0)
		assert_int_equal(dhcp_build_u8(&b, DHCP_OPT_MSG_TYPE, m->type),
		    0);
	if (m->req != 0)
		dhcp_build_addr(&b, DHCP_OPT_REQUESTED_IP, m->req);
	if (m->sid != 0)
		dhcp_build_addr(&b, DHCP_OPT_SERVER_ID, m->sid);
	if (m->cid != NULL)
		dhcp_build_opt(&b, DHCP_OPT_CLIENT_ID, m->cid, m->cid_len);
	if (m->hostname != NULL)
		dhcp_build_str(&b, DHCP_OPT_HOSTNAME, m->hostname);
	if (m->prl != NULL)
		dhcp_build_opt(&b, DHCP_OPT_PARAM_REQ, m->prl, m->prl_len);
	if (m->max_size != 0)
		dhcp_build_u16(&b, DHCP_OPT_MAX_SIZE, m->max_size);
	if (m->sel != 0)
		dhcp_build_addr(&b, DHCP_OPT_SUBNET_SELECT, m->sel);
	if (m->rai != NULL)
		dhcp_build_opt(&b, DHCP_OPT_RELAY_INFO, m->rai, m->rai_len);
	ssize_t len = dhcp_build_finish(&b);
	assert_true(len > 0);
	fx->wire_len = (size_t)len;

	arena_reset(fx->a);
	assert_int_equal(dhcp_packet_parse(fx->wire, fx->wire_len, fx->a,
	    &fx->req), 0);
	struct dhcp_request rq = {
		.pkt = &fx->req,
		.ifindex = m->ifindex != 0 ? m->ifindex : SRV0,
		.local_addr = m->no_local ? 0 : m->local != 0 ? m->local : SRV,
		.src = m->giaddr != 0 ? m->giaddr : m->ciaddr,
		.now = fx->now,
	};
	memset(&fx->out, 0xa5, sizeof(fx->out));
	dhcp_server_handle(&fx->sc, fx->leases, &rq, &fx->out);
	/* Every drop and NAK says why, for the log. */
	if (fx->out.verdict != DHCP_REPLY || fx->out.reply_type == DHCP_NAK)
		assert_non_null(fx->out.reason);
	memset(&fx->reply, 0, sizeof(fx->reply));
	if (fx->out.verdict == DHCP_REPLY) {
		assert_true(fx->out.len <= DHCP_REPLY_MAX);
		assert_true(fx->out.len >= DHCP_MIN_LEN);
		assert_int_equal(dhcp_packet_parse(fx->out.buf, fx->out.len,
		    fx->a, &fx->reply), 0);
		assert_int_equal(fx->reply.op, DHCP_OP_REPLY);
		assert_int_equal(fx->reply.xid, fixed.xid);
		assert_int_equal(fx->reply.msg_type, fx->out.reply_type);
		assert_int_equal(fx->reply.yiaddr, fx->out.yiaddr);
		assert_int_equal(fx->reply.giaddr, fixed.giaddr);
		assert_memory_equal(fx->reply.chaddr, fixed.chaddr,
		    DHCP_CHADDR_LEN);
		uint32_t sid;
		assert_int_equal(dhcp_opt_addr(&fx->reply, DHCP_OPT_SERVER_ID,
		    &sid), 0);
		assert_int_equal(sid, fx->out.src_ip);
	}
	return fx->out.verdict;
}

static void
expect_reply(struct fx *fx, uint8_t type, uint32_t yiaddr)
{
	if (fx->out.verdict != DHCP_REPLY)
		fail_msg("want %s %08x, got verdict %d (%s)",
		    dhcp_msg_type_name(type), yiaddr, fx->out.verdict,
		    fx->out.reason);
	if (fx->out.reply_type != type || fx->out.yiaddr != yiaddr)
		fail_msg("want %s %08x, got %s %08x (%s)",
		    dhcp_msg_type_name(type), yiaddr,
		    dhcp_msg_type_name(fx->out.reply_type), fx->out.yiaddr,
		    fx->out.reason != NULL ? fx->out.reason : "-");
}

static void
expect_drop(struct fx *fx, const char *reason)
{
	if (fx->out.verdict != DHCP_DROP || strstr(fx->out.reason,
	    reason) == NULL)
		fail_msg("want drop \"%s\", got verdict %d (%s)", reason,
		    fx->out.verdict, fx->out.reason);
}

/* The option's value as a u32 / address, or fails. */
static uint32_t
reply_u32(struct fx *fx, uint8_t code)
{
	uint32_t v;

	if (dhcp_opt_u32(&fx->reply, code, &v) != 0)
		fail_msg("option %u missing from the reply", code);
	return v;
}

static bool
reply_has(struct fx *fx, uint8_t code)
{
	return dhcp_opt_find(&fx->reply, code) != NULL;
}

static struct dhcp_client
client(uint8_t n)
{
	struct dhcp_client c;

	memset(&c, 0, sizeof(c));
	c.htype = DHCP_HTYPE_ETHER;
	c.hlen = 6;
	memcpy(c.chaddr, "\x52\x54\x00\x00\x00", 5);
	c.chaddr[5] = n;
	return c;
}

static struct dhcp_lease *
lease(struct fx *fx, uint32_t addr)
{
	return dhcp_leases_by_addr(fx->leases, addr);
}

static bool
owned_by(const struct dhcp_lease *l, uint8_t n)
{
	struct dhcp_client c = client(n);

	return l != NULL && l->has_owner && dhcp_client_same(&l->owner, &c);
}

static void
discover(struct fx *fx, uint8_t n, uint32_t want)
{
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = n });
	expect_reply(fx, DHCP_OFFER, want);
}

/* DISCOVER, OFFER of `want`, REQUEST, ACK. */
static void
bind_addr(struct fx *fx, uint8_t n, uint32_t want)
{
	discover(fx, n, want);
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = n,
	    .sid = SRV, .req = want });
	expect_reply(fx, DHCP_ACK, want);
}

static size_t
n_dirty(struct fx *fx, uint32_t addr, bool *found)
{
	size_t n = 0;

	*found = false;
	for (struct dhcp_lease *l = dhcp_leases_take_dirty(fx->leases);
	    l != NULL; l = l->next_dirty, n++)
		*found |= l->addr == addr;
	return n;
}

/* ---- address choice ---- */

static void
test_offer_fields(void **state)
{
	struct fx *fx = *state;
	bool found;

	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 1,
	    .hostname = "ignored-until-ack" });
	expect_reply(fx, DHCP_OFFER, A(100));
	assert_ptr_equal(fx->out.subnet, &fx->sc.subnets[0]);
	assert_int_equal(fx->out.src_ip, SRV);
	assert_int_equal(fx->out.dest, DHCP_DEST_HWADDR);
	assert_int_equal(fx->out.dst_ip, A(100));
	assert_memory_equal(fx->out.dst_mac, "\x52\x54\x00\x00\x00\x01", 6);
	assert_int_equal(fx->out.ifindex, SRV0);
	assert_int_equal(fx->reply.ciaddr, 0);
	assert_int_equal(fx->reply.flags, 0);
	assert_int_equal(reply_u32(fx, DHCP_OPT_LEASE_TIME), 3600);
	/* T1 and T2 are the RFC 2131 defaults (1800, 3150) and the client
	 * did not ask for them: left out, it computes the same. */
	assert_false(reply_has(fx, DHCP_OPT_T1));
	assert_false(reply_has(fx, DHCP_OPT_T2));
	assert_int_equal(reply_u32(fx, DHCP_OPT_SUBNET_MASK), 0xffffff00u);
	assert_int_equal(reply_u32(fx, DHCP_OPT_ROUTER), SRV);
	assert_int_equal(reply_u32(fx, DHCP_OPT_BROADCAST), A(255));
	uint32_t dns[4];
	assert_int_equal(dhcp_opt_addrs(&fx->reply, DHCP_OPT_DNS, dns, 4), 2);
	assert_int_equal(dns[0], A(1));
	assert_int_equal(dns[1], A(2));
	const char *dom;
	size_t dom_len;
	assert_int_equal(dhcp_opt_text(&fx->reply, DHCP_OPT_DOMAIN_NAME, &dom,
	    &dom_len), 0);
	assert_int_equal(dom_len, 8);
	assert_memory_equal(dom, "lab.test", 8);
	assert_false(reply_has(fx, DHCP_OPT_MESSAGE));
	assert_false(reply_has(fx, DHCP_OPT_RELAY_INFO));
	assert_false(reply_has(fx, DHCP_OPT_HOSTNAME));

	/* Held for the client for offer_hold; offers are not journalled. */
	struct dhcp_lease *l = lease(fx, A(100));
	assert_non_null(l);
	assert_int_equal(l->state, DHCP_LEASE_OFFERED);
	assert_true(owned_by(l, 1));
	assert_int_equal(l->ends, NOW + 30);
	assert_int_equal(n_dirty(fx, A(100), &found), 0);

	/* Asked for (option 55), the defaults are sent. */
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 1,
	    .prl = "\x01\x3a\x3b", .prl_len = 3 });
	expect_reply(fx, DHCP_OFFER, A(100));
	assert_int_equal(reply_u32(fx, DHCP_OPT_T1), 1800);
	assert_int_equal(reply_u32(fx, DHCP_OPT_T2), 3150);
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 1,
	    .prl = "\x01\x3b", .prl_len = 2 });
	assert_false(reply_has(fx, DHCP_OPT_T1));
	assert_int_equal(reply_u32(fx, DHCP_OPT_T2), 3150);

	/* The relayed subnet's own lease times, not the defaults: sent
	 * unasked. */
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 2,
	    .giaddr = RELAY });
	expect_reply(fx, DHCP_OFFER, B(10));
	assert_int_equal(reply_u32(fx, DHCP_OPT_LEASE_TIME), 7200);
	assert_int_equal(reply_u32(fx, DHCP_OPT_T1), 1800);
	assert_int_equal(reply_u32(fx, DHCP_OPT_T2), 5400);
	assert_int_equal(reply_u32(fx, DHCP_OPT_ROUTER), B(1));
	assert_false(reply_has(fx, DHCP_OPT_DNS));
}

static void
test_reservation_first(void **state)
{
	struct fx *fx = *state;

	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .mac = printer_mac,
	    .req = A(111) });
	expect_reply(fx, DHCP_OFFER, A(50));
	const char *name;
	size_t len;
	assert_int_equal(dhcp_opt_text(&fx->reply, DHCP_OPT_HOSTNAME, &name,
	    &len), 0);
	assert_int_equal(len, 7);
	assert_memory_equal(name, "printer", 7);
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .mac = printer_mac,
	    .sid = SRV, .req = A(50), .hostname = "other-name" });
	expect_reply(fx, DHCP_ACK, A(50));
	assert_string_equal(lease(fx, A(50))->hostname, "printer");
	assert_int_equal(lease(fx, A(50))->state, DHCP_LEASE_BOUND);

	/* The reservation is nobody else's: not by asking, not at boot. */
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 1,
	    .req = A(50) });
	expect_reply(fx, DHCP_OFFER, A(100));
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 2,
	    .req = A(50) });
	expect_reply(fx, DHCP_NAK, 0);
	/* Even after the printer let it go. */
	run(fx, &(struct msg){ .type = DHCP_RELEASE, .mac = printer_mac,
	    .ciaddr = A(50), .sid = SRV });
	expect_drop(fx, "released");
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 2,
	    .req = A(50) });
	expect_reply(fx, DHCP_NAK, 0);

	/* By client id, on the relayed subnet. */
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 9,
	    .giaddr = RELAY, .cid = "\x01\xaa\xbb", .cid_len = 3 });
	expect_reply(fx, DHCP_OFFER, B(5));
	assert_int_equal(dhcp_opt_text(&fx->reply, DHCP_OPT_HOSTNAME, &name,
	    &len), 0);
	assert_memory_equal(name, "cam", 3);
	/* The same hardware without that id is another client. */
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 9,
	    .giaddr = RELAY });
	expect_reply(fx, DHCP_OFFER, B(10));
}

static void
test_requested_address(void **state)
{
	struct fx *fx = *state;

	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 1,
	    .req = A(111) });
	expect_reply(fx, DHCP_OFFER, A(111));
	/* Held for client 1: client 2 gets the first never-used one. */
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 2,
	    .req = A(111) });
	expect_reply(fx, DHCP_OFFER, A(100));
	/* Outside the pool, or in another subnet: ignored. */
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 3,
	    .req = A(200) });
	expect_reply(fx, DHCP_OFFER, A(101));
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 4,
	    .req = B(12) });
	expect_reply(fx, DHCP_OFFER, A(110));
	/* The network and broadcast addresses never. */
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 5,
	    .req = A(255) });
	expect_drop(fx, "pool exhausted");
	/* A previous address beats the requested one. */
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 1,
	    .req = A(100) });
	expect_reply(fx, DHCP_OFFER, A(111));
}

static void
test_pool_order_and_exhaustion(void **state)
{
	struct fx *fx = *state;

	discover(fx, 1, A(100));
	discover(fx, 2, A(101));
	discover(fx, 3, A(110));	/* on into the second range */
	discover(fx, 4, A(111));
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 5 });
	expect_drop(fx, "pool exhausted");
	assert_ptr_equal(fx->out.subnet, &fx->sc.subnets[0]);
	struct dhcp_client c5 = client(5);
	assert_null(dhcp_leases_by_client(fx->leases, &c5, NULL, NULL));
	assert_int_equal(dhcp_leases_count(fx->leases), 4);
	/* Offers are held only so long. */
	fx->now += 29;
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 5 });
	expect_drop(fx, "pool exhausted");
	fx->now += 1;
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 5 });
	assert_int_equal(fx->out.verdict, DHCP_REPLY);
	assert_true(dhcp_in_pool(&fx->sc.subnets[0], fx->out.yiaddr));
	assert_true(owned_by(lease(fx, fx->out.yiaddr), 5));
}

/* Ranges listed out of order: handed out from the first listed, on up
 * through the addresses, wrapping to the lowest. */
static void
test_pool_order_wraps(void **state)
{
	static const char text[] =
	    "[dhcp]\nenabled = yes\ninterfaces = srv0\nprobe = none\n"
	    "[subnet 10.77.0.0/24]\n"
	    "pool = 10.77.0.110-10.77.0.111 10.77.0.100 10.77.0.120\n"
	    "[host other]\nmac = 52:54:00:00:00:63\naddress = 10.77.0.111\n";
	static const struct dhcp_conf_iface ifs[] = { { SRV0, SRV, 24 } };
	struct fx *fx = *state;
	struct cfg_errs e = { 0 };

	dhcp_server_conf_free(&fx->sc);
	cfg_free(&fx->cfg);
	assert_int_equal(cfg_load_string(text, "x.conf", svc_schema(),
	    &fx->cfg, &e), 0);
	assert_int_equal(dhcp_server_conf_build(fx->cfg, ifs, 1, &fx->sc,
	    &e), 0);
	/* .111 is reserved for client 99: skipped for the others. */
	discover(fx, 1, A(110));
	discover(fx, 2, A(120));
	discover(fx, 3, A(100));
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 4 });
	expect_drop(fx, "pool exhausted");
	discover(fx, 99, A(111));
}

static void
test_sticky_after_release_and_expiry(void **state)
{
	struct fx *fx = *state;

	bind_addr(fx, 1, A(100));
	bind_addr(fx, 2, A(101));
	run(fx, &(struct msg){ .type = DHCP_RELEASE, .client = 1,
	    .ciaddr = A(100), .sid = SRV });
	expect_drop(fx, "released");
	/* A never-used address beats one free since a release. */
	fx->now += 60;
	discover(fx, 3, A(110));
	/* The client that released gets its own back. */
	discover(fx, 1, A(100));

	/* Client 2's lease runs out; others come and go; it returns. */
	fx->now += 3600;
	bind_addr(fx, 4, A(111));
	assert_int_equal(dhcp_lease_state_at(lease(fx, A(101)), fx->now),
	    DHCP_LEASE_EXPIRED);
	discover(fx, 2, A(101));
	/* Also through INIT-REBOOT, long after. */
	fx->now += 86400;
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 2,
	    .req = A(101) });
	expect_reply(fx, DHCP_ACK, A(101));
}

static void
test_longest_free(void **state)
{
	struct fx *fx = *state;

	bind_addr(fx, 1, A(100));
	bind_addr(fx, 2, A(101));
	bind_addr(fx, 3, A(110));
	bind_addr(fx, 4, A(111));
	static const struct { uint8_t who; uint32_t addr; } order[] = {
		{ 3, A(110) }, { 1, A(100) }, { 4, A(111) }, { 2, A(101) },
	};
	for (size_t i = 0; i < 4; i++) {
		fx->now += 10;
		run(fx, &(struct msg){ .type = DHCP_RELEASE,
		    .client = order[i].who, .ciaddr = order[i].addr,
		    .sid = SRV });
		expect_drop(fx, "released");
	}
	fx->now += 10;
	bind_addr(fx, 5, A(110));
	bind_addr(fx, 6, A(100));
	/* Client 1's address went to 6; it gets the next longest free. */
	discover(fx, 1, A(111));
	assert_false(owned_by(lease(fx, A(100)), 1));
	assert_true(owned_by(lease(fx, A(100)), 6));
}

static void
test_exhausted_when_all_bound(void **state)
{
	struct fx *fx = *state;

	bind_addr(fx, 1, A(100));
	bind_addr(fx, 2, A(101));
	bind_addr(fx, 3, A(110));
	bind_addr(fx, 4, A(111));
	fx->now += 3599;
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 5 });
	expect_drop(fx, "pool exhausted");
	assert_int_equal(fx->out.verdict, DHCP_DROP);
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 5,
	    .req = A(110) });
	expect_reply(fx, DHCP_NAK, 0);
	/* An owner still gets its own. */
	discover(fx, 3, A(110));
	fx->now += 1;
	discover(fx, 5, A(100));
}

/* ---- probes ---- */

static void
test_probe_flow(void **state)
{
	struct fx *fx = *state;
	bool found;

	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 1 });
	assert_int_equal(fx->out.verdict, DHCP_PROBE);
	assert_int_equal(fx->out.probe_addr, A(100));
	assert_int_equal(fx->out.probe_kind, DHCP_PROBE_ARP);
	assert_int_equal(fx->out.ifindex, SRV0);
	/* Held while probing. */
	assert_true(owned_by(lease(fx, A(100)), 1));
	assert_int_equal(lease(fx, A(100))->state, DHCP_LEASE_OFFERED);

	/* Clean: the same message now gets the offer. */
	fx->now += 1;
	dhcp_server_probed(&fx->sc, fx->leases, A(100), false, fx->now);
	assert_int_equal(lease(fx, A(100))->probed_at, fx->now);
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 1 });
	expect_reply(fx, DHCP_OFFER, A(100));
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 1, .sid = SRV,
	    .req = A(100) });
	expect_reply(fx, DHCP_ACK, A(100));
	/* A bound client's own address is not probed again. */
	fx->now += 600;
	discover(fx, 1, A(100));

	/* In use: quarantined, and the next candidate is probed. */
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 2 });
	assert_int_equal(fx->out.verdict, DHCP_PROBE);
	assert_int_equal(fx->out.probe_addr, A(101));
	n_dirty(fx, 0, &found);
	dhcp_server_probed(&fx->sc, fx->leases, A(101), true, fx->now);
	struct dhcp_lease *l = lease(fx, A(101));
	assert_int_equal(l->state, DHCP_LEASE_DECLINED);
	assert_false(l->has_owner);
	assert_int_equal(l->ends, fx->now + 3600);
	assert_int_equal(n_dirty(fx, A(101), &found), 1);
	assert_true(found);
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 2 });
	assert_int_equal(fx->out.verdict, DHCP_PROBE);
	assert_int_equal(fx->out.probe_addr, A(110));
	dhcp_server_probed(&fx->sc, fx->leases, A(110), false, fx->now);
	discover(fx, 2, A(110));
	/* A clean probe counts for a while (offer_hold), then not. */
	fx->now += 29;
	discover(fx, 2, A(110));
	fx->now += 1;
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 2 });
	assert_int_equal(fx->out.verdict, DHCP_PROBE);
	assert_int_equal(fx->out.probe_addr, A(110));

	/* Off-link clients are probed with ICMP. */
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 3,
	    .giaddr = RELAY });
	assert_int_equal(fx->out.verdict, DHCP_PROBE);
	assert_int_equal(fx->out.probe_addr, B(10));
	assert_int_equal(fx->out.probe_kind, DHCP_PROBE_ICMP);

	/* The quarantined address stays out until decline_hold passes. */
	dhcp_server_probed(&fx->sc, fx->leases, A(110), false, fx->now);
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 2, .sid = SRV,
	    .req = A(110) });
	expect_reply(fx, DHCP_ACK, A(110));
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 4 });
	assert_int_equal(fx->out.probe_addr, A(111));
	dhcp_server_probed(&fx->sc, fx->leases, A(111), false, fx->now);
	discover(fx, 4, A(111));
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 5 });
	expect_drop(fx, "pool exhausted");
}

/* ---- REQUEST ---- */

static void
test_request_selecting(void **state)
{
	struct fx *fx = *state;
	bool found;

	discover(fx, 1, A(100));
	fx->now += 2;
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 1, .sid = SRV,
	    .req = A(100), .hostname = "my host!" });
	expect_reply(fx, DHCP_ACK, A(100));
	assert_int_equal(fx->out.dest, DHCP_DEST_HWADDR);
	assert_int_equal(reply_u32(fx, DHCP_OPT_LEASE_TIME), 3600);
	struct dhcp_lease *l = lease(fx, A(100));
	assert_int_equal(l->state, DHCP_LEASE_BOUND);
	assert_int_equal(l->start, fx->now);
	assert_int_equal(l->ends, fx->now + 3600);
	assert_true(owned_by(l, 1));
	assert_string_equal(l->hostname, "myhost");
	/* Journalled before the ACK may go. */
	assert_int_equal(n_dirty(fx, A(100), &found), 1);
	assert_true(found);

	/* The client took another server's offer: ours is released. */
	discover(fx, 2, A(101));
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 2,
	    .sid = IP(10, 77, 0, 9), .req = IP(10, 77, 0, 150) });
	expect_drop(fx, "client chose another server");
	l = lease(fx, A(101));
	assert_int_equal(dhcp_lease_state_at(l, fx->now), DHCP_LEASE_EXPIRED);
	struct dhcp_client c3 = client(3);
	assert_true(dhcp_lease_available(l, &c3, fx->now));
	assert_int_equal(n_dirty(fx, 0, &found), 0);

	/* SELECTING without option 50: NAK. */
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 3,
	    .sid = SRV });
	expect_reply(fx, DHCP_NAK, 0);
	assert_int_equal(fx->out.dest, DHCP_DEST_BROADCAST);
	assert_int_equal(fx->out.ifindex, SRV0);
	assert_true(reply_has(fx, DHCP_OPT_MESSAGE));
	assert_false(reply_has(fx, DHCP_OPT_LEASE_TIME));
	assert_false(reply_has(fx, DHCP_OPT_SUBNET_MASK));
	assert_int_equal(fx->reply.yiaddr, 0);

	/* Asking for an address it was not offered and is not free. */
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 3, .sid = SRV,
	    .req = A(100) });
	expect_reply(fx, DHCP_NAK, 0);
	assert_true(owned_by(lease(fx, A(100)), 1));
}

static void
test_request_init_reboot(void **state)
{
	struct fx *fx = *state;

	/* A restarted server with no record: the address is free, ACK. */
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 1,
	    .req = A(110) });
	expect_reply(fx, DHCP_ACK, A(110));
	assert_int_equal(lease(fx, A(110))->state, DHCP_LEASE_BOUND);
	fx->now += 100;
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 1,
	    .req = A(110) });
	expect_reply(fx, DHCP_ACK, A(110));
	assert_int_equal(lease(fx, A(110))->ends, fx->now + 3600);

	/* Moved to another network. */
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 1,
	    .req = IP(10, 99, 0, 5) });
	expect_reply(fx, DHCP_NAK, 0);
	assert_string_equal(fx->out.reason, "wrong network");
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 1,
	    .req = B(12) });
	expect_reply(fx, DHCP_NAK, 0);
	/* Bound to someone else. */
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 2,
	    .req = A(110) });
	expect_reply(fx, DHCP_NAK, 0);
	assert_string_equal(fx->out.reason, "address not available");
	assert_true(owned_by(lease(fx, A(110)), 1));
	assert_int_equal(lease(fx, A(110))->state, DHCP_LEASE_BOUND);
	/* Not in any pool. */
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 2,
	    .req = A(7) });
	expect_reply(fx, DHCP_NAK, 0);
	/* No address named at all: nothing to say. */
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 2 });
	expect_drop(fx, "names no address");
}

static void
test_renew_and_rebind(void **state)
{
	struct fx *fx = *state;
	bool found;

	bind_addr(fx, 1, A(100));
	dhcp_leases_take_dirty(fx->leases);
	fx->now += 1800;	/* T1: unicast to us */
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 1,
	    .ciaddr = A(100) });
	expect_reply(fx, DHCP_ACK, A(100));
	assert_int_equal(fx->reply.ciaddr, A(100));
	assert_int_equal(fx->out.dest, DHCP_DEST_UNICAST);
	assert_int_equal(fx->out.dst_ip, A(100));
	assert_int_equal(lease(fx, A(100))->ends, fx->now + 3600);
	assert_int_equal(n_dirty(fx, A(100), &found), 1);
	assert_true(found);

	fx->now += 3200;	/* past T2: broadcast, still to ciaddr */
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 1,
	    .ciaddr = A(100), .flags = DHCP_FLAG_BROADCAST });
	expect_reply(fx, DHCP_ACK, A(100));
	assert_int_equal(fx->out.dest, DHCP_DEST_UNICAST);
	assert_int_equal(lease(fx, A(100))->ends, fx->now + 3600);

	/* Past the end, while nobody took it: still granted. */
	fx->now += 4000;
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 1,
	    .ciaddr = A(100) });
	expect_reply(fx, DHCP_ACK, A(100));

	/* Somebody else's address. */
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 2,
	    .ciaddr = A(100) });
	expect_reply(fx, DHCP_NAK, 0);
	assert_int_equal(fx->out.dest, DHCP_DEST_BROADCAST);
	assert_true(owned_by(lease(fx, A(100)), 1));
	/* An address of another network, heard on srv0. */
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 2,
	    .ciaddr = IP(10, 99, 0, 3) });
	expect_reply(fx, DHCP_NAK, 0);
}

/* A client of the relayed subnet renews by unicast straight to the
 * server (no relay, no giaddr); the packet comes in on srv0, whose
 * subnet is not the client's. */
/* A renewal that also carries option 50 (RFC 2131 forbids it; some
 * clients send it) is judged by ciaddr, as ISC and dnsmasq do. */
static void
test_renew_with_requested_option(void **state)
{
	struct fx *fx = *state;

	bind_addr(fx, 1, A(100));
	fx->now += 1800;
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 1,
	    .ciaddr = A(100), .req = A(100) });
	expect_reply(fx, DHCP_ACK, A(100));
	assert_int_equal(fx->out.dest, DHCP_DEST_UNICAST);
	assert_int_equal(lease(fx, A(100))->ends, fx->now + 3600);
}

static void
test_renew_from_relayed_client(void **state)
{
	struct fx *fx = *state;

	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 1,
	    .giaddr = RELAY });
	expect_reply(fx, DHCP_OFFER, B(10));
	assert_int_equal(fx->out.src_ip, SRV);
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 1,
	    .giaddr = RELAY, .sid = SRV, .req = B(10) });
	expect_reply(fx, DHCP_ACK, B(10));
	assert_int_equal(fx->out.dest, DHCP_DEST_RELAY);

	fx->now += 1800;
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 1,
	    .ciaddr = B(10), .ifindex = SRV0 });
	expect_reply(fx, DHCP_ACK, B(10));
	assert_int_equal(fx->out.dest, DHCP_DEST_UNICAST);
	assert_int_equal(fx->out.dst_ip, B(10));
	assert_ptr_equal(fx->out.subnet, &fx->sc.subnets[1]);
	assert_int_equal(lease(fx, B(10))->ends, fx->now + 7200);
	/* And on an interface we do not serve directly. */
	fx->now += 1800;
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 1,
	    .ciaddr = B(10), .ifindex = 9 });
	expect_reply(fx, DHCP_ACK, B(10));
	/* Its RELEASE, also unicast. */
	run(fx, &(struct msg){ .type = DHCP_RELEASE, .client = 1,
	    .ciaddr = B(10), .sid = SRV });
	expect_drop(fx, "released");
	assert_int_equal(lease(fx, B(10))->state, DHCP_LEASE_RELEASED);
}

/* A client holds one address per subnet: binding another (INIT-REBOOT
 * with a different address, or SELECTING one it was not offered) gives
 * the old one back. */
static void
test_one_lease_per_client(void **state)
{
	struct fx *fx = *state;
	bool found;

	bind_addr(fx, 1, A(100));
	dhcp_leases_take_dirty(fx->leases);
	fx->now += 10;
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 1,
	    .req = A(110) });
	expect_reply(fx, DHCP_ACK, A(110));
	assert_int_equal(dhcp_lease_state_at(lease(fx, A(100)), fx->now),
	    DHCP_LEASE_EXPIRED);
	assert_int_equal(dhcp_lease_state_at(lease(fx, A(110)), fx->now),
	    DHCP_LEASE_BOUND);
	/* The old address's end is journalled with the new lease. */
	assert_int_equal(n_dirty(fx, A(100), &found), 2);
	assert_true(found);
	struct dhcp_client c2 = client(2);
	assert_true(dhcp_lease_available(lease(fx, A(100)), &c2, fx->now));

	/* SELECTING: offered .110 (its own), asks for .111. */
	discover(fx, 1, A(110));
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 1, .sid = SRV,
	    .req = A(111) });
	expect_reply(fx, DHCP_ACK, A(111));
	assert_int_equal(dhcp_lease_state_at(lease(fx, A(110)), fx->now),
	    DHCP_LEASE_EXPIRED);
	/* Its leases on other subnets are its own business. */
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 1,
	    .giaddr = RELAY, .req = B(15) });
	expect_reply(fx, DHCP_ACK, B(15));
	assert_int_equal(dhcp_lease_state_at(lease(fx, A(111)), fx->now),
	    DHCP_LEASE_BOUND);
	/* A renewal of the current one changes nothing else. */
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 1,
	    .ciaddr = A(111) });
	expect_reply(fx, DHCP_ACK, A(111));
	assert_int_equal(dhcp_lease_state_at(lease(fx, B(15)), fx->now),
	    DHCP_LEASE_BOUND);
}

/* The hostname a lease shows is its owner's: not the last owner's when
 * the address changes hands, kept over renewals without option 12, and
 * never one the journal would read back differently. */
static void
test_hostname_follows_owner(void **state)
{
	struct fx *fx = *state;

	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 1,
	    .req = A(100), .hostname = "alice" });
	expect_reply(fx, DHCP_ACK, A(100));
	assert_string_equal(lease(fx, A(100))->hostname, "alice");
	fx->now += 3601;
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 2,
	    .req = A(100) });
	expect_reply(fx, DHCP_ACK, A(100));
	assert_true(owned_by(lease(fx, A(100)), 2));
	assert_string_equal(lease(fx, A(100))->hostname, "");

	/* Through an offer: released by 1, asked for by 3. */
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 1,
	    .req = A(101), .hostname = "bob" });
	expect_reply(fx, DHCP_ACK, A(101));
	run(fx, &(struct msg){ .type = DHCP_RELEASE, .client = 1,
	    .ciaddr = A(101), .sid = SRV });
	expect_drop(fx, "released");
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 3,
	    .req = A(101) });
	expect_reply(fx, DHCP_OFFER, A(101));
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 3, .sid = SRV,
	    .req = A(101) });
	expect_reply(fx, DHCP_ACK, A(101));
	assert_string_equal(lease(fx, A(101))->hostname, "");

	/* Renewals: a new name replaces it, none keeps it. */
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 3,
	    .ciaddr = A(101), .hostname = "carol" });
	expect_reply(fx, DHCP_ACK, A(101));
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 3,
	    .ciaddr = A(101) });
	expect_reply(fx, DHCP_ACK, A(101));
	assert_string_equal(lease(fx, A(101))->hostname, "carol");
	/* "-" is how the journal writes "none". */
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 3,
	    .ciaddr = A(101), .hostname = "-" });
	expect_reply(fx, DHCP_ACK, A(101));
	assert_string_equal(lease(fx, A(101))->hostname, "");
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 3,
	    .ciaddr = A(101), .hostname = "a b\tc-" });
	expect_reply(fx, DHCP_ACK, A(101));
	assert_string_equal(lease(fx, A(101))->hostname, "abc-");
}

/* ---- DECLINE, RELEASE, INFORM ---- */

static void
test_decline(void **state)
{
	struct fx *fx = *state;
	bool found;

	bind_addr(fx, 1, A(100));
	dhcp_leases_take_dirty(fx->leases);
	run(fx, &(struct msg){ .type = DHCP_DECLINE, .client = 1,
	    .req = A(100), .sid = SRV });
	expect_drop(fx, "declined");
	assert_int_equal(fx->out.yiaddr, A(100));
	struct dhcp_lease *l = lease(fx, A(100));
	assert_int_equal(l->state, DHCP_LEASE_DECLINED);
	assert_false(l->has_owner);
	assert_int_equal(l->ends, fx->now + 3600);
	assert_string_equal(l->hostname, "");
	assert_int_equal(n_dirty(fx, A(100), &found), 1);
	assert_true(found);
	struct dhcp_client c1 = client(1);
	l = dhcp_leases_by_client(fx->leases, &c1, NULL, NULL);
	assert_true(l == NULL || l->addr != A(100));

	/* Not offered again, not even to the client that declined it. */
	discover(fx, 1, A(101));
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 1, .sid = SRV,
	    .req = A(100) });
	expect_reply(fx, DHCP_NAK, 0);

	/* Declines of what the client does not hold, or for another
	 * server, change nothing. */
	run(fx, &(struct msg){ .type = DHCP_DECLINE, .client = 2,
	    .req = A(101), .sid = SRV });
	expect_drop(fx, "does not hold");
	run(fx, &(struct msg){ .type = DHCP_DECLINE, .client = 1,
	    .req = A(101), .sid = A(9) });
	expect_drop(fx, "another server");
	run(fx, &(struct msg){ .type = DHCP_DECLINE, .client = 1,
	    .sid = SRV });
	expect_drop(fx, "does not hold");
	assert_true(owned_by(lease(fx, A(101)), 1));
	assert_int_equal(lease(fx, A(101))->state, DHCP_LEASE_OFFERED);

	/* Fill the rest of the pool; the quarantine ends after an hour. */
	bind_addr(fx, 1, A(101));
	bind_addr(fx, 2, A(110));
	bind_addr(fx, 3, A(111));
	fx->now += 3599;
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 4 });
	expect_drop(fx, "pool exhausted");
	fx->now += 1;
	discover(fx, 4, A(100));
}

static void
test_release(void **state)
{
	struct fx *fx = *state;
	bool found;

	bind_addr(fx, 1, A(100));
	dhcp_leases_take_dirty(fx->leases);
	fx->now += 100;
	run(fx, &(struct msg){ .type = DHCP_RELEASE, .client = 2,
	    .ciaddr = A(100), .sid = SRV });
	expect_drop(fx, "does not hold");
	run(fx, &(struct msg){ .type = DHCP_RELEASE, .client = 1,
	    .ciaddr = A(100), .sid = A(9) });
	expect_drop(fx, "another server");
	assert_int_equal(lease(fx, A(100))->state, DHCP_LEASE_BOUND);
	assert_int_equal(n_dirty(fx, 0, &found), 0);

	run(fx, &(struct msg){ .type = DHCP_RELEASE, .client = 1,
	    .ciaddr = A(100), .sid = SRV });
	expect_drop(fx, "released");
	assert_int_equal(fx->out.yiaddr, A(100));
	struct dhcp_lease *l = lease(fx, A(100));
	assert_int_equal(l->state, DHCP_LEASE_RELEASED);
	assert_int_equal(l->ends, fx->now);
	assert_true(owned_by(l, 1));
	assert_int_equal(n_dirty(fx, A(100), &found), 1);
	assert_true(found);
	/* Twice: the second has nothing to release. */
	run(fx, &(struct msg){ .type = DHCP_RELEASE, .client = 1,
	    .ciaddr = A(100), .sid = SRV });
	expect_drop(fx, "does not hold");
	/* The same client gets it back. */
	bind_addr(fx, 1, A(100));
}

static void
test_inform(void **state)
{
	struct fx *fx = *state;

	run(fx, &(struct msg){ .type = DHCP_INFORM, .client = 1,
	    .ciaddr = A(77), .prl = "\x01\x03\x06", .prl_len = 3 });
	expect_reply(fx, DHCP_ACK, 0);
	assert_int_equal(fx->reply.yiaddr, 0);
	assert_int_equal(fx->reply.ciaddr, A(77));
	assert_false(reply_has(fx, DHCP_OPT_LEASE_TIME));
	assert_false(reply_has(fx, DHCP_OPT_T1));
	assert_false(reply_has(fx, DHCP_OPT_T2));
	assert_int_equal(reply_u32(fx, DHCP_OPT_SUBNET_MASK), 0xffffff00u);
	assert_int_equal(reply_u32(fx, DHCP_OPT_ROUTER), SRV);
	assert_int_equal(fx->out.dest, DHCP_DEST_UNICAST);
	assert_int_equal(fx->out.dst_ip, A(77));
	assert_int_equal(dhcp_leases_count(fx->leases), 0);

	run(fx, &(struct msg){ .type = DHCP_INFORM, .client = 1 });
	expect_drop(fx, "INFORM without ciaddr");

	/* Through a relay: the relayed subnet's options, to the relay. */
	run(fx, &(struct msg){ .type = DHCP_INFORM, .client = 1,
	    .ciaddr = B(33), .giaddr = RELAY });
	expect_reply(fx, DHCP_ACK, 0);
	assert_int_equal(fx->out.dest, DHCP_DEST_RELAY);
	assert_int_equal(fx->out.dst_ip, RELAY);
	assert_int_equal(reply_u32(fx, DHCP_OPT_ROUTER), B(1));
	assert_int_equal(dhcp_leases_count(fx->leases), 0);
}

/* ---- where replies go, what they carry ---- */

static void
test_destinations(void **state)
{
	struct fx *fx = *state;

	/* giaddr: to the relay, whatever else is set. */
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 1,
	    .giaddr = RELAY, .flags = DHCP_FLAG_BROADCAST });
	expect_reply(fx, DHCP_OFFER, B(10));
	assert_int_equal(fx->out.dest, DHCP_DEST_RELAY);
	assert_int_equal(fx->out.dst_ip, RELAY);
	/* NAK through a relay: with the broadcast bit (RFC 2131 4.3.2). */
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 1,
	    .giaddr = RELAY, .req = A(100) });
	expect_reply(fx, DHCP_NAK, 0);
	assert_int_equal(fx->out.dest, DHCP_DEST_RELAY);
	assert_int_equal(fx->out.dst_ip, RELAY);
	assert_true(fx->reply.flags & DHCP_FLAG_BROADCAST);
	/* NAK direct: broadcast, even with a ciaddr. */
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 1,
	    .ciaddr = A(7) });
	expect_reply(fx, DHCP_NAK, 0);
	assert_int_equal(fx->out.dest, DHCP_DEST_BROADCAST);
	assert_int_equal(fx->out.ifindex, SRV0);
	/* The broadcast bit. */
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 2,
	    .flags = DHCP_FLAG_BROADCAST });
	expect_reply(fx, DHCP_OFFER, A(100));
	assert_int_equal(fx->out.dest, DHCP_DEST_BROADCAST);
	assert_int_equal(fx->out.ifindex, SRV0);
	assert_int_equal(fx->reply.flags, DHCP_FLAG_BROADCAST);
	/* Else to the hardware address... */
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 3 });
	expect_reply(fx, DHCP_OFFER, A(101));
	assert_int_equal(fx->out.dest, DHCP_DEST_HWADDR);
	assert_int_equal(fx->out.dst_ip, A(101));
	assert_memory_equal(fx->out.dst_mac, "\x52\x54\x00\x00\x00\x03", 6);
	/* ... when it is one a frame can go to. */
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 4,
	    .htype = 32, .hlen = 6 });
	expect_reply(fx, DHCP_OFFER, A(110));
	assert_int_equal(fx->out.dest, DHCP_DEST_BROADCAST);
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 5,
	    .hlen = 16 });
	expect_reply(fx, DHCP_OFFER, A(111));
	assert_int_equal(fx->out.dest, DHCP_DEST_BROADCAST);
	/* ciaddr: unicast (an ACK to a renewing client). */
	bind_addr(fx, 3, A(101));
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 3,
	    .ciaddr = A(101), .flags = DHCP_FLAG_BROADCAST });
	expect_reply(fx, DHCP_ACK, A(101));
	assert_int_equal(fx->out.dest, DHCP_DEST_UNICAST);
	assert_int_equal(fx->out.dst_ip, A(101));
}

static void
test_option82_echoed(void **state)
{
	static const char rai[] = "\x01\x04" "eth0" "\x02\x02\x11\x22";
	struct fx *fx = *state;

	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 1,
	    .giaddr = RELAY, .rai = rai, .rai_len = 10 });
	expect_reply(fx, DHCP_OFFER, B(10));
	const struct dhcp_opt *o = dhcp_opt_find(&fx->reply,
	    DHCP_OPT_RELAY_INFO);
	assert_non_null(o);
	assert_int_equal(o->len, 10);
	assert_memory_equal(o->data, rai, 10);
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 1,
	    .giaddr = RELAY, .sid = SRV, .req = B(10), .rai = rai,
	    .rai_len = 10 });
	expect_reply(fx, DHCP_ACK, B(10));
	assert_true(reply_has(fx, DHCP_OPT_RELAY_INFO));
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 1,
	    .giaddr = RELAY, .sid = SRV, .rai = rai, .rai_len = 10 });
	expect_reply(fx, DHCP_NAK, 0);
	o = dhcp_opt_find(&fx->reply, DHCP_OPT_RELAY_INFO);
	assert_non_null(o);
	assert_memory_equal(o->data, rai, 10);
	/* Not from a relay: not echoed. */
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 2,
	    .rai = rai, .rai_len = 10 });
	expect_reply(fx, DHCP_OFFER, A(100));
	assert_false(reply_has(fx, DHCP_OPT_RELAY_INFO));
}

static void
test_subnet_selection(void **state)
{
	/* option 82: link selection B(0), then circuit-id. */
	static const char rai_link_b[] = "\x05\x04\x0a\x58\x00\x00"
	    "\x01\x02" "p1";
	static const char rai_no_link[] = "\x01\x02" "p1";
	struct fx *fx = *state;

	/* By giaddr; our address is the one the relay sent to. */
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 1,
	    .giaddr = RELAY, .local = IP(192, 0, 2, 1) });
	expect_reply(fx, DHCP_OFFER, B(10));
	assert_ptr_equal(fx->out.subnet, &fx->sc.subnets[1]);
	assert_int_equal(fx->out.src_ip, IP(192, 0, 2, 1));
	/* A relay on srv0's subnet, with option 118 naming the link. */
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 2,
	    .giaddr = A(2), .sel = B(0) });
	expect_reply(fx, DHCP_OFFER, B(11));
	assert_int_equal(fx->out.dst_ip, A(2));
	/* Option 82 link selection beats 118. */
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 3,
	    .giaddr = A(2), .sel = A(0), .rai = rai_link_b, .rai_len = 10 });
	expect_reply(fx, DHCP_OFFER, B(12));
	/* Option 82 without the sub-option: 118 then. */
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 4,
	    .giaddr = A(2), .sel = B(0), .rai = rai_no_link, .rai_len = 4 });
	expect_reply(fx, DHCP_OFFER, B(13));
	/* The relay's own subnet when neither. */
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 5,
	    .giaddr = A(2) });
	expect_reply(fx, DHCP_OFFER, A(100));
	assert_int_equal(fx->out.src_ip, SRV);
	/* A link we do not serve. */
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 6,
	    .giaddr = IP(10, 99, 0, 1) });
	expect_drop(fx, "no subnet");
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 6,
	    .giaddr = A(2), .sel = IP(10, 99, 0, 0) });
	expect_drop(fx, "no subnet");
	/* Relayed, but our own address on the path is unknown. */
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 6,
	    .giaddr = RELAY, .no_local = true });
	expect_drop(fx, "no server address");
	/* Direct: the arrival interface; another interface: nothing. */
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 7,
	    .no_local = true });
	expect_reply(fx, DHCP_OFFER, A(101));
	assert_int_equal(fx->out.src_ip, SRV);
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 8,
	    .ifindex = 9 });
	expect_drop(fx, "no subnet");
}

static void
test_non_authoritative(void **state)
{
	struct fx *fx = *state;

	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 1,
	    .req = IP(10, 99, 0, 5) });
	expect_drop(fx, "wrong network");
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 1,
	    .sid = SRV });
	expect_drop(fx, "requested address missing");
	bind_addr(fx, 1, A(100));
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 2,
	    .req = A(100) });
	expect_drop(fx, "address not available");
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 2,
	    .ciaddr = A(100) });
	expect_drop(fx, "address not available");
	/* What is right is still granted. */
	run(fx, &(struct msg){ .type = DHCP_REQUEST, .client = 1,
	    .ciaddr = A(100) });
	expect_reply(fx, DHCP_ACK, A(100));
}

/* The codes of the reply's options field, in order. */
static size_t
reply_codes(struct fx *fx, uint8_t *codes, size_t cap)
{
	size_t n = 0;

	for (size_t i = DHCP_OPTS_OFF; i < fx->out.len && n < cap; ) {
		uint8_t c = fx->out.buf[i];
		if (c == 0) {
			i++;
			continue;
		}
		if (c == 255)
			break;
		codes[n++] = c;
		i += 2 + (size_t)fx->out.buf[i + 1];
	}
	return n;
}

static int
pos_of(const uint8_t *codes, size_t n, uint8_t c)
{
	for (size_t i = 0; i < n; i++)
		if (codes[i] == c)
			return (int)i;
	return -1;
}

static void
test_reply_options(void **state)
{
	struct fx *fx = *state;
	uint8_t codes[64] = { 0 };
	size_t n;

	/* The client's order (RFC 2132 9.8) for what it asked for; 53 and
	 * 54 first; what it did not ask for after. */
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 1,
	    .prl = "\x0f\x06\x03\x01\x3a\x3b", .prl_len = 6 });
	expect_reply(fx, DHCP_OFFER, A(100));
	n = reply_codes(fx, codes, 64);
	assert_int_equal(codes[0], DHCP_OPT_MSG_TYPE);
	assert_int_equal(codes[1], DHCP_OPT_SERVER_ID);
	int p15 = pos_of(codes, n, 15), p6 = pos_of(codes, n, 6);
	int p3 = pos_of(codes, n, 3), p1 = pos_of(codes, n, 1);
	int p28 = pos_of(codes, n, 28), p51 = pos_of(codes, n, 51);
	assert_true(p15 > 0 && p15 < p6 && p6 < p3 && p3 < p1 && p1 < p28);
	assert_true(p51 > 1);
	assert_int_equal(pos_of(codes, n, 58) >= 0, 1);
	assert_int_equal(pos_of(codes, n, 59) >= 0, 1);
	/* Each code once. */
	for (size_t i = 0; i < n; i++)
		for (size_t k = i + 1; k < n; k++)
			assert_int_not_equal(codes[i], codes[k]);

	/* Without a list: the subnet's order. */
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 1 });
	n = reply_codes(fx, codes, 64);
	p1 = pos_of(codes, n, 1);
	p3 = pos_of(codes, n, 3);
	p6 = pos_of(codes, n, 6);
	p15 = pos_of(codes, n, 15);
	p28 = pos_of(codes, n, 28);
	assert_true(p1 > 0 && p1 < p3 && p3 < p6 && p6 < p15 && p15 < p28);

	/* A reply fits the client's maximum message size. */
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 1,
	    .max_size = 576 });
	expect_reply(fx, DHCP_OFFER, A(100));
	assert_true(fx->out.len <= 576 - 28);
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 1,
	    .max_size = 9000 });
	expect_reply(fx, DHCP_OFFER, A(100));

	/* A subnet with NTP servers sends them (option 42); the direct
	 * one, without, does not. */
	uint32_t ntp[4];
	assert_int_equal(dhcp_opt_addrs(&fx->reply, DHCP_OPT_NTP, ntp, 4),
	    -IK_ENOTFOUND);
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 2,
	    .giaddr = RELAY });
	expect_reply(fx, DHCP_OFFER, B(10));
	assert_int_equal(dhcp_opt_addrs(&fx->reply, DHCP_OPT_NTP, ntp, 4), 2);
	assert_int_equal(ntp[0], B(123));
	assert_int_equal(ntp[1], B(124));
}

/* Messages the server does not serve. */
static void
test_ignored_messages(void **state)
{
	struct fx *fx = *state;

	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .client = 1,
	    .op = DHCP_OP_REPLY });
	expect_drop(fx, "not a BOOTREQUEST");
	run(fx, &(struct msg){ .type = 0, .client = 1 });
	expect_drop(fx, "BOOTP");
	run(fx, &(struct msg){ .type = DHCP_OFFER, .client = 1 });
	expect_drop(fx, "not a client message");
	run(fx, &(struct msg){ .type = DHCP_ACK, .client = 1 });
	expect_drop(fx, "not a client message");
	/* No identity: no hardware address and no client id. */
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .no_hw = true });
	expect_drop(fx, "no client identity");
	/* An empty client id is no identity either. */
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .no_hw = true,
	    .cid = "", .cid_len = 0 });
	expect_drop(fx, "no client identity");
	assert_int_equal(dhcp_leases_count(fx->leases), 0);
	/* A client id alone is enough. */
	run(fx, &(struct msg){ .type = DHCP_DISCOVER, .no_hw = true,
	    .cid = "\x00" "abc", .cid_len = 4 });
	expect_reply(fx, DHCP_OFFER, A(100));
	assert_int_equal(fx->out.dest, DHCP_DEST_BROADCAST);
}

int
main(void)
{
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_offer_fields),
		T(test_reservation_first),
		T(test_requested_address),
		T(test_pool_order_and_exhaustion),
		T(test_pool_order_wraps),
		T(test_sticky_after_release_and_expiry),
		T(test_longest_free),
		T(test_exhausted_when_all_bound),
		cmocka_unit_test_setup_teardown(test_probe_flow, setup_probe,
		    teardown),
		T(test_request_selecting),
		T(test_request_init_reboot),
		T(test_renew_and_rebind),
		T(test_renew_with_requested_option),
		T(test_renew_from_relayed_client),
		T(test_one_lease_per_client),
		T(test_hostname_follows_owner),
		T(test_decline),
		T(test_release),
		T(test_inform),
		T(test_destinations),
		T(test_option82_echoed),
		T(test_subnet_selection),
		cmocka_unit_test_setup_teardown(test_non_authoritative,
		    setup_nonauth, teardown),
		T(test_reply_options),
		T(test_ignored_messages),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
