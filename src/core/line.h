/* core/line.h - line-oriented TCP sessions: the base of FTP, SMTP, POP3
 * and IMAP (and the echo diagnostic service).
 *
 * Two layers. The framer is pure (no I/O): feed it bytes, it calls back
 * once per complete line, enforcing the length cap (an overlong line is
 * reported once and skipped to its end), CRLF vs bare LF, and NUL bytes.
 * The session runs a framer on a libevent bufferevent: it dispatches each
 * line through the protocol's command table (verb -> handler, the states
 * the verb is allowed in), writes replies, enforces the idle timeout,
 * max clients, max clients per IP and a bad-command limit, pauses while a
 * handler waits (LINE_WAIT), and upgrades to TLS in place (STARTTLS / AUTH
 * TLS) or at accept (implicit TLS ports). Pipelined lines run in order. */
#ifndef IK_CORE_LINE_H
#define IK_CORE_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "core/net.h"

struct event_base;
struct bufferevent;

/* ---- framer (pure) ---- */

#define LINE_F_TOO_LONG	0x1	/* line exceeded the cap; `line` is its head */
#define LINE_F_BARE_LF	0x2	/* ended by LF without CR */
#define LINE_F_NUL	0x4	/* contained a NUL byte */

/* Called once per line, without its terminator, NUL-terminated (`len`
 * excludes the NUL; a line with LINE_F_NUL may hold NULs before len).
 * `line` is valid only during the call. Return 0 to go on, nonzero to stop
 * the feed after this line (the rest stays unconsumed). */
typedef int line_emit_fn(void *arg, char *line, size_t len, unsigned flags);

struct line_framer {
	char		*buf;	/* owned; max_line + 1 bytes */
	size_t		 len;	/* bytes of the current partial line */
	size_t		 max_line;	/* cap, terminator excluded */
	bool		 skipping;	/* in an overlong line, reported once */
	bool		 saw_cr;	/* buf's last byte consumed was CR */
};

/* Returns 0 or -ENOMEM. */
int line_framer_init(struct line_framer *f, size_t max_line);
void line_framer_clear(struct line_framer *f);
/* Feeds `len` bytes; returns how many were consumed (< len only when the
 * callback asked to stop). */
size_t line_framer_feed(struct line_framer *f, const char *in, size_t len,
    line_emit_fn *emit, void *arg);
/* Drops any partial line (after STARTTLS, to refuse injected plaintext). */
void line_framer_reset(struct line_framer *f);

/* ---- sessions ---- */

enum line_act {
	LINE_OK,	/* go on with the next line */
	LINE_WAIT,	/* stop reading until line_resume() */
	LINE_CLOSE,	/* flush what was written, then close and free */
};

struct line_sess;
typedef enum line_act line_cmd_fn(struct line_sess *ls, char *args);

/* Command flags. */
#define CMD_NOARGS	0x01	/* arguments are an error */
#define CMD_ARGS	0x02	/* arguments are required */
#define CMD_SECRET	0x04	/* log the verb only (PASS, AUTH) */
#define CMD_TLS		0x08	/* only once TLS is on (when the server has
				 * TLS configured and requires it) */
#define CMD_PLAIN	0x10	/* only before TLS (STARTTLS itself) */
#define CMD_ANY_STATE	0xffffffffu

struct line_cmd {
	const char	*verb;	/* matched case-insensitively */
	uint32_t	 states;	/* bit (1u << state) for each state */
	unsigned	 flags;
	line_cmd_fn	*fn;
};

/* Why line.c could not run a line; the protocol turns it into its reply. */
enum line_error {
	LINE_ERR_UNKNOWN,	/* no such verb */
	LINE_ERR_STATE,		/* verb not allowed in the current state */
	LINE_ERR_NOARGS,	/* arguments given to a CMD_NOARGS verb */
	LINE_ERR_ARGS,		/* no arguments for a CMD_ARGS verb */
	LINE_ERR_NEED_TLS,	/* CMD_TLS verb on a plaintext session */
	LINE_ERR_TLS_ACTIVE,	/* CMD_PLAIN verb once TLS is on */
	LINE_ERR_TOO_LONG,	/* line over max_line; skipped */
	LINE_ERR_BARE_LF,	/* LF without CR where the protocol wants CRLF */
	LINE_ERR_NUL,		/* NUL byte in a line */
	LINE_ERR_TOO_MANY_BAD,	/* max_bad reached: session closes after */
	LINE_ERR_TIMEOUT,	/* idle timeout: session closes after */
	LINE_ERR_FULL,		/* max_clients reached: refused at accept */
	LINE_ERR_FULL_IP,	/* max_per_ip reached: refused at accept */
	LINE_ERR_SHUTDOWN,	/* server stopping: session closes after */
};

/* What a protocol gives line.c. Sessions are allocated by the protocol so
 * they can embed `struct line_sess` (first member or via container_of). */
