/* dhcp/leases.c - the lease table: two chained hash tables (by address,
 * by owner) over one set of records, grown by doubling. */
#include <stdlib.h>
#include <string.h>

#include "dhcp/leases.h"
#include "dhcp/options.h"

struct dhcp_leases {
	struct dhcp_lease	**by_addr, **by_owner;
	size_t			 nbuckets;	/* power of two */
	size_t			 count;
	struct dhcp_lease	*dirty;
};

#define INITIAL_BUCKETS	1024

static uint32_t
fnv1a(uint32_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

static uint32_t
owner_hash(const struct dhcp_client *c)
{
	uint32_t h = 2166136261u;

	if (c->cid_len > 0)
		return fnv1a(fnv1a(h, (const uint8_t *)"c", 1), c->cid,
		    c->cid_len);
	h = fnv1a(h, &c->htype, 1);
	return fnv1a(h, c->chaddr, c->hlen);
}

static size_t
addr_bucket(const struct dhcp_leases *t, uint32_t addr)
{
	return (size_t)((addr * 2654435761u) & (t->nbuckets - 1));
}

void
dhcp_client_from_packet(const struct dhcp_packet *p, struct dhcp_client *c)
{
	const uint8_t *cid;
	size_t len;

	memset(c, 0, sizeof(*c));
	c->htype = p->htype;
	c->hlen = p->hlen <= DHCP_CHADDR_LEN ? p->hlen : DHCP_CHADDR_LEN;
	memcpy(c->chaddr, p->chaddr, c->hlen);
	if (dhcp_opt_bytes(p, DHCP_OPT_CLIENT_ID, &cid, &len) < 0)
		return;
	if (len <= DHCP_CID_MAX) {
		memcpy(c->cid, cid, len);
		c->cid_len = (uint8_t)len;
		return;
	}
	/* Keep a prefix that still reads as the id, and let a hash of the
	 * whole tell long ids with that prefix apart. */
	uint32_t h1 = fnv1a(2166136261u, cid, len);
	uint32_t h2 = fnv1a(h1 ^ 0x5bd1e995u, cid, len);
	memcpy(c->cid, cid, DHCP_CID_MAX - 8);
	memcpy(c->cid + DHCP_CID_MAX - 8, &h1, 4);
	memcpy(c->cid + DHCP_CID_MAX - 4, &h2, 4);
	c->cid_len = DHCP_CID_MAX;
}

bool
dhcp_client_same(const struct dhcp_client *a, const struct dhcp_client *b)
{
	if (a->cid_len > 0 || b->cid_len > 0)
		return a->cid_len == b->cid_len &&
		    memcmp(a->cid, b->cid, a->cid_len) == 0;
	return a->htype == b->htype && a->hlen == b->hlen &&
	    memcmp(a->chaddr, b->chaddr, a->hlen) == 0;
}

struct dhcp_leases *
dhcp_leases_new(void)
{
	struct dhcp_leases *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->nbuckets = INITIAL_BUCKETS;
	t->by_addr = calloc(t->nbuckets, sizeof(*t->by_addr));
	t->by_owner = calloc(t->nbuckets, sizeof(*t->by_owner));
	if (t->by_addr == NULL || t->by_owner == NULL) {
		dhcp_leases_free(&t);
		return NULL;
	}
	return t;
}

void
dhcp_leases_free(struct dhcp_leases **lp)
{
	struct dhcp_leases *t = *lp;

	if (t == NULL)
		return;
	for (size_t i = 0; t->by_addr != NULL && i < t->nbuckets; i++) {
		struct dhcp_lease *l = t->by_addr[i], *next;
		for (; l != NULL; l = next) {
			next = l->next_addr;
			free(l);
		}
	}
	free(t->by_addr);
	free(t->by_owner);
	free(t);
	*lp = NULL;
}

struct dhcp_lease *
dhcp_leases_by_addr(const struct dhcp_leases *t, uint32_t addr)
{
	struct dhcp_lease *l = t->by_addr[addr_bucket(t, addr)];

	while (l != NULL && l->addr != addr)
		l = l->next_addr;
	return l;
}

struct dhcp_lease *
dhcp_leases_by_client(const struct dhcp_leases *t,
    const struct dhcp_client *c, bool (*in)(uint32_t addr, const void *arg),
    const void *arg)
{
	uint32_t h = owner_hash(c);
	struct dhcp_lease *best = NULL;

	for (struct dhcp_lease *l = t->by_owner[h & (t->nbuckets - 1)];
	    l != NULL; l = l->next_owner) {
		if (l->owner_hash != h || !dhcp_client_same(&l->owner, c) ||
		    (in != NULL && !in(l->addr, arg)))
			continue;
		/* Bound first; then the one ending last. */
		if (best == NULL || (l->state == DHCP_LEASE_BOUND) >
		    (best->state == DHCP_LEASE_BOUND) ||
		    ((l->state == DHCP_LEASE_BOUND) ==
		    (best->state == DHCP_LEASE_BOUND) && l->ends > best->ends))
			best = l;
	}
	return best;
}

static void
owner_unlink(struct dhcp_leases *t, struct dhcp_lease *l)
{
	struct dhcp_lease **pp = &t->by_owner[l->owner_hash &
	    (t->nbuckets - 1)];

	while (*pp != NULL && *pp != l)
		pp = &(*pp)->next_owner;
	if (*pp == l)
		*pp = l->next_owner;
	l->next_owner = NULL;
}

static void
grow(struct dhcp_leases *t)
{
	size_t n = t->nbuckets * 2;
	struct dhcp_lease **ba = calloc(n, sizeof(*ba));
	struct dhcp_lease **bo = calloc(n, sizeof(*bo));

	if (ba == NULL || bo == NULL) {
		/* Longer chains, still correct. */
		free(ba);
		free(bo);
		return;
	}
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct dhcp_lease *l = t->by_addr[i], *next;
		for (; l != NULL; l = next) {
			next = l->next_addr;
			size_t b = (size_t)((l->addr * 2654435761u) & (n - 1));
			l->next_addr = ba[b];
			ba[b] = l;
			if (l->has_owner) {
				b = l->owner_hash & (n - 1);
				l->next_owner = bo[b];
				bo[b] = l;
			}
		}
	}
	free(t->by_addr);
	free(t->by_owner);
	t->by_addr = ba;
	t->by_owner = bo;
	t->nbuckets = n;
}

