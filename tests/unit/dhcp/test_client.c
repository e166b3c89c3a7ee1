/* tests/unit/dhcp/test_client.c - the DHCP client state machine on a fake
 * clock: every transition of RFC 2131 figure 5 (INIT, SELECTING,
 * REQUESTING, the ARP check, BOUND, RENEWING, REBINDING, INIT-REBOOT,
 * REBOOTING), T1/T2/expiry, the 4..64 s +-1 s backoff bounds, NAKs,
 * DECLINE after a conflict, RELEASE, and the messages themselves, parsed
 * back from the bytes the machine asked to send. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/arena.h"
#include "core/err.h"
#include "dhcp/client.h"
#include "dhcp/options.h"
#include "dhcp/packet.h"

#define SRV	0x0a4d0001u	/* 10.77.0.1 */
#define SRV2	0x0a4d0002u
#define ADDR	0x0a4d0064u	/* 10.77.0.100 */
#define ADDR2	0x0a4d0065u
#define T0	1000000ull	/* the fake clock starts here */

static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc };

struct fx {
	struct dhcpc		 c;
	struct dhcpc_out	 out;
	struct arena		*a;
	struct dhcp_packet	 sent;	/* out.pkt parsed */
};

/* What the fake server puts in a reply. */
struct srv {
	uint8_t		 type;
	uint32_t	 xid;
	uint32_t	 yiaddr;
	uint32_t	 server;	/* option 54; 0: left out */
	uint32_t	 lease;		/* option 51; 0: left out */
	uint32_t	 t1, t2;	/* 0: left out */
	uint32_t	 mask;		/* 0: left out */
	uint32_t	 router;
	const char	*domain;
	const uint8_t	*chaddr;	/* NULL: ours */
	uint8_t		 op;		/* 0: BOOTREPLY */
};

static int
setup(void **state)
{
	static struct fx f;

	memset(&f, 0, sizeof(f));
	f.a = arena_new(8192);
	*state = &f;
	return f.a == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	arena_free(&f->a);
	return 0;
}

static void
conf_test(struct dhcpc_conf *conf)
{
	dhcpc_conf_init(conf);
	memcpy(conf->mac, mac, 6);
	conf->init_delay_ms = 0;
}

/* Parses what the machine asked to send into f->sent. */
static void
parse_sent(struct fx *f)
{
	assert_true(f->out.has_send);
	arena_reset(f->a);
	assert_int_equal(dhcp_packet_parse(f->out.pkt, f->out.pkt_len, f->a,
	    &f->sent), 0);
	assert_int_equal(f->sent.msg_type, f->out.msg_type);
	assert_int_equal(f->sent.op, DHCP_OP_REQUEST);
	assert_memory_equal(f->sent.chaddr, mac, 6);
	assert_true(f->out.pkt_len + DHCP_IPUDP_HDR <= 576);
}

static uint32_t
sent_addr(struct fx *f, uint8_t code)
{
	uint32_t v = 0;

	if (dhcp_opt_addr(&f->sent, code, &v) != 0)
		return 0;
	return v;
}

static void
reply(struct fx *f, const struct srv *s, uint64_t now)
{
	static uint8_t buf[1024];
	struct dhcp_packet fixed = { 0 }, p;
	struct dhcp_builder b;

	fixed.op = s->op != 0 ? s->op : DHCP_OP_REPLY;
	fixed.htype = 1;
	fixed.hlen = 6;
	fixed.xid = s->xid;
	fixed.yiaddr = s->yiaddr;
	memcpy(fixed.chaddr, s->chaddr != NULL ? s->chaddr : mac, 6);
	dhcp_build_init(&b, buf, sizeof(buf), &fixed);
	assert_int_equal(dhcp_build_u8(&b, DHCP_OPT_MSG_TYPE, s->type), 0);
	if (s->server != 0)
		dhcp_build_addr(&b, DHCP_OPT_SERVER_ID, s->server);
	if (s->lease != 0)
		dhcp_build_u32(&b, DHCP_OPT_LEASE_TIME, s->lease);
	if (s->t1 != 0)
		dhcp_build_u32(&b, DHCP_OPT_T1, s->t1);
	if (s->t2 != 0)
		dhcp_build_u32(&b, DHCP_OPT_T2, s->t2);
	if (s->mask != 0)
		dhcp_build_addr(&b, DHCP_OPT_SUBNET_MASK, s->mask);
	if (s->router != 0)
		dhcp_build_addr(&b, DHCP_OPT_ROUTER, s->router);
	if (s->domain != NULL)
		dhcp_build_str(&b, DHCP_OPT_DOMAIN_NAME, s->domain);
	if (s->type == DHCP_ACK || s->type == DHCP_OFFER) {
		uint32_t dns[2] = { SRV, 0x09090909 };
		dhcp_build_addrs(&b, DHCP_OPT_DNS, dns, 2);
	}
	ssize_t n = dhcp_build_finish(&b);
	assert_true(n > 0);
	arena_reset(f->a);
	assert_int_equal(dhcp_packet_parse(buf, (size_t)n, f->a, &p), 0);
	dhcpc_on_packet(&f->c, &p, s->server != 0 ? s->server : SRV, now,
	    &f->out);
}

static struct srv
offer_of(uint32_t xid)
{
	return (struct srv){ .type = DHCP_OFFER, .xid = xid, .yiaddr = ADDR,
	    .server = SRV, .lease = 3600, .mask = 0xffffff00,
	    .router = SRV, .domain = "lab.test" };
}

/* Drives a fresh machine to `st` (SELECTING, REQUESTING, PROBING,
 * BOUND) with a `lease`-second lease, the clock at T0. */
