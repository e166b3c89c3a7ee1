/* tests/unit/core/test_cfg.c - the typed INI loader against a test schema:
 * a single section [main] with a key of every cfg_type and a named section
 * [zone NAME] with a required key and a check callback. Good values per
 * type, every bad value giving exactly one "file:line:" error, structural
 * errors, comments, CRLF, BOM, long lines, NUL bytes and file errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cfg.h"
#include "core/err.h"
#include "core/log.h"
#include "core/net.h"

#define FILE_NAME	"t.conf"
#define GIB		(1ll << 30)
#define DAY_MS		86400000ll

struct main_conf {
	bool			 flag;
	int			 count;
	uint64_t		 size;
	uint64_t		 timeout_ms;
	char			*name;
	char			*dir;
	struct net_addr		 listen;
	struct net_addrs	 listens;
	struct net_cidr		 net;
	struct net_cidrs	 allow;
	struct cfg_portrange	 ports;
	enum log_level		 level;
	int			 plain;		/* CFG_INT without a range */
};

#define M(f)	offsetof(struct main_conf, f)

static const struct cfg_key main_keys[] = {
	{ "flag", CFG_BOOL, M(flag), "no", 0, 0, NULL },
	{ "count", CFG_INT, M(count), "10", -5, 100, NULL },
	{ "size", CFG_SIZE, M(size), "64K", 512, 2 * GIB, NULL },
	{ "timeout", CFG_DURATION, M(timeout_ms), "30s", 250, 7 * DAY_MS,
	    NULL },
	{ "name", CFG_STR, M(name), "x", 0, 16, NULL },
	{ "dir", CFG_PATH, M(dir), "./var", 0, 0, NULL },
	{ "listen", CFG_ADDRPORT, M(listen), "127.0.0.1:53", 53, 0, NULL },
	{ "listens", CFG_ADDRPORTS, M(listens), "127.0.0.1:53 [::1]:53", 53, 0,
	    NULL },
	{ "net", CFG_CIDR, M(net), "10.0.0.0/8", 0, 0, NULL },
	{ "allow", CFG_CIDRS, M(allow), "127.0.0.0/8 ::1", 0, 0, NULL },
	{ "ports", CFG_PORTRANGE, M(ports), "50000-50100", 0, 0, NULL },
	{ "level", CFG_LEVEL, M(level), "info", 0, 0, NULL },
	{ "plain", CFG_INT, M(plain), "0", 0, 0, NULL },
	{ 0 },
};

struct zone_conf {
	char	*origin;
	char	*file;
	int	 ttl;
};

#define Z(f)	offsetof(struct zone_conf, f)

static const struct cfg_key zone_keys[] = {
	{ "origin", CFG_STR, Z(origin), NULL, 0, 0, NULL },
	{ "file", CFG_PATH, Z(file), "zones/db", 0, 0, NULL },
	{ "ttl", CFG_INT, Z(ttl), "3600", 0, 86400, NULL },
	{ 0 },
};

static int
zone_check(void *obj, const char *name, struct cfg_errs *e, const char *file,
    int line)
{
	struct zone_conf *z = obj;

	/* A missing origin is reported by the loader already. */
	if (z->origin == NULL)
		return 0;
	size_t n = strlen(z->origin);
	if (n == 0 || z->origin[n - 1] != '.') {
		cfg_errf(e, file, line, "[zone %s] origin must end with '.'",
		    name);
		return -IK_ECONFIG;
	}
	return 0;
}

static const struct cfg_section main_sec = {
	"main", 0, sizeof(struct main_conf), main_keys, NULL,
};
static const struct cfg_section zone_sec = {
	"zone", CFG_SEC_NAMED, sizeof(struct zone_conf), zone_keys, zone_check,
};
static const struct cfg_section *const schema[] = { &main_sec, &zone_sec,
    NULL };

/* ---- helpers ---- */

static int
load(const char *text, struct cfg **c, struct cfg_errs *e)
{
	memset(e, 0, sizeof(*e));
	int rc = cfg_load_string(text, FILE_NAME, schema, c, e);
	if (rc == 0) {
		assert_non_null(*c);
		assert_int_equal(e->n, 0);
	} else {
		assert_null(*c);
	}
	return rc;
}

static void
dump_errs(const struct cfg_errs *e)
{
	for (size_t i = 0; i < e->n; i++)
		print_message("  err[%zu] %s\n", i, e->msg[i]);
}

/* Loads text that must succeed; returns [main]. Errors are freed before
 * any assertion, so a failing test does not also leak. */
static const struct main_conf *
load_ok(const char *text, struct cfg **c)
{
	struct cfg_errs e;

	int rc = load(text, c, &e);
	if (rc != 0) {
		print_message("unexpected failure %d for:\n%.300s\n", rc,
		    text);
		dump_errs(&e);
	}
	cfg_errs_clear(&e);
	assert_int_equal(rc, 0);
	const struct main_conf *m = cfg_get(*c, "main");
	assert_non_null(m);
	return m;
}

/* Loads text that must fail with exactly one error beginning `prefix`
 * (and containing `needle` when not NULL). */
