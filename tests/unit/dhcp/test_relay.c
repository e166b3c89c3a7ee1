/* tests/unit/dhcp/test_relay.c - the relay agent's decisions (RFC 1542
 * 4.1, RFC 3046 2.1): giaddr and hops on requests, the hop limit, option
 * 82 added as the last option and only by the first hop, forged 82s,
 * unknown and split options passed through byte for byte; replies: the
 * interface by giaddr (and circuit-id), every delivery rule, option 82
 * stripped from the options field, split and overloaded; every cut of a
 * message. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "dhcp/options.h"
#include "dhcp/packet.h"
#include "dhcp/relay.h"

#define IP(a, b, c, d)	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
			    (uint32_t)(c) << 8 | (uint32_t)(d))
#define RTR1		IP(10, 77, 2, 1)
#define RTR2		IP(10, 77, 3, 1)
#define OTHER_RELAY	IP(10, 9, 9, 1)

static const uint8_t chaddr[6] = { 0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc };

struct hdr {
	uint8_t		 op, hops, htype, hlen;
	uint16_t	 flags;
	uint32_t	 ciaddr, yiaddr, giaddr;
	bool		 no_cookie;
};

struct pkt {
	uint8_t		 b[2048];
	size_t		 len;
};

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* A message with header `h`, the cookie and the raw option bytes `o`,
 * zero-padded to at least `min_len`. */
static void
mk(struct pkt *p, const struct hdr *h, const uint8_t *o, size_t olen,
    size_t min_len)
{
	memset(p, 0, sizeof(*p));
	p->b[0] = h->op;
	p->b[1] = h->htype ? h->htype : DHCP_HTYPE_ETHER;
	p->b[2] = h->hlen ? h->hlen : 6;
	p->b[3] = h->hops;
	put32(p->b + 4, 0x11223344);
	p->b[10] = (uint8_t)(h->flags >> 8);
	p->b[11] = (uint8_t)h->flags;
	put32(p->b + 12, h->ciaddr);
	put32(p->b + 16, h->yiaddr);
	put32(p->b + 24, h->giaddr);
	memcpy(p->b + 28, chaddr, 6);
	p->len = DHCP_FIXED_LEN;
	if (!h->no_cookie) {
		put32(p->b + DHCP_FIXED_LEN, DHCP_COOKIE);
		memcpy(p->b + DHCP_OPTS_OFF, o, olen);
		p->len = DHCP_OPTS_OFF + olen;
	}
	if (p->len < min_len)
		p->len = min_len;
}

/* DISCOVER with a client id, an unknown option 200 and option 43 split
 * in two instances (RFC 3396): a relay must pass all of it unchanged. */
static const uint8_t o_discover[] = {
	53, 1, DHCP_DISCOVER,
	61, 7, 1, 0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc,
	200, 3, 0xde, 0xad, 0x00,
	43, 2, 'a', 'b',
	55, 3, 1, 3, 6,
	43, 1, 'c',
	255,
};

struct fix {
	struct arena		*a;
	struct dhcp_relay_if	 ifs[3];
	struct dhcp_relay	 r;
	uint8_t			 out[2048];
	struct dhcp_relay_out	 o;
};

static int
setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->a = arena_new(4096);
	assert_non_null(f->a);
	f->ifs[0] = (struct dhcp_relay_if){ "rtr1", RTR1, 1500 - 28 };
	f->ifs[1] = (struct dhcp_relay_if){ "rtr2", RTR2, 1500 - 28 };
	f->ifs[2] = (struct dhcp_relay_if){ "dark0", 0, 1500 - 28 };
	f->r = (struct dhcp_relay){ f->ifs, 3, 4, false };
	f->o = (struct dhcp_relay_out){ .buf = f->out, .cap = sizeof(f->out) };
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	arena_free(&f->a);
	free(f);
	return 0;
}

