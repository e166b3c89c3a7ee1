/* dns/dig.c - "inetkit dig": the arguments, the default server (the
 * config's [dns] listener), one query printed as BIND's dig prints it
 * (or +short), and +trace: a walk from the root hints that asks one
 * server of each zone with RD=0 and prints the referral or answer it
 * got, following glue, glue-less NS names (a nested walk from the root)
 * and CNAMEs. Entry point dig_main(). Not here: zone transfers, batch
 * files, host names as @server. */
#include "dns/dig.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/cfg.h"
#include "core/err.h"
#include "core/net.h"
#include "core/svc.h"
#include "dns/resolver.h"
#include "dns/service.h"
#include "dns/stub.h"

#define DIG_CONF_LOCAL		"etc/inetkit.conf"
#define DIG_HINTS_DEFAULT	"/usr/share/dns/root.hints"
#define DIG_PORT		53
#define DIG_EDNS_SIZE		1232	/* DNS flag day 2020 */
#define DIG_TIMEOUT_MS		2000
#define DIG_TRIES		2
#define DIG_TRACE_STEPS		16	/* queries per walk */
#define DIG_TRACE_SENT_MAX	48	/* per trace, nested walks included */
#define DIG_TRACE_DEPTH		3	/* nested walks for glue-less NS */
#define DIG_ANSWER_MAX		256	/* records kept for the final answer */
#define DIG_TEXT_MAX		(4 * DNS_RDATA_MAX + DNS_NAME_TEXT_MAX + 64)
#define DIG_SRV_TEXT		(NET_ADDRSTRLEN + 8)	/* "addr#port" */

#define USAGE	"usage: inetkit dig [@server[:port]] NAME [TYPE] [+tcp] " \
	"[+norec] [+trace] [+short]\n" \
	"           [+time=S] [+tries=N] [+[no]edns] [-p PORT] " \
	"[--hints FILE] [-c FILE]\n"

struct dig_args {
	const char	*server;	/* after the '@', or NULL */
	const char	*name;
	const char	*type;
	const char	*hints;		/* --hints */
	const char	*conf;		/* -c */
	int		 port;		/* -p; -1: not given */
	bool		 rd, is_tcp, is_trace, is_short, has_edns;
	unsigned	 timeout_ms, tries, bufsize;
};

struct dig {
	struct dig_args		 args;
	struct stub_opts	 opts;
	struct arena		*a;	/* every response; freed at the end */
	char			*text;	/* DIG_TEXT_MAX: one record's text */
	bool			 is_quiet;	/* +trace +short: no steps */
	/* The config, loaded when something needs it. */
	bool			 conf_tried;
	int			 conf_err;	/* of that try */
	struct cfg		*cfg;
	const struct dns_conf	*dc;	/* in cfg, or NULL */
	/* +trace */
	struct rslv_hints	 hints;
	uint16_t		 port;
	unsigned		 n_sent;
};

/* ---- arguments ---- */

#define OFF(f)	offsetof(struct dig_args, f)

/* "+name" sets a bool, "+noname" clears it. */
static const struct {
	const char	*name;
	size_t		 off;
} plus_flags[] = {
	{ "tcp", OFF(is_tcp) }, { "vc", OFF(is_tcp) },
	{ "rec", OFF(rd) }, { "recurse", OFF(rd) },
	{ "trace", OFF(is_trace) }, { "short", OFF(is_short) },
	{ "edns", OFF(has_edns) },
	{ 0 },
};

/* "+name=N" stores N * scale + add in an unsigned. */
static const struct {
	const char	*name;
	size_t		 off;
	unsigned	 min, max, scale, add;
} plus_nums[] = {
	{ "time", OFF(timeout_ms), 1, 300, 1000, 0 },	/* seconds, as dig */
	{ "tries", OFF(tries), 1, STUB_TRIES_MAX, 1, 0 },
	{ "retry", OFF(tries), 0, STUB_TRIES_MAX - 1, 1, 1 },
	{ "bufsize", OFF(bufsize), 512, 65535, 1, 0 },
	{ 0 },
};

#undef OFF

static int
usage(const char *why, const char *arg)
{
	fprintf(stderr, "inetkit dig: %s%s\n" USAGE, why, arg);
	return DIG_EXIT_USAGE;
}

static int
parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -IK_EPARSE;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -IK_EPARSE;
	*out = (unsigned)v;
	return 0;
}