static void
load_one_err(const char *text, const char *prefix, const char *needle)
{
	struct cfg *c = NULL;
	struct cfg_errs e;

	int rc = load(text, &c, &e);
	bool is_one = e.n == 1;
	bool has_prefix = is_one &&
	    strncmp(e.msg[0], prefix, strlen(prefix)) == 0;
	bool has_needle = is_one &&
	    (needle == NULL || strstr(e.msg[0], needle) != NULL);
	if (!is_one || !has_prefix || !has_needle) {
		print_message("want one error '%s...%s' for:\n%.300s\n",
		    prefix, needle != NULL ? needle : "", text);
		dump_errs(&e);
	}
	cfg_errs_clear(&e);
	cfg_free(&c);
	assert_int_equal(rc, -IK_ECONFIG);
	assert_true(is_one);
	assert_true(has_prefix);
	assert_true(has_needle);
}

static const char *
fmt_addr(const struct net_addr *a, char *buf)
{
	return net_addr_format(a, true, buf, NET_ADDRSTRLEN);
}

static const char *
fmt_cidr(const struct net_cidr *c, char *buf)
{
	return net_cidr_format(c, buf, NET_ADDRSTRLEN);
}

/* "[main]\nKEY = VAL\n" */
static char *
main_text(const char *key, const char *val)
{
	char *t;

	assert_true(asprintf(&t, "[main]\n%s = %s\n", key, val) > 0);
	return t;
}

/* ---- defaults ---- */

static void
check_defaults(const struct main_conf *m)
{
	char b[NET_ADDRSTRLEN];

	assert_false(m->flag);
	assert_int_equal(m->count, 10);
	assert_int_equal(m->size, 65536);
	assert_int_equal(m->timeout_ms, 30000);
	assert_string_equal(m->name, "x");
	assert_string_equal(m->dir, "./var");
	assert_string_equal(fmt_addr(&m->listen, b), "127.0.0.1:53");
	assert_int_equal(m->listens.n, 2);
	assert_string_equal(fmt_addr(&m->listens.v[0], b), "127.0.0.1:53");
	assert_string_equal(fmt_addr(&m->listens.v[1], b), "[::1]:53");
	assert_string_equal(fmt_cidr(&m->net, b), "10.0.0.0/8");
	assert_int_equal(m->allow.n, 2);
	assert_string_equal(fmt_cidr(&m->allow.v[0], b), "127.0.0.0/8");
	assert_string_equal(fmt_cidr(&m->allow.v[1], b), "::1/128");
	assert_int_equal(m->ports.lo, 50000);
	assert_int_equal(m->ports.hi, 50100);
	assert_int_equal(m->level, LOG_LV_INFO);
}

static void
test_defaults_empty_file(void **state)
{
	struct cfg *c = NULL;
	size_t it = 0;
	(void)state;

	check_defaults(load_ok("", &c));
	assert_null(cfg_next(c, "zone", &it));
	assert_null(cfg_get(c, "zone"));	/* named: not a single */
	assert_null(cfg_get(c, "nope"));
	assert_string_equal(c->path, FILE_NAME);
	cfg_free(&c);
	assert_null(c);
}

static void
test_defaults_section_present(void **state)
{
	struct cfg *c = NULL;
	(void)state;

	check_defaults(load_ok("[main]\n", &c));
	cfg_free(&c);
	/* One key set, the others keep their defaults. */
	const struct main_conf *m = load_ok("[main]\ncount = 7\n", &c);
	assert_int_equal(m->count, 7);
	assert_int_equal(m->size, 65536);
	assert_string_equal(m->name, "x");
	cfg_free(&c);
}

static void
test_defaults_zone(void **state)
{
	struct cfg *c = NULL;
	size_t it = 0;
	(void)state;

	load_ok("[zone example.]\norigin = example.\n", &c);
	const struct cfg_item *zi = cfg_next(c, "zone", &it);
	assert_non_null(zi);
	assert_string_equal(zi->name, "example.");
	assert_int_equal(zi->line, 1);
	const struct zone_conf *z = zi->obj;
	assert_string_equal(z->origin, "example.");
	assert_string_equal(z->file, "zones/db");
	assert_int_equal(z->ttl, 3600);
	assert_null(cfg_next(c, "zone", &it));
	/* [main] absent from the file: defaulted, line 0. */
	check_defaults(cfg_get(c, "main"));
	cfg_free(&c);
}

/* ---- good values per type ---- */

static void
test_bool_spellings(void **state)
{
	static const struct {
		const char	*text;
		bool		 val;
	} tab[] = {
		{ "yes", true }, { "no", false }, { "true", true },
		{ "false", false }, { "on", true }, { "off", false },
		{ "1", true }, { "0", false }, { "YES", true }, { "Off", false },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		struct cfg *c = NULL;
		char *t = main_text("flag", tab[i].text);
		assert_int_equal(load_ok(t, &c)->flag, tab[i].val);
		cfg_free(&c);
		free(t);

		bool b = !tab[i].val;
		assert_int_equal(cfg_parse_bool(tab[i].text, &b), 0);
		assert_int_equal(b, tab[i].val);
	}
}

static void
test_int_range(void **state)
{
	static const struct {
		const char	*text;
		int		 val;
	} tab[] = {
		{ "-5", -5 }, { "100", 100 }, { "0", 0 }, { "42", 42 },
		{ "+7", 7 },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		struct cfg *c = NULL;
		char *t = main_text("count", tab[i].text);
		assert_int_equal(load_ok(t, &c)->count, tab[i].val);
		cfg_free(&c);
		free(t);
	}
	/* without a range: the whole of int */
	struct cfg *c = NULL;
	assert_int_equal(load_ok("[main]\nplain = 2147483647\n", &c)->plain,
	    2147483647);
	cfg_free(&c);
	assert_int_equal(load_ok("[main]\nplain = -2147483648\n", &c)->plain,
	    -2147483647 - 1);
	cfg_free(&c);
}

