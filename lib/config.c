/*
 * config — the YAML configuration as typed settings (see config.h).
 *
 * The file is read whole (config files are small) and parsed with libyaml's
 * document API, which keeps the position of every node, so each message can
 * name the line of the key or value at fault. The document is then walked
 * against the table `keys` below: every accepted key path is one row whose
 * type says which YAML node it takes and whose setter turns that node into a
 * field of struct crm_config. A mapping whose path is only a prefix of rows
 * (a section such as "store") is walked recursively; anything else is an
 * unknown key, reported with the nearest valid key.
 *
 * Every error in the file is reported (one line each, SPEC §6 shape) before
 * crm_config_load() returns CRM_EX_CONFIG, so a user can fix them in one pass.
 */
#include "config.h"
#include "dedupe.h"
#include "mime.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "diag.h"
#include "i18n.h"
#include "kpi.h"

/* State of one load. */
struct loader {
	const char *file;       /* path as given; prefixes every message */
	struct crm_config *cfg; /* being filled */
	yaml_document_t *doc;   /* the parsed document */
	int errors;             /* messages printed so far */
};

/* The YAML node a key takes. */
enum key_type {
	KT_SCALAR, /* one value: a string, enum, boolean or integer */
	KT_MAP,    /* a mapping whose keys are data (currencies, kinds, names) */
};

struct key;
/* Convert node (the value of the key at path) and store it; on a bad value
 * report it through fail() and leave the field alone. */
typedef void setter(struct loader *ld, const struct key *k, const char *path,
                    yaml_node_t *node);

/* One accepted key path. */
struct key {
	const char *path;           /* dotted path, e.g. "store.busy_timeout_ms" */
	enum key_type type;         /* node it takes */
	setter *set;                /* converts and stores the value */
	size_t off;                 /* its field in struct crm_config */
	long min, max;              /* range of an integer */
	const char *const *choices; /* enum names, NULL-terminated; index = value */
};

static setter set_currency, set_region, set_enum, set_bool, set_int,
    set_rates, set_headers, set_segments, set_cuts, set_real, set_lead_points,
    set_name_ints, set_string, set_remind_rules, set_dedupe_weights, set_targets,
    set_owner_emails, set_date_rules, set_templates, set_column;

static const char *const date_orders[] = { "dmy", "mdy", "ymd", NULL };
static const char *const rfm_methods[] = { "quintiles", "thresholds", NULL };
static const char *const units[] = { "week", "day", NULL };
static const char *const langs[] = { "en", "zh-CN", "zh-TW", NULL };
/* set_name_ints: with these choices, the word "off" is accepted as 0. */
static const char *const off_word[] = { "off", NULL };

const char *const crm_config_severities[] = { "low", "normal", "high", "urgent", "critical",
                                              NULL };

/* The import kinds headers: accepts. */
static const char *const kinds[] = {
	"customers", "orders", "interactions", "tickets", NULL
};

#define F(field) offsetof(struct crm_config, field)

/*
 * The schema. Adding a key is one row here, one field in config.h (with its
 * default in crm_config_defaults) and one subsection in man/crm-config.5.
 */
static const struct key keys[] = {
	{ "currency", KT_SCALAR, set_currency, F(currency), 0, 0, NULL },
	{ "phone_region", KT_SCALAR, set_region, F(phone_region), 0, 0, NULL },
	{ "date_order", KT_SCALAR, set_enum, F(date_order), 0, 0, date_orders },
	{ "roc_years", KT_SCALAR, set_bool, F(roc_years), 0, 0, NULL },
	{ "exchange_rates", KT_MAP, set_rates, 0, 0, 0, NULL },
	{ "headers", KT_MAP, set_headers, 0, 0, 0, NULL },
	{ "segments", KT_MAP, set_segments, 0, 0, 0, NULL },
	{ "store.busy_timeout_ms", KT_SCALAR, set_int, F(busy_timeout_ms), 0,
	  3600000, NULL },
	{ "rfm.method", KT_SCALAR, set_enum, F(rfm_method), 0, 0, rfm_methods },
	/* set_cuts: min is the index into rfm_cuts (0 R, 1 F, 2 M). */
	{ "rfm.recency_days", KT_SCALAR, set_cuts, F(rfm_cuts), 0, 0, NULL },
	{ "rfm.frequency", KT_SCALAR, set_cuts, F(rfm_cuts), 1, 0, NULL },
	{ "rfm.monetary", KT_SCALAR, set_cuts, F(rfm_cuts), 2, 0, NULL },
	{ "lifecycle.new_days", KT_SCALAR, set_int, F(lifecycle_new_days), 1,
	  36500, NULL },
	{ "lifecycle.at_risk_days", KT_SCALAR, set_int,
	  F(lifecycle_at_risk_days), 1, 36500, NULL },
	{ "lifecycle.churn_days", KT_SCALAR, set_int, F(lifecycle_churn_days), 1,
	  36500, NULL },
	{ "lifecycle.loyal_orders", KT_SCALAR, set_int,
	  F(lifecycle_loyal_orders), 2, 1000000, NULL },
	{ "score.unit", KT_SCALAR, set_enum, F(score_unit), 0, 0, units },
	{ "score.horizon_days", KT_SCALAR, set_int, F(score_horizon_days), 1, 36500,
	  NULL },
	/* set_real: a number in [min, max] / 1000 (thousandths keep the table
	 * in whole numbers). */
	{ "score.discount_rate", KT_SCALAR, set_real, F(score_discount_rate), 0, 999,
	  NULL },
	{ "score.margin", KT_SCALAR, set_real, F(score_margin), 1, 1000, NULL },
	{ "score.health.rhythm", KT_SCALAR, set_real,
	  F(health_weights[CRM_HEALTH_RHYTHM]), 0, 1000, NULL },
	{ "score.health.trend", KT_SCALAR, set_real,
	  F(health_weights[CRM_HEALTH_TREND]), 0, 1000, NULL },
	{ "score.health.complaints", KT_SCALAR, set_real,
	  F(health_weights[CRM_HEALTH_COMPLAINTS]), 0, 1000, NULL },
	{ "score.health.satisfaction", KT_SCALAR, set_real,
	  F(health_weights[CRM_HEALTH_SATISFACTION]), 0, 1000, NULL },
	{ "score.lead_points", KT_MAP, set_lead_points, 0, 0, 0, NULL },
	/* set_name_ints: whole numbers in [min, max] under any name (the names
	 * are checked by the tool that knows them); off_word admits "off". */
	{ "remind.cadence_rfm", KT_MAP, set_name_ints, F(cadence_rfm), 0, 3650, off_word },
	{ "remind.cadence_lifecycle", KT_MAP, set_name_ints, F(cadence_lifecycle), 0, 3650,
	  off_word },
	{ "remind.sla_hours", KT_MAP, set_name_ints, F(sla_hours), 1, 87600, NULL },
	{ "remind.rules", KT_MAP, set_remind_rules, 0, 0, 0, NULL },
	{ "remind.manager", KT_SCALAR, set_string, F(remind_manager), 0, 0, NULL },
	{ "remind.winback_top_percent", KT_SCALAR, set_int, F(remind_winback_percent), 1,
	  100, NULL },
	{ "remind.satisfaction_days", KT_SCALAR, set_int, F(remind_satisfaction_days), 0,
	  365, NULL },
	{ "remind.birthday_days", KT_SCALAR, set_int, F(remind_birthday_days), 0, 365, NULL },
	{ "remind.anniversary_days", KT_SCALAR, set_int, F(remind_anniversary_days), 0, 365,
	  NULL },
	{ "remind.rule_every_days", KT_SCALAR, set_int, F(remind_rule_every_days), 1, 3650,
	  NULL },
	{ "remind.reclaim_days", KT_SCALAR, set_int, F(remind_reclaim_days), 1, 3650, NULL },
	{ "remind.owner_emails", KT_MAP, set_owner_emails, 0, 0, 0, NULL },
	{ "remind.reclaim_order_days", KT_SCALAR, set_int, F(remind_reclaim_order_days), 0, 3650,
	  NULL },
	{ "remind.date_rules", KT_MAP, set_date_rules, 0, 0, 0, NULL },
	{ "remind.templates", KT_MAP, set_templates, 0, 0, 0, NULL },
	{ "remind.language_column", KT_SCALAR, set_column, F(remind_language_column), 0, 0, NULL },
	{ "dedupe.merge_threshold", KT_SCALAR, set_real, F(dedupe_merge_threshold), 0, 1000,
	  NULL },
	{ "dedupe.review_threshold", KT_SCALAR, set_real, F(dedupe_review_threshold), 0, 1000,
	  NULL },
	{ "dedupe.apart_threshold", KT_SCALAR, set_real, F(dedupe_apart_threshold), 0, 1000,
	  NULL },
	{ "dedupe.block_cap", KT_SCALAR, set_int, F(dedupe_block_cap), 2, 100000, NULL },
	{ "dedupe.weights", KT_MAP, set_dedupe_weights, 0, 0, 0, NULL },
	{ "report.targets", KT_MAP, set_targets, 0, 0, 0, NULL },
	{ "report.lang", KT_SCALAR, set_enum, F(report_lang), 0, 0, langs },
	{ "report.cohort_months", KT_SCALAR, set_int, F(report_cohort_months), 1,
	  CRM_KPI_MAX_COHORTS, NULL },
	{ "report.top_customers", KT_SCALAR, set_int, F(report_top), 1, 1000, NULL },
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

/* Print "file:line: message" and count the error. */
static void
fail(struct loader *ld, const yaml_node_t *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
fail(struct loader *ld, const yaml_node_t *at, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = crm_xvasprintf(fmt, ap);
	va_end(ap);
	crm_warn("%s:%lu: %s", ld->file, (unsigned long)at->start_mark.line + 1,
	    msg);
	free(msg);
	ld->errors++;
}

long
crm_config_sla_hours(const struct crm_config *c, const char *severity)
{
	static const struct { const char *name; int hours; } defaults[] = {
		{ "urgent", 4 }, { "critical", 4 }, { "high", 24 }, { "normal", 72 },
		{ "low", 168 },
	};
	size_t i;

	for (i = 0; i < c->nsla_hours; i++)
		if (strcmp(c->sla_hours[i].name, severity) == 0)
			return c->sla_hours[i].value;
	for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		if (strcmp(defaults[i].name, severity) == 0)
			return defaults[i].hours;
	return 72;
}

size_t
crm_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, *row, diag, up, d;
	const char *t;

	/* One row of the shorter string: memory is O(min(la, lb)). */
	if (lb > la) {
		t = a, a = b, b = t;
		d = la, la = lb, lb = d;
	}
	row = crm_xreallocarray(NULL, lb + 1, sizeof(*row));
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			up = row[j];
			d = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < d)
				d = up + 1;
			if (row[j - 1] + 1 < d)
				d = row[j - 1] + 1;
			row[j] = d;
			diag = up;
		}
	}
	d = row[lb];
	free(row);
	return d;
}

