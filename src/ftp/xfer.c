/* ftp/xfer.c - the FTP server's data side: PORT/EPRT (no bounce),
 * PASV/EPSV, and the commands that move data (RETR, STOR, APPE, STOU,
 * LIST, NLST, MLSD) with ABOR and STAT while they run; MLST. data.c does
 * the I/O, listing.c formats the entries; every reply is worded here. */
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

/* ---- data connection setup ---- */

static bool
is_ipv4ish(const struct net_addr *a)
{
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&a->ss;

	return a->ss.ss_family == AF_INET || (a->ss.ss_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr));
}

/* RFC 2577 3 (no bounce): the data connection goes back to the client's
 * own address, and not to a privileged port. */
static enum line_act
port_to(struct ftp_sess *s, const struct net_addr *to)
{
	char buf[NET_ADDRSTRLEN];

	if (s->epsv_all)
		return ftp_reply(s, "503 EPSV ALL in force: use EPSV.");
	if (!net_addr_same_ip(to, &s->ls.peer) || net_addr_port(to) < 1024) {
		s->fs->st.port_refused++;
		log_info("sess=%08x port-refused to=%s", s->ls.id,
		    net_addr_format(to, true, buf, sizeof(buf)));
		return ftp_reply(s, "500 Illegal PORT command.");
	}
	ftp_data_port(s->data, to);
	return ftp_reply(s, "200 PORT command successful. Consider using PASV.");
}

enum line_act
ftp_cmd_port(struct line_sess *ls, char *args)
{
	struct ftp_sess *s = ftp_of(ls);
	struct net_addr to;

	if (ftp_port_parse(args, &to) < 0)
		return ftp_reply(s, "501 Bad PORT argument.");
	return port_to(s, &to);
}

enum line_act
ftp_cmd_eprt(struct line_sess *ls, char *args)
{
	struct ftp_sess *s = ftp_of(ls);
	struct net_addr to;
	int err = ftp_eprt_parse(args, &to);

	if (err == -EAFNOSUPPORT)
		return ftp_reply(s, "522 Network protocol not supported, use (%s)",
		    is_ipv4ish(&ls->local) ? "1" : "2");
	if (err < 0)
		return ftp_reply(s, "501 Bad EPRT argument.");
	return port_to(s, &to);
}

enum line_act
ftp_cmd_pasv(struct line_sess *ls, char *args)
{
	struct ftp_sess *s = ftp_of(ls);
	const struct ftp_conf *c = ftp_conf_of(s);
	struct net_addr bound, shown;
	char text[32];
	int err;

	(void)args;
	if (s->epsv_all)
		return ftp_reply(s, "503 EPSV ALL in force: use EPSV.");
	if (!is_ipv4ish(&ls->local))
		return ftp_reply(s, "522 PASV is IPv4 only: use EPSV.");
	if ((err = ftp_data_pasv(s->data, &bound)) < 0) {
		log_warn("sess=%08x pasv: %s", ls->id, ik_strerror(err));
		return ftp_reply(s, "425 Cannot open a passive connection.");
	}
	shown = bound;
	/* Behind NAT the client must be told the outside address. */
	if (c->pasv_address[0] != '\0' &&
	    net_ip_parse(c->pasv_address, &shown) == 0)
		net_addr_set_port(&shown, net_addr_port(&bound));
	if (ftp_port_format(&shown, text, sizeof(text)) < 0)
		return ftp_reply(s, "425 Cannot open a passive connection.");
	return ftp_reply(s, "227 Entering Passive Mode (%s).", text);
}

enum line_act
ftp_cmd_epsv(struct line_sess *ls, char *args)
{
	struct ftp_sess *s = ftp_of(ls);
	struct net_addr bound;
	int err;

	if (strcasecmp(args, "ALL") == 0) {
		/* RFC 2428 4: from now on only EPSV sets up data. */
		s->epsv_all = true;
		return ftp_reply(s, "200 EPSV ALL ok.");
	}
	if (args[0] != '\0') {
		int want = is_ipv4ish(&ls->local) ? 1 : 2;
		if (strcmp(args, "1") != 0 && strcmp(args, "2") != 0)
			return ftp_reply(s, "501 Bad EPSV argument.");
		if (args[0] - '0' != want)
			return ftp_reply(s, "522 Network protocol not supported, "
			    "use (%d)", want);
	}
	if ((err = ftp_data_pasv(s->data, &bound)) < 0) {
		log_warn("sess=%08x epsv: %s", ls->id, ik_strerror(err));
		return ftp_reply(s, "425 Cannot open a passive connection.");
	}
	return ftp_reply(s, "229 Entering Extended Passive Mode (|||%u|)",
	    (unsigned)net_addr_port(&bound));
}

