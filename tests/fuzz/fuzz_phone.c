/*
 * fuzz_phone — crm_phone_e164 with CN TW HK US GB and an unknown region.
 * Invariants on CRM_PHONE_OK: out is "+" and digits only, ext digits only,
 * and normalising out again gives OK and the same number.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phone.h"

#define CHECK(c) do { if (!(c)) { fprintf(stdout, "fuzz_phone: %s:%d: check failed: %s\n", \
	__FILE__, __LINE__, #c); fflush(stdout); abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
digits(const char *s)
{
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const regions[] = { "CN", "TW", "HK", "US", "GB", "ZZ" };
	char *s = malloc(size + 1), out[20], ext[12], out2[20], ext2[12];
	enum crm_phone_result r;
	size_t i;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	for (i = 0; i < sizeof regions / sizeof *regions; i++) {
		memset(out, 'X', sizeof out);
		memset(ext, 'X', sizeof ext);
		r = crm_phone_e164(s, regions[i], out, sizeof out, ext, sizeof ext);
		CHECK(r == CRM_PHONE_OK || r == CRM_PHONE_EMPTY || r == CRM_PHONE_INVALID);
		if (r != CRM_PHONE_OK)
			continue;
		CHECK(memchr(out, '\0', sizeof out) != NULL);
		CHECK(memchr(ext, '\0', sizeof ext) != NULL);
		CHECK(out[0] == '+' && out[1] != '\0' && digits(out + 1));
		CHECK(strlen(out) <= 16);
		CHECK(digits(ext) && strlen(ext) <= 6);
		r = crm_phone_e164(out, regions[i], out2, sizeof out2, ext2, sizeof ext2);
		if (r != CRM_PHONE_OK || strcmp(out, out2) != 0) {
			fprintf(stdout, "fuzz_phone: \"%s\" in %s gives %s, which gives %d \"%s\"\n",
			        s, regions[i], out, (int)r, r == CRM_PHONE_OK ? out2 : "");
			CHECK(!"E.164 output is a fixed point");
		}
		CHECK(ext2[0] == '\0');
	}
	(void)crm_phone_country_code(s);
	free(s);
	return 0;
}
