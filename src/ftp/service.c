/* ftp/service.c - the ftp service: the [ftp] section, the users file
 * (loaded before privileges are dropped, reloaded on SIGHUP / "reload"),
 * the line server the sessions run on, and the control commands "stats"
 * and "sessions". Entry point: ftp_svc, registered in src/cli/services.c.
 * Sessions themselves are session.c's. */
#include "ftp/service.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "core/err.h"
#include "core/log.h"
#include "ftp/session.h"

#define OFF(f)	offsetof(struct ftp_conf, f)
static const struct cfg_key ftp_keys[] = {
	{ "enabled", CFG_BOOL, OFF(base.enabled), "no", 0, 0,
	    "run this service" },
	{ "listen", CFG_ADDRPORTS, OFF(listen), "127.0.0.1:2121", 21, 0,
	    "addresses for control connections" },
	{ "users", CFG_PATH, OFF(users), "", 0, 0,
	    "passwd-file of FTP users (home = root, extra ftp=rw); empty: "
	    "none" },
	{ "anonymous", CFG_BOOL, OFF(anonymous), "no", 0, 0,
	    "allow anonymous/ftp logins, read-only, in anonymous_root" },
	{ "anonymous_root", CFG_PATH, OFF(anonymous_root), "./var/ftp/pub",
	    0, 0, "the directory anonymous users see" },
	{ "pasv_ports", CFG_PORTRANGE, OFF(pasv_ports), "50000-50100", 0, 0,
	    "ports for passive data connections (PASV, EPSV)" },
	{ "pasv_address", CFG_STR, OFF(pasv_address), "", 0, 64,
	    "IPv4 address announced in PASV replies (behind NAT); empty: "
	    "the control connection's" },
	{ "max_clients", CFG_INT, OFF(max_clients), "200", 1, 100000,
	    "sessions at once" },
	{ "max_per_ip", CFG_INT, OFF(max_per_ip), "20", 1, 100000,
	    "sessions at once from one address" },
	{ "idle_timeout", CFG_DURATION, OFF(idle_ms), "5m", 1000, 86400000,
	    "close a silent control connection after this (421)" },
	{ "data_timeout", CFG_DURATION, OFF(data_timeout_ms), "60s", 1000,
	    3600000, "close a data connection that moves nothing this long" },
	{ "login_attempts", CFG_INT, OFF(login_attempts), "5", 0, 10000,
	    "failed logins per client address per minute; 0: no limit" },
	{ "tls", CFG_BOOL, OFF(tls), "yes", 0, 0,
	    "offer AUTH TLS (RFC 4217) with [inetkit] tls_cert" },
	{ "require_tls", CFG_BOOL, OFF(require_tls), "no", 0, 0,
	    "refuse non-anonymous logins before AUTH TLS" },
	{ "max_line", CFG_SIZE, OFF(max_line), "1024", 64, 65536,
	    "longest command line (500 beyond)" },
	{ 0 },
};
#undef OFF

static int
ftp_check(void *obj, const char *name, struct cfg_errs *e, const char *file,
    int line)
{
	struct ftp_conf *c = obj;
	struct net_addr a;
	int err = 0;

	(void)name;
	if (c->require_tls && !c->tls) {
		cfg_errf(e, file, line, "[ftp] require_tls needs tls = yes");
		err = -IK_ECONFIG;
	}
	if (c->pasv_address[0] != '\0' &&
	    (net_ip_parse(c->pasv_address, &a) < 0 ||
	    a.ss.ss_family != AF_INET)) {
		cfg_errf(e, file, line, "[ftp] pasv_address: \"%s\" is not an "
		    "IPv4 address (PASV replies carry only IPv4)",
		    c->pasv_address);
		err = -IK_ECONFIG;
	}
	if (c->pasv_ports.lo == 0) {
		cfg_errf(e, file, line, "[ftp] pasv_ports: port 0 is not a "
		    "port");
		err = -IK_ECONFIG;
	}
	return err;
}

static const struct cfg_section ftp_section = {
	"ftp", 0, sizeof(struct ftp_conf), ftp_keys, ftp_check,
};

static const struct svc_listen ftp_listens[] = {
	{ .key = "listen", .off = offsetof(struct ftp_conf, listen),
	    .socktype = SOCK_STREAM },
	{ 0 },
};

