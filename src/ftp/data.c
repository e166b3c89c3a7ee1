/* ftp/data.c - FTP data connections on libevent: passive listeners from a
 * port range, active connects (from port 20 when this process may bind it,
 * else from the port below the control listener's, else any port), TLS for
 * PROT P, and the transfer pump. Entry points in ftp/data.h. It never
 * words a reply: the session turns each result into one.
 *
 * Two pumps. A TLS connection runs on an OpenSSL bufferevent. A plain one
 * runs on its socket with one event: sendfile() for image downloads,
 * read() and write() of FTP_DATA_CHUNK for uploads (a bufferevent reads
 * at most 4 KiB per call in libevent 2.1, which made uploads cost four
 * system calls per 4 KiB), and an evbuffer for listings and TYPE A. */
#include "ftp/data.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "ftp/ascii.h"

/* Refill the output when it drops below this: keeps the socket busy
 * without buffering a whole file. */
#define DATA_LOWAT		(FTP_DATA_CHUNK / 2)
/* Accepts on a passive listener per wakeup (foreign ones are closed). */
#define DATA_ACCEPT_BATCH	8
/* Iovecs written to the file per writev on a TLS upload. */
#define DATA_IOV		16
/* Ports tried per PASV when binding fails with "in use". */
#define DATA_PASV_TRIES		1000
/* RFC 959 3.2: the server's default data port is L-1, 20 for port 21. */
#define DATA_PORT_DEFAULT	20
/* Plain connections: system calls per wakeup at most, so one fast
 * transfer does not hold the loop from the other sessions. */
#define DATA_ROUNDS		8
/* Bytes a plain upload reads per call. Over loopback, 64 KiB reads (what
 * vsftpd uses) held uploads at its ~1.7 GB/s; 256 KiB and more reached
 * about twice that (bench/README.md). */
#define DATA_RECV_READ		FTP_DATA_CHUNK
/* Bytes one sendfile() call may move: the socket buffer takes less. */
#define DATA_SENDFILE_MAX	(16 * 1024 * 1024)

enum data_mode {
	DATA_NONE,		/* nothing set up */
	DATA_PASV,		/* listening; the client's connection waits
				 * in the backlog until a transfer takes it */
	DATA_PORT,		/* will connect to `to` */
};

struct ftp_data {
	const struct ftp_data_env *env;	/* borrowed */
	const struct ftp_data_cb *cb;	/* borrowed */
	struct net_addr		 local;	/* control connection's, unmapped */
	struct net_addr		 peer;
	enum data_mode		 mode;
	int			 lfd;	/* passive listener, or -1 */
	struct event		*lev;	/* accepts while a transfer waits */
	int			 cfd;	/* PORT: connecting, or -1 */
	struct event		*cev;	/* active connect in progress */
	struct net_addr		 to;	/* PORT target */
	struct bufferevent	*bev;	/* a TLS connection, once made */
	int			 sfd;	/* a plain connection, or -1 */
	struct event		*sev;	/* its read or write readiness */
	bool			 sev_on;	/* sev added */
	struct evbuffer		*out;	/* plain: listing / TYPE A output */
	off_t			 end;	/* plain sendfile: the file's end */
	struct event		*tmo;	/* connect / accept / handshake */
	struct ftp_xfer		 x;
	bool			 busy;	/* a transfer was started */
	bool			 is_up;	/* connected (and TLS handshake done) */
	bool			 send_done;	/* all output queued */
	bool			 use_sendfile;
	uint64_t		 bytes;
	uint64_t		 foreign;
	uint64_t		 last_progress_ms;
	struct ftp_ascii	 asc;
	char			*buf;	/* FTP_DATA_CHUNK */
	char			*buf2;	/* 2 * FTP_DATA_CHUNK + 1: converted */
};

static void data_event_cb(struct bufferevent *bev, short what, void *arg);

/* An IPv4-mapped IPv6 address as plain IPv4 (a dual-stack control
 * listener sees IPv4 clients that way; PORT names them as IPv4). */
