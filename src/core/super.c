/* core/super.c - "inetkit up": the supervisor. It never reads a peer
 * byte: it binds, forks, watches and signals. Each child runs svc_run()
 * on sockets bound here, so restarts keep the same listeners. */
#include "core/super.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "core/err.h"
#include "core/proc.h"
#include "core/svc.h"

#define BACKOFF_FIRST_MS	500
#define BACKOFF_MAX_MS		30000
#define STABLE_AFTER_S		10	/* a child up this long resets backoff */

struct child {
	const struct svc_def	*def;
	struct svc_sock		*socks;
	size_t			 n_socks;
	pid_t			 pid;		/* 0: not running */
	time_t			 started;
	unsigned		 backoff_ms;
	unsigned		 restarts;
	struct event		*ev_restart;
	struct super		*sup;
};

struct super {
	struct event_base	*base;
	struct cfg		*cfg;		/* latest good config */
	const char		*path;
	SSL_CTX			*tls;
	struct child		 kids[32];
	size_t			 n_kids;
	bool			 is_stopping;
	struct event		*ev_deadline;
	struct event		*ev_sig[4];
};

static void child_start(struct child *k);

/* In a new child: drop the supervisor's events and loop, so the child's
 * own loop is the only one holding signals. The epoll instance is shared
 * with the parent across fork, so the loop first gets its own (reinit);
 * freeing events on the shared one would unregister the parent's fds. */
static void
super_forget(struct super *sup)
{
	if (event_reinit(sup->base) < 0)
		log_warn("event_reinit failed in child");
	for (size_t i = 0; i < 4; i++)
		if (sup->ev_sig[i] != NULL)
			event_free(sup->ev_sig[i]);
	for (size_t i = 0; i < sup->n_kids; i++)
		if (sup->kids[i].ev_restart != NULL)
			event_free(sup->kids[i].ev_restart);
	if (sup->ev_deadline != NULL)
		event_free(sup->ev_deadline);
	event_base_free(sup->base);
	memset(sup->ev_sig, 0, sizeof(sup->ev_sig));
	for (size_t i = 0; i < sup->n_kids; i++)
		sup->kids[i].ev_restart = NULL;
	sup->ev_deadline = NULL;
	sup->base = NULL;
}

static void
close_other_socks(struct super *sup, const struct child *keep)
{
	for (size_t i = 0; i < sup->n_kids; i++) {
		if (&sup->kids[i] == keep)
			continue;
		for (size_t j = 0; j < sup->kids[i].n_socks; j++)
			close(sup->kids[i].socks[j].fd);
	}
}

static void
child_start(struct child *k)
{
	struct super *sup = k->sup;
	pid_t pid = fork();

	if (pid < 0) {
		log_err("fork service=%s: %s", k->def->name, strerror(errno));
		return;
	}
	if (pid == 0) {
		struct svc_prep prep = {
			.cfg = sup->cfg,
			.cfg_path = sup->path,
			.socks = k->socks,
			.n_socks = k->n_socks,
			.tls = k->def->uses_tls ? sup->tls : NULL,
		};
		super_forget(sup);
		proc_reset_signals();
		close_other_socks(sup, k);
		exit(svc_run(k->def, &prep));
	}
	k->pid = pid;
	k->started = time(NULL);
	log_info("child started service=%s pid=%ld", k->def->name,
	    (long)pid);
}

static void
on_restart(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct child *k = arg;

	if (!k->sup->is_stopping && k->pid == 0)
		child_start(k);
}

static bool
all_exited(const struct super *sup)
{
	for (size_t i = 0; i < sup->n_kids; i++)
		if (sup->kids[i].pid != 0)
			return false;
	return true;
}

static void
child_exited(struct super *sup, struct child *k, int status)
{
	char how[64];

	if (WIFEXITED(status))
		snprintf(how, sizeof(how), "status=%d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(how, sizeof(how), "signal=%d", WTERMSIG(status));
	else
		snprintf(how, sizeof(how), "wait=%#x", status);
	k->pid = 0;
	if (sup->is_stopping) {
		log_info("child stopped service=%s %s", k->def->name, how);
		return;
	}
	if (time(NULL) - k->started >= STABLE_AFTER_S)
		k->backoff_ms = BACKOFF_FIRST_MS;
	struct timeval tv = { k->backoff_ms / 1000,
	    (suseconds_t)(k->backoff_ms % 1000) * 1000 };
	k->restarts++;
	log_warn("child died service=%s %s restart_in_ms=%u restarts=%u",
	    k->def->name, how, k->backoff_ms, k->restarts);
	evtimer_add(k->ev_restart, &tv);
	k->backoff_ms = k->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS :
	    k->backoff_ms * 2;
}

static void
on_chld(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	struct super *sup = arg;
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (size_t i = 0; i < sup->n_kids; i++)
			if (sup->kids[i].pid == pid)
				child_exited(sup, &sup->kids[i], status);
	}
	if (sup->is_stopping && all_exited(sup))
		event_base_loopexit(sup->base, NULL);
}

