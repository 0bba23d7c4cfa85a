/*
 * crm-remind — every salesperson's follow-ups for today: cadence by
 * segment or stage, onboarding, complaint SLA escalations, win-back,
 * satisfaction call-backs, birthdays and anniversaries, and the owner's own
 * rules; stored, so a second run on the same day finds the same list.
 *
 * Flow: options → config → the command (run, list, done, snooze) → for a
 * run: customers (stdin stream or the store) → per-customer figures
 * (lib/summary) → RFM segment and lifecycle → each rule proposes reminders
 * with a key → one transaction: new keys inserted, open reminders whose
 * reason went away cancelled → the due list, in the chosen format.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "csvio.h"
#include "doc.h"
#include "date.h"
#include "diag.h"
#include "hash.h"
#include "lifecycle.h"
#include "mime.h"
#include "reclaim.h"
#include "render.h"
#include "rfm.h"
#include "rules.h"
#include "store.h"
#include "stream.h"
#include "summary.h"
#include "text.h"

static const char usage[] =
	"usage: crm-remind [options] [-]          reminders due as of today\n"
	"       crm-remind list [--status STATUS]  stored reminders\n"
	"       crm-remind done ID [--note TEXT]   mark done (logs an interaction)\n"
	"       crm-remind snooze ID --until DATE | --days N\n"
	"       crm-remind reclaim [--apply | --restore RUN]  customers due back to the\n"
	"                                          shared pool (公海)\n"
	"Follow-ups due today from the rules in the configuration (cadence, onboarding,\n"
	"complaint SLA, win-back, satisfaction, birthdays, anniversaries, own rules).\n"
	"\n"
	"  -o, --owner NAME       only the reminders of this owner\n"
	"      --by-owner         group the list by owner\n"
	"  -f, --format FMT       text, csv, tsv, json, ics or xlsx (default: text on\n"
	"                         a terminal, else csv)\n"
	"      --output FILE      write the list to FILE instead of standard output\n"
	"      --template FILE    message template with {{name}}-style placeholders\n"
	"      --status STATUS    list: open, done, snoozed, cancelled or all\n"
	"                         (default open)\n"
	"      --note TEXT        done: a note for the interaction logged\n"
	"      --until DATE       snooze: hide until DATE\n"
	"      --days N           snooze: hide for N days\n"
	"      --apply            reclaim: clear those customers' owner (logged as a run)\n"
	"      --restore RUN      reclaim: give run RUN's customers their owner back\n"
	"      --mask             show contacts masked (138****5678, z***@example.com)\n"
	"      --mail             one MIME message per owner (text and HTML) to the\n"
	"                         owner's address (remind.owner_emails), as an mbox\n"
	"                         stream for: formail -s /usr/sbin/sendmail -t\n"
	"      --subject TEXT     with --mail: the subject (default \"Follow-ups for\n"
	"                         OWNER, DATE\")\n"
	"      --from ADDR        with --mail: the From address\n"
	"      --all              every customer in the store; ignore standard input\n"
	CRM_CLI_COMMON_HELP
	"\n"
	"--as-of also takes \"DATE HH:MM\" for the SLA hour (a date alone is its end).\n"
	"Exit status: 0 ok, 64 usage, 65 unknown reminder or bad input stream, 66 no\n"
	"store, 74 I/O error, 75 store busy, 78 configuration error (see crm-remind(1)).\n";

enum {
	OPT_BY_OWNER = 1, OPT_TEMPLATE, OPT_STATUS, OPT_NOTE, OPT_UNTIL, OPT_DAYS, OPT_ALL,
	OPT_APPLY, OPT_RESTORE, OPT_MASK, OPT_MAIL, OPT_SUBJECT, OPT_FROM, OPT_OUTPUT
};

static const struct option longopts[] = {
	{"owner", required_argument, NULL, 'o'},
	{"by-owner", no_argument, NULL, OPT_BY_OWNER},
	{"format", required_argument, NULL, 'f'},
	{"template", required_argument, NULL, OPT_TEMPLATE},
	{"status", required_argument, NULL, OPT_STATUS},
	{"note", required_argument, NULL, OPT_NOTE},
	{"until", required_argument, NULL, OPT_UNTIL},
	{"days", required_argument, NULL, OPT_DAYS},
	{"all", no_argument, NULL, OPT_ALL},
	{"apply", no_argument, NULL, OPT_APPLY},
	{"restore", required_argument, NULL, OPT_RESTORE},
	{"mask", no_argument, NULL, OPT_MASK},
	{"mail", no_argument, NULL, OPT_MAIL},
	{"subject", required_argument, NULL, OPT_SUBJECT},
	{"from", required_argument, NULL, OPT_FROM},
	{"output", required_argument, NULL, OPT_OUTPUT}, /* -o is --owner */
	CRM_CLI_COMMON_OPTIONS,
	{NULL, 0, NULL, 0},
};

enum command { CMD_RUN, CMD_LIST, CMD_DONE, CMD_SNOOZE, CMD_RECLAIM };
enum out_format { OUT_TEXT, OUT_CSV, OUT_TSV, OUT_JSON, OUT_ICS, OUT_XLSX };

struct options {
	struct crm_common common;
	enum command cmd;
	long long id;
	const char *owner, *template_path, *status, *note, *until;
	long long days, restore;
	bool by_owner, all, dash, have_format, apply, mask, mail;
	const char *subject, *from, *output;
	const struct crm_config *cfg; /* set once loaded */
	enum out_format format;
	int64_t today;     /* the --as-of day */
	int64_t now_secs;  /* seconds since 1970 of "now": the SLA clock */
};

static enum out_format
parse_format(const char *arg)
{
	static const char *const names[] = { "text", "csv", "tsv", "json", "ics", "xlsx" };
	size_t i;

	for (i = 0; i < 6; i++)
		if (strcmp(arg, names[i]) == 0)
			return (enum out_format)i;
	crm_cli_usage_error("option '--format': \"%s\" is not one of text, csv, tsv, json, ics, "
	                    "xlsx", arg);
}

