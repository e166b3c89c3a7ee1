/* tests/unit/core/test_line.c - the framer (every split point, the length
 * cap at -1/0/+1, NUL, bare LF, stop and go on) and line sessions over
 * loopback TCP with the event loop driven here: dispatch by state and
 * flags, pipelining, limits, LINE_WAIT, STARTTLS and implicit TLS. No
 * sleeps: every wait is a bounded number of loop passes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "core/line.h"
#include "core/log.h"
#include "core/tls.h"

/* ---- framer ---- */

#define LOG_LINES	16
#define LOG_LINE_CAP	600

struct line_log {
	int		 n;
	char		 line[LOG_LINES][LOG_LINE_CAP];
	size_t		 len[LOG_LINES];
	unsigned	 flags[LOG_LINES];
	bool		 stop;		/* ask the framer to stop after each */
};

static int
line_log_add(void *arg, char *line, size_t len, unsigned flags)
{
	struct line_log *g = arg;

	assert_true(g->n < LOG_LINES);
	assert_true(len < LOG_LINE_CAP);
	assert_int_equal(line[len], '\0');
	memcpy(g->line[g->n], line, len + 1);
	g->len[g->n] = len;
	g->flags[g->n] = flags;
	g->n++;
	return g->stop ? 1 : 0;
}

static void
test_crlf_split_at_every_byte(void **state)
{
	static const char in[] = "NOOP\r\nMAIL FROM:<a@b.test>\r\n";
	(void)state;

	for (size_t cut = 0; cut < sizeof(in); cut++) {
		struct line_framer f;
		struct line_log got = { 0 };

		assert_int_equal(line_framer_init(&f, 512), 0);
		line_framer_feed(&f, in, cut, line_log_add, &got);
		line_framer_feed(&f, in + cut, sizeof(in) - 1 - cut,
		    line_log_add, &got);
		assert_int_equal(got.n, 2);
		assert_string_equal(got.line[0], "NOOP");
		assert_string_equal(got.line[1], "MAIL FROM:<a@b.test>");
		assert_int_equal(got.flags[0] | got.flags[1], 0);
		line_framer_clear(&f);
	}
}

/* Every way to cut the input in three gives what one feed gives. */
static void
test_split_at_every_two_points(void **state)
{
	static const char in[] = "A\r\n\r\nB\rC\r\nD\nE\r\r\n\n";
	static const char *const want[] = { "A", "", "B\rC", "D", "E\r", "" };
	static const unsigned want_fl[] = { 0, 0, 0, LINE_F_BARE_LF, 0,
	    LINE_F_BARE_LF };
	const size_t len = sizeof(in) - 1;
	(void)state;

	for (size_t a = 0; a <= len; a++) {
		for (size_t b = a; b <= len; b++) {
			struct line_framer f;
			struct line_log got = { 0 };

			assert_int_equal(line_framer_init(&f, 16), 0);
			assert_int_equal(line_framer_feed(&f, in, a,
			    line_log_add, &got), a);
			assert_int_equal(line_framer_feed(&f, in + a, b - a,
			    line_log_add, &got), b - a);
			assert_int_equal(line_framer_feed(&f, in + b, len - b,
			    line_log_add, &got), len - b);
			assert_int_equal(got.n, 6);
			for (int i = 0; i < 6; i++) {
				assert_string_equal(got.line[i], want[i]);
				assert_int_equal(got.flags[i], want_fl[i]);
			}
			line_framer_clear(&f);
		}
	}
}

/* Feeds one byte at a time. */
static void
feed_bytes(struct line_framer *f, const char *in, size_t len,
    struct line_log *got)
{
	for (size_t i = 0; i < len; i++)
		assert_int_equal(line_framer_feed(f, in + i, 1, line_log_add,
		    got), 1);
}

/* Lines of max_line - 1, max_line and max_line + 1 bytes, each followed
 * by a short line that must come through. */
static void
test_overlong_limits(void **state)
{
	const size_t max = 8;
	(void)state;

	for (size_t n = max - 1; n <= max + 1; n++) {
		for (int bytewise = 0; bytewise < 2; bytewise++) {
			char in[64];
			struct line_framer f;
			struct line_log got = { 0 };

			memset(in, 'x', n);
			memcpy(in + n, "\r\nnext\r\n", 9);
			assert_int_equal(line_framer_init(&f, max), 0);
			if (bytewise)
				feed_bytes(&f, in, strlen(in), &got);
			else
				line_framer_feed(&f, in, strlen(in),
				    line_log_add, &got);
			assert_int_equal(got.n, 2);
			if (n <= max) {
				assert_int_equal(got.len[0], n);
				assert_int_equal(got.flags[0], 0);
			} else {
				/* Reported once, with its head. */
				assert_int_equal(got.len[0], max);
				assert_int_equal(got.flags[0],
				    LINE_F_TOO_LONG);
				assert_memory_equal(got.line[0], "xxxxxxxx",
				    max);
			}
			assert_string_equal(got.line[1], "next");
			assert_int_equal(got.flags[1], 0);
			line_framer_clear(&f);
		}
	}
}

static void
test_overlong_huge_and_cr_edges(void **state)
{
	struct line_framer f;
	struct line_log got = { 0 };
	char big[10000];
	(void)state;

	assert_int_equal(line_framer_init(&f, 8), 0);
	/* 10,000 bytes in three feeds, bare LF at the end: one report. */
	memset(big, 'y', sizeof(big));
	line_framer_feed(&f, big, 3000, line_log_add, &got);
	line_framer_feed(&f, big, 3000, line_log_add, &got);
	line_framer_feed(&f, big, 4000, line_log_add, &got);
	line_framer_feed(&f, "\nok\r\n", 5, line_log_add, &got);
	assert_int_equal(got.n, 2);
	assert_int_equal(got.flags[0], LINE_F_TOO_LONG);
	assert_string_equal(got.line[1], "ok");

	/* Exactly max_line bytes, then CR at the end of one feed and LF at
	 * the start of the next: fits. */
	got.n = 0;
	line_framer_feed(&f, "12345678\r", 9, line_log_add, &got);
	assert_int_equal(got.n, 0);
	line_framer_feed(&f, "\n", 1, line_log_add, &got);
	assert_int_equal(got.n, 1);
	assert_string_equal(got.line[0], "12345678");
	assert_int_equal(got.flags[0], 0);

	/* The held-back CR turns out to be data and is one byte too many. */
	got.n = 0;
	line_framer_feed(&f, "12345678\r", 9, line_log_add, &got);
	line_framer_feed(&f, "Z\r\nnext\r\n", 9, line_log_add, &got);
	assert_int_equal(got.n, 2);
	assert_int_equal(got.flags[0], LINE_F_TOO_LONG);
	assert_string_equal(got.line[0], "12345678");
	assert_string_equal(got.line[1], "next");
	line_framer_clear(&f);

	/* max_line 0: only empty lines fit. */
	assert_int_equal(line_framer_init(&f, 0), 0);
	got.n = 0;
	line_framer_feed(&f, "\r\nx\r\n\r\n", 7, line_log_add, &got);
	assert_int_equal(got.n, 3);
	assert_int_equal(got.flags[0], 0);
	assert_int_equal(got.flags[1], LINE_F_TOO_LONG);
	assert_int_equal(got.len[1], 0);
	assert_int_equal(got.flags[2], 0);
	line_framer_clear(&f);
}

