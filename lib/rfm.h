/*
 * rfm — recency, frequency and monetary scores and the standard RFM segment
 * map (SPEC §8). Pure functions over numbers; crm-segment feeds them the
 * figures of lib/summary.
 *
 * Quintile scores: each of R, F and M is 1-5 over the customers with paid
 * orders, 5 = most recent, most frequent, highest spend. A customer's score
 * comes from the mid-rank of its value: with `below` customers strictly
 * worse and `tied` customers equal (itself included) among n,
 *     score = 1 + floor(5 × (below + tied / 2) / n), at most 5.
 * Equal values always get equal scores (no arbitrary tie-breaking by row
 * order), one customer or all-equal values score 3 (the middle), and
 * distinct values spread evenly over 1-5.
 *
 * Threshold scores (rfm.method: thresholds): 4 increasing cut points c.
 *     recency: 5 when days <= c0, 4 <= c1, 3 <= c2, 2 <= c3, else 1;
 *     frequency, monetary: 5 when value >= c3, 4 >= c2, 3 >= c1, 2 >= c0, else 1.
 *
 * Segment map: FM = (F + M + 1) / 2 in whole numbers (the mean of F and M,
 * halves rounded up). The rows below are tried in order, first match wins;
 * together they cover every (R, FM) with scores 1-5, so "others" is only
 * the answer for scores outside 1-5 (customers without paid orders get no
 * scores and no segment at all).
 *
 *     segment             R      FM
 *     champions           5      4-5
 *     loyal               3-4    4-5
 *     potential_loyalist  4-5    2-3
 *     new                 5      1
 *     promising           4      1
 *     need_attention      3      3
 *     about_to_sleep      3      1-2
 *     cant_lose           1-2    5
 *     at_risk             1-2    3-4
 *     lost                1      1
 *     hibernating         1-2    1-2
 */
#ifndef CRM_RFM_H
#define CRM_RFM_H

#include <stddef.h>
#include <stdint.h>

enum crm_rfm_segment {
	CRM_SEG_CHAMPIONS,
	CRM_SEG_LOYAL,
	CRM_SEG_POTENTIAL_LOYALIST,
	CRM_SEG_NEW,
	CRM_SEG_PROMISING,
	CRM_SEG_NEED_ATTENTION,
	CRM_SEG_ABOUT_TO_SLEEP,
	CRM_SEG_CANT_LOSE,
	CRM_SEG_AT_RISK,
	CRM_SEG_LOST,
	CRM_SEG_HIBERNATING,
	CRM_SEG_OTHERS,
	CRM_SEG_COUNT
};

/* Names as written in streams (index: enum crm_rfm_segment). */
extern const char *const crm_rfm_segment_names[CRM_SEG_COUNT];

/* Quintile scores (above) of values[0..n) into out[0..n); higher value,
 * higher score. Values are whole numbers (days, orders, minor units), so
 * equality is exact. For recency pass the negated days. */
void crm_rfm_quintiles(const int64_t *values, size_t n, uint8_t *out);

/* Threshold scores (above). */
int crm_rfm_score_recency(double days, const double cuts[4]);
int crm_rfm_score_high(double value, const double cuts[4]);

/* The segment of scores r, f, m (each 1-5). */
enum crm_rfm_segment crm_rfm_segment(int r, int f, int m);

/* R, F and M of every customer of sum (by summary index; 0 without paid
 * orders) by cfg's method, over every buyer in the store: quintiles, or the
 * configured thresholds (monetary in major units of the base currency).
 * Each array needs crm_summary_count(sum) entries. */
struct crm_summary;
struct crm_config;
void crm_rfm_score_all(struct crm_summary *sum, const struct crm_config *cfg, uint8_t *r,
                       uint8_t *f, uint8_t *m);

#endif
