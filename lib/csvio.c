/*
 * csvio — CSV/TSV reader over libcsv and RFC 4180 / TSV writer (see csvio.h).
 *
 * The reader owns a block buffer filled with fread() (or, for UTF-16/32, with
 * the UTF-8 conversion of what fread() returned) and cuts it into physical
 * lines with memchr(). Each line is fed to libcsv with its line end reduced
 * to "\n" (a CR before the LF, or before end of file, is dropped), and with
 * "\n" as the only record terminator, so a record can only end at the end of
 * a physical line. A line that ends no record either is blank (libcsv skips
 * it) or lies inside a quoted field; the record then continues on the next
 * line. Field bytes go, converted to UTF-8, into one arena per record that is
 * reused from record to record, so memory is bounded by the longest record.
 */
#include "csvio.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "decode.h"
#include "diag.h"
#include "workbook.h"

enum {
	SAMPLE = 64 * 1024, /* bytes read up front for encoding detection */
	CHUNK = 64 * 1024,  /* minimum free space asked of each fread() */
};

struct crm_csv_reader {
	FILE *fp;
	bool own_fp;            /* opened by crm_csv_open: close it */
	char *name;             /* for messages: path, or "<stdin>" */
	const char *encoding;   /* iconv name (static) */
	bool convert_fields;    /* ASCII-safe, not UTF-8: iconv each field */
	bool stream;            /* wide encoding: whole stream converted first */
	bool had_bom;           /* the input began with a byte order mark */
	crm_decoder *dec;
	char *badenc;           /* "invalid X byte sequence" / "invalid UTF-8" */
	char delim;

	/* Line input: bytes lb[start..end) not yet consumed. */
	char *lb;
	size_t cap, start, end;
	size_t scanned;         /* bytes after start known to hold no '\n' */
	bool eof;               /* no more bytes will be added to lb */
	char *rin;              /* stream mode: raw bytes not yet converted */
	size_t rin_len;
	bool rin_eof;
	crm_buf conv;           /* stream mode: converted chunk */

	long lineno;            /* physical lines consumed */
	struct csv_parser p;
	bool p_ready;           /* csv_init done */

	/* The record being built. */
	crm_buf arena;          /* field bytes, each followed by a NUL */
	size_t *off;            /* offset of field i in arena */
	char **fields;          /* fields[i] = arena.data + off[i] */
	size_t nf, fcap;
	bool row_done;          /* libcsv ended the row */
	crm_buf raw;            /* raw bytes of a multi-line record */
	const char *error;
	long error_field;
	struct crm_csv_record rec;

	crm_buf header;         /* raw bytes of the first record */
	bool have_header;

	crm_wb *wb;             /* the input is a workbook: rows come from here */
	size_t wb_width;        /* the header row's cells: rows are padded to it */
	char **wb_fields;       /* a row's cells plus padding */
	size_t wb_cap;
	int failure;            /* exit status for crm_csv_next's -1 */
};

/* libcsv must never see NULL from its allocator. */
static void *
xrealloc(void *p, size_t n)
{
	return crm_xreallocarray(p, n ? n : 1, 1);
}

/* libcsv field callback: convert and store field number nf. */
static void
on_field(void *s, size_t len, void *data)
{
	crm_csv_reader *r = data;
	const char *f = s ? s : "";
	size_t i = r->nf;

	if (i == r->fcap) {
		r->fcap = r->fcap ? r->fcap * 2 : 16;
		r->off = crm_xreallocarray(r->off, r->fcap, sizeof *r->off);
		r->fields = crm_xreallocarray(r->fields, r->fcap, sizeof *r->fields);
	}
	r->nf++;
	r->off[i] = r->arena.len;
	if (len > 0 && memchr(f, '\0', len) != NULL) {
		if (r->error == NULL) {
			r->error = "NUL byte";
			r->error_field = (long)i;
		}
	} else if (r->convert_fields) {
		if (crm_decoder_convert(r->dec, f, len, &r->arena) != 0 && r->error == NULL) {
			r->error = r->badenc;
			r->error_field = (long)i;
		}
	} else {
		/* UTF-8 input (or converted stream): validate only. */
		if (crm_utf8_valid_prefix(f, len) != len && r->error == NULL) {
			r->error = r->badenc;
			r->error_field = (long)i;
		}
		crm_buf_append(&r->arena, f, len);
	}
	crm_buf_putc(&r->arena, '\0');
}

