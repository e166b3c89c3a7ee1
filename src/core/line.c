/* core/line.c - line sessions for FTP, SMTP, POP3 and IMAP: a pure CRLF
 * framer (line_framer_*) and the libevent server the protocols run on
 * (line_server_*, line_reply, line_starttls, line_resume, line_close).
 * It frames, dispatches through the protocol's command table, enforces the
 * limits and upgrades to TLS; it never words a reply (struct line_proto
 * does) and never frees a session while one of its handlers runs. */
#include "core/line.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include "core/log.h"

/* Input read ahead of the framer. Bounds what a paused session (LINE_WAIT,
 * output over max_output) buffers; the framer caps a single line. */
#define LINE_READ_HIWAT		(64 * 1024)
/* Extents looked at per evbuffer_peek; the loop comes back for more. */
#define LINE_PEEK_VECS		8
/* After an accept error such as EMFILE, accepting pauses this long rather
 * than spinning on a socket that stays readable. */
#define LINE_ACCEPT_PAUSE_MS	1000
/* Room for an escaped argument in a debug line. */
#define LINE_LOG_ARG		256

/* ---- framer ---- */

int
line_framer_init(struct line_framer *f, size_t max_line)
{
	memset(f, 0, sizeof(*f));
	if (max_line == SIZE_MAX)
		return -ENOMEM;
	f->buf = malloc(max_line + 1);
	if (f->buf == NULL)
		return -ENOMEM;
	f->max_line = max_line;
	return 0;
}

void
line_framer_clear(struct line_framer *f)
{
	free(f->buf);
	memset(f, 0, sizeof(*f));
}

void
line_framer_reset(struct line_framer *f)
{
	f->len = 0;
	f->skipping = false;
	f->saw_cr = false;
}

/* Hands the line in buf to the callback and starts the next one. */
static int
framer_emit(struct line_framer *f, unsigned flags, line_emit_fn *emit,
    void *arg)
{
	if (memchr(f->buf, '\0', f->len) != NULL)
		flags |= LINE_F_NUL;
	f->buf[f->len] = '\0';
	int stop = emit(arg, f->buf, f->len, flags);
	f->len = 0;
	return stop;
}

/* Appends line bytes. Past the cap the line's head is reported at once as
 * too long and the rest (these bytes included) is skipped to the LF. */
static int
framer_add(struct line_framer *f, const char *p, size_t n,
    line_emit_fn *emit, void *arg)
{
	size_t room = f->max_line - f->len;

	if (n <= room) {
		memcpy(f->buf + f->len, p, n);
		f->len += n;
		return 0;
	}
	memcpy(f->buf + f->len, p, room);
	f->len = f->max_line;
	f->skipping = true;
	return framer_emit(f, LINE_F_TOO_LONG, emit, arg);
}

size_t
line_framer_feed(struct line_framer *f, const char *in, size_t len,
    line_emit_fn *emit, void *arg)
{
	size_t i = 0;

	while (i < len) {
		if (f->skipping) {
			const char *lf = memchr(in + i, '\n', len - i);

			if (lf == NULL)
				return len;
			i = (size_t)(lf - in) + 1;
			line_framer_reset(f);
			continue;
		}
		if (f->saw_cr) {
			/* The CR ending the previous segment (maybe the
			 * previous feed) is resolved by this byte. */
			f->saw_cr = false;
			if (in[i] == '\n') {
				i++;
				if (framer_emit(f, 0, emit, arg) != 0)
					return i;
				continue;
			}
			/* A CR not followed by LF is line data. */
			if (framer_add(f, "\r", 1, emit, arg) != 0)
				return i;
			continue;
		}

		const char *lf = memchr(in + i, '\n', len - i);
		size_t end = lf != NULL ? (size_t)(lf - in) : len;
		size_t n = end - i;
		bool cr = n > 0 && in[end - 1] == '\r';

		if (cr)
			n--;	/* held back: CRLF, or data if no LF follows */
		int stop = framer_add(f, in + i, n, emit, arg);
		i += n;
		if (stop != 0)
			return i;
		if (f->skipping)
			continue;
		if (cr) {
			f->saw_cr = true;
			i++;
			continue;
		}
		if (lf != NULL) {
			i++;
			if (framer_emit(f, LINE_F_BARE_LF, emit, arg) != 0)
				return i;
		}
	}
	return len;
}

/* ---- sessions ---- */

struct line_listener {
	struct line_server	*srv;		/* borrowed */
	struct evconnlistener	*lev;		/* owned; owns the fd */
	struct event		*pause_ev;	/* owned; ends accept pauses */
	bool			 implicit_tls;
	struct line_listener	*next;
};

struct line_server {
	struct event_base	*base;		/* borrowed */
	const struct line_proto	*proto;		/* borrowed */
	const struct line_limits *limits;	/* borrowed; reload swaps it */
	SSL_CTX			*tls;		/* borrowed; NULL: no TLS */
	void			*ctx;		/* borrowed; the protocol's */
	struct line_listener	*listeners;	/* owned */
	struct line_sess	*sessions;	/* owned, newest first */
	struct line_stats	 st;
	uint32_t		 next_id;
	bool			 is_stopping;
};

