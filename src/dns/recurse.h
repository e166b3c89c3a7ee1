/* dns/recurse.h - the recursive side of the dns service, I/O half:
 * queries for names in no local zone come here from the UDP workers and
 * from TCP sessions; cache hits are answered at once in the caller's
 * thread, misses are resolved on a resolver lane (a thread with its own
 * event loop, which also runs its UDP workers; the service's own loop
 * for TCP) by the state machine in dns/resolver.c, which this file feeds
 * with upstream responses and timeouts. */
#ifndef IK_DNS_RECURSE_H
#define IK_DNS_RECURSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/net.h"
#include "dns/auth.h"
#include "dns/cache.h"
#include "dns/resolver.h"

struct event_base;
struct dns_recurse;

struct dns_recurse_conf {
	struct net_cidrs	 allow;		/* clients that may recurse */
	struct rslv_hints	 hints;
	struct net_addr		*forward;	/* borrowed; NULL: iterate */
	unsigned		 n_forward;
	uint16_t		 port;
	bool			 qname_minimise;
	bool			 use_0x20;
	uint64_t		 timeout_ms;
	size_t			 cache_size;
	uint32_t		 stale_s;	/* serve-stale window; 0 off */
	bool			 prefetch;	/* refresh popular names */
	uint16_t		 udp_max;	/* our EDNS size */
	unsigned		 max_jobs;	/* resolutions at once */
	unsigned		 lanes;		/* resolver threads for UDP
						 * misses (0: the service's
						 * loop does all) */
};

struct dns_recurse_stats {
	uint64_t	 requests;	/* recursive queries seen */
	uint64_t	 cache_answers;
	uint64_t	 resolved;	/* finished by resolution */
	uint64_t	 servfail;
	uint64_t	 refused;	/* not in allow, or RD=0 miss */
	uint64_t	 upstream;	/* queries sent upstream */
	uint64_t	 upstream_tcp;
	uint64_t	 timeouts;
	uint64_t	 dropped;	/* over max_jobs */
	uint64_t	 coalesced;	/* waited on another's upstream query */
	uint64_t	 stale;		/* failed, answered from stale data */
	uint64_t	 prefetches;	/* refreshes started */
	uint64_t	 jobs;		/* in flight now */
};

/* `conf` is copied. NULL on failure (-errno in *err). The lanes'
 * threads start with dns_recurse_run, so that UDP workers can put their
 * sockets on the lanes' loops first. */
struct dns_recurse *dns_recurse_new(struct event_base *base,
    const struct dns_recurse_conf *conf, int *err);
int dns_recurse_run(struct dns_recurse *r);
/* The loop of UDP worker number `worker`'s lane, to run the worker on
 * (before dns_recurse_run); NULL when misses go to the service's loop. */
struct event_base *dns_recurse_lane_base(struct dns_recurse *r,
    unsigned worker);
/* Joins the lanes' threads (their jobs stay until dns_recurse_free), so
 * that workers running on them can be torn down. */
void dns_recurse_stop_lanes(struct dns_recurse *r);
void dns_recurse_free(struct dns_recurse **rp);
/* Applies a new allow list (reload); the other settings need a restart.
 * The cache stays. */
void dns_recurse_set_conf(struct dns_recurse *r,
    const struct dns_recurse_conf *conf);

/* The dns_auth_opts.recurse hook for UDP worker number `worker`, called
 * on that worker's lane (dns_recurse_lane_base): answers from cache or
 * with REFUSED at once (returns the length), or starts resolving on the
 * lane, which answers later with sendto(fd, peer) (returns 0).
 * `local_len` > 0: out[0..local_len) is the local answer whose CNAME
 * chain leads out of the server's zones; resolution continues it, or it
 * stands as it is (returned). */
size_t dns_recurse_udp(struct dns_recurse *r, unsigned worker,
    const struct dns_msg *m, const uint8_t *q, size_t qlen,
    size_t local_len, int fd, const struct net_addr *peer, uint8_t *out,
    size_t cap, struct arena *a);

/* A TCP client's query (event loop thread): like dns_recurse_udp, but a
 * later answer goes to reply(arg, job, msg, len), called once; the job is
 * gone after it. Returns the immediate reply's length, or 0 with *job set
 * to a handle the caller cancels if it goes away first (then reply is
 * never called). */
struct dns_rjob;
typedef void dns_reply_fn(void *arg, struct dns_rjob *job,
    const uint8_t *msg, size_t len);
size_t dns_recurse_tcp(struct dns_recurse *r, const struct dns_msg *m,
    const uint8_t *q, size_t qlen, size_t local_len,
    const struct net_addr *peer, dns_reply_fn *reply, void *arg,
    uint8_t *out, size_t cap, struct arena *a, struct dns_rjob **job);
void dns_recurse_cancel(struct dns_rjob *job);

/* Drops cached entries: all when `name` is NULL, else at `name` (and
 * below it when `below`). Returns how many. */
size_t dns_recurse_flush(struct dns_recurse *r, const struct dns_name *name,
    bool below);
void dns_recurse_stats(struct dns_recurse *r, struct dns_recurse_stats *out,
    struct cache_stats *cache);

#endif
