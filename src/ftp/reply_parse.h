/* ftp/reply_parse.h - the FTP client's codec: server replies, single- and
 * multi-line (RFC 959 4.2), the texts inside them (FEAT, PWD, SIZE,
 * MDTM), directory listings (MLSD/MLST fact lines, RFC 3659 7; "ls -l"
 * and DOS lines from LIST as a fallback). TYPE A line ends are
 * ftp/ascii.h's, shared with the server.
 * Codec: no sockets, no clock, no globals, no logging. */
#ifndef IK_FTP_REPLY_PARSE_H
#define IK_FTP_REPLY_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A reply line longer than this is cut (its head kept, the rest read to
 * the line end and dropped). RFC 959 sets no limit; servers' lines are
 * short, but STAT and HELP texts can be long. */
#define FTP_REPLY_LINE_MAX	4096
/* Room for a whole reply's text (all lines) unless the parser is made
 * with less or more; text past it is dropped and `is_cut` set. */
#define FTP_REPLY_TEXT_MAX	(64u << 10)

/* ---- replies ---- */

struct ftp_reply {
	int		 code;		/* 100..599 */
	const char	*text;		/* NUL-terminated; lines joined by
					 * '\n'; valid until the next feed */
	size_t		 len;		/* strlen(text) */
	unsigned	 n_lines;
	bool		 is_cut;	/* text or a line was too long */
};

enum ftp_parse_res {
	FTP_PARSE_DONE,		/* *out holds one reply */
	FTP_PARSE_MORE,		/* all input consumed; feed more */
	FTP_PARSE_BAD,		/* not a reply (no code, NUL byte, a code
				 * outside 100..599); the stream is lost */
};

struct ftp_reply_parser {
	char		*line;		/* FTP_REPLY_LINE_MAX + 1 (a CR) */
	size_t		 line_len;
	bool		 line_long;	/* the current line overflowed */
	bool		 in_multi;	/* inside "123-" ... "123 " */
	int		 code;		/* of the reply being read */
	char		*text;		/* text_cap + 1 */
	size_t		 text_len, text_cap;
	unsigned	 n_lines;
	bool		 is_cut;
	bool		 is_bad;	/* sticky after FTP_PARSE_BAD */
	bool		 done;		/* the last feed returned a reply */
};

/* text_cap 0 means FTP_REPLY_TEXT_MAX. Returns 0 or -ENOMEM. */
int ftp_reply_parser_init(struct ftp_reply_parser *p, size_t text_cap);
void ftp_reply_parser_clear(struct ftp_reply_parser *p);
/* Drops any partial reply (after a reconnect). */
void ftp_reply_parser_reset(struct ftp_reply_parser *p);

/* Reads bytes up to and including the end of one reply. Lines end in
 * CRLF or a bare LF. A multi-line reply ends at the first line that
 * starts with its code and a space (or is the code alone); lines in
 * between that start with "code-" lose that prefix (as servers repeat
 * it), others are kept whole. Sets *used to the bytes consumed, which is
 * all of `len` unless DONE came earlier. */
enum ftp_parse_res ftp_reply_feed(struct ftp_reply_parser *p,
    const char *buf, size_t len, size_t *used, struct ftp_reply *out);

/* 1 for 1yz (preliminary), ... 5 for 5yz. */
static inline int
ftp_reply_class(int code)
{
	return code / 100;
}

/* ---- texts inside replies ---- */

/* What a FEAT reply (RFC 2389) lists; one bit each. */
#define FTP_FEAT_MLST		0x0001	/* MLST, and so MLSD (RFC 3659) */
#define FTP_FEAT_SIZE		0x0002
#define FTP_FEAT_MDTM		0x0004
#define FTP_FEAT_REST_STREAM	0x0008
#define FTP_FEAT_EPSV		0x0010	/* RFC 2428 */
#define FTP_FEAT_EPRT		0x0020
#define FTP_FEAT_AUTH_TLS	0x0040	/* AUTH TLS (RFC 4217) */
#define FTP_FEAT_PBSZ		0x0080
#define FTP_FEAT_PROT		0x0100
#define FTP_FEAT_UTF8		0x0200
#define FTP_FEAT_TVFS		0x0400

/* Reads the feature lines of a 211 reply's text (the first and last
 * lines are not features). Unknown features are ignored. Returns the
 * FTP_FEAT_* bits. */
unsigned ftp_feat_parse(const char *text);

/* The directory in a 257 reply ("\"/a \"\"b\"\"\" is current", RFC 959
 * appendix II: quotes inside are doubled). Returns its length, or
 * -IK_EPARSE (no quoted name), -IK_ETRUNC (cap too small). */
ssize_t ftp_pwd_parse(const char *text, char *out, size_t cap);

/* A 213 reply to SIZE: decimal digits, optional spaces around. Returns 0
 * or -IK_EPARSE. */
int ftp_size_parse(const char *text, uint64_t *out);

/* A time value "YYYYMMDDHHMMSS[.sss]" in UTC (RFC 3659 2.3), as MDTM's
 * 213 reply and the modify fact carry it; the fraction is dropped.
 * Returns 0 with seconds since 1970 in *out, or -IK_EPARSE. */
int ftp_time_parse(const char *s, size_t len, int64_t *out);

/* ---- listings ---- */

enum ftp_entry_type {
	FTP_ENT_FILE,
	FTP_ENT_DIR,
	FTP_ENT_LINK,
	FTP_ENT_OTHER,		/* a device, an OS-specific type */
	FTP_ENT_CDIR,		/* MLSD's listed directory itself */
	FTP_ENT_PDIR,		/* and its parent */
};

struct ftp_entry {
	const char		*name;		/* borrowed from the line */
	size_t			 name_len;
	const char		*target;	/* a LIST symlink's "-> target",
						 * else NULL */
	size_t			 target_len;
	enum ftp_entry_type	 type;
	bool			 has_size, has_mtime, has_mode;
	uint64_t		 size;
	int64_t			 mtime;		/* seconds since 1970, UTC */
	unsigned		 mtime_prec;	/* its precision in seconds: 1
						 * (MLSD), 60 or 86400 (LIST) */
	unsigned		 mode;		/* permission bits 07777 */
};

/* One MLSD line or MLST's fact line (RFC 3659 7.2): "fact=value;...
 * name" (facts case-insensitive; type, size, modify, UNIX.mode read; a
 * missing type is a file). `line` without its line end; a line that
 * starts with the space has no facts (MLST's reply lines carry one more
 * space in front: the caller drops it). Returns 0 or -IK_EPARSE. */
int ftp_mlsx_parse(const char *line, size_t len, struct ftp_entry *out);

/* One LIST line in the forms servers use: Unix "ls -l" ("-rw-r--r-- 1
 * u g 1234 Jan  2 12:00 name", the year instead of the time for old
 * files, the group column sometimes missing, "name -> target" for
 * symlinks) and DOS ("01-02-24  12:00PM  <DIR>  name"). `now` (seconds
 * since 1970) places a date without a year: in the past six months up to
 * now plus a day, as ls(1) does. Returns 0, or -IK_EPARSE for other lines
 * ("total 8", text a server invented). */
int ftp_list_parse(const char *line, size_t len, int64_t now,
    struct ftp_entry *out);

/* True when a listed name is safe to create locally as one path element:
 * not empty, not "." or "..", no '/' or NUL, no control bytes. */
bool ftp_name_is_safe(const char *name, size_t len);

/* Days since 1970-01-01 of a proleptic Gregorian date (month 1..12). */
int64_t ftp_days_from_civil(int64_t y, unsigned m, unsigned d);

#endif
