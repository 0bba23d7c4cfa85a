/*
 * csvio — CSV/TSV records in and out, over libcsv.
 *
 * The reader is built the way SQLite's ext/misc/csv.c is: it knows the file
 * name and the physical line where each record began, strips a BOM, accepts
 * CRLF and a missing final newline, and keeps the raw bytes of each record
 * (as read, before conversion) so a rejected record can be written out byte
 * for byte. The delimiter (',' '\t' ';') is detected from the header line
 * unless given. Encoding comes from decode.h: for ASCII-safe encodings
 * (UTF-8, GB18030, Big5, ...) libcsv parses the raw bytes and each field is
 * converted to UTF-8; UTF-16 input is converted to UTF-8 first, so its "raw"
 * bytes are the UTF-8 text. Unquoted fields are trimmed of spaces and tabs
 * (not of the delimiter).
 *
 * Reader details (for the man pages):
 *  - Blank lines (nothing but spaces, tabs, CR) between records are skipped
 *    but counted, so line numbers stay those of the file.
 *  - Only LF ends a record; a CR right before it (or before end of file) is
 *    dropped, a CR elsewhere is data. CRLF inside a quoted field reads as LF
 *    (the raw bytes keep the CR).
 *  - Quotes are read leniently: a quote inside an unquoted field (5"2) is
 *    data. A quoted field still open at end of input yields one last record
 *    with error "unterminated quoted field" whose raw bytes run from its
 *    first line to the end of the file.
 *  - Delimiter detection counts ',' '\t' ';' outside double quotes on the
 *    first non-blank line; the most frequent wins, ties go to ',' then '\t'
 *    then ';', and a line with none means ','. TSV input is parsed like CSV
 *    with tab as delimiter (Excel's quoting); backslash escapes are not
 *    undone.
 *  - Without --encoding the first 64 KiB decide (decode.h). A field that is
 *    not valid in the encoding, or holds a NUL byte, makes that record an
 *    error record (error, error_field); the following records are unharmed.
 *  - Memory is bounded by the longest record (plus a 64 KiB buffer), not by
 *    the file; note that an unterminated quote makes the rest of the file
 *    one record.
 *
 * Writer details: a field is quoted when it holds ',' '"' CR or LF or starts
 * or ends with a space or tab; a row of one empty field is written as ""
 * (a blank line would be skipped by readers). A plain number (optional sign,
 * digits, optional "." and digits) is never prefixed by --excel-safe, so
 * "-12.5" and "+8613800138000" stay as they are. Every write is checked;
 * the first failure is reported by crm_csv_writer_close().
 *
 * The writer produces RFC 4180 CSV (quotes only where needed, "\n" line
 * ends) or TSV (tab, newline, carriage return and backslash written as \t \n
 * \r \\), with the optional --excel-safe rule: a cell starting with = + - @
 * (or tab/CR) that is not a plain number gets a leading apostrophe.
 *
 * Workbooks: an input that is an Excel workbook (.xlsx or .xls, told by its
 * first bytes, see workbook.h) is read through the same interface. One sheet
 * is read (crm_csv_options.sheet, default the first with data); fields are
 * the cells' texts, line is the sheet's row number, raw is the row written
 * as one RFC 4180 CSV line (so a reject file of a workbook is CSV), rows are
 * padded with empty fields to the header's width, and a cell error (#DIV/0!)
 * makes an error record whose error names sheet and cell ("sheet 'Orders'
 * cell D7: #DIV/0!"). The encoding is UTF-8 and the delimiter ',' whatever
 * the options say (--encoding and --delimiter mean nothing for a workbook),
 * and crm_csv_had_bom() is true, so a reject file opens in Excel as UTF-8.
 * A workbook on a pipe is first copied to a temporary file ($TMPDIR).
 */
#ifndef CRM_CSVIO_H
#define CRM_CSVIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "diag.h"

