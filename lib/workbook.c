/*
 * workbook — .xlsx through libzip + expat, .xls through libfreexl (see
 * workbook.h).
 *
 * An .xlsx is read in this order: _rels/.rels names the workbook part
 * (xl/workbook.xml by default); the workbook part gives the sheets' names,
 * order and relationship ids, and the date system; its relationships
 * (xl/_rels/workbook.xml.rels) give each sheet's part and the shared-string
 * and style parts. Shared strings are kept in one arena (a cell refers to
 * them by index, so they must be at hand); of the styles only each cellXfs
 * entry's date kind is kept. A sheet part is then parsed with expat from
 * zip_fread() chunks read straight into expat's buffer; the end of each
 * <row> suspends the parser (XML_StopParser, resumable), so crm_wb_next()
 * hands back one row at a time and the sheet is never in memory.
 */
#include "workbook.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <expat.h>
#include <freexl.h>
#include <zip.h>

#include "date.h"
#include "decode.h"
#include "diag.h"

enum {
	CHUNK = 64 * 1024,     /* bytes asked of each zip_fread() */
	MAX_COLS = 16384,      /* Excel's last column, XFD */
	MAX_ROWS = 1048576,    /* Excel's last row */
	LOOKAHEAD = 5,         /* non-empty rows searched for the header */
	NBATCH = 4,            /* batches of rows the reader thread may parse ahead */
	BATCH_ROWS = 2048,     /* rows in a batch, at most */
	BATCH_BYTES = 1 << 20, /* cell text in a batch, about at most */
	MAX_SERIAL_1900 = 2958465, /* 9999-12-31 */
	MAX_SERIAL_1904 = 2957003,
};

/* The cell types of SpreadsheetML (attribute t). */
enum cell_type { T_NUMBER, T_SHARED, T_INLINE, T_STR, T_BOOL, T_ERROR, T_DATE };

struct sheet {
	char *name;   /* UTF-8 */
	char *rid;    /* relationship id (xlsx) */
	char *part;   /* zip entry of the worksheet; NULL for a chart sheet etc. */
};

/* A row kept while looking for the header. */
struct held {
	char **cells;
	size_t ncells;
	long row;
	char *error;
	long error_col;
};

struct rel {
	char *id, *target, *type;
};

/* Rows parsed ahead by the reader thread, handed over as one unit. */
struct batch {
	crm_buf text;          /* every cell, NUL-terminated, and row errors */
	size_t *off;           /* offset in text of each cell, row after row */
	size_t noff, off_cap;
	struct brow {
		size_t first, ncells;  /* cells off[first .. first + ncells) */
		size_t err;            /* offset of the error text, or SIZE_MAX */
		long row, error_col;
	} *rows;
	size_t nrows, rows_cap;
	bool full;             /* filled by the thread, not yet used up */
	int end;               /* 0; 1: the sheet ends after these rows; -1: broken */
};

struct crm_wb {
	char *name;              /* for messages */
	enum crm_wb_kind kind;
	struct sheet *sheets;
	size_t nsheets;
	long selected;           /* index of the selected sheet, -1 none */
	crm_buf msg;             /* why the workbook is unreadable */

	/* xlsx: the archive and what the parts said */
	zip_t *za;
	bool date1904;
	char *wb_part;           /* the workbook part, e.g. xl/workbook.xml */
	struct rel *rels;
	size_t nrels;
	crm_buf sst;             /* shared strings, each NUL-terminated */
	size_t *sst_off;
	size_t nsst, sst_cap;
	int *xf_id;              /* number format id of each cellXfs entry */
	unsigned char *xf;       /* its enum crm_wb_fmt, once styles are read */
	size_t nxf, xf_cap;
	struct { int id; enum crm_wb_fmt kind; } *fmts; /* custom numFmts */
	size_t nfmts, fmts_cap;

	/* parse state of the part being read */
	XML_Parser xp;
	crm_buf text;            /* character data being collected */
	bool collect;            /* collect character data into text */
	int in_si, in_rph, in_t;
	bool in_cellxfs;

	/* the open sheet (xlsx) */
	zip_file_t *zf;
	bool suspended, xml_done, failed;
	bool in_row, in_c, in_v, in_is;
	long rownum;             /* row being built (or last one) */
	long next_col;           /* column a cell without r= gets */
	bool row_ready;
	enum cell_type c_type;
	long c_style, c_col;
	crm_buf arena;           /* the row's cells, NUL-terminated */
	size_t *off;             /* offset of cell i in arena */
	size_t ncells, off_cap;
	crm_buf err;             /* the row's first error */
	long err_col;

	/* xls */
	const void *xh;
	unsigned int xrows, xnext;
	unsigned short xcols;

	/* rows handed out */
	char **cells;
	size_t cells_cap;
	struct crm_wb_row out;
	struct held held[LOOKAHEAD];
	size_t nheld, next_held;

	/* The reader thread: after the header, an .xlsx sheet is inflated and
	 * parsed on a second core while the caller stores rows. It owns the
	 * sheet state above (parser, arena, out) until it is joined; the two
	 * sides share only batches[] and stop, under mu. */
	pthread_t thread;
	bool threaded;           /* a thread was started for this sheet */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;               /* the thread is to end */
	struct batch batches[NBATCH];
	size_t bread, bpos;      /* the caller's batch, and its next row */
	bool bheld;              /* the caller holds batches[bread] */
	bool bwarned;            /* the caller reported the break */
	char **tcells;           /* the caller's row */
	size_t tcells_cap;
	struct crm_wb_row tout;
};

/* ---- small helpers ---- */

enum crm_wb_kind
crm_wb_sniff(const void *head, size_t n)
{
	static const unsigned char ole2[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};

	if (n >= 4 && memcmp(head, "PK\3\4", 4) == 0)
		return CRM_WB_XLSX;
	if (n >= 8 && memcmp(head, ole2, 8) == 0)
		return CRM_WB_XLS;
	return CRM_WB_NONE;
}

/* An element or attribute name without its namespace prefix ("x:row"). */
static const char *
local(const char *name)
{
	const char *c = strrchr(name, ':');

	return c ? c + 1 : name;
}

static const char *
attr(const XML_Char **atts, const char *name)
{
	for (size_t i = 0; atts[i] != NULL; i += 2)
		if (strcmp(local(atts[i]), name) == 0)
			return atts[i + 1];
	return NULL;
}

/* A whole decimal number in 0..max, or -1. */
static long
parse_index(const char *s, long max)
{
	long v = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s == ' '; s++)
		;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (*s - '0');
		if (v > max)
			return -1;
	}
	for (; *s == ' '; s++)
		;
	return *s == '\0' ? v : -1;
}

/* The column letters of index col (0 → "A") into out (at least 4 bytes). */
static void
column_name(long col, char *out)
{
	char tmp[8];
	int n = 0;

	col++;
	while (col > 0 && n < 7) {
		tmp[n++] = (char)('A' + (col - 1) % 26);
		col = (col - 1) / 26;
	}
	for (int i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	out[n] = '\0';
}

/* The 0-based column of a reference like "C5", or -1. */
static long
column_of(const char *ref)
{
	long col = 0;
	const char *p = ref;

	for (; (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'); p++) {
		col = col * 26 + ((*p | 0x20) - 'a' + 1);
		if (col > MAX_COLS)
			return -1;
	}
	return p == ref ? -1 : col - 1;
}

/* Append code point cp as UTF-8. */
static void
put_utf8(crm_buf *b, unsigned cp)
{
	char u[4];

	if (cp < 0x80) {
		u[0] = (char)cp;
		crm_buf_append(b, u, 1);
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3F));
		crm_buf_append(b, u, 2);
	} else {
		u[0] = (char)(0xE0 | cp >> 12);
		u[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		crm_buf_append(b, u, 3);
	}
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
		return (c | 0x20) - 'a' + 10;
	return -1;
}

/*
 * s[0..n) with OOXML's _xHHHH_ escapes (how Excel stores control characters
 * and a literal "_x": _x000D_ is CR, _x005F_ is "_") decoded, appended to
 * out. NUL and surrogates stay as written.
 */
static void
append_unescaped(crm_buf *out, const char *s, size_t n)
{
	size_t i = 0, from = 0;

	while (i + 7 <= n) {
		const char *p = s + i;
		int h0, h1, h2, h3;

		if (p[0] == '_' && p[1] == 'x' && p[6] == '_' && (h0 = hexval(p[2])) >= 0 &&
		    (h1 = hexval(p[3])) >= 0 && (h2 = hexval(p[4])) >= 0 && (h3 = hexval(p[5])) >= 0) {
			unsigned cp = (unsigned)(h0 << 12 | h1 << 8 | h2 << 4 | h3);

			if (cp != 0 && (cp < 0xD800 || cp > 0xDFFF)) {
				crm_buf_append(out, s + from, i - from);
				put_utf8(out, cp);
				i += 7;
				from = i;
				continue;
			}
		}
		i++;
	}
	crm_buf_append(out, s + from, n - from);
}

/* ---- numbers and dates ---- */

/* The parts of a decimal text: value = 0.DIGITS × 10^exp10, sign neg. */
struct decimal {
	char digits[48];  /* significant digits, no leading zeros; "" for zero */
	size_t n;
	long exp10;
	bool neg;
};

/* Parse [+-]digits[.digits][E[+-]digits]; surrounding blanks allowed.
 * Keeps the first 40 significant digits (enough to round to 15 and to read a
 * day's fraction to far below a second). -1 if not a number. */
static int
decimal_parse(const char *s, struct decimal *d)
{
	long exp = 0, point = -1, ndig = 0, lead = 0;
	bool any = false;

	memset(d, 0, sizeof *d);
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '-' || *s == '+')
		d->neg = *s++ == '-';
	for (;; s++) {
		if (*s == '.' && point < 0) {
			point = ndig + lead;
			continue;
		}
		if (*s < '0' || *s > '9')
			break;
		any = true;
		if (*s == '0' && ndig == 0) {
			lead++;   /* leading zero: shifts nothing once the point is placed */
			continue;
		}
		if (d->n < 40)
			d->digits[d->n++] = *s;
		ndig++;
	}
	if (!any)
		return -1;
	if (*s == 'e' || *s == 'E') {
		bool eneg = false;
		bool edig = false;

		s++;
		if (*s == '-' || *s == '+')
			eneg = *s++ == '-';
		for (; *s >= '0' && *s <= '9'; s++) {
			edig = true;
			if (exp < 100000000)
				exp = exp * 10 + (*s - '0');
		}
		if (!edig)
			return -1;
		if (eneg)
			exp = -exp;
	}
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s != '\0')
		return -1;
	if (point < 0)
		point = ndig + lead;
	/* Digits before the point, counted from the first significant one. */
	d->exp10 = ndig == 0 ? 0 : point - lead + exp;
	d->digits[d->n] = '\0';
	if (d->n == 0)
		d->neg = false;
	return 0;
}

