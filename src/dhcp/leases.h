/* dhcp/leases.h - the lease table: every address the server has handed
 * out or held, who holds it and until when, found by address and by
 * client. Clients are known by their client identifier (option 61) when
 * they send one, else by hardware type and address (RFC 2131 4.2).
 * Records keep their last owner after release or expiry, so a returning
 * client gets its old address back. Changes that must survive a restart
 * are queued for the journal (dhcp_leases_take_dirty).
 * Logic: no I/O, no clock (times are Unix seconds passed in). */
#ifndef IK_DHCP_LEASES_H
#define IK_DHCP_LEASES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dhcp/packet.h"

#define DHCP_CID_MAX		64	/* longer ids: prefix + hash */
#define DHCP_HOSTNAME_MAX	63

enum dhcp_lease_state {
	DHCP_LEASE_OFFERED,	/* held for an OFFER; not journalled */
	DHCP_LEASE_BOUND,	/* ACKed */
	DHCP_LEASE_RELEASED,	/* RELEASE: free, owner remembered */
	DHCP_LEASE_EXPIRED,	/* ran out: free, owner remembered */
	DHCP_LEASE_DECLINED,	/* DECLINE or probe conflict: quarantined */
};

/* Who a client is: its client id, else htype + chaddr. */
struct dhcp_client {
	uint8_t		 htype, hlen;
	uint8_t		 chaddr[DHCP_CHADDR_LEN];
	uint8_t		 cid_len;	/* 0: no client id */
	uint8_t		 cid[DHCP_CID_MAX];
};

struct dhcp_lease {
	uint32_t		 addr;		/* host order */
	uint8_t			 state;		/* enum dhcp_lease_state */
	bool			 has_owner;	/* false after a DECLINE */
	struct dhcp_client	 owner;
	int64_t			 start, ends;	/* Unix seconds */
	int64_t			 probed_at;	/* last clean probe; 0 never */
	char			 hostname[DHCP_HOSTNAME_MAX + 1];
	/* private */
	struct dhcp_lease	*next_addr, *next_owner, *next_dirty;
	uint32_t		 owner_hash;
	bool			 dirty;
};

struct dhcp_leases;

struct dhcp_leases *dhcp_leases_new(void);
void dhcp_leases_free(struct dhcp_leases **lp);

/* Fills `c` from a request: option 61 if present (ids over DHCP_CID_MAX
 * bytes keep a prefix and a hash of the rest), and htype/hlen/chaddr. */
void dhcp_client_from_packet(const struct dhcp_packet *p,
    struct dhcp_client *c);
bool dhcp_client_same(const struct dhcp_client *a,
    const struct dhcp_client *b);

/* The record for `addr`, or NULL. */
struct dhcp_lease *dhcp_leases_by_addr(const struct dhcp_leases *t,
    uint32_t addr);
/* The client's record whose address satisfies `in(addr, arg)` (its
 * subnet), preferring a bound one, then the one ending last; NULL if
 * none. Declined records have
 * no owner and are never found here. */
struct dhcp_lease *dhcp_leases_by_client(const struct dhcp_leases *t,
    const struct dhcp_client *c, bool (*in)(uint32_t addr, const void *arg),
    const void *arg);

/* The record for `addr`, created (state EXPIRED, no owner, ends 0) if it
 * does not exist. NULL on allocation failure. */
struct dhcp_lease *dhcp_leases_get(struct dhcp_leases *t, uint32_t addr);
/* Sets or clears the owner (re-indexing the record). */
void dhcp_lease_set_owner(struct dhcp_leases *t, struct dhcp_lease *l,
    const struct dhcp_client *c);
/* Marks the record for the journal. */
void dhcp_lease_touch(struct dhcp_leases *t, struct dhcp_lease *l);

/* Whether the address can be given to `c` at `now`: no record, or one
 * that is released, expired, or bound/offered/declined with `ends`
 * passed; or one already owned by `c` (any state but declined). */
bool dhcp_lease_available(const struct dhcp_lease *l,
    const struct dhcp_client *c, int64_t now);
/* The state as seen at `now` (bound past its end is expired). */
enum dhcp_lease_state dhcp_lease_state_at(const struct dhcp_lease *l,
    int64_t now);
const char *dhcp_lease_state_name(enum dhcp_lease_state s);

/* Takes the records changed since the last call, as a list linked by
 * next_dirty (valid until the next change to the table), and clears
 * their marks. */
struct dhcp_lease *dhcp_leases_take_dirty(struct dhcp_leases *t);

/* Calls fn for every record, in no order. Stops early when fn returns
 * nonzero, and returns that value. */
int dhcp_leases_walk(const struct dhcp_leases *t,
    int (*fn)(const struct dhcp_lease *l, void *arg), void *arg);
size_t dhcp_leases_count(const struct dhcp_leases *t);

#endif