static int
parse_plus(const char *opt, struct dig_args *da)
{
	const char *eq = strchr(opt, '=');
	size_t n = eq != NULL ? (size_t)(eq - opt) : strlen(opt);

	for (size_t i = 0; eq != NULL && plus_nums[i].name != NULL; i++) {
		unsigned v;
		if (strlen(plus_nums[i].name) != n ||
		    strncmp(opt, plus_nums[i].name, n) != 0)
			continue;
		if (parse_uint(eq + 1, plus_nums[i].min, plus_nums[i].max,
		    &v) < 0)
			return usage("bad value: +", opt);
		*(unsigned *)((char *)da + plus_nums[i].off) =
		    v * plus_nums[i].scale + plus_nums[i].add;
		return 0;
	}
	bool value = strncmp(opt, "no", 2) != 0;
	const char *name = value ? opt : opt + 2;
	for (size_t i = 0; eq == NULL && plus_flags[i].name != NULL; i++) {
		if (strcmp(name, plus_flags[i].name) == 0) {
			*(bool *)((char *)da + plus_flags[i].off) = value;
			return 0;
		}
	}
	return usage("unknown option: +", opt);
}

/* The argument after option argv[*i]; NULL (usage printed) if none. */
static const char *
opt_arg(int argc, char **argv, int *i)
{
	if (*i + 1 >= argc) {
		(void)usage("missing argument after ", argv[*i]);
		return NULL;
	}
	return argv[++*i];
}

static int
parse_args(int argc, char **argv, struct dig_args *da)
{
	*da = (struct dig_args){ .port = -1, .rd = true, .has_edns = true,
	    .timeout_ms = DIG_TIMEOUT_MS, .tries = DIG_TRIES,
	    .bufsize = DIG_EDNS_SIZE };
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		const char *v = NULL;
		unsigned port;

		if (s[0] == '+') {
			if (parse_plus(s + 1, da) != 0)
				return DIG_EXIT_USAGE;
		} else if (s[0] == '@') {
			if (da->server != NULL || s[1] == '\0')
				return usage("one @server, please: ", s);
			da->server = s + 1;
		} else if (strcmp(s, "-p") == 0) {
			if ((v = opt_arg(argc, argv, &i)) == NULL)
				return DIG_EXIT_USAGE;
			if (parse_uint(v, 1, 65535, &port) < 0)
				return usage("bad port: ", v);
			da->port = (int)port;
		} else if (strcmp(s, "-t") == 0) {
			if ((da->type = opt_arg(argc, argv, &i)) == NULL)
				return DIG_EXIT_USAGE;
		} else if (strcmp(s, "-c") == 0) {
			if ((da->conf = opt_arg(argc, argv, &i)) == NULL)
				return DIG_EXIT_USAGE;
		} else if (strcmp(s, "--hints") == 0) {
			if ((da->hints = opt_arg(argc, argv, &i)) == NULL)
				return DIG_EXIT_USAGE;
		} else if (s[0] == '-' && s[1] != '\0') {
			return usage("unknown option: ", s);
		} else if (strcasecmp(s, "IN") == 0 && da->name != NULL) {
			continue;	/* "dig NAME IN MX": the only class */
		} else if (da->name == NULL) {
			da->name = s;
		} else if (da->type == NULL) {
			da->type = s;
		} else {
			return usage("extra argument: ", s);
		}
	}
	if (da->name == NULL)
		return usage("no name to look up", "");
	return 0;
}

/* ---- config and servers ---- */

/* The [dns] section of -c FILE, or of etc/inetkit.conf when present;
 * d->dc stays NULL without a config. Returns 0, or -1 after saying why. */
static int
conf_load(struct dig *d)
{
	struct cfg_errs errs = { 0 };
	const char *path = d->args.conf;

	if (d->conf_tried)
		return d->conf_err;
	d->conf_tried = true;
	d->conf_err = -1;
	if (path == NULL) {
		if (access(DIG_CONF_LOCAL, R_OK) != 0) {
			d->conf_err = 0;
			return 0;
		}
		path = DIG_CONF_LOCAL;
	}
	if (svc_config_load(path, &d->cfg, &errs) < 0) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msg[i]);
		fprintf(stderr, "inetkit dig: cannot use config %s\n", path);
		cfg_errs_clear(&errs);
		return -1;
	}
	const struct svc_def *def = svc_find("dns");
	d->dc = def != NULL ? svc_conf_of(d->cfg, def) : NULL;
	d->conf_err = 0;
	return 0;
}

