/* Unit tests for lib/vocab: canonical words across languages, width and case. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "vocab.h"

static void
expect(crm_vocab *v, const char *table, const char *value, const char *want)
{
	char out[32];
	const char *got = crm_vocab_lookup(v, table, value, out, sizeof out);

	if (want == NULL) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
}

static void
test_words_in_three_languages(void **state)
{
	crm_vocab *v = crm_vocab_new();
	int round;

	(void)state;
	/* twice: the second round answers from the cache */
	for (round = 0; round < 2; round++) {
		expect(v, crm_vocab_order_status, "已付款", "paid");
		expect(v, crm_vocab_order_status, "Completed", "paid");
		expect(v, crm_vocab_order_status, "退款", "refunded");
		expect(v, crm_vocab_order_status, "已取消", "cancelled");
		expect(v, crm_vocab_order_status, "CANCELED", "cancelled");
		expect(v, crm_vocab_order_status, "pending", NULL);
		expect(v, crm_vocab_channel, "微信", "wechat");
		expect(v, crm_vocab_channel, "ＬＩＮＥ", "line");
		expect(v, crm_vocab_channel, "E-Mail", "email");
		expect(v, crm_vocab_channel, "電話", "phone");
		expect(v, crm_vocab_severity, "緊急", "urgent");
		expect(v, crm_vocab_severity, "一般", "normal");
		expect(v, crm_vocab_ticket_status, "處理中", "open");
		expect(v, crm_vocab_ticket_status, "已解決", "resolved");
		expect(v, crm_vocab_direction, "呼入", "in");
		expect(v, crm_vocab_interaction_kind, "回访", "call");
		expect(v, crm_vocab_interaction_kind, "问卷", "survey");
		expect(v, crm_vocab_customer_status, "潛在客戶", "lead");
		expect(v, crm_vocab_customer_status, "", NULL);
	}
	crm_vocab_free(v);
}

static void
test_small_output_buffer(void **state)
{
	crm_vocab *v = crm_vocab_new();
	char out[4];

	(void)state;
	/* "cancelled" does not fit in 4 bytes: no answer rather than a cut one */
	assert_null(crm_vocab_lookup(v, crm_vocab_order_status, "取消", out, sizeof out));
	assert_null(crm_vocab_lookup(v, crm_vocab_order_status, "取消", out, sizeof out));
	assert_non_null(crm_vocab_lookup(v, crm_vocab_direction, "out", out, sizeof out));
	assert_string_equal(out, "out");
	crm_vocab_free(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words_in_three_languages),
		cmocka_unit_test(test_small_output_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
