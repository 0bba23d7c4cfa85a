/*
 * rules — the rule-expression language of SPEC §5: named segments in the
 * config ("vip: monetary >= 50000 and frequency >= 5"), reminder conditions
 * and the --where filter of every tool. crm-segment, crm-remind and the
 * shared --where option own the callers; this module owns the language.
 * A rule is parsed once into a tree and evaluated per customer row; it is
 * never turned into SQL.
 *
 * Grammar (keywords are case-insensitive; lowest precedence first):
 *
 *   expr    := or
 *   or      := and { "or" and }
 *   and     := not { "and" not }
 *   not     := "not" not | test
 *   test    := sum [ ("=" | "==" | "!=" | "<>" | "<" | "<=" | ">" | ">=") sum
 *                  | ["not"] "in" "(" sum { "," sum } ")"
 *                  | ["not"] "contains" sum
 *                  | ["not"] "between" sum "and" sum
 *                  | "is" ["not"] "empty" ]
 *   sum     := product { ("+" | "-") product }
 *   product := unary { ("*" | "/") unary }
 *   unary   := "-" unary | primary
 *   primary := number | 'string' | date | "true" | "false" | name
 *            | "(" expr ")"
 *
 *   number  50000  0.5  1e3  .5        (no thousands separators)
 *   string  '华东'  'O''Brien'          ('' is a quote; any UTF-8)
 *   date    2026-01-01                  (bare YYYY-MM-DD, a real date;
 *                                        "2026-1-5" is an error, not 2020)
 *   name    monetary  地区  "first order"  `a-b`   (a bare name is ASCII
 *           letters, digits and _ plus any non-ASCII letter, mark or digit,
 *           not starting with a digit; quote anything else with "" or ``,
 *           doubling the quote inside). and or not in is contains between
 *           true false are reserved: quote a column with such a name.
 *
 * A whole rule, and each side of and/or/not, must be a condition: a
 * comparison, true/false, or one in parentheses. A bare value ("monetary")
 * is an error, not a truth test. Comparisons do not chain (a < b < c is an
 * error). White space includes U+3000 and NBSP. Nesting (parentheses, not,
 * unary minus, operator chains) is limited to CRM_RULE_MAX_DEPTH.
 *
 * Names: the caller passes the known names at parse time (computed metrics
 * plus whatever columns the input carries). A name is looked up exactly,
 * then case-insensitively (Unicode folding as for text below); two
 * case-insensitive matches are an error. An unknown name is an error that
 * suggests the nearest known name and lists them all.
 *
 * Values and comparison semantics:
 *  - Empty: a CRM_VALUE_EMPTY value, a TEXT value that is NULL, "" or only
 *    white space, or a number that is not finite. Every comparison with an
 *    empty value is false, "!=" and "not in" included (SQL-like); "is empty"
 *    is true. Logic is two-valued: "not (x = 1)" is true when x is empty,
 *    while "x != 1" is false. "x not in (a, b)" means "x != a and x != b";
 *    "x not between a and b" means "x < a or x > b"; "x not contains s" is
 *    false when either side is empty. A '' literal is a parse error (it
 *    could never compare): write "x is empty".
 *  - Number vs number, date vs date: numerically. Number vs date: never
 *    equal or ordered (false).
 *  - Text vs number: when the text, trimmed, reads entirely as a number
 *    ("1200", " 1e3 ", "-0.5"), numerically; otherwise the text equals only
 *    the number's spelling ("TRUE" = true) and is never ordered against it:
 *    "N/A" > 1000 and "1,200" < 1000 are both false, "N/A" != 1000 true. Stream columns arrive as text, so
 *    "spend > 1000" works on a CSV column.
 *  - Text vs date: when the text, trimmed, starts with an ISO date
 *    YYYY-MM-DD (alone or followed by a space or "T" and a time), as dates;
 *    otherwise false for every operator.
 *  - Text vs text (a quoted literal is always text, even '1200'): as text.
 *    Both sides are trimmed, NFC-normalised, full-width ASCII folded to ASCII
 *    and case-folded, once for literals (at parse time) and once per
 *    evaluation for values; = != in compare the folded texts for equality,
 *    < <= > >= compare them bytewise, contains is a folded substring test
 *    (numbers and dates take part as their spelling).
 *  - Arithmetic (+ - * / unary -) works on numbers, and on texts that read
 *    as numbers; anything else, an overflow, and division by zero give an
 *    empty value (so the comparison holding it is false).
 *
 * Evaluation allocates nothing and parses no literal: literals are folded
 * and converted at parse time. Folding a value's text uses a stack buffer
 * (the heap only for a text over about 1000 bytes, or over 255 characters
 * when it needs Unicode folding). Parsing at the maximum depth takes about
 * 100 KB of stack.
 * A parsed rule is read-only during evaluation, so threads may share one.
 */
