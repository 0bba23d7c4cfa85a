/*
 * kpi — the report's figures (SPEC §8) for a period, the period before it,
 * the same period a year earlier and the twelve periods ending with it, plus
 * the monthly cohort triangle; computed from ONE scan of the orders (the
 * summary's, through its per-order observer, so "paid order", refunds,
 * currency and merged customers mean what they mean everywhere else) into
 * dense per-customer bit sets, then one pass over the customers, one over the
 * tickets and one over the survey answers. No GROUP BY, no index walk.
 *
 * A period is [from, to) in days. W = lifecycle.churn_days. The formulas
 * (also in crm-report(1)):
 *
 *   paid order        status paid, dated on or before today (lib/summary);
 *                     a refund row (status refunded) is money that went
 *                     back on its own day
 *   active at t       a paid order on a day in [t − W, t)
 *   customers_total   live customers whose first paid order is before to
 *   new_customers     first paid order in [from, to)
 *   new_leads         records created in [from, to) that were leads then
 *                     (not ones whose first paid order came before their
 *                     record was created, e.g. a history imported later)
 *   active_customers  customers with a paid order in the period (buyers)
 *   churned_customers active at from and not active at to
 *   churn_rate        churned ÷ active at from
 *   retention_rate    active at both ÷ active at from
 *   reactivated       active at to, not at from, first paid order before from
 *   repeat_purchase_rate            ≥ 2 paid orders in the period ÷ ≥ 1
 *   repeat_purchase_rate_lifetime   ≥ 2 paid orders before to ÷ ≥ 1
 *   conversion_rate   leads whose first paid order is in the period ÷
 *                     (leads open at from + new_leads); a lead is open at
 *                     from when created before from and not buying before it
 *   orders            paid orders in the period
 *   revenue           their value − refunds dated in the period
 *   aov               revenue ÷ orders
 *   revenue_per_active  revenue ÷ active_customers
 *   avg_clv           mean clv of the latest crm-score --save run on or
 *                     before the period's last day
 *   top20_revenue_share  revenue of the top 20 % of that run's customers by
 *                     clv (⌈0.2 n⌉ of them) ÷ revenue
 *   complaints        tickets opened in the period
 *   complaints_per_100_active   100 × complaints ÷ active_customers
 *   resolution_median_hours, resolution_p90_hours   over tickets resolved in
 *                     the period, resolved − opened in hours; the median of
 *                     an even count is the mean of the middle two, p90 is the
 *                     nearest rank (the ⌈0.9 n⌉-th smallest)
 *   within_sla_rate   resolved in the period within their severity's limit ÷
 *                     (resolved in the period + tickets still open at to
 *                     whose limit had passed by then)
 *   csat              answers 4 or 5 ÷ all answers (1–5) in the period:
 *                     interactions by their time, ticket ratings by their
 *                     resolution day; csat_mean their mean
 *   nps               100 × (share of 9–10 − share of 0–6) among NPS answers
 *                     in the period (−100 … 100)
 *
 * A figure whose denominator is zero (or that has no data: no score run, no
 * resolved ticket) is NaN: "—" in text, empty in CSV, null in JSON.
 */
#ifndef CRM_KPI_H
#define CRM_KPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "store.h"
#include "summary.h"

enum crm_period_kind { CRM_PERIOD_MONTH, CRM_PERIOD_QUARTER, CRM_PERIOD_YEAR, CRM_PERIOD_RANGE };

struct crm_period {
	int32_t from, to;           /* [from, to), days since 1970-01-01 */
	enum crm_period_kind kind;
	char label[40];             /* 2026-10, 2026-Q3, 2026, 2026-10-01..2026-10-15 */
};

/* "YYYY-MM", "YYYY-Qn" or "YYYY" into *p; -1 when s is none of them. */
int crm_period_parse(const char *s, struct crm_period *p);
/* The days from..to (both included) as a period; to >= from. */
struct crm_period crm_period_range(int32_t from, int32_t to_incl);
/* The last full calendar month before today's month. */
struct crm_period crm_period_default(int64_t today);
/* The period of p's kind n steps earlier (a range: n lengths earlier). */
struct crm_period crm_period_back(const struct crm_period *p, int n);
/* The same period one year earlier (29 February becomes the 28th). */
struct crm_period crm_period_last_year(const struct crm_period *p);

enum crm_kpi_metric {
	CRM_KPI_CUSTOMERS_TOTAL,
	CRM_KPI_NEW_CUSTOMERS,
	CRM_KPI_NEW_LEADS,
	CRM_KPI_ACTIVE_CUSTOMERS,
	CRM_KPI_CHURNED_CUSTOMERS,
	CRM_KPI_CHURN_RATE,
	CRM_KPI_RETENTION_RATE,
	CRM_KPI_REACTIVATED_CUSTOMERS,
	CRM_KPI_REPEAT_PURCHASE_RATE,
	CRM_KPI_REPEAT_PURCHASE_RATE_LIFETIME,
	CRM_KPI_CONVERSION_RATE,
	CRM_KPI_ORDERS,
	CRM_KPI_REVENUE,
	CRM_KPI_AOV,
	CRM_KPI_REVENUE_PER_ACTIVE,
	CRM_KPI_AVG_CLV,
	CRM_KPI_TOP20_REVENUE_SHARE,
	CRM_KPI_COMPLAINTS,
	CRM_KPI_COMPLAINTS_PER_100_ACTIVE,
	CRM_KPI_RESOLUTION_MEDIAN_HOURS,
	CRM_KPI_RESOLUTION_P90_HOURS,
	CRM_KPI_WITHIN_SLA_RATE,
	CRM_KPI_CSAT,
	CRM_KPI_CSAT_MEAN,
	CRM_KPI_NPS,
	CRM_KPI_COUNT
};

