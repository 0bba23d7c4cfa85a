/*
 * diag — diagnostics, exit codes and checked allocation for every crm tool.
 *
 * Messages follow SPEC §6: "crm-import: orders.csv:1432: column "x": cannot ...".
 * The program name is set once by crm_diag_init(); every message starts with it.
 * Allocation wrappers never return NULL: on failure they print a message and exit
 * with CRM_EX_SOFTWARE, so callers need not check.
 */
#ifndef CRM_DIAG_H
#define CRM_DIAG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdnoreturn.h>

/* Exit codes, from sysexits.h; every man page lists them. */
enum crm_exit {
	CRM_EX_OK = 0,
	CRM_EX_FAIL = 1,       /* a check failed (e.g. a KPI missed its target) */
	CRM_EX_USAGE = 64,     /* bad command line */
	CRM_EX_DATAERR = 65,   /* input rows rejected */
	CRM_EX_NOINPUT = 66,   /* input file missing or unreadable */
	CRM_EX_SOFTWARE = 70,  /* internal error, out of memory */
	CRM_EX_CANTCREAT = 73, /* cannot create an output file */
	CRM_EX_IOERR = 74,     /* read or write failed */
	CRM_EX_TEMPFAIL = 75,  /* store busy past the timeout */
	CRM_EX_CONFIG = 78,    /* configuration error */
};

/* Remember the program name (basename of argv0) for messages. */
void crm_diag_init(const char *argv0);
/* The program name set by crm_diag_init(), or "crm". */
const char *crm_progname(void);

/* Print "prog: message" to stderr and exit with status. */
noreturn void crm_die(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* As crm_die, with ": strerror(errno)" appended. */
noreturn void crm_die_errno(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Print "prog: message" to stderr and carry on. */
void crm_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* As crm_warn, with ": strerror(errno)" appended. */
void crm_warn_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void crm_vwarn(const char *fmt, va_list ap);

/* Keep the worst (highest non-zero) exit status seen so far in *worst. */
void crm_status_merge(int *worst, int status);

/* Checked allocation: never NULL; exit 70 with a message on failure. */
/* The position of name in list[0..n) (exact match), or -1. */
int crm_index_of(const char *name, const char *const *list, size_t n);

void *crm_xmalloc(size_t size);
void *crm_xcalloc(size_t n, size_t size);
/* realloc of n elements of size bytes, overflow-checked. */
void *crm_xreallocarray(void *p, size_t n, size_t size);
char *crm_xstrdup(const char *s);
char *crm_xstrndup(const char *s, size_t n);
/* printf into a freshly allocated string. */
char *crm_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *crm_xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* A zeroed array of n elements of size bytes that may be large (tens of
 * MB, touched at random: one entry per customer): mapped anew and with
 * transparent huge pages asked for, so a scan that hits it at random
 * misses the TLB far less. *bytes gets the size to pass to crm_big_free. */
void *crm_big_calloc(size_t n, size_t size, size_t *bytes);
void crm_big_free(void *p, size_t bytes);

/* Where temporary files go: $TMPDIR, else /tmp. */
const char *crm_tmpdir(void);

/* A growable byte buffer, always NUL-terminated once anything was added. */
typedef struct crm_buf {
	char *data;   /* bytes; NULL until first append */
	size_t len;   /* bytes used, excluding the terminating NUL */
	size_t cap;   /* bytes allocated */
} crm_buf;

void crm_buf_append(crm_buf *b, const void *bytes, size_t n);
/* Make room for n more bytes at once (a caller that knows roughly how much
 * it will add spares the doublings and their copies). */
void crm_buf_reserve(crm_buf *b, size_t n);
void crm_buf_puts(crm_buf *b, const char *s);
void crm_buf_putc(crm_buf *b, char c);
void crm_buf_printf(crm_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void crm_buf_vprintf(crm_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Empty the buffer but keep its memory. */
void crm_buf_reset(crm_buf *b);
/* The contents as a C string ("" when empty); owned by the buffer. */
const char *crm_buf_str(const crm_buf *b);
void crm_buf_free(crm_buf *b);

#endif
