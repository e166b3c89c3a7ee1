/* fuzz/ftp_reply.c - the FTP client's codecs (ftp/reply_parse.h,
 * ftp/url.h) on one input. Byte 0 picks a split point; the rest is a
 * server's control stream, fed whole, in two pieces and a byte at a time:
 * each run must yield the same replies (codes, texts, line counts), each
 * within the contract. Every reply's text goes through the FEAT, PWD,
 * SIZE and time readers, every line of the stream through the MLSD and
 * LIST readers (names must lie inside the line and be non-empty), and
 * the first line through the URL reader, whose result must format and
 * parse back equal. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ftp/reply_parse.h"
#include "ftp/url.h"

#define FUZZ_STREAM_MAX		(64u << 10)
#define FUZZ_BYTEWISE_MAX	4096
#define FUZZ_REPLIES_MAX	256
#define FUZZ_TEXT_CAP		1024	/* small, so the cut path runs */

struct rec {
	int		 code[FUZZ_REPLIES_MAX];
	unsigned	 n_lines[FUZZ_REPLIES_MAX];
	bool		 is_cut[FUZZ_REPLIES_MAX];
	uint32_t	 hash[FUZZ_REPLIES_MAX];
	size_t		 n;
	bool		 bad;
	size_t		 bad_at;	/* replies before the BAD */
};

static uint32_t
fnv(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h;
}

static void
texts(const struct ftp_reply *r)
{
	char buf[256];
	uint64_t size;
	int64_t t;

	(void)ftp_feat_parse(r->text);
	ssize_t n = ftp_pwd_parse(r->text, buf, sizeof(buf));
	if (n >= 0 && ((size_t)n >= sizeof(buf) || buf[n] != '\0' ||
	    strlen(buf) != (size_t)n))
		abort();
	(void)ftp_size_parse(r->text, &size);
	(void)ftp_time_parse(r->text, r->len, &t);
}

static void
on_reply(struct rec *rec, const struct ftp_reply *r)
{
	if (r->code < 100 || r->code > 599 || strlen(r->text) != r->len ||
	    r->len > FUZZ_TEXT_CAP || r->n_lines == 0)
		abort();
	texts(r);
	if (rec->n < FUZZ_REPLIES_MAX) {
		rec->code[rec->n] = r->code;
		rec->n_lines[rec->n] = r->n_lines;
		rec->is_cut[rec->n] = r->is_cut;
		rec->hash[rec->n] = fnv(r->text, r->len);
	}
	rec->n++;
}

/* Feeds one piece, collecting replies; false once the stream is bad. */
static bool
feed(struct ftp_reply_parser *p, const char *in, size_t n, struct rec *rec)
{
	size_t off = 0;

	for (;;) {
		struct ftp_reply r;
		size_t used;
		enum ftp_parse_res res = ftp_reply_feed(p, in + off, n - off,
		    &used, &r);
		if (used > n - off)
			abort();
		off += used;
		if (res == FTP_PARSE_BAD) {
			rec->bad = true;
			rec->bad_at = rec->n;
			return false;
		}
		if (res == FTP_PARSE_MORE) {
			if (off != n)
				abort();
			return true;
		}
		on_reply(rec, &r);
	}
}

/* Feeds in[0..len) in pieces of `step` bytes, or (step 0) in two
 * pieces cut at `split`. */
static void
run(const char *in, size_t len, size_t split, size_t step, struct rec *rec)
{
	struct ftp_reply_parser p;

	memset(rec, 0, sizeof(*rec));
	if (ftp_reply_parser_init(&p, FUZZ_TEXT_CAP) != 0)
		abort();
	if (step == 0) {
		if (feed(&p, in, split, rec))
			(void)feed(&p, in + split, len - split, rec);
	} else {
		for (size_t at = 0; at < len; at += step) {
			size_t n = len - at < step ? len - at : step;
			if (!feed(&p, in + at, n, rec))
				break;
		}
	}
	ftp_reply_parser_clear(&p);
}

static bool
rec_equal(const struct rec *a, const struct rec *b)
{
	if (a->n != b->n || a->bad != b->bad || a->bad_at != b->bad_at)
		return false;
	for (size_t i = 0; i < a->n && i < FUZZ_REPLIES_MAX; i++)
		if (a->code[i] != b->code[i] ||
		    a->n_lines[i] != b->n_lines[i] ||
		    a->is_cut[i] != b->is_cut[i] || a->hash[i] != b->hash[i])
			return false;
	return true;
}

static void
entry_check(const char *line, size_t n, const struct ftp_entry *e)
{
	if (e->name < line || e->name_len == 0 ||
	    e->name + e->name_len > line + n)
		abort();
	if (e->target != NULL && (e->target < line ||
	    e->target + e->target_len > line + n))
		abort();
	if (e->has_mode && e->mode > 07777)
		abort();
	bool safe = ftp_name_is_safe(e->name, e->name_len);
	if (safe && (memchr(e->name, '/', e->name_len) != NULL ||
	    memchr(e->name, '\0', e->name_len) != NULL))
		abort();
}

static void
lines(const char *in, size_t len)
{
	size_t at = 0;

	while (at < len) {
		const char *nl = memchr(in + at, '\n', len - at);
		size_t end = nl != NULL ? (size_t)(nl - in) : len;
		const char *s = in + at;
		size_t n = end - at;
		struct ftp_entry e;

		if (n > 0 && s[n - 1] == '\r')
			n--;
		if (ftp_mlsx_parse(s, n, &e) == 0)
			entry_check(s, n, &e);
		if (ftp_list_parse(s, n, 1709294400, &e) == 0)
			entry_check(s, n, &e);
		at = end + 1;
	}
}

static void
url(const char *in, size_t len)
{
	char s[8192], out[3 * 8192];
	struct ftp_url u, back;
	const char *nl = memchr(in, '\n', len);
	size_t n = nl != NULL ? (size_t)(nl - in) : len;

	if (n >= sizeof(s) || memchr(in, '\0', n) != NULL)
		return;
	memcpy(s, in, n);
	s[n] = '\0';
	if (ftp_url_parse(s, &u) != 0)
		return;
	if (ftp_url_format(&u, true, out, sizeof(out)) < 0)
		abort();
	if (ftp_url_parse(out, &back) != 0 ||
	    strcmp(back.user, u.user) != 0 || strcmp(back.pass, u.pass) != 0 ||
	    strcmp(back.host, u.host) != 0 || strcmp(back.path, u.path) != 0 ||
	    back.port != u.port || back.type != u.type ||
	    back.has_user != u.has_user || back.has_pass != u.has_pass)
		abort();
	/* nothing that ends a command line survives decoding */
	if (strpbrk(u.path, "\r\n") != NULL || strpbrk(u.user, "\r\n") ||
	    strpbrk(u.pass, "\r\n"))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct rec want, got;

	if (len < 1 || len - 1 > FUZZ_STREAM_MAX)
		return 0;
	const char *in = (const char *)data + 1;
	size_t n = len - 1;
	size_t split = (size_t)data[0] * n / 255;

	run(in, n, n, 0, &want);			/* whole */
	run(in, n, split, 0, &got);			/* two pieces */
	if (!rec_equal(&got, &want))
		abort();
	if (n <= FUZZ_BYTEWISE_MAX) {
		run(in, n, 0, 1, &got);			/* byte by byte */
		if (!rec_equal(&got, &want))
			abort();
	}
	lines(in, n);
	url(in, n);
	return 0;
}