/* A key without a range must still refuse what an int cannot hold,
 * rather than wrap (4294967297 would load as 1). */
static void
test_int_without_range_overflow(void **state)
{
	(void)state;

	load_one_err("[main]\nplain = 4294967297\n", FILE_NAME ":2: ",
	    "plain");
	load_one_err("[main]\nplain = 2147483648\n", FILE_NAME ":2: ",
	    "plain");
	load_one_err("[main]\nplain = -2147483649\n", FILE_NAME ":2: ",
	    "plain");
}

static void
test_sizes(void **state)
{
	static const struct {
		const char	*text;
		uint64_t	 val;
	} tab[] = {
		{ "512", 512 }, { "64K", 64 << 10 }, { "64M", 64 << 20 },
		{ "2G", 2ull << 30 }, { "1k", 1024 }, { "1KB", 1024 },
		{ "600b", 600 }, { "1mb", 1 << 20 },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		struct cfg *c = NULL;
		char *t = main_text("size", tab[i].text);
		assert_int_equal(load_ok(t, &c)->size, tab[i].val);
		cfg_free(&c);
		free(t);

		uint64_t u = 0;
		assert_int_equal(cfg_parse_size(tab[i].text, &u), 0);
		assert_int_equal(u, tab[i].val);
	}
	uint64_t u;
	assert_int_equal(cfg_parse_size("1T", &u), 0);
	assert_int_equal(u, 1ull << 40);
	assert_int_equal(cfg_parse_size("99999999999999999999", &u),
	    -IK_ELIMIT);
	assert_int_equal(cfg_parse_size("17179869184G", &u), -IK_ELIMIT);
	assert_int_equal(cfg_parse_size("1Q", &u), -IK_EPARSE);
	assert_int_equal(cfg_parse_size("", &u), -IK_EPARSE);
	assert_int_equal(cfg_parse_size("-1", &u), -IK_EPARSE);
}

static void
test_durations(void **state)
{
	static const struct {
		const char	*text;
		uint64_t	 val;
	} tab[] = {
		{ "250ms", 250 }, { "30s", 30000 }, { "5m", 300000 },
		{ "2h", 7200000 }, { "7d", 7 * DAY_MS }, { "30", 30000 },
		{ "1", 1000 }, { "1500ms", 1500 }, { "2S", 2000 },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		struct cfg *c = NULL;
		char *t = main_text("timeout", tab[i].text);
		assert_int_equal(load_ok(t, &c)->timeout_ms, tab[i].val);
		cfg_free(&c);
		free(t);

		uint64_t u = 0;
		assert_int_equal(cfg_parse_duration_ms(tab[i].text, &u), 0);
		assert_int_equal(u, tab[i].val);
	}
	uint64_t u;
	assert_int_equal(cfg_parse_duration_ms("0", &u), 0);
	assert_int_equal(u, 0);
	assert_int_equal(cfg_parse_duration_ms("1w", &u), -IK_EPARSE);
	assert_int_equal(cfg_parse_duration_ms("ms", &u), -IK_EPARSE);
	assert_int_equal(cfg_parse_duration_ms("1.5s", &u), -IK_EPARSE);
}

static void
test_str_and_path(void **state)
{
	struct cfg *c = NULL;
	(void)state;

	/* max = 16: 16 bytes fit */
	const struct main_conf *m = load_ok("[main]\nname = 0123456789abcdef\n"
	    "dir = rel/dir\n", &c);
	assert_string_equal(m->name, "0123456789abcdef");
	assert_string_equal(m->dir, "rel/dir");
	cfg_free(&c);
	/* inner spaces and '=' kept, outer spaces trimmed */
	m = load_ok("[main]\nname =  a = b  \ndir=/abs/p\n", &c);
	assert_string_equal(m->name, "a = b");
	assert_string_equal(m->dir, "/abs/p");
	cfg_free(&c);
	m = load_ok("[main]\nname =\n", &c);
	assert_string_equal(m->name, "");
	cfg_free(&c);
}

static void
test_addrport(void **state)
{
	static const struct {
		const char	*text;
		const char	*want;
	} tab[] = {
		{ "1.2.3.4:80", "1.2.3.4:80" },
		{ "[::1]:8053", "[::1]:8053" },
		{ "[2001:db8::1]:53", "[2001:db8::1]:53" },
		{ "*:53", "[::]:53" },
		{ "*:5353", "[::]:5353" },
		{ "0.0.0.0:1", "0.0.0.0:1" },
		{ "10.0.0.1", "10.0.0.1:53" },		/* default port */
		{ "::1", "[::1]:53" },
		{ "[fe80::1]", "[fe80::1]:53" },
	};
	char b[NET_ADDRSTRLEN];
	(void)state;

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		struct cfg *c = NULL;
		char *t = main_text("listen", tab[i].text);
		assert_string_equal(fmt_addr(&load_ok(t, &c)->listen, b),
		    tab[i].want);
		cfg_free(&c);
		free(t);
	}
}

