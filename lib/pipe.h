/*
 * pipe — a bounded hand-over of buffers from the calling thread to a worker.
 *
 * The caller (the producer) fills buffers in turn and hands each over; a
 * worker thread runs work(arg, buffer) on them in the same order and gives
 * each back. At most nbufs buffers are in flight, so memory stays bounded
 * however long the input: the producer waits when the worker is behind, the
 * worker when it is ahead. When no thread can be had, crm_pipe_put runs the
 * work in the caller's thread instead, with the same result.
 *
 * Ordering: everything the producer wrote to a buffer (and to memory it
 * points at) before crm_pipe_put is visible to the worker's work() on that
 * buffer; everything the worker did is visible to the producer once it gets
 * the buffer back from crm_pipe_buffer, and once crm_pipe_finish returns.
 *
 * Failure: setting up or using the mutex fails only on a broken system; it
 * exits 70 with a message, as allocation does. work() may exit the process
 * (crm_die): a fatal error in either thread ends the run.
 */
#ifndef CRM_PIPE_H
#define CRM_PIPE_H

#include <stddef.h>

typedef struct crm_pipe crm_pipe;
typedef void crm_pipe_work(void *arg, void *buf);

/* Start a worker running work(arg, buf) over the buffers handed over. bufs
 * (nbufs of them, at least 1) is borrowed and must outlive the pipe. Never
 * returns NULL. */
crm_pipe *crm_pipe_start(void *const *bufs, size_t nbufs, crm_pipe_work *work, void *arg);
/* The buffer to fill next: waits until the worker has given it back. */
void *crm_pipe_buffer(crm_pipe *p);
/* Hand over the buffer crm_pipe_buffer returned. */
void crm_pipe_put(crm_pipe *p);
/* No more buffers: wait until the worker has done every one, stop it and
 * free p. NULL is a no-op. */
void crm_pipe_finish(crm_pipe *p);

#endif
