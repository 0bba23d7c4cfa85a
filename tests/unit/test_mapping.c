/* Unit tests for lib/mapping: header synonyms, kind detection, config synonyms. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "mapping.h"

static struct crm_mapping *
map(const char *const *h, size_t n, enum crm_kind k, const struct crm_config *cfg)
{
	return crm_mapping_new(h, n, k, cfg, "test.csv");
}

static void
test_detects_customers_in_three_languages(void **state)
{
	const char *zh[] = {"客户编号", "客户名称", "手机", "邮箱", "负责人", "会员等级"};
	const char *tw[] = {"客戶編號", "客戶名稱", "手機", "郵箱", "業務"};
	const char *en[] = {"Customer ID", "Full Name", "E-Mail", "Mobile", "Sales Rep"};
	struct crm_mapping *m;

	(void)state;
	m = map(zh, 6, CRM_KIND_NONE, NULL);
	assert_non_null(m);
	assert_int_equal(m->kind, CRM_KIND_CUSTOMERS);
	assert_int_equal(m->field_col[F_EXTERNAL_ID], 0);
	assert_int_equal(m->field_col[F_NAME], 1);
	assert_int_equal(m->field_col[F_PHONE], 2);
	assert_int_equal(m->field_col[F_EMAIL], 3);
	assert_int_equal(m->field_col[F_OWNER], 4);
	assert_int_equal(m->col_field[5], F_NONE); /* kept in extra */
	crm_mapping_free(m);
	m = map(tw, 5, CRM_KIND_NONE, NULL);
	assert_non_null(m);
	assert_int_equal(m->kind, CRM_KIND_CUSTOMERS);
	assert_int_equal(m->field_col[F_OWNER], 4);
	crm_mapping_free(m);
	m = map(en, 5, CRM_KIND_NONE, NULL);
	assert_non_null(m);
	assert_int_equal(m->field_col[F_EXTERNAL_ID], 0);
	assert_int_equal(m->field_col[F_EMAIL], 2);
	assert_int_equal(m->field_col[F_PHONE], 3);
	assert_int_equal(m->field_col[F_OWNER], 4);
	crm_mapping_free(m);
}

static void
test_detects_orders_tickets_interactions(void **state)
{
	const char *cdnow[] = {"customer_id", "date", "amount"};
	const char *orders[] = {"订单号", "客户编号", "下单时间", "实付金额", "订单状态"};
	const char *tickets[] = {"工单号", "客户编号", "投诉时间", "严重程度", "解决时间"};
	const char *inter[] = {"客户编号", "联系时间", "联系方式", "类型", "内容", "满意度"};
	struct crm_mapping *m;

	(void)state;
	m = map(cdnow, 3, CRM_KIND_NONE, NULL);
	assert_int_equal(m->kind, CRM_KIND_ORDERS);
	assert_int_equal(m->field_col[F_CUSTOMER_REF], 0);
	assert_int_equal(m->field_col[F_ORDERED_AT], 1);
	crm_mapping_free(m);
	m = map(orders, 5, CRM_KIND_NONE, NULL);
	assert_int_equal(m->kind, CRM_KIND_ORDERS);
	assert_int_equal(m->field_col[F_ORDER_NO], 0);
	assert_int_equal(m->field_col[F_STATUS], 4);
	crm_mapping_free(m);
	m = map(tickets, 5, CRM_KIND_NONE, NULL);
	assert_int_equal(m->kind, CRM_KIND_TICKETS);
	assert_int_equal(m->field_col[F_OPENED_AT], 2);
	assert_int_equal(m->field_col[F_SEVERITY], 3);
	assert_int_equal(m->field_col[F_RESOLVED_AT], 4);
	crm_mapping_free(m);
	m = map(inter, 6, CRM_KIND_NONE, NULL);
	assert_int_equal(m->kind, CRM_KIND_INTERACTIONS);
	assert_int_equal(m->field_col[F_AT], 1);
	assert_int_equal(m->field_col[F_CHANNEL], 2);
	assert_int_equal(m->field_col[F_INTERACTION_KIND], 3);
	assert_int_equal(m->field_col[F_CSAT], 5);
	crm_mapping_free(m);
}

static void
test_width_case_and_reject_columns(void **state)
{
	const char *h[] = {"ＥＭＡＩＬ", " name ", "phone", "Phone 2", "电话", "_line", "_reason"};
	struct crm_mapping *m;

	(void)state;
	m = map(h, 7, CRM_KIND_NONE, NULL);
	assert_non_null(m);
	assert_int_equal(m->field_col[F_EMAIL], 0);
	assert_int_equal(m->field_col[F_NAME], 1);
	/* a second phone column is an extra phone, not extra data */
	assert_int_equal(m->field_col[F_PHONE], 2);
	assert_int_equal(m->col_field[4], F_PHONE);
	assert_true(m->col_ignored[5]);
	assert_true(m->col_ignored[6]);
	crm_mapping_free(m);
}

static void
test_config_synonyms_and_forced_kind(void **state)
{
	struct crm_config *cfg = crm_config_defaults();
	struct crm_synonym syn = {"customers", "name", "客户全名", 3};
	const char *h[] = {"客户全名", "手机"};
	const char *odd[] = {"foo", "bar"};
	struct crm_mapping *m;

	(void)state;
	cfg->synonyms = &syn;
	cfg->nsynonyms = 1;
	m = map(h, 2, CRM_KIND_NONE, cfg);
	assert_non_null(m);
	assert_int_equal(m->field_col[F_NAME], 0);
	crm_mapping_free(m);
	assert_int_equal(crm_mapping_check_config(cfg), 0);
	syn.field = "nmae";
	assert_int_equal(crm_mapping_check_config(cfg), CRM_EX_CONFIG);
	cfg->synonyms = NULL;
	cfg->nsynonyms = 0;
	crm_config_free(cfg);
	/* nothing recognisable, and a kind whose needed columns are missing */
	assert_null(map(odd, 2, CRM_KIND_NONE, NULL));
	assert_null(map(h, 2, CRM_KIND_ORDERS, NULL));
}

static void
test_names(void **state)
{
	(void)state;
	assert_int_equal(crm_kind_parse("orders"), CRM_KIND_ORDERS);
	assert_int_equal(crm_kind_parse("ticket"), CRM_KIND_TICKETS);
	assert_int_equal(crm_kind_parse("order_lines"), CRM_KIND_NONE);
	assert_int_equal(crm_field_parse("preferred_channel"), F_PREFERRED_CHANNEL);
	assert_string_equal(crm_field_name(F_OPENED_AT), "opened_at");
	assert_true(crm_field_in_kind(F_AMOUNT, CRM_KIND_ORDERS));
	assert_false(crm_field_in_kind(F_AMOUNT, CRM_KIND_CUSTOMERS));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detects_customers_in_three_languages),
		cmocka_unit_test(test_detects_orders_tickets_interactions),
		cmocka_unit_test(test_width_case_and_reject_columns),
		cmocka_unit_test(test_config_synonyms_and_forced_kind),
		cmocka_unit_test(test_names),
	};

	crm_diag_init("test_mapping");
	freopen("/dev/null", "w", stderr);  /* the NULL cases print their reason */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
