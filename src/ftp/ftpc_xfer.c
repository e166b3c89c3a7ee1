/* ftp/ftpc_xfer.c - the transfer side of "inetkit ftp": local files
 * (opened late, so a refused RETR leaves one alone), the progress bar
 * (stderr on a terminal: percentage, rate, ETA), get and put with resume,
 * listings by MLSD or LIST, and mirror both ways. Entry points in
 * ftpc_xfer.h; the protocol is client.c's, arguments and the shell
 * ftpc.c's. */
#include "ftp/ftpc_xfer.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "ftp/ftpc.h"

#define FTPC_LIST_MAX		(64u << 20)	/* one listing's bytes */
#define FTPC_MIRROR_DEPTH	32
#define FTPC_BAR_MS		200	/* least time between redraws */

/* ---- messages ---- */

static void
vsay(const char *fmt, va_list ap)
{
	fputs("inetkit ftp: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
ftpc_say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

static int
exit_of(enum ftp_fail f)
{
	switch (f) {
	case FTP_FAIL_CONNECT:
		return FTPC_EXIT_CONNECT;
	case FTP_FAIL_LOGIN:
		return FTPC_EXIT_LOGIN;
	case FTP_FAIL_TLS:
		return FTPC_EXIT_TLS;
	default:
		return FTPC_EXIT_FAIL;
	}
}

int
ftpc_fail(struct ftpc *f, const char *what)
{
	const char *why = f->c.why[0] != '\0' ? f->c.why : "failed";

	if (what != NULL)
		ftpc_say("%s: %s", what, why);
	else
		ftpc_say("%s", why);
	return exit_of(f->c.fail);
}

int
ftpc_lfail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	return FTPC_EXIT_FAIL;
}

/* ---- paths ---- */

const char *
ftpc_base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL ? s + 1 : path;
}

int
ftpc_path_join(char *out, size_t cap, const char *dir, const char *name)
{
	size_t dn = strlen(dir);
	const char *sep = dn == 0 || dir[dn - 1] == '/' ? "" : "/";
	int n = snprintf(out, cap, "%s%s%s", dir, sep, name);

	return n < 0 || (size_t)n >= cap ? -IK_ETRUNC : 0;
}

bool
ftpc_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* ---- progress ---- */

struct bar {
	bool		 on;
	char		 name[48];
	uint64_t	 total;		/* 0: unknown */
	uint64_t	 base;		/* resumed from here */
	uint64_t	 done;		/* base included */
	struct timespec	 t0, last;
};

static double
secs_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) +
	    (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static const char *
human(double v, char *buf, size_t cap)
{
	static const char *unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	size_t u = 0;

	while (v >= 1024 && u + 1 < sizeof(unit) / sizeof(unit[0])) {
		v /= 1024;
		u++;
	}
	snprintf(buf, cap, u == 0 ? "%.0f%s" : "%.1f%s", v, unit[u]);
	return buf;
}

static void
bar_start(struct bar *b, bool on, const char *name, uint64_t total,
    uint64_t base)
{
	*b = (struct bar){ .on = on, .total = total, .base = base,
	    .done = base };
	snprintf(b->name, sizeof(b->name), "%s", ftpc_base_name(name));
	clock_gettime(CLOCK_MONOTONIC, &b->t0);
}

static void
bar_draw(struct bar *b, bool is_final)
{
	struct winsize ws;
	int width = 80;
	double el = secs_since(&b->t0);
	double rate = el > 0 ? (double)(b->done - b->base) / el : 0;
	char sz[16], rt[16], eta[48] = "", line[512];

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20)
		width = ws.ws_col < sizeof(line) - 1 ? ws.ws_col :
		    (int)sizeof(line) - 1;
	if (is_final)
		snprintf(eta, sizeof(eta), "in %.1fs", el);
	else if (b->total > b->done && rate > 0) {
		double left = (double)(b->total - b->done) / rate;
		unsigned long s = left > 359999 ? 359999 : (unsigned long)left;
		snprintf(eta, sizeof(eta), "ETA %lu:%02u:%02u", s / 3600,
		    (unsigned)(s / 60 % 60), (unsigned)(s % 60));
	}
	int n = snprintf(line, sizeof(line), "%-20.20s ", b->name);
	if (b->total > 0) {
		unsigned pct = b->done >= b->total ? 100 :
		    (unsigned)(b->done * 100 / b->total);
		int cells = width - 20 - 1 - 50;
		if (cells > 30)
			cells = 30;
		n += snprintf(line + n, sizeof(line) - (size_t)n, "%3u%% ",
		    pct);
		if (cells >= 5) {
			int full = (int)(pct * (unsigned)cells / 100);
			line[n++] = '[';
			for (int i = 0; i < cells; i++)
				line[n++] = i < full ? '=' : i == full ?
				    '>' : ' ';
			line[n++] = ']';
			line[n++] = ' ';
		}
	}
	snprintf(line + n, sizeof(line) - (size_t)n, "%9s %9s/s %s",
	    human((double)b->done, sz, sizeof(sz)), human(rate, rt,
	    sizeof(rt)), eta);
	fprintf(stderr, "\r%-*.*s%s", width - 1, width - 1, line,
	    is_final ? "\n" : "");
	fflush(stderr);
}

