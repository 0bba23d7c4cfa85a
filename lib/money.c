/*
 * money.c — amounts of money as exports write them, into integer minor units.
 *
 * The text is width-folded and cleaned (lib/text), then read in three parts:
 * what comes before the number (a sign, "(", a currency marker), the number
 * itself (digits and the separators . , space and '), and what comes after
 * (a marker, a trailing "-", ")"). The number is then split at its decimal
 * mark by the rule in money.h and its digits accumulated into an int64_t
 * with an overflow check at every step: no float is ever involved.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "diag.h"
#include "money.h"
#include "text.h"

/* Longest number text we look at; an int64_t has 19 digits, so anything
 * longer (even with separators) cannot be a valid amount. */
#define MAXNUM 64

/* Currency markers, tried in order, so a longer marker comes before any
 * marker it contains ("NT$" before "$", "港元" before "元"). ASCII letters
 * match case-insensitively. A bare "$" names no currency: it is used for
 * too many dollars, so the caller's default applies. "¥" and "元" are read
 * as CNY, the usage of mainland exports; "JP¥", "円" and "日元" are JPY. */
static const struct marker {
	const char *text;
	const char *code;
} markers[] = {
	{ "NT$", "TWD" }, { "HK$", "HKD" }, { "US$", "USD" },
	{ "JP\xC2\xA5", "JPY" }, { "CN\xC2\xA5", "CNY" },
	{ "RMB", "CNY" }, { "CNY", "CNY" }, { "NTD", "TWD" }, { "TWD", "TWD" },
	{ "HKD", "HKD" }, { "USD", "USD" }, { "EUR", "EUR" }, { "GBP", "GBP" },
	{ "JPY", "JPY" },
	{ "\xE4\xBA\xBA\xE6\xB0\x91\xE5\xB8\x81", "CNY" }, /* 人民币 */
	{ "\xE4\xBA\xBA\xE6\xB0\x91\xE5\xB9\xA3", "CNY" }, /* 人民幣 */
	{ "\xE6\x96\xB0\xE5\x8F\xB0\xE5\xB9\xA3", "TWD" }, /* 新台幣 */
	{ "\xE6\x96\xB0\xE8\x87\xBA\xE5\xB9\xA3", "TWD" }, /* 新臺幣 */
	{ "\xE6\x96\xB0\xE5\x8F\xB0\xE5\xB8\x81", "TWD" }, /* 新台币 */
	{ "\xE6\xB8\xAF\xE5\xB8\x81", "HKD" },             /* 港币 */
	{ "\xE6\xB8\xAF\xE5\xB9\xA3", "HKD" },             /* 港幣 */
	{ "\xE6\xB8\xAF\xE5\x85\x83", "HKD" },             /* 港元 */
	{ "\xE7\xBE\x8E\xE5\x85\x83", "USD" },             /* 美元 */
	{ "\xE7\xBE\x8E\xE9\x87\x91", "USD" },             /* 美金 */
	{ "\xE6\x97\xA5\xE5\x85\x83", "JPY" },             /* 日元 */
	{ "\xE6\x97\xA5\xE5\x9C\x93", "JPY" },             /* 日圓 */
	{ "\xE5\x86\x86", "JPY" },                         /* 円 */
	{ "\xE5\x85\x83", "CNY" },                         /* 元 */
	{ "\xE5\x9D\x97", "CNY" },                         /* 块 */
	{ "\xC2\xA5", "CNY" },                             /* ¥ */
	{ "\xEF\xBF\xA5", "CNY" },                         /* ￥ */
	{ "\xE2\x82\xAC", "EUR" },                         /* € */
	{ "\xC2\xA3", "GBP" },                             /* £ */
	{ "$", "" },
};

/* ISO 4217 currencies whose minor unit is not the usual 2 digits. */
static const struct {
	char code[4];
	int digits;
} minor_table[] = {
	{ "JPY", 0 }, { "KRW", 0 }, { "VND", 0 }, { "CLP", 0 }, { "ISK", 0 },
	{ "PYG", 0 }, { "UGX", 0 }, { "XAF", 0 }, { "XOF", 0 }, { "XPF", 0 },
	{ "KMF", 0 }, { "GNF", 0 }, { "RWF", 0 }, { "VUV", 0 }, { "DJF", 0 },
	{ "BIF", 0 },
	{ "BHD", 3 }, { "KWD", 3 }, { "OMR", 3 }, { "JOD", 3 }, { "TND", 3 },
	{ "LYD", 3 }, { "IQD", 3 },
};

