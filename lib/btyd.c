/*
 * btyd.c — BG/NBD and Gamma-Gamma: likelihoods, maximum-likelihood fits,
 * predictions, lifetime value, and the Gauss hypergeometric function the
 * predictions need. The models and references are in btyd.h.
 *
 * The optimiser is BFGS on the logarithms of the parameters, with the
 * analytic gradient and a backtracking (Armijo) line search. Why not
 * Nelder-Mead, which lifetimes uses: each evaluation walks every distinct
 * customer (~35 ms for 1M), and Nelder-Mead needs hundreds of evaluations on
 * four parameters and has no convergence test worth the name, while BFGS
 * with an exact gradient converges superlinearly in 25-40 evaluations and
 * stops on the gradient. Working on ln(parameter) keeps every parameter
 * positive without bounds and puts r, a, b and alpha (whatever the time
 * unit) on one scale; BTYD and CLVTools do the same with L-BFGS-B. The
 * objective is the negative log-likelihood divided by the number of
 * customers, so the tolerances do not depend on n. Robustness: the fit
 * restarts BFGS from its own answer with a fresh Hessian to confirm
 * convergence, tries further starting points when a run fails, and refuses
 * an answer that drifted along a flat ridge to the edge of the space.
 *
 * Speed: identical customers are merged into weighted rows (sorting a copy),
 * customers are grouped by x so lgamma and digamma are evaluated once per
 * distinct x and evaluation, and each row then costs two logs, an exp and a
 * log1p. 1M distinct customers fit in about 1 s on one core
 * (tests/bench/btyd_fit.c).
 */
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btyd.h"
#include "diag.h"

#define PI 3.14159265358979323846
#define EULER_GAMMA 0.57721566490153286061

/* Rounding errors magnified beyond this leave fewer than ~3 correct digits:
 * 2F1 answers NaN rather than a number that only looks like one. */
#define COND_MAX 1e13

/* Most terms a hypergeometric series may take before it counts as failed,
 * and the length of the quick try near z = 1 (past ~150 terms, about
 * z > 0.8, the 1 - z transformation is cheaper). */
#define SERIES_MAX 2000000L
#define SHORT_SERIES 150

/* ---------------------------------------------------------------- special functions */

static int
nonpos_int(double v)
{
	return v <= 0 && v == floor(v);
}

/* ln|Gamma(x)|; lgamma_r because lgamma sets the global signgam, which would
 * make these functions unsafe to call from several threads. */
static double
lgam(double x)
{
	int sign;

	return lgamma_r(x, &sign);
}

/* The digamma function psi(x) = Gamma'(x)/Gamma(x); NaN at the poles. Shift
 * up to x >= 10, then the asymptotic series (error < 1e-15). */
static double
digamma(double x)
{
	double acc = 0, f;

	if (nonpos_int(x) || isnan(x))
		return NAN;
	if (x < 0)
		return digamma(1 - x) - PI / tan(PI * x);
	while (x < 10) {
		acc -= 1 / x;
		x += 1;
	}
	f = 1 / (x * x);
	return acc + log(x) - 0.5 / x -
	       f * (1.0 / 12 - f * (1.0 / 120 -
				    f * (1.0 / 252 -
					 f * (1.0 / 240 - f * (1.0 / 132 - f * (691.0 / 32760))))));
}

/* Gamma(n1) Gamma(n2) / (Gamma(d1) Gamma(d2)) * exp(lext), computed through
 * logarithms so that large arguments do not overflow on the way. 0 when a
 * denominator argument is a pole (1/Gamma = 0 there); NaN when a numerator's
 * is. */
static double
gamma_ratio(double n1, double n2, double d1, double d2, double lext)
{
	int s, sign = 1;
	double l = lext;

	if (nonpos_int(d1) || nonpos_int(d2))
		return 0;
	if (nonpos_int(n1) || nonpos_int(n2))
		return NAN;
	l += lgamma_r(n1, &s);
	sign *= s;
	l += lgamma_r(n2, &s);
	sign *= s;
	l -= lgamma_r(d1, &s);
	sign *= s;
	l -= lgamma_r(d2, &s);
	sign *= s;
	return sign * exp(l);
}

/*
 * The terms k >= 1 of the Gauss series, that is 2F1(a, b; c; z) - 1. base
 * is 1 when the caller wants 2F1 (stop when the remaining tail is below half
 * an ulp of 1 + sum) and 0 when it wants 2F1 - 1 to full relative precision.
 * Once every factor is positive the ratio of successive terms tends to z
 * monotonically, so max(ratio, |z|) bounds the tail as a geometric series.
 * A polynomial (a or b a whole number <= 0) ends on an exact zero term.
 * *cond (may be NULL) gets (base + sum of |terms|) / |base + sum|, the factor
 * by which rounding errors are magnified. NaN when maxterms terms are not
 * enough. gauss_series_over_b is the same sum divided by b (every term has
 * the factor b), finite at b = 0.
 */
static double
series_sum(double a, double b, double c, double z, double base, long maxterms, double *cond,
	   int over_b)
{
	double term = 1, sum = 0, abssum = base, rho;
	double neg = fmax(fmax(-a, -b), -c);
	long k;

	for (k = 0; k < maxterms; k++) {
		term *= (a + k) * (k == 0 && over_b ? 1 : b + k) / ((c + k) * (k + 1)) * z;
		sum += term;
		abssum += fabs(term);
		if (term == 0 || !isfinite(sum))
			break;
		/* (the bound's division only once the term itself is small) */
		if (k + 1 > neg && fabs(term) <= (DBL_EPSILON / 2) * fabs(base + sum)) {
			rho = fabs((a + k + 1) * (b + k + 1) / ((c + k + 1) * (k + 2)) * z);
			if (rho < fabs(z))
				rho = fabs(z);
			if (rho < 1 &&
			    fabs(term) * rho <= (1 - rho) * (DBL_EPSILON / 2) * fabs(base + sum))
				break;
		}
	}
	if (k == maxterms)
		return NAN;
	if (cond != NULL)
		*cond = abssum / fabs(base + sum);
	return sum;
}

static double
gauss_series(double a, double b, double c, double z, double base, long maxterms, double *cond)
{
	return series_sum(a, b, c, z, base, maxterms, cond, 0);
}

static double
gauss_series_over_b(double a, double b, double c, double z, long maxterms, double *cond)
{
	return series_sum(a, b, c, z, 0, maxterms, cond, 1);
}

/*
 * 2F1 for 0 < z < 1 when c = a + b + m with m a whole number >= 0: the
 * logarithmic case of the 1 - z transformation (A&S 15.3.10, 15.3.11;
 * DLMF 15.8.10), given w = 1 - z. For 2F1(1, 1; 2; z) it gives
 * -ln(1 - z)/z exactly. *cond gets the cancellation in its sums, as for
 * gauss_series.
 */
