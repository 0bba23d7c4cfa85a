/*
 * crm-report — the monthly KPI report: the figures of SPEC §8 for a period
 * against the period before, the same period last year and the owner's
 * targets, with trend, segments, cohorts, top customers and customers at
 * risk; text, CSV, TSV, JSON, Markdown, HTML, or a MIME message for
 * sendmail -t.
 *
 * Flow: options → configuration and language → where the customers come
 * from (stdin stream or the store) → the period → the store → one summary
 * scan feeding lib/kpi → tickets, answers, score runs → the document
 * (lib/report) → targets → output (lib/doc, or lib/mime around it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "date.h"
#include "diag.h"
#include "doc.h"
#include "i18n.h"
#include "kpi.h"
#include "mime.h"
#include "report.h"
#include "store.h"
#include "stream.h"
#include "summary.h"

static const char usage[] =
	"usage: crm-report [options] [-]\n"
	"KPIs of a period against the previous period, the same period last year\n"
	"and the configured targets, for every customer in the store or for the\n"
	"customer stream on standard input.\n"
	"\n"
	"  -p, --period P         2026-10 (a month), 2026-Q3 (a quarter) or 2026 (a\n"
	"                         year); default: the last full month before today\n"
	"      --from DATE        first day of a period of your own (with --to)\n"
	"      --to DATE|ADDR     its last day; with --mail an address to send to\n"
	"                         (may be repeated)\n"
	"      --by NAME          split the KPI table by a column of the input stream\n"
	"                         or a customer field (region, owner, source, ...)\n"
	"  -f, --format FMT       text, csv, tsv, json, markdown, html or xlsx (a\n"
	"                         workbook, a sheet per section; default: text on a\n"
	"                         terminal, else csv)\n"
	"  -o, --output FILE      write the report to FILE instead of standard output\n"
	"      --section NAME     only this section: kpi, trend, segments, cohorts,\n"
	"                         top or at-risk (may be repeated)\n"
	"      --cohorts N        months in the cohort triangle (default 12)\n"
	"      --top N            rows of the customer lists (default 10)\n"
	"      --check-targets    exit 1 when a KPI misses its target\n"
	"      --quiet-if-ok      print nothing when no KPI misses its target\n"
	"      --lang LANG        labels in en, zh-CN or zh-TW\n"
	"      --mail             write a MIME message (text and HTML) for sendmail -t\n"
	"      --subject TEXT     its subject (default: the report's title)\n"
	"      --explain          print the definitions in use and exit\n"
	"      --all              every customer in the store; ignore standard input\n"
	CRM_CLI_COMMON_HELP
	"\n"
	"Exit status: 0 ok, 1 a KPI missed its target (--check-targets), 64 usage,\n"
	"65 bad input stream, 66 no store, 74 I/O error, 75 store busy,\n"
	"78 configuration error (see crm-report(1)).\n";

enum {
	OPT_FROM = 1, OPT_TO, OPT_BY, OPT_SECTION, OPT_COHORTS, OPT_TOP, OPT_CHECK, OPT_QUIET_OK,
	OPT_LANG, OPT_MAIL, OPT_SUBJECT, OPT_EXPLAIN, OPT_ALL
};

static const struct option longopts[] = {
	{"period", required_argument, NULL, 'p'},
	{"from", required_argument, NULL, OPT_FROM},
	{"to", required_argument, NULL, OPT_TO},
	{"by", required_argument, NULL, OPT_BY},
	{"format", required_argument, NULL, 'f'},
	{"output", required_argument, NULL, 'o'},
	{"section", required_argument, NULL, OPT_SECTION},
	{"cohorts", required_argument, NULL, OPT_COHORTS},
	{"top", required_argument, NULL, OPT_TOP},
	{"check-targets", no_argument, NULL, OPT_CHECK},
	{"quiet-if-ok", no_argument, NULL, OPT_QUIET_OK},
	{"lang", required_argument, NULL, OPT_LANG},
	{"mail", no_argument, NULL, OPT_MAIL},
	{"subject", required_argument, NULL, OPT_SUBJECT},
	{"explain", no_argument, NULL, OPT_EXPLAIN},
	{"all", no_argument, NULL, OPT_ALL},
	CRM_CLI_COMMON_OPTIONS,
	{NULL, 0, NULL, 0},
};

struct options {
	struct crm_common common;
	const char *period, *by, *subject, *output;
	const char *to[16];
	size_t nto;
	int64_t from_day, to_day;
	bool have_from, have_to, have_format, check, quiet_ok, mail, explain, all, dash;
	int format, lang, cohorts, top;
	unsigned sections;
};

static void
parse_options(int argc, char **argv, struct options *o)
{
	int opt;

	o->lang = -3;
	while ((opt = crm_cli_getopt(argc, argv, "p:f:o:" CRM_CLI_COMMON_SHORT, longopts)) != -1) {
		if (crm_cli_common(opt, optarg, &o->common, usage))
			continue;
		switch (opt) {
		case 'p':
			o->period = optarg;
			break;
		case OPT_FROM:
			if (crm_date_parse_iso(optarg, &o->from_day) != 0)
				crm_cli_usage_error("option '--from': \"%s\" is not a date (YYYY-MM-DD)",
				                    optarg);
			o->have_from = true;
			break;
		case OPT_TO:
			/* A date ends a period; an address is a recipient (--mail). */
			if (strchr(optarg, '@') != NULL) {
				if (!crm_mime_address_ok(optarg))
					crm_cli_usage_error("option '--to': \"%s\" is not a plain "
					                    "address (name@example.com)", optarg);
				if (o->nto == sizeof(o->to) / sizeof(o->to[0]))
					crm_cli_usage_error("option '--to': at most 16 addresses");
				o->to[o->nto++] = optarg;
			} else if (crm_date_parse_iso(optarg, &o->to_day) == 0)
				o->have_to = true;
			else
				crm_cli_usage_error("option '--to': \"%s\" is neither a date "
				                    "(YYYY-MM-DD) nor an address", optarg);
			break;
		case OPT_BY:
			o->by = optarg;
			break;
		case 'f':
			if ((o->format = crm_doc_format_parse(optarg)) < 0)
				crm_cli_usage_error("option '--format': \"%s\" is not one of text, csv, "
				                    "tsv, json, markdown, html, xlsx", optarg);
			o->have_format = true;
			break;
		case 'o':
			o->output = optarg;
			break;
		case OPT_SECTION: {
			unsigned bit = crm_report_section_parse(optarg);

			if (bit == 0)
				crm_cli_usage_error("option '--section': \"%s\" is not one of kpi, "
				                    "trend, segments, cohorts, top, at-risk", optarg);
			o->sections |= bit;
			break;
		}
		case OPT_COHORTS:
			o->cohorts = (int)crm_cli_number("--cohorts", optarg, 1, CRM_KPI_MAX_COHORTS);
			break;
		case OPT_TOP:
			o->top = (int)crm_cli_number("--top", optarg, 1, 1000);
			break;
		case OPT_CHECK:
			o->check = true;
			break;
		case OPT_QUIET_OK:
			o->quiet_ok = true;
			break;
		case OPT_LANG:
			if ((o->lang = crm_lang_parse(optarg)) < 0)
				crm_cli_usage_error("option '--lang': \"%s\" is not one of en, zh-CN, "
				                    "zh-TW", optarg);
			break;
		case OPT_MAIL:
			o->mail = true;
			break;
		case OPT_SUBJECT:
			o->subject = optarg;
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
	if (o->period && (o->have_from || o->have_to))
		crm_cli_usage_error("--period and --from/--to contradict each other; give one");
	if (o->have_from != o->have_to)
		crm_cli_usage_error("--from and --to go together (a period of your own)");
	if (o->have_from && o->to_day < o->from_day)
		crm_cli_usage_error("--to is before --from");
	if (o->mail && o->nto == 0)
		crm_cli_usage_error("--mail needs at least one --to ADDRESS");
	if (!o->mail && (o->nto > 0 || o->subject))
		crm_cli_usage_error("--subject and --to ADDRESS go with --mail");
	if (o->mail && o->have_format)
		crm_cli_usage_error("--mail writes text and HTML; it takes no --format");
	crm_cli_output(o->output, o->have_format && o->format == CRM_DOC_XLSX && !o->explain);
	if (!o->have_format)
		o->format = isatty(STDOUT_FILENO) ? CRM_DOC_TEXT :
		    o->common.tsv ? CRM_DOC_TSV : CRM_DOC_CSV;
}

