/*
 * test_btyd.c — unit tests for lib/btyd: the hypergeometric function
 * against closed forms and 50-digit references, the BG/NBD and Gamma-Gamma
 * likelihoods against hand arithmetic, P(alive) limits, the predictions
 * against an independent route, lifetime value, every failure path of the
 * fits, recovery of simulated parameters, and the CDNOW figures the papers
 * publish (skipped when ../shared/data/cdnow or $CRM_CDNOW_DIR is absent).
 */
/* cmocka.h needs these first, in this order */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btyd.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* |got - want| <= tol |want| (or <= tol when want is 0). */
static void
near(double got, double want, double tol, const char *what)
{
	double err = want == 0 ? fabs(got) : fabs(got - want) / fabs(want);

	if (!(err <= tol))
		fail_msg("%s: got %.17g, want %.17g (relative error %.3g > %.3g)", what, got, want,
			 err, tol);
}

/* got rounds to the published figure pub: within half a unit of its last
 * digit ("4.414" accepts 4.4135 to 4.4145). */
static void
published(double got, const char *pub, const char *what)
{
	const char *dot = strchr(pub, '.');
	int decimals = dot != NULL ? (int)strlen(dot + 1) : 0;
	double half = 0.5 * pow(10, -decimals);

	if (!(fabs(got - strtod(pub, NULL)) <= half * (1 + 1e-9)))
		fail_msg("%s: got %.7g, published %s", what, got, pub);
}

static void
assert_nan(double v, const char *what)
{
	if (!isnan(v))
		fail_msg("%s: got %.17g, want NaN", what, v);
}

/* ---------------------------------------------------------------- 2F1 */

static void
test_hyp2f1_closed_forms(void **state)
{
	static const double zs[] = {-1e6,  -100, -3,   -1,     -0.75,	 -0.5,
				    -1e-3, 1e-9, 0.3,  0.5,    0.75,	 0.76,
				    0.8,   0.9,	 0.99, 0.9999, 1 - 1e-6, 1 - 1e-12};
	static const double ab[][2] = {{0.7, 2.5}, {3, 1.5}, {-0.3, 0.4}, {2.2, 7}};
	static const double xs[] = {0.1, 0.5, 0.9, 0.99, 0.9999, 0.999999};
	static const double hs[] = {0.5, 1, 3, 100, 1e4, 1e6};
	char what[80];

	(void)state;
	for (size_t i = 0; i < N(zs); i++) {
		double z = zs[i];

		/* c - a - b = 0: the logarithmic case near 1 */
		snprintf(what, sizeof what, "2F1(1,1;2;%g)", z);
		near(crm_btyd_hyp2f1(1, 1, 2, z), -log1p(-z) / z, 1e-13, what);
		for (size_t j = 0; j < N(ab); j++) {
			snprintf(what, sizeof what, "2F1(%g,%g;%g;%g)", ab[j][0], ab[j][1],
				 ab[j][1], z);
			near(crm_btyd_hyp2f1(ab[j][0], ab[j][1], ab[j][1], z),
			     pow(1 - z, -ab[j][0]), 1e-12, what);
		}
	}
	for (size_t i = 0; i < N(zs); i++) {
		double z = zs[i];

		/* b > a: the other Pfaff form for z < 0 (the closed form itself
		 * cancels for small |z|) */
		if (fabs(z) < 0.3)
			continue;
		snprintf(what, sizeof what, "2F1(1,2;3;%g)", z);
		near(crm_btyd_hyp2f1(1, 2, 3, z), -2 * (z + log1p(-z)) / (z * z), 1e-12, what);
	}
	for (size_t i = 0; i < N(xs); i++) { /* c - a - b = 1/2 */
		snprintf(what, sizeof what, "2F1(1/2,1/2;3/2;%g^2)", xs[i]);
		near(crm_btyd_hyp2f1(0.5, 0.5, 1.5, xs[i] * xs[i]), asin(xs[i]) / xs[i], 1e-13,
		     what);
	}
	for (size_t i = 0; i < N(hs); i++) { /* negative z: asinh(x)/x */
		snprintf(what, sizeof what, "2F1(1/2,1/2;3/2;-%g^2)", hs[i]);
		near(crm_btyd_hyp2f1(0.5, 0.5, 1.5, -hs[i] * hs[i]), asinh(hs[i]) / hs[i], 1e-13,
		     what);
		/* b > a: the other Pfaff form */
		snprintf(what, sizeof what, "2F1(1/2,1;3/2;-%g^2)", hs[i]);
		near(crm_btyd_hyp2f1(0.5, 1, 1.5, -hs[i] * hs[i]), atan(hs[i]) / hs[i], 1e-13,
		     what);
	}
	for (double z = 0.5; z < 0.9999; z = 1 - (1 - z) / 10) {
		/* c - a - b = 1 and -1: the logarithmic case with m > 0, m < 0 */
		snprintf(what, sizeof what, "2F1(1,1;3;%g)", z);
		near(crm_btyd_hyp2f1(1, 1, 3, z), 2 * (z + (1 - z) * log1p(-z)) / (z * z), 1e-13,
		     what);
		snprintf(what, sizeof what, "2F1(2,2;3;%g)", z);
		near(crm_btyd_hyp2f1(2, 2, 3, z), 2 * (z / (1 - z) + log1p(-z)) / (z * z), 1e-13,
		     what);
	}
	/* Gauss's theorem at z = 1: Gamma(2) Gamma(1) / Gamma(3/2)^2 = 4/pi */
	near(crm_btyd_hyp2f1(0.5, 0.5, 2, 1), 4 / 3.14159265358979323846, 1e-14, "2F1 at 1");
	/* a polynomial: 2F1(-2,3;4;z) = 1 - (2*3/4) z + (2*1*3*4/(4*5*2)) z^2 */
	near(crm_btyd_hyp2f1(-2, 3, 4, -3), 1 + 4.5 + 0.6 * 9, 1e-15, "2F1 polynomial at -3");
	near(crm_btyd_hyp2f1(-2, 3, 4, 5), 1 - 7.5 + 0.6 * 25, 1e-15, "2F1 polynomial at 5");
}

