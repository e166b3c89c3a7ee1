/* dhcp/netlink.c - rtnetlink requests for the DHCP client: RTM_NEWADDR /
 * RTM_DELADDR / RTM_GETADDR (dump, for the flush), RTM_NEWROUTE /
 * RTM_DELROUTE for the default route, RTM_NEWLINK for IFF_UP. Each
 * request asks for an ACK and waits for it; the kernel's error code is
 * the return value. No policy here: dhcp/dhcpc.c decides what to set. */
#include "dhcp/netlink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define NL_BUF		1024	/* a request: a few dozen bytes */
#define NL_RECV_BUF	32768	/* a reply chunk: dumps come in up to
				 * 32 KiB skbs */
#define NL_TIMEOUT_S	5	/* the kernel answers at once; a bound */
#define NL_FLUSH_MAX	256	/* addresses removed per flush */
#define NL_READS_MAX	1024	/* reply chunks read per request */

struct nl_req {
	struct nlmsghdr	*h;
	uint8_t		 buf[NL_BUF] __attribute__((aligned(NLMSG_ALIGNTO)));
};

int
dhcp_nl_open(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = NL_TIMEOUT_S };
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* Starts a request of `type` with a fixed header of `len` bytes (zeroed,
 * returned). Sequence numbers only need to differ from the last request
 * on the socket; one counter for the process does. */
static void *
req_init(struct nl_req *r, uint16_t type, uint16_t flags, size_t len)
{
	static uint32_t seq;

	memset(r->buf, 0, sizeof(r->buf));
	r->h = (struct nlmsghdr *)r->buf;
	r->h->nlmsg_len = (uint32_t)NLMSG_LENGTH(len);
	r->h->nlmsg_type = type;
	r->h->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
	r->h->nlmsg_seq = ++seq;
	return NLMSG_DATA(r->h);
}

/* Appends an attribute; requests here are a few dozen bytes, far from
 * NL_BUF, so there is always room. */
static void
req_attr(struct nl_req *r, uint16_t type, const void *data, size_t len)
{
	size_t at = NLMSG_ALIGN(r->h->nlmsg_len);
	size_t n = RTA_LENGTH(len);

	if (at + RTA_ALIGN(n) > sizeof(r->buf))
		return;
	struct rtattr *rta = (struct rtattr *)(r->buf + at);
	rta->rta_type = type;
	rta->rta_len = (unsigned short)n;
	memcpy(RTA_DATA(rta), data, len);
	r->h->nlmsg_len = (uint32_t)(at + RTA_ALIGN(n));
}

static void
req_addr(struct nl_req *r, uint16_t type, uint32_t host_order)
{
	uint32_t be = htonl(host_order);

	req_attr(r, type, &be, sizeof(be));
}

static int
req_send(int fd, struct nl_req *r)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	if (sendto(fd, r->buf, r->h->nlmsg_len, 0, (struct sockaddr *)&sa,
	    sizeof(sa)) < 0)
		return -errno;
	return 0;
}

/* Reads replies to request `seq`: each data message goes to `fn` (may be
 * NULL), until the ACK (NLMSG_ERROR) or the end of a dump. Returns the
 * kernel's answer: 0 or -errno. */
static int
req_wait(int fd, uint32_t seq,
    void (*fn)(const struct nlmsghdr *, void *), void *arg)
{
	uint8_t buf[NL_RECV_BUF] __attribute__((aligned(NLMSG_ALIGNTO)));

	for (int reads = 0; reads < NL_READS_MAX; reads++) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		size_t left = (size_t)n;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf;
		    NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_seq != seq)
				continue;	/* a stale answer */
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return -EIO;
				return e->error;	/* 0: the ACK */
			}
			if (fn != NULL)
				fn(h, arg);
		}
	}
	return -EIO;
}

static int
req_do(int fd, struct nl_req *r)
{
	int err = req_send(fd, r);

	return err < 0 ? err : req_wait(fd, r->h->nlmsg_seq, NULL, NULL);
}