static void
test_addrports(void **state)
{
	struct cfg *c = NULL;
	char b[NET_ADDRSTRLEN];
	(void)state;

	const struct main_conf *m = load_ok("[main]\nlisten"
	    "s = 127.0.0.1:1 [::1]:2,10.0.0.1 ,  *:4,,\t[::2]\n", &c);
	assert_int_equal(m->listens.n, 5);
	assert_string_equal(fmt_addr(&m->listens.v[0], b), "127.0.0.1:1");
	assert_string_equal(fmt_addr(&m->listens.v[1], b), "[::1]:2");
	assert_string_equal(fmt_addr(&m->listens.v[2], b), "10.0.0.1:53");
	assert_string_equal(fmt_addr(&m->listens.v[3], b), "[::]:4");
	assert_string_equal(fmt_addr(&m->listens.v[4], b), "[::2]:53");
	cfg_free(&c);
	m = load_ok("[main]\nlistens = 1.1.1.1:7\n", &c);
	assert_int_equal(m->listens.n, 1);
	cfg_free(&c);
	/* Empty: an empty list, not the default */
	m = load_ok("[main]\nlistens =\n", &c);
	assert_int_equal(m->listens.n, 0);
	cfg_free(&c);
}

static void
test_cidr_and_cidrs(void **state)
{
	struct cfg *c = NULL;
	char b[NET_ADDRSTRLEN];
	(void)state;

	const struct main_conf *m = load_ok("[main]\nnet = 192.168.0.0/16\n"
	    "allow = 10.0.0.0/8, fd00::/8 192.168.1.1,::1 10.0.0.32/27\n", &c);
	assert_string_equal(fmt_cidr(&m->net, b), "192.168.0.0/16");
	assert_int_equal(m->allow.n, 5);
	assert_string_equal(fmt_cidr(&m->allow.v[0], b), "10.0.0.0/8");
	assert_string_equal(fmt_cidr(&m->allow.v[1], b), "fd00::/8");
	assert_string_equal(fmt_cidr(&m->allow.v[2], b), "192.168.1.1/32");
	assert_string_equal(fmt_cidr(&m->allow.v[3], b), "::1/128");
	assert_string_equal(fmt_cidr(&m->allow.v[4], b), "10.0.0.32/27");
	cfg_free(&c);

	m = load_ok("[main]\nallow =\n", &c);
	assert_int_equal(m->allow.n, 0);
	assert_null(m->allow.v);
	cfg_free(&c);
	m = load_ok("[main]\nallow = ,  ,\n", &c);
	assert_int_equal(m->allow.n, 0);
	cfg_free(&c);
	m = load_ok("[main]\nnet = ::/0\n", &c);
	assert_string_equal(fmt_cidr(&m->net, b), "::/0");
	cfg_free(&c);
}

static void
test_portrange(void **state)
{
	static const struct {
		const char	*text;
		uint16_t	 lo, hi;
	} tab[] = {
		{ "21", 21, 21 }, { "50000-50100", 50000, 50100 },
		{ "1-65535", 1, 65535 }, { "65535", 65535, 65535 },
		{ "7-7", 7, 7 },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		struct cfg *c = NULL;
		char *t = main_text("ports", tab[i].text);
		const struct main_conf *m = load_ok(t, &c);
		assert_int_equal(m->ports.lo, tab[i].lo);
		assert_int_equal(m->ports.hi, tab[i].hi);
		cfg_free(&c);
		free(t);
	}
	struct cfg_portrange pr;
	assert_int_equal(cfg_parse_portrange("0", &pr), -IK_ELIMIT);
	assert_int_equal(cfg_parse_portrange("10-9", &pr), -IK_ELIMIT);
	assert_int_equal(cfg_parse_portrange("1-65536", &pr), -IK_ELIMIT);
	assert_int_equal(cfg_parse_portrange("1-", &pr), -IK_EPARSE);
	assert_int_equal(cfg_parse_portrange("-1", &pr), -IK_EPARSE);
	assert_int_equal(cfg_parse_portrange("1 - 2", &pr), -IK_EPARSE);
}

static void
test_levels(void **state)
{
	static const struct {
		const char	*text;
		enum log_level	 val;
	} tab[] = {
		{ "debug", LOG_LV_DEBUG }, { "info", LOG_LV_INFO },
		{ "warn", LOG_LV_WARN }, { "error", LOG_LV_ERR },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		struct cfg *c = NULL;
		char *t = main_text("level", tab[i].text);
		assert_int_equal(load_ok(t, &c)->level, tab[i].val);
		cfg_free(&c);
		free(t);
	}
}

/* ---- bad values: one error each, naming the line ---- */

static const struct {
	const char	*key, *val;
} bad_values[] = {
	{ "flag", "maybe" }, { "flag", "" }, { "flag", "yess" },
	{ "flag", "2" },
	{ "count", "-6" }, { "count", "101" }, { "count", "1x" },
	{ "count", "" }, { "count", "99999999999999999999" },
	{ "count", "0x10" }, { "count", "1 2" },
	{ "size", "511" }, { "size", "3G" }, { "size", "64Q" },
	{ "size", "K" }, { "size", "-1" }, { "size", "1.5M" },
	{ "size", "" }, { "size", "99999999999999999999" },
	{ "size", "17179869184G" }, { "size", "2G1" },
	{ "timeout", "249ms" }, { "timeout", "8d" }, { "timeout", "5x" },
	{ "timeout", "ms" }, { "timeout", "-1s" }, { "timeout", "0" },
	{ "timeout", "" }, { "timeout", "1 s" },
	{ "name", "0123456789abcdefg" },
	{ "listen", "1.2.3.4:99999" }, { "listen", "1.2.3.4:65536" },
	{ "listen", "host:53" }, { "listen", "[1.2.3.4]:5" },
	{ "listen", "" }, { "listen", "1.2.3.4:" }, { "listen", "[::1" },
	{ "listen", "1.2.3.4:53 5.6.7.8:53" },
	{ "listens", "1.1.1.1:1 nope" }, { "listens", "1.1.1.1:70000" },
	{ "net", "300.0.0.0/8" }, { "net", "10.0.0.1/8" },
	{ "net", "10.0.0.0/33" }, { "net", "" }, { "net", "10/8" },
	{ "net", "10.0.0.33/27" },
	{ "allow", "10.0.0.0/8 10.0.0.1/8" }, { "allow", "::1/129" },
	{ "allow", "garbage" },
	{ "ports", "0" }, { "ports", "100-50" }, { "ports", "1-70000" },
	{ "ports", "1-" }, { "ports", "a" }, { "ports", "" },
	{ "ports", "65536" },
	{ "level", "verbose" }, { "level", "" }, { "level", "warning" },
};

