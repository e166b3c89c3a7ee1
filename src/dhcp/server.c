/* dhcp/server.c - the server's decisions (RFC 2131 4.3). */
#include <stddef.h>
#include <string.h>

#include "dhcp/options.h"
#include "dhcp/server.h"

const struct dhcp_subnet *
dhcp_subnet_of(const struct dhcp_server_conf *conf, uint32_t addr)
{
	for (size_t i = 0; i < conf->n_subnets; i++) {
		const struct dhcp_subnet *s = &conf->subnets[i];
		if ((addr & s->mask) == s->net)
			return s;
	}
	return NULL;
}

bool
dhcp_in_pool(const struct dhcp_subnet *s, uint32_t addr)
{
	for (size_t i = 0; i < s->n_pools; i++)
		if (addr >= s->pools[i].lo && addr <= s->pools[i].hi)
			return true;
	return false;
}

static bool
in_subnet(uint32_t addr, const void *arg)
{
	const struct dhcp_subnet *s = arg;

	return (addr & s->mask) == s->net;
}

static bool
host_matches(const struct dhcp_host *h, const struct dhcp_client *c)
{
	if (h->cid_len > 0 && h->cid_len == c->cid_len &&
	    memcmp(h->cid, c->cid, c->cid_len) == 0)
		return true;
	return h->has_mac && c->htype == DHCP_HTYPE_ETHER && c->hlen == 6 &&
	    memcmp(h->mac, c->chaddr, 6) == 0;
}

/* The client's reservation on subnet s, or NULL. */
static const struct dhcp_host *
host_for(const struct dhcp_server_conf *conf, const struct dhcp_subnet *s,
    const struct dhcp_client *c)
{
	for (size_t i = 0; i < conf->n_hosts; i++)
		if (in_subnet(conf->hosts[i].addr, s) &&
		    host_matches(&conf->hosts[i], c))
			return &conf->hosts[i];
	return NULL;
}

/* Whether addr is reserved for a client other than c. */
static bool
reserved_for_other(const struct dhcp_server_conf *conf, uint32_t addr,
    const struct dhcp_client *c)
{
	for (size_t i = 0; i < conf->n_hosts; i++)
		if (conf->hosts[i].addr == addr &&
		    !host_matches(&conf->hosts[i], c))
			return true;
	return false;
}

/* Whether c may be given addr on s now: ours to give (in a pool or
 * reserved for c), not reserved for another, and free or c's own. */
static bool
may_have(const struct dhcp_server_conf *conf, struct dhcp_leases *leases,
    const struct dhcp_subnet *s, const struct dhcp_client *c, uint32_t addr,
    int64_t now)
{
	const struct dhcp_host *h = host_for(conf, s, c);

	if (!in_subnet(addr, s) || addr == s->net || addr == (s->net |
	    ~s->mask) || addr == s->if_addr)
		return false;
	if (!(h != NULL && h->addr == addr) && !dhcp_in_pool(s, addr))
		return false;
	if (reserved_for_other(conf, addr, c))
		return false;
	return dhcp_lease_available(dhcp_leases_by_addr(leases, addr), c,
	    now);
}

static uint64_t
pool_size(const struct dhcp_subnet *s)
{
	uint64_t n = 0;

	for (size_t i = 0; i < s->n_pools; i++)
		n += (uint64_t)s->pools[i].hi - s->pools[i].lo + 1;
	return n;
}

/* The pool address after a, wrapping from the last to the first. */
static uint32_t
pool_next(const struct dhcp_subnet *s, uint32_t a)
{
	uint32_t above = 0, lowest = s->pools[0].lo;
	bool found = false;

	for (size_t i = 0; i < s->n_pools; i++) {
		if (a >= s->pools[i].lo && a < s->pools[i].hi)
			return a + 1;
		if (s->pools[i].lo > a && (!found || s->pools[i].lo < above)) {
			above = s->pools[i].lo;
			found = true;
		}
		if (s->pools[i].lo < lowest)
			lowest = s->pools[i].lo;
	}
	return found ? above : lowest;
}

/* Picks an address for c on s (RFC 2131 4.3.1): its reservation, its
 * current or last address, the one it asked for, a never-used one, else
 * the one free the longest. 0 when the pool is exhausted. */
