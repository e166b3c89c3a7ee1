/* ftp/reply_parse.c - the FTP client's codec: replies (RFC 959 4.2) fed
 * in any pieces, FEAT/PWD/SIZE/MDTM texts, MLSD fact lines (RFC 3659),
 * "ls -l" and DOS LIST lines. Pure: the
 * caller passes the time where a LIST date needs one. Not here: sockets,
 * what a reply code means to a command (client.c decides). */
#include "ftp/reply_parse.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"

#define LIST_TOKENS_MAX	16	/* tokens looked at before the name */
#define SIX_MONTHS_S	(183 * 86400)

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* ---- replies ---- */

int
ftp_reply_parser_init(struct ftp_reply_parser *p, size_t text_cap)
{
	*p = (struct ftp_reply_parser){ 0 };
	p->text_cap = text_cap ? text_cap : FTP_REPLY_TEXT_MAX;
	p->line = malloc(FTP_REPLY_LINE_MAX + 1);	/* + CR */
	p->text = malloc(p->text_cap + 1);
	if (p->line == NULL || p->text == NULL) {
		ftp_reply_parser_clear(p);
		return -ENOMEM;
	}
	p->text[0] = '\0';
	return 0;
}

void
ftp_reply_parser_clear(struct ftp_reply_parser *p)
{
	free(p->line);
	free(p->text);
	*p = (struct ftp_reply_parser){ 0 };
}

static void
reply_start(struct ftp_reply_parser *p)
{
	p->in_multi = false;
	p->code = 0;
	p->text_len = 0;
	p->text[0] = '\0';
	p->n_lines = 0;
	p->is_cut = false;
	p->done = false;
}

void
ftp_reply_parser_reset(struct ftp_reply_parser *p)
{
	reply_start(p);
	p->line_len = 0;
	p->line_long = false;
	p->is_bad = false;
}

static void
text_add(struct ftp_reply_parser *p, const char *s, size_t n)
{
	size_t room;

	if (p->n_lines++ > 0) {
		if (p->text_len == p->text_cap) {
			p->is_cut = true;
			return;
		}
		p->text[p->text_len++] = '\n';
	}
	room = p->text_cap - p->text_len;
	if (n > room) {
		n = room;
		p->is_cut = true;
	}
	memcpy(p->text + p->text_len, s, n);
	p->text_len += n;
	p->text[p->text_len] = '\0';
}

