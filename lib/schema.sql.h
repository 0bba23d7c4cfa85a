/*
 * schema.sql.h — the store's schema as forward migrations, one per version.
 * Migration N takes a store from user_version N-1 to N. Never edit a landed
 * migration: add the next one. Content follows SPEC §4.
 */
#ifndef CRM_SCHEMA_SQL_H
#define CRM_SCHEMA_SQL_H

/* Secondary indexes a bulk load may drop and build again at its end
 * (lib/import.c); named here so both use one definition. */
#define CRM_INDEX_CUSTOMERS_EXTERNAL \
	"CREATE UNIQUE INDEX customers_external ON customers(source, external_id) " \
	"WHERE external_id IS NOT NULL"
#define CRM_INDEX_CUSTOMERS_EMAIL \
	"CREATE INDEX customers_email ON customers(email) WHERE email IS NOT NULL"
#define CRM_INDEX_CUSTOMERS_PHONE \
	"CREATE INDEX customers_phone ON customers(phone) WHERE phone IS NOT NULL"
#define CRM_INDEX_CUSTOMERS_MERGED \
	"CREATE INDEX customers_merged ON customers(merged_into) WHERE merged_into IS NOT NULL"
#define CRM_INDEX_ORDERS_CUSTOMER "CREATE INDEX orders_customer ON orders(customer_id)"