static void
parse_options(int argc, char **argv, struct options *o)
{
	int opt;
	int64_t day;

	while ((opt = crm_cli_getopt(argc, argv, "o:f:" CRM_CLI_COMMON_SHORT, longopts)) != -1) {
		if (crm_cli_common(opt, optarg, &o->common, usage))
			continue;
		switch (opt) {
		case 'o':
			o->owner = optarg;
			break;
		case OPT_BY_OWNER:
			o->by_owner = true;
			break;
		case 'f':
			o->format = parse_format(optarg);
			o->have_format = true;
			break;
		case OPT_TEMPLATE:
			o->template_path = optarg;
			break;
		case OPT_STATUS:
			if (strcmp(optarg, "open") != 0 && strcmp(optarg, "done") != 0 &&
			    strcmp(optarg, "snoozed") != 0 && strcmp(optarg, "cancelled") != 0 &&
			    strcmp(optarg, "all") != 0)
				crm_cli_usage_error("option '--status': \"%s\" is not one of open, done, "
				                    "snoozed, cancelled, all", optarg);
			o->status = optarg;
			break;
		case OPT_NOTE:
			o->note = optarg;
			break;
		case OPT_UNTIL:
			if (crm_date_parse_iso(optarg, &day) != 0)
				crm_cli_usage_error("option '--until': \"%s\" is not a date (YYYY-MM-DD)",
				                    optarg);
			o->until = optarg;
			break;
		case OPT_DAYS:
			o->days = crm_cli_number("--days", optarg, 1, 3650);
			break;
		case OPT_ALL:
			o->all = true;
			break;
		case OPT_APPLY:
			o->apply = true;
			break;
		case OPT_MASK:
			o->mask = true;
			break;
		case OPT_MAIL:
			o->mail = true;
			break;
		case OPT_SUBJECT:
			o->subject = optarg;
			break;
		case OPT_FROM:
			if (!crm_mime_address_ok(optarg))
				crm_cli_usage_error("option '--from': \"%s\" is not an e-mail address", optarg);
			o->from = optarg;
			break;
		case OPT_RESTORE:
			o->restore = crm_cli_number("--restore", optarg, 1, INT64_MAX);
			break;
		case OPT_OUTPUT:
			o->output = optarg;
			break;
		default:
			crm_cli_usage_error("unexpected option");
		}
	}
	if (optind < argc && strcmp(argv[optind], "list") == 0)
		o->cmd = CMD_LIST, optind++;
	else if (optind < argc && strcmp(argv[optind], "done") == 0)
		o->cmd = CMD_DONE, optind++;
	else if (optind < argc && strcmp(argv[optind], "snooze") == 0)
		o->cmd = CMD_SNOOZE, optind++;
	else if (optind < argc && strcmp(argv[optind], "reclaim") == 0)
		o->cmd = CMD_RECLAIM, optind++;
	if (o->cmd == CMD_DONE || o->cmd == CMD_SNOOZE) {
		if (optind >= argc)
			crm_cli_usage_error("%s needs a reminder ID", o->cmd == CMD_DONE ? "done" :
			                    "snooze");
		o->id = crm_cli_number("ID", argv[optind++], 1, INT64_MAX);
		/* options after the ID were already taken: getopt_long permutes */
	}
	if (o->cmd == CMD_RUN)
		o->dash = crm_cli_dash(argc, argv, o->all);
	else if (optind < argc)
		crm_cli_usage_error("unexpected argument \"%s\"", argv[optind]);
	if (o->cmd == CMD_SNOOZE && (o->until == NULL) == (o->days == 0))
		crm_cli_usage_error("snooze needs one of --until DATE or --days N");
	if (o->cmd != CMD_SNOOZE && (o->until || o->days))
		crm_cli_usage_error("--until and --days go with snooze");
	if (o->cmd != CMD_DONE && o->note)
		crm_cli_usage_error("--note goes with done");
	if (o->cmd != CMD_LIST && o->status)
		crm_cli_usage_error("--status goes with list");
	if ((o->subject || o->from) && !o->mail)
		crm_cli_usage_error("--subject and --from go with --mail");
	if (o->mail && (o->have_format || (o->cmd != CMD_RUN && o->cmd != CMD_LIST)))
		crm_cli_usage_error("--mail writes text and HTML for a run or list; it takes no --format");
	if (o->cmd != CMD_RECLAIM && (o->apply || o->restore))
		crm_cli_usage_error("--apply and --restore go with reclaim");
	if (o->apply && o->restore)
		crm_cli_usage_error("reclaim: give --apply or --restore, not both");
	if (o->cmd == CMD_RECLAIM && o->have_format && o->format != OUT_TEXT &&
	    o->format != OUT_CSV && o->format != OUT_TSV)
		crm_cli_usage_error("reclaim writes text, csv or tsv");
	crm_cli_output(o->output, o->format == OUT_XLSX && (o->cmd == CMD_RUN || o->cmd == CMD_LIST));
	if (!o->have_format)
		o->format = isatty(STDOUT_FILENO) ? OUT_TEXT : o->common.tsv ? OUT_TSV : OUT_CSV;
	o->now_secs = crm_cli_now(&o->common);
	o->today = crm_cli_today(&o->common);
}

/* ---- the rules ------------------------------------------------------- */

/* Shipped cadences (days between follow-ups), used for the names the
 * configuration does not set. RFM segments first, then lifecycle stages. */
static const struct { const char *name; int days; } default_rfm_cadence[] = {
	{ "champions", 30 }, { "cant_lose", 14 },
};
/* New customers are followed by onboarding, churned ones by win-back. */
static const struct { const char *name; int days; } default_lifecycle_cadence[] = {
	{ "lead", 14 }, { "reactivated", 14 }, { "at_risk", 21 }, { "loyal", 30 },
	{ "repeat", 45 }, { "active", 60 },
};
static const int onboarding_days[] = { 3, 7, 30 };

/* Everything the rules need, resolved once. */
struct plan {
	const struct crm_config *cfg;
	int cadence_rfm[CRM_SEG_COUNT];      /* days, 0 = none */
	int cadence_lc[CRM_LC_COUNT];
	crm_rule **rules;                    /* remind.rules, parsed */
	const char **names;
	size_t nnames;
	crm_value *values;
	struct crm_lifecycle_windows win;
	int64_t winback_threshold;           /* monetary (minor) of the top share */
	double scale;                        /* minor units per major unit */
};

static int
plan_cadences(struct plan *p)
{
	const struct crm_config *c = p->cfg;
	const char *path = c->path ? c->path : "config";
	size_t i;
	int k, status = 0;

	for (i = 0; i < sizeof(default_rfm_cadence) / sizeof(default_rfm_cadence[0]); i++)
		p->cadence_rfm[crm_index_of(default_rfm_cadence[i].name, crm_rfm_segment_names,
		                        CRM_SEG_COUNT)] = default_rfm_cadence[i].days;
	for (i = 0; i < sizeof(default_lifecycle_cadence) / sizeof(default_lifecycle_cadence[0]); i++)
		p->cadence_lc[crm_index_of(default_lifecycle_cadence[i].name, crm_lifecycle_names,
		                       CRM_LC_COUNT)] = default_lifecycle_cadence[i].days;
	for (i = 0; i < c->ncadence_rfm; i++) {
		if ((k = crm_index_of(c->cadence_rfm[i].name, crm_rfm_segment_names, CRM_SEG_COUNT)) < 0) {
			crm_warn("%s:%ld: remind.cadence_rfm.%s: no such RFM segment", path,
			         c->cadence_rfm[i].line, c->cadence_rfm[i].name);
			status = CRM_EX_CONFIG;
		} else
			p->cadence_rfm[k] = (int)c->cadence_rfm[i].value;
	}
	for (i = 0; i < c->ncadence_lifecycle; i++) {
		if ((k = crm_index_of(c->cadence_lifecycle[i].name, crm_lifecycle_names,
		                  CRM_LC_COUNT)) < 0) {
			crm_warn("%s:%ld: remind.cadence_lifecycle.%s: no such lifecycle stage", path,
			         c->cadence_lifecycle[i].line, c->cadence_lifecycle[i].name);
			status = CRM_EX_CONFIG;
		} else
			p->cadence_lc[k] = (int)c->cadence_lifecycle[i].value;
	}
	return status;
}

/* Names the custom rules may use. */
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

static int
plan_rules(struct plan *p, const crm_stream *in)
{
	const struct crm_config *c = p->cfg;
	size_t ncols = in ? crm_stream_ncols(in) : 0, i;
	const char *const *header = in ? crm_stream_header(in) : NULL;
	crm_rule_error err;
	int status = 0;

	p->nnames = R_COUNT + CRM_NFIELDS + ncols;
	p->names = crm_xcalloc(p->nnames, sizeof(*p->names));
	for (i = 0; i < R_COUNT; i++)
		p->names[i] = rule_names[i];
	for (i = 0; i < CRM_NFIELDS; i++)
		p->names[R_COUNT + i] = crm_cfield_names[i];
	for (i = 0; i < ncols; i++)
		p->names[R_COUNT + CRM_NFIELDS + i] = header[i];
	p->values = crm_xcalloc(p->nnames, sizeof(*p->values));
	p->rules = crm_xcalloc(c->nremind_rules + 1, sizeof(*p->rules));
	for (i = 0; i < c->nremind_rules; i++) {
		p->rules[i] = crm_rule_parse(c->remind_rules[i].expr, p->names, p->nnames, &err);
		if (p->rules[i] == NULL) {
			crm_warn("%s:%ld: remind.rules.%s: column %d: %s", c->path ? c->path : "config",
			         c->remind_rules[i].line, c->remind_rules[i].name, err.column,
			         err.message);
			status = CRM_EX_CONFIG;
		}
	}
	return status;
}

static void
plan_free(struct plan *p)
{
	size_t i;

	for (i = 0; i < p->cfg->nremind_rules && p->rules; i++)
		crm_rule_free(p->rules[i]);
	free(p->rules);
	free(p->names);
	free(p->values);
}


/* One reminder a rule proposes. */
struct proposal {
	char key[96];
	int64_t customer_id;
	int64_t ticket_id;   /* 0: none */
	const char *rule;
	int64_t due;
	const char *priority;
	char reason[256];
	const char *escalate_to;
};

