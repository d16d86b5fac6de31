/*
 * name_similarity.h
 *		How likely two written names are the same person's name, in [0, 1].
 */
#ifndef CT_NAME_SIMILARITY_H
#define CT_NAME_SIMILARITY_H

#include <stddef.h>

#include "ct_alloc.h"

/*
 * Compare two person names (UTF-8).  Both are fold()ed and split into words
 * (particles such as de, la, van dropped); words are paired off best first,
 * in any order, scoring 1 for equal words, 0.92 for nicknames of one another
 * (Pepe/José, Bill/William; two adjacent words of the longer name may pair
 * with one nickname: Chema/José María), 0.8 for an initial against a word it starts,
 * and the Jaro-Winkler similarity for typos (when at least 0.8).  The
 * score is the weighted mean over the pairs (an initial weighs 0.4 of a
 * word), where a word left over on both sides counts as a pair scoring 0
 * with weight 1.5 (two different names) and a word left over on one side
 * only (a missing middle name or second surname) with weight 0.15.
 * Symmetric; 0 when either name has no words.  Only the first 16 words of
 * each name count.  alloc is only used for names
 * longer than the stack buffers.
 */
extern double ct_name_similarity(const char *a, size_t alen, const char *b, size_t blen,
								 const CtAllocator *alloc);

#endif							/* CT_NAME_SIMILARITY_H */