#ifndef CRM_RULES_H
#define CRM_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Deepest nesting a rule may have (parentheses, not, unary minus, chains of
 * arithmetic operators); deeper input is a parse error, so a hostile rule
 * cannot exhaust the stack. */
#define CRM_RULE_MAX_DEPTH 200

enum crm_value_kind {
	CRM_VALUE_EMPTY,  /* missing or blank */
	CRM_VALUE_NUMBER, /* num */
	CRM_VALUE_TEXT,	  /* text */
	CRM_VALUE_DATE,	  /* num: days since 1970-01-01 */
};

/* One value a rule reads: a computed metric or a stream column. */
typedef struct crm_value {
	enum crm_value_kind kind;
	double num;	  /* NUMBER: the number; DATE: days since 1970-01-01 */
	const char *text; /* TEXT: NUL-terminated UTF-8, borrowed */
} crm_value;

typedef struct crm_rule crm_rule;

/* Where and why a parse failed. Print as "column %d: %s". */
typedef struct crm_rule_error {
	int column;	   /* 1-based, in characters (not bytes) of the rule */
	char message[512]; /* without the column, e.g. expected a value after ">=" */
} crm_rule_error;

/* Parse text (UTF-8, NUL-terminated; NULL counts as "") against the known
 * names names[0..nnames), which the caller keeps the order of: values are
 * passed to crm_rule_eval in that order. The names are not kept after the
 * call; a NULL or "" entry is a placeholder that nothing matches (its value
 * is never read) and that error messages leave out. Returns a rule to free
 * with crm_rule_free(), or NULL after filling *err (when err is not NULL).
 * Out of memory exits 70 (diag.h). */
crm_rule *crm_rule_parse(const char *text, const char *const *names, size_t nnames,
			 crm_rule_error *err);

/* Evaluate rule for one row: values has one entry per name given to
 * crm_rule_parse, in the same order (entries for names the rule does not use,
 * see crm_rule_uses, are not read). Returns 1 when the rule holds, else 0.
 * Allocates nothing except when folding a very long text (see above). */
int crm_rule_eval(const crm_rule *rule, const crm_value *values);

/* True when the rule reads names[name_index], so a caller may skip computing
 * values nobody uses. False for an index out of range. */
bool crm_rule_uses(const crm_rule *rule, size_t name_index);

/* Free a rule; NULL is ignored. */
void crm_rule_free(crm_rule *rule);

/* Value constructors. crm_value_text borrows s (NULL or "" gives EMPTY; a
 * blank text is treated as empty by crm_rule_eval). */
static inline crm_value
crm_value_empty(void)
{
	crm_value v = {CRM_VALUE_EMPTY, 0, NULL};
	return v;
}

static inline crm_value
crm_value_number(double num)
{
	crm_value v = {CRM_VALUE_NUMBER, num, NULL};
	return v;
}

static inline crm_value
crm_value_date(int32_t days)
{
	crm_value v = {CRM_VALUE_DATE, (double)days, NULL};
	return v;
}

static inline crm_value
crm_value_text(const char *s)
{
	crm_value v = {CRM_VALUE_TEXT, 0, s};

	if (s == NULL || *s == '\0')
		v.kind = CRM_VALUE_EMPTY;
	return v;
}

#endif
