/* tests/unit/dhcp/test_leases.c - the lease table: records found by
 * address and by client (client id, else htype + chaddr), the owner index
 * kept right when owners change, growth well past the first 1024
 * buckets, which records may be given to whom at a given time, the
 * dirty list for the journal, and client identities from packets (long
 * client ids kept apart by their hash). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "dhcp/leases.h"
#include "dhcp/options.h"
#include "dhcp/packet.h"

#define IP(a, b, c, d)	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
			    (uint32_t)(c) << 8 | (uint32_t)(d))
#define NOW		1700000000

/* A client known by its Ethernet address 52:54:00:00:hi:lo. */
static struct dhcp_client
mac_client(uint16_t n)
{
	struct dhcp_client c;

	memset(&c, 0, sizeof(c));
	c.htype = DHCP_HTYPE_ETHER;
	c.hlen = 6;
	c.chaddr[0] = 0x52;
	c.chaddr[1] = 0x54;
	c.chaddr[4] = (uint8_t)(n >> 8);
	c.chaddr[5] = (uint8_t)n;
	return c;
}

/* The same hardware, known by a client identifier too. */
static struct dhcp_client
cid_client(uint16_t n, const char *id)
{
	struct dhcp_client c = mac_client(n);

	c.cid_len = (uint8_t)strlen(id);
	memcpy(c.cid, id, c.cid_len);
	return c;
}

static bool
in_net77(uint32_t addr, const void *arg)
{
	(void)arg;
	return (addr & 0xffffff00u) == IP(10, 77, 0, 0);
}

static bool
in_net(uint32_t addr, const void *arg)
{
	const uint32_t *net = arg;

	return (addr & 0xffffff00u) == *net;
}

static void
test_get_creates_once(void **state)
{
	struct dhcp_leases *t = dhcp_leases_new();
	(void)state;

	assert_non_null(t);
	assert_null(dhcp_leases_by_addr(t, IP(10, 77, 0, 100)));
	assert_int_equal(dhcp_leases_count(t), 0);

	struct dhcp_lease *l = dhcp_leases_get(t, IP(10, 77, 0, 100));
	assert_non_null(l);
	assert_int_equal(l->addr, IP(10, 77, 0, 100));
	assert_int_equal(l->state, DHCP_LEASE_EXPIRED);
	assert_false(l->has_owner);
	assert_int_equal(l->ends, 0);
	assert_int_equal(l->probed_at, 0);
	assert_string_equal(l->hostname, "");
	assert_ptr_equal(dhcp_leases_get(t, IP(10, 77, 0, 100)), l);
	assert_ptr_equal(dhcp_leases_by_addr(t, IP(10, 77, 0, 100)), l);
	assert_int_equal(dhcp_leases_count(t), 1);
	/* Addresses that share low bits land apart. */
	assert_null(dhcp_leases_by_addr(t, IP(10, 78, 0, 100)));
	assert_null(dhcp_leases_by_addr(t, IP(10, 77, 0, 101)));
	/* A fresh record is not dirty until touched. */
	assert_null(dhcp_leases_take_dirty(t));
	dhcp_leases_free(&t);
	assert_null(t);
	dhcp_leases_free(&t);
}

static void
test_by_client(void **state)
{
	struct dhcp_leases *t = dhcp_leases_new();
	struct dhcp_client a = mac_client(1), b = mac_client(2);
	uint32_t net88 = IP(10, 88, 0, 0);
	(void)state;

	struct dhcp_lease *la = dhcp_leases_get(t, IP(10, 77, 0, 100));
	struct dhcp_lease *la88 = dhcp_leases_get(t, IP(10, 88, 0, 7));
	dhcp_lease_set_owner(t, la, &a);
	dhcp_lease_set_owner(t, la88, &a);
	la->state = DHCP_LEASE_BOUND;
	la->ends = NOW + 100;
	la88->state = DHCP_LEASE_RELEASED;

	assert_ptr_equal(dhcp_leases_by_client(t, &a, in_net77, NULL), la);
	assert_ptr_equal(dhcp_leases_by_client(t, &a, in_net, &net88), la88);
	assert_null(dhcp_leases_by_client(t, &b, NULL, NULL));
	assert_null(dhcp_leases_by_client(t, &b, in_net77, NULL));
	/* Without a filter: bound beats released. */
	assert_ptr_equal(dhcp_leases_by_client(t, &a, NULL, NULL), la);

	/* Among records that are all not bound: the latest end. */
	struct dhcp_lease *old = dhcp_leases_get(t, IP(10, 77, 0, 101));
	dhcp_lease_set_owner(t, old, &a);
	old->state = DHCP_LEASE_RELEASED;
	old->ends = NOW - 500;
	la->state = DHCP_LEASE_EXPIRED;
	la->ends = NOW - 10;
	assert_ptr_equal(dhcp_leases_by_client(t, &a, in_net77, NULL), la);
	old->ends = NOW - 1;
	assert_ptr_equal(dhcp_leases_by_client(t, &a, in_net77, NULL), old);
	/* A bound record wins even with an earlier end. */
	la->state = DHCP_LEASE_BOUND;
	assert_ptr_equal(dhcp_leases_by_client(t, &a, in_net77, NULL), la);
	dhcp_leases_free(&t);
}

