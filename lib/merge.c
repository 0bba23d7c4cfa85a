/*
 * merge.c — merge, undo and keep-apart over the store (see merge.h).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "merge.h"

/* The customers columns a merge decides per field: the most recently updated
 * member's non-empty value wins. */
static const char *const survivor_fields[] = {
	"name", "company", "city", "region", "country", "industry", "size", "owner", "channel",
	"preferred_channel", "birthday", "tags", "notes", "extra",
};
#define NSURV (sizeof survivor_fields / sizeof survivor_fields[0])

/* A member's row, as far as a merge reads it. */
struct member {
	int64_t id;
	char *field[NSURV];
	char *email, *phone, *emails_extra, *phones_extra, *status, *created_at, *updated_at;
};

static char *
col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t != NULL && *t != 0 ? crm_xstrdup((const char *)t) : NULL;
}

/* Append the strings of a JSON array of plain strings (as import writes
 * extras) to buf, each after a '\n'. */
static void
append_json_list(crm_buf *b, const char *json)
{
	const char *p = json;

	while (p != NULL && (p = strchr(p, '"')) != NULL) {
		const char *end = strchr(p + 1, '"');

		if (end == NULL)
			break;
		crm_buf_putc(b, '\n');
		crm_buf_append(b, p + 1, (size_t)(end - p - 1));
		p = end + 1;
	}
}

struct crm_merge_customer *
crm_merge_load(crm_store *s, size_t *n)
{
	sqlite3_stmt *st = crm_store_prepare(
	    s, "SELECT id, external_id, name, company, email, emails_extra, phone, phones_extra, "
	       "city, region, country, birthday FROM customers WHERE merged_into IS NULL "
	       "ORDER BY id");
	struct crm_merge_customer *v = NULL;
	size_t cap = 0;

	*n = 0;
	while (crm_store_step(s, st) == SQLITE_ROW) {
		struct crm_merge_customer *c;
		crm_buf e = {0}, p = {0};

		if (*n == cap) {
			cap = cap ? 2 * cap : 1024;
			v = crm_xreallocarray(v, cap, sizeof *v);
		}
		c = &v[(*n)++];
		c->id = sqlite3_column_int64(st, 0);
		c->external_id = col_text(st, 1);
		c->name = col_text(st, 2);
		c->company = col_text(st, 3);
		if (sqlite3_column_text(st, 4) != NULL)
			crm_buf_puts(&e, (const char *)sqlite3_column_text(st, 4));
		append_json_list(&e, (const char *)sqlite3_column_text(st, 5));
		if (sqlite3_column_text(st, 6) != NULL)
			crm_buf_puts(&p, (const char *)sqlite3_column_text(st, 6));
		append_json_list(&p, (const char *)sqlite3_column_text(st, 7));
		c->emails = e.data;
		c->phones = p.data;
		c->city = col_text(st, 8);
		c->region = col_text(st, 9);
		c->country = col_text(st, 10);
		c->birthday = col_text(st, 11);
	}
	sqlite3_finalize(st);
	return v;
}

void
crm_merge_customers_free(struct crm_merge_customer *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(c[i].external_id), free(c[i].name), free(c[i].company);
		free(c[i].emails), free(c[i].phones), free(c[i].city);
		free(c[i].region), free(c[i].country), free(c[i].birthday);
	}
	free(c);
}

void
crm_merge_keep_apart_each(crm_store *s, void (*fn)(int64_t a, int64_t b, void *arg), void *arg)
{
	sqlite3_stmt *st = crm_store_prepare(s, "SELECT id_a, id_b FROM keep_apart");

	while (crm_store_step(s, st) == SQLITE_ROW)
		fn(sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), arg);
	sqlite3_finalize(st);
}

