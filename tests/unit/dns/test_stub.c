/* tests/unit/dns/test_stub.c - the stub client against a scripted
 * responder thread on 127.0.0.1 (UDP and TCP on one ephemeral port):
 * answers, TC -> TCP, TCP only, stray and forged datagrams ignored,
 * FORMERR -> no EDNS, timeouts with backoff, ICMP refusal, servers in
 * turn; and the cache: hits without network, TTLs counted down by a fake
 * clock, expiry, negative TTLs (RFC 2308), LRU eviction. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/net.h"
#include "dns/name.h"
#include "dns/rr.h"
#include "dns/stub.h"
#include "dns/wire.h"

#define RESPONDER_LIFE_MS	20000	/* a responder ends by then */
#define TCP_READ_MS		2000
#define T0			5000000u	/* any "now", in seconds */

enum mode {
	M_ANSWER,	/* A 192.0.2.1 */
	M_TC,		/* UDP: TC and nothing; TCP: A 192.0.2.7 */
	M_STRAYS,	/* wrong ID, wrong question, garbage, then the A */
	M_ONLY_STRAYS,	/* the strays and never the answer */
	M_SILENT,	/* reads and drops */
	M_SERVFAIL,
	M_NO_EDNS,	/* FORMERR without question to a query with OPT */
	M_NXDOMAIN,	/* with a SOA: TTL 600, MINIMUM 60 */
	M_TCP_GARBAGE,	/* TCP: a reply with the wrong ID */
};

struct responder {
	int		 udp, tcp, stop[2];
	struct net_addr	 addr;
	enum mode	 mode;
	uint32_t	 ttl;
	atomic_uint	 n_udp, n_tcp;
	pthread_t	 th;
};

static struct dns_name
N(const char *s)
{
	struct dns_name n;

	assert_int_equal(dns_name_from_text(s, strlen(s), NULL, &n), 0);
	return n;
}

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- building replies ---- */

struct reply {
	uint16_t	 id;
	uint16_t	 flags;		/* QR is added */
	unsigned	 rcode;
	bool		 has_q;
	struct dns_name	 qname;
	uint16_t	 qtype;
	uint8_t		 a_last;	/* 0: no A record */
	uint32_t	 ttl;
	bool		 has_soa;
	uint32_t	 soa_ttl, soa_min;
	bool		 has_opt;
};

static size_t
soa_rdata(uint32_t min, uint8_t *out)
{
	static const uint8_t names[] = {
		2, 'n', 's', 4, 't', 'e', 's', 't', 0,
		4, 'h', 'o', 's', 't', 4, 't', 'e', 's', 't', 0,
	};
	const uint32_t v[5] = { 1, 3600, 600, 86400, min };
	size_t n = sizeof(names);

	memcpy(out, names, n);
	for (int i = 0; i < 5; i++) {
		out[n++] = (uint8_t)(v[i] >> 24);
		out[n++] = (uint8_t)(v[i] >> 16);
		out[n++] = (uint8_t)(v[i] >> 8);
		out[n++] = (uint8_t)v[i];
	}
	return n;
}

static size_t
build_reply(const struct reply *rp, uint8_t *buf, size_t cap)
{
	struct dns_hdr h = { .id = rp->id, .flags = DNS_F_QR | rp->flags };
	struct dns_builder b;
	uint8_t a[4] = { 192, 0, 2, rp->a_last }, soa[64];

	dns_build_init(&b, buf, cap, &h);
	dns_build_rcode(&b, rp->rcode);
	if (rp->has_q) {
		struct dns_question q = { rp->qname, rp->qtype, DNS_C_IN };
		dns_build_question(&b, &q);
	}
	if (rp->a_last != 0) {
		struct dns_rr rr = { .name = rp->qname, .type = DNS_T_A,
		    .class = DNS_C_IN, .ttl = rp->ttl, .rdlen = 4,
		    .rdata = a };
		assert_int_equal(dns_build_rr(&b, DNS_S_AN, &rr), 0);
	}
	if (rp->has_soa) {
		struct dns_rr rr = { .name = N("test."), .type = DNS_T_SOA,
		    .class = DNS_C_IN, .ttl = rp->soa_ttl };
		rr.rdlen = (uint16_t)soa_rdata(rp->soa_min, soa);
		rr.rdata = soa;
		assert_int_equal(dns_build_rr(&b, DNS_S_NS, &rr), 0);
	}
	if (rp->has_opt) {
		struct dns_edns e = { .present = true, .udp_size = 1232 };
		assert_int_equal(dns_build_opt(&b, &e), 0);
	}
	ssize_t n = dns_build_finish(&b);
	assert_true(n > 0);
	return (size_t)n;
}

