/*
 * test_date.c — unit tests for lib/date: civil-day arithmetic at its
 * boundaries, every accepted input form, times, Excel serials, ROC years,
 * strict ISO parsing and formatting.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "date.h"

struct dcase {
	const char *in;
	enum crm_date_order order;
	bool serial;
	const char *want; /* crm_datetime_format output, NULL when rejected */
};

static void
run(const struct dcase *c, size_t n)
{
	struct crm_datetime dt;
	char buf[32];
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		memset(&dt, 0x55, sizeof dt);
		r = crm_date_parse(c[i].in, c[i].order, c[i].serial, &dt);
		if (c[i].want == NULL) {
			if (r == 0) {
				crm_datetime_format(&dt, buf);
				fail_msg("\"%s\": want reject, got %s", c[i].in, buf);
			}
			assert_int_equal(r, -1);
			continue;
		}
		if (r != 0)
			fail_msg("\"%s\": want %s, got reject", c[i].in, c[i].want);
		crm_datetime_format(&dt, buf);
		if (strcmp(buf, c[i].want) != 0)
			fail_msg("\"%s\": want %s, got %s", c[i].in, c[i].want, buf);
		/* has_time is exactly "the output shows a time" */
		assert_int_equal(dt.has_time, strlen(c[i].want) > 10);
		if (!dt.has_time)
			assert_int_equal(dt.secs, 0);
	}
}

#define RUN(t) run(t, sizeof t / sizeof t[0])
#define DMY CRM_DATE_DMY
#define MDY CRM_DATE_MDY
#define YMD CRM_DATE_YMD

