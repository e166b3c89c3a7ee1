/* dhcp/options.c - DHCP option names, typed reads of parsed options
 * (RFC 2132 lengths), and the value encodings of options 82 (RFC 3046),
 * 121 (RFC 3442) and 119 (RFC 3397). Reads never trust a length: a value
 * of the wrong size is -IK_EPARSE and the caller ignores the option. */
#include "dhcp/options.h"

#include <errno.h>
#include <string.h>

#include "core/err.h"
#include "core/rdwr.h"

static const char *const msg_names[] = {
	[DHCP_BOOTP] = "BOOTP",
	[DHCP_DISCOVER] = "DISCOVER",
	[DHCP_OFFER] = "OFFER",
	[DHCP_REQUEST] = "REQUEST",
	[DHCP_DECLINE] = "DECLINE",
	[DHCP_ACK] = "ACK",
	[DHCP_NAK] = "NAK",
	[DHCP_RELEASE] = "RELEASE",
	[DHCP_INFORM] = "INFORM",
};

static const char *const opt_names[256] = {
	[0] = "pad",
	[1] = "subnet-mask",
	[2] = "time-offset",
	[3] = "router",
	[4] = "time-server",
	[5] = "name-server",
	[6] = "dns-server",
	[7] = "log-server",
	[12] = "hostname",
	[13] = "boot-size",
	[15] = "domain-name",
	[17] = "root-path",
	[19] = "ip-forwarding",
	[23] = "default-ttl",
	[26] = "interface-mtu",
	[28] = "broadcast",
	[31] = "router-discovery",
	[33] = "static-routes",
	[35] = "arp-timeout",
	[40] = "nis-domain",
	[41] = "nis-servers",
	[42] = "ntp-servers",
	[43] = "vendor-info",
	[44] = "netbios-ns",
	[46] = "netbios-node-type",
	[47] = "netbios-scope",
	[50] = "requested-ip",
	[51] = "lease-time",
	[52] = "overload",
	[53] = "message-type",
	[54] = "server-id",
	[55] = "param-request",
	[56] = "message",
	[57] = "max-size",
	[58] = "renewal-t1",
	[59] = "rebinding-t2",
	[60] = "vendor-class",
	[61] = "client-id",
	[66] = "tftp-server",
	[67] = "bootfile",
	[77] = "user-class",
	[80] = "rapid-commit",
	[81] = "client-fqdn",
	[82] = "relay-info",
	[90] = "authentication",
	[93] = "client-arch",
	[94] = "client-ndi",
	[97] = "client-uuid",
	[108] = "ipv6-only",
	[114] = "captive-portal",
	[116] = "auto-config",
	[118] = "subnet-select",
	[119] = "domain-search",
	[121] = "classless-routes",
	[125] = "vivso",
	[145] = "forcerenew-nonce",
	[249] = "ms-classless-routes",
	[252] = "wpad",
	[255] = "end",
};

const char *
dhcp_msg_type_name(unsigned type)
{
	if (type < sizeof(msg_names) / sizeof(msg_names[0]))
		return msg_names[type];
	return "unknown";
}

const char *
dhcp_opt_name(unsigned code)
{
	if (code < 256 && opt_names[code] != NULL)
		return opt_names[code];
	return "unknown";
}

const struct dhcp_opt *
dhcp_opt_find(const struct dhcp_packet *p, uint8_t code)
{
	for (size_t i = 0; i < p->n_opts; i++)
		if (p->opts[i].code == code)
			return &p->opts[i];
	return NULL;
}

/* The option if its length is exactly `n`. */
static int
opt_fixed(const struct dhcp_packet *p, uint8_t code, size_t n,
    struct rd *r)
{
	const struct dhcp_opt *o = dhcp_opt_find(p, code);

	if (o == NULL)
		return -IK_ENOTFOUND;
	if (o->len != n)
		return -IK_EPARSE;
	r->p = o->data;
	r->end = o->data + n;
	r->err = 0;
	return 0;
}

