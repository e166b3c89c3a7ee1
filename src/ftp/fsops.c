/* ftp/fsops.c - the FTP server's file system commands on virtual paths
 * beneath the user's root: PWD, CWD, CDUP, SIZE, MDTM, DELE, MKD, RMD,
 * RNFR/RNTO, SITE CHMOD, and STAT with or without a path. */
#include "ftp/session_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <openssl/crypto.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/fs.h"
#include "core/log.h"
#include "ftp/addr.h"
#include "ftp/listing.h"
#include "ftp/path.h"

/* ---- status ---- */

/* STAT PATH: a LIST of it over the control connection (RFC 959 4.1.3). */
static enum line_act
stat_path(struct ftp_sess *s, const char *args)
{
	char vpath[FTP_PATH_MAX], line[FTP_LIST_LINE_MAX + NAME_MAX];
	const char *path;
	enum line_act act;
	struct stat st;
	bool all;
	time_t now = time(NULL);
	int err;

	ftp_list_args(args, &path, &all);
	if (ftp_resolve(s, path, vpath, "STAT", &act) < 0)
		return act;
	if ((err = ftp_vstat(s, vpath, &st)) < 0)
		return ftp_fs_fail(s, err, "STAT");
	line_reply(&s->ls, "213-Status of %s:", vpath);
	if (!S_ISDIR(st.st_mode)) {
		if (ftp_list_line(ftp_path_base(vpath), &st, NULL, now, line,
		    sizeof(line)) > 2)
			line_reply(&s->ls, "%.*s", (int)strlen(line) - 2, line);
		return ftp_reply(s, "213 End of status.");
	}
	int fd = ftp_vopen(s, vpath, O_RDONLY | O_DIRECTORY, 0);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return ftp_reply(s, "213 End of status.");
	}
	struct dirent *de;
	for (int i = 0; i < FTP_STAT_MAX && (de = readdir(d)) != NULL; i++) {
		if (de->d_name[0] == '.' && !all)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		ssize_t n = ftp_list_line(de->d_name, &st, NULL, now, line,
		    sizeof(line));
		if (n > 2)
			line_reply(&s->ls, "%.*s", (int)n - 2, line);
	}
	closedir(d);
	return ftp_reply(s, "213 End of status.");
}

enum line_act
ftp_cmd_stat(struct line_sess *ls, char *args)
{
	struct ftp_sess *s = ftp_of(ls);
	char pbuf[NET_ADDRSTRLEN];

	if (args[0] != '\0')
		return stat_path(s, args);
	line_reply(ls, "211-FTP server status:");
	line_reply(ls, "     Connected to %s", net_addr_format(&ls->peer,
	    false, pbuf, sizeof(pbuf)));
	line_reply(ls, "     Logged in as %s%s", s->user,
	    s->is_anon ? " (anonymous, read-only)" :
	    s->can_write ? "" : " (read-only)");
	line_reply(ls, "     TYPE: %s, MODE: S, STRU: F",
	    s->type == FTP_TYPE_A ? "ASCII" : "BINARY");
	line_reply(ls, "     Control connection %s",
	    ls->is_tls ? "uses TLS" : "is plain text");
	line_reply(ls, "     Data connections %s",
	    s->prot_p ? "use TLS" : "are plain text");
	return ftp_reply(s, "211 End of status.");
}

/* ---- the file system ---- */

enum line_act
ftp_cmd_pwd(struct line_sess *ls, char *args)
{
	struct ftp_sess *s = ftp_of(ls);
	char q[2 * FTP_PATH_MAX];

	(void)args;
	if (ftp_quote_path(s->cwd, q, sizeof(q)) < 0)
		return ftp_reply(s, "550 Path too long.");
	return ftp_reply(s, "257 \"%s\" is the current directory.", q);
}

static enum line_act
change_dir(struct ftp_sess *s, const char *arg, const char *what)
{
	char vpath[FTP_PATH_MAX];
	enum line_act act;

	if (ftp_resolve(s, arg, vpath, what, &act) < 0)
		return act;
	int fd = ftp_vopen(s, vpath, O_PATH | O_DIRECTORY, 0);
	if (fd < 0)
		return ftp_fs_fail(s, fd, what);
	close(fd);
	memcpy(s->cwd, vpath, strlen(vpath) + 1);
	return ftp_reply(s, "250 Directory successfully changed.");
}

enum line_act
ftp_cmd_cwd(struct line_sess *ls, char *args)
{
	return change_dir(ftp_of(ls), args, "CWD");
}

