/* dhcp/service.c - the dhcp service: one UDP socket on port 67 for what
 * clients and relays send, AF_PACKET sockets for replies to clients
 * without an address and for ARP probes, a raw ICMP socket for probes
 * off the link; a batch of requests is answered after one journal
 * commit covers every lease it changed (group commit). One loop: lease
 * state is shared and correctness comes first (DESIGN.md). */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "core/arena.h"
#include "core/bgsync.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/fs.h"
#include "core/log.h"
#include "dhcp/conf.h"
#include "dhcp/journal.h"
#include "dhcp/link.h"
#include "dhcp/options.h"
#include "dhcp/service.h"

#define IFACES_MAX	8
#define RX_BATCH	64
#define PKT_MAX		1500
#define PROBE_TRIES	4	/* candidates probed for one DISCOVER */
#define PROBES_MAX	4096	/* probes in flight */
#define COMPACT_MIN	10000	/* journal lines before compaction pays */
#define WAITING_MAX	4096	/* replies waiting for a journal sync */
#define RCVBUF_BYTES	(4 << 20)	/* room for bursts while we sync */
#define SYNC_GAP_US	1000	/* under load, at most one journal sync per
				 * this: more ACKs share each (on ext4 one
				 * fdatasync of an appended file is two
				 * disk writes, data and inode) */

struct iface {
	struct dhcp_rt		*rt;
	struct dhcp_iface	 info;
	int			 raw_fd;	/* replies as frames */
	int			 arp_fd;	/* -1: no ARP probes */
	struct event		*ev_arp;
};

struct probe {
	struct probe		*next;
	struct dhcp_rt		*rt;
	uint32_t		 addr;
	enum dhcp_probe_kind	 kind;
	struct iface		*ifc;		/* ARP: where */
	int			 tries;
	struct event		*ev;
	/* The DISCOVER waiting for the outcome. */
	int			 rx_ifindex;
	uint32_t		 rx_local, rx_src;
	size_t			 len;
	uint8_t			 pkt[PKT_MAX];
};

#define TX_BATCH	64

/* UDP replies (to relays and bound clients) waiting for tx_flush. */
struct tx_batch {
	struct mmsghdr		 msg[TX_BATCH];
	struct iovec		 iov[TX_BATCH];
	struct sockaddr_in	 to[TX_BATCH];
	union {
		char		 buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr	 align;
	}			 cm[TX_BATCH];
	const struct dhcp_outcome *o[TX_BATCH];
	unsigned		 n;
};

struct dhcp_counters {
	uint64_t	 rx, bad, by_type[9], offers, acks, naks, dropped;
	uint64_t	 probes, conflicts, exhausted, commits, commit_errors;
	uint64_t	 send_errors;
};

struct dhcp_rt {
	struct svc		*sv;
	struct iface		 ifs[IFACES_MAX];
	size_t			 n_ifs;
	int			 udp_fd, icmp_fd;
	struct event		*ev_udp, *ev_icmp, *ev_tick;
	struct dhcp_server_conf	 conf;
	struct dhcp_leases	*leases;
	struct dhcp_journal	*journal;
	struct arena		*arena;
	struct probe		*probes;
	size_t			 n_probes;
	uint16_t		 icmp_id, icmp_seq, ip_id;
	uint64_t		 probe_timeout_ms;
	struct dhcp_outcome	*pending;	/* this batch's replies */
	size_t			 n_pending;
	/* Replies whose leases are written but not yet synced: the first
	 * n_covered wait for the sync running now, the rest for the next
	 * one (group commit). Reading pauses while this is nearly full. */
	struct bgsync		*sync;
	struct dhcp_outcome	*waiting;
	size_t			 n_waiting, n_covered;
	bool			 unsynced;	/* written since the last sync */
	struct event		*ev_sync;	/* a paced sync's start */
	struct tx_batch		 tx;
	uint64_t		 sync_started_us;
	bool			 rx_paused;
	struct dhcp_counters	 st;
};

static void flush(struct dhcp_rt *rt);

static int64_t
now_s(void)
{
	return (int64_t)time(NULL);
}

static const char *
ip_str(uint32_t a, char *buf)
{
	struct in_addr ia = { htonl(a) };

	return inet_ntop(AF_INET, &ia, buf, INET_ADDRSTRLEN);
}

static struct iface *
iface_by_index(struct dhcp_rt *rt, int ifindex)
{
	for (size_t i = 0; i < rt->n_ifs; i++)
		if (rt->ifs[i].info.ifindex == ifindex)
			return &rt->ifs[i];
	return NULL;
}

/* ---- sending ---- */

static void
sent(struct dhcp_rt *rt, const struct dhcp_outcome *o, int err)
{
	char a[INET_ADDRSTRLEN];

	if (err < 0) {
		rt->st.send_errors++;
		log_warn("cannot send %s for %s: %s",
		    dhcp_msg_type_name(o->reply_type), ip_str(o->yiaddr, a),
		    ik_strerror(err));
		return;
	}
	rt->st.offers += o->reply_type == DHCP_OFFER;
	rt->st.acks += o->reply_type == DHCP_ACK;
	rt->st.naks += o->reply_type == DHCP_NAK;
}