static void
test_nul_and_8bit(void **state)
{
	static const char in[] = "AB\0CD\r\n\xff\xfe\x80\r\n";
	struct line_framer f;
	struct line_log got = { 0 };
	(void)state;

	assert_int_equal(line_framer_init(&f, 64), 0);
	line_framer_feed(&f, in, sizeof(in) - 1, line_log_add, &got);
	assert_int_equal(got.n, 2);
	assert_int_equal(got.len[0], 5);
	assert_int_equal(got.flags[0], LINE_F_NUL);
	assert_memory_equal(got.line[0], "AB\0CD", 5);
	/* 8-bit bytes are data. */
	assert_int_equal(got.flags[1], 0);
	assert_string_equal(got.line[1], "\xff\xfe\x80");
	line_framer_clear(&f);
}

static void
test_bare_lf_and_lone_cr(void **state)
{
	static const char in[] = "A\nB\r\nC\rD\r\n\r\r\n\n";
	struct line_framer f;
	struct line_log got = { 0 };
	(void)state;

	assert_int_equal(line_framer_init(&f, 64), 0);
	line_framer_feed(&f, in, sizeof(in) - 1, line_log_add, &got);
	assert_int_equal(got.n, 5);
	assert_string_equal(got.line[0], "A");
	assert_int_equal(got.flags[0], LINE_F_BARE_LF);
	assert_string_equal(got.line[1], "B");
	assert_int_equal(got.flags[1], 0);
	assert_string_equal(got.line[2], "C\rD");
	assert_int_equal(got.flags[2], 0);
	assert_string_equal(got.line[3], "\r");
	assert_int_equal(got.flags[3], 0);
	assert_string_equal(got.line[4], "");
	assert_int_equal(got.flags[4], LINE_F_BARE_LF);
	line_framer_clear(&f);
}

/* A callback that stops the feed gets the rest on the next feed. */
static void
test_stop_and_go_on(void **state)
{
	static const char in[] = "A\r\nBB\r\nCCC\r\npart";
	struct line_framer f;
	struct line_log got = { .stop = true };
	size_t off = 0, len = sizeof(in) - 1;
	(void)state;

	assert_int_equal(line_framer_init(&f, 64), 0);
	off += line_framer_feed(&f, in + off, len - off, line_log_add, &got);
	assert_int_equal(off, 3);
	assert_int_equal(got.n, 1);
	off += line_framer_feed(&f, in + off, len - off, line_log_add, &got);
	assert_int_equal(off, 7);
	off += line_framer_feed(&f, in + off, len - off, line_log_add, &got);
	assert_int_equal(off, 12);
	/* The partial line is taken in; nothing to stop at. */
	off += line_framer_feed(&f, in + off, len - off, line_log_add, &got);
	assert_int_equal(off, len);
	assert_int_equal(got.n, 3);
	assert_string_equal(got.line[2], "CCC");

	/* Stopping on a too-long report: the rest of it is still skipped. */
	line_framer_clear(&f);
	assert_int_equal(line_framer_init(&f, 4), 0);
	got.n = 0;
	static const char lng[] = "123456789\r\nok\r\n";
	len = sizeof(lng) - 1;
	off = line_framer_feed(&f, lng, len, line_log_add, &got);
	assert_true(off < len);
	assert_int_equal(got.n, 1);
	assert_int_equal(got.flags[0], LINE_F_TOO_LONG);
	off += line_framer_feed(&f, lng + off, len - off, line_log_add, &got);
	assert_int_equal(off, len);
	assert_int_equal(got.n, 2);
	assert_string_equal(got.line[1], "ok");
	line_framer_clear(&f);
}

static void
test_reset_drops_partial(void **state)
{
	struct line_framer f;
	struct line_log got = { 0 };
	(void)state;

	assert_int_equal(line_framer_init(&f, 4), 0);
	line_framer_feed(&f, "injected\r", 9, line_log_add, &got);
	assert_int_equal(got.n, 1);		/* too long */
	line_framer_reset(&f);
	line_framer_feed(&f, "ab\r", 3, line_log_add, &got);
	line_framer_reset(&f);			/* drops "ab" and the CR */
	line_framer_feed(&f, "\ncd\r\n", 5, line_log_add, &got);
	assert_int_equal(got.n, 3);
	assert_string_equal(got.line[1], "");
	assert_int_equal(got.flags[1], LINE_F_BARE_LF);
	assert_string_equal(got.line[2], "cd");
	line_framer_clear(&f);
	line_framer_clear(&f);			/* twice is fine */
}

/* ---- sessions: a small protocol ---- */

enum { T_ST_NEW, T_ST_READY };
#define S(st)	(1u << (st))

struct tsess {
	struct line_sess	 ls;	/* first: line.c hands us &ls */
	int			 n_raw;
};

struct tctx {
	int			 n_new, n_free;
	struct line_sess	*last;		/* newest session */
	struct line_sess	*waiting;	/* a WAIT in progress */
	bool			 resume_inside;	/* WAIT completes at once */
	bool			 has_tls;
};

static struct line_sess *
t_new(void *ctx)
{
	struct tctx *c = ctx;
	struct tsess *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	c->n_new++;
	c->last = &s->ls;
	return &s->ls;
}

static void
t_free(struct line_sess *ls)
{
	struct tctx *c = line_server_ctx(ls->srv);

	c->n_free++;
	if (c->last == ls)
		c->last = NULL;
	if (c->waiting == ls)
		c->waiting = NULL;
	free(ls);
}

static enum line_act
t_greet(struct line_sess *ls)
{
	line_reply(ls, "220 hi");
	return LINE_OK;
}

static const char *const t_err_text[] = {
	[LINE_ERR_UNKNOWN] = "500 unknown",
	[LINE_ERR_STATE] = "503 state",
	[LINE_ERR_NOARGS] = "501 noargs",
	[LINE_ERR_ARGS] = "501 args",
	[LINE_ERR_NEED_TLS] = "530 need-tls",
	[LINE_ERR_TLS_ACTIVE] = "503 tls-active",
	[LINE_ERR_TOO_LONG] = "500 too-long",
	[LINE_ERR_BARE_LF] = "500 bare-lf",
	[LINE_ERR_NUL] = "500 nul",
	[LINE_ERR_TOO_MANY_BAD] = "421 too-many-bad",
	[LINE_ERR_TIMEOUT] = "421 timeout",
	[LINE_ERR_FULL] = "421 full",
	[LINE_ERR_FULL_IP] = "421 full-ip",
	[LINE_ERR_SHUTDOWN] = "421 shutdown",
};

