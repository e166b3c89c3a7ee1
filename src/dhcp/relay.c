/* dhcp/relay.c - relay agent logic (RFC 1542 4.1, RFC 3046 2.1): checks
 * a request and stamps hops, giaddr and option 82 into a copy of its raw
 * bytes; picks a reply's client interface and delivery and cuts option 82
 * out of a copy. Entry points dhcp_relay_request(), dhcp_relay_reply().
 * No sockets: src/dhcp/relay_service.c sends what these return. */
#include "dhcp/relay.h"

#include <assert.h>
#include <string.h>

#include "core/err.h"
#include "core/rdwr.h"
#include "dhcp/options.h"
#include "dhcp/packet.h"

/* Offsets in the fixed header (RFC 2131 2, figure 1). */
#define OFF_HOPS	3
#define OFF_GIADDR	24

static const char *const verdict_names[DHCP_RELAY_N_VERDICTS] = {
	[DHCP_RELAY_FORWARD] = "forward",
	[DHCP_RELAY_MALFORMED] = "malformed",
	[DHCP_RELAY_WRONG_OP] = "wrong_op",
	[DHCP_RELAY_HOPS] = "hops",
	[DHCP_RELAY_NO_ADDR] = "no_addr",
	[DHCP_RELAY_OWN_GIADDR] = "own_giaddr",
	[DHCP_RELAY_UNTRUSTED_RAI] = "untrusted_rai",
	[DHCP_RELAY_NOT_OURS] = "not_ours",
	[DHCP_RELAY_TOO_BIG] = "too_big",
};

const char *
dhcp_relay_verdict_name(unsigned v)
{
	return v < DHCP_RELAY_N_VERDICTS ? verdict_names[v] : "unknown";
}

static void
put_u32(uint8_t *p, uint32_t v)
{
	struct wr w = { p, p + 4, 0 };

	wr_u32(&w, v);
}

static void
out_reset(struct dhcp_relay_out *out)
{
	out->len = 0;
	out->msg_type = 0;
	out->xid = 0;
	out->rai_added = false;
	out->rai_no_room = false;
	out->rai_stripped = false;
}

static bool
is_our_addr(const struct dhcp_relay *r, uint32_t addr)
{
	for (size_t i = 0; i < r->n_ifs; i++)
		if (r->ifs[i].addr != 0 && r->ifs[i].addr == addr)
			return true;
	return false;
}

/* Where the options field buf[240..len) ends: the offset of its end
 * option, or len when it runs to the end of the message. Returns 0 or
 * -IK_EPARSE (an option past the end; the parse refuses those first). */
static int
opts_end(const uint8_t *buf, size_t len, size_t *end_out)
{
	struct rd r = { buf + DHCP_OPTS_OFF, buf + len, 0 };

	while (rd_left(&r) > 0) {
		size_t at = (size_t)(r.p - buf);
		uint8_t code = rd_u8(&r);

		if (code == DHCP_OPT_END) {
			*end_out = at;
			return 0;
		}
		if (code == DHCP_OPT_PAD)
			continue;
		(void)rd_bytes(&r, rd_u8(&r));
		if (r.err != 0)
			return -IK_EPARSE;
	}
	*end_out = len;
	return 0;
}

/* Appends option 82 with the interface name as circuit-id before the end
 * option of out->buf (RFC 3046 2.1: the last option). */
static void
rai_add(const struct dhcp_relay_if *ifc, struct dhcp_relay_out *out)
{
	uint8_t val[DHCP_OPT_LEN_MAX];
	struct dhcp_relay_info ri = {
		.circuit_id = (const uint8_t *)ifc->name,
		.circuit_id_len = strlen(ifc->name),
	};
	size_t end;
	ssize_t n = dhcp_relay_build(&ri, val, sizeof(val));

	if (n <= 0 || opts_end(out->buf, out->len, &end) < 0) {
		out->rai_no_room = true;
		return;
	}
	size_t need = end + 2 + (size_t)n + 1;
	size_t lim = ifc->max_len != 0 ? ifc->max_len :
	    DHCP_MSG_DEFAULT - DHCP_IPUDP_HDR;
	/* RFC 3046 2.1: a message that would grow too big goes on without
	 * the option. Padding after the end option costs nothing. */
	if (need > out->len && (need > out->cap || need > lim)) {
		out->rai_no_room = true;
		return;
	}
	struct wr w = { out->buf + end, out->buf + need, 0 };
	wr_u8(&w, DHCP_OPT_RELAY_INFO);
	wr_u8(&w, (uint8_t)n);
	wr_bytes(&w, val, (size_t)n);
	wr_u8(&w, DHCP_OPT_END);
	if (need > out->len)
		out->len = need;
	out->rai_added = true;
}