static const char *const crm_migrations[] = {
/* 1: customers, orders, interactions, tickets, the import log and its undo data.
 * import_id columns name the run that added a row; they are not foreign keys
 * (a per-row check that costs time and guards nothing the code does not).
 * (CHECKs are written as OR chains: SQLite 3.40 builds an ephemeral table per
 * row for "x IN (a, b, c)", a fifth of the cost of an order insert.) */
"CREATE TABLE imports ("
"  id INTEGER PRIMARY KEY,"
"  kind TEXT NOT NULL,"
"  file TEXT NOT NULL,"
"  sha256 TEXT NOT NULL,"
"  source TEXT NOT NULL DEFAULT '',"
"  started_at TEXT NOT NULL,"
"  rows_read INTEGER NOT NULL DEFAULT 0,"
"  rows_new INTEGER NOT NULL DEFAULT 0,"
"  rows_updated INTEGER NOT NULL DEFAULT 0,"
"  rows_unchanged INTEGER NOT NULL DEFAULT 0,"
"  rows_rejected INTEGER NOT NULL DEFAULT 0,"
"  customers_created INTEGER NOT NULL DEFAULT 0,"
"  undone_at TEXT"
");"
"CREATE TABLE customers ("
"  id INTEGER PRIMARY KEY,"
"  external_id TEXT,"
"  source TEXT NOT NULL DEFAULT '',"
"  name TEXT, company TEXT, email TEXT, phone TEXT,"
"  emails_extra TEXT, phones_extra TEXT,"
"  city TEXT, region TEXT, country TEXT, industry TEXT, size TEXT,"
"  owner TEXT, channel TEXT,"
"  status TEXT NOT NULL DEFAULT 'lead' CHECK (status = 'lead' OR status = 'customer'),"
"  preferred_channel TEXT, birthday TEXT, tags TEXT, notes TEXT,"
"  created_at TEXT NOT NULL, updated_at TEXT NOT NULL,"
"  merged_into INTEGER REFERENCES customers(id),"
"  extra TEXT,"
"  import_id INTEGER"
");"
CRM_INDEX_CUSTOMERS_EXTERNAL ";"
CRM_INDEX_CUSTOMERS_EMAIL ";"
CRM_INDEX_CUSTOMERS_PHONE ";"
/* merged_into references customers: without an index every customer deleted
 * (import --undo) would scan the table for rows merged into it. Partial, as
 * almost every row has NULL there; SQLite's foreign-key scan ("merged_into
 * = ?") still uses it, since = implies IS NOT NULL. */
CRM_INDEX_CUSTOMERS_MERGED ";"
"CREATE TABLE orders ("
"  id INTEGER PRIMARY KEY,"
"  order_key TEXT NOT NULL UNIQUE,"
"  order_no TEXT,"
"  customer_id INTEGER NOT NULL REFERENCES customers(id),"
"  ordered_at TEXT NOT NULL,"
"  amount INTEGER NOT NULL,"
"  currency TEXT NOT NULL,"
"  quantity INTEGER,"
"  product TEXT, category TEXT, channel TEXT,"
"  status TEXT NOT NULL DEFAULT 'paid' CHECK (status = 'paid' OR status = 'refunded' OR status = 'cancelled'),"
"  extra TEXT,"
"  import_id INTEGER"
");"
CRM_INDEX_ORDERS_CUSTOMER ";"
"CREATE TABLE interactions ("
"  id INTEGER PRIMARY KEY,"
"  interaction_key TEXT NOT NULL UNIQUE,"
"  customer_id INTEGER NOT NULL REFERENCES customers(id),"
"  at TEXT NOT NULL,"
"  channel TEXT NOT NULL DEFAULT 'other'"
"    CHECK (channel = 'phone' OR channel = 'email' OR channel = 'sms' OR channel = 'wechat' OR channel = 'line' OR channel = 'visit' OR channel = 'other'),"
"  direction TEXT CHECK (direction = 'in' OR direction = 'out'),"
"  kind TEXT NOT NULL DEFAULT 'note'"
"    CHECK (kind = 'call' OR kind = 'meeting' OR kind = 'message' OR kind = 'note' OR kind = 'survey'),"
"  owner TEXT, summary TEXT,"
"  csat INTEGER CHECK (csat BETWEEN 1 AND 5),"
"  nps INTEGER CHECK (nps BETWEEN 0 AND 10),"
"  extra TEXT,"
"  import_id INTEGER"
");"
"CREATE INDEX interactions_customer ON interactions(customer_id, at);"
"CREATE TABLE tickets ("
"  id INTEGER PRIMARY KEY,"
"  ticket_key TEXT NOT NULL UNIQUE,"
"  ticket_no TEXT,"
"  customer_id INTEGER NOT NULL REFERENCES customers(id),"
"  opened_at TEXT NOT NULL,"
"  category TEXT,"
"  severity TEXT NOT NULL DEFAULT 'normal',"
"  status TEXT NOT NULL DEFAULT 'open' CHECK (status = 'open' OR status = 'resolved' OR status = 'closed'),"
"  resolved_at TEXT,"
"  owner TEXT, summary TEXT,"
"  csat INTEGER CHECK (csat BETWEEN 1 AND 5),"
"  extra TEXT,"
"  import_id INTEGER"
");"
"CREATE INDEX tickets_customer ON tickets(customer_id);"
/* Previous values of rows an import updated, so --undo can put them back. */
"CREATE TABLE import_undo ("
"  import_id INTEGER NOT NULL REFERENCES imports(id),"
"  tbl TEXT NOT NULL,"
"  row_id INTEGER NOT NULL,"
"  old TEXT NOT NULL"
");"
"CREATE INDEX import_undo_import ON import_undo(import_id);",
/* 2: segment history (crm-segment --save): one row per customer per saved
 * day. No foreign key on customer_id: history outlives an import --undo or a
 * merge of the customer, and readers resolve ids to live customers. */
"CREATE TABLE segment_history ("
"  day TEXT NOT NULL,"
"  customer_id INTEGER NOT NULL,"
"  rfm_r INTEGER, rfm_f INTEGER, rfm_m INTEGER,"
"  rfm_segment TEXT,"
"  lifecycle TEXT NOT NULL,"
"  segments TEXT,"
"  saved_at TEXT NOT NULL,"
"  PRIMARY KEY (day, customer_id)"
") WITHOUT ROWID;",
/* 3: score history (crm-score --save): the parameters of each saved run and
 * one row of scores per customer; customer_id as in segment_history. */
"CREATE TABLE score_runs ("
"  day TEXT PRIMARY KEY,"
"  unit TEXT NOT NULL, horizon_days INTEGER NOT NULL,"
"  discount_rate REAL NOT NULL, margin REAL NOT NULL,"
"  r REAL, alpha REAL, a REAL, b REAL, ll REAL,"
"  p REAL, q REAL, gamma REAL, gg_ll REAL,"
"  customers INTEGER NOT NULL, repeaters INTEGER NOT NULL,"
"  saved_at TEXT NOT NULL"
");"
"CREATE TABLE score_history ("
"  day TEXT NOT NULL,"
"  customer_id INTEGER NOT NULL,"
"  p_alive REAL, expected_purchases REAL, expected_avg_spend REAL, clv REAL,"
"  health INTEGER, lead_score INTEGER,"
"  PRIMARY KEY (day, customer_id)"
") WITHOUT ROWID;",
/* 4: reminders (crm-remind). key names what the reminder is about (rule,
 * customer or ticket, occasion), so a second run on the same day finds it
 * instead of adding a copy. status: open, done, snoozed, or cancelled (its
 * reason went away, e.g. a new interaction came first). */
"CREATE TABLE reminders ("
"  id INTEGER PRIMARY KEY,"
"  key TEXT NOT NULL UNIQUE,"
"  customer_id INTEGER NOT NULL,"
"  ticket_id INTEGER,"
"  rule TEXT NOT NULL,"
"  due TEXT NOT NULL,"
"  priority TEXT NOT NULL,"
"  reason TEXT NOT NULL,"
"  escalate_to TEXT,"
"  status TEXT NOT NULL DEFAULT 'open',"
"  snoozed_until TEXT,"
"  done_at TEXT, note TEXT,"
"  created_at TEXT NOT NULL, updated_at TEXT NOT NULL"
");"
"CREATE INDEX reminders_status ON reminders(status, due);",
/* 5: crm-dedupe's merge log. merges: one row per merge; merge_snapshots: each
 * member's customers row as it was (same columns as customers, after
 * merge_id: a migration that adds a customers column must add it here too);
 * merge_moves: each row moved to the survivor and its owner before;
 * keep_apart: pairs a person said are two customers (id_a < id_b). */
"CREATE TABLE merges ("
"  id INTEGER PRIMARY KEY,"
"  merged_at TEXT NOT NULL,"
"  survivor_id INTEGER NOT NULL,"
"  members TEXT NOT NULL,"
"  score REAL,"
"  how TEXT NOT NULL,"
"  evidence TEXT,"
"  undone_at TEXT"
");"
"CREATE TABLE merge_snapshots AS SELECT 0 AS merge_id, * FROM customers WHERE 0;"
"CREATE INDEX merge_snapshots_merge ON merge_snapshots(merge_id);"
"CREATE TABLE merge_moves ("
"  merge_id INTEGER NOT NULL,"
"  tbl TEXT NOT NULL,"
"  row_id INTEGER NOT NULL,"
"  old_customer INTEGER NOT NULL"
");"
"CREATE INDEX merge_moves_merge ON merge_moves(merge_id);"
"CREATE TABLE keep_apart ("
"  id_a INTEGER NOT NULL,"
"  id_b INTEGER NOT NULL,"
"  decided_at TEXT NOT NULL,"
"  PRIMARY KEY (id_a, id_b)"
") WITHOUT ROWID;",
/* 6: crm-remind reclaim (the shared pool, 公海): each --apply run, and the
 * owner and updated_at each customer had before its owner was cleared, so
 * --restore puts them back. */
"CREATE TABLE reclaim_runs ("
"  id INTEGER PRIMARY KEY,"
"  at TEXT NOT NULL,"
"  customers INTEGER NOT NULL,"
"  restored_at TEXT"
");"
"CREATE TABLE owner_history ("
"  run_id INTEGER NOT NULL REFERENCES reclaim_runs(id),"
"  customer_id INTEGER NOT NULL,"
"  owner TEXT NOT NULL,"
"  updated_at TEXT NOT NULL,"
"  reason TEXT NOT NULL"
");"
"CREATE INDEX owner_history_run ON owner_history(run_id);",
/* 7: reminders indexed by customer, not by (status, due): crm-remind builds
 * its due list from the rows it matched and reads the others in one table
 * scan, so nothing asked for (status, due), while a reminder's customer is
 * what merges (lib/merge) and crm-forget look for. A run appends reminders
 * in customer order, so this index grows at its end; the old one took each
 * new reminder at a random place (a third of the cost of a first run's
 * million inserts). */
"DROP INDEX reminders_status;"
"CREATE INDEX reminders_customer ON reminders(customer_id);",
/* 8: one index for reminders, UNIQUE (customer_id, key), instead of key
 * UNIQUE and the customer index of 7. Every key names its customer (or the
 * customer's ticket, which a merge moves with it), so the pair is as unique
 * as the key was, and the index still finds a customer's reminders. A run
 * inserts in customer order: this index grows at its end, where the key's
 * took each new reminder at a random place, and there is one index to
 * write, not two (a first run's million inserts: a quarter less time).
 * SQLite cannot drop a column's UNIQUE: the table is copied. */
"CREATE TABLE reminders_8 ("
"  id INTEGER PRIMARY KEY,"
"  key TEXT NOT NULL,"
"  customer_id INTEGER NOT NULL,"
"  ticket_id INTEGER,"
"  rule TEXT NOT NULL,"
"  due TEXT NOT NULL,"
"  priority TEXT NOT NULL,"
"  reason TEXT NOT NULL,"
"  escalate_to TEXT,"
"  status TEXT NOT NULL DEFAULT 'open',"
"  snoozed_until TEXT,"
"  done_at TEXT, note TEXT,"
"  created_at TEXT NOT NULL, updated_at TEXT NOT NULL"
");"
"INSERT INTO reminders_8 (id, key, customer_id, ticket_id, rule, due, priority, reason, "
"  escalate_to, status, snoozed_until, done_at, note, created_at, updated_at) "
"SELECT id, key, customer_id, ticket_id, rule, due, priority, reason, escalate_to, status, "
"  snoozed_until, done_at, note, created_at, updated_at FROM reminders;"
"DROP TABLE reminders;"
"ALTER TABLE reminders_8 RENAME TO reminders;"
"CREATE UNIQUE INDEX reminders_customer_key ON reminders(customer_id, key);",
};

#endif
