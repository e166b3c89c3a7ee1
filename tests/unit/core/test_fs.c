/* tests/unit/core/test_fs.c - atomic writes, mkdir -p, and paths beneath a
 * root. The beneath table runs twice: with openat2, then with openat2
 * made to fail ENOSYS by a seccomp filter, so the component-walk fallback
 * is tested through the same public call as on an old kernel. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/err.h"
#include "core/fs.h"

struct tree {
	char	 top[PATH_MAX];		/* mkdtemp: root/ and outside/ */
	char	 root[PATH_MAX];
	int	 rootfd;
	bool	 walk;			/* openat2 blocked: fallback runs */
	bool	 no_seccomp;		/* could not block it: skip */
};

/* snprintf into a PATH_MAX buffer; a cut path would test the wrong
 * file, so it fails the test. */
static void __attribute__((format(printf, 2, 3)))
pathf(char *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, PATH_MAX, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && n < PATH_MAX);
}

static void
put_file(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *fp;

	pathf(path, "%s/%s", dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

static void
put_link(const char *dir, const char *name, const char *target)
{
	char path[PATH_MAX];

	pathf(path, "%s/%s", dir, name);
	assert_int_equal(symlink(target, path), 0);
}

/* Reads what fd holds, NUL-terminated. */
static void
fd_text(int fd, char *buf, size_t cap)
{
	ssize_t n = pread(fd, buf, cap - 1, 0);

	assert_true(n >= 0);
	buf[n] = '\0';
}

static void
path_text(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	fd_text(fd, buf, cap);
	close(fd);
}

/* Entries in dir other than "." and "..". */
static int
dir_count(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static int
rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

static int
tree_setup(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));
	char buf[PATH_MAX];

	assert_non_null(t);
	pathf(t->top, "/tmp/ik-fs-XXXXXX");
	assert_non_null(mkdtemp(t->top));
	pathf(t->root, "%s/root", t->top);
	pathf(buf, "%s/outside", t->top);
	assert_int_equal(mkdir(buf, 0700), 0);
	put_file(buf, "secret", "secret");
	assert_int_equal(mkdir(t->root, 0700), 0);
	put_file(t->root, "file", "inside");
	pathf(buf, "%s/sub", t->root);
	assert_int_equal(mkdir(buf, 0700), 0);
	put_file(buf, "f2", "sub");
	put_link(buf, "up_in", "../file");
	pathf(buf, "%s/sub/deeper", t->root);
	assert_int_equal(mkdir(buf, 0700), 0);

	put_link(t->root, "in_link", "sub/f2");
	put_link(t->root, "rel_out", "../outside/secret");
	put_link(t->root, "dir_out", "../outside");
	put_link(t->root, "dangle", "nope");
	put_link(t->root, "loop1", "loop2");
	put_link(t->root, "loop2", "loop1");
	pathf(buf, "%s/outside/secret", t->top);
	put_link(t->root, "abs_out", buf);
	pathf(buf, "%s/outside/created", t->top);
	put_link(t->root, "abs_dangle", buf);
	pathf(buf, "%s/file", t->root);
	put_link(t->root, "abs_in", buf);

	t->rootfd = open(t->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(t->rootfd >= 0);
	*state = t;
	return 0;
}

static int
tree_teardown(void **state)
{
	struct tree *t = *state;

	close(t->rootfd);
	assert_int_equal(nftw(t->top, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
	free(t);
	return 0;
}

/* Makes openat2 fail with ENOSYS in this process for good, as on a
 * pre-5.6 kernel. openat2 is 437 on every architecture (the unified
 * syscall table), so the filter needs no arch check. */
static int
walk_setup(void **state)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = sizeof(f) / sizeof(f[0]),
		.filter = f,
	};

	tree_setup(state);
	struct tree *t = *state;
	t->walk = true;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
		print_message("seccomp unavailable (%s): fallback skipped\n",
		    strerror(errno));
		t->no_seccomp = true;
	}
	return 0;
}

static void
need_walk(struct tree *t)
{
	if (t->no_seccomp)
		skip();
}

/* ---- fs_open_beneath ---- */

#define OK	1	/* opens; content checked when given */

struct beneath_case {
	const char	*path;
	int		 flags;
	int		 want;		/* openat2: OK or a code */
	int		 want_walk;	/* with the fallback */
	const char	*content;
};

static const struct beneath_case beneath_cases[] = {
	/* plain names stay plain */
	{ "file", O_RDONLY, OK, OK, "inside" },
	{ "sub/f2", O_RDONLY, OK, OK, "sub" },
	{ "./sub/./f2", O_RDONLY, OK, OK, "sub" },
	{ "sub//f2", O_RDONLY, OK, OK, "sub" },
	{ "sub/", O_RDONLY, OK, OK, NULL },
	{ "sub/.", O_RDONLY, OK, OK, NULL },
	{ ".", O_RDONLY | O_DIRECTORY, OK, OK, NULL },
	{ "file/", O_RDONLY, -ENOTDIR, -ENOTDIR, NULL },
	/* missing things are ENOENT/ENOTDIR, not policy */
	{ "", O_RDONLY, -ENOENT, -ENOENT, NULL },
	{ "missing", O_RDONLY, -ENOENT, -ENOENT, NULL },
	{ "sub/missing/x", O_RDONLY, -ENOENT, -ENOENT, NULL },
	{ "file/x", O_RDONLY, -ENOTDIR, -ENOTDIR, NULL },
	/* ".." inside: openat2 resolves it, the walk refuses all ".." */
	{ "sub/../file", O_RDONLY, OK, -IK_EDENIED, "inside" },
	{ "sub/deeper/../f2", O_RDONLY, OK, -IK_EDENIED, "sub" },
	/* ".." out and absolute paths: always refused */
	{ "..", O_RDONLY, -IK_EDENIED, -IK_EDENIED, NULL },
	{ "../", O_RDONLY, -IK_EDENIED, -IK_EDENIED, NULL },
	{ "../outside/secret", O_RDONLY, -IK_EDENIED, -IK_EDENIED, NULL },
	{ "a/../../x", O_RDONLY, -IK_EDENIED, -IK_EDENIED, NULL },
	{ "sub/../../outside/secret", O_RDONLY, -IK_EDENIED, -IK_EDENIED,
	    NULL },
	{ "sub/deeper/../../../outside/secret", O_RDONLY, -IK_EDENIED,
	    -IK_EDENIED, NULL },
	{ "./../root/file", O_RDONLY, -IK_EDENIED, -IK_EDENIED, NULL },
	{ "/etc/passwd", O_RDONLY, -IK_EDENIED, -IK_EDENIED, NULL },
	{ "//etc/passwd", O_RDONLY, -IK_EDENIED, -IK_EDENIED, NULL },
	{ "/", O_RDONLY, -IK_EDENIED, -IK_EDENIED, NULL },
	/* symlinks out of the root, absolute and relative */
	{ "abs_out", O_RDONLY, -IK_EDENIED, -IK_EDENIED, NULL },
	{ "rel_out", O_RDONLY, -IK_EDENIED, -IK_EDENIED, NULL },
	{ "dir_out/secret", O_RDONLY, -IK_EDENIED, -IK_EDENIED, NULL },
	/* absolute even though it points inside: RESOLVE_BENEATH says no */
	{ "abs_in", O_RDONLY, -IK_EDENIED, -IK_EDENIED, NULL },
	/* symlinks that stay inside: followed by openat2 only */
	{ "in_link", O_RDONLY, OK, -IK_EDENIED, "sub" },
	{ "sub/up_in", O_RDONLY, OK, -IK_EDENIED, "inside" },
	{ "in_link", O_PATH, OK, -IK_EDENIED, NULL },
	{ "in_link", O_PATH | O_NOFOLLOW, OK, -IK_EDENIED, NULL },
	/* O_NOFOLLOW on a symlink, and a loop: refused as policy */
	{ "in_link", O_RDONLY | O_NOFOLLOW, -IK_EDENIED, -IK_EDENIED, NULL },
	{ "loop1", O_RDONLY, -IK_EDENIED, -IK_EDENIED, NULL },
	/* dangling: inside it is just missing, for openat2 */
	{ "dangle", O_RDONLY, -ENOENT, -IK_EDENIED, NULL },
	{ "abs_dangle", O_RDONLY, -IK_EDENIED, -IK_EDENIED, NULL },
};

static void
test_beneath_table(void **state)
{
	struct tree *t = *state;
	int n_bad = 0;

	if (t->walk)
		need_walk(t);
	for (size_t i = 0; i < sizeof(beneath_cases) /
	    sizeof(beneath_cases[0]); i++) {
		const struct beneath_case *c = &beneath_cases[i];
		int want = t->walk ? c->want_walk : c->want;
		int fd = fs_open_beneath(t->rootfd, c->path, c->flags, 0);
		char got[64] = "";

		if (fd >= 0 && c->content != NULL && want == OK)
			fd_text(fd, got, sizeof(got));
		if ((want == OK) != (fd >= 0) || (want != OK && fd != want) ||
		    (fd >= 0 && c->content != NULL &&
		    strcmp(got, c->content) != 0)) {
			print_error("\"%s\" flags %#x: got %d (%s) \"%s\", "
			    "want %d\n", c->path, (unsigned)c->flags, fd,
			    fd < 0 ? ik_strerror(fd) : "fd", got, want);
			n_bad++;
		}
		if (fd >= 0) {
			int fl = fcntl(fd, F_GETFD);
			if (fl < 0 || (fl & FD_CLOEXEC) == 0) {
				print_error("\"%s\": no FD_CLOEXEC\n", c->path);
				n_bad++;
			}
			close(fd);
		}
	}
	assert_int_equal(n_bad, 0);
}

static void
test_beneath_absolute_into_root(void **state)
{
	struct tree *t = *state;
	char path[PATH_MAX];

	if (t->walk)
		need_walk(t);
	/* Even the root's own absolute name is refused: paths are relative
	 * to the root fd, never to "/". */
	pathf(path, "%s/file", t->root);
	assert_int_equal(fs_open_beneath(t->rootfd, path, O_RDONLY, 0),
	    -IK_EDENIED);
}

static void
test_beneath_create(void **state)
{
	struct tree *t = *state;
	const char *name = t->walk ? "new_walk" : "new_openat2";
	char path[PATH_MAX];
	struct stat st;

	if (t->walk)
		need_walk(t);
	int fd = fs_open_beneath(t->rootfd, name, O_WRONLY | O_CREAT | O_EXCL,
	    0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
	assert_int_equal(fstatat(t->rootfd, name, &st, 0), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(fs_open_beneath(t->rootfd, name, O_WRONLY | O_CREAT |
	    O_EXCL, 0600), -EEXIST);
	assert_int_equal(unlinkat(t->rootfd, name, 0), 0);

	/* Creating through a dangling symlink that points out must neither
	 * succeed nor create the target. */
	assert_int_equal(fs_open_beneath(t->rootfd, "abs_dangle",
	    O_WRONLY | O_CREAT, 0600), -IK_EDENIED);
	pathf(path, "%s/outside/created", t->top);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(errno, ENOENT);
	/* Writing through a symlink that points out must not truncate it. */
	assert_int_equal(fs_open_beneath(t->rootfd, "rel_out",
	    O_WRONLY | O_TRUNC, 0), -IK_EDENIED);
	pathf(path, "%s/outside/secret", t->top);
	char got[32];
	path_text(path, got, sizeof(got));
	assert_string_equal(got, "secret");
}

static void
test_beneath_null(void **state)
{
	struct tree *t = *state;

	assert_int_equal(fs_open_beneath(t->rootfd, NULL, O_RDONLY, 0),
	    -EINVAL);
	assert_int_equal(fs_open_beneath(-1, "file", O_RDONLY, 0), -EBADF);
}

/* The fallback group is only meaningful if openat2 is really gone. */
static void
test_walk_openat2_blocked(void **state)
{
	struct tree *t = *state;

	need_walk(t);
	assert_int_equal(syscall(SYS_openat2, t->rootfd, "file", NULL, 0), -1);
	assert_int_equal(errno, ENOSYS);
}

/* ---- fs_parent_beneath ---- */

static void
test_parent_refuses(void **state)
{
	static const char *const bad[] = {
		"", ".", "..", "/", "//", "./", "../", "sub/..", "sub/.",
		"sub/../..", "/etc/passwd", "/file", "../x", "../outside/x",
		"a/../../x", "abs_out/x", "dir_out/x", "rel_out/x",
	};
	struct tree *t = *state;
	char leaf[NAME_MAX + 1];

	if (t->walk)
		need_walk(t);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int fd;

		snprintf(leaf, sizeof(leaf), "untouched");
		fd = fs_parent_beneath(t->rootfd, bad[i], leaf, sizeof(leaf));
		if (fd != -IK_EDENIED)
			print_error("\"%s\": got %d, want denied\n", bad[i],
			    fd);
		if (fd >= 0)
			close(fd);
		assert_int_equal(fd, -IK_EDENIED);
		assert_string_equal(leaf, "untouched");
	}
}

static void
test_parent_ok(void **state)
{
	static const struct {
		const char	*path, *dir, *leaf;
	} ok[] = {
		{ "file", ".", "file" },
		{ "sub/f2", "sub", "f2" },
		{ "sub/newdir/", "sub", "newdir" },
		{ "./sub//deeper///x", "sub/deeper", "x" },
		{ "missing_leaf", ".", "missing_leaf" },
	};
	struct tree *t = *state;
	char leaf[NAME_MAX + 1];

	if (t->walk)
		need_walk(t);
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct stat a, b;
		int fd = fs_parent_beneath(t->rootfd, ok[i].path, leaf,
		    sizeof(leaf));

		assert_true(fd >= 0);
		assert_string_equal(leaf, ok[i].leaf);
		/* the fd is the directory we expect */
		assert_int_equal(fstat(fd, &a), 0);
		assert_int_equal(fstatat(t->rootfd, ok[i].dir, &b, 0), 0);
		assert_int_equal(a.st_ino, b.st_ino);
		assert_int_equal(a.st_dev, b.st_dev);
		/* and a real one: callers fsync it */
		assert_int_equal(fs_fsync_dirfd(fd), 0);
		close(fd);
	}
}

static void
test_parent_errors(void **state)
{
	struct tree *t = *state;
	char leaf[4];

	if (t->walk)
		need_walk(t);
	assert_int_equal(fs_parent_beneath(t->rootfd, "sub/abcd", leaf,
	    sizeof(leaf)), -ENAMETOOLONG);
	int fd = fs_parent_beneath(t->rootfd, "sub/abc", leaf, sizeof(leaf));
	assert_true(fd >= 0);
	assert_string_equal(leaf, "abc");
	close(fd);
	assert_int_equal(fs_parent_beneath(t->rootfd, "nodir/x", leaf,
	    sizeof(leaf)), -ENOENT);
	assert_int_equal(fs_parent_beneath(t->rootfd, "file/x", leaf,
	    sizeof(leaf)), -ENOTDIR);
}

static void
test_parent_then_mkdirat(void **state)
{
	struct tree *t = *state;
	char leaf[NAME_MAX + 1];
	struct stat st;
	int fd;

	if (t->walk)
		need_walk(t);
	fd = fs_parent_beneath(t->rootfd, "sub/deeper/made", leaf,
	    sizeof(leaf));
	assert_true(fd >= 0);
	assert_int_equal(mkdirat(fd, leaf, 0700), 0);
	close(fd);
	assert_int_equal(fstatat(t->rootfd, "sub/deeper/made", &st, 0), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(unlinkat(t->rootfd, "sub/deeper/made", AT_REMOVEDIR),
	    0);
}

/* ---- fs_write_atomic ---- */

static void
test_atomic_replaces(void **state)
{
	struct tree *t = *state;
	char dir[PATH_MAX], path[PATH_MAX], got[64];
	struct stat st;
	mode_t old_mask = umask(022);

	pathf(dir, "%s/aw", t->top);
	assert_int_equal(mkdir(dir, 0700), 0);
	put_file(dir, "f", "old content, longer than the new");
	pathf(path, "%s/f", dir);

	assert_int_equal(fs_write_atomic(path, "new", 3, 0640), 0);
	path_text(path, got, sizeof(got));
	assert_string_equal(got, "new");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	/* no temp file left behind */
	assert_int_equal(dir_count(dir), 1);

	/* a new file, then an empty one */
	pathf(path, "%s/g", dir);
	assert_int_equal(fs_write_atomic(path, "g", 1, 0600), 0);
	assert_int_equal(fs_write_atomic(path, "", 0, 0600), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(dir_count(dir), 2);
	umask(old_mask);
}

static void
test_atomic_at(void **state)
{
	struct tree *t = *state;
	char dir[PATH_MAX], path[PATH_MAX], got[300];
	char big[256];
	int dfd;

	pathf(dir, "%s/awat", t->top);
	assert_int_equal(mkdir(dir, 0700), 0);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	assert_int_equal(fs_write_atomic_at(dfd, "x", "one", 3, 0600), 0);
	assert_int_equal(fs_write_atomic_at(dfd, "x", "two", 3, 0600), 0);
	pathf(path, "%s/x", dir);
	path_text(path, got, sizeof(got));
	assert_string_equal(got, "two");

	/* A name of NAME_MAX bytes still gets a temp name that fits. */
	memset(big, 'n', NAME_MAX);
	big[NAME_MAX] = '\0';
	assert_int_equal(fs_write_atomic_at(dfd, big, "long", 4, 0600), 0);
	assert_int_equal(dir_count(dir), 2);

	/* one component only: the temp file must share the directory */
	assert_int_equal(fs_write_atomic_at(dfd, "", "z", 1, 0600), -EINVAL);
	assert_int_equal(fs_write_atomic_at(dfd, ".", "z", 1, 0600), -EINVAL);
	assert_int_equal(fs_write_atomic_at(dfd, "..", "z", 1, 0600),
	    -EINVAL);
	assert_int_equal(fs_write_atomic_at(dfd, "a/b", "z", 1, 0600),
	    -EINVAL);
	assert_int_equal(fs_write_atomic_at(-1, "x", "z", 1, 0600), -EBADF);
	assert_int_equal(dir_count(dir), 2);
	close(dfd);
}

static void
test_atomic_failure_keeps_old(void **state)
{
	struct tree *t = *state;
	char dir[PATH_MAX], path[PATH_MAX];
	struct stat st;

	pathf(dir, "%s/awfail", t->top);
	assert_int_equal(mkdir(dir, 0700), 0);
	/* rename(file, non-empty dir) fails after the temp file is written:
	 * the directory stays and the temp file goes. */
	pathf(path, "%s/d", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	put_file(path, "keep", "k");
	assert_int_equal(fs_write_atomic(path, "new", 3, 0600), -EISDIR);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(dir_count(dir), 1);

	pathf(path, "%s/nodir/f", dir);
	assert_int_equal(fs_write_atomic(path, "x", 1, 0600), -ENOENT);
	pathf(path, "%s/", dir);
	assert_int_equal(fs_write_atomic(path, "x", 1, 0600), -EINVAL);
	assert_int_equal(fs_write_atomic(NULL, "x", 1, 0600), -EINVAL);
	assert_int_equal(dir_count(dir), 1);
}

static void
test_atomic_replaces_symlink_not_target(void **state)
{
	struct tree *t = *state;
	char dir[PATH_MAX], link[PATH_MAX], target[PATH_MAX], got[64];
	struct stat st;

	/* A symlink at the target name is replaced, never written
	 * through: the file it pointed to keeps its content. */
	pathf(dir, "%s/awlink", t->top);
	assert_int_equal(mkdir(dir, 0700), 0);
	put_file(dir, "target", "precious");
	pathf(target, "%s/target", dir);
	put_link(dir, "l", target);
	pathf(link, "%s/l", dir);
	assert_int_equal(fs_write_atomic(link, "new", 3, 0600), 0);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	path_text(target, got, sizeof(got));
	assert_string_equal(got, "precious");
	path_text(link, got, sizeof(got));
	assert_string_equal(got, "new");
}

/* ---- fs_mkdir_p, fs_fsync_dir ---- */

static void
test_mkdir_p(void **state)
{
	struct tree *t = *state;
	char path[PATH_MAX];
	struct stat st;

	pathf(path, "%s/m/a/b/c", t->top);
	assert_int_equal(fs_mkdir_p(path, 0700), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(fs_mkdir_p(path, 0700), 0);	/* exists: fine */

	pathf(path, "%s/m//x///y/", t->top);
	assert_int_equal(fs_mkdir_p(path, 0700), 0);
	pathf(path, "%s/m/x/y", t->top);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));

	/* a file in the way, in the middle and at the end */
	put_file(t->top, "m/plain", "p");
	pathf(path, "%s/m/plain/sub", t->top);
	assert_int_equal(fs_mkdir_p(path, 0700), -ENOTDIR);
	pathf(path, "%s/m/plain", t->top);
	assert_int_equal(fs_mkdir_p(path, 0700), -ENOTDIR);
	assert_int_equal(fs_mkdir_p("", 0700), -ENOENT);
	assert_int_equal(fs_mkdir_p("/", 0700), 0);
}

static void
test_fsync_dir(void **state)
{
	struct tree *t = *state;
	char path[PATH_MAX];

	assert_int_equal(fs_fsync_dir(t->top), 0);
	assert_int_equal(fs_fsync_dirfd(t->rootfd), 0);
	pathf(path, "%s/nope", t->top);
	assert_int_equal(fs_fsync_dir(path), -ENOENT);
	pathf(path, "%s/file", t->root);
	assert_int_equal(fs_fsync_dir(path), -ENOTDIR);
	assert_int_equal(fs_fsync_dirfd(-1), -EBADF);
}

int
main(void)
{
	const struct CMUnitTest main_tests[] = {
		cmocka_unit_test(test_beneath_table),
		cmocka_unit_test(test_beneath_absolute_into_root),
		cmocka_unit_test(test_beneath_create),
		cmocka_unit_test(test_beneath_null),
		cmocka_unit_test(test_parent_refuses),
		cmocka_unit_test(test_parent_ok),
		cmocka_unit_test(test_parent_errors),
		cmocka_unit_test(test_parent_then_mkdirat),
		cmocka_unit_test(test_atomic_replaces),
		cmocka_unit_test(test_atomic_at),
		cmocka_unit_test(test_atomic_failure_keeps_old),
		cmocka_unit_test(test_atomic_replaces_symlink_not_target),
		cmocka_unit_test(test_mkdir_p),
		cmocka_unit_test(test_fsync_dir),
	};
	/* Last: the seccomp filter cannot be removed once installed. */
	const struct CMUnitTest walk_tests[] = {
		cmocka_unit_test(test_walk_openat2_blocked),
		cmocka_unit_test(test_beneath_table),
		cmocka_unit_test(test_beneath_absolute_into_root),
		cmocka_unit_test(test_beneath_create),
		cmocka_unit_test(test_parent_refuses),
		cmocka_unit_test(test_parent_ok),
		cmocka_unit_test(test_parent_errors),
		cmocka_unit_test(test_parent_then_mkdirat),
	};
	int failed;

	failed = cmocka_run_group_tests_name("fs (openat2)", main_tests,
	    tree_setup, tree_teardown);
	failed += cmocka_run_group_tests_name("fs (fallback walk)", walk_tests,
	    walk_setup, tree_teardown);
	return failed != 0;
}
