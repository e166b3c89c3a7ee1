/*
 * dhcp-null - a DHCPv4 responder that does (almost) no work, for bench/dhcp:
 * it shows how fast perfdhcp can drive a server on this machine. Stateless:
 * DISCOVER gets an OFFER, REQUEST an ACK, for an address derived from
 * chaddr; no lease is kept, nothing is written to disk. Relayed requests
 * only (answered to giaddr port 67). Not part of inetkit; libc only.
 */
#define _GNU_SOURCE
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NULL_BATCH	64
#define NULL_PKT_MAX	1500	/* one Ethernet frame */
#define BOOTP_FIXED	236	/* op .. file, RFC 2131 section 2 */
#define BOOTP_MIN	300	/* BOOTP's minimum message, RFC 1542 */
#define OPT_OFF		(BOOTP_FIXED + 4)	/* after the magic cookie */
/* bench/dhcp's pool, 10.64.1.0 - 10.79.255.254: never the server's
 * address (10.64.0.1) nor the subnet's broadcast. */
#define POOL_LO		0x0a400100u
#define POOL_SIZE	1048319u

static const uint8_t cookie[4] = { 99, 130, 83, 99 };
static volatile sig_atomic_t stopping;

static void
on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

/* The DHCP message type (option 53) of a request, or 0 when the packet is
 * not a well-formed relayed BOOTREQUEST. */
static int
req_type(const uint8_t *p, size_t len)
{
	if (len < OPT_OFF || p[0] != 1 || p[2] > 16 ||
	    memcmp(p + BOOTP_FIXED, cookie, 4) != 0)
		return 0;
	if (memcmp(p + 24, "\0\0\0\0", 4) == 0)
		return 0;	/* no giaddr: not relayed, not needed here */
	for (size_t i = OPT_OFF; i < len && p[i] != 255;) {
		if (p[i] == 0) {
			i++;
			continue;
		}
		if (i + 2 > len || i + 2 + p[i + 1] > len)
			return 0;	/* option runs past the packet */
		if (p[i] == 53 && p[i + 1] == 1)
			return p[i + 2];
		i += 2 + p[i + 1];
	}
	return 0;
}

/* Puts option `code` with a 4-byte value (network order) at r + n. */
static size_t
opt4(uint8_t *r, size_t n, uint8_t code, uint32_t v)
{
	r[n] = code;
	r[n + 1] = 4;
	memcpy(r + n + 2, &v, 4);
	return n + 6;
}

/* Builds the reply of type `type` to request q into r; returns its length. */
static size_t
reply_build(const uint8_t *q, int type, uint32_t srv, uint8_t *r)
{
	const uint8_t *ch = q + 28;
	uint32_t h = ((uint32_t)ch[3] << 16 | ch[4] << 8 | ch[5]) & 0xfffff;
	uint32_t yi = htonl(POOL_LO + h % POOL_SIZE);
	uint32_t lease = htonl(3600), mask = htonl(0xfff00000u);
	size_t n = OPT_OFF;

	memset(r, 0, BOOTP_MIN);
	r[0] = 2;			/* BOOTREPLY */
	memcpy(r + 1, q + 1, 3);	/* htype, hlen, hops */
	memcpy(r + 4, q + 4, 4);	/* xid */
	memcpy(r + 10, q + 10, 2);	/* flags */
	memcpy(r + 16, &yi, 4);
	memcpy(r + 24, q + 24, 4 + 16);	/* giaddr, chaddr */
	memcpy(r + BOOTP_FIXED, cookie, 4);
	r[n++] = 53;
	r[n++] = 1;
	r[n++] = (uint8_t)type;
	n = opt4(r, n, 54, srv);	/* server identifier */
	n = opt4(r, n, 51, lease);
	n = opt4(r, n, 1, mask);
	n = opt4(r, n, 3, srv);		/* router */
	r[n++] = 255;
	return n < BOOTP_MIN ? BOOTP_MIN : n;
}

