/*
 * btyd_fit — how long the BG/NBD fit of lib/btyd takes on a million
 * customers. Not part of make check or make bench; build and run by hand:
 *
 *   make && cc -O2 -std=c11 -D_GNU_SOURCE -Ilib -o build/btyd_fit \
 *       tests/bench/btyd_fit.c build/default/libcrm.a -lm
 *   build/btyd_fit [CUSTOMERS [SEED]]        (default 1000000 and 42)
 *
 * Simulates the customers from the BG/NBD process with the CDNOW estimates
 * (r 0.243, alpha 4.414, a 0.793, b 2.426; ages uniform on 27..39 weeks),
 * then fits twice: on the continuous times, where no two customers are
 * alike and nothing merges (the worst case), and on times rounded down to
 * whole days, as crm-score will see them, where identical rows merge
 * (rounding each time down also moves the estimates a little).
 * Prints the times (wall and CPU) and the estimates to stderr; asserts
 * nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <math.h>

#include "btyd.h"

static double
wall(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

static void
fit(const char *what, const struct crm_btyd_obs *o, size_t n)
{
	struct crm_btyd_bgnbd p;
	struct crm_btyd_fit f;
	double w0 = wall(), c0 = (double)clock() / CLOCKS_PER_SEC, w, c;
	int rc = crm_btyd_bgnbd_fit(o, n, &p, &f);

	w = wall() - w0;
	c = (double)clock() / CLOCKS_PER_SEC - c0;
	if (rc != CRM_BTYD_OK) {
		fprintf(stderr, "btyd_fit: %s: %s\n", what, f.error);
		return;
	}
	fprintf(stderr,
		"%-10s %zu customers, %zu distinct rows: %.3f s wall, %.3f s CPU, %d iterations, "
		"%d evaluations\n"
		"           r %.5f  alpha %.5f  a %.5f  b %.5f  LL %.3f  gradient %.2g\n",
		what, n, f.tuples, w, c, f.iterations, f.evaluations, p.r, p.alpha, p.a, p.b, f.ll,
		f.gradient);
}

int
main(int argc, char **argv)
{
	const struct crm_btyd_bgnbd truth = {0.243, 4.414, 0.793, 2.426};
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	unsigned long long seed = argc > 2 ? strtoull(argv[2], NULL, 10) : 42;
	struct crm_btyd_obs *o;
	double w0;

	if (n < 10 || (o = calloc(n, sizeof *o)) == NULL) {
		fprintf(stderr, "usage: btyd_fit [CUSTOMERS >= 10 [SEED]]\n");
		return 64;
	}
	for (size_t i = 0; i < n; i++) /* ages in scrambled order, as real input comes */
		o[i].T = 27 + 12 * fmod(i * 0.6180339887498949, 1);
	w0 = wall();
	crm_btyd_bgnbd_simulate(&truth, seed, o, n);
	fprintf(stderr, "simulate   %zu customers: %.3f s (true r %.3f alpha %.3f a %.3f b %.3f)\n",
		n, wall() - w0, truth.r, truth.alpha, truth.a, truth.b);
	fit("continuous", o, n);
	for (size_t i = 0; i < n; i++) {
		o[i].T = floor(o[i].T * 7) / 7;
		o[i].t_x = floor(o[i].t_x * 7) / 7;
	}
	fit("days", o, n);
	free(o);
	return 0;
}
