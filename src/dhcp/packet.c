/* dhcp/packet.c - BOOTP/DHCP message codec (RFC 951, RFC 2131, RFC 2132
 * 3 and 9.3, RFC 3396): dhcp_packet_parse() walks the options in two
 * passes (count, then copy merged instances into the arena);
 * dhcp_build_*() write options region by region. No option semantics
 * here beyond 52 and 53; see dhcp/options.c. */
#include "dhcp/packet.h"

#include <errno.h>
#include <string.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/rdwr.h"

#define OPT_PAD		0
#define OPT_OVERLOAD	52
#define OPT_MSG_TYPE	53
#define OPT_MAX_SIZE	57
#define OPT_END		255

/* State of the options walk. Pass 1 counts instances and bytes per code;
 * pass 2 copies them, concatenated (RFC 3396 6), into the arena. */
struct walk {
	int16_t		 slot[256];	/* code -> index in order[], or -1 */
	uint8_t		 order[256];	/* codes by first appearance */
	size_t		 n_codes;
	size_t		 total[256];	/* bytes per code */
	size_t		 fill[256];	/* pass 2: bytes copied per code */
	uint8_t		*data[256];	/* pass 2: arena buffer per code */
	size_t		 n_inst, n_bytes;
	uint8_t		 overload;
	bool		 has_end;
	bool		 copy;		/* pass 2 */
};

/* Walks one region. Returns 0 (end option or end of region), -IK_ETRUNC
 * or -IK_EPARSE (`cut` is the error for an option past the region end),
 * -IK_ELIMIT. */
static int
walk_region(struct walk *w, const uint8_t *p, size_t n, enum dhcp_region rg,
    int cut)
{
	struct rd r = { p, p + n, 0 };

	while (rd_left(&r) > 0) {
		uint8_t code = rd_u8(&r);

		if (code == OPT_PAD)
			continue;
		if (code == OPT_END) {
			if (rg == DHCP_RG_OPTS)
				w->has_end = true;
			return 0;
		}
		uint8_t olen = rd_u8(&r);
		const uint8_t *d = rd_bytes(&r, olen);
		if (r.err != 0)
			return cut;
		if (code == OPT_OVERLOAD) {
			/* RFC 2131 4.1: only in the options field; one byte
			 * 1..3 (RFC 2132 9.3). */
			if (w->copy)
				continue;
			if (rg != DHCP_RG_OPTS || olen != 1 || d[0] < 1 ||
			    d[0] > 3 || w->overload != 0)
				return -IK_EPARSE;
			w->overload = d[0];
			continue;
		}
		if (w->copy) {
			memcpy(w->data[code] + w->fill[code], d, olen);
			w->fill[code] += olen;
			continue;
		}
		if (++w->n_inst > DHCP_OPT_INSTANCES_MAX)
			return -IK_ELIMIT;
		w->n_bytes += olen;
		if (w->n_bytes > DHCP_OPT_BYTES_MAX)
			return -IK_ELIMIT;
		if (w->slot[code] < 0) {
			w->slot[code] = (int16_t)w->n_codes;
			w->order[w->n_codes++] = code;
		}
		w->total[code] += olen;
	}
	return 0;
}

/* Walks options, then file and sname as option 52 says (RFC 2131 4.1:
 * in that order). */
static int
walk_all(struct walk *w, const uint8_t *buf, size_t len)
{
	int err = walk_region(w, buf + DHCP_OPTS_OFF, len - DHCP_OPTS_OFF,
	    DHCP_RG_OPTS, -IK_ETRUNC);

	if (err == 0 && (w->overload & DHCP_OVERLOAD_FILE))
		err = walk_region(w, buf + DHCP_FILE_OFF, DHCP_FILE_LEN,
		    DHCP_RG_FILE, -IK_EPARSE);
	if (err == 0 && (w->overload & DHCP_OVERLOAD_SNAME))
		err = walk_region(w, buf + DHCP_SNAME_OFF, DHCP_SNAME_LEN,
		    DHCP_RG_SNAME, -IK_EPARSE);
	return err;
}

