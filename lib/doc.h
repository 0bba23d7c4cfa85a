/*
 * doc — a report as a document of titled sections, each one table of
 * strings (lib/render), written as aligned text, Markdown, CSV/TSV, JSON, a
 * self-contained HTML page or an .xlsx workbook (a sheet per section).
 * Renderers know nothing of the store: a tool fills the document
 * (lib/report for crm-report) and picks a format.
 *
 * HTML is made for mail clients (Gmail, Outlook): no script, no style sheet
 * or image fetched from anywhere, CSS only in style attributes, charts as
 * table cells of a given width and background colour (no SVG, which those
 * clients do not show), and every text from the data HTML-escaped.
 */
#ifndef CRM_DOC_H
#define CRM_DOC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "render.h"

enum crm_doc_format {
	CRM_DOC_TEXT, CRM_DOC_CSV, CRM_DOC_TSV, CRM_DOC_JSON, CRM_DOC_MARKDOWN, CRM_DOC_HTML,
	CRM_DOC_XLSX
};

/* "text", "csv", "tsv", "json", "markdown" (or "md"), "html", "xlsx"; -1
 * for others. */
int crm_doc_format_parse(const char *s);

struct crm_doc_section {
	char *id;          /* machine name (JSON key): kpi, trend, cohorts ... */
	char *title;       /* heading for people, or NULL */
	char *note;        /* a paragraph under the heading, or NULL */
	crm_table *t;      /* the table (owned), or NULL for a note alone */
	uint64_t numeric;  /* bit c: column c holds numbers (JSON numbers;
	                      right-aligned in Markdown and HTML); an empty cell
	                      of any column is null in JSON */
	uint64_t bars;     /* bit c: column c holds a fraction 0–1 drawn as a bar
	                      (text and Markdown: block characters; HTML: a
	                      coloured cell); left out of CSV and JSON */
	uint64_t status;   /* bit c: column c is a status: in HTML a cell
	                      starting with "✘" is red, one with "✔" green */
};

typedef struct crm_doc crm_doc;

crm_doc *crm_doc_new(const char *title);
/* A line under the title (text of its own, escaped in HTML). */
void crm_doc_line(crm_doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A top-level field of the JSON output ("period": "2026-10"); value NULL
 * writes null. */
void crm_doc_meta(crm_doc *d, const char *key, const char *value);
/* Append a section (t may be NULL); the document owns t. The section can
 * be adjusted through the pointer until the next call. */
struct crm_doc_section *crm_doc_add(crm_doc *d, const char *id, const char *title,
                                    const char *note, crm_table *t);
/* Write d. CSV and TSV take the first section with a table (a document for
 * them holds one). XLSX: a sheet per section with a table, named by its id
 * and typed by the table's column types (crm_table_set_type; a numeric
 * column without one is a decimal), bar columns left out; then a sheet
 * "about" with the title and the JSON fields (period, as_of ...). Returns
 * 0, or CRM_EX_IOERR when a write failed. */
int crm_doc_write(const crm_doc *d, FILE *fp, enum crm_doc_format f, bool excel_safe);
void crm_doc_free(crm_doc *d);

/* text HTML-escaped (& < > " ') onto fp. */
void crm_html_escape(FILE *fp, const char *text);

#endif