/* Sends the UDP replies gathered so far with one sendmmsg (a sync
 * releases many ACKs at once). Their outcomes must live until then. */
static void
tx_flush(struct dhcp_rt *rt)
{
	struct tx_batch *tx = &rt->tx;
	unsigned done = 0;

	while (done < tx->n) {
		int r = sendmmsg(rt->udp_fd, &tx->msg[done], tx->n - done,
		    MSG_DONTWAIT);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			/* The first of the rest failed: it is lost (the
			 * client asks again); go on with the others. */
			sent(rt, tx->o[done], r < 0 ? -errno : -EIO);
			done++;
			continue;
		}
		for (int i = 0; i < r; i++)
			sent(rt, tx->o[done + (unsigned)i], 0);
		done += (unsigned)r;
	}
	tx->n = 0;
}

static void
tx_add(struct dhcp_rt *rt, const struct dhcp_outcome *o, uint32_t dst,
    uint16_t port)
{
	struct tx_batch *tx = &rt->tx;
	unsigned k = tx->n++;
	struct msghdr *mh = &tx->msg[k].msg_hdr;
	struct in_pktinfo pi = { .ipi_spec_dst.s_addr = htonl(o->src_ip) };

	tx->o[k] = o;
	tx->to[k] = (struct sockaddr_in){ .sin_family = AF_INET,
	    .sin_port = htons(port), .sin_addr.s_addr = htonl(dst) };
	tx->iov[k] = (struct iovec){ (void *)o->buf, o->len };
	memset(tx->cm[k].buf, 0, sizeof(tx->cm[k].buf));
	*mh = (struct msghdr){ .msg_name = &tx->to[k],
	    .msg_namelen = sizeof(tx->to[k]), .msg_iov = &tx->iov[k],
	    .msg_iovlen = 1, .msg_control = tx->cm[k].buf,
	    .msg_controllen = sizeof(tx->cm[k].buf) };
	/* From the address the client knows us by. */
	struct cmsghdr *c = CMSG_FIRSTHDR(mh);
	c->cmsg_level = IPPROTO_IP;
	c->cmsg_type = IP_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	if (tx->n == TX_BATCH)
		tx_flush(rt);
}

/* Sends at once (a frame) or queues for tx_flush (UDP). */
static void
send_reply(struct dhcp_rt *rt, const struct dhcp_outcome *o)
{
	static const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff };
	struct dhcp_udp_meta m = { .src = o->src_ip,
	    .sport = DHCP_SERVER_PORT, .dport = DHCP_CLIENT_PORT };
	struct iface *ifc;
	int err;

	switch (o->dest) {
	case DHCP_DEST_RELAY:
		tx_add(rt, o, o->dst_ip, DHCP_SERVER_PORT);
		return;
	case DHCP_DEST_UNICAST:
		tx_add(rt, o, o->dst_ip, DHCP_CLIENT_PORT);
		return;
	default:
		/* A frame: the client has no address to route to yet. */
		if ((ifc = iface_by_index(rt, o->ifindex)) == NULL) {
			err = -ENODEV;
			break;
		}
		m.dst = o->dest == DHCP_DEST_HWADDR ? o->dst_ip : 0xffffffffu;
		err = dhcp_link_send_udp(ifc->raw_fd, ifc->info.ifindex,
		    o->dest == DHCP_DEST_HWADDR ? o->dst_mac : bcast_mac, &m,
		    o->buf, o->len);
		break;
	}
	sent(rt, o, err);
}

/* Starts a sync of what is written when none runs and replies wait. */
static void
sync_kick(struct dhcp_rt *rt)
{
	int err;

	if (!rt->unsynced || bgsync_busy(rt->sync))
		return;
	uint64_t now = clock_mono_us();
	if (now - rt->sync_started_us < SYNC_GAP_US) {
		/* Load: the last sync began less than a gap ago. Under load
		 * the next batch's flush comes back here in time; the timer
		 * (whose poll rounds to milliseconds) is for when none does.
		 * A lone request after a quiet spell is synced at once. */
		if (!evtimer_pending(rt->ev_sync, NULL)) {
			struct timeval tv = { 0, (suseconds_t)(SYNC_GAP_US -
			    (now - rt->sync_started_us)) };
			evtimer_add(rt->ev_sync, &tv);
		}
		return;
	}
	evtimer_del(rt->ev_sync);
	rt->sync_started_us = now;
	/* Between syncs the descriptor may change: compact now. Its atomic
	 * rewrite is itself durable. */
	err = dhcp_journal_maybe_compact(rt->journal, rt->leases, COMPACT_MIN);
	if (err < 0)
		log_warn("lease journal compaction: %s", ik_strerror(err));
	rt->n_covered = rt->n_waiting;
	rt->unsynced = false;
	if ((err = bgsync_start(rt->sync, dhcp_journal_fd(rt->journal))) < 0)
		log_err("lease journal sync: %s", ik_strerror(err));
}

static void
on_sync_gap(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	sync_kick(arg);
}

/* A sync finished: the replies it covers may go (or, if it failed, must
 * not: the clients ask again and find their lease). */
