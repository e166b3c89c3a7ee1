/* dns/zone.h - RFC 1035 master files (5.1) as BIND, NSD and Knot read
 * them: $ORIGIN, $TTL (RFC 2308), $INCLUDE (with an optional origin),
 * relative names, "@", omitted owner / TTL / class, parentheses across
 * lines, quoted strings and \DDD escapes, ';' comments, TTLs with units
 * ("1h30m", "1w"), the RFC 3597 "\# LEN HEX" form and TYPEnnn / CLASSnnn.
 * Codec: reads files, nothing else; errors name file:line. */
#ifndef IK_DNS_ZONE_H
#define IK_DNS_ZONE_H

#include <stddef.h>
#include <stdint.h>

#include "dns/name.h"
#include "dns/rr.h"

struct cfg_errs;

#define ZONE_INCLUDE_DEPTH	8

/* Called per record in file order; `rr` (and its rdata) is valid only
 * during the call: copy what you keep. Return < 0 to stop the parse (that
 * code is returned, e.g. -IK_ELIMIT for too many records). */
typedef int zone_add_fn(void *arg, const struct dns_rr *rr);

/* Where the record handed to add() was read (valid during the call), and
 * how many $INCLUDEs the parse has followed so far. */
struct zone_pos {
	const char		*file;
	int			 line;
	unsigned		 n_includes;
};

struct zone_parse {
	const struct dns_name	*origin;	/* initial $ORIGIN (the zone) */
	zone_add_fn		*add;
	void			*arg;
	struct cfg_errs		*errs;	/* "file:line: message" per error */
	size_t			 max_errors;	/* stop after this many (>= 1) */
	/* When true, $INCLUDE may only name files in the including file's
	 * directory or below it (a zone from an untrusted source). */
	bool			 include_beneath;
	struct zone_pos		*pos;	/* optional: kept up to date */
};

/* Parses the file at `path`. Returns 0 when every line was good and the
 * callback accepted every record; otherwise a negative code, with the
 * problems in p->errs (the caller then refuses the whole zone). Errors
 * go on after a bad line up to max_errors so a user sees them all.
 * A record without any TTL in force (no $TTL, no earlier TTL) takes the
 * SOA's minimum field when the SOA came first, as BIND does, else it is
 * an error. */
int dns_zone_parse_file(const char *path, const struct zone_parse *p);
/* The same over `len` bytes of text; `name` appears in messages and
 * $INCLUDE is refused. */
int dns_zone_parse_text(const char *text, size_t len, const char *name,
    const struct zone_parse *p);

/* "3600", "1h", "1h30m", "2w", "1d12h" (units w d h m s, any case).
 * Returns 0 or -IK_EPARSE / -IK_ELIMIT (over 2^31 - 1, RFC 2181 8). */
int dns_ttl_from_text(const char *s, size_t len, uint32_t *out);

#endif
