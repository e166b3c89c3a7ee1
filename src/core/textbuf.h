/* core/textbuf.h - appends text into a caller's fixed buffer, for the
 * formatters on hot or bounded paths (zone text, the DHCP journal): no
 * snprintf per field, and one error check at the end instead of one per
 * piece. The buffer always keeps a byte for the closing NUL. */
#ifndef IK_CORE_TEXTBUF_H
#define IK_CORE_TEXTBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct textbuf {
	char	*p;
	size_t	 len, cap;
	int	 err;	/* -IK_ETRUNC once something did not fit */
};

#define TEXTBUF_INIT(buf, size)	{ (buf), 0, (size), 0 }

void textbuf_put(struct textbuf *b, const void *s, size_t n);
void textbuf_puts(struct textbuf *b, const char *s);
void textbuf_u64(struct textbuf *b, uint64_t v);
void textbuf_i64(struct textbuf *b, int64_t v);
/* Two digits a byte, in `upper` or lower case. */
void textbuf_hex(struct textbuf *b, const uint8_t *p, size_t n, bool upper);
/* NUL-terminates; the length without the NUL, or -IK_ETRUNC. */
int textbuf_end(struct textbuf *b);

#endif