static const char *const line_err_names[] = {
	[LINE_ERR_UNKNOWN] = "unknown",
	[LINE_ERR_STATE] = "state",
	[LINE_ERR_NOARGS] = "noargs",
	[LINE_ERR_ARGS] = "args",
	[LINE_ERR_NEED_TLS] = "need-tls",
	[LINE_ERR_TLS_ACTIVE] = "tls-active",
	[LINE_ERR_TOO_LONG] = "too-long",
	[LINE_ERR_BARE_LF] = "bare-lf",
	[LINE_ERR_NUL] = "nul",
	[LINE_ERR_TOO_MANY_BAD] = "too-many-bad",
	[LINE_ERR_TIMEOUT] = "timeout",
	[LINE_ERR_FULL] = "full",
	[LINE_ERR_FULL_IP] = "full-ip",
	[LINE_ERR_SHUTDOWN] = "shutdown",
};

static void sess_read_cb(struct bufferevent *bev, void *arg);
static void sess_write_cb(struct bufferevent *bev, void *arg);
static void sess_event_cb(struct bufferevent *bev, short what, void *arg);
static void sess_under_drained(struct evbuffer *buf,
    const struct evbuffer_cb_info *info, void *arg);

/* Output not yet on the wire: ours, plus, under a STARTTLS filter, the
 * ciphertext queued on the socket bufferevent below it. */
static size_t
sess_out_len(struct line_sess *ls)
{
	size_t n = evbuffer_get_length(bufferevent_get_output(ls->bev));
	struct bufferevent *under = bufferevent_get_underlying(ls->bev);

	if (under != NULL)
		n += evbuffer_get_length(bufferevent_get_output(under));
	return n;
}

static bool
sess_out_full(struct line_sess *ls)
{
	size_t max = ls->srv->limits->max_output;

	return max != 0 && sess_out_len(ls) > max;
}

/* True while lines may be dispatched. */
static bool
sess_may_run(struct line_sess *ls)
{
	return !ls->is_waiting && !ls->is_closing && !ls->tls_pending &&
	    !sess_out_full(ls);
}

/* (Re)arms the idle timer: the idle timeout while serving, the flush
 * deadline once closing. */
static void
sess_arm_idle(struct line_sess *ls)
{
	uint64_t ms = ls->srv->limits->idle_ms;

	if (ms == 0) {
		evtimer_del(ls->idle_ev);
		return;
	}
	struct timeval tv = {
		.tv_sec = (time_t)(ms / 1000),
		.tv_usec = (suseconds_t)(ms % 1000) * 1000,
	};
	if (evtimer_add(ls->idle_ev, &tv) < 0)
		log_warn("sess=%08x cannot arm the idle timer", ls->id);
}

/* Marks the session to be freed once its output is flushed. Never frees:
 * callers may be inside a handler. */
static void
sess_closing(struct line_sess *ls, const char *reason)
{
	if (ls->is_closing)
		return;
	ls->is_closing = true;
	log_info("sess=%08x close reason=%s", ls->id, reason);
	bufferevent_disable(ls->bev, EV_READ);
	sess_arm_idle(ls);
}

/* Schedules the write callback from the loop (to free a closing session
 * or run a paused one), never from the caller's stack. */
