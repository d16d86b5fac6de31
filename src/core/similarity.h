/*
 * similarity.h
 *		Edit distances and similarity scores on UTF-8 text, in code points.
 *
 * Every function compares code points, not bytes: levenshtein("é", "e") is 1.
 * They compare the text as given; callers that want accent- and
 * case-insensitive scores fold both sides first (ct_fold) or use the
 * *_folded variants, which do so.  Scores are in [0, 1] and symmetric;
 * distances are symmetric and Levenshtein obeys the triangle inequality.
 *
 * alloc is used only for strings too long for the functions' stack buffers
 * (more than CT_SIM_STACK_CP code points); it may not be NULL.  If it
 * returns NULL, distances are -1 and scores -1.0.
 */
#ifndef CT_SIMILARITY_H
#define CT_SIMILARITY_H

#include <stddef.h>
#include <stdint.h>

#include "ct_alloc.h"

#define CT_SIM_STACK_CP 256

/*
 * Levenshtein beyond 64 code points, Damerau-Levenshtein, Jaro and token set
 * take time proportional to the product of the lengths: the SQL functions
 * refuse arguments longer than this many code points.
 */
#define CT_SIM_MAX_CP 10000

/*
 * Decode UTF-8 into at most cap code points; returns the number of code
 * points in s (which may exceed cap: then only cap were stored).
 */
extern size_t ct_utf8_decode(const char *s, size_t len, uint32_t *out, size_t cap);

/* Levenshtein distance (insert, delete, substitute each cost 1). */
extern int	ct_levenshtein(const char *a, size_t alen, const char *b, size_t blen,
						   const CtAllocator *alloc);

/*
 * Levenshtein distance when it is at most max, else max + 1; gives up as soon
 * as the distance is known to exceed max.  max < 0 means unbounded.
 */
extern int	ct_levenshtein_bounded(const char *a, size_t alen, const char *b, size_t blen,
								   int max, const CtAllocator *alloc);

/* The same on decoded code points. */
extern int	ct_levenshtein_cp(const uint32_t *a, int alen, const uint32_t *b, int blen,
							  int max, const CtAllocator *alloc);

/* Optimal string alignment distance: Levenshtein plus adjacent transposition. */
extern int	ct_damerau_levenshtein(const char *a, size_t alen, const char *b, size_t blen,
								   const CtAllocator *alloc);

/* Jaro similarity in [0, 1]; two empty strings are identical (1). */
extern double ct_jaro(const char *a, size_t alen, const char *b, size_t blen,
					  const CtAllocator *alloc);

/*
 * Jaro-Winkler: Jaro plus a bonus of 0.1 per common prefix code point (at
 * most 4) when Jaro exceeds 0.7 (Winkler's boost threshold).
 */
extern double ct_jaro_winkler(const char *a, size_t alen, const char *b, size_t blen,
							  const CtAllocator *alloc);

/* The same on decoded code points. */
extern double ct_jaro_cp(const uint32_t *a, int alen, const uint32_t *b, int blen,
						 const CtAllocator *alloc);
extern double ct_jaro_winkler_cp(const uint32_t *a, int alen, const uint32_t *b, int blen,
								 const CtAllocator *alloc);

/* 1 - levenshtein / max(length): 1 for equal strings, 0 for nothing in common. */
extern double ct_levenshtein_similarity(const char *a, size_t alen, const char *b, size_t blen,
										const CtAllocator *alloc);

/*
 * Token set similarity: the text is split into words (separated by spaces
 * and ASCII punctuation other than the apostrophe); with
 * I the sorted distinct tokens both sides share and Ra, Rb the sorted rest
 * of each side, the score is the best normalized Levenshtein similarity
 * among (I, I+Ra), (I, I+Rb) and (I+Ra, I+Rb).  A side whose tokens are a
 * subset of the other's scores 1; order and repetition do not matter.
 */
extern double ct_token_set_similarity(const char *a, size_t alen, const char *b, size_t blen,
									  const CtAllocator *alloc);

/*
 * q-gram similarity: the Dice coefficient 2|A∩B| / (|A|+|B|) of the
 * multisets of q-grams of each string padded with q-1 boundary marks at both
 * ends (so short strings and first/last letters count).  q >= 1.  Two empty
 * strings score 1.
 */
extern double ct_qgram_similarity(const char *a, size_t alen, const char *b, size_t blen,
								  int q, const CtAllocator *alloc);

/* Variants that fold both sides first (see fold.h). */
extern int	ct_levenshtein_folded(const char *a, size_t alen, const char *b, size_t blen,
								  int max, const CtAllocator *alloc);
extern double ct_jaro_winkler_folded(const char *a, size_t alen, const char *b, size_t blen,
									 const CtAllocator *alloc);

#endif							/* CT_SIMILARITY_H */
