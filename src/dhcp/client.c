/* dhcp/client.c - the DHCP client state machine of RFC 2131 4.4: each
 * entry point (dhcpc_start, _on_packet, _on_timer, _on_probe, _renew,
 * _release) moves the machine and says in a struct dhcpc_out what the
 * I/O must do. Messages are built here with the packet codec, following
 * RFC 2131 table 5 for which options each carries. Not here: sockets,
 * frames, ARP, applying a lease (dhcp/dhcpc.c does those). */
#include "dhcp/client.h"

#include <string.h>

#include "dhcp/options.h"

#define SEC	1000ull

static const char *const state_names[DHCPC_ST_N] = {
	[DHCPC_ST_INIT] = "INIT",
	[DHCPC_ST_SELECTING] = "SELECTING",
	[DHCPC_ST_REQUESTING] = "REQUESTING",
	[DHCPC_ST_PROBING] = "PROBING",
	[DHCPC_ST_BOUND] = "BOUND",
	[DHCPC_ST_RENEWING] = "RENEWING",
	[DHCPC_ST_REBINDING] = "REBINDING",
	[DHCPC_ST_INIT_REBOOT] = "INIT-REBOOT",
	[DHCPC_ST_REBOOTING] = "REBOOTING",
	[DHCPC_ST_STOPPED] = "STOPPED",
};

/* What we ask servers for (option 55), most wanted first. */
static const uint8_t param_req[] = {
	DHCP_OPT_SUBNET_MASK, DHCP_OPT_ROUTER, DHCP_OPT_DNS,
	DHCP_OPT_DOMAIN_NAME, DHCP_OPT_BROADCAST, DHCP_OPT_LEASE_TIME,
	DHCP_OPT_SERVER_ID, DHCP_OPT_T1, DHCP_OPT_T2,
};

const char *
dhcpc_state_name(enum dhcpc_state st)
{
	return (unsigned)st < DHCPC_ST_N ? state_names[st] : "?";
}

static const char *const event_names[DHCPC_EV_N] = {
	[DHCPC_EV_NONE] = "",
	[DHCPC_EV_BOUND] = "bound",
	[DHCPC_EV_RENEWED] = "renewed",
	[DHCPC_EV_REBOUND] = "rebound",
	[DHCPC_EV_NAK] = "nak",
	[DHCPC_EV_DECLINED] = "declined",
	[DHCPC_EV_EXPIRED] = "expired",
	[DHCPC_EV_RELEASED] = "released",
	[DHCPC_EV_LEASEFAIL] = "leasefail",
};

const char *
dhcpc_event_name(enum dhcpc_event ev)
{
	return (unsigned)ev < DHCPC_EV_N ? event_names[ev] : "?";
}

void
dhcpc_conf_init(struct dhcpc_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->probe = true;
	conf->max_msg = 1500 - DHCP_IPUDP_HDR;	/* what an Ethernet frame
						 * holds; we read 64 KiB */
	conf->backoff_base_ms = 4000;
	conf->backoff_max_ms = 64000;
	conf->backoff_jitter_ms = 1000;
	conf->init_delay_ms = 1000;
	conf->request_tries = 4;
	conf->discover_tries = 4;
	conf->decline_wait_ms = 10000;
	conf->renew_min_ms = 60000;
}

/* xorshift64*: plenty for xids and jitter, which need to differ between
 * hosts, not to be secret (the seed comes from getrandom()). */
static uint64_t
rnd(struct dhcpc *c)
{
	uint64_t x = c->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	c->rng = x;
	return x * 0x2545f4914f6cdd1dull;
}

void
dhcpc_init(struct dhcpc *c, const struct dhcpc_conf *conf, uint64_t seed)
{
	memset(c, 0, sizeof(*c));
	c->conf = *conf;
	c->rng = seed != 0 ? seed : 0x9e3779b97f4a7c15ull;
	c->state = conf->request_addr != 0 ? DHCPC_ST_INIT_REBOOT :
	    DHCPC_ST_INIT;
}

