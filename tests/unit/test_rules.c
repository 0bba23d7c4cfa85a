/*
 * test_rules.c — unit tests for lib/rules: precedence, every operator, text
 * folding, text columns holding numbers and dates, empty values, arithmetic,
 * every parse error with its column, unknown names, the nesting limit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "rules.h"

/* The names every test parses against, and their positions in values[]. */
static const char *const names[] = {
    "a", "b", "c", "recency_days", "frequency", "monetary",
    "地区", "spend", "first_order", "city", "first order", "flag",
};
enum { A, B, C, RECENCY, FREQUENCY, MONETARY, REGION, SPEND, FIRST, CITY, FIRST2, FLAG, NNAMES };

/* A row of values: every name empty. */
static void
blank(crm_value *v)
{
	size_t i;

	for (i = 0; i < NNAMES; i++)
		v[i] = crm_value_empty();
}

/* Parse expr (failing the test on an error), evaluate it on v, free it. */
static int
ev(const char *expr, const crm_value *v)
{
	crm_rule_error e;
	crm_rule *r = crm_rule_parse(expr, names, NNAMES, &e);
	int res;

	if (r == NULL)
		fail_msg("\"%s\": column %d: %s", expr, e.column, e.message);
	res = crm_rule_eval(r, v);
	crm_rule_free(r);
	return res;
}

/* Assert that expr evaluates to want on v. */
static void
is(const char *expr, const crm_value *v, int want)
{
	int got = ev(expr, v);

	if (got != want)
		fail_msg("\"%s\": want %d, got %d", expr, want, got);
}

/* Assert that expr fails to parse at column col with message msg. */
static void
bad(const char *expr, int col, const char *msg)
{
	crm_rule_error e;
	crm_rule *r;

	memset(&e, 0x55, sizeof e);
	r = crm_rule_parse(expr, names, NNAMES, &e);
	if (r != NULL) {
		crm_rule_free(r);
		fail_msg("\"%s\": want error \"%s\", parsed", expr, msg);
	}
	if (e.column != col || strcmp(e.message, msg) != 0)
		fail_msg("\"%s\": want column %d: %s\n  got column %d: %s", expr, col, msg,
			 e.column, e.message);
}

static void
test_precedence(void **state)
{
	crm_value v[NNAMES];

	(void)state;
	blank(v);
	/* and binds tighter than or */
	v[A] = crm_value_number(1), v[B] = crm_value_number(0), v[C] = crm_value_number(0);
	is("a = 1 or b = 1 and c = 1", v, 1);
	is("(a = 1 or b = 1) and c = 1", v, 0);
	v[A] = crm_value_number(0), v[B] = crm_value_number(1);
	is("a = 1 or b = 1 and c = 1", v, 0);
	is("b = 1 and c = 1 or a = 0", v, 1);
	/* not binds tighter than and, looser than a comparison */
	v[A] = crm_value_number(1), v[B] = crm_value_number(2);
	is("not a = 1 and b = 2", v, 0);
	is("not (a = 1 and b = 3)", v, 1);
	v[A] = crm_value_number(0);
	is("not a = 1 and b = 2", v, 1);
	is("not not a = 0", v, 1);
	is("not a = 0 or b = 2", v, 1);
	/* arithmetic */
	v[A] = crm_value_number(1), v[B] = crm_value_number(2), v[C] = crm_value_number(3);
	is("a + b * c = 7", v, 1);
	is("(a + b) * c = 9", v, 1);
	is("a - b - c = -4", v, 1); /* left-associative */
	is("c - b + a = 2", v, 1);
	is("c / b / a = 1.5", v, 1);
	is("a / b * c = 1.5", v, 1);
	is("-a * b = -2", v, 1);
	is("a - -b = 3", v, 1);
	is("2 * -a = -2", v, 1);
	is("- (a + b) = -3", v, 1);
	is("a + b > c - 1 and c * 2 = 6", v, 1);
	is("1e3 = 1000 and .5 = 0.5 and 2.5e-1 = 0.25 and 10E+1 = 100", v, 1);
}

