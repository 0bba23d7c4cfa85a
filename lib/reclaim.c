/*
 * reclaim.c — customers due back to the shared pool, clearing and restoring
 * their owners (see reclaim.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "diag.h"
#include "reclaim.h"

static char *
text_or_empty(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return crm_xstrdup(t != NULL ? (const char *)t : "");
}

/* Day number of a stored "YYYY-MM-DD[ ...]" text, or fallback. */
static int64_t
day_of(const char *t, int64_t fallback)
{
	char date[11];
	int64_t day;

	if (t == NULL || strlen(t) < 10)
		return fallback;
	memcpy(date, t, 10);
	date[10] = 0;
	return crm_date_parse_iso(date, &day) == 0 ? day : fallback;
}

size_t
crm_reclaim_find(crm_store *s, int64_t today, int follow_days, int order_days, const char *owner,
                 struct crm_reclaim_row **rows)
{
	/* Per customer with an owner: the owner's last follow-up, the last paid
	 * order and the creation time (both through the per-customer indexes). */
	sqlite3_stmt *st = crm_store_prepare(
	    s, "SELECT c.id, c.external_id, c.name, c.owner, "
	       "(SELECT max(i.at) FROM interactions i WHERE i.customer_id = c.id "
	       "  AND (i.owner IS NULL OR i.owner = '' OR i.owner = c.owner)), "
	       "(SELECT max(o.ordered_at) FROM orders o WHERE o.customer_id = c.id "
	       "  AND o.status = 'paid'), "
	       "c.created_at "
	       "FROM customers c WHERE c.merged_into IS NULL AND c.owner IS NOT NULL "
	       "AND c.owner <> '' AND (?1 IS NULL OR c.owner = ?1) ORDER BY c.owner, c.id");
	size_t n = 0, cap = 0;

	*rows = NULL;
	crm_store_bind_text(s, st, 1, owner);
	while (crm_store_step(s, st) == SQLITE_ROW) {
		const char *follow = (const char *)sqlite3_column_text(st, 4);
		const char *order = (const char *)sqlite3_column_text(st, 5);
		int64_t created = day_of((const char *)sqlite3_column_text(st, 6), today);
		int64_t since_follow = today - day_of(follow, created);
		int64_t since_order = today - day_of(order, created);
		crm_buf reason = {0};
		struct crm_reclaim_row *r;

		if (since_follow >= follow_days)
			crm_buf_printf(&reason, "no follow-up by %s for %lld days (limit %d)",
			               (const char *)sqlite3_column_text(st, 3), (long long)since_follow,
			               follow_days);
		if (order_days > 0 && since_order >= order_days)
			crm_buf_printf(&reason, "%sno paid order for %lld days (limit %d)",
			               reason.len ? "; " : "", (long long)since_order, order_days);
		if (reason.len == 0)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			*rows = crm_xreallocarray(*rows, cap, sizeof **rows);
		}
		r = &(*rows)[n++];
		r->id = sqlite3_column_int64(st, 0);
		r->external_id = text_or_empty(st, 1);
		r->name = text_or_empty(st, 2);
		r->owner = text_or_empty(st, 3);
		r->last_follow_up = crm_xstrndup(follow != NULL ? follow : "", 10);
		r->last_order = crm_xstrndup(order != NULL ? order : "", 10);
		r->reason = reason.data;
	}
	sqlite3_finalize(st);
	return n;
}

void
crm_reclaim_rows_free(struct crm_reclaim_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].external_id), free(rows[i].name), free(rows[i].owner);
		free(rows[i].last_follow_up), free(rows[i].last_order), free(rows[i].reason);
	}
	free(rows);
}

int64_t
crm_reclaim_apply(crm_store *s, const struct crm_reclaim_row *rows, size_t n, const char *now)
{
	sqlite3_stmt *run = crm_store_prepare(s, "INSERT INTO reclaim_runs (at, customers) VALUES (?, ?)");
	sqlite3_stmt *log, *clear;
	int64_t run_id;

	crm_store_bind_text(s, run, 1, now);
	crm_store_bind_int(s, run, 2, (int64_t)n);
	crm_store_step(s, run);
	sqlite3_finalize(run);
	run_id = sqlite3_last_insert_rowid(crm_store_db(s));
	log = crm_store_prepare(s, "INSERT INTO owner_history (run_id, customer_id, owner, updated_at, "
	                           "reason) SELECT ?1, id, owner, updated_at, ?3 FROM customers "
	                           "WHERE id = ?2 AND owner IS NOT NULL");
	clear = crm_store_prepare(s, "UPDATE customers SET owner = NULL, updated_at = ?2 WHERE id = ?1");
	for (size_t i = 0; i < n; i++) {
		sqlite3_reset(log);
		crm_store_bind_int(s, log, 1, run_id);
		crm_store_bind_int(s, log, 2, rows[i].id);
		crm_store_bind_text(s, log, 3, rows[i].reason);
		crm_store_step(s, log);
		sqlite3_reset(clear);
		crm_store_bind_int(s, clear, 1, rows[i].id);
		crm_store_bind_text(s, clear, 2, now);
		crm_store_step(s, clear);
	}
	sqlite3_finalize(log);
	sqlite3_finalize(clear);
	return run_id;
}

int
crm_reclaim_restore(crm_store *s, int64_t run, const char *now, size_t *restored, size_t *kept)
{
	sqlite3_stmt *st = crm_store_prepare(s, "SELECT restored_at FROM reclaim_runs WHERE id = ?");
	sqlite3_stmt *put;

	*restored = *kept = 0;
	crm_store_bind_int(s, st, 1, run);
	if (crm_store_step(s, st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		crm_warn("no reclaim run %lld", (long long)run);
		return CRM_EX_DATAERR;
	}
	if (sqlite3_column_type(st, 0) != SQLITE_NULL) {
		crm_warn("reclaim run %lld was restored already, at %s", (long long)run,
		         (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
		return CRM_EX_DATAERR;
	}
	sqlite3_finalize(st);
	/* Only customers still in the pool get their owner (and the updated_at
	 * they had) back. */
	put = crm_store_prepare(
	    s, "UPDATE customers SET owner = h.owner, updated_at = h.updated_at "
	       "FROM owner_history h WHERE h.run_id = ?1 AND customers.id = h.customer_id "
	       "AND (customers.owner IS NULL OR customers.owner = '')");
	crm_store_bind_int(s, put, 1, run);
	crm_store_step(s, put);
	*restored = (size_t)sqlite3_changes(crm_store_db(s));
	sqlite3_finalize(put);
	st = crm_store_prepare(s, "SELECT count(*) FROM owner_history WHERE run_id = ?");
	crm_store_bind_int(s, st, 1, run);
	crm_store_step(s, st);
	*kept = (size_t)sqlite3_column_int64(st, 0) - *restored;
	sqlite3_finalize(st);
	st = crm_store_prepare(s, "UPDATE reclaim_runs SET restored_at = ? WHERE id = ?");
	crm_store_bind_text(s, st, 1, now);
	crm_store_bind_int(s, st, 2, run);
	crm_store_step(s, st);
	sqlite3_finalize(st);
	return 0;
}
