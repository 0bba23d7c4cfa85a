/*
 * rules.c — the rule-expression language (grammar and semantics in rules.h).
 *
 * Three parts: a lexer that turns the whole rule into tokens first (a bad
 * token becomes a T_ERROR token, so the parser still reports the leftmost
 * problem), a recursive-descent parser with one function per precedence
 * level, and a recursive evaluator.
 *
 * Why a tree and not bytecode: the tree lives in one flat array of small
 * nodes linked by index (as cache-friendly as bytecode), and/or are n-ary
 * sibling lists that short-circuit without jump patching, and an in-list or
 * a between prepares its left operand (folding its text, reading it as a
 * number) once for all items, which a stack machine would have to redo or
 * model with extra registers. The depth limit bounds the evaluator's
 * recursion the way it bounds the parser's. Literals are converted once at
 * parse time into struct lit (folded text, number, date), so evaluation
 * never looks at the rule text again.
 */
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <utf8proc.h>

#include "config.h"
#include "date.h"
#include "diag.h"
#include "rules.h"
#include "text.h"

#define NONE UINT32_MAX
/* Comparison result for "cannot be compared" (an empty side, number vs date,
 * a text that is not a date vs a date): every operator is then false. */
#define UNORD 2
/* Unequal but not ordered: a text that is no number against a number. */
#define UNEQ 3
/* Bytes of user text quoted in a message. */
#define SNIP 40
/* Code points of a value's text folded on the stack; longer texts use the
 * heap (see fold()). */
#define FOLD_SMALL 256

enum tok_kind {
	T_EOF,
	T_ERROR,
	T_NUM,
	T_STR,
	T_DATE,
	T_NAME,
	T_QNAME,
	T_AND,
	T_OR,
	T_NOT,
	T_IN,
	T_IS,
	T_CONTAINS,
	T_BETWEEN,
	T_TRUE,
	T_FALSE,
	T_LP,
	T_RP,
	T_COMMA,
	T_PLUS,
	T_MINUS,
	T_STAR,
	T_SLASH,
	T_EQ,
	T_NE,
	T_LT,
	T_LE,
	T_GT,
	T_GE,
};

struct token {
	enum tok_kind kind;
	size_t off, len; /* bytes of the rule text */
	int col;	 /* 1-based character column of the first byte */
};

/* Node operations; the conditions come first (see is_cond()). */
enum op {
	B_TRUE,
	B_FALSE,
	B_AND,
	B_OR,
	B_NOT,
	B_CMP,	    /* a cmp b */
	B_IN,	    /* a [not] in (b, b.next, ...) */
	B_CONTAINS, /* a [not] contains b */
	B_EMPTY,    /* a is [not] empty */
	B_BETWEEN,  /* a [not] between b and c */
	V_NAME,	    /* values[a] */
	V_LIT,	    /* rule->lits[a] */
	V_NEG,
	V_ADD,
	V_SUB,
	V_MUL,
	V_DIV,
};

struct node {
	uint8_t op;	   /* enum op */
	uint8_t cmp;	   /* B_CMP: T_EQ .. T_GE */
	uint8_t neg;	   /* not in, not contains, is not empty, not between */
	uint16_t depth;	   /* height of the subtree, 1 for a leaf */
	uint32_t a, b, c;  /* children, or a name / literal index, see enum op */
	uint32_t next;	   /* next sibling in an and/or list or an in-list */
	int col;	   /* first character, for messages */
	uint32_t off, end; /* byte span in the rule text, for messages */
};

/* A literal with every form a comparison may want, made at parse time. */
struct lit {
	enum crm_value_kind kind; /* NUMBER (also true/false), TEXT or DATE */
	double num;		  /* NUMBER; DATE: days */
	char *fold;		  /* TEXT: trimmed and folded; NUMBER, DATE: spelling */
	size_t flen;		  /* strlen(fold) */
	bool has_num;		  /* TEXT that reads as a number: tnum */
	bool has_date;		  /* TEXT that reads as a date: tdays */
	bool is_bool;		  /* true / false */
	double tnum, tdays;
};

struct crm_rule {
	struct node *nodes;
	size_t nnodes, capnodes;
	struct lit *lits;
	size_t nlits, caplits;
	uint32_t root;
	unsigned char *uses; /* uses[i]: the rule reads names[i] */
	size_t nnames;
};

struct parser {
	const char *text;
	struct token *toks;
	size_t ntoks, captoks, pos;
	int nest; /* open parentheses, not and unary minus */
	const char *const *names;
	size_t nnames;
	char **folded; /* folded names, made on first need */
	crm_rule *rule;
	crm_rule_error *err;
	bool failed;
	char lexmsg[sizeof(((crm_rule_error *)0)->message)]; /* T_ERROR's message */
};

/* Scratch space for folding one value's text during evaluation. */
struct foldbuf {
	union {
		int32_t cp[FOLD_SMALL];
		char bytes[FOLD_SMALL * sizeof(int32_t)];
	} small;
	int32_t *heap;	/* when small is too small; freed by the user */
	size_t heapcap; /* int32_t entries in heap */
};

/* An evaluated value. */
struct operand {
	enum crm_value_kind kind;
	double num;	  /* NUMBER, DATE */
	const char *text; /* TEXT (not a literal): trimmed, not terminated */
	size_t len;
	const struct lit *lit; /* a literal: use its prepared forms */
};

/* One side of a comparison, with what was derived from it so far. */
struct side {
	struct operand o;
	signed char isnum, isdate; /* -1 not yet known */
	double tnum, tdays;
	const char *fold; /* NULL until needed */
	size_t flen;
	struct foldbuf fb;
};

/* ---- Text helpers shared by parse and eval ---- */

static bool
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Length of a white-space character at s (ASCII white space, NBSP,
 * U+3000 IDEOGRAPHIC SPACE), or 0. */
static size_t
space_len(const unsigned char *s)
{
	if (*s == ' ' || (*s >= '\t' && *s <= '\r'))
		return 1;
	if (s[0] == 0xC2 && s[1] == 0xA0)
		return 2;
	if (s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80)
		return 3;
	return 0;
}

/* s (NUL-terminated) without leading and trailing white space: returns the
 * start and sets *len. */
static const char *
trim(const char *s, size_t *len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n, end;

	while ((n = space_len(u)) > 0)
		u += n;
	end = strlen((const char *)u);
	for (;;) {
		if (end >= 1 && (u[end - 1] == ' ' || (u[end - 1] >= '\t' && u[end - 1] <= '\r')))
			end--;
		else if (end >= 2 && u[end - 2] == 0xC2 && u[end - 1] == 0xA0)
			end -= 2;
		else if (end >= 3 && u[end - 3] == 0xE3 && u[end - 2] == 0x80 && u[end - 1] == 0x80)
			end -= 3;
		else
			break;
	}
	*len = end;
	return (const char *)u;
}

