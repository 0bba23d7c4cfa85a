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
 * The writer produces RFC 4180 CSV (quotes only where needed, "\n" line
 * ends) or TSV (tab, newline, carriage return and backslash written as \t \n
 * \r \\), with the optional --excel-safe rule: a cell starting with = + - @
 * (or tab/CR) that is not a plain number gets a leading apostrophe.
 */
#ifndef CRM_CSVIO_H
#define CRM_CSVIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct crm_csv_options {
	const char *encoding; /* iconv name, or NULL to detect */
	char delimiter;       /* ',', '\t', ';', or 0 to detect from the header */
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
 * CRM_EX_USAGE (unknown --encoding) or CRM_EX_IOERR. */
crm_csv_reader *crm_csv_open(const char *path, const struct crm_csv_options *opt, int *status);
/* Same over an open stream (not closed by crm_csv_close); name is used in messages. */
crm_csv_reader *crm_csv_open_stream(FILE *fp, const char *name,
                                    const struct crm_csv_options *opt, int *status);

/* Next record into *rec (valid until the next call). Returns 1 for a record,
 * 0 at end of input, -1 on a read error (message printed; exit 74). */
int crm_csv_next(crm_csv_reader *r, const struct crm_csv_record **rec);

const char *crm_csv_name(const crm_csv_reader *r);     /* file name as given, "-" → "<stdin>" */
const char *crm_csv_encoding(const crm_csv_reader *r); /* detected or given */
char crm_csv_delimiter(const crm_csv_reader *r);       /* detected or given */
/* Raw bytes of the first record (the header line) as read, BOM removed. */
const char *crm_csv_raw_header(const crm_csv_reader *r, size_t *len);
void crm_csv_close(crm_csv_reader *r);

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