static void
bar_add(struct bar *b, size_t n)
{
	b->done += n;
	if (!b->on)
		return;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long ms = (now.tv_sec - b->last.tv_sec) * 1000 +
	    (now.tv_nsec - b->last.tv_nsec) / 1000000;
	if (ms < FTPC_BAR_MS)
		return;
	b->last = now;
	bar_draw(b, false);
}

static void
bar_end(struct bar *b, bool ok)
{
	if (!b->on)
		return;
	if (ok)
		bar_draw(b, true);
	else
		fputc('\n', stderr);
}

/* ---- local files ---- */

static int
write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

struct getter {
	const char	*path;		/* NULL: stdout */
	int		 fd;		/* -1 until the first byte */
	int		 oflags;
	struct bar	 bar;
};

/* Opens the local file only when data comes, so a refused RETR leaves
 * an existing file alone. */
static int
getter_open(struct getter *g)
{
	if (g->fd >= 0)
		return 0;
	if (g->path == NULL) {
		g->fd = STDOUT_FILENO;
		return 0;
	}
	g->fd = open(g->path, g->oflags, 0644);
	return g->fd < 0 ? -errno : 0;
}

static int
get_sink(void *arg, const void *buf, size_t len)
{
	struct getter *g = arg;
	int err;

	if ((err = getter_open(g)) < 0 || (err = write_all(g->fd, buf,
	    len)) < 0)
		return err;
	bar_add(&g->bar, len);
	return 0;
}

struct putter {
	int		 fd;
	struct bar	 bar;
};

static ssize_t
put_source(void *arg, void *buf, size_t cap)
{
	struct putter *p = arg;

	for (;;) {
		ssize_t n = read(p->fd, buf, cap);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		bar_add(&p->bar, (size_t)n);
		return n;
	}
}

/* ---- transfers ---- */

/* Downloads remote to local (NULL: stdout). With `resume`, continues a
 * local file from its size (REST). Sets *mtime_set when it has applied
 * `mtime` (>= 0) to the file. Returns an exit status. */
