/*
 * xlsxout.c — .xlsx workbooks over libxlsxwriter (see xlsxout.h).
 */
#include "xlsxout.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "date.h"
#include "diag.h"
#include "text.h"

struct column {
	enum crm_coltype type;
	size_t width;         /* widest cell so far, in display columns */
};

struct crm_xlsx {
	char *output;         /* where the workbook goes, for messages */
	char *path;           /* the temporary file it is assembled in */
	char *tmpdir;         /* for libxlsxwriter's own temporary files */
	lxw_workbook *wb;
	lxw_format *format[CRM_COL_NTYPES]; /* number format of each type; NULL: General */
	lxw_format *bold;
	lxw_worksheet *ws;    /* the current sheet, or NULL before the first */
	char sheet[CRM_XLSX_NAME_MAX];      /* its name */
	char base[CRM_XLSX_NAME_MAX];       /* the name asked for (continuation sheets) */
	int part;             /* 1, then 2, 3 ... for continuation sheets */
	char **header;        /* the sheet's column names (copies) */
	struct column *col;
	size_t ncols;
	lxw_row_t row;        /* the row being written; 0 is the header */
	lxw_col_t c;          /* the next cell's column */
	size_t row_limit;     /* rows per sheet, header included */
	char **names;         /* sheet names used so far */
	size_t nnames;
	long long cut;        /* cells cut to CRM_XLSX_TEXT_MAX characters */
	bool failed;
};

/* The temporary file of a workbook not yet closed, removed at exit when a
 * tool dies with crm_die before it closes the workbook. */
static char *live_path;

static void
remove_live(void)
{
	if (live_path != NULL)
		(void)unlink(live_path);
}

/* Report the first failure; later calls do nothing. */
static void
fail(crm_xlsx *x, const char *what, const char *why)
{
	if (!x->failed)
		crm_warn("%s: cannot write the workbook: %s: %s", x->output, what, why);
	x->failed = true;
}

static bool
check(crm_xlsx *x, lxw_error e, const char *what)
{
	if (e != LXW_NO_ERROR)
		fail(x, what, lxw_strerror(e));
	return e == LXW_NO_ERROR;
}

static lxw_format *
add_format(crm_xlsx *x, const char *num_format)
{
	lxw_format *f = workbook_add_format(x->wb);

	if (f == NULL) {
		fail(x, "format", "out of memory");
		return NULL;
	}
	if (num_format != NULL)
		format_set_num_format(f, num_format);
	return f;
}

static void
add_formats(crm_xlsx *x)
{
	static const char *const money[] = { "#,##0", "#,##0.0", "#,##0.00", "#,##0.000",
	                                     "#,##0.0000" };
	int d;

	x->format[CRM_COL_INT] = add_format(x, "0");
	x->format[CRM_COL_DATE] = add_format(x, "yyyy-mm-dd");
	x->format[CRM_COL_DATETIME] = add_format(x, "yyyy-mm-dd hh:mm:ss");
	x->format[CRM_COL_PERCENT] = add_format(x, "0.0%");
	for (d = 0; d <= 4; d++)
		x->format[CRM_COL_MONEY(d)] = add_format(x, money[d]);
	if ((x->bold = add_format(x, NULL)) != NULL)
		format_set_bold(x->bold);
}

crm_xlsx *
crm_xlsx_new(const char *output)
{
	const char *dir = crm_tmpdir();
	crm_xlsx *x;
	lxw_workbook_options opt = { 0 };
	int fd;

	x = crm_xcalloc(1, sizeof(*x));
	x->output = crm_xstrdup(output);
	x->tmpdir = crm_xstrdup(dir);
	x->path = crm_xasprintf("%s/crm-xlsx-XXXXXX", dir);
	x->row_limit = LXW_ROW_MAX;
	if ((fd = mkstemp(x->path)) < 0) {
		crm_warn_errno("%s: cannot write the workbook: cannot create a temporary file in %s",
		               output, dir);
		free(x->output), free(x->tmpdir), free(x->path), free(x);
		return NULL;
	}
	(void)close(fd);
	if (live_path == NULL)
		atexit(remove_live);
	live_path = x->path;
	opt.constant_memory = LXW_TRUE;
	opt.tmpdir = x->tmpdir;
	if ((x->wb = workbook_new_opt(x->path, &opt)) == NULL) {
		fail(x, "new workbook", "out of memory or no temporary file");
		return x;
	}
	add_formats(x);
	return x;
}

