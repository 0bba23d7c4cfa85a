/*
 * kpi.c — periods and the report's figures; the definitions are in kpi.h.
 *
 * How one scan serves fifteen periods: a table indexed by day (over the
 * days any period, activity window or cohort can reach) holds, per day, the
 * bit set of periods containing it, of periods ending after it, of the time
 * points t whose window [t − W, t) contains it, and its cohort month. An
 * order then costs one table look-up and a few OR operations on its
 * customer's bit sets: "at least one paid order in period p" is bit p of
 * one1, "at least two" bit p of two (two |= one1 & in; one1 |= in). Money
 * and order counts are summed per group and period as they come.
 */
#include "kpi.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "diag.h"

const char *const crm_kpi_names[CRM_KPI_COUNT] = {
	"customers_total", "new_customers", "new_leads", "active_customers",
	"churned_customers", "churn_rate", "retention_rate", "reactivated_customers",
	"repeat_purchase_rate", "repeat_purchase_rate_lifetime", "conversion_rate", "orders",
	"revenue", "aov", "revenue_per_active", "avg_clv", "top20_revenue_share", "complaints",
	"complaints_per_100_active", "resolution_median_hours", "resolution_p90_hours",
	"within_sla_rate", "csat", "csat_mean", "nps",
};

const enum crm_kpi_unit crm_kpi_units[CRM_KPI_COUNT] = {
	CRM_UNIT_COUNT, CRM_UNIT_COUNT, CRM_UNIT_COUNT, CRM_UNIT_COUNT,
	CRM_UNIT_COUNT, CRM_UNIT_RATE, CRM_UNIT_RATE, CRM_UNIT_COUNT,
	CRM_UNIT_RATE, CRM_UNIT_RATE, CRM_UNIT_RATE, CRM_UNIT_COUNT,
	CRM_UNIT_MONEY, CRM_UNIT_MONEY, CRM_UNIT_MONEY, CRM_UNIT_MONEY, CRM_UNIT_RATE,
	CRM_UNIT_COUNT, CRM_UNIT_SCORE, CRM_UNIT_HOURS, CRM_UNIT_HOURS,
	CRM_UNIT_RATE, CRM_UNIT_RATE, CRM_UNIT_SCORE, CRM_UNIT_SCORE,
};

int
crm_kpi_find(const char *name)
{
	return crm_index_of(name, crm_kpi_names, CRM_KPI_COUNT);
}

/* ---- periods ---- */

static int32_t
month_start(int64_t y, int m)
{
	return (int32_t)crm_days_from_civil(y, m, 1);
}

/* Month number (y × 12 + m − 1) of a day. */
static int64_t
month_of(int64_t day)
{
	int64_t y;
	int m, d;

	crm_civil_from_days(day, &y, &m, &d);
	return y * 12 + m - 1;
}

static int32_t
month_day(int64_t mon)
{
	int64_t y = mon >= 0 ? mon / 12 : -((-mon + 11) / 12);

	return month_start(y, (int)(mon - y * 12) + 1);
}

/* The period of kind k that starts in month mon. */
static struct crm_period
calendar_period(enum crm_period_kind k, int64_t mon)
{
	struct crm_period p = { 0, 0, k, "" };
	int len = k == CRM_PERIOD_MONTH ? 1 : k == CRM_PERIOD_QUARTER ? 3 : 12;
	int64_t y = mon / 12;
	int m = (int)(mon % 12) + 1;

	p.from = month_day(mon);
	p.to = month_day(mon + len);
	if (k == CRM_PERIOD_MONTH)
		snprintf(p.label, sizeof p.label, "%04lld-%02d", (long long)y, m);
	else if (k == CRM_PERIOD_QUARTER)
		snprintf(p.label, sizeof p.label, "%04lld-Q%d", (long long)y, (m - 1) / 3 + 1);
	else
		snprintf(p.label, sizeof p.label, "%04lld", (long long)y);
	return p;
}

int
crm_period_parse(const char *s, struct crm_period *p)
{
	int y = 0, i, n;

	for (i = 0; i < 4; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		y = y * 10 + (s[i] - '0');
	}
	if (y < 1)
		return -1;
	if (s[4] == '\0') {
		*p = calendar_period(CRM_PERIOD_YEAR, (int64_t)y * 12);
		return 0;
	}
	if (s[4] != '-')
		return -1;
	if ((s[5] == 'Q' || s[5] == 'q') && s[6] >= '1' && s[6] <= '4' && s[7] == '\0') {
		*p = calendar_period(CRM_PERIOD_QUARTER, (int64_t)y * 12 + (s[6] - '1') * 3);
		return 0;
	}
	if (s[5] < '0' || s[5] > '9' || s[6] < '0' || s[6] > '9' || s[7] != '\0')
		return -1;
	n = (s[5] - '0') * 10 + (s[6] - '0');
	if (n < 1 || n > 12)
		return -1;
	*p = calendar_period(CRM_PERIOD_MONTH, (int64_t)y * 12 + n - 1);
	return 0;
}