/* The nearest of n candidates to s, or NULL when none is within
 * max(2, strlen(s) / 3) edits. Ties go to the earlier candidate. */
static const char *
nearest(const char *s, const char *const *cand, size_t n)
{
	size_t len = strlen(s), limit = len / 3 > 2 ? len / 3 : 2;
	size_t i, d, best = (size_t)-1;
	const char *found = NULL;

	for (i = 0; i < n; i++) {
		if (cand[i] == NULL)
			continue;
		d = crm_edit_distance(s, cand[i]);
		if (d <= limit && d < best) {
			best = d;
			found = cand[i];
		}
	}
	return found;
}

static size_t
count(const char *const *list)
{
	size_t n = 0;

	while (list[n] != NULL)
		n++;
	return n;
}

/* What a node is, for "expected a map, found a list". */
static const char *
node_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a map";
	case YAML_SEQUENCE_NODE:
		return "a list";
	default:
		return "a single value";
	}
}

/* A plain empty, "~" or "null" scalar: YAML's null (e.g. "headers:" with
 * nothing under it). */
static bool
is_null(const yaml_node_t *n)
{
	const char *s;

	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	s = (const char *)n->data.scalar.value;
	return *s == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	    strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

/* The text of a scalar node, or NULL (reported) when n is not a scalar or
 * holds a NUL byte. what names the expected value for the message. */
static const char *
scalar(struct loader *ld, yaml_node_t *n, const char *path, const char *what)
{
	const char *s;

	if (n->type != YAML_SCALAR_NODE) {
		fail(ld, n, "%s: expected %s, found %s", path, what,
		    node_kind(n));
		return NULL;
	}
	s = (const char *)n->data.scalar.value;
	if (strlen(s) != n->data.scalar.length) {
		fail(ld, n, "%s: value contains a NUL byte", path);
		return NULL;
	}
	return s;
}

/* "prefix.name", or name at the top level; free with free(). */
static char *
join(const char *prefix, const char *name)
{
	return prefix ? crm_xasprintf("%s.%s", prefix, name) :
	    crm_xstrdup(name);
}

/* A key of a mapping and its place, for the duplicate check. */
struct seen {
	const char *name; /* the key */
	size_t pair;      /* index of its pair in the mapping */
};

static int
seen_cmp(const void *pa, const void *pb)
{
	const struct seen *a = pa, *b = pb;
	int c = strcmp(a->name, b->name);

	if (c != 0)
		return c;
	return a->pair < b->pair ? -1 : a->pair > b->pair;
}

/*
 * Find keys given twice in map, sorting (O(n log n)) rather than comparing
 * every pair. Returns an array (free it) with one entry per pair: 0, or the
 * line of the key's first occurrence when the pair repeats it. Keys that are
 * not scalars are left to the walk to report.
 */
static unsigned long *
find_repeats(struct loader *ld, yaml_node_t *map)
{
	yaml_node_pair_t *start = map->data.mapping.pairs.start;
	size_t npairs = (size_t)(map->data.mapping.pairs.top - start), n = 0, i;
	size_t first = 0;
	unsigned long *rep;
	struct seen *v;

	rep = crm_xcalloc(npairs + 1, sizeof(*rep));
	v = crm_xreallocarray(NULL, npairs + 1, sizeof(*v));
	for (i = 0; i < npairs; i++) {
		yaml_node_t *k = yaml_document_get_node(ld->doc, start[i].key);

		if (k->type != YAML_SCALAR_NODE)
			continue;
		v[n].name = (const char *)k->data.scalar.value;
		v[n].pair = i;
		n++;
	}
	qsort(v, n, sizeof(*v), seen_cmp);
	for (i = 1; i < n; i++) {
		if (strcmp(v[i].name, v[first].name) != 0) {
			first = i;
			continue;
		}
		rep[v[i].pair] = (unsigned long)yaml_document_get_node(ld->doc,
		    start[v[first].pair].key)->start_mark.line + 1;
	}
	free(v);
	return rep;
}

/* If pair i of a mapping repeats an earlier key (per find_repeats), report
 * it and return true: the repeated value is not used. */
static bool
repeated(struct loader *ld, const unsigned long *rep, size_t i,
    yaml_node_t *kn, const char *full)
{
	if (rep[i] == 0)
		return false;
	fail(ld, kn, "duplicate key \"%s\" (first on line %lu)", full, rep[i]);
	return true;
}

/* Iterate over the pairs of a mapping node, with i the pair's index. */
#define FOR_PAIRS(map, i) \
	for ((i) = 0; (i) < (size_t)((map)->data.mapping.pairs.top - \
	    (map)->data.mapping.pairs.start); (i)++)
#define PAIR_KEY(ld, map, i) yaml_document_get_node((ld)->doc, \
	(map)->data.mapping.pairs.start[i].key)
