/* ftp/session_int.h - what the server's session files share (session.c:
 * the table, login, TLS, information; xfer.c: data connections, transfers
 * and listings; fsops.c: the file system commands). Private to src/ftp. */
#ifndef IK_FTP_SESSION_INT_H
#define IK_FTP_SESSION_INT_H

#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "ftp/session.h"

/* A user name longer than this is refused at USER. */
#define FTP_USER_MAX		128
/* Listing entries formatted per refill of the data connection. */
#define FTP_LIST_BATCH		256
/* Entries STAT PATH shows over the control connection. */
#define FTP_STAT_MAX		1000
/* Names STOU tries after the one asked for. */
#define FTP_STOU_TRIES		100

enum list_kind {
	LIST_LONG,		/* LIST: ls -l lines */
	LIST_NAMES,		/* NLST: names */
	LIST_MLSD,		/* MLSD: facts and names */
};

/* The transfer a session runs (state XFER). */
struct ftp_run {
	char		 verb[FTP_VERB_MAX + 1];
	char		*vpath;		/* owned: what is moved, for logs */
	uint64_t	 start_ms;
	bool		 is_upload;
	bool		 is_listing;
	bool		 is_deferred;	/* a line waits for the end */
	bool		 created;	/* upload made the file */
	int		 keep_fd;	/* upload: dup for cleanup, or -1 */
	off_t		 orig_size;	/* upload: size before it */
	char		*unique;	/* STOU: the name chosen */
	/* a listing */
	enum list_kind	 list;
	DIR		*dir;		/* owned; NULL: a single entry */
	char		*single;	/* owned: name of a listed file */
	bool		 all;		/* dot files too */
};

struct ftp_sess {
	struct line_sess	 ls;	/* first: line.c hands us &ls */
	struct ftp_server	*fs;	/* borrowed */
	struct ftp_sess		*next, *prev;
	bool			 is_linked;
	time_t			 since;
	char			 user[FTP_USER_MAX + 1];
	bool			 is_authed;
	bool			 is_anon;
	bool			 can_write;
	uint64_t		 upload_max;
	int			 rootfd;	/* the user's root, or -1 */
	char			 cwd[FTP_PATH_MAX];	/* virtual */
	enum ftp_type		 type;
	uint64_t		 rest;		/* REST offset for the next */
	char			*rnfr;		/* owned: RNFR's path */
	uint64_t		 n_cmds;	/* lines seen */
	uint64_t		 rnfr_at;	/* n_cmds of the RNFR */
	bool			 pbsz, prot_p, epsv_all;
	unsigned		 facts;		/* MLST facts on */
	struct ftp_auth_job	*auth;		/* PASS being checked */
	struct ftp_data		*data;		/* owned */
	struct ftp_data_cb	 data_cb;
	struct ftp_run		 run;
};

static inline struct ftp_sess *
ftp_of(struct line_sess *ls)
{
	return (struct ftp_sess *)ls;
}

/* The current [ftp] section (a reload swaps it; never keep pointers). */
static inline const struct ftp_conf *
ftp_conf_of(const struct ftp_sess *s)
{
	return s->fs->sv->conf;
}

/* ---- helpers (session.c) ---- */

