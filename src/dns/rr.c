/* dns/rr.c - resource record types and RDATA (RFC 1035 3.3, RFC 3596,
 * 2782, 3403, 4034, 4255, 6672, 6698, 8659): the type and class tables,
 * layout checks on wire input, master-file text in and out (RFC 1035
 * 5.1) and the generic "\# LEN HEX" form (RFC 3597 5). One layout table
 * drives all directions. Compressing names on output is wire.c's job;
 * cutting master files into tokens is zone.c's. */
#include "dns/rr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/hex.h"
#include "core/net.h"
#include "core/rdwr.h"
#include "core/textbuf.h"

/* One field of an RDATA layout. */
enum fk {
	F_END,
	F_U8, F_U16, F_U32,
	F_TIME,		/* u32 seconds; text may use units ("1h") */
	F_A, F_AAAA,
	F_CNAME,	/* name compressed on the wire (RFC 1035 types) */
	F_NAME,		/* name never compressed (RFC 3597 4) */
	F_NAMED,	/* never compressed, but decompressed on input */
	F_STR,		/* one <character-string> */
	F_STRS,		/* one or more <character-string>s, to the end */
	F_CAATAG,	/* RFC 8659 4.1: length 1..15, letters and digits */
	F_CAAVAL,	/* RFC 8659 4.1: the rest, no length byte */
	F_HEX,		/* the rest, >= 1 byte, hex in text */
	F_B64,		/* the rest, >= 1 byte, base64 in text */
	F_OPAQUE,	/* the whole RDATA; text only as \# */
};

#define T_META		0x01	/* query-only (RFC 6895 3.1) */
#define T_COMP		0x02	/* names compressed (RFC 3597 4) */
#define T_TARGET	0x04	/* its one name is a target */
#define T_DECOMP	0x08	/* names may hold pointers on input */

struct rrtype {
	uint16_t	 type;
	uint8_t		 flags;
	uint8_t		 min;		/* F_OPAQUE: least RDATA length */
	const char	*name;
	uint8_t		 f[8];		/* enum fk, F_END-terminated */
};

/* Sorted by type. SRV and NAPTR targets are decompressed on input, as
 * RFC 3597 4 asks (RFC 2052 mandated compression, and dnspython still
 * compresses both), but never compressed on output (RFC 2782, 3403).
 * DNAME targets are never compressed either way (RFC 6672 2.5). Types
 * kept opaque get a minimal length: RRSIG's 18
 * fixed bytes and a root signer, NSEC's next name, SVCB's priority and
 * target (RFC 4034 3.1, 4.1; RFC 9460 2.2). */
static const struct rrtype rrtypes[] = {
	{ DNS_T_A, 0, 0, "A", { F_A } },
	{ DNS_T_NS, T_COMP | T_DECOMP | T_TARGET, 0, "NS", { F_CNAME } },
	{ DNS_T_CNAME, T_COMP | T_DECOMP | T_TARGET, 0, "CNAME",
	    { F_CNAME } },
	{ DNS_T_SOA, T_COMP | T_DECOMP, 0, "SOA", { F_CNAME, F_CNAME, F_U32,
	    F_TIME, F_TIME, F_TIME, F_TIME } },
	{ DNS_T_PTR, T_COMP | T_DECOMP | T_TARGET, 0, "PTR", { F_CNAME } },
	{ DNS_T_HINFO, 0, 0, "HINFO", { F_STR, F_STR } },
	{ DNS_T_MX, T_COMP | T_DECOMP | T_TARGET, 0, "MX",
	    { F_U16, F_CNAME } },
	{ DNS_T_TXT, 0, 0, "TXT", { F_STRS } },
	{ DNS_T_AAAA, 0, 0, "AAAA", { F_AAAA } },
	{ DNS_T_SRV, T_DECOMP | T_TARGET, 0, "SRV", { F_U16, F_U16, F_U16,
	    F_NAMED } },
	{ DNS_T_NAPTR, T_DECOMP, 0, "NAPTR", { F_U16, F_U16, F_STR, F_STR,
	    F_STR, F_NAMED } },
	{ DNS_T_DNAME, T_TARGET, 0, "DNAME", { F_NAME } },
	{ DNS_T_OPT, T_META, 0, "OPT", { F_OPAQUE } },
	{ DNS_T_DS, 0, 0, "DS", { F_U16, F_U8, F_U8, F_HEX } },
	{ DNS_T_SSHFP, 0, 0, "SSHFP", { F_U8, F_U8, F_HEX } },
	{ DNS_T_RRSIG, 0, 19, "RRSIG", { F_OPAQUE } },
	{ DNS_T_NSEC, 0, 1, "NSEC", { F_OPAQUE } },
	{ DNS_T_DNSKEY, 0, 0, "DNSKEY", { F_U16, F_U8, F_U8, F_B64 } },
	{ DNS_T_TLSA, 0, 0, "TLSA", { F_U8, F_U8, F_U8, F_HEX } },
	{ DNS_T_SVCB, 0, 3, "SVCB", { F_OPAQUE } },
	{ DNS_T_HTTPS, 0, 3, "HTTPS", { F_OPAQUE } },
	{ DNS_T_IXFR, T_META, 0, "IXFR", { F_OPAQUE } },
	{ DNS_T_AXFR, T_META, 0, "AXFR", { F_OPAQUE } },
	{ DNS_T_ANY, T_META, 0, "ANY", { F_OPAQUE } },
	{ DNS_T_CAA, 0, 0, "CAA", { F_U8, F_CAATAG, F_CAAVAL } },
};