static void
signal_all(struct super *sup, int sig)
{
	for (size_t i = 0; i < sup->n_kids; i++)
		if (sup->kids[i].pid != 0)
			kill(sup->kids[i].pid, sig);
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct super *sup = arg;

	for (size_t i = 0; i < sup->n_kids; i++)
		if (sup->kids[i].pid != 0)
			log_warn("child did not stop in time, killing "
			    "service=%s pid=%ld", sup->kids[i].def->name,
			    (long)sup->kids[i].pid);
	signal_all(sup, SIGKILL);
}

static void
on_term(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	struct super *sup = arg;
	const struct global_conf *g = cfg_get(sup->cfg, "inetkit");

	if (sup->is_stopping)
		return;
	sup->is_stopping = true;
	log_info("stopping signal=%d", (int)sig);
	for (size_t i = 0; i < sup->n_kids; i++)
		evtimer_del(sup->kids[i].ev_restart);
	signal_all(sup, SIGTERM);
	/* Children get stop_timeout; a little later they are killed. */
	uint64_t ms = g->stop_timeout_ms + 500;
	struct timeval tv = { (time_t)(ms / 1000),
	    (suseconds_t)(ms % 1000) * 1000 };
	sup->ev_deadline = evtimer_new(sup->base, on_deadline, sup);
	if (sup->ev_deadline != NULL)
		evtimer_add(sup->ev_deadline, &tv);
	if (all_exited(sup))
		event_base_loopexit(sup->base, NULL);
}

/* SIGHUP: check the new config here first; children reload themselves
 * only if it is good. Listeners stay as bound at start. */
static void
on_hup(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	struct super *sup = arg;
	struct cfg_errs errs = { 0 };
	struct cfg *nc = NULL;

	if (svc_config_load(sup->path, &nc, &errs) < 0) {
		for (size_t i = 0; i < errs.n; i++)
			log_err("reload refused: %s", errs.msg[i]);
		cfg_errs_clear(&errs);
		return;
	}
	for (size_t i = 0; i < sup->n_kids; i++)
		if (!svc_enabled(nc, sup->kids[i].def))
			log_warn("reload: service=%s is now disabled; it keeps "
			    "running until a restart", sup->kids[i].def->name);
	cfg_free(&sup->cfg);
	sup->cfg = nc;
	log_set_level(((const struct global_conf *)
	    cfg_get(nc, "inetkit"))->log_level);
	log_info("reload: forwarding SIGHUP to services");
	signal_all(sup, SIGHUP);
}

/* Prints `hint` with {host} and {port} replaced. */
static void
print_hint(const char *hint, const char *host, const char *port)
{
	for (const char *p = hint; *p != '\0';) {
		if (strncmp(p, "{host}", 6) == 0) {
			fputs(host, stdout);
			p += 6;
		} else if (strncmp(p, "{port}", 6) == 0) {
			fputs(port, stdout);
			p += 6;
		} else {
			putchar(*p++);
		}
	}
}

/* What a newcomer sees: each service, where it listens, how to try it. */
static void
print_banner(const struct super *sup)
{
	const struct svc_def *const *r = svc_registry();
	char addr[NET_ADDRSTRLEN], host[NET_ADDRSTRLEN], port[8];

	printf("inetkit is up: config %s, supervisor pid %ld\n", sup->path,
	    (long)getpid());
	for (size_t i = 0; i < sup->n_kids; i++) {
		const struct child *k = &sup->kids[i];
		for (size_t j = 0; j < k->n_socks; j++) {
			const struct svc_sock *s = &k->socks[j];
			/* Per-thread sockets on one address show once. */
			size_t same = 1;
			while (j + same < k->n_socks &&
			    k->socks[j + same].spec == s->spec &&
			    net_addr_same_ip(&k->socks[j + same].addr,
			    &s->addr) && net_addr_port(&k->socks[j +
			    same].addr) == net_addr_port(&s->addr))
				same++;
			printf("  %-8s %s %-22s", k->def->name,
			    s->spec->socktype == SOCK_DGRAM ? "udp" : "tcp",
			    net_addr_format(&s->addr, true, addr,
			    sizeof(addr)));
			if (j == 0 && k->def->try_hint != NULL) {
				net_addr_format(&s->addr, false, host,
				    sizeof(host));
				snprintf(port, sizeof(port), "%u",
				    net_addr_port(&s->addr));
				printf("  try: ");
				print_hint(k->def->try_hint, host, port);
			}
			printf("\n");
			j += same - 1;
		}
	}
	printf("  not enabled:");
	for (size_t i = 0; r[i] != NULL; i++) {
		if (svc_enabled(sup->cfg, r[i]))
			continue;
		if (r[i]->start == NULL)
			printf(" %s (not built yet, issue %s)", r[i]->name,
			    r[i]->issue);
		else
			printf(" %s", r[i]->name);
	}
	printf("\nControl: inetkit ctl -c %s SERVICE stats|reload|help\n"
	    "Stop: Ctrl-C or kill -TERM %ld\n", sup->path, (long)getpid());
	fflush(stdout);
}

