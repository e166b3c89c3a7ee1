/* dns/stub.c - the blocking stub client. Entry points: stub_query (one
 * server), stub_resolve (cache, then servers in turn), stub_cache_*.
 * I/O with poll() and a deadline per try; the messages are built and
 * parsed by dns/wire.c. The cache never reads a clock: `now` comes in.
 * Not here: iteration from the root (dns/resolver.c, dig +trace). */
#include "dns/stub.h"


#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/err.h"

#define TIMEOUT_DEFAULT_MS	2000

/* ---- one exchange ---- */

/* One try's question and where its answer goes. */
struct xfer {
	const struct net_addr	*server;
	const struct dns_name	*name;
	uint16_t		 type;
	uint16_t		 id;
	uint8_t			 q[2 + STUB_QUERY_MAX];	/* TCP length
							 * first */
	size_t			 qlen;			/* without it */
	uint64_t		 deadline;		/* ms, monotonic */
	struct arena		*a;
	uint8_t			*rbuf;			/* DNS_MSG_MAX */
};

/* The timeout of try `i` (from 0): doubled each time (RFC 1536 1,
 * resolv.conf's backoff), capped. */
static unsigned
try_timeout(unsigned first_ms, unsigned i)
{
	uint64_t t = first_ms != 0 ? first_ms : TIMEOUT_DEFAULT_MS;

	for (; i > 0 && t < STUB_TIMEOUT_MAX_MS; i--)
		t *= 2;
	return t < STUB_TIMEOUT_MAX_MS ? (unsigned)t : STUB_TIMEOUT_MAX_MS;
}

static unsigned
n_tries(const struct stub_opts *o)
{
	if (o->tries == 0)
		return 1;
	return o->tries < STUB_TRIES_MAX ? o->tries : STUB_TRIES_MAX;
}

/* Waits until fd is ready for `events` or the deadline passes. Returns
 * 0, -ETIMEDOUT or -errno. Errors and hangups count as ready: the next
 * send or recv reports them. */
