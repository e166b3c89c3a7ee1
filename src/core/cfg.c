/* core/cfg.c - loads one INI file against typed section tables.
 * inih splits "key = value" and strips comments; this file owns structure:
 * a reader hands inih one line at a time, counting lines and spotting
 * [section NAME] headers and malformed lines, so every error can name
 * file:line and all of them are collected, not just the first. */
#include "core/cfg.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"

#define CFG_LINE_MAX	4096		/* longest line, terminator excluded */
#define CFG_FILE_MAX	(4u << 20)	/* longest file */
#define CFG_ERRS_MAX	200		/* stop collecting after this many */

struct item_state {
	struct cfg_item	 it;
	int		*set_line;	/* per key: line it was set on, or 0 */
	bool		 is_bad;	/* unknown kind: its keys are ignored */
};

struct loader {
	const char		*file;
	const struct cfg_section *const *schema;
	struct cfg_errs		*errs;
	const char		*p, *end;	/* unread text */
	int			 line;
	struct item_state	*items;
	size_t			 n_items, cap_items;
	struct item_state	*cur;	/* section keys go to; NULL before any */
	bool			 is_oom;
};

void
cfg_errf(struct cfg_errs *e, const char *file, int line, const char *fmt, ...)
{
	char msg[512];
	char *s;
	va_list ap;

	if (e == NULL || e->n >= CFG_ERRS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 8;
		char **v = realloc(e->msg, cap * sizeof(*v));
		if (v == NULL)
			return;
		e->msg = v;
		e->cap = cap;
	}
	int r = line > 0 ? asprintf(&s, "%s:%d: %s", file, line, msg) :
	    asprintf(&s, "%s: %s", file, msg);
	if (r >= 0)
		e->msg[e->n++] = s;
}

void
cfg_errs_clear(struct cfg_errs *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->msg[i]);
	free(e->msg);
	memset(e, 0, sizeof(*e));
}

/* ---- typed values ---- */

int
cfg_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -IK_EPARSE;
}

/* A decimal number then a unit from `units` (each with its multiplier);
 * a bare number takes `bare`. */
struct unit {
	const char	*name;
	uint64_t	 mult;
};

static int
parse_scaled(const char *s, const struct unit *units, uint64_t bare,
    uint64_t *out)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return -IK_EPARSE;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0)
		return -IK_ELIMIT;
	uint64_t mult = bare;
	if (*end != '\0') {
		mult = 0;
		for (const struct unit *u = units; u->name != NULL; u++) {
			if (strcasecmp(end, u->name) == 0) {
				mult = u->mult;
				break;
			}
		}
		if (mult == 0)
			return -IK_EPARSE;
	}
	if (v > UINT64_MAX / mult)
		return -IK_ELIMIT;
	*out = v * mult;
	return 0;
}

int
cfg_parse_size(const char *s, uint64_t *out)
{
	static const struct unit units[] = {
		{ "b", 1 }, { "k", 1ull << 10 }, { "kb", 1ull << 10 },
		{ "m", 1ull << 20 }, { "mb", 1ull << 20 },
		{ "g", 1ull << 30 }, { "gb", 1ull << 30 },
		{ "t", 1ull << 40 }, { "tb", 1ull << 40 }, { NULL, 0 },
	};
	return parse_scaled(s, units, 1, out);
}

int
cfg_parse_duration_ms(const char *s, uint64_t *out)
{
	static const struct unit units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 },
		{ "h", 3600000 }, { "d", 86400000 }, { NULL, 0 },
	};
	return parse_scaled(s, units, 1000, out);
}

int
cfg_parse_portrange(const char *s, struct cfg_portrange *out)
{
	char *end;
	unsigned long lo, hi;

	if (!isdigit((unsigned char)*s))
		return -IK_EPARSE;
	lo = strtoul(s, &end, 10);
	if (*end == '-') {
		if (!isdigit((unsigned char)end[1]))
			return -IK_EPARSE;
		hi = strtoul(end + 1, &end, 10);
	} else {
		hi = lo;
	}
	if (*end != '\0')
		return -IK_EPARSE;
	if (lo == 0 || lo > 65535 || hi > 65535 || hi < lo)
		return -IK_ELIMIT;
	out->lo = (uint16_t)lo;
	out->hi = (uint16_t)hi;
	return 0;
}

