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

/* Detect the encoding of buf[0..len), the first bytes of a file: a BOM
 * (UTF-8, UTF-16LE/BE, UTF-32LE/BE) decides; else a sample that is valid
 * UTF-8 (a character cut off at the end is allowed), or one with at least
 * four valid multibyte characters per invalid byte, is UTF-8; else uchardet
 * judges (GBK/GB2312 -> GB18030, Big5/EUC-TW -> BIG5-HKSCS); if it cannot,
 * "UTF-8", so the bad records are rejected rather than guessed at. uchardet
 * 0.0.7 tells GBK from Big5 from about 30 bytes of Chinese text; 20 bytes of
 * Big5 were taken for WINDOWS-1252. Pass up to 64 KiB. Returns an
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
/* Convert a stream given in chunks: in[0..len) is converted and appended to
 * out (a crm_buf); an incomplete sequence at the end is left unconverted
 * unless eof, and the number of bytes consumed is returned (keep the rest
 * for the next call). An invalid sequence (or an incomplete one at eof) is
 * written as the byte 0xFF, which is never valid UTF-8, so a later UTF-8
 * check flags the record; *invalid is then set to true. */
size_t crm_decoder_stream(crm_decoder *d, const char *in, size_t len, bool eof,
                          void *out_buf, bool *invalid);
void crm_decoder_free(crm_decoder *d);

/* Length of the longest valid UTF-8 prefix of s[0..len) (strict: no
 * overlong forms, surrogates or values above U+10FFFF); len when all valid. */
size_t crm_utf8_valid_prefix(const char *s, size_t len);

#endif
