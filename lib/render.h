/*
 * render — output for people and for programs from one table of strings:
 * aligned text (width-aware: a CJK character is two columns), CSV, TSV or
 * an .xlsx workbook (lib/xlsxout). Renderers know nothing of the store;
 * tools fill a table and pick a format.
 *
 * Cells are always strings, written as the CSV would hold them. For a
 * workbook a tool declares what its own columns hold (crm_coltype); a cell
 * of a typed column that reads as that type becomes a number or a date with
 * a number format, anything else stays text. Columns not declared, and the
 * columns a stream passes through, are text: a phone "+8613800138000", an
 * id "007" or a postcode never turns into a number.
 */
#ifndef CRM_RENDER_H
#define CRM_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum crm_format { CRM_FORMAT_TEXT, CRM_FORMAT_CSV, CRM_FORMAT_TSV, CRM_FORMAT_XLSX };

/* What a column holds, for a workbook (CSV and text ignore it). The cell
 * text each type expects is the CSV form the tools write; a cell that does
 * not read as its column's type is written as text, an empty cell stays
 * empty. */
enum crm_coltype {
	CRM_COL_TEXT,     /* anything: written as text, never converted */
	CRM_COL_INT,      /* "-12": a number shown as "0" */
	CRM_COL_DECIMAL,  /* "0.8123", "1.5e-05": a number shown as General */
	CRM_COL_DATE,     /* "2026-11-23": an Excel date shown as yyyy-mm-dd */
	CRM_COL_DATETIME, /* "2026-11-23 09:30[:00]": yyyy-mm-dd hh:mm:ss */
	CRM_COL_PERCENT,  /* a fraction "0.125": the number 0.125 shown as 0.0% */
	CRM_COL_MONEY0,   /* major units, "#,##0" — CRM_COL_MONEY(d) for d */
	CRM_COL_MONEY4 = CRM_COL_MONEY0 + 4, /* decimals, 0..4 (ISO 4217) */
	CRM_COL_NTYPES
};
/* Money with the currency's d minor digits (crm_money_minor_digits). */
#define CRM_COL_MONEY(d) \
	((enum crm_coltype)(CRM_COL_MONEY0 + ((d) < 0 ? 0 : (d) > 4 ? 4 : (d))))

/* Parse --format's argument against the names allowed ("text", "csv",
 * "tsv", "xlsx"); a usage error (64) otherwise. */
enum crm_format crm_format_parse(const char *arg);
/* The default: text when stdout is a terminal, else CSV (TSV with tsv). */
enum crm_format crm_format_default(bool tsv);

typedef struct crm_table crm_table;

/* A table with ncols columns named by header (copied). */
crm_table *crm_table_new(const char *const *header, size_t ncols);
/* Add a row of ncols cells (copied); NULL cells are empty. */
void crm_table_add(crm_table *t, const char *const *cells);
/* Declare what column col holds (default CRM_COL_TEXT), and the name of
 * the table's worksheet (copied; default: the program's name without
 * "crm-"). */
void crm_table_set_type(crm_table *t, size_t col, enum crm_coltype type);
void crm_table_set_types(crm_table *t, const enum crm_coltype *types);
enum crm_coltype crm_table_type(const crm_table *t, size_t col);
void crm_table_set_name(crm_table *t, const char *name);
const char *crm_table_name(const crm_table *t);
/* Write the table: text pads columns to their widest cell (columns whose
 * cells all look like numbers are right-aligned); CSV/TSV through csvio;
 * XLSX as a workbook of one sheet (lib/xlsxout). excel_safe as for csvio
 * (a workbook needs none: its cells are typed, never formulas). Returns 0,
 * or CRM_EX_IOERR when a CSV/TSV/XLSX write failed (text: check fp). */
int crm_table_write(const crm_table *t, FILE *fp, enum crm_format f, bool excel_safe);
void crm_table_free(crm_table *t);
/* The table's size (rows exclude the header) and cell (row 0 is the
 * header; never NULL). */
