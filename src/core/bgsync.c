/* core/bgsync.c - one worker thread per bgsync, woken by a condition
 * variable; it reports through an eventfd the loop watches. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <event2/event.h>

#include "core/bgsync.h"

struct bgsync {
	pthread_t	 thread;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	int		 fd;		/* to sync; -1: none asked */
	int		 result;	/* of the last sync */
	bool		 busy;		/* asked and not yet reported */
	bool		 quit;
	int		 efd;		/* worker -> loop */
	struct event	*ev;
	void		(*done)(int err, void *arg);
	void		*arg;
};

static void *
worker(void *arg)
{
	struct bgsync *b = arg;
	uint64_t one = 1;

	pthread_mutex_lock(&b->mu);
	for (;;) {
		while (b->fd < 0 && !b->quit)
			pthread_cond_wait(&b->cv, &b->mu);
		if (b->fd < 0)
			break;
		int fd = b->fd;
		pthread_mutex_unlock(&b->mu);
		int r = fdatasync(fd) < 0 ? -errno : 0;
		pthread_mutex_lock(&b->mu);
		b->result = r;
		b->fd = -1;
		pthread_cond_broadcast(&b->cv);
		/* Outside the lock, so the loop does not wake into it. A full
		 * eventfd counter is impossible here: one pending. */
		pthread_mutex_unlock(&b->mu);
		(void)!write(b->efd, &one, sizeof(one));
		pthread_mutex_lock(&b->mu);
	}
	pthread_mutex_unlock(&b->mu);
	return NULL;
}

static void
on_done(evutil_socket_t fd, short what, void *arg)
{
	struct bgsync *b = arg;
	uint64_t n;
	int r;
	(void)what;

	if (read(fd, &n, sizeof(n)) != sizeof(n))
		return;
	pthread_mutex_lock(&b->mu);
	r = b->result;
	b->busy = false;
	pthread_mutex_unlock(&b->mu);
	b->done(r, b->arg);
}

struct bgsync *
bgsync_new(struct event_base *base, void (*done)(int err, void *arg),
    void *arg, int *err)
{
	struct bgsync *b = calloc(1, sizeof(*b));

	if (b == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	b->fd = -1;
	b->done = done;
	b->arg = arg;
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->cv, NULL);
	if ((b->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		*err = -errno;
		goto fail;
	}
	if ((b->ev = event_new(base, b->efd, EV_READ | EV_PERSIST, on_done,
	    b)) == NULL || event_add(b->ev, NULL) < 0) {
		*err = -ENOMEM;
		goto fail;
	}
	if ((*err = -pthread_create(&b->thread, NULL, worker, b)) < 0)
		goto fail;
	return b;
fail:
	if (b->ev != NULL)
		event_free(b->ev);
	if (b->efd >= 0)
		close(b->efd);
	pthread_cond_destroy(&b->cv);
	pthread_mutex_destroy(&b->mu);
	free(b);
	return NULL;
}

int
bgsync_start(struct bgsync *b, int fd)
{
	pthread_mutex_lock(&b->mu);
	if (b->busy) {
		pthread_mutex_unlock(&b->mu);
		return -EBUSY;
	}
	b->busy = true;
	b->fd = fd;
	pthread_mutex_unlock(&b->mu);
	/* After the unlock: the woken worker finds the lock free. */
	pthread_cond_broadcast(&b->cv);
	return 0;
}

bool
bgsync_busy(const struct bgsync *b)
{
	/* Only the loop sets and clears busy. */
	return b->busy;
}

void
bgsync_free(struct bgsync **bp)
{
	struct bgsync *b = *bp;

	if (b == NULL)
		return;
	pthread_mutex_lock(&b->mu);
	while (b->fd >= 0)
		pthread_cond_wait(&b->cv, &b->mu);
	b->quit = true;
	pthread_cond_broadcast(&b->cv);
	pthread_mutex_unlock(&b->mu);
	pthread_join(b->thread, NULL);
	event_free(b->ev);
	close(b->efd);
	pthread_cond_destroy(&b->cv);
	pthread_mutex_destroy(&b->mu);
	free(b);
	*bp = NULL;
}
