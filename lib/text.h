/*
 * text — Unicode normalisation of free text and e-mail addresses (utf8proc).
 *
 * Pure functions over NUL-terminated UTF-8. Every function returning char *
 * returns a newly allocated string the caller frees, or NULL when the input is
 * not valid UTF-8 (the caller reports it). Nothing here touches I/O.
 */
#ifndef CRM_TEXT_H
#define CRM_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* True when s[0..len) is well-formed UTF-8 (no overlongs, surrogates, or NUL bytes). */
bool crm_text_valid_utf8(const char *s, size_t len);

/* NFC, with leading/trailing white space (incl. U+3000 and NBSP) removed and
 * runs of internal white space collapsed to one ASCII space. */
char *crm_text_clean(const char *s);

/* As crm_text_clean, then full-width ASCII forms (U+FF01..U+FF5E) folded to
 * ASCII and U+3000 to space: for ids, phones, e-mails and amounts, where a
 * full-width "１２３" means "123". */
char *crm_text_fold_width(const char *s);

/* Case-folded NFKC with all white space and punctuation removed: a key for
 * comparing names loosely ("Chen  Xiao-Ming" and "chen xiaoming" agree).
 * Symbols (S*) and control/format characters (Cc, Cf) are removed too;
 * letters, marks and digits are kept ("José" and "Jose" differ). */
char *crm_text_key(const char *s);

/* Normalise an e-mail address: width-fold, trim, strip "mailto:" and a
 * surrounding "Name <...>", lower-case the whole address (mailbox local parts
 * are case-insensitive in practice). Returns NULL when the result is not a
 * plausible address (exactly one '@', non-empty local part, a dot in the
 * domain, no spaces) or the input is not valid UTF-8. */
char *crm_email_normalise(const char *s);

/* A phone number or e-mail address masked for a wider audience (--mask):
 * an address keeps the first character of the mailbox and the domain
 * ("z***@example.com"); a number keeps its last 4 digits and what comes
 * before the 4 digits ahead of them ("+86138****5678", "138****5678"); a
 * number of fewer than 8 digits keeps only its last 2. Writes into out
 * (always terminated); "" stays "". */
void crm_mask_contact(const char *in, char *out, size_t outsz);

/* Display width in terminal columns (East Asian wide = 2, combining = 0). */
size_t crm_text_width(const char *s);

#endif