void
crm_xlsx_set_row_limit(crm_xlsx *x, size_t rows)
{
	x->row_limit = rows < 2 ? 2 : rows > LXW_ROW_MAX ? LXW_ROW_MAX : rows;
}

/* ---- sheet names ---- */

/* Length of the UTF-8 sequence starting with byte b (1 for a stray byte),
 * and its code point into *cp. */
static size_t
utf8_next(const unsigned char *s, uint32_t *cp)
{
	size_t n = *s < 0x80 ? 1 : (*s & 0xE0) == 0xC0 ? 2 : (*s & 0xF0) == 0xE0 ? 3 :
	           (*s & 0xF8) == 0xF0 ? 4 : 0;
	size_t i;

	if (n == 0) {
		*cp = 0xFFFD;
		return 1;
	}
	*cp = n == 1 ? *s : (uint32_t)(*s & (0x7F >> n));
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*cp = 0xFFFD;
			return 1;
		}
		*cp = *cp << 6 | (s[i] & 0x3F);
	}
	return n;
}

/* Cut s (valid UTF-8) to at most max UTF-16 units, Excel's measure of a
 * sheet name (a character beyond U+FFFF takes two). */
static void
cut_units(char *s, size_t max)
{
	size_t units = 0, i = 0, n;
	uint32_t cp;

	while (s[i] != '\0') {
		n = utf8_next((const unsigned char *)s + i, &cp);
		if (units + (cp > 0xFFFF ? 2 : 1) > max)
			break;
		units += cp > 0xFFFF ? 2 : 1;
		i += n;
	}
	s[i] = '\0';
}

void
crm_xlsx_sheet_name(const char *name, char *out)
{
	const unsigned char *s = (const unsigned char *)(name ? name : "");
	size_t o = 0, n, len;
	uint32_t cp;

	while (*s == '\'')
		s++;
	/* Each character takes at most 4 bytes: 31 of them fit in out. */
	while (*s != '\0' && o + 4 < CRM_XLSX_NAME_MAX - 1) {
		n = utf8_next(s, &cp);
		if (cp == 0xFFFD && n == 1 && *s >= 0x80)
			out[o++] = '_';
		else if (cp < 0x20 || (cp < 0x80 && strchr("[]:*?/\\", (int)cp) != NULL))
			out[o++] = '_';
		else {
			memcpy(out + o, s, n);
			o += n;
		}
		s += n;
	}
	out[o] = '\0';
	cut_units(out, LXW_SHEETNAME_MAX);
	len = strlen(out);
	while (len > 0 && out[len - 1] == '\'')
		out[--len] = '\0';
	if (len == 0)
		snprintf(out, CRM_XLSX_NAME_MAX, "Sheet");
	else if (strcasecmp(out, "History") == 0)
		snprintf(out, CRM_XLSX_NAME_MAX, "History_");
}

static bool
name_taken(const crm_xlsx *x, const char *name)
{
	size_t i;

	for (i = 0; i < x->nnames; i++)
		if (strcasecmp(x->names[i], name) == 0)
			return true;
	return false;
}

/* A valid name for part `part` of a sheet asked for as base, not yet used:
 * "base", "base 2" for a continuation, "base (2)" for a second sheet of
 * the same name; the base is cut so the suffix fits in 31 characters. */
static void
unique_name(crm_xlsx *x, const char *base, int part, char *out)
{
	char valid[CRM_XLSX_NAME_MAX], suffix[32];
	int k;

	crm_xlsx_sheet_name(base, valid);
	for (k = 1;; k++) {
		suffix[0] = '\0';
		if (part > 1)
			snprintf(suffix, sizeof suffix, " %d", part);
		if (k > 1)
			snprintf(suffix + strlen(suffix), sizeof suffix - strlen(suffix), " (%d)", k);
		snprintf(out, CRM_XLSX_NAME_MAX, "%s", valid);
		cut_units(out, LXW_SHEETNAME_MAX - strlen(suffix));
		strcat(out, suffix);
		if (!name_taken(x, out))
			break;
	}
	x->names = crm_xreallocarray(x->names, x->nnames + 1, sizeof(*x->names));
	x->names[x->nnames++] = crm_xstrdup(out);
}

