/*
 * crm-dedupe — find duplicate customers, merge them (reversibly), or label
 * clusters in a raw file.
 *
 * Flow: options → config → either
 *   --stream: read the file, decide how each column is compared, run the
 *             model (lib/dedupe), write every row with cluster_id and
 *             match_score; or
 *   the store: load live customers and keep-apart pairs, run the model, then
 *             write candidate pairs (default), --merge the confident ones,
 *             write --review, or carry out an edited review file (--apply);
 *   --undo / --list-merges work on the merge log (lib/merge).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "csvio.h"
#include "dedupe.h"
#include "diag.h"
#include "hash.h"
#include "mapping.h"
#include "merge.h"
#include "store.h"
#include "text.h"

static const char usage[] =
	"usage: crm-dedupe [options]\n"
	"       crm-dedupe --stream [options] [FILE|-]\n"
	"Find duplicate customers in the store and write the candidate pairs, best\n"
	"first; merge them, hand the doubtful ones to a person, or undo a merge.\n"
	"With --stream, label the duplicates in a CSV file or Excel workbook (.xlsx,\n"
	".xls) that is not in the store.\n"
	"\n"
	"      --merge            merge the pairs at or above the merge threshold\n"
	"      --review FILE      write the pairs between the review and the merge\n"
	"                         threshold to FILE, for a person to mark each\n"
	"                         \"merge\" or \"keep-apart\" in its decision column\n"
	"      --apply FILE       carry out the decisions of an edited review file\n"
	"      --undo MERGE_ID    put back what merge MERGE_ID changed\n"
	"      --list-merges      write the merge log and exit\n"
	"      --stream           read FILE (default standard input) instead of the\n"
	"                         store; write every row with cluster_id and\n"
	"                         match_score appended\n"
	"      --ignore COLUMN    with --stream: do not compare COLUMN (repeatable)\n"
	"      --encoding NAME    with --stream: the file's encoding (default: detect)\n"
	"      --sheet NAME|N     with --stream or --apply, for a workbook: the sheet\n"
	"                         to read (default: the first sheet with data)\n"
	"      --merge-threshold P   probability at or above which a pair is one\n"
	"                         customer (default dedupe.merge_threshold, 0.95)\n"
	"      --review-threshold P  probability from which a pair is shown\n"
	"                         (default dedupe.review_threshold, 0.5)\n"
	"      --all-pairs FILE   write every compared pair with its score to FILE\n"
	"      --mask             show e-mails and phones masked (z***@example.com,\n"
	"                         138****5678) in the pairs and the review file\n"
	"      --explain          after the run, write the fitted model (m, u and\n"
	"                         weight per field and level) instead of the pairs\n"
	CRM_CLI_COMMON_HELP
	"\n"
	"Exit status: 0 ok, 64 usage, 65 bad input (a review file with an unknown\n"
	"decision, an undo that cannot be done), 66 no store or file, 74 I/O error,\n"
	"75 store busy, 78 configuration error (see crm-dedupe(1)).\n";

enum {
	OPT_MERGE = 1, OPT_REVIEW, OPT_APPLY, OPT_UNDO, OPT_LIST, OPT_STREAM, OPT_IGNORE,
	OPT_ENCODING, OPT_MERGE_T, OPT_REVIEW_T, OPT_ALL_PAIRS, OPT_EXPLAIN, OPT_MASK, OPT_SHEET
};

static const struct option longopts[] = {
	{"merge", no_argument, NULL, OPT_MERGE},
	{"review", required_argument, NULL, OPT_REVIEW},
	{"apply", required_argument, NULL, OPT_APPLY},
	{"undo", required_argument, NULL, OPT_UNDO},
	{"list-merges", no_argument, NULL, OPT_LIST},
	{"stream", no_argument, NULL, OPT_STREAM},
	{"ignore", required_argument, NULL, OPT_IGNORE},
	{"encoding", required_argument, NULL, OPT_ENCODING},
	{"merge-threshold", required_argument, NULL, OPT_MERGE_T},
	{"review-threshold", required_argument, NULL, OPT_REVIEW_T},
	{"all-pairs", required_argument, NULL, OPT_ALL_PAIRS},
	{"explain", no_argument, NULL, OPT_EXPLAIN},
	{"mask", no_argument, NULL, OPT_MASK},
	{"sheet", required_argument, NULL, OPT_SHEET},
	CRM_CLI_COMMON_OPTIONS,
	{NULL, 0, NULL, 0},
};

struct options {
	struct crm_common common;
	bool merge, list, stream, explain, mask;
	const char *review, *apply, *all_pairs, *encoding, *input, *sheet;
	int64_t undo;
	const char **ignore;
	size_t nignore;
	double merge_t, review_t; /* NaN: from config */
};

