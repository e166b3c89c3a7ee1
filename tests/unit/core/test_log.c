/* tests/unit/core/test_log.c - log_esc escaping and truncation, level
 * names, and the "SERVICE LEVEL message\n" lines, read back by pointing
 * stderr at a pipe around each call (restored before any assertion, so
 * cmocka's own messages still reach the terminal). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"

/* ---- log_esc ---- */

static void
test_esc_table(void **state)
{
	static const struct {
		const char	*in;
		size_t		 len;
		const char	*out;
	} tab[] = {
		{ "", 0, "" },
		{ "plain text 123", 14, "plain text 123" },
		{ "tab\there", 8, "tab\\x09here" },
		{ "crlf\r\n", 6, "crlf\\x0d\\x0a" },
		{ "\x01\x1f", 2, "\\x01\\x1f" },
		{ "say \"hi\"", 8, "say \\x22hi\\x22" },
		{ "back\\slash", 10, "back\\x5cslash" },
		{ "del\x7f", 4, "del\\x7f" },
		{ "\x80\xff\xc3\xa9", 4, "\\x80\\xff\\xc3\\xa9" },
		{ "a\0b", 3, "a\\x00b" },		/* NUL in the middle */
		{ "\0", 1, "\\x00" },
		{ "len stops here", 3, "len" },
		{ " ~!#$%&'()*+,-./:;<=>?@[]^_`{|}", 31,
		    " ~!#$%&'()*+,-./:;<=>?@[]^_`{|}" },
	};
	char buf[128];
	(void)state;

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		assert_ptr_equal(log_esc(tab[i].in, tab[i].len, buf,
		    sizeof(buf)), buf);
		assert_string_equal(buf, tab[i].out);
	}
}

static void
test_esc_every_byte(void **state)
{
	char in[1], buf[16], want[16];
	(void)state;

	for (int c = 0; c < 256; c++) {
		in[0] = (char)c;
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			snprintf(want, sizeof(want), "%c", c);
		else
			snprintf(want, sizeof(want), "\\x%02x", c);
		log_esc(in, 1, buf, sizeof(buf));
		assert_string_equal(buf, want);
	}
}

/* A long input mixing plain and escaped bytes. */
static size_t
long_input(char *in, size_t cap)
{
	static const char pat[] = "ab\x01" "cd\"e\\\x7f\xff" "fgh\0ij";
	size_t n = 0;

	while (n + sizeof(pat) - 1 <= cap) {
		memcpy(in + n, pat, sizeof(pat) - 1);
		n += sizeof(pat) - 1;
	}
	return n;
}

/* True if `s` is the escaping of some prefix of in[0..len). */
static bool
is_escaped_prefix(const char *s, const char *in, size_t len)
{
	char full[1024];

	for (size_t k = 0; k <= len; k++) {
		log_esc(in, k, full, sizeof(full));
		if (strcmp(full, s) == 0)
			return true;
		if (strlen(full) > strlen(s))
			return false;
	}
	return false;
}

static void
test_esc_truncation_every_cap(void **state)
{
	char in[120];
	size_t len = long_input(in, sizeof(in));
	(void)state;

	for (size_t cap = 8; cap <= 40; cap++) {
		char buf[64];
		memset(buf, 'Z', sizeof(buf));
		assert_ptr_equal(log_esc(in, len, buf, cap), buf);
		/* NUL-terminated within cap, nothing written past it */
		assert_non_null(memchr(buf, '\0', cap));
		for (size_t i = cap; i < sizeof(buf); i++)
			assert_int_equal(buf[i], 'Z');
		size_t n = strlen(buf);
		assert_true(n <= cap - 1);
		assert_true(n >= 3);
		assert_string_equal(buf + n - 3, "...");
		/* the part kept is whole escapes of an input prefix */
		buf[n - 3] = '\0';
		assert_true(is_escaped_prefix(buf, in, len));
	}
}

