/*
 * mapping — which column of an export holds which field, and what kind of
 * export it is.
 *
 * Headers are matched after crm_text_key() folding (NFKC, case, width,
 * spaces and punctuation ignored), so "E-Mail", "email" and "ＥＭＡＩＬ"
 * agree. Built-in synonyms cover English, Simplified and Traditional Chinese
 * exports (lists in mapping.c); the config's headers: section adds more.
 * A column no synonym names is "unmapped" and kept in the row's extra JSON.
 * Columns named _line and _reason (added by our reject files) are ignored,
 * so a corrected reject file imports as it is.
 */
#ifndef CRM_MAPPING_H
#define CRM_MAPPING_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

enum crm_kind {
	CRM_KIND_NONE = -1,
	CRM_KIND_CUSTOMERS = 0,
	CRM_KIND_ORDERS,
	CRM_KIND_INTERACTIONS,
	CRM_KIND_TICKETS,
	CRM_NKINDS
};

/* Fields, across all kinds. Each kind accepts a subset (crm_field_in_kind). */
enum crm_field {
	F_NONE = -1,
	F_EXTERNAL_ID = 0, /* customers: the customer's id in the user's system */
	F_CUSTOMER_REF,    /* orders/...: the customer's external id */
	F_NAME, F_COMPANY, F_EMAIL, F_PHONE, F_CITY, F_REGION, F_COUNTRY,
	F_INDUSTRY, F_SIZE, F_OWNER, F_CHANNEL, F_STATUS, F_PREFERRED_CHANNEL,
	F_BIRTHDAY, F_TAGS, F_NOTES, F_CREATED_AT,
	F_ORDER_NO, F_ORDERED_AT, F_AMOUNT, F_CURRENCY, F_QUANTITY, F_PRODUCT,
	F_CATEGORY,
	F_AT, F_DIRECTION, F_INTERACTION_KIND, F_SUMMARY, F_CSAT, F_NPS,
	F_TICKET_NO, F_OPENED_AT, F_SEVERITY, F_RESOLVED_AT,
	CRM_NFIELDS
};

/* The mapping of one file's header. */
struct crm_mapping {
	enum crm_kind kind;
	size_t ncols;
	enum crm_field *col_field; /* per column: its field, or F_NONE (extra) */
	bool *col_ignored;         /* per column: _line/_reason of a reject file */
	int field_col[CRM_NFIELDS];/* per field: its (first) column, or -1 */
	char **headers;            /* per column: the header as given (UTF-8) */
};

/* Kind name ("customers") and back; crm_kind_parse returns CRM_KIND_NONE
 * for an unknown name. Singular forms are accepted too. */
const char *crm_kind_name(enum crm_kind k);
enum crm_kind crm_kind_parse(const char *s);
/* Field name ("email") and back. */
const char *crm_field_name(enum crm_field f);
enum crm_field crm_field_parse(const char *s);
bool crm_field_in_kind(enum crm_field f, enum crm_kind k);

/* Check the config's header synonyms: every field must exist for its kind.
 * On error print "config:LINE: ..." and return CRM_EX_CONFIG; else 0. */
int crm_mapping_check_config(const struct crm_config *cfg);

/* Map a header row. kind CRM_KIND_NONE detects the kind from the headers;
 * when nothing fits, returns NULL after printing a message naming the file.
 * Free with crm_mapping_free. */
struct crm_mapping *crm_mapping_new(const char *const *headers, size_t n, enum crm_kind kind,
                                    const struct crm_config *cfg, const char *file);
void crm_mapping_free(struct crm_mapping *m);

/* The field one header names in kind k (config synonyms first), or F_NONE;
 * for tools that read a file without importing it (crm-dedupe --stream). */
enum crm_field crm_mapping_field(const char *header, enum crm_kind k,
                                 const struct crm_config *cfg);

struct crm_csv_writer;
/* Write the mapping as a table: kind, column (1-based), header, field
 * ("extra" for an unmapped column, "(ignored)" for _line/_reason). */
void crm_mapping_write(const struct crm_mapping *m, struct crm_csv_writer *w);

#endif