static double
probability_arg(const char *opt, const char *arg)
{
	char *end;
	double v = strtod(arg, &end);

	if (end == arg || *end != 0 || !(v >= 0 && v <= 1))
		crm_cli_usage_error("option '%s': \"%s\" is not a probability between 0 and 1", opt, arg);
	return v;
}

static void
parse_options(int argc, char **argv, struct options *o)
{
	int opt, modes;

	o->merge_t = o->review_t = NAN;
	while ((opt = crm_cli_getopt(argc, argv, CRM_CLI_COMMON_SHORT, longopts)) != -1) {
		if (crm_cli_common(opt, optarg, &o->common, usage))
			continue;
		switch (opt) {
		case OPT_MERGE: o->merge = true; break;
		case OPT_REVIEW: o->review = optarg; break;
		case OPT_APPLY: o->apply = optarg; break;
		case OPT_UNDO: o->undo = crm_cli_number("--undo", optarg, 1, INT64_MAX); break;
		case OPT_LIST: o->list = true; break;
		case OPT_STREAM: o->stream = true; break;
		case OPT_IGNORE:
			o->ignore = crm_xreallocarray(o->ignore, o->nignore + 1, sizeof *o->ignore);
			o->ignore[o->nignore++] = optarg;
			break;
		case OPT_ENCODING: o->encoding = optarg; break;
		case OPT_MERGE_T: o->merge_t = probability_arg("--merge-threshold", optarg); break;
		case OPT_REVIEW_T: o->review_t = probability_arg("--review-threshold", optarg); break;
		case OPT_ALL_PAIRS: o->all_pairs = optarg; break;
		case OPT_EXPLAIN: o->explain = true; break;
		case OPT_MASK: o->mask = true; break;
		case OPT_SHEET:
			if (*optarg == '\0')
				crm_cli_usage_error("option '--sheet': give a sheet name or number");
			o->sheet = optarg;
			break;
		default: crm_cli_usage_error("unexpected option");
		}
	}
	if (o->stream) {
		if (optind < argc)
			o->input = argv[optind++];
		if (optind < argc)
			crm_cli_usage_error("one input file at most (\"%s\" is extra)", argv[optind]);
		if (o->merge || o->review || o->apply || o->undo || o->list)
			crm_cli_usage_error("--stream labels a file; --merge, --review, --apply, --undo "
			                    "and --list-merges work on the store");
	} else {
		if (optind < argc)
			crm_cli_usage_error("unexpected argument \"%s\" (a file needs --stream)",
			                    argv[optind]);
		if (o->nignore || o->encoding)
			crm_cli_usage_error("--ignore and --encoding go with --stream");
		if (o->sheet && !o->apply)
			crm_cli_usage_error("--sheet goes with --stream or --apply (a file to read)");
	}
	if (o->explain && (o->merge || o->apply || o->undo || o->list))
		crm_cli_usage_error("--explain shows the model and changes nothing; give it alone");
	modes = (o->undo != 0) + o->list + (o->apply != NULL);
	if (modes > 1 || (modes == 1 && (o->merge || o->review)))
		crm_cli_usage_error("give one of --undo, --list-merges, --apply (and no --merge or "
		                    "--review with them)");
}

static void
set_thresholds(const struct options *o, const struct crm_config *cfg, struct crm_dd_options *d)
{
	crm_dd_options_default(d);
	d->merge_threshold = cfg->dedupe_merge_threshold;
	d->review_threshold = cfg->dedupe_review_threshold;
	d->apart_threshold = cfg->dedupe_apart_threshold;
	d->block_cap = (size_t)cfg->dedupe_block_cap;
	if (!isnan(o->merge_t))
		d->merge_threshold = o->merge_t;
	if (!isnan(o->review_t))
		d->review_threshold = o->review_t;
	if (d->review_threshold > d->merge_threshold)
		d->review_threshold = d->merge_threshold;
}

/* dedupe.weights from the configuration, by field, in level order (none,
 * weak, close, exact; NaN where the model fits). A name that is no compared
 * field is a configuration error (78) listing the ones there are. */
static int
config_weights(const struct crm_config *cfg, const struct crm_dd_field *fields, size_t nf,
               double (*out)[CRM_NLEVELS])
{
	int status = 0;

	for (size_t f = 0; f < nf; f++)
		for (int l = 0; l < CRM_NLEVELS; l++)
			out[f][l] = NAN;
	for (size_t i = 0; i < cfg->ndedupe_weights; i++) {
		const struct crm_dedupe_weight *w = &cfg->dedupe_weights[i];
		char *want = crm_text_key(w->field);
		size_t f;

		for (f = 0; f < nf; f++) {
			char *have = crm_text_key(fields[f].name);
			bool same = want != NULL && have != NULL && strcmp(want, have) == 0;

			free(have);
			if (same)
				break;
		}
		free(want);
		if (f == nf) {
			crm_buf known = {0};

			for (size_t k = 0; k < nf; k++)
				crm_buf_printf(&known, "%s%s", k ? ", " : "", fields[k].name);
			crm_warn("%s:%ld: dedupe.weights.%s: no such field is compared (compared: %s)",
			         cfg->path ? cfg->path : "config", w->line, w->field, crm_buf_str(&known));
			crm_buf_free(&known);
			status = CRM_EX_CONFIG;
			continue;
		}
		for (int l = 0; l < CRM_NLEVELS; l++)
			out[f][l] = w->bits[CRM_NLEVELS - 1 - l];
	}
	return status;
}