/* Cases with no closed form, against mpmath.hyp2f1 at 50 digits. */
static void
test_hyp2f1_references(void **state)
{
	static const struct {
		double a, b, c, z, want, tol;
	} t[] = {
	    /* c - a - b within 1e-7 .. 1e-12 of a whole number, near z = 1 */
	    {1, 1, 2 + 1e-7, 0.95, 3.1534020845718714392, 1e-12},
	    {0.3, 0.6, 0.9 + 5e-4, 0.99, 2.0383216787280720346, 1e-12},
	    {0.3, 0.6, 0.9 + 1e-6, 1 - 1e-6, 4.2466996420507387024, 1e-9},
	    {0.3, 0.6, 0.9 + 1e-12, 1 - 1e-7, 4.7990453161606553874, 1e-9},
	    {3, 4, 7 - 1e-6, 0.999999, 628.94307295319906023, 1e-9},
	    /* whole c - a - b near 1 with a < 0: digamma of negative arguments */
	    {-0.5, 1.5, 1, 0.99, -1.05911265805796217023, 1e-13},
	    {-0.3, 1.3, 1, 0.99, -0.3818637935879284176397, 1e-13},
	    {-1.5, 0.5, 2, 0.95, 0.6920186293705722689031, 1e-13},
	    {-0.3, -0.6, 0.1, 0.99, 3.255103076270774429463, 1e-13},
	    /* large a and b, where the 1 - z transformation cancels */
	    {124.64859445779867, 6.079538484221152, 130.14279003587876, 0.898769093967622,
	     204749.62125531819978, 1e-11},
	};
	char what[80];

	(void)state;
	for (size_t i = 0; i < N(t); i++) {
		snprintf(what, sizeof what, "2F1(%g,%g;%.13g;%.9g)", t[i].a, t[i].b, t[i].c,
			 t[i].z);
		near(crm_btyd_hyp2f1(t[i].a, t[i].b, t[i].c, t[i].z), t[i].want, t[i].tol, what);
	}
}

static void
test_hyp2f1_domain(void **state)
{
	(void)state;
	assert_nan(crm_btyd_hyp2f1(1, 1, 2, 1.5), "z > 1");
	assert_nan(crm_btyd_hyp2f1(1, 1, 0, 0.5), "c = 0");
	assert_nan(crm_btyd_hyp2f1(1, 1, -2, 0.5), "c = -2");
	assert_nan(crm_btyd_hyp2f1(1, 1, 2, 1), "z = 1, c - a - b = 0");
	assert_nan(crm_btyd_hyp2f1(NAN, 1, 2, 0.5), "NaN a");
	assert_nan(crm_btyd_hyp2f1(1, 1, 2, INFINITY), "infinite z");
	assert_true(crm_btyd_hyp2f1(1, 1, 2, 0) == 1);
	/* the true value is -1.83e-216 but every series form has terms near 1:
	 * no digit can be had, so NaN rather than a number that looks right */
	assert_nan(crm_btyd_hyp2f1(282.8599931832092, 249.71247728256583, 56.13700607192123, -3),
		   "hopeless cancellation");
}

/* ---------------------------------------------------------------- BG/NBD */