/* A parsed stub_result for the cache tests, as if received. */
static void
fake_result(const struct reply *rp, struct arena *a, struct stub_result *out)
{
	uint8_t buf[512];
	size_t n = build_reply(rp, buf, sizeof(buf));

	memset(out, 0, sizeof(*out));
	uint8_t *wire = arena_dup(a, buf, n);
	assert_non_null(wire);
	assert_int_equal(dns_msg_parse(wire, n, a, &out->msg), 0);
	out->wire = wire;
	out->len = n;
}

/* ---- the responder thread ---- */

static void
send_udp(struct responder *r, const struct net_addr *to, const uint8_t *b,
    size_t n)
{
	/* Best effort: a lost datagram shows up as a failed assertion in
	 * the test, not here. */
	(void)sendto(r->udp, b, n, 0, (const struct sockaddr *)&to->ss,
	    to->len);
}

/* The reply the script gives to query `q` over UDP or TCP. */
static size_t
script(struct responder *r, const struct dns_msg *q, bool is_tcp,
    uint8_t *out, size_t cap)
{
	struct reply rp = { .id = q->hdr.id, .flags = DNS_F_AA |
	    (q->hdr.flags & DNS_F_RD), .has_q = true, .qname = q->q.name,
	    .qtype = q->q.type, .a_last = 1, .ttl = r->ttl,
	    .has_opt = q->edns.present };

	switch (r->mode) {
	case M_TC:
		if (!is_tcp) {
			rp.flags |= DNS_F_TC;
			rp.a_last = 0;
		} else {
			rp.a_last = 7;
		}
		break;
	case M_SERVFAIL:
		rp.rcode = DNS_R_SERVFAIL;
		rp.a_last = 0;
		break;
	case M_NO_EDNS:
		if (q->edns.present) {
			rp.rcode = DNS_R_FORMERR;
			rp.has_q = false;
			rp.a_last = 0;
			rp.has_opt = false;
		}
		break;
	case M_NXDOMAIN:
		rp.rcode = DNS_R_NXDOMAIN;
		rp.a_last = 0;
		rp.has_soa = true;
		rp.soa_ttl = 600;
		rp.soa_min = 60;
		break;
	case M_TCP_GARBAGE:
		if (is_tcp)
			rp.id ^= 0x5555;
		break;
	default:
		break;
	}
	return build_reply(&rp, out, cap);
}

static void
strays(struct responder *r, const struct dns_msg *q,
    const struct net_addr *to)
{
	uint8_t buf[512];
	struct reply rp = { .id = (uint16_t)(q->hdr.id ^ 1), .has_q = true,
	    .qname = q->q.name, .qtype = q->q.type, .a_last = 66,
	    .ttl = 60 };

	send_udp(r, to, buf, build_reply(&rp, buf, sizeof(buf)));
	rp.id = q->hdr.id;
	rp.qname = N("other.test.");
	send_udp(r, to, buf, build_reply(&rp, buf, sizeof(buf)));
	rp.qname = q->q.name;
	rp.qtype = DNS_T_AAAA;
	send_udp(r, to, buf, build_reply(&rp, buf, sizeof(buf)));
	/* Our ID, QR set, but not a DNS message past the header. */
	memset(buf, 0xff, 40);
	buf[0] = (uint8_t)(q->hdr.id >> 8);
	buf[1] = (uint8_t)q->hdr.id;
	send_udp(r, to, buf, 40);
}

