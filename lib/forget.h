/*
 * forget — erase a customer completely, for a data-subject request: the
 * customer and every record merged into it, their orders, interactions,
 * tickets and reminders, segment and score history, the merge log entries
 * and snapshots that hold them, keep-apart pairs, reclaim history, and the
 * import undo data of those rows. The deleted content is overwritten in the
 * file (PRAGMA secure_delete) and the write-ahead log is emptied afterwards,
 * so the bytes are gone from the store, not just unlinked.
 *
 * Reject files on disk and copies of the store are the user's to delete
 * (crm-forget(1) says so).
 */
#ifndef CRM_FORGET_H
#define CRM_FORGET_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* Rows erased (or, for a dry run, that would be), by table. */
enum crm_forget_table {
	CRM_FORGET_CUSTOMERS, CRM_FORGET_ORDERS, CRM_FORGET_INTERACTIONS, CRM_FORGET_TICKETS,
	CRM_FORGET_REMINDERS, CRM_FORGET_HISTORY, CRM_FORGET_MERGE_LOG, CRM_FORGET_OTHER,
	CRM_FORGET_NTABLES
};
const char *crm_forget_table_name(enum crm_forget_table t);

/* Turn on secure_delete for this connection (before crm_store_begin). */
void crm_forget_prepare(crm_store *s);
/* Erase customer id and the records merged into it (id may be a record
 * merged away: its survivor's whole group goes). Adds to counts. Returns
 * false when the store has no such customer. Inside the caller's
 * transaction; dry_run counts without deleting. */
bool crm_forget_customer(crm_store *s, int64_t id, bool dry_run, size_t *counts);
/* After the commit: move the WAL into the file and truncate it. */
void crm_forget_flush(crm_store *s);

#endif