static void
test_bad_values_one_error_each(void **state)
{
	(void)state;

	for (size_t i = 0; i < sizeof(bad_values) / sizeof(bad_values[0]);
	    i++) {
		char *t, *want;
		assert_true(asprintf(&t, "[main]\n; pad\n%s = %s\n",
		    bad_values[i].key, bad_values[i].val) > 0);
		assert_true(asprintf(&want, "%s = ", bad_values[i].key) > 0);
		load_one_err(t, FILE_NAME ":3: ", want);
		free(want);
		free(t);
	}
}

/* Values that are bad within a named section report there too. */
static void
test_bad_zone_values(void **state)
{
	(void)state;

	load_one_err("[zone a.]\norigin = a.\nttl = -1\n", FILE_NAME ":3: ",
	    "ttl");
	load_one_err("[zone a.]\norigin = a.\nttl = 86401\n",
	    FILE_NAME ":3: ", "86400");
}

/* ---- structure ---- */

static void
test_structure_errors(void **state)
{
	static const struct {
		const char	*text;
		const char	*prefix, *needle;
	} tab[] = {
		{ "[main]\nbogus = 1\n", FILE_NAME ":2: ", "bogus" },
		{ "[nope]\nbogus = 1\nmore = 2\n", FILE_NAME ":1: ", "nope" },
		{ "count = 1\n[main]\n", FILE_NAME ":1: ", "count" },
		{ "[main]\ncount = 1\nflag = yes\ncount = 2\n",
		    FILE_NAME ":4: ", "line 2" },
		{ "[zone a.]\norigin = a.\n[zone A.]\norigin = a.\n",
		    FILE_NAME ":3: ", "line 1" },
		{ "[zone]\norigin = a.\n", FILE_NAME ":1: ", "NAME" },
		{ "[zone   ]\norigin = a.\n", FILE_NAME ":1: ", "NAME" },
		{ "[main x]\ncount = 1\n", FILE_NAME ":1: ", "no name" },
		{ "[main]\n[main]\ncount = 1\n", FILE_NAME ":2: ", "line 1" },
		{ "\n[zone a.]\nttl = 1\n", FILE_NAME ":2: ", "origin" },
		{ "[main]\njust words\n", FILE_NAME ":2: ", NULL },
		{ "[main]\n= 5\n", FILE_NAME ":2: ", NULL },
		{ "[main]\ncount : 5\n", FILE_NAME ":2: ", NULL },
		{ "[zone b]\norigin = b\n", FILE_NAME ":1: ", "end with" },
		{ "[ ]\n", FILE_NAME ":1: ", NULL },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		load_one_err(tab[i].text, tab[i].prefix, tab[i].needle);
}

/* inih would also refuse this line; the error must still be one. */
static void
test_header_without_bracket_one_error(void **state)
{
	(void)state;

	load_one_err("[main]\ncount = 1\n[zone a.\norigin = a.\n",
	    FILE_NAME ":3: ", "]");
}

/* A ';' comment before the '=' leaves no key; inih refuses such lines but
 * tells only the first, so each must be reported by the loader. */
static void
test_comment_before_equals_each_reported(void **state)
{
	struct cfg *c = NULL;
	struct cfg_errs e;
	(void)state;

	int rc = load("[main]\ncount ;x = 1\nflag ;y = yes\n", &c, &e);
	bool ok = e.n == 2 &&
	    strncmp(e.msg[0], FILE_NAME ":2: ", 9) == 0 &&
	    strncmp(e.msg[1], FILE_NAME ":3: ", 9) == 0;
	if (!ok)
		dump_errs(&e);
	size_t n = e.n;
	cfg_errs_clear(&e);
	assert_int_equal(rc, -IK_ECONFIG);
	assert_int_equal(n, 2);
	assert_true(ok);
}

static void
test_ten_errors(void **state)
{
	static const char text[] =
	    "count = 1\n"			/* 1: before any section */
	    "[main]\n"				/* 2 */
	    "flag = perhaps\n"			/* 3: bad bool */
	    "size = 1Z\n"			/* 4: bad size */
	    "bogus = 1\n"			/* 5: unknown key */
	    "flag = yes\n"			/* 6: duplicate key */
	    "no equals sign\n"			/* 7: no '=' */
	    "[weird]\n"				/* 8: unknown section */
	    "x = 1\n"				/* 9: ignored */
	    "[zone]\n"				/* 10: no name */
	    "[zone a.]\n"			/* 11: needs origin */
	    "ttl = 5\n"				/* 12 */
	    "[zone A.]\n"			/* 13: repeats line 11 */
	    "; comment\n"			/* 14 */
	    "[main]\n"				/* 15: repeats line 2 */
	    "[zone c]\n"			/* 16: check fails */
	    "origin = c\n";			/* 17 */
	static const char *const want[] = {
		FILE_NAME ":1: ", FILE_NAME ":3: ", FILE_NAME ":4: ",
		FILE_NAME ":5: ", FILE_NAME ":6: ", FILE_NAME ":7: ",
		FILE_NAME ":8: ", FILE_NAME ":10: ", FILE_NAME ":13: ",
		FILE_NAME ":15: ",
		/* found after the parse, when defaults are applied */
		FILE_NAME ":11: ", FILE_NAME ":16: ",
	};
	struct cfg *c = NULL;
	struct cfg_errs e;
	(void)state;

	assert_int_equal(load(text, &c, &e), -IK_ECONFIG);
	if (e.n != sizeof(want) / sizeof(want[0]))
		dump_errs(&e);
	assert_int_equal(e.n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < e.n; i++) {
		if (strncmp(e.msg[i], want[i], strlen(want[i])) != 0)
			print_message("err[%zu] '%s' want '%s'\n", i,
			    e.msg[i], want[i]);
		assert_true(strncmp(e.msg[i], want[i], strlen(want[i])) == 0);
	}
	cfg_errs_clear(&e);
	assert_null(e.msg);
	assert_int_equal(e.n, 0);
}

/* Errors already in `errs` are kept; only new ones fail this load. */
static void
test_errs_appended(void **state)
{
	struct cfg *c = NULL;
	struct cfg_errs e = { 0 };
	(void)state;

	cfg_errf(&e, "other", 3, "earlier %d", 1);
	cfg_errf(&e, "other", 0, "no line");
	assert_string_equal(e.msg[0], "other:3: earlier 1");
	assert_string_equal(e.msg[1], "other: no line");
	assert_int_equal(cfg_load_string("[main]\n", FILE_NAME, schema, &c,
	    &e), 0);
	assert_int_equal(e.n, 2);
	cfg_free(&c);
	assert_int_equal(cfg_load_string("[main]\nx = 1\n", FILE_NAME, schema,
	    &c, &e), -IK_ECONFIG);
	assert_int_equal(e.n, 3);
	assert_null(c);
	cfg_errs_clear(&e);
}

/* "[main]\ndir = aaa...\n" whose second line is `n` bytes long. */
static char *
long_line(size_t n)
{
	char *t = malloc(7 + n + 2);

	assert_non_null(t);
	memcpy(t, "[main]\ndir = ", 13);
	memset(t + 13, 'a', n - 6);
	memcpy(t + 7 + n, "\n", 2);
	return t;
}

static void
test_long_lines(void **state)
{
	struct cfg *c = NULL;
	(void)state;

	/* 4096 bytes: the longest line allowed */
	char *t = long_line(4096);
	struct cfg_errs e;
	int rc = load(t, &c, &e);
	free(t);
	dump_errs(&e);
	cfg_errs_clear(&e);
	assert_int_equal(rc, 0);
	const struct main_conf *m = cfg_get(c, "main");
	assert_int_equal(strlen(m->dir), 4096 - 6);
	cfg_free(&c);

	t = long_line(4097);
	load_one_err(t, FILE_NAME ":2: ", "longer");
	free(t);

	/* Far longer, then more lines: the count goes on after it. */
	t = long_line(100000);
	char *t2;
	assert_true(asprintf(&t2, "%sbogus = 1\n", t) > 0);
	rc = load(t2, &c, &e);
	free(t2);
	free(t);
	bool ok = e.n == 2 &&
	    strncmp(e.msg[0], FILE_NAME ":2: ", 9) == 0 &&
	    strncmp(e.msg[1], FILE_NAME ":3: ", 9) == 0;
	if (!ok)
		dump_errs(&e);
	cfg_errs_clear(&e);
	assert_int_equal(rc, -IK_ECONFIG);
	assert_true(ok);
}

static void
test_comments(void **state)
{
	struct cfg *c = NULL;
	size_t it = 0;
	(void)state;

	const struct main_conf *m = load_ok(
	    "; a comment\n"
	    "# another\n"
	    "   ; indented\n"
	    "\t# indented\n"
	    "[main] ; after a header\n"
	    "count = 5 ; five\n"
	    ";count = 6\n"
	    "#flag = yes\n"
	    "name = a;b\n"		/* ';' without a space before: data */
	    "\n"
	    "   \n"
	    "[zone z.] # hash after a header\n"
	    "origin = z.\n", &c);
	assert_int_equal(m->count, 5);
	assert_false(m->flag);
	assert_string_equal(m->name, "a;b");
	const struct cfg_item *zi = cfg_next(c, "zone", &it);
	assert_non_null(zi);
	assert_string_equal(zi->name, "z.");
	cfg_free(&c);
}

static void
test_crlf(void **state)
{
	struct cfg *c = NULL;
	size_t it = 0;
	(void)state;

	const struct main_conf *m = load_ok(
	    "; comment\r\n"
	    "[main]\r\n"
	    "count = 7\r\n"
	    "name = abc\r\n"
	    "\r\n"
	    "[zone a.]\r\n"
	    "origin = a.\r\n", &c);
	assert_int_equal(m->count, 7);
	assert_string_equal(m->name, "abc");
	const struct cfg_item *zi = cfg_next(c, "zone", &it);
	assert_non_null(zi);
	assert_string_equal(zi->name, "a.");
	assert_int_equal(zi->line, 6);
	assert_string_equal(((const struct zone_conf *)zi->obj)->origin, "a.");
	cfg_free(&c);
	/* line numbers stay right with CRLF */
	load_one_err("[main]\r\n\r\nbogus = 1\r\n", FILE_NAME ":3: ",
	    "bogus");
}

static void
test_no_final_newline(void **state)
{
	struct cfg *c = NULL;
	(void)state;

	assert_int_equal(load_ok("[main]\ncount = 9", &c)->count, 9);
	cfg_free(&c);
}

/* A UTF-8 BOM (as some editors write) before the first line. */
static void
test_bom(void **state)
{
	static const char *const texts[] = {
		"\xef\xbb\xbf[main]\ncount = 3\n",
		"\xef\xbb\xbf; comment\n[main]\ncount = 3\n",
		"\xef\xbb\xbf\n[main]\ncount = 3\n",
	};
	(void)state;

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct cfg *c = NULL;
		assert_int_equal(load_ok(texts[i], &c)->count, 3);
		cfg_free(&c);
	}
	/* Only at the very start. */
	load_one_err("[main]\n\xef\xbb\xbf" "count = 3\n", FILE_NAME ":2: ",
	    NULL);
}