struct line_proto {
	const char		*name;		/* "smtp", for logs */
	const struct line_cmd	*cmds;		/* ends with { 0 } */
	bool			 allow_bare_lf;	/* accept LF alone as EOL */
	bool			 has_tag;	/* IMAP: "tag VERB args" */
	/* Returns a zeroed session (only `ls` is set up by line.c) or NULL. */
	struct line_sess	*(*sess_new)(void *ctx);
	/* Frees what sess_new allocated; `ls` is already detached. Also
	 * runs while a LINE_WAIT is pending (peer gone, shutdown, timeout):
	 * cancel that work here, it must not touch `ls` afterwards. */
	void			(*sess_free)(struct line_sess *ls);
	/* Called once the session is set up (and, for implicit TLS ports,
	 * before the handshake completes): writes the greeting. May return
	 * LINE_CLOSE. */
	enum line_act		(*greet)(struct line_sess *ls);
	/* Writes the protocol's reply for `err` (cmd may be NULL). */
	void			(*error)(struct line_sess *ls, enum line_error err,
				    const struct line_cmd *cmd);
	/* Optional: rewrites each line in place before it is dispatched
	 * (to a raw_line handler too) and returns its new length, keeping
	 * line[len] == '\0' (FTP drops Telnet IAC sequences). Not called
	 * for an overlong line. NULL: lines go as framed. */
	size_t			(*filter)(struct line_sess *ls, char *line,
				    size_t len);
};

struct line_limits {
	size_t		 max_line;	/* bytes, terminator excluded */
	uint64_t	 idle_ms;	/* 0: none */
	unsigned	 max_clients;	/* 0: none */
	unsigned	 max_per_ip;	/* 0: none */
	unsigned	 max_bad;	/* bad commands before close; 0: none */
	size_t		 max_output;	/* pause reading while more is queued */
};

struct line_stats {
	uint64_t	 accepted, refused, current;
	uint64_t	 commands, bad_commands, timeouts, tls_upgrades;
	uint64_t	 bytes_in, bytes_out;
};

struct line_server;

struct line_sess {
	struct line_server	*srv;		/* borrowed */
	struct bufferevent	*bev;		/* owned by line.c */
	struct net_addr		 peer;
	struct net_addr		 local;
	uint32_t		 id;		/* for logs: sess=%08x */
	unsigned		 state;		/* the protocol's state number */
	bool			 is_tls;
	unsigned		 n_bad;
	char			*tag;		/* has_tag: current tag, or NULL */
	/* When set, lines go here instead of the command table (SMTP DATA,
	 * AUTH continuations); clear it to return to commands. */
	enum line_act		(*raw_line)(struct line_sess *ls, char *line,
				    size_t len, unsigned flags);
	/* line.c private */
	struct line_framer	 fr;
	struct line_sess	*next, *prev;
	struct event		*idle_ev;
	bool			 is_waiting, is_closing, tls_pending;
	bool			 is_eof;	/* peer finished sending */
};

/* Creates a server on `base`; `proto`, `limits` and `ctx` are borrowed and
 * must outlive it. `tls` (borrowed, may be NULL) enables STARTTLS-type
 * upgrades and implicit TLS listeners. Returns NULL on ENOMEM. */
struct line_server *line_server_new(struct event_base *base,
    const struct line_proto *proto, const struct line_limits *limits,
    SSL_CTX *tls, void *ctx);
/* Accepts on listening socket `fd` (taken). implicit_tls: the handshake
 * starts at accept (SMTPS, IMAPS, POP3S, FTPS implicit). Returns 0 or
 * -errno / -EINVAL (implicit_tls without a TLS context). */
int line_server_listen(struct line_server *srv, int fd, bool implicit_tls);
/* Stops accepting; each session gets LINE_ERR_SHUTDOWN and is closed once
 * its output is flushed (or at once if `now`). */
void line_server_shutdown(struct line_server *srv, bool now);
/* Frees the server and every remaining session. */
void line_server_free(struct line_server **srvp);
void line_server_stats(const struct line_server *srv, struct line_stats *out);
/* Swaps limits (reload); applies to new lines/accepts. Borrowed. */
void line_server_set_limits(struct line_server *srv,
    const struct line_limits *limits);
void *line_server_ctx(const struct line_server *srv);

/* Appends `fmt` plus CRLF to the output (with "tag " first when the
 * protocol has tags and `tagged`; "* " when the line had no tag). Returns
 * 0 or -ENOMEM. */
int line_reply(struct line_sess *ls, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int line_reply_tagged(struct line_sess *ls, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends raw bytes. */
int line_write(struct line_sess *ls, const void *buf, size_t len);
/* Starts TLS on this session once what was written so far is flushed in
 * plaintext; input already buffered (pipelined after STARTTLS) is
 * discarded. Call from a handler, after writing the go-ahead reply, and
 * return LINE_OK. Returns 0, or -EINVAL if the server has no TLS. */
int line_starttls(struct line_sess *ls);
/* Resumes reading after a handler returned LINE_WAIT; may be called from
 * any callback (runs the remaining buffered lines from the event loop). */
void line_resume(struct line_sess *ls);
/* Closes the session after flushing its output (from outside a handler). */
void line_close(struct line_sess *ls);
/* Counts as activity for the idle timeout: work the session does on the
 * peer's behalf elsewhere (an FTP data transfer) keeps it alive. */
void line_touch(struct line_sess *ls);
/* Puts `line` (without terminator) back in front of the unread input, to
 * run again once the session resumes: a handler that cannot take a line
 * now (FTP, a command during a transfer) calls this and returns LINE_WAIT,
 * and line_resume() follows when it is ready. Only from that handler or
 * while the session waits. Returns 0, -EINVAL (not waiting) or -ENOMEM. */
int line_unread(struct line_sess *ls, const char *line, size_t len);

#endif
