/*
 * crm-segment — RFM scores and segments, lifecycle stages and the owner's own
 * rule segments, as a customer stream.
 *
 * Flow: options → config → where the customers come from (stdin stream or
 * the store) → rules parsed against the names known → store → per-customer
 * figures (lib/summary) → RFM scores over every customer with orders →
 * for each customer: lifecycle, rule segments, --where/--segment filter →
 * the stream, or --summary / --migration tables, and --save.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "csvio.h"
#include "date.h"
#include "diag.h"
#include "lifecycle.h"
#include "money.h"
#include "render.h"
#include "rfm.h"
#include "rules.h"
#include "store.h"
#include "stream.h"
#include "summary.h"

static const char usage[] =
	"usage: crm-segment [options] [-]\n"
	"RFM scores and segments, lifecycle stages and rule segments for every\n"
	"customer in the store, or for the customer stream on standard input.\n"
	"\n"
	"  -w, --where EXPR       keep only customers for whom EXPR holds\n"
	"                         (e.g. \"monetary >= 5000 and lifecycle = 'at_risk'\")\n"
	"  -s, --segment NAME     keep only customers in NAME: a rule segment from the\n"
	"                         configuration, an RFM segment or a lifecycle stage\n"
	"      --summary          per segment: customers, their share, revenue and its\n"
	"                         share, instead of the stream\n"
	"      --by GROUP         group --summary and --migration by rfm_segment\n"
	"                         (default), lifecycle or rules\n"
	"      --format FMT       text, csv, tsv or xlsx for --summary and --migration\n"
	"                         (default: text on a terminal, else csv); xlsx also\n"
	"                         writes the stream as a workbook (typed cells)\n"
	"  -o, --output FILE      write the results to FILE instead of standard output\n"
	"      --save             record the segments in the store's history under\n"
	"                         the --as-of day\n"
	"      --migration DATE   show how customers moved between segments since the\n"
	"                         history saved on DATE (a from x to table)\n"
	"      --explain          print the definitions in use and exit\n"
	"      --all              every customer in the store; ignore standard input\n"
	CRM_CLI_COMMON_HELP
	"\n"
	"Exit status: 0 ok, 64 usage (a bad --where is one), 65 bad input stream,\n"
	"66 no store, 74 I/O error, 75 store busy, 78 configuration error\n"
	"(see crm-segment(1)).\n";

enum { OPT_SUMMARY = 1, OPT_BY, OPT_FORMAT, OPT_SAVE, OPT_MIGRATION, OPT_EXPLAIN, OPT_ALL };

static const struct option longopts[] = {
	{"where", required_argument, NULL, 'w'},
	{"segment", required_argument, NULL, 's'},
	{"summary", no_argument, NULL, OPT_SUMMARY},
	{"by", required_argument, NULL, OPT_BY},
	{"format", required_argument, NULL, OPT_FORMAT},
	{"output", required_argument, NULL, 'o'},
	{"save", no_argument, NULL, OPT_SAVE},
	{"migration", required_argument, NULL, OPT_MIGRATION},
	{"explain", no_argument, NULL, OPT_EXPLAIN},
	{"all", no_argument, NULL, OPT_ALL},
	CRM_CLI_COMMON_OPTIONS,
	{NULL, 0, NULL, 0},
};

enum group_by { BY_RFM, BY_LIFECYCLE, BY_RULES };

struct options {
	struct crm_common common;
	const char *where, *segment, *migration, *output;
	bool summary, save, explain, all, dash;
	enum group_by by;
	bool have_format;
	enum crm_format format;
	int64_t migration_day;
};

static void
parse_options(int argc, char **argv, struct options *o)
{
	int opt;

	while ((opt = crm_cli_getopt(argc, argv, "w:s:o:" CRM_CLI_COMMON_SHORT, longopts)) != -1) {
		if (crm_cli_common(opt, optarg, &o->common, usage))
			continue;
		switch (opt) {
		case 'w':
			o->where = optarg;
			break;
		case 's':
			o->segment = optarg;
			break;
		case 'o':
			o->output = optarg;
			break;
		case OPT_SUMMARY:
			o->summary = true;
			break;
		case OPT_BY:
			if (strcmp(optarg, "rfm_segment") == 0 || strcmp(optarg, "segment") == 0)
				o->by = BY_RFM;
			else if (strcmp(optarg, "lifecycle") == 0)
				o->by = BY_LIFECYCLE;
			else if (strcmp(optarg, "rules") == 0)
				o->by = BY_RULES;
			else
				crm_cli_usage_error("option '--by': \"%s\" is not one of rfm_segment, "
				                    "lifecycle, rules", optarg);
			break;
		case OPT_FORMAT:
			o->format = crm_format_parse(optarg);
			o->have_format = true;
			break;
		case OPT_SAVE:
			o->save = true;
			break;
		case OPT_MIGRATION:
			if (crm_date_parse_iso(optarg, &o->migration_day) != 0)
				crm_cli_usage_error("option '--migration': \"%s\" is not a date "
				                    "(YYYY-MM-DD)", optarg);
			o->migration = optarg;
			break;
		case OPT_EXPLAIN:
			o->explain = true;
			break;
		case OPT_ALL:
			o->all = true;
			break;
		default:
			crm_cli_usage_error("unexpected option");
		}
	}
	o->dash = crm_cli_dash(argc, argv, o->all);
	if (o->summary && o->migration)
		crm_cli_usage_error("--summary and --migration are separate views; give one");
	if (o->migration && o->by == BY_RULES)
		crm_cli_usage_error("--migration compares rfm_segment or lifecycle, not rules");
	crm_cli_output(o->output, o->format == CRM_FORMAT_XLSX && !o->explain);
	if (!o->have_format)
		o->format = crm_format_default(o->common.tsv);
}

/*
 * The names a rule may use: our metrics, then the customer's fields, then
 * the input stream's columns, then the rule segments (in --where only; they
 * are last so the segments' own rules are parsed against the names before
 * them). Lookup takes the first of equal names, so a stream column named
 * like one of our metrics is shadowed by the metric.
 */