#define N_RRTYPES	(sizeof(rrtypes) / sizeof(rrtypes[0]))

static const struct {
	uint16_t	 class;
	const char	*name;
} classes[] = {
	{ DNS_C_IN, "IN" }, { DNS_C_CH, "CH" }, { DNS_C_NONE, "NONE" },
	{ DNS_C_ANY, "ANY" },
};

static const struct rrtype *
rrtype_find(uint16_t type)
{
	size_t lo = 0, hi = N_RRTYPES;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (rrtypes[mid].type == type)
			return &rrtypes[mid];
		if (rrtypes[mid].type < type)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static bool
text_eq_nocase(const char *s, size_t len, const char *lit)
{
	return strlen(lit) == len && strncasecmp(s, lit, len) == 0;
}

/* Decimal digits only, no sign, at most `max`. */
static int
num_parse(const char *s, size_t len, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 10)
		return -IK_EPARSE;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -IK_EPARSE;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max)
		return -IK_ELIMIT;
	*out = (uint32_t)v;
	return 0;
}

/* A mnemonic, or the RFC 3597 5 generic PREFIXnnn form. */
static int
mnemonic_parse(const char *s, size_t len, const char *prefix,
    uint32_t *out)
{
	size_t pl = strlen(prefix);

	if (len <= pl || strncasecmp(s, prefix, pl) != 0)
		return -IK_EPARSE;
	return num_parse(s + pl, len - pl, 65535, out) < 0 ? -IK_EPARSE : 0;
}

int
dns_type_from_text(const char *s, size_t len, uint16_t *out)
{
	uint32_t v;

	for (size_t i = 0; i < N_RRTYPES; i++)
		if (text_eq_nocase(s, len, rrtypes[i].name)) {
			*out = rrtypes[i].type;
			return 0;
		}
	if (mnemonic_parse(s, len, "TYPE", &v) < 0)
		return -IK_EPARSE;
	*out = (uint16_t)v;
	return 0;
}

const char *
dns_type_name(uint16_t type, char *buf, size_t cap)
{
	const struct rrtype *t = rrtype_find(type);

	if (t != NULL)
		snprintf(buf, cap, "%s", t->name);
	else
		snprintf(buf, cap, "TYPE%u", (unsigned)type);
	return buf;
}

int
dns_class_from_text(const char *s, size_t len, uint16_t *out)
{
	uint32_t v;

	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (text_eq_nocase(s, len, classes[i].name)) {
			*out = classes[i].class;
			return 0;
		}
	if (mnemonic_parse(s, len, "CLASS", &v) < 0)
		return -IK_EPARSE;
	*out = (uint16_t)v;
	return 0;
}

const char *
dns_class_name(uint16_t class, char *buf, size_t cap)
{
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (classes[i].class == class) {
			snprintf(buf, cap, "%s", classes[i].name);
			return buf;
		}
	snprintf(buf, cap, "CLASS%u", (unsigned)class);
	return buf;
}

bool
dns_type_compressible(uint16_t type)
{
	const struct rrtype *t = rrtype_find(type);

	return t != NULL && (t->flags & T_COMP) != 0;
}