/* The run on stderr: records, pairs compared, blocks too large to use,
 * pairs shown (store mode; NULL in a stream) and clusters of two or more. */
static void
summary(const struct options *o, const crm_dd *d, const char *shown)
{
	struct crm_dd_stats st;
	char records[32], compared[32], skipped[32], clusters[32], shown_part[64] = "";

	if (o->common.quiet)
		return;
	crm_dd_stats(d, &st);
	if (shown != NULL)
		snprintf(shown_part, sizeof shown_part, ", %s pairs shown", shown);
	crm_warn("%s records, %s pairs compared (%s blocks too common to use)%s, "
	         "%s groups of duplicates",
	         crm_thousands((long long)st.records, records),
	         crm_thousands((long long)st.compared_pairs, compared),
	         crm_thousands((long long)st.blocks_skipped, skipped), shown_part,
	         crm_thousands((long long)st.duplicate_groups, clusters));
}

/* Every compared pair with its probability (--all-pairs): ids as given by
 * id_of. */
static int
write_all_pairs(const struct options *o, const crm_dd *d, const char *const *ids)
{
	FILE *fp = fopen(o->all_pairs, "w");
	crm_csv_writer *w;
	const uint64_t *cand;
	size_t n;

	if (fp == NULL) {
		crm_warn("%s: %s", o->all_pairs, strerror(errno));
		return CRM_EX_CANTCREAT;
	}
	w = crm_csv_writer_new(fp, o->all_pairs, false, false);
	crm_csv_write_row(w, (const char *const[]){"id_a", "id_b", "score"}, 3);
	cand = crm_dd_candidates(d, &n);
	for (size_t i = 0; i < n; i++) {
		char score[32];

		snprintf(score, sizeof score, "%.6f", crm_dd_probability(d, (size_t)(cand[i] >> 32),
		                                                       (size_t)(cand[i] & 0xFFFFFFFFu)));
		crm_csv_write_field(w, ids[cand[i] >> 32]);
		crm_csv_write_field(w, ids[cand[i] & 0xFFFFFFFFu]);
		crm_csv_write_field(w, score);
		crm_csv_end_row(w);
	}
	if (crm_csv_writer_close(w) != 0 || fclose(fp) != 0)
		return CRM_EX_IOERR;
	return 0;
}

/* ---- --stream ------------------------------------------------------------ */

struct table {
	char **cells; /* nrows * ncols */
	char **header;
	size_t nrows, ncols, cap;
};

static void
table_free(struct table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	for (size_t c = 0; t->header != NULL && c < t->ncols; c++)
		free(t->header[c]);
	free(t->cells);
	free(t->header);
}

static int
read_table(const struct options *o, struct table *t)
{
	struct crm_csv_options copt = {o->encoding, 0, o->sheet};
	const struct crm_csv_record *rec;
	crm_csv_reader *r;
	int status = 0, rc;
	const char *path = o->input != NULL ? o->input : "-";

	r = crm_csv_open(path, &copt, &status);
	if (r == NULL)
		return status;
	while ((rc = crm_csv_next(r, &rec)) == 1) {
		if (rec->error != NULL) {
			crm_warn("%s:%ld: column %ld: %s", crm_csv_name(r), rec->line, rec->error_field + 1,
			         rec->error);
			status = CRM_EX_DATAERR;
			break;
		}
		if (t->header == NULL) {
			t->ncols = rec->nfields;
			t->header = crm_xcalloc(t->ncols, sizeof *t->header);
			for (size_t c = 0; c < t->ncols; c++)
				t->header[c] = crm_xstrdup(rec->fields[c]);
			continue;
		}
		if (rec->nfields > t->ncols) {
			crm_warn("%s:%ld: %zu fields, but the header has %zu", crm_csv_name(r), rec->line,
			         rec->nfields, t->ncols);
			status = CRM_EX_DATAERR;
			break;
		}
		if (t->nrows == t->cap) {
			t->cap = t->cap ? 2 * t->cap : 1024;
			t->cells = crm_xreallocarray(t->cells, t->cap * t->ncols, sizeof *t->cells);
		}
		for (size_t c = 0; c < t->ncols; c++)
			t->cells[t->nrows * t->ncols + c] =
			    crm_xstrdup(c < rec->nfields ? rec->fields[c] : "");
		t->nrows++;
	}
	if (rc < 0)
		status = crm_csv_failure(r);
	if (status == 0 && t->header == NULL) {
		crm_warn("%s: no header row", crm_csv_name(r));
		status = CRM_EX_DATAERR;
	}
	crm_csv_close(r);
	return status;
}