/* ---- cells ---- */

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A plain decimal (see crm_xlsx_number); frac: a fraction allowed;
 * exponent: an exponent allowed. */
static bool
plain_number(const char *s, bool frac, bool exponent)
{
	const char *p = s;
	int sig = 0;
	bool nonzero = false;

	if (*p == '-')
		p++;
	if (!is_digit(*p) || (p[0] == '0' && is_digit(p[1])))
		return false;
	for (; is_digit(*p); p++)
		if ((nonzero = nonzero || *p != '0'))
			sig++;
	if (*p == '.' && frac) {
		if (!is_digit(*++p))
			return false;
		for (; is_digit(*p); p++)
			if ((nonzero = nonzero || *p != '0'))
				sig++;
	}
	if ((*p == 'e' || *p == 'E') && exponent) {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!is_digit(*p))
			return false;
		while (is_digit(*p))
			p++;
	}
	return *p == '\0' && sig <= 15;
}

/* Excel's serial of the day (1900 system): 25569 is 1970-01-01. */
#define EXCEL_1970 25569
#define EXCEL_FIRST_GOOD 61 /* 1900-03-01; Excel counts a 1900-02-29 */

static bool
two_digits(const char *s, int max, int *v)
{
	if (!is_digit(s[0]) || !is_digit(s[1]))
		return false;
	*v = (s[0] - '0') * 10 + (s[1] - '0');
	return *v <= max;
}

/* "YYYY-MM-DD", optionally followed by " HH:MM" or " HH:MM:SS" (or "T")
 * when with_time, as an Excel serial. */
static bool
excel_date(const char *s, bool with_time, double *v)
{
	char day[11];
	int64_t days;
	int h = 0, m = 0, sec = 0;
	size_t len = strlen(s);

	if (len < 10)
		return false;
	memcpy(day, s, 10);
	day[10] = '\0';
	if (crm_date_parse_iso(day, &days) != 0 || days + EXCEL_1970 < EXCEL_FIRST_GOOD)
		return false;
	if (len > 10) {
		if (!with_time || (s[10] != ' ' && s[10] != 'T') || (len != 16 && len != 19) ||
		    !two_digits(s + 11, 23, &h) || s[13] != ':' || !two_digits(s + 14, 59, &m))
			return false;
		if (len == 19 && (s[16] != ':' || !two_digits(s + 17, 59, &sec)))
			return false;
	}
	*v = (double)(days + EXCEL_1970) + (h * 3600 + m * 60 + sec) / 86400.0;
	return true;
}

bool
crm_xlsx_number(enum crm_coltype t, const char *s, double *v)
{
	bool ok;

	if (s == NULL || *s == '\0')
		return false;
	switch (t) {
	case CRM_COL_TEXT:
	case CRM_COL_NTYPES:
		return false;
	case CRM_COL_DATE:
		return excel_date(s, false, v);
	case CRM_COL_DATETIME:
		return excel_date(s, true, v);
	case CRM_COL_INT:
		ok = plain_number(s, false, false);
		break;
	case CRM_COL_DECIMAL:
		ok = plain_number(s, true, true);
		break;
	default: /* percent, money */
		ok = plain_number(s, true, false);
		break;
	}
	if (ok)
		*v = strtod(s, NULL);
	return ok;
}

/* The display width of a cell as Excel shows it, roughly: numbers as
 * formatted (thousands separators for money), text in display columns. */
static size_t
cell_width(enum crm_coltype t, const char *s, size_t len, bool number)
{
	if (!number)
		return crm_text_width(s);
	switch (t) {
	case CRM_COL_DATE:
		return 10;
	case CRM_COL_DATETIME:
		return 19;
	case CRM_COL_PERCENT:
		return 7;
	case CRM_COL_INT:
	case CRM_COL_DECIMAL:
		return len;
	default:
		return len + len / 3;
	}
}

