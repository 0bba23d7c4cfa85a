/*
 * report.c — crm-report's sections as a document (see report.h).
 */
#include "report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "date.h"
#include "diag.h"
#include "i18n.h"
#include "lifecycle.h"
#include "rfm.h"

/* The labels people read, by metric (msgids of po/crm-tools.pot). */
static const char *const kpi_labels[CRM_KPI_COUNT] = {
	N_("Customers at period end"),
	N_("New customers"),
	N_("New leads"),
	N_("Active customers (buyers)"),
	N_("Churned customers"),
	N_("Churn rate"),
	N_("Retention rate"),
	N_("Reactivated customers"),
	N_("Repeat purchase rate"),
	N_("Repeat purchase rate (lifetime)"),
	N_("Lead-to-customer conversion rate"),
	N_("Orders"),
	N_("Revenue"),
	N_("Average order value"),
	N_("Revenue per active customer"),
	N_("Average CLV"),
	N_("Revenue share of the top 20% by CLV"),
	N_("Complaints opened"),
	N_("Complaints per 100 active customers"),
	N_("Resolution time, median (hours)"),
	N_("Resolution time, 90th percentile (hours)"),
	N_("Resolved within SLA"),
	N_("CSAT (share satisfied)"),
	N_("CSAT (mean, 1-5)"),
	N_("NPS"),
};

unsigned
crm_report_section_parse(const char *name)
{
	static const char *const names[] = { "kpi", "trend", "segments", "cohorts", "top",
	                                      "at-risk" };
	int i = crm_index_of(name, names, sizeof(names) / sizeof(names[0]));

	return i < 0 ? 0 : 1u << i;
}

/* Everything the section builders share. */
struct ctx {
	const crm_kpi *k;
	crm_summary *sum;
	crm_store *s;
	const struct crm_config *cfg;
	const struct crm_report_opts *o;
	bool people;   /* text, markdown, html */
	int digits;    /* the base currency's minor digits */
	double scale;
};

/* ---- numbers ---- */

/* v with thousands separators and decimals digits ("1,234.50"). */
static void
fmt_grouped(double v, int decimals, char *out)
{
	char digits[32], *dot, head[32];
	long long whole;

	snprintf(digits, sizeof digits, "%.*f", decimals, fabs(v));
	dot = strchr(digits, '.');
	whole = strtoll(digits, NULL, 10);
	crm_thousands(whole, head);
	snprintf(out, 64, "%s%s%s", v < 0 && strspn(digits, "0.") != strlen(digits) ? "-" : "",
	         head, dot ? dot : "");
}

/* A value for people; "—" for none. */
static void
fmt_people(const struct ctx *x, enum crm_kpi_metric m, double v, char *out)
{
	if (isnan(v)) {
		snprintf(out, 64, "—");
		return;
	}
	switch (crm_kpi_units[m]) {
	case CRM_UNIT_COUNT: fmt_grouped(v, 0, out); break;
	case CRM_UNIT_RATE: snprintf(out, 64, "%.1f%%", 100 * v); break;
	case CRM_UNIT_MONEY: fmt_grouped(v, x->digits, out); break;
	case CRM_UNIT_HOURS: snprintf(out, 64, "%.1f", v); break;
	case CRM_UNIT_SCORE:
		snprintf(out, 64, m == CRM_KPI_CSAT_MEAN ? "%.2f" : "%.1f", v);
		break;
	}
}

/* A value for programs: a plain number, "" for none. */
static void
fmt_plain(const struct ctx *x, enum crm_kpi_metric m, double v, char *out)
{
	int dec = 0;

	if (isnan(v)) {
		*out = '\0';
		return;
	}
	switch (crm_kpi_units[m]) {
	case CRM_UNIT_COUNT: dec = 0; break;
	case CRM_UNIT_RATE: dec = 4; break;
	case CRM_UNIT_MONEY: dec = x->digits; break;
	case CRM_UNIT_HOURS:
	case CRM_UNIT_SCORE: dec = 2; break;
	}
	snprintf(out, 64, "%.*f", dec, v);
	if (strspn(out, "-0.") == strlen(out) && *out == '-')
		memmove(out, out + 1, strlen(out)); /* no "-0.00" */
}

/* Change for people: relative for counts and money, points for rates,
 * a difference for hours and scores. */
static void
fmt_change(enum crm_kpi_metric m, double v, double prev, char *out)
{
	if (isnan(v) || isnan(prev)) {
		snprintf(out, 64, "—");
		return;
	}
	switch (crm_kpi_units[m]) {
	case CRM_UNIT_COUNT:
	case CRM_UNIT_MONEY:
		if (prev == 0)
			snprintf(out, 64, v == 0 ? "0.0%%" : "—");
		else
			snprintf(out, 64, "%+.1f%%", 100 * (v - prev) / fabs(prev));
		break;
	case CRM_UNIT_RATE:
		snprintf(out, 64, "%+.1f pp", 100 * (v - prev));
		break;
	default:
		snprintf(out, 64, "%+.1f", v - prev);
	}
}