enum metric {
	M_CUSTOMER_ID, M_EXTERNAL_ID, M_NAME, M_RECENCY, M_FREQUENCY, M_MONETARY,
	M_AOV, M_FIRST, M_LAST, M_TENURE, M_R, M_F, M_M, M_RFM_SEGMENT, M_SEGMENT,
	M_LIFECYCLE, M_HISTORICAL, M_CREATED, M_DAYS_SINCE_CONTACT, M_OPEN_TICKETS,
	M_LAST_CSAT, M_LAST_NPS, M_COUNT
};

static const char *const metric_names[M_COUNT] = {
	"customer_id", "external_id", "name", "recency_days", "frequency", "monetary",
	"avg_order_value", "first_order", "last_order", "tenure_days", "rfm_r", "rfm_f",
	"rfm_m", "rfm_segment", "segment", "lifecycle", "historical_value", "created",
	"days_since_contact", "open_tickets", "last_csat", "last_nps",
};

/* Columns this tool appends (or writes after the key fields). */
static const char *const out_cols[] = {
	"recency_days", "frequency", "monetary", "avg_order_value", "first_order",
	"last_order", "tenure_days", "rfm_r", "rfm_f", "rfm_m", "rfm_segment", "lifecycle",
};
#define NOUT (sizeof(out_cols) / sizeof(out_cols[0]))
/* Their types in a workbook (money set from the currency). */
static const enum crm_coltype out_types[NOUT] = {
	CRM_COL_INT, CRM_COL_INT, CRM_COL_MONEY0, CRM_COL_MONEY0, CRM_COL_DATE, CRM_COL_DATE,
	CRM_COL_INT, CRM_COL_INT, CRM_COL_INT, CRM_COL_INT, CRM_COL_TEXT, CRM_COL_TEXT,
};

struct names {
	const char **v;
	size_t n;
	size_t fields_at, stream_at, rules_at; /* where each group starts */
};

/* Everything the per-customer loop needs. */
struct run {
	struct options *o;
	struct crm_config *cfg;
	crm_summary *sum;
	crm_stream *in;           /* NULL: the store's customers */
	struct names names;
	crm_rule **rules;         /* cfg->segments, parsed */
	crm_rule *where;
	int segment_rule;         /* --segment as a rule index, or -1 */
	int segment_rfm;          /* ... as an RFM segment, or -1 */
	int segment_lc;           /* ... as a lifecycle stage, or -1 */
	uint8_t *r, *f, *m;       /* scores by summary index; 0 without orders */
	struct crm_lifecycle_windows win;
	crm_value *values;
	bool need_values;
	double scale;             /* minor units per major unit of the base */
	char (*text)[32];         /* formatted output columns */
};

static void
names_build(struct run *run)
{
	struct names *nm = &run->names;
	size_t cap = M_COUNT + CRM_NFIELDS + run->cfg->nsegments, i;
	size_t ncols = run->in ? crm_stream_ncols(run->in) : 0;
	const char *const *header = run->in ? crm_stream_header(run->in) : NULL;

	nm->v = crm_xreallocarray(NULL, cap + ncols, sizeof(*nm->v));
	for (i = 0; i < M_COUNT; i++)
		nm->v[nm->n++] = metric_names[i];
	nm->fields_at = nm->n;
	for (i = 0; i < CRM_NFIELDS; i++)
		nm->v[nm->n++] = crm_cfield_names[i];
	nm->stream_at = nm->n;
	for (i = 0; i < ncols; i++)
		nm->v[nm->n++] = header[i];
	nm->rules_at = nm->n;
	for (i = 0; i < run->cfg->nsegments; i++)
		nm->v[nm->n++] = run->cfg->segments[i].name;
}

/* Parse the configuration's rule segments (which may not name each other)
 * and --where. A bad segment is a configuration error (78), a bad --where a
 * usage error (64). */
