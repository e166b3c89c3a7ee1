/* tests/unit/dhcp/test_packet.c - DHCP messages: parse of packets shaped
 * like real traffic (dhclient DISCOVER, an OFFER, a relayed REQUEST with
 * option 82, a Windows INFORM, plain BOOTP; also in fuzz/corpus/
 * dhcp_packet/), every cut, lengths past the end, missing end, pad,
 * overload, long options, limits -1/0/+1, the builder (max size, overload,
 * split, rollback, parameter request order) and build(parse(x)). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/err.h"
#include "dhcp/options.h"
#include "dhcp/packet.h"

/* Each packet: the fixed part up to chaddr (h_), the options from the
 * cookie on (o_), and for overload the sname (s_) and file (f_) fields;
 * mk() lays them out and pads to 300 bytes as the senders do. */
/* discover: fixed part up to chaddr */
static const uint8_t h_discover[] = {
	0x01, 0x01, 0x06, 0x00, 0x39, 0x03, 0xf3, 0x26, 0x00, 0x03, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x29, 0x3e, 0x5a, 0x71, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static const uint8_t o_discover[] = {
	0x63, 0x82, 0x53, 0x63, 0x35, 0x01, 0x01, 0x32, 0x04, 0xc0, 0xa8, 0x01,
	0x64, 0x0c, 0x06, 0x64, 0x65, 0x62, 0x69, 0x61, 0x6e, 0x37, 0x0d, 0x01,
	0x1c, 0x02, 0x03, 0x0f, 0x06, 0x77, 0x0c, 0x2c, 0x2f, 0x1a, 0x79, 0x2a,
	0xff,
};

/* offer: fixed part up to chaddr */
static const uint8_t h_offer[] = {
	0x02, 0x01, 0x06, 0x00, 0x39, 0x03, 0xf3, 0x26, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xc0, 0xa8, 0x01, 0x64, 0xc0, 0xa8, 0x01, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x29, 0x3e, 0x5a, 0x71, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static const uint8_t o_offer[] = {
	0x63, 0x82, 0x53, 0x63, 0x35, 0x01, 0x02, 0x36, 0x04, 0xc0, 0xa8, 0x01,
	0x01, 0x33, 0x04, 0x00, 0x01, 0x51, 0x80, 0x3a, 0x04, 0x00, 0x00, 0xa8,
	0xc0, 0x3b, 0x04, 0x00, 0x01, 0x27, 0x50, 0x01, 0x04, 0xff, 0xff, 0xff,
	0x00, 0x1c, 0x04, 0xc0, 0xa8, 0x01, 0xff, 0x03, 0x04, 0xc0, 0xa8, 0x01,
	0x01, 0x06, 0x08, 0xc0, 0xa8, 0x01, 0x01, 0x09, 0x09, 0x09, 0x09, 0x0f,
	0x0c, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2e, 0x74, 0x65, 0x73,
	0x74, 0xff,
};

/* request_relay: fixed part up to chaddr */
static const uint8_t h_request_relay[] = {
	0x01, 0x01, 0x06, 0x01, 0xa1, 0xb2, 0xc3, 0xd4, 0x00, 0x00, 0x80, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x0a, 0x00, 0x00, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static const uint8_t o_request_relay[] = {
	0x63, 0x82, 0x53, 0x63, 0x35, 0x01, 0x03, 0x3d, 0x07, 0x01, 0x52, 0x54,
	0x00, 0x12, 0x34, 0x56, 0x32, 0x04, 0x0a, 0x00, 0x00, 0x39, 0x36, 0x04,
	0x0a, 0x00, 0x00, 0x02, 0x39, 0x02, 0x05, 0xdc, 0x0c, 0x06, 0x6c, 0x61,
	0x70, 0x74, 0x6f, 0x70, 0x37, 0x06, 0x01, 0x03, 0x06, 0x0f, 0x77, 0x79,
	0x52, 0x19, 0x01, 0x0f, 0x65, 0x74, 0x68, 0x30, 0x2f, 0x31, 0x2f, 0x32,
	0x3a, 0x76, 0x6c, 0x61, 0x6e, 0x31, 0x30, 0x02, 0x06, 0x00, 0x11, 0x22,
	0x33, 0x44, 0x55, 0xff,
};

/* inform: fixed part up to chaddr */
static const uint8_t h_inform[] = {
	0x01, 0x01, 0x06, 0x00, 0x00, 0xc0, 0xff, 0xee, 0x00, 0x00, 0x00, 0x00,
	0xc0, 0xa8, 0x01, 0x32, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static const uint8_t o_inform[] = {
	0x63, 0x82, 0x53, 0x63, 0x35, 0x01, 0x08, 0x3d, 0x07, 0x01, 0x00, 0x1a,
	0x2b, 0x3c, 0x4d, 0x5e, 0x0c, 0x04, 0x57, 0x53, 0x30, 0x31, 0x3c, 0x08,
	0x4d, 0x53, 0x46, 0x54, 0x20, 0x35, 0x2e, 0x30, 0x37, 0x0d, 0x01, 0x0f,
	0x03, 0x06, 0x2c, 0x2e, 0x2f, 0x1f, 0x21, 0x79, 0xf9, 0x2b, 0xfc, 0xff,
};

/* bootp: fixed part up to chaddr */
static const uint8_t h_bootp[] = {
	0x01, 0x01, 0x06, 0x00, 0x12, 0x34, 0x56, 0x78, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x5e, 0x00, 0x53, 0x01, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* overload: fixed part up to chaddr */
static const uint8_t h_overload[] = {
	0x02, 0x01, 0x06, 0x00, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xc0, 0xa8, 0x01, 0x65, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x29, 0x3e, 0x5a, 0x71, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static const uint8_t o_overload[] = {
	0x63, 0x82, 0x53, 0x63, 0x35, 0x01, 0x05, 0x34, 0x01, 0x03, 0x36, 0x04,
	0xc0, 0xa8, 0x01, 0x01, 0xff,
};

static const uint8_t s_overload[] = {
	0x0c, 0x02, 0x73, 0x6e, 0xff,
};

static const uint8_t f_overload[] = {
	0x06, 0x04, 0xc0, 0xa8, 0x01, 0x01, 0x0f, 0x09, 0x6f, 0x76, 0x65, 0x72,
	0x2e, 0x74, 0x65, 0x73, 0x74, 0xff,
};

struct pkt {
	uint8_t	 b[4096];
	size_t	 len;
};

static void
mk(struct pkt *p, const uint8_t *h, const uint8_t *o, size_t olen)
{
	memset(p, 0, sizeof(*p));
	memcpy(p->b, h, 44);
	if (olen > 0)
		memcpy(p->b + DHCP_FIXED_LEN, o, olen);
	p->len = DHCP_FIXED_LEN + olen < 300 ? 300 : DHCP_FIXED_LEN + olen;
}

#define MK(p, name)	mk((p), h_##name, o_##name, sizeof(o_##name))

/* A packet from the discover header and `opts` after the cookie, cut
 * right after them (no padding). */
static void
mk_raw(struct pkt *p, const uint8_t *opts, size_t n)
{
	static const uint8_t cookie[] = { 99, 130, 83, 99 };

	memset(p, 0, sizeof(*p));
	memcpy(p->b, h_discover, 44);
	memcpy(p->b + DHCP_FIXED_LEN, cookie, 4);
	memcpy(p->b + DHCP_OPTS_OFF, opts, n);
	p->len = DHCP_OPTS_OFF + n;
}

/* Parses a heap copy of exactly `len` bytes, so ASan sees overreads. */
static int
parse(const uint8_t *b, size_t len, struct arena *a, struct dhcp_packet *out)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);
	int err;

	assert_non_null(copy);
	memcpy(copy, b, len);
	err = dhcp_packet_parse(copy, len, a, out);
	/* Options were copied: poison the input to prove it. */
	memset(copy, 0xa5, len);
	free(copy);
	return err;
}

static int
setup(void **state)
{
	*state = arena_new(8192);
	return *state == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	struct arena *a = *state;

	arena_free(&a);
	return 0;
}

static void
test_discover(void **state)
{
	struct arena *a = *state;
	struct dhcp_packet p;
	struct pkt k;
	const uint8_t mac[] = { 0x00, 0x0c, 0x29, 0x3e, 0x5a, 0x71 };

	MK(&k, discover);
	assert_int_equal(parse(k.b, k.len, a, &p), 0);
	assert_int_equal(p.op, DHCP_OP_REQUEST);
	assert_int_equal(p.htype, DHCP_HTYPE_ETHER);
	assert_int_equal(p.hlen, 6);
	assert_int_equal(p.xid, 0x3903f326);
	assert_int_equal(p.secs, 3);
	assert_int_equal(p.flags, 0);
	assert_memory_equal(p.chaddr, mac, 6);
	assert_true(p.has_cookie);
	assert_true(p.has_end);
	assert_int_equal(p.overload, 0);
	assert_int_equal(p.msg_type, DHCP_DISCOVER);
	assert_int_equal(p.n_opts, 4);
	assert_int_equal(p.opts[0].code, 53);
	assert_int_equal(p.opts[1].code, 50);
	assert_int_equal(p.opts[2].code, 12);
	assert_int_equal(p.opts[3].code, 55);
	assert_int_equal(p.opts[3].len, 13);
	assert_int_equal(p.opts[3].data[6], 119);
	assert_int_equal(p.opts[2].data[6], 0);	/* NUL kept after it */
}

static void
test_offer_request_inform(void **state)
{
	struct arena *a = *state;
	struct dhcp_packet p;
	struct pkt k;

	MK(&k, offer);
	assert_int_equal(parse(k.b, k.len, a, &p), 0);
	assert_int_equal(p.op, DHCP_OP_REPLY);
	assert_int_equal(p.msg_type, DHCP_OFFER);
	assert_int_equal(p.yiaddr, 0xc0a80164);
	assert_int_equal(p.siaddr, 0xc0a80101);
	assert_int_equal(p.n_opts, 10);

	MK(&k, request_relay);
	assert_int_equal(parse(k.b, k.len, a, &p), 0);
	assert_int_equal(p.msg_type, DHCP_REQUEST);
	assert_int_equal(p.hops, 1);
	assert_int_equal(p.giaddr, 0x0a000001);
	assert_int_equal(p.flags, DHCP_FLAG_BROADCAST);
	assert_int_equal(p.opts[p.n_opts - 1].code, 82);

	MK(&k, inform);
	assert_int_equal(parse(k.b, k.len, a, &p), 0);
	assert_int_equal(p.msg_type, DHCP_INFORM);
	assert_int_equal(p.ciaddr, 0xc0a80132);
	assert_int_equal(p.yiaddr, 0);
}

static void
test_bootp(void **state)
{
	struct arena *a = *state;
	struct dhcp_packet p;
	struct pkt k;
	uint8_t out[600];

	/* RFC 951: no cookie, the vend field is opaque. */
	mk(&k, h_bootp, NULL, 0);
	k.b[DHCP_OPTS_OFF] = 0x35;	/* looks like an option; ignored */
	assert_int_equal(parse(k.b, k.len, a, &p), 0);
	assert_false(p.has_cookie);
	assert_int_equal(p.msg_type, DHCP_BOOTP);
	assert_int_equal(p.n_opts, 0);
	assert_int_equal(dhcp_packet_build(&p, out, sizeof(out)), 300);
	assert_memory_equal(out, k.b, DHCP_OPTS_OFF);

	/* RFC 1497 vendor extensions: a cookie but no option 53. */
	static const uint8_t ext[] = { 1, 4, 255, 255, 255, 0, 255 };
	mk_raw(&k, ext, sizeof(ext));
	assert_int_equal(parse(k.b, k.len, a, &p), 0);
	assert_true(p.has_cookie);
	assert_int_equal(p.msg_type, DHCP_BOOTP);
	assert_int_equal(p.n_opts, 1);

	/* 240 bytes is the least; 236 with no cookie is cut short. */
	assert_int_equal(parse(k.b, 239, a, &p), -IK_ETRUNC);
	assert_int_equal(parse(k.b, 240, a, &p), 0);
	assert_int_equal(p.n_opts, 0);
	assert_false(p.has_end);
}

/* Offsets (from the cookie) where an option starts, and the end's. */
static void
boundaries(const uint8_t *o, size_t n, bool *at, size_t *end_out)
{
	size_t i = 4;

	memset(at, 0, n + 1);
	while (i < n) {
		at[i] = true;
		if (o[i] == 255)
			break;
		i += o[i] == 0 ? 1 : 2u + o[i + 1];
	}
	*end_out = i;
}

static void
cut_every_byte(struct arena *a, const uint8_t *h, const uint8_t *o,
    size_t olen)
{
	struct pkt k;
	bool at[512];
	size_t end;

	mk(&k, h, o, olen);
	boundaries(o, olen, at, &end);
	for (size_t cut = 0; cut <= k.len; cut++) {
		struct dhcp_packet p;
		int err = parse(k.b, cut, a, &p);

		arena_reset(a);
		if (cut < DHCP_OPTS_OFF) {
			assert_int_equal(err, -IK_ETRUNC);
			continue;
		}
		size_t i = cut - DHCP_FIXED_LEN;
		if (i > end) {
			assert_int_equal(err, 0);
			assert_true(p.has_end);
		} else if (at[i] || i == 4) {
			/* Between options: the walk ends with the data. */
			assert_int_equal(err, 0);
			assert_false(p.has_end);
		} else {
			assert_int_equal(err, -IK_ETRUNC);
		}
	}
}

static void
test_cut_every_byte(void **state)
{
	struct arena *a = *state;

	cut_every_byte(a, h_discover, o_discover, sizeof(o_discover));
	cut_every_byte(a, h_offer, o_offer, sizeof(o_offer));
	cut_every_byte(a, h_request_relay, o_request_relay,
	    sizeof(o_request_relay));
	cut_every_byte(a, h_inform, o_inform, sizeof(o_inform));
}

static void
test_length_past_end(void **state)
{
	struct arena *a = *state;
	struct dhcp_packet p;
	struct pkt k;
	/* hostname says 10 bytes, 3 follow */
	static const uint8_t o1[] = { 53, 1, 1, 12, 10, 'a', 'b', 'c' };
	/* a code byte with no length */
	static const uint8_t o2[] = { 53, 1, 1, 12 };
	/* length 255 at the very end */
	static const uint8_t o3[] = { 53, 1, 1, 43, 255 };

	mk_raw(&k, o1, sizeof(o1));
	assert_int_equal(parse(k.b, k.len, a, &p), -IK_ETRUNC);
	mk_raw(&k, o2, sizeof(o2));
	assert_int_equal(parse(k.b, k.len, a, &p), -IK_ETRUNC);
	mk_raw(&k, o3, sizeof(o3));
	assert_int_equal(parse(k.b, k.len, a, &p), -IK_ETRUNC);
}

static void
test_missing_end_and_trailer(void **state)
{
	struct arena *a = *state;
	struct dhcp_packet p;
	struct pkt k;
	static const uint8_t noend[] = { 53, 1, 1, 12, 3, 'a', 'b', 'c' };
	/* After 255 anything goes (padding, or junk some stacks leave). */
	static const uint8_t junk[] = { 53, 1, 1, 255, 12, 200, 7 };

	mk_raw(&k, noend, sizeof(noend));
	assert_int_equal(parse(k.b, k.len, a, &p), 0);
	assert_false(p.has_end);
	assert_int_equal(p.n_opts, 2);
	mk_raw(&k, junk, sizeof(junk));
	assert_int_equal(parse(k.b, k.len, a, &p), 0);
	assert_true(p.has_end);
	assert_int_equal(p.n_opts, 1);
}

static void
test_pad(void **state)
{
	struct arena *a = *state;
	struct dhcp_packet p;
	struct pkt k;
	static const uint8_t o[] = { 0, 0, 53, 1, 3, 0, 12, 2, 'h', 'i',
	    0, 0, 0, 255 };

	mk_raw(&k, o, sizeof(o));
	assert_int_equal(parse(k.b, k.len, a, &p), 0);
	assert_int_equal(p.n_opts, 2);
	assert_int_equal(p.msg_type, DHCP_REQUEST);
	assert_int_equal(p.opts[1].len, 2);
	assert_memory_equal(p.opts[1].data, "hi", 2);
}

static void
test_bad_fields(void **state)
{
	struct arena *a = *state;
	struct dhcp_packet p;
	struct pkt k;
	static const uint8_t t0[] = { 53, 1, 0, 255 };
	static const uint8_t t9[] = { 53, 1, 9, 255 };
	static const uint8_t t2[] = { 53, 2, 1, 1, 255 };
	static const uint8_t t_split[] = { 53, 1, 1, 53, 1, 1, 255 };
	static const uint8_t t8[] = { 53, 1, 8, 255 };

	mk_raw(&k, t0, sizeof(t0));
	assert_int_equal(parse(k.b, k.len, a, &p), -IK_EPARSE);
	mk_raw(&k, t9, sizeof(t9));
	assert_int_equal(parse(k.b, k.len, a, &p), -IK_EPARSE);
	mk_raw(&k, t2, sizeof(t2));
	assert_int_equal(parse(k.b, k.len, a, &p), -IK_EPARSE);
	/* Two instances concatenate to two bytes (RFC 3396): bad. */
	mk_raw(&k, t_split, sizeof(t_split));
	assert_int_equal(parse(k.b, k.len, a, &p), -IK_EPARSE);
	mk_raw(&k, t8, sizeof(t8));
	assert_int_equal(parse(k.b, k.len, a, &p), 0);

	k.b[2] = 16;	/* hlen 16: the most */
	assert_int_equal(parse(k.b, k.len, a, &p), 0);
	k.b[2] = 17;
	assert_int_equal(parse(k.b, k.len, a, &p), -IK_EPARSE);
	k.b[2] = 6;
	k.b[0] = 3;	/* op */
	assert_int_equal(parse(k.b, k.len, a, &p), -IK_EPARSE);
	k.b[0] = 0;
	assert_int_equal(parse(k.b, k.len, a, &p), -IK_EPARSE);
}

static void
test_overload(void **state)
{
	struct arena *a = *state;
	struct dhcp_packet p;
	struct pkt k;
	const struct dhcp_opt *o;

	MK(&k, overload);
	memcpy(k.b + DHCP_SNAME_OFF, s_overload, sizeof(s_overload));
	memcpy(k.b + DHCP_FILE_OFF, f_overload, sizeof(f_overload));
	assert_int_equal(parse(k.b, k.len, a, &p), 0);
	assert_int_equal(p.overload, 3);
	assert_int_equal(p.msg_type, DHCP_ACK);
	/* Walk order: options, then file, then sname (RFC 2131 4.1). */
	assert_int_equal(p.n_opts, 5);
	assert_int_equal(p.opts[0].code, 53);
	assert_int_equal(p.opts[1].code, 54);
	assert_int_equal(p.opts[2].code, 6);
	assert_int_equal(p.opts[3].code, 15);
	assert_int_equal(p.opts[4].code, 12);
	assert_non_null(o = dhcp_opt_find(&p, 15));
	assert_int_equal(o->len, 9);
	assert_memory_equal(o->data, "over.test", 9);
	/* The fields carried options, so they read as empty. */
	for (size_t i = 0; i < DHCP_FILE_LEN; i++)
		assert_int_equal(p.file[i], 0);
	for (size_t i = 0; i < DHCP_SNAME_LEN; i++)
		assert_int_equal(p.sname[i], 0);

	/* 52 = 1: sname is a name again, not options. */
	k.b[DHCP_OPTS_OFF + 5] = 1;
	assert_int_equal(parse(k.b, k.len, a, &p), 0);
	assert_int_equal(p.n_opts, 4);
	assert_int_equal(p.sname[0], 12);

	/* An option past the end of the file field. */
	k.b[DHCP_FILE_OFF + DHCP_FILE_LEN - 2] = 43;
	k.b[DHCP_FILE_OFF + DHCP_FILE_LEN - 1] = 5;
	k.b[DHCP_FILE_OFF + 6 + 11] = 0;	/* the end option -> pad */
	assert_int_equal(parse(k.b, k.len, a, &p), -IK_EPARSE);
}

static void
test_overload_bad(void **state)
{
	struct arena *a = *state;
	struct dhcp_packet p;
	struct pkt k;
	static const uint8_t v4[] = { 53, 1, 5, 52, 1, 4, 255 };
	static const uint8_t v0[] = { 53, 1, 5, 52, 1, 0, 255 };
	static const uint8_t twice[] = { 53, 1, 5, 52, 1, 1, 52, 1, 2, 255 };
	static const uint8_t len2[] = { 53, 1, 5, 52, 2, 1, 1, 255 };
	static const uint8_t ok[] = { 53, 1, 5, 52, 1, 1, 255 };

	mk_raw(&k, v4, sizeof(v4));
	assert_int_equal(parse(k.b, k.len, a, &p), -IK_EPARSE);
	mk_raw(&k, v0, sizeof(v0));
	assert_int_equal(parse(k.b, k.len, a, &p), -IK_EPARSE);
	mk_raw(&k, twice, sizeof(twice));
	assert_int_equal(parse(k.b, k.len, a, &p), -IK_EPARSE);
	mk_raw(&k, len2, sizeof(len2));
	assert_int_equal(parse(k.b, k.len, a, &p), -IK_EPARSE);
	/* 52 inside the file field it turned on. */
	mk_raw(&k, ok, sizeof(ok));
	k.b[DHCP_FILE_OFF] = 52;
	k.b[DHCP_FILE_OFF + 1] = 1;
	k.b[DHCP_FILE_OFF + 2] = 3;
	assert_int_equal(parse(k.b, k.len, a, &p), -IK_EPARSE);
	/* An empty file field (all pad) is fine. */
	memset(k.b + DHCP_FILE_OFF, 0, 3);
	assert_int_equal(parse(k.b, k.len, a, &p), 0);
	assert_int_equal(p.n_opts, 1);
}

static void
test_long_option_concat(void **state)
{
	struct arena *a = *state;
	struct dhcp_packet p;
	struct pkt k;
	const struct dhcp_opt *o;
	/* 77 in three places: options, file, sname (RFC 3396 6). */
	static const uint8_t opts[] = { 53, 1, 1, 77, 2, 'A', 'B',
	    52, 1, 3, 255 };

	mk_raw(&k, opts, sizeof(opts));
	memcpy(k.b + DHCP_FILE_OFF, (const uint8_t[]){ 77, 2, 'C', 'D', 255 },
	    5);
	memcpy(k.b + DHCP_SNAME_OFF, (const uint8_t[]){ 77, 2, 'E', 'F' }, 4);
	assert_int_equal(parse(k.b, k.len, a, &p), 0);
	assert_non_null(o = dhcp_opt_find(&p, 77));
	assert_int_equal(o->len, 6);
	assert_memory_equal(o->data, "ABCDEF", 7);	/* with the NUL */

	/* Zero-length instances mix in (rapid commit is empty). */
	static const uint8_t empty[] = { 53, 1, 1, 80, 0, 77, 0, 77, 1, 'x',
	    80, 0, 255 };
	mk_raw(&k, empty, sizeof(empty));
	assert_int_equal(parse(k.b, k.len, a, &p), 0);
	assert_int_equal(p.n_opts, 3);
	assert_int_equal(dhcp_opt_find(&p, 80)->len, 0);
	assert_int_equal(dhcp_opt_find(&p, 77)->len, 1);
}

static void
test_limits(void **state)
{
	struct arena *a = *state;
	struct dhcp_packet p;
	static uint8_t big[DHCP_OPTS_OFF + 20000];
	static uint8_t opts[20000];

	/* DHCP_OPT_INSTANCES_MAX empty options, then one more. */
	size_t n = 0;
	opts[n++] = 53; opts[n++] = 1; opts[n++] = 1;
	for (int i = 1; i < DHCP_OPT_INSTANCES_MAX; i++) {
		opts[n++] = 224;
		opts[n++] = 0;
	}
	memcpy(big, h_discover, 44);
	memcpy(big + DHCP_FIXED_LEN, o_discover, 4);
	memcpy(big + DHCP_OPTS_OFF, opts, n);
	assert_int_equal(parse(big, DHCP_OPTS_OFF + n, a, &p), 0);
	big[DHCP_OPTS_OFF + n] = 224;
	big[DHCP_OPTS_OFF + n + 1] = 0;
	assert_int_equal(parse(big, DHCP_OPTS_OFF + n + 2, a, &p),
	    -IK_ELIMIT);
	arena_reset(a);

	/* DHCP_OPT_BYTES_MAX bytes of option data, then one more. */
	n = 0;
	opts[n++] = 53; opts[n++] = 1; opts[n++] = 1;
	size_t bytes = 1;
	while (bytes < DHCP_OPT_BYTES_MAX) {
		size_t l = DHCP_OPT_BYTES_MAX - bytes;
		if (l > 255)
			l = 255;
		opts[n++] = 225;
		opts[n++] = (uint8_t)l;
		memset(opts + n, 'x', l);
		n += l;
		bytes += l;
	}
	memcpy(big + DHCP_OPTS_OFF, opts, n);
	assert_int_equal(parse(big, DHCP_OPTS_OFF + n, a, &p), 0);
	assert_int_equal(dhcp_opt_find(&p, 225)->len, DHCP_OPT_BYTES_MAX - 1);
	big[DHCP_OPTS_OFF + n] = 226;
	big[DHCP_OPTS_OFF + n + 1] = 1;
	big[DHCP_OPTS_OFF + n + 2] = 'y';
	assert_int_equal(parse(big, DHCP_OPTS_OFF + n + 3, a, &p),
	    -IK_ELIMIT);
}

static void
test_round_trip(void **state)
{
	struct arena *a = *state;
	struct {
		const uint8_t	*h, *o;
		size_t		 olen;
	} t[] = {
		{ h_discover, o_discover, sizeof(o_discover) },
		{ h_offer, o_offer, sizeof(o_offer) },
		{ h_request_relay, o_request_relay, sizeof(o_request_relay) },
		{ h_inform, o_inform, sizeof(o_inform) },
	};
	uint8_t out[1024];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct dhcp_packet p, q;
		struct pkt k;

		mk(&k, t[i].h, t[i].o, t[i].olen);
		assert_int_equal(parse(k.b, k.len, a, &p), 0);
		ssize_t n = dhcp_packet_build(&p, out, sizeof(out));
		/* Same order, end, padding to 300: the very same bytes. */
		assert_int_equal(n, k.len);
		assert_memory_equal(out, k.b, k.len);
		assert_int_equal(parse(out, (size_t)n, a, &q), 0);
		assert_true(dhcp_packet_equal(&p, &q));
	}

	/* Overloaded: rebuilt without overload, equal after reparse. */
	struct dhcp_packet p, q;
	struct pkt k;
	MK(&k, overload);
	memcpy(k.b + DHCP_SNAME_OFF, s_overload, sizeof(s_overload));
	memcpy(k.b + DHCP_FILE_OFF, f_overload, sizeof(f_overload));
	assert_int_equal(parse(k.b, k.len, a, &p), 0);
	ssize_t n = dhcp_packet_build(&p, out, sizeof(out));
	assert_true(n >= 300);
	assert_int_equal(parse(out, (size_t)n, a, &q), 0);
	assert_int_equal(q.overload, 0);
	assert_true(dhcp_packet_equal(&p, &q));
}

static void
test_equal(void **state)
{
	struct arena *a = *state;
	struct dhcp_packet p, q;
	struct pkt k;

	MK(&k, offer);
	assert_int_equal(parse(k.b, k.len, a, &p), 0);
	assert_int_equal(parse(k.b, k.len, a, &q), 0);
	assert_true(dhcp_packet_equal(&p, &q));
	q.file[127] = 1;
	assert_false(dhcp_packet_equal(&p, &q));
	q.file[127] = 0;
	q.xid++;
	assert_false(dhcp_packet_equal(&p, &q));
	q.xid--;
	/* Option order does not matter; bytes do. */
	struct dhcp_opt swapped[10];
	memcpy(swapped, q.opts, sizeof(swapped));
	struct dhcp_opt tmp = swapped[0];
	swapped[0] = swapped[9];
	swapped[9] = tmp;
	q.opts = swapped;
	assert_true(dhcp_packet_equal(&p, &q));
	uint8_t other[4] = { 0, 0, 0, 1 };
	swapped[2].data = other;	/* 51, the lease time */
	assert_false(dhcp_packet_equal(&p, &q));
	q.n_opts--;
	assert_false(dhcp_packet_equal(&p, &q));
}

/* Codes of the options in buf's options field, in wire order. */
static size_t
wire_codes(const uint8_t *buf, size_t len, uint8_t *codes)
{
	size_t n = 0;

	for (size_t i = DHCP_OPTS_OFF; i < len && buf[i] != 255; ) {
		if (buf[i] == 0) {
			i++;
			continue;
		}
		codes[n++] = buf[i];
		i += 2u + buf[i + 1];
	}
	return n;
}

static void
test_build_split(void **state)
{
	struct arena *a = *state;
	struct dhcp_builder b;
	struct dhcp_packet fixed, p;
	uint8_t big[600], out[1500];

	memset(&fixed, 0, sizeof(fixed));
	fixed.op = DHCP_OP_REPLY;
	fixed.htype = 1;
	fixed.hlen = 6;
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)i;
	dhcp_build_init(&b, out, sizeof(out), &fixed);
	assert_int_equal(dhcp_build_u8(&b, 53, DHCP_ACK), 0);
	assert_int_equal(dhcp_build_opt(&b, 121, big, sizeof(big)), 0);
	ssize_t n = dhcp_build_finish(&b);
	assert_int_equal(n, DHCP_OPTS_OFF + 3 + 257 + 257 + 92 + 1);
	/* 255 + 255 + 90, back to back (RFC 3396). */
	assert_int_equal(out[DHCP_OPTS_OFF + 3], 121);
	assert_int_equal(out[DHCP_OPTS_OFF + 4], 255);
	assert_int_equal(out[DHCP_OPTS_OFF + 3 + 257], 121);
	assert_int_equal(out[DHCP_OPTS_OFF + 3 + 257 + 1], 255);
	assert_int_equal(out[DHCP_OPTS_OFF + 3 + 514], 121);
	assert_int_equal(out[DHCP_OPTS_OFF + 3 + 514 + 1], 90);
	assert_int_equal(parse(out, (size_t)n, a, &p), 0);
	assert_int_equal(dhcp_opt_find(&p, 121)->len, 600);
	assert_memory_equal(dhcp_opt_find(&p, 121)->data, big, 600);

	/* The builder writes 0, 52 and 255 itself. */
	dhcp_build_init(&b, out, sizeof(out), &fixed);
	assert_int_equal(dhcp_build_u8(&b, 0, 1), -EINVAL);
	assert_int_equal(dhcp_build_u8(&b, 52, 1), -EINVAL);
	assert_int_equal(dhcp_build_u8(&b, 255, 1), -EINVAL);
	assert_int_equal(dhcp_build_str(&b, 12, ""), -EINVAL);
	assert_int_equal(dhcp_build_addrs(&b, 6, NULL, 0), -EINVAL);
	/* After finish, nothing more. */
	assert_int_equal(dhcp_build_finish(&b), 300);
	assert_int_equal(dhcp_build_u8(&b, 53, 1), -EINVAL);

	/* Too small for the cookie and an end option. */
	dhcp_build_init(&b, out, DHCP_OPTS_OFF, &fixed);
	assert_int_equal(dhcp_build_u8(&b, 53, 1), -IK_ETRUNC);
	assert_int_equal(dhcp_build_finish(&b), -IK_ETRUNC);
	dhcp_build_init(&b, out, DHCP_OPTS_OFF + 1, &fixed);
	assert_int_equal(dhcp_build_finish(&b), DHCP_OPTS_OFF + 1);
}

static void
test_build_max_size_overload(void **state)
{
	struct arena *a = *state;
	struct dhcp_builder b;
	struct dhcp_packet fixed, p;
	uint8_t out[1500], d[200];

	memset(&fixed, 0, sizeof(fixed));
	fixed.op = DHCP_OP_REPLY;
	memset(d, 'd', sizeof(d));
	/* cap 300: options field room 300 - 240 - 1 (end) - 3 (52). */
	dhcp_build_init(&b, out, 300, &fixed);
	assert_int_equal(dhcp_build_opt(&b, 224, d, 50), 0);	/* opts */
	assert_int_equal(dhcp_build_opt(&b, 225, d, 100), 0);	/* file */
	assert_int_equal(dhcp_build_opt(&b, 226, d, 40), 0);	/* sname */
	assert_int_equal(dhcp_build_opt(&b, 227, d, 30), -IK_ETRUNC);
	assert_int_equal(dhcp_build_opt(&b, 228, d, 2), 0);	/* opts */
	/* file has 25 bytes left, sname 21: */
	assert_int_equal(dhcp_build_opt(&b, 229, d, 24), -IK_ETRUNC);
	assert_int_equal(b.overload, 3);
	assert_int_equal(dhcp_build_finish(&b), 300);
	assert_int_equal(parse(out, 300, a, &p), 0);
	assert_int_equal(p.overload, 3);
	assert_int_equal(p.n_opts, 4);
	assert_int_equal(p.opts[0].code, 224);
	assert_int_equal(p.opts[1].code, 228);
	assert_int_equal(p.opts[2].code, 225);
	assert_int_equal(p.opts[3].code, 226);
	assert_null(dhcp_opt_find(&p, 227));

	/* A server name in sname: only file is offered. */
	fixed.sname[0] = 's';
	dhcp_build_init(&b, out, 300, &fixed);
	assert_int_equal(b.can_overload, DHCP_OVERLOAD_FILE);
	assert_int_equal(dhcp_build_opt(&b, 225, d, 100), 0);
	assert_int_equal(dhcp_build_opt(&b, 226, d, 60), -IK_ETRUNC);
	assert_int_equal(dhcp_build_finish(&b), 300);
	assert_int_equal(parse(out, 300, a, &p), 0);
	assert_int_equal(p.overload, DHCP_OVERLOAD_FILE);
	assert_int_equal(p.sname[0], 's');

	/* No overload: options room is 300 - 240 - 1 (end). */
	fixed.sname[0] = 0;
	dhcp_build_init(&b, out, 300, &fixed);
	b.can_overload = 0;
	assert_int_equal(dhcp_build_opt(&b, 224, d, 58), -IK_ETRUNC);
	assert_int_equal(dhcp_build_opt(&b, 224, d, 57), 0);
	assert_int_equal(dhcp_build_finish(&b), 300);

	/* Overload allowed but unused, the same room; once the options
	 * field has under 3 bytes left (for 52), no field is started. */
	dhcp_build_init(&b, out, 300, &fixed);
	assert_int_equal(dhcp_build_opt(&b, 224, d, 56), 0);
	assert_int_equal(dhcp_build_opt(&b, 225, d, 10), -IK_ETRUNC);
	assert_int_equal(dhcp_build_finish(&b), 300);
	assert_int_equal(parse(out, 300, a, &p), 0);
	assert_int_equal(p.overload, 0);
	assert_int_equal(p.n_opts, 1);
	dhcp_build_init(&b, out, 300, &fixed);
	assert_int_equal(dhcp_build_opt(&b, 224, d, 54), 0);	/* 3 left */
	assert_int_equal(dhcp_build_opt(&b, 225, d, 10), 0);
	assert_int_equal(dhcp_build_finish(&b), 300);
	assert_int_equal(parse(out, 300, a, &p), 0);
	assert_int_equal(p.overload, DHCP_OVERLOAD_FILE);
	assert_int_equal(p.n_opts, 2);
}

static void
test_build_long_rollback(void **state)
{
	struct arena *a = *state;
	struct dhcp_builder b;
	struct dhcp_packet fixed, p;
	uint8_t out[600], d[400];

	memset(&fixed, 0, sizeof(fixed));
	fixed.op = DHCP_OP_REPLY;
	memset(d, 'r', sizeof(d));
	/* Options room 548 - 241 = 307: the first 255 fits there, the
	 * rest (145) fits neither file (127) nor sname (63). */
	dhcp_build_init(&b, out, 548, &fixed);
	assert_int_equal(dhcp_build_opt(&b, 119, d, 400), -IK_ETRUNC);
	assert_int_equal(b.pos[DHCP_RG_OPTS], DHCP_OPTS_OFF);
	assert_int_equal(b.overload, 0);
	/* 315 bytes: 255 in options, 60 in file (50 left in options). */
	assert_int_equal(dhcp_build_opt(&b, 119, d, 315), 0);
	assert_int_equal(b.overload, DHCP_OVERLOAD_FILE);
	assert_int_equal(dhcp_build_u8(&b, 53, DHCP_OFFER), 0);
	ssize_t n = dhcp_build_finish(&b);
	assert_int_equal(parse(out, (size_t)n, a, &p), 0);
	assert_int_equal(p.msg_type, DHCP_OFFER);
	assert_int_equal(dhcp_opt_find(&p, 119)->len, 315);

	/* A rollback from the fields leaves them zero. */
	dhcp_build_init(&b, out, 300, &fixed);
	/* options room 59: the first 255-byte piece fits nowhere */
	assert_int_equal(dhcp_build_opt(&b, 119, d, 256), -IK_ETRUNC);
	assert_int_equal(dhcp_build_finish(&b), 300);
	assert_int_equal(parse(out, 300, a, &p), 0);
	assert_int_equal(p.n_opts, 0);
	for (size_t i = 0; i < DHCP_FILE_LEN; i++)
		assert_int_equal(p.file[i], 0);
}

static void
test_build_split_fields(void **state)
{
	struct arena *a = *state;
	struct dhcp_builder b;
	struct dhcp_packet fixed, p;
	uint8_t out[1500], d[600];

	memset(&fixed, 0, sizeof(fixed));
	fixed.op = DHCP_OP_REPLY;
	memset(d, 'q', sizeof(d));
	/* cap 501: options room 260, one 255-byte piece; the last piece
	 * goes to file (room 127) or sname (room 63). */
	dhcp_build_init(&b, out, 501, &fixed);
	assert_int_equal(dhcp_build_opt(&b, 77, d, 255 + 126), -IK_ETRUNC);
	assert_int_equal(b.overload, 0);
	assert_int_equal(dhcp_build_opt(&b, 77, d, 255 + 125), 0);
	assert_int_equal(b.overload, DHCP_OVERLOAD_FILE);
	assert_int_equal(dhcp_build_finish(&b), 501);
	assert_int_equal(parse(out, 501, a, &p), 0);
	assert_int_equal(dhcp_opt_find(&p, 77)->len, 380);

	/* A boot file name: the piece goes to sname. */
	fixed.file[0] = 'f';
	dhcp_build_init(&b, out, 501, &fixed);
	assert_int_equal(dhcp_build_opt(&b, 77, d, 255 + 62), -IK_ETRUNC);
	assert_int_equal(dhcp_build_opt(&b, 77, d, 255 + 61), 0);
	assert_int_equal(b.overload, DHCP_OVERLOAD_SNAME);
	assert_int_equal(dhcp_build_finish(&b), 501);
	assert_int_equal(parse(out, 501, a, &p), 0);
	assert_int_equal(dhcp_opt_find(&p, 77)->len, 316);
	assert_int_equal(p.file[0], 'f');
	assert_int_equal(p.overload, DHCP_OVERLOAD_SNAME);
}

static void
test_prl_order(void **state)
{
	struct arena *a = *state;
	struct dhcp_builder b;
	struct dhcp_packet fixed, req;
	struct pkt k;
	uint8_t out[600], codes[64];
	static const uint8_t mask[4] = { 255, 255, 255, 0 };
	static const uint8_t gw[4] = { 192, 168, 1, 1 };
	static const uint8_t lease[4] = { 0, 1, 0x51, 0x80 };
	static const uint8_t name[] = "example.test";
	static const uint8_t big[250] = { 0 };
	const struct dhcp_opt opts[] = {
		{ 51, 4, lease }, { 1, 4, mask }, { 3, 4, gw }, { 6, 4, gw },
		{ 15, 12, name }, { 43, 250, big }, { 28, 4, mask },
	};

	/* dhclient asks 1 28 2 3 15 6 119 12 44 47 26 121 42. */
	MK(&k, discover);
	assert_int_equal(parse(k.b, k.len, a, &req), 0);
	const struct dhcp_opt *prl = dhcp_opt_find(&req, 55);
	memset(&fixed, 0, sizeof(fixed));
	fixed.op = DHCP_OP_REPLY;
	fixed.sname[0] = 'x';	/* no overload */
	fixed.file[0] = 'x';
	dhcp_build_init(&b, out, dhcp_reply_cap(&req, sizeof(out)), &fixed);
	assert_int_equal(dhcp_build_u8(&b, 53, DHCP_OFFER), 0);
	assert_int_equal(dhcp_build_opts(&b, opts, 7, prl->data, prl->len),
	    0);
	ssize_t n = dhcp_build_finish(&b);
	assert_int_equal(wire_codes(out, (size_t)n, codes), 8);
	static const uint8_t want[] = { 53, 1, 28, 3, 15, 6, 51, 43 };
	assert_memory_equal(codes, want, sizeof(want));

	/* A small max size drops the least wanted: 43 (not asked). */
	dhcp_build_init(&b, out, 400, &fixed);
	assert_int_equal(dhcp_build_opts(&b, opts, 7, prl->data, prl->len),
	    1);
	n = dhcp_build_finish(&b);
	assert_int_equal(wire_codes(out, (size_t)n, codes), 6);
	assert_int_equal(codes[0], 1);
	assert_int_equal(codes[5], 51);

	/* A repeated code in the request list counts once. */
	static const uint8_t dup[] = { 3, 3, 1 };
	dhcp_build_init(&b, out, 600, &fixed);
	assert_int_equal(dhcp_build_opts(&b, opts, 3, dup, 3), 0);
	n = dhcp_build_finish(&b);
	assert_int_equal(wire_codes(out, (size_t)n, codes), 3);
	assert_int_equal(codes[0], 3);
	assert_int_equal(codes[1], 1);
	assert_int_equal(codes[2], 51);
}

static void
test_reply_cap(void **state)
{
	struct arena *a = *state;
	struct dhcp_packet p;
	struct pkt k;
	static const uint8_t small[] = { 53, 1, 1, 57, 2, 0x01, 0x2c, 255 };
	static const uint8_t bad[] = { 53, 1, 1, 57, 1, 0xff, 255 };

	MK(&k, discover);
	assert_int_equal(parse(k.b, k.len, a, &p), 0);
	assert_int_equal(dhcp_reply_cap(&p, 4096), 548);
	assert_int_equal(dhcp_reply_cap(&p, 400), 400);
	MK(&k, request_relay);	/* asks 1500 */
	assert_int_equal(parse(k.b, k.len, a, &p), 0);
	assert_int_equal(dhcp_reply_cap(&p, 4096), 1472);
	assert_int_equal(dhcp_reply_cap(&p, 1000), 1000);
	mk_raw(&k, small, sizeof(small));	/* 300: below 576, ignored */
	assert_int_equal(parse(k.b, k.len, a, &p), 0);
	assert_int_equal(dhcp_reply_cap(&p, 4096), 548);
	mk_raw(&k, bad, sizeof(bad));
	assert_int_equal(parse(k.b, k.len, a, &p), 0);
	assert_int_equal(dhcp_reply_cap(&p, 4096), 548);
}

static void
test_enomem(void **state)
{
	struct dhcp_packet p;
	struct pkt k;
	(void)state;

	/* The arena refuses: a clean -ENOMEM, whatever the allocation. */
	MK(&k, offer);
	for (size_t lim = 1; lim < 4096; lim *= 2) {
		struct arena *small = arena_new_limited(256, lim);
		assert_non_null(small);
		/* fill the first block so the limit bites */
		while (arena_alloc(small, 64) != NULL)
			;
		assert_int_equal(parse(k.b, k.len, small, &p), -ENOMEM);
		arena_free(&small);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_discover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_offer_request_inform,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_bootp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cut_every_byte, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_length_past_end, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_missing_end_and_trailer,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_pad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_fields, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_overload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overload_bad, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_long_option_concat, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round_trip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_equal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_build_split, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_build_max_size_overload,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_build_long_rollback, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_build_split_fields,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_prl_order, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reply_cap, setup,
		    teardown),
		cmocka_unit_test(test_enomem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