static void
t_error(struct line_sess *ls, enum line_error err, const struct line_cmd *cmd)
{
	if (cmd != NULL)
		line_reply(ls, "%s %s", t_err_text[err], cmd->verb);
	else
		line_reply(ls, "%s", t_err_text[err]);
}

static enum line_act
cmd_helo(struct line_sess *ls, char *args)
{
	ls->state = T_ST_READY;
	line_reply(ls, "250 hello %s", args);
	return LINE_OK;
}

static enum line_act
cmd_echo(struct line_sess *ls, char *args)
{
	line_reply(ls, "250 %s", args);
	return LINE_OK;
}

static enum line_act
cmd_quit(struct line_sess *ls, char *args)
{
	(void)args;
	line_reply(ls, "221 bye");
	return LINE_CLOSE;
}

static enum line_act
cmd_secret(struct line_sess *ls, char *args)
{
	(void)args;
	line_reply(ls, "250 secret ok");
	return LINE_OK;
}

static enum line_act
cmd_auth(struct line_sess *ls, char *args)
{
	(void)args;
	line_reply(ls, "235 ok");
	return LINE_OK;
}

static enum line_act
cmd_starttls(struct line_sess *ls, char *args)
{
	(void)args;
	struct tctx *c = line_server_ctx(ls->srv);

	if (!c->has_tls) {
		line_reply(ls, "454 no tls");
		return LINE_OK;
	}
	line_reply(ls, "220 go ahead");
	assert_int_equal(line_starttls(ls), 0);
	return LINE_OK;
}

static enum line_act
cmd_wait(struct line_sess *ls, char *args)
{
	(void)args;
	struct tctx *c = line_server_ctx(ls->srv);

	c->waiting = ls;
	if (c->resume_inside) {
		line_reply(ls, "250 done at once");
		line_resume(ls);
	}
	return LINE_WAIT;
}

/* BIG n: n KiB of 'x', then a marker line. */
static enum line_act
cmd_big(struct line_sess *ls, char *args)
{
	char chunk[1024];
	int n = atoi(args);

	memset(chunk, 'x', sizeof(chunk));
	for (int i = 0; i < n; i++)
		assert_int_equal(line_write(ls, chunk, sizeof(chunk)), 0);
	line_reply(ls, "\r\n250 big done");
	return LINE_OK;
}

static enum line_act
t_raw(struct line_sess *ls, char *line, size_t len, unsigned flags)
{
	(void)flags;
	struct tsess *s = (struct tsess *)ls;

	if (len == 1 && line[0] == '.') {
		ls->raw_line = NULL;
		line_reply(ls, "250 got %d lines", s->n_raw);
		return LINE_OK;
	}
	s->n_raw++;
	return LINE_OK;
}

static enum line_act
cmd_data(struct line_sess *ls, char *args)
{
	(void)args;
	line_reply(ls, "354 go");
	ls->raw_line = t_raw;
	return LINE_OK;
}

static const struct line_cmd t_cmds[] = {
	{ "HELO",	S(T_ST_NEW),	CMD_ARGS,		cmd_helo },
	{ "ECHO",	S(T_ST_READY),	CMD_ARGS,		cmd_echo },
	{ "QUIT",	CMD_ANY_STATE,	CMD_NOARGS,		cmd_quit },
	{ "SECRET",	CMD_ANY_STATE,	CMD_SECRET | CMD_ARGS,	cmd_secret },
	{ "AUTH",	CMD_ANY_STATE,	CMD_TLS | CMD_SECRET,	cmd_auth },
	{ "STARTTLS",	S(T_ST_READY),	CMD_PLAIN | CMD_NOARGS,	cmd_starttls },
	{ "WAIT",	CMD_ANY_STATE,	0,			cmd_wait },
	{ "BIG",	CMD_ANY_STATE,	CMD_ARGS,		cmd_big },
	{ "DATA",	S(T_ST_READY),	CMD_NOARGS,		cmd_data },
	{ 0 },
};

static const struct line_proto t_proto = {
	.name = "test",
	.cmds = t_cmds,
	.sess_new = t_new,
	.sess_free = t_free,
	.greet = t_greet,
	.error = t_error,
};

/* IMAP-like: tagged commands and replies. */
static enum line_act
cmd_noop_tagged(struct line_sess *ls, char *args)
{
	line_reply(ls, "* untagged %s", args);
	line_reply_tagged(ls, "OK noop");
	return LINE_OK;
}

static void
t_error_tagged(struct line_sess *ls, enum line_error err,
    const struct line_cmd *cmd)
{
	(void)cmd;
	line_reply_tagged(ls, "BAD %s", t_err_text[err] + 4);
}

static enum line_act
t_greet_tagged(struct line_sess *ls)
{
	line_reply(ls, "* OK hi");
	return LINE_OK;
}

static const struct line_cmd t_cmds_tagged[] = {
	{ "NOOP",	CMD_ANY_STATE,	0,	cmd_noop_tagged },
	{ 0 },
};

static const struct line_proto t_proto_tagged = {
	.name = "tagged",
	.cmds = t_cmds_tagged,
	.has_tag = true,
	.allow_bare_lf = true,
	.sess_new = t_new,
	.sess_free = t_free,
	.greet = t_greet_tagged,
	.error = t_error_tagged,
};

/* ---- the harness ---- */

/* One dev certificate for the whole run. */
static struct {
	char		 dir[64];
	char		 cert[256], key[256];
	SSL_CTX		*srv, *cli;
} tls_env;

struct fx {
	struct event_base	*base;
	struct event		*guard;		/* bounds each blocking pass */
	struct line_server	*srv;
	struct line_limits	 lim;
	struct tctx		 ctx;
	struct sockaddr_in	 addr;
	int			 lfd;		/* until handed to the server */
};

struct cli {
	int			 fd;
	SSL			*ssl;
	char			 buf[1 << 16];
	size_t			 len;
	bool			 eof;
};

#define PUMP_MAX	400	/* passes before a wait counts as failed */

static void
guard_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

static int
fx_setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	socklen_t alen = sizeof(fx->addr);

	assert_non_null(fx);
	fx->base = event_base_new();
	assert_non_null(fx->base);
	fx->guard = evtimer_new(fx->base, guard_cb, NULL);
	assert_non_null(fx->guard);
	fx->lim = (struct line_limits){ .max_line = 64 };
	fx->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	assert_true(fx->lfd >= 0);
	fx->addr.sin_family = AF_INET;
	fx->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fx->lfd, (struct sockaddr *)&fx->addr,
	    sizeof(fx->addr)), 0);
	assert_int_equal(listen(fx->lfd, 16), 0);
	assert_int_equal(getsockname(fx->lfd, (struct sockaddr *)&fx->addr,
	    &alen), 0);
	*state = fx;
	return 0;
}

static int
fx_teardown(void **state)
{
	struct fx *fx = *state;

	line_server_free(&fx->srv);
	assert_null(fx->srv);
	if (fx->lfd >= 0)
		close(fx->lfd);
	/* Every session the protocol made was handed back. */
	assert_int_equal(fx->ctx.n_new, fx->ctx.n_free);
	event_free(fx->guard);
	event_base_free(fx->base);
	free(fx);
	return 0;
}