static int
parse_rules(struct run *run)
{
	const struct crm_config *cfg = run->cfg;
	crm_rule_error err;
	size_t i, k;
	int status = 0;

	run->rules = crm_xcalloc(cfg->nsegments + 1, sizeof(*run->rules));
	for (i = 0; i < cfg->nsegments; i++) {
		const char *name = cfg->segments[i].name;

		for (k = 0; k < run->names.stream_at; k++)
			if (strcmp(run->names.v[k], name) == 0) {
				crm_warn("%s:%ld: segments.%s: the name is taken by a %s; choose "
				         "another", cfg->path ? cfg->path : "config",
				         cfg->segments[i].line, name,
				         k < run->names.fields_at ? "metric" : "customer field");
				status = CRM_EX_CONFIG;
			}
		/* A segment's rule sees every name but the rule segments. */
		run->rules[i] = crm_rule_parse(cfg->segments[i].expr, run->names.v,
		                               run->names.rules_at, &err);
		if (run->rules[i] == NULL) {
			crm_warn("%s:%ld: segments.%s: column %d: %s", cfg->path ? cfg->path : "config",
			         cfg->segments[i].line, name, err.column, err.message);
			status = CRM_EX_CONFIG;
		}
	}
	if (status != 0)
		return status;
	if (run->o->where) {
		run->where = crm_rule_parse(run->o->where, run->names.v, run->names.n, &err);
		if (run->where == NULL)
			crm_cli_usage_error("--where: column %d: %s", err.column, err.message);
	}
	return 0;
}

static bool
rules_use_any(const struct run *run, size_t from, size_t to)
{
	size_t i, k;

	for (k = from; k < to; k++) {
		if (run->where && crm_rule_uses(run->where, k))
			return true;
		for (i = 0; i < run->cfg->nsegments; i++)
			if (crm_rule_uses(run->rules[i], k))
				return true;
	}
	return false;
}

/* --segment NAME: a rule segment, an RFM segment or a lifecycle stage;
 * "rule:", "rfm:" or "lifecycle:" in front picks one where a name is in
 * more than one (at_risk, loyal and new are both RFM segments and stages). */
static void
resolve_segment(struct run *run)
{
	const char *name = run->o->segment, *colon;
	const char **rule_names;
	crm_buf known = {0};
	int found = 0;
	size_t i;

	run->segment_rule = run->segment_rfm = run->segment_lc = -1;
	if (name == NULL)
		return;
	rule_names = crm_xcalloc(run->cfg->nsegments + 1, sizeof(*rule_names));
	for (i = 0; i < run->cfg->nsegments; i++)
		rule_names[i] = run->cfg->segments[i].name;
	colon = strchr(name, ':');
	if (colon == NULL || strncmp(name, "rule:", 5) == 0)
		run->segment_rule = crm_index_of(colon ? colon + 1 : name, rule_names,
		                             run->cfg->nsegments);
	if (colon == NULL || strncmp(name, "rfm:", 4) == 0)
		run->segment_rfm = crm_index_of(colon ? colon + 1 : name, crm_rfm_segment_names,
		                            CRM_SEG_COUNT);
	if (colon == NULL || strncmp(name, "lifecycle:", 10) == 0)
		run->segment_lc = crm_index_of(colon ? colon + 1 : name, crm_lifecycle_names,
		                           CRM_LC_COUNT);
	free(rule_names);
	found = (run->segment_rule >= 0) + (run->segment_rfm >= 0) + (run->segment_lc >= 0);
	if (found == 1)
		return;
	if (found > 1)
		crm_cli_usage_error("option '--segment': \"%s\" is %s%s%s; write %s%s%s to "
		                    "choose", name,
		                    run->segment_rule >= 0 ? "a rule segment, " : "",
		                    run->segment_rfm >= 0 ? "an RFM segment, " : "",
		                    run->segment_lc >= 0 ? "a lifecycle stage" : "",
		                    run->segment_rule >= 0 ? "rule:NAME " : "",
		                    run->segment_rfm >= 0 ? "rfm:NAME " : "",
		                    run->segment_lc >= 0 ? "lifecycle:NAME" : "");
	for (i = 0; i < run->cfg->nsegments; i++)
		crm_buf_printf(&known, "%s, ", run->cfg->segments[i].name);
	for (i = 0; i < CRM_SEG_COUNT; i++)
		crm_buf_printf(&known, "%s, ", crm_rfm_segment_names[i]);
	for (i = 0; i < CRM_LC_COUNT; i++)
		crm_buf_printf(&known, "%s%s", crm_lifecycle_names[i], i + 1 < CRM_LC_COUNT ? ", " : "");
	crm_cli_usage_error("option '--segment': no segment \"%s\" (known: %s)", name,
	                    crm_buf_str(&known));
}

/* Minor units of the base currency in major units. */
static double
major(const struct run *run, int64_t minor)
{
	return (double)minor / run->scale;
}

/* RFM scores of every customer with paid orders, by quintiles or the
 * configured thresholds. Scores are over the whole store, so a customer's
 * score does not depend on which others were piped in with it. */
static void
score_rfm(struct run *run)
{
	size_t n = crm_summary_count(run->sum);

	run->r = crm_xcalloc(n + 1, 1);
	run->f = crm_xcalloc(n + 1, 1);
	run->m = crm_xcalloc(n + 1, 1);
	crm_rfm_score_all(run->sum, run->cfg, run->r, run->f, run->m);
}

