/* fuzz/core_line_framer.c - the line framer against a byte-at-a-time
 * reference model. Input: byte 0 picks a split point, byte 1 is max_line,
 * byte 2 how often the callback asks to stop; the rest is the stream.
 * The stream is fed whole, in two pieces, and one byte per feed, resuming
 * after every stop; each run must emit exactly the model's lines (text and
 * flags), every line within the contract (<= max_line, no LF, terminated,
 * NULs only with LINE_F_NUL), and the consumed counts must add up. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/line.h"

#define FUZZ_STREAM_MAX	(64u << 10)
#define FUZZ_BYTEWISE_MAX 4096		/* one feed per byte up to this */
#define LINE_F_ALL	(LINE_F_TOO_LONG | LINE_F_BARE_LF | LINE_F_NUL)

struct rec_line {
	char		*text;
	size_t		 len;
	unsigned	 flags;
};

struct rec {
	struct rec_line	*v;
	size_t		 n, cap;
	size_t		 max_line;
	unsigned	 stop_every;	/* 0: never stop */
	bool		 stopped;	/* the last callback asked to stop */
};

static void
rec_add(struct rec *r, const char *text, size_t len, unsigned flags)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct rec_line *v = realloc(r->v, cap * sizeof(*v));
		if (v == NULL)
			abort();
		r->v = v;
		r->cap = cap;
	}
	struct rec_line *l = &r->v[r->n++];
	l->text = malloc(len + 1);
	if (l->text == NULL)
		abort();
	memcpy(l->text, text, len);
	l->text[len] = '\0';
	l->len = len;
	l->flags = flags;
}

static void
rec_clear(struct rec *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].text);
	free(r->v);
	r->v = NULL;
	r->n = r->cap = 0;
}

static bool
rec_equal(const struct rec *a, const struct rec *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		if (a->v[i].len != b->v[i].len ||
		    a->v[i].flags != b->v[i].flags ||
		    memcmp(a->v[i].text, b->v[i].text, a->v[i].len) != 0)
			return false;
	}
	return true;
}

/* ---- the model: what line.h promises, one byte at a time ---- */

struct model {
	char		*cur;		/* max_line + 1 bytes */
	size_t		 len, max_line;
	bool		 skipping, pending_cr;
};

static void
model_emit(struct model *m, struct rec *out, unsigned flags)
{
	if (memchr(m->cur, '\0', m->len) != NULL)
		flags |= LINE_F_NUL;
	rec_add(out, m->cur, m->len, flags);
	m->len = 0;
}

static void
model_add(struct model *m, struct rec *out, char c)
{
	if (m->len < m->max_line) {
		m->cur[m->len++] = c;
		return;
	}
	/* the head is reported once, the rest skipped to the LF */
	model_emit(m, out, LINE_F_TOO_LONG);
	m->skipping = true;
}

static void
model_byte(struct model *m, struct rec *out, char c)
{
	if (m->pending_cr) {
		m->pending_cr = false;
		if (c == '\n') {
			model_emit(m, out, 0);
			return;
		}
		model_add(m, out, '\r');	/* a lone CR is data */
	}
	if (m->skipping) {
		if (c == '\n') {
			m->skipping = false;
			m->len = 0;
		}
		return;
	}
	if (c == '\n')
		model_emit(m, out, LINE_F_BARE_LF);
	else if (c == '\r')
		m->pending_cr = true;
	else
		model_add(m, out, c);
}

static void
model_run(const char *in, size_t len, size_t max_line, struct rec *out)
{
	struct model m = { .max_line = max_line };

	m.cur = malloc(max_line + 1);
	if (m.cur == NULL)
		abort();
	for (size_t i = 0; i < len; i++)
		model_byte(&m, out, in[i]);
	free(m.cur);
}

/* ---- the framer ---- */

static int
on_line(void *arg, char *line, size_t len, unsigned flags)
{
	struct rec *r = arg;

	if (r->stopped)		/* called again after asking to stop */
		abort();
	if (len > r->max_line || line[len] != '\0' ||
	    memchr(line, '\n', len) != NULL || (flags & ~LINE_F_ALL) != 0)
		abort();
	if (!(flags & LINE_F_NUL) && memchr(line, '\0', len) != NULL)
		abort();
	if ((flags & LINE_F_TOO_LONG) && ((flags & LINE_F_BARE_LF) ||
	    len != r->max_line))
		abort();
	rec_add(r, line, len, flags);
	r->stopped = r->stop_every != 0 && r->n % r->stop_every == 0;
	return r->stopped;
}

/* Feeds in[0..len) as one piece, resuming after each stop. */
static void
feed_all(struct line_framer *f, const char *in, size_t len, struct rec *r)
{
	size_t done = 0;

	while (done < len) {
		size_t lines_before = r->n;
		r->stopped = false;
		size_t used = line_framer_feed(f, in + done, len - done,
		    on_line, r);
		if (used > len - done)
			abort();
		/* short only when asked to stop; no progress at all is
		 * only allowed when a line came out */
		if (used < len - done && !r->stopped)
			abort();
		if (used == 0 && r->n == lines_before)
			abort();
		done += used;
	}
	r->stopped = false;
}

static void
framer_run(const char *in, size_t len, size_t split, size_t step,
    struct rec *r)
{
	struct line_framer f;

	if (line_framer_init(&f, r->max_line) != 0)
		abort();
	if (step > 0) {
		for (size_t i = 0; i < len; i += step)
			feed_all(&f, in + i, len - i < step ? len - i : step, r);
	} else {
		feed_all(&f, in, split, r);
		feed_all(&f, in + split, len - split, r);
	}

	/* After a reset, whatever state the stream left, a fresh line
	 * frames as on a new framer. */
	static const char fresh[] = "ok\r\n";
	struct rec got = { .max_line = r->max_line };
	struct rec want = { .max_line = r->max_line };
	line_framer_reset(&f);
	feed_all(&f, fresh, sizeof(fresh) - 1, &got);
	model_run(fresh, sizeof(fresh) - 1, r->max_line, &want);
	if (!rec_equal(&got, &want))
		abort();
	rec_clear(&got);
	rec_clear(&want);
	line_framer_clear(&f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	if (len < 3 || len - 3 > FUZZ_STREAM_MAX)
		return 0;
	const char *in = (const char *)data + 3;
	size_t n = len - 3;
	size_t split = (size_t)data[0] * n / 255;
	size_t max_line = data[1];
	unsigned stop_every = data[2] % 5;
	struct rec want = { .max_line = max_line };

	model_run(in, n, max_line, &want);

	struct rec got = { .max_line = max_line, .stop_every = stop_every };
	framer_run(in, n, n, 0, &got);			/* whole */
	if (!rec_equal(&got, &want))
		abort();
	rec_clear(&got);

	framer_run(in, n, split, 0, &got);		/* two pieces */
	if (!rec_equal(&got, &want))
		abort();
	rec_clear(&got);

	if (n <= FUZZ_BYTEWISE_MAX) {
		framer_run(in, n, 0, 1, &got);		/* byte by byte */
		if (!rec_equal(&got, &want))
			abort();
		rec_clear(&got);
	}
	rec_clear(&want);
	return 0;
}
