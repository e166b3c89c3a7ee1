/* fuzz/dhcp_packet.c - DHCP message codec: whatever parses must rebuild
 * and re-parse equal, with room for every option and again within 548
 * bytes (overload; -IK_ETRUNC allowed there). Every option's bytes also
 * go through the 82/121/119 value codecs: what parses must rebuild (119
 * re-parse equal). Seeds in fuzz/corpus/dhcp_packet/: a dhclient
 * DISCOVER, an OFFER, a relayed REQUEST with option 82, an INFORM, BOOTP
 * with and without the cookie, an overloaded ACK, an ACK with a split
 * option, 121 and 119. */
#include <stdint.h>
#include <stdlib.h>

#include "core/arena.h"
#include "dhcp/options.h"
#include "dhcp/packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

/* The value codecs on every option; results only checked for sanity. */
static void
values(const struct dhcp_packet *p)
{
	struct dhcp_relay_info ri;
	struct dhcp_route rt[8];
	struct dns_name names[4];
	static uint8_t out[4096];

	for (size_t i = 0; i < p->n_opts; i++) {
		const struct dhcp_opt *o = &p->opts[i];

		if (dhcp_relay_parse(o->data, o->len, &ri) == 0 &&
		    dhcp_relay_build(&ri, out, sizeof(out)) < 0)
			abort();
		int n = dhcp_routes_parse(o->data, o->len, rt, 8);
		if (n > 0 && n <= 8 && dhcp_routes_build(rt, (size_t)n, out,
		    sizeof(out)) < 0)
			abort();
		n = dhcp_search_parse(o->data, o->len, names, 4);
		if (n > 0 && n <= 4) {
			struct dns_name again[4];
			ssize_t m = dhcp_search_build(names, (size_t)n, out,
			    sizeof(out));
			if (m < 0 || dhcp_search_parse(out, (size_t)m, again,
			    4) != n)
				abort();
			for (int k = 0; k < n; k++)
				if (!dns_name_equal(&names[k], &again[k]))
					abort();
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct arena *a = arena_new(8192);
	struct dhcp_packet m1, m2;
	static uint8_t buf[65536];

	if (a != NULL && dhcp_packet_parse(data, len, a, &m1) == 0) {
		ssize_t n = dhcp_packet_build(&m1, buf, sizeof(buf));
		if (n < 0 || dhcp_packet_parse(buf, (size_t)n, a, &m2) != 0 ||
		    !dhcp_packet_equal(&m1, &m2))
			abort();
		/* Again at the default reply size, where overload and
		 * splitting across the fields come in; not fitting is fine. */
		n = dhcp_packet_build(&m1, buf, DHCP_MSG_DEFAULT -
		    DHCP_IPUDP_HDR);
		if (n >= 0 && (dhcp_packet_parse(buf, (size_t)n, a, &m2) != 0 ||
		    !dhcp_packet_equal(&m1, &m2)))
			abort();
		values(&m1);
	}
	arena_free(&a);
	return 0;
}