#define PAIR_VALUE(ld, map, i) yaml_document_get_node((ld)->doc, \
	(map)->data.mapping.pairs.start[i].value)

/* The name of a mapping key, or NULL (reported) when it is not a scalar. */
static const char *
key_name(struct loader *ld, yaml_node_t *k, const char *prefix)
{
	if (k->type != YAML_SCALAR_NODE) {
		fail(ld, k, "%s: expected a key name, found %s",
		    prefix ? prefix : "top level", node_kind(k));
		return NULL;
	}
	return scalar(ld, k, prefix ? prefix : "top level", "a key name");
}

/* Is s three upper-case ASCII letters? */
static bool
is_currency(const char *s)
{
	return strlen(s) == 3 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' &&
	    s[1] <= 'Z' && s[2] >= 'A' && s[2] <= 'Z';
}

static bool
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static char
upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

/* Report s as not a currency code, hinting at upper case when that is all
 * that is wrong. */
static void
bad_currency(struct loader *ld, yaml_node_t *at, const char *path,
    const char *s)
{
	if (strlen(s) == 3 && is_alpha(s[0]) && is_alpha(s[1]) &&
	    is_alpha(s[2]))
		fail(ld, at, "%s: \"%s\" is not a 3-letter currency code "
		    "(write it in capitals: \"%c%c%c\")", path, s, upper(s[0]),
		    upper(s[1]), upper(s[2]));
	else
		fail(ld, at, "%s: \"%s\" is not a 3-letter currency code", path,
		    s);
}

static void
set_currency(struct loader *ld, const struct key *k, const char *path,
    yaml_node_t *n)
{
	const char *s = scalar(ld, n, path, "a currency code");

	if (s == NULL)
		return;
	if (!is_currency(s)) {
		bad_currency(ld, n, path, s);
		return;
	}
	memcpy((char *)ld->cfg + k->off, s, 4);
}

static void
set_region(struct loader *ld, const struct key *k, const char *path,
    yaml_node_t *n)
{
	const char *s = scalar(ld, n, path, "a region code");
	char *dst = (char *)ld->cfg + k->off;

	if (s == NULL)
		return;
	if (strlen(s) != 2 || !is_alpha(s[0]) || !is_alpha(s[1])) {
		fail(ld, n, "%s: \"%s\" is not a 2-letter region code", path, s);
		return;
	}
	dst[0] = upper(s[0]);
	dst[1] = upper(s[1]);
	dst[2] = '\0';
}

static void
set_enum(struct loader *ld, const struct key *k, const char *path,
    yaml_node_t *n)
{
	const char *s = scalar(ld, n, path, "one word"), *near;
	crm_buf list = { 0 };
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; k->choices[i] != NULL; i++) {
		if (strcasecmp(s, k->choices[i]) == 0) {
			*(int *)(void *)((char *)ld->cfg + k->off) = (int)i;
			return;
		}
	}
	for (i = 0; k->choices[i] != NULL; i++)
		crm_buf_printf(&list, "%s%s", i ? ", " : "", k->choices[i]);
	near = nearest(s, k->choices, count(k->choices));
	if (near)
		fail(ld, n, "%s: \"%s\" is not one of %s (did you mean \"%s\"?)",
		    path, s, crm_buf_str(&list), near);
	else
		fail(ld, n, "%s: \"%s\" is not one of %s", path, s,
		    crm_buf_str(&list));
	crm_buf_free(&list);
}

static void
set_bool(struct loader *ld, const struct key *k, const char *path,
    yaml_node_t *n)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };
	const char *s = scalar(ld, n, path, "true or false");
	int *dst = (int *)(void *)((char *)ld->cfg + k->off);
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < 3; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*dst = 1;
			return;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*dst = 0;
			return;
		}
	}
	fail(ld, n, "%s: \"%s\" is not true or false", path, s);
}

static void
set_int(struct loader *ld, const struct key *k, const char *path,
    yaml_node_t *n)
{
	const char *s = scalar(ld, n, path, "a whole number"), *p;
	long long v;
	char *end;

	if (s == NULL)
		return;
	/* Digits with an optional sign: no spaces, hex, exponents or "_". */
	p = s + (*s == '-' || *s == '+');
	if (*p < '0' || *p > '9') {
		fail(ld, n, "%s: \"%s\" is not a whole number", path, s);
		return;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0') {
		fail(ld, n, "%s: \"%s\" is not a whole number", path, s);
		return;
	}
	if (errno == ERANGE || v < k->min || v > k->max) {
		fail(ld, n, "%s: %s is out of range (%ld to %ld)", path, s,
		    k->min, k->max);
		return;
	}
	*(int *)(void *)((char *)ld->cfg + k->off) = (int)v;
}

/*
 * Parse a positive decimal ("7.1", "0.2213", "12") into millionths without
 * passing through a float. Returns 0 and *micro, or a message saying what
 * is wrong (a static string).
 */
static const char *
parse_micro(const char *s, int64_t *micro)
{
	const int64_t max = INT64_MAX;
	int64_t v = 0;
	int frac = 0;
	const char *p = s;

	if (*p == '-')
		return "is not a positive rate";
	if (*p < '0' || *p > '9')
		return "is not a decimal number";
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (max - (*p - '0')) / 10)
			return "is too large";
		v = v * 10 + (*p - '0');
	}
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return "is not a decimal number";
		for (; *p >= '0' && *p <= '9'; p++) {
			if (frac == 6) {
				/* Trailing zeros past the sixth place are exact. */
				if (*p != '0')
					return "has more than 6 decimal places";
				continue;
			}
			if (v > (max - (*p - '0')) / 10)
				return "is too large";
			v = v * 10 + (*p - '0');
			frac++;
		}
	}
	if (*p != '\0')
		return "is not a decimal number";
	for (; frac < 6; frac++) {
		if (v > max / 10)
			return "is too large";
		v *= 10;
	}
	if (v == 0)
		return "is not a positive rate";
	*micro = v;
	return NULL;
}

/* Handles one key: value pair of a map, once its name is read and known not
 * to repeat an earlier key; full is the dotted path of the key. */
typedef void pair_fn(struct loader *ld, const char *full, const char *name,
    yaml_node_t *kn, yaml_node_t *vn, void *arg);

/* Call fn for each pair of map (at path): the walk every map-valued key of
 * the configuration shares, with repeated keys reported once. */
static void
each_pair(struct loader *ld, const char *path, yaml_node_t *map, pair_fn *fn,
    void *arg)
{
	unsigned long *rep = find_repeats(ld, map);
	size_t pi;
	const char *name;
	char *full;

	FOR_PAIRS(map, pi) {
		yaml_node_t *kn = PAIR_KEY(ld, map, pi);
		yaml_node_t *vn = PAIR_VALUE(ld, map, pi);

		if ((name = key_name(ld, kn, path)) == NULL)
			continue;
		full = join(path, name);
		if (!repeated(ld, rep, pi, kn, full))
			fn(ld, full, name, kn, vn, arg);
		free(full);
	}
	free(rep);
}

/* exchange_rates.CODE: decimal rate. */
static void
rate_pair(struct loader *ld, const char *full, const char *code, yaml_node_t *kn,
    yaml_node_t *vn, void *arg)
{
	struct crm_config *c = ld->cfg;
	const char *s, *why;
	int64_t micro;

	(void)arg;
	if (!is_currency(code))
		bad_currency(ld, kn, full, code);
	else if ((s = scalar(ld, vn, full, "a rate")) == NULL)
		;
	else if ((why = parse_micro(s, &micro)) != NULL)
		fail(ld, vn, "%s: \"%s\" %s", full, s, why);
	else {
		c->rates = crm_xreallocarray(c->rates, c->nrates + 1,
		    sizeof(*c->rates));
		memcpy(c->rates[c->nrates].currency, code, 4);
		c->rates[c->nrates].micro = micro;
		c->nrates++;
	}
}

