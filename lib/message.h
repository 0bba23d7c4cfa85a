/*
 * message — the message column of crm-remind: a template chosen by the
 * customer's language, filled with the reminder's columns by
 * crm_render_template ({{column}} and nothing else: no file is read, no
 * command run).
 *
 * Which template a reminder gets:
 *   1. one template for everything (--template FILE), when given;
 *   2. else the user's templates by language (--template-dir DIR, else
 *      remind.templates): the customer's language tag (crm_lang_tag), then
 *      each shorter tag (zh-Hant-TW, zh-Hant, zh), then "default";
 *   3. else the shipped message for the rule, in English, Simplified or
 *      Traditional Chinese as crm_lang_of_tag says for the language.
 * Templates are read once, when the run starts; a customer's language only
 * picks among them, so no value in the store ever names a file.
 */
#ifndef CRM_MESSAGE_H
#define CRM_MESSAGE_H

#include <stdbool.h>

#include "config.h"

typedef struct crm_messages crm_messages;

crm_messages *crm_messages_new(void);
void crm_messages_free(crm_messages *m);

/* A template file's text: read whole, newlines at its end dropped (they are
 * the file's, not the message's). A file that cannot be opened exits 66, a
 * read error 74 (messages name the file). Free the result. */
char *crm_message_read(const char *path);

/* Use tpl (copied) for every reminder, whatever the language. */
void crm_messages_set_all(crm_messages *m, const char *tpl);
/* Add a template for a language tag, or "default" (both copied); false when
 * lang is neither (nothing added). A tag given twice keeps the first. */
bool crm_messages_add(crm_messages *m, const char *lang, const char *tpl);
/* The files LANG.txt of directory dir, LANG a language tag (zh-TW.txt,
 * zh_TW.txt, en.txt) or "default"; other files are left alone. A
 * directory that cannot be read exits 66. */
void crm_messages_read_dir(crm_messages *m, const char *dir);
/* The files of remind.templates (cfg). A file that cannot be read exits 66
 * with the configuration's file and line named. */
void crm_messages_read_config(crm_messages *m, const struct crm_config *cfg);

/* The template for a reminder of rule whose contact is empty or not, for a
 * customer whose language field holds lang (raw, "" for none). Owned by m
 * (or static). */
const char *crm_messages_pick(const crm_messages *m, const char *rule, bool has_contact,
                              const char *lang);

#endif
