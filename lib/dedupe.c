/*
 * dedupe.c — records, blocking, comparison, the Fellegi-Sunter fit, scoring
 * and clustering (see dedupe.h for the method).
 */
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "dedupe.h"
#include "diag.h"
#include "hash.h"
#include "match.h"
#include "phone.h"
#include "text.h"

/* Levels are stored +1 (0 = null) in base-5 patterns; 13 fields fit 32 bits. */
#define MAX_FIELDS 13
#define NSTATES (CRM_NLEVELS + 1)

/* One field of one record. */
struct val {
	const char *key;   /* folded value ("" when empty); e-mails/phones '\n'-joined */
	const char *latin; /* romanised name, or NULL */
	uint32_t freq;     /* records with the same key in this field */
};

/* Strings live in chunks, freed together. */
struct arena_chunk {
	struct arena_chunk *next;
	size_t used, size;
	char data[];
};

struct crm_dd {
	struct crm_dd_field fields[MAX_FIELDS];
	size_t nfields;
	struct val *vals; /* nrec * nfields */
	size_t nrec, cap;
	struct arena_chunk *arena;
	crm_hash *name_cache; /* raw name -> index into cached (key, latin) pairs */
	const char **cached;  /* 2 per entry */
	size_t ncached, cached_cap;
	crm_hash *keep_apart; /* packed pair -> 1 */
	int given, surname;   /* field indexes, or -1 */
	int name, email;      /* the first full-name and e-mail fields, or -1 */
	char region[3];       /* default phone region */

	struct crm_dd_options opt;
	double m[MAX_FIELDS][CRM_NLEVELS], u[MAX_FIELDS][CRM_NLEVELS];
	double w[MAX_FIELDS][CRM_NLEVELS];
	double mass[MAX_FIELDS][CRM_NLEVELS]; /* expected matches seen per level */
	bool fitted[MAX_FIELDS];              /* m came from the data (not m0) */
	size_t nonnull[MAX_FIELDS];
	double prior;

	uint64_t *cand; /* unique candidate pairs */
	size_t ncand;
	uint32_t *pattern; /* per candidate */
	struct crm_dd_pair *pairs; /* at or above the review threshold, best first */
	size_t npairs;
	/* clusters */
	uint32_t *parent, *next, *size;
	double *score;
	struct crm_dd_stats stats;
};

const char *
crm_dd_kind_name(enum crm_dd_kind k)
{
	static const char *const names[] = {"name", "given", "surname", "email", "phone",
	                                    "company", "date", "text"};

	return k < CRM_DD_NKINDS ? names[k] : "?";
}

void
crm_dd_options_default(struct crm_dd_options *o)
{
	o->merge_threshold = CRM_DD_MERGE_THRESHOLD;
	o->review_threshold = CRM_DD_REVIEW_THRESHOLD;
	o->apart_threshold = CRM_DD_APART_THRESHOLD;
	o->block_cap = CRM_DD_BLOCK_CAP;
	o->sample_pairs = 200000;
	o->threads = 2;
	o->weights = NULL;
}

static const char *
arena_dup(crm_dd *d, const char *s, size_t len)
{
	struct arena_chunk *c = d->arena;
	char *p;

	if (len == 0)
		return "";
	if (c == NULL || c->size - c->used < len + 1) {
		size_t size = len + 1 > (1u << 20) ? len + 1 : (1u << 20);

		c = crm_xmalloc(sizeof *c + size);
		c->next = d->arena;
		c->used = 0;
		c->size = size;
		d->arena = c;
	}
	p = c->data + c->used;
	memcpy(p, s, len);
	p[len] = 0;
	c->used += len + 1;
	return p;
}

crm_dd *
crm_dd_new(const struct crm_dd_field *fields, size_t nfields)
{
	crm_dd *d = crm_xcalloc(1, sizeof *d);

	if (nfields > MAX_FIELDS) {
		crm_warn("only the first %d of %zu fields are compared", MAX_FIELDS, nfields);
		nfields = MAX_FIELDS;
	}
	memcpy(d->fields, fields, nfields * sizeof *fields);
	d->nfields = nfields;
	d->given = d->surname = d->name = d->email = -1;
	for (size_t f = 0; f < nfields; f++) {
		if (fields[f].kind == CRM_DD_NAME && d->name < 0)
			d->name = (int)f;
		if (fields[f].kind == CRM_DD_EMAIL && d->email < 0)
			d->email = (int)f;
		if (fields[f].kind == CRM_DD_GIVEN && d->given < 0)
			d->given = (int)f;
		if (fields[f].kind == CRM_DD_SURNAME && d->surname < 0)
			d->surname = (int)f;
	}
	d->name_cache = crm_hash_new();
	d->keep_apart = crm_hash_new();
	crm_dd_options_default(&d->opt);
	return d;
}

void
crm_dd_free(crm_dd *d)
{
	if (d == NULL)
		return;
	while (d->arena != NULL) {
		struct arena_chunk *n = d->arena->next;

		free(d->arena);
		d->arena = n;
	}
	crm_hash_free(d->name_cache);
	crm_hash_free(d->keep_apart);
	free(d->cached);
	free(d->vals);
	free(d->cand);
	free(d->pattern);
	free(d->pairs);
	free(d->parent);
	free(d->next);
	free(d->size);
	free(d->score);
	free(d);
}

void
crm_dd_set_phone_region(crm_dd *d, const char *region)
{
	snprintf(d->region, sizeof d->region, "%s", region != NULL ? region : "");
}

size_t
crm_dd_count(const crm_dd *d)
{
	return d->nrec;
}

static bool
is_name_kind(enum crm_dd_kind k)
{
	return k == CRM_DD_NAME || k == CRM_DD_GIVEN || k == CRM_DD_SURNAME;
}

/* Folded key and Latin form of a name, computed once per distinct text
 * (romanising with ICU costs far more than a lookup). */
