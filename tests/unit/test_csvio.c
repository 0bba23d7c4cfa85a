/*
 * test_csvio — the CSV reader (libcsv wrapper) and writer: the hard cases of
 * SQLite's shell5.test and of Excel exports from Chinese Windows. Encoded
 * inputs are made at test time with iconv(3) from UTF-8 literals.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csvio.h"
#include "diag.h"

/* Write len bytes to a new temporary file; returns its path (free it). */
static char *
write_tmp(const void *data, size_t len)
{
	char *path = crm_xstrdup("/tmp/test_csvio.XXXXXX");
	int fd = mkstemp(path);
	FILE *fp;

	assert_true(fd >= 0);
	fp = fdopen(fd, "wb");
	assert_non_null(fp);
	if (len > 0)
		assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
	return path;
}

/* Open a reader over bytes (the file is unlinked at once, kept open). */
static crm_csv_reader *
open_bytes(const void *data, size_t len, const char *enc, char delim)
{
	struct crm_csv_options opt = {enc, delim, NULL};
	char *path = write_tmp(data, len);
	int status = 0;
	crm_csv_reader *r = crm_csv_open(path, &opt, &status);

	assert_non_null(r);
	assert_int_equal(status, 0);
	unlink(path);
	free(path);
	return r;
}

static crm_csv_reader *
open_str(const char *s)
{
	return open_bytes(s, strlen(s), NULL, 0);
}


/* Next record, which must exist and have no error. */
static const struct crm_csv_record *
next_ok(crm_csv_reader *r)
{
	const struct crm_csv_record *rec = NULL;

	assert_int_equal(crm_csv_next(r, &rec), 1);
	assert_non_null(rec);
	if (rec->error != NULL)
		fail_msg("line %ld: unexpected error %s", rec->line, rec->error);
	return rec;
}

