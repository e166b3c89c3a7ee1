/* dns/tcp.c - DNS over TCP (RFC 1035 4.2.2, RFC 7766): each message has
 * a 2-byte length; every complete query in the input is answered in
 * order (pipelining), reading pauses while much output is queued, an idle
 * connection is closed, and AXFR is served to clients in the zone's
 * allow_axfr list. */
#include "dns/tcp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "core/arena.h"
#include "core/log.h"
#include "core/net.h"
#include "core/stat.h"
#include "dns/recurse.h"

#define TCP_OUT_HIGH	(256 * 1024)	/* pause reading above this */
#define TCP_JOBS_MAX	16	/* recursive queries pending per conn */

struct tcp_conn {
	struct dns_tcp		*t;
	struct bufferevent	*bev;
	struct net_addr		 peer;
	struct tcp_conn		*next, *prev;
	bool			 is_closing;
	/* Recursive queries still being resolved; answered out of order
	 * as they finish (RFC 7766 7). */
	struct dns_rjob		*jobs[TCP_JOBS_MAX];
	unsigned		 n_jobs;
};

struct dns_tcp {
	struct event_base	*base;
	struct dns_shared	*sh;
	const struct dns_tcp_opts *o;
	struct evconnlistener	**lev;
	size_t			 n_lev;
	struct tcp_conn		*conns;
	size_t			 n_conns;
	bool			 is_stopping;
	struct arena		*arena;
	uint8_t			 out[DNS_MSG_MAX + 2];
	uint8_t			 in[DNS_MSG_MAX];
	struct dns_stats	 st;
};

static void
conn_free(struct tcp_conn *c)
{
	struct dns_tcp *t = c->t;

	for (unsigned i = 0; i < c->n_jobs; i++)
		dns_recurse_cancel(c->jobs[i]);

	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		t->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	t->n_conns--;
	bufferevent_free(c->bev);
	free(c);
}

static int
emit_msg(void *arg, const uint8_t *msg, size_t len)
{
	struct tcp_conn *c = arg;
	uint8_t pfx[2] = { (uint8_t)(len >> 8), (uint8_t)len };
	struct evbuffer *out = bufferevent_get_output(c->bev);

	if (evbuffer_add(out, pfx, 2) < 0 || evbuffer_add(out, msg, len) < 0)
		return -ENOMEM;
	return 0;
}

static void conn_read(struct bufferevent *bev, void *arg);

/* A recursive answer is ready. */
static void
conn_reply(void *arg, struct dns_rjob *job, const uint8_t *msg, size_t len)
{
	struct tcp_conn *c = arg;

	for (unsigned i = 0; i < c->n_jobs; i++) {
		if (c->jobs[i] == job) {
			c->jobs[i] = c->jobs[--c->n_jobs];
			break;
		}
	}
	emit_msg(c, msg, len);
	if (c->is_closing)
		return;		/* freed once this answer is flushed */
	/* Reading may have paused for want of a job slot. */
	if (!c->is_closing && !c->t->is_stopping)
		bufferevent_enable(c->bev, EV_READ);
}

/* dns_auth_opts.recurse for TCP. */
static size_t
conn_recurse(void *arg, const struct dns_msg *m, const uint8_t *q,
    size_t qlen, size_t local_len, uint8_t *out, size_t cap,
    struct arena *a)
{
	struct tcp_conn *c = arg;
	struct dns_rjob *job = NULL;
	size_t n = dns_recurse_tcp(c->t->sh->recurse, m, q, qlen, local_len,
	    &c->peer, conn_reply, c, out, cap, a, &job);

	if (job != NULL)
		c->jobs[c->n_jobs++] = job;
	return n;
}