static void
test_comparisons(void **state)
{
	static const struct {
		const char *expr;
		int want;
	} t[] = {
	    {"frequency = 5", 1},
	    {"frequency = 6", 0},
	    {"frequency == 5", 1},
	    {"frequency != 5", 0},
	    {"frequency != 6", 1},
	    {"frequency <> 6", 1},
	    {"frequency <> 5", 0},
	    {"frequency < 6", 1},
	    {"frequency < 5", 0},
	    {"frequency <= 5", 1},
	    {"frequency <= 4", 0},
	    {"frequency > 4", 1},
	    {"frequency > 5", 0},
	    {"frequency >= 5", 1},
	    {"frequency >= 6", 0},
	    {"5 = frequency", 1},
	    {"4 < frequency", 1},
	    {"frequency = frequency", 1},
	    {"frequency between 5 and 5", 1},
	    {"frequency between 1 and 4", 0},
	    {"frequency between 6 and 9", 0},
	    {"frequency not between 1 and 4", 1},
	    {"frequency not between 1 and 9", 0},
	    {"frequency between 1 and 9 and monetary = 100", 1},
	    {"monetary >= 50000 and frequency >= 5", 0},
	    {"monetary >= 50 and frequency >= 5", 1},
	    {"true", 1},
	    {"false", 0},
	    {"not false", 1},
	    {"(true)", 1},
	    {"true and frequency = 5", 1},
	    {"false or frequency = 4", 0},
	};
	crm_value v[NNAMES];
	size_t i;

	(void)state;
	blank(v);
	v[FREQUENCY] = crm_value_number(5);
	v[MONETARY] = crm_value_number(100);
	for (i = 0; i < sizeof t / sizeof t[0]; i++)
		is(t[i].expr, v, t[i].want);
}

static void
test_in_contains(void **state)
{
	crm_value v[NNAMES];

	(void)state;
	blank(v);
	v[FREQUENCY] = crm_value_number(5);
	v[REGION] = crm_value_text("华东区");
	v[CITY] = crm_value_text("Taipei City");
	is("frequency in (1, 5, 9)", v, 1);
	is("frequency in (1, 2)", v, 0);
	is("frequency in (5)", v, 1);
	is("frequency not in (1, 2)", v, 1);
	is("frequency not in (1, 5)", v, 0);
	is("frequency in (2 + 3, 7)", v, 1);
	is("地区 in ('华南', '华东区')", v, 1);
	is("地区 in ('华南', '华东')", v, 0);
	is("地区 not in ('华南', '华东')", v, 1);
	is("city in ('taipei city', 'Tainan')", v, 1);
	is("地区 contains '华东'", v, 1);
	is("地区 contains '区'", v, 1);
	is("地区 contains '华南'", v, 0);
	is("地区 not contains '华南'", v, 1);
	is("地区 not contains '华东'", v, 0);
	is("city contains 'PEI c'", v, 1);
	is("city contains 'city'", v, 1);
	is("city contains 'Taipei City!'", v, 0);
	is("frequency contains 5", v, 1); /* a number contains its spelling */
}

