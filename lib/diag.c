/* diag — messages, exit codes, checked allocation and byte buffers (see diag.h). */
#include "diag.h"

#include <sys/mman.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *progname = "crm";

void
crm_diag_init(const char *argv0)
{
	const char *slash;

	if (argv0 == NULL || *argv0 == '\0')
		return;
	slash = strrchr(argv0, '/');
	progname = slash ? slash + 1 : argv0;
}

const char *
crm_progname(void)
{
	return progname;
}

void
crm_vwarn(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", progname);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void
vwarn_errno(int errnum, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", progname);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, ": %s\n", strerror(errnum));
}

void
crm_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	crm_vwarn(fmt, ap);
	va_end(ap);
}

void
crm_warn_errno(const char *fmt, ...)
{
	va_list ap;
	int errnum = errno;

	va_start(ap, fmt);
	vwarn_errno(errnum, fmt, ap);
	va_end(ap);
}

void
crm_die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	crm_vwarn(fmt, ap);
	va_end(ap);
	exit(status);
}

void
crm_die_errno(int status, const char *fmt, ...)
{
	va_list ap;
	int errnum = errno;

	va_start(ap, fmt);
	vwarn_errno(errnum, fmt, ap);
	va_end(ap);
	exit(status);
}

void
crm_status_merge(int *worst, int status)
{
	if (status > *worst)
		*worst = status;
}

static noreturn void
out_of_memory(size_t n)
{
	crm_die(CRM_EX_SOFTWARE, "out of memory (asked for %zu bytes)", n);
}

/*
 * Ask for transparent huge pages on a big block (at least 4 MiB): the
 * arrays a million customers fill are touched page by page, and on a
 * virtual machine each 4 KiB page fault costs microseconds; one 2 MiB page
 * replaces 512 of them. Advice only (the kernel may say no, or be set to
 * never); the aligned inside of the block, which is ours, is all it covers.
 */
#define HUGE_BLOCK ((size_t)4 << 20)
#define HUGE_PAGE ((uintptr_t)2 << 20)

static void
huge_hint(void *p, size_t bytes)
{
#ifdef MADV_HUGEPAGE
	uintptr_t start = ((uintptr_t)p + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	uintptr_t end = ((uintptr_t)p + bytes) & ~(HUGE_PAGE - 1);

	if (bytes >= HUGE_BLOCK && end > start)
		(void)madvise((void *)start, end - start, MADV_HUGEPAGE);
#else
	(void)p, (void)bytes;
#endif
}

void *
crm_xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		out_of_memory(size);
	huge_hint(p, size);
	return p;
}

void *
crm_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		out_of_memory(n * size);
	huge_hint(p, n * size);
	return p;
}

void *
crm_xreallocarray(void *p, size_t n, size_t size)
{
	void *q;

	if (size != 0 && n > SIZE_MAX / size)
		crm_die(CRM_EX_SOFTWARE, "size overflow (%zu x %zu)", n, size);
	q = realloc(p, n * size != 0 ? n * size : 1);
	if (q == NULL)
		out_of_memory(n * size);
	huge_hint(q, n * size);
	return q;
}

char *
crm_xstrdup(const char *s)
{
	return crm_xstrndup(s, strlen(s));
}

char *
crm_xstrndup(const char *s, size_t n)
{
	char *p;

	if (n == SIZE_MAX)
		out_of_memory(n);
	p = crm_xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
crm_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = crm_xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

char *
crm_xvasprintf(const char *fmt, va_list ap)
{
	crm_buf b = {0};

	crm_buf_vprintf(&b, fmt, ap);
	return b.data ? b.data : crm_xstrdup("");
}

/* Make room for n more bytes plus a NUL, growing geometrically. */
static void
buf_reserve(crm_buf *b, size_t n)
{
	size_t need, cap;

	if (n > SIZE_MAX - b->len - 1)
		out_of_memory(n);
	need = b->len + n + 1;
	if (need <= b->cap)
		return;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	b->data = crm_xreallocarray(b->data, cap, 1);
	b->cap = cap;
}

void
crm_buf_reserve(crm_buf *b, size_t n)
{
	buf_reserve(b, n);
}

void
crm_buf_append(crm_buf *b, const void *bytes, size_t n)
{
	buf_reserve(b, n);
	if (n)
		memcpy(b->data + b->len, bytes, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
crm_buf_puts(crm_buf *b, const char *s)
{
	crm_buf_append(b, s, strlen(s));
}

void
crm_buf_putc(crm_buf *b, char c)
{
	crm_buf_append(b, &c, 1);
}

void
crm_buf_printf(crm_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	crm_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void
crm_buf_vprintf(crm_buf *b, const char *fmt, va_list ap)
{
	va_list again;
	int n;

	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	if (n < 0)
		crm_die(CRM_EX_SOFTWARE, "cannot format text");
	buf_reserve(b, (size_t)n);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, again);
	va_end(again);
	b->len += (size_t)n;
}

void
crm_buf_reset(crm_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

const char *
crm_buf_str(const crm_buf *b)
{
	return b->data ? b->data : "";
}

void
crm_buf_free(crm_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

int
crm_index_of(const char *name, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i], name) == 0)
			return (int)i;
	return -1;
}

void *
crm_big_calloc(size_t n, size_t size, size_t *bytes)
{
	void *p;

	if (size != 0 && n > SIZE_MAX / size)
		crm_die(CRM_EX_SOFTWARE, "out of memory");
	*bytes = n * size;
	if (*bytes == 0)
		*bytes = 1;
	p = mmap(NULL, *bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		crm_die_errno(CRM_EX_SOFTWARE, "cannot allocate %zu bytes", *bytes);
#ifdef MADV_HUGEPAGE
	(void)madvise(p, *bytes, MADV_HUGEPAGE); /* advice only */
#endif
	return p;
}

const char *
crm_tmpdir(void)
{
	const char *dir = getenv("TMPDIR");

	return dir != NULL && *dir != '\0' ? dir : "/tmp";
}

void
crm_big_free(void *p, size_t bytes)
{
	if (p != NULL)
		munmap(p, bytes);
}
