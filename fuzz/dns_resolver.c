/* fuzz/dns_resolver.c - the iterative resolver fed hostile upstream
 * responses. The input is two setup bytes, then responses, each a 16-bit
 * big-endian length and that many bytes. Each RSLV_SEND (children's too,
 * TCP retries too) takes the next response; an empty one, or none left,
 * is a timeout. A response of 12 bytes or more gets the query's ID and
 * question put in place of its own (unless setup says not to), so the
 * machine gets past its checks and deep into referrals, CNAMEs and
 * negative answers. The run must end within a bounded number of steps,
 * within RSLV_SENT_MAX queries, and its rslv_reply (and a cache answer)
 * must parse. Seeds in fuzz/corpus/dns_resolver/.
 *
 * Setup byte 0: bit 0 QNAME minimisation, bit 1 0x20, bit 2 forwarding,
 * bit 3 no ID/question rewrite, bits 4-6 the name asked (fz_names).
 * Setup byte 1: bits 0-2 the type asked (fz_types). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/net.h"
#include "dns/cache.h"
#include "dns/name.h"
#include "dns/resolver.h"
#include "dns/rr.h"
#include "dns/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

#define FZ_STEPS_MAX	200000	/* more means a loop */
#define FZ_RTT_MS	10
#define FZ_T0		5000000ull

static const char *const fz_names[8] = {
	"www.example.test.", "example.test.", "a.b.c.example.test.",
	"test.", ".", "www.other.test.", "x.ent.example.test.",
	"a.b.c.d.e.f.g.h.i.j.k.l.m.n.example.test.",
};

static const uint16_t fz_types[8] = {
	DNS_T_A, DNS_T_AAAA, DNS_T_NS, DNS_T_CNAME, DNS_T_MX, DNS_T_TXT,
	DNS_T_DS, DNS_T_ANY,
};

struct fz {
	const uint8_t	*p, *end;	/* responses not yet used */
	uint32_t	 rnd;
	uint64_t	 now;
	bool		 no_rewrite;
	unsigned	 n_udp;
	uint8_t		 buf[DNS_MSG_MAX];
};

static uint32_t
fz_random(void *arg)
{
	struct fz *z = arg;

	z->rnd ^= z->rnd << 13;
	z->rnd ^= z->rnd >> 17;
	z->rnd ^= z->rnd << 5;
	return z->rnd;
}

/* Length of the uncompressed name at m[off..len), or 0. */
static size_t
fz_name_len(const uint8_t *m, size_t len, size_t off)
{
	size_t start = off;

	while (off < len) {
		uint8_t c = m[off];
		if (c == 0)
			return off + 1 - start;
		if ((c & 0xc0) == 0xc0)
			return off + 2 <= len ? off + 2 - start : 0;
		if (c & 0xc0)
			return 0;
		off += 1u + c;
	}
	return 0;
}

/* The next response into z->buf, rewritten to answer `query`. Returns
 * its length; 0 for a timeout. */
static size_t
fz_next(struct fz *z, const uint8_t *query, size_t qlen)
{
	if (z->end - z->p < 2)
		return 0;
	size_t n = (size_t)z->p[0] << 8 | z->p[1];
	z->p += 2;
	if (n > (size_t)(z->end - z->p))
		n = (size_t)(z->end - z->p);
	const uint8_t *r = z->p;
	z->p += n;
	if (n < DNS_HDR_LEN || z->no_rewrite || qlen < DNS_HDR_LEN) {
		memcpy(z->buf, r, n);
		return n;
	}
	/* Header with our ID, then our question, then the records after
	 * the response's own question (if any). */
	size_t qn = fz_name_len(query, qlen, DNS_HDR_LEN);
	if (qn == 0 || DNS_HDR_LEN + qn + 4 > qlen)
		abort();		/* our own query is malformed */
	size_t q_bytes = qn + 4;
	size_t body = DNS_HDR_LEN;
	if ((r[4] | r[5]) != 0) {
		size_t rn = fz_name_len(r, n, DNS_HDR_LEN);
		body = rn == 0 ? n : DNS_HDR_LEN + rn + 4;
		if (body > n)
			body = n;
	}
	size_t out = 0;
	memcpy(z->buf, r, DNS_HDR_LEN);
	z->buf[0] = query[0];
	z->buf[1] = query[1];
	z->buf[4] = 0;
	z->buf[5] = 1;
	out = DNS_HDR_LEN;
	memcpy(z->buf + out, query + DNS_HDR_LEN, q_bytes);
	out += q_bytes;
	size_t rest = n - body;
	if (rest > sizeof(z->buf) - out)
		rest = sizeof(z->buf) - out;
	memcpy(z->buf + out, r + body, rest);
	return out + rest;
}

/* One RSLV_SEND: a response or a timeout. */
static void
fz_send(struct fz *z, struct rslv_query *q, struct rslv_action *act)
{
	if (act->query_len < DNS_HDR_LEN || act->query_len >
	    sizeof(act->query) || act->timeout_ms == 0)
		abort();
	if (!act->over_tcp) {
		/* RSLV_SENT_MAX bounds the UDP queries; every wait ends by
		 * the deadline. */
		if (++z->n_udp > RSLV_SENT_MAX ||
		    z->now + act->timeout_ms > q->deadline)
			abort();
	}
	for (;;) {
		size_t n = fz_next(z, act->query, act->query_len);
		if (n == 0) {
			z->now += act->timeout_ms;
			rslv_on_timeout(q, z->now, act);
			return;
		}
		z->now += FZ_RTT_MS;
		rslv_on_response(q, z->buf, n, z->now, act);
		if (act->step != RSLV_WAIT)
			return;
		/* Not ours: the wait goes on, with the next response. */
	}
}

