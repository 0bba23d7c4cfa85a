/*
 * doc.c — the document and its writers (see doc.h).
 */
#include "doc.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "csvio.h"
#include "diag.h"
#include "text.h"
#include "cli.h"
#include "xlsxout.h"

struct meta {
	char *key, *value;
};

struct crm_doc {
	char *title;
	char **lines;
	size_t nlines;
	struct meta *meta;
	size_t nmeta;
	struct crm_doc_section *sec;
	size_t nsec;
};

int
crm_doc_format_parse(const char *s)
{
	static const char *const names[] = { "text", "csv", "tsv", "json", "markdown", "html",
	                                     "xlsx" };
	int i = crm_index_of(s, names, sizeof(names) / sizeof(names[0]));

	if (i < 0 && strcmp(s, "md") == 0)
		i = CRM_DOC_MARKDOWN;
	return i;
}

crm_doc *
crm_doc_new(const char *title)
{
	crm_doc *d = crm_xcalloc(1, sizeof(*d));

	d->title = crm_xstrdup(title);
	return d;
}

void
crm_doc_line(crm_doc *d, const char *fmt, ...)
{
	va_list ap;

	d->lines = crm_xreallocarray(d->lines, d->nlines + 1, sizeof(*d->lines));
	va_start(ap, fmt);
	d->lines[d->nlines++] = crm_xvasprintf(fmt, ap);
	va_end(ap);
}

void
crm_doc_meta(crm_doc *d, const char *key, const char *value)
{
	d->meta = crm_xreallocarray(d->meta, d->nmeta + 1, sizeof(*d->meta));
	d->meta[d->nmeta].key = crm_xstrdup(key);
	d->meta[d->nmeta++].value = value ? crm_xstrdup(value) : NULL;
}

struct crm_doc_section *
crm_doc_add(crm_doc *d, const char *id, const char *title, const char *note, crm_table *t)
{
	struct crm_doc_section *s;

	d->sec = crm_xreallocarray(d->sec, d->nsec + 1, sizeof(*d->sec));
	s = &d->sec[d->nsec++];
	*s = (struct crm_doc_section){ crm_xstrdup(id), title ? crm_xstrdup(title) : NULL,
	                               note ? crm_xstrdup(note) : NULL, t, 0, 0, 0 };
	return s;
}

void
crm_doc_free(crm_doc *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->nlines; i++)
		free(d->lines[i]);
	for (i = 0; i < d->nmeta; i++)
		free(d->meta[i].key), free(d->meta[i].value);
	for (i = 0; i < d->nsec; i++) {
		free(d->sec[i].id);
		free(d->sec[i].title);
		free(d->sec[i].note);
		crm_table_free(d->sec[i].t);
	}
	free(d->lines);
	free(d->meta);
	free(d->sec);
	free(d->title);
	free(d);
}

/* A fraction 0–1 of a cell, clamped; 0 for text that is no number. */
static double
fraction(const char *cell)
{
	char *end;
	double v = strtod(cell, &end);

	if (end == cell || v != v || v < 0)
		return 0;
	return v > 1 ? 1 : v;
}

#define BAR_COLS 20

/* A bar of width BAR_COLS × v in block characters (eighths). */
static char *
text_bar(double v)
{
	static const char *const part[8] = { "", "▏", "▎", "▍", "▌", "▋", "▊", "▉" };
	int eighths = (int)(v * BAR_COLS * 8 + 0.5), i;
	crm_buf b = { 0 };

	crm_buf_puts(&b, "");
	for (i = 0; i < eighths / 8; i++)
		crm_buf_puts(&b, "█");
	crm_buf_puts(&b, part[eighths % 8]);
	return b.data; /* the buffer's memory, handed to the caller */
}

/* The table as people see it in text: bar columns drawn. */
static crm_table *
display_table(const struct crm_doc_section *s)
{
	size_t nc = crm_table_ncols(s->t), nr = crm_table_nrows(s->t), r, c;
	const char **cells = crm_xcalloc(nc, sizeof(*cells));
	char **owned = crm_xcalloc(nc, sizeof(*owned));
	crm_table *t;

	for (c = 0; c < nc; c++)
		cells[c] = crm_table_cell(s->t, 0, c);
	t = crm_table_new(cells, nc);
	for (r = 1; r <= nr; r++) {
		for (c = 0; c < nc; c++) {
			cells[c] = crm_table_cell(s->t, r, c);
			if (s->bars >> c & 1)
				cells[c] = owned[c] = text_bar(fraction(cells[c]));
		}
		crm_table_add(t, cells);
		for (c = 0; c < nc; c++) {
			free(owned[c]);
			owned[c] = NULL;
		}
	}
	free(cells);
	free(owned);
	return t;
}