static void
on_synced(int err, void *arg)
{
	struct dhcp_rt *rt = arg;
	size_t n = rt->n_covered;

	rt->st.commits++;
	if (err < 0) {
		rt->st.commit_errors++;
		log_err("lease journal sync: %s; %zu replies held back",
		    ik_strerror(err), n);
	} else {
		for (size_t i = 0; i < n; i++)
			send_reply(rt, &rt->waiting[i]);
		tx_flush(rt);	/* before the memmove below */
	}
	memmove(rt->waiting, rt->waiting + n,
	    (rt->n_waiting - n) * sizeof(*rt->waiting));
	rt->n_waiting -= n;
	rt->n_covered = 0;
	if (rt->rx_paused && rt->n_waiting < WAITING_MAX / 2 &&
	    event_add(rt->ev_udp, NULL) == 0)
		rt->rx_paused = false;
	sync_kick(rt);
}

/* Writes every changed lease to the journal; the batch's ACKs go out
 * now if none changed, else once a sync covers them. Other replies
 * promise nothing that is on disk (an offer's hold is not journalled),
 * so they never wait for a sync. */
static void
flush(struct dhcp_rt *rt)
{
	struct dhcp_lease *l = dhcp_leases_take_dirty(rt->leases);
	bool durable = l != NULL;
	int err = 0;

	for (; l != NULL && err == 0; l = l->next_dirty)
		err = dhcp_journal_append(rt->journal, l);
	if (durable && err == 0)
		err = dhcp_journal_write(rt->journal);
	if (err < 0) {
		/* Nothing unrecorded may be acknowledged. */
		rt->st.commit_errors++;
		log_err("lease journal: %s; %zu replies held back",
		    ik_strerror(err), rt->n_pending);
		rt->n_pending = 0;
		return;
	}
	rt->unsynced |= durable;
	for (size_t i = 0; i < rt->n_pending; i++) {
		if (!durable || rt->pending[i].reply_type != DHCP_ACK)
			send_reply(rt, &rt->pending[i]);
		else if (rt->n_waiting < WAITING_MAX)
			rt->waiting[rt->n_waiting++] = rt->pending[i];
		else
			rt->st.dropped++;	/* reading pauses before this */
	}
	tx_flush(rt);
	rt->n_pending = 0;
	if (!rt->rx_paused && rt->ev_udp != NULL &&
	    rt->n_waiting + RX_BATCH > WAITING_MAX &&
	    event_del(rt->ev_udp) == 0)
		rt->rx_paused = true;
	sync_kick(rt);
}

/* ---- handling ---- */

static void start_probe(struct dhcp_rt *rt, const struct dhcp_outcome *o,
    const uint8_t *pkt, size_t len, const struct dhcp_request *rq,
    int tries);

static void
log_outcome(const struct dhcp_packet *p, const struct dhcp_outcome *o)
{
	char a[INET_ADDRSTRLEN], mac[3 * DHCP_CHADDR_LEN];
	size_t n = p->hlen <= DHCP_CHADDR_LEN ? p->hlen : DHCP_CHADDR_LEN;

	mac[0] = '\0';
	for (size_t i = 0; i < n; i++)
		snprintf(mac + (i ? 3 * i - 1 : 0), sizeof(mac) - 3 * i,
		    "%s%02x", i ? ":" : "", p->chaddr[i]);
	if (o->verdict == DHCP_REPLY)
		log_info("%s from %s: %s %s%s%s", dhcp_msg_type_name(
		    p->msg_type), mac, dhcp_msg_type_name(o->reply_type),
		    ip_str(o->yiaddr, a), o->reply_type == DHCP_NAK ? ": " :
		    "", o->reply_type == DHCP_NAK ? o->reason : "");
	else if (o->verdict == DHCP_DROP && o->yiaddr != 0)
		log_info("%s from %s: %s %s", dhcp_msg_type_name(p->msg_type),
		    mac, ip_str(o->yiaddr, a), o->reason);
	else if (o->verdict == DHCP_DROP && strcmp(o->reason,
	    "pool exhausted") == 0 && o->subnet != NULL) {
		char net[INET_ADDRSTRLEN];
		log_warn("%s from %s: no offer: pool exhausted on %s/%u",
		    dhcp_msg_type_name(p->msg_type), mac,
		    ip_str(o->subnet->net, net), o->subnet->prefix);
	} else if (o->verdict == DHCP_DROP)
		log_debug("%s from %s: ignored: %s",
		    dhcp_msg_type_name(p->msg_type), mac, o->reason);
}

/* Parses and answers one message; `tries` counts probes already done
 * for it. */
