/*
 * crm-score — who is still a customer, what they will buy, what they are
 * worth: BG/NBD and Gamma-Gamma fitted on the whole customer base, a health
 * score for customers and a lead score for leads, as a customer stream.
 *
 * Flow: options → config → input (stdin stream or the store) → store →
 * purchase days per customer (lib/summary, as of the calibration end) →
 * fit BG/NBD on every buyer and Gamma-Gamma on the repeat buyers (lib/btyd)
 * → for each customer: the model's figures, health or lead score → the
 * stream, or the --params / --holdout tables, and --save.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "btyd.h"
#include "cli.h"
#include "config.h"
#include "csvio.h"
#include "date.h"
#include "diag.h"
#include "health.h"
#include "render.h"
#include "rules.h"
#include "store.h"
#include "stream.h"
#include "summary.h"

static const char usage[] =
	"usage: crm-score [options] [-]\n"
	"Purchase-model scores (BG/NBD + Gamma-Gamma): P(alive), expected purchases,\n"
	"expected spend and lifetime value, plus health for customers and a lead\n"
	"score for leads, for every customer in the store or those on standard input.\n"
	"\n"
	"  -u, --unit UNIT          time unit of frequency, recency and T: week or day\n"
	"                           (default: score.unit, week)\n"
	"  -H, --horizon DAYS       horizon of expected_purchases and clv (default 365)\n"
	"      --discount-rate R    annual discount rate of clv (default 0.10)\n"
	"      --margin M           profit margin of clv, 0-1 (default 1: revenue)\n"
	"      --calibration-end DATE  fit on orders up to DATE; the stream gets\n"
	"                           holdout_actual and holdout_predicted for the days\n"
	"                           after it, up to --as-of\n"
	"      --holdout            with --calibration-end: predicted against actual\n"
	"                           purchases in the holdout, by calibration frequency\n"
	"      --params             print the fitted parameters instead of the stream\n"
	"      --format FMT         text, csv, tsv or xlsx for --params and --holdout\n"
	"                           (default: text on a terminal, else csv); xlsx\n"
	"                           also writes the stream as a workbook (typed cells)\n"
	"  -o, --output FILE        write the results to FILE instead of standard output\n"
	"      --save               record the scores and parameters in the store\n"
	"      --all                every customer in the store; ignore standard input\n"
	CRM_CLI_COMMON_HELP
	"\n"
	"Exit status: 0 ok, 64 usage, 65 the model could not be fitted (its columns\n"
	"are then empty) or a bad input stream, 66 no store, 74 I/O error, 75 store\n"
	"busy, 78 configuration error (see crm-score(1)).\n";

enum { OPT_DISCOUNT = 1, OPT_MARGIN, OPT_CAL_END, OPT_HOLDOUT, OPT_PARAMS, OPT_FORMAT,
       OPT_SAVE, OPT_ALL };

static const struct option longopts[] = {
	{"unit", required_argument, NULL, 'u'},
	{"horizon", required_argument, NULL, 'H'},
	{"discount-rate", required_argument, NULL, OPT_DISCOUNT},
	{"margin", required_argument, NULL, OPT_MARGIN},
	{"calibration-end", required_argument, NULL, OPT_CAL_END},
	{"holdout", no_argument, NULL, OPT_HOLDOUT},
	{"params", no_argument, NULL, OPT_PARAMS},
	{"format", required_argument, NULL, OPT_FORMAT},
	{"output", required_argument, NULL, 'o'},
	{"save", no_argument, NULL, OPT_SAVE},
	{"all", no_argument, NULL, OPT_ALL},
	CRM_CLI_COMMON_OPTIONS,
	{NULL, 0, NULL, 0},
};

struct options {
	struct crm_common common;
	const char *unit, *horizon, *discount, *margin, *output;
	const char *cal_end_text;
	int64_t cal_end;
	bool have_cal_end, holdout, params, save, all, dash, have_format;
	enum crm_format format;
};

/* A decimal option value in [lo, hi]; a usage error otherwise. */
static double
real_option(const char *opt, const char *arg, double lo, double hi)
{
	char *end;
	double v = strtod(arg, &end);

	if (end == arg || *end != '\0' || !isfinite(v) || v < lo || v > hi)
		crm_cli_usage_error("option '%s': \"%s\" is not a number from %g to %g", opt, arg,
		                    lo, hi);
	return v;
}

