/* fuzz/dhcp_relay.c - the relay agent's decisions (dhcp/relay.h) on any
 * input, as a request heard on each client interface (with and without
 * option 82, roomy and tight buffers) and as a server's reply. A
 * forwarded request differs from its input only in hops, giaddr (when
 * it was 0) and an option 82 naming the interface, added last within
 * the link's size; every other option keeps its bytes. Turned into a
 * reply, it comes back to the interface it was heard on, with option 82
 * gone. A forwarded reply keeps its length and every option but 82, and
 * goes where RFC 2131 4.1 says. Seeds in fuzz/corpus/dhcp_relay/: a
 * DISCOVER, a REQUEST from a relay nearer the client, a REQUEST with a
 * forged option 82, hops at the limit, an OFFER and an ACK to each
 * interface (option 82 with a circuit-id, split, overloaded), a NAK and
 * a BOOTP reply. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "dhcp/options.h"
#include "dhcp/packet.h"
#include "dhcp/relay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

#define IP(a, b, c, d)	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
			    (uint32_t)(c) << 8 | (uint32_t)(d))

static const char long_name[] =
    "a-circuit-id-of-two-hundred-bytes-0123456789012345678901234567890123"
    "456789012345678901234567890123456789012345678901234567890123456789012"
    "3456789012345678901234567890123456789012345678901234567890123";

/* rtr2 and rtr3 share an address: option 82 tells them apart. */
static const struct dhcp_relay_if ifs[] = {
	{ "rtr1", IP(10, 88, 0, 1), 0 },
	{ "rtr2", IP(10, 99, 0, 1), 1400 - 28 },
	{ "rtr3", IP(10, 99, 0, 1), 0 },
	{ "down", 0, 0 },
	{ long_name, IP(10, 66, 0, 1), 1500 - 28 },
};
#define N_IFS	(sizeof(ifs) / sizeof(ifs[0]))
#define BUF_MAX	8192	/* each output buffer; caps clamped to it */

