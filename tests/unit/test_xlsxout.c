/*
 * Unit tests for lib/xlsxout: which cell text becomes a number of its
 * column's type, valid and unique sheet names, rows beyond a sheet's limit
 * going on to the next sheet, and write failures. Workbooks are read back
 * with openpyxl (Debian's /usr/bin/python3, python3-openpyxl).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "render.h"
#include "xlsxout.h"

/* crm_xlsx_number's value, or NAN-free -1e300 when the text stays text. */
static double
num(enum crm_coltype t, const char *s)
{
	double v;

	return crm_xlsx_number(t, s, &v) ? v : -1e300;
}

static void
test_numbers_of_each_type(void **state)
{
	(void)state;
	assert_true(num(CRM_COL_INT, "12") == 12);
	assert_true(num(CRM_COL_INT, "-3") == -3);
	assert_true(num(CRM_COL_INT, "0") == 0);
	/* what a person would not want turned into a number */
	assert_true(num(CRM_COL_INT, "007") == -1e300);
	assert_true(num(CRM_COL_INT, "+8613800138000") == -1e300);
	assert_true(num(CRM_COL_INT, " 12") == -1e300);
	assert_true(num(CRM_COL_INT, "12 ") == -1e300);
	assert_true(num(CRM_COL_INT, "1.5") == -1e300);
	assert_true(num(CRM_COL_INT, "1e5") == -1e300);
	assert_true(num(CRM_COL_INT, "0x10") == -1e300);
	assert_true(num(CRM_COL_INT, "") == -1e300);
	assert_true(num(CRM_COL_INT, "-") == -1e300);
	/* 16 significant digits are more than Excel keeps: text */
	assert_true(num(CRM_COL_INT, "1234567890123456") == -1e300);
	assert_true(num(CRM_COL_INT, "123456789012345") == 123456789012345.0);
	assert_true(num(CRM_COL_DECIMAL, "0.8123") == 0.8123);
	assert_true(num(CRM_COL_DECIMAL, "1.5e-05") == 1.5e-05);
	assert_true(num(CRM_COL_DECIMAL, "0.000000000000000000001") == 1e-21);
	assert_true(num(CRM_COL_DECIMAL, "1.") == -1e300);
	assert_true(num(CRM_COL_DECIMAL, ".5") == -1e300);
	assert_true(num(CRM_COL_DECIMAL, "inf") == -1e300);
	assert_true(num(CRM_COL_DECIMAL, "nan") == -1e300);
	assert_true(num(CRM_COL_MONEY(2), "1234.50") == 1234.5);
	assert_true(num(CRM_COL_MONEY(2), "-0.05") == -0.05);
	assert_true(num(CRM_COL_MONEY(2), "1e3") == -1e300);
	assert_true(num(CRM_COL_MONEY(2), "1,234.50") == -1e300);
	assert_true(num(CRM_COL_PERCENT, "0.125") == 0.125);
	assert_true(num(CRM_COL_PERCENT, "12.5%") == -1e300);
	/* text is never converted */
	assert_true(num(CRM_COL_TEXT, "5") == -1e300);
	assert_true(num(CRM_COL_NTYPES, "5") == -1e300);
}

static void
test_dates_are_excel_serials(void **state)
{
	(void)state;
	assert_true(num(CRM_COL_DATE, "1970-01-01") == 25569);
	assert_true(num(CRM_COL_DATE, "2026-11-23") == 46349);
	assert_true(num(CRM_COL_DATE, "1900-03-01") == 61);
	/* Excel's serials before March 1900 are off by its 1900-02-29 */
	assert_true(num(CRM_COL_DATE, "1900-02-28") == -1e300);
	assert_true(num(CRM_COL_DATE, "2026-02-30") == -1e300);
	assert_true(num(CRM_COL_DATE, "2026-11-23 12:00") == -1e300);
	assert_true(num(CRM_COL_DATE, "2026/11/23") == -1e300);
	assert_true(num(CRM_COL_DATE, "46349") == -1e300);
	assert_true(num(CRM_COL_DATETIME, "2026-11-23 12:00") == 46349.5);
	assert_true(num(CRM_COL_DATETIME, "2026-11-23T06:00:00") == 46349.25);
	assert_true(num(CRM_COL_DATETIME, "2026-11-23") == 46349);
	assert_true(num(CRM_COL_DATETIME, "2026-11-23 24:00") == -1e300);
	assert_true(num(CRM_COL_DATETIME, "2026-11-23 12:60") == -1e300);
	assert_true(num(CRM_COL_DATETIME, "2026-11-23 12:00:0") == -1e300);
}

