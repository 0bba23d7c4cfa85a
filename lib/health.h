/*
 * health — crm-score's engagement score for customers (0-100) and the
 * built-in lead-scoring rules. Pure functions; the weights come from config
 * (score.health.*) and the lead rules from score.lead_points.
 *
 * Health is a weighted mean of four components, each 0-100:
 *   rhythm        the time since the last purchase against the customer's
 *                 own rhythm: with x >= 1 repeat purchases over t_x days the
 *                 usual gap is g = t_x / x; ratio = recency / g; 100 when
 *                 ratio <= 1, 0 when ratio >= 3, linear between. A customer
 *                 with one purchase day: 100 × (1 − recency / churn_days),
 *                 at least 0.
 *   trend         purchase days in the last churn_days (recent) against the
 *                 churn_days before (prior): 50 + 50 × (recent − prior) /
 *                 (recent + prior); 50 when both are 0.
 *   complaints    open tickets: 0 → 100, 1 → 50, 2 or more → 0.
 *   satisfaction  the latest CSAT (1-5) as (csat − 1) × 25, else the latest
 *                 NPS answer (0-10) × 10; with neither the component is
 *                 left out and the others' weights are used alone.
 * health = round(Σ weight × component / Σ weight over the components used).
 */
#ifndef CRM_HEALTH_H
#define CRM_HEALTH_H

#include <stdint.h>

#include "config.h"

struct crm_health_input {
	int64_t recency_days;  /* today − last purchase day */
	double repeat;         /* x: purchase days after the first */
	double span_days;      /* t_x in days: last − first purchase day */
	uint32_t recent_days, prior_days; /* purchase days in the two windows */
	int open_tickets;
	int last_csat;         /* 1-5, or -1 */
	int last_nps;          /* 0-10, or -1 */
	int churn_days;        /* lifecycle.churn_days */
};

/* Each component (CRM_HEALTH_*, 0-100; -1 when not available). */
void crm_health_components(const struct crm_health_input *in, double out[CRM_HEALTH_N]);
/* The weighted score 0-100 (weights as in config; all zero gives 0). */
int crm_health_score(const struct crm_health_input *in, const double weights[CRM_HEALTH_N]);

/* The lead rules used when the configuration has no score.lead_points. */
struct crm_lead_rule {
	const char *expr;
	int points;
};
extern const struct crm_lead_rule crm_lead_default_rules[];
extern const size_t crm_lead_default_count;

#endif
