/*
 * gen_btyd — customers whose purchases follow the BG/NBD process, for the
 * crm-score benchmark (tests/bench/score.sh). The uniform orders of gen.c
 * show no drop-out at all, which BG/NBD cannot fit (a runs off to 0); these
 * do, with the CDNOW estimates (r 0.243, alpha 4.414 per week, a 0.793,
 * b 2.426) and first purchases spread over the three years before the end.
 *
 *   gen_btyd SEED CUSTOMERS DIR     writes DIR/customers.csv, DIR/orders.csv
 *
 * Purchase times: lib/btyd's simulation gives each customer's repeat count x
 * and last-purchase time t_x; given those, a Poisson process puts the other
 * x − 1 repeat purchases uniformly in (0, t_x). Amounts follow the
 * Gamma-Gamma model with the CDNOW estimates (p 6.25, q 3.74, gamma 15.44):
 * each customer's nu ~ Gamma(q, rate gamma), each purchase ~ Gamma(p, rate
 * nu), so the mean purchase is about $35. Deterministic for a seed. Build (score.sh does):
 *   cc -O2 -std=c11 -D_GNU_SOURCE -Ilib tests/bench/gen_btyd.c build/default/libcrm.a -lm
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "btyd.h"
#include "date.h"

static uint64_t state;

static uint64_t
next(void)
{
	uint64_t z = (state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static double
unit(void)
{
	return (double)(next() >> 11) / 9007199254740992.0;
}

static double
normal(void)
{
	double u = unit(), v = unit();

	return sqrt(-2 * log(u > 0 ? u : 1e-300)) * cos(6.283185307179586 * v);
}

/* Gamma(shape, rate 1) by Marsaglia and Tsang (2000). */
static double
gamma_variate(double shape)
{
	double d, c, x, v, u;

	if (shape < 1)
		return gamma_variate(shape + 1) * pow(unit(), 1 / shape);
	d = shape - 1.0 / 3, c = 1 / sqrt(9 * d);
	for (;;) {
		do {
			x = normal();
			v = 1 + c * x;
		} while (v <= 0);
		v = v * v * v;
		u = unit();
		if (log(u) < 0.5 * x * x + d - d * v + d * log(v))
			return d * v;
	}
}

static void
order(FILE *f, long *no, long cust, int64_t day, double nu)
{
	char d[16];
	long cents = (long)(gamma_variate(6.25) / nu * 100 + 0.5);

	crm_date_format(day, d);
	if (fprintf(f, "O%ld,C%ld,%s,%ld.%02ld\n", ++*no, cust, d, cents / 100, cents % 100) < 0) {
		perror("orders.csv");
		exit(1);
	}
}

int
main(int argc, char **argv)
{
	const struct crm_btyd_bgnbd m = { 0.243, 4.414, 0.793, 2.426 };
	struct crm_btyd_obs *obs;
	char path[4096];
	FILE *fc, *fo;
	long n, i, k, no = 0;
	int64_t end = crm_days_from_civil(2025, 12, 31);

	if (argc != 4 || (n = strtol(argv[2], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: gen_btyd SEED CUSTOMERS DIR\n");
		return 2;
	}
	state = strtoull(argv[1], NULL, 10);
	obs = calloc((size_t)n, sizeof(*obs));
	if (obs == NULL)
		return 1;
	for (i = 0; i < n; i++)
		obs[i].T = (double)(next() % (3 * 365)) / 7.0; /* age in weeks */
	crm_btyd_bgnbd_simulate(&m, state, obs, (size_t)n);
	snprintf(path, sizeof path, "%s/customers.csv", argv[3]);
	fc = fopen(path, "w");
	snprintf(path, sizeof path, "%s/orders.csv", argv[3]);
	fo = fopen(path, "w");
	if (fc == NULL || fo == NULL) {
		perror(argv[3]);
		return 1;
	}
	fputs("customer_id,name\n", fc);
	fputs("order_no,customer_id,order_date,amount\n", fo);
	for (i = 0; i < n; i++) {
		int64_t first = end - (int64_t)(obs[i].T * 7 + 0.5);
		double nu = gamma_variate(3.74) / 15.44;

		fprintf(fc, "C%ld,Customer %ld\n", i + 1, i + 1);
		order(fo, &no, i + 1, first, nu);
		if (obs[i].x < 1)
			continue;
		for (k = 1; k < (long)obs[i].x; k++)
			order(fo, &no, i + 1, first + (int64_t)(unit() * obs[i].t_x * 7), nu);
		order(fo, &no, i + 1, first + (int64_t)(obs[i].t_x * 7), nu);
	}
	if (fclose(fc) != 0 || fclose(fo) != 0) {
		perror("close");
		return 1;
	}
	fprintf(stderr, "gen_btyd: %ld customers, %ld orders\n", n, no);
	free(obs);
	return 0;
}
