/* dns/auth.c - authoritative answers. One pass down the query name from
 * the zone apex finds, in order: a zone cut (referral), a DNAME above the
 * name (RFC 6672 synthesis), the name itself, or the closest encloser for
 * a wildcard (RFC 4592) or NXDOMAIN. CNAMEs are chased inside the zone.
 * Every record goes through the builder, so a response that outgrows the
 * client's UDP size stops cleanly with TC set (RFC 2181 9). */
#include "dns/auth.h"

#include <string.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/stat.h"

#define CHAIN_MAX	8	/* CNAME/DNAME links followed in one answer */
#define OPT_LEN		11	/* an OPT record without options */

struct answer {
	const struct zonedb	*db;
	const struct dns_msg	*q;
	struct dns_builder	 b;
	bool			 is_tc;		/* stop adding: TC is set */
	bool			 has_aa;
	bool			 left_zones;	/* a CNAME led out of all */
	unsigned		 rcode;
};

static const char *const stat_type_names[DNS_ST_N] = {
	"A", "AAAA", "NS", "CNAME", "SOA", "MX", "TXT", "PTR", "SRV", "CAA",
	"ANY", "AXFR", "other",
};

const char *
dns_stat_type_name(enum dns_stat_type t)
{
	return (unsigned)t < DNS_ST_N ? stat_type_names[t] : "?";
}

void
dns_stats_add(struct dns_stats *sum, const struct dns_stats *s)
{
	/* All fields are uint64_t counters. */
	uint64_t *d = (uint64_t *)sum;
	const uint64_t *p = (const uint64_t *)s;

	for (size_t i = 0; i < sizeof(*s) / sizeof(uint64_t); i++)
		d[i] += STAT_GET(p[i]);
}

static enum dns_stat_type
stat_type(uint16_t t)
{
	switch (t) {
	case DNS_T_A: return DNS_ST_A;
	case DNS_T_AAAA: return DNS_ST_AAAA;
	case DNS_T_NS: return DNS_ST_NS;
	case DNS_T_CNAME: return DNS_ST_CNAME;
	case DNS_T_SOA: return DNS_ST_SOA;
	case DNS_T_MX: return DNS_ST_MX;
	case DNS_T_TXT: return DNS_ST_TXT;
	case DNS_T_PTR: return DNS_ST_PTR;
	case DNS_T_SRV: return DNS_ST_SRV;
	case DNS_T_CAA: return DNS_ST_CAA;
	case DNS_T_ANY: return DNS_ST_ANY;
	case DNS_T_AXFR: return DNS_ST_AXFR;
	default: return DNS_ST_OTHER;
	}
}

/* Adds every record of `s` with owner `owner` to section `sec`. A record
 * that does not fit sets TC, except in the additional section, where it
 * is just left out (RFC 2181 9). */
static void
add_rrset(struct answer *an, enum dns_section sec,
    const struct dns_name *owner, const struct zrrset *s, uint32_t ttl)
{
	struct dns_rr rr;
	uint32_t off = 0;

	if (an->is_tc)
		return;
	rr.name = *owner;
	rr.type = s->type;
	rr.class = DNS_C_IN;
	rr.ttl = ttl;
	while (zrrset_next(s, &off, &rr.rdata, &rr.rdlen) == 0) {
		if (dns_build_rr(&an->b, sec, &rr) == 0)
			continue;
		if (sec != DNS_S_AR) {
			an->is_tc = true;
			dns_build_flags(&an->b, DNS_F_TC, 0);
		}
		return;
	}
}

static void
add_soa(struct answer *an, const struct zone *z)
{
	const struct zrrset *soa = znode_rrset(z->apex_node, DNS_T_SOA);

	/* RFC 2308 3: the SOA's TTL is the negative caching time. */
	add_rrset(an, DNS_S_NS, &z->apex, soa, z->neg_ttl);
}

/* A and AAAA for the names that NS, MX and SRV records point at, when
 * this zone has them (RFC 1035 3.3.2 additional section processing). */