static void
assert_fields(const struct crm_csv_record *rec, size_t n, ...)
{
	va_list ap;

	assert_int_equal(rec->nfields, n);
	va_start(ap, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(rec->fields[i], va_arg(ap, const char *));
	va_end(ap);
}

static void
assert_raw(const struct crm_csv_record *rec, const char *raw)
{
	assert_int_equal(rec->raw_len, strlen(raw));
	assert_memory_equal(rec->raw, raw, rec->raw_len);
}

static void
assert_end(crm_csv_reader *r)
{
	const struct crm_csv_record *rec;

	assert_int_equal(crm_csv_next(r, &rec), 0);
	assert_int_equal(crm_csv_next(r, &rec), 0); /* and stays there */
}

static void
header_and_rows(void **state)
{
	(void)state;
	crm_csv_reader *r = open_str("name,phone,city\n张三,13800138000,上海\nBob,555,NYC\n");
	const struct crm_csv_record *rec;
	size_t hl;

	assert_string_equal(crm_csv_encoding(r), "UTF-8");
	assert_int_equal(crm_csv_delimiter(r), ',');
	rec = next_ok(r);
	assert_fields(rec, 3, "name", "phone", "city");
	assert_int_equal(rec->line, 1);
	assert_raw(rec, "name,phone,city\n");
	assert_int_equal(rec->error_field, -1);
	rec = next_ok(r);
	assert_fields(rec, 3, "张三", "13800138000", "上海");
	assert_int_equal(rec->line, 2);
	rec = next_ok(r);
	assert_fields(rec, 3, "Bob", "555", "NYC");
	assert_int_equal(rec->line, 3);
	assert_raw(rec, "Bob,555,NYC\n");
	assert_end(r);
	assert_memory_equal(crm_csv_raw_header(r, &hl), "name,phone,city\n", 16);
	assert_int_equal(hl, 16);
	crm_csv_close(r);
}

static void
crlf(void **state)
{
	(void)state;
	crm_csv_reader *r = open_str("a,b\r\n1,\"x\"\r\n2, y \r\n");
	const struct crm_csv_record *rec;

	assert_fields(next_ok(r), 2, "a", "b");
	rec = next_ok(r);
	assert_fields(rec, 2, "1", "x");
	assert_raw(rec, "1,\"x\"\r\n");
	rec = next_ok(r);
	assert_fields(rec, 2, "2", "y");
	assert_int_equal(rec->line, 3);
	assert_end(r);
	crm_csv_close(r);
}

static void
bom(void **state)
{
	(void)state;
	crm_csv_reader *r = open_str("\xEF\xBB\xBF客户,city\n王,SH\n");
	size_t hl;
	const char *h;

	assert_string_equal(crm_csv_encoding(r), "UTF-8");
	assert_fields(next_ok(r), 2, "客户", "city");
	assert_fields(next_ok(r), 2, "王", "SH");
	assert_end(r);
	h = crm_csv_raw_header(r, &hl);
	assert_int_equal(hl, strlen("客户,city\n"));
	assert_memory_equal(h, "客户,city\n", hl);
	crm_csv_close(r);
}

static void
bom_only_and_empty(void **state)
{
	(void)state;
	crm_csv_reader *r = open_bytes("", 0, NULL, 0);
	size_t hl;

	assert_end(r);
	assert_string_equal(crm_csv_raw_header(r, &hl), "");
	assert_int_equal(hl, 0);
	crm_csv_close(r);
	r = open_str("\xEF\xBB\xBF");
	assert_end(r);
	crm_csv_close(r);
	r = open_str("\n\r\n  \n");
	assert_end(r);
	crm_csv_close(r);
	r = open_bytes("\xFF\xFE", 2, NULL, 0);
	assert_string_equal(crm_csv_encoding(r), "UTF-16LE");
	assert_end(r);
	crm_csv_close(r);
}

static void
missing_final_newline(void **state)
{
	(void)state;
	crm_csv_reader *r = open_str("a,b\n1,2");
	const struct crm_csv_record *rec;

	next_ok(r);
	rec = next_ok(r);
	assert_fields(rec, 2, "1", "2");
	assert_raw(rec, "1,2");
	assert_end(r);
	crm_csv_close(r);

	r = open_str("a,b\r\n1,\"q\"\r");
	next_ok(r);
	assert_fields(next_ok(r), 2, "1", "q");
	assert_end(r);
	crm_csv_close(r);

	r = open_str("a,b\n1,");
	next_ok(r);
	assert_fields(next_ok(r), 2, "1", "");
	assert_end(r);
	crm_csv_close(r);
}

static void
blank_lines_counted(void **state)
{
	(void)state;
	crm_csv_reader *r = open_str("\na,b\n\n\n1,2\n   \n3,4\n\n");
	const struct crm_csv_record *rec;

	rec = next_ok(r);
	assert_int_equal(rec->line, 2);
	assert_raw(rec, "a,b\n");
	rec = next_ok(r);
	assert_int_equal(rec->line, 5);
	assert_raw(rec, "1,2\n");
	rec = next_ok(r);
	assert_int_equal(rec->line, 7);
	assert_fields(rec, 2, "3", "4");
	assert_end(r);
	crm_csv_close(r);
}

static void
quoted_newline(void **state)
{
	(void)state;
	crm_csv_reader *r = open_str("id,note\n1,\"line one\nline two\"\n2,\"a\r\n\r\nb\"\r\n3,z\n");
	const struct crm_csv_record *rec;

	next_ok(r);
	rec = next_ok(r);
	assert_fields(rec, 2, "1", "line one\nline two");
	assert_int_equal(rec->line, 2);
	assert_raw(rec, "1,\"line one\nline two\"\n");
	rec = next_ok(r);
	/* CRLF inside a quoted field reads as LF; the raw bytes keep it. */
	assert_fields(rec, 2, "2", "a\n\nb");
	assert_int_equal(rec->line, 4);
	assert_raw(rec, "2,\"a\r\n\r\nb\"\r\n");
	rec = next_ok(r);
	assert_fields(rec, 2, "3", "z");
	assert_int_equal(rec->line, 7);
	assert_end(r);
	crm_csv_close(r);
}

static void
doubled_quotes(void **state)
{
	(void)state;
	crm_csv_reader *r = open_str("a,b\n\"he said \"\"hi\"\"\",\"\"\"\"\n\"x,y\",\"\"\n");

	next_ok(r);
	assert_fields(next_ok(r), 2, "he said \"hi\"", "\"");
	assert_fields(next_ok(r), 2, "x,y", "");
	assert_end(r);
	crm_csv_close(r);
}

static void
sloppy_quotes(void **state)
{
	(void)state;
	crm_csv_reader *r = open_str("a,b\n5\"2,b\"c\n");

	next_ok(r);
	assert_fields(next_ok(r), 2, "5\"2", "b\"c");
	assert_end(r);
	crm_csv_close(r);
}

static void
unterminated_quote(void **state)
{
	(void)state;
	crm_csv_reader *r = open_str("a,b\n1,2\n3,\"oops\n4,5\n6,7");
	const struct crm_csv_record *rec;

	next_ok(r);
	next_ok(r);
	assert_int_equal(crm_csv_next(r, &rec), 1);
	assert_string_equal(rec->error, "unterminated quoted field");
	assert_int_equal(rec->error_field, 1);
	assert_int_equal(rec->line, 3);
	assert_raw(rec, "3,\"oops\n4,5\n6,7");
	assert_end(r);
	crm_csv_close(r);

	/* On the last line, without a newline. */
	r = open_str("a,b\n\"x");
	next_ok(r);
	assert_int_equal(crm_csv_next(r, &rec), 1);
	assert_string_equal(rec->error, "unterminated quoted field");
	assert_int_equal(rec->line, 2);
	assert_raw(rec, "\"x");
	assert_end(r);
	crm_csv_close(r);
}

static void
ragged_rows(void **state)
{
	(void)state;
	crm_csv_reader *r = open_str("a,b\n1\n1,2,3\n,\n");

	assert_fields(next_ok(r), 2, "a", "b");
	assert_fields(next_ok(r), 1, "1");
	assert_fields(next_ok(r), 3, "1", "2", "3");
	assert_fields(next_ok(r), 2, "", "");
	assert_end(r);
	crm_csv_close(r);
}

static void
semicolon_detected(void **state)
{
	(void)state;
	crm_csv_reader *r = open_str("name;amount;\"a;b\"\nX;1,50;y\n");

	assert_int_equal(crm_csv_delimiter(r), ';');
	assert_fields(next_ok(r), 3, "name", "amount", "a;b");
	assert_fields(next_ok(r), 3, "X", "1,50", "y");
	crm_csv_close(r);

	/* Commas inside quotes are not counted. */
	r = open_str("\"a,b,c\";d\n");
	assert_int_equal(crm_csv_delimiter(r), ';');
	crm_csv_close(r);
	/* Ties go to ','; no delimiter at all is ','. */
	r = open_str("a,b;c\n");
	assert_int_equal(crm_csv_delimiter(r), ',');
	crm_csv_close(r);
	r = open_str("name\nx\n");
	assert_int_equal(crm_csv_delimiter(r), ',');
	crm_csv_close(r);
}

static void
tab_detected(void **state)
{
	(void)state;
	crm_csv_reader *r = open_str("a\tb\tc\nx, y\t\t z \n\t\t\n");

	assert_int_equal(crm_csv_delimiter(r), '\t');
	assert_fields(next_ok(r), 3, "a", "b", "c");
	/* Empty middle field: a tab delimiter is not trimmed as space. */
	assert_fields(next_ok(r), 3, "x, y", "", "z");
	assert_fields(next_ok(r), 3, "", "", "");
	assert_end(r);
	crm_csv_close(r);
}

static void
spaces_trimmed(void **state)
{
	(void)state;
	/* FEBRL-style ", " separators; quoted spaces are kept. */
	crm_csv_reader *r = open_str("rec_id, given_name, surname\nrec-1, 陈 , \" x \"\n");

	assert_fields(next_ok(r), 3, "rec_id", "given_name", "surname");
	assert_fields(next_ok(r), 3, "rec-1", "陈", " x ");
	crm_csv_close(r);
}

static void
delimiter_override(void **state)
{
	(void)state;
	crm_csv_reader *r = open_bytes("a,b;c,d\n1,2;3,4\n", 16, NULL, ';');

	assert_int_equal(crm_csv_delimiter(r), ';');
	assert_fields(next_ok(r), 2, "a,b", "c,d");
	assert_fields(next_ok(r), 2, "1,2", "3,4");
	crm_csv_close(r);
}

static const char simplified[] =
	"客户名称,手机,邮箱,城市,公司\n"
	"陈小明,13800138000,chen@example.com,上海市,上海华联商贸有限公司\n"
	"王建国,13912345678,wang@example.cn,广州市,广州白云电器设备股份有限公司\n"
	"李华,13700001111,li@example.com,北京市,北京京东世纪贸易有限公司\n"
	"赵丽,13600002222,zhao@example.com,深圳市,深圳市腾讯计算机系统有限公司\n";

static const char traditional[] =
	"客戶名稱,手機,郵箱,城市,公司\n"
	"張美玲,0912345678,mei@example.tw,台北市,台灣積體電路製造股份有限公司\n"
	"陳小明,0922334455,chen@example.com.tw,高雄市,統一企業股份有限公司\n"
	"王建國,0933445566,wang@example.hk,香港,長江實業集團有限公司\n"
	"林志豪,0955667788,lin@example.tw,台中市,鴻海精密工業股份有限公司\n";

/* Read every record of bytes and compare with reading the UTF-8 text. */
static void
assert_same_as_utf8(const char *bytes, size_t len, const char *utf8, const char *enc)
{
	crm_csv_reader *r = open_bytes(bytes, len, NULL, 0);
	crm_csv_reader *u = open_str(utf8);
	const struct crm_csv_record *a, *b;
	int rc;

	assert_string_equal(crm_csv_encoding(r), enc);
	while ((rc = crm_csv_next(u, &b)) == 1) {
		a = next_ok(r);
		assert_int_equal(a->nfields, b->nfields);
		assert_int_equal(a->line, b->line);
		for (size_t i = 0; i < a->nfields; i++)
			assert_string_equal(a->fields[i], b->fields[i]);
	}
	assert_int_equal(rc, 0);
	assert_end(r);
	crm_csv_close(r);
	crm_csv_close(u);
}

static void
gb18030_file(void **state)
{
	(void)state;
	size_t n;
	char *gb = encode(simplified, "GBK", &n);
	crm_csv_reader *r;
	const struct crm_csv_record *rec;

	assert_same_as_utf8(gb, n, simplified, "GB18030");
	/* Raw bytes are the GBK bytes, for the reject file. */
	r = open_bytes(gb, n, NULL, 0);
	rec = next_ok(r);
	assert_true(rec->raw_len < strlen("客户名称,手机,邮箱,城市,公司\n"));
	assert_memory_equal(rec->raw, gb, rec->raw_len);
	crm_csv_close(r);
	free(gb);
}

static void
big5_file(void **state)
{
	(void)state;
	size_t n;
	char *b5 = encode(traditional, "BIG5", &n);

	assert_same_as_utf8(b5, n, traditional, "BIG5-HKSCS");
	free(b5);
	/* Traditional text in GB18030 is still GB18030. */
	b5 = encode(traditional, "GB18030", &n);
	assert_same_as_utf8(b5, n, traditional, "GB18030");
	free(b5);
}

static void
encoding_given(void **state)
{
	(void)state;
	size_t n;
	char *gb = encode("名,城\n陈,沪\n", "GBK", &n);
	crm_csv_reader *r = open_bytes(gb, n, "gbk", 0);

	assert_string_equal(crm_csv_encoding(r), "GB18030");
	assert_fields(next_ok(r), 2, "名", "城");
	assert_fields(next_ok(r), 2, "陈", "沪");
	assert_end(r);
	crm_csv_close(r);
	free(gb);
}

static void
utf16le_tsv_bom(void **state)
{
	(void)state;
	const char *text = "客户\t手机\t备注\n陈小明\t13800138000\t\"含\t制表符\"\n張美玲\t0912345678\t\n";
	size_t n;
	char *u16 = encode(text, "UTF-16LE", &n);
	char *file = crm_xmalloc(n + 2);
	crm_csv_reader *r;
	const struct crm_csv_record *rec;

	memcpy(file, "\xFF\xFE", 2);
	memcpy(file + 2, u16, n);
	r = open_bytes(file, n + 2, NULL, 0);
	assert_string_equal(crm_csv_encoding(r), "UTF-16LE");
	assert_int_equal(crm_csv_delimiter(r), '\t');
	assert_fields(next_ok(r), 3, "客户", "手机", "备注");
	rec = next_ok(r);
	assert_fields(rec, 3, "陈小明", "13800138000", "含\t制表符");
	/* For UTF-16 the raw bytes are the UTF-8 text. */
	assert_raw(rec, "陈小明\t13800138000\t\"含\t制表符\"\n");
	rec = next_ok(r);
	assert_fields(rec, 3, "張美玲", "0912345678", "");
	assert_int_equal(rec->line, 3);
	assert_end(r);
	crm_csv_close(r);
	free(u16);
	free(file);
}

/* A big UTF-16 file: surrogate pairs cut by chunk boundaries, CRLF. */
static void
utf16le_large(void **state)
{
	(void)state;
	crm_buf text = {0};
	size_t n;
	char *u16, *file;
	crm_csv_reader *r;
	const struct crm_csv_record *rec;
	int i;

	crm_buf_puts(&text, "name,n\r\n");
	for (i = 0; i < 30000; i++)
		crm_buf_printf(&text, "𠀀陈%d,%d\r\n", i, i * 7);
	u16 = encode(crm_buf_str(&text), "UTF-16LE", &n);
	file = crm_xmalloc(n + 2);
	memcpy(file, "\xFF\xFE", 2);
	memcpy(file + 2, u16, n);
	r = open_bytes(file, n + 2, NULL, 0);
	next_ok(r);
	for (i = 0; i < 30000; i++) {
		char a[32], b[32];

		snprintf(a, sizeof a, "𠀀陈%d", i);
		snprintf(b, sizeof b, "%d", i * 7);
		rec = next_ok(r);
		assert_fields(rec, 2, a, b);
		assert_int_equal(rec->line, i + 2);
	}
	assert_end(r);
	crm_csv_close(r);
	free(u16);
	free(file);
	crm_buf_free(&text);
}

static void
utf16_invalid(void **state)
{
	(void)state;
	/* "a\n" then a lone high surrogate in a field, then "b\n". */
	static const char file[] = "\xFF\xFE" "a\0\n\0" "x\0\x00\xD8" "y\0\n\0" "b\0\n\0";
	crm_csv_reader *r = open_bytes(file, sizeof file - 1, NULL, 0);
	const struct crm_csv_record *rec;

	assert_fields(next_ok(r), 1, "a");
	assert_int_equal(crm_csv_next(r, &rec), 1);
	assert_string_equal(rec->error, "invalid UTF-16LE byte sequence");
	assert_int_equal(rec->error_field, 0);
	assert_fields(next_ok(r), 1, "b");
	assert_end(r);
	crm_csv_close(r);
}

static void
invalid_utf8(void **state)
{
	(void)state;
	const char *s = "客户名称,城市\n陈小明,上海市\n王建国,广\xFF州市\n李华,北京市\n赵丽,深圳市\n";
	crm_csv_reader *r = open_str(s); /* detected, despite the bad byte */
	const struct crm_csv_record *rec;

	assert_string_equal(crm_csv_encoding(r), "UTF-8");
	next_ok(r);
	next_ok(r);
	assert_int_equal(crm_csv_next(r, &rec), 1);
	assert_string_equal(rec->error, "invalid UTF-8");
	assert_int_equal(rec->error_field, 1);
	assert_int_equal(rec->line, 3);
	assert_raw(rec, "王建国,广\xFF州市\n");
	assert_fields(next_ok(r), 2, "李华", "北京市");
	crm_csv_close(r);

	/* Given explicitly, and a truncated character in the first field. */
	r = open_bytes("a,b\n\xE4\xB8,x\nc,d\n", 14, "utf8", 0);
	next_ok(r);
	assert_int_equal(crm_csv_next(r, &rec), 1);
	assert_string_equal(rec->error, "invalid UTF-8");
	assert_int_equal(rec->error_field, 0);
	assert_fields(next_ok(r), 2, "c", "d");
	crm_csv_close(r);
}

static void
invalid_gbk(void **state)
{
	(void)state;
	size_t n;
	char *gb = encode("名称,城市\n陈,上海\nBAD,X\n王,广州\n", "GBK", &n);
	crm_csv_reader *r;
	const struct crm_csv_record *rec;
	char *bad = memmem(gb, n, "BAD", 3);

	/* 0x81 0x20: a GBK lead byte followed by a space. */
	bad[0] = (char)0x81;
	bad[1] = ' ';
	r = open_bytes(gb, n, "GBK", 0);
	next_ok(r);
	assert_fields(next_ok(r), 2, "陈", "上海");
	assert_int_equal(crm_csv_next(r, &rec), 1);
	assert_string_equal(rec->error, "invalid GB18030 byte sequence");
	assert_int_equal(rec->error_field, 0);
	assert_int_equal(rec->line, 3);
	assert_raw(rec, "\x81 D,X\n");
	assert_fields(next_ok(r), 2, "王", "广州");
	assert_end(r);
	crm_csv_close(r);
	free(gb);
}

static void
nul_byte(void **state)
{
	(void)state;
	static const char s[] = "a,b\n1,x\0y\n2,z\n";
	crm_csv_reader *r = open_bytes(s, sizeof s - 1, NULL, 0);
	const struct crm_csv_record *rec;

	next_ok(r);
	assert_int_equal(crm_csv_next(r, &rec), 1);
	assert_string_equal(rec->error, "NUL byte");
	assert_int_equal(rec->error_field, 1);
	assert_int_equal(rec->raw_len, 6);
	assert_fields(next_ok(r), 2, "2", "z");
	assert_end(r);
	crm_csv_close(r);
}

static void
big_fields(void **state)
{
	(void)state;
	size_t big = 1 << 20, huge = 10 << 20;
	crm_buf b = {0};
	char *field = crm_xmalloc(huge + 1);
	crm_csv_reader *r;
	const struct crm_csv_record *rec;

	/* 1 MiB quoted field with newlines, commas and quotes. */
	for (size_t i = 0; i < big; i++)
		field[i] = i % 1000 == 999 ? '\n' : i % 100 == 50 ? ',' : 'a' + i % 26;
	field[big] = '\0';
	crm_buf_puts(&b, "id,notes\n1,\"");
	crm_buf_append(&b, field, big);
	crm_buf_puts(&b, "\"\n2,");
	/* 10 MiB unquoted field on one line. */
	memset(field, 'z', huge);
	crm_buf_append(&b, field, huge);
	crm_buf_puts(&b, "\n3,end\n");
	r = open_bytes(b.data, b.len, NULL, 0);
	next_ok(r);
	rec = next_ok(r);
	assert_int_equal(rec->nfields, 2);
	assert_int_equal(strlen(rec->fields[1]), big);
	assert_int_equal(rec->fields[1][999], '\n');
	assert_int_equal(rec->fields[1][50], ',');
	assert_int_equal(rec->line, 2);
	assert_int_equal(rec->raw_len, big + 5);
	rec = next_ok(r);
	assert_int_equal(strlen(rec->fields[1]), huge);
	assert_int_equal(rec->line, 2 + (long)(big / 1000) + 1);
	rec = next_ok(r);
	assert_fields(rec, 2, "3", "end");
	assert_end(r);
	crm_csv_close(r);
	free(field);
	crm_buf_free(&b);
}

static void
open_errors(void **state)
{
	(void)state;
	struct crm_csv_options opt = {NULL, 0, NULL};
	int status = 0;
	FILE *fp;
	crm_csv_reader *r;

	assert_null(crm_csv_open("/nonexistent/x.csv", &opt, &status));
	assert_int_equal(status, CRM_EX_NOINPUT);
	status = 0;
	assert_null(crm_csv_open("/tmp", &opt, &status));
	assert_int_equal(status, CRM_EX_NOINPUT);
	opt.encoding = "no-such-encoding";
	status = 0;
	fp = tmpfile();
	assert_null(crm_csv_open_stream(fp, "-", &opt, &status));
	assert_int_equal(status, CRM_EX_USAGE);
	opt.encoding = NULL;
	r = crm_csv_open_stream(fp, "-", &opt, &status);
	assert_non_null(r);
	assert_string_equal(crm_csv_name(r), "<stdin>");
	crm_csv_close(r);
	fclose(fp);
}

/* What a writer produced, as a string (free it). */
static char *
written(FILE *fp)
{
	long n;
	char *s;

	assert_int_equal(fflush(fp), 0);
	n = ftell(fp);
	rewind(fp);
	s = crm_xmalloc((size_t)n + 1);
	assert_int_equal(fread(s, 1, (size_t)n, fp), (size_t)n);
	s[n] = '\0';
	return s;
}

static void
writer_csv(void **state)
{
	(void)state;
	FILE *fp = tmpfile();
	crm_csv_writer *w = crm_csv_writer_new(fp, "out", false, false);
	const char *row[] = {"plain", "a,b", "say \"hi\"", "two\nlines", " lead", "trail\t",
	                     "", NULL, "cr\r", "中文", "=1+1"};
	char *s;

	crm_csv_write_row(w, row, sizeof row / sizeof row[0]);
	crm_csv_write_field(w, "");
	crm_csv_end_row(w);
	crm_csv_write_field(w, "x");
	crm_csv_end_row(w);
	assert_int_equal(crm_csv_writer_close(w), 0);
	s = written(fp);
	assert_string_equal(s, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\" lead\","
	                       "\"trail\t\",,,\"cr\r\",中文,=1+1\n\"\"\nx\n");
	free(s);
	fclose(fp);
}

static void
writer_round_trip(void **state)
{
	(void)state;
	FILE *fp = tmpfile();
	crm_csv_writer *w = crm_csv_writer_new(fp, "out", false, false);
	const char *row[] = {"a,b", "say \"hi\"", "two\r\nlines", " x ", "", "尾"};
	const size_t n = sizeof row / sizeof row[0];
	char *s;
	crm_csv_reader *r;
	const struct crm_csv_record *rec;

	crm_csv_write_row(w, row, n);
	crm_csv_write_row(w, (const char *const[]){""}, 1);
	assert_int_equal(crm_csv_writer_close(w), 0);
	s = written(fp);
	r = open_str(s);
	rec = next_ok(r);
	assert_int_equal(rec->nfields, n);
	assert_string_equal(rec->fields[2], "two\nlines"); /* CRLF in a field reads as LF */
	assert_string_equal(rec->fields[0], row[0]);
	assert_string_equal(rec->fields[1], row[1]);
	assert_string_equal(rec->fields[3], row[3]);
	assert_string_equal(rec->fields[5], row[5]);
	assert_fields(next_ok(r), 1, "");
	assert_end(r);
	crm_csv_close(r);
	free(s);
	fclose(fp);
}

static void
writer_tsv(void **state)
{
	(void)state;
	FILE *fp = tmpfile();
	crm_csv_writer *w = crm_csv_writer_new(fp, "out", true, false);
	const char *row[] = {"a\tb", "l1\nl2\r", "back\\slash", "\"q\",x", ""};
	char *s;

	crm_csv_write_row(w, row, 5);
	assert_int_equal(crm_csv_writer_close(w), 0);
	s = written(fp);
	assert_string_equal(s, "a\\tb\tl1\\nl2\\r\tback\\\\slash\t\"q\",x\t\n");
	free(s);
	fclose(fp);
}

static void
writer_excel_safe(void **state)
{
	(void)state;
	FILE *fp = tmpfile();
	crm_csv_writer *w = crm_csv_writer_new(fp, "out", false, true);
	const char *row[] = {"=HYPERLINK(\"x\")", "+cmd", "-12.5", "+8613800138000", "@SUM(A1)",
	                     "-", "\tx", "ok", "12", "-1.", "=a,b"};
	char *s;

	crm_csv_write_row(w, row, sizeof row / sizeof row[0]);
	assert_int_equal(crm_csv_writer_close(w), 0);
	s = written(fp);
	assert_string_equal(s, "\"'=HYPERLINK(\"\"x\"\")\",'+cmd,-12.5,+8613800138000,'@SUM(A1),"
	                       "'-,\"'\tx\",ok,12,'-1.,\"'=a,b\"\n");
	free(s);
	fclose(fp);

	fp = tmpfile();
	w = crm_csv_writer_new(fp, "out", true, true);
	crm_csv_write_row(w, (const char *const[]){"\tx", "=1"}, 2);
	assert_int_equal(crm_csv_writer_close(w), 0);
	s = written(fp);
	assert_string_equal(s, "'\\tx\t'=1\n");
	free(s);
	fclose(fp);
}

static void
writer_dev_full(void **state)
{
	(void)state;
	FILE *fp = fopen("/dev/full", "w");
	crm_csv_writer *w;

	if (fp == NULL)
		skip();
	w = crm_csv_writer_new(fp, "<stdout>", false, false);
	crm_csv_write_row(w, (const char *const[]){"a", "b"}, 2);
	assert_int_equal(crm_csv_writer_close(w), CRM_EX_IOERR);
	fclose(fp);

	/* A failure in the middle of a long output is still reported. */
	fp = fopen("/dev/full", "w");
	w = crm_csv_writer_new(fp, "<stdout>", true, false);
	for (int i = 0; i < 100000; i++)
		crm_csv_write_row(w, (const char *const[]){"xxxxxxxx", "yyyyyyyy"}, 2);
	assert_int_equal(crm_csv_writer_close(w), CRM_EX_IOERR);
	fclose(fp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(header_and_rows),
		cmocka_unit_test(crlf),
		cmocka_unit_test(bom),
		cmocka_unit_test(bom_only_and_empty),
		cmocka_unit_test(missing_final_newline),
		cmocka_unit_test(blank_lines_counted),
		cmocka_unit_test(quoted_newline),
		cmocka_unit_test(doubled_quotes),
		cmocka_unit_test(sloppy_quotes),
		cmocka_unit_test(unterminated_quote),
		cmocka_unit_test(ragged_rows),
		cmocka_unit_test(semicolon_detected),
		cmocka_unit_test(tab_detected),
		cmocka_unit_test(spaces_trimmed),
		cmocka_unit_test(delimiter_override),
		cmocka_unit_test(gb18030_file),
		cmocka_unit_test(big5_file),
		cmocka_unit_test(encoding_given),
		cmocka_unit_test(utf16le_tsv_bom),
		cmocka_unit_test(utf16le_large),
		cmocka_unit_test(utf16_invalid),
		cmocka_unit_test(invalid_utf8),
		cmocka_unit_test(invalid_gbk),
		cmocka_unit_test(nul_byte),
		cmocka_unit_test(big_fields),
		cmocka_unit_test(open_errors),
		cmocka_unit_test(writer_csv),
		cmocka_unit_test(writer_round_trip),
		cmocka_unit_test(writer_tsv),
		cmocka_unit_test(writer_excel_safe),
		cmocka_unit_test(writer_dev_full),
	};

	crm_diag_init("test_csvio");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