static bool
prepare_name(crm_dd *d, const char *raw, struct val *v)
{
	int64_t idx;
	char *key, *latin;

	if (crm_hash_get(d->name_cache, raw, strlen(raw), &idx)) {
		v->key = d->cached[2 * idx];
		v->latin = d->cached[2 * idx + 1];
		return true;
	}
	key = crm_match_fold(raw);
	latin = key != NULL ? crm_match_latin(raw) : NULL;
	if (key == NULL || latin == NULL) {
		free(key);
		free(latin);
		return false;
	}
	if (d->ncached == d->cached_cap) {
		d->cached_cap = d->cached_cap ? 2 * d->cached_cap : 1024;
		d->cached = crm_xreallocarray(d->cached, 2 * d->cached_cap, sizeof *d->cached);
	}
	v->key = d->cached[2 * d->ncached] = arena_dup(d, key, strlen(key));
	v->latin = d->cached[2 * d->ncached + 1] = arena_dup(d, latin, strlen(latin));
	crm_hash_put(d->name_cache, raw, strlen(raw), (int64_t)d->ncached);
	d->ncached++;
	free(key);
	free(latin);
	return true;
}

/* A date as YYYYMMDD when it reads as a date, else its digits. */
static void
date_digits(const char *given, char *out, size_t outsz)
{
	struct crm_datetime dt;
	size_t o = 0;
	char *folded = crm_text_fold_width(given); /* １９９８ is 1998 */
	const char *raw = folded != NULL ? folded : given;

	if (strlen(raw) != 8 && crm_date_parse(raw, CRM_DATE_YMD, false, &dt) == 0) {
		int64_t y;
		int m, dd;

		crm_civil_from_days(dt.days, &y, &m, &dd);
		snprintf(out, outsz, "%04d%02d%02d", (int)(y % 10000), m, dd);
		free(folded);
		return;
	}
	for (; *raw != 0 && o + 1 < outsz; raw++)
		if (*raw >= '0' && *raw <= '9')
			out[o++] = *raw;
	out[o] = 0;
	free(folded);
}

/* Several e-mails or phones, each normalised (an unreadable one folded as
 * text), '\n'-joined. */
static char *
contact_list(const char *raw, bool email, const char *region)
{
	char *copy = crm_xstrdup(raw), *save = NULL, *tok, *out = crm_xcalloc(1, strlen(raw) * 2 + 2);

	for (tok = strtok_r(copy, "\n", &save); tok != NULL; tok = strtok_r(NULL, "\n", &save)) {
		char e164[32], ext[16];
		char *norm = NULL;

		if (email)
			norm = crm_email_normalise(tok);
		else if (crm_phone_e164(tok, region, e164, sizeof e164, ext, sizeof ext) == CRM_PHONE_OK)
			norm = crm_xstrdup(e164);

		if (norm == NULL) /* not an address: compare the folded text */
			norm = crm_text_key(tok);
		if (norm != NULL && *norm != 0) {
			if (*out != 0)
				strcat(out, "\n");
			strncat(out, norm, strlen(raw) * 2 - strlen(out));
		}
		free(norm);
	}
	free(copy);
	return out;
}

static bool
prepare_value(crm_dd *d, enum crm_dd_kind kind, const char *raw, struct val *v)
{
	char *folded = NULL;

	v->key = "";
	v->latin = NULL;
	v->freq = 0;
	if (raw == NULL || *raw == 0)
		return true;
	if (!crm_text_valid_utf8(raw, strlen(raw)))
		return false;
	switch (kind) {
	case CRM_DD_NAME:
	case CRM_DD_GIVEN:
	case CRM_DD_SURNAME:
		return prepare_name(d, raw, v);
	case CRM_DD_EMAIL:
	case CRM_DD_PHONE:
		folded = contact_list(raw, kind == CRM_DD_EMAIL, d->region);
		break;
	case CRM_DD_COMPANY:
		folded = crm_match_company(raw);
		break;
	case CRM_DD_DATE: {
		char digits[64];

		date_digits(raw, digits, sizeof digits);
		folded = crm_xstrdup(digits);
		break;
	}
	default:
		/* A short text (a city, a region) also gets its romanised form, so
		 * 台北 meets Taipei; long ones (addresses) are compared as written. */
		if (strlen(raw) <= 24 && crm_match_has_han(raw))
			return prepare_name(d, raw, v);
		folded = crm_match_fold(raw);
		break;
	}
	if (folded == NULL)
		return false;
	v->key = arena_dup(d, folded, strlen(folded));
	free(folded);
	return true;
}

size_t
crm_dd_add(crm_dd *d, const char *const *values)
{
	struct val *row;

	if (d->nrec == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 4096;
		d->vals = crm_xreallocarray(d->vals, d->cap * d->nfields + 1, sizeof *d->vals);
	}
	row = d->vals + d->nrec * d->nfields;
	for (size_t f = 0; f < d->nfields; f++)
		if (!prepare_value(d, d->fields[f].kind, values[f], &row[f]))
			return SIZE_MAX;
	return d->nrec++;
}

static uint64_t
pack(size_t a, size_t b)
{
	return a < b ? ((uint64_t)a << 32 | b) : ((uint64_t)b << 32 | a);
}

void
crm_dd_keep_apart(crm_dd *d, size_t a, size_t b)
{
	uint64_t k = pack(a, b);

	crm_hash_put(d->keep_apart, &k, sizeof k, 1);
}

static bool
kept_apart(const crm_dd *d, size_t a, size_t b)
{
	uint64_t k = pack(a, b);
	int64_t v;

	return crm_hash_count(d->keep_apart) > 0 && crm_hash_get(d->keep_apart, &k, sizeof k, &v);
}

static const struct val *
val_at(const crm_dd *d, size_t rec, size_t f)
{
	return d->vals + rec * d->nfields + f;
}

/* ---- comparison ---------------------------------------------------------- */

/* Does any line of list a equal any line of list b (or, with tail > 0,
 * agree in their last tail bytes; with local, in the part before '@')? */
