/*
 * fuzz_similarity.c
 *		On three texts cut from the input: every score is symmetric and in
 *		[0, 1], distances are symmetric, Levenshtein obeys the triangle
 *		inequality and the bounded form equals the unbounded one when the
 *		distance is within the bound (else bound + 1).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "similarity.h"

#define A (&ct_malloc_allocator)

static void
check_score(double x, double y)
{
	if (x != y || !(x >= 0.0 && x <= 1.0))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *a;
	const char *b;
	const char *c;
	size_t		la;
	size_t		lb;
	size_t		lc;
	int			max;
	int			q;
	int			dab;
	int			dbc;
	int			dac;
	int			bounded;

	if (size < 3 || size > 600)
		return 0;
	max = data[0] % 16;
	q = 1 + data[1] % 4;
	/* split the rest into three texts at the first two 0xFF bytes */
	a = (const char *) data + 2;
	size -= 2;
	{
		const char *p = memchr(a, 0xFF, size);
		const char *r;

		la = p ? (size_t) (p - a) : size;
		b = p ? p + 1 : a + size;
		lb = (size_t) ((const char *) data + 2 + size - b);
		r = memchr(b, 0xFF, lb);
		if (r)
		{
			c = r + 1;
			lc = lb - (size_t) (c - b);
			lb = (size_t) (r - b);
		}
		else
		{
			c = b;
			lc = 0;
		}
	}

	dab = ct_levenshtein(a, la, b, lb, A);
	dbc = ct_levenshtein(b, lb, c, lc, A);
	dac = ct_levenshtein(a, la, c, lc, A);
	if (dab < 0 || dab != ct_levenshtein(b, lb, a, la, A))
		abort();
	if (dac > dab + dbc)
		abort();
	bounded = ct_levenshtein_bounded(a, la, b, lb, max, A);
	if (bounded != (dab <= max ? dab : max + 1))
		abort();
	if (ct_damerau_levenshtein(a, la, b, lb, A) != ct_damerau_levenshtein(b, lb, a, la, A) ||
		ct_damerau_levenshtein(a, la, b, lb, A) > dab)
		abort();

	check_score(ct_jaro(a, la, b, lb, A), ct_jaro(b, lb, a, la, A));
	check_score(ct_jaro_winkler(a, la, b, lb, A), ct_jaro_winkler(b, lb, a, la, A));
	check_score(ct_token_set_similarity(a, la, b, lb, A), ct_token_set_similarity(b, lb, a, la, A));
	check_score(ct_qgram_similarity(a, la, b, lb, q, A), ct_qgram_similarity(b, lb, a, la, q, A));
	check_score(ct_levenshtein_similarity(a, la, b, lb, A), ct_levenshtein_similarity(b, lb, a, la, A));
	return 0;
}