static void
addr_unmap(struct net_addr *a)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->ss;

	if (a->ss.ss_family != AF_INET6 ||
	    !IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
		return;
	struct sockaddr_in sin = { .sin_family = AF_INET,
	    .sin_port = sin6->sin6_port };
	memcpy(&sin.sin_addr, &sin6->sin6_addr.s6_addr[12], 4);
	memset(a, 0, sizeof(*a));
	memcpy(&a->ss, &sin, sizeof(sin));
	a->len = sizeof(sin);
}

struct ftp_data *
ftp_data_new(const struct ftp_data_env *env, const struct ftp_data_cb *cb,
    const struct net_addr *local, const struct net_addr *peer)
{
	struct ftp_data *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	d->env = env;
	d->cb = cb;
	d->local = *local;
	d->peer = *peer;
	addr_unmap(&d->local);
	addr_unmap(&d->peer);
	d->lfd = d->cfd = d->sfd = -1;
	d->x.fd = -1;
	return d;
}

static void
listener_close(struct ftp_data *d)
{
	if (d->lev != NULL)
		event_free(d->lev);
	d->lev = NULL;
	if (d->lfd >= 0)
		close(d->lfd);
	d->lfd = -1;
}

/* Closes the connection and whatever led to it; the mode goes back to
 * "nothing set up". */
static void
conn_reset(struct ftp_data *d)
{
	listener_close(d);
	if (d->cev != NULL)
		event_free(d->cev);
	d->cev = NULL;
	if (d->cfd >= 0)
		close(d->cfd);
	d->cfd = -1;
	if (d->bev != NULL)
		bufferevent_free(d->bev);	/* closes its fd, frees SSL */
	d->bev = NULL;
	if (d->sev != NULL)
		event_free(d->sev);
	d->sev = NULL;
	d->sev_on = false;
	if (d->sfd >= 0)
		close(d->sfd);
	d->sfd = -1;
	if (d->out != NULL)
		evbuffer_drain(d->out, evbuffer_get_length(d->out));
	if (d->tmo != NULL)
		evtimer_del(d->tmo);
	d->mode = DATA_NONE;
	d->is_up = false;
}

static void
xfer_clear(struct ftp_data *d)
{
	if (d->x.fd >= 0)
		close(d->x.fd);
	d->x.fd = -1;
	d->busy = false;
}

void
ftp_data_free(struct ftp_data **dp)
{
	struct ftp_data *d = *dp;

	if (d == NULL)
		return;
	conn_reset(d);
	xfer_clear(d);
	if (d->tmo != NULL)
		event_free(d->tmo);
	if (d->out != NULL)
		evbuffer_free(d->out);
	free(d->buf);
	free(d->buf2);
	free(d);
	*dp = NULL;
}

/* Ends the transfer and reports it; the callback may start the next. */
static void
finish(struct ftp_data *d, enum ftp_xfer_result r, int err)
{
	conn_reset(d);
	xfer_clear(d);
	ERR_clear_error();
	d->cb->done(d->cb->arg, r, err);
}

static void
progress(struct ftp_data *d)
{
	uint64_t now = clock_mono_ms();

	if (now - d->last_progress_ms < 1000)
		return;
	d->last_progress_ms = now;
	if (d->cb->progress != NULL)
		d->cb->progress(d->cb->arg);
}

static struct timeval
timeout_tv(const struct ftp_data *d)
{
	uint64_t ms = d->env->timeout_ms;
	struct timeval tv = { (time_t)(ms / 1000),
	    (suseconds_t)(ms % 1000) * 1000 };

	return tv;
}

static void
tmo_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	finish(arg, FTP_XFER_NO_CONN, 0);
}

static int
tmo_arm(struct ftp_data *d)
{
	struct timeval tv = timeout_tv(d);

	if (d->tmo == NULL && (d->tmo = evtimer_new(d->env->base, tmo_cb,
	    d)) == NULL)
		return -ENOMEM;
	return evtimer_add(d->tmo, &tv) < 0 ? -ENOMEM : 0;
}

static void
tmo_disarm(struct ftp_data *d)
{
	if (d->tmo != NULL)
		evtimer_del(d->tmo);
}

