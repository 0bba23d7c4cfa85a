/*
 * test_match.c — name and company folding (Traditional/Simplified, width,
 * case, pinyin with surname readings, legal forms), Jaro-Winkler against
 * published values, OSA distance, and the agreement levels crm-dedupe counts
 * (CJK and full-width input included).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"

static void
fold_is(const char *in, const char *want)
{
	char *got = crm_match_fold(in);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void
latin_is(const char *in, const char *want)
{
	char *got = crm_match_latin(in);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void
company_is(const char *in, const char *want)
{
	char *got = crm_match_company(in);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void
test_fold_traditional_width_case_spaces(void **state)
{
	(void)state;
	fold_is("陳小明", "陈小明");
	fold_is("陈 小明", "陈小明");
	fold_is("張偉", "张伟");
	fold_is("ＣＨＥＮ　Xiao-Ming", "chenxiaoming");
	fold_is("  ", "");
	assert_null(crm_match_fold("\xff\xfe"));
}

static void
test_latin_pinyin_and_surname_readings(void **state)
{
	(void)state;
	latin_is("陳小明", "chen xiao ming");
	latin_is("陈晓明", "chen xiao ming"); /* the homophone typo meets */
	latin_is("单小明", "shan xiao ming"); /* surname reading, not dan */
	latin_is("Chen  Xiao-Ming", "chen xiao ming");
	latin_is("José Müller", "jose muller");
}

static void
test_company_legal_forms(void **state)
{
	(void)state;
	company_is("台灣積體電路製造股份有限公司", "台湾积体电路制造");
	company_is("明达贸易有限公司", "明达贸易");
	company_is("明達貿易有限責任公司", "明达贸易");
	company_is("Example Co., Ltd.", "example");
	company_is("The Example Company", "example");
	company_is("ＡＢＣ Inc", "abc");
	company_is("公司", "公司"); /* never stripped to nothing */
	company_is("Co", "co");
}

static void
test_jaro_winkler_published_values(void **state)
{
	(void)state;
	/* Winkler (1990) / Wikipedia examples */
	assert_true(fabs(crm_jaro_winkler("martha", "marhta") - 0.9611) < 1e-4);
	assert_true(fabs(crm_jaro_winkler("dwayne", "duane") - 0.84) < 1e-4);
	assert_true(fabs(crm_jaro_winkler("dixon", "dicksonx") - 0.8133) < 1e-4);
	assert_true(crm_jaro_winkler("", "") == 1.0);
	assert_true(crm_jaro_winkler("abc", "") == 0.0);
	assert_true(crm_jaro_winkler("abc", "xyz") == 0.0);
	/* code points, not bytes: one CJK character differs of three */
	assert_true(fabs(crm_jaro_winkler("陈小明", "陈小鸣") - crm_jaro_winkler("abc", "abd")) < 1e-9);
}

static void
test_osa_distance(void **state)
{
	(void)state;
	assert_int_equal(crm_osa_distance("19560409", "19560490", 2), 1); /* swap */
	assert_int_equal(crm_osa_distance("kitten", "sitting", 5), 3);
	assert_int_equal(crm_osa_distance("abc", "abc", 0), 0);
	assert_int_equal(crm_osa_distance("abcdef", "a", 2), 3); /* over the limit */
	assert_int_equal(crm_osa_distance("陈小明", "陈晓明", 3), 1);
}

static enum crm_level
name_level(const char *a, const char *b)
{
	char *ka = crm_match_fold(a), *kb = crm_match_fold(b);
	char *la = crm_match_latin(a), *lb = crm_match_latin(b);
	enum crm_level l = crm_match_name(ka, la, kb, lb);

	free(ka), free(kb), free(la), free(lb);
	return l;
}

static void
test_name_levels(void **state)
{
	(void)state;
	assert_int_equal(name_level("陳小明", "陈小明"), CRM_LEVEL_EXACT);
	assert_int_equal(name_level("陈小明", "陈晓明"), CRM_LEVEL_CLOSE);
	assert_int_equal(name_level("陈小明", "Chen Xiaoming"), CRM_LEVEL_CLOSE);
	assert_int_equal(name_level("陈小明", "Xiaoming Chen"), CRM_LEVEL_CLOSE);
	assert_int_equal(name_level("ＣＨＥＮ ＸＩＡＯＭＩＮＧ", "chen xiaoming"), CRM_LEVEL_EXACT);
	/* strangers who share a surname or a given name */
	assert_int_equal(name_level("陈小明", "陈志伟"), CRM_LEVEL_NONE);
	assert_int_equal(name_level("刘丽娟", "梁丽娟"), CRM_LEVEL_NONE);
	/* Latin typos and transpositions */
	assert_int_equal(name_level("Jonathan Smith", "Jonathon Smith"), CRM_LEVEL_CLOSE);
	assert_int_equal(name_level("Smith John", "John Smith"), CRM_LEVEL_CLOSE);
	assert_int_equal(name_level("Martha", "Marhta"), CRM_LEVEL_CLOSE);
	assert_int_equal(name_level("Anna", "Peter"), CRM_LEVEL_NONE);
	assert_int_equal(crm_match_name("", "", "x", "x"), CRM_LEVEL_NULL);
}

static void
test_string_and_date_levels(void **state)
{
	(void)state;
	assert_int_equal(crm_match_string("2119", "2119"), CRM_LEVEL_EXACT);
	assert_int_equal(crm_match_string("wallaby place", "wallaby plcae"), CRM_LEVEL_CLOSE);
	assert_int_equal(crm_match_string("north", "south"), CRM_LEVEL_NONE);
	assert_int_equal(crm_match_string("", "x"), CRM_LEVEL_NULL);
	assert_int_equal(crm_match_date("19560409", "19560409"), CRM_LEVEL_EXACT);
	assert_int_equal(crm_match_date("19560409", "19560408"), CRM_LEVEL_CLOSE);
	assert_int_equal(crm_match_date("19560409", "19560904"), CRM_LEVEL_CLOSE); /* month/day */
	assert_int_equal(crm_match_date("19560409", "19561231"), CRM_LEVEL_WEAK);
	assert_int_equal(crm_match_date("19560409", "19731105"), CRM_LEVEL_NONE);
	assert_int_equal(crm_match_date(NULL, "19731105"), CRM_LEVEL_NULL);
}

static int
teardown(void **state)
{
	(void)state;
	crm_match_cleanup();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fold_traditional_width_case_spaces),
		cmocka_unit_test(test_latin_pinyin_and_surname_readings),
		cmocka_unit_test(test_company_legal_forms),
		cmocka_unit_test(test_jaro_winkler_published_values),
		cmocka_unit_test(test_osa_distance),
		cmocka_unit_test(test_name_levels),
		cmocka_unit_test(test_string_and_date_levels),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
