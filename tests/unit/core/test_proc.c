/* tests/unit/core/test_proc.c - user lookup, dropping root, signal reset,
 * close-on-exec. Anything that changes ids or signal dispositions runs in
 * a forked child that reports the first failed check as its exit code, so
 * the test process itself stays root and untouched. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/err.h"
#include "core/proc.h"

#define DROP_USER	"nobody"

/* Runs fn in a child; returns its exit code (0: every check passed), or
 * 1000 + signal if it died. */
static int
in_child(int (*fn)(void))
{
	int st;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fn());
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (WIFSIGNALED(st))
		return 1000 + WTERMSIG(st);
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) != 0)
		print_error("child failed at check %d\n", WEXITSTATUS(st));
	return WEXITSTATUS(st);
}

static void
need_root(void)
{
	if (geteuid() != 0) {
		print_message("not root: privilege drop not testable\n");
		skip();
	}
}

static void
test_lookup_root(void **state)
{
	(void)state;
	uid_t uid = 1;
	gid_t gid = 1;

	assert_int_equal(proc_user_lookup("root", &uid, &gid), 0);
	assert_int_equal(uid, 0);
	assert_int_equal(gid, 0);
}

static void
test_lookup_missing(void **state)
{
	(void)state;
	uid_t uid = 42;
	gid_t gid = 42;

	assert_int_equal(proc_user_lookup("ik-no-such-user-x9", &uid, &gid),
	    -IK_ENOTFOUND);
	assert_int_equal(uid, 42);	/* untouched */
	assert_int_equal(gid, 42);
	assert_int_equal(proc_user_lookup("", &uid, &gid), -IK_ENOTFOUND);
	assert_int_equal(proc_user_lookup("root:x", &uid, &gid),
	    -IK_ENOTFOUND);
}

static int
child_drop_nobody(void)
{
	uid_t uid, ruid, euid, suid;
	gid_t gid, rgid, egid, sgid;
	gid_t groups[64];
	int n;

	if (proc_user_lookup(DROP_USER, &uid, &gid) != 0)
		return 1;
	if (uid == 0 || gid == 0)
		return 2;
	if (proc_drop_privs(DROP_USER) != 0)
		return 3;
	if (getresuid(&ruid, &euid, &suid) != 0 || ruid != uid ||
	    euid != uid || suid != uid)
		return 4;
	if (getresgid(&rgid, &egid, &sgid) != 0 || rgid != gid ||
	    egid != gid || sgid != gid)
		return 5;
	if (getuid() != uid || geteuid() != uid || proc_is_root())
		return 6;
	/* root's supplementary groups are gone */
	if ((n = getgroups(64, groups)) < 0)
		return 7;
	for (int i = 0; i < n; i++)
		if (groups[i] == 0)
			return 8;
	/* and root cannot come back */
	errno = 0;
	if (setuid(0) != -1 || errno != EPERM)
		return 9;
	if (seteuid(0) != -1 || setgid(0) != -1)
		return 10;
	if (geteuid() != uid)
		return 11;
	return 0;
}

static void
test_drop_privs(void **state)
{
	(void)state;
	need_root();
	assert_int_equal(in_child(child_drop_nobody), 0);
}

static int
child_drop_to_root(void)
{
	/* "dropping" to root leaves root reachable: must be refused */
	return proc_drop_privs("root") == -IK_EDENIED ? 0 : 1;
}

static void
test_drop_privs_to_root_denied(void **state)
{
	(void)state;
	need_root();
	assert_int_equal(in_child(child_drop_to_root), 0);
}

static int
child_drop_unknown(void)
{
	if (proc_drop_privs("ik-no-such-user-x9") != -IK_ENOTFOUND)
		return 1;
	if (geteuid() != 0 || getuid() != 0)	/* nothing was changed */
		return 2;
	return 0;
}

static void
test_drop_privs_unknown_user(void **state)
{
	(void)state;
	need_root();
	assert_int_equal(in_child(child_drop_unknown), 0);
}

static int
child_drop_twice(void)
{
	if (proc_drop_privs(DROP_USER) != 0)
		return 1;
	/* no longer root: the second drop cannot set groups */
	if (proc_drop_privs(DROP_USER) != -EPERM)
		return 2;
	if (proc_drop_privs("root") != -EPERM)
		return 3;
	return 0;
}

static void
test_drop_privs_when_not_root(void **state)
{
	(void)state;
	need_root();
	assert_int_equal(in_child(child_drop_twice), 0);
}

static void
on_sig(int sig)
{
	(void)sig;
}

static int
child_reset_signals(void)
{
	struct sigaction sa = { .sa_handler = on_sig };
	sigset_t set;

	sigemptyset(&sa.sa_mask);
	if (signal(SIGUSR1, SIG_IGN) == SIG_ERR ||
	    signal(SIGPIPE, SIG_IGN) == SIG_ERR ||
	    sigaction(SIGTERM, &sa, NULL) != 0 ||
	    sigaction(SIGCHLD, &sa, NULL) != 0)
		return 1;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		return 2;

	proc_reset_signals();

	static const int sigs[] = { SIGUSR1, SIGPIPE, SIGTERM, SIGCHLD };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction cur;

		if (sigaction(sigs[i], NULL, &cur) != 0 ||
		    cur.sa_handler != SIG_DFL)
			return 3;
	}
	if (sigprocmask(SIG_SETMASK, NULL, &set) != 0)
		return 4;
	for (int sig = 1; sig < NSIG; sig++)
		if (sigismember(&set, sig) == 1)
			return 5;
	return 0;
}

static void
test_reset_signals(void **state)
{
	(void)state;
	assert_int_equal(in_child(child_reset_signals), 0);
}

static void
test_cloexec(void **state)
{
	(void)state;
	int p[2];

	assert_int_equal(pipe(p), 0);
	assert_int_equal(fcntl(p[0], F_GETFD) & FD_CLOEXEC, 0);
	assert_int_equal(proc_cloexec(p[0]), 0);
	assert_int_equal(fcntl(p[0], F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	assert_int_equal(proc_cloexec(p[0]), 0);	/* already set */
	assert_int_equal(fcntl(p[0], F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	/* the other end is not touched */
	assert_int_equal(fcntl(p[1], F_GETFD) & FD_CLOEXEC, 0);
	close(p[0]);
	close(p[1]);
	assert_int_equal(proc_cloexec(p[0]), -EBADF);
	assert_int_equal(proc_cloexec(-1), -EBADF);
}

static void
test_is_root(void **state)
{
	(void)state;
	assert_int_equal(proc_is_root(), geteuid() == 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup_root),
		cmocka_unit_test(test_lookup_missing),
		cmocka_unit_test(test_drop_privs),
		cmocka_unit_test(test_drop_privs_to_root_denied),
		cmocka_unit_test(test_drop_privs_unknown_user),
		cmocka_unit_test(test_drop_privs_when_not_root),
		cmocka_unit_test(test_reset_signals),
		cmocka_unit_test(test_cloexec),
		cmocka_unit_test(test_is_root),
	};

	return cmocka_run_group_tests_name("proc", tests, NULL, NULL);
}
