/*
 * decode — character-encoding detection (BOM, then uchardet) and conversion
 * to UTF-8 (glibc iconv).
 *
 * Exports from Excel on a Chinese Windows arrive as GBK/GB18030, Big5,
 * UTF-16LE with BOM ("Unicode text"), or UTF-8 with or without a BOM. We look
 * at the BOM first; without one, uchardet judges a sample of the bytes, and
 * pure ASCII counts as UTF-8. GBK is always read as GB18030 (its superset),
 * Big5 as BIG5-HKSCS (a superset that also holds the Hong Kong characters).
 */
#ifndef CRM_DECODE_H
#define CRM_DECODE_H

#include <stdbool.h>
#include <stddef.h>

/* Detect the encoding of buf[0..len), the first bytes of a file. Returns an
 * iconv name ("UTF-8", "UTF-16LE", "UTF-16BE", "GB18030", "BIG5-HKSCS",
 * "WINDOWS-1252", ...), a static string. *bom_len gets the length of a byte
 * order mark at the start (0 if none). */
const char *crm_decode_detect(const unsigned char *buf, size_t len, size_t *bom_len);

/* Canonical iconv name for a user-given --encoding value (case-insensitive;
 * "gbk", "gb2312", "cp936" -> "GB18030"; "big5" -> "BIG5-HKSCS"; "utf8" ->
 * "UTF-8"; "utf-16" -> "UTF-16"), or NULL when iconv cannot convert it. */
const char *crm_decode_canonical(const char *name);

/* True when the encoding keeps ASCII bytes (",", "\"", "\n", ...) as single
 * bytes that never occur inside a multibyte character: UTF-8, GB18030, Big5,
 * the single-byte code pages. False for UTF-16/32. */
bool crm_decode_ascii_safe(const char *encoding);

typedef struct crm_decoder crm_decoder;

/* A converter from encoding to UTF-8; NULL when iconv cannot open it. */
crm_decoder *crm_decoder_new(const char *encoding);
/* Convert in[0..len) to UTF-8, appending to out (a crm_buf from diag.h) —
 * declared with void * to keep this header light. Returns 0, or -1 when the
 * bytes are not valid in the encoding (out then holds what converted). */
int crm_decoder_convert(crm_decoder *d, const char *in, size_t len, void *out_buf);
void crm_decoder_free(crm_decoder *d);

#endif