static void
rd_fixed(struct rd *r, struct dhcp_packet *p)
{
	p->op = rd_u8(r);
	p->htype = rd_u8(r);
	p->hlen = rd_u8(r);
	p->hops = rd_u8(r);
	p->xid = rd_u32(r);
	p->secs = rd_u16(r);
	p->flags = rd_u16(r);
	p->ciaddr = rd_u32(r);
	p->yiaddr = rd_u32(r);
	p->siaddr = rd_u32(r);
	p->giaddr = rd_u32(r);
	const uint8_t *c = rd_bytes(r, DHCP_CHADDR_LEN);
	const uint8_t *s = rd_bytes(r, DHCP_SNAME_LEN);
	const uint8_t *f = rd_bytes(r, DHCP_FILE_LEN);
	if (r->err != 0)
		return;
	memcpy(p->chaddr, c, DHCP_CHADDR_LEN);
	memcpy(p->sname, s, DHCP_SNAME_LEN);
	memcpy(p->file, f, DHCP_FILE_LEN);
}

int
dhcp_packet_parse(const uint8_t *buf, size_t len, struct arena *a,
    struct dhcp_packet *out)
{
	struct rd r = { buf, buf + len, 0 };
	struct walk w;
	int err;

	memset(out, 0, sizeof(*out));
	if (len < DHCP_OPTS_OFF)
		return -IK_ETRUNC;
	rd_fixed(&r, out);
	uint32_t cookie = rd_u32(&r);
	if (r.err != 0)
		return r.err;
	if (out->op != DHCP_OP_REQUEST && out->op != DHCP_OP_REPLY)
		return -IK_EPARSE;
	if (out->hlen > DHCP_CHADDR_LEN)
		return -IK_EPARSE;
	if (cookie != DHCP_COOKIE)
		return 0;	/* RFC 951 BOOTP: vend is opaque */
	out->has_cookie = true;

	memset(&w, 0, sizeof(w));
	memset(w.slot, 0xff, sizeof(w.slot));
	if ((err = walk_all(&w, buf, len)) < 0)
		return err;
	out->overload = w.overload;
	out->has_end = w.has_end;
	if (w.n_codes > 0) {
		out->opts = arena_alloc(a, w.n_codes * sizeof(*out->opts));
		if (out->opts == NULL)
			return -ENOMEM;
	}
	for (size_t i = 0; i < w.n_codes; i++) {
		uint8_t code = w.order[i];

		if ((w.data[code] = arena_alloc(a, w.total[code] + 1)) == NULL)
			return -ENOMEM;
		w.data[code][w.total[code]] = 0;
		out->opts[i].code = code;
		out->opts[i].len = w.total[code];
		out->opts[i].data = w.data[code];
	}
	out->n_opts = w.n_codes;
	w.copy = true;
	if (w.n_codes > 0 && (err = walk_all(&w, buf, len)) < 0)
		return err;	/* cannot happen: pass 1 checked it all */

	if (w.overload & DHCP_OVERLOAD_FILE)
		memset(out->file, 0, DHCP_FILE_LEN);
	if (w.overload & DHCP_OVERLOAD_SNAME)
		memset(out->sname, 0, DHCP_SNAME_LEN);

	if (w.slot[OPT_MSG_TYPE] >= 0) {
		const struct dhcp_opt *o = &out->opts[w.slot[OPT_MSG_TYPE]];

		/* RFC 2132 9.6: one byte; types 1..8 of RFC 2131. */
		if (o->len != 1 || o->data[0] < DHCP_DISCOVER ||
		    o->data[0] > DHCP_INFORM)
			return -IK_EPARSE;
		out->msg_type = o->data[0];
	}
	return 0;
}

/* ---- build ---- */

static bool
all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

static void
wr_fixed(struct wr *w, const struct dhcp_packet *p)
{
	wr_u8(w, p->op);
	wr_u8(w, p->htype);
	wr_u8(w, p->hlen);
	wr_u8(w, p->hops);
	wr_u32(w, p->xid);
	wr_u16(w, p->secs);
	wr_u16(w, p->flags);
	wr_u32(w, p->ciaddr);
	wr_u32(w, p->yiaddr);
	wr_u32(w, p->siaddr);
	wr_u32(w, p->giaddr);
	wr_bytes(w, p->chaddr, DHCP_CHADDR_LEN);
	wr_bytes(w, p->sname, DHCP_SNAME_LEN);
	wr_bytes(w, p->file, DHCP_FILE_LEN);
}

