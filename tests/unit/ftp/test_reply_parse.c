/* tests/unit/ftp/test_reply_parse.c - the FTP client's reply codec:
 * single and multi-line replies (RFC 959 4.2 examples, servers' habits),
 * every split point, pipelined replies, limits and bad input; FEAT, PWD,
 * SIZE and time texts; MLSD fact lines (RFC 3659 7.7 examples); LIST
 * lines from vsftpd, ProFTPD, busybox and IIS; safe local names. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "ftp/reply_parse.h"

/* 2024-03-01 12:00:00 UTC */
#define NOW_2024_03_01	((int64_t)1709294400)

struct got {
	int		 code[8];
	char		 text[8][512];
	unsigned	 n_lines[8];
	bool		 is_cut[8];
	int		 n;
	bool		 bad;
};

/* Feeds s in pieces of `step` bytes (0: whole), collecting replies. */
static void
feed(struct ftp_reply_parser *p, const char *s, size_t len, size_t step,
    struct got *g)
{
	size_t at = 0;

	memset(g, 0, sizeof(*g));
	while (at < len && !g->bad) {
		size_t n = step == 0 || len - at < step ? len - at : step;
		size_t off = 0;
		while (off < n) {
			struct ftp_reply r;
			size_t used;
			enum ftp_parse_res res = ftp_reply_feed(p,
			    s + at + off, n - off, &used, &r);
			assert_true(used <= n - off);
			off += used;
			if (res == FTP_PARSE_BAD) {
				g->bad = true;
				break;
			}
			if (res == FTP_PARSE_DONE) {
				assert_true(g->n < 8);
				assert_int_equal(strlen(r.text), r.len);
				g->code[g->n] = r.code;
				snprintf(g->text[g->n], sizeof(g->text[0]),
				    "%s", r.text);
				g->n_lines[g->n] = r.n_lines;
				g->is_cut[g->n] = r.is_cut;
				g->n++;
			} else {
				assert_int_equal(off, n);
			}
		}
		at += n;
	}
}

static void
feed_new(const char *s, size_t step, struct got *g)
{
	struct ftp_reply_parser p;

	assert_int_equal(ftp_reply_parser_init(&p, 0), 0);
	feed(&p, s, strlen(s), step, g);
	ftp_reply_parser_clear(&p);
}

/* ---- replies ---- */

static void
test_single_line(void **state)
{
	struct got g;

	(void)state;
	feed_new("220 (vsFTPd 3.0.3)\r\n", 0, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.code[0], 220);
	assert_string_equal(g.text[0], "(vsFTPd 3.0.3)");
	assert_int_equal(g.n_lines[0], 1);
	assert_false(g.is_cut[0]);

	/* a code alone, a bare LF */
	feed_new("200\n", 0, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.code[0], 200);
	assert_string_equal(g.text[0], "");
}

static void
test_multi_line_rfc959(void **state)
{
	/* RFC 959 4.2: lines in between may start with digits, padded; only
	 * "123 " with the opening code ends the reply. */
	static const char in[] =
	    "123-First line\r\n"
	    "Second line\r\n"
	    "  234 A line beginning with numbers\r\n"
	    "234 not the end: another code\r\n"
	    "123 The last line\r\n";
	struct got g;

	(void)state;
	feed_new(in, 0, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.code[0], 123);
	assert_int_equal(g.n_lines[0], 5);
	assert_string_equal(g.text[0], "First line\nSecond line\n"
	    "  234 A line beginning with numbers\n"
	    "234 not the end: another code\nThe last line");
}

static void
test_multi_line_repeated_prefix(void **state)
{
	/* Servers that prefix every line with "code-" (IIS, ProFTPD's
	 * FEAT sometimes): the prefix goes. */
	static const char in[] =
	    "230-Welcome\r\n230-to the server\r\n230 Login ok\r\n";
	struct got g;

	(void)state;
	feed_new(in, 0, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.text[0], "Welcome\nto the server\nLogin ok");
	/* "230" alone ends it too */
	feed_new("230-a\r\n230\r\n", 0, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.text[0], "a\n");
}

