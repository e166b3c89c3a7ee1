/* dns/resolver.h - iterative resolution (RFC 1034 5.3.3) as a state
 * machine with no sockets: the I/O layer (dns/recurse.c) asks it what to
 * do next, sends what it says, and feeds back responses and timeouts.
 * From the closest zone cut in the cache (or the root hints) it follows
 * referrals down to the answer, with QNAME minimisation (RFC 9156),
 * optional 0x20 case randomisation, bailiwick checks on what it caches,
 * CNAME chains across zones, glue-less NS names resolved by child
 * queries, lame and dead servers skipped, and bounded work: upstream
 * queries, child depth, chain length and a deadline. */
#ifndef IK_DNS_RESOLVER_H
#define IK_DNS_RESOLVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cfg.h"
#include "core/net.h"
#include "dns/cache.h"
#include "dns/wire.h"

struct arena;

#define RSLV_SERVERS_MAX	16	/* addresses kept per zone cut */
#define RSLV_CHAIN_MAX		8	/* CNAME links followed */
#define RSLV_SENT_MAX		48	/* upstream queries per client query */
#define RSLV_DEPTH_MAX		4	/* nested glue-less NS lookups */
#define RSLV_MINIMISE_MAX	10	/* labels added one by one (RFC 9156) */

/* Root hints: the root's NS names and their addresses. */
struct rslv_hints {
	struct net_addr		 addr[RSLV_SERVERS_MAX];
	struct dns_name		 name[RSLV_SERVERS_MAX];
	unsigned		 n;
};

/* Loads a named.root style file (an RFC 1035 master file with the root's
 * NS records and their A/AAAA). Errors go to errs. Returns 0, or < 0. */
int rslv_hints_load(const char *path, uint16_t port, struct rslv_hints *out,
    struct cfg_errs *errs);

/* Measured round-trip times per server address (resolver thread only). */
struct rslv_infra;
struct rslv_infra *rslv_infra_new(void);
void rslv_infra_free(struct rslv_infra **ip);
/* Smoothed RTT in ms; 0 when never measured. */
unsigned rslv_infra_rtt(struct rslv_infra *in, const struct net_addr *a);
void rslv_infra_update(struct rslv_infra *in, const struct net_addr *a,
    unsigned rtt_ms, bool is_timeout);

/* What the resolver shares across queries. */
struct rslv_env {
	struct cache		*cache;
	struct rslv_infra	*infra;
	const struct rslv_hints	*hints;
	const struct net_addr	*forward;	/* forwarders, or NULL */
	unsigned		 n_forward;
	uint16_t		 port;		/* upstream port (53) */
	bool			 qname_minimise;
	bool			 use_0x20;
	uint64_t		 timeout_ms;	/* per client query */
	/* Random bits for IDs and 0x20 (OpenSSL's RAND in production). */
	uint32_t		(*random32)(void *arg);
	void			*random_arg;
};

enum rslv_step {
	RSLV_SEND,	/* send act.query to act.server, wait act.timeout_ms */
	RSLV_WAIT,	/* that response was not ours: keep waiting */
	RSLV_CHILD,	/* resolve act.child_name/act.child_type, then call
			 * rslv_child_done */
	RSLV_DONE,	/* finished: the result is in the query */
};

struct rslv_action {
	enum rslv_step		 step;
	struct net_addr		 server;
	bool			 over_tcp;
	uint8_t			 query[DNS_NAME_MAX + 64];
	size_t			 query_len;
	uint64_t		 timeout_ms;
	struct dns_name		 child_name;
	uint16_t		 child_type;
};

/* A record set gathered for the reply. */
struct rslv_rrset {
	struct dns_name		 name;
	uint16_t		 type;
	uint32_t		 ttl;
	uint16_t		 n;
	const uint8_t		**rdata;
	uint16_t		*rdlen;
};