uint64_t
dhcpc_backoff_ms(struct dhcpc *c, unsigned attempt)
{
	uint64_t d = c->conf.backoff_base_ms;
	uint64_t max = c->conf.backoff_max_ms;
	uint64_t jit = c->conf.backoff_jitter_ms;

	for (unsigned i = 0; i < attempt && d < max; i++)
		d *= 2;
	if (d > max)
		d = max;
	uint64_t r = rnd(c) % (2 * jit + 1);	/* 0 .. 2 * jit */
	d = d + r > jit ? d + r - jit : 1;
	return d;
}

static void
out_begin(struct dhcpc *c, struct dhcpc_out *out)
{
	memset(out, 0, sizeof(*out));
	out->from = out->to = c->state;
}

static void
out_end(struct dhcpc *c, struct dhcpc_out *out)
{
	out->to = c->state;
	out->timer_at = c->timer_at;
}

static void
set_state(struct dhcpc *c, enum dhcpc_state st)
{
	c->state = st;
}

/* A new exchange: fresh xid, `secs` counted from now. */
static void
exchange_begin(struct dhcpc *c, uint64_t now)
{
	c->xid = (uint32_t)(rnd(c) >> 32);
	c->began_ms = now;
	c->first_sent_ms = now;
	c->tries = 0;
}

/* ---- messages ---- */

struct msg_args {
	uint8_t		 type;
	uint32_t	 ciaddr;
	uint32_t	 req_addr;	/* option 50, or 0 */
	uint32_t	 server;	/* option 54, or 0 */
	enum dhcpc_dst	 dst_kind;
	uint32_t	 src, dst;
};

/* Builds a message into out->pkt as RFC 2131 table 5 has it: DISCOVER
 * and REQUEST carry the parameter list, size and host name; DECLINE and
 * RELEASE only what identifies the client and the lease. */
static void
send_msg(struct dhcpc *c, const struct msg_args *m, uint64_t now,
    struct dhcpc_out *out)
{
	struct dhcp_packet fixed = { 0 };
	struct dhcp_builder b;
	uint8_t cid[DHCPC_CID_MAX];
	size_t cid_len = c->conf.client_id_len;
	bool is_config = m->type == DHCP_DISCOVER || m->type == DHCP_REQUEST;

	fixed.op = DHCP_OP_REQUEST;
	fixed.htype = DHCP_HTYPE_ETHER;
	fixed.hlen = DHCP_ETH_ALEN;
	fixed.xid = c->xid;
	uint64_t secs = now > c->began_ms ? (now - c->began_ms) / SEC : 0;
	fixed.secs = is_config ? (uint16_t)(secs > 0xffff ? 0xffff : secs) :
	    0;
	fixed.ciaddr = m->ciaddr;
	memcpy(fixed.chaddr, c->conf.mac, DHCP_ETH_ALEN);
	if (cid_len > 0) {
		memcpy(cid, c->conf.client_id, cid_len);
	} else {
		/* As udhcpc and dnsmasq's clients: type 1 and the MAC. */
		cid[0] = DHCP_HTYPE_ETHER;
		memcpy(cid + 1, c->conf.mac, DHCP_ETH_ALEN);
		cid_len = 1 + DHCP_ETH_ALEN;
	}