enum dhcp_relay_verdict
dhcp_relay_request(const struct dhcp_relay *r, size_t ifi,
    const uint8_t *in, size_t len, struct arena *a,
    struct dhcp_relay_out *out)
{
	struct dhcp_packet p;

	assert(ifi < r->n_ifs);
	const struct dhcp_relay_if *ifc = &r->ifs[ifi];
	out_reset(out);
	if (dhcp_packet_parse(in, len, a, &p) < 0)
		return DHCP_RELAY_MALFORMED;
	out->msg_type = p.msg_type;
	out->xid = p.xid;
	if (p.op != DHCP_OP_REQUEST)
		return DHCP_RELAY_WRONG_OP;
	/* RFC 1542 4.1.1: silently discarded over the threshold. */
	if (p.hops >= r->max_hops)
		return DHCP_RELAY_HOPS;
	if (ifc->addr == 0)
		return DHCP_RELAY_NO_ADDR;
	/* Our own giaddr coming back in from a client link is a loop or a
	 * forgery (RFC 3046 2.1 says discard it). */
	if (p.giaddr != 0 && is_our_addr(r, p.giaddr))
		return DHCP_RELAY_OWN_GIADDR;
	/* RFC 3046 2.1: as the first hop (giaddr 0), option 82 from an
	 * untrusted circuit is a forgery; every circuit is untrusted here. A
	 * relay that adds no option 82 passes it on, as RFC 1542 relays do. */
	if (r->add_rai && p.giaddr == 0 &&
	    dhcp_opt_find(&p, DHCP_OPT_RELAY_INFO) != NULL)
		return DHCP_RELAY_UNTRUSTED_RAI;
	if (len > out->cap)
		return DHCP_RELAY_TOO_BIG;
	memcpy(out->buf, in, len);
	out->len = len;
	out->buf[OFF_HOPS] = (uint8_t)(p.hops + 1);
	/* RFC 1542 4.1.1: a giaddr set by a relay nearer the client stays,
	 * and RFC 3046 2.1: such a message goes on without option 82. */
	if (p.giaddr != 0)
		return DHCP_RELAY_FORWARD;
	put_u32(out->buf + OFF_GIADDR, ifc->addr);
	if (r->add_rai && p.has_cookie && p.msg_type != DHCP_BOOTP)
		rai_add(ifc, out);
	return DHCP_RELAY_FORWARD;
}

/* Removes every option 82 instance from buf[off..end): later options
 * move up and zeros (pads) fill the freed tail. Returns how many went,
 * or -IK_EPARSE. */
static int
rai_strip_region(uint8_t *buf, size_t off, size_t end)
{
	size_t i = off;
	int n = 0;

	while (i < end) {
		uint8_t code = buf[i];

		if (code == DHCP_OPT_END)
			break;
		if (code == DHCP_OPT_PAD) {
			i++;
			continue;
		}
		if (end - i < 2 || (size_t)buf[i + 1] + 2 > end - i)
			return -IK_EPARSE;
		size_t olen = (size_t)buf[i + 1] + 2;
		if (code != DHCP_OPT_RELAY_INFO) {
			i += olen;
			continue;
		}
		memmove(buf + i, buf + i + olen, end - i - olen);
		memset(buf + end - olen, 0, olen);
		n++;
	}
	return n;
}

/* Strips option 82 from every field the parse walked: it may be split
 * (RFC 3396) or overloaded into file and sname (RFC 2132 9.3). Returns
 * how many instances went, or -IK_EPARSE. */