static bool
has_range(const struct cfg_key *k)
{
	return k->min != 0 || k->max != 0;
}

/* Sizes and durations: below min, or above max when max is set. */
static bool
out_of_range(const struct cfg_key *k, uint64_t u)
{
	return (k->min > 0 && u < (uint64_t)k->min) ||
	    (k->max > 0 && u > (uint64_t)k->max);
}

/* Splits `val` on spaces and commas and calls `one` per word. */
static int
each_word(const char *val, int (*one)(const char *w, void *dst, int arg),
    void *dst, int arg)
{
	char w[256];

	for (const char *p = val; *p != '\0';) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		size_t n = strcspn(p, " \t,");
		if (n == 0)
			break;
		if (n >= sizeof(w))
			return -IK_EPARSE;
		memcpy(w, p, n);
		w[n] = '\0';
		int err = one(w, dst, arg);
		if (err < 0)
			return err;
		p += n;
	}
	return 0;
}

static int
add_addr(const char *w, void *dst, int default_port)
{
	struct net_addrs *l = dst;
	struct net_addr a;
	int err = net_addr_parse(w, default_port, &a);

	if (err < 0)
		return err;
	struct net_addr *v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	l->v = v;
	l->v[l->n++] = a;
	return 0;
}

static int
add_cidr(const char *w, void *dst, int unused)
{
	(void)unused;
	struct net_cidrs *l = dst;
	struct net_cidr c;
	int err = net_cidr_parse(w, &c);

	if (err < 0)
		return err;
	struct net_cidr *v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	l->v = v;
	l->v[l->n++] = c;
	return 0;
}

/* Frees what a key of `obj` owns and zeroes it. */
static void
value_clear(const struct cfg_key *k, void *obj)
{
	void *f = (char *)obj + k->off;

	switch (k->type) {
	case CFG_STR:
	case CFG_PATH:
		free(*(char **)f);
		*(char **)f = NULL;
		break;
	case CFG_ADDRPORTS:
		free(((struct net_addrs *)f)->v);
		memset(f, 0, sizeof(struct net_addrs));
		break;
	case CFG_CIDRS:
		free(((struct net_cidrs *)f)->v);
		memset(f, 0, sizeof(struct net_cidrs));
		break;
	default:
		break;
	}
}

/* Parses `val` into the field of `obj` that `k` names. On error returns
 * < 0 with a reason in `why`. */