/* ---- transfers ---- */

static enum line_act xfer_line(struct line_sess *ls, char *line, size_t len,
    unsigned flags);

/* Replies 150, enters XFER and starts the data connection; `vpath` names
 * the transfer in logs. Takes x->fd. */
static enum line_act
xfer_start(struct ftp_sess *s, const char *verb, const char *vpath,
    struct ftp_xfer *x, const char *opening)
{
	struct ftp_run *r = &s->run;
	int err;

	s->rest = 0;
	if (!ftp_data_is_set(s->data)) {
		if (x->fd >= 0)
			close(x->fd);
		ftp_run_clear(s);
		return ftp_reply(s, "425 Use PORT or PASV first.");
	}
	snprintf(r->verb, sizeof(r->verb), "%s", verb);
	r->vpath = strdup(vpath);
	r->start_ms = clock_mono_ms();
	x->tls = s->prot_p;
	/* 150 goes first: the data may all be moved (and 226 sent) before
	 * ftp_data_start returns. */
	if (ftp_reply(s, "150 %s", opening) != LINE_OK) {
		if (x->fd >= 0)
			close(x->fd);
		ftp_run_clear(s);
		return LINE_CLOSE;
	}
	ftp_set_state(s, FTP_ST_XFER);
	s->ls.raw_line = xfer_line;
	if ((err = ftp_data_start(s->data, x)) < 0) {
		log_info("sess=%08x xfer-start verb=%s err=\"%s\"", s->ls.id,
		    verb, ik_strerror(err));
		s->ls.raw_line = NULL;
		ftp_set_state(s, FTP_ST_READY);
		ftp_run_clear(s);
		return ftp_reply(s, "425 Cannot open data connection.");
	}
	return LINE_OK;
}

/* Undoes an upload cut by the size cap: a file it created goes, a file
 * it added to is cut back to its old size. */
static void
upload_undo(struct ftp_sess *s)
{
	struct ftp_run *r = &s->run;
	char leaf[NAME_MAX + 1];

	if (r->created) {
		int dfd = ftp_vparent(s, r->vpath, leaf, sizeof(leaf));
		if (dfd >= 0) {
			(void)unlinkat(dfd, leaf, 0);
			close(dfd);
		}
	} else if (r->keep_fd >= 0 && ftruncate(r->keep_fd, r->orig_size) < 0) {
		log_warn("sess=%08x cannot cut back %s: %s", s->ls.id,
		    ftp_esc(r->vpath), strerror(errno));
	}
}

/* The transfer ended: the final reply, counters, a log line, and the
 * session back to READY (running a line that waited). */