/* One customer's results. */
struct result {
	const struct crm_customer *c;
	size_t idx;
	int seg;         /* enum crm_rfm_segment, or -1 without orders */
	enum crm_lifecycle lc;
	uint8_t *in_rule; /* per rule segment, 0/1 */
};

/* monetary / orders in minor units, rounded half away from zero. */
static int64_t
avg_minor(const struct crm_customer *c)
{
	int64_t q = c->monetary / (int64_t)c->orders, r = c->monetary % (int64_t)c->orders;

	if (2 * (r < 0 ? -r : r) >= (int64_t)c->orders)
		q += c->monetary < 0 ? -1 : 1;
	return q;
}

static crm_value
num_or_empty(bool have, double v)
{
	return have ? crm_value_number(v) : crm_value_empty();
}

static void
fill_values(struct run *run, const struct result *res)
{
	const struct crm_customer *c = res->c;
	crm_value *v = run->values;
	int64_t today = crm_summary_today(run->sum);
	bool orders = c->orders > 0;
	size_t i;

	v[M_CUSTOMER_ID] = crm_value_number((double)c->id);
	v[M_EXTERNAL_ID] = crm_value_text(crm_summary_external_id(run->sum, c));
	v[M_NAME] = crm_value_text(crm_summary_name(run->sum, c));
	v[M_RECENCY] = num_or_empty(orders, (double)(today - c->last_order));
	v[M_FREQUENCY] = crm_value_number(c->orders);
	v[M_MONETARY] = crm_value_number(major(run, c->monetary));
	v[M_HISTORICAL] = v[M_MONETARY];
	v[M_AOV] = num_or_empty(orders, orders ? major(run, avg_minor(c)) : 0);
	v[M_FIRST] = orders ? crm_value_date(c->first_order) : crm_value_empty();
	v[M_LAST] = orders ? crm_value_date(c->last_order) : crm_value_empty();
	v[M_TENURE] = num_or_empty(orders, (double)(today - c->first_order));
	v[M_R] = num_or_empty(orders, run->r[res->idx]);
	v[M_F] = num_or_empty(orders, run->f[res->idx]);
	v[M_M] = num_or_empty(orders, run->m[res->idx]);
	v[M_RFM_SEGMENT] = orders ? crm_value_text(crm_rfm_segment_names[res->seg]) :
	    crm_value_empty();
	v[M_SEGMENT] = v[M_RFM_SEGMENT];
	v[M_LIFECYCLE] = crm_value_text(crm_lifecycle_names[res->lc]);
	v[M_CREATED] = c->created != CRM_NO_DAY ? crm_value_date(c->created) : crm_value_empty();
	v[M_DAYS_SINCE_CONTACT] = num_or_empty(c->last_contact != CRM_NO_DAY,
	                                       (double)(today - c->last_contact));
	v[M_OPEN_TICKETS] = crm_value_number(c->open_tickets);
	v[M_LAST_CSAT] = num_or_empty(c->last_csat >= 0, c->last_csat);
	v[M_LAST_NPS] = num_or_empty(c->last_nps >= 0, c->last_nps);
	for (i = 0; i < CRM_NFIELDS; i++)
		v[run->names.fields_at + i] = crm_value_text(crm_summary_field(run->sum, c, i));
	if (run->in != NULL) {
		const char *const *fields = crm_stream_fields(run->in);

		for (i = run->names.stream_at; i < run->names.rules_at; i++)
			v[i] = crm_value_text(fields[i - run->names.stream_at]);
	}
}

/* Work out one customer's results; false when a filter drops it. */
static bool
evaluate(struct run *run, const struct crm_customer *c, struct result *res)
{
	size_t i;

	res->c = c;
	res->idx = crm_summary_index(run->sum, c);
	res->seg = c->orders ? (int)crm_rfm_segment(run->r[res->idx], run->f[res->idx],
	                                             run->m[res->idx]) : -1;
	res->lc = crm_lifecycle_stage(c, crm_summary_today(run->sum), &run->win);
	if (run->need_values)
		fill_values(run, res);
	for (i = 0; i < run->cfg->nsegments; i++)
		res->in_rule[i] = (uint8_t)crm_rule_eval(run->rules[i], run->values);
	if (run->where) {
		/* The rule segments' own values, now known. */
		for (i = 0; i < run->cfg->nsegments; i++)
			run->values[run->names.rules_at + i] = crm_value_number(res->in_rule[i]);
		if (!crm_rule_eval(run->where, run->values))
			return false;
	}
	if (run->segment_rule >= 0 && !res->in_rule[run->segment_rule])
		return false;
	if (run->segment_rfm >= 0 && res->seg != run->segment_rfm)
		return false;
	if (run->segment_lc >= 0 && (int)res->lc != run->segment_lc)
		return false;
	return true;
}

