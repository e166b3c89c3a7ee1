/* dns/stub.h - a blocking DNS client (RFC 1034 5.3.1, a "stub"): one
 * question to one server over UDP, with TCP when the answer comes back
 * truncated (RFC 7766 5) or when asked; retries with a doubling timeout;
 * several servers in turn; and a small cache of whole responses keyed by
 * (name, type). Used by `inetkit dig` and by clients inside services
 * (the SMTP relay's MX lookups). Blocks the calling thread for at most
 * the timeouts given; no event loop, no globals, no logging, so threads
 * may query at once (each with its own arena and cache). */
#ifndef IK_DNS_STUB_H
#define IK_DNS_STUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/net.h"
#include "dns/wire.h"

struct arena;

#define STUB_F_RD	0x1	/* recursion desired */
#define STUB_F_TCP	0x2	/* TCP only, no UDP first */

#define STUB_TRIES_MAX		10
#define STUB_TIMEOUT_MAX_MS	60000	/* one try, after doubling */
#define STUB_QUERY_MAX		(DNS_HDR_LEN + DNS_NAME_MAX + 4 + 11)
#define STUB_CACHE_MAX		4096	/* entries (searched linearly) */
#define STUB_TTL_MAX		86400	/* cached at most a day */

struct stub_opts {
	unsigned	 flags;		/* STUB_F_* */
	uint16_t	 edns_size;	/* our EDNS UDP size (RFC 6891);
					 * 0: no OPT record */
	unsigned	 timeout_ms;	/* first try (0: 2000); doubles on
					 * each retry, up to
					 * STUB_TIMEOUT_MAX_MS */
	unsigned	 tries;		/* per server, 1..STUB_TRIES_MAX
					 * (0 counts as 1) */
};

/* A response. Everything points into the arena given to the call and
 * is valid until that arena is reset or freed. */
struct stub_result {
	struct dns_msg	 msg;
	const uint8_t	*wire;		/* the response as received */
	size_t		 len;
	unsigned	 rtt_ms;	/* the answering try; 0 if cached */
	bool		 is_tcp;	/* the answer came over TCP */
	bool		 is_cached;	/* from the stub cache, no network */
	struct net_addr	 server;	/* who answered (unset if cached) */
};

/* Asks `server` (name, type, class IN) and waits for the response: a
 * fresh socket per try (the kernel picks a random source port), a random
 * ID from OpenSSL's CSPRNG, and on UDP a connected socket whose
 * datagrams count only if they carry our ID and our question; anything
 * else is ignored until the try's timeout. A truncated UDP answer is
 * asked again over TCP at once; a FORMERR to a query with EDNS is asked
 * again without it (RFC 6891 7). Returns 0 with *out filled for any
 * rcode, or -ETIMEDOUT (no try answered), -ECONNREFUSED (nothing
 * listens, per ICMP or TCP), -IK_EPARSE (a TCP peer sent something other
 * than our answer), -EIO (no random bytes), -ENOMEM, or another -errno
 * from the socket calls of the last try. */
int stub_query(const struct net_addr *server, const struct dns_name *name,
    uint16_t type, const struct stub_opts *o, struct arena *a,
    struct stub_result *out);

/* ---- the cache ---- */

struct stub_cache;

struct stub_cache_stats {
	uint64_t	 hits, misses, inserts, evictions, expired;
	unsigned	 entries;
};

/* A cache of at most `max_entries` responses (1..STUB_CACHE_MAX),
 * owned by the caller; the least recently used one makes room. Not
 * thread-safe: one per thread, or a lock around it. NULL on ENOMEM or a
 * bad size. */
struct stub_cache *stub_cache_new(unsigned max_entries);
void stub_cache_free(struct stub_cache **cp);

/* Stores `r` under its question at `now` (seconds of any monotonic
 * clock, the same for every call). Kept: NOERROR with answers for the
 * smallest answer TTL; NXDOMAIN, or NOERROR without answers (NODATA),
 * for the SOA's negative TTL, min(SOA TTL, MINIMUM) (RFC 2308 5); at most
 * STUB_TTL_MAX. Other rcodes, truncated answers, TTL 0 and negative
 * answers without SOA are not kept. Returns 1 if stored, 0 if not
 * cacheable, -ENOMEM. */
int stub_cache_put(struct stub_cache *c, const struct stub_result *r,
    uint64_t now);
/* Finds (name, type), case-insensitively, valid at `now`: 0 with *out
 * parsed into `a` (every TTL counted down by the time it was held,
 * is_cached set), -IK_ENOTFOUND when absent or expired, -ENOMEM. */
int stub_cache_get(struct stub_cache *c, const struct dns_name *name,
    uint16_t type, uint64_t now, struct arena *a, struct stub_result *out);
void stub_cache_stats(const struct stub_cache *c,
    struct stub_cache_stats *out);

/* The whole rcode: the header's 4 bits and the OPT record's upper 8
 * (RFC 6891 6.1.3). */
unsigned stub_rcode(const struct dns_msg *m);

/* The address in an A or AAAA record, with `port`: 0, or -IK_ENOTFOUND
 * for other types and malformed RDATA. */
int stub_rr_addr(const struct dns_rr *rr, uint16_t port,
    struct net_addr *out);

/* ---- several servers ---- */

struct stub_conf {
	const struct net_addr	*servers;	/* borrowed, asked in order */
	unsigned		 n_servers;
	struct stub_opts	 opts;
	struct stub_cache	*cache;		/* borrowed; NULL: none */
};

/* Answers (name, type) from the cache when it can; else asks the
 * servers like resolv.conf does: each try goes round every server in
 * order before the next, doubled timeout. A server that times out, is
 * unreachable, or answers SERVFAIL, REFUSED, NOTIMP or FORMERR leaves
 * the question to the next one; the first other answer is returned (and
 * cached). If only error answers came, the first of them is returned.
 * `now` is the cache's clock (seconds). Returns 0, or what stub_query
 * returned for the last server asked (-ETIMEDOUT...), -EINVAL with no
 * servers. */
int stub_resolve(const struct stub_conf *sc, const struct dns_name *name,
    uint16_t type, uint64_t now, struct arena *a, struct stub_result *out);

#endif
