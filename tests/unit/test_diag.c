/* Unit tests for lib/diag: byte buffers, allocation wrappers, status merging. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

static void
test_buf_grows_and_stays_terminated(void **state)
{
	crm_buf b = {0};
	int i;

	(void)state;
	assert_string_equal(crm_buf_str(&b), "");
	for (i = 0; i < 1000; i++)
		crm_buf_puts(&b, "陈小明,");
	assert_int_equal(b.len, 1000 * strlen("陈小明,"));
	assert_int_equal(b.data[b.len], '\0');
	crm_buf_reset(&b);
	assert_string_equal(crm_buf_str(&b), "");
	crm_buf_printf(&b, "%s:%d", "orders.csv", 1432);
	crm_buf_putc(&b, '!');
	assert_string_equal(crm_buf_str(&b), "orders.csv:1432!");
	crm_buf_free(&b);
	assert_null(b.data);
}

static void
test_status_merge_keeps_worst(void **state)
{
	int worst = 0;

	(void)state;
	crm_status_merge(&worst, CRM_EX_DATAERR);
	crm_status_merge(&worst, CRM_EX_OK);
	assert_int_equal(worst, CRM_EX_DATAERR);
	crm_status_merge(&worst, CRM_EX_IOERR);
	assert_int_equal(worst, CRM_EX_IOERR);
}

static void
test_strings(void **state)
{
	char *s;

	(void)state;
	s = crm_xstrndup("abcdef", 3);
	assert_string_equal(s, "abc");
	free(s);
	s = crm_xasprintf("%s-%03d", "x", 7);
	assert_string_equal(s, "x-007");
	free(s);
	s = crm_xreallocarray(NULL, 10, 4);
	assert_non_null(s);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_grows_and_stays_terminated),
		cmocka_unit_test(test_status_merge_keeps_worst),
		cmocka_unit_test(test_strings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