static void
handle(struct dhcp_rt *rt, const uint8_t *pkt, size_t len,
    const struct dhcp_request *meta, int tries)
{
	struct dhcp_packet p;
	struct dhcp_request rq = *meta;
	struct dhcp_outcome *o;

	arena_reset(rt->arena);
	if (dhcp_packet_parse(pkt, len, rt->arena, &p) < 0) {
		rt->st.bad++;
		return;
	}
	if (p.msg_type < 9 && tries == 0)
		rt->st.by_type[p.msg_type]++;
	if (rt->n_pending == RX_BATCH)
		flush(rt);
	o = &rt->pending[rt->n_pending];
	rq.pkt = &p;
	rq.now = now_s();
	dhcp_server_handle(&rt->conf, rt->leases, &rq, o);
	log_outcome(&p, o);
	switch (o->verdict) {
	case DHCP_REPLY:
		rt->n_pending++;
		break;
	case DHCP_PROBE:
		if (tries >= PROBE_TRIES) {
			log_warn("no offer: %d addresses in a row answered "
			    "probes", tries);
			rt->st.dropped++;
			break;
		}
		start_probe(rt, o, pkt, len, &rq, tries);
		break;
	default:
		rt->st.exhausted += strcmp(o->reason, "pool exhausted") == 0;
		rt->st.dropped++;
		break;
	}
}

static void
on_udp(evutil_socket_t fd, short what, void *arg)
{
	struct dhcp_rt *rt = arg;
	static uint8_t bufs[RX_BATCH][PKT_MAX];
	union {
		char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr align;
	} cms[RX_BATCH];
	struct mmsghdr msgs[RX_BATCH];
	struct iovec iov[RX_BATCH];
	struct sockaddr_in from[RX_BATCH];
	(void)what;

	for (int i = 0; i < RX_BATCH; i++) {
		iov[i] = (struct iovec){ bufs[i], PKT_MAX };
		msgs[i].msg_hdr = (struct msghdr){ .msg_name = &from[i],
		    .msg_namelen = sizeof(from[i]), .msg_iov = &iov[i],
		    .msg_iovlen = 1, .msg_control = cms[i].buf,
		    .msg_controllen = sizeof(cms[i].buf) };
	}
	int n = recvmmsg(fd, msgs, RX_BATCH, MSG_DONTWAIT, NULL);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			log_warn("receive: %s", strerror(errno));
		return;
	}
	for (int i = 0; i < n; i++) {
		struct dhcp_request rq = { 0 };
		struct msghdr *mh = &msgs[i].msg_hdr;
		rt->st.rx++;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c != NULL;
		    c = CMSG_NXTHDR(mh, c))
			if (c->cmsg_level == IPPROTO_IP &&
			    c->cmsg_type == IP_PKTINFO) {
				struct in_pktinfo pi;
				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				rq.ifindex = pi.ipi_ifindex;
				rq.local_addr = ntohl(pi.ipi_spec_dst.s_addr);
			}
		rq.src = ntohl(from[i].sin_addr.s_addr);
		if ((mh->msg_flags & MSG_TRUNC) != 0) {
			rt->st.bad++;
			continue;
		}
		handle(rt, bufs[i], msgs[i].msg_len, &rq, 0);
	}
	flush(rt);
}

/* ---- probes ---- */

