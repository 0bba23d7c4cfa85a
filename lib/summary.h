/*
 * summary — the per-customer figures every analysis tool starts from.
 *
 * One sequential scan of each table fills a dense array of customers (live
 * ones: merged_into IS NULL), so crm-segment, crm-score, crm-report and
 * crm-remind never disagree about a customer and none of them walks an index
 * or GROUPs BY ten million orders. The definitions live here (SPEC §8):
 *
 *   - a paid order is one with status "paid" (refunded and cancelled orders
 *     are left out) dated on or before "today" (the --as-of day);
 *   - money is converted to the base currency with the configured rates and
 *     kept in minor units of the base currency; an order in a currency that
 *     has no rate is left out, with one warning per currency;
 *   - a customer merged into another is answered by its survivor (its orders
 *     moved there when it was merged).
 *
 * Days are days since 1970-01-01; CRM_NO_DAY marks "none".
 */
#ifndef CRM_SUMMARY_H
#define CRM_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "store.h"

#define CRM_NO_DAY INT32_MIN

/* What to load beyond the order figures. */
enum crm_summary_flags {
	CRM_SUMMARY_FIELDS = 1 << 0,  /* the customer fields below */
	CRM_SUMMARY_CONTACT = 1 << 1, /* interactions and tickets figures */
	CRM_SUMMARY_DAYS = 1 << 2,    /* purchase days (struct crm_purchase_days) */
};

/* Customer fields a rule or a stream may use (CRM_SUMMARY_FIELDS). */
enum crm_cfield {
	CRM_F_COMPANY,
	CRM_F_EMAIL,
	CRM_F_PHONE,
	CRM_F_CITY,
	CRM_F_REGION,
	CRM_F_COUNTRY,
	CRM_F_INDUSTRY,
	CRM_F_SIZE,
	CRM_F_OWNER,
	CRM_F_CHANNEL,
	CRM_F_STATUS,
	CRM_F_PREFERRED_CHANNEL,
	CRM_F_BIRTHDAY,
	CRM_F_TAGS,
	CRM_F_SOURCE,
	CRM_NFIELDS
};

/* The fields' names as rules and streams know them (index: enum crm_cfield). */
extern const char *const crm_cfield_names[CRM_NFIELDS];

struct crm_customer {
	int64_t id;
	int32_t created;      /* day the record was created */
	int32_t first_order;  /* first paid order's day, or CRM_NO_DAY */
	int32_t last_order;   /* latest paid order's day, or CRM_NO_DAY */
	int32_t prev_order;   /* latest paid order day before last_order, or CRM_NO_DAY */
	uint32_t orders;      /* paid orders */
	int64_t monetary;     /* their value, minor units of the base currency */
	/* CRM_SUMMARY_CONTACT: */
	int32_t last_contact; /* latest interaction's day, or CRM_NO_DAY */
	int32_t open_tickets; /* tickets open at the end of today */
	uint32_t interactions; /* interactions logged up to today */
	int8_t last_csat;     /* latest CSAT answer (1-5, interaction or ticket), or -1 */
	int8_t last_nps;      /* latest NPS answer (0-10), or -1 */
	int32_t last_csat_day; /* day of that CSAT answer, or CRM_NO_DAY */
	int32_t last_nps_day;  /* day of that NPS answer, or CRM_NO_DAY */
};

/* CRM_SUMMARY_DAYS: paid orders counted by purchase day, as the
 * buy-till-you-die models count them (several orders on one day are one
 * purchase, their values summed). first_order and last_order above are the
 * first and last purchase days. */
struct crm_purchase_days {
	uint32_t days;        /* distinct days with a paid order, up to today */
	int64_t first_value;  /* value of the first day's paid orders */
	uint32_t after_days;  /* distinct days in (today, until] (a holdout period) */
	int64_t after_value;  /* value of the paid orders in (today, until] */
	/* Distinct days in the last window (today − W, today] and the one before
	 * it (today − 2W, today − W], W = lifecycle.churn_days: the trend. */
	uint32_t recent_days, prior_days;
};

typedef struct crm_summary crm_summary;

/* Scan the store as of today. Fatal on store errors. */
crm_summary *crm_summary_load(crm_store *s, const struct crm_config *cfg, int64_t today,
                              unsigned flags);
/* As crm_summary_load, also counting (CRM_SUMMARY_DAYS) the purchase days
 * after today up to until (a holdout period; until >= today). */
crm_summary *crm_summary_load_until(crm_store *s, const struct crm_config *cfg,
                                    int64_t today, int64_t until, unsigned flags);
