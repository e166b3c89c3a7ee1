/* core/cfg.h - the INI configuration as typed tables.
 * A service describes its section with a table of keys (type, offset into
 * its struct, default, range); cfg_load() reads one file (via inih), checks
 * every key of every section, fills the structs and collects every error as
 * "file:line: message" so check-config can print them all. A loaded config
 * is read-only; reload loads a new one and swaps the pointer. */
#ifndef IK_CORE_CFG_H
#define IK_CORE_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/net.h"

enum cfg_type {
	CFG_BOOL,	/* bool: yes/no, true/false, on/off, 1/0 */
	CFG_INT,	/* int, in [min, max] */
	CFG_SIZE,	/* uint64_t bytes: 512, 64K, 64M, 2G (powers of 1024) */
	CFG_DURATION,	/* uint64_t ms: 250ms, 30s, 5m, 2h, 7d; bare = s */
	CFG_STR,	/* char *, owned by the config; len <= max if max > 0 */
	CFG_PATH,	/* char *, like STR; a relative path stays relative */
	CFG_ADDRPORT,	/* struct net_addr; min = default port (0: needed) */
	CFG_ADDRPORTS,	/* struct net_addrs: space-separated; min as above */
	CFG_CIDR,	/* struct net_cidr */
	CFG_CIDRS,	/* struct net_cidrs: space-separated, may be empty */
	CFG_PORTRANGE,	/* struct cfg_portrange: "50000-50100" or "21" */
	CFG_LEVEL,	/* enum log_level: debug, info, warn, error */
};

struct cfg_portrange {
	uint16_t	 lo, hi;
};

struct cfg_key {
	const char	*name;
	enum cfg_type	 type;
	size_t		 off;	/* offset of the field in the section struct */
	const char	*def;	/* default as text; NULL: key is required */
	int64_t		 min, max;	/* ranges: ints, sizes, ms */
	const char	*help;	/* one line, for docs and "unknown key" hints */
};

/* A section kind: "[dns]" (once) or "[zone NAME]" (CFG_SEC_NAMED, repeats,
 * each NAME once). `check` (optional) validates across keys after all
 * keys are set (it is skipped when a required key is missing); it reports
 * through cfg_errf() and returns < 0 on error. Ranges: min is a lower
 * bound when min or max is nonzero, max an upper bound when nonzero;
 * ints always fit int. */
struct cfg_errs;
struct cfg_section {
	const char		*name;
	unsigned		 flags;
#define CFG_SEC_NAMED	0x1	/* takes a NAME and may repeat */
	size_t			 size;	/* sizeof the section struct */
	const struct cfg_key	*keys;	/* ends with { 0 } */
	int			(*check)(void *obj, const char *name,
				    struct cfg_errs *e, const char *file,
				    int line);
};

/* One section as loaded. */
struct cfg_item {
	const struct cfg_section *sec;
	char			*name;	/* NAME of a named section, or NULL */
	int			 line;	/* of the [header]; 0 if defaulted */
	void			*obj;	/* the filled struct; owned */
};

struct cfg {
	char			*path;	/* owned copy of the file name */
	const struct cfg_section *const *schema;	/* borrowed */
	struct cfg_item		*items;
	size_t			 n_items;
};

/* Errors collected while loading; each message is "file:line: text". */
struct cfg_errs {
	char			**msg;
	size_t			 n, cap;
};

/* Loads `path` against `schema` (NULL-terminated list of section kinds).
 * Every single (unnamed) section kind gets an item, filled with defaults
 * when absent from the file. On success returns 0 and *out (owned; free
 * with cfg_free). On any error returns -IK_ECONFIG (or -errno if the file
 * cannot be read) with every problem appended to `errs`, and *out NULL. */
int cfg_load(const char *path, const struct cfg_section *const *schema,
    struct cfg **out, struct cfg_errs *errs);
/* Same, from text in memory; `name` is used in messages. */
int cfg_load_string(const char *text, const char *name,
    const struct cfg_section *const *schema, struct cfg **out,
    struct cfg_errs *errs);
void cfg_free(struct cfg **cp);

/* The struct of single section `name`; NULL if the schema has none. */
const void *cfg_get(const struct cfg *c, const char *name);
/* Iterates named sections of kind `name`: pass *iter = 0 first; returns
 * the next item or NULL when done. */
const struct cfg_item *cfg_next(const struct cfg *c, const char *name,
    size_t *iter);

/* Appends "file:line: message" to `e` (line 0: "file: message"). */
void cfg_errf(struct cfg_errs *e, const char *file, int line,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void cfg_errs_clear(struct cfg_errs *e);

/* Typed value parsers, used by cfg_load and by callers of their own.
 * Each returns 0 or -IK_EPARSE (bad syntax) / -IK_ELIMIT (out of range). */
int cfg_parse_bool(const char *s, bool *out);
int cfg_parse_size(const char *s, uint64_t *out);
int cfg_parse_duration_ms(const char *s, uint64_t *out);
int cfg_parse_portrange(const char *s, struct cfg_portrange *out);

#endif
