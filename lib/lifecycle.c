/*
 * lifecycle.c — the stage rules of lifecycle.h.
 */
#include "lifecycle.h"

const char *const crm_lifecycle_names[CRM_LC_COUNT] = {
	"lead", "new", "active", "repeat", "loyal", "at_risk", "churned",
	"reactivated",
};

struct crm_lifecycle_windows
crm_lifecycle_from_config(const struct crm_config *cfg)
{
	return (struct crm_lifecycle_windows){
		.new_days = cfg->lifecycle_new_days,
		.at_risk_days = cfg->lifecycle_at_risk_days,
		.churn_days = cfg->lifecycle_churn_days,
		.loyal_orders = cfg->lifecycle_loyal_orders,
	};
}

enum crm_lifecycle
crm_lifecycle_stage(const struct crm_customer *c, int64_t today,
                    const struct crm_lifecycle_windows *w)
{
	int64_t recency, tenure;

	if (c->orders == 0 || c->last_order == CRM_NO_DAY)
		return CRM_LC_LEAD;
	recency = today - c->last_order;
	tenure = today - c->first_order;
	if (recency >= w->churn_days)
		return CRM_LC_CHURNED;
	if (recency >= w->at_risk_days)
		return CRM_LC_AT_RISK;
	if (c->prev_order != CRM_NO_DAY && c->last_order - c->prev_order > w->churn_days)
		return CRM_LC_REACTIVATED;
	if (tenure < w->new_days)
		return CRM_LC_NEW;
	if (c->orders >= (uint32_t)w->loyal_orders)
		return CRM_LC_LOYAL;
	if (c->orders >= 2)
		return CRM_LC_REPEAT;
	return CRM_LC_ACTIVE;
}
