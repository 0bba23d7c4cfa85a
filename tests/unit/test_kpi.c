/*
 * test_kpi.c — periods (parsing, the one before, last year, the default),
 * and the figures of lib/kpi over a small store built here with SQL: churn
 * and return, refunds on their own day, cancelled orders, a customer merged
 * into another, leads and conversion, tickets against their SLA, CSAT and
 * NPS, the cohort triangle, and no value where a denominator is zero.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "date.h"
#include "kpi.h"
#include "store.h"
#include "summary.h"

static int32_t
day(int y, int m, int d)
{
	return (int32_t)crm_days_from_civil(y, m, d);
}

static void
test_parse_periods(void **state)
{
	struct crm_period p;

	(void)state;
	assert_int_equal(crm_period_parse("2026-10", &p), 0);
	assert_int_equal(p.from, day(2026, 10, 1));
	assert_int_equal(p.to, day(2026, 11, 1));
	assert_string_equal(p.label, "2026-10");
	assert_int_equal(crm_period_parse("2026-12", &p), 0);
	assert_int_equal(p.to, day(2027, 1, 1));
	assert_int_equal(crm_period_parse("2026-Q3", &p), 0);
	assert_int_equal(p.from, day(2026, 7, 1));
	assert_int_equal(p.to, day(2026, 10, 1));
	assert_string_equal(p.label, "2026-Q3");
	assert_int_equal(crm_period_parse("2024", &p), 0);
	assert_int_equal(p.to - p.from, 366); /* a leap year */
	assert_int_equal(crm_period_parse("2026-13", &p), -1);
	assert_int_equal(crm_period_parse("2026-00", &p), -1);
	assert_int_equal(crm_period_parse("2026-Q5", &p), -1);
	assert_int_equal(crm_period_parse("2026-1", &p), -1);
	assert_int_equal(crm_period_parse("26-10", &p), -1);
	assert_int_equal(crm_period_parse("2026-10-01", &p), -1);
	assert_int_equal(crm_period_parse("", &p), -1);
}

static void
test_previous_and_last_year(void **state)
{
	struct crm_period p, q;

	(void)state;
	crm_period_parse("2026-01", &p);
	q = crm_period_back(&p, 1);
	assert_string_equal(q.label, "2025-12");
	q = crm_period_back(&p, 11);
	assert_string_equal(q.label, "2025-02");
	assert_int_equal(q.to - q.from, 28);
	q = crm_period_last_year(&p);
	assert_string_equal(q.label, "2025-01");
	crm_period_parse("2026-Q1", &p);
	assert_string_equal(crm_period_back(&p, 1).label, "2025-Q4");
	assert_string_equal(crm_period_last_year(&p).label, "2025-Q1");
	crm_period_parse("2026", &p);
	assert_string_equal(crm_period_back(&p, 1).label, "2025");
	/* A range: the same number of days before; last year 29 Feb → 28 Feb. */
	p = crm_period_range(day(2028, 2, 20), day(2028, 2, 29));
	assert_string_equal(p.label, "2028-02-20..2028-02-29");
	q = crm_period_back(&p, 1);
	assert_int_equal(q.from, day(2028, 2, 10));
	assert_int_equal(q.to, day(2028, 2, 20));
	q = crm_period_last_year(&p);
	assert_int_equal(q.from, day(2027, 2, 20));
	assert_int_equal(q.to, day(2027, 3, 1)); /* last day 2027-02-28 */
	/* The default: the last full month before today's. */
	assert_string_equal(crm_period_default(day(2026, 1, 15)).label, "2025-12");
	assert_string_equal(crm_period_default(day(2026, 11, 30)).label, "2026-10");
	assert_string_equal(crm_period_default(day(2026, 11, 1)).label, "2026-10");
}

