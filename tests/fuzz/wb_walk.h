/*
 * wb_walk.h — what fuzz_xlsx and fuzz_xls do with a workbook that opened:
 * list every sheet's size, then read the default sheet and each sheet by
 * name and by number, checking the reader's promises on every row.
 */
#ifndef WB_WALK_H
#define WB_WALK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "workbook.h"

#define CHECK(c) do { if (!(c)) { fprintf(stdout, "%s:%d: check failed: %s\n", \
	__FILE__, __LINE__, #c); fflush(stdout); abort(); } } while (0)

/* Read the selected sheet through: rows grow, cells are UTF-8, the error
 * names a cell of the row. */
static void
walk_rows(crm_wb *wb)
{
	const struct crm_wb_row *row;
	long last = 0;
	int rc;

	while ((rc = crm_wb_next(wb, &row)) == 1) {
		CHECK(row->ncells > 0 && row->ncells <= 16384);
		CHECK(row->row >= 1 && row->row <= 1048576);
		/* Title rows are held back, so only the rows after them must grow. */
		if (last > 0)
			CHECK(row->row > last || row->row <= 5);
		last = row->row;
		CHECK(row->cells[row->ncells - 1][0] != '\0' || row->error_col == (long)row->ncells - 1);
		for (size_t i = 0; i < row->ncells; i++) {
			size_t n = strlen(row->cells[i]);

			CHECK(crm_utf8_valid_prefix(row->cells[i], n) == n);
		}
		if (row->error != NULL) {
			CHECK(strncmp(row->error, "sheet '", 7) == 0);
			CHECK(row->error_col >= 0 && (size_t)row->error_col < row->ncells);
		} else
			CHECK(row->error_col == -1);
	}
	CHECK(rc == 0 || rc == -1);
}

static void
walk(crm_wb *wb)
{
	size_t n = crm_wb_sheet_count(wb);
	long rows, cols;
	char num[16];

	CHECK(n > 0);
	for (size_t i = 0; i < n && i < 8; i++) {
		if (crm_wb_sheet_size(wb, i, &rows, &cols) == 0)
			CHECK(rows >= 0 && cols >= 0 && cols <= 16384 && rows <= 1048576);
	}
	if (crm_wb_select(wb, NULL) == 0)
		walk_rows(wb);
	for (size_t i = 0; i < n && i < 8; i++) {
		const char *name = crm_wb_sheet_name(wb, i);
		int rc;

		CHECK(name != NULL);
		rc = crm_wb_select(wb, name);
		CHECK(rc == 0 || rc == 65);
		if (rc == 0)
			walk_rows(wb);
		snprintf(num, sizeof num, "%zu", i + 1);
		rc = crm_wb_select(wb, num);
		CHECK(rc == 0 || rc == 65 || rc == 64);  /* 64: a sheet named like a number */
	}
	CHECK(crm_wb_select(wb, "no such sheet \x01") == 64);
}

#endif