static void
test_text_folding(void **state)
{
	crm_value v[NNAMES];

	(void)state;
	blank(v);
	v[CITY] = crm_value_text("Taipei");
	is("city = 'TAIPEI'", v, 1);
	is("city = 'taipei'", v, 1);
	is("city != 'taipei'", v, 0);
	is("city = '  Taipei '", v, 1);			      /* literals trimmed */
	is("city = 'Ｔａｉｐｅｉ'", v, 1);		      /* full-width literal */
	v[CITY] = crm_value_text("ＴＡＩＰＥＩ\xE3\x80\x80"); /* full-width, U+3000 */
	is("city = 'taipei'", v, 1);
	is("city contains 'aip'", v, 1);
	/* NFC: e + COMBINING ACUTE equals precomposed é */
	v[CITY] = crm_value_text("Jose\xCC\x81");
	is("city = 'José'", v, 1);
	is("city = 'JOSÉ'", v, 1);
	is("city = 'Jose'", v, 0);
	/* full case folding: ß folds to ss */
	v[CITY] = crm_value_text("Straße");
	is("city = 'STRASSE'", v, 1);
	/* < and > compare folded text bytewise */
	v[CITY] = crm_value_text("apple");
	is("city < 'Banana'", v, 1);
	is("city > 'APPLE'", v, 0);
	is("city >= 'APPLE'", v, 1);
	is("city <= 'appl'", v, 0);
	is("city > 'appl'", v, 1);
	/* CJK, traditional and simplified are different texts */
	v[CITY] = crm_value_text(" 台北市 ");
	is("city = '台北市'", v, 1);
	is("city = '台北'", v, 0);
	is("city = '臺北市'", v, 0);
	/* a text column against a text column */
	v[REGION] = crm_value_text("TAIPEI");
	v[CITY] = crm_value_text("taipei");
	is("city = 地区", v, 1);
	/* a long non-ASCII value takes the heap path of the fold */
	{
		char *big = crm_xmalloc(400 * 2 + 8);
		size_t i;

		for (i = 0; i < 400; i++)
			memcpy(big + i * 2, "\xC3\x89", 2); /* É */
		strcpy(big + 800, "xyz");
		v[CITY] = crm_value_text(big);
		is("city contains 'éXYZ'", v, 1);
		is("city contains 'Éxyzz'", v, 0);
		free(big);
	}
}

static void
test_text_numbers(void **state)
{
	crm_value v[NNAMES];

	(void)state;
	blank(v);
	v[SPEND] = crm_value_text("1200");
	is("spend > 1000", v, 1);
	is("spend = 1200", v, 1);
	is("spend = 1.2e3", v, 1);
	is("spend < 1000", v, 0);
	is("spend * 2 = 2400", v, 1); /* arithmetic reads the text */
	is("spend - 200 between 999 and 1000", v, 1);
	is("-spend = -1200", v, 1);
	is("spend = '1200'", v, 1);   /* text vs text: same text */
	is("spend = '1200.0'", v, 0); /* text vs text: not the same text */
	v[SPEND] = crm_value_text(" 1200.0 ");
	is("spend = 1200", v, 1);
	is("spend in (1, 1200)", v, 1);
	v[SPEND] = crm_value_text("-0.5");
	is("spend < 0", v, 1);
	/* a quoted literal that reads as a number against a number value */
	v[FREQUENCY] = crm_value_number(6);
	is("frequency = '6'", v, 1);
	is("frequency > ' 5 '", v, 1);
	/* not a number: unequal to every number and never ordered against one */
	v[SPEND] = crm_value_text("1,200");
	is("spend = 1200", v, 0);
	is("spend != 1200", v, 1);
	is("spend < 1000", v, 0);
	is("spend > 1000", v, 0);
	is("spend in (1200, 5)", v, 0);
	is("spend not in (1200, 5)", v, 1);
	is("spend * 2 is empty", v, 1);
	v[SPEND] = crm_value_text("abc");
	is("spend > 5", v, 0);
	is("spend <= 5", v, 0);
	is("spend != 5", v, 1);
	is("spend + 1 = 1", v, 0);
	is("not spend + 1 = 1", v, 1);
	v[SPEND] = crm_value_text("1e999"); /* out of range: text */
	is("spend * 1 is empty", v, 1);
	is("spend > 2", v, 0); /* "1e999" reads as no finite number */
	/* true and false compare as 1 and 0, or as the words */
	v[FLAG] = crm_value_text("TRUE");
	is("flag = true", v, 1);
	is("flag = false", v, 0);
	v[FLAG] = crm_value_text("0");
	is("flag = false", v, 1);
	v[FLAG] = crm_value_number(1);
	is("flag = true", v, 1);
}