static void
write_text(const crm_doc *d, FILE *fp)
{
	size_t i, w;

	fprintf(fp, "%s\n", d->title);
	for (i = 0; i < d->nlines; i++)
		fprintf(fp, "%s\n", d->lines[i]);
	for (i = 0; i < d->nsec; i++) {
		const struct crm_doc_section *s = &d->sec[i];

		putc('\n', fp);
		if (s->title) {
			fprintf(fp, "%s\n", s->title);
			for (w = crm_text_width(s->title); w > 0; w--)
				fputs("─", fp);
			putc('\n', fp);
		}
		if (s->note)
			fprintf(fp, "%s\n", s->note);
		if (s->t) {
			crm_table *t = display_table(s);

			crm_table_write(t, fp, CRM_FORMAT_TEXT, false);
			crm_table_free(t);
		}
	}
}

/* A Markdown cell: '|' and line ends escaped. */
static void
md_cell(FILE *fp, const char *s)
{
	for (; *s; s++) {
		if (*s == '|' || *s == '\\' || *s == '*' || *s == '_' || *s == '`' || *s == '<')
			putc('\\', fp);
		if (*s == '\n' || *s == '\r')
			fputs(" ", fp);
		else
			putc(*s, fp);
	}
}

static void
write_markdown(const crm_doc *d, FILE *fp)
{
	size_t i, r, c, nc;

	fputs("# ", fp);
	md_cell(fp, d->title);
	fputs("\n\n", fp);
	for (i = 0; i < d->nlines; i++) {
		md_cell(fp, d->lines[i]);
		fputs(i + 1 < d->nlines ? "  \n" : "\n", fp);
	}
	for (i = 0; i < d->nsec; i++) {
		const struct crm_doc_section *s = &d->sec[i];
		crm_table *t;

		if (s->title) {
			fputs("\n## ", fp);
			md_cell(fp, s->title);
			putc('\n', fp);
		}
		if (s->note) {
			putc('\n', fp);
			md_cell(fp, s->note);
			putc('\n', fp);
		}
		if (s->t == NULL)
			continue;
		t = display_table(s);
		nc = crm_table_ncols(t);
		putc('\n', fp);
		for (r = 0; r <= crm_table_nrows(t); r++) {
			for (c = 0; c < nc; c++) {
				fputs("| ", fp);
				md_cell(fp, crm_table_cell(t, r, c));
				putc(' ', fp);
			}
			fputs("|\n", fp);
			if (r == 0) {
				for (c = 0; c < nc; c++)
					fputs(s->numeric >> c & 1 ? "| --: " : "| --- ", fp);
				fputs("|\n", fp);
			}
		}
		crm_table_free(t);
	}
}

/* A cell that is a plain JSON number: optional '-', digits, optional
 * fraction (no leading zeros beyond one, no exponent). */
static bool
json_number(const char *s)
{
	if (*s == '-')
		s++;
	if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] >= '0' && s[1] <= '9'))
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

static void
write_json(const crm_doc *d, FILE *fp)
{
	size_t i, r, c, nc;

	fputs("{\n  \"title\": ", fp);
	crm_json_string(fp, d->title);
	for (i = 0; i < d->nmeta; i++) {
		fputs(",\n  ", fp);
		crm_json_string(fp, d->meta[i].key);
		fputs(": ", fp);
		if (d->meta[i].value)
			crm_json_string(fp, d->meta[i].value);
		else
			fputs("null", fp);
	}
	for (i = 0; i < d->nsec; i++) {
		const struct crm_doc_section *s = &d->sec[i];
		bool first = true;

		if (s->t == NULL)
			continue;
		nc = crm_table_ncols(s->t);
		fputs(",\n  ", fp);
		crm_json_string(fp, s->id);
		fputs(": [", fp);
		for (r = 1; r <= crm_table_nrows(s->t); r++) {
			fputs(r > 1 ? ",\n    {" : "\n    {", fp);
			first = true;
			for (c = 0; c < nc; c++) {
				const char *v = crm_table_cell(s->t, r, c);

				if (s->bars >> c & 1)
					continue;
				if (!first)
					fputs(", ", fp);
				first = false;
				crm_json_string(fp, crm_table_cell(s->t, 0, c));
				fputs(": ", fp);
				if (*v == '\0')
					fputs("null", fp);
				else if ((s->numeric >> c & 1) && json_number(v))
					fputs(v, fp);
				else
					crm_json_string(fp, v);
			}
			putc('}', fp);
		}
		fputs(crm_table_nrows(s->t) > 0 ? "\n  ]" : "]", fp);
	}
	fputs("\n}\n", fp);
}

