/* core/proc.c - process set-up for children: user lookup, dropping root
 * for good, signal dispositions, close-on-exec. Entry points as in
 * proc.h. Forking and the supervisor's process table live elsewhere. */
#include "core/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/err.h"

/* getpwnam_r grows its buffer on ERANGE up to this; a passwd entry this
 * big is broken, not merely long. */
#define PROC_PWBUF_MAX	(1024 * 1024)

int
proc_user_lookup(const char *user, uid_t *uid, gid_t *gid)
{
	struct passwd pw, *res = NULL;
	long sz = sysconf(_SC_GETPW_R_SIZE_MAX);
	size_t cap = sz > 0 ? (size_t)sz : 1024;
	char *buf = NULL;
	int err;

	for (;;) {
		char *nb = realloc(buf, cap);
		if (nb == NULL) {
			err = -ENOMEM;
			goto out;
		}
		buf = nb;
		err = getpwnam_r(user, &pw, buf, cap, &res);
		if (err != ERANGE || cap >= PROC_PWBUF_MAX)
			break;
		cap *= 2;
	}
	/* No entry is 0 with res NULL; some NSS modules say ENOENT, ESRCH,
	 * EBADF or EPERM instead (getpwnam_r(3)). */
	if (res == NULL && (err == 0 || err == ENOENT || err == ESRCH ||
	    err == EBADF || err == EPERM)) {
		err = -IK_ENOTFOUND;
		goto out;
	}
	if (res == NULL) {
		err = -err;
		goto out;
	}
	*uid = pw.pw_uid;
	*gid = pw.pw_gid;
	err = 0;
out:
	free(buf);
	return err;
}

int
proc_drop_privs(const char *user)
{
	uid_t uid, ruid, euid, suid;
	gid_t gid, rgid, egid, sgid;
	int err;

	if ((err = proc_user_lookup(user, &uid, &gid)) < 0)
		return err;
	/* Groups first: once the uid is gone, so is the right to change
	 * them, and root's supplementary groups would stay. */
	if (initgroups(user, gid) < 0)
		return -errno;
	/* setres*id set the saved ids too, so nothing can switch back. */
	if (setresgid(gid, gid, gid) < 0)
		return -errno;
	if (setresuid(uid, uid, uid) < 0)
		return -errno;
	if (getresgid(&rgid, &egid, &sgid) < 0 ||
	    getresuid(&ruid, &euid, &suid) < 0)
		return -errno;
	if (rgid != gid || egid != gid || sgid != gid || ruid != uid ||
	    euid != uid || suid != uid)
		return -IK_EDENIED;
	/* The proof: regaining root must fail now. It succeeds when `user`
	 * is root itself or when something (a capability left over, a
	 * broken setuid) undid the drop; either way we must not serve. */
	if (setuid(0) == 0 || seteuid(0) == 0)
		return -IK_EDENIED;
	if (gid != 0 && (setgid(0) == 0 || setegid(0) == 0))
		return -IK_EDENIED;
	return 0;
}

bool
proc_is_root(void)
{
	return geteuid() == 0;
}

void
proc_reset_signals(void)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };
	sigset_t none;

	sigemptyset(&sa.sa_mask);
	/* Every signal the kernel lets us set: SIGKILL, SIGSTOP and glibc's
	 * reserved real-time ones fail with EINVAL, which is fine. */
	for (int sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
}

int
proc_cloexec(int fd)
{
	int fl = fcntl(fd, F_GETFD);

	if (fl < 0)
		return -errno;
	if ((fl & FD_CLOEXEC) != 0)
		return 0;
	if (fcntl(fd, F_SETFD, fl | FD_CLOEXEC) < 0)
		return -errno;
	return 0;
}
