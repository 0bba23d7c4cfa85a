/*
 * message.c — templates by language for crm-remind's message column (see
 * message.h).
 *
 * The shipped messages are a table here rather than a gettext catalog:
 * gettext gives one language per process, while each reminder here takes
 * its customer's, and the messages must not change with what is installed
 * beside the program. The Chinese messages leave the reason out: reasons
 * are written in English (in the reason column beside the message).
 */
#include "message.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "i18n.h"

/* The shipped messages: per language, with a contact and without one. */
struct shipped {
	const char *rule;           /* NULL: every other rule */
	const char *text[3][2];     /* [enum crm_lang][has contact] */
};

static const struct shipped shipped[] = {
	{ "sla", {
		{ "Escalation: {{name}} — {{reason}}.",
		  "Escalation: {{name}} — {{reason}}. Call {{contact}} today." },
		{ "投诉升级：{{name}}的投诉已超时，请今天处理。",
		  "投诉升级：{{name}}的投诉已超时，请今天致电 {{contact}}。" },
		{ "客訴升級：{{name}}的客訴已逾時，請今天處理。",
		  "客訴升級：{{name}}的客訴已逾時，請今天致電 {{contact}}。" } } },
	{ "winback", {
		{ "Follow up with {{name}}: {{reason}}.",
		  "Win back {{name}}: {{reason}}. Reach them by {{channel}} ({{contact}})." },
		{ "挽回老客户{{name}}：请尽快联系。", "挽回老客户{{name}}：请尽快联系（{{contact}}）。" },
		{ "挽回老客戶{{name}}：請盡快聯絡。", "挽回老客戶{{name}}：請盡快聯絡（{{contact}}）。" } } },
	{ "satisfaction", {
		{ "Follow up with {{name}}: {{reason}}.",
		  "Call {{name}} ({{contact}}) about their feedback: {{reason}}." },
		{ "请跟进{{name}}的满意度反馈。", "请致电{{name}}（{{contact}}），跟进其满意度反馈。" },
		{ "請跟進{{name}}的滿意度回饋。", "請致電{{name}}（{{contact}}），跟進其滿意度回饋。" } } },
	{ "birthday", {
		{ "Follow up with {{name}}: {{reason}}.",
		  "Send {{name}} birthday wishes by {{channel}} ({{contact}}): {{reason}}." },
		{ "{{name}}的生日快到了，请送上祝福。", "{{name}}的生日快到了，请送上祝福（{{contact}}）。" },
		{ "{{name}}的生日快到了，請送上祝福。", "{{name}}的生日快到了，請送上祝福（{{contact}}）。" } } },
	{ "anniversary", {
		{ "Follow up with {{name}}: {{reason}}.", "Thank {{name}}: {{reason}}." },
		{ "首单周年将至，请向{{name}}致谢。", "首单周年将至，请向{{name}}致谢（{{contact}}）。" },
		{ "首次訂購週年將至，請向{{name}}致謝。",
		  "首次訂購週年將至，請向{{name}}致謝（{{contact}}）。" } } },
	{ NULL, {
		{ "Follow up with {{name}}: {{reason}}.",
		  "Follow up with {{name}} by {{channel}} ({{contact}}): {{reason}}." },
		{ "请跟进{{name}}。", "请跟进{{name}}（{{contact}}）。" },
		{ "請跟進{{name}}。", "請跟進{{name}}（{{contact}}）。" } } },
};
#define NSHIPPED (sizeof(shipped) / sizeof(shipped[0]))

struct user_template {
	char lang[CRM_LANG_TAG_MAX]; /* canonical tag, or "default" */
	char *text;
};

struct crm_messages {
	char *all;                   /* --template, or NULL */
	struct user_template *v;
	size_t n;
};

crm_messages *
crm_messages_new(void)
{
	return crm_xcalloc(1, sizeof(crm_messages));
}

void
crm_messages_free(crm_messages *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].text);
	free(m->v);
	free(m->all);
	free(m);
}