static struct crm_period
choose_period(const struct options *o, int64_t today)
{
	struct crm_period p;

	if (o->period != NULL) {
		if (crm_period_parse(o->period, &p) != 0)
			crm_cli_usage_error("option '--period': \"%s\" is not a month (2026-10), "
			                    "quarter (2026-Q3) or year (2026)", o->period);
		return p;
	}
	if (o->have_from)
		return crm_period_range((int32_t)o->from_day, (int32_t)o->to_day);
	return crm_period_default(today);
}

/* --by as a stream column (its index) or a customer field (*field). */
static int
by_column(const char *by, crm_stream *in, int *field)
{
	int col = -1;

	*field = -1;
	if (by == NULL)
		return -1;
	if (in != NULL)
		col = crm_index_of(by, crm_stream_header(in), crm_stream_ncols(in));
	if (col < 0 && (*field = crm_index_of(by, crm_cfield_names, CRM_NFIELDS)) < 0)
		crm_cli_usage_error("option '--by': \"%s\" is neither a column of the input "
		                    "stream nor a customer field (region, owner, source, city, "
		                    "country, industry, size, channel, status, tags)", by);
	return col;
}

/* The document in memory, in format f. */
static char *
render(const crm_doc *d, enum crm_doc_format f, size_t *len)
{
	char *buf = NULL;
	FILE *fp = open_memstream(&buf, len);

	if (fp == NULL)
		crm_die_errno(CRM_EX_SOFTWARE, "cannot render the report");
	crm_doc_write(d, fp, f, false);
	if (fclose(fp) != 0)
		crm_die_errno(CRM_EX_SOFTWARE, "cannot render the report");
	return buf;
}

