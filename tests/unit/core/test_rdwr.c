/* tests/unit/core/test_rdwr.c - the cursors: big-endian reads and
 * writes, and the first error sticking so later calls do nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/rdwr.h"

static void
test_reads(void **state)
{
	static const uint8_t in[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
	    0x07, 0x08, 0x09 };
	struct rd r = { in, in + sizeof(in), 0 };
	(void)state;

	assert_int_equal(rd_u8(&r), 0x01);
	assert_int_equal(rd_u16(&r), 0x0203);
	assert_int_equal(rd_u32(&r), 0x04050607);
	assert_int_equal(rd_left(&r), 2);
	const uint8_t *p = rd_bytes(&r, 2);
	assert_ptr_equal(p, in + 7);
	assert_int_equal(r.err, 0);
	assert_int_equal(rd_left(&r), 0);
}

static void
test_first_error_sticks(void **state)
{
	static const uint8_t in[] = { 0xff, 0xee, 0xdd };
	struct rd r = { in, in + sizeof(in), 0 };
	(void)state;

	assert_int_equal(rd_u32(&r), 0);	/* only 3 bytes */
	assert_int_equal(r.err, -IK_ETRUNC);
	/* Nothing was consumed and nothing more is read. */
	assert_ptr_equal(r.p, in);
	assert_int_equal(rd_u8(&r), 0);
	assert_int_equal(rd_u16(&r), 0);
	assert_null(rd_bytes(&r, 1));
	assert_int_equal(rd_left(&r), 0);
}

static void
test_writes_and_overflow(void **state)
{
	uint8_t buf[7];
	struct wr w = { buf, buf + sizeof(buf), 0 };
	(void)state;

	memset(buf, 0, sizeof(buf));
	wr_u8(&w, 0xaa);
	wr_u16(&w, 0xbbcc);
	wr_u32(&w, 0x11223344);
	assert_int_equal(w.err, 0);
	assert_int_equal(wr_left(&w), 0);
	static const uint8_t want[] = { 0xaa, 0xbb, 0xcc, 0x11, 0x22, 0x33,
	    0x44 };
	assert_memory_equal(buf, want, sizeof(want));
	wr_u8(&w, 0x99);
	assert_int_equal(w.err, -IK_ETRUNC);
	wr_bytes(&w, "x", 1);
	assert_memory_equal(buf, want, sizeof(want));	/* untouched */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads),
		cmocka_unit_test(test_first_error_sticks),
		cmocka_unit_test(test_writes_and_overflow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