int
dhcp_nl_link_up(int fd, int ifindex)
{
	struct nl_req r;
	struct ifinfomsg *ifi = req_init(&r, RTM_NEWLINK, NLM_F_ACK,
	    sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	return req_do(fd, &r);
}

int
dhcp_nl_addr_add(int fd, const struct dhcp_nl_addr *a)
{
	struct nl_req r;
	struct ifaddrmsg *ifa = req_init(&r, RTM_NEWADDR,
	    NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE, sizeof(*ifa));

	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = a->prefix;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (uint32_t)a->ifindex;
	req_addr(&r, IFA_LOCAL, a->addr);
	req_addr(&r, IFA_ADDRESS, a->addr);
	if (a->bcast != 0)
		req_addr(&r, IFA_BROADCAST, a->bcast);
	if (a->valid_s != DHCP_NL_FOREVER) {
		struct ifa_cacheinfo ci = { .ifa_prefered = a->valid_s,
		    .ifa_valid = a->valid_s };
		req_attr(&r, IFA_CACHEINFO, &ci, sizeof(ci));
	}
	return req_do(fd, &r);
}

int
dhcp_nl_addr_del(int fd, int ifindex, uint32_t addr, uint8_t prefix)
{
	struct nl_req r;
	struct ifaddrmsg *ifa = req_init(&r, RTM_DELADDR, NLM_F_ACK,
	    sizeof(*ifa));

	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = prefix;
	ifa->ifa_index = (uint32_t)ifindex;
	req_addr(&r, IFA_LOCAL, addr);
	int err = req_do(fd, &r);
	return err == -EADDRNOTAVAIL || err == -ENODEV ? 0 : err;
}

struct flush_list {
	int		 ifindex;
	size_t		 n;
	uint32_t	 addr[NL_FLUSH_MAX];
	uint8_t		 prefix[NL_FLUSH_MAX];
};

static void
flush_collect(const struct nlmsghdr *h, void *arg)
{
	struct flush_list *fl = arg;
	const struct ifaddrmsg *ifa = NLMSG_DATA(h);

	if (h->nlmsg_type != RTM_NEWADDR ||
	    h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)) ||
	    ifa->ifa_family != AF_INET ||
	    (int)ifa->ifa_index != fl->ifindex || fl->n >= NL_FLUSH_MAX)
		return;
	size_t len = IFA_PAYLOAD(h);
	for (const struct rtattr *rta = IFA_RTA(ifa); RTA_OK(rta, len);
	    rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type != IFA_LOCAL ||
		    RTA_PAYLOAD(rta) != sizeof(uint32_t))
			continue;
		uint32_t be;
		memcpy(&be, RTA_DATA(rta), sizeof(be));
		fl->addr[fl->n] = ntohl(be);
		fl->prefix[fl->n] = ifa->ifa_prefixlen;
		fl->n++;
		return;
	}
}

int
dhcp_nl_addr_flush(int fd, int ifindex)
{
	struct flush_list fl;
	struct nl_req r;
	struct ifaddrmsg *ifa = req_init(&r, RTM_GETADDR, NLM_F_DUMP,
	    sizeof(*ifa));

	ifa->ifa_family = AF_INET;
	memset(&fl, 0, sizeof(fl));
	fl.ifindex = ifindex;
	int err = req_send(fd, &r);
	if (err == 0)
		err = req_wait(fd, r.h->nlmsg_seq, flush_collect, &fl);
	if (err < 0)
		return err;
	for (size_t i = 0; i < fl.n; i++) {
		err = dhcp_nl_addr_del(fd, ifindex, fl.addr[i], fl.prefix[i]);
		if (err < 0)
			return err;
	}
	return (int)fl.n;
}

static struct rtmsg *
route_req(struct nl_req *r, uint16_t type, uint16_t flags, int ifindex,
    uint32_t gw)
{
	struct rtmsg *rt = req_init(r, type, flags, sizeof(*rt));
	uint32_t oif = (uint32_t)ifindex;

	rt->rtm_family = AF_INET;
	rt->rtm_dst_len = 0;
	rt->rtm_table = RT_TABLE_MAIN;
	rt->rtm_protocol = RTPROT_DHCP;
	rt->rtm_scope = RT_SCOPE_UNIVERSE;
	rt->rtm_type = RTN_UNICAST;
	req_addr(r, RTA_GATEWAY, gw);
	req_attr(r, RTA_OIF, &oif, sizeof(oif));
	return rt;
}

int
dhcp_nl_route_add(int fd, int ifindex, uint32_t gw, uint32_t addr,
    uint8_t prefix)
{
	struct nl_req r;
	struct rtmsg *rt = route_req(&r, RTM_NEWROUTE,
	    NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE, ifindex, gw);
	uint32_t mask = prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);

	if ((gw & mask) != (addr & mask))
		rt->rtm_flags |= RTNH_F_ONLINK;
	return req_do(fd, &r);
}

int
dhcp_nl_route_del(int fd, int ifindex, uint32_t gw)
{
	struct nl_req r;

	route_req(&r, RTM_DELROUTE, NLM_F_ACK, ifindex, gw);
	int err = req_do(fd, &r);
	return err == -ESRCH || err == -ENODEV ? 0 : err;
}
