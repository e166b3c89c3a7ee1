/* ftp/client.c - the FTP client's protocol side: one control connection
 * with blocking sockets and SO_RCVTIMEO/SO_SNDTIMEO timeouts, replies read
 * through reply_parse, TLS by OpenSSL (RFC 4217; each data connection
 * resumes the control connection's session, as vsftpd's require_ssl_reuse
 * demands), and the data connection dance for RETR/STOR/APPE/LIST/MLSD.
 * Entry points in client.h. Not here: files, globs, progress, arguments
 * (ftpc.c). */
#include "ftp/client.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "core/err.h"
#include "core/tls.h"
#include "ftp/addr.h"

#define FTP_CMD_MAX	4096	/* one command line, CRLF excluded */
#define FTP_XFER_BUF	(64u << 10)
/* After an upload's EOF the server closes its side; how long to wait
 * for that before closing ours (a reset could cost it unread bytes). */
#define FTP_LINGER_MS	5000

/* ---- failures ---- */

int
ftp_failf(struct ftp_client *c, enum ftp_fail kind, int err,
    const char *fmt, ...)
{
	va_list ap;

	c->fail = kind;
	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	return err < 0 ? err : -EPROTO;
}

/* The first line of the last reply, for messages. */
static const char *
reply_line1(const struct ftp_client *c, char *buf, size_t cap)
{
	const char *t = c->reply.text != NULL ? c->reply.text : "";
	size_t n = strcspn(t, "\n");

	snprintf(buf, cap, "%d %.*s", c->reply.code, (int)n, t);
	return buf;
}

static int
fail_reply(struct ftp_client *c)
{
	char line[FTP_WHY_MAX];

	return ftp_failf(c, FTP_FAIL_REPLY, -EPROTO, "%s",
	    reply_line1(c, line, sizeof(line)));
}

/* An OpenSSL failure: its first queued error, or the verify result. */
static int
fail_tls(struct ftp_client *c, SSL *ssl, const char *what)
{
	char reason[256] = "handshake failed";
	unsigned long e = ERR_get_error();
	long vr = ssl != NULL ? SSL_get_verify_result(ssl) : X509_V_OK;

	if (vr != X509_V_OK)
		snprintf(reason, sizeof(reason), "certificate: %s",
		    X509_verify_cert_error_string(vr));
	else if (e != 0)
		ERR_error_string_n(e, reason, sizeof(reason));
	ERR_clear_error();
	return ftp_failf(c, FTP_FAIL_TLS, -EPROTO, "%s: %s", what, reason);
}

/* ---- sockets ---- */

static void
set_timeouts(int fd, unsigned ms)
{
	struct timeval tv = { .tv_sec = ms / 1000,
	    .tv_usec = (suseconds_t)(ms % 1000) * 1000 };

	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static bool
is_cancelled(const struct ftp_client *c)
{
	return c->opts.cancel != NULL && *c->opts.cancel != 0;
}

/* Waits up to ms for `events` on fd. Returns 0, -ETIMEDOUT, -ECANCELED
 * or -errno. */
static int
wait_fd(const struct ftp_client *c, int fd, short events, unsigned ms)
{
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct timespec now;
		struct pollfd pfd = { .fd = fd, .events = events };

		clock_gettime(CLOCK_MONOTONIC, &now);
		long spent = (now.tv_sec - t0.tv_sec) * 1000 +
		    (now.tv_nsec - t0.tv_nsec) / 1000000;
		if (spent >= (long)ms)
			return -ETIMEDOUT;
		int n = poll(&pfd, 1, (int)((long)ms - spent));
		if (n > 0)
			return 0;
		if (n == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
		if (is_cancelled(c))
			return -ECANCELED;
	}
}

/* A blocking TCP connection to `a` within ms. Returns the fd or -errno. */
static int
connect_to(const struct ftp_client *c, const struct net_addr *a,
    unsigned ms)
{
	int fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0);
	int err = 0;
	socklen_t elen = sizeof(err);

	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)&a->ss, a->len) < 0) {
		if (errno != EINPROGRESS) {
			err = -errno;
			goto out;
		}
		if ((err = wait_fd(c, fd, POLLOUT, ms)) < 0)
			goto out;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
			err = errno;
		err = -err;
		if (err < 0)
			goto out;
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		err = -errno;
		goto out;
	}
	set_timeouts(fd, ms);
out:
	if (err < 0) {
		close(fd);
		return err;
	}
	return fd;
}

/* Reads what is there (blocking, with the socket's timeout). Returns
 * the count, 0 at EOF, -ETIMEDOUT, -ECANCELED, -EPROTO (TLS) or -errno. */