static double
hyp_log_case(double a, double b, double c, int m, double w, double *cond)
{
	double lw = log(w), s1 = 0, s2 = 0, a1 = 0, a2 = 0, t, u, term, prev = INFINITY;
	double p1, p2, pa, pb, g1 = 0, g2, neg = fmax(-a, -b) - m;
	long n;

	if (m > 0) {
		/* Gamma(m) Gamma(c)/(Gamma(a+m) Gamma(b+m)) sum_{n<m} (a)_n (b)_n/(n! (1-m)_n) w^n
		 */
		t = 1;
		for (n = 0; n < m; n++) {
			s1 += t;
			a1 += fabs(t);
			if (n + 1 < m)
				t *= (a + n) * (b + n) / ((n + 1) * (1 - m + n)) * w;
		}
		g1 = gamma_ratio(m, c, a + m, b + m, 0);
	}
	/* (-1)^m w^m Gamma(c)/(Gamma(a) Gamma(b)) sum_n (a+m)_n (b+m)_n/(n! (n+m)!) w^n
	 *     [ln w - psi(n+1) - psi(n+m+1) + psi(a+n+m) + psi(b+n+m)] */
	u = exp(-lgam(m + 1.0));
	p1 = -EULER_GAMMA;
	p2 = digamma(m + 1.0);
	pa = digamma(a + m);
	pb = digamma(b + m);
	for (n = 0; n < SERIES_MAX; n++) {
		term = u * (lw - p1 - p2 + pa + pb);
		s2 += term;
		a2 += fabs(u) * (fabs(lw) + fabs(p1) + fabs(p2) + fabs(pa) + fabs(pb));
		if (n > neg && fabs(term) <= DBL_EPSILON / 4 * fabs(s2) &&
		    fabs(prev) <= DBL_EPSILON / 4 * fabs(s2))
			break;
		if (u == 0)
			break;
		prev = term;
		u *= (a + m + n) * (b + m + n) / ((n + 1.0) * (n + m + 1.0)) * w;
		p1 += 1 / (n + 1.0);
		p2 += 1 / (n + m + 1.0);
		pa += 1 / (a + m + n);
		pb += 1 / (b + m + n);
	}
	g2 = ((m & 1) ? 1 : -1) * gamma_ratio(c, 1, a, b, m * lw);
	*cond = (fabs(g1) * a1 + fabs(g2) * a2) / fabs(g1 * s1 + g2 * s2);
	return g1 * s1 + g2 * s2;
}

/* The 1 - z transformation (A&S 15.3.6) for 0 < z < 1, c - a - b not
 * whole, given w = 1 - z; *cond as for hyp_log_case (about 1/dist when c - a - b is dist
 * from a whole number, and large when a and b are). */
static double
hyp_transform(double a, double b, double c, double w, double *cond)
{
	double m = c - a - b, v1, v2, k1 = 1, k2 = 1;

	v1 = gamma_ratio(c, m, c - a, c - b, 0) *
	     (1 + gauss_series(a, b, 1 - m, w, 1, SERIES_MAX, &k1));
	v2 = gamma_ratio(c, -m, a, b, m * log(w)) *
	     (1 + gauss_series(c - a, c - b, 1 + m, w, 1, SERIES_MAX, &k2));
	*cond = (fabs(v1) * k1 + fabs(v2) * k2) / fabs(v1 + v2);
	return v1 + v2;
}

/* Near z = 1 with c - a - b = m exactly whole: Euler's transformation
 * 2F1(a,b;c;z) = (1-z)^m 2F1(c-a,c-b;c;z) turns m < 0 into -m > 0. */
static double
hyp_whole(double a, double b, double c, int m, double z, double w, double *cond)
{
	*cond = 1;
	if (nonpos_int(a) || nonpos_int(b))
		return 1 + gauss_series(a, b, c, z, 1, SERIES_MAX, cond);
	if (m < 0) {
		if (nonpos_int(c - a) || nonpos_int(c - b))
			return pow(w, m) *
			       (1 + gauss_series(c - a, c - b, c, z, 1, SERIES_MAX, cond));
		return pow(w, m) * hyp_log_case(c - a, c - b, c, -m, w, cond);
	}
	return hyp_log_case(a, b, c, m, w, cond);
}

/*
 * 2F1 for 0 <= z < 1, c not a pole, given also w = 1 - z (which a caller
 * can often compute more accurately than 1 - z does). Up to z = 0.75 the
 * series. Above, the series first if it ends within 150 terms without
 * cancelling (it does when c is large beside a and b, as in BG/NBD with many
 * repeat purchases, where the transformation would overflow). Then the
 * 1 - z transformation, or its logarithmic form when c - a - b is whole.
 * Where that cancels by more than 3 digits (large a and b; c - a - b within
 * dist of a whole number, which costs ~1e-16/dist) the full series is tried
 * too and the better conditioned of the two kept; it needs ~40/(1 - z)
 * terms, so it is not tried for 1 - z < 2.5e-5. Within 1e-9 of a whole
 * number the transformation is interpolated linearly between the whole
 * number and a point 1e-3 away (error ~dist * 1e-3 * d2F/dc2).
 */
static double
hyp_unit(double a, double b, double c, double z, double w)
{
	double m, k, dist, s, h, f0, f1, v, cond, tc, tc1;

	if (z == 0 || a == 0 || b == 0)
		return 1;
	if (z <= 0.75 || nonpos_int(a) || nonpos_int(b)) {
		s = gauss_series(a, b, c, z, 1, SERIES_MAX, &cond);
		return cond <= COND_MAX ? 1 + s : NAN;
	}
	s = gauss_series(a, b, c, z, 1, SHORT_SERIES, &cond);
	if (!isnan(s) && cond < 8)
		return 1 + s;
	m = c - a - b;
	k = nearbyint(m);
	dist = fabs(m - k);
	if (dist == 0 && fabs(k) < 1e6)
		v = hyp_whole(a, b, c, (int)k, z, w, &tc);
	else if (dist >= 1e-9 || fabs(k) >= 1e6)
		v = hyp_transform(a, b, c, w, &tc);
	else {
		h = copysign(1e-3, m - k);
		f0 = hyp_whole(a, b, a + b + k, (int)k, z, w, &tc);
		f1 = hyp_transform(a, b, a + b + k + h, w, &tc1);
		v = f0 + (f1 - f0) * ((m - k) / h);
		tc = fmax(tc, tc1);
	}
	if (!(tc <= 1e3) && w * SERIES_MAX >= 50) {
		s = gauss_series(a, b, c, z, 1, SERIES_MAX, &cond);
		if (!isnan(s) && !(cond >= tc))
			v = 1 + s, tc = cond;
	}
	return tc <= COND_MAX ? v : NAN;
}

/*
 * 2F1 for z < 0, a and b not whole numbers <= 0. The Pfaff transformation
 *     2F1(a,b;c;z) = (1-z)^-a 2F1(a, c-b; c; z/(z-1))
 * (or with a and b swapped) maps z to w = z/(z-1) in (0, 1). When w <= 0.75
 * both forms, and the plain series when z >= -0.75, are plain series: take
 * the one whose terms cancel least. Otherwise keep the smaller of a and b in
 * the exponent, as Cephes does, and go on to the 1 - w transformation.
 */
