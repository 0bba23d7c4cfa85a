/* import — normalise rows, resolve customers, insert/update with undo data (see import.h). */
#include "import.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "diag.h"
#include "hash.h"
#include "money.h"
#include "phone.h"
#include "schema.sql.h"
#include "text.h"
#include "vocab.h"

/*
 * Each stored table is described once; the SQL for insert, "would this
 * change anything", snapshot and update is assembled from these constant
 * column names when a run starts. No data ever enters SQL text: values are
 * bound parameters.
 */
enum col_rule {
	COL_KEEP,   /* update writes coalesce(new, old): empty never erases */
	COL_JSON,   /* JSON object merged with json_patch (the extra column) */
	COL_TEXT0,  /* NOT NULL text where empty means '' (source) */
};

struct table {
	const char *name;
	const char *key_col;           /* unique key column, NULL for customers */
	const char *cols[24];          /* value columns, NULL-terminated */
	enum col_rule rules[24];
	const char *touch_col;         /* set to now when a row changes, or NULL */
};

static const struct table customers_table = {
	"customers", NULL,
	{"external_id", "source", "name", "company", "email", "phone", "emails_extra",
	 "phones_extra", "city", "region", "country", "industry", "size", "owner", "channel",
	 "status", "preferred_channel", "birthday", "tags", "notes", "created_at", "extra", NULL},
	{[1] = COL_TEXT0, [21] = COL_JSON},
	"updated_at",
};
enum { C_EXT, C_SOURCE, C_NAME, C_COMPANY, C_EMAIL, C_PHONE, C_EMAILS_X, C_PHONES_X, C_CITY,
       C_REGION, C_COUNTRY, C_INDUSTRY, C_SIZE, C_OWNER, C_CHANNEL, C_STATUS, C_PREF,
       C_BIRTHDAY, C_TAGS, C_NOTES, C_CREATED, C_EXTRA, C_NCOLS };

static const struct table orders_table = {
	"orders", "order_key",
	{"order_no", "customer_id", "ordered_at", "amount", "currency", "quantity", "product",
	 "category", "channel", "status", "extra", NULL},
	{[10] = COL_JSON},
	NULL,
};
enum { O_NO, O_CUSTOMER, O_AT, O_AMOUNT, O_CURRENCY, O_QTY, O_PRODUCT, O_CATEGORY,
       O_CHANNEL, O_STATUS, O_EXTRA, O_NCOLS };

static const struct table interactions_table = {
	"interactions", "interaction_key",
	{"customer_id", "at", "channel", "direction", "kind", "owner", "summary", "csat", "nps",
	 "extra", NULL},
	{[9] = COL_JSON},
	NULL,
};
enum { I_CUSTOMER, I_AT, I_CHANNEL, I_DIRECTION, I_KIND, I_OWNER, I_SUMMARY, I_CSAT, I_NPS,
       I_EXTRA, I_NCOLS };

static const struct table tickets_table = {
	"tickets", "ticket_key",
	{"ticket_no", "customer_id", "opened_at", "category", "severity", "status", "resolved_at",
	 "owner", "summary", "csat", "extra", NULL},
	{[10] = COL_JSON},
	NULL,
};
enum { T_NO, T_CUSTOMER, T_OPENED, T_CATEGORY, T_SEVERITY, T_STATUS, T_RESOLVED, T_OWNER,
       T_SUMMARY, T_CSAT, T_EXTRA, T_NCOLS };

static const struct table *const tables[CRM_NKINDS] = {
	&customers_table, &orders_table, &interactions_table, &tickets_table,
};

/* A value for one column: SQL NULL, text or integer. */
struct val {
	enum { V_NULL, V_TEXT, V_INT } type;
	char *s;      /* owned, for V_TEXT */
	int64_t i;
};

/* Prepared statements for one table. */
struct table_sql {
	sqlite3_stmt *insert;    /* new row (keyed tables: ON CONFLICT DO NOTHING) */
	sqlite3_stmt *find;      /* id by key (keyed tables) */
	sqlite3_stmt *snapshot;  /* old values into import_undo, when the row would change */
	sqlite3_stmt *update;    /* the change itself */
	int ncols;
};

struct crm_importer {
	crm_store *store;
	const struct crm_import_options *opt;
	const struct crm_mapping *map;
	const struct table *table;
	struct table_sql sql;
	struct table_sql cust_sql;     /* customers, for --create-missing */
	sqlite3_stmt *by_email, *by_phone, *resolve, *log_insert;
	int64_t import_id;
	crm_hash *ext_ids;             /* source \x1f external id -> customer rowid */
	crm_hash *occurrences;         /* derived key -> times seen in this file */
	crm_vocab *vocab;              /* status, channel, ... words, remembered */
	struct val vals[24];
	crm_buf reason;                /* the last rejection's reason */
	crm_buf scratch;
	crm_buf key;                   /* the current row's unique key */
	bool created_now;              /* row_customer created the row's customer */
	bool rebuild_index;            /* orders_customer dropped, to build at finish */
	bool rebuild_customers;        /* customers' indexes dropped, to build at finish */
	bool contacts_unindexed;       /* e-mail and phone indexes are dropped */
	const char *new_status;        /* status for a customer created now */
	struct crm_import_counts counts;
	int64_t *touched;              /* customer rowids this run touched */
	size_t ntouched, cap_touched;
	unsigned char *buyers;         /* bit per customer rowid: a paid order in this run */
	size_t buyers_bytes;
	const char *const *fields;     /* the row being imported */
	size_t nfields;
};

/* ---- SQL assembly (constant column names only) ---- */

static char *
sql_insert(const struct table *t)
{
	crm_buf b = {0};
	int i;

	crm_buf_printf(&b, "INSERT INTO %s(", t->name);
	for (i = 0; t->cols[i]; i++)
		crm_buf_printf(&b, "%s, ", t->cols[i]);
	if (t->key_col)
		crm_buf_printf(&b, "%s, ", t->key_col);
	if (t->touch_col)
		crm_buf_printf(&b, "%s, ", t->touch_col);
	crm_buf_puts(&b, "import_id) VALUES (");
	for (i = 0; t->cols[i]; i++)
		crm_buf_printf(&b, t->rules[i] == COL_JSON ? "json(?%d), " :
		               t->rules[i] == COL_TEXT0 ? "coalesce(?%d, ''), " : "?%d, ", i + 1);
	/* ?30 key, ?31 now, ?32 import id */
	if (t->key_col)
		crm_buf_puts(&b, "?30, ");
	if (t->touch_col)
		crm_buf_puts(&b, "?31, ");
	crm_buf_puts(&b, "?32)");
	if (t->key_col)
		crm_buf_printf(&b, " ON CONFLICT(%s) DO NOTHING", t->key_col);
	return b.data;
}

/* The new value expression of column i: parameter ?i+1 over the old value. */
static void
new_value(crm_buf *b, const struct table *t, int i)
{
	if (t->rules[i] == COL_JSON)
		crm_buf_printf(b, "coalesce(json_patch(coalesce(%s, '{}'), ?%d), %s)",
		               t->cols[i], i + 1, t->cols[i]);
	else
		crm_buf_printf(b, "coalesce(?%d, %s)", i + 1, t->cols[i]);
}

/* "(new IS NOT old OR ...)": would writing the parameters change the row? */
static void
changed_condition(crm_buf *b, const struct table *t)
{
	int i;

	crm_buf_puts(b, "(");
	for (i = 0; t->cols[i]; i++) {
		if (i)
			crm_buf_puts(b, " OR ");
		new_value(b, t, i);
		crm_buf_printf(b, " IS NOT %s", t->cols[i]);
	}
	crm_buf_puts(b, ")");
}

