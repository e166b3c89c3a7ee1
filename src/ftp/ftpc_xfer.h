/* ftp/ftpc_xfer.h - inside "inetkit ftp" (not a public API): the state
 * ftpc.c and ftpc_xfer.c share, and the transfer side ftpc.c calls: get
 * and put with local files and the progress bar, listings (MLSD, else
 * LIST), mirror both ways. Every function returns an FTPC_EXIT_* status
 * and has reported a failure on stderr itself. */
#ifndef IK_FTP_FTPC_XFER_H
#define IK_FTP_FTPC_XFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ftp/client.h"
#include "ftp/reply_parse.h"

#define FTPC_PATH_MAX		4096

struct ftpc_args {
	const char		*user;		/* --user */
	const char		*password_file;
	const char		*ca;
	enum ftp_tls_mode	 tls;
	bool			 is_insecure, is_active, is_continue;
	bool			 is_quiet, is_verbose, is_ascii, is_reverse;
	unsigned		 timeout_ms;
};

struct ftpc {
	struct ftp_client	 c;
	const struct ftpc_args	*a;		/* borrowed */
	char			 type;		/* 'I' or 'A' for transfers */
	bool			 is_tty;	/* stdin: prompts */
	bool			 has_bar;	/* progress on stderr */
	bool			 no_mlsd;	/* MLSD refused: LIST */
	bool			 need_login;	/* connected, login deferred */
};

/* A remote directory's listing; entries point into buf. */
struct ftpc_listing {
	char			*buf;
	size_t			 len, cap;
	struct ftp_entry	*v;
	size_t			 n, n_cap;
	size_t			 n_bad;		/* lines not understood */
};

/* ---- messages ---- */

/* "inetkit ftp: MESSAGE" on stderr. */
void ftpc_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Reports the client's last failure for `what` (NULL: the failure names
 * its subject itself); returns its exit status. */
int ftpc_fail(struct ftpc *f, const char *what);
/* Reports a local failure; returns FTPC_EXIT_FAIL. */
int ftpc_lfail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Keeps the first failure. */
static inline int
ftpc_worst(int a, int b)
{
	return a != 0 ? a : b;
}

/* ---- paths ---- */

const char *ftpc_base_name(const char *path);
/* dir + "/" + name (dir "" or ending in '/': no extra slash). Returns 0
 * or -IK_ETRUNC. */
int ftpc_path_join(char *out, size_t cap, const char *dir,
    const char *name);
bool ftpc_is_dir(const char *path);

/* ---- transfers ---- */

/* Downloads remote to local (NULL: stdout); `resume` continues a local
 * file from its size (REST). A local file is opened only when data
 * comes, so a refused RETR leaves an existing one alone. mtime >= 0 is
 * set on the file afterwards. */
int ftpc_get(struct ftpc *f, const char *remote, const char *local,
    bool resume, int64_t mtime);
/* Uploads local (NULL: stdin) to remote; `resume` continues from the
 * remote size: REST + STOR where REST STREAM is offered, else APPE. */
int ftpc_put(struct ftpc *f, const char *local, const char *remote,
    bool resume);

/* ---- listings ---- */

/* Lists a remote directory (NULL: the current one) by MLSD when FEAT
 * offers MLST, else (or when MLSD is refused as unknown) by LIST. *l is
 * set up here; ftpc_listing_free() it. */
int ftpc_list(struct ftpc *f, const char *path, struct ftpc_listing *l);
void ftpc_listing_free(struct ftpc_listing *l);
/* A copy of an entry's name as a C string, or NULL when it is not safe
 * as one local path element (a server could send "../x"). */
char *ftpc_safe_name(const struct ftp_entry *e, char *buf, size_t cap);
/* ls: one line per entry, "TYPE SIZE YYYY-MM-DD HH:MM NAME" (UTC). */
int ftpc_print_listing(struct ftpc *f, const char *path);
/* dir, nlist: the raw output of LIST or NLST. */
int ftpc_print_raw(struct ftpc *f, const char *verb, const char *path);

/* ---- mirror ---- */

/* Copies the remote tree rdir ("": the login directory) into ldir:
 * files missing or different in size or time; times kept. Never deletes;
 * skips links and names unsafe locally. */
int ftpc_mirror_down(struct ftpc *f, const char *rdir, const char *ldir,
    int depth);
/* Copies the local tree ldir up into rdir: files the remote side lacks,
 * or has with another size or an older time. */
int ftpc_mirror_up(struct ftpc *f, const char *ldir, const char *rdir,
    int depth);

#endif
