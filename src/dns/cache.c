/* dns/cache.c - the resolver's RRset and negative cache (RFC 1035 7.4,
 * RFC 2181 5.4.1, RFC 2308). Shards picked by name hash, each a chained
 * hash table keyed by (name, type), an LRU list and a byte budget. Entries
 * are immutable once stored and reference counted, so a reader copies one
 * into its arena after dropping the lock. No clock: callers pass `now`. */
#include "dns/cache.h"

#include <errno.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/err.h"

/* No RRset is kept longer than a day, whatever its TTL: a cap protects
 * against zones that set TTLs of weeks and then change (RFC 2181 8 allows
 * up to 2^31-1 s). 86400 is Unbound's default cache-max-ttl. */
#define CACHE_MAX_TTL		86400u
/* RFC 2308 5 suggests capping negative TTLs at one to three hours; we
 * take one hour, as Unbound's cache-max-negative-ttl does, so a name
 * that has just been created is not hidden for long. */
#define CACHE_MAX_NEG_TTL	3600u
/* RFC 2181 8: a TTL with the top bit set is to be read as zero. */
#define TTL_TOP_BIT		0x80000000u

/* A negative answer is the zone's own statement (RFC 2308 5: taken from
 * an authoritative response with its SOA), so it ranks with authoritative
 * answer data: only such data replaces it while it lasts. */
#define NEG_TRUST		CACHE_AUTH_ANSWER

#define SHARDS_MAX		65536u
#define BUCKETS_INIT		64u
#define BUCKETS_MAX		((size_t)1 << 30)

enum entry_kind { ENT_POS = 0, ENT_NXDOMAIN = CACHE_NXDOMAIN,
    ENT_NODATA = CACHE_NODATA };

/* One RRset or negative answer. Everything from `expiry` on is fixed at
 * creation, so it may be read without the lock by whoever holds a
 * reference; the links change only under the shard lock. data holds:
 * the owner name (name_len bytes, case as stored), for a negative entry
 * the SOA owner (length, label count, wire), then n 16-bit RDATA lengths
 * (host order, unaligned) and the RDATA itself back to back. */
struct cache_entry {
	struct cache_entry	*hnext;		/* bucket chain; dead list */
	struct cache_entry	*prev, *next;	/* LRU, head = most recent */
	uint64_t		 expiry;	/* absolute: stored now + ttl */
	size_t			 size;		/* counted against the limit */
	atomic_uint		 refs;		/* the table's one + readers' */
	atomic_bool		 prefetched;	/* its refresh was asked for */
	uint32_t		 hash;		/* dns_name_hash of the owner */
	uint32_t		 ttl;	/* as stored; reads never give more */
	uint16_t		 type;		/* 0 for NXDOMAIN */
	uint16_t		 n;
	uint8_t			 kind;		/* enum entry_kind */
	uint8_t			 trust;		/* enum cache_trust */
	uint8_t			 name_len, n_labels;
	uint8_t			 data[];
};

/* Padded to a cache line so that threads working on neighbouring shards
 * do not share the line holding each other's lock. */
struct shard {
	alignas(64) pthread_mutex_t mu;
	struct cache_entry	**buckets;
	size_t			 n_buckets;	/* a power of two */
	struct cache_entry	*head, *tail;	/* LRU */
	size_t			 bytes, limit, n_entries;
	uint64_t		 hits, misses, neg_hits, inserts;
	uint64_t		 evictions, expired;
};

struct cache {
	struct shard		*shards;
	unsigned		 n_shards;
	unsigned		 shard_bits;
	size_t			 limit;
	uint32_t		 stale_s;	/* kept past expiry (RFC 8767) */
};

static inline uint8_t
lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

/* Label length bytes are at most 63, below 'A', so lowering the whole
 * wire form only touches letters (RFC 4343). */
static bool
wire_equal_ci(const uint8_t *a, const uint8_t *b, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (lower(a[i]) != lower(b[i]))
			return false;
	return true;
}

static bool
entry_is_name(const struct cache_entry *e, uint32_t h,
    const struct dns_name *name)
{
	return e->hash == h && e->name_len == name->len &&
	    wire_equal_ci(e->data, name->wire, name->len);
}

/* True if the entry's owner is `p` or below it: some label boundary of
 * the owner starts a suffix equal to p. */
