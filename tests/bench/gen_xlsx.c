/*
 * gen_xlsx — the orders.csv of gen.c as a workbook, typed the way a shop's
 * Excel export is: order and customer numbers, products and statuses as
 * (shared) strings, the order time as a date-time cell, the amount as a
 * number (a binary double, as Excel stores it).
 *
 *   gen_xlsx ORDERS.CSV OUT.xlsx
 *
 * Written with libxlsxwriter; its default mode (shared strings, as Excel
 * writes them) rather than constant_memory (inline strings), so the reader
 * is measured on the common layout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xlsxwriter.h>

/* Split line at commas into at most n fields; gen.c quotes a field that
 * holds a comma or quote ("a, b" and "say ""hi"""), undone here in place. */
static size_t
split(char *line, char **f, size_t n)
{
	size_t k = 0;
	char *r = line, *w;

	line[strcspn(line, "\r\n")] = '\0';
	while (k < n) {
		f[k++] = w = r;
		if (*r == '"') {
			for (r++; *r; r++) {
				if (*r == '"' && r[1] == '"')
					r++;
				else if (*r == '"') {
					r++;
					break;
				}
				*w++ = *r;
			}
		} else {
			while (*r && *r != ',')
				*w++ = *r++;
		}
		if (*r != ',') {
			*w = '\0';
			break;
		}
		r++;
		*w = '\0';
	}
	return k;
}

int
main(int argc, char **argv)
{
	char line[1024], *f[6];
	lxw_workbook *wb;
	lxw_worksheet *ws;
	lxw_format *dt;
	lxw_row_t row = 0;
	FILE *in;
	lxw_error rc;

	if (argc != 3) {
		fprintf(stderr, "usage: gen_xlsx ORDERS.CSV OUT.xlsx\n");
		return 64;
	}
	if ((in = fopen(argv[1], "r")) == NULL) {
		perror(argv[1]);
		return 66;
	}
	wb = workbook_new(argv[2]);
	if (wb == NULL || (ws = workbook_add_worksheet(wb, "Orders")) == NULL) {
		fprintf(stderr, "gen_xlsx: cannot create %s\n", argv[2]);
		return 73;
	}
	dt = workbook_add_format(wb);
	format_set_num_format(dt, "yyyy-mm-dd hh:mm:ss");
	while (fgets(line, sizeof line, in) != NULL) {
		size_t n = split(line, f, 6);

		if (n != 6) {
			fprintf(stderr, "gen_xlsx: %s:%u: %zu fields\n", argv[1], row + 1, n);
			return 65;
		}
		if (row == 0) {
			for (lxw_col_t c = 0; c < 6; c++)
				worksheet_write_string(ws, row, c, f[c], NULL);
		} else {
			lxw_datetime t = {0};

			if (sscanf(f[2], "%d-%d-%d %d:%d:%lf", &t.year, &t.month, &t.day, &t.hour, &t.min,
			           &t.sec) != 6) {
				fprintf(stderr, "gen_xlsx: %s:%u: bad date %s\n", argv[1], row + 1, f[2]);
				return 65;
			}
			worksheet_write_string(ws, row, 0, f[0], NULL);
			worksheet_write_string(ws, row, 1, f[1], NULL);
			worksheet_write_datetime(ws, row, 2, &t, dt);
			worksheet_write_number(ws, row, 3, strtod(f[3], NULL), NULL);
			worksheet_write_string(ws, row, 4, f[4], NULL);
			worksheet_write_string(ws, row, 5, f[5], NULL);
		}
		row++;
	}
	if (ferror(in)) {
		perror(argv[1]);
		return 74;
	}
	fclose(in);
	if ((rc = workbook_close(wb)) != LXW_NO_ERROR) {
		fprintf(stderr, "gen_xlsx: %s: %s\n", argv[2], lxw_strerror(rc));
		return 74;
	}
	return 0;
}