static void
parse_options(int argc, char **argv, struct options *o)
{
	int opt;

	while ((opt = crm_cli_getopt(argc, argv, "u:H:o:" CRM_CLI_COMMON_SHORT, longopts)) != -1) {
		if (crm_cli_common(opt, optarg, &o->common, usage))
			continue;
		switch (opt) {
		case 'u':
			if (strcmp(optarg, "week") != 0 && strcmp(optarg, "day") != 0)
				crm_cli_usage_error("option '--unit': \"%s\" is not one of week, day",
				                    optarg);
			o->unit = optarg;
			break;
		case 'H':
			o->horizon = optarg;
			(void)crm_cli_number("--horizon", optarg, 1, 36500);
			break;
		case OPT_DISCOUNT:
			o->discount = optarg;
			(void)real_option("--discount-rate", optarg, 0, 0.999);
			break;
		case OPT_MARGIN:
			o->margin = optarg;
			(void)real_option("--margin", optarg, 0.001, 1);
			break;
		case OPT_CAL_END:
			if (crm_date_parse_iso(optarg, &o->cal_end) != 0)
				crm_cli_usage_error("option '--calibration-end': \"%s\" is not a date "
				                    "(YYYY-MM-DD)", optarg);
			o->cal_end_text = optarg;
			o->have_cal_end = true;
			break;
		case OPT_HOLDOUT:
			o->holdout = true;
			break;
		case OPT_PARAMS:
			o->params = true;
			break;
		case 'o':
			o->output = optarg;
			break;
		case OPT_FORMAT:
			o->format = crm_format_parse(optarg);
			o->have_format = true;
			break;
		case OPT_SAVE:
			o->save = true;
			break;
		case OPT_ALL:
			o->all = true;
			break;
		default:
			crm_cli_usage_error("unexpected option");
		}
	}
	o->dash = crm_cli_dash(argc, argv, o->all);
	if (o->holdout && !o->have_cal_end)
		crm_cli_usage_error("--holdout needs --calibration-end DATE");
	if (o->holdout && o->params)
		crm_cli_usage_error("--holdout and --params are separate views; give one");
	crm_cli_output(o->output, o->format == CRM_FORMAT_XLSX);
	if (!o->have_format)
		o->format = crm_format_default(o->common.tsv);
}

/* The settings in force: config, overridden by options. */
struct settings {
	int unit_days;          /* 7 or 1 */
	const char *unit_name;
	int horizon_days;
	double discount_rate, margin;
	int64_t today, cal_end; /* as-of day; end of the fitting period */
};

static struct settings
settings_of(const struct options *o, const struct crm_config *cfg)
{
	struct settings st;
	bool day = o->unit ? strcmp(o->unit, "day") == 0 : cfg->score_unit == CRM_UNIT_DAY;

	st.unit_days = day ? 1 : 7;
	st.unit_name = day ? "day" : "week";
	st.horizon_days = o->horizon ? (int)crm_cli_number("--horizon", o->horizon, 1, 36500) :
	    cfg->score_horizon_days;
	st.discount_rate = o->discount ? real_option("--discount-rate", o->discount, 0, 0.999) :
	    cfg->score_discount_rate;
	st.margin = o->margin ? real_option("--margin", o->margin, 0.001, 1) : cfg->score_margin;
	st.today = crm_cli_today(&o->common);
	st.cal_end = o->have_cal_end ? o->cal_end : st.today;
	if (st.cal_end > st.today)
		crm_cli_usage_error("--calibration-end %s is after today (the --as-of day); the "
		                    "holdout period runs from it to today", o->cal_end_text);
	return st;
}

/* The models fitted on the whole base. */
struct models {
	bool have_bg, have_gg;
	struct crm_btyd_bgnbd bg;
	struct crm_btyd_gg gg;
	struct crm_btyd_fit bg_fit, gg_fit;
	long long customers, repeaters;
};

/* A customer's BTYD summary in the chosen unit; false for a lead. */
struct rfmt {
	double x, t_x, T, m; /* m: mean repeat-day value, major units */
};

static bool
summary_of(const crm_summary *sum, const struct crm_customer *c, const struct settings *st,
           double scale, struct rfmt *out)
{
	const struct crm_purchase_days *pd = crm_summary_days(sum, c);

	if (pd == NULL || pd->days == 0)
		return false;
	out->x = pd->days - 1;
	out->t_x = (double)(c->last_order - c->first_order) / st->unit_days;
	out->T = (double)(st->cal_end - c->first_order) / st->unit_days;
	out->m = out->x > 0 ? (double)(c->monetary - pd->first_value) / scale / out->x : 0;
	return true;
}

