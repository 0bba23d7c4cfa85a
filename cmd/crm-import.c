/*
 * crm-import — load customers, orders, interactions and tickets from CSV/TSV
 * exports into the store.
 *
 * Flow: options → config → store → one transaction for the whole run → for
 * each file: read header, map columns, import each record (rejects to the
 * reject file) → commit (or roll back for --dry-run) → summary, --emit.
 */
#include <errno.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "csvio.h"
#include "date.h"
#include "decode.h"
#include "diag.h"
#include "import.h"
#include "mapping.h"
#include "reject.h"
#include "store.h"
#include "workbook.h"

static const char usage[] =
	"usage: crm-import [options] FILE...|-\n"
	"       crm-import --list | --undo IMPORT_ID | --list-sheets FILE\n"
	"Load customers, orders, interactions or tickets from CSV/TSV exports or\n"
	"Excel workbooks (.xlsx, .xls).\n"
	"\n"
	"  -k, --kind KIND        customers, orders, interactions or tickets\n"
	"                         (default: detected from the header)\n"
	"      --source NAME      system the external ids come from (default none)\n"
	"      --create-missing   create customers that orders etc. name but the\n"
	"                         store lacks (default: reject those rows)\n"
	"  -e, --encoding ENC     input encoding (default: detected; e.g. gbk, big5)\n"
	"  -d, --delimiter C      input delimiter: , tab ; (default: detected)\n"
	"      --sheet NAME|N     workbooks: the sheet to read, by name or number\n"
	"                         (default: the first sheet with data)\n"
	"      --list-sheets      show each sheet of the workbook FILE with its rows\n"
	"                         and columns, import nothing\n"
	"  -r, --rejects FILE     reject file (default: NAME.rejects.csv beside an input\n"
	"                         NAME.csv; stdin.rejects.csv for standard input)\n"
	"      --redact           no personal data in the reject file and messages:\n"
	"                         contacts masked, names and notes cut to a letter\n"
	"  -n, --dry-run          check everything, write nothing to the store\n"
	"  -m, --map              show how the columns map to fields, import nothing\n"
	"      --emit             write the customers imported as a stream on stdout\n"
	"      --list             show the import log\n"
	"      --undo IMPORT_ID   revert one whole import\n"
	CRM_CLI_COMMON_HELP
	"\n"
	"Exit status: 0 ok, 65 rows rejected, 66 input missing, 64 usage, 73/74 output\n"
	"or store I/O error, 75 store busy, 78 configuration error (see crm-import(1)).\n";

enum { OPT_SOURCE = 1, OPT_CREATE_MISSING, OPT_EMIT, OPT_LIST, OPT_UNDO, OPT_SHEET,
       OPT_LIST_SHEETS, OPT_REDACT };

static const struct option longopts[] = {
	{"kind", required_argument, NULL, 'k'},
	{"source", required_argument, NULL, OPT_SOURCE},
	{"create-missing", no_argument, NULL, OPT_CREATE_MISSING},
	{"encoding", required_argument, NULL, 'e'},
	{"delimiter", required_argument, NULL, 'd'},
	{"rejects", required_argument, NULL, 'r'},
	{"dry-run", no_argument, NULL, 'n'},
	{"map", no_argument, NULL, 'm'},
	{"emit", no_argument, NULL, OPT_EMIT},
	{"list", no_argument, NULL, OPT_LIST},
	{"undo", required_argument, NULL, OPT_UNDO},
	{"sheet", required_argument, NULL, OPT_SHEET},
	{"list-sheets", no_argument, NULL, OPT_LIST_SHEETS},
	{"redact", no_argument, NULL, OPT_REDACT},
	CRM_CLI_COMMON_OPTIONS,
	{NULL, 0, NULL, 0},
};

struct options {
	struct crm_common common;
	enum crm_kind kind;
	const char *source;
	bool create_missing, dry_run, show_map, emit, list, list_sheets, redact;
	long long undo_id;             /* 0: no --undo */
	const char *rejects;
	struct crm_csv_options csv;
	char now[32];                  /* timestamp written as created/updated */
};

