/* reject — write refused records raw, with _line and _reason (see reject.h). */
#include "reject.h"

#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decode.h"
#include "diag.h"

struct crm_rejects {
	char *path;
	char *encoding;    /* of the input; reasons are converted to it */
	char delimiter;
	char *header;      /* raw header line */
	size_t header_len;
	FILE *fp;          /* NULL until the first rejection */
	long count;
	int failed;        /* a write failed (reported at close) */
	bool bom;          /* begin with a UTF-8 byte order mark */
};

crm_rejects *
crm_rejects_new(const char *path, const char *encoding, char delimiter, const char *header,
                size_t header_len)
{
	crm_rejects *r = crm_xcalloc(1, sizeof *r);

	r->path = crm_xstrdup(path);
	r->encoding = crm_xstrdup(encoding ? encoding : "UTF-8");
	r->delimiter = delimiter ? delimiter : ',';
	r->header = crm_xstrndup(header ? header : "", header ? header_len : 0);
	r->header_len = header ? header_len : 0;
	return r;
}

/* Length of raw without its line end. */
static size_t
strip_eol(const char *raw, size_t len)
{
	while (len > 0 && (raw[len - 1] == '\n' || raw[len - 1] == '\r'))
		len--;
	return len;
}

/* text (UTF-8) in the reject file's encoding; newly allocated. */
static char *
in_file_encoding(const crm_rejects *r, const char *text)
{
	iconv_t cd;
	char *to, *in = (char *)text, *out, *buf;
	size_t inleft = strlen(text), outleft, cap;

	if (strcmp(r->encoding, "UTF-8") == 0 || !crm_decode_ascii_safe(r->encoding))
		return crm_xstrdup(text);
	to = crm_xasprintf("%s//TRANSLIT", r->encoding);
	cd = iconv_open(to, "UTF-8");
	free(to);
	if (cd == (iconv_t)-1)
		return crm_xstrdup(text);
	cap = inleft * 4 + 16;
	buf = out = crm_xmalloc(cap);
	outleft = cap - 1;
	if (iconv(cd, &in, &inleft, &out, &outleft) == (size_t)-1) {
		/* Untranslatable leftovers: keep what converted, mark the rest. */
		while (inleft > 0 && outleft > 1) {
			*out++ = '?';
			outleft--;
			in++;
			inleft--;
			iconv(cd, &in, &inleft, &out, &outleft);
		}
	}
	*out = '\0';
	iconv_close(cd);
	return buf;
}

static void
put(crm_rejects *r, const void *p, size_t n)
{
	if (n && fwrite(p, 1, n, r->fp) != n)
		r->failed = 1;
}

/* A CSV/TSV-safe rendering of the reason: quoted, quotes doubled. */
static void
put_reason(crm_rejects *r, const char *reason)
{
	char *enc = in_file_encoding(r, reason);
	const char *p;

	put(r, "\"", 1);
	for (p = enc; *p; p++) {
		if (*p == '"')
			put(r, "\"\"", 2);
		else if (*p == '\n' || *p == '\r' || (*p == '\t' && r->delimiter == '\t'))
			put(r, " ", 1);
		else
			put(r, p, 1);
	}
	put(r, "\"", 1);
	free(enc);
}

/* The line end the input uses (from the header): "\r\n" or "\n". */
static const char *
eol_of(const char *raw, size_t len)
{
	return len >= 2 && raw[len - 2] == '\r' && raw[len - 1] == '\n' ? "\r\n" : "\n";
}

static int
open_file(crm_rejects *r)
{
	int fd = open(r->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	size_t n = strip_eol(r->header, r->header_len);
	char cols[32];

	if (fd < 0 || (r->fp = fdopen(fd, "w")) == NULL) {
		crm_warn_errno("cannot create reject file %s", r->path);
		if (fd >= 0)
			close(fd);
		return CRM_EX_CANTCREAT;
	}
	if (r->bom && (strcmp(r->encoding, "UTF-8") == 0 || !crm_decode_ascii_safe(r->encoding)))
		put(r, "\xef\xbb\xbf", 3);
	put(r, r->header, n);
	snprintf(cols, sizeof cols, "%c_line%c_reason", r->delimiter, r->delimiter);
	put(r, cols, strlen(cols));
	put(r, eol_of(r->header, r->header_len), strlen(eol_of(r->header, r->header_len)));
	return 0;
}

int
crm_rejects_add(crm_rejects *r, const char *raw, size_t raw_len, long line, const char *reason)
{
	size_t n = strip_eol(raw, raw_len);
	char num[32];
	int rc;

	if (r->fp == NULL && (rc = open_file(r)) != 0)
		return rc;
	put(r, raw, n);
	snprintf(num, sizeof num, "%c%ld%c", r->delimiter, line, r->delimiter);
	put(r, num, strlen(num));
	put_reason(r, reason);
	put(r, raw + n, raw_len - n);
	if (raw_len == n)
		put(r, eol_of(r->header, r->header_len), strlen(eol_of(r->header, r->header_len)));
	r->count++;
	if (r->failed) {
		crm_warn_errno("%s: write error", r->path);
		return CRM_EX_IOERR;
	}
	return 0;
}

int
crm_rejects_close(crm_rejects *r)
{
	int status = 0;

	if (r->fp != NULL && (fclose(r->fp) != 0 || r->failed)) {
		crm_warn_errno("%s: write error", r->path);
		status = CRM_EX_IOERR;
	}
	free(r->path);
	free(r->encoding);
	free(r->header);
	free(r);
	return status;
}

void
crm_rejects_set_bom(crm_rejects *r, bool bom)
{
	r->bom = bom;
}

const char *
crm_rejects_path(const crm_rejects *r)
{
	return r->path;
}

long
crm_rejects_count(const crm_rejects *r)
{
	return r->count;
}