void
crm_merge_keep_apart(crm_store *s, int64_t a, int64_t b, const char *now)
{
	sqlite3_stmt *st = crm_store_prepare(
	    s, "INSERT OR IGNORE INTO keep_apart (id_a, id_b, decided_at) VALUES (?, ?, ?)");

	crm_store_bind_int(s, st, 1, a < b ? a : b);
	crm_store_bind_int(s, st, 2, a < b ? b : a);
	crm_store_bind_text(s, st, 3, now);
	crm_store_step(s, st);
	sqlite3_finalize(st);
}

int64_t
crm_merge_resolve(crm_store *s, int64_t id)
{
	sqlite3_stmt *st = crm_store_prepare(s, "SELECT merged_into FROM customers WHERE id = ?");

	for (int hops = 0; hops < 64; hops++) {
		int rc;

		sqlite3_reset(st);
		crm_store_bind_int(s, st, 1, id);
		rc = crm_store_step(s, st);
		if (rc != SQLITE_ROW) {
			id = -1;
			break;
		}
		if (sqlite3_column_type(st, 0) == SQLITE_NULL)
			break;
		id = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return id;
}

static void
member_load(crm_store *s, sqlite3_stmt *st, int64_t id, struct member *m)
{
	sqlite3_reset(st);
	crm_store_bind_int(s, st, 1, id);
	if (crm_store_step(s, st) != SQLITE_ROW)
		crm_die(CRM_EX_DATAERR, "customer %lld is not in the store (or was merged away)",
		        (long long)id);
	m->id = id;
	for (size_t f = 0; f < NSURV; f++)
		m->field[f] = col_text(st, (int)f);
	m->email = col_text(st, NSURV);
	m->phone = col_text(st, NSURV + 1);
	m->emails_extra = col_text(st, NSURV + 2);
	m->phones_extra = col_text(st, NSURV + 3);
	m->status = col_text(st, NSURV + 4);
	m->created_at = col_text(st, NSURV + 5);
	m->updated_at = col_text(st, NSURV + 6);
}

static void
member_free(struct member *m)
{
	for (size_t f = 0; f < NSURV; f++)
		free(m->field[f]);
	free(m->email), free(m->phone), free(m->emails_extra), free(m->phones_extra);
	free(m->status), free(m->created_at), free(m->updated_at);
}

/* Members most recently updated first, so the first non-empty value of a
 * field is the survivor's. On a tie (one import brought both) the lower id
 * comes first: the record typed first, whose values a later, sketchier copy
 * (a trade-fair sign-up) should not overwrite. */
static int
by_updated_desc(const void *x, const void *y)
{
	const struct member *a = x, *b = y;
	int c = strcmp(b->updated_at ? b->updated_at : "", a->updated_at ? a->updated_at : "");

	if (c != 0)
		return c;
	return a->id < b->id ? -1 : a->id > b->id;
}

/* The members' extra JSON objects merged key by key, the first member's
 * value winning (members in survivorship order), so no column a member
 * brought is lost. Newly allocated, or NULL when no member has one. */
static char *
merged_extra(crm_store *s, const struct member *m, size_t n, size_t f_extra)
{
	sqlite3_stmt *st = crm_store_prepare(s, "SELECT json_patch(?1, ?2) WHERE json_valid(?1) "
	                                        "AND json_valid(?2)");
	char *acc = NULL;

	for (size_t i = n; i-- > 0;) {
		const char *e = m[i].field[f_extra];

		if (e == NULL)
			continue;
		if (acc == NULL) {
			acc = crm_xstrdup(e);
			continue;
		}
		sqlite3_reset(st);
		crm_store_bind_text(s, st, 1, acc);
		crm_store_bind_text(s, st, 2, e);
		if (crm_store_step(s, st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL) {
			free(acc);
			acc = crm_xstrdup((const char *)sqlite3_column_text(st, 0));
		} else {
			free(acc); /* not JSON: the later member's, as for any field */
			acc = crm_xstrdup(e);
		}
	}
	sqlite3_finalize(st);
	return acc;
}

/* Every distinct contact (main first, then extras) over the members, in
 * member order, as a '\n'-free list: main into *main, the rest as a JSON
 * array into *extras (NULL when none). */
static void
contacts_union(const struct member *m, size_t n, bool email, char **main, char **extras)
{
	crm_buf all = {0}, arr = {0};
	const char *p;

	for (size_t i = 0; i < n; i++) {
		const char *one = email ? m[i].email : m[i].phone;

		if (one != NULL) {
			crm_buf_putc(&all, '\n');
			crm_buf_puts(&all, one);
		}
		append_json_list(&all, email ? m[i].emails_extra : m[i].phones_extra);
	}
	*main = *extras = NULL;
	crm_buf_putc(&all, '\n');
	for (p = all.data + 1; p < all.data + all.len; p += strcspn(p, "\n") + 1) {
		size_t len = strcspn(p, "\n");
		char *one;
		bool seen = false;

		if (len == 0)
			continue;
		one = crm_xstrndup(p, len);
		/* Seen already? (a repeat starts after an earlier '\n') */
		for (const char *q = all.data + 1; q < p; q += strcspn(q, "\n") + 1)
			if (strcspn(q, "\n") == len && memcmp(q, p, len) == 0)
				seen = true;
		if (seen) {
			free(one);
		} else if (*main == NULL) {
			*main = one;
		} else {
			crm_buf_puts(&arr, arr.len ? ",\"" : "[\"");
			for (const char *c = one; *c != 0; c++) {
				if (*c == '"' || *c == '\\')
					crm_buf_putc(&arr, '\\');
				crm_buf_putc(&arr, *c);
			}
			crm_buf_putc(&arr, '"');
			free(one);
		}
	}
	if (arr.len) {
		crm_buf_putc(&arr, ']');
		*extras = arr.data;
	}
	crm_buf_free(&all);
}

static const char *const move_sql[][2] = {
	{"INSERT INTO merge_moves SELECT ?1, 'orders', id, customer_id FROM orders WHERE customer_id = ?2",
	 "UPDATE orders SET customer_id = ?1 WHERE customer_id = ?2"},
	{"INSERT INTO merge_moves SELECT ?1, 'interactions', id, customer_id FROM interactions "
	 "WHERE customer_id = ?2",
	 "UPDATE interactions SET customer_id = ?1 WHERE customer_id = ?2"},
	{"INSERT INTO merge_moves SELECT ?1, 'tickets', id, customer_id FROM tickets WHERE customer_id = ?2",
	 "UPDATE tickets SET customer_id = ?1 WHERE customer_id = ?2"},
	{"INSERT INTO merge_moves SELECT ?1, 'reminders', id, customer_id FROM reminders "
	 "WHERE customer_id = ?2",
	 "UPDATE reminders SET customer_id = ?1 WHERE customer_id = ?2"},
	/* Customers merged into a member earlier now answer to the survivor. */
	{"INSERT INTO merge_moves SELECT ?1, 'customers', id, merged_into FROM customers "
	 "WHERE merged_into = ?2",
	 "UPDATE customers SET merged_into = ?1 WHERE merged_into = ?2"},
};

/* Record where the member's rows were and move them to the survivor. */
static void
move_rows(crm_store *s, int64_t merge_id, int64_t member, int64_t survivor)
{
	for (size_t i = 0; i < sizeof move_sql / sizeof move_sql[0]; i++) {
		sqlite3_stmt *log = crm_store_prepare(s, move_sql[i][0]);
		sqlite3_stmt *move = crm_store_prepare(s, move_sql[i][1]);

		crm_store_bind_int(s, log, 1, merge_id);
		crm_store_bind_int(s, log, 2, member);
		crm_store_step(s, log);
		crm_store_bind_int(s, move, 1, survivor);
		crm_store_bind_int(s, move, 2, member);
		crm_store_step(s, move);
		sqlite3_finalize(log);
		sqlite3_finalize(move);
	}
}

static void
update_survivor(crm_store *s, struct member *m, size_t n, int64_t survivor, const char *now)
{
	sqlite3_stmt *st = crm_store_prepare(
	    s, "UPDATE customers SET name = ?1, company = ?2, city = ?3, region = ?4, country = ?5, "
	       "industry = ?6, size = ?7, owner = ?8, channel = ?9, preferred_channel = ?10, "
	       "birthday = ?11, tags = ?12, notes = ?13, extra = ?14, email = ?15, "
	       "emails_extra = ?16, phone = ?17, phones_extra = ?18, status = ?19, "
	       "created_at = ?20, updated_at = ?21 WHERE id = ?22");
	const char *created = NULL, *status = "lead";
	char *email, *emails, *phone, *phones, *extra = NULL;

	qsort(m, n, sizeof *m, by_updated_desc);
	for (size_t f = 0; f < NSURV; f++) {
		const char *v = NULL;

		if (strcmp(survivor_fields[f], "extra") == 0) {
			extra = merged_extra(s, m, n, f);
			crm_store_bind_text(s, st, (int)f + 1, extra);
			continue;
		}
		for (size_t i = 0; i < n && v == NULL; i++)
			v = m[i].field[f];
		crm_store_bind_text(s, st, (int)f + 1, v);
	}
	contacts_union(m, n, true, &email, &emails);
	contacts_union(m, n, false, &phone, &phones);
	for (size_t i = 0; i < n; i++) {
		if (m[i].created_at != NULL && (created == NULL || strcmp(m[i].created_at, created) < 0))
			created = m[i].created_at;
		if (m[i].status != NULL && strcmp(m[i].status, "customer") == 0)
			status = "customer";
	}
	crm_store_bind_text(s, st, 15, email);
	crm_store_bind_text(s, st, 16, emails);
	crm_store_bind_text(s, st, 17, phone);
	crm_store_bind_text(s, st, 18, phones);
	crm_store_bind_text(s, st, 19, status);
	crm_store_bind_text(s, st, 20, created != NULL ? created : now);
	crm_store_bind_text(s, st, 21, now);
	crm_store_bind_int(s, st, 22, survivor);
	crm_store_step(s, st);
	sqlite3_finalize(st);
	free(email), free(emails), free(phone), free(phones), free(extra);
}

int64_t
crm_merge_customers(crm_store *s, const int64_t *ids, size_t n, double score,
                    const char *evidence, const char *how, const char *now, int64_t *survivor_out)
{
	sqlite3_stmt *load = crm_store_prepare(
	    s, "SELECT name, company, city, region, country, industry, size, owner, channel, "
	       "preferred_channel, birthday, tags, notes, extra, email, phone, emails_extra, "
	       "phones_extra, status, created_at, updated_at FROM customers "
	       "WHERE id = ? AND merged_into IS NULL");
	sqlite3_stmt *st;
	struct member *m = crm_xcalloc(n, sizeof *m);
	int64_t survivor, merge_id;
	size_t first = 0;
	crm_buf members = {0};

	for (size_t i = 0; i < n; i++) {
		member_load(s, load, ids[i], &m[i]);
		/* The survivor: created first, lowest id on a tie. */
		if (i > 0) {
			int c = strcmp(m[i].created_at ? m[i].created_at : "",
			               m[first].created_at ? m[first].created_at : "");

			if (c < 0 || (c == 0 && m[i].id < m[first].id))
				first = i;
		}
	}
	sqlite3_finalize(load);
	survivor = m[first].id;
	for (size_t i = 0; i < n; i++)
		if (i != first)
			crm_buf_printf(&members, "%s%lld", members.len ? "," : "", (long long)m[i].id);

	st = crm_store_prepare(s, "INSERT INTO merges (merged_at, survivor_id, members, score, how, "
	                          "evidence) VALUES (?, ?, ?, ?, ?, ?)");
	crm_store_bind_text(s, st, 1, now);
	crm_store_bind_int(s, st, 2, survivor);
	crm_store_bind_text(s, st, 3, members.data);
	if (sqlite3_bind_double(st, 4, score) != SQLITE_OK)
		crm_store_die(s, sqlite3_errcode(crm_store_db(s)), "bind");
	crm_store_bind_text(s, st, 5, how);
	crm_store_bind_text(s, st, 6, evidence);
	crm_store_step(s, st);
	sqlite3_finalize(st);
	merge_id = sqlite3_last_insert_rowid(crm_store_db(s));

	st = crm_store_prepare(s, "INSERT INTO merge_snapshots SELECT ?, * FROM customers WHERE id = ?");
	for (size_t i = 0; i < n; i++) {
		sqlite3_reset(st);
		crm_store_bind_int(s, st, 1, merge_id);
		crm_store_bind_int(s, st, 2, m[i].id);
		crm_store_step(s, st);
	}
	sqlite3_finalize(st);

	for (size_t i = 0; i < n; i++)
		if (i != first)
			move_rows(s, merge_id, m[i].id, survivor);
	update_survivor(s, m, n, survivor, now);
	st = crm_store_prepare(s, "UPDATE customers SET merged_into = ? WHERE id = ?");
	for (size_t i = 0; i < n; i++) {
		if (m[i].id == survivor)
			continue;
		sqlite3_reset(st);
		crm_store_bind_int(s, st, 1, survivor);
		crm_store_bind_int(s, st, 2, m[i].id);
		crm_store_step(s, st);
	}
	sqlite3_finalize(st);
	for (size_t i = 0; i < n; i++)
		member_free(&m[i]);
	free(m);
	crm_buf_free(&members);
	if (survivor_out != NULL)
		*survivor_out = survivor;
	return merge_id;
}

/* Is id in the comma list? */
static bool
in_list(const char *list, int64_t id)
{
	for (const char *p = list; p != NULL && *p != 0;) {
		if (strtoll(p, NULL, 10) == id)
			return true;
		p = strchr(p, ',');
		if (p != NULL)
			p++;
	}
	return false;
}

/* A merge after merge_id, still in place, that touches one of its customers. */
static int64_t
later_merge(crm_store *s, int64_t merge_id, int64_t survivor, const char *members)
{
	sqlite3_stmt *st = crm_store_prepare(
	    s, "SELECT id, survivor_id, members FROM merges WHERE id > ? AND undone_at IS NULL");
	int64_t found = 0;

	crm_store_bind_int(s, st, 1, merge_id);
	while (found == 0 && crm_store_step(s, st) == SQLITE_ROW) {
		int64_t sv = sqlite3_column_int64(st, 1);
		const char *ms = (const char *)sqlite3_column_text(st, 2);

		if (sv == survivor || in_list(members, sv) || in_list(ms, survivor))
			found = sqlite3_column_int64(st, 0);
		for (const char *p = ms; found == 0 && p != NULL && *p != 0;) {
			if (in_list(members, strtoll(p, NULL, 10)))
				found = sqlite3_column_int64(st, 0);
			p = strchr(p, ',');
			if (p != NULL)
				p++;
		}
	}
	sqlite3_finalize(st);
	return found;
}

static const char *const undo_sql[] = {
	"UPDATE orders SET customer_id = (SELECT old_customer FROM merge_moves m WHERE m.merge_id = ?1 "
	"AND m.tbl = 'orders' AND m.row_id = orders.id) WHERE id IN (SELECT row_id FROM merge_moves "
	"WHERE merge_id = ?1 AND tbl = 'orders')",
	"UPDATE interactions SET customer_id = (SELECT old_customer FROM merge_moves m WHERE "
	"m.merge_id = ?1 AND m.tbl = 'interactions' AND m.row_id = interactions.id) WHERE id IN "
	"(SELECT row_id FROM merge_moves WHERE merge_id = ?1 AND tbl = 'interactions')",
	"UPDATE tickets SET customer_id = (SELECT old_customer FROM merge_moves m WHERE m.merge_id = ?1 "
	"AND m.tbl = 'tickets' AND m.row_id = tickets.id) WHERE id IN (SELECT row_id FROM merge_moves "
	"WHERE merge_id = ?1 AND tbl = 'tickets')",
	"UPDATE reminders SET customer_id = (SELECT old_customer FROM merge_moves m WHERE "
	"m.merge_id = ?1 AND m.tbl = 'reminders' AND m.row_id = reminders.id) WHERE id IN "
	"(SELECT row_id FROM merge_moves WHERE merge_id = ?1 AND tbl = 'reminders')",
	"UPDATE customers SET merged_into = (SELECT old_customer FROM merge_moves m WHERE "
	"m.merge_id = ?1 AND m.tbl = 'customers' AND m.row_id = customers.id) WHERE id IN "
	"(SELECT row_id FROM merge_moves WHERE merge_id = ?1 AND tbl = 'customers')",
	/* Every member's row as it was, the survivor's included. */
	"UPDATE customers SET (external_id, source, name, company, email, phone, emails_extra, "
	"phones_extra, city, region, country, industry, size, owner, channel, status, "
	"preferred_channel, birthday, tags, notes, created_at, updated_at, merged_into, extra, "
	"import_id) = (SELECT external_id, source, name, company, email, phone, emails_extra, "
	"phones_extra, city, region, country, industry, size, owner, channel, status, "
	"preferred_channel, birthday, tags, notes, created_at, updated_at, merged_into, extra, "
	"import_id FROM merge_snapshots m WHERE m.merge_id = ?1 AND m.id = customers.id) "
	"WHERE id IN (SELECT id FROM merge_snapshots WHERE merge_id = ?1)",
};

int
crm_merge_undo(crm_store *s, int64_t merge_id, const char *now)
{
	sqlite3_stmt *st = crm_store_prepare(
	    s, "SELECT survivor_id, members, undone_at FROM merges WHERE id = ?");
	int64_t survivor, later;
	char *members;

	crm_store_bind_int(s, st, 1, merge_id);
	if (crm_store_step(s, st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		crm_warn("no merge %lld (crm-dedupe --list-merges shows them)", (long long)merge_id);
		return CRM_EX_DATAERR;
	}
	if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
		crm_warn("merge %lld was undone already, at %s", (long long)merge_id,
		         (const char *)sqlite3_column_text(st, 2));
		sqlite3_finalize(st);
		return CRM_EX_DATAERR;
	}
	survivor = sqlite3_column_int64(st, 0);
	members = crm_xstrdup((const char *)sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	later = later_merge(s, merge_id, survivor, members);
	free(members);
	if (later != 0) {
		crm_warn("merge %lld involves the same customers and came later: undo it first",
		         (long long)later);
		return CRM_EX_DATAERR;
	}
	for (size_t i = 0; i < sizeof undo_sql / sizeof undo_sql[0]; i++) {
		st = crm_store_prepare(s, undo_sql[i]);
		crm_store_bind_int(s, st, 1, merge_id);
		crm_store_step(s, st);
		sqlite3_finalize(st);
	}
	st = crm_store_prepare(s, "UPDATE merges SET undone_at = ? WHERE id = ?");
	crm_store_bind_text(s, st, 1, now);
	crm_store_bind_int(s, st, 2, merge_id);
	crm_store_step(s, st);
	sqlite3_finalize(st);
	return 0;
}

void
crm_merge_list(crm_store *s, crm_csv_writer *w)
{
	static const char *const header[] = {"merge_id", "merged_at", "survivor_id", "members",
	                                     "score", "how", "undone_at", "evidence"};
	sqlite3_stmt *st = crm_store_prepare(
	    s, "SELECT id, merged_at, survivor_id, members, printf('%.4f', score), how, undone_at, "
	       "evidence FROM merges ORDER BY id");

	crm_csv_write_row(w, header, 8);
	while (crm_store_step(s, st) == SQLITE_ROW) {
		for (int i = 0; i < 8; i++)
			crm_csv_write_field(w, (const char *)sqlite3_column_text(st, i));
		crm_csv_end_row(w);
	}
	sqlite3_finalize(st);
}
