/* cli/main.c - the multi-call front end: "inetkit COMMAND ...". Servers,
 * the supervisor, config checking, password hashing and the control
 * client are subcommands; each answers --help. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "core/auth.h"
#include "core/ctl.h"
#include "core/err.h"
#include "core/super.h"
#include "core/svc.h"
#include "dhcp/dhcpc.h"
#include "dns/dig.h"
#include "ftp/ftpc.h"

#define INETKIT_VERSION	"0.1.0"
#define CONF_LOCAL	"etc/inetkit.conf"
#define CONF_SYSTEM	"/etc/inetkit/inetkit.conf"
#define CTL_TIMEOUT_MS	10000

struct cmd {
	const char	*name;
	const char	*usage;
	const char	*help;
	int		(*fn)(int argc, char **argv);
};

static const struct cmd *cmd_find(const char *name);

static const char *
default_conf(void)
{
	/* From a source tree (make run) the embedded default is at hand. */
	return access(CONF_LOCAL, R_OK) == 0 ? CONF_LOCAL : CONF_SYSTEM;
}

static bool
wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0)
			return true;
	return false;
}

static void
print_usage(FILE *f, const struct cmd *c)
{
	fprintf(f, "usage: inetkit %s\n%s", c->usage, c->help);
}

/* Parses "-c FILE" options; returns the index of the first operand or -1
 * after printing usage. */
static int
parse_conf_opt(int argc, char **argv, const struct cmd *c,
    const char **conf)
{
	int ch;

	*conf = default_conf();
	optind = 1;
	while ((ch = getopt(argc, argv, "+c:")) != -1) {
		if (ch != 'c') {
			print_usage(stderr, c);
			return -1;
		}
		*conf = optarg;
	}
	return optind;
}

static int
cmd_up(int argc, char **argv)
{
	const char *conf;
	int i = parse_conf_opt(argc, argv, cmd_find("up"), &conf);

	if (i < 0 || i != argc)
		return i < 0 ? 2 : (print_usage(stderr, cmd_find("up")), 2);
	return super_run(conf);
}

static void
print_errs(struct cfg_errs *errs)
{
	for (size_t i = 0; i < errs->n; i++)
		fprintf(stderr, "%s\n", errs->msg[i]);
	cfg_errs_clear(errs);
}

static int
cmd_check_config(int argc, char **argv)
{
	const struct cmd *c = cmd_find("check-config");
	struct cfg_errs errs = { 0 };
	struct cfg *cfg = NULL;
	const char *conf;
	int i = parse_conf_opt(argc, argv, c, &conf);

	if (i < 0 || i != argc)
		return i < 0 ? 2 : (print_usage(stderr, c), 2);
	const struct svc_def *const *r = svc_registry();
	if (svc_config_load(conf, &cfg, &errs) == 0) {
		/* The services' own deeper checks (zone files, ...). */
		for (size_t k = 0; r[k] != NULL; k++)
			if (svc_enabled(cfg, r[k]) && r[k]->verify != NULL)
				r[k]->verify(cfg, &errs);
	}
	if (errs.n > 0) {
		size_t n = errs.n;
		print_errs(&errs);
		fprintf(stderr, "%s: %zu error%s\n", conf, n,
		    n == 1 ? "" : "s");
		cfg_free(&cfg);
		return 2;
	}
	printf("%s: ok; enabled:", conf);
	for (size_t k = 0; r[k] != NULL; k++)
		if (svc_enabled(cfg, r[k]))
			printf(" %s", r[k]->name);
	printf("\n");
	cfg_free(&cfg);
	return 0;
}