static ssize_t
io_read(const struct ftp_client *c, int fd, SSL *ssl, void *buf,
    size_t cap)
{
	for (;;) {
		if (ssl == NULL) {
			ssize_t n = recv(fd, buf, cap, 0);
			if (n >= 0)
				return n;
		} else {
			size_t got = 0;
			errno = 0;
			int r = SSL_read_ex(ssl, buf, cap, &got);
			if (r == 1)
				return (ssize_t)got;
			switch (SSL_get_error(ssl, r)) {
			case SSL_ERROR_ZERO_RETURN:
				return 0;
			case SSL_ERROR_WANT_READ:
			case SSL_ERROR_WANT_WRITE:
				errno = errno == EINTR ? EINTR : EAGAIN;
				break;
			case SSL_ERROR_SYSCALL:
				if (errno == 0)
					return 0;
				break;
			default:
				ERR_clear_error();
				return -EPROTO;
			}
		}
		if (errno == EINTR && !is_cancelled(c))
			continue;
		if (errno == EINTR)
			return -ECANCELED;
		return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT :
		    -errno;
	}
}

static int
io_write(const struct ftp_client *c, int fd, SSL *ssl, const void *buf,
    size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n;
		if (ssl == NULL) {
			n = send(fd, p, len, MSG_NOSIGNAL);
		} else {
			size_t put = 0;
			errno = 0;
			int r = SSL_write_ex(ssl, p, len, &put);
			n = r == 1 ? (ssize_t)put : -1;
			if (r != 1) {
				int e = SSL_get_error(ssl, r);
				if (e == SSL_ERROR_WANT_READ ||
				    e == SSL_ERROR_WANT_WRITE)
					errno = errno == EINTR ? EINTR : EAGAIN;
				else if (e != SSL_ERROR_SYSCALL) {
					ERR_clear_error();
					return -EPROTO;
				} else if (errno == 0)
					errno = EPIPE;
			}
		}
		if (n < 0) {
			if (errno == EINTR && !is_cancelled(c))
				continue;
			if (errno == EINTR)
				return -ECANCELED;
			return errno == EAGAIN || errno == EWOULDBLOCK ?
			    -ETIMEDOUT : -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* ---- the control connection ---- */

static unsigned
timeout_ms(const struct ftp_client *c)
{
	return c->opts.timeout_ms ? c->opts.timeout_ms : FTP_TIMEOUT_MS;
}

static void
data_close(struct ftp_client *c, bool is_reset)
{
	struct ftp_client_data *d = &c->data;

	if (d->ssl != NULL) {
		SSL_free(d->ssl);
		d->ssl = NULL;
	}
	if (d->fd >= 0) {
		if (is_reset) {
			struct linger l = { .l_onoff = 1, .l_linger = 0 };
			(void)setsockopt(d->fd, SOL_SOCKET, SO_LINGER, &l,
			    sizeof(l));
		}
		close(d->fd);
		d->fd = -1;
	}
	if (d->listen_fd >= 0) {
		close(d->listen_fd);
		d->listen_fd = -1;
	}
	d->asc = (struct ftp_ascii){ 0 };
}

/* Drops the connection without a word (it broke, or we are done). */
static void
ctl_drop(struct ftp_client *c)
{
	data_close(c, true);
	if (c->ssl != NULL) {
		/* Our close_notify, best effort; no wait for theirs. */
		(void)SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
	ftp_reply_parser_reset(&c->rp);
	c->in_off = c->in_len = 0;
	c->is_tls = c->is_prot_p = c->is_logged_in = false;
	c->no_epsv = false;
	c->feat = 0;
	c->type = 0;
}

static int
io_fail(struct ftp_client *c, int err, const char *what)
{
	ftp_failf(c, FTP_FAIL_IO, err, "%s: %s", what,
	    err == 0 ? "connection closed by the server" :
	    err == -EPROTO ? "TLS error" : ik_strerror(err));
	ctl_drop(c);
	return err < 0 ? err : -ECONNRESET;
}

static void
verbose_reply(const struct ftp_client *c)
{
	const char *t = c->reply.text;

	for (unsigned i = 0; i < c->reply.n_lines; i++) {
		size_t n = strcspn(t, "\n");
		fprintf(stderr, "<-- %d%c%.*s\n", c->reply.code,
		    i + 1 < c->reply.n_lines ? '-' : ' ', (int)n, t);
		t += n + (t[n] == '\n');
	}
}

/* Reads one whole reply into c->reply. Returns its code, or a negative
 * code after dropping the connection. */
static int
reply_read(struct ftp_client *c)
{
	if (c->fd < 0)
		return ftp_failf(c, FTP_FAIL_IO, -ENOTCONN, "not connected");
	for (;;) {
		if (c->in_off < c->in_len) {
			size_t used;
			enum ftp_parse_res r = ftp_reply_feed(&c->rp,
			    c->in + c->in_off, c->in_len - c->in_off, &used,
			    &c->reply);
			c->in_off += used;
			if (r == FTP_PARSE_DONE) {
				if (c->opts.is_verbose)
					verbose_reply(c);
				return c->reply.code;
			}
			if (r == FTP_PARSE_BAD) {
				ftp_failf(c, FTP_FAIL_IO, -EPROTO,
				    "the server sent something that is not "
				    "an FTP reply");
				ctl_drop(c);
				return -EPROTO;
			}
		}
		c->in_off = c->in_len = 0;
		ssize_t n = io_read(c, c->fd, c->ssl, c->in, sizeof(c->in));
		if (n <= 0)
			return io_fail(c, (int)n, "reading a reply");
		c->in_len = (size_t)n;
	}
}

static int __attribute__((format(printf, 2, 0)))
vcmd(struct ftp_client *c, const char *fmt, va_list ap)
{
	char line[FTP_CMD_MAX + 3];
	int n = vsnprintf(line, FTP_CMD_MAX + 1, fmt, ap);

	if (c->fd < 0)
		return ftp_failf(c, FTP_FAIL_IO, -ENOTCONN, "not connected");
	if (n < 0 || n > FTP_CMD_MAX)
		return ftp_failf(c, FTP_FAIL_REPLY, -IK_ELIMIT,
		    "command too long");
	/* A CR or LF from a file name would start a second command. */
	if (strpbrk(line, "\r\n") != NULL)
		return ftp_failf(c, FTP_FAIL_REPLY, -IK_EPARSE,
		    "a line break in a command argument");
	if (c->opts.is_verbose)
		fprintf(stderr, "--> %s\n", strncasecmp(line, "PASS ", 5) ==
		    0 ? "PASS ****" : line);
	memcpy(line + n, "\r\n", 3);
	int err = io_write(c, c->fd, c->ssl, line, (size_t)n + 2);
	OPENSSL_cleanse(line, sizeof(line));
	if (err < 0)
		return io_fail(c, err, "sending a command");
	int code = reply_read(c);
	/* 421: the server is closing the control connection (RFC 959);
	 * c->reply.code keeps the 421 for callers that care. */
	if (code == 421) {
		char l1[FTP_WHY_MAX];
		ftp_failf(c, FTP_FAIL_IO, -ECONNRESET, "%s",
		    reply_line1(c, l1, sizeof(l1)));
		ctl_drop(c);
		return -ECONNRESET;
	}
	return code;
}

int
ftp_cmd(struct ftp_client *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int code = vcmd(c, fmt, ap);
	va_end(ap);
	return code;
}

int
ftp_cmd_ok(struct ftp_client *c, int want, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int code = vcmd(c, fmt, ap);
	va_end(ap);
	if (code < 0)
		return code;
	if (ftp_reply_class(code) != want)
		return fail_reply(c);
	return 0;
}

/* ---- TLS ---- */

static bool
is_ip_literal(const char *host)
{
	struct net_addr a;

	return net_ip_parse(host, &a) == 0;
}

/* The core's client context, verifying against ca_file (else the system
 * store) when asked. Returned owned, or NULL. */
static SSL_CTX *
tls_client_ctx(bool verify, const char *ca_file)
{
	SSL_CTX *ctx = tls_client_ctx_new(false);

	if (ctx == NULL || !verify)
		return ctx;
	int ok = ca_file != NULL ?
	    SSL_CTX_load_verify_locations(ctx, ca_file, NULL) :
	    SSL_CTX_set_default_verify_paths(ctx);
	if (ok != 1) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	return ctx;
}

static int
tls_ctx(struct ftp_client *c)
{
	bool verify = c->opts.tls == FTP_TLS_REQUIRE && !c->opts.is_insecure;

	if (c->ctx != NULL)
		return 0;
	if ((c->ctx = tls_client_ctx(verify, c->opts.ca_file)) == NULL)
		return fail_tls(c, NULL, c->opts.ca_file != NULL ?
		    c->opts.ca_file : "TLS setup");
	return 0;
}

/* A TLS client on fd; `resume` (borrowed) is offered for resumption.
 * Returns the connection, or NULL with c->why set. */
static SSL *
tls_connect(struct ftp_client *c, int fd, SSL_SESSION *resume,
    const char *what)
{
	SSL *ssl = SSL_new(c->ctx);
	bool verify = c->opts.tls == FTP_TLS_REQUIRE && !c->opts.is_insecure;

	if (ssl == NULL || SSL_set_fd(ssl, fd) != 1)
		goto fail;
	/* Servers that close data connections without close_notify are
	 * common; the 226 that follows says whether all arrived. */
	SSL_set_options(ssl, SSL_OP_IGNORE_UNEXPECTED_EOF);
	if (!is_ip_literal(c->host) &&
	    SSL_set_tlsext_host_name(ssl, c->host) != 1)
		goto fail;
	if (verify) {
		int ok = is_ip_literal(c->host) ?
		    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
		    c->host) : SSL_set1_host(ssl, c->host);
		if (ok != 1)
			goto fail;
	}
	if (resume != NULL && SSL_set_session(ssl, resume) != 1)
		goto fail;
	if (SSL_connect(ssl) != 1)
		goto fail;
	if (c->opts.is_verbose)
		fprintf(stderr, "(%s: %s %s%s)\n", what, SSL_get_version(ssl),
		    SSL_get_cipher_name(ssl), resume == NULL ? "" :
		    SSL_session_reused(ssl) ? ", session resumed" :
		    ", new session");
	return ssl;
fail:
	fail_tls(c, ssl, what);
	SSL_free(ssl);
	return NULL;
}

static int
auth_tls(struct ftp_client *c)
{
	int code, err;

	if ((err = tls_ctx(c)) < 0)
		return err;
	if ((code = ftp_cmd(c, "AUTH TLS")) < 0)
		return code;
	if (code != 234) {
		if (c->opts.tls == FTP_TLS_REQUIRE) {
			char l1[FTP_WHY_MAX];
			return ftp_failf(c, FTP_FAIL_TLS, -EPROTO,
			    "the server refused AUTH TLS: %s",
			    reply_line1(c, l1, sizeof(l1)));
		}
		return 0;	/* opportunistic: carry on in the clear */
	}
	if (c->in_off < c->in_len)	/* bytes after 234 are not ours */
		return io_fail(c, -EPROTO, "AUTH TLS");
	char what[sizeof(c->host) + 32];
	snprintf(what, sizeof(what), "TLS handshake with %s", c->host);
	if ((c->ssl = tls_connect(c, c->fd, NULL, what)) == NULL)
		return -EPROTO;
	c->is_tls = true;
	return 0;
}

/* PBSZ 0 and PROT P (RFC 4217 9); P makes data connections TLS too. */
static int
prot_private(struct ftp_client *c)
{
	int code;

	if ((code = ftp_cmd(c, "PBSZ 0")) < 0)
		return code;
	if (ftp_reply_class(code) == 2 &&
	    (code = ftp_cmd(c, "PROT P")) < 0)
		return code;
	if (ftp_reply_class(code) == 2) {
		c->is_prot_p = true;
		return 0;
	}
	if (c->opts.tls == FTP_TLS_REQUIRE) {
		char l1[FTP_WHY_MAX];
		return ftp_failf(c, FTP_FAIL_TLS, -EPROTO,
		    "the server refused protected data connections: %s",
		    reply_line1(c, l1, sizeof(l1)));
	}
	return 0;
}

/* ---- opening, login, closing ---- */

int
ftp_client_init(struct ftp_client *c, const struct ftp_opts *o)
{
	*c = (struct ftp_client){ .fd = -1, .reply = { .text = "" } };
	c->opts = *o;
	c->data.fd = c->data.listen_fd = -1;
	return ftp_reply_parser_init(&c->rp, 0);
}

void
ftp_client_clear(struct ftp_client *c)
{
	ctl_drop(c);
	SSL_CTX_free(c->ctx);
	c->ctx = NULL;
	ftp_reply_parser_clear(&c->rp);
}

/* Connects to the first address of host that answers. */
static int
ctl_connect(struct ftp_client *c, const char *host, uint16_t port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
	    .ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG }, *res = NULL;
	char ps[8];
	int err = -EHOSTUNREACH;

	snprintf(ps, sizeof(ps), "%u", (unsigned)port);
	if (is_ip_literal(host))
		hints.ai_flags = AI_NUMERICSERV | AI_NUMERICHOST;
	int gai = getaddrinfo(host, ps, &hints, &res);
	if (gai != 0)
		return ftp_failf(c, FTP_FAIL_CONNECT, -EHOSTUNREACH,
		    "%s: %s", host, gai_strerror(gai));
	for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
		struct net_addr a;
		net_addr_from_sa(&a, ai->ai_addr, ai->ai_addrlen);
		int fd = connect_to(c, &a, timeout_ms(c));
		if (fd < 0) {
			err = fd;
			continue;
		}
		c->fd = fd;
		c->peer = a;
		err = net_sock_name(fd, &c->local);
		break;
	}
	freeaddrinfo(res);
	if (c->fd < 0 || err < 0) {
		ctl_drop(c);
		return ftp_failf(c, FTP_FAIL_CONNECT, err,
		    "cannot connect to %s port %u: %s", host, (unsigned)port,
		    ik_strerror(err));
	}
	int one = 1;
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return 0;
}