static void
fx_start_proto(struct fx *fx, const struct line_proto *proto, bool tls,
    bool implicit)
{
	fx->ctx.has_tls = tls;
	fx->srv = line_server_new(fx->base, proto, &fx->lim,
	    tls ? tls_env.srv : NULL, &fx->ctx);
	assert_non_null(fx->srv);
	assert_int_equal(line_server_listen(fx->srv, fx->lfd, implicit), 0);
	fx->lfd = -1;
}

static void
fx_start(struct fx *fx, bool tls)
{
	fx_start_proto(fx, &t_proto, tls, false);
}

/* One loop pass; when nothing is ready it blocks at most 20 ms. */
static void
fx_pump(struct fx *fx)
{
	struct timeval tv = { 0, 20 * 1000 };

	evtimer_add(fx->guard, &tv);
	event_base_loop(fx->base, EVLOOP_ONCE);
	evtimer_del(fx->guard);
}

/* Passes that never block, to show that nothing more happens. */
static void
fx_spin(struct fx *fx, int n)
{
	for (int i = 0; i < n; i++)
		event_base_loop(fx->base, EVLOOP_NONBLOCK);
}

static struct line_stats
fx_stats(struct fx *fx)
{
	struct line_stats st;

	line_server_stats(fx->srv, &st);
	return st;
}

static void
cli_connect(struct fx *fx, struct cli *c, int rcvbuf)
{
	memset(c, 0, sizeof(*c));
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(c->fd >= 0);
	if (rcvbuf > 0)
		assert_int_equal(setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF,
		    &rcvbuf, sizeof(rcvbuf)), 0);
	/* Loopback: the kernel completes the handshake before accept. */
	assert_int_equal(connect(c->fd, (struct sockaddr *)&fx->addr,
	    sizeof(fx->addr)), 0);
	assert_int_equal(fcntl(c->fd, F_SETFL, O_NONBLOCK), 0);
}

