/*
 * test_phone.c — unit tests for lib/phone: E.164 normalisation by region,
 * international prefixes, trunk prefixes, extensions and rejects.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "phone.h"

struct pcase {
	const char *in;
	const char *region;
	enum crm_phone_result res;
	const char *e164; /* when res is OK */
	const char *ext;
};

static void
run(const struct pcase *c, size_t n)
{
	char out[20], ext[12];
	size_t i;

	for (i = 0; i < n; i++) {
		enum crm_phone_result r;

		memset(out, 'Z', sizeof out);
		memset(ext, 'Z', sizeof ext);
		r = crm_phone_e164(c[i].in, c[i].region, out, sizeof out, ext, sizeof ext);
		if (r != c[i].res)
			fail_msg("\"%s\" (%s): want result %d, got %d (\"%s\")",
			    c[i].in, c[i].region ? c[i].region : "NULL",
			    c[i].res, r, r == CRM_PHONE_OK ? out : "");
		if (r != CRM_PHONE_OK) {
			assert_string_equal(out, "");
			assert_string_equal(ext, "");
			continue;
		}
		if (strcmp(out, c[i].e164) != 0)
			fail_msg("\"%s\" (%s): want %s, got %s", c[i].in,
			    c[i].region, c[i].e164, out);
		if (strcmp(ext, c[i].ext ? c[i].ext : "") != 0)
			fail_msg("\"%s\": want ext \"%s\", got \"%s\"", c[i].in,
			    c[i].ext ? c[i].ext : "", ext);
	}
}

#define OK CRM_PHONE_OK
#define EMPTY CRM_PHONE_EMPTY
#define INVALID CRM_PHONE_INVALID
#define RUN(t) run(t, sizeof t / sizeof t[0])

static void
test_china(void **state)
{
	static const struct pcase t[] = {
		{ "+86 138 0013 8000", "CN", OK, "+8613800138000", NULL },
		{ "+86 138 0013 8000", "US", OK, "+8613800138000", NULL },
		{ "+86 138 0013 8000", NULL, OK, "+8613800138000", NULL },
		{ "0086-138-0013-8000", "CN", OK, "+8613800138000", NULL },
		{ "0086-138-0013-8000", "TW", OK, "+8613800138000", NULL },
		{ "0086-138-0013-8000", "ZZ", OK, "+8613800138000", NULL },
		{ "13800138000", "CN", OK, "+8613800138000", NULL },
		{ "138-0013-8000", "cn", OK, "+8613800138000", NULL },
		{ "8613800138000", "CN", OK, "+8613800138000", NULL },
		{ "(+86) 13800138000", "CN", OK, "+8613800138000", NULL },
		{ "１３８００１３８０００", "CN", OK, "+8613800138000", NULL },
		{ "＋８６　１３８－００１３－８０００", "CN", OK, "+8613800138000", NULL },
		{ "(010) 6552-9988", "CN", OK, "+861065529988", NULL },
		{ "010-65529988", "CN", OK, "+861065529988", NULL },
		{ "+86 (0)10 6552 9988", "CN", OK, "+861065529988", NULL },
		{ "0755-8765-4321", "CN", OK, "+8675587654321", NULL },
		{ "0571-8765432", "CN", OK, "+865718765432", NULL },
		{ "400-123-4567", "CN", OK, "+864001234567", NULL },
		{ "1380013800", "CN", INVALID, NULL, NULL },     /* 10-digit mobile */
		{ "138001380001", "CN", INVALID, NULL, NULL },   /* 12-digit mobile */
		{ "6552-9988", "CN", INVALID, NULL, NULL },      /* no area code */
		{ "13800138000", NULL, INVALID, NULL, NULL },    /* no region */
		{ "13800138000", "ZZ", INVALID, NULL, NULL },
	};

	(void)state;
	RUN(t);
}

static void
test_taiwan_hongkong(void **state)
{
	static const struct pcase t[] = {
		{ "0912-345-678", "TW", OK, "+886912345678", NULL },
		{ "+886 912 345 678", "TW", OK, "+886912345678", NULL },
		{ "+886 912 345 678", "CN", OK, "+886912345678", NULL },
		{ "+886-(0)912-345-678", "CN", OK, "+886912345678", NULL },
		{ "00886912345678", "CN", OK, "+886912345678", NULL },
		{ "002-86-13800138000", "TW", OK, "+8613800138000", NULL },
		{ "(02) 2345-6789", "TW", OK, "+886223456789", NULL },
		{ "(02) 2345-6789 ext. 12", "TW", OK, "+886223456789", "12" },
		{ "(02)2345-6789 分機 345", "TW", OK, "+886223456789", "345" },
		{ "(02)2345-6789#12", "TW", OK, "+886223456789", "12" },
		{ "(07) 123-4567", "TW", OK, "+88671234567", NULL },
		{ "0912-345", "TW", INVALID, NULL, NULL },
		{ "2345 6789", "HK", OK, "+85223456789", NULL },
		{ "+852 2345 6789", "CN", OK, "+85223456789", NULL },
		{ "9123 4567", "HK", OK, "+85291234567", NULL },
		{ "001 86 138 0013 8000", "HK", OK, "+8613800138000", NULL },
		{ "2345 678", "HK", INVALID, NULL, NULL },
		{ "0234 56789", "HK", INVALID, NULL, NULL },     /* HK has no trunk 0 */
		{ "2888 1234", "MO", OK, "+85328881234", NULL },
		{ "6123 4567", "SG", OK, "+6561234567", NULL },
	};

	(void)state;
	RUN(t);
}