int
ftp_client_open(struct ftp_client *c, const char *host, uint16_t port)
{
	int code, err;

	ctl_drop(c);
	c->fail = FTP_FAIL_NONE;
	c->why[0] = '\0';
	c->reply = (struct ftp_reply){ .text = "" };
	if (strlen(host) >= sizeof(c->host))
		return ftp_failf(c, FTP_FAIL_CONNECT, -IK_ETRUNC,
		    "host name too long");
	snprintf(c->host, sizeof(c->host), "%s", host);
	if ((err = ctl_connect(c, host, port)) < 0)
		return err;
	/* 120: ready in a few minutes; the 220 follows (RFC 959 5.4). */
	do {
		code = reply_read(c);
	} while (code == 120);
	if (code < 0 || code != 220) {
		char l1[FTP_WHY_MAX];
		if (code >= 0)
			ftp_failf(c, FTP_FAIL_CONNECT, -ECONNREFUSED,
			    "%s port %u: %s", host, (unsigned)port,
			    reply_line1(c, l1, sizeof(l1)));
		else
			c->fail = FTP_FAIL_CONNECT;
		ctl_drop(c);
		return code < 0 ? code : -ECONNREFUSED;
	}
	if ((code = ftp_cmd(c, "FEAT")) < 0)
		return code;
	if (code == 211)
		c->feat = ftp_feat_parse(c->reply.text);
	if (c->opts.tls == FTP_TLS_REQUIRE || (c->opts.tls == FTP_TLS_AUTO &&
	    (c->feat & FTP_FEAT_AUTH_TLS))) {
		if ((err = auth_tls(c)) < 0) {
			if (c->fail == FTP_FAIL_TLS)
				ctl_drop(c);
			return err;
		}
	}
	return 0;
}

