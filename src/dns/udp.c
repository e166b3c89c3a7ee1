/* dns/udp.c - UDP workers: each owns one SO_REUSEPORT socket and loops
 * recvmmsg -> answer each packet into the next TX slot -> sendmmsg. An
 * authoritative-only worker is a thread blocked in recvmmsg; a recursive
 * one runs on its resolver lane's event loop, so a cache miss starts
 * resolving in the same thread, without a handoff.
 * The zone db is loaded once per batch; the worker publishes the epoch it
 * saw first, so a reload knows when an old db is free to go. */
#include "dns/udp.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <event2/event.h>

#include "core/arena.h"
#include "core/log.h"
#include "core/net.h"
#include "core/stat.h"
#include "dns/recurse.h"

#define UDP_BATCH	64
#define DNS_UDP_IN_MAX	4096	/* larger queries arrive cut and FORMERR */
#define DNS_UDP_OUT_MAX	4096	/* udp_size is capped to this */
#define UDP_POLL_MS	100	/* how often a worker checks for stop */
#define UDP_LANE_BATCHES 8	/* full batches per wakeup on a lane, so
				 * upstream answers are not starved */

struct udp_worker {
	struct dns_udp		*u;
	unsigned		 index;
	struct net_addr		 cur_peer;	/* packet being answered */
	pthread_t		 thread;
	bool			 is_started;
	struct event		*ev_read, *ev_tick;	/* on a lane */
	int			 fd;
	atomic_uint_fast64_t	 seen;	/* epoch at the last batch start */
	struct mmsghdr		 rx[UDP_BATCH], tx[UDP_BATCH];
	struct iovec		 rx_iov[UDP_BATCH], tx_iov[UDP_BATCH];
	struct sockaddr_storage	 peer[UDP_BATCH];
	uint8_t			 in[UDP_BATCH][DNS_UDP_IN_MAX];
	uint8_t			 out[UDP_BATCH][DNS_UDP_OUT_MAX];
	struct arena		*arena;
	struct dns_stats	 st;
};

struct dns_udp {
	struct dns_shared	*sh;
	bool			 on_lanes;	/* recursive: see top */
	atomic_bool		 stop;
	struct udp_worker	**w;
	size_t			 n;
};

static void
log_query(const struct udp_worker *w, unsigned i, const uint8_t *resp,
    size_t rlen)
{
	struct net_addr peer;
	struct dns_msg m;
	char addr[NET_ADDRSTRLEN], name[DNS_NAME_TEXT_MAX], type[16];

	net_addr_from_sa(&peer, (const struct sockaddr *)&w->peer[i],
	    w->rx[i].msg_hdr.msg_namelen);
	if (dns_msg_parse(w->in[i], w->rx[i].msg_len, w->arena, &m) < 0 ||
	    !m.has_q) {
		log_info("query peer=%s malformed",
		    net_addr_format(&peer, true, addr, sizeof(addr)));
		return;
	}
	dns_name_to_text(&m.q.name, name, sizeof(name));
	log_info("query peer=%s proto=udp qname=%s qtype=%s rcode=%u",
	    net_addr_format(&peer, true, addr, sizeof(addr)), name,
	    dns_type_name(m.q.type, type, sizeof(type)),
	    rlen >= 4 ? resp[3] & 0xf : 0);
}

/* Clears O_NONBLOCK (listeners are made non-blocking). */
static int
set_blocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

static void
worker_wire(struct udp_worker *w)
{
	for (unsigned i = 0; i < UDP_BATCH; i++) {
		w->rx_iov[i].iov_base = w->in[i];
		w->rx_iov[i].iov_len = sizeof(w->in[i]);
		w->rx[i].msg_hdr.msg_iov = &w->rx_iov[i];
		w->rx[i].msg_hdr.msg_iovlen = 1;
		w->tx[i].msg_hdr.msg_iov = &w->tx_iov[i];
		w->tx[i].msg_hdr.msg_iovlen = 1;
	}
}

