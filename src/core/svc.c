/* core/svc.c - the runtime every service process shares: the [inetkit]
 * section, config loading with cross-service checks, binding listeners,
 * the data dir, the TLS context, and svc_run(): privileges, event loop,
 * control socket with "stats" and "reload", SIGHUP reload and graceful
 * SIGTERM stop. Services themselves are listed in src/cli/services.c. */
#include "core/svc.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "core/err.h"
#include "core/fs.h"
#include "core/proc.h"
#include "core/tls.h"

#define OFF(f)	offsetof(struct global_conf, f)
static const struct cfg_key global_keys[] = {
	{ "data_dir", CFG_PATH, OFF(data_dir), "./var", 0, 0,
	    "state: leases, queue, mail, control sockets (run/)" },
	{ "user", CFG_STR, OFF(user), "", 0, 64,
	    "when started as root, services drop to this user" },
	{ "log_level", CFG_LEVEL, OFF(log_level), "info", 0, 0,
	    "debug, info, warn or error" },
	{ "tls_cert", CFG_PATH, OFF(tls_cert), "", 0, 0,
	    "PEM certificate chain; empty: a dev cert under data_dir/tls" },
	{ "tls_key", CFG_PATH, OFF(tls_key), "", 0, 0, "PEM private key" },
	{ "stop_timeout", CFG_DURATION, OFF(stop_timeout_ms), "5s", 100,
	    60000, "graceful stop before children are killed" },
	{ 0 },
};
#undef OFF

static int
global_check(void *obj, const char *name, struct cfg_errs *e,
    const char *file, int line)
{
	struct global_conf *g = obj;

	(void)name;
	if ((g->tls_cert[0] == '\0') != (g->tls_key[0] == '\0')) {
		cfg_errf(e, file, line,
		    "[inetkit] tls_cert and tls_key go together");
		return -IK_ECONFIG;
	}
	if (g->data_dir[0] == '\0') {
		cfg_errf(e, file, line, "[inetkit] data_dir is empty");
		return -IK_ECONFIG;
	}
	return 0;
}

const struct cfg_section svc_global_section = {
	"inetkit", 0, sizeof(struct global_conf), global_keys, global_check,
};

const struct svc_def *
svc_find(const char *name)
{
	const struct svc_def *const *r = svc_registry();

	size_t len = strlen(name);

	for (size_t i = 0; r[i] != NULL; i++)
		if (strcmp(r[i]->name, name) == 0)
			return r[i];
	/* The daemon names people know: "dnsd" and "dhcpd" name dns and
	 * dhcp. */
	for (size_t i = 0; len > 1 && name[len - 1] == 'd' &&
	    r[i] != NULL; i++)
		if (strlen(r[i]->name) == len - 1 &&
		    strncmp(r[i]->name, name, len - 1) == 0)
			return r[i];
	return NULL;
}

const struct cfg_section *const *
svc_schema(void)
{
	/* Built once from the registry; immutable afterwards. */
	static const struct cfg_section *schema[64];

	if (schema[0] != NULL)
		return schema;
	size_t n = 0;
	schema[n++] = &svc_global_section;
	const struct svc_def *const *r = svc_registry();
	for (size_t i = 0; r[i] != NULL; i++) {
		schema[n++] = r[i]->sec;
		for (size_t j = 0; r[i]->extra && r[i]->extra[j]; j++) {
			bool dup = false;
			for (size_t k = 0; k < n; k++)
				dup |= schema[k] == r[i]->extra[j];
			if (!dup)
				schema[n++] = r[i]->extra[j];
		}
	}
	schema[n] = NULL;
	return schema;
}

static const struct cfg_item *
single_item(const struct cfg *c, const struct cfg_section *sec)
{
	for (size_t i = 0; i < c->n_items; i++)
		if (c->items[i].sec == sec)
			return &c->items[i];
	return NULL;
}

const void *
svc_conf_of(const struct cfg *c, const struct svc_def *def)
{
	const struct cfg_item *it = single_item(c, def->sec);

	return it != NULL ? it->obj : NULL;
}