static void
drive(struct fx *f, const struct dhcpc_conf *conf, enum dhcpc_state st,
    uint32_t lease)
{
	dhcpc_init(&f->c, conf, 42);
	dhcpc_start(&f->c, T0, &f->out);
	assert_int_equal(f->c.state, DHCPC_ST_SELECTING);
	if (st == DHCPC_ST_SELECTING)
		return;
	struct srv s = offer_of(f->c.xid);
	s.lease = lease;
	reply(f, &s, T0);
	assert_int_equal(f->c.state, DHCPC_ST_REQUESTING);
	if (st == DHCPC_ST_REQUESTING)
		return;
	s.type = DHCP_ACK;
	reply(f, &s, T0);
	assert_int_equal(f->c.state, DHCPC_ST_PROBING);
	if (st == DHCPC_ST_PROBING)
		return;
	dhcpc_on_probe(&f->c, false, T0, &f->out);
	assert_int_equal(f->c.state, DHCPC_ST_BOUND);
}

/* ---- INIT, SELECTING ---- */

static void
test_init_waits_then_discovers(void **state)
{
	struct fx *f = *state;
	struct dhcpc_conf conf;

	conf_test(&conf);
	conf.init_delay_ms = 5000;
	dhcpc_init(&f->c, &conf, 7);
	assert_int_equal(f->c.state, DHCPC_ST_INIT);
	dhcpc_start(&f->c, T0, &f->out);
	assert_int_equal(f->out.to, DHCPC_ST_INIT);
	assert_false(f->out.has_send);
	assert_true(f->out.timer_at >= T0 && f->out.timer_at <= T0 + 5000);
	uint64_t at = f->out.timer_at;

	/* Early: nothing happens, the deadline stays. */
	dhcpc_on_timer(&f->c, at - 1, &f->out);
	assert_false(f->out.has_send);
	assert_int_equal(f->out.timer_at, at);
	assert_int_equal(f->c.state, DHCPC_ST_INIT);

	dhcpc_on_timer(&f->c, at, &f->out);
	assert_int_equal(f->out.from, DHCPC_ST_INIT);
	assert_int_equal(f->out.to, DHCPC_ST_SELECTING);
	parse_sent(f);
	assert_int_equal(f->sent.msg_type, DHCP_DISCOVER);
	assert_int_equal(f->out.dst_kind, DHCPC_DST_BROADCAST);
	assert_int_equal(f->out.src, 0);
	assert_int_equal(f->sent.ciaddr, 0);
	assert_int_equal(f->sent.flags, 0);
	assert_int_equal(f->sent.xid, f->c.xid);
	/* Client id 01 + MAC, a parameter list, no server id, no 50. */
	const uint8_t *cid;
	size_t cid_len;
	assert_int_equal(dhcp_opt_bytes(&f->sent, DHCP_OPT_CLIENT_ID, &cid,
	    &cid_len), 0);
	assert_int_equal(cid_len, 7);
	assert_int_equal(cid[0], 1);
	assert_memory_equal(cid + 1, mac, 6);
	assert_non_null(dhcp_opt_find(&f->sent, DHCP_OPT_PARAM_REQ));
	assert_null(dhcp_opt_find(&f->sent, DHCP_OPT_SERVER_ID));
	assert_null(dhcp_opt_find(&f->sent, DHCP_OPT_REQUESTED_IP));
	assert_true(f->out.timer_at >= at + 3000 &&
	    f->out.timer_at <= at + 5000);
}

static void
test_discover_options(void **state)
{
	struct fx *f = *state;
	struct dhcpc_conf conf;
	static const uint8_t cid[] = { 0xff, 1, 2, 3 };

	conf_test(&conf);
	memcpy(conf.client_id, cid, sizeof(cid));
	conf.client_id_len = sizeof(cid);
	strcpy(conf.hostname, "box1");
	dhcpc_init(&f->c, &conf, 7);
	dhcpc_start(&f->c, T0, &f->out);
	parse_sent(f);
	const uint8_t *v;
	size_t len;
	assert_int_equal(dhcp_opt_bytes(&f->sent, DHCP_OPT_CLIENT_ID, &v,
	    &len), 0);
	assert_int_equal(len, sizeof(cid));
	assert_memory_equal(v, cid, sizeof(cid));
	const char *h;
	assert_int_equal(dhcp_opt_text(&f->sent, DHCP_OPT_HOSTNAME, &h, &len),
	    0);
	assert_string_equal(h, "box1");
	uint16_t msz;
	assert_int_equal(dhcp_opt_u16(&f->sent, DHCP_OPT_MAX_SIZE, &msz), 0);
	assert_true(msz >= 576);
}

/* RFC 2131 4.1: 4 s, 8, 16, 32, 64, 64, ... each within +-1 s. */
static void
test_backoff_bounds(void **state)
{
	struct fx *f = *state;
	struct dhcpc_conf conf;
	static const uint64_t mid[] = { 4000, 8000, 16000, 32000, 64000,
	    64000, 64000, 64000 };

	conf_test(&conf);
	for (uint64_t seed = 1; seed <= 200; seed++) {
		dhcpc_init(&f->c, &conf, seed);
		for (unsigned k = 0; k < 8; k++) {
			uint64_t d = dhcpc_backoff_ms(&f->c, k);
			assert_true(d >= mid[k] - 1000 && d <= mid[k] + 1000);
		}
	}
	/* The jitter is really random: both ends of the range occur. */
	bool lo = false, hi = false;
	dhcpc_init(&f->c, &conf, 99);
	for (int i = 0; i < 2000; i++) {
		uint64_t d = dhcpc_backoff_ms(&f->c, 0);
		lo |= d < 3500;
		hi |= d > 4500;
	}
	assert_true(lo && hi);
	/* A shortened config, no jitter: exact doubling to the cap. */
	conf.backoff_base_ms = 100;
	conf.backoff_max_ms = 400;
	conf.backoff_jitter_ms = 0;
	dhcpc_init(&f->c, &conf, 5);
	assert_int_equal(dhcpc_backoff_ms(&f->c, 0), 100);
	assert_int_equal(dhcpc_backoff_ms(&f->c, 1), 200);
	assert_int_equal(dhcpc_backoff_ms(&f->c, 2), 400);
	assert_int_equal(dhcpc_backoff_ms(&f->c, 3), 400);
	assert_int_equal(dhcpc_backoff_ms(&f->c, 40), 400);
}

