/*
 * phonetic.h
 *		Phonetic keys: Double Metaphone (English and names of many origins)
 *		and a Spanish key.
 *
 * Both work word by word: the text is folded letter by letter (fold.h), so
 * accents and case do not matter, except that ç, ñ and ü are seen before
 * folding where a rule needs them; letters outside the Latin script, digits
 * and punctuation separate words; apostrophes join (O'Brien is one word).
 * The key of a text is the keys of its words joined by single spaces.
 *
 * Like ct_fold, the functions write at most cap bytes to buf, return the
 * full length of the key (retry with a bigger buffer when it is more than
 * cap) and do not NUL-terminate.  ct_phonetic_size_hint(len) bytes suffice
 * for all but exotic input (compatibility characters that fold to many
 * letters).
 */
#ifndef CT_PHONETIC_H
#define CT_PHONETIC_H

#include <stddef.h>

/* Longest Double Metaphone code per word (Philips' original length). */
#define CT_METAPHONE_LEN 4

static inline size_t
ct_phonetic_size_hint(size_t len)
{
	return 3 * len + 8;
}

/*
 * Double Metaphone (Lawrence Philips, 2000): the primary key, and the
 * alternate key (which equals the primary where a word has no alternate
 * pronunciation).
 */
extern size_t ct_double_metaphone(const char *s, size_t len, char *buf, size_t cap);
extern size_t ct_double_metaphone_alt(const char *s, size_t len, char *buf, size_t cap);

/*
 * Spanish phonetic key (Latin American pronunciation, with seseo and
 * yeísmo): letters that sound alike in Spanish get the same key letter.
 * The rules are listed in phonetic.c and the README.
 */
extern size_t ct_phonetic_es(const char *s, size_t len, char *buf, size_t cap);

#endif							/* CT_PHONETIC_H */