static char tmp_dir[] = "/tmp/ik-test-cfg-XXXXXX";

static int
setup_tmp(void **state)
{
	(void)state;
	return mkdtemp(tmp_dir) == NULL ? -1 : 0;
}

static int
teardown_tmp(void **state)
{
	(void)state;
	return rmdir(tmp_dir);
}

static void
write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static void
test_load_file(void **state)
{
	static const char text[] = "[main]\ncount = 4\n[zone q.]\norigin = q.\n";
	char path[256];
	struct cfg *c = NULL;
	struct cfg_errs e = { 0 };
	(void)state;

	snprintf(path, sizeof(path), "%s/ok.conf", tmp_dir);
	write_file(path, text, sizeof(text) - 1);
	assert_int_equal(cfg_load(path, schema, &c, &e), 0);
	assert_int_equal(e.n, 0);
	assert_string_equal(c->path, path);
	assert_int_equal(((const struct main_conf *)cfg_get(c, "main"))->count,
	    4);
	cfg_free(&c);
	assert_int_equal(unlink(path), 0);
}

static void
test_nul_byte_in_file(void **state)
{
	static const char text[] = "[main]\nflag = yes\nco\0unt = 1\nx = 1\n";
	char path[256], want[300];
	struct cfg *c = NULL;
	struct cfg_errs e = { 0 };
	(void)state;

	snprintf(path, sizeof(path), "%s/nul.conf", tmp_dir);
	write_file(path, text, sizeof(text) - 1);
	assert_int_equal(cfg_load(path, schema, &c, &e), -IK_ECONFIG);
	assert_null(c);
	assert_int_equal(e.n, 1);
	snprintf(want, sizeof(want), "%s:3: ", path);
	assert_true(strncmp(e.msg[0], want, strlen(want)) == 0);
	assert_non_null(strstr(e.msg[0], "NUL"));
	cfg_errs_clear(&e);
	assert_int_equal(unlink(path), 0);
}