bool
svc_enabled(const struct cfg *c, const struct svc_def *def)
{
	const struct svc_conf *sc = svc_conf_of(c, def);

	return sc != NULL && sc->enabled;
}

/* Enabled services must be built, and no two listeners share an
 * address and transport. */
static void
cross_check(const struct cfg *c, struct cfg_errs *errs)
{
	const struct svc_def *const *r = svc_registry();
	struct seen {
		const struct net_addr	*a;
		int			 type;
		const char		*who;
	} seen[128];
	size_t n_seen = 0;
	char buf[NET_ADDRSTRLEN];

	for (size_t i = 0; r[i] != NULL; i++) {
		const struct svc_def *d = r[i];
		const struct cfg_item *it = single_item(c, d->sec);
		if (!svc_enabled(c, d))
			continue;
		if (d->start == NULL) {
			cfg_errf(errs, c->path, it->line, "[%s] is enabled "
			    "but the %s service is not built yet (issue %s)",
			    d->name, d->name, d->issue ? d->issue : "?");
			continue;
		}
		for (const struct svc_listen *l = d->listens; l && l->key;
		    l++) {
			const struct net_addrs *as = (const void *)
			    ((const char *)it->obj + l->off);
			for (size_t k = 0; k < as->n; k++) {
				for (size_t m = 0; m < n_seen; m++) {
					if (seen[m].type != l->socktype ||
					    !net_addr_same_ip(seen[m].a,
					    &as->v[k]) ||
					    net_addr_port(seen[m].a) !=
					    net_addr_port(&as->v[k]) ||
					    net_addr_port(&as->v[k]) == 0)
						continue;
					cfg_errf(errs, c->path, it->line,
					    "[%s] %s: %s is also used by %s",
					    d->name, l->key,
					    net_addr_format(&as->v[k], true,
					    buf, sizeof(buf)), seen[m].who);
				}
				if (n_seen < sizeof(seen) / sizeof(seen[0]))
					seen[n_seen++] = (struct seen){
					    &as->v[k], l->socktype, d->name };
			}
		}
	}
}

int
svc_config_load(const char *path, struct cfg **out, struct cfg_errs *errs)
{
	size_t before = errs->n;
	int err = cfg_load(path, svc_schema(), out, errs);

	if (err < 0)
		return err;
	cross_check(*out, errs);
	if (errs->n > before) {
		cfg_free(out);
		return -IK_ECONFIG;
	}
	return 0;
}

unsigned
svc_listen_count(const struct svc_listen *l, const void *sc)
{
	if (l->count_off == 0)
		return 1;
	int n = *(const int *)((const char *)sc + l->count_off);
	if (n <= 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		n = cpus > 0 ? (int)cpus : 1;
	}
	return (unsigned)n;
}

int
svc_socks_open(const struct cfg *c, const struct svc_def *def,
    struct svc_sock **socks, size_t *n)
{
	const struct svc_conf *sc = svc_conf_of(c, def);
	char buf[NET_ADDRSTRLEN];
	int err = 0;

	*socks = NULL;
	*n = 0;
	for (const struct svc_listen *l = def->listens; l && l->key; l++) {
		const struct net_addrs *as = (const void *)
		    ((const char *)sc + l->off);
		unsigned copies = svc_listen_count(l, sc);
		unsigned flags = l->count_off ? NET_REUSEPORT : 0;
		for (size_t i = 0; i < as->n * copies; i++) {
			const struct net_addr *a = &as->v[i / copies];
			struct svc_sock *v = realloc(*socks,
			    (*n + 1) * sizeof(*v));
			if (v == NULL) {
				err = -ENOMEM;
				goto fail;
			}
			*socks = v;
			int fd = l->socktype == SOCK_DGRAM ?
			    net_listen_udp(a, flags) :
			    net_listen_tcp(a, 512, flags);
			if (fd < 0) {
				err = fd;
				log_err("%s: cannot listen on %s (%s): %s",
				    def->name, net_addr_format(a,
				    true, buf, sizeof(buf)),
				    l->socktype == SOCK_DGRAM ? "udp" : "tcp",
				    ik_strerror(err));
				goto fail;
			}
			struct svc_sock *s = &(*socks)[(*n)++];
			s->spec = l;
			s->fd = fd;
			if (net_sock_name(fd, &s->addr) < 0)
				s->addr = *a;
		}
	}
	return 0;
fail:
	svc_socks_close(socks, n);
	return err;
}