static int
rai_strip(uint8_t *buf, size_t len, uint8_t overload)
{
	int n = rai_strip_region(buf, DHCP_OPTS_OFF, len);
	int k = 0, m = 0;

	if (overload & DHCP_OVERLOAD_FILE)
		k = rai_strip_region(buf, DHCP_FILE_OFF,
		    DHCP_FILE_OFF + DHCP_FILE_LEN);
	if (overload & DHCP_OVERLOAD_SNAME)
		m = rai_strip_region(buf, DHCP_SNAME_OFF,
		    DHCP_SNAME_OFF + DHCP_SNAME_LEN);
	if (n < 0 || k < 0 || m < 0)
		return -IK_EPARSE;
	return n + k + m;
}

/* The client interface for a reply to `giaddr`: among those with that
 * address, the one option 82's circuit-id names, else the first. */
static bool
reply_iface(const struct dhcp_relay *r, const struct dhcp_packet *p,
    size_t *ifi_out)
{
	const struct dhcp_opt *o = dhcp_opt_find(p, DHCP_OPT_RELAY_INFO);
	struct dhcp_relay_info ri = { 0 };
	bool found = false;

	if (o == NULL || dhcp_relay_parse(o->data, o->len, &ri) < 0)
		ri.circuit_id = NULL;
	for (size_t i = 0; i < r->n_ifs; i++) {
		const struct dhcp_relay_if *ifc = &r->ifs[i];
		if (ifc->addr == 0 || ifc->addr != p->giaddr)
			continue;
		if (!found) {
			*ifi_out = i;
			found = true;
		}
		if (ri.circuit_id != NULL &&
		    strlen(ifc->name) == ri.circuit_id_len &&
		    memcmp(ifc->name, ri.circuit_id, ri.circuit_id_len) == 0) {
			*ifi_out = i;
			break;
		}
	}
	return found;
}

enum dhcp_relay_verdict
dhcp_relay_reply(const struct dhcp_relay *r, const uint8_t *in, size_t len,
    struct arena *a, struct dhcp_relay_out *out, struct dhcp_relay_dst *to)
{
	struct dhcp_packet p;
	size_t ifi;
	int n = 0;

	out_reset(out);
	memset(to, 0, sizeof(*to));
	if (dhcp_packet_parse(in, len, a, &p) < 0)
		return DHCP_RELAY_MALFORMED;
	out->msg_type = p.msg_type;
	out->xid = p.xid;
	if (p.op != DHCP_OP_REPLY)
		return DHCP_RELAY_WRONG_OP;
	/* RFC 1542 4.1.2: a reply for an address not ours is discarded. */
	if (!reply_iface(r, &p, &ifi))
		return DHCP_RELAY_NOT_OURS;
	if (len > out->cap)
		return DHCP_RELAY_TOO_BIG;
	memcpy(out->buf, in, len);
	out->len = len;
	if (p.has_cookie && (n = rai_strip(out->buf, len, p.overload)) < 0)
		return DHCP_RELAY_MALFORMED;
	out->rai_stripped = n > 0;

	to->ifi = ifi;
	to->src = r->ifs[ifi].addr;
	/* RFC 1542 4.1.2 and RFC 2131 4.1: the client asked for broadcast
	 * (it cannot take unicast before it has an address), or has an
	 * address (RENEW/REBIND, INFORM), or gets yiaddr at its hardware
	 * address; a NAK without the flag has neither, and is broadcast. */
	if (p.flags & DHCP_FLAG_BROADCAST) {
		to->how = DHCP_RELAY_TO_BROADCAST;
	} else if (p.ciaddr != 0) {
		to->how = DHCP_RELAY_TO_CIADDR;
		to->dst = p.ciaddr;
		return DHCP_RELAY_FORWARD;
	} else if (p.yiaddr != 0 && p.htype == DHCP_HTYPE_ETHER &&
	    p.hlen == DHCP_ETH_ALEN) {
		to->how = DHCP_RELAY_TO_CHADDR;
		to->dst = p.yiaddr;
		memcpy(to->dst_mac, p.chaddr, DHCP_ETH_ALEN);
		return DHCP_RELAY_FORWARD;
	} else {
		to->how = DHCP_RELAY_TO_BROADCAST;
	}
	to->dst = 0xffffffffu;
	memset(to->dst_mac, 0xff, DHCP_ETH_ALEN);
	return DHCP_RELAY_FORWARD;
}