bool
dns_type_is_meta(uint16_t type)
{
	/* RFC 6895 3.1: 128-255 are QTYPEs and meta-TYPEs; OPT is a
	 * meta-TYPE outside that range. */
	return type == DNS_T_OPT || (type >= 128 && type <= 255);
}

/* ---- walking RDATA in wire form ---- */

struct rwalk {
	const uint8_t	*msg;		/* pointers are offsets into this */
	size_t		 off, end;	/* the RDATA is msg[off..end) */
	bool		 decompress;	/* F_CNAME, F_NAMED may hold pointers */
};

/* Called per field: its bytes p[0..n) as on the wire, and for names the
 * name expanded. */
typedef int rdata_visit_fn(void *arg, enum fk f, const uint8_t *p,
    size_t n, const struct dns_name *nm);

static int
walk_name(struct rwalk *rw, bool may_ptr, struct dns_name *nm)
{
	size_t o;
	int err;

	if (may_ptr && rw->decompress) {
		/* The name and whatever it points at must lie before the
		 * end of this RDATA. */
		o = rw->off;
		err = dns_name_parse(rw->msg, rw->end, &o, nm);
	} else {
		/* A buffer that starts at the name: any pointer would go
		 * to or before its start, which dns_name_parse refuses. */
		o = 0;
		err = dns_name_parse(rw->msg + rw->off, rw->end - rw->off, &o,
		    nm);
		o += rw->off;
	}
	if (err < 0)
		return -IK_EPARSE;
	rw->off = o;
	return 0;
}

static bool
is_alnum(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
}

/* Checks msg[off..end) against t's layout (NULL: unknown type, any
 * bytes) and shows each field to `visit` when given. Returns 0 or
 * -IK_EPARSE, or what `visit` returns. */
static int
rdata_walk(const struct rrtype *t, struct rwalk *rw, rdata_visit_fn *visit,
    void *arg)
{
	int err;

	if (t == NULL || t->f[0] == F_OPAQUE) {
		size_t n = rw->end - rw->off;
		if (t != NULL && n < t->min)
			return -IK_EPARSE;
		err = visit != NULL ? visit(arg, F_OPAQUE, rw->msg + rw->off,
		    n, NULL) : 0;
		rw->off = rw->end;
		return err;
	}
	for (const uint8_t *f = t->f; *f != F_END; f++) {
		const uint8_t *p = rw->msg + rw->off;
		size_t left = rw->end - rw->off, n = 0;

		switch ((enum fk)*f) {
		case F_U8:
			n = 1;
			break;
		case F_U16:
			n = 2;
			break;
		case F_U32: case F_TIME: case F_A:
			n = 4;
			break;
		case F_AAAA:
			n = 16;
			break;
		case F_CNAME: case F_NAME: case F_NAMED: {
			struct dns_name nm;
			if ((err = walk_name(rw, *f != F_NAME, &nm)) < 0)
				return err;
			if (visit != NULL && (err = visit(arg, (enum fk)*f, p,
			    (size_t)(rw->msg + rw->off - p), &nm)) < 0)
				return err;
			continue;
		}
		case F_STR: case F_CAATAG:
			n = left > 0 ? 1u + p[0] : 1;
			break;
		case F_STRS:
			/* RFC 1035 3.3.14: one or more, filling RDATA. */
			if (left == 0)
				return -IK_EPARSE;
			while (n < left)
				n += 1u + p[n];
			break;
		case F_CAAVAL:
			n = left;
			break;
		case F_HEX: case F_B64:
			if (left == 0)
				return -IK_EPARSE;
			n = left;
			break;
		case F_END: case F_OPAQUE:
			return -IK_EPARSE;
		}
		if (n > left)
			return -IK_EPARSE;
		if (*f == F_CAATAG) {
			if (p[0] < 1 || p[0] > 15)
				return -IK_EPARSE;
			for (size_t i = 1; i < n; i++)
				if (!is_alnum(p[i]))
					return -IK_EPARSE;
		}
		if (visit != NULL && (err = visit(arg, (enum fk)*f, p, n,
		    NULL)) < 0)
			return err;
		rw->off += n;
	}
	return rw->off == rw->end ? 0 : -IK_EPARSE;
}

/* Appends a field in expanded form: names uncompressed. */
static int
visit_expand(void *arg, enum fk f, const uint8_t *p, size_t n,
    const struct dns_name *nm)
{
	(void)f;
	struct wr *w = arg;

	if (nm != NULL)
		wr_bytes(w, nm->wire, nm->len);
	else
		wr_bytes(w, p, n);
	return w->err;
}

