/* core/ctl.c - the control channel: a unix socket per service, one
 * command line in, a text reply out, then close. Services register their
 * commands; "help" is built in. The client half (ctl_call) is what
 * "inetkit ctl" runs. */
#include "core/ctl.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"

#define CTL_READ_TIMEOUT_S	5

struct ctl_server {
	struct event_base	*base;
	struct evconnlistener	*lev;
	char			*path;
	const struct ctl_cmd	*cmds;
	void			*arg;
};

static int
unix_addr(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path))
		return -ENAMETOOLONG;
	memcpy(sun->sun_path, path, strlen(path) + 1);
	return 0;
}

static void
reply_help(const struct ctl_server *cs, struct evbuffer *out)
{
	evbuffer_add_printf(out, "help  list commands\n");
	for (const struct ctl_cmd *c = cs->cmds; c->name != NULL; c++)
		evbuffer_add_printf(out, "%s\n", c->help ? c->help : c->name);
}

/* Runs one command line and writes its reply into `out`. */
static void
run_line(const struct ctl_server *cs, char *line, struct evbuffer *out)
{
	char esc[128];
	char *args = line + strcspn(line, " \t");

	if (*args != '\0') {
		*args++ = '\0';
		args += strspn(args, " \t");
	}
	if (strcmp(line, "help") == 0) {
		reply_help(cs, out);
		return;
	}
	for (const struct ctl_cmd *c = cs->cmds; c->name != NULL; c++) {
		if (strcmp(c->name, line) != 0)
			continue;
		log_info("ctl cmd=%s", c->name);
		size_t before = evbuffer_get_length(out);
		int err = c->fn(cs->arg, args, out);
		/* A failing command that wrote nothing still says so. */
		if (err < 0 && evbuffer_get_length(out) == before)
			evbuffer_add_printf(out, "error: %s\n",
			    ik_strerror(err));
		return;
	}
	evbuffer_add_printf(out, "error: unknown command \"%s\" (try help)\n",
	    log_esc(line, strlen(line), esc, sizeof(esc)));
}

static void
conn_done(struct bufferevent *bev, void *arg)
{
	(void)arg;
	bufferevent_free(bev);
}

static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	(void)what;
	(void)arg;
	bufferevent_free(bev);
}

static void
conn_read(struct bufferevent *bev, void *arg)
{
	struct ctl_server *cs = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer *out = bufferevent_get_output(bev);
	size_t n;
	char *line = evbuffer_readln(in, &n, EVBUFFER_EOL_CRLF);

	if (line == NULL) {
		if (evbuffer_get_length(in) <= CTL_LINE_MAX)
			return;		/* wait for the rest */
		evbuffer_add_printf(out, "error: line too long\n");
	} else if (n > CTL_LINE_MAX || memchr(line, '\0', n) != NULL) {
		evbuffer_add_printf(out, "error: bad command line\n");
	} else {
		run_line(cs, line, out);
	}
	free(line);
	/* One command per connection: close once the reply is out. */
	bufferevent_disable(bev, EV_READ);
	bufferevent_setcb(bev, NULL, conn_done, conn_event, cs);
	if (evbuffer_get_length(out) == 0)
		bufferevent_free(bev);
}

static void
accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct ctl_server *cs = arg;
	struct timeval tv = { CTL_READ_TIMEOUT_S, 0 };

	(void)lev;
	(void)sa;
	(void)salen;
	struct bufferevent *bev = bufferevent_socket_new(cs->base, fd,
	    BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		close(fd);
		return;
	}
	bufferevent_setcb(bev, conn_read, NULL, conn_event, cs);
	bufferevent_set_timeouts(bev, &tv, &tv);
	bufferevent_setwatermark(bev, EV_READ, 0, CTL_LINE_MAX + 2);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

struct ctl_server *
ctl_server_new(struct event_base *base, const char *path,
    const struct ctl_cmd *cmds, void *arg, int *err)
{
	struct sockaddr_un sun;
	struct ctl_server *cs = NULL;
	int fd = -1;

	if ((*err = unix_addr(path, &sun)) < 0)
		return NULL;
	if ((cs = calloc(1, sizeof(*cs))) == NULL ||
	    (cs->path = strdup(path)) == NULL) {
		*err = -ENOMEM;
		goto fail;
	}
	cs->base = base;
	cs->cmds = cmds;
	cs->arg = arg;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail_errno;
	/* A socket file left by a killed process would block the bind. */
	if (unlink(path) < 0 && errno != ENOENT)
		goto fail_errno;
	/* Created 0600 from the start: no window where others can connect. */
	mode_t old = umask(0177);
	int r = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (r < 0 || listen(fd, 16) < 0)
		goto fail_errno;
	cs->lev = evconnlistener_new(base, accept_cb, cs,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
	if (cs->lev == NULL) {
		*err = -ENOMEM;
		goto fail;
	}
	return cs;
fail_errno:
	*err = -errno;
fail:
	if (fd >= 0)
		close(fd);
	if (cs != NULL)
		free(cs->path);
	free(cs);
	return NULL;
}

void
ctl_server_free(struct ctl_server **cp)
{
	struct ctl_server *cs = *cp;

	if (cs == NULL)
		return;
	if (cs->lev != NULL)
		evconnlistener_free(cs->lev);
	unlink(cs->path);
	free(cs->path);
	free(cs);
	*cp = NULL;
}

/* Waits for `events` on fd until `deadline`. Returns 0 or -ETIMEDOUT. */
static int
wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - (int64_t)clock_mono_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		struct pollfd p = { .fd = fd, .events = events };
		int r = poll(&p, 1, (int)left);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

int
ctl_call(const char *path, const char *line, FILE *out, int timeout_ms)
{
	struct sockaddr_un sun;
	int64_t deadline = (int64_t)clock_mono_ms() + timeout_ms;
	char buf[4096];
	char head[8] = "";
	size_t n_head = 0;
	int ret;

	if ((ret = unix_addr(path, &sun)) < 0)
		return ret;
	if (strlen(line) > CTL_LINE_MAX)
		return -IK_ELIMIT;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		ret = -errno;
		goto out;
	}
	size_t len = strlen(line);
	const char *p = line;
	char nl = '\n';
	/* The command is small: it fits the socket buffer at once. */
	ssize_t w1 = send(fd, p, len, MSG_NOSIGNAL);
	ssize_t w2 = w1 == (ssize_t)len ? send(fd, &nl, 1, MSG_NOSIGNAL) : -1;
	if (w1 != (ssize_t)len || w2 != 1) {
		ret = w1 < 0 || w2 < 0 ? -errno : -EIO;
		if (ret == 0)
			ret = -EIO;
		goto out;
	}
	for (;;) {
		if ((ret = wait_fd(fd, POLLIN, deadline)) < 0)
			goto out;
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		if (n == 0)
			break;
		for (ssize_t i = 0; i < n && n_head < sizeof(head) - 1; i++)
			head[n_head++] = buf[i];
		fwrite(buf, 1, (size_t)n, out);
	}
	ret = strncmp(head, "error: ", 7) == 0 ? 1 : 0;
out:
	close(fd);
	return ret;
}
