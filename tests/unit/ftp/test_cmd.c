/* tests/unit/ftp/test_cmd.c - the command line codec: Telnet stripping
 * (the ABOR sequences clients send), the verb split, TYPE/MODE/STRU/REST,
 * SITE CHMOD, LIST options, OPTS MLST and 257 quoting; limits and junk. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "ftp/cmd.h"

static size_t
strip(char *buf, const char *in, size_t len)
{
	memcpy(buf, in, len);
	buf[len] = '\0';
	return ftp_telnet_strip(buf, len);
}

static void
test_telnet_strip(void **state)
{
	char buf[64];
	size_t n;
	(void)state;

	/* RFC 959 4.1.3: IAC IP, IAC DM (Synch), then ABOR. */
	n = strip(buf, "\xff\xf4\xff\xf2" "ABOR", 8);
	assert_int_equal(n, 4);
	assert_string_equal(buf, "ABOR");
	/* Were the urgent DM byte dropped from the stream, "IAC A" would
	 * read as a command and eat the verb's first letter: why sessions
	 * keep urgent data in line (SO_OOBINLINE). */
	n = strip(buf, "\xff\xf4\xff" "ABOR", 7);
	assert_string_equal(buf, "BOR");
	/* Option negotiation drops three bytes. */
	n = strip(buf, "\xff\xfb\x01NOOP", 7);
	assert_string_equal(buf, "NOOP");
	n = strip(buf, "\xff\xfe\x22" "RETR a", 9);
	assert_string_equal(buf, "RETR a");
	/* IAC IAC is one 0xff byte. */
	n = strip(buf, "RETR \xff\xff.txt", 11);
	assert_int_equal(n, 10);
	assert_memory_equal(buf, "RETR \xff.txt", 10);
	/* Truncated sequences at the end. */
	n = strip(buf, "NOOP\xff", 5);
	assert_string_equal(buf, "NOOP");
	n = strip(buf, "NOOP\xff\xfb", 6);
	assert_string_equal(buf, "NOOP");
	n = strip(buf, "", 0);
	assert_int_equal(n, 0);
	n = strip(buf, "plain line", 10);
	assert_string_equal(buf, "plain line");
}

static void
test_cmd_split(void **state)
{
	char verb[FTP_VERB_MAX + 1];
	const char *args;
	(void)state;

	assert_int_equal(ftp_cmd_split("abor", verb, &args), 0);
	assert_string_equal(verb, "ABOR");
	assert_string_equal(args, "");
	assert_int_equal(ftp_cmd_split("Stat /a b", verb, &args), 0);
	assert_string_equal(verb, "STAT");
	assert_string_equal(args, "/a b");
	assert_int_equal(ftp_cmd_split("NOOP ", verb, &args), 0);
	assert_string_equal(args, "");
	assert_int_equal(ftp_cmd_split("12345678", verb, &args), 0);
	assert_int_equal(ftp_cmd_split("123456789", verb, &args), -IK_EPARSE);
	assert_int_equal(ftp_cmd_split("", verb, &args), -IK_EPARSE);
	assert_int_equal(ftp_cmd_split(" NOOP", verb, &args), -IK_EPARSE);
}