/*
 * FHL 2005 eq. 6:
 *   L = Gamma(r+x) alpha^r / Gamma(r) * [ B(a,b+x)/B(a,b) (alpha+T)^-(r+x)
 *       + [x>0] B(a+1,b+x-1)/B(a,b) (alpha+t_x)^-(r+x) ]
 * With r = alpha = a = b = 1: Gamma(1+x) alpha^r/Gamma(1) = x!,
 * B(1,1+x)/B(1,1) = 1/(x+1), B(2,x)/B(1,1) = 1/(x(x+1)).
 *   A: x=0, T=1:          L = 1 * (1/1) * 2^-1                     = 1/2
 *   B: x=1, t_x=1, T=3:   L = 1 * [(1/2) 4^-2 + (1/2) 2^-2]        = 1/32 + 4/32 = 5/32
 *   C: x=2, t_x=1, T=1:   L = 2 * [(1/3) 2^-3 + (1/6) 2^-3]        = 2 * (1/2)/8 = 1/8
 * Sum of ln L = ln(1/2 * 5/32 * 1/8) = ln(5/512) = -4.6288867126054074.
 *
 * With r=2, alpha=3, a=0.5, b=1.5 and D: x=1, t_x=2, T=4:
 *   Gamma(3) 3^2/Gamma(2) = 2 * 9 = 18
 *   B(a,b+1)/B(a,b) = b/(a+b) = 0.75;  B(a+1,b)/B(a,b) = a/(a+b) = 0.25
 *   L = 18 * [0.75 * 7^-3 + 0.25 * 5^-3] = 18 * [0.0021865889 + 0.002]
 *     = 0.075358600583090379,  ln L = -2.5854972186437428.
 */
static void
test_bgnbd_ll_by_hand(void **state)
{
	const struct crm_btyd_bgnbd ones = {1, 1, 1, 1}, m2 = {2, 3, 0.5, 1.5};
	struct crm_btyd_obs A = {0, 0, 1, 1}, B = {1, 1, 3, 1}, C = {2, 1, 1, 1};
	struct crm_btyd_obs abc[] = {A, B, C}, D = {1, 2, 4, 1};

	(void)state;
	near(crm_btyd_bgnbd_ll(&ones, &A, 1), log(0.5), 1e-15, "customer A");
	near(crm_btyd_bgnbd_ll(&ones, &B, 1), log(5.0 / 32), 1e-15, "customer B");
	near(crm_btyd_bgnbd_ll(&ones, &C, 1), log(1.0 / 8), 1e-15, "customer C");
	near(crm_btyd_bgnbd_ll(&ones, abc, 3), -4.6288867126054074, 1e-15, "A + B + C");
	abc[0].weight = 3; /* three customers like A */
	near(crm_btyd_bgnbd_ll(&ones, abc, 3), -4.6288867126054074 + 2 * log(0.5), 1e-15,
	     "weighted");
	abc[0].weight = 0;
	near(crm_btyd_bgnbd_ll(&ones, abc, 3), log(5.0 / 32) + log(1.0 / 8), 1e-15, "weight 0");
	near(crm_btyd_bgnbd_ll(&m2, &D, 1), -2.5854972186437428, 1e-15, "customer D");
	assert_true(crm_btyd_bgnbd_ll(&m2, NULL, 0) == 0);

	D.t_x = 5; /* t_x > T */
	assert_nan(crm_btyd_bgnbd_ll(&m2, &D, 1), "t_x > T");
	D.t_x = 2;
	assert_nan(crm_btyd_bgnbd_ll(&(struct crm_btyd_bgnbd){2, 3, 0, 1.5}, &D, 1), "a = 0");
}

static const struct crm_btyd_bgnbd cdnow = {0.2425945, 4.4136021, 0.7929219, 2.4259065};

static void
test_p_alive(void **state)
{
	const struct crm_btyd_bgnbd *m = &cdnow;
	double prev = 1, p;

	(void)state;
	/* x = 0: BG/NBD customers drop out only after a repeat purchase */
	assert_true(crm_btyd_bgnbd_p_alive(m, 0, 0, 50) == 1);
	assert_true(crm_btyd_bgnbd_p_alive(m, 0, 0, 0) == 1);
	/* t_x = T: 1/(1 + a/(b+x-1)) = (b+x-1)/(a+b+x-1); x = 3: 4.4259065/5.2188284 */
	near(crm_btyd_bgnbd_p_alive(m, 3, 20, 20), (m->b + 2) / (m->a + m->b + 2), 1e-15,
	     "t_x = T");
	near(crm_btyd_bgnbd_p_alive(m, 1, 7, 7), m->b / (m->a + m->b), 1e-15, "t_x = T, x = 1");
	/* strictly decreasing in T for fixed x, t_x, and towards 0 */
	for (double T = 10; T <= 1000; T *= 1.5) {
		p = crm_btyd_bgnbd_p_alive(m, 4, 10, T);
		if (!(p < prev))
			fail_msg("P(alive) at T=%g is %.17g, not below %.17g", T, p, prev);
		prev = p;
	}
	assert_true(crm_btyd_bgnbd_p_alive(m, 4, 10, 1e7) < 1e-20);
	/* more purchases at the same recency: more likely to have left by now */
	assert_true(crm_btyd_bgnbd_p_alive(m, 8, 10, 30) < crm_btyd_bgnbd_p_alive(m, 2, 10, 30));
	assert_nan(crm_btyd_bgnbd_p_alive(m, 2, 31, 30), "t_x > T");
	assert_nan(crm_btyd_bgnbd_p_alive(m, 2.5, 10, 30), "x not whole");
}