static int
value_set(const struct cfg_key *k, void *obj, const char *val,
    char *why, size_t whycap)
{
	void *f = (char *)obj + k->off;
	int err = 0;
	uint64_t u;
	int def_port = k->min > 0 ? (int)k->min : -1;

	switch (k->type) {
	case CFG_BOOL:
		if ((err = cfg_parse_bool(val, (bool *)f)) < 0)
			snprintf(why, whycap, "expected yes or no");
		break;
	case CFG_INT: {
		char *end;
		errno = 0;
		long long v = strtoll(val, &end, 10);
		if (*val == '\0' || *end != '\0' || errno != 0) {
			snprintf(why, whycap, "expected an integer");
			return -IK_EPARSE;
		}
		long long lo = has_range(k) ? k->min : INT_MIN;
		long long hi = k->max != 0 ? k->max : INT_MAX;
		if (v < lo || v > hi) {
			snprintf(why, whycap, "must be %lld..%lld", lo, hi);
			return -IK_ELIMIT;
		}
		*(int *)f = (int)v;
		break;
	}
	case CFG_SIZE:
		if ((err = cfg_parse_size(val, &u)) < 0) {
			snprintf(why, whycap,
			    "expected a size like 512, 64K, 64M or 2G");
			return err;
		}
		if (out_of_range(k, u)) {
			snprintf(why, whycap, "must be %lld..%lld bytes",
			    (long long)k->min, (long long)k->max);
			return -IK_ELIMIT;
		}
		*(uint64_t *)f = u;
		break;
	case CFG_DURATION:
		if ((err = cfg_parse_duration_ms(val, &u)) < 0) {
			snprintf(why, whycap,
			    "expected a duration like 250ms, 30s, 5m, 2h or 7d");
			return err;
		}
		if (out_of_range(k, u)) {
			snprintf(why, whycap, "must be %lldms..%lldms",
			    (long long)k->min, (long long)k->max);
			return -IK_ELIMIT;
		}
		*(uint64_t *)f = u;
		break;
	case CFG_STR:
	case CFG_PATH:
		if (k->max > 0 && strlen(val) > (size_t)k->max) {
			snprintf(why, whycap, "longer than %lld bytes",
			    (long long)k->max);
			return -IK_ELIMIT;
		}
		value_clear(k, obj);
		if ((*(char **)f = strdup(val)) == NULL)
			return -ENOMEM;
		break;
	case CFG_ADDRPORT:
		if ((err = net_addr_parse(val, def_port, f)) < 0)
			snprintf(why, whycap, "expected an address:port like "
			    "127.0.0.1:53 or [::1]:53");
		break;
	case CFG_ADDRPORTS:
		value_clear(k, obj);
		if ((err = each_word(val, add_addr, f, def_port)) < 0)
			snprintf(why, whycap, "expected addresses like "
			    "127.0.0.1:53 [::1]:53");
		break;
	case CFG_CIDR:
		if ((err = net_cidr_parse(val, f)) < 0)
			snprintf(why, whycap, "expected an address or prefix "
			    "like 10.0.0.0/8 (host bits zero)");
		break;
	case CFG_CIDRS:
		value_clear(k, obj);
		if ((err = each_word(val, add_cidr, f, 0)) < 0)
			snprintf(why, whycap, "expected prefixes like "
			    "127.0.0.0/8 ::1 (host bits zero)");
		break;
	case CFG_PORTRANGE:
		if ((err = cfg_parse_portrange(val, f)) < 0)
			snprintf(why, whycap,
			    "expected a port range like 50000-50100");
		break;
	case CFG_LEVEL:
		if ((err = log_level_parse(val, f)) < 0)
			snprintf(why, whycap,
			    "expected debug, info, warn or error");
		break;
	}
	return err;
}

/* ---- structure ---- */

static size_t
n_keys(const struct cfg_section *sec)
{
	size_t n = 0;

	while (sec->keys[n].name != NULL)
		n++;
	return n;
}

static const struct cfg_section *
schema_find(const struct cfg_section *const *schema, const char *name)
{
	for (size_t i = 0; schema[i] != NULL; i++)
		if (strcmp(schema[i]->name, name) == 0)
			return schema[i];
	return NULL;
}

static struct item_state *
item_add(struct loader *ld, const struct cfg_section *sec, const char *name,
    int line)
{
	if (ld->n_items == ld->cap_items) {
		size_t cap = ld->cap_items ? ld->cap_items * 2 : 16;
		struct item_state *v = realloc(ld->items, cap * sizeof(*v));
		if (v == NULL)
			goto oom;
		ld->items = v;
		ld->cap_items = cap;
	}
	struct item_state *is = &ld->items[ld->n_items];
	memset(is, 0, sizeof(*is));
	is->it.sec = sec;
	is->it.line = line;
	if (sec == NULL) {
		is->is_bad = true;
	} else {
		is->it.obj = calloc(1, sec->size ? sec->size : 1);
		is->set_line = calloc(n_keys(sec) + 1, sizeof(int));
		if (is->it.obj == NULL || is->set_line == NULL)
			goto oom_item;
	}
	if (name != NULL && (is->it.name = strdup(name)) == NULL)
		goto oom_item;
	ld->n_items++;
	return is;
oom_item:
	free(is->it.obj);
	free(is->set_line);
oom:
	ld->is_oom = true;
	return NULL;
}

static void
trim(char **s, char **e)
{
	while (*s < *e && isspace((unsigned char)**s))
		(*s)++;
	while (*e > *s && isspace((unsigned char)(*e)[-1]))
		(*e)--;
}

/* A "[kind NAME]" header at line ld->line: starts a new item. Returns
 * false when the header itself is malformed (reported). */