static void
test_metric_names(void **state)
{
	(void)state;
	assert_int_equal(crm_kpi_find("churn_rate"), CRM_KPI_CHURN_RATE);
	assert_int_equal(crm_kpi_find("nps"), CRM_KPI_NPS);
	assert_int_equal(crm_kpi_find("churn"), -1);
	assert_string_equal(crm_kpi_names[CRM_KPI_TOP20_REVENUE_SHARE], "top20_revenue_share");
}

/*
 * The store: W = 30 days (lifecycle.churn_days), period 2026-03 =
 * [03-01, 04-01), as of 2026-04-10.
 *   1 Ann   created 2026-01-01: paid 01-05 100, 03-10 50, 03-20 30; refund 03-25 20
 *   2 Ben   created 2026-01-01: paid 02-15 40 (active at 03-01, not at 04-01: churns)
 *   3 Cid   created 2025-12-01: paid 2025-12-10 60, 2026-03-30 70 (comes back)
 *   4 Dot   created 2026-03-05: no order (a new lead)
 *   5 Eli   created 2026-02-01: cancelled 03-03 999; paid 2026-04-05 (after
 *           the period): a lead open at 03-01, not converted in March
 *   6 Fay   created 2026-03-10: paid 03-10 25 (lead for a day, converts)
 *   7 Gus   merged into 1: its paid 02-20 10 counts for Ann
 * March:
 *   customers_total (first paid before 04-01): Ann, Ben, Cid, Fay = 4
 *   new_customers: Fay = 1; new_leads: Dot, Fay = 2; open at 03-01: Eli = 1
 *   conversion = Fay 1 / (1 + 2) = 1/3
 *   buyers: Ann, Cid, Fay = 3; orders 4; revenue 50 + 30 + 70 + 25 − 20 = 155
 *   aov = 155 / 4 = 38.75; per active = 155 / 3
 *   active at 03-01 ([01-30, 03-01)): Ann (02-20 via Gus), Ben (02-15) = 2
 *   active at 04-01 ([03-02, 04-01)): Ann, Cid, Fay
 *   churned: Ben → 1 / 2; retained Ann → 1 / 2; reactivated: Cid (first
 *   2025-12) = 1; Fay is new, not reactivated
 *   repeat: Ann (2 orders in March) 1 / 3
 *   lifetime before 04-01: ≥1 Ann Ben Cid Fay = 4; ≥2 Ann (4 with Gus's), Cid = 2
 * Tickets (normal 72 h, urgent 4 h):
 *   Ann 03-02 10:00 normal resolved 03-03 10:00 (24 h, within), csat 4
 *   Ben 03-05 08:00 urgent resolved 03-05 20:00 (12 h, late), csat 2
 *   Cid 03-28 00:00 normal open: limit 03-31 00:00 passed by 04-01 → a miss
 *   → complaints 3, median (12 + 24) / 2 = 18, p90 rank ⌈1.8⌉ = 2nd = 24,
 *   within 1 / (2 + 1) = 1/3; per 100 active 300 / 3 = 100
 * Answers: Ann 03-06 nps 10; Cid 03-30 csat 5 nps 6; Fay 02-28 nps 9 (February)
 *   → CSAT 4, 2, 5: 2 of 3 satisfied, mean 11 / 3; NPS 10, 6: (1 − 1) / 2 = 0
 * February (previous): buyers Ben, Ann (via Gus) = 2, revenue 50; no ticket
 *   → resolution time has no value, within_sla none; NPS 9 → 100.
 */
