/*
 * forget.c — erasing a customer's group from every table (see forget.h).
 * The group's ids go into a temporary table; every statement is constant
 * SQL over it.
 */
#include <stdbool.h>
#include <stdio.h>

#include "diag.h"
#include "forget.h"
#include "merge.h"

const char *
crm_forget_table_name(enum crm_forget_table t)
{
	static const char *const names[] = {"customers", "orders", "interactions", "tickets",
	                                    "reminders", "history", "merge_log", "other"};

	return t < CRM_FORGET_NTABLES ? names[t] : "?";
}

/* What to erase, in an order the foreign keys allow: the rows that point
 * at a customer first, the merge log before the snapshots it names, the
 * customers last. Each counts into one table of the report. */
static const struct step {
	enum crm_forget_table table;
	const char *count; /* rows the step erases */
	const char *erase;
} steps[] = {
	{CRM_FORGET_OTHER,
	 "SELECT count(*) FROM import_undo WHERE (tbl = 'customers' AND row_id IN temp.forget_ids) "
	 "OR (tbl = 'orders' AND row_id IN (SELECT id FROM orders WHERE customer_id IN temp.forget_ids)) "
	 "OR (tbl = 'interactions' AND row_id IN (SELECT id FROM interactions WHERE customer_id IN temp.forget_ids)) "
	 "OR (tbl = 'tickets' AND row_id IN (SELECT id FROM tickets WHERE customer_id IN temp.forget_ids))",
	 "DELETE FROM import_undo WHERE (tbl = 'customers' AND row_id IN temp.forget_ids) "
	 "OR (tbl = 'orders' AND row_id IN (SELECT id FROM orders WHERE customer_id IN temp.forget_ids)) "
	 "OR (tbl = 'interactions' AND row_id IN (SELECT id FROM interactions WHERE customer_id IN temp.forget_ids)) "
	 "OR (tbl = 'tickets' AND row_id IN (SELECT id FROM tickets WHERE customer_id IN temp.forget_ids))"},
	{CRM_FORGET_ORDERS, "SELECT count(*) FROM orders WHERE customer_id IN temp.forget_ids",
	 "DELETE FROM orders WHERE customer_id IN temp.forget_ids"},
	{CRM_FORGET_INTERACTIONS, "SELECT count(*) FROM interactions WHERE customer_id IN temp.forget_ids",
	 "DELETE FROM interactions WHERE customer_id IN temp.forget_ids"},
	{CRM_FORGET_TICKETS, "SELECT count(*) FROM tickets WHERE customer_id IN temp.forget_ids",
	 "DELETE FROM tickets WHERE customer_id IN temp.forget_ids"},
	{CRM_FORGET_REMINDERS, "SELECT count(*) FROM reminders WHERE customer_id IN temp.forget_ids",
	 "DELETE FROM reminders WHERE customer_id IN temp.forget_ids"},
	{CRM_FORGET_HISTORY, "SELECT count(*) FROM segment_history WHERE customer_id IN temp.forget_ids",
	 "DELETE FROM segment_history WHERE customer_id IN temp.forget_ids"},
	{CRM_FORGET_HISTORY, "SELECT count(*) FROM score_history WHERE customer_id IN temp.forget_ids",
	 "DELETE FROM score_history WHERE customer_id IN temp.forget_ids"},
	{CRM_FORGET_HISTORY, "SELECT count(*) FROM owner_history WHERE customer_id IN temp.forget_ids",
	 "DELETE FROM owner_history WHERE customer_id IN temp.forget_ids"},
	{CRM_FORGET_OTHER,
	 "SELECT count(*) FROM keep_apart WHERE id_a IN temp.forget_ids OR id_b IN temp.forget_ids",
	 "DELETE FROM keep_apart WHERE id_a IN temp.forget_ids OR id_b IN temp.forget_ids"},
	/* Merges that hold any of the group: their moves, snapshots and log. */
	{CRM_FORGET_MERGE_LOG,
	 "SELECT count(*) FROM merge_moves WHERE merge_id IN temp.forget_merges "
	 "OR old_customer IN temp.forget_ids",
	 "DELETE FROM merge_moves WHERE merge_id IN temp.forget_merges "
	 "OR old_customer IN temp.forget_ids"},
	{CRM_FORGET_MERGE_LOG,
	 "SELECT count(*) FROM merge_snapshots WHERE merge_id IN temp.forget_merges "
	 "OR id IN temp.forget_ids",
	 "DELETE FROM merge_snapshots WHERE merge_id IN temp.forget_merges OR id IN temp.forget_ids"},
	{CRM_FORGET_MERGE_LOG, "SELECT count(*) FROM merges WHERE id IN temp.forget_merges",
	 "DELETE FROM merges WHERE id IN temp.forget_merges"},
	{CRM_FORGET_CUSTOMERS, "SELECT count(*) FROM customers WHERE id IN temp.forget_ids",
	 "DELETE FROM customers WHERE id IN temp.forget_ids"},
};

void
crm_forget_prepare(crm_store *s)
{
	crm_store_exec(s, "PRAGMA secure_delete = ON");
	crm_store_exec(s, "CREATE TEMP TABLE IF NOT EXISTS forget_ids(id INTEGER PRIMARY KEY)");
	crm_store_exec(s, "CREATE TEMP TABLE IF NOT EXISTS forget_merges(id INTEGER PRIMARY KEY)");
}

static int64_t
count_of(crm_store *s, const char *sql)
{
	sqlite3_stmt *st = crm_store_prepare(s, sql);
	int64_t n = 0;

	if (crm_store_step(s, st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

bool
crm_forget_customer(crm_store *s, int64_t id, bool dry_run, size_t *counts)
{
	int64_t root = crm_merge_resolve(s, id);
	sqlite3_stmt *st;

	if (root < 0)
		return false;
	crm_store_exec(s, "DELETE FROM temp.forget_ids");
	crm_store_exec(s, "DELETE FROM temp.forget_merges");
	/* The survivor and everything merged into it, at any depth. */
	st = crm_store_prepare(s, "INSERT INTO temp.forget_ids WITH RECURSIVE g(id) AS "
	                          "(SELECT ?1 UNION SELECT c.id FROM customers c JOIN g "
	                          "ON c.merged_into = g.id) SELECT id FROM g");
	crm_store_bind_int(s, st, 1, root);
	crm_store_step(s, st);
	sqlite3_finalize(st);
	crm_store_exec(s, "INSERT OR IGNORE INTO temp.forget_merges SELECT id FROM merges "
	                  "WHERE survivor_id IN temp.forget_ids UNION SELECT merge_id FROM "
	                  "merge_snapshots WHERE id IN temp.forget_ids");
	/* A dry run counts; a real one deletes and counts what it deleted. */
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		if (dry_run) {
			counts[steps[i].table] += (size_t)count_of(s, steps[i].count);
			continue;
		}
		crm_store_exec(s, steps[i].erase);
		counts[steps[i].table] += (size_t)sqlite3_changes(crm_store_db(s));
	}
	return true;
}

void
crm_forget_flush(crm_store *s)
{
	sqlite3_stmt *st = crm_store_prepare(s, "PRAGMA wal_checkpoint(TRUNCATE)");

	/* A reader that holds the log open makes the checkpoint partial
	 * (busy = 1): the data is deleted but older page images may remain in
	 * the log until the next checkpoint; say so. */
	if (crm_store_step(s, st) == SQLITE_ROW && sqlite3_column_int(st, 0) != 0)
		crm_warn("another process has the store open: the write-ahead log is emptied at "
		         "its next checkpoint");
	sqlite3_finalize(st);
}