static void
probe_free(struct dhcp_rt *rt, struct probe *p)
{
	for (struct probe **pp = &rt->probes; *pp != NULL;
	    pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	rt->n_probes--;
	if (p->ev != NULL)
		event_free(p->ev);
	free(p);
}

static void
probe_finish(struct probe *p, bool in_use)
{
	struct dhcp_rt *rt = p->rt;
	struct dhcp_request rq = { .ifindex = p->rx_ifindex,
	    .local_addr = p->rx_local, .src = p->rx_src };
	char a[INET_ADDRSTRLEN];
	int tries = p->tries;

	if (in_use) {
		rt->st.conflicts++;
		log_warn("%s answered a probe: in use by a host the server "
		    "does not know; quarantined", ip_str(p->addr, a));
	}
	dhcp_server_probed(&rt->conf, rt->leases, p->addr, in_use, now_s());
	/* Unlink first: handling may start a probe of the next address. */
	for (struct probe **pp = &rt->probes; *pp != NULL;
	    pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	p->next = NULL;
	rt->n_probes--;
	handle(rt, p->pkt, p->len, &rq, tries);
	flush(rt);
	if (p->ev != NULL)
		event_free(p->ev);
	free(p);
}

static void
on_probe_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct probe *p = arg;
	(void)fd;
	(void)what;

	probe_finish(p, false);
}

static void
start_probe(struct dhcp_rt *rt, const struct dhcp_outcome *o,
    const uint8_t *pkt, size_t len, const struct dhcp_request *rq, int tries)
{
	struct timeval tv = { (time_t)(rt->probe_timeout_ms / 1000),
	    (suseconds_t)(rt->probe_timeout_ms % 1000) * 1000 };
	struct probe *p;
	char a[INET_ADDRSTRLEN];
	int err;

	for (p = rt->probes; p != NULL; p = p->next)
		if (p->addr == o->probe_addr) {
			/* A retransmission: answer the newest copy. */
			memcpy(p->pkt, pkt, len);
			p->len = len;
			return;
		}
	if (rt->n_probes >= PROBES_MAX || (p = calloc(1, sizeof(*p))) == NULL) {
		rt->st.dropped++;
		return;
	}
	p->rt = rt;
	p->addr = o->probe_addr;
	p->kind = o->probe_kind;
	p->tries = tries + 1;
	p->rx_ifindex = rq->ifindex;
	p->rx_local = rq->local_addr;
	p->rx_src = rq->src;
	memcpy(p->pkt, pkt, len);
	p->len = len;
	if ((p->ev = evtimer_new(rt->sv->base, on_probe_timeout, p)) == NULL) {
		free(p);
		return;
	}
	p->next = rt->probes;
	rt->probes = p;
	rt->n_probes++;
	rt->st.probes++;
	if (p->kind == DHCP_PROBE_ARP) {
		struct dhcp_arp req = { .op = DHCP_ARP_REQUEST, .tpa = p->addr };
		p->ifc = iface_by_index(rt, o->ifindex);
		if (p->ifc == NULL || p->ifc->arp_fd < 0) {
			err = -ENODEV;
		} else {
			memcpy(req.sha, p->ifc->info.mac, 6);
			err = dhcp_arp_send(p->ifc->arp_fd,
			    p->ifc->info.ifindex, &req);
		}
	} else if (rt->icmp_fd >= 0) {
		err = dhcp_icmp_send_echo(rt->icmp_fd, p->addr, rt->icmp_id,
		    ++rt->icmp_seq);
	} else {
		err = -ENOTSOCK;
	}
	if (err < 0)
		/* The wait still covers a host that answers late. */
		log_warn("cannot probe %s: %s", ip_str(p->addr, a),
		    ik_strerror(err));
	evtimer_add(p->ev, &tv);
}

/* A probe's answer: finishes every probe it concerns. */
static void
probe_answered(struct dhcp_rt *rt, bool (*hit)(const struct probe *p,
    const void *arg), const void *arg)
{
	struct probe *p = rt->probes, *next;

	for (; p != NULL; p = next) {
		next = p->next;
		if (hit(p, arg)) {
			event_del(p->ev);
			probe_finish(p, true);
			/* Finishing may add and free probes: start over. */
			next = rt->probes;
		}
	}
}

struct arp_hit {
	const struct dhcp_arp	*a;
	const struct iface	*ifc;
};

static bool
arp_hits(const struct probe *p, const void *arg)
{
	const struct arp_hit *h = arg;

	return p->kind == DHCP_PROBE_ARP && p->ifc == h->ifc &&
	    dhcp_arp_conflicts(h->a, p->addr, h->ifc->info.mac);
}

static void
on_arp(evutil_socket_t fd, short what, void *arg)
{
	struct iface *ifc = arg;
	struct dhcp_arp a;
	(void)what;

	for (int k = 0; k < RX_BATCH; k++) {
		int err = dhcp_arp_recv(fd, &a);
		if (err == -IK_EPARSE || err == -IK_ETRUNC)
			continue;
		if (err < 0)
			break;
		struct arp_hit h = { &a, ifc };
		probe_answered(ifc->rt, arp_hits, &h);
	}
}

struct icmp_hit {
	uint32_t	 src;
	uint16_t	 id;
};

static bool
icmp_hits(const struct probe *p, const void *arg)
{
	const struct icmp_hit *h = arg;

	return p->kind == DHCP_PROBE_ICMP && p->addr == h->src;
}

static void
on_icmp(evutil_socket_t fd, short what, void *arg)
{
	struct dhcp_rt *rt = arg;
	struct icmp_hit h;
	uint16_t seq;
	(void)what;

	for (int k = 0; k < RX_BATCH; k++) {
		int err = dhcp_icmp_recv_echo(fd, &h.src, &h.id, &seq);
		if (err == -IK_EPARSE)
			continue;
		if (err < 0)
			break;
		if (h.id == rt->icmp_id)
			probe_answered(rt, icmp_hits, &h);
	}
}

/* ---- control ---- */

struct lease_list {
	const struct dhcp_lease	**v;
	size_t			 n, cap;
};

static int
collect(const struct dhcp_lease *l, void *arg)
{
	struct lease_list *ll = arg;

	if (ll->n == ll->cap)
		return 1;
	ll->v[ll->n++] = l;
	return 0;
}

static int
by_addr(const void *a, const void *b)
{
	uint32_t x = (*(const struct dhcp_lease *const *)a)->addr;
	uint32_t y = (*(const struct dhcp_lease *const *)b)->addr;

	return x < y ? -1 : x > y;
}

static int
cmd_leases(void *arg, const char *args, struct evbuffer *out)
{
	struct svc *sv = arg;
	struct dhcp_rt *rt = sv->priv;
	struct lease_list ll = { .cap = dhcp_leases_count(rt->leases) };
	int64_t now = now_s();
	char a[INET_ADDRSTRLEN];
	(void)args;

	if ((ll.v = calloc(ll.cap + 1, sizeof(*ll.v))) == NULL) {
		evbuffer_add_printf(out, "error: out of memory\n");
		return -ENOMEM;
	}
	dhcp_leases_walk(rt->leases, collect, &ll);
	qsort(ll.v, ll.n, sizeof(*ll.v), by_addr);
	for (size_t i = 0; i < ll.n; i++) {
		const struct dhcp_lease *l = ll.v[i];
		const struct dhcp_client *o = &l->owner;
		evbuffer_add_printf(out, "%s ", ip_str(l->addr, a));
		if (l->has_owner && o->hlen > 0)
			for (size_t k = 0; k < o->hlen; k++)
				evbuffer_add_printf(out, "%s%02x", k ? ":" :
				    "", o->chaddr[k]);
		else
			evbuffer_add_printf(out, "00:00:00:00:00:00");
		evbuffer_add_printf(out, " %s ends=%lld cid=",
		    dhcp_lease_state_name(dhcp_lease_state_at(l, now)),
		    (long long)l->ends);
		if (l->has_owner && o->cid_len > 0)
			for (size_t k = 0; k < o->cid_len; k++)
				evbuffer_add_printf(out, "%02x", o->cid[k]);
		else
			evbuffer_add_printf(out, "-");
		evbuffer_add_printf(out, " hostname=%s\n",
		    l->hostname[0] != '\0' ? l->hostname : "-");
	}
	free(ll.v);
	return 0;
}

static const struct ctl_cmd dhcp_cmds[] = {
	{ "leases", "leases  list every lease: ADDR MAC STATE ends= cid= "
	    "hostname=", cmd_leases },
	{ 0 },
};

static void
dhcp_stats_out(struct svc *sv, struct evbuffer *out)
{
	struct dhcp_rt *rt = sv->priv;
	const struct dhcp_counters *c = &rt->st;

	evbuffer_add_printf(out, "received=%llu\nmalformed=%llu\n",
	    (unsigned long long)c->rx, (unsigned long long)c->bad);
	for (unsigned t = 1; t < 9; t++)
		if (t != DHCP_OFFER && t != DHCP_ACK && t != DHCP_NAK)
			evbuffer_add_printf(out, "%s=%llu\n",
			    dhcp_msg_type_name(t),
			    (unsigned long long)c->by_type[t]);
	evbuffer_add_printf(out, "offers=%llu\nacks=%llu\nnaks=%llu\n"
	    "ignored=%llu\nexhausted=%llu\nprobes=%llu\nconflicts=%llu\n"
	    "probes_in_flight=%zu\njournal_commits=%llu\n"
	    "journal_errors=%llu\njournal_lines=%zu\nleases=%zu\n"
	    "send_errors=%llu\n",
	    (unsigned long long)c->offers, (unsigned long long)c->acks,
	    (unsigned long long)c->naks, (unsigned long long)c->dropped,
	    (unsigned long long)c->exhausted, (unsigned long long)c->probes,
	    (unsigned long long)c->conflicts, rt->n_probes,
	    (unsigned long long)c->commits,
	    (unsigned long long)c->commit_errors,
	    dhcp_journal_lines(rt->journal), dhcp_leases_count(rt->leases),
	    (unsigned long long)c->send_errors);
}

/* ---- setup ---- */

static size_t
conf_ifaces(struct dhcp_rt *rt, struct dhcp_conf_iface *out)
{
	for (size_t i = 0; i < rt->n_ifs; i++) {
		(void)dhcp_iface_refresh(&rt->ifs[i].info);
		out[i] = (struct dhcp_conf_iface){ rt->ifs[i].info.ifindex,
		    rt->ifs[i].info.addr, rt->ifs[i].info.prefix };
	}
	return rt->n_ifs;
}

static void
log_subnets(const struct dhcp_server_conf *sc)
{
	char a[INET_ADDRSTRLEN];

	for (size_t i = 0; i < sc->n_subnets; i++) {
		const struct dhcp_subnet *s = &sc->subnets[i];
		uint64_t n = 0;
		for (size_t k = 0; k < s->n_pools; k++)
			n += (uint64_t)s->pools[k].hi - s->pools[k].lo + 1;
		log_info("subnet %s/%u: %llu pool addresses, %s", ip_str(s->net,
		    a), s->prefix, (unsigned long long)n, s->ifindex != 0 ?
		    "direct" : "through relays");
	}
}

static int
dhcp_reload(struct svc *sv, const struct cfg *nc)
{
	struct dhcp_rt *rt = sv->priv;
	struct dhcp_conf_iface ifs[IFACES_MAX];
	struct dhcp_server_conf sc;
	struct cfg_errs errs = { 0 };
	size_t n = conf_ifaces(rt, ifs);
	int err;

	if ((err = dhcp_server_conf_build(nc, ifs, n, &sc, &errs)) < 0) {
		svc_log_errs(&errs);
		return err;
	}
	/* Keep each subnet's allocation cursor across the swap. */
	for (size_t i = 0; i < sc.n_subnets; i++)
		for (size_t k = 0; k < rt->conf.n_subnets; k++)
			if (sc.subnets[i].net == rt->conf.subnets[k].net &&
			    dhcp_in_pool(&sc.subnets[i],
			    rt->conf.subnets[k].cursor))
				sc.subnets[i].cursor =
				    rt->conf.subnets[k].cursor;
	dhcp_server_conf_free(&rt->conf);
	rt->conf = sc;
	rt->probe_timeout_ms = ((const struct dhcp_conf *)cfg_get(nc,
	    "dhcp"))->probe_timeout_ms;
	log_subnets(&rt->conf);
	return 0;
}

static void
close_all(struct dhcp_rt *rt)
{
	while (rt->probes != NULL)
		probe_free(rt, rt->probes);
	for (size_t i = 0; i < rt->n_ifs; i++) {
		struct iface *ifc = &rt->ifs[i];
		if (ifc->ev_arp != NULL)
			event_free(ifc->ev_arp);
		ifc->ev_arp = NULL;
		if (ifc->raw_fd >= 0)
			close(ifc->raw_fd);
		if (ifc->arp_fd >= 0)
			close(ifc->arp_fd);
		ifc->raw_fd = ifc->arp_fd = -1;
	}
	if (rt->ev_udp != NULL)
		event_free(rt->ev_udp);
	if (rt->ev_icmp != NULL)
		event_free(rt->ev_icmp);
	if (rt->ev_tick != NULL)
		event_free(rt->ev_tick);
	if (rt->ev_sync != NULL)
		event_free(rt->ev_sync);
	rt->ev_udp = rt->ev_icmp = rt->ev_tick = rt->ev_sync = NULL;
	if (rt->udp_fd >= 0)
		close(rt->udp_fd);
	if (rt->icmp_fd >= 0)
		close(rt->icmp_fd);
	rt->udp_fd = rt->icmp_fd = -1;
}

static void
dhcp_stop(struct svc *sv)
{
	struct dhcp_rt *rt = sv->priv;

	flush(rt);
	/* Finish what waits for the disk before going. */
	bgsync_free(&rt->sync);
	if (rt->n_waiting > 0) {
		if (fdatasync(dhcp_journal_fd(rt->journal)) == 0)
			for (size_t i = 0; i < rt->n_waiting; i++)
				send_reply(rt, &rt->waiting[i]);
		tx_flush(rt);
		rt->n_waiting = rt->n_covered = 0;
	}
	close_all(rt);
	svc_stopped(sv);
}

static void
dhcp_free(struct svc *sv)
{
	struct dhcp_rt *rt = sv->priv;

	if (rt == NULL)
		return;
	bgsync_free(&rt->sync);
	close_all(rt);
	dhcp_journal_close(&rt->journal);
	free(rt->waiting);
	dhcp_leases_free(&rt->leases);
	dhcp_server_conf_free(&rt->conf);
	arena_free(&rt->arena);
	free(rt->pending);
	free(rt);
	sv->priv = NULL;
}

/* Lets nothing through: the frame socket only sends. */
static int
filter_drop_all(int fd)
{
	struct sock_filter drop = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog prog = { 1, &drop };

	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
	    sizeof(prog)) < 0)
		return -errno;
	return 0;
}

