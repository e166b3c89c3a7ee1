/* tests/unit/core/test_ctl.c - the control channel: a ctl_server on an
 * event_base in the test thread, clients (ctl_call, or raw bytes) in a
 * second thread. The loop runs until the client thread says it is done,
 * or a deadline passes; every client call has its own timeout too. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "core/ctl.h"
#include "core/err.h"
#include "core/log.h"

#define CLIENT_TIMEOUT_MS	3000
#define LOOP_LIMIT_S		10	/* > CLIENT_TIMEOUT_MS: never hit */
#define BIG_REPLY		100000

struct cmd_state {
	int	 n_calls;
	char	 last_args[CTL_LINE_MAX + 1];
};

static int
cmd_echo(void *arg, const char *args, struct evbuffer *out)
{
	struct cmd_state *cs = arg;

	cs->n_calls++;
	snprintf(cs->last_args, sizeof(cs->last_args), "%s", args);
	evbuffer_add_printf(out, "%s\n", args);
	return 0;
}

static int
cmd_fail(void *arg, const char *args, struct evbuffer *out)
{
	(void)arg;
	(void)args;
	(void)out;
	return -IK_EDENIED;
}

static int
cmd_failtext(void *arg, const char *args, struct evbuffer *out)
{
	(void)arg;
	(void)args;
	evbuffer_add_printf(out, "error: custom reason\n");
	return -EIO;
}

static int
cmd_quiet(void *arg, const char *args, struct evbuffer *out)
{
	(void)arg;
	(void)args;
	(void)out;
	return 0;
}

static int
cmd_big(void *arg, const char *args, struct evbuffer *out)
{
	char chunk[1000];

	(void)arg;
	(void)args;
	memset(chunk, 'b', sizeof(chunk));
	for (int i = 0; i < BIG_REPLY / (int)sizeof(chunk); i++)
		evbuffer_add(out, chunk, sizeof(chunk));
	return 0;
}

static const struct ctl_cmd test_cmds[] = {
	{ "echo", "echo TEXT  say it back", cmd_echo },
	{ "fail", "fail  fail without a word", cmd_fail },
	{ "failtext", "failtext  fail with a reason", cmd_failtext },
	{ "quiet", NULL, cmd_quiet },
	{ "big", "big  a 100000-byte reply", cmd_big },
	{ 0 },
};

struct fixture {
	char			 dir[64];
	char			 path[128];
	struct event_base	*base;
	struct ctl_server	*srv;
	struct cmd_state	 cs;
};

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	int err = 0;

	if (fx == NULL)
		return -1;
	log_init("test", LOG_LV_WARN);	/* no "ctl cmd=" lines */
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/ik-test-ctl-XXXXXX");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	snprintf(fx->path, sizeof(fx->path), "%s/svc.sock", fx->dir);
	fx->base = event_base_new();
	if (fx->base == NULL)
		return -1;
	fx->srv = ctl_server_new(fx->base, fx->path, test_cmds, &fx->cs, &err);
	if (fx->srv == NULL) {
		print_message("ctl_server_new: %s\n", ik_strerror(err));
		return -1;
	}
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	ctl_server_free(&fx->srv);
	event_base_free(fx->base);
	unlink(fx->path);
	int r = rmdir(fx->dir);
	free(fx);
	log_init("inetkit", LOG_LV_INFO);
	return r;
}

/* ---- a client in a second thread ---- */

struct job {
	const char	*path;
	/* ctl_call job */
	const char	*line;
	int		 rc;
	/* raw job when raw != NULL */
	const char	*raw;
	size_t		 raw_len;
	/* the reply */
	char		*reply;
	size_t		 reply_len;
	int		 wake_fd;	/* written when done */
};

static void
raw_client(struct job *j)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	FILE *out = open_memstream(&j->reply, &j->reply_len);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	j->rc = -EIO;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", j->path);
	if (fd < 0 || out == NULL ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    send(fd, j->raw, j->raw_len, MSG_NOSIGNAL) != (ssize_t)j->raw_len)
		goto out;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char buf[4096];
		if (poll(&p, 1, CLIENT_TIMEOUT_MS) != 1) {
			j->rc = -ETIMEDOUT;
			goto out;
		}
		ssize_t n = read(fd, buf, sizeof(buf));
		/* A unix socket closed with our bytes unread (an overlong
		 * line) reads as a reset after the reply: the end. */
		if (n < 0 && errno == ECONNRESET)
			break;
		if (n < 0) {
			j->rc = -errno;
			goto out;
		}
		if (n == 0)
			break;
		fwrite(buf, 1, (size_t)n, out);
	}
	j->rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (out != NULL)
		fclose(out);
}

static void *
client_main(void *arg)
{
	struct job *j = arg;
	char one = 1;

	if (j->raw != NULL) {
		raw_client(j);
	} else {
		FILE *out = open_memstream(&j->reply, &j->reply_len);
		j->rc = out != NULL ? ctl_call(j->path, j->line, out,
		    CLIENT_TIMEOUT_MS) : -ENOMEM;
		if (out != NULL)
			fclose(out);
	}
	if (write(j->wake_fd, &one, 1) != 1)
		abort();
	return NULL;
}

