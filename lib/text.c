/*
 * text.c — Unicode clean-up of free text, comparison keys, e-mail addresses
 * and display width, on top of utf8proc.
 *
 * Every public function first checks its input with crm_text_valid_utf8()
 * (our own strict decoder, so the rules do not depend on the utf8proc
 * version) and only then hands the bytes to utf8proc, which may therefore
 * assume well-formed input.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <utf8proc.h>

#include "diag.h"
#include "text.h"

/*
 * Decode one code point from s[0..len), which must be well-formed UTF-8 with
 * len >= 1. Stores the byte count in *n.
 */
static int32_t
decode(const unsigned char *s, size_t len, size_t *n)
{
	utf8proc_int32_t cp = -1;
	utf8proc_ssize_t r;

	r = utf8proc_iterate(s, (utf8proc_ssize_t)(len < 4 ? len : 4), &cp);
	if (r <= 0) {
		/* Cannot happen on validated input; step one byte to make progress. */
		*n = 1;
		return s[0];
	}
	*n = (size_t)r;
	return cp;
}

bool
crm_text_valid_utf8(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	if (s == NULL)
		return len == 0;
	while (i < len) {
		unsigned char c = s[i];
		uint32_t cp;
		size_t need, k;

		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			need = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			need = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			need = 3;
			cp = c & 0x07;
		} else {
			/* Continuation byte first, C0/C1 (always overlong), F5..FF. */
			return false;
		}
		if (len - i - 1 < need)
			return false;
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000))
			return false; /* overlong */
		if (cp >= 0xD800 && cp <= 0xDFFF)
			return false; /* UTF-16 surrogate */
		if (cp > 0x10FFFF)
			return false;
		i += need + 1;
	}
	return true;
}

/* True for code points we treat as white space: Unicode Zs/Zl/Zp, the ASCII
 * controls TAB..CR and NEL. (ZERO WIDTH SPACE and the BOM are format
 * characters, not white space, and are kept.) */
static bool
is_space(int32_t cp)
{
	if (cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || cp == 0x85)
		return true;
	if (cp < 0x80)
		return false;
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_ZS:
	case UTF8PROC_CATEGORY_ZL:
	case UTF8PROC_CATEGORY_ZP:
		return true;
	default:
		return false;
	}
}

/* Trim and collapse white space of a well-formed string into a new one. */
static char *
squeeze(const char *in)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t len = strlen(in), i = 0, o = 0, n;
	char *out = crm_xmalloc(len + 1);
	bool pending = false;

	while (i < len) {
		int32_t cp = decode(s + i, len - i, &n);

		if (is_space(cp)) {
			/* Emit the space only when more text follows: trims both ends. */
			if (o > 0)
				pending = true;
		} else {
			if (pending)
				out[o++] = ' ';
			pending = false;
			memcpy(out + o, s + i, n);
			o += n;
		}
		i += n;
	}
	out[o] = '\0';
	return out;
}

/* utf8proc_map on a validated string; the result is copied into our own
 * allocation so callers free it with free() either way and out-of-memory
 * exits like every other crm allocation. */
static char *
map(const char *s, utf8proc_option_t opts)
{
	utf8proc_uint8_t *res = NULL;
	utf8proc_ssize_t r;
	char *out;

	r = utf8proc_map((const utf8proc_uint8_t *)s, 0, &res,
	    opts | UTF8PROC_NULLTERM | UTF8PROC_STABLE);
	if (r < 0) {
		if (r == UTF8PROC_ERROR_NOMEM)
			crm_die(CRM_EX_SOFTWARE, "out of memory");
		return NULL;
	}
	out = crm_xstrdup((const char *)res);
	free(res);
	return out;
}

/* True when s holds only ASCII bytes: already NFC, nothing to fold. Import
 * calls the cleaners on every field, and most fields are ASCII. */
static bool
is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

/* squeeze() for ASCII: the same rules without decoding. */
static char *
squeeze_ascii(const char *s)
{
	size_t len = strlen(s), o = 0, i;
	char *out = crm_xmalloc(len + 1);
	bool pending = false;

	for (i = 0; i < len; i++) {
		if (s[i] == ' ' || (s[i] >= 0x09 && s[i] <= 0x0D)) {
			if (o > 0)
				pending = true;
			continue;
		}
		if (pending)
			out[o++] = ' ';
		pending = false;
		out[o++] = s[i];
	}
	out[o] = '\0';
	return out;
}