static void
test_sheet_names_made_valid(void **state)
{
	char out[CRM_XLSX_NAME_MAX];

	(void)state;
	crm_xlsx_sheet_name("a/b:c*d?e[f]g\\h", out);
	assert_string_equal(out, "a_b_c_d_e_f_g_h");
	crm_xlsx_sheet_name("'quoted'", out);
	assert_string_equal(out, "quoted");
	crm_xlsx_sheet_name("''", out);
	assert_string_equal(out, "Sheet");
	crm_xlsx_sheet_name("", out);
	assert_string_equal(out, "Sheet");
	crm_xlsx_sheet_name(NULL, out);
	assert_string_equal(out, "Sheet");
	crm_xlsx_sheet_name("history", out);
	assert_string_equal(out, "History_");
	crm_xlsx_sheet_name("tab\there", out);
	assert_string_equal(out, "tab_here");
	/* 31 characters at most, counted as Excel counts them */
	crm_xlsx_sheet_name("abcdefghijklmnopqrstuvwxyz0123456789", out);
	assert_string_equal(out, "abcdefghijklmnopqrstuvwxyz01234");
	/* 34 CJK characters: 31 kept (93 bytes) */
	crm_xlsx_sheet_name("客户客户客户客户客户客户客户客户客户客户客户客户客户客户客户客户客户",
	                    out);
	assert_string_equal(out,
	                    "客户客户客户客户客户客户客户客户客户客户客户客户客户客户客户客");
	/* a character beyond U+FFFF takes two of the 31 */
	crm_xlsx_sheet_name("😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀", out);
	assert_string_equal(out, "😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀");
	/* cut first, then no apostrophe may end it */
	crm_xlsx_sheet_name("abcdefghijklmnopqrstuvwxyz1234'5", out);
	assert_string_equal(out, "abcdefghijklmnopqrstuvwxyz1234");
	/* a stray byte is no character */
	crm_xlsx_sheet_name("a\xff" "b", out);
	assert_string_equal(out, "a_b");
}

/* The sheet names of the workbook at path, through openpyxl, '|' between. */
static char *
sheet_names(const char *path)
{
	char *cmd = crm_xasprintf("/usr/bin/python3 -c 'import sys, openpyxl; "
	                          "print(\"|\".join(openpyxl.load_workbook(sys.argv[1]).sheetnames))' "
	                          "'%s'", path);
	FILE *p = popen(cmd, "r");
	char buf[4096] = "";

	assert_non_null(p);
	assert_non_null(fgets(buf, sizeof buf, p));
	assert_int_equal(pclose(p), 0);
	buf[strcspn(buf, "\n")] = '\0';
	free(cmd);
	return crm_xstrdup(buf);
}

static char *
temp_path(void)
{
	/* openpyxl goes by the suffix */
	char *path = crm_xstrdup("/tmp/test_xlsxout-XXXXXX.xlsx");
	int fd = mkstemps(path, 5);

	assert_true(fd >= 0);
	close(fd);
	return path;
}