static void
sess_kick_write(struct line_sess *ls)
{
	bufferevent_trigger(ls->bev, EV_WRITE,
	    BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
}

static void
sess_unlink(struct line_sess *ls)
{
	struct line_server *srv = ls->srv;

	if (ls->prev != NULL)
		ls->prev->next = ls->next;
	else
		srv->sessions = ls->next;
	if (ls->next != NULL)
		ls->next->prev = ls->prev;
	ls->next = ls->prev = NULL;
	srv->st.current--;
}

/* Releases what line.c set up, then the protocol's part. Only from a
 * callback of this session (after its handler returned), a timer, or the
 * server's shutdown/free. */
static void
sess_free(struct line_sess *ls)
{
	struct line_server *srv = ls->srv;

	sess_unlink(ls);
	log_debug("sess=%08x free", ls->id);
	if (ls->idle_ev != NULL)
		event_free(ls->idle_ev);
	ls->idle_ev = NULL;
	if (ls->bev != NULL) {
		struct bufferevent *under = bufferevent_get_underlying(ls->bev);

		if (under != NULL)
			evbuffer_remove_cb(bufferevent_get_output(under),
			    sess_under_drained, ls);
		bufferevent_free(ls->bev);	/* the fd and SSL go too */
	}
	ls->bev = NULL;
	line_framer_clear(&ls->fr);
	free(ls->tag);
	ls->tag = NULL;
	srv->proto->sess_free(ls);
}

/* Sends close_notify once, when a handshake completed. Best effort: the
 * connection is closing anyway. */
static void
sess_tls_shutdown(struct line_sess *ls)
{
	SSL *ssl = bufferevent_openssl_get_ssl(ls->bev);

	if (ssl == NULL || !SSL_is_init_finished(ssl) ||
	    (SSL_get_shutdown(ssl) & SSL_SENT_SHUTDOWN) != 0)
		return;
	if (SSL_shutdown(ssl) < 0)
		log_debug("sess=%08x tls close_notify not sent", ls->id);
	ERR_clear_error();
}

/* Frees a closing session whose output has left; otherwise the write
 * callback (or the drain watcher under a filter) comes back here. */
static void
sess_try_free(struct line_sess *ls)
{
	if (evbuffer_get_length(bufferevent_get_output(ls->bev)) > 0)
		return;
	if (ls->is_tls)
		sess_tls_shutdown(ls);
	struct bufferevent *under = bufferevent_get_underlying(ls->bev);
	/* Freeing the filter frees the socket bufferevent below it, with
	 * whatever ciphertext it still holds: wait for that to go too. */
	if (under != NULL &&
	    evbuffer_get_length(bufferevent_get_output(under)) > 0)
		return;
	sess_free(ls);
}

/* Callbacks and watermarks of the session's current bufferevent. */
static void
sess_bev_setup(struct line_sess *ls)
{
	bufferevent_setcb(ls->bev, sess_read_cb, sess_write_cb, sess_event_cb,
	    ls);
	bufferevent_setwatermark(ls->bev, EV_READ, 0, LINE_READ_HIWAT);
	/* Low write watermark 0: the write callback means "all flushed". */
	bufferevent_setwatermark(ls->bev, EV_WRITE, 0, 0);
	if (ls->is_tls)
		/* Many clients close TCP without close_notify; that is an
		 * EOF here, not an error. */
		bufferevent_openssl_set_allow_dirty_shutdown(ls->bev, 1);
	bufferevent_enable(ls->bev, EV_WRITE);
}

/* Watches the ciphertext below a STARTTLS filter: when it has all left,
 * the write callback runs again (to free, or to resume a paused session);
 * the filter's own write callback fires before that. */
static void
sess_under_drained(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct line_sess *ls = arg;

	if (info->n_deleted == 0 || evbuffer_get_length(buf) != 0)
		return;
	if (ls->is_closing ||
	    evbuffer_get_length(bufferevent_get_input(ls->bev)) > 0)
		sess_kick_write(ls);
}

/* The STARTTLS upgrade, after the handler that asked for it returned and
 * its plaintext reply was queued. Returns 0 or -ENOMEM. */
static int
sess_tls_start(struct line_sess *ls)
{
	struct line_server *srv = ls->srv;
	struct evbuffer *in = bufferevent_get_input(ls->bev);
	size_t junk = evbuffer_get_length(in);

	ls->tls_pending = false;
	/* Bytes after STARTTLS were sent in plaintext before the handshake;
	 * running them as if they came over TLS is command injection
	 * (CVE-2011-0411). Drop them with any partial line. */
	if (junk > 0) {
		log_info("sess=%08x starttls-discard bytes=%zu", ls->id, junk);
		evbuffer_drain(in, junk);
		srv->st.bytes_in += junk;
	}
	line_framer_reset(&ls->fr);
	bufferevent_setwatermark(ls->bev, EV_READ, 0, 0);

	SSL *ssl = SSL_new(srv->tls);
	if (ssl == NULL) {
		ERR_clear_error();
		return -ENOMEM;
	}
	/* A filter over the socket bufferevent: the reply already queued
	 * there goes out in plaintext before any handshake byte. */
	struct bufferevent *bev = bufferevent_openssl_filter_new(srv->base,
	    ls->bev, ssl, BUFFEREVENT_SSL_ACCEPTING,
	    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (bev == NULL) {
		/* libevent freed the SSL (BEV_OPT_CLOSE_ON_FREE). */
		ERR_clear_error();
		return -ENOMEM;
	}
	ls->bev = bev;
	ls->is_tls = true;
	srv->st.tls_upgrades++;
	sess_bev_setup(ls);
	if (evbuffer_add_cb(bufferevent_get_output(
	    bufferevent_get_underlying(bev)), sess_under_drained, ls) == NULL)
		return -ENOMEM;
	log_debug("sess=%08x starttls", ls->id);
	return 0;
}

/* Decides what follows a callback: a pending TLS upgrade, EOF once the
 * input is used up, freeing a closing session whose output left, and
 * whether the socket is read. May free ls. */
static void
sess_settle(struct line_sess *ls)
{
	if (ls->tls_pending && !ls->is_closing && sess_tls_start(ls) < 0)
		sess_closing(ls, "tls-setup");
	if (ls->is_eof && sess_may_run(ls))
		sess_closing(ls, "eof");
	if (ls->is_closing) {
		sess_try_free(ls);
		return;
	}
	bool want = !ls->is_eof && sess_may_run(ls);
	bool have = (bufferevent_get_enabled(ls->bev) & EV_READ) != 0;
	if (want && !have)
		bufferevent_enable(ls->bev, EV_READ);
	else if (!want && have)
		bufferevent_disable(ls->bev, EV_READ);
}

/* A bad line: the protocol's error, counted; max_bad closes. */
static enum line_act
sess_reject(struct line_sess *ls, enum line_error err,
    const struct line_cmd *cmd)
{
	struct line_server *srv = ls->srv;
	unsigned max_bad = srv->limits->max_bad;

	srv->st.bad_commands++;
	ls->n_bad++;
	log_debug("sess=%08x cmd-bad err=%s%s%s", ls->id,
	    line_err_names[err], cmd != NULL ? " verb=" : "",
	    cmd != NULL ? cmd->verb : "");
	srv->proto->error(ls, err, cmd);
	if (max_bad != 0 && ls->n_bad >= max_bad) {
		srv->proto->error(ls, LINE_ERR_TOO_MANY_BAD, NULL);
		sess_closing(ls, "too-many-bad");
		return LINE_CLOSE;
	}
	return LINE_OK;
}

static const struct line_cmd *
sess_lookup(const struct line_cmd *cmds, const char *verb)
{
	for (const struct line_cmd *c = cmds; c->verb != NULL; c++) {
		if (strcasecmp(c->verb, verb) == 0)
			return c;
	}
	return NULL;
}

/* One command line: tag, checks against the table, then the handler. */
static enum line_act
sess_command(struct line_sess *ls, char *line, size_t len, unsigned flags)
{
	const struct line_proto *proto = ls->srv->proto;
	char esc[LINE_LOG_ARG];
	char *p = line;

	free(ls->tag);
	ls->tag = NULL;
	if (proto->has_tag) {
		/* The tag is kept past this call for replies a LINE_WAIT
		 * handler sends later; it is replaced by the next command. */
		char *sp = memchr(line, ' ', len);
		size_t n = sp != NULL ? (size_t)(sp - line) : len;

		if (n > 0 && (ls->tag = strndup(line, n)) == NULL) {
			sess_closing(ls, "nomem");
			return LINE_CLOSE;
		}
		p = sp != NULL ? sp + 1 : line + len;
	}
	if ((flags & LINE_F_TOO_LONG) != 0)
		return sess_reject(ls, LINE_ERR_TOO_LONG, NULL);
	if ((flags & LINE_F_NUL) != 0)
		return sess_reject(ls, LINE_ERR_NUL, NULL);
	if ((flags & LINE_F_BARE_LF) != 0 && !proto->allow_bare_lf)
		return sess_reject(ls, LINE_ERR_BARE_LF, NULL);

	/* No NUL before line[len] now: C strings from here on. */
	char *verb = p;
	char *args = strchr(p, ' ');
	if (args != NULL)
		*args++ = '\0';
	else
		args = p + strlen(p);

	const struct line_cmd *cmd = sess_lookup(proto->cmds, verb);
	if (cmd == NULL) {
		/* Verb only: an unknown "verb" may be a mistyped secret. */
		log_debug("sess=%08x cmd-unknown verb=\"%s\"", ls->id,
		    log_esc(verb, strlen(verb), esc, sizeof(esc)));
		return sess_reject(ls, LINE_ERR_UNKNOWN, NULL);
	}
	if ((cmd->flags & CMD_SECRET) != 0)
		log_debug("sess=%08x cmd verb=%s", ls->id, cmd->verb);
	else
		log_debug("sess=%08x cmd verb=%s arg=\"%s\"", ls->id,
		    cmd->verb, log_esc(args, strlen(args), esc, sizeof(esc)));

	bool has_args = args[0] != '\0';
	if (ls->state >= 32 || (cmd->states & (1u << ls->state)) == 0)
		return sess_reject(ls, LINE_ERR_STATE, cmd);
	if ((cmd->flags & CMD_PLAIN) != 0 && ls->is_tls)
		return sess_reject(ls, LINE_ERR_TLS_ACTIVE, cmd);
	if ((cmd->flags & CMD_TLS) != 0 && !ls->is_tls)
		return sess_reject(ls, LINE_ERR_NEED_TLS, cmd);
	if ((cmd->flags & CMD_NOARGS) != 0 && has_args)
		return sess_reject(ls, LINE_ERR_NOARGS, cmd);
	if ((cmd->flags & CMD_ARGS) != 0 && !has_args)
		return sess_reject(ls, LINE_ERR_ARGS, cmd);
	ls->srv->st.commands++;
	return cmd->fn(ls, args);
}

/* is_waiting is held true while a handler runs (see sess_line), so a
 * line_resume() from inside it - work that completed at once - cancels
 * the LINE_WAIT it is about to return instead of being lost. */
static void
sess_handled(struct line_sess *ls, enum line_act act)
{
	bool resumed = !ls->is_waiting;

	ls->is_waiting = act == LINE_WAIT && !resumed;
	if (act == LINE_CLOSE)
		sess_closing(ls, "cmd");
}

static int
sess_line(void *arg, char *line, size_t len, unsigned flags)
{
	struct line_sess *ls = arg;
	enum line_act act;

	ls->is_waiting = true;
	if (ls->srv->proto->filter != NULL && (flags & LINE_F_TOO_LONG) == 0)
		len = ls->srv->proto->filter(ls, line, len);
	if (ls->raw_line != NULL)
		act = ls->raw_line(ls, line, len, flags);
	else
		act = sess_command(ls, line, len, flags);
	sess_handled(ls, act);
	return sess_may_run(ls) ? 0 : 1;
}

/* Picks up a max_line changed by line_server_set_limits, between lines. */
static void
sess_framer_refresh(struct line_sess *ls)
{
	struct line_framer *f = &ls->fr;
	struct line_framer nf;
	size_t want = ls->srv->limits->max_line;

	if (f->max_line == want || f->len != 0 || f->skipping || f->saw_cr)
		return;
	if (line_framer_init(&nf, want) < 0)
		return;		/* keep the old cap */
	line_framer_clear(f);
	*f = nf;
}

/* Runs the buffered input through the framer and the handlers, in order,
 * until it is used up or the session must pause. Frees nothing. */
static void
sess_process(struct line_sess *ls)
{
	struct evbuffer *in = bufferevent_get_input(ls->bev);

	sess_framer_refresh(ls);
	while (sess_may_run(ls) && evbuffer_get_length(in) > 0) {
		struct evbuffer_iovec v[LINE_PEEK_VECS];
		int n = evbuffer_peek(in, -1, NULL, v, LINE_PEEK_VECS);
		size_t used = 0;

		if (n > LINE_PEEK_VECS)
			n = LINE_PEEK_VECS;
		for (int i = 0; i < n; i++) {
			size_t k = line_framer_feed(&ls->fr, v[i].iov_base,
			    v[i].iov_len, sess_line, ls);

			used += k;
			if (k < v[i].iov_len)
				break;
		}
		evbuffer_drain(in, used);
		ls->srv->st.bytes_in += used;
		if (used == 0)
			break;
	}
}

static void
sess_read_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	struct line_sess *ls = arg;

	if (!ls->is_closing)
		sess_arm_idle(ls);
	sess_process(ls);
	sess_settle(ls);
}

/* All output flushed (low watermark 0), or a kick: a closing session goes,
 * a session paused on max_output runs on. */
static void
sess_write_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	struct line_sess *ls = arg;

	if (!ls->is_closing)
		sess_process(ls);
	sess_settle(ls);
}

