/*
 * test_rfm.c — quintile scores (ties, few customers, all equal), threshold
 * scores at their cut points, and every row of the segment map.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "rfm.h"

static void
scores(const int64_t *v, size_t n, const char *want)
{
	uint8_t out[64];
	char got[65];
	size_t i;

	crm_rfm_quintiles(v, n, out);
	for (i = 0; i < n; i++)
		got[i] = (char)('0' + out[i]);
	got[n] = '\0';
	assert_string_equal(got, want);
}

static void
test_distinct_values_spread_evenly(void **state)
{
	/* n = 10: mid-rank p = 0.05, 0.15 ... 0.95 → 1 1 2 2 3 3 4 4 5 5 */
	const int64_t v[10] = { 10, 1, 9, 2, 8, 3, 7, 4, 6, 5 };
	const int64_t five[5] = { 50, 40, 30, 20, 10 };

	(void)state;
	scores(v, 10, "5151424233");
	scores(five, 5, "54321");
}

static void
test_ties_share_one_score(void **state)
{
	/* Three tied at the bottom of 7: 1 + floor(5 × 3 / 14) = 2; the next
	 * three (3 below): 1 + floor(5 × 9 / 14) = 4; the top one 5. */
	const int64_t v[7] = { 1, 2, 1, 5, 2, 1, 2 };
	/* Half of them tied at the top: 1 + floor(5 (2×2 + 2) / 8) = 4 */
	const int64_t w[4] = { 7, 7, 1, 2 };

	(void)state;
	scores(v, 7, "2425424");
	scores(w, 4, "4412");
}

static void
test_input_order_does_not_matter(void **state)
{
	const int64_t a[6] = { 3, 1, 4, 1, 5, 9 };
	const int64_t b[6] = { 9, 5, 1, 4, 1, 3 };
	uint8_t sa[6], sb[6];

	(void)state;
	crm_rfm_quintiles(a, 6, sa);
	crm_rfm_quintiles(b, 6, sb);
	/* the value 9 scores the same wherever it stands, and so do the 1s */
	assert_int_equal(sa[5], sb[0]);
	assert_int_equal(sa[1], sb[2]);
	assert_int_equal(sa[3], sb[4]);
	assert_int_equal(sa[1], sa[3]);
}

static void
test_few_and_equal(void **state)
{
	const int64_t one[1] = { 42 };
	const int64_t two[2] = { 1, 2 };
	const int64_t same[6] = { 3, 3, 3, 3, 3, 3 };

	(void)state;
	scores(one, 1, "3");       /* a lone customer is in the middle */
	scores(two, 2, "24");      /* p = 0.25, 0.75 */
	scores(same, 6, "333333"); /* all equal: all in the middle */
	crm_rfm_quintiles(NULL, 0, NULL); /* nothing to score is fine */
}

static void
test_negated_recency(void **state)
{
	/* recency days 3, 200, 40: the most recent scores highest */
	const int64_t v[3] = { -3, -200, -40 };

	(void)state;
	scores(v, 3, "513");
}

static void
test_thresholds_at_cut_points(void **state)
{
	const double rc[4] = { 7, 30, 90, 180 };
	const double hc[4] = { 2, 3, 5, 10 };

	(void)state;
	assert_int_equal(crm_rfm_score_recency(0, rc), 5);
	assert_int_equal(crm_rfm_score_recency(7, rc), 5);
	assert_int_equal(crm_rfm_score_recency(8, rc), 4);
	assert_int_equal(crm_rfm_score_recency(30, rc), 4);
	assert_int_equal(crm_rfm_score_recency(90, rc), 3);
	assert_int_equal(crm_rfm_score_recency(180, rc), 2);
	assert_int_equal(crm_rfm_score_recency(181, rc), 1);
	assert_int_equal(crm_rfm_score_high(1, hc), 1);
	assert_int_equal(crm_rfm_score_high(2, hc), 2);
	assert_int_equal(crm_rfm_score_high(3, hc), 3);
	assert_int_equal(crm_rfm_score_high(4.99, hc), 3);
	assert_int_equal(crm_rfm_score_high(5, hc), 4);
	assert_int_equal(crm_rfm_score_high(10, hc), 5);
	assert_int_equal(crm_rfm_score_high(1e9, hc), 5);
}

static void
test_segment_map_rows(void **state)
{
	/* Each row of rfm.h's table at a corner of its range. FM = (F+M+1)/2. */
	static const struct {
		int r, f, m;
		const char *seg;
	} c[] = {
		{ 5, 5, 5, "champions" },        { 5, 4, 3, "champions" },
		{ 4, 5, 5, "loyal" },            { 3, 4, 4, "loyal" },
		{ 5, 3, 2, "potential_loyalist" }, { 4, 1, 2, "potential_loyalist" },
		{ 5, 1, 1, "new" },              { 4, 1, 1, "promising" },
		{ 3, 3, 3, "need_attention" },   { 3, 2, 3, "need_attention" },
		{ 3, 1, 2, "about_to_sleep" },   { 3, 2, 2, "about_to_sleep" },
		{ 2, 5, 5, "cant_lose" },        { 1, 5, 4, "cant_lose" },
		{ 2, 3, 3, "at_risk" },          { 1, 4, 3, "at_risk" },
		{ 1, 1, 1, "lost" },             { 1, 2, 1, "hibernating" },
		{ 2, 1, 1, "hibernating" },      { 2, 2, 2, "hibernating" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		assert_string_equal(crm_rfm_segment_names[crm_rfm_segment(c[i].r, c[i].f, c[i].m)],
		                    c[i].seg);
}

static void
test_segment_map_covers_every_score(void **state)
{
	int r, f, m;

	(void)state;
	for (r = 1; r <= 5; r++)
		for (f = 1; f <= 5; f++)
			for (m = 1; m <= 5; m++)
				assert_int_not_equal(crm_rfm_segment(r, f, m), CRM_SEG_OTHERS);
	assert_int_equal(crm_rfm_segment(0, 0, 0), CRM_SEG_OTHERS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_distinct_values_spread_evenly),
		cmocka_unit_test(test_ties_share_one_score),
		cmocka_unit_test(test_input_order_does_not_matter),
		cmocka_unit_test(test_few_and_equal),
		cmocka_unit_test(test_negated_recency),
		cmocka_unit_test(test_thresholds_at_cut_points),
		cmocka_unit_test(test_segment_map_rows),
		cmocka_unit_test(test_segment_map_covers_every_score),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