/* Sends tx[0..n); on EAGAIN the rest is dropped and counted. */
static void
send_batch(struct udp_worker *w, unsigned n)
{
	unsigned done = 0;

	while (done < n) {
		int r = sendmmsg(w->fd, &w->tx[done], n - done, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			/* A full socket buffer or an unreachable peer: the
			 * client retries. */
			STAT_ADD(w->st.dropped, n - done);
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				done++;
			else
				return;
			continue;
		}
		done += (unsigned)r;
	}
}

/* dns_auth_opts.recurse: queries for names in no zone, and local
 * answers whose CNAME chain leads out. */
static size_t
worker_recurse(void *arg, const struct dns_msg *m, const uint8_t *q,
    size_t qlen, size_t local_len, uint8_t *out, size_t cap,
    struct arena *a)
{
	struct udp_worker *w = arg;

	return dns_recurse_udp(w->u->sh->recurse, w->index, m, q, qlen,
	    local_len, w->fd, &w->cur_peer, out, cap, a);
}

/* Receives one batch (flags: MSG_WAITFORONE or MSG_DONTWAIT), answers
 * it, sends the answers; returns how many datagrams came in. */
static int
worker_batch(struct udp_worker *w, int flags)
{
	struct dns_shared *sh = w->u->sh;
	struct dns_auth_opts opts;

	for (unsigned i = 0; i < UDP_BATCH; i++) {
		w->rx[i].msg_hdr.msg_name = &w->peer[i];
		w->rx[i].msg_hdr.msg_namelen = sizeof(w->peer[i]);
	}
	int n = recvmmsg(w->fd, w->rx, UDP_BATCH, flags, NULL);
	/* The epoch is published before the db is read, and both after the
	 * wait: a batch never answers from a db that was swapped out while
	 * the worker slept. */
	atomic_store(&w->seen, atomic_load(&sh->epoch));
	const struct zonedb *db = atomic_load(&sh->db);
	if (n <= 0)
		return 0;	/* timeout (stop check), EAGAIN or EINTR */
	opts = sh->opts;
	if (sh->recurse != NULL) {
		opts.recurse = worker_recurse;
		opts.recurse_arg = w;
	}
	unsigned k = 0;
	for (unsigned i = 0; i < (unsigned)n; i++) {
		net_addr_from_sa(&w->cur_peer,
		    (const struct sockaddr *)&w->peer[i],
		    w->rx[i].msg_hdr.msg_namelen);
		size_t len = dns_auth_answer(db, &opts, w->in[i],
		    w->rx[i].msg_len, w->out[k], DNS_UDP_OUT_MAX, w->arena,
		    &w->st);
		STAT_INC(w->st.udp);
		if (atomic_load_explicit(&sh->query_log, memory_order_relaxed))
			log_query(w, i, w->out[k], len);
		arena_reset(w->arena);
		if (len == 0)
			continue;
		w->tx_iov[k].iov_base = w->out[k];
		w->tx_iov[k].iov_len = len;
		w->tx[k].msg_hdr.msg_name = &w->peer[i];
		w->tx[k].msg_hdr.msg_namelen = w->rx[i].msg_hdr.msg_namelen;
		k++;
	}
	send_batch(w, k);
	return n;
}

static void *
worker_run(void *arg)
{
	struct udp_worker *w = arg;

	while (!atomic_load(&w->u->stop))
		(void)worker_batch(w, MSG_WAITFORONE);
	return NULL;
}

/* A worker on a lane: the socket is readable. The poll is level-
 * triggered, so what a bounded round leaves brings it back. */
static void
worker_on_read(evutil_socket_t fd, short what, void *arg)
{
	struct udp_worker *w = arg;

	(void)fd;
	(void)what;
	for (unsigned i = 0; i < UDP_LANE_BATCHES; i++)
		if (worker_batch(w, MSG_DONTWAIT) < UDP_BATCH)
			break;
}

/* A worker on a lane: an idle one still publishes the epoch. */
static void
worker_on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct udp_worker *w = arg;

	(void)fd;
	(void)what;
	atomic_store(&w->seen, atomic_load(&w->u->sh->epoch));
}

