/*
 * test_decode — encoding detection (BOM, UTF-8, GBK vs Big5 on real Chinese
 * CRM text) and conversion to UTF-8. Encoded samples are made with iconv(3)
 * from UTF-8 literals.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <iconv.h>
#include <string.h>
#include <stdlib.h>

#include "decode.h"
#include "diag.h"

static const char simplified[] =
	"客户名称,手机,邮箱,城市,公司\n"
	"陈小明,13800138000,chen@example.com,上海市,上海华联商贸有限公司\n"
	"王建国,13912345678,wang@example.cn,广州市,广州白云电器设备股份有限公司\n"
	"李华,13700001111,li@example.com,北京市,北京京东世纪贸易有限公司\n";

static const char traditional[] =
	"客戶名稱,手機,郵箱,城市,公司\n"
	"張美玲,0912345678,mei@example.tw,台北市,台灣積體電路製造股份有限公司\n"
	"陳小明,0922334455,chen@example.com.tw,高雄市,統一企業股份有限公司\n"
	"王建國,0933445566,wang@example.hk,香港,長江實業集團有限公司\n";


static const char *
detect(const void *buf, size_t len, size_t *bom)
{
	return crm_decode_detect(buf, len, bom);
}

static void
boms(void **state)
{
	(void)state;
	size_t bom = 99;

	assert_string_equal(detect("\xEF\xBB\xBF" "a,b\n", 7, &bom), "UTF-8");
	assert_int_equal(bom, 3);
	assert_string_equal(detect("\xFF\xFE" "a\0", 4, &bom), "UTF-16LE");
	assert_int_equal(bom, 2);
	assert_string_equal(detect("\xFE\xFF\0a", 4, &bom), "UTF-16BE");
	assert_int_equal(bom, 2);
	assert_string_equal(detect("\xFF\xFE\0\0" "a\0\0\0", 8, &bom), "UTF-32LE");
	assert_int_equal(bom, 4);
	assert_string_equal(detect("\0\0\xFE\xFF", 4, &bom), "UTF-32BE");
	assert_int_equal(bom, 4);
}

static void
utf8_and_ascii(void **state)
{
	(void)state;
	size_t bom = 99;

	assert_string_equal(detect("", 0, &bom), "UTF-8");
	assert_int_equal(bom, 0);
	assert_string_equal(detect("name,phone\nBob,555\n", 19, &bom), "UTF-8");
	assert_string_equal(detect(simplified, strlen(simplified), &bom), "UTF-8");
	/* A sample cut in the middle of a character is still UTF-8. */
	assert_string_equal(detect(simplified, strlen("客户名称") + 1, &bom), "UTF-8");
	assert_string_equal(detect(simplified, strlen("客户名称") + 2, &bom), "UTF-8");
	assert_int_equal(bom, 0);
}

static void
mostly_utf8(void **state)
{
	(void)state;
	size_t bom;
	char *s = crm_xstrdup(simplified);

	/* One bad byte in a page of UTF-8 Chinese: still UTF-8. */
	s[strlen("客户名称,手机,邮箱,城市,公司\n陈")] = (char)0xFF;
	assert_string_equal(detect(s, strlen(s), &bom), "UTF-8");
	free(s);
}

static void
gbk_vs_big5(void **state)
{
	(void)state;
	size_t n, bom;
	char *b;

	b = encode(simplified, "GBK", &n);
	assert_true(n > 200);
	assert_string_equal(detect(b, n, &bom), "GB18030");
	assert_int_equal(bom, 0);
	free(b);

	b = encode(traditional, "BIG5", &n);
	assert_true(n > 200);
	assert_string_equal(detect(b, n, &bom), "BIG5-HKSCS");
	free(b);

	/* The same traditional text in GB18030 is told apart from Big5. */
	b = encode(traditional, "GB18030", &n);
	assert_string_equal(detect(b, n, &bom), "GB18030");
	free(b);
}

/*
 * How short a sample still works. With uchardet 0.0.7, 60 bytes (a header
 * and part of a row) are enough for both; at 20 bytes Big5 is taken for
 * WINDOWS-1252. Callers pass up to 64 KiB, so only tiny files are at risk.
 */
static void
short_samples(void **state)
{
	(void)state;
	size_t n, bom;
	char *b;

	b = encode(simplified, "GBK", &n);
	assert_string_equal(detect(b, 60, &bom), "GB18030");
	assert_string_equal(detect(b, 30, &bom), "GB18030");
	free(b);
	b = encode(traditional, "BIG5", &n);
	assert_string_equal(detect(b, 60, &bom), "BIG5-HKSCS");
	assert_string_equal(detect(b, 30, &bom), "BIG5-HKSCS");
	free(b);
}

static void
canonical(void **state)
{
	(void)state;
	assert_string_equal(crm_decode_canonical("gbk"), "GB18030");
	assert_string_equal(crm_decode_canonical("GB2312"), "GB18030");
	assert_string_equal(crm_decode_canonical("cp936"), "GB18030");
	assert_string_equal(crm_decode_canonical("big5"), "BIG5-HKSCS");
	assert_string_equal(crm_decode_canonical("Big5-HKSCS"), "BIG5-HKSCS");
	assert_string_equal(crm_decode_canonical("utf8"), "UTF-8");
	assert_string_equal(crm_decode_canonical("UTF-8"), "UTF-8");
	assert_string_equal(crm_decode_canonical("utf-16"), "UTF-16");
	assert_string_equal(crm_decode_canonical("utf_16le"), "UTF-16LE");
	assert_string_equal(crm_decode_canonical("koi8-r"), "KOI8-R");
	/* Same static string on a second call. */
	assert_ptr_equal(crm_decode_canonical("koi8-r"), crm_decode_canonical("KOI8-R"));
	assert_null(crm_decode_canonical("no-such-encoding"));
	assert_null(crm_decode_canonical(""));
}