int
main(int argc, char *argv[])
{
	static uint8_t in[NULL_BATCH][NULL_PKT_MAX];
	static uint8_t out[NULL_BATCH][BOOTP_MIN];
	static struct mmsghdr rx[NULL_BATCH], tx[NULL_BATCH];
	static struct iovec rx_iov[NULL_BATCH], tx_iov[NULL_BATCH];
	static struct sockaddr_in to[NULL_BATCH];
	struct sockaddr_in sa = { .sin_family = AF_INET,
	    .sin_port = htons(67) };
	struct sigaction act = { .sa_handler = on_term }; /* no SA_RESTART */
	unsigned long n_in = 0, n_out = 0, n_drop = 0, n_lost = 0;
	int fd, rcvbuf = 4 << 20;

	if (argc != 2 || inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) {
		fprintf(stderr, "usage: dhcp-null IPV4-ADDRESS\n");
		return 2;
	}
	if (sigaction(SIGTERM, &act, NULL) == -1 ||
	    sigaction(SIGINT, &act, NULL) == -1) {
		perror("dhcp-null: sigaction");
		return 1;
	}
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		perror("dhcp-null: socket/bind port 67");
		return 1;
	}
	/* As inetkit does; best effort, the kernel caps it at rmem_max. */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	/* A SIGTERM landing just before recvmmsg blocks is seen within
	 * this much, even with no traffic. */
	struct timeval tick = { .tv_usec = 200000 };
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tick,
	    sizeof(tick)) == -1) {
		perror("dhcp-null: SO_RCVTIMEO");
		return 1;
	}
	for (int i = 0; i < NULL_BATCH; i++) {
		rx_iov[i] = (struct iovec){ in[i], sizeof(in[i]) };
		rx[i].msg_hdr = (struct msghdr){ .msg_iov = &rx_iov[i],
		    .msg_iovlen = 1 };
		tx[i].msg_hdr = (struct msghdr){ .msg_name = &to[i],
		    .msg_namelen = sizeof(to[i]), .msg_iov = &tx_iov[i],
		    .msg_iovlen = 1 };
	}
	fprintf(stderr, "dhcp-null: answering on %s:67; stateless: no lease "
	    "is kept, nothing is written to disk\n", argv[1]);

	while (!stopping) {
		int got = recvmmsg(fd, rx, NULL_BATCH, MSG_WAITFORONE, NULL);
		if (got == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			perror("dhcp-null: recvmmsg");
			return 1;
		}
		int m = 0;
		for (int i = 0; i < got; i++) {
			const uint8_t *q = in[i];
			int type = req_type(q, rx[i].msg_len);
			n_in++;
			if (type != 1 && type != 3) {
				n_drop++;	/* malformed, or not asked */
				continue;
			}
			size_t len = reply_build(q, type == 1 ? 2 : 5,
			    sa.sin_addr.s_addr, out[m]);
			to[m] = (struct sockaddr_in){ .sin_family = AF_INET,
			    .sin_port = htons(67) };
			memcpy(&to[m].sin_addr, q + 24, 4);	/* giaddr */
			tx_iov[m] = (struct iovec){ out[m], len };
			m++;
		}
		/* Send the whole batch; on an error drop the rest, counted. */
		for (int off = 0; off < m;) {
			int sent = sendmmsg(fd, tx + off, m - off, 0);
			if (sent <= 0) {
				if (sent == -1 && errno == EINTR)
					continue;
				n_lost += m - off;
				break;
			}
			n_out += sent;
			off += sent;
		}
	}
	fprintf(stderr, "dhcp-null: stopped: %lu received, %lu answered, "
	    "%lu dropped (malformed, not relayed, not DISCOVER/REQUEST), "
	    "%lu replies not sent\n", n_in, n_out, n_drop, n_lost);
	close(fd);
	return 0;
}
