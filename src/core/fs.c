/* core/fs.c - durable file replacement and opening paths beneath a root.
 * Entry points: fs_write_atomic[_at], fs_fsync_dir[fd], fs_mkdir_p,
 * fs_open_beneath, fs_parent_beneath. Nothing here logs: every failure is
 * returned as -errno or -IK_EDENIED and the caller decides what to say. */
#include "core/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/err.h"

/* Temp names are ".<name>.<16 hex>"; the name part is cut so the whole
 * stays well under NAME_MAX however long the target's name is. */
#define FS_TMP_NAME_PART	200
#define FS_TMP_TRIES		16
/* openat2 asks for a retry (EAGAIN) when a concurrent rename or mount
 * makes it unsure whether ".." stayed beneath; that is rare and brief. */
#define FS_OPENAT2_TRIES	8

static int
write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static bool
is_dot_or_dotdot(const char *s, size_t n)
{
	return (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' &&
	    s[1] == '.');
}

/* Creates a fresh temp file beside `name` in dirfd; returns its fd and
 * leaves its name in tmp. O_EXCL|O_NOFOLLOW so a planted file or symlink
 * with the same name is never written through. */
static int
tmp_create(int dirfd, const char *name, mode_t mode, char *tmp, size_t cap)
{
	for (int i = 0; i < FS_TMP_TRIES; i++) {
		uint64_t rnd;

		if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
			return errno != 0 ? -errno : -EIO;
		int n = snprintf(tmp, cap, ".%.*s.%016llx", FS_TMP_NAME_PART,
		    name, (unsigned long long)rnd);
		if (n < 0 || (size_t)n >= cap)
			return -ENAMETOOLONG;
		int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, mode);
		if (fd >= 0)
			return fd;
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

int
fs_write_atomic_at(int dirfd, const char *name, const void *buf,
    size_t len, mode_t mode)
{
	char tmp[NAME_MAX + 1];
	bool have_tmp = false;
	int fd = -1;
	int err;

	/* The temp file must sit in the same directory as the target for
	 * rename(2) to be atomic, so the name is one component. */
	if (name == NULL || name[0] == '\0' || strchr(name, '/') != NULL ||
	    is_dot_or_dotdot(name, strlen(name)))
		return -EINVAL;
	/* mode is filtered by the umask, as with open(2). */
	fd = tmp_create(dirfd, name, mode, tmp, sizeof(tmp));
	if (fd < 0) {
		err = fd;
		goto out;
	}
	have_tmp = true;
	if ((err = write_all(fd, buf, len)) < 0)
		goto out;
	if (fsync(fd) < 0) {
		err = -errno;
		goto out;
	}
	/* close can report a deferred write error (NFS); treat it as one. */
	err = close(fd);
	fd = -1;
	if (err < 0) {
		err = -errno;
		goto out;
	}
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		err = -errno;
		goto out;
	}
	have_tmp = false;
	/* The new content is in place now; a failing directory fsync only
	 * means the rename may not survive a crash, and the caller must not
	 * report success (so no "250 queued"). */
	err = fs_fsync_dirfd(dirfd);
out:
	if (fd >= 0)
		close(fd);
	if (have_tmp)
		(void)unlinkat(dirfd, tmp, 0);	/* best effort: err wins */
	return err;
}

int
fs_write_atomic(const char *path, const void *buf, size_t len, mode_t mode)
{
	const char *slash;
	char *dir = NULL;
	int dirfd = -1;
	int err;

	if (path == NULL)
		return -EINVAL;
	slash = strrchr(path, '/');
	if (slash == NULL)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (dir == NULL) {
		err = -ENOMEM;
		goto out;
	}
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		err = -errno;
		goto out;
	}
	err = fs_write_atomic_at(dirfd, slash != NULL ? slash + 1 : path, buf,
	    len, mode);
out:
	if (dirfd >= 0)
		close(dirfd);
	free(dir);
	return err;
}

int
fs_fsync_dirfd(int dirfd)
{
	if (fsync(dirfd) < 0)
		return -errno;
	return 0;
}

int
fs_fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int err;

	if (fd < 0)
		return -errno;
	err = fs_fsync_dirfd(fd);
	close(fd);
	return err;
}

/* mkdir that accepts an existing directory (or a symlink to one). */
static int
mkdir_one(const char *path, mode_t mode)
{
	struct stat st;

	if (mkdir(path, mode) == 0)
		return 0;
	if (errno != EEXIST)
		return -errno;
	if (stat(path, &st) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

int
fs_mkdir_p(const char *path, mode_t mode)
{
	char *buf = NULL;
	int err = 0;

	if (path == NULL)
		return -EINVAL;
	if (path[0] == '\0')
		return -ENOENT;
	if ((buf = strdup(path)) == NULL)
		return -ENOMEM;
	/* Like mkdir -p, intermediate directories get u+wx whatever `mode`
	 * says, or we could not create the next level inside them. */
	for (char *p = buf + 1; *p != '\0'; p++) {
		if (*p != '/' || p[-1] == '/')
			continue;
		*p = '\0';
		err = mkdir_one(buf, mode | S_IWUSR | S_IXUSR);
		*p = '/';
		if (err < 0)
			goto out;
	}
	err = mkdir_one(buf, mode);
out:
	free(buf);
	return err;
}

/* Lexical check: absolute, or more ".." than names before them. Done
 * before any syscall so "a/../../x" is refused even when "a" is missing,
 * and both resolvers agree on it. */
static bool
path_escapes(const char *path)
{
	long depth = 0;

	if (path[0] == '/')
		return true;
	for (const char *p = path; *p != '\0';) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (--depth < 0)
				return true;
		} else if (n > 0 && !(n == 1 && p[0] == '.')) {
			depth++;
		}
		p += n;
		while (*p == '/')
			p++;
	}
	return false;
}