static void
test_dates(void **state)
{
	crm_value v[NNAMES];

	(void)state;
	blank(v);
	v[FIRST] = crm_value_date(20458); /* 2026-01-05 */
	is("first_order >= 2026-01-01", v, 1);
	is("first_order = 2026-01-05", v, 1);
	is("first_order < 2026-01-05", v, 0);
	is("first_order between 2026-01-01 and 2026-01-31", v, 1);
	is("first_order in (2025-01-05, 2026-01-05)", v, 1);
	is("first_order = '2026-01-05'", v, 1); /* a quoted ISO date */
	is("first_order > '2026-01-04 23:59'", v, 1);
	is("first_order = 20458", v, 0); /* number vs date */
	is("first_order != 20458", v, 0);
	is("first_order + 1 is empty", v, 1); /* no date arithmetic */
	is("first_order contains '2026-01'", v, 1);
	is("2024-02-29 < 2024-03-01", v, 1);
	/* a text column holding dates */
	v[FIRST] = crm_value_text("2026-01-05");
	is("first_order >= 2026-01-01", v, 1);
	is("first_order = 2026-01-05", v, 1);
	v[FIRST] = crm_value_text(" 2026-01-05 10:30:00 ");
	is("first_order = 2026-01-05", v, 1);
	is("first_order < 2026-01-06", v, 1);
	v[FIRST] = crm_value_text("2026-01-05T10:30");
	is("first_order = 2026-01-05", v, 1);
	/* not an ISO date: never compares with a date */
	v[FIRST] = crm_value_text("2026/01/05");
	is("first_order >= 2026-01-01", v, 0);
	is("first_order < 2026-01-01", v, 0);
	is("first_order != 2026-01-01", v, 0);
	is("first_order not in (2026-01-01)", v, 0);
	v[FIRST] = crm_value_text("2026-02-30");
	is("first_order > 2026-01-01", v, 0);
	v[FIRST] = crm_value_text("2026-01-05x");
	is("first_order > 2026-01-01", v, 0);
}

static void
test_empty(void **state)
{
	static const char *const blanks[] = {NULL, "", "   ", "\t \xE3\x80\x80\xC2\xA0"};
	static const struct {
		const char *expr;
		int want;
	} t[] = {
	    {"a = 1", 0},
	    {"a != 1", 0},
	    {"a < 1", 0},
	    {"a >= 1", 0},
	    {"not a = 1", 1},
	    {"not a != 1", 1},
	    {"a is empty", 1},
	    {"a is not empty", 0},
	    {"a in (1, 2)", 0},
	    {"a not in (1, 2)", 0},
	    {"a contains 'x'", 0},
	    {"a not contains 'x'", 0},
	    {"a between 1 and 2", 0},
	    {"a not between 1 and 2", 0},
	    {"a + 1 = 1", 0},
	    {"a + 1 is empty", 1},
	    {"-a is empty", 1},
	    {"a = a", 0},
	    {"b in (a, 1)", 1},
	    {"b not in (a, 2)", 0},
	    {"b = 1 or a = 1", 1},
	    {"b = 1 and a = 1", 0},
	    {"b between a and 2", 0},
	    {"b contains a", 0},
	};
	crm_value v[NNAMES];
	size_t i, k;

	(void)state;
	blank(v);
	v[B] = crm_value_number(1);
	for (k = 0; k < 5; k++) {
		if (k < 4) {
			v[A] = crm_value_text(blanks[k]);
			v[A].kind = CRM_VALUE_TEXT; /* even as TEXT, blank is empty */
		} else
			v[A] = crm_value_number(NAN);
		for (i = 0; i < sizeof t / sizeof t[0]; i++)
			is(t[i].expr, v, t[i].want);
	}
	v[A] = crm_value_empty();
	is("a is empty", v, 1);
	assert_int_equal(crm_value_text("").kind, CRM_VALUE_EMPTY);
	assert_int_equal(crm_value_text(NULL).kind, CRM_VALUE_EMPTY);
	assert_int_equal(crm_value_text("x").kind, CRM_VALUE_TEXT);
	v[A] = crm_value_number(0);
	is("a is empty", v, 0);
	is("a is not empty", v, 1);
	is("a = 0", v, 1);
}

static void
test_arithmetic(void **state)
{
	crm_value v[NNAMES];

	(void)state;
	blank(v);
	v[A] = crm_value_number(10);
	v[B] = crm_value_number(0);
	is("a / 0 is empty", v, 1);
	is("a / b is empty", v, 1);
	is("a / b = 0", v, 0);
	is("a / b != 0", v, 0);
	is("not a / b = 0", v, 1);
	is("b / b is empty", v, 1);
	is("a / 4 = 2.5", v, 1);
	is("a * 1e308 * 10 is empty", v, 1); /* overflow */
	is("a + 'x' is empty", v, 1);
	is("a + '5' = 15", v, 1);
	is("a * 2 > 19.5", v, 1);
	is("0.1 + 0.2 > 0.3", v, 1); /* binary doubles, as documented */
}