/* Round d to at most sig significant digits, half away from zero. */
static void
decimal_round(struct decimal *d, size_t sig)
{
	if (d->n <= sig)
		return;
	bool up = d->digits[sig] >= '5';
	d->n = sig;
	d->digits[sig] = '\0';
	if (!up)
		goto trim;
	for (size_t i = sig; i-- > 0;) {
		if (d->digits[i] != '9') {
			d->digits[i]++;
			goto trim;
		}
		d->digits[i] = '0';
	}
	/* 999... → 1000...: one more digit before the point. */
	d->digits[0] = '1';
	d->n = 1;
	d->digits[1] = '\0';
	d->exp10++;
trim:
	while (d->n > 0 && d->digits[d->n - 1] == '0')
		d->digits[--d->n] = '\0';
	if (d->n == 0)
		d->neg = false;
}

int
crm_wb_number_text(const char *v, char *out)
{
	struct decimal d;
	char *p = out;

	if (decimal_parse(v, &d) != 0)
		return -1;
	decimal_round(&d, 15);
	while (d.n > 0 && d.digits[d.n - 1] == '0')
		d.digits[--d.n] = '\0';
	if (d.n == 0) {
		strcpy(out, "0");
		return 0;
	}
	if (d.neg)
		*p++ = '-';
	if (d.exp10 > 21 || d.exp10 < -14) {
		/* Scientific, as Excel shows what no column is wide enough for. */
		*p++ = d.digits[0];
		if (d.n > 1) {
			*p++ = '.';
			memcpy(p, d.digits + 1, d.n - 1);
			p += d.n - 1;
		}
		snprintf(p, CRM_WB_NUMBER_MAX - (size_t)(p - out), "E%s%02ld",
		         d.exp10 - 1 < 0 ? "-" : "+", labs(d.exp10 - 1));
		return 0;
	}
	if (d.exp10 <= 0) {
		*p++ = '0';
		*p++ = '.';
		for (long i = 0; i < -d.exp10; i++)
			*p++ = '0';
		memcpy(p, d.digits, d.n);
		p += d.n;
	} else if ((size_t)d.exp10 >= d.n) {
		memcpy(p, d.digits, d.n);
		p += d.n;
		for (long i = (long)d.n; i < d.exp10; i++)
			*p++ = '0';
	} else {
		memcpy(p, d.digits, (size_t)d.exp10);
		p += d.exp10;
		*p++ = '.';
		memcpy(p, d.digits + d.exp10, d.n - (size_t)d.exp10);
		p += d.n - (size_t)d.exp10;
	}
	*p = '\0';
	return 0;
}

void
crm_wb_double_text(double x, char *out)
{
	char tmp[40];

	if (!isfinite(x)) {
		strcpy(out, "#NUM!");  /* Excel has no infinities or NaNs */
		return;
	}
	snprintf(tmp, sizeof tmp, "%.15g", x);
	if (crm_wb_number_text(tmp, out) != 0)
		strcpy(out, tmp);
}

int
crm_wb_serial_text(const char *v, bool date1904, enum crm_wb_fmt fmt, char *out)
{
	struct decimal d;
	long days = 0;
	double frac = 0;
	long secs;
	char fracbuf[64], hms[16];

	if (decimal_parse(v, &d) != 0 || d.neg)
		return -1;
	if (d.exp10 > 8)
		return -1;
	/* Whole days: the digits before the point; the rest is the day's fraction. */
	for (long i = 0; i < d.exp10; i++)
		days = days * 10 + ((size_t)i < d.n ? d.digits[i] - '0' : 0);
	if (d.exp10 < (long)d.n) {
		long skip = d.exp10 < 0 ? -d.exp10 : 0;
		size_t from = d.exp10 > 0 ? (size_t)d.exp10 : 0;

		if (skip > 40)
			skip = 40; /* far below a second: nothing */
		snprintf(fracbuf, sizeof fracbuf, "0.%.*s%s", (int)skip,
		         "0000000000000000000000000000000000000000", d.digits + from);
		frac = strtod(fracbuf, NULL);
	}
	secs = lround(frac * 86400.0);
	if (secs >= 86400) {
		secs -= 86400;
		days++;
	}
	if (days > (date1904 ? MAX_SERIAL_1904 : MAX_SERIAL_1900))
		return -1;
	/* secs is 0..86399: "HH:MM:SS" always fits. */
	snprintf(hms, sizeof hms, "%02d:%02d:%02d", (int)(secs / 3600) % 24, (int)(secs / 60 % 60),
	         (int)(secs % 60));
	if (fmt == CRM_WB_FMT_TIME) {
		memcpy(out, hms, 9);
		return 0;
	}
	if (!date1904 && days == 60)
		strcpy(out, "1900-02-29");       /* Lotus's leap day, kept by Excel */
	else if (!date1904 && days == 0)
		strcpy(out, "1900-01-00");       /* how Excel shows serial 0 */
	else if (date1904)
		crm_date_format(crm_days_from_civil(1904, 1, 1) + days, out);
	else if (days < 60)
		crm_date_format(crm_days_from_civil(1899, 12, 31) + days, out);
	else
		crm_date_format(crm_days_from_civil(1899, 12, 30) + days, out);
	if (fmt == CRM_WB_FMT_DATETIME || secs != 0) {
		out[10] = ' ';
		memcpy(out + 11, hms, 9);
	}
	return 0;
}

enum crm_wb_fmt
crm_wb_format_kind(int id, const char *code)
{
	bool date = false, time = false, month = false;

	if (code == NULL) {
		if ((id >= 14 && id <= 17) || (id >= 27 && id <= 31) || id == 36 ||
		    (id >= 50 && id <= 54) || id == 57 || id == 58)
			return CRM_WB_FMT_DATE;
		if ((id >= 18 && id <= 21) || (id >= 45 && id <= 47) || (id >= 32 && id <= 35) ||
		    id == 55 || id == 56)
			return CRM_WB_FMT_TIME;
		return id == 22 ? CRM_WB_FMT_DATETIME : CRM_WB_FMT_NONE;
	}
	for (const char *p = code; *p; p++) {
		switch (*p) {
		case '"':  /* literal text */
			while (p[1] != '\0' && p[1] != '"')
				p++;
			if (p[1] == '"')
				p++;
			break;
		case '\\': case '_': case '*':  /* escaped, padding, fill: next char is literal */
			if (p[1] != '\0')
				p++;
			break;
		case '[': {  /* colour, locale, condition; but [h] [mm] [ss] are elapsed time */
			const char *q = p + 1;
			char c = (char)(*q | 0x20);
			size_t n = 0;

			while (q[n] != '\0' && q[n] != ']' && (char)(q[n] | 0x20) == c)
				n++;
			if (n > 0 && q[n] == ']' && (c == 'h' || c == 'm' || c == 's'))
				time = true;
			while (p[1] != '\0' && p[1] != ']')
				p++;
			if (p[1] == ']')
				p++;
			break;
		}
		case 'y': case 'Y': case 'd': case 'D':
			date = true;
			break;
		case 'h': case 'H': case 's': case 'S':
			time = true;
			break;
		case 'm': case 'M':
			month = true;
			break;
		case ';':  /* only the first (positive) section decides */
			goto done;
		default:
			break;
		}
	}
done:
	if (month && !time)
		date = true;
	if (date && time)
		return CRM_WB_FMT_DATETIME;
	return date ? CRM_WB_FMT_DATE : time ? CRM_WB_FMT_TIME : CRM_WB_FMT_NONE;
}

