/*
 * name_grams.h
 *		The keys that the fuzzy name index stores, and the similarity that
 *		the index can guarantee to find.
 *
 * A name is folded (ct_fold: case, accents, punctuation), split into tokens
 * (letters and digits; an apostrophe inside a word joins, so O'Brien is one
 * token), and each token is rewritten as a phonetic skeleton that spells
 * alike what Spanish and English speakers confuse when they write names:
 * b/v, s/z/soft c, k/hard c/qu, soft g/j, initial x/j, ph/f, th/t, y/i,
 * silent h, doubled letters.  Each token then gives two kinds of keys:
 *
 *	- its padded trigrams (two marks before, one after, as pg_trgm), which
 *	  degrade gracefully with the number of typos;
 *	- its letters in sorted order, which survive a transposition (Gary,
 *	  Gray) that costs up to four trigrams.
 *
 * (A token's one-deletion neighbourhood was tried as well: it makes GIN scans
 * faster, as its keys are rare, but a single typo then costs more than a
 * missing middle name, and "Charles Jordan" outranked "Charles Janet Jordan"
 * for "Charles Jandet Jordan".)
 *
 * Keys are 32-bit hashes of (kind, symbols).  Keys are taken per token, so
 * the key set does not depend on token order: "Pérez García, José" and
 * "jose perez garcia" have the same keys.
 *
 * Similarity is the Jaccard index of the two key sets, |A∩B| / |A∪B|, 0 when
 * either set is empty.  The guarantee an index relies on: |A∪B| >= |Q| for
 * the query's set Q, so sim(A, Q) <= |A∩Q| / |Q| (name_keys_bound), and a row
 * can only reach a threshold t if it shares at least t·|Q| of the query's
 * keys.  The GIN opclass (name_gin.c) counts shared keys exactly and
 * compares name_keys_bound(), computed with the same floating point
 * operations, so no row the exact similarity accepts is ever skipped.
 */
#ifndef CT_NAME_GRAMS_H
#define CT_NAME_GRAMS_H

#include <stddef.h>
#include <stdint.h>

#include "ct_alloc.h"

typedef uint32_t NameKey;

/* Tokens longer than this many symbols are cut (no real name part is). */
#define NAME_TOKEN_MAX_SYMBOLS 48

/*
 * The sorted, distinct keys of len bytes of UTF-8 at s, in memory from
 * alloc (*keys is NULL when there are none).  Returns the number of keys.
 */
extern int	name_keys_extract(const char *s, size_t len, const CtAllocator *alloc,
							  NameKey **keys);

/* Number of keys two sorted distinct key arrays share. */
extern int	name_keys_common(const NameKey *a, int na, const NameKey *b, int nb);

/* Jaccard similarity of two sorted distinct key arrays, in [0, 1]. */
extern double name_keys_similarity(const NameKey *a, int na, const NameKey *b, int nb);

/*
 * Upper bound of the similarity to a query of nquery keys of any name that
 * shares (at most) ncommon of them.
 */
static inline double
name_keys_bound(int ncommon, int nquery)
{
	return nquery > 0 ? (double) ncommon / (double) nquery : 0.0;
}

/* name_keys_similarity() of two names given as UTF-8. */
extern double name_search_similarity(const char *a, size_t alen,
									 const char *b, size_t blen,
									 const CtAllocator *alloc);

/*
 * The phonetic skeleton of a name: its folded tokens rewritten as the keys
 * see them, sorted and joined by single spaces (what a user looks at to see
 * why two names match).  NUL-terminated, in memory from alloc; the length is
 * stored in *outlen.
 */
extern char *name_search_key(const char *s, size_t len, const CtAllocator *alloc,
							 size_t *outlen);

#endif							/* CT_NAME_GRAMS_H */
