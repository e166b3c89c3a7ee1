/* dhcp/client.h - the DHCP client state machine (RFC 2131 4.4, figure 5):
 * INIT, SELECTING, REQUESTING, BOUND, RENEWING, REBINDING, INIT-REBOOT and
 * REBOOTING, plus PROBING (the address check of RFC 2131 4.4.1 and RFC
 * 5227 between the ACK and BOUND) and STOPPED (after a RELEASE).
 * Logic: events go in (a parsed reply, the timer, the result of an ARP
 * probe, a release request) with the current time in ms; what to do comes
 * out in a struct dhcpc_out: a message to send and where, the one timer
 * to arm, a lease to remove and/or apply, a probe to run, a state change.
 * No sockets, no clock, no logging; randomness (xids, jitter) comes from
 * a generator seeded by the caller, so tests are deterministic. */
#ifndef IK_DHCP_CLIENT_H
#define IK_DHCP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dhcp/frame.h"
#include "dhcp/packet.h"

#define DHCPC_CID_MAX		64	/* option 61 bytes we send */
#define DHCPC_HOSTNAME_MAX	63	/* option 12 (a DNS label) */
#define DHCPC_DNS_MAX		8	/* option 6 servers kept */
#define DHCPC_DOMAIN_MAX	255	/* option 15 */
#define DHCPC_MSG_MAX		576	/* what we build: RFC 2131 2's minimum
					 * every host takes, as a datagram */
#define DHCPC_LEASE_INFINITE	0xffffffffu	/* RFC 2132 9.2 */

enum dhcpc_state {
	DHCPC_ST_INIT,		/* waiting to send the first DISCOVER */
	DHCPC_ST_SELECTING,	/* DISCOVER sent, waiting for an OFFER */
	DHCPC_ST_REQUESTING,	/* REQUEST for an offer sent */
	DHCPC_ST_PROBING,	/* ACKed; ARP check of the address running */
	DHCPC_ST_BOUND,		/* lease in use; timer at T1 */
	DHCPC_ST_RENEWING,	/* T1 passed: REQUEST unicast to the server */
	DHCPC_ST_REBINDING,	/* T2 passed: REQUEST broadcast to any server */
	DHCPC_ST_INIT_REBOOT,	/* about to ask for a known address */
	DHCPC_ST_REBOOTING,	/* REQUEST for that address broadcast */
	DHCPC_ST_STOPPED,	/* released: nothing more happens */
	DHCPC_ST_N
};

/* Tunables; dhcpc_conf_init() sets the RFC values. Times in ms. */
struct dhcpc_conf {
	uint8_t		 mac[DHCP_ETH_ALEN];	/* chaddr */
	uint8_t		 client_id[DHCPC_CID_MAX];	/* option 61; len 0:
							 * 01 + mac */
	size_t		 client_id_len;
	char		 hostname[DHCPC_HOSTNAME_MAX + 1];	/* "" : none */
	uint32_t	 request_addr;	/* 0, or start in INIT-REBOOT for it */
	bool		 probe;		/* ARP check before BOUND */
	uint16_t	 max_msg;	/* option 57 we send (>= 576) */
	/* RFC 2131 4.1: 4 s, doubling to 64 s, each +-1 s at random. */
	unsigned	 backoff_base_ms, backoff_max_ms, backoff_jitter_ms;
	unsigned	 init_delay_ms;	/* wait 0..this before DISCOVER
					 * (RFC 2131 4.4.1 says 1..10 s) */
	unsigned	 request_tries;	/* REQUESTs in REQUESTING/REBOOTING
					 * before going back to INIT */
	unsigned	 discover_tries;	/* DISCOVERs before "leasefail"
						 * (then it keeps trying) */
	unsigned	 decline_wait_ms;	/* RFC 2131 3.1.5: >= 10 s */
	unsigned	 renew_min_ms;	/* RFC 2131 4.4.5: 60 s between
					 * retransmissions while renewing */
};

/* One lease as the ACK gave it. Addresses host order. */
struct dhcpc_lease {
	uint32_t	 addr;		/* yiaddr */
	uint8_t		 prefix;	/* from option 1, else classful */
	uint32_t	 mask;
	uint32_t	 bcast;		/* option 28, else addr | ~mask */
	uint32_t	 router;	/* first of option 3; 0: none */
	uint32_t	 server;	/* option 54 (else the sender) */
	uint32_t	 dns[DHCPC_DNS_MAX];
	size_t		 n_dns;
	char		 domain[DHCPC_DOMAIN_MAX + 1];	/* "" : none; peer
							 * text, checked to
							 * be a host name */
	uint32_t	 lease_s, t1_s, t2_s;	/* lease_s may be infinite */
	uint64_t	 start_ms;	/* when the REQUEST it answers was
					 * first sent (RFC 2131 4.4.1) */
};

enum dhcpc_dst {
	DHCPC_DST_BROADCAST,	/* raw frame to ff:ff:ff:ff:ff:ff, IP
				 * 255.255.255.255 from `src` */
	DHCPC_DST_UNICAST,	/* UDP to dst:67 (we hold an address) */
};

