/*
 * summary.c — one scan per table into a dense per-customer array. See
 * summary.h for the definitions it owns.
 */
#include "summary.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "date.h"
#include "diag.h"
#include "hash.h"
#include "stream.h"
#include "money.h"
#include "text.h"

const char *const crm_cfield_names[CRM_NFIELDS] = {
	"company", "email", "phone", "city", "region", "country", "industry",
	"size", "owner", "channel", "status", "preferred_channel", "birthday",
	"tags", "source",
};

struct crm_summary {
	struct crm_customer *cust; /* live customers, id order */
	size_t n;
	int64_t max_id;
	int32_t *pos;      /* id → index in cust, or -1; max_id + 1 entries */
	int64_t *merged;   /* id → survivor id for merged-away ids, or NULL */
	crm_buf text;      /* NUL-separated strings; offset 0 is "" */
	uint32_t *ext_name; /* 2 offsets per customer: external id, name */
	uint32_t *fields;  /* nfields offsets per customer (the fields read), or NULL */
	size_t nfields;
	int8_t slot[CRM_NFIELDS]; /* field → its place among a customer's, or -1 */
	uint32_t *extra;   /* nextra offsets per customer (opts.extra), or NULL */
	size_t nextra;
	size_t *extra_count; /* per extra column: customers with a value */
	int64_t today;
	int64_t until;     /* end of the holdout period (CRM_SUMMARY_DAYS) */
	unsigned flags;
	int digits;        /* base currency's minor digits */
	int window;        /* lifecycle.churn_days, for the trend counts */
	struct crm_purchase_days *pdays; /* per customer, or NULL */
	crm_orders_fn *each; /* order observer (crm_summary_load_hooked), or NULL */
	void *each_arg;
};