static uint32_t
choose_addr(struct dhcp_server_conf *conf, struct dhcp_leases *leases,
    struct dhcp_subnet *s, const struct dhcp_client *c, uint32_t requested,
    int64_t now)
{
	const struct dhcp_host *h = host_for(conf, s, c);
	const struct dhcp_lease *l;

	if (h != NULL && may_have(conf, leases, s, c, h->addr, now))
		return h->addr;
	l = dhcp_leases_by_client(leases, c, in_subnet, s);
	if (l != NULL && may_have(conf, leases, s, c, l->addr, now))
		return l->addr;
	if (requested != 0 && may_have(conf, leases, s, c, requested, now))
		return requested;
	if (s->n_pools == 0)
		return 0;

	uint64_t n = pool_size(s);
	uint32_t a = dhcp_in_pool(s, s->cursor) ? s->cursor : s->pools[0].lo;
	for (uint64_t i = 0; i < n; i++, a = pool_next(s, a)) {
		if (dhcp_leases_by_addr(leases, a) == NULL &&
		    a != s->if_addr && !reserved_for_other(conf, a, c)) {
			s->cursor = pool_next(s, a);
			return a;
		}
	}
	/* Every address has a record: take the one free the longest. */
	uint32_t best = 0;
	int64_t best_ends = 0;
	a = s->pools[0].lo;
	for (uint64_t i = 0; i < n; i++, a = pool_next(s, a)) {
		l = dhcp_leases_by_addr(leases, a);
		if (!dhcp_lease_available(l, c, now) || a == s->if_addr ||
		    reserved_for_other(conf, a, c))
			continue;
		if (best == 0 || l->ends < best_ends) {
			best = a;
			best_ends = l->ends;
		}
	}
	return best;
}

/* Our address as this subnet's clients see it (option 54). */
static uint32_t
server_id(const struct dhcp_subnet *s, const struct dhcp_request *rq)
{
	if (s->ifindex != 0 && s->if_addr != 0)
		return s->if_addr;
	return rq->local_addr;
}

/* The subnet a message belongs to: the relay's link (option 82
 * sub-option 5, option 118, else giaddr), else the arrival interface's
 * subnet, else the client's address. */
static struct dhcp_subnet *
select_subnet(struct dhcp_server_conf *conf, const struct dhcp_request *rq)
{
	const struct dhcp_packet *p = rq->pkt;
	const struct dhcp_opt *o;
	const struct dhcp_subnet *s;
	struct dhcp_relay_info ri;
	uint32_t sel;

	if (p->giaddr != 0) {
		sel = p->giaddr;
		o = dhcp_opt_find(p, DHCP_OPT_RELAY_INFO);
		if (o != NULL && dhcp_relay_parse(o->data, o->len, &ri) == 0 &&
		    ri.has_link)
			sel = ri.link;
		else
			(void)dhcp_opt_addr(p, DHCP_OPT_SUBNET_SELECT, &sel);
		return (struct dhcp_subnet *)dhcp_subnet_of(conf, sel);
	}
	/* A client of a relayed subnet renews by unicast straight to us,
	 * arriving on whichever interface routes it here. */
	if (p->ciaddr != 0 && (s = dhcp_subnet_of(conf, p->ciaddr)) != NULL &&
	    s->ifindex == 0)
		return (struct dhcp_subnet *)s;
	for (size_t i = 0; i < conf->n_subnets; i++)
		if (conf->subnets[i].ifindex != 0 &&
		    conf->subnets[i].ifindex == rq->ifindex)
			return &conf->subnets[i];
	if (p->ciaddr != 0)
		return (struct dhcp_subnet *)dhcp_subnet_of(conf, p->ciaddr);
	return NULL;
}

/* Keeps what a hostname may hold (RFC 1123 letters, digits, '-', '.'). */
static void
set_hostname(char *dst, const char *src, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len && n < DHCP_HOSTNAME_MAX; i++) {
		char ch = src[i];
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' ||
		    ch == '_')
			dst[n++] = ch;
	}
	/* A lone "-" is how the journal writes "no name". */
	if (n == 1 && dst[0] == '-')
		n = 0;
	dst[n] = '\0';
}

static void
drop(struct dhcp_outcome *out, const char *reason)
{
	out->verdict = DHCP_DROP;
	out->reason = reason;
}

static bool
prl_has(const uint8_t *prl, size_t len, uint8_t code)
{
	return prl != NULL && memchr(prl, code, len) != NULL;
}