/* Unanswered DISCOVERs: same xid, backoff timers, "leasefail" once after
 * discover_tries, and the machine keeps trying. */
static void
test_selecting_retransmits(void **state)
{
	struct fx *f = *state;
	struct dhcpc_conf conf;
	static const uint64_t mid[] = { 4000, 8000, 16000, 32000, 64000,
	    64000 };
	int n_fail = 0;

	conf_test(&conf);
	drive(f, &conf, DHCPC_ST_SELECTING, 0);
	uint32_t xid = f->c.xid;
	uint64_t now = T0;
	for (unsigned k = 0; k < 6; k++) {
		uint64_t d = f->out.timer_at - now;
		assert_true(d >= mid[k] - 1000 && d <= mid[k] + 1000);
		now = f->out.timer_at;
		dhcpc_on_timer(&f->c, now, &f->out);
		parse_sent(f);
		assert_int_equal(f->sent.msg_type, DHCP_DISCOVER);
		assert_int_equal(f->sent.xid, xid);
		assert_int_equal(f->sent.secs, (now - T0) / 1000);
		assert_int_equal(f->c.state, DHCPC_ST_SELECTING);
		if (f->out.event != DHCPC_EV_NONE) {
			assert_int_equal(f->out.event, DHCPC_EV_LEASEFAIL);
			n_fail++;
		}
	}
	assert_int_equal(n_fail, 1);
}

static void
test_selecting_ignores(void **state)
{
	struct fx *f = *state;
	struct dhcpc_conf conf;
	static const uint8_t other[6] = { 2, 0, 0, 0, 0, 1 };

	conf_test(&conf);
	drive(f, &conf, DHCPC_ST_SELECTING, 0);
	struct srv s = offer_of(f->c.xid + 1);
	reply(f, &s, T0);
	assert_string_equal(f->out.ignored, "other xid");
	s = offer_of(f->c.xid);
	s.chaddr = other;
	reply(f, &s, T0);
	assert_string_equal(f->out.ignored, "other chaddr");
	s = offer_of(f->c.xid);
	s.op = DHCP_OP_REQUEST;
	reply(f, &s, T0);
	assert_non_null(f->out.ignored);
	s = offer_of(f->c.xid);
	s.type = DHCP_ACK;
	reply(f, &s, T0);
	assert_non_null(f->out.ignored);
	s = offer_of(f->c.xid);
	s.type = DHCP_NAK;
	reply(f, &s, T0);
	assert_non_null(f->out.ignored);
	s = offer_of(f->c.xid);
	s.yiaddr = 0;
	reply(f, &s, T0);
	assert_string_equal(f->out.ignored, "bad yiaddr");
	s.yiaddr = 0xe0000001;	/* multicast */
	reply(f, &s, T0);
	assert_string_equal(f->out.ignored, "bad yiaddr");
	assert_int_equal(f->c.state, DHCPC_ST_SELECTING);
	assert_false(f->out.has_send);
}

/* ---- REQUESTING, PROBING, BOUND ---- */

static void
test_offer_request_ack_bound(void **state)
{
	struct fx *f = *state;
	struct dhcpc_conf conf;

	conf_test(&conf);
	drive(f, &conf, DHCPC_ST_SELECTING, 0);
	uint32_t xid = f->c.xid;
	struct srv s = offer_of(xid);
	reply(f, &s, T0 + 10);
	assert_null(f->out.ignored);
	assert_int_equal(f->out.from, DHCPC_ST_SELECTING);
	assert_int_equal(f->out.to, DHCPC_ST_REQUESTING);
	parse_sent(f);
	assert_int_equal(f->sent.msg_type, DHCP_REQUEST);
	assert_int_equal(f->out.dst_kind, DHCPC_DST_BROADCAST);
	assert_int_equal(f->sent.xid, xid);
	assert_int_equal(f->sent.ciaddr, 0);
	assert_int_equal(sent_addr(f, DHCP_OPT_REQUESTED_IP), ADDR);
	assert_int_equal(sent_addr(f, DHCP_OPT_SERVER_ID), SRV);

	/* A second OFFER is too late. */
	reply(f, &s, T0 + 20);
	assert_non_null(f->out.ignored);
	assert_false(f->out.has_send);

	s.type = DHCP_ACK;
	reply(f, &s, T0 + 30);
	assert_int_equal(f->out.to, DHCPC_ST_PROBING);
	assert_true(f->out.probe);
	assert_int_equal(f->out.probe_addr, ADDR);
	assert_int_equal(f->out.apply, DHCPC_APPLY_NONE);
	assert_int_equal(f->out.timer_at, 0);
	assert_false(f->out.has_send);

	/* A duplicate ACK while probing changes nothing. */
	reply(f, &s, T0 + 40);
	assert_non_null(f->out.ignored);
	assert_false(f->out.probe);
	assert_int_equal(f->c.state, DHCPC_ST_PROBING);

	dhcpc_on_probe(&f->c, false, T0 + 1000, &f->out);
	assert_int_equal(f->out.to, DHCPC_ST_BOUND);
	assert_int_equal(f->out.event, DHCPC_EV_BOUND);
	assert_int_equal(f->out.apply, DHCPC_APPLY_BOUND);
	assert_false(f->out.remove);
	const struct dhcpc_lease *l = &f->out.lease;
	assert_int_equal(l->addr, ADDR);
	assert_int_equal(l->prefix, 24);
	assert_int_equal(l->mask, 0xffffff00);
	assert_int_equal(l->bcast, 0x0a4d00ff);
	assert_int_equal(l->router, SRV);
	assert_int_equal(l->server, SRV);
	assert_int_equal(l->n_dns, 2);
	assert_int_equal(l->dns[1], 0x09090909);
	assert_string_equal(l->domain, "lab.test");
	assert_int_equal(l->lease_s, 3600);
	assert_int_equal(l->t1_s, 1800);
	assert_int_equal(l->t2_s, 3150);
	/* Times count from the REQUEST (RFC 2131 4.4.1), not the ACK. */
	assert_int_equal(l->start_ms, T0 + 10);
	assert_int_equal(f->out.timer_at, T0 + 10 + 1800 * 1000);

	/* In BOUND nothing arriving matters. */
	reply(f, &s, T0 + 2000);
	assert_non_null(f->out.ignored);
	assert_int_equal(f->c.state, DHCPC_ST_BOUND);
}

