/* i18n — gettext set-up for the labels (see i18n.h). */
#include "i18n.h"

#include <libintl.h>
#include <limits.h>
#include <locale.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "diag.h"

#define DOMAIN "crm-tools"

static bool enabled;

int
crm_lang_parse(const char *s)
{
	if (strcmp(s, "en") == 0)
		return CRM_LANG_EN;
	if (strcmp(s, "zh-CN") == 0 || strcmp(s, "zh_CN") == 0)
		return CRM_LANG_ZH_CN;
	if (strcmp(s, "zh-TW") == 0 || strcmp(s, "zh_TW") == 0)
		return CRM_LANG_ZH_TW;
	return -2;
}

/* The catalog directory: $CRM_LOCALEDIR, else beside the program. */
static char *
locale_dir(void)
{
	const char *env = getenv("CRM_LOCALEDIR");
	char exe[PATH_MAX], *slash, *dir;
	ssize_t n;

	if (env != NULL && *env != '\0')
		return crm_xstrdup(env);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) == NULL)
		return NULL;
	*slash = '\0';
	dir = crm_xasprintf("%s/../locale", exe);
	if (access(dir, R_OK) == 0)
		return dir;
	free(dir);
	return crm_xasprintf("%s/../share/locale", exe);
}

void
crm_i18n_init(int lang)
{
	static const char *const names[] = { "en", "zh_CN", "zh_TW" };
	const char *cur;
	char *dir;

	if (lang == CRM_LANG_EN) {
		enabled = false;
		return;
	}
	if (lang >= 0 && setenv("LANGUAGE", names[lang], 1) != 0)
		crm_die_errno(CRM_EX_SOFTWARE, "cannot set LANGUAGE");
	/* gettext ignores LANGUAGE under the C locale: take C.UTF-8 then. */
	cur = setlocale(LC_MESSAGES, "");
	if (cur == NULL || strcmp(cur, "C") == 0 || strcmp(cur, "POSIX") == 0)
		(void)setlocale(LC_MESSAGES, "C.UTF-8");
	if ((dir = locale_dir()) == NULL)
		return;
	if (bindtextdomain(DOMAIN, dir) == NULL ||
	    bind_textdomain_codeset(DOMAIN, "UTF-8") == NULL)
		crm_die_errno(CRM_EX_SOFTWARE, "cannot set up the message catalog");
	free(dir);
	enabled = true;
}

const char *
crm_tr(const char *msgid)
{
	return enabled ? dgettext(DOMAIN, msgid) : msgid;
}

/* Names people write for a language instead of a tag (compared after
 * ASCII case folding). */
static const struct { const char *name, *tag; } lang_names[] = {
	{ "中文", "zh" }, { "简体中文", "zh-CN" }, { "簡體中文", "zh-CN" },
	{ "繁體中文", "zh-TW" }, { "繁体中文", "zh-TW" }, { "english", "en" }, { "英文", "en" },
};

static bool
is_ascii_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_ascii_alnum(char c)
{
	return is_ascii_alpha(c) || (c >= '0' && c <= '9');
}

bool
crm_lang_tag(const char *s, char *out, size_t n)
{
	const char *end;
	size_t len, i, sub = 0, at = 0, pos = 0;
	char c;

	if (n > 0)
		out[0] = '\0';
	if (s == NULL || n < CRM_LANG_TAG_MAX)
		return false;
	while (*s == ' ' || *s == '\t')
		s++;
	for (end = s + strlen(s); end > s && (end[-1] == ' ' || end[-1] == '\t'); end--)
		;
	len = (size_t)(end - s);
	for (i = 0; i < sizeof(lang_names) / sizeof(lang_names[0]); i++)
		if (strlen(lang_names[i].name) == len && strncasecmp(s, lang_names[i].name, len) == 0) {
			snprintf(out, n, "%s", lang_names[i].tag);
			return true;
		}
	if (len == 0 || len >= CRM_LANG_TAG_MAX)
		return false;
	/* Subtag by subtag: the first is the language (lower case), a 4-letter
	 * one later a script (Title case), a 2-letter one a region (upper). */
	for (i = 0; i <= len; i++) {
		c = i < len ? s[i] : '-';
		if (c == '-' || c == '_') {
			size_t sl = i - at;

			if (sl == 0 || sl > 8 || (sub == 0 && (sl < 2 || sl > 3)))
				return (out[0] = '\0', false);
			for (size_t k = at; k < i; k++) {
				char ch = s[k];

				if (sub == 0 && !is_ascii_alpha(ch))
					return (out[0] = '\0', false);
				if (ch >= 'A' && ch <= 'Z' && !(sub > 0 && (sl == 2 || (sl == 4 && k == at))))
					ch = (char)(ch - 'A' + 'a');
				else if (ch >= 'a' && ch <= 'z' && sub > 0 && (sl == 2 || (sl == 4 && k == at)))
					ch = (char)(ch - 'a' + 'A');
				out[pos++] = ch;
			}
			if (i < len)
				out[pos++] = '-';
			at = i + 1;
			sub++;
			continue;
		}
		if (!is_ascii_alnum(c))
			return (out[0] = '\0', false);
	}
	out[pos] = '\0';
	return true;
}

bool
crm_lang_tag_parent(char *tag)
{
	char *dash = strrchr(tag, '-');

	if (dash == NULL)
		return false;
	*dash = '\0';
	return true;
}

int
crm_lang_of_tag(const char *tag)
{
	const char *p;

	if (strncmp(tag, "zh", 2) != 0 || (tag[2] != '\0' && tag[2] != '-'))
		return CRM_LANG_EN;
	for (p = tag + 2; *p == '-'; ) {
		const char *q = p + 1;
		size_t l = strcspn(q, "-");

		if ((l == 4 && strncmp(q, "Hant", 4) == 0) ||
		    (l == 2 && (strncmp(q, "TW", 2) == 0 || strncmp(q, "HK", 2) == 0 ||
		                strncmp(q, "MO", 2) == 0)))
			return CRM_LANG_ZH_TW;
		p = q + l;
	}
	return CRM_LANG_ZH_CN;
}
