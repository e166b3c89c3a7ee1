/* dhcp/packet.h - BOOTP/DHCP messages (RFC 951, RFC 2131 2 and 4.1): the
 * fixed header, the magic cookie and the options TLV walk with overload
 * into `file`/`sname` (RFC 2132 9.3) and long options (RFC 3396); a
 * builder that respects the peer's maximum size and splits, overloads and
 * pads. Typed option access is in dhcp/options.h.
 * Codec: no sockets, no clock, no globals, no logging. */
#ifndef IK_DHCP_PACKET_H
#define IK_DHCP_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct arena;

#define DHCP_FIXED_LEN		236	/* op .. file (RFC 2131 2, figure 1) */
#define DHCP_COOKIE		0x63825363u	/* 99.130.83.99 (RFC 2131 3) */
#define DHCP_OPTS_OFF		240	/* fixed part + cookie */
#define DHCP_MIN_LEN		300	/* BOOTP minimum (RFC 1542 2.1) */
#define DHCP_MSG_DEFAULT	576	/* RFC 2131 2: every client takes 576
					 * bytes of IP datagram */
#define DHCP_IPUDP_HDR		28	/* IPv4 + UDP headers without options */
#define DHCP_CHADDR_LEN		16
#define DHCP_SNAME_LEN		64
#define DHCP_FILE_LEN		128
#define DHCP_SNAME_OFF		44
#define DHCP_FILE_OFF		108
#define DHCP_OPT_LEN_MAX	255	/* one instance; longer ones split */
/* Parse limits: option instances before merging, and bytes of option
 * data in all. A 1500-byte frame holds at most ~630 instances. */
#define DHCP_OPT_INSTANCES_MAX	1024
#define DHCP_OPT_BYTES_MAX	16384

#define DHCP_OP_REQUEST		1	/* BOOTREQUEST */
#define DHCP_OP_REPLY		2	/* BOOTREPLY */
#define DHCP_HTYPE_ETHER	1
#define DHCP_FLAG_BROADCAST	0x8000	/* RFC 2131 2, figure 2 */

/* Option 52 values (RFC 2132 9.3): which fields carry options. */
#define DHCP_OVERLOAD_FILE	1
#define DHCP_OVERLOAD_SNAME	2

/* Message types, option 53 (RFC 2132 9.6). */
enum dhcp_msg_type {
	DHCP_BOOTP = 0,		/* no option 53: a BOOTP message */
	DHCP_DISCOVER = 1,
	DHCP_OFFER = 2,
	DHCP_REQUEST = 3,
	DHCP_DECLINE = 4,
	DHCP_ACK = 5,
	DHCP_NAK = 6,
	DHCP_RELEASE = 7,
	DHCP_INFORM = 8,
};

/* One option after merging: every instance of `code` in the packet, in
 * the order options, file, sname, concatenated (RFC 3396 6). */
struct dhcp_opt {
	uint8_t		 code;
	size_t		 len;
	const uint8_t	*data;	/* parse: arena copy with a NUL after it;
				 * build: borrowed */
};

/* IPv4 addresses are uint32_t in host order: 10.0.0.1 is 0x0a000001. */
struct dhcp_packet {
	uint8_t			 op, htype, hlen, hops;
	uint32_t		 xid;
	uint16_t		 secs, flags;
	uint32_t		 ciaddr, yiaddr, siaddr, giaddr;
	uint8_t			 chaddr[DHCP_CHADDR_LEN];
	uint8_t			 sname[DHCP_SNAME_LEN];	/* zeroed when it
						 * carried options */
	uint8_t			 file[DHCP_FILE_LEN];	/* likewise */
	bool			 has_cookie;	/* false: no options at all */
	uint8_t			 msg_type;	/* enum dhcp_msg_type */
	/* Parse only (neither built nor compared): */
	uint8_t			 overload;	/* option 52 seen, if any */
	bool			 has_end;	/* options field ended by 255 */
	struct dhcp_opt		*opts;	/* n_opts, codes unique, in order of
					 * first appearance; never 0, 52
					 * or 255 */
	size_t			 n_opts;
};

/* Parses one message of `len` bytes (the UDP payload). Options live in
 * `a` and are valid until it is reset.
 * - Under 240 bytes (fixed part and cookie, or BOOTP's vend field) is
 *   -IK_ETRUNC. op not 1/2, or hlen > 16, is -IK_EPARSE.
 * - No magic cookie: a BOOTP message (RFC 951), has_cookie false, no
 *   options; the vend bytes are ignored.
 * - With the cookie, the options TLV walk: 0 is pad, 255 ends the field.
 *   A missing 255 is accepted when the field ends on an option boundary
 *   (has_end false; ISC dhcpd and Kea accept it too), so a cut between
 *   options parses. An option running past the packet is -IK_ETRUNC,
 *   past the file/sname field -IK_EPARSE.
 * - Option 52 (only in the options field, once, value 1..3) makes the walk
 *   go on in file, then sname (RFC 2131 4.1); those fields are zeroed in
 *   `out`. Repeats of a code are concatenated (RFC 3396).
 * - Option 53, if present, must be one byte 1..8; without it the message
 *   is BOOTP with RFC 1497 vendor extensions (msg_type 0).
 * - Over DHCP_OPT_INSTANCES_MAX instances or DHCP_OPT_BYTES_MAX bytes of
 *   option data is -IK_ELIMIT.
 * Returns 0, -IK_ETRUNC, -IK_EPARSE, -IK_ELIMIT or -ENOMEM. */
