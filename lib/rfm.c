/*
 * rfm.c — RFM scores and the segment map; definitions in rfm.h.
 */
#include "rfm.h"

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "diag.h"
#include "summary.h"

const char *const crm_rfm_segment_names[CRM_SEG_COUNT] = {
	"champions", "loyal", "potential_loyalist", "new", "promising",
	"need_attention", "about_to_sleep", "cant_lose", "at_risk", "lost",
	"hibernating", "others",
};

/* Sort idx[0..n) by values[idx[i]] ascending: LSD radix sort on the
 * sign-flipped 64-bit keys, 16 bits a pass, skipping passes where every key
 * has the same digit. Stable and O(n); a million keys take milliseconds. */
static void
sort_by_value(const int64_t *values, size_t n, uint32_t *idx)
{
	uint32_t *tmp = crm_xreallocarray(NULL, n, sizeof(*tmp)), *src = idx, *dst = tmp, *t;
	size_t *count = crm_xcalloc(65536, sizeof(*count));
	size_t i, d, sum, c;
	int shift;

	for (i = 0; i < n; i++)
		idx[i] = (uint32_t)i;
	for (shift = 0; shift < 64; shift += 16) {
		memset(count, 0, 65536 * sizeof(*count));
		for (i = 0; i < n; i++)
			count[((uint64_t)values[src[i]] ^ UINT64_C(0x8000000000000000)) >> shift & 0xffff]++;
		d = ((uint64_t)values[src[0]] ^ UINT64_C(0x8000000000000000)) >> shift & 0xffff;
		if (count[d] == n)
			continue;
		for (sum = 0, d = 0; d < 65536; d++) {
			c = count[d];
			count[d] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			dst[count[((uint64_t)values[src[i]] ^ UINT64_C(0x8000000000000000)) >> shift & 0xffff]++] = src[i];
		t = src, src = dst, dst = t;
	}
	if (src != idx)
		memcpy(idx, src, n * sizeof(*idx));
	free(tmp);
	free(count);
}

void
crm_rfm_quintiles(const int64_t *values, size_t n, uint8_t *out)
{
	uint32_t *idx;
	size_t i, j, k;
	uint64_t score;

	if (n == 0)
		return;
	if (n > UINT32_MAX)
		crm_die(CRM_EX_SOFTWARE, "too many customers to score");
	idx = crm_xreallocarray(NULL, n, sizeof(*idx));
	sort_by_value(values, n, idx);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && values[idx[j]] == values[idx[i]]; j++)
			;
		/* below = i, tied = j - i: 1 + floor(5 (2 below + tied) / 2n). */
		score = 1 + (uint64_t)5 * (2 * (uint64_t)i + (j - i)) / (2 * (uint64_t)n);
		if (score > 5)
			score = 5;
		for (k = i; k < j; k++)
			out[idx[k]] = (uint8_t)score;
	}
	free(idx);
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

void
crm_rfm_score_all(crm_summary *sum, const struct crm_config *cfg, uint8_t *r, uint8_t *f,
                  uint8_t *m)
{
	size_t n = crm_summary_count(sum), k = 0, i;
	int64_t *vr = crm_xreallocarray(NULL, n + 1, sizeof(*vr));
	int64_t *vf = crm_xreallocarray(NULL, n + 1, sizeof(*vf));
	int64_t *vm = crm_xreallocarray(NULL, n + 1, sizeof(*vm));
	uint8_t *sr = crm_xcalloc(n + 1, 1), *sf = crm_xcalloc(n + 1, 1), *sm = crm_xcalloc(n + 1, 1);
	int64_t today = crm_summary_today(sum);
	double scale = crm_summary_scale(sum);
	for (i = 0; i < n; i++) {
		const struct crm_customer *c = crm_summary_at(sum, i);

		if (c->orders == 0)
			continue;
		vr[k] = -(today - c->last_order);
		vf[k] = c->orders;
		vm[k] = c->monetary;
		k++;
	}
	if (cfg->rfm_method == CRM_RFM_QUINTILES) {
		crm_rfm_quintiles(vr, k, sr);
		crm_rfm_quintiles(vf, k, sf);
		crm_rfm_quintiles(vm, k, sm);
	} else {
		for (i = 0; i < k; i++) {
			sr[i] = (uint8_t)crm_rfm_score_recency((double)-vr[i], cfg->rfm_cuts[0]);
			sf[i] = (uint8_t)crm_rfm_score_high((double)vf[i], cfg->rfm_cuts[1]);
			sm[i] = (uint8_t)crm_rfm_score_high((double)vm[i] / scale, cfg->rfm_cuts[2]);
		}
	}
	for (i = 0, k = 0; i < n; i++) {
		r[i] = f[i] = m[i] = 0;
		if (crm_summary_at(sum, i)->orders == 0)
			continue;
		r[i] = sr[k];
		f[i] = sf[k];
		m[i] = sm[k];
		k++;
	}
	free(vr), free(vf), free(vm), free(sr), free(sf), free(sm);
}
