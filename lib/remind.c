/*
 * remind.c — crm-remind's rules and the store side of a run (see remind.h;
 * the rules, their defaults and keys are stated in man/crm-remind.1).
 *
 * Proposals are kept in memory: a key, a reason and the figures of the
 * reminder, strings in one arena. The store side reads the stored
 * reminders in one table scan into a hash by key (those that can still
 * change with their figures, done ones by key alone), under the write
 * lock, so matching a proposal costs a lookup, not a query, and decides
 * everything in memory: new keys get the next ids, and only reminders
 * whose reason, priority or addressee changed are updated. The due list is
 * then what the run matched, sorted in memory, complete with its ids while
 * a thread writes the changes (the list goes out after their commit).
 */
#include "remind.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "diag.h"
#include "hash.h"
#include "lifecycle.h"
#include "render.h"
#include "rfm.h"
#include "rules.h"
#include "stream.h"

const char *const crm_remind_priority_names[4] = { "urgent", "high", "normal", "low" };

/* Shipped cadences (days between follow-ups), used for the names the
 * configuration does not set. New customers are followed by onboarding,
 * churned ones by win-back. */
static const struct { const char *name; int days; } default_rfm_cadence[] = {
	{ "champions", 30 }, { "cant_lose", 14 },
};
static const struct { const char *name; int days; } default_lifecycle_cadence[] = {
	{ "lead", 14 }, { "reactivated", 14 }, { "at_risk", 21 }, { "loyal", 30 },
	{ "repeat", 45 }, { "active", 60 },
};
static const int onboarding_days[] = { 3, 7, 30 };
/* Values of date-rule columns that are no date: named one by one up to this
 * many a run, then counted. */
#define BAD_DATES_NAMED 3
/* The rule names the rules themselves use: no own or date rule may take one. */
static const char *const builtin_rules[] = {
	"cadence", "onboarding", "sla", "winback", "satisfaction", "birthday", "anniversary",
};
#define NBUILTIN (sizeof(builtin_rules) / sizeof(builtin_rules[0]))

/* Cadence of a segment or stage: none configured (the shipped one, or for
 * an RFM segment the stage's), off, or days. */
#define CADENCE_UNSET (-1)

/* Names the own rules may use, before the customer fields and the stream's
 * columns. */
enum rname {
	R_CUSTOMER_ID, R_EXTERNAL_ID, R_NAME, R_RECENCY, R_FREQUENCY, R_MONETARY, R_TENURE,
	R_RFM_SEGMENT, R_SEGMENT, R_LIFECYCLE, R_DAYS_SINCE_CONTACT, R_OPEN_TICKETS,
	R_LAST_CSAT, R_LAST_NPS, R_INTERACTIONS, R_COUNT
};
static const char *const rule_names[R_COUNT] = {
	"customer_id", "external_id", "name", "recency_days", "frequency", "monetary",
	"tenure_days", "rfm_segment", "segment", "lifecycle", "days_since_contact",
	"open_tickets", "last_csat", "last_nps", "interactions",
};

/* Where a customer column (a date rule's, the language's) is read from. */
enum source { SRC_FIELD, SRC_STREAM, SRC_EXTRA };
struct column {
	const char *name;  /* as configured */
	enum source src;
	int at;            /* field, stream column or extra column index */
};

/* One reminder a rule proposes; strings are offsets into the arena. */
struct proposal {
	size_t key, reason;
	const char *rule;
	const char *escalate_to;  /* NULL: the owner */
	int64_t customer_id;
	int64_t ticket_id;        /* 0: none */
	int32_t due;
	uint8_t priority;
};

/* A change of the stored reminders: a new one (with the id it gets), a
 * reason, priority or addressee brought up to date, or a reminder whose
 * reason went away cancelled. */
enum change_kind { CH_INSERT, CH_UPDATE, CH_CANCEL };
struct batch;
static void queue_free(crm_remind *r);
static void match_pending(crm_remind *r, crm_summary *sum, bool all);

/* A stored reminder that can still change (open, snoozed, cancelled). */
struct known {
	int64_t id, customer_id;
	uint64_t what;  /* hash of reason, priority and addressee */
	int64_t row;    /* its row in the due rows, or -1 */
	char due[16];
	char status;    /* 'o'pen, 's'noozed, 'c'ancelled */
	bool snooze_over; /* snoozed_until <= today */
	bool seen;      /* proposed in this run */
};

struct crm_remind {
	const struct crm_config *cfg;
	struct crm_remind_clock clock;
	char today_text[11];
	/* The plan. */
	int cadence_rfm[CRM_SEG_COUNT];   /* days, 0 off, CADENCE_UNSET */
	int cadence_lc[CRM_LC_COUNT];
	crm_rule **rules;                 /* remind.rules, parsed */
	const char **names;               /* what the rules may use */
	size_t nnames, ncols;
	crm_value *values;
	uint32_t rule_fields;             /* customer fields the rules read */
	struct column *date_col;          /* per remind.date_rules entry */
	struct column lang_col;
	const char **extra;               /* extra columns to load */
	size_t nextra;
	struct crm_lifecycle_windows win;
	double scale;                     /* minor units per major unit */
	int64_t winback_threshold;        /* monetary (minor) of the top share */
	int8_t *seg;                      /* per customer: RFM segment, -1 none */
	enum crm_date_order date_order;
	/* The proposals. */
	struct proposal *props;
	size_t nprops, cap;
	crm_buf arena;
	/* The store side. */
	struct known *known;
	size_t nknown, kcap;
	crm_hash *by_key;
	struct crm_remind_row *rows;
	size_t nrows;
	const struct crm_remind_row **due; /* rows in the list's order */
	long long added, cancelled;
	bool began;             /* the transaction is open, the known rows read */
	bool reading;           /* a thread is doing that (crm_remind_read_ahead) */
	pthread_t reader;
	long long bad_dates;    /* date-rule values that are no date */
	bool checkpointing;     /* a thread copies the run's WAL into the store */
	pthread_t checkpointer;
	crm_store *own;         /* the connection of the store side, when it has
	                         * its own (crm_remind_read_ahead), else NULL */
	size_t matched;         /* proposals matched so far */
	bool live;              /* matched as they are made (crm_remind_start) */
	size_t rcap;            /* rows' room */
	size_t *row_reason;     /* each row's reason, in the arena */
	/* The changes matching decided, made by the writer: batches queued. */
	struct batch *filling, *head, *tail;
	bool closed;            /* no more batches */
	bool abandoned;         /* ... and none is to be committed */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	long long nchanges;
	int64_t next_id;        /* the id the next new reminder gets */
	crm_store *ws;          /* the connection the changes go through */
	bool writing;           /* a thread makes them (crm_remind_stored joins) */
	pthread_t writer;
	bool stored;            /* crm_remind_stored was called */
	bool quiet;
};

/* ---- the plan ---------------------------------------------------------- */

static const char *
cfg_file(const struct crm_config *cfg)
{
	return cfg->path ? cfg->path : "config";
}

/* Cadences: the shipped ones, then the configured (names checked). */
static int
plan_cadences(crm_remind *r)
{
	const struct crm_config *c = r->cfg;
	size_t i;
	int k, status = 0;

	for (i = 0; i < CRM_SEG_COUNT; i++)
		r->cadence_rfm[i] = CADENCE_UNSET;
	for (i = 0; i < CRM_LC_COUNT; i++)
		r->cadence_lc[i] = CADENCE_UNSET;
	for (i = 0; i < sizeof(default_rfm_cadence) / sizeof(default_rfm_cadence[0]); i++)
		r->cadence_rfm[crm_index_of(default_rfm_cadence[i].name, crm_rfm_segment_names,
		                            CRM_SEG_COUNT)] = default_rfm_cadence[i].days;
	for (i = 0; i < sizeof(default_lifecycle_cadence) / sizeof(default_lifecycle_cadence[0]);
	     i++)
		r->cadence_lc[crm_index_of(default_lifecycle_cadence[i].name, crm_lifecycle_names,
		                           CRM_LC_COUNT)] = default_lifecycle_cadence[i].days;
	crm_status_merge(&status, crm_config_check_names(c, "remind.cadence_rfm", c->cadence_rfm,
	    c->ncadence_rfm, crm_rfm_segment_names, CRM_SEG_COUNT, "RFM segment"));
	crm_status_merge(&status, crm_config_check_names(c, "remind.cadence_lifecycle",
	    c->cadence_lifecycle, c->ncadence_lifecycle, crm_lifecycle_names, CRM_LC_COUNT,
	    "lifecycle stage"));
	for (i = 0; i < c->ncadence_rfm; i++)
		if ((k = crm_index_of(c->cadence_rfm[i].name, crm_rfm_segment_names,
		                      CRM_SEG_COUNT)) >= 0)
			r->cadence_rfm[k] = (int)c->cadence_rfm[i].value;
	for (i = 0; i < c->ncadence_lifecycle; i++)
		if ((k = crm_index_of(c->cadence_lifecycle[i].name, crm_lifecycle_names,
		                      CRM_LC_COUNT)) >= 0)
			r->cadence_lc[k] = (int)c->cadence_lifecycle[i].value;
	return status;
}

