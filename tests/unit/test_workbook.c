/*
 * test_workbook — the workbook reader's conversions: decimal text to what
 * Excel's General format shows (exponents, 15-digit rounding, signs, long
 * phone numbers), serial numbers to dates in both date systems (the 60/61
 * boundary of the 1900 system), date detection in number formats; and the
 * reader itself on a committed LibreOffice workbook held in memory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "workbook.h"

static void
check_number(const char *in, const char *want)
{
	char out[CRM_WB_NUMBER_MAX];

	assert_int_equal(crm_wb_number_text(in, out), 0);
	assert_string_equal(out, want);
}

static void
test_numbers(void **state)
{
	(void)state;
	check_number("0", "0");
	check_number("-0", "0");
	check_number("-0.0", "0");
	check_number("42", "42");
	check_number("42.0", "42");
	check_number("-0.5", "-0.5");
	check_number(".5", "0.5");
	check_number("5.", "5");
	check_number("+7", "7");
	check_number("00123", "123");
	check_number("1234.5", "1234.5");
	check_number("1234.50000", "1234.5");
	/* Phones stored as numbers keep every digit. */
	check_number("13800138000", "13800138000");
	check_number("1.3800138E10", "13800138000");
	check_number("1.3800138E+10", "13800138000");
	check_number("8.6138001380E12", "8613800138000");
	check_number("886912345678", "886912345678");
	/* Binary floats written with 17 digits read as Excel shows them. */
	check_number("12.300000000000001", "12.3");
	check_number("0.30000000000000004", "0.3");
	check_number("46037.430555555598", "46037.4305555556");
	check_number("99.899999999999991", "99.9");
	check_number("-1.0000000000000002", "-1");
	/* Rounding carries into a new digit. */
	check_number("9.9999999999999999", "10");
	check_number("999999999999999.5", "1000000000000000");
	/* 15 significant digits: longer integers are rounded, as Excel shows them. */
	check_number("123456789012345678", "123456789012346000");
	check_number("1E-3", "0.001");
	check_number("2.5E-5", "0.000025");
	check_number("1E-15", "0.000000000000001");
	check_number("1E-16", "1E-16");
	check_number("1.5E-30", "1.5E-30");
	check_number("1E20", "100000000000000000000");
	check_number("1E21", "1E+21");
	check_number("-6.02214076E23", "-6.02214076E+23");
	check_number(" 7 ", "7");
}

static void
test_not_numbers(void **state)
{
	char out[CRM_WB_NUMBER_MAX];

	(void)state;
	assert_int_equal(crm_wb_number_text("", out), -1);
	assert_int_equal(crm_wb_number_text("-", out), -1);
	assert_int_equal(crm_wb_number_text(".", out), -1);
	assert_int_equal(crm_wb_number_text("1e", out), -1);
	assert_int_equal(crm_wb_number_text("E5", out), -1);
	assert_int_equal(crm_wb_number_text("1.2.3", out), -1);
	assert_int_equal(crm_wb_number_text("12abc", out), -1);
	assert_int_equal(crm_wb_number_text("#DIV/0!", out), -1);
	/* A huge exponent neither overflows nor fails. */
	assert_int_equal(crm_wb_number_text("1E999999999999999999", out), 0);
	assert_int_equal(crm_wb_number_text("1E-999999999999999999", out), 0);
}

static void
test_doubles(void **state)
{
	char out[CRM_WB_NUMBER_MAX];

	(void)state;
	crm_wb_double_text(13800138000.0, out);
	assert_string_equal(out, "13800138000");
	crm_wb_double_text(0.1 + 0.2, out);
	assert_string_equal(out, "0.3");
	crm_wb_double_text(-1234.5, out);
	assert_string_equal(out, "-1234.5");
	crm_wb_double_text(1e-20, out);
	assert_string_equal(out, "1E-20");
	crm_wb_double_text(0.0 / 0.0, out);
	assert_string_equal(out, "#NUM!");
}