static void
sess_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct line_sess *ls = arg;
	SSL *ssl = ls->is_tls ? bufferevent_openssl_get_ssl(bev) : NULL;
	bool in_handshake = ssl != NULL && !SSL_is_init_finished(ssl);

	if ((what & BEV_EVENT_CONNECTED) != 0) {
		if (ssl != NULL)
			log_debug("sess=%08x tls version=%s cipher=%s", ls->id,
			    SSL_get_version(ssl), SSL_get_cipher_name(ssl));
		return;
	}
	if ((what & BEV_EVENT_EOF) != 0 && (what & BEV_EVENT_ERROR) == 0 &&
	    !in_handshake) {
		/* The peer is done sending; finish what it sent (a client
		 * may pipeline commands and shut its side), then close. */
		ls->is_eof = true;
		if (!ls->is_closing)
			sess_process(ls);
		sess_settle(ls);
		return;
	}
	unsigned long e = ls->is_tls ? bufferevent_get_openssl_error(bev) : 0;
	if (e != 0) {
		char buf[256];

		ERR_error_string_n(e, buf, sizeof(buf));
		log_info("sess=%08x close reason=tls-error err=\"%s\"", ls->id,
		    buf);
	} else if (!ls->is_closing) {
		/* EOF before the handshake ended (a port scan): nothing queued
		 * can ever be sent, so do not wait to flush it. */
		log_info("sess=%08x close reason=%s", ls->id,
		    in_handshake ? "eof-in-handshake" : "error");
	}
	sess_free(ls);
}

