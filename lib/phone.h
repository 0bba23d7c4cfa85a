/*
 * phone — telephone numbers to E.164.
 *
 * Accepts what people type: "+86 138 0013 8000", "0086-138-0013-8000",
 * "(02) 2345-6789", "0912-345-678", full-width digits, extensions
 * ("ext. 12", "x12", "#12", "转12", "分機12"). Numbers without a country code
 * take the default region's (CN +86, TW +886, HK +852, MO +853, SG +65,
 * US/CA +1, GB +44, JP +81, MY +60 ...); the national trunk prefix "0" is
 * dropped where that region uses one (RU/KZ: "8"). "+", "00" and the
 * region's own international prefixes (US/CA "011", JP "010", TW "002" ...)
 * introduce a country code; so does the region's code typed without "+"
 * when the number is otherwise too long ("8613800138000" in CN). A "(0)"
 * after a country code whose region has trunk "0" is dropped. Lengths are
 * checked loosely where known (CN, TW, HK, MO, SG, NANP, GB, JP, KR, MY,
 * AU, RU, IN, FR), else 8..15 digits with the country code. Extensions are
 * 1..6 digits after "ext", "ext.", "x", "#", ",", "转", "轉", "分机" or
 * "分機"; a longer run is not an extension (it is INVALID).
 */
#ifndef CRM_PHONE_H
#define CRM_PHONE_H

#include <stddef.h>

enum crm_phone_result {
	CRM_PHONE_OK = 0,      /* out holds "+<digits>" (and ext, if any) */
	CRM_PHONE_EMPTY = 1,   /* nothing but white space / punctuation */
	CRM_PHONE_INVALID = 2, /* letters, too few or too many digits, ... */
};

/* Normalise in to E.164 in out (at least 20 bytes); the extension digits,
 * if any, go to ext (at least 12 bytes; "" when none). region is an ISO
 * 3166 alpha-2 code ("CN"); an unknown region is treated as "no default
 * country" (numbers then need a country code). */
enum crm_phone_result crm_phone_e164(const char *in, const char *region,
                                     char *out, size_t outsz, char *ext, size_t extsz);

/* Country calling code for an ISO region ("CN" -> 86), or 0 if unknown. */
int crm_phone_country_code(const char *region);

#endif
