/* ftp/data.h - FTP data connections (I/O): a passive listener on a port
 * from the configured range (PASV, EPSV) or an active connect to the
 * client (PORT, EPRT); TLS on them for PROT P (RFC 4217: the server is
 * the TLS server on data connections too); and the pump that moves one
 * file or listing: sendfile for image-mode downloads without TLS, large
 * reads and writes otherwise, CRLF conversion for TYPE A. Policy (which
 * address PORT may name, what a result means to the client) is the
 * session's. One transfer per connection, one connection per PASV/PORT,
 * as RFC 959 stream mode has it. */
#ifndef IK_FTP_DATA_H
#define IK_FTP_DATA_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <openssl/ssl.h>

#include "core/net.h"

struct event_base;
struct evbuffer;
struct ftp_data;

/* Bytes a transfer reads from disk or the network per step: large, so a
 * fast transfer takes few system calls, and bounded, so one session never
 * holds the event loop for long. */
#define FTP_DATA_CHUNK		(256 * 1024)

/* Settings shared by a server's data connections; borrowed (the server
 * updates them on reload). */
struct ftp_data_env {
	struct event_base	*base;
	SSL_CTX			*tls;		/* NULL: no PROT P */
	uint64_t		 timeout_ms;	/* no progress this long: 426 */
	uint16_t		 pasv_lo, pasv_hi;
};

/* Adds more of a generated stream (a listing) to `out`. Returns 0 when
 * more will follow, 1 when this was the end, or < 0 (-errno) on a local
 * error. */
typedef int ftp_fill_fn(void *arg, struct evbuffer *out);

enum ftp_xfer_kind {
	FTP_XFER_SEND_FILE,	/* fd from offset to EOF (RETR) */
	FTP_XFER_SEND_GEN,	/* what fill() produces (LIST, NLST, MLSD) */
	FTP_XFER_RECV_FILE,	/* into fd at its current offset (STOR) */
};

struct ftp_xfer {
	enum ftp_xfer_kind	 kind;
	int			 fd;		/* file; taken by ftp_data_start */
	off_t			 offset;	/* SEND_FILE: where to start */
	bool			 ascii;		/* TYPE A: convert line ends */
	bool			 tls;		/* PROT P */
	uint64_t		 limit;		/* RECV: bytes allowed; 0: any */
	ftp_fill_fn		*fill;		/* SEND_GEN */
	void			*fill_arg;
};

enum ftp_xfer_result {
	FTP_XFER_OK,		/* all moved and the connection closed */
	FTP_XFER_NO_CONN,	/* no connection came or could be made: 425 */
	FTP_XFER_BROKEN,	/* the connection failed midway: 426 */
	FTP_XFER_TIMEOUT,	/* no progress within timeout_ms: 426 */
	FTP_XFER_LOCAL,		/* reading or writing the file failed: 451 */
	FTP_XFER_LIMIT,		/* more than `limit` bytes came: 552 */
};

/* The session's callbacks. done runs once per started transfer (not after
 * ftp_data_abort), with the connection already closed and the data object
 * back to "no connection set up", so it may set up the next; err is the
 * -errno behind a LOCAL result (ENOSPC ...), else 0. progress runs at
 * most once a second while bytes move. */
struct ftp_data_cb {
	void	(*done)(void *arg, enum ftp_xfer_result r, int err);
	void	(*progress)(void *arg);
	void	*arg;
};

/* A data channel for the control connection between `local` and `peer`
 * (copied). `env` and `cb` are borrowed. NULL on ENOMEM. */
struct ftp_data *ftp_data_new(const struct ftp_data_env *env,
    const struct ftp_data_cb *cb, const struct net_addr *local,
    const struct net_addr *peer);
/* Closes everything; no callback. Accepts NULL; clears *dp. */
void ftp_data_free(struct ftp_data **dp);

/* Opens a passive listener on the control connection's local address, on
 * a free port of the range (tried from a random start), replacing any
 * earlier setup. Connections from any address but the control peer's are
 * closed and counted (RFC 2577). Writes the bound address to *bound.
 * Returns 0, -EADDRINUSE (every port busy) or -errno. */
int ftp_data_pasv(struct ftp_data *d, struct net_addr *bound);
/* Sets up an active connection to `to` (the session checked it is the
 * peer's), replacing any earlier setup. */
void ftp_data_port(struct ftp_data *d, const struct net_addr *to);
/* True when PASV or PORT set up a connection for the next transfer. */
bool ftp_data_is_set(const struct ftp_data *d);
/* True while a transfer runs. */
bool ftp_data_is_busy(const struct ftp_data *d);

/* Starts a transfer on the connection set up; takes x->fd in every case
 * (closed on failure). The connection is made or awaited now; cb->done
 * reports the end, possibly before this returns (a plain download whose
 * client has connected goes out at once). Returns 0, -EINVAL (nothing set
 * up, or TLS asked without a context) or -errno. */
int ftp_data_start(struct ftp_data *d, const struct ftp_xfer *x);
/* Stops the transfer and closes the connection and any listener; no
 * callback. */
void ftp_data_abort(struct ftp_data *d);
/* Bytes moved by the running (or last) transfer, as sent on the wire. */
uint64_t ftp_data_bytes(const struct ftp_data *d);
/* Connections refused because they came from another address. */
uint64_t ftp_data_foreign(const struct ftp_data *d);

#endif