static const char store_sql[] =
	"INSERT INTO customers (id, external_id, name, status, created_at, updated_at, merged_into) VALUES"
	" (1, 'A', 'Ann', 'customer', '2026-01-01', '2026-01-01', NULL),"
	" (2, 'B', 'Ben', 'customer', '2026-01-01', '2026-01-01', NULL),"
	" (3, 'C', 'Cid', 'customer', '2025-12-01', '2025-12-01', NULL),"
	" (4, 'D', 'Dot', 'lead', '2026-03-05', '2026-03-05', NULL),"
	" (5, 'E', 'Eli', 'customer', '2026-02-01', '2026-02-01', NULL),"
	" (6, 'F', 'Fay', 'customer', '2026-03-10 09:00:00', '2026-03-10', NULL),"
	" (7, 'G', 'Gus', 'customer', '2026-01-01', '2026-01-01', 1);"
	"INSERT INTO orders (order_key, customer_id, ordered_at, amount, currency, status) VALUES"
	" ('o1', 1, '2026-01-05', 10000, 'CNY', 'paid'),"
	" ('o2', 1, '2026-03-10', 5000, 'CNY', 'paid'),"
	" ('o3', 1, '2026-03-20 18:00:00', 3000, 'CNY', 'paid'),"
	" ('o4', 1, '2026-03-25', 2000, 'CNY', 'refunded'),"
	" ('o5', 2, '2026-02-15', 4000, 'CNY', 'paid'),"
	" ('o6', 3, '2025-12-10', 6000, 'CNY', 'paid'),"
	" ('o7', 3, '2026-03-30', 7000, 'CNY', 'paid'),"
	" ('o8', 5, '2026-03-03', 99900, 'CNY', 'cancelled'),"
	" ('o9', 5, '2026-04-05', 1000, 'CNY', 'paid'),"
	" ('o10', 6, '2026-03-10', 2500, 'CNY', 'paid'),"
	" ('o11', 7, '2026-02-20', 1000, 'CNY', 'paid');"
	"INSERT INTO tickets (ticket_key, customer_id, opened_at, severity, status, resolved_at, csat) VALUES"
	" ('t1', 1, '2026-03-02 10:00:00', 'normal', 'resolved', '2026-03-03 10:00:00', 4),"
	" ('t2', 2, '2026-03-05 08:00:00', 'urgent', 'resolved', '2026-03-05 20:00:00', 2),"
	" ('t3', 3, '2026-03-28 00:00:00', 'normal', 'open', NULL, NULL);"
	"INSERT INTO interactions (interaction_key, customer_id, at, kind, csat, nps) VALUES"
	" ('i1', 1, '2026-03-06 10:00:00', 'survey', NULL, 10),"
	" ('i2', 3, '2026-03-30 10:00:00', 'survey', 5, 6),"
	" ('i3', 6, '2026-02-28 10:00:00', 'survey', NULL, 9);";

struct fixture {
	char path[64];
	crm_store *store;
	struct crm_config *cfg;
	crm_summary *sum;
	crm_kpi *k;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct crm_kpi_setup ks = { 0 };
	struct crm_summary_hooks h;
	int fd;

	snprintf(f->path, sizeof f->path, "/tmp/crm-test-kpi.XXXXXX");
	fd = mkstemp(f->path);
	assert_true(fd >= 0);
	close(fd);
	unlink(f->path);
	f->store = crm_store_open(f->path, true, 1000);
	assert_int_equal(sqlite3_exec(crm_store_db(f->store), store_sql, NULL, NULL, NULL),
	                 SQLITE_OK);
	f->cfg = crm_config_defaults();
	f->cfg->lifecycle_churn_days = 30;
	crm_period_parse("2026-03", &ks.period);
	ks.churn_days = 30;
	ks.cohort_months = 4;
	ks.by_field = -1;
	ks.cfg = f->cfg;
	f->k = crm_kpi_new(&ks);
	h = crm_kpi_hooks(f->k);
	f->sum = crm_summary_load_hooked(f->store, f->cfg, day(2026, 4, 10), 0, &h);
	crm_kpi_finish(f->k, f->sum, f->store);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char wal[80];

	crm_kpi_free(f->k);
	crm_summary_free(f->sum);
	crm_store_close(f->store);
	crm_config_free(f->cfg);
	unlink(f->path);
	snprintf(wal, sizeof wal, "%s-wal", f->path);
	unlink(wal);
	snprintf(wal, sizeof wal, "%s-shm", f->path);
	unlink(wal);
	free(f);
	return 0;
}