void
dhcp_build_init(struct dhcp_builder *b, uint8_t *buf, size_t cap,
    const struct dhcp_packet *fixed)
{
	struct wr w = { buf, buf + cap, 0 };

	memset(b, 0, sizeof(*b));
	b->buf = buf;
	b->cap = cap;
	/* Room for at least the end option after the cookie. */
	if (cap < DHCP_OPTS_OFF + 1) {
		b->err = -IK_ETRUNC;
		return;
	}
	wr_fixed(&w, fixed);
	wr_u32(&w, DHCP_COOKIE);
	if (all_zero(fixed->file, DHCP_FILE_LEN))
		b->can_overload |= DHCP_OVERLOAD_FILE;
	if (all_zero(fixed->sname, DHCP_SNAME_LEN))
		b->can_overload |= DHCP_OVERLOAD_SNAME;
	b->pos[DHCP_RG_OPTS] = DHCP_OPTS_OFF;
	b->lim[DHCP_RG_OPTS] = cap - 1;
	/* Each used field ends with its own end option. */
	b->pos[DHCP_RG_FILE] = DHCP_FILE_OFF;
	b->lim[DHCP_RG_FILE] = DHCP_FILE_OFF + DHCP_FILE_LEN - 1;
	b->pos[DHCP_RG_SNAME] = DHCP_SNAME_OFF;
	b->lim[DHCP_RG_SNAME] = DHCP_SNAME_OFF + DHCP_SNAME_LEN - 1;
}

static bool
rg_usable(const struct dhcp_builder *b, enum dhcp_region rg)
{
	if (rg == DHCP_RG_OPTS)
		return true;
	if (rg == DHCP_RG_FILE)
		return (b->can_overload & DHCP_OVERLOAD_FILE) != 0;
	return (b->can_overload & DHCP_OVERLOAD_SNAME) != 0;
}

static uint8_t
rg_bit(enum dhcp_region rg)
{
	if (rg == DHCP_RG_FILE)
		return DHCP_OVERLOAD_FILE;
	if (rg == DHCP_RG_SNAME)
		return DHCP_OVERLOAD_SNAME;
	return 0;
}

/* Bytes free in region `rg`. Once a field holds options, the options
 * field keeps 3 bytes for option 52; a field may be started only while
 * those 3 bytes are still free. */
static size_t
rg_room(const struct dhcp_builder *b, enum dhcp_region rg)
{
	size_t room = b->lim[rg] - b->pos[rg];
	size_t room0 = b->lim[DHCP_RG_OPTS] - b->pos[DHCP_RG_OPTS];

	if (rg == DHCP_RG_OPTS)
		return b->overload != 0 ? room - 3 : room;
	if (!rg_usable(b, rg) || (b->overload == 0 && room0 < 3))
		return 0;
	return room;
}

/* The first region from `rg` on with room for `n` bytes, or DHCP_RG_N. */
static enum dhcp_region
rg_find(const struct dhcp_builder *b, int rg, size_t n)
{
	for (; rg < DHCP_RG_N; rg++)
		if (rg_room(b, rg) >= n)
			return rg;
	return DHCP_RG_N;
}

static void
rg_put(struct dhcp_builder *b, enum dhcp_region rg, uint8_t code,
    const uint8_t *d, size_t n)
{
	uint8_t *p = b->buf + b->pos[rg];

	p[0] = code;
	p[1] = (uint8_t)n;
	if (n > 0)
		memcpy(p + 2, d, n);
	b->pos[rg] += 2 + n;
	b->overload |= rg_bit(rg);
}