/* json_object('col', col, ...) of every column an undo restores. */
static void
snapshot_object(crm_buf *b, const struct table *t)
{
	int i;

	crm_buf_puts(b, "json_object(");
	for (i = 0; t->cols[i]; i++)
		crm_buf_printf(b, "%s'%s', %s", i ? ", " : "", t->cols[i], t->cols[i]);
	if (t->touch_col)
		crm_buf_printf(b, ", '%s', %s", t->touch_col, t->touch_col);
	crm_buf_puts(b, ")");
}

static char *
sql_snapshot(const struct table *t)
{
	crm_buf b = {0};

	crm_buf_printf(&b, "INSERT INTO import_undo(import_id, tbl, row_id, old) SELECT ?32, '%s', id, ",
	               t->name);
	snapshot_object(&b, t);
	crm_buf_printf(&b, " FROM %s WHERE id = ?33 AND ", t->name);
	changed_condition(&b, t);
	return b.data;
}

static char *
sql_update(const struct table *t)
{
	crm_buf b = {0};
	int i;

	crm_buf_printf(&b, "UPDATE %s SET ", t->name);
	for (i = 0; t->cols[i]; i++) {
		crm_buf_printf(&b, "%s%s = ", i ? ", " : "", t->cols[i]);
		new_value(&b, t, i);
	}
	if (t->touch_col)
		crm_buf_printf(&b, ", %s = ?31", t->touch_col);
	crm_buf_printf(&b, " WHERE id = ?33 AND ");
	changed_condition(&b, t);
	return b.data;
}

static void
prepare_table(crm_store *s, const struct table *t, struct table_sql *q)
{
	char *sql;

	for (q->ncols = 0; t->cols[q->ncols]; q->ncols++)
		;
	sql = sql_insert(t);
	q->insert = crm_store_prepare(s, sql);
	free(sql);
	sql = sql_snapshot(t);
	q->snapshot = crm_store_prepare(s, sql);
	free(sql);
	sql = sql_update(t);
	q->update = crm_store_prepare(s, sql);
	free(sql);
	if (t->key_col) {
		sql = crm_xasprintf("SELECT id FROM %s WHERE %s = ?1", t->name, t->key_col);
		q->find = crm_store_prepare(s, sql);
		free(sql);
	}
}

static void
finalize_table(struct table_sql *q)
{
	sqlite3_finalize(q->insert);
	sqlite3_finalize(q->find);
	sqlite3_finalize(q->snapshot);
	sqlite3_finalize(q->update);
}

/* ---- values ---- */

static void
vals_clear(struct val *v, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		free(v[i].s);
		v[i].s = NULL;
		v[i].type = V_NULL;
	}
}

static void
val_text(struct val *v, char *owned)
{
	free(v->s);
	v->s = owned;
	v->type = owned && *owned ? V_TEXT : V_NULL;
}

static void
val_int(struct val *v, int64_t i)
{
	free(v->s);
	v->s = NULL;
	v->type = V_INT;
	v->i = i;
}

static void
bind_vals(crm_store *s, sqlite3_stmt *st, const struct val *v, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		/* The values outlive the step: SQLite need not copy them. */
		if (v[i].type == V_TEXT && sqlite3_bind_text(st, i + 1, v[i].s, -1, SQLITE_STATIC) != SQLITE_OK)
			crm_store_die(s, SQLITE_ERROR, "bind");
		else if (v[i].type == V_TEXT)
			continue;
		else if (v[i].type == V_INT)
			crm_store_bind_int(s, st, i + 1, v[i].i);
		else
			crm_store_bind_null(s, st, i + 1);
	}
}

/* Run st to completion and reset it; returns sqlite3_changes(). */
static int
run(crm_store *s, sqlite3_stmt *st)
{
	int n;

	crm_store_step(s, st);
	n = sqlite3_changes(crm_store_db(s));
	sqlite3_reset(st);  /* every parameter is bound anew before each step */
	return n;
}

/* Bind the run-wide parameters ?30 key, ?31 now, ?32 import id, ?33 row id. */
static void
bind_common(crm_importer *imp, sqlite3_stmt *st, const char *key, int64_t row_id)
{
	crm_store *s = imp->store;

	if (sqlite3_bind_parameter_count(st) >= 30 && key)
		crm_store_bind_text(s, st, 30, key);
	if (sqlite3_bind_parameter_count(st) >= 31)
		crm_store_bind_text(s, st, 31, imp->opt->now);
	if (sqlite3_bind_parameter_count(st) >= 32)
		crm_store_bind_int(s, st, 32, imp->import_id);
	if (sqlite3_bind_parameter_count(st) >= 33)
		crm_store_bind_int(s, st, 33, row_id);
}

enum outcome { ADDED, UPDATED, UNCHANGED };

/* Update row_id with v when that changes anything, snapshotting first. */
static enum outcome
update_row(crm_importer *imp, struct table_sql *q, const struct val *v, int64_t row_id)
{
	bind_vals(imp->store, q->snapshot, v, q->ncols);
	bind_common(imp, q->snapshot, NULL, row_id);
	if (run(imp->store, q->snapshot) == 0)
		return UNCHANGED;
	bind_vals(imp->store, q->update, v, q->ncols);
	bind_common(imp, q->update, NULL, row_id);
	run(imp->store, q->update);
	return UPDATED;
}

/* Insert v; for keyed tables an existing key turns into an update. */
static enum outcome
upsert(crm_importer *imp, struct table_sql *q, const struct val *v, const char *key,
       int64_t *row_id)
{
	crm_store *s = imp->store;

	bind_vals(s, q->insert, v, q->ncols);
	bind_common(imp, q->insert, key, 0);
	if (run(s, q->insert) == 1) {
		*row_id = sqlite3_last_insert_rowid(crm_store_db(s));
		return ADDED;
	}
	crm_store_bind_text(s, q->find, 1, key);
	if (crm_store_step(s, q->find) != SQLITE_ROW)
		crm_die(CRM_EX_SOFTWARE, "store: row with key %s vanished", key);
	*row_id = sqlite3_column_int64(q->find, 0);
	sqlite3_reset(q->find);
	return update_row(imp, q, v, *row_id);
}

/* ---- rejections ---- */

