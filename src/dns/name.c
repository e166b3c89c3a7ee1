/* dns/name.c - domain names: wire input with strict compression checks
 * (RFC 1035 3.1, 4.1.4), master-file text in and out (RFC 1035 5.1),
 * case-insensitive comparison (RFC 4343) and canonical order (RFC 4034
 * 6.1). Writing compressed names is wire.c's job, not this file's. */
#include "dns/name.h"

#include <string.h>

#include "core/err.h"

/* No name can start inside the 12-byte message header (RFC 1035 4.1.1). */
#define NAME_HDR_LEN	12

static inline uint8_t
lc(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + ('a' - 'A')) : c;
}

int
dns_name_parse(const uint8_t *msg, size_t len, size_t *off,
    struct dns_name *out)
{
	size_t pos = *off, limit = *off, next = 0;
	unsigned wlen = 0, n = 0;
	int jumped = 0;

	for (;;) {
		if (pos >= len)
			return -IK_ETRUNC;
		uint8_t c = msg[pos];
		if ((c & 0xc0) == 0xc0) {
			if (pos + 1 >= len)
				return -IK_ETRUNC;
			size_t ptr = (size_t)(c & 0x3f) << 8 | msg[pos + 1];
			/* RFC 1035 4.1.4 only says "a prior occurrence".
			 * Each jump must land before the start of the label
			 * run it leaves, so targets strictly decrease: no
			 * loop, no forward reference can be expressed. */
			if (ptr >= limit || ptr < NAME_HDR_LEN)
				return -IK_EPARSE;
			if (!jumped)
				next = pos + 2;
			jumped = 1;
			pos = limit = ptr;
			continue;
		}
		/* 01 and 10 label types: RFC 6891 5 retired the extended
		 * label type, 10 was never defined. */
		if ((c & 0xc0) != 0)
			return -IK_EPARSE;
		if (c == 0) {
			out->wire[wlen++] = 0;
			break;
		}
		/* The root byte must still fit after this label. */
		if (wlen + 1u + c + 1u > DNS_NAME_MAX)
			return -IK_EPARSE;
		if (len - pos - 1 < c)
			return -IK_ETRUNC;
		memcpy(out->wire + wlen, msg + pos, 1u + c);
		wlen += 1u + c;
		n++;
		pos += 1u + c;
	}
	out->len = (uint8_t)wlen;
	out->n_labels = (uint8_t)n;
	*off = jumped ? next : pos + 1;
	return 0;
}

static int
digit(char c)
{
	return c >= '0' && c <= '9';
}

int
dns_text_escape(const char *s, size_t len, size_t *i)
{
	size_t k = *i + 1;

	if (k >= len)
		return -IK_EPARSE;
	if (!digit(s[k])) {
		*i = k;
		return (uint8_t)s[k];
	}
	if (len - k < 3 || !digit(s[k + 1]) || !digit(s[k + 2]))
		return -IK_EPARSE;
	unsigned v = (unsigned)(s[k] - '0') * 100 +
	    (unsigned)(s[k + 1] - '0') * 10 + (unsigned)(s[k + 2] - '0');
	if (v > 255)
		return -IK_EPARSE;
	*i = k + 2;
	return (int)v;
}

int
dns_name_from_text(const char *s, size_t len,
    const struct dns_name *origin, struct dns_name *out)
{
	uint8_t w[DNS_NAME_MAX];
	size_t wlen = 0, lab = 0;	/* lab: offset of the open label */
	unsigned n = 0;
	bool absolute = false;

	if (len == 0)
		return -IK_EPARSE;
	if (len == 1 && s[0] == '@') {
		if (origin == NULL)
			return -IK_EPARSE;
		*out = *origin;
		return 0;
	}
	if (len == 1 && s[0] == '.') {
		dns_name_root(out);
		return 0;
	}
	w[0] = 0;
	wlen = 1;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = (uint8_t)s[i];
		if (c == '.') {
			if (wlen - lab - 1 == 0)
				return -IK_EPARSE;	/* empty label */
			w[lab] = (uint8_t)(wlen - lab - 1);
			n++;
			if (i == len - 1) {
				absolute = true;
				break;
			}
			/* Room for the next length byte and the root. */
			if (wlen + 2 > DNS_NAME_MAX)
				return -IK_ELIMIT;
			lab = wlen++;
			continue;
		}
		if (c == '\\') {
			int e = dns_text_escape(s, len, &i);
			if (e < 0)
				return e;
			c = (uint8_t)e;
		}
		if (wlen - lab - 1 == DNS_LABEL_MAX)
			return -IK_ELIMIT;
		if (wlen + 1 + 1 > DNS_NAME_MAX)	/* this byte + root */
			return -IK_ELIMIT;
		w[wlen++] = c;
	}
	if (!absolute) {
		if (wlen - lab - 1 == 0)
			return -IK_EPARSE;
		w[lab] = (uint8_t)(wlen - lab - 1);
		n++;
		if (origin == NULL)
			return -IK_EPARSE;
		return dns_name_concat(w, wlen, origin, out);
	}
	w[wlen++] = 0;
	memcpy(out->wire, w, wlen);
	out->len = (uint8_t)wlen;
	out->n_labels = (uint8_t)n;
	return 0;
}

/* RFC 1035 5.1 specials plus those BIND and Knot escape. Space goes out
 * as \032 with the other non-printables, as dig writes it, so the text
 * is one token for any reader. */
static int
needs_escape(uint8_t c)
{
	return c == '.' || c == '\\' || c == '"' || c == ';' || c == '(' ||
	    c == ')' || c == '@' || c == '$';
}