int
ftpc_get(struct ftpc *f, const char *remote, const char *local, bool resume,
    int64_t mtime)
{
	struct getter g = { .path = local, .fd = -1,
	    .oflags = O_WRONLY | O_CREAT | O_CLOEXEC };
	uint64_t size = 0, offset = 0;
	bool has_size = false;
	struct stat st;
	int err, status = 0;

	if (resume && f->type == 'A')
		return ftpc_lfail("%s: resuming needs binary mode", remote);
	if (ftp_set_type(&f->c, f->type) < 0)
		return ftpc_fail(f, remote);
	if (f->c.feat & FTP_FEAT_SIZE) {
		has_size = ftp_size(&f->c, remote, &size) == 0;
		if (!ftp_client_is_open(&f->c))
			return ftpc_fail(f, remote);
	}
	if (resume && local != NULL && stat(local, &st) == 0 &&
	    S_ISREG(st.st_mode))
		offset = (uint64_t)st.st_size;
	if (offset > 0 && has_size && offset == size) {
		if (f->is_tty || f->has_bar)
			fprintf(stderr, "%s: already complete\n", local);
		return 0;
	}
	if (offset > 0 && has_size && offset > size)
		return ftpc_lfail("%s: the local file is longer than the "
		    "remote one", local);
	g.oflags |= offset > 0 ? O_APPEND : O_TRUNC;
	bar_start(&g.bar, f->has_bar && local != NULL, remote,
	    has_size ? size : 0, offset);
	err = ftp_retr(&f->c, remote, offset, get_sink, &g);
	if (err == 0 && (err = getter_open(&g)) < 0)
		f->c.why[0] = '\0';
	bar_end(&g.bar, err == 0);
	if (err < 0)
		status = f->c.why[0] != '\0' ? ftpc_fail(f, remote) :
		    ftpc_lfail("%s: %s", local, ik_strerror(err));
	if (g.fd >= 0 && g.fd != STDOUT_FILENO) {
		if (status == 0 && mtime >= 0) {
			struct timespec ts[2] = {
				{ .tv_nsec = UTIME_OMIT },
				{ .tv_sec = (time_t)mtime },
			};
			(void)futimens(g.fd, ts);
		}
		if (close(g.fd) < 0 && status == 0)
			status = ftpc_lfail("%s: %s", local, strerror(errno));
	}
	return status;
}

/* Uploads local (NULL: stdin) to remote. With `resume`, continues from
 * the remote size: REST + STOR where REST STREAM is offered, else APPE. */
int
ftpc_put(struct ftpc *f, const char *local, const char *remote, bool resume)
{
	struct putter p = { .fd = STDIN_FILENO };
	struct stat st;
	uint64_t rsize = 0, offset = 0;
	bool append = false;
	int status = 0;

	if (resume && f->type == 'A')
		return ftpc_lfail("%s: resuming needs binary mode", local);
	if (local != NULL && (p.fd = open(local, O_RDONLY | O_CLOEXEC)) < 0)
		return ftpc_lfail("%s: %s", local, strerror(errno));
	if (fstat(p.fd, &st) < 0 || S_ISDIR(st.st_mode)) {
		status = ftpc_lfail("%s: %s", local != NULL ? local : "stdin",
		    S_ISDIR(st.st_mode) ? "is a directory" : strerror(errno));
		goto out;
	}
	if (ftp_set_type(&f->c, f->type) < 0) {
		status = ftpc_fail(f, remote);
		goto out;
	}
	if (resume && S_ISREG(st.st_mode)) {
		if (ftp_size(&f->c, remote, &rsize) == 0) {
			offset = rsize;
		} else if (!ftp_client_is_open(&f->c) ||
		    ftp_reply_class(f->c.reply.code) != 5) {
			status = ftpc_fail(f, remote);
			goto out;
		}
		if (offset == (uint64_t)st.st_size && offset > 0) {
			if (f->is_tty || f->has_bar)
				fprintf(stderr, "%s: already complete\n",
				    remote);
			goto out;
		}
		if (offset > (uint64_t)st.st_size) {
			status = ftpc_lfail("%s: the remote file is longer "
			    "than the local one", remote);
			goto out;
		}
		if (offset > 0 && lseek(p.fd, (off_t)offset, SEEK_SET) < 0) {
			status = ftpc_lfail("%s: %s", local, strerror(errno));
			goto out;
		}
		append = offset > 0 && !(f->c.feat & FTP_FEAT_REST_STREAM);
	}
	bar_start(&p.bar, f->has_bar && local != NULL, local != NULL ? local :
	    "stdin", S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0, offset);
	int err = ftp_stor(&f->c, remote, append, append ? 0 : offset,
	    put_source, &p);
	bar_end(&p.bar, err == 0);
	if (err < 0)
		status = ftpc_fail(f, remote);
out:
	if (local != NULL)
		close(p.fd);
	return status;
}

/* ---- listings ---- */

void
ftpc_listing_free(struct ftpc_listing *l)
{
	free(l->buf);
	free(l->v);
	*l = (struct ftpc_listing){ 0 };
}

