/*
 * match.c — folding with OpenCC (Traditional -> Simplified) and ICU
 * (Han -> pinyin), Jaro-Winkler and OSA distance over code points, and the
 * agreement levels crm-dedupe's model counts.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <opencc/opencc.h>
#include <unicode/ustring.h>
#include <unicode/utrans.h>
#include <utf8proc.h>

#include "diag.h"
#include "hash.h"
#include "match.h"
#include "text.h"

/* Longest string the similarity functions look at, in code points: names,
 * dates and postcodes are far shorter; a longer text is compared by its
 * head. */
#define MAX_CPS 128

static opencc_t t2s = (opencc_t)-1;
static bool t2s_tried;
static UTransliterator *to_latin;
static bool to_latin_tried;
static UTransliterator *to_latin_plain; /* Han-Latin without surname readings */
static bool to_latin_plain_tried;
/* Romanised Han characters, by code point: [0] as a name's first character
 * (surname reading), [1] elsewhere. ICU's rule engine costs microseconds a
 * string; a name is looked up a character at a time instead. */
static crm_hash *syllables[2];
static char **syllable_text; /* the syllables, owned here */
static size_t nsyllable_text;

static opencc_t
t2s_handle(void)
{
	if (!t2s_tried) {
		t2s_tried = true;
		t2s = opencc_open(OPENCC_DEFAULT_CONFIG_TRAD_TO_SIMP);
		if (t2s == (opencc_t)-1)
			crm_warn("OpenCC t2s tables not found: Traditional and Simplified "
			         "Chinese names are compared as written");
	}
	return t2s;
}

static UTransliterator *
open_transliterator(const char *rules)
{
	UChar id[128];
	UErrorCode err = U_ZERO_ERROR;
	UTransliterator *t;

	u_uastrncpy(id, rules, 127);
	id[127] = 0;
	t = utrans_openU(id, -1, UTRANS_FORWARD, NULL, 0, NULL, &err);
	if (U_FAILURE(err)) {
		crm_warn("ICU transliterator unavailable (%s): names are not romanised",
		         u_errorName(err));
		return NULL;
	}
	return t;
}

static UTransliterator *
latin_handle(void)
{
	if (!to_latin_tried) {
		to_latin_tried = true;
		to_latin = open_transliterator("Han-Latin/Names; Any-Latin; Latin-ASCII; Lower");
	}
	return to_latin;
}

static UTransliterator *
latin_plain_handle(void)
{
	if (!to_latin_plain_tried) {
		to_latin_plain_tried = true;
		to_latin_plain = open_transliterator("Han-Latin; Latin-ASCII; Lower");
	}
	return to_latin_plain;
}

void
crm_match_cleanup(void)
{
	if (t2s_tried && t2s != (opencc_t)-1)
		opencc_close(t2s);
	if (to_latin != NULL)
		utrans_close(to_latin);
	if (to_latin_plain != NULL)
		utrans_close(to_latin_plain);
	for (int i = 0; i < 2; i++) {
		crm_hash_free(syllables[i]);
		syllables[i] = NULL;
	}
	for (size_t i = 0; i < nsyllable_text; i++)
		free(syllable_text[i]);
	free(syllable_text);
	syllable_text = NULL;
	nsyllable_text = 0;
	t2s = (opencc_t)-1;
	to_latin = to_latin_plain = NULL;
	t2s_tried = to_latin_tried = to_latin_plain_tried = false;
}

/* Traditional -> Simplified of s (takes ownership of s). */
static char *
simplify(char *s)
{
	opencc_t h;
	char *out, *copy;

	if (s == NULL || !crm_match_has_han(s))
		return s;
	h = t2s_handle();
	if (h == (opencc_t)-1)
		return s;
	out = opencc_convert_utf8(h, s, strlen(s));
	if (out == NULL)
		return s;
	copy = crm_xstrdup(out);
	opencc_convert_utf8_free(out);
	free(s);
	return copy;
}