/* Loads the users file of `c` (none when it names none) and makes it the
 * server's; the old one stays with the jobs still checking against it. */
static int users_load(const struct ftp_conf *c, struct auth_db **out,
    struct cfg_errs *errs);

static int
users_swap(struct ftp_server *fs, const struct ftp_conf *c,
    struct cfg_errs *errs)
{
	struct auth_db *db = NULL;
	struct ftp_users *u = NULL;
	int err = users_load(c, &db, errs);

	if (err < 0)
		return err;
	if (db != NULL && (u = ftp_users_new(db)) == NULL)
		return -ENOMEM;
	ftp_users_unref(&fs->users);
	fs->users = u;
	return 0;
}

/* Loads the users file of `c`, or none when it names none. */
static int
users_load(const struct ftp_conf *c, struct auth_db **out,
    struct cfg_errs *errs)
{
	*out = NULL;
	if (c->users[0] == '\0')
		return 0;
	return auth_db_load(c->users, out, errs);
}

static size_t
users_count(const struct ftp_server *fs)
{
	return fs->users != NULL && fs->users->db != NULL ?
	    fs->users->db->n_users : 0;
}

static void
errs_log(struct cfg_errs *errs, int err, const char *what)
{
	for (size_t i = 0; i < errs->n; i++)
		log_err("%s: %s", what, errs->msg[i]);
	if (errs->n == 0)
		log_err("%s: %s", what, ik_strerror(err));
	cfg_errs_clear(errs);
}

static int
ftp_verify(const struct cfg *cfg, struct cfg_errs *errs)
{
	const struct ftp_conf *c = svc_conf_of(cfg, &ftp_svc);
	struct auth_db *db = NULL;
	int err;

	if (c == NULL || !c->base.enabled)
		return 0;
	err = users_load(c, &db, errs);
	if (err < 0 && err != -IK_ECONFIG)
		cfg_errf(errs, cfg->path, 0, "[ftp] users %s: %s", c->users,
		    ik_strerror(err));
	auth_db_free(&db);
	return err < 0 ? -IK_ECONFIG : 0;
}

static void ftp_free(struct svc *sv);

/* As root, before the drop: the users file may be readable by root
 * alone (it holds password hashes). */
static int
ftp_open_privileged(struct svc *sv)
{
	const struct ftp_conf *c = sv->conf;
	struct ftp_server *fs = calloc(1, sizeof(*fs));
	struct cfg_errs errs = { 0 };
	int err;

	if (fs == NULL)
		return -ENOMEM;
	sv->priv = fs;
	sv->free = ftp_free;
	fs->sv = sv;
	if ((fs->login = calloc(1, sizeof(*fs->login))) == NULL)
		return -ENOMEM;
	if ((err = users_swap(fs, c, &errs)) < 0) {
		errs_log(&errs, err, "users");
		return err;
	}
	return 0;
}

static int
ftp_reload(struct svc *sv, const struct cfg *nc)
{
	struct ftp_server *fs = sv->priv;
	const struct ftp_conf *c = svc_conf_of(nc, &ftp_svc);
	struct cfg_errs errs = { 0 };
	int err;

	/* A users file that does not load keeps the old users and the old
	 * config, whole. */
	if ((err = users_swap(fs, c, &errs)) < 0) {
		errs_log(&errs, err, "users");
		return err;
	}
	ftp_server_configure(fs, c);
	log_info("users reloaded n=%zu", users_count(fs));
	return 0;
}