/* E[Y(t)|x,t_x,T] the way FHL 2005 eq. 10 writes it, through the public
 * 2F1 with the original parameters (the library uses Euler's transform). */
static double
eq10(const struct crm_btyd_bgnbd *m, double x, double t_x, double T, double t)
{
	double c = m->a + m->b + x - 1, z = t / (m->alpha + T + t);
	double g = pow((m->alpha + T) / (m->alpha + T + t), m->r + x) *
		   crm_btyd_hyp2f1(m->r + x, m->b + x, c, z);

	return c / (m->a - 1) * (1 - g) * crm_btyd_bgnbd_p_alive(m, x, t_x, T);
}

static void
test_expectations(void **state)
{
	static const struct {
		double x, t_x, T, t;
	} c[] = {
	    {0, 0, 30, 5},   {0, 0, 30, 200},	{2, 30.43, 38.86, 39}, {26, 30.857, 31, 52},
	    {5, 3, 10, 100}, {1, 0.5, 1, 1000}, {60, 20, 21, 30},      {3, 1, 40, 1e4},
	};
	const struct crm_btyd_bgnbd *m = &cdnow, big = {0.5, 2, 3.3, 4};
	struct crm_btyd_bgnbd one = cdnow;
	char what[80];
	double prev = 0, e, lo, hi;

	(void)state;
	for (size_t i = 0; i < N(c); i++) {
		snprintf(what, sizeof what, "E[Y(%g)|%g,%g,%g] vs eq. 10", c[i].t, c[i].x, c[i].t_x,
			 c[i].T);
		near(crm_btyd_bgnbd_conditional(m, c[i].x, c[i].t_x, c[i].T, c[i].t),
		     eq10(m, c[i].x, c[i].t_x, c[i].T, c[i].t), 1e-10, what);
	}
	/* a new customer (x = 0, T = 0) is the unconditional E[X(t)] */
	for (double t = 0.01; t < 1e6; t *= 7) {
		snprintf(what, sizeof what, "E[X(%g)]", t);
		e = crm_btyd_bgnbd_expected(m, t);
		near(crm_btyd_bgnbd_conditional(m, 0, 0, 0, t), e, 1e-14, what);
		if (!(e > prev))
			fail_msg("E[X(t)] not increasing at t=%g: %.17g <= %.17g", t, e, prev);
		prev = e;
	}
	assert_true(crm_btyd_bgnbd_expected(m, 0) == 0);
	/* before anyone can drop out, purchases come at the mean rate r/alpha */
	near(crm_btyd_bgnbd_expected(m, 1e-7) / 1e-7, m->r / m->alpha, 1e-6, "E[X(t)]/t, t->0");
	/* against mpmath at 50 digits: a tiny horizon after a long history,
	 * where ln((alpha+T)/(alpha+T+t)) must not be a difference of logs, and
	 * x = 20000, where the 1 - z transformation would overflow */
	near(crm_btyd_bgnbd_conditional(m, 2, 500, 1000, 1e-6), 1.071059957978269662127e-9, 1e-12,
	     "E[Y(1e-6)|2,500,1000]");
	near(crm_btyd_bgnbd_conditional(m, 20000, 310, 310, 5000), 76871.78371735251401467, 1e-12,
	     "E[Y(5000)|20000,310,310]");
	near(crm_btyd_bgnbd_conditional(&(struct crm_btyd_bgnbd){0.5, 2, 3.3, 40}, 20000, 310, 310,
					5000),
	     8699.709186338348294029, 1e-12, "E[Y(5000)|20000,310,310], b = 40");
	/* with a > 1 the expected remaining purchases of a customer alive now
	 * are finite: E[Y(inf)] = P(alive) (a+b+x-1)/(a-1) */
	near(crm_btyd_bgnbd_conditional(&big, 3, 5, 8, 1e12),
	     crm_btyd_bgnbd_p_alive(&big, 3, 5, 8) * (3.3 + 4 + 2) / 2.3, 1e-8, "E[Y(inf)]");
	/* a = 1 is 0/0 in eq. 10; the value lies between its neighbours' */
	one.a = 1;
	e = crm_btyd_bgnbd_conditional(&one, 2, 20, 30, 52);
	one.a = 1 - 1e-4;
	lo = crm_btyd_bgnbd_conditional(&one, 2, 20, 30, 52);
	one.a = 1 + 1e-4;
	hi = crm_btyd_bgnbd_conditional(&one, 2, 20, 30, 52);
	if (!(e < lo && e > hi) && !(e > lo && e < hi))
		fail_msg("a = 1: %.17g not between %.17g and %.17g", e, lo, hi);
	near(e, (lo + hi) / 2, 1e-6, "a = 1");
	/* a within 1e-10 of 1 with a large b, near z = 1, against mpmath: the
	 * formula's 1 - G cancels to 1e-4 there unless a = 1 is avoided */
	near(crm_btyd_bgnbd_conditional(&(struct crm_btyd_bgnbd){0.07744423914624587,
								 364.1797593315295, 0.9999999999,
								 1305.8529602052952},
					0, 0, 72.10021638302675, 636496.3848848215),
	     80.62174169264762, 1e-7, "a = 1 - 1e-10, b = 1306");
	assert_nan(crm_btyd_bgnbd_expected(m, -1), "t < 0");
	assert_nan(crm_btyd_bgnbd_conditional(m, 1, 2, 1, 5), "t_x > T");
}