int
ftp_client_login(struct ftp_client *c, const char *user, const char *pass)
{
	int code;
	char l1[FTP_WHY_MAX];

	if ((code = ftp_cmd(c, "USER %s", user)) >= 0 &&
	    (code == 331 || code == 332))	/* 332: an account too */
		code = ftp_cmd(c, "PASS %s", pass != NULL ? pass : "");
	if (code < 0) {
		/* 421 after USER/PASS: too many failed logins */
		if (c->reply.code == 421)
			c->fail = FTP_FAIL_LOGIN;
		return code;
	}
	if (code == 332)
		return ftp_failf(c, FTP_FAIL_LOGIN, -IK_EDENIED,
		    "the server wants an account (ACCT): not supported");
	if (code != 230 && code != 202)
		return ftp_failf(c, FTP_FAIL_LOGIN, -IK_EDENIED,
		    "login refused: %s", reply_line1(c, l1, sizeof(l1)));
	c->is_logged_in = true;
	c->type = 0;
	if (c->is_tls)
		return prot_private(c);
	return 0;
}

void
ftp_client_close(struct ftp_client *c, bool polite)
{
	if (c->fd >= 0 && polite) {
		data_close(c, true);
		(void)ftp_cmd(c, "QUIT");
	}
	ctl_drop(c);
}

