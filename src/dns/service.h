/* dns/service.h - the dns service: [dns] and [zone NAME] config, zone
 * loading and reload, and the wiring of UDP workers and TCP sessions. */
#ifndef IK_DNS_SERVICE_H
#define IK_DNS_SERVICE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/svc.h"
#include "dns/auth.h"
#include "dns/zonedb.h"

struct dns_conf {
	struct svc_conf		 base;
	struct net_addrs	 listen;
	int			 threads;	/* UDP workers; 0: one per CPU */
	int			 udp_size;	/* our EDNS payload size */
	uint64_t		 tcp_idle_ms;
	int			 tcp_max_clients;
	bool			 query_log;
	/* The resolver (issue #4). */
	bool			 recursion;
	struct net_cidrs	 allow_recursion;
	char			*root_hints;
	struct net_addrs	 forward;
	uint64_t		 cache_size;
	bool			 qname_minimisation;
	bool			 use_0x20;
	uint64_t		 resolve_timeout_ms;
	uint64_t		 serve_stale_ms;
	bool			 prefetch;
	int			 upstream_port;
	int			 max_resolutions;
};

struct dns_zone_conf {
	char			*file;
	struct net_cidrs	 allow_axfr;
};

/* What the UDP workers and the TCP path share: the zone db, swapped on
 * reload, and an epoch that tells when an old db is no longer read. */
struct dns_shared {
	_Atomic(struct zonedb *) db;
	atomic_uint_fast64_t	 epoch;
	struct dns_auth_opts	 opts;
	atomic_bool		 query_log;	/* a reload may flip it */
	struct dns_recurse	*recurse;	/* NULL: no recursion */
};

extern const struct svc_def dns_svc;

/* Loads the zones of every [zone] in `c` into a new db. A zone whose
 * file is unchanged since `old` (may be NULL) loaded it is shared, not
 * parsed again; a zone that fails to load keeps its version from `old`
 * when there is one. Problems go to `errs` (and are logged by the
 * caller). Returns the db, or NULL on ENOMEM. */
struct zonedb *dns_zones_load(const struct cfg *c, const struct zonedb *old,
    struct cfg_errs *errs);
/* Parses one zone file for `apex`. Returns 0 and *out, or < 0 with the
 * problems in errs. */
int dns_zone_load(const char *file, const struct dns_name *apex,
    struct zone **out, struct cfg_errs *errs);

#endif
