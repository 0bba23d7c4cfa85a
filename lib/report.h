/*
 * report — crm-report's document: the KPI table (value, previous period,
 * last year, change, target, status, 12-period sparkline), revenue and
 * active customers over the last 12 periods, segment distribution and
 * migration (from crm-segment --save history), the monthly cohort triangle,
 * the top customers and the high-value customers at risk; built from a
 * finished crm_kpi (lib/kpi) into a crm_doc (lib/doc) for any format.
 *
 * For people (text, markdown, html) values are formatted and labels
 * translated (lib/i18n); for programs (csv, tsv, json, xlsx) the KPI table has the
 * columns of SPEC §8, metric,value,previous,last_year,change,target,status
 * (with --by a first column named by the group), values plain numbers
 * (rates as fractions, money in major units, durations in hours), a value
 * with no meaning (division by zero) empty in CSV and null in JSON, change
 * = value − previous, target "<=X", ">=X" or ">=X <=Y", status ok, miss or
 * empty (no target or no value).
 */
#ifndef CRM_REPORT_H
#define CRM_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "doc.h"
#include "kpi.h"
#include "store.h"
#include "summary.h"

/* Sections, for --section. */
enum crm_report_section {
	CRM_SECTION_KPI = 1 << 0,
	CRM_SECTION_TREND = 1 << 1,
	CRM_SECTION_SEGMENTS = 1 << 2,
	CRM_SECTION_COHORTS = 1 << 3,
	CRM_SECTION_TOP = 1 << 4,
	CRM_SECTION_AT_RISK = 1 << 5,
	CRM_SECTION_ALL = (1 << 6) - 1,
};

/* "kpi", "trend", "segments", "cohorts", "top", "at-risk" → its bit, or 0. */
unsigned crm_report_section_parse(const char *name);

struct crm_report_opts {
	enum crm_doc_format format;
	unsigned sections;   /* bits above; 0: all for people and xlsx, kpi for
	                        csv, tsv and json */
	const char *by_name; /* --by column or field, or NULL */
	int top;             /* rows of the top-customer and at-risk lists */
};

/* Build the report. The KPI values come from k; customer names and
 * figures from sum; segment and score history from s. A period with no
 * data gives a document that says so and holds no table (CSV: the header
 * alone). The caller frees the document. */
crm_doc *crm_report_build(const crm_kpi *k, crm_summary *sum, crm_store *s,
                          const struct crm_config *cfg, const struct crm_report_opts *o);

/* How many KPI values of the period (every group) miss their target; a
 * period with no data counts as one miss, so a cron job never passes it
 * over in silence. */
size_t crm_report_misses(const crm_kpi *k, const struct crm_config *cfg);

/* --explain: the definitions in use (churn window, SLA hours per severity,
 * targets, cohort months) on fp. */
void crm_report_explain(FILE *fp, const struct crm_config *cfg);

#endif
