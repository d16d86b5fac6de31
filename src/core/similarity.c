/*
 * similarity.c
 *		Edit distances and similarity scores on code points (see similarity.h).
 *
 * Strings are decoded into code point arrays (on the stack up to
 * CT_SIM_STACK_CP code points).  Levenshtein first strips the common byte
 * prefix and suffix, then uses Hyyrö's bit-parallel form of Myers'
 * algorithm when the shorter string fits in 64 code points, which is every
 * name, and Ukkonen's banded dynamic program for small bounds and longer
 * strings; both stop as soon as the distance is known to exceed the bound.
 */
#include "similarity.h"

#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fold.h"
#include "utf8.h"
#include "words.h"

/* A code point array on the stack, or from the allocator when long. */
typedef struct CpBuf
{
	uint32_t   *cp;
	int			n;
	uint32_t	stack[CT_SIM_STACK_CP];
	const CtAllocator *alloc;
} CpBuf;

/* Is s[i] a UTF-8 continuation byte? (false past the end) */
static inline bool
utf8_continuation(const char *s, size_t len, size_t i)
{
	return i < len && ((unsigned char) s[i] & 0xC0) == 0x80;
}

/* Does s hold only ASCII? (a word at a time: names are short) */
static bool
all_ascii(const char *s, size_t len)
{
	uint64_t	or = 0;
	size_t		i = 0;

	for (; i + 8 <= len; i += 8)
	{
		uint64_t	w;

		memcpy(&w, s + i, 8);
		or |= w;
	}
	for (; i < len; i++)
		or |= (unsigned char) s[i];
	return (or & UINT64_C(0x8080808080808080)) == 0;
}

/* Decode into b; false if the allocator failed. */
static bool
cpbuf_decode(CpBuf *b, const char *s, size_t len, const CtAllocator *alloc)
{
	size_t		n;

	b->alloc = alloc;
	b->cp = b->stack;

	/*
	 * Folded names are ASCII: widening them in one simple loop takes a
	 * fraction of the general decoder's time, which was a third of a
	 * distance's.
	 */
	if (len <= CT_SIM_STACK_CP && all_ascii(s, len))
	{
		for (size_t i = 0; i < len; i++)
			b->stack[i] = (unsigned char) s[i];
		b->n = (int) len;
		return true;
	}
	n = ct_utf8_decode(s, len, b->cp, CT_SIM_STACK_CP);
	if (n > INT_MAX / 2)
		return false;
	if (n > CT_SIM_STACK_CP)
	{
		b->cp = ct_alloc(alloc, n * sizeof(uint32_t));
		if (b->cp == NULL)
			return false;
		ct_utf8_decode(s, len, b->cp, n);
	}
	b->n = (int) n;
	return true;
}

static void
cpbuf_free(CpBuf *b)
{
	if (b->cp != b->stack)
		ct_free(b->alloc, b->cp);
}

/* Scratch memory: the stack buffer when it is big enough. */
static void *
scratch_get(void *stackbuf, size_t stacksize, size_t size, const CtAllocator *alloc)
{
	return size <= stacksize ? stackbuf : ct_alloc(alloc, size);
}

static void
scratch_put(void *p, void *stackbuf, const CtAllocator *alloc)
{
	if (p != stackbuf)
		ct_free(alloc, p);
}

/*
 * The match vectors of a pattern of at most 64 code points: bit i of
 * peq(c) is set when pattern[i] == c.  ASCII is a direct lookup, the rest an
 * open-addressing table cleared only when the pattern has non-ASCII code
 * points.  The ASCII entries are never cleared as a whole: building zeroes
 * just the entries of the code points the text will look up (for names,
 * clearing whole tables would cost more than the distance itself), so a
 * lookup is one load with no validity test.
 */
typedef struct PeqTable
{
	uint64_t	ascii[128];
	bool		has_other;
	bool		used[128];
	uint32_t	key[128];
	uint64_t	mask[128];
} PeqTable;

static inline int
peq_slot(const PeqTable *t, uint32_t c)
{
	int			h = (int) ((c * 2654435761u) >> 25);

	while (t->used[h] && t->key[h] != c)
		h = (h + 1) & 127;
	return h;
}