static void
set_rates(struct loader *ld, const struct key *k, const char *path,
    yaml_node_t *map)
{
	(void)k;
	each_pair(ld, path, map, rate_pair, NULL);
}

/* Add one header synonym; header must be non-empty. */
static void
add_synonym(struct loader *ld, const char *kind, const char *field,
    const char *path, yaml_node_t *hn)
{
	struct crm_config *c = ld->cfg;
	struct crm_synonym *sy;
	const char *h = scalar(ld, hn, path, "a column header");

	if (h == NULL)
		return;
	if (*h == '\0') {
		fail(ld, hn, "%s: empty column header", path);
		return;
	}
	c->synonyms = crm_xreallocarray(c->synonyms, c->nsynonyms + 1,
	    sizeof(*c->synonyms));
	sy = &c->synonyms[c->nsynonyms++];
	sy->kind = crm_xstrdup(kind);
	sy->field = crm_xstrdup(field);
	sy->header = crm_xstrdup(h);
	sy->line = (long)hn->start_mark.line + 1;
}

/* Where a headers.KIND map is: its kind and path, for field_pair. */
struct kind_at {
	const char *kind;
	const char *path;
};

/* headers.KIND.FIELD: [header, ...] or header. */
static void
field_pair(struct loader *ld, const char *full, const char *field, yaml_node_t *kn,
    yaml_node_t *vn, void *arg)
{
	const struct kind_at *at = arg;
	yaml_node_item_t *it;

	if (*field == '\0')
		fail(ld, kn, "%s: empty field name", at->path);
	else if (vn->type == YAML_SEQUENCE_NODE &&
	    vn->data.sequence.items.start == vn->data.sequence.items.top)
		fail(ld, vn, "%s: empty list (name at least one header, or leave "
		    "the field out)", full);
	else if (vn->type == YAML_SEQUENCE_NODE) {
		for (it = vn->data.sequence.items.start;
		    it < vn->data.sequence.items.top; it++)
			add_synonym(ld, at->kind, field, full,
			    yaml_document_get_node(ld->doc, *it));
	} else
		add_synonym(ld, at->kind, field, full, vn);
}

/* headers.KIND: {FIELD: ...}. */
static void
kind_pair(struct loader *ld, const char *full, const char *kind, yaml_node_t *kn,
    yaml_node_t *vn, void *arg)
{
	const char *near;
	struct kind_at at;
	size_t i;

	(void)arg;
	for (i = 0; kinds[i] != NULL; i++)
		if (strcmp(kind, kinds[i]) == 0)
			break;
	if (kinds[i] == NULL) {
		near = nearest(kind, kinds, count(kinds));
		if (near)
			fail(ld, kn, "%s: unknown kind \"%s\" "
			    "(did you mean \"%s\"?)", full, kind, near);
		else
			fail(ld, kn, "%s: unknown kind \"%s\" (kinds are "
			    "customers, orders, interactions, tickets)",
			    full, kind);
	} else if (vn->type == YAML_MAPPING_NODE) {
		at.kind = kinds[i];
		at.path = full;
		each_pair(ld, full, vn, field_pair, &at);
	} else if (!is_null(vn))
		fail(ld, vn, "%s: expected a map of fields, found %s",
		    full, node_kind(vn));
}

static void
set_headers(struct loader *ld, const struct key *k, const char *path,
    yaml_node_t *map)
{
	(void)k;
	each_pair(ld, path, map, kind_pair, NULL);
}

/* Is s a segment name: [a-z_][a-z0-9_]*? */
static bool
is_name(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || *s == '_'))
		return false;
	for (s++; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '_'))
			return false;
	return true;
}

/* segments.NAME: "expression". */
static void
segment_pair(struct loader *ld, const char *full, const char *name, yaml_node_t *kn,
    yaml_node_t *vn, void *arg)
{
	struct crm_config *c = ld->cfg;
	struct crm_named_rule *r;
	const char *expr;

	(void)arg;
	if (!is_name(name))
		fail(ld, kn, "%s: \"%s\" is not a segment name (use a-z, "
		    "0-9 and _, not starting with a digit)", full, name);
	else if ((expr = scalar(ld, vn, full, "an expression")) == NULL)
		;
	else if (*expr == '\0')
		fail(ld, vn, "%s: empty expression", full);
	else {
		c->segments = crm_xreallocarray(c->segments,
		    c->nsegments + 1, sizeof(*c->segments));
		r = &c->segments[c->nsegments++];
		r->name = crm_xstrdup(name);
		r->expr = crm_xstrdup(expr);
		r->line = (long)vn->start_mark.line + 1;
	}
}

static void
set_segments(struct loader *ld, const struct key *k, const char *path,
    yaml_node_t *map)
{
	(void)k;
	each_pair(ld, path, map, segment_pair, NULL);
}

/* A decimal number in [k->min / 1000, k->max / 1000]. */
static void
set_real(struct loader *ld, const struct key *k, const char *path, yaml_node_t *n)
{
	const char *s = scalar(ld, n, path, "a number");
	double v;
	char *end;

	if (s == NULL)
		return;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || !isfinite(v)) {
		fail(ld, n, "%s: \"%s\" is not a number", path, s);
		return;
	}
	if (v < k->min / 1000.0 || v > k->max / 1000.0) {
		fail(ld, n, "%s: %s is out of range (%g to %g)", path, s, k->min / 1000.0,
		    k->max / 1000.0);
		return;
	}
	*(double *)(void *)((char *)ld->cfg + k->off) = v;
}

/* score.lead_points."expression": points (a whole number, may be negative). */
static void
lead_pair(struct loader *ld, const char *full, const char *expr, yaml_node_t *kn,
    yaml_node_t *vn, void *arg)
{
	struct crm_config *c = ld->cfg;
	struct crm_named_rule *r;
	const char *s;
	char *end;
	long v;

	(void)arg;
	(void)kn;
	if ((s = scalar(ld, vn, full, "a whole number of points")) == NULL)
		return;
	v = strtol(s, &end, 10);
	if (end == s || *end != '\0' || v < -100 || v > 100) {
		fail(ld, vn, "%s: \"%s\" is not a whole number of points from -100 to 100",
		    full, s);
		return;
	}
	c->lead_points = crm_xreallocarray(c->lead_points, c->nlead_points + 1,
	    sizeof(*c->lead_points));
	r = &c->lead_points[c->nlead_points++];
	r->name = crm_xstrdup(expr);
	r->expr = crm_xstrdup(s);
	r->line = (long)vn->start_mark.line + 1;
}

static void
set_lead_points(struct loader *ld, const struct key *k, const char *path, yaml_node_t *map)
{
	(void)k;
	each_pair(ld, path, map, lead_pair, NULL);
}

/* The field of a set_name_ints key: its array and, right after it, the count. */
struct name_ints_dst {
	struct crm_name_int **v;
	size_t *n;
	const struct key *k;
};

static void
name_int_pair(struct loader *ld, const char *full, const char *name, yaml_node_t *kn,
    yaml_node_t *vn, void *arg)
{
	struct name_ints_dst *d = arg;
	const char *s;
	char *end;
	long v;

	(void)kn;
	if ((s = scalar(ld, vn, full, "a whole number")) == NULL)
		return;
	if (d->k->choices == off_word && strcasecmp(s, "off") == 0)
		s = "0";
	v = strtol(s, &end, 10);
	if (end == s || *end != '\0' || v < d->k->min || v > d->k->max) {
		fail(ld, vn, "%s: \"%s\" is not a whole number from %ld to %ld%s", full, s,
		    d->k->min, d->k->max, d->k->choices == off_word ? ", or off" : "");
		return;
	}
	*d->v = crm_xreallocarray(*d->v, *d->n + 1, sizeof(**d->v));
	(*d->v)[*d->n] = (struct crm_name_int){ crm_xstrdup(name), v,
	    (long)vn->start_mark.line + 1 };
	(*d->n)++;
}