/* T1 = 0.5 and T2 = 0.875 of the lease, exactly as a client computes. */
static bool
is_default_t1(const struct dhcp_subnet *s)
{
	return (uint64_t)s->t1_s * 2 == s->lease_s;
}

static bool
is_default_t2(const struct dhcp_subnet *s)
{
	return (uint64_t)s->t2_s * 8 == (uint64_t)s->lease_s * 7;
}

/* Fills the reply fields and options into out->buf. */
static void
build_reply(const struct dhcp_server_conf *conf, const struct dhcp_request *rq,
    const struct dhcp_subnet *s, uint8_t type, uint32_t yiaddr,
    const char *hostname, const char *message, struct dhcp_outcome *out)
{
	const struct dhcp_packet *p = rq->pkt;
	struct dhcp_packet fixed = { 0 };
	struct dhcp_builder b;
	struct dhcp_opt extra[2];
	size_t n_extra = 0;
	const uint8_t *prl = NULL;
	size_t prl_len = 0;
	(void)conf;

	fixed.op = DHCP_OP_REPLY;
	fixed.htype = p->htype;
	fixed.hlen = p->hlen;
	fixed.xid = p->xid;
	fixed.flags = p->flags;
	fixed.giaddr = p->giaddr;
	memcpy(fixed.chaddr, p->chaddr, sizeof(fixed.chaddr));
	if (type == DHCP_ACK)
		fixed.ciaddr = p->ciaddr;
	fixed.yiaddr = type == DHCP_NAK ? 0 : yiaddr;
	if (type == DHCP_NAK && p->giaddr != 0)
		fixed.flags |= DHCP_FLAG_BROADCAST;	/* RFC 2131 4.3.2 */

	dhcp_build_init(&b, out->buf, dhcp_reply_cap(p, sizeof(out->buf)),
	    &fixed);
	dhcp_build_u8(&b, DHCP_OPT_MSG_TYPE, type);
	dhcp_build_addr(&b, DHCP_OPT_SERVER_ID, out->src_ip);
	if (type == DHCP_NAK) {
		if (message != NULL)
			dhcp_build_str(&b, DHCP_OPT_MESSAGE, message);
	} else {
		(void)dhcp_opt_bytes(p, DHCP_OPT_PARAM_REQ, &prl, &prl_len);
		if (yiaddr != 0) {
			dhcp_build_u32(&b, DHCP_OPT_LEASE_TIME, s->lease_s);
			/* T1 and T2 are a MAY (RFC 2131 table 3): sent when
			 * asked for or when they are not the defaults a
			 * client computes without them (4.4.5). */
			if (!is_default_t1(s) || prl_has(prl, prl_len,
			    DHCP_OPT_T1))
				dhcp_build_u32(&b, DHCP_OPT_T1, s->t1_s);
			if (!is_default_t2(s) || prl_has(prl, prl_len,
			    DHCP_OPT_T2))
				dhcp_build_u32(&b, DHCP_OPT_T2, s->t2_s);
		}
		if (hostname != NULL && hostname[0] != '\0')
			extra[n_extra++] = (struct dhcp_opt){
			    DHCP_OPT_HOSTNAME, strlen(hostname),
			    (const uint8_t *)hostname };
		dhcp_build_opts(&b, s->opts, s->n_opts, prl, prl_len);
		if (n_extra > 0)
			dhcp_build_opts(&b, extra, n_extra, prl, prl_len);
	}
	/* Relay agent information goes back as it came (RFC 3046 2.2). */
	const struct dhcp_opt *rai = dhcp_opt_find(p, DHCP_OPT_RELAY_INFO);
	if (rai != NULL && p->giaddr != 0)
		dhcp_build_opt(&b, DHCP_OPT_RELAY_INFO, rai->data, rai->len);
	ssize_t len = dhcp_build_finish(&b);
	if (len < 0) {
		drop(out, "reply does not fit");
		return;
	}
	out->len = (size_t)len;
	out->verdict = DHCP_REPLY;
	out->reply_type = type;
	out->yiaddr = fixed.yiaddr;

	/* RFC 2131 4.1: relay, else NAK broadcast, else ciaddr, else the
	 * broadcast flag, else the client's hardware address. */
	out->ifindex = rq->ifindex;
	if (p->giaddr != 0) {
		out->dest = DHCP_DEST_RELAY;
		out->dst_ip = p->giaddr;
	} else if (type == DHCP_NAK) {
		out->dest = DHCP_DEST_BROADCAST;
	} else if (p->ciaddr != 0) {
		out->dest = DHCP_DEST_UNICAST;
		out->dst_ip = p->ciaddr;
	} else if ((p->flags & DHCP_FLAG_BROADCAST) != 0 ||
	    p->htype != DHCP_HTYPE_ETHER || p->hlen != 6) {
		out->dest = DHCP_DEST_BROADCAST;
	} else {
		out->dest = DHCP_DEST_HWADDR;
		out->dst_ip = yiaddr;
		memcpy(out->dst_mac, p->chaddr, 6);
	}
}

