/* dhcp/relay_service.c - the dhcrelay service (I/O): the [dhcrelay]
 * section; one UDP socket on 0.0.0.0:67 (IP_PKTINFO names the arrival
 * interface) for requests in, copies out to the servers and replies in;
 * one AF_PACKET socket per client interface for replies to clients that
 * have no address yet. Both are opened as root before the drop; a reload
 * re-reads interface addresses but cannot add interfaces. Decisions are
 * dhcp/relay.c. Entry point: dhcrelay_svc (src/cli/services.c). */
#include "dhcp/relay_service.h"

#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/err.h"
#include "dhcp/link.h"
#include "dhcp/options.h"
#include "dhcp/packet.h"
#include "dhcp/relay.h"

#define RELAY_IFACES_MAX	32
#define RELAY_PKT_MAX		65535	/* a UDP payload */
#define RELAY_ARENA		16384	/* a parse; grows when needed */
#define RELAY_BATCH		64	/* datagrams per wakeup */
#define RELAY_DRAIN_MAX		256	/* frames queued before the mute */
#define RELAY_WARN_MS		1000	/* one send warning per second */

struct relay_conf {
	struct svc_conf		 base;
	char			*interfaces;
	struct net_addrs	 servers;
	bool			 option82;
	int			 max_hops;
};

#define OFF(f)	offsetof(struct relay_conf, f)
static const struct cfg_key relay_keys[] = {
	{ "enabled", CFG_BOOL, OFF(base.enabled), "no", 0, 0,
	    "run this service" },
	{ "interfaces", CFG_STR, OFF(interfaces), "", 0, 1024,
	    "client-side interfaces, space-separated (giaddr: the "
	    "interface's address)" },
	{ "servers", CFG_ADDRPORTS, OFF(servers), "", DHCP_SERVER_PORT, 0,
	    "DHCP servers requests are unicast to (IPv4, port 67)" },
	{ "option82", CFG_BOOL, OFF(option82), "no", 0, 0,
	    "add relay agent information (circuit-id: the interface name) "
	    "and strip it from replies (RFC 3046)" },
	{ "max_hops", CFG_INT, OFF(max_hops), "4", 1, DHCP_RELAY_HOPS_MAX,
	    "drop requests whose hops field is already at least this" },
	{ 0 },
};
#undef OFF

/* Splits "a b  c" into names. Returns how many, or -1 with *why set. */
static int
iface_names(const char *s, char names[][IF_NAMESIZE], const char **why)
{
	int n = 0;

	while (*s != '\0') {
		size_t len;

		s += strspn(s, " \t");
		if ((len = strcspn(s, " \t")) == 0)
			break;
		if (len >= IF_NAMESIZE) {
			*why = "an interface name is longer than 15 bytes";
			return -1;
		}
		if (n == RELAY_IFACES_MAX) {
			*why = "more than 32 interfaces";
			return -1;
		}
		memcpy(names[n], s, len);
		names[n][len] = '\0';
		for (int i = 0; i < n; i++) {
			if (strcmp(names[i], names[n]) == 0) {
				*why = "an interface is listed twice";
				return -1;
			}
		}
		n++;
		s += len;
	}
	return n;
}

static int
relay_check(void *obj, const char *name, struct cfg_errs *e,
    const char *file, int line)
{
	struct relay_conf *c = obj;
	char names[RELAY_IFACES_MAX][IF_NAMESIZE];
	char buf[NET_ADDRSTRLEN];
	const char *why = NULL;
	int err = 0;

	(void)name;
	int n = iface_names(c->interfaces, names, &why);
	if (n < 0) {
		cfg_errf(e, file, line, "[dhcrelay] interfaces: %s", why);
		err = -IK_ECONFIG;
	} else if (n == 0 && c->base.enabled) {
		cfg_errf(e, file, line, "[dhcrelay] needs 'interfaces' (the "
		    "client-side interfaces)");
		err = -IK_ECONFIG;
	}
	for (size_t i = 0; i < c->servers.n; i++) {
		const struct net_addr *a = &c->servers.v[i];
		if (a->ss.ss_family != AF_INET || net_addr_port(a) == 0) {
			cfg_errf(e, file, line, "[dhcrelay] servers: %s is "
			    "not an IPv4 address and port",
			    net_addr_format(a, true, buf, sizeof(buf)));
			err = -IK_ECONFIG;
		}
	}
	if (c->servers.n == 0 && c->base.enabled) {
		cfg_errf(e, file, line, "[dhcrelay] needs 'servers' (where "
		    "to send requests)");
		err = -IK_ECONFIG;
	}
	return err;
}