/* A map of names to whole numbers; the count field follows the array's. */
_Static_assert(offsetof(struct crm_config, ncadence_rfm) ==
    offsetof(struct crm_config, cadence_rfm) + sizeof(struct crm_name_int *) &&
    offsetof(struct crm_config, ncadence_lifecycle) ==
    offsetof(struct crm_config, cadence_lifecycle) + sizeof(struct crm_name_int *) &&
    offsetof(struct crm_config, nsla_hours) ==
    offsetof(struct crm_config, sla_hours) + sizeof(struct crm_name_int *),
    "set_name_ints finds each count right after its array");
static void
set_name_ints(struct loader *ld, const struct key *k, const char *path, yaml_node_t *map)
{
	struct name_ints_dst d;

	d.v = (struct crm_name_int **)(void *)((char *)ld->cfg + k->off);
	d.n = (size_t *)(void *)((char *)ld->cfg + k->off + sizeof(struct crm_name_int *));
	d.k = k;
	each_pair(ld, path, map, name_int_pair, &d);
}

static void
set_string(struct loader *ld, const struct key *k, const char *path, yaml_node_t *n)
{
	const char *s = scalar(ld, n, path, "a text");
	char **dst = (char **)(void *)((char *)ld->cfg + k->off);

	if (s == NULL)
		return;
	free(*dst);
	*dst = crm_xstrdup(s);
}

/* remind.rules.NAME: "expression" (as segments). */
static void
remind_rule_pair(struct loader *ld, const char *full, const char *name, yaml_node_t *kn,
    yaml_node_t *vn, void *arg)
{
	struct crm_config *c = ld->cfg;
	const char *expr;

	(void)arg;
	if (!is_name(name))
		fail(ld, kn, "%s: \"%s\" is not a rule name (use a-z, 0-9 and _, not "
		    "starting with a digit)", full, name);
	else if ((expr = scalar(ld, vn, full, "an expression")) == NULL)
		;
	else if (*expr == '\0')
		fail(ld, vn, "%s: empty expression", full);
	else {
		c->remind_rules = crm_xreallocarray(c->remind_rules, c->nremind_rules + 1,
		    sizeof(*c->remind_rules));
		c->remind_rules[c->nremind_rules++] = (struct crm_named_rule){
			crm_xstrdup(name), crm_xstrdup(expr), (long)vn->start_mark.line + 1 };
	}
}

static void
set_remind_rules(struct loader *ld, const struct key *k, const char *path, yaml_node_t *map)
{
	(void)k;
	each_pair(ld, path, map, remind_rule_pair, NULL);
}

/* remind.owner_emails.OWNER: an e-mail address. */
static void
owner_email_pair(struct loader *ld, const char *full, const char *owner, yaml_node_t *kn,
    yaml_node_t *vn, void *arg)
{
	struct crm_config *c = ld->cfg;
	const char *addr;

	(void)arg;
	(void)kn;
	if ((addr = scalar(ld, vn, full, "an e-mail address")) == NULL)
		return;
	if (!crm_mime_address_ok(addr)) {
		fail(ld, vn, "%s: \"%s\" is not an e-mail address", full, addr);
		return;
	}
	c->owner_emails = crm_xreallocarray(c->owner_emails, c->nowner_emails + 1,
	    sizeof(*c->owner_emails));
	c->owner_emails[c->nowner_emails++] = (struct crm_owner_email){ crm_xstrdup(owner),
	    crm_xstrdup(addr) };
}

static void
set_owner_emails(struct loader *ld, const struct key *k, const char *path, yaml_node_t *map)
{
	(void)k;
	each_pair(ld, path, map, owner_email_pair, NULL);
}

/* remind.date_rules.NAME.KEY: the parts of one date rule. */
static const char *const date_rule_keys[] = { "column", "days_ahead", "priority", "yearly",
                                              NULL };
static const char *const priorities[] = { "urgent", "high", "normal", "low", NULL };

static void
date_rule_part(struct loader *ld, const char *full, const char *name, yaml_node_t *kn,
    yaml_node_t *vn, void *arg)
{
	struct crm_date_rule *r = arg;
	struct key k = { full, KT_SCALAR, NULL, 0, 0, 3650, NULL };
	struct crm_config scratch, *cfg = ld->cfg;
	const char *v, *near;

	/* The scalar setters write into a struct crm_config: give them a
	 * scratch one and copy the value over. */
	memset(&scratch, 0, sizeof scratch);
	ld->cfg = &scratch;
	if (strcmp(name, "column") == 0) {
		if ((v = scalar(ld, vn, full, "a column name")) == NULL)
			return;
		if (*v == '\0') {
			fail(ld, vn, "%s: empty column name", full);
			return;
		}
		free(r->column);
		r->column = crm_xstrdup(v);
	} else if (strcmp(name, "days_ahead") == 0) {
		k.off = offsetof(struct crm_config, remind_birthday_days);
		scratch.remind_birthday_days = -1;
		set_int(ld, &k, full, vn);
		if (scratch.remind_birthday_days >= 0)
			r->days_ahead = scratch.remind_birthday_days;
	} else if (strcmp(name, "priority") == 0) {
		k.off = offsetof(struct crm_config, rfm_method);
		k.choices = priorities;
		scratch.rfm_method = -1;
		set_enum(ld, &k, full, vn);
		if (scratch.rfm_method >= 0)
			r->priority = scratch.rfm_method;
	} else if (strcmp(name, "yearly") == 0) {
		k.off = offsetof(struct crm_config, roc_years);
		scratch.roc_years = -1;
		set_bool(ld, &k, full, vn);
		if (scratch.roc_years >= 0)
			r->yearly = scratch.roc_years;
	} else if ((near = crm_config_nearest(name, date_rule_keys, 4)) != NULL)
		fail(ld, kn, "unknown key \"%s\" (did you mean \"%s\"?)", full, near);
	else
		fail(ld, kn, "unknown key \"%s\" (a date rule has column, days_ahead, priority "
		    "and yearly)", full);
	ld->cfg = cfg;
}

/* remind.date_rules.NAME: {column: C, days_ahead: N, priority: P, yearly: B}. */
static void
date_rule_pair(struct loader *ld, const char *full, const char *name, yaml_node_t *kn,
    yaml_node_t *vn, void *arg)
{
	struct crm_config *c = ld->cfg;
	struct crm_date_rule r = { NULL, NULL, 30, 2, 0, (long)kn->start_mark.line + 1 };
	int errors = ld->errors;

	(void)arg;
	if (!is_name(name)) {
		fail(ld, kn, "%s: \"%s\" is not a rule name (use a-z, 0-9 and _, not starting "
		    "with a digit)", full, name);
		return;
	}
	if (vn->type != YAML_MAPPING_NODE) {
		fail(ld, vn, "%s: expected a map such as {column: contract_end, days_ahead: 30}, "
		    "found %s", full, node_kind(vn));
		return;
	}
	r.name = crm_xstrdup(name);
	each_pair(ld, full, vn, date_rule_part, &r);
	if (r.column == NULL && ld->errors == errors)
		fail(ld, vn, "%s: no column given (the customer column that holds the date)", full);
	if (ld->errors != errors) {
		free(r.name);
		free(r.column);
		return;
	}
	c->date_rules = crm_xreallocarray(c->date_rules, c->ndate_rules + 1,
	    sizeof(*c->date_rules));
	c->date_rules[c->ndate_rules++] = r;
}

static void
set_date_rules(struct loader *ld, const struct key *k, const char *path, yaml_node_t *map)
{
	(void)k;
	each_pair(ld, path, map, date_rule_pair, NULL);
}