/* A server listening on the wildcard address answers on loopback. */
static void
any_to_loopback(struct net_addr *a)
{
	if (a->ss.ss_family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&a->ss;
		if (sin->sin_addr.s_addr == htonl(INADDR_ANY))
			sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	} else if (a->ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->ss;
		if (IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr))
			sin6->sin6_addr = in6addr_loopback;
	}
}

/* @server (its own port, else -p, else 53), else the first [dns]
 * listener of the config (its port unless -p), else 127.0.0.1:53. */
static int
pick_server(struct dig *d, struct net_addr *out)
{
	const struct dig_args *da = &d->args;
	int port = da->port >= 0 ? da->port : DIG_PORT;

	if (da->server != NULL) {
		if (net_addr_parse(da->server, -1, out) == 0 ||
		    net_addr_parse(da->server, port, out) == 0)
			return 0;
		fprintf(stderr, "inetkit dig: @%s: not an IP address "
		    "(host names are not looked up)\n", da->server);
		return -1;
	}
	if (conf_load(d) < 0)
		return -1;
	if (d->dc != NULL && d->dc->listen.n > 0) {
		*out = d->dc->listen.v[0];
		any_to_loopback(out);
		if (da->port >= 0)
			net_addr_set_port(out, (uint16_t)da->port);
		return 0;
	}
	return net_addr_parse("127.0.0.1", port, out);
}

/* ---- output ---- */

static const char *const rcode_names[] = {
	"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
	"YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE",
	[16] = "BADVERS",
};

static const char *const opcode_names[] = {
	"QUERY", "IQUERY", "STATUS", NULL, "NOTIFY", "UPDATE",
};

static const struct {
	uint16_t	 bit;
	const char	*name;
} flag_names[] = {
	{ DNS_F_QR, "qr" }, { DNS_F_AA, "aa" }, { DNS_F_TC, "tc" },
	{ DNS_F_RD, "rd" }, { DNS_F_RA, "ra" }, { DNS_F_AD, "ad" },
	{ DNS_F_CD, "cd" },
};

static const char *const section_names[DNS_S_COUNT] = {
	"ANSWER", "AUTHORITY", "ADDITIONAL",
};

/* names[v], or "RESERVEDv" for a value the table does not name. */
static const char *
table_name(const char *const *names, size_t n, unsigned v, char *buf,
    size_t cap)
{
	if (v < n && names[v] != NULL)
		return names[v];
	snprintf(buf, cap, "RESERVED%u", v);
	return buf;
}

static const char *
rcode_name(unsigned rc, char *buf, size_t cap)
{
	return table_name(rcode_names, sizeof(rcode_names) /
	    sizeof(rcode_names[0]), rc, buf, cap);
}

static const char *
opcode_name(unsigned op, char *buf, size_t cap)
{
	return table_name(opcode_names, sizeof(opcode_names) /
	    sizeof(opcode_names[0]), op, buf, cap);
}

static const char *
name_text(const struct dns_name *n, char *buf, size_t cap)
{
	if (dns_name_to_text(n, buf, cap) < 0)
		snprintf(buf, cap, "?");
	return buf;
}

/* "127.0.0.1#53", as dig writes a server. */
static const char *
srv_text(const struct net_addr *a, char *buf, size_t cap)
{
	char ip[NET_ADDRSTRLEN];

	snprintf(buf, cap, "%s#%u", net_addr_format(a, false, ip, sizeof(ip)),
	    (unsigned)net_addr_port(a));
	return buf;
}

static const char *
err_text(int err)
{
	return err == -ETIMEDOUT ? "timed out" : ik_strerror(err);
}