/* As root, before the drop: the port 67 socket, frame and ARP sockets on
 * each interface, the ICMP socket. */
static int
dhcp_open_privileged(struct svc *sv)
{
	const struct dhcp_conf *dc = sv->conf;
	char names[IFACES_MAX][16];
	struct dhcp_rt *rt = calloc(1, sizeof(*rt));
	int n, fd;

	if (rt == NULL)
		return -ENOMEM;
	rt->sv = sv;
	rt->udp_fd = rt->icmp_fd = -1;
	sv->priv = rt;
	sv->free = dhcp_free;
	if ((n = dhcp_conf_interfaces(dc, names, IFACES_MAX)) < 0)
		return n;
	for (int i = 0; i < n; i++) {
		struct iface *ifc = &rt->ifs[rt->n_ifs];
		int err = dhcp_iface_get(names[i], &ifc->info);
		ifc->rt = rt;
		ifc->raw_fd = ifc->arp_fd = -1;
		if (err < 0) {
			log_err("interface %s: %s", names[i], ik_strerror(err));
			return err;
		}
		rt->n_ifs++;
		if ((fd = dhcp_link_open_udp(ifc->info.ifindex,
		    DHCP_CLIENT_PORT)) < 0) {
			log_err("interface %s: packet socket: %s", names[i],
			    ik_strerror(fd));
			return fd;
		}
		ifc->raw_fd = fd;
		if ((err = filter_drop_all(fd)) < 0)
			return err;
		if (strcmp(dc->probe, "arp") == 0 &&
		    (ifc->arp_fd = dhcp_arp_open(ifc->info.ifindex)) < 0) {
			log_err("interface %s: ARP socket: %s", names[i],
			    ik_strerror(ifc->arp_fd));
			return ifc->arp_fd;
		}
	}
	if (strcmp(dc->probe, "none") != 0 &&
	    (rt->icmp_fd = dhcp_icmp_open()) < 0) {
		log_err("ICMP socket for probes: %s", ik_strerror(rt->icmp_fd));
		return rt->icmp_fd;
	}
	if ((rt->udp_fd = dhcp_udp_open(DHCP_SERVER_PORT, false)) < 0) {
		log_err("cannot listen on UDP port %d: %s", DHCP_SERVER_PORT,
		    ik_strerror(rt->udp_fd));
		return rt->udp_fd;
	}
	/* Bursts arrive while a sync runs; as root the buffer may exceed
	 * net.core.rmem_max. */
	int rcvbuf = RCVBUF_BYTES;
	if (setsockopt(rt->udp_fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
	    sizeof(rcvbuf)) < 0)
		(void)setsockopt(rt->udp_fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		    sizeof(rcvbuf));
	return 0;
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct dhcp_rt *rt = arg;
	(void)fd;
	(void)what;

	/* Catches up on a commit that failed earlier. */
	flush(rt);
}