int
dhcp_opt_u8(const struct dhcp_packet *p, uint8_t code, uint8_t *out)
{
	struct rd r;
	int err = opt_fixed(p, code, 1, &r);

	if (err == 0)
		*out = rd_u8(&r);
	return err;
}

int
dhcp_opt_u16(const struct dhcp_packet *p, uint8_t code, uint16_t *out)
{
	struct rd r;
	int err = opt_fixed(p, code, 2, &r);

	if (err == 0)
		*out = rd_u16(&r);
	return err;
}

int
dhcp_opt_u32(const struct dhcp_packet *p, uint8_t code, uint32_t *out)
{
	struct rd r;
	int err = opt_fixed(p, code, 4, &r);

	if (err == 0)
		*out = rd_u32(&r);
	return err;
}

int
dhcp_opt_addr(const struct dhcp_packet *p, uint8_t code, uint32_t *out)
{
	return dhcp_opt_u32(p, code, out);
}

int
dhcp_opt_addrs(const struct dhcp_packet *p, uint8_t code, uint32_t *out,
    size_t cap)
{
	const struct dhcp_opt *o = dhcp_opt_find(p, code);

	if (o == NULL)
		return -IK_ENOTFOUND;
	if (o->len == 0 || o->len % 4 != 0)
		return -IK_EPARSE;
	struct rd r = { o->data, o->data + o->len, 0 };
	size_t n = o->len / 4;
	for (size_t i = 0; i < n && i < cap; i++)
		out[i] = rd_u32(&r);
	return (int)n;
}

int
dhcp_opt_bytes(const struct dhcp_packet *p, uint8_t code,
    const uint8_t **out, size_t *len_out)
{
	const struct dhcp_opt *o = dhcp_opt_find(p, code);

	if (o == NULL)
		return -IK_ENOTFOUND;
	if (o->len == 0)
		return -IK_EPARSE;
	*out = o->data;
	*len_out = o->len;
	return 0;
}

int
dhcp_opt_text(const struct dhcp_packet *p, uint8_t code, const char **out,
    size_t *len_out)
{
	const struct dhcp_opt *o = dhcp_opt_find(p, code);

	if (o == NULL)
		return -IK_ENOTFOUND;
	size_t n = o->len;
	if (n > 0 && o->data[n - 1] == 0)
		n--;
	if (n == 0 || memchr(o->data, 0, n) != NULL)
		return -IK_EPARSE;
	/* The NUL after the value comes from the parse (arena_alloc of
	 * len + 1); a built packet's borrowed data need not have it, so
	 * callers use the length. */
	*out = (const char *)o->data;
	*len_out = n;
	return 0;
}

/* ---- 82 ---- */

int
dhcp_relay_parse(const uint8_t *data, size_t len,
    struct dhcp_relay_info *out)
{
	struct rd r = { data, data + len, 0 };

	memset(out, 0, sizeof(*out));
	/* RFC 3046 2.0: at least one sub-option. */
	if (len == 0)
		return -IK_EPARSE;
	while (rd_left(&r) > 0) {
		uint8_t code = rd_u8(&r);
		uint8_t n = rd_u8(&r);
		const uint8_t *d = rd_bytes(&r, n);

		if (r.err != 0)
			return r.err;
		if (code == DHCP_RAI_CIRCUIT_ID) {
			if (out->circuit_id != NULL || n == 0)
				return -IK_EPARSE;
			out->circuit_id = d;
			out->circuit_id_len = n;
		} else if (code == DHCP_RAI_REMOTE_ID) {
			if (out->remote_id != NULL || n == 0)
				return -IK_EPARSE;
			out->remote_id = d;
			out->remote_id_len = n;
		} else if (code == DHCP_RAI_LINK_SELECT) {
			/* RFC 3527 3: a 4-byte subnet address. */
			if (out->has_link || n != 4)
				return -IK_EPARSE;
			struct rd l = { d, d + 4, 0 };
			out->link = rd_u32(&l);
			out->has_link = true;
		}
	}
	return 0;
}