static void
check_serial(const char *v, bool y1904, enum crm_wb_fmt fmt, const char *want)
{
	char out[20];

	assert_int_equal(crm_wb_serial_text(v, y1904, fmt, out), 0);
	assert_string_equal(out, want);
}

static void
test_serials_1900(void **state)
{
	(void)state;
	check_serial("1", false, CRM_WB_FMT_DATE, "1900-01-01");
	check_serial("59", false, CRM_WB_FMT_DATE, "1900-02-28");
	check_serial("60", false, CRM_WB_FMT_DATE, "1900-02-29");  /* Excel's fictitious day */
	check_serial("61", false, CRM_WB_FMT_DATE, "1900-03-01");
	check_serial("0", false, CRM_WB_FMT_DATE, "1900-01-00");
	check_serial("25569", false, CRM_WB_FMT_DATE, "1970-01-01");
	check_serial("45356", false, CRM_WB_FMT_DATE, "2024-03-05");
	check_serial("4.5356E4", false, CRM_WB_FMT_DATE, "2024-03-05");
	check_serial("45356.5", false, CRM_WB_FMT_DATE, "2024-03-05 12:00:00");
	check_serial("45356", false, CRM_WB_FMT_DATETIME, "2024-03-05 00:00:00");
	/* LibreOffice writes 15 digits: rounds to the second. */
	check_serial("46037.4305555556", false, CRM_WB_FMT_DATETIME, "2026-01-15 10:20:00");
	/* Within half a second of midnight: the next day. */
	check_serial("45356.999999999", false, CRM_WB_FMT_DATE, "2024-03-06");
	check_serial("0.75", false, CRM_WB_FMT_TIME, "18:00:00");
	check_serial("45356.25", false, CRM_WB_FMT_TIME, "06:00:00");
	check_serial("2958465", false, CRM_WB_FMT_DATE, "9999-12-31");
}

static void
test_serials_1904(void **state)
{
	(void)state;
	check_serial("0", true, CRM_WB_FMT_DATE, "1904-01-01");
	check_serial("1", true, CRM_WB_FMT_DATE, "1904-01-02");
	check_serial("59", true, CRM_WB_FMT_DATE, "1904-02-29");  /* a real leap day */
	check_serial("43894", true, CRM_WB_FMT_DATE, "2024-03-05");
	check_serial("43894.75", true, CRM_WB_FMT_DATE, "2024-03-05 18:00:00");
	check_serial("2957003", true, CRM_WB_FMT_DATE, "9999-12-31");
}

static void
test_serials_not_dates(void **state)
{
	char out[20];

	(void)state;
	assert_int_equal(crm_wb_serial_text("-1", false, CRM_WB_FMT_DATE, out), -1);
	assert_int_equal(crm_wb_serial_text("2958466", false, CRM_WB_FMT_DATE, out), -1);
	assert_int_equal(crm_wb_serial_text("2957004", true, CRM_WB_FMT_DATE, out), -1);
	assert_int_equal(crm_wb_serial_text("1E12", false, CRM_WB_FMT_DATE, out), -1);
	assert_int_equal(crm_wb_serial_text("abc", false, CRM_WB_FMT_DATE, out), -1);
}