/* ---- simple commands ---- */

int
ftp_set_type(struct ftp_client *c, char type)
{
	int err;

	if (c->type == type)
		return 0;
	if ((err = ftp_cmd_ok(c, 2, "TYPE %c", type)) < 0)
		return err;
	c->type = type;
	return 0;
}

ssize_t
ftp_pwd(struct ftp_client *c, char *out, size_t cap)
{
	int code = ftp_cmd(c, "PWD");

	if (code < 0)
		return code;
	if (code != 257)
		return fail_reply(c);
	ssize_t n = ftp_pwd_parse(c->reply.text, out, cap);
	if (n < 0)
		return ftp_failf(c, FTP_FAIL_REPLY, n,
		    "cannot read the directory in the PWD reply");
	return n;
}

int
ftp_size(struct ftp_client *c, const char *path, uint64_t *out)
{
	int code = ftp_cmd(c, "SIZE %s", path);

	if (code < 0)
		return code;
	if (code != 213)
		return fail_reply(c);
	if (ftp_size_parse(c->reply.text, out) < 0)
		return ftp_failf(c, FTP_FAIL_REPLY, -IK_EPARSE,
		    "cannot read the SIZE reply");
	return 0;
}

int
ftp_mdtm(struct ftp_client *c, const char *path, int64_t *out)
{
	int code = ftp_cmd(c, "MDTM %s", path);

	if (code < 0)
		return code;
	if (code != 213)
		return fail_reply(c);
	const char *t = c->reply.text;
	size_t n = strcspn(t, " \n");
	if (ftp_time_parse(t, n, out) < 0)
		return ftp_failf(c, FTP_FAIL_REPLY, -IK_EPARSE,
		    "cannot read the MDTM reply");
	return 0;
}

