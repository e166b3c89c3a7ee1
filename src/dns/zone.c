/* dns/zone.c - RFC 1035 5 master files. The whole file is read in one go;
 * a lexer cuts it into logical records (tokens are slices of the buffer,
 * escapes left for name.c and rr.c to decode), then each record is a
 * directive or [owner] [ttl] [class] type rdata. Entry points:
 * dns_zone_parse_file, dns_zone_parse_text, dns_ttl_from_text. Not done
 * here: out-of-zone data, CNAME exclusivity, glue (zonedb's job). */
#include "dns/zone.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/cfg.h"
#include "core/err.h"
#include "core/fs.h"

/* Our own caps; RFC 1035 sets none for master files. 64 KiB of token text
 * holds any realistic record (an RDATA is at most 65535 bytes, RFC 1035
 * 3.2.1, though its longest text form is longer). */
#define ZONE_RECORD_MAX	65536	/* bytes of token text per record */
#define ZONE_TOKENS_MAX	32768	/* tokens per record */
#define ZONE_FILE_MAX	((size_t)1 << 31)	/* line numbers fit an int */
#define ZONE_TTL_MAX	0x7fffffffu	/* RFC 2181 8 */
#define ZONE_SHOW_MAX	48	/* bytes of a token in a message */
/* $INCLUDEs per parse: a file that includes another k times, which does
 * the same, ... would otherwise read k^8 files within the depth limit. */
#define ZONE_INCLUDES_MAX	4096

/* State shared by a file and all it includes. */
struct zp {
	const struct zone_parse	*p;
	struct arena		*arena;	/* reset after each record */
	struct dns_tok		*tok;	/* this record's tokens */
	size_t			 tok_cap;
	size_t			 n_errs;
	size_t			 n_rr;	/* records add() took */
	size_t			 n_includes;
	int			 rc;	/* fatal: add()'s, -ENOMEM */
	bool			 stop;
	bool			 has_ttl_dollar, has_ttl_prev;
	uint32_t		 ttl_dollar, ttl_prev;
};

/* One file being read; $INCLUDE puts the next one on the C stack, so the
 * origin and the current owner come back after it (RFC 1035 5.1: an
 * included file's $ORIGIN does not change the includer's). $TTL and the
 * previous TTL live in struct zp: they carry on across files. */
struct zfile {
	const char		*name;	/* in messages */
	const char		*dir;	/* $INCLUDE base; NULL: none */
	unsigned		 depth;	/* 0 for the top file */
	const char		*p, *end;
	int			 line;
	bool			 has_origin, has_owner;
	struct dns_name		 origin;
	struct dns_name		 owner;	/* the last, for blank owners */
};

/* One logical record as the lexer cut it. */
struct rec {
	size_t		 n_tok;
	size_t		 bytes;		/* token text, for the cap */
	int		 line;		/* of its first token */
	bool		 blank_owner;	/* began with a space or tab */
	bool		 bad;		/* the lexer found an error */
};

static void __attribute__((format(printf, 4, 5)))
zerr(struct zp *z, const struct zfile *f, int line, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cfg_errf(z->p->errs, f->name, line, "%s", msg);
	z->n_errs++;
	if (z->n_errs >= (z->p->max_errors > 0 ? z->p->max_errors : 1))
		z->stop = true;
}

/* A token for a message: printable ASCII only, capped, since a zone may
 * come from someone we do not trust. */
