/*
 * mime — a complete mail message (RFC 5322 / MIME) for `sendmail -t`:
 * multipart/alternative with a text/plain and a text/html part, both UTF-8
 * in base64, headers MIME-Version, Date, Message-ID, To, Subject (RFC 2047
 * encoded words when not ASCII) and optionally From.
 */
#ifndef CRM_MIME_H
#define CRM_MIME_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct crm_mail {
	const char *const *to;   /* recipients, at least one */
	size_t nto;
	const char *from;        /* From header, or NULL (sendmail fills it) */
	const char *subject;     /* UTF-8 */
	const char *text;        /* the text/plain body, UTF-8 */
	size_t text_len;
	const char *html;        /* the text/html body, UTF-8 */
	size_t html_len;
	int64_t now;             /* Date: seconds since 1970 UTC */
};

/* Write the message to fp. The boundary and Message-ID are made from the
 * time, the process id and the content, so they never occur in a body
 * (base64 has no '='-prefixed lines of our form). */
void crm_mime_write(FILE *fp, const struct crm_mail *m);

/* s as RFC 2047 encoded words (=?UTF-8?B?...?=, each at most 75
 * characters, folded) when it holds a byte outside printable ASCII, else
 * as it is; appended to b. */
struct crm_buf;
void crm_mime_header_text(struct crm_buf *b, const char *s);
/* n bytes of data in base64, lines of 76 characters ending in CRLF. */
void crm_mime_base64(FILE *fp, const char *data, size_t n);

/* An address fit for a header: no CR, LF, comma-less, printable ASCII
 * with one '@'. */
int crm_mime_address_ok(const char *addr);

#endif