	/* Room for IP and UDP headers within the 576 every host takes. */
	dhcp_build_init(&b, out->pkt, sizeof(out->pkt) - DHCP_IPUDP_HDR,
	    &fixed);
	b.can_overload = 0;
	dhcp_build_u8(&b, DHCP_OPT_MSG_TYPE, m->type);
	dhcp_build_opt(&b, DHCP_OPT_CLIENT_ID, cid, cid_len);
	if (m->req_addr != 0)
		dhcp_build_addr(&b, DHCP_OPT_REQUESTED_IP, m->req_addr);
	if (m->server != 0)
		dhcp_build_addr(&b, DHCP_OPT_SERVER_ID, m->server);
	if (is_config) {
		dhcp_build_u16(&b, DHCP_OPT_MAX_SIZE, c->conf.max_msg);
		if (c->conf.hostname[0] != '\0')
			dhcp_build_str(&b, DHCP_OPT_HOSTNAME,
			    c->conf.hostname);
		dhcp_build_opt(&b, DHCP_OPT_PARAM_REQ, param_req,
		    sizeof(param_req));
	}
	ssize_t n = dhcp_build_finish(&b);
	if (n < 0)	/* cannot happen: a few options in 548 bytes */
		return;
	out->has_send = true;
	out->msg_type = m->type;
	out->dst_kind = m->dst_kind;
	out->src = m->src;
	out->dst = m->dst;
	out->pkt_len = (size_t)n;
}

static void
send_discover(struct dhcpc *c, uint64_t now, struct dhcpc_out *out)
{
	struct msg_args m = { .type = DHCP_DISCOVER,
	    .req_addr = c->want_addr, .dst_kind = DHCPC_DST_BROADCAST };

	if (c->tries == 0)
		exchange_begin(c, now);
	send_msg(c, &m, now, out);
	c->tries++;
	/* RFC 2131 3.1.2 / 4.4.1: the user hears of it, the client goes
	 * on trying (the I/O's --timeout decides when to give up). */
	if (c->tries == c->conf.discover_tries)
		out->event = DHCPC_EV_LEASEFAIL;
	c->timer_at = now + dhcpc_backoff_ms(c, c->tries - 1);
}

/* REQUESTING (server and address of the offer) or REBOOTING (address
 * only, RFC 2131 4.3.2): broadcast, ciaddr 0. */
static void
send_request_new(struct dhcpc *c, uint64_t now, struct dhcpc_out *out)
{
	struct msg_args m = { .type = DHCP_REQUEST,
	    .req_addr = c->offer.addr, .dst_kind = DHCPC_DST_BROADCAST };

	if (c->state == DHCPC_ST_REQUESTING)
		m.server = c->offer.server;
	send_msg(c, &m, now, out);
	c->tries++;
	c->timer_at = now + dhcpc_backoff_ms(c, c->tries - 1);
}

static uint64_t
lease_at(const struct dhcpc_lease *l, uint32_t s)
{
	return l->start_ms + (uint64_t)s * SEC;
}

/* RENEWING / REBINDING: ciaddr set, no 50 or 54 (RFC 2131 4.3.2). The
 * next try comes after half the time left until `until`, at least
 * renew_min_ms (RFC 2131 4.4.5), but never past `until`. */
static void
send_request_lease(struct dhcpc *c, uint64_t now, uint64_t until,
    struct dhcpc_out *out)
{
	struct msg_args m = { .type = DHCP_REQUEST,
	    .ciaddr = c->lease.addr, .src = c->lease.addr };

	if (c->state == DHCPC_ST_RENEWING) {
		m.dst_kind = DHCPC_DST_UNICAST;
		m.dst = c->lease.server;
	} else {
		m.dst_kind = DHCPC_DST_BROADCAST;
	}
	send_msg(c, &m, now, out);
	c->tries++;
	uint64_t wait = until > now ? (until - now) / 2 : 0;
	if (wait < c->conf.renew_min_ms)
		wait = c->conf.renew_min_ms;
	c->timer_at = now + wait < until ? now + wait : until;
}

/* ---- transitions ---- */

/* To INIT: DISCOVER after `delay` ms, at once when 0. */
static void
enter_init(struct dhcpc *c, uint64_t now, uint64_t delay,
    struct dhcpc_out *out)
{
	set_state(c, DHCPC_ST_INIT);
	c->tries = 0;
	if (delay > 0) {
		c->timer_at = now + delay;
		return;
	}
	set_state(c, DHCPC_ST_SELECTING);
	send_discover(c, now, out);
}