static void
out_count_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	(void)buf;
	struct ftp_data *d = arg;

	if (info->n_deleted == 0)
		return;
	d->bytes += info->n_deleted;
	progress(d);
}

/* ---- sending ---- */

/* The last byte left: close_notify on TLS, then the socket (the kernel
 * sends what it holds before the FIN). */
static void
tls_close_notify(struct ftp_data *d)
{
	SSL *ssl = d->x.tls && d->bev != NULL ?
	    bufferevent_openssl_get_ssl(d->bev) : NULL;

	/* Best effort, straight to the socket: a client that checks for a
	 * clean TLS close (Python's ssl unwrap) waits for it. */
	if (ssl != NULL && SSL_is_init_finished(ssl))
		(void)SSL_shutdown(ssl);
}

static void
send_complete(struct ftp_data *d)
{
	tls_close_notify(d);
	finish(d, FTP_XFER_OK, 0);
}

/* Queues one more chunk of the file or the generated stream on `out`.
 * Returns 0, or < 0 after finish() ran. */
static int
send_fill(struct ftp_data *d, struct evbuffer *out)
{
	int r;

	if (d->x.kind == FTP_XFER_SEND_GEN) {
		if ((r = d->x.fill(d->x.fill_arg, out)) < 0) {
			finish(d, FTP_XFER_LOCAL, r);
			return r;
		}
		d->send_done = r == 1;
		return 0;
	}
	ssize_t n;
	do
		n = read(d->x.fd, d->buf, FTP_DATA_CHUNK);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		r = -errno;
		finish(d, FTP_XFER_LOCAL, r);
		return r;
	}
	if (n == 0) {
		d->send_done = true;
		return 0;
	}
	if (d->x.ascii) {
		size_t m = ftp_ascii_to_net(&d->asc, d->buf, (size_t)n,
		    d->buf2);
		r = evbuffer_add(out, d->buf2, m);
	} else {
		r = evbuffer_add(out, d->buf, (size_t)n);
	}
	if (r < 0) {
		finish(d, FTP_XFER_LOCAL, -ENOMEM);
		return -ENOMEM;
	}
	return 0;
}

/* TLS: keeps the output between the watermarks; ends once all has
 * left. */
static void
send_pump(struct ftp_data *d)
{
	struct evbuffer *out = bufferevent_get_output(d->bev);

	if (!d->send_done && evbuffer_get_length(out) <= DATA_LOWAT) {
		if (send_fill(d, out) < 0)
			return;
		if (d->send_done)	/* the write callback means "empty" */
			bufferevent_setwatermark(d->bev, EV_WRITE, 0, 0);
	}
	if (d->send_done && evbuffer_get_length(out) == 0)
		send_complete(d);
}

static void
data_write_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	struct ftp_data *d = arg;

	if (!d->is_up || d->x.kind == FTP_XFER_RECV_FILE)
		return;
	send_pump(d);
}

/* Waits for the plain socket to be ready again; the timeout counts from
 * each readiness (a persistent event's timeout restarts when it fires).
 * Returns 0, or < 0 after finish() ran. */
static int
plain_wait(struct ftp_data *d)
{
	struct timeval tv = timeout_tv(d);

	if (d->sev_on)
		return 0;
	if (event_add(d->sev, &tv) < 0) {
		finish(d, FTP_XFER_LOCAL, -ENOMEM);
		return -ENOMEM;
	}
	d->sev_on = true;
	return 0;
}

/* One write to a plain socket: the file (sendfile) or the queued output.
 * Returns bytes moved, 0 when all is queued, or -errno; sets *ended when
 * finish() ran, *full when the socket took less than it was given. */