static bool
entry_is_sub(const struct cache_entry *e, const struct dns_name *p)
{
	size_t off = 0, len = e->name_len;

	if (len < p->len)
		return false;
	while (len - off > p->len)
		off += 1u + e->data[off];
	return len - off == p->len &&
	    wire_equal_ci(e->data + off, p->wire, p->len);
}

/* The top bits of a multiplicative mix pick the shard; the low bits of
 * the hash itself pick the bucket, so the two choices stay independent. */
static struct shard *
shard_of(struct cache *c, uint32_t h)
{
	if (c->shard_bits == 0)
		return &c->shards[0];
	return &c->shards[(h * 0x9e3779b1u) >> (32 - c->shard_bits)];
}

static inline bool
entry_live(const struct cache_entry *e, uint64_t now)
{
	return now < e->expiry;
}

/* Expired, and past the window in which it may still be served stale. */
static inline bool
entry_gone(const struct cache_entry *e, uint64_t now, uint32_t stale_s)
{
	return e->expiry > UINT64_MAX - stale_s ? false :
	    now >= e->expiry + stale_s;
}

/* Remaining TTL; a `now` from before the store (another thread's clock
 * read a little earlier) must not stretch it past what was stored. */
static uint32_t
entry_ttl_left(const struct cache_entry *e, uint64_t now)
{
	uint64_t left = e->expiry - now;

	return left > e->ttl ? e->ttl : (uint32_t)left;
}

static const uint8_t *
entry_lens(const struct cache_entry *e)
{
	const uint8_t *p = e->data + e->name_len;

	if (e->kind != ENT_POS)
		p += 2u + p[0];
	return p;
}

static void
entry_unref(struct cache_entry *e)
{
	if (atomic_fetch_sub_explicit(&e->refs, 1, memory_order_acq_rel) == 1)
		free(e);
}

static void
release_all(struct cache_entry *dead)
{
	while (dead != NULL) {
		struct cache_entry *next = dead->hnext;
		entry_unref(dead);
		dead = next;
	}
}

static void
lru_unlink(struct shard *s, struct cache_entry *e)
{
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		s->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		s->tail = e->prev;
	e->prev = e->next = NULL;
}

static void
lru_push(struct shard *s, struct cache_entry *e)
{
	e->prev = NULL;
	e->next = s->head;
	if (s->head != NULL)
		s->head->prev = e;
	else
		s->tail = e;
	s->head = e;
}

static void
lru_touch(struct shard *s, struct cache_entry *e)
{
	if (s->head != e) {
		lru_unlink(s, e);
		lru_push(s, e);
	}
}

/* Takes the entry at *pp out of the table onto *dead; the table's
 * reference goes with it and is dropped by release_all() after unlock. */
static void
remove_at(struct shard *s, struct cache_entry **pp, struct cache_entry **dead)
{
	struct cache_entry *e = *pp;

	*pp = e->hnext;
	lru_unlink(s, e);
	s->bytes -= e->size;
	s->n_entries--;
	e->hnext = *dead;
	*dead = e;
}

static void
remove_entry(struct shard *s, struct cache_entry *e,
    struct cache_entry **dead)
{
	struct cache_entry **pp = &s->buckets[e->hash & (s->n_buckets - 1)];

	while (*pp != e)
		pp = &(*pp)->hnext;
	remove_at(s, pp, dead);
}

/* Walks the bucket of `name`, dropping the entries of that name that
 * are gone (expired, and past the stale window) as it meets them.
 * Returns the entry for `type` (NULL if none) and, if nx_out is set, the
 * NXDOMAIN entry of the name: live ones only, or with `stale` expired
 * ones still in the window too. */
static struct cache_entry *
bucket_find(struct shard *s, uint32_t h, const struct dns_name *name,
    uint16_t type, uint64_t now, uint32_t stale_s, bool stale,
    struct cache_entry **nx_out, struct cache_entry **dead)
{
	struct cache_entry **pp = &s->buckets[h & (s->n_buckets - 1)];
	struct cache_entry *found = NULL;

	if (nx_out != NULL)
		*nx_out = NULL;
	while (*pp != NULL) {
		struct cache_entry *e = *pp;
		if (!entry_is_name(e, h, name)) {
			pp = &e->hnext;
			continue;
		}
		if (entry_gone(e, now, stale_s)) {
			s->expired++;
			remove_at(s, pp, dead);
			continue;
		}
		if (!stale && !entry_live(e, now)) {
			pp = &e->hnext;
			continue;
		}
		if (e->type == type)
			found = e;
		if (e->type == 0 && nx_out != NULL)
			*nx_out = e;
		pp = &e->hnext;
	}
	return found;
}