static const char *
tok_show(const struct dns_tok *t, char *buf, size_t cap)
{
	size_t n = t->len < cap - 4 ? t->len : cap - 4, i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t->s[i];
		buf[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	if (n < t->len) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}

/* Lexer. RFC 1035 5.1: blanks separate tokens, a newline ends a record
 * except inside ( ), ';' starts a comment, "..." is one token, and \X or
 * \DDD quotes a character. Like BIND, '(' ')' ';' and '"' also end an
 * unquoted token. A lexer error puts the record in skip mode: the rest of
 * it (to the newline after the closing parenthesis) is read by the same
 * rules so that the next record starts where it should. */

static void
lex_err(struct zp *z, struct zfile *f, struct rec *r, int line,
    const char *what)
{
	if (r->bad)
		return;
	r->bad = true;
	zerr(z, f, line, "%s", what);
}

static void
lex_push(struct zp *z, struct zfile *f, struct rec *r, const char *s,
    size_t len, bool quoted)
{
	if (r->bad)
		return;
	r->bytes += len;
	if (r->bytes > ZONE_RECORD_MAX) {
		lex_err(z, f, r, f->line, "record longer than 64 KiB");
		return;
	}
	if (r->n_tok == ZONE_TOKENS_MAX) {
		lex_err(z, f, r, f->line, "too many tokens in one record");
		return;
	}
	if (r->n_tok == z->tok_cap) {
		size_t cap = z->tok_cap * 2;
		struct dns_tok *t = realloc(z->tok, cap * sizeof(*t));
		if (t == NULL) {
			z->rc = -ENOMEM;
			z->stop = true;
			lex_err(z, f, r, f->line, "out of memory");
			return;
		}
		z->tok = t;
		z->tok_cap = cap;
	}
	if (r->n_tok == 0)
		r->line = f->line;
	z->tok[r->n_tok++] = (struct dns_tok){ s, len, quoted };
}

/* p is just after the opening quote. A raw newline ends the string with
 * an error, as in BIND, rather than running on into the next records. */
static const char *
lex_quoted(struct zp *z, struct zfile *f, struct rec *r, const char *p)
{
	const char *s = p;
	int line = f->line;

	while (p < f->end) {
		char c = *p;
		if (c == '\\') {
			if (++p < f->end && *p++ == '\n')
				f->line++;
			continue;
		}
		if (c == '"') {
			lex_push(z, f, r, s, (size_t)(p - s), true);
			return p + 1;
		}
		if (c == '\n' || c == '\0')
			break;
		p++;
	}
	lex_err(z, f, r, line, "unterminated quoted string");
	return p;
}

static const char *
lex_word(struct zp *z, struct zfile *f, struct rec *r, const char *p)
{
	const char *s = p;

	while (p < f->end) {
		switch (*p) {
		case '\\':
			/* Only the boundary matters here: "a\ b" is one token,
			 * and "\;" does not start a comment. */
			if (++p < f->end && *p++ == '\n')
				f->line++;
			continue;
		case ' ': case '\t': case '\r': case '\n': case ';':
		case '(': case ')': case '"': case '\0':
			goto out;
		default:
			p++;
		}
	}
out:
	lex_push(z, f, r, s, (size_t)(p - s), false);
	return p;
}

/* Cuts the next logical record into z->tok. False at the end of input. */
static bool
lex_record(struct zp *z, struct zfile *f, struct rec *r)
{
	const char *p = f->p, *end = f->end;
	size_t depth = 0;
	int open_line = 0;

	if (p == end)
		return false;
	*r = (struct rec){ .line = f->line,
	    .blank_owner = *p == ' ' || *p == '\t' };
	while (p < end) {
		switch (*p) {
		case ' ': case '\t': case '\r':	/* '\r': CRLF files */
			p++;
			break;
		case '\n':
			p++;
			f->line++;
			if (depth == 0)
				goto out;
			break;
		case ';': {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			p = nl != NULL ? nl : end;
			break;
		}
		case '(':
			if (depth++ == 0)
				open_line = f->line;
			p++;
			break;
		case ')':
			if (depth == 0)
				lex_err(z, f, r, f->line, "')' without '('");
			else
				depth--;
			p++;
			break;
		case '"':
			p = lex_quoted(z, f, r, p + 1);
			break;
		case '\0':
			lex_err(z, f, r, f->line, "NUL byte in zone text");
			p++;
			break;
		default:
			p = lex_word(z, f, r, p);
		}
	}
	if (depth > 0)
		lex_err(z, f, r, open_line, "'(' not closed at end of file");
out:
	f->p = p;
	return true;
}

int
dns_ttl_from_text(const char *s, size_t len, uint32_t *out)
{
	uint64_t total = 0;
	size_t i = 0;

	if (len == 0)
		return -IK_EPARSE;
	while (i < len) {
		uint64_t n = 0, mul;
		size_t start = i;

		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			n = n * 10 + (uint64_t)(s[i] - '0');
			if (n > ZONE_TTL_MAX)	/* saturate */
				n = (uint64_t)ZONE_TTL_MAX + 1;
		}
		if (i == start)
			return -IK_EPARSE;
		if (i == len) {
			/* Trailing digits are seconds: "1h30" as NSD reads it
			 * (BIND refuses it), and a bare "3600". */
			mul = 1;
		} else {
			switch (s[i++]) {
			case 'w': case 'W': mul = 7 * 86400; break;
			case 'd': case 'D': mul = 86400; break;
			case 'h': case 'H': mul = 3600; break;
			case 'm': case 'M': mul = 60; break;
			case 's': case 'S': mul = 1; break;
			default: return -IK_EPARSE;
			}
		}
		total += n * mul;	/* <= 2^31 * 604800 + 2^31: no wrap */
		if (total > ZONE_TTL_MAX)
			total = (uint64_t)ZONE_TTL_MAX + 1;
	}
	if (total > ZONE_TTL_MAX)
		return -IK_ELIMIT;
	*out = (uint32_t)total;
	return 0;
}

