/* dns/udp.h - the UDP fast path: one worker per socket (each its own
 * SO_REUSEPORT socket; a thread of its own, or its resolver lane's when
 * recursion is on), recvmmsg/sendmmsg batches, a per-worker arena and
 * counters, no malloc and no logging per packet (query_log aside). */
#ifndef IK_DNS_UDP_H
#define IK_DNS_UDP_H

#include <stddef.h>
#include <stdint.h>

#include "dns/service.h"

struct dns_udp;

/* Starts one worker per fd in fds[0..n) (fds taken). `sh` is borrowed
 * and must outlive dns_udp_stop. With sh->recurse set, the workers go on
 * the resolver's lanes, which dns_recurse_run then starts. Returns NULL
 * on failure (-errno in *err). */
struct dns_udp *dns_udp_start(const int *fds, size_t n,
    struct dns_shared *sh, int *err);
/* True once every worker has begun a batch at or after `epoch`, so a db
 * swapped out before it is no longer read. */
bool dns_udp_passed(const struct dns_udp *u, uint64_t epoch);
/* Sums the workers' counters into *sum. */
void dns_udp_stats(const struct dns_udp *u, struct dns_stats *sum);
/* Stops and joins the workers (each notices within 100 ms); workers on
 * lanes stop the lanes' threads. */
void dns_udp_stop(struct dns_udp **up);

#endif