/* Does every non-empty value of column c differ (an id column, which can
 * only mislead a comparison)? */
static bool
all_distinct(const struct table *t, size_t c)
{
	crm_hash *h = crm_hash_new();
	bool distinct = true;
	size_t filled = 0;

	for (size_t r = 0; r < t->nrows && distinct; r++) {
		const char *v = t->cells[r * t->ncols + c];
		size_t len = strlen(v);

		while (len > 0 && v[0] == ' ')
			v++, len--;
		if (len == 0)
			continue;
		filled++;
		if (crm_hash_add(h, v, len, 1) > 1)
			distinct = false;
	}
	crm_hash_free(h);
	return distinct && filled > 1;
}

/* Does some column's header fold to the same key as name? */
static bool
names_column(const struct table *t, const char *name)
{
	char *want = crm_text_key(name);
	bool found = false;

	for (size_t c = 0; c < t->ncols && want != NULL && !found; c++) {
		char *have = crm_text_key(t->header[c]);

		found = have != NULL && strcmp(have, want) == 0;
		free(have);
	}
	free(want);
	return found;
}

/* How each column is compared: a field of the model, or -1. E-mail and phone
 * columns are pooled into one field each. */
static size_t
plan_columns(const struct options *o, const struct crm_config *cfg, const struct table *t,
             struct crm_dd_field *fields, int *col_field)
{
	size_t nf = 0;
	int email = -1, phone = -1;

	for (size_t i = 0; i < o->nignore; i++)
		if (!names_column(t, o->ignore[i]))
			crm_cli_usage_error("option '--ignore': the file has no column \"%s\"",
			                    o->ignore[i]);
	for (size_t c = 0; c < t->ncols; c++) {
		enum crm_field f = crm_mapping_field(t->header[c], CRM_KIND_CUSTOMERS, cfg);
		char *key = crm_text_key(t->header[c]);
		int kind = -1;
		bool ignored = false;

		col_field[c] = -1;
		for (size_t i = 0; i < o->nignore; i++) {
			char *ik = crm_text_key(o->ignore[i]);

			if (key != NULL && ik != NULL && strcmp(ik, key) == 0)
				ignored = true;
			free(ik);
		}
		switch (f) {
		case F_NAME: kind = CRM_DD_NAME; break;
		case F_COMPANY: kind = CRM_DD_COMPANY; break;
		case F_EMAIL: kind = CRM_DD_EMAIL; break;
		case F_PHONE: kind = CRM_DD_PHONE; break;
		case F_BIRTHDAY: kind = CRM_DD_DATE; break;
		case F_CITY: case F_REGION: case F_COUNTRY: kind = CRM_DD_TEXT; break;
		case F_NONE:
			kind = key != NULL ? crm_dd_kind_of_header(key) : -1;
			if (kind < 0 && !all_distinct(t, c))
				kind = CRM_DD_TEXT;
			break;
		default: /* ids, owners, dates of record, notes: not evidence */
			break;
		}
		free(key);
		if (kind < 0 || ignored)
			continue;
		if (kind == CRM_DD_EMAIL && email >= 0) {
			col_field[c] = email;
			continue;
		}
		if (kind == CRM_DD_PHONE && phone >= 0) {
			col_field[c] = phone;
			continue;
		}
		if (nf == 13) {
			crm_warn("more than 13 columns to compare: \"%s\" and later ones are not used",
			         t->header[c]);
			break;
		}
		fields[nf].name = t->header[c];
		while (*fields[nf].name == ' ')
			fields[nf].name++;
		fields[nf].kind = (enum crm_dd_kind)kind;
		if (kind == CRM_DD_EMAIL)
			email = (int)nf;
		if (kind == CRM_DD_PHONE)
			phone = (int)nf;
		col_field[c] = (int)nf++;
	}
	return nf;
}