static const struct dns_name *
cur_origin(const struct zfile *f)
{
	return f->has_origin ? &f->origin : NULL;
}

static void
name_err(struct zp *z, const struct zfile *f, int line, const char *what,
    const struct dns_tok *t, int rc)
{
	char tb[ZONE_SHOW_MAX];

	if (rc == -IK_ELIMIT)
		zerr(z, f, line, "%s '%s' too long (a label is at most 63 "
		    "bytes, a name 255)", what, tok_show(t, tb, sizeof(tb)));
	else if (!f->has_origin)
		zerr(z, f, line, "bad %s '%s' (relative names need an "
		    "$ORIGIN)", what, tok_show(t, tb, sizeof(tb)));
	else
		zerr(z, f, line, "bad %s '%s'", what,
		    tok_show(t, tb, sizeof(tb)));
}

/* The TTL of a record that gives none. RFC 2308 4 made $TTL the default;
 * before it, RFC 1035 5.1 said "the last explicitly stated value". With
 * neither, BIND gives an SOA that comes first its own minimum field (and
 * the records after it then inherit that); so do we. */
static int
ttl_default(const struct zp *z, uint16_t type, const uint8_t *rdata,
    uint16_t rdlen, uint32_t *ttl)
{
	if (z->has_ttl_dollar)
		*ttl = z->ttl_dollar;
	else if (z->has_ttl_prev)
		*ttl = z->ttl_prev;
	else if (type == DNS_T_SOA && z->n_rr == 0 && rdlen >= 20) {
		const uint8_t *m = rdata + rdlen - 4;	/* MINIMUM, last */
		*ttl = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 |
		    (uint32_t)m[2] << 8 | m[3];
		if (*ttl > ZONE_TTL_MAX)
			return -IK_ELIMIT;
	} else
		return -IK_ENOTFOUND;
	return 0;
}

/* [ttl] [class] in either order (RFC 1035 5.1). A token that starts with
 * a digit can only be a TTL: no type or class mnemonic does. Returns the
 * index of the type token, or -1 after an error. */
