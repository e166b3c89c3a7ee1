/* dns/tcp.h - DNS over TCP (RFC 7766): length-prefixed messages, several
 * pipelined queries per connection answered in order, idle timeout, a
 * connection limit, and AXFR (RFC 5936) for allowed clients. Runs on the
 * service's event loop. */
#ifndef IK_DNS_TCP_H
#define IK_DNS_TCP_H

#include <stddef.h>

#include "dns/service.h"

struct event_base;
struct dns_tcp;

struct dns_tcp_opts {
	uint64_t	 idle_ms;
	unsigned	 max_clients;
};

/* Accepts on fds[0..n) (taken). `sh` and `o` are borrowed. */
struct dns_tcp *dns_tcp_start(struct event_base *base, const int *fds,
    size_t n, struct dns_shared *sh, const struct dns_tcp_opts *o,
    int *err);
/* Stops accepting and closes idle connections; busy ones close once
 * their answers are flushed. */
void dns_tcp_shutdown(struct dns_tcp *t);
size_t dns_tcp_current(const struct dns_tcp *t);
const struct dns_stats *dns_tcp_stats(const struct dns_tcp *t);
void dns_tcp_free(struct dns_tcp **tp);

#endif