/* True when every character of the well-formed s is one NFC leaves alone
 * whatever surrounds it: ASCII, CJK symbols and punctuation (U+3001..U+303F),
 * CJK unified ideographs (U+4E00..U+9FFF) and half/full-width forms
 * (U+FF00..U+FFEF). Chinese names and product titles then skip utf8proc. */
static bool
nfc_stable(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	uint32_t cp;

	while (*s) {
		if (*s < 0x80) {
			s++;
			continue;
		}
		if ((*s & 0xF0) != 0xE0 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
			return false;
		cp = (uint32_t)(*s & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
		if (!((cp >= 0x3001 && cp <= 0x303F) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
		      (cp >= 0xFF00 && cp <= 0xFFEF)))
			return false;
		s += 3;
	}
	return true;
}

char *
crm_text_clean(const char *s)
{
	char *nfc, *out;

	if (s != NULL && is_ascii(s))
		return squeeze_ascii(s);
	if (s != NULL && crm_text_valid_utf8(s, strlen(s)) && nfc_stable(s))
		return squeeze(s);
	if (s == NULL || !crm_text_valid_utf8(s, strlen(s)))
		return NULL;
	if ((nfc = map(s, UTF8PROC_COMPOSE)) == NULL)
		return NULL;
	out = squeeze(nfc);
	free(nfc);
	return out;
}

char *
crm_text_fold_width(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t len, i = 0, o = 0, n;
	char *tmp, *out;

	if (s != NULL && is_ascii(str))
		return squeeze_ascii(str);
	if (s == NULL || !crm_text_valid_utf8(str, len = strlen(str)))
		return NULL;
	/* Fold before cleaning so a leading U+3000 is trimmed like a space;
	 * folded text is never longer than the original (3 bytes -> 1). */
	tmp = crm_xmalloc(len + 1);
	while (i < len) {
		int32_t cp = decode(s + i, len - i, &n);

		if (cp >= 0xFF01 && cp <= 0xFF5E)
			tmp[o++] = (char)(cp - 0xFF01 + 0x21);
		else if (cp == 0x3000)
			tmp[o++] = ' ';
		else {
			memcpy(tmp + o, s + i, n);
			o += n;
		}
		i += n;
	}
	tmp[o] = '\0';
	out = crm_text_clean(tmp);
	free(tmp);
	return out;
}

/* Categories dropped from comparison keys: separators (Z*), punctuation
 * (P*), symbols (S*) and controls/format characters (Cc, Cf), so that
 * "Chen, Xiao-Ming", "chen xiaoming" and "CHEN·XIAOMING" share a key. */
static bool
key_drops(int32_t cp)
{
	if (is_space(cp))
		return true;
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_ZS: case UTF8PROC_CATEGORY_ZL:
	case UTF8PROC_CATEGORY_ZP:
	case UTF8PROC_CATEGORY_PC: case UTF8PROC_CATEGORY_PD:
	case UTF8PROC_CATEGORY_PS: case UTF8PROC_CATEGORY_PE:
	case UTF8PROC_CATEGORY_PI: case UTF8PROC_CATEGORY_PF:
	case UTF8PROC_CATEGORY_PO:
	case UTF8PROC_CATEGORY_SM: case UTF8PROC_CATEGORY_SC:
	case UTF8PROC_CATEGORY_SK: case UTF8PROC_CATEGORY_SO:
	case UTF8PROC_CATEGORY_CC: case UTF8PROC_CATEGORY_CF:
		return true;
	default:
		return false;
	}
}

char *
crm_text_key(const char *str)
{
	const unsigned char *s;
	size_t len, i = 0, o = 0, n;
	char *folded, *out;

	if (str == NULL || !crm_text_valid_utf8(str, strlen(str)))
		return NULL;
	folded = map(str, UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD);
	if (folded == NULL)
		return NULL;
	s = (const unsigned char *)folded;
	len = strlen(folded);
	out = crm_xmalloc(len + 1);
	while (i < len) {
		int32_t cp = decode(s + i, len - i, &n);

		if (!key_drops(cp)) {
			memcpy(out + o, s + i, n);
			o += n;
		}
		i += n;
	}
	out[o] = '\0';
	free(folded);
	return out;
}

/* Bytes never plausible in an unquoted address: controls, space, and the
 * specials of RFC 5322 other than '@' and '.'. */
static bool
email_bad_byte(unsigned char c)
{
	return c <= 0x20 || c == 0x7F || strchr("<>()[]\\,;:\"", c) != NULL;
}

char *
crm_email_normalise(const char *str)
{
	char *f, *addr, *out, *at, *dom, *lt;
	size_t len, i, o, n;

	if ((f = crm_text_fold_width(str)) == NULL)
		return NULL;
	addr = f;
	if (strncasecmp(addr, "mailto:", 7) == 0)
		addr += 7;
	/* "Name <addr>": take what is inside the last <...>, which must end
	 * the text. */
	len = strlen(addr);
	if ((lt = strrchr(addr, '<')) != NULL) {
		if (len == 0 || addr[len - 1] != '>') {
			free(f);
			return NULL;
		}
		addr[len - 1] = '\0';
		addr = lt + 1;
		if (strncasecmp(addr, "mailto:", 7) == 0)
			addr += 7;
	}
	/* Trim once more: "Name < a@b.c >" */
	while (*addr == ' ')
		addr++;
	len = strlen(addr);
	while (len > 0 && addr[len - 1] == ' ')
		addr[--len] = '\0';

	/* Lower-case per code point (not case folding: "ß" stays "ß"). */
	out = crm_xmalloc(len * 2 + 1);
	for (i = 0, o = 0; i < len; i += n) {
		int32_t cp = decode((const unsigned char *)addr + i, len - i, &n);
		utf8proc_uint8_t enc[4];
		utf8proc_ssize_t k;

		if (n == 1 && email_bad_byte((unsigned char)addr[i]))
			goto bad;
		if (is_space(cp))
			goto bad;
		k = utf8proc_encode_char(utf8proc_tolower(cp), enc);
		if (k <= 0)
			goto bad;
		memcpy(out + o, enc, (size_t)k);
		o += (size_t)k;
	}
	out[o] = '\0';

	/* Exactly one '@', a local part, a domain with an inner dot. */
	if ((at = strchr(out, '@')) == NULL || strchr(at + 1, '@') != NULL)
		goto bad;
	if (at == out)
		goto bad;
	dom = at + 1;
	if (*dom == '\0' || *dom == '.' || dom[strlen(dom) - 1] == '.' ||
	    strchr(dom, '.') == NULL || strstr(dom, "..") != NULL)
		goto bad;
	free(f);
	return out;
bad:
	free(out);
	free(f);
	return NULL;
}

size_t
crm_text_width(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t len, i = 0, w = 0;

	if (s == NULL)
		return 0;
	len = strlen(str);
	while (i < len) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t r;
		size_t take = len - i < 4 ? len - i : 4;

		/* Our validator decides: utf8proc's decoder is more lenient
		 * on some versions. A bad byte counts as one column (it will
		 * print as a replacement character). */
		r = utf8proc_iterate(s + i, (utf8proc_ssize_t)take, &cp);
		if (r <= 0 || !crm_text_valid_utf8(str + i, (size_t)r)) {
			w++;
			i++;
			continue;
		}
		if (cp >= 0x20) {
			int cw = utf8proc_charwidth(cp);

			if (cw > 0)
				w += (size_t)cw;
		}
		i += (size_t)r;
	}
	return w;
}