static long
rr_ttl_class(struct zp *z, const struct zfile *f, const struct rec *r,
    size_t i, bool *has_ttl, uint32_t *ttl)
{
	const struct dns_tok *t = z->tok;
	bool has_class = false;
	char tb[ZONE_SHOW_MAX];
	uint16_t class;
	int rc;

	for (; i < r->n_tok && !t[i].quoted; i++) {
		if (t[i].s[0] >= '0' && t[i].s[0] <= '9') {
			if (*has_ttl) {
				zerr(z, f, r->line, "second TTL '%s'",
				    tok_show(&t[i], tb, sizeof(tb)));
				return -1;
			}
			rc = dns_ttl_from_text(t[i].s, t[i].len, ttl);
			if (rc < 0) {
				zerr(z, f, r->line, rc == -IK_ELIMIT ?
				    "TTL '%s' over 2^31-1 (RFC 2181 8)" :
				    "bad TTL '%s'",
				    tok_show(&t[i], tb, sizeof(tb)));
				return -1;
			}
			*has_ttl = true;
		} else if (!has_class &&
		    dns_class_from_text(t[i].s, t[i].len, &class) == 0) {
			/* CLASS1 is IN (RFC 3597 5); class_from_text says 1. */
			if (class != DNS_C_IN) {
				zerr(z, f, r->line, "class '%s': only class "
				    "IN is served",
				    tok_show(&t[i], tb, sizeof(tb)));
				return -1;
			}
			has_class = true;
		} else
			break;
	}
	return (long)i;
}

static void
do_rr(struct zp *z, struct zfile *f, const struct rec *r)
{
	const struct dns_tok *t = z->tok;
	struct dns_rr rr = { .class = DNS_C_IN };
	bool has_ttl = false;
	const char *why = NULL;
	char tb[ZONE_SHOW_MAX], nb[16];
	size_t i = 0;
	long ti;
	int rc;

	/* Leading blank: the previous owner (RFC 1035 5.1). Otherwise the
	 * first token is the owner whatever it looks like ("1h", "IN"). */
	if (r->blank_owner) {
		if (!f->has_owner) {
			zerr(z, f, r->line, "line starts with a blank but "
			    "there is no previous owner");
			return;
		}
		rr.name = f->owner;
	} else {
		if (t[0].quoted) {
			zerr(z, f, r->line, "owner name may not be quoted");
			return;
		}
		rc = dns_name_from_text(t[0].s, t[0].len, cur_origin(f),
		    &rr.name);
		if (rc < 0) {
			name_err(z, f, r->line, "owner name", &t[0], rc);
			return;
		}
		/* Kept even if the rest is bad, so the blank-owner lines
		 * after it do not report a misleading owner. */
		f->owner = rr.name;
		f->has_owner = true;
		i = 1;
	}
	if ((ti = rr_ttl_class(z, f, r, i, &has_ttl, &rr.ttl)) < 0)
		return;
	i = (size_t)ti;
	if (i == r->n_tok) {
		zerr(z, f, r->line, "missing type");
		return;
	}
	if (t[i].quoted || dns_type_from_text(t[i].s, t[i].len,
	    &rr.type) < 0) {
		zerr(z, f, r->line, "unknown type '%s'",
		    tok_show(&t[i], tb, sizeof(tb)));
		return;
	}
	dns_type_name(rr.type, nb, sizeof(nb));
	if (dns_type_is_meta(rr.type)) {
		zerr(z, f, r->line, "type %s may not appear in zone data",
		    nb);
		return;
	}
	if (++i == r->n_tok) {
		zerr(z, f, r->line, "missing %s RDATA", nb);
		return;
	}
	rc = dns_rdata_from_text(rr.type, &t[i], r->n_tok - i, cur_origin(f),
	    z->arena, &rr.rdata, &rr.rdlen, &why);
	if (rc == -ENOMEM) {
		z->rc = rc;
		z->stop = true;
	}
	if (rc < 0) {
		zerr(z, f, r->line, "bad %s RDATA: %s", nb,
		    why != NULL ? why : ik_strerror(rc));
		return;
	}
	if (!has_ttl) {
		rc = ttl_default(z, rr.type, rr.rdata, rr.rdlen, &rr.ttl);
		if (rc < 0) {
			zerr(z, f, r->line, rc == -IK_ELIMIT ? "SOA minimum "
			    "over 2^31-1 cannot be the TTL" : "no TTL, and no "
			    "$TTL or earlier TTL to take it from");
			return;
		}
	}
	if (z->p->pos != NULL) {
		z->p->pos->file = f->name;
		z->p->pos->line = r->line;
	}
	if (z->p->add != NULL && (rc = z->p->add(z->p->arg, &rr)) < 0) {
		zerr(z, f, r->line, "record refused: %s", ik_strerror(rc));
		z->rc = rc;
		z->stop = true;
		return;
	}
	z->n_rr++;
	z->ttl_prev = rr.ttl;
	z->has_ttl_prev = true;
}