/* Build for pattern p (m code points), to be looked up with text s (n). */
static void
peq_build(PeqTable *t, const uint32_t *p, int m, const uint32_t *s, int n)
{
	/* non-ASCII code points zero some entry: harmless, it is rebuilt below */
	for (int j = 0; j < n; j++)
		t->ascii[s[j] & 127] = 0;
	for (int i = 0; i < m; i++)
		t->ascii[p[i] & 127] = 0;
	t->has_other = false;
	for (int i = 0; i < m; i++)
	{
		uint64_t	bit = (uint64_t) 1 << i;
		uint32_t	c = p[i];

		if (c < 128)
			t->ascii[c] |= bit;
		else
		{
			int			h;

			if (!t->has_other)
			{
				memset(t->used, 0, sizeof(t->used));
				t->has_other = true;
			}
			h = peq_slot(t, c);
			if (!t->used[h])
			{
				t->used[h] = true;
				t->key[h] = c;
				t->mask[h] = 0;
			}
			t->mask[h] |= bit;
		}
	}
}

/* peq(c) for a code point c of the text given to peq_build. */
static inline uint64_t
peq_get(const PeqTable *t, uint32_t c)
{
	int			h;

	if (c < 128)
		return t->ascii[c];
	if (!t->has_other)
		return 0;
	h = peq_slot(t, c);
	return t->used[h] ? t->mask[h] : 0;
}

/* Hyyrö's bit-vector Levenshtein; pattern a has 1..64 code points. */
static int
levenshtein_myers(const uint32_t *a, int m, const uint32_t *b, int n, int max)
{
	PeqTable	peq;
	uint64_t	pv = ~(uint64_t) 0;
	uint64_t	mv = 0;
	int			score = m;

	peq_build(&peq, a, m, b, n);
	for (int j = 0; j < n; j++)
	{
		uint64_t	eq = peq_get(&peq, b[j]);
		uint64_t	xv = eq | mv;
		uint64_t	xh = (((eq & pv) + pv) ^ pv) | eq;
		uint64_t	ph = mv | ~(xh | pv);
		uint64_t	mh = pv & xh;

		/* selected, not branched on: the steps follow no learnable pattern */
		score += (int) ((ph >> (m - 1)) & 1) - (int) ((mh >> (m - 1)) & 1);
		/* each remaining column lowers the score by at most one */
		if (score - (n - 1 - j) > max)
			return max + 1;
		ph = (ph << 1) | 1;
		mh <<= 1;
		pv = mh | ~(xv | ph);
		mv = ph & xv;
	}
	return score;
}

/* Code point i of a string held as bytes (width 1, ASCII) or code points. */
static inline uint32_t
char_at(const void *s, int width, int i)
{
	return width == 1 ? ((const unsigned char *) s)[i] : ((const uint32_t *) s)[i];
}

/*
 * Ukkonen's banded dynamic program, one row per character of b (m <= n):
 * cell (i, j) is at least |i - j|, so only the diagonal band |i - j| <= max
 * can hold distances within the bound; cells outside it count as max + 1.
 * It serves patterns beyond 64 code points and small bounds, where the band
 * is narrower than the bit-parallel loop's pass over all of b.  The strings
 * are code point arrays, or ASCII bytes (width 1), which spares widening
 * them: for short names that took as long as the band itself.  Inlined into
 * its two callers, so each reads its width with no test.
 */