static bool
section_start(struct loader *ld, char *s, char *e)
{
	char kind[64], name[256];

	/* Drop a trailing comment after the ']' as inih does. */
	char *rb = memchr(s, ']', (size_t)(e - s));
	ld->cur = NULL;
	if (rb == NULL) {
		cfg_errf(ld->errs, ld->file, ld->line,
		    "section header without ']'");
		ld->cur = item_add(ld, NULL, NULL, ld->line);
		return false;
	}
	s++;
	e = rb;
	trim(&s, &e);
	size_t kn = strcspn(s, " \t");
	if (kn > (size_t)(e - s))
		kn = (size_t)(e - s);
	char *ns = s + kn, *ne = e;
	trim(&ns, &ne);
	if (kn == 0 || kn >= sizeof(kind) ||
	    (size_t)(ne - ns) >= sizeof(name)) {
		cfg_errf(ld->errs, ld->file, ld->line, "bad section header");
		ld->cur = item_add(ld, NULL, NULL, ld->line);
		return false;
	}
	memcpy(kind, s, kn);
	kind[kn] = '\0';
	memcpy(name, ns, (size_t)(ne - ns));
	name[ne - ns] = '\0';

	const struct cfg_section *sec = schema_find(ld->schema, kind);
	if (sec == NULL) {
		cfg_errf(ld->errs, ld->file, ld->line,
		    "unknown section [%s]", kind);
		ld->cur = item_add(ld, NULL, NULL, ld->line);
		return true;
	}
	bool is_named = (sec->flags & CFG_SEC_NAMED) != 0;
	if (is_named && name[0] == '\0') {
		cfg_errf(ld->errs, ld->file, ld->line,
		    "[%s] needs a name: [%s NAME]", kind, kind);
		sec = NULL;
	} else if (!is_named && name[0] != '\0') {
		cfg_errf(ld->errs, ld->file, ld->line,
		    "[%s] takes no name", kind);
		sec = NULL;
	}
	for (size_t i = 0; sec != NULL && i < ld->n_items; i++) {
		struct cfg_item *o = &ld->items[i].it;
		if (o->sec != sec || (is_named && strcasecmp(o->name, name)))
			continue;
		if (is_named)
			cfg_errf(ld->errs, ld->file, ld->line,
			    "[%s %s] repeats the one at line %d", kind, name,
			    o->line);
		else
			cfg_errf(ld->errs, ld->file, ld->line,
			    "[%s] repeats the one at line %d", kind, o->line);
		sec = NULL;
	}
	ld->cur = item_add(ld, sec, is_named && sec ? name : NULL, ld->line);
	return true;
}

/* The inih reader: returns the next line, checked, or "\n" in place of a
 * malformed one (already reported), so inih itself never fails. */
