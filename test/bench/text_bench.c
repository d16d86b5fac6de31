/*
 * text_bench.c
 *		Time the text core directly, without a server: fold and the phonetic
 *		keys on names read one per line from stdin (bench_text.sh feeds it
 *		the generated names), the similarity functions on their folded forms
 *		(as the SQL functions call them), pairing each name with the next.
 *		Each figure is the best of three passes (the machine may be busy).
 *
 * Besides ns per call it prints how the chosen implementations compare with
 * the obvious alternatives: fold's table path against the ICU path and an
 * ICU transliterator doing the same job, bit-parallel Levenshtein against
 * the textbook dynamic program.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unicode/ustring.h>
#include <unicode/utrans.h>

#include "fold.h"
#include "phonetic.h"
#include "similarity.h"

#define A (&ct_malloc_allocator)

static char **names;
static size_t *lens;
static char **folded;
static size_t *flens;
static size_t nnames;
static volatile double sink;

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Read stdin into one buffer (names stay contiguous, as in a table scan). */
static void
read_names(void)
{
	size_t		cap = 1 << 20;
	size_t		used = 0;
	size_t		got;
	char	   *all = malloc(cap);
	size_t		ncap = 1 << 16;
	size_t		start = 0;

	while ((got = fread(all + used, 1, cap - used, stdin)) > 0)
	{
		used += got;
		if (used == cap)
		{
			cap *= 2;
			all = realloc(all, cap);
		}
	}
	names = malloc(ncap * sizeof(char *));
	lens = malloc(ncap * sizeof(size_t));
	for (size_t i = 0; i < used; i++)
	{
		if (all[i] != '\n')
			continue;
		if (nnames == ncap)
		{
			ncap *= 2;
			names = realloc(names, ncap * sizeof(char *));
			lens = realloc(lens, ncap * sizeof(size_t));
		}
		names[nnames] = all + start;
		lens[nnames] = i - start;
		nnames++;
		start = i + 1;
	}
}

/* ---- the alternatives measured against ---- */

/* fold with a cached ICU transliterator: decompose, drop marks, lower. */
static UTransliterator *translit;

static size_t
fold_translit(const char *s, size_t len, char *out, size_t cap)
{
	UChar		buf[1024];
	int32_t		ulen;
	int32_t		limit;
	int32_t		outlen;
	UErrorCode	status = U_ZERO_ERROR;

	u_strFromUTF8WithSub(buf, 512, &ulen, s, (int32_t) len, 0xFFFD, NULL, &status);
	limit = ulen;
	utrans_transUChars(translit, buf, &ulen, 1024, 0, &limit, &status);
	u_strToUTF8(out, (int32_t) cap, &outlen, buf, ulen, &status);
	return U_FAILURE(status) ? 0 : (size_t) outlen;
}

/* Textbook two-row Levenshtein on code points. */
static int
levenshtein_textbook(const char *a, size_t alen, const char *b, size_t blen)
{
	uint32_t	x[256];
	uint32_t	y[256];
	int			row[257];
	int			m = (int) ct_utf8_decode(a, alen, x, 256);
	int			n = (int) ct_utf8_decode(b, blen, y, 256);

	if (m > 256 || n > 256)
		return -1;
	for (int j = 0; j <= n; j++)
		row[j] = j;
	for (int i = 1; i <= m; i++)
	{
		int			diag = row[0];

		row[0] = i;
		for (int j = 1; j <= n; j++)
		{
			int			up = row[j];
			int			v = diag + (x[i - 1] != y[j - 1]);

			if (up + 1 < v)
				v = up + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			row[j] = v;
			diag = up;
		}
	}
	return row[n];
}

/* ---- timing ---- */

typedef enum
{
	OP_FOLD,
	OP_FOLD_ICU,
	OP_FOLD_TRANSLIT,
	OP_LEV,
	OP_LEV_BOUNDED,
	OP_LEV_TEXTBOOK,
	OP_OSA,
	OP_JW,
	OP_TSET,
	OP_QGRAM,
	OP_DM,
	OP_ES
} Op;

/* Fold every name once, for the similarity functions. */
static void
fold_names(void)
{
	folded = malloc(nnames * sizeof(char *));
	flens = malloc(nnames * sizeof(size_t));
	for (size_t i = 0; i < nnames; i++)
		folded[i] = ct_fold_alloc(A, names[i], lens[i], &flens[i]);
}