static void
test_clv(void **state)
{
	const struct crm_btyd_bgnbd *m = &cdnow;
	struct crm_btyd_horizon h = {4.345, 12, 0, 0.3};
	double want = 0, prev = 0, cur;

	(void)state;
	/* rate 0: the differences telescope to E[Y(12 * 4.345)] */
	near(crm_btyd_clv(m, &h, 4, 20, 30, 50),
	     crm_btyd_bgnbd_conditional(m, 4, 20, 30, 12 * 4.345) * 50 * 0.3, 1e-13, "rate 0");
	h.rate = 0.01;
	for (int k = 1; k <= 12; k++) {
		cur = crm_btyd_bgnbd_conditional(m, 4, 20, 30, k * 4.345);
		want += (cur - prev) * 50 * 0.3 / pow(1.01, k);
		prev = cur;
	}
	near(crm_btyd_clv(m, &h, 4, 20, 30, 50), want, 1e-13, "rate 1%");
	assert_true(crm_btyd_clv(m, &h, 4, 20, 30, 50) < cur * 50 * 0.3);
	h.steps = 0;
	assert_true(crm_btyd_clv(m, &h, 4, 20, 30, 50) == 0);
	h.steps = 12;
	h.step = 0;
	assert_nan(crm_btyd_clv(m, &h, 4, 20, 30, 50), "step 0");
}

static void
test_collapse(void **state)
{
	struct crm_btyd_obs o[] = {
	    {2, 5, 10, 1}, {0, 0, 10, 1}, {2, 5, 10, 2}, {0, 0, 12, 1},
	    {0, 0, 10, 1}, {1, 3, 10, 1}, {2, 5, 10, 1}, {2, 6, 10, 1},
	};
	struct crm_btyd_obs copy[N(o)];
	size_t n;

	(void)state;
	memcpy(copy, o, sizeof o);
	n = crm_btyd_collapse(copy, N(o));
	assert_int_equal(n, 5);
	/* sorted by x, then T, then t_x */
	assert_true(copy[0].x == 0 && copy[0].T == 10 && copy[0].weight == 2);
	assert_true(copy[1].x == 0 && copy[1].T == 12 && copy[1].weight == 1);
	assert_true(copy[2].x == 1 && copy[2].weight == 1);
	assert_true(copy[3].x == 2 && copy[3].t_x == 5 && copy[3].weight == 4);
	assert_true(copy[4].x == 2 && copy[4].t_x == 6 && copy[4].weight == 1);
	near(crm_btyd_bgnbd_ll(&cdnow, copy, n), crm_btyd_bgnbd_ll(&cdnow, o, N(o)), 1e-14,
	     "LL of merged rows");
	assert_int_equal(crm_btyd_collapse(copy, 0), 0);
}

/* A failed fit: the status, a message containing want, all-zero parameters. */
static void
bg_fails(const struct crm_btyd_obs *o, size_t n, int status, const char *want)
{
	struct crm_btyd_bgnbd p;
	struct crm_btyd_fit f;
	int rc = crm_btyd_bgnbd_fit(o, n, &p, &f);

	if (rc != status || strstr(f.error, want) == NULL)
		fail_msg("want status %d and \"%s\", got %d \"%s\"", status, want, rc, f.error);
	assert_true(p.r == 0 && p.alpha == 0 && p.a == 0 && p.b == 0);
	assert_true(rc == crm_btyd_bgnbd_fit(o, n, &p, NULL)); /* info may be NULL */
}

