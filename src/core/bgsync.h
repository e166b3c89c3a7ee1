/* core/bgsync.h - fdatasync off the event loop. A service that must not
 * answer before its data is on disk (DHCP's ACK, mail's 250) writes, asks
 * for a sync here and goes on reading; `done` runs in the loop when the
 * sync has finished. One sync at a time: what is written while one runs
 * waits for the next (group commit). */
#ifndef IK_CORE_BGSYNC_H
#define IK_CORE_BGSYNC_H

#include <stdbool.h>

struct event_base;
struct bgsync;

/* `done(err, arg)` runs in `base`'s loop after each sync: err 0 or
 * -errno. Returns NULL (and *err) if the thread cannot start. */
struct bgsync *bgsync_new(struct event_base *base,
    void (*done)(int err, void *arg), void *arg, int *err);
/* Starts fdatasync(fd) on the worker. Returns 0, or -EBUSY while one
 * runs. fd must stay open until `done` has run. */
int bgsync_start(struct bgsync *b, int fd);
bool bgsync_busy(const struct bgsync *b);
/* Waits for a sync in flight (its `done` is not called), stops the
 * worker and frees. */
void bgsync_free(struct bgsync **bp);

#endif