static int
run_stream(const struct options *o, const struct crm_config *cfg)
{
	struct table t = {0};
	struct crm_dd_field fields[16];
	struct crm_dd_options dopt;
	double weights[16][CRM_NLEVELS];
	int *col_field, status;
	size_t nf;
	crm_dd *d;
	crm_csv_writer *w;
	crm_buf *vals;
	char **ids;

	if ((status = read_table(o, &t)) != 0) {
		table_free(&t);
		return status;
	}
	col_field = crm_xcalloc(t.ncols, sizeof *col_field);
	nf = plan_columns(o, cfg, &t, fields, col_field);
	if (nf == 0) {
		crm_warn("%s: no column to compare (name, e-mail, phone, company ...)",
		         o->input != NULL ? o->input : "<stdin>");
		free(col_field);
		return CRM_EX_DATAERR;
	}
	d = crm_dd_new(fields, nf);
	crm_dd_set_phone_region(d, cfg->phone_region);
	vals = crm_xcalloc(nf, sizeof *vals);
	ids = crm_xcalloc(t.nrows + 1, sizeof *ids);
	for (size_t r = 0; r < t.nrows; r++) {
		const char *v[16];

		for (size_t f = 0; f < nf; f++)
			crm_buf_reset(&vals[f]);
		for (size_t c = 0; c < t.ncols; c++) {
			const char *cell = t.cells[r * t.ncols + c];

			if (col_field[c] < 0 || *cell == 0)
				continue;
			if (vals[col_field[c]].len)
				crm_buf_putc(&vals[col_field[c]], '\n');
			crm_buf_puts(&vals[col_field[c]], cell);
		}
		for (size_t f = 0; f < nf; f++)
			v[f] = crm_buf_str(&vals[f]);
		if (crm_dd_add(d, v) == SIZE_MAX) {
			crm_warn("%s: row %zu: a value is not valid UTF-8",
			         o->input != NULL ? o->input : "<stdin>", r + 2);
			status = CRM_EX_DATAERR;
			goto out;
		}
		ids[r] = crm_xasprintf("%zu", r + 1);
	}
	set_thresholds(o, cfg, &dopt);
	if ((status = config_weights(cfg, fields, nf, weights)) != 0)
		goto out;
	dopt.weights = (const double (*)[CRM_NLEVELS])weights;
	crm_dd_run(d, &dopt);
	if (o->all_pairs && (status = write_all_pairs(o, d, (const char *const *)ids)) != 0)
		goto out;
	if (o->explain) {
		crm_dd_explain(d, stdout);
		goto out;
	}
	w = crm_csv_writer_new(stdout, "<stdout>", o->common.tsv, o->common.excel_safe);
	for (size_t c = 0; c < t.ncols; c++)
		crm_csv_write_field(w, t.header[c]);
	crm_csv_write_field(w, "cluster_id");
	crm_csv_write_field(w, "match_score");
	crm_csv_end_row(w);
	for (size_t r = 0; r < t.nrows; r++) {
		char cluster[32], score[32] = "";
		double p = crm_dd_cluster_score(d, r);

		for (size_t c = 0; c < t.ncols; c++)
			crm_csv_write_field(w, t.cells[r * t.ncols + c]);
		snprintf(cluster, sizeof cluster, "%zu", crm_dd_cluster(d, r) + 1);
		if (p >= 0)
			snprintf(score, sizeof score, "%.4f", p);
		crm_csv_write_field(w, cluster);
		crm_csv_write_field(w, score);
		crm_csv_end_row(w);
	}
	status = crm_csv_writer_close(w);
	summary(o, d, NULL);
out:
	for (size_t r = 0; r < t.nrows; r++)
		free(ids[r]);
	table_free(&t);
	for (size_t f = 0; f < nf; f++)
		crm_buf_free(&vals[f]);
	free(vals), free(ids), free(col_field);
	crm_dd_free(d);
	return status;
}

/* ---- the store ----------------------------------------------------------- */

/* The fields of a stored customer, in the order crm_merge_customer has them. */
static const struct crm_dd_field store_fields[] = {
	{"name", CRM_DD_NAME},    {"company", CRM_DD_COMPANY}, {"email", CRM_DD_EMAIL},
	{"phone", CRM_DD_PHONE},  {"birthday", CRM_DD_DATE},   {"city", CRM_DD_TEXT},
	{"region", CRM_DD_TEXT},  {"country", CRM_DD_TEXT},
};
#define NSTORE_FIELDS (sizeof store_fields / sizeof store_fields[0])

struct store_run {
	const struct options *o;
	crm_store *s;
	struct crm_merge_customer *c; /* live customers, by id */
	size_t n;
	crm_dd *d;
	char **ids; /* customer ids as text, by record index */
	char now[32];
	double weights[NSTORE_FIELDS][CRM_NLEVELS]; /* dedupe.weights, NaN: fitted */
	struct crm_dd_options dopt;                  /* thresholds and weights in use */
};