static void
test_no_probe_binds_at_once(void **state)
{
	struct fx *f = *state;
	struct dhcpc_conf conf;

	conf_test(&conf);
	conf.probe = false;
	drive(f, &conf, DHCPC_ST_REQUESTING, 3600);
	struct srv s = offer_of(f->c.xid);
	s.type = DHCP_ACK;
	reply(f, &s, T0);
	assert_int_equal(f->out.to, DHCPC_ST_BOUND);
	assert_false(f->out.probe);
	assert_int_equal(f->out.apply, DHCPC_APPLY_BOUND);
	assert_int_equal(f->out.event, DHCPC_EV_BOUND);
}

static void
test_requesting_checks_server(void **state)
{
	struct fx *f = *state;
	struct dhcpc_conf conf;

	conf_test(&conf);
	drive(f, &conf, DHCPC_ST_REQUESTING, 3600);
	struct srv s = offer_of(f->c.xid);
	s.type = DHCP_ACK;
	s.server = SRV2;
	reply(f, &s, T0);
	assert_string_equal(f->out.ignored, "ACK from another server");
	s.type = DHCP_NAK;
	reply(f, &s, T0);
	assert_string_equal(f->out.ignored, "NAK from another server");
	assert_int_equal(f->c.state, DHCPC_ST_REQUESTING);
}

/* Unanswered REQUESTs: backoff, then back to INIT and a new DISCOVER. */
static void
test_requesting_gives_up(void **state)
{
	struct fx *f = *state;
	struct dhcpc_conf conf;

	conf_test(&conf);
	drive(f, &conf, DHCPC_ST_REQUESTING, 3600);
	uint32_t xid = f->c.xid;
	uint64_t now = T0;
	for (unsigned k = 1; k < conf.request_tries; k++) {
		uint64_t d = f->out.timer_at - now;
		uint64_t m = 4000ull << (k - 1);
		assert_true(d >= m - 1000 && d <= m + 1000);
		now = f->out.timer_at;
		dhcpc_on_timer(&f->c, now, &f->out);
		parse_sent(f);
		assert_int_equal(f->sent.msg_type, DHCP_REQUEST);
		assert_int_equal(f->sent.xid, xid);
		assert_int_equal(f->c.state, DHCPC_ST_REQUESTING);
	}
	now = f->out.timer_at;
	dhcpc_on_timer(&f->c, now, &f->out);
	assert_int_equal(f->out.from, DHCPC_ST_REQUESTING);
	assert_int_equal(f->out.to, DHCPC_ST_SELECTING);
	parse_sent(f);
	assert_int_equal(f->sent.msg_type, DHCP_DISCOVER);
	assert_int_not_equal(f->sent.xid, xid);
}

static void
test_nak_in_requesting(void **state)
{
	struct fx *f = *state;
	struct dhcpc_conf conf;

	conf_test(&conf);
	conf.init_delay_ms = 2000;
	dhcpc_init(&f->c, &conf, 3);
	dhcpc_start(&f->c, T0, &f->out);
	dhcpc_on_timer(&f->c, f->out.timer_at, &f->out);
	uint64_t now = f->c.timer_at - 1;
	struct srv s = offer_of(f->c.xid);
	reply(f, &s, now);
	assert_int_equal(f->c.state, DHCPC_ST_REQUESTING);
	s.type = DHCP_NAK;
	s.yiaddr = 0;
	reply(f, &s, now);
	assert_int_equal(f->out.event, DHCPC_EV_NAK);
	assert_int_equal(f->out.to, DHCPC_ST_INIT);
	assert_false(f->out.remove);
	assert_false(f->out.has_send);
	assert_true(f->out.timer_at >= now && f->out.timer_at <= now + 2000);
	dhcpc_on_timer(&f->c, f->out.timer_at, &f->out);
	parse_sent(f);
	assert_int_equal(f->sent.msg_type, DHCP_DISCOVER);
	/* The refused address is not asked for again. */
	assert_null(dhcp_opt_find(&f->sent, DHCP_OPT_REQUESTED_IP));
}

/* ---- the ARP check: DECLINE ---- */