static void
sess_idle_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct line_sess *ls = arg;

	if (ls->is_closing) {
		/* The peer does not read what is left. */
		log_info("sess=%08x close reason=flush-timeout", ls->id);
		sess_free(ls);
		return;
	}
	if (ls->is_waiting) {
		/* The server is busy, not the peer. */
		sess_arm_idle(ls);
		return;
	}
	ls->srv->st.timeouts++;
	ls->srv->proto->error(ls, LINE_ERR_TIMEOUT, NULL);
	sess_closing(ls, "timeout");
	sess_settle(ls);
}

/* Writes the queued output straight to the socket, without waiting: for
 * a last line before the fd is closed. (evbuffer_write cannot be used: a
 * socket bufferevent keeps the start of its output frozen.) Returns bytes
 * sent or -errno. */
static ssize_t
sess_send_now(struct line_sess *ls, evutil_socket_t fd)
{
	struct evbuffer *out = bufferevent_get_output(ls->bev);
	struct evbuffer_iovec v[LINE_PEEK_VECS];
	struct iovec iov[LINE_PEEK_VECS];
	int n = evbuffer_peek(out, -1, NULL, v, LINE_PEEK_VECS);

	if (n > LINE_PEEK_VECS)
		n = LINE_PEEK_VECS;
	if (n <= 0)
		return 0;
	for (int i = 0; i < n; i++) {
		iov[i].iov_base = v[i].iov_base;
		iov[i].iov_len = v[i].iov_len;
	}
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = (size_t)n };
	ssize_t r = sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
	return r < 0 ? -errno : r;
}