static int
journal_path(struct svc *sv, char *buf, size_t cap)
{
	const struct dhcp_conf *dc = sv->conf;
	int n, err;

	if (dc->lease_file[0] != '\0')
		n = snprintf(buf, cap, "%s", dc->lease_file);
	else {
		n = snprintf(buf, cap, "%s/dhcp", sv->global->data_dir);
		if (n < 0 || (size_t)n >= cap)
			return -IK_ETRUNC;
		if ((err = fs_mkdir_p(buf, 0700)) < 0)
			return err;
		n = snprintf(buf, cap, "%s/dhcp/leases", sv->global->data_dir);
	}
	return n < 0 || (size_t)n >= cap ? -IK_ETRUNC : 0;
}

static int
dhcp_start(struct svc *sv)
{
	struct dhcp_rt *rt = sv->priv;
	struct dhcp_conf_iface ifs[IFACES_MAX];
	struct dhcp_journal_stats js;
	struct cfg_errs errs = { 0 };
	struct timeval tick = { 5, 0 };
	char path[4096];
	int err;

	sv->cmds = dhcp_cmds;
	sv->reload = dhcp_reload;
	sv->stats = dhcp_stats_out;
	sv->stop = dhcp_stop;
	rt->probe_timeout_ms =
	    ((const struct dhcp_conf *)sv->conf)->probe_timeout_ms;
	rt->icmp_id = (uint16_t)getpid();
	if ((err = dhcp_server_conf_build(sv->cfg, ifs, conf_ifaces(rt, ifs),
	    &rt->conf, &errs)) < 0) {
		svc_log_errs(&errs);
		return err;
	}
	log_subnets(&rt->conf);
	if ((rt->leases = dhcp_leases_new()) == NULL ||
	    (rt->arena = arena_new(8192)) == NULL ||
	    (rt->pending = calloc(RX_BATCH, sizeof(*rt->pending))) == NULL ||
	    (rt->waiting = calloc(WAITING_MAX, sizeof(*rt->waiting))) == NULL)
		return -ENOMEM;
	if ((rt->sync = bgsync_new(sv->base, on_synced, rt, &err)) == NULL)
		return err;
	if ((rt->ev_sync = evtimer_new(sv->base, on_sync_gap, rt)) == NULL)
		return -ENOMEM;
	if ((err = journal_path(sv, path, sizeof(path))) < 0) {
		log_err("lease journal path: %s", ik_strerror(err));
		return err;
	}
	uint64_t t0 = clock_mono_ms();
	if ((err = dhcp_journal_open(path, rt->leases, &rt->journal, &js)) <
	    0) {
		log_err("lease journal %s: %s", path, ik_strerror(err));
		return err;
	}
	log_info("lease journal %s: %zu lines, %zu damaged, %zu leases, "
	    "compacted in %llu ms", path, js.lines, js.bad, js.leases,
	    (unsigned long long)(clock_mono_ms() - t0));

	rt->ev_udp = event_new(sv->base, rt->udp_fd, EV_READ | EV_PERSIST,
	    on_udp, rt);
	rt->ev_tick = event_new(sv->base, -1, EV_PERSIST, on_tick, rt);
	if (rt->ev_udp == NULL || rt->ev_tick == NULL ||
	    event_add(rt->ev_udp, NULL) < 0 || event_add(rt->ev_tick, &tick) <
	    0)
		return -ENOMEM;
	if (rt->icmp_fd >= 0 && ((rt->ev_icmp = event_new(sv->base,
	    rt->icmp_fd, EV_READ | EV_PERSIST, on_icmp, rt)) == NULL ||
	    event_add(rt->ev_icmp, NULL) < 0))
		return -ENOMEM;
	for (size_t i = 0; i < rt->n_ifs; i++) {
		struct iface *ifc = &rt->ifs[i];
		char a[INET_ADDRSTRLEN];
		if (ifc->arp_fd >= 0 && ((ifc->ev_arp = event_new(sv->base,
		    ifc->arp_fd, EV_READ | EV_PERSIST, on_arp, ifc)) == NULL ||
		    event_add(ifc->ev_arp, NULL) < 0))
			return -ENOMEM;
		log_info("serving %s (index %d, %s/%u)", ifc->info.name,
		    ifc->info.ifindex, ip_str(ifc->info.addr, a),
		    ifc->info.prefix);
	}
	return 0;
}

static int
dhcp_verify(const struct cfg *c, struct cfg_errs *errs)
{
	struct dhcp_server_conf sc;
	int err;

	/* Interfaces are looked up at start; check the rest here. */
	if ((err = dhcp_server_conf_build(c, NULL, 0, &sc, errs)) < 0)
		return err;
	dhcp_server_conf_free(&sc);
	return 0;
}

const struct svc_def dhcp_svc = {
	.name = "dhcp",
	.summary = "DHCP server: pools, reservations, relayed subnets",
	.sec = &dhcp_section,
	.extra = dhcp_extra,
	.listens = NULL,
	.start = dhcp_start,
	.open_privileged = dhcp_open_privileged,
	.verify = dhcp_verify,
};
