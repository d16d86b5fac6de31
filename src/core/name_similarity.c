/*
 * name_similarity.c
 *		Token-based similarity of person names (see name_similarity.h).
 *
 * It runs per candidate pair in dedupe and as the recheck of the name index,
 * so it avoids allocation for names of usual length: both names are folded
 * into stack buffers, words are byte ranges in them, and each word's
 * nickname entries are looked up once.
 */
#include "name_similarity.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fold.h"
#include "names.h"
#include "nicknames.h"
#include "similarity.h"
#include "utf8.h"
#include "words.h"

#define NAME_STACK 256
#define MAX_WORDS 16

#define SCORE_NICKNAME 0.92
#define SCORE_INITIAL 0.8
#define MIN_TYPO_SCORE 0.8
#define WEIGHT_INITIAL 0.4
#define WEIGHT_CONFLICT 1.5
#define WEIGHT_MISSING 0.15

typedef struct NameWord
{
	const char *s;
	int			len;
	bool		initial;
	bool		nick_known;		/* nick and nnick looked up yet? */
	const CtNickname *nick;		/* the word's nickname entries */
	size_t		nnick;
} NameWord;

typedef struct WordPair
{
	double		score;
	int			a;				/* index into the first name's words */
	int			b;
	const NameWord *lo;			/* the pair's words in byte order: tie-break */
	const NameWord *hi;
} WordPair;

static int
word_cmp(const NameWord *x, const NameWord *y)
{
	return ct_word_cmp(x->s, (size_t) x->len, y->s, (size_t) y->len);
}

/* The number of bytes of a word's first code point. */
static size_t
first_letter_bytes(const NameWord *w)
{
	size_t		n = 0;

	(void) ct_utf8_next(w->s, (size_t) w->len, &n);
	return n;
}

/* Split a folded name into words: particles dropped unless all are. */
static int
split_name(const char *s, size_t len, NameWord *words)
{
	int			n = 0,
				kept = 0;
	CtWords		it;
	CtWord		w;

	ct_words_init(&it, s, len, CT_WORDS_FOLDED);
	while (n < MAX_WORDS && ct_words_next(&it, &w))
	{
		words[n].s = w.s;
		words[n].len = (int) w.len;
		n++;
	}
	for (int k = 0; k < n; k++)
		if (!ct_name_is_particle(words[k].s, words[k].len))
			words[kept++] = words[k];
	if (kept == 0)
		return n;
	return kept;
}

static void
prepare_words(NameWord *words, int n)
{
	for (int i = 0; i < n; i++)
	{
		words[i].initial = first_letter_bytes(&words[i]) == (size_t) words[i].len;
		words[i].nick_known = false;
	}
}

/* The word's nickname entries, looked up once and only when needed. */
static size_t
word_nicknames(NameWord *w)
{
	if (!w->nick_known)
	{
		w->nnick = ct_nickname_find(w->s, w->len, &w->nick);
		w->nick_known = true;
	}
	return w->nnick;
}

/*
 * "Chema" is José María: when a word of the name with fewer words is a
 * nickname of two adjacent words of the other, join those two into one word.
 */
static void
join_compounds(NameWord *one, int none, NameWord *other, int *nother)
{
	for (int i = 0; i < none; i++)
	{
		bool		compound = false;

		/* Only a nickname of a two-word formal name can join words. */
		for (size_t k = 0; k < word_nicknames(&one[i]) && !compound; k++)
			compound = strchr(ct_formal_names[one[i].nick[k].formal], ' ') != NULL;
		if (!compound)
			continue;
		for (int j = 0; j + 1 < *nother; j++)
		{
			const char *end = other[j + 1].s + other[j + 1].len;

			if (other[j + 1].s != other[j].s + other[j].len + 1 ||
				!ct_nickname_related(one[i].s, one[i].len, other[j].s, end - other[j].s))
				continue;
			other[j].len = (int) (end - other[j].s);
			other[j].nick_known = false;
			memmove(&other[j + 1], &other[j + 2], (*nother - j - 2) * sizeof(NameWord));
			(*nother)--;
			break;
		}
	}
}

static bool
nickname_pair(NameWord *x, NameWord *y)
{
	if (word_nicknames(x) == 0 || word_nicknames(y) == 0)
		return false;
	for (size_t i = 0, j = 0; i < x->nnick && j < y->nnick;)
	{
		if (x->nick[i].formal == y->nick[j].formal)
			return true;
		if (x->nick[i].formal < y->nick[j].formal)
			i++;
		else
			j++;
	}
	return false;
}

/* Leading code point bytes equal (the initial matches the word's start). */
static bool
same_first_letter(const NameWord *x, const NameWord *y)
{
	size_t		n = first_letter_bytes(x);

	return (size_t) y->len >= n && memcmp(x->s, y->s, n) == 0;
}

/*
 * Can the Jaro-Winkler similarity of two ASCII words reach MIN_TYPO_SCORE?
 * Jaro matches characters of equal value, so m, the number of matches, is at
 * most the count of x's characters that occur in y (and vice versa), and
 * Jaro is at most (m/|x| + m/|y| + 1) / 3; Winkler's prefix bonus applies only
 * above 0.7, which is below MIN_TYPO_SCORE.  A cheap test that rules out most
 * pairs of different words before the real computation.
 */