static const double pow10s[] = {
    1e0,  1e1,	1e2,  1e3,  1e4,  1e5,	1e6,  1e7,  1e8,  1e9,	1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/*
 * Read s[0..len) as a decimal number: an optional sign, digits with an
 * optional fraction (or a fraction alone), an optional exponent, nothing
 * else. Returns false for anything else and for a result that is not
 * finite. A mantissa below 2^53 with a power of ten up to 22 is converted
 * exactly by one multiplication or division (Clinger's fast path); the rest
 * goes to strtod, which stops where the validated text ends (the byte after
 * it is white space, NUL, or not part of any number).
 */
static bool
read_number(const char *s, size_t len, double *out)
{
	size_t i = 0, digits = 0;
	uint64_t m = 0;
	long e = 0, ex = 0;
	bool neg = false, exact = true, eneg = false;
	double v;

	if (i < len && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	for (; i < len && is_digit(s[i]); i++, digits++) {
		if (m < (UINT64_C(1) << 53) / 10)
			m = m * 10 + (uint64_t)(s[i] - '0');
		else
			exact = false;
	}
	if (i < len && s[i] == '.') {
		for (i++; i < len && is_digit(s[i]); i++, digits++) {
			if (m < (UINT64_C(1) << 53) / 10) {
				m = m * 10 + (uint64_t)(s[i] - '0');
				e--;
			} else
				exact = false;
		}
	}
	if (digits == 0)
		return false;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			eneg = s[i++] == '-';
		if (i >= len || !is_digit(s[i]))
			return false;
		for (; i < len && is_digit(s[i]); i++)
			if (ex < 100000)
				ex = ex * 10 + (s[i] - '0');
		e += eneg ? -ex : ex;
	}
	if (i != len)
		return false;
	if (exact && e >= -22 && e <= 22)
		v = e >= 0 ? (double)m * pow10s[e] : (double)m / pow10s[-e];
	else {
		v = strtod(s + (s[0] == '+' || s[0] == '-'), NULL);
	}
	if (!isfinite(v))
		return false;
	*out = neg ? -v : v;
	return true;
}

/* Read s[0..len) as an ISO date YYYY-MM-DD, alone or followed by a space or
 * "T" and a digit (a time, not checked further), into days. */
static bool
read_date(const char *s, size_t len, double *days)
{
	static const char shape[] = "dddd-dd-dd";
	int y, m, d;
	size_t i;

	if (len < 10)
		return false;
	for (i = 0; i < 10; i++)
		if (shape[i] == 'd' ? !is_digit(s[i]) : s[i] != '-')
			return false;
	if (len > 10 &&
	    (len < 12 || (s[10] != ' ' && s[10] != 'T' && s[10] != 't') || !is_digit(s[11])))
		return false;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (!crm_date_valid(y, m, d))
		return false;
	*days = (double)crm_days_from_civil(y, m, d);
	return true;
}

/* Room for n int32_t entries in fb. */
static int32_t *
fb_room(struct foldbuf *fb, size_t n)
{
	if (n <= FOLD_SMALL)
		return fb->small.cp;
	if (n > fb->heapcap) {
		free(fb->heap);
		fb->heap = crm_xreallocarray(NULL, n, sizeof(int32_t));
		fb->heapcap = n;
	}
	return fb->heap;
}

/* Full-width ASCII forms to ASCII and U+3000 to a space, before NFC and
 * case folding (as crm_text_fold_width does for ids and amounts). */
static utf8proc_int32_t
width_fold(utf8proc_int32_t cp, void *data)
{
	(void)data;
	if (cp >= 0xFF01 && cp <= 0xFF5E)
		return cp - 0xFF01 + 0x21;
	if (cp == 0x3000)
		return ' ';
	return cp;
}

/*
 * Fold s[0..len) for comparison — full-width ASCII to ASCII, NFC, case
 * folding — into fb; returns the folded bytes (NUL-terminated, valid until
 * fb is reused) and sets *outlen. Text made only of ASCII and CJK unified
 * ideographs (U+4E00..U+9FFF, which neither fold nor compose) is lower-cased
 * byte by byte without utf8proc; that covers most names, cities and tags.
 * Invalid UTF-8 (only possible in values) is lower-cased byte by byte too.
 */
static const char *
fold(struct foldbuf *fb, const char *s, size_t len, size_t *outlen)
{
	const utf8proc_option_t opts = UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD | UTF8PROC_STABLE;
	const unsigned char *u = (const unsigned char *)s;
	utf8proc_ssize_t n, m;
	int32_t *buf;
	char *out;
	size_t i;

	for (i = 0; i < len;) {
		if (u[i] < 0x80)
			i++;
		else if (u[i] >= 0xE4 && u[i] <= 0xE9 && len - i >= 3 &&
			 (u[i + 1] & 0xC0) == 0x80 && (u[i + 2] & 0xC0) == 0x80 &&
			 (u[i] != 0xE4 || u[i + 1] >= 0xB8))
			i += 3;
		else
			break;
	}
	if (i < len) {
		buf = fb->small.cp;
		n = utf8proc_decompose_custom(u, (utf8proc_ssize_t)len, buf, FOLD_SMALL - 1, opts,
					      width_fold, NULL);
		if (n >= FOLD_SMALL) {
			buf = fb_room(fb, (size_t)n + 1);
			n = utf8proc_decompose_custom(u, (utf8proc_ssize_t)len, buf, n, opts,
						      width_fold, NULL);
		}
		if (n >= 0 && (m = utf8proc_reencode(buf, n, opts)) >= 0) {
			*outlen = (size_t)m;
			return (const char *)buf;
		}
		if (n == UTF8PROC_ERROR_NOMEM)
			crm_die(CRM_EX_SOFTWARE, "out of memory");
	}
	out = (char *)fb_room(fb, len / sizeof(int32_t) + 1);
	for (i = 0; i < len; i++)
		out[i] = (u[i] >= 'A' && u[i] <= 'Z') ? (char)(u[i] - 'A' + 'a') : (char)u[i];
	out[len] = '\0';
	*outlen = len;
	return out;
}

/* fold() into a new string (parse time). */
static char *
fold_dup(const char *s, size_t len, size_t *outlen)
{
	struct foldbuf fb;
	const char *f;
	size_t n;
	char *out;

	fb.heap = NULL;
	fb.heapcap = 0;
	f = fold(&fb, s, len, &n);
	out = crm_xstrndup(f, n);
	free(fb.heap);
	if (outlen != NULL)
		*outlen = n;
	return out;
}

/* ---- Evaluation ---- */

static bool
is_cond(const struct node *n)
{
	return n->op <= B_BETWEEN;
}

/* values[i] as an operand: blank text and non-finite numbers are empty. */
static void
load(const crm_value *v, struct operand *o)
{
	o->lit = NULL;
	switch (v->kind) {
	case CRM_VALUE_NUMBER:
	case CRM_VALUE_DATE:
		if (isfinite(v->num)) {
			o->kind = v->kind;
			o->num = v->num;
			return;
		}
		break;
	case CRM_VALUE_TEXT:
		if (v->text != NULL) {
			o->text = trim(v->text, &o->len);
			if (o->len > 0) {
				o->kind = CRM_VALUE_TEXT;
				return;
			}
		}
		break;
	default:
		break;
	}
	o->kind = CRM_VALUE_EMPTY;
}

/* o as a number for arithmetic: a number, or a text that reads as one. */
static bool
as_number(const struct operand *o, double *x)
{
	if (o->kind == CRM_VALUE_NUMBER) {
		*x = o->num;
		return true;
	}
	if (o->kind != CRM_VALUE_TEXT)
		return false;
	if (o->lit != NULL) {
		*x = o->lit->tnum;
		return o->lit->has_num;
	}
	return read_number(o->text, o->len, x);
}

static void
eval_value(const crm_rule *r, uint32_t i, const crm_value *values, struct operand *o)
{
	const struct node *n = &r->nodes[i];
	struct operand x, y;
	double a, b, v;

	switch (n->op) {
	case V_NAME:
		load(&values[n->a], o);
		return;
	case V_LIT:
		o->lit = &r->lits[n->a];
		o->kind = o->lit->kind;
		o->num = o->lit->num;
		return;
	case V_NEG:
		eval_value(r, n->a, values, &x);
		if (!as_number(&x, &a))
			break;
		o->kind = CRM_VALUE_NUMBER;
		o->num = -a;
		o->lit = NULL;
		return;
	default:
		eval_value(r, n->a, values, &x);
		if (!as_number(&x, &a))
			break;
		eval_value(r, n->b, values, &y);
		if (!as_number(&y, &b))
			break;
		if (n->op == V_ADD)
			v = a + b;
		else if (n->op == V_SUB)
			v = a - b;
		else if (n->op == V_MUL)
			v = a * b;
		else if (b == 0)
			break;
		else
			v = a / b;
		if (!isfinite(v))
			break;
		o->kind = CRM_VALUE_NUMBER;
		o->num = v;
		o->lit = NULL;
		return;
	}
	o->kind = CRM_VALUE_EMPTY;
	o->lit = NULL;
}

static void
side_reset(struct side *s)
{
	s->isnum = s->isdate = -1;
	s->fold = NULL;
}

/* A text side read as a number, once. */
static bool
side_number(struct side *s, double *x)
{
	if (s->isnum < 0) {
		if (s->o.lit != NULL) {
			s->isnum = s->o.lit->has_num;
			s->tnum = s->o.lit->tnum;
		} else
			s->isnum = read_number(s->o.text, s->o.len, &s->tnum);
	}
	*x = s->tnum;
	return s->isnum;
}

/* A text side read as a date, once. */
static bool
side_date(struct side *s, double *x)
{
	if (s->isdate < 0) {
		if (s->o.lit != NULL) {
			s->isdate = s->o.lit->has_date;
			s->tdays = s->o.lit->tdays;
		} else
			s->isdate = read_date(s->o.text, s->o.len, &s->tdays);
	}
	*x = s->tdays;
	return s->isdate;
}

/* The folded text of a non-empty side, once: a literal's prepared form, a
 * value's text folded into s->fb, a number's or date's spelling. */
static const char *
side_fold(struct side *s, size_t *len)
{
	char *b;

	if (s->fold == NULL) {
		if (s->o.lit != NULL) {
			s->fold = s->o.lit->fold;
			s->flen = s->o.lit->flen;
		} else if (s->o.kind == CRM_VALUE_TEXT) {
			s->fold = fold(&s->fb, s->o.text, s->o.len, &s->flen);
		} else {
			/* Printed with the C locale's "." as no crm tool calls
			 * setlocale(LC_NUMERIC). */
			b = s->fb.small.bytes;
			if (s->o.kind == CRM_VALUE_DATE)
				crm_date_format((int64_t)s->o.num, b);
			else
				snprintf(b, 32, "%.15g", s->o.num);
			s->fold = b;
			s->flen = strlen(b);
		}
	}
	*len = s->flen;
	return s->fold;
}

static int
num_cmp(double a, double b)
{
	return a < b ? -1 : a > b ? 1 : a == b ? 0 : UNORD;
}

static int
text_cmp(struct side *l, struct side *r)
{
	size_t al, bl;
	const char *a = side_fold(l, &al), *b = side_fold(r, &bl);
	int c = memcmp(a, b, al < bl ? al : bl);

	if (c != 0)
		return c < 0 ? -1 : 1;
	return al < bl ? -1 : al > bl ? 1 : 0;
}

/* Compare l with r: -1, 0, 1, UNEQ when they differ but have no order (a
 * text that reads as no number against a number: equal only to its
 * spelling, as "TRUE" to true, and never ordered — "N/A" > 1000 must not
 * hold just because "N" sorts after "1"), or UNORD when they cannot be
 * compared at all. */
static int
compare(struct side *l, struct side *r)
{
	enum crm_value_kind lk = l->o.kind, rk = r->o.kind;
	double x;

	if (lk == CRM_VALUE_EMPTY || rk == CRM_VALUE_EMPTY)
		return UNORD;
	if (lk == rk)
		return lk == CRM_VALUE_TEXT ? text_cmp(l, r) : num_cmp(l->o.num, r->o.num);
	if (lk == CRM_VALUE_TEXT && rk == CRM_VALUE_NUMBER)
		return side_number(l, &x) ? num_cmp(x, r->o.num) : text_cmp(l, r) == 0 ? 0 : UNEQ;
	if (lk == CRM_VALUE_NUMBER && rk == CRM_VALUE_TEXT)
		return side_number(r, &x) ? num_cmp(l->o.num, x) : text_cmp(l, r) == 0 ? 0 : UNEQ;
	if (lk == CRM_VALUE_TEXT && rk == CRM_VALUE_DATE)
		return side_date(l, &x) ? num_cmp(x, r->o.num) : UNORD;
	if (lk == CRM_VALUE_DATE && rk == CRM_VALUE_TEXT)
		return side_date(r, &x) ? num_cmp(l->o.num, x) : UNORD;
	return UNORD; /* number vs date */
}

/* Whether comparison result c satisfies operator op (a T_EQ .. T_GE). */
static int
holds(int op, int c)
{
	switch (op) {
	case T_EQ:
		return c == 0;
	case T_NE:
		return c == -1 || c == 1 || c == UNEQ;
	case T_LT:
		return c == -1;
	case T_LE:
		return c == -1 || c == 0;
	case T_GT:
		return c == 1;
	default:
		return c == 1 || c == 0;
	}
}

/* A comparison node. The two sides' fold buffers live only in this frame:
 * comparisons never nest inside values, so at most one such frame is on the
 * stack however deep the and/or tree is. */
static int
eval_test(const crm_rule *r, const struct node *n, const crm_value *values)
{
	struct side l, x;
	const char *a, *b;
	size_t al, bl;
	uint32_t k;
	int res = 0, c1, c2;

	l.fb.heap = x.fb.heap = NULL;
	l.fb.heapcap = x.fb.heapcap = 0;
	side_reset(&l);
	side_reset(&x);
	eval_value(r, n->a, values, &l.o);
	switch (n->op) {
	case B_CMP:
		eval_value(r, n->b, values, &x.o);
		res = holds(n->cmp, compare(&l, &x));
		break;
	case B_IN:
		/* in: some item equal; not in: every item unequal. */
		res = n->neg;
		for (k = n->b; k != NONE; k = r->nodes[k].next) {
			side_reset(&x);
			eval_value(r, k, values, &x.o);
			c1 = compare(&l, &x);
			if (!n->neg && c1 == 0) {
				res = 1;
				break;
			}
			if (n->neg && c1 != -1 && c1 != 1 && c1 != UNEQ) {
				res = 0;
				break;
			}
		}
		break;
	case B_CONTAINS:
		eval_value(r, n->b, values, &x.o);
		if (l.o.kind == CRM_VALUE_EMPTY || x.o.kind == CRM_VALUE_EMPTY)
			break;
		a = side_fold(&l, &al);
		b = side_fold(&x, &bl);
		res = (memmem(a, al, b, bl) != NULL) != n->neg;
		break;
	case B_EMPTY:
		res = (l.o.kind == CRM_VALUE_EMPTY) != n->neg;
		break;
	case B_BETWEEN:
		eval_value(r, n->b, values, &x.o);
		c1 = compare(&l, &x);
		side_reset(&x);
		eval_value(r, n->c, values, &x.o);
		c2 = compare(&l, &x);
		if (n->neg)
			res = c1 == -1 || c2 == 1;
		else
			res = (c1 == 0 || c1 == 1) && (c2 == 0 || c2 == -1);
		break;
	default:
		break;
	}
	free(l.fb.heap);
	free(x.fb.heap);
	return res;
}

static int
eval_cond(const crm_rule *r, uint32_t i, const crm_value *values)
{
	const struct node *n = &r->nodes[i];
	uint32_t k;

	switch (n->op) {
	case B_TRUE:
		return 1;
	case B_FALSE:
		return 0;
	case B_AND:
		for (k = n->a; k != NONE; k = r->nodes[k].next)
			if (!eval_cond(r, k, values))
				return 0;
		return 1;
	case B_OR:
		for (k = n->a; k != NONE; k = r->nodes[k].next)
			if (eval_cond(r, k, values))
				return 1;
		return 0;
	case B_NOT:
		return !eval_cond(r, n->a, values);
	default:
		return eval_test(r, n, values);
	}
}

int
crm_rule_eval(const crm_rule *rule, const crm_value *values)
{
	return eval_cond(rule, rule->root, values);
}

bool
crm_rule_uses(const crm_rule *rule, size_t name_index)
{
	return rule != NULL && name_index < rule->nnames && rule->uses[name_index];
}

void
crm_rule_free(crm_rule *rule)
{
	size_t i;

	if (rule == NULL)
		return;
	for (i = 0; i < rule->nlits; i++)
		free(rule->lits[i].fold);
	free(rule->lits);
	free(rule->nodes);
	free(rule->uses);
	free(rule);
}

/* ---- Messages ---- */

/* s[0..len) for quoting in a message, into out (at least SNIP + 4 bytes):
 * at most SNIP bytes cut at a character boundary, "..." when cut, control
 * characters shown as '?'. */
static void
snip(char *out, const char *s, size_t len)
{
	size_t i, n = len > SNIP ? SNIP : len;

	if (n < len)
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	for (i = 0; i < n; i++)
		out[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7F) ? '?' : s[i];
	strcpy(out + n, n < len ? "..." : "");
}

static long fail(struct parser *p, int col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Record the first error; returns -1 for the caller to pass up. */
static long
fail(struct parser *p, int col, const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return -1;
	p->failed = true;
	if (p->err != NULL) {
		p->err->column = col;
		va_start(ap, fmt);
		vsnprintf(p->err->message, sizeof p->err->message, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* The text of token t, quoted-ready, into out (SNIP + 4 bytes). */
static void
tok_text(const struct parser *p, const struct token *t, char *out)
{
	snip(out, p->text + t->off, t->len);
}

/* ---- Lexer ---- */

static void
push(struct parser *p, enum tok_kind kind, size_t off, size_t len, int col)
{
	struct token *t;

	if (p->ntoks == p->captoks) {
		p->captoks = p->captoks ? p->captoks * 2 : 32;
		p->toks = crm_xreallocarray(p->toks, p->captoks, sizeof *p->toks);
	}
	t = &p->toks[p->ntoks++];
	t->kind = kind;
	t->off = off;
	t->len = len;
	t->col = col;
}

/* Characters in s[0..n): bytes that do not continue a UTF-8 sequence. */
static int
chars(const char *s, size_t n)
{
	int c = 0;
	size_t i;

	for (i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xC0) != 0x80;
	return c;
}

/* The code point at s (valid UTF-8) and its length in *n. */
static int32_t
code_point(const char *s, size_t *n)
{
	utf8proc_int32_t cp = -1;
	utf8proc_ssize_t r = utf8proc_iterate((const utf8proc_uint8_t *)s, -1, &cp);

	*n = r > 0 ? (size_t)r : 1;
	return r > 0 ? cp : (unsigned char)*s;
}

/* Name characters: ASCII letters, digits and _, and non-ASCII letters,
 * marks and digits; a name starts with a letter or _. Sets *n to the byte
 * length of the character at s. */
static bool
name_char(const char *s, bool first, size_t *n)
{
	unsigned char c = (unsigned char)*s;
	utf8proc_category_t cat;

	*n = 1;
	if (c < 0x80)
		return is_alpha(c) || c == '_' || (!first && is_digit(c));
	cat = utf8proc_category(code_point(s, n));
	if (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO)
		return true;
	return !first && cat >= UTF8PROC_CATEGORY_MN && cat <= UTF8PROC_CATEGORY_NO;
}

/* Stop lexing with a T_ERROR token at off/col and message fmt. */
static void lex_error(struct parser *p, size_t off, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
lex_error(struct parser *p, size_t off, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->lexmsg, sizeof p->lexmsg, fmt, ap);
	va_end(ap);
	push(p, T_ERROR, off, 0, col);
}

/* A quoted string or name starting at s[i] with quote q: returns the byte
 * after the closing quote, or 0 when there is none. */
static size_t
quoted_end(const char *s, size_t i, char q)
{
	for (i++; s[i] != '\0'; i++) {
		if (s[i] == q) {
			if (s[i + 1] != q)
				return i + 1;
			i++;
		}
	}
	return 0;
}

static const struct {
	const char *word;
	enum tok_kind kind;
} keywords[] = {
    {"and", T_AND},	    {"or", T_OR},     {"not", T_NOT},
    {"in", T_IN},	    {"is", T_IS},     {"contains", T_CONTAINS},
    {"between", T_BETWEEN}, {"true", T_TRUE}, {"false", T_FALSE},
};

/* A number or date literal at s[i]; returns the byte after it, or 0 after a
 * lexical error. */
static size_t
lex_number(struct parser *p, size_t i, int col)
{
	const char *s = p->text;
	char q[SNIP + 4];
	size_t j = i, k, d2 = 0, d3 = 0, n;

	/* 2026-01-01: four digits, "-", digits, "-", digits. */
	if (is_digit(s[i]) && is_digit(s[i + 1]) && is_digit(s[i + 2]) && is_digit(s[i + 3]) &&
	    s[i + 4] == '-' && is_digit(s[i + 5])) {
		for (k = i + 5; is_digit(s[k]); k++)
			d2++;
		if (s[k] == '-' && is_digit(s[k + 1])) {
			for (k++; is_digit(s[k]); k++)
				d3++;
			if (d2 == 2 && d3 == 2 && !name_char(s + k, false, &n) && s[k] != '.') {
				push(p, T_DATE, i, k - i, col);
				return k;
			}
			while (s[k] != '\0' &&
			       (name_char(s + k, false, &n) || s[k] == '.' || s[k] == '-'))
				k += n;
			snip(q, s + i, k - i);
			lex_error(p, i, col, "bad date \"%s\" (write dates as YYYY-MM-DD)", q);
			return 0;
		}
	}
	while (is_digit(s[j]))
		j++;
	if (s[j] == '.')
		for (j++; is_digit(s[j]); j++)
			;
	if (s[j] == 'e' || s[j] == 'E') {
		k = j + 1;
		if (s[k] == '+' || s[k] == '-')
			k++;
		if (is_digit(s[k]))
			for (j = k; is_digit(s[j]); j++)
				;
	}
	if (s[j] == '.' || name_char(s + j, false, &n)) {
		/* 12abc, 1.2.3, 1e, 1_000: show the whole word. */
		while (s[j] != '\0' && (name_char(s + j, false, &n) || s[j] == '.'))
			j += n; /* name_char sets n, also for '.' */
		snip(q, s + i, j - i);
		lex_error(p, i, col, "bad number \"%s\"", q);
		return 0;
	}
	push(p, T_NUM, i, j - i, col);
	return j;
}

/* Explain a character that starts no token. */
static void
lex_unexpected(struct parser *p, size_t i, int col)
{
	const char *s = p->text;
	char q[SNIP + 4];
	size_t n;
	int32_t cp = code_point(s + i, &n);

	snip(q, s + i, n);
	if (cp >= 0xFF01 && cp <= 0xFF5E)
		lex_error(p, i, col, "unexpected character \"%s\" (full-width; use \"%c\")", q,
			  (char)(cp - 0xFF01 + 0x21));
	else if (cp == 0x2018 || cp == 0x2019)
		lex_error(p, i, col, "unexpected character \"%s\" (quote strings with ')", q);
	else if (cp == 0x201C || cp == 0x201D)
		lex_error(p, i, col, "unexpected character \"%s\" (quote names with \")", q);
	else if (cp == '!')
		lex_error(p, i, col, "unexpected character \"!\" (use \"!=\" or \"not\")");
	else
		lex_error(p, i, col, "unexpected character \"%s\"", q);
}

/* Turn the rule into tokens, ending with T_EOF or at the first T_ERROR. */
static void
lex(struct parser *p)
{
	const char *s = p->text;
	size_t i = 0, j, n, w;
	int col = 1;
	enum tok_kind k;

	for (;;) {
		while ((n = space_len((const unsigned char *)s + i)) > 0) {
			i += n;
			col++;
		}
		if (s[i] == '\0') {
			push(p, T_EOF, i, 0, col);
			return;
		}
		j = i;
		switch (s[i]) {
		case '\'':
			if ((j = quoted_end(s, i, '\'')) == 0) {
				lex_error(p, i, col, "unterminated string (no closing ')");
				return;
			}
			k = T_STR;
			break;
		case '"':
		case '`':
			if ((j = quoted_end(s, i, s[i])) == 0) {
				lex_error(p, i, col, "unterminated name (no closing %c)", s[i]);
				return;
			}
			if (j == i + 2) {
				lex_error(p, i, col, "empty name");
				return;
			}
			k = T_QNAME;
			break;
		case '(':
			k = T_LP, j = i + 1;
			break;
		case ')':
			k = T_RP, j = i + 1;
			break;
		case ',':
			k = T_COMMA, j = i + 1;
			break;
		case '+':
			k = T_PLUS, j = i + 1;
			break;
		case '-':
			k = T_MINUS, j = i + 1;
			break;
		case '*':
			k = T_STAR, j = i + 1;
			break;
		case '/':
			k = T_SLASH, j = i + 1;
			break;
		case '=':
			k = T_EQ, j = i + (s[i + 1] == '=' ? 2 : 1);
			break;
		case '<':
			k = s[i + 1] == '=' ? T_LE : s[i + 1] == '>' ? T_NE : T_LT;
			j = i + (k == T_LT ? 1 : 2);
			break;
		case '>':
			k = s[i + 1] == '=' ? T_GE : T_GT;
			j = i + (k == T_GT ? 1 : 2);
			break;
		case '!':
			if (s[i + 1] != '=') {
				lex_unexpected(p, i, col);
				return;
			}
			k = T_NE, j = i + 2;
			break;
		default:
			if (is_digit(s[i]) || (s[i] == '.' && is_digit(s[i + 1]))) {
				if ((j = lex_number(p, i, col)) == 0)
					return;
				col += chars(s + i, j - i);
				i = j;
				continue;
			}
			if (!name_char(s + i, true, &w)) {
				lex_unexpected(p, i, col);
				return;
			}
			for (j = i; s[j] != '\0' && name_char(s + j, false, &w); j += w)
				;
			k = T_NAME;
			for (n = 0; n < sizeof keywords / sizeof keywords[0]; n++)
				if (strlen(keywords[n].word) == j - i &&
				    strncasecmp(s + i, keywords[n].word, j - i) == 0)
					k = keywords[n].kind;
			break;
		}
		push(p, k, i, j - i, col);
		col += chars(s + i, j - i);
		i = j;
	}
}

/* Reject invalid UTF-8, naming the column of the first bad byte. */
static int
check_utf8(struct parser *p)
{
	const char *s = p->text;
	size_t i = 0, n;
	int col = 1;

	if (crm_text_valid_utf8(s, strlen(s)))
		return 0;
	for (; s[i] != '\0'; i += n, col++) {
		unsigned char c = (unsigned char)s[i];

		n = c < 0x80		     ? 1
		    : c >= 0xC2 && c <= 0xDF ? 2
		    : c >= 0xE0 && c <= 0xEF ? 3
		    : c >= 0xF0 && c <= 0xF4 ? 4
					     : 0;
		/* Reads stop at the NUL: crm_text_valid_utf8 fails on it. */
		if (n == 0 || !crm_text_valid_utf8(s + i, n))
			break;
	}
	return (int)fail(p, col, "invalid UTF-8");
}

/* ---- Parser ---- */

static const struct token *
cur(const struct parser *p)
{
	return &p->toks[p->pos];
}

/* Step to the next token; never past T_EOF or T_ERROR. */
static void
advance(struct parser *p)
{
	if (p->pos + 1 < p->ntoks)
		p->pos++;
}

/* The kind of the token after the current one. */
static enum tok_kind
peek2(const struct parser *p)
{
	return p->pos + 1 < p->ntoks ? p->toks[p->pos + 1].kind : T_EOF;
}

/* An error at token t: the lexer's message when t is where lexing failed. */
static long fail_tok(struct parser *p, const struct token *t, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static long
fail_tok(struct parser *p, const struct token *t, const char *fmt, ...)
{
	char msg[sizeof p->lexmsg];
	va_list ap;

	if (t->kind == T_ERROR)
		return fail(p, t->col, "%s", p->lexmsg);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return fail(p, t->col, "%s", msg);
}

static long
nested_too_deep(struct parser *p, int col)
{
	return fail(p, col, "expression nested too deeply (more than %d levels)",
		    CRM_RULE_MAX_DEPTH);
}

/* A new node spanning token t; fields are set by the caller. */
static long
new_node(struct parser *p, enum op op, const struct token *t)
{
	crm_rule *r = p->rule;
	struct node *n;

	if (r->nnodes == r->capnodes) {
		if (r->capnodes >= NONE / 2)
			crm_die(CRM_EX_SOFTWARE, "rule too large");
		r->capnodes = r->capnodes ? r->capnodes * 2 : 16;
		r->nodes = crm_xreallocarray(r->nodes, r->capnodes, sizeof *r->nodes);
	}
	n = &r->nodes[r->nnodes];
	memset(n, 0, sizeof *n);
	n->op = (uint8_t)op;
	n->a = n->b = n->c = n->next = NONE;
	n->depth = 1;
	n->col = t->col;
	n->off = (uint32_t)t->off;
	n->end = (uint32_t)(t->off + t->len);
	return (long)r->nnodes++;
}

static struct node *
node(struct parser *p, long i)
{
	return &p->rule->nodes[i];
}

/* Node i gets child c: span and depth grow to cover it. Returns -1 when the
 * tree becomes too deep. */
static long
adopt(struct parser *p, long i, long c)
{
	struct node *n = node(p, i), *k = node(p, c);

	if (k->off < n->off) {
		n->off = k->off;
		n->col = k->col;
	}
	if (k->end > n->end)
		n->end = k->end;
	if (k->depth + 1 > n->depth)
		n->depth = (uint16_t)(k->depth + 1);
	if (n->depth > CRM_RULE_MAX_DEPTH)
		return nested_too_deep(p, n->col);
	return i;
}

static long
new_lit(struct parser *p, const struct token *t, struct lit **out)
{
	crm_rule *r = p->rule;
	long i = new_node(p, V_LIT, t);

	if (r->nlits == r->caplits) {
		r->caplits = r->caplits ? r->caplits * 2 : 8;
		r->lits = crm_xreallocarray(r->lits, r->caplits, sizeof *r->lits);
	}
	*out = &r->lits[r->nlits];
	memset(*out, 0, sizeof **out);
	node(p, i)->a = (uint32_t)r->nlits++;
	return i;
}

/* The content of a quoted token without its quotes, doubled quotes undone;
 * the caller frees it. */
static char *
unquote(const struct parser *p, const struct token *t)
{
	const char *s = p->text + t->off;
	char q = s[0], *out = crm_xmalloc(t->len), *o = out;
	size_t i;

	for (i = 1; i + 1 < t->len; i++) {
		*o++ = s[i];
		if (s[i] == q)
			i++;
	}
	*o = '\0';
	return out;
}

/* Condition required: a true/false literal becomes one; any other value is
 * an error reported at the current token (where a comparison would go). */
static long
require_cond(struct parser *p, long i)
{
	struct node *n = node(p, i);
	char q[SNIP + 4];

	if (is_cond(n))
		return i;
	if (n->op == V_LIT && p->rule->lits[n->a].is_bool) {
		n->op = p->rule->lits[n->a].num != 0 ? B_TRUE : B_FALSE;
		return i;
	}
	snip(q, p->text + n->off, n->end - n->off);
	return fail_tok(p, cur(p), "expected a comparison after \"%s\"", q);
}

/* Value required: a condition here is an error at its first character. */
static long
require_value(struct parser *p, long i)
{
	struct node *n = node(p, i);
	char q[SNIP + 4];

	if (!is_cond(n))
		return i;
	snip(q, p->text + n->off, n->end - n->off);
	return fail(p, n->col, "\"%s\" is a condition, not a value", q);
}

/* Fold names on first need, for case-insensitive lookup and suggestions. */
static void
fold_names(struct parser *p)
{
	size_t i;

	if (p->folded != NULL || p->nnames == 0)
		return;
	p->folded = crm_xcalloc(p->nnames, sizeof *p->folded);
	for (i = 0; i < p->nnames; i++)
		if (p->names[i] != NULL)
			p->folded[i] = fold_dup(p->names[i], strlen(p->names[i]), NULL);
}

/* "unknown name" with the nearest known name (edit distance on folded
 * names, within max(2, length / 3) edits) and the known names, as many as
 * fit the message. NULL and "" names are placeholders, left out. */
static long
unknown_name(struct parser *p, const struct token *t, const char *name)
{
	char msg[sizeof p->lexmsg], q[SNIP + 4];
	size_t len, limit, d, best = (size_t)-1, i, used, shown = 0, valid = 0;
	const char *near = NULL;
	char *f;
	int w;

	fold_names(p);
	f = fold_dup(name, strlen(name), &len);
	limit = len / 3 > 2 ? len / 3 : 2;
	for (i = 0; i < p->nnames; i++) {
		if (p->folded[i] == NULL || p->names[i][0] == '\0')
			continue;
		valid++;
		d = crm_edit_distance(f, p->folded[i]);
		if (d <= limit && d < best) {
			best = d;
			near = p->names[i];
		}
	}
	free(f);
	snip(q, name, strlen(name));
	used = (size_t)snprintf(msg, sizeof msg, "unknown name \"%s\"", q);
	if (near != NULL) {
		snip(q, near, strlen(near));
		used +=
		    (size_t)snprintf(msg + used, sizeof msg - used, " (did you mean \"%s\"?)", q);
	}
	if (valid == 0) {
		snprintf(msg + used, sizeof msg - used, "; no names are known here");
		return fail(p, t->col, "%s", msg);
	}
	used += (size_t)snprintf(msg + used, sizeof msg - used, "; known names:");
	for (i = 0; i < p->nnames; i++) {
		if (p->names[i] == NULL || p->names[i][0] == '\0')
			continue;
		snip(q, p->names[i], strlen(p->names[i]));
		/* Keep room for " and 99999 more". */
		if (used + strlen(q) + 3 + 24 >= sizeof msg)
			break;
		w = snprintf(msg + used, sizeof msg - used, "%s %s", shown ? "," : "", q);
		used += (size_t)w;
		shown++;
	}
	if (shown < valid)
		snprintf(msg + used, sizeof msg - used, " and %zu more", valid - shown);
	return fail(p, t->col, "%s", msg);
}

/* A name token as a V_NAME node: exact match first, then one
 * case-insensitive (folded) match. */
static long
parse_name(struct parser *p)
{
	const struct token *t = cur(p);
	char *name, *f, q[SNIP + 4], q1[SNIP + 4], q2[SNIP + 4];
	size_t i, found = (size_t)-1, other = (size_t)-1;
	long n;

	if (t->kind == T_QNAME)
		name = unquote(p, t);
	else
		name = crm_xstrndup(p->text + t->off, t->len);
	for (i = 0; i < p->nnames; i++)
		if (p->names[i] != NULL && strcmp(p->names[i], name) == 0) {
			found = i;
			break;
		}
	if (found == (size_t)-1 && p->nnames > 0) {
		fold_names(p);
		f = fold_dup(name, strlen(name), NULL);
		for (i = 0; i < p->nnames; i++) {
			if (p->folded[i] == NULL || strcmp(p->folded[i], f) != 0)
				continue;
			if (found == (size_t)-1)
				found = i;
			else if (other == (size_t)-1)
				other = i;
		}
		free(f);
	}
	if (found == (size_t)-1) {
		n = unknown_name(p, t, name);
		free(name);
		return n;
	}
	if (other != (size_t)-1) {
		snip(q, name, strlen(name));
		snip(q1, p->names[found], strlen(p->names[found]));
		snip(q2, p->names[other], strlen(p->names[other]));
		free(name);
		return fail(p, t->col,
			    "name \"%s\" matches both \"%s\" and \"%s\"; "
			    "write it exactly",
			    q, q1, q2);
	}
	free(name);
	n = new_node(p, V_NAME, t);
	node(p, n)->a = (uint32_t)found;
	p->rule->uses[found] = 1;
	advance(p);
	return n;
}

/* A number, string, date or true/false token as a literal node. */
static long
parse_literal(struct parser *p)
{
	const struct token *t = cur(p);
	const char *s = p->text + t->off, *tr;
	char q[SNIP + 4], *raw;
	struct lit *l;
	size_t len;
	long n;

	snip(q, s, t->len);
	switch (t->kind) {
	case T_NUM:
		n = new_lit(p, t, &l);
		l->kind = CRM_VALUE_NUMBER;
		if (!read_number(s, t->len, &l->num))
			return fail_tok(p, t, "number \"%s\" is out of range", q);
		l->fold = fold_dup(s, t->len, &l->flen);
		break;
	case T_DATE:
		n = new_lit(p, t, &l);
		l->kind = CRM_VALUE_DATE;
		if (!read_date(s, t->len, &l->num))
			return fail_tok(p, t, "\"%s\" is not a valid date", q);
		l->fold = crm_xstrndup(s, t->len);
		l->flen = t->len;
		break;
	case T_TRUE:
	case T_FALSE:
		n = new_lit(p, t, &l);
		l->kind = CRM_VALUE_NUMBER;
		l->is_bool = true;
		l->num = t->kind == T_TRUE;
		l->fold = crm_xstrdup(t->kind == T_TRUE ? "true" : "false");
		l->flen = strlen(l->fold);
		break;
	default: /* T_STR */
		raw = unquote(p, t);
		tr = trim(raw, &len);
		if (len == 0) {
			free(raw);
			return fail_tok(p, t, "%s is empty and never compares; use \"is empty\"",
					q);
		}
		n = new_lit(p, t, &l);
		l->kind = CRM_VALUE_TEXT;
		l->fold = fold_dup(tr, len, &l->flen);
		l->has_num = read_number(tr, len, &l->tnum);
		l->has_date = read_date(tr, len, &l->tdays);
		free(raw);
		break;
	}
	advance(p);
	return n;
}

static long parse_or(struct parser *p);

/* primary := literal | name | "(" expr ")" */
static long
parse_primary(struct parser *p)
{
	const struct token *t = cur(p), *open;
	char q[SNIP + 4];
	long e;

	switch (t->kind) {
	case T_NUM:
	case T_STR:
	case T_DATE:
	case T_TRUE:
	case T_FALSE:
		return parse_literal(p);
	case T_NAME:
	case T_QNAME:
		return parse_name(p);
	case T_LP:
		open = t;
		if (++p->nest > CRM_RULE_MAX_DEPTH)
			return nested_too_deep(p, t->col);
		advance(p);
		if ((e = parse_or(p)) < 0)
			return -1;
		t = cur(p);
		if (t->kind == T_EOF)
			return fail(p, open->col, "unbalanced parenthesis: \"(\" is never closed");
		if (t->kind != T_RP) {
			tok_text(p, t, q);
			return fail_tok(p, t,
					"expected \")\" to close the \"(\" at column %d, "
					"found \"%s\"",
					open->col, q);
		}
		/* The node's span takes in the parentheses, for messages. */
		node(p, e)->off = (uint32_t)open->off;
		node(p, e)->col = open->col;
		node(p, e)->end = (uint32_t)(t->off + 1);
		p->nest--;
		advance(p);
		return e;
	default:
		if (p->pos == 0) {
			tok_text(p, t, q);
			return fail_tok(p, t, "expected a value, found \"%s\"", q);
		}
		tok_text(p, &p->toks[p->pos - 1], q);
		return fail_tok(p, t, "expected a value after \"%s\"", q);
	}
}

/* unary := "-" unary | primary. A minus on a number literal is folded into
 * it (so -5 is one literal, spelt "-5"). */
static long
parse_unary(struct parser *p)
{
	const struct token *t = cur(p);
	struct lit *l;
	char *f;
	long e, n;

	if (t->kind != T_MINUS)
		return parse_primary(p);
	if (++p->nest > CRM_RULE_MAX_DEPTH)
		return nested_too_deep(p, t->col);
	advance(p);
	if ((e = parse_unary(p)) < 0 || require_value(p, e) < 0)
		return -1;
	p->nest--;
	if (node(p, e)->op == V_LIT &&
	    (l = &p->rule->lits[node(p, e)->a])->kind == CRM_VALUE_NUMBER && !l->is_bool) {
		l->num = -l->num;
		if (l->fold[0] == '-')
			f = crm_xstrdup(l->fold + 1);
		else
			f = crm_xasprintf("-%s", l->fold);
		free(l->fold);
		l->fold = f;
		l->flen = strlen(f);
		node(p, e)->off = (uint32_t)t->off;
		node(p, e)->col = t->col;
		return e;
	}
	n = new_node(p, V_NEG, t);
	node(p, n)->a = (uint32_t)e;
	return adopt(p, n, e);
}

/* A left-associative chain of binary operators over next(). */
static long
parse_binary(struct parser *p, long (*next)(struct parser *), enum tok_kind k1, enum op op1,
	     enum tok_kind k2, enum op op2)
{
	const struct token *t;
	long l, r, n;

	if ((l = next(p)) < 0)
		return -1;
	while ((t = cur(p))->kind == k1 || t->kind == k2) {
		if (require_value(p, l) < 0)
			return -1;
		advance(p);
		if ((r = next(p)) < 0 || require_value(p, r) < 0)
			return -1;
		n = new_node(p, t->kind == k1 ? op1 : op2, t);
		node(p, n)->a = (uint32_t)l;
		node(p, n)->b = (uint32_t)r;
		if (adopt(p, n, l) < 0 || adopt(p, n, r) < 0)
			return -1;
		l = n;
	}
	return l;
}

static long
parse_product(struct parser *p)
{
	return parse_binary(p, parse_unary, T_STAR, V_MUL, T_SLASH, V_DIV);
}

static long
parse_sum(struct parser *p)
{
	return parse_binary(p, parse_product, T_PLUS, V_ADD, T_MINUS, V_SUB);
}

/* A value operand of a comparison. */
static long
parse_operand(struct parser *p)
{
	long e = parse_sum(p);

	return e < 0 ? -1 : require_value(p, e);
}

/* The in-list after "in": "(" sum { "," sum } ")", chained from node n's b. */
static long
parse_list(struct parser *p, long n)
{
	const struct token *t = cur(p), *open;
	char q[SNIP + 4];
	long e, last = -1;

	if (t->kind != T_LP)
		return fail_tok(p, t, "expected \"(\" after \"in\"");
	open = t;
	advance(p);
	for (;;) {
		if ((e = parse_operand(p)) < 0)
			return -1;
		if (last < 0)
			node(p, n)->b = (uint32_t)e;
		else
			node(p, last)->next = (uint32_t)e;
		last = e;
		if (adopt(p, n, e) < 0)
			return -1;
		t = cur(p);
		if (t->kind == T_RP)
			break;
		if (t->kind == T_EOF)
			return fail(p, open->col, "unbalanced parenthesis: \"(\" is never closed");
		if (t->kind != T_COMMA) {
			tok_text(p, t, q);
			return fail_tok(p, t, "expected \",\" or \")\" in the list, found \"%s\"",
					q);
		}
		advance(p);
	}
	node(p, n)->end = (uint32_t)(t->off + 1);
	advance(p);
	return n;
}

static bool
starts_test(const struct parser *p)
{
	enum tok_kind k = cur(p)->kind, k2 = peek2(p);

	return (k >= T_EQ && k <= T_GE) || k == T_IN || k == T_IS || k == T_CONTAINS ||
	       k == T_BETWEEN ||
	       (k == T_NOT && (k2 == T_IN || k2 == T_CONTAINS || k2 == T_BETWEEN));
}

/* test := sum [ comparison ] */
static long
parse_test(struct parser *p)
{
	const struct token *t, *op;
	long l, r, n;
	bool neg = false;

	if ((l = parse_sum(p)) < 0)
		return -1;
	t = cur(p);
	if (t->kind == T_NOT) {
		if (peek2(p) != T_IN && peek2(p) != T_CONTAINS && peek2(p) != T_BETWEEN)
			return fail_tok(
			    p, &p->toks[p->pos + 1],
			    "expected \"in\", \"contains\" or \"between\" after \"not\"");
		neg = true;
		advance(p);
		t = cur(p);
	}
	op = t;
	switch (t->kind) {
	case T_EQ:
	case T_NE:
	case T_LT:
	case T_LE:
	case T_GT:
	case T_GE:
		if (require_value(p, l) < 0)
			return -1;
		advance(p);
		if ((r = parse_operand(p)) < 0)
			return -1;
		n = new_node(p, B_CMP, op);
		node(p, n)->cmp = (uint8_t)op->kind;
		node(p, n)->b = (uint32_t)r;
		if (adopt(p, n, r) < 0)
			return -1;
		break;
	case T_IN:
		if (require_value(p, l) < 0)
			return -1;
		advance(p);
		n = new_node(p, B_IN, op);
		if (parse_list(p, n) < 0)
			return -1;
		break;
	case T_CONTAINS:
		if (require_value(p, l) < 0)
			return -1;
		advance(p);
		if ((r = parse_operand(p)) < 0)
			return -1;
		n = new_node(p, B_CONTAINS, op);
		node(p, n)->b = (uint32_t)r;
		if (adopt(p, n, r) < 0)
			return -1;
		break;
	case T_BETWEEN:
		if (require_value(p, l) < 0)
			return -1;
		advance(p);
		if ((r = parse_operand(p)) < 0)
			return -1;
		n = new_node(p, B_BETWEEN, op);
		node(p, n)->b = (uint32_t)r;
		if (adopt(p, n, r) < 0)
			return -1;
		if (cur(p)->kind != T_AND)
			return fail_tok(p, cur(p),
					"expected \"and\" after the lower bound of "
					"\"between\"");
		advance(p);
		if ((r = parse_operand(p)) < 0)
			return -1;
		node(p, n)->c = (uint32_t)r;
		if (adopt(p, n, r) < 0)
			return -1;
		break;
	case T_IS:
		if (require_value(p, l) < 0)
			return -1;
		advance(p);
		if (cur(p)->kind == T_NOT) {
			neg = true;
			advance(p);
		}
		t = cur(p);
		if (t->kind != T_NAME || t->len != 5 ||
		    strncasecmp(p->text + t->off, "empty", 5) != 0)
			return fail_tok(p, t, "expected \"empty\" or \"not empty\" after \"is\"");
		n = new_node(p, B_EMPTY, op);
		node(p, n)->end = (uint32_t)(t->off + t->len);
		advance(p);
		break;
	default:
		return l;
	}
	node(p, n)->a = (uint32_t)l;
	node(p, n)->neg = neg;
	if (adopt(p, n, l) < 0)
		return -1;
	if (starts_test(p))
		return fail_tok(p, cur(p), "comparisons cannot be chained; join them with \"and\"");
	return n;
}

/* not := "not" not | test */
static long
parse_not(struct parser *p)
{
	const struct token *t = cur(p);
	long e, n;

	if (t->kind != T_NOT)
		return parse_test(p);
	if (++p->nest > CRM_RULE_MAX_DEPTH)
		return nested_too_deep(p, t->col);
	advance(p);
	if ((e = parse_not(p)) < 0 || require_cond(p, e) < 0)
		return -1;
	p->nest--;
	n = new_node(p, B_NOT, t);
	node(p, n)->a = (uint32_t)e;
	return adopt(p, n, e);
}

/* A chain of conditions joined by kw as one n-ary node of op (a single
 * condition stays as it is). */
static long
parse_chain(struct parser *p, long (*next)(struct parser *), enum tok_kind kw, enum op op)
{
	long first, last, e, n;

	if ((first = next(p)) < 0)
		return -1;
	if (cur(p)->kind != kw)
		return first;
	if (require_cond(p, first) < 0)
		return -1;
	n = new_node(p, op, cur(p));
	node(p, n)->a = (uint32_t)first;
	if (adopt(p, n, first) < 0)
		return -1;
	last = first;
	while (cur(p)->kind == kw) {
		advance(p);
		if ((e = next(p)) < 0 || require_cond(p, e) < 0)
			return -1;
		node(p, last)->next = (uint32_t)e;
		last = e;
		if (adopt(p, n, e) < 0)
			return -1;
	}
	return n;
}

static long
parse_and(struct parser *p)
{
	return parse_chain(p, parse_not, T_AND, B_AND);
}

static long
parse_or(struct parser *p)
{
	return parse_chain(p, parse_and, T_OR, B_OR);
}

static void
parser_free(struct parser *p)
{
	size_t i;

	if (p->folded != NULL)
		for (i = 0; i < p->nnames; i++)
			free(p->folded[i]);
	free(p->folded);
	free(p->toks);
}

crm_rule *
crm_rule_parse(const char *text, const char *const *names, size_t nnames, crm_rule_error *err)
{
	struct parser p;
	const struct token *t;
	char q[SNIP + 4];
	long root = -1;

	memset(&p, 0, sizeof p);
	p.text = text != NULL ? text : "";
	p.names = names;
	p.nnames = names != NULL ? nnames : 0;
	p.err = err;
	if (err != NULL) {
		err->column = 0;
		err->message[0] = '\0';
	}
	p.rule = crm_xcalloc(1, sizeof *p.rule);
	p.rule->nnames = p.nnames;
	p.rule->uses = crm_xcalloc(p.nnames ? p.nnames : 1, 1);
	if (check_utf8(&p) < 0)
		goto bad;
	lex(&p);
	if (p.toks[0].kind == T_EOF) {
		fail(&p, 1, "empty expression");
		goto bad;
	}
	if ((root = parse_or(&p)) < 0 || require_cond(&p, root) < 0)
		goto bad;
	t = cur(&p);
	if (t->kind == T_RP) {
		fail(&p, t->col, "unbalanced parenthesis: \")\" without \"(\"");
		goto bad;
	}
	if (t->kind != T_EOF) {
		tok_text(&p, t, q);
		fail_tok(&p, t, "unexpected \"%s\"", q);
		goto bad;
	}
	p.rule->root = (uint32_t)root;
	parser_free(&p);
	return p.rule;
bad:
	parser_free(&p);
	crm_rule_free(p.rule);
	return NULL;
}