int
ftp_rename(struct ftp_client *c, const char *from, const char *to)
{
	int err = ftp_cmd_ok(c, 3, "RNFR %s", from);

	if (err < 0)
		return err;
	return ftp_cmd_ok(c, 2, "RNTO %s", to);
}

/* ---- data connections ---- */

/* EPSV, and PASV when EPSV is refused (RFC 2428 says a server may lack
 * it; NATs and old servers do). The address is always the control
 * connection's peer: a PASV reply naming another host is a bounce risk
 * (and usually a NAT's inside address). */
static int
data_passive(struct ftp_client *c, struct net_addr *to)
{
	int code;
	char l1[FTP_WHY_MAX];

	*to = c->peer;
	if (!c->no_epsv) {
		if ((code = ftp_cmd(c, "EPSV")) < 0)
			return code;
		if (code == 229) {
			unsigned port;
			if (ftp_epsv_reply_parse(c->reply.text, &port) < 0 ||
			    port == 0 || port > 65535)
				return ftp_failf(c, FTP_FAIL_REPLY, -IK_EPARSE,
				    "cannot read the EPSV reply: %s",
				    reply_line1(c, l1, sizeof(l1)));
			net_addr_set_port(to, (uint16_t)port);
			return 0;
		}
		if (ftp_reply_class(code) != 5)
			return fail_reply(c);
		c->no_epsv = true;
	}
	if (c->peer.ss.ss_family != AF_INET)
		return ftp_failf(c, FTP_FAIL_REPLY, -EAFNOSUPPORT,
		    "EPSV refused, and PASV works over IPv4 only");
	if ((code = ftp_cmd(c, "PASV")) < 0)
		return code;
	if (code != 227)
		return fail_reply(c);
	struct net_addr pa;
	if (ftp_pasv_reply_parse(c->reply.text, &pa) < 0)
		return ftp_failf(c, FTP_FAIL_REPLY, -IK_EPARSE,
		    "cannot read the PASV reply: %s",
		    reply_line1(c, l1, sizeof(l1)));
	if (c->opts.is_verbose && !net_addr_same_ip(&pa, &c->peer)) {
		char b[NET_ADDRSTRLEN];
		fprintf(stderr, "(PASV named %s; using the server's address)\n",
		    net_addr_format(&pa, false, b, sizeof(b)));
	}
	net_addr_set_port(to, net_addr_port(&pa));
	return 0;
}

/* Listens on the control connection's local address and tells the
 * server by PORT (IPv4) or EPRT (IPv6). */
static int
data_active(struct ftp_client *c)
{
	struct net_addr la = c->local;
	char arg[NET_ADDRSTRLEN + 16];
	ssize_t n;
	int err;

	net_addr_set_port(&la, 0);
	int fd = net_listen_tcp(&la, 1, 0);
	if (fd < 0)
		return ftp_failf(c, FTP_FAIL_LOCAL, fd,
		    "cannot listen for the data connection: %s",
		    ik_strerror(fd));
	c->data.listen_fd = fd;
	if ((err = net_sock_name(fd, &la)) < 0)
		return ftp_failf(c, FTP_FAIL_LOCAL, err, "getsockname: %s",
		    ik_strerror(err));
	bool is_v4 = la.ss.ss_family == AF_INET;
	n = is_v4 ? ftp_port_format(&la, arg, sizeof(arg)) :
	    ftp_eprt_format(&la, arg, sizeof(arg));
	if (n < 0)
		return ftp_failf(c, FTP_FAIL_LOCAL, (int)n,
		    "cannot format the data address");
	return ftp_cmd_ok(c, 2, "%s %s", is_v4 ? "PORT" : "EPRT", arg);
}

static int
data_accept(struct ftp_client *c)
{
	struct net_addr from = { .len = sizeof(from.ss) };
	int err = wait_fd(c, c->data.listen_fd, POLLIN, timeout_ms(c));

	if (err < 0)
		return ftp_failf(c, FTP_FAIL_IO, err,
		    "waiting for the server's data connection: %s",
		    ik_strerror(err));
	int fd = accept4(c->data.listen_fd, (struct sockaddr *)&from.ss,
	    &from.len, SOCK_CLOEXEC);
	if (fd < 0)
		return ftp_failf(c, FTP_FAIL_IO, -errno, "accept: %s",
		    strerror(errno));
	close(c->data.listen_fd);
	c->data.listen_fd = -1;
	/* Only the server may connect; anyone else could feed us a file. */
	if (!net_addr_same_ip(&from, &c->peer)) {
		close(fd);
		return ftp_failf(c, FTP_FAIL_IO, -IK_EDENIED,
		    "a data connection from another host");
	}
	c->data.fd = fd;
	set_timeouts(fd, timeout_ms(c));
	return 0;
}