static void
add_targets(struct answer *an, const struct zone *z, const struct zrrset *s)
{
	const uint8_t *rd;
	uint16_t rdlen;
	uint32_t off = 0;
	struct dns_name target;

	if (s->type != DNS_T_NS && s->type != DNS_T_MX &&
	    s->type != DNS_T_SRV)
		return;
	while (zrrset_next(s, &off, &rd, &rdlen) == 0) {
		if (dns_rdata_target(s->type, rd, rdlen, &target) < 0 ||
		    !dns_name_is_sub(&target, &z->apex))
			continue;
		const struct znode *n = zone_find(z, &target);
		if (n == NULL)
			continue;
		const struct zrrset *a = znode_rrset(n, DNS_T_A);
		const struct zrrset *aaaa = znode_rrset(n, DNS_T_AAAA);
		if (a != NULL)
			add_rrset(an, DNS_S_AR, &target, a, a->ttl);
		if (aaaa != NULL)
			add_rrset(an, DNS_S_AR, &target, aaaa, aaaa->ttl);
	}
}

/* A referral to the zone cut at `cut` (RFC 1034 4.3.2 step 3b). */
static void
add_referral(struct answer *an, const struct zone *z, const struct znode *cut)
{
	struct dns_name owner;
	const struct zrrset *ns = znode_rrset(cut, DNS_T_NS);

	/* Not authoritative for what lies below the cut, unless an answer
	 * record (a CNAME leading here) already came from this zone. */
	if (an->b.count[DNS_S_AN] == 0)
		an->has_aa = false;
	znode_name(cut, &owner);
	add_rrset(an, DNS_S_NS, &owner, ns, ns->ttl);
	add_targets(an, z, ns);
}

enum step { STEP_DONE, STEP_CHASE };

/* Answers `qname` from node `n` (exact or wildcard match). Returns
 * STEP_CHASE with *next set when a CNAME leads on. */
static enum step
answer_node(struct answer *an, const struct zone *z, const struct znode *n,
    const struct dns_name *qname, uint16_t qtype, struct dns_name *next)
{
	if (qtype == DNS_T_ANY && n->n_sets > 0) {
		for (unsigned i = 0; i < n->n_sets; i++)
			add_rrset(an, DNS_S_AN, qname, &n->sets[i],
			    n->sets[i].ttl);
		return STEP_DONE;
	}
	const struct zrrset *s = znode_rrset(n, qtype);
	if (s != NULL) {
		add_rrset(an, DNS_S_AN, qname, s, s->ttl);
		add_targets(an, z, s);
		return STEP_DONE;
	}
	const struct zrrset *cname = znode_rrset(n, DNS_T_CNAME);
	if (cname != NULL) {
		const uint8_t *rd;
		uint16_t rdlen;
		uint32_t off = 0;
		add_rrset(an, DNS_S_AN, qname, cname, cname->ttl);
		if (zrrset_next(cname, &off, &rd, &rdlen) == 0 &&
		    dns_rdata_target(DNS_T_CNAME, rd, rdlen, next) == 0)
			return STEP_CHASE;
		return STEP_DONE;
	}
	/* NODATA (RFC 2308 2.2): no records, the SOA in authority. */
	add_soa(an, z);
	return STEP_DONE;
}

/* Synthesises the CNAME for `qname` under the DNAME at `dn` (RFC 6672
 * 3.3). Returns STEP_CHASE with *next, or STEP_DONE on YXDOMAIN. */
static enum step
answer_dname(struct answer *an, const struct znode *dn,
    const struct dns_name *qname, struct dns_name *next)
{
	const struct zrrset *s = znode_rrset(dn, DNS_T_DNAME);
	struct dns_name owner, target;
	const uint8_t *rd;
	uint16_t rdlen;
	uint32_t off = 0;

	znode_name(dn, &owner);
	add_rrset(an, DNS_S_AN, &owner, s, s->ttl);
	if (zrrset_next(s, &off, &rd, &rdlen) < 0 ||
	    dns_rdata_target(DNS_T_DNAME, rd, rdlen, &target) < 0)
		return STEP_DONE;
	/* qname = prefix + owner; the new name is prefix + target. */
	size_t plen = (size_t)(qname->len - owner.len);
	if (dns_name_concat(qname->wire, plen, &target, next) < 0) {
		an->rcode = DNS_R_YXDOMAIN;
		return STEP_DONE;
	}
	struct dns_rr rr = {
		.name = *qname, .type = DNS_T_CNAME, .class = DNS_C_IN,
		.ttl = s->ttl, .rdlen = next->len, .rdata = next->wire,
	};
	if (!an->is_tc && dns_build_rr(&an->b, DNS_S_AN, &rr) < 0) {
		an->is_tc = true;
		dns_build_flags(&an->b, DNS_F_TC, 0);
	}
	return STEP_CHASE;
}