static enum dhcp_relay_verdict
req(struct fix *f, size_t ifi, const struct pkt *p)
{
	arena_reset(f->a);
	return dhcp_relay_request(&f->r, ifi, p->b, p->len, f->a, &f->o);
}

static enum dhcp_relay_verdict
rep(struct fix *f, const struct pkt *p, struct dhcp_relay_dst *to)
{
	arena_reset(f->a);
	return dhcp_relay_reply(&f->r, p->b, p->len, f->a, &f->o, to);
}

static void
parse_out(struct fix *f, struct dhcp_packet *out)
{
	assert_int_equal(dhcp_packet_parse(f->o.buf, f->o.len, f->a, out), 0);
}

/* ---- requests ---- */

static void
test_request_sets_giaddr_and_hops(void **state)
{
	struct fix *f = *state;
	struct hdr h = { .op = DHCP_OP_REQUEST, .hops = 0 };
	struct pkt p;

	mk(&p, &h, o_discover, sizeof(o_discover), 300);
	assert_int_equal(req(f, 1, &p), DHCP_RELAY_FORWARD);
	assert_int_equal(f->o.len, p.len);
	assert_int_equal(f->o.msg_type, DHCP_DISCOVER);
	assert_int_equal(f->o.xid, 0x11223344);
	assert_int_equal(f->out[3], 1);
	assert_int_equal(get32(f->out + 24), RTR2);
	assert_false(f->o.rai_added);
	/* Nothing else changed, byte for byte. */
	assert_memory_equal(f->out, p.b, 3);
	assert_memory_equal(f->out + 4, p.b + 4, 20);
	assert_memory_equal(f->out + 28, p.b + 28, p.len - 28);
}

static void
test_request_keeps_other_giaddr(void **state)
{
	struct fix *f = *state;
	struct hdr h = { .op = DHCP_OP_REQUEST, .hops = 2,
	    .giaddr = OTHER_RELAY };
	struct pkt p;

	f->r.add_rai = true;
	mk(&p, &h, o_discover, sizeof(o_discover), 300);
	assert_int_equal(req(f, 0, &p), DHCP_RELAY_FORWARD);
	assert_int_equal(get32(f->out + 24), OTHER_RELAY);
	assert_int_equal(f->out[3], 3);
	/* RFC 3046 2.1: only the relay that sets giaddr adds option 82. */
	assert_false(f->o.rai_added);
	assert_int_equal(f->o.len, p.len);
	assert_memory_equal(f->out + DHCP_FIXED_LEN, p.b + DHCP_FIXED_LEN,
	    p.len - DHCP_FIXED_LEN);
}

static void
test_request_hop_limit(void **state)
{
	struct fix *f = *state;
	struct hdr h = { .op = DHCP_OP_REQUEST, .giaddr = OTHER_RELAY };
	struct pkt p;

	h.hops = 3;		/* max_hops 4: one below */
	mk(&p, &h, o_discover, sizeof(o_discover), 300);
	assert_int_equal(req(f, 0, &p), DHCP_RELAY_FORWARD);
	assert_int_equal(f->out[3], 4);
	h.hops = 4;
	mk(&p, &h, o_discover, sizeof(o_discover), 300);
	assert_int_equal(req(f, 0, &p), DHCP_RELAY_HOPS);
	h.hops = 255;
	mk(&p, &h, o_discover, sizeof(o_discover), 300);
	assert_int_equal(req(f, 0, &p), DHCP_RELAY_HOPS);
	f->r.max_hops = DHCP_RELAY_HOPS_MAX;
	h.hops = 15;
	mk(&p, &h, o_discover, sizeof(o_discover), 300);
	assert_int_equal(req(f, 0, &p), DHCP_RELAY_FORWARD);
	assert_int_equal(f->out[3], 16);
	h.hops = 16;
	mk(&p, &h, o_discover, sizeof(o_discover), 300);
	assert_int_equal(req(f, 0, &p), DHCP_RELAY_HOPS);
}

