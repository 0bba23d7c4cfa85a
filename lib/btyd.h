/*
 * btyd — "buy till you die" models for crm-score: BG/NBD for how many
 * purchases a customer will make, Gamma-Gamma for how much each is worth,
 * and the customer lifetime value built from the two. Pure functions over
 * arrays: no I/O, no store, no global state.
 *
 * BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way:
 * an alternative to the Pareto/NBD model", Marketing Science 24(2):275-284).
 * While alive, a customer buys at Poisson rate lambda; after each repeat
 * purchase she drops out for good with probability p. Across customers
 * lambda ~ Gamma(shape r, rate alpha) and p ~ Beta(a, b). A customer is
 * summarised by
 *     x    repeat purchases (purchases after the first), a whole number;
 *     t_x  recency: time of the last purchase minus time of the first
 *          (0 when x = 0);
 *     T    age: end of the observation period minus time of the first
 *          purchase; 0 <= t_x <= T.
 * Times may be in any unit (days, weeks) as long as every time handed to one
 * model is in the same unit: alpha and every horizon t are in that unit, and
 * the log-likelihood carries it (going from weeks to days alpha becomes 7
 * alpha, r, a and b stay, and LL changes by -sum(x) ln 7).
 *
 * Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV: using iso-value
 * curves for customer base analysis", Journal of Marketing Research
 * 42(4):415-430; Fader & Hardie 2013, "The Gamma-Gamma model of monetary
 * value", note 025 on brucehardie.com). The value of each repeat purchase is
 * Gamma(p, nu), nu ~ Gamma(q, gamma) across customers, independent of the
 * purchase process. A customer is summarised by x (as above) and m, the mean
 * value of her x repeat purchases (the first purchase excluded); only
 * customers with x > 0 carry information. The money unit is the caller's.
 *
 * Reproduces the published CDNOW figures (tests/unit/test_btyd.c): BG/NBD
 * in weeks r = 0.24259, alpha = 4.4136, a = 0.79292, b = 2.4259,
 * LL = -9582.429; E[X(52)] = 1.4440; P(alive) of customer 1516 = 0.96885;
 * Gamma-Gamma p = 6.2496, q = 3.7442, gamma = 15.444, LL = -4055.9177.
 *
 * Functions returning a double return NaN for arguments outside the model's
 * domain (non-positive parameters, t_x > T, x not a whole number, ...): the
 * caller validates input once, through the fit functions, which never hand
 * back NaN and explain every failure in a message.
 */
#ifndef CRM_BTYD_H
#define CRM_BTYD_H

#include <stddef.h>
#include <stdint.h>

/* One customer, or `weight` identical customers, for BG/NBD. */
struct crm_btyd_obs {
	double x;      /* repeat purchases, a whole number >= 0 */
	double t_x;    /* recency, 0 <= t_x <= T (0 when x = 0) */
	double T;      /* age, >= 0 */
	double weight; /* how many customers share these values, >= 0 (may be fractional) */
};

/* BG/NBD parameters, all > 0. */
struct crm_btyd_bgnbd {
	double r;     /* shape of the Gamma over purchase rates */
	double alpha; /* rate of that Gamma, in the time unit (mean rate r/alpha) */
	double a, b;  /* Beta over the drop-out probability (mean a/(a+b)) */
};

/* One customer, or `weight` identical ones, for Gamma-Gamma. */
struct crm_btyd_spend {
	double x;      /* repeat purchases, a whole number >= 0; x = 0 rows are ignored */
	double m;      /* mean value of those x repeat purchases, > 0 when x > 0 */
	double weight; /* how many customers share these values, >= 0 */
};

/* Gamma-Gamma parameters, all > 0 (q > 1 for a finite mean spend). */
struct crm_btyd_gg {
	double p;     /* shape of each purchase's value */
	double q;     /* shape of the Gamma over the customers' nu */
	double gamma; /* rate of that Gamma, in money units */
};

/* What a fit returns besides 0 / an error code. */
enum crm_btyd_status {
	CRM_BTYD_OK = 0,
	CRM_BTYD_EINVAL,   /* an observation is not a valid customer (message names it) */
	CRM_BTYD_ENODATA,  /* no customers, or too few to fit the model */
	CRM_BTYD_EUNIDENT, /* the data cannot identify the model (e.g. every x = 0) */
	CRM_BTYD_ENOCONV,  /* the optimiser did not converge or a parameter ran off */
	CRM_BTYD_EDOMAIN,  /* fitted, but outside the usable range (Gamma-Gamma q <= 1) */
};

