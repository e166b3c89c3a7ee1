/* dns/recurse.c - the recursive side of the dns service, I/O half.
 * Workers answer cache hits themselves and hand misses to their resolver
 * lane (a thread with its own event loop, on which the UDP workers of a
 * recursive service run too; TCP clients' misses use the service's
 * loop); there each miss becomes a job that runs the resolver's
 * state machine (with a small stack of child queries for glue-less NS
 * names), sending each upstream query from a fresh connected UDP socket
 * (random source port; the kernel drops datagrams from anyone but the
 * server asked), over TCP when an answer came truncated. */
#include "dns/recurse.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <openssl/rand.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/stat.h"

#define FLIGHT_BUCKETS	1024

struct counters {
	atomic_uint_fast64_t	 requests, cache_answers, refused, dropped;
	/* Resolutions admitted and not yet finished: the max_resolutions
	 * bound, shared by the lanes. */
	atomic_uint		 admitted;
};

/* One event loop that resolves: the service's own (TCP clients' queries)
 * or a thread of its own that also runs its UDP workers, so cold
 * resolutions run on several cores. Everything here belongs to the
 * lane's thread, but for `stop` (and `efd`, which wakes it to see it). */
struct rlane {
	struct dns_recurse	*r;
	struct event_base	*base;
	pthread_t		 thread;
	bool			 is_thread, is_started;
	atomic_bool		 stop;
	struct rslv_env		 env;		/* its own infra */
	struct rslv_infra	*infra;
	int			 efd;
	struct event		*ev_wake;
	struct dns_rjob		*jobs;
	size_t			 n_jobs;
	struct dns_recurse_stats st;		/* summed when read */
	uint8_t			 rbuf[DNS_MSG_MAX];
	uint8_t			 obuf[DNS_MSG_MAX];
	uint8_t			 wbuf[DNS_MSG_MAX];	/* for waiters */
	struct flight		*flights[FLIGHT_BUCKETS];
};

struct dns_recurse {
	struct dns_recurse_conf	 conf;		/* fixed after start but for
						 * the allow list */
	struct net_addr		*forward;	/* owned copy */
	struct cache		*cache;
	pthread_rwlock_t	 conf_lock;	/* allow list vs reload */
	struct counters		 c;
	struct rlane		**lanes;	/* [0]: the service's loop */
	unsigned		 n_lanes;
};

struct dns_rjob {
	struct rlane		*l;
	struct dns_rjob		*next, *prev;
	struct arena		*a;
	struct dns_msg		 req;
	struct rslv_prefix	*prefix;	/* a local answer continued */
	int			 fd;		/* UDP client: worker socket */
	struct net_addr		 peer;
	dns_reply_fn		*reply;		/* TCP client */
	void			*reply_arg;
	bool			 is_cancelled;
	bool			 is_prefetch;	/* refreshes the cache only */
	/* The client's query, then child lookups (glue-less NS names);
	 * q[0] is `top`, children come from the arena when needed. */
	struct rslv_query	 top;
	struct rslv_query	*q[RSLV_DEPTH_MAX + 1];
	unsigned		 depth;
	unsigned		 n_sent;
	struct rslv_action	 act;
	/* The upstream query in flight. */
	int			 ufd;
	struct event		*ev;
	struct bufferevent	*bev;
	uint64_t		 wait_until;
	/* Coalescing: the question this job asked for others too, or the
	 * one it waits on instead of asking itself. */
	struct flight		*flight;
	struct flight		*parked;
	struct dns_rjob		*next_waiter;
};

/* A question on the wire (name, type, server) that later jobs wait on
 * instead of asking it again: a burst of names under one new zone costs
 * one referral query, not one per name. */
struct flight {
	struct flight		*next;
	uint32_t		 hash;
	struct dns_name		 name;		/* lowercased */
	uint16_t		 type;
	struct net_addr		 server;
	struct dns_rjob		*waiters;
};

static void job_step(struct dns_rjob *j);
static struct dns_rjob *job_new(struct rlane *l, const uint8_t *q,
    size_t qlen, const uint8_t *local, size_t local_len);
static void job_start(struct dns_rjob *j);