static double
hyp_negative(double a, double b, double c, double z)
{
	double w = z / (z - 1), best = NAN, bestcond = INFINITY, s, cond;

	if (z >= -0.75) {
		s = gauss_series(a, b, c, z, 1, SERIES_MAX, &cond);
		if (!isnan(s))
			best = 1 + s, bestcond = cond;
	}
	if (w <= 0.75) {
		s = gauss_series(a, c - b, c, w, 1, SERIES_MAX, &cond);
		if (!isnan(s) && cond < bestcond)
			best = pow(1 - z, -a) * (1 + s), bestcond = cond;
		s = gauss_series(c - a, b, c, w, 1, SERIES_MAX, &cond);
		if (!isnan(s) && cond < bestcond)
			best = pow(1 - z, -b) * (1 + s), bestcond = cond;
		return bestcond <= COND_MAX ? best : NAN;
	}
	if (b > a)
		return pow(1 - z, -a) * hyp_unit(a, c - b, c, w, 1 / (1 - z));
	return pow(1 - z, -b) * hyp_unit(c - a, b, c, w, 1 / (1 - z));
}

double
crm_btyd_hyp2f1(double a, double b, double c, double z)
{
	if (!isfinite(a) || !isfinite(b) || !isfinite(c) || !isfinite(z) || nonpos_int(c))
		return NAN;
	if (z == 0 || a == 0 || b == 0)
		return 1;
	if (nonpos_int(a) || nonpos_int(b))
		return 1 + gauss_series(a, b, c, z, 1, SERIES_MAX, NULL);
	if (z > 1)
		return NAN;
	if (z == 1)
		return c - a - b > 0 ? gamma_ratio(c, c - a - b, c - a, c - b, 0) : NAN;
	if (z < 0)
		return hyp_negative(a, b, c, z);
	return hyp_unit(a, b, c, z, 1 - z);
}

/* ---------------------------------------------------------------- validation */

static int
bg_params_ok(const struct crm_btyd_bgnbd *m)
{
	return m->r > 0 && m->alpha > 0 && m->a > 0 && m->b > 0 && isfinite(m->r) &&
	       isfinite(m->alpha) && isfinite(m->a) && isfinite(m->b);
}

static int
gg_params_ok(const struct crm_btyd_gg *g)
{
	return g->p > 0 && g->q > 0 && g->gamma > 0 && isfinite(g->p) && isfinite(g->q) &&
	       isfinite(g->gamma);
}

/* A whole number of repeat purchases, small enough to count exactly. */
static int
count_ok(double x)
{
	return x >= 0 && x <= 1e15 && x == floor(x);
}

/* Why (x, t_x, T) is not a customer, or NULL when it is one. */
static const char *
history_problem(double x, double t_x, double T)
{
	if (!isfinite(x) || !isfinite(t_x) || !isfinite(T))
		return "a value is not a finite number";
	if (!count_ok(x))
		return "x must be a whole number of repeat purchases, 0 or more";
	if (T < 0)
		return "T (age) is negative";
	if (t_x < 0)
		return "t_x (recency) is negative";
	if (t_x > T)
		return "t_x (recency) is greater than T (age)";
	if (x == 0 && t_x != 0)
		return "t_x must be 0 when x is 0";
	return NULL;
}

static const char *
weight_problem(double w)
{
	if (!isfinite(w))
		return "weight is not a finite number";
	if (w < 0)
		return "weight is negative";
	return NULL;
}

static struct crm_btyd_fit *
info_reset(struct crm_btyd_fit *info, struct crm_btyd_fit *scratch)
{
	if (info == NULL)
		info = scratch;
	memset(info, 0, sizeof *info);
	return info;
}

