/*
 * name_grams.h
 *		The fuzzy name similarity, the keys that the fuzzy name index stores,
 *		and the bound on the similarity that the index can compute from them.
 *
 * A name is folded (ct_fold: case, accents, punctuation), split into tokens
 * (letters and digits; an apostrophe inside a word joins, so O'Brien is one
 * token), and each token is rewritten as a phonetic skeleton that spells
 * alike what Spanish and English speakers confuse when they write names:
 * b/v, s/z/soft c, k/hard c/qu, soft g/j, initial x/j, ph/f, th/t, y/i,
 * silent h, doubled letters.  Only the first NAME_MAX_TOKENS tokens count.
 *
 * Similarity.  Two tokens score
 *	- 1 when their skeletons are equal;
 *	- 1 - 1/(L+1) when one edit (a substitution, insertion, deletion or
 *	  transposition of adjacent symbols) turns one into the other and the
 *	  longer has L >= NAME_EDIT_MIN_LEN symbols (Finlay/Filnay 0.86,
 *	  White/Whige 0.8, Wu/Vu 0.67);
 *	- NAME_SCORE_INITIAL for an initial against a token it starts;
 *	- otherwise the Dice coefficient of their padded trigram sets (two
 *	  marks before, one after, as pg_trgm) when at least NAME_MIN_GRAM_SCORE,
 *	  which grades tokens with several typos or a split (Mac Donald);
 * whichever is highest.  Tokens are paired best first, in any order; with
 * S the sum of the pairs' scores and n, m the token counts, the similarity
 * is S / (n + m - S), the Jaccard index with matched tokens counted by their
 * scores: 1 for the same tokens, |common| / |union| for exact tokens, and a
 * missing token (a given name left out) costs one token of the union.
 * Symmetric, in [0, 1], 0 when either name has no tokens.
 *
 * Keys.  An indexed name stores, per token, the 32-bit hashes of its padded
 * trigrams and, for tokens of up to NAME_VARIANT_MAX_LEN + 1 symbols, of its
 * "variants": the skeleton itself and, from NAME_EDIT_MIN_LEN symbols on,
 * the skeleton with any one symbol deleted; and one key for its number of
 * tokens.  Two tokens one edit apart always share a variant (the same
 * deletion on both sides, or the shorter one itself), so variants find
 * one-typo neighbours of short tokens, whose few trigrams one edit can wipe
 * out; they are rare keys that GIN reads quickly.  A query also looks for
 * the one-symbol token that would be its token's initial.
 *
 * Bound.  From which of the query's keys a row has, name_query_bound()
 * computes an upper bound of the similarity.  Per query token, the best
 * score any row token with those keys could reach: for a short token 1 if
 * its own skeleton is there, 1 - 1/(L+1) if only a variant; for a long one
 * 1 if all its T trigrams are there, 1 - 1/(L+2) if all but at most 4 (one
 * edit destroys at most 4); 2p/(T+p) from p of its trigrams; the initial
 * score if the initial's key is there.  Then the best S / (n + m - S) over
 * the k best tokens, where m is the row's number of tokens if it is at most
 * n (the query looks up those keys), else n + 1, and at least k.  Every term
 * is an upper bound of the real one, so a row whose similarity reaches a
 * threshold always passes the bound: the index is lossless with respect to
 * %~, and every candidate is rechecked.
 */
#ifndef CT_NAME_GRAMS_H
#define CT_NAME_GRAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ct_alloc.h"

typedef uint32_t NameKey;

/* Tokens longer than this many symbols are cut (no real name part is). */
#define NAME_TOKEN_MAX_SYMBOLS 48

/* Tokens of a name beyond this many are ignored. */
#define NAME_MAX_TOKENS 16

/* One edit counts as a typo when the longer token has this many symbols. */
#define NAME_EDIT_MIN_LEN 2

/*
 * Query tokens up to this many symbols find one-edit neighbours through
 * variants; longer ones have enough trigrams left after one edit.
 */
#define NAME_VARIANT_MAX_LEN 5

#define NAME_SCORE_INITIAL 0.5
#define NAME_MIN_GRAM_SCORE 0.25