/* Prints for +trace, unless +short hides the steps. */
static void tracef(struct dig *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
tracef(struct dig *d, const char *fmt, ...)
{
	va_list ap;

	if (d->is_quiet)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

static void
print_rr(struct dig *d, const char *indent, const struct dns_rr *rr)
{
	int n = dns_rr_to_text(rr, d->text, DIG_TEXT_MAX);

	if (n < 0) {
		printf("%s; a record that cannot be shown: %s\n", indent,
		    ik_strerror(n));
		return;
	}
	/* dig puts tabs between owner, TTL, class and type; an owner in
	 * text form escapes its spaces, so the first four are these. */
	char *p = d->text;
	for (int k = 0; k < 4 && (p = strchr(p, ' ')) != NULL; k++)
		*p++ = '\t';
	printf("%s%s\n", indent, d->text);
}

static void
print_short(struct dig *d, const struct dns_rr *rr)
{
	if (dns_rdata_to_text(rr->type, rr->rdata, rr->rdlen, d->text,
	    DIG_TEXT_MAX) < 0)
		printf("; RDATA that cannot be shown\n");
	else
		printf("%s\n", d->text);
}

static void
print_header(const struct dns_msg *m)
{
	char b1[24], b2[24];

	printf(";; ->>HEADER<<- opcode: %s, status: %s, id: %u\n;; flags:",
	    opcode_name(DNS_OPCODE(m->hdr.flags), b1, sizeof(b1)),
	    rcode_name(stub_rcode(m), b2, sizeof(b2)), m->hdr.id);
	for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]);
	    i++)
		if (m->hdr.flags & flag_names[i].bit)
			printf(" %s", flag_names[i].name);
	printf("; QUERY: %u, ANSWER: %u, AUTHORITY: %u, ADDITIONAL: %u\n",
	    m->hdr.qdcount, m->hdr.ancount, m->hdr.nscount, m->hdr.arcount);
	if ((m->hdr.flags & DNS_F_RD) && !(m->hdr.flags & DNS_F_RA))
		printf(";; WARNING: recursion requested but not available\n");
}

static void
print_response(struct dig *d, const struct stub_result *r)
{
	const struct dns_msg *m = &r->msg;
	char name[DNS_NAME_TEXT_MAX + 1], t1[16], t2[16];
	char ip[NET_ADDRSTRLEN], when[64];

	printf(";; Got answer:\n");
	print_header(m);
	printf("\n");
	if (m->edns.present)
		printf(";; OPT PSEUDOSECTION:\n; EDNS: version: %u, flags:%s; "
		    "udp: %u\n", m->edns.version,
		    (m->edns.flags & 0x8000) ? " do" : "", m->edns.udp_size);
	if (m->has_q)
		printf(";; QUESTION SECTION:\n;%s\t\t%s\t%s\n",
		    name_text(&m->q.name, name, sizeof(name)),
		    dns_class_name(m->q.class, t1, sizeof(t1)),
		    dns_type_name(m->q.type, t2, sizeof(t2)));
	for (int s = 0; s < DNS_S_COUNT; s++) {
		if (m->n_rr[s] == 0)
			continue;
		printf("\n;; %s SECTION:\n", section_names[s]);
		for (unsigned i = 0; i < m->n_rr[s]; i++)
			print_rr(d, "", &m->rr[s][i]);
	}
	time_t now = time(NULL);
	struct tm tm;
	if (localtime_r(&now, &tm) == NULL || strftime(when, sizeof(when),
	    "%a %b %d %H:%M:%S %Z %Y", &tm) == 0)
		snprintf(when, sizeof(when), "?");
	net_addr_format(&r->server, false, ip, sizeof(ip));
	printf("\n;; Query time: %u msec\n;; SERVER: %s#%u(%s) (%s)\n"
	    ";; WHEN: %s\n;; MSG SIZE  rcvd: %zu\n\n", r->rtt_ms, ip,
	    (unsigned)net_addr_port(&r->server), ip,
	    r->is_tcp ? "TCP" : "UDP", when, r->len);
}

/* ---- one query ---- */

static int
run_query(struct dig *d, const struct dns_name *name, uint16_t type)
{
	struct net_addr srv;
	struct stub_result r;
	char at[DIG_SRV_TEXT];

	if (pick_server(d, &srv) < 0)
		return DIG_EXIT_USAGE;
	int err = stub_query(&srv, name, type, &d->opts, d->a, &r);
	if (err < 0) {
		printf(";; communications error to %s: %s\n"
		    ";; no servers could be reached\n",
		    srv_text(&srv, at, sizeof(at)), err_text(err));
		return DIG_EXIT_NO_REPLY;
	}
	for (unsigned i = 0; d->args.is_short && i < r.msg.n_rr[DNS_S_AN]; i++)
		print_short(d, &r.msg.rr[DNS_S_AN][i]);
	if (!d->args.is_short)
		print_response(d, &r);
	return DIG_EXIT_OK;
}

/* ---- +trace ---- */

/* The servers of the zone a walk has reached. */
struct zone_srv {
	struct dns_name	 zone;
	struct net_addr	 addr[RSLV_SERVERS_MAX];
	unsigned	 n;
};

