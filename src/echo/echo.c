/* echo/echo.c - RFC 862 echo over TCP on core line sessions: every line
 * comes back as sent (CRLF-terminated). Not a byte-exact echo: lines are
 * capped at max_line, and an overlong one gets an error line instead.
 * Entry point: echo_svc (registered in src/cli/services.c). */
#include "echo/echo.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/buffer.h>

#include "core/err.h"
#include "core/line.h"

struct echo_conf {
	struct svc_conf		 base;
	struct net_addrs	 listen;
	int			 max_clients;
	int			 max_per_ip;
	uint64_t		 idle_ms;
	uint64_t		 max_line;
};

#define OFF(f)	offsetof(struct echo_conf, f)
static const struct cfg_key echo_keys[] = {
	{ "enabled", CFG_BOOL, OFF(base.enabled), "no", 0, 0,
	    "run this service" },
	{ "listen", CFG_ADDRPORTS, OFF(listen), "127.0.0.1:7007", 7, 0,
	    "addresses to listen on (TCP)" },
	{ "max_clients", CFG_INT, OFF(max_clients), "256", 1, 100000,
	    "sessions at once" },
	{ "max_per_ip", CFG_INT, OFF(max_per_ip), "16", 1, 100000,
	    "sessions at once from one address" },
	{ "idle_timeout", CFG_DURATION, OFF(idle_ms), "60s", 1000, 86400000,
	    "close a silent session after this" },
	{ "max_line", CFG_SIZE, OFF(max_line), "1K", 16, 65536,
	    "longest line echoed" },
	{ 0 },
};
#undef OFF

static const struct cfg_section echo_section = {
	"echo", 0, sizeof(struct echo_conf), echo_keys, NULL,
};

static const struct svc_listen echo_listens[] = {
	{ .key = "listen", .off = offsetof(struct echo_conf, listen),
	    .socktype = SOCK_STREAM },
	{ 0 },
};

struct echo_state {
	struct line_server	*srv;
	struct line_limits	 limits;
	struct svc		*sv;
};

static struct line_sess *
sess_new(void *ctx)
{
	(void)ctx;
	return calloc(1, sizeof(struct line_sess));
}

static void
sess_free(struct line_sess *ls)
{
	free(ls);
}

static enum line_act
echo_line(struct line_sess *ls, char *line, size_t len, unsigned flags)
{
	struct svc *sv = line_server_ctx(ls->srv);

	if (flags & LINE_F_TOO_LONG) {
		sv->st.errors++;
		line_reply(ls, "error: line too long");
		return LINE_OK;
	}
	sv->st.requests++;
	line_write(ls, line, len);
	line_write(ls, "\r\n", 2);
	return LINE_OK;
}

static enum line_act
echo_greet(struct line_sess *ls)
{
	struct svc *sv = line_server_ctx(ls->srv);

	/* Counted here: refused connections never get a greeting. */
	sv->st.connections++;
	/* No greeting (RFC 862); every line bypasses the command table. */
	ls->raw_line = echo_line;
	return LINE_OK;
}

static void
echo_error(struct line_sess *ls, enum line_error err,
    const struct line_cmd *cmd)
{
	static const char *const why[] = {
		[LINE_ERR_TOO_LONG] = "line too long",
		[LINE_ERR_TIMEOUT] = "idle timeout",
		[LINE_ERR_FULL] = "too many clients",
		[LINE_ERR_FULL_IP] = "too many clients from your address",
		[LINE_ERR_SHUTDOWN] = "shutting down",
	};
	const char *w = (size_t)err < sizeof(why) / sizeof(why[0]) &&
	    why[err] != NULL ? why[err] : "bad input";

	(void)cmd;
	line_reply(ls, "error: %s", w);
}

static const struct line_cmd echo_cmds[] = {
	{ 0 },
};

static const struct line_proto echo_proto = {
	.name = "echo",
	.cmds = echo_cmds,
	.allow_bare_lf = true,
	.sess_new = sess_new,
	.sess_free = sess_free,
	.greet = echo_greet,
	.error = echo_error,
};

static void
limits_from(struct line_limits *l, const struct echo_conf *c)
{
	l->max_line = (size_t)c->max_line;
	l->idle_ms = c->idle_ms;
	l->max_clients = (unsigned)c->max_clients;
	l->max_per_ip = (unsigned)c->max_per_ip;
	l->max_bad = 0;
	l->max_output = 256 * 1024;
}

static int
echo_reload(struct svc *sv, const struct cfg *nc)
{
	struct echo_state *es = sv->priv;

	limits_from(&es->limits, svc_conf_of(nc, &echo_svc));
	return 0;
}

static void
echo_stats(struct svc *sv, struct evbuffer *out)
{
	struct echo_state *es = sv->priv;
	struct line_stats ls;

	line_server_stats(es->srv, &ls);
	svc_stats_print(sv, out);
	evbuffer_add_printf(out, "sessions_current=%llu\nrefused=%llu\n"
	    "timeouts=%llu\nbytes_in=%llu\nbytes_out=%llu\n",
	    (unsigned long long)ls.current, (unsigned long long)ls.refused,
	    (unsigned long long)ls.timeouts, (unsigned long long)ls.bytes_in,
	    (unsigned long long)ls.bytes_out);
}

static bool
echo_is_idle(struct svc *sv)
{
	struct echo_state *es = sv->priv;
	struct line_stats st;

	line_server_stats(es->srv, &st);
	return st.current == 0;
}

static void
echo_stop(struct svc *sv)
{
	struct echo_state *es = sv->priv;

	/* Sessions get a last line, flush it, and close. */
	line_server_shutdown(es->srv, false);
	svc_stop_when(sv, echo_is_idle);
}

static void
echo_free(struct svc *sv)
{
	struct echo_state *es = sv->priv;

	if (es == NULL)
		return;
	line_server_free(&es->srv);
	free(es);
	sv->priv = NULL;
}

static int
echo_start(struct svc *sv)
{
	struct echo_state *es = calloc(1, sizeof(*es));
	int err;

	if (es == NULL)
		return -ENOMEM;
	sv->priv = es;
	sv->reload = echo_reload;
	sv->stats = echo_stats;
	sv->stop = echo_stop;
	sv->free = echo_free;
	es->sv = sv;
	limits_from(&es->limits, sv->conf);
	es->srv = line_server_new(sv->base, &echo_proto, &es->limits, NULL,
	    sv);
	if (es->srv == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < sv->n_socks; i++) {
		if ((err = line_server_listen(es->srv, sv->socks[i].fd,
		    false)) < 0)
			return err;
		sv->socks[i].fd = -1;	/* taken by the line server */
	}
	return 0;
}

const struct svc_def echo_svc = {
	.name = "echo",
	.summary = "RFC 862 echo over TCP, line by line (diagnostic)",
	.sec = &echo_section,
	.listens = echo_listens,
	.start = echo_start,
	.try_hint = "printf 'hello\\r\\n' | nc -q1 {host} {port}",
};