int
dns_name_to_text(const struct dns_name *n, char *buf, size_t cap)
{
	size_t o = 0, p = 0;

	if (n->len <= 1 || n->wire[0] == 0) {
		if (cap < 2)
			return -IK_ETRUNC;
		buf[0] = '.';
		buf[1] = '\0';
		return 1;
	}
	while (p < n->len && n->wire[p] != 0) {
		size_t l = n->wire[p++];
		for (size_t k = 0; k < l && p < n->len; k++, p++) {
			uint8_t c = n->wire[p];
			if (c < 0x21 || c > 0x7e) {
				if (cap - o < 5)
					return -IK_ETRUNC;
				buf[o++] = '\\';
				buf[o++] = (char)('0' + c / 100);
				buf[o++] = (char)('0' + c / 10 % 10);
				buf[o++] = (char)('0' + c % 10);
				continue;
			}
			if (cap - o < 3)
				return -IK_ETRUNC;
			if (needs_escape(c))
				buf[o++] = '\\';
			buf[o++] = (char)c;
		}
		if (cap - o < 2)
			return -IK_ETRUNC;
		buf[o++] = '.';
	}
	buf[o] = '\0';
	return (int)o;
}

void
dns_name_root(struct dns_name *out)
{
	out->len = 1;
	out->n_labels = 0;
	out->wire[0] = 0;
}

bool
dns_name_is_root(const struct dns_name *n)
{
	return n->n_labels == 0;
}

/* Wire bytes equal ignoring ASCII case; length bytes are <= 63, below
 * 'A', so folding them changes nothing. */
static bool
wire_eq_nocase(const uint8_t *a, const uint8_t *b, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (a[i] != b[i] && lc(a[i]) != lc(b[i]))
			return false;
	return true;
}

bool
dns_name_equal(const struct dns_name *a, const struct dns_name *b)
{
	return a->len == b->len && a->n_labels == b->n_labels &&
	    wire_eq_nocase(a->wire, b->wire, a->len);
}

/* Offsets of the labels of n (the root not included); returns the count. */
static unsigned
label_offs(const struct dns_name *n, uint8_t offs[DNS_LABELS_MAX])
{
	unsigned k = 0;
	size_t p = 0;

	while (p < n->len && n->wire[p] != 0 && k < DNS_LABELS_MAX) {
		offs[k++] = (uint8_t)p;
		p += 1u + n->wire[p];
	}
	return k;
}

int
dns_name_cmp(const struct dns_name *a, const struct dns_name *b)
{
	uint8_t oa[DNS_LABELS_MAX], ob[DNS_LABELS_MAX];
	unsigned ia = label_offs(a, oa), ib = label_offs(b, ob);

	/* RFC 4034 6.1: compare labels from the rightmost, each as a
	 * lowercased octet string where a prefix sorts first; the name
	 * that runs out of labels first sorts first. */
	while (ia > 0 && ib > 0) {
		const uint8_t *la = a->wire + oa[--ia];
		const uint8_t *lb = b->wire + ob[--ib];
		size_t m = la[0] < lb[0] ? la[0] : lb[0];
		for (size_t i = 1; i <= m; i++) {
			uint8_t ca = lc(la[i]), cb = lc(lb[i]);
			if (ca != cb)
				return ca < cb ? -1 : 1;
		}
		if (la[0] != lb[0])
			return la[0] < lb[0] ? -1 : 1;
	}
	if (ia == ib)
		return 0;
	return ia < ib ? -1 : 1;
}

bool
dns_name_is_sub(const struct dns_name *n, const struct dns_name *parent)
{
	if (n->n_labels < parent->n_labels || n->len < parent->len)
		return false;
	size_t off = dns_name_label_off(n, n->n_labels - parent->n_labels);
	return n->len - off == parent->len &&
	    wire_eq_nocase(n->wire + off, parent->wire, parent->len);
}

void
dns_name_lower(struct dns_name *n)
{
	for (size_t i = 0; i < n->len; i++)
		n->wire[i] = lc(n->wire[i]);
}

void
dns_name_strip(const struct dns_name *n, unsigned k, struct dns_name *out)
{
	if (k > n->n_labels)
		k = n->n_labels;
	size_t off = dns_name_label_off(n, k);
	uint8_t nl = (uint8_t)(n->n_labels - k);

	/* memmove: out may be n. */
	memmove(out->wire, n->wire + off, n->len - off);
	out->len = (uint8_t)(n->len - off);
	out->n_labels = nl;
}

int
dns_name_concat(const uint8_t *prefix, size_t plen,
    const struct dns_name *suffix, struct dns_name *out)
{
	unsigned n = 0;

	if (plen + suffix->len > DNS_NAME_MAX)
		return -IK_ELIMIT;
	for (size_t p = 0; p < plen; p += 1u + prefix[p], n++)
		if (prefix[p] == 0 || prefix[p] > DNS_LABEL_MAX ||
		    prefix[p] >= plen - p)
			return -IK_EPARSE;
	uint8_t nl = (uint8_t)(n + suffix->n_labels);
	uint8_t sl = suffix->len;
	/* memmove: out may be suffix. */
	memmove(out->wire + plen, suffix->wire, sl);
	memmove(out->wire, prefix, plen);
	out->len = (uint8_t)(plen + sl);
	out->n_labels = nl;
	return 0;
}

size_t
dns_name_label_off(const struct dns_name *n, unsigned i)
{
	size_t p = 0;

	for (unsigned k = 0; k < i && p < n->len && n->wire[p] != 0; k++)
		p += 1u + n->wire[p];
	return p;
}

uint32_t
dns_name_hash(const struct dns_name *n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n->len; i++) {
		h ^= lc(n->wire[i]);
		h *= 16777619u;
	}
	return h;
}

bool
dns_name_is_wildcard(const struct dns_name *n)
{
	return n->n_labels > 0 && n->wire[0] == 1 && n->wire[1] == '*';
}
