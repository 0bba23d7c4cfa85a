/*
 * merge — merging duplicate customers in the store, reversibly.
 *
 * A merge picks a survivor (the member created first; the lowest id on a
 * tie), gives it per field the most recently updated non-empty value of any
 * member (on a tie, the lower id's), the extra columns of all members merged
 * key by key, every distinct e-mail and phone (one as the main value, the rest
 * as extras), the earliest created date and "customer" when any member was
 * one; moves the members' orders, interactions, tickets and reminders to it;
 * and sets the members' merged_into. Before changing anything it records a
 * snapshot of every member's row and every moved row's owner, so
 * crm_merge_undo puts back exactly what was there.
 *
 * Keep-apart decisions (a pair a person said is two customers) are stored
 * too, and crm-dedupe never proposes such a pair again.
 *
 * All functions run inside the caller's transaction (crm_store_begin).
 */
#ifndef CRM_MERGE_H
#define CRM_MERGE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "csvio.h"
#include "store.h"

/* A live customer's fields as crm-dedupe compares them. */
struct crm_merge_customer {
	int64_t id;
	char *external_id, *name, *company, *emails, *phones, *city, *region, *country,
	    *birthday; /* emails/phones: main then extras, '\n'-joined */
};

/* Every live customer (merged_into IS NULL), in id order. Free with
 * crm_merge_customers_free. */
struct crm_merge_customer *crm_merge_load(crm_store *s, size_t *n);
void crm_merge_customers_free(struct crm_merge_customer *c, size_t n);

/* The stored keep-apart pairs: calls fn(a, b, arg) for each. */
void crm_merge_keep_apart_each(crm_store *s, void (*fn)(int64_t a, int64_t b, void *arg),
                               void *arg);
/* Remember that a and b are different customers. */
void crm_merge_keep_apart(crm_store *s, int64_t a, int64_t b, const char *now);

/* Merge ids[0..n) (live customers, n >= 2) into one. how: "auto" or
 * "review"; score and evidence describe the pair that decided it. Returns
 * the merge id. now is "YYYY-MM-DD HH:MM:SS". */
int64_t crm_merge_customers(crm_store *s, const int64_t *ids, size_t n, double score,
                            const char *evidence, const char *how, const char *now,
                            int64_t *survivor);
/* The live customer id answers for (id itself, or the one it was merged
 * into, followed to the end), or -1 when there is no such customer. */
int64_t crm_merge_resolve(crm_store *s, int64_t id);

/* Undo merge id. Returns 0; or prints why and returns CRM_EX_DATAERR (65)
 * when there is no such merge, it was undone already, or a later merge that
 * is still in place involves its customers (undo that first). */
int crm_merge_undo(crm_store *s, int64_t merge_id, const char *now);

/* The merge log as a table (id, merged_at, survivor_id, members, score, how,
 * undone_at, evidence). */
void crm_merge_list(crm_store *s, crm_csv_writer *w);

#endif