static inline int
levenshtein_band(const void *a, int m, const void *b, int n, int width, int max,
				 const CtAllocator *alloc)
{
	int			stackrow[CT_SIM_STACK_CP + 1];
	int		   *row;
	int			inf;

	/* the distance is at most n: a larger bound changes nothing */
	if (max > n)
		max = n;
	inf = max + 1;
	row = scratch_get(stackrow, sizeof(stackrow), (size_t) (m + 1) * sizeof(int), alloc);
	if (row == NULL)
		return -1;
	for (int i = 0; i <= m && i <= max; i++)
		row[i] = i;
	for (int j = 1; j <= n; j++)
	{
		int			lo = j - max > 1 ? j - max : 1;
		int			hi = j + max < m ? j + max : m;
		int			diag = row[lo - 1];
		int			rowmin;

		/* the cells just outside this row's band */
		row[lo - 1] = lo == 1 ? j : inf;
		if (hi == j + max)
			row[hi] = inf;
		rowmin = row[lo - 1];
		for (int i = lo; i <= hi; i++)
		{
			int			up = row[i];
			int			v = diag + (char_at(a, width, i - 1) != char_at(b, width, j - 1));

			if (up + 1 < v)
				v = up + 1;
			if (row[i - 1] + 1 < v)
				v = row[i - 1] + 1;
			row[i] = v;
			diag = up;
			if (v < rowmin)
				rowmin = v;
		}
		/* distances never go below a row's minimum further down */
		if (rowmin > max)
		{
			scratch_put(row, stackrow, alloc);
			return max + 1;
		}
	}
	inf = row[m];
	scratch_put(row, stackrow, alloc);
	return inf;
}

/*
 * Bounds below this take the band: at max 2 on generated name pairs it
 * measured 10-30% faster than the bit-parallel loop, which scans all of b.
 */
#define BAND_MAX_BOUND 3

/*
 * The distance of two strings with no common prefix or suffix, held as code
 * points or, width 1, as ASCII bytes (which the bit-parallel loop does not
 * take: callers pass bytes only where the band or the lengths decide).
 */
static int
levenshtein_stripped(const void *a, int alen, const void *b, int blen, int width,
					 int max, const CtAllocator *alloc)
{
	int			d;

	if (alen > blen)
	{
		const void *t = a;
		int			tl = alen;

		a = b;
		alen = blen;
		b = t;
		blen = tl;
	}
	if (blen - alen > max)
		return max + 1;
	if (alen == 0)
		return blen;
	if (width == 4 && alen <= 64 && max >= BAND_MAX_BOUND)
		d = levenshtein_myers(a, alen, b, blen, max);
	else
		d = levenshtein_band(a, alen, b, blen, width, max, alloc);
	return d > max ? max + 1 : d;
}

int
ct_levenshtein_cp(const uint32_t *a, int alen, const uint32_t *b, int blen,
				  int max, const CtAllocator *alloc)
{
	if (max < 0)
		max = INT_MAX - 1;
	/* common prefix and suffix do not change the distance */
	while (alen > 0 && blen > 0 && a[0] == b[0])
	{
		a++;
		b++;
		alen--;
		blen--;
	}
	while (alen > 0 && blen > 0 && a[alen - 1] == b[blen - 1])
	{
		alen--;
		blen--;
	}
	return levenshtein_stripped(a, alen, b, blen, 4, max, alloc);
}

int
ct_levenshtein_bounded(const char *a, size_t alen, const char *b, size_t blen,
					   int max, const CtAllocator *alloc)
{
	CpBuf		x;
	CpBuf		y;
	size_t		pre = 0;
	size_t		suf = 0;
	int			d = -1;

	/*
	 * Strip the common prefix and suffix as bytes, which spares decoding
	 * them.  Cuts fall where neither string has a continuation byte, so
	 * every sequence stays whole on one side (malformed ones included: a
	 * sequence never takes in a byte that is not a continuation).
	 */
	while (pre < alen && pre < blen && a[pre] == b[pre])
		pre++;
	while (pre > 0 && (utf8_continuation(a, alen, pre) || utf8_continuation(b, blen, pre)))
		pre--;
	a += pre;
	b += pre;
	alen -= pre;
	blen -= pre;
	while (suf < alen && suf < blen && a[alen - 1 - suf] == b[blen - 1 - suf])
		suf++;
	while (suf > 0 && (utf8_continuation(a, alen, alen - suf) ||
					   utf8_continuation(b, blen, blen - suf)))
		suf--;
	alen -= suf;
	blen -= suf;

	/*
	 * In ASCII bytes are code points: a small bound runs the band over the
	 * bytes, and a length difference beyond the bound decides, without
	 * decoding.
	 */
	if (max >= 0 && alen < INT_MAX / 2 && blen < INT_MAX / 2 &&
		(max < BAND_MAX_BOUND || (alen > blen ? alen - blen : blen - alen) > (size_t) max) &&
		all_ascii(a, alen) && all_ascii(b, blen))
		return levenshtein_stripped(a, (int) alen, b, (int) blen, 1, max, alloc);

	if (!cpbuf_decode(&x, a, alen, alloc))
		return -1;
	if (cpbuf_decode(&y, b, blen, alloc))
	{
		d = ct_levenshtein_cp(x.cp, x.n, y.cp, y.n, max, alloc);
		cpbuf_free(&y);
	}
	cpbuf_free(&x);
	return d;
}