static bool
is_han(int32_t cp)
{
	return (cp >= 0x3400 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
	       (cp >= 0x20000 && cp <= 0x3134F);
}

bool
crm_match_has_han(const char *s)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	utf8proc_int32_t cp;
	utf8proc_ssize_t n;

	while (*p != 0) {
		n = utf8proc_iterate(p, -1, &cp);
		if (n <= 0)
			return false;
		if (is_han(cp))
			return true;
		p += n;
	}
	return false;
}

char *
crm_match_fold(const char *s)
{
	return simplify(crm_text_key(s));
}

/* Case-folded NFKC of s with every run of non-letters/digits turned into one
 * space, trimmed: the word structure crm_text_key throws away. */
static char *
words(const char *s)
{
	utf8proc_uint8_t *folded = NULL, *p;
	utf8proc_ssize_t n;
	utf8proc_int32_t cp;
	char *out, *o;
	bool gap = false;

	if (!crm_text_valid_utf8(s, strlen(s)))
		return NULL;
	n = utf8proc_map((const utf8proc_uint8_t *)s, 0, &folded,
	                 UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPAT |
	                     UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD);
	if (n < 0)
		return NULL;
	out = crm_xmalloc((size_t)n + 1);
	o = out;
	for (p = folded; *p != 0;) {
		utf8proc_ssize_t k = utf8proc_iterate(p, -1, &cp);
		utf8proc_category_t c;

		if (k <= 0)
			break;
		c = utf8proc_category(cp);
		if ((c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_ME) ||
		    (c >= UTF8PROC_CATEGORY_ND && c <= UTF8PROC_CATEGORY_NO)) {
			if (gap && o != out)
				*o++ = ' ';
			gap = false;
			memcpy(o, p, (size_t)k);
			o += k;
		} else {
			gap = true;
		}
		p += k;
	}
	*o = 0;
	free(folded);
	return out;
}

/* ICU transliteration of UTF-8 s to ASCII, or NULL when ICU is missing or
 * fails. */
static char *
transliterate(UTransliterator *t, const char *s)
{
	UErrorCode err = U_ZERO_ERROR;
	int32_t len = 0, limit, cap;
	UChar *buf;
	char *out;

	if (t == NULL)
		return NULL;
	u_strFromUTF8(NULL, 0, &len, s, -1, &err);
	if (err != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(err))
		return NULL;
	err = U_ZERO_ERROR;
	cap = len * 8 + 16; /* a Han character becomes up to 6 letters and a space */
	buf = crm_xcalloc((size_t)cap, sizeof *buf);
	u_strFromUTF8(buf, cap, NULL, s, -1, &err);
	limit = len;
	if (U_SUCCESS(err))
		utrans_transUChars(t, buf, &len, cap, 0, &limit, &err);
	if (U_FAILURE(err)) {
		free(buf);
		return NULL;
	}
	out = crm_xmalloc((size_t)len * 3 + 1);
	u_strToUTF8(out, len * 3 + 1, NULL, buf, len, &err);
	free(buf);
	if (U_FAILURE(err)) {
		free(out);
		return NULL;
	}
	return out;
}


/* The romanisation of Han character cp (UTF-8 in utf8[0..len)), as a name's
 * first character or not; NULL when ICU cannot give one. */
static const char *
syllable(int32_t cp, const char *utf8, size_t len, bool first)
{
	int64_t idx;
	char one[8], *latin;

	if (syllables[first] == NULL)
		syllables[first] = crm_hash_new();
	if (crm_hash_get(syllables[first], &cp, sizeof cp, &idx))
		return syllable_text[idx];
	memcpy(one, utf8, len);
	one[len] = 0;
	latin = transliterate(first ? latin_handle() : latin_plain_handle(), one);
	if (latin == NULL)
		return NULL;
	syllable_text = crm_xreallocarray(syllable_text, nsyllable_text + 1, sizeof *syllable_text);
	syllable_text[nsyllable_text] = latin;
	crm_hash_put(syllables[first], &cp, sizeof cp, (int64_t)nsyllable_text);
	return syllable_text[nsyllable_text++];
}

/* Romanise a text whose non-ASCII characters are all Han, a character at a
 * time (a space between syllables, the first Han character read as a
 * surname); NULL when some other script is in it. */