int
crm_money_minor_digits(const char *currency)
{
	size_t i;

	if (currency == NULL)
		return 2;
	/* The common cases without the table walk: called once per amount. */
	if (strcmp(currency, "CNY") == 0 || strcmp(currency, "USD") == 0 ||
	    strcmp(currency, "TWD") == 0 || strcmp(currency, "HKD") == 0 ||
	    strcmp(currency, "EUR") == 0)
		return 2;
	for (i = 0; i < sizeof minor_table / sizeof minor_table[0]; i++)
		if (strcasecmp(minor_table[i].code, currency) == 0)
			return minor_table[i].digits;
	return 2;
}

/* Marker at p: its length, and its code in *code; 0 when none. */
static size_t
match_marker(const char *p, const char **code)
{
	size_t i, n;

	for (i = 0; i < sizeof markers / sizeof markers[0]; i++) {
		n = strlen(markers[i].text);
		if (strncasecmp(p, markers[i].text, n) == 0) {
			*code = markers[i].code;
			return n;
		}
	}
	return 0;
}

/* A minus sign at p ('-' or U+2212): its length, or 0. */
static size_t
minus(const char *p)
{
	if (*p == '-')
		return 1;
	if (strncmp(p, "\xE2\x88\x92", 3) == 0)
		return 3;
	return 0;
}

