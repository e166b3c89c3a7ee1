/* dhcp/relay.h - what a BOOTP/DHCP relay agent decides (RFC 1542 4,
 * RFC 2131 4.1, RFC 3046): the message to send the servers for a request
 * heard on a client interface, and where a server's reply goes. It works
 * on the raw message: options it does not know pass through byte for
 * byte; only hops, giaddr and option 82 change. The parse is used to read.
 * Logic: no sockets, no clock, no globals, no logging. */
#ifndef IK_DHCP_RELAY_H
#define IK_DHCP_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dhcp/frame.h"

struct arena;

/* RFC 1542 4.1.1: requests whose hops exceed 16 are discarded; smaller
 * thresholds are configurable, 4 by default. */
#define DHCP_RELAY_HOPS_MAX	16
#define DHCP_RELAY_HOPS_DEFAULT	4

/* A client-side interface. */
struct dhcp_relay_if {
	const char	*name;		/* circuit-id (option 82 sub-option 1);
					 * borrowed, 1..255 bytes */
	uint32_t	 addr;		/* its IPv4 address, host order: the
					 * giaddr; 0: none (requests dropped) */
	size_t		 max_len;	/* largest UDP payload its link takes
					 * (MTU - 28); 0: 576 - 28 */
};

/* The relay's settings and interfaces (all borrowed). */
struct dhcp_relay {
	const struct dhcp_relay_if *ifs;
	size_t		 n_ifs;
	unsigned	 max_hops;	/* drop requests with hops >= this */
	bool		 add_rai;	/* add option 82 (RFC 3046) */
};

enum dhcp_relay_verdict {
	DHCP_RELAY_FORWARD = 0,
	DHCP_RELAY_MALFORMED,	/* not a BOOTP/DHCP message */
	DHCP_RELAY_WRONG_OP,	/* a reply where a request belongs, or
				 * the other way round */
	DHCP_RELAY_HOPS,	/* hops >= max_hops (RFC 1542 4.1.1) */
	DHCP_RELAY_NO_ADDR,	/* the client interface has no address */
	DHCP_RELAY_OWN_GIADDR,	/* a request whose giaddr is ours: a loop
				 * or a forgery (RFC 3046 2.1) */
	DHCP_RELAY_UNTRUSTED_RAI,	/* giaddr 0 but option 82 present,
				 * with add_rai (RFC 3046 2.1) */
	DHCP_RELAY_NOT_OURS,	/* a reply whose giaddr is none of our
				 * interfaces (RFC 1542 4.1.2) */
	DHCP_RELAY_TOO_BIG,	/* does not fit the output buffer */
	DHCP_RELAY_N_VERDICTS
};

/* "forward", "malformed", "wrong_op", "hops", "no_addr", "own_giaddr",
 * "untrusted_rai", "not_ours", "too_big": static, for logs and stats. */
const char *dhcp_relay_verdict_name(unsigned v);

/* The message to send on. */
struct dhcp_relay_out {
	uint8_t		*buf;		/* in: the caller's buffer */
	size_t		 cap;		/* in */
	size_t		 len;		/* bytes in buf */
	uint8_t		 msg_type;	/* of the message, for logs */
	uint32_t	 xid;
	bool		 rai_added;	/* option 82 went in (request) */
	bool		 rai_no_room;	/* option 82 was due but would not fit:
					 * sent without it; RFC 3046 2.1 says
					 * count it as an error */
	bool		 rai_stripped;	/* option 82 came out (reply) */
};

/* How a reply reaches the client (RFC 1542 4.1.2, RFC 2131 4.1). */
enum dhcp_relay_dest {
	DHCP_RELAY_TO_BROADCAST,	/* 255.255.255.255 at the link's
					 * broadcast address */
	DHCP_RELAY_TO_CHADDR,		/* yiaddr at chaddr: a raw frame, as
					 * the client has no address yet */
	DHCP_RELAY_TO_CIADDR,		/* ciaddr by IP: the client has it */
};

struct dhcp_relay_dst {
	size_t		 ifi;		/* index into the relay's ifs */
	enum dhcp_relay_dest how;
	uint32_t	 src;		/* that interface's address */
	uint32_t	 dst;		/* host order */
	uint8_t		 dst_mac[DHCP_ETH_ALEN];	/* TO_BROADCAST: all
					 * ones; TO_CHADDR: chaddr */
};

/* A request of `len` bytes heard on client interface r->ifs[ifi]. Writes
 * what to send every server into out->buf: giaddr set to the interface's
 * address when it was 0 (kept otherwise: another relay set it), hops plus
 * one, and with add_rai option 82 (circuit-id: the interface name) as the
 * last option, before the end option, when this relay sets giaddr (a
 * DHCP message only, not BOOTP). Option 82 reuses the padding after the
 * end option before the message grows, and is left out (rai_no_room)
 * when the message would outgrow out->cap or the interface's max_len.
 * `a` is reset by the caller. Returns DHCP_RELAY_FORWARD or why to drop
 * it. */
enum dhcp_relay_verdict dhcp_relay_request(const struct dhcp_relay *r,
    size_t ifi, const uint8_t *in, size_t len, struct arena *a,
    struct dhcp_relay_out *out);

/* A reply of `len` bytes from a server. Finds the client interface by
 * giaddr (option 82's circuit-id picks among interfaces sharing one
 * address), copies the message to out->buf with every option 82 instance
 * removed (the client never sees it, RFC 3046 2.2; the length stays, the
 * freed bytes become padding) and sets *to: broadcast when the broadcast
 * flag is set, else to ciaddr when set, else to yiaddr at chaddr (an
 * Ethernet address), else broadcast. Returns DHCP_RELAY_FORWARD or why
 * to drop it. */
enum dhcp_relay_verdict dhcp_relay_reply(const struct dhcp_relay *r,
    const uint8_t *in, size_t len, struct arena *a,
    struct dhcp_relay_out *out, struct dhcp_relay_dst *to);

#endif