enum walk_end {
	WALK_MOVED,	/* (internal) went on to another zone */
	WALK_ANSWER,	/* the records asked for, maybe after CNAMEs */
	WALK_NEGATIVE,	/* NXDOMAIN, or no data of the type */
	WALK_FAIL,	/* responses, but no way on (lame, loop, limits) */
	WALK_SILENT,	/* no server of a zone answered at all */
};

/* One walk from the root: the user's question, or (nested) the address
 * of a name server given without glue. */
struct walk {
	unsigned	 depth;		/* 0: the user's question */
	char		 indent[2 * DIG_TRACE_DEPTH + 1];
	struct dns_name	 target;	/* the name asked now */
	uint16_t	 type;
	unsigned	 steps;
	unsigned	 n_cname;
	unsigned	 rcode;		/* of the last response */
	/* CNAMEs, then the answer: records in the dig's arena. */
	const struct dns_rr *ans[DIG_ANSWER_MAX];
	unsigned	 n_ans;
	bool		 is_cut;	/* more records than ans holds */
};

static enum walk_end walk(struct dig *d, struct walk *w);

static int
hints_load(struct dig *d)
{
	struct cfg_errs errs = { 0 };
	const char *path = d->args.hints;
	int port = d->args.port;

	if ((path == NULL || port < 0) && conf_load(d) < 0)
		return -1;
	if (path == NULL)
		path = d->dc != NULL && d->dc->root_hints != NULL &&
		    d->dc->root_hints[0] != '\0' ? d->dc->root_hints :
		    DIG_HINTS_DEFAULT;
	if (port < 0)
		port = d->dc != NULL ? d->dc->upstream_port : DIG_PORT;
	d->port = (uint16_t)port;
	if (rslv_hints_load(path, d->port, &d->hints, &errs) < 0) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msg[i]);
		fprintf(stderr, "inetkit dig: no root hints from %s%s\n", path,
		    errs.n == 0 ? " (cannot read it)" : "");
		cfg_errs_clear(&errs);
		return -1;
	}
	return 0;
}

static void
srv_root(struct dig *d, struct zone_srv *z)
{
	dns_name_root(&z->zone);
	z->n = d->hints.n;
	memcpy(z->addr, d->hints.addr, d->hints.n * sizeof(z->addr[0]));
}

static void
srv_add(struct zone_srv *z, const struct net_addr *a)
{
	for (unsigned i = 0; i < z->n; i++)
		if (net_addr_same_ip(&z->addr[i], a) &&
		    net_addr_port(&z->addr[i]) == net_addr_port(a))
			return;
	if (z->n < RSLV_SERVERS_MAX)
		z->addr[z->n++] = *a;
}

static void
keep(struct walk *w, const struct dns_rr *rr)
{
	if (w->n_ans < DIG_ANSWER_MAX)
		w->ans[w->n_ans++] = rr;
	else
		w->is_cut = true;
}

static void
print_section(struct dig *d, const struct walk *w, const struct dns_msg *m,
    enum dns_section s)
{
	char indent[sizeof(w->indent) + 2];

	if (d->is_quiet)
		return;
	snprintf(indent, sizeof(indent), "%s  ", w->indent);
	for (unsigned i = 0; i < m->n_rr[s]; i++)
		print_rr(d, indent, &m->rr[s][i]);
}

/* "  ;; WHAT [ZONE] from SERVER in T ms (N bytes)" closes each step. */
static void
print_got(struct dig *d, const struct walk *w, const struct stub_result *r,
    const char *what, const struct dns_name *zone)
{
	char at[DIG_SRV_TEXT], zt[DNS_NAME_TEXT_MAX + 1];

	tracef(d, "%s  ;; %s%s%s from %s in %u ms (%zu bytes%s)\n",
	    w->indent, what, zone != NULL ? " " : "",
	    zone != NULL ? name_text(zone, zt, sizeof(zt)) : "",
	    srv_text(&r->server, at, sizeof(at)), r->rtt_ms, r->len,
	    r->is_tcp ? ", TCP" : "");
}

/* Asks the servers of `z` in turn until one gives NOERROR or NXDOMAIN.
 * Returns WALK_MOVED with *r set, else WALK_SILENT or WALK_FAIL. */
static enum walk_end
ask_zone(struct dig *d, struct walk *w, const struct zone_srv *z,
    struct stub_result *r)
{
	char at[DIG_SRV_TEXT], zt[DNS_NAME_TEXT_MAX + 1];
	char nt[DNS_NAME_TEXT_MAX + 1], tt[16], st[24];
	bool any_reply = false;