static void
test_missing_file(void **state)
{
	char path[256];
	struct cfg *c = (struct cfg *)&path;	/* must come back NULL */
	struct cfg_errs e = { 0 };
	(void)state;

	snprintf(path, sizeof(path), "%s/absent.conf", tmp_dir);
	assert_int_equal(cfg_load(path, schema, &c, &e), -ENOENT);
	assert_null(c);
	assert_int_equal(e.n, 1);
	assert_true(strncmp(e.msg[0], path, strlen(path)) == 0);
	assert_int_equal(e.msg[0][strlen(path)], ':');
	cfg_errs_clear(&e);

	/* A directory is not a config file. */
	assert_true(cfg_load(tmp_dir, schema, &c, &e) < 0);
	assert_null(c);
	assert_int_equal(e.n, 1);
	cfg_errs_clear(&e);
}

static void
test_free_null(void **state)
{
	struct cfg *c = NULL;
	(void)state;

	cfg_free(&c);
	assert_null(c);
}

static void
test_get_next(void **state)
{
	struct cfg *c = NULL;
	size_t it = 0;
	(void)state;

	load_ok("[zone b.]\norigin = b.\nttl = 1\n"
	    "[main]\ncount = 2\n"
	    "[zone a.]\norigin = a.\nttl = 2\n"
	    "[zone c.]\norigin = c.\nttl = 3\n", &c);
	static const char *const names[] = { "b.", "a.", "c." };
	for (int i = 0; i < 3; i++) {
		const struct cfg_item *zi = cfg_next(c, "zone", &it);
		assert_non_null(zi);
		assert_ptr_equal(zi->sec, &zone_sec);
		assert_string_equal(zi->name, names[i]);
		assert_int_equal(((const struct zone_conf *)zi->obj)->ttl,
		    i + 1);
	}
	assert_null(cfg_next(c, "zone", &it));
	assert_null(cfg_next(c, "zone", &it));	/* stays done */
	it = 0;
	assert_null(cfg_next(c, "main", &it));	/* a single section */
	it = 0;
	assert_null(cfg_next(c, "nope", &it));
	assert_int_equal(((const struct main_conf *)cfg_get(c, "main"))->count,
	    2);
	cfg_free(&c);
}