static int
open_openat2(int rootfd, const char *path, int flags, mode_t mode)
{
	/* openat2 refuses a nonzero mode unless a file may be created. */
	bool creates = (flags & O_CREAT) != 0 ||
	    (flags & O_TMPFILE) == O_TMPFILE;
	struct open_how how = {
		.flags = (unsigned int)(flags | O_CLOEXEC),
		.mode = creates ? mode : 0,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};

	for (int i = 0;; i++) {
		long fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));

		if (fd >= 0)
			return (int)fd;
		if (errno == EINTR || (errno == EAGAIN &&
		    i < FS_OPENAT2_TRIES))
			continue;
		/* EXDEV: ".." or an absolute symlink left the root. ELOOP:
		 * a /proc magic link, or a symlink loop; all refused. */
		if (errno == EXDEV || errno == ELOOP)
			return -IK_EDENIED;
		return -errno;
	}
}

/* Next component of *pp, skipping "/" runs and "." components; NULL at
 * the end. */
static const char *
comp_next(const char **pp, size_t *lenp)
{
	const char *p = *pp;

	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0') {
			*pp = p;
			return NULL;
		}
		size_t n = strcspn(p, "/");
		if (n == 1 && p[0] == '.') {
			p += n;
			continue;
		}
		*pp = p + n;
		*lenp = n;
		return p;
	}
}

/* An open with O_NOFOLLOW failed with `err`: a symlink in the way is a
 * policy refusal, anything else is the error itself. */
static int
walk_err(int dirfd, const char *name, int err)
{
	struct stat st;

	if ((err == ELOOP || err == ENOTDIR) &&
	    fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode))
		return -IK_EDENIED;
	return -err;
}

/* The fallback for kernels without openat2 (before 5.6): one openat per
 * component with O_NOFOLLOW, so every symlink is refused, even one that
 * stays inside, and ".." is refused outright. Stricter than openat2, never
 * looser. */
static int
open_walk(int rootfd, const char *path, int flags, mode_t mode)
{
	char comp[NAME_MAX + 1];
	const char *p = path;
	const char *c, *next;
	size_t n, next_n = 0;
	size_t len = strlen(path);
	int at = rootfd;	/* borrowed root, or owned == at */
	int owned = -1;
	int fd;

	if (len == 0)
		return -ENOENT;
	/* "sub/" and "sub/." name a directory, as in path resolution. */
	if (path[len - 1] == '/' || (len >= 2 && path[len - 1] == '.' &&
	    path[len - 2] == '/'))
		flags |= O_DIRECTORY;
	/* Nothing but "." and "/": the root itself. */
	if ((c = comp_next(&p, &n)) == NULL)
		memcpy(comp, ".", 2);
	while (c != NULL) {
		if (n > NAME_MAX) {
			fd = -ENAMETOOLONG;
			goto out;
		}
		memcpy(comp, c, n);
		comp[n] = '\0';
		if (strcmp(comp, "..") == 0) {
			fd = -IK_EDENIED;
			goto out;
		}
		if ((next = comp_next(&p, &next_n)) == NULL)
			break;
		/* O_PATH: traversal needs search permission only, as in the
		 * kernel's own walk. */
		int d = openat(at, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (d < 0) {
			fd = walk_err(at, comp, errno);
			goto out;
		}
		if (owned >= 0)
			close(owned);
		at = owned = d;
		c = next;
		n = next_n;
	}
	fd = openat(at, comp, flags | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0) {
		fd = walk_err(at, comp, errno);
		goto out;
	}
	/* O_PATH|O_NOFOLLOW opens a symlink itself instead of failing. */
	if ((flags & O_PATH) != 0) {
		struct stat st;

		if (fstat(fd, &st) < 0 || S_ISLNK(st.st_mode)) {
			close(fd);
			fd = -IK_EDENIED;
		}
	}
out:
	if (owned >= 0)
		close(owned);
	return fd;
}

int
fs_open_beneath(int rootfd, const char *path, int flags, mode_t mode)
{
	int fd;

	if (path == NULL)
		return -EINVAL;
	if (path_escapes(path))
		return -IK_EDENIED;
	fd = open_openat2(rootfd, path, flags, mode);
	if (fd == -ENOSYS)
		fd = open_walk(rootfd, path, flags, mode);
	return fd;
}

int
fs_parent_beneath(int rootfd, const char *path, char *leaf, size_t cap)
{
	size_t end, start, n;
	char *dir;
	int fd;

	if (path == NULL || leaf == NULL)
		return -EINVAL;
	if (path[0] == '/')
		return -IK_EDENIED;
	end = strlen(path);
	while (end > 0 && path[end - 1] == '/')
		end--;
	start = end;
	while (start > 0 && path[start - 1] != '/')
		start--;
	n = end - start;
	if (n == 0 || is_dot_or_dotdot(path + start, n))
		return -IK_EDENIED;
	if (n >= cap)
		return -ENAMETOOLONG;
	dir = start == 0 ? strdup(".") : strndup(path, start);
	if (dir == NULL)
		return -ENOMEM;
	/* O_RDONLY, not O_PATH: callers fsync this directory after a
	 * rename or unlink in it. */
	fd = fs_open_beneath(rootfd, dir, O_RDONLY | O_DIRECTORY, 0);
	free(dir);
	if (fd >= 0) {
		memcpy(leaf, path + start, n);
		leaf[n] = '\0';
	}
	return fd;
}