/* A client id, when sent, is the identity (RFC 2131 4.2): the same
 * hardware with and without one are different clients; two ids on the
 * same hardware too. */
static void
test_identity_rules(void **state)
{
	struct dhcp_leases *t = dhcp_leases_new();
	struct dhcp_client hw = mac_client(5);
	struct dhcp_client id1 = cid_client(5, "\x01" "one");
	struct dhcp_client id2 = cid_client(5, "\x01" "two");
	struct dhcp_client id1_other_hw = cid_client(6, "\x01" "one");
	(void)state;

	assert_true(dhcp_client_same(&hw, &hw));
	assert_false(dhcp_client_same(&hw, &id1));
	assert_false(dhcp_client_same(&id1, &hw));
	assert_false(dhcp_client_same(&id1, &id2));
	assert_true(dhcp_client_same(&id1, &id1_other_hw));
	struct dhcp_client other_type = hw;
	other_type.htype = 6;
	assert_false(dhcp_client_same(&hw, &other_type));
	struct dhcp_client short_hw = hw;
	short_hw.hlen = 5;
	assert_false(dhcp_client_same(&hw, &short_hw));

	struct dhcp_lease *l = dhcp_leases_get(t, IP(10, 77, 0, 9));
	dhcp_lease_set_owner(t, l, &id1);
	assert_null(dhcp_leases_by_client(t, &hw, NULL, NULL));
	assert_null(dhcp_leases_by_client(t, &id2, NULL, NULL));
	assert_ptr_equal(dhcp_leases_by_client(t, &id1_other_hw, NULL, NULL),
	    l);
	dhcp_leases_free(&t);
}

static void
test_owner_reindex(void **state)
{
	struct dhcp_leases *t = dhcp_leases_new();
	struct dhcp_client a = mac_client(1), b = cid_client(2, "\x01" "b");
	(void)state;

	/* Several records in the table so chains are not trivial. */
	for (uint32_t i = 0; i < 50; i++) {
		struct dhcp_client o = mac_client((uint16_t)(100 + i));
		dhcp_lease_set_owner(t, dhcp_leases_get(t, IP(10, 77, 1, i)),
		    &o);
	}
	struct dhcp_lease *l = dhcp_leases_get(t, IP(10, 77, 0, 100));
	dhcp_lease_set_owner(t, l, &a);
	assert_true(l->has_owner);
	assert_true(dhcp_client_same(&l->owner, &a));
	assert_ptr_equal(dhcp_leases_by_client(t, &a, NULL, NULL), l);

	dhcp_lease_set_owner(t, l, &b);
	assert_null(dhcp_leases_by_client(t, &a, NULL, NULL));
	assert_ptr_equal(dhcp_leases_by_client(t, &b, NULL, NULL), l);

	/* Setting the owner it has (even from its own field) keeps it
	 * findable once. */
	dhcp_lease_set_owner(t, l, &l->owner);
	assert_ptr_equal(dhcp_leases_by_client(t, &b, NULL, NULL), l);
	dhcp_lease_set_owner(t, l, &b);
	dhcp_lease_set_owner(t, l, NULL);
	assert_false(l->has_owner);
	assert_int_equal(l->owner.hlen, 0);
	assert_int_equal(l->owner.cid_len, 0);
	assert_null(dhcp_leases_by_client(t, &b, NULL, NULL));
	assert_null(dhcp_leases_by_client(t, &a, NULL, NULL));
	dhcp_lease_set_owner(t, l, NULL);	/* twice: harmless */

	/* The others are unaffected. */
	for (uint32_t i = 0; i < 50; i++) {
		struct dhcp_client o = mac_client((uint16_t)(100 + i));
		struct dhcp_lease *x = dhcp_leases_by_client(t, &o, NULL,
		    NULL);
		assert_non_null(x);
		assert_int_equal(x->addr, IP(10, 77, 1, i));
	}
	/* Two records of one owner, one given away: the other stays. */
	struct dhcp_lease *l2 = dhcp_leases_get(t, IP(10, 77, 0, 101));
	dhcp_lease_set_owner(t, l, &a);
	dhcp_lease_set_owner(t, l2, &a);
	l->ends = NOW;
	l2->ends = NOW + 1;
	assert_ptr_equal(dhcp_leases_by_client(t, &a, NULL, NULL), l2);
	dhcp_lease_set_owner(t, l2, &b);
	assert_ptr_equal(dhcp_leases_by_client(t, &a, NULL, NULL), l);
	assert_ptr_equal(dhcp_leases_by_client(t, &b, NULL, NULL), l2);
	dhcp_leases_free(&t);
}

