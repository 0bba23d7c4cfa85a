/*
 * test_lifecycle.c — every lifecycle rule on both sides of its boundary day
 * (defaults: new 30, at_risk 90, churn 180 days, loyal 5 orders).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "lifecycle.h"

static const struct crm_lifecycle_windows win = { 30, 90, 180, 5 };
#define TODAY 20000

/* A customer with n paid orders, first/last/previous order so many days
 * before TODAY (prev < 0: none). */
static const char *
stage(unsigned n, int first_ago, int last_ago, int prev_ago)
{
	struct crm_customer c = {
		.id = 1,
		.orders = n,
		.first_order = n ? TODAY - first_ago : CRM_NO_DAY,
		.last_order = n ? TODAY - last_ago : CRM_NO_DAY,
		.prev_order = prev_ago >= 0 ? TODAY - prev_ago : CRM_NO_DAY,
	};

	return crm_lifecycle_names[crm_lifecycle_stage(&c, TODAY, &win)];
}

static void
test_lead(void **state)
{
	(void)state;
	assert_string_equal(stage(0, 0, 0, -1), "lead");
}

static void
test_churned_boundary(void **state)
{
	(void)state;
	/* no paid order in the last 180 days, today counted as day 0 */
	assert_string_equal(stage(1, 180, 180, -1), "churned");
	assert_string_equal(stage(1, 179, 179, -1), "at_risk");
	assert_string_equal(stage(9, 900, 500, 600), "churned");
}

static void
test_at_risk_boundary(void **state)
{
	(void)state;
	assert_string_equal(stage(2, 200, 90, 200), "at_risk");
	assert_string_equal(stage(2, 200, 89, 200), "repeat");
}

static void
test_reactivated_boundary(void **state)
{
	(void)state;
	/* gap before the last order > 180 days: came back after churning */
	assert_string_equal(stage(2, 300, 10, 191), "reactivated");
	assert_string_equal(stage(2, 300, 10, 190), "repeat");
	/* gap of exactly 180: was still active the day before its return */
	assert_string_equal(stage(2, 300, 100 - 90, 190 + 0), "repeat");
	/* reactivation does not outrank at risk */
	assert_string_equal(stage(2, 400, 95, 300), "at_risk");
}

static void
test_new_boundary(void **state)
{
	(void)state;
	assert_string_equal(stage(1, 0, 0, -1), "new");   /* bought today */
	assert_string_equal(stage(1, 29, 29, -1), "new");
	assert_string_equal(stage(1, 30, 30, -1), "active");
	assert_string_equal(stage(3, 20, 1, 5), "new");  /* several orders, still new */
}

static void
test_loyal_repeat_active(void **state)
{
	(void)state;
	assert_string_equal(stage(5, 100, 5, 10), "loyal");
	assert_string_equal(stage(4, 100, 5, 10), "repeat");
	assert_string_equal(stage(2, 100, 5, 10), "repeat");
	assert_string_equal(stage(1, 60, 60, -1), "active");
}

static void
test_config_windows(void **state)
{
	struct crm_config *cfg = crm_config_defaults();
	struct crm_lifecycle_windows w;

	(void)state;
	w = crm_lifecycle_from_config(cfg);
	assert_int_equal(w.new_days, 30);
	assert_int_equal(w.at_risk_days, 90);
	assert_int_equal(w.churn_days, 180);
	assert_int_equal(w.loyal_orders, 5);
	crm_config_free(cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lead),
		cmocka_unit_test(test_churned_boundary),
		cmocka_unit_test(test_at_risk_boundary),
		cmocka_unit_test(test_reactivated_boundary),
		cmocka_unit_test(test_new_boundary),
		cmocka_unit_test(test_loyal_repeat_active),
		cmocka_unit_test(test_config_windows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
