/*
 * xlsxout — tables written as an .xlsx workbook, over libxlsxwriter.
 *
 * A workbook is a sequence of worksheets, each a header row and rows of
 * cells given as the same strings a CSV holds. Each column has a type
 * (render.h, crm_coltype): a cell that reads as its column's type is
 * written as a number with a number format (dates as Excel dates shown
 * yyyy-mm-dd, percents as fractions shown 0.0%, money with the currency's
 * decimals), anything else as text, and an empty cell stays empty. Text
 * columns are never converted, so phones, ids with leading zeros and
 * postcodes stay as written; a cell never becomes a formula.
 *
 * Every sheet gets a bold header row that stays in view (frozen), an
 * autofilter over its data and column widths that fit the widest cell in
 * display columns (a CJK character is two, lib/text), capped at
 * CRM_XLSX_WIDTH_MAX. Sheet names are made valid for Excel: at most 31
 * characters, none of [ ] : * ? / \, no apostrophe first or last, not
 * "History", and unique (case-insensitively) in the workbook.
 *
 * Memory: libxlsxwriter runs in constant-memory mode, each row goes to a
 * temporary file when the next begins, so a million rows take no more
 * memory than ten. The workbook is assembled in a temporary file in
 * $TMPDIR (else /tmp), mode 0600, and copied to the output at the end:
 * libxlsxwriter 1.1 can only write a named file that it seeks in, which
 * stdout (a pipe) is not. The temporary file is removed at close, and at
 * exit when a tool dies before.
 *
 * A worksheet holds at most 1,048,576 rows; rows beyond go on to a next
 * sheet of the same columns, named "NAME 2", "NAME 3", ...
 *
 * Errors: every libxlsxwriter call is checked; the first failure prints
 * "prog: OUTPUT: cannot write the workbook: ..." (OUTPUT as given to
 * crm_xlsx_new), later calls do nothing, and crm_xlsx_close returns
 * CRM_EX_IOERR. A text longer than Excel's 32,767 characters is cut there
 * with a warning naming sheet, row and column.
 */
#ifndef CRM_XLSXOUT_H
#define CRM_XLSXOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "render.h"

#define CRM_XLSX_WIDTH_MAX 60 /* widest column, in characters */
#define CRM_XLSX_TEXT_MAX 32767 /* longest cell text Excel holds */

typedef struct crm_xlsx crm_xlsx;

/* A new, empty workbook; output names where it will go, for messages.
 * Returns NULL after a message when the temporary file cannot be made. */
crm_xlsx *crm_xlsx_new(const char *output);

/* Start a worksheet, finishing the one before: its name (made valid and
 * unique), header (ncols names) and column types (NULL: all text). */
void crm_xlsx_sheet(crm_xlsx *x, const char *name, const char *const *header,
                    const enum crm_coltype *types, size_t ncols);
/* The next cell of the current row (NULL or "" is an empty cell); cells
 * beyond the header's columns are written as text. */
void crm_xlsx_cell(crm_xlsx *x, const char *text);
/* End the current row. */
void crm_xlsx_end_row(crm_xlsx *x);
/* A whole row of n cells. */
void crm_xlsx_row(crm_xlsx *x, const char *const *cells, size_t n);

/* Finish the workbook and copy it to out (flushed; the file stays open).
 * Returns 0, or CRM_EX_IOERR after the message; a reader that went away
 * (EPIPE) is no error. Frees x and removes the temporary file. */
int crm_xlsx_close(crm_xlsx *x, FILE *out);

/* Rows a sheet takes before the rest goes on to the next (for tests; the
 * default and the most is Excel's 1,048,576, header included). */
void crm_xlsx_set_row_limit(crm_xlsx *x, size_t rows);

/* The value cell text s of a column of type t is written as: true with *v
 * set (dates: Excel's serial day, 1900 system; percent: the fraction),
 * false when s stays text. Numbers are plain decimals: an optional '-',
 * no leading zero before other digits, at most 15 significant digits
 * (Excel's precision), an exponent only in DECIMAL columns. Dates before
 * 1900-03-01 stay text (Excel's serials are wrong there). */
bool crm_xlsx_number(enum crm_coltype t, const char *s, double *v);

/* name made a valid sheet name (see above; uniqueness is the workbook's)
 * into out, which holds at least CRM_XLSX_NAME_MAX bytes. */
#define CRM_XLSX_NAME_MAX 128
void crm_xlsx_sheet_name(const char *name, char *out);

#endif