/* Mean ns per call of op over all names, one pass. */
static double
run_once(Op op)
{
	char		out[1024];
	double		start = now_ns();
	double		acc = 0;
	bool		on_folded = op >= OP_LEV && op <= OP_QGRAM;
	char	  **v = on_folded ? folded : names;
	size_t	   *l = on_folded ? flens : lens;

	for (size_t i = 0; i < nnames; i++)
	{
		const char *a = v[i];
		size_t		la = l[i];
		const char *b = v[(i + 1) % nnames];
		size_t		lb = l[(i + 1) % nnames];

		switch (op)
		{
			case OP_FOLD:
				acc += ct_fold(a, la, out, sizeof(out), A);
				break;
			case OP_FOLD_ICU:
				acc += ct_fold_icu(a, la, out, sizeof(out), A);
				break;
			case OP_FOLD_TRANSLIT:
				acc += fold_translit(a, la, out, sizeof(out));
				break;
			case OP_LEV:
				acc += ct_levenshtein(a, la, b, lb, A);
				break;
			case OP_LEV_BOUNDED:
				acc += ct_levenshtein_bounded(a, la, b, lb, 2, A);
				break;
			case OP_LEV_TEXTBOOK:
				acc += levenshtein_textbook(a, la, b, lb);
				break;
			case OP_OSA:
				acc += ct_damerau_levenshtein(a, la, b, lb, A);
				break;
			case OP_JW:
				acc += ct_jaro_winkler(a, la, b, lb, A);
				break;
			case OP_TSET:
				acc += ct_token_set_similarity(a, la, b, lb, A);
				break;
			case OP_QGRAM:
				acc += ct_qgram_similarity(a, la, b, lb, 2, A);
				break;
			case OP_DM:
				acc += ct_double_metaphone(a, la, out, sizeof(out));
				break;
			case OP_ES:
				acc += ct_phonetic_es(a, la, out, sizeof(out));
				break;
		}
	}
	sink = acc;
	return (now_ns() - start) / (double) nnames;
}

/* Best of three passes. */
static double
run(Op op)
{
	double		best = run_once(op);

	for (int k = 0; k < 2; k++)
	{
		double		t = run_once(op);

		if (t < best)
			best = t;
	}
	return best;
}

int
main(void)
{
	UErrorCode	status = U_ZERO_ERROR;
	UChar		id[64];
	double		fold_ns;
	double		fold_icu_ns;
	double		fold_tr_ns;
	double		lev_ns;
	double		lev_tb_ns;
	size_t		ascii = 0;

	read_names();
	if (nnames < 2)
	{
		fprintf(stderr, "text_bench: give at least two names on stdin, one per line\n");
		return 1;
	}
	for (size_t i = 0; i < nnames; i++)
	{
		size_t		k = 0;

		while (k < lens[i] && (unsigned char) names[i][k] < 0x80)
			k++;
		ascii += k == lens[i];
	}
	u_uastrcpy(id, "NFKD; [:Nonspacing Mark:] Remove; Lower; NFC");
	translit = utrans_openU(id, -1, UTRANS_FORWARD, NULL, 0, NULL, &status);
	if (U_FAILURE(status))
	{
		fprintf(stderr, "text_bench: cannot open the transliterator: %s\n", u_errorName(status));
		return 1;
	}

	fold_names();
	printf("core, %zu names (%.0f%% pure ASCII; similarity on folded pairs), ns per call:\n",
		   nnames, 100.0 * ascii / nnames);
	fold_ns = run(OP_FOLD);
	fold_icu_ns = run(OP_FOLD_ICU);
	fold_tr_ns = run(OP_FOLD_TRANSLIT);
	lev_ns = run(OP_LEV);
	lev_tb_ns = run(OP_LEV_TEXTBOOK);
	printf("  %-40s %8.1f\n", "fold (ASCII/table paths)", fold_ns);
	printf("  %-40s %8.1f\n", "fold, ICU path only", fold_icu_ns);
	printf("  %-40s %8.1f\n", "ICU transliterator (cached)", fold_tr_ns);
	printf("  %-40s %8.1f\n", "levenshtein (bit-parallel)", lev_ns);
	printf("  %-40s %8.1f\n", "levenshtein, max 2", run(OP_LEV_BOUNDED));
	printf("  %-40s %8.1f\n", "levenshtein, textbook DP", lev_tb_ns);
	printf("  %-40s %8.1f\n", "damerau_levenshtein (OSA)", run(OP_OSA));
	printf("  %-40s %8.1f\n", "jaro_winkler", run(OP_JW));
	printf("  %-40s %8.1f\n", "token_set_similarity", run(OP_TSET));
	printf("  %-40s %8.1f\n", "qgram_similarity (q=2)", run(OP_QGRAM));
	printf("  %-40s %8.1f\n", "double_metaphone", run(OP_DM));
	printf("  %-40s %8.1f\n", "phonetic_es", run(OP_ES));
	printf("fold: table path x%.2f faster than the ICU path, x%.2f faster than a transliterator\n",
		   fold_icu_ns / fold_ns, fold_tr_ns / fold_ns);
	printf("levenshtein: bit-parallel x%.2f faster than the textbook DP\n", lev_tb_ns / lev_ns);
	utrans_close(translit);
	return 0;
}