int
dns_rdata_parse(uint16_t type, const uint8_t *msg, size_t len,
    size_t off, uint16_t rdlen, struct arena *a, const uint8_t **rdata,
    uint16_t *rdlen_out)
{
	const struct rrtype *t = rrtype_find(type);
	struct rwalk rw = { msg, off, off + rdlen, true };
	const uint8_t *src = msg + off;
	size_t n = rdlen;
	/* The largest expansion: NAPTR's numbers, three strings and a
	 * name (an SOA needs 2 * 255 + 20). */
	uint8_t tmp[4 + 3 * 256 + DNS_NAME_MAX];
	int err;

	if (off > len || len - off < rdlen)
		return -IK_ETRUNC;
	if (t == NULL || (t->flags & T_DECOMP) == 0) {
		/* No pointers allowed: the wire form is the expanded one. */
		if ((err = rdata_walk(t, &rw, NULL, NULL)) < 0)
			return err;
	} else {
		struct wr w = { tmp, tmp + sizeof(tmp), 0 };
		if ((err = rdata_walk(t, &rw, visit_expand, &w)) < 0)
			return -IK_EPARSE;
		src = tmp;
		n = (size_t)(w.p - tmp);
	}
	uint8_t *p = arena_dup(a, src, n);
	if (p == NULL)
		return -ENOMEM;
	*rdata = p;
	*rdlen_out = (uint16_t)n;
	return 0;
}

/* ---- text out ---- */

/* Zone-file text; `sep`: a field is out, the next needs a space. */
struct tb {
	struct textbuf	 t;
	bool		 sep;
};

static void
tb_field(struct tb *b)
{
	if (b->sep)
		textbuf_put(&b->t, " ", 1);
	b->sep = true;
}

/* A quoted string: '"' and '\\' escaped, non-printables as \DDD. */
static void
tb_quoted(struct tb *b, const uint8_t *s, size_t n)
{
	textbuf_put(&b->t, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		uint8_t c = s[i];
		char e[5];
		if (c < 0x20 || c > 0x7e) {
			snprintf(e, sizeof(e), "\\%03u", (unsigned)c);
			textbuf_put(&b->t, e, 4);
		} else if (c == '"' || c == '\\') {
			e[0] = '\\';
			e[1] = (char)c;
			textbuf_put(&b->t, e, 2);
		} else {
			textbuf_put(&b->t, (const char *)&c, 1);
		}
	}
	textbuf_put(&b->t, "\"", 1);
}

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void
tb_b64(struct tb *b, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		char q[4] = { b64[v >> 18], b64[(v >> 12) & 63],
		    i + 1 < n ? b64[(v >> 6) & 63] : '=',
		    i + 2 < n ? b64[v & 63] : '=' };
		textbuf_put(&b->t, q, 4);
	}
}

/* RFC 3597 5: "\# LEN HEX", "\# 0" for empty. */
static void
tb_generic(struct tb *b, const uint8_t *p, size_t n)
{
	textbuf_puts(&b->t, "\\# ");
	textbuf_u64(&b->t, (uint32_t)n);
	if (n > 0) {
		textbuf_put(&b->t, " ", 1);
		textbuf_hex(&b->t, p, n, true);
	}
}