/* "inetkit SERVICE": one service in the foreground, without supervisor. */
static int
run_service(const struct svc_def *def, int argc, char **argv)
{
	struct cfg_errs errs = { 0 };
	struct cfg *cfg = NULL;
	struct svc_prep prep = { 0 };
	const char *conf = default_conf();
	int ch, status = 1;

	optind = 1;
	while ((ch = getopt(argc, argv, "+c:")) != -1) {
		if (ch != 'c') {
			fprintf(stderr, "usage: inetkit %s [-c FILE]\n",
			    def->name);
			return 2;
		}
		conf = optarg;
	}
	if (optind != argc) {
		fprintf(stderr, "usage: inetkit %s [-c FILE]\n", def->name);
		return 2;
	}
	if (def->start == NULL) {
		fprintf(stderr, "inetkit: the %s service is not built yet "
		    "(issue %s)\n", def->name, def->issue);
		return 2;
	}
	log_init(def->name, LOG_LV_INFO);
	if (svc_config_load(conf, &cfg, &errs) < 0) {
		print_errs(&errs);
		return 2;
	}
	const struct global_conf *g = cfg_get(cfg, "inetkit");
	int err = svc_data_dir_prepare(g);
	if (err < 0) {
		log_err("data_dir %s: %s", g->data_dir, ik_strerror(err));
		goto out;
	}
	prep.cfg = cfg;
	prep.cfg_path = conf;
	if (svc_socks_open(cfg, def, &prep.socks, &prep.n_socks) < 0)
		goto out;
	if (def->uses_tls && (prep.tls = svc_tls_ctx(g)) == NULL)
		goto out;
	status = svc_run(def, &prep);
out:
	svc_socks_close(&prep.socks, &prep.n_socks);
	SSL_CTX_free(prep.tls);
	cfg_free(&cfg);
	return status;
}