static char
parse_delimiter(const char *arg)
{
	if (strcmp(arg, ",") == 0 || strcmp(arg, "comma") == 0)
		return ',';
	if (strcmp(arg, "\t") == 0 || strcmp(arg, "\\t") == 0 || strcmp(arg, "tab") == 0)
		return '\t';
	if (strcmp(arg, ";") == 0 || strcmp(arg, "semicolon") == 0)
		return ';';
	crm_cli_usage_error("option '--delimiter': \"%s\" is not one of , tab ;", arg);
}

static void
parse_options(int argc, char **argv, struct options *o)
{
	int opt;

	o->kind = CRM_KIND_NONE;
	o->source = "";
	while ((opt = crm_cli_getopt(argc, argv, "k:e:d:r:nm" CRM_CLI_COMMON_SHORT, longopts)) != -1) {
		if (crm_cli_common(opt, optarg, &o->common, usage))
			continue;
		switch (opt) {
		case 'k':
			o->kind = crm_kind_parse(optarg);
			if (o->kind == CRM_KIND_NONE)
				crm_cli_usage_error("option '--kind': \"%s\" is not one of customers, "
				                    "orders, interactions, tickets", optarg);
			break;
		case OPT_SOURCE:
			o->source = optarg;
			break;
		case OPT_CREATE_MISSING:
			o->create_missing = true;
			break;
		case 'e':
			/* Checked here, so a typo never creates or opens the store. */
			if (crm_decode_canonical(optarg) == NULL)
				crm_cli_usage_error("option '--encoding': unknown encoding \"%s\" "
				                    "(e.g. utf-8, gbk, big5, utf-16)", optarg);
			o->csv.encoding = optarg;
			break;
		case 'd':
			o->csv.delimiter = parse_delimiter(optarg);
			break;
		case 'r':
			o->rejects = optarg;
			break;
		case 'n':
			o->dry_run = true;
			break;
		case 'm':
			o->show_map = true;
			break;
		case OPT_EMIT:
			o->emit = true;
			break;
		case OPT_LIST:
			o->list = true;
			break;
		case OPT_UNDO:
			o->undo_id = crm_cli_number("--undo", optarg, 1, INT64_MAX);
			break;
		case OPT_SHEET:
			if (*optarg == '\0')
				crm_cli_usage_error("option '--sheet': give a sheet name or number");
			o->csv.sheet = optarg;
			break;
		case OPT_REDACT:
			o->redact = true;
			break;
		case OPT_LIST_SHEETS:
			o->list_sheets = true;
			break;
		default:
			crm_cli_usage_error("unexpected option");
		}
	}
	if (o->list_sheets) {
		if (o->list || o->undo_id || argc - optind != 1)
			crm_cli_usage_error("--list-sheets takes one workbook FILE");
		return;
	}
	if (!o->list && o->undo_id == 0 && optind >= argc)
		crm_cli_usage_error("no input file (give FILE, or - for standard input)");
	if ((o->list || o->undo_id) && optind < argc)
		crm_cli_usage_error("--list and --undo take no input files");
	if (o->rejects && argc - optind > 1)
		crm_cli_usage_error("--rejects names one file; give it with one input at a time");
}