static void
nak(const struct dhcp_server_conf *conf, const struct dhcp_request *rq,
    const struct dhcp_subnet *s, const char *why, struct dhcp_outcome *out)
{
	if (!conf->authoritative) {
		drop(out, why);
		return;
	}
	build_reply(conf, rq, s, DHCP_NAK, 0, NULL, why, out);
	if (out->verdict == DHCP_REPLY)
		out->reason = why;
}

static const char *
hostname_of(const struct dhcp_server_conf *conf, const struct dhcp_subnet *s,
    const struct dhcp_client *c, const struct dhcp_lease *l)
{
	const struct dhcp_host *h = host_for(conf, s, c);

	if (h != NULL && h->addr == l->addr)
		return h->hostname;
	return NULL;
}

static void
on_discover(struct dhcp_server_conf *conf, struct dhcp_leases *leases,
    struct dhcp_subnet *s, const struct dhcp_request *rq,
    const struct dhcp_client *c, struct dhcp_outcome *out)
{
	uint32_t requested = 0, addr;
	struct dhcp_lease *l;

	(void)dhcp_opt_addr(rq->pkt, DHCP_OPT_REQUESTED_IP, &requested);
	addr = choose_addr(conf, leases, s, c, requested, rq->now);
	if (addr == 0) {
		drop(out, "pool exhausted");
		return;
	}
	if ((l = dhcp_leases_get(leases, addr)) == NULL) {
		drop(out, "out of memory");
		return;
	}
	bool own_bound = l->has_owner && dhcp_client_same(&l->owner, c) &&
	    dhcp_lease_state_at(l, rq->now) == DHCP_LEASE_BOUND;
	if (!own_bound) {
		/* Hold it for this client while it decides. */
		if (!l->has_owner || !dhcp_client_same(&l->owner, c))
			l->hostname[0] = '\0';	/* the last owner's */
		dhcp_lease_set_owner(leases, l, c);
		l->state = DHCP_LEASE_OFFERED;
		l->start = rq->now;
		l->ends = rq->now + conf->offer_hold_s;
	}
	if (conf->probe != DHCP_PROBE_NONE && !own_bound &&
	    (l->probed_at == 0 ||
	    rq->now - l->probed_at >= (int64_t)conf->probe_fresh_s)) {
		out->verdict = DHCP_PROBE;
		out->reason = "probing";
		out->probe_addr = addr;
		out->probe_kind = conf->probe == DHCP_PROBE_ARP &&
		    s->ifindex != 0 ? DHCP_PROBE_ARP : DHCP_PROBE_ICMP;
		out->ifindex = s->ifindex;
		return;
	}
	build_reply(conf, rq, s, DHCP_OFFER, addr, hostname_of(conf, s, c, l),
	    NULL, out);
}

struct other_than {
	const struct dhcp_subnet	*s;
	uint32_t			 addr;
};

static bool
in_subnet_other(uint32_t addr, const void *arg)
{
	const struct other_than *o = arg;

	return addr != o->addr && in_subnet(addr, o->s);
}