/* The columns we append, as text. */
static void
format_result(struct run *run, const struct result *res, const char **out)
{
	const struct crm_customer *c = res->c;
	int64_t today = crm_summary_today(run->sum);
	char (*t)[32] = run->text;
	size_t i;

	for (i = 0; i < NOUT; i++)
		t[i][0] = '\0';
	crm_fmt_int(c->orders, t[1]);
	crm_money_format(c->monetary, run->cfg->currency, t[2]);
	if (c->orders > 0) {
		crm_fmt_int(today - c->last_order, t[0]);
		crm_money_format(avg_minor(c), run->cfg->currency, t[3]);
		crm_date_format(c->first_order, t[4]);
		crm_date_format(c->last_order, t[5]);
		crm_fmt_int(today - c->first_order, t[6]);
		crm_fmt_int(run->r[res->idx], t[7]);
		crm_fmt_int(run->f[res->idx], t[8]);
		crm_fmt_int(run->m[res->idx], t[9]);
	}
	for (i = 0; i < NOUT; i++)
		out[i] = t[i];
	/* Names are constants: no copy. */
	if (c->orders > 0)
		out[10] = crm_rfm_segment_names[res->seg];
	out[11] = crm_lifecycle_names[res->lc];
	for (i = 0; i < run->cfg->nsegments; i++)
		out[NOUT + i] = res->in_rule[i] ? "1" : "0";
}

/* Per-group counts for --summary and --migration. */
struct groups {
	size_t n;                 /* groups */
	const char **label;
	long long *customers;
	int64_t *revenue;         /* minor units */
};

static void
groups_init(struct groups *g, const struct run *run)
{
	size_t i;

	switch (run->o->by) {
	case BY_RFM:
		g->n = CRM_SEG_COUNT + 1;
		break;
	case BY_LIFECYCLE:
		g->n = CRM_LC_COUNT;
		break;
	case BY_RULES:
		g->n = run->cfg->nsegments + 1;
		break;
	}
	g->label = crm_xcalloc(g->n, sizeof(*g->label));
	g->customers = crm_xcalloc(g->n, sizeof(*g->customers));
	g->revenue = crm_xcalloc(g->n, sizeof(*g->revenue));
	for (i = 0; i < g->n; i++) {
		if (run->o->by == BY_RFM)
			g->label[i] = i < CRM_SEG_COUNT ? crm_rfm_segment_names[i] : "no_orders";
		else if (run->o->by == BY_LIFECYCLE)
			g->label[i] = crm_lifecycle_names[i];
		else
			g->label[i] = i < run->cfg->nsegments ? run->cfg->segments[i].name :
			    "in_no_rule_segment";
	}
}

static void
groups_free(struct groups *g)
{
	free(g->label);
	free(g->customers);
	free(g->revenue);
}

/* The group of a result under --by rfm_segment / lifecycle (rules: many). */
static size_t
group_of(const struct run *run, const struct result *res)
{
	if (run->o->by == BY_LIFECYCLE)
		return res->lc;
	return res->seg < 0 ? CRM_SEG_COUNT : (size_t)res->seg;
}

static void
groups_add(struct groups *g, const struct run *run, const struct result *res)
{
	size_t i;
	bool any = false;

	if (run->o->by != BY_RULES) {
		g->customers[group_of(run, res)]++;
		g->revenue[group_of(run, res)] += res->c->monetary;
		return;
	}
	for (i = 0; i < run->cfg->nsegments; i++)
		if (res->in_rule[i]) {
			g->customers[i]++;
			g->revenue[i] += res->c->monetary;
			any = true;
		}
	if (!any) {
		g->customers[g->n - 1]++;
		g->revenue[g->n - 1] += res->c->monetary;
	}
}

static int
write_summary(const struct run *run, const struct groups *g, long long total_customers,
              int64_t total_revenue)
{
	static const char *const header[] = {
		"segment", "customers", "customer_share", "revenue", "revenue_share"
	};
	bool text = run->o->format == CRM_FORMAT_TEXT;
	char cnt[32], cshare[32], rev[32], rshare[32], raw[32];
	const char *cells[5];
	static const enum crm_coltype types[] = {
		CRM_COL_TEXT, CRM_COL_INT, CRM_COL_PERCENT, CRM_COL_MONEY0, CRM_COL_PERCENT
	};
	crm_table *t = crm_table_new(header, 5);
	int status;
	size_t i;

	crm_table_set_types(t, types);
	crm_table_set_type(t, 3, CRM_COL_MONEY(crm_money_minor_digits(run->cfg->currency)));
	crm_table_set_name(t, "summary");
	for (i = 0; i < g->n; i++) {
		if (g->customers[i] == 0 && text)
			continue;
		crm_money_format(g->revenue[i], run->cfg->currency, raw);
		if (text)
			crm_thousands(g->customers[i], cnt);
		else
			snprintf(cnt, sizeof cnt, "%lld", g->customers[i]);
		cells[0] = g->label[i];
		cells[1] = cnt;
		cells[2] = crm_format_share((double)g->customers[i], (double)total_customers, 1,
		                            text, cshare);
		snprintf(rev, sizeof rev, "%s", raw);
		cells[3] = rev;
		cells[4] = crm_format_share((double)g->revenue[i], (double)total_revenue, 1, text,
		                            rshare);
		crm_table_add(t, cells);
	}
	if (text) {
		crm_thousands(total_customers, cnt);
		crm_money_format(total_revenue, run->cfg->currency, rev);
		cells[0] = "total";
		cells[1] = cnt;
		cells[2] = total_customers ? "100.0%" : "—";
		cells[3] = rev;
		cells[4] = total_revenue ? "100.0%" : "—";
		crm_table_add(t, cells);
	}
	status = crm_table_write(t, stdout, run->o->format, run->o->common.excel_safe);
	crm_table_free(t);
	return status;
}