static ssize_t
plain_write(struct ftp_data *d, bool *full, bool *ended)
{
	ssize_t n;

	*full = *ended = false;
	if (d->use_sendfile) {
		if (d->x.offset >= d->end)
			return 0;
		off_t left = d->end - d->x.offset;
		size_t want = left > DATA_SENDFILE_MAX ? DATA_SENDFILE_MAX :
		    (size_t)left;
		n = sendfile(d->sfd, d->x.fd, &d->x.offset, want);
		if (n == 0)		/* the file shrank meanwhile */
			d->end = d->x.offset;
		*full = n > 0 && (size_t)n < want;
		return n < 0 ? -errno : n;
	}
	while (!d->send_done && evbuffer_get_length(d->out) <= DATA_LOWAT) {
		if (send_fill(d, d->out) < 0) {
			*ended = true;
			return 0;
		}
	}
	if (evbuffer_get_length(d->out) == 0)
		return 0;
	n = evbuffer_write(d->out, d->sfd);
	return n < 0 ? -errno : n;
}

/* Plain downloads and listings: writes until the socket is full, then
 * waits for room; ends once all is queued (the kernel sends what it
 * holds before the FIN). */
static void
plain_send(struct ftp_data *d)
{
	for (int i = 0; i < DATA_ROUNDS; i++) {
		bool full, ended;
		ssize_t n = plain_write(d, &full, &ended);

		if (ended)
			return;
		if (n == 0) {
			finish(d, FTP_XFER_OK, 0);
			return;
		}
		if (n == -EINTR)
			continue;
		if (n == -EAGAIN || n == -EWOULDBLOCK)
			break;
		if (n < 0) {
			log_debug("data send err=\"%s\"", ik_strerror((int)n));
			finish(d, FTP_XFER_BROKEN, 0);
			return;
		}
		d->bytes += (uint64_t)n;
		if (full)
			break;
	}
	progress(d);
	(void)plain_wait(d);
}

/* ---- receiving ---- */

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* How much of `n` more bytes the upload limit lets in; *over when it
 * cuts them. */
static size_t
recv_allowed(const struct ftp_data *d, size_t n, bool *over)
{
	*over = d->x.limit != 0 && d->bytes + n > d->x.limit;
	return *over ? (size_t)(d->x.limit - d->bytes) : n;
}

/* Writes bytes as they came from the network to the file, converting
 * TYPE A line ends. Returns 0 or -errno. */
static int
recv_store(struct ftp_data *d, const char *p, size_t n)
{
	if (!d->x.ascii)
		return write_all(d->x.fd, p, n);
	while (n > 0) {
		size_t k = n > FTP_DATA_CHUNK ? FTP_DATA_CHUNK : n;
		size_t m = ftp_ascii_from_net(&d->asc, p, k, d->buf2);
		int err = write_all(d->x.fd, d->buf2, m);

		if (err < 0)
			return err;
		p += k;
		n -= k;
	}
	return 0;
}

/* Writes up to `max` bytes from the front of `in` to the file without
 * copying them. Returns bytes written or -errno. */
static ssize_t
recv_write_plain(struct ftp_data *d, struct evbuffer *in, size_t max)
{
	struct evbuffer_iovec v[DATA_IOV];
	struct iovec iov[DATA_IOV];
	int n = evbuffer_peek(in, (ev_ssize_t)max, NULL, v, DATA_IOV);
	size_t want = 0;

	if (n > DATA_IOV)
		n = DATA_IOV;
	for (int i = 0; i < n; i++) {
		iov[i].iov_base = v[i].iov_base;
		iov[i].iov_len = v[i].iov_len;
		if (want + iov[i].iov_len > max)
			iov[i].iov_len = max - want;
		want += iov[i].iov_len;
	}
	ssize_t w;
	do
		w = writev(d->x.fd, iov, n);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return -errno;
	evbuffer_drain(in, (size_t)w);
	return w;
}

static ssize_t
recv_write_ascii(struct ftp_data *d, struct evbuffer *in, size_t max)
{
	if (max > FTP_DATA_CHUNK)
		max = FTP_DATA_CHUNK;
	int n = evbuffer_remove(in, d->buf, max);
	if (n <= 0)
		return n < 0 ? -EIO : 0;
	int err = recv_store(d, d->buf, (size_t)n);
	return err < 0 ? err : n;
}

/* TLS: moves what came in to the file. Returns 0, or < 0 after
 * finish(). */
