/* import — normalise rows, resolve customers, insert/update with undo data (see import.h). */
#include "import.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "diag.h"
#include "hash.h"
#include "money.h"
#include "phone.h"
#include "pipe.h"
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

/*
 * The run is a two-stage pipeline. The calling thread (the reader) does the
 * per-row work that needs neither the store nor the run's lookup state:
 * fields into values (dates, amounts, phones, e-mails, text cleaning,
 * vocabulary words), keys that do not depend on the customer, and the
 * reason a row is refused for a bad field. It copies what it made, with the
 * record's raw bytes, into a batch. A writer thread takes the batches in
 * order and does the rest: customer resolution (the external-id map, e-mail
 * and phone look-ups, --create-missing), derived keys with their occurrence
 * counts, every insert and update, the counts, and the reject file, in input
 * order. At most NBATCHES batches are in flight, so memory does not grow
 * with the file.
 *
 * SQLite is set up SQLITE_CONFIG_SINGLETHREAD (store.c): its connection has
 * no mutexes, so only one thread may use it at a time. While the writer
 * runs it is the ONLY thread that touches the store: crm_import_start does
 * its SQL before the writer starts, crm_import_finish joins the writer
 * before it runs any, and nothing the reader calls between the two reaches
 * SQLite. The reader's state (vocab, reason, fields) and the writer's
 * (ext_ids, occurrences, counts, touched, buyers, statements) are kept
 * apart in struct crm_importer below; the batches are handed over through
 * pipe.h, whose mutex orders each hand-over.
 */

/* A value for one column: SQL NULL, text or integer. Text is never owned
 * by the value: it lives in the row's batch (or is a constant, or the run's
 * "now"), which outlives every statement step that binds it. */
struct val {
	enum { V_NULL, V_TEXT, V_INT } type;
	const char *s;   /* V_TEXT: NUL-terminated, len bytes */
	size_t len;
	int64_t i;
};

/* Text of one batch of rows, in chunks that never move (values point into
 * them). Reset keeps the first standard-size chunk for the next batch. */
#define CHUNK_BYTES (64 * 1024)

struct chunk {
	struct chunk *next;    /* the chunk filled before this one */
	size_t cap, used;
	char data[];
};

struct arena {
	struct chunk *head;    /* the chunk being filled */
	size_t used;           /* bytes handed out since the last reset */
};

/* One input row as the reader prepared it for the writer. */
struct prow {
	long line;             /* physical line where the record began */
	const char *raw;       /* the record's bytes as read, for the reject file */
	size_t raw_len;
	const char *why;       /* the reader's reason to refuse the row, or NULL */
	bool located;          /* why names its place itself (a workbook cell) */
	struct val v[C_NCOLS]; /* the table's columns (customers has the most) */
	const char *ext_key;   /* "source\x1fexternal id", the key of ext_ids, or NULL */
	size_t ext_len;
	uint64_t ext_hash;     /* its hash (crm_hash_key), for prefetching */
	/* orders, interactions, tickets: the customer the row names */
	const char *ref;       /* customer id (width-folded), or NULL */
	const char *email, *emails_x, *phone, *phones_x;
	const char *name;      /* for a customer --create-missing makes */
	const char *key;       /* the row's unique key (a number key from the reader,
	                          a derived one from the writer), or NULL */
	uint64_t key_hash;     /* the writer's hash of key, to tell keys apart quickly */
	const char *parts;     /* else what the derived key hashes after the customer id */
	size_t parts_len;
	bool paid;             /* an order with status paid */
};

/* Rows per batch, and the text size that closes a batch early: a batch
 * holds a few hundred rows, so the hand-over costs little per row, and the
 * pipeline stays within a few MB (plus the longest record). */
#define BATCH_ROWS 256
#define BATCH_BYTES (48 * 1024)
#define NBATCHES 8
/* Rows one insert_many statement stores (see insert_group). */
#define MANY 16

struct batch {
	struct prow row[BATCH_ROWS];
	size_t n;
	size_t reserve;        /* room to make in ext_ids first (crm_import_expect), or 0 */
	struct arena text;
};

/* Prepared statements for one table. */
struct table_sql {
	sqlite3_stmt *insert;    /* new row (keyed tables: ON CONFLICT DO NOTHING) */
	sqlite3_stmt *insert_many; /* MANY new rows at once (keyed tables) */
	sqlite3_stmt *find;      /* id by key (keyed tables) */
	sqlite3_stmt *snapshot;  /* old values into import_undo, when the row would change */
	sqlite3_stmt *update;    /* the change itself */
	int ncols;
};

struct crm_importer {
	/* Set by crm_import_start and crm_import_set_rejects, before the first
	 * batch is handed over; then read by both threads, written by neither. */
	crm_store *store;
	const struct crm_import_options *opt;
	const struct crm_mapping *map;
	const struct table *table;
	int64_t import_id;
	crm_rejects *rejects;          /* where refused rows go (borrowed), or NULL */
	const char *input_name;        /* the file's name in messages */
	const char *sheet;             /* the workbook sheet of the rows, or NULL */
	crm_buf redacted;              /* --redact: the reader's masked line */
	crm_buf shown, wshown;         /* a value as the reader's and the writer's
	                                  reasons show it (shown()) */

	/* The reader's (calling thread's) state. */
	crm_vocab *vocab;              /* status, channel, ... words, remembered */
	crm_buf reason;                /* the last rejection's reason */
	crm_buf rscratch;
	const char *const *fields;     /* the row being prepared */
	size_t nfields;
	struct prow *row;              /* where it goes */
	struct batch *fill;            /* the batch being filled, or NULL */
	long long rows_read;
	crm_pipe *pipe;                /* to the writer; NULL once finished */
	struct batch *batches[NBATCHES];

	/* The writer's state (the calling thread's before start and after finish). */
	struct table_sql sql;
	struct table_sql cust_sql;     /* customers, for --create-missing */
	sqlite3_stmt *by_email, *by_phone, *resolve, *log_insert;
	crm_hash *ext_ids;             /* source \x1f external id -> customer rowid */
	crm_hash *occurrences;         /* derived key -> times seen in this file */
	crm_buf wreason;               /* the writer's last rejection's reason */
	struct batch *wbatch;          /* the batch being stored */
	struct prow *pending[MANY];    /* rows of a keyed table waiting to be inserted */
	size_t npending;
	int64_t max_id;                /* the keyed table's largest rowid */
	crm_buf key;                   /* the current row's derived key */
	bool created_now;              /* row_customer created the row's customer */
	bool rebuild_index;            /* orders_customer dropped, to build at finish */
	bool rebuild_customers;        /* customers' indexes dropped, to build at finish */
	bool contacts_unindexed;       /* e-mail and phone indexes are dropped */
	struct crm_import_counts counts; /* all but read */
	int64_t *touched;              /* customer rowids this run touched */
	size_t ntouched, cap_touched;
	unsigned char *buyers;         /* bit per customer rowid: a paid order in this run */
	size_t buyers_bytes;
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

/* The insert of a keyed table for MANY rows at once: row r binds its
 * columns at ?(r*S+1)..?(r*S+ncols) and its key at ?(r*S+ncols+1), with S =
 * ncols + 1; the import id is ?(MANY*S+1). Keyed tables have no touch
 * column. One statement for many rows takes about a third less work in
 * SQLite than a statement per row.
 *
 * A statement that writes several rows and could fail half way makes
 * SQLite keep a statement journal: a temp-file copy of every page it
 * touches (2.7 GB of writes for 1M orders). So nothing in it may fail:
 * OR IGNORE instead of aborting on a constraint (a row it skips is one
 * insert_group finds missing, a fatal error, as none can be), and the
 * extra column bound without json() — extra_json's text is already what
 * json() returns (minimal, escaped, duplicates kept). */
static char *
sql_insert_many(const struct table *t, int ncols)
{
	crm_buf b = {0};
	int i, r, base, stride = ncols + 1;

	crm_buf_printf(&b, "INSERT OR IGNORE INTO %s(", t->name);
	for (i = 0; t->cols[i]; i++)
		crm_buf_printf(&b, "%s, ", t->cols[i]);
	crm_buf_printf(&b, "%s, import_id) VALUES ", t->key_col);
	for (r = 0; r < MANY; r++) {
		base = r * stride;
		crm_buf_puts(&b, r ? ", (" : "(");
		for (i = 0; t->cols[i]; i++)
			crm_buf_printf(&b, t->rules[i] == COL_TEXT0 ? "coalesce(?%d, ''), " : "?%d, ",
			               base + i + 1);
		crm_buf_printf(&b, "?%d, ?%d)", base + ncols + 1, MANY * stride + 1);
	}
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
		sql = sql_insert_many(t, q->ncols);
		q->insert_many = crm_store_prepare(s, sql);
		free(sql);
	}
}

