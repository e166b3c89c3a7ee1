/* ftp/ftpc.c - "inetkit ftp": arguments, the password sources, logging
 * in (now, or deferred so a script may say "user" first), the scriptable
 * subcommands (get, put, ls, mirror both ways) and the interactive shell
 * (a verb table; plain fgets, a prompt only on a terminal). Transfers,
 * listings and the progress bar are ftpc_xfer.c's, the protocol
 * client.c's. Not here: line editing, .netrc, deleting in mirrors. */
#include "ftp/ftpc.h"

#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <glob.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "core/err.h"
#include "ftp/client.h"
#include "ftp/ftpc_xfer.h"
#include "ftp/reply_parse.h"
#include "ftp/url.h"

#define FTPC_LINE_MAX		4096	/* one shell line */
#define FTPC_WORDS_MAX		64	/* words in one shell line */
#define FTPC_PASS_MAX		512
#define FTPC_ANON_PASS		"inetkit@"	/* RFC 1635: an address-like
						 * anonymous password */

#define USAGE \
	"usage: inetkit ftp [OPTIONS] [HOST[:PORT] | URL]   (a shell)\n" \
	"       inetkit ftp [OPTIONS] get URL [LOCAL]\n" \
	"       inetkit ftp [OPTIONS] put LOCAL URL\n" \
	"       inetkit ftp [OPTIONS] ls URL\n" \
	"       inetkit ftp [OPTIONS] mirror URL LOCALDIR\n" \
	"       inetkit ftp [OPTIONS] mirror -R LOCALDIR URL\n"

/* A signal handler's only way to reach the transfer loop. */
static volatile sig_atomic_t ftpc_cancel;

/* ---- passwords and login ---- */

static bool
is_anonymous(const char *user)
{
	return strcasecmp(user, "anonymous") == 0 ||
	    strcasecmp(user, "ftp") == 0;
}

