/* mapping — header synonyms, field names and kind detection (see mapping.h). */
#include "mapping.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvio.h"
#include "diag.h"
#include "text.h"

static const char *const kind_names[CRM_NKINDS] = {
	"customers", "orders", "interactions", "tickets",
};

static const char *const field_names[CRM_NFIELDS] = {
	[F_EXTERNAL_ID] = "external_id", [F_CUSTOMER_REF] = "customer_id",
	[F_NAME] = "name", [F_COMPANY] = "company", [F_EMAIL] = "email",
	[F_PHONE] = "phone", [F_CITY] = "city", [F_REGION] = "region",
	[F_COUNTRY] = "country", [F_INDUSTRY] = "industry", [F_SIZE] = "size",
	[F_OWNER] = "owner", [F_CHANNEL] = "channel", [F_STATUS] = "status",
	[F_PREFERRED_CHANNEL] = "preferred_channel", [F_BIRTHDAY] = "birthday",
	[F_TAGS] = "tags", [F_NOTES] = "notes", [F_CREATED_AT] = "created_at",
	[F_ORDER_NO] = "order_no", [F_ORDERED_AT] = "ordered_at", [F_AMOUNT] = "amount",
	[F_CURRENCY] = "currency", [F_QUANTITY] = "quantity", [F_PRODUCT] = "product",
	[F_CATEGORY] = "category", [F_AT] = "at", [F_DIRECTION] = "direction",
	[F_INTERACTION_KIND] = "kind", [F_SUMMARY] = "summary", [F_CSAT] = "csat",
	[F_NPS] = "nps", [F_TICKET_NO] = "ticket_no", [F_OPENED_AT] = "opened_at",
	[F_SEVERITY] = "severity", [F_RESOLVED_AT] = "resolved_at",
};

/* Which fields each kind accepts. In a customers file the customer_id
 * synonyms name the record's own external id. */
static const enum crm_field kind_fields[CRM_NKINDS][24] = {
	[CRM_KIND_CUSTOMERS] = {F_EXTERNAL_ID, F_NAME, F_COMPANY, F_EMAIL, F_PHONE, F_CITY,
		F_REGION, F_COUNTRY, F_INDUSTRY, F_SIZE, F_OWNER, F_CHANNEL, F_STATUS,
		F_PREFERRED_CHANNEL, F_BIRTHDAY, F_TAGS, F_NOTES, F_CREATED_AT, F_NONE},
	[CRM_KIND_ORDERS] = {F_ORDER_NO, F_CUSTOMER_REF, F_NAME, F_EMAIL, F_PHONE,
		F_ORDERED_AT, F_AMOUNT, F_CURRENCY, F_QUANTITY, F_PRODUCT, F_CATEGORY,
		F_CHANNEL, F_STATUS, F_NONE},
	[CRM_KIND_INTERACTIONS] = {F_CUSTOMER_REF, F_NAME, F_EMAIL, F_PHONE, F_AT,
		F_CHANNEL, F_DIRECTION, F_INTERACTION_KIND, F_OWNER, F_SUMMARY, F_CSAT,
		F_NPS, F_NONE},
	[CRM_KIND_TICKETS] = {F_TICKET_NO, F_CUSTOMER_REF, F_NAME, F_EMAIL, F_PHONE,
		F_OPENED_AT, F_CATEGORY, F_SEVERITY, F_STATUS, F_RESOLVED_AT, F_OWNER,
		F_CSAT, F_SUMMARY, F_NONE},
};

/*
 * Built-in synonyms, '|'-separated, compared after crm_text_key() folding.
 * The first entry whose field the kind accepts wins, so generic words
 * ("date", "日期") sit under several fields and resolve by kind. Words are
 * what English, mainland and Taiwanese exports (Excel sheets, web shops,
 * POS systems, Chinese CRMs) actually use; add local ones in the config.
 */
