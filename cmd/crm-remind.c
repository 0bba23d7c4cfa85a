/*
 * crm-remind — every salesperson's follow-ups for today: cadence by
 * segment or stage, onboarding, complaint SLA escalations, win-back,
 * satisfaction call-backs, birthdays, anniversaries and imported dates, and
 * the owner's own rules; stored, so a second run on the same day finds the
 * same list.
 *
 * Flow: options → config → the command (run, list, done, snooze, reclaim)
 * → for a run: the rules checked (lib/remind) → customers (stdin stream or
 * the store) → per-customer figures (lib/summary) → each rule proposes
 * reminders → one transaction matches them with the stored ones → the due
 * list, each row's message from its customer's language's template
 * (lib/message), in the chosen format.
 */
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
#include "message.h"
#include "mime.h"
#include "reclaim.h"
#include "remind.h"
#include "render.h"
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
	"      --template-dir DIR message templates by the customer's language:\n"
	"                         DIR/zh-TW.txt, DIR/zh.txt, DIR/en.txt, DIR/default.txt\n"
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
	OPT_BY_OWNER = 1, OPT_TEMPLATE, OPT_TEMPLATE_DIR, OPT_STATUS, OPT_NOTE, OPT_UNTIL, OPT_DAYS,
	OPT_ALL, OPT_APPLY, OPT_RESTORE, OPT_MASK, OPT_MAIL, OPT_SUBJECT, OPT_FROM, OPT_OUTPUT
};

static const struct option longopts[] = {
	{"owner", required_argument, NULL, 'o'},
	{"by-owner", no_argument, NULL, OPT_BY_OWNER},
	{"format", required_argument, NULL, 'f'},
	{"template", required_argument, NULL, OPT_TEMPLATE},
	{"template-dir", required_argument, NULL, OPT_TEMPLATE_DIR},
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
	const char *owner, *template_path, *template_dir, *status, *note, *until;
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
		case OPT_TEMPLATE_DIR:
			o->template_dir = optarg;
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
	if (o->template_path && o->template_dir)
		crm_cli_usage_error("give --template or --template-dir, not both");
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

/* The rows kept for the end (text, --by-owner, --mail). */
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
	/* Where rows go as they are made: stdout, or a spool that holds them
	 * until the store has the list's reminders (crm_cli_spool_out). */
	FILE *out;
};

static void sink_row(struct sink *k, char *const *cells);

/* What a row's cells come from besides the reminder. */
struct row_source {
	crm_summary *sum;
	const crm_messages *msgs;
	int lang_field;   /* crm_remind_language_field */
};

/* Scratch space for one row's cells (one per thread). */
struct cell_bufs {
	char num[32], cust[32], masked[256];
	crm_buf msg;
};

/* The cells of reminder w, with its customer's figures and message; false
 * when it is left out (its customer gone from the store, another owner). */
static bool
row_cells(const struct row_source *src, const struct options *o,
          const struct crm_remind_row *w, struct cell_bufs *b, char **cells)
{
	const struct crm_customer *c = w->customer ? w->customer :
	    crm_summary_find(src->sum, w->customer_id);
	const char *owner, *channel = "", *contact = "", *tpl;

	if (c == NULL)
		return false;
	owner = w->escalate_to && *w->escalate_to ? w->escalate_to :
	    crm_summary_field(src->sum, c, CRM_F_OWNER);
	if (o->owner && strcmp(owner, o->owner) != 0)
		return false;
	channel_and_contact(src->sum, c, &channel, &contact);
	cells[C_ID] = crm_fmt_int(w->id, b->num);
	cells[C_DUE] = (char *)w->due;
	cells[C_RULE] = (char *)w->rule;
	cells[C_PRIORITY] = (char *)w->priority;
	cells[C_CUSTOMER] = crm_fmt_int(c->id, b->cust);
	cells[C_NAME] = (char *)crm_summary_name(src->sum, c);
	cells[C_OWNER] = (char *)owner;
	cells[C_CHANNEL] = (char *)channel;
	cells[C_CONTACT] = (char *)contact;
	if (o->mask) {
		crm_mask_contact(contact, b->masked, sizeof b->masked);
		cells[C_CONTACT] = b->masked;
	}
	cells[C_REASON] = (char *)w->reason;
	cells[C_STATUS] = (char *)w->status;
	tpl = crm_messages_pick(src->msgs, w->rule, *cells[C_CONTACT] != '\0',
	                        crm_remind_language(src->sum, c, src->lang_field));
	render_message(tpl, cells, &b->msg);
	cells[C_MESSAGE] = (char *)crm_buf_str(&b->msg);
	return true;
}