/* Proposals of one run, then reconciled with the store. */
struct proposals {
	struct proposal *v;
	size_t n, cap;
};

static struct proposal *
propose(struct proposals *ps, const char *rule, int64_t customer_id, int64_t due,
        const char *priority)
{
	struct proposal *p;

	if (ps->n == ps->cap) {
		ps->cap = ps->cap ? 2 * ps->cap : 256;
		ps->v = crm_xreallocarray(ps->v, ps->cap, sizeof(*ps->v));
	}
	p = &ps->v[ps->n++];
	memset(p, 0, sizeof(*p));
	p->rule = rule;
	p->customer_id = customer_id;
	p->due = due;
	p->priority = priority;
	return p;
}

static void
set_key(struct proposal *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
set_key(struct proposal *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->key, sizeof p->key, fmt, ap);
	va_end(ap);
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

static void
rule_cadence(struct proposals *ps, const struct plan *p, const struct crm_customer *c,
             int seg, enum crm_lifecycle lc, int64_t today)
{
	int days = seg >= 0 && p->cadence_rfm[seg] ? p->cadence_rfm[seg] : p->cadence_lc[lc];
	const char *group = seg >= 0 && p->cadence_rfm[seg] ? crm_rfm_segment_names[seg] :
	    crm_lifecycle_names[lc];
	int64_t touch = last_touch(c), due;
	struct proposal *pr;

	if (days <= 0 || touch == CRM_NO_DAY || lc == CRM_LC_CHURNED)
		return;
	due = touch + days;
	if (due > today)
		return;
	pr = propose(ps, "cadence", c->id, due, seg == CRM_SEG_CHAMPIONS ||
	             seg == CRM_SEG_CANT_LOSE ? "high" : "normal");
	set_key(pr, "cadence:%lld:%lld", (long long)c->id, (long long)due);
	snprintf(pr->reason, sizeof pr->reason, "no contact for %lld days; cadence for %s is %d",
	         (long long)(today - touch), group, days);
}

static void
rule_onboarding(struct proposals *ps, const struct crm_customer *c, int64_t today)
{
	size_t i;
	int64_t due;
	struct proposal *pr;

	if (c->first_order == CRM_NO_DAY)
		return;
	/* The latest onboarding step reached and not yet followed by contact. */
	for (i = sizeof(onboarding_days) / sizeof(onboarding_days[0]); i-- > 0;) {
		due = c->first_order + onboarding_days[i];
		if (due > today)
			continue;
		if (today - due > 14 || (c->last_contact != CRM_NO_DAY && c->last_contact >= due))
			return;
		pr = propose(ps, "onboarding", c->id, due, "normal");
		set_key(pr, "onboarding:%lld:%d", (long long)c->id, onboarding_days[i]);
		snprintf(pr->reason, sizeof pr->reason, "day %d after the first order (%lld days ago)",
		         onboarding_days[i], (long long)(today - c->first_order));
		return;
	}
}

static void
rule_winback(struct proposals *ps, const struct plan *p, const struct crm_customer *c,
             enum crm_lifecycle lc, int64_t today)
{
	struct proposal *pr;

	if (c->orders == 0 || c->monetary < p->winback_threshold ||
	    (lc != CRM_LC_AT_RISK && lc != CRM_LC_CHURNED))
		return;
	pr = propose(ps, "winback", c->id, today, "high");
	set_key(pr, "winback:%lld:%lld", (long long)c->id, (long long)c->last_order);
	snprintf(pr->reason, sizeof pr->reason, "top %d%% customer by spend, no order for %lld "
	         "days (%s)", p->cfg->remind_winback_percent,
	         (long long)(today - c->last_order), crm_lifecycle_names[lc]);
}

static void
rule_satisfaction(struct proposals *ps, const struct plan *p, const struct crm_customer *c,
                  int64_t today)
{
	int64_t day = CRM_NO_DAY;
	char what[32];
	struct proposal *pr;

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
	{
		char by[16];

		crm_date_format(day + p->cfg->remind_satisfaction_days, by);
		pr = propose(ps, "satisfaction", c->id, day, "high");
		set_key(pr, "satisfaction:%lld:%lld", (long long)c->id, (long long)day);
		snprintf(pr->reason, sizeof pr->reason, "answered %s, %lld days ago; call by %s", what,
		         (long long)(today - day), by);
	}
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
rule_dates(struct proposals *ps, const struct plan *p, const crm_summary *sum,
           const struct crm_customer *c, int64_t today)
{
	const char *birthday = crm_summary_field(sum, c, CRM_F_BIRTHDAY);
	int32_t bday = crm_summary_day(birthday);
	int64_t when, year;
	struct proposal *pr;

	if (bday != CRM_NO_DAY && (when = next_yearly(bday, today, &year)) != CRM_NO_DAY &&
	    when - today <= p->cfg->remind_birthday_days) {
		char on[16];

		crm_date_format(when, on);
		/* Due the day the reminder should first show: N days ahead. */
		pr = propose(ps, "birthday", c->id, when - p->cfg->remind_birthday_days, "low");
		set_key(pr, "birthday:%lld:%lld", (long long)c->id, (long long)year);
		snprintf(pr->reason, sizeof pr->reason, "birthday on %s, in %lld days", on,
		         (long long)(when - today));
	}
	if (c->first_order != CRM_NO_DAY && (when = next_yearly(c->first_order, today, &year)) !=
	    CRM_NO_DAY && when > c->first_order && when - today <= p->cfg->remind_anniversary_days) {
		int64_t fy;
		int fm, fd;

		crm_civil_from_days(c->first_order, &fy, &fm, &fd);
		pr = propose(ps, "anniversary", c->id, when - p->cfg->remind_anniversary_days, "low");
		set_key(pr, "anniversary:%lld:%lld", (long long)c->id, (long long)year);
		snprintf(pr->reason, sizeof pr->reason, "%lld years since the first order, in %lld "
		         "days", (long long)(year - fy), (long long)(when - today));
	}
}

static void
fill_rule_values(struct plan *p, const crm_summary *sum, const struct crm_customer *c,
                 int seg, enum crm_lifecycle lc, int64_t today, const crm_stream *in)
{
	crm_value *v = p->values;
	bool orders = c->orders > 0;
	size_t i;

	v[R_CUSTOMER_ID] = crm_value_number((double)c->id);
	v[R_EXTERNAL_ID] = crm_value_text(crm_summary_external_id(sum, c));
	v[R_NAME] = crm_value_text(crm_summary_name(sum, c));
	v[R_RECENCY] = orders ? crm_value_number((double)(today - c->last_order)) :
	    crm_value_empty();
	v[R_FREQUENCY] = crm_value_number(c->orders);
	v[R_MONETARY] = crm_value_number((double)c->monetary / p->scale);
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

		for (i = 0; i < crm_stream_ncols(in); i++)
			v[R_COUNT + CRM_NFIELDS + i] = crm_value_text(f[i]);
	}
}

/* Custom rules fire while they hold, at most once per rule_every_days
 * without contact: the key carries the last contact, so a follow-up logged
 * (done) starts a new round only if the rule still holds after it. */
static void
rule_custom(struct proposals *ps, struct plan *p, const struct crm_customer *c, int64_t today)
{
	const struct crm_config *cfg = p->cfg;
	int64_t touch = last_touch(c);
	struct proposal *pr;
	size_t i;

	if (touch != CRM_NO_DAY && today - touch < cfg->remind_rule_every_days &&
	    c->last_contact != CRM_NO_DAY)
		return;
	for (i = 0; i < cfg->nremind_rules; i++) {
		if (!crm_rule_eval(p->rules[i], p->values))
			continue;
		pr = propose(ps, cfg->remind_rules[i].name, c->id, today, "normal");
		set_key(pr, "rule:%s:%lld:%lld", cfg->remind_rules[i].name, (long long)c->id,
		        (long long)(c->last_contact == CRM_NO_DAY ? 0 : c->last_contact));
		snprintf(pr->reason, sizeof pr->reason, "rule %s: %s", cfg->remind_rules[i].name,
		         cfg->remind_rules[i].expr);
	}
}

/* Open tickets past their severity's limit: escalations. */
static void
rule_sla(struct proposals *ps, const struct plan *p, crm_store *s, crm_summary *sum,
         const struct options *o, const uint8_t *selected)
{
	sqlite3_stmt *st = crm_store_prepare(s, "SELECT id, customer_id, opened_at, severity, "
	    "coalesce(category, ''), coalesce(ticket_no, id) FROM tickets WHERE status = 'open' "
	    "AND resolved_at IS NULL");
	struct crm_datetime dt;
	struct proposal *pr;

	while (crm_store_step(s, st) == SQLITE_ROW) {
		struct crm_customer *c = crm_summary_find(sum, sqlite3_column_int64(st, 1));
		const char *opened = (const char *)sqlite3_column_text(st, 2);
		const char *severity = (const char *)sqlite3_column_text(st, 3);
		long hours = crm_config_sla_hours(p->cfg, severity);
		int64_t opened_secs, limit;

		if (c == NULL || !selected[crm_summary_index(sum, c)] ||
		    crm_date_parse(opened, CRM_DATE_YMD, false, &dt) != 0)
			continue;
		opened_secs = dt.days * 86400 + dt.secs;
		limit = opened_secs + hours * 3600;
		if (opened_secs > o->now_secs || limit > o->now_secs)
			continue;
		pr = propose(ps, "sla", c->id, limit / 86400, "urgent");
		pr->ticket_id = sqlite3_column_int64(st, 0);
		pr->escalate_to = p->cfg->remind_manager && *p->cfg->remind_manager ?
		    p->cfg->remind_manager : NULL;
		set_key(pr, "sla:%lld", (long long)pr->ticket_id);
		snprintf(pr->reason, sizeof pr->reason, "%s ticket %s%s%s open for %lld hours; "
		         "the limit is %ld", severity, sqlite3_column_text(st, 5),
		         *sqlite3_column_text(st, 4) ? " about " : "", sqlite3_column_text(st, 4),
		         (long long)((o->now_secs - opened_secs) / 3600), hours);
	}
	sqlite3_finalize(st);
}

static int
i64_cmp(const void *pa, const void *pb)
{
	int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;

	return (a > b) - (a < b);
}

/* The least spend among the top winback_top_percent of buyers (INT64_MAX
 * with no buyer). */
static int64_t
winback_threshold(crm_summary *sum, int percent)
{
	size_t n = crm_summary_count(sum), k = 0, i, rank;
	int64_t *m = crm_xreallocarray(NULL, n + 1, sizeof(*m)), t = INT64_MAX;

	for (i = 0; i < n; i++)
		if (crm_summary_at(sum, i)->orders > 0)
			m[k++] = crm_summary_at(sum, i)->monetary;
	if (k > 0) {
		qsort(m, k, sizeof(*m), i64_cmp);
		rank = (size_t)ceil((double)k * percent / 100.0);
		t = m[k - (rank < 1 ? 1 : rank)];
	}
	free(m);
	return t;
}

/* ---- the store ------------------------------------------------------- */

/*
 * The store side of a run, one transaction. The reminders that can still
 * change (open, snoozed, cancelled) are read once into a hash by key, so a
 * proposal costs a lookup in memory, not a query: a new key is inserted, a
 * known one has its reason brought up to date (or, cancelled, is opened
 * again), and at the end the open and snoozed reminders of the customers
 * looked at that nobody proposed are cancelled — their reason went away.
 */
struct known {
	int64_t id, customer_id;
	uint64_t what;   /* hash of reason, priority and addressee */
	char status;     /* 'o'pen, 's'noozed, 'c'ancelled */
	bool seen;       /* proposed in this run */
};

struct reconciler {
	crm_store *s;
	sqlite3_stmt *ins, *upd;
	const char *now;
	crm_hash *by_key;   /* key → index in known */
	struct known *known;
	size_t nknown;
	long long added, cancelled;
};

static uint64_t
what_hash(const char *reason, const char *priority, const char *escalate_to)
{
	uint64_t h = crm_fnv1a(reason, strlen(reason), CRM_FNV_SEED);

	h = crm_fnv1a(priority, strlen(priority) + 1, h);
	return escalate_to ? crm_fnv1a(escalate_to, strlen(escalate_to) + 1, h) : h;
}

static void
reconcile_begin(struct reconciler *rc, crm_store *s, const char *now)
{
	sqlite3_stmt *st;
	size_t cap = 0;

	rc->s = s;
	rc->now = now;
	crm_store_begin(s);
	rc->by_key = crm_hash_new();
	st = crm_store_prepare(s, "SELECT id, key, customer_id, status, reason, priority, "
	    "escalate_to FROM reminders WHERE status IN ('open', 'snoozed', 'cancelled')");
	while (crm_store_step(s, st) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(st, 1);

		if (rc->nknown == cap) {
			cap = cap ? 2 * cap : 1024;
			rc->known = crm_xreallocarray(rc->known, cap, sizeof(*rc->known));
		}
		rc->known[rc->nknown] = (struct known){
			.id = sqlite3_column_int64(st, 0),
			.customer_id = sqlite3_column_int64(st, 2),
			.what = what_hash((const char *)sqlite3_column_text(st, 4),
			                  (const char *)sqlite3_column_text(st, 5),
			                  (const char *)sqlite3_column_text(st, 6)),
			.status = *(const char *)sqlite3_column_text(st, 3),
		};
		crm_hash_put(rc->by_key, key, strlen(key), (int64_t)rc->nknown++);
	}
	sqlite3_finalize(st);
	/* A done reminder's key is not in the hash: the insert finds it and
	 * does nothing, so a done occasion does not come back. */
	rc->ins = crm_store_prepare(s, "INSERT OR IGNORE INTO reminders (key, customer_id, "
	    "ticket_id, rule, due, priority, reason, escalate_to, status, created_at, updated_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'open', ?9, ?9)");
	rc->upd = crm_store_prepare(s, "UPDATE reminders SET reason = ?2, priority = ?3, "
	    "escalate_to = ?4, updated_at = ?5, status = CASE status WHEN 'cancelled' THEN "
	    "'open' ELSE status END WHERE id = ?1");
}

static void
insert_proposal(struct reconciler *rc, const struct proposal *p)
{
	crm_store *s = rc->s;
	char due[16];

	crm_date_format(p->due, due);
	crm_store_bind_text(s, rc->ins, 1, p->key);
	crm_store_bind_int(s, rc->ins, 2, p->customer_id);
	if (p->ticket_id)
		crm_store_bind_int(s, rc->ins, 3, p->ticket_id);
	else
		crm_store_bind_null(s, rc->ins, 3);
	crm_store_bind_text(s, rc->ins, 4, p->rule);
	crm_store_bind_text(s, rc->ins, 5, due);
	crm_store_bind_text(s, rc->ins, 6, p->priority);
	crm_store_bind_text(s, rc->ins, 7, p->reason);
	crm_store_bind_text(s, rc->ins, 8, p->escalate_to);
	crm_store_bind_text(s, rc->ins, 9, rc->now);
	crm_store_step(s, rc->ins);
	rc->added += sqlite3_changes(crm_store_db(s)) > 0;
	sqlite3_reset(rc->ins);
}

/* Write ps and empty it. */
static void
reconcile_add(struct reconciler *rc, struct proposals *ps)
{
	crm_store *s = rc->s;
	struct known *k;
	int64_t at;
	uint64_t what;
	size_t i;

	for (i = 0; i < ps->n; i++) {
		const struct proposal *p = &ps->v[i];

		if (!crm_hash_get(rc->by_key, p->key, strlen(p->key), &at)) {
			insert_proposal(rc, p);
			continue;
		}
		k = &rc->known[at];
		k->seen = true;
		what = what_hash(p->reason, p->priority, p->escalate_to);
		if (k->status != 'c' && k->what == what)
			continue;
		crm_store_bind_int(s, rc->upd, 1, k->id);
		crm_store_bind_text(s, rc->upd, 2, p->reason);
		crm_store_bind_text(s, rc->upd, 3, p->priority);
		crm_store_bind_text(s, rc->upd, 4, p->escalate_to);
		crm_store_bind_text(s, rc->upd, 5, rc->now);
		crm_store_step(s, rc->upd);
		sqlite3_reset(rc->upd);
		rc->added += k->status == 'c'; /* opened again: new on the list */
		k->status = 'o';
		k->what = what;
	}
	ps->n = 0;
}

static void
reconcile_end(struct reconciler *rc, crm_summary *sum, const uint8_t *selected, bool quiet)
{
	crm_store *s = rc->s;
	sqlite3_stmt *cancel;
	size_t i;

	sqlite3_finalize(rc->ins);
	sqlite3_finalize(rc->upd);
	cancel = crm_store_prepare(s, "UPDATE reminders SET status = 'cancelled', updated_at = ?2 "
	    "WHERE id = ?1");
	for (i = 0; i < rc->nknown; i++) {
		const struct known *k = &rc->known[i];
		struct crm_customer *c;

		if (k->seen || k->status == 'c')
			continue;
		/* Only for the customers this run looked at (a stream's), and
		 * for customers gone from the store. */
		c = crm_summary_find(sum, k->customer_id);
		if (c != NULL && !selected[crm_summary_index(sum, c)])
			continue;
		crm_store_bind_int(s, cancel, 1, k->id);
		crm_store_bind_text(s, cancel, 2, rc->now);
		crm_store_step(s, cancel);
		sqlite3_reset(cancel);
		rc->cancelled++;
	}
	sqlite3_finalize(cancel);
	crm_store_commit(s);
	crm_hash_free(rc->by_key);
	free(rc->known);
	if (!quiet)
		fprintf(stderr, "crm-remind: %lld new reminders, %lld cancelled (their reason went "
		        "away)\n", rc->added, rc->cancelled);
}

/* ---- output ---------------------------------------------------------- */

enum col {
	C_ID, C_DUE, C_RULE, C_PRIORITY, C_CUSTOMER, C_NAME, C_OWNER, C_CHANNEL, C_CONTACT,
	C_REASON, C_MESSAGE, C_STATUS, C_NCOLS,
	C_ROWNO = C_NCOLS /* collected rows also keep their place in the list */
};
#define ROW_STRIDE (C_NCOLS + 1)
static const char *const col_names[C_NCOLS] = {
	"reminder_id", "due", "rule", "priority", "customer_id", "name", "owner", "channel",
	"contact", "reason", "message", "status",
};
/* Their types in a workbook: the rest, contacts above all, stay text. */
static const enum crm_coltype col_types[C_NCOLS] = {
	[C_ID] = CRM_COL_INT, [C_DUE] = CRM_COL_DATE, [C_CUSTOMER] = CRM_COL_INT,
};

/* A template: {{column}} replaced by the reminder's column of that name
 * (crm_render_template: nothing else interpreted). */
static void
render_message(const char *tpl, char *const *cells, crm_buf *out)
{
	/* The message cannot name itself. */
	static const char *const names[C_NCOLS - 1] = {
		"reminder_id", "due", "rule", "priority", "customer_id", "name", "owner",
		"channel", "contact", "reason", "status",
	};
	const char *values[C_NCOLS - 1] = {
		cells[C_ID], cells[C_DUE], cells[C_RULE], cells[C_PRIORITY], cells[C_CUSTOMER],
		cells[C_NAME], cells[C_OWNER], cells[C_CHANNEL], cells[C_CONTACT], cells[C_REASON],
		cells[C_STATUS],
	};

	crm_render_template(tpl, names, values, C_NCOLS - 1, out);
}

static const char *
default_template(const char *rule, const char *contact)
{
	if (*contact == '\0')
		return strcmp(rule, "sla") == 0 ? "Escalation: {{name}} — {{reason}}." :
		    "Follow up with {{name}}: {{reason}}.";
	if (strcmp(rule, "sla") == 0)
		return "Escalation: {{name}} — {{reason}}. Call {{contact}} today.";
	if (strcmp(rule, "winback") == 0)
		return "Win back {{name}}: {{reason}}. Reach them by {{channel}} ({{contact}}).";
	if (strcmp(rule, "satisfaction") == 0)
		return "Call {{name}} ({{contact}}) about their feedback: {{reason}}.";
	if (strcmp(rule, "birthday") == 0)
		return "Send {{name}} birthday wishes by {{channel}} ({{contact}}): {{reason}}.";
	if (strcmp(rule, "anniversary") == 0)
		return "Thank {{name}}: {{reason}}.";
	return "Follow up with {{name}} by {{channel}} ({{contact}}): {{reason}}.";
}

/* The rows to show, read back from the store. */
struct rows {
	char **cells; /* n × C_NCOLS */
	size_t n, cap;
};

static void
channel_and_contact(const crm_summary *sum, const struct crm_customer *c, const char **channel,
                    const char **contact)
{
	const char *pref = crm_summary_field(sum, c, CRM_F_PREFERRED_CHANNEL);
	const char *phone = crm_summary_field(sum, c, CRM_F_PHONE);
	const char *email = crm_summary_field(sum, c, CRM_F_EMAIL);

	if (strcmp(pref, "email") == 0 && *email) {
		*channel = "email", *contact = email;
	} else if (*pref && strcmp(pref, "email") != 0 && *phone) {
		*channel = pref, *contact = phone;
	} else if (*phone) {
		*channel = "phone", *contact = phone;
	} else if (*email) {
		*channel = "email", *contact = email;
	} else {
		*channel = *pref ? pref : "", *contact = "";
	}
}

/* Where rows go: streamed (CSV, TSV, JSON, iCalendar) or collected (text,
 * whose columns need their widths, and --by-owner, which sorts). */
struct sink {
	const struct options *o;
	crm_csv_writer *w;
	bool collect;
	struct rows rows;
	size_t n;
	char stamp[32];
};

static void sink_row(struct sink *k, char *const *cells);

static void
load_rows(crm_store *s, crm_summary *sum, const struct options *o, const char *tpl,
          const uint8_t *selected, struct sink *sink)
{
	const char *status = o->cmd == CMD_LIST ? (o->status ? o->status : "open") : "due";
	sqlite3_stmt *st = crm_store_prepare(s, "SELECT id, due, rule, priority, customer_id, "
	    "reason, escalate_to, status, snoozed_until FROM reminders WHERE (?1 = 'all' OR "
	    "(?1 = 'due' AND (status = 'open' OR (status = 'snoozed' AND snoozed_until <= ?2)) "
	    "AND due <= ?2) OR status = ?1) ORDER BY CASE priority WHEN 'urgent' THEN 0 WHEN "
	    "'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END, due, id");
	char today[16], num[32], cust[32], masked[256];
	char *cells[C_NCOLS];
	crm_buf msg = {0};

	crm_date_format(o->today, today);
	crm_store_bind_text(s, st, 1, status);
	crm_store_bind_text(s, st, 2, today);
	while (crm_store_step(s, st) == SQLITE_ROW) {
		struct crm_customer *c = crm_summary_find(sum, sqlite3_column_int64(st, 4));
		const char *owner, *channel = "", *contact = "", *esc;

		if (c == NULL || (selected && !selected[crm_summary_index(sum, c)]))
			continue;
		esc = (const char *)sqlite3_column_text(st, 6);
		owner = esc && *esc ? esc : crm_summary_field(sum, c, CRM_F_OWNER);
		if (o->owner && strcmp(owner, o->owner) != 0)
			continue;
		channel_and_contact(sum, c, &channel, &contact);
		cells[C_ID] = crm_fmt_int(sqlite3_column_int64(st, 0), num);
		cells[C_DUE] = (char *)sqlite3_column_text(st, 1);
		cells[C_RULE] = (char *)sqlite3_column_text(st, 2);
		cells[C_PRIORITY] = (char *)sqlite3_column_text(st, 3);
		cells[C_CUSTOMER] = crm_fmt_int(c->id, cust);
		cells[C_NAME] = (char *)crm_summary_name(sum, c);
		cells[C_OWNER] = (char *)owner;
		cells[C_CHANNEL] = (char *)channel;
		cells[C_CONTACT] = (char *)contact;
		if (o->mask) {
			crm_mask_contact(contact, masked, sizeof masked);
			cells[C_CONTACT] = masked;
		}
		cells[C_REASON] = (char *)sqlite3_column_text(st, 5);
		cells[C_STATUS] = (char *)sqlite3_column_text(st, 7);
		cells[C_MESSAGE] = (char *)"";
		render_message(tpl ? tpl : default_template(cells[C_RULE], cells[C_CONTACT]), cells,
		               &msg);
		cells[C_MESSAGE] = (char *)crm_buf_str(&msg);
		sink_row(sink, cells);
	}
	sqlite3_finalize(st);
	crm_buf_free(&msg);
}

/* --by-owner: by owner, then in the list's order (priority, due, id) —
 * which the row number keeps, as qsort is not stable. */
static bool by_owner_sort;

static int
owner_cmp(const void *a, const void *b)
{
	char *const *x = a, *const *y = b;
	int c = by_owner_sort ? strcmp(x[C_OWNER], y[C_OWNER]) : 0;
	long long ix = atoll(x[C_ROWNO]), iy = atoll(y[C_ROWNO]);

	return c != 0 ? c : (ix > iy) - (ix < iy);
}

static void
json_row(FILE *fp, char *const *cells, bool first)
{
	size_t c;

	fputs(first ? "\n  {" : ",\n  {", fp);
	for (c = 0; c < C_NCOLS; c++) {
		fprintf(fp, "%s\"%s\": ", c ? ", " : "", col_names[c]);
		if (c == C_ID || c == C_CUSTOMER)
			fputs(cells[c], fp);
		else
			crm_json_string(fp, cells[c]);
	}
	putc('}', fp);
}

/* One iCalendar content line: TEXT escaped (RFC 5545 3.3.11) and folded at
 * 75 octets without splitting a UTF-8 character (3.1), CRLF ends. */
static void
ics_line(FILE *fp, const char *name, const char *value, bool text)
{
	crm_buf b = {0};
	size_t i, col = 0, len;
	const char *s;

	crm_buf_puts(&b, name);
	crm_buf_putc(&b, ':');
	for (s = value; *s; s++) {
		if (text && (*s == '\\' || *s == ';' || *s == ','))
			crm_buf_putc(&b, '\\'), crm_buf_putc(&b, *s);
		else if (text && *s == '\n')
			crm_buf_puts(&b, "\\n");
		else if (*s != '\r')
			crm_buf_putc(&b, *s);
	}
	s = crm_buf_str(&b);
	len = b.len;
	for (i = 0; i < len; i++) {
		size_t clen = 1;
		unsigned char ch = (unsigned char)s[i];

		if (ch >= 0xf0)
			clen = 4;
		else if (ch >= 0xe0)
			clen = 3;
		else if (ch >= 0xc0)
			clen = 2;
		if (col + clen > 75) {
			fputs("\r\n ", fp);
			col = 1;
		}
		fwrite(s + i, 1, clen < len - i ? clen : len - i, fp);
		col += clen;
		i += clen - 1;
	}
	fputs("\r\n", fp);
	crm_buf_free(&b);
}

static void
ics_begin(FILE *fp, char *stamp)
{
	/* DTSTAMP is when the calendar was written, in UTC (RFC 5545 3.8.7.2). */
	time_t t = time(NULL);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(stamp, 32, "%Y%m%dT%H%M%SZ", &tm) == 0)
		crm_die(CRM_EX_SOFTWARE, "cannot read the clock");
	ics_line(fp, "BEGIN", "VCALENDAR", false);
	ics_line(fp, "VERSION", "2.0", false);
	ics_line(fp, "PRODID", "-//crm-tools//crm-remind//EN", false);
	ics_line(fp, "CALSCALE", "GREGORIAN", false);
}

