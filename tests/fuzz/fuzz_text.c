/*
 * fuzz_text — the text normalisers over one NUL-terminated copy of the input
 * (and crm_text_valid_utf8 over the bytes as they are). Invariants: results
 * are valid UTF-8 and NULL exactly when the input is not; clean and
 * fold_width are idempotent; a normalised e-mail normalises to itself.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "text.h"

#define CHECK(c) do { if (!(c)) { fprintf(stdout, "fuzz_text: %s:%d: check failed: %s\n", \
	__FILE__, __LINE__, #c); fflush(stdout); abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_result(char *r, int valid)
{
	if (!valid) {
		CHECK(r == NULL);
		return;
	}
	CHECK(r != NULL);
	CHECK(crm_text_valid_utf8(r, strlen(r)));
}

static void
idempotent(char *(*f)(const char *), const char *r)
{
	char *again = f(r);

	CHECK(again != NULL);
	CHECK(strcmp(again, r) == 0);
	free(again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *r;
	int valid, bytes_valid;
	size_t len;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	len = strlen(s);

	bytes_valid = crm_text_valid_utf8((const char *)data, size);
	CHECK(!bytes_valid || (memchr(data, 0, size) == NULL &&
	      crm_utf8_valid_prefix((const char *)data, size) == size));
	CHECK(crm_utf8_valid_prefix((const char *)data, size) <= size);
	valid = crm_text_valid_utf8(s, len);

	r = crm_text_clean(s);
	check_result(r, valid);
	if (r) {
		idempotent(crm_text_clean, r);
		free(r);
	}
	r = crm_text_fold_width(s);
	check_result(r, valid);
	if (r) {
		idempotent(crm_text_fold_width, r);
		free(r);
	}
	r = crm_text_key(s);
	check_result(r, valid);
	free(r);
	r = crm_email_normalise(s);
	if (r != NULL) {
		CHECK(valid);
		CHECK(crm_text_valid_utf8(r, strlen(r)));
		CHECK(strchr(r, '@') != NULL && strchr(r, ' ') == NULL);
		idempotent(crm_email_normalise, r);
		free(r);
	}
	if (valid)
		CHECK(crm_text_width(s) <= 2 * len);
	else
		(void)crm_text_width(s);
	free(s);
	return 0;
}