static void
on_wake(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(arg);
}

/* Runs the job in a thread while the server's loop runs here. */
static void
run_job(struct fixture *fx, struct job *j)
{
	int p[2];
	pthread_t th;
	struct timeval limit = { LOOP_LIMIT_S, 0 };

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	j->path = j->path != NULL ? j->path : fx->path;
	j->wake_fd = p[1];
	struct event *ev = event_new(fx->base, p[0], EV_READ, on_wake,
	    fx->base);
	assert_non_null(ev);
	assert_int_equal(event_add(ev, &limit), 0);
	assert_int_equal(pthread_create(&th, NULL, client_main, j), 0);
	assert_true(event_base_dispatch(fx->base) >= 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	/* the thread is done: anything the server still holds is flushed
	 * or dropped by the next loop or at teardown */
	event_free(ev);
	close(p[0]);
	close(p[1]);
	assert_non_null(j->reply);
}

static char *
call(struct fixture *fx, const char *line, int *rc)
{
	struct job j = { .line = line };

	run_job(fx, &j);
	*rc = j.rc;
	return j.reply;
}

static char *
call_raw(struct fixture *fx, const char *data, size_t len)
{
	struct job j = { .raw = data, .raw_len = len };

	run_job(fx, &j);
	assert_int_equal(j.rc, 0);
	return j.reply;
}

/* ---- tests ---- */

static void
test_reply_text(void **state)
{
	struct fixture *fx = *state;
	int rc = -1;

	char *r = call(fx, "echo hello there", &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(r, "hello there\n");
	assert_int_equal(fx->cs.n_calls, 1);
	free(r);

	r = call(fx, "echo", &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(r, "\n");
	assert_string_equal(fx->cs.last_args, "");
	free(r);

	r = call(fx, "echo \t  spaced  out", &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(fx->cs.last_args, "spaced  out");
	free(r);

	r = call(fx, "echo\tx", &rc);
	assert_string_equal(r, "x\n");
	free(r);
	assert_int_equal(fx->cs.n_calls, 4);
}

static void
test_help_lists_commands(void **state)
{
	struct fixture *fx = *state;
	int rc = -1;

	char *r = call(fx, "help", &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(r, "help"));
	for (const struct ctl_cmd *c = test_cmds; c->name != NULL; c++) {
		const char *want = c->help != NULL ? c->help : c->name;
		assert_non_null(strstr(r, want));
	}
	free(r);
}

static void
test_unknown_command(void **state)
{
	struct fixture *fx = *state;
	int rc = -1;

	char *r = call(fx, "nope now", &rc);
	assert_int_equal(rc, 1);
	assert_true(strncmp(r, "error: ", 7) == 0);
	assert_non_null(strstr(r, "nope"));
	free(r);
	/* verbs match exactly */
	r = call(fx, "ECHO x", &rc);
	assert_int_equal(rc, 1);
	free(r);
	r = call(fx, "", &rc);
	assert_int_equal(rc, 1);
	free(r);
	/* peer text in the reply is escaped */
	r = call(fx, "\x01\x1b[2Jx", &rc);
	assert_int_equal(rc, 1);
	assert_null(strchr(r, '\x1b'));
	assert_non_null(strstr(r, "\\x1b"));
	free(r);
	assert_int_equal(fx->cs.n_calls, 0);
}

static void
test_failing_commands(void **state)
{
	struct fixture *fx = *state;
	int rc = -1;

	/* no text: the reason from the code */
	char *r = call(fx, "fail", &rc);
	assert_int_equal(rc, 1);
	char want[128];
	snprintf(want, sizeof(want), "error: %s\n", ik_strerror(-IK_EDENIED));
	assert_string_equal(r, want);
	free(r);
	/* its own text is kept, not doubled */
	r = call(fx, "failtext", &rc);
	assert_int_equal(rc, 1);
	assert_string_equal(r, "error: custom reason\n");
	free(r);
}

static void
test_empty_and_big_replies(void **state)
{
	struct fixture *fx = *state;
	int rc = -1;

	char *r = call(fx, "quiet", &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(r, "");
	free(r);

	struct job j = { .line = "big" };
	run_job(fx, &j);
	assert_int_equal(j.rc, 0);
	assert_int_equal(j.reply_len, BIG_REPLY);
	assert_int_equal(j.reply[0], 'b');
	assert_int_equal(j.reply[BIG_REPLY - 1], 'b');
	free(j.reply);
}

static void
test_raw_lines(void **state)
{
	struct fixture *fx = *state;

	/* CRLF as well as LF */
	char *r = call_raw(fx, "echo crlf\r\n", 11);
	assert_string_equal(r, "crlf\n");
	free(r);
	/* one command per connection */
	r = call_raw(fx, "echo a\necho b\n", 14);
	assert_string_equal(r, "a\n");
	free(r);
	/* a NUL in the line */
	r = call_raw(fx, "echo a\0b\n", 9);
	assert_true(strncmp(r, "error: ", 7) == 0);
	free(r);
	assert_int_equal(fx->cs.n_calls, 2);
}

static void
test_line_limits(void **state)
{
	struct fixture *fx = *state;
	char line[CTL_LINE_MAX + 2];
	int rc = -1;

	/* CTL_LINE_MAX bytes: accepted */
	memset(line, 'x', CTL_LINE_MAX);
	memcpy(line, "echo ", 5);
	line[CTL_LINE_MAX] = '\0';
	char *r = call(fx, line, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(strlen(r), CTL_LINE_MAX - 5 + 1);
	free(r);
	/* one more: ctl_call refuses to send it */
	memset(line, 'x', CTL_LINE_MAX + 1);
	line[CTL_LINE_MAX + 1] = '\0';
	assert_int_equal(ctl_call(fx->path, line, stdout, 100), -IK_ELIMIT);
	/* sent raw, the server refuses it */
	line[CTL_LINE_MAX + 1] = '\n';
	r = call_raw(fx, line, CTL_LINE_MAX + 2);
	assert_true(strncmp(r, "error: ", 7) == 0);
	free(r);
	/* far too long, no end of line */
	size_t big_len = 3 * CTL_LINE_MAX;
	char *big = malloc(big_len);
	assert_non_null(big);
	memset(big, 'y', big_len);
	r = call_raw(fx, big, big_len);
	free(big);
	assert_true(strncmp(r, "error: ", 7) == 0);
	free(r);
}

static void
test_socket_mode_0600(void **state)
{
	struct fixture *fx = *state;
	struct stat st;

	assert_int_equal(stat(fx->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);

	/* with a lax umask too, and the umask is given back */
	char path2[160];
	int err = 0;
	snprintf(path2, sizeof(path2), "%s/lax.sock", fx->dir);
	mode_t old = umask(0);
	struct ctl_server *s2 = ctl_server_new(fx->base, path2, test_cmds,
	    NULL, &err);
	mode_t now = umask(old);
	assert_int_equal(now, 0);
	assert_non_null(s2);
	assert_int_equal(stat(path2, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	ctl_server_free(&s2);
	assert_null(s2);
}

static void
test_call_missing_socket(void **state)
{
	struct fixture *fx = *state;
	char path[160];

	snprintf(path, sizeof(path), "%s/absent.sock", fx->dir);
	assert_int_equal(ctl_call(path, "help", stdout, 100), -ENOENT);
}

/* A socket file nobody listens on: the service is not running. */
static void
test_call_refused(void **state)
{
	struct fixture *fx = *state;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/dead.sock", fx->dir);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(ctl_call(sun.sun_path, "help", stdout, 100),
	    -ECONNREFUSED);
	close(fd);
	unlink(sun.sun_path);
}

/* A service that accepts but never answers: the client gives up. */
static void
test_call_timeout(void **state)
{
	struct fixture *fx = *state;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/mute.sock", fx->dir);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(ctl_call(sun.sun_path, "help", stdout, 100),
	    -ETIMEDOUT);
	close(fd);
	unlink(sun.sun_path);
}

static void
test_free_removes_socket(void **state)
{
	struct fixture *fx = *state;
	struct stat st;

	assert_int_equal(stat(fx->path, &st), 0);
	ctl_server_free(&fx->srv);
	assert_null(fx->srv);
	assert_int_equal(stat(fx->path, &st), -1);
	assert_int_equal(errno, ENOENT);
	ctl_server_free(&fx->srv);	/* NULL: no-op */
	assert_int_equal(ctl_call(fx->path, "help", stdout, 100), -ENOENT);
}

/* A file left at the path (a killed process) is replaced. */
static void
test_stale_file_replaced(void **state)
{
	struct fixture *fx = *state;
	char path[160];
	int err = 0, rc = -1;

	ctl_server_free(&fx->srv);
	snprintf(path, sizeof(path), "%s", fx->path);
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
	fx->srv = ctl_server_new(fx->base, path, test_cmds, &fx->cs, &err);
	assert_non_null(fx->srv);
	char *r = call(fx, "echo again", &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(r, "again\n");
	free(r);
}

static void
test_new_errors(void **state)
{
	struct fixture *fx = *state;
	char path[PATH_MAX];
	int err = 0;

	memset(path, 'p', 200);
	path[0] = '/';
	path[200] = '\0';	/* longer than sun_path */
	assert_null(ctl_server_new(fx->base, path, test_cmds, NULL, &err));
	assert_int_equal(err, -ENAMETOOLONG);
	assert_int_equal(ctl_call(path, "help", stdout, 100), -ENAMETOOLONG);

	snprintf(path, sizeof(path), "%s/no/such/dir.sock", fx->dir);
	err = 0;
	assert_null(ctl_server_new(fx->base, path, test_cmds, NULL, &err));
	assert_int_equal(err, -ENOENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reply_text, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_help_lists_commands,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_command, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_failing_commands, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_empty_and_big_replies,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_raw_lines, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_line_limits, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_socket_mode_0600, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_call_missing_socket,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_call_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_call_timeout, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_free_removes_socket,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_file_replaced,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_errors, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