static void
test_keywords_any_case(void **state)
{
	crm_value v[NNAMES];

	(void)state;
	blank(v);
	v[A] = crm_value_number(1);
	v[CITY] = crm_value_text("Tainan");
	is("A = 1 AND NOT B = 1", v, 1); /* names fold too */
	is("a = 2 Or a = 1", v, 1);
	is("NoT a = 2", v, 1);
	is("a IN (1) aNd city CONTAINS 'NAN'", v, 1);
	is("a NOT IN (2) and city Not Contains 'x'", v, 1);
	is("b IS EMPTY and a Is Not Empty", v, 1);
	is("a BETWEEN 0 AND 2", v, 1);
	is("a NOT BETWEEN 0 AND 2", v, 0);
	is("TRUE AND NOT FALSE", v, 1);
	is("b iS eMpTy", v, 1);
}

static void
test_names(void **state)
{
	crm_value v[NNAMES];
	const char *const odd[] = {"say \"hi\"", "a`b", "Region", "region", "ＶＩＰ"};
	crm_value ov[5];
	crm_rule_error e;
	crm_rule *r;

	(void)state;
	blank(v);
	v[FIRST2] = crm_value_number(3);
	v[REGION] = crm_value_text("华东");
	is("\"first order\" = 3", v, 1);
	is("`first order` = 3", v, 1);
	is("\"FIRST ORDER\" = 3", v, 1);
	is("地区 = '华东'", v, 1);
	is("地区='华东'", v, 1);
	/* doubled quotes inside quoted names; exact match beats folding */
	ov[0] = crm_value_number(1), ov[1] = crm_value_number(2);
	ov[2] = crm_value_number(3), ov[3] = crm_value_number(4);
	ov[4] = crm_value_number(5);
	r = crm_rule_parse("\"say \"\"hi\"\"\" = 1 and `a``b` = 2 and Region = 3 and "
			   "region = 4 and vip = 5 and ＶＩＰ = 5",
			   odd, 5, &e);
	if (r == NULL)
		fail_msg("column %d: %s", e.column, e.message);
	assert_int_equal(crm_rule_eval(r, ov), 1);
	crm_rule_free(r);
	/* two case-insensitive matches */
	r = crm_rule_parse("REGION = 3", odd, 5, &e);
	assert_null(r);
	assert_int_equal(e.column, 1);
	assert_string_equal(
	    e.message, "name \"REGION\" matches both \"Region\" and \"region\"; write it exactly");
}

static void
test_uses(void **state)
{
	crm_rule_error e;
	crm_rule *r;
	size_t i;

	(void)state;
	r = crm_rule_parse("monetary > 5 or 地区 in ('x', city)", names, NNAMES, &e);
	assert_non_null(r);
	for (i = 0; i < NNAMES; i++)
		assert_int_equal(crm_rule_uses(r, i), i == MONETARY || i == REGION || i == CITY);
	assert_false(crm_rule_uses(r, NNAMES));
	assert_false(crm_rule_uses(NULL, 0));
	crm_rule_free(r);
	crm_rule_free(NULL);
	/* no names at all */
	r = crm_rule_parse("1 < 2", NULL, 0, &e);
	assert_non_null(r);
	assert_int_equal(crm_rule_eval(r, NULL), 1);
	crm_rule_free(r);
}

