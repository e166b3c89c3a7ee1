/* dns/cache.h - the resolver's cache of RRsets and negative answers
 * (RFC 2308), shared by the UDP worker threads and the resolver: sharded
 * by name hash, each shard with its own lock, LRU list and share of the
 * memory limit. Entries expire by TTL; a read copies out what it needs
 * with TTLs counted down to the caller's `now`. Logic: no sockets. */
#ifndef IK_DNS_CACHE_H
#define IK_DNS_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/name.h"
#include "dns/rr.h"

struct arena;

/* How far a cached RRset may be trusted (RFC 2181 5.4.1, in order). A
 * store never replaces data of higher trust that is still valid. */
enum cache_trust {
	CACHE_GLUE = 1,		/* additional section of a referral */
	CACHE_AUTHORITY,	/* authority section (NS, SOA) */
	CACHE_ANSWER,		/* answer section, non-authoritative */
	CACHE_AUTH_ANSWER,	/* answer section with AA */
};

/* A negative entry: the name does not exist (type 0) or has no data of
 * one type. */
enum cache_neg { CACHE_NXDOMAIN = 1, CACHE_NODATA };

struct cache_rrset {
	struct dns_name	 name;
	uint16_t	 type;
	uint32_t	 ttl;		/* remaining at the lookup's `now` */
	uint16_t	 n;		/* records */
	const uint8_t	**rdata;	/* n pointers (arena) */
	uint16_t	*rdlen;
	enum cache_trust trust;
	bool		 prefetch;	/* cache_get_rrset: in its last tenth,
					 * and this reader is the first to
					 * see it there: refresh it */
};

#define CACHE_STALE_TTL	30	/* s, of a stale answer (RFC 8767 4) */
#define CACHE_PREFETCH_MIN_TTL	10	/* s; shorter TTLs are not refreshed */

struct cache_stats {
	uint64_t	 hits, misses, neg_hits, inserts, evictions, expired;
	uint64_t	 entries, bytes, limit;
};

struct cache;

/* A cache of at most `limit` bytes (entries, names and RDATA counted),
 * split in `shards` (a power of two). NULL on ENOMEM. */
struct cache *cache_new(size_t limit, unsigned shards);
void cache_free(struct cache **cp);

/* Stores the RRset (n records of `type` at `name`, the smallest TTL
 * used, capped at max_ttl) with its trust, at time `now` (seconds, any
 * monotonic clock). TTL 0 is not stored. Returns 0, or -ENOMEM when even
 * eviction cannot make room. */
int cache_put_rrset(struct cache *c, const struct dns_name *name,
    uint16_t type, uint32_t ttl, const uint8_t *const *rdata,
    const uint16_t *rdlen, uint16_t n, enum cache_trust trust, uint64_t now);
/* Stores a negative answer for (name, type) - type ignored for
 * NXDOMAIN - with the SOA record that proves it (owner `soa_name`, its
 * RDATA), for `ttl` seconds. */
int cache_put_neg(struct cache *c, const struct dns_name *name,
    uint16_t type, enum cache_neg kind, const struct dns_name *soa_name,
    const uint8_t *soa_rdata, uint16_t soa_rdlen, uint32_t ttl,
    uint64_t now);

/* Copies the RRset (name, type) valid at `now` into `a`. Returns 0, or
 * -IK_ENOTFOUND (absent or expired), -ENOMEM. Counts a hit or miss. */
int cache_get_rrset(struct cache *c, const struct dns_name *name,
    uint16_t type, uint64_t now, struct arena *a, struct cache_rrset *out);
/* Like cache_get_rrset, but an RRset expired less than the stale window
 * ago is found too, with the TTL CACHE_STALE_TTL (RFC 8767): for when
 * resolving failed. Counts nothing. */
int cache_get_stale(struct cache *c, const struct dns_name *name,
    uint16_t type, uint64_t now, struct arena *a, struct cache_rrset *out);
/* How long expired entries are kept for cache_get_stale (0, the start:
 * dropped at expiry). Set before the cache is shared. */
void cache_set_stale(struct cache *c, uint32_t seconds);

/* Looks for a negative entry covering (name, type): NXDOMAIN for the
 * name, or NODATA for that type. Returns CACHE_NXDOMAIN / CACHE_NODATA
 * with the SOA copied into *soa (ttl counted down), or 0 when none. */
int cache_get_neg(struct cache *c, const struct dns_name *name,
    uint16_t type, uint64_t now, struct arena *a, struct cache_rrset *soa);

/* Drops every entry at `name` (any type), or with `below` every entry at
 * or below it; NULL name: everything. Returns entries dropped. */
size_t cache_flush(struct cache *c, const struct dns_name *name, bool below);
void cache_stats(struct cache *c, struct cache_stats *out);

#endif
