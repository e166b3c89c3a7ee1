/* dns/wire.h - DNS messages (RFC 1035 4) with EDNS0 (RFC 6891): parse
 * with strict checks (counts that overrun the packet, trailing bytes,
 * compression loops), build with name compression. The builder is also
 * what the server's answer path writes with, record by record, so a
 * response that outgrows the client's buffer can stop cleanly and set TC.
 * Codec: no sockets, no clock, no globals, no logging. */
#ifndef IK_DNS_WIRE_H
#define IK_DNS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dns/name.h"
#include "dns/rr.h"

struct arena;

#define DNS_HDR_LEN	12
#define DNS_MSG_MAX	65535	/* TCP maximum */
#define DNS_UDP_MIN	512	/* RFC 1035 without EDNS */
#define DNS_RR_MAX	4096	/* records per parsed message, all sections */

/* Header flag bits (the 16-bit word after the ID). */
#define DNS_F_QR	0x8000
#define DNS_F_AA	0x0400
#define DNS_F_TC	0x0200
#define DNS_F_RD	0x0100
#define DNS_F_RA	0x0080
#define DNS_F_AD	0x0020
#define DNS_F_CD	0x0010
#define DNS_OPCODE(f)	(((f) >> 11) & 0xf)
#define DNS_RCODE(f)	((f) & 0xf)

enum dns_opcode { DNS_OP_QUERY = 0, DNS_OP_IQUERY = 1, DNS_OP_STATUS = 2,
	DNS_OP_NOTIFY = 4, DNS_OP_UPDATE = 5 };
enum dns_rcode { DNS_R_NOERROR = 0, DNS_R_FORMERR = 1, DNS_R_SERVFAIL = 2,
	DNS_R_NXDOMAIN = 3, DNS_R_NOTIMP = 4, DNS_R_REFUSED = 5,
	DNS_R_YXDOMAIN = 6, DNS_R_NOTAUTH = 9, DNS_R_BADVERS = 16 };

enum dns_section { DNS_S_AN, DNS_S_NS, DNS_S_AR, DNS_S_COUNT };

struct dns_hdr {
	uint16_t	 id, flags;
	uint16_t	 qdcount, ancount, nscount, arcount;
};

struct dns_question {
	struct dns_name	 name;
	uint16_t	 type, class;
};

struct dns_edns {
	bool		 present;
	uint16_t	 udp_size;	/* requester's payload size */
	uint8_t		 ext_rcode;	/* upper 8 bits of the 12-bit rcode */
	uint8_t		 version;
	uint16_t	 flags;		/* DO is 0x8000 */
	uint16_t	 opts_len;
	const uint8_t	*opts;		/* raw options, not interpreted */
};

struct dns_msg {
	struct dns_hdr		 hdr;
	bool			 has_q;	/* qdcount was 1 (0 allowed; >1 is
					 * a parse error) */
	struct dns_question	 q;
	struct dns_rr		*rr[DNS_S_COUNT];	/* arena arrays */
	uint16_t		 n_rr[DNS_S_COUNT];	/* OPT not counted */
	struct dns_edns		 edns;
};

/* Reads just the 12-byte header. Returns 0 or -IK_ETRUNC. */
int dns_hdr_parse(const uint8_t *buf, size_t len, struct dns_hdr *out);

/* Parses a whole message; names and records live in `a`. Rejects: more
 * than one question, records or counts past the end, bytes after the
 * last record, more than one OPT or an OPT outside the additional section
 * or with a non-root owner, bad names, RDATA that does not fit its type.
 * Returns 0, -IK_ETRUNC, -IK_EPARSE, -IK_ELIMIT (over DNS_RR_MAX) or
 * -ENOMEM. */
int dns_msg_parse(const uint8_t *buf, size_t len, struct arena *a,
    struct dns_msg *out);

/* Builds `m` (OPT from m->edns when present). Returns the length, or
 * -IK_ETRUNC if it does not fit `cap` (no TC logic here). */
ssize_t dns_msg_build(const struct dns_msg *m, uint8_t *buf, size_t cap);

/* The largest UDP response `m`'s sender takes: its EDNS payload size
 * (at least 512) capped at `ours`, or 512 without EDNS (RFC 6891
 * 6.2.5). */
size_t dns_udp_limit(const struct dns_msg *m, uint16_t ours);

/* Same header, question, records (names compared case-sensitively,
 * rdata bytewise) and EDNS. */
bool dns_msg_equal(const struct dns_msg *a, const struct dns_msg *b);

/* ---- the builder ---- */

#define DNS_COMP_MAX	128	/* names remembered for compression */

struct dns_builder {
	uint8_t		*buf;
	size_t		 cap;	/* may be lowered (UDP size) before adding */
	size_t		 len;
	uint16_t	 count[DNS_S_COUNT];
	uint16_t	 comp[DNS_COMP_MAX];	/* offsets of names written */
	unsigned	 n_comp;
	int		 err;	/* first failure, sticky */
};

/* Starts a message with header `h` (its counts are ignored: the builder
 * counts) into buf[0..cap). */
void dns_build_init(struct dns_builder *b, uint8_t *buf, size_t cap,
    const struct dns_hdr *h);
void dns_build_question(struct dns_builder *b, const struct dns_question *q);
/* Appends a record to section `s` (sections in order: AN, NS, AR). If it
 * does not fit, nothing of it is written and -IK_ETRUNC is returned; the
 * message so far stays valid (the caller sets TC or stops). */
int dns_build_rr(struct dns_builder *b, enum dns_section s,
    const struct dns_rr *rr);
/* Appends the OPT record (to AR). Returns 0 or -IK_ETRUNC. */
int dns_build_opt(struct dns_builder *b, const struct dns_edns *e);
/* Sets or clears header flag bits / the rcode (low 4 bits; the upper 8
 * go in OPT). */
void dns_build_flags(struct dns_builder *b, uint16_t set, uint16_t clear);
void dns_build_rcode(struct dns_builder *b, unsigned rcode);
/* Writes the counts into the header; returns the length or the sticky
 * error. */
ssize_t dns_build_finish(struct dns_builder *b);

#endif