static int
list_sink(void *arg, const void *buf, size_t len)
{
	struct ftpc_listing *l = arg;

	if (len > FTPC_LIST_MAX - l->len)
		return -IK_ELIMIT;
	if (l->len + len + 1 > l->cap) {
		size_t cap = l->cap ? l->cap : 8192;
		while (cap < l->len + len + 1)
			cap *= 2;
		char *b = realloc(l->buf, cap);
		if (b == NULL)
			return -ENOMEM;
		l->buf = b;
		l->cap = cap;
	}
	memcpy(l->buf + l->len, buf, len);
	l->len += len;
	l->buf[l->len] = '\0';
	return 0;
}

static int
listing_parse(struct ftpc_listing *l, bool is_mlsd)
{
	int64_t now = (int64_t)time(NULL);
	size_t at = 0;

	while (at < l->len) {
		char *nl = memchr(l->buf + at, '\n', l->len - at);
		size_t end = nl != NULL ? (size_t)(nl - l->buf) : l->len;
		size_t n = end - at;
		const char *s = l->buf + at;
		struct ftp_entry e;

		at = end + 1;
		if (n > 0 && s[n - 1] == '\r')
			n--;
		if (n == 0)
			continue;
		int err = is_mlsd ? ftp_mlsx_parse(s, n, &e) :
		    ftp_list_parse(s, n, now, &e);
		if (err < 0) {
			l->n_bad++;
			continue;
		}
		if (l->n == l->n_cap) {
			size_t cap = l->n_cap ? l->n_cap * 2 : 64;
			struct ftp_entry *v = realloc(l->v, cap * sizeof(*v));
			if (v == NULL)
				return -ENOMEM;
			l->v = v;
			l->n_cap = cap;
		}
		l->v[l->n++] = e;
	}
	return 0;
}

/* Lists a remote directory (NULL: the current one) by MLSD when FEAT
 * offers it, else (or when refused as unknown) by LIST. Returns an exit
 * status. */
int
ftpc_list(struct ftpc *f, const char *path, struct ftpc_listing *l)
{
	bool is_mlsd = (f->c.feat & FTP_FEAT_MLST) && !f->no_mlsd;
	int err;

	*l = (struct ftpc_listing){ 0 };
	if (is_mlsd) {
		err = ftp_list(&f->c, "MLSD", path, list_sink, l);
		/* 500/502: a server that lists MLST but not MLSD */
		if (err < 0 && f->c.fail == FTP_FAIL_REPLY &&
		    (f->c.reply.code == 500 || f->c.reply.code == 502)) {
			f->no_mlsd = true;
			is_mlsd = false;
			ftpc_listing_free(l);
		} else if (err < 0) {
			ftpc_listing_free(l);
			return ftpc_fail(f, path != NULL ? path : ".");
		}
	}
	if (!is_mlsd && (err = ftp_list(&f->c, "LIST", path, list_sink,
	    l)) < 0) {
		ftpc_listing_free(l);
		return ftpc_fail(f, path != NULL ? path : ".");
	}
	if (listing_parse(l, is_mlsd) < 0) {
		ftpc_listing_free(l);
		return ftpc_lfail("out of memory");
	}
	if (f->a->is_verbose && l->n_bad > 0)
		fprintf(stderr, "(%zu listing lines not understood)\n",
		    l->n_bad);
	return 0;
}

static bool
entry_listed(const struct ftp_entry *e)
{
	return e->type != FTP_ENT_CDIR && e->type != FTP_ENT_PDIR &&
	    !(e->name_len == 1 && e->name[0] == '.') &&
	    !(e->name_len == 2 && memcmp(e->name, "..", 2) == 0);
}