static bool
typo_possible(const NameWord *x, const NameWord *y)
{
	uint64_t	in_x[2] = {0, 0},
				in_y[2] = {0, 0};
	int			mx = 0,
				my = 0,
				m;
	double		jaro_bound;

	for (int i = 0; i < x->len; i++)
	{
		unsigned char c = (unsigned char) x->s[i];

		if (c >= 0x80)
			return true;		/* code points, not bytes: no cheap bound */
		in_x[c >> 6] |= UINT64_C(1) << (c & 63);
	}
	for (int i = 0; i < y->len; i++)
	{
		unsigned char c = (unsigned char) y->s[i];

		if (c >= 0x80)
			return true;
		in_y[c >> 6] |= UINT64_C(1) << (c & 63);
		my += (in_x[c >> 6] >> (c & 63)) & 1;
	}
	for (int i = 0; i < x->len; i++)
	{
		unsigned char c = (unsigned char) x->s[i];

		mx += (in_y[c >> 6] >> (c & 63)) & 1;
	}
	m = mx < my ? mx : my;
	jaro_bound = ((double) m / x->len + (double) m / y->len + 1.0) / 3.0;
	return jaro_bound > 0.7;
}

static double
word_score(NameWord *x, NameWord *y, const CtAllocator *alloc)
{
	const NameWord *lo,
			   *hi;
	double		jw;

	if (x->len == y->len && memcmp(x->s, y->s, x->len) == 0)
		return 1.0;
	if (x->initial || y->initial)
		return (x->initial != y->initial && same_first_letter(x, y)) ? SCORE_INITIAL : 0.0;
	if (nickname_pair(x, y))
		return SCORE_NICKNAME;
	if (!typo_possible(x, y))
		return 0.0;
	/* Jaro-Winkler in a fixed argument order, so the score is symmetric. */
	if (word_cmp(x, y) <= 0)
		lo = x, hi = y;
	else
		lo = y, hi = x;
	jw = ct_jaro_winkler(lo->s, lo->len, hi->s, hi->len, alloc);
	return jw >= MIN_TYPO_SCORE ? jw : 0.0;
}

static double
word_weight(const NameWord *w)
{
	return w->initial ? WEIGHT_INITIAL : 1.0;
}

/* Best pairs first; equal scores in an order that ignores argument order. */
static int
pair_cmp(const void *p, const void *q)
{
	const WordPair *x = p,
			   *y = q;
	int			c;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	c = word_cmp(x->lo, y->lo);
	if (c != 0)
		return c;
	return word_cmp(x->hi, y->hi);
}

static double
score_words(NameWord *wa, int na, NameWord *wb, int nb, const CtAllocator *alloc)
{
	WordPair	pairs[MAX_WORDS * MAX_WORDS];
	int			npairs = 0;
	bool		used_a[MAX_WORDS] = {false},
				used_b[MAX_WORDS] = {false};
	double		matched = 0.0,
				weight = 0.0,
				left_a = 0.0,
				left_b = 0.0,
				conflict;

	if (na == 0 || nb == 0)
		return 0.0;
	prepare_words(wa, na);
	prepare_words(wb, nb);
	if (na < nb)
		join_compounds(wa, na, wb, &nb);
	else if (nb < na)
		join_compounds(wb, nb, wa, &na);
	for (int i = 0; i < na; i++)
		for (int j = 0; j < nb; j++)
		{
			double		s = word_score(&wa[i], &wb[j], alloc);

			if (s <= 0.0)
				continue;
			pairs[npairs].score = s;
			pairs[npairs].a = i;
			pairs[npairs].b = j;
			if (word_cmp(&wa[i], &wb[j]) <= 0)
				pairs[npairs].lo = &wa[i], pairs[npairs].hi = &wb[j];
			else
				pairs[npairs].lo = &wb[j], pairs[npairs].hi = &wa[i];
			npairs++;
		}
	qsort(pairs, npairs, sizeof(WordPair), pair_cmp);
	for (int k = 0; k < npairs; k++)
	{
		double		w;

		if (used_a[pairs[k].a] || used_b[pairs[k].b])
			continue;
		used_a[pairs[k].a] = used_b[pairs[k].b] = true;
		w = (word_weight(&wa[pairs[k].a]) + word_weight(&wb[pairs[k].b])) / 2;
		matched += pairs[k].score * w;
		weight += w;
	}
	if (weight == 0.0)
		return 0.0;
	for (int i = 0; i < na; i++)
		if (!used_a[i])
			left_a += word_weight(&wa[i]);
	for (int j = 0; j < nb; j++)
		if (!used_b[j])
			left_b += word_weight(&wb[j]);
	/* Left over on both sides: different names; on one side: missing. */
	conflict = left_a < left_b ? left_a : left_b;
	weight += WEIGHT_CONFLICT * conflict +
		WEIGHT_MISSING * (left_a + left_b - 2 * conflict);
	return matched / weight;
}

double
ct_name_similarity(const char *a, size_t alen, const char *b, size_t blen,
				   const CtAllocator *alloc)
{
	char		abuf[NAME_STACK],
				bbuf[NAME_STACK];
	size_t		fa,
				fb;
	char	   *fas = ct_fold_buf(alloc, a, alen, abuf, sizeof(abuf), &fa);
	char	   *fbs = ct_fold_buf(alloc, b, blen, bbuf, sizeof(bbuf), &fb);
	NameWord	wa[MAX_WORDS],
				wb[MAX_WORDS];
	double		score = 0.0;

	if (fas != NULL && fbs != NULL)
		score = score_words(wa, split_name(fas, fa, wa), wb, split_name(fbs, fb, wb), alloc);
	if (fas != abuf)
		ct_free(alloc, fas);
	if (fbs != bbuf)
		ct_free(alloc, fbs);
	return score;
}