static char *
latin_by_character(const char *w)
{
	crm_buf out = {0};
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)w;
	bool first = true;

	while (*p != 0) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate(p, -1, &cp);
		const char *syl;

		if (k <= 0)
			break;
		if (cp < 0x80) {
			crm_buf_putc(&out, (char)cp);
			if (cp == ' ')
				first = false;
			p += k;
			continue;
		}
		if (!is_han(cp) || (syl = syllable(cp, (const char *)p, (size_t)k, first)) == NULL) {
			crm_buf_free(&out);
			return NULL;
		}
		crm_buf_putc(&out, ' ');
		crm_buf_puts(&out, syl);
		crm_buf_putc(&out, ' ');
		first = false;
		p += k;
	}
	if (out.data == NULL)
		return crm_xstrdup("");
	return out.data;
}

char *
crm_match_latin(const char *s)
{
	char *w = words(s), *latin, *clean;

	if (w == NULL)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)w; *p != 0; p++)
		if (*p >= 0x80) {
			latin = latin_by_character(w);
			if (latin == NULL)
				latin = transliterate(latin_handle(), w);
			if (latin == NULL)
				return w;
			clean = words(latin);
			free(latin);
			if (clean == NULL)
				return w;
			free(w);
			return clean;
		}
	return w;
}

/* Legal forms and the like, as they look after words(): Latin ones are whole
 * trailing words, Chinese ones trailing characters (after t2s, so 有限責任公司
 * is covered by 有限责任公司). Longest first within each list. */
static const char *const latin_forms[] = {
	"incorporated", "corporation", "company", "limited", "corp", "gmbh", "llc", "ltd",
	"inc", "plc", "pte", "pty", "pvt", "co", "ag", "sa", "bv", "kk", "llp", "lp", "srl",
	"spa", "oy", "ab", "as", "nv", "sarl", "kft", "the", NULL,
};
static const char *const han_forms[] = {
	"股份有限公司", "有限责任公司", "有限公司", "股份公司", "集团公司", "分公司", "总公司",
	"株式会社", "公司", NULL,
};

static bool
strip_trailing_word(char *w)
{
	char *space = strrchr(w, ' ');
	const char *last = space != NULL ? space + 1 : w;

	if (space == NULL)
		return false; /* never strip a company down to nothing */
	for (size_t i = 0; latin_forms[i] != NULL; i++)
		if (strcmp(last, latin_forms[i]) == 0) {
			*space = 0;
			return true;
		}
	return false;
}

static bool
strip_han_suffix(char *k)
{
	size_t n = strlen(k);

	for (size_t i = 0; han_forms[i] != NULL; i++) {
		size_t f = strlen(han_forms[i]);

		if (n > f && strcmp(k + n - f, han_forms[i]) == 0) {
			k[n - f] = 0;
			return true;
		}
	}
	return false;
}

char *
crm_match_company(const char *s)
{
	char *w = words(s), *key;

	if (w == NULL)
		return NULL;
	/* A leading "the" too: "The Example Company" ~ "Example Co." */
	if (strncmp(w, "the ", 4) == 0)
		memmove(w, w + 4, strlen(w + 4) + 1);
	while (strip_trailing_word(w))
		;
	key = crm_match_fold(w);
	free(w);
	if (key == NULL)
		return NULL;
	while (strip_han_suffix(key))
		;
	return key;
}

/* Code points of s into cps (at most MAX_CPS); returns the count. */
static int
code_points(const char *s, int32_t *cps)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	int n = 0;

	while (*p != 0 && n < MAX_CPS) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k;

		if (*p < 0x80) { /* the common case, without a decoder call */
			cps[n++] = *p++;
			continue;
		}
		k = utf8proc_iterate(p, -1, &cp);

		if (k <= 0) {
			cp = *p;
			k = 1;
		}
		cps[n++] = cp;
		p += k;
	}
	return n;
}