static void
cli_close(struct cli *c)
{
	if (c->ssl != NULL)
		SSL_free(c->ssl);
	c->ssl = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* Reads what is there without blocking. */
static void
cli_fill(struct cli *c)
{
	while (!c->eof && c->len < sizeof(c->buf)) {
		ssize_t n;

		if (c->ssl != NULL) {
			int r = SSL_read(c->ssl, c->buf + c->len,
			    (int)(sizeof(c->buf) - c->len));

			if (r > 0) {
				c->len += (size_t)r;
				continue;
			}
			int e = SSL_get_error(c->ssl, r);
			if (e == SSL_ERROR_WANT_READ)
				return;
			c->eof = true;	/* close_notify, or a dead socket */
			ERR_clear_error();
			return;
		}
		n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
		if (n > 0) {
			c->len += (size_t)n;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		c->eof = true;
	}
}

/* Takes one CRLF line out of the buffer. */
static bool
cli_take(struct cli *c, char *out, size_t cap)
{
	char *crlf = memmem(c->buf, c->len, "\r\n", 2);

	if (crlf == NULL)
		return false;
	size_t n = (size_t)(crlf - c->buf);
	assert_true(n < cap);
	memcpy(out, c->buf, n);
	out[n] = '\0';
	memmove(c->buf, crlf + 2, c->len - n - 2);
	c->len -= n + 2;
	return true;
}

static bool
cli_line(struct fx *fx, struct cli *c, char *out, size_t cap)
{
	for (int i = 0; i < PUMP_MAX; i++) {
		cli_fill(c);
		if (cli_take(c, out, cap))
			return true;
		if (c->eof)
			return false;
		fx_pump(fx);
	}
	return false;
}

#define cli_expect(fx, c, want) do {					\
	char got_[1024];						\
	assert_true(cli_line((fx), (c), got_, sizeof(got_)));		\
	assert_string_equal(got_, (want));				\
} while (0)

/* The server closed, and sent nothing more. */
static void
cli_expect_eof(struct fx *fx, struct cli *c)
{
	for (int i = 0; i < PUMP_MAX && !c->eof; i++) {
		cli_fill(c);
		if (!c->eof)
			fx_pump(fx);
	}
	assert_true(c->eof);
	assert_int_equal(c->len, 0);
}

static void
cli_send_n(struct fx *fx, struct cli *c, const char *s, size_t len)
{
	size_t off = 0;

	for (int i = 0; i < PUMP_MAX && off < len; i++) {
		ssize_t n;

		if (c->ssl != NULL) {
			int r = SSL_write(c->ssl, s + off, (int)(len - off));

			n = r > 0 ? r : -1;
			if (r <= 0)
				assert_int_equal(SSL_get_error(c->ssl, r),
				    SSL_ERROR_WANT_WRITE);
		} else {
			n = send(c->fd, s + off, len - off, MSG_NOSIGNAL);
			if (n < 0)
				assert_true(errno == EAGAIN);
		}
		if (n > 0)
			off += (size_t)n;
		else
			fx_pump(fx);
	}
	assert_int_equal(off, len);
}

static void
cli_send(struct fx *fx, struct cli *c, const char *s)
{
	cli_send_n(fx, c, s, strlen(s));
}

/* TLS client handshake on the connected socket, verifying the dev cert
 * for "localhost". */
static void
cli_tls(struct fx *fx, struct cli *c)
{
	int r = 0;

	assert_int_equal(c->len, 0);	/* nothing plaintext left over */
	c->ssl = SSL_new(tls_env.cli);
	assert_non_null(c->ssl);
	assert_int_equal(SSL_set1_host(c->ssl, "localhost"), 1);
	assert_int_equal(SSL_set_fd(c->ssl, c->fd), 1);
	SSL_set_connect_state(c->ssl);
	for (int i = 0; i < PUMP_MAX; i++) {
		r = SSL_connect(c->ssl);
		if (r == 1)
			break;
		int e = SSL_get_error(c->ssl, r);
		assert_true(e == SSL_ERROR_WANT_READ ||
		    e == SSL_ERROR_WANT_WRITE);
		fx_pump(fx);
	}
	assert_int_equal(r, 1);
	assert_int_equal(SSL_get_verify_result(c->ssl), X509_V_OK);
}

/* Until the server has no sessions left. */
static void
fx_drain(struct fx *fx)
{
	for (int i = 0; i < PUMP_MAX && fx_stats(fx).current > 0; i++)
		fx_pump(fx);
	assert_int_equal(fx_stats(fx).current, 0);
}

/* ---- session tests ---- */

static void
test_sess_basic(void **state)
{
	struct fx *fx = *state;
	struct cli c;
	static const char in[] = "HELO a\r\nECHO hello  world \r\nQUIT\r\n";

	fx_start(fx, false);
	cli_connect(fx, &c, 0);
	cli_expect(fx, &c, "220 hi");
	assert_int_equal(fx_stats(fx).current, 1);
	assert_non_null(fx->ctx.last);
	cli_send(fx, &c, "HELO a\r\n");
	cli_expect(fx, &c, "250 hello a");
	/* args: everything after the first space, as sent. */
	cli_send(fx, &c, "ECHO hello  world \r\n");
	cli_expect(fx, &c, "250 hello  world ");
	cli_send(fx, &c, "QUIT\r\n");
	cli_expect(fx, &c, "221 bye");
	cli_expect_eof(fx, &c);
	fx_drain(fx);

	struct line_stats st = fx_stats(fx);
	assert_int_equal(st.accepted, 1);
	assert_int_equal(st.current, 0);
	assert_int_equal(st.refused, 0);
	assert_int_equal(st.commands, 3);
	assert_int_equal(st.bad_commands, 0);
	assert_int_equal(st.bytes_in, sizeof(in) - 1);
	assert_int_equal(st.bytes_out, strlen("220 hi\r\n250 hello a\r\n"
	    "250 hello  world \r\n221 bye\r\n"));
	cli_close(&c);
}

static void
test_sess_pipelined(void **state)
{
	struct fx *fx = *state;
	struct cli c;

	fx_start(fx, false);
	cli_connect(fx, &c, 0);
	/* All before the greeting is read; verbs in any case; nothing after
	 * QUIT runs. */
	cli_send(fx, &c, "HELO a\r\nECHO 1\r\necho 2\r\nEcHo 3\r\nQUIT\r\n"
	    "ECHO never\r\n");
	cli_expect(fx, &c, "220 hi");
	cli_expect(fx, &c, "250 hello a");
	cli_expect(fx, &c, "250 1");
	cli_expect(fx, &c, "250 2");
	cli_expect(fx, &c, "250 3");
	cli_expect(fx, &c, "221 bye");
	cli_expect_eof(fx, &c);
	fx_drain(fx);
	assert_int_equal(fx_stats(fx).commands, 5);
	cli_close(&c);
}

static void
test_sess_errors(void **state)
{
	struct fx *fx = *state;
	struct cli c;

	fx_start(fx, false);
	cli_connect(fx, &c, 0);
	cli_expect(fx, &c, "220 hi");
	cli_send(fx, &c, "ECHO x\r\n");
	cli_expect(fx, &c, "503 state ECHO");
	cli_send(fx, &c, "FOO bar\r\n");
	cli_expect(fx, &c, "500 unknown");
	cli_send(fx, &c, "\r\n");
	cli_expect(fx, &c, "500 unknown");
	cli_send(fx, &c, " HELO a\r\n");	/* the verb is the first word */
	cli_expect(fx, &c, "500 unknown");
	cli_send(fx, &c, "QUIT now\r\n");
	cli_expect(fx, &c, "501 noargs QUIT");
	cli_send(fx, &c, "HELO\r\n");
	cli_expect(fx, &c, "501 args HELO");
	cli_send(fx, &c, "HELO \r\n");
	cli_expect(fx, &c, "501 args HELO");
	cli_send(fx, &c, "AUTH PLAIN x\r\n");
	cli_expect(fx, &c, "530 need-tls AUTH");
	cli_send(fx, &c, "HELO a\n");
	cli_expect(fx, &c, "500 bare-lf");
	cli_send_n(fx, &c, "HELO a\0b\r\n", 10);
	cli_expect(fx, &c, "500 nul");
	/* Still alive, state unchanged by all that. */
	cli_send(fx, &c, "HELO a\r\n");
	cli_expect(fx, &c, "250 hello a");
	/* No TLS on this server: the handler says so. */
	cli_send(fx, &c, "STARTTLS\r\n");
	cli_expect(fx, &c, "454 no tls");
	assert_int_equal(fx->ctx.last->n_bad, 10);

	struct line_stats st = fx_stats(fx);
	assert_int_equal(st.bad_commands, 10);
	assert_int_equal(st.commands, 2);
	cli_close(&c);
	fx_drain(fx);
}

static void
test_sess_too_long(void **state)
{
	struct fx *fx = *state;
	struct cli c;
	char big[5000];

	fx->lim.max_line = 16;
	fx_start(fx, false);
	cli_connect(fx, &c, 0);
	cli_expect(fx, &c, "220 hi");
	cli_send(fx, &c, "HELO a\r\n");
	cli_expect(fx, &c, "250 hello a");
	cli_send(fx, &c, "ECHO 0123456789a\r\n");	/* 16 */
	cli_expect(fx, &c, "250 0123456789a");
	cli_send(fx, &c, "ECHO 0123456789ab\r\n");	/* 17 */
	cli_expect(fx, &c, "500 too-long");
	/* 5,000 bytes in three sends: one error, then the session goes on
	 * with the next line. */
	memset(big, 'z', sizeof(big));
	cli_send_n(fx, &c, big, 2000);
	cli_send_n(fx, &c, big, 2000);
	cli_send_n(fx, &c, big, 1000);
	cli_send(fx, &c, "\r\nECHO ok\r\n");
	cli_expect(fx, &c, "500 too-long");
	cli_expect(fx, &c, "250 ok");
	fx_spin(fx, 20);
	cli_fill(&c);
	assert_int_equal(c.len, 0);
	assert_int_equal(fx_stats(fx).bad_commands, 2);
	cli_close(&c);
	fx_drain(fx);
}

static void
test_sess_max_bad(void **state)
{
	struct fx *fx = *state;
	struct cli c;

	fx->lim.max_bad = 3;
	fx_start(fx, false);
	cli_connect(fx, &c, 0);
	cli_send(fx, &c, "X\r\nY\r\nZ\r\nHELO a\r\n");
	cli_expect(fx, &c, "220 hi");
	cli_expect(fx, &c, "500 unknown");
	cli_expect(fx, &c, "500 unknown");
	cli_expect(fx, &c, "500 unknown");
	cli_expect(fx, &c, "421 too-many-bad");
	cli_expect_eof(fx, &c);
	fx_drain(fx);
	assert_int_equal(fx_stats(fx).commands, 0);
	cli_close(&c);
}

static void
test_sess_max_per_ip_and_clients(void **state)
{
	struct fx *fx = *state;
	struct cli c1, c2, c3, c4;

	fx->lim.max_per_ip = 1;
	fx_start(fx, false);
	cli_connect(fx, &c1, 0);
	cli_expect(fx, &c1, "220 hi");
	cli_connect(fx, &c2, 0);
	cli_expect(fx, &c2, "421 full-ip");
	cli_expect_eof(fx, &c2);
	/* The first one is unaffected. */
	cli_send(fx, &c1, "HELO a\r\n");
	cli_expect(fx, &c1, "250 hello a");
	assert_int_equal(fx_stats(fx).refused, 1);
	assert_int_equal(fx_stats(fx).current, 1);

	/* Limits swap at run time and apply to the next accept. */
	struct line_limits lim2 = fx->lim;
	lim2.max_per_ip = 0;
	lim2.max_clients = 1;
	line_server_set_limits(fx->srv, &lim2);
	cli_connect(fx, &c3, 0);
	cli_expect(fx, &c3, "421 full");
	cli_expect_eof(fx, &c3);
	assert_int_equal(fx_stats(fx).refused, 2);

	/* Room again once the first leaves. */
	cli_send(fx, &c1, "QUIT\r\n");
	cli_expect(fx, &c1, "221 bye");
	cli_expect_eof(fx, &c1);
	fx_drain(fx);
	cli_connect(fx, &c4, 0);
	cli_expect(fx, &c4, "220 hi");
	assert_int_equal(fx_stats(fx).accepted, 2);
	cli_close(&c1);
	cli_close(&c2);
	cli_close(&c3);
	cli_close(&c4);
	fx_drain(fx);
	line_server_set_limits(fx->srv, &fx->lim);
}

static void
test_sess_wait_resume(void **state)
{
	struct fx *fx = *state;
	struct cli c;

	fx_start(fx, false);
	cli_connect(fx, &c, 0);
	cli_send(fx, &c, "HELO a\r\nWAIT\r\nECHO after\r\n");
	cli_expect(fx, &c, "220 hi");
	cli_expect(fx, &c, "250 hello a");
	/* The handler is waiting: the next line does not run, even as more
	 * arrives. */
	cli_send(fx, &c, "ECHO later\r\n");
	fx_spin(fx, 20);
	cli_fill(&c);
	assert_int_equal(c.len, 0);
	assert_non_null(fx->ctx.waiting);
	assert_int_equal(fx_stats(fx).commands, 2);

	/* The work completes: its reply first, then the lines in order. */
	line_reply(fx->ctx.waiting, "250 waited");
	line_resume(fx->ctx.waiting);
	line_resume(fx->ctx.waiting);		/* twice is harmless */
	cli_expect(fx, &c, "250 waited");
	cli_expect(fx, &c, "250 after");
	cli_expect(fx, &c, "250 later");

	/* Work that completes inside the handler: no stall. */
	fx->ctx.resume_inside = true;
	cli_send(fx, &c, "WAIT\r\nECHO x\r\n");
	cli_expect(fx, &c, "250 done at once");
	cli_expect(fx, &c, "250 x");
	cli_send(fx, &c, "QUIT\r\n");
	cli_expect(fx, &c, "221 bye");
	cli_expect_eof(fx, &c);
	fx_drain(fx);
	cli_close(&c);
}

static void
test_sess_idle_timeout(void **state)
{
	struct fx *fx = *state;
	struct cli c;

	fx->lim.idle_ms = 30;
	fx_start(fx, false);
	cli_connect(fx, &c, 0);
	cli_expect(fx, &c, "220 hi");
	cli_expect(fx, &c, "421 timeout");
	cli_expect_eof(fx, &c);
	fx_drain(fx);
	assert_int_equal(fx_stats(fx).timeouts, 1);
	cli_close(&c);
}

static void
test_sess_eof_after_pipeline(void **state)
{
	struct fx *fx = *state;
	struct cli c;

	fx_start(fx, false);
	cli_connect(fx, &c, 0);
	/* A client that sends everything and shuts its side still gets its
	 * answers; the unterminated tail is dropped. */
	cli_send(fx, &c, "HELO a\r\nECHO x\r\nECHO tail");
	assert_int_equal(shutdown(c.fd, SHUT_WR), 0);
	cli_expect(fx, &c, "220 hi");
	cli_expect(fx, &c, "250 hello a");
	cli_expect(fx, &c, "250 x");
	cli_expect_eof(fx, &c);
	fx_drain(fx);
	cli_close(&c);
}

static void
test_sess_raw_lines(void **state)
{
	struct fx *fx = *state;
	struct cli c;

	fx_start(fx, false);
	cli_connect(fx, &c, 0);
	cli_send(fx, &c, "HELO a\r\nDATA\r\nline one\r\nQUIT\r\n\r\n.\r\n"
	    "ECHO back\r\n");
	cli_expect(fx, &c, "220 hi");
	cli_expect(fx, &c, "250 hello a");
	cli_expect(fx, &c, "354 go");
	cli_expect(fx, &c, "250 got 3 lines");
	cli_expect(fx, &c, "250 back");
	cli_close(&c);
	fx_drain(fx);
}

static void
test_sess_max_output(void **state)
{
	struct fx *fx = *state;
	struct cli c;
	static const char mark[] = "\r\n250 big done\r\n";

	fx->lim.max_output = 4096;
	fx_start(fx, false);
	/* A small receive window, so most of the 8 MiB stays queued. */
	cli_connect(fx, &c, 4096);
	cli_send(fx, &c, "HELO a\r\nBIG 8192\r\nECHO after\r\n");
	fx_spin(fx, 50);
	/* BIG ran; ECHO waits for its output to drain. */
	assert_int_equal(fx_stats(fx).commands, 2);

	/* Read it all; the marker, then ECHO's answer, come last. */
	bool found = false;
	for (int i = 0; i < 100000 && !found && !c.eof; i++) {
		cli_fill(&c);
		char *m = memmem(c.buf, c.len, mark, sizeof(mark) - 1);
		if (m != NULL) {
			size_t rest = c.len - (size_t)(m - c.buf) -
			    (sizeof(mark) - 1);

			memmove(c.buf, m + sizeof(mark) - 1, rest);
			c.len = rest;
			found = true;
			break;
		}
		/* Keep only a tail that could start the marker. */
		if (c.len > sizeof(mark)) {
			memmove(c.buf, c.buf + c.len - sizeof(mark),
			    sizeof(mark));
			c.len = sizeof(mark);
		}
		fx_pump(fx);
	}
	assert_true(found);
	cli_expect(fx, &c, "250 after");
	assert_int_equal(fx_stats(fx).commands, 3);
	cli_close(&c);
	fx_drain(fx);
}

static void
test_sess_line_close(void **state)
{
	struct fx *fx = *state;
	struct cli c;

	fx_start(fx, false);
	cli_connect(fx, &c, 0);
	cli_expect(fx, &c, "220 hi");
	/* From outside a handler: the output goes first. */
	assert_non_null(fx->ctx.last);
	assert_int_equal(line_write(fx->ctx.last, "421 bye now\r\n", 13), 0);
	line_close(fx->ctx.last);
	line_close(fx->ctx.last);		/* twice is harmless */
	cli_expect(fx, &c, "421 bye now");
	cli_expect_eof(fx, &c);
	fx_drain(fx);
	cli_close(&c);
}

static void
test_sess_shutdown(void **state)
{
	struct fx *fx = *state;
	struct cli c1, c2, c3;

	fx_start(fx, false);
	cli_connect(fx, &c1, 0);
	cli_connect(fx, &c2, 0);
	cli_expect(fx, &c1, "220 hi");
	cli_expect(fx, &c2, "220 hi");
	line_server_shutdown(fx->srv, false);
	cli_expect(fx, &c1, "421 shutdown");
	cli_expect(fx, &c2, "421 shutdown");
	cli_expect_eof(fx, &c1);
	cli_expect_eof(fx, &c2);
	fx_drain(fx);
	/* Not listening any more. */
	c3.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(c3.fd >= 0);
	assert_int_equal(connect(c3.fd, (struct sockaddr *)&fx->addr,
	    sizeof(fx->addr)), -1);
	assert_int_equal(errno, ECONNREFUSED);
	close(c3.fd);
	cli_close(&c1);
	cli_close(&c2);
}

static void
test_sess_shutdown_now(void **state)
{
	struct fx *fx = *state;
	struct cli c;

	fx_start(fx, false);
	cli_connect(fx, &c, 0);
	cli_expect(fx, &c, "220 hi");
	line_server_shutdown(fx->srv, true);
	assert_int_equal(fx_stats(fx).current, 0);
	assert_int_equal(fx->ctx.n_new, fx->ctx.n_free);
	cli_expect(fx, &c, "421 shutdown");
	cli_expect_eof(fx, &c);
	cli_close(&c);
}

static void
test_sess_free_with_live_sessions(void **state)
{
	struct fx *fx = *state;
	struct cli c1, c2;

	fx_start(fx, false);
	cli_connect(fx, &c1, 0);
	cli_connect(fx, &c2, 0);
	cli_send(fx, &c2, "HELO a\r\nWAIT\r\n");
	cli_expect(fx, &c1, "220 hi");
	cli_expect(fx, &c2, "220 hi");
	cli_expect(fx, &c2, "250 hello a");
	/* One idle, one waiting: teardown's line_server_free frees both and
	 * checks every session went back to the protocol. */
	assert_int_equal(fx_stats(fx).current, 2);
	cli_close(&c1);
	cli_close(&c2);
}

static void
test_sess_starttls(void **state)
{
	struct fx *fx = *state;
	struct cli c;

	fx_start(fx, true);
	cli_connect(fx, &c, 0);
	cli_expect(fx, &c, "220 hi");
	cli_send(fx, &c, "STARTTLS\r\n");
	cli_expect(fx, &c, "503 state STARTTLS");
	cli_send(fx, &c, "HELO a\r\n");
	cli_expect(fx, &c, "250 hello a");
	cli_send(fx, &c, "AUTH PLAIN x\r\n");
	cli_expect(fx, &c, "530 need-tls AUTH");
	cli_send(fx, &c, "STARTTLS x\r\n");
	cli_expect(fx, &c, "501 noargs STARTTLS");
	/* A line pipelined after STARTTLS in plaintext is dropped, not run
	 * as if it came over TLS (CVE-2011-0411). */
	cli_send(fx, &c, "STARTTLS\r\nECHO injected\r\nECHO par");
	cli_expect(fx, &c, "220 go ahead");
	cli_tls(fx, &c);
	cli_send(fx, &c, "ECHO after\r\n");
	cli_expect(fx, &c, "250 after");
	cli_send(fx, &c, "STARTTLS\r\n");
	cli_expect(fx, &c, "503 tls-active STARTTLS");
	cli_send(fx, &c, "AUTH PLAIN x\r\nECHO a\r\nECHO b\r\n");
	cli_expect(fx, &c, "235 ok");
	cli_expect(fx, &c, "250 a");
	cli_expect(fx, &c, "250 b");
	cli_send(fx, &c, "QUIT\r\n");
	cli_expect(fx, &c, "221 bye");
	cli_expect_eof(fx, &c);
	/* The server said goodbye with close_notify. */
	assert_true((SSL_get_shutdown(c.ssl) & SSL_RECEIVED_SHUTDOWN) != 0);
	fx_drain(fx);

	struct line_stats st = fx_stats(fx);
	assert_int_equal(st.tls_upgrades, 1);
	assert_int_equal(st.commands, 7);
	cli_close(&c);
}

static void
test_sess_starttls_big_reply(void **state)
{
	struct fx *fx = *state;
	struct cli c;
	static const char mark[] = "\r\n250 big done\r\n";

	fx_start(fx, true);
	cli_connect(fx, &c, 0);
	cli_send(fx, &c, "HELO a\r\nSTARTTLS\r\n");
	cli_expect(fx, &c, "220 hi");
	cli_expect(fx, &c, "250 hello a");
	cli_expect(fx, &c, "220 go ahead");
	cli_tls(fx, &c);
	/* A large reply, then close: all of it arrives before the EOF,
	 * including what sat below the TLS filter. */
	cli_send(fx, &c, "BIG 256\r\nQUIT\r\n");
	size_t total = 0;
	bool found = false;
	for (int i = 0; i < 20000 && !found; i++) {
		cli_fill(&c);
		char *m = memmem(c.buf, c.len, mark, sizeof(mark) - 1);
		if (m != NULL) {
			total += (size_t)(m - c.buf);
			size_t rest = c.len - (size_t)(m - c.buf) -
			    (sizeof(mark) - 1);
			memmove(c.buf, m + sizeof(mark) - 1, rest);
			c.len = rest;
			found = true;
			break;
		}
		if (c.len > sizeof(mark)) {
			total += c.len - sizeof(mark);
			memmove(c.buf, c.buf + c.len - sizeof(mark),
			    sizeof(mark));
			c.len = sizeof(mark);
		}
		if (c.eof)
			break;
		fx_pump(fx);
	}
	assert_true(found);
	assert_int_equal(total, 256 * 1024);
	cli_expect(fx, &c, "221 bye");
	cli_expect_eof(fx, &c);
	fx_drain(fx);
	cli_close(&c);
}

static void
test_sess_implicit_tls(void **state)
{
	struct fx *fx = *state;
	struct cli c;

	fx_start_proto(fx, &t_proto, true, true);
	cli_connect(fx, &c, 0);
	cli_tls(fx, &c);
	cli_expect(fx, &c, "220 hi");
	cli_send(fx, &c, "HELO a\r\nSTARTTLS\r\nAUTH x\r\n");
	cli_expect(fx, &c, "250 hello a");
	cli_expect(fx, &c, "503 tls-active STARTTLS");
	cli_expect(fx, &c, "235 ok");
	cli_send(fx, &c, "QUIT\r\n");
	cli_expect(fx, &c, "221 bye");
	cli_expect_eof(fx, &c);
	fx_drain(fx);
	assert_int_equal(fx_stats(fx).tls_upgrades, 0);
	cli_close(&c);
}

static void
test_sess_implicit_tls_bad_client(void **state)
{
	struct fx *fx = *state;
	struct cli c;

	fx_start_proto(fx, &t_proto, true, true);
	cli_connect(fx, &c, 0);
	/* Plaintext on a TLS port: the handshake fails, the session goes. */
	cli_send(fx, &c, "HELO a\r\n");
	for (int i = 0; i < PUMP_MAX && !c.eof; i++) {
		cli_fill(&c);
		fx_pump(fx);
	}
	assert_true(c.eof);
	fx_drain(fx);
	cli_close(&c);

	/* A client that leaves before the handshake (a port scan): its
	 * greeting can never be flushed, so the session must not wait for
	 * that (there is no idle timeout here to end it). */
	cli_connect(fx, &c, 0);
	for (int i = 0; i < PUMP_MAX && fx_stats(fx).current == 0; i++)
		fx_pump(fx);
	assert_int_equal(fx_stats(fx).current, 1);
	cli_close(&c);
	fx_drain(fx);
}

static void
test_listen_needs_tls(void **state)
{
	struct fx *fx = *state;

	fx->srv = line_server_new(fx->base, &t_proto, &fx->lim, NULL,
	    &fx->ctx);
	assert_non_null(fx->srv);
	/* The fd is taken even on failure. */
	assert_int_equal(line_server_listen(fx->srv, fx->lfd, true), -EINVAL);
	assert_int_equal(fcntl(fx->lfd, F_GETFD), -1);
	assert_int_equal(errno, EBADF);
	fx->lfd = -1;
}

static void
test_sess_tagged(void **state)
{
	struct fx *fx = *state;
	struct cli c;
	char lng[80];

	fx->lim.max_line = 32;
	fx_start_proto(fx, &t_proto_tagged, false, false);
	cli_connect(fx, &c, 0);
	cli_expect(fx, &c, "* OK hi");
	cli_send(fx, &c, "a1 NOOP x y\r\n");
	cli_expect(fx, &c, "* untagged x y");
	cli_expect(fx, &c, "a1 OK noop");
	cli_send(fx, &c, "a2 noop\n");		/* bare LF allowed here */
	cli_expect(fx, &c, "* untagged ");
	cli_expect(fx, &c, "a2 OK noop");
	cli_send(fx, &c, "a3 FROB\r\n");
	cli_expect(fx, &c, "a3 BAD unknown");
	cli_send(fx, &c, "a4\r\n");
	cli_expect(fx, &c, "a4 BAD unknown");
	cli_send(fx, &c, "\r\n");
	cli_expect(fx, &c, "* BAD unknown");
	/* The tag of an overlong line comes from its head. */
	snprintf(lng, sizeof(lng), "a5 NOOP %060d\r\n", 0);
	cli_send(fx, &c, lng);
	cli_expect(fx, &c, "a5 BAD too-long");
	cli_close(&c);
	fx_drain(fx);
}

static void
test_sess_secret_not_logged(void **state)
{
	struct fx *fx = *state;
	struct cli c;
	char path[] = "/tmp/ik-test-line-log-XXXXXX";
	int lfd = mkstemp(path);
	int saved = dup(STDERR_FILENO);

	assert_true(lfd >= 0);
	assert_true(saved >= 0);
	fx_start(fx, false);
	/* Capture the log lines of this exchange. */
	assert_int_equal(dup2(lfd, STDERR_FILENO), STDERR_FILENO);
	log_set_level(LOG_LV_DEBUG);
	cli_connect(fx, &c, 0);
	cli_send(fx, &c, "SECRET hunter2\r\nHELO \"x\x01\r\nHELO ok\r\n"
	    "xyzzy pw\r\n");
	cli_expect(fx, &c, "220 hi");
	cli_expect(fx, &c, "250 secret ok");
	cli_expect(fx, &c, "250 hello \"x\x01");
	cli_expect(fx, &c, "503 state HELO");
	cli_expect(fx, &c, "500 unknown");
	log_set_level(LOG_LV_WARN);
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);

	char buf[8192];
	ssize_t n = pread(lfd, buf, sizeof(buf) - 1, 0);
	assert_true(n > 0);
	buf[n] = '\0';
	close(lfd);
	unlink(path);
	assert_non_null(strstr(buf, "cmd verb=SECRET\n"));
	assert_null(strstr(buf, "hunter2"));
	/* Peer text escaped; an unknown verb logged without its args. */
	assert_non_null(strstr(buf, "verb=HELO arg=\"\\x22x\\x01\""));
	assert_non_null(strstr(buf, "verb=\"xyzzy\""));
	assert_null(strstr(buf, " pw"));
	cli_close(&c);
	fx_drain(fx);
}