static void
xfer_end(struct ftp_sess *s, enum ftp_xfer_result res, int err,
    bool aborted)
{
	struct ftp_server *fs = s->fs;
	struct ftp_run *r = &s->run;
	uint64_t bytes = ftp_data_bytes(s->data);
	static const char *const names[] = {
		[FTP_XFER_OK] = "ok", [FTP_XFER_NO_CONN] = "no-conn",
		[FTP_XFER_BROKEN] = "broken", [FTP_XFER_TIMEOUT] = "timeout",
		[FTP_XFER_LOCAL] = "local", [FTP_XFER_LIMIT] = "limit",
	};

	if (r->is_upload)
		fs->st.bytes_received += bytes;
	else
		fs->st.bytes_sent += bytes;
	if (aborted) {
		fs->st.aborts++;
		ftp_reply(s, "426 Connection closed; transfer aborted.");
		ftp_reply(s, "226 Abort successful.");
	} else if (res == FTP_XFER_OK) {
		if (r->is_listing)
			fs->st.listings++;
		else if (r->is_upload)
			fs->st.files_received++;
		else
			fs->st.files_sent++;
		if (r->unique != NULL)
			ftp_reply(s, "226 Transfer complete (unique file name: "
			    "%s).", r->unique);
		else
			ftp_reply(s, "226 Transfer complete.");
	} else {
		fs->st.xfer_errors++;
		switch (res) {
		case FTP_XFER_NO_CONN:
			ftp_reply(s, "425 Cannot open data connection.");
			break;
		case FTP_XFER_TIMEOUT:
			ftp_reply(s, "426 Data connection timed out.");
			break;
		case FTP_XFER_LOCAL:
			if (err == -ENOSPC)
				ftp_reply(s, "452 Insufficient storage space.");
			else if (err == -EDQUOT)
				ftp_reply(s, "552 Quota exceeded.");
			else
				ftp_reply(s, "451 Local error: %s.",
				    ik_strerror(err));
			break;
		case FTP_XFER_LIMIT:
			upload_undo(s);
			ftp_reply(s, "552 Upload limit of %llu bytes exceeded.",
			    (unsigned long long)s->upload_max);
			break;
		default:
			ftp_reply(s, "426 Connection closed; transfer aborted.");
			break;
		}
	}
	log_info("sess=%08x xfer verb=%s path=\"%s\" bytes=%llu ms=%llu "
	    "result=%s%s%s", s->ls.id, r->verb, r->vpath != NULL ?
	    ftp_esc(r->vpath) : "", (unsigned long long)bytes,
	    (unsigned long long)(clock_mono_ms() - r->start_ms),
	    aborted ? "abort" : names[res], err != 0 ? " err=" : "",
	    err != 0 ? ik_strerror(err) : "");
	bool deferred = r->is_deferred;
	ftp_run_clear(s);
	s->ls.raw_line = NULL;
	ftp_set_state(s, FTP_ST_READY);
	line_touch(&s->ls);
	if (deferred)
		line_resume(&s->ls);
}

void
ftp_xfer_done_cb(void *arg, enum ftp_xfer_result r, int err)
{
	xfer_end(arg, r, err, false);
}

void
ftp_xfer_progress_cb(void *arg)
{
	struct ftp_sess *s = arg;

	line_touch(&s->ls);
}

static enum line_act
xfer_stat(struct ftp_sess *s)
{
	return ftp_reply(s, "213 Status: %llu bytes of %s transferred.",
	    (unsigned long long)ftp_data_bytes(s->data),
	    s->run.vpath != NULL ? s->run.vpath : "the transfer");
}

/* Lines while a transfer runs: ABOR and STAT act at once (RFC 959 4.1.3);
 * anything else waits for the transfer's end, unread, so replies keep
 * their order. */
static enum line_act
xfer_line(struct line_sess *ls, char *line, size_t len, unsigned flags)
{
	struct ftp_sess *s = ftp_of(ls);
	char verb[FTP_VERB_MAX + 1];
	const char *args;

	if (flags & (LINE_F_TOO_LONG | LINE_F_NUL))
		return ftp_reply(s, "500 Bad command line.");
	if (ftp_cmd_split(line, verb, &args) < 0)
		return ftp_reply(s, "500 Unknown command.");
	if (strcmp(verb, "ABOR") == 0) {
		ftp_data_abort(s->data);
		xfer_end(s, FTP_XFER_BROKEN, 0, true);
		return LINE_OK;
	}
	if (strcmp(verb, "STAT") == 0 && args[0] == '\0')
		return xfer_stat(s);
	if (line_unread(ls, line, len) < 0)
		return LINE_CLOSE;
	s->run.is_deferred = true;
	return LINE_WAIT;
}

enum line_act
ftp_cmd_abor(struct line_sess *ls, char *args)
{
	(void)args;
	/* No transfer runs (those get ABOR through xfer_line): close any
	 * data connection set up (RFC 959 4.1.3). */
	ftp_data_abort(ftp_of(ls)->data);
	return ftp_reply(ftp_of(ls), "225 No transfer to abort.");
}