static unsigned
srv_count_ip(const struct line_server *srv, const struct net_addr *peer)
{
	unsigned n = 0;

	for (const struct line_sess *ls = srv->sessions; ls != NULL;
	    ls = ls->next) {
		if (net_addr_same_ip(&ls->peer, peer))
			n++;
	}
	return n;
}

/* Refuses a connection with the protocol's reply. The reply is sent at
 * once (a fresh socket's send buffer takes a line) and the session is
 * gone before this returns, so a refused client holds nothing here. No
 * reply on implicit TLS ports: that would take a handshake. */
static void
srv_refuse(struct line_server *srv, const struct line_listener *li,
    evutil_socket_t fd, const struct net_addr *peer, enum line_error why)
{
	char pbuf[NET_ADDRSTRLEN];
	struct line_sess *ls = NULL;

	srv->st.refused++;
	log_info("%s refuse reason=%s peer=%s", srv->proto->name,
	    line_err_names[why], net_addr_format(peer, true, pbuf,
	    sizeof(pbuf)));
	if (li->implicit_tls)
		goto out;
	ls = srv->proto->sess_new(srv->ctx);
	if (ls == NULL)
		goto out;
	ls->srv = srv;
	ls->peer = *peer;
	/* Replies are small and each one answers a command: sending them at
	 * once, not behind Nagle's wait for an ACK, is what a client sees
	 * as latency (FTP's 226 after the 150 waited a delayed ACK, ~40 ms). */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 },
	    sizeof(int));
	if (net_sock_name(fd, &ls->local) < 0)
		ls->local.len = 0;
	ls->id = srv->next_id++;
	ls->bev = bufferevent_socket_new(srv->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (ls->bev == NULL)
		goto out;
	fd = -1;			/* the bufferevent closes it */
	srv->proto->error(ls, why, NULL);
	if (sess_send_now(ls, bufferevent_getfd(ls->bev)) < 0)
		log_debug("%s refuse reply not sent", srv->proto->name);
out:
	if (ls != NULL) {
		if (ls->bev != NULL)
			bufferevent_free(ls->bev);
		ls->bev = NULL;
		free(ls->tag);
		ls->tag = NULL;
		srv->proto->sess_free(ls);
	}
	if (fd >= 0)
		evutil_closesocket(fd);
}

/* Sets up an accepted connection and greets. */
static void
sess_start(struct line_server *srv, evutil_socket_t fd,
    const struct net_addr *peer, bool implicit_tls)
{
	const struct line_proto *proto = srv->proto;
	char pbuf[NET_ADDRSTRLEN], lbuf[NET_ADDRSTRLEN];
	struct line_sess *ls = proto->sess_new(srv->ctx);

	if (ls == NULL)
		goto fail;
	ls->srv = srv;
	ls->peer = *peer;
	/* Replies are small and each one answers a command: sending them at
	 * once, not behind Nagle's wait for an ACK, is what a client sees
	 * as latency (FTP's 226 after the 150 waited a delayed ACK, ~40 ms). */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 },
	    sizeof(int));
	if (net_sock_name(fd, &ls->local) < 0)
		ls->local.len = 0;
	ls->id = srv->next_id++;
	if (line_framer_init(&ls->fr, srv->limits->max_line) < 0)
		goto fail;
	if ((ls->idle_ev = evtimer_new(srv->base, sess_idle_cb, ls)) == NULL)
		goto fail;
	if (implicit_tls) {
		SSL *ssl = SSL_new(srv->tls);

		if (ssl == NULL)
			goto fail;
		/* On failure libevent frees the SSL (CLOSE_ON_FREE). */
		ls->bev = bufferevent_openssl_socket_new(srv->base, fd, ssl,
		    BUFFEREVENT_SSL_ACCEPTING,
		    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
		ls->is_tls = true;
	} else {
		ls->bev = bufferevent_socket_new(srv->base, fd,
		    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	}
	if (ls->bev == NULL)
		goto fail;

	ls->next = srv->sessions;
	if (srv->sessions != NULL)
		srv->sessions->prev = ls;
	srv->sessions = ls;
	srv->st.current++;
	srv->st.accepted++;
	sess_bev_setup(ls);
	sess_arm_idle(ls);
	log_info("sess=%08x connect peer=%s local=%s tls=%s", ls->id,
	    net_addr_format(&ls->peer, true, pbuf, sizeof(pbuf)),
	    ls->local.len != 0 ? net_addr_format(&ls->local, true, lbuf,
	    sizeof(lbuf)) : "-", implicit_tls ? "yes" : "no");

	enum line_act act = LINE_OK;
	if (proto->greet != NULL) {
		ls->is_waiting = true;
		act = proto->greet(ls);
	}
	sess_handled(ls, act);
	sess_settle(ls);
	return;

fail:
	ERR_clear_error();
	srv->st.refused++;
	log_warn("%s cannot set up a session: out of memory", proto->name);
	if (ls != NULL && ls->bev != NULL)
		bufferevent_free(ls->bev);	/* closes fd */
	else
		evutil_closesocket(fd);
	if (ls != NULL) {
		ls->bev = NULL;
		if (ls->idle_ev != NULL)
			event_free(ls->idle_ev);
		ls->idle_ev = NULL;
		line_framer_clear(&ls->fr);
		proto->sess_free(ls);
	}
}

static void
srv_accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	(void)lev;
	struct line_listener *li = arg;
	struct line_server *srv = li->srv;
	const struct line_limits *lim = srv->limits;
	struct net_addr peer;

	net_addr_from_sa(&peer, sa, (socklen_t)salen);
	if (lim->max_clients != 0 && srv->st.current >= lim->max_clients)
		srv_refuse(srv, li, fd, &peer, LINE_ERR_FULL);
	else if (lim->max_per_ip != 0 &&
	    srv_count_ip(srv, &peer) >= lim->max_per_ip)
		srv_refuse(srv, li, fd, &peer, LINE_ERR_FULL_IP);
	else
		sess_start(srv, fd, &peer, li->implicit_tls);
}