static void
finalize_table(struct table_sql *q)
{
	sqlite3_finalize(q->insert_many);
	sqlite3_finalize(q->insert);
	sqlite3_finalize(q->find);
	sqlite3_finalize(q->snapshot);
	sqlite3_finalize(q->update);
}

/* ---- batches ---- */

/* n bytes from a, which never move until a is reset. */
static char *
arena_alloc(struct arena *a, size_t n)
{
	struct chunk *c = a->head;
	char *p;

	if (c == NULL || c->cap - c->used < n) {
		size_t cap = n > CHUNK_BYTES ? n : CHUNK_BYTES;

		if (cap > SIZE_MAX - sizeof *c)
			crm_die(CRM_EX_SOFTWARE, "out of memory");
		c = crm_xmalloc(sizeof *c + cap);
		c->next = a->head;
		c->cap = cap;
		c->used = 0;
		a->head = c;
	}
	p = c->data + c->used;
	c->used += n;
	a->used += n;
	return p;
}

/* A copy of s[0..n) with a NUL after it. */
static const char *
arena_copy(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* Forget everything; keep the first chunk when it has the standard size. */
static void
arena_reset(struct arena *a)
{
	struct chunk *c, *next, *keep = NULL;

	for (c = a->head; c; c = next) {
		next = c->next;
		if (next == NULL && c->cap == CHUNK_BYTES)
			keep = c;
		else
			free(c);
	}
	if (keep) {
		keep->used = 0;
		keep->next = NULL;
	}
	a->head = keep;
	a->used = 0;
}

static void
arena_free(struct arena *a)
{
	struct chunk *c, *next;

	for (c = a->head; c; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
}

/* The batch the reader fills, taken from the pipe (waiting for the writer
 * to give one back) when none is open. */
static struct batch *
open_batch(crm_importer *imp)
{
	struct batch *b = imp->fill;

	if (b == NULL) {
		b = imp->fill = crm_pipe_buffer(imp->pipe);
		b->n = 0;
		b->reserve = 0;
		arena_reset(&b->text);
	}
	return b;
}

/* Hand the open batch (if any) to the writer. */
static void
send_batch(crm_importer *imp)
{
	if (imp->fill == NULL)
		return;
	imp->fill = NULL;
	crm_pipe_put(imp->pipe);
}

/* A copy of s in the open batch; NULL stays NULL. */
static const char *
keep(crm_importer *imp, const char *s)
{
	return s ? arena_copy(&imp->fill->text, s, strlen(s)) : NULL;
}

/* ---- values ---- */

/* v is the text s (copied into the open batch), or NULL when s is NULL or empty. */
static void
val_copy(crm_importer *imp, struct val *v, const char *s)
{
	if (s == NULL || *s == '\0') {
		*v = (struct val){V_NULL, NULL, 0, 0};
		return;
	}
	v->type = V_TEXT;
	v->len = strlen(s);
	v->s = arena_copy(&imp->fill->text, s, v->len);
}

/* As val_copy, and free owned. */
static void
val_text(crm_importer *imp, struct val *v, char *owned)
{
	val_copy(imp, v, owned);
	free(owned);
}

/* The writer's values: text that outlives the batch (a constant, the row's
 * own text, the run's now), or NULL. */
static void
val_static(struct val *v, const char *s)
{
	if (s == NULL || *s == '\0')
		*v = (struct val){V_NULL, NULL, 0, 0};
	else
		*v = (struct val){V_TEXT, s, strlen(s), 0};
}

static void
val_int(struct val *v, int64_t i)
{
	*v = (struct val){V_INT, NULL, 0, i};
}

/* The text of v, or NULL. */
static const char *
val_str(const struct val *v)
{
	return v->type == V_TEXT ? v->s : NULL;
}

/* ---- statements (the writer's) ---- */

/* Bind v[0..n) to parameters ?base+1 .. ?base+n. */
static void
bind_vals_at(crm_store *s, sqlite3_stmt *st, int base, const struct val *v, int n)
{
	int i, rc;

	for (i = 0; i < n; i++) {
		/* The values outlive the step: SQLite need not copy them. */
		if (v[i].type == V_TEXT)
			rc = sqlite3_bind_text(st, base + i + 1, v[i].s, (int)v[i].len, SQLITE_STATIC);
		else if (v[i].type == V_INT)
			rc = sqlite3_bind_int64(st, base + i + 1, v[i].i);
		else
			rc = sqlite3_bind_null(st, base + i + 1);
		if (rc != SQLITE_OK)
			crm_store_die(s, rc, "bind");
	}
}

static void
bind_vals(crm_store *s, sqlite3_stmt *st, const struct val *v, int n)
{
	bind_vals_at(s, st, 0, v, n);
}

/* Run st to completion and reset it; returns sqlite3_changes(). */
static int
run(crm_store *s, sqlite3_stmt *st)
{
	int n;

	crm_store_step(s, st);
	n = sqlite3_changes(crm_store_db(s));
	sqlite3_reset(st);  /* bindings stay: each row binds its own anew */
	return n;
}

/* Bind the run-wide parameters ?31 now and ?32 import id: once per
 * statement, as reset keeps them. */
static void
bind_run(crm_importer *imp, sqlite3_stmt *st)
{
	int n = st ? sqlite3_bind_parameter_count(st) : 0;

	if (n >= 31 && sqlite3_bind_text(st, 31, imp->opt->now, -1, SQLITE_STATIC) != SQLITE_OK)
		crm_store_die(imp->store, SQLITE_ERROR, "bind");
	if (n >= 32)
		crm_store_bind_int(imp->store, st, 32, imp->import_id);
}

static void
bind_run_table(crm_importer *imp, struct table_sql *q)
{
	bind_run(imp, q->insert);
	bind_run(imp, q->snapshot);
	bind_run(imp, q->update);
	if (q->insert_many)
		crm_store_bind_int(imp->store, q->insert_many, MANY * (q->ncols + 1) + 1,
		                   imp->import_id);
}

/* Bind a row's ?30 key (when st has it and key is given) and ?33 row id. */
static void
bind_row(crm_importer *imp, sqlite3_stmt *st, const char *key, int64_t row_id)
{
	int n = sqlite3_bind_parameter_count(st);

	if (n >= 30 && key && sqlite3_bind_text(st, 30, key, -1, SQLITE_STATIC) != SQLITE_OK)
		crm_store_die(imp->store, SQLITE_ERROR, "bind");
	if (n >= 33)
		crm_store_bind_int(imp->store, st, 33, row_id);
}

enum outcome { ADDED, UPDATED, UNCHANGED };

static void
count(crm_importer *imp, enum outcome out)
{
	imp->counts.added += out == ADDED;
	imp->counts.updated += out == UPDATED;
	imp->counts.unchanged += out == UNCHANGED;
}

/* Update row_id with v when that changes anything, snapshotting first. */
static enum outcome
update_row(crm_importer *imp, struct table_sql *q, const struct val *v, int64_t row_id)
{
	bind_vals(imp->store, q->snapshot, v, q->ncols);
	bind_row(imp, q->snapshot, NULL, row_id);
	if (run(imp->store, q->snapshot) == 0)
		return UNCHANGED;
	bind_vals(imp->store, q->update, v, q->ncols);
	bind_row(imp, q->update, NULL, row_id);
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
	bind_row(imp, q->insert, key, 0);
	if (run(s, q->insert) == 1) {
		*row_id = imp->max_id = sqlite3_last_insert_rowid(crm_store_db(s));
		return ADDED;
	}
	if (sqlite3_bind_text(q->find, 1, key, -1, SQLITE_STATIC) != SQLITE_OK)
		crm_store_die(s, SQLITE_ERROR, "bind");
	if (crm_store_step(s, q->find) != SQLITE_ROW)
		crm_die(CRM_EX_SOFTWARE, "store: row with key %s vanished", key);
	*row_id = sqlite3_column_int64(q->find, 0);
	sqlite3_reset(q->find);
	return update_row(imp, q, v, *row_id);
}

/* Insert n rows of the keyed table (all keys distinct) with one statement
 * when there are MANY; rows whose key is stored already are updated. */
static void
insert_group(crm_importer *imp, struct prow *const *rows, size_t n)
{
	struct table_sql *q = &imp->sql;
	crm_store *s = imp->store;
	int stride = q->ncols + 1, added;
	int64_t before = imp->max_id, id;
	size_t r;

	/* A full rowid space (max rowid 2^63-1) makes SQLite pick rowids at
	 * random: then only a row at a time tells which rows were new. */
	if (n < MANY || before == INT64_MAX) {
		for (r = 0; r < n; r++)
			count(imp, upsert(imp, q, rows[r]->v, rows[r]->key, &id));
		return;
	}
	for (r = 0; r < n; r++) {
		bind_vals_at(s, q->insert_many, (int)r * stride, rows[r]->v, q->ncols);
		if (sqlite3_bind_text(q->insert_many, (int)r * stride + q->ncols + 1, rows[r]->key, -1,
		                      SQLITE_STATIC) != SQLITE_OK)
			crm_store_die(s, SQLITE_ERROR, "bind");
	}
	added = run(s, q->insert_many);
	if (added > 0)
		imp->max_id = sqlite3_last_insert_rowid(crm_store_db(s));
	imp->counts.added += added;
	if ((size_t)added == n)
		return;
	/* Some keys were stored already: the new rows got rowids above every
	 * older one, the others are updates. (A row the statement ignored for
	 * another reason would be missing: "vanished", exit 70.) */
	for (r = 0; r < n; r++) {
		if (sqlite3_bind_text(q->find, 1, rows[r]->key, -1, SQLITE_STATIC) != SQLITE_OK)
			crm_store_die(s, SQLITE_ERROR, "bind");
		if (crm_store_step(s, q->find) != SQLITE_ROW)
			crm_die(CRM_EX_SOFTWARE, "store: row with key %s vanished", rows[r]->key);
		id = sqlite3_column_int64(q->find, 0);
		sqlite3_reset(q->find);
		if (id <= before)
			count(imp, update_row(imp, q, rows[r]->v, id));
	}
}

/* Store the rows waiting for insert_group. */
static void
flush_pending(crm_importer *imp)
{
	insert_group(imp, imp->pending, imp->npending);
	imp->npending = 0;
}

/* Queue a row of the keyed table with its key (kept in the batch); a
 * group never holds one key twice, so a repeated key goes in the next. */
static void
queue_row(crm_importer *imp, struct prow *row, const char *key)
{
	size_t i, len = strlen(key);

	if (row->key != key)
		row->key = arena_copy(&imp->wbatch->text, key, len);
	row->key_hash = crm_fnv1a(key, len, CRM_FNV_SEED);
	for (i = 0; i < imp->npending; i++)
		if (imp->pending[i]->key_hash == row->key_hash &&
		    strcmp(imp->pending[i]->key, row->key) == 0) {
			flush_pending(imp);
			break;
		}
	imp->pending[imp->npending++] = row;
	if (imp->npending == MANY)
		flush_pending(imp);
}

/* ---- rejections ---- */

static const char *
vreason(crm_buf *b, const char *fmt, va_list ap)
{
	crm_buf_reset(b);
	crm_buf_vprintf(b, fmt, ap);
	return crm_buf_str(b);
}

/* The reader's reason to refuse the row being prepared. */
static const char *
reject(crm_importer *imp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static const char *
reject(crm_importer *imp, const char *fmt, ...)
{
	va_list ap;
	const char *why;

	va_start(ap, fmt);
	why = vreason(&imp->reason, fmt, ap);
	va_end(ap);
	return why;
}

/* The writer's reason to refuse the row it is storing. */
static const char *
wreject(crm_importer *imp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static const char *
wreject(crm_importer *imp, const char *fmt, ...)
{
	va_list ap;
	const char *why;

	va_start(ap, fmt);
	why = vreason(&imp->wreason, fmt, ap);
	va_end(ap);
	return why;
}

/* Count a refused row and write it to the reject file (the first three
 * also to stderr, even with --quiet: a cron job must say what went wrong).
 * A reject file that cannot be written ends the run: nothing is committed. */
static void
refuse(crm_importer *imp, const struct prow *row, const char *why)
{
	crm_buf placed = {0};
	int rc;

	imp->counts.rejected++;
	if (imp->rejects == NULL)
		return;
	if (imp->sheet != NULL && !row->located) {
		crm_buf_printf(&placed, "sheet '%s' row %ld: %s", imp->sheet, row->line, why);
		why = crm_buf_str(&placed);
	}
	if (crm_rejects_count(imp->rejects) < 3 && imp->sheet != NULL)
		crm_warn("%s: %s", imp->input_name, why);
	else if (crm_rejects_count(imp->rejects) < 3)
		crm_warn("%s:%ld: %s", imp->input_name, row->line, why);
	rc = crm_rejects_add(imp->rejects, row->raw, row->raw_len, row->line, why);
	crm_buf_free(&placed);
	if (rc != 0)
		exit(rc);
}

/* A field whose values identify or describe a person (--redact). Columns
 * of no field are imported as extra data and may hold anything: masked. */
static bool
personal(enum crm_field f)
{
	switch (f) {
	case F_NONE: case F_NAME: case F_COMPANY: case F_EMAIL: case F_PHONE:
	case F_BIRTHDAY: case F_NOTES: case F_SUMMARY:
		return true;
	default:
		return false;
	}
}

/* Digits in s: a customer reference with many is a phone number. */
static size_t
count_digits(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s >= '0' && *s <= '9';
	return n;
}

/* value as --redact shows it: e-mail addresses and phone numbers masked
 * (crm_mask_contact), other text (and a contact that does not read as one)
 * cut to its first character and "***". */
static void
redact_value(enum crm_field f, const char *value, crm_buf *out)
{
	char masked[256];
	size_t first;

	crm_buf_reset(out);
	if (*value == '\0')
		return;
	if (strchr(value, '@') != NULL || f == F_PHONE || f == F_CUSTOMER_REF) {
		crm_mask_contact(value, masked, sizeof masked);
		if (strcmp(masked, value) != 0) {
			crm_buf_puts(out, masked);
			return;
		}
	}
	for (first = 1; value[first] != '\0' && (value[first] & 0xC0) == 0x80; first++)
		;
	crm_buf_append(out, value, first);
	crm_buf_puts(out, "***");
}

void
crm_import_redact_line(const struct crm_mapping *m, const char *const *fields, size_t n,
                       char delim, crm_buf *out)
{
	crm_buf v = {0};
	size_t c;

	crm_buf_reset(out);
	for (c = 0; c < n; c++) {
		enum crm_field f = m != NULL && c < m->ncols ? m->col_field[c] : F_NONE;

		if (c > 0)
			crm_buf_putc(out, delim);
		if (fields[c] == NULL)
			continue;
		if (m == NULL || (c < m->ncols && m->col_ignored[c]))
			crm_csv_append_field(out, fields[c], delim);
		else if (personal(f) || (f == F_CUSTOMER_REF && (strchr(fields[c], '@') != NULL ||
		                                                  count_digits(fields[c]) >= 7))) {
			redact_value(f, fields[c], &v);
			crm_csv_append_field(out, crm_buf_str(&v), delim);
		} else
			crm_csv_append_field(out, fields[c], delim);
	}
	crm_buf_putc(out, '\n');
	crm_buf_free(&v);
}

/* A value quoted in a reason: as read, or under --redact as redact_value
 * shows it (valid until the next call). */
static const char *
shown(const crm_importer *imp, crm_buf *buf, enum crm_field f, const char *value)
{
	if (!imp->opt->redact || value == NULL)
		return value;
	/* A customer reference is an id unless it reads as a contact. */
	if (f == F_CUSTOMER_REF && strchr(value, '@') == NULL && count_digits(value) < 7)
		return value;
	redact_value(f, value, buf);
	return crm_buf_str(buf);
}

/* ---- field readers that can reject (the reader's) ---- */

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
		reject(imp, "column \"%s\": cannot read \"%s\" as a date", header(imp, f),
		       personal(f) ? shown(imp, &imp->shown, f, r) : r);
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
	reject(imp, "column \"%s\": cannot read \"%s\" as %s", imp->map->headers[c], shown(imp, &imp->shown, f, r),
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

/* The row's "source\x1fexternal id" (the key of ext_ids) for the external
 * id ext, into the open batch. */
static void
set_ext_key(crm_importer *imp, const char *ext)
{
	if (ext == NULL || *ext == '\0')
		return;
	crm_buf_reset(&imp->rscratch);
	crm_buf_puts(&imp->rscratch, imp->opt->source);
	crm_buf_putc(&imp->rscratch, '\x1f');
	crm_buf_puts(&imp->rscratch, ext);
	imp->row->ext_len = imp->rscratch.len;
	imp->row->ext_key = arena_copy(&imp->fill->text, imp->rscratch.data, imp->rscratch.len);
	imp->row->ext_hash = crm_hash_key(imp->rscratch.data, imp->rscratch.len);
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
	if (sqlite3_bind_text(st, 1, value, -1, SQLITE_STATIC) != SQLITE_OK)
		crm_store_die(imp->store, SQLITE_ERROR, "bind");
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

/* The reader's half of a customer row: every value, and the reason for a
 * bad one. */
static const char *
prepare_customer(crm_importer *imp)
{
	struct val *v = imp->row->v;
	char word[32], date[32];
	struct crm_datetime dt;
	bool bad = false;
	char *email, *emails_x, *phone, *phones_x;
	const char *w;

	if (contacts(imp, F_EMAIL, &email, &emails_x) != 0)
		return crm_buf_str(&imp->reason);
	val_text(imp, &v[C_EMAIL], email);
	val_text(imp, &v[C_EMAILS_X], emails_x);
	if (contacts(imp, F_PHONE, &phone, &phones_x) != 0)
		return crm_buf_str(&imp->reason);
	val_text(imp, &v[C_PHONE], phone);
	val_text(imp, &v[C_PHONES_X], phones_x);
	val_text(imp, &v[C_EXT], id_of(imp, F_EXTERNAL_ID));
	val_copy(imp, &v[C_SOURCE], imp->opt->source);
	val_text(imp, &v[C_NAME], text_of(imp, F_NAME));
	val_text(imp, &v[C_COMPANY], text_of(imp, F_COMPANY));
	val_text(imp, &v[C_CITY], text_of(imp, F_CITY));
	val_text(imp, &v[C_REGION], text_of(imp, F_REGION));
	val_text(imp, &v[C_COUNTRY], text_of(imp, F_COUNTRY));
	val_text(imp, &v[C_INDUSTRY], text_of(imp, F_INDUSTRY));
	val_text(imp, &v[C_SIZE], text_of(imp, F_SIZE));
	val_text(imp, &v[C_OWNER], text_of(imp, F_OWNER));
	val_text(imp, &v[C_CHANNEL], text_of(imp, F_CHANNEL));
	val_text(imp, &v[C_TAGS], text_of(imp, F_TAGS));
	val_text(imp, &v[C_NOTES], text_of(imp, F_NOTES));
	w = word_of(imp, F_STATUS, crm_vocab_customer_status, word, sizeof word, &bad);
	if (bad)
		return reject(imp, "column \"%s\": \"%s\" is not a customer status (lead or customer)",
		              header(imp, F_STATUS), raw(imp, F_STATUS));
	val_copy(imp, &v[C_STATUS], w);
	w = word_of(imp, F_PREFERRED_CHANNEL, crm_vocab_channel, word, sizeof word, &bad);
	if (bad)
		return reject(imp, "column \"%s\": \"%s\" is not a channel (phone, email, sms, "
		              "wechat, line, visit, other)", header(imp, F_PREFERRED_CHANNEL),
		              raw(imp, F_PREFERRED_CHANNEL));
	val_copy(imp, &v[C_PREF], w);
	if ((w = date_field(imp, F_BIRTHDAY, &dt, date, &bad)) == NULL)
		return crm_buf_str(&imp->reason);
	date[10] = '\0';  /* a birthday is a date, whatever time came with it */
	val_copy(imp, &v[C_BIRTHDAY], *w ? date : NULL);
	if ((w = date_field(imp, F_CREATED_AT, &dt, date, &bad)) == NULL)
		return crm_buf_str(&imp->reason);
	val_copy(imp, &v[C_CREATED], w);
	val_text(imp, &v[C_EXTRA], extra_json(imp));

	if (v[C_EXT].type == V_NULL && v[C_NAME].type == V_NULL && v[C_EMAIL].type == V_NULL &&
	    v[C_PHONE].type == V_NULL && v[C_COMPANY].type == V_NULL)
		return reject(imp, "no id, name, company, e-mail or phone: nothing to identify "
		              "the customer by");
	set_ext_key(imp, val_str(&v[C_EXT]));
	return NULL;
}

/* The writer's half: find the customer, then insert or update. */
static const char *
store_customer(crm_importer *imp, struct prow *row)
{
	struct val *v = row->v;
	int64_t id = 0, found;
	enum outcome out;

	/* Identity (SPEC §4): external id, else exact e-mail, else phone. */
	if (row->ext_key) {
		if (crm_hash_get_hashed(imp->ext_ids, row->ext_key, row->ext_len, row->ext_hash, &found))
			id = found < 0 ? -found : found;
	} else {
		id = customer_by(imp, imp->by_email, val_str(&v[C_EMAIL]));
		if (id == 0)
			id = customer_by(imp, imp->by_phone, val_str(&v[C_PHONE]));
	}
	if (id == 0) {
		/* created_at defaults to now; status to lead (buying makes a customer). */
		if (v[C_CREATED].type == V_NULL)
			val_static(&v[C_CREATED], imp->opt->now);
		if (v[C_STATUS].type == V_NULL)
			val_static(&v[C_STATUS], "lead");
		bind_vals(imp->store, imp->sql.insert, v, C_NCOLS);
		run(imp->store, imp->sql.insert);
		id = sqlite3_last_insert_rowid(crm_store_db(imp->store));
		if (row->ext_key)
			crm_hash_put_hashed(imp->ext_ids, row->ext_key, row->ext_len, row->ext_hash, id);
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

/* The reader's half of finding a row's customer: its id, e-mail and phone
 * normalised (and its name, for --create-missing). Returns the reason when
 * one is unreadable or none is given. */
static const char *
prepare_customer_ref(crm_importer *imp)
{
	struct prow *row = imp->row;
	char *ref = id_of(imp, F_CUSTOMER_REF);
	char *email = NULL, *emails_x = NULL, *phone = NULL, *phones_x = NULL;

	if (contacts(imp, F_EMAIL, &email, &emails_x) != 0 ||
	    contacts(imp, F_PHONE, &phone, &phones_x) != 0) {
		free(ref);
		free(email);
		free(emails_x);
		return crm_buf_str(&imp->reason);
	}
	row->ref = keep(imp, ref);
	row->email = keep(imp, email);
	row->emails_x = keep(imp, emails_x);
	row->phone = keep(imp, phone);
	row->phones_x = keep(imp, phones_x);
	free(ref);
	free(email);
	free(emails_x);
	free(phone);
	free(phones_x);
	if (row->ref == NULL && row->email == NULL && row->phone == NULL)
		return reject(imp, "no customer id, e-mail or phone to find the customer by");
	set_ext_key(imp, row->ref);
	if (imp->opt->create_missing) {
		char *name = text_of(imp, F_NAME);

		row->name = keep(imp, name);
		free(name);
	}
	return NULL;
}

/* Find (or with --create-missing make) the customer a row belongs to.
 * Returns the rowid, or 0 with the writer's reason set. when is the row's
 * date, used as created_at of a customer made here, with status. */
static int64_t
row_customer(crm_importer *imp, const struct prow *row, const char *when, const char *status)
{
	int64_t id = 0, found;
	struct val cv[C_NCOLS];

	imp->created_now = false;
	if (row->ext_key &&
	    crm_hash_get_hashed(imp->ext_ids, row->ext_key, row->ext_len, row->ext_hash, &found))
		id = found < 0 ? survivor(imp, -found) : found;
	if (id == 0)
		id = customer_by(imp, imp->by_email, row->email);
	if (id == 0)
		id = customer_by(imp, imp->by_phone, row->phone);
	if (id == 0 && !imp->opt->create_missing) {
		wreject(imp, "unknown customer \"%s\" (no customer with that id, e-mail or phone; "
		        "import the customers first, or use --create-missing)",
		        row->ref ? shown(imp, &imp->wshown, F_CUSTOMER_REF, row->ref) :
		        shown(imp, &imp->wshown, row->email ? F_EMAIL : F_PHONE,
		              row->email ? row->email : row->phone));
		return 0;
	}
	if (id == 0) {
		memset(cv, 0, sizeof cv);
		val_static(&cv[C_EXT], row->ref);
		val_static(&cv[C_SOURCE], imp->opt->source);
		val_static(&cv[C_NAME], row->name);
		val_static(&cv[C_EMAIL], row->email);
		val_static(&cv[C_EMAILS_X], row->emails_x);
		val_static(&cv[C_PHONE], row->phone);
		val_static(&cv[C_PHONES_X], row->phones_x);
		val_static(&cv[C_STATUS], status);
		val_static(&cv[C_CREATED], when && *when ? when : imp->opt->now);
		imp->created_now = true;
		bind_vals(imp->store, imp->cust_sql.insert, cv, C_NCOLS);
		run(imp->store, imp->cust_sql.insert);
		id = sqlite3_last_insert_rowid(crm_store_db(imp->store));
		if (row->ext_key)
			crm_hash_put_hashed(imp->ext_ids, row->ext_key, row->ext_len, row->ext_hash, id);
		imp->counts.customers_created++;
	}
	touch_customer(imp, id);
	return id;
}

/* "tag\x1fsource\x1fnumber", the unique key of a row with a number, into
 * the open batch. */
static void
set_number_key(crm_importer *imp, char tag, const char *number)
{
	crm_buf_reset(&imp->rscratch);
	crm_buf_putc(&imp->rscratch, tag);
	crm_buf_putc(&imp->rscratch, '\x1f');
	crm_buf_puts(&imp->rscratch, imp->opt->source);
	crm_buf_putc(&imp->rscratch, '\x1f');
	crm_buf_puts(&imp->rscratch, number);
	imp->row->key = arena_copy(&imp->fill->text, imp->rscratch.data, imp->rscratch.len);
}

/* What a derived key hashes after the customer id ("|part|part..."), into
 * the open batch. */
static void
set_parts(crm_importer *imp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
set_parts(crm_importer *imp, const char *fmt, ...)
{
	va_list ap;

	crm_buf_reset(&imp->rscratch);
	va_start(ap, fmt);
	crm_buf_vprintf(&imp->rscratch, fmt, ap);
	va_end(ap);
	imp->row->parts_len = imp->rscratch.len;
	imp->row->parts = arena_copy(&imp->fill->text, imp->rscratch.data, imp->rscratch.len);
}

/* The row's unique key: its number key, else a derived
 * "tag\x1f~<hash of customer id and parts>#<occurrence in this file>".
 * Owned by imp (or the batch), valid until the next row. */
static const char *
row_key(crm_importer *imp, char tag, const struct prow *row, int64_t cust)
{
	char base[64], id[24];
	int64_t occ;
	int n;

	if (row->key)
		return row->key;
	/* FNV-1a runs on: the hash of the id, then of the parts, is the hash
	 * of "id|part|...". */
	n = snprintf(id, sizeof id, "%" PRId64, cust);
	snprintf(base, sizeof base, "%c\x1f~%016" PRIx64, tag,
	         crm_fnv1a(row->parts, row->parts_len, crm_fnv1a(id, (size_t)n, CRM_FNV_SEED)));
	occ = crm_hash_add(imp->occurrences, base, strlen(base), 1);
	crm_buf_reset(&imp->key);
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

static const char *
prepare_order(crm_importer *imp)
{
	struct val *v = imp->row->v;
	struct crm_datetime dt;
	struct crm_money m;
	char date[32], word[32], amount[40];
	const char *w, *r, *cur;
	char *currency = NULL;
	bool bad = false;

	if ((w = date_field(imp, F_ORDERED_AT, &dt, date, &bad)) == NULL)
		return crm_buf_str(&imp->reason);
	if (*w == '\0')
		return reject(imp, "column \"%s\" is empty: an order needs a date",
		              header(imp, F_ORDERED_AT));
	val_copy(imp, &v[O_AT], w);
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
	val_copy(imp, &v[O_CURRENCY], cur);
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
	val_copy(imp, &v[O_STATUS], w ? w : "paid");
	imp->row->paid = strcmp(v[O_STATUS].s, "paid") == 0;
	if (int_field(imp, F_QUANTITY, 0, INT32_MAX, &v[O_QTY]) != 0)
		return crm_buf_str(&imp->reason);
	val_text(imp, &v[O_NO], id_of(imp, F_ORDER_NO));
	val_text(imp, &v[O_PRODUCT], text_of(imp, F_PRODUCT));
	val_text(imp, &v[O_CATEGORY], text_of(imp, F_CATEGORY));
	val_text(imp, &v[O_CHANNEL], text_of(imp, F_CHANNEL));
	val_text(imp, &v[O_EXTRA], extra_json(imp));
	if ((r = prepare_customer_ref(imp)) != NULL)
		return r;
	if (v[O_NO].type == V_TEXT) {
		set_number_key(imp, 'o', v[O_NO].s);
	} else {
		crm_money_format(m.minor, v[O_CURRENCY].s, amount);
		set_parts(imp, "|%s|%s|%s|%s", v[O_AT].s, amount, v[O_CURRENCY].s, v[O_STATUS].s);
	}
	return NULL;
}

static const char *
store_order(crm_importer *imp, struct prow *row)
{
	struct val *v = row->v;
	int64_t cust;

	cust = row_customer(imp, row, v[O_AT].s, row->paid ? "customer" : "lead");
	if (cust == 0)
		return crm_buf_str(&imp->wreason);
	val_int(&v[O_CUSTOMER], cust);
	queue_row(imp, row, row_key(imp, 'o', row, cust));
	/* A customer this row created was created as what the order makes it. */
	if (row->paid && !imp->created_now)
		mark_buyer(imp, cust);
	return NULL;
}

static const char *
prepare_interaction(crm_importer *imp)
{
	struct val *v = imp->row->v;
	struct crm_datetime dt;
	char date[32], chan[32], dir[32], kind[32];
	const char *w, *c, *d, *k;
	bool bad = false;

	if ((w = date_field(imp, F_AT, &dt, date, &bad)) == NULL)
		return crm_buf_str(&imp->reason);
	if (*w == '\0')
		return reject(imp, "column \"%s\" is empty: an interaction needs a date",
		              header(imp, F_AT));
	val_copy(imp, &v[I_AT], w);
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
	val_copy(imp, &v[I_CHANNEL], c ? c : "other");
	val_copy(imp, &v[I_DIRECTION], d);
	val_copy(imp, &v[I_KIND], k);
	val_text(imp, &v[I_OWNER], text_of(imp, F_OWNER));
	val_text(imp, &v[I_SUMMARY], text_of(imp, F_SUMMARY));
	val_text(imp, &v[I_EXTRA], extra_json(imp));
	if ((w = prepare_customer_ref(imp)) != NULL)
		return w;
	set_parts(imp, "|%s|%s|%s|%s", v[I_AT].s, v[I_CHANNEL].s, v[I_KIND].s,
	          v[I_SUMMARY].type == V_TEXT ? v[I_SUMMARY].s : "");
	return NULL;
}

static const char *
store_interaction(crm_importer *imp, struct prow *row)
{
	struct val *v = row->v;
	int64_t cust;

	if ((cust = row_customer(imp, row, v[I_AT].s, "lead")) == 0)
		return crm_buf_str(&imp->wreason);
	val_int(&v[I_CUSTOMER], cust);
	queue_row(imp, row, row_key(imp, 'i', row, cust));
	return NULL;
}

static const char *
prepare_ticket(crm_importer *imp)
{
	struct val *v = imp->row->v;
	struct crm_datetime opened, resolved;
	char odate[32], rdate[32], sev[32], st[32];
	const char *w, *s, *r;
	bool bad = false;

	if ((w = date_field(imp, F_OPENED_AT, &opened, odate, &bad)) == NULL)
		return crm_buf_str(&imp->reason);
	if (*w == '\0')
		return reject(imp, "column \"%s\" is empty: a ticket needs the date it was opened",
		              header(imp, F_OPENED_AT));
	val_copy(imp, &v[T_OPENED], w);
	if ((r = date_field(imp, F_RESOLVED_AT, &resolved, rdate, &bad)) == NULL)
		return crm_buf_str(&imp->reason);
	if (*r && (resolved.days < opened.days ||
	           (resolved.days == opened.days && resolved.secs < opened.secs)))
		return reject(imp, "column \"%s\": resolved %s before it was opened %s",
		              header(imp, F_RESOLVED_AT), rdate, odate);
	val_copy(imp, &v[T_RESOLVED], r);
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
	val_copy(imp, &v[T_SEVERITY], s ? s : "normal");
	val_copy(imp, &v[T_STATUS], w);
	val_text(imp, &v[T_NO], id_of(imp, F_TICKET_NO));
	val_text(imp, &v[T_CATEGORY], text_of(imp, F_CATEGORY));
	val_text(imp, &v[T_OWNER], text_of(imp, F_OWNER));
	val_text(imp, &v[T_SUMMARY], text_of(imp, F_SUMMARY));
	val_text(imp, &v[T_EXTRA], extra_json(imp));
	if ((w = prepare_customer_ref(imp)) != NULL)
		return w;
	if (v[T_NO].type == V_TEXT)
		set_number_key(imp, 't', v[T_NO].s);
	else
		set_parts(imp, "|%s|%s|%s", v[T_OPENED].s,
		          v[T_CATEGORY].type == V_TEXT ? v[T_CATEGORY].s : "",
		          v[T_SUMMARY].type == V_TEXT ? v[T_SUMMARY].s : "");
	return NULL;
}

static const char *
store_ticket(crm_importer *imp, struct prow *row)
{
	struct val *v = row->v;
	int64_t cust;

	if ((cust = row_customer(imp, row, v[T_OPENED].s, "lead")) == 0)
		return crm_buf_str(&imp->wreason);
	val_int(&v[T_CUSTOMER], cust);
	queue_row(imp, row, row_key(imp, 't', row, cust));
	return NULL;
}

/* ---- the two stages ---- */

/* The reader's half of a row of fields into imp->row; the reason it is
 * refused, or NULL. */
static const char *
prepare_row(crm_importer *imp, const char *const *fields, size_t n)
{
	imp->fields = fields;
	imp->nfields = n;
	if (n != imp->map->ncols)
		return reject(imp, "row has %zu field%s; the header has %zu", n, n == 1 ? "" : "s",
		              imp->map->ncols);
	switch (imp->map->kind) {
	case CRM_KIND_CUSTOMERS:
		return prepare_customer(imp);
	case CRM_KIND_ORDERS:
		return prepare_order(imp);
	case CRM_KIND_INTERACTIONS:
		return prepare_interaction(imp);
	default:
		return prepare_ticket(imp);
	}
}

/* The writer's half of one prepared row; the reason it is refused, or NULL. */
static const char *
store_row(crm_importer *imp, struct prow *row)
{
	switch (imp->map->kind) {
	case CRM_KIND_CUSTOMERS:
		return store_customer(imp, row);
	case CRM_KIND_ORDERS:
		return store_order(imp, row);
	case CRM_KIND_INTERACTIONS:
		return store_interaction(imp, row);
	default:
		return store_ticket(imp, row);
	}
}

/* The writer: one batch, row by row, in input order (crm_pipe_work). */
static void
store_batch(void *arg, void *buf)
{
	crm_importer *imp = arg;
	struct batch *b = buf;
	struct prow *row;
	const char *why;
	size_t i;

	imp->wbatch = b;
	if (b->reserve > 0)
		crm_hash_reserve(imp->ext_ids, crm_hash_count(imp->ext_ids) + b->reserve);
	for (i = 0; i < b->n; i++) {
		/* The id map is far bigger than the CPU cache and looked up at
		 * random: fetch the slot two rows ahead and its key one row
		 * ahead, so the misses overlap the rows' SQLite work. */
		if (i + 2 < b->n && b->row[i + 2].ext_key)
			crm_hash_prefetch(imp->ext_ids, b->row[i + 2].ext_hash);
		if (i + 1 < b->n && b->row[i + 1].ext_key)
			crm_hash_prefetch_key(imp->ext_ids, b->row[i + 1].ext_hash);
		row = &b->row[i];
		why = row->why ? row->why : store_row(imp, row);
		if (why)
			refuse(imp, row, why);
	}
	flush_pending(imp);  /* the rows point into b, which goes back now */
}

/* ---- the run ---- */

/* The largest rowid in table t, or 0. */
static int64_t
max_id(crm_store *s, const struct table *t)
{
	char *sql = crm_xasprintf("SELECT coalesce(max(id), 0) FROM %s", t->name);
	sqlite3_stmt *st = crm_store_prepare(s, sql);
	int64_t id = 0;

	free(sql);
	if (crm_store_step(s, st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return id;
}

/* Put the keys gathered in k (ends at off[0..n)) with their values into
 * the id map: the slots are prefetched for the whole group first, so their
 * cache misses overlap instead of coming one after another. */
static void
put_ids(crm_hash *h, const crm_buf *k, const size_t *off, const uint64_t *hash,
        const int64_t *val, size_t n)
{
	size_t i, from;

	for (i = 0; i < n; i++)
		crm_hash_prefetch(h, hash[i]);
	for (i = 0, from = 0; i < n; from = off[i++])
		crm_hash_put_hashed(h, k->data + from, off[i] - from, hash[i], val[i]);
}

static void
load_external_ids(crm_importer *imp)
{
	enum { GROUP = 64 };
	sqlite3_stmt *st = crm_store_prepare(imp->store,
		"SELECT external_id, CASE WHEN merged_into IS NULL THEN id ELSE -id END "
		"FROM customers WHERE source = ?1 AND external_id IS NOT NULL");
	sqlite3_stmt *count = crm_store_prepare(imp->store, "SELECT coalesce(max(id), 0) FROM customers");
	crm_buf k = {0};
	size_t off[GROUP], n = 0, from;
	uint64_t hash[GROUP];
	int64_t val[GROUP];

	/* Size the map once (max(id) bounds the count and costs no scan). */
	if (crm_store_step(imp->store, count) == SQLITE_ROW)
		crm_hash_reserve(imp->ext_ids, (size_t)sqlite3_column_int64(count, 0));
	sqlite3_finalize(count);
	sqlite3_bind_text(st, 1, imp->opt->source, -1, SQLITE_STATIC);
	while (crm_store_step(imp->store, st) == SQLITE_ROW) {
		from = k.len;
		crm_buf_puts(&k, imp->opt->source);
		crm_buf_putc(&k, '\x1f');
		crm_buf_append(&k, sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0));
		off[n] = k.len;
		hash[n] = crm_hash_key(k.data + from, k.len - from);
		val[n++] = sqlite3_column_int64(st, 1);
		if (n == GROUP) {
			put_ids(imp->ext_ids, &k, off, hash, val, n);
			crm_buf_reset(&k);
			n = 0;
		}
	}
	put_ids(imp->ext_ids, &k, off, hash, val, n);
	sqlite3_finalize(st);
	crm_buf_free(&k);
}

/* A big file goes faster when the indexes it does not read are built once at
 * the end (a sort) than kept up to date row by row (a random B-tree insert
 * each): orders_customer for an order file; for a customer file, the external
 * id index (the run looks ids up in its own map) and the e-mail and phone
 * ones (they come back at once if a row without an id needs them). Worth it
 * when the file adds at least 50,000 rows and more than half as many as the
 * table holds; every index is back before the transaction commits.
 * customers_merged stays: it is partial (merged_into IS NOT NULL), so new
 * rows add nothing to it, and building it again would cost a table scan. */
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
	size_t i;

	imp->store = s;
	imp->opt = o;
	imp->map = m;
	imp->table = tables[m->kind];
	imp->input_name = file;
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
	if (imp->table->key_col)
		imp->max_id = max_id(s, imp->table);

	maybe_drop_indexes(imp);

	imp->log_insert = crm_store_prepare(s, "INSERT INTO imports(kind, file, sha256, source, "
	                                    "started_at) VALUES (?1, ?2, '', ?3, ?4)");
	crm_store_bind_text(s, imp->log_insert, 1, crm_kind_name(m->kind));
	crm_store_bind_text(s, imp->log_insert, 2, file);
	sqlite3_bind_text(imp->log_insert, 3, o->source, -1, SQLITE_STATIC);
	crm_store_bind_text(s, imp->log_insert, 4, o->now);
	run(s, imp->log_insert);
	imp->import_id = sqlite3_last_insert_rowid(crm_store_db(s));
	bind_run_table(imp, &imp->sql);
	bind_run_table(imp, &imp->cust_sql);

	/* From here until crm_import_finish the writer alone uses the store. */
	for (i = 0; i < NBATCHES; i++)
		imp->batches[i] = crm_xcalloc(1, sizeof *imp->batches[i]);
	imp->pipe = crm_pipe_start((void *const *)imp->batches, NBATCHES, store_batch, imp);
	return imp;
}

void
crm_import_set_rejects(crm_importer *imp, crm_rejects *rj, const char *name, const char *sheet)
{
	imp->rejects = rj;
	imp->input_name = name;
	imp->sheet = sheet;
}

void
crm_import_record(crm_importer *imp, const struct crm_csv_record *rec, const char *refused)
{
	struct batch *b = open_batch(imp);
	const char *why;

	imp->row = &b->row[b->n++];
	memset(imp->row, 0, sizeof *imp->row);
	imp->rows_read++;
	imp->row->line = rec->line;
	if (imp->opt->redact) {
		crm_import_redact_line(imp->map, (const char *const *)rec->fields, rec->nfields,
		                       imp->opt->reject_delimiter, &imp->redacted);
		imp->row->raw = arena_copy(&b->text, imp->redacted.data, imp->redacted.len);
		imp->row->raw_len = imp->redacted.len;
	} else {
		imp->row->raw = arena_copy(&b->text, rec->raw, rec->raw_len);
		imp->row->raw_len = rec->raw_len;
	}
	imp->row->located = refused != NULL && imp->sheet != NULL;
	why = refused ? refused : prepare_row(imp, (const char *const *)rec->fields, rec->nfields);
	if (why)
		imp->row->why = keep(imp, why);
	if (b->n == BATCH_ROWS || b->text.used >= BATCH_BYTES)
		send_batch(imp);
}

void
crm_import_expect(crm_importer *imp, long long rows)
{
	if (imp->map->kind == CRM_KIND_CUSTOMERS && rows > 0)
		open_batch(imp)->reserve = (size_t)rows;
}

/* Buyers a promotion's undo record holds at most: the JSON array of a
 * record is built in memory, and a million buyers in one record made a
 * spike of about 90 MB at the end of a big run. */
#define PROMOTED_PER_RECORD 16384

static bool
is_buyer(const crm_importer *imp, size_t id)
{
	return imp->buyers[id / 8] & (1u << (id % 8));
}

/* The buyers' ids into temp.buyers: MANY a statement (OR IGNORE: no
 * statement journal, see sql_insert_many; the ids are distinct anyway), the
 * rest one by one. */
static void
fill_buyers(crm_importer *imp)
{
	crm_store *s = imp->store;
	sqlite3_stmt *add, *add_many;
	int64_t ids[MANY];
	crm_buf sql = {0};
	size_t i, n = 0;

	crm_store_exec(s, "CREATE TEMP TABLE IF NOT EXISTS buyers(id INTEGER PRIMARY KEY)");
	crm_store_exec(s, "DELETE FROM temp.buyers");
	crm_buf_puts(&sql, "INSERT OR IGNORE INTO temp.buyers(id) VALUES (?1)");
	for (i = 2; i <= MANY; i++)
		crm_buf_printf(&sql, ", (?%zu)", i);
	add_many = crm_store_prepare(s, crm_buf_str(&sql));
	crm_buf_free(&sql);
	add = crm_store_prepare(s, "INSERT INTO temp.buyers(id) VALUES (?1)");
	for (i = 0; i < imp->buyers_bytes * 8; i++) {
		if (!is_buyer(imp, i))
			continue;
		ids[n++] = (int64_t)i;
		if (n < MANY)
			continue;
		for (n = 0; n < MANY; n++)
			crm_store_bind_int(s, add_many, (int)n + 1, ids[n]);
		run(s, add_many);
		n = 0;
	}
	for (i = 0; i < n; i++) {
		crm_store_bind_int(s, add, 1, ids[i]);
		run(s, add);
	}
	sqlite3_finalize(add_many);
	sqlite3_finalize(add);
}

/* The undo record of the buyers with ids lo..hi. */
static void
snapshot_range(crm_importer *imp, sqlite3_stmt *st, size_t lo, size_t hi)
{
	crm_store_bind_int(imp->store, st, 1, (int64_t)lo);
	crm_store_bind_int(imp->store, st, 2, (int64_t)hi);
	run(imp->store, st);
}

/* Leads with a paid order from this run become customers. Which ones, with
 * their updated_at, is kept for --undo in import_undo rows (tbl
 * "customers_promoted", [[id, updated_at], ...], one row per range of at
 * most PROMOTED_PER_RECORD buyers), except for customers this run created,
 * which undo deletes.
 * The ids go through a temporary table so the work is a few statements. */
static void
promote_buyers(crm_importer *imp)
{
	crm_store *s = imp->store;
	sqlite3_stmt *st;
	size_t i, lo = 0, n = 0, end = imp->buyers_bytes * 8;

	if (imp->buyers_bytes == 0)
		return;
	fill_buyers(imp);
	/* A join, so each range reads only its own customers and buyers (an
	 * IN (SELECT ...) here walked every buyer for every range). */
	st = crm_store_prepare(s, "INSERT INTO import_undo(import_id, tbl, row_id, old) "
	                       "SELECT ?32, 'customers_promoted', 0, "
	                       "json_group_array(json_array(c.id, c.updated_at)) "
	                       "FROM customers AS c JOIN temp.buyers AS b ON b.id = c.id "
	                       "WHERE c.id BETWEEN ?1 AND ?2 AND c.status = 'lead' "
	                       "AND c.import_id IS NOT ?32 HAVING count(*) > 0");
	bind_run(imp, st);
	for (i = 0; i < end; i++) {
		if (!is_buyer(imp, i))
			continue;
		if (n++ == 0)
			lo = i;
		if (n == PROMOTED_PER_RECORD) {
			snapshot_range(imp, st, lo, i);
			n = 0;
		}
	}
	if (n > 0)
		snapshot_range(imp, st, lo, end);
	sqlite3_finalize(st);
	st = crm_store_prepare(s, "UPDATE customers SET status = 'customer', updated_at = ?31 "
	                       "WHERE status = 'lead' AND id IN (SELECT id FROM temp.buyers)");
	bind_run(imp, st);
	run(s, st);
	sqlite3_finalize(st);
	crm_store_exec(s, "DELETE FROM temp.buyers");
}

/* Send the last batch and wait for the writer to store everything: the
 * store is the calling thread's again. */
static void
stop_writer(crm_importer *imp)
{
	if (imp->pipe == NULL)
		return;
	send_batch(imp);
	crm_pipe_finish(imp->pipe);
	imp->pipe = NULL;
}

int64_t
crm_import_finish(crm_importer *imp, const char *sha256_hex, struct crm_import_counts *counts)
{
	crm_store *s = imp->store;
	sqlite3_stmt *st;
	struct crm_import_counts *c = &imp->counts;

	stop_writer(imp);
	c->read = imp->rows_read;
	/* The maps are done with: free them before SQLite's sorter builds the
	 * index, so the two never add up in the peak memory. */
	crm_hash_free(imp->ext_ids);
	crm_hash_free(imp->occurrences);
	crm_vocab_free(imp->vocab);
	imp->ext_ids = imp->occurrences = NULL;
	imp->vocab = NULL;
	/* SQLite's sorter sorts in runs as big as the page cache (250 pages
	 * at least) before it merges them: a small cache while the indexes are
	 * built keeps each run within the CPU cache and the sorter's memory
	 * off the peak. 4 MiB builds orders_customer in about two thirds of
	 * the time 16 MiB took, and half of what 64 MiB did. */
	if (imp->rebuild_index || imp->rebuild_customers)
		crm_store_exec(s, "PRAGMA cache_size = -4096");
	if (imp->rebuild_index) {
		crm_store_exec(s, CRM_INDEX_ORDERS_CUSTOMER);
		imp->rebuild_index = false;
	}
	if (imp->rebuild_customers) {
		need_contact_indexes(imp);
		crm_store_exec(s, CRM_INDEX_CUSTOMERS_EXTERNAL);
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
	size_t i;

	if (imp == NULL)
		return;
	stop_writer(imp);
	crm_buf_free(&imp->redacted);
	crm_buf_free(&imp->shown);
	crm_buf_free(&imp->wshown);
	for (i = 0; i < NBATCHES; i++) {
		if (imp->batches[i])
			arena_free(&imp->batches[i]->text);
		free(imp->batches[i]);
	}
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
	crm_buf_free(&imp->rscratch);
	crm_buf_free(&imp->wreason);
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
