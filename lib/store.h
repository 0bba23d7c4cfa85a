/*
 * store — the one SQLite file that holds a business's customer history.
 *
 * Opening creates the file (mode 0600, parent directories 0700) when asked,
 * turns on WAL, foreign keys and a busy timeout (overlapping cron jobs wait
 * rather than fail), and migrates the schema forward (PRAGMA user_version).
 * Every write a command makes is one transaction (crm_store_begin/commit):
 * a run that fails or is killed leaves the store as it was.
 *
 * Failure policy: SQLite errors are fatal. crm_store_die() prints what failed
 * and exits with the matching code (75 busy, 74 I/O or corrupt, 70 otherwise);
 * an open transaction is rolled back by SQLite when the process ends, so
 * dying never leaves a half-written store.
 */
#ifndef CRM_STORE_H
#define CRM_STORE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

/* The schema version this build writes; a store with a higher one is refused. */
#define CRM_SCHEMA_VERSION 8

/* The page cache every connection gets: 64 MiB (a memory bar of 200 MB). */
#define CRM_STORE_CACHE_PRAGMA "PRAGMA cache_size = -65536"

typedef struct crm_store crm_store;

/* Open the store at path. When create is false and the file does not exist,
 * prints "no store at PATH" and exits 66. A file that is not an SQLite
 * database, or has a newer schema, exits 74 / 70 with a message. busy_ms is
 * the busy timeout. Never returns NULL. */
crm_store *crm_store_open(const char *path, bool create, int busy_ms);
void crm_store_close(crm_store *s);
/* Let the process use several connections from several threads at once,
 * one connection per thread (SQLite's multi-thread mode). Call before the
 * first crm_store_open; without it SQLite takes no locks at all. */
void crm_store_threads(void);
/* Another connection to s's store, for another thread (crm_store_threads
 * first): the same settings, no migration (s made the schema current).
 * Fatal on error, as crm_store_open. */
crm_store *crm_store_open_more(const crm_store *s, int busy_ms);
/* Whether crm_store_threads was called. */
bool crm_store_threaded(void);
/* A read-only connection to s's store for another thread, with s's busy
 * timeout; NULL without crm_store_threads or when it cannot be opened (the
 * caller then does without). */
crm_store *crm_store_open_reader(const crm_store *s);
sqlite3 *crm_store_db(crm_store *s);
const char *crm_store_path(const crm_store *s);

/* BEGIN IMMEDIATE (takes the write lock now, waiting up to the busy timeout). */
void crm_store_begin(crm_store *s);
/* For a load that will write more than the store holds: leave WAL for a
 * rollback journal for this run when no other connection has the store open
 * (new pages then go to the file once, not to the WAL and again to the file),
 * and take no foreign-key checks (the caller writes only ids it read in the
 * same transaction). Call before crm_store_begin; crm_store_commit and
 * crm_store_close go back to WAL. Returns true when the journal changed. */
bool crm_store_bulk(crm_store *s);
void crm_store_commit(crm_store *s);
void crm_store_rollback(crm_store *s);

/* Prepare a statement from a constant SQL text; fatal on error. */
sqlite3_stmt *crm_store_prepare(crm_store *s, const char *sql);
/* Run constant SQL with no result rows; fatal on error. */
void crm_store_exec(crm_store *s, const char *sql);
/* sqlite3_step that treats anything but SQLITE_ROW/SQLITE_DONE as fatal. */
int crm_store_step(crm_store *s, sqlite3_stmt *st);

/* Bind helpers (fatal on error); a NULL or "" text binds SQL NULL. */
void crm_store_bind_text(crm_store *s, sqlite3_stmt *st, int i, const char *v);
/* The same without SQLite's copy of v, which must then stay as it is until
 * the statement has been stepped (a bulk insert's strings: a copy each is a
 * malloc and a memcpy per value). */
void crm_store_bind_text_static(crm_store *s, sqlite3_stmt *st, int i, const char *v);
void crm_store_bind_int(crm_store *s, sqlite3_stmt *st, int i, int64_t v);
void crm_store_bind_null(crm_store *s, sqlite3_stmt *st, int i);

/* Print "prog: store PATH: what: sqlite message" and exit with the code that
 * matches rc (SQLITE_BUSY/LOCKED 75, IOERR/FULL/CORRUPT/NOTADB/READONLY/CANTOPEN 74,
 * otherwise 70). */
_Noreturn void crm_store_die(crm_store *s, int rc, const char *what);

#endif