/* libcsv row callback. */
static void
on_row(int c, void *data)
{
	(void)c;
	((crm_csv_reader *)data)->row_done = true;
}

/* A CR is data inside a line; only LF ends a record. */
static int
is_lf(unsigned char c)
{
	return c == '\n';
}

/*
 * Read more bytes into lb (compacting it first). Returns 0, or -1 on a read
 * error (errno set). Sets r->eof when the input is exhausted.
 */
static int
fill(crm_csv_reader *r)
{
	size_t n;

	if (r->start > 0) {
		memmove(r->lb, r->lb + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	if (r->cap - r->end < CHUNK) {
		size_t ncap = r->cap * 2;

		if (ncap - r->end < CHUNK)
			ncap = r->end + CHUNK;
		r->lb = crm_xreallocarray(r->lb, ncap, 1);
		r->cap = ncap;
	}
	if (!r->stream) {
		n = fread(r->lb + r->end, 1, r->cap - r->end, r->fp);
		r->end += n;
		if (n == 0) {
			if (ferror(r->fp))
				return -1;
			r->eof = true;
		}
		return 0;
	}

	/* Stream mode: read raw bytes, convert them, append the UTF-8. */
	if (!r->rin_eof && r->rin_len < CHUNK) {
		n = fread(r->rin + r->rin_len, 1, CHUNK - r->rin_len, r->fp);
		r->rin_len += n;
		if (n == 0) {
			if (ferror(r->fp))
				return -1;
			r->rin_eof = true;
		}
	}
	bool invalid = false;
	crm_buf_reset(&r->conv);
	size_t used = crm_decoder_stream(r->dec, r->rin, r->rin_len, r->rin_eof,
	                                 &r->conv, &invalid);
	memmove(r->rin, r->rin + used, r->rin_len - used);
	r->rin_len -= used;
	if (r->conv.len > r->cap - r->end) {
		r->lb = crm_xreallocarray(r->lb, r->end + r->conv.len, 1);
		r->cap = r->end + r->conv.len;
	}
	if (r->conv.len > 0)
		memcpy(r->lb + r->end, r->conv.data, r->conv.len);
	r->end += r->conv.len;
	if (r->rin_eof && r->rin_len == 0)
		r->eof = true;
	return 0;
}

/*
 * Next physical line, its '\n' included (absent only on the last line).
 * Returns 1, 0 at end of input, -1 on a read error. *line stays valid until
 * the next call.
 */
static int
next_line(crm_csv_reader *r, const char **line, size_t *len)
{
	for (;;) {
		char *p = r->lb + r->start;
		size_t avail = r->end - r->start;
		char *nl = avail > r->scanned ?
		           memchr(p + r->scanned, '\n', avail - r->scanned) : NULL;

		if (nl != NULL) {
			*line = p;
			*len = (size_t)(nl - p) + 1;
			r->start += *len;
			r->scanned = 0;
			return 1;
		}
		r->scanned = avail;
		if (r->eof) {
			if (avail == 0)
				return 0;
			*line = p;
			*len = avail;
			r->start = r->end;
			r->scanned = 0;
			return 1;
		}
		if (fill(r) < 0)
			return -1;
	}
}

/* True when line[0..len) holds only spaces, tabs, CR and LF. */
static bool
blank(const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r' && line[i] != '\n')
			return false;
	return true;
}

/*
 * The delimiter of the first non-blank buffered line: the most frequent of
 * ',' '\t' ';' outside double quotes, ties going to ',' then '\t' then ';';
 * ',' when there is none.
 */
static int
detect_delimiter(crm_csv_reader *r, char *delim)
{
	while (memchr(r->lb + r->start, '\n', r->end - r->start) == NULL && !r->eof)
		if (fill(r) < 0)
			return -1;

	const char *p = r->lb + r->start, *end = r->lb + r->end;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		if (!blank(p, (size_t)(le - p))) {
			size_t nc = 0, nt = 0, ns = 0;
			bool q = false;

			for (; p < le; p++) {
				if (*p == '"')
					q = !q;
				else if (!q && *p == ',')
					nc++;
				else if (!q && *p == '\t')
					nt++;
				else if (!q && *p == ';')
					ns++;
			}
			if (nc >= nt && nc >= ns)
				*delim = ','; /* also when there is none */
			else if (nt >= ns)
				*delim = '\t';
			else
				*delim = ';';
			return 0;
		}
		p = le + 1;
	}
	*delim = ',';
	return 0;
}

static crm_csv_reader *open_reader(FILE *fp, const char *name, const char *path,
                                   const struct crm_csv_options *opt, int *status);

crm_csv_reader *
crm_csv_open(const char *path, const struct crm_csv_options *opt, int *status)
{
	FILE *fp;
	crm_csv_reader *r;

	if (strcmp(path, "-") == 0)
		return crm_csv_open_stream(stdin, "<stdin>", opt, status);
	fp = fopen(path, "rb");
	if (fp == NULL) {
		crm_warn_errno("%s", path);
		*status = CRM_EX_NOINPUT;
		return NULL;
	}
	r = open_reader(fp, path, path, opt, status);
	if (r == NULL)
		fclose(fp);
	else
		r->own_fp = true;
	return r;
}

crm_csv_reader *
crm_csv_open_stream(FILE *fp, const char *name, const struct crm_csv_options *opt,
                    int *status)
{
	return open_reader(fp, name, NULL, opt, status);
}

/* The input is a workbook (its first bytes are in r->lb): open it and
 * choose the sheet. Returns r, or NULL after a message (r freed). */
static crm_csv_reader *
open_workbook(crm_csv_reader *r, const char *path, const struct crm_csv_options *opt,
              int *status)
{
	int rc;

	r->wb = crm_wb_open_stream(r->fp, r->lb, r->end, path, r->name, status);
	if (r->wb == NULL) {
		crm_csv_close(r);
		return NULL;
	}
	if ((rc = crm_wb_select(r->wb, opt ? opt->sheet : NULL)) != 0) {
		*status = rc;
		crm_csv_close(r);
		return NULL;
	}
	r->encoding = "UTF-8";
	r->delim = ',';
	r->had_bom = true;
	return r;
}

/* crm_csv_open_stream; path is the file fp was opened from, or NULL. */
static crm_csv_reader *
open_reader(FILE *fp, const char *name, const char *path, const struct crm_csv_options *opt,
            int *status)
{
	crm_csv_reader *r;
	const char *given = NULL, *detected;
	size_t bom = 0;

	if (strcmp(name, "-") == 0)
		name = "<stdin>";
	if (opt != NULL && opt->encoding != NULL) {
		given = crm_decode_canonical(opt->encoding);
		if (given == NULL) {
			crm_warn("%s: unknown encoding \"%s\"", name, opt->encoding);
			*status = CRM_EX_USAGE;
			return NULL;
		}
	}

	r = crm_xcalloc(1, sizeof *r);
	r->fp = fp;
	r->name = crm_xstrdup(name);
	r->cap = SAMPLE + CHUNK;
	r->lb = crm_xmalloc(r->cap);

	/* Read the sample for detection; short reads from pipes are normal. */
	while (r->end < SAMPLE) {
		size_t n = fread(r->lb + r->end, 1, SAMPLE - r->end, fp);
		r->end += n;
		if (n == 0) {
			if (ferror(fp)) {
				int e = errno;
				crm_warn_errno("%s", name);
				*status = e == EISDIR ? CRM_EX_NOINPUT : CRM_EX_IOERR;
				crm_csv_close(r);
				return NULL;
			}
			r->eof = true;
			break;
		}
	}
	if (crm_wb_sniff(r->lb, r->end) != CRM_WB_NONE)
		return open_workbook(r, path, opt, status);
	detected = crm_decode_detect((const unsigned char *)r->lb, r->end, &bom);
	if (given != NULL) {
		if (strcmp(given, detected) != 0)
			bom = 0; /* e.g. "UTF-16" with a BOM: iconv reads the BOM */
		r->encoding = given;
	} else
		r->encoding = detected;
	r->start = bom;
	r->had_bom = bom > 0 || (given != NULL && strncmp(given, "UTF-16", 6) == 0);

	r->dec = crm_decoder_new(r->encoding);
	if (r->dec == NULL) {
		crm_warn("%s: cannot convert from encoding \"%s\"", name, r->encoding);
		*status = CRM_EX_USAGE;
		crm_csv_close(r);
		return NULL;
	}
	r->stream = !crm_decode_ascii_safe(r->encoding);
	r->convert_fields = !r->stream && strcmp(r->encoding, "UTF-8") != 0;
	r->badenc = strcmp(r->encoding, "UTF-8") == 0 ? crm_xstrdup("invalid UTF-8")
	            : crm_xasprintf("invalid %s byte sequence", r->encoding);
	if (r->stream) {
		/* The sample becomes the converter's first input. */
		r->rin = crm_xmalloc(CHUNK);
		r->rin_len = r->end - r->start;
		memcpy(r->rin, r->lb + r->start, r->rin_len);
		r->rin_eof = r->eof;
		r->eof = false;
		r->start = r->end = 0;
	}

	if (opt != NULL && opt->delimiter != 0)
		r->delim = opt->delimiter;
	else if (detect_delimiter(r, &r->delim) < 0) {
		crm_warn_errno("%s", name);
		*status = CRM_EX_IOERR;
		crm_csv_close(r);
		return NULL;
	}

	csv_init(&r->p, 0);
	csv_set_delim(&r->p, (unsigned char)r->delim);
	csv_set_realloc_func(&r->p, xrealloc);
	csv_set_free_func(&r->p, free);
	csv_set_blk_size(&r->p, 64 * 1024);
	r->p_ready = true;
	return r;
}

/* Feed one physical line to libcsv, its line end reduced to "\n". */
static void
feed(crm_csv_reader *r, const char *line, size_t len)
{
	size_t n = len;
	bool lf = n > 0 && line[n - 1] == '\n';
	bool mid_cr;

	if (lf)
		n--;
	if (n > 0 && line[n - 1] == '\r')
		n--;
	mid_cr = n > 0 && memchr(line, '\r', n) != NULL;
	if (mid_cr)
		csv_set_term_func(&r->p, is_lf);
	if (lf && n == len - 1) {
		csv_parse(&r->p, line, len, on_field, on_row, r);
	} else {
		csv_parse(&r->p, line, n, on_field, on_row, r);
		/* A missing final newline ends the record all the same. */
		csv_parse(&r->p, "\n", 1, on_field, on_row, r);
	}
	if (mid_cr)
		csv_set_term_func(&r->p, NULL);
}

/* Whether a CSV field must be quoted: it holds ',' '"' CR or LF, or starts
 * or ends with a space or tab (a reader would trim those). */
static bool
needs_quotes(const char *s, size_t n, char delim)
{
	return n > 0 && (strchr(s, delim) != NULL || strpbrk(s, "\"\r\n") != NULL ||
	                 s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t');
}

void
crm_csv_append_field(crm_buf *b, const char *s, char delim)
{
	size_t n = strlen(s);

	if (!needs_quotes(s, n, delim)) {
		crm_buf_append(b, s, n);
		return;
	}
	crm_buf_putc(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			crm_buf_putc(b, '"');
		crm_buf_putc(b, *s);
	}
	crm_buf_putc(b, '"');
}

/* The next row of a workbook as a record. */
static int
workbook_next(crm_csv_reader *r, const struct crm_csv_record **rec)
{
	const struct crm_wb_row *row;
	size_t n;
	int rc = crm_wb_next(r->wb, &row);

	if (rc < 0)
		r->failure = CRM_EX_DATAERR;
	if (rc <= 0)
		return rc;
	if (!r->have_header)
		r->wb_width = row->ncells;
	n = row->ncells > r->wb_width ? row->ncells : r->wb_width;
	if (n > r->wb_cap) {
		r->wb_fields = crm_xreallocarray(r->wb_fields, n, sizeof *r->wb_fields);
		r->wb_cap = n;
	}
	for (size_t i = 0; i < n; i++)
		r->wb_fields[i] = i < row->ncells ? row->cells[i] : (char *)"";
	crm_buf_reset(&r->raw);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			crm_buf_putc(&r->raw, ',');
		crm_csv_append_field(&r->raw, r->wb_fields[i], ',');
	}
	if (n == 1 && r->wb_fields[0][0] == '\0')
		crm_buf_puts(&r->raw, "\"\"");
	crm_buf_putc(&r->raw, '\n');
	r->rec.fields = r->wb_fields;
	r->rec.nfields = n;
	r->rec.line = row->row;
	r->rec.raw = r->raw.data;
	r->rec.raw_len = r->raw.len;
	r->rec.error = row->error;
	r->rec.error_field = row->error ? row->error_col : -1;
	if (!r->have_header) {
		r->have_header = true;
		crm_buf_append(&r->header, r->raw.data, r->raw.len);
	}
	*rec = &r->rec;
	return 1;
}

int
crm_csv_next(crm_csv_reader *r, const struct crm_csv_record **rec)
{
	const char *line, *raw = NULL;
	size_t len, raw_len = 0;
	bool pending = false;
	long begin = 0;
	int rc;

	r->nf = 0;
	r->row_done = false;
	r->error = NULL;
	r->error_field = -1;
	r->failure = CRM_EX_IOERR;
	if (r->wb != NULL)
		return workbook_next(r, rec);
	crm_buf_reset(&r->arena);
	crm_buf_reset(&r->raw);

	for (;;) {
		rc = next_line(r, &line, &len);
		if (rc < 0) {
			crm_warn_errno("%s: read error", r->name);
			return -1;
		}
		if (rc == 0) {
			if (!pending)
				return 0;
			/* End of input inside a quoted field. */
			csv_fini(&r->p, NULL, NULL, NULL);
			r->error = "unterminated quoted field";
			r->error_field = (long)r->nf;
			raw = r->raw.data;
			raw_len = r->raw.len;
			break;
		}
		r->lineno++;
		if (!pending)
			begin = r->lineno;
		feed(r, line, len);
		if (r->row_done) {
			if (pending) {
				crm_buf_append(&r->raw, line, len);
				raw = r->raw.data;
				raw_len = r->raw.len;
			} else {
				raw = line; /* the common case: no copy */
				raw_len = len;
			}
			break;
		}
		/* No record ended: a blank line, or inside a quoted field. */
		if (pending || memchr(line, '"', len) != NULL) {
			pending = true;
			crm_buf_append(&r->raw, line, len);
		}
	}

	for (size_t i = 0; i < r->nf; i++)
		r->fields[i] = r->arena.data + r->off[i];
	r->rec.fields = r->fields;
	r->rec.nfields = r->nf;
	r->rec.line = begin;
	r->rec.raw = raw;
	r->rec.raw_len = raw_len;
	r->rec.error = r->error;
	r->rec.error_field = r->error ? r->error_field : -1;
	if (!r->have_header) {
		r->have_header = true;
		crm_buf_append(&r->header, raw, raw_len);
	}
	*rec = &r->rec;
	return 1;
}

int
crm_csv_failure(const crm_csv_reader *r)
{
	return r->failure ? r->failure : CRM_EX_IOERR;
}

const char *
crm_csv_sheet(const crm_csv_reader *r)
{
	return r->wb ? crm_wb_selected(r->wb) : NULL;
}

const char *
crm_csv_name(const crm_csv_reader *r)
{
	return r->name;
}

const char *
crm_csv_encoding(const crm_csv_reader *r)
{
	return r->encoding;
}

char
crm_csv_delimiter(const crm_csv_reader *r)
{
	return r->delim;
}

bool
crm_csv_had_bom(const crm_csv_reader *r)
{
	return r->had_bom;
}

const char *
crm_csv_raw_header(const crm_csv_reader *r, size_t *len)
{
	*len = r->header.len;
	return crm_buf_str(&r->header);
}

void
crm_csv_close(crm_csv_reader *r)
{
	if (r == NULL)
		return;
	if (r->p_ready)
		csv_free(&r->p);
	crm_wb_close(r->wb);
	free(r->wb_fields);
	if (r->own_fp)
		fclose(r->fp);
	crm_decoder_free(r->dec);
	free(r->name);
	free(r->badenc);
	free(r->lb);
	free(r->rin);
	crm_buf_free(&r->conv);
	crm_buf_free(&r->arena);
	crm_buf_free(&r->raw);
	crm_buf_free(&r->header);
	free(r->off);
	free(r->fields);
	free(r);
}

/* ---- writer ---- */

struct crm_csv_writer {
	FILE *fp;
	char *name;
	bool tsv;
	bool excel_safe;
	int err;            /* errno of the first failed write, or 0 */
	bool failed;
	size_t col;         /* fields written in the current row */
	bool first_empty;   /* the row's first field was empty */
};

crm_csv_writer *
crm_csv_writer_new(FILE *fp, const char *name, bool tsv, bool excel_safe)
{
	crm_csv_writer *w = crm_xcalloc(1, sizeof *w);

	w->fp = fp;
	w->name = crm_xstrdup(name);
	w->tsv = tsv;
	w->excel_safe = excel_safe;
	return w;
}

static void
put(crm_csv_writer *w, const char *s, size_t n)
{
	if (n > 0 && fwrite_unlocked(s, 1, n, w->fp) != n && !w->failed) {
		w->failed = true;
		w->err = errno;
	}
}

static void
putch(crm_csv_writer *w, char c)
{
	if (putc_unlocked(c, w->fp) == EOF && !w->failed) {
		w->failed = true;
		w->err = errno;
	}
}

/* Optional sign, digits, optional "." and digits: safe in a spreadsheet. */
static bool
plain_number(const char *s)
{
	if (*s == '+' || *s == '-')
		s++;
	if (*s < '0' || *s > '9')
		return false;
	while (*s >= '0' && *s <= '9')
		s++;
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

void
crm_csv_write_field(crm_csv_writer *w, const char *field)
{
	const char *s = field ? field : "";
	size_t n = strlen(s);
	bool apos = false;

	if (w->col > 0)
		putch(w, w->tsv ? '\t' : ',');
	else
		w->first_empty = n == 0;
	w->col++;
	if (w->excel_safe && n > 0 && strchr("=+-@\t\r", s[0]) != NULL && !plain_number(s))
		apos = true;

	if (w->tsv) {
		const char *p = s, *end = s + n;

		if (apos)
			putch(w, '\'');
		while (p < end) {
			const char *q = p;
			while (q < end && *q != '\t' && *q != '\n' && *q != '\r' && *q != '\\')
				q++;
			put(w, p, (size_t)(q - p));
			if (q == end)
				break;
			putch(w, '\\');
			putch(w, *q == '\t' ? 't' : *q == '\n' ? 'n' : *q == '\r' ? 'r' : '\\');
			p = q + 1;
		}
		return;
	}

	if (!needs_quotes(s, n, ',')) {
		if (apos)
			putch(w, '\'');
		put(w, s, n);
		return;
	}
	putch(w, '"');
	if (apos)
		putch(w, '\'');
	const char *p = s, *q;
	while ((q = strchr(p, '"')) != NULL) {
		put(w, p, (size_t)(q - p) + 1);
		putch(w, '"');
		p = q + 1;
	}
	put(w, p, strlen(p));
	putch(w, '"');
}

void
crm_csv_end_row(crm_csv_writer *w)
{
	/* A row of one empty field would be a blank line, which readers skip. */
	if (!w->tsv && w->col == 1 && w->first_empty)
		put(w, "\"\"", 2);
	putch(w, '\n');
	w->col = 0;
}

void
crm_csv_write_row(crm_csv_writer *w, const char *const *fields, size_t n)
{
	for (size_t i = 0; i < n; i++)
		crm_csv_write_field(w, fields[i]);
	crm_csv_end_row(w);
}

int
crm_csv_writer_close(crm_csv_writer *w)
{
	int status = CRM_EX_OK;

	if (fflush(w->fp) != 0 && !w->failed) {
		w->failed = true;
		w->err = errno;
	}
	if (ferror(w->fp) && !w->failed) {
		w->failed = true;
		w->err = EIO;
	}
	if (w->failed) {
		errno = w->err;
		crm_warn_errno("%s: write error", w->name);
		status = CRM_EX_IOERR;
	}
	free(w->name);
	free(w);
	return status;
}