static void
ics_row(FILE *fp, char *const *c, const char *stamp)
{
	char due[16], uid[64], summary[512];
	const char *p = c[C_PRIORITY];

	snprintf(due, sizeof due, "%.4s%.2s%.2s", c[C_DUE], c[C_DUE] + 5, c[C_DUE] + 8);
	/* The store's id never changes: re-imports update the same task. */
	snprintf(uid, sizeof uid, "reminder-%s@crm-tools", c[C_ID]);
	snprintf(summary, sizeof summary, "%s: %s", c[C_RULE], c[C_NAME]);
	ics_line(fp, "BEGIN", "VTODO", false);
	ics_line(fp, "UID", uid, false);
	ics_line(fp, "DTSTAMP", stamp, false);
	ics_line(fp, "DUE;VALUE=DATE", due, false);
	ics_line(fp, "SUMMARY", summary, true);
	ics_line(fp, "DESCRIPTION", c[C_MESSAGE], true);
	ics_line(fp, "PRIORITY", strcmp(p, "urgent") == 0 ? "1" : strcmp(p, "high") == 0 ? "3" :
	         strcmp(p, "normal") == 0 ? "5" : "9", false);
	ics_line(fp, "STATUS", strcmp(c[C_STATUS], "done") == 0 ? "COMPLETED" :
	         strcmp(c[C_STATUS], "cancelled") == 0 ? "CANCELLED" : "NEEDS-ACTION", false);
	if (*c[C_OWNER])
		ics_line(fp, "X-CRM-OWNER", c[C_OWNER], true);
	ics_line(fp, "END", "VTODO", false);
}