/* The code a line starts with (three digits, the first 1..5), or 0. */
static int
line_code(const char *s, size_t n)
{
	if (n < 3 || s[0] < '1' || s[0] > '5' || !is_digit(s[1]) ||
	    !is_digit(s[2]))
		return 0;
	if (n > 3 && s[3] != ' ' && s[3] != '-')
		return 0;
	return (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
}

/* Takes one complete line. Returns DONE when it ended the reply, MORE,
 * or BAD. */
static enum ftp_parse_res
reply_line(struct ftp_reply_parser *p, const char *s, size_t n)
{
	if (memchr(s, '\0', n) != NULL)
		return FTP_PARSE_BAD;
	if (p->line_long)
		p->is_cut = true;
	int code = line_code(s, n);
	if (!p->in_multi) {
		/* Blank lines between replies come from sloppy servers. */
		if (n == 0)
			return FTP_PARSE_MORE;
		if (code == 0)
			return FTP_PARSE_BAD;
		p->code = code;
		text_add(p, s + (n > 3 ? 4 : 3), n > 3 ? n - 4 : 0);
		if (n > 3 && s[3] == '-') {
			p->in_multi = true;
			return FTP_PARSE_MORE;
		}
		return FTP_PARSE_DONE;
	}
	if (code == p->code) {
		text_add(p, s + (n > 3 ? 4 : 3), n > 3 ? n - 4 : 0);
		return n > 3 && s[3] == '-' ? FTP_PARSE_MORE : FTP_PARSE_DONE;
	}
	text_add(p, s, n);
	return FTP_PARSE_MORE;
}

enum ftp_parse_res
ftp_reply_feed(struct ftp_reply_parser *p, const char *buf, size_t len,
    size_t *used, struct ftp_reply *out)
{
	size_t i;

	*used = 0;
	if (p->is_bad)
		return FTP_PARSE_BAD;
	if (p->done)
		reply_start(p);
	for (i = 0; i < len; i++) {
		char c = buf[i];

		if (c != '\n') {
			/* one byte more than the cap: room for the CR */
			if (p->line_len <= FTP_REPLY_LINE_MAX)
				p->line[p->line_len++] = c;
			else
				p->line_long = true;
			continue;
		}
		size_t n = p->line_len;
		/* CRLF, or a bare LF */
		if (n > 0 && p->line[n - 1] == '\r' && !p->line_long)
			n--;
		if (n > FTP_REPLY_LINE_MAX) {
			n = FTP_REPLY_LINE_MAX;
			p->line_long = true;
		}
		enum ftp_parse_res r = reply_line(p, p->line, n);
		p->line_len = 0;
		p->line_long = false;
		if (r == FTP_PARSE_BAD) {
			p->is_bad = true;
			*used = i + 1;
			return r;
		}
		if (r == FTP_PARSE_DONE) {
			*used = i + 1;
			p->done = true;
			out->code = p->code;
			out->text = p->text;
			out->len = p->text_len;
			out->n_lines = p->n_lines;
			out->is_cut = p->is_cut;
			return r;
		}
	}
	*used = len;
	return FTP_PARSE_MORE;
}

/* ---- texts inside replies ---- */

static const struct {
	const char	*word;		/* the feature's first word */
	const char	*arg;		/* a word that must follow, or NULL */
	unsigned	 bit;
} feat_words[] = {
	{ "MLST", NULL, FTP_FEAT_MLST },
	{ "SIZE", NULL, FTP_FEAT_SIZE },
	{ "MDTM", NULL, FTP_FEAT_MDTM },
	{ "REST", "STREAM", FTP_FEAT_REST_STREAM },
	{ "EPSV", NULL, FTP_FEAT_EPSV },
	{ "EPRT", NULL, FTP_FEAT_EPRT },
	{ "AUTH", "TLS", FTP_FEAT_AUTH_TLS },
	{ "PBSZ", NULL, FTP_FEAT_PBSZ },
	{ "PROT", NULL, FTP_FEAT_PROT },
	{ "UTF8", NULL, FTP_FEAT_UTF8 },
	{ "TVFS", NULL, FTP_FEAT_TVFS },
	{ 0 },
};

/* True when the word `w` (of `wn` bytes) occurs in s[0..n) as a whole
 * word; words are split by spaces and ';' ("AUTH TLS;SSL"). */
static bool
has_word(const char *s, size_t n, const char *w)
{
	size_t wn = strlen(w);

	for (size_t i = 0; i + wn <= n; i++) {
		if (i > 0 && s[i - 1] != ' ' && s[i - 1] != ';')
			continue;
		if (strncasecmp(s + i, w, wn) == 0 && (i + wn == n ||
		    s[i + wn] == ' ' || s[i + wn] == ';'))
			return true;
	}
	return false;
}

static unsigned
feat_line(const char *s, size_t n)
{
	while (n > 0 && *s == ' ') {
		s++;
		n--;
	}
	size_t wn = 0;
	while (wn < n && s[wn] != ' ')
		wn++;
	for (size_t i = 0; feat_words[i].word != NULL; i++) {
		if (strlen(feat_words[i].word) != wn ||
		    strncasecmp(s, feat_words[i].word, wn) != 0)
			continue;
		if (feat_words[i].arg == NULL ||
		    has_word(s + wn, n - wn, feat_words[i].arg))
			return feat_words[i].bit;
	}
	return 0;
}

unsigned
ftp_feat_parse(const char *text)
{
	unsigned bits = 0;
	const char *p = strchr(text, '\n');

	/* The first line ("Features:") and the last ("End") are not
	 * features; a one-line reply has none. */
	while (p != NULL) {
		const char *s = p + 1;
		p = strchr(s, '\n');
		if (p != NULL)
			bits |= feat_line(s, (size_t)(p - s));
	}
	return bits;
}

ssize_t
ftp_pwd_parse(const char *text, char *out, size_t cap)
{
	const char *p = strchr(text, '"');
	size_t n = 0;

	if (p == NULL)
		return -IK_EPARSE;
	for (p++; *p != '\0'; p++) {
		if (*p == '"') {
			if (p[1] != '"')
				break;
			p++;
		}
		if (n + 1 >= cap)
			return -IK_ETRUNC;
		out[n++] = *p;
	}
	if (*p != '"')
		return -IK_EPARSE;
	if (cap == 0)
		return -IK_ETRUNC;
	out[n] = '\0';
	return (ssize_t)n;
}

int
ftp_size_parse(const char *text, uint64_t *out)
{
	const char *s = text;
	uint64_t v = 0;

	while (*s == ' ')
		s++;
	if (!is_digit(*s))
		return -IK_EPARSE;
	for (; is_digit(*s); s++) {
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -IK_EPARSE;
		v = v * 10 + d;
	}
	while (*s == ' ')
		s++;
	/* Some servers append words after the number on the line; only
	 * the first line is the size. */
	if (*s != '\0' && *s != '\n')
		return -IK_EPARSE;
	*out = v;
	return 0;
}

int64_t
ftp_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	/* H. Hinnant's days_from_civil: March-based years, 400-year eras. */
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (int64_t)(m > 2 ? m - 3 : m + 9) + 2) / 5 +
	    (int64_t)d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static bool
