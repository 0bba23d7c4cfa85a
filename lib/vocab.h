/*
 * vocab — the words exports use for statuses, channels, interaction kinds
 * and severities, in English, Simplified and Traditional Chinese, and the
 * canonical word each one stands for ("已付款" -> "paid", "微信" -> "wechat").
 *
 * A table is text: "canonical:synonym|synonym;canonical:...". Values are
 * matched after crm_text_key() folding (case, width, spaces, punctuation).
 * A crm_vocab remembers its answers per (table, value): a status column
 * repeats a few values millions of times.
 */
#ifndef CRM_VOCAB_H
#define CRM_VOCAB_H

#include <stddef.h>

#include "diag.h"
#include "hash.h"

extern const char crm_vocab_customer_status[]; /* lead, customer */
extern const char crm_vocab_channel[];         /* phone email sms wechat line visit other */
extern const char crm_vocab_order_status[];    /* paid, refunded, cancelled */
extern const char crm_vocab_direction[];       /* in, out */
extern const char crm_vocab_interaction_kind[];/* call meeting message note survey */
extern const char crm_vocab_severity[];        /* low normal high urgent */
extern const char crm_vocab_ticket_status[];   /* open resolved closed */

typedef struct crm_vocab {
	crm_hash *cache;  /* (table, value) -> offset | length << 16, or -1 */
	crm_buf key;      /* scratch for the cache key */
} crm_vocab;

crm_vocab *crm_vocab_new(void);
void crm_vocab_free(crm_vocab *v);

/* The canonical word for value in table, copied into out (outsz bytes), or
 * NULL when value is none of the table's words. */
const char *crm_vocab_lookup(crm_vocab *v, const char *table, const char *value, char *out,
                             size_t outsz);

#endif