static const struct synonyms {
	enum crm_field field;
	const char *words;
} builtin[] = {
	{F_EXTERNAL_ID, "external_id|id|customer_code|client_id|编号|編號|客户代码|客戶代碼"},
	{F_CUSTOMER_REF, "customer_id|customer_no|customer_number|customer|cust_id|custid|"
		"client|client_no|member_id|member_no|buyer_id|user_id|sampleid|masterid|"
		"客户编号|客戶編號|客户id|客戶id|客户号|客戶號|会员编号|會員編號|会员号|會員號|"
		"会员id|會員id|客户代码|客戶代碼|买家id|買家id|用户id|用戶id"},
	{F_NAME, "name|full_name|customer_name|contact|contact_name|client_name|"
		"buyer|buyer_name|姓名|名字|客户|客戶|客户名称|客戶名稱|客户姓名|客戶姓名|"
		"联系人|聯絡人|聯繫人|会员姓名|會員姓名|买家|買家|收货人|收貨人"},
	{F_COMPANY, "company|company_name|organisation|organization|account|business|"
		"公司|公司名称|公司名稱|企业名称|企業名稱|单位|單位|单位名称|單位名稱|企业|企業"},
	{F_EMAIL, "email|e_mail|email_address|mail|邮箱|郵箱|电子邮件|電子郵件|"
		"电子邮箱|電子郵箱|邮件|郵件|信箱|电邮|電郵"},
	{F_PHONE, "phone|mobile|tel|telephone|cell|cellphone|phone_number|mobile_phone|"
		"contact_number|手机|手機|手机号|手機號|手机号码|手機號碼|电话|電話|"
		"联系电话|聯絡電話|聯繫電話|电话号码|電話號碼|移动电话|行動電話|座机|市话"},
	{F_CITY, "city|town|城市|市|所在城市|县市|縣市"},
	{F_REGION, "region|province|state|area|district|地区|地區|区域|區域|省份|省|大区|大區"},
	{F_COUNTRY, "country|nation|国家|國家|国别|國別"},
	{F_INDUSTRY, "industry|sector|行业|行業|所属行业|所屬行業"},
	{F_SIZE, "size|company_size|employees|规模|規模|企业规模|企業規模|人数|人數"},
	{F_OWNER, "owner|salesperson|sales_rep|account_manager|rep|assigned_to|handler|"
		"负责人|負責人|业务员|業務員|业务|業務|销售|銷售|客户经理|客戶經理|跟进人|跟進人|"
		"处理人|處理人"},
	{F_CHANNEL, "channel|source|lead_source|来源|來源|渠道|客户来源|客戶來源|"
		"销售渠道|銷售渠道|通路|联系方式|聯繫方式|聯絡方式|方式"},
	{F_STATUS, "status|state|lead_status|order_status|ticket_status|状态|狀態|"
		"客户状态|客戶狀態|订单状态|訂單狀態|处理状态|處理狀態"},
	{F_PREFERRED_CHANNEL, "preferred_channel|preferred_contact|contact_preference|"
		"首选联系方式|首選聯絡方式|偏好渠道"},
	{F_BIRTHDAY, "birthday|birth_date|date_of_birth|dob|生日|出生日期|出生年月日"},
	{F_TAGS, "tags|tag|labels|标签|標籤"},
	{F_NOTES, "notes|note|remark|remarks|comment|comments|备注|備註|说明|說明"},
	{F_CREATED_AT, "created_at|created|create_date|created_date|signup_date|"
		"registered|registration_date|创建时间|創建時間|建立时间|建立時間|"
		"建档日期|建檔日期|注册时间|註冊時間|注册日期|註冊日期|加入日期"},
	{F_ORDER_NO, "order_no|order_id|order_number|order|invoice|invoice_no|receipt_no|"
		"transaction_id|订单号|訂單號|订单编号|訂單編號|订单id|單號|单号|"
		"交易编号|交易編號|发票号|發票號"},
	{F_ORDERED_AT, "ordered_at|order_date|date|purchase_date|order_time|time|"
		"transaction_date|下单时间|下單時間|订单日期|訂單日期|订单时间|訂單時間|"
		"购买日期|購買日期|交易日期|交易时间|交易時間|日期|时间|時間|付款时间|付款時間"},
	{F_AMOUNT, "amount|total|order_total|sales|revenue|price|value|dollar_value|"
		"paid|amount_paid|金额|金額|实付金额|實付金額|订单金额|訂單金額|总金额|總金額|"
		"总价|總價|付款金额|付款金額|销售额|銷售額|实收金额|實收金額|应付金额|應付金額"},
	{F_CURRENCY, "currency|币种|幣種|币别|幣別|货币|貨幣"},
	{F_QUANTITY, "quantity|qty|cds|number_of_cds|units|数量|數量|件数|件數"},
	{F_PRODUCT, "product|item|product_name|sku|goods|商品|产品|產品|商品名称|商品名稱|"
		"产品名称|產品名稱|品名"},
	{F_CATEGORY, "category|product_category|type|类别|類別|分类|分類|品类|品類|"
		"投诉类型|投訴類型|问题类型|問題類型"},
	{F_AT, "at|date|time|contact_date|contact_time|timestamp|datetime|日期|时间|時間|"
		"联系时间|聯絡時間|联系日期|聯絡日期|跟进时间|跟進時間|回访时间|回訪時間"},
	{F_DIRECTION, "direction|inbound_outbound|方向|呼入呼出"},
	{F_INTERACTION_KIND, "kind|interaction_type|activity|activity_type|type|"
		"类型|類型|跟进方式|跟進方式|活动类型|活動類型"},
	{F_SUMMARY, "summary|subject|description|content|details|摘要|内容|內容|"
		"描述|详情|詳情|主题|主題|跟进内容|跟進內容|投诉内容|投訴內容"},
	{F_CSAT, "csat|satisfaction|rating|score|满意度|滿意度|评分|評分"},
	{F_NPS, "nps|recommend|likelihood_to_recommend|推荐度|推薦度|净推荐值|淨推薦值"},
	{F_TICKET_NO, "ticket_no|ticket_id|ticket|case_no|case_id|complaint_no|"
		"工单号|工單號|工单编号|工單編號|投诉编号|投訴編號|案件编号|案件編號"},
	{F_OPENED_AT, "opened_at|opened|open_date|created|created_at|date|reported_at|"
		"投诉时间|投訴時間|投诉日期|投訴日期|受理时间|受理時間|创建时间|建立時間|"
		"日期|时间|時間"},
	{F_SEVERITY, "severity|priority|level|urgency|严重程度|嚴重程度|优先级|優先級|"
		"紧急程度|緊急程度|级别|級別"},
	{F_RESOLVED_AT, "resolved_at|resolved|closed_at|closed|resolution_date|"
		"解决时间|解決時間|结案时间|結案時間|关闭时间|關閉時間|处理完成时间|處理完成時間"},
};

