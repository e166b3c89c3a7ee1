/* dhcp/link.c - link-layer I/O for DHCP: interface facts by ioctl,
 * AF_PACKET SOCK_DGRAM sockets (the kernel adds and strips the Ethernet
 * header) for IPv4/UDP frames behind a classic BPF filter and for ARP,
 * and a raw ICMP socket for echo probes. Framing is dhcp/frame.c; no
 * policy, no retries, no logging here. */
#include "dhcp/link.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/icmp.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/err.h"
#include "core/hex.h"
#include "core/rdwr.h"

#define LINK_FRAME_STACK	2048	/* bigger frames are malloc'd */
#define LINK_RECV_TRIES		64	/* outgoing copies skipped per call */
#define ICMP_HDR		8
#define ICMP_DATA		16	/* echo payload; 0 filled */
#define ICMP_IN_MAX		(60 + 1500)

/* ioctl(SIOCGIF*) for `ifr` on an AF_INET datagram socket `fd`. Fills
 * everything but name and ifindex. */
static int
iface_fill(int fd, struct ifreq *ifr, struct dhcp_iface *out)
{
	if (ioctl(fd, SIOCGIFHWADDR, ifr) < 0)
		return -errno;
	/* Loopback and tunnels have no 6-byte address; the zeros stay. */
	memset(out->mac, 0, sizeof(out->mac));
	if (ifr->ifr_hwaddr.sa_family == ARPHRD_ETHER)
		memcpy(out->mac, ifr->ifr_hwaddr.sa_data, DHCP_ETH_ALEN);

	if (ioctl(fd, SIOCGIFMTU, ifr) < 0)
		return -errno;
	out->mtu = ifr->ifr_mtu > 0 ? (unsigned)ifr->ifr_mtu : 0;

	if (ioctl(fd, SIOCGIFFLAGS, ifr) < 0)
		return -errno;
	out->up = (ifr->ifr_flags & IFF_UP) != 0;

	out->addr = 0;
	out->prefix = 0;
	if (ioctl(fd, SIOCGIFADDR, ifr) < 0) {
		/* A client's interface has no address yet: not an error. */
		if (errno == EADDRNOTAVAIL)
			return 0;
		return -errno;
	}
	struct sockaddr_in sin;
	memcpy(&sin, &ifr->ifr_addr, sizeof(sin));
	out->addr = ntohl(sin.sin_addr.s_addr);

	if (ioctl(fd, SIOCGIFNETMASK, ifr) < 0)
		return -errno;
	memcpy(&sin, &ifr->ifr_netmask, sizeof(sin));
	uint32_t mask = ntohl(sin.sin_addr.s_addr);
	uint8_t prefix = 0;
	while (prefix < 32 && (mask & (0x80000000u >> prefix)) != 0)
		prefix++;
	out->prefix = prefix;
	return 0;
}

static int
ioctl_sock(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	return fd < 0 ? -errno : fd;
}

int
dhcp_iface_get(const char *name, struct dhcp_iface *out)
{
	struct ifreq ifr;
	struct dhcp_iface ifc;
	size_t n = strlen(name);

	if (n >= IF_NAMESIZE)
		return -IK_ETRUNC;
	if (n == 0)
		return -ENODEV;
	int fd = ioctl_sock();
	if (fd < 0)
		return fd;
	memset(&ifr, 0, sizeof(ifr));
	memset(&ifc, 0, sizeof(ifc));
	memcpy(ifr.ifr_name, name, n);
	memcpy(ifc.name, name, n);

	int err = 0;
	if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
		err = -errno;
		goto out;
	}
	ifc.ifindex = ifr.ifr_ifindex;
	if ((err = iface_fill(fd, &ifr, &ifc)) < 0)
		goto out;
	*out = ifc;
out:
	close(fd);
	return err;
}

int
dhcp_iface_refresh(struct dhcp_iface *out)
{
	struct ifreq ifr;
	int fd = ioctl_sock();

	if (fd < 0)
		return fd;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_ifindex = out->ifindex;

	int err = 0;
	/* By index: the name may have changed since dhcp_iface_get(). */
	if (ioctl(fd, SIOCGIFNAME, &ifr) < 0) {
		err = -errno;
		goto out;
	}
	struct dhcp_iface ifc = *out;
	if ((err = iface_fill(fd, &ifr, &ifc)) < 0)
		goto out;
	memset(ifc.name, 0, sizeof(ifc.name));
	memcpy(ifc.name, ifr.ifr_name, strnlen(ifr.ifr_name, IF_NAMESIZE - 1));
	*out = ifc;
out:
	close(fd);
	return err;
}