/* "d        4096 2024-05-01 12:34 name": type, size, UTC time, name. */
static void
print_entry(const struct ftp_entry *e)
{
	static const char types[] = { [FTP_ENT_FILE] = '-',
	    [FTP_ENT_DIR] = 'd', [FTP_ENT_LINK] = 'l',
	    [FTP_ENT_OTHER] = '?', [FTP_ENT_CDIR] = 'd',
	    [FTP_ENT_PDIR] = 'd' };
	char when[32] = "-               ", size[24] = "-";
	struct tm tm;

	if (e->has_size)
		snprintf(size, sizeof(size), "%llu",
		    (unsigned long long)e->size);
	time_t t = (time_t)e->mtime;
	if (e->has_mtime && gmtime_r(&t, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
	printf("%c %12s %s %.*s", types[e->type], size, when,
	    (int)e->name_len, e->name);
	if (e->target != NULL)
		printf(" -> %.*s", (int)e->target_len, e->target);
	putchar('\n');
}

int
ftpc_print_listing(struct ftpc *f, const char *path)
{
	struct ftpc_listing l;
	int status = ftpc_list(f, path, &l);

	if (status != 0)
		return status;
	for (size_t i = 0; i < l.n; i++)
		if (entry_listed(&l.v[i]))
			print_entry(&l.v[i]);
	ftpc_listing_free(&l);
	fflush(stdout);
	return 0;
}

/* The raw output of LIST or NLST. */
int
ftpc_print_raw(struct ftpc *f, const char *verb, const char *path)
{
	struct ftpc_listing l = { 0 };

	if (ftp_list(&f->c, verb, path, list_sink, &l) < 0) {
		ftpc_listing_free(&l);
		return ftpc_fail(f, path != NULL ? path : ".");
	}
	for (size_t i = 0; i < l.len; i++)
		if (l.buf[i] != '\r')
			putchar(l.buf[i]);
	ftpc_listing_free(&l);
	fflush(stdout);
	return 0;
}

/* ---- mirror ---- */

/* A copy of an entry's name as a C string; NULL when it is not safe to
 * use as one local path element (a server could send "../x"). */
char *
ftpc_safe_name(const struct ftp_entry *e, char *buf, size_t cap)
{
	if (!ftp_name_is_safe(e->name, e->name_len) || e->name_len >= cap)
		return NULL;
	memcpy(buf, e->name, e->name_len);
	buf[e->name_len] = '\0';
	return buf;
}

/* t cut down to a multiple of prec seconds (a listing's precision). */
static int64_t
time_floor(int64_t t, unsigned prec)
{
	int64_t p = prec > 0 ? prec : 1;

	return t - (t % p + p) % p;
}

/* The local copy is as long and as old as the entry, at the precision
 * the listing gives (LIST shows minutes, or only the day). */
static bool
local_up_to_date(const char *path, const struct ftp_entry *e)
{
	struct stat st;

	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || !e->has_size ||
	    (uint64_t)st.st_size != e->size)
		return false;
	return !e->has_mtime ||
	    time_floor((int64_t)st.st_mtime, e->mtime_prec) == e->mtime;
}

/* One entry of a remote directory being mirrored down. */
static int
mirror_down_one(struct ftpc *f, const struct ftp_entry *e,
    const char *rdir, const char *ldir, int depth)
{
	char name[NAME_MAX + 1], rpath[FTPC_PATH_MAX], lpath[FTPC_PATH_MAX];

	if (ftpc_safe_name(e, name, sizeof(name)) == NULL)
		return ftpc_lfail("%s: skipping a name unsafe to create "
		    "locally", rdir[0] != '\0' ? rdir : ".");
	if (ftpc_path_join(rpath, sizeof(rpath), rdir, name) < 0 ||
	    ftpc_path_join(lpath, sizeof(lpath), ldir, name) < 0)
		return ftpc_lfail("%s: path too long", name);
	if (e->type == FTP_ENT_DIR) {
		if (depth >= FTPC_MIRROR_DEPTH)
			return ftpc_lfail("%s: deeper than %d levels", rpath,
			    depth);
		return ftpc_mirror_down(f, rpath, lpath, depth + 1);
	}
	if (e->type == FTP_ENT_FILE) {
		int64_t mtime = e->has_mtime ? e->mtime : -1;
		if (local_up_to_date(lpath, e))
			return 0;
		/* LIST's times are cut to the minute: MDTM has the second */
		if (e->mtime_prec != 1 && (f->c.feat & FTP_FEAT_MDTM) &&
		    ftp_mdtm(&f->c, rpath, &mtime) < 0) {
			if (!ftp_client_is_open(&f->c))
				return ftpc_fail(f, rpath);
			mtime = e->has_mtime ? e->mtime : -1;
		}
		return ftpc_get(f, rpath, lpath, false, mtime);
	}
	if (f->a->is_verbose)
		fprintf(stderr, "(skipping %s: not a file or directory)\n",
		    rpath);
	return 0;
}

int
ftpc_mirror_down(struct ftpc *f, const char *rdir, const char *ldir,
    int depth)
{
	struct ftpc_listing l;
	int status;

	if (mkdir(ldir, 0755) < 0 && (errno != EEXIST || !ftpc_is_dir(ldir)))
		return ftpc_lfail("%s: %s", ldir, strerror(errno));
	if ((status = ftpc_list(f, rdir[0] != '\0' ? rdir : NULL, &l)) != 0)
		return status;
	for (size_t i = 0; i < l.n && ftp_client_is_open(&f->c); i++) {
		if (entry_listed(&l.v[i]))
			status = ftpc_worst(status, mirror_down_one(f, &l.v[i],
			    rdir, ldir, depth));
	}
	ftpc_listing_free(&l);
	return status;
}

static const struct ftp_entry *
listing_find(const struct ftpc_listing *l, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].name_len == n && memcmp(l->v[i].name, name, n) ==
		    0)
			return &l->v[i];
	return NULL;
}