static void
check(bool ok)
{
	if (!ok)
		abort();
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static bool
is_ours(uint32_t addr)
{
	for (size_t i = 0; i < N_IFS; i++)
		if (ifs[i].addr != 0 && ifs[i].addr == addr)
			return true;
	return false;
}

/* Every option of `a` but 82 is in `b` with the same bytes, and `b` has
 * no others but 82. */
static bool
same_opts_but_82(const struct dhcp_packet *a, const struct dhcp_packet *b)
{
	size_t na = 0, nb = 0;

	for (size_t i = 0; i < a->n_opts; i++) {
		const struct dhcp_opt *o = &a->opts[i], *q;
		if (o->code == DHCP_OPT_RELAY_INFO)
			continue;
		na++;
		q = dhcp_opt_find(b, o->code);
		if (q == NULL || q->len != o->len ||
		    memcmp(q->data, o->data, o->len) != 0)
			return false;
	}
	for (size_t i = 0; i < b->n_opts; i++)
		nb += b->opts[i].code != DHCP_OPT_RELAY_INFO;
	return na == nb;
}

/* The reply path on a message we forwarded: back to interface ifi. */
static void
round_trip(const struct dhcp_relay *r, size_t ifi,
    const struct dhcp_relay_out *fwd, struct arena *a)
{
	static uint8_t in[BUF_MAX], buf[BUF_MAX];
	struct dhcp_relay_out out = { buf, sizeof(buf), 0, 0, 0, 0, 0, 0 };
	struct dhcp_relay_dst to;

	check(fwd->len <= sizeof(in));
	memcpy(in, fwd->buf, fwd->len);
	in[0] = DHCP_OP_REPLY;
	arena_reset(a);
	check(dhcp_relay_reply(r, in, fwd->len, a, &out, &to) ==
	    DHCP_RELAY_FORWARD);
	check(out.len == fwd->len && (!fwd->rai_added || out.rai_stripped));
	/* Our option 82 names the interface; without it, any with the
	 * address (an 82 from the client may name another). */
	check(fwd->rai_added ? to.ifi == ifi : ifs[to.ifi].addr ==
	    ifs[ifi].addr);
	check(to.src == ifs[ifi].addr);
}

static void
request(const uint8_t *data, size_t len, const struct dhcp_packet *p,
    bool parsed, bool add_rai, unsigned max_hops, size_t cap,
    struct arena *a)
{
	static uint8_t buf[BUF_MAX];
	struct dhcp_relay r = { ifs, N_IFS, max_hops, add_rai };
	struct dhcp_packet q;

	for (size_t ifi = 0; ifi < N_IFS; ifi++) {
		struct dhcp_relay_out out = { buf, cap, 0, 0, 0, 0, 0, 0 };
		arena_reset(a);
		enum dhcp_relay_verdict v = dhcp_relay_request(&r, ifi, data,
		    len, a, &out);
		check(v < DHCP_RELAY_N_VERDICTS);
		check(strcmp(dhcp_relay_verdict_name(v), "unknown") != 0);
		if (!parsed) {
			check(v == DHCP_RELAY_MALFORMED);
			continue;
		}
		if (v != DHCP_RELAY_FORWARD) {
			check(!out.rai_added);
			continue;
		}
		check(p->op == DHCP_OP_REQUEST && p->hops < max_hops &&
		    ifs[ifi].addr != 0 && !is_ours(p->giaddr));
		check(out.len >= len && out.len <= cap);
		check(out.xid == p->xid && out.msg_type == p->msg_type);
		/* The fixed part: only hops and giaddr change. */
		check(out.buf[3] == data[3] + 1);
		check(get32(out.buf + 24) == (p->giaddr != 0 ? p->giaddr :
		    ifs[ifi].addr));
		check(memcmp(out.buf, data, 3) == 0 &&
		    memcmp(out.buf + 4, data + 4, 20) == 0 &&
		    memcmp(out.buf + 28, data + 28, DHCP_FIXED_LEN - 28) == 0);
		bool may_add = add_rai && p->giaddr == 0 && p->has_cookie &&
		    p->msg_type != DHCP_BOOTP;
		check(!out.rai_added || may_add);
		check(!(out.rai_added && out.rai_no_room));
		if (!out.rai_added) {
			check(out.len == len && memcmp(out.buf, data, 3) == 0 &&
			    memcmp(out.buf + 28, data + 28, len - 28) == 0);
			/* Due, not added: only for want of room. */
			check(!may_add || out.rai_no_room);
		} else {
			size_t lim = ifs[ifi].max_len != 0 ? ifs[ifi].max_len :
			    DHCP_MSG_DEFAULT - DHCP_IPUDP_HDR;
			check(out.len == len || out.len <= lim);
		}
		arena_reset(a);
		check(dhcp_packet_parse(out.buf, out.len, a, &q) == 0);
		struct dhcp_packet in;
		check(dhcp_packet_parse(data, len, a, &in) == 0);
		check(q.op == DHCP_OP_REQUEST && q.xid == p->xid &&
		    q.msg_type == p->msg_type);
		check(same_opts_but_82(&in, &q));
		const struct dhcp_opt *o = dhcp_opt_find(&q,
		    DHCP_OPT_RELAY_INFO);
		if (out.rai_added) {
			struct dhcp_relay_info ri;
			check(o != NULL && dhcp_relay_parse(o->data, o->len,
			    &ri) == 0);
			check(ri.circuit_id_len == strlen(ifs[ifi].name) &&
			    memcmp(ri.circuit_id, ifs[ifi].name,
			    ri.circuit_id_len) == 0);
		} else {
			check((o == NULL) == (dhcp_opt_find(&in,
			    DHCP_OPT_RELAY_INFO) == NULL));
		}
		if (p->giaddr == 0)
			round_trip(&r, ifi, &out, a);
	}
}

static void
reply(const uint8_t *data, size_t len, const struct dhcp_packet *p,
    bool parsed, bool add_rai, size_t cap, struct arena *a)
{
	static uint8_t buf[BUF_MAX];
	struct dhcp_relay r = { ifs, N_IFS, DHCP_RELAY_HOPS_DEFAULT,
	    add_rai };
	struct dhcp_relay_out out = { buf, cap, 0, 0, 0, 0, 0, 0 };
	struct dhcp_relay_dst to;
	struct dhcp_packet q, in;

	arena_reset(a);
	enum dhcp_relay_verdict v = dhcp_relay_reply(&r, data, len, a, &out,
	    &to);
	check(v < DHCP_RELAY_N_VERDICTS);
	if (!parsed) {
		check(v == DHCP_RELAY_MALFORMED);
		return;
	}
	if (v != DHCP_RELAY_FORWARD)
		return;
	check(p->op == DHCP_OP_REPLY && is_ours(p->giaddr));
	check(out.len == len && len <= cap);
	check(to.ifi < N_IFS && ifs[to.ifi].addr == p->giaddr &&
	    to.src == p->giaddr);
	check(memcmp(out.buf, data, DHCP_SNAME_OFF) == 0);
	arena_reset(a);
	check(dhcp_packet_parse(out.buf, out.len, a, &q) == 0);
	check(dhcp_packet_parse(data, len, a, &in) == 0);
	check(dhcp_opt_find(&q, DHCP_OPT_RELAY_INFO) == NULL);
	check(out.rai_stripped == (dhcp_opt_find(&in, DHCP_OPT_RELAY_INFO) !=
	    NULL));
	check(same_opts_but_82(&in, &q));
	check(q.xid == in.xid && q.msg_type == in.msg_type);

	static const uint8_t all_ones[6] = { 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff };
	if (p->flags & DHCP_FLAG_BROADCAST)
		check(to.how == DHCP_RELAY_TO_BROADCAST);
	else if (p->ciaddr != 0)
		check(to.how == DHCP_RELAY_TO_CIADDR && to.dst == p->ciaddr);
	else if (p->yiaddr != 0 && p->htype == DHCP_HTYPE_ETHER &&
	    p->hlen == 6)
		check(to.how == DHCP_RELAY_TO_CHADDR && to.dst == p->yiaddr &&
		    memcmp(to.dst_mac, p->chaddr, 6) == 0);
	else
		check(to.how == DHCP_RELAY_TO_BROADCAST);
	if (to.how == DHCP_RELAY_TO_BROADCAST)
		check(to.dst == 0xffffffffu &&
		    memcmp(to.dst_mac, all_ones, 6) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct arena *a = arena_new(16384);
	struct dhcp_packet p;

	if (a == NULL)
		abort();
	bool parsed = dhcp_packet_parse(data, len, a, &p) == 0;
	/* The parse's options live in `a`, reset by every call below:
	 * keep the fixed fields only. */
	p.opts = NULL;
	p.n_opts = 0;
	size_t tight = len + 4 < BUF_MAX ? len + 4 : BUF_MAX;
	for (int rai = 0; rai < 2; rai++) {
		request(data, len, &p, parsed, rai, DHCP_RELAY_HOPS_DEFAULT,
		    2048, a);
		request(data, len, &p, parsed, rai, DHCP_RELAY_HOPS_MAX,
		    tight, a);
		reply(data, len, &p, parsed, rai, 2048, a);
	}
	reply(data, len, &p, parsed, false, len > 0 && len <= BUF_MAX ?
	    len - 1 : 0, a);
	arena_free(&a);
	return 0;
}