/* Drops every entry of `name` from its bucket. Returns how many. */
static size_t
bucket_drop_name(struct shard *s, uint32_t h, const struct dns_name *name,
    struct cache_entry **dead)
{
	struct cache_entry **pp = &s->buckets[h & (s->n_buckets - 1)];
	size_t n = 0;

	while (*pp != NULL) {
		if (entry_is_name(*pp, h, name)) {
			remove_at(s, pp, dead);
			n++;
		} else {
			pp = &(*pp)->hnext;
		}
	}
	return n;
}

/* Doubles the bucket array. The new array is allocated before taking
 * the lock; if another thread grew the shard meanwhile, it is dropped. A
 * failed allocation only leaves chains longer. */
static void
shard_grow(struct shard *s, size_t old_nb)
{
	size_t nb = old_nb * 2;
	struct cache_entry **nt, **old;

	if (nb > BUCKETS_MAX || (nt = calloc(nb, sizeof(*nt))) == NULL)
		return;
	pthread_mutex_lock(&s->mu);
	if (s->n_buckets != old_nb) {
		pthread_mutex_unlock(&s->mu);
		free(nt);
		return;
	}
	old = s->buckets;
	for (size_t i = 0; i < old_nb; i++) {
		struct cache_entry *e = old[i];
		while (e != NULL) {
			struct cache_entry *next = e->hnext;
			struct cache_entry **b = &nt[e->hash & (nb - 1)];
			e->hnext = *b;
			*b = e;
			e = next;
		}
	}
	s->buckets = nt;
	s->n_buckets = nb;
	pthread_mutex_unlock(&s->mu);
	free(old);
}

struct cache *
cache_new(size_t limit, unsigned shards)
{
	struct cache *c = calloc(1, sizeof(*c));
	unsigned bits = 0;

	if (c == NULL)
		return NULL;
	/* Not a power of two: round up rather than fail, the caller's
	 * number is a hint for concurrency, not a contract. */
	if (shards > SHARDS_MAX)
		shards = SHARDS_MAX;
	while ((1u << bits) < shards)
		bits++;
	c->shard_bits = bits;
	c->n_shards = 1u << bits;
	c->limit = limit;
	c->shards = aligned_alloc(alignof(struct shard),
	    c->n_shards * sizeof(struct shard));
	if (c->shards == NULL) {
		free(c);
		return NULL;
	}
	memset(c->shards, 0, c->n_shards * sizeof(struct shard));
	for (unsigned i = 0; i < c->n_shards; i++) {
		struct shard *s = &c->shards[i];
		s->limit = limit / c->n_shards;
		s->n_buckets = BUCKETS_INIT;
		s->buckets = calloc(BUCKETS_INIT, sizeof(*s->buckets));
		if (s->buckets == NULL ||
		    pthread_mutex_init(&s->mu, NULL) != 0) {
			free(s->buckets);
			s->buckets = NULL;
			c->n_shards = i;	/* cache_free undoes 0..i-1 */
			cache_free(&c);
			return NULL;
		}
	}
	return c;
}

void
cache_free(struct cache **cp)
{
	struct cache *c = *cp;

	if (c == NULL)
		return;
	for (unsigned i = 0; i < c->n_shards; i++) {
		struct shard *s = &c->shards[i];
		struct cache_entry *e = s->head;
		while (e != NULL) {
			struct cache_entry *next = e->next;
			free(e);
			e = next;
		}
		free(s->buckets);
		pthread_mutex_destroy(&s->mu);
	}
	free(c->shards);
	free(c);
	*cp = NULL;
}

/* A new entry for `name`, not yet in any table, with `extra` bytes of
 * data after the owner name. NULL on ENOMEM. */
static struct cache_entry *
entry_new(const struct dns_name *name, uint32_t h, size_t extra)
{
	size_t size = sizeof(struct cache_entry) + name->len + extra;
	struct cache_entry *e = malloc(size);

	if (e == NULL)
		return NULL;
	memset(e, 0, sizeof(*e));
	atomic_init(&e->refs, 1);
	atomic_init(&e->prefetched, false);
	e->size = size;
	e->hash = h;
	e->name_len = name->len;
	e->n_labels = name->n_labels;
	memcpy(e->data, name->wire, name->len);
	return e;
}

static uint64_t
expiry_of(uint64_t now, uint32_t ttl)
{
	return now > UINT64_MAX - ttl ? UINT64_MAX : now + ttl;
}