	name_text(&z->zone, zt, sizeof(zt));
	for (unsigned i = 0; i < z->n; i++) {
		if (w->steps >= DIG_TRACE_STEPS ||
		    d->n_sent >= DIG_TRACE_SENT_MAX) {
			tracef(d, "%s;; too many queries: giving up\n",
			    w->indent);
			return WALK_FAIL;
		}
		w->steps++;
		d->n_sent++;
		srv_text(&z->addr[i], at, sizeof(at));
		tracef(d, "%sstep %u: asked %s (%s servers) for %s %s\n",
		    w->indent, w->steps, at, zt,
		    name_text(&w->target, nt, sizeof(nt)),
		    dns_type_name(w->type, tt, sizeof(tt)));
		int err = stub_query(&z->addr[i], &w->target, w->type,
		    &d->opts, d->a, r);
		if (err < 0) {
			tracef(d, "%s  ;; no response from %s: %s\n",
			    w->indent, at, err_text(err));
			continue;
		}
		any_reply = true;
		w->rcode = stub_rcode(&r->msg);
		if (w->rcode == DNS_R_NOERROR || w->rcode == DNS_R_NXDOMAIN)
			return WALK_MOVED;
		tracef(d, "%s  ;; %s from %s: asking another server\n",
		    w->indent, rcode_name(w->rcode, st, sizeof(st)), at);
	}
	tracef(d, "%s;; no server of %s gave an answer\n", w->indent, zt);
	return any_reply ? WALK_FAIL : WALK_SILENT;
}

/* Takes from the answer section what answers the target, following
 * CNAMEs inside it (the target moves along). True when the records of
 * the type asked were found. */
static bool
take_answer(struct walk *w, const struct dns_msg *m)
{
	for (unsigned hop = 0; hop <= RSLV_CHAIN_MAX; hop++) {
		struct dns_name next;
		bool is_final = false, has_cname = false;

		for (unsigned i = 0; i < m->n_rr[DNS_S_AN]; i++) {
			const struct dns_rr *rr = &m->rr[DNS_S_AN][i];
			if (!dns_name_equal(&rr->name, &w->target))
				continue;
			if (rr->type == w->type || w->type == DNS_T_ANY) {
				keep(w, rr);
				is_final = true;
			} else if (rr->type == DNS_T_CNAME && !has_cname &&
			    dns_rdata_target(DNS_T_CNAME, rr->rdata,
			    rr->rdlen, &next) == 0) {
				keep(w, rr);
				has_cname = true;
			}
		}
		if (is_final)
			return true;
		if (!has_cname || ++w->n_cname > RSLV_CHAIN_MAX)
			return false;
		w->target = next;
	}
	return false;
}

/* Addresses for name servers named without glue: a nested walk from the
 * root for each name, A then AAAA, until one gives some. */
static enum walk_end
resolve_ns(struct dig *d, struct walk *w, const struct dns_name *ns,
    unsigned n_ns, struct zone_srv *next)
{
	static const uint16_t types[] = { DNS_T_A, DNS_T_AAAA };
	char nt[DNS_NAME_TEXT_MAX + 1], tt[16], zt[DNS_NAME_TEXT_MAX + 1];
	enum walk_end end = WALK_FAIL;

	name_text(&next->zone, zt, sizeof(zt));
	if (w->depth >= DIG_TRACE_DEPTH) {
		tracef(d, "%s;; no glue for %s, and lookups for glue nest "
		    "too deep\n", w->indent, zt);
		return WALK_FAIL;
	}
	for (unsigned i = 0; i < n_ns && next->n == 0; i++) {
		for (size_t t = 0; t < 2 && next->n == 0; t++) {
			struct walk *c = calloc(1, sizeof(*c));
			struct net_addr a;
			if (c == NULL)
				return WALK_FAIL;
			c->depth = w->depth + 1;
			memset(c->indent, ' ', 2 * c->depth);
			c->target = ns[i];
			c->type = types[t];
			tracef(d, "%s  ;; no glue for %s: looking up %s %s "
			    "from the root\n", w->indent, zt,
			    name_text(&ns[i], nt, sizeof(nt)),
			    dns_type_name(types[t], tt, sizeof(tt)));
			end = walk(d, c);
			for (unsigned k = 0; end == WALK_ANSWER && k < c->n_ans;
			    k++)
				if (stub_rr_addr(c->ans[k], d->port, &a) == 0)
					srv_add(next, &a);
			free(c);
		}
	}
	if (next->n == 0) {
		tracef(d, "%s;; no address for any server of %s\n",
		    w->indent, zt);
		return end == WALK_SILENT ? WALK_SILENT : WALK_FAIL;
	}
	return WALK_MOVED;
}