static void
test_errors(void **state)
{
	(void)state;
	bad("", 1, "empty expression");
	bad("  \t ", 1, "empty expression");
	bad(NULL, 1, "empty expression");
	bad("frequency >= ", 14, "expected a value after \">=\"");
	bad("frequency >=", 13, "expected a value after \">=\"");
	bad("frequency >= and a = 1", 14, "expected a value after \">=\"");
	bad("地区 = = 1", 6, "expected a value after \"=\"");
	bad("地区 = '华东' and", 14, "expected a value after \"and\"");
	bad("地区 = '华东' or 地区 = 'x' )", 23, "unbalanced parenthesis: \")\" without \"(\"");
	bad("and a = 1", 1, "expected a value, found \"and\"");
	bad("city = 'abc", 8, "unterminated string (no closing ')");
	bad("地区 = '华东", 6, "unterminated string (no closing ')");
	bad("\"first order = 1", 1, "unterminated name (no closing \")");
	bad("`a = 1", 1, "unterminated name (no closing `)");
	bad("\"\" = 1", 1, "empty name");
	bad("(a = 1", 1, "unbalanced parenthesis: \"(\" is never closed");
	bad("((a = 1) or b = 1", 1, "unbalanced parenthesis: \"(\" is never closed");
	bad("(a = 1 b = 2)", 8, "expected \")\" to close the \"(\" at column 1, found \"b\"");
	bad("a = 1)", 6, "unbalanced parenthesis: \")\" without \"(\"");
	bad("a = 1 b = 2", 7, "unexpected \"b\"");
	bad("a = 1 'x'", 7, "unexpected \"'x'\"");
	bad("a = 12abc", 5, "bad number \"12abc\"");
	bad("a = 1.2.3", 5, "bad number \"1.2.3\"");
	bad("a = 1e", 5, "bad number \"1e\"");
	bad("a = 50_000", 5, "bad number \"50_000\"");
	bad("a = 1e400", 5, "number \"1e400\" is out of range");
	bad("a = 2026-02-30", 5, "\"2026-02-30\" is not a valid date");
	bad("a = 2026-1-5", 5, "bad date \"2026-1-5\" (write dates as YYYY-MM-DD)");
	bad("a = 2026-01-011", 5, "bad date \"2026-01-011\" (write dates as YYYY-MM-DD)");
	bad("a", 2, "expected a comparison after \"a\"");
	bad("monetary", 9, "expected a comparison after \"monetary\"");
	bad("a + 1", 6, "expected a comparison after \"a + 1\"");
	bad("a = 1 and b", 12, "expected a comparison after \"b\"");
	bad("not a", 6, "expected a comparison after \"a\"");
	bad("a 5", 3, "expected a comparison after \"a\"");
	bad("(a = 1) + 1", 1, "\"(a = 1)\" is a condition, not a value");
	bad("a = (b = 1)", 5, "\"(b = 1)\" is a condition, not a value");
	bad("-(a = 1) = 1", 2, "\"(a = 1)\" is a condition, not a value");
	bad("a < b < c", 7, "comparisons cannot be chained; join them with \"and\"");
	bad("a = 1 is empty", 7, "comparisons cannot be chained; join them with \"and\"");
	bad("a in 1", 6, "expected \"(\" after \"in\"");
	bad("a in ()", 7, "expected a value after \"(\"");
	bad("a in (1,)", 9, "expected a value after \",\"");
	bad("a in (1 2)", 9, "expected \",\" or \")\" in the list, found \"2\"");
	bad("a in (1, 2", 6, "unbalanced parenthesis: \"(\" is never closed");
	bad("a is 1", 6, "expected \"empty\" or \"not empty\" after \"is\"");
	bad("a is not", 9, "expected \"empty\" or \"not empty\" after \"is\"");
	bad("a not = 1", 7, "expected \"in\", \"contains\" or \"between\" after \"not\"");
	bad("a between 1 or 2", 13, "expected \"and\" after the lower bound of \"between\"");
	bad("a = ''", 5, "'' is empty and never compares; use \"is empty\"");
	bad("a in ('x', '  ')", 12, "'  ' is empty and never compares; use \"is empty\"");
	bad("a = 1 # comment", 7, "unexpected character \"#\"");
	bad("a ! 1", 3, "unexpected character \"!\" (use \"!=\" or \"not\")");
	bad("地区 ＝ '华东'", 4, "unexpected character \"＝\" (full-width; use \"=\")");
	bad("地区 = ‘华东’", 6, "unexpected character \"‘\" (quote strings with ')");
	bad("“first order” = 1", 1, "unexpected character \"“\" (quote names with \")");
	bad("a = 1 \x01", 7, "unexpected character \"?\"");
	bad("地区 = '\xE5\x8D' and a = 1", 7, "invalid UTF-8");
	bad("a = 1 and b = \xFF", 15, "invalid UTF-8");
	/* the lexer's error is reported only when the parser gets there */
	bad("a = = 'unterminated", 5, "expected a value after \"=\"");
	bad("a = 1 and 'abc", 11, "unterminated string (no closing ')");
	/* a very long token is cut in the message */
	bad("a = 1 "
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	    7, "unexpected \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...\"");
}