static void
sink_begin(struct sink *k, const struct options *o)
{
	k->o = o;
	k->collect = o->format == OUT_TEXT || o->format == OUT_XLSX || o->by_owner || o->mail;
	if (o->mail)
		return;
	if (o->format == OUT_CSV || o->format == OUT_TSV) {
		k->w = crm_csv_writer_new(stdout, "<stdout>", o->format == OUT_TSV,
		                          o->common.excel_safe);
		if (!k->collect)
			crm_csv_write_row(k->w, col_names, C_NCOLS);
	} else if (o->format == OUT_JSON)
		fputs("[", stdout);
	else if (o->format == OUT_ICS)
		ics_begin(stdout, k->stamp);
}

/* One row to its format, or (collect) a copy kept for sink_end. */
static void
emit(struct sink *k, char *const *cells)
{
	switch (k->o->format) {
	case OUT_CSV:
	case OUT_TSV:
		crm_csv_write_row(k->w, (const char *const *)cells, C_NCOLS);
		break;
	case OUT_JSON:
		json_row(stdout, cells, k->n == 0);
		break;
	case OUT_ICS:
		ics_row(stdout, cells, k->stamp);
		break;
	case OUT_TEXT:
	case OUT_XLSX:
		break;
	}
	k->n++;
}

static void
sink_row(struct sink *k, char *const *cells)
{
	struct rows *rows = &k->rows;
	size_t c;

	if (!k->collect) {
		emit(k, cells);
		return;
	}
	if (rows->n == rows->cap) {
		rows->cap = rows->cap ? 2 * rows->cap : 256;
		rows->cells = crm_xreallocarray(rows->cells, rows->cap, ROW_STRIDE * sizeof(char *));
	}
	for (c = 0; c < C_NCOLS; c++)
		rows->cells[rows->n * ROW_STRIDE + c] = crm_xstrdup(cells[c]);
	rows->cells[rows->n * ROW_STRIDE + C_ROWNO] = crm_xasprintf("%zu", rows->n);
	rows->n++;
	k->n++;
}

