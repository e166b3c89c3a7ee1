/* fuzz/dhcp_server.c - the server logic on whatever parses as a DHCP
 * message. A fixed config (a direct subnet on ifindex 2, a relayed one,
 * a reservation) and a lease table preloaded with a bound, a released
 * and a declined address; the message is handled as it came, then as a
 * DISCOVER, REQUEST, RELEASE, DECLINE and INFORM in turn, arriving on
 * the interface, off it, with and without our local address, while the
 * clock moves by steps taken from the input. A PROBE is answered clean
 * and in use in turn and the message handled again. After each step:
 * a reply fits DHCP_REPLY_MAX and the client's size, parses back as a
 * BOOTREPLY with the same xid and type, goes where RFC 2131 4.1 says,
 * and an OFFER or ACK names an address of the subnet held by that
 * client (an ACK bound, for lease_time, and queued for the journal);
 * over the table, no client holds two live leases in one subnet, no
 * live lease lacks an owner or sits outside the pools and reservations,
 * a reservation is nobody else's; every record queued for the journal
 * formats and parses back the same. Seeds in fuzz/corpus/dhcp_server/:
 * DISCOVERs (plain, broadcast, requesting, relayed with option 82,
 * option 118, a client id, the reservation's MAC), REQUESTs (SELECTING,
 * INIT-REBOOT, RENEWING), a DECLINE, a RELEASE and an INFORM. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/cfg.h"
#include "core/svc.h"
#include "dhcp/conf.h"
#include "dhcp/journal.h"
#include "dhcp/leases.h"
#include "dhcp/options.h"
#include "dhcp/packet.h"
#include "dhcp/server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

#define IP(a, b, c, d)	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
			    (uint32_t)(c) << 8 | (uint32_t)(d))
#define NOW		1700000000
#define SRV		IP(10, 77, 0, 1)

static const char conf_text[] =
    "[dhcp]\n"
    "enabled = yes\n"
    "interfaces = srv0\n"
    "probe = arp\n"
    "offer_hold = 30s\n"
    "decline_hold = 1h\n"
    "[subnet 10.77.0.0/24]\n"
    "pool = 10.77.0.100-10.77.0.101 10.77.0.110-10.77.0.111\n"
    "router = 10.77.0.1\n"
    "dns = 10.77.0.1 10.77.0.2\n"
    "domain = lab.test\n"
    "lease_time = 1h\n"
    "[subnet 10.88.0.0/24]\n"
    "pool = 10.88.0.10-10.88.0.12\n"
    "router = 10.88.0.1\n"
    "lease_time = 2h\n"
    "[host printer]\n"
    "mac = 52:54:00:12:34:56\n"
    "address = 10.77.0.50\n";

static struct cfg *cfg;
static struct dhcp_server_conf sc;
static uint32_t cursors[8];

static void
init(void)
{
	static const struct dhcp_conf_iface ifs[] = { { 2, SRV, 24 } };
	struct cfg_errs e = { 0 };

	if (cfg_load_string(conf_text, "fuzz.conf", svc_schema(), &cfg,
	    &e) < 0 || dhcp_server_conf_build(cfg, ifs, 1, &sc, &e) < 0 ||
	    sc.n_subnets != 2 || sc.subnets[1].ifindex != 0)
		abort();
	cfg_errs_clear(&e);
	for (size_t i = 0; i < sc.n_subnets; i++)
		cursors[i] = sc.subnets[i].cursor;
}

static void
check(bool ok)
{
	if (!ok)
		abort();
}

/* Somebody else's lease, set up as the journal would have it. */
static void
preload(struct dhcp_leases *t, uint32_t addr, uint8_t st, uint8_t who,
    int64_t ends)
{
	struct dhcp_lease *l = dhcp_leases_get(t, addr);
	struct dhcp_client c;

	check(l != NULL);
	memset(&c, 0, sizeof(c));
	c.htype = DHCP_HTYPE_ETHER;
	c.hlen = 6;
	memcpy(c.chaddr, "\x52\x54\x00\xaa\xbb", 5);
	c.chaddr[5] = who;
	dhcp_lease_set_owner(t, l, who != 0 ? &c : NULL);
	l->state = st;
	l->start = NOW - 100;
	l->ends = ends;
}

static bool
is_live(const struct dhcp_lease *l, int64_t now)
{
	uint8_t st = (uint8_t)dhcp_lease_state_at(l, now);

	return st == DHCP_LEASE_BOUND || st == DHCP_LEASE_OFFERED;
}

static bool
host_is(const struct dhcp_host *h, const struct dhcp_client *c)
{
	return (h->cid_len > 0 && h->cid_len == c->cid_len &&
	    memcmp(h->cid, c->cid, c->cid_len) == 0) ||
	    (h->has_mac && c->htype == DHCP_HTYPE_ETHER && c->hlen == 6 &&
	    memcmp(h->mac, c->chaddr, 6) == 0);
}

/* Whether c may hold addr on s: a pool address or its reservation, and
 * never the network or broadcast address. */