/* remind.templates.LANG: a file, LANG a language tag or "default". */
static void
template_pair(struct loader *ld, const char *full, const char *lang, yaml_node_t *kn,
    yaml_node_t *vn, void *arg)
{
	struct crm_config *c = ld->cfg;
	char tag[CRM_LANG_TAG_MAX];
	const char *file, *slash;
	char *path;

	(void)arg;
	if (strcmp(lang, "default") != 0 && !crm_lang_tag(lang, tag, sizeof tag)) {
		fail(ld, kn, "%s: \"%s\" is not a language tag (such as en, zh-CN, zh-TW, zh) "
		    "or default", full, lang);
		return;
	}
	if ((file = scalar(ld, vn, full, "a file name")) == NULL)
		return;
	if (*file == '\0') {
		fail(ld, vn, "%s: empty file name", full);
		return;
	}
	/* A relative name is the configuration file's neighbour. */
	slash = strrchr(ld->file, '/');
	if (*file != '/' && slash != NULL)
		path = crm_xasprintf("%.*s/%s", (int)(slash - ld->file), ld->file, file);
	else
		path = crm_xstrdup(file);
	c->remind_templates = crm_xreallocarray(c->remind_templates, c->nremind_templates + 1,
	    sizeof(*c->remind_templates));
	c->remind_templates[c->nremind_templates++] = (struct crm_lang_file){
		crm_xstrdup(lang), path, (long)vn->start_mark.line + 1 };
}

static void
set_templates(struct loader *ld, const struct key *k, const char *path, yaml_node_t *map)
{
	(void)k;
	each_pair(ld, path, map, template_pair, NULL);
}

/* A column name: a text that is not empty. */
static void
set_column(struct loader *ld, const struct key *k, const char *path, yaml_node_t *n)
{
	const char *s = scalar(ld, n, path, "a column name");

	if (s == NULL)
		return;
	if (*s == '\0') {
		fail(ld, n, "%s: empty column name", path);
		return;
	}
	set_string(ld, k, path, n);
}

const char *
crm_config_nearest(const char *s, const char *const *names, size_t n)
{
	return nearest(s, names, n);
}

int
crm_config_check_names(const struct crm_config *c, const char *key,
                       const struct crm_name_int *v, size_t nv,
                       const char *const *allowed, size_t n, const char *what)
{
	const char *file = c->path ? c->path : "config", *near;
	crm_buf list = { 0 };
	int status = 0;
	size_t i, j;

	for (j = 0; j < n; j++)
		crm_buf_printf(&list, "%s%s", j ? ", " : "", allowed[j]);
	for (i = 0; i < nv; i++) {
		for (j = 0; j < n && strcmp(v[i].name, allowed[j]) != 0; j++)
			;
		if (j < n)
			continue;
		if ((near = nearest(v[i].name, allowed, n)) != NULL)
			crm_warn("%s:%ld: %s.%s: no such %s (did you mean \"%s\"?)", file, v[i].line,
			         key, v[i].name, what, near);
		else
			crm_warn("%s:%ld: %s.%s: no such %s (%s)", file, v[i].line, key, v[i].name,
			         what, crm_buf_str(&list));
		status = CRM_EX_CONFIG;
	}
	crm_buf_free(&list);
	return status;
}

int
crm_config_check_severities(const struct crm_config *c)
{
	return crm_config_check_names(c, "remind.sla_hours", c->sla_hours, c->nsla_hours,
	                              crm_config_severities, count(crm_config_severities),
	                              "severity");
}

const char *
crm_config_owner_email(const struct crm_config *c, const char *owner)
{
	for (size_t i = 0; i < c->nowner_emails; i++)
		if (strcmp(c->owner_emails[i].owner, owner) == 0)
			return c->owner_emails[i].address;
	return crm_mime_address_ok(owner) ? owner : NULL;
}

/* dedupe.weights.FIELD: [exact, close, weak, none], weights in bits
 * (log2 m/u) between -64 and 64. FIELD is a compared field's name, checked
 * by crm-dedupe (it knows the stream's columns). */
static void
dedupe_weight_pair(struct loader *ld, const char *full, const char *name, yaml_node_t *kn,
    yaml_node_t *vn, void *arg)
{
	struct crm_config *c = ld->cfg;
	struct crm_dedupe_weight w = {0};
	yaml_node_item_t *it;
	size_t count = 0;

	(void)arg;
	if (*name == '\0') {
		fail(ld, kn, "%s: empty field name", full);
		return;
	}
	if (vn->type != YAML_SEQUENCE_NODE) {
		fail(ld, vn, "%s: expected a list of 4 weights (exact, close, weak, none), "
		    "found %s", full, node_kind(vn));
		return;
	}
	for (it = vn->data.sequence.items.start; it < vn->data.sequence.items.top; it++) {
		yaml_node_t *item = yaml_document_get_node(ld->doc, *it);
		const char *s;
		char *end;
		double v;

		if (item == NULL || (s = scalar(ld, item, full, "a number")) == NULL)
			return;
		v = strtod(s, &end);
		if (end == s || *end != '\0' || !isfinite(v) || v < -64 || v > 64) {
			fail(ld, item, "%s: \"%s\" is not a weight from -64 to 64", full, s);
			return;
		}
		if (count == 4) {
			fail(ld, item, "%s: more than 4 weights (exact, close, weak, none)", full);
			return;
		}
		w.bits[count++] = v;
	}
	if (count != 4) {
		fail(ld, vn, "%s: %zu weights; give 4 (exact, close, weak, none)", full, count);
		return;
	}
	w.field = crm_xstrdup(name);
	w.line = (long)kn->start_mark.line + 1;
	c->dedupe_weights = crm_xreallocarray(c->dedupe_weights, c->ndedupe_weights + 1,
	    sizeof(*c->dedupe_weights));
	c->dedupe_weights[c->ndedupe_weights++] = w;
}

static void
set_dedupe_weights(struct loader *ld, const struct key *k, const char *path, yaml_node_t *map)
{
	(void)k;
	each_pair(ld, path, map, dedupe_weight_pair, NULL);
}

/* report.targets.METRIC.min|max: a number. */
static void
bound_pair(struct loader *ld, const char *full, const char *name, yaml_node_t *kn,
    yaml_node_t *vn, void *arg)
{
	struct crm_target *t = arg;
	const char *s;
	char *end;
	double v;

	if (strcmp(name, "min") != 0 && strcmp(name, "max") != 0) {
		fail(ld, kn, "%s: unknown key (a target has min and/or max)", full);
		return;
	}
	if ((s = scalar(ld, vn, full, "a number")) == NULL)
		return;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || !isfinite(v)) {
		fail(ld, vn, "%s: \"%s\" is not a number", full, s);
		return;
	}
	if (*name == 'm' && name[1] == 'i')
		t->min = v, t->has_min = 1;
	else
		t->max = v, t->has_max = 1;
}

/* report.targets.METRIC: {min: x, max: y}. */
static void
target_pair(struct loader *ld, const char *full, const char *metric, yaml_node_t *kn,
    yaml_node_t *vn, void *arg)
{
	struct crm_config *c = ld->cfg;
	struct crm_target t = { NULL, 0, 0, 0, 0, (long)kn->start_mark.line + 1 };
	const char *near;

	(void)arg;
	if (crm_kpi_find(metric) < 0) {
		near = nearest(metric, crm_kpi_names, CRM_KPI_COUNT);
		if (near)
			fail(ld, kn, "%s: unknown metric \"%s\" (did you mean \"%s\"?)", full,
			    metric, near);
		else
			fail(ld, kn, "%s: unknown metric \"%s\" (see crm-report(1))", full,
			    metric);
		return;
	}
	if (vn->type != YAML_MAPPING_NODE) {
		fail(ld, vn, "%s: expected a map such as {max: 0.05}, found %s", full,
		    node_kind(vn));
		return;
	}
	each_pair(ld, full, vn, bound_pair, &t);
	if (!t.has_min && !t.has_max) {
		fail(ld, vn, "%s: give min, max or both", full);
		return;
	}
	if (t.has_min && t.has_max && t.min > t.max) {
		fail(ld, vn, "%s: min %g is above max %g", full, t.min, t.max);
		return;
	}
	t.metric = crm_xstrdup(metric);
	c->targets = crm_xreallocarray(c->targets, c->ntargets + 1, sizeof(*c->targets));
	c->targets[c->ntargets++] = t;
}