/* Reads one line without echo from the terminal, or from stdin. */
static int
read_password(const char *prompt, char *buf, size_t cap)
{
	struct termios old, quiet;
	bool is_tty = isatty(STDIN_FILENO) &&
	    tcgetattr(STDIN_FILENO, &old) == 0;

	if (is_tty) {
		fputs(prompt, stderr);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	char *r = fgets(buf, (int)cap, stdin);
	if (is_tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (r == NULL)
		return -EIO;
	size_t n = strcspn(buf, "\r\n");
	if (buf[n] == '\0' && n == cap - 1)
		return -IK_ELIMIT;
	buf[n] = '\0';
	return is_tty ? 1 : 0;
}

static int
cmd_passwd(int argc, char **argv)
{
	const struct cmd *c = cmd_find("passwd");
	char pass[512], again[512], hash[256];
	int status = 1;

	if (argc != 2) {
		print_usage(stderr, c);
		return 2;
	}
	const char *user = argv[1];
	if (user[0] == '\0' || strpbrk(user, ": \t\r\n") != NULL ||
	    strlen(user) > 64) {
		fprintf(stderr, "inetkit passwd: bad user name\n");
		return 2;
	}
	int tty = read_password("Password: ", pass, sizeof(pass));
	if (tty < 0) {
		fprintf(stderr, "inetkit passwd: no password read\n");
		goto out;
	}
	if (tty == 1 && (read_password("Again: ", again, sizeof(again)) < 0 ||
	    strcmp(pass, again) != 0)) {
		fprintf(stderr, "inetkit passwd: passwords differ\n");
		goto out;
	}
	if (pass[0] == '\0') {
		fprintf(stderr, "inetkit passwd: empty password\n");
		goto out;
	}
	int err = auth_hash_password(pass, hash, sizeof(hash));
	if (err < 0) {
		fprintf(stderr, "inetkit passwd: %s\n", ik_strerror(err));
		goto out;
	}
	printf("%s:%s\n", user, hash);
	status = 0;
out:
	OPENSSL_cleanse(pass, sizeof(pass));
	OPENSSL_cleanse(again, sizeof(again));
	return status;
}

static int
cmd_ctl(int argc, char **argv)
{
	const struct cmd *c = cmd_find("ctl");
	struct cfg_errs errs = { 0 };
	struct cfg *cfg = NULL;
	char path[4096], line[CTL_LINE_MAX + 1] = "";
	const char *conf;
	int i = parse_conf_opt(argc, argv, c, &conf);

	if (i < 0 || argc - i < 2) {
		if (i >= 0)
			print_usage(stderr, c);
		return 2;
	}
	const char *service = argv[i];
	if (svc_find(service) == NULL) {
		fprintf(stderr, "inetkit ctl: no service \"%s\"\n", service);
		return 2;
	}
	size_t used = 0;
	for (int k = i + 1; k < argc; k++) {
		int n = snprintf(line + used, sizeof(line) - used, "%s%s",
		    k > i + 1 ? " " : "", argv[k]);
		if (n < 0 || (size_t)n >= sizeof(line) - used) {
			fprintf(stderr, "inetkit ctl: command too long\n");
			return 2;
		}
		used += (size_t)n;
	}
	/* Only [inetkit] data_dir is needed, but a broken config is worth
	 * hearing about here too. */
	if (cfg_load(conf, svc_schema(), &cfg, &errs) < 0) {
		print_errs(&errs);
		return 2;
	}
	int err = svc_ctl_path(cfg_get(cfg, "inetkit"), service, path,
	    sizeof(path));
	cfg_free(&cfg);
	if (err < 0)
		return 2;
	err = ctl_call(path, line, stdout, CTL_TIMEOUT_MS);
	if (err < 0) {
		fprintf(stderr, "inetkit ctl: %s: %s%s\n", path,
		    ik_strerror(err), err == -ENOENT ||
		    err == -ECONNREFUSED ? " (is the service running?)" : "");
		return 1;
	}
	return err;
}

static int
cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("inetkit %s\n", INETKIT_VERSION);
	return 0;
}

static int cmd_help(int argc, char **argv);

static const struct cmd cmds[] = {
	{ "up", "up [-c FILE]",
	    "Runs every enabled service of FILE under a supervisor that\n"
	    "restarts them, reloads them on SIGHUP and stops them on "
	    "SIGTERM.\n", cmd_up },
	{ "check-config", "check-config [-c FILE]",
	    "Checks FILE and prints every error as file:line: message.\n"
	    "Exit status 0 when valid, 2 when not.\n", cmd_check_config },
	{ "passwd", "passwd USER",
	    "Prints a passwd-file line \"USER:HASH\" with a yescrypt hash.\n"
	    "The password is read from the terminal (twice) or from the\n"
	    "first line of standard input.\n", cmd_passwd },
	{ "ctl", "ctl [-c FILE] SERVICE COMMAND [ARGS...]",
	    "Sends COMMAND to a running SERVICE through its control socket\n"
	    "(DATA_DIR/run/SERVICE.sock) and prints the reply. Every service\n"
	    "answers help, stats and reload. Exit status 1 on an error "
	    "reply.\n", cmd_ctl },
	{ "dig", "dig [@SERVER[:PORT]] NAME [TYPE] [+OPTION...] [-p PORT] "
	    "[--hints FILE] [-c FILE]",
	    "Asks SERVER (default: the first [dns] listen address of FILE,\n"
	    "else 127.0.0.1:53) for NAME and prints the response as dig does.\n"
	    "Options: +tcp +norec +short +time=S +tries=N +noedns, and +trace:\n"
	    "walk from the root hints (--hints, else [dns] root_hints) to the\n"
	    "answer, printing each step. Exit status 0 on a response, 9 when\n"
	    "no server answered, 1 on usage errors.\n", dig_main },
	{ "dhcpc", "dhcpc IFACE [OPTIONS]",
	    "Gets a DHCP lease for IFACE and keeps it (RFC 2131: renews at\n"
	    "T1, rebinds at T2, ARP-checks an offered address and DECLINEs\n"
	    "it on conflict). It sets the address, default route and\n"
	    "resolv.conf itself (first removing IFACE's IPv4 addresses),\n"
	    "or runs a script as udhcpc does. Options:\n"
	    "  --once              exit 0 once the first lease is bound\n"
	    "  --script PATH       run PATH deconfig|bound|renew|nak|leasefail\n"
	    "                      with the lease in the environment (ip,\n"
	    "                      subnet, mask, router, dns, domain, lease,\n"
	    "                      serverid, t1, t2) instead of applying it\n"
	    "  --no-apply          neither apply nor run a script; just print\n"
	    "  --resolv-conf PATH  default /etc/resolv.conf\n"
	    "  --release           on SIGTERM/SIGINT send RELEASE and remove\n"
	    "                      the address (else it stays for its lease)\n"
	    "  --request ADDR      ask for ADDR first (INIT-REBOOT)\n"
	    "  --timeout SECONDS   exit 1 if no lease within SECONDS\n"
	    "  --hostname NAME, --client-id HEX (default 01 + MAC)\n"
	    "  --arp-probes N      probes 200 ms apart (default 2; 0: none)\n"
	    "  --arp-wait MS       wait after the last probe (default 500)\n"
	    "  -v                  debug lines on stderr\n"
	    "Prints \"dhcpc: bound ADDR/LEN from SERVER lease Ns\", renewed,\n"
	    "rebound, nak, declined, expired, released. SIGUSR1 renews.\n",
	    dhcpc_main },
	{ "ftp", "ftp [OPTIONS] [HOST[:PORT] | URL | get|put|ls|mirror ...]",
	    "  get URL [LOCAL]   put LOCAL URL   ls URL\n"
	    "  mirror URL LOCALDIR   mirror -R LOCALDIR URL\n"
	    "An FTP client. Without a subcommand, a shell reading commands\n"
	    "from stdin (a prompt on a terminal; \"help\" lists them). URLs:\n"
	    "ftp://[USER[:PASS]@]HOST[:PORT]/PATH; a put URL ending in / keeps\n"
	    "the local name. Passive (EPSV, then PASV) unless --active. Options:\n"
	    "  --user NAME, -u NAME  log in as NAME (else the URL's, else\n"
	    "                        anonymous)\n"
	    "  --password-file FILE  its first line (else the URL's password,\n"
	    "                        FTP_PASSWORD, a prompt on a terminal)\n"
	    "  --active              PORT/EPRT data connections\n"
	    "  --tls                 require AUTH TLS and PROT P and verify\n"
	    "                        the certificate (--ca FILE, or --insecure);\n"
	    "                        by default TLS is used, unverified, when\n"
	    "                        FEAT offers it; --no-tls never\n"
	    "  --continue, -c        resume: REST from the local size (get),\n"
	    "                        from the remote size (put)\n"
	    "  --ascii               TYPE A transfers (or ;type=a in the URL)\n"
	    "  --timeout SECONDS     per connect and read (default 30)\n"
	    "  --quiet, -q           no progress bar (shown when stderr is a\n"
	    "                        terminal)\n"
	    "  -v                    the control dialogue on stderr\n"
	    "Exit status: 0 ok, 1 a transfer or command failed, 2 usage,\n"
	    "3 cannot connect, 4 login refused, 5 TLS failed.\n", ftpc_main },
	{ "version", "version", "Prints the version.\n", cmd_version },
	{ "help", "help [COMMAND]", "Describes COMMAND, or lists them.\n",
	    cmd_help },
	{ 0 },
};

static const struct cmd *
cmd_find(const char *name)
{
	for (const struct cmd *c = cmds; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static int
cmd_help(int argc, char **argv)
{
	const struct svc_def *const *r = svc_registry();

	if (argc >= 2) {
		const struct cmd *c = cmd_find(argv[1]);
		const struct svc_def *d = svc_find(argv[1]);
		if (c != NULL) {
			print_usage(stdout, c);
			return 0;
		}
		if (d != NULL) {
			printf("usage: inetkit %s [-c FILE]\n%s%s\n", d->name,
			    d->summary, d->start ? "" : " (not built yet)");
			return 0;
		}
		fprintf(stderr, "inetkit: no command \"%s\"\n", argv[1]);
		return 2;
	}
	printf("usage: inetkit COMMAND [ARGS]  (COMMAND --help for more)\n"
	    "Config: -c FILE, default %s if present, else %s\n\nCommands:\n",
	    CONF_LOCAL, CONF_SYSTEM);
	for (const struct cmd *c = cmds; c->name != NULL; c++)
		printf("  %s\n", c->usage);
	printf("\nServices (inetkit SERVICE [-c FILE] runs one in the "
	    "foreground):\n");
	for (size_t i = 0; r[i] != NULL; i++)
		printf("  %-8s %s%s\n", r[i]->name, r[i]->summary,
		    r[i]->start ? "" : " (not built yet)");
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		cmd_help(1, argv);
		return 2;
	}
	const char *name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
		name = "help";
	if (strcmp(name, "--version") == 0)
		name = "version";
	const struct cmd *c = cmd_find(name);
	const struct svc_def *d = c == NULL ? svc_find(name) : NULL;
	if (c == NULL && d == NULL) {
		fprintf(stderr, "inetkit: no command \"%s\" (try inetkit "
		    "help)\n", name);
		return 2;
	}
	if (wants_help(argc - 1, argv + 1)) {
		char *hv[2] = { "help", (char *)name };
		return cmd_help(2, hv);
	}
	if (c != NULL)
		return c->fn(argc - 1, argv + 1);
	return run_service(d, argc - 1, argv + 1);
}