static void
wr_subopt(struct wr *w, uint8_t code, const uint8_t *d, size_t n)
{
	wr_u8(w, code);
	wr_u8(w, (uint8_t)n);
	wr_bytes(w, d, n);
}

ssize_t
dhcp_relay_build(const struct dhcp_relay_info *ri, uint8_t *buf,
    size_t cap)
{
	struct wr w = { buf, buf + cap, 0 };

	if ((ri->circuit_id != NULL && (ri->circuit_id_len == 0 ||
	    ri->circuit_id_len > DHCP_OPT_LEN_MAX)) ||
	    (ri->remote_id != NULL && (ri->remote_id_len == 0 ||
	    ri->remote_id_len > DHCP_OPT_LEN_MAX)))
		return -EINVAL;
	if (ri->circuit_id != NULL)
		wr_subopt(&w, DHCP_RAI_CIRCUIT_ID, ri->circuit_id,
		    ri->circuit_id_len);
	if (ri->remote_id != NULL)
		wr_subopt(&w, DHCP_RAI_REMOTE_ID, ri->remote_id,
		    ri->remote_id_len);
	if (ri->has_link) {
		wr_u8(&w, DHCP_RAI_LINK_SELECT);
		wr_u8(&w, 4);
		wr_u32(&w, ri->link);
	}
	if (w.err != 0)
		return w.err;
	return w.p - buf;
}

/* ---- 121 ---- */

static uint32_t
prefix_mask(unsigned prefix)
{
	return prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
}

int
dhcp_routes_parse(const uint8_t *data, size_t len, struct dhcp_route *out,
    size_t cap)
{
	struct rd r = { data, data + len, 0 };
	size_t n = 0;

	if (len == 0)
		return -IK_EPARSE;
	while (rd_left(&r) > 0) {
		uint8_t width = rd_u8(&r);

		/* RFC 3442 destination descriptor: width, then only the
		 * significant octets of the destination; then the router. */
		if (width > 32)
			return -IK_EPARSE;
		unsigned sig = (width + 7u) / 8u;
		uint32_t dest = 0;
		for (unsigned i = 0; i < 4; i++)
			dest = dest << 8 | (i < sig ? rd_u8(&r) : 0);
		uint32_t gw = rd_u32(&r);
		if (r.err != 0)
			return -IK_EPARSE;
		if (n < cap) {
			out[n].dest = dest & prefix_mask(width);
			out[n].prefix = width;
			out[n].gw = gw;
		}
		n++;
	}
	return (int)n;
}

ssize_t
dhcp_routes_build(const struct dhcp_route *rt, size_t n, uint8_t *buf,
    size_t cap)
{
	struct wr w = { buf, buf + cap, 0 };

	for (size_t i = 0; i < n; i++) {
		if (rt[i].prefix > 32)
			return -EINVAL;
		uint32_t dest = rt[i].dest & prefix_mask(rt[i].prefix);
		unsigned sig = (rt[i].prefix + 7u) / 8u;
		wr_u8(&w, rt[i].prefix);
		for (unsigned k = 0; k < sig; k++)
			wr_u8(&w, (uint8_t)(dest >> (24 - 8 * k)));
		wr_u32(&w, rt[i].gw);
	}
	if (w.err != 0)
		return w.err;
	return w.p - buf;
}

/* ---- 119 ---- */

/* Reads one name starting at *off. Each pointer must point before the
 * previous jump target (at first, before the name's start), so targets
 * strictly decrease and the walk ends. */