struct seen {
	uint8_t		*bits;
	size_t		 n, stop_after;
};

static int
mark(const struct dhcp_lease *l, void *arg)
{
	struct seen *s = arg;
	uint32_t i = l->addr - IP(10, 0, 0, 0);

	if (s->bits[i])
		return -1;	/* visited twice */
	s->bits[i] = 1;
	s->n++;
	return s->stop_after != 0 && s->n == s->stop_after ? 7 : 0;
}

/* Past 1024 records the tables double; every record must still be found
 * both ways, with owners set before and after the growth. */
static void
test_growth(void **state)
{
	enum { N = 5000 };
	struct dhcp_leases *t = dhcp_leases_new();
	(void)state;

	for (uint32_t i = 0; i < N; i++) {
		struct dhcp_lease *l = dhcp_leases_get(t, IP(10, 0, 0, 0) + i);
		assert_non_null(l);
		/* Every other record gets its owner now, the rest later. */
		if (i % 2 == 0) {
			struct dhcp_client c = mac_client((uint16_t)i);
			dhcp_lease_set_owner(t, l, &c);
		}
		if (i % 7 == 0)
			dhcp_lease_touch(t, l);
	}
	assert_int_equal(dhcp_leases_count(t), N);
	for (uint32_t i = 1; i < N; i += 2) {
		struct dhcp_client c = mac_client((uint16_t)i);
		dhcp_lease_set_owner(t, dhcp_leases_by_addr(t,
		    IP(10, 0, 0, 0) + i), &c);
	}
	for (uint32_t i = 0; i < N; i++) {
		struct dhcp_client c = mac_client((uint16_t)i);
		struct dhcp_lease *l = dhcp_leases_by_addr(t,
		    IP(10, 0, 0, 0) + i);
		assert_non_null(l);
		assert_int_equal(l->addr, IP(10, 0, 0, 0) + i);
		assert_ptr_equal(dhcp_leases_by_client(t, &c, NULL, NULL), l);
	}
	assert_null(dhcp_leases_by_addr(t, IP(10, 0, 0, 0) + N));
	assert_int_equal(dhcp_leases_count(t), N);

	/* The dirty list survived the growth. */
	size_t n_dirty = 0;
	for (struct dhcp_lease *l = dhcp_leases_take_dirty(t); l != NULL;
	    l = l->next_dirty) {
		assert_int_equal((l->addr - IP(10, 0, 0, 0)) % 7, 0);
		n_dirty++;
	}
	assert_int_equal(n_dirty, (N + 6) / 7);

	/* The walk visits each record once, and stops when asked. */
	struct seen s = { calloc(N, 1), 0, 0 };
	assert_non_null(s.bits);
	assert_int_equal(dhcp_leases_walk(t, mark, &s), 0);
	assert_int_equal(s.n, N);
	memset(s.bits, 0, N);
	s.n = 0;
	s.stop_after = 10;
	assert_int_equal(dhcp_leases_walk(t, mark, &s), 7);
	assert_int_equal(s.n, 10);
	free(s.bits);
	dhcp_leases_free(&t);
}

