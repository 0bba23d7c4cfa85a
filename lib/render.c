/*
 * render.c — aligned text, CSV, TSV and .xlsx tables, streamed rows; see
 * render.h.
 */
#include "render.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "csvio.h"
#include "diag.h"
#include "text.h"
#include "xlsxout.h"

struct crm_table {
	size_t ncols, nrows, cap;
	char **cells; /* (nrows + 1) × ncols, row 0 the header */
	enum crm_coltype *types; /* ncols, or NULL: all text */
	char *name;   /* worksheet name, or NULL for the default */
};

enum crm_format
crm_format_parse(const char *arg)
{
	if (strcmp(arg, "text") == 0)
		return CRM_FORMAT_TEXT;
	if (strcmp(arg, "csv") == 0)
		return CRM_FORMAT_CSV;
	if (strcmp(arg, "tsv") == 0)
		return CRM_FORMAT_TSV;
	if (strcmp(arg, "xlsx") == 0)
		return CRM_FORMAT_XLSX;
	crm_cli_usage_error("--format: \"%s\" is not one of text, csv, tsv, xlsx", arg);
}

enum crm_format
crm_format_default(bool tsv)
{
	if (isatty(STDOUT_FILENO))
		return CRM_FORMAT_TEXT;
	return tsv ? CRM_FORMAT_TSV : CRM_FORMAT_CSV;
}

static void
put_row(crm_table *t, size_t row, const char *const *cells)
{
	size_t i;

	if (row >= t->cap) {
		t->cap = t->cap ? 2 * t->cap : 16;
		t->cells = crm_xreallocarray(t->cells, t->cap, t->ncols * sizeof(char *));
	}
	for (i = 0; i < t->ncols; i++)
		t->cells[row * t->ncols + i] = crm_xstrdup(cells[i] ? cells[i] : "");
}

crm_table *
crm_table_new(const char *const *header, size_t ncols)
{
	crm_table *t = crm_xcalloc(1, sizeof(*t));

	t->ncols = ncols;
	put_row(t, 0, header);
	return t;
}

void
crm_table_add(crm_table *t, const char *const *cells)
{
	put_row(t, ++t->nrows, cells);
}

/* A cell that reads as a number, a percentage or the "—" of no value. */
static bool
numeric(const char *s)
{
	if (*s == '\0' || strcmp(s, "—") == 0)
		return true;
	/* A leading '+' is a phone number's (+8613800138000), not a sign. */
	if (*s == '-')
		s++;
	if (*s < '0' || *s > '9')
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || *s == '.' || *s == ',' || *s == '%'))
			return false;
	return true;
}

static void
pad(FILE *fp, size_t n)
{
	while (n-- > 0)
		putc(' ', fp);
}

static void
write_text(const crm_table *t, FILE *fp)
{
	size_t *width = crm_xcalloc(t->ncols, sizeof(*width));
	bool *right = crm_xcalloc(t->ncols, sizeof(*right));
	size_t r, c, w;

	for (c = 0; c < t->ncols; c++) {
		right[c] = t->nrows > 0;
		for (r = 0; r <= t->nrows; r++) {
			const char *cell = t->cells[r * t->ncols + c];

			w = crm_text_width(cell);
			if (w > width[c])
				width[c] = w;
			if (r > 0 && !numeric(cell))
				right[c] = false;
		}
	}
	for (r = 0; r <= t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			const char *cell = t->cells[r * t->ncols + c];
			size_t gap = width[c] - crm_text_width(cell);
			bool last = c + 1 == t->ncols;

			if (c > 0)
				fputs("  ", fp);
			if (right[c])
				pad(fp, gap);
			fputs(cell, fp);
			if (!right[c] && !last)
				pad(fp, gap);
		}
		putc('\n', fp);
	}
	free(width);
	free(right);
}

void
crm_table_set_type(crm_table *t, size_t col, enum crm_coltype type)
{
	if (col >= t->ncols)
		return;
	if (t->types == NULL)
		t->types = crm_xcalloc(t->ncols, sizeof(*t->types));
	t->types[col] = type;
}

void
crm_table_set_types(crm_table *t, const enum crm_coltype *types)
{
	size_t c;

	for (c = 0; c < t->ncols; c++)
		crm_table_set_type(t, c, types[c]);
}

enum crm_coltype
crm_table_type(const crm_table *t, size_t col)
{
	return t->types != NULL && col < t->ncols ? t->types[col] : CRM_COL_TEXT;
}

