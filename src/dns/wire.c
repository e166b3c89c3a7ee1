/* dns/wire.c - DNS messages (RFC 1035 4.1) with EDNS0 (RFC 6891 6): the
 * strict parser, and the builder the answer path writes with, record by
 * record, compressing names (RFC 1035 4.1.4) through a bounded table.
 * RDATA layouts are rr.c's, names name.c's. No sockets, clock or malloc
 * here; parsed messages live in the caller's arena. */
#include "dns/wire.h"

#include <errno.h>
#include <string.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/rdwr.h"

#define PTR_MAX		0x3fff	/* a pointer holds 14 bits of offset */

int
dns_hdr_parse(const uint8_t *buf, size_t len, struct dns_hdr *out)
{
	struct rd r = { buf, buf + len, 0 };

	out->id = rd_u16(&r);
	out->flags = rd_u16(&r);
	out->qdcount = rd_u16(&r);
	out->ancount = rd_u16(&r);
	out->nscount = rd_u16(&r);
	out->arcount = rd_u16(&r);
	return r.err;
}

/* One record at *off; *off moves past it. */
static int
parse_rr(const uint8_t *buf, size_t len, size_t *off, struct arena *a,
    struct dns_rr *rr)
{
	int err;

	if ((err = dns_name_parse(buf, len, off, &rr->name)) < 0)
		return err;
	struct rd r = { buf + *off, buf + len, 0 };
	rr->type = rd_u16(&r);
	rr->class = rd_u16(&r);
	rr->ttl = rd_u32(&r);
	rr->rdlen = rd_u16(&r);
	if (r.err != 0)
		return r.err;
	*off = (size_t)(r.p - buf);
	uint16_t wire_len = rr->rdlen;	/* rdlen becomes the expanded one */
	if (len - *off < wire_len)
		return -IK_ETRUNC;
	if (wire_len == 0 && (rr->class == DNS_C_ANY ||
	    rr->class == DNS_C_NONE)) {
		/* RFC 2136 2.4, 2.5: UPDATE prerequisites and deletions
		 * carry no RDATA whatever the type. */
		rr->rdata = (const uint8_t *)"";
	} else if ((err = dns_rdata_parse(rr->type, buf, len, *off,
	    wire_len, a, &rr->rdata, &rr->rdlen)) < 0) {
		return err;
	}
	*off += wire_len;
	return 0;
}

/* RFC 6891 6.1.1-6.1.3: one OPT, in the additional section, owned by the
 * root; its class is the payload size and its TTL the extended rcode,
 * version and flags. Options must tile the RDATA (6.1.2). */
static int
take_opt(struct dns_msg *m, enum dns_section s, const struct dns_rr *rr)
{
	struct dns_edns *e = &m->edns;

	if (s != DNS_S_AR || e->present || !dns_name_is_root(&rr->name))
		return -IK_EPARSE;
	struct rd r = { rr->rdata, rr->rdata + rr->rdlen, 0 };
	while (rd_left(&r) > 0) {
		(void)rd_u16(&r);
		(void)rd_bytes(&r, rd_u16(&r));
	}
	if (r.err != 0)
		return -IK_EPARSE;
	e->present = true;
	e->udp_size = rr->class;
	e->ext_rcode = (uint8_t)(rr->ttl >> 24);
	e->version = (uint8_t)(rr->ttl >> 16);
	e->flags = (uint16_t)rr->ttl;
	e->opts_len = rr->rdlen;
	e->opts = rr->rdata;
	return 0;
}

int
dns_msg_parse(const uint8_t *buf, size_t len, struct arena *a,
    struct dns_msg *out)
{
	size_t off = DNS_HDR_LEN;
	int err;

	memset(out, 0, sizeof(*out));
	if ((err = dns_hdr_parse(buf, len, &out->hdr)) < 0)
		return err;
	const struct dns_hdr *h = &out->hdr;
	uint16_t cnt[DNS_S_COUNT] = { h->ancount, h->nscount, h->arcount };
	size_t n_rr = (size_t)cnt[0] + cnt[1] + cnt[2];

