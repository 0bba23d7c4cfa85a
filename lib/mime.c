/*
 * mime.c — the report as a mail message (see mime.h). Lines end in LF, as
 * sendmail(8) -t expects on its standard input (it writes CRLF on the wire).
 */
#include "mime.h"

#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Three bytes (n of them real) as four base64 characters. */
static void
b64_quad(const unsigned char *in, size_t n, char out[4])
{
	uint32_t v = (uint32_t)in[0] << 16 | (n > 1 ? (uint32_t)in[1] << 8 : 0) |
	    (n > 2 ? in[2] : 0);

	out[0] = b64[v >> 18 & 63];
	out[1] = b64[v >> 12 & 63];
	out[2] = n > 1 ? b64[v >> 6 & 63] : '=';
	out[3] = n > 2 ? b64[v & 63] : '=';
}

void
crm_mime_base64(FILE *fp, const char *data, size_t n)
{
	const unsigned char *p = (const unsigned char *)data;
	size_t i, col = 0;
	char q[4];

	for (i = 0; i < n; i += 3) {
		b64_quad(p + i, n - i > 3 ? 3 : n - i, q);
		fwrite(q, 1, 4, fp);
		if ((col += 4) == 76) {
			putc('\n', fp);
			col = 0;
		}
	}
	if (col > 0)
		putc('\n', fp);
}

void
crm_mime_header_text(crm_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i, chunk;
	bool plain = true;
	char q[4];

	for (i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			plain = false;
	if (plain && strstr(s, "=?") == NULL) {
		crm_buf_puts(b, s);
		return;
	}
	/* 39 bytes → 52 base64 characters: a word of 64, and a line of at
	 * most 73 after "Subject: " (RFC 2047: 75 and 76). A word ends on a
	 * character boundary. */
	for (i = 0; i < n; i += chunk) {
		size_t k;

		chunk = n - i > 39 ? 39 : n - i;
		while (chunk > 0 && i + chunk < n && (p[i + chunk] & 0xc0) == 0x80)
			chunk--;
		if (i > 0)
			crm_buf_puts(b, "\n ");
		crm_buf_puts(b, "=?UTF-8?B?");
		for (k = 0; k < chunk; k += 3) {
			b64_quad(p + i + k, chunk - k > 3 ? 3 : chunk - k, q);
			crm_buf_append(b, q, 4);
		}
		crm_buf_puts(b, "?=");
	}
}

int
crm_mime_address_ok(const char *a)
{
	const char *at = strchr(a, '@');

	if (at == NULL || at == a || at[1] == '\0' || strchr(at + 1, '@') != NULL)
		return 0;
	for (; *a; a++)
		if ((unsigned char)*a <= 0x20 || (unsigned char)*a >= 0x7f || *a == ',' ||
		    *a == '<' || *a == '>' || *a == '"' || *a == '(' || *a == ')' || *a == ';')
			return 0;
	return 1;
}

/* A hash of the bodies for the boundary and Message-ID (FNV-1a). */
static uint64_t
fnv(uint64_t h, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

static void
part(FILE *fp, const char *boundary, const char *type, const char *body, size_t n)
{
	fprintf(fp, "\n--%s\nContent-Type: %s; charset=UTF-8\n"
	        "Content-Transfer-Encoding: base64\n\n", boundary, type);
	crm_mime_base64(fp, body, n);
}

void
crm_mime_write(FILE *fp, const struct crm_mail *m)
{
	time_t t = (time_t)m->now;
	struct tm tm;
	char date[64], host[256] = "localhost", boundary[80];
	uint64_t h = fnv(fnv(14695981039346656037ULL, m->text, m->text_len), m->html, m->html_len);
	crm_buf subject = { 0 };
	size_t i;

	if (gmtime_r(&t, &tm) == NULL)
		crm_die(CRM_EX_SOFTWARE, "cannot convert the time for the Date header");
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
	if (gethostname(host, sizeof host - 1) != 0 || strchr(host, '.') == NULL)
		snprintf(host, sizeof host, "%s", "crm-tools.localdomain");
	snprintf(boundary, sizeof boundary, "=_crm_%016llx_%ld",
	         (unsigned long long)h, (long)getpid());
	crm_buf_puts(&subject, "");
	crm_mime_header_text(&subject, m->subject);

	fputs("MIME-Version: 1.0\n", fp);
	fprintf(fp, "Date: %s\n", date);
	fprintf(fp, "Message-ID: <%lld.%016llx.%ld@%s>\n", (long long)m->now,
	        (unsigned long long)h, (long)getpid(), host);
	if (m->from != NULL)
		fprintf(fp, "From: %s\n", m->from);
	fputs("To: ", fp);
	for (i = 0; i < m->nto; i++)
		fprintf(fp, "%s%s", i ? ",\n " : "", m->to[i]);
	fprintf(fp, "\nSubject: %s\n", crm_buf_str(&subject));
	fprintf(fp, "Content-Type: multipart/alternative;\n boundary=\"%s\"\n", boundary);
	fputs("\nThis is a MIME message: a text and an HTML version of the same report.\n", fp);
	part(fp, boundary, "text/plain", m->text, m->text_len);
	part(fp, boundary, "text/html", m->html, m->html_len);
	fprintf(fp, "\n--%s--\n", boundary);
	crm_buf_free(&subject);
}