/* Stores `e` (owned) in its shard under the trust rule, evicting from the
 * LRU tail to stay in budget. Returns 0 (stored or outranked: either way
 * e is no longer the caller's) or -ENOMEM. */
static int
cache_insert(struct cache *c, struct cache_entry *e,
    const struct dns_name *name, uint64_t now)
{
	struct shard *s = shard_of(c, e->hash);
	struct cache_entry *dead = NULL, *old, *nx;
	size_t grow_from = 0;

	if (e->size > s->limit) {
		free(e);
		return -ENOMEM;
	}
	pthread_mutex_lock(&s->mu);
	/* Stale entries are found too: the new one replaces them. */
	old = bucket_find(s, e->hash, name, e->type, now, c->stale_s, true,
	    &nx, &dead);
	/* RFC 2181 5.4.1: data of lower rank never replaces valid data of
	 * higher rank. A live NXDOMAIN says the name has no data at all, so
	 * it outranks anything stored at the name below its own rank. */
	if ((old != NULL && entry_live(old, now) && old->trust > e->trust) ||
	    (nx != NULL && entry_live(nx, now) && nx->trust > e->trust)) {
		e->hnext = dead;
		dead = e;
		goto out;
	}
	if (e->kind == ENT_NXDOMAIN) {
		/* RFC 2308 2.1: the name does not exist, so nothing cached
		 * at it (any type) is current any more. */
		bucket_drop_name(s, e->hash, name, &dead);
	} else {
		if (old != NULL)
			remove_entry(s, old, &dead);
		/* Data at the name, or a NODATA, proves the name exists. */
		if (nx != NULL && nx != old)
			remove_entry(s, nx, &dead);
	}
	while (s->bytes + e->size > s->limit && s->tail != NULL) {
		if (entry_live(s->tail, now))
			s->evictions++;
		else
			s->expired++;
		remove_entry(s, s->tail, &dead);
	}
	struct cache_entry **b = &s->buckets[e->hash & (s->n_buckets - 1)];
	e->hnext = *b;
	*b = e;
	lru_push(s, e);
	s->bytes += e->size;
	s->n_entries++;
	s->inserts++;
	if (s->n_entries > s->n_buckets)
		grow_from = s->n_buckets;
out:
	pthread_mutex_unlock(&s->mu);
	release_all(dead);
	if (grow_from != 0)
		shard_grow(s, grow_from);
	return 0;
}

/* TTL as the cache will keep it: RFC 2181 8 top bit as zero, then the
 * cap. 0 means "do not store". */
static uint32_t
ttl_clamp(uint32_t ttl, uint32_t cap)
{
	if (ttl & TTL_TOP_BIT)
		return 0;
	return ttl > cap ? cap : ttl;
}

int
cache_put_rrset(struct cache *c, const struct dns_name *name,
    uint16_t type, uint32_t ttl, const uint8_t *const *rdata,
    const uint16_t *rdlen, uint16_t n, enum cache_trust trust, uint64_t now)
{
	size_t total = 0;

	/* Type 0 is the NXDOMAIN key; an empty RRset is nothing to store. */
	if (type == 0 || n == 0 || trust < CACHE_GLUE ||
	    trust > CACHE_AUTH_ANSWER)
		return -EINVAL;
	if ((ttl = ttl_clamp(ttl, CACHE_MAX_TTL)) == 0)
		return 0;	/* RFC 1035 3.2.1: TTL 0 is not cached */
	for (uint16_t i = 0; i < n; i++)
		total += rdlen[i];

	uint32_t h = dns_name_hash(name);
	struct cache_entry *e = entry_new(name, h, 2u * n + total);
	if (e == NULL)
		return -ENOMEM;
	e->type = type;
	e->n = n;
	e->kind = ENT_POS;
	e->trust = (uint8_t)trust;
	e->ttl = ttl;
	e->expiry = expiry_of(now, ttl);
	uint8_t *p = e->data + name->len;
	memcpy(p, rdlen, 2u * n);
	p += 2u * n;
	for (uint16_t i = 0; i < n; i++) {
		if (rdlen[i] > 0)
			memcpy(p, rdata[i], rdlen[i]);
		p += rdlen[i];
	}
	return cache_insert(c, e, name, now);
}