static int
recv_drain(struct ftp_data *d)
{
	struct evbuffer *in = bufferevent_get_input(d->bev);
	size_t len;

	while ((len = evbuffer_get_length(in)) > 0) {
		bool over;
		size_t max = recv_allowed(d, len, &over);

		if (max == 0) {
			finish(d, FTP_XFER_LIMIT, 0);
			return -IK_ELIMIT;
		}
		ssize_t w = d->x.ascii ? recv_write_ascii(d, in, max) :
		    recv_write_plain(d, in, max);
		if (w < 0) {
			finish(d, FTP_XFER_LOCAL, (int)w);
			return (int)w;
		}
		d->bytes += (uint64_t)w;
		if (over && d->bytes >= d->x.limit) {
			finish(d, FTP_XFER_LIMIT, 0);
			return -IK_ELIMIT;
		}
	}
	return 0;
}

static void
data_read_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	struct ftp_data *d = arg;

	if (d->x.kind != FTP_XFER_RECV_FILE) {
		/* A client has nothing to say on a download. */
		evbuffer_drain(bufferevent_get_input(bev),
		    evbuffer_get_length(bufferevent_get_input(bev)));
		return;
	}
	progress(d);
	(void)recv_drain(d);
}

/* The sender closed: what is left of TYPE A, then OK. */
static void
recv_complete(struct ftp_data *d)
{
	char cr[1];

	if (d->bev != NULL && recv_drain(d) < 0)
		return;
	if (d->x.ascii && ftp_ascii_from_net_end(&d->asc, cr) == 1) {
		int err = write_all(d->x.fd, cr, 1);
		if (err < 0) {
			finish(d, FTP_XFER_LOCAL, err);
			return;
		}
	}
	tls_close_notify(d);
	finish(d, FTP_XFER_OK, 0);
}

/* Plain uploads: reads straight into the chunk buffer and writes it to
 * the file, until the socket is drained. */
static void
plain_recv(struct ftp_data *d)
{
	progress(d);
	for (int i = 0; i < DATA_ROUNDS; i++) {
		ssize_t n = read(d->sfd, d->buf, DATA_RECV_READ);
		bool over;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0) {
			log_debug("data recv err=\"%s\"", strerror(errno));
			finish(d, FTP_XFER_BROKEN, 0);
			return;
		}
		if (n == 0) {
			recv_complete(d);
			return;
		}
		size_t k = recv_allowed(d, (size_t)n, &over);
		int err = k > 0 ? recv_store(d, d->buf, k) : 0;
		if (err < 0) {
			finish(d, FTP_XFER_LOCAL, err);
			return;
		}
		d->bytes += k;
		if (over) {
			finish(d, FTP_XFER_LIMIT, 0);
			return;
		}
		/* A short read drained the socket: no need to ask again. */
		if ((size_t)n < DATA_RECV_READ)
			return;
	}
}

static void
plain_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	struct ftp_data *d = arg;

	if (what & EV_TIMEOUT) {
		finish(d, FTP_XFER_TIMEOUT, 0);
		return;
	}
	if (d->x.kind == FTP_XFER_RECV_FILE)
		plain_recv(d);
	else
		plain_send(d);
}

/* ---- the connection ---- */

/* A plain connection begins: downloads write at once (a small file goes
 * out, and the transfer ends, before this returns); uploads wait for
 * data. */
static void
plain_begin(struct ftp_data *d)
{
	struct stat st;

	if (d->x.kind == FTP_XFER_RECV_FILE) {
		(void)plain_wait(d);
		return;
	}
	d->use_sendfile = d->x.kind == FTP_XFER_SEND_FILE && !d->x.ascii;
	if (d->use_sendfile) {
		if (fstat(d->x.fd, &st) < 0) {
			finish(d, FTP_XFER_LOCAL, -errno);
			return;
		}
		d->end = st.st_size;
	} else if (d->out == NULL && (d->out = evbuffer_new()) == NULL) {
		finish(d, FTP_XFER_LOCAL, -ENOMEM);
		return;
	}
	plain_send(d);
}