static int
super_setup(struct super *sup)
{
	const struct global_conf *g = cfg_get(sup->cfg, "inetkit");
	const struct svc_def *const *r = svc_registry();
	bool need_tls = false;
	int err;

	if ((err = svc_data_dir_prepare(g)) < 0) {
		log_err("data_dir %s: %s", g->data_dir, ik_strerror(err));
		return err;
	}
	for (size_t i = 0; r[i] != NULL; i++) {
		if (!svc_enabled(sup->cfg, r[i]))
			continue;
		if (sup->n_kids == sizeof(sup->kids) / sizeof(sup->kids[0]))
			return -IK_ELIMIT;
		struct child *k = &sup->kids[sup->n_kids++];
		k->def = r[i];
		k->sup = sup;
		k->backoff_ms = BACKOFF_FIRST_MS;
		k->ev_restart = evtimer_new(sup->base, on_restart, k);
		if (k->ev_restart == NULL)
			return -ENOMEM;
		if ((err = svc_socks_open(sup->cfg, r[i], &k->socks,
		    &k->n_socks)) < 0)
			return err;
		need_tls |= r[i]->uses_tls;
	}
	if (need_tls && (sup->tls = svc_tls_ctx(g)) == NULL)
		return -IK_ECONFIG;
	return 0;
}

int
super_run(const char *path)
{
	struct super sup = { 0 };
	struct cfg_errs errs = { 0 };
	struct event **evs = sup.ev_sig;
	static const int sigs[4] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP };
	int status = 1;

	log_init("inetkit", LOG_LV_INFO);
	sup.path = path;
	if (svc_config_load(path, &sup.cfg, &errs) < 0) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msg[i]);
		cfg_errs_clear(&errs);
		return 2;
	}
	log_set_level(((const struct global_conf *)
	    cfg_get(sup.cfg, "inetkit"))->log_level);
	signal(SIGPIPE, SIG_IGN);
	if ((sup.base = event_base_new()) == NULL)
		goto out;
	void (*const cbs[4])(evutil_socket_t, short, void *) = {
		on_chld, on_term, on_term, on_hup,
	};
	for (size_t i = 0; i < 4; i++) {
		evs[i] = evsignal_new(sup.base, sigs[i], cbs[i], &sup);
		if (evs[i] == NULL || evsignal_add(evs[i], NULL) < 0)
			goto out;
	}
	if (super_setup(&sup) < 0)
		goto out;
	if (sup.n_kids == 0) {
		log_err("no service is enabled in %s", path);
		goto out;
	}
	for (size_t i = 0; i < sup.n_kids; i++)
		child_start(&sup.kids[i]);
	print_banner(&sup);
	event_base_dispatch(sup.base);
	status = all_exited(&sup) ? 0 : 1;
	log_info("stopped");
out:
	signal_all(&sup, SIGKILL);
	for (size_t i = 0; i < sup.n_kids; i++) {
		if (sup.kids[i].ev_restart != NULL)
			event_free(sup.kids[i].ev_restart);
		svc_socks_close(&sup.kids[i].socks, &sup.kids[i].n_socks);
	}
	for (size_t i = 0; i < 4; i++)
		if (evs[i] != NULL)
			event_free(evs[i]);
	if (sup.ev_deadline != NULL)
		event_free(sup.ev_deadline);
	if (sup.base != NULL)
		event_base_free(sup.base);
	SSL_CTX_free(sup.tls);
	cfg_free(&sup.cfg);
	return status;
}
