/*
 * workbook — Excel workbooks (.xlsx and legacy .xls) read row by row.
 *
 * The kind is told by content, never by the file name: a zip archive
 * ("PK\3\4") is read as OOXML SpreadsheetML (.xlsx) through libzip and expat,
 * an OLE2 compound file (D0 CF 11 E0 A1 B1 1A E1) as BIFF (.xls) through
 * libfreexl. An .xlsx sheet is parsed with expat (SAX) fed from zip_fread()
 * chunks and suspended after each row, so memory is bounded by the longest
 * row plus the shared-string table, never by the sheet. Past the header, a
 * reader thread parses the sheet ahead in batches (at most four of 2,048
 * rows) while the caller uses the rows, so parsing and storing share two
 * cores. libfreexl reads a
 * whole .xls into memory (BIFF allows at most 65,536 rows); since libfreexl
 * 1.0.6 has memory errors on crafted files, it first reads each .xls in a
 * forked child, and a file that makes it crash there is refused (65).
 * libfreexl does not read the cached results of formulas: in an .xls they
 * read as empty.
 *
 * Cell values come out as the text a user sees in Excel for the "General"
 * format, with these rules:
 *  - Numbers are converted from the decimal text in the file by string
 *    arithmetic, never through a binary double: "1.3800138E10" reads as
 *    13800138000, "-0.5" as -0.5. They are rounded to 15 significant digits
 *    (Excel's display precision), so 12.300000000000001, a binary float
 *    written with 17 digits, reads as 12.3. An integral value has no ".0".
 *    Magnitudes from 1E-15 to below 1E21 are written without an exponent,
 *    others as 1.5E-30. In .xls files numbers are binary doubles: they are
 *    printed with 15 significant digits (%.15g) and then the same way.
 *  - Cells whose number format is a date or time (built-in formats 14-22,
 *    45-47 and the CJK built-ins 27-36, 50-58; or a custom format with y, m,
 *    d, h or s outside quotes and [...], [h] [mm] [ss] counting as time)
 *    read as YYYY-MM-DD, YYYY-MM-DD HH:MM:SS when the value has a time of
 *    day (rounded to the nearest second), or HH:MM:SS for time-only formats.
 *    Both date systems are honoured (workbookPr date1904). In the 1900
 *    system serial 60 is Excel's fictitious 1900-02-29 and serials 1-59 are
 *    one day off (counted from 1899-12-31), as Excel shows them; serial 0 is
 *    shown as Excel does, 1900-01-00. Negative serials, and serials past
 *    9999-12-31, read as plain numbers.
 *  - Shared and inline strings are UTF-8 (rich-text runs concatenated,
 *    phonetic runs left out, _xHHHH_ escapes decoded); booleans read TRUE or
 *    FALSE; a formula reads as its cached value; an error cell (#DIV/0!,
 *    #N/A, ...) reads as its text and makes the row an error row.
 * Sparse sheets keep their geometry: a missing cell is an empty field, and
 * row numbers are the sheet's. Trailing empty cells of a row are dropped and
 * empty rows are skipped (still counted in row numbers).
 *
 * Sheet choice: a sheet is named by its name, or by its 1-based position
 * when no sheet has that name. Without a choice, the first sheet that has a
 * non-empty row. The header is the first non-empty row, except that title
 * rows above it - rows with a single non-empty cell (typically a merged
 * title) followed, within five non-empty rows, by a row with two or more -
 * are skipped, with one note on stderr.
 */
#ifndef CRM_WORKBOOK_H
#define CRM_WORKBOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum crm_wb_kind {
	CRM_WB_NONE, /* not a workbook */
	CRM_WB_XLSX, /* zip archive */
	CRM_WB_XLS,  /* OLE2 compound file */
};

/* What the first bytes (head[0..n)) of an input are. */
enum crm_wb_kind crm_wb_sniff(const void *head, size_t n);

typedef struct crm_wb crm_wb;

/* One row: cells[0..ncells) are UTF-8 strings owned by the reader, valid
 * until the next call. */
struct crm_wb_row {
	char **cells;
	size_t ncells;      /* trailing empty cells dropped; never 0 */
	long row;           /* sheet row number (1-based) */
	const char *error;  /* NULL, or "sheet 'X' cell D7: #DIV/0!" */
	long error_col;     /* 0-based column of the error, or -1 */
};

/* Open the workbook in fp, whose first head_len bytes (already read, fp is
 * past them) are head. path is the file fp was opened from, or NULL (a pipe:
 * the input is copied to a temporary file first, as both formats need
 * random access). fp is not closed. name is used in messages. On failure
 * print "NAME: not a readable workbook: WHY" and return NULL with *status
 * 65 (74 when reading fp or writing the temporary file failed). */
crm_wb *crm_wb_open_stream(FILE *fp, const void *head, size_t head_len, const char *path,
                           const char *name, int *status);
/* Open an .xlsx held in memory (data must outlive the reader). */
crm_wb *crm_wb_open_memory(const void *data, size_t len, const char *name, int *status);
/* Open the workbook at path (kind by content); 66 when it cannot be opened. */
crm_wb *crm_wb_open_path(const char *path, const char *name, int *status);

size_t crm_wb_sheet_count(const crm_wb *wb);
/* Name of sheet i (0-based), UTF-8. */
const char *crm_wb_sheet_name(const crm_wb *wb, size_t i);

/* Choose the sheet to read: spec is a name, a 1-based number, or NULL for
 * the first sheet with data. Skips title rows above the header (one note on
 * stderr). Returns 0; 64 after a message listing the sheets when spec names
 * none; 65 after a message when the workbook is broken. A workbook whose
 * sheets are all empty selects its first sheet, which then has no rows. */
int crm_wb_select(crm_wb *wb, const char *spec);
/* Name of the selected sheet. */
const char *crm_wb_selected(const crm_wb *wb);

/* Next non-empty row of the selected sheet into *row. Returns 1, 0 at the
 * end, or -1 after a message naming the file and sheet when the workbook is
 * broken (exit status 65). */
int crm_wb_next(crm_wb *wb, const struct crm_wb_row **row);

/* Non-empty rows and the widest row's cells of sheet i (reads the sheet
 * through; the selection is lost). Returns 0 or -1 after a message. */
int crm_wb_sheet_size(crm_wb *wb, size_t i, long *rows, long *cols);

void crm_wb_close(crm_wb *wb);

/* ---- the conversions, exposed for the unit tests ---- */

enum crm_wb_fmt {
	CRM_WB_FMT_NONE,     /* not a date format */
	CRM_WB_FMT_DATE,
	CRM_WB_FMT_TIME,
	CRM_WB_FMT_DATETIME,
};

/* The decimal text v (as written in a <v> element: "1.3800138E10",
 * "-0.5") as Excel's General format shows it, into out (at least
 * CRM_WB_NUMBER_MAX bytes). Returns 0, or -1 when v is not a number. */
#define CRM_WB_NUMBER_MAX 64
int crm_wb_number_text(const char *v, char *out);
/* A double (from an .xls) the same way: %.15g, then crm_wb_number_text. */
void crm_wb_double_text(double d, char *out);
/* The date text of serial v in a cell of format kind fmt (not NONE), into
 * out (at least 20 bytes). Returns 0, or -1 when v is no date (negative,
 * past 9999-12-31, not a number): show it as a number then. */
int crm_wb_serial_text(const char *v, bool date1904, enum crm_wb_fmt fmt, char *out);
/* The kind of number format id with custom format code (NULL for a
 * built-in format). */
enum crm_wb_fmt crm_wb_format_kind(int id, const char *code);

#endif
