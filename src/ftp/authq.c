/* ftp/authq.c - a worker thread for crypt(3) password checks, so a login
 * never stalls the event loop. Jobs go in under a mutex; results come back
 * through an eventfd the loop watches. Only the loop's thread calls back,
 * frees jobs and touches reference counts; the worker reads a job's db
 * (immutable while referenced) and writes its result. */
#include "ftp/authq.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/crypto.h>

#include "core/err.h"

struct ftp_auth_job {
	struct ftp_auth_job	*next;
	struct ftp_users	*users;		/* a reference */
	char			*name;
	char			*pass;		/* wiped once checked */
	ftp_auth_done_fn	*done;		/* NULL: cancelled */
	void			*arg;
	int			 err;		/* set by the worker */
	const struct auth_user	*user;
};

struct ftp_authq {
	pthread_t		 thread;
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	struct ftp_auth_job	*todo, *todo_tail;	/* under lock */
	struct ftp_auth_job	*done, *done_tail;	/* under lock */
	bool			 stop;			/* under lock */
	bool			 is_started;
	int			 efd;
	struct event		*ev;
};

struct ftp_users *
ftp_users_new(struct auth_db *db)
{
	struct ftp_users *u = calloc(1, sizeof(*u));

	if (u == NULL) {
		auth_db_free(&db);
		return NULL;
	}
	u->db = db;
	u->refs = 1;
	return u;
}

struct ftp_users *
ftp_users_ref(struct ftp_users *u)
{
	u->refs++;
	return u;
}

void
ftp_users_unref(struct ftp_users **up)
{
	struct ftp_users *u = *up;

	*up = NULL;
	if (u == NULL || --u->refs > 0)
		return;
	auth_db_free(&u->db);
	free(u);
}

static void
job_free(struct ftp_auth_job *j)
{
	if (j->pass != NULL) {
		OPENSSL_cleanse(j->pass, strlen(j->pass));
		free(j->pass);
	}
	free(j->name);
	ftp_users_unref(&j->users);
	free(j);
}

static void
push(struct ftp_auth_job **head, struct ftp_auth_job **tail,
    struct ftp_auth_job *j)
{
	j->next = NULL;
	if (*tail != NULL)
		(*tail)->next = j;
	else
		*head = j;
	*tail = j;
}

static void *
worker(void *arg)
{
	struct ftp_authq *q = arg;
	const uint64_t one = 1;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		while (!q->stop && q->todo == NULL)
			pthread_cond_wait(&q->cond, &q->lock);
		if (q->stop)
			break;
		struct ftp_auth_job *j = q->todo;
		q->todo = j->next;
		if (q->todo == NULL)
			q->todo_tail = NULL;
		pthread_mutex_unlock(&q->lock);

		j->err = j->users->db != NULL ? auth_verify(j->users->db,
		    j->name, j->pass, &j->user) : -IK_EDENIED;
		OPENSSL_cleanse(j->pass, strlen(j->pass));

		pthread_mutex_lock(&q->lock);
		push(&q->done, &q->done_tail, j);
		/* Best effort: a full counter still wakes the loop. */
		if (write(q->efd, &one, sizeof(one)) < 0)
			(void)0;
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

/* On the loop's thread: results in, callbacks out. */
static void
on_done(evutil_socket_t fd, short what, void *arg)
{
	struct ftp_authq *q = arg;
	uint64_t n;

	(void)what;
	if (read(fd, &n, sizeof(n)) < 0)
		(void)0;	/* EAGAIN: drained by an earlier wakeup */
	pthread_mutex_lock(&q->lock);
	struct ftp_auth_job *list = q->done;
	q->done = q->done_tail = NULL;
	pthread_mutex_unlock(&q->lock);
	while (list != NULL) {
		struct ftp_auth_job *j = list;

		list = j->next;
		if (j->done != NULL)
			j->done(j->arg, j->err, j->user);
		job_free(j);
	}
}

struct ftp_authq *
ftp_authq_new(struct event_base *base, int *err)
{
	struct ftp_authq *q = calloc(1, sizeof(*q));

	*err = -ENOMEM;
	if (q == NULL)
		return NULL;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->cond, NULL);
	if ((q->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		*err = -errno;
		goto fail;
	}
	q->ev = event_new(base, q->efd, EV_READ | EV_PERSIST, on_done, q);
	if (q->ev == NULL || event_add(q->ev, NULL) < 0)
		goto fail;
	if ((*err = -pthread_create(&q->thread, NULL, worker, q)) < 0)
		goto fail;
	q->is_started = true;
	*err = 0;
	return q;
fail:
	ftp_authq_free(&q);
	return NULL;
}

static void
list_free(struct ftp_auth_job *j)
{
	while (j != NULL) {
		struct ftp_auth_job *next = j->next;

		job_free(j);
		j = next;
	}
}

void
ftp_authq_free(struct ftp_authq **qp)
{
	struct ftp_authq *q = *qp;

	if (q == NULL)
		return;
	*qp = NULL;
	if (q->is_started) {
		pthread_mutex_lock(&q->lock);
		q->stop = true;
		pthread_cond_signal(&q->cond);
		pthread_mutex_unlock(&q->lock);
		pthread_join(q->thread, NULL);
	}
	/* The worker is gone: both lists are ours. */
	list_free(q->todo);
	list_free(q->done);
	if (q->ev != NULL)
		event_free(q->ev);
	if (q->efd >= 0)
		close(q->efd);
	pthread_cond_destroy(&q->cond);
	pthread_mutex_destroy(&q->lock);
	free(q);
}

struct ftp_auth_job *
ftp_authq_submit(struct ftp_authq *q, struct ftp_users *users,
    const char *name, const char *pass, ftp_auth_done_fn *done, void *arg)
{
	struct ftp_auth_job *j = calloc(1, sizeof(*j));

	if (j == NULL)
		return NULL;
	j->users = ftp_users_ref(users);
	j->done = done;
	j->arg = arg;
	if ((j->name = strdup(name)) == NULL ||
	    (j->pass = strdup(pass)) == NULL) {
		job_free(j);
		return NULL;
	}
	pthread_mutex_lock(&q->lock);
	push(&q->todo, &q->todo_tail, j);
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
	return j;
}

void
ftp_authq_cancel(struct ftp_auth_job *j)
{
	/* The job may be queued, running or done-but-not-reported: in every
	 * case only the loop's thread reads `done`, so clearing it here is
	 * enough. */
	j->done = NULL;
	j->arg = NULL;
}