/* ---- reading a zip part with expat ---- */

static void
fail(crm_wb *wb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Record why the workbook cannot be read (the first reason wins). */
static void
fail(crm_wb *wb, const char *fmt, ...)
{
	va_list ap;

	if (wb->msg.len > 0)
		return;
	va_start(ap, fmt);
	crm_buf_vprintf(&wb->msg, fmt, ap);
	va_end(ap);
}

static void XMLCALL
on_text(void *ud, const XML_Char *s, int len)
{
	crm_wb *wb = ud;

	if (wb->collect && len > 0)
		crm_buf_append(&wb->text, s, (size_t)len);
}

static zip_file_t *
open_part(crm_wb *wb, const char *part)
{
	zip_int64_t i = zip_name_locate(wb->za, part, ZIP_FL_NOCASE | ZIP_FL_ENC_GUESS);

	if (i < 0)
		return NULL;
	return zip_fopen_index(wb->za, (zip_uint64_t)i, 0);
}

static bool
has_part(crm_wb *wb, const char *part)
{
	return zip_name_locate(wb->za, part, ZIP_FL_NOCASE | ZIP_FL_ENC_GUESS) >= 0;
}

/*
 * Parse the whole zip entry part with the given handlers (user data wb).
 * Returns 0, 1 when the part is absent, -1 after fail().
 */
static int
parse_part(crm_wb *wb, const char *part, XML_StartElementHandler start,
           XML_EndElementHandler end)
{
	zip_file_t *zf;
	int status = 0;

	if (!has_part(wb, part))
		return 1;
	if ((zf = open_part(wb, part)) == NULL) {
		fail(wb, "%s: %s", part, zip_strerror(wb->za));
		return -1;
	}
	if ((wb->xp = XML_ParserCreate(NULL)) == NULL)
		crm_die(CRM_EX_SOFTWARE, "out of memory");
	XML_SetUserData(wb->xp, wb);
	XML_SetElementHandler(wb->xp, start, end);
	XML_SetCharacterDataHandler(wb->xp, on_text);
	for (;;) {
		void *buf = XML_GetBuffer(wb->xp, CHUNK);
		zip_int64_t n;

		if (buf == NULL)
			crm_die(CRM_EX_SOFTWARE, "out of memory");
		if ((n = zip_fread(zf, buf, CHUNK)) < 0) {
			fail(wb, "%s: %s", part, zip_file_strerror(zf));
			status = -1;
			break;
		}
		if (XML_ParseBuffer(wb->xp, (int)n, n == 0) != XML_STATUS_OK) {
			fail(wb, "%s: line %lu: %s", part, (unsigned long)XML_GetCurrentLineNumber(wb->xp),
			     XML_ErrorString(XML_GetErrorCode(wb->xp)));
			status = -1;
			break;
		}
		if (n == 0)
			break;
	}
	XML_ParserFree(wb->xp);
	wb->xp = NULL;
	zip_fclose(zf);
	wb->collect = false;
	crm_buf_reset(&wb->text);
	return status;
}

/* _rels/.rels: the officeDocument relationship names the workbook part. */
static void XMLCALL
root_rel_start(void *ud, const XML_Char *el, const XML_Char **atts)
{
	crm_wb *wb = ud;
	const char *type = attr(atts, "Type"), *target = attr(atts, "Target");
	size_t tl;

	if (strcmp(local(el), "Relationship") != 0 || type == NULL || target == NULL || wb->wb_part)
		return;
	tl = strlen(type);
	if (tl >= 15 && strcmp(type + tl - 15, "/officeDocument") == 0)
		wb->wb_part = crm_xstrdup(target[0] == '/' ? target + 1 : target);
}

static void XMLCALL
no_end(void *ud, const XML_Char *el)
{
	(void)ud;
	(void)el;
}

static void XMLCALL
workbook_start(void *ud, const XML_Char *el, const XML_Char **atts)
{
	crm_wb *wb = ud;
	const char *n = local(el), *v;

	if (strcmp(n, "workbookPr") == 0 && (v = attr(atts, "date1904")) != NULL)
		wb->date1904 = strcmp(v, "1") == 0 || strcmp(v, "true") == 0;
	else if (strcmp(n, "sheet") == 0) {
		const char *name = attr(atts, "name"), *rid = attr(atts, "id");
		struct sheet *s;

		if (wb->nsheets >= 65536)
			return;
		wb->sheets = crm_xreallocarray(wb->sheets, wb->nsheets + 1, sizeof *wb->sheets);
		s = &wb->sheets[wb->nsheets++];
		s->name = crm_xstrdup(name ? name : "");
		s->rid = rid ? crm_xstrdup(rid) : NULL;
		s->part = NULL;
	}
}

static void XMLCALL
rels_start(void *ud, const XML_Char *el, const XML_Char **atts)
{
	crm_wb *wb = ud;
	const char *id = attr(atts, "Id"), *target = attr(atts, "Target"), *mode;
	const char *type = attr(atts, "Type");

	if (strcmp(local(el), "Relationship") != 0 || id == NULL || target == NULL || wb->nrels >= 65536)
		return;
	if ((mode = attr(atts, "TargetMode")) != NULL && strcmp(mode, "External") == 0)
		return;
	wb->rels = crm_xreallocarray(wb->rels, wb->nrels + 1, sizeof *wb->rels);
	wb->rels[wb->nrels].id = crm_xstrdup(id);
	wb->rels[wb->nrels].target = crm_xstrdup(target);
	wb->rels[wb->nrels].type = crm_xstrdup(type ? type : "");
	wb->nrels++;
}

/* A relationship target resolved against the workbook part's folder:
 * "/xl/worksheets/sheet1.xml" or "worksheets/sheet1.xml" → zip entry name,
 * "." and ".." segments folded. Newly allocated. */
static char *
resolve(const char *base_part, const char *target)
{
	crm_buf path = {0};
	const char *slash = strrchr(base_part, '/');
	char *out, *seg, *save = NULL, *copy;

	if (target[0] != '/' && slash != NULL)
		crm_buf_append(&path, base_part, (size_t)(slash - base_part) + 1);
	crm_buf_puts(&path, target);
	copy = crm_xstrdup(crm_buf_str(&path));
	crm_buf_reset(&path);
	for (seg = strtok_r(copy, "/", &save); seg != NULL; seg = strtok_r(NULL, "/", &save)) {
		if (strcmp(seg, ".") == 0)
			continue;
		if (strcmp(seg, "..") == 0) {
			char *last = path.len ? strrchr(path.data, '/') : NULL;

			path.len = last ? (size_t)(last - path.data) : 0;
			if (path.data)
				path.data[path.len] = '\0';
			continue;
		}
		if (path.len > 0)
			crm_buf_putc(&path, '/');
		crm_buf_puts(&path, seg);
	}
	out = crm_xstrdup(crm_buf_str(&path));
	free(copy);
	crm_buf_free(&path);
	return out;
}

/* The part of the first relationship whose type ends in suffix, or NULL. */
static char *
rel_part(crm_wb *wb, const char *suffix)
{
	size_t sl = strlen(suffix);

	for (size_t i = 0; i < wb->nrels; i++) {
		size_t tl = strlen(wb->rels[i].type);

		if (tl >= sl && strcmp(wb->rels[i].type + tl - sl, suffix) == 0)
			return resolve(wb->wb_part, wb->rels[i].target);
	}
	return NULL;
}

static void XMLCALL
sst_start(void *ud, const XML_Char *el, const XML_Char **atts)
{
	crm_wb *wb = ud;
	const char *n = local(el);

	(void)atts;
	if (strcmp(n, "si") == 0) {
		wb->in_si = 1;
		wb->in_rph = 0;
		crm_buf_reset(&wb->text);
	} else if (wb->in_si && strcmp(n, "rPh") == 0)
		wb->in_rph++;
	else if (wb->in_si && strcmp(n, "t") == 0 && wb->in_rph == 0)
		wb->collect = true;
}

static void XMLCALL
sst_end(void *ud, const XML_Char *el)
{
	crm_wb *wb = ud;
	const char *n = local(el);

	if (strcmp(n, "t") == 0)
		wb->collect = false;
	else if (strcmp(n, "rPh") == 0 && wb->in_rph > 0)
		wb->in_rph--;
	else if (strcmp(n, "si") == 0 && wb->in_si) {
		wb->in_si = 0;
		if (wb->nsst == wb->sst_cap) {
			wb->sst_cap = wb->sst_cap ? wb->sst_cap * 2 : 1024;
			wb->sst_off = crm_xreallocarray(wb->sst_off, wb->sst_cap, sizeof *wb->sst_off);
		}
		wb->sst_off[wb->nsst++] = wb->sst.len;
		append_unescaped(&wb->sst, wb->text.data ? wb->text.data : "", wb->text.len);
		crm_buf_putc(&wb->sst, '\0');
		crm_buf_reset(&wb->text);
	}
}

static void XMLCALL
styles_start(void *ud, const XML_Char *el, const XML_Char **atts)
{
	crm_wb *wb = ud;
	const char *n = local(el);

	if (strcmp(n, "numFmt") == 0) {
		long id = parse_index(attr(atts, "numFmtId"), 100000);
		const char *code = attr(atts, "formatCode");

		if (id < 0 || code == NULL || wb->nfmts >= 100000)
			return;
		if (wb->nfmts == wb->fmts_cap) {
			wb->fmts_cap = wb->fmts_cap ? wb->fmts_cap * 2 : 16;
			wb->fmts = crm_xreallocarray(wb->fmts, wb->fmts_cap, sizeof *wb->fmts);
		}
		wb->fmts[wb->nfmts].id = (int)id;
		wb->fmts[wb->nfmts].kind = crm_wb_format_kind((int)id, code);
		wb->nfmts++;
	} else if (strcmp(n, "cellXfs") == 0)
		wb->in_cellxfs = true;
	else if (wb->in_cellxfs && strcmp(n, "xf") == 0 && wb->nxf < 1000000) {
		/* Kept as the format id for now; kinds are set once numFmts are known. */
		long id = parse_index(attr(atts, "numFmtId"), 100000);

		if (wb->nxf == wb->xf_cap) {
			wb->xf_cap = wb->xf_cap ? wb->xf_cap * 2 : 64;
			wb->xf_id = crm_xreallocarray(wb->xf_id, wb->xf_cap, sizeof *wb->xf_id);
		}
		wb->xf_id[wb->nxf++] = id < 0 ? 0 : (int)id;
	}
}

static void XMLCALL
styles_end(void *ud, const XML_Char *el)
{
	crm_wb *wb = ud;

	if (strcmp(local(el), "cellXfs") == 0)
		wb->in_cellxfs = false;
}

/* Turn the cellXfs format ids into date kinds (custom formats win). */
static void
settle_styles(crm_wb *wb)
{
	wb->xf = crm_xcalloc(wb->nxf ? wb->nxf : 1, 1);
	for (size_t i = 0; i < wb->nxf; i++) {
		enum crm_wb_fmt k = crm_wb_format_kind(wb->xf_id[i], NULL);

		for (size_t j = 0; j < wb->nfmts; j++)
			if (wb->fmts[j].id == wb->xf_id[i])
				k = wb->fmts[j].kind;
		wb->xf[i] = (unsigned char)k;
	}
}

/* Read everything but the sheets. Returns 0 or -1 after fail(). */
static int
load_xlsx(crm_wb *wb)
{
	char *part;
	int rc;

	if (parse_part(wb, "_rels/.rels", root_rel_start, no_end) < 0)
		return -1;
	if (wb->wb_part == NULL)
		wb->wb_part = crm_xstrdup("xl/workbook.xml");
	if ((rc = parse_part(wb, wb->wb_part, workbook_start, no_end)) != 0) {
		if (rc > 0)
			fail(wb, "no workbook part (%s): not a spreadsheet", wb->wb_part);
		return -1;
	}
	if (wb->nsheets == 0) {
		fail(wb, "the workbook lists no sheets");
		return -1;
	}
	{
		const char *slash = strrchr(wb->wb_part, '/');
		char *rels = crm_xasprintf("%.*s_rels/%s.rels", slash ? (int)(slash - wb->wb_part + 1) : 0,
		                           wb->wb_part, slash ? slash + 1 : wb->wb_part);

		rc = parse_part(wb, rels, rels_start, no_end);
		if (rc > 0)
			fail(wb, "no relationships part (%s)", rels);
		free(rels);
		if (rc != 0)
			return -1;
	}
	for (size_t i = 0; i < wb->nsheets; i++) {
		struct sheet *s = &wb->sheets[i];

		for (size_t j = 0; s->rid != NULL && j < wb->nrels; j++) {
			size_t tl = strlen(wb->rels[j].type);

			if (strcmp(wb->rels[j].id, s->rid) == 0 && tl >= 10 &&
			    strcmp(wb->rels[j].type + tl - 10, "/worksheet") == 0) {
				s->part = resolve(wb->wb_part, wb->rels[j].target);
				break;
			}
		}
	}
	if ((part = rel_part(wb, "/sharedStrings")) == NULL)
		part = crm_xstrdup("xl/sharedStrings.xml");
	rc = parse_part(wb, part, sst_start, sst_end);
	free(part);
	if (rc < 0)
		return -1;
	if ((part = rel_part(wb, "/styles")) == NULL)
		part = crm_xstrdup("xl/styles.xml");
	rc = parse_part(wb, part, styles_start, styles_end);
	free(part);
	if (rc < 0)
		return -1;
	settle_styles(wb);
	return 0;
}

/* ---- the sheet stream (xlsx) ---- */

/* Append cell text s[0..n) as the next cell of the row. */
static void
add_cell(crm_wb *wb, const char *s, size_t n)
{
	if (wb->ncells == wb->off_cap) {
		wb->off_cap = wb->off_cap ? wb->off_cap * 2 : 32;
		wb->off = crm_xreallocarray(wb->off, wb->off_cap, sizeof *wb->off);
	}
	wb->off[wb->ncells++] = wb->arena.len;
	crm_buf_append(&wb->arena, s, n);
	crm_buf_putc(&wb->arena, '\0');
}

/* Note the row's first bad cell: "sheet 'X' cell D7: WHY". */
static void
cell_error(crm_wb *wb, long col, long row, const char *why)
{
	char ref[8];

	if (wb->err.len > 0)
		return;
	column_name(col, ref);
	crm_buf_printf(&wb->err, "sheet '%s' cell %s%ld: %s", wb->sheets[wb->selected].name, ref,
	               row, why);
	wb->err_col = col;
}

/* Stop the sheet parser for good: the sheet is broken. */
static void
sheet_broken(crm_wb *wb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
sheet_broken(crm_wb *wb, const char *fmt, ...)
{
	va_list ap;

	if (wb->msg.len == 0) {
		crm_buf_printf(&wb->msg, "sheet '%s': ", wb->sheets[wb->selected].name);
		va_start(ap, fmt);
		crm_buf_vprintf(&wb->msg, fmt, ap);
		va_end(ap);
	}
	wb->failed = true;
	XML_StopParser(wb->xp, XML_FALSE);
}

static void
start_row(crm_wb *wb, const XML_Char **atts)
{
	long r = parse_index(attr(atts, "r"), MAX_ROWS);

	wb->rownum = r > 0 ? r : wb->rownum + 1;
	if (wb->rownum > MAX_ROWS) {
		sheet_broken(wb, "more than %d rows", MAX_ROWS);
		return;
	}
	wb->in_row = true;
	wb->ncells = 0;
	wb->next_col = 0;
	crm_buf_reset(&wb->arena);
	crm_buf_reset(&wb->err);
	wb->err_col = -1;
}

static void
start_cell(crm_wb *wb, const XML_Char **atts)
{
	const char *ref = NULL, *t = NULL, *style = NULL;
	long col;

	/* One pass over the attributes: this runs for every cell. */
	for (size_t i = 0; atts[i] != NULL; i += 2) {
		const char *n = atts[i];

		if (n[0] != '\0' && n[1] == '\0') {
			if (n[0] == 'r')
				ref = atts[i + 1];
			else if (n[0] == 't')
				t = atts[i + 1];
			else if (n[0] == 's')
				style = atts[i + 1];
		} else if (strchr(n, ':') != NULL) {
			n = local(n);
			if (strcmp(n, "r") == 0)
				ref = atts[i + 1];
			else if (strcmp(n, "t") == 0)
				t = atts[i + 1];
			else if (strcmp(n, "s") == 0)
				style = atts[i + 1];
		}
	}
	col = ref ? column_of(ref) : wb->next_col;

	if (col < 0 || col >= MAX_COLS) {
		sheet_broken(wb, "row %ld: bad cell reference \"%.20s\"", wb->rownum, ref ? ref : "");
		return;
	}
	if ((size_t)col < wb->ncells)
		col = (long)wb->ncells;  /* out of order or repeated: keep every value */
	if (col >= MAX_COLS) {
		sheet_broken(wb, "row %ld: more than %d columns", wb->rownum, MAX_COLS);
		return;
	}
	wb->c_col = col;
	wb->next_col = col + 1;
	wb->c_type = T_NUMBER;
	if (t != NULL) {
		if (strcmp(t, "s") == 0)
			wb->c_type = T_SHARED;
		else if (strcmp(t, "inlineStr") == 0)
			wb->c_type = T_INLINE;
		else if (strcmp(t, "str") == 0)
			wb->c_type = T_STR;
		else if (strcmp(t, "b") == 0)
			wb->c_type = T_BOOL;
		else if (strcmp(t, "e") == 0)
			wb->c_type = T_ERROR;
		else if (strcmp(t, "d") == 0)
			wb->c_type = T_DATE;
	}
	wb->c_style = style ? parse_index(style, 10000000) : 0;
	wb->in_c = true;
	wb->in_v = wb->in_is = false;
	wb->in_rph = 0;
	wb->collect = false;
	crm_buf_reset(&wb->text);
}

/* True when s[0..n) matches pattern, where '9' stands for any digit. */
static bool
shaped(const char *s, const char *pattern)
{
	for (; *pattern; s++, pattern++)
		if (*pattern == '9' ? !(*s >= '0' && *s <= '9') : *s != *pattern)
			return false;
	return true;
}

/* An ISO 8601 date cell (t="d"): "2024-03-05T14:30:00Z" → "2024-03-05 14:30:00";
 * midnight is the date alone. Any other text is kept as written. */
static void
iso_cell(crm_wb *wb, const char *s)
{
	char out[20];
	size_t n = strlen(s);

	if (n < 10 || !shaped(s, "9999-99-99") || (n > 10 && s[10] != 'T' && s[10] != ' ')) {
		add_cell(wb, s, n);
		return;
	}
	memcpy(out, s, 10);
	out[10] = '\0';
	if (n > 10) {
		if (n < 19 || !shaped(s + 11, "99:99:99")) {
			add_cell(wb, s, n);
			return;
		}
		if (strncmp(s + 11, "00:00:00", 8) != 0) {
			out[10] = ' ';
			memcpy(out + 11, s + 11, 8);
			out[19] = '\0';
		}
	}
	add_cell(wb, out, strlen(out));
}

/* The cell just closed, as text, into the row. */
static void
finish_cell(crm_wb *wb)
{
	const char *v = crm_buf_str(&wb->text);
	char num[CRM_WB_NUMBER_MAX];
	enum crm_wb_fmt fmt = CRM_WB_FMT_NONE;
	crm_buf tmp = {0};
	long i;

	while ((long)wb->ncells < wb->c_col)
		add_cell(wb, "", 0);
	switch (wb->c_type) {
	case T_SHARED:
		i = parse_index(v, LONG_MAX / 2);
		if (*v == '\0') {
			add_cell(wb, "", 0);
		} else if (i < 0 || (size_t)i >= wb->nsst) {
			cell_error(wb, wb->c_col, wb->rownum, "shared string index out of range");
			add_cell(wb, "", 0);
		} else {
			/* Each string ends where the next begins, less its NUL. */
			size_t end = (size_t)i + 1 < wb->nsst ? wb->sst_off[i + 1] : wb->sst.len;

			add_cell(wb, wb->sst.data + wb->sst_off[i], end - wb->sst_off[i] - 1);
		}
		break;
	case T_INLINE:
	case T_STR:
		append_unescaped(&tmp, v, wb->text.len);
		add_cell(wb, crm_buf_str(&tmp), tmp.len);
		crm_buf_free(&tmp);
		break;
	case T_BOOL:
		if (strcmp(v, "1") == 0)
			add_cell(wb, "TRUE", 4);
		else if (strcmp(v, "0") == 0)
			add_cell(wb, "FALSE", 5);
		else
			add_cell(wb, v, strlen(v));
		break;
	case T_ERROR:
		cell_error(wb, wb->c_col, wb->rownum, *v ? v : "error");
		add_cell(wb, v, strlen(v));
		break;
	case T_DATE:
		iso_cell(wb, v);
		break;
	case T_NUMBER:
		if (*v == '\0') {
			add_cell(wb, "", 0);
			break;
		}
		if (wb->c_style >= 0 && (size_t)wb->c_style < wb->nxf)
			fmt = (enum crm_wb_fmt)wb->xf[wb->c_style];
		if (fmt != CRM_WB_FMT_NONE && crm_wb_serial_text(v, wb->date1904, fmt, num) == 0) {
			add_cell(wb, num, strlen(num));
		} else if (crm_wb_number_text(v, num) == 0) {
			add_cell(wb, num, strlen(num));
		} else {
			cell_error(wb, wb->c_col, wb->rownum, "not a number");
			add_cell(wb, v, strlen(v));
		}
		break;
	}
	crm_buf_reset(&wb->text);
	wb->collect = false;
}

static void XMLCALL
sheet_start(void *ud, const XML_Char *el, const XML_Char **atts)
{
	crm_wb *wb = ud;
	const char *n = local(el);

	if (wb->in_c) {
		if (strcmp(n, "v") == 0) {
			wb->in_v = true;
			wb->collect = true;
			crm_buf_reset(&wb->text);
		} else if (strcmp(n, "is") == 0) {
			wb->in_is = true;
			crm_buf_reset(&wb->text);
		} else if (wb->in_is && strcmp(n, "rPh") == 0) {
			wb->in_rph++;
		} else if (wb->in_is && wb->in_rph == 0 && strcmp(n, "t") == 0) {
			wb->collect = true;
		}
		return;
	}
	if (strcmp(n, "row") == 0)
		start_row(wb, atts);
	else if (wb->in_row && strcmp(n, "c") == 0)
		start_cell(wb, atts);
}

static void XMLCALL
sheet_end(void *ud, const XML_Char *el)
{
	crm_wb *wb = ud;
	const char *n = local(el);

	if (wb->in_c) {
		if (strcmp(n, "c") == 0) {
			/* For inline strings the value is the <is> text; a stray <v> wins otherwise. */
			finish_cell(wb);
			wb->in_c = false;
		} else if (strcmp(n, "v") == 0 || strcmp(n, "t") == 0) {
			wb->collect = false;
		} else if (strcmp(n, "rPh") == 0 && wb->in_rph > 0) {
			wb->in_rph--;
		} else if (strcmp(n, "is") == 0) {
			wb->in_is = false;
		}
		return;
	}
	if (wb->in_row && strcmp(n, "row") == 0) {
		wb->in_row = false;
		wb->row_ready = true;
		XML_StopParser(wb->xp, XML_TRUE);
	}
}

/* Tell the reader thread to end, wait for it, and forget its batches. */
static void
stop_reader(crm_wb *wb)
{
	if (!wb->threaded)
		return;
	pthread_mutex_lock(&wb->mu);
	wb->stop = true;
	pthread_cond_broadcast(&wb->cv);
	pthread_mutex_unlock(&wb->mu);
	if (pthread_join(wb->thread, NULL) != 0)
		crm_die(CRM_EX_SOFTWARE, "%s: cannot join the reader thread", wb->name);
	wb->threaded = wb->stop = wb->bheld = wb->bwarned = false;
	wb->bread = wb->bpos = 0;
	for (size_t i = 0; i < NBATCH; i++)
		wb->batches[i].full = false;
}

static void
close_sheet(crm_wb *wb)
{
	stop_reader(wb);
	if (wb->xp != NULL) {
		XML_ParserFree(wb->xp);
		wb->xp = NULL;
	}
	if (wb->zf != NULL) {
		zip_fclose(wb->zf);
		wb->zf = NULL;
	}
	for (size_t i = 0; i < wb->nheld; i++) {
		for (size_t c = 0; c < wb->held[i].ncells; c++)
			free(wb->held[i].cells[c]);
		free(wb->held[i].cells);
		free(wb->held[i].error);
	}
	wb->nheld = wb->next_held = 0;
	wb->xnext = wb->xrows = 0;
	wb->xcols = 0;
}

static const char *
freexl_why(int rc)
{
	switch (rc) {
	case FREEXL_FILE_NOT_FOUND: return "file not found";
	case FREEXL_INSUFFICIENT_MEMORY: return "out of memory";
	case FREEXL_INVALID_CFBF_HEADER: case FREEXL_CFBF_INVALID_SIGNATURE:
	case FREEXL_CFBF_INVALID_SECTOR_SIZE:
		return "invalid compound file header";
	case FREEXL_CFBF_READ_ERROR: return "read error";
	case FREEXL_CFBF_SEEK_ERROR: return "seek error (truncated file?)";
	case FREEXL_CFBF_EMPTY_FAT_CHAIN: case FREEXL_CFBF_ILLEGAL_FAT_ENTRY:
	case FREEXL_INVALID_MINI_STREAM: case FREEXL_CFBF_ILLEGAL_MINI_FAT_ENTRY:
		return "corrupt compound file";
	case FREEXL_BIFF_INVALID_BOF: return "invalid BIFF record";
	case FREEXL_BIFF_INVALID_SST: case FREEXL_BIFF_ILLEGAL_SST_INDEX:
		return "corrupt shared strings";
	case FREEXL_BIFF_WORKBOOK_NOT_FOUND: return "no workbook stream: not a spreadsheet";
	case FREEXL_BIFF_ILLEGAL_SHEET_INDEX: return "no such sheet";
	case FREEXL_INVALID_CHARACTER: return "text not convertible to UTF-8";
	case FREEXL_UNSUPPORTED_CHARSET: return "unsupported code page";
	case FREEXL_ILLEGAL_CELL_ROW_COL: return "cell outside the sheet";
	case FREEXL_ILLEGAL_RK_VALUE: return "bad number record";
	case FREEXL_CRAFTED_FILE: return "corrupt or crafted file";
	default: return "unreadable .xls file";
	}
}

/* Open sheet i for reading. Returns 0 or -1 after fail(). */
static int
open_sheet(crm_wb *wb, size_t i)
{
	int rc;

	close_sheet(wb);
	wb->selected = (long)i;
	wb->rownum = 0;
	wb->suspended = wb->xml_done = wb->failed = false;
	wb->in_row = wb->in_c = false;
	if (wb->kind == CRM_WB_XLS) {
		if ((rc = freexl_select_active_worksheet(wb->xh, (unsigned short)i)) != FREEXL_OK ||
		    (rc = freexl_worksheet_dimensions(wb->xh, &wb->xrows, &wb->xcols)) != FREEXL_OK) {
			fail(wb, "sheet '%s': %s", wb->sheets[i].name, freexl_why(rc));
			return -1;
		}
		return 0;
	}
	if (wb->sheets[i].part == NULL)
		return 0;  /* a chart sheet: no rows */
	if ((wb->zf = open_part(wb, wb->sheets[i].part)) == NULL) {
		fail(wb, "sheet '%s': %s: %s", wb->sheets[i].name, wb->sheets[i].part,
		     has_part(wb, wb->sheets[i].part) ? zip_strerror(wb->za) : "part missing");
		return -1;
	}
	if ((wb->xp = XML_ParserCreate(NULL)) == NULL)
		crm_die(CRM_EX_SOFTWARE, "out of memory");
	XML_SetUserData(wb->xp, wb);
	XML_SetElementHandler(wb->xp, sheet_start, sheet_end);
	XML_SetCharacterDataHandler(wb->xp, on_text);
	return 0;
}

/* Point wb->out at the row just built, trailing empty cells dropped. */
static void
publish_row(crm_wb *wb, long row)
{
	size_t n = wb->ncells;

	if (wb->cells_cap < n) {
		wb->cells = crm_xreallocarray(wb->cells, n, sizeof *wb->cells);
		wb->cells_cap = n;
	}
	for (size_t i = 0; i < n; i++)
		wb->cells[i] = wb->arena.data + wb->off[i];
	while (n > 0 && wb->cells[n - 1][0] == '\0' && (long)(n - 1) != wb->err_col)
		n--;
	wb->out.cells = wb->cells;
	wb->out.ncells = n;
	wb->out.row = row;
	wb->out.error = wb->err.len ? crm_buf_str(&wb->err) : NULL;
	wb->out.error_col = wb->err.len ? wb->err_col : -1;
}

/* Next row of the xlsx sheet, possibly empty. 1, 0 at the end, -1 broken. */
static int
xlsx_row(crm_wb *wb)
{
	enum XML_Status st;

	if (wb->xp == NULL)
		return 0;
	wb->row_ready = false;
	for (;;) {
		if (wb->suspended) {
			wb->suspended = false;
			st = XML_ResumeParser(wb->xp);
		} else if (wb->xml_done) {
			return 0;
		} else {
			void *buf = XML_GetBuffer(wb->xp, CHUNK);
			zip_int64_t n;

			if (buf == NULL)
				crm_die(CRM_EX_SOFTWARE, "out of memory");
			if ((n = zip_fread(wb->zf, buf, CHUNK)) < 0) {
				fail(wb, "sheet '%s': %s", wb->sheets[wb->selected].name,
				     zip_file_strerror(wb->zf));
				return -1;
			}
			wb->xml_done = n == 0;
			st = XML_ParseBuffer(wb->xp, (int)n, n == 0);
		}
		if (st == XML_STATUS_ERROR) {
			if (!wb->failed)
				fail(wb, "sheet '%s': line %lu: %s", wb->sheets[wb->selected].name,
				     (unsigned long)XML_GetCurrentLineNumber(wb->xp),
				     XML_ErrorString(XML_GetErrorCode(wb->xp)));
			return -1;
		}
		if (st == XML_STATUS_SUSPENDED)
			wb->suspended = true;
		if (wb->row_ready) {
			publish_row(wb, wb->rownum);
			return 1;
		}
	}
}

/* Next row of the xls sheet, possibly empty. 1, 0 at the end, -1 broken. */
static int
xls_row(crm_wb *wb)
{
	FreeXL_CellValue v;
	char num[CRM_WB_NUMBER_MAX];
	int rc;

	if (wb->xnext >= wb->xrows)
		return 0;
	wb->ncells = 0;
	crm_buf_reset(&wb->arena);
	crm_buf_reset(&wb->err);
	wb->err_col = -1;
	for (unsigned short c = 0; c < wb->xcols; c++) {
		if ((rc = freexl_get_cell_value(wb->xh, wb->xnext, c, &v)) != FREEXL_OK) {
			fail(wb, "sheet '%s': row %u: %s", wb->sheets[wb->selected].name, wb->xnext + 1,
			     freexl_why(rc));
			return -1;
		}
		switch (v.type) {
		case FREEXL_CELL_INT:
			snprintf(num, sizeof num, "%d", v.value.int_value);
			add_cell(wb, num, strlen(num));
			break;
		case FREEXL_CELL_DOUBLE:
			crm_wb_double_text(v.value.double_value, num);
			add_cell(wb, num, strlen(num));
			break;
		case FREEXL_CELL_TEXT:
		case FREEXL_CELL_SST_TEXT:
		case FREEXL_CELL_DATE:
		case FREEXL_CELL_DATETIME:
		case FREEXL_CELL_TIME: {
			const char *s = v.value.text_value ? v.value.text_value : "";
			size_t n = strlen(s);

			if (crm_utf8_valid_prefix(s, n) != n)
				cell_error(wb, c, (long)wb->xnext + 1, "invalid UTF-8");
			add_cell(wb, s, n);
			break;
		}
		default:
			add_cell(wb, "", 0);
			break;
		}
	}
	wb->xnext++;
	publish_row(wb, (long)wb->xnext);
	return 1;
}

static int
raw_row(crm_wb *wb)
{
	return wb->kind == CRM_WB_XLS ? xls_row(wb) : xlsx_row(wb);
}

/* Next row with a non-empty cell. */
static int
nonempty_row(crm_wb *wb)
{
	int rc;

	while ((rc = raw_row(wb)) == 1 && wb->out.ncells == 0)
		;
	return rc;
}

static size_t
filled(char *const *cells, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += cells[i][0] != '\0';
	return k;
}

static void
hold(crm_wb *wb)
{
	struct held *h = &wb->held[wb->nheld++];

	h->ncells = wb->out.ncells;
	h->cells = crm_xcalloc(h->ncells, sizeof *h->cells);
	for (size_t i = 0; i < h->ncells; i++)
		h->cells[i] = crm_xstrdup(wb->out.cells[i]);
	h->row = wb->out.row;
	h->error = wb->out.error ? crm_xstrdup(wb->out.error) : NULL;
	h->error_col = wb->out.error_col;
}

/*
 * Read ahead to the header: up to LOOKAHEAD non-empty rows while they have
 * one filled cell each. When a row with two or more follows single-cell
 * rows, those were titles: dropped, with a note. Returns the number of rows
 * held (0: the sheet is empty) or -1.
 */
static int
find_header(crm_wb *wb)
{
	size_t titles = 0;
	int rc;

	while (wb->nheld < LOOKAHEAD) {
		if ((rc = nonempty_row(wb)) < 0)
			return -1;
		if (rc == 0)
			break;
		hold(wb);
		if (filled(wb->out.cells, wb->out.ncells) >= 2)
			break;
	}
	if (wb->nheld >= 2 && filled(wb->held[wb->nheld - 1].cells, wb->held[wb->nheld - 1].ncells) >= 2)
		titles = wb->nheld - 1;
	if (titles > 0) {
		crm_buf rows = {0};

		for (size_t i = 0; i < titles; i++)
			crm_buf_printf(&rows, "%s%ld", i ? ", " : "", wb->held[i].row);
		crm_warn("%s: sheet '%s': skipped %zu title row%s above the header (row%s %s)", wb->name,
		         wb->sheets[wb->selected].name, titles, titles == 1 ? "" : "s",
		         titles == 1 ? "" : "s", crm_buf_str(&rows));
		crm_buf_free(&rows);
	}
	wb->next_held = titles;
	return (int)wb->nheld;
}

/* Append the row in wb->out to batch b. */
static void
batch_add(struct batch *b, const struct crm_wb_row *r)
{
	struct brow *br;

	if (b->nrows == b->rows_cap) {
		b->rows_cap = b->rows_cap ? b->rows_cap * 2 : 256;
		b->rows = crm_xreallocarray(b->rows, b->rows_cap, sizeof *b->rows);
	}
	if (b->noff + r->ncells > b->off_cap) {
		b->off_cap = (b->noff + r->ncells) * 2;
		b->off = crm_xreallocarray(b->off, b->off_cap, sizeof *b->off);
	}
	br = &b->rows[b->nrows++];
	br->first = b->noff;
	br->ncells = r->ncells;
	br->row = r->row;
	br->error_col = r->error_col;
	for (size_t i = 0; i < r->ncells; i++) {
		b->off[b->noff++] = b->text.len;
		crm_buf_puts(&b->text, r->cells[i]);
		crm_buf_putc(&b->text, '\0');
	}
	br->err = SIZE_MAX;
	if (r->error != NULL) {
		br->err = b->text.len;
		crm_buf_puts(&b->text, r->error);
		crm_buf_putc(&b->text, '\0');
	}
}

/* The reader thread: fill batches in turn until the sheet ends or breaks,
 * or stop is set. */
static void *
reader_main(void *arg)
{
	crm_wb *wb = arg;
	size_t w = 0;
	int rc = 1;

	while (rc == 1) {
		struct batch *b = &wb->batches[w];
		bool stop;

		pthread_mutex_lock(&wb->mu);
		while (b->full && !wb->stop)
			pthread_cond_wait(&wb->cv, &wb->mu);
		stop = wb->stop;
		pthread_mutex_unlock(&wb->mu);
		if (stop)
			break;
		crm_buf_reset(&b->text);
		b->noff = b->nrows = 0;
		while (b->nrows < BATCH_ROWS && b->text.len < BATCH_BYTES &&
		       (rc = nonempty_row(wb)) == 1)
			batch_add(b, &wb->out);
		b->end = rc == 1 ? 0 : rc == 0 ? 1 : -1;
		pthread_mutex_lock(&wb->mu);
		b->full = true;
		pthread_cond_broadcast(&wb->cv);
		pthread_mutex_unlock(&wb->mu);
		w = (w + 1) % NBATCH;
	}
	return NULL;
}

/* crm_wb_next from the reader thread's batches. */
static int
threaded_next(crm_wb *wb, const struct crm_wb_row **row)
{
	for (;;) {
		struct batch *b = &wb->batches[wb->bread];
		struct brow *br;

		if (!wb->bheld) {
			pthread_mutex_lock(&wb->mu);
			while (!b->full)
				pthread_cond_wait(&wb->cv, &wb->mu);
			pthread_mutex_unlock(&wb->mu);
			wb->bheld = true;
			wb->bpos = 0;
		}
		if (wb->bpos < b->nrows) {
			br = &b->rows[wb->bpos++];
			if (wb->tcells_cap < br->ncells) {
				wb->tcells = crm_xreallocarray(wb->tcells, br->ncells, sizeof *wb->tcells);
				wb->tcells_cap = br->ncells;
			}
			for (size_t i = 0; i < br->ncells; i++)
				wb->tcells[i] = b->text.data + b->off[br->first + i];
			wb->tout.cells = wb->tcells;
			wb->tout.ncells = br->ncells;
			wb->tout.row = br->row;
			wb->tout.error = br->err == SIZE_MAX ? NULL : b->text.data + br->err;
			wb->tout.error_col = br->error_col;
			*row = &wb->tout;
			return 1;
		}
		if (b->end > 0)
			return 0;
		if (b->end < 0) {
			/* The thread wrote msg before it handed this batch over. */
			if (!wb->bwarned)
				crm_warn("%s: not a readable workbook: %s", wb->name, crm_buf_str(&wb->msg));
			wb->bwarned = true;
			return -1;
		}
		pthread_mutex_lock(&wb->mu);
		b->full = false;
		pthread_cond_broadcast(&wb->cv);
		pthread_mutex_unlock(&wb->mu);
		wb->bheld = false;
		wb->bread = (wb->bread + 1) % NBATCH;
	}
}

int
crm_wb_next(crm_wb *wb, const struct crm_wb_row **row)
{
	int rc;

	if (wb->selected < 0)
		return 0;
	if (wb->threaded)
		return threaded_next(wb, row);
	if (wb->next_held < wb->nheld) {
		struct held *h = &wb->held[wb->next_held++];

		wb->out.cells = h->cells;
		wb->out.ncells = h->ncells;
		wb->out.row = h->row;
		wb->out.error = h->error;
		wb->out.error_col = h->error_col;
		*row = &wb->out;
		return 1;
	}
	/* Past the header of an .xlsx sheet: parse ahead on another thread (if
	 * one cannot be had, read on this one). */
	if (wb->kind == CRM_WB_XLSX && wb->xp != NULL && !wb->xml_done &&
	    pthread_create(&wb->thread, NULL, reader_main, wb) == 0) {
		wb->threaded = true;
		return threaded_next(wb, row);
	}
	if ((rc = nonempty_row(wb)) < 0) {
		crm_warn("%s: not a readable workbook: %s", wb->name, crm_buf_str(&wb->msg));
		return -1;
	}
	*row = &wb->out;
	return rc;
}

/* Sheet index for spec: an exact name, else a 1-based number; -1 if none. */
static long
find_sheet(const crm_wb *wb, const char *spec)
{
	long n;

	for (size_t i = 0; i < wb->nsheets; i++)
		if (strcmp(wb->sheets[i].name, spec) == 0)
			return (long)i;
	n = parse_index(spec, LONG_MAX / 2);
	return n >= 1 && (size_t)n <= wb->nsheets ? n - 1 : -1;
}

int
crm_wb_select(crm_wb *wb, const char *spec)
{
	long i;
	int rc;

	if (spec != NULL) {
		if ((i = find_sheet(wb, spec)) < 0) {
			crm_buf list = {0};

			for (size_t k = 0; k < wb->nsheets; k++)
				crm_buf_printf(&list, "%s'%s'", k ? ", " : "", wb->sheets[k].name);
			crm_warn("%s: no sheet '%s' (the sheets are %s; or give a number 1-%zu)", wb->name,
			         spec, crm_buf_str(&list), wb->nsheets);
			crm_buf_free(&list);
			return CRM_EX_USAGE;
		}
		if (open_sheet(wb, (size_t)i) < 0 || find_header(wb) < 0)
			goto broken;
		return 0;
	}
	for (size_t k = 0; k < wb->nsheets; k++) {
		if (open_sheet(wb, k) < 0 || (rc = find_header(wb)) < 0)
			goto broken;
		if (rc > 0)
			return 0;
	}
	if (open_sheet(wb, 0) < 0)
		goto broken;
	return 0;
broken:
	crm_warn("%s: not a readable workbook: %s", wb->name, crm_buf_str(&wb->msg));
	wb->selected = -1;
	return CRM_EX_DATAERR;
}

const char *
crm_wb_selected(const crm_wb *wb)
{
	return wb->selected >= 0 ? wb->sheets[wb->selected].name : "";
}

int
crm_wb_sheet_size(crm_wb *wb, size_t i, long *rows, long *cols)
{
	int rc;

	*rows = *cols = 0;
	if (open_sheet(wb, i) < 0)
		goto broken;
	while ((rc = nonempty_row(wb)) == 1) {
		(*rows)++;
		if ((long)wb->out.ncells > *cols)
			*cols = (long)wb->out.ncells;
	}
	close_sheet(wb);
	wb->selected = -1;
	if (rc == 0)
		return 0;
broken:
	crm_warn("%s: not a readable workbook: %s", wb->name, crm_buf_str(&wb->msg));
	wb->selected = -1;
	return -1;
}

size_t
crm_wb_sheet_count(const crm_wb *wb)
{
	return wb->nsheets;
}

const char *
crm_wb_sheet_name(const crm_wb *wb, size_t i)
{
	return i < wb->nsheets ? wb->sheets[i].name : NULL;
}

/* ---- opening ---- */

static crm_wb *
wb_new(const char *name, enum crm_wb_kind kind)
{
	crm_wb *wb = crm_xcalloc(1, sizeof *wb);

	wb->name = crm_xstrdup(name);
	wb->kind = kind;
	wb->selected = -1;
	if (pthread_mutex_init(&wb->mu, NULL) != 0 || pthread_cond_init(&wb->cv, NULL) != 0)
		crm_die(CRM_EX_SOFTWARE, "cannot create a mutex");
	return wb;
}

/* Print the failure, free wb, set *status 65; NULL for the caller. */
static crm_wb *
open_failed(crm_wb *wb, int *status)
{
	crm_warn("%s: not a readable workbook: %s", wb->name, crm_buf_str(&wb->msg));
	*status = CRM_EX_DATAERR;
	crm_wb_close(wb);
	return NULL;
}

static crm_wb *
open_zip_source(crm_wb *wb, zip_source_t *src, int *status)
{
	zip_error_t ze;

	zip_error_init(&ze);
	if ((wb->za = zip_open_from_source(src, ZIP_RDONLY, &ze)) == NULL) {
		fail(wb, "%s", zip_error_strerror(&ze));
		zip_error_fini(&ze);
		zip_source_free(src);
		return open_failed(wb, status);
	}
	zip_error_fini(&ze);
	if (load_xlsx(wb) != 0)
		return open_failed(wb, status);
	return wb;
}

crm_wb *
crm_wb_open_memory(const void *data, size_t len, const char *name, int *status)
{
	crm_wb *wb = wb_new(name, CRM_WB_XLSX);
	zip_error_t ze;
	zip_source_t *src;

	zip_error_init(&ze);
	src = zip_source_buffer_create(data, len, 0, &ze);
	if (src == NULL)
		crm_die(CRM_EX_SOFTWARE, "zip: %s", zip_error_strerror(&ze));
	zip_error_fini(&ze);
	return open_zip_source(wb, src, status);
}

/*
 * libfreexl 1.0.6 has memory errors on crafted files (fuzz_xls found a stack
 * over-read in its code-page conversion within seconds). So it reads the
 * whole workbook once in a child process first: a file that makes it crash
 * (or, in a sanitizer build, report) is refused with a message instead of
 * taking the tool down. Returns 0, or -1 after fail().
 */
static int
xls_preflight(crm_wb *wb, const char *path)
{
	pid_t pid;
	int st;

	if ((pid = fork()) < 0) {
		fail(wb, "cannot start a process to check it: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		const void *h;
		unsigned int n = 0, rows;
		unsigned short cols;
		FreeXL_CellValue v;

		/* Only libfreexl runs here; _exit skips the parent's atexit work. */
		if (freexl_open(path, &h) != FREEXL_OK)
			_exit(0);  /* the parent reports why */
		if (freexl_get_info(h, FREEXL_BIFF_SHEET_COUNT, &n) != FREEXL_OK)
			n = 0;
		for (unsigned int i = 0; i < n && i < 65536; i++) {
			const char *name;

			if (freexl_get_worksheet_name(h, (unsigned short)i, &name) != FREEXL_OK ||
			    freexl_select_active_worksheet(h, (unsigned short)i) != FREEXL_OK ||
			    freexl_worksheet_dimensions(h, &rows, &cols) != FREEXL_OK)
				continue;
			for (unsigned int r = 0; r < rows; r++)
				for (unsigned short c = 0; c < cols; c++)
					if (freexl_get_cell_value(h, r, c, &v) != FREEXL_OK)
						break;
		}
		freexl_close(h);
		_exit(0);
	}
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			fail(wb, "cannot check it: %s", strerror(errno));
			return -1;
		}
	}
	if (WIFSIGNALED(st)) {
		fail(wb, "libfreexl crashed reading it (signal %d): a corrupt or crafted .xls file",
		     WTERMSIG(st));
		return -1;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fail(wb, "libfreexl failed reading it: a corrupt or crafted .xls file");
		return -1;
	}
	return 0;
}

/* Open the file at path as wb's kind. */
static crm_wb *
open_file(crm_wb *wb, const char *path, int *status)
{
	int rc;
	unsigned int info;

	if (wb->kind == CRM_WB_XLSX) {
		zip_error_t ze;
		zip_source_t *src;

		zip_error_init(&ze);
		if ((src = zip_source_file_create(path, 0, -1, &ze)) == NULL) {
			fail(wb, "%s", zip_error_strerror(&ze));
			zip_error_fini(&ze);
			return open_failed(wb, status);
		}
		zip_error_fini(&ze);
		return open_zip_source(wb, src, status);
	}
	if (xls_preflight(wb, path) != 0)
		return open_failed(wb, status);
	if ((rc = freexl_open(path, &wb->xh)) != FREEXL_OK) {
		wb->xh = NULL;
		fail(wb, "%s", freexl_why(rc));
		return open_failed(wb, status);
	}
	if (freexl_get_info(wb->xh, FREEXL_BIFF_PASSWORD, &info) != FREEXL_OK) {
		fail(wb, "cannot read the workbook's header");
		return open_failed(wb, status);
	}
	if (info == FREEXL_BIFF_OBFUSCATED) {
		fail(wb, "the workbook is password-protected");
		return open_failed(wb, status);
	}
	if ((rc = freexl_get_info(wb->xh, FREEXL_BIFF_SHEET_COUNT, &info)) != FREEXL_OK) {
		fail(wb, "%s", freexl_why(rc));
		return open_failed(wb, status);
	}
	if (info == 0) {
		fail(wb, "the workbook has no sheets");
		return open_failed(wb, status);
	}
	wb->sheets = crm_xcalloc(info, sizeof *wb->sheets);
	for (unsigned int i = 0; i < info; i++) {
		const char *s = NULL;

		if ((rc = freexl_get_worksheet_name(wb->xh, (unsigned short)i, &s)) != FREEXL_OK) {
			fail(wb, "sheet %u: %s", i + 1, freexl_why(rc));
			return open_failed(wb, status);
		}
		wb->sheets[i].name = crm_xstrdup(s ? s : "");
		wb->nsheets++;
	}
	return wb;
}

/* Copy head and the rest of fp into a new temporary file; its path, or
 * NULL after a message with *status 74. */
static char *
spool(FILE *fp, const void *head, size_t head_len, const char *name, int *status)
{
	const char *dir = crm_tmpdir();
	char *path = crm_xasprintf("%s/crm-workbook-XXXXXX", dir);
	char buf[CHUNK];
	int fd = mkstemp(path);
	FILE *out;
	size_t n;

	if (fd < 0 || (out = fdopen(fd, "wb")) == NULL) {
		crm_warn_errno("%s: cannot create a temporary copy in %s", name, dir);
		if (fd >= 0) {
			close(fd);
			unlink(path);
		}
		free(path);
		*status = CRM_EX_IOERR;
		return NULL;
	}
	if (head_len > 0 && fwrite(head, 1, head_len, out) != head_len)
		goto write_error;
	while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			goto write_error;
	if (ferror(fp)) {
		crm_warn_errno("%s: read error", name);
		fclose(out);
		unlink(path);
		free(path);
		*status = CRM_EX_IOERR;
		return NULL;
	}
	if (fclose(out) != 0) {
		out = NULL;
		goto write_error;
	}
	return path;
write_error:
	crm_warn_errno("%s: cannot write a temporary copy in %s", name, dir && *dir ? dir : "/tmp");
	if (out != NULL)
		fclose(out);
	unlink(path);
	free(path);
	*status = CRM_EX_IOERR;
	return NULL;
}

crm_wb *
crm_wb_open_stream(FILE *fp, const void *head, size_t head_len, const char *path,
                   const char *name, int *status)
{
	enum crm_wb_kind kind = crm_wb_sniff(head, head_len);
	struct stat sb;
	crm_wb *wb;
	char *tmp;

	if (kind == CRM_WB_NONE) {
		crm_warn("%s: not a readable workbook: neither .xlsx (zip) nor .xls (OLE2)", name);
		*status = CRM_EX_DATAERR;
		return NULL;
	}
	wb = wb_new(name, kind);
	if (path != NULL && stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
		return open_file(wb, path, status);
	if ((tmp = spool(fp, head, head_len, name, status)) == NULL) {
		crm_wb_close(wb);
		return NULL;
	}
	/* Both libraries keep the file open: it can go now. */
	wb = open_file(wb, tmp, status);
	unlink(tmp);
	free(tmp);
	return wb;
}

crm_wb *
crm_wb_open_path(const char *path, const char *name, int *status)
{
	unsigned char head[8];
	size_t n;
	FILE *fp;
	crm_wb *wb;
	bool std = strcmp(path, "-") == 0;

	fp = std ? stdin : fopen(path, "rb");
	if (fp == NULL) {
		crm_warn_errno("%s", name);
		*status = CRM_EX_NOINPUT;
		return NULL;
	}
	n = fread(head, 1, sizeof head, fp);
	if (n < sizeof head && ferror(fp)) {
		crm_warn_errno("%s", name);
		*status = errno == EISDIR ? CRM_EX_NOINPUT : CRM_EX_IOERR;
		if (!std)
			fclose(fp);
		return NULL;
	}
	wb = crm_wb_open_stream(fp, head, n, std ? NULL : path, name, status);
	if (!std)
		fclose(fp);
	return wb;
}

void
crm_wb_close(crm_wb *wb)
{
	if (wb == NULL)
		return;
	close_sheet(wb);
	if (wb->za != NULL)
		zip_discard(wb->za);
	/* Its only failures are for a bad handle, which ours never is. */
	if (wb->xh != NULL && freexl_close(wb->xh) != FREEXL_OK)
		crm_warn("%s: libfreexl could not close the workbook", wb->name);
	for (size_t i = 0; i < wb->nsheets; i++) {
		free(wb->sheets[i].name);
		free(wb->sheets[i].rid);
		free(wb->sheets[i].part);
	}
	for (size_t i = 0; i < wb->nrels; i++) {
		free(wb->rels[i].id);
		free(wb->rels[i].target);
		free(wb->rels[i].type);
	}
	free(wb->rels);
	free(wb->sheets);
	free(wb->wb_part);
	free(wb->name);
	crm_buf_free(&wb->msg);
	crm_buf_free(&wb->sst);
	free(wb->sst_off);
	free(wb->xf);
	free(wb->xf_id);
	free(wb->fmts);
	crm_buf_free(&wb->text);
	crm_buf_free(&wb->arena);
	free(wb->off);
	crm_buf_free(&wb->err);
	free(wb->cells);
	for (size_t i = 0; i < NBATCH; i++) {
		crm_buf_free(&wb->batches[i].text);
		free(wb->batches[i].off);
		free(wb->batches[i].rows);
	}
	free(wb->tcells);
	pthread_cond_destroy(&wb->cv);
	pthread_mutex_destroy(&wb->mu);
	free(wb);
}