double
crm_jaro_winkler(const char *a, const char *b)
{
	int32_t ca[MAX_CPS], cb[MAX_CPS];
	bool ma[MAX_CPS], mb[MAX_CPS];
	int na = code_points(a, ca), nb = code_points(b, cb);
	int window, matches = 0, half_transpositions = 0, prefix = 0, k = 0;
	double jaro;

	memset(ma, 0, (size_t)na);
	memset(mb, 0, (size_t)nb);

	if (na == 0 && nb == 0)
		return 1.0;
	if (na == 0 || nb == 0)
		return 0.0;
	window = (na > nb ? na : nb) / 2 - 1;
	if (window < 0)
		window = 0;
	for (int i = 0; i < na; i++) {
		int lo = i - window < 0 ? 0 : i - window;
		int hi = i + window + 1 > nb ? nb : i + window + 1;

		for (int j = lo; j < hi; j++)
			if (!mb[j] && ca[i] == cb[j]) {
				ma[i] = mb[j] = true;
				matches++;
				break;
			}
	}
	if (matches == 0)
		return 0.0;
	for (int i = 0; i < na; i++) {
		if (!ma[i])
			continue;
		while (!mb[k])
			k++;
		if (ca[i] != cb[k])
			half_transpositions++;
		k++;
	}
	jaro = ((double)matches / na + (double)matches / nb +
	        (matches - half_transpositions / 2.0) / matches) / 3.0;
	while (prefix < 4 && prefix < na && prefix < nb && ca[prefix] == cb[prefix])
		prefix++;
	return jaro + prefix * 0.1 * (1.0 - jaro);
}

int
crm_osa_distance(const char *a, const char *b, int limit)
{
	int32_t ca[MAX_CPS], cb[MAX_CPS];
	int na = code_points(a, ca), nb = code_points(b, cb);
	/* Three rows of the dynamic programme: i-2, i-1 and i. */
	int rows[3][MAX_CPS + 1];

	if (abs(na - nb) > limit)
		return limit + 1;
	for (int j = 0; j <= nb; j++)
		rows[0][j] = j;
	for (int i = 1; i <= na; i++) {
		int *cur = rows[i % 3], *prev = rows[(i - 1) % 3], *prev2 = rows[(i - 2 + 3) % 3];
		int best = cur[0] = i;

		for (int j = 1; j <= nb; j++) {
			int cost = ca[i - 1] == cb[j - 1] ? 0 : 1;
			int v = prev[j] + 1;

			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (prev[j - 1] + cost < v)
				v = prev[j - 1] + cost;
			if (i > 1 && j > 1 && ca[i - 1] == cb[j - 2] && ca[i - 2] == cb[j - 1] &&
			    prev2[j - 2] + 1 < v)
				v = prev2[j - 2] + 1;
			cur[j] = v;
			if (v < best)
				best = v;
		}
		if (best > limit)
			return limit + 1;
	}
	return rows[na % 3][nb] > limit ? limit + 1 : rows[na % 3][nb];
}

const char *
crm_level_name(enum crm_level l)
{
	static const char *const names[] = {"none", "weak", "close", "exact"};

	return l >= 0 && l < CRM_NLEVELS ? names[l] : "null";
}