static const struct crm_target *
target_of(const struct crm_config *cfg, enum crm_kpi_metric m)
{
	size_t i;

	for (i = 0; i < cfg->ntargets; i++)
		if (strcmp(cfg->targets[i].metric, crm_kpi_names[m]) == 0)
			return &cfg->targets[i];
	return NULL;
}

/* 1 met, 0 missed, -1 no target or no value. */
static int
target_met(const struct crm_target *t, double v)
{
	if (t == NULL || isnan(v))
		return -1;
	return !((t->has_min && v < t->min) || (t->has_max && v > t->max));
}

static void
fmt_target(const struct ctx *x, enum crm_kpi_metric m, const struct crm_target *t, char *out)
{
	char a[64], b[64];

	*out = '\0';
	if (t == NULL)
		return;
	if (x->people) {
		if (t->has_min)
			fmt_people(x, m, t->min, a);
		if (t->has_max)
			fmt_people(x, m, t->max, b);
		snprintf(out, 160, "%s%s%s%s%s", t->has_min ? "≥ " : "", t->has_min ? a : "",
		         t->has_min && t->has_max ? ", " : "", t->has_max ? "≤ " : "",
		         t->has_max ? b : "");
	} else {
		int n = 0;

		if (t->has_min)
			n = snprintf(out, 160, ">=%.10g", t->min);
		if (t->has_max)
			snprintf(out + n, 160 - (size_t)n, "%s<=%.10g", n ? " " : "", t->max);
	}
}

/* Eight-level sparkline of metric m over the series; a gap for no value. */
static void
sparkline(const crm_kpi *k, size_t g, enum crm_kpi_metric m, char *out)
{
	static const char *const level[8] = { "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" };
	double v[CRM_KPI_SERIES], lo = INFINITY, hi = -INFINITY;
	size_t i;

	*out = '\0';
	for (i = 0; i < CRM_KPI_SERIES; i++) {
		v[i] = crm_kpi_value(k, g, CRM_KPI_SERIES_AT + i, m);
		if (!isnan(v[i])) {
			lo = v[i] < lo ? v[i] : lo;
			hi = v[i] > hi ? v[i] : hi;
		}
	}
	for (i = 0; i < CRM_KPI_SERIES; i++) {
		if (isnan(v[i]))
			strcat(out, " ");
		else
			strcat(out, level[hi > lo ? (int)((v[i] - lo) / (hi - lo) * 7 + 0.5) : 3]);
	}
}

/* ---- the KPI table ---- */

static void
kpi_rows_people(const struct ctx *x, crm_table *t, size_t g)
{
	char val[3][64], change[64], target[160], spark[64];
	const char *cells[8];
	size_t i;
	int m, met;

	for (m = 0; m < CRM_KPI_COUNT; m++) {
		const struct crm_target *tg = target_of(x->cfg, (enum crm_kpi_metric)m);
		double v[3];

		for (i = 0; i < 3; i++) {
			v[i] = crm_kpi_value(x->k, g, i, (enum crm_kpi_metric)m);
			fmt_people(x, (enum crm_kpi_metric)m, v[i], val[i]);
		}
		fmt_change((enum crm_kpi_metric)m, v[0], v[1], change);
		fmt_target(x, (enum crm_kpi_metric)m, tg, target);
		sparkline(x->k, g, (enum crm_kpi_metric)m, spark);
		met = target_met(tg, v[0]);
		cells[0] = crm_tr(kpi_labels[m]);
		cells[1] = val[0], cells[2] = val[1], cells[3] = val[2];
		cells[4] = change;
		cells[5] = target;
		cells[6] = met < 0 ? "" : met ? crm_tr("✔ ok") : crm_tr("✘ miss");
		cells[7] = spark;
		crm_table_add(t, cells);
	}
}

static void
kpi_rows_plain(const struct ctx *x, crm_table *t, size_t g, bool grouped)
{
	char val[3][64], change[64], target[160];
	const char *cells[8], **c = grouped ? cells + 1 : cells;
	int m, met, i;

	cells[0] = crm_kpi_group_label(x->k, g);
	for (m = 0; m < CRM_KPI_COUNT; m++) {
		const struct crm_target *tg = target_of(x->cfg, (enum crm_kpi_metric)m);
		double v[3];

		for (i = 0; i < 3; i++) {
			v[i] = crm_kpi_value(x->k, g, (size_t)i, (enum crm_kpi_metric)m);
			fmt_plain(x, (enum crm_kpi_metric)m, v[i], val[i]);
		}
		fmt_plain(x, (enum crm_kpi_metric)m, v[0] - v[1], change);
		fmt_target(x, (enum crm_kpi_metric)m, tg, target);
		met = target_met(tg, v[0]);
		c[0] = crm_kpi_names[m];
		c[1] = val[0], c[2] = val[1], c[3] = val[2];
		c[4] = change;
		c[5] = target;
		c[6] = met < 0 ? "" : met ? "ok" : "miss";
		crm_table_add(t, cells);
	}
}

