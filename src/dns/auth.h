/* dns/auth.h - the authoritative answer logic (RFC 1034 4.3.2, RFC 2308,
 * RFC 4592 wildcards, RFC 6672 DNAME): a query in, a response out, no
 * sockets. UDP workers and TCP sessions both call dns_auth_answer; AXFR
 * (RFC 5936) streams a zone as several messages through a callback.
 * Thread-safe over a read-only zonedb; counters go to the caller's
 * per-thread struct dns_stats. */
#ifndef IK_DNS_AUTH_H
#define IK_DNS_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dns/wire.h"
#include "dns/zonedb.h"

struct arena;

/* Query types counted one by one in stats; others go to "other". */
enum dns_stat_type {
	DNS_ST_A, DNS_ST_AAAA, DNS_ST_NS, DNS_ST_CNAME, DNS_ST_SOA,
	DNS_ST_MX, DNS_ST_TXT, DNS_ST_PTR, DNS_ST_SRV, DNS_ST_CAA,
	DNS_ST_ANY, DNS_ST_AXFR, DNS_ST_OTHER, DNS_ST_N
};

struct dns_stats {
	uint64_t	 queries;	/* messages answered or dropped */
	uint64_t	 udp, tcp;
	uint64_t	 rcode[17];	/* 0..15, and 16 = BADVERS */
	uint64_t	 qtype[DNS_ST_N];
	uint64_t	 truncated;	/* TC set */
	uint64_t	 dropped;	/* responses, runts: no answer sent */
	uint64_t	 edns;
	uint64_t	 axfr;		/* transfers served */
	uint64_t	 axfr_refused;
	uint64_t	 recursive;	/* handed to the resolver side */
};

const char *dns_stat_type_name(enum dns_stat_type t);
void dns_stats_add(struct dns_stats *sum, const struct dns_stats *s);

struct dns_auth_opts {
	uint16_t	 udp_max;	/* our EDNS payload size (1232) */
	bool		 is_tcp;	/* no UDP size limit, no TC */
	/* When set, a query for a name in no zone goes here instead of
	 * getting REFUSED (local_len 0), and so does a query with RD whose
	 * local answer, in out[0..local_len), ends in a CNAME leading out
	 * of every zone, for recursion to continue. Returns the reply's
	 * length (local_len: the local answer as it is), or 0 when the
	 * answer comes later (or never). */
	size_t		(*recurse)(void *arg, const struct dns_msg *m,
			    const uint8_t *q, size_t qlen, size_t local_len,
			    uint8_t *out, size_t cap, struct arena *a);
	void		*recurse_arg;
};

/* Answers the query in q[0..qlen) into out[0..cap) (cap >= 512; 65535
 * for TCP). Returns the response length, or 0 when nothing must be sent
 * (a response message, or fewer than 12 bytes). Malformed queries get
 * FORMERR, unknown opcodes NOTIMP, names outside every zone REFUSED,
 * EDNS versions above 0 BADVERS. `a` is scratch, reset by the caller. */
size_t dns_auth_answer(const struct zonedb *db, const struct dns_auth_opts *o,
    const uint8_t *q, size_t qlen, uint8_t *out, size_t cap,
    struct arena *a, struct dns_stats *st);

/* Parsed query, for callers that must look before answering (the TCP
 * path checks for AXFR). Returns 0 or a negative parse error. */
int dns_auth_parse_query(const uint8_t *q, size_t qlen, struct arena *a,
    struct dns_msg *out);

/* Sends zone `z` for the AXFR query `q`: the SOA, every record, the SOA
 * again (RFC 5936 2.2), packed into messages of up to `cap` bytes built
 * in buf, each handed to `emit`. Returns 0, or the first negative value
 * emit returned, or -IK_ETRUNC if a single record cannot fit. */
int dns_auth_axfr(const struct zone *z, const struct dns_msg *q,
    uint8_t *buf, size_t cap,
    int (*emit)(void *arg, const uint8_t *msg, size_t len), void *arg);

/* The response for a refused AXFR (REFUSED, question echoed). */
size_t dns_auth_refuse(const struct dns_msg *q, unsigned rcode, uint8_t *out,
    size_t cap);

#endif
