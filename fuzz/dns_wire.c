/* fuzz/dns_wire.c - DNS message codec: whatever parses must rebuild and
 * re-parse equal (a build that outgrows DNS_MSG_MAX, which a message
 * leaning on compression into other types' RDATA can, is no failure).
 * Seeds in fuzz/corpus/dns_wire/: real queries and responses. */
#include <stdint.h>
#include <stdlib.h>

#include "core/arena.h"
#include "dns/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct arena *a = arena_new(8192);
	struct dns_msg m1, m2;
	static uint8_t buf[DNS_MSG_MAX];

	if (a != NULL && dns_msg_parse(data, len, a, &m1) == 0) {
		ssize_t n = dns_msg_build(&m1, buf, sizeof(buf));
		if (n >= 0 && (dns_msg_parse(buf, (size_t)n, a, &m2) != 0 ||
		    !dns_msg_equal(&m1, &m2)))
			abort();
	}
	arena_free(&a);
	return 0;
}