static int
visit_text(void *arg, enum fk f, const uint8_t *p, size_t n,
    const struct dns_name *nm)
{
	struct tb *b = arg;
	char tmp[DNS_NAME_TEXT_MAX + 1];

	tb_field(b);
	switch (f) {
	case F_U8:
		textbuf_u64(&b->t, p[0]);
		break;
	case F_U16:
		textbuf_u64(&b->t, (uint32_t)p[0] << 8 | p[1]);
		break;
	case F_U32: case F_TIME:
		textbuf_u64(&b->t, (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		    (uint32_t)p[2] << 8 | p[3]);
		break;
	case F_A: case F_AAAA:
		if (inet_ntop(f == F_A ? AF_INET : AF_INET6, p, tmp,
		    sizeof(tmp)) == NULL)
			return -IK_EPARSE;
		textbuf_puts(&b->t, tmp);
		break;
	case F_CNAME: case F_NAME: case F_NAMED:
		if (dns_name_to_text(nm, tmp, sizeof(tmp)) < 0)
			return -IK_EPARSE;
		textbuf_puts(&b->t, tmp);
		break;
	case F_STR:
		tb_quoted(b, p + 1, p[0]);
		break;
	case F_STRS:
		for (size_t i = 0; i < n; i += 1u + p[i]) {
			if (i > 0)
				textbuf_put(&b->t, " ", 1);
			tb_quoted(b, p + i + 1, p[i]);
		}
		break;
	case F_CAATAG:
		textbuf_put(&b->t, (const char *)p + 1, p[0]);
		break;
	case F_CAAVAL:
		tb_quoted(b, p, n);
		break;
	case F_HEX:
		textbuf_hex(&b->t, p, n, true);
		break;
	case F_B64:
		tb_b64(b, p, n);
		break;
	case F_OPAQUE: case F_END:
		tb_generic(b, p, n);
		break;
	}
	return 0;
}

static int
rdata_text(uint16_t type, const uint8_t *rdata, uint16_t rdlen,
    struct tb *b)
{
	const struct rrtype *t = rrtype_find(type);
	struct rwalk rw = { rdata, 0, rdlen, false };
	size_t start = b->t.len;

	/* Checked first so that a record that does not fit its type (one
	 * built by hand) still prints, as \#, rather than half-printed. */
	if (t != NULL && t->f[0] != F_OPAQUE &&
	    rdata_walk(t, &rw, NULL, NULL) == 0) {
		rw.off = 0;
		if (rdata_walk(t, &rw, visit_text, b) == 0)
			return 0;
	}
	b->t.len = start;
	b->sep = false;
	tb_generic(b, rdata, rdlen);
	return 0;
}

int
dns_rdata_to_text(uint16_t type, const uint8_t *rdata, uint16_t rdlen,
    char *buf, size_t cap)
{
	struct tb b = { TEXTBUF_INIT(buf, cap), false };

	rdata_text(type, rdata, rdlen, &b);
	return textbuf_end(&b.t);
}

int
dns_rr_to_text(const struct dns_rr *rr, char *buf, size_t cap)
{
	struct tb b = { TEXTBUF_INIT(buf, cap), false };
	char tmp[DNS_NAME_TEXT_MAX + 1];

	if (dns_name_to_text(&rr->name, tmp, sizeof(tmp)) < 0)
		return -IK_EPARSE;
	textbuf_puts(&b.t, tmp);
	textbuf_put(&b.t, " ", 1);
	textbuf_u64(&b.t, rr->ttl);
	textbuf_put(&b.t, " ", 1);
	textbuf_puts(&b.t, dns_class_name(rr->class, tmp, sizeof(tmp)));
	textbuf_put(&b.t, " ", 1);
	textbuf_puts(&b.t, dns_type_name(rr->type, tmp, sizeof(tmp)));
	textbuf_put(&b.t, " ", 1);
	/* rb restarts the field separator but shares the buffer. */
	struct tb rb = { TEXTBUF_INIT(buf + b.t.len,
	    b.t.err ? 0 : cap - b.t.len), false };
	rdata_text(rr->type, rr->rdata, rr->rdlen, &rb);
	if (rb.t.err != 0 || b.t.err != 0)
		return -IK_ETRUNC;
	b.t.len += rb.t.len;
	return textbuf_end(&b.t);
}

struct target {
	struct dns_name	*out;
	bool		 found;
};

static int
visit_target(void *arg, enum fk f, const uint8_t *p, size_t n,
    const struct dns_name *nm)
{
	(void)f;
	(void)p;
	(void)n;
	struct target *t = arg;

	if (nm != NULL && !t->found) {
		*t->out = *nm;
		t->found = true;
	}
	return 0;
}

int
dns_rdata_target(uint16_t type, const uint8_t *rdata, uint16_t rdlen,
    struct dns_name *out)
{
	const struct rrtype *t = rrtype_find(type);
	struct rwalk rw = { rdata, 0, rdlen, false };
	struct target tg = { out, false };

	if (t == NULL || (t->flags & T_TARGET) == 0)
		return -IK_ENOTFOUND;
	if (rdata_walk(t, &rw, visit_target, &tg) < 0 || !tg.found)
		return -IK_EPARSE;
	return 0;
}

/* ---- text in ---- */

struct tp {
	const struct dns_tok	*tok;
	size_t			 n, i;
	const struct dns_name	*origin;
	struct wr		 w;
	const char		*why;
};

/* The text of a token. zone.c hands quoted tokens without their quotes;
 * a caller that keeps them is served too: a quoted token whose text
 * still starts with an unescaped '"' cannot come from a lexer that
 * dropped them. */
static void
tok_text(const struct dns_tok *t, const char **s, size_t *len)
{
	*s = t->s;
	*len = t->len;
	if (t->quoted && t->len >= 2 && t->s[0] == '"' &&
	    t->s[t->len - 1] == '"') {
		*s = t->s + 1;
		*len = t->len - 2;
	}
}

static const struct dns_tok *
tp_next(struct tp *tp)
{
	if (tp->i == tp->n) {
		tp->why = "missing field";
		return NULL;
	}
	return &tp->tok[tp->i++];
}

static int
tp_fail(struct tp *tp, int err, const char *why)
{
	tp->why = why;
	return err;
}

/* RFC 1035 5.1 escapes in a string: \DDD (decimal) and \X. Writes at
 * most `cap` bytes to out. */
static int
unescape(const char *s, size_t len, uint8_t *out, size_t cap,
    size_t *n_out)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		uint8_t c = (uint8_t)s[i];
		if (c == '\\') {
			int e = dns_text_escape(s, len, &i);
			if (e < 0)
				return e;
			c = (uint8_t)e;
		}
		if (n == cap)
			return -IK_ELIMIT;
		out[n++] = c;
	}
	*n_out = n;
	return 0;
}