/* Connected (and through the TLS handshake): the transfer begins. */
static void
xfer_begin(struct ftp_data *d)
{
	d->is_up = true;
	tmo_disarm(d);
	d->last_progress_ms = clock_mono_ms();
	if (d->bev == NULL) {
		plain_begin(d);
		return;
	}
	if (d->x.kind == FTP_XFER_RECV_FILE)
		return;
	/* A download reads nothing: the read timeout must not fire. */
	bufferevent_disable(d->bev, EV_READ);
	send_pump(d);
}

static void
data_event_cb(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	struct ftp_data *d = arg;

	log_debug("data event what=0x%x up=%d in=%zu bytes=%llu", what,
	    d->is_up, evbuffer_get_length(bufferevent_get_input(bev)),
	    (unsigned long long)d->bytes);
	if (what & BEV_EVENT_CONNECTED) {	/* TLS handshake done */
		if (!d->is_up)
			xfer_begin(d);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		finish(d, FTP_XFER_TIMEOUT, 0);
		return;
	}
	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR) && d->is_up &&
	    d->x.kind == FTP_XFER_RECV_FILE) {
		recv_complete(d);
		return;
	}
	unsigned long e = bufferevent_get_openssl_error(bev);
	if (e != 0) {
		char buf[160];
		ERR_error_string_n(e, buf, sizeof(buf));
		log_info("data tls-error err=\"%s\"", buf);
	}
	finish(d, d->is_up ? FTP_XFER_BROKEN : FTP_XFER_NO_CONN, 0);
}

/* Wraps the connected socket (taken) in a TLS bufferevent. */
static int
tls_attach(struct ftp_data *d, int fd)
{
	struct timeval tv = timeout_tv(d);
	bool recv = d->x.kind == FTP_XFER_RECV_FILE;
	SSL *ssl = SSL_new(d->env->tls);

	if (ssl == NULL) {
		close(fd);
		return -ENOMEM;
	}
	/* No TLS 1.3 session tickets after the handshake: a client that
	 * only uploads never reads them, and closing with them unread makes
	 * its kernel send RST, which destroys the upload's tail still
	 * queued here. Clients resume the control connection's session
	 * instead. */
	(void)SSL_set_num_tickets(ssl, 0);
	/* RFC 4217 7: the server is the TLS server on data connections,
	 * whichever side connected. The control connection's context: a
	 * client may resume its session. */
	d->bev = bufferevent_openssl_socket_new(d->env->base, fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING,
	    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (d->bev == NULL)
		return -ENOMEM;		/* fd and ssl went with it */
	bufferevent_openssl_set_allow_dirty_shutdown(d->bev, 1);
	bufferevent_setcb(d->bev, data_read_cb, data_write_cb, data_event_cb,
	    d);
	bufferevent_set_max_single_read(d->bev, FTP_DATA_CHUNK);
	bufferevent_set_max_single_write(d->bev, FTP_DATA_CHUNK);
	if (evbuffer_add_cb(bufferevent_get_output(d->bev), out_count_cb,
	    d) == NULL)
		return -ENOMEM;
	bufferevent_setwatermark(d->bev, EV_WRITE, DATA_LOWAT, 0);
	/* Read ahead at most two chunks of an upload: a slow disk slows the
	 * sender instead of filling memory. */
	bufferevent_setwatermark(d->bev, EV_READ, 0, 2 * FTP_DATA_CHUNK);
	bufferevent_set_timeouts(d->bev, recv ? &tv : NULL, recv ? NULL : &tv);
	/* Both ways on until the transfer begins: a TLS handshake proceeds
	 * only on an enabled bufferevent. An upload goes on reading; the
	 * write callback ignores it. */
	bufferevent_enable(d->bev, EV_READ | EV_WRITE);
	return 0;
}

/* Takes the connected socket for the transfer; a plain one starts it
 * (and may finish it) before this returns. Returns 0 or -errno (nothing
 * reported yet). */
static int
conn_attach(struct ftp_data *d, int fd)
{
	if (d->x.tls)
		return tls_attach(d, fd);
	short what = d->x.kind == FTP_XFER_RECV_FILE ? EV_READ : EV_WRITE;

	if ((d->sev = event_new(d->env->base, fd, what | EV_PERSIST, plain_cb,
	    d)) == NULL) {
		close(fd);
		return -ENOMEM;
	}
	d->sfd = fd;
	xfer_begin(d);
	return 0;
}

static void
conn_up(struct ftp_data *d, int fd)
{
	int err = conn_attach(d, fd);

	if (err < 0)
		finish(d, FTP_XFER_LOCAL, err);
}

/* The client's connection from the passive listener, if one came: others
 * are closed. Returns the fd or -1. */
static int
pasv_accept(struct ftp_data *d)
{
	for (int i = 0; i < DATA_ACCEPT_BATCH; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		struct net_addr from;
		int fd = accept4(d->lfd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0)
			return -1;	/* EAGAIN, or retried on the next */
		net_addr_from_sa(&from, (struct sockaddr *)&ss, len);
		if (net_addr_same_ip(&from, &d->peer)) {
			listener_close(d);
			return fd;
		}
		/* Someone else racing for the port (RFC 2577 5, "port
		 * stealing"): not the client's connection. */
		char buf[NET_ADDRSTRLEN];
		d->foreign++;
		log_warn("data refuse-foreign from=%s",
		    net_addr_format(&from, true, buf, sizeof(buf)));
		close(fd);
	}
	return -1;
}

static void
accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	(void)lfd;
	(void)what;
	struct ftp_data *d = arg;
	int fd = pasv_accept(d);

	if (fd >= 0)
		conn_up(d, fd);
}