void
svc_socks_close(struct svc_sock **socks, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		if ((*socks)[i].fd >= 0)
			close((*socks)[i].fd);
	free(*socks);
	*socks = NULL;
	*n = 0;
}

static int
dir_for_user(const char *path, mode_t mode, const struct global_conf *g)
{
	uid_t uid;
	gid_t gid;
	int err = fs_mkdir_p(path, mode);

	if (err < 0)
		return err;
	if (!proc_is_root() || g->user[0] == '\0')
		return 0;
	if ((err = proc_user_lookup(g->user, &uid, &gid)) < 0)
		return err;
	if (chown(path, uid, gid) < 0)
		return -errno;
	return 0;
}

int
svc_data_dir_prepare(const struct global_conf *g)
{
	char run[4096];
	int err;

	if ((err = dir_for_user(g->data_dir, 0755, g)) < 0)
		return err;
	if (snprintf(run, sizeof(run), "%s/run", g->data_dir) >=
	    (int)sizeof(run))
		return -IK_ETRUNC;
	return dir_for_user(run, 0755, g);
}

SSL_CTX *
svc_tls_ctx(const struct global_conf *g)
{
	char cert[4096], key[4096], dir[4096], err[512];
	const char *c = g->tls_cert, *k = g->tls_key;

	if (c[0] == '\0') {
		snprintf(dir, sizeof(dir), "%s/tls", g->data_dir);
		int r = tls_dev_cert_ensure(dir, cert, key, sizeof(cert));
		if (r < 0) {
			log_err("tls: cannot make a dev certificate in %s: %s",
			    dir, ik_strerror(r));
			return NULL;
		}
		c = cert;
		k = key;
	}
	SSL_CTX *ctx = tls_server_ctx_new(c, k, err, sizeof(err));
	if (ctx == NULL)
		log_err("tls: %s", err);
	return ctx;
}

int
svc_ctl_path(const struct global_conf *g, const char *name, char *buf,
    size_t cap)
{
	int n = snprintf(buf, cap, "%s/run/%s.sock", g->data_dir, name);

	return n < 0 || (size_t)n >= cap ? -IK_ETRUNC : 0;
}

/* ---- the service process ---- */

static int
cmd_stats(void *arg, const char *args, struct evbuffer *out)
{
	struct svc *sv = arg;

	(void)args;
	evbuffer_add_printf(out, "service=%s\npid=%ld\nuptime_s=%lld\n",
	    sv->def->name, (long)getpid(),
	    (long long)(time(NULL) - sv->started));
	/* A service with counters of its own prints them all; the generic
	 * ones are for services that have nothing more to say. */
	if (sv->stats != NULL)
		sv->stats(sv, out);
	else
		svc_stats_print(sv, out);
	return 0;
}

void
svc_stats_print(const struct svc *sv, struct evbuffer *out)
{
	evbuffer_add_printf(out, "connections=%llu\nrequests=%llu\n"
	    "errors=%llu\n", (unsigned long long)sv->st.connections,
	    (unsigned long long)sv->st.requests,
	    (unsigned long long)sv->st.errors);
}

/* Loads the config file again and hands it to the service. The old
 * config stays in force when anything fails. */