/* Start loading what row_cells will read for rows[i] (a few rows ahead:
 * the list's order is not the customers', so each row's data is a cache
 * miss otherwise): the row, then its customer's fields, then their text. */
static void
prefetch_row(const struct row_source *src, const struct crm_remind_row *const *rows, size_t i,
             size_t n)
{
	const struct crm_remind_row *w;

	if (i + 16 < n) {
		/* A row is 80 bytes: it spans two cache lines. */
		__builtin_prefetch(rows[i + 16]);
		__builtin_prefetch((const char *)rows[i + 16] + sizeof(*w) - 1);
	}
	if (i + 8 < n && (w = rows[i + 8])->customer != NULL)
		crm_summary_prefetch(src->sum, w->customer);
	if (i + 4 < n && (w = rows[i + 4])->customer != NULL) {
		/* The reasons lie in the order the rules made them, not the
		 * list's. */
		__builtin_prefetch(w->reason);
		__builtin_prefetch(crm_summary_name(src->sum, w->customer));
		__builtin_prefetch(crm_summary_field(src->sum, w->customer, CRM_F_OWNER));
		__builtin_prefetch(crm_summary_field(src->sum, w->customer, CRM_F_PHONE));
		__builtin_prefetch(crm_summary_field(src->sum, w->customer, CRM_F_EMAIL));
	}
}

static void put_rows_parallel(const struct row_source *src, const struct options *o,
                              const struct crm_remind_row *const *rows, size_t n,
                              struct sink *sink);

/* Below this many rows one thread writes the list. */
#define PARALLEL_ROWS 20000

/* The reminders rows[0..n) to the sink, with their customers' figures and
 * messages; reminders of customers gone from the store are left out. */