static bool
lists_meet(const char *a, const char *b, size_t tail, bool local)
{
	for (const char *p = a; *p != 0;) {
		size_t lp = strcspn(p, "\n");

		for (const char *q = b; *q != 0;) {
			size_t lq = strcspn(q, "\n");

			if (tail == 0 && !local && lp == lq && memcmp(p, q, lp) == 0)
				return true;
			if (tail > 0 && lp >= tail && lq >= tail &&
			    memcmp(p + lp - tail, q + lq - tail, tail) == 0)
				return true;
			if (local) {
				const char *at_p = memchr(p, '@', lp), *at_q = memchr(q, '@', lq);

				if (at_p != NULL && at_q != NULL && at_p - p >= 3 && at_p - p == at_q - q &&
				    memcmp(p, q, (size_t)(at_p - p)) == 0)
					return true;
			}
			q += lq + (q[lq] != 0);
		}
		p += lp + (p[lp] != 0);
	}
	return false;
}

/* Equal when spaces are ignored ("tai bei" and "taibei")? */
static bool
same_letters(const char *a, const char *b)
{
	while (*a != 0 || *b != 0) {
		while (*a == ' ')
			a++;
		while (*b == ' ')
			b++;
		if (*a != *b)
			return false;
		if (*a != 0)
			a++, b++;
	}
	return true;
}

static enum crm_level
compare_field(const crm_dd *d, size_t f, const struct val *a, const struct val *b)
{
	if (*a->key == 0 || *b->key == 0)
		return CRM_LEVEL_NULL;
	switch (d->fields[f].kind) {
	case CRM_DD_NAME:
	case CRM_DD_GIVEN:
	case CRM_DD_SURNAME:
		return crm_match_name(a->key, a->latin, b->key, b->latin);
	case CRM_DD_EMAIL:
		if (lists_meet(a->key, b->key, 0, false))
			return CRM_LEVEL_EXACT;
		return lists_meet(a->key, b->key, 0, true) ? CRM_LEVEL_CLOSE : CRM_LEVEL_NONE;
	case CRM_DD_PHONE:
		if (lists_meet(a->key, b->key, 0, false))
			return CRM_LEVEL_EXACT;
		return lists_meet(a->key, b->key, 8, false) ? CRM_LEVEL_CLOSE : CRM_LEVEL_NONE;
	case CRM_DD_DATE:
		return crm_match_date(a->key, b->key);
	default:
		/* One side in Chinese characters, the other in Latin letters. */
		if ((a->latin != NULL) != (b->latin != NULL) && strcmp(a->key, b->key) != 0)
			return same_letters(a->latin ? a->latin : a->key, b->latin ? b->latin : b->key)
			           ? CRM_LEVEL_CLOSE
			           : CRM_LEVEL_NONE;
		return crm_match_string(a->key, b->key);
	}
}

/* The ASCII letters (case-folded) and digits of s[0..len), sorted, into out:
 * a key that ignores word order, spacing and punctuation. 陈小明 ("chen xiao
 * ming"), Chen Xiaoming and Xiaoming Chen give one key; so do the mailbox
 * tang.yu and the name Tang Yu. Returns its length. */
static size_t
sorted_letters(const char *s, size_t len, char *out, size_t outsz)
{
	size_t count[128] = {0}, o = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			count[c]++;
	}
	for (int c = 0; c < 128; c++)
		for (size_t k = 0; k < count[c] && o + 1 < outsz; k++)
			out[o++] = (char)c;
	out[o] = 0;
	return o;
}

/* Is the mailbox name of one of the addresses in list just the letters of
 * the (romanised) name? */
static bool
mailbox_is_name(const char *list, const char *latin)
{
	char name[256], box[256];

	if (latin == NULL || *latin == 0)
		return false;
	sorted_letters(latin, strlen(latin), name, sizeof name);
	for (const char *p = list; *p != 0;) {
		size_t len = strcspn(p, "\n");
		const char *at = memchr(p, '@', len);

		if (at != NULL) {
			sorted_letters(p, (size_t)(at - p), box, sizeof box);
			if (*box != 0 && strcmp(box, name) == 0)
				return true;
		}
		p += len + (p[len] != 0);
	}
	return false;
}

/* Levels of every field for records a and b into lv; given and surname are
 * also tried crosswise (a form's columns filled the other way round). */
static void
compare_records(const crm_dd *d, size_t a, size_t b, int *lv)
{
	for (size_t f = 0; f < d->nfields; f++)
		lv[f] = compare_field(d, f, val_at(d, a, f), val_at(d, b, f));
	if (d->given >= 0 && d->surname >= 0) {
		size_t g = (size_t)d->given, s = (size_t)d->surname;
		int x1 = compare_field(d, g, val_at(d, a, g), val_at(d, b, s));
		int x2 = compare_field(d, s, val_at(d, a, s), val_at(d, b, g));

		if (x1 >= CRM_LEVEL_CLOSE && x2 >= CRM_LEVEL_CLOSE && x1 + x2 > lv[g] + lv[s]) {
			lv[g] = x1;
			lv[s] = x2;
		}
	}
	/* The same mailbox name at two domains is evidence only when the name
	 * is not simply the person's (tang.yu@a and tang.yu@b are two Tang Yus
	 * as often as one): then it counts as weak. */
	if (d->email >= 0 && d->name >= 0 && lv[d->email] == CRM_LEVEL_CLOSE &&
	    mailbox_is_name(val_at(d, a, (size_t)d->email)->key, val_at(d, a, (size_t)d->name)->latin))
		lv[d->email] = CRM_LEVEL_WEAK;
}

static uint32_t
encode(const crm_dd *d, const int *lv)
{
	uint32_t p = 0;

	for (size_t f = d->nfields; f-- > 0;)
		p = p * NSTATES + (uint32_t)(lv[f] + 1);
	return p;
}

static void
decode(const crm_dd *d, uint32_t p, int *lv)
{
	for (size_t f = 0; f < d->nfields; f++) {
		lv[f] = (int)(p % NSTATES) - 1;
		p /= NSTATES;
	}
}

/* Match weight of a compared pair: prior, level weights, and for an exact
 * agreement the term-frequency adjustment log2(u_exact / tf(value)). */