/* One name of the chain, inside zone `z`. */
static enum step
answer_name(struct answer *an, const struct zone *z,
    const struct dns_name *qname, uint16_t qtype, struct dns_name *next)
{
	struct dns_name anc;
	const struct znode *encloser = z->apex_node;

	/* Top-down over the ancestors strictly between apex and qname.
	 * Empty non-terminals are nodes, so a missing ancestor means no
	 * name at or below it exists. */
	unsigned depth = qname->n_labels - z->apex.n_labels;
	bool is_missing = false;
	for (unsigned k = depth; k-- > 1;) {
		dns_name_strip(qname, k, &anc);
		const struct znode *n = zone_find(z, &anc);
		if (n == NULL) {
			is_missing = true;
			break;
		}
		if (n->flags & ZNODE_DELEG) {
			add_referral(an, z, n);
			return STEP_DONE;
		}
		if (znode_rrset(n, DNS_T_DNAME) != NULL)
			return answer_dname(an, n, qname, next);
		encloser = n;
	}
	const struct znode *exact = is_missing ? NULL : zone_find(z, qname);
	if (exact != NULL) {
		/* At a cut only the parent side's DS is ours (RFC 4035
		 * 3.1.4.1); everything else is a referral. */
		if ((exact->flags & ZNODE_DELEG) && qtype != DNS_T_DS) {
			add_referral(an, z, exact);
			return STEP_DONE;
		}
		return answer_node(an, z, exact, qname, qtype, next);
	}
	/* RFC 4592 3.3.1: the wildcard at the closest encloser. */
	if (encloser != NULL) {
		struct dns_name enc, wild;
		static const uint8_t star[2] = { 1, '*' };
		znode_name(encloser, &enc);
		if (dns_name_concat(star, sizeof(star), &enc, &wild) == 0) {
			const struct znode *w = zone_find(z, &wild);
			if (w != NULL)
				return answer_node(an, z, w, qname, qtype,
				    next);
		}
	}
	an->rcode = DNS_R_NXDOMAIN;
	add_soa(an, z);
	return STEP_DONE;
}

static void
answer_query(struct answer *an)
{
	const struct dns_question *qq = &an->q->q;
	struct dns_name names[2];
	const struct dns_name *qname = &qq->name;
	unsigned cur = 0;

	for (unsigned link = 0; link <= CHAIN_MAX && !an->is_tc; link++) {
		const struct zone *z = zonedb_find(an->db, qname);
		if (z == NULL) {
			/* A chain that leaves our zones ends here: the
			 * client's resolver, or ours, follows it. */
			if (link == 0)
				an->rcode = DNS_R_REFUSED;
			an->left_zones = link > 0;
			return;
		}
		if (link == 0)
			an->has_aa = true;
		struct dns_name *next = &names[cur];
		if (answer_name(an, z, qname, qq->type, next) != STEP_CHASE)
			return;
		qname = next;
		cur ^= 1;
	}
}

int
dns_auth_parse_query(const uint8_t *q, size_t qlen, struct arena *a,
    struct dns_msg *out)
{
	return dns_msg_parse(q, qlen, a, out);
}