static void
lst_error_cb(struct evconnlistener *lev, void *arg)
{
	struct line_listener *li = arg;
	int err = EVUTIL_SOCKET_ERROR();
	struct timeval tv = {
		.tv_sec = LINE_ACCEPT_PAUSE_MS / 1000,
		.tv_usec = (LINE_ACCEPT_PAUSE_MS % 1000) * 1000,
	};

	/* libevent only reports errors that persist (EMFILE, ENFILE,
	 * ENOBUFS): pausing keeps the loop from spinning on them. */
	log_warn("%s accept: %s; pausing accepts for %d ms",
	    li->srv->proto->name, evutil_socket_error_to_string(err),
	    LINE_ACCEPT_PAUSE_MS);
	if (evconnlistener_disable(lev) < 0 ||
	    evtimer_add(li->pause_ev, &tv) < 0)
		log_warn("%s cannot pause accepting", li->srv->proto->name);
}

static void
lst_pause_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct line_listener *li = arg;

	if (evconnlistener_enable(li->lev) < 0)
		log_warn("%s cannot resume accepting", li->srv->proto->name);
}

static void
lst_free(struct line_listener *li)
{
	if (li->lev != NULL)
		evconnlistener_free(li->lev);	/* closes the fd */
	if (li->pause_ev != NULL)
		event_free(li->pause_ev);
	free(li);
}

static void
srv_free_listeners(struct line_server *srv)
{
	while (srv->listeners != NULL) {
		struct line_listener *li = srv->listeners;

		srv->listeners = li->next;
		lst_free(li);
	}
}

struct line_server *
line_server_new(struct event_base *base, const struct line_proto *proto,
    const struct line_limits *limits, SSL_CTX *tls, void *ctx)
{
	struct line_server *srv = calloc(1, sizeof(*srv));

	if (srv == NULL)
		return NULL;
	srv->base = base;
	srv->proto = proto;
	srv->limits = limits;
	srv->tls = tls;
	srv->ctx = ctx;
	/* A random start keeps ids from different processes and restarts
	 * apart in merged logs. */
	if (RAND_bytes((unsigned char *)&srv->next_id,
	    sizeof(srv->next_id)) != 1) {
		ERR_clear_error();
		srv->next_id = (uint32_t)getpid() << 16;
	}
	return srv;
}