/* The rows [from, to) of one owner as a table. */
static crm_table *
owner_table(const struct rows *rows, size_t from, size_t to)
{
	crm_table *t = crm_table_new(col_names, C_NCOLS);

	for (size_t r = from; r < to; r++)
		crm_table_add(t, (const char *const *)&rows->cells[r * ROW_STRIDE]);
	return t;
}

/* One message for rows [from, to), which share one owner, to addr. */
static int
mail_one(const struct options *o, const struct rows *rows, size_t from, size_t to,
         const char *owner, const char *addr)
{
	char day[16], *text = NULL, *html = NULL, *subject;
	size_t text_len = 0, html_len = 0;
	FILE *tf = open_memstream(&text, &text_len), *hf = open_memstream(&html, &html_len);
	crm_doc *doc;
	crm_table *table;
	time_t now = (time_t)o->now_secs;
	char stamp[64];
	struct tm tm;
	int status;

	if (tf == NULL || hf == NULL)
		crm_die_errno(CRM_EX_SOFTWARE, "open_memstream");
	crm_date_format(o->today, day);
	subject = o->subject ? crm_xstrdup(o->subject)
	                     : crm_xasprintf("Follow-ups for %s, %s", *owner ? owner : addr, day);
	table = owner_table(rows, from, to);
	status = crm_table_write(table, tf, CRM_FORMAT_TEXT, false);
	crm_table_free(table);
	doc = crm_doc_new(subject);
	crm_doc_line(doc, "%zu reminders due", to - from);
	crm_doc_add(doc, "reminders", NULL, NULL, owner_table(rows, from, to));
	crm_status_merge(&status, crm_doc_write(doc, hf, CRM_DOC_HTML, false));
	crm_doc_free(doc);
	if (fclose(tf) != 0 || fclose(hf) != 0)
		crm_die_errno(CRM_EX_SOFTWARE, "open_memstream");
	/* The mbox separator formail -s splits on. */
	if (gmtime_r(&now, &tm) == NULL || strftime(stamp, sizeof stamp, "%a %b %e %H:%M:%S %Y", &tm) == 0)
		snprintf(stamp, sizeof stamp, "Thu Jan  1 00:00:00 1970");
	printf("From crm-remind %s\n", stamp);
	crm_mime_write(stdout, &(struct crm_mail){(const char *const[]){addr}, 1, o->from, subject,
	                                          text, text_len, html, html_len, o->now_secs});
	putchar('\n');
	free(text), free(html), free(subject);
	return status;
}