int
cache_put_neg(struct cache *c, const struct dns_name *name,
    uint16_t type, enum cache_neg kind, const struct dns_name *soa_name,
    const uint8_t *soa_rdata, uint16_t soa_rdlen, uint32_t ttl,
    uint64_t now)
{
	if (kind == CACHE_NXDOMAIN)
		type = 0;
	else if (kind != CACHE_NODATA || type == 0)
		return -EINVAL;
	if ((ttl = ttl_clamp(ttl, CACHE_MAX_NEG_TTL)) == 0)
		return 0;

	uint32_t h = dns_name_hash(name);
	struct cache_entry *e = entry_new(name, h,
	    2u + soa_name->len + 2u + soa_rdlen);
	if (e == NULL)
		return -ENOMEM;
	e->type = type;
	e->n = 1;
	e->kind = (uint8_t)kind;
	e->trust = NEG_TRUST;
	e->ttl = ttl;
	e->expiry = expiry_of(now, ttl);
	uint8_t *p = e->data + name->len;
	*p++ = soa_name->len;
	*p++ = soa_name->n_labels;
	memcpy(p, soa_name->wire, soa_name->len);
	p += soa_name->len;
	memcpy(p, &soa_rdlen, 2);
	p += 2;
	if (soa_rdlen > 0)
		memcpy(p, soa_rdata, soa_rdlen);
	return cache_insert(c, e, name, now);
}

/* Copies the records of `e` (a referenced entry) into `a`: the RRset
 * itself, or for a negative entry its SOA. */
static int
entry_copy(const struct cache_entry *e, uint32_t ttl, struct arena *a,
    struct cache_rrset *out)
{
	const uint8_t *lens = entry_lens(e);
	const uint8_t *src = lens + 2u * e->n;
	size_t total = 0;

	memset(out, 0, sizeof(*out));
	if (e->kind == ENT_POS) {
		out->name.len = e->name_len;
		out->name.n_labels = e->n_labels;
		memcpy(out->name.wire, e->data, e->name_len);
		out->type = e->type;
	} else {
		const uint8_t *soa = e->data + e->name_len;
		out->name.len = soa[0];
		out->name.n_labels = soa[1];
		memcpy(out->name.wire, soa + 2, soa[0]);
		out->type = DNS_T_SOA;
	}
	out->ttl = ttl;
	out->n = e->n;
	out->trust = (enum cache_trust)e->trust;
	out->rdlen = arena_alloc(a, 2u * e->n);
	out->rdata = arena_alloc(a, e->n * sizeof(*out->rdata));
	if (out->rdlen == NULL || out->rdata == NULL)
		return -ENOMEM;
	memcpy(out->rdlen, lens, 2u * e->n);
	for (uint16_t i = 0; i < e->n; i++)
		total += out->rdlen[i];
	uint8_t *dst = arena_alloc(a, total);
	if (dst == NULL)
		return -ENOMEM;
	memcpy(dst, src, total);
	for (uint16_t i = 0; i < e->n; i++) {
		out->rdata[i] = dst;
		dst += out->rdlen[i];
	}
	return 0;
}

/* The positive entry for (name, type): a live one, or with `stale` one
 * expired less than the stale window ago too, then with the TTL
 * CACHE_STALE_TTL (RFC 8767 4). Only live reads count a hit or miss,
 * touch the LRU and mark an entry in its last tenth for prefetch, once:
 * the first reader there refreshes it. */
static int
get_positive(struct cache *c, const struct dns_name *name, uint16_t type,
    uint64_t now, bool stale, struct arena *a, struct cache_rrset *out)
{
	uint32_t h = dns_name_hash(name);
	struct shard *s = shard_of(c, h);
	struct cache_entry *dead = NULL, *e;
	uint32_t ttl = 0;
	bool prefetch = false;

	pthread_mutex_lock(&s->mu);
	e = bucket_find(s, h, name, type, now, c->stale_s, stale, NULL,
	    &dead);
	if (e != NULL && e->kind != ENT_POS)
		e = NULL;
	if (e != NULL) {
		atomic_fetch_add_explicit(&e->refs, 1, memory_order_relaxed);
		ttl = entry_live(e, now) ? entry_ttl_left(e, now) :
		    CACHE_STALE_TTL;
	}
	if (!stale && e != NULL) {
		lru_touch(s, e);
		s->hits++;
		prefetch = e->ttl >= CACHE_PREFETCH_MIN_TTL &&
		    ttl <= e->ttl / 10 && !atomic_exchange_explicit(
		    &e->prefetched, true, memory_order_relaxed);
	} else if (!stale) {
		s->misses++;
	}
	pthread_mutex_unlock(&s->mu);
	release_all(dead);
	if (e == NULL)
		return -IK_ENOTFOUND;
	int err = entry_copy(e, ttl, a, out);
	out->prefetch = prefetch;
	entry_unref(e);
	return err;
}