static bool
may_hold(const struct dhcp_subnet *s, const struct dhcp_client *c,
    uint32_t addr)
{
	if ((addr & s->mask) != s->net || addr == s->net ||
	    addr == (s->net | ~s->mask))
		return false;
	for (size_t i = 0; i < sc.n_hosts; i++)
		if (sc.hosts[i].addr == addr)
			return host_is(&sc.hosts[i], c);
	return dhcp_in_pool(s, addr);
}

struct pair_check {
	const struct dhcp_leases	*t;
	const struct dhcp_lease		*l;
	int64_t				 now;
};

static bool
is_bound(const struct dhcp_lease *l, int64_t now)
{
	return l->has_owner && dhcp_lease_state_at(l, now) == DHCP_LEASE_BOUND;
}

static int
same_owner_bound(const struct dhcp_lease *m, void *arg)
{
	const struct pair_check *pc = arg;

	return m != pc->l && is_bound(m, pc->now) &&
	    dhcp_subnet_of(&sc, m->addr) == dhcp_subnet_of(&sc, pc->l->addr) &&
	    dhcp_client_same(&m->owner, &pc->l->owner);
}

static int
check_pairs(const struct dhcp_lease *l, void *arg)
{
	struct pair_check pc = *(const struct pair_check *)arg;

	if (!is_bound(l, pc.now))
		return 0;
	pc.l = l;
	return dhcp_leases_walk(pc.t, same_owner_bound, &pc);
}

/* No client holds two bound, unexpired leases in one subnet. */
static void
check_table(const struct dhcp_leases *t, int64_t now)
{
	struct pair_check pc = { t, NULL, now };

	check(dhcp_leases_walk(t, check_pairs, &pc) == 0);
}

/* Every unexpired offered or bound record has an owner allowed to hold
 * it. */
static int
check_owner(const struct dhcp_lease *l, void *arg)
{
	const int64_t *now = arg;

	if (!is_live(l, *now))
		return 0;
	const struct dhcp_subnet *s = dhcp_subnet_of(&sc, l->addr);
	return !l->has_owner || s == NULL || !may_hold(s, &l->owner,
	    l->addr);
}

/* Records queued for the journal round-trip through its line format. */
static void
check_dirty(struct dhcp_leases *t)
{
	char line[DHCP_JOURNAL_LINE_MAX];
	struct dhcp_lease back;

	for (struct dhcp_lease *l = dhcp_leases_take_dirty(t); l != NULL;
	    l = l->next_dirty) {
		ssize_t n = dhcp_journal_format(l, line, sizeof(line));
		check(n > 0 && line[n - 1] == '\n');
		check(dhcp_journal_parse(line, (size_t)n - 1, &back) == 0);
		check(back.addr == l->addr && back.state == l->state &&
		    back.start == l->start && back.ends == l->ends &&
		    back.has_owner == l->has_owner &&
		    strcmp(back.hostname, l->hostname) == 0);
		if (l->has_owner)
			check(dhcp_client_same(&back.owner, &l->owner));
	}
}

static void
check_reply(const struct dhcp_packet *p, const struct dhcp_outcome *o,
    struct dhcp_leases *t, int64_t now, struct arena *ra)
{
	struct dhcp_packet r;
	struct dhcp_client c;
	uint32_t sid;

	check(o->len <= DHCP_REPLY_MAX && o->len >= DHCP_OPTS_OFF);
	check(o->len <= dhcp_reply_cap(p, DHCP_REPLY_MAX));
	arena_reset(ra);
	check(dhcp_packet_parse(o->buf, o->len, ra, &r) == 0);
	check(r.op == DHCP_OP_REPLY && r.xid == p->xid && r.has_cookie);
	check(r.msg_type == o->reply_type);
	check(o->reply_type == DHCP_OFFER || o->reply_type == DHCP_ACK ||
	    o->reply_type == DHCP_NAK);
	check(r.yiaddr == o->yiaddr && r.giaddr == p->giaddr);
	check(memcmp(r.chaddr, p->chaddr, DHCP_CHADDR_LEN) == 0);
	check(dhcp_opt_addr(&r, DHCP_OPT_SERVER_ID, &sid) == 0 &&
	    sid == o->src_ip && sid != 0);
	check(o->subnet != NULL);

	/* RFC 2131 4.1. */
	if (p->giaddr != 0)
		check(o->dest == DHCP_DEST_RELAY && o->dst_ip == p->giaddr);
	else if (o->reply_type == DHCP_NAK)
		check(o->dest == DHCP_DEST_BROADCAST);
	else if (p->ciaddr != 0)
		check(o->dest == DHCP_DEST_UNICAST && o->dst_ip == p->ciaddr);
	else if ((p->flags & DHCP_FLAG_BROADCAST) ||
	    p->htype != DHCP_HTYPE_ETHER || p->hlen != 6)
		check(o->dest == DHCP_DEST_BROADCAST);
	else
		check(o->dest == DHCP_DEST_HWADDR && o->dst_ip == o->yiaddr &&
		    memcmp(o->dst_mac, p->chaddr, 6) == 0);

