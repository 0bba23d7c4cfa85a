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
/* Marks a string for the catalog without translating it here. */
#define N_(s) (s)

#endif