static void
test_bgnbd_fit_failures(void **state)
{
	struct crm_btyd_obs o[200];

	(void)state;
	bg_fails(NULL, 0, CRM_BTYD_ENODATA, "no customers");
	for (int i = 0; i < 200; i++)
		o[i] = (struct crm_btyd_obs){0, 0, 10 + i % 7, 1};
	bg_fails(o, 200, CRM_BTYD_EUNIDENT, "no customer made a repeat purchase");
	o[3] = (struct crm_btyd_obs){1, 2, 20, 1};
	bg_fails(o, 5, CRM_BTYD_ENODATA, "only 5 customers, at least 10");
	for (int i = 0; i < 200; i++)
		o[i].weight = 0;
	bg_fails(o, 200, CRM_BTYD_ENODATA, "no customers");
	for (int i = 0; i < 200; i++)
		o[i].weight = 1;
	o[2] = (struct crm_btyd_obs){2, 21, 20, 1};
	bg_fails(o, 200, CRM_BTYD_EINVAL, "customer 3 (x 2, t_x 21, T 20, weight 1): t_x");
	o[2] = (struct crm_btyd_obs){1.5, 2, 20, 1};
	bg_fails(o, 200, CRM_BTYD_EINVAL, "whole number");
	o[2] = (struct crm_btyd_obs){1, NAN, 20, 1};
	bg_fails(o, 200, CRM_BTYD_EINVAL, "not a finite number");
	o[2] = (struct crm_btyd_obs){0, 3, 20, 1};
	bg_fails(o, 200, CRM_BTYD_EINVAL, "t_x must be 0 when x is 0");
	o[2] = (struct crm_btyd_obs){1, 2, 20, -1};
	bg_fails(o, 200, CRM_BTYD_EINVAL, "weight is negative");
	/* every repeat customer bought again at the very end: nobody seems to
	 * drop out, the likelihood keeps rising as b -> infinity */
	for (int i = 0; i < 200; i++)
		o[i] =
		    (struct crm_btyd_obs){i % 2 ? 3 : 0, i % 2 ? 10 + i * 0.1 : 0, 10 + i * 0.1, 1};
	bg_fails(o, 200, CRM_BTYD_ENOCONV, "almost no drop-out");
}

/* Parameters come back from customers simulated with them. */
static void
test_bgnbd_recovers_simulated(void **state)
{
	const struct crm_btyd_bgnbd truth = {0.243, 4.414, 0.793, 2.426};
	size_t n = 50000;
	struct crm_btyd_obs *o = calloc(n, sizeof *o);
	struct crm_btyd_bgnbd p;
	struct crm_btyd_fit f;

	(void)state;
	assert_non_null(o);
	for (size_t i = 0; i < n; i++)
		o[i].T = 27 + 12.0 * i / n;
	crm_btyd_bgnbd_simulate(&truth, 7, o, n);
	assert_int_equal(crm_btyd_bgnbd_fit(o, n, &p, &f), CRM_BTYD_OK);
	assert_string_equal(f.error, "");
	assert_true(f.gradient < 1e-6);
	near(f.ll, crm_btyd_bgnbd_ll(&p, o, n), 1e-12, "LL reported = LL recomputed");
	near(p.r, truth.r, 0.1, "r");
	near(p.alpha, truth.alpha, 0.1, "alpha");
	near(p.a, truth.a, 0.1, "a");
	near(p.b, truth.b, 0.1, "b");
	/* the same customers collapsed to weighted rows fit the same */
	{
		struct crm_btyd_bgnbd q;
		size_t k;

		for (size_t i = 0; i < n; i++) { /* to whole days, so rows repeat */
			o[i].T = floor(o[i].T * 7) / 7;
			o[i].t_x = floor(o[i].t_x * 7) / 7;
		}
		assert_int_equal(crm_btyd_bgnbd_fit(o, n, &p, NULL), CRM_BTYD_OK);
		k = crm_btyd_collapse(o, n);
		assert_true(k < n / 2);
		assert_int_equal(crm_btyd_bgnbd_fit(o, k, &q, &f), CRM_BTYD_OK);
		assert_int_equal(f.tuples, k);
		near(q.r, p.r, 1e-6, "collapsed r");
		near(q.b, p.b, 1e-6, "collapsed b");
	}
	free(o);
}

/* ---------------------------------------------------------------- Gamma-Gamma */

/*
 * Note 025 eq. 3: f(m|x) = Gamma(px+q)/(Gamma(px) Gamma(q)) gamma^q m^(px-1)
 * x^px / (gamma + m x)^(px+q). With p=2, q=3, gamma=10, x=2, m=5:
 *   Gamma(7)/(Gamma(4) Gamma(3)) = 720/(6*2) = 60
 *   f = 60 * 10^3 * 5^3 * 2^4 / 20^7 = 60 * 1000 * 125 * 16 / 1.28e9
 *     = 1.2e8 / 1.28e9 = 3/32,  ln f = -2.3671236141316165.
 */
static void
test_gg_by_hand(void **state)
{
	const struct crm_btyd_gg g = {2, 3, 10};
	const struct crm_btyd_spend s[] = {{2, 5, 1}, {0, 0, 1}, {2, 5, 2}};

	(void)state;
	near(crm_btyd_gg_ll(&g, s, 1), log(3.0 / 32), 1e-15, "ln f");
	near(crm_btyd_gg_ll(&g, s, 3), 3 * log(3.0 / 32), 1e-15, "x = 0 skipped, weights");
	/* E(M|x,m) = (q-1)/(px+q-1) * gamma p/(q-1) + px/(px+q-1) * m
	 *          = 2/6 * 10 + 4/6 * 5 = 20/3 */
	near(crm_btyd_gg_spend(&g, 2, 5), 20.0 / 3, 1e-15, "E(M|2,5)");
	near(crm_btyd_gg_spend(&g, 0, 123), 10, 1e-15, "E(M|x=0) = gamma p/(q-1)");
	assert_nan(crm_btyd_gg_spend(&(struct crm_btyd_gg){2, 0.8, 10}, 0, 0), "q <= 1");
	assert_nan(crm_btyd_gg_spend(&g, 2, 0), "m = 0");
	assert_nan(crm_btyd_gg_ll(&g, (struct crm_btyd_spend[]){{2, -1, 1}}, 1), "m < 0");
}

