/*
 * rfm.c — RFM scores and the segment map; definitions in rfm.h.
 */
#include "rfm.h"

#include <stdlib.h>

#include "diag.h"

const char *const crm_rfm_segment_names[CRM_SEG_COUNT] = {
	"champions", "loyal", "potential_loyalist", "new", "promising",
	"need_attention", "about_to_sleep", "cant_lose", "at_risk", "lost",
	"hibernating", "others",
};

struct ranked {
	double value;
	size_t index;
};

static int
ranked_cmp(const void *pa, const void *pb)
{
	const struct ranked *a = pa, *b = pb;

	if (a->value != b->value)
		return a->value < b->value ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

void
crm_rfm_quintiles(const double *values, size_t n, uint8_t *out)
{
	struct ranked *r;
	size_t i, j, k;
	uint64_t score;

	if (n == 0)
		return;
	r = crm_xreallocarray(NULL, n, sizeof(*r));
	for (i = 0; i < n; i++)
		r[i] = (struct ranked){ values[i], i };
	qsort(r, n, sizeof(*r), ranked_cmp);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && r[j].value == r[i].value; j++)
			;
		/* below = i, tied = j - i: 1 + floor(5 (2 below + tied) / 2n). */
		score = 1 + (uint64_t)5 * (2 * (uint64_t)i + (j - i)) / (2 * (uint64_t)n);
		if (score > 5)
			score = 5;
		for (k = i; k < j; k++)
			out[r[k].index] = (uint8_t)score;
	}
	free(r);
}

int
crm_rfm_score_recency(double days, const double cuts[4])
{
	int s;

	for (s = 0; s < 4; s++)
		if (days <= cuts[s])
			return 5 - s;
	return 1;
}

int
crm_rfm_score_high(double value, const double cuts[4])
{
	int s;

	for (s = 3; s >= 0; s--)
		if (value >= cuts[s])
			return s + 2;
	return 1;
}

/* The map of rfm.h, row by row. */
static const struct {
	int r_lo, r_hi, fm_lo, fm_hi;
	enum crm_rfm_segment seg;
} segment_map[] = {
	{ 5, 5, 4, 5, CRM_SEG_CHAMPIONS },
	{ 3, 4, 4, 5, CRM_SEG_LOYAL },
	{ 4, 5, 2, 3, CRM_SEG_POTENTIAL_LOYALIST },
	{ 5, 5, 1, 1, CRM_SEG_NEW },
	{ 4, 4, 1, 1, CRM_SEG_PROMISING },
	{ 3, 3, 3, 3, CRM_SEG_NEED_ATTENTION },
	{ 3, 3, 1, 2, CRM_SEG_ABOUT_TO_SLEEP },
	{ 1, 2, 5, 5, CRM_SEG_CANT_LOSE },
	{ 1, 2, 3, 4, CRM_SEG_AT_RISK },
	{ 1, 1, 1, 1, CRM_SEG_LOST },
	{ 1, 2, 1, 2, CRM_SEG_HIBERNATING },
};

enum crm_rfm_segment
crm_rfm_segment(int r, int f, int m)
{
	int fm = (f + m + 1) / 2;
	size_t i;

	for (i = 0; i < sizeof(segment_map) / sizeof(segment_map[0]); i++)
		if (r >= segment_map[i].r_lo && r <= segment_map[i].r_hi &&
		    fm >= segment_map[i].fm_lo && fm <= segment_map[i].fm_hi)
			return segment_map[i].seg;
	return CRM_SEG_OTHERS;
}