/* Opens an AF_PACKET SOCK_DGRAM socket that receives nothing until bound,
 * so a filter set in between sees every frame; then binds it to
 * `ifindex` and `proto`. */
static int
packet_open(int ifindex, uint16_t proto, const struct sock_fprog *prog)
{
	int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	int err = 0;

	if (fd < 0)
		return -errno;
	if (prog != NULL && setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, prog,
	    sizeof(*prog)) < 0) {
		err = -errno;
		goto out;
	}
	struct sockaddr_ll sll;
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(proto);
	sll.sll_ifindex = ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		err = -errno;
		goto out;
	}
	return fd;
out:
	close(fd);
	return err;
}

int
dhcp_link_open_udp(int ifindex, uint16_t udp_dport)
{
	/* On a SOCK_DGRAM packet socket the filter sees the frame from the
	 * IP header on. Accept IPv4, UDP, no MF flag, offset 0, and the
	 * destination port at 4 * IHL + 2. */
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0),
		BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xf0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x40, 0, 8),
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_UDP, 0, 6),
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 6),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x3fff, 4, 0),
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, udp_dport, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0x40000),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = { sizeof(code) / sizeof(code[0]), code };
	int fd = packet_open(ifindex, ETH_P_IP, &prog);
	int on = 1;

	/* For the checksum status of each frame: see udp_csum_fill(). */
	if (fd >= 0 && setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &on,
	    sizeof(on)) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static int
packet_send(int fd, int ifindex, uint16_t proto,
    const uint8_t dst_mac[DHCP_ETH_ALEN], const void *buf, size_t len)
{
	struct sockaddr_ll sll;

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(proto);
	sll.sll_ifindex = ifindex;
	sll.sll_halen = DHCP_ETH_ALEN;
	memcpy(sll.sll_addr, dst_mac, DHCP_ETH_ALEN);
	for (int tries = 0; tries < 4; tries++) {
		ssize_t n = sendto(fd, buf, len, 0, (struct sockaddr *)&sll,
		    sizeof(sll));
		if (n >= 0)
			return (size_t)n == len ? 0 : -EIO;
		if (errno != EINTR)
			return -errno;
	}
	return -EINTR;
}

int
dhcp_link_send_udp(int fd, int ifindex,
    const uint8_t dst_mac[DHCP_ETH_ALEN], const struct dhcp_udp_meta *meta,
    const void *payload, size_t len)
{
	uint8_t stack[LINK_FRAME_STACK];
	uint8_t *buf = stack;
	size_t cap = sizeof(stack);
	int err;

	if (len > 65535 - DHCP_IPV4_HDR - DHCP_UDP_HDR)
		return -EMSGSIZE;
	if (len + DHCP_IPV4_HDR + DHCP_UDP_HDR > cap) {
		cap = len + DHCP_IPV4_HDR + DHCP_UDP_HDR;
		if ((buf = malloc(cap)) == NULL)
			return -ENOMEM;
	}
	/* A random id: several clients on a link must not collide. */
	uint16_t id = (uint16_t)arc4random();
	ssize_t n = dhcp_frame_build_udp(buf, cap, meta, id, payload, len);
	if (n < 0) {
		err = -EMSGSIZE;
		goto out;
	}
	err = packet_send(fd, ifindex, ETH_P_IP, dst_mac, buf, (size_t)n);
out:
	if (buf != stack)
		free(buf);
	return err;
}

/* Reads one frame that was not sent by this host. Returns its length,
 * -EAGAIN, or -errno; *status gets the PACKET_AUXDATA tp_status, or 0. */
