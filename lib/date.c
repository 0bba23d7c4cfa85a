/*
 * date.c — parsing dates and times as people and spreadsheets write them,
 * and the civil-calendar arithmetic under them.
 *
 * Day numbers count from 1970-01-01 in the proleptic Gregorian calendar; the
 * conversions are Howard Hinnant's era-based algorithms, done in int64_t with
 * the inputs clamped so that no input can overflow.
 *
 * The parser reads the width-folded, white-space-collapsed text (lib/text)
 * left to right with a cursor: a bare number (YYYYMMDD, YYYYMMDDHHMMSS or an
 * Excel serial), else an optional weekday name and "民國", a date in one of
 * the numeric, CJK or month-name forms, then an optional time and zone.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "date.h"
#include "text.h"

/* Largest |year| the civil conversions take; beyond it they clamp (no CRM
 * date is anywhere near, and it keeps every product inside int64_t). */
#define YEAR_LIMIT INT64_C(1000000000000)
/* Largest |days| crm_civil_from_days takes before clamping. */
#define DAYS_LIMIT (INT64_MAX / 4)
/* Excel serial of 9999-12-31, the last date Excel shows. */
#define SERIAL_MAX 2958465
/* Excel's day 0 for serials >= 61 is 1899-12-30 (serial 25569 = 1970-01-01). */
#define SERIAL_EPOCH 25569
/* ROC (Minguo) year 1 is 1912. */
#define ROC_OFFSET 1911

int64_t
crm_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe, mm = m, dd = d;

	if (y > YEAR_LIMIT)
		y = YEAR_LIMIT;
	if (y < -YEAR_LIMIT)
		y = -YEAR_LIMIT;
	/* month and day are not checked, but must not overflow either */
	if (mm < -1000 || mm > 1000)
		mm = 1;
	if (dd < -100000 || dd > 100000)
		dd = 1;
	y -= mm <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (mm > 2 ? mm - 3 : mm + 9) + 2) / 5 + dd - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
crm_civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
	int64_t z, era, doe, yoe, doy, mp, yy;

	if (days > DAYS_LIMIT)
		days = DAYS_LIMIT;
	if (days < -DAYS_LIMIT)
		days = -DAYS_LIMIT;
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	yy = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yy + (*m <= 2);
}

static bool
leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Real dates are years 1..9999: what a four-digit year can say. */
int
crm_date_valid(int64_t y, int m, int d)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1)
		return 0;
	if (m == 2 && leap(y))
		return d <= 29;
	return d <= mdays[m - 1];
}

/* Write v as exactly w decimal digits (v >= 0, fits). */
static char *
put_digits(char *p, int64_t v, int w)
{
	int i;

	for (i = w - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + w;
}

/* Days outside years 0000..9999 print as "0000-00-00": the output is fixed
 * width and an impossible date is easy to spot. */
void
crm_date_format(int64_t days, char *out)
{
	int64_t y;
	int m, d;
	char *p = out;

	crm_civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999)
		y = 0, m = 0, d = 0;
	p = put_digits(p, y, 4);
	*p++ = '-';
	p = put_digits(p, m, 2);
	*p++ = '-';
	p = put_digits(p, d, 2);
	*p = '\0';
}

void
crm_datetime_format(const struct crm_datetime *dt, char *out)
{
	int s = dt->secs;
	char *p;

	crm_date_format(dt->days, out);
	if (!dt->has_time)
		return;
	if (s < 0)
		s = 0;
	if (s > 86399)
		s = 86399;
	p = out + 10;
	*p++ = ' ';
	p = put_digits(p, s / 3600, 2);
	*p++ = ':';
	p = put_digits(p, s / 60 % 60, 2);
	*p++ = ':';
	p = put_digits(p, s % 60, 2);
	*p = '\0';
}

static bool
isdig(char c)
{
	return c >= '0' && c <= '9';
}

