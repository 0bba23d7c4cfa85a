/*
 * reclaim — the shared customer pool (公海), as Chinese CRMs keep it: a
 * customer whose owner has logged no follow-up for N days (remind.reclaim_days),
 * or who has placed no paid order for M days (remind.reclaim_order_days, when
 * set), goes back to the pool for another salesperson to take.
 *
 * A follow-up is an interaction logged by the customer's owner, or one with
 * no owner recorded; a customer with none counts from its creation. Clearing
 * the owners (crm_reclaim_apply) records each one's owner and updated_at in
 * owner_history under a run id, so crm_reclaim_restore puts them back.
 * Both run inside the caller's transaction.
 */
#ifndef CRM_RECLAIM_H
#define CRM_RECLAIM_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct crm_reclaim_row {
	int64_t id;
	char *external_id, *name, *owner;
	char *last_follow_up; /* "YYYY-MM-DD", or "" for none */
	char *last_order;     /* "YYYY-MM-DD", or "" for none */
	char *reason;         /* "no follow-up by 王芳 for 45 days (limit 30)" ... */
};

/* The customers due to return to the pool as of today (days since
 * 1970-01-01); owner NULL for every owner. order_days 0: that rule is off.
 * Returns the count; *rows is malloc'd (crm_reclaim_rows_free). */
size_t crm_reclaim_find(crm_store *s, int64_t today, int follow_days, int order_days,
                        const char *owner, struct crm_reclaim_row **rows);
void crm_reclaim_rows_free(struct crm_reclaim_row *rows, size_t n);

/* Clear the owner of each row's customer (updated_at = now), logged under a
 * new run; returns the run id. */
int64_t crm_reclaim_apply(crm_store *s, const struct crm_reclaim_row *rows, size_t n,
                          const char *now);
/* Give run's customers their owners back, except a customer that has an
 * owner again (someone took it from the pool: counted in *kept). Returns 0,
 * or CRM_EX_DATAERR (65) after a message for an unknown or restored run. */
int crm_reclaim_restore(crm_store *s, int64_t run, const char *now, size_t *restored,
                        size_t *kept);

#endif
