/*
 * test_doc.c — the report document's writers (lib/doc) and the mail
 * around it (lib/mime): HTML escaping, JSON numbers and nulls, Markdown
 * escaping, CSV without bar columns, base64 against RFC 4648's vectors,
 * RFC 2047 words that never split a UTF-8 character, address checks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "doc.h"
#include "mime.h"
#include "render.h"

/* What writer f makes of d, as a string (free it). */
static char *
written(const crm_doc *d, enum crm_doc_format f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	assert_int_equal(crm_doc_write(d, fp, f, false), 0);
	assert_int_equal(fclose(fp), 0);
	return buf;
}

/* A document of one table: name, value, bar. */
static crm_doc *
sample(void)
{
	const char *h[3] = { "name", "value", "bar" };
	const char *r1[3] = { "<b>A&B \"x\" 'y'</b>", "12.50", "0.5" };
	const char *r2[3] = { "a|b*c", "", "1" };
	const char *r3[3] = { "007", "-3", "0" };
	crm_table *t = crm_table_new(h, 3);
	struct crm_doc_section *s;
	crm_doc *d;

	crm_table_add(t, r1);
	crm_table_add(t, r2);
	crm_table_add(t, r3);
	d = crm_doc_new("Title <1>");
	crm_doc_line(d, "line %d & more", 2);
	crm_doc_meta(d, "period", "2026-10");
	crm_doc_meta(d, "nothing", NULL);
	s = crm_doc_add(d, "rows", "Section", "A note", t);
	s->numeric = 0x2;
	s->bars = 0x4;
	return d;
}

static void
test_html_is_escaped_and_self_contained(void **state)
{
	crm_doc *d = sample();
	char *h = written(d, CRM_DOC_HTML);

	(void)state;
	assert_non_null(strstr(h, "<title>Title &lt;1&gt;</title>"));
	assert_non_null(strstr(h, ">&lt;b&gt;A&amp;B &quot;x&quot; &#39;y&#39;&lt;/b&gt;</td>"));
	assert_non_null(strstr(h, "line 2 &amp; more"));
	assert_null(strstr(h, "<b>"));
	assert_null(strstr(h, "<script"));
	assert_null(strstr(h, "http"));
	assert_null(strstr(h, "src="));
	/* the bar of 0.5: a cell of 80 of 160 pixels, no text */
	assert_non_null(strstr(h, "<td width=\"80\" height=\"12\" bgcolor=\"#3b6ea5\""));
	assert_null(strstr(h, ">0.5<"));
	free(h);
	crm_doc_free(d);
}

static void
test_json_numbers_nulls_and_no_bars(void **state)
{
	crm_doc *d = sample();
	char *j = written(d, CRM_DOC_JSON);

	(void)state;
	assert_non_null(strstr(j, "\"title\": \"Title <1>\""));
	assert_non_null(strstr(j, "\"period\": \"2026-10\""));
	assert_non_null(strstr(j, "\"nothing\": null"));
	assert_non_null(strstr(j, "{\"name\": \"<b>A&B \\\"x\\\" 'y'</b>\", \"value\": 12.50}"));
	assert_non_null(strstr(j, "{\"name\": \"a|b*c\", \"value\": null}"));
	/* "007" in a text column stays text; -3 in a number column is a number */
	assert_non_null(strstr(j, "{\"name\": \"007\", \"value\": -3}"));
	assert_null(strstr(j, "\"bar\""));
	free(j);
	crm_doc_free(d);
}

static void
test_markdown_and_csv(void **state)
{
	crm_doc *d = sample();
	char *m = written(d, CRM_DOC_MARKDOWN);
	char *c = written(d, CRM_DOC_CSV);

	(void)state;
	assert_non_null(strstr(m, "# Title \\<1>\n"));
	assert_non_null(strstr(m, "| name | value | bar |\n| --- | --: | --- |\n"));
	/* bars of 1 and 0.5: 20 and 10 full blocks */
	assert_non_null(strstr(m, "| a\\|b\\*c |  | ████████████████████ |\n"));
	assert_non_null(strstr(m, "| 12.50 | ██████████ |\n"));
	/* RFC 4180: the field with quotes is quoted, its quotes doubled */
	assert_string_equal(c, "name,value\n\"<b>A&B \"\"x\"\" 'y'</b>\",12.50\na|b*c,\n007,-3\n");
	free(m);
	free(c);
	crm_doc_free(d);
}

static char *
b64(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	crm_mime_base64(fp, s, strlen(s));
	fclose(fp);
	return buf;
}

static void
test_base64_rfc4648_vectors(void **state)
{
	static const char *const v[][2] = {
		{ "", "" }, { "f", "Zg==\n" }, { "fo", "Zm8=\n" }, { "foo", "Zm9v\n" },
		{ "foob", "Zm9vYg==\n" }, { "fooba", "Zm9vYmE=\n" }, { "foobar", "Zm9vYmFy\n" },
	};
	char line[200];
	size_t i;
	char *s;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		s = b64(v[i][0]);
		assert_string_equal(s, v[i][1]);
		free(s);
	}
	/* 57 bytes make one full line of 76 characters */
	memset(line, 'a', 114);
	line[114] = '\0';
	s = b64(line);
	assert_int_equal(strlen(s), 2 * 77);
	assert_int_equal(s[76], '\n');
	free(s);
}

static void
test_encoded_words(void **state)
{
	crm_buf b = { 0 };
	const char *p;

	(void)state;
	crm_buf_puts(&b, "");
	crm_mime_header_text(&b, "KPI report 2026-10");
	assert_string_equal(crm_buf_str(&b), "KPI report 2026-10");
	crm_buf_reset(&b);
	crm_buf_puts(&b, "");
	crm_mime_header_text(&b, "报告");
	/* "报告" is e6 8a a5 e5 91 8a */
	assert_string_equal(crm_buf_str(&b), "=?UTF-8?B?5oql5ZGK?=");
	crm_buf_reset(&b);
	crm_buf_puts(&b, "");
	/* 20 three-byte characters (60 bytes): words of 39 bytes = 13 characters,
	 * each word at most 64 characters, never a character cut in two */
	crm_mime_header_text(&b, "指标指标指标指标指标指标指标指标指标指标");
	for (p = crm_buf_str(&b); p != NULL; p = strchr(p, '\n')) {
		const char *end = strchr(p + 1, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		assert_true(len <= 66);
		if (*p == '\n')
			p++;
	}
	assert_non_null(strstr(crm_buf_str(&b), "?=\n =?UTF-8?B?"));
	crm_buf_free(&b);
}

static void
test_addresses(void **state)
{
	(void)state;
	assert_true(crm_mime_address_ok("boss@example.com"));
	assert_false(crm_mime_address_ok("boss"));
	assert_false(crm_mime_address_ok("@example.com"));
	assert_false(crm_mime_address_ok("a@b@c"));
	assert_false(crm_mime_address_ok("a@b.com, c@d.com"));
	assert_false(crm_mime_address_ok("a@b.com\nBcc: x@y.z"));
	assert_false(crm_mime_address_ok("Boss <boss@example.com>"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_html_is_escaped_and_self_contained),
		cmocka_unit_test(test_json_numbers_nulls_and_no_bars),
		cmocka_unit_test(test_markdown_and_csv),
		cmocka_unit_test(test_base64_rfc4648_vectors),
		cmocka_unit_test(test_encoded_words),
		cmocka_unit_test(test_addresses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