/* Output that fits in cap - 1 bytes is not cut. */
static void
test_esc_exact_fit_not_cut(void **state)
{
	char in[64];
	(void)state;

	memset(in, 'a', sizeof(in));
	for (size_t cap = 8; cap <= 40; cap++) {
		char buf[64];
		log_esc(in, cap - 1, buf, cap);
		assert_int_equal(strlen(buf), cap - 1);
		assert_null(strstr(buf, "..."));
	}
	/* two escapes: 8 bytes in a 9-byte buffer */
	char buf[9];
	log_esc("\x01\x02", 2, buf, sizeof(buf));
	assert_string_equal(buf, "\\x01\\x02");
}

static void
test_esc_tiny_cap(void **state)
{
	char buf[8];
	(void)state;

	for (size_t cap = 1; cap < 8; cap++) {
		memset(buf, 'Z', sizeof(buf));
		assert_ptr_equal(log_esc("hello", 5, buf, cap), buf);
		assert_int_equal(buf[0], '\0');
		for (size_t i = cap; i < sizeof(buf); i++)
			assert_int_equal(buf[i], 'Z');
	}
	memset(buf, 'Z', sizeof(buf));
	log_esc("hello", 5, buf, 0);
	assert_int_equal(buf[0], 'Z');
	/* the smallest legal cap */
	log_esc("hello world", 11, buf, 8);
	assert_int_equal(strlen(buf), 7);
	assert_string_equal(buf + 4, "...");
}

/* ---- level names ---- */

static void
test_level_parse_and_name(void **state)
{
	static const struct {
		const char	*name;
		enum log_level	 lv;
	} tab[] = {
		{ "debug", LOG_LV_DEBUG }, { "info", LOG_LV_INFO },
		{ "warn", LOG_LV_WARN }, { "error", LOG_LV_ERR },
	};
	static const char *const bad[] = { "", "warning", "err", "info ",
	    " info", "infox", "verbose", "de" };
	(void)state;

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		enum log_level lv = (enum log_level)99;
		assert_int_equal(log_level_parse(tab[i].name, &lv), 0);
		assert_int_equal(lv, tab[i].lv);
		assert_string_equal(log_level_name(tab[i].lv), tab[i].name);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum log_level lv = LOG_LV_WARN;
		assert_int_equal(log_level_parse(bad[i], &lv), -IK_EPARSE);
		assert_int_equal(lv, LOG_LV_WARN);
	}
	assert_string_equal(log_level_name((enum log_level)4), "?");
	assert_string_equal(log_level_name((enum log_level)-1), "?");
	assert_true(LOG_LV_DEBUG < LOG_LV_INFO && LOG_LV_INFO < LOG_LV_WARN &&
	    LOG_LV_WARN < LOG_LV_ERR);
}

/* ---- output ---- */

struct capture {
	int	 saved;		/* the real stderr */
	int	 rd;		/* pipe read end */
};

/* Points stderr at a fresh pipe. No assertions until capture_end. */
static int
capture_begin(struct capture *cp)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	cp->saved = dup(STDERR_FILENO);
	cp->rd = p[0];
	if (cp->saved < 0 || dup2(p[1], STDERR_FILENO) < 0)
		return -errno;
	close(p[1]);
	return 0;
}