static int
fit_models(crm_summary *sum, const struct settings *st, double scale, struct models *md)
{
	size_t n = crm_summary_count(sum), i, nb = 0, ns = 0;
	struct crm_btyd_obs *obs = crm_xreallocarray(NULL, n + 1, sizeof(*obs));
	struct crm_btyd_spend *sp = crm_xreallocarray(NULL, n + 1, sizeof(*sp));
	long long zero_spend = 0;
	struct rfmt f;
	int status = 0;

	for (i = 0; i < n; i++) {
		if (!summary_of(sum, crm_summary_at(sum, i), st, scale, &f))
			continue;
		obs[nb++] = (struct crm_btyd_obs){ f.x, f.t_x, f.T, 1 };
		if (f.x > 0) {
			md->repeaters++;
			/* Repeat purchases worth nothing carry no spend to model. */
			if (f.m > 0)
				sp[ns++] = (struct crm_btyd_spend){ f.x, f.m, 1 };
			else
				zero_spend++;
		}
	}
	md->customers = (long long)nb;
	if (crm_btyd_bgnbd_fit(obs, nb, &md->bg, &md->bg_fit) == CRM_BTYD_OK)
		md->have_bg = true;
	else {
		crm_warn("%s (purchase model, %lld buyers); p_alive, expected_purchases and "
		         "clv are left empty", md->bg_fit.error, md->customers);
		status = CRM_EX_DATAERR;
	}
	if (crm_btyd_gg_fit(sp, ns, &md->gg, &md->gg_fit) == CRM_BTYD_OK)
		md->have_gg = true;
	else {
		crm_warn("%s (spend model, %zu repeat buyers); expected_avg_spend and clv are "
		         "left empty", md->gg_fit.error, ns);
		status = CRM_EX_DATAERR;
	}
	if (zero_spend > 0)
		crm_warn("%lld repeat customers whose repeat purchases are all worth 0 were left "
		         "out of the spend model", zero_spend);
	free(obs);
	free(sp);
	return status;
}

/* Lead scoring: the configured rules, else the built-in ones. */
enum lead_name {
	L_CUSTOMER_ID, L_EXTERNAL_ID, L_NAME, L_DAYS_SINCE_CONTACT, L_INTERACTIONS,
	L_DAYS_SINCE_CREATED, L_OPEN_TICKETS, L_LAST_CSAT, L_LAST_NPS, L_COUNT
};
static const char *const lead_names[L_COUNT] = {
	"customer_id", "external_id", "name", "days_since_contact", "interactions",
	"days_since_created", "open_tickets", "last_csat", "last_nps",
};

struct leads {
	crm_rule **rules;
	int *points;
	size_t n;
	const char **names;
	size_t nnames;
	crm_value *values;
};

static int
leads_init(struct leads *ld, const struct crm_config *cfg)
{
	crm_rule_error err;
	size_t i;
	int status = 0;

	ld->nnames = L_COUNT + CRM_NFIELDS;
	ld->names = crm_xcalloc(ld->nnames, sizeof(*ld->names));
	for (i = 0; i < L_COUNT; i++)
		ld->names[i] = lead_names[i];
	for (i = 0; i < CRM_NFIELDS; i++)
		ld->names[L_COUNT + i] = crm_cfield_names[i];
	ld->values = crm_xcalloc(ld->nnames, sizeof(*ld->values));
	ld->n = cfg->nlead_points ? cfg->nlead_points : crm_lead_default_count;
	ld->rules = crm_xcalloc(ld->n, sizeof(*ld->rules));
	ld->points = crm_xcalloc(ld->n, sizeof(*ld->points));
	for (i = 0; i < ld->n; i++) {
		const char *expr = cfg->nlead_points ? cfg->lead_points[i].name :
		    crm_lead_default_rules[i].expr;

		ld->points[i] = cfg->nlead_points ? atoi(cfg->lead_points[i].expr) :
		    crm_lead_default_rules[i].points;
		ld->rules[i] = crm_rule_parse(expr, ld->names, ld->nnames, &err);
		if (ld->rules[i] == NULL) {
			if (!cfg->nlead_points)
				crm_die(CRM_EX_SOFTWARE, "built-in lead rule \"%s\": %s", expr,
				        err.message);
			crm_warn("%s:%ld: score.lead_points: \"%s\": column %d: %s",
			         cfg->path ? cfg->path : "config", cfg->lead_points[i].line, expr,
			         err.column, err.message);
			status = CRM_EX_CONFIG;
		}
	}
	return status;
}

static int
lead_score(struct leads *ld, const crm_summary *sum, const struct crm_customer *c,
           int64_t today)
{
	crm_value *v = ld->values;
	int score = 0;
	size_t i;

	v[L_CUSTOMER_ID] = crm_value_number((double)c->id);
	v[L_EXTERNAL_ID] = crm_value_text(crm_summary_external_id(sum, c));
	v[L_NAME] = crm_value_text(crm_summary_name(sum, c));
	v[L_DAYS_SINCE_CONTACT] = c->last_contact == CRM_NO_DAY ? crm_value_empty() :
	    crm_value_number((double)(today - c->last_contact));
	v[L_INTERACTIONS] = crm_value_number(c->interactions);
	v[L_DAYS_SINCE_CREATED] = c->created == CRM_NO_DAY ? crm_value_empty() :
	    crm_value_number((double)(today - c->created));
	v[L_OPEN_TICKETS] = crm_value_number(c->open_tickets);
	v[L_LAST_CSAT] = c->last_csat < 0 ? crm_value_empty() : crm_value_number(c->last_csat);
	v[L_LAST_NPS] = c->last_nps < 0 ? crm_value_empty() : crm_value_number(c->last_nps);
	for (i = 0; i < CRM_NFIELDS; i++)
		v[L_COUNT + i] = crm_value_text(crm_summary_field(sum, c, i));
	for (i = 0; i < ld->n; i++)
		if (crm_rule_eval(ld->rules[i], v))
			score += ld->points[i];
	return score < 0 ? 0 : score > 100 ? 100 : score;
}