	/* RFC 1035 4.1.2: one question in practice; more has no defined
	 * meaning and no server answers it. */
	if (h->qdcount > 1)
		return -IK_EPARSE;
	/* A question takes at least 5 bytes and a record 11: counts that
	 * cannot fit fail before anything is allocated for them. */
	if ((size_t)h->qdcount * 5 + n_rr * 11 > len - DNS_HDR_LEN)
		return -IK_ETRUNC;
	if (n_rr > DNS_RR_MAX)
		return -IK_ELIMIT;
	if (h->qdcount == 1) {
		if ((err = dns_name_parse(buf, len, &off, &out->q.name)) < 0)
			return err;
		struct rd r = { buf + off, buf + len, 0 };
		out->q.type = rd_u16(&r);
		out->q.class = rd_u16(&r);
		if (r.err != 0)
			return r.err;
		off += 4;
		out->has_q = true;
	}
	for (int s = 0; s < DNS_S_COUNT; s++) {
		if (cnt[s] == 0)
			continue;
		out->rr[s] = arena_alloc(a, cnt[s] * sizeof(struct dns_rr));
		if (out->rr[s] == NULL)
			return -ENOMEM;
		for (unsigned i = 0; i < cnt[s]; i++) {
			struct dns_rr *rr = &out->rr[s][out->n_rr[s]];
			if ((err = parse_rr(buf, len, &off, a, rr)) < 0)
				return err;
			if (rr->type != DNS_T_OPT)
				out->n_rr[s]++;
			else if ((err = take_opt(out, s, rr)) < 0)
				return err;
		}
	}
	if (off != len)
		return -IK_EPARSE;	/* bytes after the last record */
	return 0;
}

/* ---- the builder ----
 * Compression (RFC 1035 4.1.4): b->comp holds the offset of every
 * label written in an owner, the question or the RDATA of a
 * dns_type_compressible type, below PTR_MAX, up to DNS_COMP_MAX. A name
 * is written up to its longest suffix found there, then a pointer.
 * Suffixes match byte for byte, case included: a pointer must not
 * change a name's case, which a 0x20-checking resolver (and
 * dns_msg_equal) would notice. A record or OPT that does not fit is
 * undone (length and table) and is not a sticky error: the caller sets
 * TC and finishes, or stops. A question that does not fit is sticky,
 * since a message without it is useless. */

static size_t
b_room(const struct dns_builder *b)
{
	return b->cap > b->len ? b->cap - b->len : 0;
}

static void
b_put16(struct dns_builder *b, size_t at, uint16_t v)
{
	b->buf[at] = (uint8_t)(v >> 8);
	b->buf[at + 1] = (uint8_t)v;
}

void
dns_build_init(struct dns_builder *b, uint8_t *buf, size_t cap,
    const struct dns_hdr *h)
{
	memset(b, 0, sizeof(*b));
	b->buf = buf;
	b->cap = cap > DNS_MSG_MAX ? DNS_MSG_MAX : cap;
	if (b->cap < DNS_HDR_LEN) {
		b->err = -IK_ETRUNC;
		return;
	}
	memset(buf, 0, DNS_HDR_LEN);
	b_put16(b, 0, h->id);
	b_put16(b, 2, h->flags);
	b->len = DNS_HDR_LEN;
}

/* Does the name written at buf[off] read as w[0..wlen) exactly? Names
 * in the table were written here and point only backwards, so the walk
 * ends; the step bound is a guard, not a rule. */
static bool
comp_match(const struct dns_builder *b, size_t off, const uint8_t *w,
    size_t wlen)
{
	size_t q = 0;

	for (unsigned step = 0; step < 2 * DNS_LABELS_MAX + 2; step++) {
		uint8_t c = b->buf[off];
		if ((c & 0xc0) == 0xc0) {
			off = (size_t)(c & 0x3f) << 8 | b->buf[off + 1];
			continue;
		}
		if (q >= wlen || c != w[q] || q + 1u + c > wlen)
			return false;
		if (c == 0)
			return true;
		if (memcmp(b->buf + off + 1, w + q + 1, c) != 0)
			return false;
		off += 1u + c;
		q += 1u + c;
	}
	return false;
}

static void
put_name(struct dns_builder *b, struct wr *w, const struct dns_name *n)
{
	const uint8_t *wire = n->wire;
	size_t len = n->len, so = 0;
	long ptr = -1;

	if (w->err != 0)
		return;
	for (; so < len && wire[so] != 0; so += 1u + wire[so]) {
		for (unsigned i = 0; i < b->n_comp && ptr < 0; i++)
			if (comp_match(b, b->comp[i], wire + so, len - so))
				ptr = b->comp[i];
		if (ptr >= 0)
			break;
	}
	size_t base = (size_t)(w->p - b->buf);
	wr_bytes(w, wire, so);
	if (ptr >= 0)
		wr_u16(w, (uint16_t)(0xc000 | ptr));
	else
		wr_u8(w, 0);
	if (w->err != 0)
		return;
	/* Only now: the table may only point at bytes really written. */
	for (size_t l = 0; l < so; l += 1u + wire[l]) {
		if (base + l > PTR_MAX || b->n_comp == DNS_COMP_MAX)
			break;
		b->comp[b->n_comp++] = (uint16_t)(base + l);
	}
}