/* Binds addr to c and builds the ACK. */
static void
ack(struct dhcp_server_conf *conf, struct dhcp_leases *leases,
    struct dhcp_subnet *s, const struct dhcp_request *rq,
    const struct dhcp_client *c, uint32_t addr, struct dhcp_outcome *out)
{
	struct dhcp_lease *l = dhcp_leases_get(leases, addr), *old;
	struct other_than ot = { s, addr };
	const char *name;
	size_t len;

	if (l == NULL) {
		drop(out, "out of memory");
		return;
	}
	/* One address per client and subnet: one it held (INIT-REBOOT or
	 * SELECTING another address) goes back to the pool. */
	while ((old = dhcp_leases_by_client(leases, c, in_subnet_other,
	    &ot)) != NULL && (old->state == DHCP_LEASE_BOUND ||
	    old->state == DHCP_LEASE_OFFERED) && old->ends > rq->now) {
		if (old->state == DHCP_LEASE_BOUND)
			dhcp_lease_touch(leases, old);
		old->state = DHCP_LEASE_EXPIRED;
		old->ends = rq->now;
	}
	if (!l->has_owner || !dhcp_client_same(&l->owner, c)) {
		dhcp_lease_set_owner(leases, l, c);
		l->hostname[0] = '\0';		/* the last owner's */
	}
	l->state = DHCP_LEASE_BOUND;
	l->start = rq->now;
	l->ends = rq->now + s->lease_s;
	const char *reserved = hostname_of(conf, s, c, l);
	if (reserved != NULL)
		set_hostname(l->hostname, reserved, strlen(reserved));
	else if (dhcp_opt_text(rq->pkt, DHCP_OPT_HOSTNAME, &name, &len) == 0)
		set_hostname(l->hostname, name, len);
	dhcp_lease_touch(leases, l);
	build_reply(conf, rq, s, DHCP_ACK, addr, reserved, NULL, out);
}

static void
on_request(struct dhcp_server_conf *conf, struct dhcp_leases *leases,
    struct dhcp_subnet *s, const struct dhcp_request *rq,
    const struct dhcp_client *c, struct dhcp_outcome *out)
{
	const struct dhcp_packet *p = rq->pkt;
	uint32_t sid = 0, requested = 0, addr;
	bool has_sid = dhcp_opt_addr(p, DHCP_OPT_SERVER_ID, &sid) == 0;
	bool has_req = dhcp_opt_addr(p, DHCP_OPT_REQUESTED_IP,
	    &requested) == 0;

	if (has_sid) {
		/* SELECTING (RFC 2131 4.3.2): answers one OFFER. */
		if (sid != server_id(s, rq)) {
			struct dhcp_lease *l = dhcp_leases_by_client(leases, c,
			    in_subnet, s);
			if (l != NULL && l->state == DHCP_LEASE_OFFERED) {
				l->state = DHCP_LEASE_EXPIRED;
				l->ends = rq->now;
			}
			drop(out, "client chose another server");
			return;
		}
		if (!has_req) {
			nak(conf, rq, s, "requested address missing", out);
			return;
		}
		addr = requested;
	} else if (has_req && p->ciaddr == 0) {
		/* INIT-REBOOT: the client checks its remembered address. */
		if (!in_subnet(requested, s)) {
			nak(conf, rq, s, "wrong network", out);
			return;
		}
		addr = requested;
	} else if (p->ciaddr != 0) {
		/* RENEWING (unicast) or REBINDING (broadcast). Option 50
		 * must not be here (RFC 2131 4.3.2), but ISC and dnsmasq
		 * take such renewals by ciaddr, and so do we. */
		if (!in_subnet(p->ciaddr, s)) {
			nak(conf, rq, s, "wrong network", out);
			return;
		}
		addr = p->ciaddr;
	} else {
		drop(out, "REQUEST names no address");
		return;
	}
	if (!may_have(conf, leases, s, c, addr, rq->now)) {
		nak(conf, rq, s, "address not available", out);
		return;
	}
	ack(conf, leases, s, rq, c, addr, out);
}

static void
on_decline(struct dhcp_server_conf *conf, struct dhcp_leases *leases,
    struct dhcp_subnet *s, const struct dhcp_request *rq,
    const struct dhcp_client *c, struct dhcp_outcome *out)
{
	uint32_t addr = 0, sid = 0;
	struct dhcp_lease *l;

	if (dhcp_opt_addr(rq->pkt, DHCP_OPT_SERVER_ID, &sid) == 0 &&
	    sid != server_id(s, rq)) {
		drop(out, "DECLINE for another server");
		return;
	}
	if (dhcp_opt_addr(rq->pkt, DHCP_OPT_REQUESTED_IP, &addr) < 0 ||
	    (l = dhcp_leases_by_addr(leases, addr)) == NULL ||
	    !l->has_owner || !dhcp_client_same(&l->owner, c)) {
		drop(out, "DECLINE of an address the client does not hold");
		return;
	}
	dhcp_lease_set_owner(leases, l, NULL);
	l->state = DHCP_LEASE_DECLINED;
	l->start = rq->now;
	l->ends = rq->now + conf->decline_hold_s;
	l->hostname[0] = '\0';
	dhcp_lease_touch(leases, l);
	out->yiaddr = addr;
	drop(out, "declined: address quarantined");
}