/* A reply carrying only the header and, when known, the question. */
static size_t
error_reply(const struct dns_hdr *h, const struct dns_question *q,
    const struct dns_edns *e, unsigned rcode, uint16_t udp_max,
    uint8_t *out, size_t cap)
{
	struct dns_builder b;
	struct dns_hdr rh = *h;

	rh.flags = (uint16_t)(DNS_F_QR | (h->flags & (0x7800 | DNS_F_RD)));
	dns_build_init(&b, out, cap, &rh);
	if (q != NULL)
		dns_build_question(&b, q);
	dns_build_rcode(&b, rcode);
	if (e != NULL && e->present) {
		struct dns_edns re = { .present = true, .udp_size = udp_max,
		    .ext_rcode = (uint8_t)(rcode >> 4) };
		dns_build_opt(&b, &re);
	}
	ssize_t n = dns_build_finish(&b);
	return n > 0 ? (size_t)n : 0;
}

size_t
dns_auth_refuse(const struct dns_msg *q, unsigned rcode, uint8_t *out,
    size_t cap)
{
	return error_reply(&q->hdr, q->has_q ? &q->q : NULL, &q->edns, rcode,
	    DNS_UDP_MIN, out, cap);
}

static size_t
count_reply(struct dns_stats *st, unsigned rcode, size_t n)
{
	STAT_INC(st->rcode[rcode < 16 ? rcode : 16]);
	return n;
}

size_t
dns_auth_answer(const struct zonedb *db, const struct dns_auth_opts *o,
    const uint8_t *q, size_t qlen, uint8_t *out, size_t cap,
    struct arena *a, struct dns_stats *st)
{
	struct dns_hdr h;
	struct dns_msg m;
	struct answer an;

	STAT_INC(st->queries);
	if (dns_hdr_parse(q, qlen, &h) < 0 || (h.flags & DNS_F_QR)) {
		STAT_INC(st->dropped);
		return 0;
	}
	if (DNS_OPCODE(h.flags) != DNS_OP_QUERY)
		return count_reply(st, DNS_R_NOTIMP, error_reply(&h, NULL,
		    NULL, DNS_R_NOTIMP, o->udp_max, out, cap));
	if (dns_msg_parse(q, qlen, a, &m) < 0 || !m.has_q ||
	    m.hdr.ancount != 0 || m.hdr.nscount != 0 ||
	    m.q.type == DNS_T_OPT)
		return count_reply(st, DNS_R_FORMERR, error_reply(&h, NULL,
		    NULL, DNS_R_FORMERR, o->udp_max, out, cap));
	STAT_INC(st->qtype[stat_type(m.q.type)]);
	if (m.edns.present) {
		STAT_INC(st->edns);
		/* RFC 6891 6.1.3: we speak version 0 only. */
		if (m.edns.version > 0)
			return count_reply(st, DNS_R_BADVERS, error_reply(
			    &m.hdr, &m.q, &m.edns, DNS_R_BADVERS, o->udp_max,
			    out, cap));
	}
	if (m.q.class != DNS_C_IN || m.q.type == DNS_T_AXFR ||
	    m.q.type == DNS_T_IXFR)
		return count_reply(st, DNS_R_REFUSED, error_reply(&m.hdr,
		    &m.q, &m.edns, DNS_R_REFUSED, o->udp_max, out, cap));
	if (o->recurse != NULL && zonedb_find(db, &m.q.name) == NULL) {
		STAT_INC(st->recursive);
		return o->recurse(o->recurse_arg, &m, q, qlen, 0, out, cap,
		    a);
	}