static void
test_type(void **state)
{
	enum ftp_type t;
	(void)state;

	static const struct {
		const char	*in;
		int		 err;
		enum ftp_type	 t;
	} cases[] = {
		{ "A", 0, FTP_TYPE_A }, { "a", 0, FTP_TYPE_A },
		{ "A N", 0, FTP_TYPE_A }, { "a n", 0, FTP_TYPE_A },
		{ "I", 0, FTP_TYPE_I }, { "i", 0, FTP_TYPE_I },
		{ "L 8", 0, FTP_TYPE_I },
		{ "A T", -ENOTSUP, 0 }, { "A C", -ENOTSUP, 0 },
		{ "E", -ENOTSUP, 0 }, { "L 7", -ENOTSUP, 0 },
		{ "", -IK_EPARSE, 0 }, { "X", -IK_EPARSE, 0 },
		{ "I N", -IK_EPARSE, 0 }, { "AN", -IK_EPARSE, 0 },
		{ "A X", -IK_EPARSE, 0 }, { "L", -IK_EPARSE, 0 },
		{ "L x", -IK_EPARSE, 0 }, { "1", -IK_EPARSE, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int err = ftp_type_parse(cases[i].in, &t);
		if (err != cases[i].err)
			print_message("TYPE '%s' -> %d\n", cases[i].in, err);
		assert_int_equal(err, cases[i].err);
		if (err == 0)
			assert_int_equal(t, cases[i].t);
	}
}

static void
test_mode_stru(void **state)
{
	(void)state;

	assert_int_equal(ftp_mode_parse("S"), 0);
	assert_int_equal(ftp_mode_parse("s"), 0);
	assert_int_equal(ftp_mode_parse("B"), -ENOTSUP);
	assert_int_equal(ftp_mode_parse("C"), -ENOTSUP);
	assert_int_equal(ftp_mode_parse("Z"), -IK_EPARSE);
	assert_int_equal(ftp_mode_parse("SS"), -IK_EPARSE);
	assert_int_equal(ftp_mode_parse(""), -IK_EPARSE);
	assert_int_equal(ftp_stru_parse("F"), 0);
	assert_int_equal(ftp_stru_parse("r"), -ENOTSUP);
	assert_int_equal(ftp_stru_parse("P"), -ENOTSUP);
	assert_int_equal(ftp_stru_parse("S"), -IK_EPARSE);
}

static void
test_rest(void **state)
{
	uint64_t v;
	(void)state;

	assert_int_equal(ftp_rest_parse("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(ftp_rest_parse("1234567890123", &v), 0);
	assert_true(v == 1234567890123ull);
	assert_int_equal(ftp_rest_parse("9223372036854775807", &v), 0);
	assert_int_equal(ftp_rest_parse("9223372036854775808", &v),
	    -IK_EPARSE);
	assert_int_equal(ftp_rest_parse("99999999999999999999999", &v),
	    -IK_EPARSE);
	assert_int_equal(ftp_rest_parse("", &v), -IK_EPARSE);
	assert_int_equal(ftp_rest_parse("-1", &v), -IK_EPARSE);
	assert_int_equal(ftp_rest_parse("10 ", &v), -IK_EPARSE);
	assert_int_equal(ftp_rest_parse("0x10", &v), -IK_EPARSE);
}

static void
test_chmod(void **state)
{
	mode_t m;
	const char *p;
	(void)state;

	assert_int_equal(ftp_chmod_parse("644 a b.txt", &m, &p), 0);
	assert_int_equal(m, 0644);
	assert_string_equal(p, "a b.txt");
	assert_int_equal(ftp_chmod_parse("0755 dir", &m, &p), 0);
	assert_int_equal(m, 0755);
	assert_int_equal(ftp_chmod_parse("7 x", &m, &p), 0);
	assert_int_equal(m, 07);
	/* No set-id or sticky bits from a client. */
	assert_int_equal(ftp_chmod_parse("4755 x", &m, &p), -IK_EPARSE);
	assert_int_equal(ftp_chmod_parse("1777 x", &m, &p), -IK_EPARSE);
	assert_int_equal(ftp_chmod_parse("00644 x", &m, &p), -IK_EPARSE);
	assert_int_equal(ftp_chmod_parse("648 x", &m, &p), -IK_EPARSE);
	assert_int_equal(ftp_chmod_parse("644", &m, &p), -IK_EPARSE);
	assert_int_equal(ftp_chmod_parse("644 ", &m, &p), -IK_EPARSE);
	assert_int_equal(ftp_chmod_parse("u+x x", &m, &p), -IK_EPARSE);
	assert_int_equal(ftp_chmod_parse("", &m, &p), -IK_EPARSE);
}

static void
test_list_args(void **state)
{
	const char *p;
	bool all;
	(void)state;

	ftp_list_args("", &p, &all);
	assert_string_equal(p, "");
	assert_false(all);
	ftp_list_args("-la", &p, &all);
	assert_string_equal(p, "");
	assert_true(all);
	ftp_list_args("-l dir name", &p, &all);
	assert_string_equal(p, "dir name");
	assert_false(all);
	ftp_list_args("-a -l  sub", &p, &all);
	assert_string_equal(p, "sub");
	assert_true(all);
	ftp_list_args("-A", &p, &all);
	assert_true(all);
	/* "-" alone and "- x" are paths, not options. */
	ftp_list_args("-", &p, &all);
	assert_string_equal(p, "-");
	ftp_list_args("- x", &p, &all);
	assert_string_equal(p, "- x");
	ftp_list_args("./-la", &p, &all);
	assert_string_equal(p, "./-la");
}

static void
test_mlst_opts(void **state)
{
	char buf[128];
	(void)state;

	assert_int_equal(ftp_mlst_opts_parse(" type;size;"),
	    FTP_FACT_TYPE | FTP_FACT_SIZE);
	assert_int_equal(ftp_mlst_opts_parse(" TYPE;Modify;unix.mode"),
	    FTP_FACT_TYPE | FTP_FACT_MODIFY | FTP_FACT_UNIX_MODE);
	assert_int_equal(ftp_mlst_opts_parse(" bogus;perm;;"), FTP_FACT_PERM);
	assert_int_equal(ftp_mlst_opts_parse(""), 0);
	assert_int_equal(ftp_mlst_opts_parse(" typ;sizes"), 0);

	assert_true(ftp_mlst_facts_format(FTP_FACT_ALL, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "type*;size*;modify*;perm*;unix.mode*;");
	assert_true(ftp_mlst_facts_format(FTP_FACT_SIZE, buf, sizeof(buf)) >
	    0);
	assert_string_equal(buf, "type;size*;modify;perm;unix.mode;");
	assert_int_equal(ftp_mlst_facts_format(0, buf, 10), -IK_ETRUNC);
}

static void
test_quote_path(void **state)
{
	char buf[32];
	(void)state;

	assert_int_equal(ftp_quote_path("/a/b", buf, sizeof(buf)), 4);
	assert_string_equal(buf, "/a/b");
	/* RFC 959 appendix II: embedded quotes doubled. */
	assert_int_equal(ftp_quote_path("/say \"hi\"", buf, sizeof(buf)), 11);
	assert_string_equal(buf, "/say \"\"hi\"\"");
	assert_int_equal(ftp_quote_path("/abc", buf, 5), 4);
	assert_int_equal(ftp_quote_path("/abc", buf, 4), -IK_ETRUNC);
	assert_int_equal(ftp_quote_path("\"", buf, 2), -IK_ETRUNC);
	assert_int_equal(ftp_quote_path("\"", buf, 3), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_telnet_strip),
		cmocka_unit_test(test_cmd_split),
		cmocka_unit_test(test_type),
		cmocka_unit_test(test_mode_stru),
		cmocka_unit_test(test_rest),
		cmocka_unit_test(test_chmod),
		cmocka_unit_test(test_list_args),
		cmocka_unit_test(test_mlst_opts),
		cmocka_unit_test(test_quote_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
