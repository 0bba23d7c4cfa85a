/*
 * import — rows of an export into the store: normalise, resolve the
 * customer, insert or update, and remember enough to undo the whole run.
 *
 * Identity (SPEC §4): a customer row whose external id (within --source) is
 * stored updates that customer; one with an unknown external id is a new
 * customer; only rows without an external id match on exact normalised
 * e-mail, then phone. Orders, interactions and tickets find their customer by
 * external id, else e-mail, else phone, following merged_into to the
 * survivor. Rows are keyed so a second import of the same file changes
 * nothing: orders by order number, else by a derived key (customer, date,
 * amount, currency, status and the occurrence of that combination in the
 * file);
 * tickets by ticket number, else (customer, opened, category, summary,
 * occurrence); interactions by (customer, time, channel, kind, summary,
 * occurrence). An update writes only non-empty values and records the row's
 * previous values in import_undo, so crm_import_undo() can restore them.
 *
 * The caller owns the transaction (crm_store_begin/commit): a run is atomic.
 *
 * Threads: between crm_import_start and crm_import_finish a writer thread
 * of the importer stores the rows (see import.c); the caller must not use
 * the store in between, as SQLite runs single-threaded (store.c).
 */
#ifndef CRM_IMPORT_H
#define CRM_IMPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "csvio.h"
#include "diag.h"
#include "mapping.h"
#include "reject.h"
#include "store.h"

struct crm_import_options {
	const char *source;              /* namespace of external ids ("" default) */
	bool create_missing;             /* unknown customers of orders etc. are created */
	const struct crm_config *cfg;    /* currency, rates, phone region, date order */
	const char *now;                 /* "YYYY-MM-DD HH:MM:SS" for created/updated */
	bool collect_customers;          /* remember touched customers (for --emit) */
	bool redact;                     /* --redact: no personal data in rejects and
	                                    messages (crm_import_redact_line) */
	char reject_delimiter;           /* --redact: the masked lines' delimiter */
	long long expected_rows;         /* estimate of the rows to come, 0 if unknown */
};

struct crm_import_counts {
	long long read;              /* data rows read */
	long long added;             /* rows inserted */
	long long updated;           /* rows changed */
	long long unchanged;         /* rows already stored as they are */
	long long rejected;          /* rows refused (see the reject file) */
	long long customers_created; /* by --create-missing */
};

typedef struct crm_importer crm_importer;

/* Start the run for one file; logs it in the imports table. m is borrowed
 * and must outlive the importer. */
crm_importer *crm_import_start(crm_store *s, const struct crm_import_options *o,
                               const struct crm_mapping *m, const char *file);
/* Where rows refused from now on go, and the input's name for the first
 * three, which are also shown on stderr ("NAME:LINE: reason"). sheet: the
 * workbook sheet the rows come from, or NULL for CSV/TSV; its reasons read
 * "sheet 'NAME' row N: reason" (the reject file of a workbook is CSV, whose
 * own line numbers are not the sheet's). All are borrowed until
 * crm_import_finish. Without it refused rows are only counted. */
void crm_import_set_rejects(crm_importer *imp, crm_rejects *rj, const char *name,
                            const char *sheet);
/* Import one data record, or refuse it: refused is the reason the caller
 * already has (an unreadable record; a workbook's names sheet and cell
 * itself), else NULL. The row is prepared here
 * (fields normalised, bad values refused) and stored by the importer's
 * writer thread, in input order; a refused row goes to the reject file with
 * its reason, e.g. 'column "下单时间": cannot read "2024-13-40" as a date'.
 * rec is not used after the call returns. A reject file that cannot be
 * written, like a store error, ends the process with its exit status (the
 * transaction is never committed). */
void crm_import_record(crm_importer *imp, const struct crm_csv_record *rec, const char *refused);
/* --redact: the row as one CSV line (delimiter delim, "\n" end) with the
 * personal columns masked — e-mails and phones as crm_mask_contact shows
 * them, names, companies, birthdays, notes, summaries and columns of no
 * field (imported as extra) as their first character and "***"; ids,
 * dates, amounts, statuses stay. m NULL: nothing masked (a header). Replaces
 * the line in *out. */
void crm_import_redact_line(const struct crm_mapping *m, const char *const *fields, size_t n,
                            char delim, crm_buf *out);
/* A better estimate of the rows still to come (from the length of the rows
 * read so far): the id map of a customer import is sized once for them
 * instead of doubling as it fills. */
void crm_import_expect(crm_importer *imp, long long rows);
/* Finish: wait until every row is stored, then derived updates (leads that
 * bought become customers), counts and the file's sha256 into the log.
 * Returns the import id. */
int64_t crm_import_finish(crm_importer *imp, const char *sha256_hex,
                          struct crm_import_counts *counts);
/* Customers this run touched (rowids, sorted, unique; empty unless
 * collect_customers was set); owned by imp. */
const int64_t *crm_import_customers(crm_importer *imp, size_t *n);
void crm_import_free(crm_importer *imp);

/* Revert import id (inside the caller's transaction): delete what it added,
 * restore what it changed. Returns 0, or CRM_EX_DATAERR after a message when
 * the import is unknown, already undone, or later imports depend on it. */
int crm_import_undo(crm_store *s, int64_t id, const char *now);

/* Write the import log as a CSV/TSV table. */
void crm_import_list(crm_store *s, crm_csv_writer *w);

/* Write a customer stream (customer_id, external_id, name, company, email,
 * phone, city, region, owner, status) for the given rowids, in id order,
 * each once (ids is sorted in place). */
void crm_customers_emit(crm_store *s, int64_t *ids, size_t n, crm_csv_writer *w);

#endif
