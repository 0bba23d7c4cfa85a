/*
 * fuzz_rules — crm_rule_parse on the input with a fixed name list, then
 * crm_rule_eval on three fixed rows (mixed values, all empty, all text).
 * Invariants: a failed parse names a column within the text (1 ..
 * length + 1) and a non-empty, valid UTF-8 message; a parsed rule gives 0
 * or 1, the same on a second evaluation; crm_rule_uses is false past the
 * names; and "not (RULE)" parses (unless too deep) and gives the opposite.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "rules.h"
#include "text.h"

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stdout, "fuzz_rules: %s:%d: check failed: %s\n", __FILE__,         \
				__LINE__, #c);                                                     \
			fflush(stdout);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = {
    "recency_days", "frequency",   "monetary", "地区", "spend",	 "first_order",
    "city",	    "first order", "a",	       "b",    "Region", "region",
};
#define NNAMES (sizeof names / sizeof names[0])

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	crm_value rows[3][NNAMES];
	crm_rule_error err;
	crm_rule *r, *nr;
	char *s = malloc(size + 1), *wrapped;
	size_t i, k;
	int res, again;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	rows[0][0] = crm_value_number(30);
	rows[0][1] = crm_value_number(6);
	rows[0][2] = crm_value_number(52000.5);
	rows[0][3] = crm_value_text("华东区");
	rows[0][4] = crm_value_text(" 1200 ");
	rows[0][5] = crm_value_date(20458);
	rows[0][6] = crm_value_text("ＴＡＩＰＥＩ Jose\xCC\x81");
	rows[0][7] = crm_value_text("2026-01-05 10:30");
	rows[0][8] = crm_value_number(0);
	rows[0][9] = crm_value_empty();
	rows[0][10] = crm_value_text("1,200");
	rows[0][11] = crm_value_text("\xFF invalid");
	for (i = 0; i < NNAMES; i++) {
		rows[1][i] = crm_value_empty();
		rows[2][i] = crm_value_text(i % 2 ? "0" : "abc");
	}

	memset(&err, 0x55, sizeof err);
	r = crm_rule_parse(s, names, NNAMES, &err);
	if (r == NULL) {
		CHECK(err.column >= 1 && (size_t)err.column <= strlen(s) + 1);
		CHECK(memchr(err.message, '\0', sizeof err.message) != NULL);
		CHECK(err.message[0] != '\0');
		CHECK(crm_text_valid_utf8(err.message, strlen(err.message)));
		free(s);
		return 0;
	}
	CHECK(!crm_rule_uses(r, NNAMES));
	wrapped = crm_xasprintf("not (%s)", s);
	nr = crm_rule_parse(wrapped, names, NNAMES, &err);
	CHECK(nr != NULL || strstr(err.message, "nested too deeply") != NULL);
	for (k = 0; k < 3; k++) {
		res = crm_rule_eval(r, rows[k]);
		CHECK(res == 0 || res == 1);
		again = crm_rule_eval(r, rows[k]);
		CHECK(again == res);
		if (nr != NULL)
			CHECK(crm_rule_eval(nr, rows[k]) == !res);
	}
	for (i = 0; i < NNAMES; i++)
		if (nr != NULL)
			CHECK(crm_rule_uses(r, i) == crm_rule_uses(nr, i));
	crm_rule_free(nr);
	crm_rule_free(r);
	free(wrapped);
	free(s);
	return 0;
}