/* Where the names sit in the RDATA of the dns_type_compressible types
 * (RFC 1035 3.3): bytes before, names, bytes after. */
static const struct {
	uint16_t	type;
	uint8_t		pre, names, post;
} comp_layout[] = {
	{ DNS_T_NS, 0, 1, 0 }, { DNS_T_CNAME, 0, 1, 0 },
	{ DNS_T_SOA, 0, 2, 20 }, { DNS_T_PTR, 0, 1, 0 },
	{ DNS_T_MX, 2, 1, 0 },
};

static int
put_rdata(struct dns_builder *b, struct wr *w, const struct dns_rr *rr)
{
	size_t k, p, nl = sizeof(comp_layout) / sizeof(comp_layout[0]);

	for (k = 0; k < nl && comp_layout[k].type != rr->type; k++)
		;
	/* RFC 3597 4: names in other types go out as they are. An empty
	 * RDATA is an UPDATE deletion (RFC 2136 2.5). */
	if (k == nl || rr->rdlen == 0 || !dns_type_compressible(rr->type)) {
		wr_bytes(w, rr->rdata, rr->rdlen);
		return 0;
	}
	if (rr->rdlen < comp_layout[k].pre)
		return -IK_EPARSE;
	wr_bytes(w, rr->rdata, comp_layout[k].pre);
	p = comp_layout[k].pre;
	for (unsigned i = 0; i < comp_layout[k].names; i++) {
		struct dns_name nm;
		size_t o = 0;
		/* Expanded form has no pointers; the buffer starting at the
		 * name makes dns_name_parse refuse any. */
		if (dns_name_parse(rr->rdata + p, rr->rdlen - p, &o, &nm) < 0)
			return -IK_EPARSE;
		put_name(b, w, &nm);
		p += o;
	}
	if (rr->rdlen - p != comp_layout[k].post)
		return -IK_EPARSE;
	wr_bytes(w, rr->rdata + p, comp_layout[k].post);
	return 0;
}

void
dns_build_question(struct dns_builder *b, const struct dns_question *q)
{
	if (b->err != 0)
		return;
	if (b->buf[4] != 0 || b->buf[5] != 0 || b->count[DNS_S_AN] != 0 ||
	    b->count[DNS_S_NS] != 0 || b->count[DNS_S_AR] != 0) {
		b->err = -EINVAL;	/* one question, before any record */
		return;
	}
	unsigned comp0 = b->n_comp;
	struct wr w = { b->buf + b->len, b->buf + b->len + b_room(b), 0 };
	put_name(b, &w, &q->name);
	wr_u16(&w, q->type);
	wr_u16(&w, q->class);
	if (w.err != 0) {
		b->n_comp = comp0;
		b->err = w.err;
		return;
	}
	b->len = (size_t)(w.p - b->buf);
	b_put16(b, 4, 1);
}

int
dns_build_rr(struct dns_builder *b, enum dns_section s,
    const struct dns_rr *rr)
{
	int err;

	if (b->err != 0)
		return b->err;
	/* Sections go in order (RFC 1035 4.1); out of order is our bug. */
	if ((unsigned)s >= DNS_S_COUNT ||
	    (s < DNS_S_AR && b->count[DNS_S_AR] != 0) ||
	    (s < DNS_S_NS && b->count[DNS_S_NS] != 0))
		return b->err = -EINVAL;
	unsigned comp0 = b->n_comp;
	struct wr w = { b->buf + b->len, b->buf + b->len + b_room(b), 0 };
	put_name(b, &w, &rr->name);
	wr_u16(&w, rr->type);
	wr_u16(&w, rr->class);
	wr_u32(&w, rr->ttl);
	size_t rdlen_at = (size_t)(w.p - b->buf);
	wr_u16(&w, 0);
	err = put_rdata(b, &w, rr);
	if (err == 0 && w.err != 0)
		err = w.err;
	if (err < 0) {
		b->n_comp = comp0;	/* b->len never moved */
		return err;
	}
	b_put16(b, rdlen_at, (uint16_t)((size_t)(w.p - b->buf) - rdlen_at -
	    2));
	b->len = (size_t)(w.p - b->buf);
	b->count[s]++;
	return 0;
}

