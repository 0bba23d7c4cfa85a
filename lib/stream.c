/* stream — customer streams and the stdin-or-store rule (see stream.h). */
#include "stream.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

struct crm_stream {
	crm_csv_reader *reader;
	char **header;       /* copies of the header cells */
	size_t ncols;
	size_t id_col;       /* index of customer_id */
	const struct crm_csv_record *rec;
};

/* The first byte of fp, pushed back; EOF when there is none. */
static int
peek(FILE *fp, const char *name)
{
	int c = getc(fp);

	if (c == EOF) {
		if (ferror(fp))
			crm_die_errno(CRM_EX_IOERR, "%s: read error", name);
		return EOF;
	}
	if (ungetc(c, fp) == EOF)
		crm_die(CRM_EX_IOERR, "%s: cannot push back input", name);
	return c;
}

static crm_stream *
open_stream(FILE *fp, const char *name)
{
	crm_stream *s = crm_xcalloc(1, sizeof *s);
	struct crm_csv_options opt = {0};
	const struct crm_csv_record *rec;
	int status = 0, rc;
	size_t i;
	bool found = false;

	s->reader = crm_csv_open_stream(fp, name, &opt, &status);
	if (s->reader == NULL)
		exit(status);
	rc = crm_csv_next(s->reader, &rec);
	if (rc < 0)
		exit(crm_csv_failure(s->reader));
	if (rc == 0 || rec->error)
		crm_die(CRM_EX_DATAERR, "%s: %s", name,
		        rc == 0 ? "no header row in the input" : rec->error);
	s->ncols = rec->nfields;
	s->header = crm_xcalloc(s->ncols, sizeof *s->header);
	for (i = 0; i < s->ncols; i++) {
		s->header[i] = crm_xstrdup(rec->fields[i]);
		if (!found && strcmp(rec->fields[i], "customer_id") == 0) {
			s->id_col = i;
			found = true;
		}
	}
	if (!found) {
		crm_stream_close(s);
		crm_die(CRM_EX_DATAERR, "%s: no customer_id column in the input; a tool reads "
		        "a customer stream on stdin (give --all to use every customer in the "
		        "store and ignore stdin)", name);
	}
	return s;
}

enum crm_input_kind
crm_input_choose(FILE *fp, const char *name, bool dash, bool all, bool is_tty,
                 crm_stream **out)
{
	*out = NULL;
	if (all)
		return CRM_INPUT_STORE;
	if (!dash && (is_tty || peek(fp, name) == EOF))
		return CRM_INPUT_STORE;
	*out = open_stream(fp, name);
	return CRM_INPUT_STREAM;
}

size_t
crm_stream_ncols(const crm_stream *s)
{
	return s->ncols;
}

const char *const *
crm_stream_header(const crm_stream *s)
{
	return (const char *const *)s->header;
}

int
crm_stream_next(crm_stream *s, int64_t *id)
{
	const char *name = crm_csv_name(s->reader);
	const char *v;
	char *end;
	long long n;
	int rc;

	rc = crm_csv_next(s->reader, &s->rec);
	if (rc < 0)
		exit(crm_csv_failure(s->reader));
	if (rc == 0)
		return 0;
	if (s->rec->error)
		crm_die(CRM_EX_DATAERR, "%s:%ld: %s", name, s->rec->line, s->rec->error);
	if (s->rec->nfields != s->ncols)
		crm_die(CRM_EX_DATAERR, "%s:%ld: row has %zu fields; the header has %zu", name,
		        s->rec->line, s->rec->nfields, s->ncols);
	v = s->rec->fields[s->id_col];
	errno = 0;
	n = strtoll(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno != 0 || n <= 0)
		crm_die(CRM_EX_DATAERR, "%s:%ld: column \"customer_id\": \"%s\" is not a customer id",
		        name, s->rec->line, v);
	*id = n;
	return 1;
}

const char *const *
crm_stream_fields(const crm_stream *s)
{
	return (const char *const *)s->rec->fields;
}

long
crm_stream_line(const crm_stream *s)
{
	return s->rec ? s->rec->line : 0;
}

void
crm_stream_write_header(const crm_stream *s, crm_csv_writer *w, const char *const *cols,
                        size_t ncols)
{
	size_t i;

	for (i = 0; s && i < s->ncols; i++)
		crm_csv_write_field(w, s->header[i]);
	for (i = 0; i < ncols; i++)
		crm_csv_write_field(w, cols[i]);
	crm_csv_end_row(w);
}

void
crm_stream_write_row(const crm_stream *s, crm_csv_writer *w, const char *const *vals,
                     size_t nvals)
{
	size_t i;

	for (i = 0; s && i < s->ncols; i++)
		crm_csv_write_field(w, s->rec->fields[i]);
	for (i = 0; i < nvals; i++)
		crm_csv_write_field(w, vals[i]);
	crm_csv_end_row(w);
}

void
crm_stream_out_header(const crm_stream *s, crm_out *o, const char *const *cols,
                       const enum crm_coltype *types, size_t ncols)
{
	crm_out_header(o, s ? (const char *const *)s->header : NULL, s ? s->ncols : 0, cols,
	               types, ncols);
}

void
crm_stream_out_row(const crm_stream *s, crm_out *o, const char *const *vals, size_t nvals)
{
	crm_out_row(o, s ? (const char *const *)s->rec->fields : NULL, s ? s->ncols : 0, vals,
	            nvals);
}

void
crm_stream_close(crm_stream *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->ncols; i++)
		free(s->header[i]);
	free(s->header);
	crm_csv_close(s->reader);
	free(s);
}

size_t
crm_stream_read_all(crm_stream *s, int col, int64_t **ids, char ***labels)
{
	size_t n = 0, cap = 0;
	int64_t id;

	*ids = NULL;
	*labels = NULL;
	while (crm_stream_next(s, &id)) {
		if (n == cap) {
			cap = cap ? 2 * cap : 1024;
			*ids = crm_xreallocarray(*ids, cap, sizeof(**ids));
			if (col >= 0)
				*labels = crm_xreallocarray(*labels, cap, sizeof(**labels));
		}
		(*ids)[n] = id;
		if (col >= 0)
			(*labels)[n] = crm_xstrdup(crm_stream_fields(s)[col]);
		n++;
	}
	return n;
}
