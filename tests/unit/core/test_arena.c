/* tests/unit/core/test_arena.c - the bump allocator: alignment, growth
 * past the first block, reset keeping one block, the limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/arena.h"

static void
test_aligned_and_distinct(void **state)
{
	struct arena *a = arena_new(256);
	(void)state;

	assert_non_null(a);
	char *prev = NULL;
	for (size_t n = 1; n < 100; n++) {
		char *p = arena_alloc(a, n);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
		memset(p, 0xab, n);	/* ASan: each block is really n bytes */
		if (prev != NULL)
			assert_ptr_not_equal(p, prev);
		prev = p;
	}
	assert_true(arena_used(a) >= 99 * 100 / 2);
	arena_free(&a);
	assert_null(a);
	arena_free(&a);		/* NULL is fine */
}

static void
test_grows_beyond_first_block(void **state)
{
	struct arena *a = arena_new(256);
	(void)state;

	char *big = arena_alloc(a, 10000);
	assert_non_null(big);
	memset(big, 1, 10000);
	char *z = arena_zalloc(a, 5000);
	assert_non_null(z);
	for (size_t i = 0; i < 5000; i++)
		assert_int_equal(z[i], 0);
	arena_free(&a);
}

static void
test_dup_is_terminated(void **state)
{
	struct arena *a = arena_new(256);
	(void)state;

	char *s = arena_dup(a, "abc", 3);
	assert_string_equal(s, "abc");
	char *e = arena_dup(a, NULL, 0);
	assert_non_null(e);
	assert_int_equal(e[0], '\0');
	arena_free(&a);
}

static void
test_reset_reuses(void **state)
{
	struct arena *a = arena_new(1024);
	(void)state;

	void *first = arena_alloc(a, 16);
	for (int i = 0; i < 100; i++)
		assert_non_null(arena_alloc(a, 1000));
	arena_reset(a);
	assert_int_equal(arena_used(a), 0);
	/* The first block is kept: the next allocation starts it again. */
	assert_ptr_equal(arena_alloc(a, 16), first);
	arena_free(&a);
}

static void
test_limit(void **state)
{
	struct arena *a = arena_new_limited(256, 4096);
	(void)state;

	assert_non_null(arena_alloc(a, 2048));
	assert_non_null(arena_alloc(a, 1024));
	assert_null(arena_alloc(a, 2048));	/* over the limit */
	assert_null(arena_alloc(a, SIZE_MAX));
	arena_reset(a);
	assert_non_null(arena_alloc(a, 4000));
	arena_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aligned_and_distinct),
		cmocka_unit_test(test_grows_beyond_first_block),
		cmocka_unit_test(test_dup_is_terminated),
		cmocka_unit_test(test_reset_reuses),
		cmocka_unit_test(test_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
