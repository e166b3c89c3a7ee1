/* dns/zonedb.c - building and indexing zones in memory. Records are
 * collected flat while a zone file is read, then sorted once into nodes
 * and RRsets (so loading is O(n log n) with no per-record index upkeep),
 * checked, and hashed by owner. Lookups never allocate. */
#include "dns/zonedb.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/cfg.h"
#include "core/err.h"

struct zrec {
	const char	*file;		/* interned in the zone's arena */
	int		 line;
	const uint8_t	*owner;
	uint32_t	 hash;
	uint32_t	 ttl;
	uint16_t	 type;
	uint16_t	 rdlen;
	uint8_t		 owner_len, n_labels;
	const uint8_t	*rdata;
};

static inline uint8_t
lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

/* FNV-1a over the lowered wire form. */
static uint32_t
wire_hash(const uint8_t *w, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++) {
		h ^= lower(w[i]);
		h *= 16777619u;
	}
	return h;
}

static bool
wire_eq(const uint8_t *a, const uint8_t *b, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (lower(a[i]) != lower(b[i]))
			return false;
	return true;
}

static int
wire_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;

	for (size_t i = 0; i < n; i++) {
		int d = (int)lower(a[i]) - (int)lower(b[i]);
		if (d != 0)
			return d;
	}
	return (int)alen - (int)blen;
}

struct zone *
zone_new(const struct dns_name *apex)
{
	struct zone *z = calloc(1, sizeof(*z));

	if (z == NULL)
		return NULL;
	if ((z->mem = arena_new(64 * 1024)) == NULL) {
		free(z);
		return NULL;
	}
	z->apex = *apex;
	return z;
}

void
zone_set_pos(struct zone *z, const char *file, int line)
{
	/* Intern: many records share one file name. */
	if (file != NULL && (z->pos_file == NULL ||
	    strcmp(z->pos_file, file) != 0))
		z->pos_file = arena_dup(z->mem, file, strlen(file));
	z->pos_line = line;
}

