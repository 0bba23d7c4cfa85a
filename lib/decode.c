/*
 * decode — encoding detection (BOM, UTF-8 validity, then uchardet) and
 * conversion to UTF-8 over glibc iconv (see decode.h).
 */
#include "decode.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <uchardet/uchardet.h>

#include "diag.h"

struct crm_decoder {
	iconv_t cd;     /* encoding -> UTF-8; (iconv_t)-1 for UTF-8 input */
	bool utf8;      /* input is UTF-8: validate, do not convert */
	size_t unit;    /* bytes skipped over an invalid sequence in a stream */
};

/*
 * Length of the longest valid UTF-8 prefix of s[0..len). Strict: rejects
 * overlong forms, surrogates and code points above U+10FFFF. ASCII runs are
 * checked eight bytes at a time.
 */
size_t
crm_utf8_valid_prefix(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		if (len - i >= 8) {
			uint64_t w;

			memcpy(&w, p + i, 8);
			if ((w & UINT64_C(0x8080808080808080)) == 0) {
				i += 8;
				continue;
			}
		}
		unsigned char c = p[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t n;
		unsigned char lo = 0x80, hi = 0xBF;
		if (c >= 0xC2 && c <= 0xDF)
			n = 2;
		else if (c >= 0xE0 && c <= 0xEF) {
			n = 3;
			if (c == 0xE0)
				lo = 0xA0;
			else if (c == 0xED)
				hi = 0x9F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 4;
			if (c == 0xF0)
				lo = 0x90;
			else if (c == 0xF4)
				hi = 0x8F;
		} else
			return i;
		if (len - i < n)
			return i;
		if (p[i + 1] < lo || p[i + 1] > hi)
			return i;
		for (size_t k = 2; k < n; k++)
			if ((p[i + k] & 0xC0) != 0x80)
				return i;
		i += n;
	}
	return i;
}

/* Lower-case s without '-' and '_' into out (size outsz); false if too long. */
static bool
normalize(const char *s, char *out, size_t outsz)
{
	size_t j = 0;

	for (; *s; s++) {
		if (*s == '-' || *s == '_')
			continue;
		if (j + 1 >= outsz)
			return false;
		out[j++] = (char)tolower((unsigned char)*s);
	}
	out[j] = '\0';
	return true;
}

static const struct {
	const char *key;   /* normalized alias */
	const char *name;  /* iconv name */
} aliases[] = {
	{"utf8", "UTF-8"}, {"ascii", "UTF-8"}, {"usascii", "UTF-8"},
	{"utf16", "UTF-16"}, {"utf16le", "UTF-16LE"}, {"utf16be", "UTF-16BE"},
	{"utf32", "UTF-32"}, {"utf32le", "UTF-32LE"}, {"utf32be", "UTF-32BE"},
	{"gb18030", "GB18030"}, {"gbk", "GB18030"}, {"gb2312", "GB18030"},
	{"cp936", "GB18030"}, {"ms936", "GB18030"}, {"windows936", "GB18030"},
	{"euccn", "GB18030"}, {"hzgb2312", "HZ-GB-2312"},
	{"big5", "BIG5-HKSCS"}, {"big5hkscs", "BIG5-HKSCS"}, {"cp950", "BIG5-HKSCS"},
	{"euctw", "BIG5-HKSCS"},
	{"latin1", "ISO-8859-1"}, {"iso88591", "ISO-8859-1"},
	{"cp1252", "WINDOWS-1252"}, {"windows1252", "WINDOWS-1252"},
	{"shiftjis", "SHIFT_JIS"}, {"sjis", "SHIFT_JIS"}, {"cp932", "CP932"},
	{"eucjp", "EUC-JP"}, {"euckr", "EUC-KR"}, {"cp949", "CP949"},
};

/* Names accepted by iconv but not in the table, kept for the process's life. */
static struct interned {
	struct interned *next;
	char name[];
} *interned;

