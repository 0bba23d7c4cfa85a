/*
 * match — the pieces duplicate detection compares with: folded keys for
 * names and companies, string similarity, and the comparison of two values
 * into an agreement level.
 *
 * Folding (what "the same name" means here):
 *   - crm_match_fold: NFKC, case folding, white space and punctuation removed
 *     (crm_text_key), then Traditional to Simplified Chinese with OpenCC's
 *     phrase-aware t2s tables, so 陳小明, 陈小明 and "陈 小明" share one key;
 *   - crm_match_latin: the same text in Latin letters: Han characters become
 *     pinyin with ICU's Han-Latin/Names transform (surname readings: 单 is
 *     shan), accents dropped, one token per syllable or word, so 陈小明 and
 *     "Chen Xiaoming" and the homophone typo 陈晓明 meet;
 *   - crm_match_company: crm_match_fold after the legal form is stripped
 *     (股份有限公司, 有限公司, Co., Ltd., Inc., LLC, GmbH ...).
 *
 * Similarity: Jaro-Winkler (typos and transpositions in short strings, the
 * standard for names in record linkage) and the optimal-string-alignment
 * Damerau-Levenshtein distance (one typo in a date, a postcode or an id).
 * Both work on code points, so a CJK character counts as one.
 *
 * The folding functions keep one OpenCC and one ICU handle per process and
 * are not thread-safe; the similarity functions are pure.
 */
#ifndef CRM_MATCH_H
#define CRM_MATCH_H

#include <stdbool.h>
#include <stddef.h>

/* Returned strings are malloc'd (caller frees); NULL only when the input is
 * not valid UTF-8. An input with nothing left after folding gives "". */
char *crm_match_fold(const char *s);
/* Latin form: lower-case ASCII tokens separated by single spaces. Han text
 * is romanised (pinyin, no tones); other scripts ICU cannot romanise keep
 * their folded letters. */
char *crm_match_latin(const char *s);
/* Company key: legal form and a trailing branch marker removed, then folded. */
char *crm_match_company(const char *s);
/* True when s contains a Han character. */
bool crm_match_has_han(const char *s);
/* Release the OpenCC and ICU handles (for leak checkers; optional). */
void crm_match_cleanup(void);

/* Jaro-Winkler similarity in [0, 1] over code points (prefix scale 0.1, at
 * most 4 prefix characters). Two empty strings are 1. */
double crm_jaro_winkler(const char *a, const char *b);
/* Optimal string alignment distance (insert, delete, substitute, swap of two
 * neighbours) over code points, or limit + 1 when it exceeds limit. */
int crm_osa_distance(const char *a, const char *b, int limit);

/* Agreement levels, highest first; CRM_LEVEL_NULL: a side is empty, the field
 * says nothing about the pair. */
enum crm_level {
	CRM_LEVEL_NULL = -1,
	CRM_LEVEL_NONE = 0, /* clearly different */
	CRM_LEVEL_WEAK,     /* similar (Jaro-Winkler >= 0.80, same birth year ...) */
	CRM_LEVEL_CLOSE,    /* one typo, Jaro-Winkler >= 0.92, same romanisation */
	CRM_LEVEL_EXACT,    /* equal after folding */
	CRM_NLEVELS
};
const char *crm_level_name(enum crm_level l);

/* Compare two plain folded strings: exact, one edit (strings of 4+
 * characters) or Jaro-Winkler >= 0.92, Jaro-Winkler >= 0.80, none. */
enum crm_level crm_match_string(const char *a, const char *b);
/* Compare two names given their folded keys and Latin forms: exact key;
 * same Latin letters in either word order (陈小明 ~ Xiaoming Chen), or one
 * typo; Jaro-Winkler of the best order >= 0.80; none. */
enum crm_level crm_match_name(const char *key_a, const char *latin_a, const char *key_b,
                              const char *latin_b);
/* Compare two dates written YYYYMMDD (or any digit strings): exact; one
 * edit or day and month swapped; same year; none. */
enum crm_level crm_match_date(const char *a, const char *b);

#endif