struct crm_period
crm_period_range(int32_t from, int32_t to_incl)
{
	struct crm_period p = { from, to_incl + 1, CRM_PERIOD_RANGE, "" };
	char a[16], b[16];

	crm_date_format(from, a);
	crm_date_format(to_incl, b);
	snprintf(p.label, sizeof p.label, "%s..%s", a, b);
	return p;
}

struct crm_period
crm_period_default(int64_t today)
{
	return calendar_period(CRM_PERIOD_MONTH, month_of(today) - 1);
}

struct crm_period
crm_period_back(const struct crm_period *p, int n)
{
	int len;

	if (p->kind == CRM_PERIOD_RANGE) {
		len = p->to - p->from;
		return crm_period_range(p->from - n * len, p->to - n * len - 1);
	}
	len = p->kind == CRM_PERIOD_MONTH ? 1 : p->kind == CRM_PERIOD_QUARTER ? 3 : 12;
	return calendar_period(p->kind, month_of(p->from) - (int64_t)n * len);
}

/* The same day a year earlier; 29 February becomes the 28th. */
static int32_t
year_before(int32_t day)
{
	int64_t y;
	int m, d;

	crm_civil_from_days(day, &y, &m, &d);
	if (m == 2 && d == 29)
		d = 28;
	return (int32_t)crm_days_from_civil(y - 1, m, d);
}

struct crm_period
crm_period_last_year(const struct crm_period *p)
{
	if (p->kind == CRM_PERIOD_RANGE)
		return crm_period_range(year_before(p->from), year_before(p->to - 1));
	return calendar_period(p->kind, month_of(p->from) - 12);
}

/* ---- the computation ---- */

/* What a day means for the scan (see the file comment). */
struct day_bits {
	uint16_t in;     /* periods containing the day */
	uint16_t before; /* periods ending after the day */
	uint32_t act;    /* time points whose window holds the day */
	int8_t month;    /* cohort month offset, or -1 */
};

/* Sums of one group in one period. */
struct sums {
	int64_t revenue, refunds, orders;       /* minor units; paid orders */
	int64_t total, new_customers, new_leads, open_leads, converted;
	int64_t buyers, repeaters, ever1, ever2;
	int64_t active_from, churned, retained, reactivated;
	int64_t complaints, resolved, within, open_missed;
	int64_t csat_n, csat_satisfied, csat_sum, nps_n, nps_promoters, nps_detractors;
	int64_t clv_n;
	double clv_sum, top20;                  /* top20: NaN until known */
	double *hours;                          /* resolution times */
	size_t nhours, hcap;
};

#define NPOINTS (2 * CRM_KPI_NPERIODS)
_Static_assert(CRM_KPI_NPERIODS <= 16 && NPOINTS <= 32,
               "period bit sets are uint16_t, time points uint32_t");

/* What the scan learns of one customer: one small struct, so an order
 * touches one cache line, not seven arrays. (Net revenue in the three
 * compared periods is apart, in rev: most orders fall outside them.) */
struct cust {
	uint64_t months;       /* cohort months with a paid order */
	uint32_t act;          /* time points the customer is active at */
	int32_t group;         /* -1: not selected; else 0 or 1.. */
	uint16_t one, two;     /* periods with >= 1, >= 2 paid orders */
	uint16_t ever1, ever2; /* periods with >= 1, >= 2 paid orders before their end */
};

struct crm_kpi {
	struct crm_kpi_setup setup;
	struct crm_period periods[CRM_KPI_NPERIODS];
	int32_t points[NPOINTS];           /* the distinct period bounds */
	int npoints;
	uint8_t point_from[CRM_KPI_NPERIODS], point_to[CRM_KPI_NPERIODS];
	int32_t lo, hi;                    /* days the table covers: [lo, hi) */
	struct day_bits *days;
	int64_t cohort_month0;             /* month number of cohort 0 */
	int ncohorts;
	double scale;                      /* minor units per major unit */

	/* per customer (summary index) */
	size_t n;
	struct cust *cust;                 /* crm_big_calloc'ed, cust_bytes */
	size_t cust_bytes;
	int64_t (*rev)[3];                 /* net revenue in NOW, PREV, LAST_YEAR */

	size_t unknown;                    /* stream ids the store does not know */