static void
leads_free(struct leads *ld)
{
	size_t i;

	for (i = 0; i < ld->n; i++)
		crm_rule_free(ld->rules[i]);
	free(ld->rules);
	free(ld->points);
	free(ld->names);
	free(ld->values);
}

/* The model's figures per buyer (model_table_fill). */
struct model_table {
	double *p_alive, *expected, *dclv, *hold; /* by summary index; NAN if none */
};

/* One customer's scores; NAN where there is none. */
struct scores {
	bool buyer;
	struct rfmt f;
	double p_alive, expected, spend, clv, hold_actual, hold_predicted;
	int health, lead;
};

struct run {
	struct options *o;
	struct crm_config *cfg;
	struct settings st;
	crm_summary *sum;
	crm_stream *in;
	struct models md;
	struct leads leads;
	struct model_table mt;
	double scale;
	int digits;               /* minor-unit digits of the base currency */
};

/*
 * The model's figures per buyer, computed before the output loop: once per
 * distinct (x, t_x, T) — customers who bought on the same days share them —
 * and on two threads. CLV is kept per unit of spend (the discounted
 * expected purchases), since spend only scales it.
 */
struct tuple {
	double x, t_x, T;
	uint32_t idx;
};

static int
tuple_cmp(const void *pa, const void *pb)
{
	const struct tuple *a = pa, *b = pb;

	if (a->x != b->x)
		return a->x < b->x ? -1 : 1;
	if (a->T != b->T)
		return a->T < b->T ? -1 : 1;
	if (a->t_x != b->t_x)
		return a->t_x < b->t_x ? -1 : 1;
	return 0;
}

struct model_work {
	const struct models *md;
	const struct tuple *t;
	size_t lo, hi;
	struct model_table *mt;
	struct crm_btyd_horizon h;
	double horizon, holdout; /* in the unit; holdout 0: none */
};

static void *
model_work_run(void *arg)
{
	struct model_work *w = arg;
	const struct crm_btyd_bgnbd *bg = &w->md->bg;
	size_t i = w->lo, j, k;
	double pa, ex, dc, ho;

	while (i < w->hi) {
		for (j = i + 1; j < w->hi && tuple_cmp(&w->t[i], &w->t[j]) == 0; j++)
			;
		pa = crm_btyd_bgnbd_p_alive(bg, w->t[i].x, w->t[i].t_x, w->t[i].T);
		ex = crm_btyd_bgnbd_conditional(bg, w->t[i].x, w->t[i].t_x, w->t[i].T, w->horizon);
		dc = crm_btyd_clv(bg, &w->h, w->t[i].x, w->t[i].t_x, w->t[i].T, 1.0);
		ho = w->holdout > 0 ? crm_btyd_bgnbd_conditional(bg, w->t[i].x, w->t[i].t_x,
		                                                  w->t[i].T, w->holdout) : NAN;
		for (k = i; k < j; k++) {
			uint32_t idx = w->t[k].idx;

			w->mt->p_alive[idx] = pa;
			w->mt->expected[idx] = ex;
			w->mt->dclv[idx] = dc;
			w->mt->hold[idx] = ho;
		}
		i = j;
	}
	return NULL;
}

/* The CLV horizon: monthly steps, the annual rate spread over them. */
static struct crm_btyd_horizon
clv_horizon(const struct settings *st)
{
	struct crm_btyd_horizon h;
	int steps = (int)lround(st->horizon_days / 30.4375);

	if (steps < 1)
		steps = 1;
	h.steps = steps;
	h.step = (double)st->horizon_days / steps / st->unit_days;
	h.rate = pow(1 + st->discount_rate, (double)st->horizon_days / steps / 365.0) - 1;
	h.margin = st->margin;
	return h;
}