/* Who may be given a record at NOW, state by state. */
static void
test_available(void **state)
{
	static const struct {
		uint8_t	 st;
		bool	 owned;		/* by A */
		int64_t	 ends;		/* relative to NOW */
		bool	 for_a, for_b, for_null;
	} cases[] = {
		/* state, owned, ends, A, B, no client */
		{ DHCP_LEASE_OFFERED, true, 10, true, false, false },
		{ DHCP_LEASE_OFFERED, true, 0, true, true, true },
		{ DHCP_LEASE_OFFERED, true, -5, true, true, true },
		{ DHCP_LEASE_BOUND, true, 3600, true, false, false },
		{ DHCP_LEASE_BOUND, true, 1, true, false, false },
		{ DHCP_LEASE_BOUND, true, 0, true, true, true },
		{ DHCP_LEASE_BOUND, true, -3600, true, true, true },
		{ DHCP_LEASE_RELEASED, true, 3600, true, true, true },
		{ DHCP_LEASE_RELEASED, true, -1, true, true, true },
		{ DHCP_LEASE_EXPIRED, true, -1, true, true, true },
		{ DHCP_LEASE_EXPIRED, false, 0, true, true, true },
		/* Quarantine holds for everyone, the decliner too. */
		{ DHCP_LEASE_DECLINED, false, 3600, false, false, false },
		{ DHCP_LEASE_DECLINED, false, 1, false, false, false },
		{ DHCP_LEASE_DECLINED, false, 0, true, true, true },
		{ DHCP_LEASE_DECLINED, true, 10, false, false, false },
		{ DHCP_LEASE_BOUND, false, 10, false, false, false },
	};
	struct dhcp_leases *t = dhcp_leases_new();
	struct dhcp_client a = mac_client(1), b = mac_client(2);
	(void)state;

	assert_true(dhcp_lease_available(NULL, &a, NOW));
	assert_true(dhcp_lease_available(NULL, NULL, NOW));
	struct dhcp_lease *l = dhcp_leases_get(t, IP(10, 77, 0, 100));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		dhcp_lease_set_owner(t, l, cases[i].owned ? &a : NULL);
		l->state = cases[i].st;
		l->ends = NOW + cases[i].ends;
		if (dhcp_lease_available(l, &a, NOW) != cases[i].for_a ||
		    dhcp_lease_available(l, &b, NOW) != cases[i].for_b ||
		    dhcp_lease_available(l, NULL, NOW) != cases[i].for_null)
			fail_msg("case %zu: %s owned=%d ends=%+lld", i,
			    dhcp_lease_state_name(cases[i].st), cases[i].owned,
			    (long long)cases[i].ends);
	}
	dhcp_leases_free(&t);
}

static void
test_state_at(void **state)
{
	struct dhcp_lease l;
	(void)state;

	memset(&l, 0, sizeof(l));
	l.ends = NOW;
	l.state = DHCP_LEASE_BOUND;
	assert_int_equal(dhcp_lease_state_at(&l, NOW - 1), DHCP_LEASE_BOUND);
	assert_int_equal(dhcp_lease_state_at(&l, NOW), DHCP_LEASE_EXPIRED);
	l.state = DHCP_LEASE_OFFERED;
	assert_int_equal(dhcp_lease_state_at(&l, NOW - 1), DHCP_LEASE_OFFERED);
	assert_int_equal(dhcp_lease_state_at(&l, NOW + 1), DHCP_LEASE_EXPIRED);
	l.state = DHCP_LEASE_DECLINED;
	assert_int_equal(dhcp_lease_state_at(&l, NOW + 1),
	    DHCP_LEASE_DECLINED);
	l.state = DHCP_LEASE_RELEASED;
	assert_int_equal(dhcp_lease_state_at(&l, NOW - 1),
	    DHCP_LEASE_RELEASED);

	assert_string_equal(dhcp_lease_state_name(DHCP_LEASE_OFFERED),
	    "offered");
	assert_string_equal(dhcp_lease_state_name(DHCP_LEASE_BOUND), "bound");
	assert_string_equal(dhcp_lease_state_name(DHCP_LEASE_RELEASED),
	    "released");
	assert_string_equal(dhcp_lease_state_name(DHCP_LEASE_EXPIRED),
	    "expired");
	assert_string_equal(dhcp_lease_state_name(DHCP_LEASE_DECLINED),
	    "declined");
	assert_string_equal(dhcp_lease_state_name((enum dhcp_lease_state)9),
	    "unknown");
}

static void
test_dirty_list(void **state)
{
	struct dhcp_leases *t = dhcp_leases_new();
	(void)state;

	struct dhcp_lease *a = dhcp_leases_get(t, IP(10, 77, 0, 1));
	struct dhcp_lease *b = dhcp_leases_get(t, IP(10, 77, 0, 2));
	struct dhcp_lease *c = dhcp_leases_get(t, IP(10, 77, 0, 3));
	assert_null(dhcp_leases_take_dirty(t));
	dhcp_lease_touch(t, a);
	dhcp_lease_touch(t, c);
	dhcp_lease_touch(t, a);		/* once on the list */

	bool seen_a = false, seen_c = false;
	size_t n = 0;
	for (struct dhcp_lease *l = dhcp_leases_take_dirty(t); l != NULL;
	    l = l->next_dirty, n++) {
		seen_a |= l == a;
		seen_c |= l == c;
		assert_ptr_not_equal(l, b);
	}
	assert_int_equal(n, 2);
	assert_true(seen_a && seen_c);
	assert_null(dhcp_leases_take_dirty(t));

	/* Taken records can be marked again. */
	dhcp_lease_touch(t, c);
	struct dhcp_lease *l = dhcp_leases_take_dirty(t);
	assert_ptr_equal(l, c);
	assert_null(l->next_dirty);
	assert_null(dhcp_leases_take_dirty(t));
	dhcp_leases_free(&t);
}