/* Every option of `in` is in `out` with the same bytes. */
static void
assert_opts_kept(const struct dhcp_packet *in, const struct dhcp_packet *out)
{
	for (size_t i = 0; i < in->n_opts; i++) {
		const struct dhcp_opt *o = dhcp_opt_find(out,
		    in->opts[i].code);
		assert_non_null(o);
		assert_int_equal(o->len, in->opts[i].len);
		assert_memory_equal(o->data, in->opts[i].data, o->len);
	}
}

static void
test_request_adds_rai_last(void **state)
{
	struct fix *f = *state;
	struct hdr h = { .op = DHCP_OP_REQUEST };
	struct dhcp_packet in, out;
	struct dhcp_relay_info ri;
	struct pkt p;
	size_t end = DHCP_OPTS_OFF + sizeof(o_discover) - 1;

	f->r.add_rai = true;
	mk(&p, &h, o_discover, sizeof(o_discover), 300);
	assert_int_equal(req(f, 0, &p), DHCP_RELAY_FORWARD);
	assert_true(f->o.rai_added);
	assert_false(f->o.rai_no_room);
	/* The padding after the end option took it: same length. */
	assert_int_equal(f->o.len, 300);
	/* Raw: the options up to the old end are untouched (the split 43
	 * stays two instances), then 82, then the end option. */
	assert_memory_equal(f->out + DHCP_OPTS_OFF, o_discover,
	    sizeof(o_discover) - 1);
	static const uint8_t rai[] = { 82, 6, 1, 4, 'r', 't', 'r', '1',
	    255 };
	assert_memory_equal(f->out + end, rai, sizeof(rai));
	assert_int_equal(get32(f->out + 24), RTR1);

	assert_int_equal(dhcp_packet_parse(p.b, p.len, f->a, &in), 0);
	parse_out(f, &out);
	assert_opts_kept(&in, &out);
	assert_int_equal(out.n_opts, in.n_opts + 1);
	const struct dhcp_opt *o = dhcp_opt_find(&out, DHCP_OPT_RELAY_INFO);
	assert_non_null(o);
	assert_int_equal(dhcp_relay_parse(o->data, o->len, &ri), 0);
	assert_int_equal(ri.circuit_id_len, 4);
	assert_memory_equal(ri.circuit_id, "rtr1", 4);
	assert_null(ri.remote_id);
}

static void
test_request_rai_grows_message(void **state)
{
	struct fix *f = *state;
	struct hdr h = { .op = DHCP_OP_REQUEST };
	struct dhcp_packet out;
	struct pkt p;

	/* No padding after the end option: the message grows by 8. */
	f->r.add_rai = true;
	mk(&p, &h, o_discover, sizeof(o_discover), 0);
	assert_int_equal(req(f, 0, &p), DHCP_RELAY_FORWARD);
	assert_true(f->o.rai_added);
	assert_int_equal(f->o.len, p.len + 8);
	parse_out(f, &out);
	assert_non_null(dhcp_opt_find(&out, DHCP_OPT_RELAY_INFO));

	/* No end option at all (accepted by the parse): 82 and an end
	 * option go after the last option. */
	mk(&p, &h, o_discover, sizeof(o_discover) - 1, 0);
	assert_int_equal(req(f, 0, &p), DHCP_RELAY_FORWARD);
	assert_int_equal(f->o.len, p.len + 9);
	assert_int_equal(f->out[f->o.len - 1], 255);
	parse_out(f, &out);
	assert_true(out.has_end);
	assert_non_null(dhcp_opt_find(&out, DHCP_OPT_RELAY_INFO));
}

