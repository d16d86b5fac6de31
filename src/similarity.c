/*
 * similarity.c
 *		SQL interface to the core similarity functions.
 *
 * Every function folds both arguments first (fold(text)), so scores and
 * distances are accent- and case-insensitive and count code points.
 */
#include "postgres.h"

#include "fmgr.h"

#include "core/similarity.h"
#include "foldtext.h"
#include "textconv.h"

/* The two folded arguments of a similarity function. */
typedef struct FoldedPair
{
	char	   *a;
	size_t		alen;
	char	   *b;
	size_t		blen;
	char		abuf[CONTACTS_FOLD_STACK];
	char		bbuf[CONTACTS_FOLD_STACK];
} FoldedPair;

/*
 * Fold both arguments.  With quadratic set the function's cost grows with
 * the product of the lengths, so overlong arguments are refused rather than
 * left running uninterruptibly in the core.
 */
static void
fold_pair(FunctionCallInfo fcinfo, FoldedPair *p, const char *fname, bool quadratic)
{
	p->a = contacts_fold_text(PG_GETARG_TEXT_PP(0), p->abuf, sizeof(p->abuf), &p->alen);
	p->b = contacts_fold_text(PG_GETARG_TEXT_PP(1), p->bbuf, sizeof(p->bbuf), &p->blen);
	/* a text has at most as many code points as bytes: count only if longer */
	if (quadratic &&
		((p->alen > CT_SIM_MAX_CP && ct_utf8_decode(p->a, p->alen, NULL, 0) > CT_SIM_MAX_CP) ||
		 (p->blen > CT_SIM_MAX_CP && ct_utf8_decode(p->b, p->blen, NULL, 0) > CT_SIM_MAX_CP)))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s argument exceeds the maximum length of %d characters",
						fname, CT_SIM_MAX_CP),
				 errhint("Compare shorter texts, or a prefix of each.")));
}

/* levenshtein_distance(a, b) */
PG_FUNCTION_INFO_V1(contacts_levenshtein);
Datum
contacts_levenshtein(PG_FUNCTION_ARGS)
{
	FoldedPair	p;

	fold_pair(fcinfo, &p, "levenshtein_distance", true);
	PG_RETURN_INT32(ct_levenshtein(p.a, p.alen, p.b, p.blen, &contacts_palloc_allocator));
}

/* levenshtein_distance(a, b, max): the distance if at most max, else max + 1 */
PG_FUNCTION_INFO_V1(contacts_levenshtein_bounded);
Datum
contacts_levenshtein_bounded(PG_FUNCTION_ARGS)
{
	FoldedPair	p;
	int32		max = PG_GETARG_INT32(2);

	if (max < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("levenshtein_distance bound must not be negative: %d", max),
				 errhint("Pass the largest distance of interest, or use levenshtein_distance(a, b).")));
	fold_pair(fcinfo, &p, "levenshtein_distance", true);
	/* max + 1 must fit: a bound this large is no bound */
	PG_RETURN_INT32(ct_levenshtein_bounded(p.a, p.alen, p.b, p.blen,
										   max == PG_INT32_MAX ? -1 : max,
										   &contacts_palloc_allocator));
}

PG_FUNCTION_INFO_V1(contacts_damerau_levenshtein);
Datum
contacts_damerau_levenshtein(PG_FUNCTION_ARGS)
{
	FoldedPair	p;

	fold_pair(fcinfo, &p, "damerau_levenshtein_distance", true);
	PG_RETURN_INT32(ct_damerau_levenshtein(p.a, p.alen, p.b, p.blen, &contacts_palloc_allocator));
}

PG_FUNCTION_INFO_V1(contacts_jaro);
Datum
contacts_jaro(PG_FUNCTION_ARGS)
{
	FoldedPair	p;

	fold_pair(fcinfo, &p, "jaro_similarity", true);
	PG_RETURN_FLOAT8(ct_jaro(p.a, p.alen, p.b, p.blen, &contacts_palloc_allocator));
}

PG_FUNCTION_INFO_V1(contacts_jaro_winkler);
Datum
contacts_jaro_winkler(PG_FUNCTION_ARGS)
{
	FoldedPair	p;

	fold_pair(fcinfo, &p, "jaro_winkler_similarity", true);
	PG_RETURN_FLOAT8(ct_jaro_winkler(p.a, p.alen, p.b, p.blen, &contacts_palloc_allocator));
}

PG_FUNCTION_INFO_V1(contacts_token_set_similarity);
Datum
contacts_token_set_similarity(PG_FUNCTION_ARGS)
{
	FoldedPair	p;

	fold_pair(fcinfo, &p, "token_set_similarity", true);
	PG_RETURN_FLOAT8(ct_token_set_similarity(p.a, p.alen, p.b, p.blen,
											 &contacts_palloc_allocator));
}

/* The longest q-gram accepted: longer grams make every pair dissimilar. */
#define QGRAM_MAX_Q 16

PG_FUNCTION_INFO_V1(contacts_qgram_similarity);
Datum
contacts_qgram_similarity(PG_FUNCTION_ARGS)
{
	FoldedPair	p;
	int32		q = PG_GETARG_INT32(2);

	if (q < 1 || q > QGRAM_MAX_Q)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("q-gram length must be between 1 and %d: %d", QGRAM_MAX_Q, q),
				 errhint("Use 2 (bigrams) or 3 (trigrams) for names.")));
	/* sorting the grams is O(n log n): no length limit needed */
	fold_pair(fcinfo, &p, "qgram_similarity", false);
	PG_RETURN_FLOAT8(ct_qgram_similarity(p.a, p.alen, p.b, p.blen, q,
										 &contacts_palloc_allocator));
}