static void
test_nanp_and_others(void **state)
{
	static const struct pcase t[] = {
		{ "(415) 555-2671", "US", OK, "+14155552671", NULL },
		{ "1-415-555-2671", "US", OK, "+14155552671", NULL },
		{ "415.555.2671", "CA", OK, "+14155552671", NULL },
		{ "+1 415 555 2671", "CN", OK, "+14155552671", NULL },
		{ "011 86 138 0013 8000", "US", OK, "+8613800138000", NULL },
		{ "415-555-2671 x123", "US", OK, "+14155552671", "123" },
		{ "415-555-2671 ext 9", "US", OK, "+14155552671", "9" },
		{ "415-555-2671 EXT. 9", "US", OK, "+14155552671", "9" },
		{ "415-555-2671,55", "US", OK, "+14155552671", "55" },
		{ "555-2671", "US", INVALID, NULL, NULL },
		{ "(115) 555-2671", "US", INVALID, NULL, NULL },    /* area 1xx */
		{ "2-415-555-2671", "US", INVALID, NULL, NULL },
		{ "020 7946 0018", "GB", OK, "+442079460018", NULL },
		{ "+44 (0)20 7946 0018", "US", OK, "+442079460018", NULL },
		/* fuzz finds: a second trunk 0 is not a number; +7 8.. is */
		{ "+4400207946095", "GB", INVALID, NULL, NULL },
		{ "+7 812 123 45 67", "CN", OK, "+78121234567", NULL },
		{ "+78121234567", "RU", OK, "+78121234567", NULL },
		/* the region's own code typed without "+": the same trunk rule */
		{ "44089100078", "GB", INVALID, NULL, NULL },
		{ "442079460018", "GB", OK, "+442079460018", NULL },
		{ "07700 900123", "GB", OK, "+447700900123", NULL },
		{ "090-1234-5678", "JP", OK, "+819012345678", NULL },
		{ "03-1234-5678", "JP", OK, "+81312345678", NULL },
		{ "010-1234-5678", "KR", OK, "+821012345678", NULL },
		{ "030 12345678", "DE", OK, "+493012345678", NULL },
		{ "012-345 6789", "MY", OK, "+60123456789", NULL },
		{ "04 1234 5678", "AU", OK, "+61412345678", NULL },
		{ "8 (916) 123-45-67", "RU", OK, "+79161234567", NULL },
		{ "06 1234 5678", "IT", OK, "+390612345678", NULL },  /* keeps 0 */
		{ "+971 50 123 4567", NULL, OK, "+971501234567", NULL },
		{ "+855 12 345 678", NULL, OK, "+85512345678", NULL },
		{ "+880 1712 345678", NULL, OK, "+8801712345678", NULL },
		{ "+27 82 123 4567", NULL, OK, "+27821234567", NULL },
		{ "+20 10 1234 5678", NULL, OK, "+201012345678", NULL },
		{ "tel:+8613800138000", NULL, OK, "+8613800138000", NULL },
	};

	(void)state;
	RUN(t);
}

static void
test_extensions_cjk(void **state)
{
	static const struct pcase t[] = {
		{ "010-65529988转123", "CN", OK, "+861065529988", "123" },
		{ "010-65529988 轉 123", "CN", OK, "+861065529988", "123" },
		{ "010-65529988分机123", "CN", OK, "+861065529988", "123" },
		{ "010-65529988 分機：123", "CN", OK, "+861065529988", "123" },
		{ "010-65529988 ext. 123 ", "CN", OK, "+861065529988", "123" },
		{ "010-65529988,", "CN", OK, "+861065529988", NULL },
		/* a second number is not an extension */
		{ "13800138000, 13900139000", "CN", INVALID, NULL, NULL },
		{ "010-65529988 ext 12 34", "CN", INVALID, NULL, NULL },
		{ "010-65529988 x12a", "CN", INVALID, NULL, NULL },
		{ "010-65529988 ext ext 1", "CN", INVALID, NULL, NULL },
		{ "ext 123", "CN", INVALID, NULL, NULL },
	};

	(void)state;
	RUN(t);
}

