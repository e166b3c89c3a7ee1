/* tests/unit/core/test_bgsync.c - fdatasync on the worker thread, the
 * report back in the loop, one sync at a time, errors passed on, and a
 * free that waits for a sync in flight. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <event2/event.h>

#include "core/bgsync.h"

struct got {
	struct event_base	*base;
	int			 calls;
	int			 err;
};

static void
done(int err, void *arg)
{
	struct got *g = arg;

	g->calls++;
	g->err = err;
	event_base_loopbreak(g->base);
}

/* Runs the loop until `done` or 5 s. */
static void
wait_done(struct got *g)
{
	struct timeval tv = { 5, 0 };

	event_base_loopexit(g->base, &tv);
	event_base_dispatch(g->base);
}

static int
temp_fd(void)
{
	char path[] = "/tmp/ik-bgsync-XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, "lease\n", 6), 6);
	return fd;
}

static void
test_sync_reports_in_loop(void **state)
{
	struct got g = { .base = event_base_new() };
	int err = 0, fd = temp_fd();
	(void)state;

	struct bgsync *b = bgsync_new(g.base, done, &g, &err);
	assert_non_null(b);
	assert_false(bgsync_busy(b));
	assert_int_equal(bgsync_start(b, fd), 0);
	assert_true(bgsync_busy(b));
	/* One at a time: a second waits for the first to be reported. */
	assert_int_equal(bgsync_start(b, fd), -EBUSY);
	wait_done(&g);
	assert_int_equal(g.calls, 1);
	assert_int_equal(g.err, 0);
	assert_false(bgsync_busy(b));
	/* And then the next one runs. */
	assert_int_equal(bgsync_start(b, fd), 0);
	wait_done(&g);
	assert_int_equal(g.calls, 2);
	bgsync_free(&b);
	assert_null(b);
	close(fd);
	event_base_free(g.base);
}

static void
test_error_is_reported(void **state)
{
	struct got g = { .base = event_base_new() };
	int err = 0, fd = temp_fd();
	(void)state;

	struct bgsync *b = bgsync_new(g.base, done, &g, &err);
	assert_non_null(b);
	close(fd);
	/* A closed descriptor: fdatasync fails with EBADF. */
	assert_int_equal(bgsync_start(b, fd), 0);
	wait_done(&g);
	assert_int_equal(g.calls, 1);
	assert_int_equal(g.err, -EBADF);
	bgsync_free(&b);
	event_base_free(g.base);
}

static void
test_free_waits_for_sync_in_flight(void **state)
{
	struct got g = { .base = event_base_new() };
	int err = 0, fd = temp_fd();
	(void)state;

	struct bgsync *b = bgsync_new(g.base, done, &g, &err);
	assert_non_null(b);
	assert_int_equal(bgsync_start(b, fd), 0);
	bgsync_free(&b);	/* must not hang or crash; no report after */
	assert_null(b);
	assert_int_equal(g.calls, 0);
	close(fd);
	event_base_free(g.base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sync_reports_in_loop),
		cmocka_unit_test(test_error_is_reported),
		cmocka_unit_test(test_free_waits_for_sync_in_flight),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
