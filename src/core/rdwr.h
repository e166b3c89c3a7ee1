/* core/rdwr.h - bounds-checked cursors over untrusted bytes (rd) and
 * output buffers (wr). The first failure sticks in `err` (-IK_ETRUNC) and
 * every later call does nothing and returns 0, so a parser reads a whole
 * header and checks once. Network byte order. */
#ifndef IK_CORE_RDWR_H
#define IK_CORE_RDWR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/err.h"

struct rd {
	const uint8_t	*p, *end;
	int		 err;
};

struct wr {
	uint8_t		*p, *end;
	int		 err;
};

static inline size_t
rd_left(const struct rd *r)
{
	return r->err ? 0 : (size_t)(r->end - r->p);
}

static inline int
rd_need(struct rd *r, size_t n)
{
	if (r->err != 0)
		return -1;
	if ((size_t)(r->end - r->p) < n) {
		r->err = -IK_ETRUNC;
		return -1;
	}
	return 0;
}

static inline uint8_t
rd_u8(struct rd *r)
{
	if (rd_need(r, 1) < 0)
		return 0;
	return *r->p++;
}

static inline uint16_t
rd_u16(struct rd *r)
{
	if (rd_need(r, 2) < 0)
		return 0;
	uint16_t v = (uint16_t)(r->p[0] << 8 | r->p[1]);
	r->p += 2;
	return v;
}

static inline uint32_t
rd_u32(struct rd *r)
{
	if (rd_need(r, 4) < 0)
		return 0;
	uint32_t v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 |
	    (uint32_t)r->p[2] << 8 | r->p[3];
	r->p += 4;
	return v;
}

/* Returns a pointer to the next `n` bytes and skips them, or NULL. */
static inline const uint8_t *
rd_bytes(struct rd *r, size_t n)
{
	if (rd_need(r, n) < 0)
		return NULL;
	const uint8_t *p = r->p;
	r->p += n;
	return p;
}

static inline size_t
wr_left(const struct wr *w)
{
	return w->err ? 0 : (size_t)(w->end - w->p);
}

static inline int
wr_need(struct wr *w, size_t n)
{
	if (w->err != 0)
		return -1;
	if ((size_t)(w->end - w->p) < n) {
		w->err = -IK_ETRUNC;
		return -1;
	}
	return 0;
}

static inline void
wr_u8(struct wr *w, uint8_t v)
{
	if (wr_need(w, 1) == 0)
		*w->p++ = v;
}

static inline void
wr_u16(struct wr *w, uint16_t v)
{
	if (wr_need(w, 2) < 0)
		return;
	w->p[0] = (uint8_t)(v >> 8);
	w->p[1] = (uint8_t)v;
	w->p += 2;
}

static inline void
wr_u32(struct wr *w, uint32_t v)
{
	if (wr_need(w, 4) < 0)
		return;
	w->p[0] = (uint8_t)(v >> 24);
	w->p[1] = (uint8_t)(v >> 16);
	w->p[2] = (uint8_t)(v >> 8);
	w->p[3] = (uint8_t)v;
	w->p += 4;
}

static inline void
wr_bytes(struct wr *w, const void *p, size_t n)
{
	if (n == 0 || wr_need(w, n) < 0)
		return;
	memcpy(w->p, p, n);
	w->p += n;
}

#endif