static void
test_every_split_point(void **state)
{
	static const char in[] =
	    "211-Features:\r\n EPRT\r\n EPSV\r\n MDTM\r\n REST STREAM\r\n"
	    "211 End\r\n229 Entering Extended Passive Mode (|||50001|)\n"
	    "150-x\r\n150 y\r\n";
	struct got whole, part;

	(void)state;
	feed_new(in, 0, &whole);
	assert_int_equal(whole.n, 3);
	assert_int_equal(whole.code[0], 211);
	assert_int_equal(whole.code[1], 229);
	assert_int_equal(whole.code[2], 150);
	assert_string_equal(whole.text[2], "x\ny");
	for (size_t step = 1; step < sizeof(in); step++) {
		feed_new(in, step, &part);
		assert_int_equal(part.n, whole.n);
		for (int i = 0; i < whole.n; i++) {
			assert_int_equal(part.code[i], whole.code[i]);
			assert_string_equal(part.text[i], whole.text[i]);
		}
	}
	/* two pieces at every cut */
	for (size_t cut = 0; cut < sizeof(in) - 1; cut++) {
		struct ftp_reply_parser p;
		struct got a, b;
		assert_int_equal(ftp_reply_parser_init(&p, 0), 0);
		feed(&p, in, cut, 0, &a);
		feed(&p, in + cut, sizeof(in) - 1 - cut, 0, &b);
		assert_int_equal(a.n + b.n, 3);
		ftp_reply_parser_clear(&p);
	}
}

static void
test_pipelined_stops_after_each(void **state)
{
	static const char in[] = "200 a\r\n200 b\r\n";
	struct ftp_reply_parser p;
	struct ftp_reply r;
	size_t used;

	(void)state;
	assert_int_equal(ftp_reply_parser_init(&p, 0), 0);
	assert_int_equal(ftp_reply_feed(&p, in, sizeof(in) - 1, &used, &r),
	    FTP_PARSE_DONE);
	assert_int_equal(used, 7);
	assert_string_equal(r.text, "a");
	assert_int_equal(ftp_reply_feed(&p, in + used, sizeof(in) - 1 - used,
	    &used, &r), FTP_PARSE_DONE);
	assert_string_equal(r.text, "b");
	assert_int_equal(ftp_reply_feed(&p, "", 0, &used, &r),
	    FTP_PARSE_MORE);
	ftp_reply_parser_clear(&p);
}

static void
test_blank_lines_between_replies(void **state)
{
	struct got g;

	(void)state;
	feed_new("\r\n\r\n220 hi\r\n", 0, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.code[0], 220);
}

static void
test_bad_replies(void **state)
{
	static const char *bad[] = {
		"hello\r\n",		/* no code */
		"600 x\r\n",		/* out of range */
		"099 x\r\n",
		"22 x\r\n",
		"2200 x\r\n",		/* four digits */
		"220x\r\n",
		"-220 x\r\n",
	};
	struct got g;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		feed_new(bad[i], 0, &g);
		assert_true(g.bad);
		assert_int_equal(g.n, 0);
	}
	/* a NUL inside a line, first or later */
	static const char nul[] = "220-a\r\nb\0c\r\n220 d\r\n";
	struct ftp_reply_parser p;
	assert_int_equal(ftp_reply_parser_init(&p, 0), 0);
	feed(&p, nul, sizeof(nul) - 1, 0, &g);
	assert_true(g.bad);
	/* sticky */
	struct ftp_reply r;
	size_t used;
	assert_int_equal(ftp_reply_feed(&p, "200 ok\r\n", 8, &used, &r),
	    FTP_PARSE_BAD);
	ftp_reply_parser_reset(&p);
	assert_int_equal(ftp_reply_feed(&p, "200 ok\r\n", 8, &used, &r),
	    FTP_PARSE_DONE);
	ftp_reply_parser_clear(&p);
}

static void
test_reset_drops_partial(void **state)
{
	struct ftp_reply_parser p;
	struct ftp_reply r;
	size_t used;

	(void)state;
	assert_int_equal(ftp_reply_parser_init(&p, 0), 0);
	assert_int_equal(ftp_reply_feed(&p, "211-x\r\n21", 9, &used, &r),
	    FTP_PARSE_MORE);
	ftp_reply_parser_reset(&p);
	assert_int_equal(ftp_reply_feed(&p, "220 y\r\n", 7, &used, &r),
	    FTP_PARSE_DONE);
	assert_int_equal(r.code, 220);
	assert_string_equal(r.text, "y");
	ftp_reply_parser_clear(&p);
}