enum line_act
ftp_cmd_retr(struct line_sess *ls, char *args)
{
	struct ftp_sess *s = ftp_of(ls);
	char vpath[FTP_PATH_MAX], what[64];
	struct stat st;
	enum line_act act;
	int fd;

	if (ftp_resolve(s, args, vpath, "RETR", &act) < 0)
		return act;
	if ((fd = ftp_vopen(s, vpath, O_RDONLY | O_NONBLOCK, 0)) < 0) {
		s->rest = 0;
		return ftp_fs_fail(s, fd, "RETR");
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		s->rest = 0;
		return ftp_reply(s, "550 RETR: Not a plain file.");
	}
	/* Regular files ignore O_NONBLOCK for reads; it only kept a FIFO
	 * from blocking the open. */
	struct ftp_xfer x = {
		.kind = FTP_XFER_SEND_FILE, .fd = fd,
		.offset = (off_t)s->rest, .ascii = s->type == FTP_TYPE_A,
	};
	snprintf(what, sizeof(what), "%s", s->type == FTP_TYPE_A ? "ASCII" :
	    "BINARY");
	char opening[FTP_PATH_MAX + 96];
	snprintf(opening, sizeof(opening), "Opening %s mode data connection "
	    "for %s (%lld bytes).", what, ftp_path_base(vpath),
	    (long long)st.st_size);
	return xfer_start(s, "RETR", vpath, &x, opening);
}

/* Opens the target of an upload. O_EXCL first, to know whether the file
 * is new (a capped upload removes only what it created). */