/* What a figure is, for formatting and for "change". */
enum crm_kpi_unit {
	CRM_UNIT_COUNT,  /* whole number */
	CRM_UNIT_RATE,   /* fraction 0–1 */
	CRM_UNIT_MONEY,  /* major units of the base currency */
	CRM_UNIT_HOURS,
	CRM_UNIT_SCORE,  /* CSAT mean 1–5, NPS −100…100 */
};

/* Machine names (SPEC §8; never translated) and units, by metric. */
extern const char *const crm_kpi_names[CRM_KPI_COUNT];
extern const enum crm_kpi_unit crm_kpi_units[CRM_KPI_COUNT];
/* The metric called name, or -1. */
int crm_kpi_find(const char *name);

/* Periods the computation holds: [0] the period, [1] the one before,
 * [2] last year's, [3 .. 3 + CRM_KPI_SERIES) the series, oldest first
 * (its last is the period itself). */
#define CRM_KPI_SERIES 12
#define CRM_KPI_NPERIODS (3 + CRM_KPI_SERIES)
enum { CRM_KPI_NOW = 0, CRM_KPI_PREV = 1, CRM_KPI_LAST_YEAR = 2, CRM_KPI_SERIES_AT = 3 };

/* Most months a cohort triangle may span (one bit each per customer). */
#define CRM_KPI_MAX_COHORTS 60

struct crm_kpi_setup {
	struct crm_period period;   /* the report's period */
	int churn_days;             /* W */
	int cohort_months;          /* cohorts: the months ending with the period's
	                               last month, 1..CRM_KPI_MAX_COHORTS */
	/* Which customers, and their groups. With stream, only the customers
	 * of ids count; labels[i] (NULL for no --by column) is row i's group.
	 * Else (or without labels) with by_field >= 0 (enum crm_cfield) the
	 * customer field is the group; else there is one group. Group 0 is
	 * always everybody selected. */
	bool stream;                /* select the customers of ids */
	const int64_t *ids;
	char *const *labels;
	size_t nids;
	int by_field;
	const struct crm_config *cfg; /* SLA hours per severity (remind.sla_hours) */
};

typedef struct crm_kpi crm_kpi;

/* The computation, set up; then load the summary with
 * crm_summary_load_hooked and crm_kpi_hooks(k), and call crm_kpi_finish. */
crm_kpi *crm_kpi_new(const struct crm_kpi_setup *setup);
/* The summary's hooks that feed k. */
struct crm_summary_hooks crm_kpi_hooks(crm_kpi *k);
/* After the scan: per-customer counts, tickets, answers, score runs. */
void crm_kpi_finish(crm_kpi *k, crm_summary *sum, crm_store *s);
void crm_kpi_free(crm_kpi *k);

/* The period number i (see CRM_KPI_NOW ...). */
const struct crm_period *crm_kpi_period(const crm_kpi *k, size_t i);
/* Groups: 0 is everybody selected; labels of the others sorted. */
size_t crm_kpi_ngroups(const crm_kpi *k);
const char *crm_kpi_group_label(const crm_kpi *k, size_t g);
/* Metric m of group g in period i; NaN when it has no value. Money is in
 * major units of the base currency. */
double crm_kpi_value(const crm_kpi *k, size_t g, size_t i, enum crm_kpi_metric m);
/* True when period i holds no order, refund, new lead, ticket or answer of
 * group g: the report says so instead of printing zeros. */
bool crm_kpi_empty(const crm_kpi *k, size_t g, size_t i);

/* The cohort triangle (group 0): cohort c (0 = oldest month) has
 * crm_kpi_cohort_size customers whose first paid order is in that month;
 * crm_kpi_cohort_cell(c, n) of them have a paid order n months later
 * (c + n < cohort_months). crm_kpi_cohort_label: "YYYY-MM". */
int crm_kpi_cohorts(const crm_kpi *k);
int64_t crm_kpi_cohort_size(const crm_kpi *k, int c);
int64_t crm_kpi_cohort_cell(const crm_kpi *k, int c, int n);
const char *crm_kpi_cohort_label(const crm_kpi *k, int c, char *out);

/* A customer's net revenue in period i (NOW, PREV or LAST_YEAR), minor
 * units of the base currency; 0 outside the selection. */
int64_t crm_kpi_customer_revenue(const crm_kpi *k, size_t idx, size_t i);
/* How many stream ids named no customer of the store (left out). */
size_t crm_kpi_unknown(const crm_kpi *k);
/* Whether customer idx (summary index) is selected. */
bool crm_kpi_selected(const crm_kpi *k, size_t idx);

#endif
