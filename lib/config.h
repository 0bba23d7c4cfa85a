/*
 * config — the YAML configuration (libyaml) as typed settings with defaults.
 *
 * Lookup: an explicit path (--config), else $CRM_CONFIG, else
 * $XDG_CONFIG_HOME/crm/config.yaml (~/.config/crm/config.yaml). A missing
 * default file is not an error (every key has a default); a missing explicit
 * file is. An unknown key or a bad value is an error naming the file, line
 * and key path, with the nearest valid key suggested:
 *   crm-import: config.yaml:7: unknown key "phone_regon" (did you mean "phone_region"?)
 * The accepted keys are a table in config.c: adding a key is one row there,
 * one field here, and one entry in man/crm-config.5.
 */
#ifndef CRM_CONFIG_H
#define CRM_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "date.h"

/* A KPI target (report.targets.METRIC: {min: x, max: y}): a value below
 * min or above max misses it. */
struct crm_target {
	char *metric;   /* a crm-report metric name (kpi.h) */
	double min, max;
	int has_min, has_max;
	long line;
};

/* "1 unit of currency = micro / 1e6 units of the base currency". */
struct crm_rate {
	char currency[4];
	int64_t micro;
};

/* One extra header synonym: a column called header maps to field for kind. */
struct crm_synonym {
	char *kind;    /* "customers", "orders", "interactions", "tickets" */
	char *field;   /* field name, checked by mapping.c */
	char *header;  /* the column header as it appears in exports */
	long line;     /* line in the config file, for messages */
};

/* A named rule segment: name: "expression". */
struct crm_named_rule {
	char *name;
	char *expr;
	long line;
};

enum { CRM_RFM_QUINTILES = 0, CRM_RFM_THRESHOLDS = 1 };
enum { CRM_UNIT_WEEK = 0, CRM_UNIT_DAY = 1 };
/* Components of crm-score's health score (score.health.*). */
enum { CRM_HEALTH_RHYTHM, CRM_HEALTH_TREND, CRM_HEALTH_COMPLAINTS, CRM_HEALTH_SATISFACTION,
       CRM_HEALTH_N };

/* A map entry NAME: whole number (cadences, SLA hours). */
/* remind.owner_emails.OWNER: the address crm-remind --mail writes to. */
struct crm_owner_email {
	char *owner;
	char *address;
};

struct crm_name_int {
	char *name;
	long value;  /* a cadence of 0 is "off" */
	long line;
};

/* remind.date_rules.NAME: a reminder days_ahead days before the date a
 * customer column holds (an imported, unmapped column or a field). */
struct crm_date_rule {
	char *name;      /* the rule column of the reminders */
	char *column;    /* the customer column holding the date */
	int days_ahead;  /* default 30 */
	int priority;    /* 0 urgent, 1 high, 2 normal (default), 3 low */
	int yearly;      /* the date's month and day every year; default 0 */
	long line;
};

/* remind.templates.LANG: a message template file for customers of that
 * language ("default" for the others). */
struct crm_lang_file {
	char *lang;      /* a language tag as written (e.g. zh-TW), or "default" */
	char *path;      /* the file; a relative path is taken from the
	                  * configuration file's directory */
	long line;
};

/* dedupe.weights.FIELD: the weights (bits) of exact, close, weak, none. */
struct crm_dedupe_weight {
	char *field;
	double bits[4];
	long line;
};