struct dhcp_lease *
dhcp_leases_get(struct dhcp_leases *t, uint32_t addr)
{
	struct dhcp_lease *l = dhcp_leases_by_addr(t, addr);

	if (l != NULL)
		return l;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	l->addr = addr;
	l->state = DHCP_LEASE_EXPIRED;
	if (t->count >= t->nbuckets)
		grow(t);
	size_t b = addr_bucket(t, addr);
	l->next_addr = t->by_addr[b];
	t->by_addr[b] = l;
	t->count++;
	return l;
}

void
dhcp_lease_set_owner(struct dhcp_leases *t, struct dhcp_lease *l,
    const struct dhcp_client *c)
{
	if (l->has_owner)
		owner_unlink(t, l);
	l->has_owner = c != NULL;
	if (c == NULL) {
		memset(&l->owner, 0, sizeof(l->owner));
		return;
	}
	if (&l->owner != c)
		l->owner = *c;
	l->owner_hash = owner_hash(c);
	size_t b = l->owner_hash & (t->nbuckets - 1);
	l->next_owner = t->by_owner[b];
	t->by_owner[b] = l;
}

void
dhcp_lease_touch(struct dhcp_leases *t, struct dhcp_lease *l)
{
	if (l->dirty)
		return;
	l->dirty = true;
	l->next_dirty = t->dirty;
	t->dirty = l;
}

enum dhcp_lease_state
dhcp_lease_state_at(const struct dhcp_lease *l, int64_t now)
{
	if ((l->state == DHCP_LEASE_BOUND || l->state == DHCP_LEASE_OFFERED) &&
	    l->ends <= now)
		return DHCP_LEASE_EXPIRED;
	return (enum dhcp_lease_state)l->state;
}

bool
dhcp_lease_available(const struct dhcp_lease *l, const struct dhcp_client *c,
    int64_t now)
{
	if (l == NULL)
		return true;
	if (l->state == DHCP_LEASE_DECLINED)
		return l->ends <= now;
	if (l->has_owner && c != NULL && dhcp_client_same(&l->owner, c))
		return true;
	switch (l->state) {
	case DHCP_LEASE_RELEASED:
	case DHCP_LEASE_EXPIRED:
		return true;
	default:
		return l->ends <= now;
	}
}

const char *
dhcp_lease_state_name(enum dhcp_lease_state s)
{
	static const char *const names[] = {
		"offered", "bound", "released", "expired", "declined",
	};

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] :
	    "unknown";
}

struct dhcp_lease *
dhcp_leases_take_dirty(struct dhcp_leases *t)
{
	struct dhcp_lease *list = t->dirty;

	for (struct dhcp_lease *l = list; l != NULL; l = l->next_dirty)
		l->dirty = false;
	t->dirty = NULL;
	return list;
}

int
dhcp_leases_walk(const struct dhcp_leases *t,
    int (*fn)(const struct dhcp_lease *l, void *arg), void *arg)
{
	for (size_t i = 0; i < t->nbuckets; i++)
		for (struct dhcp_lease *l = t->by_addr[i]; l != NULL;
		    l = l->next_addr) {
			int r = fn(l, arg);
			if (r != 0)
				return r;
		}
	return 0;
}

size_t
dhcp_leases_count(const struct dhcp_leases *t)
{
	return t->count;
}
