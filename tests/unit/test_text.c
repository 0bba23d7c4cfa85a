/*
 * test_text.c — unit tests for lib/text: UTF-8 validation, clean-up, width
 * folding, comparison keys, e-mail normalisation and display width.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "text.h"

/* Assert that f(in) returns want (NULL meaning failure), and free it. */
static void
check(char *(*f)(const char *), const char *in, const char *want)
{
	char *got = f(in);

	if (want == NULL) {
		if (got != NULL)
			fail_msg("input \"%s\": want NULL, got \"%s\"", in, got);
		return;
	}
	if (got == NULL)
		fail_msg("input \"%s\": want \"%s\", got NULL", in, want);
	if (strcmp(got, want) != 0)
		fail_msg("input \"%s\": want \"%s\", got \"%s\"", in, want, got);
	free(got);
}

static bool
valid(const char *s)
{
	return crm_text_valid_utf8(s, strlen(s));
}

static void
test_valid_accepts(void **state)
{
	(void)state;
	assert_true(valid(""));
	assert_true(valid("plain ascii"));
	assert_true(valid("陈小明"));
	assert_true(valid("\xC2\x80"));             /* U+0080, smallest 2-byte */
	assert_true(valid("\xDF\xBF"));             /* U+07FF */
	assert_true(valid("\xE0\xA0\x80"));         /* U+0800, smallest 3-byte */
	assert_true(valid("\xED\x9F\xBF"));         /* U+D7FF, below surrogates */
	assert_true(valid("\xEE\x80\x80"));         /* U+E000, above them */
	assert_true(valid("\xEF\xBF\xBF"));         /* U+FFFF */
	assert_true(valid("\xF0\x90\x80\x80"));     /* U+10000 */
	assert_true(valid("\xF4\x8F\xBF\xBF"));     /* U+10FFFF */
	assert_true(crm_text_valid_utf8(NULL, 0));
}

static void
test_valid_rejects(void **state)
{
	(void)state;
	assert_false(valid("\x80"));                /* lone continuation */
	assert_false(valid("\xC0\x80"));            /* overlong NUL */
	assert_false(valid("\xC1\xBF"));            /* overlong */
	assert_false(valid("\xE0\x9F\xBF"));        /* overlong 3-byte */
	assert_false(valid("\xF0\x8F\xBF\xBF"));    /* overlong 4-byte */
	assert_false(valid("\xED\xA0\x80"));        /* U+D800 */
	assert_false(valid("\xED\xBF\xBF"));        /* U+DFFF */
	assert_false(valid("\xF4\x90\x80\x80"));    /* U+110000 */
	assert_false(valid("\xF5\x80\x80\x80"));
	assert_false(valid("\xFF"));
	assert_false(valid("\xFE"));
	assert_false(valid("\xE4\xB8"));            /* truncated */
	assert_false(valid("a\xE4\xB8"));
	assert_false(valid("\xE4\x41\x41"));        /* bad continuation */
	/* NUL inside the length */
	assert_false(crm_text_valid_utf8("a\0b", 3));
	/* the length bounds the check: a truncated tail outside it is fine,
	 * inside it is not */
	assert_true(crm_text_valid_utf8("ab\xE4\xB8\xAD", 2));
	assert_false(crm_text_valid_utf8("ab\xE4\xB8\xAD", 4));
}

static void
test_clean(void **state)
{
	(void)state;
	check(crm_text_clean, "", "");
	check(crm_text_clean, "   ", "");
	check(crm_text_clean, "  Chen   Xiao\tMing \n", "Chen Xiao Ming");
	check(crm_text_clean, "\xE3\x80\x80" "陈小明" "\xE3\x80\x80", "陈小明");
	check(crm_text_clean, "\xC2\xA0" "a" "\xC2\xA0\xC2\xA0" "b", "a b");
	/* NFC: e + combining acute becomes U+00E9 */
	check(crm_text_clean, "Jose\xCC\x81", "Jos\xC3\xA9");
	/* clean does not fold width */
	check(crm_text_clean, "１２３", "１２３");
	check(crm_text_clean, "\xC0\x80", NULL);
	check(crm_text_clean, "ok\xED\xA0\x80", NULL);
	assert_null(crm_text_clean(NULL));
}

static void
test_fold_width(void **state)
{
	(void)state;
	check(crm_text_fold_width, "１２３", "123");
	check(crm_text_fold_width, "\xE3\x80\x80１３８\xE3\x80\x80００１３\xE3\x80\x80",
	    "138 0013");
	check(crm_text_fold_width, "ＡＢＣ＠ｅｘａｍｐｌｅ．ｃｏｍ", "ABC@example.com");
	check(crm_text_fold_width, "！～", "!~");      /* ends of the range */
	check(crm_text_fold_width, "（０２）", "(02)");
	check(crm_text_fold_width, "陈 小明", "陈 小明");
	/* U+FFE5 FULLWIDTH YEN is outside FF01..FF5E and stays */
	check(crm_text_fold_width, "\xEF\xBF\xA5" "1", "\xEF\xBF\xA5" "1");
	check(crm_text_fold_width, "\xFF", NULL);
	assert_null(crm_text_fold_width(NULL));
}