/*
 * Added to name_query_bound(): its sums run in another order than the
 * similarity's, and a rounding difference must not let the bound fall below
 * the similarity it bounds.
 */
#define NAME_BOUND_SLACK 1e-9

/* A name split into skeleton tokens, with each token's trigram keys. */
typedef struct NameTokens
{
	int			ntokens;
	uint8_t		len[NAME_MAX_TOKENS];	/* symbols of each token */
	uint8_t		ntri[NAME_MAX_TOKENS];	/* distinct trigram keys of each */
	uint32_t	sym[NAME_MAX_TOKENS][NAME_TOKEN_MAX_SYMBOLS];
	NameKey		tri[NAME_MAX_TOKENS][NAME_TOKEN_MAX_SYMBOLS + 1];	/* sorted */
} NameTokens;

/*
 * Split len bytes of UTF-8 at s into *out; ntokens is 0 when there are none
 * (or the allocator failed).  alloc is only used for names longer than a
 * stack buffer.
 */
extern void name_tokens_parse(const char *s, size_t len, const CtAllocator *alloc,
							  NameTokens *out);

/* The similarity of two parsed names (above). */
extern double name_tokens_similarity(const NameTokens *a, const NameTokens *b);

/* name_tokens_similarity() of two names given as UTF-8. */
extern double name_search_similarity(const char *a, size_t alen,
									 const char *b, size_t blen,
									 const CtAllocator *alloc);

/*
 * The sorted, distinct keys an index stores for len bytes of UTF-8 at s, in
 * memory from alloc (*keys is NULL when there are none).  Returns the
 * number of keys.
 */
extern int	name_keys_extract(const char *s, size_t len, const CtAllocator *alloc,
							  NameKey **keys);

/* What a query key tells about one of the query's tokens. */
typedef enum NameKeyRole
{
	NAME_ROLE_TRIGRAM,			/* one of the token's trigrams */
	NAME_ROLE_SELF,				/* the token itself (a variant) */
	NAME_ROLE_VARIANT,			/* the token with one symbol deleted */
	NAME_ROLE_INITIAL,			/* a row token that is this one's initial, or
								 * that this initial starts */
	NAME_ROLE_TOKENS			/* the row has "token" tokens */
} NameKeyRole;

typedef struct NameKeyUse
{
	uint8_t		token;			/* for NAME_ROLE_TOKENS: a token count */
	uint8_t		role;			/* NameKeyRole */
} NameKeyUse;

/*
 * The keys an index looks up for a query, and for each key what it tells
 * about which query token: uses[first[i]] .. uses[first[i + 1] - 1] are the
 * uses of keys[i].  One allocation: free with ct_free().
 */
typedef struct NameQuery
{
	int			ntokens;
	uint8_t		len[NAME_MAX_TOKENS];
	uint8_t		ntri[NAME_MAX_TOKENS];
	int			nkeys;
	NameKey    *keys;			/* sorted, distinct */
	int		   *first;			/* nkeys + 1 entries */
	NameKeyUse *uses;
} NameQuery;

/*
 * Most keys a query looks up: trigrams, variants, an initial and a token
 * count per token.
 */
#define NAME_QUERY_MAX_KEYS (NAME_MAX_TOKENS * (2 * NAME_TOKEN_MAX_SYMBOLS + 4))

/* The query of a parsed name; NULL if the allocator fails. */
extern NameQuery *name_query_build(const NameTokens *t, const CtAllocator *alloc);

/*
 * Upper bound (plus NAME_BOUND_SLACK) of the similarity to the query of any
 * name whose keys include exactly those query keys i with present[i] (or
 * fewer): never below name_tokens_similarity() of such a name.
 */
extern double name_query_bound(const NameQuery *q, const bool *present);

/*
 * The phonetic skeleton of a name: its folded tokens rewritten as the keys
 * see them, sorted and joined by single spaces (what a user looks at to see
 * why two names match).  NUL-terminated, in memory from alloc; the length is
 * stored in *outlen.
 */
extern char *name_search_key(const char *s, size_t len, const CtAllocator *alloc,
							 size_t *outlen);

#endif							/* CT_NAME_GRAMS_H */
