/* core/arena.c - bump allocation in a chain of blocks; reset keeps the
 * first block so a steady request loop does not call malloc. */
#include "core/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct block {
	struct block	*next;
	size_t		 cap, len;
	alignas(max_align_t) unsigned char data[];
};

struct arena {
	struct block	*head;	/* current block; the first is the last */
	size_t		 first_cap;
	size_t		 limit, total;
};

static struct block *
block_new(size_t cap)
{
	struct block *b = malloc(sizeof(*b) + cap);

	if (b == NULL)
		return NULL;
	b->next = NULL;
	b->cap = cap;
	b->len = 0;
	return b;
}

struct arena *
arena_new_limited(size_t cap, size_t limit)
{
	struct arena *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
	if (cap < 256)
		cap = 256;
	if ((a->head = block_new(cap)) == NULL) {
		free(a);
		return NULL;
	}
	a->first_cap = cap;
	a->limit = limit;
	return a;
}

struct arena *
arena_new(size_t cap)
{
	return arena_new_limited(cap, 0);
}

void *
arena_alloc(struct arena *a, size_t n)
{
	const size_t al = alignof(max_align_t);

	if (n > SIZE_MAX / 2)
		return NULL;
	n = (n + al - 1) & ~(al - 1);
	if (n == 0)
		n = al;
	if (a->limit != 0 && (a->total + n > a->limit || a->total + n <
	    a->total))
		return NULL;
	struct block *b = a->head;
	if (b->cap - b->len < n) {
		size_t cap = b->cap * 2 > n ? b->cap * 2 : n;
		struct block *nb = block_new(cap);
		if (nb == NULL)
			return NULL;
		nb->next = b;
		a->head = b = nb;
	}
	void *p = b->data + b->len;
	b->len += n;
	a->total += n;
	return p;
}

void *
arena_zalloc(struct arena *a, size_t n)
{
	void *p = arena_alloc(a, n);

	if (p != NULL)
		memset(p, 0, n);
	return p;
}

void *
arena_dup(struct arena *a, const void *p, size_t n)
{
	unsigned char *d = arena_alloc(a, n + 1);

	if (d == NULL)
		return NULL;
	if (n > 0)
		memcpy(d, p, n);
	d[n] = '\0';
	return d;
}

void
arena_reset(struct arena *a)
{
	struct block *b = a->head;

	while (b->next != NULL) {
		struct block *next = b->next;
		free(b);
		b = next;
	}
	b->len = 0;
	a->head = b;
	a->total = 0;
}

size_t
arena_used(const struct arena *a)
{
	return a->total;
}

void
arena_free(struct arena **ap)
{
	struct arena *a = *ap;

	if (a == NULL)
		return;
	arena_reset(a);
	free(a->head);
	free(a);
	*ap = NULL;
}