int
ct_levenshtein(const char *a, size_t alen, const char *b, size_t blen,
			   const CtAllocator *alloc)
{
	return ct_levenshtein_bounded(a, alen, b, blen, -1, alloc);
}

static double
levenshtein_similarity_cp(const uint32_t *a, int alen, const uint32_t *b, int blen,
						  const CtAllocator *alloc)
{
	int			longest = alen > blen ? alen : blen;
	int			d;

	if (longest == 0)
		return 1.0;
	d = ct_levenshtein_cp(a, alen, b, blen, -1, alloc);
	if (d < 0)
		return -1.0;
	return 1.0 - (double) d / longest;
}

/* Decode both strings and apply a code point scorer. */
static double
score_utf8(double (*scorer) (const uint32_t *, int, const uint32_t *, int, const CtAllocator *),
		   const char *a, size_t alen, const char *b, size_t blen, const CtAllocator *alloc)
{
	CpBuf		x;
	CpBuf		y;
	double		s = -1.0;

	if (!cpbuf_decode(&x, a, alen, alloc))
		return -1.0;
	if (cpbuf_decode(&y, b, blen, alloc))
	{
		s = scorer(x.cp, x.n, y.cp, y.n, alloc);
		cpbuf_free(&y);
	}
	cpbuf_free(&x);
	return s;
}

double
ct_levenshtein_similarity(const char *a, size_t alen, const char *b, size_t blen,
						  const CtAllocator *alloc)
{
	return score_utf8(levenshtein_similarity_cp, a, alen, b, blen, alloc);
}

int
ct_damerau_levenshtein(const char *a, size_t alen, const char *b, size_t blen,
					   const CtAllocator *alloc)
{
	CpBuf		x;
	CpBuf		y;
	int			stackrows[3 * (CT_SIM_STACK_CP + 1)];
	int		   *rows;
	int			m;
	int			n;
	int			d = -1;

	if (!cpbuf_decode(&x, a, alen, alloc))
		return -1;
	if (!cpbuf_decode(&y, b, blen, alloc))
	{
		cpbuf_free(&x);
		return -1;
	}
	m = x.n;
	n = y.n;
	rows = scratch_get(stackrows, sizeof(stackrows), 3 * (size_t) (n + 1) * sizeof(int), alloc);
	if (rows != NULL)
	{
		/* rows: two back, previous and current row of the OSA matrix */
		int		   *r2 = rows;
		int		   *r1 = rows + (n + 1);
		int		   *r0 = rows + 2 * (n + 1);

		for (int j = 0; j <= n; j++)
			r1[j] = j;
		for (int i = 1; i <= m; i++)
		{
			int		   *t;

			r0[0] = i;
			for (int j = 1; j <= n; j++)
			{
				int			cost = x.cp[i - 1] != y.cp[j - 1];
				int			v = r1[j - 1] + cost;

				if (r1[j] + 1 < v)
					v = r1[j] + 1;
				if (r0[j - 1] + 1 < v)
					v = r0[j - 1] + 1;
				if (i > 1 && j > 1 && x.cp[i - 1] == y.cp[j - 2] &&
					x.cp[i - 2] == y.cp[j - 1] && r2[j - 2] + 1 < v)
					v = r2[j - 2] + 1;
				r0[j] = v;
			}
			t = r2;
			r2 = r1;
			r1 = r0;
			r0 = t;
		}
		d = r1[n];
		scratch_put(rows, stackrows, alloc);
	}
	cpbuf_free(&y);
	cpbuf_free(&x);
	return d;
}