int
ftp_data_pasv(struct ftp_data *d, struct net_addr *bound)
{
	struct net_addr a = d->local;
	uint16_t lo = d->env->pasv_lo, hi = d->env->pasv_hi;
	uint32_t r = 0;
	int one = 1;
	int fd, err = -EADDRINUSE;

	conn_reset(d);
	if (lo == 0 || hi < lo)
		return -EINVAL;
	fd = socket(a.ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* The server closes data connections first, so their ports sit in
	 * TIME_WAIT; a listener may bind them again at once. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	/* A random start spreads sessions over the range and makes the
	 * next port hard to guess. */
	if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
		ERR_clear_error();
	uint32_t n = (uint32_t)(hi - lo) + 1;
	for (uint32_t i = 0; i < n && i < DATA_PASV_TRIES; i++) {
		net_addr_set_port(&a, (uint16_t)(lo + (r + i) % n));
		if (bind(fd, (struct sockaddr *)&a.ss, a.len) == 0) {
			err = 0;
			break;
		}
		if (errno != EADDRINUSE) {
			err = -errno;
			break;
		}
	}
	if (err == 0 && listen(fd, 4) < 0)
		err = -errno;
	if (err < 0) {
		close(fd);
		return err;
	}
	/* The client's connection waits in the backlog until a transfer
	 * takes it (it has usually come by then): no event until one
	 * waits for it. */
	d->lfd = fd;
	d->mode = DATA_PASV;
	*bound = a;
	return 0;
}

void
ftp_data_port(struct ftp_data *d, const struct net_addr *to)
{
	conn_reset(d);
	d->to = *to;
	addr_unmap(&d->to);
	d->mode = DATA_PORT;
}

bool
ftp_data_is_set(const struct ftp_data *d)
{
	return d->mode != DATA_NONE;
}

bool
ftp_data_is_busy(const struct ftp_data *d)
{
	return d->busy;
}

static void
connect_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)what;
	struct ftp_data *d = arg;
	int soerr = 0;
	socklen_t len = sizeof(soerr);

	event_free(d->cev);
	d->cev = NULL;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0 ||
	    soerr != 0) {
		finish(d, FTP_XFER_NO_CONN, 0);
		return;
	}
	d->cfd = -1;
	conn_up(d, fd);
}

/* One active connect attempt from local port `port` (0: any). Returns the
 * connecting fd or -errno. */
