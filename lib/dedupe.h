/*
 * dedupe — duplicate detection over a set of records: blocking, comparison,
 * a Fellegi-Sunter model fitted to the data itself, and clustering.
 *
 * The model (Fellegi & Sunter 1969, as in Splink): each field of a pair is
 * compared into an agreement level (lib/match: exact, close, weak, none, or
 * null when a side is empty). For each field and level,
 *   m = P(level | same customer), u = P(level | different customers);
 * a level adds log2(m/u) to the pair's match weight, and the weight plus the
 * prior log-odds gives the probability that the pair is one customer.
 *   - u is measured on random pairs of records (almost all of them are
 *     different customers);
 *   - m and the prior are fitted by expectation-maximisation over the
 *     candidate pairs, with u held fixed; no labelled data is used;
 *   - an exact agreement on a value is worth more when the value is rare:
 *     its u becomes the value's frequency (term-frequency adjustment), so two
 *     王伟 prove less than two 欧阳娜娜;
 *   - config may set any field's weights instead (dedupe.weights).
 *
 * Blocking: a pair is compared only when the two records share a blocking
 * key: the value of one field, or the values of two fields together (every
 * pair of fields), and for names also their romanised form. A key shared by
 * more than block_cap records says too little and makes no pairs. So a pair
 * is found when any two of its fields agree exactly (or one identifying
 * field does), and the work grows with the number of records, not its
 * square.
 *
 * Clustering: accepted pairs (probability >= merge threshold) are joined
 * best first; two groups join only when no pair across them clearly differs
 * (probability below the apart threshold) or was marked keep-apart, so A~B
 * and B~C never put A and C together when A and C are strangers.
 */
#ifndef CRM_DEDUPE_H
#define CRM_DEDUPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "match.h"

/* How a field is compared. */
enum crm_dd_kind {
	CRM_DD_NAME,    /* a full name: folded key, then romanised in any word order */
	CRM_DD_GIVEN,   /* given name; compared against the surname too (swapped columns) */
	CRM_DD_SURNAME, /* family name */
	CRM_DD_EMAIL,   /* e-mail addresses: exact, else same mailbox name */
	CRM_DD_PHONE,   /* E.164 numbers: exact, else same last 8 digits */
	CRM_DD_COMPANY, /* legal form stripped, folded */
	CRM_DD_DATE,    /* YYYYMMDD: one typo or day/month swapped is close */
	CRM_DD_TEXT,    /* anything else (city, postcode, address ...), folded */
	CRM_DD_NKINDS
};
const char *crm_dd_kind_name(enum crm_dd_kind k);

struct crm_dd_field {
	const char *name; /* for evidence and --explain */
	enum crm_dd_kind kind;
};

/* Defaults, also those of the dedupe.* configuration keys. */
#define CRM_DD_MERGE_THRESHOLD 0.95
#define CRM_DD_REVIEW_THRESHOLD 0.5
#define CRM_DD_APART_THRESHOLD 0.01
#define CRM_DD_BLOCK_CAP 40

struct crm_dd_options {
	double merge_threshold;  /* probability at or above which a pair merges */
	double review_threshold; /* ... at or above which it is shown for review */
	double apart_threshold;  /* a pair below it "clearly differs" */
	size_t block_cap;        /* largest block that makes pairs */
	size_t sample_pairs;     /* random pairs for u */
	int threads;             /* comparison threads */
	/* Per field, weights set by config (NaN: fitted). [level] for exact,
	 * close, weak, none; NULL for none. */
	const double (*weights)[CRM_NLEVELS];
};
void crm_dd_options_default(struct crm_dd_options *o);

typedef struct crm_dd crm_dd;

crm_dd *crm_dd_new(const struct crm_dd_field *fields, size_t nfields);
void crm_dd_free(crm_dd *d);
/* Add a record; values[f] is the raw text of field f (NULL or "" for none;
 * several e-mails or phones separated by '\n'). Returns the record's index
 * (0, 1, ...). Returns SIZE_MAX when a value is not valid UTF-8. */
size_t crm_dd_add(crm_dd *d, const char *const *values);
size_t crm_dd_count(const crm_dd *d);
/* Region for phone numbers written without a country code (config
 * phone_region); set before adding records. */
void crm_dd_set_phone_region(crm_dd *d, const char *region);
/* Never propose or cluster records a and b together. */
void crm_dd_keep_apart(crm_dd *d, size_t a, size_t b);

/* Block, compare, fit, score and cluster. */
void crm_dd_run(crm_dd *d, const struct crm_dd_options *opt);

struct crm_dd_pair {
	uint32_t a, b;  /* record indexes, a < b */
	double weight;  /* match weight in bits, prior included */
	double p;       /* probability of one customer */
	uint32_t pattern;
};
/* Pairs at or above the review threshold, best first. */
size_t crm_dd_npairs(const crm_dd *d);
const struct crm_dd_pair *crm_dd_pair_at(const crm_dd *d, size_t i);
/* "name=exact(+7.1) email=none(-3.2) ..." for a pair (fields that are
 * null on either side left out). Returns a malloc'd string. */
char *crm_dd_evidence(const crm_dd *d, const struct crm_dd_pair *p);

/* The cluster of record i: the smallest record index in it. */
size_t crm_dd_cluster(const crm_dd *d, size_t i);
/* The probability of the best accepted pair that put record i in its
 * cluster, or -1 for a record alone. */
double crm_dd_cluster_score(const crm_dd *d, size_t i);

struct crm_dd_stats {
	size_t records, candidate_pairs, compared_pairs, blocks_skipped, accepted_pairs,
	    clusters, joins_refused, em_iterations;
	size_t duplicate_groups; /* clusters of two or more records */
	double prior; /* fitted share of candidate pairs that match */
};
void crm_dd_stats(const crm_dd *d, struct crm_dd_stats *s);
/* The fitted model as a table (field, kind, level, m, u, weight) to fp. */
void crm_dd_explain(const crm_dd *d, FILE *fp);

/* The probability the fitted model gives records a and b (any two). */
double crm_dd_probability(const crm_dd *d, size_t a, size_t b);

/* Candidate pairs (a < b, packed a << 32 | b, sorted) after blocking, for
 * measuring how many true pairs blocking keeps. Valid after crm_dd_run. */
const uint64_t *crm_dd_candidates(const crm_dd *d, size_t *n);

/* Header to field kind for a stream's column, given the header's folded
 * key: known names (given_name, surname, 姓, 名 ...) or -1. */
int crm_dd_kind_of_header(const char *folded_header);

#endif