static void
measure(struct column *col, const char *s, bool number)
{
	size_t len = strlen(s);

	/* A text never shows wider than its bytes (a CJK character is three
	 * bytes and two columns), nor money wider than 4/3 of them: most cells
	 * of a long column are passed over without looking at a character. */
	if (len + len / 3 <= col->width || col->width >= CRM_XLSX_WIDTH_MAX)
		return;
	len = cell_width(col->type, s, len, number);
	if (len > col->width)
		col->width = len;
}

/* Text cut to CRM_XLSX_TEXT_MAX characters (a copy), or NULL when it fits. */
static char *
cut_text(crm_xlsx *x, const char *s)
{
	size_t chars = 0, i = 0, n;
	uint32_t cp;
	char *copy;

	if (strlen(s) <= CRM_XLSX_TEXT_MAX)
		return NULL;
	while (s[i] != '\0' && chars < CRM_XLSX_TEXT_MAX) {
		n = utf8_next((const unsigned char *)s + i, &cp);
		i += n;
		chars++;
	}
	if (s[i] == '\0')
		return NULL;
	if (x->cut++ == 0)
		crm_warn("%s: sheet \"%s\", row %lu, column \"%s\": text of more than %d "
		         "characters cut to what Excel holds", x->output, x->sheet,
		         (unsigned long)x->row + 1,
		         x->c < x->ncols ? x->header[x->c] : "(extra)", CRM_XLSX_TEXT_MAX);
	copy = crm_xstrndup(s, i);
	return copy;
}

static void finish_sheet(crm_xlsx *x);
static void open_sheet(crm_xlsx *x);

void
crm_xlsx_cell(crm_xlsx *x, const char *text)
{
	struct column *col = x->c < x->ncols ? &x->col[x->c] : NULL;
	enum crm_coltype t = col ? col->type : CRM_COL_TEXT;
	double v;
	char *cut;
	bool number;

	if (x->failed || x->ws == NULL) {
		x->c++;
		return;
	}
	if (x->row >= x->row_limit) {
		/* The sheet is full: the rest goes on to the next part. */
		lxw_col_t c = x->c;

		finish_sheet(x);
		x->part++;
		open_sheet(x);
		x->c = c;
		if (x->failed)
			return;
	}
	if (text != NULL && *text != '\0') {
		number = crm_xlsx_number(t, text, &v);
		if (number)
			check(x, worksheet_write_number(x->ws, x->row, x->c, v, x->format[t]), "number");
		else if ((cut = cut_text(x, text)) != NULL) {
			check(x, worksheet_write_string(x->ws, x->row, x->c, cut, NULL), "text");
			free(cut);
		} else
			check(x, worksheet_write_string(x->ws, x->row, x->c, text, NULL), "text");
		if (col != NULL)
			measure(col, text, number);
	}
	x->c++;
}

void
crm_xlsx_end_row(crm_xlsx *x)
{
	x->row++;
	x->c = 0;
}

void
crm_xlsx_row(crm_xlsx *x, const char *const *cells, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		crm_xlsx_cell(x, cells[i]);
	crm_xlsx_end_row(x);
}

/* ---- sheets ---- */

/* Add the worksheet for the current base and part, and its header row. */
static void
open_sheet(crm_xlsx *x)
{
	size_t i;

	x->row = 0;
	x->c = 0;
	if (x->failed)
		return;
	unique_name(x, x->base, x->part, x->sheet);
	if ((x->ws = workbook_add_worksheet(x->wb, x->sheet)) == NULL) {
		fail(x, x->sheet, "cannot add the worksheet");
		return;
	}
	for (i = 0; i < x->ncols; i++) {
		if (!check(x, worksheet_write_string(x->ws, 0, (lxw_col_t)i, x->header[i], x->bold),
		           "header"))
			return;
		/* The header's filter button takes about two characters. */
		x->col[i].width = crm_text_width(x->header[i]) + 2;
	}
	worksheet_freeze_panes(x->ws, 1, 0);
	x->row = 1;
}

