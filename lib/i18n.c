/* i18n — gettext set-up for the labels (see i18n.h). */
#include "i18n.h"

#include <libintl.h>
#include <limits.h>
#include <locale.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
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