enum line_act
ftp_cmd_cdup(struct line_sess *ls, char *args)
{
	(void)args;
	return change_dir(ftp_of(ls), "..", "CDUP");
}

enum line_act
ftp_cmd_size(struct line_sess *ls, char *args)
{
	struct ftp_sess *s = ftp_of(ls);
	char vpath[FTP_PATH_MAX];
	enum line_act act;
	struct stat st;
	int err;

	if (ftp_resolve(s, args, vpath, "SIZE", &act) < 0)
		return act;
	if ((err = ftp_vstat(s, vpath, &st)) < 0)
		return ftp_fs_fail(s, err, "SIZE");
	/* RFC 3659 4: the size of a file; a directory has none. The size
	 * given is the file's bytes in either TYPE. */
	if (!S_ISREG(st.st_mode))
		return ftp_reply(s, "550 SIZE: Not a plain file.");
	return ftp_reply(s, "213 %lld", (long long)st.st_size);
}

enum line_act
ftp_cmd_mdtm(struct line_sess *ls, char *args)
{
	struct ftp_sess *s = ftp_of(ls);
	char vpath[FTP_PATH_MAX], t[16];
	enum line_act act;
	struct stat st;
	int err;

	if (ftp_resolve(s, args, vpath, "MDTM", &act) < 0)
		return act;
	if ((err = ftp_vstat(s, vpath, &st)) < 0)
		return ftp_fs_fail(s, err, "MDTM");
	if (ftp_time_format(st.st_mtime, t, sizeof(t)) < 0)
		return ftp_reply(s, "550 MDTM: time out of range.");
	return ftp_reply(s, "213 %s", t);
}

/* Runs `op` on the parent directory and leaf of the client's path. */
struct leaf_op {
	const char	*verb;
	int		(*fn)(int dfd, const char *leaf, const void *arg);
	const void	*arg;
};

static int
leaf_do(struct ftp_sess *s, const char *vpath, const struct leaf_op *op)
{
	char leaf[NAME_MAX + 1];
	int dfd = ftp_vparent(s, vpath, leaf, sizeof(leaf));

	if (dfd < 0)
		return dfd;
	int err = op->fn(dfd, leaf, op->arg);
	if (err == 0)
		(void)fs_fsync_dirfd(dfd);
	close(dfd);
	return err;
}

static int
op_unlink(int dfd, const char *leaf, const void *arg)
{
	(void)arg;
	return unlinkat(dfd, leaf, 0) < 0 ? -errno : 0;
}

static int
op_rmdir(int dfd, const char *leaf, const void *arg)
{
	(void)arg;
	return unlinkat(dfd, leaf, AT_REMOVEDIR) < 0 ? -errno : 0;
}

static int
op_mkdir(int dfd, const char *leaf, const void *arg)
{
	(void)arg;
	return mkdirat(dfd, leaf, 0755) < 0 ? -errno : 0;
}