static ssize_t
packet_recv(int fd, uint8_t *buf, size_t cap, struct sockaddr_ll *sll,
    uint32_t *status)
{
	union {
		struct cmsghdr	 h;
		uint8_t		 b[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} ctl;

	for (int tries = 0; tries < LINK_RECV_TRIES; tries++) {
		struct iovec iov = { buf, cap };
		struct msghdr mh = {
			.msg_name = sll, .msg_namelen = sizeof(*sll),
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = &ctl, .msg_controllen = sizeof(ctl),
		};
		ssize_t n = recvmsg(fd, &mh, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (sll->sll_pkttype == PACKET_OUTGOING)
			continue;
		*status = 0;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c != NULL;
		    c = CMSG_NXTHDR(&mh, c)) {
			struct tpacket_auxdata aux;
			if (c->cmsg_level != SOL_PACKET ||
			    c->cmsg_type != PACKET_AUXDATA ||
			    c->cmsg_len < CMSG_LEN(sizeof(aux)))
				continue;
			memcpy(&aux, CMSG_DATA(c), sizeof(aux));
			*status = aux.tp_status;
		}
		return n;
	}
	/* Only our own frames so far; the fd stays readable if more. */
	return -EAGAIN;
}

/* A frame from this host's own UDP stack over veth, or from a NIC with
 * checksum offload seen before transmit, carries only the pseudo-header
 * sum in its UDP checksum (TP_STATUS_CSUMNOTREADY): compute the real one
 * in place, as the hardware would, so the strict parse can check it.
 * Inconsistent headers are left for the parse to reject. */
static void
udp_csum_fill(uint8_t *buf, size_t len)
{
	struct rd r = { buf, buf + len, 0 };
	uint8_t vhl = rd_u8(&r);
	size_t hlen = (size_t)(vhl & 0x0f) * 4;

	r.p = buf + 2;
	size_t total = rd_u16(&r);
	r.p = buf + 9;
	uint8_t proto = rd_u8(&r);
	if (r.err != 0 || hlen < DHCP_IPV4_HDR || total > len ||
	    total < hlen + DHCP_UDP_HDR || proto != IPPROTO_UDP)
		return;
	uint8_t *u = buf + hlen;
	size_t udp_len = (size_t)(u[4] << 8 | u[5]);
	if (udp_len < DHCP_UDP_HDR || udp_len > total - hlen)
		return;

	uint8_t ph[12];
	struct wr w = { ph, ph + sizeof(ph), 0 };
	wr_bytes(&w, buf + 12, 8);		/* source, destination */
	wr_u8(&w, 0);
	wr_u8(&w, IPPROTO_UDP);
	wr_u16(&w, (uint16_t)udp_len);
	u[6] = u[7] = 0;
	uint16_t c = dhcp_csum_fold(dhcp_csum_add(dhcp_csum_add(0, ph,
	    sizeof(ph)), u, udp_len));
	if (c == 0)
		c = 0xffff;
	u[6] = (uint8_t)(c >> 8);
	u[7] = (uint8_t)c;
}

ssize_t
dhcp_link_recv_udp(int fd, uint8_t *buf, size_t cap,
    struct dhcp_udp_meta *meta, const uint8_t **payload,
    uint8_t src_mac[DHCP_ETH_ALEN])
{
	struct sockaddr_ll sll;
	uint32_t status;
	ssize_t n = packet_recv(fd, buf, cap, &sll, &status);

	if (n < 0)
		return n;
	if ((size_t)n > cap)
		n = (ssize_t)cap;
	if ((status & TP_STATUS_CSUMNOTREADY) != 0)
		udp_csum_fill(buf, (size_t)n);
	size_t plen;
	/* A frame longer than cap arrives cut, and fails as -IK_ETRUNC. */
	int err = dhcp_frame_parse_udp(buf, (size_t)n, meta, payload, &plen);
	if (err < 0)
		return err;
	if (src_mac != NULL) {
		memset(src_mac, 0, DHCP_ETH_ALEN);
		if (sll.sll_halen == DHCP_ETH_ALEN)
			memcpy(src_mac, sll.sll_addr, DHCP_ETH_ALEN);
	}
	return (ssize_t)plen;
}

int
dhcp_arp_open(int ifindex)
{
	return packet_open(ifindex, ETH_P_ARP, NULL);
}

int
dhcp_arp_send(int fd, int ifindex, const struct dhcp_arp *a)
{
	static const uint8_t bcast[DHCP_ETH_ALEN] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};
	uint8_t buf[DHCP_ARP_LEN];
	ssize_t n = dhcp_arp_build(buf, sizeof(buf), a);

	if (n < 0)
		return (int)n;
	return packet_send(fd, ifindex, ETH_P_ARP, bcast, buf, (size_t)n);
}

int
dhcp_arp_recv(int fd, struct dhcp_arp *out)
{
	uint8_t buf[256];
	struct sockaddr_ll sll;
	uint32_t status;
	ssize_t n = packet_recv(fd, buf, sizeof(buf), &sll, &status);

	if (n < 0)
		return (int)n;
	return dhcp_arp_parse(buf, (size_t)n, out);
}

