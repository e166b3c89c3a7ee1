/* fuzz/dns_zone.c - master-file parser: every record the callback gets
 * has an absolute, well-formed owner, class IN, a TTL within RFC 2181 8,
 * RDATA that dns_rdata_parse takes back unchanged, a text form, and that
 * text parses again to the same bytes. $INCLUDE is refused in text mode,
 * so no file is touched. Seeds in fuzz/corpus/dns_zone/. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/cfg.h"
#include "dns/name.h"
#include "dns/rr.h"
#include "dns/zone.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

/* Text forms longer than this would hit the parser's record cap. */
#define RETEXT_MAX	60000

struct again {
	const struct dns_rr	*rr;	/* what the re-read must equal */
	int			 n;
};

static struct arena *fz_arena;
static char fz_text[1 << 19];	/* any RDATA's text form fits */

static void
check_name(const struct dns_name *n)
{
	size_t p = 0;
	unsigned labels = 0;

	if (n->len < 1)
		abort();
	while (p < n->len && n->wire[p] != 0) {
		if (n->wire[p] > DNS_LABEL_MAX)
			abort();
		p += 1u + n->wire[p];
		labels++;
	}
	if (p != (size_t)n->len - 1u || n->wire[p] != 0 ||
	    labels != n->n_labels)
		abort();		/* not absolute, or lengths disagree */
}

static int
compare(void *arg, const struct dns_rr *rr)
{
	struct again *ag = arg;

	if (ag->n++ != 0 || !dns_name_equal(&rr->name, &ag->rr->name) ||
	    rr->type != ag->rr->type || rr->ttl != ag->rr->ttl ||
	    rr->rdlen != ag->rr->rdlen ||
	    memcmp(rr->rdata, ag->rr->rdata, rr->rdlen) != 0)
		abort();
	return 0;
}

static int
check_rr(void *arg, const struct dns_rr *rr)
{
	const uint8_t *rd;
	uint16_t rdlen;
	int n;

	check_name(&rr->name);
	if (rr->class != DNS_C_IN || rr->ttl > 0x7fffffffu ||
	    (rr->rdlen > 0 && rr->rdata == NULL) ||
	    dns_type_is_meta(rr->type))
		abort();
	/* The stored form must be valid wire RDATA of its type. */
	arena_reset(fz_arena);
	if (dns_rdata_parse(rr->type, rr->rdata, rr->rdlen, 0, rr->rdlen,
	    fz_arena, &rd, &rdlen) != 0 || rdlen != rr->rdlen ||
	    memcmp(rd, rr->rdata, rdlen) != 0)
		abort();
	if (dns_rdata_to_text(rr->type, rr->rdata, rr->rdlen, fz_text,
	    sizeof(fz_text)) < 0 ||
	    (n = dns_rr_to_text(rr, fz_text, sizeof(fz_text))) < 0)
		abort();
	/* Round trip: "owner ttl IN TYPE rdata" reads back the same. */
	if (n <= RETEXT_MAX) {
		struct again ag = { rr, 0 };
		struct cfg_errs e = { 0 };
		struct zone_parse p = { .add = compare, .arg = &ag,
		    .errs = &e, .max_errors = 1 };
		if (dns_zone_parse_text(fz_text, (size_t)n, "again", &p) != 0 ||
		    ag.n != 1)
			abort();
		cfg_errs_clear(&e);
	}
	(void)arg;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct dns_name origin;
	struct cfg_errs e = { 0 };
	struct zone_parse p = { .origin = &origin, .add = check_rr,
	    .errs = &e, .max_errors = 20 };

	if (fz_arena == NULL && (fz_arena = arena_new(1 << 17)) == NULL)
		return 0;
	if (dns_name_from_text("example.test.", 13, NULL, &origin) != 0)
		abort();
	(void)dns_zone_parse_text((const char *)data, len, "fuzz", &p);
	cfg_errs_clear(&e);
	return 0;
}
