/*
 * fuzz_csv — the CSV/TSV reader (encoding detection and conversion) and the
 * writer. Each input is read twice: with detection, and with an encoding and
 * delimiter chosen by its first byte. Every field is touched; the fields of
 * good records go through a writer variant (to /dev/null), and a plain CSV
 * writer's output read back as UTF-8 must give the same fields.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvio.h"
#include "diag.h"

#define CHECK(c) do { if (!(c)) { fprintf(stdout, "fuzz_csv: %s:%d: check failed: %s\n", \
	__FILE__, __LINE__, #c); fflush(stdout); abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;

static void
quiet(void)
{
	/* Library warnings go to the stdio stderr; fd 2 stays for the sanitizers. */
	if (devnull == NULL) {
		devnull = fopen("/dev/null", "w");
		CHECK(devnull != NULL);
		stderr = devnull;
	}
}

static FILE *
open_input(const uint8_t *data, size_t size)
{
	if (size == 0)
		return fopen("/dev/null", "rb");
	return fmemopen((void *)data, size, "rb");
}

/* A good record's fields, kept for the round trip. */
struct rows {
	char ***rows;
	size_t *n;
	size_t count;
};

static void
rows_add(struct rows *rs, const struct crm_csv_record *rec)
{
	size_t i;

	rs->rows = realloc(rs->rows, (rs->count + 1) * sizeof *rs->rows);
	rs->n = realloc(rs->n, (rs->count + 1) * sizeof *rs->n);
	CHECK(rs->rows != NULL && rs->n != NULL);
	rs->rows[rs->count] = malloc((rec->nfields ? rec->nfields : 1) * sizeof(char *));
	CHECK(rs->rows[rs->count] != NULL);
	for (i = 0; i < rec->nfields; i++)
		rs->rows[rs->count][i] = strdup(rec->fields[i]);
	rs->n[rs->count] = rec->nfields;
	rs->count++;
}

static void
rows_free(struct rows *rs)
{
	size_t r, i;

	for (r = 0; r < rs->count; r++) {
		for (i = 0; i < rs->n[r]; i++)
			free(rs->rows[r][i]);
		free(rs->rows[r]);
	}
	free(rs->rows);
	free(rs->n);
	memset(rs, 0, sizeof *rs);
}

/* Fields the CSV writer/reader pair cannot carry unchanged (documented):
 * a CR (CRLF in a quoted field reads as LF) or a leading BOM. */
static int
roundtrip_safe(const struct rows *rs)
{
	size_t r, i;

	for (r = 0; r < rs->count; r++)
		for (i = 0; i < rs->n[r]; i++)
			if (strchr(rs->rows[r][i], '\r') != NULL ||
			    (r == 0 && i == 0 && strncmp(rs->rows[r][i], "\xEF\xBB\xBF", 3) == 0))
				return 0;
	/* Output that starts like a zip or OLE2 file reads back as a workbook. */
	if (rs->count > 0 && rs->n[0] > 0 &&
	    (strncmp(rs->rows[0][0], "PK\3\4", 4) == 0 ||
	     strncmp(rs->rows[0][0], "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) == 0))
		return 0;
	return 1;
}

static void
read_all(const uint8_t *data, size_t size, const char *encoding, char delim,
         struct rows *keep)
{
	struct crm_csv_options opt = { encoding, delim, NULL };
	const struct crm_csv_record *rec;
	crm_csv_reader *r;
	FILE *fp = open_input(data, size);
	size_t i, hl, sum = 0;
	int status = 0, rc;
	long last = 0;

	CHECK(fp != NULL);
	r = crm_csv_open_stream(fp, "fuzz.csv", &opt, &status);
	if (r == NULL) {
		CHECK(status != 0);
		fclose(fp);
		return;
	}
	CHECK(crm_csv_encoding(r) != NULL);
	CHECK(strchr(",\t;", crm_csv_delimiter(r)) != NULL && crm_csv_delimiter(r) != 0);
	(void)crm_csv_name(r);
	while ((rc = crm_csv_next(r, &rec)) == 1) {
		CHECK(rec->line > last);
		last = rec->line;
		CHECK(rec->raw != NULL || rec->raw_len == 0);
		for (i = 0; i < rec->raw_len; i++)
			sum += (unsigned char)rec->raw[i];
		for (i = 0; i < rec->nfields; i++)
			sum += strlen(rec->fields[i]);
		/* An unterminated quoted field is not in fields[]: its
		 * error_field is nfields (the column it would have been). */
		if (rec->error != NULL)
			CHECK(rec->error_field >= -1 && rec->error_field <= (long)rec->nfields);
		else if (keep != NULL)
			rows_add(keep, rec);
	}
	CHECK(rc == 0);
	(void)crm_csv_raw_header(r, &hl);
	(void)sum;
	crm_csv_close(r);
	fclose(fp);
}

static void
write_rows(FILE *fp, const struct rows *rs, int tsv, int excel_safe)
{
	crm_csv_writer *w = crm_csv_writer_new(fp, "out", tsv, excel_safe);
	size_t r;

	for (r = 0; r < rs->count; r++)
		crm_csv_write_row(w, (const char *const *)rs->rows[r], rs->n[r]);
	CHECK(crm_csv_writer_close(w) == 0);
}

static void
roundtrip(const struct rows *rs)
{
	struct crm_csv_options opt = { "UTF-8", ',', NULL };
	const struct crm_csv_record *rec;
	crm_csv_reader *r;
	char *buf = NULL;
	size_t len = 0, row = 0, i;
	FILE *fp = open_memstream(&buf, &len);
	int status = 0;

	CHECK(fp != NULL);
	write_rows(fp, rs, 0, 0);
	CHECK(fclose(fp) == 0);
	fp = open_input((const uint8_t *)buf, len);
	CHECK(fp != NULL);
	r = crm_csv_open_stream(fp, "roundtrip.csv", &opt, &status);
	CHECK(r != NULL);
	while (crm_csv_next(r, &rec) == 1) {
		CHECK(row < rs->count);
		CHECK(rec->error == NULL);
		CHECK(rec->nfields == rs->n[row]);
		for (i = 0; i < rec->nfields; i++)
			CHECK(strcmp(rec->fields[i], rs->rows[row][i]) == 0);
		row++;
	}
	CHECK(row == rs->count);
	crm_csv_close(r);
	fclose(fp);
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const enc[] = { "UTF-8", "GB18030", "BIG5-HKSCS", "UTF-16LE" };
	static const char delims[] = { 0, ',', '\t', ';' };
	struct rows rs = { 0 };
	unsigned b = size ? data[0] : 0;

	quiet();
	read_all(data, size, NULL, 0, &rs);
	if (rs.count > 0) {
		write_rows(devnull, &rs, (b >> 4) & 1, (b >> 5) & 1);
		if (roundtrip_safe(&rs))
			roundtrip(&rs);
	}
	rows_free(&rs);
	read_all(data, size, enc[b & 3], delims[(b >> 2) & 3], NULL);
	return 0;
}