size_t crm_table_ncols(const crm_table *t);
size_t crm_table_nrows(const crm_table *t);
const char *crm_table_cell(const crm_table *t, size_t row, size_t col);

/*
 * A tool's streamed rows: CSV/TSV through csvio, or one worksheet of a
 * workbook (lib/xlsxout, constant memory) written to stdout. A row is the
 * cells a customer stream passes through (pass, npass: always text; none
 * outside a stream) followed by the tool's own cells. Errors are reported
 * once, naming the output (crm_cli_output_name), and returned by close.
 */
typedef struct crm_out crm_out;

/* Rows in format f (text is taken as CSV) on stdout; sheet names the
 * worksheet. */
crm_out *crm_out_new(enum crm_format f, bool excel_safe, const char *sheet);
/* The header: the passed-through column names, then the tool's columns
 * with their types (types may be NULL: all text). Call once, first. */
void crm_out_header(crm_out *o, const char *const *pass, size_t npass,
                    const char *const *cols, const enum crm_coltype *types, size_t ncols);
/* One row: npass passed-through cells, then ncols of the tool's. */
void crm_out_row(crm_out *o, const char *const *pass, size_t npass,
                 const char *const *cells, size_t ncols);
/* Finish (a workbook is assembled and copied to stdout here); returns 0,
 * or CRM_EX_IOERR after the message. Frees o. */
int crm_out_close(crm_out *o);

/* s as a JSON string, quotes included (UTF-8 passed through; control
 * characters, quote and backslash escaped). */
void crm_json_string(FILE *fp, const char *s);

/* A ratio as text with the given decimals, or "—" when the denominator is 0
 * (text) / empty (CSV). out >= 32 bytes. */
const char *crm_format_share(double num, double den, int decimals, bool text, char *out);

/* A message template: each {{name}} (spaces inside the braces allowed) is
 * replaced by the value of that name among names[0..n) (values[i], NULL as
 * empty); unknown names give "". Nothing else is interpreted: no file is
 * read, no command run, no escaping applied. The result replaces out's
 * contents. */
struct crm_buf;
void crm_render_template(const char *tpl, const char *const *names, const char *const *values,
                         size_t n, struct crm_buf *out);

/* v in decimal into out (>= 21 bytes); returns out. Faster than snprintf
 * for the millions of numbers a stream holds. */
char *crm_fmt_int(long long v, char *out);

/* One iCalendar content line "NAME:VALUE" (RFC 5545): with text, VALUE is
 * TEXT escaped (3.3.11: backslash, semicolon, comma, newline); lines are
 * folded at 75 octets, never inside a UTF-8 character (3.1), and end with
 * CRLF. */
void crm_ics_line(FILE *fp, const char *name, const char *value, bool text);
/* BEGIN:VCALENDAR with VERSION, PRODID prodid and CALSCALE; stamp (>= 32
 * bytes) gets now in UTC as DTSTAMP wants it (3.8.7.2). Exits 70 when the
 * clock cannot be read. */
void crm_ics_begin(FILE *fp, const char *prodid, char *stamp);

/*
 * A long list written by two threads: items [0, n) are cut into shares of
 * share items; render(arg, worker, fp, from, to) writes items [from, to) to
 * fp (a memory stream) and returns how many it wrote, with worker 0 or 1
 * naming the thread (for scratch space of its own: the two run at once);
 * put(arg, text, len, count) then gets each share's text, in order, on the
 * calling thread. A helper thread renders every other share, at most two
 * ahead of put, so memory holds a few shares rather than the list. Without
 * a second thread everything is rendered on the calling thread. Out of
 * memory exits 70.
 */
typedef size_t crm_share_render(void *arg, int worker, FILE *fp, size_t from, size_t to);
typedef void crm_share_put(void *arg, const char *text, size_t len, size_t count);
void crm_render_shares(size_t n, size_t share, crm_share_render *render, crm_share_put *put,
                       void *arg);

#endif
