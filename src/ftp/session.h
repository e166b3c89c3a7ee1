/* ftp/session.h - the FTP server's sessions (RFC 959 with RFC 2228/4217
 * AUTH TLS, RFC 2389 FEAT, RFC 2428 EPRT/EPSV, RFC 2640 UTF8, RFC 3659
 * MLST/MLSD/SIZE/MDTM/REST): the command table, the login and transfer
 * states, and the decisions behind every reply. Sockets are line.c's
 * (control) and data.c's (data); files are opened only beneath the user's
 * root. service.c owns the server and wires it to the runtime. */
#ifndef IK_FTP_SESSION_H
#define IK_FTP_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <openssl/ssl.h>

#include "core/auth.h"
#include "core/cfg.h"
#include "core/line.h"
#include "core/svc.h"
#include "ftp/authq.h"
#include "ftp/cmd.h"
#include "ftp/data.h"
#include "ftp/user.h"

/* The [ftp] section (see service.c for keys, defaults and ranges). */
struct ftp_conf {
	struct svc_conf		 base;
	struct net_addrs	 listen;
	char			*users;		/* passwd-file; "": none */
	bool			 anonymous;
	char			*anonymous_root;
	struct cfg_portrange	 pasv_ports;
	char			*pasv_address;	/* IPv4 for 227; "": local */
	int			 max_clients;
	int			 max_per_ip;
	uint64_t		 idle_ms;
	uint64_t		 data_timeout_ms;
	int			 login_attempts;	/* per IP per minute */
	bool			 tls;
	bool			 require_tls;
	uint64_t		 max_line;
};

enum ftp_state {
	FTP_ST_GREET,		/* greeted; USER expected */
	FTP_ST_USER,		/* USER given; PASS expected */
	FTP_ST_READY,		/* logged in, no transfer running */
	FTP_ST_XFER,		/* a transfer runs; lines are read raw */
};

struct ftp_stats {
	uint64_t	 logins, login_failures, login_refused;
	uint64_t	 files_sent, files_received, listings;
	uint64_t	 bytes_sent, bytes_received;
	uint64_t	 aborts, xfer_errors, port_refused, foreign_data;
};

struct ftp_sess;

/* One server: the line server, the users, the counters. */
struct ftp_server {
	struct svc		*sv;		/* borrowed; sv->conf is current */
	struct line_server	*srv;		/* owned */
	struct line_limits	 limits;
	struct ftp_data_env	 data_env;
	struct ftp_users	*users;		/* a reference; NULL: none */
	struct ftp_authq	*authq;		/* owned: password checks */
	struct ftp_login_limit	*login;		/* owned */
	struct ftp_stats	 st;
	struct ftp_sess		*sessions;	/* every live session */
};

/* The protocol line.c runs; its ctx is the struct ftp_server. */
extern const struct line_proto ftp_proto;

/* Applies conf to the server's limits and data settings (start, reload). */
void ftp_server_configure(struct ftp_server *fs, const struct ftp_conf *c);
/* Writes one line per session: "ip:port user=NAME state=S since=UNIX". */
void ftp_server_sessions(const struct ftp_server *fs, struct evbuffer *out);
/* Sessions alive now. */
size_t ftp_server_count(const struct ftp_server *fs);

/* The state's name in logs and "sessions" ("greet", "user", ...). */
const char *ftp_state_name(enum ftp_state st);

#endif