static int
connect_from(struct ftp_data *d, uint16_t port)
{
	struct net_addr a = d->local;
	int one = 1;
	int fd = socket(d->to.ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	/* Several sessions connect from the same fixed port at once; their
	 * peers differ. */
	if (port != 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		goto fail;
	net_addr_set_port(&a, port);
	if (a.ss.ss_family == d->to.ss.ss_family &&
	    bind(fd, (struct sockaddr *)&a.ss, a.len) < 0)
		goto fail;
	if (connect(fd, (struct sockaddr *)&d->to.ss, d->to.len) < 0 &&
	    errno != EINPROGRESS)
		goto fail;
	return fd;
fail:;
	int err = -errno;
	close(fd);
	return err;
}

/* RFC 959 3.3: the server connects from its data port, L-1. Port 20
 * needs root, which a service has given up by now unless it runs as
 * root on purpose; then the port below the control listener's (2120 for
 * 2121, as L-1 says) if that is an unprivileged port; else any. */
static int
connect_start(struct ftp_data *d)
{
	uint16_t ports[3];
	size_t n = 0;
	uint16_t ctl = net_addr_port(&d->local);
	int fd = -1;

	if (geteuid() == 0)
		ports[n++] = DATA_PORT_DEFAULT;
	if (ctl > 1025)
		ports[n++] = (uint16_t)(ctl - 1);
	ports[n++] = 0;
	for (size_t i = 0; i < n; i++) {
		if ((fd = connect_from(d, ports[i])) >= 0)
			break;
		if (fd != -EACCES && fd != -EADDRINUSE &&
		    fd != -EADDRNOTAVAIL && fd != -EPERM)
			return fd;
	}
	if (fd < 0)
		return fd;
	d->cfd = fd;
	if ((d->cev = event_new(d->env->base, fd, EV_WRITE, connect_cb,
	    d)) == NULL || event_add(d->cev, NULL) < 0)
		return -ENOMEM;
	return 0;
}

/* PASV: takes the client's connection if it came, else waits for it. */
static int
pasv_start(struct ftp_data *d)
{
	int fd = pasv_accept(d);

	if (fd >= 0)
		return conn_attach(d, fd);
	if (d->lfd < 0)
		return -EINVAL;
	if ((d->lev = event_new(d->env->base, d->lfd, EV_READ | EV_PERSIST,
	    accept_cb, d)) == NULL || event_add(d->lev, NULL) < 0)
		return -ENOMEM;
	return 0;
}

int
ftp_data_start(struct ftp_data *d, const struct ftp_xfer *x)
{
	int err;

	if (d->busy || d->mode == DATA_NONE || (x->tls && d->env->tls ==
	    NULL) || (x->kind == FTP_XFER_SEND_GEN && x->fill == NULL)) {
		if (x->fd >= 0)
			close(x->fd);
		return -EINVAL;
	}
	d->x = *x;
	d->busy = true;
	d->send_done = false;
	d->use_sendfile = false;
	d->bytes = 0;
	memset(&d->asc, 0, sizeof(d->asc));
	if (d->buf == NULL && (d->buf = malloc(FTP_DATA_CHUNK)) == NULL)
		goto nomem;
	if (d->buf2 == NULL &&
	    (d->buf2 = malloc(2 * FTP_DATA_CHUNK + 1)) == NULL)
		goto nomem;
	if (x->kind == FTP_XFER_SEND_FILE && x->offset > 0 &&
	    lseek(x->fd, x->offset, SEEK_SET) < 0) {
		err = -errno;
		goto fail;
	}
	if ((err = tmo_arm(d)) < 0)
		goto fail;
	/* From here a plain transfer may end (and cb->done run) before
	 * this returns. */
	if (d->mode == DATA_PASV)
		err = pasv_start(d);
	else
		err = connect_start(d);
	if (err < 0)
		goto fail;
	return 0;
nomem:
	err = -ENOMEM;
fail:
	conn_reset(d);
	xfer_clear(d);
	return err;
}

void
ftp_data_abort(struct ftp_data *d)
{
	conn_reset(d);
	xfer_clear(d);
}

uint64_t
ftp_data_bytes(const struct ftp_data *d)
{
	return d->bytes;
}

uint64_t
ftp_data_foreign(const struct ftp_data *d)
{
	return d->foreign;
}
