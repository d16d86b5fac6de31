/*
 * test_similarity.c
 *		Known values, code point counting, the bit-parallel and bounded
 *		Levenshtein against a plain reference, symmetry and ranges.
 */
#include "unit.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>

#include "similarity.h"
#include "utf8.h"

#define A (&ct_malloc_allocator)
#define LEV(a, b) ct_levenshtein(a, strlen(a), b, strlen(b), A)
#define LEVB(a, b, m) ct_levenshtein_bounded(a, strlen(a), b, strlen(b), m, A)
#define OSA(a, b) ct_damerau_levenshtein(a, strlen(a), b, strlen(b), A)
#define JARO(a, b) ct_jaro(a, strlen(a), b, strlen(b), A)
#define JW(a, b) ct_jaro_winkler(a, strlen(a), b, strlen(b), A)
#define TSET(a, b) ct_token_set_similarity(a, strlen(a), b, strlen(b), A)
#define QG(a, b, q) ct_qgram_similarity(a, strlen(a), b, strlen(b), q, A)

/* Textbook O(nm) Levenshtein (or OSA when osa) on code points. */
static int
reference_distance(const uint32_t *a, int m, const uint32_t *b, int n, int osa)
{
	int		   *d = malloc(sizeof(int) * (m + 1) * (n + 1));
	int			r;

#define D(i, j) d[(i) * (n + 1) + (j)]
	for (int i = 0; i <= m; i++)
		D(i, 0) = i;
	for (int j = 0; j <= n; j++)
		D(0, j) = j;
	for (int i = 1; i <= m; i++)
		for (int j = 1; j <= n; j++)
		{
			int			v = D(i - 1, j - 1) + (a[i - 1] != b[j - 1]);

			if (D(i - 1, j) + 1 < v)
				v = D(i - 1, j) + 1;
			if (D(i, j - 1) + 1 < v)
				v = D(i, j - 1) + 1;
			if (osa && i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
				D(i - 2, j - 2) + 1 < v)
				v = D(i - 2, j - 2) + 1;
			D(i, j) = v;
		}
	r = D(m, n);
#undef D
	free(d);
	return r;
}

/* Textbook Jaro on code points. */
static double
reference_jaro(const uint32_t *a, int m, const uint32_t *b, int n)
{
	int			aflag[128] = {0};
	int			bflag[128] = {0};
	int			window = (m > n ? m : n) / 2 - 1;
	int			matches = 0;
	int			t = 0;
	int			k = 0;

	if (m == 0 && n == 0)
		return 1.0;
	if (window < 0)
		window = 0;
	for (int i = 0; i < m; i++)
		for (int j = i - window < 0 ? 0 : i - window; j <= i + window && j < n; j++)
			if (!bflag[j] && a[i] == b[j])
			{
				aflag[i] = bflag[j] = 1;
				matches++;
				break;
			}
	if (matches == 0)
		return 0.0;
	for (int i = 0; i < m; i++)
		if (aflag[i])
		{
			while (!bflag[k])
				k++;
			t += a[i] != b[k++];
		}
	return ((double) matches / m + (double) matches / n + (double) (matches - t / 2) / matches) / 3.0;
}

static unsigned int rng_state = 4242;

static unsigned int
rng(void)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return (rng_state >> 8) & 0xFFFFFF;
}

/* A random UTF-8 string of up to maxcp code points from a small alphabet. */
static size_t
random_text(char *out, int maxcp)
{
	static const char *alphabet[] = {"a", "b", "c", " ", "é", "ñ", "ß", "ı", "€", "𝄞", "z"};
	int			k = rng() % (maxcp + 1);
	size_t		len = 0;

	for (int i = 0; i < k; i++)
	{
		const char *s = alphabet[rng() % 11];

		memcpy(out + len, s, strlen(s));
		len += strlen(s);
	}
	return len;
}

/*
 * A random string of up to maxcp code points: mode 0 ASCII letters and
 * space, 1 accented Latin, 2 anything including 3- and 4-byte code points,
 * 3 the same with malformed bytes (lone continuation, truncated lead).
 */
static size_t
random_mixed(char *out, int maxcp, int mode)
{
	static const char *other[] = {"é", "ñ", "ü", "ß", "ı", "€", "𝄞", "中", "\x80", "\xC3", "\xE2\x82"};
	static const int nother[] = {0, 5, 8, 11};
	int			k = maxcp == 0 ? 0 : (int) (rng() % (maxcp + 1));
	size_t		len = 0;

	for (int i = 0; i < k; i++)
	{
		int			r = (int) (rng() % 16);

		if (mode == 0 || r < 10)
			out[len++] = r < 2 ? ' ' : (char) ('a' + rng() % (mode == 0 ? 26 : 6));
		else
		{
			const char *s = other[rng() % nother[mode]];

			memcpy(out + len, s, strlen(s));
			len += strlen(s);
		}
	}
	return len;
}