static uint64_t
init_delay(struct dhcpc *c)
{
	return c->conf.init_delay_ms > 0 ?
	    rnd(c) % ((uint64_t)c->conf.init_delay_ms + 1) : 0;
}

/* The lease leaves the interface (NAK, expiry, release, new address). */
static void
drop_lease(struct dhcpc *c, struct dhcpc_out *out)
{
	if (!c->has_lease)
		return;
	out->remove = true;
	out->old = c->lease;
	c->has_lease = false;
}

static void
enter_bound(struct dhcpc *c, const struct dhcpc_lease *l,
    enum dhcpc_apply how, struct dhcpc_out *out)
{
	c->lease = *l;
	c->has_lease = true;
	out->apply = how;
	out->lease = *l;
	set_state(c, DHCPC_ST_BOUND);
	c->tries = 0;
	c->timer_at = l->lease_s == DHCPC_LEASE_INFINITE ? 0 :
	    lease_at(l, l->t1_s);
}

/* An ACK for a new address: check it first (RFC 2131 4.4.1) or take it. */
static void
take_new(struct dhcpc *c, const struct dhcpc_lease *l, struct dhcpc_out *out)
{
	if (c->conf.probe) {
		c->offer = *l;
		set_state(c, DHCPC_ST_PROBING);
		c->timer_at = 0;
		out->probe = true;
		out->probe_addr = l->addr;
		return;
	}
	enter_bound(c, l, DHCPC_APPLY_BOUND, out);
	out->event = DHCPC_EV_BOUND;
}

static void
enter_renewing(struct dhcpc *c, uint64_t now, struct dhcpc_out *out)
{
	set_state(c, DHCPC_ST_RENEWING);
	exchange_begin(c, now);
	send_request_lease(c, now, lease_at(&c->lease, c->lease.t2_s), out);
}

static void
enter_rebinding(struct dhcpc *c, uint64_t now, struct dhcpc_out *out)
{
	set_state(c, DHCPC_ST_REBINDING);
	exchange_begin(c, now);
	send_request_lease(c, now, lease_at(&c->lease, c->lease.lease_s),
	    out);
}

void
dhcpc_start(struct dhcpc *c, uint64_t now, struct dhcpc_out *out)
{
	out_begin(c, out);
	if (c->conf.request_addr != 0) {
		/* RFC 2131 3.2: ask for the address we know, no server id. */
		set_state(c, DHCPC_ST_REBOOTING);
		exchange_begin(c, now);
		memset(&c->offer, 0, sizeof(c->offer));
		c->offer.addr = c->conf.request_addr;
		send_request_new(c, now, out);
	} else {
		enter_init(c, now, init_delay(c), out);
	}
	out_end(c, out);
}

void
dhcpc_on_timer(struct dhcpc *c, uint64_t now, struct dhcpc_out *out)
{
	out_begin(c, out);
	if (c->timer_at == 0 || now < c->timer_at)
		goto out;
	c->timer_at = 0;
	switch (c->state) {
	case DHCPC_ST_INIT:
		set_state(c, DHCPC_ST_SELECTING);
		send_discover(c, now, out);
		break;
	case DHCPC_ST_SELECTING:
		send_discover(c, now, out);
		break;
	case DHCPC_ST_REQUESTING:
	case DHCPC_ST_REBOOTING:
		if (c->tries < c->conf.request_tries) {
			send_request_new(c, now, out);
			break;
		}
		/* RFC 2131 4.4.1: no answer, start over. From REBOOTING we
		 * keep asking for the address in the DISCOVER. */
		c->want_addr = c->state == DHCPC_ST_REBOOTING ?
		    c->offer.addr : 0;
		enter_init(c, now, 0, out);
		break;
	case DHCPC_ST_BOUND:
		enter_renewing(c, now, out);
		break;
	case DHCPC_ST_RENEWING:
		if (now >= lease_at(&c->lease, c->lease.t2_s))
			enter_rebinding(c, now, out);
		else
			send_request_lease(c, now,
			    lease_at(&c->lease, c->lease.t2_s), out);
		break;
	case DHCPC_ST_REBINDING:
		if (now < lease_at(&c->lease, c->lease.lease_s)) {
			send_request_lease(c, now,
			    lease_at(&c->lease, c->lease.lease_s), out);
			break;
		}
		/* RFC 2131 4.4.5: expired; stop using it, start over. */
		drop_lease(c, out);
		out->event = DHCPC_EV_EXPIRED;
		c->want_addr = 0;
		enter_init(c, now, 0, out);
		break;
	case DHCPC_ST_PROBING:
	case DHCPC_ST_INIT_REBOOT:
	case DHCPC_ST_STOPPED:
	case DHCPC_ST_N:
		break;
	}
out:
	out_end(c, out);
}