static void
test_civil_boundaries(void **state)
{
	int64_t y;
	int m, d;

	(void)state;
	assert_int_equal(crm_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(crm_days_from_civil(1969, 12, 31), -1);
	assert_int_equal(crm_days_from_civil(2000, 3, 1), 11017);
	assert_int_equal(crm_days_from_civil(2024, 2, 29), 19782);
	assert_int_equal(crm_days_from_civil(2024, 3, 1), 19783);
	assert_int_equal(crm_days_from_civil(1900, 1, 1), -25567);
	assert_int_equal(crm_days_from_civil(1900, 3, 1), -25508);
	assert_int_equal(crm_days_from_civil(1, 1, 1), -719162);
	assert_int_equal(crm_days_from_civil(9999, 12, 31), 2932896);

	crm_civil_from_days(0, &y, &m, &d);
	assert_true(y == 1970 && m == 1 && d == 1);
	crm_civil_from_days(-1, &y, &m, &d);
	assert_true(y == 1969 && m == 12 && d == 31);
	crm_civil_from_days(-25508, &y, &m, &d);
	assert_true(y == 1900 && m == 3 && d == 1);
	crm_civil_from_days(-25509, &y, &m, &d);
	assert_true(y == 1900 && m == 2 && d == 28);   /* 1900 is not leap */
	crm_civil_from_days(11016, &y, &m, &d);
	assert_true(y == 2000 && m == 2 && d == 29);   /* 2000 is */
	crm_civil_from_days(2932896, &y, &m, &d);
	assert_true(y == 9999 && m == 12 && d == 31);

	/* round trip over 1600..2400 */
	for (int64_t day = crm_days_from_civil(1600, 1, 1);
	    day <= crm_days_from_civil(2400, 12, 31); day += 7) {
		crm_civil_from_days(day, &y, &m, &d);
		assert_true(crm_date_valid(y, m, d));
		assert_int_equal(crm_days_from_civil(y, m, d), day);
	}
	/* extreme inputs clamp instead of overflowing */
	crm_civil_from_days(INT64_MAX, &y, &m, &d);
	crm_civil_from_days(INT64_MIN, &y, &m, &d);
	(void)crm_days_from_civil(INT64_MAX, 12, 31);
	(void)crm_days_from_civil(INT64_MIN, 1, 1);
	(void)crm_days_from_civil(2024, INT32_MAX, INT32_MIN);
}

static void
test_valid(void **state)
{
	(void)state;
	assert_true(crm_date_valid(2024, 2, 29));
	assert_true(crm_date_valid(2000, 2, 29));
	assert_false(crm_date_valid(1900, 2, 29));
	assert_false(crm_date_valid(2023, 2, 29));
	assert_false(crm_date_valid(2024, 2, 30));
	assert_false(crm_date_valid(2024, 4, 31));
	assert_true(crm_date_valid(2024, 12, 31));
	assert_false(crm_date_valid(2024, 13, 1));
	assert_false(crm_date_valid(2024, 0, 1));
	assert_false(crm_date_valid(2024, 1, 0));
	assert_false(crm_date_valid(0, 1, 1));
	assert_true(crm_date_valid(1, 1, 1));
	assert_true(crm_date_valid(9999, 12, 31));
	assert_false(crm_date_valid(10000, 1, 1));
}

static void
test_format(void **state)
{
	struct crm_datetime dt = { 0, 0, false };
	char buf[32];

	(void)state;
	crm_date_format(0, buf);
	assert_string_equal(buf, "1970-01-01");
	crm_date_format(-1, buf);
	assert_string_equal(buf, "1969-12-31");
	crm_date_format(-719162, buf);
	assert_string_equal(buf, "0001-01-01");
	crm_date_format(2932896, buf);
	assert_string_equal(buf, "9999-12-31");
	crm_date_format(2932897, buf);           /* year 10000 */
	assert_string_equal(buf, "0000-00-00");
	crm_date_format(INT64_MIN, buf);
	assert_string_equal(buf, "0000-00-00");

	crm_datetime_format(&dt, buf);
	assert_string_equal(buf, "1970-01-01");
	dt.secs = 3600;                          /* ignored without has_time */
	crm_datetime_format(&dt, buf);
	assert_string_equal(buf, "1970-01-01");
	dt.has_time = true;
	dt.secs = 0;
	crm_datetime_format(&dt, buf);
	assert_string_equal(buf, "1970-01-01 00:00:00");
	dt.secs = 86399;
	crm_datetime_format(&dt, buf);
	assert_string_equal(buf, "1970-01-01 23:59:59");
	assert_int_equal(strlen(buf), 19);
}

static void
test_iso_strict(void **state)
{
	int64_t d = 42;

	(void)state;
	assert_int_equal(crm_date_parse_iso("2024-03-05", &d), 0);
	assert_int_equal(d, crm_days_from_civil(2024, 3, 5));
	assert_int_equal(crm_date_parse_iso("1970-01-01", &d), 0);
	assert_int_equal(d, 0);
	assert_int_equal(crm_date_parse_iso("2024-02-29", &d), 0);
	assert_int_equal(crm_date_parse_iso("9999-12-31", &d), 0);
	assert_int_equal(crm_date_parse_iso("2023-02-29", &d), -1);
	assert_int_equal(crm_date_parse_iso("2024-13-01", &d), -1);
	assert_int_equal(crm_date_parse_iso("0000-01-01", &d), -1);
	assert_int_equal(crm_date_parse_iso("2024-3-5", &d), -1);
	assert_int_equal(crm_date_parse_iso("2024/03/05", &d), -1);
	assert_int_equal(crm_date_parse_iso(" 2024-03-05", &d), -1);
	assert_int_equal(crm_date_parse_iso("2024-03-05 ", &d), -1);
	assert_int_equal(crm_date_parse_iso("2024-03-05T00:00", &d), -1);
	assert_int_equal(crm_date_parse_iso("20240305", &d), -1);
	assert_int_equal(crm_date_parse_iso("2024-03-0", &d), -1);
	assert_int_equal(crm_date_parse_iso("", &d), -1);
	assert_int_equal(crm_date_parse_iso(NULL, &d), -1);
	assert_int_equal(crm_date_parse_iso("２０２４-03-05", &d), -1);
}

static void
test_ymd_forms(void **state)
{
	static const struct dcase t[] = {
		{ "2024-03-05", DMY, false, "2024-03-05" },
		{ "2024/3/5", MDY, false, "2024-03-05" },
		{ "2024.3.5", DMY, false, "2024-03-05" },
		{ "  2024-03-05  ", DMY, false, "2024-03-05" },
		{ "20240305", DMY, false, "2024-03-05" },
		{ "19970101", DMY, true, "1997-01-01" },       /* not a serial */
		{ "20240305143000", DMY, false, "2024-03-05 14:30:00" },
		{ "20240305 14:30", DMY, false, "2024-03-05 14:30:00" },
		{ "2024年3月5日", DMY, false, "2024-03-05" },
		{ "2024年03月05日", DMY, false, "2024-03-05" },
		{ "2024 年 3 月 5 日", DMY, false, "2024-03-05" },
		{ "2024年3月5号", DMY, false, "2024-03-05" },
		{ "24年3月5日", DMY, false, "2024-03-05" },
		{ "２０２４－０３－０５", DMY, false, "2024-03-05" },
		{ "２０２４年３月５日", DMY, false, "2024-03-05" },
		{ "2024-02-29", DMY, false, "2024-02-29" },
		{ "2000-02-29", DMY, false, "2000-02-29" },
		{ "1900-02-28", DMY, false, "1900-02-28" },
		{ "1969-12-31", DMY, false, "1969-12-31" },
		{ "0001-01-01", DMY, false, "0001-01-01" },
		{ "9999-12-31", DMY, false, "9999-12-31" },
		{ "2024-02-30", DMY, false, NULL },
		{ "2024-13-40", DMY, false, NULL },
		{ "2023-02-29", DMY, false, NULL },
		{ "1900-02-29", DMY, false, NULL },
		{ "2024-00-10", DMY, false, NULL },
		{ "2024-04-31", DMY, false, NULL },
		{ "2024-03-00", DMY, false, NULL },
		{ "0000-01-01", DMY, false, NULL },
		{ "2024-03/05", DMY, false, NULL },    /* mixed separators */
		{ "2024-03-005", DMY, false, NULL },
		{ "2024-003-05", DMY, false, NULL },
		{ "2024-03", DMY, false, NULL },
		{ "2024-03-", DMY, false, NULL },
		{ "2024年3月", DMY, false, NULL },
		{ "20240230", DMY, false, NULL },
		{ "20241301", DMY, false, NULL },
		{ "12024-03-05", DMY, false, NULL },
	};

	(void)state;
	RUN(t);
}

static void
test_ordered_forms(void **state)
{
	static const struct dcase t[] = {
		{ "05/03/2024", DMY, false, "2024-03-05" },
		{ "05/03/2024", MDY, false, "2024-05-03" },
		{ "05/03/2024", YMD, false, "2024-03-05" },    /* YMD: day first */
		{ "5-3-24", DMY, false, "2024-03-05" },
		{ "5-3-24", MDY, false, "2024-05-03" },
		{ "24/03/05", YMD, false, "2024-03-05" },
		{ "24/3/5", YMD, false, "2024-03-05" },
		{ "5.3.2024", DMY, false, "2024-03-05" },
		{ "31/12/1999", DMY, false, "1999-12-31" },
		{ "12/31/1999", MDY, false, "1999-12-31" },
		{ "12/31/1999", DMY, false, NULL },
		{ "31/12/99", DMY, false, "1999-12-31" },
		{ "1/1/00", DMY, false, "2000-01-01" },       /* pivot */
		{ "1/1/69", DMY, false, "2069-01-01" },
		{ "1/1/70", DMY, false, "1970-01-01" },
		{ "1/1/99", DMY, false, "1999-01-01" },
		{ "29/2/23", DMY, false, NULL },
		{ "29/2/24", DMY, false, "2024-02-29" },
		{ "5/3/4", DMY, false, NULL },                /* 1-digit year */
		{ "5/3/124", DMY, false, NULL },              /* 3-digit year */
		{ "5/3/02024", DMY, false, NULL },
		{ "5/3/24", YMD, false, NULL },               /* 1-digit year */
		{ "2/3", DMY, false, NULL },
	};

	(void)state;
	RUN(t);
}

static void
test_month_names(void **state)
{
	static const struct dcase t[] = {
		{ "5 Mar 2024", MDY, false, "2024-03-05" },
		{ "05 March 2024", DMY, false, "2024-03-05" },
		{ "5-Mar-24", DMY, false, "2024-03-05" },
		{ "5 mar. 2024", DMY, false, "2024-03-05" },
		{ "Mar 5, 2024", DMY, false, "2024-03-05" },
		{ "March 5 2024", DMY, false, "2024-03-05" },
		{ "march 5th, 2024", DMY, false, "2024-03-05" },
		{ "Sept 1, 2024", DMY, false, "2024-09-01" },
		{ "Sep 1, 2024", DMY, false, "2024-09-01" },
		{ "December 31, 1999", DMY, false, "1999-12-31" },
		{ "Tue, 5 Mar 2024", DMY, false, "2024-03-05" },
		{ "Tuesday, March 5, 2024", DMY, false, "2024-03-05" },
		{ "Tue, 05 Mar 2024 14:30:00 +0800", DMY, false, "2024-03-05 14:30:00" },
		{ "Feb 29, 2023", DMY, false, NULL },
		{ "Foo 5, 2024", DMY, false, NULL },
		{ "Ma 5, 2024", DMY, false, NULL },
		{ "Marc 5, 2024", DMY, false, NULL },
		{ "5 Mar", DMY, false, NULL },
		{ "Mar 2024", DMY, false, NULL },
		{ "123 Mar 2024", DMY, false, NULL },
	};

	(void)state;
	RUN(t);
}

static void
test_roc(void **state)
{
	static const struct dcase t[] = {
		{ "民國113年3月5日", DMY, false, "2024-03-05" },
		{ "民国113年3月5日", DMY, false, "2024-03-05" },
		{ "民國 113 年 3 月 5 日", DMY, false, "2024-03-05" },
		{ "民國1年1月1日", DMY, false, "1912-01-01" },
		{ "民國38年10月1日", DMY, false, "1949-10-01" },
		{ "民國113/3/5", DMY, false, "2024-03-05" },
		{ "113/3/5", DMY, false, "2024-03-05" },
		{ "113/03/05", MDY, false, "2024-03-05" },
		{ "113-3-5", DMY, false, "2024-03-05" },
		{ "113年3月5日", DMY, false, "2024-03-05" },
		{ "113/3/5 14:30", DMY, false, "2024-03-05 14:30:00" },
		{ "200/1/1", DMY, false, "2111-01-01" },
		{ "201/1/1", DMY, false, NULL },           /* beyond ROC range */
		{ "000/1/1", DMY, false, NULL },
		{ "民國0年1月1日", DMY, false, NULL },
		{ "民國2024年3月5日", DMY, false, NULL },
		{ "民國113年2月30日", DMY, false, NULL },
		{ "民國", DMY, false, NULL },
		{ "民國Mar 5, 2024", DMY, false, NULL },
		{ "113/3/2024", DMY, false, NULL },
	};

	(void)state;
	RUN(t);
}

static void
test_times(void **state)
{
	static const struct dcase t[] = {
		{ "2024-03-05 14:30", DMY, false, "2024-03-05 14:30:00" },
		{ "2024-03-05 00:00", DMY, false, "2024-03-05 00:00:00" },
		{ "2024-03-05T14:30:00Z", DMY, false, "2024-03-05 14:30:00" },
		{ "2024-03-05T14:30:00+08:00", DMY, false, "2024-03-05 14:30:00" },
		{ "2024-03-05T14:30:00-0500", DMY, false, "2024-03-05 14:30:00" },
		{ "2024-03-05 14:30:00 UTC", DMY, false, "2024-03-05 14:30:00" },
		{ "2024-03-05 14:30 UTC+8", DMY, false, "2024-03-05 14:30:00" },
		{ "2024-03-05 14:30:59.999", DMY, false, "2024-03-05 14:30:59" },
		{ "2024-03-05T14:30:59,5Z", DMY, false, "2024-03-05 14:30:59" },
		{ "2024-03-05 9:05", DMY, false, "2024-03-05 09:05:00" },
		{ "2024-03-05 23:59:59", DMY, false, "2024-03-05 23:59:59" },
		{ "2024/3/5 下午 2:30", DMY, false, "2024-03-05 14:30:00" },
		{ "2024/3/5 上午 12:05", DMY, false, "2024-03-05 00:05:00" },
		{ "2024/3/5 下午 12:05", DMY, false, "2024-03-05 12:05:00" },
		{ "2024年3月5日下午2:30", DMY, false, "2024-03-05 14:30:00" },
		{ "2024年3月5日 14:30:15", DMY, false, "2024-03-05 14:30:15" },
		{ "3/5/2024 2:30 PM", MDY, false, "2024-03-05 14:30:00" },
		{ "3/5/2024 2:30 pm", MDY, false, "2024-03-05 14:30:00" },
		{ "3/5/2024 2:30PM", MDY, false, "2024-03-05 14:30:00" },
		{ "3/5/2024 2:30 p.m.", MDY, false, "2024-03-05 14:30:00" },
		{ "3/5/2024 12:00 AM", MDY, false, "2024-03-05 00:00:00" },
		{ "3/5/2024 12:00 PM", MDY, false, "2024-03-05 12:00:00" },
		{ "3/5/2024 11:59:59 PM", MDY, false, "2024-03-05 23:59:59" },
		{ "２０２４－０３－０５　１４：３０", DMY, false, "2024-03-05 14:30:00" },
		{ "2024-03-05 24:00", DMY, false, NULL },
		{ "2024-03-05 14:60", DMY, false, NULL },
		{ "2024-03-05 14:30:60", DMY, false, NULL },
		{ "2024-03-05 14", DMY, false, NULL },
		{ "2024-03-05 14:3", DMY, false, NULL },
		{ "2024-03-05 14:300", DMY, false, NULL },
		{ "2024-03-05 123:00", DMY, false, NULL },
		{ "2024-03-05 13:00 PM", DMY, false, NULL },
		{ "2024-03-05 0:00 AM", DMY, false, NULL },
		{ "2024-03-05 下午 2:30 PM", DMY, false, NULL },
		{ "2024-03-05 14:30 foo", DMY, false, NULL },
		{ "2024-03-05T", DMY, false, NULL },
		{ "2024-03-05 14:30:00.", DMY, false, NULL },
		{ "2024-03-05 14:30 +8:0", DMY, false, NULL },
	};

	(void)state;
	RUN(t);
}

static void
test_serials(void **state)
{
	static const struct dcase t[] = {
		{ "45356", DMY, true, "2024-03-05" },
		{ "45356.5", DMY, true, "2024-03-05 12:00:00" },
		{ "45356.604166666667", DMY, true, "2024-03-05 14:30:00" },
		{ "45356.99998", DMY, true, "2024-03-05 23:59:58" },
		{ "45356.999999999", DMY, true, "2024-03-06 00:00:00" },  /* rounds up */
		{ "45356.0", DMY, true, "2024-03-05 00:00:00" },
		{ "25569", DMY, true, "1970-01-01" },
		{ "25568", DMY, true, "1969-12-31" },
		{ "1", DMY, true, "1900-01-01" },
		{ "59", DMY, true, "1900-02-28" },
		{ "60", DMY, true, NULL },                   /* 1900-02-29 */
		{ "61", DMY, true, "1900-03-01" },
		{ "2958465", DMY, true, "9999-12-31" },
		{ "2958466", DMY, true, NULL },
		{ "0", DMY, true, NULL },
		{ "0.5", DMY, true, NULL },
		{ "45356", DMY, false, NULL },
		{ "45356.5", DMY, false, NULL },
		{ "1", DMY, false, NULL },
		{ "45356.", DMY, true, NULL },
		{ ".5", DMY, true, NULL },
		{ "45356.5.5", DMY, true, NULL },
		{ "-45356", DMY, true, NULL },
		{ "123456789", DMY, true, NULL },
		{ "99999999999999999999999", DMY, true, NULL },
		{ "４５３５６", DMY, true, "2024-03-05" },
	};

	(void)state;
	RUN(t);
}

static void
test_garbage(void **state)
{
	static const struct dcase t[] = {
		{ "", DMY, true, NULL },
		{ "   ", DMY, true, NULL },
		{ "n/a", DMY, true, NULL },
		{ "-", DMY, true, NULL },
		{ "T14:30", DMY, true, NULL },
		{ "14:30", DMY, true, NULL },
		{ "2024-03-05\xFF", DMY, true, NULL },
		{ "\xC0\x80", DMY, true, NULL },
		{ "2024-03-05 \xE4\xB8", DMY, true, NULL },
		{ "Monday", DMY, true, NULL },
		{ "Mon, ", DMY, true, NULL },
		{ "99999999999999999999-1-1", DMY, true, NULL },
		{ "1-1-99999999999999999999", DMY, true, NULL },
	};
	struct crm_datetime dt;

	(void)state;
	RUN(t);
	assert_int_equal(crm_date_parse(NULL, DMY, true, &dt), -1);
	/* out may be NULL: a validity check only */
	assert_int_equal(crm_date_parse("2024-03-05", DMY, true, NULL), 0);
}

/* roc_years: false refuses ROC years but nothing else. */
static void
test_no_roc(void **state)
{
	struct crm_datetime dt;
	enum crm_date_order no_roc = (enum crm_date_order)(CRM_DATE_YMD | CRM_DATE_NO_ROC);

	(void)state;
	assert_int_equal(crm_date_parse("113/3/5", CRM_DATE_YMD, false, &dt), 0);
	assert_int_equal(dt.days, crm_days_from_civil(2024, 3, 5));
	assert_int_equal(crm_date_parse("113/3/5", no_roc, false, &dt), -1);
	assert_int_equal(crm_date_parse("民國113年3月5日", no_roc, false, &dt), -1);
	assert_int_equal(crm_date_parse("2024/3/5", no_roc, false, &dt), 0);
	assert_int_equal(dt.days, crm_days_from_civil(2024, 3, 5));
	assert_int_equal(crm_date_parse("2024-03-05 10:00:00", no_roc, false, &dt), 0);
	assert_int_equal(crm_date_parse("45356", no_roc, true, &dt), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_civil_boundaries),
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_iso_strict),
		cmocka_unit_test(test_ymd_forms),
		cmocka_unit_test(test_ordered_forms),
		cmocka_unit_test(test_month_names),
		cmocka_unit_test(test_roc),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_serials),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_no_roc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