/* The own rules, parsed against the names they may use. */
static int
plan_rules(crm_remind *r, const char *const *cols, size_t ncols)
{
	const struct crm_config *c = r->cfg;
	crm_rule_error err;
	size_t i, f;
	int status = 0;

	r->ncols = ncols;
	r->nnames = R_COUNT + CRM_NFIELDS + ncols;
	r->names = crm_xcalloc(r->nnames, sizeof(*r->names));
	for (i = 0; i < R_COUNT; i++)
		r->names[i] = rule_names[i];
	for (i = 0; i < CRM_NFIELDS; i++)
		r->names[R_COUNT + i] = crm_cfield_names[i];
	for (i = 0; i < ncols; i++)
		r->names[R_COUNT + CRM_NFIELDS + i] = cols[i];
	r->values = crm_xcalloc(r->nnames, sizeof(*r->values));
	r->rules = crm_xcalloc(c->nremind_rules + 1, sizeof(*r->rules));
	for (i = 0; i < c->nremind_rules; i++) {
		if (crm_index_of(c->remind_rules[i].name, builtin_rules, NBUILTIN) >= 0) {
			crm_warn("%s:%ld: remind.rules.%s: the name of a built-in rule; choose another",
			         cfg_file(c), c->remind_rules[i].line, c->remind_rules[i].name);
			status = CRM_EX_CONFIG;
		}
		r->rules[i] = crm_rule_parse(c->remind_rules[i].expr, r->names, r->nnames, &err);
		if (r->rules[i] == NULL) {
			crm_warn("%s:%ld: remind.rules.%s: column %d: %s", cfg_file(c),
			         c->remind_rules[i].line, c->remind_rules[i].name, err.column,
			         err.message);
			status = CRM_EX_CONFIG;
			continue;
		}
		for (f = 0; f < CRM_NFIELDS; f++)
			if (crm_rule_uses(r->rules[i], R_COUNT + f))
				r->rule_fields |= 1u << f;
	}
	return status;
}

/* Resolve a customer column by name: a field, else a column of the stream,
 * else an imported (extra) column, which is then loaded. */
static void
resolve_column(crm_remind *r, const char *name, const char *const *cols, size_t ncols,
               struct column *out)
{
	int k;
	size_t i;

	out->name = name;
	if ((k = crm_index_of(name, crm_cfield_names, CRM_NFIELDS)) >= 0) {
		out->src = SRC_FIELD;
		out->at = k;
		return;
	}
	if ((k = crm_index_of(name, cols, ncols)) >= 0) {
		out->src = SRC_STREAM;
		out->at = k;
		return;
	}
	for (i = 0; i < r->nextra; i++)
		if (strcmp(r->extra[i], name) == 0)
			break;
	if (i == r->nextra) {
		r->extra = crm_xreallocarray(r->extra, r->nextra + 1, sizeof(*r->extra));
		r->extra[r->nextra++] = name;
	}
	out->src = SRC_EXTRA;
	out->at = (int)i;
}

/* Date rules: names not taken, columns resolved. */
static int
plan_dates(crm_remind *r, const char *const *cols, size_t ncols)
{
	const struct crm_config *c = r->cfg;
	size_t i, j;
	int status = 0;

	r->date_col = crm_xcalloc(c->ndate_rules + 1, sizeof(*r->date_col));
	for (i = 0; i < c->ndate_rules; i++) {
		const struct crm_date_rule *d = &c->date_rules[i];

		for (j = 0; j < c->nremind_rules; j++)
			if (strcmp(c->remind_rules[j].name, d->name) == 0)
				break;
		if (crm_index_of(d->name, builtin_rules, NBUILTIN) >= 0 || j < c->nremind_rules) {
			crm_warn("%s:%ld: remind.date_rules.%s: the name of %s rule; choose another",
			         cfg_file(c), d->line, d->name, j < c->nremind_rules ?
			         "an own (remind.rules)" : "a built-in");
			status = CRM_EX_CONFIG;
		}
		resolve_column(r, d->column, cols, ncols, &r->date_col[i]);
	}
	return status;
}

int
crm_remind_new(const struct crm_config *cfg, const char *const *cols, size_t ncols,
               const struct crm_remind_clock *clock, crm_remind **out)
{
	crm_remind *r = crm_xcalloc(1, sizeof(*r));
	int status = 0;

	if (pthread_mutex_init(&r->mu, NULL) != 0 || pthread_cond_init(&r->cv, NULL) != 0)
		crm_die(CRM_EX_SOFTWARE, "cannot set up the reminders' writer");
	r->cfg = cfg;
	r->clock = *clock;
	crm_date_format(clock->today, r->today_text);
	r->date_order = cfg->date_order;
	if (!cfg->roc_years)
		r->date_order = (enum crm_date_order)((int)r->date_order | CRM_DATE_NO_ROC);
	/* Every check runs, so one run names every problem of the file. */
	crm_status_merge(&status, plan_cadences(r));
	crm_status_merge(&status, crm_config_check_severities(cfg));
	crm_status_merge(&status, plan_rules(r, cols, ncols));
	/* The language first: a field, else the first extra column (as
	 * crm_remind_list_opts has it). */
	resolve_column(r, cfg->remind_language_column, NULL, 0, &r->lang_col);
	crm_status_merge(&status, plan_dates(r, cols, ncols));
	r->win = crm_lifecycle_from_config(cfg);
	r->by_key = crm_hash_new();
	if (status != 0) {
		crm_remind_free(r);
		*out = NULL;
		return status;
	}
	*out = r;
	return 0;
}

void
crm_remind_free(crm_remind *r)
{
	size_t i;

	if (r == NULL)
		return;
	/* The threads first: they read what is freed below. A writer still
	 * waiting for changes (the run stopped before crm_remind_store) rolls
	 * back what it wrote. */
	if (r->reading)
		pthread_join(r->reader, NULL);
	if (r->writing) {
		pthread_mutex_lock(&r->mu);
		if (!r->closed)
			r->abandoned = r->closed = true;
		pthread_cond_signal(&r->cv);
		pthread_mutex_unlock(&r->mu);
		pthread_join(r->writer, NULL);
	}
	if (r->checkpointing)
		pthread_join(r->checkpointer, NULL);
	crm_store_close(r->own);
	for (i = 0; i < r->cfg->nremind_rules && r->rules; i++)
		crm_rule_free(r->rules[i]);
	free(r->rules);
	free(r->names);
	free(r->values);
	free(r->date_col);
	free(r->extra);
	free(r->seg);
	free(r->props);
	free(r->row_reason);
	queue_free(r);
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv);
	crm_buf_free(&r->arena);
	free(r->known);
	crm_hash_free(r->by_key);
	free(r->rows);
	free(r->due);
	free(r);
}

void
crm_remind_summary_opts(const crm_remind *r, struct crm_summary_opts *o)
{
	/* The list shows the owner and a contact; the birthday rule reads the
	 * birthday. */
	o->flags = CRM_SUMMARY_FIELDS | CRM_SUMMARY_CONTACT;
	o->fields = r->rule_fields | 1u << CRM_F_OWNER | 1u << CRM_F_PHONE |
	    1u << CRM_F_EMAIL | 1u << CRM_F_PREFERRED_CHANNEL | 1u << CRM_F_BIRTHDAY;
	for (size_t i = 0; i < r->cfg->ndate_rules; i++)
		if (r->date_col[i].src == SRC_FIELD)
			o->fields |= 1u << r->date_col[i].at;
	if (r->lang_col.src == SRC_FIELD)
		o->fields |= 1u << r->lang_col.at;
	o->extra = r->extra;
	o->nextra = r->nextra;
}

/* The k-th largest of v[0..n) (k from 1), reordering v: quickselect with
 * the median of three, O(n) on average where a sort of a million spends was
 * O(n log n). */
static int64_t
kth_largest(int64_t *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1, want = k - 1, i, j;
	int64_t pivot, t;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int64_t a = v[lo], b = v[mid], c = v[hi];

		pivot = a > b ? (b > c ? b : a > c ? c : a) : (a > c ? a : b > c ? c : b);
		/* Hoare partition, descending: [lo, j] >= pivot >= [j + 1, hi]. */
		i = lo, j = hi;
		for (;;) {
			while (v[i] > pivot)
				i++;
			while (v[j] < pivot)
				j--;
			if (i >= j)
				break;
			t = v[i], v[i] = v[j], v[j] = t;
			i++, j--;
		}
		if (want <= j)
			hi = j;
		else
			lo = j + 1;
	}
	return v[want];
}

/* The least spend among the top percent of buyers (INT64_MAX with none). */
static int64_t
winback_threshold(crm_summary *sum, int percent)
{
	size_t n = crm_summary_count(sum), k = 0, i, rank;
	int64_t *m = crm_xreallocarray(NULL, n + 1, sizeof(*m)), t = INT64_MAX;

	for (i = 0; i < n; i++)
		if (crm_summary_at(sum, i)->orders > 0)
			m[k++] = crm_summary_at(sum, i)->monetary;
	if (k > 0) {
		rank = (size_t)ceil((double)k * percent / 100.0);
		t = kth_largest(m, k, rank < 1 ? 1 : rank);
	}
	free(m);
	return t;
}