/* ---- replies ---- */

static bool
mask_ok(uint32_t mask)
{
	return (mask & (~mask >> 1)) == 0;	/* ones, then zeros */
}

static uint8_t
mask_prefix(uint32_t mask)
{
	uint8_t n = 0;

	while (n < 32 && (mask & (0x80000000u >> n)) != 0)
		n++;
	return n;
}

static bool
addr_usable(uint32_t a)
{
	uint8_t hi = (uint8_t)(a >> 24);

	return a != 0 && hi != 0 && hi != 127 && hi < 224;
}

/* Host names and "a.test b.test" (some servers put a search list in
 * option 15): nothing that would break a resolv.conf line or a shell. */
static bool
domain_ok(const char *s, size_t len)
{
	if (len == 0 || len > DHCPC_DOMAIN_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' ||
		    ch == '_' || ch == ' '))
			return false;
	}
	return true;
}

/* The lease an OFFER or ACK describes. Returns NULL, or why it is
 * unusable. */
static const char *
lease_parse(const struct dhcp_packet *p, uint32_t from, uint64_t start,
    struct dhcpc_lease *l)
{
	memset(l, 0, sizeof(*l));
	l->start_ms = start;
	l->addr = p->yiaddr;
	if (!addr_usable(l->addr))
		return "bad yiaddr";
	if (dhcp_opt_addr(p, DHCP_OPT_SUBNET_MASK, &l->mask) != 0 ||
	    !mask_ok(l->mask) || l->mask == 0) {
		/* RFC 2131 4.4.1 lets the client pick; the classful mask
		 * is what udhcpc and dhclient fall back to as well. */
		uint8_t hi = (uint8_t)(l->addr >> 24);
		l->mask = hi < 128 ? 0xff000000u : hi < 192 ? 0xffff0000u :
		    0xffffff00u;
	}
	l->prefix = mask_prefix(l->mask);
	if (dhcp_opt_addr(p, DHCP_OPT_BROADCAST, &l->bcast) != 0)
		l->bcast = l->addr | ~l->mask;
	uint32_t routers[1];
	if (dhcp_opt_addrs(p, DHCP_OPT_ROUTER, routers, 1) > 0 &&
	    addr_usable(routers[0]))
		l->router = routers[0];
	if (dhcp_opt_addr(p, DHCP_OPT_SERVER_ID, &l->server) != 0)
		l->server = from != 0 ? from : p->siaddr;
	int n = dhcp_opt_addrs(p, DHCP_OPT_DNS, l->dns, DHCPC_DNS_MAX);
	l->n_dns = n > 0 ? (n > DHCPC_DNS_MAX ? DHCPC_DNS_MAX : (size_t)n) :
	    0;
	const char *dom;
	size_t dom_len;
	if (dhcp_opt_text(p, DHCP_OPT_DOMAIN_NAME, &dom, &dom_len) == 0 &&
	    domain_ok(dom, dom_len))
		memcpy(l->domain, dom, dom_len);
	/* A missing lease time: as dhcpcd, take the address for good. */
	if (dhcp_opt_u32(p, DHCP_OPT_LEASE_TIME, &l->lease_s) != 0)
		l->lease_s = DHCPC_LEASE_INFINITE;
	if (l->lease_s == 0)
		l->lease_s = 1;
	if (l->lease_s == DHCPC_LEASE_INFINITE) {
		l->t1_s = l->t2_s = DHCPC_LEASE_INFINITE;
		return NULL;
	}
	/* RFC 2131 4.4.5: T1 0.5 and T2 0.875 of the lease unless the
	 * server says otherwise; its values count only in order. */
	uint32_t t1, t2;
	if (dhcp_opt_u32(p, DHCP_OPT_T2, &t2) != 0 || t2 == 0 ||
	    t2 >= l->lease_s)
		t2 = (uint32_t)((uint64_t)l->lease_s * 7 / 8);
	if (dhcp_opt_u32(p, DHCP_OPT_T1, &t1) != 0 || t1 == 0 || t1 >= t2)
		t1 = l->lease_s / 2 < t2 ? l->lease_s / 2 : t2;
	l->t1_s = t1;
	l->t2_s = t2;
	return NULL;
}