static void
ascii_safe(void **state)
{
	(void)state;
	assert_true(crm_decode_ascii_safe("UTF-8"));
	assert_true(crm_decode_ascii_safe("GB18030"));
	assert_true(crm_decode_ascii_safe("BIG5-HKSCS"));
	assert_true(crm_decode_ascii_safe("WINDOWS-1252"));
	assert_false(crm_decode_ascii_safe("UTF-16LE"));
	assert_false(crm_decode_ascii_safe("UTF-16"));
	assert_false(crm_decode_ascii_safe("UTF-32BE"));
	assert_false(crm_decode_ascii_safe("HZ-GB-2312"));
}

static void
convert(void **state)
{
	(void)state;
	size_t n;
	char *gb = encode("陈小明,上海", "GB18030", &n);
	crm_decoder *d = crm_decoder_new("GB18030");
	crm_buf out = {0};

	assert_non_null(d);
	assert_int_equal(crm_decoder_convert(d, gb, n, &out), 0);
	assert_string_equal(crm_buf_str(&out), "陈小明,上海");
	/* Appends. */
	assert_int_equal(crm_decoder_convert(d, gb, 2, &out), 0);
	assert_string_equal(crm_buf_str(&out), "陈小明,上海陈");
	/* A lead byte without its trail, and an invalid pair. */
	crm_buf_reset(&out);
	assert_int_equal(crm_decoder_convert(d, gb, 1, &out), -1);
	assert_int_equal(crm_decoder_convert(d, "\x81\x20", 2, &out), -1);
	/* The decoder is usable after an error. */
	crm_buf_reset(&out);
	assert_int_equal(crm_decoder_convert(d, gb, 2, &out), 0);
	assert_string_equal(crm_buf_str(&out), "陈");
	crm_decoder_free(d);
	free(gb);
	crm_buf_free(&out);

	assert_null(crm_decoder_new("no-such-encoding"));
}

static void
convert_utf8(void **state)
{
	(void)state;
	crm_decoder *d = crm_decoder_new("UTF-8");
	crm_buf out = {0};

	assert_int_equal(crm_decoder_convert(d, "张三", strlen("张三"), &out), 0);
	assert_string_equal(crm_buf_str(&out), "张三");
	crm_buf_reset(&out);
	assert_int_equal(crm_decoder_convert(d, "ab\xC0\x80", 4, &out), -1);
	assert_string_equal(crm_buf_str(&out), "ab");
	crm_decoder_free(d);
	crm_buf_free(&out);
}

static void
utf8_validation(void **state)
{
	(void)state;
	assert_int_equal(crm_utf8_valid_prefix("", 0), 0);
	assert_int_equal(crm_utf8_valid_prefix("hello world, long ascii", 23), 23);
	assert_int_equal(crm_utf8_valid_prefix("\xF0\x9F\x98\x80", 4), 4);   /* U+1F600 */
	assert_int_equal(crm_utf8_valid_prefix("a\xC0\x80", 3), 1);          /* overlong */
	assert_int_equal(crm_utf8_valid_prefix("a\xE0\x80\x80", 4), 1);      /* overlong */
	assert_int_equal(crm_utf8_valid_prefix("ab\xED\xA0\x80", 5), 2);     /* surrogate */
	assert_int_equal(crm_utf8_valid_prefix("\xF4\x90\x80\x80", 4), 0);   /* > U+10FFFF */
	assert_int_equal(crm_utf8_valid_prefix("12345678\xE4\xB8", 10), 8);  /* cut off */
	assert_int_equal(crm_utf8_valid_prefix("x\x80", 2), 1);              /* stray trail */
	assert_int_equal(crm_utf8_valid_prefix("x\0y", 3), 3);               /* NUL is UTF-8 */
}

/* UTF-16 fed one byte at a time: partial sequences wait for the next call. */
static void
stream_partial(void **state)
{
	(void)state;
	const char *text = "𠀀陈a\n";
	size_t n, pos = 0, have = 0;
	char *u16 = encode(text, "UTF-16LE", &n);
	char pend[8];
	crm_decoder *d = crm_decoder_new("UTF-16LE");
	crm_buf out = {0};
	bool invalid = false;

	for (pos = 0; pos < n; pos++) {
		size_t used;

		pend[have++] = u16[pos];
		used = crm_decoder_stream(d, pend, have, pos + 1 == n, &out, &invalid);
		memmove(pend, pend + used, have - used);
		have -= used;
	}
	assert_int_equal(have, 0);
	assert_false(invalid);
	assert_string_equal(crm_buf_str(&out), text);

	/* A lone high surrogate becomes 0xFF; an odd byte at the end too. */
	crm_buf_reset(&out);
	assert_int_equal(crm_decoder_stream(d, "a\0\x00\xD8" "b\0c", 7, true, &out, &invalid), 7);
	assert_true(invalid);
	assert_string_equal(crm_buf_str(&out), "a\xFF" "b\xFF");
	crm_decoder_free(d);
	free(u16);
	crm_buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(boms),
		cmocka_unit_test(utf8_and_ascii),
		cmocka_unit_test(mostly_utf8),
		cmocka_unit_test(gbk_vs_big5),
		cmocka_unit_test(short_samples),
		cmocka_unit_test(canonical),
		cmocka_unit_test(ascii_safe),
		cmocka_unit_test(convert),
		cmocka_unit_test(convert_utf8),
		cmocka_unit_test(utf8_validation),
		cmocka_unit_test(stream_partial),
	};

	crm_diag_init("test_decode");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
