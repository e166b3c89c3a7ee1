/* ftp/authq.h - password checks off the event loop. A crypt(3) check
 * costs tens of milliseconds by design (yescrypt); done in the loop it
 * would stall every transfer of the process for that long per login. One
 * worker thread runs auth_verify() on a queue of jobs and hands results
 * back to the loop's thread, where the callbacks run. */
#ifndef IK_FTP_AUTHQ_H
#define IK_FTP_AUTHQ_H

#include "core/auth.h"

struct event_base;
struct ftp_authq;
struct ftp_auth_job;

/* A users db shared by the server and the jobs checking against it; a
 * reload swaps the server's, the old one goes when its last job is done.
 * Touched only on the loop's thread. */
struct ftp_users {
	struct auth_db	*db;		/* owned */
	unsigned	 refs;
};

/* Wraps a loaded db (taken) with one reference. NULL on ENOMEM (db is
 * freed). */
struct ftp_users *ftp_users_new(struct auth_db *db);
struct ftp_users *ftp_users_ref(struct ftp_users *u);
/* Drops a reference; the last one frees. Accepts NULL; clears *up. */
void ftp_users_unref(struct ftp_users **up);

/* Runs on the loop's thread: `err` as auth_verify returns it; `user` is
 * borrowed, valid during the call only. */
typedef void ftp_auth_done_fn(void *arg, int err,
    const struct auth_user *user);

/* Starts the worker. Returns NULL and *err (-errno) on failure. */
struct ftp_authq *ftp_authq_new(struct event_base *base, int *err);
/* Stops the worker (after the job it is on) and drops every job without
 * calling back. Accepts NULL; clears *qp. */
void ftp_authq_free(struct ftp_authq **qp);
/* Queues a check of `pass` (copied, wiped after use) for `name` against
 * `users` (a reference is taken until the job ends). Returns a handle for
 * ftp_authq_cancel, or NULL on ENOMEM. */
struct ftp_auth_job *ftp_authq_submit(struct ftp_authq *q,
    struct ftp_users *users, const char *name, const char *pass,
    ftp_auth_done_fn *done, void *arg);
/* The session is gone: the job's callback will not run. */
void ftp_authq_cancel(struct ftp_auth_job *j);

#endif