static void
set_targets(struct loader *ld, const struct key *k, const char *path, yaml_node_t *map)
{
	(void)k;
	each_pair(ld, path, map, target_pair, NULL);
}

/* Report name (at path full, under prefix) as unknown, suggesting the
 * nearest key at the same level, else a deeper key with that last part. */
static void
unknown_key(struct loader *ld, yaml_node_t *kn, const char *prefix,
    const char *name, const char *full)
{
	const char *cand[NKEYS], *near = NULL, *leaf;
	size_t plen = prefix ? strlen(prefix) + 1 : 0, i, j, n = 0;
	char *child[NKEYS], *sugg = NULL;

	/* The distinct names one level below prefix. */
	for (i = 0; i < NKEYS; i++) {
		const char *rest = keys[i].path + plen, *dot;

		child[i] = NULL;
		if (prefix && (strncmp(keys[i].path, prefix, plen - 1) != 0 ||
		    keys[i].path[plen - 1] != '.'))
			continue;
		dot = strchr(rest, '.');
		child[i] = dot ? crm_xstrndup(rest, (size_t)(dot - rest)) :
		    crm_xstrdup(rest);
		for (j = 0; j < n; j++)
			if (strcmp(cand[j], child[i]) == 0)
				break;
		if (j == n)
			cand[n++] = child[i];
	}
	if ((near = nearest(name, cand, n)) != NULL)
		sugg = join(prefix, near);
	else {
		for (i = 0; i < NKEYS && sugg == NULL; i++) {
			leaf = strrchr(keys[i].path, '.');
			if (leaf && strcmp(leaf + 1, name) == 0)
				sugg = crm_xstrdup(keys[i].path);
		}
	}
	if (sugg)
		fail(ld, kn, "unknown key \"%s\" (did you mean \"%s\"?)", full,
		    sugg);
	else
		fail(ld, kn, "unknown key \"%s\"", full);
	free(sugg);
	for (i = 0; i < NKEYS; i++)
		free(child[i]);
}

/* Is full a section, i.e. a proper prefix of some key path? */
static bool
is_section(const char *full)
{
	size_t n = strlen(full), i;

	for (i = 0; i < NKEYS; i++)
		if (strncmp(keys[i].path, full, n) == 0 && keys[i].path[n] == '.')
			return true;
	return false;
}

/* Walk a mapping at prefix (NULL for the top level) against the table. */
static void
walk(struct loader *ld, yaml_node_t *map, const char *prefix)
{
	unsigned long *rep;
	size_t pi;
	const struct key *k;
	const char *name;
	char *full;
	size_t i;

	rep = find_repeats(ld, map);
	FOR_PAIRS(map, pi) {
		yaml_node_t *kn = PAIR_KEY(ld, map, pi);
		yaml_node_t *vn = PAIR_VALUE(ld, map, pi);

		if ((name = key_name(ld, kn, prefix)) == NULL)
			continue;
		full = join(prefix, name);
		for (k = NULL, i = 0; i < NKEYS; i++)
			if (strcmp(keys[i].path, full) == 0)
				k = &keys[i];
		if (repeated(ld, rep, pi, kn, full))
			;
		else if (k && k->type == KT_SCALAR) {
			if (is_null(vn))
				fail(ld, vn, "%s: no value given", full);
			else
				k->set(ld, k, full, vn);
		} else if (k || is_section(full)) {
			/* A map: "key:" with nothing under it is an empty one. */
			if (vn->type == YAML_MAPPING_NODE) {
				if (k)
					k->set(ld, k, full, vn);
				else
					walk(ld, vn, full);
			} else if (!is_null(vn))
				fail(ld, vn, "%s: expected a map, found %s", full,
				    node_kind(vn));
		} else
			unknown_key(ld, kn, prefix, name, full);
		free(full);
	}
	free(rep);
}

/* A list of 4 increasing non-negative numbers: RFM cut points. */
static void
set_cuts(struct loader *ld, const struct key *k, const char *path,
    yaml_node_t *n)
{
	yaml_node_item_t *it;
	double v[4];
	size_t count = 0;
	const char *s;
	char *end;

	if (n->type != YAML_SEQUENCE_NODE) {
		fail(ld, n, "%s: expected a list of 4 increasing numbers, "
		    "found %s", path, node_kind(n));
		return;
	}
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	    it++) {
		yaml_node_t *item = yaml_document_get_node(ld->doc, *it);

		if (item == NULL || (s = scalar(ld, item, path, "a number")) == NULL)
			return;
		if (count == 4) {
			fail(ld, item, "%s: more than 4 cut points", path);
			return;
		}
		v[count] = strtod(s, &end);
		if (end == s || *end != '\0' || !isfinite(v[count]) ||
		    v[count] < 0) {
			fail(ld, item, "%s: \"%s\" is not a number >= 0", path, s);
			return;
		}
		if (count > 0 && v[count] <= v[count - 1]) {
			fail(ld, item, "%s: cut points must increase (%s after %g)",
			    path, s, v[count - 1]);
			return;
		}
		count++;
	}
	if (count != 4) {
		fail(ld, n, "%s: expected 4 cut points, found %zu", path, count);
		return;
	}
	memcpy(ld->cfg->rfm_cuts[k->min], v, sizeof(v));
	ld->cfg->rfm_have_cuts[k->min] = 1;
}

/* Checks across keys, after the walk. */
static void
check_whole(struct loader *ld)
{
	static const char *const cut_keys[3] = {
		"rfm.recency_days", "rfm.frequency", "rfm.monetary"
	};
	struct crm_config *c = ld->cfg;
	size_t i;

	if (c->rfm_method == CRM_RFM_THRESHOLDS)
		for (i = 0; i < 3; i++)
			if (!c->rfm_have_cuts[i]) {
				crm_warn("%s: rfm.method is thresholds but %s is "
				    "not given", ld->file, cut_keys[i]);
				ld->errors++;
			}
	if (c->lifecycle_at_risk_days >= c->lifecycle_churn_days) {
		crm_warn("%s: lifecycle.at_risk_days (%d) must be less than "
		    "lifecycle.churn_days (%d)", ld->file,
		    c->lifecycle_at_risk_days, c->lifecycle_churn_days);
		ld->errors++;
	}

	for (i = 0; i < c->nrates; i++)
		if (strcmp(c->rates[i].currency, c->currency) == 0 &&
		    c->rates[i].micro != 1000000) {
			crm_warn("%s: exchange_rates.%s: the base currency's "
			    "rate must be 1", ld->file, c->currency);
			ld->errors++;
		}
}

/* Report a libyaml error as
 * "file:line: invalid YAML: problem (context on line N)". */
static void
yaml_failed(const char *file, const yaml_parser_t *yp, const char *text,
    size_t len)
{
	unsigned long line = (unsigned long)yp->problem_mark.line + 1;
	const char *problem = yp->problem ? yp->problem : "unknown error";
	size_t i;

	if (yp->error == YAML_MEMORY_ERROR)
		crm_die(CRM_EX_SOFTWARE, "%s: out of memory", file);
	if (yp->error == YAML_READER_ERROR) {
		/* The reader keeps only a byte offset. */
		for (line = 1, i = 0; i < yp->problem_offset && i < len; i++)
			line += text[i] == '\n';
		crm_warn("%s:%lu: invalid YAML: %s", file, line, problem);
	} else if (yp->context)
		crm_warn("%s:%lu: invalid YAML: %s (%s on line %lu)", file, line,
		    problem, yp->context,
		    (unsigned long)yp->context_mark.line + 1);
	else
		crm_warn("%s:%lu: invalid YAML: %s", file, line, problem);
}