	/* per group */
	size_t ngroups;
	char **labels;
	struct sums *sums;                 /* ngroups × CRM_KPI_NPERIODS */
	int64_t *cohort_size, *cohort_cell; /* group 0: ncohorts, ncohorts² */
};

static struct sums *
sums_at(const crm_kpi *k, size_t g, size_t p)
{
	return &k->sums[g * CRM_KPI_NPERIODS + p];
}

static int
point_index(crm_kpi *k, int32_t t)
{
	int i;

	for (i = 0; i < k->npoints; i++)
		if (k->points[i] == t)
			return i;
	k->points[k->npoints] = t;
	return k->npoints++;
}

/* The day table over every day a period, a window before one, or a cohort
 * month reaches. */
static void
build_days(crm_kpi *k)
{
	int32_t lo = INT32_MAX, hi = INT32_MIN, d;
	int64_t mon;
	size_t p;
	int j;

	for (p = 0; p < CRM_KPI_NPERIODS; p++) {
		if (k->periods[p].from - k->setup.churn_days < lo)
			lo = k->periods[p].from - k->setup.churn_days;
		if (k->periods[p].to > hi)
			hi = k->periods[p].to;
	}
	if (month_day(k->cohort_month0) < lo)
		lo = month_day(k->cohort_month0);
	if (month_day(k->cohort_month0 + k->ncohorts) > hi)
		hi = month_day(k->cohort_month0 + k->ncohorts);
	k->lo = lo;
	k->hi = hi;
	k->days = crm_xcalloc((size_t)(hi - lo), sizeof(*k->days));
	for (d = lo; d < hi; d++) {
		struct day_bits *b = &k->days[d - lo];

		for (p = 0; p < CRM_KPI_NPERIODS; p++) {
			if (d >= k->periods[p].from && d < k->periods[p].to)
				b->in |= (uint16_t)(1u << p);
			if (d < k->periods[p].to)
				b->before |= (uint16_t)(1u << p);
		}
		for (j = 0; j < k->npoints; j++)
			if (d >= k->points[j] - k->setup.churn_days && d < k->points[j])
				b->act |= 1u << j;
		mon = month_of(d) - k->cohort_month0;
		b->month = (int8_t)(mon >= 0 && mon < k->ncohorts ? mon : -1);
	}
}

crm_kpi *
crm_kpi_new(const struct crm_kpi_setup *setup)
{
	crm_kpi *k = crm_xcalloc(1, sizeof(*k));
	size_t p;

	k->setup = *setup;
	k->periods[CRM_KPI_NOW] = setup->period;
	k->periods[CRM_KPI_PREV] = crm_period_back(&setup->period, 1);
	k->periods[CRM_KPI_LAST_YEAR] = crm_period_last_year(&setup->period);
	for (p = 0; p < CRM_KPI_SERIES; p++)
		k->periods[CRM_KPI_SERIES_AT + p] =
		    crm_period_back(&setup->period, (int)(CRM_KPI_SERIES - 1 - p));
	for (p = 0; p < CRM_KPI_NPERIODS; p++) {
		k->point_from[p] = (uint8_t)point_index(k, k->periods[p].from);
		k->point_to[p] = (uint8_t)point_index(k, k->periods[p].to);
	}
	k->ncohorts = setup->cohort_months;
	if (k->ncohorts < 1 || k->ncohorts > CRM_KPI_MAX_COHORTS)
		crm_die(CRM_EX_SOFTWARE, "cohort months %d out of range", k->ncohorts);
	k->cohort_month0 = month_of(setup->period.to - 1) - (k->ncohorts - 1);
	build_days(k);
	return k;
}

/* Group number of label among k->labels (added when new). */
static int32_t
group_of_label(crm_kpi *k, const char *label)
{
	size_t g;

	if (label == NULL || *label == '\0')
		label = "(none)";
	for (g = 1; g < k->ngroups; g++)
		if (strcmp(k->labels[g], label) == 0)
			return (int32_t)g;
	if (k->ngroups >= 10000)
		crm_die(CRM_EX_DATAERR, "more than 10,000 groups for --by; "
		        "choose a column with fewer values");
	k->labels = crm_xreallocarray(k->labels, k->ngroups + 1, sizeof(*k->labels));
	k->labels[k->ngroups] = crm_xstrdup(label);
	return (int32_t)k->ngroups++;
}

