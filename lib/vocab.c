/* vocab — the words exports use for statuses, channels, kinds and severities (see vocab.h). */
#include "vocab.h"

#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "text.h"

const char crm_vocab_customer_status[] =
	"lead:lead|prospect|潜在客户|潛在客戶|线索|線索|意向客户|意向客戶|商机|商機;"
	"customer:customer|client|active|成交客户|成交客戶|客户|客戶|已成交|老客户|老客戶";
const char crm_vocab_channel[] =
	"phone:phone|call|telephone|tel|电话|電話|手机|手機|致电|致電;"
	"email:email|e-mail|mail|邮件|郵件|电子邮件|電子郵件|邮箱|郵箱;"
	"sms:sms|text|短信|简讯|簡訊;"
	"wechat:wechat|weixin|wx|微信|企业微信|企業微信;"
	"line:line;"
	"visit:visit|in_person|拜访|拜訪|上门|上門|到访|到訪|面谈|面談|来店|來店;"
	"other:other|其他|其它";
const char crm_vocab_order_status[] =
	"paid:paid|complete|completed|success|successful|done|shipped|delivered|ok|"
	"已付款|已支付|已完成|完成|交易成功|已发货|已發貨|已签收|已簽收|已收货|已收貨;"
	"refunded:refunded|refund|returned|退款|已退款|退货|退貨|已退货|已退貨;"
	"cancelled:cancelled|canceled|cancel|void|voided|closed|取消|已取消|已关闭|已關閉|作废|作廢";
const char crm_vocab_direction[] =
	"in:in|inbound|incoming|received|呼入|来电|來電|客户来电|客戶來電;"
	"out:out|outbound|outgoing|sent|呼出|去电|去電|外呼";
const char crm_vocab_interaction_kind[] =
	"call:call|phone|phone_call|电话|電話|通话|通話|致电|致電|回访|回訪;"
	"meeting:meeting|visit|会议|會議|会面|會面|拜访|拜訪|面谈|面談;"
	"message:message|sms|chat|email|wechat|消息|讯息|訊息|短信|微信|邮件|郵件;"
	"note:note|memo|备注|備註|记录|記錄;"
	"survey:survey|questionnaire|feedback|问卷|問卷|调查|調查|满意度调查|滿意度調查";
const char crm_vocab_severity[] =
	"low:low|minor|低|轻微|輕微;"
	"normal:normal|medium|moderate|中|一般|普通;"
	"high:high|major|高|重要|严重|嚴重;"
	"urgent:urgent|critical|blocker|紧急|緊急|特急|非常紧急|非常緊急";
const char crm_vocab_ticket_status[] =
	"open:open|new|pending|in_progress|待处理|待處理|处理中|處理中|未解决|未解決|新建|受理;"
	"resolved:resolved|solved|fixed|已解决|已解決|已处理|已處理;"
	"closed:closed|done|已关闭|已關閉|结案|結案|已结案|已結案";


/* Match a value against "canonical:synonym|synonym;canonical:..." lists
 * after crm_text_key folding. Returns the canonical word or NULL. */
static const char *
match(const char *table, const char *value, char *out, size_t outsz)
{
	char *key = crm_text_key(value);
	const char *p = table, *colon, *end, *w, *bar;
	size_t n;
	char word[64];
	char *wkey;
	const char *hit = NULL;

	if (key == NULL)
		return NULL;
	while (*p && hit == NULL) {
		colon = strchr(p, ':');
		end = strchr(p, ';');
		if (end == NULL)
			end = p + strlen(p);
		n = (size_t)(colon - p);
		for (w = colon + 1; w < end && hit == NULL; w = bar + 1) {
			bar = memchr(w, '|', (size_t)(end - w));
			if (bar == NULL)
				bar = end;
			if ((size_t)(bar - w) < sizeof word) {
				memcpy(word, w, (size_t)(bar - w));
				word[bar - w] = '\0';
				wkey = crm_text_key(word);
				if (wkey && strcmp(wkey, key) == 0 && n < outsz) {
					memcpy(out, p, n);
					out[n] = '\0';
					hit = out;
				}
				free(wkey);
			}
			if (bar == end)
				break;
		}
		p = *end ? end + 1 : end;
	}
	free(key);
	return hit;
}

crm_vocab *
crm_vocab_new(void)
{
	crm_vocab *v = crm_xcalloc(1, sizeof *v);

	v->cache = crm_hash_new();
	return v;
}

void
crm_vocab_free(crm_vocab *v)
{
	if (v == NULL)
		return;
	crm_hash_free(v->cache);
	crm_buf_free(&v->key);
	free(v);
}

const char *
crm_vocab_lookup(crm_vocab *v, const char *table, const char *value, char *out, size_t outsz)
{
	const char *w;
	int64_t hit;
	size_t len;

	crm_buf_reset(&v->key);
	crm_buf_append(&v->key, &table, sizeof table);
	crm_buf_puts(&v->key, value);
	if (crm_hash_get(v->cache, v->key.data, v->key.len, &hit)) {
		if (hit < 0 || (size_t)(hit >> 16) >= outsz)
			return NULL;
		len = (size_t)(hit >> 16);
		memcpy(out, table + (hit & 0xffff), len);
		out[len] = '\0';
		return out;
	}
	w = match(table, value, out, outsz);
	/* Remember the canonical word as its place in the table: the start of a
	 * "word:" entry, as offset | length << 16. */
	hit = -1;
	len = w ? strlen(w) : 0;
	for (const char *at = table; w != NULL && *at; at++) {
		if ((at == table || at[-1] == ';') && strncmp(at, w, len) == 0 && at[len] == ':') {
			hit = (int64_t)(at - table) | (int64_t)len << 16;
			break;
		}
	}
	if (hit >= 0 || w == NULL)
		crm_hash_put(v->cache, v->key.data, v->key.len, hit);
	return w;
}