/* Read all of path into *text (NUL-terminated). Returns 0, or an errno. */
static int
slurp(const char *path, char **text, size_t *len)
{
	crm_buf b = { 0 };
	char chunk[8192];
	size_t n;
	FILE *f;
	int e;

	if ((f = fopen(path, "rb")) == NULL)
		return errno;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		crm_buf_append(&b, chunk, n);
	if (ferror(f)) {
		e = errno ? errno : EIO;
		fclose(f);
		crm_buf_free(&b);
		return e;
	}
	fclose(f);
	*len = b.len;
	*text = b.data ? b.data : crm_xstrdup("");
	return 0;
}

/* Parse text (from file) into cfg. Returns the number of errors reported. */
static int
parse(const char *file, const char *text, size_t len, struct crm_config *cfg)
{
	struct loader ld = { file, cfg, NULL, 0 };
	yaml_parser_t yp;
	yaml_document_t doc, extra;
	yaml_node_t *root;

	if (!yaml_parser_initialize(&yp))
		crm_die(CRM_EX_SOFTWARE, "%s: out of memory", file);
	yaml_parser_set_input_string(&yp, (const unsigned char *)text, len);
	if (!yaml_parser_load(&yp, &doc)) {
		yaml_failed(file, &yp, text, len);
		yaml_parser_delete(&yp);
		return 1;
	}
	ld.doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (root != NULL) {
		/* A second document would be silently ignored: refuse it. */
		if (!yaml_parser_load(&yp, &extra)) {
			yaml_failed(file, &yp, text, len);
			ld.errors++;
		} else {
			yaml_node_t *r2 = yaml_document_get_root_node(&extra);

			if (r2 != NULL)
				fail(&ld, r2, "only one YAML document is allowed");
			yaml_document_delete(&extra);
		}
	}
	if (ld.errors == 0 && root != NULL) {
		if (root->type == YAML_MAPPING_NODE)
			walk(&ld, root, NULL);
		else if (!is_null(root))
			fail(&ld, root, "expected a map of settings, found %s",
			    node_kind(root));
		if (ld.errors == 0)
			check_whole(&ld);
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&yp);
	return ld.errors;
}

struct crm_config *
crm_config_defaults(void)
{
	struct crm_config *c = crm_xcalloc(1, sizeof(*c));

	memcpy(c->currency, "CNY", 4);
	memcpy(c->phone_region, "CN", 3);
	c->date_order = CRM_DATE_DMY;
	c->roc_years = 1;
	c->busy_timeout_ms = 10000;
	c->rfm_method = CRM_RFM_QUINTILES;
	c->lifecycle_new_days = 30;
	c->lifecycle_at_risk_days = 90;
	c->lifecycle_churn_days = 180;
	c->lifecycle_loyal_orders = 5;
	c->score_unit = CRM_UNIT_WEEK;
	c->score_horizon_days = 365;
	c->score_discount_rate = 0.10;
	c->score_margin = 1.0;
	c->health_weights[CRM_HEALTH_RHYTHM] = 0.4;
	c->health_weights[CRM_HEALTH_TREND] = 0.2;
	c->health_weights[CRM_HEALTH_COMPLAINTS] = 0.2;
	c->health_weights[CRM_HEALTH_SATISFACTION] = 0.2;
	c->remind_winback_percent = 20;
	c->remind_satisfaction_days = 2;
	c->remind_birthday_days = 7;
	c->remind_anniversary_days = 7;
	c->remind_rule_every_days = 7;
	c->remind_reclaim_days = 30;
	c->remind_language_column = crm_xstrdup("language");
	c->dedupe_merge_threshold = CRM_DD_MERGE_THRESHOLD;
	c->dedupe_review_threshold = CRM_DD_REVIEW_THRESHOLD;
	c->dedupe_apart_threshold = CRM_DD_APART_THRESHOLD;
	c->dedupe_block_cap = CRM_DD_BLOCK_CAP;
	c->report_cohort_months = 12;
	c->report_lang = -1; /* the environment's (lib/i18n) */
	c->report_top = 10;
	return c;
}

/* The file to read (free it), or NULL when there is nowhere to look. *from
 * is NULL for the default location, which may be absent, else a note for
 * the message when the named file cannot be read. */
static char *
locate(const char *path, const char **from)
{
	const char *env;

	*from = NULL;
	if (path != NULL) {
		*from = "";
		return crm_xstrdup(path);
	}
	if ((env = getenv("CRM_CONFIG")) != NULL && *env != '\0') {
		*from = " (named by CRM_CONFIG)";
		return crm_xstrdup(env);
	}
	/* The XDG spec says to ignore a relative XDG_CONFIG_HOME. */
	if ((env = getenv("XDG_CONFIG_HOME")) != NULL && *env == '/')
		return crm_xasprintf("%s/crm/config.yaml", env);
	if ((env = getenv("HOME")) != NULL && *env != '\0')
		return crm_xasprintf("%s/.config/crm/config.yaml", env);
	return NULL;
}

int
crm_config_load(const char *path, struct crm_config **out)
{
	struct crm_config *c = crm_config_defaults();
	const char *from;
	char *file, *text = NULL;
	size_t len = 0;
	int e;

	*out = NULL;
	if ((file = locate(path, &from)) == NULL) {
		*out = c;
		return 0;
	}
	if ((e = slurp(file, &text, &len)) != 0) {
		if (from == NULL && (e == ENOENT || e == ENOTDIR)) {
			/* No default file: every key has a default. */
			free(file);
			*out = c;
			return 0;
		}
		crm_warn("%s: cannot read config file%s: %s", file,
		    from ? from : "", strerror(e));
		free(file);
		crm_config_free(c);
		return CRM_EX_CONFIG;
	}
	c->path = file;
	if (parse(file, text, len, c) != 0) {
		free(text);
		crm_config_free(c);
		return CRM_EX_CONFIG;
	}
	free(text);
	*out = c;
	return 0;
}

static void
free_name_ints(struct crm_name_int *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

void
crm_config_free(struct crm_config *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nsynonyms; i++) {
		free(c->synonyms[i].kind);
		free(c->synonyms[i].field);
		free(c->synonyms[i].header);
	}
	for (i = 0; i < c->nsegments; i++) {
		free(c->segments[i].name);
		free(c->segments[i].expr);
	}
	for (i = 0; i < c->nlead_points; i++) {
		free(c->lead_points[i].name);
		free(c->lead_points[i].expr);
	}
	free(c->lead_points);
	free_name_ints(c->cadence_rfm, c->ncadence_rfm);
	free_name_ints(c->cadence_lifecycle, c->ncadence_lifecycle);
	free_name_ints(c->sla_hours, c->nsla_hours);
	for (i = 0; i < c->nremind_rules; i++) {
		free(c->remind_rules[i].name);
		free(c->remind_rules[i].expr);
	}
	free(c->remind_rules);
	for (i = 0; i < c->ndedupe_weights; i++)
		free(c->dedupe_weights[i].field);
	free(c->dedupe_weights);
	for (i = 0; i < c->nowner_emails; i++) {
		free(c->owner_emails[i].owner);
		free(c->owner_emails[i].address);
	}
	free(c->owner_emails);
	for (i = 0; i < c->ndate_rules; i++) {
		free(c->date_rules[i].name);
		free(c->date_rules[i].column);
	}
	free(c->date_rules);
	for (i = 0; i < c->nremind_templates; i++) {
		free(c->remind_templates[i].lang);
		free(c->remind_templates[i].path);
	}
	free(c->remind_templates);
	free(c->remind_language_column);
	free(c->remind_manager);
	for (i = 0; i < c->ntargets; i++)
		free(c->targets[i].metric);
	free(c->targets);
	free(c->synonyms);
	free(c->segments);
	free(c->rates);
	free(c->path);
	free(c);
}

int64_t
crm_config_rate(const struct crm_config *c, const char *currency)
{
	size_t i;

	if (currency == NULL)
		return -1;
	if (strcasecmp(currency, c->currency) == 0)
		return 1000000;
	for (i = 0; i < c->nrates; i++)
		if (strcasecmp(currency, c->rates[i].currency) == 0)
			return c->rates[i].micro;
	return -1;
}
