/* dns/resolver.c - iterative resolution as a state machine. Each call
 * takes the query's state, an event (start, response, timeout, child
 * done) and the time, and fills the next action; no sockets, no clocks.
 * The walk: closest cut from the cache or the hints; ask one of its
 * servers (minimised name first, RFC 9156); follow referrals down; on an
 * answer, follow CNAMEs (restarting from the closest cut when the target
 * lies elsewhere); cache what passes the bailiwick checks. */
#include "dns/resolver.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/err.h"
#include "dns/zone.h"

#define TIMEOUT_UNKNOWN_MS	700
#define TIMEOUT_MIN_MS		200
#define TIMEOUT_MAX_MS		2000
#define OUR_EDNS_SIZE		1232

/* ---- root hints ---- */

struct hints_ctx {
	struct rslv_hints	*h;
	struct dns_name		 ns[RSLV_SERVERS_MAX];
	unsigned		 n_ns;
	uint16_t		 port;
};

static int
hints_add(void *arg, const struct dns_rr *rr)
{
	struct hints_ctx *hc = arg;
	struct rslv_hints *h = hc->h;

	if (rr->type == DNS_T_NS && dns_name_is_root(&rr->name) &&
	    hc->n_ns < RSLV_SERVERS_MAX) {
		if (dns_rdata_target(DNS_T_NS, rr->rdata, rr->rdlen,
		    &hc->ns[hc->n_ns]) == 0)
			hc->n_ns++;
		return 0;
	}
	if (h->n < RSLV_SERVERS_MAX && dns_rdata_addr(rr->type, rr->rdata,
	    rr->rdlen, hc->port, &h->addr[h->n]) == 0)
		h->name[h->n++] = rr->name;
	return 0;
}

int
rslv_hints_load(const char *path, uint16_t port, struct rslv_hints *out,
    struct cfg_errs *errs)
{
	struct hints_ctx hc = { .h = out, .port = port };
	struct dns_name root;

	memset(out, 0, sizeof(*out));
	dns_name_root(&root);
	struct zone_parse p = { .origin = &root, .add = hints_add,
	    .arg = &hc, .errs = errs, .max_errors = 10 };
	int err = dns_zone_parse_file(path, &p);
	if (err < 0)
		return err;
	/* Keep only addresses of the root's NS names. */
	unsigned k = 0;
	for (unsigned i = 0; i < out->n; i++) {
		for (unsigned j = 0; j < hc.n_ns; j++) {
			if (dns_name_equal(&out->name[i], &hc.ns[j])) {
				out->addr[k] = out->addr[i];
				out->name[k++] = out->name[i];
				break;
			}
		}
	}
	out->n = k;
	if (k == 0) {
		cfg_errf(errs, path, 0, "no address for any root NS");
		return -IK_ECONFIG;
	}
	return 0;
}

/* ---- infrastructure cache: RTT per server ---- */

#define INFRA_SLOTS	1024

struct infra_slot {
	struct net_addr	 addr;
	unsigned	 srtt;
	bool		 used;
};

struct rslv_infra {
	struct infra_slot	 slot[INFRA_SLOTS];
};

struct rslv_infra *
rslv_infra_new(void)
{
	return calloc(1, sizeof(struct rslv_infra));
}

void
rslv_infra_free(struct rslv_infra **ip)
{
	free(*ip);
	*ip = NULL;
}

static struct infra_slot *
infra_slot(struct rslv_infra *in, const struct net_addr *a)
{
	uint32_t h = 2166136261u;
	const uint8_t *p = (const uint8_t *)&a->ss;

	for (socklen_t i = 0; i < a->len; i++)
		h = (h ^ p[i]) * 16777619u;
	/* One slot per hash: a collision forgets the older server. */
	return &in->slot[h % INFRA_SLOTS];
}

static bool
same_addr(const struct net_addr *a, const struct net_addr *b)
{
	return net_addr_same_ip(a, b) && net_addr_port(a) == net_addr_port(b);
}

unsigned
rslv_infra_rtt(struct rslv_infra *in, const struct net_addr *a)
{
	struct infra_slot *s = infra_slot(in, a);

	return s->used && same_addr(&s->addr, a) ? s->srtt : 0;
}

void
rslv_infra_update(struct rslv_infra *in, const struct net_addr *a,
    unsigned rtt_ms, bool is_timeout)
{
	struct infra_slot *s = infra_slot(in, a);

	if (!s->used || !same_addr(&s->addr, a)) {
		s->addr = *a;
		s->used = true;
		s->srtt = 0;
	}
	if (is_timeout) {
		/* A silent server sinks to the back of the choice. */
		unsigned t = s->srtt ? s->srtt * 2 : TIMEOUT_MAX_MS;
		s->srtt = t > 120000 ? 120000 : t;
		return;
	}
	if (rtt_ms == 0)
		rtt_ms = 1;
	s->srtt = s->srtt ? (s->srtt * 7 + rtt_ms) / 8 : rtt_ms;
}

/* ---- helpers ---- */

