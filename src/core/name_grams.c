/*
 * name_grams.c
 *		Keys of a name for the fuzzy name index and their similarity (see
 *		name_grams.h for what is extracted and the guarantee it gives).
 */
#include "name_grams.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fold.h"
#include "utf8.h"
#include "words.h"

/* Kinds of key, hashed in so that a trigram never equals a letters key. */
#define KEY_TRIGRAM		1u
#define KEY_LETTERS		2u

/* Boundary mark of the padded trigrams; never a token symbol. */
#define PAD				((uint32_t) ' ')

/* Code points of one token kept before the skeleton shortens digraphs. */
#define TOKEN_MAX_RAW	(2 * NAME_TOKEN_MAX_SYMBOLS)

/* Folded names up to this many bytes need no allocation for folding. */
#define FOLD_STACK_BYTES 256

/*
 * Hash of a kind and a symbol sequence: FNV-1a over the symbols, then
 * MurmurHash3's finalizer so that all bits are well mixed.
 */
static uint32_t
hash_symbols(uint32_t kind, const uint32_t *sym, int n)
{
	uint32_t	h = 2166136261u ^ kind;

	for (int i = 0; i < n; i++)
	{
		uint32_t	c = sym[i];

		for (int b = 0; b < 4; b++)
		{
			h ^= (c >> (8 * b)) & 0xFF;
			h *= 16777619u;
		}
	}
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

static bool
is_vowel(uint32_t c)
{
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

static bool
is_front_vowel(uint32_t c)
{
	return c == 'e' || c == 'i' || c == 'y';
}

/*
 * Rewrite a folded token as its phonetic skeleton (at most
 * NAME_TOKEN_MAX_SYMBOLS symbols); returns the number of symbols.  The rules
 * merge the spellings of one sound that Spanish and English names mix up;
 * vowels stay, as they tell names apart (Ana, Ena).  Doubled letters count
 * once, so ll is l: English undoubles it (Russel, Wiliams) far more often
 * than Spanish writes it as y.  In the result 'c' stands for ch/sh, and h,
 * q, v and z no longer occur.
 */
static int
phonetic_skeleton(const uint32_t *in, int n, uint32_t *out)
{
	int			o = 0;

	for (int i = 0; i < n; i++)
	{
		uint32_t	c = in[i];
		uint32_t	next = i + 1 < n ? in[i + 1] : 0;
		uint32_t	s;

		switch (c)
		{
			case 'c':
				if (next == 'h')
				{
					s = 'c';
					i++;
				}
				else if (is_front_vowel(next))
					s = 's';
				else
				{
					s = 'k';
					if (next == 'k')
						i++;
				}
				break;
			case 's':
				s = 's';
				if (next == 'h')
				{
					s = 'c';
					i++;
				}
				break;
			case 'p':
				s = 'p';
				if (next == 'h')
				{
					s = 'f';
					i++;
				}
				break;
			case 't':
				s = 't';
				if (next == 'h')
					i++;
				break;
			case 'q':
				s = 'k';
				if (next == 'u')
					i++;
				break;
			case 'z':
				s = 's';
				break;
			case 'v':
				s = 'b';
				break;
			case 'x':
				/* Ximena, Xavier: an initial x before a vowel is the j sound */
				s = (i == 0 && is_vowel(next)) ? 'j' : 'x';
				break;
			case 'y':
				s = is_vowel(next) ? 'y' : 'i';
				break;
			case 'g':
				if (is_front_vowel(next))
					s = 'j';
				else
				{
					s = 'g';
					/* gue, gui: the u is silent */
					if (next == 'u' && i + 2 < n && (in[i + 2] == 'e' || in[i + 2] == 'i'))
						i++;
				}
				break;
			case 'h':
				continue;
			default:
				s = c;
				break;
		}
		if (o > 0 && out[o - 1] == s)
			continue;
		if (o == NAME_TOKEN_MAX_SYMBOLS)
			break;
		out[o++] = s;
	}
	return o;
}

static int
cmp_symbol(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *) a;
	uint32_t	y = *(const uint32_t *) b;

	return x < y ? -1 : x > y;
}

/*
 * Append the keys of one skeleton token (at most len + 2) to keys; returns
 * how many were appended.
 */
static int
token_keys(const uint32_t *sym, int len, NameKey *keys)
{
	uint32_t	padded[NAME_TOKEN_MAX_SYMBOLS + 3];
	int			n = 0;

	padded[0] = PAD;
	padded[1] = PAD;
	memcpy(padded + 2, sym, len * sizeof(uint32_t));
	padded[len + 2] = PAD;
	for (int i = 0; i + 3 <= len + 3; i++)
		keys[n++] = hash_symbols(KEY_TRIGRAM, padded + i, 3);

	/*
	 * The token's letters in sorted order: a transposition (Gary, Gray)
	 * keeps this key while it costs up to four trigrams.
	 */
	if (len >= 2)
	{
		memcpy(padded, sym, len * sizeof(uint32_t));
		qsort(padded, len, sizeof(uint32_t), cmp_symbol);
		keys[n++] = hash_symbols(KEY_LETTERS, padded, len);
	}
	return n;
}

/*
 * Walk the tokens of a folded name (CT_WORDS_ALNUM: an apostrophe inside a
 * word joins, as in O'Brien and D'Angelo, and is dropped): calls fn with
 * each token's skeleton.
 */
typedef void (*TokenFn) (const uint32_t *sym, int len, void *arg);

static void
for_each_token(const char *folded, size_t flen, TokenFn fn, void *arg)
{
	uint32_t	raw[TOKEN_MAX_RAW];
	uint32_t	sym[NAME_TOKEN_MAX_SYMBOLS];
	CtWords		it;
	CtWord		w;

	ct_words_init(&it, folded, flen, CT_WORDS_ALNUM);
	while (ct_words_next(&it, &w))
	{
		int			nraw = 0;
		int			len;

		for (size_t pos = 0; pos < w.len;)
		{
			uint32_t	cp = ct_utf8_next(w.s, w.len, &pos);

			if (cp != '\'' && nraw < TOKEN_MAX_RAW)
				raw[nraw++] = cp;
		}
		len = phonetic_skeleton(raw, nraw, sym);
		if (len > 0)
			fn(sym, len, arg);
	}
}

/* Fold into a stack buffer when it fits; NULL if the allocator fails. */
static char *
fold_name(const char *s, size_t len, const CtAllocator *alloc,
		  char *stackbuf, size_t *flen)
{
	return ct_fold_buf(alloc, s, len, stackbuf, FOLD_STACK_BYTES, flen);
}

static void
free_folded(const CtAllocator *alloc, char *folded, char *stackbuf)
{
	if (folded != stackbuf)
		ct_free(alloc, folded);
}

typedef struct KeySink
{
	NameKey    *keys;
	int			n;
} KeySink;

static void
collect_keys(const uint32_t *sym, int len, void *arg)
{
	KeySink    *sink = (KeySink *) arg;

	sink->n += token_keys(sym, len, sink->keys + sink->n);
}

static int
cmp_key(const void *a, const void *b)
{
	NameKey		x = *(const NameKey *) a;
	NameKey		y = *(const NameKey *) b;

	return x < y ? -1 : x > y;
}

int
name_keys_extract(const char *s, size_t len, const CtAllocator *alloc, NameKey **keys)
{
	char		stackbuf[FOLD_STACK_BYTES];
	size_t		flen;
	char	   *folded;
	KeySink		sink;
	int			n;

	*keys = NULL;
	folded = fold_name(s, len, alloc, stackbuf, &flen);
	if (folded == NULL)
		return 0;

	/*
	 * A token of L symbols takes at least L bytes and gives at most L + 2
	 * keys, so 3 keys per folded byte always suffice.
	 */
	sink.keys = ct_alloc(alloc, (3 * flen + 3) * sizeof(NameKey));
	sink.n = 0;
	if (sink.keys == NULL)
	{
		free_folded(alloc, folded, stackbuf);
		return 0;
	}
	for_each_token(folded, flen, collect_keys, &sink);
	free_folded(alloc, folded, stackbuf);

	if (sink.n == 0)
	{
		ct_free(alloc, sink.keys);
		return 0;
	}
	qsort(sink.keys, sink.n, sizeof(NameKey), cmp_key);
	n = 1;
	for (int i = 1; i < sink.n; i++)
		if (sink.keys[i] != sink.keys[n - 1])
			sink.keys[n++] = sink.keys[i];
	*keys = sink.keys;
	return n;
}

int
name_keys_common(const NameKey *a, int na, const NameKey *b, int nb)
{
	int			i = 0,
				j = 0,
				common = 0;

	while (i < na && j < nb)
	{
		if (a[i] < b[j])
			i++;
		else if (a[i] > b[j])
			j++;
		else
		{
			common++;
			i++;
			j++;
		}
	}
	return common;
}

double
name_keys_similarity(const NameKey *a, int na, const NameKey *b, int nb)
{
	int			common;

	if (na == 0 || nb == 0)
		return 0.0;
	common = name_keys_common(a, na, b, nb);
	return (double) common / (double) (na + nb - common);
}

double
name_search_similarity(const char *a, size_t alen, const char *b, size_t blen,
					   const CtAllocator *alloc)
{
	NameKey    *ka,
			   *kb;
	int			na = name_keys_extract(a, alen, alloc, &ka);
	int			nb = name_keys_extract(b, blen, alloc, &kb);
	double		sim = name_keys_similarity(ka, na, kb, nb);

	ct_free(alloc, ka);
	ct_free(alloc, kb);
	return sim;
}

/* Skeleton tokens as UTF-8 in one buffer, for name_search_key(). */
typedef struct SkeletonSink
{
	char	   *buf;
	size_t		used;
	size_t	   *starts;
	int			ntokens;
} SkeletonSink;

static void
collect_skeleton(const uint32_t *sym, int len, void *arg)
{
	SkeletonSink *sink = (SkeletonSink *) arg;

	sink->starts[sink->ntokens++] = sink->used;
	for (int i = 0; i < len; i++)
		sink->used += ct_utf8_encode(sym[i], sink->buf + sink->used);
	sink->buf[sink->used++] = '\0';
}

static int
cmp_cstring(const void *a, const void *b)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

char *
name_search_key(const char *s, size_t len, const CtAllocator *alloc, size_t *outlen)
{
	char		stackbuf[FOLD_STACK_BYTES];
	size_t		flen;
	char	   *folded;
	SkeletonSink sink;
	const char **tokens;
	char	   *result;
	size_t		rlen = 0;

	*outlen = 0;
	folded = fold_name(s, len, alloc, stackbuf, &flen);
	if (folded == NULL)
		return NULL;

	/* Skeletons are never longer than the folded tokens they come from. */
	sink.buf = ct_alloc(alloc, 4 * flen + 1);
	sink.starts = ct_alloc(alloc, (flen + 1) * sizeof(size_t));
	sink.used = 0;
	sink.ntokens = 0;
	tokens = ct_alloc(alloc, (flen + 1) * sizeof(char *));
	result = ct_alloc(alloc, 4 * flen + 1);
	if (sink.buf != NULL && sink.starts != NULL && tokens != NULL && result != NULL)
	{
		for_each_token(folded, flen, collect_skeleton, &sink);
		for (int i = 0; i < sink.ntokens; i++)
			tokens[i] = sink.buf + sink.starts[i];
		qsort(tokens, sink.ntokens, sizeof(char *), cmp_cstring);
		for (int i = 0; i < sink.ntokens; i++)
		{
			size_t		tl = strlen(tokens[i]);

			if (i > 0)
				result[rlen++] = ' ';
			memcpy(result + rlen, tokens[i], tl);
			rlen += tl;
		}
		result[rlen] = '\0';
		*outlen = rlen;
	}
	else
	{
		ct_free(alloc, result);
		result = NULL;
	}
	free_folded(alloc, folded, stackbuf);
	ct_free(alloc, sink.buf);
	ct_free(alloc, sink.starts);
	ct_free(alloc, tokens);
	return result;
}
