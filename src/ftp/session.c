/* ftp/session.c - FTP server sessions on core line sessions: the command
 * table (the dispatch), greeting and error replies, login (passwd-file
 * users checked on the authq thread, optional anonymous), AUTH TLS / PBSZ
 * / PROT, FEAT/OPTS/HELP and the transfer parameters, plus the helpers
 * xfer.c (data) and fsops.c (file system commands) share. Entry points:
 * ftp_proto and ftp_server_* (session.h). */
#include "ftp/session.h"
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

/* Bad commands before the session is closed. Generous: clients probe
 * with commands a server may not know (CLNT, XCRC, ...). */
#define FTP_MAX_BAD		50
/* Control output queued before reading pauses. */
#define FTP_MAX_OUTPUT		(64 * 1024)

#define S(st)	(1u << FTP_ST_##st)
#define PRE	(S(GREET) | S(USER))
#define IN	S(READY)
#define ANY	(PRE | IN)

static const char *const ftp_state_names[] = {
	[FTP_ST_GREET] = "greet",
	[FTP_ST_USER] = "user",
	[FTP_ST_READY] = "ready",
	[FTP_ST_XFER] = "xfer",
};

const char *
ftp_state_name(enum ftp_state st)
{
	if ((size_t)st >= sizeof(ftp_state_names) / sizeof(ftp_state_names[0]))
		return "?";
	return ftp_state_names[st];
}

void
ftp_set_state(struct ftp_sess *s, enum ftp_state st)
{
	if (s->ls.state == (unsigned)st)
		return;
	log_debug("sess=%08x state %s -> %s", s->ls.id,
	    ftp_state_name(s->ls.state), ftp_state_name(st));
	s->ls.state = st;
}

/* Appends a reply line; a failure to queue it (ENOMEM) closes the session
 * as it cannot speak any more. */