static void
model_table_fill(struct run *run, struct model_table *mt)
{
	size_t n = crm_summary_count(run->sum), nb = 0, i, mid;
	struct tuple *t = crm_xreallocarray(NULL, n + 1, sizeof(*t));
	struct model_work w[2];
	struct rfmt f;
	pthread_t helper;
	bool threaded;

	mt->p_alive = crm_xreallocarray(NULL, n + 1, sizeof(double));
	mt->expected = crm_xreallocarray(NULL, n + 1, sizeof(double));
	mt->dclv = crm_xreallocarray(NULL, n + 1, sizeof(double));
	mt->hold = crm_xreallocarray(NULL, n + 1, sizeof(double));
	for (i = 0; i < n; i++) {
		mt->p_alive[i] = mt->expected[i] = mt->dclv[i] = mt->hold[i] = NAN;
		if (run->md.have_bg &&
		    summary_of(run->sum, crm_summary_at(run->sum, i), &run->st, run->scale, &f))
			t[nb++] = (struct tuple){ f.x, f.t_x, f.T, (uint32_t)i };
	}
	qsort(t, nb, sizeof(*t), tuple_cmp);
	for (i = 0; i < 2; i++) {
		w[i].md = &run->md;
		w[i].t = t;
		w[i].mt = mt;
		w[i].h = clv_horizon(&run->st);
		w[i].horizon = (double)run->st.horizon_days / run->st.unit_days;
		w[i].holdout = run->o->have_cal_end ?
		    (double)(run->st.today - run->st.cal_end) / run->st.unit_days : 0;
	}
	/* Split at a group boundary so no tuple is computed twice. */
	for (mid = nb / 2; mid > 0 && mid < nb && tuple_cmp(&t[mid - 1], &t[mid]) == 0; mid++)
		;
	w[0].lo = 0, w[0].hi = mid;
	w[1].lo = mid, w[1].hi = nb;
	threaded = nb > 10000 && pthread_create(&helper, NULL, model_work_run, &w[1]) == 0;
	model_work_run(&w[0]);
	if (threaded) {
		if (pthread_join(helper, NULL) != 0)
			crm_die(CRM_EX_SOFTWARE, "cannot join the scoring thread");
	} else
		model_work_run(&w[1]);
	free(t);
}

static void
model_table_free(struct model_table *mt)
{
	free(mt->p_alive);
	free(mt->expected);
	free(mt->dclv);
	free(mt->hold);
}

static void
score_one(struct run *run, const struct crm_customer *c, struct scores *sc)
{
	const struct settings *st = &run->st;
	const struct models *md = &run->md;
	const struct crm_purchase_days *pd = crm_summary_days(run->sum, c);
	struct crm_health_input hi;
	size_t idx;

	sc->p_alive = sc->expected = sc->spend = sc->clv = NAN;
	sc->hold_actual = sc->hold_predicted = NAN;
	sc->health = sc->lead = -1;
	sc->buyer = summary_of(run->sum, c, st, run->scale, &sc->f);
	if (!sc->buyer) {
		sc->lead = lead_score(&run->leads, run->sum, c, st->cal_end);
		if (run->o->have_cal_end && pd != NULL)
			sc->hold_actual = pd->after_days;
		return;
	}
	idx = crm_summary_index(run->sum, c);
	if (md->have_bg) {
		sc->p_alive = run->mt.p_alive[idx];
		sc->expected = run->mt.expected[idx];
	}
	if (md->have_gg)
		sc->spend = crm_btyd_gg_spend(&md->gg, sc->f.x, sc->f.m);
	if (md->have_bg && md->have_gg)
		sc->clv = run->mt.dclv[idx] * sc->spend;
	hi = (struct crm_health_input){
		.recency_days = st->cal_end - c->last_order,
		.repeat = sc->f.x,
		.span_days = (double)(c->last_order - c->first_order),
		.recent_days = pd->recent_days,
		.prior_days = pd->prior_days,
		.open_tickets = c->open_tickets,
		.last_csat = c->last_csat,
		.last_nps = c->last_nps,
		.churn_days = run->cfg->lifecycle_churn_days,
	};
	sc->health = crm_health_score(&hi, run->cfg->health_weights);
	if (run->o->have_cal_end) {
		sc->hold_actual = pd->after_days;
		if (md->have_bg)
			sc->hold_predicted = run->mt.hold[idx];
	}
}

/* Output columns. */
static const char *const out_cols[] = {
	"frequency", "recency", "T", "p_alive", "churn_risk", "expected_purchases",
	"expected_avg_spend", "clv", "health", "lead_score", "holdout_actual",
	"holdout_predicted",
};
#define NOUT_BASE 10
#define NOUT_HOLD 12
/* Their types in a workbook (money: MONEY0 set from the currency). */
static const enum crm_coltype out_types[NOUT_HOLD] = {
	CRM_COL_INT, CRM_COL_DECIMAL, CRM_COL_DECIMAL, CRM_COL_DECIMAL, CRM_COL_DECIMAL,
	CRM_COL_DECIMAL, CRM_COL_MONEY0, CRM_COL_MONEY0, CRM_COL_INT, CRM_COL_INT, CRM_COL_INT,
	CRM_COL_DECIMAL,
};

static void
fmt_real(char *out, const char *spec, double v)
{
	if (isnan(v))
		*out = '\0';
	else
		snprintf(out, 32, spec, v);
}

/* Money in major units with the base currency's decimals (JPY none). */
static void
fmt_money(char *out, double v, int digits)
{
	if (isnan(v))
		*out = '\0';
	else
		snprintf(out, 32, "%.*f", digits, v);
}