void
crm_remind_prepare(crm_remind *r, crm_summary *sum)
{
	size_t n = crm_summary_count(sum), i;
	uint8_t *rs = crm_xcalloc(n + 1, 1), *fs = crm_xcalloc(n + 1, 1), *ms = crm_xcalloc(n + 1, 1);

	r->scale = crm_summary_scale(sum);
	r->winback_threshold = winback_threshold(sum, r->cfg->remind_winback_percent);
	/* RFM segments over every buyer in the store, as crm-segment does. */
	crm_rfm_score_all(sum, r->cfg, rs, fs, ms);
	r->seg = crm_xcalloc(n + 1, 1);
	for (i = 0; i < n; i++)
		r->seg[i] = crm_summary_at(sum, i)->orders ?
		    (int8_t)crm_rfm_segment(rs[i], fs[i], ms[i]) : -1;
	free(rs), free(fs), free(ms);
	/* Room for about one proposal per customer, reserved up front (pages
	 * are only touched as they fill): grown by doubling, the arena of a
	 * million reasons was copied and faulted in again and again. */
	if (r->cap < n + 1024) {
		r->cap = n + 1024;
		r->props = crm_xreallocarray(r->props, r->cap, sizeof(*r->props));
	}
	crm_buf_reserve(&r->arena, (n + 1024) * 96);
	for (i = 0; i < r->cfg->ndate_rules; i++)
		if (r->date_col[i].src == SRC_EXTRA &&
		    crm_summary_extra_count(sum, (size_t)r->date_col[i].at) == 0)
			crm_warn("%s:%ld: remind.date_rules.%s: no customer has a column \"%s\" (an "
			         "imported column or a customer field); the rule proposes nothing",
			         cfg_file(r->cfg), r->cfg->date_rules[i].line,
			         r->cfg->date_rules[i].name, r->date_col[i].name);
}

/* ---- the rules --------------------------------------------------------- */

/* Keep a proposal; key and reason are printf formats. */
static struct proposal *
propose(crm_remind *r, const char *rule, int64_t customer_id, int64_t due,
        enum crm_remind_priority priority)
{
	struct proposal *p;

	if (r->nprops == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 1024;
		r->props = crm_xreallocarray(r->props, r->cap, sizeof(*r->props));
	}
	p = &r->props[r->nprops++];
	memset(p, 0, sizeof(*p));
	p->rule = rule;
	p->customer_id = customer_id;
	p->due = (int32_t)due;
	p->priority = (uint8_t)priority;
	return p;
}

/*
 * printf into the arena, for the keys and reasons of a million proposals:
 * only %s, %d, %ld, %lld and %% (no flags, widths or precision), which is
 * all the rules write; glibc's vsnprintf cost a fifth of the rules' time.
 * Returns the offset of the text, NUL-terminated.
 */