static int fail(struct crm_btyd_fit *info, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(struct crm_btyd_fit *info, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(info->error, sizeof info->error, fmt, ap);
	va_end(ap);
	return status;
}

/* ---------------------------------------------------------------- BFGS */

#define OPT_MAXN 4
#define OPT_BOUND 30.0 /* |ln parameter - centre| beyond this (e^30 ~ 1e13): it has run off */

/* The objective: f(theta) and its gradient into g; may return a non-finite
 * value where the model overflows, which the line search backs off from. */
typedef double (*opt_fn)(const double *theta, double *g, void *ctx);

struct opt {
	opt_fn fn;
	void *ctx;
	int n;
	double centre[OPT_MAXN]; /* the parameters' natural scale, in ln */
	/* results */
	double f, g[OPT_MAXN], gmax;
	int iter, nfev;
	int runaway; /* index + 1 of a parameter past OPT_BOUND, 0 if none */
};

enum { OPT_CONVERGED, OPT_MAXITER, OPT_STUCK, OPT_RUNAWAY, OPT_BADSTART };

static double
gmaxabs(const double *g, int n)
{
	double v = 0;

	for (int i = 0; i < n; i++)
		if (fabs(g[i]) > v)
			v = fabs(g[i]);
	return v;
}

/*
 * Minimise o->fn from theta (updated in place). Converged when every
 * gradient component is below gtol; or when the quasi-Newton step is below
 * 1e-6 and promises less decrease than f's rounding can show; or, as a last
 * resort, when the line search can no longer make progress with the
 * gradient below 1e-6 (1 + |f|). The first step and every step are limited to
 * 3 in ln-space (a factor e^3 per parameter) so that a wild first step cannot
 * overflow the model.
 */
static int
bfgs(struct opt *o, double *theta, double gtol, int maxiter)
{
	int n = o->n, i, j, k, ls, fresh = 1, flat = 0;
	double H[OPT_MAXN][OPT_MAXN], d[OPT_MAXN], tn[OPT_MAXN], gn[OPT_MAXN];
	double s[OPT_MAXN], y[OPT_MAXN], Hy[OPT_MAXN];
	double f, fn, step, slope, dmax, sy, yy, ss, yHy, ftry;

	f = o->fn(theta, o->g, o->ctx);
	o->nfev++;
	if (!isfinite(f) || !isfinite(gmaxabs(o->g, n)))
		return OPT_BADSTART;
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			H[i][j] = i == j;
	for (k = 0; k < maxiter; k++) {
		o->f = f;
		o->gmax = gmaxabs(o->g, n);
		if (o->gmax <= gtol)
			return OPT_CONVERGED;
		o->iter++;
		slope = 0;
		dmax = 0;
		for (i = 0; i < n; i++) {
			d[i] = 0;
			for (j = 0; j < n; j++)
				d[i] -= H[i][j] * o->g[j];
			slope += d[i] * o->g[i];
			if (fabs(d[i]) > dmax)
				dmax = fabs(d[i]);
		}
		if (!(slope < 0)) { /* not a descent direction: back to steepest descent */
			for (i = 0; i < n; i++)
				for (j = 0; j < n; j++)
					H[i][j] = i == j;
			fresh = 1;
			for (i = 0, slope = 0, dmax = 0; i < n; i++) {
				d[i] = -o->g[i];
				slope -= o->g[i] * o->g[i];
				if (fabs(d[i]) > dmax)
					dmax = fabs(d[i]);
			}
		}
		/* The predicted decrease -slope/2 is below what f can resolve and
		 * the step is tiny: as good as f's rounding allows (with 1M
		 * customers the gradient can stall near 1e-9 this way). */
		if (-slope <= 8 * DBL_EPSILON * (1 + fabs(f)) && dmax <= 1e-6)
			return OPT_CONVERGED;
		step = dmax > 3 ? 3 / dmax : 1;
		for (ls = 0; ls < 60; ls++) {
			for (i = 0; i < n; i++)
				tn[i] = theta[i] + step * d[i];
			fn = o->fn(tn, gn, o->ctx);
			o->nfev++;
			if (isfinite(fn) && isfinite(gmaxabs(gn, n)) &&
			    fn <= f + 1e-4 * step * slope)
				break;
			if (isfinite(fn)) { /* minimum of the interpolating quadratic, kept in [0.1,
					       0.5] */
				ftry = -slope * step * step / (2 * (fn - f - slope * step));
				step = fmin(fmax(ftry, 0.1 * step), 0.5 * step);
			} else
				step *= 0.1;
		}
		if (ls == 60 || step * dmax < 1e-15) {
			if (!fresh) { /* try again along the gradient */
				for (i = 0; i < n; i++)
					for (j = 0; j < n; j++)
						H[i][j] = i == j;
				fresh = 1;
				continue;
			}
			return o->gmax <= 1e-6 * (1 + fabs(f)) ? OPT_CONVERGED : OPT_STUCK;
		}
		sy = 0;
		for (i = 0; i < n; i++) {
			s[i] = tn[i] - theta[i];
			y[i] = gn[i] - o->g[i];
			sy += s[i] * y[i];
			theta[i] = tn[i];
			o->g[i] = gn[i];
		}
		flat = fabs(f - fn) <= 1e-15 * fmax(1, fabs(f)) ? flat + 1 : 0;
		f = fn;
		for (i = 0; i < n; i++)
			if (fabs(theta[i] - o->centre[i]) > OPT_BOUND) {
				o->f = f;
				o->gmax = gmaxabs(o->g, n);
				o->runaway = i + 1;
				return OPT_RUNAWAY;
			}
		if (flat >= 4) {
			o->f = f;
			o->gmax = gmaxabs(o->g, n);
			return o->gmax <= 1e-6 * (1 + fabs(f)) ? OPT_CONVERGED : OPT_STUCK;
		}
		/* BFGS update of the inverse Hessian, skipped when the curvature
		 * condition fails (the line search is only Armijo). */
		yy = ss = 0;
		for (i = 0; i < n; i++) {
			yy += y[i] * y[i];
			ss += s[i] * s[i];
		}
		if (!(sy > 1e-12 * sqrt(yy * ss)))
			continue;
		if (fresh) { /* scale the identity first (Nocedal & Wright 6.20) */
			for (i = 0; i < n; i++)
				H[i][i] = sy / yy;
			fresh = 0;
		}
		yHy = 0;
		for (i = 0; i < n; i++) {
			Hy[i] = 0;
			for (j = 0; j < n; j++)
				Hy[i] += H[i][j] * y[j];
			yHy += y[i] * Hy[i];
		}
		for (i = 0; i < n; i++)
			for (j = 0; j < n; j++)
				H[i][j] +=
				    ((sy + yHy) * s[i] * s[j] / sy - Hy[i] * s[j] - s[i] * Hy[j]) /
				    sy;
	}
	o->f = f;
	o->gmax = gmaxabs(o->g, n);
	return OPT_MAXITER;
}

/*
 * Run BFGS from each of nstart starting points until one converges, then
 * restart it from its answer with a fresh Hessian until a run ends where it
 * began (at most 4 restarts): a converged answer is confirmed by a run that
 * takes no step. theta gets the last point; *runaway the parameter that ran
 * off, if the last failed run ended that way. Returns an OPT_ status.
 */
static int
optimise(struct opt *o, const double (*starts)[OPT_MAXN], int nstart, double *theta,
	 struct crm_btyd_fit *info, int *runaway)
{
	int st = OPT_BADSTART, iter0;

	*runaway = 0;
	for (int s = 0; s < nstart && st != OPT_CONVERGED; s++) {
		memcpy(theta, starts[s], OPT_MAXN * sizeof *theta);
		o->runaway = 0;
		info->starts++;
		st = bfgs(o, theta, 1e-9, 500);
	}
	for (int r = 0; r < 4 && st == OPT_CONVERGED; r++) {
		iter0 = o->iter;
		st = bfgs(o, theta, 1e-9, 500);
		if (st == OPT_CONVERGED && o->iter == iter0)
			break;
	}
	if (st == OPT_RUNAWAY)
		*runaway = o->runaway;
	return st;
}

/*
 * A converged estimate can still sit on a flat ridge at the edge of the
 * space (b -> infinity when nobody seems to drop out; the optimiser stops
 * wherever the ridge gets flat enough). Returns index + 1 of the parameter
 * furthest beyond span[i] from centre[i] (all in ln), or 0 if none is.
 */
static int
degenerate(const struct opt *o, const double *theta, const double *span)
{
	int worst = 0;
	double excess = 0, e;

	for (int i = 0; i < o->n; i++) {
		e = fabs(theta[i] - o->centre[i]) - span[i];
		if (e > excess) {
			excess = e;
			worst = i + 1;
		}
	}
	return worst;
}

#define LN_1E5 11.512925464970229
#define LN_1E8 18.420680743952367

/* ---------------------------------------------------------------- merging */

static int
dcmp(double a, double b)
{
	if (a < b)
		return -1;
	if (a > b)
		return 1;
	if (isnan(a) || isnan(b))
		return isnan(a) - isnan(b);
	return 0;
}

static int
obs_cmp(const void *pa, const void *pb)
{
	const struct crm_btyd_obs *a = pa, *b = pb;
	int c;

	if ((c = dcmp(a->x, b->x)) != 0)
		return c;
	if ((c = dcmp(a->T, b->T)) != 0)
		return c;
	return dcmp(a->t_x, b->t_x);
}

size_t
crm_btyd_collapse(struct crm_btyd_obs *obs, size_t n)
{
	size_t i, j;

	if (n == 0)
		return 0;
	qsort(obs, n, sizeof *obs, obs_cmp);
	for (i = 1, j = 0; i < n; i++) {
		if (obs[i].x == obs[j].x && obs[i].T == obs[j].T && obs[i].t_x == obs[j].t_x)
			obs[j].weight += obs[i].weight;
		else
			obs[++j] = obs[i];
	}
	return j + 1;
}

/* ---------------------------------------------------------------- BG/NBD */

/* Customers with the same x: the terms that depend on x alone are computed
 * once per group and evaluation. */
struct bg_group {
	double x;      /* repeat purchases */
	double w;      /* total weight */
	size_t lo, hi; /* their tuples: [lo, hi) in bg_work's arrays */
};

struct bg_work {
	struct bg_group *g;
	size_t ng;
	double *t_x, *T, *w; /* per distinct tuple */
	double wsum;	     /* total weight: the objective is -LL / wsum */
};

/* ln L of one customer (FHL 2005 eq. 6 in logs):
 *   ln Gamma(r+x) - ln Gamma(r) + r ln alpha
 *   + ln B(a, b+x) - ln B(a, b)
 *   + logsumexp(-(r+x) ln(alpha+T), [x>0] ln a - ln(b+x-1) - (r+x) ln(alpha+t_x)) */
static double
bg_ll1(const struct crm_btyd_bgnbd *m, double x, double t_x, double T)
{
	double r = m->r, al = m->alpha, a = m->a, b = m->b, A3, A4, hi, lo;
	double l = r * log(al) - (r + x) * log(al + T);

	if (x == 0)
		return l;
	l = lgam(r + x) - lgam(r) + lgam(a + b) + lgam(b + x) - lgam(b) - lgam(a + b + x) +
	    r * log(al);
	A3 = -(r + x) * log(al + T);
	A4 = log(a) - log(b + x - 1) - (r + x) * log(al + t_x);
	hi = fmax(A3, A4);
	lo = fmin(A3, A4);
	return l + hi + log1p(exp(lo - hi));
}

double
crm_btyd_bgnbd_ll(const struct crm_btyd_bgnbd *m, const struct crm_btyd_obs *obs, size_t n)
{
	double ll = 0;

	if (!bg_params_ok(m))
		return NAN;
	for (size_t i = 0; i < n; i++) {
		if (history_problem(obs[i].x, obs[i].t_x, obs[i].T) ||
		    weight_problem(obs[i].weight))
			return NAN;
		if (obs[i].weight > 0)
			ll += obs[i].weight * bg_ll1(m, obs[i].x, obs[i].t_x, obs[i].T);
	}
	return ll;
}

/*
 * -LL/wsum and its gradient with respect to theta = ln(r, alpha, a, b).
 * With s = logsumexp(A3, A4), p3 = e^(A3-s), p4 = e^(A4-s):
 *   dl/dr     = psi(r+x) - psi(r) + ln alpha - p3 ln(alpha+T) - p4 ln(alpha+t_x)
 *   dl/dalpha = r/alpha - (r+x) (p3/(alpha+T) + p4/(alpha+t_x))
 *   dl/da     = psi(a+b) - psi(a+b+x) + p4/a
 *   dl/db     = psi(a+b) + psi(b+x) - psi(b) - psi(a+b+x) - p4/(b+x-1)
 * and for x = 0 only the r and alpha terms, with p3 = 1.
 */
static double
bg_objective(const double *th, double *grad, void *ctx)
{
	const struct bg_work *k = ctx;
	double r = exp(th[0]), al = exp(th[1]), a = exp(th[2]), b = exp(th[3]), lal = th[1];
	double ll = 0, gr = 0, gal = 0, ga = 0, gb = 0;
	double lgr = lgam(r), psr = digamma(r), lgab = lgam(a + b), psab = digamma(a + b);
	double lgb = lgam(b), psb = digamma(b);

	for (size_t gi = 0; gi < k->ng; gi++) {
		const struct bg_group *g = &k->g[gi];
		double x = g->x, W = g->w, rx = r + x;
		double sl = 0, sdr = 0, sda = 0, sp4 = 0;

		if (x == 0) {
			for (size_t i = g->lo; i < g->hi; i++) {
				double aT = al + k->T[i], lT = log(aT), w = k->w[i];

				sl += w * lT;
				sda += w / aT;
			}
			ll += W * r * lal - r * sl;
			gr += W * lal - sl;
			gal += W * r / al - r * sda;
			continue;
		}
		double lab = log(a) - log(b + x - 1), psabx = digamma(a + b + x);

		ll += W * (lgam(rx) - lgr + r * lal + lgab + lgam(b + x) - lgb - lgam(a + b + x));
		gr += W * (digamma(rx) - psr + lal);
		gal += W * r / al;
		ga += W * (psab - psabx);
		gb += W * (psab + digamma(b + x) - psb - psabx);
		for (size_t i = g->lo; i < g->hi; i++) {
			double aT = al + k->T[i], at = al + k->t_x[i], w = k->w[i];
			double lT = log(aT), lt = log(at);
			double A3 = -rx * lT, A4 = lab - rx * lt, e, p3, p4, s;

			if (A3 >= A4) {
				e = exp(A4 - A3);
				s = A3 + log1p(e);
				p3 = 1 / (1 + e);
				p4 = e * p3;
			} else {
				e = exp(A3 - A4);
				s = A4 + log1p(e);
				p4 = 1 / (1 + e);
				p3 = e * p4;
			}
			sl += w * s;
			sdr += w * (p3 * lT + p4 * lt);
			sda += w * (p3 / aT + p4 / at);
			sp4 += w * p4;
		}
		ll += sl;
		gr -= sdr;
		gal -= rx * sda;
		ga += sp4 / a;
		gb -= sp4 / (b + x - 1);
	}
	grad[0] = -gr * r / k->wsum;
	grad[1] = -gal * al / k->wsum;
	grad[2] = -ga * a / k->wsum;
	grad[3] = -gb * b / k->wsum;
	return -ll / k->wsum;
}

static const char *const bg_names[] = {"r", "alpha", "a", "b"};

int
crm_btyd_bgnbd_fit(const struct crm_btyd_obs *obs, size_t n, struct crm_btyd_bgnbd *out,
		   struct crm_btyd_fit *info)
{
	struct crm_btyd_fit scratch;
	struct crm_btyd_obs *v;
	struct bg_work k = {0};
	struct opt o = {0};
	double wsum = 0, wrep = 0, sx = 0, sT = 0, alpha0, theta[OPT_MAXN];
	double starts[4][OPT_MAXN];
	size_t i, nv = 0, nt;
	int st, runaway, sorted = 1, ret = CRM_BTYD_OK;
	const char *why;

	info = info_reset(info, &scratch);
	memset(out, 0, sizeof *out);
	for (i = 0; i < n; i++) {
		if ((why = history_problem(obs[i].x, obs[i].t_x, obs[i].T)) != NULL ||
		    (why = weight_problem(obs[i].weight)) != NULL)
			return fail(info, CRM_BTYD_EINVAL,
				    "customer %zu (x %g, t_x %g, T %g, weight %g): %s", i + 1,
				    obs[i].x, obs[i].t_x, obs[i].T, obs[i].weight, why);
		if (obs[i].weight > 0) {
			nv++;
			wsum += obs[i].weight;
			sx += obs[i].weight * obs[i].x;
			sT += obs[i].weight * obs[i].T;
			if (obs[i].x > 0)
				wrep += obs[i].weight;
		}
	}
	info->customers = wsum;
	if (wsum == 0)
		return fail(info, CRM_BTYD_ENODATA, "cannot fit BG/NBD: no customers");
	if (wsum < CRM_BTYD_MIN_CUSTOMERS)
		return fail(info, CRM_BTYD_ENODATA,
			    "cannot fit BG/NBD: only %g customers, at least %d are needed", wsum,
			    CRM_BTYD_MIN_CUSTOMERS);
	if (wrep == 0)
		return fail(info, CRM_BTYD_EUNIDENT,
			    "cannot fit BG/NBD: no customer made a repeat purchase (every x is "
			    "0), so purchase and drop-out rates cannot be estimated");
	if (!(sT > 0))
		return fail(info, CRM_BTYD_EUNIDENT,
			    "cannot fit BG/NBD: every customer has age T = 0");

	/* A private copy, sorted by x and merged; skipped rows have weight 0. */
	v = crm_xreallocarray(NULL, nv, sizeof *v);
	for (i = 0, nv = 0; i < n; i++)
		if (obs[i].weight > 0) {
			v[nv] = obs[i];
			if (nv > 0 && obs_cmp(&v[nv - 1], &v[nv]) >= 0)
				sorted = 0;
			nv++;
		}
	nt = sorted ? nv : crm_btyd_collapse(v, nv);
	k.t_x = crm_xreallocarray(NULL, nt, sizeof *k.t_x);
	k.T = crm_xreallocarray(NULL, nt, sizeof *k.T);
	k.w = crm_xreallocarray(NULL, nt, sizeof *k.w);
	k.g = crm_xreallocarray(NULL, 1, sizeof *k.g);
	for (i = 0; i < nt; i++) {
		k.t_x[i] = v[i].t_x;
		k.T[i] = v[i].T;
		k.w[i] = v[i].weight;
		if (i == 0 || v[i].x != v[i - 1].x) {
			if (k.ng > 0)
				k.g[k.ng - 1].hi = i;
			k.g = crm_xreallocarray(k.g, k.ng + 1, sizeof *k.g);
			k.g[k.ng].x = v[i].x;
			k.g[k.ng].w = 0;
			k.g[k.ng].lo = i;
			k.ng++;
		}
		k.g[k.ng - 1].w += v[i].weight;
	}
	k.g[k.ng - 1].hi = nt;
	k.wsum = wsum;
	free(v);
	info->tuples = nt;

	/* Starting points. Mean purchase rate r/alpha ~ repeat purchases per
	 * unit of age, so alpha0 puts r/alpha right for r = 1 in any time unit. */
	alpha0 = sT / sx;
	{
		static const double mult[4][OPT_MAXN] = {
		    {1, 1, 1, 1},
		    {0.25, 0.25, 0.5, 2},
		    {4, 4, 2, 10},
		    {1, 1, 0.1, 0.1},
		};
		for (int s = 0; s < 4; s++) {
			starts[s][0] = log(mult[s][0]);
			starts[s][1] = log(mult[s][1] * alpha0);
			starts[s][2] = log(mult[s][2]);
			starts[s][3] = log(mult[s][3]);
		}
	}
	o.fn = bg_objective;
	o.ctx = &k;
	o.n = 4;
	o.centre[1] = log(alpha0);
	st = optimise(&o, (const double(*)[OPT_MAXN])starts, 4, theta, info, &runaway);
	info->iterations = o.iter;
	info->evaluations = o.nfev;
	info->gradient = o.gmax;
	if (st == OPT_CONVERGED &&
	    (runaway = degenerate(&o, theta, (const double[]){LN_1E5, LN_1E8, LN_1E5, LN_1E5})))
		st = OPT_RUNAWAY;
	if (st == OPT_CONVERGED) {
		out->r = exp(theta[0]);
		out->alpha = exp(theta[1]);
		out->a = exp(theta[2]);
		out->b = exp(theta[3]);
		info->ll = -o.f * wsum;
	} else if (st == OPT_RUNAWAY) {
		int up = theta[runaway - 1] > o.centre[runaway - 1];
		const char *why = "the data do not identify the model";

		if ((runaway == 4 && up) || (runaway == 3 && !up))
			why = "the data show almost no drop-out";
		else if (runaway <= 2 && up)
			why = "purchase rates look the same for every customer";
		else if (runaway >= 3 && up)
			why = "drop-out probabilities look the same for every customer";
		ret = fail(info, CRM_BTYD_ENOCONV,
			   "cannot fit BG/NBD: %s runs off to %s (r %.3g, alpha %.3g, a %.3g, "
			   "b %.3g): %s",
			   bg_names[runaway - 1], up ? "infinity" : "zero", exp(theta[0]),
			   exp(theta[1]), exp(theta[2]), exp(theta[3]), why);
	} else
		ret = fail(info, CRM_BTYD_ENOCONV,
			   "cannot fit BG/NBD: the optimiser did not converge (%d iterations, "
			   "gradient %.3g)",
			   o.iter, o.gmax);
	free(k.t_x);
	free(k.T);
	free(k.w);
	free(k.g);
	return ret;
}

/* P(alive) as the logistic of d = ln a - ln(b+x-1) + (r+x) ln((alpha+T)/(alpha+t_x)). */
static double
bg_p_alive(const struct crm_btyd_bgnbd *m, double x, double t_x, double T)
{
	double d;

	if (x == 0)
		return 1;
	d = log(m->a) - log(m->b + x - 1) + (m->r + x) * log1p((T - t_x) / (m->alpha + t_x));
	return 1 / (1 + exp(d));
}

/*
 * Expected purchases in (T, T+t] of a customer with x repeat purchases who
 * is alive at T (so not yet multiplied by P(alive)):
 *     c/(a-1) [1 - (1-z)^(r+x) 2F1(r+x, b+x; c; z)],  c = a+b+x-1,
 *     z = t/(alpha+T+t)
 * written through Euler's transformation as
 *     c/(a-1) [1 - (1-z)^(a-1) 2F1(a+b-1-r, a-1; c; z)]
 * whose series has small parameters whatever x is. Where the series
 * converges quickly (z <= 0.75, or c large beside a and b) it gives
 * (2F1 - 1)/(a-1) directly, so
 *     (1 - G)/(a-1) = -expm1((a-1) ln(1-z))/(a-1) - (1-z)^(a-1) (2F1 - 1)/(a-1)
 * has no cancellation even when a is close to 1 and is exact at a = 1;
 * within 1e-3 of a = 1 the series is therefore allowed its full length
 * however close z is to 1. Elsewhere 1 - G loses digits as
 * a -> 1 (~1e-16 cond/|a-1|, to 0/0 at a = 1), so when even the long series
 * does not converge (1 - z below ~2e-5) and a is within 1e-5 of 1, the value
 * is interpolated linearly between a = 1 -+ 1e-5.
 */
static double
bg_alive_expect_at(double r, double alpha, double a, double b, double x, double T, double t,
		   long maxterms, int *by_series)
{
	double c = a + b + x - 1, z, lw, ap, bp, s, omg, cond;

	if (c == 0) { /* x = 0, a + b = 1: move off the pole of 2F1 */
		b *= 1 + 1e-12;
		c = a + b - 1;
	}
	z = t / (alpha + T + t);
	lw = -log1p(t / (alpha + T));
	ap = a + b - 1 - r;
	bp = a - 1;
	s = gauss_series_over_b(ap, bp, c, z, z <= 0.75 ? SERIES_MAX : maxterms, &cond);
	*by_series = !isnan(s) && (z <= 0.75 || cond < 8);
	if (*by_series) /* (1 - G)/(a-1), exact at a = 1 too */
		return c * ((bp == 0 ? -lw : -expm1(bp * lw) / bp) - exp(bp * lw) * s);
	omg = 1 - exp(bp * lw) * hyp_unit(ap, bp, c, z, (alpha + T) / (alpha + T + t));
	return c / bp * omg;
}

static double
bg_alive_expect(const struct crm_btyd_bgnbd *m, double x, double T, double t)
{
	const double lo = 1 - 1e-5, hi = 1 + 1e-5;
	double v, flo, fhi;
	int near1 = fabs(m->a - 1) < 1e-3, by_series;

	if (t == 0)
		return 0;
	v = bg_alive_expect_at(m->r, m->alpha, m->a, m->b, x, T, t,
			       near1 ? SERIES_MAX : SHORT_SERIES, &by_series);
	if (by_series || !(fabs(m->a - 1) < 1e-5))
		return v;
	flo = bg_alive_expect_at(m->r, m->alpha, lo, m->b, x, T, t, 0, &by_series);
	fhi = bg_alive_expect_at(m->r, m->alpha, hi, m->b, x, T, t, 0, &by_series);
	return flo + (fhi - flo) * (m->a - lo) / (hi - lo);
}

double
crm_btyd_bgnbd_expected(const struct crm_btyd_bgnbd *m, double t)
{
	if (!bg_params_ok(m) || !(t >= 0) || !isfinite(t))
		return NAN;
	return bg_alive_expect(m, 0, 0, t);
}

double
crm_btyd_bgnbd_p_alive(const struct crm_btyd_bgnbd *m, double x, double t_x, double T)
{
	if (!bg_params_ok(m) || history_problem(x, t_x, T))
		return NAN;
	return bg_p_alive(m, x, t_x, T);
}

double
crm_btyd_bgnbd_conditional(const struct crm_btyd_bgnbd *m, double x, double t_x, double T, double t)
{
	if (!bg_params_ok(m) || history_problem(x, t_x, T) || !(t >= 0) || !isfinite(t))
		return NAN;
	return bg_alive_expect(m, x, T, t) * bg_p_alive(m, x, t_x, T);
}

double
crm_btyd_clv(const struct crm_btyd_bgnbd *m, const struct crm_btyd_horizon *h, double x, double t_x,
	     double T, double spend)
{
	double pa, prev = 0, cur, disc = 1, clv = 0;

	if (!bg_params_ok(m) || history_problem(x, t_x, T) || !isfinite(spend) ||
	    !isfinite(h->margin) || !(h->step > 0) || !isfinite(h->step) || h->steps < 0 ||
	    !(h->rate > -1) || !isfinite(h->rate))
		return NAN;
	pa = bg_p_alive(m, x, t_x, T);
	for (int k = 1; k <= h->steps; k++) {
		cur = bg_alive_expect(m, x, T, k * h->step) * pa;
		disc /= 1 + h->rate;
		clv += (cur - prev) * disc;
		prev = cur;
	}
	return clv * spend * h->margin;
}

/* ---------------------------------------------------------------- simulation */

struct rng {
	uint64_t s[4];
};

static uint64_t
rotl(uint64_t v, int k)
{
	return (v << k) | (v >> (64 - k));
}

static uint64_t
rng_next(struct rng *g)
{
	uint64_t *s = g->s, res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

/* Uniform on (0, 1), never 0 or 1. */
static double
rng_unif(struct rng *g)
{
	return ((double)(rng_next(g) >> 11) + 0.5) * 0x1.0p-53;
}

static double
rng_normal(struct rng *g)
{
	double u, v, s;

	do {
		u = 2 * rng_unif(g) - 1;
		v = 2 * rng_unif(g) - 1;
		s = u * u + v * v;
	} while (s >= 1 || s == 0);
	return u * sqrt(-2 * log(s) / s);
}

/* Gamma(shape, 1): Marsaglia & Tsang (2000); shape < 1 by Gamma(shape+1) U^(1/shape). */
static double
rng_gamma(struct rng *g, double shape)
{
	double d, c, x, v, u;

	if (shape < 1)
		return rng_gamma(g, shape + 1) * pow(rng_unif(g), 1 / shape);
	d = shape - 1.0 / 3;
	c = 1 / sqrt(9 * d);
	for (;;) {
		do {
			x = rng_normal(g);
			v = 1 + c * x;
		} while (v <= 0);
		v = v * v * v;
		u = rng_unif(g);
		if (log(u) < 0.5 * x * x + d - d * v + d * log(v))
			return d * v;
	}
}

void
crm_btyd_bgnbd_simulate(const struct crm_btyd_bgnbd *m, uint64_t seed, struct crm_btyd_obs *obs,
			size_t n)
{
	struct rng g;
	uint64_t z = seed;

	for (int i = 0; i < 4; i++) { /* splitmix64 */
		uint64_t v = (z += 0x9e3779b97f4a7c15ULL);

		v = (v ^ (v >> 30)) * 0xbf58476d1ce4e5b9ULL;
		v = (v ^ (v >> 27)) * 0x94d049bb133111ebULL;
		g.s[i] = v ^ (v >> 31);
	}
	for (size_t i = 0; i < n; i++) {
		double lambda = rng_gamma(&g, m->r) / m->alpha, ga = rng_gamma(&g, m->a);
		double p = ga / (ga + rng_gamma(&g, m->b)), t = 0;

		obs[i].x = 0;
		obs[i].t_x = 0;
		obs[i].weight = 1;
		for (;;) {
			t += -log(rng_unif(&g)) / lambda;
			if (!(t <= obs[i].T))
				break;
			obs[i].x++;
			obs[i].t_x = t;
			if (rng_unif(&g) < p)
				break;
		}
	}
}

/* ---------------------------------------------------------------- Gamma-Gamma */

struct gg_group {
	double x, w, lx; /* repeat purchases, total weight, ln x */
	double swlm;	 /* sum of w ln m */
	size_t lo, hi;
};

struct gg_work {
	struct gg_group *g;
	size_t ng;
	double *xm, *w; /* per row: x m and weight */
	double wsum;
};

/* ln f(m | x) = ln Gamma(px+q) - ln Gamma(px) - ln Gamma(q) + q ln gamma
 *             + (px-1) ln m + px ln x - (px+q) ln(gamma + x m) */
static double
gg_ll1(const struct crm_btyd_gg *g, double x, double m)
{
	double px = g->p * x;

	return lgam(px + g->q) - lgam(px) - lgam(g->q) + g->q * log(g->gamma) + (px - 1) * log(m) +
	       px * log(x) - (px + g->q) * log(g->gamma + x * m);
}

static const char *
spend_problem(const struct crm_btyd_spend *s)
{
	if (!isfinite(s->x) || !count_ok(s->x))
		return "x must be a whole number of repeat purchases, 0 or more";
	if (s->x > 0 && (!isfinite(s->m) || !(s->m > 0)))
		return "the mean spend m must be a positive number when x > 0";
	return weight_problem(s->weight);
}

double
crm_btyd_gg_ll(const struct crm_btyd_gg *g, const struct crm_btyd_spend *obs, size_t n)
{
	double ll = 0;

	if (!gg_params_ok(g))
		return NAN;
	for (size_t i = 0; i < n; i++) {
		if (spend_problem(&obs[i]))
			return NAN;
		if (obs[i].x > 0 && obs[i].weight > 0)
			ll += obs[i].weight * gg_ll1(g, obs[i].x, obs[i].m);
	}
	return ll;
}

/*
 * -LL/wsum and its gradient with respect to ln(p, q, gamma):
 *   dl/dp     = x [psi(px+q) - psi(px) + ln m + ln x - ln(gamma + x m)]
 *   dl/dq     = psi(px+q) - psi(q) + ln gamma - ln(gamma + x m)
 *   dl/dgamma = q/gamma - (px+q)/(gamma + x m)
 */
static double
gg_objective(const double *th, double *grad, void *ctx)
{
	const struct gg_work *k = ctx;
	double p = exp(th[0]), q = exp(th[1]), ga = exp(th[2]), lga = th[2];
	double ll = 0, gp = 0, gq = 0, gg = 0, lgq = lgam(q), psq = digamma(q);

	for (size_t gi = 0; gi < k->ng; gi++) {
		const struct gg_group *g = &k->g[gi];
		double x = g->x, W = g->w, px = p * x, sl = 0, sinv = 0;
		double pxq = px + q, pspxq = digamma(pxq);

		for (size_t i = g->lo; i < g->hi; i++) {
			double d = ga + k->xm[i];

			sl += k->w[i] * log(d);
			sinv += k->w[i] / d;
		}
		ll += W * (lgam(pxq) - lgam(px) - lgq + q * lga + px * g->lx) + (px - 1) * g->swlm -
		      pxq * sl;
		gp += x * (W * (pspxq - digamma(px) + g->lx) + g->swlm - sl);
		gq += W * (pspxq - psq + lga) - sl;
		gg += W * q / ga - pxq * sinv;
	}
	grad[0] = -gp * p / k->wsum;
	grad[1] = -gq * q / k->wsum;
	grad[2] = -gg * ga / k->wsum;
	return -ll / k->wsum;
}

static int
spend_cmp(const void *pa, const void *pb)
{
	const struct crm_btyd_spend *a = pa, *b = pb;
	int c = dcmp(a->x, b->x);

	return c != 0 ? c : dcmp(a->m, b->m);
}

int
crm_btyd_gg_fit(const struct crm_btyd_spend *obs, size_t n, struct crm_btyd_gg *out,
		struct crm_btyd_fit *info)
{
	static const char *const names[] = {"p", "q", "gamma"};
	struct crm_btyd_fit scratch;
	struct crm_btyd_spend *v;
	struct gg_work k = {0};
	struct opt o = {0};
	double wsum = 0, swm = 0, mbar, theta[OPT_MAXN], starts[3][OPT_MAXN] = {{0}};
	size_t i, nv = 0;
	int st, runaway, ret = CRM_BTYD_OK;
	const char *why;

	info = info_reset(info, &scratch);
	memset(out, 0, sizeof *out);
	for (i = 0; i < n; i++) {
		if ((why = spend_problem(&obs[i])) != NULL)
			return fail(info, CRM_BTYD_EINVAL,
				    "customer %zu (x %g, m %g, weight %g): %s", i + 1, obs[i].x,
				    obs[i].m, obs[i].weight, why);
		if (obs[i].x > 0 && obs[i].weight > 0) {
			nv++;
			wsum += obs[i].weight;
			swm += obs[i].weight * obs[i].m;
		}
	}
	info->customers = wsum;
	if (wsum < CRM_BTYD_MIN_REPEATERS)
		return fail(info, CRM_BTYD_ENODATA,
			    "cannot fit Gamma-Gamma: %s repeat customers (x > 0), at least %d "
			    "are needed",
			    wsum == 0 ? "no" : "too few", CRM_BTYD_MIN_REPEATERS);
	v = crm_xreallocarray(NULL, nv, sizeof *v);
	for (i = 0, nv = 0; i < n; i++)
		if (obs[i].x > 0 && obs[i].weight > 0)
			v[nv++] = obs[i];
	qsort(v, nv, sizeof *v, spend_cmp);
	k.xm = crm_xreallocarray(NULL, nv, sizeof *k.xm);
	k.w = crm_xreallocarray(NULL, nv, sizeof *k.w);
	k.g = crm_xreallocarray(NULL, 1, sizeof *k.g);
	for (i = 0; i < nv; i++) {
		k.xm[i] = v[i].x * v[i].m;
		k.w[i] = v[i].weight;
		if (i == 0 || v[i].x != v[i - 1].x) {
			if (k.ng > 0)
				k.g[k.ng - 1].hi = i;
			k.g = crm_xreallocarray(k.g, k.ng + 1, sizeof *k.g);
			memset(&k.g[k.ng], 0, sizeof k.g[k.ng]);
			k.g[k.ng].x = v[i].x;
			k.g[k.ng].lx = log(v[i].x);
			k.g[k.ng].lo = i;
			k.ng++;
		}
		k.g[k.ng - 1].w += v[i].weight;
		k.g[k.ng - 1].swlm += v[i].weight * log(v[i].m);
	}
	k.g[k.ng - 1].hi = nv;
	k.wsum = wsum;
	free(v);
	info->tuples = nv;

	/* Starting points: the population mean gamma p/(q-1) equal to the mean
	 * of m, with little and with much heterogeneity. */
	mbar = swm / wsum;
	starts[0][0] = log(1), starts[0][1] = log(2), starts[0][2] = log(mbar);
	starts[1][0] = log(5), starts[1][1] = log(4), starts[1][2] = log(3 * mbar / 5);
	starts[2][0] = log(0.5), starts[2][1] = log(1.5), starts[2][2] = log(mbar);
	o.fn = gg_objective;
	o.ctx = &k;
	o.n = 3;
	o.centre[2] = log(mbar);
	st = optimise(&o, (const double(*)[OPT_MAXN])starts, 3, theta, info, &runaway);
	info->iterations = o.iter;
	info->evaluations = o.nfev;
	info->gradient = o.gmax;
	if (st == OPT_CONVERGED &&
	    (runaway = degenerate(&o, theta, (const double[]){LN_1E5, LN_1E5, LN_1E8})))
		st = OPT_RUNAWAY;
	if (st == OPT_CONVERGED) {
		double q = exp(theta[1]);

		info->ll = -o.f * wsum;
		if (q <= 1)
			ret =
			    fail(info, CRM_BTYD_EDOMAIN,
				 "Gamma-Gamma fit has q = %.4g <= 1 (p = %.4g, gamma = %.4g): the "
				 "mean spend has no finite expectation",
				 q, exp(theta[0]), exp(theta[2]));
		else {
			out->p = exp(theta[0]);
			out->q = q;
			out->gamma = exp(theta[2]);
		}
	} else if (st == OPT_RUNAWAY) {
		int up = theta[runaway - 1] > o.centre[runaway - 1];

		ret =
		    fail(info, CRM_BTYD_ENOCONV,
			 "cannot fit Gamma-Gamma: %s runs off to %s (p %.3g, q %.3g, gamma %.3g): "
			 "%s",
			 names[runaway - 1], up ? "infinity" : "zero", exp(theta[0]), exp(theta[1]),
			 exp(theta[2]),
			 runaway >= 2 && up   ? "average spend looks the same for every customer"
			 : runaway == 1 && up ? "every customer spends the same on each purchase, or "
						"average spend does not settle as purchases add up"
					      : "the data do not identify the model");
	} else
		ret = fail(info, CRM_BTYD_ENOCONV,
			   "cannot fit Gamma-Gamma: the optimiser did not converge (%d iterations, "
			   "gradient %.3g)",
			   o.iter, o.gmax);
	free(k.xm);
	free(k.w);
	free(k.g);
	return ret;
}

double
crm_btyd_gg_spend(const struct crm_btyd_gg *g, double x, double m)
{
	double px;

	if (!gg_params_ok(g) || !isfinite(x) || !count_ok(x))
		return NAN;
	if (x == 0)
		return g->q > 1 ? g->gamma * g->p / (g->q - 1) : NAN;
	if (!isfinite(m) || !(m > 0))
		return NAN;
	px = g->p * x;
	if (!(px + g->q > 1))
		return NAN;
	return (g->gamma * g->p + px * m) / (px + g->q - 1);
}