/* --save: one history row per customer written, replacing the same day's. */
struct saver {
	crm_store *store;
	sqlite3_stmt *insert;
	char day[16], now[32];
	crm_buf rules;
};

static void
saver_start(struct saver *sv, crm_store *s, int64_t today)
{
	sv->store = s;
	crm_date_format(today, sv->day);
	snprintf(sv->now, sizeof sv->now, "%s", sv->day);
	crm_store_begin(s);
	sv->insert = crm_store_prepare(s, "INSERT OR REPLACE INTO segment_history (day, "
	    "customer_id, rfm_r, rfm_f, rfm_m, rfm_segment, lifecycle, segments, saved_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, datetime('now'))");
}

static void
saver_add(struct saver *sv, const struct run *run, const struct result *res)
{
	sqlite3_stmt *st = sv->insert;
	size_t i;

	crm_buf_reset(&sv->rules);
	for (i = 0; i < run->cfg->nsegments; i++)
		if (res->in_rule[i])
			crm_buf_printf(&sv->rules, "%s%s", sv->rules.len ? "," : "",
			               run->cfg->segments[i].name);
	crm_store_bind_text(sv->store, st, 1, sv->day);
	crm_store_bind_int(sv->store, st, 2, res->c->id);
	if (res->c->orders > 0) {
		crm_store_bind_int(sv->store, st, 3, run->r[res->idx]);
		crm_store_bind_int(sv->store, st, 4, run->f[res->idx]);
		crm_store_bind_int(sv->store, st, 5, run->m[res->idx]);
		crm_store_bind_text(sv->store, st, 6, crm_rfm_segment_names[res->seg]);
	} else {
		for (i = 3; i <= 6; i++)
			crm_store_bind_null(sv->store, st, (int)i);
	}
	crm_store_bind_text(sv->store, st, 7, crm_lifecycle_names[res->lc]);
	crm_store_bind_text(sv->store, st, 8, crm_buf_str(&sv->rules));
	crm_store_step(sv->store, st);
	sqlite3_reset(st);
}

static void
saver_finish(struct saver *sv, long long rows, bool quiet)
{
	char n[32];

	sqlite3_finalize(sv->insert);
	crm_store_commit(sv->store);
	crm_buf_free(&sv->rules);
	if (!quiet)
		fprintf(stderr, "crm-segment: saved %s customers' segments for %s\n",
		        crm_thousands(rows, n), sv->day);
}

/* --migration: the saved day's group of each customer → today's. */
struct migration {
	struct groups from_g;     /* labels only; + "(not_saved)" */
	size_t nfrom, nto;
	long long *cell;          /* (nfrom) × (nto) */
	int32_t *saved;           /* summary index → saved group, or -1 */
};

static int
find_label(const struct groups *g, const char *s)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		if (strcmp(g->label[i], s) == 0)
			return (int)i;
	return -1;
}