const char *
crm_kind_name(enum crm_kind k)
{
	return k >= 0 && k < CRM_NKINDS ? kind_names[k] : "unknown";
}

enum crm_kind
crm_kind_parse(const char *s)
{
	static const char *const singular[CRM_NKINDS] = {
		"customer", "order", "interaction", "ticket",
	};
	int k;

	for (k = 0; k < CRM_NKINDS; k++)
		if (strcmp(s, kind_names[k]) == 0 || strcmp(s, singular[k]) == 0)
			return (enum crm_kind)k;
	return CRM_KIND_NONE;
}

const char *
crm_field_name(enum crm_field f)
{
	return f >= 0 && f < CRM_NFIELDS ? field_names[f] : "?";
}

enum crm_field
crm_field_parse(const char *s)
{
	int f;

	for (f = 0; f < CRM_NFIELDS; f++)
		if (strcmp(s, field_names[f]) == 0)
			return (enum crm_field)f;
	return F_NONE;
}

bool
crm_field_in_kind(enum crm_field f, enum crm_kind k)
{
	const enum crm_field *p;

	if (k < 0 || k >= CRM_NKINDS)
		return false;
	for (p = kind_fields[k]; *p != F_NONE; p++)
		if (*p == f)
			return true;
	return false;
}

/* The field a synonym entry stands for in kind k, or F_NONE. */
static enum crm_field
field_for_kind(enum crm_field f, enum crm_kind k)
{
	if (k == CRM_KIND_CUSTOMERS && f == F_CUSTOMER_REF)
		f = F_EXTERNAL_ID;
	return crm_field_in_kind(f, k) ? f : F_NONE;
}

/* The built-in synonyms folded with crm_text_key(), once per process: a
 * NULL-terminated list of keys per entry of builtin[]. Reachable from this
 * static until exit. */
static char **folded[sizeof builtin / sizeof builtin[0]];

static char **
fold_words(const char *words)
{
	size_t n = 1, i = 0;
	const char *p, *bar;
	char **keys, *word;

	for (p = words; *p; p++)
		n += *p == '|';
	keys = crm_xcalloc(n + 1, sizeof *keys);
	for (p = words; *p; p = *bar ? bar + 1 : bar) {
		bar = strchr(p, '|');
		if (bar == NULL)
			bar = p + strlen(p);
		word = crm_xstrndup(p, (size_t)(bar - p));
		keys[i] = crm_text_key(word);
		free(word);
		if (keys[i] != NULL)
			i++;
	}
	return keys;
}