/* Fewest customers (total weight) a BG/NBD fit accepts, and fewest repeat
 * customers a Gamma-Gamma fit accepts. Far more are needed for estimates
 * worth using; these only refuse data that cannot be fitted at all. */
#define CRM_BTYD_MIN_CUSTOMERS 10
#define CRM_BTYD_MIN_REPEATERS 2

/* Diagnostics of a fit. */
struct crm_btyd_fit {
	double ll;	  /* log-likelihood at the estimate (weighted sum over customers) */
	double customers; /* total weight of the customers the likelihood covers */
	size_t tuples;	  /* distinct tuples it was evaluated on, after merging duplicates */
	int iterations;	  /* BFGS iterations, over all starting points */
	int evaluations;  /* likelihood (+ gradient) evaluations */
	int starts;	  /* starting points tried */
	double gradient;  /* max |d(LL / customers) / d ln(parameter)| at the estimate */
	char error[256];  /* on failure: one line, lower case, no full stop; else "" */
};

/*
 * Fit BG/NBD to n weighted customers by maximum likelihood. Customers with
 * weight 0 are skipped; identical (x, t_x, T) are merged internally, so
 * callers need not collapse first. On success returns CRM_BTYD_OK and sets
 * *out; info (may be NULL) gets the diagnostics. On failure returns a
 * crm_btyd_status, sets *out to all zeros (never NaN) and info->error to a
 * message: an invalid observation (non-finite, x not whole, t_x > T,
 * negative weight, x = 0 with t_x != 0), no or fewer than
 * CRM_BTYD_MIN_CUSTOMERS customers, no repeat customer at all (the model is
 * not identified), no convergence, or a degenerate estimate: r, a or b
 * outside 1e-5..1e5, or alpha 1e8 times off the data's scale (e.g. b
 * running off to infinity when the data show no drop-out; the message says
 * which parameter and what it means). Allocates O(n) temporary memory (exits 70 on
 * exhaustion, as every crm allocation).
 */
int crm_btyd_bgnbd_fit(const struct crm_btyd_obs *obs, size_t n, struct crm_btyd_bgnbd *out,
		       struct crm_btyd_fit *info);

/* The BG/NBD log-likelihood, sum over the customers of weight * ln L(x, t_x,
 * T) (FHL 2005 eq. 6). NaN if a parameter or an observation is invalid. */
double crm_btyd_bgnbd_ll(const struct crm_btyd_bgnbd *m, const struct crm_btyd_obs *obs, size_t n);

/* E[X(t)]: expected repeat purchases in (0, t] of a customer who made her
 * first purchase at 0 (FHL 2005 eq. 7). t >= 0; NaN otherwise. */
double crm_btyd_bgnbd_expected(const struct crm_btyd_bgnbd *m, double t);

/* E[Y(t) | x, t_x, T]: expected purchases in (T, T + t] of a customer with
 * history (x, t_x, T) (FHL 2005 eq. 10). t >= 0; NaN on invalid input. */
double crm_btyd_bgnbd_conditional(const struct crm_btyd_bgnbd *m, double x, double t_x, double T,
				  double t);

/* P(alive | x, t_x, T), the probability the customer has not dropped out by
 * T (FHL 2005 eq. 11 and lifetimes): 1 when x = 0, since BG/NBD customers
 * can only drop out right after a repeat purchase. NaN on invalid input. */
double crm_btyd_bgnbd_p_alive(const struct crm_btyd_bgnbd *m, double x, double t_x, double T);

/*
 * Simulate n customers from the BG/NBD generative process, for tests and
 * benchmarks: on entry obs[i].T is each customer's age; x and t_x are drawn
 * and weight set to 1. The same seed gives the same draws on every machine
 * with an IEEE libm (xoshiro256** seeded by splitmix64; Marsaglia-Tsang
 * gamma variates). Time is proportional to the purchases drawn.
 */
void crm_btyd_bgnbd_simulate(const struct crm_btyd_bgnbd *m, uint64_t seed,
			     struct crm_btyd_obs *obs, size_t n);