int
zone_add(struct zone *z, const struct dns_rr *rr, const char **why)
{
	if (rr->class != DNS_C_IN) {
		*why = "only class IN is served";
		return -IK_EPARSE;
	}
	if (dns_type_is_meta(rr->type)) {
		*why = "this type cannot appear in zone data";
		return -IK_EPARSE;
	}
	if (!dns_name_is_sub(&rr->name, &z->apex)) {
		*why = "owner is outside the zone";
		return -IK_EPARSE;
	}
	if (z->n_recs == z->cap_recs) {
		size_t cap = z->cap_recs ? z->cap_recs * 2 : 1024;
		struct zrec *v = realloc(z->recs, cap * sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		z->recs = v;
		z->cap_recs = cap;
	}
	struct zrec *r = &z->recs[z->n_recs];
	r->file = z->pos_file;
	r->line = z->pos_line;
	/* Consecutive records usually share an owner: share its bytes. */
	if (z->n_recs > 0 && z->recs[z->n_recs - 1].owner_len ==
	    rr->name.len && memcmp(z->recs[z->n_recs - 1].owner,
	    rr->name.wire, rr->name.len) == 0) {
		r->owner = z->recs[z->n_recs - 1].owner;
		r->hash = z->recs[z->n_recs - 1].hash;
	} else {
		if ((r->owner = arena_dup(z->mem, rr->name.wire,
		    rr->name.len)) == NULL)
			return -ENOMEM;
		r->hash = wire_hash(rr->name.wire, rr->name.len);
	}
	r->owner_len = rr->name.len;
	r->n_labels = rr->name.n_labels;
	r->type = rr->type;
	r->ttl = rr->ttl;
	r->rdlen = rr->rdlen;
	if ((r->rdata = arena_dup(z->mem, rr->rdata, rr->rdlen)) == NULL)
		return -ENOMEM;
	z->n_recs++;
	return 0;
}

static int
rec_cmp(const void *pa, const void *pb)
{
	const struct zrec *a = pa, *b = pb;

	if (a->hash != b->hash)
		return a->hash < b->hash ? -1 : 1;
	int d = wire_cmp(a->owner, a->owner_len, b->owner, b->owner_len);
	if (d != 0)
		return d;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	if (a->rdlen != b->rdlen)
		return a->rdlen < b->rdlen ? -1 : 1;
	return memcmp(a->rdata, b->rdata, a->rdlen);
}

static bool
same_owner(const struct zrec *a, const struct zrec *b)
{
	return a->hash == b->hash && a->owner_len == b->owner_len &&
	    wire_eq(a->owner, b->owner, a->owner_len);
}

static struct znode *
node_lookup(const struct zone *z, const uint8_t *w, size_t len, uint32_t h)
{
	for (struct znode *n = z->buckets[h & z->mask]; n != NULL;
	    n = n->hnext)
		if (n->hash == h && n->owner_len == len &&
		    wire_eq(n->owner, w, len))
			return n;
	return NULL;
}

static void
node_insert(struct zone *z, struct znode *n)
{
	struct znode **b = &z->buckets[n->hash & z->mask];

	n->hnext = *b;
	*b = n;
	z->n_nodes++;
}

void
znode_name(const struct znode *n, struct dns_name *out)
{
	out->len = n->owner_len;
	out->n_labels = n->n_labels;
	memcpy(out->wire, n->owner, n->owner_len);
}

/* Groups the sorted records into nodes and RRsets. */
static int
build_nodes(struct zone *z, struct znode **nodes_out, size_t *n_out,
    size_t **first_out)
{
	size_t n_nodes = 0;

	for (size_t i = 0; i < z->n_recs; i++)
		if (i == 0 || !same_owner(&z->recs[i - 1], &z->recs[i]))
			n_nodes++;
	struct znode *nodes = arena_zalloc(z->mem,
	    (n_nodes ? n_nodes : 1) * sizeof(*nodes));
	/* Each node's first record, to name file:line in errors. */
	size_t *first = malloc((n_nodes ? n_nodes : 1) * sizeof(*first));
	if (nodes == NULL || first == NULL) {
		free(first);
		return -ENOMEM;
	}
	*first_out = first;
	size_t k = 0;
	for (size_t i = 0; i < z->n_recs;) {
		size_t j = i;
		unsigned n_types = 0;
		while (j < z->n_recs && same_owner(&z->recs[i], &z->recs[j])) {
			if (j == i || z->recs[j].type != z->recs[j - 1].type)
				n_types++;
			j++;
		}
		first[k] = i;
		struct znode *n = &nodes[k++];
		n->owner = z->recs[i].owner;
		n->owner_len = z->recs[i].owner_len;
		n->n_labels = z->recs[i].n_labels;
		n->hash = z->recs[i].hash;
		if (n_types > 255)
			return -IK_ELIMIT;
		n->n_sets = (uint8_t)n_types;
		n->sets = arena_zalloc(z->mem, n_types * sizeof(*n->sets));
		if (n->sets == NULL)
			return -ENOMEM;
		unsigned t = 0;
		for (size_t a = i; a < j;) {
			size_t b = a;
			uint32_t len = 0, ttl = z->recs[a].ttl;
			uint16_t cnt = 0;
			for (; b < j && z->recs[b].type == z->recs[a].type;
			    b++) {
				if (z->recs[b].ttl < ttl)
					ttl = z->recs[b].ttl;
				/* Sorted, so duplicates are neighbours. */
				if (b > a && z->recs[b].rdlen ==
				    z->recs[b - 1].rdlen && memcmp(
				    z->recs[b].rdata, z->recs[b - 1].rdata,
				    z->recs[b].rdlen) == 0)
					continue;
				len += 2u + z->recs[b].rdlen;
				if (cnt == UINT16_MAX)
					return -IK_ELIMIT;
				cnt++;
			}
			struct zrrset *s = &n->sets[t++];
			s->type = z->recs[a].type;
			s->ttl = ttl;
			s->n = cnt;
			s->len = len;
			if ((s->data = arena_alloc(z->mem, len)) == NULL)
				return -ENOMEM;
			uint8_t *p = s->data;
			for (size_t c = a; c < b; c++) {
				if (c > a && z->recs[c].rdlen ==
				    z->recs[c - 1].rdlen && memcmp(
				    z->recs[c].rdata, z->recs[c - 1].rdata,
				    z->recs[c].rdlen) == 0)
					continue;
				*p++ = (uint8_t)(z->recs[c].rdlen >> 8);
				*p++ = (uint8_t)z->recs[c].rdlen;
				memcpy(p, z->recs[c].rdata, z->recs[c].rdlen);
				p += z->recs[c].rdlen;
				z->n_records++;
			}
			a = b;
		}
		i = j;
	}
	*nodes_out = nodes;
	*n_out = n_nodes;
	return 0;
}

/* Offset of the wire form after dropping the first label. */
static size_t
parent_off(const uint8_t *w)
{
	return (size_t)w[0] + 1;
}

/* Adds the empty non-terminals between `n` and the apex. */
static int
add_ents(struct zone *z, const struct znode *n)
{
	const uint8_t *w = n->owner;
	size_t len = n->owner_len;
	uint8_t labels = n->n_labels;

	while (labels > z->apex.n_labels) {
		size_t skip = parent_off(w);
		w += skip;
		len -= skip;
		labels--;
		uint32_t h = wire_hash(w, len);
		if (node_lookup(z, w, len, h) != NULL)
			return 0;
		struct znode *e = arena_zalloc(z->mem, sizeof(*e));
		if (e == NULL)
			return -ENOMEM;
		/* A suffix of the child's owner: no copy needed. */
		e->owner = w;
		e->owner_len = (uint8_t)len;
		e->n_labels = labels;
		e->hash = h;
		e->flags = ZNODE_ENT;
		node_insert(z, e);
	}
	return 0;
}

/* True if an ancestor of `n` strictly between it and the apex is a cut. */
static bool
below_cut(const struct zone *z, const struct znode *n)
{
	const uint8_t *w = n->owner;
	size_t len = n->owner_len;
	uint8_t labels = n->n_labels;

	while (labels > z->apex.n_labels + 1) {
		size_t skip = parent_off(w);
		w += skip;
		len -= skip;
		labels--;
		const struct znode *p = node_lookup(z, w, len,
		    wire_hash(w, len));
		if (p != NULL && (p->flags & ZNODE_DELEG))
			return true;
	}
	return false;
}

/* True if an ancestor of `n` (the apex included) owns a DNAME. */
static bool
below_dname(const struct zone *z, const struct znode *n)
{
	const uint8_t *w = n->owner;
	size_t len = n->owner_len;
	uint8_t labels = n->n_labels;

	while (labels > z->apex.n_labels) {
		size_t skip = parent_off(w);
		w += skip;
		len -= skip;
		labels--;
		const struct znode *p = node_lookup(z, w, len,
		    wire_hash(w, len));
		if (p != NULL && znode_rrset(p, DNS_T_DNAME) != NULL)
			return true;
	}
	return false;
}

static void
node_text(const struct znode *n, char *buf, size_t cap)
{
	struct dns_name nm;

	znode_name(n, &nm);
	if (dns_name_to_text(&nm, buf, cap) < 0)
		snprintf(buf, cap, "?");
}

/* RFC 1034 3.6.2 checks on one node; `r` is one of its records. */
static void
check_node(const struct znode *n, const struct zrec *r,
    struct cfg_errs *errs, const char *file, int *bad)
{
	char name[DNS_NAME_TEXT_MAX];
	const struct zrrset *cname = znode_rrset(n, DNS_T_CNAME);
	const struct zrrset *dname = znode_rrset(n, DNS_T_DNAME);
	const char *f = r->file != NULL ? r->file : file;

	if (cname != NULL && (n->n_sets > 1 || cname->n > 1)) {
		node_text(n, name, sizeof(name));
		cfg_errf(errs, f, r->line, "%s has a CNAME and other data",
		    name);
		(*bad)++;
	}
	if (dname != NULL && dname->n > 1) {
		node_text(n, name, sizeof(name));
		cfg_errf(errs, f, r->line, "%s has more than one DNAME",
		    name);
		(*bad)++;
	}
}

int
zone_finish(struct zone *z, struct cfg_errs *errs, const char *file)
{
	struct znode *nodes = NULL;
	size_t n_nodes = 0, *first = NULL;
	int bad = 0, err;

	if (z->n_recs > 0)
		qsort(z->recs, z->n_recs, sizeof(*z->recs), rec_cmp);
	if ((err = build_nodes(z, &nodes, &n_nodes, &first)) < 0)
		goto out;
	/* Buckets for the nodes and about as many empty non-terminals. */
	size_t want = 16;
	while (want < n_nodes * 2)
		want <<= 1;
	z->buckets = arena_zalloc(z->mem, want * sizeof(*z->buckets));
	if (z->buckets == NULL) {
		err = -ENOMEM;
		goto out;
	}
	z->mask = (uint32_t)(want - 1);
	for (size_t i = 0; i < n_nodes; i++)
		node_insert(z, &nodes[i]);
	for (size_t i = 0; i < n_nodes; i++)
		if ((err = add_ents(z, &nodes[i])) < 0)
			goto out;

	const struct znode *apex = zone_find(z, &z->apex);
	const struct zrrset *soa = apex ? znode_rrset(apex, DNS_T_SOA) : NULL;
	if (soa == NULL || soa->n != 1) {
		cfg_errf(errs, file, 0, "zone needs exactly one SOA at its "
		    "apex");
		bad++;
	}
	if (apex == NULL || znode_rrset(apex, DNS_T_NS) == NULL) {
		cfg_errf(errs, file, 0, "zone needs NS records at its apex");
		bad++;
	}
	z->apex_node = apex;
	for (size_t i = 0; i < n_nodes; i++) {
		if (&nodes[i] != apex && znode_rrset(&nodes[i], DNS_T_NS))
			nodes[i].flags |= ZNODE_DELEG;
		check_node(&nodes[i], &z->recs[first[i]], errs, file, &bad);
	}
	for (size_t i = 0; i < n_nodes; i++) {
		if (below_cut(z, &nodes[i]))
			nodes[i].flags |= ZNODE_GLUE;
		else if (below_dname(z, &nodes[i])) {
			char name[DNS_NAME_TEXT_MAX];
			const struct zrec *r = &z->recs[first[i]];
			node_text(&nodes[i], name, sizeof(name));
			cfg_errf(errs, r->file ? r->file : file, r->line,
			    "%s lies below a DNAME and could never be "
			    "answered (RFC 6672 2.4)", name);
			bad++;
		}
	}
	if (soa != NULL && soa->n == 1) {
		/* SOA RDATA ends with serial refresh retry expire minimum. */
		const uint8_t *p = soa->data + 2 + (soa->len - 2) - 20;
		z->serial = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		    (uint32_t)p[2] << 8 | p[3];
		uint32_t min = (uint32_t)p[16] << 24 | (uint32_t)p[17] << 16 |
		    (uint32_t)p[18] << 8 | p[19];
		z->neg_ttl = soa->ttl < min ? soa->ttl : min;
	}
	err = bad ? -IK_ECONFIG : 0;
out:
	free(first);
	free(z->recs);
	z->recs = NULL;
	z->n_recs = z->cap_recs = 0;
	return err;
}

void
zone_free(struct zone **zp)
{
	struct zone *z = *zp;

	if (z == NULL)
		return;
	free(z->recs);
	free(z->file);
	free(z->allow_axfr.v);
	arena_free(&z->mem);
	free(z);
	*zp = NULL;
}

const struct znode *
zone_find(const struct zone *z, const struct dns_name *name)
{
	if (z->buckets == NULL)
		return NULL;
	return node_lookup(z, name->wire, name->len,
	    wire_hash(name->wire, name->len));
}

const struct zrrset *
znode_rrset(const struct znode *n, uint16_t type)
{
	for (unsigned i = 0; i < n->n_sets; i++)
		if (n->sets[i].type == type)
			return &n->sets[i];
	return NULL;
}

int
zrrset_next(const struct zrrset *s, uint32_t *off, const uint8_t **rdata,
    uint16_t *rdlen)
{
	if (*off + 2 > s->len)
		return -1;
	uint16_t n = (uint16_t)(s->data[*off] << 8 | s->data[*off + 1]);
	*rdata = s->data + *off + 2;
	*rdlen = n;
	*off += 2u + n;
	return 0;
}

struct zonedb *
zonedb_new(void)
{
	return calloc(1, sizeof(struct zonedb));
}

struct zone *
zonedb_get(const struct zonedb *db, const struct dns_name *apex)
{
	for (size_t i = 0; i < db->n; i++)
		if (dns_name_equal(&db->v[i]->apex, apex))
			return db->v[i];
	return NULL;
}

int
zonedb_add(struct zonedb *db, struct zone *z)
{
	if (zonedb_get(db, &z->apex) != NULL)
		return -EEXIST;
	if (db->n == db->cap) {
		size_t cap = db->cap ? db->cap * 2 : 8;
		struct zone **v = realloc(db->v, cap * sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		db->v = v;
		db->cap = cap;
	}
	db->v[db->n++] = z;
	z->refs++;
	return 0;
}

const struct zone *
zonedb_find(const struct zonedb *db, const struct dns_name *name)
{
	const struct zone *best = NULL;

	/* Few zones per server: a scan beats an index here. */
	for (size_t i = 0; i < db->n; i++) {
		const struct zone *z = db->v[i];
		if (dns_name_is_sub(name, &z->apex) && (best == NULL ||
		    z->apex.n_labels > best->apex.n_labels))
			best = z;
	}
	return best;
}

void
zonedb_free(struct zonedb **dbp)
{
	struct zonedb *db = *dbp;

	if (db == NULL)
		return;
	for (size_t i = 0; i < db->n; i++) {
		struct zone *z = db->v[i];
		if (--z->refs == 0)
			zone_free(&z);
	}
	free(db->v);
	free(db);
	*dbp = NULL;
}