struct crm_config {
	char *path;                      /* file read, or NULL (defaults only) */
	char currency[4];                /* base currency, default "CNY" */
	char phone_region[3];            /* default "CN" */
	enum crm_date_order date_order;  /* for 05/03/2024; default DMY */
	int roc_years;                   /* accept 民國 / ROC years; default 1 */
	struct crm_rate *rates;          /* exchange_rates: {USD: 7.1, ...} */
	size_t nrates;
	struct crm_synonym *synonyms;    /* headers: {kind: {field: [h, ...]}} */
	size_t nsynonyms;
	struct crm_named_rule *segments; /* segments: {name: "expr"} */
	size_t nsegments;
	int busy_timeout_ms;             /* store.busy_timeout_ms, default 10000 */
	/* RFM scoring (crm-segment): quintiles over the customers with paid
	 * orders, or fixed cut points. A list of 4 increasing cut points gives
	 * scores 1-5: recency_days <= c[0] is R5 ... > c[3] is R1; frequency
	 * and monetary (major units) >= c[3] is 5 ... < c[0] is 1. */
	int rfm_method;                  /* rfm.method: 0 quintiles, 1 thresholds */
	double rfm_cuts[3][4];           /* rfm.recency_days, .frequency, .monetary */
	int rfm_have_cuts[3];            /* which lists were given */
	/* Lifecycle windows in days (lib/lifecycle.h states the rules). */
	int lifecycle_new_days;          /* lifecycle.new_days, default 30 */
	int lifecycle_at_risk_days;      /* lifecycle.at_risk_days, default 90 */
	int lifecycle_churn_days;        /* lifecycle.churn_days, default 180 */
	int lifecycle_loyal_orders;      /* lifecycle.loyal_orders, default 5 */
	/* crm-score model settings. */
	int score_unit;                  /* score.unit: week (default) or day */
	int score_horizon_days;          /* score.horizon_days, default 365 */
	double score_discount_rate;      /* score.discount_rate, annual, default 0.10 */
	double score_margin;             /* score.margin, default 1 (revenue) */
	double health_weights[CRM_HEALTH_N]; /* score.health.*: 0.4 0.2 0.2 0.2 */
	/* score.lead_points: {"expression": points, ...}; name holds the
	 * expression, expr the points as written. Default: built-in rules. */
	struct crm_named_rule *lead_points;
	size_t nlead_points;
	/* crm-remind (defaults and rules in man/crm-remind.1). The maps are
	 * empty unless configured; the tool supplies the defaults. */
	struct crm_name_int *cadence_rfm;       /* remind.cadence_rfm: {segment: days} */
	size_t ncadence_rfm;
	struct crm_name_int *cadence_lifecycle; /* remind.cadence_lifecycle: {stage: days} */
	size_t ncadence_lifecycle;
	struct crm_name_int *sla_hours;         /* remind.sla_hours: {severity: hours} */
	size_t nsla_hours;
	struct crm_named_rule *remind_rules;    /* remind.rules: {name: "expression"} */
	size_t nremind_rules;
	char *remind_manager;                   /* remind.manager, default "" */
	int remind_winback_percent;             /* remind.winback_top_percent, default 20 */
	int remind_satisfaction_days;           /* remind.satisfaction_days, default 2 */
	int remind_birthday_days;               /* remind.birthday_days, default 7 */
	int remind_anniversary_days;            /* remind.anniversary_days, default 7 */
	int remind_rule_every_days;             /* remind.rule_every_days, default 7 */
	int remind_reclaim_days;                /* remind.reclaim_days, default 30 */
	int remind_reclaim_order_days;          /* remind.reclaim_order_days, default 0 (off) */
	struct crm_owner_email *owner_emails;   /* remind.owner_emails: {owner: address} */
	size_t nowner_emails;
	struct crm_date_rule *date_rules;       /* remind.date_rules: {name: {column: ...}} */
	size_t ndate_rules;
	struct crm_lang_file *remind_templates; /* remind.templates: {lang: file} */
	size_t nremind_templates;
	char *remind_language_column;           /* remind.language_column, default "language" */
	double dedupe_merge_threshold;          /* dedupe.merge_threshold, default 0.95 */
	double dedupe_review_threshold;         /* dedupe.review_threshold, default 0.5 */
	double dedupe_apart_threshold;          /* dedupe.apart_threshold, default 0.01 */
	int dedupe_block_cap;                   /* dedupe.block_cap, default 40 */
	struct crm_dedupe_weight *dedupe_weights; /* dedupe.weights: {field: [4 bits]} */
	size_t ndedupe_weights;
	/* crm-report. Complaint SLAs come from remind.sla_hours. */
	struct crm_target *targets;             /* report.targets: {metric: {min|max: x}} */
	size_t ntargets;
	int report_lang;                        /* report.lang: 0 en (default), 1 zh-CN, 2 zh-TW */
	int report_cohort_months;               /* report.cohort_months, default 12 */
	int report_top;                         /* report.top_customers, default 10 */
};


/* Load the configuration. path may be NULL (lookup as above). On success
 * returns 0 and sets *out (free with crm_config_free). On error prints every
 * problem found (one crm_warn line each), sets *out to NULL and returns
 * CRM_EX_CONFIG (78): that covers a syntax error, an unknown key, a bad
 * value, and an explicit path or $CRM_CONFIG naming a file that cannot be
 * read. An empty file gives the defaults. */
int crm_config_load(const char *path, struct crm_config **out);
/* Defaults only, never fails. */
struct crm_config *crm_config_defaults(void);
void crm_config_free(struct crm_config *c);

/* The address for owner: remind.owner_emails, else the owner itself when it
 * is an address; NULL when there is none. */
const char *crm_config_owner_email(const struct crm_config *c, const char *owner);

/* Rate of currency (matched case-insensitively) in micro-units of the base
 * currency, 1000000 for the base itself, or -1 when unknown. */
int64_t crm_config_rate(const struct crm_config *c, const char *currency);

/* The ticket severities remind.sla_hours may name (NULL-terminated):
 * low, normal, high, urgent, critical. */
extern const char *const crm_config_severities[];
/* Check the names of remind.sla_hours against them: one message per
 * unknown name ("file:line: remind.sla_hours.hgih: no such severity (did
 * you mean "high"?)"). Returns 0, or CRM_EX_CONFIG after the messages. */
int crm_config_check_severities(const struct crm_config *c);
/* As crm_config_check_severities, for a map of cadences (remind.cadence_rfm
 * or remind.cadence_lifecycle, named by key) against the names allowed
 * (n of them): "no such RFM segment" / "no such lifecycle stage" (what). */
int crm_config_check_names(const struct crm_config *c, const char *key,
                           const struct crm_name_int *v, size_t nv,
                           const char *const *allowed, size_t n, const char *what);
/* The nearest of n names to s within a few edits, or NULL (for "did you
 * mean" suggestions). */
const char *crm_config_nearest(const char *s, const char *const *names, size_t n);

/* Hours allowed to resolve a ticket of this severity: remind.sla_hours,
 * else urgent and critical 4, high 24, normal 72, low 168; a severity
 * nobody configured counts as normal. (crm-remind escalates past it;
 * crm-report's within_sla_rate measures against it.) */
long crm_config_sla_hours(const struct crm_config *c, const char *severity);

/* Levenshtein distance between two byte strings, for "did you mean"
 * suggestions across the toolkit. Memory O(min(strlen(a), strlen(b))). */
size_t crm_edit_distance(const char *a, const char *b);

#endif