static void
add_kpi(crm_doc *d, const struct ctx *x)
{
	const crm_kpi *k = x->k;
	struct crm_doc_section *s;
	crm_table *t;
	size_t g;

	if (x->people) {
		const char *h[8] = { crm_tr("KPI"), crm_kpi_period(k, CRM_KPI_NOW)->label,
		                     crm_kpi_period(k, CRM_KPI_PREV)->label,
		                     crm_kpi_period(k, CRM_KPI_LAST_YEAR)->label, crm_tr("Change"),
		                     crm_tr("Target"), crm_tr("Status"), crm_tr("Last 12 periods") };

		t = crm_table_new(h, 8);
		kpi_rows_people(x, t, 0);
		s = crm_doc_add(d, "kpis", crm_tr("Key figures"), NULL, t);
		s->numeric = 0x3e;
		s->status = 1u << 6;
		return;
	}
	if (x->o->by_name != NULL) {
		const char *h[8] = { x->o->by_name, "metric", "value", "previous", "last_year",
		                     "change", "target", "status" };

		t = crm_table_new(h, 8);
		for (g = 0; g < crm_kpi_ngroups(k); g++)
			kpi_rows_plain(x, t, g, true);
		s = crm_doc_add(d, "kpis", NULL, NULL, t);
		s->numeric = 0x3c;
	} else {
		const char *h[7] = { "metric", "value", "previous", "last_year", "change", "target",
		                     "status" };

		t = crm_table_new(h, 7);
		kpi_rows_plain(x, t, 0, false);
		s = crm_doc_add(d, "kpis", NULL, NULL, t);
		s->numeric = 0x1e;
	}
}

/* --by for people: metric × group, the period's values. */
static void
add_by(crm_doc *d, const struct ctx *x)
{
	size_t ng = crm_kpi_ngroups(x->k), g;
	const char **cells = crm_xcalloc(ng + 1, sizeof(*cells));
	char (*val)[64] = crm_xcalloc(ng + 1, sizeof(*val));
	char *title;
	crm_table *t;
	int m;

	cells[0] = crm_tr("KPI");
	cells[1] = crm_tr("all");
	for (g = 1; g < ng; g++)
		cells[g + 1 - 0] = crm_kpi_group_label(x->k, g);
	t = crm_table_new(cells, ng + 1);
	for (m = 0; m < CRM_KPI_COUNT; m++) {
		cells[0] = crm_tr(kpi_labels[m]);
		for (g = 0; g < ng; g++) {
			fmt_people(x, (enum crm_kpi_metric)m,
			           crm_kpi_value(x->k, g, CRM_KPI_NOW, (enum crm_kpi_metric)m), val[g]);
			cells[g + 1] = val[g];
		}
		crm_table_add(t, cells);
	}
	title = crm_xasprintf(crm_tr("Key figures by %s"), x->o->by_name);
	crm_doc_add(d, "by", title, NULL, t)->numeric = ~(uint64_t)1;
	free(title);
	free(cells);
	free(val);
}

/* ---- revenue and active customers over the series ---- */