/* After a failure mid-transfer: reset the data connection, ABOR, and
 * read the transfer's reply and ABOR's (RFC 959 4.1.3: two replies when a
 * transfer was under way, and the reset ends it either way). c->why keeps
 * the original failure. */
static void
xfer_abort(struct ftp_client *c)
{
	enum ftp_fail fail = c->fail;
	char why[FTP_WHY_MAX];

	memcpy(why, c->why, sizeof(why));
	data_close(c, true);
	if (c->fd >= 0 && ftp_cmd(c, "ABOR") >= 0)
		(void)reply_read(c);
	c->fail = fail;
	memcpy(c->why, why, sizeof(why));
}

/* Opens the data connection for `line` (already formatted) and sends
 * it: returns 0 after the 1xx reply with c->data ready, or a negative
 * code with everything closed. */
static int
xfer_start(struct ftp_client *c, const char *line)
{
	struct net_addr to;
	int err, code;

	data_close(c, false);
	if (c->opts.is_active)
		err = data_active(c);
	else if ((err = data_passive(c, &to)) == 0) {
		int fd = connect_to(c, &to, timeout_ms(c));
		if (fd < 0) {
			char b[NET_ADDRSTRLEN];
			err = ftp_failf(c, FTP_FAIL_IO, fd,
			    "data connection to %s: %s",
			    net_addr_format(&to, true, b, sizeof(b)),
			    ik_strerror(fd));
		}
		c->data.fd = fd;
	}
	if (err < 0)
		goto out;
	if ((code = ftp_cmd(c, "%s", line)) < 0) {
		err = code;
		goto out;
	}
	if (ftp_reply_class(code) != 1) {
		err = fail_reply(c);
		goto out;
	}
	if (c->opts.is_active && (err = data_accept(c)) < 0) {
		xfer_abort(c);	/* the server has a transfer under way */
		return err;
	}
	if (c->is_prot_p) {
		SSL_SESSION *s = SSL_get1_session(c->ssl);
		c->data.ssl = tls_connect(c, c->data.fd, s,
		    "TLS on the data connection");
		SSL_SESSION_free(s);
		if (c->data.ssl == NULL) {
			xfer_abort(c);
			return -EPROTO;
		}
	}
out:
	if (err < 0)
		data_close(c, true);
	return err;
}

/* The end of a transfer that went well on our side: close the data
 * connection (an upload first says EOF and waits for the server's close)
 * and read the final reply. */
static int
xfer_finish(struct ftp_client *c, bool is_upload)
{
	struct ftp_client_data *d = &c->data;
	int code;

	if (is_upload) {
		char junk[512];
		if (d->ssl != NULL)
			(void)SSL_shutdown(d->ssl);
		(void)shutdown(d->fd, SHUT_WR);
		set_timeouts(d->fd, FTP_LINGER_MS);
		for (int i = 0; i < 64; i++)
			if (io_read(c, d->fd, d->ssl, junk, sizeof(junk)) <= 0)
				break;
	} else if (d->ssl != NULL) {
		(void)SSL_shutdown(d->ssl);
	}
	data_close(c, false);
	if ((code = reply_read(c)) < 0)
		return code;
	if (ftp_reply_class(code) != 2)
		return fail_reply(c);
	return 0;
}

static int
data_fail(struct ftp_client *c, int err, const char *what)
{
	if (err == -ECANCELED)
		return ftp_failf(c, FTP_FAIL_IO, err, "interrupted");
	return ftp_failf(c, FTP_FAIL_IO, err, "%s: %s", what,
	    err == 0 ? "data connection closed" : err == -EPROTO ?
	    "TLS error" : ik_strerror(err));
}

/* Reads the data connection to its end into sink, converting line ends
 * when `is_ascii`. */
