/* tests/unit/core/test_textbuf.c - the fixed-buffer text builder: pieces,
 * numbers at their limits, hex in both cases, and truncation that keeps
 * the NUL's byte and sticks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "core/textbuf.h"

static void
test_pieces(void **state)
{
	char buf[64];
	struct textbuf b = TEXTBUF_INIT(buf, sizeof(buf));
	(void)state;

	textbuf_puts(&b, "L1 ");
	textbuf_u64(&b, 0);
	textbuf_put(&b, " ", 1);
	textbuf_u64(&b, UINT64_MAX);
	textbuf_put(&b, " ", 1);
	textbuf_i64(&b, -5);
	textbuf_put(&b, " ", 1);
	textbuf_i64(&b, INT64_MIN);
	textbuf_put(&b, " ", 1);
	textbuf_hex(&b, (const uint8_t *)"\x00\xab\xff", 3, false);
	textbuf_put(&b, " ", 1);
	textbuf_hex(&b, (const uint8_t *)"\x0f\xab", 2, true);
	const char *want = "L1 0 18446744073709551615 -5 "
	    "-9223372036854775808 00abff 0FAB";
	assert_int_equal(textbuf_end(&b), (int)strlen(want));
	assert_string_equal(buf, want);
}

static void
test_truncation(void **state)
{
	char buf[8];
	(void)state;

	/* Seven characters and the NUL fit exactly. */
	struct textbuf b = TEXTBUF_INIT(buf, sizeof(buf));
	textbuf_puts(&b, "1234567");
	assert_int_equal(textbuf_end(&b), 7);
	assert_string_equal(buf, "1234567");

	/* One more does not, and what follows cannot undo it. */
	memset(buf, 'x', sizeof(buf));
	b = (struct textbuf)TEXTBUF_INIT(buf, sizeof(buf));
	textbuf_puts(&b, "12345678");
	assert_int_equal(b.err, -IK_ETRUNC);
	textbuf_puts(&b, "");
	textbuf_u64(&b, 1);
	assert_int_equal(textbuf_end(&b), -IK_ETRUNC);
	assert_int_equal(b.len, 0);	/* nothing half-written */

	/* A zero-sized buffer holds nothing, not even the NUL. */
	b = (struct textbuf)TEXTBUF_INIT(buf, 0);
	assert_int_equal(textbuf_end(&b), -IK_ETRUNC);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pieces),
		cmocka_unit_test(test_truncation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