static bool
isalph(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Read a run of digits at *p into *v; returns how many (0 when none). Runs
 * longer than 18 digits are read but their value is meaningless: callers
 * check the count first. */
static int
num(const char **p, int64_t *v)
{
	int n = 0;

	*v = 0;
	while (isdig(**p)) {
		if (n < 18)
			*v = *v * 10 + (**p - '0');
		n++;
		(*p)++;
	}
	return n;
}

/* Consume literal m at *p (ASCII letters case-insensitively). */
static bool
lit(const char **p, const char *m)
{
	size_t n = strlen(m);

	if (strncasecmp(*p, m, n) != 0)
		return false;
	*p += n;
	return true;
}

static void
skip_space(const char **p)
{
	while (**p == ' ')
		(*p)++;
}

/* Two-digit years: 00..69 are 2000..2069, 70..99 are 1970..1999. */
static int64_t
pivot(int64_t y)
{
	return y < 70 ? 2000 + y : 1900 + y;
}

/* Month name (English, full or three letters, "Sept") at *p: 1..12, or 0. */
static int
month_name(const char **p)
{
	static const char *const names[] = {
		"january", "february", "march", "april", "may", "june", "july",
		"august", "september", "october", "november", "december",
	};
	const char *s = *p;
	size_t n = 0, i;

	while (isalph(s[n]))
		n++;
	if (n < 3)
		return 0;
	for (i = 0; i < 12; i++) {
		if ((n == 3 || n == strlen(names[i])) &&
		    strncasecmp(s, names[i], n) == 0)
			break;
		if (i == 8 && n == 4 && strncasecmp(s, "sept", 4) == 0)
			break;
	}
	if (i == 12)
		return 0;
	*p = s + n;
	if (**p == '.')
		(*p)++;
	return (int)i + 1;
}

/* Skip a leading English weekday name and the comma or space after it. */
static void
skip_weekday(const char **p)
{
	static const char *const names[] = {
		"monday", "tuesday", "wednesday", "thursday", "friday",
		"saturday", "sunday",
	};
	const char *s = *p;
	size_t n = 0, i;

	while (isalph(s[n]))
		n++;
	if (n < 3)
		return;
	for (i = 0; i < 7; i++) {
		if ((n == 3 || n == strlen(names[i])) &&
		    strncasecmp(s, names[i], n) == 0) {
			s += n;
			if (*s == '.')
				s++;
			if (*s == ',')
				s++;
			skip_space(&s);
			*p = s;
			return;
		}
	}
}

/* A year written with n digits at the end of a date: 2 (pivot) or 4. */
static bool
trailing_year(int n, int64_t v, int64_t *y)
{
	if (n == 4)
		*y = v;
	else if (n == 2)
		*y = pivot(v);
	else
		return false;
	return true;
}

/* CJK markers, as UTF-8. */
#define NIAN  "\xE5\xB9\xB4"             /* 年 */
#define YUE   "\xE6\x9C\x88"             /* 月 */
#define RI    "\xE6\x97\xA5"             /* 日 */
#define HAO   "\xE5\x8F\xB7"             /* 号 */
#define HAO_T "\xE8\x99\x9F"             /* 號 */
#define MINGUO   "\xE6\xB0\x91\xE5\x9C\x8B" /* 民國 */
#define MINGUO_S "\xE6\xB0\x91\xE5\x9B\xBD" /* 民国 */
#define SHANGWU "\xE4\xB8\x8A\xE5\x8D\x88" /* 上午 */
#define XIAWU   "\xE4\xB8\x8B\xE5\x8D\x88" /* 下午 */
#define ZHONGWU "\xE4\xB8\xAD\xE5\x8D\x88" /* 中午 */
#define WANSHANG "\xE6\x99\x9A\xE4\xB8\x8A" /* 晚上 */

/*
 * A date starting with digits: Y-M-D with '-', '/' or '.', Y年M月D日,
 * D/M/Y or M/D/Y or Y/M/D by order, D Mon Y. A leading 3-digit year, or any
 * year after 民國, is an ROC year.
 */
static int
numeric_date(const char **pp, enum crm_date_order order, bool roc,
    int64_t *y, int *m, int *d)
{
	const char *p = *pp, *q;
	int64_t a, b, c;
	int n1, n2, n3, mon;
	char sep;
	bool cjk = false;

	n1 = num(&p, &a);
	if (n1 == 0)
		return -1;

	/* D Mon Y, D-Mon-Y */
	if ((*p == ' ' || *p == '-' || *p == '/' || *p == '.') && isalph(p[1])) {
		if (roc || n1 > 2)
			return -1;
		p++;
		if ((mon = month_name(&p)) == 0)
			return -1;
		if (*p == ',')
			p++;
		if (*p == ' ' || *p == '-' || *p == '/')
			p++;
		n3 = num(&p, &c);
		if (!trailing_year(n3, c, y))
			return -1;
		*m = mon;
		*d = (int)a;
		*pp = p;
		return 0;
	}

	q = p;
	skip_space(&q);
	if (lit(&q, NIAN)) {
		p = q;
		cjk = true;
		sep = 0;
		skip_space(&p);
	} else if (*p == '-' || *p == '/' || *p == '.') {
		sep = *p++;
	} else {
		return -1;
	}
	n2 = num(&p, &b);
	if (n2 < 1 || n2 > 2)
		return -1;
	if (cjk) {
		skip_space(&p);
		if (!lit(&p, YUE))
			return -1;
		skip_space(&p);
	} else if (*p++ != sep) {
		return -1;
	}
	n3 = num(&p, &c);
	if (n3 < 1 || n3 > 4)
		return -1;
	if (cjk) {
		if (n3 > 2)
			return -1;
		skip_space(&p);
		if (!lit(&p, RI) && !lit(&p, HAO))
			(void)lit(&p, HAO_T);
	}

	if (roc || n1 == 3) {
		/* ROC year: 1..3 digits after 民國, exactly 3 without it. */
		if (n1 > 3 || a < 1 || (!roc && a > 200) || n3 > 2)
			return -1;
		*y = a + ROC_OFFSET;
		*m = (int)b;
		*d = (int)c;
	} else if (n1 == 4) {
		if (n3 > 2)
			return -1;
		*y = a;
		*m = (int)b;
		*d = (int)c;
	} else if (cjk) {
		if (n1 != 2 || n3 > 2)
			return -1;
		*y = pivot(a);
		*m = (int)b;
		*d = (int)c;
	} else if (n1 <= 2 && n3 == 4) {
		/* The year is plainly last; only M/D against D/M is open, and
		 * YMD order (no opinion) reads it day first. */
		*y = c;
		*m = (int)(order == CRM_DATE_MDY ? a : b);
		*d = (int)(order == CRM_DATE_MDY ? b : a);
	} else if (n1 <= 2 && n3 <= 2) {
		if (order == CRM_DATE_YMD) {
			if (n1 != 2)
				return -1;
			*y = pivot(a);
			*m = (int)b;
			*d = (int)c;
		} else {
			if (n3 != 2)
				return -1;
			*y = pivot(c);
			*m = (int)(order == CRM_DATE_MDY ? a : b);
			*d = (int)(order == CRM_DATE_MDY ? b : a);
		}
	} else {
		return -1;
	}
	*pp = p;
	return 0;
}

/* Mon D, Y and Mon D Y ("Mar 5, 2024", "March 5th 2024", "Mar-05-2024"). */
static int
name_date(const char **pp, int64_t *y, int *m, int *d)
{
	const char *p = *pp;
	int64_t a, c;
	int mon, n;

	if ((mon = month_name(&p)) == 0)
		return -1;
	if (*p == ' ' || *p == '-' || *p == '/')
		p++;
	n = num(&p, &a);
	if (n < 1 || n > 2)
		return -1;
	if (!lit(&p, "st") && !lit(&p, "nd") && !lit(&p, "rd"))
		(void)lit(&p, "th");
	if (*p == ',')
		p++;
	if (*p == ' ' || *p == '-' || *p == '/')
		p++;
	n = num(&p, &c);
	if (!trailing_year(n, c, y))
		return -1;
	*m = mon;
	*d = (int)a;
	*pp = p;
	return 0;
}

/* A zone suffix, accepted and ignored: Z, UTC, GMT, +08, +0800, +08:00. */
static void
skip_zone(const char **pp)
{
	const char *p = *pp;
	int64_t v;
	int n;

	skip_space(&p);
	if (*p == 'Z' || *p == 'z') {
		*pp = p + 1;
		return;
	}
	if (lit(&p, "UTC") || lit(&p, "GMT"))
		*pp = p;
	if (*p == '+' || *p == '-') {
		p++;
		n = num(&p, &v);
		if ((n == 1 || n == 2) && *p == ':') {
			p++;
			if (num(&p, &v) != 2)
				return;
		} else if (n < 1 || n == 3 || n > 4) {
			return;
		}
		*pp = p;
	}
}

/*
 * An optional time after a date: [T| ][上午|下午] H:MM[:SS[.frac]] [AM|PM]
 * [zone]. Returns 0 and fills *secs and *has when the rest of the text is a
 * time (or nothing), -1 otherwise.
 */
static int
time_tail(const char *p, int *secs, bool *has)
{
	int64_t h, mi, s = 0, v;
	int n, half = 0; /* 1 am, 2 pm */

	*secs = 0;
	*has = false;
	skip_space(&p);
	if (*p == '\0')
		return 0;
	if ((*p == 'T' || *p == 't') && isdig(p[1]))
		p++;
	if (lit(&p, SHANGWU))
		half = 1;
	else if (lit(&p, XIAWU) || lit(&p, WANSHANG) || lit(&p, ZHONGWU))
		half = 2;
	skip_space(&p);
	n = num(&p, &h);
	if (n < 1 || n > 2 || *p++ != ':')
		return -1;
	if (num(&p, &mi) != 2)
		return -1;
	if (*p == ':') {
		p++;
		if (num(&p, &s) != 2)
			return -1;
		/* fractional seconds are truncated */
		if ((*p == '.' || *p == ',') && isdig(p[1])) {
			p++;
			(void)num(&p, &v);
		}
	}
	skip_space(&p);
	if (half == 0) {
		if (lit(&p, "a.m.") || lit(&p, "am"))
			half = 1;
		else if (lit(&p, "p.m.") || lit(&p, "pm"))
			half = 2;
	}
	skip_zone(&p);
	skip_space(&p);
	if (*p != '\0')
		return -1;
	if (half != 0) {
		/* 12 AM is midnight, 12 PM noon */
		if (h < 1 || h > 12)
			return -1;
		h = h % 12 + (half == 2 ? 12 : 0);
	}
	if (h > 23 || mi > 59 || s > 59)
		return -1;
	*secs = (int)(h * 3600 + mi * 60 + s);
	*has = true;
	return 0;
}

/*
 * A text of digits only, with an optional fraction: YYYYMMDD,
 * YYYYMMDDHHMMSS, or (when allowed) an Excel 1900-system serial.
 */
static int
bare_number(const char *p, bool allow_serial, struct crm_datetime *out)
{
	int64_t v, f = 0, y, fd = 1, secs, days;
	int n, nf = 0;
	const char *q = p;

	n = num(&q, &v);
	if (*q == '.') {
		q++;
		/* Excel writes at most 15 significant digits; 12 fraction
		 * digits resolve far below a second. */
		while (isdig(*q)) {
			if (nf < 12) {
				f = f * 10 + (*q - '0');
				fd *= 10;
			}
			nf++;
			q++;
		}
		if (nf == 0)
			return -1;
	}
	if (*q != '\0')
		return -1;
	if (nf == 0 && n == 8) {
		y = v / 10000;
		if (!crm_date_valid(y, (int)(v / 100 % 100), (int)(v % 100)))
			return -1;
		out->days = crm_days_from_civil(y, (int)(v / 100 % 100), (int)(v % 100));
		return 0;
	}
	if (nf == 0 && n == 14) {
		int64_t d8 = v / 1000000, t = v % 1000000;

		y = d8 / 10000;
		if (!crm_date_valid(y, (int)(d8 / 100 % 100), (int)(d8 % 100)) ||
		    t / 10000 > 23 || t / 100 % 100 > 59 || t % 100 > 59)
			return -1;
		out->days = crm_days_from_civil(y, (int)(d8 / 100 % 100), (int)(d8 % 100));
		out->secs = (int)(t / 10000 * 3600 + t / 100 % 100 * 60 + t % 100);
		out->has_time = true;
		return 0;
	}
	if (!allow_serial || n > 7 || v < 1 || v > SERIAL_MAX)
		return -1;
	/* Serial 60 is Lotus's 1900-02-29, which never was; serials 1..59 are
	 * one day off from those after it. */
	if (v == 60)
		return -1;
	days = v < 60 ? v - (SERIAL_EPOCH - 1) : v - SERIAL_EPOCH;
	if (nf > 0) {
		/* round to the nearest second: 14:30 is 0.604166666667 */
		secs = (f * 86400 + fd / 2) / fd;
		if (secs >= 86400) {
			secs -= 86400;
			days++;
		}
		out->secs = (int)secs;
		out->has_time = true;
	}
	out->days = days;
	return 0;
}

static int
parse(const char *p, enum crm_date_order order, bool allow_serial,
    struct crm_datetime *out)
{
	int64_t y;
	int m, d;
	bool roc = false;
	const char *q;

	if (*p == '\0')
		return -1;
	/* digits with at most one '.': not 2024.3.5 */
	for (q = p; isdig(*q); q++)
		;
	if (*q == '.')
		for (q++; isdig(*q); q++)
			;
	if (*q == '\0' && isdig(*p))
		return bare_number(p, allow_serial, out);

	skip_weekday(&p);
	if (lit(&p, MINGUO) || lit(&p, MINGUO_S)) {
		roc = true;
		skip_space(&p);
	}
	if (isdig(*p)) {
		/* 20240305 14:30, 20240305T1430 is not taken */
		for (q = p; isdig(*q); q++)
			;
		if (!roc && q - p == 8 && (*q == ' ' || *q == 'T')) {
			int64_t v;

			(void)num(&p, &v);
			y = v / 10000;
			m = (int)(v / 100 % 100);
			d = (int)(v % 100);
		} else if (numeric_date(&p, order, roc, &y, &m, &d) != 0) {
			return -1;
		}
	} else if (roc || name_date(&p, &y, &m, &d) != 0) {
		return -1;
	}
	if (!crm_date_valid(y, m, d))
		return -1;
	if (time_tail(p, &out->secs, &out->has_time) != 0)
		return -1;
	out->days = crm_days_from_civil(y, m, d);
	return 0;
}

/* Does the text write a ROC year: 民國/民国, or a leading three-digit year? */
static bool
uses_roc(const char *f)
{
	size_t n = 0;

	if (strstr(f, MINGUO) != NULL || strstr(f, MINGUO_S) != NULL)
		return true;
	while (f[n] >= '0' && f[n] <= '9')
		n++;
	return n == 3 && f[n] != '\0';
}

int
crm_date_parse(const char *s, enum crm_date_order order, bool allow_serial,
               struct crm_datetime *out)
{
	struct crm_datetime dt = { 0, 0, false };
	char *f;
	int r;
	int64_t days;

	size_t len = s ? strlen(s) : 0;
	char day[11];

	/* Fast paths for the forms machines write: "YYYY-MM-DD" and
	 * "YYYY-MM-DD HH:MM:SS". */
	if (len == 10 && crm_date_parse_iso(s, &days) == 0) {
		if (out != NULL)
			*out = (struct crm_datetime){ days, 0, false };
		return 0;
	}
	if (len == 19 && s[10] == ' ' && s[13] == ':' && s[16] == ':' && isdig(s[11]) &&
	    isdig(s[12]) && isdig(s[14]) && isdig(s[15]) && isdig(s[17]) && isdig(s[18])) {
		int hh = (s[11] - '0') * 10 + (s[12] - '0');
		int mi = (s[14] - '0') * 10 + (s[15] - '0');
		int ss = (s[17] - '0') * 10 + (s[18] - '0');

		memcpy(day, s, 10);
		day[10] = '\0';
		if (hh < 24 && mi < 60 && ss < 60 && crm_date_parse_iso(day, &days) == 0) {
			if (out != NULL)
				*out = (struct crm_datetime){ days, hh * 3600 + mi * 60 + ss, true };
			return 0;
		}
	}
	if (s == NULL || (f = crm_text_fold_width(s)) == NULL)
		return -1;
	if ((int)order & CRM_DATE_NO_ROC) {
		order = (enum crm_date_order)((int)order & ~CRM_DATE_NO_ROC);
		if (uses_roc(f)) {
			free(f);
			return -1;
		}
	}
	r = parse(f, order, allow_serial, &dt);
	free(f);
	if (r == 0 && out != NULL)
		*out = dt;
	return r;
}

int
crm_date_parse_iso(const char *s, int64_t *days)
{
	int i, y, m, d;

	if (s == NULL)
		return -1;
	for (i = 0; i < 10; i++) {
		if (i == 4 || i == 7) {
			if (s[i] != '-')
				return -1;
		} else if (!isdig(s[i])) {
			return -1;
		}
	}
	if (s[10] != '\0')
		return -1;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (!crm_date_valid(y, m, d))
		return -1;
	if (days != NULL)
		*days = crm_days_from_civil(y, m, d);
	return 0;
}