static void
format_scores(const struct run *run, const struct scores *sc, char (*t)[32], const char **out)
{
	bool day = run->st.unit_days == 1;
	size_t i;

	for (i = 0; i < NOUT_HOLD; i++)
		t[i][0] = '\0';
	if (sc->buyer) {
		snprintf(t[0], 32, "%.0f", sc->f.x);
		fmt_real(t[1], day ? "%.0f" : "%.2f", sc->f.t_x);
		fmt_real(t[2], day ? "%.0f" : "%.2f", sc->f.T);
	}
	fmt_real(t[3], "%.4f", sc->p_alive);
	fmt_real(t[4], "%.4f", isnan(sc->p_alive) ? NAN : 1 - sc->p_alive);
	fmt_real(t[5], "%.4f", sc->expected);
	fmt_money(t[6], sc->spend, run->digits);
	fmt_money(t[7], sc->clv, run->digits);
	if (sc->health >= 0)
		snprintf(t[8], 32, "%d", sc->health);
	if (sc->lead >= 0)
		snprintf(t[9], 32, "%d", sc->lead);
	fmt_real(t[10], "%.0f", sc->hold_actual);
	fmt_real(t[11], "%.4f", sc->hold_predicted);
	for (i = 0; i < NOUT_HOLD; i++)
		out[i] = t[i];
}

/* --params: param,value rows. */
static int
write_params(const struct run *run)
{
	static const char *const header[] = { "param", "value" };
	const struct models *md = &run->md;
	struct { const char *name; double v; bool have; } rows[] = {
		{ "r", md->bg.r, md->have_bg }, { "alpha", md->bg.alpha, md->have_bg },
		{ "a", md->bg.a, md->have_bg }, { "b", md->bg.b, md->have_bg },
		{ "ll", md->bg_fit.ll, md->have_bg },
		{ "p", md->gg.p, md->have_gg }, { "q", md->gg.q, md->have_gg },
		{ "gamma", md->gg.gamma, md->have_gg }, { "gg_ll", md->gg_fit.ll, md->have_gg },
		{ "customers", (double)md->customers, true },
		{ "repeaters", (double)md->repeaters, true },
	};
	crm_table *t = crm_table_new(header, 2);
	char val[32];
	const char *cells[2];
	size_t i;
	int status;

	crm_table_set_name(t, "params");
	crm_table_set_type(t, 1, CRM_COL_DECIMAL);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (!rows[i].have)
			val[0] = '\0';
		else if (i >= 9)
			snprintf(val, sizeof val, "%.0f", rows[i].v);
		else if (strcmp(rows[i].name, "ll") == 0 || strcmp(rows[i].name, "gg_ll") == 0)
			snprintf(val, sizeof val, "%.4f", rows[i].v);
		else
			snprintf(val, sizeof val, "%.6g", rows[i].v);
		cells[0] = rows[i].name;
		cells[1] = val;
		crm_table_add(t, cells);
	}
	status = crm_table_write(t, stdout, run->o->format, run->o->common.excel_safe);
	crm_table_free(t);
	if (!run->o->common.quiet)
		fprintf(stderr, "crm-score: unit %s, calibration to %s\n", run->st.unit_name,
		        run->o->cal_end_text ? run->o->cal_end_text : "today");
	return status;
}

/* --holdout: by calibration frequency x = 0 .. 6, 7+, and all. */
struct holdout {
	long long n[9];
	double actual[9], predicted[9];
	double sa, sp, saa, spp, sap; /* for the correlation */
	long long count;
};

static void
holdout_add(struct holdout *hd, const struct scores *sc)
{
	int g;

	if (!sc->buyer || isnan(sc->hold_predicted))
		return;
	g = sc->f.x >= 7 ? 7 : (int)sc->f.x;
	hd->n[g]++, hd->n[8]++;
	hd->actual[g] += sc->hold_actual, hd->actual[8] += sc->hold_actual;
	hd->predicted[g] += sc->hold_predicted, hd->predicted[8] += sc->hold_predicted;
	hd->sa += sc->hold_actual, hd->sp += sc->hold_predicted;
	hd->saa += sc->hold_actual * sc->hold_actual;
	hd->spp += sc->hold_predicted * sc->hold_predicted;
	hd->sap += sc->hold_actual * sc->hold_predicted;
	hd->count++;
}

