/*
 * fuzz_date — crm_date_parse with every order, serials on and off.
 * Invariants when a parse succeeds: the time is within a day (0 without
 * one), the date is a real one in years 1..9999, and crm_date_format
 * round-trips through crm_date_parse_iso and crm_date_parse to the same day.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"

#define CHECK(c) do { if (!(c)) { fprintf(stdout, "fuzz_date: %s:%d: check failed: %s\n", \
	__FILE__, __LINE__, #c); fflush(stdout); abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum crm_date_order orders[] = { CRM_DATE_DMY, CRM_DATE_MDY, CRM_DATE_YMD };
	char *s = malloc(size + 1), iso[32], full[32];
	struct crm_datetime dt, again;
	int64_t days, y;
	size_t o;
	int serial, m, d;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	for (o = 0; o < 3; o++)
		for (serial = 0; serial < 2; serial++) {
			memset(&dt, 0x55, sizeof dt);
			if (crm_date_parse(s, orders[o], serial, &dt) != 0)
				continue;
			CHECK(dt.secs >= 0 && dt.secs < 86400);
			CHECK(dt.has_time || dt.secs == 0);
			crm_civil_from_days(dt.days, &y, &m, &d);
			CHECK(y >= 1 && y <= 9999);
			CHECK(crm_date_valid(y, m, d));
			CHECK(crm_days_from_civil(y, m, d) == dt.days);
			crm_date_format(dt.days, iso);
			CHECK(crm_date_parse_iso(iso, &days) == 0);
			CHECK(days == dt.days);
			CHECK(crm_date_parse(iso, orders[o], serial, &again) == 0);
			CHECK(again.days == dt.days && !again.has_time);
			crm_datetime_format(&dt, full);
			CHECK(crm_date_parse(full, orders[o], serial, &again) == 0);
			CHECK(again.days == dt.days && again.secs == dt.secs &&
			      again.has_time == dt.has_time);
		}
	/* The strict ISO parser on the raw input, for itself. */
	if (crm_date_parse_iso(s, &days) == 0) {
		crm_date_format(days, iso);
		CHECK(strcmp(iso, s) == 0);
	}
	free(s);
	return 0;
}
