/*
 * crm-forget — erase customers completely (a data-subject request): every
 * table, the history, the merge log and the reminders; freed space
 * overwritten, write-ahead log emptied.
 *
 * Flow: options → config → store → resolve each id (store id, or external
 * id with --external) → one transaction erasing every group (or counting,
 * with --dry-run) → the counts per table on standard output.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "csvio.h"
#include "diag.h"
#include "forget.h"
#include "store.h"

static const char usage[] =
	"usage: crm-forget [options] ID...\n"
	"Erase customers completely: the customer and every record merged into it,\n"
	"their orders, interactions, tickets, reminders, segment and score history,\n"
	"merge log and import undo data. The space is overwritten and the\n"
	"write-ahead log emptied. Writes the rows erased per table.\n"
	"\n"
	"  -n, --dry-run          count what would be erased; change nothing\n"
	"  -e, --external         the IDs are external ids (as in the user's exports),\n"
	"                         not store ids\n"
	CRM_CLI_COMMON_HELP
	"\n"
	"Exit status: 0 ok, 64 usage, 65 no such customer (nothing erased), 66 no\n"
	"store, 74 I/O error, 75 store busy, 78 configuration error (see crm-forget(1)).\n";

static const struct option longopts[] = {
	{"dry-run", no_argument, NULL, 'n'},
	{"external", no_argument, NULL, 'e'},
	CRM_CLI_COMMON_OPTIONS,
	{NULL, 0, NULL, 0},
};

struct options {
	struct crm_common common;
	bool dry_run, external;
	char **ids;
	int nids;
};

static void
parse_options(int argc, char **argv, struct options *o)
{
	int opt;

	while ((opt = crm_cli_getopt(argc, argv, "ne" CRM_CLI_COMMON_SHORT, longopts)) != -1) {
		if (crm_cli_common(opt, optarg, &o->common, usage))
			continue;
		switch (opt) {
		case 'n': o->dry_run = true; break;
		case 'e': o->external = true; break;
		default: crm_cli_usage_error("unexpected option");
		}
	}
	if (optind >= argc)
		crm_cli_usage_error("name at least one customer ID");
	o->ids = argv + optind;
	o->nids = argc - optind;
	if (!o->external)
		for (int i = 0; i < o->nids; i++)
			(void)crm_cli_number("ID", o->ids[i], 1, INT64_MAX);
}

/* The store ids an argument names: itself, or every customer with that
 * external id (any source). Returns the count (0: none), ids in *out. */
static size_t
ids_of(crm_store *s, const struct options *o, const char *arg, int64_t **out)
{
	sqlite3_stmt *st;
	size_t n = 0;

	*out = NULL;
	if (!o->external) {
		*out = crm_xmalloc(sizeof **out);
		(*out)[0] = strtoll(arg, NULL, 10);
		return 1;
	}
	st = crm_store_prepare(s, "SELECT id FROM customers WHERE external_id = ? ORDER BY id");
	crm_store_bind_text(s, st, 1, arg);
	while (crm_store_step(s, st) == SQLITE_ROW) {
		*out = crm_xreallocarray(*out, n + 1, sizeof **out);
		(*out)[n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return n;
}

static int
write_counts(const struct options *o, const size_t *counts)
{
	crm_csv_writer *w = crm_csv_writer_new(stdout, "<stdout>", o->common.tsv, false);

	crm_csv_write_row(w, (const char *const[]){"table", "rows"}, 2);
	for (int t = 0; t < CRM_FORGET_NTABLES; t++) {
		char n[32];

		snprintf(n, sizeof n, "%zu", counts[t]);
		crm_csv_write_row(w, (const char *const[]){crm_forget_table_name(t), n}, 2);
	}
	return crm_csv_writer_close(w);
}

int
main(int argc, char **argv)
{
	struct options o = {0};
	struct crm_config *cfg;
	size_t counts[CRM_FORGET_NTABLES] = {0};
	crm_store *s;
	char *db;
	int status = 0;

	crm_diag_init(argv[0]);
	parse_options(argc, argv, &o);
	if ((status = crm_config_load(o.common.config_path, &cfg)) != 0)
		return status;
	db = crm_cli_db_path(&o.common);
	s = crm_store_open(db, false, cfg->busy_timeout_ms);
	free(db);
	crm_forget_prepare(s);
	crm_store_begin(s);
	for (int i = 0; i < o.nids && status == 0; i++) {
		int64_t *ids;
		size_t n = ids_of(s, &o, o.ids[i], &ids);

		if (n == 0)
			status = CRM_EX_DATAERR;
		for (size_t k = 0; k < n && status == 0; k++)
			if (!crm_forget_customer(s, ids[k], o.dry_run, counts))
				status = CRM_EX_DATAERR;
		if (status != 0)
			crm_warn("no customer %s%s in the store: nothing erased", o.external ? "with external id " : "",
			         o.ids[i]);
		free(ids);
	}
	if (status != 0 || o.dry_run) {
		crm_store_rollback(s);
	} else {
		crm_store_commit(s);
		crm_forget_flush(s);
	}
	if (status == 0) {
		status = write_counts(&o, counts);
		if (!o.common.quiet)
			crm_warn("%s %zu customer records%s", o.dry_run ? "would erase" : "erased",
			         counts[CRM_FORGET_CUSTOMERS],
			         o.dry_run ? " (dry run: nothing changed)" : "");
	}
	crm_store_close(s);
	crm_config_free(cfg);
	return crm_cli_finish(status);
}
