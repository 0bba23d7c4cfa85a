/*
 * phone.c — telephone numbers as people type them, to E.164.
 *
 * The input is width-folded and cleaned (lib/text), then read left to right
 * into a digit string and an optional extension. The digit string is then
 * given a country code: the one typed after "+" or an international
 * prefix, or else the default region's, with the trunk prefix dropped.
 * Calling codes form a prefix code (no assigned code is a prefix of another),
 * so the longest-prefix match against the table below is simply the one that
 * matches.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "phone.h"
#include "text.h"

/* Longest digit string we keep; E.164 allows 15. */
#define MAXDIGITS 32
/* Longest extension we accept: PBX extensions are short, and a longer
 * run after "," is more likely a second phone number than an extension. */
#define MAXEXT 6

/* Every assigned ITU-T E.164 country calling code of 1 to 3 digits, plus
 * the global services (800, 808, 870, 878, 881-883, 888, 979). */
static const short calling_codes[] = {
	1, 7,
	20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49,
	51, 52, 53, 54, 55, 56, 57, 58, 60, 61, 62, 63, 64, 65, 66,
	81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98,
	211, 212, 213, 216, 218, 220, 221, 222, 223, 224, 225, 226, 227, 228,
	229, 230, 231, 232, 233, 234, 235, 236, 237, 238, 239, 240, 241, 242,
	243, 244, 245, 246, 247, 248, 249, 250, 251, 252, 253, 254, 255, 256,
	257, 258, 260, 261, 262, 263, 264, 265, 266, 267, 268, 269, 290, 291,
	297, 298, 299,
	350, 351, 352, 353, 354, 355, 356, 357, 358, 359, 370, 371, 372, 373,
	374, 375, 376, 377, 378, 380, 381, 382, 383, 385, 386, 387, 389,
	420, 421, 423,
	500, 501, 502, 503, 504, 505, 506, 507, 508, 509, 590, 591, 592, 593,
	594, 595, 596, 597, 598, 599,
	670, 672, 673, 674, 675, 676, 677, 678, 679, 680, 681, 682, 683, 685,
	686, 687, 688, 689, 690, 691, 692,
	800, 808, 850, 852, 853, 855, 856, 870, 878, 880, 881, 882, 883, 886,
	888,
	960, 961, 962, 963, 964, 965, 966, 967, 968, 970, 971, 972, 973, 974,
	975, 976, 977, 979, 992, 993, 994, 995, 996, 998,
};

/* Regions we know as a default: calling code, national trunk prefix ("" when
 * the region has none, or keeps the 0 as part of the number, as Italy does)
 * and the international prefixes dialled there besides "00". */
struct region {
	char iso[3];
	short cc;
	const char *trunk;
	const char *idd; /* space-separated; tried before the generic "00" */
};

static const struct region regions[] = {
	{ "CN", 86, "0", "" },     { "TW", 886, "0", "002 005 006 007 009 019" },
	{ "HK", 852, "", "001" },  { "MO", 853, "", "" },
	{ "SG", 65, "", "001" },   { "US", 1, "", "011" },
	{ "CA", 1, "", "011" },    { "PR", 1, "", "011" },
	{ "GB", 44, "0", "" },     { "JP", 81, "0", "010" },
	{ "KR", 82, "0", "001 002" }, { "MY", 60, "0", "" },
	{ "DE", 49, "0", "" },     { "FR", 33, "0", "" },
	{ "IT", 39, "", "" },      { "ES", 34, "", "" },
	{ "NL", 31, "0", "" },     { "BE", 32, "0", "" },
	{ "CH", 41, "0", "" },     { "AT", 43, "0", "" },
	{ "SE", 46, "0", "" },     { "NO", 47, "", "" },
	{ "DK", 45, "", "" },      { "FI", 358, "0", "" },
	{ "IE", 353, "0", "" },    { "PT", 351, "", "" },
	{ "PL", 48, "", "" },      { "RU", 7, "8", "810" },
	{ "KZ", 7, "8", "810" },   { "IN", 91, "0", "" },
	{ "ID", 62, "0", "" },     { "TH", 66, "0", "001" },
	{ "VN", 84, "0", "" },     { "PH", 63, "0", "" },
	{ "AU", 61, "0", "0011" }, { "NZ", 64, "0", "" },
	{ "AE", 971, "0", "" },    { "SA", 966, "0", "" },
	{ "IL", 972, "0", "" },    { "TR", 90, "0", "" },
	{ "BR", 55, "0", "" },     { "MX", 52, "", "" },
	{ "AR", 54, "0", "" },     { "ZA", 27, "0", "" },
	{ "EG", 20, "0", "" },     { "NG", 234, "0", "" },
	{ "KE", 254, "0", "" },    { "PK", 92, "0", "" },
	{ "BD", 880, "0", "" },    { "LK", 94, "0", "" },
	{ "KH", 855, "0", "" },    { "LA", 856, "0", "" },
	{ "MM", 95, "0", "" },     { "NP", 977, "0", "" },
	{ "MN", 976, "0", "001" },
};

