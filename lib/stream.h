/*
 * stream — customer streams between tools, and SPEC §3's one rule for
 * where a tool's customers come from.
 *
 * A customer stream is CSV/TSV with a header row and a customer_id column.
 * A tool that reads one acts on just those customers, passes every input
 * column through unchanged and in order, and appends its own columns.
 *
 * Where input comes from (crm_input_choose):
 *   --all                         → the store (stdin ignored)
 *   "-" given                     → stdin is a stream
 *   stdin is a terminal           → the store
 *   stdin ends before any byte    → the store (cron, </dev/null, systemd)
 *   stdin delivers a header row   → a stream; without a customer_id column it
 *                                   is an error that says so and mentions --all
 */
#ifndef CRM_STREAM_H
#define CRM_STREAM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "csvio.h"
#include "render.h"

typedef struct crm_stream crm_stream;

enum crm_input_kind {
	CRM_INPUT_STORE,  /* act on every customer in the store */
	CRM_INPUT_STREAM, /* act on the customers of the stream */
};

/* Apply the rule above to fp (normally stdin). dash: "-" was given; all:
 * --all was given; is_tty: fp is a terminal. For CRM_INPUT_STREAM, *out is
 * the open stream (header read and checked). A stream without a customer_id
 * column prints "name: no customer_id column in the input (…use --all…)" and
 * exits 65; unreadable input exits 74. */
enum crm_input_kind crm_input_choose(FILE *fp, const char *name, bool dash, bool all,
                                     bool is_tty, crm_stream **out);

/* The input header: column count and names (UTF-8, owned by the stream). */
size_t crm_stream_ncols(const crm_stream *s);
const char *const *crm_stream_header(const crm_stream *s);

/* Next row: 1 with *id set to the row's customer_id, 0 at the end. A row
 * whose customer_id is not a positive integer, or whose field count differs
 * from the header's, prints "name:LINE: ..." and exits 65. */
int crm_stream_next(crm_stream *s, int64_t *id);
/* The current row's fields (as many as the header). */
const char *const *crm_stream_fields(const crm_stream *s);
long crm_stream_line(const crm_stream *s);

/* Write the header with the tool's columns appended (or alone, with no
 * stream), then rows: the current row's fields followed by the tool's. */
void crm_stream_write_header(const crm_stream *s, crm_csv_writer *w,
                             const char *const *cols, size_t ncols);
void crm_stream_write_row(const crm_stream *s, crm_csv_writer *w,
                          const char *const *vals, size_t nvals);

/* The same through a crm_out (render.h), for a tool whose results may also
 * be a workbook: the stream's columns are passed through as text, the
 * tool's have their types (NULL: text). s may be NULL (no stream). */
void crm_stream_out_header(const crm_stream *s, crm_out *o, const char *const *cols,
                           const enum crm_coltype *types, size_t ncols);
void crm_stream_out_row(const crm_stream *s, crm_out *o, const char *const *vals, size_t nvals);

/* Read the rest of the stream: every row's customer id into *ids and,
 * with col >= 0, a copy of that column's value into *labels (else NULL).
 * Returns the row count; free each label, then both arrays. Errors as for
 * crm_stream_next. */
size_t crm_stream_read_all(crm_stream *s, int col, int64_t **ids, char ***labels);

void crm_stream_close(crm_stream *s);

#endif