/* Whether `p` answers our exchange; NULL if so, else why not. */
static const char *
reply_check(const struct dhcpc *c, const struct dhcp_packet *p)
{
	if (p->op != DHCP_OP_REPLY || !p->has_cookie)
		return "not a DHCP reply";
	if (p->xid != c->xid)
		return "other xid";
	if (p->hlen != DHCP_ETH_ALEN ||
	    memcmp(p->chaddr, c->conf.mac, DHCP_ETH_ALEN) != 0)
		return "other chaddr";
	return NULL;
}

static bool
from_server(const struct dhcp_packet *p, uint32_t server)
{
	uint32_t id;

	/* Without option 54 we cannot tell; RFC 2131 says it is there. */
	return dhcp_opt_addr(p, DHCP_OPT_SERVER_ID, &id) != 0 || id == server;
}

static void
on_nak(struct dhcpc *c, uint64_t now, struct dhcpc_out *out)
{
	/* RFC 2131 3.1.4, 3.2, 4.4.5: restart from INIT; the address
	 * goes now if it was in use. A short wait keeps a server that
	 * NAKs everything from turning us into a flood. */
	drop_lease(c, out);
	out->event = DHCPC_EV_NAK;
	c->want_addr = 0;
	enter_init(c, now, init_delay(c), out);
}

static void
on_ack(struct dhcpc *c, const struct dhcp_packet *p, uint32_t from,
    struct dhcpc_out *out)
{
	struct dhcpc_lease l;
	const char *why = lease_parse(p, from, c->first_sent_ms, &l);

	if (why != NULL) {
		out->ignored = why;
		return;
	}
	switch (c->state) {
	case DHCPC_ST_REQUESTING:
	case DHCPC_ST_REBOOTING:
		take_new(c, &l, out);
		break;
	case DHCPC_ST_RENEWING:
	case DHCPC_ST_REBINDING:
		if (c->has_lease && l.addr == c->lease.addr) {
			out->event = c->state == DHCPC_ST_RENEWING ?
			    DHCPC_EV_RENEWED : DHCPC_EV_REBOUND;
			enter_bound(c, &l, DHCPC_APPLY_RENEW, out);
			break;
		}
		/* Another address: the old one goes, the new one is
		 * checked like any new one. */
		drop_lease(c, out);
		take_new(c, &l, out);
		break;
	default:
		out->ignored = "ACK in this state";
		break;
	}
}