static void
test_rejects(void **state)
{
	static const struct pcase t[] = {
		{ "", "CN", EMPTY, NULL, NULL },
		{ "   ", "CN", EMPTY, NULL, NULL },
		{ "-", "CN", EMPTY, NULL, NULL },
		{ "( ) - .", "CN", EMPTY, NULL, NULL },
		{ "+", "CN", EMPTY, NULL, NULL },
		{ "n/a", "CN", INVALID, NULL, NULL },
		{ "N/A", "US", INVALID, NULL, NULL },
		{ "123", "CN", INVALID, NULL, NULL },
		{ "+123", "CN", INVALID, NULL, NULL },
		{ "1-800-FLOWERS", "US", INVALID, NULL, NULL },
		{ "138 0013 8000 (mobile)", "CN", INVALID, NULL, NULL },
		{ "++86 13800138000", "CN", INVALID, NULL, NULL },
		{ "86+13800138000", "CN", INVALID, NULL, NULL },
		{ "+0 1234 5678", "CN", INVALID, NULL, NULL },
		{ "+999 1234 5678", "CN", INVALID, NULL, NULL },   /* unassigned */
		{ "+86 1380013800012345", "CN", INVALID, NULL, NULL },
		{ "+1234567890123456789012345678901234567890", NULL, INVALID, NULL, NULL },
		{ "13800138000\xFF", "CN", INVALID, NULL, NULL },
		{ "\xED\xA0\x80", "CN", INVALID, NULL, NULL },
		{ "00", "CN", INVALID, NULL, NULL },
		{ "0", "CN", INVALID, NULL, NULL },
	};

	(void)state;
	RUN(t);
}

static void
test_small_buffers(void **state)
{
	char out[20], ext[12], small[8];

	(void)state;
	assert_int_equal(crm_phone_e164(NULL, "CN", out, sizeof out, ext, sizeof ext),
	    CRM_PHONE_EMPTY);
	/* out too small for the number: refused, not truncated */
	assert_int_equal(crm_phone_e164("13800138000", "CN", small, sizeof small,
	    ext, sizeof ext), CRM_PHONE_INVALID);
	assert_string_equal(small, "");
	/* extension with nowhere to go */
	assert_int_equal(crm_phone_e164("010-65529988 x12", "CN", out, sizeof out,
	    NULL, 0), CRM_PHONE_INVALID);
	assert_int_equal(crm_phone_e164("010-65529988 x1234", "CN", out, sizeof out,
	    small, 4), CRM_PHONE_INVALID);
	/* no extension: ext may be NULL */
	assert_int_equal(crm_phone_e164("13800138000", "CN", out, sizeof out,
	    NULL, 0), CRM_PHONE_OK);
	assert_string_equal(out, "+8613800138000");
	/* 15 digits is the E.164 limit and fits in 20 bytes */
	assert_int_equal(crm_phone_e164("+49 30 12345678901", NULL, out,
	    sizeof out, ext, sizeof ext), CRM_PHONE_OK);
	assert_string_equal(out, "+493012345678901");
	assert_int_equal(crm_phone_e164("+49 30 123456789012", NULL, out,
	    sizeof out, ext, sizeof ext), CRM_PHONE_INVALID);
}

static void
test_country_code(void **state)
{
	(void)state;
	assert_int_equal(crm_phone_country_code("CN"), 86);
	assert_int_equal(crm_phone_country_code("cn"), 86);
	assert_int_equal(crm_phone_country_code("TW"), 886);
	assert_int_equal(crm_phone_country_code("HK"), 852);
	assert_int_equal(crm_phone_country_code("MO"), 853);
	assert_int_equal(crm_phone_country_code("SG"), 65);
	assert_int_equal(crm_phone_country_code("US"), 1);
	assert_int_equal(crm_phone_country_code("CA"), 1);
	assert_int_equal(crm_phone_country_code("GB"), 44);
	assert_int_equal(crm_phone_country_code("JP"), 81);
	assert_int_equal(crm_phone_country_code("MY"), 60);
	assert_int_equal(crm_phone_country_code("ZZ"), 0);
	assert_int_equal(crm_phone_country_code(""), 0);
	assert_int_equal(crm_phone_country_code("CHN"), 0);
	assert_int_equal(crm_phone_country_code(NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_china),
		cmocka_unit_test(test_taiwan_hongkong),
		cmocka_unit_test(test_nanp_and_others),
		cmocka_unit_test(test_extensions_cjk),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_small_buffers),
		cmocka_unit_test(test_country_code),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
