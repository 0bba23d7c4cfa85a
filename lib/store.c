/* store — open/create, migrate, transactions and statement helpers (see store.h). */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "schema.sql.h"

struct crm_store {
	sqlite3 *db;  /* the connection */
	char *path;   /* file name as given, for messages */
	bool bulk;    /* in a rollback journal for a bulk load; back to WAL after */
	bool readonly; /* the file is not writable for this user: opened read-only */
	int busy_ms;   /* the busy timeout, for more connections */
};

/* crm_store_threads was called: SQLite is in multi-thread mode. */
static bool threads;

#define NMIGRATIONS (int)(sizeof crm_migrations / sizeof crm_migrations[0])
_Static_assert(sizeof crm_migrations / sizeof crm_migrations[0] == CRM_SCHEMA_VERSION,
               "one migration per schema version");

static void leave_bulk(crm_store *s);

static int
exit_code_for(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return CRM_EX_TEMPFAIL;
	case SQLITE_IOERR:
	case SQLITE_FULL:
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
		return CRM_EX_IOERR;
	default:
		return CRM_EX_SOFTWARE;
	}
}

void
crm_store_die(crm_store *s, int rc, const char *what)
{
	const char *msg = s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc);

	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
		crm_die(CRM_EX_TEMPFAIL, "store %s: %s: busy (another crm job holds it; "
		        "waited past the busy timeout)", s->path, what);
	if ((rc & 0xff) == SQLITE_NOTADB)
		crm_die(CRM_EX_IOERR, "store %s: not a crm store (%s)", s->path, msg);
	/* Reading a WAL store needs its -shm file, which SQLite creates beside it. */
	if (rc == SQLITE_READONLY_DIRECTORY || rc == SQLITE_READONLY_CANTINIT)
		crm_die(CRM_EX_IOERR, "store %s: cannot read it: SQLite must create %s-shm "
		        "beside it, and the directory is read-only for this user; copy the "
		        "store to a directory you may write", s->path, s->path);
	if ((rc & 0xff) == SQLITE_READONLY)
		crm_die(CRM_EX_IOERR, "store %s is read-only for this user (%s); nothing was "
		        "written", s->path, msg);
	crm_die(exit_code_for(rc), "store %s: %s: %s", s->path, what, msg);
}

/* mkdir -p for the directory part of path, mode 0700 (the store is private). */
static void
make_parent_dirs(const char *path)
{
	char *dir = crm_xstrdup(path);
	char *p;

	for (p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			crm_die_errno(CRM_EX_CANTCREAT, "cannot create directory %s", dir);
		*p = '/';
	}
	free(dir);
}

/* Create the file with mode 0600 before SQLite opens it, so it is never
 * readable by others, whatever the umask. */
static void
create_private_file(const char *path)
{
	int fd;

	make_parent_dirs(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			return;
		crm_die_errno(CRM_EX_CANTCREAT, "cannot create store %s", path);
	}
	close(fd);
}