static int
write_holdout(const struct run *run, const struct holdout *hd)
{
	static const char *const header[] = {
		"frequency", "customers", "actual", "predicted", "actual_mean", "predicted_mean"
	};
	static const char *const label[9] = { "0", "1", "2", "3", "4", "5", "6", "7+", "all" };
	char c[6][32], today[16];
	const char *cells[6];
	static const enum crm_coltype types[6] = {
		CRM_COL_TEXT, CRM_COL_INT, CRM_COL_INT, CRM_COL_DECIMAL, CRM_COL_DECIMAL,
		CRM_COL_DECIMAL
	};
	crm_table *t = crm_table_new(header, 6);
	double n = (double)hd->count, cov, va, vp;
	int g, status;

	crm_table_set_name(t, "holdout");
	crm_table_set_types(t, types);
	for (g = 0; g < 9; g++) {
		snprintf(c[1], 32, "%lld", hd->n[g]);
		snprintf(c[2], 32, "%.0f", hd->actual[g]);
		snprintf(c[3], 32, "%.1f", hd->predicted[g]);
		fmt_real(c[4], "%.4f", hd->n[g] ? hd->actual[g] / hd->n[g] : NAN);
		fmt_real(c[5], "%.4f", hd->n[g] ? hd->predicted[g] / hd->n[g] : NAN);
		cells[0] = label[g];
		for (int k = 1; k < 6; k++)
			cells[k] = c[k];
		crm_table_add(t, cells);
	}
	status = crm_table_write(t, stdout, run->o->format, run->o->common.excel_safe);
	crm_table_free(t);
	cov = hd->sap - hd->sa * hd->sp / n;
	va = hd->saa - hd->sa * hd->sa / n;
	vp = hd->spp - hd->sp * hd->sp / n;
	crm_date_format(run->st.today, today);
	if (!run->o->common.quiet && n > 1 && va > 0 && vp > 0)
		fprintf(stderr, "crm-score: holdout after %s to %s (%.1f %ss): correlation of "
		        "actual and predicted purchases per customer %.3f\n", run->o->cal_end_text,
		        today, (double)(run->st.today - run->st.cal_end) / run->st.unit_days,
		        run->st.unit_name, cov / sqrt(va * vp));
	return status;
}

/* --save: the run's parameters and one row per customer written. */
struct saver {
	crm_store *store;
	sqlite3_stmt *insert;
	char day[16];
};

static void
bind_real(crm_store *s, sqlite3_stmt *st, int i, double v, bool have)
{
	int rc = have && !isnan(v) ? sqlite3_bind_double(st, i, v) : sqlite3_bind_null(st, i);

	if (rc != SQLITE_OK)
		crm_store_die(s, rc, "bind");
}