struct rslv_query {
	const struct rslv_env	*env;
	struct arena		*a;		/* borrowed; lives as long */
	struct dns_name		 qname;		/* the client's */
	uint16_t		 qtype;
	unsigned		 depth;		/* 0: a client's query */
	bool			 refresh;	/* a prefetch: the answer (and
						 * its chain) from the servers,
						 * not the cache; set after
						 * rslv_init */
	unsigned		*n_sent;	/* shared with children */
	unsigned		 own_sent;
	uint64_t		 deadline;	/* ms, same clock as `now` */
	/* Where the walk is. */
	struct dns_name		 target;	/* qname, or a CNAME target */
	struct dns_name		 cut;		/* current zone cut */
	struct net_addr		 srv[RSLV_SERVERS_MAX];
	bool			 tried[RSLV_SERVERS_MAX];
	unsigned		 n_srv;
	struct dns_name		 need[RSLV_SERVERS_MAX];	/* NS names
							 * without address */
	unsigned		 n_need, next_need;
	unsigned		 min_labels;	/* labels asked (minimising) */
	bool			 is_minimising;
	bool			 is_forwarding;
	/* The query in flight. */
	uint16_t		 id;
	struct dns_name		 asked;		/* as sent (0x20 case) */
	uint16_t		 asked_type;
	unsigned		 asked_srv;
	uint64_t		 sent_at;
	bool			 asked_tcp;
	uint8_t			 sent[DNS_NAME_MAX + 64];	/* its bytes,
							 * for a TCP retry */
	size_t			 sent_len;
	/* The result. */
	unsigned		 rcode;
	struct rslv_rrset	 chain[RSLV_CHAIN_MAX + 1];	/* CNAMEs,
							 * then the answer */
	unsigned		 n_chain;
	bool			 has_answer;
	struct rslv_rrset	 soa;		/* negative answers */
	bool			 has_soa;
	const char		*why;		/* SERVFAIL reason, for logs */
	/* Steps taken, for +trace style logs (optional callback). */
	void			(*trace)(void *arg, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
	void			*trace_arg;
};

/* Starts resolving (qname, qtype); everything in q is reset except
 * trace and trace_arg (so zero the struct first). Times (`now`, deadlines) are in ms
 * of a monotonic clock; the cache is given now / 1000. */
void rslv_init(struct rslv_query *q, const struct rslv_env *env,
    struct arena *a, const struct dns_name *qname, uint16_t qtype,
    unsigned depth, unsigned *n_sent, uint64_t now);
/* The first action. */
void rslv_start(struct rslv_query *q, uint64_t now, struct rslv_action *act);
/* A response came from act.server (the I/O layer checked the source
 * address and port). */
void rslv_on_response(struct rslv_query *q, const uint8_t *buf, size_t len,
    uint64_t now, struct rslv_action *act);
/* No response within the timeout (or the socket failed). */
void rslv_on_timeout(struct rslv_query *q, uint64_t now,
    struct rslv_action *act);
/* The child query asked for by RSLV_CHILD finished (its results are in
 * the cache). */
void rslv_child_done(struct rslv_query *q, uint64_t now,
    struct rslv_action *act);

/* Builds the client's reply from a finished query. `req` is the client's
 * parsed query; `udp_max` its size limit (0 for TCP). Returns the length
 * or 0. */
size_t rslv_reply(const struct rslv_query *q, const struct dns_msg *req,
    size_t udp_max, uint16_t our_udp, uint8_t *out, size_t cap);

/* The start of an answer from the server's own zones whose CNAME chain
 * leads out of them: resolution goes on at `target`, and the reply
 * carries `sets` (the local CNAMEs, DNAMEs) in front of what it finds. */
struct rslv_prefix {
	struct rslv_rrset	 sets[RSLV_CHAIN_MAX];
	unsigned		 n;
	struct dns_name		 target;
};

/* Reads the answer section of the local reply msg[0..len) into *p, whose
 * RDATA may point into msg: msg must outlive p. 0, or -1 when it does not
 * end in a CNAME leading away (then the local reply stands as it is). */
int rslv_prefix_parse(const uint8_t *msg, size_t len, struct arena *a,
    struct rslv_prefix *p);
/* After rslv_init: the walk starts at p->target, with p's records first
 * in the reply. `p` must outlive the query. */
void rslv_seed(struct rslv_query *q, const struct rslv_prefix *p);

/* Answers `req` from the cache alone (`now_s` in the cache's seconds):
 * 1 with the reply in out (*len), 0 on a miss. With `p`, the cache is
 * asked for p->target and p's records come first. *prefetch (when not
 * NULL) is set on a hit that used an RRset in the last tenth of its TTL,
 * for this caller to refresh (cache_rrset.prefetch). Thread-safe (the
 * cache is). */
int rslv_answer_cached(struct cache *c, const struct dns_msg *req,
    const struct rslv_prefix *p, size_t udp_max, uint16_t our_udp,
    uint64_t now_s, struct arena *a, uint8_t *out, size_t cap,
    size_t *len, bool *prefetch);

/* Like rslv_answer_cached, from data expired less than the cache's
 * stale window ago too (cache_set_stale), each with a 30 s TTL: the
 * answer when resolving failed (RFC 8767). Positive answers only. */
int rslv_answer_stale(struct cache *c, const struct dns_msg *req,
    const struct rslv_prefix *p, size_t udp_max, uint16_t our_udp,
    uint64_t now_s, struct arena *a, uint8_t *out, size_t cap,
    size_t *len);

#endif