static int
search_name(const uint8_t *d, size_t len, size_t *off, struct dns_name *n)
{
	size_t pos = *off, bound = *off, next = 0;
	bool jumped = false;

	n->len = 0;
	n->n_labels = 0;
	for (;;) {
		if (pos >= len)
			return -IK_EPARSE;
		uint8_t c = d[pos];
		if (c == 0) {
			if (!jumped)
				next = pos + 1;
			break;
		}
		if ((c & 0xc0) == 0xc0) {
			if (pos + 1 >= len)
				return -IK_EPARSE;
			size_t t = (size_t)(c & 0x3f) << 8 | d[pos + 1];
			if (t >= bound)
				return -IK_EPARSE;
			if (!jumped)
				next = pos + 2;
			jumped = true;
			bound = pos = t;
			continue;
		}
		if ((c & 0xc0) != 0)
			return -IK_EPARSE;	/* label types 01 and 10 */
		if (pos + 1 + c > len)
			return -IK_EPARSE;
		if ((size_t)n->len + 1 + c + 1 > DNS_NAME_MAX)
			return -IK_ELIMIT;
		memcpy(n->wire + n->len, d + pos, 1 + (size_t)c);
		n->len = (uint8_t)(n->len + 1 + c);
		n->n_labels++;
		pos += 1 + (size_t)c;
	}
	n->wire[n->len++] = 0;
	*off = next;
	return 0;
}

int
dhcp_search_parse(const uint8_t *data, size_t len, struct dns_name *out,
    size_t cap)
{
	size_t off = 0, n = 0;
	struct dns_name tmp;

	if (len == 0)
		return -IK_EPARSE;
	while (off < len) {
		int err = search_name(data, len, &off, n < cap ? &out[n] :
		    &tmp);
		if (err < 0)
			return err;
		n++;
	}
	return (int)n;
}

#define SEARCH_COMP_MAX	256	/* suffixes remembered for compression */

struct comp {
	const struct dns_name	*name;
	size_t			 loff;	/* suffix start in name->wire */
	size_t			 boff;	/* where it was written */
};

ssize_t
dhcp_search_build(const struct dns_name *names, size_t n, uint8_t *buf,
    size_t cap)
{
	struct comp comp[SEARCH_COMP_MAX];
	size_t n_comp = 0;
	struct wr w = { buf, buf + cap, 0 };

	for (size_t i = 0; i < n; i++) {
		const struct dns_name *nm = &names[i];
		unsigned j;
		size_t ptr = SIZE_MAX;

		/* The longest suffix written before; labels up to it are
		 * written out, then a pointer (RFC 1035 4.1.4). */
		for (j = 0; j < nm->n_labels && ptr == SIZE_MAX; j++) {
			size_t lo = dns_name_label_off(nm, j);
			size_t sl = nm->len - lo;
			for (size_t k = 0; k < n_comp; k++) {
				const struct comp *c = &comp[k];
				if (c->name->len - c->loff == sl &&
				    memcmp(c->name->wire + c->loff,
				    nm->wire + lo, sl) == 0) {
					ptr = c->boff;
					break;
				}
			}
			if (ptr != SIZE_MAX)
				break;
		}
		unsigned lit = ptr == SIZE_MAX ? nm->n_labels : j;
		for (unsigned k = 0; k < lit; k++) {
			size_t lo = dns_name_label_off(nm, k);
			size_t boff = (size_t)(w.p - buf);
			if (n_comp < SEARCH_COMP_MAX && boff < 0x4000) {
				comp[n_comp].name = nm;
				comp[n_comp].loff = lo;
				comp[n_comp].boff = boff;
				n_comp++;
			}
			wr_bytes(&w, nm->wire + lo, 1 + (size_t)nm->wire[lo]);
		}
		if (ptr != SIZE_MAX)
			wr_u16(&w, (uint16_t)(0xc000 | ptr));
		else
			wr_u8(&w, 0);
	}
	if (w.err != 0)
		return w.err;
	return w.p - buf;
}
