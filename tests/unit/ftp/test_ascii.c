/* tests/unit/ftp/test_ascii.c - TYPE A line ends both ways, at every split
 * point of the input (a CR at a chunk's end is the hard case), and the
 * round trip local -> network -> local. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "ftp/ascii.h"

static size_t
to_net_split(const char *in, size_t len, size_t cut, char *out)
{
	struct ftp_ascii st = { 0 };
	size_t n = ftp_ascii_to_net(&st, in, cut, out);

	return n + ftp_ascii_to_net(&st, in + cut, len - cut, out + n);
}

static size_t
from_net_split(const char *in, size_t len, size_t cut, char *out)
{
	struct ftp_ascii st = { 0 };
	size_t n = ftp_ascii_from_net(&st, in, cut, out);

	n += ftp_ascii_from_net(&st, in + cut, len - cut, out + n);
	return n + ftp_ascii_from_net_end(&st, out + n);
}

static void
test_to_net(void **state)
{
	static const char in[] = "a\nbb\r\n\n\rc\r";
	static const char want[] = "a\r\nbb\r\n\r\n\rc\r";
	char out[64];
	(void)state;

	for (size_t cut = 0; cut < sizeof(in); cut++) {
		size_t n = to_net_split(in, sizeof(in) - 1, cut, out);
		assert_int_equal(n, sizeof(want) - 1);
		assert_memory_equal(out, want, n);
	}
}

static void
test_from_net(void **state)
{
	static const char in[] = "a\r\nbb\r\r\nc\rd\n\r";
	static const char want[] = "a\nbb\r\nc\rd\n\r";
	char out[64];
	(void)state;

	for (size_t cut = 0; cut < sizeof(in); cut++) {
		size_t n = from_net_split(in, sizeof(in) - 1, cut, out);
		assert_int_equal(n, sizeof(want) - 1);
		assert_memory_equal(out, want, n);
	}
}

static void
test_round_trip(void **state)
{
	static const char text[] = "line one\nline two\n\nlast \x01\xff\n";
	char net[128], back[128];
	struct ftp_ascii a = { 0 }, b = { 0 };
	(void)state;

	size_t n = ftp_ascii_to_net(&a, text, sizeof(text) - 1, net);
	size_t m = ftp_ascii_from_net(&b, net, n, back);
	m += ftp_ascii_from_net_end(&b, back + m);
	assert_int_equal(m, sizeof(text) - 1);
	assert_memory_equal(back, text, m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_to_net),
		cmocka_unit_test(test_from_net),
		cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