/* AXFR: the zone must be ours exactly and the peer allowed. */
static void
serve_axfr(struct tcp_conn *c, const struct zonedb *db,
    const struct dns_msg *m)
{
	struct dns_tcp *t = c->t;
	const struct zone *z = zonedb_get(db, &m->q.name);
	char addr[NET_ADDRSTRLEN], name[DNS_NAME_TEXT_MAX];
	size_t n;

	t->st.qtype[DNS_ST_AXFR]++;
	dns_name_to_text(&m->q.name, name, sizeof(name));
	net_addr_format(&c->peer, true, addr, sizeof(addr));
	if (z == NULL || !net_cidrs_match(&z->allow_axfr, &c->peer)) {
		STAT_INC(t->st.axfr_refused);
		unsigned rc = z == NULL ? DNS_R_NOTAUTH : DNS_R_REFUSED;
		t->st.rcode[rc]++;
		log_info("axfr refused zone=%s peer=%s rcode=%u", name, addr,
		    rc);
		n = dns_auth_refuse(m, rc, t->out, DNS_MSG_MAX);
		if (n > 0)
			emit_msg(c, t->out, n);
		return;
	}
	int err = dns_auth_axfr(z, m, t->out, DNS_MSG_MAX, emit_msg, c);
	if (err < 0) {
		log_warn("axfr failed zone=%s peer=%s err=%d", name, addr, err);
		c->is_closing = true;
		return;
	}
	STAT_INC(t->st.axfr);
	t->st.rcode[DNS_R_NOERROR]++;
	log_info("axfr zone=%s peer=%s serial=%u records=%zu", name, addr,
	    z->serial, z->n_records);
}

static void
answer_one(struct tcp_conn *c, const uint8_t *q, size_t qlen)
{
	struct dns_tcp *t = c->t;
	const struct zonedb *db = atomic_load(&t->sh->db);
	struct dns_msg m;

	STAT_INC(t->st.tcp);
	/* Peek at the question: transfers are TCP's own business. */
	if (dns_auth_parse_query(q, qlen, t->arena, &m) == 0 && m.has_q &&
	    !(m.hdr.flags & DNS_F_QR) &&
	    DNS_OPCODE(m.hdr.flags) == DNS_OP_QUERY &&
	    m.q.type == DNS_T_AXFR) {
		STAT_INC(t->st.queries);
		serve_axfr(c, db, &m);
		arena_reset(t->arena);
		return;
	}
	arena_reset(t->arena);
	struct dns_auth_opts o = t->sh->opts;
	o.is_tcp = true;
	if (t->sh->recurse != NULL) {
		o.recurse = conn_recurse;
		o.recurse_arg = c;
	}
	size_t n = dns_auth_answer(db, &o, q, qlen, t->out, DNS_MSG_MAX,
	    t->arena, &t->st);
	arena_reset(t->arena);
	if (atomic_load(&t->sh->query_log)) {
		char addr[NET_ADDRSTRLEN];
		log_info("query peer=%s proto=tcp len=%zu rcode=%u",
		    net_addr_format(&c->peer, true, addr, sizeof(addr)),
		    qlen, n >= 4 ? t->out[3] & 0xf : 0);
	}
	if (n > 0)
		emit_msg(c, t->out, n);
}

static void
conn_read(struct bufferevent *bev, void *arg)
{
	struct tcp_conn *c = arg;
	struct dns_tcp *t = c->t;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer *out = bufferevent_get_output(bev);
	uint8_t pfx[2];

	while (!c->is_closing && evbuffer_get_length(out) < TCP_OUT_HIGH &&
	    c->n_jobs < TCP_JOBS_MAX) {
		if (evbuffer_copyout(in, pfx, 2) < 2)
			break;
		size_t len = (size_t)pfx[0] << 8 | pfx[1];
		if (len == 0) {
			c->is_closing = true;
			break;
		}
		if (evbuffer_get_length(in) < 2 + len)
			break;
		evbuffer_drain(in, 2);
		evbuffer_remove(in, t->in, len);
		answer_one(c, t->in, len);
	}
	if (evbuffer_get_length(out) >= TCP_OUT_HIGH ||
	    c->n_jobs >= TCP_JOBS_MAX)
		bufferevent_disable(bev, EV_READ);	/* resumed later */
	if (c->is_closing) {
		bufferevent_disable(bev, EV_READ);
		if (evbuffer_get_length(out) == 0)
			conn_free(c);
	}
}