/* Weights count customers: rows given twice fit as rows of weight 2. */
static void
test_gg_weights(void **state)
{
	struct crm_btyd_spend once[200], twice[400];
	struct crm_btyd_gg g1, g2;
	struct crm_btyd_fit f1, f2;

	(void)state;
	for (int i = 0; i < 200; i++) {
		/* a level per customer times noise that averages out over x */
		double x = 1 + i % 4, level = 20 * exp(0.5 * sin(i * 0.37));

		once[i] = (struct crm_btyd_spend){x, level * exp(0.9 * sin(i * 1.7) / sqrt(x)), 2};
		twice[2 * i] = twice[2 * i + 1] = once[i];
		twice[2 * i].weight = twice[2 * i + 1].weight = 1;
	}
	assert_int_equal(crm_btyd_gg_fit(once, 200, &g1, &f1), CRM_BTYD_OK);
	assert_int_equal(crm_btyd_gg_fit(twice, 400, &g2, &f2), CRM_BTYD_OK);
	assert_true(f1.customers == 400 && f2.customers == 400);
	near(f1.ll, f2.ll, 1e-12, "LL");
	near(f1.ll, crm_btyd_gg_ll(&g1, once, 200), 1e-12, "LL reported = LL recomputed");
	near(g1.p, g2.p, 1e-6, "p");
	near(g1.q, g2.q, 1e-6, "q");
	near(g1.gamma, g2.gamma, 1e-6, "gamma");
}

static void
gg_fails(const struct crm_btyd_spend *s, size_t n, int status, const char *want)
{
	struct crm_btyd_gg g;
	struct crm_btyd_fit f;
	int rc = crm_btyd_gg_fit(s, n, &g, &f);

	if (rc != status || strstr(f.error, want) == NULL)
		fail_msg("want status %d and \"%s\", got %d \"%s\"", status, want, rc, f.error);
	assert_true(g.p == 0 && g.q == 0 && g.gamma == 0);
}

static void
test_gg_fit_failures(void **state)
{
	struct crm_btyd_spend s[300];

	(void)state;
	gg_fails(NULL, 0, CRM_BTYD_ENODATA, "no repeat customers");
	for (int i = 0; i < 300; i++)
		s[i] = (struct crm_btyd_spend){0, 0, 1};
	gg_fails(s, 300, CRM_BTYD_ENODATA, "no repeat customers");
	s[7] = (struct crm_btyd_spend){3, 20, 1};
	gg_fails(s, 300, CRM_BTYD_ENODATA, "too few repeat customers");
	s[8] = (struct crm_btyd_spend){2, 0, 1};
	gg_fails(s, 300, CRM_BTYD_EINVAL, "customer 9 (x 2, m 0, weight 1)");
	/* mean spends spread evenly over five orders of magnitude: a tail too
	 * heavy for a finite mean */
	for (int i = 0; i < 300; i++)
		s[i] = (struct crm_btyd_spend){1 + i % 3, exp(12.0 * i / 300), 1};
	gg_fails(s, 300, CRM_BTYD_EDOMAIN, "q = 0.2");
	/* everybody's mean is the same */
	for (int i = 0; i < 300; i++)
		s[i] = (struct crm_btyd_spend){2, 20, 1};
	gg_fails(s, 300, CRM_BTYD_ENOCONV, "runs off to infinity");
}

/* ---------------------------------------------------------------- CDNOW */

struct cdnow {
	size_t n;
	struct crm_btyd_obs o[2400];
	struct crm_btyd_spend s[2400];
	double x_star[2400];
};

/* cdnow_cbs_exact.csv: id,x,t_x,T,x_star,m_x, weeks, 2357 customers.
 * Returns 0, or -1 when the file is not there. */
static int
cdnow_load(struct cdnow *d)
{
	const char *dir = getenv("CRM_CDNOW_DIR");
	char path[4096], line[256];
	FILE *fp;

	snprintf(path, sizeof path, "%s/cdnow_cbs_exact.csv",
		 dir != NULL ? dir : "../shared/data/cdnow");
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	assert_non_null(fgets(line, sizeof line, fp));
	assert_string_equal(line, "id,x,t_x,T,x_star,m_x\n");
	d->n = 0;
	while (fgets(line, sizeof line, fp) != NULL) {
		double id, x, t_x, T, xs, m;

		assert_true(d->n < N(d->o));
		assert_int_equal(
		    sscanf(line, "%lf,%lf,%lf,%lf,%lf,%lf", &id, &x, &t_x, &T, &xs, &m), 6);
		d->o[d->n] = (struct crm_btyd_obs){x, t_x, T, 1};
		d->s[d->n] = (struct crm_btyd_spend){x, m, 1};
		d->x_star[d->n] = xs;
		d->n++;
	}
	fclose(fp);
	return 0;
}