static int
xfer_recv(struct ftp_client *c, bool is_ascii, ftp_sink_fn *sink,
    void *arg)
{
	char *buf = malloc(FTP_XFER_BUF), *dec = malloc(FTP_XFER_BUF + 1);
	int err = 0;

	if (buf == NULL || dec == NULL) {
		err = ftp_failf(c, FTP_FAIL_LOCAL, -ENOMEM, "out of memory");
		goto out;
	}
	for (;;) {
		if (is_cancelled(c)) {
			err = data_fail(c, -ECANCELED, "");
			break;
		}
		ssize_t n = io_read(c, c->data.fd, c->data.ssl, buf,
		    FTP_XFER_BUF);
		if (n < 0) {
			err = data_fail(c, (int)n, "receiving data");
			break;
		}
		const char *p = buf;
		size_t len = (size_t)n;
		if (is_ascii) {
			len = n > 0 ? ftp_ascii_from_net(&c->data.asc, buf,
			    len, dec) : ftp_ascii_from_net_end(&c->data.asc,
			    dec);
			p = dec;
		}
		if (len > 0 && (err = sink(arg, p, len)) < 0) {
			ftp_failf(c, FTP_FAIL_LOCAL, err, "writing: %s",
			    ik_strerror(err));
			break;
		}
		if (n == 0)
			break;
	}
out:
	free(buf);
	free(dec);
	return err;
}

static int
xfer_send(struct ftp_client *c, bool is_ascii, ftp_source_fn *src,
    void *arg)
{
	char *buf = malloc(FTP_XFER_BUF), *enc = malloc(2 * FTP_XFER_BUF);
	int err = 0;

	if (buf == NULL || enc == NULL) {
		err = ftp_failf(c, FTP_FAIL_LOCAL, -ENOMEM, "out of memory");
		goto out;
	}
	for (;;) {
		if (is_cancelled(c)) {
			err = data_fail(c, -ECANCELED, "");
			break;
		}
		ssize_t n = src(arg, buf, FTP_XFER_BUF);
		if (n < 0) {
			err = ftp_failf(c, FTP_FAIL_LOCAL, (int)n,
			    "reading: %s", ik_strerror((int)n));
			break;
		}
		if (n == 0)
			break;
		const char *p = buf;
		size_t len = (size_t)n;
		if (is_ascii) {
			len = ftp_ascii_to_net(&c->data.asc, buf, len, enc);
			p = enc;
		}
		if ((err = io_write(c, c->data.fd, c->data.ssl, p, len)) < 0) {
			err = data_fail(c, err, "sending data");
			break;
		}
	}
out:
	free(buf);
	free(enc);
	return err;
}

static int
rest(struct ftp_client *c, uint64_t offset)
{
	if (offset == 0)
		return 0;
	/* 350: "Requested file action pending further information" */
	return ftp_cmd_ok(c, 3, "REST %llu", (unsigned long long)offset);
}

/* Formats "VERB path" (or "VERB") into line. */
static int
xfer_line(struct ftp_client *c, char *line, size_t cap, const char *verb,
    const char *path)
{
	int n = path != NULL ? snprintf(line, cap, "%s %s", verb, path) :
	    snprintf(line, cap, "%s", verb);

	if (n < 0 || (size_t)n >= cap)
		return ftp_failf(c, FTP_FAIL_REPLY, -IK_ELIMIT,
		    "path too long");
	return 0;
}

int
ftp_retr(struct ftp_client *c, const char *path, uint64_t offset,
    ftp_sink_fn *sink, void *arg)
{
	char line[FTP_CMD_MAX];
	int err;

	if ((err = xfer_line(c, line, sizeof(line), "RETR", path)) < 0 ||
	    (err = rest(c, offset)) < 0 || (err = xfer_start(c, line)) < 0)
		return err;
	if ((err = xfer_recv(c, c->type == 'A', sink, arg)) < 0) {
		xfer_abort(c);
		return err;
	}
	return xfer_finish(c, false);
}

int
ftp_stor(struct ftp_client *c, const char *path, bool append,
    uint64_t offset, ftp_source_fn *src, void *arg)
{
	char line[FTP_CMD_MAX];
	int err;

	if ((err = xfer_line(c, line, sizeof(line), append ? "APPE" : "STOR",
	    path)) < 0 || (err = rest(c, offset)) < 0 ||
	    (err = xfer_start(c, line)) < 0)
		return err;
	if ((err = xfer_send(c, c->type == 'A', src, arg)) < 0) {
		xfer_abort(c);
		return err;
	}
	return xfer_finish(c, true);
}

int
ftp_list(struct ftp_client *c, const char *verb, const char *path,
    ftp_sink_fn *sink, void *arg)
{
	char line[FTP_CMD_MAX];
	int err;

	if ((err = xfer_line(c, line, sizeof(line), verb, path)) < 0 ||
	    (err = xfer_start(c, line)) < 0)
		return err;
	/* Listing lines are split by the caller; no conversion here. */
	if ((err = xfer_recv(c, false, sink, arg)) < 0) {
		xfer_abort(c);
		return err;
	}
	return xfer_finish(c, false);
}