static char *
reader(char *str, int num, void *stream)
{
	struct loader *ld = stream;

	if (ld->p >= ld->end)
		return NULL;
	const char *nl = memchr(ld->p, '\n', (size_t)(ld->end - ld->p));
	const char *lend = nl != NULL ? nl : ld->end;
	size_t n = (size_t)(lend - ld->p);
	const char *line = ld->p;

	ld->p = nl != NULL ? nl + 1 : ld->end;
	ld->line++;
	str[0] = '\n';
	str[1] = '\0';
	if (n > CFG_LINE_MAX || n + 2 > (size_t)num) {
		cfg_errf(ld->errs, ld->file, ld->line,
		    "line longer than %d bytes", CFG_LINE_MAX);
		return str;
	}
	if (memchr(line, '\0', n) != NULL) {
		cfg_errf(ld->errs, ld->file, ld->line, "NUL byte in line");
		return str;
	}
	memcpy(str, line, n);
	str[n] = '\0';
	char *s = str, *e = str + n;
	/* A UTF-8 byte order mark before the first line (inih skips it too,
	 * but only after this check would have seen it). */
	if (ld->line == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
		s += 3;
	trim(&s, &e);
	if (s == e || *s == ';' || *s == '#')
		return str;
	if (*s == '[') {
		/* A bad header is reported here; inih must not see it. */
		if (!section_start(ld, s, e))
			str[0] = '\n', str[1] = '\0';
		return str;
	}
	/* What inih will see: the text before an inline comment (a ';'
	 * after whitespace), which must hold "key =". */
	char *eq = memchr(s, '=', (size_t)(e - s));
	char *cut = s;
	while ((cut = memchr(cut, ';', (size_t)(e - cut))) != NULL &&
	    !isspace((unsigned char)cut[-1]))
		cut++;
	if (eq == NULL || eq == s || (cut != NULL && cut < eq)) {
		cfg_errf(ld->errs, ld->file, ld->line,
		    "expected 'key = value' or '[section]'");
		str[0] = '\n';
		str[1] = '\0';
	}
	return str;
}

static int
handler(void *user, const char *section, const char *key, const char *val)
{
	struct loader *ld = user;
	struct item_state *is = ld->cur;
	char why[160] = "";

	(void)section;
	if (is == NULL) {
		cfg_errf(ld->errs, ld->file, ld->line,
		    "'%s' comes before any [section]", key);
		return 1;
	}
	if (is->is_bad)
		return 1;
	const struct cfg_section *sec = is->it.sec;
	size_t i;
	for (i = 0; sec->keys[i].name != NULL; i++)
		if (strcmp(sec->keys[i].name, key) == 0)
			break;
	const struct cfg_key *k = &sec->keys[i];
	if (k->name == NULL) {
		cfg_errf(ld->errs, ld->file, ld->line,
		    "unknown key '%s' in [%s]", key, sec->name);
		return 1;
	}
	if (is->set_line[i] != 0) {
		cfg_errf(ld->errs, ld->file, ld->line,
		    "'%s' is already set at line %d", key, is->set_line[i]);
		return 1;
	}
	is->set_line[i] = ld->line;
	int err = value_set(k, is->it.obj, val, why, sizeof(why));
	if (err == -ENOMEM)
		ld->is_oom = true;
	else if (err < 0)
		cfg_errf(ld->errs, ld->file, ld->line, "%s = %s: %s", key,
		    val, why);
	return 1;
}

/* Applies defaults, reports missing required keys, runs the check. */
static void
item_finish(struct loader *ld, struct item_state *is)
{
	const struct cfg_section *sec = is->it.sec;
	char why[160];
	char label[320];

	if (is->is_bad)
		return;
	if (is->it.name != NULL)
		snprintf(label, sizeof(label), "[%s %s]", sec->name,
		    is->it.name);
	else
		snprintf(label, sizeof(label), "[%s]", sec->name);
	bool is_missing = false;
	for (size_t i = 0; sec->keys[i].name != NULL; i++) {
		const struct cfg_key *k = &sec->keys[i];
		if (is->set_line[i] != 0)
			continue;
		if (k->def == NULL) {
			cfg_errf(ld->errs, ld->file, is->it.line,
			    "%s needs '%s'", label, k->name);
			is_missing = true;
			continue;
		}
		int err = value_set(k, is->it.obj, k->def, why, sizeof(why));
		if (err == -ENOMEM)
			ld->is_oom = true;
		else if (err < 0)	/* a bug in a key table */
			cfg_errf(ld->errs, ld->file, is->it.line,
			    "%s: default of '%s' is invalid: %s", label,
			    k->name, why);
	}
	/* A check may rely on required keys being there. */
	if (sec->check != NULL && !is_missing)
		sec->check(is->it.obj, is->it.name, ld->errs, ld->file,
		    is->it.line);
}

static void
item_clear(struct cfg_item *it)
{
	if (it->sec != NULL && it->obj != NULL)
		for (size_t i = 0; it->sec->keys[i].name != NULL; i++)
			value_clear(&it->sec->keys[i], it->obj);
	free(it->obj);
	free(it->name);
}

static void
loader_clear(struct loader *ld)
{
	for (size_t i = 0; i < ld->n_items; i++) {
		item_clear(&ld->items[i].it);
		free(ld->items[i].set_line);
	}
	free(ld->items);
	ld->items = NULL;
	ld->n_items = 0;
}

int
cfg_load_string(const char *text, const char *name,
    const struct cfg_section *const *schema, struct cfg **out,
    struct cfg_errs *errs)
{
	struct loader ld = { 0 };
	struct cfg *c = NULL;
	size_t errs_before = errs->n;
	int ret = -IK_ECONFIG;

	*out = NULL;
	ld.file = name;
	ld.schema = schema;
	ld.errs = errs;
	ld.p = text;
	ld.end = text + strlen(text);
	/* inih's switches are process-wide; these are the only ones we use. */
	ini_allow_multiline = false;
	ini_allow_bom = true;
	ini_allow_inline_comments = true;
	ini_allow_no_value = false;
	ini_stop_on_first_error = false;
	ini_use_stack = false;
	ini_allow_realloc = false;
	/* Debian's inih sizes its heap line buffer by ini_initial_alloc. */
	ini_max_line = CFG_LINE_MAX + 3;
	ini_initial_alloc = CFG_LINE_MAX + 3;
	int r = ini_parse_stream(reader, &ld, handler, &ld);
	if (r == -2)
		ld.is_oom = true;
	else if (r > 0)		/* a line inih refused that we let through */
		cfg_errf(errs, name, r, "syntax error");

	/* Single sections absent from the file take their defaults. */
	for (size_t i = 0; schema[i] != NULL; i++) {
		if (schema[i]->flags & CFG_SEC_NAMED)
			continue;
		bool found = false;
		for (size_t j = 0; j < ld.n_items && !found; j++)
			found = ld.items[j].it.sec == schema[i];
		if (!found)
			item_add(&ld, schema[i], NULL, 0);
	}
	for (size_t i = 0; i < ld.n_items; i++)
		item_finish(&ld, &ld.items[i]);

	if (ld.is_oom) {
		ret = -ENOMEM;
		goto out;
	}
	if (errs->n > errs_before)
		goto out;
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->path = strdup(name)) == NULL ||
	    (c->items = calloc(ld.n_items, sizeof(*c->items))) == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	c->schema = schema;
	for (size_t i = 0; i < ld.n_items; i++) {
		c->items[i] = ld.items[i].it;
		free(ld.items[i].set_line);
	}
	c->n_items = ld.n_items;
	free(ld.items);
	ld.items = NULL;
	ld.n_items = 0;
	*out = c;
	c = NULL;
	ret = 0;
out:
	loader_clear(&ld);
	cfg_free(&c);
	return ret;
}