static void
add_trend(crm_doc *d, const struct ctx *x)
{
	double rev[CRM_KPI_SERIES], act[CRM_KPI_SERIES], rmax = 0, amax = 0;
	char c[7][64];
	const char *cells[7];
	struct crm_doc_section *s;
	crm_table *t;
	size_t i;

	for (i = 0; i < CRM_KPI_SERIES; i++) {
		rev[i] = crm_kpi_value(x->k, 0, CRM_KPI_SERIES_AT + i, CRM_KPI_REVENUE);
		act[i] = crm_kpi_value(x->k, 0, CRM_KPI_SERIES_AT + i, CRM_KPI_ACTIVE_CUSTOMERS);
		rmax = rev[i] > rmax ? rev[i] : rmax;
		amax = act[i] > amax ? act[i] : amax;
	}
	if (x->people) {
		const char *h[5] = { crm_tr("Period"), crm_tr("Revenue"), "",
		                     crm_tr("Active customers (buyers)"), "" };

		t = crm_table_new(h, 5);
	} else {
		const char *h[7] = { "period", "from", "to", "revenue", "active_customers", "orders",
		                     "new_customers" };
		const enum crm_coltype types[7] = { CRM_COL_TEXT, CRM_COL_DATE, CRM_COL_DATE,
		                                    CRM_COL_MONEY(x->digits), CRM_COL_INT,
		                                    CRM_COL_INT, CRM_COL_INT };

		t = crm_table_new(h, 7);
		crm_table_set_types(t, types);
	}
	for (i = 0; i < CRM_KPI_SERIES; i++) {
		const struct crm_period *p = crm_kpi_period(x->k, CRM_KPI_SERIES_AT + i);

		cells[0] = p->label;
		if (x->people) {
			fmt_people(x, CRM_KPI_REVENUE, rev[i], c[1]);
			snprintf(c[2], 64, "%.4f", rmax > 0 && rev[i] > 0 ? rev[i] / rmax : 0);
			fmt_people(x, CRM_KPI_ACTIVE_CUSTOMERS, act[i], c[3]);
			snprintf(c[4], 64, "%.4f", amax > 0 ? act[i] / amax : 0);
		} else {
			crm_date_format(p->from, c[1]);
			crm_date_format(p->to - 1, c[2]);
			fmt_plain(x, CRM_KPI_REVENUE, rev[i], c[3]);
			fmt_plain(x, CRM_KPI_ACTIVE_CUSTOMERS, act[i], c[4]);
			fmt_plain(x, CRM_KPI_ORDERS, crm_kpi_value(x->k, 0, CRM_KPI_SERIES_AT + i,
			          CRM_KPI_ORDERS), c[5]);
			fmt_plain(x, CRM_KPI_NEW_CUSTOMERS, crm_kpi_value(x->k, 0,
			          CRM_KPI_SERIES_AT + i, CRM_KPI_NEW_CUSTOMERS), c[6]);
		}
		for (int j = 1; j < 7; j++)
			cells[j] = c[j];
		crm_table_add(t, cells);
	}
	s = crm_doc_add(d, "trend", crm_tr("Revenue and active customers, last 12 periods"),
	                NULL, t);
	if (x->people) {
		s->numeric = 0x0a;
		s->bars = 0x14;
	} else
		s->numeric = 0x78;
}

/* ---- the cohort triangle ---- */

static void
add_cohorts(crm_doc *d, const struct ctx *x)
{
	int nc = crm_kpi_cohorts(x->k), c, n;
	char label[16], size[64], (*pct)[16] = crm_xcalloc((size_t)nc + 2, sizeof(*pct));
	const char **cells = crm_xcalloc((size_t)nc + 2, sizeof(*cells));
	struct crm_doc_section *s;
	crm_table *t;

	if (x->people) {
		cells[0] = crm_tr("First purchase");
		cells[1] = crm_tr("Customers");
		for (n = 0; n < nc; n++) {
			snprintf(pct[n + 2], 16, "+%d", n);
			cells[n + 2] = pct[n + 2];
		}
		t = crm_table_new(cells, (size_t)nc + 2);
		for (c = 0; c < nc; c++) {
			int64_t sz = crm_kpi_cohort_size(x->k, c);

			cells[0] = crm_kpi_cohort_label(x->k, c, label);
			cells[1] = crm_thousands(sz, size);
			for (n = 0; n < nc; n++) {
				if (c + n >= nc || sz == 0)
					pct[n + 2][0] = '\0';
				else
					snprintf(pct[n + 2], 16, "%.0f%%",
					         100.0 * (double)crm_kpi_cohort_cell(x->k, c, n) / (double)sz);
				cells[n + 2] = pct[n + 2];
			}
			crm_table_add(t, cells);
		}
		s = crm_doc_add(d, "cohorts", crm_tr("Cohort retention by month of first purchase"),
		                crm_tr("Share of each month's new customers who bought again "
		                       "n months later."), t);
		s->numeric = ~(uint64_t)1;
	} else {
		const char *h[5] = { "cohort", "months_since", "customers", "retained", "rate" };
		const enum crm_coltype types[5] = { CRM_COL_TEXT, CRM_COL_INT, CRM_COL_INT,
		                                    CRM_COL_INT, CRM_COL_PERCENT };
		char a[32], b[32], r[64];

		t = crm_table_new(h, 5);
		crm_table_set_types(t, types);
		for (c = 0; c < nc; c++)
			for (n = 0; c + n < nc; n++) {
				int64_t sz = crm_kpi_cohort_size(x->k, c), in = crm_kpi_cohort_cell(x->k, c, n);

				cells[0] = crm_kpi_cohort_label(x->k, c, label);
				snprintf(size, sizeof size, "%d", n);
				cells[1] = size;
				cells[2] = crm_fmt_int(sz, a);
				cells[3] = crm_fmt_int(in, b);
				if (sz > 0)
					snprintf(r, sizeof r, "%.4f", (double)in / (double)sz);
				else
					r[0] = '\0';
				cells[4] = r;
				crm_table_add(t, cells);
			}
		crm_doc_add(d, "cohorts", NULL, NULL, t)->numeric = 0x1e;
	}
	free(pct);
	free(cells);
}

/* ---- top customers ---- */

struct ranked {
	size_t idx;
	int64_t value;
};

static int
ranked_desc(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->value != y->value)
		return x->value < y->value ? 1 : -1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static void