static int
svc_reload(struct svc *sv, struct evbuffer *out)
{
	struct cfg_errs errs = { 0 };
	struct cfg *nc = NULL;
	int err = svc_config_load(sv->cfg_path, &nc, &errs);

	if (err < 0) {
		for (size_t i = 0; i < errs.n; i++) {
			log_err("reload: %s", errs.msg[i]);
			if (out != NULL)
				evbuffer_add_printf(out, "error: %s\n",
				    errs.msg[i]);
		}
		if (errs.n == 0) {
			log_err("reload: %s", ik_strerror(err));
			if (out != NULL)
				evbuffer_add_printf(out, "error: %s\n",
				    ik_strerror(err));
		}
		cfg_errs_clear(&errs);
		return err;
	}
	if (sv->reload != NULL && (err = sv->reload(sv, nc)) < 0) {
		log_err("reload: refused by the service: %s",
		    ik_strerror(err));
		if (out != NULL)
			evbuffer_add_printf(out, "error: reload refused: %s\n",
			    ik_strerror(err));
		cfg_free(&nc);
		return err;
	}
	/* The first config belongs to whoever prepared us; later ones are
	 * ours to free. */
	struct cfg *old = sv->owned_cfg;
	sv->cfg = sv->owned_cfg = nc;
	sv->global = cfg_get(nc, "inetkit");
	sv->conf = svc_conf_of(nc, sv->def);
	log_set_level(sv->global->log_level);
	cfg_free(&old);
	log_info("reloaded config=%s", sv->cfg_path);
	if (out != NULL)
		evbuffer_add_printf(out, "reloaded\n");
	return 0;
}

static int
cmd_reload(void *arg, const char *args, struct evbuffer *out)
{
	(void)args;
	return svc_reload(arg, out);
}

static const struct ctl_cmd builtin_cmds[] = {
	{ "stats", "stats  uptime, connections and counters", cmd_stats },
	{ "reload", "reload  reread the config file", cmd_reload },
	{ 0 },
};

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct svc *sv = arg;

	log_warn("stop: sessions still open after %llums, closing",
	    (unsigned long long)sv->global->stop_timeout_ms);
	event_base_loopbreak(sv->base);
}

static void
on_term(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	struct svc *sv = arg;

	if (sv->is_stopping) {
		/* A second signal: stop at once. */
		event_base_loopbreak(sv->base);
		return;
	}
	sv->is_stopping = true;
	log_info("stop signal=%d", (int)sig);
	ctl_server_free(&sv->ctl);
	struct timeval tv = {
		(time_t)(sv->global->stop_timeout_ms / 1000),
		(suseconds_t)(sv->global->stop_timeout_ms % 1000) * 1000,
	};
	sv->ev_deadline = evtimer_new(sv->base, on_deadline, sv);
	if (sv->ev_deadline != NULL)
		evtimer_add(sv->ev_deadline, &tv);
	if (sv->stop != NULL)
		sv->stop(sv);
	else
		svc_stopped(sv);
}

static void
on_hup(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	(void)svc_reload(arg, NULL);
}

void
svc_stopped(struct svc *sv)
{
	event_base_loopexit(sv->base, NULL);
}

static void
on_idle_poll(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct svc *sv = arg;
	struct timeval tv = { 0, 50000 };

	if (sv->is_idle(sv))
		svc_stopped(sv);
	else
		evtimer_add(sv->ev_idle_poll, &tv);
}

void
svc_stop_when(struct svc *sv, bool (*is_idle)(struct svc *sv))
{
	sv->is_idle = is_idle;
	if (sv->ev_idle_poll == NULL &&
	    (sv->ev_idle_poll = evtimer_new(sv->base, on_idle_poll, sv)) ==
	    NULL) {
		svc_stopped(sv);
		return;
	}
	on_idle_poll(-1, 0, sv);
}

/* Joins the built-in commands and the service's into one table. */
static struct ctl_cmd *
merge_cmds(const struct ctl_cmd *extra)
{
	size_t n = 0, m = 0;

	while (builtin_cmds[n].name != NULL)
		n++;
	while (extra != NULL && extra[m].name != NULL)
		m++;
	struct ctl_cmd *v = calloc(n + m + 1, sizeof(*v));
	if (v == NULL)
		return NULL;
	memcpy(v, builtin_cmds, n * sizeof(*v));
	if (m > 0)
		memcpy(v + n, extra, m * sizeof(*v));
	return v;
}