static void
test_formats(void **state)
{
	(void)state;
	/* Built-in ids. */
	assert_int_equal(crm_wb_format_kind(0, NULL), CRM_WB_FMT_NONE);
	assert_int_equal(crm_wb_format_kind(2, NULL), CRM_WB_FMT_NONE);
	assert_int_equal(crm_wb_format_kind(14, NULL), CRM_WB_FMT_DATE);
	assert_int_equal(crm_wb_format_kind(17, NULL), CRM_WB_FMT_DATE);
	assert_int_equal(crm_wb_format_kind(18, NULL), CRM_WB_FMT_TIME);
	assert_int_equal(crm_wb_format_kind(22, NULL), CRM_WB_FMT_DATETIME);
	assert_int_equal(crm_wb_format_kind(31, NULL), CRM_WB_FMT_DATE);   /* yyyy"年"m"月"d"日" */
	assert_int_equal(crm_wb_format_kind(33, NULL), CRM_WB_FMT_TIME);
	assert_int_equal(crm_wb_format_kind(46, NULL), CRM_WB_FMT_TIME);
	assert_int_equal(crm_wb_format_kind(49, NULL), CRM_WB_FMT_NONE);   /* @ */
	/* Custom codes. */
	assert_int_equal(crm_wb_format_kind(164, "General"), CRM_WB_FMT_NONE);
	assert_int_equal(crm_wb_format_kind(164, "0.00"), CRM_WB_FMT_NONE);
	assert_int_equal(crm_wb_format_kind(164, "#,##0.00 \"元\""), CRM_WB_FMT_NONE);
	assert_int_equal(crm_wb_format_kind(164, "0.00E+00"), CRM_WB_FMT_NONE);
	assert_int_equal(crm_wb_format_kind(164, "\"days\" 0"), CRM_WB_FMT_NONE);
	assert_int_equal(crm_wb_format_kind(164, "[Red]0.00;[Blue]-0.00"), CRM_WB_FMT_NONE);
	assert_int_equal(crm_wb_format_kind(164, "0\\d"), CRM_WB_FMT_NONE);
	assert_int_equal(crm_wb_format_kind(164, "_(* #,##0_)"), CRM_WB_FMT_NONE);
	assert_int_equal(crm_wb_format_kind(165, "yyyy\\-mm\\-dd"), CRM_WB_FMT_DATE);
	assert_int_equal(crm_wb_format_kind(165, "yyyy\"年\"m\"月\"d\"日\""), CRM_WB_FMT_DATE);
	assert_int_equal(crm_wb_format_kind(165, "[$-409]mmm d, yyyy"), CRM_WB_FMT_DATE);
	assert_int_equal(crm_wb_format_kind(165, "mmm-yy"), CRM_WB_FMT_DATE);
	assert_int_equal(crm_wb_format_kind(165, "mmmm"), CRM_WB_FMT_DATE);
	assert_int_equal(crm_wb_format_kind(166, "yyyy\\-mm\\-dd\\ hh:mm"), CRM_WB_FMT_DATETIME);
	assert_int_equal(crm_wb_format_kind(166, "d/m/yy h:mm AM/PM"), CRM_WB_FMT_DATETIME);
	assert_int_equal(crm_wb_format_kind(167, "hh:mm"), CRM_WB_FMT_TIME);
	assert_int_equal(crm_wb_format_kind(167, "mm:ss"), CRM_WB_FMT_TIME);
	assert_int_equal(crm_wb_format_kind(167, "[h]:mm"), CRM_WB_FMT_TIME);
	assert_int_equal(crm_wb_format_kind(167, "[mm]"), CRM_WB_FMT_TIME);
	/* A custom code replaces a built-in id's meaning. */
	assert_int_equal(crm_wb_format_kind(14, "0.00"), CRM_WB_FMT_NONE);
}

static void
test_sniff(void **state)
{
	static const unsigned char ole2[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};

	(void)state;
	assert_int_equal(crm_wb_sniff("PK\3\4rest", 8), CRM_WB_XLSX);
	assert_int_equal(crm_wb_sniff(ole2, 8), CRM_WB_XLS);
	assert_int_equal(crm_wb_sniff(ole2, 7), CRM_WB_NONE);
	assert_int_equal(crm_wb_sniff("PK\5\6", 4), CRM_WB_NONE);
	assert_int_equal(crm_wb_sniff("name,phone\n", 11), CRM_WB_NONE);
	assert_int_equal(crm_wb_sniff("", 0), CRM_WB_NONE);
}