static void __attribute__((format(printf, 2, 3)))
tracef(struct rslv_query *q, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (q->trace == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	q->trace(q->trace_arg, "%s", buf);
}

static const char *
name_text(const struct dns_name *n, char *buf, size_t cap)
{
	if (dns_name_to_text(n, buf, cap) < 0)
		snprintf(buf, cap, "?");
	return buf;
}

static void
fail(struct rslv_query *q, const char *why, struct rslv_action *act)
{
	q->rcode = DNS_R_SERVFAIL;
	q->why = why;
	q->has_answer = false;
	act->step = RSLV_DONE;
	tracef(q, "fail: %s", why);
}

static void
finish(struct rslv_query *q, struct rslv_action *act)
{
	(void)q;
	act->step = RSLV_DONE;
}

static void
add_server(struct rslv_query *q, const struct net_addr *a)
{
	for (unsigned i = 0; i < q->n_srv; i++)
		if (same_addr(&q->srv[i], a))
			return;
	if (q->n_srv < RSLV_SERVERS_MAX) {
		q->tried[q->n_srv] = false;
		q->srv[q->n_srv++] = *a;
	}
}

/* Adds the cached addresses of NS name `ns`; false if none. */
static bool
add_ns_addrs(struct rslv_query *q, const struct dns_name *ns, uint64_t now)
{
	static const uint16_t types[2] = { DNS_T_A, DNS_T_AAAA };
	struct cache_rrset rs;
	struct net_addr a;
	bool any = false;

	for (unsigned t = 0; t < 2; t++) {
		if (cache_get_rrset(q->env->cache, ns, types[t], now / 1000,
		    q->a, &rs) < 0)
			continue;
		for (unsigned i = 0; i < rs.n; i++) {
			if (dns_rdata_addr(types[t], rs.rdata[i],
			    rs.rdlen[i], q->env->port, &a) == 0) {
				add_server(q, &a);
				any = true;
			}
		}
	}
	return any;
}

/* Sets the cut to `name` with the servers of its cached NS rrset.
 * Returns false if nothing there can be asked. */
static bool
cut_from_cache(struct rslv_query *q, const struct dns_name *name,
    uint64_t now)
{
	struct cache_rrset ns;
	struct dns_name target;

	if (cache_get_rrset(q->env->cache, name, DNS_T_NS, now / 1000, q->a,
	    &ns) < 0)
		return false;
	q->n_srv = 0;
	q->n_need = q->next_need = 0;
	for (unsigned i = 0; i < ns.n; i++) {
		if (dns_rdata_target(DNS_T_NS, ns.rdata[i], ns.rdlen[i],
		    &target) < 0)
			continue;
		if (add_ns_addrs(q, &target, now))
			continue;
		/* A name inside the cut needs glue we do not have: asking
		 * the cut itself for it would go round in circles. */
		if (!dns_name_is_sub(&target, name) &&
		    q->n_need < RSLV_SERVERS_MAX)
			q->need[q->n_need++] = target;
	}
	if (q->n_srv == 0 && q->n_need == 0)
		return false;
	q->cut = *name;
	return true;
}

static void
cut_from_hints(struct rslv_query *q)
{
	dns_name_root(&q->cut);
	q->n_srv = 0;
	q->n_need = q->next_need = 0;
	if (q->env->n_forward > 0) {
		for (unsigned i = 0; i < q->env->n_forward; i++)
			add_server(q, &q->env->forward[i]);
		return;
	}
	for (unsigned i = 0; i < q->env->hints->n; i++)
		add_server(q, &q->env->hints->addr[i]);
}

/* The closest enclosing cut of the target known to the cache. */
static void
find_cut(struct rslv_query *q, uint64_t now)
{
	struct dns_name anc;
	char t[DNS_NAME_TEXT_MAX];

	q->is_forwarding = q->env->n_forward > 0;
	if (!q->is_forwarding) {
		/* DS lives in the parent (RFC 4035 3.1.4.1). */
		unsigned k = q->qtype == DNS_T_DS ? 1 : 0;
		for (; k <= q->target.n_labels; k++) {
			dns_name_strip(&q->target, k, &anc);
			if (dns_name_is_root(&anc))
				break;
			if (cut_from_cache(q, &anc, now))
				goto found;
		}
	}
	cut_from_hints(q);
found:
	q->is_minimising = q->env->qname_minimise && !q->is_forwarding;
	q->min_labels = q->cut.n_labels + 1;
	tracef(q, "cut %s servers=%u", name_text(&q->cut, t, sizeof(t)),
	    q->n_srv);
}

/* ---- building a query ---- */

static void
ask_name(struct rslv_query *q, struct dns_name *out, uint16_t *type)
{
	unsigned want = q->target.n_labels;

	if (q->is_minimising && q->min_labels < want &&
	    q->min_labels - q->cut.n_labels <= RSLV_MINIMISE_MAX)
		want = q->min_labels;
	dns_name_strip(&q->target, q->target.n_labels - want, out);
	/* RFC 9156 2.3: minimised queries ask for A; the real type last. */
	*type = want == q->target.n_labels ? q->qtype : DNS_T_A;
}

static void
randomise_case(struct rslv_query *q, struct dns_name *n)
{
	uint32_t bits = 0;
	unsigned left = 0;

	for (unsigned i = 0; i < n->len; i++) {
		uint8_t c = n->wire[i] | 0x20;
		if (c < 'a' || c > 'z')
			continue;
		if (left == 0) {
			bits = q->env->random32(q->env->random_arg);
			left = 32;
		}
		n->wire[i] = (bits & 1) ? (uint8_t)(c - 32) : c;
		bits >>= 1;
		left--;
	}
}

static int
choose_server(struct rslv_query *q)
{
	int best = -1;
	unsigned best_rtt = 0;

	for (unsigned i = 0; i < q->n_srv; i++) {
		if (q->tried[i])
			continue;
		/* Unmeasured servers first (rtt 0), then the fastest. */
		unsigned rtt = rslv_infra_rtt(q->env->infra, &q->srv[i]);
		if (best < 0 || rtt < best_rtt) {
			best = (int)i;
			best_rtt = rtt;
		}
	}
	return best;
}

static void
send_to(struct rslv_query *q, int idx, uint64_t now, struct rslv_action *act)
{
	struct dns_builder b;
	struct dns_question qq;
	char t[DNS_NAME_TEXT_MAX], srv[NET_ADDRSTRLEN], ty[16];

	ask_name(q, &qq.name, &qq.type);
	qq.class = DNS_C_IN;
	if (q->env->use_0x20)
		randomise_case(q, &qq.name);
	q->id = (uint16_t)q->env->random32(q->env->random_arg);
	q->asked = qq.name;
	q->asked_type = qq.type;
	q->asked_srv = (unsigned)idx;
	q->asked_tcp = false;
	q->sent_at = now;
	q->tried[idx] = true;
	(*q->n_sent)++;

	struct dns_hdr h = { .id = q->id,
	    .flags = q->is_forwarding ? DNS_F_RD : 0 };
	struct dns_edns e = { .present = true, .udp_size = OUR_EDNS_SIZE };
	dns_build_init(&b, act->query, sizeof(act->query), &h);
	dns_build_question(&b, &qq);
	dns_build_opt(&b, &e);
	ssize_t n = dns_build_finish(&b);
	if (n < 0) {
		fail(q, "cannot build a query", act);
		return;
	}
	act->query_len = (size_t)n;
	memcpy(q->sent, act->query, (size_t)n);
	q->sent_len = (size_t)n;
	act->step = RSLV_SEND;
	act->server = q->srv[idx];
	act->over_tcp = false;
	unsigned rtt = rslv_infra_rtt(q->env->infra, &q->srv[idx]);
	uint64_t to = rtt == 0 ? TIMEOUT_UNKNOWN_MS : 3ull * rtt + 100;
	if (to < TIMEOUT_MIN_MS)
		to = TIMEOUT_MIN_MS;
	if (to > TIMEOUT_MAX_MS)
		to = TIMEOUT_MAX_MS;
	if (now + to > q->deadline)
		to = q->deadline > now ? q->deadline - now : 1;
	act->timeout_ms = to;
	tracef(q, "ask %s %s %s", net_addr_format(&q->srv[idx], true, srv,
	    sizeof(srv)), name_text(&qq.name, t, sizeof(t)),
	    dns_type_name(qq.type, ty, sizeof(ty)));
}

/* Sends the next query, or starts a child lookup, or gives up. */
static void
next_action(struct rslv_query *q, uint64_t now, struct rslv_action *act)
{
	if (now >= q->deadline) {
		fail(q, "out of time", act);
		return;
	}
	if (*q->n_sent >= RSLV_SENT_MAX) {
		fail(q, "too many upstream queries", act);
		return;
	}
	int idx = choose_server(q);
	if (idx >= 0) {
		send_to(q, idx, now, act);
		return;
	}
	if (q->next_need < q->n_need && q->depth < RSLV_DEPTH_MAX) {
		/* A child lookup counts as a query sent: glue-less NS names
		 * pointing at more glue-less names must not fan out. */
		(*q->n_sent)++;
		act->step = RSLV_CHILD;
		act->child_name = q->need[q->next_need++];
		act->child_type = DNS_T_A;
		return;
	}
	fail(q, "no server of the zone answered", act);
}

/* ---- reading responses ---- */

/* Gathers the records of `sec` at (name, type) into an rrset in q's
 * arena. Returns false if there are none. */
static bool
gather(struct rslv_query *q, const struct dns_msg *m, enum dns_section sec,
    const struct dns_name *name, uint16_t type, struct rslv_rrset *out)
{
	unsigned n = 0;

	for (unsigned i = 0; i < m->n_rr[sec]; i++)
		n += m->rr[sec][i].type == type &&
		    dns_name_equal(&m->rr[sec][i].name, name);
	if (n == 0)
		return false;
	out->rdata = arena_alloc(q->a, n * sizeof(*out->rdata));
	out->rdlen = arena_alloc(q->a, n * sizeof(*out->rdlen));
	if (out->rdata == NULL || out->rdlen == NULL)
		return false;
	out->name = *name;
	out->type = type;
	out->n = 0;
	out->ttl = UINT32_MAX;
	for (unsigned i = 0; i < m->n_rr[sec]; i++) {
		const struct dns_rr *rr = &m->rr[sec][i];
		if (rr->type != type || !dns_name_equal(&rr->name, name))
			continue;
		out->rdata[out->n] = rr->rdata;
		out->rdlen[out->n++] = rr->rdlen;
		if (rr->ttl < out->ttl)
			out->ttl = rr->ttl;
	}
	/* RFC 2181 8: a TTL with the top bit set counts as zero. */
	if (out->ttl > 0x7fffffffu)
		out->ttl = 0;
	return true;
}

static void
put(struct rslv_query *q, const struct rslv_rrset *s, enum cache_trust t,
    uint64_t now)
{
	(void)cache_put_rrset(q->env->cache, &s->name, s->type, s->ttl,
	    s->rdata, s->rdlen, s->n, t, now / 1000);
}

/* The SOA of a negative answer, if it is in the server's zone and above
 * the name asked (RFC 2308 5); cached with the negative entry. */
static bool
negative(struct rslv_query *q, const struct dns_msg *m,
    const struct dns_name *name, enum cache_neg kind, uint64_t now)
{
	for (unsigned i = 0; i < m->n_rr[DNS_S_NS]; i++) {
		const struct dns_rr *rr = &m->rr[DNS_S_NS][i];
		if (rr->type != DNS_T_SOA || !dns_name_is_sub(&rr->name,
		    &q->cut) || !dns_name_is_sub(name, &rr->name))
			continue;
		if (!gather(q, m, DNS_S_NS, &rr->name, DNS_T_SOA, &q->soa))
			return false;
		q->has_soa = true;
		/* RFC 2308 5: the negative TTL is min(SOA TTL, minimum). */
		uint32_t ttl = q->soa.ttl;
		if (rr->rdlen >= 4) {
			const uint8_t *p = rr->rdata + rr->rdlen - 4;
			uint32_t min = (uint32_t)p[0] << 24 |
			    (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
			if (min < ttl)
				ttl = min;
		}
		q->soa.ttl = ttl;
		(void)cache_put_neg(q->env->cache, name, q->asked_type,
		    kind, &rr->name, rr->rdata, rr->rdlen, ttl, now / 1000);
		return true;
	}
	return false;
}

/* Moves the walk to `target` (a CNAME target elsewhere). */
static void
restart(struct rslv_query *q, const struct dns_name *target, uint64_t now)
{
	q->target = *target;
	find_cut(q, now);
}

enum chain_res { CHAIN_MISS, CHAIN_ANSWER, CHAIN_NXDOMAIN, CHAIN_NODATA };

static struct rslv_rrset
from_cached(const struct cache_rrset *rs, uint16_t type)
{
	return (struct rslv_rrset){ rs->name, type, rs->ttl, rs->n, rs->rdata,
	    rs->rdlen };
}

/* The cache's answer for (*name, qtype), following cached CNAMEs: the
 * chain (CNAMEs, then the answer) is appended at chain[*n], or *soa gets
 * the SOA of a negative answer. Referral NS sets and glue are for finding
 * servers, never answers (RFC 2181 5.4.1). On CHAIN_MISS *name is where
 * the cache ran out. Shared by the workers' hit path and the resolver.
 * With `stale`, expired data still in the stale window counts too, and
 * negative answers do not (RFC 8767: after resolution failed). */
static enum chain_res
cache_chain(struct cache *c, struct dns_name *name, uint16_t qtype,
    uint64_t now_s, bool stale, struct arena *a, struct rslv_rrset *chain,
    unsigned *n, struct rslv_rrset *soa, bool *prefetch)
{
	int (*get)(struct cache *, const struct dns_name *, uint16_t,
	    uint64_t, struct arena *, struct cache_rrset *) = stale ?
	    cache_get_stale : cache_get_rrset;
	struct cache_rrset rs;

	for (;;) {
		if (get(c, name, qtype, now_s, a, &rs) == 0 &&
		    rs.trust >= CACHE_ANSWER) {
			chain[(*n)++] = from_cached(&rs, rs.type);
			*prefetch |= rs.prefetch;
			return CHAIN_ANSWER;
		}
		int neg = stale ? 0 : cache_get_neg(c, name, qtype, now_s, a,
		    &rs);
		if (neg != 0) {
			*soa = from_cached(&rs, DNS_T_SOA);
			return neg == CACHE_NXDOMAIN ? CHAIN_NXDOMAIN :
			    CHAIN_NODATA;
		}
		if (qtype == DNS_T_CNAME || *n >= RSLV_CHAIN_MAX ||
		    get(c, name, DNS_T_CNAME, now_s, a, &rs) < 0 ||
		    rs.n == 0 || rs.trust < CACHE_ANSWER)
			return CHAIN_MISS;
		struct dns_name next;
		if (dns_rdata_target(DNS_T_CNAME, rs.rdata[0], rs.rdlen[0],
		    &next) < 0)
			return CHAIN_MISS;
		chain[(*n)++] = from_cached(&rs, DNS_T_CNAME);
		*prefetch |= rs.prefetch;
		*name = next;
	}
}

/* Tries to finish (or advance along cached CNAMEs) from the cache alone.
 * Returns true when the query is finished. */
static bool
from_cache(struct rslv_query *q, uint64_t now)
{
	bool prefetch = false;	/* the resolver's own reads refresh nothing */

	if (q->refresh)
		return false;
	switch (cache_chain(q->env->cache, &q->target, q->qtype, now / 1000,
	    false, q->a, q->chain, &q->n_chain, &q->soa, &prefetch)) {
	case CHAIN_ANSWER:
		q->has_answer = true;
		q->rcode = DNS_R_NOERROR;
		return true;
	case CHAIN_NXDOMAIN:
		q->has_soa = true;
		q->rcode = DNS_R_NXDOMAIN;
		return true;
	case CHAIN_NODATA:
		q->has_soa = true;
		q->rcode = DNS_R_NOERROR;
		return true;
	case CHAIN_MISS:
		break;
	}
	return false;
}

/* ANY (RFC 8482 allows a subset): every RRset at the name, each cached
 * under its own type; never answered from the cache. */
static void
on_answer_any(struct rslv_query *q, const struct dns_msg *m,
    enum cache_trust t, uint64_t now, struct rslv_action *act)
{
	for (unsigned i = 0; i < m->n_rr[DNS_S_AN] &&
	    q->n_chain <= RSLV_CHAIN_MAX; i++) {
		const struct dns_rr *rr = &m->rr[DNS_S_AN][i];
		bool seen = false;
		for (unsigned k = 0; k < q->n_chain; k++)
			seen |= q->chain[k].type == rr->type;
		if (seen || !dns_name_equal(&rr->name, &q->target) ||
		    (!q->is_forwarding && !dns_name_is_sub(&rr->name,
		    &q->cut)))
			continue;
		struct rslv_rrset rs;
		if (!gather(q, m, DNS_S_AN, &rr->name, rr->type, &rs))
			continue;
		put(q, &rs, t, now);
		q->chain[q->n_chain++] = rs;
	}
	q->has_answer = q->n_chain > 0;
	q->rcode = DNS_R_NOERROR;
	finish(q, act);
}

/* The answer section answers the target: follow it. */
static void
on_answer(struct rslv_query *q, const struct dns_msg *m, uint64_t now,
    struct rslv_action *act)
{
	enum cache_trust t = (m->hdr.flags & DNS_F_AA) ? CACHE_AUTH_ANSWER :
	    CACHE_ANSWER;
	struct rslv_rrset rs;
	struct dns_name name = q->target;

	if (q->qtype == DNS_T_ANY) {
		on_answer_any(q, m, t, now, act);
		return;
	}
	for (;;) {
		/* Bailiwick: only what the server's zone holds is taken. */
		if (!q->is_forwarding && !dns_name_is_sub(&name, &q->cut))
			break;
		if (gather(q, m, DNS_S_AN, &name, q->qtype, &rs)) {
			put(q, &rs, t, now);
			q->chain[q->n_chain++] = rs;
			q->has_answer = true;
			q->rcode = DNS_R_NOERROR;
			finish(q, act);
			return;
		}
		if (q->qtype == DNS_T_CNAME ||
		    !gather(q, m, DNS_S_AN, &name, DNS_T_CNAME, &rs))
			break;
		put(q, &rs, t, now);
		if (q->n_chain >= RSLV_CHAIN_MAX) {
			fail(q, "CNAME chain too long", act);
			return;
		}
		q->chain[q->n_chain++] = rs;
		if (dns_rdata_target(DNS_T_CNAME, rs.rdata[0], rs.rdlen[0],
		    &name) < 0) {
			fail(q, "bad CNAME", act);
			return;
		}
	}
	if (dns_name_equal(&name, &q->target)) {
		/* Nothing usable at the target: a lame answer. */
		next_action(q, now, act);
		return;
	}
	/* The chain leads on: the target may be cached, else walk again. */
	q->target = name;
	if (from_cache(q, now)) {
		finish(q, act);
		return;
	}
	restart(q, &name, now);
	next_action(q, now, act);
}

/* Sets the cut to `child` with servers from the referral itself: its
 * glue (names inside the referring zone only), else cached addresses,
 * else NS names to look up. Works for TTL 0 records too (RFC 1035
 * 3.2.1: usable for this transaction, never cached). */
static bool
cut_from_referral(struct rslv_query *q, const struct dns_msg *m,
    const struct rslv_rrset *ns, const struct dns_name *child, uint64_t now)
{
	struct dns_name target;
	struct net_addr a;
	const struct dns_name parent = q->cut;

	q->n_srv = 0;
	q->n_need = q->next_need = 0;
	for (unsigned k = 0; k < ns->n; k++) {
		if (dns_rdata_target(DNS_T_NS, ns->rdata[k], ns->rdlen[k],
		    &target) < 0)
			continue;
		bool got = false;
		for (unsigned i = 0; i < m->n_rr[DNS_S_AR] &&
		    dns_name_is_sub(&target, &parent); i++) {
			const struct dns_rr *rr = &m->rr[DNS_S_AR][i];
			if (dns_name_equal(&rr->name, &target) &&
			    dns_rdata_addr(rr->type, rr->rdata, rr->rdlen,
			    q->env->port, &a) == 0) {
				add_server(q, &a);
				got = true;
			}
		}
		if (!got)
			got = add_ns_addrs(q, &target, now);
		if (!got && !dns_name_is_sub(&target, child) &&
		    q->n_need < RSLV_SERVERS_MAX)
			q->need[q->n_need++] = target;
	}
	if (q->n_srv == 0 && q->n_need == 0)
		return false;
	q->cut = *child;
	return true;
}

/* A referral to a cut below the current one. Returns false if the
 * authority section holds none (or only an upward or sideways one). */
static bool
on_referral(struct rslv_query *q, const struct dns_msg *m, uint64_t now)
{
	struct rslv_rrset ns, glue;
	struct dns_name target;
	char t[DNS_NAME_TEXT_MAX];

	for (unsigned i = 0; i < m->n_rr[DNS_S_NS]; i++) {
		const struct dns_rr *rr = &m->rr[DNS_S_NS][i];
		/* The child must be below the server's zone and above (or
		 * at) the name asked. */
		if (rr->type != DNS_T_NS || rr->name.n_labels <=
		    q->cut.n_labels || !dns_name_is_sub(&rr->name, &q->cut) ||
		    !dns_name_is_sub(&q->asked, &rr->name))
			continue;
		if (!gather(q, m, DNS_S_NS, &rr->name, DNS_T_NS, &ns))
			return false;
		put(q, &ns, CACHE_AUTHORITY, now);
		/* Glue only for names inside the server's zone. */
		for (unsigned k = 0; k < ns.n; k++) {
			if (dns_rdata_target(DNS_T_NS, ns.rdata[k],
			    ns.rdlen[k], &target) < 0 ||
			    !dns_name_is_sub(&target, &q->cut))
				continue;
			if (gather(q, m, DNS_S_AR, &target, DNS_T_A, &glue))
				put(q, &glue, CACHE_GLUE, now);
			if (gather(q, m, DNS_S_AR, &target, DNS_T_AAAA,
			    &glue))
				put(q, &glue, CACHE_GLUE, now);
		}
		struct dns_name child = ns.name;
		if (!cut_from_referral(q, m, &ns, &child, now))
			return false;
		q->is_minimising = q->env->qname_minimise &&
		    !q->is_forwarding;
		q->min_labels = q->cut.n_labels + 1;
		tracef(q, "referral to %s servers=%u",
		    name_text(&child, t, sizeof(t)), q->n_srv);
		return true;
	}
	return false;
}

/* The server that answered is of no use for this zone: try another. */
static void
lame(struct rslv_query *q, const char *why, uint64_t now,
    struct rslv_action *act)
{
	char srv[NET_ADDRSTRLEN];

	tracef(q, "lame %s: %s", net_addr_format(&q->srv[q->asked_srv],
	    true, srv, sizeof(srv)), why);
	/* Not useful now: let it sink in the choice like a silent one. */
	rslv_infra_update(q->env->infra, &q->srv[q->asked_srv], 0, true);
	next_action(q, now, act);
}

/* A step of QNAME minimisation is done: ask one label more. */
static void
minimise_on(struct rslv_query *q, uint64_t now, struct rslv_action *act)
{
	q->min_labels++;
	for (unsigned i = 0; i < q->n_srv; i++)
		q->tried[i] = false;
	next_action(q, now, act);
}

void
rslv_init(struct rslv_query *q, const struct rslv_env *env,
    struct arena *a, const struct dns_name *qname, uint16_t qtype,
    unsigned depth, unsigned *n_sent, uint64_t now)
{
	void (*trace)(void *, const char *, ...) = q->trace;
	void *trace_arg = q->trace_arg;

	memset(q, 0, sizeof(*q));
	q->trace = trace;
	q->trace_arg = trace_arg;
	q->env = env;
	q->a = a;
	q->qname = *qname;
	q->target = *qname;
	q->qtype = qtype;
	q->depth = depth;
	q->n_sent = n_sent != NULL ? n_sent : &q->own_sent;
	q->deadline = now + env->timeout_ms;
}

void
rslv_start(struct rslv_query *q, uint64_t now, struct rslv_action *act)
{
	if (from_cache(q, now)) {
		finish(q, act);
		return;
	}
	find_cut(q, now);
	next_action(q, now, act);
}

void
rslv_on_timeout(struct rslv_query *q, uint64_t now, struct rslv_action *act)
{
	char srv[NET_ADDRSTRLEN];

	rslv_infra_update(q->env->infra, &q->srv[q->asked_srv], 0, true);
	tracef(q, "timeout %s", net_addr_format(&q->srv[q->asked_srv], true,
	    srv, sizeof(srv)));
	next_action(q, now, act);
}

void
rslv_child_done(struct rslv_query *q, uint64_t now, struct rslv_action *act)
{
	/* The child cached what it found; pick up new addresses. */
	for (unsigned i = 0; i < q->n_need; i++)
		(void)add_ns_addrs(q, &q->need[i], now);
	next_action(q, now, act);
}

/* Adds the in-bailiwick CNAMEs of the answer section that lead on from
 * *name, and leaves *name at the chain's end. False when too long. */
static bool
follow_chain(struct rslv_query *q, const struct dns_msg *m,
    struct dns_name *name, uint64_t now)
{
	enum cache_trust t = (m->hdr.flags & DNS_F_AA) ? CACHE_AUTH_ANSWER :
	    CACHE_ANSWER;
	struct rslv_rrset rs;

	while ((q->is_forwarding || dns_name_is_sub(name, &q->cut)) &&
	    gather(q, m, DNS_S_AN, name, DNS_T_CNAME, &rs)) {
		if (q->n_chain >= RSLV_CHAIN_MAX)
			return false;
		put(q, &rs, t, now);
		q->chain[q->n_chain++] = rs;
		if (dns_rdata_target(DNS_T_CNAME, rs.rdata[0], rs.rdlen[0],
		    name) < 0)
			return false;
	}
	return true;
}

void
rslv_on_response(struct rslv_query *q, const uint8_t *buf, size_t len,
    uint64_t now, struct rslv_action *act)
{
	struct dns_msg m;

	/* Only the answer to the question asked, with our ID, counts; a
	 * forged or stray one is ignored and the wait goes on. With 0x20
	 * the name must come back in exactly our case. */
	if (dns_msg_parse(buf, len, q->a, &m) < 0 || !m.has_q ||
	    !(m.hdr.flags & DNS_F_QR) || m.hdr.id != q->id ||
	    m.q.type != q->asked_type || m.q.class != DNS_C_IN ||
	    m.q.name.len != q->asked.len ||
	    (q->env->use_0x20 ? memcmp(m.q.name.wire, q->asked.wire,
	    q->asked.len) != 0 : !dns_name_equal(&m.q.name, &q->asked))) {
		act->step = RSLV_WAIT;
		return;
	}
	rslv_infra_update(q->env->infra, &q->srv[q->asked_srv],
	    (unsigned)(now - q->sent_at), false);
	if ((m.hdr.flags & DNS_F_TC) && !q->asked_tcp) {
		/* RFC 7766 5: truncated: the same question over TCP. */
		q->asked_tcp = true;
		act->step = RSLV_SEND;
		act->over_tcp = true;
		act->server = q->srv[q->asked_srv];
		memcpy(act->query, q->sent, q->sent_len);
		act->query_len = q->sent_len;
		if (act->timeout_ms > q->deadline - now)
			act->timeout_ms = q->deadline > now ?
			    q->deadline - now : 1;
		tracef(q, "truncated: retry over tcp");
		return;
	}
	unsigned rcode = DNS_RCODE(m.hdr.flags);
	bool is_final = dns_name_equal(&q->asked, &q->target) &&
	    q->asked_type == q->qtype;
	if (rcode == DNS_R_NXDOMAIN) {
		/* RFC 6604: a CNAME chain in the answer comes first; the
		 * NXDOMAIN is about where it ends. RFC 8020: nothing exists
		 * below a name that does not. */
		struct dns_name end = q->asked;
		if (is_final && !follow_chain(q, &m, &end, now)) {
			fail(q, "CNAME chain too long", act);
			return;
		}
		if (!negative(q, &m, &end, CACHE_NXDOMAIN, now) &&
		    !q->is_forwarding) {
			lame(q, "NXDOMAIN without a SOA of its zone", now,
			    act);
			return;
		}
		q->rcode = DNS_R_NXDOMAIN;
		finish(q, act);
		return;
	}
	if (rcode != DNS_R_NOERROR) {
		lame(q, "error rcode", now, act);
		return;
	}
	bool has_answer = false;
	for (unsigned i = 0; i < m.n_rr[DNS_S_AN]; i++)
		has_answer |= dns_name_equal(&m.rr[DNS_S_AN][i].name,
		    &q->asked);
	if (has_answer) {
		if (!is_final) {
			/* The minimised name exists here: no cut at it. */
			minimise_on(q, now, act);
			return;
		}
		on_answer(q, &m, now, act);
		return;
	}
	if (!q->is_forwarding && on_referral(q, &m, now)) {
		next_action(q, now, act);
		return;
	}
	if ((m.hdr.flags & DNS_F_AA) || q->is_forwarding) {
		if (!is_final) {
			/* NODATA for a minimised name (an empty
			 * non-terminal, or a name with other types). */
			minimise_on(q, now, act);
			return;
		}
		(void)negative(q, &m, &q->asked, CACHE_NODATA, now);
		q->rcode = DNS_R_NOERROR;
		finish(q, act);
		return;
	}
	lame(q, "neither answer nor referral", now, act);
}

/* ---- replies ---- */

static int
add_set(struct dns_builder *b, enum dns_section sec,
    const struct rslv_rrset *s, const struct dns_name *owner)
{
	struct dns_rr rr = { .name = *owner, .type = s->type,
	    .class = DNS_C_IN, .ttl = s->ttl };

	for (unsigned i = 0; i < s->n; i++) {
		rr.rdata = s->rdata[i];
		rr.rdlen = s->rdlen[i];
		if (dns_build_rr(b, sec, &rr) < 0)
			return -IK_ETRUNC;
	}
	return 0;
}

static size_t
build_reply(const struct dns_msg *req, unsigned rcode,
    const struct rslv_rrset *chain, unsigned n_chain,
    const struct rslv_rrset *soa, size_t udp_max, uint16_t our_udp,
    uint8_t *out, size_t cap)
{
	struct dns_builder b;
	struct dns_hdr h = req->hdr;
	size_t lim = cap;

	if (udp_max > 0 && udp_max < lim)
		lim = udp_max;
	h.flags = (uint16_t)(DNS_F_QR | DNS_F_RA |
	    (req->hdr.flags & (0x7800 | DNS_F_RD | DNS_F_CD)));
	dns_build_init(&b, out, lim, &h);
	dns_build_question(&b, &req->q);
	if (req->edns.present)
		b.cap -= 11;
	bool is_tc = false;
	for (unsigned i = 0; i < n_chain && !is_tc; i++) {
		/* The first owner in the question's case (RFC 4343). */
		const struct dns_name *owner = i == 0 &&
		    dns_name_equal(&chain[i].name, &req->q.name) ?
		    &req->q.name : &chain[i].name;
		is_tc = add_set(&b, DNS_S_AN, &chain[i], owner) < 0;
	}
	if (!is_tc && soa != NULL)
		is_tc = add_set(&b, DNS_S_NS, soa, &soa->name) < 0;
	if (is_tc)
		dns_build_flags(&b, DNS_F_TC, 0);
	dns_build_rcode(&b, rcode);
	if (req->edns.present) {
		struct dns_edns e = { .present = true, .udp_size = our_udp };
		b.cap += 11;
		dns_build_opt(&b, &e);
	}
	ssize_t n = dns_build_finish(&b);
	return n > 0 ? (size_t)n : 0;
}

size_t
rslv_reply(const struct rslv_query *q, const struct dns_msg *req,
    size_t udp_max, uint16_t our_udp, uint8_t *out, size_t cap)
{
	unsigned n = q->rcode == DNS_R_SERVFAIL ? 0 : q->n_chain;

	return build_reply(req, q->rcode, q->chain, n,
	    q->has_soa && q->rcode != DNS_R_SERVFAIL ? &q->soa : NULL,
	    udp_max, our_udp, out, cap);
}

int
rslv_prefix_parse(const uint8_t *msg, size_t len, struct arena *a,
    struct rslv_prefix *p)
{
	struct dns_msg m;

	p->n = 0;
	if (dns_msg_parse(msg, len, a, &m) < 0 || !m.has_q)
		return -1;
	p->target = m.q.name;
	bool is_cname = false;
	for (unsigned i = 0; i < m.n_rr[DNS_S_AN]; i++) {
		const struct dns_rr *rr = &m.rr[DNS_S_AN][i];
		struct rslv_rrset *s = p->n > 0 ? &p->sets[p->n - 1] : NULL;
		if (s == NULL || s->type != rr->type ||
		    !dns_name_equal(&s->name, &rr->name)) {
			if (p->n == RSLV_CHAIN_MAX)
				return -1;
			s = &p->sets[p->n++];
			*s = (struct rslv_rrset){ .name = rr->name,
			    .type = rr->type, .ttl = rr->ttl };
			s->rdata = arena_alloc(a, m.n_rr[DNS_S_AN] *
			    sizeof(*s->rdata));
			s->rdlen = arena_alloc(a, m.n_rr[DNS_S_AN] *
			    sizeof(*s->rdlen));
			if (s->rdata == NULL || s->rdlen == NULL)
				return -1;
		}
		s->rdata[s->n] = rr->rdata;
		s->rdlen[s->n++] = rr->rdlen;
		if (rr->ttl < s->ttl)
			s->ttl = rr->ttl;
		/* Follow the chain from the question: its end is the
		 * target (a DNAME's synthesised CNAME comes after it). */
		is_cname = rr->type == DNS_T_CNAME &&
		    dns_name_equal(&rr->name, &p->target);
		if (is_cname && dns_rdata_target(DNS_T_CNAME, rr->rdata,
		    rr->rdlen, &p->target) < 0)
			return -1;
	}
	return is_cname ? 0 : -1;
}

void
rslv_seed(struct rslv_query *q, const struct rslv_prefix *p)
{
	memcpy(q->chain, p->sets, p->n * sizeof(*q->chain));
	q->n_chain = p->n;
	q->target = p->target;
}

static int
answer_from_cache(struct cache *c, const struct dns_msg *req,
    const struct rslv_prefix *p, bool stale, size_t udp_max,
    uint16_t our_udp, uint64_t now_s, struct arena *a, uint8_t *out,
    size_t cap, size_t *len, bool *prefetch)
{
	struct rslv_rrset chain[RSLV_CHAIN_MAX + 1], soa;
	struct dns_name name = p != NULL ? p->target : req->q.name;
	unsigned n = 0;

	if (p != NULL) {
		memcpy(chain, p->sets, p->n * sizeof(*chain));
		n = p->n;
	}

	switch (cache_chain(c, &name, req->q.type, now_s, stale, a, chain, &n,
	    &soa, prefetch)) {
	case CHAIN_ANSWER:
		*len = build_reply(req, DNS_R_NOERROR, chain, n, NULL, udp_max,
		    our_udp, out, cap);
		break;
	case CHAIN_NXDOMAIN:
		*len = build_reply(req, DNS_R_NXDOMAIN, chain, n, &soa,
		    udp_max, our_udp, out, cap);
		break;
	case CHAIN_NODATA:
		*len = build_reply(req, DNS_R_NOERROR, chain, n, &soa, udp_max,
		    our_udp, out, cap);
		break;
	case CHAIN_MISS:
		return 0;
	}
	return *len > 0;
}

int
rslv_answer_cached(struct cache *c, const struct dns_msg *req,
    const struct rslv_prefix *p, size_t udp_max, uint16_t our_udp,
    uint64_t now_s, struct arena *a, uint8_t *out, size_t cap,
    size_t *len, bool *prefetch)
{
	bool ignored = false;

	return answer_from_cache(c, req, p, false, udp_max, our_udp, now_s,
	    a, out, cap, len, prefetch != NULL ? prefetch : &ignored);
}

int
rslv_answer_stale(struct cache *c, const struct dns_msg *req,
    const struct rslv_prefix *p, size_t udp_max, uint16_t our_udp,
    uint64_t now_s, struct arena *a, uint8_t *out, size_t cap,
    size_t *len)
{
	bool ignored = false;

	return answer_from_cache(c, req, p, true, udp_max, our_udp, now_s,
	    a, out, cap, len, &ignored);
}