int
svc_run(const struct svc_def *def, const struct svc_prep *prep)
{
	struct svc sv = { 0 };
	struct ctl_cmd *cmds = NULL;
	char path[4096];
	sigset_t stop_sigs;
	int err, status = 1;

	sv.def = def;
	sv.cfg = prep->cfg;
	sv.cfg_path = prep->cfg_path;
	sv.global = cfg_get(prep->cfg, "inetkit");
	sv.conf = svc_conf_of(prep->cfg, def);
	sv.socks = prep->socks;
	sv.n_socks = prep->n_socks;
	sv.tls = prep->tls;
	sv.started = time(NULL);
	log_init(def->name, sv.global->log_level);
	signal(SIGPIPE, SIG_IGN);

	if (def->open_privileged != NULL &&
	    (err = def->open_privileged(&sv)) < 0) {
		log_err("cannot open privileged resources: %s",
		    ik_strerror(err));
		if (sv.free != NULL)
			sv.free(&sv);
		return 1;
	}
	if (proc_is_root()) {
		if (sv.global->user[0] == '\0') {
			log_warn("running as root: set [inetkit] user to "
			    "drop privileges");
		} else if ((err = proc_drop_privs(sv.global->user)) < 0) {
			log_err("cannot drop privileges to user=%s: %s",
			    sv.global->user, ik_strerror(err));
			if (sv.free != NULL)
				sv.free(&sv);
			return 1;
		}
	}
	if ((sv.base = event_base_new()) == NULL) {
		log_err("cannot create the event loop");
		return 1;
	}
	sv.ev_term = evsignal_new(sv.base, SIGTERM, on_term, &sv);
	sv.ev_int = evsignal_new(sv.base, SIGINT, on_term, &sv);
	sv.ev_hup = evsignal_new(sv.base, SIGHUP, on_hup, &sv);
	if (sv.ev_term == NULL || sv.ev_int == NULL || sv.ev_hup == NULL ||
	    evsignal_add(sv.ev_term, NULL) < 0 ||
	    evsignal_add(sv.ev_int, NULL) < 0 ||
	    evsignal_add(sv.ev_hup, NULL) < 0) {
		log_err("cannot set up signal handling");
		goto out;
	}
	if ((err = def->start(&sv)) < 0) {
		log_err("cannot start: %s", ik_strerror(err));
		goto out;
	}
	if ((cmds = merge_cmds(sv.cmds)) == NULL)
		goto out;
	if ((err = svc_ctl_path(sv.global, def->name, path, sizeof(path))) < 0
	    || (sv.ctl = ctl_server_new(sv.base, path, cmds, &sv, &err)) ==
	    NULL) {
		log_err("cannot open control socket %s: %s", path,
		    ik_strerror(err));
		goto out;
	}
	log_info("ready pid=%ld ctl=%s", (long)getpid(), path);
	if (event_base_dispatch(sv.base) < 0)
		log_err("event loop failed");
	else
		status = 0;
	log_info("stopped");
out:
	/* Leaving anyway: a late SIGTERM from the supervisor (after a
	 * Ctrl-C reached the whole group) must not kill the cleanup, even
	 * once freeing the signal events restores the default action. */
	sigemptyset(&stop_sigs);
	sigaddset(&stop_sigs, SIGTERM);
	sigaddset(&stop_sigs, SIGINT);
	sigprocmask(SIG_BLOCK, &stop_sigs, NULL);
	if (sv.free != NULL)
		sv.free(&sv);
	ctl_server_free(&sv.ctl);
	free(cmds);
	if (sv.ev_deadline != NULL)
		event_free(sv.ev_deadline);
	if (sv.ev_idle_poll != NULL)
		event_free(sv.ev_idle_poll);
	if (sv.ev_term != NULL)
		event_free(sv.ev_term);
	if (sv.ev_int != NULL)
		event_free(sv.ev_int);
	if (sv.ev_hup != NULL)
		event_free(sv.ev_hup);
	event_base_free(sv.base);
	cfg_free(&sv.owned_cfg);
	return status;
}

void
svc_log_errs(struct cfg_errs *errs)
{
	for (size_t i = 0; i < errs->n; i++)
		log_err("%s", errs->msg[i]);
	cfg_errs_clear(errs);
}