/* "now" for created/updated: --as-of / $CRM_TODAY at midnight, else the clock. */
static void
set_now(struct options *o)
{
	const char *env = getenv("CRM_TODAY");
	time_t t = time(NULL);
	struct tm tm;
	char day[16];

	if (o->common.as_of || (env && *env)) {
		crm_date_format(crm_cli_today(&o->common), day);
		snprintf(o->now, sizeof o->now, "%s 00:00:00", day);
		return;
	}
	if (localtime_r(&t, &tm) == NULL || strftime(o->now, sizeof o->now, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		crm_die(CRM_EX_SOFTWARE, "cannot read the local time");
}

/* Default reject file: dir/name.rejects.csv beside the input. */
static char *
rejects_path(const struct options *o, const char *file)
{
	const char *slash, *dot;

	if (o->rejects)
		return crm_xstrdup(o->rejects);
	if (strcmp(file, "-") == 0)
		return crm_xstrdup("stdin.rejects.csv");
	slash = strrchr(file, '/');
	dot = strrchr(slash ? slash : file, '.');
	if (dot == NULL || dot == (slash ? slash + 1 : file))
		return crm_xasprintf("%s.rejects.csv", file);
	return crm_xasprintf("%.*s.rejects.csv", (int)(dot - file), file);
}

/* --map: one row per column: kind, column number, header, field. */
static int
show_mapping(const struct options *o, const struct crm_mapping *m)
{
	crm_csv_writer *w = crm_csv_writer_new(stdout, "<stdout>", o->common.tsv, o->common.excel_safe);

	crm_mapping_write(m, w);
	return crm_csv_writer_close(w);
}

static bool
blank_record(const struct crm_csv_record *rec)
{
	size_t i;

	for (i = 0; i < rec->nfields; i++)
		if (rec->fields[i][0] != '\0')
			return false;
	return true;
}

static void
summary(const struct options *o, const char *file, const struct crm_import_counts *c,
        const crm_rejects *rj)
{
	char a[32], b[32], d[32], e[32], f[32];

	if (o->common.quiet)
		return;
	fprintf(stderr, "%s: %s rows — %s new, %s updated, %s unchanged, %s rejected",
	        strcmp(file, "-") == 0 ? "<stdin>" : file, crm_thousands(c->read, a),
	        crm_thousands(c->added, b), crm_thousands(c->updated, d),
	        crm_thousands(c->unchanged, e), crm_thousands(c->rejected, f));
	if (c->customers_created)
		fprintf(stderr, ", %s customers created", crm_thousands(c->customers_created, a));
	if (crm_rejects_count(rj) > 0)
		fprintf(stderr, " → %s", crm_rejects_path(rj));
	fprintf(stderr, "%s\n", o->dry_run ? " (dry run: nothing written)" : "");
}

/* Rows a file probably holds: its size over the header's length (rows of an
 * export are about as long as its header); 0 for standard input. */
static long long
estimate_rows(const char *file, size_t header_len)
{
	struct stat sb;

	if (strcmp(file, "-") == 0 || stat(file, &sb) != 0 || !S_ISREG(sb.st_mode))
		return 0;
	return (long long)(sb.st_size / (off_t)(header_len > 16 ? header_len : 16));
}

/* The reason a record was refused, naming its column when one is known.
 * A workbook's reader names the sheet and cell itself. */
static const char *
record_error(const struct crm_csv_record *rec, const struct crm_mapping *m, crm_buf *reason,
             bool workbook)
{
	crm_buf_reset(reason);
	if (!workbook && rec->error_field >= 0 && (size_t)rec->error_field < m->ncols)
		crm_buf_printf(reason, "column \"%s\": ", m->headers[rec->error_field]);
	crm_buf_puts(reason, rec->error);
	return crm_buf_str(reason);
}

/* The digest as 64 hex digits into hex. */
static void
sha256_hex(struct sha256_ctx *sha, char hex[2 * SHA256_DIGEST_SIZE + 1])
{
	uint8_t digest[SHA256_DIGEST_SIZE];
	size_t i;

	sha256_digest(sha, SHA256_DIGEST_SIZE, digest);
	for (i = 0; i < SHA256_DIGEST_SIZE; i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
}

/* Import one file inside the run's transaction. Returns its exit status. */
static int
import_file(const struct options *o, struct crm_import_options *io, crm_store *s,
            const char *file, crm_buf *touched)
{
	const struct crm_csv_record *rec;
	struct crm_mapping *m;
	crm_csv_reader *r;
	crm_importer *imp;
	crm_rejects *rj;
	struct sha256_ctx sha;
	char hex[2 * SHA256_DIGEST_SIZE + 1], *rpath;
	struct crm_import_counts counts;
	const char *hdr, *sheet;
	crm_buf redacted_header = {0};
	size_t n, hlen;
	const int64_t *ids;
	int rc, status = 0;
	long long nrecords = 0;
	size_t bytes_read = 0;
	crm_buf reason = {0};

	if ((r = crm_csv_open(file, &o->csv, &rc)) == NULL)
		exit(rc);  /* nothing committed yet: the whole run is undone */
	sheet = crm_csv_sheet(r);
	rc = crm_csv_next(r, &rec);
	if (rc < 0)
		exit(crm_csv_failure(r));
	if (rc == 0) {
		if (sheet)
			crm_warn("%s: sheet '%s' is empty (no header row)", crm_csv_name(r), sheet);
		else
			crm_warn("%s: empty file (no header row)", crm_csv_name(r));
		crm_csv_close(r);
		return CRM_EX_DATAERR;
	}
	if (rec->error)
		crm_die(CRM_EX_DATAERR, "%s:%ld: header: %s", crm_csv_name(r), rec->line, rec->error);
	m = crm_mapping_new((const char *const *)rec->fields, rec->nfields, o->kind,
	                    io->cfg, crm_csv_name(r));
	if (m == NULL)
		exit(CRM_EX_DATAERR);
	if (o->show_map) {
		status = show_mapping(o, m);
		crm_mapping_free(m);
		crm_csv_close(r);
		return status;
	}
	hdr = crm_csv_raw_header(r, &hlen);
	sha256_init(&sha);
	sha256_update(&sha, hlen, (const uint8_t *)hdr);
	rpath = rejects_path(o, file);
	if (o->redact) {
		/* Masked rows are rebuilt from the fields: a UTF-8 file (with a
		 * BOM, for Excel) with a header rebuilt the same way. */
		io->reject_delimiter = crm_csv_delimiter(r) == '\t' ? '\t' : ',';
		crm_import_redact_line(NULL, (const char *const *)m->headers, m->ncols,
		                       io->reject_delimiter, &redacted_header);
		rj = crm_rejects_new(rpath, "UTF-8", io->reject_delimiter, redacted_header.data,
		                     redacted_header.len);
		crm_rejects_set_bom(rj, true);
	} else {
		rj = crm_rejects_new(rpath, crm_csv_encoding(r), crm_csv_delimiter(r), hdr, hlen);
		crm_rejects_set_bom(rj, crm_csv_had_bom(r));
	}
	free(rpath);
	/* A workbook's size says little about its rows (it is compressed). */
	io->expected_rows = sheet ? 0 : estimate_rows(file, hlen);
	imp = crm_import_start(s, io, m, strcmp(file, "-") == 0 ? "<stdin>" : file);
	/* Refused rows go to rj in input order, the first three to stderr too. */
	crm_import_set_rejects(imp, rj, crm_csv_name(r), sheet);
	while ((rc = crm_csv_next(r, &rec)) == 1) {
		sha256_update(&sha, rec->raw_len, (const uint8_t *)rec->raw);
		bytes_read += rec->raw_len;
		if (nrecords == 1000 && io->expected_rows > 0 && sheet == NULL)
			crm_import_expect(imp, estimate_rows(file, bytes_read / 1000) - 1000);
		if (rec->error == NULL && blank_record(rec))
			continue;  /* Excel's trailing ",,,," rows carry nothing */
		crm_import_record(imp, rec, rec->error ? record_error(rec, m, &reason, sheet != NULL)
		                                       : NULL);
		crm_progress(&o->common, crm_csv_name(r), ++nrecords);
	}
	crm_progress_done(&o->common);
	if (rc < 0)
		exit(crm_csv_failure(r));
	sha256_hex(&sha, hex);
	crm_import_finish(imp, hex, &counts);
	ids = crm_import_customers(imp, &n);
	crm_buf_append(touched, ids, n * sizeof *ids);
	if (crm_rejects_count(rj) > 3)
		crm_warn("%s: %ld more rows rejected (all are in %s)", crm_csv_name(r),
		         crm_rejects_count(rj) - 3, crm_rejects_path(rj));
	/* A default reject file left by an earlier run would now mislead. */
	if (crm_rejects_count(rj) == 0 && o->rejects == NULL && unlink(crm_rejects_path(rj)) != 0 &&
	    errno != ENOENT)
		crm_warn_errno("cannot remove stale reject file %s", crm_rejects_path(rj));
	summary(o, file, &counts, rj);
	if (counts.rejected > 0)
		status = CRM_EX_DATAERR;
	crm_status_merge(&status, crm_rejects_close(rj));
	crm_buf_free(&redacted_header);
	crm_import_free(imp);
	crm_mapping_free(m);
	crm_csv_close(r);
	crm_buf_free(&reason);
	return status;
}

/* A load bigger than the store it goes into (and over 1 MB): worth a
 * rollback journal for the run (crm_store_bulk). */
static bool
bulk_load(int nfiles, char **files, const char *db)
{
	struct stat sb;
	off_t in = 0;
	int i;

	for (i = 0; i < nfiles; i++)
		if (strcmp(files[i], "-") != 0 && stat(files[i], &sb) == 0 && S_ISREG(sb.st_mode))
			in += sb.st_size;
	if (in < 1024 * 1024)
		return false;
	return stat(db, &sb) != 0 || in > sb.st_size;
}

/* --list-sheets: sheet, rows, columns for each sheet of the workbook. */
static int
list_sheets(const struct options *o, const char *file)
{
	const char *name = strcmp(file, "-") == 0 ? "<stdin>" : file;
	crm_csv_writer *w;
	char rows[32], cols[32];
	long nr, nc;
	int status = 0;
	crm_wb *wb = crm_wb_open_path(file, name, &status);

	if (wb == NULL)
		return status;
	w = crm_csv_writer_new(stdout, "<stdout>", o->common.tsv, o->common.excel_safe);
	crm_csv_write_row(w, (const char *const[]){"sheet", "rows", "columns"}, 3);
	for (size_t i = 0; i < crm_wb_sheet_count(wb); i++) {
		if (crm_wb_sheet_size(wb, i, &nr, &nc) != 0) {
			status = CRM_EX_DATAERR;
			break;
		}
		snprintf(rows, sizeof rows, "%ld", nr);
		snprintf(cols, sizeof cols, "%ld", nc);
		crm_csv_write_row(w, (const char *const[]){crm_wb_sheet_name(wb, i), rows, cols}, 3);
	}
	crm_wb_close(wb);
	crm_status_merge(&status, crm_csv_writer_close(w));
	return status;
}

static int
emit_customers(const struct options *o, crm_store *s, crm_buf *touched)
{
	crm_csv_writer *w = crm_csv_writer_new(stdout, "<stdout>", o->common.tsv, o->common.excel_safe);

	crm_customers_emit(s, (int64_t *)touched->data, touched->len / sizeof(int64_t), w);
	return crm_csv_writer_close(w);
}

int
main(int argc, char **argv)
{
	struct options o = {0};
	struct crm_config *cfg;
	struct crm_import_options io;
	crm_store *s;
	crm_buf touched = {0};
	char *db;
	int status = 0, emit_status = 0, i;

	crm_diag_init(argv[0]);
	parse_options(argc, argv, &o);
	if (o.list_sheets)
		return crm_cli_finish(list_sheets(&o, argv[optind]));
	if ((status = crm_config_load(o.common.config_path, &cfg)) != 0)
		return status;
	if ((status = crm_mapping_check_config(cfg)) != 0) {
		crm_config_free(cfg);
		return status;
	}
	set_now(&o);
	db = crm_cli_db_path(&o.common);
	s = crm_store_open(db, !o.list && o.undo_id == 0, cfg->busy_timeout_ms);
	free(db);

	if (o.list) {
		crm_csv_writer *w = crm_csv_writer_new(stdout, "<stdout>", o.common.tsv,
		                                       o.common.excel_safe);
		crm_import_list(s, w);
		status = crm_csv_writer_close(w);
	} else if (o.undo_id) {
		crm_store_begin(s);
		status = crm_import_undo(s, o.undo_id, o.now);
		if (status == 0)
			crm_store_commit(s);
		else
			crm_store_rollback(s);
		if (status == 0 && !o.common.quiet)
			fprintf(stderr, "import %lld undone\n", o.undo_id);
	} else {
		io = (struct crm_import_options){ .source = o.source,
		                                  .create_missing = o.create_missing, .cfg = cfg,
		                                  .now = o.now, .collect_customers = o.emit,
		                                  .redact = o.redact, .reject_delimiter = ',' };
		if (bulk_load(argc - optind, argv + optind, crm_store_path(s)))
			crm_store_bulk(s);
		crm_store_begin(s);
		for (i = optind; i < argc; i++)
			crm_status_merge(&status, import_file(&o, &io, s, argv[i], &touched));
		/* Inside the transaction, so --dry-run --emit shows what would be,
		 * and a stream that could not be written undoes the run (as a
		 * reader that went away does, by SIGPIPE). */
		if (o.emit && !o.show_map && (emit_status = emit_customers(&o, s, &touched)) != 0)
			crm_status_merge(&status, emit_status);
		/* A reject file that failed at close (74) undoes the run too:
		 * on any status but 0 and 65 nothing is written (crm-import(1)). */
		if (o.dry_run || o.show_map || emit_status != 0 ||
		    (status != 0 && status != CRM_EX_DATAERR))
			crm_store_rollback(s);
		else
			crm_store_commit(s);
	}
	crm_buf_free(&touched);
	crm_store_close(s);
	crm_config_free(cfg);
	return crm_cli_finish(status);
}