int dhcp_packet_parse(const uint8_t *buf, size_t len, struct arena *a,
    struct dhcp_packet *out);

/* Builds `p` into buf[0..cap): cap is the most the peer takes (see
 * dhcp_reply_cap()). Options go through the builder below, in p's order,
 * overloading into file/sname when those are all zero. Without cookie and
 * options, the fixed part and zeros up to 300 bytes. Returns the length,
 * -IK_ETRUNC (does not fit), or -EINVAL (option 0, 52 or 255 in opts). */
ssize_t dhcp_packet_build(const struct dhcp_packet *p, uint8_t *buf,
    size_t cap);

/* Same fixed fields (all of chaddr, sname, file), cookie, message type,
 * and the same set of options with the same bytes (in any order, as
 * overload may place them differently). */
bool dhcp_packet_equal(const struct dhcp_packet *a,
    const struct dhcp_packet *b);

/* The largest reply a client takes, as a UDP payload: its option 57
 * (RFC 2132 9.10, at least 576 to count) less IP and UDP headers, else
 * 576 - 28 (RFC 2131 2), capped at `buf_cap`. */
size_t dhcp_reply_cap(const struct dhcp_packet *req, size_t buf_cap);

/* ---- the builder ---- */

/* Regions options are written to, in the order a reader walks them. */
enum dhcp_region { DHCP_RG_OPTS, DHCP_RG_FILE, DHCP_RG_SNAME, DHCP_RG_N };

struct dhcp_builder {
	uint8_t		*buf;
	size_t		 cap;
	size_t		 pos[DHCP_RG_N];	/* next byte per region */
	size_t		 lim[DHCP_RG_N];	/* room ends (before the end
						 * option) */
	uint8_t		 can_overload;	/* DHCP_OVERLOAD_* fields usable;
					 * the caller may clear bits
					 * before adding options */
	uint8_t		 overload;	/* fields used so far */
	int		 err;		/* sticky: init failed */
};

/* Writes the fixed fields of `fixed` (its options are ignored) and the
 * cookie into buf[0..cap). file and sname are offered for overload when
 * all zero. cap under 241 makes every later call fail with -IK_ETRUNC. */
void dhcp_build_init(struct dhcp_builder *b, uint8_t *buf, size_t cap,
    const struct dhcp_packet *fixed);
/* Appends option `code` with `len` bytes. Over 255 bytes it is split into
 * several instances (RFC 3396). It goes in the options field, else in
 * file, else sname. If it does not fit, nothing of it is written and the
 * message so far stays valid. Add each code once. Returns 0, -IK_ETRUNC,
 * or -EINVAL for codes 0, 52 and 255 (the builder writes those). */
int dhcp_build_opt(struct dhcp_builder *b, uint8_t code, const void *data,
    size_t len);
int dhcp_build_u8(struct dhcp_builder *b, uint8_t code, uint8_t v);
int dhcp_build_u16(struct dhcp_builder *b, uint8_t code, uint16_t v);
int dhcp_build_u32(struct dhcp_builder *b, uint8_t code, uint32_t v);
int dhcp_build_addr(struct dhcp_builder *b, uint8_t code, uint32_t addr);
/* n addresses (1..63: one instance holds 63); -EINVAL for 0 or more. */
int dhcp_build_addrs(struct dhcp_builder *b, uint8_t code,
    const uint32_t *addrs, size_t n);
/* A NUL-terminated string, without its NUL (RFC 2132 2); -EINVAL if
 * empty (text options hold at least one byte). */
int dhcp_build_str(struct dhcp_builder *b, uint8_t code, const char *s);
/* Adds `opts`: first those the client asked for in its parameter request
 * list (option 55), in its order (RFC 2132 9.8), then the others in
 * the given order. Options that do not fit are left out; returns how
 * many were, or -EINVAL (a code the builder refuses). The server passes
 * only what it may send (RFC 2131 4.3.1), with 53/54/51 added before. */
int dhcp_build_opts(struct dhcp_builder *b, const struct dhcp_opt *opts,
    size_t n, const uint8_t *prl, size_t prl_len);
/* Writes option 52 if fields were used, the end options, and zeros up to
 * 300 bytes when cap allows. Returns the length or the sticky error;
 * afterwards the builder refuses more (-EINVAL). */
ssize_t dhcp_build_finish(struct dhcp_builder *b);

#endif