static void
test_request_rai_no_room(void **state)
{
	struct fix *f = *state;
	struct hdr h = { .op = DHCP_OP_REQUEST };
	struct dhcp_packet out;
	struct pkt p;

	f->r.add_rai = true;
	mk(&p, &h, o_discover, sizeof(o_discover), 0);
	/* The link takes 7 bytes more: 82 needs 8. */
	f->ifs[0].max_len = p.len + 7;
	assert_int_equal(req(f, 0, &p), DHCP_RELAY_FORWARD);
	assert_false(f->o.rai_added);
	assert_true(f->o.rai_no_room);
	assert_int_equal(f->o.len, p.len);
	assert_int_equal(get32(f->out + 24), RTR1);
	parse_out(f, &out);
	assert_null(dhcp_opt_find(&out, DHCP_OPT_RELAY_INFO));
	/* One more byte and it fits. */
	f->ifs[0].max_len = p.len + 8;
	assert_int_equal(req(f, 0, &p), DHCP_RELAY_FORWARD);
	assert_true(f->o.rai_added);
	/* The output buffer limits it the same way. */
	f->ifs[0].max_len = 1472;
	f->o.cap = p.len + 7;
	assert_int_equal(req(f, 0, &p), DHCP_RELAY_FORWARD);
	assert_true(f->o.rai_no_room);
	/* A message over the buffer is not forwarded at all. */
	f->o.cap = p.len - 1;
	assert_int_equal(req(f, 0, &p), DHCP_RELAY_TOO_BIG);
}

static void
test_request_forged_rai(void **state)
{
	struct fix *f = *state;
	static const uint8_t o[] = {
		53, 1, DHCP_REQUEST,
		82, 5, 1, 3, 'e', 'v', 'e',
		255,
	};
	struct hdr h = { .op = DHCP_OP_REQUEST };
	struct pkt p;

	mk(&p, &h, o, sizeof(o), 300);
	/* RFC 3046 2.1: first hop, untrusted circuit, 82 present. */
	f->r.add_rai = true;
	assert_int_equal(req(f, 0, &p), DHCP_RELAY_UNTRUSTED_RAI);
	/* From a relay nearer the client it is theirs: passed on. */
	h.giaddr = OTHER_RELAY;
	mk(&p, &h, o, sizeof(o), 300);
	assert_int_equal(req(f, 0, &p), DHCP_RELAY_FORWARD);
	assert_memory_equal(f->out + DHCP_OPTS_OFF, o, sizeof(o));
	/* A relay without option 82 passes it as RFC 1542 relays do. */
	f->r.add_rai = false;
	h.giaddr = 0;
	mk(&p, &h, o, sizeof(o), 300);
	assert_int_equal(req(f, 0, &p), DHCP_RELAY_FORWARD);
	assert_memory_equal(f->out + DHCP_OPTS_OFF, o, sizeof(o));
}

static void
test_request_drops(void **state)
{
	struct fix *f = *state;
	struct hdr h = { .op = DHCP_OP_REQUEST };
	struct pkt p;

	/* An interface without address cannot give a giaddr. */
	mk(&p, &h, o_discover, sizeof(o_discover), 300);
	assert_int_equal(req(f, 2, &p), DHCP_RELAY_NO_ADDR);
	/* Our own giaddr coming in: a loop or a forgery. */
	h.giaddr = RTR2;
	mk(&p, &h, o_discover, sizeof(o_discover), 300);
	assert_int_equal(req(f, 0, &p), DHCP_RELAY_OWN_GIADDR);
	/* A reply is not relayed to the servers. */
	h.giaddr = 0;
	h.op = DHCP_OP_REPLY;
	mk(&p, &h, o_discover, sizeof(o_discover), 300);
	assert_int_equal(req(f, 0, &p), DHCP_RELAY_WRONG_OP);
	/* Not a message at all. */
	h.op = 7;
	mk(&p, &h, o_discover, sizeof(o_discover), 300);
	assert_int_equal(req(f, 0, &p), DHCP_RELAY_MALFORMED);
	h.op = DHCP_OP_REQUEST;
	mk(&p, &h, o_discover, sizeof(o_discover), 300);
	p.len = 239;
	assert_int_equal(req(f, 0, &p), DHCP_RELAY_MALFORMED);
	/* An option running past the end. */
	static const uint8_t bad[] = { 53, 1, 1, 12, 40, 'x' };
	mk(&p, &h, bad, sizeof(bad), 0);
	assert_int_equal(req(f, 0, &p), DHCP_RELAY_MALFORMED);
}