/* One <character-string>: a length byte, at most 255 bytes. */
static int
tp_charstr(struct tp *tp, const struct dns_tok *t)
{
	uint8_t s[255];
	const char *txt;
	size_t len, n;
	int err;

	tok_text(t, &txt, &len);
	if ((err = unescape(txt, len, s, sizeof(s), &n)) < 0)
		return tp_fail(tp, err, err == -IK_ELIMIT ?
		    "string longer than 255 bytes" : "bad escape in string");
	wr_u8(&tp->w, (uint8_t)n);
	wr_bytes(&tp->w, s, n);
	return 0;
}

/* Hex over the remaining tokens (RFC 3597 5 and RFC 4034 5.3 allow it
 * split by blanks). Returns the byte count or an error. */
static ssize_t
tp_hex(struct tp *tp)
{
	size_t n = 0;
	int hi = -1;

	for (; tp->i < tp->n; tp->i++) {
		const char *s;
		size_t len;
		tok_text(&tp->tok[tp->i], &s, &len);
		for (size_t k = 0; k < len; k++) {
			int v = hex_digit(s[k]);
			if (v < 0)
				return tp_fail(tp, -IK_EPARSE, "bad hex digit");
			if (hi < 0) {
				hi = v;
				continue;
			}
			wr_u8(&tp->w, (uint8_t)(hi << 4 | v));
			hi = -1;
			n++;
		}
	}
	if (hi >= 0)
		return tp_fail(tp, -IK_EPARSE, "odd number of hex digits");
	return (ssize_t)n;
}

static int
b64val(char c)
{
	const char *p = c != '\0' ? strchr(b64, c) : NULL;

	return p != NULL ? (int)(p - b64) : -1;
}

/* Base64 (RFC 4648 4) over the remaining tokens, padding required. */
static ssize_t
tp_b64(struct tp *tp)
{
	uint32_t acc = 0;
	size_t n = 0;
	unsigned k = 0, pad = 0;

	for (; tp->i < tp->n; tp->i++) {
		const char *s;
		size_t len;
		tok_text(&tp->tok[tp->i], &s, &len);
		for (size_t j = 0; j < len; j++) {
			int v = 0;
			if (s[j] == '=')
				pad++;
			else if (pad > 0 || (v = b64val(s[j])) < 0)
				return tp_fail(tp, -IK_EPARSE, "bad base64");
			acc = acc << 6 | (uint32_t)v;
			if (++k < 4)
				continue;
			if (pad > 2)
				return tp_fail(tp, -IK_EPARSE, "bad base64");
			wr_u8(&tp->w, (uint8_t)(acc >> 16));
			if (pad < 2)
				wr_u8(&tp->w, (uint8_t)(acc >> 8));
			if (pad < 1)
				wr_u8(&tp->w, (uint8_t)acc);
			n += 3 - pad;
			acc = 0;
			k = 0;
			if (pad > 0)
				pad = 3;	/* nothing may follow */
		}
	}
	if (k != 0)
		return tp_fail(tp, -IK_EPARSE, "bad base64");
	return (ssize_t)n;
}