/* Puts the worker on its resolver lane's loop; -errno on failure. */
static int
worker_put_on_lane(struct udp_worker *w)
{
	struct event_base *base = dns_recurse_lane_base(w->u->sh->recurse,
	    w->index);
	struct timeval tv = { 0, UDP_POLL_MS * 1000 };

	if (base == NULL)
		return -ENOENT;
	w->ev_read = event_new(base, w->fd, EV_READ | EV_PERSIST,
	    worker_on_read, w);
	w->ev_tick = event_new(base, -1, EV_PERSIST, worker_on_tick, w);
	if (w->ev_read == NULL || w->ev_tick == NULL ||
	    event_add(w->ev_read, NULL) < 0 || event_add(w->ev_tick, &tv) < 0)
		return -ENOMEM;
	return 0;
}

struct dns_udp *
dns_udp_start(const int *fds, size_t n, struct dns_shared *sh, int *err)
{
	struct dns_udp *u = calloc(1, sizeof(*u));
	struct timeval tv = { 0, UDP_POLL_MS * 1000 };
	size_t i;

	if (u == NULL || (u->w = calloc(n ? n : 1, sizeof(*u->w))) == NULL) {
		*err = -ENOMEM;
		free(u);
		for (i = 0; i < n; i++)
			close(fds[i]);
		return NULL;
	}
	u->sh = sh;
	u->n = n;
	u->on_lanes = sh->recurse != NULL;
	for (i = 0; i < n; i++) {
		struct udp_worker *w = calloc(1, sizeof(*w));
		u->w[i] = w;
		if (w == NULL) {
			close(fds[i]);
			continue;
		}
		w->fd = fds[i];
		w->u = u;
		w->index = (unsigned)i;
		worker_wire(w);
		if ((w->arena = arena_new(16384)) == NULL)
			continue;
		if (u->on_lanes) {
			/* The socket stays non-blocking; the lane's thread
			 * starts later (dns_recurse_run). */
			w->is_started = worker_put_on_lane(w) == 0;
			continue;
		}
		/* A blocking socket with a receive timeout, so the worker
		 * sleeps in recvmmsg yet checks for stop regularly. */
		if (set_blocking(w->fd) < 0 ||
		    setsockopt(w->fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
		    sizeof(tv)) < 0)
			continue;
		if (pthread_create(&w->thread, NULL, worker_run, w) == 0)
			w->is_started = true;
	}
	for (i = 0; i < n; i++) {
		if (u->w[i] == NULL || !u->w[i]->is_started) {
			*err = -ENOMEM;
			dns_udp_stop(&u);
			return NULL;
		}
	}
	return u;
}

bool
dns_udp_passed(const struct dns_udp *u, uint64_t epoch)
{
	for (size_t i = 0; i < u->n; i++)
		if (atomic_load(&u->w[i]->seen) < epoch)
			return false;
	return true;
}

void
dns_udp_stats(const struct dns_udp *u, struct dns_stats *sum)
{
	/* Counters other threads bump (core/stat.h): a sum may be a batch
	 * behind. */
	for (size_t i = 0; i < u->n; i++)
		dns_stats_add(sum, &u->w[i]->st);
}

void
dns_udp_stop(struct dns_udp **up)
{
	struct dns_udp *u = *up;

	if (u == NULL)
		return;
	atomic_store(&u->stop, true);
	if (u->on_lanes)	/* their threads run the workers' events */
		dns_recurse_stop_lanes(u->sh->recurse);
	for (size_t i = 0; i < u->n; i++) {
		struct udp_worker *w = u->w[i];
		if (w == NULL)
			continue;
		if (w->is_started && !u->on_lanes)
			pthread_join(w->thread, NULL);
		if (w->ev_read != NULL)
			event_free(w->ev_read);
		if (w->ev_tick != NULL)
			event_free(w->ev_tick);
		close(w->fd);
		arena_free(&w->arena);
		free(w);
	}
	free(u->w);
	free(u);
	*up = NULL;
}