int
dhcp_icmp_open(void)
{
	int fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    IPPROTO_ICMP);
	/* Linux's ICMP_FILTER: a set bit drops that type. */
	struct icmp_filter f = { ~(1u << ICMP_ECHOREPLY) };

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_RAW, ICMP_FILTER, &f, sizeof(f)) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int
dhcp_icmp_send_echo(int fd, uint32_t dst, uint16_t id, uint16_t seq)
{
	uint8_t buf[ICMP_HDR + ICMP_DATA];
	struct wr w = { buf, buf + sizeof(buf), 0 };
	struct sockaddr_in sin;

	memset(buf, 0, sizeof(buf));
	wr_u8(&w, ICMP_ECHO);
	wr_u8(&w, 0);
	wr_u16(&w, 0);			/* checksum, below */
	wr_u16(&w, id);
	wr_u16(&w, seq);
	uint16_t c = dhcp_csum_fold(dhcp_csum_add(0, buf, sizeof(buf)));
	buf[2] = (uint8_t)(c >> 8);
	buf[3] = (uint8_t)c;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(dst);
	for (int tries = 0; tries < 4; tries++) {
		ssize_t n = sendto(fd, buf, sizeof(buf), 0,
		    (struct sockaddr *)&sin, sizeof(sin));
		if (n >= 0)
			return (size_t)n == sizeof(buf) ? 0 : -EIO;
		if (errno != EINTR)
			return -errno;
	}
	return -EINTR;
}

int
dhcp_icmp_recv_echo(int fd, uint32_t *src, uint16_t *id, uint16_t *seq)
{
	uint8_t buf[ICMP_IN_MAX];
	ssize_t n;

	do
		n = recv(fd, buf, sizeof(buf), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;

	/* A raw IPv4 socket hands over the IP header too. */
	struct rd r = { buf, buf + n, 0 };
	uint8_t vhl = rd_u8(&r);
	size_t hlen = (size_t)(vhl & 0x0f) * 4;
	if (r.err != 0 || vhl >> 4 != 4 || hlen < DHCP_IPV4_HDR ||
	    (size_t)n < hlen + ICMP_HDR)
		return -IK_EPARSE;
	r.p = buf + 12;
	uint32_t from = rd_u32(&r);
	r.p = buf + hlen;
	uint8_t type = rd_u8(&r);
	uint8_t code = rd_u8(&r);
	(void)rd_u16(&r);
	uint16_t rid = rd_u16(&r);
	uint16_t rseq = rd_u16(&r);
	if (r.err != 0 || type != ICMP_ECHOREPLY || code != 0)
		return -IK_EPARSE;
	if (dhcp_csum_fold(dhcp_csum_add(0, buf + hlen, (size_t)n - hlen)) != 0)
		return -IK_EPARSE;
	*src = from;
	*id = rid;
	*seq = rseq;
	return 0;
}

const char *
dhcp_mac_format(const uint8_t mac[DHCP_ETH_ALEN], char *buf)
{
	/* 18 bytes always fit: 6 * "xx" + 5 ':' + NUL. */
	(void)snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0],
	    mac[1], mac[2], mac[3], mac[4], mac[5]);
	return buf;
}

int
dhcp_mac_parse(const char *s, uint8_t mac[DHCP_ETH_ALEN])
{
	uint8_t out[DHCP_ETH_ALEN];
	char sep = 0;

	for (int i = 0; i < DHCP_ETH_ALEN; i++) {
		if (i > 0) {
			/* One separator throughout, ':' or '-'. */
			if (*s != ':' && *s != '-')
				return -IK_EPARSE;
			if (sep != 0 && *s != sep)
				return -IK_EPARSE;
			sep = *s++;
		}
		int hi = hex_digit(s[0]);
		int lo = hi < 0 ? -1 : hex_digit(s[1]);
		if (lo < 0)
			return -IK_EPARSE;
		out[i] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	if (*s != '\0')
		return -IK_EPARSE;
	memcpy(mac, out, sizeof(out));
	return 0;
}

int
dhcp_udp_open(uint16_t port, bool reuse)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
	    .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY) };
	int one = 1, fd, err;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if ((reuse && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one)) < 0) ||
	    setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}