static const char *
reject(crm_importer *imp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static const char *
reject(crm_importer *imp, const char *fmt, ...)
{
	va_list ap;

	crm_buf_reset(&imp->reason);
	va_start(ap, fmt);
	crm_buf_vprintf(&imp->reason, fmt, ap);
	va_end(ap);
	return crm_buf_str(&imp->reason);
}

/* The raw text of field f in this row, or NULL when absent or blank. */
static const char *
raw(const crm_importer *imp, enum crm_field f)
{
	int c = imp->map->field_col[f];
	const char *p;

	if (c < 0 || (size_t)c >= imp->nfields)
		return NULL;
	for (p = imp->fields[c]; *p == ' ' || *p == '\t'; p++)
		;
	return *p ? imp->fields[c] : NULL;
}

static const char *
header(const crm_importer *imp, enum crm_field f)
{
	return imp->map->headers[imp->map->field_col[f]];
}

/* Cleaned text of f (NFC, trimmed), or NULL when blank. */
static char *
text_of(const crm_importer *imp, enum crm_field f)
{
	const char *r = raw(imp, f);

	return r ? crm_text_clean(r) : NULL;
}

/* An identifier: width-folded and trimmed (full-width digits are digits). */
static char *
id_of(const crm_importer *imp, enum crm_field f)
{
	const char *r = raw(imp, f);

	return r ? crm_text_fold_width(r) : NULL;
}

/* Canonical word for f from table, NULL when blank; *bad set on no match. */
static const char *
word_of(crm_importer *imp, enum crm_field f, const char *table, char *out, size_t outsz,
        bool *bad)
{
	const char *r = raw(imp, f);
	const char *w;

	if (r == NULL)
		return NULL;
	w = crm_vocab_lookup(imp->vocab, table, r, out, outsz);
	if (w == NULL)
		*bad = true;
	return w;
}

/* ---- field readers that can reject ---- */

/* Parse a date/time field into "YYYY-MM-DD[ HH:MM:SS]"; returns NULL with
 * the reason set when unreadable, or "" (static) when blank. */
static const char *
date_field(crm_importer *imp, enum crm_field f, struct crm_datetime *dt, char *out, bool *bad)
{
	const char *r = raw(imp, f);
	enum crm_date_order order = imp->opt->cfg->date_order;

	*bad = false;
	if (r == NULL)
		return "";
	if (!imp->opt->cfg->roc_years)
		order = (enum crm_date_order)((int)order | CRM_DATE_NO_ROC);
	if (crm_date_parse(r, order, true, dt) != 0) {
		*bad = true;
		reject(imp, "column \"%s\": cannot read \"%s\" as a date", header(imp, f), r);
		return NULL;
	}
	crm_datetime_format(dt, out);
	return out;
}

/* Integer field in [lo, hi]; blank leaves *v untouched and returns 0. */
static int
int_field(crm_importer *imp, enum crm_field f, int64_t lo, int64_t hi, struct val *v)
{
	const char *r = raw(imp, f);
	char *s, *end;
	long long n;

	if (r == NULL)
		return 0;
	s = crm_text_fold_width(r);
	n = s ? strtoll(s, &end, 10) : 0;
	if (s == NULL || *s == '\0' || *end != '\0' || n < lo || n > hi) {
		free(s);
		reject(imp, "column \"%s\": \"%s\" is not a whole number from %" PRId64 " to %" PRId64,
		       header(imp, f), r, lo, hi);
		return -1;
	}
	free(s);
	val_int(v, n);
	return 0;
}

/* The JSON object of every unmapped, non-empty column, or NULL. */
static char *
extra_json(crm_importer *imp)
{
	crm_buf b = {0};
	size_t c;
	const char *p;

	for (c = 0; c < imp->nfields && c < imp->map->ncols; c++) {
		if (imp->map->col_field[c] != F_NONE || imp->map->col_ignored[c] ||
		    imp->fields[c][0] == '\0')
			continue;
		crm_buf_puts(&b, b.len ? "," : "{");
		for (int k = 0; k < 2; k++) {
			crm_buf_putc(&b, '"');
			for (p = k ? imp->fields[c] : imp->map->headers[c]; *p; p++) {
				unsigned char ch = (unsigned char)*p;

				if (ch == '"' || ch == '\\')
					crm_buf_printf(&b, "\\%c", ch);
				else if (ch < 0x20)
					crm_buf_printf(&b, "\\u%04x", ch);
				else
					crm_buf_putc(&b, (char)ch);
			}
			crm_buf_puts(&b, k ? "\"" : "\":");
		}
	}
	if (b.len)
		crm_buf_putc(&b, '}');
	return b.data;
}

/* Every phone column normalised: first into *main, the rest as a JSON array
 * into *extras. Returns -1 (reason set) on an unreadable phone. */
static int
contacts(crm_importer *imp, enum crm_field f, char **main, char **extras)
{
	crm_buf arr = {0};
	size_t c;
	char e164[32], ext[16];
	const char *r;
	char *norm;

	*main = *extras = NULL;
	for (c = 0; c < imp->map->ncols && c < imp->nfields; c++) {
		if (imp->map->col_field[c] != f)
			continue;
		r = imp->fields[c];
		if (f == F_PHONE) {
			enum crm_phone_result pr = crm_phone_e164(r, imp->opt->cfg->phone_region,
			                                          e164, sizeof e164, ext, sizeof ext);
			if (pr == CRM_PHONE_EMPTY)
				continue;
			if (pr != CRM_PHONE_OK)
				goto bad;
			norm = ext[0] ? crm_xasprintf("%s;ext=%s", e164, ext) : crm_xstrdup(e164);
		} else {
			if (crm_text_valid_utf8(r, strlen(r)) && strspn(r, " \t") == strlen(r))
				continue;
			norm = crm_email_normalise(r);
			if (norm == NULL)
				goto bad;
		}
		if (*main == NULL) {
			*main = norm;
			continue;
		}
		if (strcmp(norm, *main) != 0)
			crm_buf_printf(&arr, "%s\"%s\"", arr.len ? "," : "[", norm);
		free(norm);
	}
	if (arr.len) {
		crm_buf_putc(&arr, ']');
		*extras = arr.data;
	}
	return 0;
bad:
	reject(imp, "column \"%s\": cannot read \"%s\" as %s", imp->map->headers[c], r,
	       f == F_PHONE ? "a phone number" : "an e-mail address");
	free(*main);
	*main = NULL;
	crm_buf_free(&arr);
	return -1;
}

/* ---- customers ---- */

/* Append id to a growable list. */
static void
id_push(int64_t **list, size_t *n, size_t *cap, int64_t id)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		*list = crm_xreallocarray(*list, *cap, sizeof **list);
	}
	(*list)[(*n)++] = id;
}

static int
cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Sort a list of ids and drop repeats. */
static void
id_sort_unique(int64_t *list, size_t *n)
{
	size_t i, o = 0;

	if (*n == 0)
		return;
	qsort(list, *n, sizeof *list, cmp_id);
	for (i = 0; i < *n; i++)
		if (o == 0 || list[o - 1] != list[i])
			list[o++] = list[i];
	*n = o;
}

static void
touch_customer(crm_importer *imp, int64_t id)
{
	if (imp->opt->collect_customers)
		id_push(&imp->touched, &imp->ntouched, &imp->cap_touched, id);
}

/* "source\x1fexternal id", the key of ext_ids, into imp->scratch. */
static const char *
ext_key(crm_importer *imp, const char *ext, size_t *len)
{
	crm_buf_reset(&imp->scratch);
	crm_buf_puts(&imp->scratch, imp->opt->source);
	crm_buf_putc(&imp->scratch, '\x1f');
	crm_buf_puts(&imp->scratch, ext);
	*len = imp->scratch.len;
	return imp->scratch.data;
}

static int64_t survivor(crm_importer *imp, int64_t id);
static void need_contact_indexes(crm_importer *imp);