/* What a lease change means to the outside: udhcpc's script verbs. */
enum dhcpc_apply {
	DHCPC_APPLY_NONE,
	DHCPC_APPLY_BOUND,	/* a new lease: configure it */
	DHCPC_APPLY_RENEW,	/* the same address, new times */
};

/* What happened, for the log line and the script. */
enum dhcpc_event {
	DHCPC_EV_NONE,
	DHCPC_EV_BOUND,		/* a new lease applied */
	DHCPC_EV_RENEWED,	/* extended by our server (RENEWING) */
	DHCPC_EV_REBOUND,	/* extended by any server (REBINDING) */
	DHCPC_EV_NAK,		/* refused; back to INIT */
	DHCPC_EV_DECLINED,	/* the ARP check found the address in use */
	DHCPC_EV_EXPIRED,	/* the lease ran out */
	DHCPC_EV_RELEASED,	/* given back */
	DHCPC_EV_LEASEFAIL,	/* conf.discover_tries DISCOVERs unanswered */
	DHCPC_EV_N
};

/* The outcome of one event. dhcpc_*() clear it first. */
struct dhcpc_out {
	enum dhcpc_state	 from, to;	/* equal: no change */
	/* A message to send. */
	bool			 has_send;
	uint8_t			 msg_type;	/* enum dhcp_msg_type */
	enum dhcpc_dst		 dst_kind;
	uint32_t		 src, dst;	/* IP header / UDP target */
	uint8_t			 pkt[DHCPC_MSG_MAX];
	size_t			 pkt_len;
	/* The one timer: absolute ms, 0 for none. Always set (the
	 * machine has a single deadline; a new one replaces the old). */
	uint64_t		 timer_at;
	/* Lease effects, in this order: remove `old`, then apply `lease`. */
	bool			 remove;
	struct dhcpc_lease	 old;
	enum dhcpc_apply	 apply;
	struct dhcpc_lease	 lease;
	/* Start an ARP probe of probe_addr; answer with dhcpc_on_probe(). */
	bool			 probe;
	uint32_t		 probe_addr;
	enum dhcpc_event	 event;
	/* A reply that was not used: why (static text), else NULL. */
	const char		*ignored;
};

struct dhcpc {
	struct dhcpc_conf	 conf;
	enum dhcpc_state	 state;	/* changed only by set_state() */
	uint64_t		 rng;	/* xorshift64* state, never 0 */
	uint32_t		 xid;	/* of the exchange under way */
	uint64_t		 began_ms;	/* exchange start: `secs` */
	uint64_t		 first_sent_ms;	/* first REQUEST of it */
	unsigned		 tries;	/* transmissions in this exchange */
	uint64_t		 timer_at;
	bool			 has_lease;	/* `lease` is configured */
	struct dhcpc_lease	 lease;	/* bound (or being renewed) */
	struct dhcpc_lease	 offer;	/* REQUESTING/PROBING: what we
					 * asked for / were given */
	uint32_t		 want_addr;	/* option 50 in DISCOVERs */
};

/* The RFC defaults (4 s .. 64 s backoff, 10 s after a DECLINE, ...);
 * the caller sets mac and the options it wants. */
void dhcpc_conf_init(struct dhcpc_conf *conf);

/* `conf` is copied. `seed` feeds the generator for xids and jitter. */
void dhcpc_init(struct dhcpc *c, const struct dhcpc_conf *conf,
    uint64_t seed);
/* Starts in INIT (or INIT-REBOOT when conf.request_addr is set). */
void dhcpc_start(struct dhcpc *c, uint64_t now, struct dhcpc_out *out);
/* A reply from a server; `from` is its IP source (a fallback for a
 * missing server identifier). Replies that do not fit the state, xid or
 * our chaddr are ignored (out->ignored says why). */
void dhcpc_on_packet(struct dhcpc *c, const struct dhcp_packet *p,
    uint32_t from, uint64_t now, struct dhcpc_out *out);
/* The timer fired. Early calls (now < the deadline) change nothing. */
void dhcpc_on_timer(struct dhcpc *c, uint64_t now, struct dhcpc_out *out);
/* The ARP probe asked for by out->probe finished; `conflict` when another
 * host answered for the address: DECLINE and back to INIT. */
void dhcpc_on_probe(struct dhcpc *c, bool conflict, uint64_t now,
    struct dhcpc_out *out);
/* Renew now (SIGUSR1): in BOUND, go to RENEWING at once. */
void dhcpc_renew(struct dhcpc *c, uint64_t now, struct dhcpc_out *out);
/* Gives the lease back: RELEASE unicast to its server and removal, then
 * STOPPED. Without a lease just STOPPED. */
void dhcpc_release(struct dhcpc *c, uint64_t now, struct dhcpc_out *out);

/* The delay before retransmission number `attempt` (0: after the first
 * transmission): base << attempt capped at max, then +- jitter at random,
 * never below 1 ms. Advances the generator. */
uint64_t dhcpc_backoff_ms(struct dhcpc *c, unsigned attempt);

/* "INIT", "SELECTING", ..., "INIT-REBOOT". */
const char *dhcpc_state_name(enum dhcpc_state st);
/* "bound", "renewed", "rebound", "nak", "declined", "expired",
 * "released", "leasefail"; "" for none. */
const char *dhcpc_event_name(enum dhcpc_event ev);

#endif