/* A packet with only option 61 (if any). */
static void
pkt_with_cid(struct dhcp_packet *p, struct dhcp_opt *o, const uint8_t *cid,
    size_t len, uint8_t last)
{
	memset(p, 0, sizeof(*p));
	p->op = DHCP_OP_REQUEST;
	p->htype = DHCP_HTYPE_ETHER;
	p->hlen = 6;
	p->chaddr[0] = 0x52;
	p->chaddr[5] = last;
	p->chaddr[6] = 0xee;	/* past hlen: not part of the identity */
	p->has_cookie = true;
	p->msg_type = DHCP_DISCOVER;
	if (cid != NULL) {
		*o = (struct dhcp_opt){ DHCP_OPT_CLIENT_ID, len, cid };
		p->opts = o;
		p->n_opts = 1;
	}
}

static void
test_client_from_packet(void **state)
{
	struct dhcp_packet p;
	struct dhcp_opt o;
	struct dhcp_client c1, c2;
	uint8_t id[200];
	(void)state;

	pkt_with_cid(&p, &o, NULL, 0, 7);
	dhcp_client_from_packet(&p, &c1);
	assert_int_equal(c1.htype, DHCP_HTYPE_ETHER);
	assert_int_equal(c1.hlen, 6);
	assert_int_equal(c1.chaddr[5], 7);
	assert_int_equal(c1.chaddr[6], 0);
	assert_int_equal(c1.cid_len, 0);
	struct dhcp_client m = mac_client(7);
	m.chaddr[1] = 0;
	assert_true(dhcp_client_same(&c1, &m));

	static const uint8_t short_id[] = { 1, 0x52, 0, 0, 0, 0, 7 };
	pkt_with_cid(&p, &o, short_id, sizeof(short_id), 7);
	dhcp_client_from_packet(&p, &c1);
	assert_int_equal(c1.cid_len, sizeof(short_id));
	assert_memory_equal(c1.cid, short_id, sizeof(short_id));
	assert_int_equal(c1.hlen, 6);

	/* Exactly DHCP_CID_MAX bytes is kept as it is. */
	for (size_t i = 0; i < sizeof(id); i++)
		id[i] = (uint8_t)i;
	pkt_with_cid(&p, &o, id, DHCP_CID_MAX, 1);
	dhcp_client_from_packet(&p, &c1);
	assert_int_equal(c1.cid_len, DHCP_CID_MAX);
	assert_memory_equal(c1.cid, id, DHCP_CID_MAX);

	/* Longer ids: a prefix and a hash; two ids that differ only past
	 * the prefix stay apart, the same id maps the same. */
	pkt_with_cid(&p, &o, id, 150, 1);
	dhcp_client_from_packet(&p, &c1);
	assert_int_equal(c1.cid_len, DHCP_CID_MAX);
	assert_memory_equal(c1.cid, id, DHCP_CID_MAX - 8);
	dhcp_client_from_packet(&p, &c2);
	assert_true(dhcp_client_same(&c1, &c2));
	id[149] ^= 1;
	dhcp_client_from_packet(&p, &c2);
	assert_false(dhcp_client_same(&c1, &c2));
	id[149] ^= 1;
	pkt_with_cid(&p, &o, id, 151, 1);
	dhcp_client_from_packet(&p, &c2);
	assert_false(dhcp_client_same(&c1, &c2));
	/* ... and differ from the 64-byte id with that prefix. */
	pkt_with_cid(&p, &o, id, DHCP_CID_MAX, 1);
	dhcp_client_from_packet(&p, &c2);
	assert_false(dhcp_client_same(&c1, &c2));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_creates_once),
		cmocka_unit_test(test_by_client),
		cmocka_unit_test(test_identity_rules),
		cmocka_unit_test(test_owner_reindex),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_available),
		cmocka_unit_test(test_state_at),
		cmocka_unit_test(test_dirty_list),
		cmocka_unit_test(test_client_from_packet),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