static void
main_equal(const struct main_conf *a, const struct main_conf *b)
{
	char x[NET_ADDRSTRLEN], y[NET_ADDRSTRLEN];

	assert_int_equal(a->flag, b->flag);
	assert_int_equal(a->count, b->count);
	assert_int_equal(a->size, b->size);
	assert_int_equal(a->timeout_ms, b->timeout_ms);
	assert_string_equal(a->name, b->name);
	assert_string_equal(a->dir, b->dir);
	assert_string_equal(fmt_addr(&a->listen, x), fmt_addr(&b->listen, y));
	assert_int_equal(a->listens.n, b->listens.n);
	for (size_t i = 0; i < a->listens.n; i++)
		assert_string_equal(fmt_addr(&a->listens.v[i], x),
		    fmt_addr(&b->listens.v[i], y));
	assert_string_equal(fmt_cidr(&a->net, x), fmt_cidr(&b->net, y));
	assert_int_equal(a->allow.n, b->allow.n);
	for (size_t i = 0; i < a->allow.n; i++)
		assert_string_equal(fmt_cidr(&a->allow.v[i], x),
		    fmt_cidr(&b->allow.v[i], y));
	assert_int_equal(a->ports.lo, b->ports.lo);
	assert_int_equal(a->ports.hi, b->ports.hi);
	assert_int_equal(a->level, b->level);
	assert_int_equal(a->plain, b->plain);
}

/* Puts inih's switches back to the library's defaults. */
static int
inih_defaults(void **state)
{
	(void)state;
	ini_allow_multiline = INI_ALLOW_MULTILINE;
	ini_use_stack = INI_USE_STACK;
	ini_max_line = INI_MAX_LINE;
	ini_allow_realloc = INI_ALLOW_REALLOC;
	ini_initial_alloc = INI_INITIAL_ALLOC;
	return 0;
}

/* inih's switches are process-wide; each load sets the ones it needs, so
 * a load after someone changed them gives the same result. */
static void
test_load_twice_equal(void **state)
{
	static const char text[] =
	    "[main]\n"
	    "flag = on\ncount = 3\nsize = 1M\ntimeout = 2h\n"
	    "name = hello\ndir = /d\nlisten = [::1]:9\n"
	    "listens = 1.1.1.1:1 2.2.2.2\nnet = 10.0.0.0/8\n"
	    "allow = ::1 127.0.0.1\nports = 10-20\nlevel = debug\n"
	    "   indented = continuation?\n"
	    "[zone a.]\norigin = a.\n";
	struct cfg *c1 = NULL, *c2 = NULL;
	struct cfg_errs e1, e2;
	(void)state;

	int r1 = load(text, &c1, &e1);
	ini_allow_multiline = true;
	ini_use_stack = true;
	ini_max_line = 16;
	ini_initial_alloc = 16;
	int r2 = load(text, &c2, &e2);
	bool same = r1 == r2 && e1.n == e2.n;
	for (size_t i = 0; same && i < e1.n; i++)
		same = strcmp(e1.msg[i], e2.msg[i]) == 0;
	if (!same) {
		dump_errs(&e1);
		dump_errs(&e2);
	}
	cfg_errs_clear(&e1);
	cfg_errs_clear(&e2);
	cfg_free(&c1);
	cfg_free(&c2);
	assert_true(same);

	/* and a good text, field by field */
	static const char good[] =
	    "[main]\n"
	    "flag = on\ncount = 3\nsize = 1M\ntimeout = 2h\n"
	    "name = hello\ndir = /d\nlisten = [::1]:9\n"
	    "listens = 1.1.1.1:1 2.2.2.2\nnet = 10.0.0.0/8\n"
	    "allow = ::1 127.0.0.1\nports = 10-20\nlevel = debug\n"
	    "[zone a.]\norigin = a.\n";
	const struct main_conf *m1 = load_ok(good, &c1);
	ini_allow_multiline = true;
	ini_use_stack = false;
	ini_allow_realloc = true;
	ini_max_line = 16;
	ini_initial_alloc = 16;
	const struct main_conf *m2 = load_ok(good, &c2);
	main_equal(m1, m2);
	assert_int_equal(c1->n_items, c2->n_items);
	cfg_free(&c1);
	cfg_free(&c2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_empty_file),
		cmocka_unit_test(test_defaults_section_present),
		cmocka_unit_test(test_defaults_zone),
		cmocka_unit_test(test_bool_spellings),
		cmocka_unit_test(test_int_range),
		cmocka_unit_test(test_int_without_range_overflow),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_str_and_path),
		cmocka_unit_test(test_addrport),
		cmocka_unit_test(test_addrports),
		cmocka_unit_test(test_cidr_and_cidrs),
		cmocka_unit_test(test_portrange),
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_bad_values_one_error_each),
		cmocka_unit_test(test_bad_zone_values),
		cmocka_unit_test(test_structure_errors),
		cmocka_unit_test(test_header_without_bracket_one_error),
		cmocka_unit_test(test_comment_before_equals_each_reported),
		cmocka_unit_test(test_ten_errors),
		cmocka_unit_test(test_errs_appended),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_no_final_newline),
		cmocka_unit_test(test_bom),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_nul_byte_in_file),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_free_null),
		cmocka_unit_test(test_get_next),
		cmocka_unit_test_teardown(test_load_twice_equal,
		    inih_defaults),
	};

	return cmocka_run_group_tests(tests, setup_tmp, teardown_tmp);
}