int
cache_get_rrset(struct cache *c, const struct dns_name *name,
    uint16_t type, uint64_t now, struct arena *a, struct cache_rrset *out)
{
	return get_positive(c, name, type, now, false, a, out);
}

int
cache_get_stale(struct cache *c, const struct dns_name *name,
    uint16_t type, uint64_t now, struct arena *a, struct cache_rrset *out)
{
	return get_positive(c, name, type, now, true, a, out);
}

void
cache_set_stale(struct cache *c, uint32_t seconds)
{
	c->stale_s = seconds;
}

int
cache_get_neg(struct cache *c, const struct dns_name *name,
    uint16_t type, uint64_t now, struct arena *a, struct cache_rrset *soa)
{
	uint32_t h = dns_name_hash(name);
	struct shard *s = shard_of(c, h);
	struct cache_entry *dead = NULL, *e, *nx;
	uint32_t ttl = 0;

	pthread_mutex_lock(&s->mu);
	e = bucket_find(s, h, name, type, now, c->stale_s, false, &nx,
	    &dead);
	/* RFC 2308 5: an NXDOMAIN answers every type at the name, a NODATA
	 * only its own. Misses are not counted here: the caller has already
	 * counted one with cache_get_rrset. */
	if (nx != NULL)
		e = nx;
	else if (e != NULL && e->kind != ENT_NODATA)
		e = NULL;
	if (e != NULL) {
		lru_touch(s, e);
		atomic_fetch_add_explicit(&e->refs, 1, memory_order_relaxed);
		ttl = entry_ttl_left(e, now);
		s->neg_hits++;
	}
	pthread_mutex_unlock(&s->mu);
	release_all(dead);
	if (e == NULL)
		return 0;
	int kind = e->kind;
	int err = entry_copy(e, ttl, a, soa);
	entry_unref(e);
	return err < 0 ? err : kind;
}

/* Drops the whole shard, or with `below` its entries at or below p. */
static size_t
shard_flush(struct shard *s, const struct dns_name *p,
    struct cache_entry **dead)
{
	size_t n = 0;

	if (p == NULL) {
		for (struct cache_entry *e = s->head; e != NULL; e = e->next) {
			e->hnext = *dead;
			*dead = e;
			n++;
		}
		memset(s->buckets, 0, s->n_buckets * sizeof(*s->buckets));
		s->head = s->tail = NULL;
		s->bytes = s->n_entries = 0;
		return n;
	}
	struct cache_entry *e = s->head;
	while (e != NULL) {
		struct cache_entry *next = e->next;
		if (entry_is_sub(e, p)) {
			remove_entry(s, e, dead);
			n++;
		}
		e = next;
	}
	return n;
}

size_t
cache_flush(struct cache *c, const struct dns_name *name, bool below)
{
	size_t n = 0;

	if (name != NULL && !below) {
		uint32_t h = dns_name_hash(name);
		struct shard *s = shard_of(c, h);
		struct cache_entry *dead = NULL;
		pthread_mutex_lock(&s->mu);
		n = bucket_drop_name(s, h, name, &dead);
		pthread_mutex_unlock(&s->mu);
		release_all(dead);
		return n;
	}
	/* Names below `name` hash anywhere: every shard, one at a time. */
	for (unsigned i = 0; i < c->n_shards; i++) {
		struct shard *s = &c->shards[i];
		struct cache_entry *dead = NULL;
		pthread_mutex_lock(&s->mu);
		n += shard_flush(s, name, &dead);
		pthread_mutex_unlock(&s->mu);
		release_all(dead);
	}
	return n;
}

void
cache_stats(struct cache *c, struct cache_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < c->n_shards; i++) {
		struct shard *s = &c->shards[i];
		pthread_mutex_lock(&s->mu);
		out->hits += s->hits;
		out->misses += s->misses;
		out->neg_hits += s->neg_hits;
		out->inserts += s->inserts;
		out->evictions += s->evictions;
		out->expired += s->expired;
		out->entries += s->n_entries;
		out->bytes += s->bytes;
		pthread_mutex_unlock(&s->mu);
	}
	out->limit = c->limit;
}