static bool
isdig(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Check number text t (digits and separators) with decimal mark dec (0 for
 * none): at most one decimal mark, only digits after it, and before it
 * digits optionally grouped in threes by one kind of separator. On success
 * copies the integer digits to intd (count in *in) and points *fp at the
 * fraction digits (count in *fn).
 */
static bool
split_number(const char *t, char dec, char *intd, size_t *in, const char **fp,
    size_t *fn)
{
	const char *d = dec ? strchr(t, dec) : NULL;
	const char *end = d ? d : t + strlen(t), *p;
	char grp = 0;
	size_t run = 0, groups = 0;

	if (d != NULL && strchr(d + 1, dec) != NULL)
		return false;
	*in = 0;
	for (p = t; p < end; p++) {
		if (isdig(*p)) {
			intd[(*in)++] = *p;
			run++;
			continue;
		}
		if (grp != 0 && *p != grp)
			return false; /* mixed group separators */
		grp = *p;
		/* first group 1..3 digits, later ones exactly 3 */
		if (run == 0 || run > 3 || (groups > 0 && run != 3))
			return false;
		groups++;
		run = 0;
	}
	if (groups > 0 && run != 3)
		return false;
	if (d != NULL) {
		for (p = d + 1; *p != '\0'; p++)
			if (!isdig(*p))
				return false;
		*fp = d + 1;
		*fn = strlen(d + 1);
	} else {
		*fp = end;
		*fn = 0;
	}
	/* a number needs a digit somewhere */
	return *in > 0 || *fn > 0;
}

/* v = v * 10 + digit, false on int64_t overflow. */
static bool
push_digit(int64_t *v, int digit)
{
	if (*v > (INT64_MAX - digit) / 10)
		return false;
	*v = *v * 10 + digit;
	return true;
}

/* The number text t into minor units with k minor digits. */
static int
convert(const char *t, int k, int64_t *out)
{
	bool hasdot = strchr(t, '.') != NULL, hascomma = strchr(t, ',') != NULL;
	char intd[MAXNUM + 1];
	const char *fp;
	size_t in, fn, i;
	int64_t v = 0;
	char dec;

	if (hasdot && hascomma)
		dec = strrchr(t, '.') > strrchr(t, ',') ? '.' : ',';
	else if (hascomma)
		/* thousands when the commas group threes, else a decimal comma */
		dec = split_number(t, 0, intd, &in, &fp, &fn) ? 0 : ',';
	else if (hasdot)
		/* one dot is a decimal point, several group thousands */
		dec = strchr(t, '.') == strrchr(t, '.') ? '.' : 0;
	else
		dec = 0;
	if (!split_number(t, dec, intd, &in, &fp, &fn))
		return -1;
	if (fn > (size_t)k) {
		/* No silent rounding. Surplus zeros lose nothing ("1234.00"
		 * yen), but three of them could be a thousands group
		 * ("12.000"), so that case stays an error. */
		if (fn == 3)
			return -1;
		for (i = (size_t)k; i < fn; i++)
			if (fp[i] != '0')
				return -1;
	}
	for (i = 0; i < in; i++)
		if (!push_digit(&v, intd[i] - '0'))
			return -1;
	for (i = 0; i < (size_t)k; i++)
		if (!push_digit(&v, i < fn ? fp[i] - '0' : 0))
			return -1;
	*out = v;
	return 0;
}

/* Take a marker at *p into *cur; a second marker must agree with the first. */
static int
take_marker(const char **p, const char **cur, bool *seen)
{
	const char *code;
	size_t n = match_marker(*p, &code);

	if (n == 0)
		return 0;
	if (*seen && strcmp(*cur, code) != 0)
		return -1;
	*cur = code;
	*seen = true;
	*p += n;
	return 1;
}

static int parse_careful(const char *s, const char *default_currency,
                         struct crm_money *out);

/* Fast path for the form machines write: "-?digits(.digits)?" in ASCII with
 * no more decimals than the currency has. Returns 0 when it took s. */
static int
parse_plain(const char *s, const char *currency, struct crm_money *out)
{
	const char *p = s;
	int64_t v = 0;
	int k = crm_money_minor_digits(currency), decimals = 0, ndigits = 0;
	bool neg = *p == '-';

	if (neg)
		p++;
	for (; isdig(*p); p++, ndigits++) {
		if (ndigits >= 15)
			return -1;  /* leave big numbers to the careful path */
		v = v * 10 + (*p - '0');
	}
	if (ndigits == 0)
		return -1;
	if (*p == '.') {
		for (p++; isdig(*p); p++, decimals++) {
			if (decimals >= k)
				return -1;
			v = v * 10 + (*p - '0');
		}
		if (decimals == 0)
			return -1;
	}
	if (*p != '\0')
		return -1;
	for (; decimals < k; decimals++)
		v *= 10;
	out->minor = neg ? -v : v;
	out->currency[0] = '\0';
	return 0;
}

int
crm_money_parse(const char *s, const char *default_currency, struct crm_money *out)
{
	if (s != NULL && out != NULL && parse_plain(s, default_currency, out) == 0)
		return 0;
	return parse_careful(s, default_currency, out);
}

static int
parse_careful(const char *s, const char *default_currency, struct crm_money *out)
{
	char num[MAXNUM + 1], *f;
	const char *p, *cur = "";
	bool seen = false, neg = false, sign = false, paren = false, closed = false;
	size_t n, nn = 0;
	int64_t v;
	int k, r;

	if (s == NULL || (f = crm_text_fold_width(s)) == NULL)
		return -1;
	p = f;

	/* before the number: sign, "(", marker, in any order, once each */
	for (;;) {
		while (*p == ' ')
			p++;
		if ((n = minus(p)) > 0 || *p == '+') {
			if (sign || paren)
				goto bad;
			sign = true;
			neg = n > 0;
			p += n > 0 ? n : 1;
		} else if (*p == '(') {
			if (paren || sign)
				goto bad;
			paren = true;
			p++;
		} else if ((r = take_marker(&p, &cur, &seen)) != 0) {
			if (r < 0)
				goto bad;
		} else {
			break;
		}
	}

	/* the number: digits and separators; a space or apostrophe counts
	 * only when a digit follows it */
	if (!isdig(*p) && !(*p == '.' && isdig(p[1])))
		goto bad;
	while (isdig(*p) || *p == '.' || *p == ',' ||
	    ((*p == ' ' || *p == '\'') && isdig(p[1]))) {
		if (nn == MAXNUM)
			goto bad;
		num[nn++] = *p++;
	}
	num[nn] = '\0';

	/* after it: marker, trailing minus, ")" */
	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		if ((n = minus(p)) > 0) {
			if (sign || paren)
				goto bad;
			sign = neg = true;
			p += n;
		} else if (*p == ')') {
			if (!paren || closed)
				goto bad;
			closed = true;
			p++;
		} else if ((r = take_marker(&p, &cur, &seen)) != 0) {
			if (r < 0)
				goto bad;
		} else {
			goto bad;
		}
	}
	if (paren != closed)
		goto bad;
	if (paren)
		neg = true;

	k = crm_money_minor_digits(*cur != '\0' ? cur : default_currency);
	if (convert(num, k, &v) != 0)
		goto bad;
	free(f);
	if (out != NULL) {
		out->minor = neg ? -v : v;
		memcpy(out->currency, cur, strlen(cur) + 1);
	}
	return 0;
bad:
	free(f);
	return -1;
}

void
crm_money_format(int64_t minor, const char *currency, char *out)
{
	int k = crm_money_minor_digits(currency), i;
	/* through uint64_t so INT64_MIN has a magnitude */
	uint64_t mag = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
	uint64_t scale = 1, ip, fp;
	char frac[8];

	for (i = 0; i < k; i++)
		scale *= 10;
	ip = mag / scale;
	fp = mag % scale;
	for (i = k - 1; i >= 0; i--) {
		frac[i] = (char)('0' + fp % 10);
		fp /= 10;
	}
	frac[k] = '\0';
	/* By hand: this runs once or twice per row of every stream a tool
	 * writes, and snprintf was a visible share of crm-segment's time. */
	{
		char digits[24];
		int n = 0;

		do {
			digits[n++] = (char)('0' + ip % 10);
			ip /= 10;
		} while (ip > 0);
		if (minor < 0)
			*out++ = '-';
		while (n > 0)
			*out++ = digits[--n];
		if (k > 0) {
			*out++ = '.';
			memcpy(out, frac, (size_t)k);
			out += k;
		}
		*out = '\0';
	}
}