/* Restores stderr; returns what was written (NUL-terminated, owned). */
static char *
capture_end(struct capture *cp, size_t *len_out)
{
	size_t cap = 8192, len = 0;
	char *buf = malloc(cap + 1);

	assert_int_equal(dup2(cp->saved, STDERR_FILENO), STDERR_FILENO);
	close(cp->saved);
	assert_non_null(buf);
	/* Every line went out in one write(2) before we got here: the pipe
	 * holds it all, so read until empty (EAGAIN) or EOF. */
	for (;;) {
		ssize_t n = read(cp->rd, buf + len, cap - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		assert_true(len < cap);
	}
	close(cp->rd);
	buf[len] = '\0';
	if (len_out != NULL)
		*len_out = len;
	return buf;
}

static void
expect_out(struct capture *cp, const char *want)
{
	char *got = capture_end(cp, NULL);

	assert_string_equal(got, want);
	free(got);
}

static int
setup_log(void **state)
{
	(void)state;
	log_init("svc", LOG_LV_INFO);
	return 0;
}

static int
teardown_log(void **state)
{
	(void)state;
	log_init("inetkit", LOG_LV_INFO);
	return 0;
}

static void
test_output_format(void **state)
{
	struct capture cp;
	(void)state;

	assert_int_equal(capture_begin(&cp), 0);
	log_info("hello %d key=%s", 42, "v");
	expect_out(&cp, "svc info hello 42 key=v\n");

	assert_int_equal(capture_begin(&cp), 0);
	log_warn("w");
	log_err("e %s", "x");
	log_msg(LOG_LV_INFO, "m%c", '!');
	log_msg(LOG_LV_ERR, "100%%");
	expect_out(&cp, "svc warn w\nsvc error e x\nsvc info m!\n"
	    "svc error 100%\n");
}

static void
test_below_minimum_silent(void **state)
{
	struct capture cp;
	(void)state;

	assert_int_equal(capture_begin(&cp), 0);
	log_debug("not shown");
	log_msg(LOG_LV_DEBUG, "nor this");
	expect_out(&cp, "");

	log_set_level(LOG_LV_ERR);
	assert_int_equal(capture_begin(&cp), 0);
	log_debug("d");
	log_info("i");
	log_warn("w");
	log_err("e");
	expect_out(&cp, "svc error e\n");

	log_set_level(LOG_LV_DEBUG);
	assert_int_equal(capture_begin(&cp), 0);
	log_debug("d");
	expect_out(&cp, "svc debug d\n");

	log_init("other", LOG_LV_WARN);
	assert_int_equal(capture_begin(&cp), 0);
	log_info("i");
	log_warn("w");
	expect_out(&cp, "other warn w\n");
}

static void
test_service_name_cut(void **state)
{
	struct capture cp;
	(void)state;

	log_init("abcdefghijklmnopqrstuvwxyz", LOG_LV_INFO);
	assert_int_equal(capture_begin(&cp), 0);
	log_info("x");
	expect_out(&cp, "abcdefghijklmno info x\n");
}

/* A long message is cut visibly and still ends the line. */
static void
test_long_message_one_line(void **state)
{
	struct capture cp;
	char *big = malloc(5001);
	size_t len;
	(void)state;

	assert_non_null(big);
	memset(big, 'q', 5000);
	big[5000] = '\0';
	assert_int_equal(capture_begin(&cp), 0);
	log_info("%s", big);
	char *got = capture_end(&cp, &len);
	free(big);
	assert_true(len <= 2048);
	assert_true(len > 1000);
	assert_int_equal(got[len - 1], '\n');
	assert_ptr_equal(strchr(got, '\n'), got + len - 1);
	assert_memory_equal(got + len - 4, "...", 3);
	assert_memory_equal(got, "svc info qqq", 12);
	free(got);
}

static void
test_errno_kept(void **state)
{
	struct capture cp;
	(void)state;

	assert_int_equal(capture_begin(&cp), 0);
	errno = EIO;
	log_info("x");
	int e1 = errno;
	errno = ENOSPC;
	log_debug("y");
	int e2 = errno;
	free(capture_end(&cp, NULL));
	assert_int_equal(e1, EIO);
	assert_int_equal(e2, ENOSPC);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_esc_table),
		cmocka_unit_test(test_esc_every_byte),
		cmocka_unit_test(test_esc_truncation_every_cap),
		cmocka_unit_test(test_esc_exact_fit_not_cut),
		cmocka_unit_test(test_esc_tiny_cap),
		cmocka_unit_test(test_level_parse_and_name),
		cmocka_unit_test_setup_teardown(test_output_format, setup_log,
		    teardown_log),
		cmocka_unit_test_setup_teardown(test_below_minimum_silent,
		    setup_log, teardown_log),
		cmocka_unit_test_setup_teardown(test_service_name_cut,
		    setup_log, teardown_log),
		cmocka_unit_test_setup_teardown(test_long_message_one_line,
		    setup_log, teardown_log),
		cmocka_unit_test_setup_teardown(test_errno_kept, setup_log,
		    teardown_log),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
