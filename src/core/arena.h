/* core/arena.h - a bump allocator for per-request memory (a parsed DNS
 * message, a command's arguments): allocate freely, reset once after the
 * request. Not thread-safe; one arena per worker. */
#ifndef IK_CORE_ARENA_H
#define IK_CORE_ARENA_H

#include <stddef.h>

struct arena;

/* An arena whose first block holds `cap` bytes; more blocks are added as
 * needed, up to `limit` bytes in all (0: no limit). NULL on ENOMEM. */
struct arena *arena_new(size_t cap);
struct arena *arena_new_limited(size_t cap, size_t limit);
/* `n` bytes aligned for any type; NULL when out of memory or over the
 * limit. Valid until arena_reset or arena_free. */
void *arena_alloc(struct arena *a, size_t n);
/* Like arena_alloc, zeroed. */
void *arena_zalloc(struct arena *a, size_t n);
/* A copy of `n` bytes (plus a NUL, so text copies are strings). */
void *arena_dup(struct arena *a, const void *p, size_t n);
/* Frees everything allocated; keeps the first block for reuse. */
void arena_reset(struct arena *a);
/* Bytes handed out since the last reset. */
size_t arena_used(const struct arena *a);
void arena_free(struct arena **ap);

#endif