/* The one writer of the state; logs the change. */
void ftp_set_state(struct ftp_sess *s, enum ftp_state st);
/* Appends one reply line; LINE_CLOSE when it cannot be queued. */
enum line_act ftp_reply(struct ftp_sess *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A path escaped for a log line (a static buffer: once per call). */
const char *ftp_esc(const char *p);
/* The reply for a failed file system call on a client's path. */
enum line_act ftp_fs_fail(struct ftp_sess *s, int err, const char *what);
/* cwd + arg to a virtual path (FTP_PATH_MAX bytes); on failure replies
 * itself, sets *act and returns < 0. */
int ftp_resolve(struct ftp_sess *s, const char *arg, char *out,
    const char *what, enum line_act *act);
/* fs_open_beneath / fs_parent_beneath / fstat on a virtual path. */
int ftp_vopen(struct ftp_sess *s, const char *vpath, int flags, mode_t mode);
int ftp_vparent(struct ftp_sess *s, const char *vpath, char *leaf,
    size_t cap);
int ftp_vstat(struct ftp_sess *s, const char *vpath, struct stat *st);
/* False (and 550 replied, *act set) for a read-only user. */
bool ftp_may_write(struct ftp_sess *s, enum line_act *act);
/* Frees what the transfer record holds and resets it. */
void ftp_run_clear(struct ftp_sess *s);

/* data.c's callbacks for the transfer a session runs (xfer.c). */
void ftp_xfer_done_cb(void *arg, enum ftp_xfer_result r, int err);
void ftp_xfer_progress_cb(void *arg);

/* ---- command handlers, by file ---- */

/* session.c */
enum line_act ftp_cmd_user(struct line_sess *ls, char *args);
enum line_act ftp_cmd_pass(struct line_sess *ls, char *args);
enum line_act ftp_cmd_acct(struct line_sess *ls, char *args);
enum line_act ftp_cmd_rein(struct line_sess *ls, char *args);
enum line_act ftp_cmd_auth(struct line_sess *ls, char *args);
enum line_act ftp_cmd_pbsz(struct line_sess *ls, char *args);
enum line_act ftp_cmd_prot(struct line_sess *ls, char *args);
enum line_act ftp_cmd_feat(struct line_sess *ls, char *args);
enum line_act ftp_cmd_opts(struct line_sess *ls, char *args);
enum line_act ftp_cmd_help(struct line_sess *ls, char *args);
enum line_act ftp_cmd_syst(struct line_sess *ls, char *args);
enum line_act ftp_cmd_noop(struct line_sess *ls, char *args);
enum line_act ftp_cmd_quit(struct line_sess *ls, char *args);
enum line_act ftp_cmd_allo(struct line_sess *ls, char *args);
enum line_act ftp_cmd_type(struct line_sess *ls, char *args);
enum line_act ftp_cmd_mode(struct line_sess *ls, char *args);
enum line_act ftp_cmd_stru(struct line_sess *ls, char *args);
enum line_act ftp_cmd_rest(struct line_sess *ls, char *args);

/* xfer.c */
enum line_act ftp_cmd_port(struct line_sess *ls, char *args);
enum line_act ftp_cmd_eprt(struct line_sess *ls, char *args);
enum line_act ftp_cmd_pasv(struct line_sess *ls, char *args);
enum line_act ftp_cmd_epsv(struct line_sess *ls, char *args);
enum line_act ftp_cmd_abor(struct line_sess *ls, char *args);
enum line_act ftp_cmd_retr(struct line_sess *ls, char *args);
enum line_act ftp_cmd_stor(struct line_sess *ls, char *args);
enum line_act ftp_cmd_appe(struct line_sess *ls, char *args);
enum line_act ftp_cmd_stou(struct line_sess *ls, char *args);
enum line_act ftp_cmd_list(struct line_sess *ls, char *args);
enum line_act ftp_cmd_nlst(struct line_sess *ls, char *args);
enum line_act ftp_cmd_mlsd(struct line_sess *ls, char *args);
enum line_act ftp_cmd_mlst(struct line_sess *ls, char *args);

/* fsops.c */
enum line_act ftp_cmd_stat(struct line_sess *ls, char *args);
enum line_act ftp_cmd_pwd(struct line_sess *ls, char *args);
enum line_act ftp_cmd_cwd(struct line_sess *ls, char *args);
enum line_act ftp_cmd_cdup(struct line_sess *ls, char *args);
enum line_act ftp_cmd_size(struct line_sess *ls, char *args);
enum line_act ftp_cmd_mdtm(struct line_sess *ls, char *args);
enum line_act ftp_cmd_dele(struct line_sess *ls, char *args);
enum line_act ftp_cmd_rmd(struct line_sess *ls, char *args);
enum line_act ftp_cmd_mkd(struct line_sess *ls, char *args);
enum line_act ftp_cmd_rnfr(struct line_sess *ls, char *args);
enum line_act ftp_cmd_rnto(struct line_sess *ls, char *args);
enum line_act ftp_cmd_site(struct line_sess *ls, char *args);

#endif
