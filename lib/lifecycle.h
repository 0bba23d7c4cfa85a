/*
 * lifecycle — a customer's stage as of a day, from the figures of
 * lib/summary. Windows come from config (lifecycle.*); defaults in
 * brackets. recency = today − last paid order's day, tenure = today − first
 * paid order's day, gap = last paid order's day − the paid order day before
 * it. The rules are tried in order, first match wins:
 *
 *   lead         no paid order
 *   churned      recency >= churn_days [180]: no paid order in the last
 *                churn_days days, today included (not "active", SPEC §8)
 *   at_risk      recency >= at_risk_days [90]
 *   reactivated  gap > churn_days: the latest order came after the customer
 *                had churned
 *   new          tenure < new_days [30]: first order within the last
 *                new_days days, today included
 *   loyal        paid orders >= loyal_orders [5]
 *   repeat       paid orders >= 2
 *   active       otherwise (one paid order, recent)
 */
#ifndef CRM_LIFECYCLE_H
#define CRM_LIFECYCLE_H

#include <stdint.h>

#include "summary.h"

enum crm_lifecycle {
	CRM_LC_LEAD,
	CRM_LC_NEW,
	CRM_LC_ACTIVE,
	CRM_LC_REPEAT,
	CRM_LC_LOYAL,
	CRM_LC_AT_RISK,
	CRM_LC_CHURNED,
	CRM_LC_REACTIVATED,
	CRM_LC_COUNT
};

extern const char *const crm_lifecycle_names[CRM_LC_COUNT];

struct crm_lifecycle_windows {
	int new_days, at_risk_days, churn_days, loyal_orders;
};

/* The windows set in the configuration (or their defaults). */
struct crm_lifecycle_windows crm_lifecycle_from_config(const struct crm_config *cfg);

enum crm_lifecycle crm_lifecycle_stage(const struct crm_customer *c, int64_t today,
                                       const struct crm_lifecycle_windows *w);

#endif