static void
on_udp(struct responder *r, struct arena *a)
{
	uint8_t in[1500], out[1500];
	struct net_addr from = { .len = sizeof(from.ss) };
	struct dns_msg q;

	ssize_t n = recvfrom(r->udp, in, sizeof(in), 0,
	    (struct sockaddr *)&from.ss, &from.len);
	if (n <= 0)
		return;
	atomic_fetch_add(&r->n_udp, 1);
	arena_reset(a);
	if (r->mode == M_SILENT || dns_msg_parse(in, (size_t)n, a, &q) < 0 ||
	    !q.has_q)
		return;
	if (r->mode == M_STRAYS || r->mode == M_ONLY_STRAYS)
		strays(r, &q, &from);
	if (r->mode == M_ONLY_STRAYS)
		return;
	send_udp(r, &from, out, script(r, &q, false, out, sizeof(out)));
}

static bool
read_full(int fd, uint8_t *p, size_t n)
{
	uint64_t deadline = mono_ms() + TCP_READ_MS;

	while (n > 0) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		uint64_t now = mono_ms();
		if (now >= deadline || poll(&pf, 1, (int)(deadline - now)) <= 0)
			return false;
		ssize_t k = recv(fd, p, n, 0);
		if (k <= 0)
			return false;
		p += k;
		n -= (size_t)k;
	}
	return true;
}