static int
user_version(crm_store *s)
{
	sqlite3_stmt *st = crm_store_prepare(s, "PRAGMA user_version");
	int v = 0;

	if (crm_store_step(s, st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void
migrate(crm_store *s)
{
	int v = user_version(s);
	char pragma[64];

	if (v > CRM_SCHEMA_VERSION)
		crm_die(CRM_EX_SOFTWARE, "store %s: schema version %d is newer than this "
		        "crm-tools understands (%d); upgrade crm-tools", s->path, v,
		        CRM_SCHEMA_VERSION);
	if (v == CRM_SCHEMA_VERSION)
		return;
	crm_store_begin(s);
	v = user_version(s);  /* another process may have migrated meanwhile */
	for (; v < NMIGRATIONS; v++) {
		crm_store_exec(s, crm_migrations[v]);
		/* PRAGMA takes no bound parameters; the text is built from an int. */
		snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", v + 1);
		crm_store_exec(s, pragma);
	}
	crm_store_commit(s);
}

crm_store *
crm_store_open(const char *path, bool create, int busy_ms)
{
	crm_store *s = crm_xcalloc(1, sizeof *s);
	struct stat sb;
	int rc;

	/* Each crm process uses one connection from one thread at a time: no
	 * locking, no memory statistics (both cost time per statement); unless
	 * it asked for threads (crm_store_threads: crm-remind's second
	 * connection). A thread that takes the connection over (import's
	 * writer, summary's fold stage never touches it) is the only one to
	 * touch it until it is joined. Too late once SQLite is initialised,
	 * which is harmless. */
	if (!threads)
		sqlite3_config(SQLITE_CONFIG_SINGLETHREAD);
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	s->path = crm_xstrdup(path);
	if (stat(path, &sb) != 0) {
		if (errno != ENOENT)
			crm_die_errno(CRM_EX_IOERR, "store %s", path);
		if (!create)
			crm_die(CRM_EX_NOINPUT, "no store at %s (import something first, "
			        "or give --db)", path);
		create_private_file(path);
	}
	/* A store this user may not write (a copy handed to an analyst) is
	 * opened read-only, so the tools that only read it work; a writer
	 * stops at its first write with the read-only message of
	 * crm_store_die, before anything changed. */
	s->readonly = access(path, W_OK) != 0 && errno == EACCES;
	/* One connection per process, used by one thread: no mutexes needed. */
	rc = sqlite3_open_v2(path, &s->db, (s->readonly ? SQLITE_OPEN_READONLY :
	                     SQLITE_OPEN_READWRITE) | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK)
		crm_store_die(s, rc, "cannot open");
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, busy_ms);
	s->busy_ms = busy_ms;
	/* journal_mode needs a lock when it changes anything; the busy timeout covers it. */
	/* 16 KiB pages (before the first table exists; a no-op afterwards):
	 * a quarter of the page reads and writes of a big import, shallower trees. */
	if (!s->readonly) {
		crm_store_exec(s, "PRAGMA page_size = 16384");
		crm_store_exec(s, "PRAGMA journal_mode = WAL");
	}
	crm_store_exec(s, "PRAGMA foreign_keys = ON");
	crm_store_exec(s, "PRAGMA synchronous = NORMAL");
	/* 64 MiB of page cache: index inserts of a big import stay in memory
	 * instead of spilling to the WAL page by page (a memory bar of 200 MB). */
	crm_store_exec(s, CRM_STORE_CACHE_PRAGMA);
	migrate(s);
	return s;
}

void
crm_store_threads(void)
{
	if (sqlite3_config(SQLITE_CONFIG_MULTITHREAD) == SQLITE_OK)
		threads = true;
}

bool
crm_store_threaded(void)
{
	return threads;
}

crm_store *
crm_store_open_reader(const crm_store *s)
{
	crm_store *t;

	if (!threads)
		return NULL;
	t = crm_xcalloc(1, sizeof *t);
	t->readonly = true;
	if (sqlite3_open_v2(s->path, &t->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
	                    NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(t->db, s->busy_ms) != SQLITE_OK) {
		sqlite3_close(t->db);
		free(t);
		return NULL;
	}
	t->path = crm_xstrdup(s->path);
	sqlite3_extended_result_codes(t->db, 1);
	return t;
}

crm_store *
crm_store_open_more(const crm_store *s, int busy_ms)
{
	crm_store *t = crm_xcalloc(1, sizeof *t);
	int rc;

	if (!threads)
		crm_die(CRM_EX_SOFTWARE, "a second connection needs crm_store_threads");
	t->path = crm_xstrdup(s->path);
	/* Each connection is used by one thread at a time: no mutex of its own. */
	rc = sqlite3_open_v2(t->path, &t->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK)
		crm_store_die(t, rc, "cannot open");
	sqlite3_extended_result_codes(t->db, 1);
	sqlite3_busy_timeout(t->db, busy_ms);
	t->busy_ms = busy_ms;
	crm_store_exec(t, "PRAGMA foreign_keys = ON");
	crm_store_exec(t, "PRAGMA synchronous = NORMAL");
	crm_store_exec(t, CRM_STORE_CACHE_PRAGMA);
	return t;
}

void
crm_store_close(crm_store *s)
{
	if (s == NULL)
		return;
	leave_bulk(s);
	if (sqlite3_close(s->db) != SQLITE_OK)
		crm_warn("store %s: close: %s", s->path, sqlite3_errmsg(s->db));
	free(s->path);
	free(s);
}

sqlite3 *
crm_store_db(crm_store *s)
{
	return s->db;
}

const char *
crm_store_path(const crm_store *s)
{
	return s->path;
}

void
crm_store_begin(crm_store *s)
{
	crm_store_exec(s, "BEGIN IMMEDIATE");
}

/* Run a journal_mode pragma; true when the mode in force is then want. A
 * busy store (another connection reading) is no error: the mode stays. */
static bool
set_journal(crm_store *s, const char *pragma, const char *want)
{
	sqlite3_stmt *st = crm_store_prepare(s, pragma);
	bool ok = false;

	if (sqlite3_step(st) == SQLITE_ROW)
		ok = strcmp((const char *)sqlite3_column_text(st, 0), want) == 0;
	sqlite3_finalize(st);
	return ok;
}

bool
crm_store_bulk(crm_store *s)
{
	crm_store_exec(s, "PRAGMA foreign_keys = OFF");
	/* Leaving WAL needs the only connection; if another job has the store
	 * open, SQLite says "wal" and we simply stay there. */
	s->bulk = set_journal(s, "PRAGMA journal_mode = DELETE", "delete");
	return s->bulk;
}

/* Back to WAL after a bulk load; harmless when another reader keeps us out
 * (the next open sets WAL again). */
static void
leave_bulk(crm_store *s)
{
	if (!s->bulk)
		return;
	s->bulk = false;
	sqlite3_exec(s->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
	crm_store_exec(s, "PRAGMA foreign_keys = ON");
}

void
crm_store_commit(crm_store *s)
{
	crm_store_exec(s, "COMMIT");
	leave_bulk(s);
}

void
crm_store_rollback(crm_store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		crm_store_exec(s, "ROLLBACK");
	leave_bulk(s);
}

sqlite3_stmt *
crm_store_prepare(crm_store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);

	if (rc != SQLITE_OK)
		crm_store_die(s, rc, "prepare");
	return st;
}

void
crm_store_exec(crm_store *s, const char *sql)
{
	char *err = NULL;
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, &err);

	sqlite3_free(err);
	if (rc != SQLITE_OK)
		crm_store_die(s, rc, "write");
}

int
crm_store_step(crm_store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		crm_store_die(s, rc, "query");
	return rc;
}

static void
bind_text(crm_store *s, sqlite3_stmt *st, int i, const char *v, sqlite3_destructor_type how)
{
	int rc;

	if (v == NULL || *v == '\0')
		rc = sqlite3_bind_null(st, i);
	else
		rc = sqlite3_bind_text(st, i, v, -1, how);
	if (rc != SQLITE_OK)
		crm_store_die(s, rc, "bind");
}

void
crm_store_bind_text(crm_store *s, sqlite3_stmt *st, int i, const char *v)
{
	bind_text(s, st, i, v, SQLITE_TRANSIENT);
}

void
crm_store_bind_text_static(crm_store *s, sqlite3_stmt *st, int i, const char *v)
{
	bind_text(s, st, i, v, SQLITE_STATIC);
}

void
crm_store_bind_int(crm_store *s, sqlite3_stmt *st, int i, int64_t v)
{
	int rc = sqlite3_bind_int64(st, i, v);

	if (rc != SQLITE_OK)
		crm_store_die(s, rc, "bind");
}

void
crm_store_bind_null(crm_store *s, sqlite3_stmt *st, int i)
{
	int rc = sqlite3_bind_null(st, i);

	if (rc != SQLITE_OK)
		crm_store_die(s, rc, "bind");
}