static void
on_release(struct dhcp_server_conf *conf, struct dhcp_leases *leases,
    struct dhcp_subnet *s, const struct dhcp_request *rq,
    const struct dhcp_client *c, struct dhcp_outcome *out)
{
	uint32_t sid = 0;
	struct dhcp_lease *l = dhcp_leases_by_addr(leases, rq->pkt->ciaddr);

	if (dhcp_opt_addr(rq->pkt, DHCP_OPT_SERVER_ID, &sid) == 0 &&
	    sid != server_id(s, rq)) {
		drop(out, "RELEASE for another server");
		return;
	}
	(void)conf;
	if (l == NULL || !l->has_owner || !dhcp_client_same(&l->owner, c) ||
	    dhcp_lease_state_at(l, rq->now) != DHCP_LEASE_BOUND) {
		drop(out, "RELEASE of an address the client does not hold");
		return;
	}
	l->state = DHCP_LEASE_RELEASED;
	l->ends = rq->now;
	dhcp_lease_touch(leases, l);
	out->yiaddr = l->addr;
	drop(out, "released");
}

void
dhcp_server_handle(struct dhcp_server_conf *conf, struct dhcp_leases *leases,
    const struct dhcp_request *rq, struct dhcp_outcome *out)
{
	const struct dhcp_packet *p = rq->pkt;
	struct dhcp_client c;
	struct dhcp_subnet *s;

	memset(out, 0, offsetof(struct dhcp_outcome, buf));
	if (p->op != DHCP_OP_REQUEST) {
		drop(out, "not a BOOTREQUEST");
		return;
	}
	if (!p->has_cookie || p->msg_type == DHCP_BOOTP) {
		drop(out, "BOOTP is not served");
		return;
	}
	/* An empty option 61 identifies nobody either. */
	dhcp_client_from_packet(p, &c);
	if (c.hlen == 0 && c.cid_len == 0) {
		drop(out, "no client identity");
		return;
	}
	if ((s = select_subnet(conf, rq)) == NULL) {
		drop(out, "no subnet for this network");
		return;
	}
	out->subnet = s;
	if ((out->src_ip = server_id(s, rq)) == 0) {
		drop(out, "no server address on this network");
		return;
	}
	switch (p->msg_type) {
	case DHCP_DISCOVER:
		on_discover(conf, leases, s, rq, &c, out);
		break;
	case DHCP_REQUEST:
		on_request(conf, leases, s, rq, &c, out);
		break;
	case DHCP_DECLINE:
		on_decline(conf, leases, s, rq, &c, out);
		break;
	case DHCP_RELEASE:
		on_release(conf, leases, s, rq, &c, out);
		break;
	case DHCP_INFORM:
		/* Configuration only: no address, no lease (RFC 2131
		 * 4.3.5); the answer goes to ciaddr. */
		if (p->ciaddr == 0 && p->giaddr == 0) {
			drop(out, "INFORM without ciaddr");
			return;
		}
		build_reply(conf, rq, s, DHCP_ACK, 0, NULL, NULL, out);
		break;
	default:
		drop(out, "not a client message");
		break;
	}
}

void
dhcp_server_probed(struct dhcp_server_conf *conf, struct dhcp_leases *leases,
    uint32_t addr, bool in_use, int64_t now)
{
	struct dhcp_lease *l = dhcp_leases_get(leases, addr);

	if (l == NULL)
		return;
	if (!in_use) {
		l->probed_at = now;
		return;
	}
	/* Someone answers for it: keep it out of the pool for a while. */
	dhcp_lease_set_owner(leases, l, NULL);
	l->state = DHCP_LEASE_DECLINED;
	l->start = now;
	l->ends = now + conf->decline_hold_s;
	l->probed_at = 0;
	l->hostname[0] = '\0';
	dhcp_lease_touch(leases, l);
}
