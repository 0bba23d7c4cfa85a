/* Unit tests for lib/pipe: order, the bound on buffers in flight, and what
 * the worker did being visible once the pipe is finished. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "pipe.h"

struct item {
	int seq;      /* what the producer wrote */
	int payload[64];
};

struct log {
	int *seen;            /* seq of each buffer, in the order the worker got them */
	atomic_int nseen;
	long long sum;        /* the worker's own total, read after finish */
};

static void
record(void *arg, void *buf)
{
	struct log *lg = arg;
	struct item *it = buf;
	int n = atomic_load(&lg->nseen);

	lg->seen[n] = it->seq;
	for (int i = 0; i < 64; i++)
		lg->sum += it->payload[i];
	atomic_store(&lg->nseen, n + 1);
}

/* n items through a pipe of nbufs buffers. */
static void
run_pipe(size_t nbufs, int n)
{
	struct item *items = calloc(nbufs, sizeof *items);
	void **bufs = calloc(nbufs, sizeof *bufs);
	struct log lg = {calloc((size_t)n, sizeof(int)), 0, 0};
	long long want = 0;
	crm_pipe *p;
	struct item *it;
	int k, i;

	assert_non_null(items);
	assert_non_null(bufs);
	assert_non_null(lg.seen);
	for (size_t b = 0; b < nbufs; b++)
		bufs[b] = &items[b];
	p = crm_pipe_start(bufs, nbufs, record, &lg);
	for (k = 0; k < n; k++) {
		it = crm_pipe_buffer(p);
		/* Never more than nbufs ahead: buffer k is free only once item
		 * k - nbufs is done. */
		assert_true(atomic_load(&lg.nseen) >= k - (int)nbufs);
		it->seq = k;
		for (i = 0; i < 64; i++) {
			it->payload[i] = k + i;
			want += k + i;
		}
		crm_pipe_put(p);
	}
	crm_pipe_finish(p);
	assert_int_equal(atomic_load(&lg.nseen), n);
	for (k = 0; k < n; k++)
		assert_int_equal(lg.seen[k], k);
	assert_true(lg.sum == want);
	free(lg.seen);
	free(bufs);
	free(items);
}

static void
test_order_and_bound(void **state)
{
	(void)state;
	run_pipe(1, 2000);
	run_pipe(3, 5000);
	run_pipe(8, 20000);
}

static void
test_nothing_put(void **state)
{
	struct item it;
	void *bufs[1] = {&it};
	struct log lg = {NULL, 0, 0};

	(void)state;
	crm_pipe_finish(crm_pipe_start(bufs, 1, record, &lg));
	assert_int_equal(atomic_load(&lg.nseen), 0);
	crm_pipe_finish(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_bound),
		cmocka_unit_test(test_nothing_put),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