void
crm_table_set_name(crm_table *t, const char *name)
{
	free(t->name);
	t->name = name ? crm_xstrdup(name) : NULL;
}

const char *
crm_table_name(const crm_table *t)
{
	const char *prog = crm_progname();

	if (t->name != NULL)
		return t->name;
	return strncmp(prog, "crm-", 4) == 0 ? prog + 4 : prog;
}

/* The table as a workbook of one sheet, copied to fp. */
static int
write_xlsx(const crm_table *t, FILE *fp)
{
	crm_xlsx *x = crm_xlsx_new(crm_cli_output_name());
	size_t r;

	if (x == NULL)
		return CRM_EX_IOERR;
	crm_xlsx_sheet(x, crm_table_name(t), (const char *const *)t->cells, t->types, t->ncols);
	for (r = 1; r <= t->nrows; r++)
		crm_xlsx_row(x, (const char *const *)&t->cells[r * t->ncols], t->ncols);
	return crm_xlsx_close(x, fp);
}

int
crm_table_write(const crm_table *t, FILE *fp, enum crm_format f, bool excel_safe)
{
	crm_csv_writer *w;
	size_t r;

	if (f == CRM_FORMAT_TEXT) {
		write_text(t, fp);
		return 0;
	}
	if (f == CRM_FORMAT_XLSX)
		return write_xlsx(t, fp);
	w = crm_csv_writer_new(fp, fp == stdout ? crm_cli_output_name() : "<stdout>",
	                       f == CRM_FORMAT_TSV, excel_safe);
	for (r = 0; r <= t->nrows; r++)
		crm_csv_write_row(w, (const char *const *)&t->cells[r * t->ncols], t->ncols);
	return crm_csv_writer_close(w);
}

void
crm_table_free(crm_table *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < (t->nrows + 1) * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->types);
	free(t->name);
	free(t);
}

size_t
crm_table_ncols(const crm_table *t)
{
	return t->ncols;
}

size_t
crm_table_nrows(const crm_table *t)
{
	return t->nrows;
}

const char *
crm_table_cell(const crm_table *t, size_t row, size_t col)
{
	return t->cells[row * t->ncols + col];
}

struct crm_out {
	crm_csv_writer *csv; /* CSV/TSV, or NULL */
	crm_xlsx *xlsx;      /* a workbook, or NULL */
	char *sheet;
};

crm_out *
crm_out_new(enum crm_format f, bool excel_safe, const char *sheet)
{
	crm_out *o = crm_xcalloc(1, sizeof(*o));

	if (f == CRM_FORMAT_XLSX) {
		/* No temporary file: stop before the work (the message is out). */
		if ((o->xlsx = crm_xlsx_new(crm_cli_output_name())) == NULL)
			exit(CRM_EX_IOERR);
		o->sheet = crm_xstrdup(sheet);
	} else
		o->csv = crm_csv_writer_new(stdout, crm_cli_output_name(), f == CRM_FORMAT_TSV,
		                            excel_safe);
	return o;
}

void
crm_out_header(crm_out *o, const char *const *pass, size_t npass, const char *const *cols,
               const enum crm_coltype *types, size_t ncols)
{
	const char **names;
	enum crm_coltype *t;
	size_t i;

	if (o->csv != NULL) {
		crm_out_row(o, pass, npass, cols, ncols);
		return;
	}
	names = crm_xcalloc(npass + ncols + 1, sizeof(*names));
	t = crm_xcalloc(npass + ncols + 1, sizeof(*t));
	for (i = 0; i < npass; i++)
		names[i] = pass[i]; /* passed through: text (calloc's 0) */
	for (i = 0; i < ncols; i++) {
		names[npass + i] = cols[i];
		t[npass + i] = types ? types[i] : CRM_COL_TEXT;
	}
	crm_xlsx_sheet(o->xlsx, o->sheet, names, t, npass + ncols);
	free(names);
	free(t);
}

void
crm_out_row(crm_out *o, const char *const *pass, size_t npass, const char *const *cells,
            size_t ncols)
{
	size_t i;

	if (o->csv != NULL) {
		for (i = 0; i < npass; i++)
			crm_csv_write_field(o->csv, pass[i]);
		for (i = 0; i < ncols; i++)
			crm_csv_write_field(o->csv, cells[i]);
		crm_csv_end_row(o->csv);
		return;
	}
	for (i = 0; i < npass; i++)
		crm_xlsx_cell(o->xlsx, pass[i]);
	for (i = 0; i < ncols; i++)
		crm_xlsx_cell(o->xlsx, cells[i]);
	crm_xlsx_end_row(o->xlsx);
}

