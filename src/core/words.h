/*
 * words.h
 *		Splitting text into words: the separator sets of the core, by name,
 *		and one iterator over UTF-8 with explicit lengths.
 *
 * Each caller names the set it splits with, so what a "word" is for a
 * module is written in one place and can be compared with the others.
 * Why the sets differ: a typed name keeps "Jean-Pierre" and "O'Brien" whole
 * (CT_WORDS_NAME), a comparison key splits at the punctuation fold() leaves
 * in it (CT_WORDS_KEY), and the similarity measures take letters and digits
 * as words and everything else ASCII as a separator (CT_WORDS_TOKEN,
 * CT_WORDS_FOLDED).
 *
 * The iterator keeps its state in the caller's CtWords (reentrant) and
 * never allocates; words are byte ranges of the input.  The byte sets are
 * classified inline (the similarity measures split on every call); the
 * Unicode sets decode and ask ICU in words.c.
 */
#ifndef CT_WORDS_H
#define CT_WORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef enum CtWordSet
{
	/* Byte sets: bytes >= 0x80 always belong to words. */

	/* ASCII space only: the space-joined codes of the phonetic keys. */
	CT_WORDS_SPACE,
	/*
	 * ASCII space and comma: a normalized name ("Pérez, José"), where
	 * hyphens, apostrophes and dots stay inside words ("Jean-Pierre",
	 * "O'Brien", "J.").
	 */
	CT_WORDS_NAME,
	/* Space, comma, dot and hyphen: the words of a fold()ed match key. */
	CT_WORDS_KEY,
	/*
	 * ASCII letters, digits and apostrophes make words, any other ASCII
	 * separates: the token set similarity, on text as given.
	 */
	CT_WORDS_TOKEN,
	/*
	 * Lower-case ASCII letters and digits make words, and an apostrophe
	 * continues a word once started ("o'brien"); any other ASCII
	 * separates: the words of fold()ed names.
	 */
	CT_WORDS_FOLDED,

	/* Code point sets: decoded, malformed bytes are U+FFFD. */

	/* Unicode White_Space separates (typed company names). */
	CT_WORDS_WHITE_SPACE,
	/*
	 * Unicode letters and digits make words, an apostrophe continues a
	 * word once started, anything else separates (name grams).
	 */
	CT_WORDS_ALNUM,
} CtWordSet;

typedef struct CtWord
{
	const char *s;
	size_t		len;
} CtWord;

/* An iteration over the words of s[0..len) in one set. */
typedef struct CtWords
{
	const char *s;
	size_t		len;
	size_t		pos;
	CtWordSet	set;
} CtWords;

/* What a character is to a set. */
typedef enum CtWordClass
{
	CT_WORD_SEP,				/* separates words */
	CT_WORD_PART,				/* belongs to a word */
	CT_WORD_JOIN				/* belongs to a word already started, else separates */
} CtWordClass;

/*
 * The white space that separates the words of typed text for the name
 * normalizer: Unicode White_Space, control characters and the zero width
 * space (typed names carry tabs, stray controls and invisible spaces from
 * copy and paste).
 */
extern bool ct_words_typed_space(uint32_t c);

/* The class of code point c in a code point set (words.c). */
extern CtWordClass ct_words_cp_class(CtWordSet set, uint32_t c);

/* The class of byte c in a byte set. */
static inline CtWordClass
ct_words_byte_class(CtWordSet set, unsigned char c)
{
	bool		alnum;

	if (c >= 0x80)
		return CT_WORD_PART;
	switch (set)
	{
		case CT_WORDS_SPACE:
			return c == ' ' ? CT_WORD_SEP : CT_WORD_PART;
		case CT_WORDS_NAME:
			return c == ' ' || c == ',' ? CT_WORD_SEP : CT_WORD_PART;
		case CT_WORDS_KEY:
			return c == ' ' || c == ',' || c == '.' || c == '-' ? CT_WORD_SEP : CT_WORD_PART;
		case CT_WORDS_TOKEN:
			alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
			return alnum || c == '\'' ? CT_WORD_PART : CT_WORD_SEP;
		case CT_WORDS_FOLDED:
			alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
			return alnum ? CT_WORD_PART : c == '\'' ? CT_WORD_JOIN : CT_WORD_SEP;
		default:
			return CT_WORD_SEP;	/* not a byte set */
	}
}

static inline bool
ct_words_is_byte_set(CtWordSet set)
{
	return set < CT_WORDS_WHITE_SPACE;
}

static inline void
ct_words_init(CtWords *it, const char *s, size_t len, CtWordSet set)
{
	it->s = s;
	it->len = len;
	it->pos = 0;
	it->set = set;
}

extern bool ct_words_next_cp(CtWords *it, CtWord *w);

/*
 * The next word into *w; false when there is none left.  Inline: with the
 * set a constant at the call, the classification folds into the loop.
 */
static inline bool
ct_words_next(CtWords *it, CtWord *w)
{
	const unsigned char *s = (const unsigned char *) it->s;
	size_t		i = it->pos;
	size_t		start;

	if (!ct_words_is_byte_set(it->set))
		return ct_words_next_cp(it, w);
	while (i < it->len && ct_words_byte_class(it->set, s[i]) != CT_WORD_PART)
		i++;
	if (i >= it->len)
	{
		it->pos = i;
		return false;
	}
	start = i;
	while (i < it->len && ct_words_byte_class(it->set, s[i]) != CT_WORD_SEP)
		i++;
	w->s = it->s + start;
	w->len = i - start;
	it->pos = i;
	return true;
}

/*
 * Byte order of two words, shorter first on a common prefix (strcmp's order
 * for words without NUL bytes); the modules that sort words share it.
 */
static inline int
ct_word_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int			c = memcmp(a, b, alen < blen ? alen : blen);

	return c != 0 ? c : (alen > blen) - (alen < blen);
}

/*
 * Split s into at most cap words (cap > 0); returns their number.  With
 * last_takes_rest, a text of more than cap words has its last word run to
 * the end of the text's last word, so nothing is lost; otherwise the words
 * beyond cap are dropped.
 */
extern int	ct_words_split(const char *s, size_t len, CtWordSet set, CtWord *out, int cap,
						   bool last_takes_rest);

#endif							/* CT_WORDS_H */
