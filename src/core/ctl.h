/* core/ctl.h - the control channel: each service listens on a unix socket
 * (DATA_DIR/run/SERVICE.sock, mode 0600). A client sends one command line
 * ("stats", "flush example.test"), the service writes a text reply and
 * closes. A reply that fails starts with "error: ". Services only register
 * their commands; "help" is built in. */
#ifndef IK_CORE_CTL_H
#define IK_CORE_CTL_H

#include <stdio.h>

struct event_base;
struct evbuffer;

#define CTL_LINE_MAX	1024	/* longest command line accepted */

/* Writes the reply text into `out`. Returns 0, or < 0 when the command
 * failed (the reply should then start with "error: "). `args` is the rest
 * of the line after the command word, "" when none. */
typedef int ctl_cmd_fn(void *arg, const char *args, struct evbuffer *out);

struct ctl_cmd {
	const char	*name;
	const char	*help;	/* "flush [NAME]  drop cached answers" */
	ctl_cmd_fn	*fn;
};

struct ctl_server;

/* Listens on `path` (an old socket file there is replaced). `cmds` (ends
 * with { 0 }) and `arg` are borrowed. Returns NULL and sets *err (-errno)
 * on failure. */
struct ctl_server *ctl_server_new(struct event_base *base, const char *path,
    const struct ctl_cmd *cmds, void *arg, int *err);
/* Stops listening, removes the socket file, frees. */
void ctl_server_free(struct ctl_server **cp);

/* Client side: connects to `path`, sends `line`, copies the reply to
 * `out`. Waits at most timeout_ms in all. Returns 0 if the reply did not
 * start with "error: ", 1 if it did, or -errno (-ENOENT / -ECONNREFUSED:
 * the service is not running; -ETIMEDOUT). */
int ctl_call(const char *path, const char *line, FILE *out, int timeout_ms);

#endif