static void
test_request_bootp(void **state)
{
	struct fix *f = *state;
	struct hdr h = { .op = DHCP_OP_REQUEST, .no_cookie = true };
	struct pkt p;

	/* RFC 1542 relays BOOTP too; option 82 is for DHCP messages. */
	f->r.add_rai = true;
	mk(&p, &h, NULL, 0, 300);
	assert_int_equal(req(f, 0, &p), DHCP_RELAY_FORWARD);
	assert_int_equal(f->o.msg_type, DHCP_BOOTP);
	assert_int_equal(get32(f->out + 24), RTR1);
	assert_int_equal(f->out[3], 1);
	assert_false(f->o.rai_added);
	assert_int_equal(f->o.len, 300);
	assert_memory_equal(f->out + 28, p.b + 28, 300 - 28);
}

/* ---- replies ---- */

static void
test_reply_delivery(void **state)
{
	struct fix *f = *state;
	static const uint8_t offer[] = { 53, 1, DHCP_OFFER, 54, 4, 10, 77, 1,
	    1, 255 };
	static const uint8_t nak[] = { 53, 1, DHCP_NAK, 255 };
	struct hdr h = { .op = DHCP_OP_REPLY, .giaddr = RTR2,
	    .yiaddr = IP(10, 77, 3, 100) };
	struct dhcp_relay_dst to;
	struct pkt p;
	uint8_t bcast[6];

	memset(bcast, 0xff, sizeof(bcast));
	/* No flag, no ciaddr: yiaddr at chaddr. */
	mk(&p, &h, offer, sizeof(offer), 300);
	assert_int_equal(rep(f, &p, &to), DHCP_RELAY_FORWARD);
	assert_int_equal(to.ifi, 1);
	assert_int_equal(to.src, RTR2);
	assert_int_equal(to.how, DHCP_RELAY_TO_CHADDR);
	assert_int_equal(to.dst, IP(10, 77, 3, 100));
	assert_memory_equal(to.dst_mac, chaddr, 6);
	assert_int_equal(f->o.len, p.len);
	assert_memory_equal(f->out, p.b, p.len);
	assert_int_equal(f->o.msg_type, DHCP_OFFER);
	/* The broadcast flag wins over everything. */
	h.flags = DHCP_FLAG_BROADCAST;
	h.ciaddr = IP(10, 77, 3, 100);
	mk(&p, &h, offer, sizeof(offer), 300);
	assert_int_equal(rep(f, &p, &to), DHCP_RELAY_FORWARD);
	assert_int_equal(to.how, DHCP_RELAY_TO_BROADCAST);
	assert_int_equal(to.dst, 0xffffffffu);
	assert_memory_equal(to.dst_mac, bcast, 6);
	/* A client with an address (REBINDING, INFORM): to ciaddr. */
	h.flags = 0;
	h.ciaddr = IP(10, 77, 3, 101);
	mk(&p, &h, offer, sizeof(offer), 300);
	assert_int_equal(rep(f, &p, &to), DHCP_RELAY_FORWARD);
	assert_int_equal(to.how, DHCP_RELAY_TO_CIADDR);
	assert_int_equal(to.dst, IP(10, 77, 3, 101));
	/* A NAK has neither address: broadcast. */
	h.ciaddr = 0;
	h.yiaddr = 0;
	mk(&p, &h, nak, sizeof(nak), 300);
	assert_int_equal(rep(f, &p, &to), DHCP_RELAY_FORWARD);
	assert_int_equal(to.how, DHCP_RELAY_TO_BROADCAST);
	assert_int_equal(to.dst, 0xffffffffu);
	/* Not Ethernet: chaddr is no link address we can send to. */
	h.yiaddr = IP(10, 77, 3, 100);
	h.htype = 6;
	h.hlen = 6;
	mk(&p, &h, offer, sizeof(offer), 300);
	assert_int_equal(rep(f, &p, &to), DHCP_RELAY_FORWARD);
	assert_int_equal(to.how, DHCP_RELAY_TO_BROADCAST);
	h.htype = DHCP_HTYPE_ETHER;
	h.hlen = 16;
	mk(&p, &h, offer, sizeof(offer), 300);
	assert_int_equal(rep(f, &p, &to), DHCP_RELAY_FORWARD);
	assert_int_equal(to.how, DHCP_RELAY_TO_BROADCAST);
}

