/*
 * bench/dns-null.c - a DNS "responder" that does no work, for the ceiling
 * row of bench/dns-auth and bench/dns-resolver: each query comes back as is
 * with QR and AA set and RCODE NOERROR (question kept, no answer), so its
 * queries/s is what the load generator and the loopback path leave to a
 * server that does nothing. Not a DNS server: nothing is parsed.
 *
 *	dns-null PORT THREADS [ADDR]	(ADDR default 127.0.0.1; SIGTERM ends)
 */
#define _GNU_SOURCE
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NULL_BATCH	64
#define NULL_BUF_MAX	4096	/* EDNS payload sizes; larger is dropped */
#define NULL_THREADS_MAX 256
#define DNS_HDR_LEN	12	/* RFC 1035 4.1.1 */

struct null_worker {		/* one per thread, like a server's UDP worker */
	int			 fd;	/* this thread's SO_REUSEPORT socket */
	struct mmsghdr		 rx[NULL_BATCH], tx[NULL_BATCH];
	struct iovec		 rx_iov[NULL_BATCH], tx_iov[NULL_BATCH];
	struct sockaddr_storage	 peer[NULL_BATCH];
	uint8_t			 buf[NULL_BATCH][NULL_BUF_MAX];
};

static void *
null_worker_run(void *arg)
{
	struct null_worker *w = arg;

	for (;;) {
		/* recvmmsg() overwrites msg_namelen: rearm every slot. */
		for (int i = 0; i < NULL_BATCH; i++) {
			w->rx_iov[i].iov_base = w->buf[i];
			w->rx_iov[i].iov_len = sizeof(w->buf[i]);
			w->rx[i].msg_hdr = (struct msghdr){
				.msg_name = &w->peer[i],
				.msg_namelen = sizeof(w->peer[i]),
				.msg_iov = &w->rx_iov[i],
				.msg_iovlen = 1,
			};
		}
		int n = recvmmsg(w->fd, w->rx, NULL_BATCH, MSG_WAITFORONE,
		    NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("dns-null: recvmmsg");
			exit(1);
		}
		int n_tx = 0;
		for (int i = 0; i < n; i++) {
			struct msghdr *h = &w->rx[i].msg_hdr;
			uint8_t *p = w->buf[i];

			if (w->rx[i].msg_len < DNS_HDR_LEN ||
			    (h->msg_flags & MSG_TRUNC))
				continue;
			p[2] |= 0x84;	/* QR, AA; opcode and RD kept */
			p[3] &= 0xf0;	/* RCODE NOERROR */
			w->tx_iov[n_tx] = (struct iovec){ p, w->rx[i].msg_len };
			w->tx[n_tx].msg_hdr = (struct msghdr){
				.msg_name = h->msg_name,
				.msg_namelen = h->msg_namelen,
				.msg_iov = &w->tx_iov[n_tx],
				.msg_iovlen = 1,
			};
			n_tx++;
		}
		/* As a server would: send all, drop the rest on an error. */
		for (int sent = 0; sent < n_tx; ) {
			int k = sendmmsg(w->fd, w->tx + sent,
			    (unsigned int)(n_tx - sent), 0);
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				break;
			sent += k;
		}
	}
	return NULL;
}

static int
null_socket(const char *addr, int port)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int one = 1;

	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		len = sizeof(*sin6);
	} else {
		fprintf(stderr, "dns-null: bad address %s\n", addr);
		return -1;
	}
	int fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one,
	    sizeof(one)) < 0 || bind(fd, (struct sockaddr *)&ss, len) < 0) {
		fprintf(stderr, "dns-null: %s port %d: %s\n", addr, port,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int
main(int argc, char **argv)
{
	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: dns-null PORT THREADS [ADDR]\n");
		return 2;
	}
	int port = atoi(argv[1]), n = atoi(argv[2]);
	const char *addr = argc > 3 ? argv[3] : "127.0.0.1";
	if (port < 1 || port > 65535 || n < 1 || n > NULL_THREADS_MAX) {
		fprintf(stderr, "dns-null: PORT 1-65535, THREADS 1-%d\n",
		    NULL_THREADS_MAX);
		return 2;
	}
	/* Every socket bound before the first thread runs, so that a taken
	 * port is an exit status, not a half-started responder. */
	struct null_worker *w = calloc((size_t)n, sizeof(*w));
	if (w == NULL) {
		perror("dns-null: calloc");
		return 1;
	}
	for (int i = 0; i < n; i++)
		if ((w[i].fd = null_socket(addr, port)) < 0)
			return 1;
	for (int i = 0; i < n; i++) {
		pthread_t t;
		int err = pthread_create(&t, NULL, null_worker_run, &w[i]);
		if (err != 0) {
			fprintf(stderr, "dns-null: pthread_create: %s\n",
			    strerror(err));
			return 1;
		}
	}
	pause();	/* the workers never return; SIGTERM ends the process */
	return 0;
}