static size_t
index_of_id(const struct store_run *run, int64_t id)
{
	size_t lo = 0, hi = run->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (run->c[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < run->n && run->c[lo].id == id ? lo : SIZE_MAX;
}

static void
keep_apart_cb(int64_t a, int64_t b, void *arg)
{
	struct store_run *run = arg;
	size_t ia = index_of_id(run, a), ib = index_of_id(run, b);

	if (ia != SIZE_MAX && ib != SIZE_MAX)
		crm_dd_keep_apart(run->d, ia, ib);
}

static int
build_model(struct store_run *run, const struct crm_config *cfg)
{
	run->c = crm_merge_load(run->s, &run->n);
	run->d = crm_dd_new(store_fields, NSTORE_FIELDS);
	crm_dd_set_phone_region(run->d, cfg->phone_region);
	run->ids = crm_xcalloc(run->n + 1, sizeof *run->ids);
	for (size_t i = 0; i < run->n; i++) {
		const struct crm_merge_customer *c = &run->c[i];
		const char *v[NSTORE_FIELDS] = {c->name, c->company, c->emails, c->phones,
		                                c->birthday, c->city, c->region, c->country};

		if (crm_dd_add(run->d, v) == SIZE_MAX)
			crm_die(CRM_EX_DATAERR, "customer %lld: a stored value is not valid UTF-8",
			        (long long)c->id);
		run->ids[i] = crm_xasprintf("%lld", (long long)c->id);
	}
	crm_merge_keep_apart_each(run->s, keep_apart_cb, run);
	set_thresholds(run->o, cfg, &run->dopt);
	if (config_weights(cfg, store_fields, NSTORE_FIELDS, run->weights) != 0)
		return CRM_EX_CONFIG;
	run->dopt.weights = (const double (*)[CRM_NLEVELS])run->weights;
	crm_dd_run(run->d, &run->dopt);
	return 0;
}

/* "merge" when the pair is confident and its records ended in one cluster,
 * else "review". */
static const char *
decision(const struct store_run *run, const struct crm_dd_pair *p, double merge_t)
{
	return p->p >= merge_t && crm_dd_cluster(run->d, p->a) == crm_dd_cluster(run->d, p->b)
	           ? "merge"
	           : "review";
}

/* The first of a '\n' list of contacts, masked with --mask. */
static const char *
first_line_of(const char *s, bool mask, char *buf, size_t size)
{
	char first[256];
	size_t n;

	if (s == NULL)
		return "";
	n = strcspn(s, "\n");
	snprintf(first, sizeof first, "%.*s", (int)n, s);
	if (mask)
		crm_mask_contact(first, buf, size);
	else
		snprintf(buf, size, "%s", first);
	return buf;
}

static void
write_pairs(const struct store_run *run, crm_csv_writer *w, double merge_t, bool review_only)
{
	static const char *const header[] = {
	    "id_a", "id_b", "score", "decision", "evidence", "external_id_a", "external_id_b",
	    "name_a", "name_b", "email_a", "email_b", "phone_a", "phone_b", "company_a",
	    "company_b", "city_a", "city_b"};

	crm_csv_write_row(w, header, sizeof header / sizeof header[0]);
	for (size_t i = 0; i < crm_dd_npairs(run->d); i++) {
		const struct crm_dd_pair *p = crm_dd_pair_at(run->d, i);
		const struct crm_merge_customer *a = &run->c[p->a], *b = &run->c[p->b];
		const char *dec = decision(run, p, merge_t);
		char score[32], ea[256], eb[256], pa[64], pb[64];
		char *evidence;

		if (review_only && strcmp(dec, "review") != 0)
			continue;
		snprintf(score, sizeof score, "%.4f", p->p);
		evidence = crm_dd_evidence(run->d, p);
		crm_csv_write_row(w,
		                  (const char *const[]){run->ids[p->a], run->ids[p->b], score, dec,
		                                        evidence, a->external_id, b->external_id,
		                                        a->name, b->name,
		                                        first_line_of(a->emails, run->o->mask, ea, sizeof ea),
		                                        first_line_of(b->emails, run->o->mask, eb, sizeof eb),
		                                        first_line_of(a->phones, run->o->mask, pa, sizeof pa),
		                                        first_line_of(b->phones, run->o->mask, pb, sizeof pb),
		                                        a->company, b->company, a->city, b->city},
		                  sizeof header / sizeof header[0]);
		free(evidence);
	}
}

static int
write_review(const struct store_run *run, double merge_t)
{
	FILE *fp = fopen(run->o->review, "w");
	crm_csv_writer *w;

	if (fp == NULL) {
		crm_warn("%s: %s", run->o->review, strerror(errno));
		return CRM_EX_CANTCREAT;
	}
	w = crm_csv_writer_new(fp, run->o->review, false, run->o->common.excel_safe);
	write_pairs(run, w, merge_t, true);
	if (crm_csv_writer_close(w) != 0 || fclose(fp) != 0)
		return CRM_EX_IOERR;
	return 0;
}

/* Merge every cluster of two or more; returns the customers merged away. */
static size_t
merge_clusters(struct store_run *run)
{
	size_t n = run->n, merged = 0;
	size_t *best = crm_xcalloc(n + 1, sizeof *best);  /* per cluster: pair index + 1 */
	size_t *start = crm_xcalloc(n + 2, sizeof *start); /* members of cluster c: */
	size_t *members = crm_xcalloc(n + 1, sizeof *members); /* members[start[c]..start[c+1]) */
	size_t *fill = crm_xcalloc(n + 2, sizeof *fill);     /* next free slot per cluster */
	int64_t *ids = crm_xcalloc(n + 1, sizeof *ids);

	for (size_t i = 0; i < crm_dd_npairs(run->d); i++) {
		const struct crm_dd_pair *p = crm_dd_pair_at(run->d, i);
		size_t cl = crm_dd_cluster(run->d, p->a);

		if (cl == crm_dd_cluster(run->d, p->b) && best[cl] == 0)
			best[cl] = i + 1;
	}
	/* Group the records by cluster id with one counting pass. */
	for (size_t i = 0; i < n; i++)
		start[crm_dd_cluster(run->d, i) + 1]++;
	for (size_t c = 0; c < n; c++)
		start[c + 1] += start[c];
	for (size_t c = 0; c <= n; c++)
		fill[c] = start[c];
	for (size_t i = 0; i < n; i++)
		members[fill[crm_dd_cluster(run->d, i)]++] = i;
	for (size_t cl = 0; cl < n; cl++) {
		size_t k = start[cl + 1] - start[cl];
		const struct crm_dd_pair *p;
		char *evidence;

		if (best[cl] == 0 || k < 2)
			continue;
		for (size_t j = 0; j < k; j++)
			ids[j] = run->c[members[start[cl] + j]].id;
		p = crm_dd_pair_at(run->d, best[cl] - 1);
		evidence = crm_dd_evidence(run->d, p);
		crm_merge_customers(run->s, ids, k, p->p, evidence, "auto", run->now, NULL);
		free(evidence);
		merged += k - 1;
	}
	free(best), free(start), free(members), free(fill), free(ids);
	return merged;
}

struct decision_row {
	int64_t a, b;
	bool merge;
	double score;
};

/* Read an edited review file; every row must name two ids and a decision of
 * merge, keep-apart, or review/empty (skipped). Returns 0 or 65/66. */
static int
read_decisions(const char *path, const char *sheet, struct decision_row **out, size_t *n)
{
	struct crm_csv_options copt = {NULL, 0, sheet};
	const struct crm_csv_record *rec;
	crm_csv_reader *r;
	int status = 0, ca = -1, cb = -1, cd = -1, cs = -1, rc;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if ((r = crm_csv_open(path, &copt, &status)) == NULL)
		return status;
	while (status == 0 && (rc = crm_csv_next(r, &rec)) == 1) {
		const char *dec;
		char *end_a, *end_b;
		long long a, b;

		if (rec->error != NULL) {
			crm_warn("%s:%ld: %s", path, rec->line, rec->error);
			status = CRM_EX_DATAERR;
			break;
		}
		if (ca < 0 && cb < 0) {
			const char *const *h = (const char *const *)rec->fields;

			ca = crm_index_of("id_a", h, rec->nfields), cb = crm_index_of("id_b", h, rec->nfields);
			cd = crm_index_of("decision", h, rec->nfields);
			cs = crm_index_of("score", h, rec->nfields);
			if (ca < 0 || cb < 0 || cd < 0) {
				crm_warn("%s:%ld: the header needs id_a, id_b and decision columns", path,
				         rec->line);
				status = CRM_EX_DATAERR;
			}
			continue;
		}
		dec = (size_t)cd < rec->nfields ? rec->fields[cd] : "";
		if (*dec == 0 || strcmp(dec, "review") == 0)
			continue;
		if (strcmp(dec, "merge") != 0 && strcmp(dec, "keep-apart") != 0 &&
		    strcmp(dec, "keep_apart") != 0) {
			crm_warn("%s:%ld: column %d (decision): \"%s\" is not merge, keep-apart or review",
			         path, rec->line, cd + 1, dec);
			status = CRM_EX_DATAERR;
			break;
		}
		a = (size_t)ca < rec->nfields ? strtoll(rec->fields[ca], &end_a, 10) : 0;
		b = (size_t)cb < rec->nfields ? strtoll(rec->fields[cb], &end_b, 10) : 0;
		if (a <= 0 || b <= 0 || *end_a != 0 || *end_b != 0 || a == b) {
			crm_warn("%s:%ld: id_a and id_b must be two different customer ids", path,
			         rec->line);
			status = CRM_EX_DATAERR;
			break;
		}
		if (*n == cap) {
			cap = cap ? 2 * cap : 64;
			*out = crm_xreallocarray(*out, cap, sizeof **out);
		}
		(*out)[(*n)++] = (struct decision_row){
		    a, b, strcmp(dec, "merge") == 0,
		    cs >= 0 && (size_t)cs < rec->nfields ? strtod(rec->fields[cs], NULL) : NAN};
	}
	if (status == 0 && rc < 0)
		status = crm_csv_failure(r);
	crm_csv_close(r);
	return status;
}

static int
apply_decisions(struct store_run *run)
{
	struct decision_row *rows;
	size_t n, merged = 0, apart = 0, skipped = 0;
	int status = read_decisions(run->o->apply, run->o->sheet, &rows, &n);

	if (status != 0) {
		free(rows);
		return status;
	}
	crm_store_begin(run->s);
	for (size_t i = 0; i < n; i++) {
		int64_t a = crm_merge_resolve(run->s, rows[i].a), b = crm_merge_resolve(run->s, rows[i].b);

		if (a < 0 || b < 0) {
			crm_warn("%s: customers %lld and %lld: %lld is not in the store", run->o->apply,
			         (long long)rows[i].a, (long long)rows[i].b,
			         (long long)(a < 0 ? rows[i].a : rows[i].b));
			status = CRM_EX_DATAERR;
			break;
		}
		if (!rows[i].merge) {
			crm_merge_keep_apart(run->s, rows[i].a, rows[i].b, run->now);
			apart++;
		} else if (a == b) {
			skipped++; /* merged already */
		} else {
			int64_t ids[2] = {a, b};

			crm_merge_customers(run->s, ids, 2, rows[i].score, "decided by a person", "review",
			                    run->now, NULL);
			merged++;
		}
	}
	if (status != 0) {
		crm_store_rollback(run->s);
	} else {
		crm_store_commit(run->s);
		if (!run->o->common.quiet)
			crm_warn("%s: %zu merged, %zu kept apart, %zu merged already", run->o->apply,
			         merged, apart, skipped);
	}
	free(rows);
	return status;
}

static int
run_store(const struct options *o, const struct crm_config *cfg)
{
	struct store_run run = {.o = o};
	char *db = crm_cli_db_path(&o->common);
	crm_csv_writer *w;
	int status = 0;

	run.s = crm_store_open(db, false, cfg->busy_timeout_ms);
	free(db);
	crm_cli_now_text(&o->common, run.now);
	if (o->list || o->undo) {
		w = crm_csv_writer_new(stdout, "<stdout>", o->common.tsv, o->common.excel_safe);
		if (o->list) {
			crm_merge_list(run.s, w);
		} else {
			crm_store_begin(run.s);
			status = crm_merge_undo(run.s, o->undo, run.now);
			if (status == 0) {
				crm_store_commit(run.s);
				if (!o->common.quiet)
					crm_warn("merge %lld undone", (long long)o->undo);
			} else {
				crm_store_rollback(run.s);
			}
		}
		if (crm_csv_writer_close(w) != 0 && status == 0)
			status = CRM_EX_IOERR;
		crm_store_close(run.s);
		return status;
	}
	if (o->apply) {
		status = apply_decisions(&run);
		crm_store_close(run.s);
		return status;
	}
	if ((status = build_model(&run, cfg)) != 0)
		goto out;
	{
		const struct crm_dd_options dopt = run.dopt;

		if (o->all_pairs && (status = write_all_pairs(o, run.d, (const char *const *)run.ids)) != 0)
			goto out;
		if (o->review && (status = write_review(&run, dopt.merge_threshold)) != 0)
			goto out;
		if (o->explain) {
			crm_dd_explain(run.d, stdout);
		} else if (o->merge) {
			size_t merged;

			crm_store_begin(run.s);
			merged = merge_clusters(&run);
			crm_store_commit(run.s);
			if (!o->common.quiet)
				crm_warn("merged %zu customers into their duplicates (crm-dedupe "
				         "--list-merges shows how; --undo puts any back)", merged);
		} else {
			w = crm_csv_writer_new(stdout, "<stdout>", o->common.tsv, o->common.excel_safe);
			write_pairs(&run, w, dopt.merge_threshold, false);
			status = crm_csv_writer_close(w);
		}
		{
			char shown[32];

			summary(o, run.d, crm_thousands((long long)crm_dd_npairs(run.d), shown));
		}
	}
out:
	for (size_t i = 0; i < run.n; i++)
		free(run.ids[i]);
	free(run.ids);
	crm_merge_customers_free(run.c, run.n);
	crm_dd_free(run.d);
	crm_store_close(run.s);
	return status;
}

int
main(int argc, char **argv)
{
	struct options o = {0};
	struct crm_config *cfg;
	int status;

	crm_diag_init(argv[0]);
	parse_options(argc, argv, &o);
	if ((status = crm_config_load(o.common.config_path, &cfg)) != 0)
		return status;
	status = o.stream ? run_stream(&o, cfg) : run_store(&o, cfg);
	crm_config_free(cfg);
	free(o.ignore);
	crm_match_cleanup();
	return crm_cli_finish(status);
}