static void
test_reply_drops(void **state)
{
	struct fix *f = *state;
	static const uint8_t ack[] = { 53, 1, DHCP_ACK, 255 };
	struct hdr h = { .op = DHCP_OP_REPLY, .giaddr = OTHER_RELAY,
	    .yiaddr = IP(10, 77, 2, 100) };
	struct dhcp_relay_dst to;
	struct pkt p;

	/* RFC 1542 4.1.2: giaddr none of ours. */
	mk(&p, &h, ack, sizeof(ack), 300);
	assert_int_equal(rep(f, &p, &to), DHCP_RELAY_NOT_OURS);
	/* giaddr 0 would match the interface without an address. */
	h.giaddr = 0;
	mk(&p, &h, ack, sizeof(ack), 300);
	assert_int_equal(rep(f, &p, &to), DHCP_RELAY_NOT_OURS);
	h.giaddr = RTR1;
	h.op = DHCP_OP_REQUEST;
	mk(&p, &h, ack, sizeof(ack), 300);
	assert_int_equal(rep(f, &p, &to), DHCP_RELAY_WRONG_OP);
	h.op = DHCP_OP_REPLY;
	mk(&p, &h, ack, sizeof(ack), 300);
	p.len = 100;
	assert_int_equal(rep(f, &p, &to), DHCP_RELAY_MALFORMED);
	mk(&p, &h, ack, sizeof(ack), 300);
	f->o.cap = 299;
	assert_int_equal(rep(f, &p, &to), DHCP_RELAY_TOO_BIG);
}

static void
test_reply_strips_rai(void **state)
{
	struct fix *f = *state;
	static const uint8_t o[] = {
		53, 1, DHCP_ACK,
		82, 6, 1, 4, 'r', 't', 'r', '1',
		54, 4, 10, 77, 1, 1,
		82, 4, 2, 2, 'x', 'y',		/* a second instance */
		51, 4, 0, 0, 0x0e, 0x10,
		255,
	};
	static const uint8_t kept[] = {
		53, 1, DHCP_ACK,
		54, 4, 10, 77, 1, 1,
		51, 4, 0, 0, 0x0e, 0x10,
		255,
	};
	struct hdr h = { .op = DHCP_OP_REPLY, .giaddr = RTR1,
	    .yiaddr = IP(10, 77, 2, 100) };
	struct dhcp_relay_dst to;
	struct dhcp_packet out;
	struct pkt p;

	mk(&p, &h, o, sizeof(o), 0);
	assert_int_equal(rep(f, &p, &to), DHCP_RELAY_FORWARD);
	assert_true(f->o.rai_stripped);
	assert_int_equal(f->o.len, p.len);
	assert_memory_equal(f->out, p.b, DHCP_OPTS_OFF);
	assert_memory_equal(f->out + DHCP_OPTS_OFF, kept, sizeof(kept));
	/* The freed tail is padding. */
	for (size_t i = DHCP_OPTS_OFF + sizeof(kept); i < f->o.len; i++)
		assert_int_equal(f->out[i], 0);
	parse_out(f, &out);
	assert_null(dhcp_opt_find(&out, DHCP_OPT_RELAY_INFO));
	assert_int_equal(out.n_opts, 3);

	/* Without 82 nothing changes. */
	mk(&p, &h, kept, sizeof(kept), 300);
	assert_int_equal(rep(f, &p, &to), DHCP_RELAY_FORWARD);
	assert_false(f->o.rai_stripped);
	assert_memory_equal(f->out, p.b, p.len);
}

