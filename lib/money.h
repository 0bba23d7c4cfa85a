/*
 * money — amounts of money as exports write them, into integer minor units.
 *
 * Never passes through a binary float: digits are accumulated as integers.
 * Accepted: "1234.5", "¥1,234.50", "￥1234", "RMB 1234", "1234元", "NT$1,234",
 * "HK$12", "US$3.10", "$3.10", "€3,10", "1.234,50" (decimal comma), "1 234,50",
 * "-12.00", "(12.00)" (negative), "12.00-", full-width digits. Separator rule:
 * when both '.' and ',' occur the last one is the decimal mark; a lone ','
 * followed by exactly three digits (and repeated in groups of three) is a
 * thousands separator, otherwise a decimal mark; several '.' are thousands
 * separators. Thousands groups must be exactly three digits (first group
 * 1..3) and use one separator kind. More decimals than the currency has are an
 * error (no silent rounding), except surplus zeros ("1234.00" yen) unless
 * there are exactly three decimals ("12.000" may be twelve thousand).
 * A sign, "(...)" or a trailing "-" makes it negative, once only. Markers:
 * ¥ ￥ 元 块 RMB CNY 人民币 CN¥ -> CNY; NT$ NTD TWD 新台幣 新臺幣 -> TWD;
 * HK$ HKD 港币 港幣 港元 -> HKD; US$ USD 美元 美金 -> USD; € EUR; £ GBP;
 * JP¥ JPY 円 日元 日圓 -> JPY; bare "$" names no currency. A marker may
 * come before or after the number; two must agree.
 */
#ifndef CRM_MONEY_H
#define CRM_MONEY_H

#include <stdint.h>

struct crm_money {
	int64_t minor;     /* amount in minor units of currency (fen, cents) */
	char currency[4];  /* ISO 4217 code found in the text, or "" if none */
};

/* Parse s. default_currency (ISO code, e.g. "CNY") decides the number of
 * minor digits when the text names no currency. Returns 0 on success, -1 when
 * s is not an amount (empty, letters, two signs, too many decimals, overflow). */
int crm_money_parse(const char *s, const char *default_currency, struct crm_money *out);

/* Number of minor-unit digits of an ISO 4217 currency (JPY 0, most 2). */
int crm_money_minor_digits(const char *currency);

/* Format minor units as a plain decimal in major units ("1234.50", "-0.05";
 * JPY "1234") into out (at least 32 bytes). */
void crm_money_format(int64_t minor, const char *currency, char *out);

#endif
