/*
 * fuzz_money — crm_money_parse with CNY (2 digits), JPY (0) and KWD (3).
 * Invariant: an accepted amount, formatted with crm_money_format in its
 * currency and parsed again, gives the same minor units and currency.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "money.h"

#define CHECK(c) do { if (!(c)) { fprintf(stdout, "fuzz_money: %s:%d: check failed: %s\n", \
	__FILE__, __LINE__, #c); fflush(stdout); abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const cur[] = { "CNY", "JPY", "KWD" };
	char *s = malloc(size + 1), text[64];
	struct crm_money m, again;
	const char *c;
	size_t i;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	for (i = 0; i < 3; i++) {
		memset(&m, 0x55, sizeof m);
		if (crm_money_parse(s, cur[i], &m) != 0)
			continue;
		CHECK(memchr(m.currency, '\0', sizeof m.currency) != NULL);
		CHECK(m.currency[0] == '\0' || strlen(m.currency) == 3);
		c = m.currency[0] ? m.currency : cur[i];
		CHECK(crm_money_minor_digits(c) >= 0 && crm_money_minor_digits(c) <= 4);
		memset(text, 'X', sizeof text);
		crm_money_format(m.minor, c, text);
		CHECK(memchr(text, '\0', 32) != NULL);
		memset(&again, 0x55, sizeof again);
		if (crm_money_parse(text, c, &again) != 0) {
			fprintf(stdout, "fuzz_money: \"%s\" (%s) formats as \"%s\", "
			        "which does not parse\n", s, c, text);
			CHECK(!"formatted amount parses");
		}
		CHECK(again.minor == m.minor);
		CHECK(again.currency[0] == '\0');
	}
	free(s);
	return 0;
}