void
crm_html_escape(FILE *fp, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '&': fputs("&amp;", fp); break;
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '"': fputs("&quot;", fp); break;
		case '\'': fputs("&#39;", fp); break;
		default: putc(*s, fp);
		}
}

#define FONT "font-family:Arial,Helvetica,'PingFang SC','Microsoft YaHei',sans-serif"
#define BAR_PX 160

/* A bar as a one-row table of two cells (Outlook draws widths and bgcolor
 * of table cells; it ignores most CSS on div). */
static void
html_bar(FILE *fp, double v)
{
	int w = (int)(v * BAR_PX + 0.5);

	fputs("<table role=\"presentation\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" "
	      "width=\"" "160" "\" style=\"border-collapse:collapse\"><tr>", fp);
	if (w > 0)
		fprintf(fp, "<td width=\"%d\" height=\"12\" bgcolor=\"#3b6ea5\" "
		        "style=\"background:#3b6ea5;height:12px;font-size:0;line-height:0\">"
		        "&nbsp;</td>", w);
	if (w < BAR_PX)
		fprintf(fp, "<td width=\"%d\" height=\"12\" style=\"height:12px;font-size:0;"
		        "line-height:0\">&nbsp;</td>", BAR_PX - w);
	fputs("</tr></table>", fp);
}

static void
html_table(FILE *fp, const struct crm_doc_section *s)
{
	size_t nc = crm_table_ncols(s->t), r, c;

	fputs("<table cellpadding=\"4\" cellspacing=\"0\" border=\"0\" style=\"border-collapse:"
	      "collapse;" FONT ";font-size:13px;margin:0 0 16px 0\">\n<tr>", fp);
	for (c = 0; c < nc; c++) {
		fprintf(fp, "<th align=\"%s\" style=\"border-bottom:2px solid #444;padding:4px 8px;"
		        "text-align:%s\">", s->numeric >> c & 1 ? "right" : "left",
		        s->numeric >> c & 1 ? "right" : "left");
		crm_html_escape(fp, crm_table_cell(s->t, 0, c));
		fputs("</th>", fp);
	}
	fputs("</tr>\n", fp);
	for (r = 1; r <= crm_table_nrows(s->t); r++) {
		fprintf(fp, "<tr%s>", r % 2 == 0 ? " bgcolor=\"#f3f5f8\" style=\"background:#f3f5f8\"" :
		        "");
		for (c = 0; c < nc; c++) {
			const char *v = crm_table_cell(s->t, r, c);
			const char *color = "";
			bool right = s->numeric >> c & 1;

			if (s->status >> c & 1)
				color = strncmp(v, "✘", strlen("✘")) == 0 ? ";color:#b00020;font-weight:bold" :
				    strncmp(v, "✔", strlen("✔")) == 0 ? ";color:#1b7f3b" : "";
			fprintf(fp, "<td align=\"%s\" style=\"border-bottom:1px solid #ddd;padding:3px 8px;"
			        "white-space:nowrap%s\">", right ? "right" : "left", color);
			if (s->bars >> c & 1)
				html_bar(fp, fraction(v));
			else
				crm_html_escape(fp, v);
			fputs("</td>", fp);
		}
		fputs("</tr>\n", fp);
	}
	fputs("</table>\n", fp);
}

static void
write_html(const crm_doc *d, FILE *fp)
{
	size_t i;

	fputs("<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width\">\n<title>", fp);
	crm_html_escape(fp, d->title);
	fputs("</title>\n</head>\n<body style=\"margin:0;padding:16px;background:#ffffff;"
	      "color:#222;" FONT "\">\n<h1 style=\"font-size:20px;margin:0 0 8px 0\">", fp);
	crm_html_escape(fp, d->title);
	fputs("</h1>\n", fp);
	for (i = 0; i < d->nlines; i++) {
		fputs("<p style=\"margin:0 0 4px 0;font-size:13px;color:#555\">", fp);
		crm_html_escape(fp, d->lines[i]);
		fputs("</p>\n", fp);
	}
	for (i = 0; i < d->nsec; i++) {
		const struct crm_doc_section *s = &d->sec[i];

		if (s->title) {
			fputs("<h2 style=\"font-size:16px;margin:20px 0 6px 0\">", fp);
			crm_html_escape(fp, s->title);
			fputs("</h2>\n", fp);
		}
		if (s->note) {
			fputs("<p style=\"margin:0 0 8px 0;font-size:13px\">", fp);
			crm_html_escape(fp, s->note);
			fputs("</p>\n", fp);
		}
		if (s->t)
			html_table(fp, s);
	}
	fputs("</body>\n</html>\n", fp);
}

