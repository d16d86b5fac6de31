/*
 * match_model.h
 *		Fellegi-Sunter record comparison: comparison levels per field kind,
 *		match weights, EM estimation of m and u without labels, term-
 *		frequency adjustment and per-pair explanations.
 *
 * A record is an array of CtFieldValue, one per configured field, each the
 * value as typed (raw) and its normalized key (match_keys.h).  Comparing
 * two records gives a comparison vector: for each field the index of the
 * first level of its kind whose test the pair passes, or CT_LEVEL_MISSING
 * when either side is empty (a missing value is no evidence either way).
 * Level l of field f has m = P(level | same person) and u = P(level |
 * different people); agreeing at that level adds log2(m/u) to the pair's
 * weight.  For levels marked term-frequency adjusted, the weight is moved by
 * how much rarer (or commoner) the agreed value is than the typical agreed
 * value of that field: log2(reference / frequency), bounded, so a shared
 * rare surname says more than a shared García.  A full name is redundant
 * with given and family names: when both records have those, the full name
 * is not counted again.
 */
#ifndef CT_MATCH_MODEL_H
#define CT_MATCH_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ct_alloc.h"

#define CT_MAX_FIELDS 16
#define CT_MAX_LEVELS 8
#define CT_LEVEL_MISSING 255
#define CT_LEVEL_REDUNDANT 254	/* full name when given and family compared */
#define CT_LEVEL_COUNTS(l) ((l) < CT_MAX_LEVELS)

typedef enum CtFieldKind
{
	CT_FIELD_GIVEN_NAME,
	CT_FIELD_FAMILY_NAME,
	CT_FIELD_FULL_NAME,
	CT_FIELD_EMAIL,
	CT_FIELD_PHONE,
	CT_FIELD_COMPANY,
	CT_FIELD_ADDRESS,
	CT_FIELD_CITY,
	CT_FIELD_POSTCODE,
	CT_FIELD_BIRTH_DATE,
	CT_FIELD_NATIONAL_ID,
	CT_FIELD_TEXT,
	CT_FIELD_IDENTIFIER,		/* a number without a check digit */
	CT_FIELD_KIND_COUNT
} CtFieldKind;

/* SQL names of the kinds ("given_name", ...) and back (-1 when unknown) */
extern const char *ct_field_kind_name(CtFieldKind kind);
extern int	ct_field_kind_from_name(const char *name);

/* The number of levels of a kind and the name of each ("folded", ...) */
extern int	ct_field_kind_levels(CtFieldKind kind);
extern const char *ct_field_level_name(CtFieldKind kind, int level);

/* The key kind (match_keys.h CtKeyKind) a field kind is normalized with */
extern int	ct_field_kind_key(CtFieldKind kind);

/* Whether some level of the kind is term-frequency adjusted, and which */
extern bool ct_field_kind_tf(CtFieldKind kind);
extern bool ct_field_level_tf(CtFieldKind kind, int level);

typedef struct CtFieldValue
{
	const char *raw;			/* as typed, UTF-8; NULL or empty = missing */
	size_t		raw_len;
	const char *key;			/* normalized (match_keys.h); may be empty */
	size_t		key_len;
	double		tf;				/* frequency of the key (email: of the
								 * domain) among the records, 0 = unknown */
} CtFieldValue;

typedef struct CtFieldModel
{
	CtFieldKind kind;
	int			nlevels;
	double		m[CT_MAX_LEVELS];
	double		u[CT_MAX_LEVELS];
	bool		fixed;			/* set by the DBA: EM leaves it alone */
	double		u_floor[CT_MAX_LEVELS]; /* u measured on random pairs
										 * (ct_model_set_u_floor), all 0
										 * when not measured */
	double		tf_reference;	/* mean log2 term frequency of agreeing
								 * values (0: no adjustment) */
	double		weight[CT_MAX_LEVELS];	/* log2(m/u), made monotone by
										 * ct_model_weights */
} CtFieldModel;

typedef struct CtMatchModel
{
	int			nfields;
	CtFieldModel field[CT_MAX_FIELDS];
	double		lambda;			/* prior P(match) among compared pairs */
	double		tf_max_adjustment;	/* bound of a term-frequency adjustment,
									 * in bits */
} CtMatchModel;

/* Default starting values for a model over the given field kinds. */
extern void ct_model_init(CtMatchModel *model, const CtFieldKind *kinds, int nfields);

/*
 * Compute the level weights from m and u (ct_model_init and ct_em do; call
 * it after setting m or u otherwise).  Levels are ordered from the best
 * agreement down, and a weaker agreement is never counted as stronger
 * evidence than the best of the better ones: a name typed in the wrong
 * column weighs at most what the same name in the right column does.  Nor
 * the other way: a level weighs at least what the next weaker one does,
 * except the levels that are evidence against a match.
 */