int
crm_out_close(crm_out *o)
{
	int status = o->csv != NULL ? crm_csv_writer_close(o->csv) :
	    crm_xlsx_close(o->xlsx, stdout);

	free(o->sheet);
	free(o);
	return status;
}

void
crm_json_string(FILE *fp, const char *s)
{
	putc('"', fp);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(fp, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", fp);
		else if (ch == '\r')
			fputs("\\r", fp);
		else if (ch == '\t')
			fputs("\\t", fp);
		else if (ch < 0x20)
			fprintf(fp, "\\u%04x", ch);
		else
			putc(ch, fp);
	}
	putc('"', fp);
}

const char *
crm_format_share(double num, double den, int decimals, bool text, char *out)
{
	if (den == 0) {
		snprintf(out, 32, "%s", text ? "—" : "");
		return out;
	}
	if (text)
		snprintf(out, 32, "%.*f%%", decimals, 100.0 * num / den);
	else
		snprintf(out, 32, "%.*f", decimals + 2, num / den);
	return out;
}

char *
crm_fmt_int(long long v, char *out)
{
	/* through unsigned so LLONG_MIN has a magnitude */
	unsigned long long mag = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	char digits[24];
	char *p = out;
	int n = 0;

	do {
		digits[n++] = (char)('0' + mag % 10);
		mag /= 10;
	} while (mag > 0);
	if (v < 0)
		*p++ = '-';
	while (n > 0)
		*p++ = digits[--n];
	*p = '\0';
	return out;
}

void
crm_render_template(const char *tpl, const char *const *names, const char *const *values,
                    size_t n, crm_buf *out)
{
	const char *p = tpl, *open, *close;
	size_t i, len;

	crm_buf_reset(out);
	crm_buf_puts(out, "");
	while ((open = strstr(p, "{{")) != NULL && (close = strstr(open + 2, "}}")) != NULL) {
		crm_buf_append(out, p, (size_t)(open - p));
		open += 2;
		while (open < close && *open == ' ')
			open++;
		len = (size_t)(close - open);
		while (len > 0 && open[len - 1] == ' ')
			len--;
		/* Compared up to the first difference, no strlen of each name:
		 * this runs for every placeholder of every row of a list. */
		for (i = 0; i < n; i++)
			if (strncmp(names[i], open, len) == 0 && names[i][len] == '\0') {
				if (values[i] != NULL)
					crm_buf_puts(out, values[i]);
				break;
			}
		p = close + 2;
	}
	crm_buf_puts(out, p);
}

void
crm_ics_line(FILE *fp, const char *name, const char *value, bool text)
{
	crm_buf b = {0};
	size_t i, col = 0, len;
	const char *s;

	crm_buf_puts(&b, name);
	crm_buf_putc(&b, ':');
	for (s = value; *s; s++) {
		if (text && (*s == '\\' || *s == ';' || *s == ','))
			crm_buf_putc(&b, '\\'), crm_buf_putc(&b, *s);
		else if (text && *s == '\n')
			crm_buf_puts(&b, "\\n");
		else if (*s != '\r')
			crm_buf_putc(&b, *s);
	}
	s = crm_buf_str(&b);
	len = b.len;
	for (i = 0; i < len; i++) {
		size_t clen = 1;
		unsigned char ch = (unsigned char)s[i];

		if (ch >= 0xf0)
			clen = 4;
		else if (ch >= 0xe0)
			clen = 3;
		else if (ch >= 0xc0)
			clen = 2;
		if (col + clen > 75) {
			fputs("\r\n ", fp);
			col = 1;
		}
		fwrite(s + i, 1, clen < len - i ? clen : len - i, fp);
		col += clen;
		i += clen - 1;
	}
	fputs("\r\n", fp);
	crm_buf_free(&b);
}

void
crm_ics_begin(FILE *fp, const char *prodid, char *stamp)
{
	time_t t = time(NULL);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(stamp, 32, "%Y%m%dT%H%M%SZ", &tm) == 0)
		crm_die(CRM_EX_SOFTWARE, "cannot read the clock");
	crm_ics_line(fp, "BEGIN", "VCALENDAR", false);
	crm_ics_line(fp, "VERSION", "2.0", false);
	crm_ics_line(fp, "PRODID", prodid, false);
	crm_ics_line(fp, "CALSCALE", "GREGORIAN", false);
}