static void
ftp_stats(struct svc *sv, struct evbuffer *out)
{
	struct ftp_server *fs = sv->priv;
	const struct ftp_stats *st = &fs->st;
	struct line_stats ls;

	line_server_stats(fs->srv, &ls);
	evbuffer_add_printf(out, "connections=%llu\nsessions_current=%llu\n"
	    "refused=%llu\ncommands=%llu\nbad_commands=%llu\ntimeouts=%llu\n"
	    "tls_upgrades=%llu\n",
	    (unsigned long long)ls.accepted, (unsigned long long)ls.current,
	    (unsigned long long)ls.refused, (unsigned long long)ls.commands,
	    (unsigned long long)ls.bad_commands,
	    (unsigned long long)ls.timeouts,
	    (unsigned long long)ls.tls_upgrades);
	evbuffer_add_printf(out, "logins=%llu\nlogin_failures=%llu\n"
	    "login_refused=%llu\nfiles_sent=%llu\nfiles_received=%llu\n"
	    "listings=%llu\nbytes_sent=%llu\nbytes_received=%llu\n"
	    "aborts=%llu\nxfer_errors=%llu\nport_refused=%llu\n"
	    "users=%zu\n",
	    (unsigned long long)st->logins,
	    (unsigned long long)st->login_failures,
	    (unsigned long long)st->login_refused,
	    (unsigned long long)st->files_sent,
	    (unsigned long long)st->files_received,
	    (unsigned long long)st->listings,
	    (unsigned long long)st->bytes_sent,
	    (unsigned long long)st->bytes_received,
	    (unsigned long long)st->aborts,
	    (unsigned long long)st->xfer_errors,
	    (unsigned long long)st->port_refused,
	    users_count(fs));
}

static int
cmd_sessions(void *arg, const char *args, struct evbuffer *out)
{
	struct svc *sv = arg;

	(void)args;
	ftp_server_sessions(sv->priv, out);
	return 0;
}

static const struct ctl_cmd ftp_cmds[] = {
	{ "sessions", "sessions  one line per session: address, user, "
	    "state, since", cmd_sessions },
	{ 0 },
};

static bool
ftp_is_idle(struct svc *sv)
{
	struct ftp_server *fs = sv->priv;
	struct line_stats st;

	line_server_stats(fs->srv, &st);
	return st.current == 0;
}

static void
ftp_stop(struct svc *sv)
{
	struct ftp_server *fs = sv->priv;

	/* Sessions get 421 and close once it is flushed; transfers still
	 * running end with them (stop_timeout bounds the wait). */
	line_server_shutdown(fs->srv, false);
	svc_stop_when(sv, ftp_is_idle);
}

static void
ftp_free(struct svc *sv)
{
	struct ftp_server *fs = sv->priv;

	if (fs == NULL)
		return;
	line_server_free(&fs->srv);
	ftp_authq_free(&fs->authq);
	ftp_users_unref(&fs->users);
	free(fs->login);
	free(fs);
	sv->priv = NULL;
}

static int
ftp_start(struct svc *sv)
{
	struct ftp_server *fs = sv->priv;
	const struct ftp_conf *c = sv->conf;
	int err;

	sv->reload = ftp_reload;
	sv->stats = ftp_stats;
	sv->stop = ftp_stop;
	sv->free = ftp_free;
	sv->cmds = ftp_cmds;
	fs->data_env.base = sv->base;
	if ((fs->authq = ftp_authq_new(sv->base, &err)) == NULL)
		return err;
	fs->data_env.tls = sv->tls;
	ftp_server_configure(fs, c);
	if (c->tls && sv->tls == NULL)
		log_warn("tls = yes but no TLS context: AUTH TLS is off");
	if (c->anonymous && access(c->anonymous_root, X_OK) < 0)
		log_warn("anonymous_root %s: %s: anonymous logins will fail",
		    c->anonymous_root, strerror(errno));
	fs->srv = line_server_new(sv->base, &ftp_proto, &fs->limits, sv->tls,
	    fs);
	if (fs->srv == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < sv->n_socks; i++) {
		if ((err = line_server_listen(fs->srv, sv->socks[i].fd,
		    false)) < 0)
			return err;
		sv->socks[i].fd = -1;	/* taken by the line server */
	}
	log_info("users=%zu anonymous=%s tls=%s pasv_ports=%u-%u",
	    users_count(fs),
	    c->anonymous ? "yes" : "no", c->tls && sv->tls ? "yes" : "no",
	    (unsigned)c->pasv_ports.lo, (unsigned)c->pasv_ports.hi);
	return 0;
}

const struct svc_def ftp_svc = {
	.name = "ftp",
	.summary = "FTP server (RFC 959): virtual users, passive and active, "
	    "AUTH TLS",
	.sec = &ftp_section,
	.listens = ftp_listens,
	.uses_tls = true,
	.start = ftp_start,
	.open_privileged = ftp_open_privileged,
	.issue = "#6",
	.verify = ftp_verify,
	.try_hint = "curl ftp://{host}:{port}/   or   inetkit ftp "
	    "{host}:{port}",
};