/* Directives. */

static void
dir_origin(struct zp *z, struct zfile *f, const struct rec *r)
{
	struct dns_name n;
	int rc;

	rc = dns_name_from_text(z->tok[1].s, z->tok[1].len, cur_origin(f),
	    &n);
	if (rc < 0) {
		name_err(z, f, r->line, "$ORIGIN", &z->tok[1], rc);
		return;
	}
	f->origin = n;
	f->has_origin = true;
}

static void
dir_ttl(struct zp *z, struct zfile *f, const struct rec *r)
{
	char tb[ZONE_SHOW_MAX];
	uint32_t ttl;
	int rc;

	rc = dns_ttl_from_text(z->tok[1].s, z->tok[1].len, &ttl);
	if (rc < 0) {
		zerr(z, f, r->line, rc == -IK_ELIMIT ? "$TTL '%s' over "
		    "2^31-1 (RFC 2181 8)" : "bad $TTL '%s'",
		    tok_show(&z->tok[1], tb, sizeof(tb)));
		return;
	}
	z->ttl_dollar = ttl;
	z->has_ttl_dollar = true;
}

/* A file name token with its escapes decoded (\X is X, \DDD a byte).
 * Returns a malloc'd string, or NULL with *err set. */
static char *
unescape_path(const struct dns_tok *t, int *err)
{
	char *out = malloc(t->len + 1);
	size_t i = 0, o = 0;

	*err = -ENOMEM;
	if (out == NULL)
		return NULL;
	*err = -IK_EPARSE;
	while (i < t->len) {
		unsigned char c = (unsigned char)t->s[i++];
		if (c == '\\') {
			if (i == t->len)
				goto bad;
			if (t->s[i] >= '0' && t->s[i] <= '9') {
				unsigned v = 0;
				for (int k = 0; k < 3; k++, i++) {
					if (i == t->len || t->s[i] < '0' ||
					    t->s[i] > '9')
						goto bad;
					v = v * 10 + (unsigned)(t->s[i] - '0');
				}
				if (v > 255)
					goto bad;
				c = (unsigned char)v;
			} else
				c = (unsigned char)t->s[i++];
		}
		if (c == '\0')
			goto bad;
		out[o++] = (char)c;
	}
	if (o == 0)
		goto bad;
	out[o] = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

/* "dir/rel", or rel itself when absolute or when dir is ".". */
static char *
path_join(const char *dir, const char *rel)
{
	char *s;

	if (rel[0] == '/' || strcmp(dir, ".") == 0)
		return strdup(rel);
	if (asprintf(&s, "%s/%s", dir, rel) < 0)
		return NULL;
	return s;
}

static char *
path_dir(const char *path)
{
	const char *sl = strrchr(path, '/');

	if (sl == NULL)
		return strdup(".");
	if (sl == path)
		return strdup("/");
	return strndup(path, (size_t)(sl - path));
}

/* The whole file in one malloc'd buffer. Returns 0 or -errno. */
static int
read_all(int fd, char **buf, size_t *len)
{
	struct stat st;
	size_t n = 0;
	char *b;

	if (fstat(fd, &st) < 0)
		return -errno;
	/* A FIFO or device would block or never end. */
	if (!S_ISREG(st.st_mode))
		return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	if ((uint64_t)st.st_size >= ZONE_FILE_MAX)
		return -EFBIG;
	if ((b = malloc((size_t)st.st_size + 1)) == NULL)
		return -ENOMEM;
	while (n < (size_t)st.st_size) {
		ssize_t k = read(fd, b + n, (size_t)st.st_size - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int e = -errno;
			free(b);
			return e;
		}
		if (k == 0)	/* shrank under us: take what is there */
			break;
		n += (size_t)k;
	}
	*buf = b;
	*len = n;
	return 0;
}

static void parse_buf(struct zp *z, struct zfile *f);

/* Opens an $INCLUDE target. Relative paths are taken from the including
 * file's directory (BIND takes them from its working directory, which is
 * the same place for the usual layout of zones beside their includes).
 * include_beneath opens through fs_open_beneath, so "..", an absolute
 * path or a symlink out of that directory is refused. */
static int
include_open(const struct zp *z, const struct zfile *f, const char *rel,
    const char *full)
{
	int dfd, fd;

	if (!z->p->include_beneath) {
		fd = open(full, O_RDONLY | O_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}
	if ((dfd = open(f->dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -errno;
	fd = fs_open_beneath(dfd, rel, O_RDONLY, 0);
	close(dfd);
	return fd;
}

static void
dir_include(struct zp *z, struct zfile *f, const struct rec *r)
{
	struct zfile child = { .depth = f->depth + 1, .line = 1,
	    .has_origin = f->has_origin, .origin = f->origin,
	    .has_owner = f->has_owner, .owner = f->owner };
	char *rel = NULL, *full = NULL, *dir = NULL, *buf = NULL;
	char tb[ZONE_SHOW_MAX];
	size_t len;
	int fd = -1, rc;

	if (f->dir == NULL) {
		zerr(z, f, r->line, "$INCLUDE is not allowed here");
		return;
	}
	if (child.depth > ZONE_INCLUDE_DEPTH) {
		zerr(z, f, r->line, "$INCLUDE nested deeper than %d",
		    ZONE_INCLUDE_DEPTH);
		return;
	}
	if (z->p->pos != NULL)
		z->p->pos->n_includes = (unsigned)z->n_includes + 1;
	if (++z->n_includes > ZONE_INCLUDES_MAX) {
		zerr(z, f, r->line, "more than %d $INCLUDEs",
		    ZONE_INCLUDES_MAX);
		z->rc = -IK_ELIMIT;
		z->stop = true;
		return;
	}
	if ((rel = unescape_path(&z->tok[1], &rc)) == NULL) {
		if (rc == -ENOMEM) {
			z->rc = rc;
			z->stop = true;
		}
		zerr(z, f, r->line, "bad $INCLUDE file name '%s'",
		    tok_show(&z->tok[1], tb, sizeof(tb)));
		return;
	}
	if (r->n_tok == 3) {
		rc = dns_name_from_text(z->tok[2].s, z->tok[2].len,
		    cur_origin(f), &child.origin);
		if (rc < 0) {
			name_err(z, f, r->line, "$INCLUDE origin", &z->tok[2],
			    rc);
			goto out;
		}
		child.has_origin = true;
	}
	if ((full = path_join(f->dir, rel)) == NULL ||
	    (dir = path_dir(full)) == NULL) {
		z->rc = -ENOMEM;
		z->stop = true;
		goto out;
	}
	if ((fd = include_open(z, f, rel, full)) < 0) {
		zerr(z, f, r->line, fd == -IK_EDENIED ? "$INCLUDE %s refused: "
		    "outside the including file's directory" :
		    "$INCLUDE %s: %s", full, ik_strerror(fd));
		goto out;
	}
	if ((rc = read_all(fd, &buf, &len)) < 0) {
		zerr(z, f, r->line, "$INCLUDE %s: %s", full, ik_strerror(rc));
		goto out;
	}
	child.name = full;
	child.dir = dir;
	child.p = buf;
	child.end = buf + len;
	parse_buf(z, &child);
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	free(dir);
	free(full);
	free(rel);
}

struct directive {
	const char	*name;
	size_t		 min_args, max_args;
	void		(*fn)(struct zp *, struct zfile *,
			    const struct rec *);
};

static const struct directive directives[] = {
	{ "$ORIGIN",	1, 1, dir_origin },	/* RFC 1035 5.1 */
	{ "$INCLUDE",	1, 2, dir_include },	/* RFC 1035 5.1 */
	{ "$TTL",	1, 1, dir_ttl },	/* RFC 2308 4 */
	{ 0 },
};

/* Directives start in the first column, as in BIND: "$X" after a blank
 * would be an owner-less record, and "$X" at the start an owner would
 * be refused there too. Names are case-insensitive, as BIND's. */
static void
do_directive(struct zp *z, struct zfile *f, const struct rec *r)
{
	const struct dns_tok *t = z->tok;
	const struct directive *d;
	char tb[ZONE_SHOW_MAX];

	for (d = directives; d->name != NULL; d++)
		if (strlen(d->name) == t[0].len &&
		    strncasecmp(d->name, t[0].s, t[0].len) == 0)
			break;
	if (d->name == NULL) {
		zerr(z, f, r->line, "unknown directive '%s'",
		    tok_show(&t[0], tb, sizeof(tb)));
		return;
	}
	if (r->n_tok - 1 < d->min_args || r->n_tok - 1 > d->max_args) {
		zerr(z, f, r->line, "%s takes %zu%s argument%s", d->name,
		    d->min_args, d->max_args > d->min_args ? " or 2" : "",
		    d->max_args > 1 ? "s" : "");
		return;
	}
	for (size_t i = 1; i < r->n_tok; i++)
		if (t[i].quoted && !(d->fn == dir_include && i == 1)) {
			zerr(z, f, r->line, "%s argument may not be quoted",
			    d->name);
			return;
		}
	d->fn(z, f, r);
}

static void
parse_buf(struct zp *z, struct zfile *f)
{
	struct rec r;

	while (!z->stop && lex_record(z, f, &r)) {
		if (r.bad || r.n_tok == 0)
			continue;
		if (!r.blank_owner && !z->tok[0].quoted &&
		    z->tok[0].s[0] == '$')
			do_directive(z, f, &r);
		else
			do_rr(z, f, &r);
		arena_reset(z->arena);
	}
}

static int
zp_init(struct zp *z, const struct zone_parse *p)
{
	*z = (struct zp){ .p = p, .tok_cap = 64 };
	z->arena = arena_new(16384);
	z->tok = malloc(z->tok_cap * sizeof(*z->tok));
	if (z->arena == NULL || z->tok == NULL) {
		arena_free(&z->arena);
		free(z->tok);
		return -ENOMEM;
	}
	return 0;
}

static int
zp_finish(struct zp *z)
{
	arena_free(&z->arena);
	free(z->tok);
	if (z->rc < 0)
		return z->rc;
	return z->n_errs > 0 ? -IK_EPARSE : 0;
}

static void
zfile_init(struct zfile *f, const struct zone_parse *p, const char *name,
    const char *dir, const char *text, size_t len)
{
	*f = (struct zfile){ .name = name, .dir = dir, .line = 1,
	    .p = text, .end = text + len, .has_origin = p->origin != NULL };
	if (p->origin != NULL)
		f->origin = *p->origin;
}

int
dns_zone_parse_text(const char *text, size_t len, const char *name,
    const struct zone_parse *p)
{
	struct zfile f;
	struct zp z;
	int rc;

	if ((rc = zp_init(&z, p)) < 0)
		return rc;
	zfile_init(&f, p, name, NULL, text, len);
	parse_buf(&z, &f);
	return zp_finish(&z);
}

int
dns_zone_parse_file(const char *path, const struct zone_parse *p)
{
	char *buf = NULL, *dir = NULL;
	struct zfile f;
	struct zp z;
	size_t len;
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		rc = -errno;
		cfg_errf(p->errs, path, 0, "cannot open: %s", strerror(-rc));
		return rc;
	}
	rc = read_all(fd, &buf, &len);
	close(fd);
	if (rc < 0) {
		cfg_errf(p->errs, path, 0, "cannot read: %s", ik_strerror(rc));
		return rc;
	}
	if ((dir = path_dir(path)) == NULL || (rc = zp_init(&z, p)) < 0) {
		free(buf);
		free(dir);
		return -ENOMEM;
	}
	zfile_init(&f, p, path, dir, buf, len);
	parse_buf(&z, &f);
	free(buf);
	free(dir);
	return zp_finish(&z);
}