static void
test_reply_strips_overloaded_rai(void **state)
{
	struct fix *f = *state;
	static const uint8_t o[] = {
		53, 1, DHCP_ACK,
		52, 1, DHCP_OVERLOAD_FILE | DHCP_OVERLOAD_SNAME,
		255,
	};
	static const uint8_t file[] = {
		82, 6, 1, 4, 'r', 't', 'r', '2',
		54, 4, 10, 77, 1, 1,
		255,
	};
	static const uint8_t sname[] = { 12, 2, 'h', 'i', 82, 3, 2, 1, 'z',
	    255 };
	struct hdr h = { .op = DHCP_OP_REPLY, .giaddr = RTR2,
	    .yiaddr = IP(10, 77, 3, 100) };
	struct dhcp_relay_dst to;
	struct dhcp_packet out;
	struct pkt p;

	mk(&p, &h, o, sizeof(o), 300);
	memcpy(p.b + DHCP_FILE_OFF, file, sizeof(file));
	memcpy(p.b + DHCP_SNAME_OFF, sname, sizeof(sname));
	assert_int_equal(rep(f, &p, &to), DHCP_RELAY_FORWARD);
	assert_true(f->o.rai_stripped);
	assert_int_equal(to.ifi, 1);
	assert_memory_equal(f->out + DHCP_FILE_OFF, file + 8,
	    sizeof(file) - 8);
	assert_int_equal(f->out[DHCP_FILE_OFF + DHCP_FILE_LEN - 1], 0);
	assert_memory_equal(f->out + DHCP_SNAME_OFF, sname, 4);
	assert_int_equal(f->out[DHCP_SNAME_OFF + 4], 255);
	parse_out(f, &out);
	assert_null(dhcp_opt_find(&out, DHCP_OPT_RELAY_INFO));
	assert_non_null(dhcp_opt_find(&out, DHCP_OPT_SERVER_ID));
	assert_non_null(dhcp_opt_find(&out, DHCP_OPT_HOSTNAME));
}

static void
test_reply_circuit_id_picks_iface(void **state)
{
	struct fix *f = *state;
	static const uint8_t o[] = {
		53, 1, DHCP_OFFER,
		82, 6, 1, 4, 'r', 't', 'r', '2',
		255,
	};
	static const uint8_t o_none[] = { 53, 1, DHCP_OFFER, 255 };
	struct hdr h = { .op = DHCP_OP_REPLY, .giaddr = RTR1,
	    .yiaddr = IP(10, 77, 2, 100) };
	struct dhcp_relay_dst to;
	struct pkt p;

	/* Two links share one address (unnumbered): the circuit-id we
	 * added tells them apart. */
	f->ifs[1].addr = RTR1;
	mk(&p, &h, o, sizeof(o), 300);
	assert_int_equal(rep(f, &p, &to), DHCP_RELAY_FORWARD);
	assert_int_equal(to.ifi, 1);
	assert_int_equal(to.src, RTR1);
	mk(&p, &h, o_none, sizeof(o_none), 300);
	assert_int_equal(rep(f, &p, &to), DHCP_RELAY_FORWARD);
	assert_int_equal(to.ifi, 0);
}

/* A request relayed with option 82, echoed by a server (RFC 3046 2.2),
 * comes back to the client without it. */