int
dhcp_build_opt(struct dhcp_builder *b, uint8_t code, const void *data,
    size_t len)
{
	const uint8_t *d = data;

	if (b->err != 0)
		return b->err;
	if (code == OPT_PAD || code == OPT_END || code == OPT_OVERLOAD)
		return -EINVAL;
	if (len <= DHCP_OPT_LEN_MAX) {
		/* Whole, in the first region it fits: earlier regions may
		 * still hold a short option after a long one moved on. */
		enum dhcp_region rg = rg_find(b, DHCP_RG_OPTS, 2 + len);
		if (rg == DHCP_RG_N)
			return -IK_ETRUNC;
		rg_put(b, rg, code, d, len);
		return 0;
	}
	/* RFC 3396 5: 255-byte pieces, placed in walk order (options,
	 * file, sname) so the reader concatenates them back in order. */
	struct dhcp_builder save = *b;
	int rg = DHCP_RG_OPTS;
	for (size_t off = 0; off < len; ) {
		size_t n = len - off;
		if (n > DHCP_OPT_LEN_MAX)
			n = DHCP_OPT_LEN_MAX;
		rg = rg_find(b, rg, 2 + n);
		if (rg == DHCP_RG_N) {
			/* Roll back, zeroing what went into the fields so
			 * an unused file/sname stays empty. */
			for (int i = 0; i < DHCP_RG_N; i++)
				memset(b->buf + save.pos[i], 0,
				    b->pos[i] - save.pos[i]);
			*b = save;
			return -IK_ETRUNC;
		}
		rg_put(b, rg, code, d + off, n);
		off += n;
	}
	return 0;
}

int
dhcp_build_u8(struct dhcp_builder *b, uint8_t code, uint8_t v)
{
	return dhcp_build_opt(b, code, &v, 1);
}

int
dhcp_build_u16(struct dhcp_builder *b, uint8_t code, uint16_t v)
{
	uint8_t d[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	return dhcp_build_opt(b, code, d, sizeof(d));
}

int
dhcp_build_u32(struct dhcp_builder *b, uint8_t code, uint32_t v)
{
	uint8_t d[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 8), (uint8_t)v };

	return dhcp_build_opt(b, code, d, sizeof(d));
}

int
dhcp_build_addr(struct dhcp_builder *b, uint8_t code, uint32_t addr)
{
	return dhcp_build_u32(b, code, addr);
}

int
dhcp_build_addrs(struct dhcp_builder *b, uint8_t code,
    const uint32_t *addrs, size_t n)
{
	uint8_t d[DHCP_OPT_LEN_MAX];
	struct wr w = { d, d + sizeof(d), 0 };

	if (n == 0 || n > DHCP_OPT_LEN_MAX / 4)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		wr_u32(&w, addrs[i]);
	return dhcp_build_opt(b, code, d, n * 4);
}

int
dhcp_build_str(struct dhcp_builder *b, uint8_t code, const char *s)
{
	size_t n = strlen(s);

	if (n == 0)
		return -EINVAL;
	return dhcp_build_opt(b, code, s, n);
}

int
dhcp_build_opts(struct dhcp_builder *b, const struct dhcp_opt *opts,
    size_t n, const uint8_t *prl, size_t prl_len)
{
	bool done[256] = { false };
	int left_out = 0, err;

	/* RFC 2132 9.8: the list is in the client's order of preference;
	 * those go first so a small max size drops the least wanted. */
	for (size_t i = 0; i < prl_len; i++) {
		if (done[prl[i]])
			continue;
		for (size_t j = 0; j < n; j++) {
			if (opts[j].code != prl[i])
				continue;
			done[prl[i]] = true;
			err = dhcp_build_opt(b, opts[j].code, opts[j].data,
			    opts[j].len);
			if (err == -IK_ETRUNC)
				left_out++;
			else if (err < 0)
				return err;
			break;
		}
	}
	for (size_t j = 0; j < n; j++) {
		if (done[opts[j].code])
			continue;
		err = dhcp_build_opt(b, opts[j].code, opts[j].data,
		    opts[j].len);
		if (err == -IK_ETRUNC)
			left_out++;
		else if (err < 0)
			return err;
	}
	return left_out;
}