static void
test_unknown_name(void **state)
{
	const char *const many[] = {
	    "column_00", "column_01", "column_02", "column_03", "column_04", "column_05",
	    "column_06", "column_07", "column_08", "column_09", "column_10", "column_11",
	    "column_12", "column_13", "column_14", "column_15", "column_16", "column_17",
	    "column_18", "column_19", "column_20", "column_21", "column_22", "column_23",
	    "column_24", "column_25", "column_26", "column_27", "column_28", "column_29",
	    "column_30", "column_31", "column_32", "column_33", "column_34", "column_35",
	    "column_36", "column_37", "column_38", "column_39", "column_40", "column_41",
	    "column_42", "column_43", "column_44", "column_45", "column_46", "column_47",
	};
	const char *const three[] = {"recency_days", "frequency", "monetary"};
	crm_rule_error e;
	crm_rule *r;
	const char *p;

	(void)state;
	r = crm_rule_parse("frequency >= 5 and monetry > 100", three, 3, &e);
	assert_null(r);
	assert_int_equal(e.column, 20);
	assert_string_equal(e.message, "unknown name \"monetry\" (did you mean \"monetary\"?); "
				       "known names: recency_days, frequency, monetary");
	r = crm_rule_parse("Monetery > 100", three, 3, &e);
	assert_null(r);
	assert_string_equal(e.message, "unknown name \"Monetery\" (did you mean \"monetary\"?); "
				       "known names: recency_days, frequency, monetary");
	r = crm_rule_parse("spend > 100", three, 3, &e);
	assert_null(r);
	assert_int_equal(e.column, 1);
	assert_string_equal(
	    e.message, "unknown name \"spend\"; known names: recency_days, frequency, monetary");
	/* after CJK text the column counts characters */
	bad("地区 = '华东' and 地域 = 1", 15,
	    "unknown name \"地域\" (did you mean \"地区\"?); "
	    "known names: a, b, c, recency_days, frequency, monetary, 地区, spend, "
	    "first_order, city, first order, flag");
	/* quoted names are looked up the same way */
	bad("\"first orders\" = 1", 1,
	    "unknown name \"first orders\" (did you mean "
	    "\"first order\"?); known names: a, b, c, recency_days, frequency, monetary, 地区, "
	    "spend, first_order, city, first order, flag");
	/* NULL and "" names are placeholders: never matched, never listed */
	{
		const char *const holes[] = {"alpha", "", NULL, "beta", ""};

		r = crm_rule_parse("alpa = 1", holes, 5, &e);
		assert_null(r);
		assert_string_equal(e.message, "unknown name \"alpa\" (did you mean \"alpha\"?); "
					       "known names: alpha, beta");
		r = crm_rule_parse("\"\" = 1", holes, 5, &e);
		assert_null(r);
		assert_string_equal(e.message, "empty name");
		r = crm_rule_parse("beta = 1", holes, 5, &e);
		assert_non_null(r);
		assert_true(crm_rule_uses(r, 3));
		assert_false(crm_rule_uses(r, 1));
		crm_rule_free(r);
	}
	r = crm_rule_parse("x = 1", NULL, 0, &e);
	assert_null(r);
	assert_string_equal(e.message, "unknown name \"x\"; no names are known here");
	/* a long list is cut, saying how many were left out */
	r = crm_rule_parse("colunm_47 = 1", many, 48, &e);
	assert_null(r);
	assert_true(strlen(e.message) < sizeof e.message - 1);
	assert_true(strncmp(e.message,
			    "unknown name \"colunm_47\" (did you mean "
			    "\"column_47\"?); known names: column_00, column_01, ",
			    80) == 0);
	p = strstr(e.message, " more");
	assert_non_null(p);
	assert_string_equal(p, " more");
	assert_non_null(strstr(e.message, "column_37 and 10 more"));
	/* err may be NULL */
	assert_null(crm_rule_parse("nope = 1", three, 3, NULL));
}