static const struct cfg_section relay_section = {
	"dhcrelay", 0, sizeof(struct relay_conf), relay_keys, relay_check,
};

struct relay_iface {
	struct dhcp_iface	 link;		/* name, index, address */
	int			 fd;	/* AF_PACKET: frames to clients */
};

struct relay_stats {
	uint64_t	 datagrams_in;	/* read from port 67 */
	uint64_t	 requests_in, requests_fwd;
	uint64_t	 replies_in, replies_fwd;
	uint64_t	 dropped[DHCP_RELAY_N_VERDICTS];
	uint64_t	 not_client_if;	/* a request on another interface */
	uint64_t	 rai_added, rai_stripped, rai_no_room;
	uint64_t	 send_errors;
};

struct relay_state {
	struct svc		*sv;
	int			 udp_fd;
	struct event		*ev_udp;
	struct relay_iface	 ifs[RELAY_IFACES_MAX];
	struct dhcp_relay_if	 rifs[RELAY_IFACES_MAX];	/* for the
						 * logic, from ifs */
	size_t			 n_ifs;
	struct arena		*arena;
	struct relay_stats	 st;
	uint64_t		 last_warn_ms;
	uint64_t		 warns_skipped;
	uint8_t			 in[RELAY_PKT_MAX];
	uint8_t			 out[RELAY_PKT_MAX];
};

static const char *
ip4_format(uint32_t a, char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff,
	    (a >> 8) & 0xff, a & 0xff);
	return buf;
}

static void
rifs_sync(struct relay_state *rs)
{
	for (size_t i = 0; i < rs->n_ifs; i++) {
		const struct dhcp_iface *l = &rs->ifs[i].link;
		rs->rifs[i].name = l->name;
		rs->rifs[i].addr = l->addr;
		rs->rifs[i].max_len = l->mtu > DHCP_IPUDP_HDR ?
		    l->mtu - DHCP_IPUDP_HDR : 0;
	}
}

static void
log_ifaces(struct relay_state *rs, const char *event)
{
	char a[16];

	for (size_t i = 0; i < rs->n_ifs; i++) {
		const struct dhcp_iface *l = &rs->ifs[i].link;
		if (l->addr == 0)
			log_warn("%s if=%s ifindex=%d addr=none: its requests "
			    "are dropped until it has an address and the "
			    "config is reloaded", event, l->name, l->ifindex);
		else
			log_info("%s if=%s ifindex=%d giaddr=%s/%u", event,
			    l->name, l->ifindex, ip4_format(l->addr, a),
			    l->prefix);
	}
}

/* Rate-limits warnings the packet path could repeat per packet. */
static bool
may_warn(struct relay_state *rs)
{
	uint64_t now = clock_mono_ms();

	if (rs->last_warn_ms != 0 && now - rs->last_warn_ms < RELAY_WARN_MS) {
		rs->warns_skipped++;
		return false;
	}
	rs->last_warn_ms = now;
	return true;
}

static void
send_failed(struct relay_state *rs, const char *what, uint32_t dst, int err)
{
	char a[16];

	rs->st.send_errors++;
	rs->sv->st.errors++;
	if (may_warn(rs))
		log_warn("send-fail to=%s dst=%s: %s (%llu warnings skipped)",
		    what, ip4_format(dst, a), ik_strerror(err),
		    (unsigned long long)rs->warns_skipped);
}

static void
relay_of(const struct relay_state *rs, struct dhcp_relay *r)
{
	const struct relay_conf *c = rs->sv->conf;

	r->ifs = rs->rifs;
	r->n_ifs = rs->n_ifs;
	r->max_hops = (unsigned)c->max_hops;
	r->add_rai = c->option82;
}

static int
udp_send(int fd, uint32_t dst, uint16_t port, const void *buf, size_t len)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(dst),
	};

	if (sendto(fd, buf, len, 0, (struct sockaddr *)&sin,
	    sizeof(sin)) < 0)
		return -errno;
	return 0;
}

