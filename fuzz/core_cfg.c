/* fuzz/core_cfg.c - the input as config text for cfg_load_string, against
 * a schema with a key of every type and a named section with a required
 * key and a check. Invariants: a load is repeatable (same result, same
 * errors: no state leaks between loads through inih's globals); every
 * error names the file; a loaded config has every single section, named
 * sections with distinct non-empty names, and every value in its range. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/cfg.h"
#include "core/err.h"
#include "core/log.h"
#include "core/net.h"

#define FUZZ_NAME	"fuzz.conf"
#define FUZZ_TEXT_MAX	(64u << 10)	/* longer inputs are not tried */

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
};

#define M(f)	offsetof(struct main_conf, f)

static const struct cfg_key main_keys[] = {
	{ "flag", CFG_BOOL, M(flag), "no", 0, 0, NULL },
	{ "count", CFG_INT, M(count), "10", -5, 100, NULL },
	{ "size", CFG_SIZE, M(size), "64K", 512, 1ll << 31, NULL },
	{ "timeout", CFG_DURATION, M(timeout_ms), "30s", 250, 604800000,
	    NULL },
	{ "name", CFG_STR, M(name), "x", 0, 16, NULL },
	{ "dir", CFG_PATH, M(dir), "./var", 0, 0, NULL },
	{ "listen", CFG_ADDRPORT, M(listen), "127.0.0.1:53", 53, 0, NULL },
	{ "listens", CFG_ADDRPORTS, M(listens), "127.0.0.1:53 [::1]:53", 0, 0,
	    NULL },
	{ "net", CFG_CIDR, M(net), "10.0.0.0/8", 0, 0, NULL },
	{ "allow", CFG_CIDRS, M(allow), "127.0.0.0/8 ::1", 0, 0, NULL },
	{ "ports", CFG_PORTRANGE, M(ports), "50000-50100", 0, 0, NULL },
	{ "level", CFG_LEVEL, M(level), "info", 0, 0, NULL },
	{ 0 },
};

struct zone_conf {
	char		*origin;
	char		*file;
	int		 ttl;
	uint64_t	 refresh_ms;
	bool		 notify;
};

#define Z(f)	offsetof(struct zone_conf, f)

static const struct cfg_key zone_keys[] = {
	{ "origin", CFG_STR, Z(origin), NULL, 0, 255, NULL },
	{ "file", CFG_PATH, Z(file), "zones/db", 0, 0, NULL },
	{ "ttl", CFG_INT, Z(ttl), "3600", 0, 86400, NULL },
	{ "refresh", CFG_DURATION, Z(refresh_ms), "1h", 1000, 86400000,
	    NULL },
	{ "notify", CFG_BOOL, Z(notify), "yes", 0, 0, NULL },
	{ 0 },
};

static int
zone_check(void *obj, const char *name, struct cfg_errs *e, const char *file,
    int line)
{
	const struct zone_conf *z = obj;

	if (z->origin == NULL)
		return 0;	/* reported as missing already */
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

/* Every value of a loaded section lies within its key's limits. */
static void
check_values(const struct cfg_key *keys, const void *obj)
{
	for (const struct cfg_key *k = keys; k->name != NULL; k++) {
		const char *f = (const char *)obj + k->off;
		bool ranged = k->min != 0 || k->max != 0;

		switch (k->type) {
		case CFG_INT: {
			int v;
			memcpy(&v, f, sizeof(v));
			if (ranged && (v < k->min || v > k->max))
				abort();
			break;
		}
		case CFG_SIZE:
		case CFG_DURATION: {
			uint64_t v;
			memcpy(&v, f, sizeof(v));
			if (ranged && (v < (uint64_t)k->min ||
			    v > (uint64_t)k->max))
				abort();
			break;
		}
		case CFG_STR:
		case CFG_PATH: {
			const char *s;
			memcpy(&s, f, sizeof(s));
			if (s == NULL || (k->max > 0 &&
			    strlen(s) > (size_t)k->max))
				abort();
			break;
		}
		case CFG_PORTRANGE: {
			struct cfg_portrange pr;
			memcpy(&pr, f, sizeof(pr));
			if (pr.lo == 0 || pr.hi < pr.lo)
				abort();
			break;
		}
		case CFG_ADDRPORT: {
			struct net_addr a;
			memcpy(&a, f, sizeof(a));
			if (a.len == 0)
				abort();
			break;
		}
		case CFG_CIDR: {
			struct net_cidr c;
			memcpy(&c, f, sizeof(c));
			if (c.prefix > (c.family == AF_INET ? 32u : 128u))
				abort();
			break;
		}
		default:
			break;
		}
	}
}

static void
check_loaded(const struct cfg *c)
{
	const void *m = cfg_get(c, "main");
	size_t it = 0, n_named = 0;
	const struct cfg_item *zi;

	if (m == NULL)
		abort();
	check_values(main_keys, m);
	while ((zi = cfg_next(c, "zone", &it)) != NULL) {
		if (zi->name == NULL || zi->name[0] == '\0' || zi->line <= 0)
			abort();
		check_values(zone_keys, zi->obj);
		/* named sections are distinct, case-insensitively */
		size_t it2 = 0;
		const struct cfg_item *o;
		while ((o = cfg_next(c, "zone", &it2)) != NULL && o != zi)
			if (strcasecmp(o->name, zi->name) == 0)
				abort();
		n_named++;
	}
	if (c->n_items != n_named + 1)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct cfg *c1 = NULL, *c2 = NULL;
	struct cfg_errs e1 = { 0 }, e2 = { 0 };

	if (len > FUZZ_TEXT_MAX)
		return 0;
	char *text = malloc(len + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, len);
	text[len] = '\0';

	int r1 = cfg_load_string(text, FUZZ_NAME, schema, &c1, &e1);
	int r2 = cfg_load_string(text, FUZZ_NAME, schema, &c2, &e2);
	if (r1 != r2 || e1.n != e2.n)
		abort();
	for (size_t i = 0; i < e1.n; i++) {
		if (strcmp(e1.msg[i], e2.msg[i]) != 0 ||
		    strncmp(e1.msg[i], FUZZ_NAME ":",
		    sizeof(FUZZ_NAME)) != 0)
			abort();
	}
	if (r1 == 0) {
		if (c1 == NULL || e1.n != 0)
			abort();
		check_loaded(c1);
	} else if (c1 != NULL || (r1 == -IK_ECONFIG && e1.n == 0)) {
		abort();
	}
	cfg_free(&c1);
	cfg_free(&c2);
	cfg_errs_clear(&e1);
	cfg_errs_clear(&e2);
	free(text);
	return 0;
}
