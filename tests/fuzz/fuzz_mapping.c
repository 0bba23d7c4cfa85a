/*
 * fuzz_mapping — header mapping: the input split on ',' (and line ends) into
 * header cells, mapped for each kind and with detection, over the default
 * configuration. Invariants: every column's field belongs to the kind, and
 * field_col points back at a column holding that field.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "mapping.h"

#define CHECK(c) do { if (!(c)) { fprintf(stdout, "fuzz_mapping: %s:%d: check failed: %s\n", \
	__FILE__, __LINE__, #c); fflush(stdout); abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct crm_config *cfg;

static void
check_mapping(const struct crm_mapping *m, size_t n, enum crm_kind asked)
{
	size_t c;
	int f;

	CHECK(m->ncols == n);
	CHECK(m->kind >= 0 && m->kind < CRM_NKINDS);
	CHECK(asked == CRM_KIND_NONE || m->kind == asked);
	for (c = 0; c < n; c++) {
		CHECK(m->headers[c] != NULL);
		CHECK(m->col_field[c] >= F_NONE && m->col_field[c] < CRM_NFIELDS);
		if (m->col_field[c] != F_NONE)
			CHECK(crm_field_in_kind(m->col_field[c], m->kind));
	}
	for (f = 0; f < CRM_NFIELDS; f++) {
		CHECK(m->field_col[f] >= -1 && m->field_col[f] < (int)n);
		if (m->field_col[f] >= 0)
			CHECK(m->col_field[m->field_col[f]] == (enum crm_field)f);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, **cells, *p;
	size_t n = 1, i, k;
	int kind;
	struct crm_mapping *m;

	if (cfg == NULL) {
		FILE *devnull = fopen("/dev/null", "w");

		CHECK(devnull != NULL);
		stderr = devnull; /* warnings; fd 2 stays for the sanitizers */
		cfg = crm_config_defaults();
	}
	s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	for (i = 0; i < size; i++)
		n += s[i] == ',';
	cells = malloc(n * sizeof *cells);
	if (cells == NULL) {
		free(s);
		return 0;
	}
	for (p = s, k = 0; k < n; k++) {
		cells[k] = p;
		p += strcspn(p, ",");
		if (*p == ',')
			*p++ = '\0';
	}
	/* An embedded NUL ends a cell early; the rest of it is ignored. */
	for (kind = CRM_KIND_NONE; kind < CRM_NKINDS; kind++) {
		m = crm_mapping_new((const char *const *)cells, n, (enum crm_kind)kind, cfg,
		                    "fuzz.csv");
		if (m != NULL) {
			check_mapping(m, n, (enum crm_kind)kind);
			crm_mapping_free(m);
		}
	}
	(void)crm_kind_parse(s);
	(void)crm_field_parse(s);
	free(cells);
	free(s);
	return 0;
}