static int
write_mail(const struct options *o, const crm_doc *d, const char *title)
{
	struct crm_mail m = { o->to, o->nto, NULL, o->subject ? o->subject : title, NULL, 0,
	                      NULL, 0, (int64_t)time(NULL) };
	char *text = render(d, CRM_DOC_TEXT, &m.text_len);
	char *html = render(d, CRM_DOC_HTML, &m.html_len);

	m.text = text;
	m.html = html;
	crm_mime_write(stdout, &m);
	free(text);
	free(html);
	return 0;
}

int
main(int argc, char **argv)
{
	struct options o = { 0 };
	struct crm_config *cfg;
	struct crm_kpi_setup setup = { 0 };
	struct crm_summary_hooks hooks;
	struct crm_report_opts ro;
	crm_stream *in = NULL;
	crm_summary *sum;
	crm_store *s;
	crm_kpi *k;
	crm_doc *d;
	int64_t *ids = NULL;
	char **labels = NULL, *db, *title;
	size_t nids = 0, misses, i;
	int status, col, field, bad_input = 0;

	crm_diag_init(argv[0]);
	parse_options(argc, argv, &o);
	if ((status = crm_config_load(o.common.config_path, &cfg)) != 0)
		return status;
	if (o.explain) {
		crm_report_explain(stdout, cfg);
		crm_config_free(cfg);
		return crm_cli_finish(0);
	}
	crm_i18n_init(o.lang >= 0 ? o.lang : cfg->report_lang);
	if (crm_input_choose(stdin, "<stdin>", o.dash, o.all, isatty(STDIN_FILENO), &in) ==
	    CRM_INPUT_STORE)
		in = NULL;
	col = by_column(o.by, in, &field);
	if (in != NULL)
		nids = crm_stream_read_all(in, col, &ids, &labels);

	setup.period = choose_period(&o, crm_cli_today(&o.common));
	setup.churn_days = cfg->lifecycle_churn_days;
	setup.cohort_months = o.cohorts ? o.cohorts : cfg->report_cohort_months;
	setup.stream = in != NULL;
	setup.ids = ids;
	setup.labels = labels;
	setup.nids = nids;
	setup.by_field = col >= 0 ? -1 : field;
	setup.cfg = cfg;
	k = crm_kpi_new(&setup);

	/* The order scan reads on two connections (lib/summary.c). */
	crm_store_threads();
	db = crm_cli_db_path(&o.common);
	s = crm_store_open(db, false, cfg->busy_timeout_ms);
	free(db);
	hooks = crm_kpi_hooks(k);
	sum = crm_summary_load_hooked(s, cfg, crm_cli_today(&o.common),
	                              field >= 0 ? CRM_SUMMARY_FIELDS : 0, &hooks);
	crm_kpi_finish(k, sum, s);
	if (crm_kpi_unknown(k) > 0) {
		crm_warn("<stdin>: %zu customer id%s not in the store; left out", crm_kpi_unknown(k),
		         crm_kpi_unknown(k) == 1 ? "" : "s");
		crm_status_merge(&bad_input, CRM_EX_DATAERR);
	}

	ro = (struct crm_report_opts){ o.mail ? CRM_DOC_HTML : (enum crm_doc_format)o.format,
	                               o.sections, o.by, o.top ? o.top : cfg->report_top };
	d = crm_report_build(k, sum, s, cfg, &ro);
	misses = crm_report_misses(k, cfg);
	if (o.quiet_ok && misses == 0)
		status = 0;
	else if (o.mail) {
		title = crm_xasprintf(crm_tr("KPI report %s"), crm_kpi_period(k, CRM_KPI_NOW)->label);
		status = write_mail(&o, d, title);
		free(title);
	} else
		status = crm_doc_write(d, stdout, (enum crm_doc_format)o.format,
		                       o.common.excel_safe);
	if (status == 0 && o.check && misses > 0)
		status = CRM_EX_FAIL;
	if (status == 0)
		status = bad_input;

	crm_doc_free(d);
	crm_kpi_free(k);
	crm_summary_free(sum);
	crm_store_close(s);
	for (i = 0; labels != NULL && i < nids; i++)
		free(labels[i]);
	free(labels);
	free(ids);
	if (in != NULL)
		crm_stream_close(in);
	crm_config_free(cfg);
	return crm_cli_finish(status);
}