/* ---- main ---- */

static int
tls_env_setup(void **state)
{
	(void)state;
	char err[512];

	snprintf(tls_env.dir, sizeof(tls_env.dir),
	    "/tmp/ik-test-line-XXXXXX");
	if (mkdtemp(tls_env.dir) == NULL)
		return -1;
	if (tls_dev_cert_ensure(tls_env.dir, tls_env.cert, tls_env.key,
	    sizeof(tls_env.cert)) < 0)
		return -1;
	tls_env.srv = tls_server_ctx_new(tls_env.cert, tls_env.key, err,
	    sizeof(err));
	if (tls_env.srv == NULL) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	tls_env.cli = tls_client_ctx_new(false);
	if (tls_env.cli == NULL ||
	    SSL_CTX_load_verify_locations(tls_env.cli, tls_env.cert,
	    NULL) != 1)
		return -1;
	SSL_CTX_set_verify(tls_env.cli, SSL_VERIFY_PEER, NULL);
	return 0;
}

static int
tls_env_teardown(void **state)
{
	(void)state;
	SSL_CTX_free(tls_env.srv);
	SSL_CTX_free(tls_env.cli);
	unlink(tls_env.cert);
	unlink(tls_env.key);
	rmdir(tls_env.dir);
	return 0;
}