static void
test_sheets_unique_and_continued(void **state)
{
	static const char *const h[2] = { "id", "name" };
	static const enum crm_coltype t[2] = { CRM_COL_INT, CRM_COL_TEXT };
	char *path = temp_path(), *names;
	FILE *fp = fopen(path, "w");
	crm_xlsx *x = crm_xlsx_new(path);
	int i;

	(void)state;
	assert_non_null(fp);
	assert_non_null(x);
	crm_xlsx_sheet(x, "Data", h, t, 2);
	crm_xlsx_sheet(x, "data", h, t, 2);
	crm_xlsx_sheet(x, "data", h, NULL, 2);
	crm_xlsx_sheet(x, "abcdefghijklmnopqrstuvwxyz0123456789", h, t, 2);
	crm_xlsx_sheet(x, "abcdefghijklmnopqrstuvwxyz0123456789", h, t, 2);
	/* two rows a sheet: five rows take three sheets */
	crm_xlsx_set_row_limit(x, 3);
	crm_xlsx_sheet(x, "big", h, t, 2);
	for (i = 0; i < 5; i++)
		crm_xlsx_row(x, (const char *const[]){ "1", "x" }, 2);
	assert_int_equal(crm_xlsx_close(x, fp), 0);
	assert_int_equal(fclose(fp), 0);
	names = sheet_names(path);
	assert_string_equal(names, "Data|data (2)|data (3)|abcdefghijklmnopqrstuvwxyz01234|"
	                    "abcdefghijklmnopqrstuvwxyz0 (2)|big|big 2|big 3");
	free(names);
	unlink(path);
	free(path);
}

static void
test_write_failures_are_74(void **state)
{
	FILE *full = fopen("/dev/full", "w");
	crm_xlsx *x;

	(void)state;
	assert_non_null(full);
	x = crm_xlsx_new("/dev/full");
	assert_non_null(x);
	crm_xlsx_sheet(x, "s", (const char *const[]){ "a" }, NULL, 1);
	crm_xlsx_row(x, (const char *const[]){ "1" }, 1);
	assert_int_equal(crm_xlsx_close(x, full), CRM_EX_IOERR);
	fclose(full);
	/* no temporary directory: NULL at once (the message is out) */
	setenv("TMPDIR", "/nonexistent/dir", 1);
	assert_null(crm_xlsx_new("out.xlsx"));
	unsetenv("TMPDIR");
}

static void
test_table_types(void **state)
{
	const char *h[3] = { "a", "b", "c" };
	crm_table *t = crm_table_new(h, 3);

	(void)state;
	assert_int_equal(crm_table_type(t, 0), CRM_COL_TEXT);
	crm_table_set_type(t, 1, CRM_COL_DATE);
	crm_table_set_type(t, 7, CRM_COL_DATE); /* no such column: ignored */
	assert_int_equal(crm_table_type(t, 1), CRM_COL_DATE);
	assert_int_equal(crm_table_type(t, 2), CRM_COL_TEXT);
	assert_int_equal(crm_table_type(t, 7), CRM_COL_TEXT);
	crm_table_set_types(t, (const enum crm_coltype[]){ CRM_COL_INT, CRM_COL_PERCENT,
	                                                   CRM_COL_MONEY(9) });
	assert_int_equal(crm_table_type(t, 0), CRM_COL_INT);
	assert_int_equal(crm_table_type(t, 1), CRM_COL_PERCENT);
	assert_int_equal(crm_table_type(t, 2), CRM_COL_MONEY4);
	assert_int_equal(CRM_COL_MONEY(-1), CRM_COL_MONEY0);
	assert_string_equal(crm_table_name(t), "test_xlsxout");
	crm_table_set_name(t, "summary");
	assert_string_equal(crm_table_name(t), "summary");
	crm_table_free(t);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers_of_each_type),
		cmocka_unit_test(test_dates_are_excel_serials),
		cmocka_unit_test(test_sheet_names_made_valid),
		cmocka_unit_test(test_sheets_unique_and_continued),
		cmocka_unit_test(test_write_failures_are_74),
		cmocka_unit_test(test_table_types),
	};

	(void)argc;
	crm_diag_init(argv[0]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