static void
test_round_trip(void **state)
{
	struct fix *f = *state;
	struct hdr h = { .op = DHCP_OP_REQUEST };
	struct dhcp_relay_dst to;
	struct dhcp_packet out;
	struct pkt p, back;

	f->r.add_rai = true;
	mk(&p, &h, o_discover, sizeof(o_discover), 300);
	assert_int_equal(req(f, 1, &p), DHCP_RELAY_FORWARD);
	assert_true(f->o.rai_added);
	memcpy(back.b, f->out, f->o.len);
	back.len = f->o.len;
	back.b[0] = DHCP_OP_REPLY;
	put32(back.b + 16, IP(10, 77, 3, 120));
	assert_int_equal(rep(f, &back, &to), DHCP_RELAY_FORWARD);
	assert_true(f->o.rai_stripped);
	assert_int_equal(to.ifi, 1);
	assert_int_equal(to.how, DHCP_RELAY_TO_CHADDR);
	parse_out(f, &out);
	assert_null(dhcp_opt_find(&out, DHCP_OPT_RELAY_INFO));
	/* What the client sent is back as it was. */
	assert_memory_equal(f->out + DHCP_OPTS_OFF, o_discover,
	    sizeof(o_discover));
}

/* Every cut of a request and of a reply: a verdict, never a crash (run
 * under ASan by make asan). */
static void
test_every_cut(void **state)
{
	struct fix *f = *state;
	static const uint8_t o[] = {
		53, 1, DHCP_ACK,
		82, 6, 1, 4, 'r', 't', 'r', '1',
		52, 1, 3,
		255,
	};
	struct hdr hq = { .op = DHCP_OP_REQUEST };
	struct hdr hr = { .op = DHCP_OP_REPLY, .giaddr = RTR1 };
	struct dhcp_relay_dst to;
	struct pkt q, r;

	f->r.add_rai = true;
	mk(&q, &hq, o_discover, sizeof(o_discover), 0);
	mk(&r, &hr, o, sizeof(o), 300);
	for (size_t cut = 0; cut <= r.len; cut++) {
		struct pkt c = q;
		c.len = cut < q.len ? cut : q.len;
		enum dhcp_relay_verdict v = req(f, 0, &c);
		assert_true(v == DHCP_RELAY_FORWARD ||
		    v == DHCP_RELAY_MALFORMED);
		if (v == DHCP_RELAY_FORWARD)
			assert_true(f->o.len >= c.len);
		c = r;
		c.len = cut;
		v = rep(f, &c, &to);
		assert_true(v == DHCP_RELAY_FORWARD ||
		    v == DHCP_RELAY_MALFORMED);
		if (v == DHCP_RELAY_FORWARD)
			assert_int_equal(f->o.len, cut);
	}
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(dhcp_relay_verdict_name(DHCP_RELAY_FORWARD),
	    "forward");
	assert_string_equal(dhcp_relay_verdict_name(DHCP_RELAY_HOPS),
	    "hops");
	assert_string_equal(dhcp_relay_verdict_name(
	    DHCP_RELAY_UNTRUSTED_RAI), "untrusted_rai");
	assert_string_equal(dhcp_relay_verdict_name(DHCP_RELAY_TOO_BIG),
	    "too_big");
	assert_string_equal(dhcp_relay_verdict_name(DHCP_RELAY_N_VERDICTS),
	    "unknown");
}

#define T(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_request_sets_giaddr_and_hops),
		T(test_request_keeps_other_giaddr),
		T(test_request_hop_limit),
		T(test_request_adds_rai_last),
		T(test_request_rai_grows_message),
		T(test_request_rai_no_room),
		T(test_request_forged_rai),
		T(test_request_drops),
		T(test_request_bootp),
		T(test_reply_delivery),
		T(test_reply_drops),
		T(test_reply_strips_rai),
		T(test_reply_strips_overloaded_rai),
		T(test_reply_circuit_id_picks_iface),
		T(test_round_trip),
		T(test_every_cut),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