ssize_t
dhcp_build_finish(struct dhcp_builder *b)
{
	if (b->err != 0)
		return b->err;
	size_t p0 = b->pos[DHCP_RG_OPTS];
	if (b->overload != 0) {
		/* In the 3 bytes rg_room() kept free. */
		b->buf[p0++] = OPT_OVERLOAD;
		b->buf[p0++] = 1;
		b->buf[p0++] = b->overload;
	}
	b->buf[p0++] = OPT_END;
	for (int rg = DHCP_RG_FILE; rg < DHCP_RG_N; rg++)
		if (b->overload & rg_bit(rg))
			b->buf[b->pos[rg]] = OPT_END;
	/* RFC 1542 2.1: pad to the 300-byte BOOTP minimum; some relays and
	 * old clients drop shorter messages. */
	size_t len = p0;
	size_t min = b->cap < DHCP_MIN_LEN ? b->cap : DHCP_MIN_LEN;
	if (len < min) {
		memset(b->buf + len, 0, min - len);
		len = min;
	}
	b->pos[DHCP_RG_OPTS] = p0;
	b->err = -EINVAL;	/* finished: no more options */
	return (ssize_t)len;
}

ssize_t
dhcp_packet_build(const struct dhcp_packet *p, uint8_t *buf, size_t cap)
{
	if (!p->has_cookie && p->n_opts == 0) {
		/* RFC 951 BOOTP: the fixed part, then a zero vend field. */
		struct wr w = { buf, buf + cap, 0 };
		size_t len = cap < DHCP_MIN_LEN ? cap : DHCP_MIN_LEN;

		if (cap < DHCP_OPTS_OFF)
			return -IK_ETRUNC;
		wr_fixed(&w, p);
		memset(buf + DHCP_FIXED_LEN, 0, len - DHCP_FIXED_LEN);
		return (ssize_t)len;
	}

	struct dhcp_builder b;
	dhcp_build_init(&b, buf, cap, p);
	for (size_t i = 0; i < p->n_opts; i++) {
		int err = dhcp_build_opt(&b, p->opts[i].code, p->opts[i].data,
		    p->opts[i].len);
		if (err < 0)
			return err;
	}
	return dhcp_build_finish(&b);
}

static const struct dhcp_opt *
opt_find(const struct dhcp_packet *p, uint8_t code)
{
	for (size_t i = 0; i < p->n_opts; i++)
		if (p->opts[i].code == code)
			return &p->opts[i];
	return NULL;
}

bool
dhcp_packet_equal(const struct dhcp_packet *a, const struct dhcp_packet *b)
{
	if (a->op != b->op || a->htype != b->htype || a->hlen != b->hlen ||
	    a->hops != b->hops || a->xid != b->xid || a->secs != b->secs ||
	    a->flags != b->flags || a->ciaddr != b->ciaddr ||
	    a->yiaddr != b->yiaddr || a->siaddr != b->siaddr ||
	    a->giaddr != b->giaddr || a->has_cookie != b->has_cookie ||
	    a->msg_type != b->msg_type || a->n_opts != b->n_opts)
		return false;
	if (memcmp(a->chaddr, b->chaddr, DHCP_CHADDR_LEN) != 0 ||
	    memcmp(a->sname, b->sname, DHCP_SNAME_LEN) != 0 ||
	    memcmp(a->file, b->file, DHCP_FILE_LEN) != 0)
		return false;
	for (size_t i = 0; i < a->n_opts; i++) {
		const struct dhcp_opt *x = &a->opts[i];
		const struct dhcp_opt *y = opt_find(b, x->code);

		if (y == NULL || y->len != x->len ||
		    (x->len > 0 && memcmp(x->data, y->data, x->len) != 0))
			return false;
	}
	return true;
}

size_t
dhcp_reply_cap(const struct dhcp_packet *req, size_t buf_cap)
{
	const struct dhcp_opt *o = opt_find(req, OPT_MAX_SIZE);
	size_t max = DHCP_MSG_DEFAULT;

	/* RFC 2132 9.10: two bytes, 576 at least; smaller values are
	 * ignored. Read as the IP datagram size, as ISC dhcpd does. */
	if (o != NULL && o->len == 2) {
		size_t v = (size_t)o->data[0] << 8 | o->data[1];
		if (v > DHCP_MSG_DEFAULT)
			max = v;
	}
	max -= DHCP_IPUDP_HDR;
	return max < buf_cap ? max : buf_cap;
}
