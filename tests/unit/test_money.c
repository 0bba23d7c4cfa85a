/*
 * test_money.c — unit tests for lib/money: currency markers, separator
 * rules, signs, overflow and formatting.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "money.h"

struct mcase {
	const char *in;
	const char *dflt;  /* default currency */
	int ok;            /* 1 parsed, 0 rejected */
	int64_t minor;
	const char *cur;   /* currency found in the text */
};

static void
run(const struct mcase *c, size_t n)
{
	struct crm_money m;
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		memset(&m, 0x55, sizeof m);
		r = crm_money_parse(c[i].in, c[i].dflt, &m);
		if (!c[i].ok) {
			if (r == 0)
				fail_msg("\"%s\": want reject, got %lld %s", c[i].in,
				    (long long)m.minor, m.currency);
			assert_int_equal(r, -1);
			continue;
		}
		if (r != 0)
			fail_msg("\"%s\": want %lld, got reject", c[i].in,
			    (long long)c[i].minor);
		if (m.minor != c[i].minor || strcmp(m.currency, c[i].cur) != 0)
			fail_msg("\"%s\": want %lld \"%s\", got %lld \"%s\"", c[i].in,
			    (long long)c[i].minor, c[i].cur, (long long)m.minor,
			    m.currency);
	}
}

#define RUN(t) run(t, sizeof t / sizeof t[0])

static void
test_markers(void **state)
{
	static const struct mcase t[] = {
		{ "¥1,234.50", "CNY", 1, 123450, "CNY" },
		{ "￥1234", "USD", 1, 123400, "CNY" },
		{ "RMB 1234", "USD", 1, 123400, "CNY" },
		{ "rmb1234", "USD", 1, 123400, "CNY" },
		{ "CNY 12.5", NULL, 1, 1250, "CNY" },
		{ "1234元", "USD", 1, 123400, "CNY" },
		{ "1234 元", "USD", 1, 123400, "CNY" },
		{ "人民币 1234.5", NULL, 1, 123450, "CNY" },
		{ "人民幣1234.5", NULL, 1, 123450, "CNY" },
		{ "¥1234元", NULL, 1, 123400, "CNY" },       /* agreeing markers */
		{ "NT$1,234", "CNY", 1, 123400, "TWD" },
		{ "NTD 1,234", "CNY", 1, 123400, "TWD" },
		{ "1234 TWD", "CNY", 1, 123400, "TWD" },
		{ "新台幣1,234", "CNY", 1, 123400, "TWD" },
		{ "新臺幣 1,234 元", NULL, 0, 0, "" },        /* TWD vs 元 CNY */
		{ "HK$12", "CNY", 1, 1200, "HKD" },
		{ "HKD 12.30", "CNY", 1, 1230, "HKD" },
		{ "12港币", NULL, 1, 1200, "HKD" },
		{ "12 港幣", NULL, 1, 1200, "HKD" },
		{ "12港元", NULL, 1, 1200, "HKD" },
		{ "US$3.10", "CNY", 1, 310, "USD" },
		{ "USD 3.10", "CNY", 1, 310, "USD" },
		{ "3.10 usd", "CNY", 1, 310, "USD" },
		{ "$3.10", "CNY", 1, 310, "" },
		{ "$3.10", "JPY", 0, 0, "" },                 /* JPY: no decimals */
		{ "€3,10", NULL, 1, 310, "EUR" },
		{ "3,10 €", NULL, 1, 310, "EUR" },
		{ "EUR 1.234,56", NULL, 1, 123456, "EUR" },
		{ "£12", NULL, 1, 1200, "GBP" },
		{ "GBP12", NULL, 1, 1200, "GBP" },
		{ "JP¥1234", "CNY", 1, 1234, "JPY" },
		{ "JPY 1,234", "CNY", 1, 1234, "JPY" },
		{ "1234円", "CNY", 1, 1234, "JPY" },
		{ "1234.00円", "CNY", 1, 1234, "JPY" },       /* surplus zeros */
		{ "1234.5円", "CNY", 0, 0, "" },
		{ "¥ 12 HKD", NULL, 0, 0, "" },              /* two currencies */
		{ "USD", NULL, 0, 0, "" },
		{ "¥", NULL, 0, 0, "" },
		{ "12 USDX", NULL, 0, 0, "" },
	};

	(void)state;
	RUN(t);
}