/* Survivor rowid of the customer with this e-mail (or phone), or 0. */
static int64_t
customer_by(crm_importer *imp, sqlite3_stmt *st, const char *value)
{
	int64_t id = 0;

	if (value == NULL)
		return 0;
	need_contact_indexes(imp);
	crm_store_bind_text(imp->store, st, 1, value);
	if (crm_store_step(imp->store, st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return id ? survivor(imp, id) : 0;
}

/* Follow merged_into to the surviving customer. */
static int64_t
survivor(crm_importer *imp, int64_t id)
{
	int hops;
	int64_t next;

	for (hops = 0; hops < 64; hops++) {
		crm_store_bind_int(imp->store, imp->resolve, 1, id);
		next = 0;
		if (crm_store_step(imp->store, imp->resolve) == SQLITE_ROW &&
		    sqlite3_column_type(imp->resolve, 0) != SQLITE_NULL)
			next = sqlite3_column_int64(imp->resolve, 0);
		sqlite3_reset(imp->resolve);
		if (next == 0)
			return id;
		id = next;
	}
	return id;
}

static const char *
import_customer(crm_importer *imp)
{
	struct val *v = imp->vals;
	char word[32], date[32];
	struct crm_datetime dt;
	bool bad = false;
	char *email, *emails_x, *phone, *phones_x;
	const char *w, *ext;
	size_t klen;
	int64_t id = 0, found;
	enum outcome out;

	vals_clear(v, C_NCOLS);
	if (contacts(imp, F_EMAIL, &email, &emails_x) != 0)
		return crm_buf_str(&imp->reason);
	val_text(&v[C_EMAIL], email);
	val_text(&v[C_EMAILS_X], emails_x);
	if (contacts(imp, F_PHONE, &phone, &phones_x) != 0)
		return crm_buf_str(&imp->reason);
	val_text(&v[C_PHONE], phone);
	val_text(&v[C_PHONES_X], phones_x);
	val_text(&v[C_EXT], id_of(imp, F_EXTERNAL_ID));
	val_text(&v[C_SOURCE], crm_xstrdup(imp->opt->source));
	val_text(&v[C_NAME], text_of(imp, F_NAME));
	val_text(&v[C_COMPANY], text_of(imp, F_COMPANY));
	val_text(&v[C_CITY], text_of(imp, F_CITY));
	val_text(&v[C_REGION], text_of(imp, F_REGION));
	val_text(&v[C_COUNTRY], text_of(imp, F_COUNTRY));
	val_text(&v[C_INDUSTRY], text_of(imp, F_INDUSTRY));
	val_text(&v[C_SIZE], text_of(imp, F_SIZE));
	val_text(&v[C_OWNER], text_of(imp, F_OWNER));
	val_text(&v[C_CHANNEL], text_of(imp, F_CHANNEL));
	val_text(&v[C_TAGS], text_of(imp, F_TAGS));
	val_text(&v[C_NOTES], text_of(imp, F_NOTES));
	w = word_of(imp, F_STATUS, crm_vocab_customer_status, word, sizeof word, &bad);
	if (bad)
		return reject(imp, "column \"%s\": \"%s\" is not a customer status (lead or customer)",
		              header(imp, F_STATUS), raw(imp, F_STATUS));
	val_text(&v[C_STATUS], w ? crm_xstrdup(w) : NULL);
	w = word_of(imp, F_PREFERRED_CHANNEL, crm_vocab_channel, word, sizeof word, &bad);
	if (bad)
		return reject(imp, "column \"%s\": \"%s\" is not a channel (phone, email, sms, "
		              "wechat, line, visit, other)", header(imp, F_PREFERRED_CHANNEL),
		              raw(imp, F_PREFERRED_CHANNEL));
	val_text(&v[C_PREF], w ? crm_xstrdup(w) : NULL);
	if ((w = date_field(imp, F_BIRTHDAY, &dt, date, &bad)) == NULL)
		return crm_buf_str(&imp->reason);
	date[10] = '\0';  /* a birthday is a date, whatever time came with it */
	val_text(&v[C_BIRTHDAY], *w ? crm_xstrdup(date) : NULL);
	if ((w = date_field(imp, F_CREATED_AT, &dt, date, &bad)) == NULL)
		return crm_buf_str(&imp->reason);
	val_text(&v[C_CREATED], *w ? crm_xstrdup(w) : NULL);
	val_text(&v[C_EXTRA], extra_json(imp));

	if (v[C_EXT].type == V_NULL && v[C_NAME].type == V_NULL && v[C_EMAIL].type == V_NULL &&
	    v[C_PHONE].type == V_NULL && v[C_COMPANY].type == V_NULL)
		return reject(imp, "no id, name, company, e-mail or phone: nothing to identify "
		              "the customer by");

	/* Identity (SPEC §4): external id, else exact e-mail, else phone. */
	ext = v[C_EXT].type == V_TEXT ? v[C_EXT].s : NULL;
	if (ext) {
		const char *k = ext_key(imp, ext, &klen);

		if (crm_hash_get(imp->ext_ids, k, klen, &found))
			id = found < 0 ? -found : found;
	} else {
		id = customer_by(imp, imp->by_email, email);
		if (id == 0)
			id = customer_by(imp, imp->by_phone, phone);
	}
	if (id == 0) {
		/* created_at defaults to now; status to lead (buying makes a customer). */
		if (v[C_CREATED].type == V_NULL)
			val_text(&v[C_CREATED], crm_xstrdup(imp->opt->now));
		if (v[C_STATUS].type == V_NULL)
			val_text(&v[C_STATUS], crm_xstrdup("lead"));
		bind_vals(imp->store, imp->sql.insert, v, C_NCOLS);
		bind_common(imp, imp->sql.insert, NULL, 0);
		run(imp->store, imp->sql.insert);
		id = sqlite3_last_insert_rowid(crm_store_db(imp->store));
		if (ext) {
			const char *k = ext_key(imp, ext, &klen);

			crm_hash_put(imp->ext_ids, k, klen, id);
		}
		out = ADDED;
	} else {
		out = update_row(imp, &imp->sql, v, id);
	}
	touch_customer(imp, id);
	imp->counts.added += out == ADDED;
	imp->counts.updated += out == UPDATED;
	imp->counts.unchanged += out == UNCHANGED;
	return NULL;
}

/* ---- orders, interactions, tickets ---- */

/* Find (or with --create-missing make) the customer a row belongs to.
 * Returns the rowid, or 0 with the reason set. when is the row's date, used
 * as created_at of a customer made here. */
static int64_t
row_customer(crm_importer *imp, const char *when)
{
	char *ref = id_of(imp, F_CUSTOMER_REF);
	char *email = NULL, *emails_x = NULL, *phone = NULL, *phones_x = NULL;
	int64_t id = 0, found;
	size_t klen;
	const char *k;
	struct val cv[C_NCOLS];

	imp->created_now = false;

	if (contacts(imp, F_EMAIL, &email, &emails_x) != 0 ||
	    contacts(imp, F_PHONE, &phone, &phones_x) != 0) {
		free(ref);
		free(email);
		free(emails_x);
		return 0;
	}
	if (ref) {
		k = ext_key(imp, ref, &klen);
		if (crm_hash_get(imp->ext_ids, k, klen, &found))
			id = found < 0 ? survivor(imp, -found) : found;
	}
	if (id == 0)
		id = customer_by(imp, imp->by_email, email);
	if (id == 0)
		id = customer_by(imp, imp->by_phone, phone);
	if (id != 0) {
		/* found */
	} else if (ref == NULL && email == NULL && phone == NULL) {
		reject(imp, "no customer id, e-mail or phone to find the customer by");
	} else if (!imp->opt->create_missing) {
		reject(imp, "unknown customer \"%s\" (no customer with that id, e-mail or phone; "
		       "import the customers first, or use --create-missing)",
		       ref ? ref : email ? email : phone);
	} else {
		memset(cv, 0, sizeof cv);
		val_text(&cv[C_EXT], ref);
		ref = NULL;
		val_text(&cv[C_SOURCE], crm_xstrdup(imp->opt->source));
		val_text(&cv[C_NAME], text_of(imp, F_NAME));
		val_text(&cv[C_EMAIL], email);
		val_text(&cv[C_EMAILS_X], emails_x);
		val_text(&cv[C_PHONE], phone);
		val_text(&cv[C_PHONES_X], phones_x);
		email = emails_x = phone = phones_x = NULL;
		val_text(&cv[C_STATUS], crm_xstrdup(imp->new_status ? imp->new_status : "lead"));
		val_text(&cv[C_CREATED], crm_xstrdup(when && *when ? when : imp->opt->now));
		imp->created_now = true;
		bind_vals(imp->store, imp->cust_sql.insert, cv, C_NCOLS);
		bind_common(imp, imp->cust_sql.insert, NULL, 0);
		run(imp->store, imp->cust_sql.insert);
		id = sqlite3_last_insert_rowid(crm_store_db(imp->store));
		if (cv[C_EXT].type == V_TEXT) {
			k = ext_key(imp, cv[C_EXT].s, &klen);
			crm_hash_put(imp->ext_ids, k, klen, id);
		}
		vals_clear(cv, C_NCOLS);
		imp->counts.customers_created++;
	}
	free(ref);
	free(email);
	free(emails_x);
	free(phone);
	free(phones_x);
	if (id)
		touch_customer(imp, id);
	return id;
}

/* The unique key: "tag\x1fsource\x1fnumber" when the row has a number, else
 * a derived "tag\x1f~<hash of parts>#<occurrence in this file>". parts is
 * only read when there is no number. Owned by imp, valid until the next row. */
static const char *
row_key(crm_importer *imp, char tag, const char *number, const crm_buf *parts)
{
	char base[64];
	int64_t occ;

	crm_buf_reset(&imp->key);
	if (number) {
		crm_buf_putc(&imp->key, tag);
		crm_buf_putc(&imp->key, '\x1f');
		crm_buf_puts(&imp->key, imp->opt->source);
		crm_buf_putc(&imp->key, '\x1f');
		crm_buf_puts(&imp->key, number);
		return crm_buf_str(&imp->key);
	}
	snprintf(base, sizeof base, "%c\x1f~%016" PRIx64, tag,
	         crm_fnv1a(parts->data, parts->len, CRM_FNV_SEED));
	occ = crm_hash_add(imp->occurrences, base, strlen(base), 1);
	crm_buf_printf(&imp->key, "%s#%" PRId64, base, occ);
	return crm_buf_str(&imp->key);
}

/* Remember that customer id bought in this run: a bit per rowid keeps the
 * memory at an eighth of a byte per customer however many orders come. */
static void
mark_buyer(crm_importer *imp, int64_t id)
{
	size_t byte = (size_t)id / 8, n;

	if (byte >= imp->buyers_bytes) {
		n = imp->buyers_bytes ? imp->buyers_bytes : 1024;
		while (n <= byte)
			n *= 2;
		imp->buyers = crm_xreallocarray(imp->buyers, n, 1);
		memset(imp->buyers + imp->buyers_bytes, 0, n - imp->buyers_bytes);
		imp->buyers_bytes = n;
	}
	imp->buyers[byte] |= (unsigned char)(1u << (id % 8));
}

static void
count(crm_importer *imp, enum outcome out)
{
	imp->counts.added += out == ADDED;
	imp->counts.updated += out == UPDATED;
	imp->counts.unchanged += out == UNCHANGED;
}

static const char *
import_order(crm_importer *imp)
{
	struct val *v = imp->vals;
	struct crm_datetime dt;
	struct crm_money m;
	char date[32], word[32], amount[40];
	const char *w, *r, *cur;
	char *currency = NULL;
	const char *key;
	bool bad = false;
	int64_t cust, row_id;

	vals_clear(v, O_NCOLS);
	if ((w = date_field(imp, F_ORDERED_AT, &dt, date, &bad)) == NULL)
		return crm_buf_str(&imp->reason);
	if (*w == '\0')
		return reject(imp, "column \"%s\" is empty: an order needs a date",
		              header(imp, F_ORDERED_AT));
	val_text(&v[O_AT], crm_xstrdup(w));
	r = raw(imp, F_AMOUNT);
	if (r == NULL)
		return reject(imp, "column \"%s\" is empty: an order needs an amount",
		              header(imp, F_AMOUNT));
	if (raw(imp, F_CURRENCY)) {
		currency = crm_text_fold_width(raw(imp, F_CURRENCY));
		for (char *p = currency; p && *p; p++)
			*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	}
	if (crm_money_parse(r, currency ? currency : imp->opt->cfg->currency, &m) != 0) {
		free(currency);
		return reject(imp, "column \"%s\": cannot read \"%s\" as an amount",
		              header(imp, F_AMOUNT), r);
	}
	cur = m.currency[0] ? m.currency : currency ? currency : imp->opt->cfg->currency;
	if (currency && m.currency[0] && strcmp(currency, m.currency) != 0) {
		reject(imp, "column \"%s\": amount \"%s\" is in %s but the currency column says %s",
		       header(imp, F_AMOUNT), r, m.currency, currency);
		free(currency);
		return crm_buf_str(&imp->reason);
	}
	if (crm_config_rate(imp->opt->cfg, cur) < 0) {
		reject(imp, "currency %s has no exchange rate (add exchange_rates.%s to the "
		       "config; base currency is %s)", cur, cur, imp->opt->cfg->currency);
		free(currency);
		return crm_buf_str(&imp->reason);
	}
	val_text(&v[O_CURRENCY], crm_xstrdup(cur));
	free(currency);
	w = word_of(imp, F_STATUS, crm_vocab_order_status, word, sizeof word, &bad);
	if (bad)
		return reject(imp, "column \"%s\": \"%s\" is not an order status (paid, refunded, "
		              "cancelled)", header(imp, F_STATUS), raw(imp, F_STATUS));
	/* A negative amount is a refund row; it may not claim to be paid. */
	if (m.minor < 0) {
		if (w && strcmp(w, "refunded") != 0)
			return reject(imp, "column \"%s\": negative amount \"%s\" on a %s order",
			              header(imp, F_AMOUNT), r, w);
		w = "refunded";
		m.minor = -m.minor;
	}
	val_int(&v[O_AMOUNT], m.minor);
	val_text(&v[O_STATUS], crm_xstrdup(w ? w : "paid"));
	if (int_field(imp, F_QUANTITY, 0, INT32_MAX, &v[O_QTY]) != 0)
		return crm_buf_str(&imp->reason);
	val_text(&v[O_NO], id_of(imp, F_ORDER_NO));
	val_text(&v[O_PRODUCT], text_of(imp, F_PRODUCT));
	val_text(&v[O_CATEGORY], text_of(imp, F_CATEGORY));
	val_text(&v[O_CHANNEL], text_of(imp, F_CHANNEL));
	val_text(&v[O_EXTRA], extra_json(imp));
	imp->new_status = strcmp(v[O_STATUS].s, "paid") == 0 ? "customer" : "lead";
	cust = row_customer(imp, v[O_AT].s);
	imp->new_status = NULL;
	if (cust == 0)
		return crm_buf_str(&imp->reason);
	val_int(&v[O_CUSTOMER], cust);
	crm_buf_reset(&imp->scratch);
	if (v[O_NO].type != V_TEXT) {
		crm_money_format(m.minor, cur, amount);
		crm_buf_printf(&imp->scratch, "%" PRId64 "|%s|%s|%s|%s", cust, v[O_AT].s, amount,
		               cur, v[O_STATUS].s);
	}
	key = row_key(imp, 'o', v[O_NO].type == V_TEXT ? v[O_NO].s : NULL, &imp->scratch);
	count(imp, upsert(imp, &imp->sql, v, key, &row_id));
	/* A customer this row created was created as what the order makes it. */
	if (strcmp(v[O_STATUS].s, "paid") == 0 && !imp->created_now)
		mark_buyer(imp, cust);
	return NULL;
}

static const char *
import_interaction(crm_importer *imp)
{
	struct val *v = imp->vals;
	struct crm_datetime dt;
	char date[32], chan[32], dir[32], kind[32];
	const char *w, *c, *d, *k;
	const char *key;
	bool bad = false;
	int64_t cust, row_id;

	vals_clear(v, I_NCOLS);
	if ((w = date_field(imp, F_AT, &dt, date, &bad)) == NULL)
		return crm_buf_str(&imp->reason);
	if (*w == '\0')
		return reject(imp, "column \"%s\" is empty: an interaction needs a date",
		              header(imp, F_AT));
	val_text(&v[I_AT], crm_xstrdup(w));
	c = word_of(imp, F_CHANNEL, crm_vocab_channel, chan, sizeof chan, &bad);
	if (bad)
		return reject(imp, "column \"%s\": \"%s\" is not a channel (phone, email, sms, "
		              "wechat, line, visit, other)", header(imp, F_CHANNEL),
		              raw(imp, F_CHANNEL));
	d = word_of(imp, F_DIRECTION, crm_vocab_direction, dir, sizeof dir, &bad);
	if (bad)
		return reject(imp, "column \"%s\": \"%s\" is not a direction (in, out)",
		              header(imp, F_DIRECTION), raw(imp, F_DIRECTION));
	k = word_of(imp, F_INTERACTION_KIND, crm_vocab_interaction_kind, kind, sizeof kind, &bad);
	if (bad)
		return reject(imp, "column \"%s\": \"%s\" is not an interaction kind (call, "
		              "meeting, message, note, survey)", header(imp, F_INTERACTION_KIND),
		              raw(imp, F_INTERACTION_KIND));
	if (int_field(imp, F_CSAT, 1, 5, &v[I_CSAT]) != 0 ||
	    int_field(imp, F_NPS, 0, 10, &v[I_NPS]) != 0)
		return crm_buf_str(&imp->reason);
	if (k == NULL)
		k = v[I_CSAT].type == V_INT || v[I_NPS].type == V_INT ? "survey" : "note";
	val_text(&v[I_CHANNEL], crm_xstrdup(c ? c : "other"));
	val_text(&v[I_DIRECTION], d ? crm_xstrdup(d) : NULL);
	val_text(&v[I_KIND], crm_xstrdup(k));
	val_text(&v[I_OWNER], text_of(imp, F_OWNER));
	val_text(&v[I_SUMMARY], text_of(imp, F_SUMMARY));
	val_text(&v[I_EXTRA], extra_json(imp));
	if ((cust = row_customer(imp, v[I_AT].s)) == 0)
		return crm_buf_str(&imp->reason);
	val_int(&v[I_CUSTOMER], cust);
	crm_buf_reset(&imp->scratch);
	crm_buf_printf(&imp->scratch, "%" PRId64 "|%s|%s|%s|%s", cust, v[I_AT].s, v[I_CHANNEL].s,
	               v[I_KIND].s, v[I_SUMMARY].type == V_TEXT ? v[I_SUMMARY].s : "");
	key = row_key(imp, 'i', NULL, &imp->scratch);
	count(imp, upsert(imp, &imp->sql, v, key, &row_id));
	return NULL;
}

static const char *
import_ticket(crm_importer *imp)
{
	struct val *v = imp->vals;
	struct crm_datetime opened, resolved;
	char odate[32], rdate[32], sev[32], st[32];
	const char *w, *s, *r;
	const char *key;
	bool bad = false;
	int64_t cust, row_id;

	vals_clear(v, T_NCOLS);
	if ((w = date_field(imp, F_OPENED_AT, &opened, odate, &bad)) == NULL)
		return crm_buf_str(&imp->reason);
	if (*w == '\0')
		return reject(imp, "column \"%s\" is empty: a ticket needs the date it was opened",
		              header(imp, F_OPENED_AT));
	val_text(&v[T_OPENED], crm_xstrdup(w));
	if ((r = date_field(imp, F_RESOLVED_AT, &resolved, rdate, &bad)) == NULL)
		return crm_buf_str(&imp->reason);
	if (*r && (resolved.days < opened.days ||
	           (resolved.days == opened.days && resolved.secs < opened.secs)))
		return reject(imp, "column \"%s\": resolved %s before it was opened %s",
		              header(imp, F_RESOLVED_AT), rdate, odate);
	val_text(&v[T_RESOLVED], *r ? crm_xstrdup(r) : NULL);
	s = word_of(imp, F_SEVERITY, crm_vocab_severity, sev, sizeof sev, &bad);
	if (bad)
		return reject(imp, "column \"%s\": \"%s\" is not a severity (low, normal, high, "
		              "urgent)", header(imp, F_SEVERITY), raw(imp, F_SEVERITY));
	w = word_of(imp, F_STATUS, crm_vocab_ticket_status, st, sizeof st, &bad);
	if (bad)
		return reject(imp, "column \"%s\": \"%s\" is not a ticket status (open, resolved, "
		              "closed)", header(imp, F_STATUS), raw(imp, F_STATUS));
	if (w == NULL)
		w = *r ? "resolved" : "open";
	if (int_field(imp, F_CSAT, 1, 5, &v[T_CSAT]) != 0)
		return crm_buf_str(&imp->reason);
	val_text(&v[T_SEVERITY], crm_xstrdup(s ? s : "normal"));
	val_text(&v[T_STATUS], crm_xstrdup(w));
	val_text(&v[T_NO], id_of(imp, F_TICKET_NO));
	val_text(&v[T_CATEGORY], text_of(imp, F_CATEGORY));
	val_text(&v[T_OWNER], text_of(imp, F_OWNER));
	val_text(&v[T_SUMMARY], text_of(imp, F_SUMMARY));
	val_text(&v[T_EXTRA], extra_json(imp));
	if ((cust = row_customer(imp, v[T_OPENED].s)) == 0)
		return crm_buf_str(&imp->reason);
	val_int(&v[T_CUSTOMER], cust);
	crm_buf_reset(&imp->scratch);
	crm_buf_printf(&imp->scratch, "%" PRId64 "|%s|%s|%s", cust, v[T_OPENED].s,
	               v[T_CATEGORY].type == V_TEXT ? v[T_CATEGORY].s : "",
	               v[T_SUMMARY].type == V_TEXT ? v[T_SUMMARY].s : "");
	key = row_key(imp, 't', v[T_NO].type == V_TEXT ? v[T_NO].s : NULL, &imp->scratch);
	count(imp, upsert(imp, &imp->sql, v, key, &row_id));
	return NULL;
}

/* ---- the run ---- */

static void
load_external_ids(crm_importer *imp)
{
	sqlite3_stmt *st = crm_store_prepare(imp->store,
		"SELECT external_id, CASE WHEN merged_into IS NULL THEN id ELSE -id END "
		"FROM customers WHERE source = ?1 AND external_id IS NOT NULL");
	const char *ext, *k;
	size_t klen;
	sqlite3_stmt *count = crm_store_prepare(imp->store, "SELECT coalesce(max(id), 0) FROM customers");

	/* Size the map once (max(id) bounds the count and costs no scan). */
	if (crm_store_step(imp->store, count) == SQLITE_ROW)
		crm_hash_reserve(imp->ext_ids, (size_t)sqlite3_column_int64(count, 0));
	sqlite3_finalize(count);
	sqlite3_bind_text(st, 1, imp->opt->source, -1, SQLITE_STATIC);
	while (crm_store_step(imp->store, st) == SQLITE_ROW) {
		ext = (const char *)sqlite3_column_text(st, 0);
		k = ext_key(imp, ext, &klen);
		crm_hash_put(imp->ext_ids, k, klen, sqlite3_column_int64(st, 1));
	}
	sqlite3_finalize(st);
}

/* A big file goes faster when the indexes it does not read are built once at
 * the end (a sort) than kept up to date row by row (a random B-tree insert
 * each): orders_customer for an order file; for a customer file, the external
 * id index (the run looks ids up in its own map) and the e-mail, phone and
 * merged_into ones (e-mail and phone come back at once if a row without an
 * id needs them). Worth it when the file adds at least 50,000 rows and more
 * than half as many as the table holds; every index is back before the
 * transaction commits. */
static void
maybe_drop_indexes(crm_importer *imp)
{
	sqlite3_stmt *st;
	int64_t stored = 0;
	bool orders = imp->map->kind == CRM_KIND_ORDERS;

	if (imp->opt->expected_rows < 50000 || (!orders && imp->map->kind != CRM_KIND_CUSTOMERS))
		return;
	st = crm_store_prepare(imp->store, orders ? "SELECT coalesce(max(id), 0) FROM orders"
	                                          : "SELECT coalesce(max(id), 0) FROM customers");
	if (crm_store_step(imp->store, st) == SQLITE_ROW)
		stored = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (imp->opt->expected_rows * 2 < stored)
		return;
	if (orders) {
		crm_store_exec(imp->store, "DROP INDEX IF EXISTS orders_customer");
		imp->rebuild_index = true;
		return;
	}
	crm_store_exec(imp->store, "DROP INDEX IF EXISTS customers_external");
	crm_store_exec(imp->store, "DROP INDEX IF EXISTS customers_email");
	crm_store_exec(imp->store, "DROP INDEX IF EXISTS customers_phone");
	crm_store_exec(imp->store, "DROP INDEX IF EXISTS customers_merged");
	imp->rebuild_customers = imp->contacts_unindexed = true;
}

/* Before a lookup by e-mail or phone: their indexes must exist. */
static void
need_contact_indexes(crm_importer *imp)
{
	if (!imp->contacts_unindexed)
		return;
	crm_store_exec(imp->store, CRM_INDEX_CUSTOMERS_EMAIL);
	crm_store_exec(imp->store, CRM_INDEX_CUSTOMERS_PHONE);
	imp->contacts_unindexed = false;
}

crm_importer *
crm_import_start(crm_store *s, const struct crm_import_options *o, const struct crm_mapping *m,
                 const char *file)
{
	crm_importer *imp = crm_xcalloc(1, sizeof *imp);

	imp->store = s;
	imp->opt = o;
	imp->map = m;
	imp->table = tables[m->kind];
	prepare_table(s, imp->table, &imp->sql);
	prepare_table(s, &customers_table, &imp->cust_sql);
	imp->by_email = crm_store_prepare(s, "SELECT coalesce(merged_into, id) FROM customers "
	                                  "WHERE email = ?1 ORDER BY merged_into IS NOT NULL, id LIMIT 1");
	imp->by_phone = crm_store_prepare(s, "SELECT coalesce(merged_into, id) FROM customers "
	                                  "WHERE phone = ?1 ORDER BY merged_into IS NOT NULL, id LIMIT 1");
	imp->resolve = crm_store_prepare(s, "SELECT merged_into FROM customers WHERE id = ?1");
	imp->ext_ids = crm_hash_new();
	imp->occurrences = crm_hash_new();
	imp->vocab = crm_vocab_new();
	load_external_ids(imp);

	maybe_drop_indexes(imp);

	imp->log_insert = crm_store_prepare(s, "INSERT INTO imports(kind, file, sha256, source, "
	                                    "started_at) VALUES (?1, ?2, '', ?3, ?4)");
	crm_store_bind_text(s, imp->log_insert, 1, crm_kind_name(m->kind));
	crm_store_bind_text(s, imp->log_insert, 2, file);
	sqlite3_bind_text(imp->log_insert, 3, o->source, -1, SQLITE_STATIC);
	crm_store_bind_text(s, imp->log_insert, 4, o->now);
	run(s, imp->log_insert);
	imp->import_id = sqlite3_last_insert_rowid(crm_store_db(s));
	return imp;
}

const char *
crm_import_row(crm_importer *imp, const char *const *fields, size_t n)
{
	const char *why;

	imp->counts.read++;
	imp->fields = fields;
	imp->nfields = n;
	if (n != imp->map->ncols) {
		why = reject(imp, "row has %zu field%s; the header has %zu", n, n == 1 ? "" : "s",
		             imp->map->ncols);
	} else {
		switch (imp->map->kind) {
		case CRM_KIND_CUSTOMERS:
			why = import_customer(imp);
			break;
		case CRM_KIND_ORDERS:
			why = import_order(imp);
			break;
		case CRM_KIND_INTERACTIONS:
			why = import_interaction(imp);
			break;
		default:
			why = import_ticket(imp);
			break;
		}
	}
	if (why)
		imp->counts.rejected++;
	return why;
}

void
crm_import_expect(crm_importer *imp, long long rows)
{
	if (imp->map->kind == CRM_KIND_CUSTOMERS && rows > 0)
		crm_hash_reserve(imp->ext_ids, crm_hash_count(imp->ext_ids) + (size_t)rows);
}

void
crm_import_count_reject(crm_importer *imp)
{
	imp->counts.read++;
	imp->counts.rejected++;
}

/* Leads with a paid order from this run become customers. Which ones, with
 * their updated_at, is kept for --undo in one import_undo row (tbl
 * "customers_promoted"), except for customers this run created, which undo
 * deletes.
 * The ids go through a temporary table so the work is two statements. */
static void
promote_buyers(crm_importer *imp)
{
	crm_store *s = imp->store;
	sqlite3_stmt *add, *st;
	size_t i;

	if (imp->buyers_bytes == 0)
		return;
	crm_store_exec(s, "CREATE TEMP TABLE IF NOT EXISTS buyers(id INTEGER PRIMARY KEY)");
	crm_store_exec(s, "DELETE FROM temp.buyers");
	add = crm_store_prepare(s, "INSERT INTO temp.buyers(id) VALUES (?1)");
	for (i = 0; i < imp->buyers_bytes * 8; i++) {
		if (!(imp->buyers[i / 8] & (1u << (i % 8))))
			continue;
		crm_store_bind_int(s, add, 1, (int64_t)i);
		run(s, add);
	}
	sqlite3_finalize(add);
	/* One undo record for all of them: [[id, updated_at], ...]. */
	st = crm_store_prepare(s, "INSERT INTO import_undo(import_id, tbl, row_id, old) "
	                       "SELECT ?32, 'customers_promoted', 0, "
	                       "json_group_array(json_array(id, updated_at)) FROM customers "
	                       "WHERE status = 'lead' AND import_id IS NOT ?32 "
	                       "AND id IN (SELECT id FROM temp.buyers) HAVING count(*) > 0");
	bind_common(imp, st, NULL, 0);
	run(s, st);
	sqlite3_finalize(st);
	st = crm_store_prepare(s, "UPDATE customers SET status = 'customer', updated_at = ?31 "
	                       "WHERE status = 'lead' AND id IN (SELECT id FROM temp.buyers)");
	bind_common(imp, st, NULL, 0);
	run(s, st);
	sqlite3_finalize(st);
	crm_store_exec(s, "DELETE FROM temp.buyers");
}

int64_t
crm_import_finish(crm_importer *imp, const char *sha256_hex, struct crm_import_counts *counts)
{
	crm_store *s = imp->store;
	sqlite3_stmt *st;
	const struct crm_import_counts *c = &imp->counts;

	/* The maps are done with: free them before SQLite's sorter builds the
	 * index, so the two never add up in the peak memory. */
	crm_hash_free(imp->ext_ids);
	crm_hash_free(imp->occurrences);
	crm_vocab_free(imp->vocab);
	imp->ext_ids = imp->occurrences = NULL;
	imp->vocab = NULL;
	/* SQLite's sorter takes as much memory again as the page cache: shrink
	 * the cache while indexes are built, so the two never add up. */
	if (imp->rebuild_index || imp->rebuild_customers)
		crm_store_exec(s, "PRAGMA cache_size = -16384");
	if (imp->rebuild_index) {
		crm_store_exec(s, CRM_INDEX_ORDERS_CUSTOMER);
		imp->rebuild_index = false;
	}
	if (imp->rebuild_customers) {
		need_contact_indexes(imp);
		crm_store_exec(s, CRM_INDEX_CUSTOMERS_EXTERNAL);
		crm_store_exec(s, CRM_INDEX_CUSTOMERS_MERGED);
		imp->rebuild_customers = false;
	}
	crm_store_exec(s, CRM_STORE_CACHE_PRAGMA);  /* back to what crm_store_open set */
	if (imp->map->kind == CRM_KIND_ORDERS)
		promote_buyers(imp);
	st = crm_store_prepare(s, "UPDATE imports SET sha256 = ?1, rows_read = ?2, rows_new = ?3, "
	                       "rows_updated = ?4, rows_unchanged = ?5, rows_rejected = ?6, "
	                       "customers_created = ?7 WHERE id = ?8");
	crm_store_bind_text(s, st, 1, sha256_hex);
	crm_store_bind_int(s, st, 2, c->read);
	crm_store_bind_int(s, st, 3, c->added);
	crm_store_bind_int(s, st, 4, c->updated);
	crm_store_bind_int(s, st, 5, c->unchanged);
	crm_store_bind_int(s, st, 6, c->rejected);
	crm_store_bind_int(s, st, 7, c->customers_created);
	crm_store_bind_int(s, st, 8, imp->import_id);
	run(s, st);
	sqlite3_finalize(st);
	if (counts)
		*counts = imp->counts;
	return imp->import_id;
}

const int64_t *
crm_import_customers(crm_importer *imp, size_t *n)
{
	id_sort_unique(imp->touched, &imp->ntouched);
	*n = imp->ntouched;
	return imp->touched;
}

void
crm_import_free(crm_importer *imp)
{
	if (imp == NULL)
		return;
	vals_clear(imp->vals, 24);
	finalize_table(&imp->sql);
	finalize_table(&imp->cust_sql);
	sqlite3_finalize(imp->by_email);
	sqlite3_finalize(imp->by_phone);
	sqlite3_finalize(imp->resolve);
	sqlite3_finalize(imp->log_insert);
	crm_hash_free(imp->ext_ids);
	crm_hash_free(imp->occurrences);
	crm_vocab_free(imp->vocab);
	crm_buf_free(&imp->reason);
	crm_buf_free(&imp->scratch);
	crm_buf_free(&imp->key);
	free(imp->touched);
	free(imp->buyers);
	free(imp);
}

/* ---- undo, list, emit ---- */

/* "UPDATE t SET c = json_extract(?1, '$.c'), ... WHERE id = ?2" */
static char *
sql_restore(const struct table *t)
{
	crm_buf b = {0};
	int i;

	/* A column absent from the snapshot keeps its value (json_type is NULL
	 * for a missing key, 'null' for a stored NULL). */
	crm_buf_printf(&b, "UPDATE %s SET ", t->name);
	for (i = 0; t->cols[i]; i++)
		crm_buf_printf(&b, "%s%s = CASE WHEN json_type(?1, '$.%s') IS NULL THEN %s "
		               "ELSE json_extract(?1, '$.%s') END", i ? ", " : "", t->cols[i],
		               t->cols[i], t->cols[i], t->cols[i]);
	if (t->touch_col)
		crm_buf_printf(&b, ", %s = CASE WHEN json_type(?1, '$.%s') IS NULL THEN %s "
		               "ELSE json_extract(?1, '$.%s') END", t->touch_col, t->touch_col,
		               t->touch_col, t->touch_col);
	crm_buf_puts(&b, " WHERE id = ?2");
	return b.data;
}

int
crm_import_undo(crm_store *s, int64_t id, const char *now)
{
	sqlite3_stmt *st, *demote;
	sqlite3_stmt *restore[CRM_NKINDS];
	char *sql;
	int k, rc;
	static const char *const deletes[] = {
		"DELETE FROM orders WHERE import_id = ?1",
		"DELETE FROM interactions WHERE import_id = ?1",
		"DELETE FROM tickets WHERE import_id = ?1",
		"DELETE FROM customers WHERE import_id = ?1",
	};

	st = crm_store_prepare(s, "SELECT undone_at FROM imports WHERE id = ?1");
	crm_store_bind_int(s, st, 1, id);
	if (crm_store_step(s, st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		crm_warn("no import %" PRId64 " (see crm-import --list)", id);
		return CRM_EX_DATAERR;
	}
	if (sqlite3_column_type(st, 0) != SQLITE_NULL) {
		crm_warn("import %" PRId64 " was already undone at %s", id,
		         (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
		return CRM_EX_DATAERR;
	}
	sqlite3_finalize(st);

	/* Put changed rows back, newest change first, so the oldest snapshot wins. */
	for (k = 0; k < CRM_NKINDS; k++) {
		sql = sql_restore(tables[k]);
		restore[k] = crm_store_prepare(s, sql);
		free(sql);
	}
	demote = crm_store_prepare(s, "UPDATE customers SET status = 'lead', "
	                           "updated_at = json_extract(j.value, '$[1]') FROM json_each(?1) AS j "
	                           "WHERE customers.id = json_extract(j.value, '$[0]')");
	st = crm_store_prepare(s, "SELECT tbl, row_id, old FROM import_undo WHERE import_id = ?1 "
	                       "ORDER BY rowid DESC");
	crm_store_bind_int(s, st, 1, id);
	while (crm_store_step(s, st) == SQLITE_ROW) {
		const char *tbl = (const char *)sqlite3_column_text(st, 0);

		if (strcmp(tbl, "customers_promoted") == 0) {
			crm_store_bind_text(s, demote, 1, (const char *)sqlite3_column_text(st, 2));
			run(s, demote);
			continue;
		}

		for (k = 0; k < CRM_NKINDS; k++) {
			if (strcmp(tbl, tables[k]->name) != 0)
				continue;
			crm_store_bind_text(s, restore[k], 1, (const char *)sqlite3_column_text(st, 2));
			crm_store_bind_int(s, restore[k], 2, sqlite3_column_int64(st, 1));
			run(s, restore[k]);
		}
	}
	sqlite3_finalize(st);
	sqlite3_finalize(demote);
	for (k = 0; k < CRM_NKINDS; k++)
		sqlite3_finalize(restore[k]);

	/* Then remove what it added; customers last (orders point at them). */
	for (k = 0; k < 4; k++) {
		st = crm_store_prepare(s, deletes[k]);
		crm_store_bind_int(s, st, 1, id);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if ((rc & 0xff) == SQLITE_CONSTRAINT) {
			crm_warn("cannot undo import %" PRId64 ": customers it added have orders, "
			         "interactions or tickets from later imports; undo those first", id);
			return CRM_EX_DATAERR;
		}
		if (rc != SQLITE_DONE)
			crm_store_die(s, rc, "undo");
	}
	st = crm_store_prepare(s, "UPDATE imports SET undone_at = ?2 WHERE id = ?1");
	crm_store_bind_int(s, st, 1, id);
	crm_store_bind_text(s, st, 2, now);
	run(s, st);
	sqlite3_finalize(st);
	return 0;
}

void
crm_import_list(crm_store *s, crm_csv_writer *w)
{
	static const char *const head[] = {
		"import_id", "started_at", "kind", "file", "source", "sha256", "rows", "new",
		"updated", "unchanged", "rejected", "customers_created", "undone_at",
	};
	sqlite3_stmt *st = crm_store_prepare(s,
		"SELECT id, started_at, kind, file, source, sha256, rows_read, rows_new, rows_updated,"
		" rows_unchanged, rows_rejected, customers_created, undone_at FROM imports ORDER BY id");
	int i;

	crm_csv_write_row(w, head, sizeof head / sizeof head[0]);
	while (crm_store_step(s, st) == SQLITE_ROW) {
		for (i = 0; i < 13; i++)
			crm_csv_write_field(w, (const char *)sqlite3_column_text(st, i));
		crm_csv_end_row(w);
	}
	sqlite3_finalize(st);
}

void
crm_customers_emit(crm_store *s, int64_t *ids, size_t n, crm_csv_writer *w)
{
	static const char *const head[] = {
		"customer_id", "external_id", "name", "company", "email", "phone", "city",
		"region", "owner", "status",
	};
	sqlite3_stmt *st = crm_store_prepare(s,
		"SELECT id, external_id, name, company, email, phone, city, region, owner, status "
		"FROM customers WHERE id = ?1");
	size_t i;
	int c;

	id_sort_unique(ids, &n);  /* several files may name the same customer */
	crm_csv_write_row(w, head, sizeof head / sizeof head[0]);
	for (i = 0; i < n; i++) {
		crm_store_bind_int(s, st, 1, ids[i]);
		if (crm_store_step(s, st) == SQLITE_ROW) {
			for (c = 0; c < 10; c++)
				crm_csv_write_field(w, (const char *)sqlite3_column_text(st, c));
			crm_csv_end_row(w);
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
}
