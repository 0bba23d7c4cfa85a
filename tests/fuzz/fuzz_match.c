/*
 * fuzz_match — crm-dedupe's folding and similarity over two strings (the
 * input split at its first newline). Invariants: folding a valid UTF-8 text
 * gives valid UTF-8 (NULL exactly for invalid input); Jaro-Winkler is in
 * [0, 1] and 1 for a string with itself; the OSA distance is symmetric, 0
 * for a string with itself and within its limit + 1; every level is one of
 * the defined ones.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"
#include "text.h"

#define CHECK(c) do { if (!(c)) { fprintf(stdout, "fuzz_match: %s:%d: check failed: %s\n", \
	__FILE__, __LINE__, #c); fflush(stdout); abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
folded(char *(*f)(const char *), const char *s, int valid, char **out)
{
	char *r = f(s);

	if (!valid) {
		CHECK(r == NULL);
		*out = NULL;
		return;
	}
	CHECK(r != NULL);
	CHECK(crm_text_valid_utf8(r, strlen(r)));
	*out = r;
}

static int
level_ok(enum crm_level l)
{
	return l >= CRM_LEVEL_NULL && l < CRM_NLEVELS;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *a, *b, *nl;
	char *ka, *kb, *la, *lb, *ca;
	int va, vb;
	double jw;

	if (buf == NULL || size > 4096) {
		free(buf);
		return 0;
	}
	memcpy(buf, data, size);
	buf[size] = '\0';
	a = buf;
	nl = strchr(buf, '\n');
	b = nl != NULL ? (*nl = '\0', nl + 1) : buf + strlen(buf);
	va = crm_text_valid_utf8(a, strlen(a));
	vb = crm_text_valid_utf8(b, strlen(b));

	folded(crm_match_fold, a, va, &ka);
	folded(crm_match_fold, b, vb, &kb);
	folded(crm_match_latin, a, va, &la);
	folded(crm_match_latin, b, vb, &lb);
	folded(crm_match_company, a, va, &ca);
	if (va && vb) {
		jw = crm_jaro_winkler(ka, kb);
		CHECK(jw >= 0.0 && jw <= 1.0 + 1e-12);
		CHECK(crm_jaro_winkler(ka, ka) >= 1.0 - 1e-12);
		for (int limit = 0; limit < 4; limit++) {
			int d = crm_osa_distance(ka, kb, limit);

			CHECK(d >= 0 && d <= limit + 1);
			CHECK(d == crm_osa_distance(kb, ka, limit));
			CHECK(crm_osa_distance(ka, ka, limit) == 0);
		}
		CHECK(level_ok(crm_match_name(ka, la, kb, lb)));
		CHECK(crm_match_name(ka, la, ka, la) == (*ka ? CRM_LEVEL_EXACT : CRM_LEVEL_NULL));
		CHECK(level_ok(crm_match_string(ka, kb)));
		CHECK(level_ok(crm_match_date(a, b)));
	}
	free(ka), free(kb), free(la), free(lb), free(ca);
	free(buf);
	return 0;
}