static void
test_separators(void **state)
{
	static const struct mcase t[] = {
		{ "1234.5", "CNY", 1, 123450, "" },
		{ "1234", "CNY", 1, 123400, "" },
		{ "1,234", "CNY", 1, 123400, "" },           /* thousands */
		{ "1,234,567", "CNY", 1, 123456700, "" },
		{ "12,345", "CNY", 1, 1234500, "" },
		{ "1,23", "CNY", 1, 123, "" },               /* decimal comma */
		{ "1,5", "CNY", 1, 150, "" },
		{ "1.234,50", "CNY", 1, 123450, "" },
		{ "1.234.567,89", "CNY", 1, 123456789, "" },
		{ "1,234.50", "CNY", 1, 123450, "" },
		{ "1 234,50", "CNY", 1, 123450, "" },
		{ "1 234 567", "CNY", 1, 123456700, "" },
		{ "1'234.50", "CNY", 1, 123450, "" },
		{ "1.234.567", "CNY", 1, 123456700, "" },    /* several dots */
		{ ".5", "CNY", 1, 50, "" },
		{ "0.05", "CNY", 1, 5, "" },
		{ "12.", "CNY", 1, 1200, "" },
		{ "1.2300", "CNY", 1, 123, "" },             /* surplus zeros */
		{ "1.5", "KWD", 1, 1500, "" },               /* 3 minor digits */
		{ "1.500", "KWD", 1, 1500, "" },
		{ "1.5", "JPY", 0, 0, "" },
		{ "12.345", "CNY", 0, 0, "" },               /* no rounding */
		{ "12.000", "CNY", 0, 0, "" },               /* maybe 12 thousand */
		{ "1.234", "CNY", 0, 0, "" },
		{ "1.2.3,4,5", "CNY", 0, 0, "" },
		{ "1,2,3", "CNY", 0, 0, "" },
		{ "1,2345.00", "CNY", 0, 0, "" },
		{ "1234,567.00", "CNY", 0, 0, "" },
		{ "1.23.456", "CNY", 0, 0, "" },
		{ "1,234 567", "CNY", 0, 0, "" },            /* mixed grouping */
		{ "1 23", "CNY", 0, 0, "" },
		{ "1.234,5.6", "CNY", 0, 0, "" },
		{ ",5", "CNY", 0, 0, "" },
		{ "1..2", "CNY", 0, 0, "" },
	};

	(void)state;
	RUN(t);
}

static void
test_signs(void **state)
{
	static const struct mcase t[] = {
		{ "(12.00)", "CNY", 1, -1200, "" },
		{ "( ¥12.00 )", "CNY", 1, -1200, "CNY" },
		{ "¥(12.00)", "CNY", 1, -1200, "CNY" },
		{ "12.00-", "CNY", 1, -1200, "" },
		{ "12.00 -", "CNY", 1, -1200, "" },
		{ "-12", "CNY", 1, -1200, "" },
		{ "- 12", "CNY", 1, -1200, "" },
		{ "-¥12", "CNY", 1, -1200, "CNY" },
		{ "¥-12", "CNY", 1, -1200, "CNY" },
		{ "\xE2\x88\x92" "12", "CNY", 1, -1200, "" },   /* U+2212 */
		{ "+12", "CNY", 1, 1200, "" },
		{ "0", "CNY", 1, 0, "" },
		{ "0.00", "CNY", 1, 0, "" },
		{ "-0", "CNY", 1, 0, "" },
		{ "--1", "CNY", 0, 0, "" },
		{ "-1-", "CNY", 0, 0, "" },
		{ "+-1", "CNY", 0, 0, "" },
		{ "-(1)", "CNY", 0, 0, "" },
		{ "(1)-", "CNY", 0, 0, "" },
		{ "(1", "CNY", 0, 0, "" },
		{ "1)", "CNY", 0, 0, "" },
		{ "((1))", "CNY", 0, 0, "" },
		{ "1 - 2", "CNY", 0, 0, "" },
	};

	(void)state;
	RUN(t);
}