char *
crm_message_read(const char *path)
{
	FILE *fp = fopen(path, "r");
	crm_buf b = {0};
	char chunk[4096];
	size_t n;
	char *s;

	if (fp == NULL)
		crm_die_errno(CRM_EX_NOINPUT, "%s", path);
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
		crm_buf_append(&b, chunk, n);
	if (ferror(fp))
		crm_die_errno(CRM_EX_IOERR, "%s: read error", path);
	fclose(fp);
	s = crm_xstrdup(crm_buf_str(&b));
	crm_buf_free(&b);
	n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

void
crm_messages_set_all(crm_messages *m, const char *tpl)
{
	free(m->all);
	m->all = crm_xstrdup(tpl);
}

static const struct user_template *
find(const crm_messages *m, const char *lang)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->v[i].lang, lang) == 0)
			return &m->v[i];
	return NULL;
}

bool
crm_messages_add(crm_messages *m, const char *lang, const char *tpl)
{
	char tag[CRM_LANG_TAG_MAX];

	if (strcmp(lang, "default") == 0)
		snprintf(tag, sizeof tag, "default");
	else if (!crm_lang_tag(lang, tag, sizeof tag))
		return false;
	if (find(m, tag) != NULL)
		return true;
	m->v = crm_xreallocarray(m->v, m->n + 1, sizeof(*m->v));
	memcpy(m->v[m->n].lang, tag, sizeof tag);
	m->v[m->n].text = crm_xstrdup(tpl);
	m->n++;
	return true;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
crm_messages_read_dir(crm_messages *m, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL, *base, *path, *text;
	size_t n = 0, i, len;

	if (d == NULL)
		crm_die_errno(CRM_EX_NOINPUT, "%s", dir);
	errno = 0;
	while ((e = readdir(d)) != NULL) {
		len = strlen(e->d_name);
		if (len > 4 && strcmp(e->d_name + len - 4, ".txt") == 0) {
			names = crm_xreallocarray(names, n + 1, sizeof(*names));
			names[n++] = crm_xstrdup(e->d_name);
		}
		errno = 0;
	}
	if (errno != 0)
		crm_die_errno(CRM_EX_IOERR, "%s: read error", dir);
	closedir(d);
	/* In name order, so which of zh-TW.txt and zh_TW.txt counts does not
	 * depend on the file system. */
	qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		char tag[CRM_LANG_TAG_MAX];

		base = crm_xstrndup(names[i], strlen(names[i]) - 4);
		if (strcmp(base, "default") == 0 || crm_lang_tag(base, tag, sizeof tag)) {
			path = crm_xasprintf("%s/%s", dir, names[i]);
			text = crm_message_read(path);
			crm_messages_add(m, base, text);
			free(text), free(path);
		}
		free(base);
		free(names[i]);
	}
	free(names);
}

void
crm_messages_read_config(crm_messages *m, const struct crm_config *cfg)
{
	for (size_t i = 0; i < cfg->nremind_templates; i++) {
		const struct crm_lang_file *f = &cfg->remind_templates[i];
		FILE *fp = fopen(f->path, "r");
		char *text;

		if (fp == NULL)
			crm_die_errno(CRM_EX_NOINPUT, "%s:%ld: remind.templates.%s: %s",
			              cfg->path ? cfg->path : "config", f->line, f->lang, f->path);
		fclose(fp);
		text = crm_message_read(f->path);
		crm_messages_add(m, f->lang, text);
		free(text);
	}
}

static const char *
shipped_text(const char *rule, int lang, bool has_contact)
{
	size_t i;

	for (i = 0; i < NSHIPPED - 1; i++)
		if (strcmp(shipped[i].rule, rule) == 0)
			break;
	return shipped[i].text[lang][has_contact];
}

const char *
crm_messages_pick(const crm_messages *m, const char *rule, bool has_contact, const char *lang)
{
	char tag[CRM_LANG_TAG_MAX];
	const struct user_template *t;
	bool known = crm_lang_tag(lang, tag, sizeof tag);

	if (m->all != NULL)
		return m->all;
	if (m->n > 0) {
		if (known) {
			char try[CRM_LANG_TAG_MAX];

			memcpy(try, tag, sizeof tag);
			do {
				if ((t = find(m, try)) != NULL)
					return t->text;
			} while (crm_lang_tag_parent(try));
		}
		if ((t = find(m, "default")) != NULL)
			return t->text;
	}
	return shipped_text(rule, known ? crm_lang_of_tag(tag) : CRM_LANG_EN, has_contact);
}