/* A caller that needs each order (lib/kpi: figures per period) sees them
 * through a hook, during the one order scan, under the definitions above:
 * idx is the live customer's position (a merged-away id answers with its
 * survivor's), day <= today, amount in minor units of the base currency
 * (rates applied as for monetary), refund true for a refund row (status
 * refunded: money that went back on that day; never a paid order).
 * Cancelled orders and orders in a currency without a rate are not passed.
 * Orders come in batches, so the hook can prefetch what it will touch. */
struct crm_order_seen {
	int64_t amount;
	uint32_t idx;
	int32_t day;
	bool refund;
};
typedef void crm_orders_fn(void *arg, const struct crm_order_seen *v, size_t n);
struct crm_summary_hooks {
	/* Called once the customers are loaded, before the order scan (the
	 * caller sizes its per-customer arrays and reads fields); may be NULL. */
	void (*customers)(void *arg, crm_summary *sum);
	crm_orders_fn *orders; /* the paid orders and refund rows up to today */
	void *arg;
};
/* What crm_summary_load_opts loads: the flags, and which fields. */
struct crm_summary_opts {
	unsigned flags;           /* enum crm_summary_flags */
	uint32_t fields;          /* with CRM_SUMMARY_FIELDS: the fields to read, bit
	                           * (1u << f) for enum crm_cfield f; 0 reads all.
	                           * crm_summary_field gives "" for the others. */
	/* Columns of the customers' extra JSON (the imported columns that no
	 * field took) to keep, by name. A name matches a column as crm-import
	 * matches headers (crm_text_key: case, width, spaces and punctuation
	 * do not count), so contract_end finds "Contract End"; with two such
	 * columns the first non-empty one counts. Costs one more scan of the
	 * customers (json_each), only when nextra > 0. */
	const char *const *extra;
	size_t nextra;
};
crm_summary *crm_summary_load_opts(crm_store *s, const struct crm_config *cfg, int64_t today,
                                   const struct crm_summary_opts *o);
/* Extra column k (opts.extra[k]) of c, as text; "" when it has none. */
const char *crm_summary_extra(const crm_summary *sum, const struct crm_customer *c, size_t k);
/* How many live customers have a value in extra column k. */
size_t crm_summary_extra_count(const crm_summary *sum, size_t k);

/* As crm_summary_load, with the hooks above. */
crm_summary *crm_summary_load_hooked(crm_store *s, const struct crm_config *cfg, int64_t today,
                                     unsigned flags, const struct crm_summary_hooks *h);
void crm_summary_free(crm_summary *sum);

/* The live customers, in id order. */
size_t crm_summary_count(const crm_summary *sum);
struct crm_customer *crm_summary_at(crm_summary *sum, size_t i);
/* The customer with this id (a merged-away id answers with its survivor), or
 * NULL when there is none. */
struct crm_customer *crm_summary_find(crm_summary *sum, int64_t id);
/* The purchase days of c (CRM_SUMMARY_DAYS), or NULL without that flag. */
const struct crm_purchase_days *crm_summary_days(const crm_summary *sum,
                                                 const struct crm_customer *c);
/* Position of c in the id order. */
size_t crm_summary_index(const crm_summary *sum, const struct crm_customer *c);

/* The next customer to act on. With a stream (in not NULL): the customer of
 * its next row; a row whose id the store does not know prints
 * "<stdin>:LINE: no customer ID in the store; row skipped", sets *status to
 * 65 and is passed over. Without one: the next live customer in id order.
 * *cursor starts at 0. NULL at the end. */
struct crm_stream;
struct crm_customer *crm_summary_next(crm_summary *sum, struct crm_stream *in, size_t *cursor,
                                      int *status);

/* Text of a customer: external id, name, and (CRM_SUMMARY_FIELDS) the fields
 * above. "" when empty. */
const char *crm_summary_external_id(const crm_summary *sum, const struct crm_customer *c);
const char *crm_summary_name(const crm_summary *sum, const struct crm_customer *c);
const char *crm_summary_field(const crm_summary *sum, const struct crm_customer *c,
                              enum crm_cfield f);

/* Start loading c's figures and text offsets (a loop over customers in an
 * order of its own prefetches a few ahead). Changes nothing. */
void crm_summary_prefetch(const crm_summary *sum, const struct crm_customer *c);

/* The day of a stored date or date-time text ("YYYY-MM-DD[ HH:MM:SS]"), or
 * CRM_NO_DAY when it is not one. */
int32_t crm_summary_day(const char *text);
/* Minor-unit digits of the base currency (2 for CNY, 0 for JPY). */
int crm_summary_digits(const crm_summary *sum);
/* Minor units per major unit of the base currency (100 for CNY, 1 for JPY). */
double crm_summary_scale(const crm_summary *sum);
int64_t crm_summary_today(const crm_summary *sum);

#endif