add_top(crm_doc *d, const struct ctx *x)
{
	size_t n = crm_summary_count(x->sum), i, nr = 0;
	struct ranked *r = crm_xcalloc(n + 1, sizeof(*r));
	double total = crm_kpi_value(x->k, 0, CRM_KPI_NOW, CRM_KPI_REVENUE);
	char rank[32], id[32], rev[64], share[64];
	const char *cells[6];
	crm_table *t;

	for (i = 0; i < n; i++) {
		int64_t v = crm_kpi_customer_revenue(x->k, i, CRM_KPI_NOW);

		if (v > 0)
			r[nr++] = (struct ranked){ i, v };
	}
	qsort(r, nr, sizeof(*r), ranked_desc);
	if (x->people) {
		const char *h[5] = { "#", crm_tr("Customer"), crm_tr("External ID"), crm_tr("Revenue"),
		                     crm_tr("Share of revenue") };

		t = crm_table_new(h, 5);
	} else {
		const char *h[6] = { "rank", "customer_id", "external_id", "name", "revenue", "share" };
		const enum crm_coltype types[6] = { CRM_COL_INT, CRM_COL_INT, CRM_COL_TEXT,
		                                    CRM_COL_TEXT, CRM_COL_MONEY(x->digits),
		                                    CRM_COL_PERCENT };

		t = crm_table_new(h, 6);
		crm_table_set_types(t, types);
	}
	for (i = 0; i < nr && i < (size_t)x->o->top; i++) {
		struct crm_customer *c = crm_summary_at(x->sum, r[i].idx);
		double v = (double)r[i].value / x->scale;

		snprintf(rank, sizeof rank, "%zu", i + 1);
		if (x->people) {
			fmt_people(x, CRM_KPI_REVENUE, v, rev);
			fmt_people(x, CRM_KPI_CHURN_RATE, total > 0 ? v / total : NAN, share);
			cells[0] = rank, cells[1] = crm_summary_name(x->sum, c);
			cells[2] = crm_summary_external_id(x->sum, c);
			cells[3] = rev, cells[4] = share;
		} else {
			fmt_plain(x, CRM_KPI_REVENUE, v, rev);
			fmt_plain(x, CRM_KPI_CHURN_RATE, total > 0 ? v / total : NAN, share);
			cells[0] = rank, cells[1] = crm_fmt_int(c->id, id);
			cells[2] = crm_summary_external_id(x->sum, c);
			cells[3] = crm_summary_name(x->sum, c);
			cells[4] = rev, cells[5] = share;
		}
		crm_table_add(t, cells);
	}
	crm_doc_add(d, "top_customers", crm_tr("Top customers by revenue in the period"),
	            nr == 0 && x->people ? crm_tr("No customer bought in the period.") : NULL,
	            t)->numeric = x->people ? 0x19 : 0x33;
	free(r);
}

/* ---- high-value customers at risk ---- */