static void
test_key(void **state)
{
	char *a, *b;

	(void)state;
	a = crm_text_key("Chen  Xiao-Ming");
	b = crm_text_key("chen xiaoming");
	assert_non_null(a);
	assert_non_null(b);
	assert_string_equal(a, b);
	assert_string_equal(a, "chenxiaoming");
	free(a);
	free(b);
	check(crm_text_key, "CHEN·XIAOMING", "chenxiaoming");
	check(crm_text_key, "Ｃｈｅｎ，　Ｘｉａｏ", "chenxiao");  /* NFKC */
	check(crm_text_key, "陈 小明（销售）", "陈小明销售");
	check(crm_text_key, "Straße", "strasse");               /* case fold */
	check(crm_text_key, "O'Brien & Co.", "obrienco");
	check(crm_text_key, "a+b=c $5", "abc5");                 /* symbols too */
	check(crm_text_key, "Jose\xCC\x81", "jos\xC3\xA9");
	check(crm_text_key, "", "");
	check(crm_text_key, " - ", "");
	check(crm_text_key, "\xF4\x90\x80\x80", NULL);
	assert_null(crm_text_key(NULL));
}

static void
test_email(void **state)
{
	(void)state;
	check(crm_email_normalise, "Alice@Example.COM", "alice@example.com");
	check(crm_email_normalise, "  alice@example.com  ", "alice@example.com");
	check(crm_email_normalise, "mailto:Bob@Example.com", "bob@example.com");
	check(crm_email_normalise, "MAILTO:bob@example.com", "bob@example.com");
	check(crm_email_normalise, "Bob Smith <Bob@Example.com>", "bob@example.com");
	check(crm_email_normalise, "\"Smith, Bob\" <bob@example.com>", "bob@example.com");
	check(crm_email_normalise, "陈小明 <xm.chen@example.cn>", "xm.chen@example.cn");
	check(crm_email_normalise, "<mailto:a@b.co>", "a@b.co");
	check(crm_email_normalise, "ｘｍ＠ｅｘａｍｐｌｅ．ｃｎ", "xm@example.cn");
	check(crm_email_normalise, "a+tag@sub.example.org", "a+tag@sub.example.org");
	check(crm_email_normalise, "Ü@bücher.de", "ü@bücher.de");
	check(crm_email_normalise, "", NULL);
	check(crm_email_normalise, "alice", NULL);
	check(crm_email_normalise, "alice@", NULL);
	check(crm_email_normalise, "@example.com", NULL);
	check(crm_email_normalise, "alice@localhost", NULL);
	check(crm_email_normalise, "a@b@example.com", NULL);
	check(crm_email_normalise, "a b@example.com", NULL);
	check(crm_email_normalise, "a@example..com", NULL);
	check(crm_email_normalise, "a@.example.com", NULL);
	check(crm_email_normalise, "a@example.com.", NULL);
	check(crm_email_normalise, "Bob <bob@example.com", NULL);
	check(crm_email_normalise, "Bob <bob@example.com> x", NULL);
	check(crm_email_normalise, "a@b.com, c@d.com", NULL);
	check(crm_email_normalise, "a\x01@b.com", NULL);
	check(crm_email_normalise, "a@b.com\xC0", NULL);
	assert_null(crm_email_normalise(NULL));
}

static void
test_width(void **state)
{
	(void)state;
	assert_int_equal(crm_text_width(""), 0);
	assert_int_equal(crm_text_width("abc"), 3);
	assert_int_equal(crm_text_width("陈小明"), 6);
	assert_int_equal(crm_text_width("ａ"), 2);
	assert_int_equal(crm_text_width("e\xCC\x81"), 1);   /* combining = 0 */
	assert_int_equal(crm_text_width("a\tb"), 2);        /* controls = 0 */
	assert_int_equal(crm_text_width("\xFF" "a"), 2);    /* bad byte = 1 */
	assert_int_equal(crm_text_width("\xED\xA0\x80"), 3);
	assert_int_equal(crm_text_width("\xE4\xB8"), 2);
	assert_int_equal(crm_text_width(NULL), 0);
}

static void
mask_is(const char *in, const char *want)
{
	char out[64];

	crm_mask_contact(in, out, sizeof out);
	assert_string_equal(out, want);
}

static void
test_mask(void **state)
{
	(void)state;
	mask_is("13812345678", "138****5678");
	mask_is("+8613812345678", "+86138****5678");
	mask_is("+886912345678", "+8869****5678");
	mask_is("0912-345-678", "09**-**5-678");
	mask_is("12345", "***45");
	mask_is("zhang.wei@example.com", "z***@example.com");
	mask_is("张伟@example.cn", "张***@example.cn");
	mask_is("@example.com", "***@example.com");
	mask_is("", "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_accepts),
		cmocka_unit_test(test_valid_rejects),
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_fold_width),
		cmocka_unit_test(test_key),
		cmocka_unit_test(test_email),
		cmocka_unit_test(test_width),
		cmocka_unit_test(test_mask),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