is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned
month_days(int64_t y, unsigned m)
{
	static const unsigned days[12] = { 31, 28, 31, 30, 31, 30, 31, 31,
	    30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* n decimal digits at s; -1 if any is not a digit. */
static long
digits(const char *s, size_t n)
{
	long v = 0;

	for (size_t i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int
civil_time(int64_t y, long mo, long d, long h, long mi, long s,
    int64_t *out)
{
	if (mo < 1 || mo > 12 || d < 1 ||
	    (unsigned long)d > month_days(y, (unsigned)mo) ||
	    h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60)
		return -IK_EPARSE;
	*out = ftp_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
	    h * 3600 + mi * 60 + s;
	return 0;
}

int
ftp_time_parse(const char *s, size_t len, int64_t *out)
{
	if (len < 14)
		return -IK_EPARSE;
	if (len > 14) {
		/* RFC 3659 2.3: an optional fraction, "." and digits */
		if (s[14] != '.' || len == 15 || digits(s + 15, len - 15) < 0)
			return -IK_EPARSE;
	}
	long y = digits(s, 4), mo = digits(s + 4, 2), d = digits(s + 6, 2);
	long h = digits(s + 8, 2), mi = digits(s + 10, 2);
	long sec = digits(s + 12, 2);
	if (y < 0)
		return -IK_EPARSE;
	return civil_time(y, mo, d, h, mi, sec, out);
}

/* ---- MLSD ---- */

static void
mlsx_fact(const char *f, size_t n, struct ftp_entry *e)
{
	const char *eq = memchr(f, '=', n);
	size_t kn = (size_t)(eq - f);
	const char *v = eq + 1;
	size_t vn = n - kn - 1;

	if (kn == 4 && strncasecmp(f, "type", 4) == 0) {
		if (vn == 4 && strncasecmp(v, "file", 4) == 0)
			e->type = FTP_ENT_FILE;
		else if (vn == 3 && strncasecmp(v, "dir", 3) == 0)
			e->type = FTP_ENT_DIR;
		else if (vn == 4 && strncasecmp(v, "cdir", 4) == 0)
			e->type = FTP_ENT_CDIR;
		else if (vn == 4 && strncasecmp(v, "pdir", 4) == 0)
			e->type = FTP_ENT_PDIR;
		else if ((vn >= 13 && strncasecmp(v, "OS.unix=slink", 13) ==
		    0) || (vn >= 15 && strncasecmp(v, "OS.unix=symlink", 15) ==
		    0))
			e->type = FTP_ENT_LINK;
		else
			e->type = FTP_ENT_OTHER;
	} else if (kn == 4 && strncasecmp(f, "size", 4) == 0) {
		uint64_t sz = 0;
		size_t i;
		for (i = 0; i < vn && is_digit(v[i]); i++) {
			if (sz > (UINT64_MAX - 9) / 10)
				break;
			sz = sz * 10 + (uint64_t)(v[i] - '0');
		}
		if (vn > 0 && i == vn) {
			e->size = sz;
			e->has_size = true;
		}
	} else if (kn == 6 && strncasecmp(f, "modify", 6) == 0) {
		e->has_mtime = ftp_time_parse(v, vn, &e->mtime) == 0;
		e->mtime_prec = e->has_mtime ? 1 : 0;
	} else if (kn == 9 && strncasecmp(f, "UNIX.mode", 9) == 0) {
		unsigned mode = 0;
		size_t i;
		for (i = 0; i < vn && i < 6 && v[i] >= '0' && v[i] <= '7'; i++)
			mode = mode * 8 + (unsigned)(v[i] - '0');
		if (vn > 0 && i == vn) {
			e->mode = mode & 07777;
			e->has_mode = true;
		}
	}
}

int
ftp_mlsx_parse(const char *line, size_t len, struct ftp_entry *out)
{
	const char *sp = memchr(line, ' ', len);

	*out = (struct ftp_entry){ .type = FTP_ENT_FILE };
	if (sp == NULL)
		return -IK_EPARSE;
	size_t fn = (size_t)(sp - line);
	for (size_t i = 0; i < fn;) {
		const char *semi = memchr(line + i, ';', fn - i);
		/* every fact ends in ';' and holds '=' after a name */
		if (semi == NULL)
			return -IK_EPARSE;
		size_t n = (size_t)(semi - (line + i));
		const char *eq = memchr(line + i, '=', n);
		if (eq == NULL || eq == line + i)
			return -IK_EPARSE;
		mlsx_fact(line + i, n, out);
		i += n + 1;
	}
	out->name = sp + 1;
	out->name_len = len - fn - 1;
	if (out->name_len == 0 || memchr(out->name, '\0', out->name_len))
		return -IK_EPARSE;
	return 0;
}

/* ---- LIST ---- */

struct tok {
	const char	*s;
	size_t		 n;
};

/* Splits s[0..len) at runs of spaces into at most `max` tokens. */
static size_t
tokenize(const char *s, size_t len, struct tok *t, size_t max)
{
	size_t n = 0, i = 0;

	while (n < max) {
		while (i < len && s[i] == ' ')
			i++;
		if (i == len)
			break;
		size_t start = i;
		while (i < len && s[i] != ' ')
			i++;
		t[n].s = s + start;
		t[n].n = i - start;
		n++;
	}
	return n;
}

static int
month_of(const struct tok *t)
{
	static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

	if (t->n != 3)
		return 0;
	for (int m = 0; m < 12; m++)
		if (strncasecmp(t->s, names + 3 * m, 3) == 0)
			return m + 1;
	return 0;
}

static bool
tok_uint(const struct tok *t, uint64_t *out)
{
	uint64_t v = 0;

	if (t->n == 0 || t->n > 19)
		return false;
	for (size_t i = 0; i < t->n; i++) {
		if (!is_digit(t->s[i]))
			return false;
		v = v * 10 + (uint64_t)(t->s[i] - '0');
	}
	*out = v;
	return true;
}

/* "rwxr-xr-x" (with s S t T) to permission bits. */
static unsigned
perm_bits(const char *p)
{
	unsigned mode = 0;

	for (int i = 0; i < 9; i++) {
		unsigned bit = 1u << (8 - i);
		char c = p[i];
		if (c == 'r' || c == 'w' || c == 'x' || c == 's' || c == 't')
			mode |= bit;
		if ((i == 2 || i == 5) && (c == 's' || c == 'S'))
			mode |= i == 2 ? 04000 : 02000;
		if (i == 8 && (c == 't' || c == 'T'))
			mode |= 01000;
	}
	return mode;
}

static bool
perm_valid(const struct tok *t)
{
	if (t->n < 10 || strchr("-dlcbps", t->s[0]) == NULL)
		return false;
	for (int i = 1; i < 10; i++)
		if (strchr("rwxsStT-", t->s[i]) == NULL)
			return false;
	return true;
}

/* The date columns "Jan  2 12:00" or "Jan  2  2024" at t[0..2]; *prec
 * gets the precision (a minute, or a day). */
static int
unix_date(const struct tok *t, int64_t now, int64_t *out, unsigned *prec)
{
	int mo = month_of(&t[0]);
	uint64_t d;

	if (mo == 0 || !tok_uint(&t[1], &d) || d < 1 || d > 31)
		return -IK_EPARSE;
	if (t[2].n == 4) {
		long y = digits(t[2].s, 4);
		if (y < 0)
			return -IK_EPARSE;
		*prec = 86400;
		return civil_time(y, mo, (long)d, 0, 0, 0, out);
	}
	*prec = 60;
	if (t[2].n != 5 || t[2].s[2] != ':')
		return -IK_EPARSE;
	long h = digits(t[2].s, 2), mi = digits(t[2].s + 3, 2);
	int64_t days = now >= 0 ? now / 86400 : (now - 86399) / 86400;
	/* the year of `now`: the civil year whose Jan 1 is <= days */
	int64_t y = 1970 + days / 366;
	while (ftp_days_from_civil(y + 1, 1, 1) <= days)
		y++;
	/* Feb 29 of a year that lacks it: the previous leap year is out
	 * of ls's six-month window anyway. */
	if (mo == 2 && d == 29 && !is_leap(y) && !is_leap(y - 1))
		return -IK_EPARSE;
	if (civil_time(y, mo, (long)d, h, mi, 0, out) < 0 ||
	    *out > now + 86400) {
		if (civil_time(y - 1, mo, (long)d, h, mi, 0, out) < 0)
			return -IK_EPARSE;
	}
	return 0;
}

/* Sets the name (after exactly one space past the end of token `t`),
 * splitting "name -> target" for links. */
static int
list_name(const char *line, size_t len, const struct tok *t,
    struct ftp_entry *e)
{
	size_t at = (size_t)(t->s + t->n - line) + 1;

	if (at >= len)
		return -IK_EPARSE;
	e->name = line + at;
	e->name_len = len - at;
	if (e->type == FTP_ENT_LINK) {
		for (size_t i = 0; i + 4 <= e->name_len; i++) {
			if (memcmp(e->name + i, " -> ", 4) == 0) {
				e->target = e->name + i + 4;
				e->target_len = e->name_len - i - 4;
				e->name_len = i;
				break;
			}
		}
	}
	if (e->name_len == 0 || memchr(e->name, '\0', e->name_len))
		return -IK_EPARSE;
	return 0;
}

static int
list_unix(const char *line, size_t len, const struct tok *t, size_t nt,
    int64_t now, struct ftp_entry *e)
{
	if (!perm_valid(&t[0]))
		return -IK_EPARSE;
	switch (t[0].s[0]) {
	case '-':
		e->type = FTP_ENT_FILE;
		break;
	case 'd':
		e->type = FTP_ENT_DIR;
		break;
	case 'l':
		e->type = FTP_ENT_LINK;
		break;
	default:
		e->type = FTP_ENT_OTHER;
		break;
	}
	e->mode = perm_bits(t[0].s + 1);
	e->has_mode = true;
	/* The size is the number just before the month: links, owner
	 * and group columns vary between servers. */
	for (size_t m = 2; m + 2 < nt; m++) {
		if (month_of(&t[m]) == 0 || !tok_uint(&t[m - 1], &e->size))
			continue;
		if (unix_date(&t[m], now, &e->mtime, &e->mtime_prec) < 0)
			continue;
		e->has_size = e->has_mtime = true;
		return list_name(line, len, &t[m + 2], e);
	}
	return -IK_EPARSE;
}

/* "01-02-24  12:00PM  <DIR>  name" (IIS and other DOS-style servers) */
static int
list_dos(const char *line, size_t len, const struct tok *t, size_t nt,
    struct ftp_entry *e)
{
	const struct tok *dt = &t[0], *tm = &t[1];

	if (nt < 4 || (dt->n != 8 && dt->n != 10) || dt->s[2] != '-' ||
	    dt->s[5] != '-')
		return -IK_EPARSE;
	long mo = digits(dt->s, 2), d = digits(dt->s + 3, 2);
	long y = digits(dt->s + 6, dt->n - 6);
	if (y < 0)
		return -IK_EPARSE;
	if (dt->n == 8)
		y += y < 70 ? 2000 : 1900;
	if (tm->n != 7 || tm->s[2] != ':')
		return -IK_EPARSE;
	long h = digits(tm->s, 2), mi = digits(tm->s + 3, 2);
	if (h < 1 || h > 12)
		return -IK_EPARSE;
	if (strncasecmp(tm->s + 5, "AM", 2) == 0)
		h %= 12;
	else if (strncasecmp(tm->s + 5, "PM", 2) == 0)
		h = h % 12 + 12;
	else
		return -IK_EPARSE;
	if (civil_time(y, mo, d, h, mi, 0, &e->mtime) < 0)
		return -IK_EPARSE;
	e->has_mtime = true;
	e->mtime_prec = 60;
	if (t[2].n == 5 && memcmp(t[2].s, "<DIR>", 5) == 0) {
		e->type = FTP_ENT_DIR;
	} else if (tok_uint(&t[2], &e->size)) {
		e->type = FTP_ENT_FILE;
		e->has_size = true;
	} else {
		return -IK_EPARSE;
	}
	/* the name follows a run of spaces after the size column */
	size_t at = (size_t)(t[2].s + t[2].n - line);
	while (at < len && line[at] == ' ')
		at++;
	if (at >= len)
		return -IK_EPARSE;
	e->name = line + at;
	e->name_len = len - at;
	if (memchr(e->name, '\0', e->name_len))
		return -IK_EPARSE;
	return 0;
}

int
ftp_list_parse(const char *line, size_t len, int64_t now,
    struct ftp_entry *out)
{
	struct tok t[LIST_TOKENS_MAX];

	*out = (struct ftp_entry){ .type = FTP_ENT_FILE };
	size_t nt = tokenize(line, len, t, LIST_TOKENS_MAX);
	if (nt < 4)
		return -IK_EPARSE;
	if (is_digit(t[0].s[0]))
		return list_dos(line, len, t, nt, out);
	return list_unix(line, len, t, nt, now, out);
}

bool
ftp_name_is_safe(const char *name, size_t len)
{
	if (len == 0 || (len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.'))
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c == '/' || c < 0x20 || c == 0x7f)
			return false;
	}
	return true;
}