int
cfg_load(const char *path, const struct cfg_section *const *schema,
    struct cfg **out, struct cfg_errs *errs)
{
	char *text = NULL;
	struct stat st;
	int ret;

	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		cfg_errf(errs, path, 0, "cannot open: %s", strerror(-ret));
		return ret;
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		goto fail;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > CFG_FILE_MAX) {
		ret = -IK_ELIMIT;
		cfg_errf(errs, path, 0, "not a regular file of at most %u "
		    "bytes", CFG_FILE_MAX);
		goto out;
	}
	if ((text = malloc((size_t)st.st_size + 1)) == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, text + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto fail;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	text[got] = '\0';
	if (strlen(text) != got) {
		/* The reader cannot see past a NUL; find its line here. */
		int line = 1;
		for (const char *p = text; *p != '\0'; p++)
			line += *p == '\n';
		cfg_errf(errs, path, line, "NUL byte in line");
		ret = -IK_ECONFIG;
		goto out;
	}
	ret = cfg_load_string(text, path, schema, out, errs);
	goto out;
fail:
	cfg_errf(errs, path, 0, "cannot read: %s", ik_strerror(ret));
out:
	free(text);
	close(fd);
	return ret;
}

void
cfg_free(struct cfg **cp)
{
	struct cfg *c = cp != NULL ? *cp : NULL;

	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n_items; i++)
		item_clear(&c->items[i]);
	free(c->items);
	free(c->path);
	free(c);
	*cp = NULL;
}

const void *
cfg_get(const struct cfg *c, const char *name)
{
	for (size_t i = 0; i < c->n_items; i++) {
		const struct cfg_item *it = &c->items[i];
		if (!(it->sec->flags & CFG_SEC_NAMED) &&
		    strcmp(it->sec->name, name) == 0)
			return it->obj;
	}
	return NULL;
}

const struct cfg_item *
cfg_next(const struct cfg *c, const char *name, size_t *iter)
{
	while (*iter < c->n_items) {
		const struct cfg_item *it = &c->items[(*iter)++];
		if ((it->sec->flags & CFG_SEC_NAMED) &&
		    strcmp(it->sec->name, name) == 0)
			return it;
	}
	return NULL;
}