void
dhcpc_on_packet(struct dhcpc *c, const struct dhcp_packet *p,
    uint32_t from, uint64_t now, struct dhcpc_out *out)
{
	out_begin(c, out);
	bool is_waiting = c->state == DHCPC_ST_SELECTING ||
	    c->state == DHCPC_ST_REQUESTING ||
	    c->state == DHCPC_ST_REBOOTING ||
	    c->state == DHCPC_ST_RENEWING || c->state == DHCPC_ST_REBINDING;
	if (!is_waiting) {
		out->ignored = "not waiting for a reply";
		goto out;
	}
	if ((out->ignored = reply_check(c, p)) != NULL)
		goto out;

	switch (p->msg_type) {
	case DHCP_OFFER:
		if (c->state != DHCPC_ST_SELECTING) {
			out->ignored = "OFFER in this state";
			break;
		}
		/* The first acceptable offer wins (RFC 2131 4.4.1 lets
		 * the client choose; waiting for more buys nothing). */
		out->ignored = lease_parse(p, from, now, &c->offer);
		if (out->ignored != NULL)
			break;
		set_state(c, DHCPC_ST_REQUESTING);
		c->tries = 0;
		c->first_sent_ms = now;	/* same xid as the DISCOVER */
		send_request_new(c, now, out);
		break;
	case DHCP_ACK:
		if (c->state == DHCPC_ST_SELECTING) {
			out->ignored = "ACK in this state";
			break;
		}
		if (c->state == DHCPC_ST_REQUESTING &&
		    !from_server(p, c->offer.server)) {
			out->ignored = "ACK from another server";
			break;
		}
		on_ack(c, p, from, out);
		break;
	case DHCP_NAK:
		if (c->state == DHCPC_ST_SELECTING) {
			out->ignored = "NAK in this state";
			break;
		}
		if ((c->state == DHCPC_ST_REQUESTING &&
		    !from_server(p, c->offer.server)) ||
		    (c->state == DHCPC_ST_RENEWING &&
		    !from_server(p, c->lease.server))) {
			out->ignored = "NAK from another server";
			break;
		}
		on_nak(c, now, out);
		break;
	default:
		out->ignored = "not OFFER, ACK or NAK";
		break;
	}
out:
	out_end(c, out);
}

void
dhcpc_on_probe(struct dhcpc *c, bool conflict, uint64_t now,
    struct dhcpc_out *out)
{
	out_begin(c, out);
	if (c->state != DHCPC_ST_PROBING) {
		out->ignored = "no probe running";
		goto out;
	}
	if (!conflict) {
		out->event = DHCPC_EV_BOUND;
		enter_bound(c, &c->offer, DHCPC_APPLY_BOUND, out);
		goto out;
	}
	/* RFC 2131 3.1.5 and 4.4.1: DECLINE, then start over no sooner
	 * than ten seconds later. */
	struct msg_args m = { .type = DHCP_DECLINE,
	    .req_addr = c->offer.addr, .server = c->offer.server,
	    .dst_kind = DHCPC_DST_BROADCAST };
	send_msg(c, &m, now, out);
	out->event = DHCPC_EV_DECLINED;
	c->want_addr = 0;
	enter_init(c, now, c->conf.decline_wait_ms, out);
out:
	out_end(c, out);
}

void
dhcpc_renew(struct dhcpc *c, uint64_t now, struct dhcpc_out *out)
{
	out_begin(c, out);
	if (c->state == DHCPC_ST_BOUND)
		enter_renewing(c, now, out);
	else
		out->ignored = "not bound";
	out_end(c, out);
}

void
dhcpc_release(struct dhcpc *c, uint64_t now, struct dhcpc_out *out)
{
	out_begin(c, out);
	if (c->has_lease) {
		/* RFC 2131 4.4.6: unicast to the server, ciaddr set, the
		 * server identifier, a fresh xid. */
		exchange_begin(c, now);
		struct msg_args m = { .type = DHCP_RELEASE,
		    .ciaddr = c->lease.addr, .server = c->lease.server,
		    .dst_kind = DHCPC_DST_UNICAST, .src = c->lease.addr,
		    .dst = c->lease.server };
		send_msg(c, &m, now, out);
		drop_lease(c, out);
		out->event = DHCPC_EV_RELEASED;
	}
	set_state(c, DHCPC_ST_STOPPED);
	c->timer_at = 0;
	out_end(c, out);
}