	/* The size the client can take (RFC 6891 6.2.5), and room for our
	 * OPT kept aside so it always fits. */
	size_t lim = cap;
	if (!o->is_tcp && dns_udp_limit(&m, o->udp_max) < lim)
		lim = dns_udp_limit(&m, o->udp_max);
	memset(&an, 0, sizeof(an));
	an.db = db;
	an.q = &m;
	struct dns_hdr rh = m.hdr;
	rh.flags = (uint16_t)(DNS_F_QR | (m.hdr.flags & (0x7800 | DNS_F_RD |
	    DNS_F_CD)));
	dns_build_init(&an.b, out, lim, &rh);
	dns_build_question(&an.b, &m.q);
	if (m.edns.present)
		an.b.cap -= OPT_LEN;
	answer_query(&an);
	if (an.has_aa)
		dns_build_flags(&an.b, DNS_F_AA, 0);
	dns_build_rcode(&an.b, an.rcode);
	if (m.edns.present) {
		struct dns_edns re = { .present = true,
		    .udp_size = o->udp_max };
		an.b.cap += OPT_LEN;
		dns_build_opt(&an.b, &re);
	}
	if (an.is_tc)
		STAT_INC(st->truncated);
	ssize_t n = dns_build_finish(&an.b);
	if (n <= 0)
		return count_reply(st, DNS_R_SERVFAIL, error_reply(&m.hdr,
		    &m.q, &m.edns, DNS_R_SERVFAIL, o->udp_max, out, cap));
	if (an.left_zones && !an.is_tc && o->recurse != NULL &&
	    (m.hdr.flags & DNS_F_RD)) {
		/* The site's resolver finishes what its zones began. */
		STAT_INC(st->recursive);
		return o->recurse(o->recurse_arg, &m, q, qlen, (size_t)n, out,
		    cap, a);
	}
	return count_reply(st, an.rcode, (size_t)n);
}

/* ---- AXFR ---- */

struct xfr {
	const struct dns_msg	*q;
	struct dns_builder	 b;
	uint8_t			*buf;
	size_t			 cap;
	int			(*emit)(void *, const uint8_t *, size_t);
	void			*arg;
	bool			 is_first;
	int			 err;
};

static void
xfr_start(struct xfr *x)
{
	struct dns_hdr h = x->q->hdr;

	h.flags = (uint16_t)(DNS_F_QR | DNS_F_AA |
	    (x->q->hdr.flags & DNS_F_RD));
	dns_build_init(&x->b, x->buf, x->cap, &h);
	/* RFC 5936 2.2.1: the question in the first message only. */
	if (x->is_first)
		dns_build_question(&x->b, &x->q->q);
	x->is_first = false;
}

static void
xfr_flush(struct xfr *x)
{
	if (x->err != 0 || x->b.count[DNS_S_AN] == 0)
		return;
	ssize_t n = dns_build_finish(&x->b);
	if (n < 0)
		x->err = (int)n;
	else if ((x->err = x->emit(x->arg, x->buf, (size_t)n)) == 0)
		xfr_start(x);
}

static void
xfr_rr(struct xfr *x, const struct dns_rr *rr)
{
	if (x->err != 0)
		return;
	if (dns_build_rr(&x->b, DNS_S_AN, rr) == 0)
		return;
	xfr_flush(x);
	if (x->err == 0 && dns_build_rr(&x->b, DNS_S_AN, rr) < 0)
		x->err = -IK_ETRUNC;
}

static void
xfr_rrset(struct xfr *x, const struct dns_name *owner, const struct zrrset *s)
{
	struct dns_rr rr = { .name = *owner, .type = s->type,
	    .class = DNS_C_IN, .ttl = s->ttl };
	uint32_t off = 0;

	while (zrrset_next(s, &off, &rr.rdata, &rr.rdlen) == 0)
		xfr_rr(x, &rr);
}

int
dns_auth_axfr(const struct zone *z, const struct dns_msg *q, uint8_t *buf,
    size_t cap, int (*emit)(void *arg, const uint8_t *msg, size_t len),
    void *arg)
{
	struct xfr x = { .q = q, .buf = buf, .cap = cap, .emit = emit,
	    .arg = arg, .is_first = true };
	const struct zrrset *soa = znode_rrset(z->apex_node, DNS_T_SOA);
	struct dns_name owner;

	xfr_start(&x);
	xfr_rrset(&x, &z->apex, soa);
	for (uint32_t i = 0; i <= z->mask && x.err == 0; i++) {
		for (const struct znode *n = z->buckets[i]; n != NULL;
		    n = n->hnext) {
			znode_name(n, &owner);
			for (unsigned k = 0; k < n->n_sets; k++) {
				if (n == z->apex_node &&
				    n->sets[k].type == DNS_T_SOA)
					continue;
				xfr_rrset(&x, &owner, &n->sets[k]);
			}
		}
	}
	xfr_rrset(&x, &z->apex, soa);
	xfr_flush(&x);
	return x.err;
}