static void
on_request(struct relay_state *rs, int ifindex, size_t len)
{
	const struct relay_conf *c = rs->sv->conf;
	struct dhcp_relay r;
	struct dhcp_relay_out o = { .buf = rs->out, .cap = sizeof(rs->out) };
	char a[16];
	size_t ifi;

	rs->st.requests_in++;
	rs->sv->st.requests++;
	for (ifi = 0; ifi < rs->n_ifs; ifi++)
		if (rs->ifs[ifi].link.ifindex == ifindex)
			break;
	if (ifi == rs->n_ifs) {
		/* Only the client links are relayed (a server-side
		 * broadcast must not loop back to the servers). */
		rs->st.not_client_if++;
		return;
	}
	relay_of(rs, &r);
	enum dhcp_relay_verdict v = dhcp_relay_request(&r, ifi, rs->in, len,
	    rs->arena, &o);
	if (v != DHCP_RELAY_FORWARD) {
		rs->st.dropped[v]++;
		log_debug("drop request %s xid=%08x if=%s reason=%s",
		    dhcp_msg_type_name(o.msg_type), o.xid, rs->rifs[ifi].name,
		    dhcp_relay_verdict_name(v));
		return;
	}
	rs->st.requests_fwd++;
	rs->st.rai_added += o.rai_added;
	if (o.rai_no_room) {
		/* RFC 3046 2.1: forwarded without it, counted as an error. */
		rs->st.rai_no_room++;
		rs->sv->st.errors++;
	}
	for (size_t i = 0; i < c->servers.n; i++) {
		const struct sockaddr_in *sin =
		    (const struct sockaddr_in *)&c->servers.v[i].ss;
		uint32_t dst = ntohl(sin->sin_addr.s_addr);
		int err = udp_send(rs->udp_fd, dst, ntohs(sin->sin_port),
		    o.buf, o.len);
		if (err < 0)
			send_failed(rs, "server", dst, err);
	}
	log_debug("forward %s xid=%08x if=%s giaddr=%s rai=%s servers=%zu",
	    dhcp_msg_type_name(o.msg_type), o.xid, rs->rifs[ifi].name,
	    ip4_format(rs->rifs[ifi].addr, a), o.rai_added ? "yes" : "no",
	    c->servers.n);
}

static void
on_reply(struct relay_state *rs, size_t len)
{
	static const char *const how_name[] = {
		[DHCP_RELAY_TO_BROADCAST] = "broadcast",
		[DHCP_RELAY_TO_CHADDR] = "chaddr",
		[DHCP_RELAY_TO_CIADDR] = "ciaddr",
	};
	struct dhcp_relay r;
	struct dhcp_relay_out o = { .buf = rs->out, .cap = sizeof(rs->out) };
	struct dhcp_relay_dst to;
	char a[16];
	int err;

	rs->st.replies_in++;
	relay_of(rs, &r);
	enum dhcp_relay_verdict v = dhcp_relay_reply(&r, rs->in, len,
	    rs->arena, &o, &to);
	if (v != DHCP_RELAY_FORWARD) {
		rs->st.dropped[v]++;
		log_debug("drop reply %s xid=%08x reason=%s",
		    dhcp_msg_type_name(o.msg_type), o.xid,
		    dhcp_relay_verdict_name(v));
		return;
	}
	const struct relay_iface *ifc = &rs->ifs[to.ifi];
	if (to.how == DHCP_RELAY_TO_CIADDR) {
		err = udp_send(rs->udp_fd, to.dst, DHCP_CLIENT_PORT, o.buf,
		    o.len);
	} else {
		struct dhcp_udp_meta m = {
			.src = to.src, .dst = to.dst,
			.sport = DHCP_SERVER_PORT, .dport = DHCP_CLIENT_PORT,
		};
		err = dhcp_link_send_udp(ifc->fd, ifc->link.ifindex,
		    to.dst_mac, &m, o.buf, o.len);
	}
	if (err < 0) {
		send_failed(rs, "client", to.dst, err);
		return;
	}
	rs->st.replies_fwd++;
	rs->st.rai_stripped += o.rai_stripped;
	log_debug("deliver %s xid=%08x if=%s to=%s dst=%s",
	    dhcp_msg_type_name(o.msg_type), o.xid, ifc->link.name,
	    how_name[to.how], ip4_format(to.dst, a));
}

/* Reads one datagram into rs->in. Returns its length (0: not one to
 * handle), -EAGAIN when none is queued, or -errno. */
static ssize_t
udp_recv(struct relay_state *rs, int *ifindex)
{
	union {
		struct cmsghdr	 align;
		uint8_t		 buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
	} cbuf;
	struct sockaddr_in from;
	struct iovec iov = { rs->in, sizeof(rs->in) };
	struct msghdr mh = {
		.msg_name = &from, .msg_namelen = sizeof(from),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf.buf, .msg_controllen = sizeof(cbuf.buf),
	};

	*ifindex = 0;
	ssize_t n = recvmsg(rs->udp_fd, &mh, MSG_DONTWAIT);
	if (n < 0)
		return -errno;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm != NULL;
	    cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == IPPROTO_IP &&
		    cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			*ifindex = pi.ipi_ifindex;
		}
	}
	if (mh.msg_flags & MSG_TRUNC) {
		rs->st.dropped[DHCP_RELAY_TOO_BIG]++;
		return 0;
	}
	return n;
}