	if (o->reply_type == DHCP_NAK) {
		check(r.yiaddr == 0 && !dhcp_opt_find(&r, DHCP_OPT_LEASE_TIME));
		check(!(p->giaddr != 0) || (r.flags & DHCP_FLAG_BROADCAST));
		return;
	}
	if (o->yiaddr == 0) {
		/* INFORM: configuration only. */
		check(p->msg_type == DHCP_INFORM);
		check(dhcp_opt_find(&r, DHCP_OPT_LEASE_TIME) == NULL);
		return;
	}
	dhcp_client_from_packet(p, &c);
	check(may_hold(o->subnet, &c, o->yiaddr));
	const struct dhcp_lease *l = dhcp_leases_by_addr(t, o->yiaddr);
	check(l != NULL && l->has_owner && dhcp_client_same(&l->owner, &c));
	check(is_live(l, now));
	uint32_t lt;
	check(dhcp_opt_u32(&r, DHCP_OPT_LEASE_TIME, &lt) == 0);
	if (o->reply_type == DHCP_ACK) {
		check(l->state == DHCP_LEASE_BOUND);
		check(l->ends == now + o->subnet->lease_s);
		check(lt == o->subnet->lease_s);
		check(l->dirty);
	}
}

struct arrival {
	int		 ifindex;
	uint32_t	 local;
};

static const struct arrival arrivals[] = {
	{ 2, SRV },
	{ 7, IP(192, 0, 2, 1) },
	{ 2, 0 },
	{ 7, 0 },
};

/* Clock steps around the configured times. */
static const int64_t steps[] = {
	0, 1, 29, 30, 31, 1800, 3600, 3601, 7200, 86400,
};

/* What the message is handled as, in turn; 0: as it came. */
static const uint8_t as_type[] = {
	0, DHCP_DISCOVER, DHCP_REQUEST, 0, DHCP_REQUEST, DHCP_RELEASE,
	DHCP_DISCOVER, DHCP_DECLINE, DHCP_INFORM, DHCP_DISCOVER, 0,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct dhcp_outcome out;
	struct arena *a, *ra;
	struct dhcp_leases *t;
	struct dhcp_packet p;

	if (cfg == NULL)
		init();
	a = arena_new(16384);
	ra = arena_new(16384);
	t = dhcp_leases_new();
	if (a == NULL || ra == NULL || t == NULL)
		abort();
	if (dhcp_packet_parse(data, len, a, &p) != 0)
		goto out;
	for (size_t i = 0; i < sc.n_subnets; i++)
		sc.subnets[i].cursor = cursors[i];
	preload(t, IP(10, 77, 0, 101), DHCP_LEASE_BOUND, 1, NOW + 600);
	preload(t, IP(10, 77, 0, 110), DHCP_LEASE_RELEASED, 2, NOW - 100);
	preload(t, IP(10, 77, 0, 111), DHCP_LEASE_DECLINED, 0, NOW + 1000);
	preload(t, IP(10, 88, 0, 10), DHCP_LEASE_BOUND, 3, NOW + 5000);
	dhcp_leases_take_dirty(t);

	int64_t now = NOW;
	bool in_use = false;
	for (size_t k = 0; k < sizeof(as_type); k++) {
		struct dhcp_packet q = p;
		if (as_type[k] != 0 && p.has_cookie)
			q.msg_type = as_type[k];
		uint8_t b = data[(k * 7 + 11) % len];
		now += steps[b % (sizeof(steps) / sizeof(steps[0]))];
		const struct arrival *av = &arrivals[(b >> 4) % 4];
		struct dhcp_request rq = { &q, av->ifindex, av->local,
		    q.giaddr != 0 ? q.giaddr : q.ciaddr, now };
		for (int tries = 0; tries < 6; tries++) {
			dhcp_server_handle(&sc, t, &rq, &out);
			if (out.verdict == DHCP_REPLY)
				check_reply(&q, &out, t, now, ra);
			else
				check(out.reason != NULL &&
				    (out.verdict == DHCP_DROP ||
				    out.verdict == DHCP_PROBE));
			if (out.verdict != DHCP_PROBE)
				break;
			/* A probe is of an address held for this client. */
			struct dhcp_client c;
			dhcp_client_from_packet(&q, &c);
			const struct dhcp_lease *l = dhcp_leases_by_addr(t,
			    out.probe_addr);
			check(l != NULL && l->has_owner &&
			    dhcp_client_same(&l->owner, &c) &&
			    l->state == DHCP_LEASE_OFFERED);
			check(out.probe_kind == (out.subnet->ifindex != 0 ?
			    DHCP_PROBE_ARP : DHCP_PROBE_ICMP));
			dhcp_server_probed(&sc, t, out.probe_addr, in_use, now);
			in_use = !in_use;
			check_table(t, now);
		}
		check_table(t, now);
		check(dhcp_leases_walk(t, check_owner, &now) == 0);
		check_dirty(t);
	}
out:
	dhcp_leases_free(&t);
	arena_free(&a);
	arena_free(&ra);
	return 0;
}