/* --mail: the rows grouped by owner, one message each to the owner's
 * address; owners without one are named on stderr and not mailed. */
static int
mail_by_owner(struct sink *k)
{
	const struct options *o = k->o;
	struct rows *rows = &k->rows;
	int status = 0;

	by_owner_sort = true;
	qsort(rows->cells, rows->n, ROW_STRIDE * sizeof(char *), owner_cmp);
	for (size_t from = 0, to; from < rows->n; from = to) {
		const char *owner = rows->cells[from * ROW_STRIDE + C_OWNER], *addr;

		for (to = from + 1; to < rows->n &&
		     strcmp(rows->cells[to * ROW_STRIDE + C_OWNER], owner) == 0; to++)
			;
		addr = crm_config_owner_email(o->cfg, owner);
		if (addr == NULL) {
			crm_warn("%zu reminders of %s%s%s not mailed: no address (remind.owner_emails)",
			         to - from, *owner ? "owner \"" : "no owner", owner, *owner ? "\"" : "");
			continue;
		}
		crm_status_merge(&status, mail_one(o, rows, from, to, owner, addr));
		k->n += to - from;
	}
	return status;
}

static int
sink_end(struct sink *k)
{
	const struct options *o = k->o;
	struct rows *rows = &k->rows;
	int status = 0;
	size_t r;

	if (o->mail)
		return mail_by_owner(k);
	if (k->collect) {
		by_owner_sort = o->by_owner;
		qsort(rows->cells, rows->n, ROW_STRIDE * sizeof(char *), owner_cmp);
		k->n = 0;
		if (o->format == OUT_TEXT || o->format == OUT_XLSX) {
			crm_table *t = crm_table_new(col_names, C_NCOLS);

			for (r = 0; r < rows->n; r++)
				crm_table_add(t, (const char *const *)&rows->cells[r * ROW_STRIDE]);
			crm_table_set_types(t, col_types);
			crm_table_set_name(t, "reminders");
			status = crm_table_write(t, stdout, o->format == OUT_XLSX ? CRM_FORMAT_XLSX :
			                         CRM_FORMAT_TEXT, o->common.excel_safe);
			crm_table_free(t);
			k->n = rows->n;
		} else {
			if (k->w != NULL)
				crm_csv_write_row(k->w, col_names, C_NCOLS);
			for (r = 0; r < rows->n; r++)
				emit(k, &rows->cells[r * ROW_STRIDE]);
		}
	}
	if (k->w != NULL)
		crm_status_merge(&status, crm_csv_writer_close(k->w));
	else if (o->format == OUT_JSON)
		fputs(k->n ? "\n]\n" : "]\n", stdout);
	else if (o->format == OUT_ICS)
		ics_line(stdout, "END", "VCALENDAR", false);
	return status;
}

static void
rows_free(struct rows *rows)
{
	size_t i;

	for (i = 0; i < rows->n * ROW_STRIDE; i++)
		free(rows->cells[i]);
	free(rows->cells);
}

/* ---- commands -------------------------------------------------------- */

static char *
read_template(const char *path)
{
	FILE *fp = fopen(path, "r");
	crm_buf b = {0};
	char chunk[4096];
	size_t n;
	char *s;

	if (fp == NULL)
		crm_die_errno(CRM_EX_NOINPUT, "%s", path);
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
		crm_buf_append(&b, chunk, n);
	if (ferror(fp))
		crm_die_errno(CRM_EX_IOERR, "%s: read error", path);
	fclose(fp);
	s = crm_xstrdup(crm_buf_str(&b));
	crm_buf_free(&b);
	/* One line: a trailing newline is the file's, not the message's. */
	n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}