/* True when key (already folded) is one of entry e's words. */
static bool
words_match(size_t e, const char *key)
{
	char **k;

	if (folded[e] == NULL)
		folded[e] = fold_words(builtin[e].words);
	for (k = folded[e]; *k; k++)
		if (strcmp(*k, key) == 0)
			return true;
	return false;
}

/* The field header names in kind k: config synonyms first, then built-ins. */
static enum crm_field
field_of_header(const char *key, enum crm_kind k, const struct crm_config *cfg)
{
	size_t i;
	enum crm_field f;
	char *ckey;
	bool hit;

	for (i = 0; cfg != NULL && i < cfg->nsynonyms; i++) {
		if (crm_kind_parse(cfg->synonyms[i].kind) != k)
			continue;
		ckey = crm_text_key(cfg->synonyms[i].header);
		hit = ckey != NULL && strcmp(ckey, key) == 0;
		free(ckey);
		if (hit)
			return crm_field_parse(cfg->synonyms[i].field);
	}
	for (i = 0; i < sizeof builtin / sizeof builtin[0]; i++) {
		f = field_for_kind(builtin[i].field, k);
		if (f != F_NONE && words_match(i, key))
			return f;
	}
	return F_NONE;
}

enum crm_field
crm_mapping_field(const char *header, enum crm_kind k, const struct crm_config *cfg)
{
	char *key = crm_text_key(header);
	enum crm_field f = key != NULL ? field_of_header(key, k, cfg) : F_NONE;

	free(key);
	return f;
}

int
crm_mapping_check_config(const struct crm_config *cfg)
{
	size_t i;
	enum crm_kind k;
	enum crm_field f;

	for (i = 0; i < cfg->nsynonyms; i++) {
		k = crm_kind_parse(cfg->synonyms[i].kind);
		f = crm_field_parse(cfg->synonyms[i].field);
		if (k == CRM_KIND_CUSTOMERS && f == F_CUSTOMER_REF)
			f = F_EXTERNAL_ID;
		if (k == CRM_KIND_NONE || f == F_NONE || !crm_field_in_kind(f, k)) {
			crm_warn("%s:%ld: headers.%s.%s: unknown field for %s (see crm-import(1))",
			         cfg->path ? cfg->path : "config", cfg->synonyms[i].line,
			         cfg->synonyms[i].kind, cfg->synonyms[i].field, cfg->synonyms[i].kind);
			return CRM_EX_CONFIG;
		}
	}
	return 0;
}

static bool
ignored_header(const char *h)
{
	return strcmp(h, "_line") == 0 || strcmp(h, "_reason") == 0;
}

/* Map every column for kind k into m; returns the number of mapped columns. */
static size_t
map_columns(struct crm_mapping *m, char *const *keys, enum crm_kind k,
            const struct crm_config *cfg)
{
	size_t c, mapped = 0;
	enum crm_field f;

	for (f = 0; f < CRM_NFIELDS; f++)
		m->field_col[f] = -1;
	for (c = 0; c < m->ncols; c++) {
		m->col_field[c] = F_NONE;
		if (m->col_ignored[c] || keys[c] == NULL || keys[c][0] == '\0')
			continue;
		f = field_of_header(keys[c], k, cfg);
		/* A second column for the same field goes to extra — except
		 * phones and e-mails, which are kept as extra contacts. */
		if (f == F_NONE || (m->field_col[f] >= 0 && f != F_PHONE && f != F_EMAIL))
			continue;
		m->col_field[c] = f;
		if (m->field_col[f] < 0)
			m->field_col[f] = (int)c;
		mapped++;
	}
	m->kind = k;
	return mapped;
}

static bool
has(const struct crm_mapping *m, enum crm_field f)
{
	return m->field_col[f] >= 0;
}

static bool
identifies_customer(const struct crm_mapping *m)
{
	return has(m, F_CUSTOMER_REF) || has(m, F_EMAIL) || has(m, F_PHONE);
}