int32_t
crm_summary_day(const char *s)
{
	int y, m, d, i;

	if (s == NULL)
		return CRM_NO_DAY;
	for (i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
			return CRM_NO_DAY;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (!crm_date_valid(y, m, d))
		return CRM_NO_DAY;
	return (int32_t)crm_days_from_civil(y, m, d);
}

/* Day of a column, remembering the texts seen in a small direct-mapped
 * table: a table holds a few thousand distinct days at most, and the scan
 * of ten million orders is the hot loop. */
#define DAY_SLOTS 4096

struct day_cache {
	char (*text)[10];
	int32_t *day;
};

static void
day_cache_init(struct day_cache *dc)
{
	dc->text = crm_xcalloc(DAY_SLOTS, sizeof(*dc->text));
	dc->day = crm_xcalloc(DAY_SLOTS, sizeof(*dc->day));
}

static void
day_cache_free(struct day_cache *dc)
{
	free(dc->text);
	free(dc->day);
}

static int32_t
cached_day(struct day_cache *dc, const unsigned char *s)
{
	char text[11];
	unsigned h = 0;
	int i;

	if (s == NULL)
		return CRM_NO_DAY;
	for (i = 0; i < 10 && s[i] != '\0'; i++)
		h = h * 31 + s[i];
	if (i < 10)
		return crm_summary_day((const char *)s);
	h = (h ^ (h >> 12)) & (DAY_SLOTS - 1);
	if (memcmp(dc->text[h], s, 10) != 0) {
		memcpy(text, s, 10);
		text[10] = '\0';
		memcpy(dc->text[h], s, 10);
		dc->day[h] = crm_summary_day(text);
	}
	return dc->day[h];
}

static uint32_t
keep_text(crm_summary *sum, const unsigned char *s)
{
	size_t off;

	if (s == NULL || *s == '\0')
		return 0;
	off = sum->text.len;
	if (off > UINT32_MAX - 4096)
		crm_die(CRM_EX_SOFTWARE, "customer text over 4 GiB");
	crm_buf_append(&sum->text, s, strlen((const char *)s) + 1);
	return (uint32_t)off;
}

/* Columns 5.. of the customer query: the fields asked for, in enum
 * crm_cfield order (the names are the customers table's columns). */
#define CUSTOMER_QUERY_BASE "SELECT id, created_at, merged_into, external_id, name"

/* The customer query for the fields in mask (0: none), and with extra
 * whether the customer has imported columns; free it. Only column names of
 * ours go into the text. */
static char *
customer_query(uint32_t mask, bool extra)
{
	crm_buf q = {0};
	size_t i;

	crm_buf_puts(&q, CUSTOMER_QUERY_BASE);
	for (i = 0; i < CRM_NFIELDS; i++)
		if (mask & (1u << i))
			crm_buf_printf(&q, ", %s", crm_cfield_names[i]);
	if (extra)
		crm_buf_puts(&q, ", extra IS NOT NULL");
	crm_buf_puts(&q, " FROM customers");
	return q.data;
}

/* Room for every customer the table can hold (its largest rowid), so the
 * arrays never double past what they need. */
static size_t
customer_room(crm_store *s)
{
	sqlite3_stmt *st = crm_store_prepare(s, "SELECT max(rowid) FROM customers");
	size_t n = 1024;

	if (crm_store_step(s, st) == SQLITE_ROW && sqlite3_column_int64(st, 0) > 0 &&
	    sqlite3_column_int64(st, 0) < (int64_t)UINT32_MAX)
		n = (size_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* The live customers (and the merged-away ids), fields per mask; with
 * want_extra, whether any live customer has imported columns. */
static bool
load_customers(crm_summary *sum, crm_store *s, unsigned flags, uint32_t mask, bool want_extra)
{
	sqlite3_stmt *st;
	size_t cap = customer_room(s), mcap = 0, nmerged = 0, i;
	int64_t (*merged)[2] = NULL;
	struct day_cache dc;
	bool fields = flags & CRM_SUMMARY_FIELDS, any_extra = false;
	int col;
	char *q;

	if (!fields)
		mask = 0;
	else if (mask == 0)
		mask = (1u << CRM_NFIELDS) - 1;
	/* Only the fields read take room: a slot each, in field order. */
	for (i = 0; i < CRM_NFIELDS; i++)
		sum->slot[i] = mask & (1u << i) ? (int8_t)sum->nfields++ : -1;
	day_cache_init(&dc);
	q = customer_query(mask, want_extra);
	st = crm_store_prepare(s, q);
	free(q);
	sum->cust = crm_xreallocarray(NULL, cap, sizeof(*sum->cust));
	sum->ext_name = crm_xreallocarray(NULL, cap, 2 * sizeof(uint32_t));
	if (fields)
		sum->fields = crm_xreallocarray(NULL, cap, (sum->nfields + 1) * sizeof(uint32_t));
	crm_buf_putc(&sum->text, '\0');
	/* About 32 bytes of external id and name a customer, more with fields:
	 * reserved at once rather than doubled (and copied) as it fills. */
	crm_buf_reserve(&sum->text, cap * (fields ? 96 : 32));
	while (crm_store_step(s, st) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		struct crm_customer *c;

		if (id > sum->max_id)
			sum->max_id = id;
		if (id > (int64_t)UINT32_MAX)
			crm_die(CRM_EX_SOFTWARE, "customer id %lld is beyond what this build "
			    "can summarise", (long long)id);
		if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
			if (nmerged == mcap) {
				mcap = mcap ? 2 * mcap : 64;
				merged = crm_xreallocarray(merged, mcap, sizeof(*merged));
			}
			merged[nmerged][0] = id;
			merged[nmerged++][1] = sqlite3_column_int64(st, 2);
			continue;
		}
		if (sum->n == cap) {
			cap *= 2;
			sum->cust = crm_xreallocarray(sum->cust, cap, sizeof(*sum->cust));
			sum->ext_name = crm_xreallocarray(sum->ext_name, cap,
			    2 * sizeof(uint32_t));
			if (fields)
				sum->fields = crm_xreallocarray(sum->fields, cap,
				    (sum->nfields + 1) * sizeof(uint32_t));
		}
		c = &sum->cust[sum->n];
		*c = (struct crm_customer){
			.id = id,
			.created = cached_day(&dc, sqlite3_column_text(st, 1)),
			.first_order = CRM_NO_DAY,
			.last_order = CRM_NO_DAY,
			.prev_order = CRM_NO_DAY,
			.last_contact = CRM_NO_DAY,
			.last_csat = -1,
			.last_nps = -1,
			.last_csat_day = CRM_NO_DAY,
			.last_nps_day = CRM_NO_DAY,
		};
		sum->ext_name[2 * sum->n] = keep_text(sum, sqlite3_column_text(st, 3));
		sum->ext_name[2 * sum->n + 1] = keep_text(sum, sqlite3_column_text(st, 4));
		col = 5;
		if (fields)
			for (i = 0; i < sum->nfields; i++)
				sum->fields[sum->n * sum->nfields + i] =
				    keep_text(sum, sqlite3_column_text(st, col++));
		if (want_extra && sqlite3_column_int(st, col) != 0)
			any_extra = true;
		sum->n++;
	}
	sqlite3_finalize(st);
	day_cache_free(&dc);

	/* The table scan is in rowid order, so cust is sorted by id. */
	sum->pos = crm_xreallocarray(NULL, (size_t)sum->max_id + 1, sizeof(*sum->pos));
	memset(sum->pos, 0xff, ((size_t)sum->max_id + 1) * sizeof(*sum->pos));
	for (i = 0; i < sum->n; i++)
		sum->pos[sum->cust[i].id] = (int32_t)i;
	if (nmerged > 0) {
		sum->merged = crm_xcalloc((size_t)sum->max_id + 1, sizeof(*sum->merged));
		for (i = 0; i < nmerged; i++)
			sum->merged[merged[i][0]] = merged[i][1];
	}
	free(merged);
	return any_extra;
}

/* The conversion of one currency into base minor units. */
struct rate_cache {
	char currency[4];
	int64_t micro;   /* rate, or -1 when unknown */
	int shift;       /* base digits − currency digits */
};

struct unknown_currencies {
	char (*codes)[4];
	size_t n;
};

static bool
lookup_rate(struct rate_cache *rc, const char *cur, const struct crm_config *cfg,
            int base_digits, struct unknown_currencies *unk)
{
	size_t i;

	if (strncmp(rc->currency, cur, 4) == 0)
		return rc->micro >= 0;
	snprintf(rc->currency, sizeof(rc->currency), "%s", cur);
	rc->micro = crm_config_rate(cfg, cur);
	rc->shift = base_digits - crm_money_minor_digits(cur);
	if (rc->micro >= 0)
		return true;
	for (i = 0; i < unk->n; i++)
		if (strcmp(unk->codes[i], rc->currency) == 0)
			return false;
	crm_warn("orders in %s left out: no exchange rate for it (add "
	    "exchange_rates.%s to the configuration)", rc->currency, rc->currency);
	unk->codes = crm_xreallocarray(unk->codes, unk->n + 1, sizeof(*unk->codes));
	memcpy(unk->codes[unk->n++], rc->currency, 4);
	return false;
}

/* amount (minor units of the rate's currency) in minor units of the base,
 * rounded half away from zero; 128-bit so no product overflows. */
static int64_t
to_base(int64_t amount, const struct rate_cache *rc)
{
	__int128 v = (__int128)amount * rc->micro;
	__int128 div = 1000000;
	int k;

	if (rc->shift == 0 && rc->micro == 1000000)
		return amount;
	for (k = 0; k < rc->shift; k++)
		v *= 10;
	for (k = 0; k < -rc->shift; k++)
		div *= 10;
	v = v >= 0 ? (v + div / 2) / div : -((-v + div / 2) / div);
	if (v > INT64_MAX || v < INT64_MIN)
		crm_die(CRM_EX_DATAERR, "an order amount overflows after conversion");
	return (int64_t)v;
}

/* Paid-order figures being summed, indexed by customer id. */
struct order_acc {
	int32_t first, last, prev; /* days, CRM_NO_DAY for none */
	uint32_t orders;
	int64_t monetary;
};

/* Fold one order into a.  prev is the latest order day before last, so
 * orders may arrive in any order. */
static void
acc_add(struct order_acc *a, int32_t day, uint32_t orders, int64_t amount)
{
	a->orders += orders;
	a->monetary += amount;
	if (a->first == CRM_NO_DAY || day < a->first)
		a->first = day;
	if (a->last == CRM_NO_DAY || day > a->last) {
		if (a->last != CRM_NO_DAY)
			a->prev = a->last;
		a->last = day;
	} else if (day < a->last && (a->prev == CRM_NO_DAY || day > a->prev))
		a->prev = day;
}

/* Fold all of b into a (a merged-away id's orders into its survivor). */
static void
acc_merge(struct order_acc *a, const struct order_acc *b)
{
	if (b->orders == 0)
		return;
	acc_add(a, b->last, b->orders, b->monetary);
	if (b->prev != CRM_NO_DAY)
		acc_add(a, b->prev, 0, 0);
	if (b->first < a->first)
		a->first = b->first;
}

/* Orders wait in a small batch whose accumulators are prefetched, so the
 * cache misses of a random customer per order overlap with SQLite's work
 * on the next rows instead of stalling one by one. */
#define BATCH 64

struct pending {
	int64_t amount;
	uint32_t id;  /* customer ids fit: load_customers checks */
	int32_t day;
};

/* Paid orders kept for the purchase-day count (CRM_SUMMARY_DAYS). */
struct order_list {
	struct pending *v;
	size_t n, cap;
};

/* Room for every order the table can hold (its largest rowid), so the list
 * never doubles past what it needs. */
static void
reserve_orders(crm_store *s, struct order_list *keep)
{
	sqlite3_stmt *st = crm_store_prepare(s, "SELECT max(rowid) FROM orders");

	if (crm_store_step(s, st) == SQLITE_ROW && sqlite3_column_int64(st, 0) > 0)
		keep->cap = (size_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (keep->cap > 0)
		keep->v = crm_xreallocarray(NULL, keep->cap, sizeof(*keep->v));
}

static void
apply_batch(crm_summary *sum, struct order_acc *acc, const struct pending *b, size_t n,
            struct order_list *keep)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (keep != NULL) {
			if (keep->n == keep->cap) {
				keep->cap = keep->cap ? 2 * keep->cap : 4096;
				keep->v = crm_xreallocarray(keep->v, keep->cap, sizeof(*keep->v));
			}
			keep->v[keep->n++] = b[i];
		}
		if (b[i].day <= sum->today)
			acc_add(&acc[b[i].id], b[i].day, 1, b[i].amount);
	}
}

/* LSD radix sort of v[0..n) by (id, day), 11 bits a pass: each pass reads
 * the array once and writes it once to 2048 streams, so the memory traffic
 * is sequential (an in-place sort swapping orders to random places cost
 * seconds of cache misses on ten million orders). */
static void
sort_by_customer_day(struct pending *v, size_t n, int64_t max_id)
{
	struct pending *tmp, *src = v, *dst, *t;
	size_t count[2048], i, d, sum, c;
	int32_t min_day = INT32_MAX, max_day = INT32_MIN;
	unsigned day_bits = 0, id_bits = 0, shift, total;
	uint64_t key;

	if (n < 2)
		return;
	for (i = 0; i < n; i++) {
		if (v[i].day < min_day)
			min_day = v[i].day;
		if (v[i].day > max_day)
			max_day = v[i].day;
	}
	while (day_bits < 32 && ((uint64_t)max_day - (uint64_t)(int64_t)min_day) >> day_bits)
		day_bits++;
	while (id_bits < 32 && (uint64_t)max_id >> id_bits)
		id_bits++;
	total = day_bits + id_bits;
	tmp = crm_xreallocarray(NULL, n, sizeof(*tmp));
	dst = tmp;
#define KEY(e) (((uint64_t)(e).id << day_bits) | (uint64_t)((int64_t)(e).day - min_day))
	for (shift = 0; shift < total; shift += 11) {
		memset(count, 0, sizeof(count));
		for (i = 0; i < n; i++)
			count[KEY(src[i]) >> shift & 2047]++;
		for (sum = 0, d = 0; d < 2048; d++) {
			c = count[d];
			count[d] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++) {
			key = KEY(src[i]);
			dst[count[key >> shift & 2047]++] = src[i];
		}
		t = src, src = dst, dst = t;
	}
#undef KEY
	if (src != v)
		memcpy(v, src, n * sizeof(*v));
	free(tmp);
}

/* Purchase days per customer from the kept orders, sorted by (customer, day). */
static void
count_purchase_days(crm_summary *sum, struct order_list *keep)
{
	struct pending *v = keep->v;
	size_t lo = 0, hi, i = 0, k;

	sort_by_customer_day(v, keep->n, sum->max_id);
	sum->pdays = crm_xcalloc(sum->n + 1, sizeof(*sum->pdays));
	for (lo = 0; lo < keep->n; lo = hi) {
		struct crm_purchase_days *pd;
		int32_t prev = CRM_NO_DAY;

		for (hi = lo + 1; hi < keep->n && v[hi].id == v[lo].id; hi++)
			;
		/* Customers (id order) without kept orders keep zeros. */
		while (i < sum->n && sum->cust[i].id < (int64_t)v[lo].id)
			i++;
		if (i == sum->n || sum->cust[i].id != (int64_t)v[lo].id)
			continue;
		pd = &sum->pdays[i];
		for (k = lo; k < hi; k++) {
			bool new_day = v[k].day != prev;

			if (v[k].day <= sum->today) {
				pd->days += new_day;
				if (new_day && v[k].day > sum->today - sum->window)
					pd->recent_days++;
				else if (new_day && v[k].day > sum->today - 2 * (int64_t)sum->window)
					pd->prior_days++;
				if (v[k].day == v[lo].day)
					pd->first_value += v[k].amount;
			} else {
				pd->after_days += new_day;
				pd->after_value += v[k].amount;
			}
			prev = v[k].day;
		}
	}
}

/* Orders on their way to the observer: ids waiting while their pos[]
 * entries are prefetched, then resolved to live customers in one go. */
struct seen_batch {
	struct crm_order_seen v[BATCH];
	int64_t id[BATCH];
	size_t n;
};

static void
seen_flush(crm_summary *sum, struct seen_batch *b)
{
	size_t i, k = 0;

	for (i = 0; i < b->n; i++) {
		struct crm_customer *c = crm_summary_find(sum, b->id[i]);

		if (c == NULL || b->v[i].day > sum->today)
			continue;
		b->v[k] = b->v[i];
		b->v[k++].idx = (uint32_t)crm_summary_index(sum, c);
	}
	if (k > 0)
		sum->each(sum->each_arg, b->v, k);
	b->n = 0;
}

static void
seen_add(crm_summary *sum, struct seen_batch *b, int64_t id, int32_t day, int64_t amount,
         bool refund)
{
	__builtin_prefetch(&sum->pos[id]);
	b->id[b->n] = id;
	b->v[b->n++] = (struct crm_order_seen){ amount, 0, day, refund };
	if (b->n == BATCH)
		seen_flush(sum, b);
}

/*
 * The order scan runs as two stages: reading threads step SQLite and copy
 * each row's few fields into batches; a folding thread folds the batches
 * into the per-customer figures (dates, rates, the random access to each
 * customer's accumulator). The stages overlap, so the scan costs about the
 * larger of the two rather than their sum. Stepping SQLite is the larger:
 * when a second connection reads the same snapshot (begin_read), it reads
 * the upper half of the table's rowids while this thread reads the lower.
 * Folding does not depend on the orders' order. Each connection is touched
 * by its reading thread only.
 */
#define RAW_BATCH 4096
#define RAW_SLOTS 8

/* One order as read: copied out of SQLite's buffers. */
struct raw_order {
	int64_t id, amount;
	char day[10];     /* the date's first 10 bytes; day[0] == 0: none */
	char currency[8]; /* NUL-terminated, cut at 7 bytes */
	bool refund;
};

struct raw_batch {
	struct raw_order v[RAW_BATCH];
	size_t n;
};

/* Batches between the readers and the folder: the full ones in the order
 * they were handed over, the empty ones on a stack. */
struct raw_queue {
	pthread_mutex_t mu;
	pthread_cond_t filled, emptied;
	struct raw_batch *full[RAW_SLOTS], *empty[RAW_SLOTS];
	size_t head, nfull, nempty;
	int readers;        /* readers not finished */
};

/* State of the folding stage. */
struct folder {
	crm_summary *sum;
	const struct crm_config *cfg;
	struct raw_queue *q;
	int64_t max_id;     /* the largest customer id acc has room for */
	struct order_acc *acc;
	struct order_list *keep;
	struct seen_batch *seen;
	struct day_cache dc;
	struct rate_cache rc;
	struct unknown_currencies unk;
};

static void
fold_batch(struct folder *f, const struct raw_batch *rb)
{
	crm_summary *sum = f->sum;
	struct pending batch[BATCH];
	size_t nb = 0, i;
	int64_t id, amount;
	int32_t day;

	for (i = 0; i < rb->n; i++) {
		const struct raw_order *o = &rb->v[i];

		day = o->day[0] ? cached_day(&f->dc, (const unsigned char *)o->day) : CRM_NO_DAY;
		id = o->id;
		if (day == CRM_NO_DAY || day > sum->until || id <= 0 || id > f->max_id)
			continue;
		/* Kept orders of a merged-away id are filed under its survivor. */
		if (f->keep != NULL && sum->merged != NULL && sum->merged[id] != 0) {
			struct crm_customer *c = crm_summary_find(sum, id);

			if (c == NULL)
				continue;
			id = c->id;
		}
		if (!lookup_rate(&f->rc, o->currency, f->cfg, sum->digits, &f->unk))
			continue;
		amount = to_base(o->amount, &f->rc);
		if (f->seen != NULL) {
			seen_add(sum, f->seen, id, day, amount, o->refund);
			if (o->refund)
				continue;
		}
		__builtin_prefetch(&f->acc[id], 1);
		batch[nb++] = (struct pending){ amount, (uint32_t)id, day };
		if (nb == BATCH) {
			apply_batch(sum, f->acc, batch, nb, f->keep);
			nb = 0;
		}
	}
	apply_batch(sum, f->acc, batch, nb, f->keep);
}

/* The folding thread: batches until every reader is done and none is left. */
static void *
fold_work(void *arg)
{
	struct folder *f = arg;
	struct raw_queue *q = f->q;
	struct raw_batch *rb;

	for (;;) {
		pthread_mutex_lock(&q->mu);
		while (q->nfull == 0 && q->readers > 0)
			pthread_cond_wait(&q->filled, &q->mu);
		if (q->nfull == 0) {
			pthread_mutex_unlock(&q->mu);
			return NULL;
		}
		rb = q->full[q->head];
		q->head = (q->head + 1) % RAW_SLOTS;
		q->nfull--;
		pthread_mutex_unlock(&q->mu);
		fold_batch(f, rb);
		rb->n = 0;
		pthread_mutex_lock(&q->mu);
		q->empty[q->nempty++] = rb;
		pthread_cond_signal(&q->emptied);
		pthread_mutex_unlock(&q->mu);
	}
}

/* An empty batch to fill, waiting for the folder to free one. */
static struct raw_batch *
take_empty(struct raw_queue *q)
{
	struct raw_batch *b;

	pthread_mutex_lock(&q->mu);
	while (q->nempty == 0)
		pthread_cond_wait(&q->emptied, &q->mu);
	b = q->empty[--q->nempty];
	pthread_mutex_unlock(&q->mu);
	return b;
}

/* Hand a filled batch (NULL: none) to the folder; done: this reader has
 * finished. */
static void
hand_over(struct raw_queue *q, struct raw_batch *b, bool done)
{
	pthread_mutex_lock(&q->mu);
	if (b != NULL && b->n > 0) {
		q->full[(q->head + q->nfull) % RAW_SLOTS] = b;
		q->nfull++;
	} else if (b != NULL) {
		q->empty[q->nempty++] = b;
		pthread_cond_signal(&q->emptied);
	}
	if (done)
		q->readers--;
	pthread_cond_signal(&q->filled); /* only the folder waits for it */
	pthread_mutex_unlock(&q->mu);
}

/* Read the orders of st into batches for the folding thread, or (alone: no
 * thread could be started) fold each batch here. */
static void
read_orders(crm_store *s, sqlite3_stmt *st, struct raw_queue *q, struct folder *alone)
{
	struct raw_batch *b = alone != NULL ? q->empty[0] : take_empty(q);

	while (crm_store_step(s, st) == SQLITE_ROW) {
		struct raw_order *o = &b->v[b->n];
		const char *day = (const char *)sqlite3_column_text(st, 1);
		const char *cur = (const char *)sqlite3_column_text(st, 3);
		size_t len;

		o->id = sqlite3_column_int64(st, 0);
		o->amount = sqlite3_column_int64(st, 2);
		o->refund = sqlite3_column_int(st, 4) != 0;
		/* A text shorter than a date is no date. */
		len = day != NULL ? (size_t)sqlite3_column_bytes(st, 1) : 0;
		if (len >= 10)
			memcpy(o->day, day, 10);
		else
			o->day[0] = '\0';
		len = cur != NULL ? strnlen(cur, sizeof o->currency - 1) : 0;
		memcpy(o->currency, cur ? cur : "", len);
		o->currency[len] = '\0';
		if (++b->n < RAW_BATCH)
			continue;
		if (alone != NULL) {
			fold_batch(alone, b);
			b->n = 0;
		} else {
			hand_over(q, b, false);
			b = take_empty(q);
		}
	}
	if (alone != NULL)
		fold_batch(alone, b);
	else
		hand_over(q, b, true);
}

/* The second reader: the upper half of the rowids on a connection of its own. */
struct upper_half {
	crm_store *conn;
	sqlite3_stmt *st;
	struct raw_queue *q;
};

static void *
read_upper_half(void *arg)
{
	struct upper_half *u = arg;

	read_orders(u->conn, u->st, u->q, NULL);
	return NULL;
}

/* The orders query over rowids [?1, ?2]: with an observer, refund rows
 * are read too (column 4 tells them); they never reach the paid-order
 * figures. Both statuses are named, so a status added one day is never
 * taken for paid. */
static sqlite3_stmt *
orders_query(crm_store *s, bool refunds, int64_t from, int64_t to)
{
	sqlite3_stmt *st = crm_store_prepare(s, refunds ?
	    "SELECT customer_id, ordered_at, amount, currency, status = 'refunded' "
	    "FROM orders WHERE rowid BETWEEN ?1 AND ?2 AND "
	    "(status = 'paid' OR status = 'refunded')" :
	    "SELECT customer_id, ordered_at, amount, currency, 0 FROM orders "
	    "WHERE rowid BETWEEN ?1 AND ?2 AND status = 'paid'");

	crm_store_bind_int(s, st, 1, from);
	crm_store_bind_int(s, st, 2, to);
	return st;
}

/* The middle of the orders' rowids, where the second reader starts (after
 * *mid); false when there is nothing to split. Small tables are split too:
 * the cost is a thread, and every test then runs the path big stores take. */
static bool
split_point(crm_store *s, int64_t *mid)
{
	sqlite3_stmt *st = crm_store_prepare(s, "SELECT (SELECT min(rowid) FROM orders), "
	    "(SELECT max(rowid) FROM orders)");
	bool split = false;
	int64_t lo, hi;

	if (crm_store_step(s, st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		lo = sqlite3_column_int64(st, 0);
		hi = sqlite3_column_int64(st, 1);
		*mid = lo / 2 + hi / 2;
		split = hi > lo;
	}
	sqlite3_finalize(st);
	return split;
}

/*
 * The order scan, started and finished apart: with a second connection and
 * nothing that needs the customers while folding (no purchase days, no
 * observer), it starts before the customers are read, the second
 * connection reading the upper half of the orders and a thread folding
 * them while this thread reads the customers; this thread then reads the
 * lower half. Without threads, this thread does it all in finish.
 */
struct order_scan {
	struct raw_queue q;
	struct folder f;
	struct upper_half u;
	struct order_list keep;
	size_t acc_bytes;
	int64_t mid;             /* the lower half's last rowid, when upper */
	bool folding, upper;     /* those threads run */
	pthread_t fold_tid, read_tid;
};

/* Start the scan: accumulators for customer ids up to max_id, the folding
 * thread, and the upper half's reader on second (NULL: none). */
static void
scan_start(struct order_scan *sc, crm_summary *sum, crm_store *s, crm_store *second,
           const struct crm_config *cfg, int64_t max_id)
{
	struct raw_queue *q = &sc->q;
	struct folder *f = &sc->f;
	size_t i;

	memset(sc, 0, sizeof(*sc));
	*f = (struct folder){ .sum = sum, .cfg = cfg, .q = q, .rc = { "", -1, 0 },
	                      .max_id = max_id };
	f->keep = sum->flags & CRM_SUMMARY_DAYS ? &sc->keep : NULL;
	f->seen = sum->each ? crm_xcalloc(1, sizeof(*f->seen)) : NULL;
	day_cache_init(&f->dc);
	f->acc = crm_big_calloc((size_t)max_id + 1, sizeof(*f->acc), &sc->acc_bytes);
	if (f->keep != NULL)
		reserve_orders(s, f->keep);
	for (i = 0; i <= (size_t)max_id; i++)
		f->acc[i].first = f->acc[i].last = f->acc[i].prev = CRM_NO_DAY;

	for (i = 0; i < RAW_SLOTS; i++)
		q->empty[q->nempty++] = crm_xcalloc(1, sizeof(struct raw_batch));
	if (pthread_mutex_init(&q->mu, NULL) != 0 || pthread_cond_init(&q->filled, NULL) != 0 ||
	    pthread_cond_init(&q->emptied, NULL) != 0)
		crm_die(CRM_EX_SOFTWARE, "cannot set up the order scan");
	q->readers = 1;
	sc->folding = pthread_create(&sc->fold_tid, NULL, fold_work, f) == 0;
	if (!sc->folding || second == NULL || !split_point(s, &sc->mid))
		return;
	sc->u = (struct upper_half){ second, orders_query(second, sum->each != NULL,
	                                                  sc->mid + 1, INT64_MAX), q };
	pthread_mutex_lock(&q->mu);
	q->readers++;
	pthread_mutex_unlock(&q->mu);
	sc->upper = pthread_create(&sc->read_tid, NULL, read_upper_half, &sc->u) == 0;
	if (!sc->upper)
		hand_over(q, NULL, true);
}

/* This thread's share of the reading, the threads joined, the figures
 * into the customers. */
static void
scan_finish(struct order_scan *sc, crm_summary *sum, crm_store *s)
{
	struct raw_queue *q = &sc->q;
	struct folder *f = &sc->f;
	sqlite3_stmt *st = orders_query(s, sum->each != NULL, INT64_MIN,
	                                sc->upper ? sc->mid : INT64_MAX);
	size_t i;

	read_orders(s, st, q, sc->folding ? NULL : f);
	if (sc->upper)
		pthread_join(sc->read_tid, NULL);
	if (sc->folding)
		pthread_join(sc->fold_tid, NULL);
	sqlite3_finalize(st);
	sqlite3_finalize(sc->u.st);
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->filled);
	pthread_cond_destroy(&q->emptied);
	for (i = 0; i < q->nempty; i++)
		free(q->empty[i]);
	for (i = 0; i < q->nfull; i++)
		free(q->full[(q->head + i) % RAW_SLOTS]);
	if (f->seen != NULL) {
		seen_flush(sum, f->seen);
		free(f->seen);
	}
	day_cache_free(&f->dc);
	free(f->unk.codes);

	/* Orders still filed under a merged-away id count for the survivor. */
	if (sum->merged != NULL)
		for (i = 1; i <= (size_t)sum->max_id; i++) {
			struct crm_customer *c;

			if (sum->merged[i] == 0 || f->acc[i].orders == 0)
				continue;
			if ((c = crm_summary_find(sum, (int64_t)i)) != NULL)
				acc_merge(&f->acc[c->id], &f->acc[i]);
		}
	for (i = 0; i < sum->n; i++) {
		struct crm_customer *c = &sum->cust[i];
		const struct order_acc *a = &f->acc[c->id];

		c->first_order = a->first;
		c->last_order = a->last;
		c->prev_order = a->prev;
		c->orders = a->orders;
		c->monetary = a->monetary;
	}
	crm_big_free(f->acc, sc->acc_bytes);
	if (f->keep != NULL) {
		count_purchase_days(sum, f->keep);
		free(sc->keep.v);
	}
}

static void
load_contact(crm_summary *sum, crm_store *s)
{
	sqlite3_stmt *st = crm_store_prepare(s,
	    "SELECT customer_id, at, csat, nps FROM interactions");
	struct day_cache dc;
	/* Day of each customer's latest CSAT/NPS answer so far. */
	int32_t *csat_day = crm_xcalloc(sum->n, sizeof(*csat_day));
	int32_t *nps_day = crm_xcalloc(sum->n, sizeof(*nps_day));
	struct crm_customer *c;
	int32_t day;
	size_t i;

	day_cache_init(&dc);
	for (i = 0; i < sum->n; i++)
		csat_day[i] = nps_day[i] = CRM_NO_DAY;
	while (crm_store_step(s, st) == SQLITE_ROW) {
		day = cached_day(&dc, sqlite3_column_text(st, 1));
		c = crm_summary_find(sum, sqlite3_column_int64(st, 0));
		if (c == NULL || day == CRM_NO_DAY || day > sum->today)
			continue;
		i = crm_summary_index(sum, c);
		c->interactions++;
		if (c->last_contact == CRM_NO_DAY || day > c->last_contact)
			c->last_contact = day;
		if (sqlite3_column_type(st, 2) != SQLITE_NULL && day >= csat_day[i]) {
			csat_day[i] = day;
			c->last_csat = (int8_t)sqlite3_column_int(st, 2);
		}
		if (sqlite3_column_type(st, 3) != SQLITE_NULL && day >= nps_day[i]) {
			nps_day[i] = day;
			c->last_nps = (int8_t)sqlite3_column_int(st, 3);
		}
	}
	sqlite3_finalize(st);
	day_cache_free(&dc);

	/* Open at the end of today: opened by today and not resolved by
	 * today. A ticket rating counts as a CSAT answer on its resolution day. */
	st = crm_store_prepare(s, "SELECT customer_id, opened_at, status, resolved_at, "
	    "csat FROM tickets");
	while (crm_store_step(s, st) == SQLITE_ROW) {
		int32_t opened = crm_summary_day((const char *)sqlite3_column_text(st, 1));
		int32_t resolved = crm_summary_day((const char *)sqlite3_column_text(st, 3));
		const char *status = (const char *)sqlite3_column_text(st, 2);

		c = crm_summary_find(sum, sqlite3_column_int64(st, 0));
		if (c == NULL || opened == CRM_NO_DAY || opened > sum->today)
			continue;
		if (resolved == CRM_NO_DAY ? strcmp(status, "open") == 0 :
		    resolved > sum->today)
			c->open_tickets++;
		i = crm_summary_index(sum, c);
		if (sqlite3_column_type(st, 4) != SQLITE_NULL && resolved != CRM_NO_DAY &&
		    resolved <= sum->today && resolved >= csat_day[i]) {
			csat_day[i] = resolved;
			c->last_csat = (int8_t)sqlite3_column_int(st, 4);
		}
	}
	sqlite3_finalize(st);
	for (i = 0; i < sum->n; i++) {
		sum->cust[i].last_csat_day = csat_day[i];
		sum->cust[i].last_nps_day = nps_day[i];
	}
	free(csat_day);
	free(nps_day);
}

/* The read transaction of a load: one snapshot for every table, and a
 * second connection on the same snapshot for the order scan. */
struct read_txn {
	bool own;          /* begun here (the caller had none open) */
	crm_store *second; /* NULL: none */
};

static int64_t
data_version(crm_store *s)
{
	sqlite3_stmt *st = crm_store_prepare(s, "PRAGMA data_version");
	int64_t v = crm_store_step(s, st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;

	sqlite3_finalize(st);
	return v;
}

/* Start a read transaction on a second connection (whose snapshot is the
 * latest commit); false when that fails. */
static bool
begin_snapshot(crm_store *t)
{
	sqlite3 *db = crm_store_db(t);

	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return false;
	if (sqlite3_exec(db, "PRAGMA data_version", NULL, NULL, NULL) == SQLITE_OK)
		return true;
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return false;
}

static void
drop_second(struct read_txn *t)
{
	if (t->second == NULL)
		return;
	sqlite3_exec(crm_store_db(t->second), "ROLLBACK", NULL, NULL, NULL);
	crm_store_close(t->second);
	t->second = NULL;
}

/*
 * Begin the load's read transaction, unless the caller has one open. With
 * threads, a second connection begins its own first; the two share a
 * snapshot when no commit came between them, which PRAGMA data_version
 * tells: it changes on this connection when another one committed since
 * it last looked. Otherwise (a job committed just then) the scan does
 * without the second connection.
 */
static void
begin_read(crm_store *s, struct read_txn *t)
{
	int64_t before;

	t->second = NULL;
	t->own = sqlite3_get_autocommit(crm_store_db(s)) != 0;
	if (!t->own)
		return;
	before = data_version(s);
	if ((t->second = crm_store_open_reader(s)) != NULL && !begin_snapshot(t->second)) {
		crm_store_close(t->second);
		t->second = NULL;
	}
	crm_store_exec(s, "BEGIN");
	if (data_version(s) != before)
		drop_second(t);
}

static void
end_read(crm_store *s, struct read_txn *t)
{
	drop_second(t);
	if (t->own)
		crm_store_exec(s, "COMMIT");
}

static crm_summary *crm_summary_load_full(crm_store *s, const struct crm_config *cfg,
                                          int64_t today, int64_t until,
                                          const struct crm_summary_opts *o,
                                          const struct crm_summary_hooks *h);

crm_summary *
crm_summary_load(crm_store *s, const struct crm_config *cfg, int64_t today, unsigned flags)
{
	return crm_summary_load_until(s, cfg, today, today, flags);
}

crm_summary *
crm_summary_load_hooked(crm_store *s, const struct crm_config *cfg, int64_t today,
                        unsigned flags, const struct crm_summary_hooks *h)
{
	struct crm_summary_opts o = { .flags = flags };

	return crm_summary_load_full(s, cfg, today, today, &o, h);
}

crm_summary *
crm_summary_load_until(crm_store *s, const struct crm_config *cfg, int64_t today,
                       int64_t until, unsigned flags)
{
	struct crm_summary_opts o = { .flags = flags };

	return crm_summary_load_full(s, cfg, today, until, &o, NULL);
}

crm_summary *
crm_summary_load_opts(crm_store *s, const struct crm_config *cfg, int64_t today,
                      const struct crm_summary_opts *o)
{
	return crm_summary_load_full(s, cfg, today, today, o, NULL);
}

/* The wanted extra columns (folded) that a key of the JSON is, cached by
 * the key as written: -1 for none, else the index into sum->extra's row. */
static int64_t
extra_index(crm_hash *cache, char *const *want, size_t nwant, const char *key)
{
	int64_t k;
	char *folded;
	size_t i;

	if (crm_hash_get(cache, key, strlen(key), &k))
		return k;
	folded = crm_text_key(key);
	for (k = -1, i = 0; i < nwant && k < 0; i++)
		if (strcmp(folded, want[i]) == 0)
			k = (int64_t)i;
	free(folded);
	crm_hash_put(cache, key, strlen(key), k);
	return k;
}

/* The wanted columns of every live customer's extra JSON, read by
 * SQLite's own JSON parser (json_each); malformed JSON is passed over. */
static void
load_extra(crm_summary *sum, crm_store *s, const char *const *names, size_t n)
{
	sqlite3_stmt *st = crm_store_prepare(s, "SELECT c.id, j.key, j.value FROM customers AS c, "
	    "json_each(c.extra) AS j WHERE c.extra IS NOT NULL AND c.merged_into IS NULL AND "
	    "json_valid(c.extra) AND j.type IN ('text', 'integer', 'real')");
	char **want = crm_xcalloc(n, sizeof(*want));
	crm_hash *cache = crm_hash_new();
	struct crm_customer *c;
	size_t i;

	sum->nextra = n;
	sum->extra = crm_xcalloc(sum->n * n + 1, sizeof(*sum->extra));
	sum->extra_count = crm_xcalloc(n, sizeof(*sum->extra_count));
	for (i = 0; i < n; i++)
		want[i] = crm_text_key(names[i]);
	while (crm_store_step(s, st) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(st, 1);
		const unsigned char *value = sqlite3_column_text(st, 2);
		int64_t k;
		uint32_t *slot;

		if (key == NULL || value == NULL || *value == '\0' ||
		    (c = crm_summary_find(sum, sqlite3_column_int64(st, 0))) == NULL ||
		    (k = extra_index(cache, want, n, key)) < 0)
			continue;
		slot = &sum->extra[crm_summary_index(sum, c) * n + (size_t)k];
		if (*slot != 0)
			continue;
		*slot = keep_text(sum, value);
		sum->extra_count[k]++;
	}
	sqlite3_finalize(st);
	for (i = 0; i < n; i++)
		free(want[i]);
	free(want);
	crm_hash_free(cache);
}

static crm_summary *
crm_summary_load_full(crm_store *s, const struct crm_config *cfg, int64_t today,
                      int64_t until, const struct crm_summary_opts *o,
                      const struct crm_summary_hooks *h)
{
	crm_summary *sum = crm_xcalloc(1, sizeof(*sum));
	unsigned flags = o->flags;
	struct read_txn rt;
	struct order_scan scan;
	bool early;

	if (h != NULL) {
		sum->each = h->orders;
		sum->each_arg = h->arg;
	}

	sum->today = today;
	sum->until = until < today ? today : until;
	sum->flags = flags;
	sum->window = cfg->lifecycle_churn_days;
	sum->digits = crm_money_minor_digits(cfg->currency);
	/* The scans read each page once: a big page cache only costs the
	 * faults of filling it (tens of MB on a million customers). Writers
	 * that follow get the usual cache back. */
	crm_store_exec(s, "PRAGMA cache_size = -2048");
	begin_read(s, &rt);
	early = rt.second != NULL && !(flags & CRM_SUMMARY_DAYS) && sum->each == NULL;
	if (early)
		scan_start(&scan, sum, s, rt.second, cfg, (int64_t)customer_room(s));
	/* The second scan for imported columns only when a customer has some. */
	if (load_customers(sum, s, flags, o->fields, o->nextra > 0))
		load_extra(sum, s, o->extra, o->nextra);
	else if (o->nextra > 0) {
		sum->nextra = o->nextra;
		sum->extra_count = crm_xcalloc(o->nextra, sizeof(*sum->extra_count));
	}
	if (h != NULL && h->customers != NULL)
		h->customers(h->arg, sum);
	if (!early)
		scan_start(&scan, sum, s, rt.second, cfg, sum->max_id);
	scan_finish(&scan, sum, s);
	if (flags & CRM_SUMMARY_CONTACT)
		load_contact(sum, s);
	end_read(s, &rt);
	crm_store_exec(s, CRM_STORE_CACHE_PRAGMA);
	return sum;
}

void
crm_summary_free(crm_summary *sum)
{
	if (sum == NULL)
		return;
	free(sum->cust);
	free(sum->pos);
	free(sum->merged);
	free(sum->ext_name);
	free(sum->fields);
	free(sum->extra);
	free(sum->extra_count);
	free(sum->pdays);
	crm_buf_free(&sum->text);
	free(sum);
}

struct crm_customer *
crm_summary_next(crm_summary *sum, crm_stream *in, size_t *cursor, int *status)
{
	struct crm_customer *c;
	int64_t id;

	if (in == NULL)
		return *cursor < sum->n ? &sum->cust[(*cursor)++] : NULL;
	while (crm_stream_next(in, &id)) {
		if ((c = crm_summary_find(sum, id)) != NULL)
			return c;
		crm_warn("<stdin>:%ld: no customer %lld in the store; row skipped",
		         crm_stream_line(in), (long long)id);
		crm_status_merge(status, CRM_EX_DATAERR);
	}
	return NULL;
}

size_t
crm_summary_count(const crm_summary *sum)
{
	return sum->n;
}

struct crm_customer *
crm_summary_at(crm_summary *sum, size_t i)
{
	return &sum->cust[i];
}

struct crm_customer *
crm_summary_find(crm_summary *sum, int64_t id)
{
	int hops;

	/* A merge chain is short; the bound only guards against a cycle a
	 * hand-edited store could hold. */
	for (hops = 0; hops < 64; hops++) {
		if (id <= 0 || id > sum->max_id)
			return NULL;
		if (sum->pos[id] >= 0)
			return &sum->cust[sum->pos[id]];
		if (sum->merged == NULL || sum->merged[id] == 0)
			return NULL;
		id = sum->merged[id];
	}
	return NULL;
}

const struct crm_purchase_days *
crm_summary_days(const crm_summary *sum, const struct crm_customer *c)
{
	return sum->pdays ? &sum->pdays[crm_summary_index(sum, c)] : NULL;
}

size_t
crm_summary_index(const crm_summary *sum, const struct crm_customer *c)
{
	return (size_t)(c - sum->cust);
}

const char *
crm_summary_external_id(const crm_summary *sum, const struct crm_customer *c)
{
	return sum->text.data + sum->ext_name[2 * crm_summary_index(sum, c)];
}

const char *
crm_summary_name(const crm_summary *sum, const struct crm_customer *c)
{
	return sum->text.data + sum->ext_name[2 * crm_summary_index(sum, c) + 1];
}

const char *
crm_summary_field(const crm_summary *sum, const struct crm_customer *c, enum crm_cfield f)
{
	if (sum->fields == NULL || sum->slot[f] < 0)
		return "";
	return sum->text.data + sum->fields[crm_summary_index(sum, c) * sum->nfields +
	    (size_t)sum->slot[f]];
}

int
crm_summary_digits(const crm_summary *sum)
{
	return sum->digits;
}

double
crm_summary_scale(const crm_summary *sum)
{
	double scale = 1;
	int i;

	for (i = 0; i < sum->digits; i++)
		scale *= 10;
	return scale;
}

int64_t
crm_summary_today(const crm_summary *sum)
{
	return sum->today;
}

const char *
crm_summary_extra(const crm_summary *sum, const struct crm_customer *c, size_t k)
{
	if (sum->extra == NULL || k >= sum->nextra)
		return "";
	return sum->text.data + sum->extra[crm_summary_index(sum, c) * sum->nextra + k];
}

size_t
crm_summary_extra_count(const crm_summary *sum, size_t k)
{
	return sum->extra_count != NULL && k < sum->nextra ? sum->extra_count[k] : 0;
}

void
crm_summary_prefetch(const crm_summary *sum, const struct crm_customer *c)
{
	size_t i = crm_summary_index(sum, c);

	__builtin_prefetch(c);
	__builtin_prefetch(&sum->ext_name[2 * i]);
	if (sum->fields != NULL)
		__builtin_prefetch(&sum->fields[i * sum->nfields]);
	if (sum->extra != NULL)
		__builtin_prefetch(&sum->extra[i * sum->nextra]);
}