const char *
crm_decode_canonical(const char *name)
{
	char key[64];
	iconv_t cd;
	struct interned *in;
	size_t n;

	if (name == NULL || *name == '\0' || !normalize(name, key, sizeof key))
		return NULL;
	for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
		if (strcmp(key, aliases[i].key) == 0)
			return aliases[i].name;
	for (in = interned; in; in = in->next)
		if (strcasecmp(in->name, name) == 0)
			return in->name;
	cd = iconv_open("UTF-8", name);
	if (cd == (iconv_t)-1)
		return NULL;
	iconv_close(cd);
	n = strlen(name);
	in = crm_xmalloc(sizeof *in + n + 1);
	for (size_t i = 0; i <= n; i++)
		in->name[i] = (char)toupper((unsigned char)name[i]);
	in->next = interned;
	interned = in;
	return in->name;
}

/*
 * True when buf[0..len) is UTF-8: all valid (the last character may be cut
 * off), or a UTF-8 file with a few bad bytes — at least four valid multibyte
 * characters for every invalid byte. Legacy CJK text is far from that: only
 * about one GBK or Big5 character in twelve happens to look like UTF-8. The
 * bad bytes are then reported record by record instead of the whole file
 * being read as mojibake.
 */
static bool
mostly_utf8(const unsigned char *buf, size_t len)
{
	size_t i = 0, good = 0, bad = 0;

	while (i < len) {
		size_t ok = crm_utf8_valid_prefix((const char *)buf + i, len - i);

		for (size_t k = i; k < i + ok; k++)
			if ((buf[k] & 0xC0) == 0xC0)
				good++;
		i += ok;
		if (i == len)
			break;
		if (len - i < 4 && (buf[i] & 0xC0) == 0xC0) {
			/* A character cut off by the end of the sample? */
			size_t k = i + 1;
			while (k < len && (buf[k] & 0xC0) == 0x80)
				k++;
			if (k == len)
				break;
		}
		bad++;
		i++;
	}
	return bad == 0 || good >= 4 * bad;
}

const char *
crm_decode_detect(const unsigned char *buf, size_t len, size_t *bom_len)
{
	uchardet_t ud;
	const char *cs, *name;

	*bom_len = 0;
	if (len >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF) {
		*bom_len = 3;
		return "UTF-8";
	}
	if (len >= 4 && buf[0] == 0xFF && buf[1] == 0xFE && buf[2] == 0 && buf[3] == 0) {
		*bom_len = 4;
		return "UTF-32LE";
	}
	if (len >= 4 && buf[0] == 0 && buf[1] == 0 && buf[2] == 0xFE && buf[3] == 0xFF) {
		*bom_len = 4;
		return "UTF-32BE";
	}
	if (len >= 2 && buf[0] == 0xFF && buf[1] == 0xFE) {
		*bom_len = 2;
		return "UTF-16LE";
	}
	if (len >= 2 && buf[0] == 0xFE && buf[1] == 0xFF) {
		*bom_len = 2;
		return "UTF-16BE";
	}

	/* Valid UTF-8 (ASCII included) wins; the sample may end mid-character. */
	if (mostly_utf8(buf, len))
		return "UTF-8";

	ud = uchardet_new();
	if (ud == NULL)
		return "UTF-8";
	name = NULL;
	if (uchardet_handle_data(ud, (const char *)buf, len) == 0) {
		uchardet_data_end(ud);
		cs = uchardet_get_charset(ud);
		if (cs != NULL && *cs != '\0')
			name = crm_decode_canonical(cs);
	}
	uchardet_delete(ud);
	/* Unknown: call it UTF-8 and let the invalid records be rejected. */
	return name ? name : "UTF-8";
}