static uint32_t
random32(void *arg)
{
	uint32_t v = 0;

	(void)arg;
	/* IDs and 0x20 bits are the resolver's defence against forgery
	 * (RFC 5452): they come from the CSPRNG. */
	if (RAND_bytes((unsigned char *)&v, sizeof(v)) != 1)
		log_err("RAND_bytes failed");
	return v;
}

/* Takes a slot of max_resolutions; false when none is left. */
static bool
admit(struct dns_recurse *r)
{
	unsigned n = atomic_load(&r->c.admitted);

	do {
		if (n >= r->conf.max_jobs)
			return false;
	} while (!atomic_compare_exchange_weak(&r->c.admitted, &n, n + 1));
	return true;
}

/* ---- replies to clients ---- */

static bool
is_allowed(struct dns_recurse *r, const struct net_addr *peer)
{
	pthread_rwlock_rdlock(&r->conf_lock);
	bool ok = net_cidrs_match(&r->conf.allow, peer);
	pthread_rwlock_unlock(&r->conf_lock);
	return ok;
}

/* Cache hit or refusal, at once; 0 if the query must be resolved. A
 * local answer (out[0..local_len), see dns_recurse_udp) is copied to
 * *local first, and stands as it is for clients that may not recurse. */
static size_t
answer_now(struct dns_recurse *r, const struct dns_msg *m,
    const struct net_addr *peer, size_t lim, size_t local_len,
    uint8_t *out, size_t cap, struct arena *a, const uint8_t **local,
    bool *must_resolve, bool *prefetch)
{
	size_t len = 0;
	struct timespec ts;
	struct rslv_prefix pre;

	*must_resolve = false;
	*prefetch = false;
	*local = NULL;
	atomic_fetch_add(&r->c.requests, 1);
	if (!is_allowed(r, peer)) {
		if (local_len > 0)
			return local_len;
		/* Not an open resolver (RFC 5358). */
		atomic_fetch_add(&r->c.refused, 1);
		return dns_auth_refuse(m, DNS_R_REFUSED, out, cap);
	}
	if (local_len > 0 && ((*local = arena_dup(a, out, local_len)) ==
	    NULL || rslv_prefix_parse(*local, local_len, a, &pre) < 0)) {
		*local = NULL;
		return local_len;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (rslv_answer_cached(r->cache, m, *local != NULL ? &pre : NULL,
	    lim, r->conf.udp_max, (uint64_t)ts.tv_sec, a, out, cap, &len,
	    r->conf.prefetch ? prefetch : NULL) == 1) {
		atomic_fetch_add(&r->c.cache_answers, 1);
		return len;
	}
	if (!(m->hdr.flags & DNS_F_RD)) {
		/* RD=0 asks for what we know: not in the cache. */
		atomic_fetch_add(&r->c.refused, 1);
		return dns_auth_refuse(m, DNS_R_REFUSED, out, cap);
	}
	*must_resolve = true;
	return 0;
}

/* The lane for a UDP worker's misses: each worker keeps to one, so a
 * client's retries meet the same flights and infra. */
static struct rlane *
lane_for(struct dns_recurse *r, unsigned worker)
{
	if (r->n_lanes == 1)
		return r->lanes[0];
	return r->lanes[1 + worker % (r->n_lanes - 1)];
}

/* Refreshes a cached answer in the last tenth of its TTL, as Unbound's
 * prefetch does, so popular names never expire from under their users: a
 * job that feeds the cache and answers no one. On the lane's thread. */
static void
prefetch_start(struct dns_recurse *r, struct rlane *l, const uint8_t *q,
    size_t qlen, const uint8_t *local, size_t local_len)
{
	if (!admit(r))
		return;
	struct dns_rjob *j = job_new(l, q, qlen, local,
	    local != NULL ? local_len : 0);
	if (j == NULL) {
		atomic_fetch_sub(&r->c.admitted, 1);
		return;
	}
	j->is_cancelled = true;
	j->is_prefetch = true;
	STAT_INC(l->st.prefetches);
	job_start(j);
}

size_t
dns_recurse_udp(struct dns_recurse *r, unsigned worker,
    const struct dns_msg *m, const uint8_t *q, size_t qlen,
    size_t local_len, int fd, const struct net_addr *peer, uint8_t *out,
    size_t cap, struct arena *a)
{
	bool must, prefetch;
	const uint8_t *local;
	size_t lim = dns_udp_limit(m, r->conf.udp_max);
	size_t len = answer_now(r, m, peer, lim < cap ? lim : cap, local_len,
	    out, cap, a, &local, &must, &prefetch);

	struct rlane *l = lane_for(r, worker);

	if (prefetch)
		prefetch_start(r, l, q, qlen, local, local_len);
	if (!must)
		return len;
	if (!admit(r)) {
		/* Shed load: the client retries; counted, never logged per
		 * packet. */
		atomic_fetch_add(&r->c.dropped, 1);
		return 0;
	}
	/* The worker runs on this lane's loop: the job starts here. */
	struct dns_rjob *j = job_new(l, q, qlen, local,
	    local != NULL ? local_len : 0);
	if (j == NULL) {
		atomic_fetch_sub(&r->c.admitted, 1);
		atomic_fetch_add(&r->c.dropped, 1);
		return 0;
	}
	j->fd = fd;
	j->peer = *peer;
	job_start(j);
	return 0;
}

/* ---- jobs ---- */

static void
upstream_close(struct dns_rjob *j)
{
	if (j->ev != NULL) {
		event_free(j->ev);
		j->ev = NULL;
	}
	if (j->ufd >= 0) {
		close(j->ufd);
		j->ufd = -1;
	}
	if (j->bev != NULL) {
		bufferevent_free(j->bev);
		j->bev = NULL;
	}
}

static uint32_t
flight_hash(const struct dns_name *n, uint16_t type)
{
	return dns_name_hash(n) ^ (uint32_t)type * 2654435761u;
}

static struct flight *
flight_find(struct rlane *l, const struct dns_name *n, uint16_t type,
    const struct net_addr *server)
{
	uint32_t h = flight_hash(n, type);

	for (struct flight *f = l->flights[h % FLIGHT_BUCKETS]; f != NULL;
	    f = f->next)
		if (f->hash == h && f->type == type &&
		    dns_name_equal(&f->name, n) &&
		    net_addr_same_ip(&f->server, server) &&
		    net_addr_port(&f->server) == net_addr_port(server))
			return f;
	return NULL;
}

static void
flight_start(struct dns_rjob *j)
{
	struct rlane *l = j->l;
	const struct rslv_query *q = j->q[j->depth];
	struct flight *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return;		/* no coalescing for this one */
	f->name = q->asked;
	dns_name_lower(&f->name);
	f->type = q->asked_type;
	f->server = j->act.server;
	f->hash = flight_hash(&f->name, f->type);
	f->next = l->flights[f->hash % FLIGHT_BUCKETS];
	l->flights[f->hash % FLIGHT_BUCKETS] = f;
	j->flight = f;
}

/* Takes the owner's flight out of the table; returns its waiters. */
static struct dns_rjob *
flight_end(struct dns_rjob *j)
{
	struct rlane *l = j->l;
	struct flight *f = j->flight;

	if (f == NULL)
		return NULL;
	for (struct flight **fp = &l->flights[f->hash % FLIGHT_BUCKETS];
	    *fp != NULL; fp = &(*fp)->next) {
		if (*fp == f) {
			*fp = f->next;
			break;
		}
	}
	struct dns_rjob *w = f->waiters;
	for (struct dns_rjob *x = w; x != NULL; x = x->next_waiter)
		x->parked = NULL;
	free(f);
	j->flight = NULL;
	return w;
}

/* Hands the owner's outcome to each waiter: the response (NULL: a
 * timeout), with the waiter's own ID and question case written in. */
static void
flight_wake(struct dns_rjob *w, const uint8_t *resp, size_t len)
{
	struct rlane *l = w->l;
	uint64_t now = clock_mono_ms();

	while (w != NULL) {
		struct dns_rjob *next = w->next_waiter;
		struct rslv_query *q = w->q[w->depth];
		w->next_waiter = NULL;
		if (resp != NULL && len >= (size_t)DNS_HDR_LEN + q->asked.len) {
			memcpy(l->wbuf, resp, len);
			l->wbuf[0] = (uint8_t)(q->id >> 8);
			l->wbuf[1] = (uint8_t)q->id;
			/* The question is never compressed: 0x20 case. */
			memcpy(l->wbuf + DNS_HDR_LEN, q->asked.wire,
			    q->asked.len);
			rslv_on_response(q, l->wbuf, len, now, &w->act);
			if (w->act.step == RSLV_WAIT)
				rslv_on_timeout(q, now, &w->act);
		} else {
			rslv_on_timeout(q, now, &w->act);
		}
		job_step(w);
		w = next;
	}
}

/* The owner's wait is over (answer, timeout or error). */
static void
flight_done(struct dns_rjob *j, const uint8_t *resp, size_t len)
{
	struct dns_rjob *w = flight_end(j);

	if (w != NULL)
		flight_wake(w, resp, len);
}

static void
job_free(struct dns_rjob *j)
{
	struct rlane *l = j->l;
	struct dns_recurse *r = l->r;

	/* Only at teardown can a job go with others waiting on it, or
	 * while waiting itself: unhook without waking anyone. */
	(void)flight_end(j);
	if (j->parked != NULL) {
		for (struct dns_rjob **wp = &j->parked->waiters; *wp != NULL;
		    wp = &(*wp)->next_waiter) {
			if (*wp == j) {
				*wp = j->next_waiter;
				break;
			}
		}
		j->parked = NULL;
	}
	upstream_close(j);
	if (j->prev != NULL)
		j->prev->next = j->next;
	else
		l->jobs = j->next;
	if (j->next != NULL)
		j->next->prev = j->prev;
	l->n_jobs--;
	atomic_fetch_sub(&r->c.admitted, 1);
	arena_free(&j->a);
	free(j);
}

static void
job_finish(struct dns_rjob *j)
{
	struct rlane *l = j->l;
	struct dns_recurse *r = l->r;
	const struct rslv_query *q = j->q[0];
	char name[DNS_NAME_TEXT_MAX];

	if (q->rcode == DNS_R_SERVFAIL) {
		STAT_INC(l->st.servfail);
		dns_name_to_text(&q->qname, name, sizeof(name));
		log_debug("recurse servfail qname=%s why=\"%s\" sent=%u", name,
		    q->why ? q->why : "", j->n_sent);
	} else {
		STAT_INC(l->st.resolved);
	}
	if (!j->is_cancelled) {
		bool is_udp = j->reply == NULL;
		size_t lim = is_udp ? dns_udp_limit(&j->req, r->conf.udp_max) :
		    0, len = 0;
		/* RFC 8767: the authorities failed us; what we knew before
		 * beats SERVFAIL. */
		if (q->rcode == DNS_R_SERVFAIL && r->conf.stale_s > 0 &&
		    rslv_answer_stale(r->cache, &j->req, j->prefix, lim,
		    r->conf.udp_max, clock_mono_ms() / 1000, j->a, l->obuf,
		    sizeof(l->obuf), &len) == 1)
			STAT_INC(l->st.stale);
		else
			len = rslv_reply(q, &j->req, lim, r->conf.udp_max,
			    l->obuf, sizeof(l->obuf));
		if (len > 0 && is_udp) {
			if (sendto(j->fd, l->obuf, len, MSG_DONTWAIT,
			    (const struct sockaddr *)&j->peer.ss,
			    j->peer.len) < 0)
				log_debug("recurse: reply: %s",
				    strerror(errno));
		} else if (len > 0) {
			j->reply(j->reply_arg, j, l->obuf, len);
		}
	}
	job_free(j);
}

static void
on_udp(evutil_socket_t fd, short what, void *arg)
{
	struct dns_rjob *j = arg;
	struct rslv_query *q = j->q[j->depth];
	uint64_t now = clock_mono_ms();

	if (what & EV_TIMEOUT) {
		STAT_INC(j->l->st.timeouts);
		upstream_close(j);
		rslv_on_timeout(q, now, &j->act);
		flight_done(j, NULL, 0);
		job_step(j);
		return;
	}
	ssize_t n = recv(fd, j->l->rbuf, sizeof(j->l->rbuf), 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		goto rearm;
	if (n < 0) {
		/* ECONNREFUSED: the server's port is closed (an ICMP error
		 * on our connected socket): no need to wait it out. */
		upstream_close(j);
		rslv_on_timeout(q, now, &j->act);
		flight_done(j, NULL, 0);
		job_step(j);
		return;
	}
	rslv_on_response(q, j->l->rbuf, (size_t)n, now, &j->act);
	if (j->act.step == RSLV_WAIT)
		goto rearm;
	upstream_close(j);
	/* Waiters take the same bytes (copied: the owner's next query
	 * may reuse rbuf) before the owner moves on. */
	flight_done(j, j->l->rbuf, (size_t)n);
	job_step(j);
	return;
rearm:;
	uint64_t left = j->wait_until > now ? j->wait_until - now : 1;
	struct timeval tv = { (time_t)(left / 1000),
	    (suseconds_t)(left % 1000) * 1000 };
	event_add(j->ev, &tv);
}

/* Returns 0 once sent (or parked behind the same question), or -errno. */
static int
send_udp(struct dns_rjob *j)
{
	const struct net_addr *s = &j->act.server;
	const struct rslv_query *q = j->q[j->depth];
	struct flight *f = flight_find(j->l, &q->asked, q->asked_type, s);

	if (f != NULL) {
		j->parked = f;
		j->next_waiter = f->waiters;
		f->waiters = j;
		STAT_INC(j->l->st.coalesced);
		return 0;
	}
	int fd = socket(s->ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	/* A new socket per query: the kernel picks a random source port
	 * (RFC 5452 9.2), and connect() filters other sources. */
	if (connect(fd, (const struct sockaddr *)&s->ss, s->len) < 0 ||
	    send(fd, j->act.query, j->act.query_len, 0) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	j->ufd = fd;
	j->ev = event_new(j->l->base, fd, EV_READ, on_udp, j);
	if (j->ev == NULL)
		return -ENOMEM;
	j->wait_until = clock_mono_ms() + j->act.timeout_ms;
	struct timeval tv = { (time_t)(j->act.timeout_ms / 1000),
	    (suseconds_t)(j->act.timeout_ms % 1000) * 1000 };
	event_add(j->ev, &tv);
	STAT_INC(j->l->st.upstream);
	flight_start(j);
	return 0;
}

static void
on_tcp_read(struct bufferevent *bev, void *arg)
{
	struct dns_rjob *j = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	uint8_t pfx[2];

	if (evbuffer_copyout(in, pfx, 2) < 2)
		return;
	size_t len = (size_t)pfx[0] << 8 | pfx[1];
	if (evbuffer_get_length(in) < 2 + len)
		return;
	evbuffer_drain(in, 2);
	evbuffer_remove(in, j->l->rbuf, len);
	rslv_on_response(j->q[j->depth], j->l->rbuf, len, clock_mono_ms(),
	    &j->act);
	if (j->act.step == RSLV_WAIT)
		return;
	upstream_close(j);
	job_step(j);
}

static void
on_tcp_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	struct dns_rjob *j = arg;

	if (what & BEV_EVENT_CONNECTED)
		return;
	/* EOF, error or timeout before a whole answer. */
	STAT_INC(j->l->st.timeouts);
	upstream_close(j);
	rslv_on_timeout(j->q[j->depth], clock_mono_ms(), &j->act);
	job_step(j);
}

static int
send_tcp(struct dns_rjob *j)
{
	const struct net_addr *s = &j->act.server;
	uint8_t pfx[2] = { (uint8_t)(j->act.query_len >> 8),
	    (uint8_t)j->act.query_len };
	struct timeval tv = { (time_t)(j->act.timeout_ms / 1000 + 1), 0 };

	j->bev = bufferevent_socket_new(j->l->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (j->bev == NULL)
		return -ENOMEM;
	bufferevent_setcb(j->bev, on_tcp_read, NULL, on_tcp_event, j);
	bufferevent_set_timeouts(j->bev, &tv, &tv);
	if (bufferevent_socket_connect(j->bev, (const struct sockaddr *)&s->ss,
	    (int)s->len) < 0)
		return -ECONNREFUSED;
	bufferevent_write(j->bev, pfx, 2);
	bufferevent_write(j->bev, j->act.query, j->act.query_len);
	bufferevent_enable(j->bev, EV_READ | EV_WRITE);
	STAT_INC(j->l->st.upstream_tcp);
	return 0;
}

/* Carries out actions until one has to wait for the network. */
static void
job_step(struct dns_rjob *j)
{
	for (;;) {
		struct rslv_query *q = j->q[j->depth];
		uint64_t now = clock_mono_ms();
		switch (j->act.step) {
		case RSLV_SEND: {
			int err = j->act.over_tcp ? send_tcp(j) : send_udp(j);
			if (err == 0)
				return;
			upstream_close(j);
			rslv_on_timeout(q, now, &j->act);
			continue;
		}
		case RSLV_WAIT:
			/* Only on_udp sees WAIT; here it means a bug. */
			rslv_on_timeout(q, now, &j->act);
			continue;
		case RSLV_CHILD: {
			struct rslv_query *c = j->q[j->depth + 1];
			if (c == NULL && (c = arena_zalloc(j->a,
			    sizeof(*c))) == NULL) {
				/* No memory: as if the child found nothing. */
				rslv_child_done(q, now, &j->act);
				continue;
			}
			j->q[j->depth + 1] = c;
			j->depth++;
			rslv_init(c, &j->l->env, j->a, &j->act.child_name,
			    j->act.child_type, j->depth, &j->n_sent, now);
			c->deadline = q->deadline;
			rslv_start(c, now, &j->act);
			continue;
		}
		case RSLV_DONE:
			if (j->depth > 0) {
				j->depth--;
				rslv_child_done(j->q[j->depth], now,
				    &j->act);
				continue;
			}
			job_finish(j);
			return;
		}
	}
}

static struct dns_rjob *
job_new(struct rlane *l, const uint8_t *q, size_t qlen, const uint8_t *local,
    size_t local_len)
{
	struct dns_rjob *j = calloc(1, sizeof(*j));

	if (j == NULL)
		return NULL;
	j->l = l;
	j->ufd = -1;
	j->fd = -1;
	j->q[0] = &j->top;
	uint8_t *copy;
	if ((j->a = arena_new(16384)) == NULL ||
	    (copy = arena_dup(j->a, q, qlen)) == NULL ||
	    dns_msg_parse(copy, qlen, j->a, &j->req) < 0 || !j->req.has_q ||
	    (local_len > 0 && ((j->prefix = arena_alloc(j->a,
	    sizeof(*j->prefix))) == NULL || (local = arena_dup(j->a, local,
	    local_len)) == NULL || rslv_prefix_parse(local, local_len, j->a,
	    j->prefix) < 0))) {
		arena_free(&j->a);
		free(j);
		return NULL;
	}
	j->next = l->jobs;
	if (l->jobs != NULL)
		l->jobs->prev = j;
	l->jobs = j;
	l->n_jobs++;
	return j;
}

static void
job_start(struct dns_rjob *j)
{
	uint64_t now = clock_mono_ms();

	rslv_init(j->q[0], &j->l->env, j->a, &j->req.q.name, j->req.q.type,
	    0, &j->n_sent, now);
	if (j->prefix != NULL)
		rslv_seed(j->q[0], j->prefix);
	j->q[0]->refresh = j->is_prefetch;
	rslv_start(j->q[0], now, &j->act);
	job_step(j);
}

static void
on_deferred_start(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	job_start(arg);
}

/* The lane is asked to stop. */
static void
on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct rlane *l = arg;
	uint64_t v;

	(void)fd;
	(void)what;
	if (read(l->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_warn("recurse: eventfd read: %s", strerror(errno));
	if (atomic_load(&l->stop))
		event_base_loopbreak(l->base);
}

size_t
dns_recurse_tcp(struct dns_recurse *r, const struct dns_msg *m,
    const uint8_t *q, size_t qlen, size_t local_len,
    const struct net_addr *peer, dns_reply_fn *reply, void *arg,
    uint8_t *out, size_t cap, struct arena *a, struct dns_rjob **job)
{
	bool must, prefetch;
	const uint8_t *local;
	size_t len = answer_now(r, m, peer, cap, local_len, out, cap, a,
	    &local, &must, &prefetch);
	struct rlane *l = r->lanes[0];	/* the TCP sessions' own loop */

	*job = NULL;
	if (prefetch)
		prefetch_start(r, l, q, qlen, local, local_len);
	if (!must)
		return len;
	if (!admit(r)) {
		atomic_fetch_add(&r->c.dropped, 1);
		return dns_auth_refuse(m, DNS_R_SERVFAIL, out, cap);
	}
	struct dns_rjob *j = job_new(l, q, qlen, local,
	    local != NULL ? local_len : 0);
	if (j == NULL) {
		atomic_fetch_sub(&r->c.admitted, 1);
		return dns_auth_refuse(m, DNS_R_SERVFAIL, out, cap);
	}
	j->reply = reply;
	j->reply_arg = arg;
	*job = j;
	/* Started from the loop, so reply never runs before the caller has
	 * stored its handle. */
	struct timeval zero = { 0, 0 };
	if (event_base_once(l->base, -1, EV_TIMEOUT, on_deferred_start, j,
	    &zero) < 0)
		job_start(j);
	return 0;
}

void
dns_recurse_cancel(struct dns_rjob *job)
{
	/* The job runs on (its results feed the cache) but answers no one. */
	job->is_cancelled = true;
	job->reply = NULL;
}

/* ---- lanes ---- */

static void
lane_wake(struct rlane *l)
{
	uint64_t one = 1;

	if (write(l->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warn("recurse: eventfd write: %s", strerror(errno));
}

static void *
lane_run(void *arg)
{
	struct rlane *l = arg;

	event_base_dispatch(l->base);
	return NULL;
}

static void
lane_join(struct rlane *l)
{
	if (!l->is_started)
		return;
	atomic_store(&l->stop, true);
	lane_wake(l);
	pthread_join(l->thread, NULL);
	l->is_started = false;
}

static void
lane_free(struct rlane *l)
{
	if (l == NULL)
		return;
	lane_join(l);
	/* The thread is gone: its jobs are ours to free. */
	while (l->jobs != NULL)
		job_free(l->jobs);
	if (l->ev_wake != NULL)
		event_free(l->ev_wake);
	if (l->is_thread && l->base != NULL)
		event_base_free(l->base);
	if (l->efd >= 0)
		close(l->efd);
	rslv_infra_free(&l->infra);
	free(l);
}

/* A lane on `base`, or on a new loop in a thread of its own (base NULL). */
static struct rlane *
lane_new(struct dns_recurse *r, struct event_base *base, int *err)
{
	struct rlane *l = calloc(1, sizeof(*l));

	*err = -ENOMEM;
	if (l == NULL)
		return NULL;
	l->r = r;
	l->efd = -1;
	l->is_thread = base == NULL;
	l->base = base != NULL ? base : event_base_new();
	if (l->base == NULL || (l->infra = rslv_infra_new()) == NULL)
		goto fail;
	l->env.cache = r->cache;
	l->env.infra = l->infra;
	l->env.hints = &r->conf.hints;
	l->env.forward = r->forward;
	l->env.n_forward = r->conf.n_forward;
	l->env.port = r->conf.port;
	l->env.qname_minimise = r->conf.qname_minimise;
	l->env.use_0x20 = r->conf.use_0x20;
	l->env.timeout_ms = r->conf.timeout_ms;
	l->env.random32 = random32;
	if ((l->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		*err = -errno;
		goto fail;
	}
	l->ev_wake = event_new(l->base, l->efd, EV_READ | EV_PERSIST,
	    on_wake, l);
	if (l->ev_wake == NULL || event_add(l->ev_wake, NULL) < 0)
		goto fail;
	*err = 0;
	return l;
fail:
	lane_free(l);
	return NULL;
}

/* ---- setup ---- */

/* The allow list: the one resolver setting a reload changes (the others
 * are read by the lanes' threads without a lock). */
static int
set_allow(struct dns_recurse *r, const struct net_cidrs *allow)
{
	struct net_cidr *v = NULL;

	if (allow->n > 0 && (v = malloc(allow->n * sizeof(*v))) == NULL)
		return -ENOMEM;
	if (v != NULL)
		memcpy(v, allow->v, allow->n * sizeof(*v));
	pthread_rwlock_wrlock(&r->conf_lock);
	free(r->conf.allow.v);
	r->conf.allow.v = v;
	r->conf.allow.n = allow->n;
	pthread_rwlock_unlock(&r->conf_lock);
	return 0;
}

struct dns_recurse *
dns_recurse_new(struct event_base *base, const struct dns_recurse_conf *conf,
    int *err)
{
	struct dns_recurse *r = calloc(1, sizeof(*r));
	unsigned threads = conf->lanes > 8 ? 8 : conf->lanes;

	*err = -ENOMEM;
	if (r == NULL)
		return NULL;
	pthread_rwlock_init(&r->conf_lock, NULL);
	r->conf = *conf;
	r->conf.allow.v = NULL;
	r->conf.allow.n = 0;
	r->conf.forward = NULL;
	if (conf->n_forward > 0) {
		r->forward = malloc(conf->n_forward * sizeof(*r->forward));
		if (r->forward == NULL)
			goto fail;
		memcpy(r->forward, conf->forward,
		    conf->n_forward * sizeof(*r->forward));
		r->conf.forward = r->forward;
	}
	if (set_allow(r, &conf->allow) < 0 ||
	    (r->cache = cache_new(conf->cache_size, 64)) == NULL ||
	    (r->lanes = calloc(1 + threads, sizeof(*r->lanes))) == NULL)
		goto fail;
	cache_set_stale(r->cache, conf->stale_s);
	for (unsigned i = 0; i <= threads; i++) {
		r->lanes[i] = lane_new(r, i == 0 ? base : NULL, err);
		if (r->lanes[i] == NULL)
			goto fail;
		r->n_lanes++;
	}
	*err = 0;
	return r;
fail:
	if (*err == 0)
		*err = -ENOMEM;
	dns_recurse_free(&r);
	return NULL;
}

int
dns_recurse_run(struct dns_recurse *r)
{
	for (unsigned i = 0; i < r->n_lanes; i++) {
		struct rlane *l = r->lanes[i];
		if (!l->is_thread || l->is_started)
			continue;
		int err = pthread_create(&l->thread, NULL, lane_run, l);
		if (err != 0)
			return -err;
		l->is_started = true;
	}
	return 0;
}

struct event_base *
dns_recurse_lane_base(struct dns_recurse *r, unsigned worker)
{
	if (r->n_lanes == 1)
		return NULL;
	return lane_for(r, worker)->base;
}

void
dns_recurse_stop_lanes(struct dns_recurse *r)
{
	for (unsigned i = 0; i < r->n_lanes; i++)
		lane_join(r->lanes[i]);
}

void
dns_recurse_set_conf(struct dns_recurse *r,
    const struct dns_recurse_conf *conf)
{
	if (set_allow(r, &conf->allow) < 0)
		log_err("recurse: out of memory applying the new allow list");
}

void
dns_recurse_free(struct dns_recurse **rp)
{
	struct dns_recurse *r = *rp;

	if (r == NULL)
		return;
	for (unsigned i = 0; i < r->n_lanes; i++)
		lane_free(r->lanes[i]);
	free(r->lanes);
	cache_free(&r->cache);
	free(r->conf.allow.v);
	free(r->forward);
	pthread_rwlock_destroy(&r->conf_lock);
	free(r);
	*rp = NULL;
}

size_t
dns_recurse_flush(struct dns_recurse *r, const struct dns_name *name,
    bool below)
{
	return cache_flush(r->cache, name, below);
}

void
dns_recurse_stats(struct dns_recurse *r, struct dns_recurse_stats *out,
    struct cache_stats *cs)
{
	memset(out, 0, sizeof(*out));
	/* The lanes' counters (core/stat.h): a sum may be a query behind,
	 * like the UDP workers' stats. */
	for (unsigned i = 0; i < r->n_lanes; i++) {
		const struct dns_recurse_stats *s = &r->lanes[i]->st;
		out->resolved += STAT_GET(s->resolved);
		out->servfail += STAT_GET(s->servfail);
		out->upstream += STAT_GET(s->upstream);
		out->upstream_tcp += STAT_GET(s->upstream_tcp);
		out->timeouts += STAT_GET(s->timeouts);
		out->coalesced += STAT_GET(s->coalesced);
		out->stale += STAT_GET(s->stale);
		out->prefetches += STAT_GET(s->prefetches);
	}
	out->requests = atomic_load(&r->c.requests);
	out->cache_answers = atomic_load(&r->c.cache_answers);
	out->refused = atomic_load(&r->c.refused);
	out->dropped = atomic_load(&r->c.dropped);
	out->jobs = atomic_load(&r->c.admitted);
	cache_stats(r->cache, cs);
}
