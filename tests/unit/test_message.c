/*
 * test_message — language tags as customers' records hold them (lib/i18n)
 * and the choice of a reminder's message template by language (lib/message):
 * the fallback zh-Hant-TW → zh-Hant → zh → default → shipped, and that no
 * customer value ever becomes a tag that could name a file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "i18n.h"
#include "message.h"

static void
check_tag(const char *in, const char *want)
{
	char out[CRM_LANG_TAG_MAX];
	bool ok = crm_lang_tag(in, out, sizeof out);

	if (want == NULL) {
		assert_false(ok);
		assert_string_equal(out, "");
	} else {
		assert_true(ok);
		assert_string_equal(out, want);
	}
}

static void
test_tags(void **state)
{
	(void)state;
	check_tag("zh-TW", "zh-TW");
	check_tag("zh_tw", "zh-TW");
	check_tag(" ZH-tw\t", "zh-TW");
	check_tag("zh-hant-tw", "zh-Hant-TW");
	check_tag("EN", "en");
	check_tag("en-us", "en-US");
	check_tag("yue-HK", "yue-HK");
	check_tag("zh-419", "zh-419");
	check_tag("中文", "zh");
	check_tag("繁體中文", "zh-TW");
	check_tag("简体中文", "zh-CN");
	check_tag("English", "en");
	check_tag("ENGLISH", "en");
	check_tag("英文", "en");
	/* Nothing that could be part of a path or a pattern. */
	check_tag("", NULL);
	check_tag("   ", NULL);
	check_tag("../secret", NULL);
	check_tag("zh/TW", NULL);
	check_tag("zh-", NULL);
	check_tag("-zh", NULL);
	check_tag("zh--TW", NULL);
	check_tag("z", NULL);
	check_tag("chinese", NULL);
	check_tag("1zh", NULL);
	check_tag("zh-abcdefghi", NULL);
	check_tag("zh TW", NULL);
	check_tag("zh.TW", NULL);
	check_tag("zh-TW-aaaaaaaa-bbbbbbbb-cccccccc", "zh-TW-aaaaaaaa-bbbbbbbb-cccccccc");
	check_tag("zh-TW-aaaaaaaa-bbbbbbbb-cccccccc-ddd", NULL); /* 36 bytes: too long */
	check_tag("日本語", NULL);
	check_tag(NULL, NULL);
}

static void
test_parents_and_builtin(void **state)
{
	char t[CRM_LANG_TAG_MAX] = "zh-Hant-TW";

	(void)state;
	assert_true(crm_lang_tag_parent(t));
	assert_string_equal(t, "zh-Hant");
	assert_true(crm_lang_tag_parent(t));
	assert_string_equal(t, "zh");
	assert_false(crm_lang_tag_parent(t));
	assert_int_equal(crm_lang_of_tag("zh-TW"), CRM_LANG_ZH_TW);
	assert_int_equal(crm_lang_of_tag("zh-HK"), CRM_LANG_ZH_TW);
	assert_int_equal(crm_lang_of_tag("zh-MO"), CRM_LANG_ZH_TW);
	assert_int_equal(crm_lang_of_tag("zh-Hant"), CRM_LANG_ZH_TW);
	assert_int_equal(crm_lang_of_tag("zh-Hant-CN"), CRM_LANG_ZH_TW);
	assert_int_equal(crm_lang_of_tag("zh"), CRM_LANG_ZH_CN);
	assert_int_equal(crm_lang_of_tag("zh-CN"), CRM_LANG_ZH_CN);
	assert_int_equal(crm_lang_of_tag("zh-SG"), CRM_LANG_ZH_CN);
	assert_int_equal(crm_lang_of_tag("zh-Hans-HK"), CRM_LANG_ZH_TW);
	assert_int_equal(crm_lang_of_tag("zha"), CRM_LANG_EN);
	assert_int_equal(crm_lang_of_tag("en"), CRM_LANG_EN);
	assert_int_equal(crm_lang_of_tag("fr"), CRM_LANG_EN);
	assert_int_equal(crm_lang_of_tag(""), CRM_LANG_EN);
}

static void
test_pick(void **state)
{
	crm_messages *m = crm_messages_new();

	(void)state;
	/* Shipped messages only: by the tag's language, English otherwise. */
	assert_string_equal(crm_messages_pick(m, "cadence", true, "zh_TW"),
	    "請跟進{{name}}（{{contact}}）。");
	assert_string_equal(crm_messages_pick(m, "cadence", true, "zh-HK"),
	    "請跟進{{name}}（{{contact}}）。");
	assert_string_equal(crm_messages_pick(m, "my_rule", false, "zh"), "请跟进{{name}}。");
	assert_string_equal(crm_messages_pick(m, "sla", true, "fr"),
	    "Escalation: {{name}} — {{reason}}. Call {{contact}} today.");
	assert_string_equal(crm_messages_pick(m, "sla", false, ""),
	    "Escalation: {{name}} — {{reason}}.");
	assert_string_equal(crm_messages_pick(m, "birthday", true, "../x"),
	    "Send {{name}} birthday wishes by {{channel}} ({{contact}}): {{reason}}.");
	/* The user's: the tag, shorter tags, default; the first of a tag wins. */
	assert_true(crm_messages_add(m, "zh", "ZH"));
	assert_true(crm_messages_add(m, "zh_TW", "TW"));
	assert_true(crm_messages_add(m, "zh-TW", "TW again"));
	assert_false(crm_messages_add(m, "../x", "no"));
	assert_string_equal(crm_messages_pick(m, "cadence", true, "zh-tw"), "TW");
	assert_string_equal(crm_messages_pick(m, "cadence", true, "zh-Hant-TW"), "ZH");
	assert_string_equal(crm_messages_pick(m, "cadence", true, "zh-HK"), "ZH");
	/* no default: a language without a template gets the shipped message */
	assert_string_equal(crm_messages_pick(m, "anniversary", true, "en"),
	    "Thank {{name}}: {{reason}}.");
	assert_true(crm_messages_add(m, "default", "DEFAULT"));
	assert_string_equal(crm_messages_pick(m, "anniversary", true, "en"), "DEFAULT");
	assert_string_equal(crm_messages_pick(m, "anniversary", true, ""), "DEFAULT");
	assert_string_equal(crm_messages_pick(m, "anniversary", true, "../zh"), "DEFAULT");
	/* one template for everything wins over all of them */
	crm_messages_set_all(m, "ALL");
	assert_string_equal(crm_messages_pick(m, "sla", true, "zh-TW"), "ALL");
	crm_messages_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_parents_and_builtin),
		cmocka_unit_test(test_pick),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