static size_t
cp_count(const char *s)
{
	size_t n = 0;

	for (; *s != 0; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

enum crm_level
crm_match_string(const char *a, const char *b)
{
	double jw;

	if (a == NULL || b == NULL || *a == 0 || *b == 0)
		return CRM_LEVEL_NULL;
	if (strcmp(a, b) == 0)
		return CRM_LEVEL_EXACT;
	if (cp_count(a) >= 4 && cp_count(b) >= 4 && crm_osa_distance(a, b, 1) <= 1)
		return CRM_LEVEL_CLOSE;
	jw = crm_jaro_winkler(a, b);
	if (jw >= 0.92)
		return CRM_LEVEL_CLOSE;
	return jw >= 0.80 ? CRM_LEVEL_WEAK : CRM_LEVEL_NONE;
}

/* The Latin tokens joined in three orders: as written, first word moved to
 * the end, last word moved to the front ("chen xiao ming" gives chenxiaoming,
 * xiaomingchen, mingchenxiao). */
static void
name_orders(const char *latin, char out[3][MAX_CPS * 4 + 1])
{
	size_t n = strlen(latin), o = 0;
	const char *first_space = strchr(latin, ' '), *last_space = strrchr(latin, ' ');

	if (n > MAX_CPS * 4)
		n = MAX_CPS * 4;
	for (size_t i = 0; i < n; i++)
		if (latin[i] != ' ')
			out[0][o++] = latin[i];
	out[0][o] = 0;
	strcpy(out[1], out[0]);
	strcpy(out[2], out[0]);
	if (first_space == NULL || (size_t)(last_space - latin) >= n)
		return;
	{
		size_t first_len = (size_t)(first_space - latin);
		size_t last_len = n - (size_t)(last_space - latin) - 1;

		/* first word to the end */
		memmove(out[1], out[0] + first_len, o - first_len);
		memcpy(out[1] + o - first_len, out[0], first_len);
		/* last word to the front */
		memcpy(out[2], out[0] + o - last_len, last_len);
		memcpy(out[2] + last_len, out[0], o - last_len);
	}
}

enum crm_level
crm_match_name(const char *key_a, const char *latin_a, const char *key_b, const char *latin_b)
{
	char oa[3][MAX_CPS * 4 + 1], ob[3][MAX_CPS * 4 + 1];
	double best = 0;

	if (key_a == NULL || key_b == NULL || *key_a == 0 || *key_b == 0)
		return CRM_LEVEL_NULL;
	if (strcmp(key_a, key_b) == 0)
		return CRM_LEVEL_EXACT;
	if (latin_a == NULL || latin_b == NULL || *latin_a == 0 || *latin_b == 0)
		return crm_match_string(key_a, key_b);
	name_orders(latin_a, oa);
	name_orders(latin_b, ob);
	/* One word on both sides: the three orders are one. */
	for (int i = 0; i < (strchr(latin_a, ' ') || strchr(latin_b, ' ') ? 3 : 1); i++) {
		double jw;

		if (strcmp(oa[i], ob[0]) == 0 || strcmp(oa[0], ob[i]) == 0)
			return CRM_LEVEL_CLOSE;
		jw = crm_jaro_winkler(oa[i], ob[0]);
		if (jw > best)
			best = jw;
		jw = crm_jaro_winkler(oa[0], ob[i]);
		if (jw > best)
			best = jw;
	}
	/* A Chinese name read in pinyin: the Winkler bonus for a shared start
	 * rewards a shared surname, which strangers have (陈志伟 ~ 陈小明); only
	 * a near-identical reading (an IME slip, xiaoming ~ xiaomin) is weak
	 * evidence, and a different character with a different sound none. */
	if (crm_match_has_han(key_a) || crm_match_has_han(key_b))
		return best >= 0.95 ? CRM_LEVEL_WEAK : CRM_LEVEL_NONE;
	/* One typo in a longer Latin spelling. */
	if (cp_count(key_a) >= 5 && crm_osa_distance(key_a, key_b, 1) <= 1)
		return CRM_LEVEL_CLOSE;
	if (best >= 0.92)
		return CRM_LEVEL_CLOSE;
	return best >= 0.80 ? CRM_LEVEL_WEAK : CRM_LEVEL_NONE;
}

enum crm_level
crm_match_date(const char *a, const char *b)
{
	size_t na, nb;

	if (a == NULL || b == NULL || *a == 0 || *b == 0)
		return CRM_LEVEL_NULL;
	if (strcmp(a, b) == 0)
		return CRM_LEVEL_EXACT;
	na = strlen(a);
	nb = strlen(b);
	if (crm_osa_distance(a, b, 1) <= 1)
		return CRM_LEVEL_CLOSE;
	/* YYYYMMDD with month and day swapped (a US/EU order mix-up). */
	if (na == 8 && nb == 8 && memcmp(a, b, 4) == 0 && memcmp(a + 4, b + 6, 2) == 0 &&
	    memcmp(a + 6, b + 4, 2) == 0)
		return CRM_LEVEL_CLOSE;
	if (na >= 4 && nb >= 4 && memcmp(a, b, 4) == 0)
		return CRM_LEVEL_WEAK;
	return CRM_LEVEL_NONE;
}