/* The latest day of table's history on or before day, or NULL. */
static char *
history_day(crm_store *s, const char *sql, int32_t day)
{
	sqlite3_stmt *st = crm_store_prepare(s, sql);
	char text[16], *out = NULL;

	crm_date_format(day, text);
	crm_store_bind_text(s, st, 1, text);
	if (crm_store_step(s, st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		out = crm_xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return out;
}

static int32_t
period_last_day(const struct ctx *x, size_t i)
{
	int32_t last = crm_kpi_period(x->k, i)->to - 1;
	int64_t today = crm_summary_today(x->sum);

	return last > today ? (int32_t)today : last;
}

static void
add_at_risk(crm_doc *d, const struct ctx *x)
{
	size_t n = crm_summary_count(x->sum), i, nr = 0;
	struct ranked *r = crm_xcalloc(n + 1, sizeof(*r));
	double *p_alive = NULL;
	char *day = history_day(x->s, "SELECT max(day) FROM score_runs WHERE day <= ?1",
	                        period_last_day(x, CRM_KPI_NOW));
	struct crm_lifecycle_windows w = crm_lifecycle_from_config(x->cfg);
	char val[64], last[16], pa[32], id[32], *note;
	const char *cells[6];
	crm_table *t;

	if (day != NULL) {
		sqlite3_stmt *st = crm_store_prepare(x->s, "SELECT customer_id, p_alive FROM "
		    "score_history WHERE day = ?1 AND p_alive IS NOT NULL");

		p_alive = crm_xcalloc(n + 1, sizeof(*p_alive));
		for (i = 0; i < n; i++)
			p_alive[i] = NAN;
		crm_store_bind_text(x->s, st, 1, day);
		while (crm_store_step(x->s, st) == SQLITE_ROW) {
			struct crm_customer *c = crm_summary_find(x->sum, sqlite3_column_int64(st, 0));

			if (c != NULL)
				p_alive[crm_summary_index(x->sum, c)] = sqlite3_column_double(st, 1);
		}
		sqlite3_finalize(st);
	}
	for (i = 0; i < n; i++) {
		struct crm_customer *c = crm_summary_at(x->sum, i);
		bool risk = p_alive != NULL ? !isnan(p_alive[i]) && p_alive[i] < 0.5 :
		    crm_lifecycle_stage(c, crm_summary_today(x->sum), &w) == CRM_LC_AT_RISK;

		if (risk && crm_kpi_selected(x->k, i) && c->monetary > 0)
			r[nr++] = (struct ranked){ i, c->monetary };
	}
	qsort(r, nr, sizeof(*r), ranked_desc);
	if (x->people) {
		const char *h[5] = { crm_tr("Customer"), crm_tr("External ID"),
		                     crm_tr("Historical value"), crm_tr("Last order"),
		                     p_alive ? crm_tr("P(alive)") : crm_tr("Days since") };

		t = crm_table_new(h, 5);
	} else {
		const char *h[6] = { "customer_id", "external_id", "name", "historical_value",
		                     "last_order", p_alive ? "p_alive" : "recency_days" };
		const enum crm_coltype types[6] = { CRM_COL_INT, CRM_COL_TEXT, CRM_COL_TEXT,
		                                    CRM_COL_MONEY(x->digits), CRM_COL_DATE,
		                                    p_alive ? CRM_COL_DECIMAL : CRM_COL_INT };

		t = crm_table_new(h, 6);
		crm_table_set_types(t, types);
	}
	for (i = 0; i < nr && i < (size_t)x->o->top; i++) {
		struct crm_customer *c = crm_summary_at(x->sum, r[i].idx);
		const char **cc = x->people ? cells : cells + 1;

		(x->people ? fmt_people : fmt_plain)(x, CRM_KPI_REVENUE, (double)c->monetary / x->scale,
		                                     val);
		crm_date_format(c->last_order, last);
		if (p_alive)
			snprintf(pa, sizeof pa, "%.3f", p_alive[r[i].idx]);
		else
			snprintf(pa, sizeof pa, "%lld",
			         (long long)(crm_summary_today(x->sum) - c->last_order));
		cells[0] = crm_fmt_int(c->id, id);
		cc[0] = crm_summary_external_id(x->sum, c);
		if (x->people) {
			cc[0] = crm_summary_name(x->sum, c);
			cc[1] = crm_summary_external_id(x->sum, c);
			cc[2] = val, cc[3] = last, cc[4] = pa;
		} else {
			cc[1] = crm_summary_name(x->sum, c);
			cc[2] = val, cc[3] = last, cc[4] = pa;
		}
		crm_table_add(t, cells);
	}
	if (p_alive)
		note = crm_xasprintf(crm_tr("P(alive) below 0.5 in the crm-score run of %s, "
		                            "by historical value."), day);
	else
		note = crm_xstrdup(crm_tr("Lifecycle stage at_risk today, by historical value "
		                          "(save crm-score runs for P(alive))."));
	crm_doc_add(d, "at_risk", crm_tr("High-value customers at risk"), x->people ? note : NULL,
	            t)->numeric = x->people ? 0x14 : 0x29;
	free(note);
	free(p_alive);
	free(day);
	free(r);
}

/* ---- segments ---- */

/* Segment of each selected customer (summary index → segment number,
 * -1 unknown) on a saved day. RFM segments, then "no_orders". */
static int8_t *
segments_on(const struct ctx *x, const char *day)
{
	size_t n = crm_summary_count(x->sum), i;
	int8_t *seg = crm_xcalloc(n + 1, 1);
	sqlite3_stmt *st = crm_store_prepare(x->s, "SELECT customer_id, rfm_segment FROM "
	    "segment_history WHERE day = ?1");

	for (i = 0; i < n; i++)
		seg[i] = -1;
	crm_store_bind_text(x->s, st, 1, day);
	while (crm_store_step(x->s, st) == SQLITE_ROW) {
		struct crm_customer *c = crm_summary_find(x->sum, sqlite3_column_int64(st, 0));
		const char *name = (const char *)sqlite3_column_text(st, 1);
		int k = name ? crm_index_of(name, crm_rfm_segment_names, CRM_SEG_COUNT) : CRM_SEG_COUNT;

		if (c != NULL && k >= 0 && crm_kpi_selected(x->k, crm_summary_index(x->sum, c)))
			seg[crm_summary_index(x->sum, c)] = (int8_t)k;
	}
	sqlite3_finalize(st);
	return seg;
}

static const char *
segment_name(int k)
{
	return k < CRM_SEG_COUNT ? crm_rfm_segment_names[k] : "no_orders";
}

static void
add_segments(crm_doc *d, const struct ctx *x)
{
	const char *sql = "SELECT max(day) FROM segment_history WHERE day <= ?1";
	char *now = history_day(x->s, sql, period_last_day(x, CRM_KPI_NOW));
	char *prev = history_day(x->s, sql, period_last_day(x, CRM_KPI_PREV));
	int64_t cnt[CRM_SEG_COUNT + 1] = { 0 }, pcnt[CRM_SEG_COUNT + 1] = { 0 };
	int64_t (*move)[CRM_SEG_COUNT + 1] = NULL, total = 0;
	size_t n = crm_summary_count(x->sum), i;
	int8_t *a, *b = NULL;
	char c1[32], c2[32], c3[64], *note;
	const char *cells[5];
	crm_table *t;
	int k, j;

	if (now == NULL) {
		if (x->people)
			crm_doc_add(d, "segments", crm_tr("Segments"), crm_tr("No segment history saved "
			            "on or before the period's end (run crm-segment --save)."), NULL);
		free(prev);
		return;
	}
	if (prev != NULL && strcmp(prev, now) == 0) {
		free(prev);
		prev = NULL;
	}
	a = segments_on(x, now);
	if (prev != NULL) {
		b = segments_on(x, prev);
		move = crm_xcalloc(CRM_SEG_COUNT + 1, sizeof(*move));
	}
	for (i = 0; i < n; i++) {
		if (a[i] >= 0)
			cnt[a[i]]++, total++;
		if (b != NULL && b[i] >= 0)
			pcnt[b[i]]++;
		if (b != NULL && a[i] >= 0 && b[i] >= 0)
			move[b[i]][a[i]]++;
	}
	{
		const char *h[4] = { x->people ? crm_tr("Segment") : "segment",
		                     x->people ? crm_tr("Customers") : "customers",
		                     x->people ? crm_tr("Share") : "share",
		                     x->people ? crm_tr("Previous") : "previous" };

		const enum crm_coltype types[4] = { CRM_COL_TEXT, CRM_COL_INT, CRM_COL_PERCENT,
		                                    CRM_COL_INT };

		t = crm_table_new(h, 4);
		crm_table_set_types(t, types);
	}
	for (k = 0; k <= CRM_SEG_COUNT; k++) {
		if (cnt[k] == 0 && pcnt[k] == 0)
			continue;
		cells[0] = segment_name(k);
		cells[1] = crm_fmt_int(cnt[k], c1);
		if (x->people)
			fmt_people(x, CRM_KPI_CHURN_RATE, total ? (double)cnt[k] / (double)total : NAN, c3);
		else
			fmt_plain(x, CRM_KPI_CHURN_RATE, total ? (double)cnt[k] / (double)total : NAN, c3);
		cells[2] = c3;
		cells[3] = b ? crm_fmt_int(pcnt[k], c2) : "";
		crm_table_add(t, cells);
	}
	note = prev ? crm_xasprintf(crm_tr("RFM segments saved on %s; previous: %s."), now, prev) :
	    crm_xasprintf(crm_tr("RFM segments saved on %s."), now);
	crm_doc_add(d, "segments", crm_tr("Segments"), x->people ? note : NULL, t)->numeric = 0x0e;
	free(note);
	if (move != NULL && x->people) {
		const char *h[3] = { crm_tr("From"), crm_tr("To"), crm_tr("Customers") };

		t = crm_table_new(h, 3);
		for (k = 0; k <= CRM_SEG_COUNT; k++)
			for (j = 0; j <= CRM_SEG_COUNT; j++)
				if (j != k && move[k][j] > 0) {
					cells[0] = segment_name(k);
					cells[1] = segment_name(j);
					cells[2] = crm_fmt_int(move[k][j], c1);
					crm_table_add(t, cells);
				}
		crm_doc_add(d, "migration", crm_tr("Segment migration since the previous period"),
		            crm_table_nrows(t) == 0 ? crm_tr("No customer changed segment.") : NULL,
		            t)->numeric = 0x4;
	}
	free(a);
	free(b);
	free(move);
	free(now);
	free(prev);
}

/* ---- the document ---- */

crm_doc *
crm_report_build(const crm_kpi *k, crm_summary *sum, crm_store *s,
                 const struct crm_config *cfg, const struct crm_report_opts *o)
{
	const struct crm_period *p = crm_kpi_period(k, CRM_KPI_NOW);
	struct ctx x = { k, sum, s, cfg, o, o->format == CRM_DOC_TEXT ||
	                 o->format == CRM_DOC_MARKDOWN || o->format == CRM_DOC_HTML,
	                 crm_summary_digits(sum), crm_summary_scale(sum) };
	/* A workbook holds every section, a sheet each; CSV and JSON the KPIs. */
	unsigned want = o->sections ? o->sections :
	    x.people || o->format == CRM_DOC_XLSX ? CRM_SECTION_ALL : CRM_SECTION_KPI;
	char from[16], to[16], today[16], *title;
	crm_doc *d;

	crm_date_format(p->from, from);
	crm_date_format(p->to - 1, to);
	crm_date_format(crm_summary_today(sum), today);
	title = crm_xasprintf(crm_tr("KPI report %s"), p->label);
	d = crm_doc_new(title);
	free(title);
	crm_doc_line(d, crm_tr("%s to %s, compared with %s and %s; as of %s; money in %s"), from,
	             to, crm_kpi_period(k, CRM_KPI_PREV)->label,
	             crm_kpi_period(k, CRM_KPI_LAST_YEAR)->label, today, cfg->currency);
	crm_doc_meta(d, "period", p->label);
	crm_doc_meta(d, "from", from);
	crm_doc_meta(d, "to", to);
	crm_doc_meta(d, "previous", crm_kpi_period(k, CRM_KPI_PREV)->label);
	crm_doc_meta(d, "last_year", crm_kpi_period(k, CRM_KPI_LAST_YEAR)->label);
	crm_doc_meta(d, "as_of", today);
	crm_doc_meta(d, "currency", cfg->currency);
	if (crm_kpi_empty(k, 0, CRM_KPI_NOW)) {
		char *msg = crm_xasprintf(crm_tr("No data for %s (%s to %s): no orders, refunds, "
		                                 "new leads, complaints or survey answers in this "
		                                 "period."), p->label, from, to);

		crm_doc_meta(d, "no_data", msg);
		if (x.people)
			crm_doc_add(d, "no_data", NULL, msg, NULL);
		else if (o->format != CRM_DOC_JSON)
			crm_warn("%s", msg);
		if (!x.people && (want == CRM_SECTION_KPI ||
		                  (o->format == CRM_DOC_XLSX && (want & CRM_SECTION_KPI)))) {
			const char *h[7] = { "metric", "value", "previous", "last_year", "change",
			                     "target", "status" };

			crm_doc_add(d, "kpis", NULL, NULL, crm_table_new(h, 7));
		}
		free(msg);
		return d;
	}
	if (want & CRM_SECTION_KPI) {
		add_kpi(d, &x);
		if (x.people && o->by_name != NULL)
			add_by(d, &x);
	}
	if (want & CRM_SECTION_TREND)
		add_trend(d, &x);
	if (want & CRM_SECTION_SEGMENTS)
		add_segments(d, &x);
	if (want & CRM_SECTION_COHORTS)
		add_cohorts(d, &x);
	if (want & CRM_SECTION_TOP)
		add_top(d, &x);
	if (want & CRM_SECTION_AT_RISK)
		add_at_risk(d, &x);
	return d;
}

size_t
crm_report_misses(const crm_kpi *k, const struct crm_config *cfg)
{
	size_t g, n = 0;
	int m;

	if (crm_kpi_empty(k, 0, CRM_KPI_NOW))
		return 1;
	for (g = 0; g < crm_kpi_ngroups(k); g++)
		for (m = 0; m < CRM_KPI_COUNT; m++)
			n += target_met(target_of(cfg, (enum crm_kpi_metric)m),
			                crm_kpi_value(k, g, CRM_KPI_NOW, (enum crm_kpi_metric)m)) == 0;
	return n;
}

void
crm_report_explain(FILE *fp, const struct crm_config *cfg)
{
	static const char *const severities[] = { "urgent", "critical", "high", "normal", "low" };
	size_t i;

	fprintf(fp, "paid order: status paid, dated on or before the --as-of day; refunds are\n"
	        "  taken off revenue on their own date; money in %s (exchange_rates)\n",
	        cfg->currency);
	fprintf(fp, "active at day t: a paid order in [t - %d days, t) (lifecycle.churn_days)\n",
	        cfg->lifecycle_churn_days);
	fprintf(fp, "churn_rate: active at the start, not at the end / active at the start\n"
	        "retention_rate: active at start and end / active at the start\n"
	        "conversion_rate: leads buying first in the period / (leads open at the\n"
	        "  start + leads created in the period)\n");
	fprintf(fp, "SLA hours (remind.sla_hours):");
	for (i = 0; i < sizeof(severities) / sizeof(severities[0]); i++)
		fprintf(fp, " %s %ld", severities[i], crm_config_sla_hours(cfg, severities[i]));
	for (i = 0; i < cfg->nsla_hours; i++)
		if (crm_index_of(cfg->sla_hours[i].name, severities, 5) < 0)
			fprintf(fp, " %s %ld", cfg->sla_hours[i].name, cfg->sla_hours[i].value);
	fprintf(fp, "; any other severity %ld\n", crm_config_sla_hours(cfg, ""));
	fprintf(fp, "cohort months: %d (report.cohort_months)\n", cfg->report_cohort_months);
	if (cfg->ntargets == 0)
		fprintf(fp, "targets: none (report.targets)\n");
	for (i = 0; i < cfg->ntargets; i++) {
		fprintf(fp, "target %s:", cfg->targets[i].metric);
		if (cfg->targets[i].has_min)
			fprintf(fp, " min %g", cfg->targets[i].min);
		if (cfg->targets[i].has_max)
			fprintf(fp, " max %g", cfg->targets[i].max);
		putc('\n', fp);
	}
	fprintf(fp, "every formula: crm-report(1), Definitions\n");
}