extern void ct_model_weights(CtMatchModel *model);

/*
 * Compare two records (arrays of model->nfields values), writing one level
 * per field into gamma.  The given/family name fields of the same record
 * are consulted together, so names swapped between columns are recognized.
 */
extern void ct_compare(const CtMatchModel *model, const CtFieldValue *a,
					   const CtFieldValue *b, uint8_t *gamma, const CtAllocator *alloc);

/*
 * Weight (log2 Bayes factor) of each field for a comparison vector, with
 * term-frequency adjustment by the commoner of the two records' values;
 * returns the total including the prior log2(lambda/(1-lambda)).  weights
 * may be NULL.
 */

/*
 * Accumulate the log2 term frequencies of agreeing values over a sample of
 * pairs (sums and counts per field, zeroed by the caller), then set each
 * field's tf_reference from them.
 */
extern void ct_tf_accumulate(const CtMatchModel *model, const uint8_t *gamma,
							 const CtFieldValue *a, const CtFieldValue *b,
							 double *sums, double *counts);
extern void ct_tf_set_reference(CtMatchModel *model, const double *sums, const double *counts);

extern double ct_score(const CtMatchModel *model, const uint8_t *gamma,
					   const CtFieldValue *a, const CtFieldValue *b, double *weights);

/* Match probability from a total weight. */
extern double ct_probability(double weight);

/*
 * Counts of distinct comparison vectors: what EM runs on, so its memory is
 * bounded by the number of patterns, not of pairs.
 */
typedef struct CtPatternCounts CtPatternCounts;

extern CtPatternCounts *ct_patterns_create(int nfields, const CtAllocator *alloc);
/* false when out of memory */
extern bool ct_patterns_add(CtPatternCounts *pc, const uint8_t *gamma, double count);
extern size_t ct_patterns_distinct(const CtPatternCounts *pc);
extern double ct_patterns_total(const CtPatternCounts *pc);
extern void ct_patterns_free(CtPatternCounts *pc);

/*
 * How often each level of each field occurs among random pairs of records:
 * nearly all of them are pairs of different people, so these are the u
 * probabilities, measured rather than guessed by EM.  A column holding one
 * value on most rows agrees on most random pairs, and its agreement is
 * then worth next to nothing.
 */
typedef struct CtLevelCounts
{
	double		n[CT_MAX_FIELDS][CT_MAX_LEVELS];
	double		pairs;
} CtLevelCounts;

extern void ct_level_counts_add(CtLevelCounts *lc, const CtMatchModel *model, const uint8_t *gamma);

/*
 * Measure u of every field not fixed on random pairs (their level counts),
 * each level's default u (ct_model_init's) counted as prior_pairs pairs'
 * worth of evidence (so a tiny table, with few pairs, stays close to it),
 * and keep it as the field's u_floor: the u of an agreement level is never
 * below it, now or in ct_em.
 * Candidate pairs share a blocking key, so two different people among them
 * agree at least as often as two random records do; a value on most rows
 * thus weighs next to nothing whatever EM finds.  A field never present on
 * both sides of a random pair is left as it is.
 */
extern void ct_model_set_u_floor(CtMatchModel *model, const CtLevelCounts *lc, double prior_pairs);

/* The bounds of a believable share of matches among the compared pairs */
#define CT_EM_MIN_LAMBDA 1e-5
#define CT_EM_MAX_LAMBDA 0.95

/*
 * Expectation-maximization of lambda and of the m and u of every field not
 * fixed (u kept at or above its floor), from the pattern counts, starting
 * from the model's values.  Stops when no parameter moves by more than
 * tolerance or after max_iterations; returns the number of iterations run.
 * When the estimated share of matches falls outside [CT_EM_MIN_LAMBDA,
 * CT_EM_MAX_LAMBDA], EM could not tell matches from the rest (nearly all
 * alike, "everything matches"): the model is left as it started and 0 is
 * returned.
 */
extern int	ct_em(CtMatchModel *model, const CtPatternCounts *pc, int max_iterations,
				  double tolerance);

/*
 * Explanation of a pair as a JSON object: for each field with a name, its
 * level and weight ({"email": {"level": "same mailbox", "weight": 7.2}}),
 * missing fields as {"level": "missing", "weight": 0}.  Writes at most cap
 * bytes (NUL included) and returns the length needed, like snprintf.
 */
extern size_t ct_explain(const CtMatchModel *model, const char *const *field_names,
						 const uint8_t *gamma, const double *weights, char *buf, size_t cap);

#endif							/* CT_MATCH_MODEL_H */