int
dns_build_opt(struct dns_builder *b, const struct dns_edns *e)
{
	if (b->err != 0)
		return b->err;
	struct wr w = { b->buf + b->len, b->buf + b->len + b_room(b), 0 };
	wr_u8(&w, 0);			/* root owner */
	wr_u16(&w, DNS_T_OPT);
	wr_u16(&w, e->udp_size);
	wr_u32(&w, (uint32_t)e->ext_rcode << 24 | (uint32_t)e->version << 16 |
	    e->flags);
	wr_u16(&w, e->opts_len);
	wr_bytes(&w, e->opts, e->opts_len);
	if (w.err != 0)
		return w.err;
	b->len = (size_t)(w.p - b->buf);
	b->count[DNS_S_AR]++;
	return 0;
}

void
dns_build_flags(struct dns_builder *b, uint16_t set, uint16_t clear)
{
	if (b->len < DNS_HDR_LEN)
		return;
	uint16_t f = (uint16_t)(b->buf[2] << 8 | b->buf[3]);
	b_put16(b, 2, (uint16_t)((f & ~clear) | set));
}

void
dns_build_rcode(struct dns_builder *b, unsigned rcode)
{
	if (b->len < DNS_HDR_LEN)
		return;
	uint16_t f = (uint16_t)(b->buf[2] << 8 | b->buf[3]);
	b_put16(b, 2, (uint16_t)((f & ~0xfu) | (rcode & 0xfu)));
}

ssize_t
dns_build_finish(struct dns_builder *b)
{
	if (b->err != 0)
		return b->err;
	b_put16(b, 6, b->count[DNS_S_AN]);
	b_put16(b, 8, b->count[DNS_S_NS]);
	b_put16(b, 10, b->count[DNS_S_AR]);
	return (ssize_t)b->len;
}

ssize_t
dns_msg_build(const struct dns_msg *m, uint8_t *buf, size_t cap)
{
	struct dns_builder b;
	int err;

	dns_build_init(&b, buf, cap, &m->hdr);
	if (m->has_q)
		dns_build_question(&b, &m->q);
	for (int s = 0; s < DNS_S_COUNT; s++)
		for (unsigned i = 0; i < m->n_rr[s]; i++)
			if ((err = dns_build_rr(&b, s, &m->rr[s][i])) < 0)
				return err;
	if (m->edns.present && (err = dns_build_opt(&b, &m->edns)) < 0)
		return err;
	return dns_build_finish(&b);
}

static bool
name_same(const struct dns_name *a, const struct dns_name *b)
{
	return a->len == b->len && a->n_labels == b->n_labels &&
	    memcmp(a->wire, b->wire, a->len) == 0;
}

static bool
rr_same(const struct dns_rr *a, const struct dns_rr *b)
{
	return name_same(&a->name, &b->name) && a->type == b->type &&
	    a->class == b->class && a->ttl == b->ttl &&
	    a->rdlen == b->rdlen &&
	    (a->rdlen == 0 || memcmp(a->rdata, b->rdata, a->rdlen) == 0);
}

bool
dns_msg_equal(const struct dns_msg *a, const struct dns_msg *b)
{
	/* The header's counts are not compared: they follow from has_q,
	 * n_rr and edns, and a message built by hand may leave them 0. */
	if (a->hdr.id != b->hdr.id || a->hdr.flags != b->hdr.flags ||
	    a->has_q != b->has_q)
		return false;
	if (a->has_q && (!name_same(&a->q.name, &b->q.name) ||
	    a->q.type != b->q.type || a->q.class != b->q.class))
		return false;
	for (int s = 0; s < DNS_S_COUNT; s++) {
		if (a->n_rr[s] != b->n_rr[s])
			return false;
		for (unsigned i = 0; i < a->n_rr[s]; i++)
			if (!rr_same(&a->rr[s][i], &b->rr[s][i]))
				return false;
	}
	const struct dns_edns *x = &a->edns, *y = &b->edns;
	if (x->present != y->present)
		return false;
	return !x->present || (x->udp_size == y->udp_size &&
	    x->ext_rcode == y->ext_rcode && x->version == y->version &&
	    x->flags == y->flags && x->opts_len == y->opts_len &&
	    (x->opts_len == 0 || memcmp(x->opts, y->opts, x->opts_len) == 0));
}

size_t
dns_udp_limit(const struct dns_msg *m, uint16_t ours)
{
	size_t want = DNS_UDP_MIN;

	if (m->edns.present && m->edns.udp_size > DNS_UDP_MIN)
		want = m->edns.udp_size < ours ? m->edns.udp_size : ours;
	return want;
}