static void
put_rows(const struct row_source *src, const struct options *o,
         const struct crm_remind_row *const *rows, size_t n, struct sink *sink)
{
	struct cell_bufs b = {0};
	char *cells[C_NCOLS];

	if (!sink->collect && n >= PARALLEL_ROWS) {
		put_rows_parallel(src, o, rows, n, sink);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		prefetch_row(src, rows, i, n);
		if (row_cells(src, o, rows[i], &b, cells))
			sink_row(sink, cells);
	}
	crm_buf_free(&b.msg);
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

static void
ics_row(FILE *fp, char *const *c, const char *stamp)
{
	char due[16], uid[64], summary[512];
	const char *p = c[C_PRIORITY];

	snprintf(due, sizeof due, "%.4s%.2s%.2s", c[C_DUE], c[C_DUE] + 5, c[C_DUE] + 8);
	/* The store's id never changes: re-imports update the same task. */
	snprintf(uid, sizeof uid, "reminder-%s@crm-tools", c[C_ID]);
	snprintf(summary, sizeof summary, "%s: %s", c[C_RULE], c[C_NAME]);
	crm_ics_line(fp, "BEGIN", "VTODO", false);
	crm_ics_line(fp, "UID", uid, false);
	crm_ics_line(fp, "DTSTAMP", stamp, false);
	crm_ics_line(fp, "DUE;VALUE=DATE", due, false);
	crm_ics_line(fp, "SUMMARY", summary, true);
	crm_ics_line(fp, "DESCRIPTION", c[C_MESSAGE], true);
	crm_ics_line(fp, "PRIORITY", strcmp(p, "urgent") == 0 ? "1" : strcmp(p, "high") == 0 ? "3" :
	         strcmp(p, "normal") == 0 ? "5" : "9", false);
	crm_ics_line(fp, "STATUS", strcmp(c[C_STATUS], "done") == 0 ? "COMPLETED" :
	         strcmp(c[C_STATUS], "cancelled") == 0 ? "CANCELLED" : "NEEDS-ACTION", false);
	if (*c[C_OWNER])
		crm_ics_line(fp, "X-CRM-OWNER", c[C_OWNER], true);
	crm_ics_line(fp, "END", "VTODO", false);
}

/* A list in format o is collected, sorted and written at its end (text,
 * xlsx, --by-owner, --mail), not written row by row as it is made. */
static bool
list_collected(const struct options *o)
{
	return o->format == OUT_TEXT || o->format == OUT_XLSX || o->by_owner || o->mail;
}

/* out: where rows written as they are made go (stdout, or a spool). */
static void
sink_begin(struct sink *k, const struct options *o, FILE *out)
{
	memset(k, 0, sizeof *k);
	k->o = o;
	k->collect = list_collected(o);
	k->out = out;
	if (o->mail)
		return;
	if (o->format == OUT_CSV || o->format == OUT_TSV) {
		k->w = crm_csv_writer_new(k->out, out == stdout ? crm_cli_output_name() :
		                          "the list's spool in $TMPDIR", o->format == OUT_TSV,
		                          o->common.excel_safe);
		if (!k->collect)
			crm_csv_write_row(k->w, col_names, C_NCOLS);
	} else if (o->format == OUT_JSON)
		fputs("[", k->out);
	else if (o->format == OUT_ICS)
		crm_ics_begin(k->out, "-//crm-tools//crm-remind//EN", k->stamp);
}



/* One row in format f to fp (CSV and TSV through w); first: the list's
 * first row (JSON writes no comma before it). */
static void
emit_to(enum out_format f, FILE *fp, crm_csv_writer *w, const char *stamp, char *const *cells,
        bool first)
{
	switch (f) {
	case OUT_CSV:
	case OUT_TSV:
		crm_csv_write_row(w, (const char *const *)cells, C_NCOLS);
		break;
	case OUT_JSON:
		json_row(fp, cells, first);
		break;
	case OUT_ICS:
		ics_row(fp, cells, stamp);
		break;
	case OUT_TEXT:
	case OUT_XLSX:
		break;
	}
}

/* One row to its format, or (collect) a copy kept for sink_end. */
static void
emit(struct sink *k, char *const *cells)
{
	emit_to(k->o->format, k->out, k->w, k->stamp, cells, k->n == 0);
	k->n++;
}

/* A long list, written by two threads (crm_render_shares): what the
 * shares render from, and where they go. */
#define SHARE_ROWS 16384

struct share_job {
	const struct row_source *src;
	const struct options *o;
	const struct crm_remind_row *const *rows;
	struct sink *sink;
	struct cell_bufs bufs[2]; /* one per thread */
};

/* Rows [from, to) in the list's format, as one thread writes them; JSON
 * rows each after a comma (put_share drops the list's first). */
static size_t
render_rows(void *arg, int worker, FILE *fp, size_t from, size_t to)
{
	struct share_job *j = arg;
	enum out_format f = j->o->format;
	crm_csv_writer *w = NULL;
	char *cells[C_NCOLS];
	size_t n = 0;

	if (f == OUT_CSV || f == OUT_TSV)
		w = crm_csv_writer_new(fp, "<memory>", f == OUT_TSV, j->o->common.excel_safe);
	for (size_t i = from; i < to; i++) {
		prefetch_row(j->src, j->rows, i, to);
		if (!row_cells(j->src, j->o, j->rows[i], &j->bufs[worker], cells))
			continue;
		emit_to(f, fp, w, j->sink->stamp, cells, false);
		n++;
	}
	if (w != NULL && crm_csv_writer_close(w) != 0)
		crm_die(CRM_EX_SOFTWARE, "cannot render the list in memory");
	return n;
}

static void
put_share(void *arg, const char *text, size_t len, size_t count)
{
	struct share_job *j = arg;

	if (j->o->format == OUT_JSON && j->sink->n == 0 && count > 0)
		text++, len--; /* the comma before the list's first row */
	if (len > 0)
		fwrite(text, 1, len, j->sink->out);
	j->sink->n += count;
}

/* The rows to the sink by two threads; the CSV writer writes straight to
 * the sink's buffer, so the header went before the shares there. */
static void
put_rows_parallel(const struct row_source *src, const struct options *o,
                  const struct crm_remind_row *const *rows, size_t n, struct sink *sink)
{
	struct share_job j = { .src = src, .o = o, .rows = rows, .sink = sink };

	crm_render_shares(n, SHARE_ROWS, render_rows, put_share, &j);
	crm_buf_free(&j.bufs[0].msg);
	crm_buf_free(&j.bufs[1].msg);
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
		fputs(k->n ? "\n]\n" : "]\n", k->out);
	else if (o->format == OUT_ICS)
		crm_ics_line(k->out, "END", "VCALENDAR", false);
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

/* done and snooze. */
static int
cmd_done_or_snooze(crm_store *s, const struct options *o)
{
	char now[32], until[16];
	int status;

	crm_cli_now_text(&o->common, now);
	if (o->cmd == CMD_DONE)
		status = crm_remind_done(s, o->id, now, o->note);
	else {
		if (o->until)
			snprintf(until, sizeof until, "%s", o->until);
		else
			crm_date_format(o->today + o->days, until);
		status = crm_remind_snooze(s, o->id, until, o->today, now);
	}
	if (status == 0 && !o->common.quiet)
		fprintf(stderr, o->cmd == CMD_DONE ? "crm-remind: reminder %lld done\n" :
		        "crm-remind: reminder %lld snoozed until %s\n", o->id, until);
	return status;
}

/* list: the stored reminders with the status asked for. */
static int
cmd_list(crm_store *s, const struct options *o, const struct crm_config *cfg,
         const crm_messages *msgs)
{
	struct crm_summary_opts so;
	struct crm_remind_list list;
	struct sink sink = {0};
	struct row_source src = { NULL, msgs, crm_remind_language_field(cfg) };
	const struct crm_remind_row **rows;
	int status;

	crm_remind_list_opts(cfg, &so);
	src.sum = crm_summary_load_opts(s, cfg, o->today, &so);
	crm_remind_list_read(s, o->status ? o->status : "open", &list);
	rows = crm_xreallocarray(NULL, list.n + 1, sizeof(*rows));
	for (size_t i = 0; i < list.n; i++)
		rows[i] = &list.rows[i];
	sink_begin(&sink, o, stdout);
	put_rows(&src, o, rows, list.n, &sink);
	free(rows);
	status = sink_end(&sink);
	rows_free(&sink.rows);
	crm_remind_list_free(&list);
	crm_summary_free(src.sum);
	return status;
}

/* The run's due list, made while the store side writes the run's changes
 * and out once they are committed: no list names a reminder the store does
 * not have. A list written row by row is held in a spool meanwhile (none
 * to be had, or one that could not hold it all: written after the commit). */
static int
write_due(const struct row_source *src, const struct options *o, crm_remind *r,
          const struct crm_remind_row *const *due, size_t n, struct sink *sink)
{
	FILE *spool = NULL;
	int status;

	/* Nothing being written: the run's summary lines before the list. */
	if (!crm_remind_writing(r))
		crm_remind_stored(r);
	if (crm_remind_writing(r) && !list_collected(o) && (spool = crm_cli_spool()) == NULL)
		crm_remind_stored(r);
	sink_begin(sink, o, spool ? spool : stdout);
	put_rows(src, o, due, n, sink);
	if (list_collected(o)) {
		crm_remind_stored(r);
		return sink_end(sink);
	}
	status = sink_end(sink);
	crm_remind_stored(r);
	if (spool == NULL || crm_cli_spool_out(spool))
		return status;
	crm_warn("the list did not fit in $TMPDIR; written straight to standard output instead");
	sink_begin(sink, o, stdout);
	put_rows(src, o, due, n, sink);
	return sink_end(sink);
}

/* The run: every rule over the selected customers, the store brought up
 * to date, then the due list. */
static int
cmd_run(crm_store *s, struct options *o, const struct crm_config *cfg, crm_stream *in,
        const crm_messages *msgs)
{
	char now[32];
	struct crm_remind_clock clock = { o->today, o->now_secs, now };
	struct crm_summary_opts so;
	struct sink sink = {0};
	struct row_source src = { NULL, msgs, crm_remind_language_field(cfg) };
	const struct crm_remind_row *const *due;
	struct crm_customer *c;
	crm_remind *r;
	uint8_t *selected;
	size_t cursor = 0, n;
	int status;

	crm_cli_now_text(&o->common, now);
	if ((status = crm_remind_new(cfg, in ? crm_stream_header(in) : NULL,
	                             in ? crm_stream_ncols(in) : 0, &clock, &r)) != 0)
		return status;
	/* From the store: the stored reminders are read (on a connection and a
	 * thread of their own, which take the write lock) while the customers
	 * are summarised and the rules run. A stream's write lock is taken
	 * only after the input has ended, so a slow tool upstream never holds
	 * other jobs up. */
	if (in == NULL)
		crm_remind_read_ahead(r, s, cfg->busy_timeout_ms);
	crm_remind_summary_opts(r, &so);
	src.sum = crm_summary_load_opts(s, cfg, o->today, &so);
	crm_remind_prepare(r, src.sum);
	crm_remind_start(r, src.sum);
	selected = crm_xcalloc(crm_summary_count(src.sum) + 1, 1);
	while ((c = crm_summary_next(src.sum, in, &cursor, &status)) != NULL) {
		selected[crm_summary_index(src.sum, c)] = 1;
		crm_remind_customer(r, src.sum, c, in);
	}
	crm_remind_store(r, s, src.sum, selected, o->common.quiet);
	n = crm_remind_due(r, &due);
	crm_status_merge(&status, write_due(&src, o, r, due, n, &sink));
	if (!o->common.quiet)
		fprintf(stderr, "crm-remind: %zu reminders due\n", sink.n);
	rows_free(&sink.rows);
	free(selected);
	crm_remind_free(r);
	crm_summary_free(src.sum);
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

/* The message templates: --template, else --template-dir, else
 * remind.templates; the shipped messages fill in. */
static crm_messages *
load_messages(const struct options *o, const struct crm_config *cfg)
{
	crm_messages *m = crm_messages_new();

	if (o->template_path) {
		char *tpl = crm_message_read(o->template_path);

		crm_messages_set_all(m, tpl);
		free(tpl);
	} else if (o->template_dir)
		crm_messages_read_dir(m, o->template_dir);
	else
		crm_messages_read_config(m, cfg);
	return m;
}

int
main(int argc, char **argv)
{
	struct options o = {0};
	struct crm_config *cfg;
	crm_messages *msgs = NULL;
	crm_stream *in = NULL;
	crm_store *s;
	char *db;
	int status;

	crm_diag_init(argv[0]);
	parse_options(argc, argv, &o);
	if ((status = crm_config_load(o.common.config_path, &cfg)) != 0)
		return status;
	o.cfg = cfg;
	if (o.cmd == CMD_RUN || o.cmd == CMD_LIST)
		msgs = load_messages(&o, cfg);
	if (o.cmd == CMD_RUN &&
	    crm_input_choose(stdin, "<stdin>", o.dash, o.all, isatty(STDIN_FILENO), &in) ==
	    CRM_INPUT_STORE)
		in = NULL;
	/* A run reads the orders on two connections (lib/summary.c); over the
	 * store, it reads its stored reminders on another while the customers
	 * are summarised. */
	if (o.cmd == CMD_RUN)
		crm_store_threads();
	db = crm_cli_db_path(&o.common);
	s = crm_store_open(db, false, cfg->busy_timeout_ms);
	free(db);
	if (o.cmd == CMD_DONE || o.cmd == CMD_SNOOZE)
		status = cmd_done_or_snooze(s, &o);
	else if (o.cmd == CMD_RECLAIM)
		status = cmd_reclaim(s, &o, cfg);
	else if (o.cmd == CMD_LIST)
		status = cmd_list(s, &o, cfg, msgs);
	else
		status = cmd_run(s, &o, cfg, in, msgs);
	crm_messages_free(msgs);
	if (in)
		crm_stream_close(in);
	crm_store_close(s);
	crm_config_free(cfg);
	return crm_cli_finish(status);
}