static int
cmd_done_or_snooze(crm_store *s, const struct options *o)
{
	sqlite3_stmt *st;
	char now[32], until[16], key[64];
	int64_t customer;
	const char *rule;
	int status = 0;

	crm_cli_now_text(&o->common, now);
	crm_store_begin(s);
	st = crm_store_prepare(s, "SELECT customer_id, rule, status FROM reminders WHERE id = ?1");
	crm_store_bind_int(s, st, 1, o->id);
	if (crm_store_step(s, st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		crm_store_rollback(s);
		crm_warn("no reminder %lld (see crm-remind list --status all)", o->id);
		return CRM_EX_DATAERR;
	}
	customer = sqlite3_column_int64(st, 0);
	rule = crm_xstrdup((const char *)sqlite3_column_text(st, 1));
	{
		const char *was = (const char *)sqlite3_column_text(st, 2);

		if (strcmp(was, "open") != 0 && strcmp(was, "snoozed") != 0) {
			crm_warn("reminder %lld is %s already; only open or snoozed ones can be %s",
			         o->id, was, o->cmd == CMD_DONE ? "done" : "snoozed");
			sqlite3_finalize(st);
			crm_store_rollback(s);
			free((char *)rule);
			return CRM_EX_DATAERR;
		}
	}
	sqlite3_finalize(st);
	if (o->cmd == CMD_DONE) {
		st = crm_store_prepare(s, "UPDATE reminders SET status = 'done', done_at = ?2, "
		    "note = ?3, updated_at = ?2 WHERE id = ?1");
		crm_store_bind_int(s, st, 1, o->id);
		crm_store_bind_text(s, st, 2, now);
		crm_store_bind_text(s, st, 3, o->note);
		crm_store_step(s, st);
		sqlite3_finalize(st);
		/* The follow-up itself, so the cadence clock starts again. */
		snprintf(key, sizeof key, "reminder:%lld:%s", o->id, now);
		st = crm_store_prepare(s, "INSERT OR IGNORE INTO interactions (interaction_key, "
		    "customer_id, at, channel, direction, kind, summary) VALUES (?1, ?2, ?3, "
		    "'other', 'out', 'note', ?4)");
		crm_store_bind_text(s, st, 1, key);
		crm_store_bind_int(s, st, 2, customer);
		crm_store_bind_text(s, st, 3, now);
		{
			char *summary = crm_xasprintf("follow-up done (reminder %lld, %s)%s%s", o->id,
			                              rule, o->note ? ": " : "", o->note ? o->note : "");

			crm_store_bind_text(s, st, 4, summary);
			crm_store_step(s, st);
			free(summary);
		}
		sqlite3_finalize(st);
	} else {
		if (o->until)
			snprintf(until, sizeof until, "%s", o->until);
		else
			crm_date_format(o->today + o->days, until);
		{
			int64_t u;

			if (crm_date_parse_iso(until, &u) == 0 && u <= o->today) {
				crm_warn("--until %s is not after today (%s)", until, now);
				crm_store_rollback(s);
				free((char *)rule);
				return CRM_EX_USAGE;
			}
		}
		st = crm_store_prepare(s, "UPDATE reminders SET status = 'snoozed', snoozed_until = "
		    "?2, updated_at = ?3 WHERE id = ?1");
		crm_store_bind_int(s, st, 1, o->id);
		crm_store_bind_text(s, st, 2, until);
		crm_store_bind_text(s, st, 3, now);
		crm_store_step(s, st);
		sqlite3_finalize(st);
	}
	crm_store_commit(s);
	if (!o->common.quiet)
		fprintf(stderr, o->cmd == CMD_DONE ? "crm-remind: reminder %lld done\n" :
		        "crm-remind: reminder %lld snoozed until %s\n", o->id, until);
	free((char *)rule);
	return status;
}

/* The run: every rule over the selected customers, then the due list. */
static int
cmd_run(crm_store *s, struct options *o, struct crm_config *cfg, crm_stream *in,
        const char *tpl)
{
	crm_summary *sum = crm_summary_load(s, cfg, o->today,
	                                    CRM_SUMMARY_FIELDS | CRM_SUMMARY_CONTACT);
	size_t n = crm_summary_count(sum), i;
	uint8_t *selected = crm_xcalloc(n + 1, 1);
	uint8_t *rs = crm_xcalloc(n + 1, 1), *fs = crm_xcalloc(n + 1, 1), *ms = crm_xcalloc(n + 1, 1);
	struct plan plan = { .cfg = cfg };
	struct proposals ps = {0};
	struct reconciler rc = {0};
	struct sink sink = {0};
	int8_t *seg = crm_xcalloc(n + 1, 1);
	char now[32];
	struct crm_customer *c;
	size_t cursor = 0;
	int status = 0;

	if ((status = plan_cadences(&plan)) != 0 || (status = plan_rules(&plan, in)) != 0)
		goto out;
	plan.win = crm_lifecycle_from_config(cfg);
	plan.scale = crm_summary_scale(sum);
	plan.winback_threshold = winback_threshold(sum, cfg->remind_winback_percent);
	/* RFM segments over every buyer in the store, as crm-segment does. */
	crm_rfm_score_all(sum, cfg, rs, fs, ms);
	for (i = 0; i < n; i++)
		seg[i] = crm_summary_at(sum, i)->orders ? (int8_t)crm_rfm_segment(rs[i], fs[i], ms[i]) :
		    -1;

	if (in == NULL)
		memset(selected, 1, n);
	crm_cli_now_text(&o->common, now);
	/* From the store: write as we go (memory stays small). From a stream:
	 * keep the proposals and take the write lock only after the input has
	 * ended, so a slow tool upstream never holds other jobs up. */
	if (in == NULL)
		reconcile_begin(&rc, s, now);
	while ((c = crm_summary_next(sum, in, &cursor, &status)) != NULL) {
		enum crm_lifecycle lc;
		size_t idx;

		idx = crm_summary_index(sum, c);
		selected[idx] = 1;
		lc = crm_lifecycle_stage(c, o->today, &plan.win);
		rule_cadence(&ps, &plan, c, seg[idx], lc, o->today);
		rule_onboarding(&ps, c, o->today);
		rule_winback(&ps, &plan, c, lc, o->today);
		rule_satisfaction(&ps, &plan, c, o->today);
		rule_dates(&ps, &plan, sum, c, o->today);
		if (cfg->nremind_rules > 0) {
			fill_rule_values(&plan, sum, c, seg[idx], lc, o->today, in);
			rule_custom(&ps, &plan, c, o->today);
		}
		if (in == NULL)
			reconcile_add(&rc, &ps);
	}
	if (in != NULL)
		reconcile_begin(&rc, s, now);
	rule_sla(&ps, &plan, s, sum, o, selected);
	reconcile_add(&rc, &ps);
	reconcile_end(&rc, sum, selected, o->common.quiet);
	sink_begin(&sink, o);
	load_rows(s, sum, o, tpl, in ? selected : NULL, &sink);
	crm_status_merge(&status, sink_end(&sink));
	if (!o->common.quiet)
		fprintf(stderr, "crm-remind: %zu reminders due\n", sink.n);
out:
	rows_free(&sink.rows);
	plan_free(&plan);
	free(ps.v);
	free(selected), free(rs), free(fs), free(ms), free(seg);
	crm_summary_free(sum);
	return status;
}

/* reclaim: list the customers due back to the pool; --apply clears their
 * owner, --restore RUN gives a run's customers their owner back. */
static int
cmd_reclaim(crm_store *s, const struct options *o, const struct crm_config *cfg)
{
	static const char *const header[] = {"customer_id", "external_id", "name", "owner",
	                                     "last_follow_up", "last_order", "reason"};
	struct crm_reclaim_row *rows;
	char now[32];
	size_t n;
	int status = 0;

	crm_cli_now_text(&o->common, now);
	if (o->restore) {
		size_t restored, kept;

		crm_store_begin(s);
		status = crm_reclaim_restore(s, o->restore, now, &restored, &kept);
		if (status != 0) {
			crm_store_rollback(s);
			return status;
		}
		crm_store_commit(s);
		if (!o->common.quiet)
			crm_warn("reclaim run %lld restored: %zu owners back, %zu customers kept by "
			         "the owner who took them since", o->restore, restored, kept);
		return 0;
	}
	if (o->apply)
		crm_store_begin(s);
	n = crm_reclaim_find(s, o->today, cfg->remind_reclaim_days, cfg->remind_reclaim_order_days,
	                     o->owner, &rows);
	if (o->apply) {
		int64_t run = crm_reclaim_apply(s, rows, n, now);

		crm_store_commit(s);
		if (!o->common.quiet)
			crm_warn("%zu customers returned to the pool (run %lld; crm-remind reclaim "
			         "--restore %lld puts them back)", n, (long long)run, (long long)run);
	}
	{
		crm_table *t = crm_table_new(header, 7);
		enum crm_format f = o->format == OUT_TEXT ? CRM_FORMAT_TEXT
		                    : o->format == OUT_TSV ? CRM_FORMAT_TSV : CRM_FORMAT_CSV;

		for (size_t i = 0; i < n; i++) {
			char id[32];

			snprintf(id, sizeof id, "%lld", (long long)rows[i].id);
			crm_table_add(t, (const char *const[]){id, rows[i].external_id, rows[i].name,
			                                       rows[i].owner, rows[i].last_follow_up,
			                                       rows[i].last_order, rows[i].reason});
		}
		status = crm_table_write(t, stdout, f, o->common.excel_safe);
		crm_table_free(t);
	}
	crm_reclaim_rows_free(rows, n);
	return status;
}

int
main(int argc, char **argv)
{
	struct options o = {0};
	struct crm_config *cfg;
	crm_stream *in = NULL;
	crm_store *s;
	char *db, *tpl = NULL;
	int status;

	crm_diag_init(argv[0]);
	parse_options(argc, argv, &o);
	if ((status = crm_config_load(o.common.config_path, &cfg)) != 0)
		return status;
	o.cfg = cfg;
	if (o.template_path)
		tpl = read_template(o.template_path);
	if (o.cmd == CMD_RUN &&
	    crm_input_choose(stdin, "<stdin>", o.dash, o.all, isatty(STDIN_FILENO), &in) ==
	    CRM_INPUT_STORE)
		in = NULL;
	db = crm_cli_db_path(&o.common);
	s = crm_store_open(db, false, cfg->busy_timeout_ms);
	free(db);
	if (o.cmd == CMD_DONE || o.cmd == CMD_SNOOZE)
		status = cmd_done_or_snooze(s, &o);
	else if (o.cmd == CMD_RECLAIM)
		status = cmd_reclaim(s, &o, cfg);
	else if (o.cmd == CMD_LIST) {
		crm_summary *sum = crm_summary_load(s, cfg, o.today, CRM_SUMMARY_FIELDS);
		struct sink sink = {0};

		sink_begin(&sink, &o);
		load_rows(s, sum, &o, tpl, NULL, &sink);
		status = sink_end(&sink);
		rows_free(&sink.rows);
		crm_summary_free(sum);
	} else
		status = cmd_run(s, &o, cfg, in, tpl);
	free(tpl);
	if (in)
		crm_stream_close(in);
	crm_store_close(s);
	crm_config_free(cfg);
	return crm_cli_finish(status);
}