/* One line from the terminal (stdin) without echo; prompt on stderr. */
static int
read_secret(const char *prompt, char *buf, size_t cap)
{
	struct termios old, quiet;
	bool is_term = tcgetattr(STDIN_FILENO, &old) == 0;

	fputs(prompt, stderr);
	fflush(stderr);
	if (is_term) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	char *r = fgets(buf, (int)cap, stdin);
	if (is_term) {
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (r == NULL)
		return -EIO;
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

static int
read_password_file(const char *path, char *buf, size_t cap)
{
	FILE *fp = fopen(path, "re");

	if (fp == NULL)
		return -errno;
	char *r = fgets(buf, (int)cap, fp);
	fclose(fp);
	if (r == NULL)
		buf[0] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

/* The password for user: one given to the shell's "user", else
 * --password-file, the URL's, FTP_PASSWORD, a prompt on a terminal, the
 * anonymous convention, or none. Returns 0 or an exit status. */
static int
password_for(struct ftpc *f, const char *user, const char *given,
    const char *url_pass, char *buf, size_t cap)
{
	const char *env = getenv("FTP_PASSWORD");
	int err;

	buf[0] = '\0';
	if (given != NULL) {
		snprintf(buf, cap, "%s", given);
	} else if (f->a->password_file != NULL) {
		if ((err = read_password_file(f->a->password_file, buf,
		    cap)) < 0) {
			ftpc_say("%s: %s", f->a->password_file,
			    ik_strerror(err));
			return FTPC_EXIT_USAGE;
		}
	} else if (url_pass != NULL) {
		snprintf(buf, cap, "%s", url_pass);
	} else if (env != NULL) {
		snprintf(buf, cap, "%s", env);
	} else if (is_anonymous(user)) {
		snprintf(buf, cap, "%s", FTPC_ANON_PASS);
	} else if (isatty(STDIN_FILENO)) {
		char prompt[300];
		snprintf(prompt, sizeof(prompt), "Password for %s: ", user);
		if (read_secret(prompt, buf, cap) < 0)
			buf[0] = '\0';
	}
	return 0;
}

static int
login(struct ftpc *f, const char *user, const char *given,
    const char *url_pass)
{
	char pass[FTPC_PASS_MAX];
	int status = password_for(f, user, given, url_pass, pass,
	    sizeof(pass));

	if (status == 0 && ftp_client_login(&f->c, user, pass) < 0)
		status = ftpc_fail(f, "login");
	OPENSSL_cleanse(pass, sizeof(pass));
	f->need_login = false;
	return status;
}

/* Connects; logs in now when the user is known (or asked for on a
 * terminal), else leaves an anonymous login for the first command that
 * needs one (so a script may say "user NAME" first). */
static int
session_open(struct ftpc *f, const char *host, uint16_t port,
    const char *url_user, const char *url_pass, bool may_defer)
{
	char name[256];
	const char *user = f->a->user != NULL ? f->a->user : url_user;

	f->no_mlsd = false;
	f->need_login = false;
	if (ftp_client_open(&f->c, host, port) < 0)
		return ftpc_fail(f, NULL);
	if (f->is_tty && may_defer)
		printf("Connected to %s%s.\n", host, f->c.is_tls ?
		    " (TLS)" : "");
	if (user == NULL && may_defer && f->is_tty) {
		printf("Name (%s:anonymous): ", host);
		fflush(stdout);
		if (fgets(name, sizeof(name), stdin) == NULL)
			name[0] = '\0';
		name[strcspn(name, "\r\n")] = '\0';
		user = name[0] != '\0' ? name : "anonymous";
	}
	if (user == NULL && may_defer) {
		f->need_login = true;
		return 0;
	}
	return login(f, user != NULL ? user : "anonymous", NULL, url_pass);
}

static int
url_session(struct ftpc *f, const struct ftp_url *u)
{
	return session_open(f, u->host, u->port,
	    u->has_user ? u->user : NULL, u->has_pass ? u->pass : NULL,
	    false);
}

/* ---- the scriptable subcommands ---- */

static int
url_arg(const char *s, struct ftp_url *u)
{
	int err = ftp_url_parse(s, u);

	if (err < 0) {
		ftpc_say("bad URL %s: %s", s, ik_strerror(err));
		return FTPC_EXIT_USAGE;
	}
	return 0;
}

static char
url_type(const struct ftpc *f, const struct ftp_url *u)
{
	return u->type == 'a' ? 'A' : u->type == 'i' ? 'I' : f->type;
}

static int
run_get(struct ftpc *f, int argc, char **argv)
{
	struct ftp_url u;
	char lpath[FTPC_PATH_MAX];
	int status;

	if (argc < 2 || argc > 3) {
		fputs(USAGE, stderr);
		return FTPC_EXIT_USAGE;
	}
	if ((status = url_arg(argv[1], &u)) != 0)
		return status;
	if (ftp_url_is_dir(&u)) {
		ftpc_say("%s names a directory (try ls or mirror)", argv[1]);
		return FTPC_EXIT_USAGE;
	}
	const char *local = argc == 3 ? argv[2] : ftpc_base_name(u.path);
	if (strcmp(local, "-") == 0)
		local = NULL;
	else if (ftpc_is_dir(local)) {
		if (ftpc_path_join(lpath, sizeof(lpath), local,
		    ftpc_base_name(u.path)) < 0)
			return ftpc_lfail("%s: path too long", local);
		local = lpath;
	}
	f->type = url_type(f, &u);
	if ((status = url_session(f, &u)) != 0)
		return status;
	status = ftpc_get(f, u.path, local, f->a->is_continue, -1);
	ftp_client_close(&f->c, true);
	return status;
}

static int
run_put(struct ftpc *f, int argc, char **argv)
{
	struct ftp_url u;
	char rpath[FTPC_PATH_MAX];
	int status;

	if (argc != 3) {
		fputs(USAGE, stderr);
		return FTPC_EXIT_USAGE;
	}
	if ((status = url_arg(argv[2], &u)) != 0)
		return status;
	const char *local = strcmp(argv[1], "-") == 0 ? NULL : argv[1];
	const char *remote = u.path;
	if (ftp_url_is_dir(&u)) {
		if (local == NULL) {
			ftpc_say("uploading stdin needs a file name in "
			    "the URL");
			return FTPC_EXIT_USAGE;
		}
		if (ftpc_path_join(rpath, sizeof(rpath), u.path,
		    ftpc_base_name(local)) < 0)
			return ftpc_lfail("%s: path too long", local);
		remote = rpath;
	}
	if (local != NULL && access(local, R_OK) < 0)
		return ftpc_lfail("%s: %s", local, strerror(errno));
	f->type = url_type(f, &u);
	if ((status = url_session(f, &u)) != 0)
		return status;
	status = ftpc_put(f, local, remote, f->a->is_continue);
	ftp_client_close(&f->c, true);
	return status;
}

static int
run_ls(struct ftpc *f, int argc, char **argv)
{
	struct ftp_url u;
	int status;

	if (argc != 2) {
		fputs(USAGE, stderr);
		return FTPC_EXIT_USAGE;
	}
	if ((status = url_arg(argv[1], &u)) != 0)
		return status;
	if ((status = url_session(f, &u)) != 0)
		return status;
	status = ftpc_print_listing(f, u.path[0] != '\0' ? u.path : NULL);
	ftp_client_close(&f->c, true);
	return status;
}

/* A URL's path as a mirror's remote directory: no trailing '/'. */
static void
dir_path(char *path)
{
	size_t n = strlen(path);

	while (n > 1 && path[n - 1] == '/')
		path[--n] = '\0';
}

static int
run_mirror(struct ftpc *f, int argc, char **argv)
{
	struct ftp_url u;
	int status;

	if (argc != 3) {
		fputs(USAGE, stderr);
		return FTPC_EXIT_USAGE;
	}
	const char *url = f->a->is_reverse ? argv[2] : argv[1];
	const char *ldir = f->a->is_reverse ? argv[1] : argv[2];
	if ((status = url_arg(url, &u)) != 0)
		return status;
	if (f->a->is_reverse && !ftpc_is_dir(ldir)) {
		ftpc_say("%s: not a directory", ldir);
		return FTPC_EXIT_USAGE;
	}
	dir_path(u.path);
	f->type = 'I';
	if ((status = url_session(f, &u)) != 0)
		return status;
	status = f->a->is_reverse ? ftpc_mirror_up(f, ldir, u.path, 0) :
	    ftpc_mirror_down(f, u.path, ldir, 0);
	ftp_client_close(&f->c, true);
	return status;
}

/* ---- the shell ---- */

enum { SC_NONE, SC_CONN, SC_LOGIN };	/* what a verb needs first */

struct shell_cmd {
	const char	*name;
	int		 min, max;	/* arguments after the verb */
	int		 needs;
	int		(*fn)(struct ftpc *f, int argc, char **argv);
	const char	*help;
};

static const struct shell_cmd *shell_find(const char *name);

static int
sh_open(struct ftpc *f, int argc, char **argv)
{
	struct ftp_url u = { .port = FTP_PORT };
	int status;

	(void)argc;
	if (ftp_client_is_open(&f->c))
		ftp_client_close(&f->c, true);
	if (ftp_url_is(argv[1])) {
		if ((status = url_arg(argv[1], &u)) != 0)
			return status;
	} else if (ftp_hostport_parse(argv[1], u.host, sizeof(u.host),
	    &u.port) < 0) {
		ftpc_say("bad host: %s", argv[1]);
		return FTPC_EXIT_USAGE;
	}
	status = session_open(f, u.host, u.port, u.has_user ? u.user : NULL,
	    u.has_pass ? u.pass : NULL, true);
	if (status != 0 || u.path[0] == '\0')
		return status;
	/* A URL's directory needs the login now. */
	if (f->need_login &&
	    (status = login(f, "anonymous", NULL, NULL)) != 0)
		return status;
	if (ftp_cmd_ok(&f->c, 2, "CWD %s", u.path) < 0)
		status = ftpc_fail(f, u.path);
	return status;
}

static int
sh_user(struct ftpc *f, int argc, char **argv)
{
	return login(f, argv[1], argc > 2 ? argv[2] : NULL, NULL);
}

static int
sh_ls(struct ftpc *f, int argc, char **argv)
{
	return ftpc_print_listing(f, argc > 1 ? argv[1] : NULL);
}

static int
sh_dir(struct ftpc *f, int argc, char **argv)
{
	return ftpc_print_raw(f, "LIST", argc > 1 ? argv[1] : NULL);
}

static int
sh_nlist(struct ftpc *f, int argc, char **argv)
{
	return ftpc_print_raw(f, "NLST", argc > 1 ? argv[1] : NULL);
}

/* Commands whose only effect is the reply: verb table below. */
static int
simple(struct ftpc *f, int want, const char *verb, const char *arg)
{
	if (ftp_cmd_ok(&f->c, want, "%s %s", verb, arg) < 0)
		return ftpc_fail(f, arg);
	return 0;
}

static int
sh_cd(struct ftpc *f, int argc, char **argv)
{
	(void)argc;
	return simple(f, 2, "CWD", argv[1]);
}

static int
sh_cdup(struct ftpc *f, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (ftp_cmd_ok(&f->c, 2, "CDUP") < 0)
		return ftpc_fail(f, "cdup");
	return 0;
}

static int
sh_pwd(struct ftpc *f, int argc, char **argv)
{
	char dir[FTPC_PATH_MAX];

	(void)argc;
	(void)argv;
	if (ftp_pwd(&f->c, dir, sizeof(dir)) < 0)
		return ftpc_fail(f, "pwd");
	printf("%s\n", dir);
	return 0;
}

static int
sh_lcd(struct ftpc *f, int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : getenv("HOME");
	char cwd[FTPC_PATH_MAX];

	if (dir == NULL || chdir(dir) < 0)
		return ftpc_lfail("lcd %s: %s", dir != NULL ? dir : "",
		    dir != NULL ? strerror(errno) : "no HOME");
	if (f->is_tty && getcwd(cwd, sizeof(cwd)) != NULL)
		printf("Local directory now %s\n", cwd);
	return 0;
}

/* "get [-c] REMOTE [LOCAL]", "put [-c] LOCAL [REMOTE]": -c resumes. */
static bool
take_resume_flag(struct ftpc *f, int *argc, char ***argv)
{
	if (*argc > 1 && strcmp((*argv)[1], "-c") == 0) {
		(*argv)[1] = (*argv)[0];
		(*argv)++;
		(*argc)--;
		return true;
	}
	return f->a->is_continue;
}

static int
sh_get(struct ftpc *f, int argc, char **argv)
{
	bool resume = take_resume_flag(f, &argc, &argv) ||
	    strcmp(argv[0], "reget") == 0;
	char lpath[FTPC_PATH_MAX];

	if (argc < 2 || argc > 3)
		return ftpc_lfail("usage: %s", shell_find(argv[0])->help);
	const char *local = argc > 2 ? argv[2] : ftpc_base_name(argv[1]);
	if (local[0] == '\0')
		return ftpc_lfail("%s: no file name", argv[1]);
	if (ftpc_is_dir(local)) {
		if (ftpc_path_join(lpath, sizeof(lpath), local,
		    ftpc_base_name(argv[1])) < 0)
			return ftpc_lfail("%s: path too long", local);
		local = lpath;
	}
	return ftpc_get(f, argv[1], local, resume, -1);
}

static int
sh_put(struct ftpc *f, int argc, char **argv)
{
	bool resume = take_resume_flag(f, &argc, &argv) ||
	    strcmp(argv[0], "reput") == 0;

	if (argc < 2 || argc > 3)
		return ftpc_lfail("usage: %s", shell_find(argv[0])->help);
	const char *remote = argc > 2 ? argv[2] : ftpc_base_name(argv[1]);

	return ftpc_put(f, argv[1], remote, resume);
}

static int
sh_mget(struct ftpc *f, int argc, char **argv)
{
	char dir[FTPC_PATH_MAX], name[NAME_MAX + 1], rpath[FTPC_PATH_MAX];
	int status = 0;

	for (int i = 1; i < argc && ftp_client_is_open(&f->c); i++) {
		const char *pat = ftpc_base_name(argv[i]);
		size_t dn = (size_t)(pat - argv[i]);
		struct ftpc_listing l;
		size_t hits = 0;

		if (dn >= sizeof(dir))
			return ftpc_lfail("%s: path too long", argv[i]);
		memcpy(dir, argv[i], dn);
		dir[dn] = '\0';
		int st = ftpc_list(f, dn > 0 ? dir : NULL, &l);
		if (st != 0) {
			status = ftpc_worst(status, st);
			continue;
		}
		for (size_t k = 0; k < l.n && ftp_client_is_open(&f->c); k++) {
			const struct ftp_entry *e = &l.v[k];
			if (e->type != FTP_ENT_FILE ||
			    ftpc_safe_name(e, name, sizeof(name)) == NULL ||
			    fnmatch(pat, name, FNM_PERIOD) != 0)
				continue;
			hits++;
			st = ftpc_path_join(rpath, sizeof(rpath), dir, name) <
			    0 ? ftpc_lfail("%s: path too long", name) :
			    ftpc_get(f, rpath, name, f->a->is_continue, -1);
			status = ftpc_worst(status, st);
		}
		ftpc_listing_free(&l);
		if (hits == 0)
			status = ftpc_worst(status, ftpc_lfail("%s: no match",
			    argv[i]));
	}
	return status;
}

static int
sh_mput(struct ftpc *f, int argc, char **argv)
{
	int status = 0;

	for (int i = 1; i < argc && ftp_client_is_open(&f->c); i++) {
		glob_t g;
		int r = glob(argv[i], 0, NULL, &g);
		if (r != 0) {
			status = ftpc_worst(status, ftpc_lfail("%s: %s",
			    argv[i], r == GLOB_NOMATCH ? "no match" :
			    "glob failed"));
			if (r != GLOB_NOMATCH)
				globfree(&g);
			continue;
		}
		for (size_t k = 0; k < g.gl_pathc && ftp_client_is_open(&f->c);
		    k++) {
			if (ftpc_is_dir(g.gl_pathv[k]))
				continue;
			status = ftpc_worst(status, ftpc_put(f, g.gl_pathv[k],
			    ftpc_base_name(g.gl_pathv[k]), f->a->is_continue));
		}
		globfree(&g);
	}
	return status;
}

static int
sh_mirror(struct ftpc *f, int argc, char **argv)
{
	bool up = strcmp(argv[1], "-R") == 0;
	char rdir[FTPC_PATH_MAX];

	if (argc != (up ? 4 : 3))
		return ftpc_lfail("usage: %s", shell_find("mirror")->help);
	const char *remote = up ? argv[3] : argv[1];
	const char *local = argv[2];
	snprintf(rdir, sizeof(rdir), "%s", remote);
	dir_path(rdir);
	if (strcmp(rdir, ".") == 0)
		rdir[0] = '\0';
	if (ftp_set_type(&f->c, 'I') < 0)
		return ftpc_fail(f, "mirror");
	char saved = f->type;
	f->type = 'I';
	int status = up ? ftpc_mirror_up(f, local, rdir, 0) :
	    ftpc_mirror_down(f, rdir, local, 0);
	f->type = saved;
	return status;
}

static int
sh_mkdir(struct ftpc *f, int argc, char **argv)
{
	(void)argc;
	return simple(f, 2, "MKD", argv[1]);
}

static int
sh_rmdir(struct ftpc *f, int argc, char **argv)
{
	(void)argc;
	return simple(f, 2, "RMD", argv[1]);
}

static int
sh_rm(struct ftpc *f, int argc, char **argv)
{
	(void)argc;
	return simple(f, 2, "DELE", argv[1]);
}

static int
sh_rename(struct ftpc *f, int argc, char **argv)
{
	(void)argc;
	if (ftp_rename(&f->c, argv[1], argv[2]) < 0)
		return ftpc_fail(f, argv[1]);
	return 0;
}

static int
sh_type(struct ftpc *f, int argc, char **argv)
{
	(void)argc;
	f->type = strcmp(argv[0], "ascii") == 0 ? 'A' : 'I';
	if (f->is_tty)
		printf("Transfers in %s mode.\n", f->type == 'A' ? "ASCII" :
		    "binary");
	return 0;
}

static int
sh_mode(struct ftpc *f, int argc, char **argv)
{
	(void)argc;
	f->c.opts.is_active = strcmp(argv[0], "active") == 0;
	if (f->is_tty)
		printf("%s mode.\n", f->c.opts.is_active ? "Active" :
		    "Passive");
	return 0;
}

static int
sh_size(struct ftpc *f, int argc, char **argv)
{
	uint64_t size;

	(void)argc;
	if (ftp_set_type(&f->c, 'I') < 0 || ftp_size(&f->c, argv[1], &size) < 0)
		return ftpc_fail(f, argv[1]);
	printf("%llu\n", (unsigned long long)size);
	return 0;
}

/* Prints the last reply as the server sent it. */
static void
print_reply(const struct ftpc *f)
{
	const struct ftp_reply *r = &f->c.reply;
	const char *t = r->text;

	for (unsigned i = 0; i < r->n_lines; i++) {
		size_t n = strcspn(t, "\n");
		printf("%d%c%.*s\n", r->code, i + 1 < r->n_lines ? '-' : ' ',
		    (int)n, t);
		t += n + (t[n] == '\n');
	}
}

static int
sh_stat(struct ftpc *f, int argc, char **argv)
{
	int code = argc > 1 ? ftp_cmd(&f->c, "STAT %s", argv[1]) :
	    ftp_cmd(&f->c, "STAT");

	if (code < 0)
		return ftpc_fail(f, "stat");
	print_reply(f);
	return ftp_reply_class(code) == 2 ? 0 : FTPC_EXIT_FAIL;
}

/* "quote VERB ARGS" and "site ARGS": the words joined by spaces. */
static int
sh_quote(struct ftpc *f, int argc, char **argv)
{
	char line[FTPC_LINE_MAX];
	size_t n = 0;
	bool is_site = strcmp(argv[0], "site") == 0;

	line[0] = '\0';
	if (is_site)
		n = (size_t)snprintf(line, sizeof(line), "SITE");
	for (int i = 1; i < argc; i++) {
		int k = snprintf(line + n, sizeof(line) - n, "%s%s",
		    n > 0 ? " " : "", argv[i]);
		if (k < 0 || (size_t)k >= sizeof(line) - n)
			return ftpc_lfail("command too long");
		n += (size_t)k;
	}
	int code = ftp_cmd(&f->c, "%s", line);
	if (code < 0)
		return ftpc_fail(f, argv[0]);
	print_reply(f);
	return ftp_reply_class(code) <= 3 ? 0 : FTPC_EXIT_FAIL;
}

static int
sh_close(struct ftpc *f, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	ftp_client_close(&f->c, true);
	f->need_login = false;
	return 0;
}

static int sh_help(struct ftpc *f, int argc, char **argv);

#define MANY	FTPC_WORDS_MAX
static const struct shell_cmd shell_cmds[] = {
	/* verb      min max   needs      handler    usage */
	{ "open",     1, 1,    SC_NONE,  sh_open,   "open HOST[:PORT] | URL" },
	{ "user",     1, 2,    SC_CONN,  sh_user,   "user NAME [PASSWORD]" },
	{ "ls",       0, 1,    SC_LOGIN, sh_ls,     "ls [DIR]" },
	{ "dir",      0, 1,    SC_LOGIN, sh_dir,    "dir [DIR]  (raw LIST)" },
	{ "nlist",    0, 1,    SC_LOGIN, sh_nlist,  "nlist [DIR]  (names)" },
	{ "cd",       1, 1,    SC_LOGIN, sh_cd,     "cd DIR" },
	{ "cdup",     0, 0,    SC_LOGIN, sh_cdup,   "cdup" },
	{ "pwd",      0, 0,    SC_LOGIN, sh_pwd,    "pwd" },
	{ "lcd",      0, 1,    SC_NONE,  sh_lcd,    "lcd [DIR]" },
	{ "get",      1, 3,    SC_LOGIN, sh_get,    "get [-c] REMOTE [LOCAL]" },
	{ "reget",    1, 2,    SC_LOGIN, sh_get,    "reget REMOTE [LOCAL]" },
	{ "put",      1, 3,    SC_LOGIN, sh_put,    "put [-c] LOCAL [REMOTE]" },
	{ "reput",    1, 2,    SC_LOGIN, sh_put,    "reput LOCAL [REMOTE]" },
	{ "mget",     1, MANY, SC_LOGIN, sh_mget,   "mget PATTERN..." },
	{ "mput",     1, MANY, SC_LOGIN, sh_mput,   "mput PATTERN..." },
	{ "mirror",   2, 3,    SC_LOGIN, sh_mirror,
	    "mirror REMOTEDIR LOCALDIR | mirror -R LOCALDIR REMOTEDIR" },
	{ "mkdir",    1, 1,    SC_LOGIN, sh_mkdir,  "mkdir DIR" },
	{ "rmdir",    1, 1,    SC_LOGIN, sh_rmdir,  "rmdir DIR" },
	{ "rm",       1, 1,    SC_LOGIN, sh_rm,     "rm FILE" },
	{ "delete",   1, 1,    SC_LOGIN, sh_rm,     "delete FILE" },
	{ "rename",   2, 2,    SC_LOGIN, sh_rename, "rename FROM TO" },
	{ "binary",   0, 0,    SC_NONE,  sh_type,   "binary  (TYPE I)" },
	{ "ascii",    0, 0,    SC_NONE,  sh_type,   "ascii  (TYPE A)" },
	{ "passive",  0, 0,    SC_NONE,  sh_mode,   "passive  (EPSV, PASV)" },
	{ "active",   0, 0,    SC_NONE,  sh_mode,   "active  (PORT, EPRT)" },
	{ "size",     1, 1,    SC_LOGIN, sh_size,   "size FILE" },
	{ "stat",     0, 1,    SC_LOGIN, sh_stat,   "stat [PATH]" },
	{ "quote",    1, MANY, SC_CONN,  sh_quote,  "quote COMMAND [ARGS]" },
	{ "site",     1, MANY, SC_LOGIN, sh_quote,  "site ARGS" },
	{ "close",    0, 0,    SC_NONE,  sh_close,  "close" },
	{ "bye",      0, 0,    SC_NONE,  NULL,      "bye" },
	{ "quit",     0, 0,    SC_NONE,  NULL,      "quit" },
	{ "exit",     0, 0,    SC_NONE,  NULL,      "exit" },
	{ "help",     0, 1,    SC_NONE,  sh_help,   "help [COMMAND]" },
	{ "?",        0, 1,    SC_NONE,  sh_help,   "? [COMMAND]" },
	{ 0 },
};
#undef MANY

static const struct shell_cmd *
shell_find(const char *name)
{
	for (const struct shell_cmd *sc = shell_cmds; sc->name != NULL; sc++)
		if (strcasecmp(sc->name, name) == 0)
			return sc;
	return NULL;
}

static int
sh_help(struct ftpc *f, int argc, char **argv)
{
	(void)f;
	if (argc > 1) {
		const struct shell_cmd *sc = shell_find(argv[1]);
		if (sc == NULL)
			return ftpc_lfail("no command %s", argv[1]);
		printf("%s\n", sc->help);
		return 0;
	}
	for (const struct shell_cmd *sc = shell_cmds; sc->name != NULL; sc++)
		printf("  %s\n", sc->help);
	return 0;
}

/* Splits a line in place into words: blanks separate, "..." and '...'
 * group, a backslash outside single quotes takes the next byte as is.
 * Returns the count, or -1 (an unclosed quote or too many words). */
static int
split_words(char *s, char **words, int max)
{
	int n = 0;
	char *out = s;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0')
			return n;
		if (n == max)
			return -1;
		words[n++] = out;
		char q = 0;
		while (*s != '\0' && (q != 0 || (*s != ' ' && *s != '\t'))) {
			if (q == 0 && (*s == '"' || *s == '\'')) {
				q = *s++;
			} else if (q != 0 && *s == q) {
				q = 0;
				s++;
			} else if (*s == '\\' && q != '\'' && s[1] != '\0') {
				*out++ = s[1];
				s += 2;
			} else {
				*out++ = *s++;
			}
		}
		if (q != 0)
			return -1;
		bool more = *s != '\0';
		*out++ = '\0';
		if (more)
			s++;
	}
}

/* Runs one shell line. Returns its exit status, or -1 for "quit". */
static int
shell_line(struct ftpc *f, char *line)
{
	char *w[FTPC_WORDS_MAX];
	int n = split_words(line, w, FTPC_WORDS_MAX);

	if (n < 0)
		return ftpc_lfail("unbalanced quotes or too many words");
	if (n == 0 || w[0][0] == '#')
		return 0;
	const struct shell_cmd *sc = shell_find(w[0]);
	if (sc == NULL)
		return ftpc_lfail("unknown command %s (try help)", w[0]);
	if (sc->fn == NULL)
		return -1;
	if (n - 1 < sc->min || n - 1 > sc->max)
		return ftpc_lfail("usage: %s", sc->help);
	if (sc->needs != SC_NONE && !ftp_client_is_open(&f->c))
		return ftpc_lfail("%s: not connected (try open)", w[0]);
	if (sc->needs == SC_LOGIN && f->need_login) {
		int st = login(f, "anonymous", NULL, NULL);
		if (st != 0)
			return st;
	}
	return sc->fn(f, n, w);
}

static void
on_sigint(int sig)
{
	(void)sig;
	ftpc_cancel = 1;
}

static int
shell(struct ftpc *f, const char *target)
{
	char line[FTPC_LINE_MAX];
	int status = 0;

	if (f->is_tty) {
		/* Ctrl-C aborts a transfer, not the shell. */
		struct sigaction sa = { .sa_handler = on_sigint };
		sigemptyset(&sa.sa_mask);
		(void)sigaction(SIGINT, &sa, NULL);
		f->c.opts.cancel = &ftpc_cancel;
	}
	if (target != NULL) {
		char *w[2] = { "open", (char *)target };
		status = sh_open(f, 2, w);
	}
	for (unsigned lines = 0;; lines++) {
		if (f->is_tty) {
			fputs("ftp> ", stdout);
			fflush(stdout);
		}
		ftpc_cancel = 0;
		if (fgets(line, sizeof(line), stdin) == NULL) {
			if (ferror(stdin) && errno == EINTR &&
			    lines < UINT_MAX) {
				clearerr(stdin);
				putchar('\n');
				continue;
			}
			break;
		}
		size_t len = strcspn(line, "\n");
		if (line[len] != '\n' && !feof(stdin)) {
			int ch;
			while ((ch = getchar()) != EOF && ch != '\n')
				;
			status = ftpc_worst(status,
			    ftpc_lfail("line too long"));
			continue;
		}
		line[len] = '\0';
		if (len > 0 && line[len - 1] == '\r')
			line[len - 1] = '\0';
		int st = shell_line(f, line);
		OPENSSL_cleanse(line, sizeof(line));	/* "user NAME PASS" */
		if (st < 0)
			break;
		status = ftpc_worst(status, st);
		fflush(stdout);
	}
	ftp_client_close(&f->c, true);
	return status;
}

/* ---- arguments ---- */

enum {
	OPT_USER = 256, OPT_PASSWORD_FILE, OPT_ACTIVE, OPT_PASSIVE, OPT_TLS,
	OPT_NO_TLS, OPT_CA, OPT_INSECURE, OPT_TIMEOUT, OPT_ASCII,
};

static const struct option long_opts[] = {
	{ "user", required_argument, NULL, OPT_USER },
	{ "password-file", required_argument, NULL, OPT_PASSWORD_FILE },
	{ "active", no_argument, NULL, OPT_ACTIVE },
	{ "passive", no_argument, NULL, OPT_PASSIVE },
	{ "tls", no_argument, NULL, OPT_TLS },
	{ "no-tls", no_argument, NULL, OPT_NO_TLS },
	{ "ca", required_argument, NULL, OPT_CA },
	{ "insecure", no_argument, NULL, OPT_INSECURE },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "ascii", no_argument, NULL, OPT_ASCII },
	{ "continue", no_argument, NULL, 'c' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ 0 },
};

static int
parse_args(int argc, char **argv, struct ftpc_args *a)
{
	int ch;

	*a = (struct ftpc_args){ .tls = FTP_TLS_AUTO };
	optind = 1;
	opterr = 1;
	while ((ch = getopt_long(argc, argv, "cqvRu:k", long_opts,
	    NULL)) != -1) {
		switch (ch) {
		case OPT_USER:
		case 'u':
			a->user = optarg;
			break;
		case OPT_PASSWORD_FILE:
			a->password_file = optarg;
			break;
		case OPT_ACTIVE:
			a->is_active = true;
			break;
		case OPT_PASSIVE:
			a->is_active = false;
			break;
		case OPT_TLS:
			a->tls = FTP_TLS_REQUIRE;
			break;
		case OPT_NO_TLS:
			a->tls = FTP_TLS_NEVER;
			break;
		case OPT_CA:
			a->ca = optarg;
			break;
		case OPT_INSECURE:
		case 'k':
			a->is_insecure = true;
			break;
		case OPT_TIMEOUT: {
			char *end;
			errno = 0;
			unsigned long s = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || s == 0 || s > 3600) {
				ftpc_say("bad --timeout %s (1..3600 seconds)",
				    optarg);
				return -1;
			}
			a->timeout_ms = (unsigned)s * 1000;
			break;
		}
		case OPT_ASCII:
			a->is_ascii = true;
			break;
		case 'c':
			a->is_continue = true;
			break;
		case 'q':
			a->is_quiet = true;
			break;
		case 'v':
			a->is_verbose = true;
			break;
		case 'R':
			a->is_reverse = true;
			break;
		default:
			return -1;
		}
	}
	if ((a->ca != NULL || a->is_insecure) && a->tls != FTP_TLS_REQUIRE) {
		ftpc_say("--ca and --insecure go with --tls");
		return -1;
	}
	return optind;
}