static void
conn_write(struct bufferevent *bev, void *arg)
{
	struct tcp_conn *c = arg;

	/* Output drained: close if asked (and nothing is pending), else go
	 * on reading. */
	if ((c->is_closing || c->t->is_stopping) && c->n_jobs == 0) {
		conn_free(c);
		return;
	}
	if (c->is_closing)
		return;
	bufferevent_enable(bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_input(bev)) > 0)
		conn_read(bev, c);
}

static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct tcp_conn *c = arg;

	/* A client that half-closed after its queries still gets the
	 * answers being resolved for it. */
	if ((what & BEV_EVENT_EOF) && c->n_jobs > 0) {
		c->is_closing = true;
		bufferevent_disable(bev, EV_READ);
		return;
	}
	/* EOF, error or idle timeout (RFC 7766 6.2.3: the server may
	 * close idle connections). */
	conn_free(c);
}

static void
accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct dns_tcp *t = arg;
	struct tcp_conn *c;

	(void)lev;
	if (t->is_stopping || t->n_conns >= t->o->max_clients ||
	    (c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return;
	}
	c->t = t;
	net_addr_from_sa(&c->peer, sa, (socklen_t)salen);
	c->bev = bufferevent_socket_new(t->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		close(fd);
		free(c);
		return;
	}
	struct timeval tv = { (time_t)(t->o->idle_ms / 1000),
	    (suseconds_t)(t->o->idle_ms % 1000) * 1000 };
	bufferevent_setcb(c->bev, conn_read, conn_write, conn_event, c);
	bufferevent_set_timeouts(c->bev, &tv, &tv);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	c->next = t->conns;
	if (t->conns != NULL)
		t->conns->prev = c;
	t->conns = c;
	t->n_conns++;
}

struct dns_tcp *
dns_tcp_start(struct event_base *base, const int *fds, size_t n,
    struct dns_shared *sh, const struct dns_tcp_opts *o, int *err)
{
	struct dns_tcp *t = calloc(1, sizeof(*t));
	size_t i;

	if (t == NULL || (t->lev = calloc(n ? n : 1, sizeof(*t->lev))) ==
	    NULL || (t->arena = arena_new(16384)) == NULL) {
		*err = -ENOMEM;
		goto fail;
	}
	t->base = base;
	t->sh = sh;
	t->o = o;
	for (i = 0; i < n; i++) {
		t->lev[i] = evconnlistener_new(base, accept_cb, t,
		    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fds[i]);
		if (t->lev[i] == NULL) {
			*err = -ENOMEM;
			for (size_t k = i; k < n; k++)
				close(fds[k]);
			t->n_lev = i;
			dns_tcp_free(&t);
			return NULL;
		}
	}
	t->n_lev = n;
	return t;
fail:
	for (i = 0; i < n; i++)
		close(fds[i]);
	if (t != NULL) {
		free(t->lev);
		arena_free(&t->arena);
	}
	free(t);
	return NULL;
}

void
dns_tcp_shutdown(struct dns_tcp *t)
{
	t->is_stopping = true;
	for (size_t i = 0; i < t->n_lev; i++)
		evconnlistener_disable(t->lev[i]);
	for (struct tcp_conn *c = t->conns, *next; c != NULL; c = next) {
		next = c->next;
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
			conn_free(c);
		else
			bufferevent_disable(c->bev, EV_READ);
	}
}

size_t
dns_tcp_current(const struct dns_tcp *t)
{
	return t->n_conns;
}

const struct dns_stats *
dns_tcp_stats(const struct dns_tcp *t)
{
	return &t->st;
}

void
dns_tcp_free(struct dns_tcp **tp)
{
	struct dns_tcp *t = *tp;

	if (t == NULL)
		return;
	while (t->conns != NULL)
		conn_free(t->conns);
	for (size_t i = 0; i < t->n_lev; i++)
		evconnlistener_free(t->lev[i]);
	free(t->lev);
	arena_free(&t->arena);
	free(t);
	*tp = NULL;
}
