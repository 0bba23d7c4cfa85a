/*
 * i18n — the language of the labels people read (crm-report): English,
 * Simplified or Traditional Chinese, through gettext catalogs (po/LANG.po,
 * compiled by make into LOCALE/LANG/LC_MESSAGES/crm-tools.mo).
 *
 * Catalogs are looked for in $CRM_LOCALEDIR, then beside the program
 * (BIN/../locale, the build tree; BIN/../share/locale, an installed tree).
 * Only LC_MESSAGES follows the language: numbers keep the C locale's form,
 * so "1234.50" never becomes "1234,50". Machine names (metric names, CSV
 * headers) are never translated.
 */
#ifndef CRM_I18N_H
#define CRM_I18N_H

#include <stdbool.h>
#include <stddef.h>

/* The languages crm_i18n_init takes. */
enum crm_lang { CRM_LANG_ENV = -1, CRM_LANG_EN = 0, CRM_LANG_ZH_CN = 1, CRM_LANG_ZH_TW = 2 };

/* "en", "zh-CN" (also zh_CN), "zh-TW" (also zh_TW) → the language, or -2. */
int crm_lang_parse(const char *s);
/* Set the labels' language: CRM_LANG_ENV follows LANGUAGE/LC_ALL/
 * LC_MESSAGES/LANG as gettext does; CRM_LANG_EN never translates. */
void crm_i18n_init(int lang);
/* msgid in the chosen language (msgid itself when there is no catalog or
 * no translation). Owned by the catalog; never NULL. */
const char *crm_tr(const char *msgid);
/* A language tag as customers' records hold it, in its canonical form:
 * "zh_tw", "ZH-TW" → "zh-TW"; "zh-hant-tw" → "zh-Hant-TW"; "EN" → "en".
 * Subtags are ASCII letters and digits, 1 to 8 of them, the first 2 or 3
 * letters; '_' separates like '-'; white space around is ignored. A few
 * names people type instead are taken too: 中文 → zh, 简体中文 and 簡體中文
 * → zh-CN, 繁體中文 and 繁体中文 → zh-TW, English and 英文 → en (any case).
 * Returns true with the tag in out (n >= CRM_LANG_TAG_MAX), or false with
 * out "" for anything else (so no customer value ever becomes part of a
 * path or a pattern). */
#define CRM_LANG_TAG_MAX 36
bool crm_lang_tag(const char *s, char *out, size_t n);
/* The next shorter tag to fall back to: "zh-Hant-TW" → "zh-Hant" → "zh";
 * false when tag has one subtag. Shortens tag in place. */
bool crm_lang_tag_parent(char *tag);
/* Which of the three languages the toolkit writes suits a canonical tag:
 * zh with script Hant or region TW, HK or MO → CRM_LANG_ZH_TW; any other
 * zh → CRM_LANG_ZH_CN; anything else (and "") → CRM_LANG_EN. */
int crm_lang_of_tag(const char *tag);

/* Marks a string for the catalog without translating it here. */
#define N_(s) (s)

#endif
