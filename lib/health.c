/*
 * health.c — the health components and the default lead rules; see health.h.
 */
#include "health.h"

#include <math.h>

/* Contact, engagement and completeness: what a salesperson would weigh.
 * Points add up; the score is clamped to 0-100 by the caller. */
const struct crm_lead_rule crm_lead_default_rules[] = {
	{ "days_since_contact <= 14", 25 },
	{ "days_since_contact > 14 and days_since_contact <= 60", 15 },
	{ "interactions >= 3", 20 },
	{ "interactions >= 1 and interactions < 3", 10 },
	{ "email is not empty", 10 },
	{ "phone is not empty", 10 },
	{ "company is not empty", 5 },
	{ "channel in ('referral', 'partner', '转介绍', '推荐', '轉介紹', '推薦')", 15 },
	{ "days_since_created > 180 and (days_since_contact is empty or days_since_contact > 90)",
	  -20 },
};
const size_t crm_lead_default_count =
	sizeof(crm_lead_default_rules) / sizeof(crm_lead_default_rules[0]);

static double
clamp100(double v)
{
	return v < 0 ? 0 : v > 100 ? 100 : v;
}

void
crm_health_components(const struct crm_health_input *in, double out[CRM_HEALTH_N])
{
	double ratio, total;

	if (in->repeat >= 1 && in->span_days > 0) {
		ratio = (double)in->recency_days / (in->span_days / in->repeat);
		out[CRM_HEALTH_RHYTHM] = ratio <= 1 ? 100 : clamp100(100 * (3 - ratio) / 2);
	} else
		out[CRM_HEALTH_RHYTHM] = in->churn_days > 0 ?
		    clamp100(100 * (1 - (double)in->recency_days / in->churn_days)) : 0;
	total = (double)in->recent_days + in->prior_days;
	out[CRM_HEALTH_TREND] = total == 0 ? 50 :
	    50 + 50 * ((double)in->recent_days - in->prior_days) / total;
	out[CRM_HEALTH_COMPLAINTS] = in->open_tickets <= 0 ? 100 :
	    in->open_tickets == 1 ? 50 : 0;
	if (in->last_csat >= 1 && in->last_csat <= 5)
		out[CRM_HEALTH_SATISFACTION] = (in->last_csat - 1) * 25.0;
	else if (in->last_nps >= 0 && in->last_nps <= 10)
		out[CRM_HEALTH_SATISFACTION] = in->last_nps * 10.0;
	else
		out[CRM_HEALTH_SATISFACTION] = -1;
}

int
crm_health_score(const struct crm_health_input *in, const double weights[CRM_HEALTH_N])
{
	double comp[CRM_HEALTH_N], sum = 0, wsum = 0;
	int i;

	crm_health_components(in, comp);
	for (i = 0; i < CRM_HEALTH_N; i++) {
		if (comp[i] < 0 || weights[i] <= 0)
			continue;
		sum += weights[i] * comp[i];
		wsum += weights[i];
	}
	return wsum > 0 ? (int)lround(clamp100(sum / wsum)) : 0;
}