static void
test_conflict_declines(void **state)
{
	struct fx *f = *state;
	struct dhcpc_conf conf;

	conf_test(&conf);
	drive(f, &conf, DHCPC_ST_PROBING, 3600);
	uint32_t xid = f->c.xid;
	uint64_t now = T0 + 700;
	dhcpc_on_probe(&f->c, true, now, &f->out);
	assert_int_equal(f->out.event, DHCPC_EV_DECLINED);
	assert_int_equal(f->out.to, DHCPC_ST_INIT);
	assert_int_equal(f->out.apply, DHCPC_APPLY_NONE);
	assert_false(f->out.remove);
	parse_sent(f);
	assert_int_equal(f->sent.msg_type, DHCP_DECLINE);
	assert_int_equal(f->out.dst_kind, DHCPC_DST_BROADCAST);
	assert_int_equal(f->sent.ciaddr, 0);
	assert_int_equal(sent_addr(f, DHCP_OPT_REQUESTED_IP), ADDR);
	assert_int_equal(sent_addr(f, DHCP_OPT_SERVER_ID), SRV);
	assert_null(dhcp_opt_find(&f->sent, DHCP_OPT_PARAM_REQ));
	/* RFC 2131 3.1.5: ten seconds before trying again. */
	assert_int_equal(f->out.timer_at, now + 10000);
	dhcpc_on_timer(&f->c, now + 9999, &f->out);
	assert_false(f->out.has_send);
	dhcpc_on_timer(&f->c, now + 10000, &f->out);
	assert_int_equal(f->out.to, DHCPC_ST_SELECTING);
	parse_sent(f);
	assert_int_equal(f->sent.msg_type, DHCP_DISCOVER);
	assert_int_not_equal(f->sent.xid, xid);
	assert_null(dhcp_opt_find(&f->sent, DHCP_OPT_REQUESTED_IP));

	/* A probe result with no probe running is ignored. */
	dhcpc_on_probe(&f->c, false, now + 10001, &f->out);
	assert_non_null(f->out.ignored);
	assert_int_equal(f->c.state, DHCPC_ST_SELECTING);
}

/* ---- BOUND, RENEWING, REBINDING, expiry ---- */

static void
test_t1_renew_unicast(void **state)
{
	struct fx *f = *state;
	struct dhcpc_conf conf;

	conf_test(&conf);
	drive(f, &conf, DHCPC_ST_BOUND, 100);
	uint64_t t1 = T0 + 50000;
	assert_int_equal(f->out.timer_at, t1);
	dhcpc_on_timer(&f->c, t1 - 1, &f->out);
	assert_int_equal(f->c.state, DHCPC_ST_BOUND);
	assert_false(f->out.has_send);

	uint32_t old_xid = f->c.xid;
	dhcpc_on_timer(&f->c, t1, &f->out);
	assert_int_equal(f->out.from, DHCPC_ST_BOUND);
	assert_int_equal(f->out.to, DHCPC_ST_RENEWING);
	parse_sent(f);
	assert_int_equal(f->sent.msg_type, DHCP_REQUEST);
	assert_int_equal(f->out.dst_kind, DHCPC_DST_UNICAST);
	assert_int_equal(f->out.dst, SRV);
	assert_int_equal(f->out.src, ADDR);
	assert_int_equal(f->sent.ciaddr, ADDR);
	assert_int_not_equal(f->sent.xid, old_xid);
	/* RFC 2131 4.3.2: no requested address, no server id. */
	assert_null(dhcp_opt_find(&f->sent, DHCP_OPT_REQUESTED_IP));
	assert_null(dhcp_opt_find(&f->sent, DHCP_OPT_SERVER_ID));
	/* Half the way to T2 (87 s: 18.5 s away) is under the 60 s
	 * minimum: the next step is T2 itself. */
	assert_int_equal(f->out.timer_at, T0 + 87000);

	struct srv s = offer_of(f->c.xid);
	s.type = DHCP_ACK;
	s.lease = 100;
	reply(f, &s, t1 + 5);
	assert_int_equal(f->out.event, DHCPC_EV_RENEWED);
	assert_int_equal(f->out.to, DHCPC_ST_BOUND);
	assert_int_equal(f->out.apply, DHCPC_APPLY_RENEW);
	assert_false(f->out.remove);
	assert_false(f->out.probe);
	assert_int_equal(f->out.lease.start_ms, t1);
	assert_int_equal(f->out.timer_at, t1 + 50000);
}

/* RFC 2131 4.4.5: retransmit after half the time left to T2, at least
 * 60 s, never past T2. */
static void
test_renew_retransmit_halves(void **state)
{
	struct fx *f = *state;
	struct dhcpc_conf conf;

	conf_test(&conf);
	drive(f, &conf, DHCPC_ST_BOUND, 3600);
	uint64_t now = f->out.timer_at, t2 = T0 + 3150000;
	dhcpc_on_timer(&f->c, now, &f->out);
	uint32_t xid = f->c.xid;
	assert_int_equal(f->out.timer_at, now + (t2 - now) / 2);
	int n = 0;
	while (f->c.state == DHCPC_ST_RENEWING && n++ < 50) {
		uint64_t next = f->out.timer_at;
		assert_true(next <= t2);
		assert_true(next - now >= 60000 || next == t2);
		now = next;
		dhcpc_on_timer(&f->c, now, &f->out);
		parse_sent(f);
		if (f->c.state == DHCPC_ST_RENEWING) {
			assert_int_equal(f->out.dst_kind, DHCPC_DST_UNICAST);
			assert_int_equal(f->sent.xid, xid);
		}
	}
	assert_int_equal(now, t2);
	assert_int_equal(f->c.state, DHCPC_ST_REBINDING);
	assert_true(n > 3);
}