/* Compare two code point arrays as sequences (for a canonical order). */
static int
cp_compare(const uint32_t *a, int alen, const uint32_t *b, int blen)
{
	for (int i = 0; i < alen && i < blen; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return (alen > blen) - (alen < blen);
}

/* Jaro's score from the counts of matches and half-transpositions. */
static inline double
jaro_score(int matches, int transpositions, int alen, int blen)
{
	if (matches == 0)
		return 0.0;
	return ((double) matches / alen + (double) matches / blen +
			(double) (matches - transpositions / 2) / matches) / 3.0;
}

/*
 * Jaro for strings of at most 64 code points: the same greedy matching as
 * the scan below (each a[i] takes the first free equal b[j] in its window),
 * found with bit masks of b's positions instead of a loop over the window.
 */
static double
jaro_bitparallel(const uint32_t *a, int alen, const uint32_t *b, int blen, int window)
{
	PeqTable	peq;
	uint64_t	bfree = blen == 64 ? ~(uint64_t) 0 : (((uint64_t) 1 << blen) - 1);
	uint64_t	amatched = 0;
	uint64_t	bmatched;
	uint64_t	inwindow;
	int			matches = 0;
	int			transpositions = 0;

	peq_build(&peq, b, blen, a, alen);

	/*
	 * a[i] may match b[i - window .. i + window]: the mask starts as bits
	 * 0..window and then grows by one bit and slides (bfree clips it to b).
	 */
	inwindow = window + 1 >= 64 ? ~(uint64_t) 0 : (((uint64_t) 1 << (window + 1)) - 1);
	for (int i = 0; i < alen; i++)
	{
		uint64_t	cand = peq_get(&peq, a[i]) & inwindow & bfree;
		uint64_t	first = cand & (~cand + 1);	/* 0 when no candidate */
		uint64_t	found = first != 0;

		/* branch-free: matches are too irregular to predict */
		bfree ^= first;
		amatched |= found << i;
		matches += (int) found;
		if (i >= window)
			inwindow <<= 1;
		else
			inwindow = (inwindow << 1) | 1;
	}
	bmatched = (blen == 64 ? ~(uint64_t) 0 : (((uint64_t) 1 << blen) - 1)) & ~bfree;
	while (amatched)
	{
		int			i = __builtin_ctzll(amatched);
		int			k = __builtin_ctzll(bmatched);

		transpositions += a[i] != b[k];
		amatched &= amatched - 1;
		bmatched &= bmatched - 1;
	}
	return jaro_score(matches, transpositions, alen, blen);
}

double
ct_jaro_cp(const uint32_t *a, int alen, const uint32_t *b, int blen,
		   const CtAllocator *alloc)
{
	bool		stackflags[2 * CT_SIM_STACK_CP];
	bool	   *aflag;
	bool	   *bflag;
	int			window;
	int			matches = 0;
	int			transpositions = 0;
	double		result;

	if (alen == 0 && blen == 0)
		return 1.0;
	if (alen == 0 || blen == 0)
		return 0.0;

	/*
	 * Greedy matching depends on which side is scanned; scanning the
	 * smaller one (in a fixed order) makes the score symmetric.
	 */
	if (cp_compare(a, alen, b, blen) > 0)
	{
		const uint32_t *t = a;
		int			tl = alen;

		a = b;
		alen = blen;
		b = t;
		blen = tl;
	}
	window = (alen > blen ? alen : blen) / 2 - 1;
	if (window < 0)
		window = 0;
	if (alen <= 64 && blen <= 64)
		return jaro_bitparallel(a, alen, b, blen, window);

	aflag = scratch_get(stackflags, sizeof(stackflags), (size_t) (alen + blen) * sizeof(bool), alloc);
	if (aflag == NULL)
		return -1.0;
	bflag = aflag + alen;
	memset(aflag, 0, (size_t) (alen + blen) * sizeof(bool));
	for (int i = 0; i < alen; i++)
	{
		int			lo = i - window > 0 ? i - window : 0;
		int			hi = i + window < blen - 1 ? i + window : blen - 1;

		for (int j = lo; j <= hi; j++)
			if (!bflag[j] && a[i] == b[j])
			{
				aflag[i] = bflag[j] = true;
				matches++;
				break;
			}
	}
	if (matches > 0)
	{
		int			k = 0;

		for (int i = 0; i < alen; i++)
		{
			if (!aflag[i])
				continue;
			while (!bflag[k])
				k++;
			if (a[i] != b[k])
				transpositions++;
			k++;
		}
	}
	result = jaro_score(matches, transpositions, alen, blen);
	scratch_put(aflag, stackflags, alloc);
	return result;
}

double
ct_jaro_winkler_cp(const uint32_t *a, int alen, const uint32_t *b, int blen,
				   const CtAllocator *alloc)
{
	double		j = ct_jaro_cp(a, alen, b, blen, alloc);
	int			prefix = 0;

	if (j <= 0.7)
		return j;
	while (prefix < 4 && prefix < alen && prefix < blen && a[prefix] == b[prefix])
		prefix++;
	return j + prefix * 0.1 * (1.0 - j);
}

double
ct_jaro(const char *a, size_t alen, const char *b, size_t blen, const CtAllocator *alloc)
{
	return score_utf8(ct_jaro_cp, a, alen, b, blen, alloc);
}

double
ct_jaro_winkler(const char *a, size_t alen, const char *b, size_t blen,
				const CtAllocator *alloc)
{
	return score_utf8(ct_jaro_winkler_cp, a, alen, b, blen, alloc);
}

/* ---- token set ---- */

typedef struct Token
{
	const char *s;
	int			len;
} Token;

static int
token_compare(const Token *x, const Token *y)
{
	return ct_word_cmp(x->s, (size_t) x->len, y->s, (size_t) y->len);
}

static int
token_qsort_compare(const void *x, const void *y)
{
	return token_compare((const Token *) x, (const Token *) y);
}

/* Split into words, sort and drop duplicates; returns the count. */
static int
tokenize(const char *s, size_t len, Token *out)
{
	int			n = 0;
	int			distinct = 0;
	CtWords		it;
	CtWord		w;

	/* "Pérez, José" has the words "pérez" and "josé"; "O'Brien" is one */
	ct_words_init(&it, s, len, CT_WORDS_TOKEN);
	while (ct_words_next(&it, &w))
	{
		out[n].s = w.s;
		out[n].len = (int) w.len;
		n++;
	}
	qsort(out, n, sizeof(Token), token_qsort_compare);
	for (int k = 0; k < n; k++)
		if (distinct == 0 || token_compare(&out[distinct - 1], &out[k]) != 0)
			out[distinct++] = out[k];
	return distinct;
}

/* Append tokens to dst (space-separated after what is there); new length. */
static size_t
join_tokens(char *dst, size_t dlen, const Token *t, int n)
{
	for (int i = 0; i < n; i++)
	{
		if (dlen > 0)
			dst[dlen++] = ' ';
		memcpy(dst + dlen, t[i].s, t[i].len);
		dlen += t[i].len;
	}
	return dlen;
}

double
ct_token_set_similarity(const char *a, size_t alen, const char *b, size_t blen,
						const CtAllocator *alloc)
{
	char		stackbuf[4096];
	/* room for tokens: A per list from a, B per list from b */
	size_t		ta_room = (alen + 1) / 2 + 1;
	size_t		tb_room = (blen + 1) / 2 + 1;
	size_t		need = (3 * ta_room + 2 * tb_room) * sizeof(Token) + 3 * (alen + blen + 2);
	Token	   *ta;
	Token	   *tb;
	Token	   *inter;
	Token	   *ra;
	Token	   *rb;
	char	   *s_i;
	char	   *s_a;
	char	   *s_b;
	int			na;
	int			nb;
	int			ni = 0;
	int			nra = 0;
	int			nrb = 0;
	int			i = 0;
	int			j = 0;
	size_t		li;
	size_t		la;
	size_t		lb;
	double		best;
	double		s;
	void	   *mem = scratch_get(stackbuf, sizeof(stackbuf), need, alloc);

	if (mem == NULL)
		return -1.0;
	ta = (Token *) mem;
	tb = ta + ta_room;
	inter = tb + tb_room;
	ra = inter + ta_room;
	rb = ra + ta_room;
	s_i = (char *) (rb + tb_room);
	s_a = s_i + (alen + blen + 2);
	s_b = s_a + (alen + blen + 2);

	na = tokenize(a, alen, ta);
	nb = tokenize(b, blen, tb);
	if (na == 0 || nb == 0)
	{
		scratch_put(mem, stackbuf, alloc);
		return na == nb ? 1.0 : 0.0;
	}
	while (i < na || j < nb)
	{
		int			c = i >= na ? 1 : j >= nb ? -1 : token_compare(&ta[i], &tb[j]);

		if (c == 0)
		{
			inter[ni++] = ta[i++];
			j++;
		}
		else if (c < 0)
			ra[nra++] = ta[i++];
		else
			rb[nrb++] = tb[j++];
	}
	li = join_tokens(s_i, 0, inter, ni);
	memcpy(s_a, s_i, li);
	memcpy(s_b, s_i, li);
	la = join_tokens(s_a, li, ra, nra);
	lb = join_tokens(s_b, li, rb, nrb);

	best = ct_levenshtein_similarity(s_a, la, s_b, lb, alloc);
	if (ni > 0)
	{
		s = ct_levenshtein_similarity(s_i, li, s_a, la, alloc);
		if (s > best)
			best = s;
		s = ct_levenshtein_similarity(s_i, li, s_b, lb, alloc);
		if (s > best)
			best = s;
	}
	scratch_put(mem, stackbuf, alloc);
	return best;
}

/* ---- q-grams ---- */

/* Padding mark: above every code point, so it equals no character. */
#define QGRAM_BOUNDARY 0x110000u

typedef struct GramSort
{
	const uint32_t *cp;
	int			q;
} GramSort;

static inline int
gram_compare(const GramSort *g, uint32_t x, uint32_t y)
{
	for (int k = 0; k < g->q; k++)
		if (g->cp[x + k] != g->cp[y + k])
			return g->cp[x + k] < g->cp[y + k] ? -1 : 1;
	return 0;
}

/* Bottom-up merge sort of gram start offsets (tmp: same size as idx). */
static void
gram_sort(const GramSort *g, uint32_t *idx, uint32_t *tmp, int n)
{
	for (int width = 1; width < n; width *= 2)
	{
		for (int lo = 0; lo < n; lo += 2 * width)
		{
			int			mid = lo + width < n ? lo + width : n;
			int			hi = lo + 2 * width < n ? lo + 2 * width : n;
			int			i = lo;
			int			j = mid;
			int			k = lo;

			while (i < mid && j < hi)
				tmp[k++] = gram_compare(g, idx[j], idx[i]) < 0 ? idx[j++] : idx[i++];
			while (i < mid)
				tmp[k++] = idx[i++];
			while (j < hi)
				tmp[k++] = idx[j++];
		}
		memcpy(idx, tmp, (size_t) n * sizeof(uint32_t));
	}
}

double
ct_qgram_similarity(const char *a, size_t alen, const char *b, size_t blen,
					int q, const CtAllocator *alloc)
{
	uint32_t	stackbuf[4 * CT_SIM_STACK_CP];
	size_t		na = ct_utf8_decode(a, alen, NULL, 0);
	size_t		nb = ct_utf8_decode(b, blen, NULL, 0);
	size_t		pa;
	size_t		pb;
	size_t		ga;
	size_t		gb;
	size_t		need;
	uint32_t   *mem;
	uint32_t   *cpa;
	uint32_t   *cpb;
	uint32_t   *ia;
	uint32_t   *ib;
	uint32_t   *tmp;
	GramSort	sa;
	GramSort	sb;
	size_t		i = 0;
	size_t		j = 0;
	size_t		common = 0;

	if (q < 1 || na > INT_MAX / 4 || nb > INT_MAX / 4 || q > INT_MAX / 4)
		return -1.0;
	if (na == 0 && nb == 0)
		return 1.0;
	/* padded lengths and gram counts */
	pa = na + 2 * (size_t) (q - 1);
	pb = nb + 2 * (size_t) (q - 1);
	ga = na + (size_t) q - 1;
	gb = nb + (size_t) q - 1;
	if (ga == 0 || gb == 0)
		return 0.0;
	need = (pa + pb + 2 * (ga + gb)) * sizeof(uint32_t);
	mem = scratch_get(stackbuf, sizeof(stackbuf), need, alloc);
	if (mem == NULL)
		return -1.0;
	cpa = mem;
	cpb = cpa + pa;
	ia = cpb + pb;
	ib = ia + ga;
	tmp = ib + gb;
	for (int k = 0; k < q - 1; k++)
	{
		cpa[k] = cpa[pa - 1 - k] = QGRAM_BOUNDARY;
		cpb[k] = cpb[pb - 1 - k] = QGRAM_BOUNDARY;
	}
	ct_utf8_decode(a, alen, cpa + q - 1, na);
	ct_utf8_decode(b, blen, cpb + q - 1, nb);
	for (size_t k = 0; k < ga; k++)
		ia[k] = (uint32_t) k;
	for (size_t k = 0; k < gb; k++)
		ib[k] = (uint32_t) k;
	sa.cp = cpa;
	sa.q = q;
	sb.cp = cpb;
	sb.q = q;
	gram_sort(&sa, ia, tmp, (int) ga);
	gram_sort(&sb, ib, tmp, (int) gb);

	/* count the multiset intersection by merging */
	while (i < ga && j < gb)
	{
		int			c = 0;

		for (int k = 0; k < q && c == 0; k++)
			if (cpa[ia[i] + k] != cpb[ib[j] + k])
				c = cpa[ia[i] + k] < cpb[ib[j] + k] ? -1 : 1;
		if (c == 0)
		{
			common++;
			i++;
			j++;
		}
		else if (c < 0)
			i++;
		else
			j++;
	}
	scratch_put(mem, stackbuf, alloc);
	return 2.0 * (double) common / (double) (ga + gb);
}

/* ---- folding variants ---- */

#define FOLD_STACK_BYTES 512

int
ct_levenshtein_folded(const char *a, size_t alen, const char *b, size_t blen,
					  int max, const CtAllocator *alloc)
{
	char		bufa[FOLD_STACK_BYTES];
	char		bufb[FOLD_STACK_BYTES];
	size_t		fa;
	size_t		fb;
	char	   *x = ct_fold_buf(alloc, a, alen, bufa, sizeof(bufa), &fa);
	char	   *y = ct_fold_buf(alloc, b, blen, bufb, sizeof(bufb), &fb);
	int			d = -1;

	if (x != NULL && y != NULL)
		d = ct_levenshtein_bounded(x, fa, y, fb, max, alloc);
	if (x != bufa && x != NULL)
		ct_free(alloc, x);
	if (y != bufb && y != NULL)
		ct_free(alloc, y);
	return d;
}

double
ct_jaro_winkler_folded(const char *a, size_t alen, const char *b, size_t blen,
					   const CtAllocator *alloc)
{
	char		bufa[FOLD_STACK_BYTES];
	char		bufb[FOLD_STACK_BYTES];
	size_t		fa;
	size_t		fb;
	char	   *x = ct_fold_buf(alloc, a, alen, bufa, sizeof(bufa), &fa);
	char	   *y = ct_fold_buf(alloc, b, blen, bufb, sizeof(bufb), &fb);
	double		s = -1.0;

	if (x != NULL && y != NULL)
		s = ct_jaro_winkler(x, fa, y, fb, alloc);
	if (x != bufa && x != NULL)
		ct_free(alloc, x);
	if (y != bufb && y != NULL)
		ct_free(alloc, y);
	return s;
}