static void
test_width_and_garbage(void **state)
{
	static const struct mcase t[] = {
		{ "１２３４．５", "CNY", 1, 123450, "" },
		{ "１，２３４．５０元", "CNY", 1, 123450, "CNY" },
		{ "　１２３４　", "CNY", 1, 123400, "" },
		{ "", "CNY", 0, 0, "" },
		{ "   ", "CNY", 0, 0, "" },
		{ "abc", "CNY", 0, 0, "" },
		{ "1e5", "CNY", 0, 0, "" },
		{ "12abc", "CNY", 0, 0, "" },
		{ "N/A", "CNY", 0, 0, "" },
		{ ".", "CNY", 0, 0, "" },
		{ "-", "CNY", 0, 0, "" },
		{ "12\xFF", "CNY", 0, 0, "" },
		{ "\xC0\x80" "1", "CNY", 0, 0, "" },
		{ "1 2", "CNY", 0, 0, "" },
	};

	(void)state;
	RUN(t);
	assert_int_equal(crm_money_parse(NULL, "CNY", NULL), -1);
	assert_int_equal(crm_money_parse("12", "CNY", NULL), 0);
}

static void
test_overflow(void **state)
{
	static const struct mcase t[] = {
		/* INT64_MAX = 9223372036854775807 minor units */
		{ "92233720368547758.07", "CNY", 1, INT64_MAX, "" },
		{ "-92233720368547758.07", "CNY", 1, -INT64_MAX, "" },
		{ "92233720368547758.08", "CNY", 0, 0, "" },
		{ "92233720368547759", "CNY", 0, 0, "" },
		{ "9223372036854775807", "JPY", 1, INT64_MAX, "" },
		{ "9223372036854775808", "JPY", 0, 0, "" },
		{ "9999999999999999999", "CNY", 0, 0, "" },
		{ "9999999999999999999", "JPY", 0, 0, "" },
		{ "99999999999999999999999999999999999999999999999999999999999999999999", "CNY", 0, 0, "" },
		{ "0000000000000000000000000000001", "CNY", 1, 100, "" },
	};

	(void)state;
	RUN(t);
}

static void
test_minor_digits(void **state)
{
	(void)state;
	assert_int_equal(crm_money_minor_digits("CNY"), 2);
	assert_int_equal(crm_money_minor_digits("TWD"), 2);
	assert_int_equal(crm_money_minor_digits("USD"), 2);
	assert_int_equal(crm_money_minor_digits("JPY"), 0);
	assert_int_equal(crm_money_minor_digits("jpy"), 0);
	assert_int_equal(crm_money_minor_digits("KRW"), 0);
	assert_int_equal(crm_money_minor_digits("KWD"), 3);
	assert_int_equal(crm_money_minor_digits("XYZ"), 2);
	assert_int_equal(crm_money_minor_digits(""), 2);
	assert_int_equal(crm_money_minor_digits(NULL), 2);
}

static void
test_format(void **state)
{
	char buf[32];

	(void)state;
	crm_money_format(123450, "CNY", buf);
	assert_string_equal(buf, "1234.50");
	crm_money_format(-5, "CNY", buf);
	assert_string_equal(buf, "-0.05");
	crm_money_format(0, "CNY", buf);
	assert_string_equal(buf, "0.00");
	crm_money_format(1234, "JPY", buf);
	assert_string_equal(buf, "1234");
	crm_money_format(-1234, "JPY", buf);
	assert_string_equal(buf, "-1234");
	crm_money_format(1500, "KWD", buf);
	assert_string_equal(buf, "1.500");
	crm_money_format(7, NULL, buf);
	assert_string_equal(buf, "0.07");
	crm_money_format(INT64_MAX, "CNY", buf);
	assert_string_equal(buf, "92233720368547758.07");
	crm_money_format(INT64_MIN, "CNY", buf);
	assert_string_equal(buf, "-92233720368547758.08");
	crm_money_format(INT64_MIN, "JPY", buf);
	assert_string_equal(buf, "-9223372036854775808");
}

static void
test_round_trip(void **state)
{
	static const int64_t v[] = { 0, 1, -1, 99, 100, -100, 123456789, -5 };
	struct crm_money m;
	char buf[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		crm_money_format(v[i], "CNY", buf);
		assert_int_equal(crm_money_parse(buf, "CNY", &m), 0);
		assert_int_equal(m.minor, v[i]);
		crm_money_format(v[i], "JPY", buf);
		assert_int_equal(crm_money_parse(buf, "JPY", &m), 0);
		assert_int_equal(m.minor, v[i]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_markers),
		cmocka_unit_test(test_separators),
		cmocka_unit_test(test_signs),
		cmocka_unit_test(test_width_and_garbage),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_minor_digits),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