/* The days with saved history, for the message when DATE has none. */
static char *
saved_days(crm_store *s)
{
	sqlite3_stmt *st = crm_store_prepare(s, "SELECT DISTINCT day FROM segment_history "
	                                     "ORDER BY day DESC LIMIT 20");
	crm_buf b = {0};

	while (crm_store_step(s, st) == SQLITE_ROW)
		crm_buf_printf(&b, "%s%s", b.len ? ", " : "", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (b.len == 0)
		crm_buf_puts(&b, "none; save some with --save");
	return crm_xstrdup(crm_buf_str(&b));
}

static void
migration_load(struct migration *mg, struct run *run, crm_store *s)
{
	sqlite3_stmt *st = crm_store_prepare(s, run->o->by == BY_LIFECYCLE ?
	    "SELECT customer_id, lifecycle FROM segment_history WHERE day = ?1" :
	    "SELECT customer_id, rfm_segment FROM segment_history WHERE day = ?1");
	size_t n = crm_summary_count(run->sum), i;
	long long rows = 0;
	char *days;

	groups_init(&mg->from_g, run);
	mg->nto = mg->from_g.n;
	mg->nfrom = mg->from_g.n + 1; /* + "(not_saved)": not in the saved history */
	mg->cell = crm_xcalloc(mg->nfrom * mg->nto, sizeof(*mg->cell));
	mg->saved = crm_xreallocarray(NULL, n + 1, sizeof(*mg->saved));
	for (i = 0; i < n; i++)
		mg->saved[i] = -1;
	crm_store_bind_text(s, st, 1, run->o->migration);
	while (crm_store_step(s, st) == SQLITE_ROW) {
		struct crm_customer *c = crm_summary_find(run->sum, sqlite3_column_int64(st, 0));
		const char *label = (const char *)sqlite3_column_text(st, 1);
		int g = find_label(&mg->from_g, label ? label : "no_orders");

		rows++;
		if (c != NULL && g >= 0)
			mg->saved[crm_summary_index(run->sum, c)] = g;
	}
	sqlite3_finalize(st);
	if (rows == 0) {
		days = saved_days(s);
		crm_die(CRM_EX_DATAERR, "no segments saved for %s (saved days: %s)",
		        run->o->migration, days);
	}
}

static void
migration_add(struct migration *mg, const struct run *run, const struct result *res)
{
	int from = mg->saved[res->idx];
	size_t row = from < 0 ? mg->nfrom - 1 : (size_t)from;

	mg->cell[row * mg->nto + group_of(run, res)]++;
}

static int
migration_write(struct migration *mg, const struct run *run)
{
	size_t ncols = mg->nto + 2, r, c;
	const char **cells = crm_xcalloc(ncols, sizeof(*cells));
	char (*num)[32] = crm_xcalloc(ncols, sizeof(*num));
	bool text = run->o->format == CRM_FORMAT_TEXT;
	crm_table *t;
	long long total;
	int status;

	cells[0] = "from";
	for (c = 0; c < mg->nto; c++)
		cells[c + 1] = mg->from_g.label[c];
	cells[ncols - 1] = "total";
	t = crm_table_new(cells, ncols);
	crm_table_set_name(t, "migration");
	for (c = 1; c < ncols; c++)
		crm_table_set_type(t, c, CRM_COL_INT);
	for (r = 0; r < mg->nfrom; r++) {
		cells[0] = r + 1 == mg->nfrom ? "(not_saved)" : mg->from_g.label[r];
		for (total = 0, c = 0; c < mg->nto; c++) {
			total += mg->cell[r * mg->nto + c];
			snprintf(num[c + 1], 32, "%lld", mg->cell[r * mg->nto + c]);
			cells[c + 1] = num[c + 1];
		}
		if (total == 0 && text)
			continue;
		snprintf(num[ncols - 1], 32, "%lld", total);
		cells[ncols - 1] = num[ncols - 1];
		crm_table_add(t, cells);
	}
	status = crm_table_write(t, stdout, run->o->format, run->o->common.excel_safe);
	crm_table_free(t);
	free(cells);
	free(num);
	groups_free(&mg->from_g);
	free(mg->cell);
	free(mg->saved);
	return status;
}

static int
explain(const struct run *run)
{
	const struct crm_config *cfg = run->cfg;
	size_t i;

	printf("paid order: status paid, dated on or before the --as-of day; refunded and\n"
	       "  cancelled orders are left out; money in %s (exchange_rates)\n", cfg->currency);
	if (cfg->rfm_method == CRM_RFM_QUINTILES)
		printf("RFM: quintiles over the customers with paid orders (mid-rank, ties equal)\n");
	else
		printf("RFM: thresholds R <= %g/%g/%g/%g days, F >= %g/%g/%g/%g, M >= %g/%g/%g/%g\n",
		       cfg->rfm_cuts[0][0], cfg->rfm_cuts[0][1], cfg->rfm_cuts[0][2],
		       cfg->rfm_cuts[0][3], cfg->rfm_cuts[1][0], cfg->rfm_cuts[1][1],
		       cfg->rfm_cuts[1][2], cfg->rfm_cuts[1][3], cfg->rfm_cuts[2][0],
		       cfg->rfm_cuts[2][1], cfg->rfm_cuts[2][2], cfg->rfm_cuts[2][3]);
	printf("lifecycle (first match): lead no paid order; churned recency >= %d;\n"
	       "  at_risk recency >= %d; reactivated gap before last order > %d;\n"
	       "  new tenure < %d; loyal orders >= %d; repeat orders >= 2; else active\n",
	       run->win.churn_days, run->win.at_risk_days, run->win.churn_days,
	       run->win.new_days, run->win.loyal_orders);
	for (i = 0; i < cfg->nsegments; i++)
		printf("segment %s: %s\n", cfg->segments[i].name, cfg->segments[i].expr);
	return 0;
}

/* The stream's or the store's customers, each through evaluate(). */
static int
run_customers(struct run *run, crm_store *s)
{
	struct options *o = run->o;
	bool stream_out = !o->summary && !o->migration;
	size_t ncols = NOUT + run->cfg->nsegments, i;
	const char **vals = crm_xcalloc(ncols + 3, sizeof(*vals));
	const char **hdr = crm_xcalloc(ncols + 3, sizeof(*hdr));
	enum crm_coltype *types = crm_xcalloc(ncols + 3, sizeof(*types));
	crm_out *w = NULL;
	struct result res = {0};
	struct groups g = {0};
	struct migration mg = {0};
	struct saver sv = {0};
	long long count = 0, written = 0;
	const struct crm_customer *c;
	size_t cursor = 0;
	int64_t revenue = 0;
	char idbuf[32];
	int status = 0;

	res.in_rule = crm_xcalloc(run->cfg->nsegments + 1, 1);
	if (stream_out) {
		/* Without a stream the key fields come first (ours, typed). */
		size_t at = run->in == NULL ? 3 : 0;

		w = crm_out_new(o->format == CRM_FORMAT_XLSX ? CRM_FORMAT_XLSX : o->common.tsv ?
		                CRM_FORMAT_TSV : CRM_FORMAT_CSV, o->common.excel_safe, "segments");
		hdr[0] = "customer_id", hdr[1] = "external_id", hdr[2] = "name";
		types[0] = CRM_COL_INT; /* 1, 2: text */
		for (i = 0; i < ncols; i++) {
			hdr[at + i] = i < NOUT ? out_cols[i] : run->cfg->segments[i - NOUT].name;
			types[at + i] = i >= NOUT ? CRM_COL_INT : out_types[i] == CRM_COL_MONEY0 ?
			    CRM_COL_MONEY(crm_summary_digits(run->sum)) : out_types[i];
		}
		crm_stream_out_header(run->in, w, hdr, types, ncols + at);
	} else if (o->summary)
		groups_init(&g, run);
	else
		migration_load(&mg, run, s);
	if (o->save)
		saver_start(&sv, s, crm_summary_today(run->sum));

	while ((c = crm_summary_next(run->sum, run->in, &cursor, &status)) != NULL) {
		count++;
		crm_progress(&o->common, "crm-segment", count);
		if (!evaluate(run, c, &res))
			continue;
		written++;
		if (stream_out) {
			format_result(run, &res, run->in ? vals : vals + 3);
			if (run->in == NULL) {
				vals[0] = crm_fmt_int(c->id, idbuf);
				vals[1] = crm_summary_external_id(run->sum, c);
				vals[2] = crm_summary_name(run->sum, c);
			}
			crm_stream_out_row(run->in, w, vals, run->in ? ncols : ncols + 3);
		} else if (o->summary) {
			groups_add(&g, run, &res);
			revenue += c->monetary;
		} else
			migration_add(&mg, run, &res);
		if (o->save)
			saver_add(&sv, run, &res);
	}
	crm_progress_done(&o->common);
	if (w != NULL)
		crm_status_merge(&status, crm_out_close(w));
	else if (o->summary) {
		crm_status_merge(&status, write_summary(run, &g, written, revenue));
		groups_free(&g);
	} else
		crm_status_merge(&status, migration_write(&mg, run));
	/* Saved only when the output was written whole: a reader that went
	 * away or a full disk leaves the history as it was. */
	if (o->save) {
		if (status == 0 || status == CRM_EX_DATAERR)
			saver_finish(&sv, written, o->common.quiet);
		else {
			sqlite3_finalize(sv.insert);
			crm_buf_free(&sv.rules);
			crm_store_rollback(s);
		}
	}
	if (!o->common.quiet && stream_out && (status == 0 || status == CRM_EX_DATAERR)) {
		char a[32], b[32];

		fprintf(stderr, "crm-segment: %s of %s customers written\n",
		        crm_thousands(written, a), crm_thousands(count, b));
	}
	free(res.in_rule);
	free(vals);
	free(hdr);
	free(types);
	return status;
}

int
main(int argc, char **argv)
{
	struct options o = {0};
	struct run run = {0};
	crm_store *s;
	char *db;
	int status;
	unsigned flags = 0;
	size_t i;

	crm_diag_init(argv[0]);
	parse_options(argc, argv, &o);
	run.o = &o;
	if ((status = crm_config_load(o.common.config_path, &run.cfg)) != 0)
		return status;
	run.win = crm_lifecycle_from_config(run.cfg);
	if (o.explain) {
		status = explain(&run);
		crm_config_free(run.cfg);
		return crm_cli_finish(status);
	}
	if (crm_input_choose(stdin, "<stdin>", o.dash, o.all, isatty(STDIN_FILENO),
	                     &run.in) == CRM_INPUT_STORE)
		run.in = NULL;
	names_build(&run);
	if ((status = parse_rules(&run)) != 0)
		goto out;
	resolve_segment(&run);
	run.need_values = run.where != NULL || run.cfg->nsegments > 0;
	if (rules_use_any(&run, run.names.fields_at, run.names.rules_at))
		flags |= CRM_SUMMARY_FIELDS;
	if (rules_use_any(&run, M_DAYS_SINCE_CONTACT, M_COUNT))
		flags |= CRM_SUMMARY_CONTACT;

	/* The order scan reads on two connections (lib/summary.c). */
	crm_store_threads();
	db = crm_cli_db_path(&o.common);
	s = crm_store_open(db, false, run.cfg->busy_timeout_ms);
	free(db);
	run.sum = crm_summary_load(s, run.cfg, crm_cli_today(&o.common), flags);
	run.scale = crm_summary_scale(run.sum);
	score_rfm(&run);
	run.values = crm_xcalloc(run.names.n + 1, sizeof(*run.values));
	run.text = crm_xcalloc(NOUT, sizeof(*run.text));
	status = run_customers(&run, s);
	crm_summary_free(run.sum);
	crm_store_close(s);
out:
	for (i = 0; i < run.cfg->nsegments; i++)
		crm_rule_free(run.rules[i]);
	free(run.rules);
	crm_rule_free(run.where);
	free(run.names.v);
	free(run.values);
	free(run.text);
	free(run.r), free(run.f), free(run.m);
	if (run.in)
		crm_stream_close(run.in);
	crm_config_free(run.cfg);
	return crm_cli_finish(status);
}
