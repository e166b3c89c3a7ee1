/* fuzz/dhcp_journal.c - the lease journal's line codec. The input is
 * tried as one line and, as replay reads a file, line by line. A line
 * that parses must format again (within DHCP_JOURNAL_LINE_MAX, ending in
 * its only newline) and parse back to the same record; formatting that
 * record once more gives the same text. Seeds in fuzz/corpus/
 * dhcp_journal/: a compacted journal (bound, released, expired,
 * declined), records with a client id only, a 16-byte hardware address,
 * the longest fields, a damaged checksum and a torn last line. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp/journal.h"
#include "dhcp/leases.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static bool
same(const struct dhcp_lease *a, const struct dhcp_lease *b)
{
	if (a->addr != b->addr || a->state != b->state ||
	    a->start != b->start || a->ends != b->ends ||
	    a->has_owner != b->has_owner ||
	    strcmp(a->hostname, b->hostname) != 0)
		return false;
	if (!a->has_owner)
		return true;
	return a->owner.htype == b->owner.htype &&
	    a->owner.hlen == b->owner.hlen &&
	    memcmp(a->owner.chaddr, b->owner.chaddr, a->owner.hlen) == 0 &&
	    a->owner.cid_len == b->owner.cid_len &&
	    memcmp(a->owner.cid, b->owner.cid, a->owner.cid_len) == 0;
}

static void
one(const char *line, size_t len)
{
	static char buf[DHCP_JOURNAL_LINE_MAX], again[DHCP_JOURNAL_LINE_MAX];
	struct dhcp_lease l1, l2;

	if (dhcp_journal_parse(line, len, &l1) != 0)
		return;
	if (l1.state == DHCP_LEASE_OFFERED || l1.state > DHCP_LEASE_DECLINED ||
	    strlen(l1.hostname) > DHCP_HOSTNAME_MAX)
		abort();
	ssize_t n = dhcp_journal_format(&l1, buf, sizeof(buf));
	if (n <= 0 || (size_t)n >= sizeof(buf) || buf[n - 1] != '\n' ||
	    memchr(buf, '\n', (size_t)n - 1) != NULL ||
	    memchr(buf, '\0', (size_t)n) != NULL)
		abort();
	if (dhcp_journal_parse(buf, (size_t)n - 1, &l2) != 0 || !same(&l1, &l2))
		abort();
	ssize_t m = dhcp_journal_format(&l2, again, sizeof(again));
	if (m != n || memcmp(buf, again, (size_t)n) != 0)
		abort();
}

/* CRC-32 (IEEE), as the journal computes it. */
static uint32_t
crc32(const char *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		c ^= (uint8_t)p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
	}
	return ~c;
}

static void
line_both_ways(const char *line, size_t len)
{
	static char fixed[DHCP_JOURNAL_LINE_MAX + 1];
	static const char hex[] = "0123456789abcdef";

	one(line, len);
	if (len < 9 || len > DHCP_JOURNAL_LINE_MAX)
		return;
	memcpy(fixed, line, len);
	uint32_t crc = crc32(line, len - 9);
	for (int k = 0; k < 8; k++)
		fixed[len - 8 + (size_t)k] = hex[(crc >> (28 - 4 * k)) & 15];
	one(fixed, len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const char *s = (const char *)data;

	line_both_ways(s, len);
	for (size_t i = 0; i < len; ) {
		const char *nl = memchr(s + i, '\n', len - i);
		size_t end = nl != NULL ? (size_t)(nl - s) : len;
		line_both_ways(s + i, end - i);
		i = end + 1;
	}
	return 0;
}