static void
saver_start(struct saver *sv, crm_store *s, const struct run *run)
{
	const struct models *md = &run->md;
	sqlite3_stmt *st;

	sv->store = s;
	crm_date_format(run->st.cal_end, sv->day);
	crm_store_begin(s);
	st = crm_store_prepare(s, "INSERT OR REPLACE INTO score_runs (day, unit, horizon_days, "
	    "discount_rate, margin, r, alpha, a, b, ll, p, q, gamma, gg_ll, customers, "
	    "repeaters, saved_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
	    "?13, ?14, ?15, ?16, datetime('now'))");
	crm_store_bind_text(s, st, 1, sv->day);
	crm_store_bind_text(s, st, 2, run->st.unit_name);
	crm_store_bind_int(s, st, 3, run->st.horizon_days);
	bind_real(s, st, 4, run->st.discount_rate, true);
	bind_real(s, st, 5, run->st.margin, true);
	bind_real(s, st, 6, md->bg.r, md->have_bg);
	bind_real(s, st, 7, md->bg.alpha, md->have_bg);
	bind_real(s, st, 8, md->bg.a, md->have_bg);
	bind_real(s, st, 9, md->bg.b, md->have_bg);
	bind_real(s, st, 10, md->bg_fit.ll, md->have_bg);
	bind_real(s, st, 11, md->gg.p, md->have_gg);
	bind_real(s, st, 12, md->gg.q, md->have_gg);
	bind_real(s, st, 13, md->gg.gamma, md->have_gg);
	bind_real(s, st, 14, md->gg_fit.ll, md->have_gg);
	crm_store_bind_int(s, st, 15, md->customers);
	crm_store_bind_int(s, st, 16, md->repeaters);
	crm_store_step(s, st);
	sqlite3_finalize(st);
	sv->insert = crm_store_prepare(s, "INSERT OR REPLACE INTO score_history (day, "
	    "customer_id, p_alive, expected_purchases, expected_avg_spend, clv, health, "
	    "lead_score) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
}

static void
saver_add(struct saver *sv, const struct crm_customer *c, const struct scores *sc)
{
	sqlite3_stmt *st = sv->insert;

	crm_store_bind_text(sv->store, st, 1, sv->day);
	crm_store_bind_int(sv->store, st, 2, c->id);
	bind_real(sv->store, st, 3, sc->p_alive, true);
	bind_real(sv->store, st, 4, sc->expected, true);
	bind_real(sv->store, st, 5, sc->spend, true);
	bind_real(sv->store, st, 6, sc->clv, true);
	if (sc->health >= 0)
		crm_store_bind_int(sv->store, st, 7, sc->health);
	else
		crm_store_bind_null(sv->store, st, 7);
	if (sc->lead >= 0)
		crm_store_bind_int(sv->store, st, 8, sc->lead);
	else
		crm_store_bind_null(sv->store, st, 8);
	crm_store_step(sv->store, st);
	sqlite3_reset(st);
}

static int
run_customers(struct run *run, crm_store *s)
{
	struct options *o = run->o;
	bool stream_out = !o->params && !o->holdout;
	size_t ncols = o->have_cal_end ? NOUT_HOLD : NOUT_BASE, i;
	const char *vals[NOUT_HOLD + 3], *hdr[NOUT_HOLD + 3];
	enum crm_coltype types[NOUT_HOLD + 3] = { CRM_COL_INT }; /* 1, 2: text */
	char text[NOUT_HOLD][32], idbuf[32];
	crm_out *w = NULL;
	struct holdout hd = {0};
	struct saver sv = {0};
	struct scores sc;
	long long count = 0;
	const struct crm_customer *c;
	size_t cursor = 0;
	int status = 0;

	if (stream_out) {
		/* Without a stream the key fields come first (ours, typed). */
		size_t at = run->in == NULL ? 3 : 0;

		w = crm_out_new(o->format == CRM_FORMAT_XLSX ? CRM_FORMAT_XLSX : o->common.tsv ?
		                CRM_FORMAT_TSV : CRM_FORMAT_CSV, o->common.excel_safe, "scores");
		hdr[0] = "customer_id", hdr[1] = "external_id", hdr[2] = "name";
		for (i = 0; i < ncols; i++) {
			hdr[at + i] = out_cols[i];
			types[at + i] = out_types[i] == CRM_COL_MONEY0 ? CRM_COL_MONEY(run->digits) :
			    out_types[i];
		}
		crm_stream_out_header(run->in, w, hdr, types, ncols + at);
	}
	if (o->save)
		saver_start(&sv, s, run);
	while ((c = crm_summary_next(run->sum, run->in, &cursor, &status)) != NULL) {
		count++;
		crm_progress(&o->common, "crm-score", count);
		score_one(run, c, &sc);
		if (o->holdout)
			holdout_add(&hd, &sc);
		if (o->save)
			saver_add(&sv, c, &sc);
		if (!stream_out)
			continue;
		format_scores(run, &sc, text, run->in ? vals : vals + 3);
		if (run->in == NULL) {
			snprintf(idbuf, sizeof idbuf, "%lld", (long long)c->id);
			vals[0] = idbuf;
			vals[1] = crm_summary_external_id(run->sum, c);
			vals[2] = crm_summary_name(run->sum, c);
		}
		crm_stream_out_row(run->in, w, vals, run->in ? ncols : ncols + 3);
	}
	crm_progress_done(&o->common);
	if (w != NULL)
		crm_status_merge(&status, crm_out_close(w));
	else if (o->params)
		crm_status_merge(&status, write_params(run));
	else
		crm_status_merge(&status, write_holdout(run, &hd));
	if (o->save) {
		sqlite3_finalize(sv.insert);
		if (status == 0 || status == CRM_EX_DATAERR) {
			crm_store_commit(s);
			if (!o->common.quiet)
				fprintf(stderr, "crm-score: saved %lld customers' scores for %s\n", count,
				        sv.day);
		} else
			crm_store_rollback(s);
	}
	if (!o->common.quiet && stream_out && (status == 0 || status == CRM_EX_DATAERR))
		fprintf(stderr, "crm-score: %lld customers scored (%lld buyers, %lld repeat "
		        "buyers)\n", count, run->md.customers, run->md.repeaters);
	return status;
}

int
main(int argc, char **argv)
{
	struct options o = {0};
	struct run run = {0};
	crm_store *s;
	char *db;
	int status, fit_status;

	crm_diag_init(argv[0]);
	parse_options(argc, argv, &o);
	run.o = &o;
	if ((status = crm_config_load(o.common.config_path, &run.cfg)) != 0)
		return status;
	run.st = settings_of(&o, run.cfg);
	if ((status = leads_init(&run.leads, run.cfg)) != 0) {
		leads_free(&run.leads);
		crm_config_free(run.cfg);
		return status;
	}
	if (crm_input_choose(stdin, "<stdin>", o.dash, o.all || o.params || o.holdout,
	                     isatty(STDIN_FILENO), &run.in) == CRM_INPUT_STORE)
		run.in = NULL;

	/* The order scan reads on two connections (lib/summary.c). */
	crm_store_threads();
	db = crm_cli_db_path(&o.common);
	s = crm_store_open(db, false, run.cfg->busy_timeout_ms);
	free(db);
	run.sum = crm_summary_load_until(s, run.cfg, run.st.cal_end, run.st.today,
	                                 CRM_SUMMARY_FIELDS | CRM_SUMMARY_CONTACT |
	                                 CRM_SUMMARY_DAYS);
	run.scale = crm_summary_scale(run.sum);
	run.digits = crm_summary_digits(run.sum);
	fit_status = fit_models(run.sum, &run.st, run.scale, &run.md);
	model_table_fill(&run, &run.mt);
	status = run_customers(&run, s);
	crm_status_merge(&status, fit_status);

	leads_free(&run.leads);
	model_table_free(&run.mt);
	crm_summary_free(run.sum);
	if (run.in)
		crm_stream_close(run.in);
	crm_store_close(s);
	crm_config_free(run.cfg);
	return crm_cli_finish(status);
}