/* CSV/TSV of the first table, bar columns left out. */
static int
write_csv(const crm_doc *d, FILE *fp, bool tsv, bool excel_safe)
{
	size_t i, r, c, nc, k;
	const char **cells;
	crm_csv_writer *w;

	for (i = 0; i < d->nsec && d->sec[i].t == NULL; i++)
		;
	if (i == d->nsec)
		return 0;
	nc = crm_table_ncols(d->sec[i].t);
	cells = crm_xcalloc(nc, sizeof(*cells));
	w = crm_csv_writer_new(fp, "<stdout>", tsv, excel_safe);
	for (r = 0; r <= crm_table_nrows(d->sec[i].t); r++) {
		for (k = 0, c = 0; c < nc; c++)
			if (!(d->sec[i].bars >> c & 1))
				cells[k++] = crm_table_cell(d->sec[i].t, r, c);
		crm_csv_write_row(w, cells, k);
	}
	free(cells);
	return crm_csv_writer_close(w);
}

/* One section's table as a sheet of the workbook, bar columns left out. */
static void
xlsx_section(crm_xlsx *x, const struct crm_doc_section *s)
{
	size_t nc = crm_table_ncols(s->t), r, c, k;
	const char **cells = crm_xcalloc(nc + 1, sizeof(*cells));
	enum crm_coltype *types = crm_xcalloc(nc + 1, sizeof(*types));

	for (k = 0, c = 0; c < nc; c++) {
		if (s->bars >> c & 1)
			continue;
		cells[k] = crm_table_cell(s->t, 0, c);
		types[k] = crm_table_type(s->t, c);
		if (types[k] == CRM_COL_TEXT && (s->numeric >> c & 1))
			types[k] = CRM_COL_DECIMAL;
		k++;
	}
	crm_xlsx_sheet(x, s->id, cells, types, k);
	for (r = 1; r <= crm_table_nrows(s->t); r++) {
		for (c = 0; c < nc; c++)
			if (!(s->bars >> c & 1))
				crm_xlsx_cell(x, crm_table_cell(s->t, r, c));
		crm_xlsx_end_row(x);
	}
	free(cells);
	free(types);
}

static int
write_xlsx(const crm_doc *d, FILE *fp)
{
	static const char *const about[] = { "field", "value" };
	crm_xlsx *x = crm_xlsx_new(fp == stdout ? crm_cli_output_name() : "<output>");
	size_t i;

	if (x == NULL)
		return CRM_EX_IOERR;
	for (i = 0; i < d->nsec; i++)
		if (d->sec[i].t != NULL)
			xlsx_section(x, &d->sec[i]);
	crm_xlsx_sheet(x, "about", about, NULL, 2);
	crm_xlsx_row(x, (const char *const[]){ "title", d->title }, 2);
	for (i = 0; i < d->nmeta; i++)
		crm_xlsx_row(x, (const char *const[]){ d->meta[i].key, d->meta[i].value }, 2);
	return crm_xlsx_close(x, fp);
}

int
crm_doc_write(const crm_doc *d, FILE *fp, enum crm_doc_format f, bool excel_safe)
{
	switch (f) {
	case CRM_DOC_XLSX:
		return write_xlsx(d, fp);
	case CRM_DOC_CSV:
	case CRM_DOC_TSV:
		return write_csv(d, fp, f == CRM_DOC_TSV, excel_safe);
	case CRM_DOC_TEXT:
		write_text(d, fp);
		break;
	case CRM_DOC_MARKDOWN:
		write_markdown(d, fp);
		break;
	case CRM_DOC_JSON:
		write_json(d, fp);
		break;
	case CRM_DOC_HTML:
		write_html(d, fp);
		break;
	}
	/* Text writes are checked where the stream is closed (crm_cli_finish,
	 * or the caller of a memory stream). */
	return 0;
}