static void
mask_email(const char *in, const char *at, char *out, size_t outsz)
{
	size_t first = 1;

	/* the whole first character, even when it is not ASCII */
	while (in + first < at && ((unsigned char)in[first] & 0xC0) == 0x80)
		first++;
	if (in == at)
		first = 0;
	snprintf(out, outsz, "%.*s***%s", (int)first, in, at);
}

static void
mask_phone(const char *in, char *out, size_t outsz)
{
	size_t digits = 0, seen = 0, o = 0, hide_from, hide_to;

	for (const char *p = in; *p != 0; p++)
		digits += *p >= '0' && *p <= '9';
	if (digits >= 8) {
		hide_from = digits - 8;
		hide_to = digits - 4;
	} else {
		hide_from = 0;
		hide_to = digits > 2 ? digits - 2 : 0;
	}
	for (const char *p = in; *p != 0 && o + 1 < outsz; p++) {
		if (*p >= '0' && *p <= '9') {
			out[o++] = seen >= hide_from && seen < hide_to ? '*' : *p;
			seen++;
		} else {
			out[o++] = *p;
		}
	}
	out[o] = 0;
}

void
crm_mask_contact(const char *in, char *out, size_t outsz)
{
	const char *at;

	if (outsz == 0)
		return;
	if (in == NULL || *in == 0) {
		out[0] = 0;
		return;
	}
	at = strchr(in, '@');
	if (at != NULL)
		mask_email(in, at, out, outsz);
	else
		mask_phone(in, out, outsz);
}