/* Seconds with optional units, as $TTL (RFC 2308 4 and BIND): "3600",
 * "1h30m", "2w"; a trailing bare number is seconds. */
static int
time_parse(const char *s, size_t len, uint32_t *out)
{
	uint64_t total = 0, v = 0;
	bool digits = false, any_unit = false;

	if (len == 0)
		return -IK_EPARSE;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c >= '0' && c <= '9') {
			v = v * 10 + (uint64_t)(c - '0');
			if (v > UINT32_MAX)
				return -IK_ELIMIT;
			digits = true;
			continue;
		}
		uint64_t mul;
		switch (c | 0x20) {
		case 'w': mul = 604800; break;
		case 'd': mul = 86400; break;
		case 'h': mul = 3600; break;
		case 'm': mul = 60; break;
		case 's': mul = 1; break;
		default: return -IK_EPARSE;
		}
		if (!digits)
			return -IK_EPARSE;
		total += v * mul;
		if (total > UINT32_MAX)
			return -IK_ELIMIT;
		v = 0;
		digits = false;
		any_unit = true;
	}
	if (!digits && !any_unit)
		return -IK_EPARSE;
	total += v;
	if (total > UINT32_MAX)
		return -IK_ELIMIT;
	*out = (uint32_t)total;
	return 0;
}

static int
tp_field(struct tp *tp, enum fk f)
{
	const struct dns_tok *t;
	const char *s;
	size_t len;
	uint32_t v;
	int err;

	if (f == F_OPAQUE)
		return tp_fail(tp, -IK_EPARSE,
		    "no text form for this type: use \\# LEN HEX");
	if (f == F_HEX || f == F_B64) {
		ssize_t n = f == F_HEX ? tp_hex(tp) : tp_b64(tp);
		if (n < 0)
			return (int)n;
		if (n == 0)
			return tp_fail(tp, -IK_EPARSE, "missing data");
		return 0;
	}
	if ((t = tp_next(tp)) == NULL)
		return -IK_EPARSE;
	tok_text(t, &s, &len);
	switch (f) {
	case F_U8: case F_U16: case F_U32:
		err = num_parse(s, len, f == F_U8 ? 255 : f == F_U16 ? 65535 :
		    UINT32_MAX, &v);
		if (err < 0)
			return tp_fail(tp, -IK_EPARSE, "bad number");
		if (f == F_U8)
			wr_u8(&tp->w, (uint8_t)v);
		else if (f == F_U16)
			wr_u16(&tp->w, (uint16_t)v);
		else
			wr_u32(&tp->w, v);
		return 0;
	case F_TIME:
		if (time_parse(s, len, &v) < 0)
			return tp_fail(tp, -IK_EPARSE, "bad time value");
		wr_u32(&tp->w, v);
		return 0;
	case F_A: case F_AAAA: {
		char z[64];
		uint8_t addr[16];
		if (len >= sizeof(z))
			return tp_fail(tp, -IK_EPARSE, "bad address");
		memcpy(z, s, len);
		z[len] = '\0';
		if (inet_pton(f == F_A ? AF_INET : AF_INET6, z, addr) != 1)
			return tp_fail(tp, -IK_EPARSE, f == F_A ?
			    "bad IPv4 address" : "bad IPv6 address");
		wr_bytes(&tp->w, addr, f == F_A ? 4 : 16);
		return 0;
	}
	case F_CNAME: case F_NAME: case F_NAMED: {
		struct dns_name nm;
		if ((err = dns_name_from_text(s, len, tp->origin, &nm)) < 0)
			return tp_fail(tp, err, err == -IK_ELIMIT ?
			    "name too long" : "bad name");
		wr_bytes(&tp->w, nm.wire, nm.len);
		return 0;
	}
	case F_STR:
		return tp_charstr(tp, t);
	case F_STRS:
		/* RFC 1035 3.3.14: one or more strings. */
		for (;;) {
			if ((err = tp_charstr(tp, t)) < 0)
				return err;
			if (tp->i == tp->n)
				return 0;
			t = &tp->tok[tp->i++];
		}
	case F_CAATAG:
		if (len < 1 || len > 15)
			return tp_fail(tp, -IK_EPARSE, "CAA tag not 1-15 long");
		for (size_t i = 0; i < len; i++)
			if (!is_alnum((uint8_t)s[i]))
				return tp_fail(tp, -IK_EPARSE,
				    "CAA tag not letters and digits");
		wr_u8(&tp->w, (uint8_t)len);
		wr_bytes(&tp->w, s, len);
		return 0;
	case F_CAAVAL: {
		size_t n;
		if ((err = unescape(s, len, tp->w.p, wr_left(&tp->w),
		    &n)) < 0)
			return tp_fail(tp, err, err == -IK_ELIMIT ?
			    "RDATA too long" : "bad escape in string");
		tp->w.p += n;
		return 0;
	}
	default:
		return tp_fail(tp, -IK_EPARSE, "bad field");
	}
}