/* A referral from a server of `z`: the NS set of a zone below it and at
 * or above the target. Prints it and moves `z` there. Returns WALK_MOVED,
 * WALK_NEGATIVE when there is none, or how a glue-less lookup ended. */
static enum walk_end
follow_referral(struct dig *d, struct walk *w, const struct stub_result *r,
    struct zone_srv *z)
{
	const struct dns_msg *m = &r->msg;
	struct zone_srv next = { 0 };
	struct dns_name ns[RSLV_SERVERS_MAX];
	unsigned n_ns = 0;
	char indent[sizeof(w->indent) + 2];
	bool found = false;

	for (unsigned i = 0; i < m->n_rr[DNS_S_NS] && !found; i++) {
		const struct dns_rr *rr = &m->rr[DNS_S_NS][i];
		if (rr->type == DNS_T_NS &&
		    rr->name.n_labels > z->zone.n_labels &&
		    dns_name_is_sub(&rr->name, &z->zone) &&
		    dns_name_is_sub(&w->target, &rr->name)) {
			next.zone = rr->name;
			found = true;
		}
	}
	if (!found)
		return WALK_NEGATIVE;
	snprintf(indent, sizeof(indent), "%s  ", w->indent);
	for (unsigned i = 0; i < m->n_rr[DNS_S_NS]; i++) {
		const struct dns_rr *rr = &m->rr[DNS_S_NS][i];
		if (rr->type != DNS_T_NS || !dns_name_equal(&rr->name,
		    &next.zone))
			continue;
		if (!d->is_quiet)
			print_rr(d, indent, rr);
		if (n_ns < RSLV_SERVERS_MAX && dns_rdata_target(DNS_T_NS,
		    rr->rdata, rr->rdlen, &ns[n_ns]) == 0)
			n_ns++;
	}
	/* Glue only for names inside the zone of the server that gave it,
	 * as the resolver takes it: anything else could be forged. */
	for (unsigned i = 0; i < m->n_rr[DNS_S_AR]; i++) {
		const struct dns_rr *rr = &m->rr[DNS_S_AR][i];
		struct net_addr a;
		for (unsigned j = 0; j < n_ns; j++) {
			if (!dns_name_equal(&rr->name, &ns[j]) ||
			    !dns_name_is_sub(&ns[j], &z->zone) ||
			    stub_rr_addr(rr, d->port, &a) < 0)
				continue;
			if (!d->is_quiet)
				print_rr(d, indent, rr);
			srv_add(&next, &a);
			break;
		}
	}
	print_got(d, w, r, "referral to", &next.zone);
	if (next.n == 0) {
		enum walk_end end = resolve_ns(d, w, ns, n_ns, &next);
		if (end != WALK_MOVED)
			return end;
	}
	*z = next;
	return WALK_MOVED;
}

/* What one response means for the walk. */
static enum walk_end
on_response(struct dig *d, struct walk *w, const struct stub_result *r,
    struct zone_srv *z)
{
	const struct dns_msg *m = &r->msg;
	char nt[DNS_NAME_TEXT_MAX + 1];
	unsigned n_cname = w->n_cname;

	if (w->rcode == DNS_R_NXDOMAIN) {
		print_section(d, w, m, DNS_S_NS);
		print_got(d, w, r, "NXDOMAIN", NULL);
		return WALK_NEGATIVE;
	}
	if (take_answer(w, m)) {
		print_section(d, w, m, DNS_S_AN);
		print_got(d, w, r, "answer", NULL);
		return WALK_ANSWER;
	}
	if (w->n_cname != n_cname) {
		print_section(d, w, m, DNS_S_AN);
		print_got(d, w, r, "CNAME", NULL);
		if (w->n_cname > RSLV_CHAIN_MAX) {
			tracef(d, "%s;; CNAME chain too long\n", w->indent);
			return WALK_FAIL;
		}
		/* The target may lie in any zone: start again at the top. */
		tracef(d, "%s  ;; following the CNAME to %s from the root\n",
		    w->indent, name_text(&w->target, nt, sizeof(nt)));
		srv_root(d, z);
		return WALK_MOVED;
	}
	enum walk_end end = follow_referral(d, w, r, z);
	if (end != WALK_NEGATIVE)
		return end;
	/* RFC 2308 2.2: no data, said with the zone's SOA (or AA). */
	bool has_soa = false;
	for (unsigned i = 0; i < m->n_rr[DNS_S_NS]; i++)
		has_soa |= m->rr[DNS_S_NS][i].type == DNS_T_SOA;
	if (has_soa || (m->hdr.flags & DNS_F_AA)) {
		print_section(d, w, m, DNS_S_NS);
		print_got(d, w, r, "no data", NULL);
		return WALK_NEGATIVE;
	}
	print_got(d, w, r, "neither an answer nor a referral", NULL);
	return WALK_FAIL;
}