static double
now(struct fixture *f, enum crm_kpi_metric m)
{
	return crm_kpi_value(f->k, 0, CRM_KPI_NOW, m);
}

static void
test_customers_and_churn(void **state)
{
	struct fixture *f = *state;

	assert_float_equal(now(f, CRM_KPI_CUSTOMERS_TOTAL), 4, 1e-9);
	assert_float_equal(now(f, CRM_KPI_NEW_CUSTOMERS), 1, 1e-9);
	assert_float_equal(now(f, CRM_KPI_NEW_LEADS), 2, 1e-9);
	assert_float_equal(now(f, CRM_KPI_CONVERSION_RATE), 1.0 / 3, 1e-9);
	assert_float_equal(now(f, CRM_KPI_ACTIVE_CUSTOMERS), 3, 1e-9);
	assert_float_equal(now(f, CRM_KPI_CHURNED_CUSTOMERS), 1, 1e-9);
	assert_float_equal(now(f, CRM_KPI_CHURN_RATE), 0.5, 1e-9);
	assert_float_equal(now(f, CRM_KPI_RETENTION_RATE), 0.5, 1e-9);
	assert_float_equal(now(f, CRM_KPI_REACTIVATED_CUSTOMERS), 1, 1e-9);
	assert_float_equal(now(f, CRM_KPI_REPEAT_PURCHASE_RATE), 1.0 / 3, 1e-9);
	assert_float_equal(now(f, CRM_KPI_REPEAT_PURCHASE_RATE_LIFETIME), 0.5, 1e-9);
}

static void
test_money_refunds_and_merges(void **state)
{
	struct fixture *f = *state;

	assert_float_equal(now(f, CRM_KPI_ORDERS), 4, 1e-9);
	assert_float_equal(now(f, CRM_KPI_REVENUE), 155, 1e-9);
	assert_float_equal(now(f, CRM_KPI_AOV), 38.75, 1e-9);
	assert_float_equal(now(f, CRM_KPI_REVENUE_PER_ACTIVE), 155.0 / 3, 1e-9);
	/* February: Ben 40 and Gus's 10 under Ann */
	assert_float_equal(crm_kpi_value(f->k, 0, CRM_KPI_PREV, CRM_KPI_REVENUE), 50, 1e-9);
	assert_float_equal(crm_kpi_value(f->k, 0, CRM_KPI_PREV, CRM_KPI_ACTIVE_CUSTOMERS), 2,
	                   1e-9);
	/* Ann's net revenue in March: 50 + 30 − 20 (minor units) */
	assert_int_equal(crm_kpi_customer_revenue(f->k, 0, CRM_KPI_NOW), 6000);
	/* no score run: no CLV figures */
	assert_true(isnan(now(f, CRM_KPI_AVG_CLV)));
	assert_true(isnan(now(f, CRM_KPI_TOP20_REVENUE_SHARE)));
}

static void
test_tickets_and_answers(void **state)
{
	struct fixture *f = *state;

	assert_float_equal(now(f, CRM_KPI_COMPLAINTS), 3, 1e-9);
	assert_float_equal(now(f, CRM_KPI_COMPLAINTS_PER_100_ACTIVE), 100, 1e-9);
	assert_float_equal(now(f, CRM_KPI_RESOLUTION_MEDIAN_HOURS), 18, 1e-9);
	assert_float_equal(now(f, CRM_KPI_RESOLUTION_P90_HOURS), 24, 1e-9);
	assert_float_equal(now(f, CRM_KPI_WITHIN_SLA_RATE), 1.0 / 3, 1e-9);
	assert_float_equal(now(f, CRM_KPI_CSAT), 2.0 / 3, 1e-9);
	assert_float_equal(now(f, CRM_KPI_CSAT_MEAN), 11.0 / 3, 1e-9);
	assert_float_equal(now(f, CRM_KPI_NPS), 0, 1e-9);
	/* February: nothing resolved, no CSAT answer; NPS 9 alone → 100 */
	assert_true(isnan(crm_kpi_value(f->k, 0, CRM_KPI_PREV, CRM_KPI_RESOLUTION_MEDIAN_HOURS)));
	assert_true(isnan(crm_kpi_value(f->k, 0, CRM_KPI_PREV, CRM_KPI_WITHIN_SLA_RATE)));
	assert_true(isnan(crm_kpi_value(f->k, 0, CRM_KPI_PREV, CRM_KPI_CSAT)));
	assert_float_equal(crm_kpi_value(f->k, 0, CRM_KPI_PREV, CRM_KPI_NPS), 100, 1e-9);
	assert_false(crm_kpi_empty(f->k, 0, CRM_KPI_NOW));
}