/* Extension markers, matched case-insensitively (ASCII). Longer first. */
static const char *const ext_markers[] = {
	"extension", "ext.", "ext", ";ext=", "x", "#", ",",
	"\xE8\xBD\xAC",             /* 转 */
	"\xE8\xBD\x89",             /* 轉 */
	"\xE5\x88\x86\xE6\x9C\xBA", /* 分机 */
	"\xE5\x88\x86\xE6\xA9\x9F", /* 分機 */
};

static const struct region *
find_region(const char *iso)
{
	size_t i;

	if (iso == NULL)
		return NULL;
	for (i = 0; i < sizeof regions / sizeof regions[0]; i++)
		if (strcasecmp(regions[i].iso, iso) == 0)
			return &regions[i];
	return NULL;
}

int
crm_phone_country_code(const char *region)
{
	const struct region *r = find_region(region);

	return r ? r->cc : 0;
}

static bool
known_cc(int cc)
{
	size_t i;

	for (i = 0; i < sizeof calling_codes / sizeof calling_codes[0]; i++)
		if (calling_codes[i] == cc)
			return true;
	return false;
}

/* Length of the calling code that starts d (1..3), or 0 when none does. */
static size_t
match_cc(const char *d, int *cc)
{
	size_t n;
	int v = 0;

	for (n = 1; n <= 3 && d[n - 1] != '\0'; n++) {
		v = v * 10 + (d[n - 1] - '0');
		if (known_cc(v)) {
			*cc = v;
			return n;
		}
	}
	return 0;
}

/* The trunk prefix used with cc, for dropping a "(0)" written after it. */
static const char *
trunk_of_cc(int cc)
{
	size_t i;

	for (i = 0; i < sizeof regions / sizeof regions[0]; i++)
		if (regions[i].cc == cc)
			return regions[i].trunk;
	return "";
}

/*
 * Loose per-country check of the national significant number nsn; countries
 * not listed only get the E.164 total-length rule (8..15 digits with the
 * calling code).
 */
static bool
valid_national(int cc, const char *nsn)
{
	size_t n = strlen(nsn);

	if (n == 0 || n + (cc >= 100 ? 3 : cc >= 10 ? 2 : 1) > 15 ||
	    n + (cc >= 100 ? 3 : cc >= 10 ? 2 : 1) < 8)
		return false;
	switch (cc) {
	case 1: /* NANP: NXX NXX XXXX */
		return n == 10 && nsn[0] >= '2' && nsn[3] >= '2';
	case 86:
		if (nsn[0] == '1' && nsn[1] >= '3')
			return n == 11; /* mobile */
		if (nsn[0] == '1' && nsn[1] == '0')
			return n == 10; /* Beijing 10 + 8 digits */
		if (nsn[0] == '2')
			return n == 10; /* 2x area codes + 8 digits */
		return nsn[0] >= '3' && (n == 10 || n == 11);
	case 886:
		return nsn[0] != '0' && (n == 8 || n == 9);
	case 852:
		return n == 8 && nsn[0] >= '2';
	case 853:
	case 65:
		return n == 8;
	case 44:
		return n == 9 || n == 10;
	case 81:
		return n == 9 || n == 10;
	case 82:
		return n >= 8 && n <= 10;
	case 60:
		return n >= 8 && n <= 10;
	case 61:
		return n == 9;
	case 7:
	case 91:
		return n == 10;
	case 33:
		return n == 9;
	default:
		return true;
	}
}

/* Write "+<cc><nsn>" to out when valid and it fits. */
static enum crm_phone_result
emit(int cc, const char *nsn, char *out, size_t outsz)
{
	char buf[MAXDIGITS + 8];
	int k;

	if (!valid_national(cc, nsn))
		return CRM_PHONE_INVALID;
	k = snprintf(buf, sizeof buf, "+%d%s", cc, nsn);
	if (k < 0 || (size_t)k >= outsz)
		return CRM_PHONE_INVALID;
	memcpy(out, buf, (size_t)k + 1);
	return CRM_PHONE_OK;
}

/* d holds the national digits written after country code cc. "+44 (0)20 ...":
 * a trunk "0" never belongs after the code, so drop one; a second would make
 * a number that normalises differently the next time. A trunk "8" (RU, KZ)
 * is not dropped: +7 812 and +7 800 are real numbers that start with 8. */
static enum crm_phone_result
after_code(int cc, const char *d, char *out, size_t outsz)
{
	if (strcmp(trunk_of_cc(cc), "0") == 0 && d[0] == '0') {
		d++;
		if (d[0] == '0')
			return CRM_PHONE_INVALID;
	}
	return emit(cc, d, out, outsz);
}

/* d holds the digits after "+" or an international prefix. */
static enum crm_phone_result
international(const char *d, char *out, size_t outsz)
{
	size_t n;
	int cc = 0;

	if ((n = match_cc(d, &cc)) == 0)
		return CRM_PHONE_INVALID;
	return after_code(cc, d + n, out, outsz);
}

/* Does d start with the international prefix pfx (pfx length given)? */
static bool
starts(const char *d, const char *pfx, size_t n)
{
	return strlen(d) > n && strncmp(d, pfx, n) == 0;
}