int
ftpc_main(int argc, char **argv)
{
	struct ftpc_args a;
	struct ftpc f = { .a = &a };
	int status;

	int first = parse_args(argc, argv, &a);
	if (first < 0) {
		fputs(USAGE, stderr);
		return FTPC_EXIT_USAGE;
	}
	struct ftp_opts o = { .timeout_ms = a.timeout_ms, .tls = a.tls,
	    .ca_file = a.ca, .is_insecure = a.is_insecure,
	    .is_active = a.is_active, .is_verbose = a.is_verbose };
	/* Writes to a closed connection return EPIPE instead of killing
	 * us (OpenSSL writes with write(2), not send(MSG_NOSIGNAL)). */
	signal(SIGPIPE, SIG_IGN);
	if (ftp_client_init(&f.c, &o) < 0) {
		ftpc_say("out of memory");
		return FTPC_EXIT_FAIL;
	}
	f.type = a.is_ascii ? 'A' : 'I';
	f.is_tty = isatty(STDIN_FILENO);
	f.has_bar = !a.is_quiet && isatty(STDERR_FILENO);

	int n = argc - first;
	char **rest = argv + first;
	static const struct {
		const char	*name;
		int		(*fn)(struct ftpc *, int, char **);
	} subs[] = {
		{ "get", run_get }, { "put", run_put }, { "ls", run_ls },
		{ "mirror", run_mirror }, { 0 },
	};
	for (size_t i = 0; n > 0 && subs[i].name != NULL; i++) {
		if (strcmp(rest[0], subs[i].name) == 0) {
			status = subs[i].fn(&f, n, rest);
			goto out;
		}
	}
	if (n > 1 || a.is_reverse) {
		fputs(USAGE, stderr);
		status = FTPC_EXIT_USAGE;
		goto out;
	}
	status = shell(&f, n == 1 ? rest[0] : NULL);
out:
	ftp_client_clear(&f.c);
	return status;
}