struct crm_csv_options {
	const char *encoding; /* iconv name, or NULL to detect */
	char delimiter;       /* ',', '\t', ';', or 0 to detect from the header */
	const char *sheet;    /* workbooks: sheet name or 1-based number; NULL for
	                         the first sheet with data; ignored for CSV */
};

struct crm_csv_record {
	char **fields;       /* nfields UTF-8 strings, owned by the reader */
	size_t nfields;
	long line;           /* physical line (1-based) where the record began */
	const char *raw;     /* the record's bytes as read, line end included */
	size_t raw_len;
	const char *error;   /* NULL, or why the record is unusable: "unterminated
	                        quoted field", "invalid GB18030 byte sequence",
	                        "invalid UTF-8", "NUL byte" */
	long error_field;    /* 0-based field the error is in, or -1 */
};

typedef struct crm_csv_reader crm_csv_reader;

/* Open path ("-" reads stdin). On failure print a message naming the file
 * and return NULL with *status set to CRM_EX_NOINPUT (missing/unreadable),
 * CRM_EX_USAGE (unknown --encoding, or a --sheet the workbook lacks: the
 * message lists its sheets), CRM_EX_DATAERR (a workbook that cannot be
 * read: "FILE: not a readable workbook: WHY") or CRM_EX_IOERR. */
crm_csv_reader *crm_csv_open(const char *path, const struct crm_csv_options *opt, int *status);
/* Same over an open stream (not closed by crm_csv_close); name is used in messages. */
crm_csv_reader *crm_csv_open_stream(FILE *fp, const char *name,
                                    const struct crm_csv_options *opt, int *status);

/* Next record into *rec (valid until the next call). Returns 1 for a record,
 * 0 at end of input, -1 on a read error or a workbook found broken part way
 * (message printed; exit with crm_csv_failure()). */
int crm_csv_next(crm_csv_reader *r, const struct crm_csv_record **rec);
/* The exit status for the last -1 of crm_csv_next: CRM_EX_IOERR, or
 * CRM_EX_DATAERR for a broken workbook. */
int crm_csv_failure(const crm_csv_reader *r);
/* The sheet being read when the input is a workbook, else NULL. */
const char *crm_csv_sheet(const crm_csv_reader *r);

const char *crm_csv_name(const crm_csv_reader *r);     /* file name as given, "-" → "<stdin>" */
const char *crm_csv_encoding(const crm_csv_reader *r); /* detected or given */
char crm_csv_delimiter(const crm_csv_reader *r);       /* detected or given */
/* True when the input began with a byte order mark (Excel's UTF-8 and
 * "Unicode text" exports do): a file written for it should have one too. */
bool crm_csv_had_bom(const crm_csv_reader *r);
/* Raw bytes of the first record (the header line) as read, BOM removed. */
const char *crm_csv_raw_header(const crm_csv_reader *r, size_t *len);
void crm_csv_close(crm_csv_reader *r);

/* Append s to b as one RFC 4180 field for delimiter delim: quoted when it
 * holds delim, '"', CR or LF or starts or ends with a space or tab. */
void crm_csv_append_field(crm_buf *b, const char *s, char delim);

typedef struct crm_csv_writer crm_csv_writer;

/* A writer on fp (not closed by the writer); name is used in messages. */
crm_csv_writer *crm_csv_writer_new(FILE *fp, const char *name, bool tsv, bool excel_safe);
/* Add one field to the current row (NULL is written as empty). */
void crm_csv_write_field(crm_csv_writer *w, const char *field);
/* End the current row. */
void crm_csv_end_row(crm_csv_writer *w);
/* A whole row. */
void crm_csv_write_row(crm_csv_writer *w, const char *const *fields, size_t n);
/* Flush; returns 0, or CRM_EX_IOERR after printing "prog: name: write error: ..."
 * when any write failed. Frees w. */
int crm_csv_writer_close(crm_csv_writer *w);

#endif