static void
test_t2_rebind_broadcast(void **state)
{
	struct fx *f = *state;
	struct dhcpc_conf conf;

	conf_test(&conf);
	drive(f, &conf, DHCPC_ST_BOUND, 100);
	dhcpc_on_timer(&f->c, T0 + 50000, &f->out);
	uint32_t renew_xid = f->c.xid;
	dhcpc_on_timer(&f->c, T0 + 87000, &f->out);
	assert_int_equal(f->out.from, DHCPC_ST_RENEWING);
	assert_int_equal(f->out.to, DHCPC_ST_REBINDING);
	parse_sent(f);
	assert_int_equal(f->sent.msg_type, DHCP_REQUEST);
	assert_int_equal(f->out.dst_kind, DHCPC_DST_BROADCAST);
	assert_int_equal(f->out.src, ADDR);
	assert_int_equal(f->sent.ciaddr, ADDR);
	assert_int_not_equal(f->sent.xid, renew_xid);
	assert_null(dhcp_opt_find(&f->sent, DHCP_OPT_SERVER_ID));
	assert_int_equal(f->out.timer_at, T0 + 100000);

	/* Any server may answer now. */
	struct srv s = offer_of(f->c.xid);
	s.type = DHCP_ACK;
	s.server = SRV2;
	s.lease = 100;
	reply(f, &s, T0 + 90000);
	assert_int_equal(f->out.event, DHCPC_EV_REBOUND);
	assert_int_equal(f->out.apply, DHCPC_APPLY_RENEW);
	assert_int_equal(f->out.lease.server, SRV2);
	assert_int_equal(f->out.timer_at, T0 + 87000 + 50000);
	/* The next renewal goes to the new server. */
	dhcpc_on_timer(&f->c, f->out.timer_at, &f->out);
	assert_int_equal(f->out.dst, SRV2);
}

static void
test_expiry(void **state)
{
	struct fx *f = *state;
	struct dhcpc_conf conf;

	conf_test(&conf);
	drive(f, &conf, DHCPC_ST_BOUND, 100);
	int steps = 0;
	while (f->c.state != DHCPC_ST_SELECTING && steps++ < 20) {
		uint64_t at = f->out.timer_at;
		assert_true(at > 0 && at <= T0 + 100000);
		dhcpc_on_timer(&f->c, at, &f->out);
	}
	assert_int_equal(f->out.from, DHCPC_ST_REBINDING);
	assert_int_equal(f->out.event, DHCPC_EV_EXPIRED);
	assert_true(f->out.remove);
	assert_int_equal(f->out.old.addr, ADDR);
	assert_int_equal(f->out.apply, DHCPC_APPLY_NONE);
	/* Straight to a DISCOVER (RFC 2131 4.4.5). */
	parse_sent(f);
	assert_int_equal(f->sent.msg_type, DHCP_DISCOVER);
	assert_int_equal(f->out.src, 0);
	/* A lease gone is not given back. */
	dhcpc_release(&f->c, T0 + 100001, &f->out);
	assert_false(f->out.has_send);
	assert_false(f->out.remove);
}

static void
test_nak_while_renewing(void **state)
{
	struct fx *f = *state;
	struct dhcpc_conf conf;

	conf_test(&conf);
	drive(f, &conf, DHCPC_ST_BOUND, 100);
	dhcpc_on_timer(&f->c, T0 + 50000, &f->out);
	struct srv s = { .type = DHCP_NAK, .xid = f->c.xid, .server = SRV };
	reply(f, &s, T0 + 50010);
	assert_int_equal(f->out.event, DHCPC_EV_NAK);
	assert_true(f->out.remove);
	assert_int_equal(f->out.old.addr, ADDR);
	assert_int_equal(f->out.from, DHCPC_ST_RENEWING);
	assert_int_equal(f->out.to, DHCPC_ST_SELECTING);	/* no delay */
	parse_sent(f);
	assert_int_equal(f->sent.msg_type, DHCP_DISCOVER);
}

static void
test_nak_while_rebinding(void **state)
{
	struct fx *f = *state;
	struct dhcpc_conf conf;

	conf_test(&conf);
	drive(f, &conf, DHCPC_ST_BOUND, 100);
	dhcpc_on_timer(&f->c, T0 + 50000, &f->out);
	dhcpc_on_timer(&f->c, T0 + 87000, &f->out);
	assert_int_equal(f->c.state, DHCPC_ST_REBINDING);
	struct srv s = { .type = DHCP_NAK, .xid = f->c.xid, .server = SRV2 };
	reply(f, &s, T0 + 88000);
	assert_int_equal(f->out.event, DHCPC_EV_NAK);
	assert_true(f->out.remove);
}

/* The server hands out another address on renewal: the old one goes and
 * the new one is checked before use. */
static void
test_renew_other_address(void **state)
{
	struct fx *f = *state;
	struct dhcpc_conf conf;

	conf_test(&conf);
	drive(f, &conf, DHCPC_ST_BOUND, 100);
	dhcpc_on_timer(&f->c, T0 + 50000, &f->out);
	struct srv s = offer_of(f->c.xid);
	s.type = DHCP_ACK;
	s.yiaddr = ADDR2;
	reply(f, &s, T0 + 50010);
	assert_true(f->out.remove);
	assert_int_equal(f->out.old.addr, ADDR);
	assert_true(f->out.probe);
	assert_int_equal(f->out.probe_addr, ADDR2);
	assert_int_equal(f->out.to, DHCPC_ST_PROBING);
	dhcpc_on_probe(&f->c, false, T0 + 51000, &f->out);
	assert_int_equal(f->out.event, DHCPC_EV_BOUND);
	assert_int_equal(f->out.apply, DHCPC_APPLY_BOUND);
	assert_int_equal(f->out.lease.addr, ADDR2);
}