int
line_server_listen(struct line_server *srv, int fd, bool implicit_tls)
{
	struct line_listener *li = NULL;
	int err = 0;

	if ((implicit_tls && srv->tls == NULL) || srv->is_stopping) {
		err = -EINVAL;
		goto out;
	}
	if ((li = calloc(1, sizeof(*li))) == NULL) {
		err = -ENOMEM;
		goto out;
	}
	li->srv = srv;
	li->implicit_tls = implicit_tls;
	if ((li->pause_ev = evtimer_new(srv->base, lst_pause_cb, li)) ==
	    NULL) {
		err = -ENOMEM;
		goto out;
	}
	/* Backlog 0: the socket is listening already. */
	li->lev = evconnlistener_new(srv->base, srv_accept_cb, li,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
	if (li->lev == NULL) {
		err = -ENOMEM;
		goto out;
	}
	fd = -1;			/* the listener owns it now */
	evconnlistener_set_error_cb(li->lev, lst_error_cb);
	li->next = srv->listeners;
	srv->listeners = li;
	li = NULL;
out:
	if (li != NULL)
		lst_free(li);
	if (err < 0 && fd >= 0)
		close(fd);
	return err;
}

void
line_server_shutdown(struct line_server *srv, bool now)
{
	struct line_sess *next;

	srv->is_stopping = true;
	srv_free_listeners(srv);
	for (struct line_sess *ls = srv->sessions; ls != NULL; ls = next) {
		next = ls->next;
		if (!ls->is_closing) {
			srv->proto->error(ls, LINE_ERR_SHUTDOWN, NULL);
			sess_closing(ls, "shutdown");
		}
		if (now) {
			/* Best effort for the goodbye line, then gone. */
			if (!ls->is_tls && sess_send_now(ls,
			    bufferevent_getfd(ls->bev)) < 0)
				log_debug("sess=%08x shutdown reply not sent",
				    ls->id);
			sess_free(ls);
		} else {
			sess_kick_write(ls);
		}
	}
}

void
line_server_free(struct line_server **srvp)
{
	struct line_server *srv = *srvp;

	if (srv == NULL)
		return;
	srv_free_listeners(srv);
	while (srv->sessions != NULL)
		sess_free(srv->sessions);
	free(srv);
	*srvp = NULL;
}

void
line_server_stats(const struct line_server *srv, struct line_stats *out)
{
	*out = srv->st;
}

void
line_server_set_limits(struct line_server *srv,
    const struct line_limits *limits)
{
	srv->limits = limits;
}

void *
line_server_ctx(const struct line_server *srv)
{
	return srv->ctx;
}

/* ---- what handlers call ---- */

static int __attribute__((format(printf, 3, 0)))
sess_vreply(struct line_sess *ls, const char *prefix, const char *fmt,
    va_list ap)
{
	struct evbuffer *out = bufferevent_get_output(ls->bev);
	int n, total = 0;

	if (prefix != NULL) {
		if ((n = evbuffer_add_printf(out, "%s ", prefix)) < 0)
			return -ENOMEM;
		total += n;
	}
	if ((n = evbuffer_add_vprintf(out, fmt, ap)) < 0)
		return -ENOMEM;
	total += n;
	if (evbuffer_add(out, "\r\n", 2) < 0)
		return -ENOMEM;
	ls->srv->st.bytes_out += (uint64_t)total + 2;
	return 0;
}

int
line_reply(struct line_sess *ls, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int err = sess_vreply(ls, NULL, fmt, ap);
	va_end(ap);
	return err;
}

int
line_reply_tagged(struct line_sess *ls, const char *fmt, ...)
{
	const char *prefix = NULL;
	va_list ap;

	/* Without a usable tag (an empty line, a bad tag) IMAP answers
	 * untagged: "* BAD ...". */
	if (ls->srv->proto->has_tag)
		prefix = ls->tag != NULL ? ls->tag : "*";
	va_start(ap, fmt);
	int err = sess_vreply(ls, prefix, fmt, ap);
	va_end(ap);
	return err;
}

int
line_write(struct line_sess *ls, const void *buf, size_t len)
{
	if (evbuffer_add(bufferevent_get_output(ls->bev), buf, len) < 0)
		return -ENOMEM;
	ls->srv->st.bytes_out += len;
	return 0;
}

int
line_starttls(struct line_sess *ls)
{
	if (ls->srv->tls == NULL || ls->is_tls)
		return -EINVAL;
	ls->tls_pending = true;
	return 0;
}

void
line_resume(struct line_sess *ls)
{
	if (!ls->is_waiting)
		return;
	ls->is_waiting = false;
	if (ls->is_closing)
		return;
	/* Run the buffered lines from the loop, not from the caller's stack
	 * (which may be this session's own handler). */
	bufferevent_trigger(ls->bev, EV_READ,
	    BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
}

void
line_close(struct line_sess *ls)
{
	if (ls->is_closing)
		return;
	sess_closing(ls, "closed");
	sess_kick_write(ls);
}

void
line_touch(struct line_sess *ls)
{
	if (!ls->is_closing)
		sess_arm_idle(ls);
}

int
line_unread(struct line_sess *ls, const char *line, size_t len)
{
	struct evbuffer *in = bufferevent_get_input(ls->bev);
	struct evbuffer *tmp;
	int err = 0;

	/* A handler returning LINE_WAIT stops the feed right after its
	 * line, and a waiting session reads nothing: no byte the peer sent
	 * after this line has been consumed, so it goes back in order. */
	if (!ls->is_waiting || ls->fr.skipping)
		return -EINVAL;
	if ((tmp = evbuffer_new()) == NULL)
		return -ENOMEM;
	if (evbuffer_add(tmp, line, len) < 0 ||
	    evbuffer_add(tmp, "\r\n", 2) < 0 ||
	    evbuffer_prepend_buffer(in, tmp) < 0)
		err = -ENOMEM;
	evbuffer_free(tmp);
	if (err < 0)
		return err;
	if (ls->srv->st.bytes_in >= len + 2)
		ls->srv->st.bytes_in -= len + 2;
	return 0;
}