enum line_act __attribute__((format(printf, 2, 3)))
ftp_reply(struct ftp_sess *s, const char *fmt, ...)
{
	char buf[FTP_LIST_LINE_MAX + FTP_PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return LINE_CLOSE;
	if (line_reply(&s->ls, "%s", buf) < 0)
		return LINE_CLOSE;
	return LINE_OK;
}

/* A path escaped for a log line (static buffer: one use per log call). */
const char *
ftp_esc(const char *p)
{
	static char buf[256];

	return log_esc(p, strlen(p), buf, sizeof(buf));
}

/* The reply for a failed file system call on a client's path. The real
 * reason stays in the log; the client learns only what it may. */
enum line_act
ftp_fs_fail(struct ftp_sess *s, int err, const char *what)
{
	switch (err) {
	case -ENOENT:
		return ftp_reply(s, "550 %s: No such file or directory.", what);
	case -IK_EDENIED:
	case -EACCES:
	case -EPERM:
	case -EROFS:
		return ftp_reply(s, "550 %s: Permission denied.", what);
	case -EISDIR:
		return ftp_reply(s, "550 %s: Is a directory.", what);
	case -ENOTDIR:
		return ftp_reply(s, "550 %s: Not a directory.", what);
	case -EEXIST:
		return ftp_reply(s, "550 %s: File exists.", what);
	case -ENOTEMPTY:
		return ftp_reply(s, "550 %s: Directory not empty.", what);
	case -ENAMETOOLONG:
	case -IK_ELIMIT:
		return ftp_reply(s, "553 %s: File name too long.", what);
	case -ENOSPC:
		return ftp_reply(s, "452 %s: Insufficient storage space.", what);
	case -EDQUOT:
		return ftp_reply(s, "552 %s: Quota exceeded.", what);
	default:
		log_info("sess=%08x fs-error op=%s err=\"%s\"", s->ls.id, what,
		    ik_strerror(err));
		return ftp_reply(s, "451 %s: Local error.", what);
	}
}

/* cwd + arg to a virtual path; replies 550/553 itself when it cannot. */
int
ftp_resolve(struct ftp_sess *s, const char *arg, char *out, const char *what,
    enum line_act *act)
{
	ssize_t n = ftp_path_resolve(s->cwd, arg, out, FTP_PATH_MAX);

	if (n < 0) {
		*act = ftp_fs_fail(s, (int)n, what);
		return (int)n;
	}
	return 0;
}

/* Opens a virtual path beneath the root. */
int
ftp_vopen(struct ftp_sess *s, const char *vpath, int flags, mode_t mode)
{
	return fs_open_beneath(s->rootfd, ftp_path_rel(vpath), flags, mode);
}

int
ftp_vparent(struct ftp_sess *s, const char *vpath, char *leaf, size_t cap)
{
	return fs_parent_beneath(s->rootfd, ftp_path_rel(vpath), leaf, cap);
}

int
ftp_vstat(struct ftp_sess *s, const char *vpath, struct stat *st)
{
	int fd = ftp_vopen(s, vpath, O_PATH, 0);

	if (fd < 0)
		return fd;
	int err = fstat(fd, st) < 0 ? -errno : 0;
	close(fd);
	return err;
}

bool
ftp_may_write(struct ftp_sess *s, enum line_act *act)
{
	if (s->can_write)
		return true;
	*act = ftp_reply(s, "550 Permission denied.");
	return false;
}

/* ---- greeting, errors, filter ---- */

static void
sess_unlink(struct ftp_sess *s)
{
	struct ftp_server *fs = s->fs;

	if (!s->is_linked)
		return;
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		fs->sessions = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	s->next = s->prev = NULL;
	s->is_linked = false;
}

void
ftp_run_clear(struct ftp_sess *s)
{
	struct ftp_run *r = &s->run;

	free(r->vpath);
	free(r->unique);
	free(r->single);
	if (r->dir != NULL)
		closedir(r->dir);
	if (r->keep_fd >= 0)
		close(r->keep_fd);
	memset(r, 0, sizeof(*r));
	r->keep_fd = -1;
}

static struct line_sess *
ftp_sess_new(void *ctx)
{
	struct ftp_sess *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->fs = ctx;
	s->rootfd = -1;
	s->run.keep_fd = -1;
	s->facts = FTP_FACT_ALL;
	s->type = FTP_TYPE_A;		/* RFC 959 5.1: the default */
	memcpy(s->cwd, "/", 2);
	return &s->ls;
}

static void
ftp_sess_free(struct line_sess *ls)
{
	struct ftp_sess *s = ftp_of(ls);

	sess_unlink(s);
	if (s->auth != NULL)
		ftp_authq_cancel(s->auth);
	ftp_data_free(&s->data);
	ftp_run_clear(s);
	if (s->rootfd >= 0)
		close(s->rootfd);
	free(s->rnfr);
	free(s);
}

static enum line_act
ftp_greet(struct line_sess *ls)
{
	struct ftp_sess *s = ftp_of(ls);
	struct ftp_server *fs = s->fs;
	int one = 1;

	s->since = time(NULL);
	s->next = fs->sessions;
	if (fs->sessions != NULL)
		fs->sessions->prev = s;
	fs->sessions = s;
	s->is_linked = true;
	fs->sv->st.connections++;
	/* A client aborting a transfer may send the Telnet Synch as urgent
	 * data (Python's ftplib sends all of "ABOR\r\n" with MSG_OOB): kept
	 * in line, or the urgent byte would vanish from the stream. */
	if (setsockopt(bufferevent_getfd(ls->bev), SOL_SOCKET, SO_OOBINLINE,
	    &one, sizeof(one)) < 0)
		log_debug("sess=%08x SO_OOBINLINE: %s", ls->id,
		    strerror(errno));
	s->data_cb.done = ftp_xfer_done_cb;
	s->data_cb.progress = ftp_xfer_progress_cb;
	s->data_cb.arg = s;
	s->data = ftp_data_new(&fs->data_env, &s->data_cb, &ls->local,
	    &ls->peer);
	if (s->data == NULL) {
		line_reply(ls, "421 Out of memory, try later.");
		return LINE_CLOSE;
	}
	ftp_set_state(s, FTP_ST_GREET);
	return ftp_reply(s, "220 inetkit FTP server ready.");
}

static void
ftp_error(struct line_sess *ls, enum line_error err,
    const struct line_cmd *cmd)
{
	struct ftp_sess *s = ftp_of(ls);
	const char *verb = cmd != NULL ? cmd->verb : "";

	switch (err) {
	case LINE_ERR_UNKNOWN:
		line_reply(ls, "500 Unknown command.");
		break;
	case LINE_ERR_STATE:
		if (strcmp(verb, "PASS") == 0)
			line_reply(ls, "503 Login with USER first.");
		else if (ls->state == FTP_ST_READY &&
		    strcmp(verb, "USER") == 0)
			line_reply(ls, "530 Already logged in.");
		else if (ls->state == FTP_ST_READY)
			line_reply(ls, "503 Bad sequence of commands.");
		else
			line_reply(ls, "530 Please login with USER and PASS.");
		break;
	case LINE_ERR_NOARGS:
		line_reply(ls, "501 %s takes no arguments.", verb);
		break;
	case LINE_ERR_ARGS:
		line_reply(ls, "501 %s needs an argument.", verb);
		break;
	case LINE_ERR_NEED_TLS:
		line_reply(ls, "503 %s needs AUTH TLS first.", verb);
		break;
	case LINE_ERR_TLS_ACTIVE:
		line_reply(ls, "503 TLS is already on.");
		break;
	case LINE_ERR_TOO_LONG:
		line_reply(ls, "500 Command line too long.");
		break;
	case LINE_ERR_BARE_LF:
	case LINE_ERR_NUL:
		line_reply(ls, "501 Bad character in command.");
		break;
	case LINE_ERR_TOO_MANY_BAD:
		line_reply(ls, "421 Too many bad commands, closing.");
		break;
	case LINE_ERR_TIMEOUT:
		line_reply(ls, "421 Timeout: closing control connection.");
		break;
	case LINE_ERR_FULL:
		s->fs->st.login_refused++;
		line_reply(ls, "421 Too many users, try later.");
		break;
	case LINE_ERR_FULL_IP:
		s->fs->st.login_refused++;
		line_reply(ls, "421 Too many connections from your address.");
		break;
	case LINE_ERR_SHUTDOWN:
		line_reply(ls, "421 Service shutting down.");
		break;
	}
}

/* Every line: Telnet commands out (RFC 959 4.1.3), and a count so that
 * RNTO can tell it directly follows RNFR. */
static size_t
ftp_filter(struct line_sess *ls, char *line, size_t len)
{
	ftp_of(ls)->n_cmds++;
	return ftp_telnet_strip(line, len);
}

/* ---- login ---- */

static bool
is_anon_name(const char *name)
{
	return strcasecmp(name, "anonymous") == 0 ||
	    strcasecmp(name, "ftp") == 0;
}

enum line_act
ftp_cmd_user(struct line_sess *ls, char *args)
{
	struct ftp_sess *s = ftp_of(ls);
	const struct ftp_conf *c = ftp_conf_of(s);

	if (strlen(args) > FTP_USER_MAX)
		return ftp_reply(s, "501 User name too long.");
	bool anon = is_anon_name(args);
	if (anon && !c->anonymous) {
		ftp_set_state(s, FTP_ST_GREET);
		return ftp_reply(s, "530 This server does not allow anonymous "
		    "logins.");
	}
	/* RFC 4217 and issue #6: with require_tls, passwords never cross
	 * in clear; anonymous logins carry none worth hiding. */
	if (!anon && c->require_tls && !ls->is_tls) {
		ftp_set_state(s, FTP_ST_GREET);
		return ftp_reply(s, "530 Non-anonymous logins need AUTH TLS "
		    "first.");
	}
	memcpy(s->user, args, strlen(args) + 1);
	ftp_set_state(s, FTP_ST_USER);
	if (anon)
		return ftp_reply(s, "331 Guest login ok, send your e-mail as "
		    "password.");
	return ftp_reply(s, "331 Please specify the password.");
}

/* Opens the root a login lands in. Returns the fd or -errno. */
static int
root_open(const char *path)
{
	int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/* The checks after the password matched. Returns 0 or a reason for the
 * log (the client hears only "530"). */
static const char *
login_user(struct ftp_sess *s, const struct auth_user *u)
{
	struct ftp_user_opts o;

	if (u->home == NULL)
		return "no home directory in the users file (field 6: "
		    "user:hash:uid:gid:gecos:HOME:shell:extra)";
	if (ftp_user_opts_parse(u->extra, &o) < 0)
		return "bad ftp= or ftp_upload_max= in the users file";
	int fd = root_open(u->home);
	if (fd < 0)
		return "home directory cannot be opened";
	s->rootfd = fd;
	s->can_write = o.can_write;
	s->upload_max = o.upload_max;
	return NULL;
}

static enum line_act
login_ok(struct ftp_sess *s)
{
	char pbuf[NET_ADDRSTRLEN];

	s->is_authed = true;
	memcpy(s->cwd, "/", 2);
	s->fs->st.logins++;
	ftp_set_state(s, FTP_ST_READY);
	log_info("sess=%08x login user=%s peer=%s anon=%s rw=%s tls=%s",
	    s->ls.id, ftp_esc(s->user), net_addr_format(&s->ls.peer, false, pbuf,
	    sizeof(pbuf)), s->is_anon ? "yes" : "no",
	    s->can_write ? "yes" : "no", s->ls.is_tls ? "yes" : "no");
	return ftp_reply(s, "230 Login successful.");
}

/* The password check came back from the worker thread. */
static void
pass_checked(void *arg, int err, const struct auth_user *u)
{
	struct ftp_sess *s = arg;
	struct ftp_server *fs = s->fs;
	const char *why;

	s->auth = NULL;
	if (err == 0)
		why = login_user(s, u);
	else
		why = err == -IK_EDENIED ? "bad user or password" :
		    ik_strerror(err);
	if (why != NULL) {
		ftp_login_failed(fs->login, &s->ls.peer, clock_mono_ms());
		fs->st.login_failures++;
		log_info("sess=%08x login-fail user=%s reason=\"%s\"",
		    s->ls.id, ftp_esc(s->user), why);
		ftp_set_state(s, FTP_ST_GREET);
		if (ftp_reply(s, "530 Login incorrect.") != LINE_OK)
			line_close(&s->ls);
	} else if (login_ok(s) != LINE_OK) {
		line_close(&s->ls);
	}
	line_resume(&s->ls);
}

enum line_act
ftp_cmd_pass(struct line_sess *ls, char *args)
{
	struct ftp_sess *s = ftp_of(ls);
	struct ftp_server *fs = s->fs;
	const struct ftp_conf *c = ftp_conf_of(s);
	int err;

	if (!ftp_login_allowed(fs->login, &ls->peer,
	    (unsigned)c->login_attempts, clock_mono_ms())) {
		OPENSSL_cleanse(args, strlen(args));
		fs->st.login_refused++;
		log_info("sess=%08x login-refused user=%s reason=rate",
		    ls->id, ftp_esc(s->user));
		ftp_reply(s, "421 Too many failed logins from your address, "
		    "try later.");
		return LINE_CLOSE;
	}
	if (is_anon_name(s->user)) {
		OPENSSL_cleanse(args, strlen(args));
		err = root_open(c->anonymous_root);
		if (err < 0) {
			log_warn("sess=%08x anonymous_root %s: %s", ls->id,
			    c->anonymous_root, ik_strerror(err));
			ftp_set_state(s, FTP_ST_GREET);
			return ftp_reply(s, "530 Anonymous access unavailable.");
		}
		s->rootfd = err;
		s->is_anon = true;
		s->can_write = false;
		s->upload_max = 0;
		return login_ok(s);
	}
	if (fs->users == NULL) {
		OPENSSL_cleanse(args, strlen(args));
		pass_checked(s, -IK_EDENIED, NULL);
		return LINE_WAIT;	/* resumed by pass_checked */
	}
	/* crypt takes tens of ms: the worker thread does it while the loop
	 * serves everyone else; this session reads nothing meanwhile. */
	s->auth = ftp_authq_submit(fs->authq, fs->users, s->user, args,
	    pass_checked, s);
	OPENSSL_cleanse(args, strlen(args));
	if (s->auth == NULL) {
		ftp_set_state(s, FTP_ST_GREET);
		return ftp_reply(s, "421 Out of memory, try later.");
	}
	return LINE_WAIT;
}

enum line_act
ftp_cmd_acct(struct line_sess *ls, char *args)
{
	(void)args;
	return ftp_reply(ftp_of(ls), "202 ACCT not needed here.");
}

enum line_act
ftp_cmd_rein(struct line_sess *ls, char *args)
{
	(void)args;
	return ftp_reply(ftp_of(ls), "502 REIN not implemented.");
}

/* ---- TLS (RFC 4217) ---- */

static bool
tls_on(const struct ftp_sess *s)
{
	return ftp_conf_of(s)->tls && s->fs->data_env.tls != NULL;
}

enum line_act
ftp_cmd_auth(struct line_sess *ls, char *args)
{
	struct ftp_sess *s = ftp_of(ls);

	if (!tls_on(s))
		return ftp_reply(s, "502 TLS not available.");
	/* "SSL" and "TLS-C" are older names of the same (RFC 4217 4). */
	if (strcasecmp(args, "TLS") != 0 && strcasecmp(args, "SSL") != 0 &&
	    strcasecmp(args, "TLS-C") != 0)
		return ftp_reply(s, "504 Unknown security mechanism.");
	if (ftp_reply(s, "234 Proceed with negotiation.") != LINE_OK ||
	    line_starttls(ls) < 0)
		return LINE_CLOSE;
	/* RFC 4217 10: a new security exchange resets the login. */
	ftp_set_state(s, FTP_ST_GREET);
	return LINE_OK;
}

enum line_act
ftp_cmd_pbsz(struct line_sess *ls, char *args)
{
	struct ftp_sess *s = ftp_of(ls);

	(void)args;
	/* RFC 4217 8: a streaming protocol has no buffer; PBSZ 0. */
	s->pbsz = true;
	return ftp_reply(s, "200 PBSZ=0");
}

enum line_act
ftp_cmd_prot(struct line_sess *ls, char *args)
{
	struct ftp_sess *s = ftp_of(ls);

	if (!s->pbsz)
		return ftp_reply(s, "503 PBSZ first.");
	if (strcasecmp(args, "P") == 0) {
		s->prot_p = true;
		return ftp_reply(s, "200 PROT now Private.");
	}
	if (strcasecmp(args, "C") == 0) {
		s->prot_p = false;
		return ftp_reply(s, "200 PROT now Clear.");
	}
	if (strcasecmp(args, "S") == 0 || strcasecmp(args, "E") == 0)
		return ftp_reply(s, "536 PROT %s not supported.", args);
	return ftp_reply(s, "504 Unknown PROT level.");
}

/* ---- information ---- */

enum line_act
ftp_cmd_feat(struct line_sess *ls, char *args)
{
	struct ftp_sess *s = ftp_of(ls);
	char facts[128];

	(void)args;
	if (ftp_mlst_facts_format(s->facts, facts, sizeof(facts)) < 0)
		facts[0] = '\0';
	/* RFC 2389 3.2: each feature on its own line, one space first. */
	line_reply(ls, "211-Features:");
	if (tls_on(s)) {
		line_reply(ls, " AUTH TLS");
		line_reply(ls, " PBSZ");
		line_reply(ls, " PROT");
	}
	line_reply(ls, " EPRT");
	line_reply(ls, " EPSV");
	line_reply(ls, " MDTM");
	line_reply(ls, " MLST %s", facts);
	line_reply(ls, " REST STREAM");
	line_reply(ls, " SIZE");
	line_reply(ls, " TVFS");
	line_reply(ls, " UTF8");
	return ftp_reply(s, "211 End");
}

enum line_act
ftp_cmd_opts(struct line_sess *ls, char *args)
{
	struct ftp_sess *s = ftp_of(ls);
	char facts[128];

	/* RFC 2640 3.1: names are UTF-8 bytes either way here; the server
	 * never converts them, so both settings are accepted. */
	if (strcasecmp(args, "UTF8 ON") == 0 || strcasecmp(args, "UTF8") == 0
	    || strcasecmp(args, "UTF-8 ON") == 0)
		return ftp_reply(s, "200 Always in UTF8 mode.");
	if (strcasecmp(args, "UTF8 OFF") == 0)
		return ftp_reply(s, "200 UTF8 off: names pass unchanged.");
	if (strncasecmp(args, "MLST", 4) == 0 &&
	    (args[4] == '\0' || args[4] == ' ')) {
		s->facts = ftp_mlst_opts_parse(args + 4);
		if (ftp_mlst_facts_format(s->facts, facts, sizeof(facts)) < 0)
			return ftp_reply(s, "501 Bad MLST facts.");
		/* RFC 3659 7.9: only the facts now on, without '*'. */
		char on[128];
		size_t o = 0;
		for (const char *p = facts; *p != '\0'; p++) {
			const char *semi = strchr(p, ';');
			size_t n = (size_t)(semi - p);
			if (n > 0 && p[n - 1] == '*' && o + n < sizeof(on)) {
				memcpy(on + o, p, n - 1);
				o += n - 1;
				on[o++] = ';';
			}
			p = semi;
		}
		on[o] = '\0';
		return ftp_reply(s, "200 MLST OPTS %s", on);
	}
	return ftp_reply(s, "501 Option not understood.");
}

enum line_act
ftp_cmd_help(struct line_sess *ls, char *args)
{
	(void)args;
	line_reply(ls, "214-The following commands are recognized.");
	line_reply(ls, " ABOR ACCT ALLO APPE AUTH CDUP CWD  DELE EPRT EPSV "
	    "FEAT HELP LIST MDTM MKD");
	line_reply(ls, " MLSD MLST MODE NLST NOOP OPTS PASS PASV PBSZ PORT "
	    "PROT PWD  QUIT REIN REST");
	line_reply(ls, " RETR RMD  RNFR RNTO SITE SIZE STAT STOR STOU STRU "
	    "SYST TYPE USER XCUP XCWD");
	line_reply(ls, " XMKD XPWD XRMD");
	return ftp_reply(ftp_of(ls), "214 Help OK.");
}

enum line_act
ftp_cmd_syst(struct line_sess *ls, char *args)
{
	(void)args;
	/* What clients expect to parse "ls -l" listings. */
	return ftp_reply(ftp_of(ls), "215 UNIX Type: L8");
}

enum line_act
ftp_cmd_noop(struct line_sess *ls, char *args)
{
	(void)args;
	return ftp_reply(ftp_of(ls), "200 NOOP ok.");
}

enum line_act
ftp_cmd_quit(struct line_sess *ls, char *args)
{
	(void)args;
	ftp_reply(ftp_of(ls), "221 Goodbye.");
	return LINE_CLOSE;
}

enum line_act
ftp_cmd_allo(struct line_sess *ls, char *args)
{
	(void)args;
	return ftp_reply(ftp_of(ls), "202 ALLO not needed here.");
}

/* ---- transfer parameters ---- */

enum line_act
ftp_cmd_type(struct line_sess *ls, char *args)
{
	struct ftp_sess *s = ftp_of(ls);
	enum ftp_type t;
	int err = ftp_type_parse(args, &t);

	if (err == -ENOTSUP)
		return ftp_reply(s, "504 TYPE %s not supported.", args);
	if (err < 0)
		return ftp_reply(s, "501 Bad TYPE.");
	s->type = t;
	return ftp_reply(s, t == FTP_TYPE_A ? "200 Switching to ASCII mode." :
	    "200 Switching to Binary mode.");
}

enum line_act
ftp_cmd_mode(struct line_sess *ls, char *args)
{
	int err = ftp_mode_parse(args);

	if (err == -ENOTSUP)
		return ftp_reply(ftp_of(ls), "504 Only MODE S is served.");
	if (err < 0)
		return ftp_reply(ftp_of(ls), "501 Bad MODE.");
	return ftp_reply(ftp_of(ls), "200 Mode set to S.");
}

enum line_act
ftp_cmd_stru(struct line_sess *ls, char *args)
{
	int err = ftp_stru_parse(args);

	if (err == -ENOTSUP)
		return ftp_reply(ftp_of(ls), "504 Only STRU F is served.");
	if (err < 0)
		return ftp_reply(ftp_of(ls), "501 Bad STRU.");
	return ftp_reply(ftp_of(ls), "200 Structure set to F.");
}

enum line_act
ftp_cmd_rest(struct line_sess *ls, char *args)
{
	struct ftp_sess *s = ftp_of(ls);
	uint64_t off;

	if (ftp_rest_parse(args, &off) < 0)
		return ftp_reply(s, "501 REST needs a byte offset.");
	s->rest = off;
	return ftp_reply(s, "350 Restarting at %llu. Send STOR or RETR.",
	    (unsigned long long)off);
}

/* The table is the dispatch (STYLE 7). Transfer-time lines go through
 * xfer_line instead; the states here never include XFER. */
static const struct line_cmd ftp_cmds[] = {
	/* verb     allowed in  flags                  handler */
	{ "USER",   PRE,        CMD_ARGS,              ftp_cmd_user },
	{ "PASS",   S(USER),    CMD_SECRET,            ftp_cmd_pass },
	{ "ACCT",   ANY,        CMD_SECRET,            ftp_cmd_acct },
	{ "AUTH",   PRE,        CMD_ARGS | CMD_PLAIN,  ftp_cmd_auth },
	{ "PBSZ",   ANY,        CMD_ARGS | CMD_TLS,    ftp_cmd_pbsz },
	{ "PROT",   ANY,        CMD_ARGS | CMD_TLS,    ftp_cmd_prot },
	{ "FEAT",   ANY,        CMD_NOARGS,            ftp_cmd_feat },
	{ "OPTS",   ANY,        CMD_ARGS,              ftp_cmd_opts },
	{ "HELP",   ANY,        0,                     ftp_cmd_help },
	{ "NOOP",   ANY,        0,                     ftp_cmd_noop },
	{ "QUIT",   ANY,        0,                     ftp_cmd_quit },
	{ "REIN",   ANY,        0,                     ftp_cmd_rein },
	{ "SYST",   IN,         0,                     ftp_cmd_syst },
	{ "STAT",   IN,         0,                     ftp_cmd_stat },
	{ "ABOR",   IN,         0,                     ftp_cmd_abor },
	{ "ALLO",   IN,         0,                     ftp_cmd_allo },
	{ "TYPE",   IN,         CMD_ARGS,              ftp_cmd_type },
	{ "MODE",   IN,         CMD_ARGS,              ftp_cmd_mode },
	{ "STRU",   IN,         CMD_ARGS,              ftp_cmd_stru },
	{ "REST",   IN,         CMD_ARGS,              ftp_cmd_rest },
	{ "PORT",   IN,         CMD_ARGS,              ftp_cmd_port },
	{ "EPRT",   IN,         CMD_ARGS,              ftp_cmd_eprt },
	{ "PASV",   IN,         0,                     ftp_cmd_pasv },
	{ "EPSV",   IN,         0,                     ftp_cmd_epsv },
	{ "RETR",   IN,         CMD_ARGS,              ftp_cmd_retr },
	{ "STOR",   IN,         CMD_ARGS,              ftp_cmd_stor },
	{ "APPE",   IN,         CMD_ARGS,              ftp_cmd_appe },
	{ "STOU",   IN,         0,                     ftp_cmd_stou },
	{ "LIST",   IN,         0,                     ftp_cmd_list },
	{ "NLST",   IN,         0,                     ftp_cmd_nlst },
	{ "MLSD",   IN,         0,                     ftp_cmd_mlsd },
	{ "MLST",   IN,         0,                     ftp_cmd_mlst },
	{ "PWD",    IN,         CMD_NOARGS,            ftp_cmd_pwd },
	{ "XPWD",   IN,         CMD_NOARGS,            ftp_cmd_pwd },
	{ "CWD",    IN,         CMD_ARGS,              ftp_cmd_cwd },
	{ "XCWD",   IN,         CMD_ARGS,              ftp_cmd_cwd },
	{ "CDUP",   IN,         CMD_NOARGS,            ftp_cmd_cdup },
	{ "XCUP",   IN,         CMD_NOARGS,            ftp_cmd_cdup },
	{ "SIZE",   IN,         CMD_ARGS,              ftp_cmd_size },
	{ "MDTM",   IN,         CMD_ARGS,              ftp_cmd_mdtm },
	{ "DELE",   IN,         CMD_ARGS,              ftp_cmd_dele },
	{ "RNFR",   IN,         CMD_ARGS,              ftp_cmd_rnfr },
	{ "RNTO",   IN,         CMD_ARGS,              ftp_cmd_rnto },
	{ "MKD",    IN,         CMD_ARGS,              ftp_cmd_mkd },
	{ "XMKD",   IN,         CMD_ARGS,              ftp_cmd_mkd },
	{ "RMD",    IN,         CMD_ARGS,              ftp_cmd_rmd },
	{ "XRMD",   IN,         CMD_ARGS,              ftp_cmd_rmd },
	{ "SITE",   IN,         CMD_ARGS,              ftp_cmd_site },
	{ 0 },
};

const struct line_proto ftp_proto = {
	.name = "ftp",
	.cmds = ftp_cmds,
	/* RFC 959 wants CRLF; people typing at telnet/nc send LF. */
	.allow_bare_lf = true,
	.sess_new = ftp_sess_new,
	.sess_free = ftp_sess_free,
	.greet = ftp_greet,
	.error = ftp_error,
	.filter = ftp_filter,
};

/* ---- the server ---- */

void
ftp_server_configure(struct ftp_server *fs, const struct ftp_conf *c)
{
	fs->limits.max_line = (size_t)c->max_line;
	fs->limits.idle_ms = c->idle_ms;
	fs->limits.max_clients = (unsigned)c->max_clients;
	fs->limits.max_per_ip = (unsigned)c->max_per_ip;
	fs->limits.max_bad = FTP_MAX_BAD;
	fs->limits.max_output = FTP_MAX_OUTPUT;
	fs->data_env.timeout_ms = c->data_timeout_ms;
	fs->data_env.pasv_lo = c->pasv_ports.lo;
	fs->data_env.pasv_hi = c->pasv_ports.hi;
}

void
ftp_server_sessions(const struct ftp_server *fs, struct evbuffer *out)
{
	char pbuf[NET_ADDRSTRLEN], ubuf[FTP_USER_MAX * 4 + 8];

	for (const struct ftp_sess *s = fs->sessions; s != NULL; s = s->next) {
		const char *user = s->is_authed ? log_esc(s->user,
		    strlen(s->user), ubuf, sizeof(ubuf)) : "-";
		evbuffer_add_printf(out, "%s user=%s state=%s since=%lld "
		    "tls=%s\n", net_addr_format(&s->ls.peer, true, pbuf,
		    sizeof(pbuf)), user, ftp_state_name(s->ls.state),
		    (long long)s->since, s->ls.is_tls ? "yes" : "no");
	}
}

size_t
ftp_server_count(const struct ftp_server *fs)
{
	size_t n = 0;

	for (const struct ftp_sess *s = fs->sessions; s != NULL; s = s->next)
		n++;
	return n;
}