static void
test_nesting(void **state)
{
	char buf[4096];
	crm_value v[NNAMES];
	size_t i, n;

	(void)state;
	blank(v);
	v[A] = crm_value_number(1);
	/* CRM_RULE_MAX_DEPTH parentheses are fine, one more is not */
	for (n = 0; n < CRM_RULE_MAX_DEPTH; n++)
		buf[n] = '(';
	strcpy(buf + n, "a = 1");
	for (i = 0; i < CRM_RULE_MAX_DEPTH; i++)
		strcat(buf, ")");
	is(buf, v, 1);
	memmove(buf + 1, buf, strlen(buf) + 1);
	buf[0] = '(';
	strcat(buf, ")");
	bad(buf, CRM_RULE_MAX_DEPTH + 1, "expression nested too deeply (more than 200 levels)");
	/* not not not ... */
	buf[0] = '\0';
	for (n = 0; n <= CRM_RULE_MAX_DEPTH; n++)
		strcat(buf, "not ");
	strcat(buf, "a = 1");
	bad(buf, CRM_RULE_MAX_DEPTH * 4 + 1, "expression nested too deeply (more than 200 levels)");
	/* - - - ... */
	buf[0] = '\0';
	strcat(buf, "a = ");
	for (n = 0; n <= CRM_RULE_MAX_DEPTH; n++)
		strcat(buf, "-");
	strcat(buf, "1");
	bad(buf, 5 + CRM_RULE_MAX_DEPTH, "expression nested too deeply (more than 200 levels)");
	/* a long chain of + is deep as a tree */
	strcpy(buf, "a");
	for (n = 0; n < CRM_RULE_MAX_DEPTH; n++)
		strcat(buf, "+1");
	strcat(buf, " = 1");
	bad(buf, 1, "expression nested too deeply (more than 200 levels)");
	/* but long and/or chains and in-lists are flat */
	{
		crm_buf b = {0};

		crm_buf_puts(&b, "a = 0");
		for (n = 0; n < 5000; n++)
			crm_buf_puts(&b, " or a = 2");
		crm_buf_puts(&b, " or a = 1 and a in (0");
		for (n = 0; n < 5000; n++)
			crm_buf_puts(&b, ", 2");
		crm_buf_puts(&b, ", 1)");
		is(crm_buf_str(&b), v, 1);
		crm_buf_free(&b);
	}
}

/* The rule and values of the fuzz target's seed corpus evaluate as expected,
 * and one parsed rule evaluates the same many times (nothing is consumed). */
static void
test_repeat(void **state)
{
	crm_value v[NNAMES];
	crm_rule_error e;
	crm_rule *r;
	int i;

	(void)state;
	blank(v);
	r = crm_rule_parse("地区 in ('华东', '华南') and spend >= 1000 or city contains 'TAI'",
			   names, NNAMES, &e);
	assert_non_null(r);
	for (i = 0; i < 1000; i++) {
		v[REGION] = crm_value_text(i % 2 ? "华东" : "华北");
		v[SPEND] = crm_value_text(i % 3 ? "1500" : "999");
		v[CITY] = crm_value_text(i % 5 ? "Kaohsiung" : "Taichung");
		assert_int_equal(crm_rule_eval(r, v), (i % 2 && i % 3) || i % 5 == 0);
	}
	crm_rule_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_precedence),
	    cmocka_unit_test(test_comparisons),
	    cmocka_unit_test(test_in_contains),
	    cmocka_unit_test(test_text_folding),
	    cmocka_unit_test(test_text_numbers),
	    cmocka_unit_test(test_dates),
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_arithmetic),
	    cmocka_unit_test(test_keywords_any_case),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_uses),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_unknown_name),
	    cmocka_unit_test(test_nesting),
	    cmocka_unit_test(test_repeat),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