static int
op_exists(int dfd, const char *leaf, const void *arg)
{
	struct stat st;

	(void)arg;
	return fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

/* A modifying command on one path: checks, resolves, runs. */
static int
path_op(struct ftp_sess *s, const char *args, const struct leaf_op *op,
    char *vpath, enum line_act *act)
{
	int err;

	if (!ftp_may_write(s, act) || ftp_resolve(s, args, vpath, op->verb, act) < 0)
		return -1;
	if ((err = leaf_do(s, vpath, op)) < 0) {
		*act = ftp_fs_fail(s, err, op->verb);
		return -1;
	}
	return 0;
}

enum line_act
ftp_cmd_dele(struct line_sess *ls, char *args)
{
	struct ftp_sess *s = ftp_of(ls);
	struct leaf_op op = { "DELE", op_unlink, NULL };
	char vpath[FTP_PATH_MAX];
	enum line_act act;

	if (path_op(s, args, &op, vpath, &act) < 0)
		return act;
	log_info("sess=%08x dele path=\"%s\"", ls->id, ftp_esc(vpath));
	return ftp_reply(s, "250 Delete operation successful.");
}

enum line_act
ftp_cmd_rmd(struct line_sess *ls, char *args)
{
	struct ftp_sess *s = ftp_of(ls);
	struct leaf_op op = { "RMD", op_rmdir, NULL };
	char vpath[FTP_PATH_MAX];
	enum line_act act;

	if (path_op(s, args, &op, vpath, &act) < 0)
		return act;
	log_info("sess=%08x rmd path=\"%s\"", ls->id, ftp_esc(vpath));
	return ftp_reply(s, "250 Remove directory operation successful.");
}

enum line_act
ftp_cmd_mkd(struct line_sess *ls, char *args)
{
	struct ftp_sess *s = ftp_of(ls);
	struct leaf_op op = { "MKD", op_mkdir, NULL };
	char vpath[FTP_PATH_MAX], q[2 * FTP_PATH_MAX];
	enum line_act act;

	if (path_op(s, args, &op, vpath, &act) < 0)
		return act;
	log_info("sess=%08x mkd path=\"%s\"", ls->id, ftp_esc(vpath));
	if (ftp_quote_path(vpath, q, sizeof(q)) < 0)
		return ftp_reply(s, "257 Created.");
	return ftp_reply(s, "257 \"%s\" created.", q);
}

enum line_act
ftp_cmd_rnfr(struct line_sess *ls, char *args)
{
	struct ftp_sess *s = ftp_of(ls);
	struct leaf_op op = { "RNFR", op_exists, NULL };
	char vpath[FTP_PATH_MAX];
	enum line_act act;

	free(s->rnfr);
	s->rnfr = NULL;
	if (path_op(s, args, &op, vpath, &act) < 0)
		return act;
	if ((s->rnfr = strdup(vpath)) == NULL)
		return ftp_reply(s, "451 Out of memory.");
	s->rnfr_at = s->n_cmds;
	return ftp_reply(s, "350 Ready for RNTO.");
}

enum line_act
ftp_cmd_rnto(struct line_sess *ls, char *args)
{
	struct ftp_sess *s = ftp_of(ls);
	char vpath[FTP_PATH_MAX], from_leaf[NAME_MAX + 1], to_leaf[NAME_MAX + 1];
	enum line_act act;
	int err;

	/* RFC 959 4.1.3: RNTO must follow RNFR at once. */
	bool ok = s->rnfr != NULL && s->n_cmds == s->rnfr_at + 1;
	char *from = s->rnfr;
	s->rnfr = NULL;
	if (!ok) {
		free(from);
		return ftp_reply(s, "503 RNFR required first.");
	}
	if (!ftp_may_write(s, &act) || ftp_resolve(s, args, vpath, "RNTO", &act) < 0) {
		free(from);
		return act;
	}
	int fdir = ftp_vparent(s, from, from_leaf, sizeof(from_leaf));
	int tdir = fdir >= 0 ? ftp_vparent(s, vpath, to_leaf, sizeof(to_leaf)) :
	    fdir;
	if (tdir < 0)
		err = tdir;
	else if (renameat(fdir, from_leaf, tdir, to_leaf) < 0)
		err = -errno;
	else
		err = 0;
	if (err == 0) {
		(void)fs_fsync_dirfd(tdir);
		log_info("sess=%08x rename from=\"%s\"", ls->id, ftp_esc(from));
		log_info("sess=%08x rename to=\"%s\"", ls->id, ftp_esc(vpath));
	}
	if (fdir >= 0)
		close(fdir);
	if (tdir >= 0 && tdir != fdir)
		close(tdir);
	free(from);
	if (err < 0)
		return ftp_fs_fail(s, err, "RNTO");
	return ftp_reply(s, "250 Rename successful.");
}

static enum line_act
site_chmod(struct ftp_sess *s, const char *args)
{
	char vpath[FTP_PATH_MAX];
	const char *path;
	enum line_act act;
	mode_t mode;

	if (!ftp_may_write(s, &act))
		return act;
	if (ftp_chmod_parse(args, &mode, &path) < 0)
		return ftp_reply(s, "501 SITE CHMOD needs an octal mode and a path.");
	if (ftp_resolve(s, path, vpath, "SITE CHMOD", &act) < 0)
		return act;
	/* O_PATH fds cannot fchmod; a read-only open can, and never
	 * follows a symlink out of the root. */
	int fd = ftp_vopen(s, vpath, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0);
	if (fd < 0)
		return ftp_fs_fail(s, fd, "SITE CHMOD");
	int err = fchmod(fd, mode) < 0 ? -errno : 0;
	close(fd);
	if (err < 0)
		return ftp_fs_fail(s, err, "SITE CHMOD");
	return ftp_reply(s, "200 SITE CHMOD command ok.");
}

enum line_act
ftp_cmd_site(struct line_sess *ls, char *args)
{
	struct ftp_sess *s = ftp_of(ls);

	if (strncasecmp(args, "CHMOD ", 6) == 0)
		return site_chmod(s, args + 6);
	if (strcasecmp(args, "HELP") == 0) {
		line_reply(ls, "214-SITE commands:");
		line_reply(ls, " CHMOD HELP");
		return ftp_reply(s, "214 End.");
	}
	return ftp_reply(s, "500 Unknown SITE command.");
}