static void
test_renew_now(void **state)
{
	struct fx *f = *state;
	struct dhcpc_conf conf;

	conf_test(&conf);
	drive(f, &conf, DHCPC_ST_SELECTING, 0);
	dhcpc_renew(&f->c, T0, &f->out);
	assert_non_null(f->out.ignored);
	drive(f, &conf, DHCPC_ST_BOUND, 3600);
	dhcpc_renew(&f->c, T0 + 5000, &f->out);
	assert_int_equal(f->out.to, DHCPC_ST_RENEWING);
	parse_sent(f);
	assert_int_equal(f->out.dst_kind, DHCPC_DST_UNICAST);
}

/* ---- server-given T1/T2, odd leases ---- */

static void
test_t1_t2_options(void **state)
{
	struct fx *f = *state;
	struct dhcpc_conf conf;
	static const struct {
		uint32_t lease, t1, t2;		/* sent; 0: absent */
		uint32_t want_t1, want_t2;
	} cases[] = {
		{ 1000, 0, 0, 500, 875 },
		{ 1000, 300, 600, 300, 600 },
		{ 1000, 300, 0, 300, 875 },
		{ 1000, 0, 400, 400, 400 },	/* T1 may not pass T2 */
		{ 1000, 0, 600, 500, 600 },
		{ 1000, 700, 600, 500, 600 },	/* T1 > T2: default T1 */
		{ 1000, 300, 1000, 300, 875 },	/* T2 = lease: default */
		{ 1000, 300, 5000, 300, 875 },
		{ 8, 0, 0, 4, 7 },
	};
	conf_test(&conf);
	conf.probe = false;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		drive(f, &conf, DHCPC_ST_REQUESTING, 0);
		struct srv s = offer_of(f->c.xid);
		s.type = DHCP_ACK;
		s.lease = cases[i].lease;
		s.t1 = cases[i].t1;
		s.t2 = cases[i].t2;
		reply(f, &s, T0);
		assert_int_equal(f->c.state, DHCPC_ST_BOUND);
		assert_int_equal(f->out.lease.t1_s, cases[i].want_t1);
		assert_int_equal(f->out.lease.t2_s, cases[i].want_t2);
		assert_int_equal(f->out.timer_at,
		    T0 + cases[i].want_t1 * 1000ull);
	}
}

static void
test_infinite_and_missing_lease(void **state)
{
	struct fx *f = *state;
	struct dhcpc_conf conf;

	conf_test(&conf);
	conf.probe = false;
	drive(f, &conf, DHCPC_ST_REQUESTING, 0);
	struct srv s = offer_of(f->c.xid);
	s.type = DHCP_ACK;
	s.lease = DHCPC_LEASE_INFINITE;
	reply(f, &s, T0);
	assert_int_equal(f->c.state, DHCPC_ST_BOUND);
	assert_int_equal(f->out.timer_at, 0);

	drive(f, &conf, DHCPC_ST_REQUESTING, 0);
	s = offer_of(f->c.xid);
	s.type = DHCP_ACK;
	s.lease = 0;		/* option 51 left out */
	reply(f, &s, T0);
	assert_int_equal(f->c.state, DHCPC_ST_BOUND);
	assert_int_equal(f->out.lease.lease_s, DHCPC_LEASE_INFINITE);
	assert_int_equal(f->out.timer_at, 0);
}

/* No mask: the classful one. A domain that could break resolv.conf or a
 * script's environment is dropped, the lease kept. */
static void
test_lease_defaults(void **state)
{
	struct fx *f = *state;
	struct dhcpc_conf conf;

	conf_test(&conf);
	conf.probe = false;
	drive(f, &conf, DHCPC_ST_REQUESTING, 0);
	struct srv s = offer_of(f->c.xid);
	s.type = DHCP_ACK;
	s.mask = 0;
	s.router = 0;
	s.domain = "evil.test\nnameserver 6.6.6.6";
	reply(f, &s, T0);
	assert_int_equal(f->c.state, DHCPC_ST_BOUND);
	assert_int_equal(f->out.lease.prefix, 8);	/* 10/8 */
	assert_int_equal(f->out.lease.bcast, 0x0affffff);
	assert_int_equal(f->out.lease.router, 0);
	assert_string_equal(f->out.lease.domain, "");

	drive(f, &conf, DHCPC_ST_REQUESTING, 0);
	s = offer_of(f->c.xid);
	s.type = DHCP_ACK;
	s.mask = 0xff00ff00;	/* not contiguous */
	s.yiaddr = 0xc0a80105;
	reply(f, &s, T0);
	assert_int_equal(f->out.lease.prefix, 24);	/* 192.168/16: C */
}

/* ---- INIT-REBOOT ---- */

static void
test_init_reboot_ack(void **state)
{
	struct fx *f = *state;
	struct dhcpc_conf conf;

	conf_test(&conf);
	conf.request_addr = ADDR;
	dhcpc_init(&f->c, &conf, 11);
	assert_int_equal(f->c.state, DHCPC_ST_INIT_REBOOT);
	dhcpc_start(&f->c, T0, &f->out);
	assert_int_equal(f->out.from, DHCPC_ST_INIT_REBOOT);
	assert_int_equal(f->out.to, DHCPC_ST_REBOOTING);
	parse_sent(f);
	assert_int_equal(f->sent.msg_type, DHCP_REQUEST);
	assert_int_equal(f->out.dst_kind, DHCPC_DST_BROADCAST);
	assert_int_equal(f->sent.ciaddr, 0);
	assert_int_equal(sent_addr(f, DHCP_OPT_REQUESTED_IP), ADDR);
	assert_null(dhcp_opt_find(&f->sent, DHCP_OPT_SERVER_ID));

	struct srv s = offer_of(f->c.xid);
	s.type = DHCP_ACK;
	reply(f, &s, T0 + 5);
	assert_int_equal(f->out.to, DHCPC_ST_PROBING);
	assert_int_equal(f->out.probe_addr, ADDR);
	dhcpc_on_probe(&f->c, false, T0 + 800, &f->out);
	assert_int_equal(f->out.event, DHCPC_EV_BOUND);
	assert_int_equal(f->out.lease.start_ms, T0);
}