/* The remote copy is as long and no older than the local file, at the
 * precision the listing gives (LIST shows minutes, or only the day). */
static bool
remote_up_to_date(const struct ftp_entry *e, const struct stat *st)
{
	if (e == NULL || e->type != FTP_ENT_FILE || !e->has_size ||
	    e->size != (uint64_t)st->st_size)
		return false;
	return !e->has_mtime ||
	    e->mtime >= time_floor((int64_t)st->st_mtime, e->mtime_prec);
}

/* One entry of a local directory being mirrored up; `l` lists the
 * remote directory. */
static int
mirror_up_one(struct ftpc *f, const char *name,
    const struct ftpc_listing *l, const char *ldir, const char *rdir,
    int depth)
{
	char rpath[FTPC_PATH_MAX], lpath[FTPC_PATH_MAX];
	struct stat st;

	if (ftpc_path_join(rpath, sizeof(rpath), rdir, name) < 0 ||
	    ftpc_path_join(lpath, sizeof(lpath), ldir, name) < 0)
		return ftpc_lfail("%s: path too long", name);
	if (lstat(lpath, &st) < 0)
		return ftpc_lfail("%s: %s", lpath, strerror(errno));
	if (S_ISDIR(st.st_mode)) {
		if (depth >= FTPC_MIRROR_DEPTH)
			return ftpc_lfail("%s: deeper than %d levels", lpath,
			    depth);
		return ftpc_mirror_up(f, lpath, rpath, depth + 1);
	}
	if (S_ISREG(st.st_mode)) {
		if (remote_up_to_date(listing_find(l, name), &st))
			return 0;
		return ftpc_put(f, lpath, rpath, false);
	}
	if (f->a->is_verbose)
		fprintf(stderr, "(skipping %s: not a file or directory)\n",
		    lpath);
	return 0;
}

int
ftpc_mirror_up(struct ftpc *f, const char *ldir, const char *rdir,
    int depth)
{
	struct dirent **names = NULL;
	struct ftpc_listing l = { 0 };
	int status = 0;

	int n = scandir(ldir, &names, NULL, alphasort);
	if (n < 0)
		return ftpc_lfail("%s: %s", ldir, strerror(errno));
	/* An existing directory refuses MKD; the listing tells. */
	if (rdir[0] != '\0' && ftp_cmd(&f->c, "MKD %s", rdir) < 0) {
		status = ftpc_fail(f, rdir);
		goto out;
	}
	if ((status = ftpc_list(f, rdir[0] != '\0' ? rdir : NULL, &l)) != 0)
		goto out;
	for (int i = 0; i < n && ftp_client_is_open(&f->c); i++) {
		const char *name = names[i]->d_name;
		if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0)
			status = ftpc_worst(status, mirror_up_one(f, name, &l,
			    ldir, rdir, depth));
	}
out:
	ftpc_listing_free(&l);
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return status;
}