/* The finished query's reply (and the cache's) must parse. */
static void
fz_check_reply(const struct rslv_query *q, struct cache *c,
    struct arena *a, uint64_t now)
{
	static uint8_t req_buf[512], out[DNS_MSG_MAX];
	struct dns_builder b;
	struct dns_hdr h = { .id = 0x1234, .flags = DNS_F_RD };
	struct dns_question qq = { .name = q->qname, .type = q->qtype,
	    .class = DNS_C_IN };
	struct dns_edns e = { .present = true, .udp_size = 1232 };
	struct dns_msg req, m;

	if (q->n_chain > RSLV_CHAIN_MAX + 1)
		abort();
	dns_build_init(&b, req_buf, sizeof(req_buf), &h);
	dns_build_question(&b, &qq);
	(void)dns_build_opt(&b, &e);
	ssize_t rl = dns_build_finish(&b);
	if (rl < 0 || dns_msg_parse(req_buf, (size_t)rl, a, &req) != 0)
		abort();
	static const size_t limits[3] = { 512, 1232, 0 };
	for (unsigned i = 0; i < 3; i++) {
		size_t n = rslv_reply(q, &req, limits[i], 1232, out,
		    sizeof(out));
		if (n == 0)
			abort();
		if (limits[i] != 0 && n > limits[i])
			abort();
		if (dns_msg_parse(out, n, a, &m) != 0 || m.hdr.id != 0x1234 ||
		    !(m.hdr.flags & DNS_F_QR) ||
		    DNS_RCODE(m.hdr.flags) != (q->rcode & 0xf))
			abort();
		if (q->rcode == DNS_R_SERVFAIL && m.n_rr[DNS_S_AN] != 0)
			abort();
	}
	size_t n = 0;
	if (rslv_answer_cached(c, &req, NULL, 512, 1232, now / 1000, a, out,
	    sizeof(out), &n, NULL) == 1 && (n > 512 ||
	    dns_msg_parse(out, n, a, &m) != 0 || m.hdr.id != 0x1234))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct rslv_hints hints;
	static struct net_addr fwd;
	static struct fz z;
	static struct rslv_query qs[RSLV_DEPTH_MAX + 1];
	struct rslv_action act;

	if (len < 2)
		return 0;
	if (hints.n == 0) {
		if (net_addr_parse("198.18.0.1", 53, &hints.addr[0]) != 0 ||
		    net_addr_parse("198.18.0.2", 53, &hints.addr[1]) != 0 ||
		    net_addr_parse("198.18.9.1", 53, &fwd) != 0)
			abort();
		dns_name_root(&hints.name[0]);
		dns_name_root(&hints.name[1]);
		hints.n = 2;
	}
	struct cache *c = cache_new(1u << 20, 1);
	struct rslv_infra *infra = rslv_infra_new();
	/* A limit, so hostile input meets allocation failures too. */
	struct arena *a = arena_new_limited(16384, 8u << 20);
	if (c == NULL || infra == NULL || a == NULL)
		abort();

	z.p = data + 2;
	z.end = data + len;
	z.rnd = 0x9e3779b9u;
	z.now = FZ_T0;
	z.no_rewrite = (data[0] & 0x08) != 0;
	z.n_udp = 0;
	struct rslv_env env = { .cache = c, .infra = infra, .hints = &hints,
	    .port = 53, .qname_minimise = (data[0] & 0x01) != 0,
	    .use_0x20 = (data[0] & 0x02) != 0, .timeout_ms = 10000,
	    .random32 = fz_random, .random_arg = &z };
	if (data[0] & 0x04) {
		env.forward = &fwd;
		env.n_forward = 1;
	}
	const char *qname = fz_names[(data[0] >> 4) & 7];
	struct dns_name qn;
	if (dns_name_from_text(qname, strlen(qname), NULL, &qn) != 0)
		abort();

	unsigned n_sent = 0, depth = 0;
	memset(qs, 0, sizeof(qs));
	memset(&act, 0, sizeof(act));
	rslv_init(&qs[0], &env, a, &qn, fz_types[data[1] & 7], 0, &n_sent,
	    z.now);
	/* The input read as a local answer to continue; with bit 7, the
	 * query does continue it. */
	struct rslv_prefix pre;
	if (rslv_prefix_parse(data + 2, len - 2, a, &pre) == 0) {
		if (pre.n == 0 || pre.n > RSLV_CHAIN_MAX)
			abort();
		if (data[0] & 0x80)
			rslv_seed(&qs[0], &pre);
	}
	rslv_start(&qs[0], z.now, &act);
	for (unsigned step = 0;; step++) {
		if (step >= FZ_STEPS_MAX)
			abort();
		struct rslv_query *q = &qs[depth];
		if (act.step == RSLV_SEND) {
			fz_send(&z, q, &act);
		} else if (act.step == RSLV_CHILD) {
			if (depth >= RSLV_DEPTH_MAX)
				abort();
			depth++;
			rslv_init(&qs[depth], &env, a, &act.child_name,
			    act.child_type, depth, &n_sent, z.now);
			qs[depth].deadline = q->deadline;
			rslv_start(&qs[depth], z.now, &act);
		} else if (act.step == RSLV_DONE) {
			if (depth == 0)
				break;
			depth--;
			rslv_child_done(&qs[depth], z.now, &act);
		} else {
			abort();	/* WAIT answers a response only */
		}
	}
	if (n_sent > RSLV_SENT_MAX)
		abort();
	fz_check_reply(&qs[0], c, a, z.now);

	arena_free(&a);
	rslv_infra_free(&infra);
	cache_free(&c);
	return 0;
}
