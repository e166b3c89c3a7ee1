/* dns/rr.h - resource records: the type table and RDATA in its two
 * forms. RDATA is kept in "expanded wire form": wire bytes with any
 * domain names inside uncompressed, so records compare, hash and copy as
 * plain bytes; dns/wire.c compresses the names of the RFC 1035 types
 * (NS, CNAME, SOA, MX, PTR) on output and nothing else (RFC 3597 4).
 * Unknown types are opaque bytes, written "\# LEN HEX" (RFC 3597 5).
 * Codec: no I/O, no globals. */
#ifndef IK_DNS_RR_H
#define IK_DNS_RR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/name.h"

struct arena;

enum dns_type {
	DNS_T_A = 1, DNS_T_NS = 2, DNS_T_CNAME = 5, DNS_T_SOA = 6,
	DNS_T_PTR = 12, DNS_T_HINFO = 13, DNS_T_MX = 15, DNS_T_TXT = 16,
	DNS_T_AAAA = 28, DNS_T_SRV = 33, DNS_T_NAPTR = 35, DNS_T_DNAME = 39,
	DNS_T_OPT = 41, DNS_T_DS = 43, DNS_T_SSHFP = 44, DNS_T_RRSIG = 46,
	DNS_T_NSEC = 47, DNS_T_DNSKEY = 48, DNS_T_TLSA = 52, DNS_T_SVCB = 64,
	DNS_T_HTTPS = 65, DNS_T_IXFR = 251, DNS_T_AXFR = 252,
	DNS_T_ANY = 255, DNS_T_CAA = 257,
};

enum dns_class {
	DNS_C_IN = 1, DNS_C_CH = 3, DNS_C_NONE = 254, DNS_C_ANY = 255,
};

#define DNS_RDATA_MAX	65535

/* One record. rdata points into an arena or a zone's storage. */
struct dns_rr {
	struct dns_name	 name;
	uint16_t	 type;
	uint16_t	 class;
	uint32_t	 ttl;
	uint16_t	 rdlen;
	const uint8_t	*rdata;		/* expanded wire form */
};

/* "A", "TYPE65534" (RFC 3597), case-insensitive. Returns 0 or
 * -IK_EPARSE. */
int dns_type_from_text(const char *s, size_t len, uint16_t *out);
/* "A", or "TYPE65534" for types without a mnemonic; returns buf. */
const char *dns_type_name(uint16_t type, char *buf, size_t cap);
int dns_class_from_text(const char *s, size_t len, uint16_t *out);
const char *dns_class_name(uint16_t class, char *buf, size_t cap);

/* True for types whose RDATA names may be compressed on output. */
bool dns_type_compressible(uint16_t type);
/* True for types that are queries only (AXFR, IXFR, ANY, OPT...) and may
 * not appear in zone data. */
bool dns_type_is_meta(uint16_t type);

/* Reads RDATA of `type` at msg[off .. off+rdlen), decompressing the names
 * of the RFC 1035 types and of SRV and NAPTR (RFC 3597 4), checking each known type's layout (an A is 4
 * bytes, an SOA has two names and five 32-bit numbers...). The expanded
 * form is allocated from `a`. Returns 0, -IK_EPARSE, -IK_ETRUNC, or
 * -ENOMEM. */
int dns_rdata_parse(uint16_t type, const uint8_t *msg, size_t len,
    size_t off, uint16_t rdlen, struct arena *a, const uint8_t **rdata,
    uint16_t *rdlen_out);

/* RDATA from master-file tokens (already split; a quoted token keeps its
 * quotes so TXT can tell). Relative names take `origin`. "\# LEN HEX"
 * is accepted for every type (RFC 3597). Returns 0, or -IK_EPARSE with a
 * short reason in *why (static text), -IK_ELIMIT, -ENOMEM. */
struct dns_tok {
	const char	*s;
	size_t		 len;
	bool		 quoted;
};
int dns_rdata_from_text(uint16_t type, const struct dns_tok *tok,
    size_t n_tok, const struct dns_name *origin, struct arena *a,
    const uint8_t **rdata, uint16_t *rdlen_out, const char **why);

/* Presentation form of RDATA as dig and zone files show it. Returns the
 * length, or -IK_ETRUNC. */
int dns_rdata_to_text(uint16_t type, const uint8_t *rdata, uint16_t rdlen,
    char *buf, size_t cap);
/* A whole record: "www.example.test. 3600 IN A 192.0.2.1". */
int dns_rr_to_text(const struct dns_rr *rr, char *buf, size_t cap);

/* The address of an A or AAAA record's RDATA, with `port`. Returns 0,
 * or -IK_ENOTFOUND for other types or a wrong length. */
struct net_addr;
int dns_rdata_addr(uint16_t type, const uint8_t *rdata, uint16_t rdlen,
    uint16_t port, struct net_addr *out);

/* Names inside expanded RDATA (for glue, CNAME chasing, additional
 * processing): writes the target name of NS, CNAME, PTR, DNAME, the
 * exchange of MX, the target of SRV into *out. Returns 0, or
 * -IK_ENOTFOUND for types without such a name. */
int dns_rdata_target(uint16_t type, const uint8_t *rdata, uint16_t rdlen,
    struct dns_name *out);

#endif