/* One share of crm_render_shares: items [from, to), rendered into one of
 * the buffers. */
struct share {
	size_t from, to;
	crm_buf *buf;
	size_t count;   /* items render wrote */
	bool done;      /* rendered (by the helper) */
};

/* Share i is rendered into buffer i % SHARE_BUFS: none is rendered more
 * than two ahead of the one put, so a buffer is free again when its next
 * share comes. Reused rather than one new each: a million rows' shares are
 * 230 MB of memory touched afresh otherwise (a page fault every 4 KiB). */
#define SHARE_BUFS 4

struct shares {
	crm_share_render *render;
	void *arg;
	struct share *v;
	size_t n;
	size_t put;     /* shares handed to put so far */
	crm_buf bufs[SHARE_BUFS];
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static ssize_t
buf_write(void *cookie, const char *data, size_t n)
{
	crm_buf_append(cookie, data, n);
	return (ssize_t)n;
}

static void
render_share(struct shares *sh, int worker, struct share *s)
{
	FILE *fp;

	crm_buf_reset(s->buf);
	fp = fopencookie(s->buf, "w", (cookie_io_functions_t){ .write = buf_write });
	if (fp == NULL)
		crm_die_errno(CRM_EX_SOFTWARE, "fopencookie");
	s->count = sh->render(sh->arg, worker, fp, s->from, s->to);
	if (fclose(fp) != 0)
		crm_die(CRM_EX_SOFTWARE, "cannot render a list in memory");
}

/* The helper: the odd shares, at most two ahead of put. */
static void *
shares_work(void *arg)
{
	struct shares *sh = arg;

	for (size_t i = 1; i < sh->n; i += 2) {
		pthread_mutex_lock(&sh->mu);
		while (sh->put + 2 < i)
			pthread_cond_wait(&sh->cv, &sh->mu);
		pthread_mutex_unlock(&sh->mu);
		render_share(sh, 1, &sh->v[i]);
		pthread_mutex_lock(&sh->mu);
		sh->v[i].done = true;
		pthread_cond_broadcast(&sh->cv);
		pthread_mutex_unlock(&sh->mu);
	}
	return NULL;
}

void
crm_render_shares(size_t n, size_t share, crm_share_render *render, crm_share_put *put,
                  void *arg)
{
	struct shares sh = { .render = render, .arg = arg, .n = (n + share - 1) / share };
	pthread_t tid;
	bool helper;
	size_t i;

	if (n == 0)
		return;
	sh.v = crm_xcalloc(sh.n, sizeof(*sh.v));
	for (i = 0; i < sh.n; i++) {
		sh.v[i].from = i * share;
		sh.v[i].to = i + 1 < sh.n ? (i + 1) * share : n;
		sh.v[i].buf = &sh.bufs[i % SHARE_BUFS];
	}
	if (pthread_mutex_init(&sh.mu, NULL) != 0 || pthread_cond_init(&sh.cv, NULL) != 0)
		crm_die(CRM_EX_SOFTWARE, "cannot set up the list's writers");
	helper = sh.n > 1 && pthread_create(&tid, NULL, shares_work, &sh) == 0;
	for (i = 0; i < sh.n; i++) {
		if (i % 2 == 0 || !helper)
			render_share(&sh, 0, &sh.v[i]);
		else {
			pthread_mutex_lock(&sh.mu);
			while (!sh.v[i].done)
				pthread_cond_wait(&sh.cv, &sh.mu);
			pthread_mutex_unlock(&sh.mu);
		}
		put(arg, sh.v[i].buf->data ? sh.v[i].buf->data : "", sh.v[i].buf->len, sh.v[i].count);
		pthread_mutex_lock(&sh.mu);
		sh.put = i + 1;
		pthread_cond_broadcast(&sh.cv);
		pthread_mutex_unlock(&sh.mu);
	}
	if (helper)
		pthread_join(tid, NULL);
	pthread_mutex_destroy(&sh.mu);
	pthread_cond_destroy(&sh.cv);
	for (i = 0; i < SHARE_BUFS; i++)
		crm_buf_free(&sh.bufs[i]);
	free(sh.v);
}