/* "\# LEN HEX" (RFC 3597 5), then the layout check of a known type:
 * a name in it may hold no compression pointer. */
static int
tp_generic(struct tp *tp, const struct rrtype *t)
{
	const char *s;
	size_t len;
	uint32_t want;
	uint8_t *start = tp->w.p;

	tp->i = 1;
	if (tp->n < 2)
		return tp_fail(tp, -IK_EPARSE, "\\# without a length");
	tok_text(&tp->tok[tp->i++], &s, &len);
	if (num_parse(s, len, DNS_RDATA_MAX, &want) < 0)
		return tp_fail(tp, -IK_EPARSE, "bad \\# length");
	ssize_t n = tp_hex(tp);
	if (n < 0)
		return (int)n;
	if (tp->w.err != 0)
		return tp_fail(tp, -IK_ELIMIT, "RDATA too long");
	if ((size_t)n != want)
		return tp_fail(tp, -IK_EPARSE,
		    "\\# length does not match the data");
	struct rwalk rw = { start, 0, (size_t)n, false };
	if (t != NULL && !(t->flags & T_META) &&
	    rdata_walk(t, &rw, NULL, NULL) < 0)
		return tp_fail(tp, -IK_EPARSE, "RDATA does not fit the type");
	return 0;
}

int
dns_rdata_from_text(uint16_t type, const struct dns_tok *tok,
    size_t n_tok, const struct dns_name *origin, struct arena *a,
    const uint8_t **rdata, uint16_t *rdlen_out, const char **why)
{
	const struct rrtype *t = rrtype_find(type);
	struct tp tp = { tok, n_tok, 0, origin, { 0 }, NULL };
	size_t bound = 0;
	int err = 0;

	*why = NULL;
	/* Output bound: a token gives at most its length plus a length
	 * byte, a name at most 255 bytes, an address 16. */
	for (size_t i = 0; i < n_tok; i++)
		bound += tok[i].len + 1 + DNS_NAME_MAX + 16;
	if (bound > DNS_RDATA_MAX)
		bound = DNS_RDATA_MAX;
	uint8_t *buf = arena_alloc(a, bound + 1);
	if (buf == NULL) {
		*why = "out of memory";
		return -ENOMEM;
	}
	tp.w = (struct wr){ buf, buf + bound, 0 };

	if (n_tok > 0 && !tok[0].quoted && tok[0].len == 2 &&
	    memcmp(tok[0].s, "\\#", 2) == 0) {
		err = tp_generic(&tp, t);
	} else if (t == NULL) {
		err = tp_fail(&tp, -IK_EPARSE,
		    "unknown type needs the \\# LEN HEX form");
	} else {
		for (const uint8_t *f = t->f; *f != F_END && err == 0; f++)
			err = tp_field(&tp, (enum fk)*f);
		if (err == 0 && tp.i != tp.n)
			err = tp_fail(&tp, -IK_EPARSE, "too many fields");
	}
	if (err == 0 && tp.w.err != 0)
		err = tp_fail(&tp, -IK_ELIMIT, "RDATA too long");
	if (err < 0) {
		*why = tp.why;
		return err;
	}
	*rdata = buf;
	*rdlen_out = (uint16_t)(tp.w.p - buf);
	return 0;
}

int
dns_rdata_addr(uint16_t type, const uint8_t *rdata, uint16_t rdlen,
    uint16_t port, struct net_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (type == DNS_T_A && rdlen == 4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&out->ss;
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, rdata, 4);
		out->len = sizeof(*sin);
	} else if (type == DNS_T_AAAA && rdlen == 16) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->ss;
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, rdata, 16);
		out->len = sizeof(*sin6);
	} else {
		return -IK_ENOTFOUND;
	}
	net_addr_set_port(out, port);
	return 0;
}