static int
upload_open(struct ftp_sess *s, const char *vpath, bool append, bool trunc)
{
	struct ftp_run *r = &s->run;
	struct stat st;
	int fd = ftp_vopen(s, vpath, O_WRONLY | O_CREAT | O_EXCL, 0644);

	if (fd >= 0) {
		r->created = true;
		return fd;
	}
	if (fd != -EEXIST)
		return fd;
	fd = ftp_vopen(s, vpath, O_WRONLY | O_NONBLOCK | (append ? O_APPEND : 0),
	    0);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EISDIR;
	}
	r->orig_size = trunc ? 0 : st.st_size;
	if (trunc && ftruncate(fd, 0) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* STOR, APPE and STOU once the target is open. */
static enum line_act
upload_go(struct ftp_sess *s, const char *verb, const char *vpath, int fd,
    const char *opening)
{
	struct ftp_run *r = &s->run;

	r->is_upload = true;
	r->keep_fd = dup(fd);
	struct ftp_xfer x = {
		.kind = FTP_XFER_RECV_FILE, .fd = fd,
		.ascii = s->type == FTP_TYPE_A, .limit = s->upload_max,
	};
	return xfer_start(s, verb, vpath, &x, opening);
}

static enum line_act
store(struct line_sess *ls, char *args, bool append)
{
	struct ftp_sess *s = ftp_of(ls);
	const char *verb = append ? "APPE" : "STOR";
	char vpath[FTP_PATH_MAX];
	enum line_act act;
	uint64_t rest = s->rest;
	int fd;

	if (!ftp_may_write(s, &act) || ftp_resolve(s, args, vpath, verb, &act) < 0) {
		s->rest = 0;
		return act;
	}
	ftp_run_clear(s);
	/* REST then STOR: resume an upload at the offset (RFC 3659 5.4). */
	fd = upload_open(s, vpath, append, !append && rest == 0);
	if (fd < 0) {
		s->rest = 0;
		ftp_run_clear(s);
		return ftp_fs_fail(s, fd, verb);
	}
	if (!append && rest > 0) {
		s->run.orig_size = (off_t)rest;
		if (lseek(fd, (off_t)rest, SEEK_SET) < 0) {
			close(fd);
			s->rest = 0;
			ftp_run_clear(s);
			return ftp_fs_fail(s, -EINVAL, verb);
		}
	}
	char opening[FTP_PATH_MAX + 64];
	snprintf(opening, sizeof(opening), "Ok to send data for %s.",
	    ftp_path_base(vpath));
	return upload_go(s, verb, vpath, fd, opening);
}

enum line_act
ftp_cmd_stor(struct line_sess *ls, char *args)
{
	return store(ls, args, false);
}

enum line_act
ftp_cmd_appe(struct line_sess *ls, char *args)
{
	return store(ls, args, true);
}

enum line_act
ftp_cmd_stou(struct line_sess *ls, char *args)
{
	struct ftp_sess *s = ftp_of(ls);
	char base[FTP_PATH_MAX], vpath[FTP_PATH_MAX];
	enum line_act act;
	int fd = -EEXIST;

	if (!ftp_may_write(s, &act) ||
	    ftp_resolve(s, args[0] != '\0' ? args : "ftp.upload", base, "STOU",
	    &act) < 0)
		return act;
	ftp_run_clear(s);
	s->rest = 0;
	for (int i = 0; i <= FTP_STOU_TRIES && fd == -EEXIST; i++) {
		int n = i == 0 ? snprintf(vpath, sizeof(vpath), "%s", base) :
		    snprintf(vpath, sizeof(vpath), "%s.%d", base, i);
		if (n < 0 || (size_t)n >= sizeof(vpath))
			return ftp_fs_fail(s, -ENAMETOOLONG, "STOU");
		fd = ftp_vopen(s, vpath, O_WRONLY | O_CREAT | O_EXCL, 0644);
	}
	if (fd < 0)
		return ftp_fs_fail(s, fd, "STOU");
	s->run.created = true;
	s->run.unique = strdup(ftp_path_base(vpath));
	/* RFC 1123 4.1.2.9: "150 FILE: name". */
	char opening[FTP_PATH_MAX + 16];
	snprintf(opening, sizeof(opening), "FILE: %s", ftp_path_base(vpath));
	return upload_go(s, "STOU", vpath, fd, opening);
}

/* ---- listings ---- */

/* Formats one entry of the running listing into out. */
static int
list_entry(struct ftp_sess *s, int dfd, const char *name, const char *dir,
    struct evbuffer *out, time_t now)
{
	struct ftp_run *r = &s->run;
	char line[FTP_LIST_LINE_MAX + NAME_MAX], link[256];
	const char *lk = NULL;
	struct stat st;
	ssize_t n;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;		/* gone meanwhile */
	if (S_ISLNK(st.st_mode)) {
		/* Followed only when it stays beneath the root; else LIST
		 * shows the link itself and MLSD leaves it out. */
		char vp[FTP_PATH_MAX];
		struct stat tst;
		if (ftp_path_resolve(dir, name, vp, sizeof(vp)) >= 0 &&
		    ftp_vstat(s, vp, &tst) == 0) {
			st = tst;
		} else if (r->list == LIST_LONG) {
			ssize_t k = readlinkat(dfd, name, link,
			    sizeof(link) - 1);
			link[k > 0 ? k : 0] = '\0';
			lk = link;
		} else if (r->list == LIST_MLSD) {
			return 0;
		}
	}
	switch (r->list) {
	case LIST_LONG:
		n = ftp_list_line(name, &st, lk, now, line, sizeof(line));
		break;
	case LIST_NAMES:
		n = snprintf(line, sizeof(line), "%s\r\n", name);
		if (n >= (ssize_t)sizeof(line))
			n = -IK_ETRUNC;
		break;
	default:
		n = ftp_mlsx_facts(&st, FTP_MLSX_ENTRY, s->facts,
		    s->can_write, line, sizeof(line));
		if (n >= 0) {
			int m = snprintf(line + n, sizeof(line) - (size_t)n,
			    "%s\r\n", name);
			n = m < 0 || (size_t)m >= sizeof(line) - (size_t)n ?
			    -IK_ETRUNC : n + m;
		}
		break;
	}
	if (n < 0)
		return 0;		/* a name too long to show */
	return evbuffer_add(out, line, (size_t)n) < 0 ? -ENOMEM : 0;
}

/* ftp_fill_fn for listings: a batch of entries per call. */
static int
list_fill(void *arg, struct evbuffer *out)
{
	struct ftp_sess *s = arg;
	struct ftp_run *r = &s->run;
	time_t now = time(NULL);
	int err;

	if (r->dir == NULL) {
		/* A single file: its parent is opened for the stat. */
		char leaf[NAME_MAX + 1];
		int dfd = ftp_vparent(s, r->vpath, leaf, sizeof(leaf));
		char dir[FTP_PATH_MAX];
		if (dfd < 0)
			return 1;
		err = ftp_path_resolve(r->vpath, "..", dir, sizeof(dir)) < 0 ?
		    0 : list_entry(s, dfd, leaf, dir, out, now);
		close(dfd);
		return err < 0 ? err : 1;
	}
	for (int i = 0; i < FTP_LIST_BATCH; i++) {
		errno = 0;
		struct dirent *de = readdir(r->dir);
		if (de == NULL)
			return errno != 0 ? -errno : 1;
		const char *name = de->d_name;
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		if (name[0] == '.' && !r->all && r->list != LIST_MLSD)
			continue;
		if ((err = list_entry(s, dirfd(r->dir), name, r->vpath, out,
		    now)) < 0)
			return err;
	}
	return 0;
}

static enum line_act
list_start(struct line_sess *ls, char *args, enum list_kind kind,
    const char *verb)
{
	struct ftp_sess *s = ftp_of(ls);
	struct ftp_run *r;
	char vpath[FTP_PATH_MAX];
	const char *path = args;
	enum line_act act;
	struct stat st;
	bool all = kind == LIST_MLSD;

	if (kind != LIST_MLSD)
		ftp_list_args(args, &path, &all);
	if (ftp_resolve(s, path, vpath, verb, &act) < 0)
		return act;
	int fd = ftp_vopen(s, vpath, O_RDONLY | O_NONBLOCK, 0);
	if (fd < 0)
		return ftp_fs_fail(s, fd, verb);
	if (fstat(fd, &st) < 0) {
		close(fd);
		return ftp_fs_fail(s, -errno, verb);
	}
	ftp_run_clear(s);
	r = &s->run;
	r->is_listing = true;
	r->list = kind;
	r->all = all;
	if (S_ISDIR(st.st_mode)) {
		if ((r->dir = fdopendir(fd)) == NULL) {
			close(fd);
			return ftp_fs_fail(s, -errno, verb);
		}
	} else {
		close(fd);
		/* RFC 3659 7.1: MLSD names a directory. */
		if (kind == LIST_MLSD)
			return ftp_reply(s, "501 MLSD needs a directory.");
		r->single = strdup(ftp_path_base(vpath));
	}
	struct ftp_xfer x = {
		.kind = FTP_XFER_SEND_GEN, .fd = -1,
		.fill = list_fill, .fill_arg = s,
	};
	return xfer_start(s, verb, vpath, &x,
	    "Here comes the directory listing.");
}

enum line_act
ftp_cmd_list(struct line_sess *ls, char *args)
{
	return list_start(ls, args, LIST_LONG, "LIST");
}

enum line_act
ftp_cmd_nlst(struct line_sess *ls, char *args)
{
	return list_start(ls, args, LIST_NAMES, "NLST");
}

enum line_act
ftp_cmd_mlsd(struct line_sess *ls, char *args)
{
	return list_start(ls, args, LIST_MLSD, "MLSD");
}

enum line_act
ftp_cmd_mlst(struct line_sess *ls, char *args)
{
	struct ftp_sess *s = ftp_of(ls);
	char vpath[FTP_PATH_MAX], facts[FTP_LIST_LINE_MAX];
	enum line_act act;
	struct stat st;
	int err;

	if (ftp_resolve(s, args, vpath, "MLST", &act) < 0)
		return act;
	if ((err = ftp_vstat(s, vpath, &st)) < 0)
		return ftp_fs_fail(s, err, "MLST");
	if (ftp_mlsx_facts(&st, strcmp(vpath, s->cwd) == 0 && args[0] == '\0'
	    ? FTP_MLSX_CDIR : FTP_MLSX_ENTRY, s->facts, s->can_write, facts,
	    sizeof(facts)) < 0)
		return ftp_reply(s, "550 MLST: cannot describe this entry.");
	/* RFC 3659 7.2: the entry on its own line, after one space. */
	line_reply(ls, "250-Listing %s", vpath);
	line_reply(ls, " %s%s", facts, vpath);
	return ftp_reply(s, "250 End");
}