/* d holds digits written without "+". */
static enum crm_phone_result
national(const char *d, const struct region *r, char *out, size_t outsz)
{
	const char *p, *trunk;
	enum crm_phone_result res;
	char ccs[8];
	size_t n;

	/* International prefixes dialled in the region, then the generic 00. */
	if (r != NULL) {
		for (p = r->idd; *p != '\0'; p += n) {
			while (*p == ' ')
				p++;
			n = strcspn(p, " ");
			if (n > 0 && starts(d, p, n) &&
			    international(d + n, out, outsz) == CRM_PHONE_OK)
				return CRM_PHONE_OK;
		}
	}
	if (starts(d, "00", 2) && (r == NULL || r->cc != 1))
		return international(d + 2, out, outsz);
	if (r == NULL)
		return CRM_PHONE_INVALID;

	if (r->cc == 1) {
		/* A leading 1 on an 11-digit number is the country code. */
		if (strlen(d) == 11 && d[0] == '1')
			d++;
		return emit(1, d, out, outsz);
	}
	trunk = r->trunk;
	if (*trunk != '\0' && strncmp(d, trunk, strlen(trunk)) == 0)
		return emit(r->cc, d + strlen(trunk), out, outsz);
	res = emit(r->cc, d, out, outsz);
	if (res == CRM_PHONE_OK)
		return res;
	/* The region's code typed without "+" ("8613800138000" in CN). */
	n = (size_t)snprintf(ccs, sizeof ccs, "%d", r->cc);
	if (strncmp(d, ccs, n) == 0)
		return after_code(r->cc, d + n, out, outsz);
	return res;
}

/* Does s start with marker m (ASCII letters compared case-insensitively)? */
static size_t
match_marker(const char *s)
{
	size_t i, n;

	for (i = 0; i < sizeof ext_markers / sizeof ext_markers[0]; i++) {
		n = strlen(ext_markers[i]);
		if (strncasecmp(s, ext_markers[i], n) == 0)
			return n;
	}
	return 0;
}

/* Separators allowed between digits: ASCII ones (full-width forms were folded
 * already) and the Unicode dashes U+2010..U+2015 and U+2212 MINUS SIGN. */
static size_t
separator(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	if (*s != '\0' && strchr(" -.()/[]", *s) != NULL)
		return 1;
	if (u[0] == 0xE2 && u[1] == 0x80 && u[2] >= 0x90 && u[2] <= 0x95)
		return 3;
	if (u[0] == 0xE2 && u[1] == 0x88 && u[2] == 0x92)
		return 3;
	return 0;
}

enum crm_phone_result
crm_phone_e164(const char *in, const char *region, char *out, size_t outsz,
               char *ext, size_t extsz)
{
	char digits[MAXDIGITS + 1], xd[MAXEXT + 1];
	size_t nd = 0, nx = 0, n;
	bool plus = false, in_ext = false, junk = false;
	enum crm_phone_result res;
	char *f;
	const char *s;

	if (outsz > 0)
		out[0] = '\0';
	if (ext != NULL && extsz > 0)
		ext[0] = '\0';
	if (in == NULL)
		return CRM_PHONE_EMPTY;
	if ((f = crm_text_fold_width(in)) == NULL)
		return CRM_PHONE_INVALID;
	s = f;
	if (strncasecmp(s, "tel:", 4) == 0)
		s += 4;

	while (*s != '\0') {
		if (*s >= '0' && *s <= '9') {
			if (in_ext) {
				if (nx == MAXEXT)
					goto invalid;
				xd[nx++] = *s;
			} else {
				if (nd == MAXDIGITS)
					goto invalid;
				digits[nd++] = *s;
			}
			s++;
		} else if (!in_ext && *s == '+' && nd == 0 && !plus) {
			plus = true;
			s++;
		} else if (!in_ext && (n = separator(s)) > 0) {
			s += n;
		} else if (!in_ext && nd > 0 && (n = match_marker(s)) > 0) {
			in_ext = true;
			s += n;
			/* "ext. 12", "x: 12", "分機：12" (":" after folding) */
			while (*s == ' ' || *s == '.' || *s == ':' || *s == '=' ||
			    *s == '-')
				s++;
		} else if (in_ext && nx > 0 && *s == ' ') {
			/* only trailing white space may follow the extension */
			s++;
			junk = *s != '\0';
		} else {
			goto invalid;
		}
		if (junk)
			goto invalid;
	}
	free(f);
	digits[nd] = '\0';
	xd[nx] = '\0';
	/* Only separators (an extension marker needs digits before it). */
	if (nd == 0)
		return CRM_PHONE_EMPTY;

	res = plus ? international(digits, out, outsz)
	    : national(digits, find_region(region), out, outsz);
	if (res != CRM_PHONE_OK) {
		if (outsz > 0)
			out[0] = '\0';
		return res;
	}
	if (nx > 0) {
		if (ext == NULL || nx >= extsz) {
			out[0] = '\0';
			return CRM_PHONE_INVALID;
		}
		memcpy(ext, xd, nx + 1);
	}
	return CRM_PHONE_OK;

invalid:
	free(f);
	return CRM_PHONE_INVALID;
}
