/* core/textbuf.c - see textbuf.h. */
#include "core/textbuf.h"

#include <string.h>

#include "core/err.h"

void
textbuf_put(struct textbuf *b, const void *s, size_t n)
{
	if (b->err != 0)
		return;
	if (b->cap - b->len <= n) {	/* keep a byte for the NUL */
		b->err = -IK_ETRUNC;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

void
textbuf_puts(struct textbuf *b, const char *s)
{
	textbuf_put(b, s, strlen(s));
}

void
textbuf_u64(struct textbuf *b, uint64_t v)
{
	char d[20];
	size_t i = sizeof(d);

	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	textbuf_put(b, d + i, sizeof(d) - i);
}

void
textbuf_i64(struct textbuf *b, int64_t v)
{
	if (v < 0) {
		textbuf_put(b, "-", 1);
		textbuf_u64(b, 0 - (uint64_t)v);
	} else {
		textbuf_u64(b, (uint64_t)v);
	}
}

void
textbuf_hex(struct textbuf *b, const uint8_t *p, size_t n, bool upper)
{
	const char *hx = upper ? "0123456789ABCDEF" : "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		char h[2] = { hx[p[i] >> 4], hx[p[i] & 15] };
		textbuf_put(b, h, 2);
	}
}

int
textbuf_end(struct textbuf *b)
{
	if (b->err != 0 || b->cap == 0 || b->len >= b->cap)
		return -IK_ETRUNC;
	b->p[b->len] = '\0';
	return (int)b->len;
}
