/*
 * date — calendar dates and times as people and spreadsheets write them.
 *
 * Days are counted from 1970-01-01 (day 0), proleptic Gregorian, so date
 * arithmetic is integer arithmetic. Accepted forms (surrounding white space
 * ignored, full-width digits folded): 2024-03-05, 2024/3/5, 2024.3.5,
 * 20240305, 2024年3月5日, 民國113年3月5日 / 113/3/5 (a year after 民國, or
 * any leading three-digit year 1..200, is an ROC year: + 1911), 05/03/2024
 * and 5-3-24 (order from crm_date_order; YMD order reads a D/M/YYYY-shaped
 * date day first), two-digit years 00..69 as 20xx and 70..99 as 19xx,
 * 5 Mar 2024, Mar 5, 2024, Excel serial day numbers (1900 system, e.g.
 * 45356 or 45356.5), ISO 8601 with "T", and any of these followed by a time
 * (HH:MM, HH:MM:SS, optional fractional seconds, optional AM/PM or 上午/下午).
 * Time-zone suffixes (Z, +08:00) are accepted and ignored: times are local.
 * Also YYYYMMDDHHMMSS and a leading English weekday ("Tue, 5 Mar 2024").
 * A bare 8-digit number is always YYYYMMDD, never a serial. Serials count
 * from 1899-12-30 (serial 25569 is 1970-01-01) for 61 and up, and from
 * 1899-12-31 for 1..59; serial 60, Lotus's 1900-02-29, is rejected. A
 * fraction is the time of day, rounded to the second; fractional seconds
 * written in a time are truncated. Valid years are 1..9999.
 */
#ifndef CRM_DATE_H
#define CRM_DATE_H

#include <stdbool.h>
#include <stdint.h>

enum crm_date_order {
	CRM_DATE_DMY, /* 05/03/2024 is 5 March (most of the world) */
	CRM_DATE_MDY, /* 05/03/2024 is 3 May (US) */
	CRM_DATE_YMD, /* 24/03/05 is 2024-03-05 */
};

/* Or'ed into the order: refuse ROC (民國) years, for businesses whose exports
 * never use them (config roc_years: false): "113/3/5" is then an error rather
 * than 2024-03-05. */
#define CRM_DATE_NO_ROC 0x100

struct crm_datetime {
	int64_t days;  /* days since 1970-01-01 */
	int secs;      /* seconds since midnight, 0 when no time was given */
	bool has_time; /* a time of day was given */
};

/* Parse s. Returns 0 on success, -1 when s is not a date (including an
 * impossible one such as 2024-02-30 or 2024-13-40). Excel serials are
 * accepted only for values 1..2958465 and only when allow_serial is true. */
int crm_date_parse(const char *s, enum crm_date_order order, bool allow_serial,
                   struct crm_datetime *out);

/* Days since 1970-01-01 for a civil date; month 1..12, day 1..31 (not checked).
 * Years beyond +-10^12 are clamped, so no input overflows. */
int64_t crm_days_from_civil(int64_t y, int m, int d);
/* Civil date of a day number. */
void crm_civil_from_days(int64_t days, int64_t *y, int *m, int *d);
/* 1 when y-m-d is a real date. */
int crm_date_valid(int64_t y, int m, int d);

/* "YYYY-MM-DD" into out (at least 11 bytes); days outside years 0..9999
 * print as "0000-00-00". */
void crm_date_format(int64_t days, char *out);
/* "YYYY-MM-DD HH:MM:SS" or, without a time, "YYYY-MM-DD" (out >= 20 bytes). */
void crm_datetime_format(const struct crm_datetime *dt, char *out);

/* Parse a strict ISO "YYYY-MM-DD" (as used on command lines, --as-of) into
 * days; -1 on anything else. */
int crm_date_parse_iso(const char *s, int64_t *days);

#endif
