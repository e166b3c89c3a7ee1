/* ftp/client.h - an FTP protocol client (RFC 959) over blocking sockets
 * with timeouts: greeting, FEAT (RFC 2389), AUTH TLS / PBSZ / PROT
 * (RFC 4217, data connections resuming the control session), login,
 * passive data connections by EPSV then PASV (RFC 2428) or active ones by
 * PORT / EPRT, transfers with REST, listings, and the file commands.
 * One connection per struct; not thread-safe. */
#ifndef IK_FTP_CLIENT_H
#define IK_FTP_CLIENT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <openssl/ssl.h>

#include "core/net.h"
#include "ftp/ascii.h"
#include "ftp/reply_parse.h"

#define FTP_TIMEOUT_MS		30000	/* default per connect / read */
#define FTP_WHY_MAX		512

enum ftp_tls_mode {
	FTP_TLS_AUTO,		/* AUTH TLS when FEAT offers it; unverified */
	FTP_TLS_REQUIRE,	/* AUTH TLS and PROT P or fail; verified */
	FTP_TLS_NEVER,
};

/* What went wrong last; the CLI turns it into an exit status. */
enum ftp_fail {
	FTP_FAIL_NONE,
	FTP_FAIL_REPLY,		/* the server refused (4xx/5xx) */
	FTP_FAIL_LOCAL,		/* a local file or memory */
	FTP_FAIL_IO,		/* the connection broke or timed out */
	FTP_FAIL_CONNECT,	/* no connection, or no greeting */
	FTP_FAIL_LOGIN,		/* USER/PASS refused */
	FTP_FAIL_TLS,		/* handshake, verification, or TLS refused */
};

struct ftp_opts {
	unsigned		 timeout_ms;	/* 0: FTP_TIMEOUT_MS */
	enum ftp_tls_mode	 tls;
	const char		*ca_file;	/* borrowed; FTP_TLS_REQUIRE */
	bool			 is_insecure;	/* REQUIRE without verifying */
	bool			 is_active;	/* PORT/EPRT, not EPSV/PASV */
	bool			 is_verbose;	/* the dialogue on stderr */
	/* Borrowed; when it becomes nonzero (a signal handler sets it) a
	 * running transfer is aborted. May be NULL. */
	volatile sig_atomic_t	*cancel;
};

/* Data arrived (already converted to local line ends in TYPE A).
 * Returns 0, or a negative code to abort the transfer. */
typedef int ftp_sink_fn(void *arg, const void *buf, size_t len);
/* Fills up to `cap` bytes of the upload; returns the count, 0 at the
 * end, or a negative code to abort. */
typedef ssize_t ftp_source_fn(void *arg, void *buf, size_t cap);

struct ftp_client_data {	/* one open data connection */
	int		 fd;		/* -1: none */
	int		 listen_fd;	/* active mode, until accepted */
	SSL		*ssl;
	struct ftp_ascii asc;
};

struct ftp_client {
	struct ftp_opts		 opts;
	int			 fd;		/* control; -1: closed */
	SSL_CTX			*ctx;
	SSL			*ssl;		/* control, after AUTH TLS */
	char			 host[256];	/* as given, for TLS names */
	struct net_addr		 peer, local;	/* of the control connection */
	struct ftp_reply_parser	 rp;
	char			 in[4096];	/* control bytes unparsed */
	size_t			 in_off, in_len;
	struct ftp_reply	 reply;		/* the last one; text valid
						 * until the next command */
	unsigned		 feat;		/* FTP_FEAT_* */
	bool			 is_tls, is_prot_p, is_logged_in;
	bool			 no_epsv;	/* refused: PASV from now */
	char			 type;		/* 'A', 'I', or 0: not sent */
	enum ftp_fail		 fail;
	char			 why[FTP_WHY_MAX]; /* the last failure */
	struct ftp_client_data	 data;
};

/* Sets up an unconnected client. Returns 0 or -ENOMEM. */
int ftp_client_init(struct ftp_client *c, const struct ftp_opts *o);
/* Closes everything (no QUIT) and frees. */
void ftp_client_clear(struct ftp_client *c);

/* Connects to host:port (a name, IPv4 or IPv6 literal), reads the
 * greeting, asks FEAT and, as opts.tls says, does AUTH TLS. Returns 0, or
 * a negative code with c->fail CONNECT, TLS or IO and c->why set. */
int ftp_client_open(struct ftp_client *c, const char *host, uint16_t port);
/* USER, PASS when asked for; then PBSZ 0 / PROT P on a TLS connection.
 * `pass` may be NULL (none). Returns 0 or a negative code (c->fail LOGIN
 * when refused). */
int ftp_client_login(struct ftp_client *c, const char *user,
    const char *pass);
/* QUIT (when connected and `polite`), then closes the connection. */
void ftp_client_close(struct ftp_client *c, bool polite);
static inline bool
ftp_client_is_open(const struct ftp_client *c)
{
	return c->fd >= 0;
}

/* Sends one command line (printf-style; no CR or LF allowed in the
 * result) and reads the reply. Returns the reply code, or a negative code
 * (c->fail IO, or REPLY for a line that cannot be sent). A 421 (the
 * server closing, RFC 959) closes the connection and returns
 * -ECONNRESET with c->reply.code 421. */
int ftp_cmd(struct ftp_client *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* As ftp_cmd, but a reply outside class `want` (2: 2xx) is a failure:
 * returns 0 or a negative code, c->fail REPLY and c->why the reply. */
int ftp_cmd_ok(struct ftp_client *c, int want, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* TYPE A or TYPE I, sent only when it changes. */
int ftp_set_type(struct ftp_client *c, char type);
/* PWD into out. Returns the length or a negative code. */
ssize_t ftp_pwd(struct ftp_client *c, char *out, size_t cap);
int ftp_size(struct ftp_client *c, const char *path, uint64_t *out);
int ftp_mdtm(struct ftp_client *c, const char *path, int64_t *out);
int ftp_rename(struct ftp_client *c, const char *from, const char *to);

/* RETR path from byte `rest` (REST first when nonzero): the data goes to
 * sink. Returns 0 once the server confirmed the transfer (226/250). */
int ftp_retr(struct ftp_client *c, const char *path, uint64_t rest,
    ftp_sink_fn *sink, void *arg);
/* STOR (or APPE when `append`) path, REST `rest` first when nonzero,
 * with the bytes src gives. */
int ftp_stor(struct ftp_client *c, const char *path, bool append,
    uint64_t rest, ftp_source_fn *src, void *arg);
/* A listing command ("MLSD", "LIST", "NLST") for path (NULL: the current
 * directory); the raw listing goes to sink. */
int ftp_list(struct ftp_client *c, const char *verb, const char *path,
    ftp_sink_fn *sink, void *arg);

/* Names the failure in c: sets c->fail and c->why; returns `err` when
 * it is negative, else -EPROTO, for "return ftp_failf(...)". */
int ftp_failf(struct ftp_client *c, enum ftp_fail kind, int err,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