/* Does the mapping carry what kind k cannot do without? */
static bool
fits_kind(const struct crm_mapping *m, enum crm_kind k)
{
	switch (k) {
	case CRM_KIND_CUSTOMERS:
		return has(m, F_EXTERNAL_ID) || has(m, F_NAME) || has(m, F_EMAIL) ||
		       has(m, F_PHONE) || has(m, F_COMPANY);
	case CRM_KIND_ORDERS:
		return identifies_customer(m) && has(m, F_ORDERED_AT) && has(m, F_AMOUNT);
	case CRM_KIND_INTERACTIONS:
		return identifies_customer(m) && has(m, F_AT) &&
		       (has(m, F_INTERACTION_KIND) || has(m, F_SUMMARY) || has(m, F_CSAT) ||
		        has(m, F_NPS) || has(m, F_DIRECTION));
	case CRM_KIND_TICKETS:
		return identifies_customer(m) && has(m, F_OPENED_AT) &&
		       (has(m, F_TICKET_NO) || has(m, F_SEVERITY) || has(m, F_RESOLVED_AT));
	default:
		return false;
	}
}

/* Specific evidence for a kind beyond shared contact columns: a customer
 * list with a "date" column must not pass for an order file. */
static size_t
kind_score(const struct crm_mapping *m, size_t mapped)
{
	switch (m->kind) {
	case CRM_KIND_ORDERS:
		return mapped + 2;
	case CRM_KIND_TICKETS:
		return mapped + 1;
	default:
		return mapped;
	}
}

struct crm_mapping *
crm_mapping_new(const char *const *headers, size_t n, enum crm_kind kind,
                const struct crm_config *cfg, const char *file)
{
	struct crm_mapping *m = crm_xcalloc(1, sizeof *m);
	char **keys = crm_xcalloc(n ? n : 1, sizeof *keys);
	size_t c, score, best_score = 0;
	enum crm_kind k, best = CRM_KIND_NONE;

	m->ncols = n;
	m->col_field = crm_xcalloc(n ? n : 1, sizeof *m->col_field);
	m->col_ignored = crm_xcalloc(n ? n : 1, sizeof *m->col_ignored);
	m->headers = crm_xcalloc(n ? n : 1, sizeof *m->headers);
	for (c = 0; c < n; c++) {
		m->headers[c] = crm_xstrdup(headers[c] ? headers[c] : "");
		m->col_ignored[c] = ignored_header(m->headers[c]);
		keys[c] = crm_text_key(m->headers[c]);
	}
	if (kind != CRM_KIND_NONE) {
		map_columns(m, keys, kind, cfg);
		best = fits_kind(m, kind) ? kind : CRM_KIND_NONE;
		if (best == CRM_KIND_NONE)
			crm_warn("%s: the header has no column crm-import needs for %s "
			         "(see crm-import --map and crm-import(1))", file, crm_kind_name(kind));
	} else {
		for (k = 0; k < CRM_NKINDS; k++) {
			score = map_columns(m, keys, k, cfg);
			if (!fits_kind(m, k))
				continue;
			score = kind_score(m, score);
			if (score > best_score) {
				best_score = score;
				best = k;
			}
		}
		if (best != CRM_KIND_NONE)
			map_columns(m, keys, best, cfg);
		else
			crm_warn("%s: cannot tell what the file holds from its header; "
			         "give --kind (see crm-import --map)", file);
	}
	for (c = 0; c < n; c++)
		free(keys[c]);
	free(keys);
	if (best == CRM_KIND_NONE) {
		crm_mapping_free(m);
		return NULL;
	}
	return m;
}

void
crm_mapping_free(struct crm_mapping *m)
{
	size_t c;

	if (m == NULL)
		return;
	for (c = 0; c < m->ncols; c++)
		free(m->headers[c]);
	free(m->headers);
	free(m->col_field);
	free(m->col_ignored);
	free(m);
}

void
crm_mapping_write(const struct crm_mapping *m, struct crm_csv_writer *w)
{
	char num[32];
	size_t c;

	crm_csv_write_row(w, (const char *const[]){"kind", "column", "header", "field"}, 4);
	for (c = 0; c < m->ncols; c++) {
		snprintf(num, sizeof num, "%zu", c + 1);
		crm_csv_write_field(w, crm_kind_name(m->kind));
		crm_csv_write_field(w, num);
		crm_csv_write_field(w, m->headers[c]);
		crm_csv_write_field(w, m->col_ignored[c] ? "(ignored)" :
		                       m->col_field[c] == F_NONE ? "extra" :
		                       crm_field_name(m->col_field[c]));
		crm_csv_end_row(w);
	}
}