static void
test_cohorts_and_empty_periods(void **state)
{
	struct fixture *f = *state;
	char label[16];
	size_t i;

	/* Cohorts 2025-12 .. 2026-03: Cid (2025-12; again in 2026-03 = +3),
	 * Ann (2026-01, first via her own 01-05; +1 by Gus's 02-20, +2 March),
	 * Ben (2026-02), Fay (2026-03). */
	assert_int_equal(crm_kpi_cohorts(f->k), 4);
	assert_string_equal(crm_kpi_cohort_label(f->k, 0, label), "2025-12");
	assert_int_equal(crm_kpi_cohort_size(f->k, 0), 1);
	assert_int_equal(crm_kpi_cohort_cell(f->k, 0, 0), 1);
	assert_int_equal(crm_kpi_cohort_cell(f->k, 0, 1), 0);
	assert_int_equal(crm_kpi_cohort_cell(f->k, 0, 3), 1);
	assert_int_equal(crm_kpi_cohort_size(f->k, 1), 1);
	assert_int_equal(crm_kpi_cohort_cell(f->k, 1, 1), 1);
	assert_int_equal(crm_kpi_cohort_cell(f->k, 1, 2), 1);
	assert_int_equal(crm_kpi_cohort_size(f->k, 2), 1);
	assert_int_equal(crm_kpi_cohort_cell(f->k, 2, 1), 0);
	assert_int_equal(crm_kpi_cohort_size(f->k, 3), 1);
	/* The series' oldest month, 2025-04, had nothing at all. */
	assert_string_equal(crm_kpi_period(f->k, CRM_KPI_SERIES_AT)->label, "2025-04");
	assert_true(crm_kpi_empty(f->k, 0, CRM_KPI_SERIES_AT));
	assert_true(isnan(crm_kpi_value(f->k, 0, CRM_KPI_SERIES_AT, CRM_KPI_AOV)));
	assert_float_equal(crm_kpi_value(f->k, 0, CRM_KPI_SERIES_AT, CRM_KPI_ORDERS), 0, 1e-9);
	/* last year's March: nobody active at its start → churn has no value */
	assert_true(isnan(crm_kpi_value(f->k, 0, CRM_KPI_LAST_YEAR, CRM_KPI_CHURN_RATE)));
	for (i = 0; i < CRM_KPI_SERIES; i++)
		assert_int_equal(crm_kpi_period(f->k, CRM_KPI_SERIES_AT + i)->to,
		                 i + 1 < CRM_KPI_SERIES ?
		                 crm_kpi_period(f->k, CRM_KPI_SERIES_AT + i + 1)->from :
		                 crm_kpi_period(f->k, CRM_KPI_NOW)->to);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_periods),
		cmocka_unit_test(test_previous_and_last_year),
		cmocka_unit_test(test_metric_names),
		cmocka_unit_test_setup_teardown(test_customers_and_churn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_money_refunds_and_merges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tickets_and_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cohorts_and_empty_periods, setup, teardown),
	};

	/* As crm-report: the order scan splits the table between two
	 * connections (lib/summary.c), so the figures above check that path. */
	crm_store_threads();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