static int
wait_fd(int fd, short events, uint64_t deadline)
{
	for (;;) {
		uint64_t now = clock_mono_ms();
		if (now >= deadline)
			return -ETIMEDOUT;
		uint64_t left = deadline - now;
		struct pollfd p = { .fd = fd, .events = events };
		int n = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

/* A new ID and the query in x->q (after the two TCP length bytes). */
static int
xfer_build(struct xfer *x, unsigned flags, uint16_t edns_size)
{
	struct dns_hdr h = { .flags = (flags & STUB_F_RD) ? DNS_F_RD : 0 };
	struct dns_question q = { .name = *x->name, .type = x->type,
	    .class = DNS_C_IN };
	struct dns_builder b;

	/* Unpredictable IDs are half of the defence against forged
	 * answers (RFC 5452); the random source port is the other. */
	if (RAND_bytes((unsigned char *)&h.id, sizeof(h.id)) != 1)
		return -EIO;
	x->id = h.id;
	dns_build_init(&b, x->q + 2, sizeof(x->q) - 2, &h);
	dns_build_question(&b, &q);
	if (edns_size > 0) {
		struct dns_edns e = { .present = true, .udp_size = edns_size };
		int err = dns_build_opt(&b, &e);
		if (err < 0)
			return err;
	}
	ssize_t n = dns_build_finish(&b);
	if (n < 0)
		return (int)n;
	x->qlen = (size_t)n;
	x->q[0] = (uint8_t)(n >> 8);
	x->q[1] = (uint8_t)n;
	return 0;
}

/* True if `m` answers our question. A server that does not know EDNS may
 * answer FORMERR without echoing the question (RFC 6891 7). */
static bool
is_our_answer(const struct xfer *x, const struct dns_msg *m)
{
	if (!m->has_q)
		return DNS_RCODE(m->hdr.flags) == DNS_R_FORMERR;
	return m->q.type == x->type && m->q.class == DNS_C_IN &&
	    dns_name_equal(&m->q.name, x->name);
}

/* Checks the x->rbuf[0..n) just received. Returns 0 with out->msg, wire
 * and len set; -EAGAIN when it is not our answer; -IK_ETRUNC when it is
 * a truncated one that does not even parse; -ENOMEM. */
static int
take_reply(struct xfer *x, size_t n, struct stub_result *out)
{
	struct dns_hdr h;

	/* The header first, so a stray datagram costs no arena memory. */
	if (dns_hdr_parse(x->rbuf, n, &h) < 0 || h.id != x->id ||
	    !(h.flags & DNS_F_QR) || DNS_OPCODE(h.flags) != DNS_OP_QUERY)
		return -EAGAIN;
	uint8_t *wire = arena_dup(x->a, x->rbuf, n);
	if (wire == NULL)
		return -ENOMEM;
	int err = dns_msg_parse(wire, n, x->a, &out->msg);
	if (err == -ENOMEM)
		return err;
	if (err < 0)
		/* Some servers cut a truncated answer mid-record. */
		return (h.flags & DNS_F_TC) ? -IK_ETRUNC : -EAGAIN;
	if (!is_our_answer(x, &out->msg))
		return -EAGAIN;
	out->wire = wire;
	out->len = n;
	return 0;
}

static int
udp_exchange(struct xfer *x, struct stub_result *out)
{
	const struct net_addr *s = x->server;
	int err;
	int fd = socket(s->ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	/* Connected: the kernel drops datagrams from other sources and
	 * tells us about ICMP port unreachable (ECONNREFUSED). */
	if (connect(fd, (const struct sockaddr *)&s->ss, s->len) < 0 ||
	    send(fd, x->q + 2, x->qlen, 0) < 0) {
		err = -errno;
		goto out;
	}
	for (;;) {
		if ((err = wait_fd(fd, POLLIN, x->deadline)) < 0)
			goto out;
		ssize_t n = recv(fd, x->rbuf, DNS_MSG_MAX, 0);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			err = -errno;
			goto out;
		}
		/* Not ours: a late answer to an earlier try, or a forgery;
		 * keep waiting until the deadline. */
		if ((err = take_reply(x, (size_t)n, out)) != -EAGAIN)
			goto out;
	}
out:
	close(fd);
	return err;
}

/* Sends or receives exactly n bytes by the deadline. */
static int
io_all(int fd, uint8_t *p, size_t n, uint64_t deadline, bool is_send)
{
	while (n > 0) {
		int err = wait_fd(fd, is_send ? POLLOUT : POLLIN, deadline);
		if (err < 0)
			return err;
		ssize_t k = is_send ? send(fd, p, n, MSG_NOSIGNAL) :
		    recv(fd, p, n, 0);
		if (k < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			return -ECONNRESET;	/* closed before the end */
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int
tcp_exchange(struct xfer *x, struct stub_result *out)
{
	const struct net_addr *s = x->server;
	uint8_t lenb[2];
	int err = 0;
	int fd = socket(s->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)&s->ss, s->len) < 0) {
		if (errno != EINPROGRESS) {
			err = -errno;
			goto out;
		}
		if ((err = wait_fd(fd, POLLOUT, x->deadline)) < 0)
			goto out;
		int so = 0;
		socklen_t sl = sizeof(so);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &sl) < 0)
			so = errno;
		if (so != 0) {
			err = -so;
			goto out;
		}
	}
	/* RFC 1035 4.2.2: each message goes with a two-byte length. */
	if ((err = io_all(fd, x->q, x->qlen + 2, x->deadline, true)) < 0 ||
	    (err = io_all(fd, lenb, 2, x->deadline, false)) < 0)
		goto out;
	size_t n = (size_t)lenb[0] << 8 | lenb[1];
	if ((err = io_all(fd, x->rbuf, n, x->deadline, false)) < 0)
		goto out;
	err = take_reply(x, n, out);
	/* On our own connection anything but our answer is a broken
	 * server, not a stray packet. */
	if (err == -EAGAIN || err == -IK_ETRUNC)
		err = -IK_EPARSE;
out:
	close(fd);
	return err;
}

static bool
is_truncated(int err, const struct stub_result *r)
{
	return err == -IK_ETRUNC || (err == 0 && (r->msg.hdr.flags &
	    DNS_F_TC));
}

/* One try at one server, with `timeout_ms` for each exchange in it. */
static int
query_try(const struct net_addr *server, const struct dns_name *name,
    uint16_t type, const struct stub_opts *o, unsigned timeout_ms,
    struct arena *a, struct stub_result *out)
{
	struct xfer x = { .server = server, .name = name, .type = type,
	    .a = a };
	bool is_tcp = (o->flags & STUB_F_TCP) != 0;
	uint16_t edns = o->edns_size;
	uint64_t t0 = clock_mono_ms();
	int err;

	if (server->len == 0)
		return -EINVAL;
	if ((x.rbuf = malloc(DNS_MSG_MAX)) == NULL)
		return -ENOMEM;
	/* At most three exchanges: each turn below happens once. */
	for (;;) {
		if ((err = xfer_build(&x, o->flags, edns)) < 0)
			break;
		x.deadline = clock_mono_ms() + timeout_ms;
		err = is_tcp ? tcp_exchange(&x, out) : udp_exchange(&x, out);
		if (!is_tcp && is_truncated(err, out)) {
			/* RFC 7766 5: the same question over TCP. */
			is_tcp = true;
			continue;
		}
		if (err == 0 && edns > 0 && !out->msg.edns.present &&
		    DNS_RCODE(out->msg.hdr.flags) == DNS_R_FORMERR) {
			/* RFC 6891 7: a server without EDNS; ask plainly. */
			edns = 0;
			continue;
		}
		break;
	}
	free(x.rbuf);
	if (err == 0) {
		out->rtt_ms = (unsigned)(clock_mono_ms() - t0);
		out->is_tcp = is_tcp;
		out->is_cached = false;
		out->server = *server;
	}
	return err;
}

/* Errors that another try cannot mend. */
static bool
is_fatal(int err)
{
	return err == -ENOMEM || err == -EIO || err == -EINVAL ||
	    err == -IK_ETRUNC;
}

int
stub_query(const struct net_addr *server, const struct dns_name *name,
    uint16_t type, const struct stub_opts *o, struct arena *a,
    struct stub_result *out)
{
	int err = -ETIMEDOUT;

	for (unsigned i = 0; i < n_tries(o); i++) {
		err = query_try(server, name, type, o,
		    try_timeout(o->timeout_ms, i), a, out);
		if (err == 0 || is_fatal(err))
			break;
	}
	return err;
}

/* ---- the cache ---- */

struct entry {
	struct dns_name	 name;		/* lowercased */
	uint16_t	 type;
	uint64_t	 stored, expires;	/* the caller's seconds */
	uint64_t	 used;		/* LRU tick */
	uint8_t		*wire;		/* owned: the response */
	size_t		 len;
};

struct stub_cache {
	struct entry		*e;
	unsigned		 n, cap;
	uint64_t		 tick;
	struct stub_cache_stats	 st;
};

struct stub_cache *
stub_cache_new(unsigned max_entries)
{
	if (max_entries == 0 || max_entries > STUB_CACHE_MAX)
		return NULL;
	struct stub_cache *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	if ((c->e = calloc(max_entries, sizeof(*c->e))) == NULL) {
		free(c);
		return NULL;
	}
	c->cap = max_entries;
	return c;
}

void
stub_cache_free(struct stub_cache **cp)
{
	struct stub_cache *c = *cp;

	if (c == NULL)
		return;
	for (unsigned i = 0; i < c->n; i++)
		free(c->e[i].wire);
	free(c->e);
	free(c);
	*cp = NULL;
}

/* How long `m` may be kept, in seconds; 0: not at all. */
static uint32_t
keep_ttl(const struct dns_msg *m)
{
	unsigned rcode = stub_rcode(m);
	uint32_t ttl = STUB_TTL_MAX;
	bool found = false;

	if (!m->has_q || (m->hdr.flags & DNS_F_TC))
		return 0;
	if (rcode == DNS_R_NOERROR && m->n_rr[DNS_S_AN] > 0) {
		for (unsigned i = 0; i < m->n_rr[DNS_S_AN]; i++)
			if (m->rr[DNS_S_AN][i].ttl < ttl)
				ttl = m->rr[DNS_S_AN][i].ttl;
		return ttl;
	}
	if (rcode != DNS_R_NOERROR && rcode != DNS_R_NXDOMAIN)
		return 0;
	/* RFC 2308 5: a negative answer lives min(SOA TTL, MINIMUM). */
	for (unsigned i = 0; i < m->n_rr[DNS_S_NS]; i++) {
		const struct dns_rr *rr = &m->rr[DNS_S_NS][i];
		if (rr->type != DNS_T_SOA || rr->rdlen < 22)
			continue;
		const uint8_t *p = rr->rdata + rr->rdlen - 4;
		uint32_t min = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		    (uint32_t)p[2] << 8 | p[3];
		uint32_t t = rr->ttl < min ? rr->ttl : min;
		if (t < ttl)
			ttl = t;
		found = true;
	}
	return found ? ttl : 0;
}

static struct entry *
cache_find(struct stub_cache *c, const struct dns_name *name, uint16_t type)
{
	for (unsigned i = 0; i < c->n; i++)
		if (c->e[i].type == type && dns_name_equal(&c->e[i].name,
		    name))
			return &c->e[i];
	return NULL;
}

static void
cache_drop(struct stub_cache *c, struct entry *e)
{
	free(e->wire);
	*e = c->e[--c->n];
}

/* A free slot: a new one while there is room, else an expired entry,
 * else the least recently used. */
static struct entry *
cache_slot(struct stub_cache *c, uint64_t now)
{
	if (c->n < c->cap)
		return &c->e[c->n++];
	struct entry *victim = &c->e[0];
	for (unsigned i = 0; i < c->n; i++) {
		struct entry *e = &c->e[i];
		if (e->expires <= now) {
			victim = e;
			break;
		}
		if (e->used < victim->used)
			victim = e;
	}
	if (victim->expires <= now)
		c->st.expired++;
	else
		c->st.evictions++;
	free(victim->wire);
	victim->wire = NULL;
	return victim;
}

int
stub_cache_put(struct stub_cache *c, const struct stub_result *r,
    uint64_t now)
{
	uint32_t ttl = keep_ttl(&r->msg);

	if (ttl == 0 || r->wire == NULL)
		return 0;
	uint8_t *wire = malloc(r->len);
	if (wire == NULL)
		return -ENOMEM;
	memcpy(wire, r->wire, r->len);
	struct entry *e = cache_find(c, &r->msg.q.name, r->msg.q.type);
	if (e != NULL)
		free(e->wire);
	else
		e = cache_slot(c, now);
	e->name = r->msg.q.name;
	dns_name_lower(&e->name);
	e->type = r->msg.q.type;
	e->stored = now;
	e->expires = now + ttl;
	e->used = ++c->tick;
	e->wire = wire;
	e->len = r->len;
	c->st.inserts++;
	return 1;
}

static void
count_down(struct dns_msg *m, uint32_t by)
{
	for (int s = 0; s < DNS_S_COUNT; s++)
		for (unsigned i = 0; i < m->n_rr[s]; i++)
			m->rr[s][i].ttl = m->rr[s][i].ttl > by ?
			    m->rr[s][i].ttl - by : 0;
}

int
stub_cache_get(struct stub_cache *c, const struct dns_name *name,
    uint16_t type, uint64_t now, struct arena *a, struct stub_result *out)
{
	struct entry *e = cache_find(c, name, type);

	if (e != NULL && e->expires <= now) {
		cache_drop(c, e);
		c->st.expired++;
		e = NULL;
	}
	if (e == NULL) {
		c->st.misses++;
		return -IK_ENOTFOUND;
	}
	uint8_t *wire = arena_dup(a, e->wire, e->len);
	if (wire == NULL)
		return -ENOMEM;
	memset(out, 0, sizeof(*out));
	int err = dns_msg_parse(wire, e->len, a, &out->msg);
	if (err < 0)
		return err == -ENOMEM ? err : -IK_ENOTFOUND;
	count_down(&out->msg, (uint32_t)(now - e->stored));
	out->wire = wire;
	out->len = e->len;
	out->is_cached = true;
	e->used = ++c->tick;
	c->st.hits++;
	return 0;
}

void
stub_cache_stats(const struct stub_cache *c, struct stub_cache_stats *out)
{
	*out = c->st;
	out->entries = c->n;
}

/* ---- several servers ---- */

/* Answers that send a stub on to the next server (as resolv.conf). */
static bool
is_server_failure(const struct dns_msg *m)
{
	unsigned rc = stub_rcode(m);

	return rc == DNS_R_SERVFAIL || rc == DNS_R_REFUSED ||
	    rc == DNS_R_NOTIMP || rc == DNS_R_FORMERR;
}

int
stub_resolve(const struct stub_conf *sc, const struct dns_name *name,
    uint16_t type, uint64_t now, struct arena *a, struct stub_result *out)
{
	struct stub_result r, first_bad;
	bool has_bad = false;
	int err;

	if (sc->cache != NULL) {
		err = stub_cache_get(sc->cache, name, type, now, a, out);
		if (err != -IK_ENOTFOUND)
			return err;
	}
	if (sc->n_servers == 0)
		return -EINVAL;
	err = -ETIMEDOUT;
	for (unsigned t = 0; t < n_tries(&sc->opts); t++) {
		unsigned n_bad = 0;
		for (unsigned i = 0; i < sc->n_servers; i++) {
			err = query_try(&sc->servers[i], name, type,
			    &sc->opts, try_timeout(sc->opts.timeout_ms, t), a,
			    &r);
			if (is_fatal(err))
				return err;
			if (err < 0)
				continue;
			if (!is_server_failure(&r.msg)) {
				*out = r;
				/* A full cache or no memory for it costs a
				 * later query, not this answer. */
				if (sc->cache != NULL)
					(void)stub_cache_put(sc->cache, out,
					    now);
				return 0;
			}
			if (!has_bad)
				first_bad = r;
			has_bad = true;
			n_bad++;
		}
		/* Every server answered, badly: asking again will not
		 * change their minds. */
		if (n_bad == sc->n_servers)
			break;
	}
	if (has_bad) {
		*out = first_bad;
		return 0;
	}
	return err;
}

/* ---- helpers for callers ---- */

unsigned
stub_rcode(const struct dns_msg *m)
{
	return DNS_RCODE(m->hdr.flags) | (unsigned)m->edns.ext_rcode << 4;
}

int
stub_rr_addr(const struct dns_rr *rr, uint16_t port, struct net_addr *out)
{
	return dns_rdata_addr(rr->type, rr->rdata, rr->rdlen, port, out);
}
