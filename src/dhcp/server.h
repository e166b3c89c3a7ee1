/* dhcp/server.h - what the DHCP server decides (RFC 2131 4.3): which
 * subnet a message belongs to, which address a client gets (sticky,
 * reservations first), the answer to each message type in each client
 * state, and where the answer goes (RFC 2131 4.1). Addresses are checked
 * unused before they are offered: the logic asks its caller to probe and
 * is run again with the outcome.
 * Logic: no sockets, no clock (Unix seconds passed in), no logging (the
 * outcome carries a reason for the caller's log). */
#ifndef IK_DHCP_SERVER_H
#define IK_DHCP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dhcp/leases.h"
#include "dhcp/packet.h"

enum dhcp_probe_kind { DHCP_PROBE_NONE, DHCP_PROBE_ARP, DHCP_PROBE_ICMP };

struct dhcp_range {
	uint32_t	 lo, hi;	/* inclusive, host order */
};

/* A [subnet CIDR] section, compiled. */
struct dhcp_subnet {
	uint32_t		 net, mask;	/* host order */
	uint8_t			 prefix;
	struct dhcp_range	*pools;
	size_t			 n_pools;
	uint32_t		 cursor;	/* next never-used candidate */
	uint32_t		 lease_s, t1_s, t2_s;
	/* Options every reply on this subnet may carry, encoded once:
	 * 1, 3, 6, 15, 28, 42 in their wire form. */
	struct dhcp_opt		*opts;
	size_t			 n_opts;
	uint8_t			*opt_data;
	int			 ifindex;	/* direct: the interface; 0:
						 * reached through relays */
	uint32_t		 if_addr;	/* our address on it (direct) */
};

/* A [host NAME] reservation. */
struct dhcp_host {
	char			*name;
	bool			 has_mac;
	uint8_t			 mac[6];
	uint8_t			 cid_len;
	uint8_t			 cid[DHCP_CID_MAX];
	uint32_t		 addr;
	char			 hostname[DHCP_HOSTNAME_MAX + 1];
};

struct dhcp_server_conf {
	struct dhcp_subnet	*subnets;
	size_t			 n_subnets;
	struct dhcp_host	*hosts;
	size_t			 n_hosts;
	enum dhcp_probe_kind	 probe;		/* ARP means ARP on direct
						 * subnets, ICMP off-link */
	uint32_t		 offer_hold_s;
	uint32_t		 decline_hold_s;
	uint32_t		 probe_fresh_s;	/* a clean probe counts this
						 * long */
	bool			 authoritative;
};

/* A received message and where it came from. */
struct dhcp_request {
	const struct dhcp_packet *pkt;
	int			 ifindex;	/* arrival interface */
	uint32_t		 local_addr;	/* our address it was sent to
						 * (IP_PKTINFO), 0: unknown */
	uint32_t		 src;		/* IP source */
	int64_t			 now;
};

enum dhcp_verdict {
	DHCP_DROP,		/* no answer (reason says why) */
	DHCP_REPLY,		/* send out->buf */
	DHCP_PROBE,		/* probe probe_addr, then call again */
};

/* Where a reply goes (RFC 2131 4.1). */
enum dhcp_dest {
	DHCP_DEST_RELAY,	/* UDP to dst_ip:67 (giaddr) */
	DHCP_DEST_UNICAST,	/* UDP to dst_ip:68 (ciaddr) */
	DHCP_DEST_BROADCAST,	/* 255.255.255.255:68 on ifindex */
	DHCP_DEST_HWADDR,	/* raw frame to dst_mac / dst_ip:68 */
};

#define DHCP_REPLY_MAX	1500

struct dhcp_outcome {
	enum dhcp_verdict	 verdict;
	const char		*reason;	/* static text for logs */
	uint8_t			 reply_type;	/* OFFER, ACK, NAK */
	enum dhcp_dest		 dest;
	uint32_t		 dst_ip;
	uint8_t			 dst_mac[6];
	int			 ifindex;	/* for broadcast and raw */
	uint32_t		 src_ip;	/* our address (server id) */
	uint32_t		 yiaddr;
	const struct dhcp_subnet *subnet;
	uint32_t		 probe_addr;
	enum dhcp_probe_kind	 probe_kind;
	size_t			 len;
	uint8_t			 buf[DHCP_REPLY_MAX];
};

/* Handles one message. Lease changes that must be journalled before the
 * reply goes out are marked dirty in `leases`. Never fails: a message it
 * cannot serve is DHCP_DROP with a reason. */
void dhcp_server_handle(struct dhcp_server_conf *conf,
    struct dhcp_leases *leases, const struct dhcp_request *rq,
    struct dhcp_outcome *out);

/* Records the outcome of a probe of `addr`: clean (probed_at = now), or
 * answered by another host (the address is quarantined for
 * decline_hold). */
void dhcp_server_probed(struct dhcp_server_conf *conf,
    struct dhcp_leases *leases, uint32_t addr, bool in_use, int64_t now);

/* The subnet holding `addr`, or NULL. */
const struct dhcp_subnet *dhcp_subnet_of(const struct dhcp_server_conf *conf,
    uint32_t addr);
bool dhcp_in_pool(const struct dhcp_subnet *s, uint32_t addr);

#endif