/* Bytes per code unit for encodings whose ASCII is not single bytes, else 0. */
static size_t
wide_unit(const char *encoding)
{
	char key[64];

	if (!normalize(encoding, key, sizeof key))
		return 0;
	if (strncmp(key, "utf16", 5) == 0 || strncmp(key, "ucs2", 4) == 0 ||
	    strncmp(key, "unicode", 7) == 0)
		return 2;
	if (strncmp(key, "utf32", 5) == 0 || strncmp(key, "ucs4", 4) == 0)
		return 4;
	/* Stateful encodings whose multibyte text is made of ASCII bytes. */
	if (strncmp(key, "utf7", 4) == 0 || strncmp(key, "iso2022", 7) == 0 ||
	    strncmp(key, "hz", 2) == 0)
		return 1;
	return 0;
}

bool
crm_decode_ascii_safe(const char *encoding)
{
	return wide_unit(encoding) == 0;
}

crm_decoder *
crm_decoder_new(const char *encoding)
{
	crm_decoder *d;
	size_t unit;

	d = crm_xmalloc(sizeof *d);
	d->cd = (iconv_t)-1;
	d->utf8 = strcasecmp(encoding, "UTF-8") == 0 || strcasecmp(encoding, "UTF8") == 0;
	unit = wide_unit(encoding);
	d->unit = unit ? unit : 1;
	if (!d->utf8) {
		d->cd = iconv_open("UTF-8", encoding);
		if (d->cd == (iconv_t)-1) {
			free(d);
			return NULL;
		}
	}
	return d;
}

/*
 * Run iconv over the input (*in, *inleft bytes), appending to b. Stops at the end of input or
 * at an invalid/incomplete sequence; returns 0 or the iconv errno.
 */
static int
run_iconv(iconv_t cd, char **in, size_t *inleft, crm_buf *b)
{
	while (*inleft > 0) {
		size_t want = *inleft * 2 + 16;

		if (b->cap - b->len < want + 1 || b->data == NULL) {
			size_t ncap = b->cap ? b->cap : 64;

			while (ncap - b->len < want + 1)
				ncap *= 2;
			b->data = crm_xreallocarray(b->data, ncap, 1);
			b->cap = ncap;
		}
		char *out = b->data + b->len;
		size_t outleft = b->cap - b->len - 1;
		size_t rc = iconv(cd, in, inleft, &out, &outleft);
		b->len = (size_t)(out - b->data);
		b->data[b->len] = '\0';
		if (rc == (size_t)-1 && errno != E2BIG)
			return errno;
	}
	return 0;
}

int
crm_decoder_convert(crm_decoder *d, const char *in, size_t len, void *out_buf)
{
	crm_buf *b = out_buf;
	char *ip = (char *)in;
	size_t left = len;

	if (d->utf8) {
		size_t ok = crm_utf8_valid_prefix(in, len);

		crm_buf_append(b, in, ok);
		return ok == len ? 0 : -1;
	}
	iconv(d->cd, NULL, NULL, NULL, NULL);
	if (run_iconv(d->cd, &ip, &left, b) != 0)
		return -1;
	return 0;
}

size_t
crm_decoder_stream(crm_decoder *d, const char *in, size_t len, bool eof,
                   void *out_buf, bool *invalid)
{
	crm_buf *b = out_buf;
	char *ip = (char *)in;
	size_t left = len;

	if (d->utf8) {
		crm_buf_append(b, in, len);
		return len;
	}
	while (left > 0) {
		int e = run_iconv(d->cd, &ip, &left, b);

		if (e == 0)
			break;
		if (e == EINVAL && !eof)
			break; /* incomplete sequence: wait for more bytes */
		/* Invalid: mark it with 0xFF, never valid in UTF-8. */
		crm_buf_putc(b, (char)0xFF);
		*invalid = true;
		size_t skip = d->unit < left ? d->unit : left;
		ip += skip;
		left -= skip;
	}
	return len - left;
}

void
crm_decoder_free(crm_decoder *d)
{
	if (d == NULL)
		return;
	if (d->cd != (iconv_t)-1)
		iconv_close(d->cd);
	free(d);
}