static void
on_udp(evutil_socket_t fd, short what, void *arg)
{
	struct relay_state *rs = arg;
	int ifindex;

	(void)fd;
	(void)what;
	for (int i = 0; i < RELAY_BATCH; i++) {
		ssize_t n = udp_recv(rs, &ifindex);
		if (n == -EAGAIN || n == -EWOULDBLOCK)
			break;
		if (n < 0) {
			if (may_warn(rs))
				log_warn("recv: %s", ik_strerror((int)n));
			break;
		}
		rs->st.datagrams_in++;
		if (n == 0)
			continue;
		/* RFC 951: op 1 goes to the servers, op 2 to a client. */
		if (rs->in[0] == DHCP_OP_REPLY)
			on_reply(rs, (size_t)n);
		else if (rs->in[0] == DHCP_OP_REQUEST)
			on_request(rs, ifindex, (size_t)n);
		else
			rs->st.dropped[DHCP_RELAY_MALFORMED]++;
		arena_reset(rs->arena);
	}
}

static void
relay_stats_out(struct svc *sv, struct evbuffer *out)
{
	struct relay_state *rs = sv->priv;
	const struct relay_stats *s = &rs->st;

	svc_stats_print(sv, out);
	evbuffer_add_printf(out, "datagrams_in=%llu\n"
	    "requests_in=%llu\nrequests_forwarded=%llu\n"
	    "replies_in=%llu\nreplies_forwarded=%llu\nrai_added=%llu\n"
	    "rai_stripped=%llu\nrai_no_room=%llu\nnot_client_if=%llu\n"
	    "send_errors=%llu\n",
	    (unsigned long long)s->datagrams_in,
	    (unsigned long long)s->requests_in,
	    (unsigned long long)s->requests_fwd,
	    (unsigned long long)s->replies_in,
	    (unsigned long long)s->replies_fwd,
	    (unsigned long long)s->rai_added,
	    (unsigned long long)s->rai_stripped,
	    (unsigned long long)s->rai_no_room,
	    (unsigned long long)s->not_client_if,
	    (unsigned long long)s->send_errors);
	for (unsigned v = 1; v < DHCP_RELAY_N_VERDICTS; v++)
		evbuffer_add_printf(out, "dropped_%s=%llu\n",
		    dhcp_relay_verdict_name(v),
		    (unsigned long long)s->dropped[v]);
}

static int
cmd_interfaces(void *arg, const char *args, struct evbuffer *out)
{
	struct svc *sv = arg;
	struct relay_state *rs = sv->priv;
	char a[16], mac[18];

	(void)args;
	for (size_t i = 0; i < rs->n_ifs; i++) {
		const struct dhcp_iface *l = &rs->ifs[i].link;
		evbuffer_add_printf(out, "%s ifindex=%d giaddr=%s/%u mac=%s "
		    "mtu=%u up=%s\n", l->name, l->ifindex,
		    l->addr ? ip4_format(l->addr, a) : "none", l->prefix,
		    dhcp_mac_format(l->mac, mac), l->mtu,
		    l->up ? "yes" : "no");
	}
	return 0;
}

static const struct ctl_cmd relay_cmds[] = {
	{ "interfaces", "interfaces  client interfaces and their giaddr",
	    cmd_interfaces },
	{ 0 },
};

/* Interface addresses may change (a reload re-reads them); the list may
 * not, as its packet sockets were opened as root. */
static int
relay_reload(struct svc *sv, const struct cfg *nc)
{
	struct relay_state *rs = sv->priv;
	const struct relay_conf *c = svc_conf_of(nc, &dhcrelay_svc);
	char names[RELAY_IFACES_MAX][IF_NAMESIZE];
	const char *why = "";
	int n = iface_names(c->interfaces, names, &why);

	if (n < 0 || (size_t)n != rs->n_ifs)
		goto changed;
	for (size_t i = 0; i < rs->n_ifs; i++)
		if (strcmp(names[i], rs->ifs[i].link.name) != 0)
			goto changed;
	for (size_t i = 0; i < rs->n_ifs; i++) {
		struct dhcp_iface l = rs->ifs[i].link;
		int err = dhcp_iface_refresh(&l);
		if (err < 0)
			log_warn("reload: if=%s: %s; keeping its old address",
			    l.name, ik_strerror(err));
		else
			rs->ifs[i].link = l;
	}
	rifs_sync(rs);
	log_ifaces(rs, "reload");
	return 0;
changed:
	log_err("reload: [dhcrelay] interfaces cannot change without a "
	    "restart (their sockets are opened as root at start)");
	return -IK_ECONFIG;
}