static enum walk_end
walk(struct dig *d, struct walk *w)
{
	struct zone_srv z;
	struct stub_result r;

	srv_root(d, &z);
	for (;;) {
		enum walk_end end = ask_zone(d, w, &z, &r);
		if (end != WALK_MOVED)
			return end;
		end = on_response(d, w, &r, &z);
		if (end != WALK_MOVED)
			return end;
	}
}

static int
run_trace(struct dig *d, const struct dns_name *name, uint16_t type)
{
	struct walk *w = calloc(1, sizeof(*w));
	char b[24];
	int status = DIG_EXIT_NO_REPLY;

	if (w == NULL)
		return DIG_EXIT_USAGE;
	if (d->args.server != NULL)
		fprintf(stderr, "inetkit dig: +trace starts at the root "
		    "hints; @%s is not used\n", d->args.server);
	if (hints_load(d) < 0) {
		status = DIG_EXIT_USAGE;
		goto out;
	}
	w->target = *name;
	w->type = type;
	enum walk_end end = walk(d, w);
	if (end == WALK_ANSWER || end == WALK_NEGATIVE) {
		status = DIG_EXIT_OK;
		if (!d->args.is_short)
			printf("\n;; trace: status: %s, ANSWER: %u, %u "
			    "queries\n%s", rcode_name(w->rcode, b, sizeof(b)),
			    w->n_ans, d->n_sent,
			    w->n_ans > 0 ? "\n;; ANSWER SECTION:\n" : "");
		for (unsigned i = 0; i < w->n_ans; i++) {
			if (d->args.is_short)
				print_short(d, w->ans[i]);
			else
				print_rr(d, "", w->ans[i]);
		}
		if (w->is_cut)
			printf(";; (only the first %d records kept)\n",
			    DIG_ANSWER_MAX);
		if (!d->args.is_short)
			printf("\n");
	} else {
		printf(";; trace failed after %u queries\n", d->n_sent);
	}
out:
	free(w);
	return status;
}

/* ---- main ---- */

int
dig_main(int argc, char **argv)
{
	struct dig d = { 0 };
	struct dns_name root, name;
	uint16_t type = DNS_T_A;
	int status = parse_args(argc, argv, &d.args);

	if (status != 0)
		return status;
	dns_name_root(&root);
	if (dns_name_from_text(d.args.name, strlen(d.args.name), &root,
	    &name) < 0)
		return usage("not a domain name: ", d.args.name);
	if (d.args.type != NULL && dns_type_from_text(d.args.type,
	    strlen(d.args.type), &type) < 0)
		return usage("unknown type: ", d.args.type);
	if (type == DNS_T_AXFR || type == DNS_T_IXFR || type == DNS_T_OPT)
		return usage("not a query type for dig: ", d.args.type);
	d.opts = (struct stub_opts){
		.flags = (d.args.rd && !d.args.is_trace ? STUB_F_RD : 0) |
		    (d.args.is_tcp ? STUB_F_TCP : 0),
		.edns_size = d.args.has_edns ? (uint16_t)d.args.bufsize : 0,
		.timeout_ms = d.args.timeout_ms,
		.tries = d.args.tries,
	};
	d.is_quiet = d.args.is_trace && d.args.is_short;
	d.a = arena_new(65536);
	d.text = malloc(DIG_TEXT_MAX);
	if (d.a == NULL || d.text == NULL) {
		fprintf(stderr, "inetkit dig: out of memory\n");
		status = DIG_EXIT_USAGE;
		goto out;
	}
	if (!d.args.is_short) {
		printf("\n; <<>> inetkit dig <<>>");
		for (int i = 1; i < argc; i++)
			printf(" %s", argv[i]);
		printf("\n");
	}
	status = d.args.is_trace ? run_trace(&d, &name, type) :
	    run_query(&d, &name, type);
out:
	free(d.text);
	arena_free(&d.a);
	cfg_free(&d.cfg);
	return status;
}