static void
on_tcp(struct responder *r, struct arena *a)
{
	uint8_t in[1500], out[1502], lenb[2];
	struct dns_msg q;
	int fd = accept4(r->tcp, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	atomic_fetch_add(&r->n_tcp, 1);
	arena_reset(a);
	size_t n = 0;
	if (read_full(fd, lenb, 2) && (n = (size_t)lenb[0] << 8 | lenb[1]) <=
	    sizeof(in) && read_full(fd, in, n) &&
	    dns_msg_parse(in, n, a, &q) == 0 && q.has_q &&
	    r->mode != M_SILENT) {
		size_t m = script(r, &q, true, out + 2, sizeof(out) - 2);
		out[0] = (uint8_t)(m >> 8);
		out[1] = (uint8_t)m;
		(void)send(fd, out, m + 2, MSG_NOSIGNAL);
	}
	close(fd);
}

static void *
responder_main(void *arg)
{
	struct responder *r = arg;
	struct arena *a = arena_new(8192);
	uint64_t end = mono_ms() + RESPONDER_LIFE_MS;

	while (a != NULL && mono_ms() < end) {
		struct pollfd p[3] = {
			{ .fd = r->udp, .events = POLLIN },
			{ .fd = r->tcp, .events = POLLIN },
			{ .fd = r->stop[0], .events = POLLIN },
		};
		if (poll(p, 3, 100) < 0 && errno != EINTR)
			break;
		if (p[2].revents != 0)
			break;
		if (p[0].revents & POLLIN)
			on_udp(r, a);
		if (p[1].revents & POLLIN)
			on_tcp(r, a);
	}
	arena_free(&a);
	return NULL;
}

static struct responder *
responder_start(enum mode mode)
{
	struct responder *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->mode = mode;
	r->ttl = 300;
	/* UDP on an ephemeral port, then TCP on the same one; another
	 * program may hold that TCP port, so a few rounds. */
	for (int round = 0; round < 20; round++) {
		assert_int_equal(net_addr_parse("127.0.0.1:0", -1, &r->addr),
		    0);
		r->udp = net_listen_udp(&r->addr, 0);
		assert_true(r->udp >= 0);
		assert_int_equal(net_sock_name(r->udp, &r->addr), 0);
		r->tcp = net_listen_tcp(&r->addr, 16, 0);
		if (r->tcp >= 0)
			break;
		close(r->udp);
	}
	assert_true(r->tcp >= 0);
	assert_int_equal(pipe2(r->stop, O_CLOEXEC), 0);
	assert_int_equal(pthread_create(&r->th, NULL, responder_main, r), 0);
	return r;
}

static void
responder_stop(struct responder **rp)
{
	struct responder *r = *rp;
	char one = 1;

	assert_int_equal(write(r->stop[1], &one, 1), 1);
	assert_int_equal(pthread_join(r->th, NULL), 0);
	close(r->udp);
	close(r->tcp);
	close(r->stop[0]);
	close(r->stop[1]);
	free(r);
	*rp = NULL;
}

/* A UDP address nobody reads from: queries to it time out. */
static int
silent_socket(struct net_addr *addr)
{
	assert_int_equal(net_addr_parse("127.0.0.1:0", -1, addr), 0);
	int fd = net_listen_udp(addr, 0);
	assert_true(fd >= 0);
	assert_int_equal(net_sock_name(fd, addr), 0);
	return fd;
}

/* The last octet of the A record answered, or -1. */
static int
a_of(const struct stub_result *r)
{
	const struct dns_msg *m = &r->msg;

	for (unsigned i = 0; i < m->n_rr[DNS_S_AN]; i++)
		if (m->rr[DNS_S_AN][i].type == DNS_T_A &&
		    m->rr[DNS_S_AN][i].rdlen == 4)
			return m->rr[DNS_S_AN][i].rdata[3];
	return -1;
}

static const struct stub_opts quick = {
	.flags = STUB_F_RD, .edns_size = 1232, .timeout_ms = 1000,
	.tries = 1,
};

/* ---- stub_query ---- */

static void
test_answer(void **state)
{
	struct responder *r = responder_start(M_ANSWER);
	struct arena *a = arena_new(4096);
	struct dns_name n = N("www.example.test.");
	struct stub_result res;
	(void)state;

	assert_int_equal(stub_query(&r->addr, &n, DNS_T_A, &quick, a, &res),
	    0);
	assert_int_equal(a_of(&res), 1);
	assert_false(res.is_tcp);
	assert_false(res.is_cached);
	assert_true(res.msg.hdr.flags & DNS_F_RD);	/* echoed RD */
	assert_true(res.msg.edns.present);
	assert_int_equal(stub_rcode(&res.msg), DNS_R_NOERROR);
	assert_true(net_addr_same_ip(&res.server, &r->addr));
	assert_true(res.rtt_ms < 1000);
	assert_int_equal(res.len, 61);	/* question, A, OPT */
	assert_int_equal(atomic_load(&r->n_udp), 1);
	assert_int_equal(atomic_load(&r->n_tcp), 0);

	/* Names compare without case; the answer may differ in case. */
	struct dns_name upper = N("WWW.Example.TEST.");
	struct stub_opts plain = quick;
	plain.flags = 0;
	plain.edns_size = 0;
	assert_int_equal(stub_query(&r->addr, &upper, DNS_T_A, &plain, a,
	    &res), 0);
	assert_false(res.msg.hdr.flags & DNS_F_RD);
	assert_false(res.msg.edns.present);
	arena_free(&a);
	responder_stop(&r);
}

static void
test_tc_falls_back_to_tcp(void **state)
{
	struct responder *r = responder_start(M_TC);
	struct arena *a = arena_new(4096);
	struct dns_name n = N("big.example.test.");
	struct stub_result res;
	(void)state;

	assert_int_equal(stub_query(&r->addr, &n, DNS_T_A, &quick, a, &res),
	    0);
	assert_true(res.is_tcp);
	assert_false(res.msg.hdr.flags & DNS_F_TC);
	assert_int_equal(a_of(&res), 7);
	assert_int_equal(atomic_load(&r->n_udp), 1);
	assert_int_equal(atomic_load(&r->n_tcp), 1);
	arena_free(&a);
	responder_stop(&r);
}

static void
test_tcp_only(void **state)
{
	struct responder *r = responder_start(M_ANSWER);
	struct arena *a = arena_new(4096);
	struct dns_name n = N("www.example.test.");
	struct stub_opts o = quick;
	struct stub_result res;
	(void)state;

	o.flags |= STUB_F_TCP;
	assert_int_equal(stub_query(&r->addr, &n, DNS_T_A, &o, a, &res), 0);
	assert_true(res.is_tcp);
	assert_int_equal(a_of(&res), 1);
	assert_int_equal(atomic_load(&r->n_udp), 0);
	assert_int_equal(atomic_load(&r->n_tcp), 1);
	arena_free(&a);
	responder_stop(&r);
}

static void
test_tcp_wrong_answer_is_an_error(void **state)
{
	struct responder *r = responder_start(M_TCP_GARBAGE);
	struct arena *a = arena_new(4096);
	struct dns_name n = N("www.example.test.");
	struct stub_opts o = quick;
	struct stub_result res;
	(void)state;

	o.flags |= STUB_F_TCP;
	assert_int_equal(stub_query(&r->addr, &n, DNS_T_A, &o, a, &res),
	    -IK_EPARSE);
	arena_free(&a);
	responder_stop(&r);
}

static void
test_wrong_answers_ignored(void **state)
{
	struct responder *r = responder_start(M_STRAYS);
	struct arena *a = arena_new(4096);
	struct dns_name n = N("www.example.test.");
	struct stub_result res;
	(void)state;

	/* Wrong ID, wrong name, wrong type and garbage come first. */
	assert_int_equal(stub_query(&r->addr, &n, DNS_T_A, &quick, a, &res),
	    0);
	assert_int_equal(a_of(&res), 1);
	assert_true(dns_name_equal(&res.msg.q.name, &n));

	/* Only strays: they are waited out, not taken. */
	r->mode = M_ONLY_STRAYS;
	struct stub_opts o = quick;
	o.timeout_ms = 300;
	uint64_t t0 = mono_ms();
	assert_int_equal(stub_query(&r->addr, &n, DNS_T_A, &o, a, &res),
	    -ETIMEDOUT);
	assert_true(mono_ms() - t0 >= 290);
	arena_free(&a);
	responder_stop(&r);
}

static void
test_formerr_retries_without_edns(void **state)
{
	struct responder *r = responder_start(M_NO_EDNS);
	struct arena *a = arena_new(4096);
	struct dns_name n = N("www.example.test.");
	struct stub_result res;
	(void)state;

	assert_int_equal(stub_query(&r->addr, &n, DNS_T_A, &quick, a, &res),
	    0);
	assert_int_equal(a_of(&res), 1);
	assert_false(res.msg.edns.present);
	assert_int_equal(atomic_load(&r->n_udp), 2);
	arena_free(&a);
	responder_stop(&r);
}

static void
test_timeout_backs_off(void **state)
{
	struct net_addr silent;
	int fd = silent_socket(&silent);
	struct arena *a = arena_new(4096);
	struct dns_name n = N("www.example.test.");
	struct stub_opts o = quick;
	struct stub_result res;
	(void)state;

	/* Two tries: 200 ms, then 400 ms. */
	o.timeout_ms = 200;
	o.tries = 2;
	uint64_t t0 = mono_ms();
	assert_int_equal(stub_query(&silent, &n, DNS_T_A, &o, a, &res),
	    -ETIMEDOUT);
	uint64_t took = mono_ms() - t0;
	assert_true(took >= 590);
	assert_true(took < 3000);
	close(fd);
	arena_free(&a);
}

static void
test_refused_port(void **state)
{
	struct net_addr gone;
	int fd = silent_socket(&gone);
	struct arena *a = arena_new(4096);
	struct dns_name n = N("www.example.test.");
	struct stub_result res;
	(void)state;

	close(fd);	/* nobody there: the kernel answers ICMP */
	uint64_t t0 = mono_ms();
	assert_int_equal(stub_query(&gone, &n, DNS_T_A, &quick, a, &res),
	    -ECONNREFUSED);
	assert_true(mono_ms() - t0 < 900);
	struct stub_opts o = quick;
	o.flags |= STUB_F_TCP;
	assert_int_equal(stub_query(&gone, &n, DNS_T_A, &o, a, &res),
	    -ECONNREFUSED);
	arena_free(&a);
}

/* ---- stub_resolve ---- */

static void
test_timeout_then_second_server(void **state)
{
	struct net_addr srv[2];
	int fd = silent_socket(&srv[0]);
	struct responder *r = responder_start(M_ANSWER);
	struct arena *a = arena_new(4096);
	struct dns_name n = N("www.example.test.");
	struct stub_conf sc = { srv, 2, quick, NULL };
	struct stub_result res;
	(void)state;

	srv[1] = r->addr;
	sc.opts.timeout_ms = 250;
	uint64_t t0 = mono_ms();
	assert_int_equal(stub_resolve(&sc, &n, DNS_T_A, T0, a, &res), 0);
	assert_true(mono_ms() - t0 >= 240);
	assert_int_equal(a_of(&res), 1);
	assert_int_equal(net_addr_port(&res.server), net_addr_port(&r->addr));
	assert_int_equal(atomic_load(&r->n_udp), 1);
	close(fd);
	arena_free(&a);
	responder_stop(&r);
}

static void
test_servfail_moves_on(void **state)
{
	struct responder *bad = responder_start(M_SERVFAIL);
	struct responder *good = responder_start(M_ANSWER);
	struct arena *a = arena_new(4096);
	struct dns_name n = N("www.example.test.");
	struct net_addr srv[2] = { bad->addr, good->addr };
	struct stub_conf sc = { srv, 2, quick, NULL };
	struct stub_result res;
	(void)state;

	sc.opts.tries = 3;
	assert_int_equal(stub_resolve(&sc, &n, DNS_T_A, T0, a, &res), 0);
	assert_int_equal(a_of(&res), 1);

	/* Only SERVFAIL to be had: that is the answer, and one round of
	 * asking is enough. */
	sc.n_servers = 1;
	assert_int_equal(stub_resolve(&sc, &n, DNS_T_A, T0, a, &res), 0);
	assert_int_equal(stub_rcode(&res.msg), DNS_R_SERVFAIL);
	assert_int_equal(atomic_load(&bad->n_udp), 2);

	sc.n_servers = 0;
	assert_int_equal(stub_resolve(&sc, &n, DNS_T_A, T0, a, &res),
	    -EINVAL);
	arena_free(&a);
	responder_stop(&bad);
	responder_stop(&good);
}

static void
test_cache_hit_without_network(void **state)
{
	struct responder *r = responder_start(M_ANSWER);
	struct stub_cache *c = stub_cache_new(16);
	struct arena *a = arena_new(4096);
	struct dns_name n = N("www.example.test.");
	struct stub_conf sc = { &r->addr, 1, quick, c };
	struct stub_result res;
	struct stub_cache_stats st;
	(void)state;

	assert_non_null(c);
	assert_int_equal(stub_resolve(&sc, &n, DNS_T_A, T0, a, &res), 0);
	assert_false(res.is_cached);
	assert_int_equal(atomic_load(&r->n_udp), 1);

	/* Later, in other case, with the server gone: from the cache,
	 * TTL counted down. */
	responder_stop(&r);
	struct dns_name upper = N("WWW.EXAMPLE.TEST.");
	assert_int_equal(stub_resolve(&sc, &upper, DNS_T_A, T0 + 100, a,
	    &res), 0);
	assert_true(res.is_cached);
	assert_int_equal(res.rtt_ms, 0);
	assert_int_equal(a_of(&res), 1);
	assert_int_equal(res.msg.rr[DNS_S_AN][0].ttl, 200);

	/* Another type is another key. */
	assert_int_equal(stub_cache_get(c, &n, DNS_T_AAAA, T0 + 100, a,
	    &res), -IK_ENOTFOUND);
	stub_cache_stats(c, &st);
	assert_int_equal(st.hits, 1);
	assert_int_equal(st.misses, 2);
	assert_int_equal(st.inserts, 1);
	assert_int_equal(st.entries, 1);
	stub_cache_free(&c);
	assert_null(c);
	stub_cache_free(&c);
	arena_free(&a);
}

static void
test_cache_ttl_expiry(void **state)
{
	struct responder *r = responder_start(M_ANSWER);
	struct stub_cache *c = stub_cache_new(16);
	struct arena *a = arena_new(4096);
	struct dns_name n = N("www.example.test.");
	struct stub_conf sc = { &r->addr, 1, quick, c };
	struct stub_result res;
	struct stub_cache_stats st;
	(void)state;

	r->ttl = 30;
	assert_int_equal(stub_resolve(&sc, &n, DNS_T_A, T0, a, &res), 0);
	assert_int_equal(stub_resolve(&sc, &n, DNS_T_A, T0 + 29, a, &res), 0);
	assert_true(res.is_cached);
	assert_int_equal(res.msg.rr[DNS_S_AN][0].ttl, 1);
	assert_int_equal(atomic_load(&r->n_udp), 1);
	/* At T0 + 30 it is gone: asked again. */
	assert_int_equal(stub_resolve(&sc, &n, DNS_T_A, T0 + 30, a, &res), 0);
	assert_false(res.is_cached);
	assert_int_equal(atomic_load(&r->n_udp), 2);
	stub_cache_stats(c, &st);
	assert_int_equal(st.expired, 1);
	assert_int_equal(st.entries, 1);

	/* TTL 0 is never kept. */
	r->ttl = 0;
	struct dns_name m = N("zero.example.test.");
	assert_int_equal(stub_resolve(&sc, &m, DNS_T_A, T0, a, &res), 0);
	assert_int_equal(stub_resolve(&sc, &m, DNS_T_A, T0, a, &res), 0);
	assert_false(res.is_cached);
	assert_int_equal(atomic_load(&r->n_udp), 4);
	stub_cache_free(&c);
	arena_free(&a);
	responder_stop(&r);
}

static void
test_cache_negative(void **state)
{
	struct stub_cache *c = stub_cache_new(4);
	struct arena *a = arena_new(4096);
	struct stub_result in, out;
	(void)state;

	/* NXDOMAIN: min(SOA TTL 600, MINIMUM 60) = 60 s (RFC 2308 5). */
	struct reply nx = { .id = 1, .rcode = DNS_R_NXDOMAIN, .has_q = true,
	    .qname = N("nope.test."), .qtype = DNS_T_A, .has_soa = true,
	    .soa_ttl = 600, .soa_min = 60 };
	fake_result(&nx, a, &in);
	assert_int_equal(stub_cache_put(c, &in, T0), 1);
	assert_int_equal(stub_cache_get(c, &nx.qname, DNS_T_A, T0 + 59, a,
	    &out), 0);
	assert_int_equal(stub_rcode(&out.msg), DNS_R_NXDOMAIN);
	assert_int_equal(out.msg.rr[DNS_S_NS][0].ttl, 541);
	assert_int_equal(stub_cache_get(c, &nx.qname, DNS_T_A, T0 + 60, a,
	    &out), -IK_ENOTFOUND);

	/* NODATA: the SOA's own TTL when it is the smaller. */
	struct reply nodata = nx;
	nodata.rcode = DNS_R_NOERROR;
	nodata.soa_ttl = 20;
	fake_result(&nodata, a, &in);
	assert_int_equal(stub_cache_put(c, &in, T0), 1);
	assert_int_equal(stub_cache_get(c, &nx.qname, DNS_T_A, T0 + 19, a,
	    &out), 0);
	assert_int_equal(stub_cache_get(c, &nx.qname, DNS_T_A, T0 + 20, a,
	    &out), -IK_ENOTFOUND);

	/* Not kept: no SOA, SERVFAIL, truncated, no question. */
	struct reply bare = nx;
	bare.has_soa = false;
	fake_result(&bare, a, &in);
	assert_int_equal(stub_cache_put(c, &in, T0), 0);
	struct reply sf = { .id = 1, .rcode = DNS_R_SERVFAIL, .has_q = true,
	    .qname = N("x.test."), .qtype = DNS_T_A, .has_soa = true,
	    .soa_ttl = 60, .soa_min = 60 };
	fake_result(&sf, a, &in);
	assert_int_equal(stub_cache_put(c, &in, T0), 0);
	struct reply tc = { .id = 1, .flags = DNS_F_TC, .has_q = true,
	    .qname = N("x.test."), .qtype = DNS_T_A, .a_last = 1,
	    .ttl = 60 };
	fake_result(&tc, a, &in);
	assert_int_equal(stub_cache_put(c, &in, T0), 0);
	struct reply noq = tc;
	noq.flags = 0;
	noq.has_q = false;
	noq.a_last = 0;
	fake_result(&noq, a, &in);
	assert_int_equal(stub_cache_put(c, &in, T0), 0);
	stub_cache_free(&c);
	arena_free(&a);
}

static void
test_cache_lru_and_cap(void **state)
{
	struct stub_cache *c = stub_cache_new(2);
	struct arena *a = arena_new(4096);
	struct stub_result in, out;
	struct stub_cache_stats st;
	const char *names[] = { "a.test.", "b.test.", "c.test." };
	struct reply rp = { .id = 1, .has_q = true, .qtype = DNS_T_A,
	    .a_last = 1, .ttl = 3 * STUB_TTL_MAX };
	(void)state;

	assert_null(stub_cache_new(0));
	assert_null(stub_cache_new(STUB_CACHE_MAX + 1));
	for (int i = 0; i < 2; i++) {
		rp.qname = N(names[i]);
		fake_result(&rp, a, &in);
		assert_int_equal(stub_cache_put(c, &in, T0 + (uint64_t)i), 1);
	}
	/* a. is used, so b. is the least recently used when c. comes. */
	struct dns_name na = N("a.test."), nb = N("b.test."),
	    nc = N("c.test.");
	assert_int_equal(stub_cache_get(c, &na, DNS_T_A, T0 + 2, a, &out), 0);
	rp.qname = nc;
	fake_result(&rp, a, &in);
	assert_int_equal(stub_cache_put(c, &in, T0 + 3), 1);
	assert_int_equal(stub_cache_get(c, &nb, DNS_T_A, T0 + 3, a, &out),
	    -IK_ENOTFOUND);
	assert_int_equal(stub_cache_get(c, &na, DNS_T_A, T0 + 3, a, &out), 0);
	assert_int_equal(stub_cache_get(c, &nc, DNS_T_A, T0 + 3, a, &out), 0);
	/* The TTL is capped at a day. */
	assert_int_equal(stub_cache_get(c, &nc, DNS_T_A,
	    T0 + 3 + STUB_TTL_MAX, a, &out), -IK_ENOTFOUND);
	stub_cache_stats(c, &st);
	assert_int_equal(st.evictions, 1);
	assert_int_equal(st.entries, 1);

	/* Storing the same key again replaces it. */
	rp.qname = na;
	rp.a_last = 9;
	fake_result(&rp, a, &in);
	assert_int_equal(stub_cache_put(c, &in, T0 + 4), 1);
	assert_int_equal(stub_cache_get(c, &na, DNS_T_A, T0 + 4, a, &out), 0);
	assert_int_equal(a_of(&out), 9);
	stub_cache_stats(c, &st);
	assert_int_equal(st.entries, 1);
	stub_cache_free(&c);
	arena_free(&a);
}

static void
test_rr_addr(void **state)
{
	static const uint8_t v4[4] = { 192, 0, 2, 9 };
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	struct dns_rr rr = { .type = DNS_T_A, .rdlen = 4, .rdata = v4 };
	struct net_addr got;
	char buf[NET_ADDRSTRLEN];
	(void)state;

	assert_int_equal(stub_rr_addr(&rr, 53, &got), 0);
	assert_string_equal(net_addr_format(&got, true, buf, sizeof(buf)),
	    "192.0.2.9:53");
	rr.type = DNS_T_AAAA;
	rr.rdata = v6;
	rr.rdlen = 16;
	assert_int_equal(stub_rr_addr(&rr, 5353, &got), 0);
	assert_string_equal(net_addr_format(&got, true, buf, sizeof(buf)),
	    "[2001:db8::1]:5353");
	rr.rdlen = 4;
	assert_int_equal(stub_rr_addr(&rr, 53, &got), -IK_ENOTFOUND);
	rr.type = DNS_T_MX;
	assert_int_equal(stub_rr_addr(&rr, 53, &got), -IK_ENOTFOUND);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answer),
		cmocka_unit_test(test_tc_falls_back_to_tcp),
		cmocka_unit_test(test_tcp_only),
		cmocka_unit_test(test_tcp_wrong_answer_is_an_error),
		cmocka_unit_test(test_wrong_answers_ignored),
		cmocka_unit_test(test_formerr_retries_without_edns),
		cmocka_unit_test(test_timeout_backs_off),
		cmocka_unit_test(test_refused_port),
		cmocka_unit_test(test_timeout_then_second_server),
		cmocka_unit_test(test_servfail_moves_on),
		cmocka_unit_test(test_cache_hit_without_network),
		cmocka_unit_test(test_cache_ttl_expiry),
		cmocka_unit_test(test_cache_negative),
		cmocka_unit_test(test_cache_lru_and_cap),
		cmocka_unit_test(test_rr_addr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