/* A copy of s (len bytes) with up to 4 random substitutions, insertions, deletions. */
static size_t
random_edit(char *out, const char *s, size_t len, int mode)
{
	char		piece[16];
	int			edits = (int) (rng() % 5);

	memcpy(out, s, len);
	for (int e = 0; e < edits; e++)
	{
		size_t		at = len == 0 ? 0 : rng() % (len + 1);
		size_t		plen = random_mixed(piece, 1, mode);
		size_t		cut = at < len && rng() % 2 ? 1 : 0;

		memmove(out + at + plen, out + at + cut, len - at - cut);
		memcpy(out + at, piece, plen);
		len += plen - cut;
	}
	return len;
}

int
main(void)
{
	/* Known values */
	CHECK(LEV("kitten", "sitting") == 3);
	CHECK(LEV("", "abc") == 3);
	CHECK(LEV("abc", "") == 3);
	CHECK(LEV("", "") == 0);
	CHECK(LEV("flaw", "lawn") == 2);
	CHECK(LEV("josé", "jose") == 1);	/* one code point, two bytes */
	CHECK(LEV("straße", "strasse") == 2);
	CHECK(LEV("ışık", "isik") == 3);
	CHECK(LEVB("kitten", "sitting", 2) == 3);
	CHECK(LEVB("kitten", "sitting", 3) == 3);
	CHECK(LEVB("kitten", "sitting", 0) == 1);
	CHECK(LEVB("abc", "abc", 0) == 0);
	CHECK(LEVB("a", "abcdefgh", 2) == 3);	/* length difference alone */
	CHECK(OSA("ca", "ac") == 1);
	CHECK(LEV("ca", "ac") == 2);
	CHECK(OSA("ca", "abc") == 3);	/* OSA, not unrestricted Damerau (2) */
	CHECK(OSA("martha", "marhta") == 1);
	CHECK(OSA("gonzález", "gonzálze") == 1);
	CHECK_NEAR(JARO("MARTHA", "MARHTA"), 0.944444, 1e-6);
	CHECK_NEAR(JW("MARTHA", "MARHTA"), 0.961111, 1e-6);
	CHECK_NEAR(JARO("DWAYNE", "DUANE"), 0.822222, 1e-6);
	CHECK_NEAR(JW("DWAYNE", "DUANE"), 0.840000, 1e-6);
	CHECK_NEAR(JW("DIXON", "DICKSONX"), 0.813333, 1e-6);
	CHECK_NEAR(JARO("kitten", "sitting"), 0.746032, 1e-6);
	CHECK_NEAR(JW("", ""), 1.0, 0);
	CHECK_NEAR(JW("a", ""), 0.0, 0);
	CHECK_NEAR(JW("müller", "muller"), JW("mxller", "muller"), 1e-12);	/* ü is one character */
	CHECK_NEAR(TSET("jose perez", "perez jose"), 1.0, 0);
	CHECK_NEAR(TSET("jose perez", "jose perez garcia"), 1.0, 0);
	CHECK_NEAR(TSET("jose jose perez", "perez jose"), 1.0, 0);
	CHECK_NEAR(TSET("perez, jose", "jose perez"), 1.0, 0);	/* punctuation separates */
	CHECK_NEAR(TSET("garcia-marquez", "marquez garcia"), 1.0, 0);
	CHECK(TSET("o'brien", "o brien") < 1.0);	/* the apostrophe joins */
	CHECK_NEAR(TSET("", ""), 1.0, 0);
	CHECK_NEAR(TSET(", -", ""), 1.0, 0);
	CHECK_NEAR(TSET("", "x"), 0.0, 0);
	CHECK_NEAR(TSET("ana", "juan"), 1.0 - 3.0 / 4.0, 1e-12);
	CHECK_NEAR(TSET("maria lopez", "maria lopes"), 1.0 - 1.0 / 11.0, 1e-12);
	CHECK_NEAR(QG("abc", "abc", 2), 1.0, 0);
	CHECK_NEAR(QG("", "", 2), 1.0, 0);
	CHECK_NEAR(QG("abc", "", 2), 0.0, 0);
	CHECK_NEAR(QG("abc", "xyz", 2), 0.0, 0);
	/* #a ab bc c# vs #a ab b# : 2 common of 4 + 3 */
	CHECK_NEAR(QG("abc", "ab", 2), 4.0 / 7.0, 1e-12);
	CHECK_NEAR(QG("aaa", "aa", 1), 4.0 / 5.0, 1e-12);	/* multisets */
	CHECK_NEAR(QG("josé", "jose", 3), 2.0 * 3 / 12, 1e-12);
	CHECK(ct_qgram_similarity("a", 1, "a", 1, 0, A) < 0);	/* q < 1 refused */
	CHECK_NEAR(ct_levenshtein_similarity("abcd", 4, "abcx", 4, A), 0.75, 1e-12);

	/* The folding variants */
	CHECK(ct_levenshtein_folded("JOSÉ  Pérez", 13, "jose perez", 10, -1, A) == 0);
	CHECK_NEAR(ct_jaro_winkler_folded("MÜLLER", 7, "muller", 6, A), 1.0, 0);

	/* Random pairs against the reference, up to 100 code points (both paths). */
	for (int iter = 0; iter < 3000; iter++)
	{
		char		a[512];
		char		b[512];
		char		c[512];
		uint32_t	ca[128];
		uint32_t	cb[128];
		size_t		la = random_text(a, iter < 1500 ? 12 : 100);
		size_t		lb = random_text(b, iter < 1500 ? 12 : 100);
		size_t		lc = random_text(c, 12);
		int			na = (int) ct_utf8_decode(a, la, ca, 128);
		int			nb = (int) ct_utf8_decode(b, lb, cb, 128);
		int			ref = reference_distance(ca, na, cb, nb, 0);
		int			d = ct_levenshtein(a, la, b, lb, A);
		int			max = rng() % 12;
		int			bounded = ct_levenshtein_bounded(a, la, b, lb, max, A);
		double		jw1 = ct_jaro_winkler(a, la, b, lb, A);
		double		jw2 = ct_jaro_winkler(b, lb, a, la, A);
		double		ts1 = ct_token_set_similarity(a, la, b, lb, A);
		double		ts2 = ct_token_set_similarity(b, lb, a, la, A);
		double		qg1 = ct_qgram_similarity(a, la, b, lb, 1 + iter % 4, A);
		double		qg2 = ct_qgram_similarity(b, lb, a, la, 1 + iter % 4, A);

		CHECK(d == ref);
		{
			double		rj = reference_jaro(ca, na, cb, nb);
			double		rj2 = reference_jaro(cb, nb, ca, na);
			double		j = ct_jaro(a, la, b, lb, A);

			/* greedy matching may depend on the side scanned: either is Jaro */
			CHECK(j == rj || j == rj2);
		}
		CHECK(bounded == (ref <= max ? ref : max + 1));
		CHECK(ct_damerau_levenshtein(a, la, b, lb, A) == reference_distance(ca, na, cb, nb, 1));
		CHECK(d == ct_levenshtein(b, lb, a, la, A));
		CHECK(jw1 == jw2 && jw1 >= 0.0 && jw1 <= 1.0);
		CHECK(ts1 == ts2 && ts1 >= 0.0 && ts1 <= 1.0);
		CHECK(qg1 == qg2 && qg1 >= 0.0 && qg1 <= 1.0);
		CHECK(ct_levenshtein(a, la, c, lc, A) <= d + ct_levenshtein(b, lb, c, lc, A));
		if (d == 0)
			CHECK(jw1 == 1.0 && ts1 == 1.0 && qg1 == 1.0);
	}

	/*
	 * Differential: every length mix the fast paths distinguish (pure ASCII,
	 * accented, mixed, malformed bytes; empty, up to 64 code points and
	 * beyond, past the stack buffers), every bound near the distance, none
	 * and a huge one, against the reference dynamic program.
	 */
	for (int iter = 0; iter < 4000; iter++)
	{
		static const int maxcps[] = {0, 3, 12, 40, 64, 70, 130, 300};
		static char a[1300];
		static char b[1300];
		static uint32_t ca[1300];
		static uint32_t cb[1300];
		int			mode = iter % 4;
		size_t		la = random_mixed(a, maxcps[rng() % 8], mode);
		size_t		lb;
		int			na;
		int			nb;
		int			ref;

		/* half the pairs are edits of each other, as names' variants are */
		if (rng() % 2)
			lb = random_edit(b, a, la, mode);
		else
			lb = random_mixed(b, maxcps[rng() % 8], mode);
		na = (int) ct_utf8_decode(a, la, ca, 1300);
		nb = (int) ct_utf8_decode(b, lb, cb, 1300);
		ref = reference_distance(ca, na, cb, nb, 0);
		CHECK(ct_levenshtein(a, la, b, lb, A) == ref);
		CHECK(ct_levenshtein_bounded(a, la, b, lb, -1, A) == ref);
		CHECK(ct_levenshtein_bounded(a, la, b, lb, INT_MAX - 1, A) == ref);
		for (int max = 0; max <= 5; max++)
			CHECK(ct_levenshtein_bounded(a, la, b, lb, max, A) == (ref <= max ? ref : max + 1));
		CHECK(ct_levenshtein_bounded(a, la, b, lb, ref, A) == ref);
		if (ref > 0)
			CHECK(ct_levenshtein_bounded(a, la, b, lb, ref - 1, A) == ref);
		if (na <= 120 && nb <= 120)
		{
			double		j = ct_jaro(a, la, b, lb, A);

			CHECK(j == reference_jaro(ca, na, cb, nb) || j == reference_jaro(cb, nb, ca, na));
		}
	}

	/* Long strings (beyond the stack buffers) use the allocator. */
	{
		size_t		n = 3000;
		char	   *x = malloc(n);
		char	   *y = malloc(n);

		memset(x, 'a', n);
		memset(y, 'a', n);
		y[1500] = 'b';
		CHECK(ct_levenshtein(x, n, y, n, A) == 1);
		CHECK(ct_damerau_levenshtein(x, n, y, n, A) == 1);
		CHECK(ct_jaro(x, n, y, n, A) > 0.99);
		CHECK(ct_qgram_similarity(x, n, y, n, 3, A) > 0.99);
		free(x);
		free(y);
	}
	return UNIT_DONE();
}
