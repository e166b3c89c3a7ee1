/* core/svc.h - what every service process shares: how the supervisor (or
 * "inetkit SERVICE -c FILE") prepares it, and the runtime a service runs
 * in: its event loop, its config (swapped on reload), its control socket
 * with the built-in "stats" and "reload", its listening sockets, and
 * graceful stop on SIGTERM. */
#ifndef IK_CORE_SVC_H
#define IK_CORE_SVC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/ssl.h>

#include "core/cfg.h"
#include "core/ctl.h"
#include "core/log.h"
#include "core/net.h"

struct event_base;
struct evbuffer;
struct svc;

/* The [inetkit] section: settings every process shares. */
struct global_conf {
	char		*data_dir;	/* state; run/ holds control sockets */
	char		*user;		/* drop to it after binding, as root */
	enum log_level	 log_level;
	char		*tls_cert;	/* PEM; empty: dev cert in data_dir */
	char		*tls_key;
	uint64_t	 stop_timeout_ms;	/* graceful stop before SIGKILL */
};

/* The keys every service section starts with (embed it first). */
struct svc_conf {
	bool		 enabled;
};

/* One listening socket a service wants, from a key of its section. The
 * supervisor binds these as root, before the service drops privileges. */
struct svc_listen {
	const char	*key;		/* "listen", "submission", ... */
	size_t		 off;		/* struct net_addrs in the section */
	int		 socktype;	/* SOCK_STREAM or SOCK_DGRAM */
	bool		 implicit_tls;	/* TLS from the first byte */
	/* Offset of an int key giving sockets per address, sharing the port
	 * with SO_REUSEPORT (one per worker thread; 0 in the key: one per
	 * CPU); 0 here: one socket. */
	size_t		 count_off;
};

/* A listening socket made for a service. */
struct svc_sock {
	const struct svc_listen	*spec;	/* borrowed from the def */
	struct net_addr		 addr;	/* as bound (port resolved) */
	int			 fd;
};

struct svc_def {
	const char		*name;	/* "dns": section, socket and log name */
	const char		*summary;	/* one line for help */
	const struct cfg_section *sec;	/* its section kind */
	const struct cfg_section *const *extra;	/* [zone], ...; or NULL */
	const struct svc_listen	*listens;	/* ends with { 0 } */
	bool			 uses_tls;	/* needs the TLS context */
	/* NULL while the service is not built yet; enabling it is then a
	 * config error naming `issue`. */
	int			(*start)(struct svc *sv);
	/* Opens what needs root beyond the listeners (raw sockets for DHCP)
	 * in the service process, before it drops privileges; keeps it in
	 * sv->priv for start() and sets sv->free to release it. Runs once
	 * per process: a reload cannot add such resources. NULL: nothing. */
	int			(*open_privileged)(struct svc *sv);
	const char		*issue;		/* "#3" */
	/* Deeper checks for check-config only (zone files parse, ...);
	 * problems go to errs. NULL: none. */
	int			(*verify)(const struct cfg *c,
				    struct cfg_errs *errs);
	/* How to try it, printed at start, with {host} and {port} of the
	 * first listener ("dig @{host} -p {port} ..."), or NULL. */
	const char		*try_hint;
};

/* Counters every service reports through "stats". */
struct svc_stats {
	uint64_t	 connections;
	uint64_t	 requests;
	uint64_t	 errors;
};