#define SESS_TEST(fn)	cmocka_unit_test_setup_teardown(fn, fx_setup, \
	fx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crlf_split_at_every_byte),
		cmocka_unit_test(test_split_at_every_two_points),
		cmocka_unit_test(test_overlong_limits),
		cmocka_unit_test(test_overlong_huge_and_cr_edges),
		cmocka_unit_test(test_nul_and_8bit),
		cmocka_unit_test(test_bare_lf_and_lone_cr),
		cmocka_unit_test(test_stop_and_go_on),
		cmocka_unit_test(test_reset_drops_partial),
		SESS_TEST(test_sess_basic),
		SESS_TEST(test_sess_pipelined),
		SESS_TEST(test_sess_errors),
		SESS_TEST(test_sess_too_long),
		SESS_TEST(test_sess_max_bad),
		SESS_TEST(test_sess_max_per_ip_and_clients),
		SESS_TEST(test_sess_wait_resume),
		SESS_TEST(test_sess_idle_timeout),
		SESS_TEST(test_sess_eof_after_pipeline),
		SESS_TEST(test_sess_raw_lines),
		SESS_TEST(test_sess_max_output),
		SESS_TEST(test_sess_line_close),
		SESS_TEST(test_sess_shutdown),
		SESS_TEST(test_sess_shutdown_now),
		SESS_TEST(test_sess_free_with_live_sessions),
		SESS_TEST(test_sess_starttls),
		SESS_TEST(test_sess_starttls_big_reply),
		SESS_TEST(test_sess_implicit_tls),
		SESS_TEST(test_sess_implicit_tls_bad_client),
		SESS_TEST(test_listen_needs_tls),
		SESS_TEST(test_sess_tagged),
		SESS_TEST(test_sess_secret_not_logged),
	};

	log_init("test", LOG_LV_WARN);
	return cmocka_run_group_tests(tests, tls_env_setup, tls_env_teardown);
}