/* Widths and the autofilter, known once every row is written. */
static void
finish_sheet(crm_xlsx *x)
{
	lxw_row_t last = x->row > 1 ? x->row - 1 : 0;
	size_t i, w;

	if (x->ws == NULL || x->failed)
		return;
	for (i = 0; i < x->ncols; i++) {
		w = x->col[i].width + 1;
		if (w > CRM_XLSX_WIDTH_MAX)
			w = CRM_XLSX_WIDTH_MAX;
		if (!check(x, worksheet_set_column(x->ws, (lxw_col_t)i, (lxw_col_t)i, (double)w,
		                                   NULL), "column width"))
			return;
	}
	if (x->ncols > 0)
		check(x, worksheet_autofilter(x->ws, 0, 0, last, (lxw_col_t)(x->ncols - 1)),
		      "autofilter");
	x->ws = NULL;
}

static void
free_header(crm_xlsx *x)
{
	size_t i;

	for (i = 0; i < x->ncols; i++)
		free(x->header[i]);
	free(x->header);
	free(x->col);
	x->header = NULL;
	x->col = NULL;
	x->ncols = 0;
}

void
crm_xlsx_sheet(crm_xlsx *x, const char *name, const char *const *header,
               const enum crm_coltype *types, size_t ncols)
{
	size_t i;

	finish_sheet(x);
	free_header(x);
	if (ncols > LXW_COL_MAX) {
		fail(x, name, "more than 16,384 columns, the most a worksheet holds");
		return;
	}
	snprintf(x->base, sizeof x->base, "%s", name ? name : "");
	x->part = 1;
	x->ncols = ncols;
	x->header = crm_xcalloc(ncols + 1, sizeof(*x->header));
	x->col = crm_xcalloc(ncols + 1, sizeof(*x->col));
	for (i = 0; i < ncols; i++) {
		x->header[i] = crm_xstrdup(header[i] ? header[i] : "");
		x->col[i].type = types ? types[i] : CRM_COL_TEXT;
		if (x->col[i].type >= CRM_COL_NTYPES)
			x->col[i].type = CRM_COL_TEXT;
	}
	open_sheet(x);
}

/* ---- the file ---- */

/* Copy the finished workbook to out. */
static void
copy_out(crm_xlsx *x, FILE *out)
{
	char buf[65536];
	int in, fd = fileno(out);
	ssize_t n, w;
	size_t done;

	if (fflush(out) != 0) {
		if (errno != EPIPE)
			fail(x, "write error", strerror(errno));
		return;
	}
	if ((in = open(x->path, O_RDONLY)) < 0) {
		fail(x, "cannot read the temporary file", strerror(errno));
		return;
	}
	for (;;) {
		n = read(in, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fail(x, "cannot read the temporary file", strerror(errno));
			break;
		}
		if (n == 0)
			break;
		for (done = 0; done < (size_t)n; done += (size_t)w) {
			w = write(fd, buf + done, (size_t)n - done);
			if (w < 0 && errno == EINTR) {
				w = 0;
				continue;
			}
			if (w < 0) {
				/* A reader that went away is no error (STYLE 7). */
				if (errno != EPIPE)
					fail(x, "write error", strerror(errno));
				(void)close(in);
				return;
			}
		}
	}
	(void)close(in);
}

int
crm_xlsx_close(crm_xlsx *x, FILE *out)
{
	int status;
	size_t i;

	if (x == NULL)
		return CRM_EX_IOERR;
	finish_sheet(x);
	if (x->wb != NULL) {
		/* The workbook is freed whether or not it could be written. */
		check(x, workbook_close(x->wb), "assembling it");
		x->wb = NULL;
	}
	if (!x->failed)
		copy_out(x, out);
	if (x->cut > 1)
		crm_warn("%s: %lld cells cut to %d characters in all", x->output, x->cut,
		         CRM_XLSX_TEXT_MAX);
	status = x->failed ? CRM_EX_IOERR : 0;
	(void)unlink(x->path);
	if (live_path == x->path)
		live_path = NULL;
	free_header(x);
	for (i = 0; i < x->nnames; i++)
		free(x->names[i]);
	free(x->names);
	free(x->output);
	free(x->path);
	free(x->tmpdir);
	free(x);
	return status;
}