static void
relay_free(struct svc *sv)
{
	struct relay_state *rs = sv->priv;

	if (rs == NULL)
		return;
	if (rs->ev_udp != NULL)
		event_free(rs->ev_udp);
	if (rs->udp_fd >= 0)
		close(rs->udp_fd);
	for (size_t i = 0; i < rs->n_ifs; i++)
		if (rs->ifs[i].fd >= 0)
			close(rs->ifs[i].fd);
	arena_free(&rs->arena);
	free(rs);
	sv->priv = NULL;
}

/* The packet socket only sends: a filter that passes nothing keeps the
 * frames it would otherwise queue (and wake nobody for) away; what came
 * in before the filter is read and dropped. */
static int
pkt_mute(int fd)
{
	struct sock_filter none = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog prog = { 1, &none };
	uint8_t scratch[64];

	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
	    sizeof(prog)) < 0)
		return -errno;
	for (int i = 0; i < RELAY_DRAIN_MAX; i++)
		if (recv(fd, scratch, sizeof(scratch), MSG_DONTWAIT) < 0)
			break;
	return 0;
}

/* As root: the interfaces, their packet sockets and UDP port 67. */
static int
relay_open_privileged(struct svc *sv)
{
	const struct relay_conf *c = sv->conf;
	char names[RELAY_IFACES_MAX][IF_NAMESIZE];
	const char *why = "";
	struct relay_state *rs = calloc(1, sizeof(*rs));
	int err;

	if (rs == NULL)
		return -ENOMEM;
	sv->priv = rs;
	sv->free = relay_free;
	rs->sv = sv;
	rs->udp_fd = -1;
	int n = iface_names(c->interfaces, names, &why);
	if (n <= 0) {
		log_err("[dhcrelay] interfaces: %s", n < 0 ? why : "none");
		return -IK_ECONFIG;
	}
	for (int i = 0; i < n; i++) {
		struct relay_iface *ifc = &rs->ifs[i];
		ifc->fd = -1;
		rs->n_ifs++;
		if ((err = dhcp_iface_get(names[i], &ifc->link)) < 0) {
			log_err("interface %s: %s", names[i],
			    ik_strerror(err));
			return err;
		}
		if ((ifc->fd = dhcp_link_open_udp(ifc->link.ifindex,
		    DHCP_CLIENT_PORT)) < 0 || (err = pkt_mute(ifc->fd)) < 0) {
			err = ifc->fd < 0 ? ifc->fd : err;
			log_err("interface %s: packet socket: %s", names[i],
			    ik_strerror(err));
			return err;
		}
	}
	if ((rs->udp_fd = dhcp_udp_open(DHCP_SERVER_PORT, true)) < 0) {
		err = rs->udp_fd;
		log_err("cannot listen on 0.0.0.0:%d (udp): %s",
		    DHCP_SERVER_PORT, ik_strerror(err));
		return err;
	}
	rifs_sync(rs);
	return 0;
}

static int
relay_start(struct svc *sv)
{
	const struct relay_conf *c = sv->conf;
	struct relay_state *rs = sv->priv;
	char buf[NET_ADDRSTRLEN];

	sv->cmds = relay_cmds;
	sv->reload = relay_reload;
	sv->stats = relay_stats_out;
	if ((rs->arena = arena_new(RELAY_ARENA)) == NULL)
		return -ENOMEM;
	rs->ev_udp = event_new(sv->base, rs->udp_fd, EV_READ | EV_PERSIST,
	    on_udp, rs);
	if (rs->ev_udp == NULL || event_add(rs->ev_udp, NULL) < 0)
		return -ENOMEM;
	log_ifaces(rs, "start");
	for (size_t i = 0; i < c->servers.n; i++)
		log_info("start server=%s", net_addr_format(&c->servers.v[i],
		    true, buf, sizeof(buf)));
	log_info("start option82=%s max_hops=%d", c->option82 ? "yes" : "no",
	    c->max_hops);
	return 0;
}

const struct svc_def dhcrelay_svc = {
	.name = "dhcrelay",
	.summary = "DHCP relay agent (RFC 1542, option 82 per RFC 3046)",
	.sec = &relay_section,
	.start = relay_start,
	.open_privileged = relay_open_privileged,
};