static void
test_line_limit(void **state)
{
	size_t n = FTP_REPLY_LINE_MAX;
	char *in = malloc(n + 16);
	struct ftp_reply_parser p;
	struct ftp_reply r;
	size_t used;

	(void)state;
	assert_non_null(in);
	assert_int_equal(ftp_reply_parser_init(&p, 2 * n), 0);
	/* limit - 1, limit, limit + 1 bytes before CRLF */
	for (size_t len = n - 1; len <= n + 1; len++) {
		memset(in, 'a', len);
		memcpy(in, "200 ", 4);
		memcpy(in + len, "\r\n", 2);
		assert_int_equal(ftp_reply_feed(&p, in, len + 2, &used, &r),
		    FTP_PARSE_DONE);
		assert_int_equal(used, len + 2);
		assert_int_equal(r.code, 200);
		/* the cap counts the text, not the CR */
		assert_int_equal(r.len, (len <= n ? len : n) - 4);
		assert_int_equal(r.is_cut, len > n);
	}
	ftp_reply_parser_clear(&p);
	free(in);
}

static void
test_text_limit(void **state)
{
	struct ftp_reply_parser p;
	struct ftp_reply r;
	size_t used;
	static const char in[] = "211-0123456789\r\nabcdefghij\r\n211 end\r\n";

	(void)state;
	assert_int_equal(ftp_reply_parser_init(&p, 12), 0);
	assert_int_equal(ftp_reply_feed(&p, in, sizeof(in) - 1, &used, &r),
	    FTP_PARSE_DONE);
	assert_int_equal(used, sizeof(in) - 1);
	assert_true(r.is_cut);
	assert_int_equal(r.len, 12);
	assert_string_equal(r.text, "0123456789\na");
	/* the next reply is whole again */
	assert_int_equal(ftp_reply_feed(&p, "200 ok\r\n", 8, &used, &r),
	    FTP_PARSE_DONE);
	assert_false(r.is_cut);
	assert_string_equal(r.text, "ok");
	ftp_reply_parser_clear(&p);
}

/* ---- texts ---- */

static void
test_feat(void **state)
{
	(void)state;
	/* vsftpd 3.0.3 with ssl_enable */
	assert_int_equal(ftp_feat_parse("Features:\n AUTH TLS\n EPRT\n EPSV\n"
	    " MDTM\n PASV\n PBSZ\n PROT\n REST STREAM\n SIZE\n TVFS\n UTF8\n"
	    "End"), FTP_FEAT_AUTH_TLS | FTP_FEAT_EPRT | FTP_FEAT_EPSV |
	    FTP_FEAT_MDTM | FTP_FEAT_PBSZ | FTP_FEAT_PROT |
	    FTP_FEAT_REST_STREAM | FTP_FEAT_SIZE | FTP_FEAT_TVFS |
	    FTP_FEAT_UTF8);
	/* ProFTPD: MLST with facts, AUTH with several mechanisms */
	assert_int_equal(ftp_feat_parse("Features:\n"
	    " MLST modify*;perm*;size*;type*;unique*;\n AUTH SSL;TLS-C;TLS\n"
	    " LANG en-US*\n REST\nEnd"), FTP_FEAT_MLST | FTP_FEAT_AUTH_TLS);
	/* lower case, "AUTH TLS-C" alone is not TLS */
	assert_int_equal(ftp_feat_parse("x\n size\n auth tls-c\ny"),
	    FTP_FEAT_SIZE);
	/* first and last lines are not features; one line has none */
	assert_int_equal(ftp_feat_parse("SIZE\nEnd"), 0);
	assert_int_equal(ftp_feat_parse("MDTM"), 0);
	assert_int_equal(ftp_feat_parse(""), 0);
}

