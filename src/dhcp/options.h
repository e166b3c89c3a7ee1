/* dhcp/options.h - DHCP option codes (RFC 2132 and later), names for
 * logs, typed reads of a parsed packet's options, and the encodings
 * inside some options: relay agent information (82, RFC 3046),
 * classless static routes (121, RFC 3442), domain search (119, RFC
 * 3397). Options with no reader here stay opaque (dhcp_opt_find()).
 * Codec: no sockets, no clock, no globals, no logging. */
#ifndef IK_DHCP_OPTIONS_H
#define IK_DHCP_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dhcp/packet.h"
#include "dns/name.h"

enum dhcp_opt_code {
	DHCP_OPT_PAD = 0,
	DHCP_OPT_SUBNET_MASK = 1,	/* RFC 2132 3.3 */
	DHCP_OPT_TIME_OFFSET = 2,
	DHCP_OPT_ROUTER = 3,		/* 3.5 */
	DHCP_OPT_DNS = 6,		/* 3.8 */
	DHCP_OPT_HOSTNAME = 12,		/* 3.14 */
	DHCP_OPT_DOMAIN_NAME = 15,	/* 3.17 */
	DHCP_OPT_MTU = 26,
	DHCP_OPT_BROADCAST = 28,	/* 5.3 */
	DHCP_OPT_STATIC_ROUTES = 33,
	DHCP_OPT_NTP = 42,
	DHCP_OPT_VENDOR_INFO = 43,
	DHCP_OPT_REQUESTED_IP = 50,	/* 9.1 */
	DHCP_OPT_LEASE_TIME = 51,	/* 9.2 */
	DHCP_OPT_OVERLOAD = 52,		/* 9.3 */
	DHCP_OPT_MSG_TYPE = 53,		/* 9.6 */
	DHCP_OPT_SERVER_ID = 54,	/* 9.7 */
	DHCP_OPT_PARAM_REQ = 55,	/* 9.8 */
	DHCP_OPT_MESSAGE = 56,		/* 9.9 */
	DHCP_OPT_MAX_SIZE = 57,		/* 9.10 */
	DHCP_OPT_T1 = 58,		/* 9.11 */
	DHCP_OPT_T2 = 59,		/* 9.12 */
	DHCP_OPT_VENDOR_CLASS = 60,	/* 9.13 */
	DHCP_OPT_CLIENT_ID = 61,	/* 9.14 */
	DHCP_OPT_TFTP_SERVER = 66,
	DHCP_OPT_BOOTFILE = 67,
	DHCP_OPT_USER_CLASS = 77,	/* RFC 3004 */
	DHCP_OPT_RAPID_COMMIT = 80,	/* RFC 4039 */
	DHCP_OPT_FQDN = 81,		/* RFC 4702 */
	DHCP_OPT_RELAY_INFO = 82,	/* RFC 3046 */
	DHCP_OPT_CLIENT_ARCH = 93,	/* RFC 4578 */
	DHCP_OPT_V4_CAPTIVE = 114,	/* RFC 8910 */
	DHCP_OPT_AUTO_CONFIG = 116,	/* RFC 2563 */
	DHCP_OPT_SUBNET_SELECT = 118,	/* RFC 3011 */
	DHCP_OPT_DOMAIN_SEARCH = 119,	/* RFC 3397 */
	DHCP_OPT_CLASSLESS_ROUTES = 121,	/* RFC 3442 */
	DHCP_OPT_END = 255,
};

/* Relay agent sub-options (RFC 3046 3, RFC 3527). */
#define DHCP_RAI_CIRCUIT_ID	1
#define DHCP_RAI_REMOTE_ID	2
#define DHCP_RAI_LINK_SELECT	5

/* Static names for logs: "DISCOVER", "subnet-mask"; "unknown" for codes
 * without one. */
const char *dhcp_msg_type_name(unsigned type);
const char *dhcp_opt_name(unsigned code);

/* The merged option `code`, or NULL. Borrowed from p. */
const struct dhcp_opt *dhcp_opt_find(const struct dhcp_packet *p,
    uint8_t code);

/* Typed reads. Each returns 0, -IK_ENOTFOUND (absent) or -IK_EPARSE (the
 * length does not fit the type); *out is set only on 0. */
