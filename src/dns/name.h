/* dns/name.h - domain names (RFC 1035 3.1, 4.1.4): wire form with
 * compression on input, text form with escapes, comparisons. Codec: no
 * I/O, no globals. Labels are at most 63 bytes, names at most 255 bytes
 * of wire form; comparisons ignore ASCII case (RFC 4343). */
#ifndef IK_DNS_NAME_H
#define IK_DNS_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_NAME_MAX	255	/* wire form, root label included */
#define DNS_LABEL_MAX	63
#define DNS_LABELS_MAX	127
#define DNS_NAME_TEXT_MAX	(DNS_NAME_MAX * 4 + 2)	/* all \DDD + "." */

/* A name in uncompressed wire form, case as received. The root is
 * { .len = 1, .n_labels = 0, .wire = { 0 } }. */
struct dns_name {
	uint8_t		 len;		/* bytes used in wire, 1..255 */
	uint8_t		 n_labels;	/* not counting the root */
	uint8_t		 wire[DNS_NAME_MAX];
};

/* Reads a possibly compressed name at *off in msg[0..len). Pointers must
 * point backwards, before the start of the name being read (so no loops
 * and no forward references), and not into the 12-byte header; label
 * types 01/10 are refused. On success
 * *off moves past the name as it sits in the message. Returns 0,
 * -IK_ETRUNC or -IK_EPARSE. */
int dns_name_parse(const uint8_t *msg, size_t len, size_t *off,
    struct dns_name *out);

/* Parses text: "www.example.test." (absolute), "www" (relative: `origin`
 * appended; NULL origin makes relative names an error), "@" (the origin),
 * "." (the root); escapes "\." and "\DDD" (RFC 1035 5.1). `len` bytes of
 * `s`, need not be NUL-terminated. Returns 0, -IK_EPARSE (empty label,
 * bad escape, relative without origin), or -IK_ELIMIT (label > 63, name
 * > 255). */
int dns_name_from_text(const char *s, size_t len,
    const struct dns_name *origin, struct dns_name *out);
/* Decodes the escape at s[*i] == '\\' (RFC 1035 5.1): "\DDD", a decimal
 * octet up to 255, or "\X", X itself. Leaves *i on the last character
 * used. Returns the octet, or -IK_EPARSE. Shared by names and strings. */
int dns_text_escape(const char *s, size_t len, size_t *i);
/* Writes the absolute text form ("www.example.test.", the root as "."),
 * escaping '.', '\\', '"', ';', '(', ')', '@', '$', space and
 * non-printables (\DDD). Returns the length, or -IK_ETRUNC. */
int dns_name_to_text(const struct dns_name *n, char *buf, size_t cap);

void dns_name_root(struct dns_name *out);
bool dns_name_is_root(const struct dns_name *n);
/* Equal ignoring ASCII case. */
bool dns_name_equal(const struct dns_name *a, const struct dns_name *b);
/* Canonical DNS order (RFC 4034 6.1): <0, 0, >0. */
int dns_name_cmp(const struct dns_name *a, const struct dns_name *b);
/* True if `n` is `parent` or below it. */
bool dns_name_is_sub(const struct dns_name *n, const struct dns_name *parent);
/* Lowercases ASCII letters in place. */
void dns_name_lower(struct dns_name *n);
/* Removes the first `k` labels (k <= n_labels). */
void dns_name_strip(const struct dns_name *n, unsigned k,
    struct dns_name *out);
/* `prefix` (a relative run of labels in wire form without the root,
 * `plen` bytes) prepended to `suffix`. Returns 0 or -IK_ELIMIT. */
int dns_name_concat(const uint8_t *prefix, size_t plen,
    const struct dns_name *suffix, struct dns_name *out);
/* Offset of label i (0 = leftmost) in n->wire; n_labels gives the root. */
size_t dns_name_label_off(const struct dns_name *n, unsigned i);
/* A case-insensitive hash of the wire form (FNV-1a over lowered bytes). */
uint32_t dns_name_hash(const struct dns_name *n);
/* True if the first label is "*" (a wildcard owner, RFC 4592). */
bool dns_name_is_wildcard(const struct dns_name *n);

#endif
