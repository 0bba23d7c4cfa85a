/* pipe — bounded hand-over of buffers to a worker thread (see pipe.h). */
#include "pipe.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "diag.h"

struct crm_pipe {
	pthread_mutex_t mu;
	pthread_cond_t cv;     /* either side waits on it; every change broadcasts */
	void *const *bufs;
	size_t nbufs;
	size_t filled, done;   /* buffers handed over, and given back (counts) */
	bool closed;           /* the producer has no more */
	bool threaded;         /* false: no worker, put runs the work itself */
	pthread_t worker;
	crm_pipe_work *work;
	void *arg;
};

static void
lock(crm_pipe *p)
{
	if (pthread_mutex_lock(&p->mu) != 0)
		crm_die(CRM_EX_SOFTWARE, "pipe: cannot lock");
}

static void
unlock(crm_pipe *p)
{
	if (pthread_mutex_unlock(&p->mu) != 0)
		crm_die(CRM_EX_SOFTWARE, "pipe: cannot unlock");
}

static void
wait_change(crm_pipe *p)
{
	if (pthread_cond_wait(&p->cv, &p->mu) != 0)
		crm_die(CRM_EX_SOFTWARE, "pipe: cannot wait");
}

static void
announce(crm_pipe *p)
{
	if (pthread_cond_broadcast(&p->cv) != 0)
		crm_die(CRM_EX_SOFTWARE, "pipe: cannot signal");
}

static void *
worker(void *arg)
{
	crm_pipe *p = arg;
	void *buf;

	for (;;) {
		lock(p);
		while (p->done == p->filled && !p->closed)
			wait_change(p);
		if (p->done == p->filled) {  /* closed and drained */
			unlock(p);
			return NULL;
		}
		buf = p->bufs[p->done % p->nbufs];
		unlock(p);
		p->work(p->arg, buf);
		lock(p);
		p->done++;
		announce(p);
		unlock(p);
	}
}

crm_pipe *
crm_pipe_start(void *const *bufs, size_t nbufs, crm_pipe_work *work, void *arg)
{
	crm_pipe *p = crm_xcalloc(1, sizeof *p);

	p->bufs = bufs;
	p->nbufs = nbufs;
	p->work = work;
	p->arg = arg;
	if (pthread_mutex_init(&p->mu, NULL) != 0 || pthread_cond_init(&p->cv, NULL) != 0)
		crm_die(CRM_EX_SOFTWARE, "pipe: cannot set up");
	p->threaded = pthread_create(&p->worker, NULL, worker, p) == 0;
	return p;
}

void *
crm_pipe_buffer(crm_pipe *p)
{
	void *buf;

	if (!p->threaded)
		return p->bufs[0];
	lock(p);
	while (p->filled - p->done == p->nbufs)
		wait_change(p);
	buf = p->bufs[p->filled % p->nbufs];
	unlock(p);
	return buf;
}

void
crm_pipe_put(crm_pipe *p)
{
	if (!p->threaded) {
		p->work(p->arg, p->bufs[0]);
		return;
	}
	lock(p);
	p->filled++;
	announce(p);
	unlock(p);
}

void
crm_pipe_finish(crm_pipe *p)
{
	if (p == NULL)
		return;
	if (p->threaded) {
		lock(p);
		p->closed = true;
		announce(p);
		unlock(p);
		if (pthread_join(p->worker, NULL) != 0)
			crm_die(CRM_EX_SOFTWARE, "pipe: cannot join the worker");
	}
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p);
}