static void
test_pwd(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(ftp_pwd_parse("\"/\" is the current directory", out,
	    sizeof(out)), 1);
	assert_string_equal(out, "/");
	/* RFC 959 appendix II: embedded quotes doubled */
	assert_int_equal(ftp_pwd_parse("\"/usr/dm/pathname\"\"\" created.",
	    out, sizeof(out)), 17);
	assert_string_equal(out, "/usr/dm/pathname\"");
	assert_int_equal(ftp_pwd_parse("\"/a b\"", out, sizeof(out)), 4);
	assert_string_equal(out, "/a b");
	assert_int_equal(ftp_pwd_parse("/no/quotes", out, sizeof(out)),
	    -IK_EPARSE);
	assert_int_equal(ftp_pwd_parse("\"/unclosed", out, sizeof(out)),
	    -IK_EPARSE);
	assert_int_equal(ftp_pwd_parse("\"/abcdef\"", out, 7), -IK_ETRUNC);
	assert_int_equal(ftp_pwd_parse("\"/abcde\"", out, 7), 6);
}

static void
test_size(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(ftp_size_parse("3000000", &v), 0);
	assert_int_equal(v, 3000000);
	assert_int_equal(ftp_size_parse(" 0 ", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(ftp_size_parse("18446744073709551615", &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(ftp_size_parse("18446744073709551616", &v),
	    -IK_EPARSE);
	assert_int_equal(ftp_size_parse("", &v), -IK_EPARSE);
	assert_int_equal(ftp_size_parse("-1", &v), -IK_EPARSE);
	assert_int_equal(ftp_size_parse("12 bytes", &v), -IK_EPARSE);
	assert_int_equal(ftp_size_parse("12\nmore", &v), 0);
}

static void
test_time(void **state)
{
	int64_t t;

	(void)state;
	assert_int_equal(ftp_time_parse("19700101000000", 14, &t), 0);
	assert_int_equal(t, 0);
	assert_int_equal(ftp_time_parse("20000101000000", 14, &t), 0);
	assert_int_equal(t, 946684800);
	assert_int_equal(ftp_time_parse("20240229235959.123", 18, &t), 0);
	assert_int_equal(t, 1709251199);
	assert_int_equal(ftp_time_parse("19691231235959", 14, &t), 0);
	assert_int_equal(t, -1);
	static const char *bad[] = {
		"20230229000000", "20241301000000", "20240100000000",
		"20240101240000", "20240101006000", "2024010100000",
		"20240101000000.", "20240101000000x", "2024O101000000",
		"20240431000000",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ftp_time_parse(bad[i], strlen(bad[i]), &t),
		    -IK_EPARSE);
	/* days_from_civil round numbers */
	assert_int_equal(ftp_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(ftp_days_from_civil(2000, 3, 1), 11017);
	assert_int_equal(ftp_days_from_civil(1600, 1, 1), -135140);
}

/* ---- MLSD ---- */

static void
assert_name(const struct ftp_entry *e, const char *want)
{
	assert_int_equal(e->name_len, strlen(want));
	assert_memory_equal(e->name, want, e->name_len);
}

static void
test_mlsd(void **state)
{
	struct ftp_entry e;
	const char *l;

	(void)state;
	/* RFC 3659 7.7.2 */
	l = "Type=cdir;Modify=19990112161537;Perm=el; /tmp";
	assert_int_equal(ftp_mlsx_parse(l, strlen(l), &e), 0);
	assert_int_equal(e.type, FTP_ENT_CDIR);
	assert_name(&e, "/tmp");
	assert_true(e.has_mtime);
	assert_int_equal(e.mtime, 916157737);
	assert_int_equal(e.mtime_prec, 1);
	l = "Type=file;Size=25730;Modify=19940728095854;Perm=; capmux.tar.z";
	assert_int_equal(ftp_mlsx_parse(l, strlen(l), &e), 0);
	assert_int_equal(e.type, FTP_ENT_FILE);
	assert_true(e.has_size);
	assert_int_equal(e.size, 25730);
	assert_name(&e, "capmux.tar.z");
	/* name with spaces and a semicolon; UNIX.mode; fraction */
	l = "type=file;size=0;modify=20240101000000.5;UNIX.mode=0640; a b;c";
	assert_int_equal(ftp_mlsx_parse(l, strlen(l), &e), 0);
	assert_name(&e, "a b;c");
	assert_true(e.has_mode);
	assert_int_equal(e.mode, 0640);
	assert_int_equal(e.size, 0);
	l = "type=dir;sizd=4096; sub";
	assert_int_equal(ftp_mlsx_parse(l, strlen(l), &e), 0);
	assert_int_equal(e.type, FTP_ENT_DIR);
	assert_false(e.has_size);
	l = "type=pdir; ..";
	assert_int_equal(ftp_mlsx_parse(l, strlen(l), &e), 0);
	assert_int_equal(e.type, FTP_ENT_PDIR);
	l = "type=OS.unix=slink:/etc/x; link";
	assert_int_equal(ftp_mlsx_parse(l, strlen(l), &e), 0);
	assert_int_equal(e.type, FTP_ENT_LINK);
	l = "type=OS.unix=chr-13/29; tty";
	assert_int_equal(ftp_mlsx_parse(l, strlen(l), &e), 0);
	assert_int_equal(e.type, FTP_ENT_OTHER);
	/* no facts at all; a bad size or time is ignored, not fatal */
	l = " plain";
	assert_int_equal(ftp_mlsx_parse(l, strlen(l), &e), 0);
	assert_name(&e, "plain");
	assert_int_equal(e.type, FTP_ENT_FILE);
	l = "size=12x;modify=2024; f";
	assert_int_equal(ftp_mlsx_parse(l, strlen(l), &e), 0);
	assert_false(e.has_size);
	assert_false(e.has_mtime);
	static const char *bad[] = {
		"type=file name",	/* fact not ended by ';' */
		"type=file;",		/* no space, no name */
		"type=file; ",		/* empty name */
		"=file; x",		/* empty fact name */
		"typefile; x",		/* no '=' */
		"",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ftp_mlsx_parse(bad[i], strlen(bad[i]), &e),
		    -IK_EPARSE);
	static const char nul[] = "type=file; a\0b";
	assert_int_equal(ftp_mlsx_parse(nul, sizeof(nul) - 1, &e),
	    -IK_EPARSE);
}

/* ---- LIST ---- */

static void
test_list_unix(void **state)
{
	struct ftp_entry e;
	const char *l;

	(void)state;
	/* vsftpd: numeric owner and group */
	l = "-rw-r--r--    1 0        0         3000000 Feb 27 22:32 big.bin";
	assert_int_equal(ftp_list_parse(l, strlen(l), NOW_2024_03_01, &e), 0);
	assert_int_equal(e.type, FTP_ENT_FILE);
	assert_int_equal(e.size, 3000000);
	assert_int_equal(e.mode, 0644);
	assert_name(&e, "big.bin");
	/* 2024-02-27 22:32 */
	assert_int_equal(e.mtime, 1709073120);
	assert_int_equal(e.mtime_prec, 60);
	/* a year instead of the time; name with spaces */
	l = "drwxr-sr-x   2 ftp      ftp          4096 Mar 14  2021 a dir  x";
	assert_int_equal(ftp_list_parse(l, strlen(l), NOW_2024_03_01, &e), 0);
	assert_int_equal(e.type, FTP_ENT_DIR);
	assert_int_equal(e.mode, 02755);
	assert_name(&e, "a dir  x");
	assert_int_equal(e.mtime, 1615680000);
	assert_int_equal(e.mtime_prec, 86400);
	/* symlink */
	l = "lrwxrwxrwx 1 root root 11 Jan  5 09:00 latest -> v1.2/x y";
	assert_int_equal(ftp_list_parse(l, strlen(l), NOW_2024_03_01, &e), 0);
	assert_int_equal(e.type, FTP_ENT_LINK);
	assert_name(&e, "latest");
	assert_int_equal(e.target_len, 8);
	assert_memory_equal(e.target, "v1.2/x y", 8);
	/* no group column (busybox with some options, old servers) */
	l = "-rwxr-xr-t 1 owner 77 Dec 31 23:59 old";
	assert_int_equal(ftp_list_parse(l, strlen(l), NOW_2024_03_01, &e), 0);
	assert_int_equal(e.size, 77);
	assert_int_equal(e.mode, 01755);
	/* December, seen in March 2024: last year's */
	assert_int_equal(e.mtime, 1704067140);
	/* the owner named like a month does not fool it */
	l = "-rw-r--r-- 1 Mar grp 5 Feb 29 12:00 leap";
	assert_int_equal(ftp_list_parse(l, strlen(l), NOW_2024_03_01, &e), 0);
	assert_int_equal(e.size, 5);
	assert_name(&e, "leap");
	assert_int_equal(e.mtime, 1709208000);
	/* a device: "major, minor" where the size goes; its type says
	 * not to take the number seriously */
	l = "crw-rw-rw- 1 0 0 1, 3 Jan 1 2020 null";
	assert_int_equal(ftp_list_parse(l, strlen(l), NOW_2024_03_01, &e), 0);
	assert_int_equal(e.type, FTP_ENT_OTHER);
}

static void
test_list_dos(void **state)
{
	struct ftp_entry e;
	const char *l;

	(void)state;
	l = "01-02-24  01:05PM       <DIR>          My Dir";
	assert_int_equal(ftp_list_parse(l, strlen(l), NOW_2024_03_01, &e), 0);
	assert_int_equal(e.type, FTP_ENT_DIR);
	assert_name(&e, "My Dir");
	assert_int_equal(e.mtime, 1704200700);
	l = "12-31-1999  12:00AM             1234 file.txt";
	assert_int_equal(ftp_list_parse(l, strlen(l), NOW_2024_03_01, &e), 0);
	assert_int_equal(e.type, FTP_ENT_FILE);
	assert_int_equal(e.size, 1234);
	assert_int_equal(e.mtime, 946598400);
	l = "13-01-24  01:05PM 1 x";
	assert_int_equal(ftp_list_parse(l, strlen(l), NOW_2024_03_01, &e),
	    -IK_EPARSE);
	l = "01-01-24  13:05PM 1 x";
	assert_int_equal(ftp_list_parse(l, strlen(l), NOW_2024_03_01, &e),
	    -IK_EPARSE);
}

static void
test_list_not_entries(void **state)
{
	static const char *bad[] = {
		"total 12",
		"",
		"-rw-r--r-- 1 0 0 12 Foo 1 12:00 x",	/* no month */
		"-rw-r--r-- 1 0 0 12 Jan 32 12:00 x",	/* day */
		"-rw-r--r-- 1 0 0 12 Jan 1 12-00 x",	/* neither */
		"-rw-r--r-- 1 0 0 12 Jan 1 12:60 x",	/* minute */
		"-rw-r--r-- 1 0 0 12 Jan 1 12:00",	/* no name */
		"-rw-r--r-- 1 0 0 12 Jan 1 12:00 ",	/* empty name */
		"xrw-r--r-- 1 0 0 12 Jan 1 12:00 x",	/* type letter */
		"-rw-r--r 1 0 0 12 Jan 1 12:00 x",	/* short perms */
		"Not a listing line at all, but words",
	};
	struct ftp_entry e;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (ftp_list_parse(bad[i], strlen(bad[i]), NOW_2024_03_01,
		    &e) != -IK_EPARSE)
			fail_msg("parsed: %s", bad[i]);
	}
}

static void
test_safe_name(void **state)
{
	(void)state;
	assert_true(ftp_name_is_safe("a", 1));
	assert_true(ftp_name_is_safe("..a", 3));
	assert_true(ftp_name_is_safe("a b", 3));
	assert_false(ftp_name_is_safe("", 0));
	assert_false(ftp_name_is_safe(".", 1));
	assert_false(ftp_name_is_safe("..", 2));
	assert_false(ftp_name_is_safe("../x", 4));
	assert_false(ftp_name_is_safe("a/b", 3));
	assert_false(ftp_name_is_safe("a\nb", 3));
	assert_false(ftp_name_is_safe("a\rb", 3));
	assert_false(ftp_name_is_safe("a\0b", 3));
	assert_false(ftp_name_is_safe("a\x7f", 2));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_line),
		cmocka_unit_test(test_multi_line_rfc959),
		cmocka_unit_test(test_multi_line_repeated_prefix),
		cmocka_unit_test(test_every_split_point),
		cmocka_unit_test(test_pipelined_stops_after_each),
		cmocka_unit_test(test_blank_lines_between_replies),
		cmocka_unit_test(test_bad_replies),
		cmocka_unit_test(test_reset_drops_partial),
		cmocka_unit_test(test_line_limit),
		cmocka_unit_test(test_text_limit),
		cmocka_unit_test(test_feat),
		cmocka_unit_test(test_pwd),
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_mlsd),
		cmocka_unit_test(test_list_unix),
		cmocka_unit_test(test_list_dos),
		cmocka_unit_test(test_list_not_entries),
		cmocka_unit_test(test_safe_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