static int
label_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Number the groups in label order (first seen order is the input's). */
static void
sort_groups(crm_kpi *k)
{
	int32_t *renum;
	char **sorted;
	size_t g, i;

	if (k->ngroups <= 2)
		return;
	sorted = crm_xreallocarray(NULL, k->ngroups, sizeof(*sorted));
	memcpy(sorted, k->labels, k->ngroups * sizeof(*sorted));
	qsort(sorted + 1, k->ngroups - 1, sizeof(*sorted), label_cmp);
	renum = crm_xreallocarray(NULL, k->ngroups, sizeof(*renum));
	for (g = 0; g < k->ngroups; g++)
		for (i = 0; i < k->ngroups; i++)
			if (sorted[i] == k->labels[g])
				renum[g] = (int32_t)i;
	for (i = 0; i < k->n; i++)
		if (k->cust[i].group > 0)
			k->cust[i].group = renum[k->cust[i].group];
	free(k->labels);
	k->labels = sorted;
	free(renum);
}

/* The summary's customers hook: per-customer arrays and groups. */
static void
on_customers(void *arg, crm_summary *sum)
{
	crm_kpi *k = arg;
	size_t n = crm_summary_count(sum), i, g, p;

	k->n = n;
	k->scale = crm_summary_scale(sum);
	k->cust = crm_big_calloc(n + 1, sizeof(*k->cust), &k->cust_bytes);
	k->rev = crm_xcalloc(n + 1, sizeof(*k->rev));
	k->labels = crm_xreallocarray(NULL, 1, sizeof(*k->labels));
	k->labels[0] = crm_xstrdup("all");
	k->ngroups = 1;
	if (k->setup.stream) {
		for (i = 0; i < n; i++)
			k->cust[i].group = -1;
		for (i = 0; i < k->setup.nids; i++) {
			struct crm_customer *c = crm_summary_find(sum, k->setup.ids[i]);

			if (c == NULL) {
				k->unknown++;
				continue;
			}
			k->cust[crm_summary_index(sum, c)].group = k->setup.labels ?
			    group_of_label(k, k->setup.labels[i]) : k->setup.by_field >= 0 ?
			    group_of_label(k, crm_summary_field(sum, c,
			                                        (enum crm_cfield)k->setup.by_field)) : 0;
		}
	} else
		for (i = 0; i < n; i++)
			k->cust[i].group = k->setup.by_field >= 0 ?
			    group_of_label(k, crm_summary_field(sum, crm_summary_at(sum, i),
			                                        (enum crm_cfield)k->setup.by_field)) : 0;
	sort_groups(k);
	k->sums = crm_xcalloc(k->ngroups * CRM_KPI_NPERIODS, sizeof(*k->sums));
	for (g = 0; g < k->ngroups; g++)
		for (p = 0; p < CRM_KPI_NPERIODS; p++)
			sums_at(k, g, p)->top20 = NAN;
}

/* Add amount (and an order) to every period of in, for g and everybody. */
static void
add_money(crm_kpi *k, int32_t g, uint16_t in, int64_t amount, bool refund)
{
	while (in != 0) {
		int p = __builtin_ctz(in);
		struct sums *s = sums_at(k, 0, (size_t)p);

		in &= (uint16_t)(in - 1);
		if (refund)
			s->refunds += amount;
		else
			s->revenue += amount, s->orders++;
		if (g > 0) {
			s = sums_at(k, (size_t)g, (size_t)p);
			if (refund)
				s->refunds += amount;
			else
				s->revenue += amount, s->orders++;
		}
	}
}

/* One paid order or refund row. */
static void
on_order(crm_kpi *k, size_t idx, int32_t day, int64_t amount, bool refund)
{
	/* before the table: every period ends after the day; after it, none */
	static const struct day_bits early = { 0, (1u << CRM_KPI_NPERIODS) - 1, 0, -1 };
	static const struct day_bits late = { 0, 0, 0, -1 };
	struct cust *c = &k->cust[idx];
	const struct day_bits *b;
	int p;

	if (c->group < 0)
		return;
	b = day < k->lo ? &early : day >= k->hi ? &late : &k->days[day - k->lo];
	if (b->in != 0) {
		add_money(k, c->group, b->in, amount, refund);
		for (p = 0; p < 3; p++)
			if (b->in >> p & 1)
				k->rev[idx][p] += refund ? -amount : amount;
	}
	if (refund)
		return;
	c->two |= c->one & b->in;
	c->one |= b->in;
	c->ever2 |= c->ever1 & b->before;
	c->ever1 |= b->before;
	c->act |= b->act;
	if (b->month >= 0)
		c->months |= (uint64_t)1 << b->month;
}

/* The summary's order hook: a batch whose customers are fetched into the
 * cache first, so their misses overlap instead of stalling one by one. */
static void
on_orders(void *arg, const struct crm_order_seen *v, size_t n)
{
	crm_kpi *k = arg;
	size_t i;

	for (i = 0; i < n; i++) {
		int32_t d = v[i].day;

		__builtin_prefetch(&k->cust[v[i].idx], 1);
		/* the compared periods' revenue, for the few orders in them */
		if (d >= k->lo && d < k->hi && (k->days[d - k->lo].in & 7) != 0)
			__builtin_prefetch(&k->rev[v[i].idx], 1);
	}
	for (i = 0; i < n; i++)
		on_order(k, v[i].idx, v[i].day, v[i].amount, v[i].refund);
}

struct crm_summary_hooks
crm_kpi_hooks(crm_kpi *k)
{
	return (struct crm_summary_hooks){ on_customers, on_orders, k };
}

/* The counts of one customer into group g's sums of every period. The bit
 * sets are walked by their set bits; the first-order and lead tests need
 * the period bounds. */
static void
count_customer(crm_kpi *k, size_t g, const struct cust *kc, const struct crm_customer *c)
{
	int32_t first = c->first_order, created = c->created;
	bool bought = first != CRM_NO_DAY;
	/* A lead from creation to the first paid order; a record whose first
	 * order is older than the record (history imported later) never was. */
	bool was_lead = created != CRM_NO_DAY && (!bought || first >= created);
	unsigned m;
	size_t p;

	for (m = kc->one; m; m &= m - 1)
		sums_at(k, g, (size_t)__builtin_ctz(m))->buyers++;
	for (m = kc->two; m; m &= m - 1)
		sums_at(k, g, (size_t)__builtin_ctz(m))->repeaters++;
	for (m = kc->ever1; m; m &= m - 1)
		sums_at(k, g, (size_t)__builtin_ctz(m))->ever1++;
	for (m = kc->ever2; m; m &= m - 1)
		sums_at(k, g, (size_t)__builtin_ctz(m))->ever2++;
	if (!bought && !was_lead)
		return;
	for (p = 0; p < CRM_KPI_NPERIODS; p++) {
		const struct crm_period *per = &k->periods[p];
		struct sums *s = sums_at(k, g, p);
		bool a0 = kc->act >> k->point_from[p] & 1, a1 = kc->act >> k->point_to[p] & 1;

		s->total += bought && first < per->to;
		s->new_customers += bought && first >= per->from && first < per->to;
		if (was_lead) {
			s->new_leads += created >= per->from && created < per->to;
			s->open_leads += created < per->from && (!bought || first >= per->from);
			s->converted += bought && first >= per->from && first < per->to;
		}
		s->active_from += a0;
		s->churned += a0 && !a1;
		s->retained += a0 && a1;
		s->reactivated += a1 && !a0 && bought && first < per->from;
	}
}

static void
count_customers(crm_kpi *k, crm_summary *sum)
{
	size_t i;

	k->cohort_size = crm_xcalloc((size_t)k->ncohorts, sizeof(*k->cohort_size));
	k->cohort_cell = crm_xcalloc((size_t)k->ncohorts * (size_t)k->ncohorts,
	                             sizeof(*k->cohort_cell));
	for (i = 0; i < k->n; i++) {
		const struct crm_customer *c = crm_summary_at(sum, i);
		int32_t g = k->cust[i].group;
		int64_t cm;
		int n;

		if (g < 0)
			continue;
		count_customer(k, 0, &k->cust[i], c);
		if (g > 0)
			count_customer(k, (size_t)g, &k->cust[i], c);
		if (c->first_order == CRM_NO_DAY)
			continue;
		cm = month_of(c->first_order) - k->cohort_month0;
		if (cm < 0 || cm >= k->ncohorts)
			continue;
		k->cohort_size[cm]++;
		for (n = 0; cm + n < k->ncohorts; n++)
			k->cohort_cell[cm * k->ncohorts + n] += k->cust[i].months >> (cm + n) & 1;
	}
}

static void
add_hours(struct sums *s, double h)
{
	if (s->nhours == s->hcap) {
		s->hcap = s->hcap ? 2 * s->hcap : 16;
		s->hours = crm_xreallocarray(s->hours, s->hcap, sizeof(*s->hours));
	}
	s->hours[s->nhours++] = h;
}

/* Seconds since 1970 of a stored date or date-time, or false. */
static bool
stored_time(const unsigned char *text, int64_t *secs)
{
	struct crm_datetime dt;

	if (text == NULL || crm_date_parse((const char *)text, CRM_DATE_YMD, false, &dt) != 0)
		return false;
	*secs = dt.days * 86400 + dt.secs;
	return true;
}

/* One ticket into s for period p (opened and resolved in seconds; resolved
 * < 0 for none; is_open: still open when it has no resolution time). */
static void
count_ticket(const crm_kpi *k, struct sums *s, size_t p, int64_t opened, int64_t resolved,
             bool is_open, long sla_hours, int csat)
{
	const struct crm_period *per = &k->periods[p];
	int64_t from = (int64_t)per->from * 86400, to = (int64_t)per->to * 86400;
	int64_t limit = opened + (int64_t)sla_hours * 3600;

	s->complaints += opened >= from && opened < to;
	if (resolved >= 0 && resolved >= from && resolved < to) {
		s->resolved++;
		s->within += resolved <= limit;
		add_hours(s, (double)(resolved - opened) / 3600.0);
		if (csat > 0) {
			s->csat_n++;
			s->csat_satisfied += csat >= 4;
			s->csat_sum += csat;
		}
	}
	/* Still open at the end of the period with its limit gone: a miss. */
	if (opened < to && (resolved >= 0 ? resolved >= to : is_open) && limit < to)
		s->open_missed++;
}

static void
scan_tickets(crm_kpi *k, crm_summary *sum, crm_store *st)
{
	sqlite3_stmt *q = crm_store_prepare(st, "SELECT customer_id, opened_at, severity, status, "
	    "resolved_at, csat FROM tickets");
	int64_t opened, resolved;
	size_t p;

	while (crm_store_step(st, q) == SQLITE_ROW) {
		struct crm_customer *c = crm_summary_find(sum, sqlite3_column_int64(q, 0));
		const char *sev = (const char *)sqlite3_column_text(q, 2);
		const char *status = (const char *)sqlite3_column_text(q, 3);
		int csat = sqlite3_column_type(q, 5) == SQLITE_NULL ? 0 : sqlite3_column_int(q, 5);
		long hours;
		int32_t g;

		if (c == NULL || (g = k->cust[crm_summary_index(sum, c)].group) < 0 ||
		    !stored_time(sqlite3_column_text(q, 1), &opened) ||
		    opened / 86400 > crm_summary_today(sum))
			continue;
		if (!stored_time(sqlite3_column_text(q, 4), &resolved) ||
		    resolved / 86400 > crm_summary_today(sum))
			resolved = -1;
		hours = crm_config_sla_hours(k->setup.cfg, sev ? sev : "normal");
		for (p = 0; p < CRM_KPI_NPERIODS; p++) {
			bool is_open = status != NULL && strcmp(status, "open") == 0;

			count_ticket(k, sums_at(k, 0, p), p, opened, resolved, is_open, hours, csat);
			if (g > 0)
				count_ticket(k, sums_at(k, (size_t)g, p), p, opened, resolved,
				             is_open, hours, csat);
		}
	}
	sqlite3_finalize(q);
}

static void
count_answer(struct sums *s, int csat, int nps)
{
	if (csat > 0) {
		s->csat_n++;
		s->csat_satisfied += csat >= 4;
		s->csat_sum += csat;
	}
	if (nps >= 0) {
		s->nps_n++;
		s->nps_promoters += nps >= 9;
		s->nps_detractors += nps <= 6;
	}
}

static void
scan_answers(crm_kpi *k, crm_summary *sum, crm_store *st)
{
	sqlite3_stmt *q = crm_store_prepare(st, "SELECT customer_id, at, csat, nps FROM "
	    "interactions WHERE csat IS NOT NULL OR nps IS NOT NULL");

	while (crm_store_step(st, q) == SQLITE_ROW) {
		struct crm_customer *c = crm_summary_find(sum, sqlite3_column_int64(q, 0));
		int32_t day = crm_summary_day((const char *)sqlite3_column_text(q, 1)), g;
		int csat = sqlite3_column_type(q, 2) == SQLITE_NULL ? 0 : sqlite3_column_int(q, 2);
		int nps = sqlite3_column_type(q, 3) == SQLITE_NULL ? -1 : sqlite3_column_int(q, 3);
		uint16_t in;

		if (c == NULL || (g = k->cust[crm_summary_index(sum, c)].group) < 0 ||
		    day == CRM_NO_DAY || day < k->lo || day >= k->hi ||
		    day > crm_summary_today(sum))
			continue;
		for (in = k->days[day - k->lo].in; in != 0; in &= (uint16_t)(in - 1)) {
			size_t p = (size_t)__builtin_ctz(in);

			count_answer(sums_at(k, 0, p), csat, nps);
			if (g > 0)
				count_answer(sums_at(k, (size_t)g, p), csat, nps);
		}
	}
	sqlite3_finalize(q);
}

/* A customer's clv and period revenue, for the top-20 % share. */
struct clv_rev {
	double clv;
	int64_t rev;
};

static int
clv_desc(const void *a, const void *b)
{
	double x = ((const struct clv_rev *)a)->clv, y = ((const struct clv_rev *)b)->clv;

	return x < y ? 1 : x > y ? -1 : 0;
}

/* avg_clv and top20_revenue_share of period p from the latest score run on
 * or before its last day (and today). */
static void
score_figures(crm_kpi *k, crm_summary *sum, crm_store *st, size_t p)
{
	sqlite3_stmt *q = crm_store_prepare(st, "SELECT max(day) FROM score_runs WHERE day <= ?1");
	struct clv_rev **by_group;
	size_t *counts, g;
	char last[16], *day = NULL;
	int32_t end = k->periods[p].to - 1;

	if (end > crm_summary_today(sum))
		end = (int32_t)crm_summary_today(sum);
	crm_date_format(end, last);
	crm_store_bind_text(st, q, 1, last);
	if (crm_store_step(st, q) == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL)
		day = crm_xstrdup((const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	if (day == NULL)
		return;
	by_group = crm_xcalloc(k->ngroups, sizeof(*by_group));
	counts = crm_xcalloc(k->ngroups, sizeof(*counts));
	q = crm_store_prepare(st, "SELECT customer_id, clv FROM score_history "
	    "WHERE day = ?1 AND clv IS NOT NULL");
	crm_store_bind_text(st, q, 1, day);
	while (crm_store_step(st, q) == SQLITE_ROW) {
		struct crm_customer *c = crm_summary_find(sum, sqlite3_column_int64(q, 0));
		size_t i;
		int32_t gi;

		if (c == NULL || (gi = k->cust[i = crm_summary_index(sum, c)].group) < 0)
			continue;
		/* into group 0 (everybody), then the customer's own group */
		for (g = 0; g < k->ngroups; g = gi > 0 && g == 0 ? (size_t)gi : k->ngroups) {
			struct sums *s = sums_at(k, g, p);
			struct clv_rev cr = { sqlite3_column_double(q, 1), k->rev[i][p] };

			s->clv_sum += cr.clv;
			s->clv_n++;
			by_group[g] = crm_xreallocarray(by_group[g], counts[g] + 1,
			                                sizeof(**by_group));
			by_group[g][counts[g]++] = cr;
		}
	}
	sqlite3_finalize(q);
	for (g = 0; g < k->ngroups; g++) {
		struct sums *s = sums_at(k, g, p);
		size_t top = (counts[g] + 4) / 5, i;  /* ⌈0.2 n⌉ */
		int64_t rev = 0;

		if (counts[g] > 0 && s->revenue - s->refunds > 0) {
			qsort(by_group[g], counts[g], sizeof(*by_group[g]), clv_desc);
			for (i = 0; i < top; i++)
				rev += by_group[g][i].rev;
			s->top20 = (double)rev / (double)(s->revenue - s->refunds);
		}
		free(by_group[g]);
	}
	free(by_group);
	free(counts);
	free(day);
}

static int
double_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

void
crm_kpi_finish(crm_kpi *k, crm_summary *sum, crm_store *st)
{
	size_t g, p;

	count_customers(k, sum);
	scan_tickets(k, sum, st);
	scan_answers(k, sum, st);
	for (p = 0; p < 3; p++)
		score_figures(k, sum, st, p);
	for (g = 0; g < k->ngroups; g++)
		for (p = 0; p < CRM_KPI_NPERIODS; p++) {
			struct sums *s = sums_at(k, g, p);

			if (s->nhours > 1)
				qsort(s->hours, s->nhours, sizeof(*s->hours), double_cmp);
		}
}

void
crm_kpi_free(crm_kpi *k)
{
	size_t g;

	if (k == NULL)
		return;
	for (g = 0; k->sums != NULL && g < k->ngroups * CRM_KPI_NPERIODS; g++)
		free(k->sums[g].hours);
	for (g = 0; g < k->ngroups; g++)
		free(k->labels[g]);
	free(k->labels);
	free(k->sums);
	free(k->days);
	crm_big_free(k->cust, k->cust_bytes);
	free(k->rev);
	free(k->cohort_size);
	free(k->cohort_cell);
	free(k);
}

const struct crm_period *
crm_kpi_period(const crm_kpi *k, size_t i)
{
	return &k->periods[i];
}

size_t
crm_kpi_ngroups(const crm_kpi *k)
{
	return k->ngroups;
}

const char *
crm_kpi_group_label(const crm_kpi *k, size_t g)
{
	return k->labels[g];
}

static double
ratio(double num, double den)
{
	return den == 0 ? NAN : num / den;
}

double
crm_kpi_value(const crm_kpi *k, size_t g, size_t i, enum crm_kpi_metric m)
{
	const struct sums *s = sums_at(k, g, i);
	double revenue = (double)(s->revenue - s->refunds) / k->scale;

	switch (m) {
	case CRM_KPI_CUSTOMERS_TOTAL: return (double)s->total;
	case CRM_KPI_NEW_CUSTOMERS: return (double)s->new_customers;
	case CRM_KPI_NEW_LEADS: return (double)s->new_leads;
	case CRM_KPI_ACTIVE_CUSTOMERS: return (double)s->buyers;
	case CRM_KPI_CHURNED_CUSTOMERS: return (double)s->churned;
	case CRM_KPI_CHURN_RATE: return ratio((double)s->churned, (double)s->active_from);
	case CRM_KPI_RETENTION_RATE: return ratio((double)s->retained, (double)s->active_from);
	case CRM_KPI_REACTIVATED_CUSTOMERS: return (double)s->reactivated;
	case CRM_KPI_REPEAT_PURCHASE_RATE: return ratio((double)s->repeaters, (double)s->buyers);
	case CRM_KPI_REPEAT_PURCHASE_RATE_LIFETIME:
		return ratio((double)s->ever2, (double)s->ever1);
	case CRM_KPI_CONVERSION_RATE:
		return ratio((double)s->converted, (double)(s->open_leads + s->new_leads));
	case CRM_KPI_ORDERS: return (double)s->orders;
	case CRM_KPI_REVENUE: return revenue;
	case CRM_KPI_AOV: return ratio(revenue, (double)s->orders);
	case CRM_KPI_REVENUE_PER_ACTIVE: return ratio(revenue, (double)s->buyers);
	case CRM_KPI_AVG_CLV: return ratio(s->clv_sum, (double)s->clv_n);
	case CRM_KPI_TOP20_REVENUE_SHARE: return s->top20;
	case CRM_KPI_COMPLAINTS: return (double)s->complaints;
	case CRM_KPI_COMPLAINTS_PER_100_ACTIVE:
		return ratio(100.0 * (double)s->complaints, (double)s->buyers);
	case CRM_KPI_RESOLUTION_MEDIAN_HOURS:
		if (s->nhours == 0)
			return NAN;
		return s->nhours % 2 ? s->hours[s->nhours / 2] :
		    (s->hours[s->nhours / 2 - 1] + s->hours[s->nhours / 2]) / 2;
	case CRM_KPI_RESOLUTION_P90_HOURS:
		/* nearest rank: the ⌈0.9 n⌉-th smallest */
		return s->nhours == 0 ? NAN : s->hours[(s->nhours * 9 + 9) / 10 - 1];
	case CRM_KPI_WITHIN_SLA_RATE:
		return ratio((double)s->within, (double)(s->resolved + s->open_missed));
	case CRM_KPI_CSAT: return ratio((double)s->csat_satisfied, (double)s->csat_n);
	case CRM_KPI_CSAT_MEAN: return ratio((double)s->csat_sum, (double)s->csat_n);
	case CRM_KPI_NPS:
		return ratio(100.0 * (double)(s->nps_promoters - s->nps_detractors),
		             (double)s->nps_n);
	case CRM_KPI_COUNT:
		break;
	}
	return NAN;
}

bool
crm_kpi_empty(const crm_kpi *k, size_t g, size_t i)
{
	const struct sums *s = sums_at(k, g, i);

	return s->orders == 0 && s->refunds == 0 && s->new_leads == 0 && s->complaints == 0 &&
	    s->resolved == 0 && s->csat_n == 0 && s->nps_n == 0;
}

int
crm_kpi_cohorts(const crm_kpi *k)
{
	return k->ncohorts;
}

int64_t
crm_kpi_cohort_size(const crm_kpi *k, int c)
{
	return k->cohort_size[c];
}

int64_t
crm_kpi_cohort_cell(const crm_kpi *k, int c, int n)
{
	return k->cohort_cell[c * k->ncohorts + n];
}

const char *
crm_kpi_cohort_label(const crm_kpi *k, int c, char *out)
{
	int64_t mon = k->cohort_month0 + c;

	snprintf(out, 16, "%04d-%02d", (int)(mon / 12 % 10000), (int)(mon % 12) + 1);
	return out;
}

int64_t
crm_kpi_customer_revenue(const crm_kpi *k, size_t idx, size_t i)
{
	return k->cust[idx].group < 0 || i > 2 ? 0 : k->rev[idx][i];
}

size_t
crm_kpi_unknown(const crm_kpi *k)
{
	return k->unknown;
}

bool
crm_kpi_selected(const crm_kpi *k, size_t idx)
{
	return k->cust[idx].group >= 0;
}