/* Figures from FHL 2005 (Marketing Science) Sec. 7, the BTYD vignette,
 * Hardie's BG/NBD and Gamma-Gamma notes and CLVTools' tests (see
 * ../shared/data/cdnow/README.md), each to all the digits published. */
static void
test_cdnow(void **state)
{
	struct cdnow *d = malloc(sizeof *d);
	struct crm_btyd_bgnbd p, pd;
	struct crm_btyd_gg g;
	struct crm_btyd_fit f;
	double sx = 0, a0 = 0, e0 = 0, n0 = 0;

	(void)state;
	assert_non_null(d);
	if (cdnow_load(d) != 0) {
		free(d);
		skip();
	}
	assert_int_equal(d->n, 2357);
	for (size_t i = 0; i < d->n; i++)
		sx += d->o[i].x;
	assert_true(sx == 2457);

	assert_int_equal(crm_btyd_bgnbd_fit(d->o, d->n, &p, &f), CRM_BTYD_OK);
	published(p.r, "0.243", "r");
	published(p.alpha, "4.414", "alpha");
	published(p.a, "0.793", "a");
	published(p.b, "2.426", "b");
	published(f.ll, "-9582.4", "BG/NBD LL (FHL)");
	published(f.ll, "-9582.429", "BG/NBD LL (BTYD)");
	published(crm_btyd_bgnbd_expected(&p, 52), "1.444", "E[X(52)]");
	published(crm_btyd_bgnbd_conditional(&p, 2, 30.43, 38.86, 39), "1.226",
		  "E[Y(39)|2,30.43,38.86]");
	published(crm_btyd_bgnbd_conditional(&p, 26, 30.857, 31, 52), "25.757",
		  "customer 1516 E[Y(52)]");
	published(crm_btyd_bgnbd_p_alive(&p, 26, 30.857, 31), "0.9689", "customer 1516 P(alive)");
	/* holdout weeks 40-78, customers with x = 0: actual and predicted means */
	for (size_t i = 0; i < d->n; i++)
		if (d->o[i].x == 0) {
			a0 += d->x_star[i];
			e0 += crm_btyd_bgnbd_conditional(&p, 0, 0, d->o[i].T, 39);
			n0++;
		}
	published(a0 / n0, "0.2367", "holdout mean, x = 0, actual");
	published(e0 / n0, "0.2251", "holdout mean, x = 0, model");

	assert_int_equal(crm_btyd_gg_fit(d->s, d->n, &g, &f), CRM_BTYD_OK);
	assert_true(f.customers == 946);
	published(g.p, "6.25", "p");
	published(g.q, "3.74", "q");
	published(g.gamma, "15.44", "gamma");
	published(f.ll, "-4055.9177", "Gamma-Gamma LL");
	published(crm_btyd_gg_spend(&g, 0, 0), "35.17", "E(M) for x = 0");

	/* days instead of weeks: alpha * 7, LL - sum(x) ln 7, r, a, b as before */
	for (size_t i = 0; i < d->n; i++) {
		d->o[i].t_x *= 7;
		d->o[i].T *= 7;
	}
	assert_int_equal(crm_btyd_bgnbd_fit(d->o, d->n, &pd, &f), CRM_BTYD_OK);
	published(pd.alpha, "30.895", "alpha in days");
	published(f.ll, "-14363.53", "LL in days");
	near(pd.r, p.r, 1e-5, "r in days");
	near(pd.a, p.a, 1e-5, "a in days");
	near(pd.b, p.b, 1e-5, "b in days");
	near(crm_btyd_bgnbd_expected(&pd, 52 * 7), crm_btyd_bgnbd_expected(&p, 52), 1e-5,
	     "E[X(1 year)] in days");
	free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hyp2f1_closed_forms),
	    cmocka_unit_test(test_hyp2f1_references),
	    cmocka_unit_test(test_hyp2f1_domain),
	    cmocka_unit_test(test_bgnbd_ll_by_hand),
	    cmocka_unit_test(test_p_alive),
	    cmocka_unit_test(test_expectations),
	    cmocka_unit_test(test_clv),
	    cmocka_unit_test(test_collapse),
	    cmocka_unit_test(test_bgnbd_fit_failures),
	    cmocka_unit_test(test_bgnbd_recovers_simulated),
	    cmocka_unit_test(test_gg_by_hand),
	    cmocka_unit_test(test_gg_weights),
	    cmocka_unit_test(test_gg_fit_failures),
	    cmocka_unit_test(test_cdnow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