/*
 * Fit Gamma-Gamma to the customers with x > 0 (rows with x = 0 and rows of
 * weight 0 are skipped) by maximum likelihood of the density of the mean
 * spend m (note 025 eq. 3). Returns and fills as crm_btyd_bgnbd_fit; the
 * failures are an invalid row (non-finite, x not whole, m <= 0 with x > 0,
 * negative weight), fewer than CRM_BTYD_MIN_REPEATERS repeat customers, no
 * convergence, and CRM_BTYD_EDOMAIN when the estimate has q <= 1 (no finite
 * mean spend, so E(M) is undefined; the message gives the estimate).
 */
int crm_btyd_gg_fit(const struct crm_btyd_spend *obs, size_t n, struct crm_btyd_gg *out,
		    struct crm_btyd_fit *info);

/* The Gamma-Gamma log-likelihood, sum over the rows with x > 0 of weight *
 * ln f(m | x). NaN if a parameter or a row is invalid. */
double crm_btyd_gg_ll(const struct crm_btyd_gg *g, const struct crm_btyd_spend *obs, size_t n);

/* E(M | x, m), the expected value of this customer's future purchases
 * (note 025 eq. 5): (q - 1)/(px + q - 1) * gamma p/(q - 1) + px/(px + q - 1)
 * * m, a weighted mean of the population mean gamma p/(q - 1) and her own
 * mean m. For x = 0 it is the population mean and m is ignored. NaN when
 * px + q <= 1 (q <= 1 for x = 0) or on invalid input. */
double crm_btyd_gg_spend(const struct crm_btyd_gg *g, double x, double m);

/* The horizon of a lifetime value. */
struct crm_btyd_horizon {
	double step;   /* length of one discount period in the model's time unit:
			  30 for months in days, 4.345 for months in weeks */
	int steps;     /* periods in the horizon, >= 0 (12 months = a year) */
	double rate;   /* discount rate per period, > -1 (an annual rate R is
			  (1 + R)^(1/12) - 1 a month) */
	double margin; /* profit as a fraction of spend (1 for revenue) */
};

/*
 * Customer lifetime value over the horizon, discounted, as lifetimes'
 * customer_lifetime_value computes it:
 *     sum over k = 1..steps of (E[Y(k step)] - E[Y((k-1) step)])
 *                              * spend * margin / (1 + rate)^k
 * with E[Y] from crm_btyd_bgnbd_conditional and spend usually
 * crm_btyd_gg_spend. With rate 0 it is E[Y(steps * step)] * spend * margin.
 * NaN on invalid input.
 */
double crm_btyd_clv(const struct crm_btyd_bgnbd *m, const struct crm_btyd_horizon *h, double x,
		    double t_x, double T, double spend);

/*
 * Sort obs by (x, T, t_x) and merge rows with equal (x, t_x, T) into one
 * whose weight is the sum. Returns the new count; obs[0..count) hold the
 * merged rows. Works in place, allocates nothing. Rows with NaN never merge.
 */
size_t crm_btyd_collapse(struct crm_btyd_obs *obs, size_t n);

/*
 * The Gauss hypergeometric function 2F1(a, b; c; z) for real arguments and
 * z <= 1 (any z when a or b is a whole number <= 0, the series then being a
 * polynomial). Method, as in Cephes and BTYD: the power series for
 * 0 <= z <= 0.75; for z < 0 the Pfaff transformation to z/(z - 1) in
 * (0, 1), or the series, whichever cancels least; for z > 0.75 the series
 * when it converges quickly, else the 1 - z transformation (A&S 15.3.6) or
 * its logarithmic form (A&S 15.3.10-12) when c - a - b is a whole number,
 * falling back to the series where the transformation cancels (c - a - b
 * close to a whole number, large a and b); z = 1 by Gauss's theorem.
 * Accuracy against 50-digit mpmath on thousands of random cases: relative
 * error below 1e-9 (typically 1e-15) for |a|, |b|, |c| <= 10 of any sign,
 * and for the BG/NBD arguments of this module (positive parameters, c up to
 * 1e5, z up to 1 - 1e-9). With parameters in the tens or hundreds and mixed
 * signs, or z < 0, the series cancel: the loss is estimated and NaN returned
 * when fewer than ~3 digits would be right, so a finite answer has at least
 * that (in the tests, worse than 1e-6 in 0.4% of such cases). Also NaN when
 * c is a whole number <= 0, z > 1, z = 1 with c - a - b <= 0, or an argument
 * is not finite; results beyond ~1e+-300 overflow or underflow.
 */
double crm_btyd_hyp2f1(double a, double b, double c, double z);

#endif