static double
pair_weight(const crm_dd *d, size_t a, const int *lv)
{
	double w = log2(d->prior / (1 - d->prior));

	for (size_t f = 0; f < d->nfields; f++) {
		if (lv[f] < 0)
			continue;
		w += d->w[f][lv[f]];
		if (lv[f] == CRM_LEVEL_EXACT && val_at(d, a, f)->freq > 0 && d->nonnull[f] > 1) {
			double tf = (double)val_at(d, a, f)->freq / (double)d->nonnull[f];
			double adj = log2(d->u[f][CRM_LEVEL_EXACT] / tf);

			/* A rare value is worth more, but never more than the exact
			 * level's weight again; a common one never less than nothing. */
			if (adj > d->w[f][CRM_LEVEL_EXACT])
				adj = d->w[f][CRM_LEVEL_EXACT];
			if (adj < -d->w[f][CRM_LEVEL_EXACT])
				adj = -d->w[f][CRM_LEVEL_EXACT];
			w += adj;
		}
	}
	return w;
}

static double
probability(double weight)
{
	return 1.0 / (1.0 + exp2(-weight));
}

/* ---- blocking ------------------------------------------------------------ */

struct entry {
	uint64_t h;
	uint32_t rec;
};

static void
radix_entries(struct entry *v, size_t n)
{
	struct entry *tmp;
	size_t *count;

	if (n < 2) /* nothing to sort (and v may be NULL) */
		return;
	tmp = crm_xmalloc(n * sizeof *tmp);
	count = crm_xmalloc(65536 * sizeof *count);

	for (int shift = 0; shift < 64; shift += 16) {
		memset(count, 0, 65536 * sizeof *count);
		for (size_t i = 0; i < n; i++)
			count[(v[i].h >> shift) & 0xFFFF]++;
		for (size_t i = 0, sum = 0; i < 65536; i++) {
			size_t c = count[i];

			count[i] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			tmp[count[(v[i].h >> shift) & 0xFFFF]++] = v[i];
		memcpy(v, tmp, n * sizeof *v);
	}
	free(tmp);
	free(count);
}

static void
radix_u64(uint64_t *v, size_t n)
{
	uint64_t *tmp;
	size_t *count;

	if (n < 2) /* nothing to sort (and v may be NULL) */
		return;
	tmp = crm_xmalloc(n * sizeof *tmp);
	count = crm_xmalloc(65536 * sizeof *count);

	for (int shift = 0; shift < 64; shift += 16) {
		memset(count, 0, 65536 * sizeof *count);
		for (size_t i = 0; i < n; i++)
			count[(v[i] >> shift) & 0xFFFF]++;
		for (size_t i = 0, sum = 0; i < 65536; i++) {
			size_t c = count[i];

			count[i] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			tmp[count[(v[i] >> shift) & 0xFFFF]++] = v[i];
		memcpy(v, tmp, n * sizeof *v);
	}
	free(tmp);
	free(count);
}

static size_t
unique_u64(uint64_t *v, size_t n)
{
	size_t o = 0;

	radix_u64(v, n);
	for (size_t i = 0; i < n; i++)
		if (o == 0 || v[o - 1] != v[i])
			v[o++] = v[i];
	return o;
}

struct pairbuf {
	uint64_t *v;
	size_t n, cap, uniq; /* v[0..uniq) sorted and unique */
};

static void
pairbuf_add(struct pairbuf *pb, uint64_t p)
{
	if (pb->n == pb->cap) {
		/* Squeeze out repeats before growing: the same true pair is found
		 * by many keys. */
		if (pb->n > pb->uniq * 2 + 1024) {
			pb->n = unique_u64(pb->v, pb->n);
			pb->uniq = pb->n;
		}
		if (pb->n == pb->cap) {
			pb->cap = pb->cap ? 2 * pb->cap : 1 << 16;
			pb->v = crm_xreallocarray(pb->v, pb->cap, sizeof *pb->v);
		}
	}
	pb->v[pb->n++] = p;
}

/* The part of a '\n' list used as one blocking value: each line. */
static void
add_entries(struct entry **ev, size_t *n, size_t *cap, uint64_t seed, const char *key,
            uint32_t rec, bool each_line, size_t local_only)
{
	const char *p = key;

	while (*p != 0) {
		size_t len = each_line ? strcspn(p, "\n") : strlen(p);
		size_t use = len;

		if (local_only) {
			const char *at = memchr(p, '@', len);

			use = at != NULL ? (size_t)(at - p) : 0;
		}
		if (use >= (local_only ? 3 : 1)) {
			if (*n == *cap) {
				*cap = *cap ? 2 * *cap : 4096;
				*ev = crm_xreallocarray(*ev, *cap, sizeof **ev);
			}
			(*ev)[*n].h = crm_fnv1a(p, use, seed);
			(*ev)[(*n)++].rec = rec;
		}
		p += len + (p[len] != 0);
	}
}

/* Emit the pairs of every block of ev[0..n) no larger than the cap. */
static void
emit_blocks(crm_dd *d, struct entry *ev, size_t n, struct pairbuf *pb)
{
	radix_entries(ev, n);
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;

		while (j < n && ev[j].h == ev[i].h)
			j++;
		if (j - i > d->opt.block_cap) {
			d->stats.blocks_skipped++;
		} else {
			for (size_t x = i; x < j; x++)
				for (size_t y = x + 1; y < j; y++)
					if (ev[x].rec != ev[y].rec)
						pairbuf_add(pb, pack(ev[x].rec, ev[y].rec));
		}
		i = j;
	}
}

/* Blocking value of field f of record r for two-field keys: the first line
 * of the key. */
static size_t
first_line(const struct val *v)
{
	return strcspn(v->key, "\n");
}

static void
block(crm_dd *d)
{
	struct pairbuf pb = {0};
	struct entry *ev = NULL;
	size_t n, cap = 0;

	/* One field. */
	for (size_t f = 0; f < d->nfields; f++) {
		enum crm_dd_kind k = d->fields[f].kind;
		bool multi = k == CRM_DD_EMAIL || k == CRM_DD_PHONE;

		n = 0;
		for (size_t r = 0; r < d->nrec; r++)
			add_entries(&ev, &n, &cap, 0x9E37 + f, val_at(d, r, f)->key, (uint32_t)r, multi, 0);
		emit_blocks(d, ev, n, &pb);
		if (k == CRM_DD_EMAIL || is_name_kind(k)) {
			n = 0;
			for (size_t r = 0; r < d->nrec; r++) {
				const struct val *v = val_at(d, r, f);
				char sorted[256];

				if (k == CRM_DD_EMAIL)
					add_entries(&ev, &n, &cap, 0x51ED + f, v->key, (uint32_t)r, true, 1);
				else if (v->latin != NULL &&
				         sorted_letters(v->latin, strlen(v->latin), sorted, sizeof sorted) > 0)
					add_entries(&ev, &n, &cap, 0x1A71 + f, sorted, (uint32_t)r, false, 0);
			}
			emit_blocks(d, ev, n, &pb);
		}
	}
	/* Two fields together. */
	for (size_t f = 0; f < d->nfields; f++)
		for (size_t g = f + 1; g < d->nfields; g++) {
			n = 0;
			for (size_t r = 0; r < d->nrec; r++) {
				const struct val *a = val_at(d, r, f), *b = val_at(d, r, g);
				uint64_t h;

				if (*a->key == 0 || *b->key == 0)
					continue;
				h = crm_fnv1a(a->key, first_line(a), 0xB10C + f * 64 + g);
				h = crm_fnv1a("\x1f", 1, h);
				h = crm_fnv1a(b->key, first_line(b), h);
				if (n == cap) {
					cap = cap ? 2 * cap : 4096;
					ev = crm_xreallocarray(ev, cap, sizeof *ev);
				}
				ev[n].h = h;
				ev[n++].rec = (uint32_t)r;
			}
			emit_blocks(d, ev, n, &pb);
		}
	free(ev);
	d->stats.candidate_pairs = pb.n;
	pb.n = unique_u64(pb.v, pb.n);
	d->cand = pb.v;
	d->ncand = pb.n;
	d->stats.compared_pairs = pb.n;
}

/* ---- comparing in threads ------------------------------------------------ */

struct work {
	crm_dd *d;
	size_t from, to;
};

static void *
compare_work(void *arg)
{
	struct work *w = arg;
	int lv[MAX_FIELDS];

	for (size_t i = w->from; i < w->to; i++) {
		compare_records(w->d, (size_t)(w->d->cand[i] >> 32), (size_t)(w->d->cand[i] & 0xFFFFFFFFu),
		                lv);
		w->d->pattern[i] = encode(w->d, lv);
	}
	return NULL;
}

static void
compare_candidates(crm_dd *d)
{
	int nt = d->opt.threads < 1 ? 1 : d->opt.threads > 8 ? 8 : d->opt.threads;
	pthread_t tid[8];
	struct work w[8];
	bool started[8] = {false};

	d->pattern = crm_xmalloc((d->ncand ? d->ncand : 1) * sizeof *d->pattern);
	if (d->ncand < 20000)
		nt = 1;
	for (int t = 0; t < nt; t++) {
		w[t].d = d;
		w[t].from = d->ncand * (size_t)t / (size_t)nt;
		w[t].to = d->ncand * (size_t)(t + 1) / (size_t)nt;
	}
	for (int t = 1; t < nt; t++)
		started[t] = pthread_create(&tid[t], NULL, compare_work, &w[t]) == 0;
	compare_work(&w[0]);
	for (int t = 1; t < nt; t++) {
		if (started[t])
			pthread_join(tid[t], NULL);
		else
			compare_work(&w[t]);
	}
}

/* ---- the model ----------------------------------------------------------- */

static uint64_t
xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Three fields or more equal: in a small store, where the random pairs are
 * all the pairs, this is one of the duplicates themselves, and counting it
 * would make agreement look common among strangers. Among a million
 * records a random pair like that is too rare to matter. */
static bool
likely_same(const crm_dd *d, const int *lv)
{
	int exact = 0;

	for (size_t f = 0; f < d->nfields; f++)
		exact += lv[f] == CRM_LEVEL_EXACT;
	return exact >= 3;
}

/* u from random pairs, and each value's frequency for the term-frequency
 * adjustment. */
static void
estimate_u(crm_dd *d)
{
	size_t count[MAX_FIELDS][CRM_NLEVELS] = {{0}}, total[MAX_FIELDS] = {0};
	uint64_t seed = 0x2545F4914F6CDD1DULL;
	size_t samples = d->opt.sample_pairs;
	int lv[MAX_FIELDS];

	if (d->nrec >= 2 && d->nrec < 2000 && d->nrec * (d->nrec - 1) / 2 < samples)
		samples = d->nrec * (d->nrec - 1) / 2;
	for (size_t i = 0; i < samples && d->nrec >= 2; i++) {
		size_t a = (size_t)(xorshift(&seed) % d->nrec), b = (size_t)(xorshift(&seed) % d->nrec);

		if (a == b)
			continue;
		compare_records(d, a, b, lv);
		if (likely_same(d, lv))
			continue;
		for (size_t f = 0; f < d->nfields; f++)
			if (lv[f] >= 0) {
				count[f][lv[f]]++;
				total[f]++;
			}
	}
	for (size_t f = 0; f < d->nfields; f++)
		for (int l = 0; l < CRM_NLEVELS; l++) {
			/* Half a count where none was seen: an agreement random pairs never
			 * showed is strong evidence, not infinite evidence. */
			double c = count[f][l] > 0 ? (double)count[f][l] : 0.5;

			d->u[f][l] = c / (double)(total[f] + 1);
		}
}

static void
count_frequencies(crm_dd *d)
{
	for (size_t f = 0; f < d->nfields; f++) {
		crm_hash *h = crm_hash_new();

		d->nonnull[f] = 0;
		for (size_t r = 0; r < d->nrec; r++) {
			const struct val *v = val_at(d, r, f);

			if (*v->key != 0) {
				crm_hash_add(h, v->key, strlen(v->key), 1);
				d->nonnull[f]++;
			}
		}
		for (size_t r = 0; r < d->nrec; r++) {
			struct val *v = d->vals + r * d->nfields + f;
			int64_t c = 0;

			if (*v->key != 0 && crm_hash_get(h, v->key, strlen(v->key), &c))
				v->freq = (uint32_t)c;
		}
		crm_hash_free(h);
	}
}

static bool
fixed_field(const crm_dd *d, size_t f)
{
	return d->opt.weights != NULL && !isnan(d->opt.weights[f][0]);
}

/* What m is believed to be before the data speak, worth PSEUDO pairs: a
 * small store (a dozen customers) has too few pairs for EM alone; a large
 * one outweighs it at once. */
#define PSEUDO 5.0
/* A field trains a session when at most this share of random pairs agree
 * on it exactly (a name, a phone, an address: yes; a city or a state: no). */
#define SESSION_MAX_U 0.005
static const double m0[CRM_NLEVELS] = {0.05, 0.05, 0.1, 0.8};

/* Weights of field f from m and u. A level no match was seen at (less than
 * one expected match) proves nothing in favour: its weight is at most 0,
 * whatever the floor of m and a tiny u make of it. And a weaker agreement
 * never counts for more than a stronger one. */
static void
set_weights(crm_dd *d, size_t f)
{
	for (int l = 0; l < CRM_NLEVELS; l++) {
		if (fixed_field(d, f)) {
			d->w[f][l] = d->opt.weights[f][l];
			continue;
		}
		d->w[f][l] = log2(d->m[f][l] / d->u[f][l]);
		if (d->fitted[f] && d->mass[f][l] < 1 && d->w[f][l] > 0)
			d->w[f][l] = 0;
	}
	for (int l = CRM_LEVEL_CLOSE; l >= 0 && !fixed_field(d, f); l--)
		if (d->w[f][l] > 0 && d->w[f][l] > d->w[f][l + 1])
			d->w[f][l] = d->w[f][l + 1] > 0 ? d->w[f][l + 1] : 0;
}

/* Pattern counts of the candidate pairs. */
struct patterns {
	uint32_t *pat;
	double *cnt;
	size_t n;
};

static void
count_patterns(const crm_dd *d, struct patterns *ps)
{
	crm_hash *index = crm_hash_new();
	size_t cap = 0;

	ps->pat = NULL;
	ps->cnt = NULL;
	ps->n = 0;
	for (size_t i = 0; i < d->ncand; i++) {
		int64_t k;

		if (!crm_hash_get(index, &d->pattern[i], sizeof d->pattern[i], &k)) {
			if (ps->n == cap) {
				cap = cap ? 2 * cap : 256;
				ps->pat = crm_xreallocarray(ps->pat, cap, sizeof *ps->pat);
				ps->cnt = crm_xreallocarray(ps->cnt, cap, sizeof *ps->cnt);
			}
			k = (int64_t)ps->n;
			ps->pat[ps->n] = d->pattern[i];
			ps->cnt[ps->n++] = 0;
			crm_hash_put(index, &d->pattern[i], sizeof d->pattern[i], k);
		}
		ps->cnt[k] += 1;
	}
	crm_hash_free(index);
}

/* P(match | levels) under m, u and lambda, leaving out field skip (-1: none)
 * and every field not in use. */
static double
posterior(const crm_dd *d, const double (*m)[CRM_NLEVELS], const int *lv, double lambda,
          int skip)
{
	double pm = lambda, pu = 1 - lambda;

	for (size_t f = 0; f < d->nfields; f++)
		if (lv[f] >= 0 && (int)f != skip) {
			pm *= m[f][lv[f]];
			pu *= d->u[f][lv[f]];
		}
	return pm / (pm + pu);
}

/* One EM session over the candidate pairs that agree exactly on field
 * `blocked`: m of every other field and the share of matches, with u fixed.
 * The blocked field says nothing inside the session (all its pairs agree on
 * it), so it cannot vote for itself: pairs found because they share a
 * common name must prove themselves on phone, birthday, company ... This is
 * Splink's way of training per blocking rule. Returns the expected number
 * of matches in the session; m and mass (expected matches per level) out. */
static double
em_session(crm_dd *d, const struct patterns *ps, size_t blocked, double (*m)[CRM_NLEVELS],
           double (*mass_out)[CRM_NLEVELS])
{
	int lv[MAX_FIELDS];
	double lambda = 0.1, total = 0, matched = 0;

	for (size_t f = 0; f < d->nfields; f++)
		for (int l = 0; l < CRM_NLEVELS; l++)
			m[f][l] = fixed_field(d, f) ? d->u[f][l] * exp2(d->opt.weights[f][l]) : m0[l];
	for (size_t p = 0; p < ps->n; p++) {
		decode(d, ps->pat[p], lv);
		if (lv[blocked] == CRM_LEVEL_EXACT)
			total += ps->cnt[p];
	}
	if (total < 2)
		return 0;
	for (int it = 0; it < 200; it++) {
		double mass[MAX_FIELDS][CRM_NLEVELS] = {{0}}, change;

		matched = 0;
		for (size_t p = 0; p < ps->n; p++) {
			double post;

			decode(d, ps->pat[p], lv);
			if (lv[blocked] != CRM_LEVEL_EXACT)
				continue;
			post = posterior(d, (const double (*)[CRM_NLEVELS])m, lv, lambda, (int)blocked);
			matched += ps->cnt[p] * post;
			for (size_t f = 0; f < d->nfields; f++)
				if (lv[f] >= 0)
					mass[f][lv[f]] += ps->cnt[p] * post;
		}
		change = fabs(matched / total - lambda);
		lambda = matched / total;
		if (lambda < 1e-6)
			lambda = 1e-6;
		if (lambda > 1 - 1e-6)
			lambda = 1 - 1e-6;
		for (size_t f = 0; f < d->nfields; f++) {
			double sum = 0;

			if (fixed_field(d, f) || f == blocked)
				continue;
			for (int l = 0; l < CRM_NLEVELS; l++)
				sum += mass[f][l];
			for (int l = 0; l < CRM_NLEVELS && sum > 0; l++) {
				/* Floor: no level is impossible for a match (a typo, a
				 * changed name), so none weighs more than ~10 bits against. */
				double v = (mass[f][l] + 1e-3 * sum + PSEUDO * m0[l]) /
				           (sum + 4e-3 * sum + PSEUDO);

				change += fabs(v - m[f][l]);
				m[f][l] = v;
			}
		}
		memcpy(mass_out, mass, sizeof mass);
		d->stats.em_iterations++;
		if (change < 1e-7)
			break;
	}
	return matched;
}

/* m for every field from one session per field (each field's m is the
 * match-weighted mean over the sessions it was not blocked in), then the
 * prior over all candidate pairs by EM with m and u fixed. */
static void
fit_m(crm_dd *d)
{
	struct patterns ps;
	double sum_m[MAX_FIELDS][CRM_NLEVELS] = {{0}}, weight[MAX_FIELDS] = {0};
	double m[MAX_FIELDS][CRM_NLEVELS], mass[MAX_FIELDS][CRM_NLEVELS];
	double lambda, lambda_max, total_pairs;
	int lv[MAX_FIELDS];

	count_patterns(d, &ps);
	memset(d->mass, 0, sizeof d->mass);
	for (size_t b = 0; b < d->nfields; b++) {
		double matches;

		/* Only fields whose exact agreement is rare among strangers make a
		 * session: pairs that share a city or a region are mostly
		 * strangers, and EM over them learns "lives in the same place" as
		 * the kind of pair that matches. */
		if (d->u[b][CRM_LEVEL_EXACT] > SESSION_MAX_U)
			continue;
		memset(mass, 0, sizeof mass);
		matches = em_session(d, &ps, b, m, mass);
		if (matches < 1)
			continue;
		for (size_t f = 0; f < d->nfields; f++) {
			if (f == b)
				continue;
			weight[f] += matches;
			for (int l = 0; l < CRM_NLEVELS; l++) {
				sum_m[f][l] += matches * m[f][l];
				d->mass[f][l] += mass[f][l];
			}
		}
	}
	for (size_t f = 0; f < d->nfields; f++)
		for (int l = 0; l < CRM_NLEVELS; l++) {
			if (fixed_field(d, f))
				d->m[f][l] = d->u[f][l] * exp2(d->opt.weights[f][l]);
			else
				d->m[f][l] = weight[f] > 0 ? sum_m[f][l] / weight[f] : m0[l];
			d->fitted[f] = weight[f] > 0;
		}
	/* The prior is the share of matches among ALL pairs of records, not
	 * among the candidates: u was measured on random pairs, and blocking
	 * chose the candidates by the very agreements the weights count, so a
	 * prior over candidates would count that evidence twice (two strangers
	 * born on one day in one city are a candidate pair, and would look like
	 * one person). Fixed point: expected matches among the candidates (none
	 * outside them) divided by all pairs; at most two matches per record. */
	total_pairs = (double)d->nrec * (double)(d->nrec > 0 ? d->nrec - 1 : 0) / 2;
	lambda_max = total_pairs > 0 ? 2.0 * (double)d->nrec / total_pairs : 0.5;
	if (lambda_max > 0.5)
		lambda_max = 0.5;
	lambda = ps.n > 0 && total_pairs > 0 ? (double)d->ncand / total_pairs * 0.1 : 1e-6;
	for (int it = 0; it < 500 && ps.n > 0 && total_pairs > 0; it++) {
		double matched = 0, next;

		for (size_t p = 0; p < ps.n; p++) {
			decode(d, ps.pat[p], lv);
			matched += ps.cnt[p] *
			           posterior(d, (const double (*)[CRM_NLEVELS])d->m, lv, lambda, -1);
		}
		next = matched / total_pairs;
		if (next > lambda_max)
			next = lambda_max;
		if (next < 1e-12)
			next = 1e-12;
		if (fabs(next - lambda) < 1e-4 * lambda) {
			lambda = next;
			break;
		}
		lambda = next;
	}
	d->prior = lambda > 0 ? lambda : 1e-12;
	for (size_t f = 0; f < d->nfields; f++)
		set_weights(d, f);
	free(ps.pat);
	free(ps.cnt);
}

/* ---- scoring and clusters ------------------------------------------------ */

static int
by_probability(const void *x, const void *y)
{
	const struct crm_dd_pair *a = x, *b = y;

	if (a->weight != b->weight)
		return a->weight < b->weight ? 1 : -1;
	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	return a->b < b->b ? -1 : a->b > b->b;
}

static void
score_pairs(crm_dd *d)
{
	size_t cap = 0;
	int lv[MAX_FIELDS];

	for (size_t i = 0; i < d->ncand; i++) {
		size_t a = (size_t)(d->cand[i] >> 32), b = (size_t)(d->cand[i] & 0xFFFFFFFFu);
		double w, p;

		decode(d, d->pattern[i], lv);
		w = pair_weight(d, a, lv);
		p = probability(w);
		if (p < d->opt.review_threshold || kept_apart(d, a, b))
			continue;
		if (d->npairs == cap) {
			cap = cap ? 2 * cap : 1024;
			d->pairs = crm_xreallocarray(d->pairs, cap, sizeof *d->pairs);
		}
		d->pairs[d->npairs++] = (struct crm_dd_pair){(uint32_t)a, (uint32_t)b, w, p,
		                                             d->pattern[i]};
	}
	if (d->npairs > 1)
		qsort(d->pairs, d->npairs, sizeof *d->pairs, by_probability);
}

static uint32_t
find(uint32_t *parent, uint32_t x)
{
	while (parent[x] != x) {
		parent[x] = parent[parent[x]];
		x = parent[x];
	}
	return x;
}

/* May the groups rooted at ra and rb join? Not when a pair across them was
 * kept apart or clearly differs. At most 32 members of each side are
 * checked (a group that large is rare and was built from strong pairs). */
static bool
may_join(crm_dd *d, uint32_t ra, uint32_t rb)
{
	int lv[MAX_FIELDS];
	size_t ia = 0;

	for (uint32_t x = ra; x != UINT32_MAX && ia < 32; x = d->next[x], ia++) {
		size_t ib = 0;

		for (uint32_t y = rb; y != UINT32_MAX && ib < 32; y = d->next[y], ib++) {
			size_t a = x < y ? x : y, b = x < y ? y : x;

			if (kept_apart(d, a, b))
				return false;
			compare_records(d, a, b, lv);
			if (probability(pair_weight(d, a, lv)) < d->opt.apart_threshold)
				return false;
		}
	}
	return true;
}

static void
cluster(crm_dd *d)
{
	size_t n = d->nrec ? d->nrec : 1;

	d->parent = crm_xmalloc(n * sizeof *d->parent);
	d->next = crm_xmalloc(n * sizeof *d->next);
	d->size = crm_xmalloc(n * sizeof *d->size);
	d->score = crm_xmalloc(n * sizeof *d->score);
	for (size_t i = 0; i < d->nrec; i++) {
		d->parent[i] = (uint32_t)i;
		d->next[i] = UINT32_MAX;
		d->size[i] = 1;
		d->score[i] = -1;
	}
	for (size_t i = 0; i < d->npairs && d->pairs[i].p >= d->opt.merge_threshold; i++) {
		uint32_t ra = find(d->parent, d->pairs[i].a), rb = find(d->parent, d->pairs[i].b);
		uint32_t tail;

		d->stats.accepted_pairs++;
		if (ra == rb)
			continue;
		if ((d->size[ra] > 1 || d->size[rb] > 1) && !may_join(d, ra, rb)) {
			d->stats.joins_refused++;
			continue;
		}
		if (d->size[ra] < d->size[rb]) {
			uint32_t t = ra;

			ra = rb;
			rb = t;
		}
		/* Append rb's member list to ra's. */
		for (tail = ra; d->next[tail] != UINT32_MAX; tail = d->next[tail])
			;
		d->next[tail] = rb;
		d->parent[rb] = ra;
		d->size[ra] += d->size[rb];
		if (d->score[d->pairs[i].a] < 0)
			d->score[d->pairs[i].a] = d->pairs[i].p;
		if (d->score[d->pairs[i].b] < 0)
			d->score[d->pairs[i].b] = d->pairs[i].p;
	}
	/* Cluster ids: the smallest member. */
	{
		uint32_t *least = crm_xmalloc(n * sizeof *least);

		for (size_t i = 0; i < d->nrec; i++)
			least[i] = UINT32_MAX;
		for (size_t i = 0; i < d->nrec; i++) {
			uint32_t r = find(d->parent, (uint32_t)i);

			if (least[r] == UINT32_MAX) {
				least[r] = (uint32_t)i;
				d->stats.clusters++;
				d->stats.duplicate_groups += d->size[r] > 1;
			}
		}
		for (size_t i = 0; i < d->nrec; i++)
			d->size[i] = least[find(d->parent, (uint32_t)i)];
		free(least);
	}
}

void
crm_dd_run(crm_dd *d, const struct crm_dd_options *opt)
{
	d->opt = *opt;
	d->stats.records = d->nrec;
	count_frequencies(d);
	block(d);
	compare_candidates(d);
	estimate_u(d);
	fit_m(d);
	d->stats.prior = d->prior;
	score_pairs(d);
	cluster(d);
}

size_t
crm_dd_npairs(const crm_dd *d)
{
	return d->npairs;
}

const struct crm_dd_pair *
crm_dd_pair_at(const crm_dd *d, size_t i)
{
	return i < d->npairs ? &d->pairs[i] : NULL;
}

size_t
crm_dd_cluster(const crm_dd *d, size_t i)
{
	return d->size[i]; /* after cluster(), size[] holds each record's cluster id */
}

double
crm_dd_cluster_score(const crm_dd *d, size_t i)
{
	return d->score[i];
}

char *
crm_dd_evidence(const crm_dd *d, const struct crm_dd_pair *p)
{
	int lv[MAX_FIELDS];
	size_t cap = 64 * (d->nfields + 1), o = 0;
	char *out = crm_xmalloc(cap);

	decode(d, p->pattern, lv);
	out[0] = 0;
	for (size_t f = 0; f < d->nfields; f++) {
		double w;

		if (lv[f] < 0)
			continue;
		w = d->w[f][lv[f]];
		o += (size_t)snprintf(out + o, cap - o, "%s%s=%s(%+.1f)", o ? " " : "",
		                      d->fields[f].name, crm_level_name(lv[f]), w);
		if (o >= cap)
			break;
	}
	return out;
}

void
crm_dd_stats(const crm_dd *d, struct crm_dd_stats *s)
{
	*s = d->stats;
}

void
crm_dd_explain(const crm_dd *d, FILE *fp)
{
	fprintf(fp, "field,kind,level,m,u,weight,fitted\n");
	for (size_t f = 0; f < d->nfields; f++)
		for (int l = CRM_NLEVELS - 1; l >= 0; l--) {
			char m[32] = ""; /* a weight set by config has no m of its own */

			if (!fixed_field(d, f))
				snprintf(m, sizeof m, "%.6f", d->m[f][l]);
			fprintf(fp, "%s,%s,%s,%s,%.6f,%.2f,%s\n", d->fields[f].name,
			        crm_dd_kind_name(d->fields[f].kind), crm_level_name(l), m, d->u[f][l],
			        d->w[f][l], fixed_field(d, f) ? "config" : "em");
		}
	fprintf(fp, "prior,,,%.6f,,%.2f,em\n", d->prior, log2(d->prior / (1 - d->prior)));
}

double
crm_dd_probability(const crm_dd *d, size_t a, size_t b)
{
	int lv[MAX_FIELDS];

	compare_records(d, a, b, lv);
	return probability(pair_weight(d, a, lv));
}

const uint64_t *
crm_dd_candidates(const crm_dd *d, size_t *n)
{
	*n = d->ncand;
	return d->cand;
}

int
crm_dd_kind_of_header(const char *h)
{
	static const struct {
		const char *words;
		enum crm_dd_kind kind;
	} vocab[] = {
		{"|givenname|firstname|forename|given|first|名|", CRM_DD_GIVEN},
		{"|surname|lastname|familyname|family|last|姓|姓氏|", CRM_DD_SURNAME},
	};
	char probe[128];

	if (strlen(h) + 3 > sizeof probe)
		return -1;
	snprintf(probe, sizeof probe, "|%s|", h);
	for (size_t i = 0; i < sizeof vocab / sizeof vocab[0]; i++)
		if (strstr(vocab[i].words, probe) != NULL)
			return (int)vocab[i].kind;
	return -1;
}