struct svc {
	const struct svc_def	*def;
	struct event_base	*base;
	const struct cfg	*cfg;		/* current; swapped on reload */
	const char		*cfg_path;
	const struct global_conf *global;	/* in cfg */
	const void		*conf;		/* this service's section */
	struct svc_sock		*socks;		/* borrowed from the prep */
	size_t			 n_socks;
	SSL_CTX			*tls;		/* borrowed; NULL if unused */
	time_t			 started;
	struct svc_stats	 st;
	void			*priv;		/* the service's own state */
	/* Set by start(): */
	const struct ctl_cmd	*cmds;		/* service commands, or NULL */
	/* Applies a new, checked config; return < 0 to keep the old. */
	int			(*reload)(struct svc *sv, const struct cfg *new);
	/* Writes the service's counters for "stats" (after service, pid and
	 * uptime); NULL: the generic svc_stats are printed. */
	void			(*stats)(struct svc *sv, struct evbuffer *out);
	/* Starts a graceful stop; call svc_stopped() when done. */
	void			(*stop)(struct svc *sv);
	/* Frees priv at exit. */
	void			(*free)(struct svc *sv);
	/* svc.c private */
	struct ctl_server	*ctl;
	struct cfg		*owned_cfg;	/* loaded by a reload */
	struct event		*ev_term, *ev_int, *ev_hup, *ev_deadline;
	struct event		*ev_idle_poll;
	bool			(*is_idle)(struct svc *sv);
	bool			 is_stopping;
};

/* What a service process is given before it runs. */
struct svc_prep {
	const struct cfg	*cfg;
	const char		*cfg_path;
	struct svc_sock		*socks;
	size_t			 n_socks;
	SSL_CTX			*tls;
};

extern const struct cfg_section svc_global_section;

/* The schema: [inetkit] plus every service's sections, NULL-terminated.
 * Built from the registry in src/cli/services.c. */
const struct cfg_section *const *svc_schema(void);
/* The registry: every service def, NULL-terminated. */
const struct svc_def *const *svc_registry(void);
const struct svc_def *svc_find(const char *name);
/* Loads and fully checks a config: every section and key, plus the
 * cross-checks (an enabled service must be built; no two listeners on one
 * address). Errors go to `errs`. Returns 0 or -IK_ECONFIG / -errno. */
int svc_config_load(const char *path, struct cfg **out, struct cfg_errs *errs);
/* The section struct of service `def` in `c` (it starts with struct
 * svc_conf). */
const void *svc_conf_of(const struct cfg *c,
    const struct svc_def *def);
bool svc_enabled(const struct cfg *c, const struct svc_def *def);

/* Sockets per address for listener `l` of section `sc`. */
unsigned svc_listen_count(const struct svc_listen *l, const void *sc);
/* Binds every listener of `def` in `c` (while root). Returns 0 and fills
 * *socks and *n (owned: svc_socks_close), or -errno with a log line naming the
 * address. */
int svc_socks_open(const struct cfg *c, const struct svc_def *def,
    struct svc_sock **socks, size_t *n);
void svc_socks_close(struct svc_sock **socks, size_t *n);
/* Creates the data dir and data_dir/run (owned by the service user when
 * running as root). Returns 0 or -errno. */
int svc_data_dir_prepare(const struct global_conf *g);
/* The TLS server context from [inetkit] tls_cert/tls_key, or from a dev
 * certificate generated under data_dir/tls. NULL (logged) on failure. */
SSL_CTX *svc_tls_ctx(const struct global_conf *g);
/* Writes data_dir/run/NAME.sock into buf. Returns 0 or -IK_ETRUNC. */
int svc_ctl_path(const struct global_conf *g, const char *name, char *buf,
    size_t cap);

/* Logs each collected config error (they name file:line) and clears
 * them. */
void svc_log_errs(struct cfg_errs *errs);

/* Prints the generic counters (connections, requests, errors). */
void svc_stats_print(const struct svc *sv, struct evbuffer *out);

/* Runs service `def` in this process until it stops: drops privileges,
 * sets up the event loop, the control socket and signals, calls start().
 * Returns the process exit status. */
int svc_run(const struct svc_def *def, const struct svc_prep *prep);
/* A stopping service calls this when its last session is gone. */
void svc_stopped(struct svc *sv);
/* Or lets svc poll: calls svc_stopped() once is_idle(sv) is true (checked
 * every 50 ms; the stop deadline still applies). */
void svc_stop_when(struct svc *sv, bool (*is_idle)(struct svc *sv));

#endif