static void
test_init_reboot_nak(void **state)
{
	struct fx *f = *state;
	struct dhcpc_conf conf;

	conf_test(&conf);
	conf.request_addr = ADDR;
	dhcpc_init(&f->c, &conf, 11);
	dhcpc_start(&f->c, T0, &f->out);
	struct srv s = { .type = DHCP_NAK, .xid = f->c.xid, .server = SRV };
	reply(f, &s, T0 + 5);
	assert_int_equal(f->out.event, DHCPC_EV_NAK);
	assert_int_equal(f->out.from, DHCPC_ST_REBOOTING);
	assert_int_equal(f->out.to, DHCPC_ST_SELECTING);
	parse_sent(f);
	assert_int_equal(f->sent.msg_type, DHCP_DISCOVER);
	assert_null(dhcp_opt_find(&f->sent, DHCP_OPT_REQUESTED_IP));
}

/* Nobody answers the REBOOTING requests: INIT, still asking for the
 * address in the DISCOVER. */
static void
test_init_reboot_silence(void **state)
{
	struct fx *f = *state;
	struct dhcpc_conf conf;

	conf_test(&conf);
	conf.request_addr = ADDR;
	conf.request_tries = 2;
	dhcpc_init(&f->c, &conf, 11);
	dhcpc_start(&f->c, T0, &f->out);
	dhcpc_on_timer(&f->c, f->out.timer_at, &f->out);
	assert_int_equal(f->c.state, DHCPC_ST_REBOOTING);
	parse_sent(f);
	assert_int_equal(f->sent.msg_type, DHCP_REQUEST);
	dhcpc_on_timer(&f->c, f->out.timer_at, &f->out);
	assert_int_equal(f->out.to, DHCPC_ST_SELECTING);
	parse_sent(f);
	assert_int_equal(f->sent.msg_type, DHCP_DISCOVER);
	assert_int_equal(sent_addr(f, DHCP_OPT_REQUESTED_IP), ADDR);
}

/* ---- RELEASE ---- */

static void
test_release(void **state)
{
	struct fx *f = *state;
	struct dhcpc_conf conf;

	conf_test(&conf);
	drive(f, &conf, DHCPC_ST_BOUND, 3600);
	dhcpc_release(&f->c, T0 + 5000, &f->out);
	assert_int_equal(f->out.event, DHCPC_EV_RELEASED);
	assert_int_equal(f->out.to, DHCPC_ST_STOPPED);
	assert_true(f->out.remove);
	assert_int_equal(f->out.old.addr, ADDR);
	assert_int_equal(f->out.timer_at, 0);
	parse_sent(f);
	assert_int_equal(f->sent.msg_type, DHCP_RELEASE);
	assert_int_equal(f->out.dst_kind, DHCPC_DST_UNICAST);
	assert_int_equal(f->out.dst, SRV);
	assert_int_equal(f->sent.ciaddr, ADDR);
	assert_int_equal(sent_addr(f, DHCP_OPT_SERVER_ID), SRV);
	assert_null(dhcp_opt_find(&f->sent, DHCP_OPT_REQUESTED_IP));
	assert_null(dhcp_opt_find(&f->sent, DHCP_OPT_PARAM_REQ));
	/* Stopped: nothing more happens. */
	struct srv s = offer_of(f->c.xid);
	s.type = DHCP_ACK;
	reply(f, &s, T0 + 6000);
	assert_non_null(f->out.ignored);
	dhcpc_on_timer(&f->c, T0 + 4000000, &f->out);
	assert_false(f->out.has_send);
	assert_int_equal(f->c.state, DHCPC_ST_STOPPED);

	/* Without a lease: just stopped, nothing sent. */
	drive(f, &conf, DHCPC_ST_SELECTING, 0);
	dhcpc_release(&f->c, T0, &f->out);
	assert_false(f->out.has_send);
	assert_false(f->out.remove);
	assert_int_equal(f->out.to, DHCPC_ST_STOPPED);
}

static void
test_state_names(void **state)
{
	(void)state;
	assert_string_equal(dhcpc_state_name(DHCPC_ST_INIT_REBOOT),
	    "INIT-REBOOT");
	assert_string_equal(dhcpc_state_name(DHCPC_ST_BOUND), "BOUND");
	assert_string_equal(dhcpc_state_name(DHCPC_ST_N), "?");
	assert_string_equal(dhcpc_event_name(DHCPC_EV_REBOUND), "rebound");
	assert_string_equal(dhcpc_event_name(DHCPC_EV_NONE), "");
	assert_string_equal(dhcpc_event_name(DHCPC_EV_N), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_init_waits_then_discovers),
		T(test_discover_options),
		T(test_backoff_bounds),
		T(test_selecting_retransmits),
		T(test_selecting_ignores),
		T(test_offer_request_ack_bound),
		T(test_no_probe_binds_at_once),
		T(test_requesting_checks_server),
		T(test_requesting_gives_up),
		T(test_nak_in_requesting),
		T(test_conflict_declines),
		T(test_t1_renew_unicast),
		T(test_renew_retransmit_halves),
		T(test_t2_rebind_broadcast),
		T(test_expiry),
		T(test_nak_while_renewing),
		T(test_nak_while_rebinding),
		T(test_renew_other_address),
		T(test_renew_now),
		T(test_t1_t2_options),
		T(test_infinite_and_missing_lease),
		T(test_lease_defaults),
		T(test_init_reboot_ack),
		T(test_init_reboot_nak),
		T(test_init_reboot_silence),
		T(test_release),
		T(test_state_names),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