int dhcp_opt_u8(const struct dhcp_packet *p, uint8_t code, uint8_t *out);
int dhcp_opt_u16(const struct dhcp_packet *p, uint8_t code, uint16_t *out);
int dhcp_opt_u32(const struct dhcp_packet *p, uint8_t code, uint32_t *out);
/* One IPv4 address (50, 54, 1, 28, 118), host order. */
int dhcp_opt_addr(const struct dhcp_packet *p, uint8_t code, uint32_t *out);
/* A list of addresses (3, 6, 42): a non-empty multiple of 4 bytes. Writes
 * at most `cap` and returns how many the option holds (may be > cap), or
 * a negative code as above. */
int dhcp_opt_addrs(const struct dhcp_packet *p, uint8_t code,
    uint32_t *out, size_t cap);
/* Opaque bytes, at least one (55, 61, 60, 77, 43). The pointer is
 * borrowed from p. */
int dhcp_opt_bytes(const struct dhcp_packet *p, uint8_t code,
    const uint8_t **out, size_t *len_out);
/* Text (12, 15, 56, 60): RFC 2132 2 says no trailing NUL, but some
 * clients (older Windows, some printers) send one: one trailing NUL is
 * dropped; an empty value or a NUL inside is -IK_EPARSE. From a parsed
 * packet the value is also NUL-terminated (the parse keeps a NUL after
 * every option). Still peer text: escape it before logging. */
int dhcp_opt_text(const struct dhcp_packet *p, uint8_t code,
    const char **out, size_t *len_out);

/* ---- option 82: relay agent information (RFC 3046) ---- */

struct dhcp_relay_info {
	const uint8_t	*circuit_id;	/* sub-option 1, or NULL */
	size_t		 circuit_id_len;
	const uint8_t	*remote_id;	/* sub-option 2, or NULL */
	size_t		 remote_id_len;
	bool		 has_link;	/* sub-option 5 (RFC 3527) */
	uint32_t	 link;		/* host order */
};

/* Parses option 82's value: sub-options code, length, data, with no pad
 * or end (RFC 3046 2.0); unknown sub-options are skipped. Pointers are
 * borrowed from `data`. Returns 0, -IK_ETRUNC (a sub-option past the
 * end), -IK_EPARSE (empty value, bad link selection length, or a
 * repeated sub-option 1, 2 or 5). */
int dhcp_relay_parse(const uint8_t *data, size_t len,
    struct dhcp_relay_info *out);
/* Encodes sub-options 1, 2 and 5 present in `ri` (each at most 255
 * bytes, else -EINVAL). Returns the length or -IK_ETRUNC. */
ssize_t dhcp_relay_build(const struct dhcp_relay_info *ri, uint8_t *buf,
    size_t cap);

/* ---- option 121: classless static routes (RFC 3442) ---- */

struct dhcp_route {
	uint32_t	 dest;		/* host order, masked to prefix */
	uint8_t		 prefix;	/* 0..32 */
	uint32_t	 gw;		/* host order; 0: on-link */
};

#define DHCP_ROUTE_ENC_MAX	9	/* width, 4 octets, router */

/* Decodes the routes: a width byte, the significant octets of the
 * destination (ceil(width / 8)), the router. Destination bits past the
 * width are cleared. Writes at most `cap` routes and returns how many
 * the option holds, -IK_EPARSE (width > 32, a route cut short, empty). */
int dhcp_routes_parse(const uint8_t *data, size_t len,
    struct dhcp_route *out, size_t cap);
/* Encodes `n` routes. Returns the length, -EINVAL (prefix > 32) or
 * -IK_ETRUNC. */
ssize_t dhcp_routes_build(const struct dhcp_route *r, size_t n,
    uint8_t *buf, size_t cap);

/* ---- option 119: domain search (RFC 3397) ---- */

/* Decodes the list of names, compressed as in RFC 1035 4.1.4 with
 * offsets from the start of the (concatenated) option value; pointers
 * must point backwards, before the name being read. Writes at most `cap`
 * names and returns how many there are, or -IK_EPARSE (bad label type,
 * forward pointer, a name cut short) or -IK_ELIMIT (a name over 255
 * bytes). */
int dhcp_search_parse(const uint8_t *data, size_t len,
    struct dns_name *out, size_t cap);
/* Encodes `n` names, compressing suffixes already written. Returns the
 * length or -IK_ETRUNC. Values over 255 bytes are for dhcp_build_opt()
 * to split. */
ssize_t dhcp_search_build(const struct dns_name *names, size_t n,
    uint8_t *buf, size_t cap);

#endif