/* The whole of a committed test file; *len gets its size. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = crm_xmalloc(1 << 20);

	assert_non_null(fp);
	*len = fread(buf, 1, 1 << 20, fp);
	fclose(fp);
	return buf;
}

static void
test_reader(void **state)
{
	size_t len;
	char *data = slurp("tests/data/xlsx/crm.xlsx", &len);
	const struct crm_wb_row *row;
	long rows, cols;
	int status = 0;
	crm_wb *wb;

	(void)state;
	wb = crm_wb_open_memory(data, len, "crm.xlsx", &status);
	assert_non_null(wb);
	assert_int_equal(crm_wb_sheet_count(wb), 3);
	assert_string_equal(crm_wb_sheet_name(wb, 1), "客户");
	assert_int_equal(crm_wb_sheet_size(wb, 2, &rows, &cols), 0);
	assert_int_equal(rows, 5);
	assert_int_equal(cols, 7);
	assert_int_equal(crm_wb_sheet_size(wb, 0, &rows, &cols), 0);
	assert_int_equal(rows, 0);

	/* Default: the first sheet with data; the title row is skipped. */
	assert_int_equal(crm_wb_select(wb, NULL), 0);
	assert_string_equal(crm_wb_selected(wb), "客户");
	assert_int_equal(crm_wb_next(wb, &row), 1);
	assert_int_equal(row->row, 2);
	assert_string_equal(row->cells[0], "客户编号");
	assert_int_equal(crm_wb_next(wb, &row), 1);
	assert_int_equal(row->row, 3);
	assert_int_equal(row->ncells, 6);
	assert_string_equal(row->cells[0], "00123");
	assert_string_equal(row->cells[1], "陈小明");       /* rich text runs joined */
	assert_string_equal(row->cells[2], "13800138000");
	assert_string_equal(row->cells[4], "1985-03-05");
	assert_int_equal(crm_wb_next(wb, &row), 1);
	assert_int_equal(crm_wb_next(wb, &row), 1);
	assert_int_equal(row->row, 6);                       /* blank row 5 skipped */
	assert_int_equal(row->ncells, 3);                    /* trailing empties dropped */

	/* By number; an error cell makes an error row naming sheet and cell. */
	assert_int_equal(crm_wb_select(wb, "3"), 0);
	assert_string_equal(crm_wb_selected(wb), "Orders");
	for (int i = 0; i < 4; i++)
		assert_int_equal(crm_wb_next(wb, &row), 1);
	assert_int_equal(row->row, 4);
	assert_string_equal(row->cells[5], "#DIV/0!");
	assert_string_equal(row->error, "sheet 'Orders' cell F4: #DIV/0!");
	assert_int_equal(row->error_col, 5);
	assert_int_equal(crm_wb_next(wb, &row), 1);
	assert_null(row->error);
	assert_string_equal(row->cells[5], "0.3");
	assert_int_equal(crm_wb_next(wb, &row), 0);

	/* An empty sheet has no rows; an unknown one is a usage error. */
	assert_int_equal(crm_wb_select(wb, "Empty"), 0);
	assert_int_equal(crm_wb_next(wb, &row), 0);
	assert_int_equal(crm_wb_select(wb, "Nope"), 64);
	assert_int_equal(crm_wb_select(wb, "4"), 64);
	crm_wb_close(wb);

	/* Cut short: not a readable workbook, 65. */
	assert_null(crm_wb_open_memory(data, 3000, "cut.xlsx", &status));
	assert_int_equal(status, 65);
	free(data);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_not_numbers),
		cmocka_unit_test(test_doubles),
		cmocka_unit_test(test_serials_1900),
		cmocka_unit_test(test_serials_1904),
		cmocka_unit_test(test_serials_not_dates),
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_sniff),
		cmocka_unit_test(test_reader),
	};

	crm_diag_init("test_workbook");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