static size_t
arena_printf(crm_remind *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static size_t
arena_printf(crm_remind *r, const char *fmt, ...)
{
	size_t at = r->arena.len;
	const char *p, *lit = fmt;
	char num[24];
	va_list ap;

	va_start(ap, fmt);
	for (p = fmt; *p; p++) {
		if (*p != '%')
			continue;
		crm_buf_append(&r->arena, lit, (size_t)(p - lit));
		p++;
		if (*p == 's')
			crm_buf_puts(&r->arena, va_arg(ap, const char *));
		else if (*p == 'd')
			crm_buf_puts(&r->arena, crm_fmt_int(va_arg(ap, int), num));
		else if (p[0] == 'l' && p[1] == 'd')
			crm_buf_puts(&r->arena, crm_fmt_int(va_arg(ap, long), num)), p++;
		else if (p[0] == 'l' && p[1] == 'l' && p[2] == 'd')
			crm_buf_puts(&r->arena, crm_fmt_int(va_arg(ap, long long), num)), p += 2;
		else if (*p == '%')
			crm_buf_putc(&r->arena, '%');
		else
			crm_die(CRM_EX_SOFTWARE, "arena_printf: unsupported format \"%s\"", fmt);
		lit = p + 1;
	}
	crm_buf_append(&r->arena, lit, (size_t)(p - lit));
	va_end(ap);
	crm_buf_putc(&r->arena, '\0');
	return at;
}

static const char *
arena_str(const crm_remind *r, size_t off)
{
	return r->arena.data + off;
}

/* The customer's last follow-up: latest interaction, else first order,
 * else creation. */
static int64_t
last_touch(const struct crm_customer *c)
{
	if (c->last_contact != CRM_NO_DAY)
		return c->last_contact;
	if (c->first_order != CRM_NO_DAY)
		return c->first_order;
	return c->created;
}

/* The cadence of a customer: its RFM segment's when that has one set (off
 * included), else its stage's. *group names which. */
static int
cadence_days(const crm_remind *r, int seg, enum crm_lifecycle lc, const char **group)
{
	if (seg >= 0 && r->cadence_rfm[seg] != CADENCE_UNSET) {
		*group = crm_rfm_segment_names[seg];
		return r->cadence_rfm[seg];
	}
	*group = crm_lifecycle_names[lc];
	return r->cadence_lc[lc] == CADENCE_UNSET ? 0 : r->cadence_lc[lc];
}

static void
rule_cadence(crm_remind *r, const struct crm_customer *c, int seg, enum crm_lifecycle lc)
{
	int64_t today = r->clock.today, touch = last_touch(c), due;
	const char *group;
	int days = cadence_days(r, seg, lc, &group);
	struct proposal *p;

	if (days <= 0 || touch == CRM_NO_DAY || lc == CRM_LC_CHURNED)
		return;
	due = touch + days;
	if (due > today)
		return;
	p = propose(r, "cadence", c->id, due, seg == CRM_SEG_CHAMPIONS ||
	            seg == CRM_SEG_CANT_LOSE ? CRM_PRIO_HIGH : CRM_PRIO_NORMAL);
	p->key = arena_printf(r, "cadence:%lld:%lld", (long long)c->id, (long long)due);
	p->reason = arena_printf(r, "no contact for %lld days; cadence for %s is %d",
	                         (long long)(today - touch), group, days);
}

static void
rule_onboarding(crm_remind *r, const struct crm_customer *c)
{
	int64_t today = r->clock.today, due;
	struct proposal *p;
	size_t i;

	if (c->first_order == CRM_NO_DAY)
		return;
	/* The latest onboarding step reached and not yet followed by contact. */
	for (i = sizeof(onboarding_days) / sizeof(onboarding_days[0]); i-- > 0;) {
		due = c->first_order + onboarding_days[i];
		if (due > today)
			continue;
		if (today - due > 14 || (c->last_contact != CRM_NO_DAY && c->last_contact >= due))
			return;
		p = propose(r, "onboarding", c->id, due, CRM_PRIO_NORMAL);
		p->key = arena_printf(r, "onboarding:%lld:%d", (long long)c->id, onboarding_days[i]);
		p->reason = arena_printf(r, "day %d after the first order (%lld days ago)",
		                         onboarding_days[i], (long long)(today - c->first_order));
		return;
	}
}

static void
rule_winback(crm_remind *r, const struct crm_customer *c, enum crm_lifecycle lc)
{
	int64_t today = r->clock.today;
	struct proposal *p;

	if (c->orders == 0 || c->monetary < r->winback_threshold ||
	    (lc != CRM_LC_AT_RISK && lc != CRM_LC_CHURNED))
		return;
	p = propose(r, "winback", c->id, today, CRM_PRIO_HIGH);
	p->key = arena_printf(r, "winback:%lld:%lld", (long long)c->id, (long long)c->last_order);
	p->reason = arena_printf(r, "top %d%% customer by spend, no order for %lld days (%s)",
	                         r->cfg->remind_winback_percent,
	                         (long long)(today - c->last_order), crm_lifecycle_names[lc]);
}

static void
rule_satisfaction(crm_remind *r, const struct crm_customer *c)
{
	int64_t today = r->clock.today, day = CRM_NO_DAY;
	char what[32], by[16];
	struct proposal *p;

	if (c->last_csat >= 1 && c->last_csat <= 2) {
		day = c->last_csat_day;
		snprintf(what, sizeof what, "CSAT %d", c->last_csat);
	}
	if (c->last_nps >= 0 && c->last_nps <= 6 && c->last_nps_day != CRM_NO_DAY &&
	    (day == CRM_NO_DAY || c->last_nps_day > day)) {
		day = c->last_nps_day;
		snprintf(what, sizeof what, "NPS %d (detractor)", c->last_nps);
	}
	/* Answered within the last month and no contact since the answer. */
	if (day == CRM_NO_DAY || today - day > 30 ||
	    (c->last_contact != CRM_NO_DAY && c->last_contact > day))
		return;
	crm_date_format(day + r->cfg->remind_satisfaction_days, by);
	p = propose(r, "satisfaction", c->id, day, CRM_PRIO_HIGH);
	p->key = arena_printf(r, "satisfaction:%lld:%lld", (long long)c->id, (long long)day);
	p->reason = arena_printf(r, "answered %s, %lld days ago; call by %s", what,
	                         (long long)(today - day), by);
}

/* The next date (>= today) with the month and day of day, or CRM_NO_DAY;
 * 29 February falls on 28 February in other years. */
static int64_t
next_yearly(int64_t day, int64_t today, int64_t *year_out)
{
	int64_t y, ty, d;
	int m, dd, tm, td;

	crm_civil_from_days(day, &y, &m, &dd);
	crm_civil_from_days(today, &ty, &tm, &td);
	for (y = ty; y <= ty + 1; y++) {
		int use = dd;

		if (m == 2 && dd == 29 && !crm_date_valid(y, 2, 29))
			use = 28;
		d = crm_days_from_civil(y, m, use);
		if (d >= today) {
			*year_out = y;
			return d;
		}
	}
	return CRM_NO_DAY;
}

static void
rule_birthday_anniversary(crm_remind *r, const crm_summary *sum, const struct crm_customer *c)
{
	const struct crm_config *cfg = r->cfg;
	int64_t today = r->clock.today, when, year;
	int32_t bday = crm_summary_day(crm_summary_field(sum, c, CRM_F_BIRTHDAY));
	struct proposal *p;
	char on[16];

	if (bday != CRM_NO_DAY && (when = next_yearly(bday, today, &year)) != CRM_NO_DAY &&
	    when - today <= cfg->remind_birthday_days) {
		crm_date_format(when, on);
		/* Due the day the reminder should first show: N days ahead. */
		p = propose(r, "birthday", c->id, when - cfg->remind_birthday_days, CRM_PRIO_LOW);
		p->key = arena_printf(r, "birthday:%lld:%lld", (long long)c->id, (long long)year);
		p->reason = arena_printf(r, "birthday on %s, in %lld days", on,
		                         (long long)(when - today));
	}
	if (c->first_order != CRM_NO_DAY && (when = next_yearly(c->first_order, today, &year)) !=
	    CRM_NO_DAY && when > c->first_order && when - today <= cfg->remind_anniversary_days) {
		int64_t fy;
		int fm, fd;

		crm_civil_from_days(c->first_order, &fy, &fm, &fd);
		p = propose(r, "anniversary", c->id, when - cfg->remind_anniversary_days,
		            CRM_PRIO_LOW);
		p->key = arena_printf(r, "anniversary:%lld:%lld", (long long)c->id, (long long)year);
		p->reason = arena_printf(r, "%lld years since the first order, in %lld days",
		                         (long long)(year - fy), (long long)(when - today));
	}
}

/* The text of a customer column ("" when none). */
static const char *
column_text(const struct column *col, const crm_summary *sum, const struct crm_customer *c,
            const crm_stream *in)
{
	switch (col->src) {
	case SRC_FIELD:
		return crm_summary_field(sum, c, (enum crm_cfield)col->at);
	case SRC_STREAM:
		return in ? crm_stream_fields(in)[col->at] : "";
	case SRC_EXTRA:
		return crm_summary_extra(sum, c, (size_t)col->at);
	}
	return "";
}

/* "in 26 days", "tomorrow", "today". */
static const char *
in_days(int64_t n, char *buf, size_t size)
{
	if (n == 0)
		return "today";
	if (n == 1)
		return "tomorrow";
	snprintf(buf, size, "in %lld days", (long long)n);
	return buf;
}

/* remind.date_rules: a reminder days_ahead days before the column's date
 * (or, yearly, before its next anniversary), from then until the day. */
static void
rule_date_columns(crm_remind *r, const crm_summary *sum, const struct crm_customer *c,
                  const crm_stream *in)
{
	const struct crm_config *cfg = r->cfg;
	int64_t today = r->clock.today, when, year = 0;
	struct crm_datetime dt;
	struct proposal *p;
	char on[16], rel[32];
	size_t i;

	for (i = 0; i < cfg->ndate_rules; i++) {
		const struct crm_date_rule *d = &cfg->date_rules[i];
		const char *text = column_text(&r->date_col[i], sum, c, in);

		if (*text == '\0')
			continue;
		if (crm_date_parse(text, r->date_order, true, &dt) != 0) {
			/* The first few by name; a cron job's mail is no list of them. */
			if (r->bad_dates++ < BAD_DATES_NAMED)
				crm_warn("customer %lld (%s): column \"%s\": cannot read \"%s\" as a "
				         "date; no %s reminder for it", (long long)c->id,
				         crm_summary_external_id(sum, c), d->column, text, d->name);
			continue;
		}
		when = dt.days;
		if (d->yearly && (when = next_yearly(dt.days, today, &year)) == CRM_NO_DAY)
			continue;
		if (when < today || when - today > d->days_ahead)
			continue;
		crm_date_format(when, on);
		p = propose(r, d->name, c->id, when - d->days_ahead,
		            (enum crm_remind_priority)d->priority);
		/* One occasion per date (per year, yearly): a date moved is a new
		 * occasion, and the reminder of the old one is cancelled. */
		p->key = arena_printf(r, "date:%s:%lld:%lld", d->name, (long long)c->id,
		                      (long long)when);
		p->reason = arena_printf(r, "%s %s is %s", d->column, on,
		                         in_days(when - today, rel, sizeof rel));
	}
}

static void
fill_rule_values(crm_remind *r, const crm_summary *sum, const struct crm_customer *c,
                 int seg, enum crm_lifecycle lc, const crm_stream *in)
{
	crm_value *v = r->values;
	int64_t today = r->clock.today;
	bool orders = c->orders > 0;
	size_t i;

	v[R_CUSTOMER_ID] = crm_value_number((double)c->id);
	v[R_EXTERNAL_ID] = crm_value_text(crm_summary_external_id(sum, c));
	v[R_NAME] = crm_value_text(crm_summary_name(sum, c));
	v[R_RECENCY] = orders ? crm_value_number((double)(today - c->last_order)) :
	    crm_value_empty();
	v[R_FREQUENCY] = crm_value_number(c->orders);
	v[R_MONETARY] = crm_value_number((double)c->monetary / r->scale);
	v[R_TENURE] = orders ? crm_value_number((double)(today - c->first_order)) :
	    crm_value_empty();
	v[R_RFM_SEGMENT] = seg >= 0 ? crm_value_text(crm_rfm_segment_names[seg]) :
	    crm_value_empty();
	v[R_SEGMENT] = v[R_RFM_SEGMENT];
	v[R_LIFECYCLE] = crm_value_text(crm_lifecycle_names[lc]);
	v[R_DAYS_SINCE_CONTACT] = c->last_contact == CRM_NO_DAY ? crm_value_empty() :
	    crm_value_number((double)(today - c->last_contact));
	v[R_OPEN_TICKETS] = crm_value_number(c->open_tickets);
	v[R_LAST_CSAT] = c->last_csat < 0 ? crm_value_empty() : crm_value_number(c->last_csat);
	v[R_LAST_NPS] = c->last_nps < 0 ? crm_value_empty() : crm_value_number(c->last_nps);
	v[R_INTERACTIONS] = crm_value_number(c->interactions);
	for (i = 0; i < CRM_NFIELDS; i++)
		v[R_COUNT + i] = crm_value_text(crm_summary_field(sum, c, i));
	if (in != NULL) {
		const char *const *f = crm_stream_fields(in);

		for (i = 0; i < r->ncols; i++)
			v[R_COUNT + CRM_NFIELDS + i] = crm_value_text(f[i]);
	}
}

/* Own rules fire while they hold, at most once per rule_every_days without
 * contact: the key carries the last contact, so a follow-up logged (done)
 * starts a new round only if the rule still holds after it. */
static void
rule_custom(crm_remind *r, const struct crm_customer *c)
{
	const struct crm_config *cfg = r->cfg;
	int64_t today = r->clock.today, touch = last_touch(c);
	struct proposal *p;
	size_t i;

	if (touch != CRM_NO_DAY && today - touch < cfg->remind_rule_every_days &&
	    c->last_contact != CRM_NO_DAY)
		return;
	for (i = 0; i < cfg->nremind_rules; i++) {
		if (!crm_rule_eval(r->rules[i], r->values))
			continue;
		p = propose(r, cfg->remind_rules[i].name, c->id, today, CRM_PRIO_NORMAL);
		p->key = arena_printf(r, "rule:%s:%lld:%lld", cfg->remind_rules[i].name,
		                      (long long)c->id,
		                      (long long)(c->last_contact == CRM_NO_DAY ? 0 : c->last_contact));
		p->reason = arena_printf(r, "rule %s: %s", cfg->remind_rules[i].name,
		                         cfg->remind_rules[i].expr);
	}
}

void
crm_remind_customer(crm_remind *r, crm_summary *sum, const struct crm_customer *c,
                    const crm_stream *in)
{
	int seg = r->seg[crm_summary_index(sum, c)];
	enum crm_lifecycle lc = crm_lifecycle_stage(c, r->clock.today, &r->win);

	rule_cadence(r, c, seg, lc);
	rule_onboarding(r, c);
	rule_winback(r, c, lc);
	rule_satisfaction(r, c);
	rule_birthday_anniversary(r, sum, c);
	rule_date_columns(r, sum, c, in);
	if (r->cfg->nremind_rules > 0) {
		fill_rule_values(r, sum, c, seg, lc, in);
		rule_custom(r, c);
	}
	if (r->live)
		match_pending(r, sum, false);
}

void
crm_remind_list_opts(const struct crm_config *cfg, struct crm_summary_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->flags = CRM_SUMMARY_FIELDS;
	o->fields = 1u << CRM_F_OWNER | 1u << CRM_F_PHONE | 1u << CRM_F_EMAIL |
	    1u << CRM_F_PREFERRED_CHANNEL;
	if (crm_index_of(cfg->remind_language_column, crm_cfield_names, CRM_NFIELDS) >= 0)
		o->fields |= 1u << crm_index_of(cfg->remind_language_column, crm_cfield_names,
		                                CRM_NFIELDS);
	else {
		o->extra = (const char *const *)&cfg->remind_language_column;
		o->nextra = 1;
	}
}

int
crm_remind_language_field(const struct crm_config *cfg)
{
	return crm_index_of(cfg->remind_language_column, crm_cfield_names, CRM_NFIELDS);
}

const char *
crm_remind_language(const crm_summary *sum, const struct crm_customer *c, int field)
{
	/* Not a field: the first extra column, in both kinds of summary. */
	return field >= 0 ? crm_summary_field(sum, c, (enum crm_cfield)field) :
	    crm_summary_extra(sum, c, 0);
}

/* Open tickets past their severity's limit: escalations. */
static void
rule_sla(crm_remind *r, crm_store *s, crm_summary *sum, const uint8_t *selected)
{
	sqlite3_stmt *st = crm_store_prepare(s, "SELECT id, customer_id, opened_at, severity, "
	    "coalesce(category, ''), coalesce(ticket_no, id) FROM tickets WHERE status = 'open' "
	    "AND resolved_at IS NULL");
	const char *manager = r->cfg->remind_manager;
	int64_t now = r->clock.now_secs;
	struct crm_datetime dt;
	struct proposal *p;

	while (crm_store_step(s, st) == SQLITE_ROW) {
		struct crm_customer *c = crm_summary_find(sum, sqlite3_column_int64(st, 1));
		const char *opened = (const char *)sqlite3_column_text(st, 2);
		const char *severity = (const char *)sqlite3_column_text(st, 3);
		const char *category = (const char *)sqlite3_column_text(st, 4);
		long hours = crm_config_sla_hours(r->cfg, severity);
		int64_t opened_secs, limit;

		if (c == NULL || !selected[crm_summary_index(sum, c)] ||
		    crm_date_parse(opened, CRM_DATE_YMD, false, &dt) != 0)
			continue;
		opened_secs = dt.days * 86400 + dt.secs;
		limit = opened_secs + hours * 3600;
		if (opened_secs > now || limit > now)
			continue;
		p = propose(r, "sla", c->id, limit / 86400, CRM_PRIO_URGENT);
		p->ticket_id = sqlite3_column_int64(st, 0);
		p->escalate_to = manager && *manager ? manager : NULL;
		p->key = arena_printf(r, "sla:%lld", (long long)p->ticket_id);
		p->reason = arena_printf(r, "%s ticket %s%s%s open for %lld hours; the limit is %ld",
		                         severity, sqlite3_column_text(st, 5),
		                         *category ? " about " : "", category,
		                         (long long)((now - opened_secs) / 3600), hours);
	}
	sqlite3_finalize(st);
}

/* ---- the store side ---------------------------------------------------- */

static uint64_t
what_hash(const char *reason, const char *priority, const char *escalate_to)
{
	uint64_t h = crm_fnv1a(reason, strlen(reason), CRM_FNV_SEED);

	h = crm_fnv1a(priority, strlen(priority) + 1, h);
	return escalate_to ? crm_fnv1a(escalate_to, strlen(escalate_to) + 1, h) : h;
}

static struct known *
known_add(crm_remind *r)
{
	if (r->nknown == r->kcap) {
		r->kcap = r->kcap ? 2 * r->kcap : 1024;
		r->known = crm_xreallocarray(r->known, r->kcap, sizeof(*r->known));
	}
	memset(&r->known[r->nknown], 0, sizeof(*r->known));
	r->known[r->nknown].row = -1;
	return &r->known[r->nknown++];
}

/* The stored reminders, one table scan (an index walk fetches every row
 * from a random place): those that can still change (open, snoozed,
 * cancelled) as known rows, the done ones by key alone (DONE_KEY), so that
 * matching needs no query: a key it does not find is new to the store. */
/* Keys of known reminders waiting to go into the hash, their slots
 * prefetched: a table scan meets the keys in an order unrelated to where
 * they hash. */
#define KEY_BATCH 32
/* The hash's value for the key of a done reminder: the occasion is over. */
#define DONE_KEY (-1)

struct key_batch {
	crm_buf keys;             /* the keys, back to back */
	size_t at[KEY_BATCH], len[KEY_BATCH];
	int64_t index[KEY_BATCH];
	size_t n;
};

static void
key_batch_flush(crm_remind *r, struct key_batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		crm_hash_put(r->by_key, b->keys.data + b->at[i], b->len[i], b->index[i]);
	b->n = 0;
	crm_buf_reset(&b->keys);
}

/* The known row of a stored reminder that can still change, from the
 * scan's current row. */
static void
known_from_row(crm_remind *r, sqlite3_stmt *st, char status)
{
	const char *due = (const char *)sqlite3_column_text(st, 7);
	const char *until = (const char *)sqlite3_column_text(st, 8);
	struct known *k = known_add(r);
	size_t dlen;

	k->id = sqlite3_column_int64(st, 0);
	k->customer_id = sqlite3_column_int64(st, 2);
	k->status = status;
	k->what = what_hash((const char *)sqlite3_column_text(st, 4),
	                    (const char *)sqlite3_column_text(st, 5),
	                    (const char *)sqlite3_column_text(st, 6));
	/* The due text as stored (a day; cut at 15 bytes otherwise). */
	dlen = due ? strnlen(due, sizeof k->due - 1) : 0;
	memcpy(k->due, due ? due : "", dlen);
	k->due[dlen] = '\0';
	k->snooze_over = until != NULL && strcmp(until, r->today_text) <= 0;
}

static void
read_known(crm_remind *r, crm_store *s)
{
	sqlite3_stmt *st = crm_store_prepare(s, "SELECT id, key, customer_id, status, reason, "
	    "priority, escalate_to, due, snoozed_until FROM reminders NOT INDEXED");
	struct key_batch b = { .keys = { NULL, 0, 0 }, .n = 0 };

	while (crm_store_step(s, st) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(st, 1);
		const char *status = (const char *)sqlite3_column_text(st, 3);
		size_t len = (size_t)sqlite3_column_bytes(st, 1);

		/* Done, or a status no run sets (one written by hand): over. */
		if (strcmp(status, "open") != 0 && strcmp(status, "snoozed") != 0 &&
		    strcmp(status, "cancelled") != 0)
			b.index[b.n] = DONE_KEY;
		else {
			known_from_row(r, st, *status);
			b.index[b.n] = (int64_t)(r->nknown - 1);
		}
		crm_hash_prefetch(r->by_key, crm_hash_key(key, len));
		b.at[b.n] = b.keys.len;
		crm_buf_append(&b.keys, key, len);
		b.len[b.n++] = len;
		if (b.n == KEY_BATCH)
			key_batch_flush(r, &b);
	}
	key_batch_flush(r, &b);
	crm_buf_free(&b.keys);
	sqlite3_finalize(st);
}

/* A new row of the due list, for a reminder of customer_id due on the day
 * due (its text), with status; left out of the list (id -1) when it is not
 * due by today or its snooze is not over. */
static int64_t
new_row(crm_remind *r, crm_summary *sum, int64_t id, int64_t customer_id, const char *due,
        char status, bool snooze_over)
{
	struct crm_remind_row *w;

	if (r->nrows == r->rcap) {
		r->rcap = r->rcap ? 2 * r->rcap : 1024;
		r->rows = crm_xreallocarray(r->rows, r->rcap, sizeof(*r->rows));
		r->row_reason = crm_xreallocarray(r->row_reason, r->rcap, sizeof(*r->row_reason));
	}
	w = &r->rows[r->nrows];
	w->id = (status == 's' && !snooze_over) || strcmp(due, r->today_text) > 0 ? -1 : id;
	w->customer_id = customer_id;
	w->status = status == 's' ? "snoozed" : "open";
	w->reason = NULL;
	/* Looked up here, in the customers' order, rather than when the list
	 * is written in its own order. */
	w->customer = crm_summary_find(sum, customer_id);
	snprintf(w->due, sizeof w->due, "%s", due);
	return (int64_t)r->nrows++;
}

/* A row's texts, from the proposal that matched it (a later proposal of
 * the same key overwrites them). The reason as an offset: the arena may
 * still move (rows_final makes it a pointer). */
static void
fill_row(crm_remind *r, int64_t row, const struct proposal *p)
{
	struct crm_remind_row *w = &r->rows[row];

	w->rule = p->rule;
	w->priority = crm_remind_priority_names[p->priority];
	r->row_reason[row] = p->reason;
	w->escalate_to = p->escalate_to;
}

/* Every proposal made: the rows' reasons as pointers into the arena. */
static void
rows_final(crm_remind *r)
{
	for (size_t i = 0; i < r->nrows; i++)
		r->rows[i].reason = arena_str(r, r->row_reason[i]);
	free(r->row_reason);
	r->row_reason = NULL;
}

/* ---- the writer: the changes matching decided, on a thread ------------- */

static void commit_and_close(crm_remind *r, crm_store *s);

/* Changes are handed to the writer in batches, each with its own copy of
 * the texts (the proposals and their arena may move while it writes). */
#define BATCH_CHANGES 4096

struct change {
	int64_t id, customer_id, ticket_id;
	const char *rule, *escalate_to;   /* static, or the configuration's */
	size_t key, reason;               /* offsets into the batch's text */
	int32_t due;
	uint8_t priority, kind;
};

struct batch {
	struct batch *next;
	struct change v[BATCH_CHANGES];
	size_t n;
	crm_buf text;
};

static void
batch_free(struct batch *b)
{
	crm_buf_free(&b->text);
	free(b);
}

/* The batches no writer took (a run that stopped early). */
static void
queue_free(crm_remind *r)
{
	while (r->head != NULL) {
		struct batch *b = r->head;

		r->head = b->next;
		batch_free(b);
	}
	if (r->filling)
		batch_free(r->filling);
	r->filling = r->tail = NULL;
}

/* Hand the batch being filled to the writer. */
static void
queue_batch(crm_remind *r)
{
	struct batch *b = r->filling;

	if (b == NULL)
		return;
	r->filling = NULL;
	pthread_mutex_lock(&r->mu);
	if (r->tail)
		r->tail->next = b;
	else
		r->head = b;
	r->tail = b;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

static void
add_change(crm_remind *r, enum change_kind kind, int64_t id, const struct proposal *p)
{
	struct batch *b = r->filling;
	struct change *ch;

	if (b == NULL) {
		b = r->filling = crm_xcalloc(1, sizeof *b);
		crm_buf_reserve(&b->text, BATCH_CHANGES * 80);
	}
	ch = &b->v[b->n++];
	memset(ch, 0, sizeof *ch);
	ch->id = id;
	ch->kind = (uint8_t)kind;
	if (p != NULL) {
		const char *key = arena_str(r, p->key), *reason = arena_str(r, p->reason);

		ch->customer_id = p->customer_id;
		ch->ticket_id = p->ticket_id;
		ch->rule = p->rule;
		ch->escalate_to = p->escalate_to;
		ch->due = p->due;
		ch->priority = p->priority;
		ch->key = b->text.len;
		crm_buf_append(&b->text, key, strlen(key) + 1);
		ch->reason = b->text.len;
		crm_buf_append(&b->text, reason, strlen(reason) + 1);
	}
	r->nchanges++;
	if (b->n == BATCH_CHANGES)
		queue_batch(r);
}

struct writer_statements {
	sqlite3_stmt *ins, *upd, *cancel;
	char due[16];
};

/* One change; every text bound stays as it is until it is stepped (the
 * batch's text, the clock, static names; due is rebound for each row). */
static void
write_change(crm_remind *r, crm_store *s, struct writer_statements *w, const struct batch *b,
             const struct change *ch)
{
	sqlite3_stmt *st;

	switch (ch->kind) {
	case CH_INSERT:
		st = w->ins;
		crm_date_format(ch->due, w->due);
		crm_store_bind_int(s, st, 1, ch->id);
		crm_store_bind_text_static(s, st, 2, b->text.data + ch->key);
		crm_store_bind_int(s, st, 3, ch->customer_id);
		if (ch->ticket_id)
			crm_store_bind_int(s, st, 4, ch->ticket_id);
		else
			crm_store_bind_null(s, st, 4);
		crm_store_bind_text_static(s, st, 5, ch->rule);
		crm_store_bind_text_static(s, st, 6, w->due);
		crm_store_bind_text_static(s, st, 7, crm_remind_priority_names[ch->priority]);
		crm_store_bind_text_static(s, st, 8, b->text.data + ch->reason);
		crm_store_bind_text_static(s, st, 9, ch->escalate_to);
		crm_store_bind_text_static(s, st, 10, r->clock.now);
		break;
	case CH_UPDATE:
		st = w->upd;
		crm_store_bind_int(s, st, 1, ch->id);
		crm_store_bind_text_static(s, st, 2, b->text.data + ch->reason);
		crm_store_bind_text_static(s, st, 3, crm_remind_priority_names[ch->priority]);
		crm_store_bind_text_static(s, st, 4, ch->escalate_to);
		crm_store_bind_text_static(s, st, 5, r->clock.now);
		break;
	default:
		st = w->cancel;
		crm_store_bind_int(s, st, 1, ch->id);
		crm_store_bind_text_static(s, st, 2, r->clock.now);
		break;
	}
	crm_store_step(s, st);
	sqlite3_reset(st);
}

/* The next batch, waiting for one; NULL once the queue is closed and
 * empty. */
static struct batch *
next_batch(crm_remind *r)
{
	struct batch *b;

	pthread_mutex_lock(&r->mu);
	while (r->head == NULL && !r->closed)
		pthread_cond_wait(&r->cv, &r->mu);
	if ((b = r->head) != NULL && (r->head = b->next) == NULL)
		r->tail = NULL;
	pthread_mutex_unlock(&r->mu);
	return b;
}

/* Every batch in the order queued (new reminders in the order of their
 * ids), then the commit. */
static void
write_changes(crm_remind *r, crm_store *s)
{
	struct writer_statements w = {
		.ins = crm_store_prepare(s, "INSERT INTO reminders (id, key, customer_id, ticket_id, "
		    "rule, due, priority, reason, escalate_to, status, created_at, updated_at) "
		    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'open', ?10, ?10)"),
		.upd = crm_store_prepare(s, "UPDATE reminders SET reason = ?2, priority = ?3, "
		    "escalate_to = ?4, updated_at = ?5, status = CASE status WHEN 'cancelled' THEN "
		    "'open' ELSE status END WHERE id = ?1"),
		.cancel = crm_store_prepare(s, "UPDATE reminders SET status = 'cancelled', "
		    "updated_at = ?2 WHERE id = ?1"),
	};
	struct batch *b;

	while ((b = next_batch(r)) != NULL) {
		for (size_t i = 0; i < b->n; i++)
			write_change(r, s, &w, b, &b->v[i]);
		batch_free(b);
	}
	sqlite3_finalize(w.ins);
	sqlite3_finalize(w.upd);
	sqlite3_finalize(w.cancel);
	/* Set before the queue was closed, under its lock. */
	if (r->abandoned) {
		if (sqlite3_exec(crm_store_db(s), "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK)
			crm_warn("store %s: rollback: %s (nothing of this run was committed)",
			         crm_store_path(s), sqlite3_errmsg(crm_store_db(s)));
	} else
		commit_and_close(r, s);
}

static void *
write_work(void *arg)
{
	crm_remind *r = arg;

	write_changes(r, r->ws);
	return NULL;
}

/* The writer on s, on a thread (without one, crm_remind_store writes
 * everything itself once matching is over). */
static void
start_writer(crm_remind *r, crm_store *s)
{
	r->ws = s;
	r->writing = pthread_create(&r->writer, NULL, write_work, r) == 0;
}

/* No more changes: the writer commits once it has written them. */
static void
close_queue(crm_remind *r)
{
	queue_batch(r);
	pthread_mutex_lock(&r->mu);
	r->closed = true;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	if (!r->writing)
		write_changes(r, r->ws);
}

static void
join_writer(crm_remind *r)
{
	if (r->writing && pthread_join(r->writer, NULL) != 0)
		crm_die(CRM_EX_SOFTWARE, "cannot wait for the reminders' writer");
	r->writing = false;
}

/* ---- matching ---------------------------------------------------------- */

/* The hash's value for a key new in this run: its row, below DONE_KEY. */
#define NEW_KEY(row) (-2 - (row))

/* A proposal whose key the store does not have: a new reminder, with the
 * next id (the write lock is held since the scan: nobody else adds one). */
static void
add_new(crm_remind *r, crm_summary *sum, const struct proposal *p, const char *key)
{
	int64_t id = r->next_id++, row;
	char due[16];

	crm_date_format(p->due, due);
	row = new_row(r, sum, id, p->customer_id, due, 'n', false);
	fill_row(r, row, p);
	crm_hash_put(r->by_key, key, strlen(key), NEW_KEY(row));
	add_change(r, CH_INSERT, id, p);
	r->added++;
}

/* One proposal against what the store has. */
static void
match(crm_remind *r, crm_summary *sum, const struct proposal *p)
{
	const char *key = arena_str(r, p->key), *reason = arena_str(r, p->reason);
	const char *priority = crm_remind_priority_names[p->priority];
	struct known *k;
	uint64_t what;
	int64_t at;

	if (!crm_hash_get(r->by_key, key, strlen(key), &at)) {
		add_new(r, sum, p, key);
		return;
	}
	/* Done: that occasion does not come back. New in this run already: a
	 * key proposed twice keeps the first. */
	if (at < 0)
		return;
	k = &r->known[at];
	k->seen = true;
	what = what_hash(reason, priority, p->escalate_to);
	if (k->status == 'c' || k->what != what) {
		add_change(r, CH_UPDATE, k->id, p);
		r->added += k->status == 'c'; /* opened again: new on the list */
		if (k->status == 'c')
			k->status = 'o';
		k->what = what;
	}
	/* The proposal's customer, as the list always showed (the stored
	 * one differs only for a ticket moved to another customer). */
	if (k->row < 0)
		k->row = new_row(r, sum, k->id, p->customer_id, k->due, k->status, k->snooze_over);
	fill_row(r, k->row, p);
}

/* The open and snoozed reminders nobody proposed: of the customers the
 * run looked at (a stream's), and of customers gone from the store. */
static void
cancel_unseen(crm_remind *r, crm_summary *sum, const uint8_t *selected)
{
	for (size_t i = 0; i < r->nknown; i++) {
		const struct known *k = &r->known[i];
		struct crm_customer *c;

		if (k->seen || (k->status != 'o' && k->status != 's'))
			continue;
		c = crm_summary_find(sum, k->customer_id);
		if (c != NULL && !selected[crm_summary_index(sum, c)])
			continue;
		add_change(r, CH_CANCEL, k->id, NULL);
		r->cancelled++;
	}
}

/* The write lock, then the stored reminders and the next id. */
static void
begin_and_read(crm_remind *r, crm_store *s)
{
	sqlite3_stmt *st;
	size_t n = 0;

	crm_store_begin(s);
	/* Room for every stored reminder (the count comes from the index;
	 * asked for with max(id), it would be a scan of the table). */
	st = crm_store_prepare(s, "SELECT count(*) FROM reminders");
	if (crm_store_step(s, st) == SQLITE_ROW && sqlite3_column_int64(st, 0) > 0)
		n = (size_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = crm_store_prepare(s, "SELECT coalesce(max(id), 0) FROM reminders");
	if (crm_store_step(s, st) == SQLITE_ROW)
		r->next_id = sqlite3_column_int64(st, 0) + 1;
	sqlite3_finalize(st);
	crm_hash_reserve(r->by_key, n + 1024);
	r->kcap = n + 1024;
	r->known = crm_xreallocarray(r->known, r->kcap, sizeof(*r->known));
	read_known(r, s);
	r->began = true;
}

static void *
read_ahead_work(void *arg)
{
	crm_remind *r = arg;

	begin_and_read(r, r->own);
	return NULL;
}

void
crm_remind_read_ahead(crm_remind *r, crm_store *s, int busy_ms)
{
	r->own = crm_store_open_more(s, busy_ms);
	r->reading = pthread_create(&r->reader, NULL, read_ahead_work, r) == 0;
	/* Without a thread, crm_remind_store reads them itself, on the
	 * connection of its own. */
}

/* The checkpoint of a run's WAL into the store, on the store side's own
 * connection, which it then closes: on a thread, while the list is
 * written. The reminders are committed before: a failed checkpoint loses
 * nothing (the next writer's does it). */
static void *
checkpoint_work(void *arg)
{
	crm_store *own = arg;
	int rc = sqlite3_wal_checkpoint_v2(crm_store_db(own), NULL, SQLITE_CHECKPOINT_PASSIVE,
	                                   NULL, NULL);

	if (rc != SQLITE_OK && rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
		crm_warn("store %s: checkpoint: %s (the reminders are stored)",
		         crm_store_path(own), sqlite3_errmsg(crm_store_db(own)));
	crm_store_close(own);
	return NULL;
}

/* Commit the store side's transaction, and let go of its own connection. */
static void
commit_and_close(crm_remind *r, crm_store *s)
{
	if (r->own == NULL) {
		crm_store_commit(s);
		return;
	}
	/* The commit does not checkpoint: checkpoint_work does, meanwhile. */
	crm_store_exec(r->own, "PRAGMA wal_autocheckpoint = 0");
	crm_store_commit(r->own);
	r->checkpointing = pthread_create(&r->checkpointer, NULL, checkpoint_work, r->own) == 0;
	if (!r->checkpointing)
		crm_store_close(r->own);
	r->own = NULL;
}

/* The proposals made since the last call, matched (a few ahead prefetched:
 * each hash lookup is a cache miss otherwise); while the customers are
 * still being looked at, only once enough have gathered. */
#define MATCH_WINDOW 64

static void
match_pending(crm_remind *r, crm_summary *sum, bool all)
{
	size_t i, n = r->nprops;

	if (!all && n - r->matched < MATCH_WINDOW)
		return;
	for (i = r->matched; i < n; i++) {
		if (i + 8 < n) {
			const char *ahead = arena_str(r, r->props[i + 8].key);

			crm_hash_prefetch(r->by_key, crm_hash_key(ahead, strlen(ahead)));
		}
		match(r, sum, &r->props[i]);
	}
	r->matched = n;
}

/* Room in the hash and the rows for n proposals: in a first run every key
 * is new, and they would otherwise double (and copy) their way up to a
 * million; in later runs most are stored already. */
static void
reserve_for(crm_remind *r, size_t n)
{
	crm_hash_reserve(r->by_key, (n > r->nknown ? n : r->nknown) + 1024);
	if (r->rcap < n + 1) {
		r->rcap = n + 1;
		r->rows = crm_xreallocarray(r->rows, r->rcap, sizeof(*r->rows));
		r->row_reason = crm_xreallocarray(r->row_reason, r->rcap, sizeof(*r->row_reason));
	}
}

void
crm_remind_start(crm_remind *r, crm_summary *sum)
{
	if (!r->reading)
		return;
	if (pthread_join(r->reader, NULL) != 0)
		crm_die(CRM_EX_SOFTWARE, "cannot wait for the reminders' reader");
	r->reading = false;
	/* About one proposal per customer. */
	reserve_for(r, crm_summary_count(sum));
	r->live = true;
	start_writer(r, r->own);
}

void
crm_remind_store(crm_remind *r, crm_store *s, crm_summary *sum, const uint8_t *selected,
                 bool quiet)
{
	r->quiet = quiet;
	if (!r->live) {
		/* Everything from here, on the store side's connection. */
		if (r->own != NULL)
			s = r->own;
		if (r->reading) {
			if (pthread_join(r->reader, NULL) != 0)
				crm_die(CRM_EX_SOFTWARE, "cannot wait for the reminders' reader");
			r->reading = false;
		} else if (!r->began)
			begin_and_read(r, s);
		rule_sla(r, s, sum, selected);
		reserve_for(r, r->nprops);
		match_pending(r, sum, true);
		cancel_unseen(r, sum, selected);
		start_writer(r, s);
	} else {
		/* The writer has the store side's connection: the tickets are
		 * read on s (no other writer can commit meanwhile: the write
		 * lock is held). The escalations come after the customers'
		 * proposals, so new ones get the next ids. */
		rule_sla(r, s, sum, selected);
		match_pending(r, sum, true);
		cancel_unseen(r, sum, selected);
	}
	close_queue(r);
	/* Nothing to change: the commit only lets go of the lock, and the list
	 * need not wait for it. */
	if (r->nchanges == 0)
		join_writer(r);
	rows_final(r);
	crm_hash_free(r->by_key);
	r->by_key = NULL;
	free(r->known);
	r->known = NULL;
	r->nknown = r->kcap = 0;
}

bool
crm_remind_writing(const crm_remind *r)
{
	return r->writing;
}

void
crm_remind_stored(crm_remind *r)
{
	if (r->stored)
		return;
	r->stored = true;
	join_writer(r);
	/* What matching needed: the rows hold what the list shows (their texts
	 * stay in the arena). */
	free(r->props);
	r->props = NULL;
	r->nprops = r->cap = r->matched = 0;
	if (r->bad_dates > BAD_DATES_NAMED)
		crm_warn("%lld more values of remind.date_rules columns are no date; no reminder "
		         "for them", r->bad_dates - BAD_DATES_NAMED);
	if (!r->quiet)
		fprintf(stderr, "crm-remind: %lld new reminders, %lld cancelled (their reason went "
		        "away)\n", r->added, r->cancelled);
}

/* ---- the due list ------------------------------------------------------ */

static int
priority_rank(const char *p)
{
	return strcmp(p, "urgent") == 0 ? 0 : strcmp(p, "high") == 0 ? 1 :
	    strcmp(p, "normal") == 0 ? 2 : 3;
}

static int
row_cmp(const void *pa, const void *pb)
{
	const struct crm_remind_row *a = pa, *b = pb;
	int c = priority_rank(a->priority) - priority_rank(b->priority);

	if (c == 0)
		c = strcmp(a->due, b->due);
	return c != 0 ? c : (a->id > b->id) - (a->id < b->id);
}

/* A row's place in the list as one number: priority rank, due day, id
 * (bits 62-63, 39-61, 0-38), which orders as row_cmp does for ISO days
 * and ids below 2^39. */
struct sort_key {
	uint64_t key;
	size_t row;
};

static bool
make_key(const struct crm_remind_row *w, uint64_t *key)
{
	int64_t day;

	if (crm_date_parse_iso(w->due, &day) != 0 || w->id < 0 || w->id >= (int64_t)1 << 39 ||
	    day < -(1 << 22) || day >= (1 << 22))
		return false;
	*key = (uint64_t)priority_rank(w->priority) << 62 | (uint64_t)(day + (1 << 22)) << 39 |
	    (uint64_t)w->id;
	return true;
}

/* LSD radix sort of k[0..n) by key, 16 bits a pass (sequential memory
 * traffic, where a comparison sort of a million rows jumps about). */
static void
radix_keys(struct sort_key *k, size_t n)
{
	struct sort_key *tmp = crm_xreallocarray(NULL, n + 1, sizeof(*tmp)), *src = k, *dst = tmp, *t;
	size_t *count = crm_xcalloc(65536, sizeof(*count)), i, d, sum, c;
	unsigned shift;

	for (shift = 0; shift < 64; shift += 16) {
		memset(count, 0, 65536 * sizeof(*count));
		for (i = 0; i < n; i++)
			count[src[i].key >> shift & 0xffff]++;
		if (count[src[0].key >> shift & 0xffff] == n)
			continue; /* every key has this digit: nothing moves */
		for (sum = 0, d = 0; d < 65536; d++) {
			c = count[d];
			count[d] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			dst[count[src[i].key >> shift & 0xffff]++] = src[i];
		t = src, src = dst, dst = t;
	}
	if (src != k)
		memcpy(k, src, n * sizeof(*k));
	free(count);
	free(tmp);
}

/* The rows in the list's order, as pointers (the rows stay where they
 * are: gathering a million 80-byte rows cost more than it saved). */
static const struct crm_remind_row **
sort_rows(struct crm_remind_row *rows, size_t n)
{
	const struct crm_remind_row **out = crm_xreallocarray(NULL, n + 1, sizeof(*out));
	struct sort_key *k;
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = &rows[i];
	if (n < 2)
		return out;
	k = crm_xreallocarray(NULL, n, sizeof(*k));
	for (i = 0; i < n; i++) {
		if (!make_key(&rows[i], &k[i].key)) {
			/* A due text that is no ISO day (a store edited by hand). */
			free(k);
			qsort(rows, n, sizeof(*rows), row_cmp);
			return out;
		}
		k[i].row = i;
	}
	radix_keys(k, n);
	for (i = 0; i < n; i++)
		out[i] = &rows[k[i].row];
	free(k);
	return out;
}

size_t
crm_remind_due(crm_remind *r, const struct crm_remind_row *const **rows)
{
	size_t i, n = 0;

	/* The rows due (new_row marked the others). */
	for (i = 0; i < r->nrows; i++)
		if (r->rows[i].id >= 0)
			r->rows[n++] = r->rows[i];
	r->nrows = n;
	free(r->due);
	r->due = sort_rows(r->rows, n);
	*rows = r->due;
	return n;
}

/* ---- the other commands ------------------------------------------------ */

void
crm_remind_list_read(crm_store *s, const char *status, struct crm_remind_list *out)
{
	sqlite3_stmt *st = crm_store_prepare(s, "SELECT id, customer_id, rule, priority, reason, "
	    "escalate_to, status, due FROM reminders WHERE ?1 = 'all' OR status = ?1 ORDER BY "
	    "CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 "
	    "END, due, id");
	size_t cap = 0, i, *off = NULL;

	memset(out, 0, sizeof(*out));
	crm_buf_putc(&out->text, '\0'); /* offset 0: "" */
	crm_store_bind_text(s, st, 1, status);
	while (crm_store_step(s, st) == SQLITE_ROW) {
		struct crm_remind_row *w;

		if (out->n == cap) {
			cap = cap ? 2 * cap : 64;
			out->rows = crm_xreallocarray(out->rows, cap, sizeof(*out->rows));
			off = crm_xreallocarray(off, cap, 5 * sizeof(*off));
		}
		w = &out->rows[out->n];
		memset(w, 0, sizeof(*w));
		w->id = sqlite3_column_int64(st, 0);
		w->customer_id = sqlite3_column_int64(st, 1);
		snprintf(w->due, sizeof w->due, "%s", (const char *)sqlite3_column_text(st, 7));
		/* The texts go to one buffer, which moves as it grows: offsets
		 * now, pointers once it is final. An absent escalate_to stays 0. */
		for (i = 0; i < 5; i++) {
			const char *t = (const char *)sqlite3_column_text(st, 2 + (int)i);

			off[out->n * 5 + i] = t ? out->text.len : 0;
			if (t)
				crm_buf_append(&out->text, t, strlen(t) + 1);
		}
		out->n++;
	}
	sqlite3_finalize(st);
	for (i = 0; i < out->n; i++) {
		struct crm_remind_row *w = &out->rows[i];
		const char *base = out->text.data;

		w->rule = base + off[i * 5];
		w->priority = base + off[i * 5 + 1];
		w->reason = base + off[i * 5 + 2];
		w->escalate_to = off[i * 5 + 3] ? base + off[i * 5 + 3] : NULL;
		w->status = base + off[i * 5 + 4];
	}
	free(off);
}

void
crm_remind_list_free(struct crm_remind_list *l)
{
	free(l->rows);
	crm_buf_free(&l->text);
}

/* Take the write lock and read the reminder's customer and rule, when it is
 * open or snoozed (0); else a message, the lock let go, and CRM_EX_DATAERR. */
static int
begin_change(crm_store *s, int64_t id, const char *doing, int64_t *customer, char **rule)
{
	sqlite3_stmt *st;
	const char *was;
	int status = CRM_EX_DATAERR;

	crm_store_begin(s);
	st = crm_store_prepare(s, "SELECT customer_id, rule, status FROM reminders WHERE id = ?1");
	crm_store_bind_int(s, st, 1, id);
	if (crm_store_step(s, st) != SQLITE_ROW)
		crm_warn("no reminder %lld (see crm-remind list --status all)", (long long)id);
	else if (was = (const char *)sqlite3_column_text(st, 2),
	         strcmp(was, "open") != 0 && strcmp(was, "snoozed") != 0)
		crm_warn("reminder %lld is %s already; only open or snoozed ones can be %s",
		         (long long)id, was, doing);
	else {
		*customer = sqlite3_column_int64(st, 0);
		*rule = crm_xstrdup((const char *)sqlite3_column_text(st, 1));
		status = 0;
	}
	sqlite3_finalize(st);
	if (status != 0)
		crm_store_rollback(s);
	return status;
}

int
crm_remind_done(crm_store *s, int64_t id, const char *now, const char *note)
{
	sqlite3_stmt *st;
	int64_t customer;
	char *rule, *key, *summary;
	int status;

	if ((status = begin_change(s, id, "done", &customer, &rule)) != 0)
		return status;
	st = crm_store_prepare(s, "UPDATE reminders SET status = 'done', done_at = ?2, "
	    "note = ?3, updated_at = ?2 WHERE id = ?1");
	crm_store_bind_int(s, st, 1, id);
	crm_store_bind_text(s, st, 2, now);
	crm_store_bind_text(s, st, 3, note);
	crm_store_step(s, st);
	sqlite3_finalize(st);
	/* The follow-up itself, so the cadence clock starts again. */
	key = crm_xasprintf("reminder:%lld:%s", (long long)id, now);
	summary = crm_xasprintf("follow-up done (reminder %lld, %s)%s%s", (long long)id, rule,
	                        note ? ": " : "", note ? note : "");
	st = crm_store_prepare(s, "INSERT OR IGNORE INTO interactions (interaction_key, "
	    "customer_id, at, channel, direction, kind, summary) VALUES (?1, ?2, ?3, "
	    "'other', 'out', 'note', ?4)");
	crm_store_bind_text(s, st, 1, key);
	crm_store_bind_int(s, st, 2, customer);
	crm_store_bind_text(s, st, 3, now);
	crm_store_bind_text(s, st, 4, summary);
	crm_store_step(s, st);
	sqlite3_finalize(st);
	crm_store_commit(s);
	free(key), free(summary), free(rule);
	return 0;
}

int
crm_remind_snooze(crm_store *s, int64_t id, const char *until, int64_t today, const char *now)
{
	sqlite3_stmt *st;
	int64_t customer, u;
	char *rule;
	int status;

	if ((status = begin_change(s, id, "snoozed", &customer, &rule)) != 0)
		return status;
	free(rule);
	if (crm_date_parse_iso(until, &u) == 0 && u <= today) {
		crm_warn("--until %s is not after today (%s)", until, now);
		crm_store_rollback(s);
		return CRM_EX_USAGE;
	}
	st = crm_store_prepare(s, "UPDATE reminders SET status = 'snoozed', snoozed_until = "
	    "?2, updated_at = ?3 WHERE id = ?1");
	crm_store_bind_int(s, st, 1, id);
	crm_store_bind_text(s, st, 2, until);
	crm_store_bind_text(s, st, 3, now);
	crm_store_step(s, st);
	sqlite3_finalize(st);
	crm_store_commit(s);
	return 0;
}
