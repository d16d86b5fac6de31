/*
 * fuzz_name_grams.c
 *		libFuzzer target for the fuzzy name similarity and index keys: no
 *		crash on any bytes; keys sorted and distinct; similarity symmetric, in
 *		[0, 1], 1 with itself, never above the bound the index computes from
 *		the keys a row stores; token order does not change the keys of ASCII
 *		names.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "name_grams.h"

static const CtAllocator *A = &ct_malloc_allocator;

static void
check_sorted(const NameKey *keys, int n)
{
	for (int i = 1; i < n; i++)
		if (keys[i - 1] >= keys[i])
			abort();
}

static bool
is_ascii(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char) s[i] >= 0x80 || s[i] == '\0')
			return false;
	return true;
}

static bool
has_key(const NameKey *keys, int n, NameKey k)
{
	int			lo = 0,
				hi = n;

	while (lo < hi)
	{
		int			mid = (lo + hi) / 2;

		if (keys[mid] < k)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && keys[lo] == k;
}

/* The bound for query q from the keys of row is at least their similarity. */
static void
check_bound(const NameTokens *q, const NameKey *row_keys, int nrow, double sim)
{
	NameQuery  *query = name_query_build(q, A);
	bool	   *present;

	if (query == NULL)
		abort();
	present = malloc(query->nkeys + 1);
	for (int i = 0; i < query->nkeys; i++)
		present[i] = has_key(row_keys, nrow, query->keys[i]);
	if (sim > name_query_bound(query, present))
		abort();
	free(present);
	free(query);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	const char *s = (const char *) data;
	size_t		half = size / 2;
	const char *a = s,
			   *b = s + half;
	size_t		alen = half,
				blen = size - half;
	NameTokens *t = malloc(2 * sizeof(NameTokens));
	NameKey    *ka,
			   *kb;
	int			na = name_keys_extract(a, alen, A, &ka);
	int			nb = name_keys_extract(b, blen, A, &kb);
	double		ab,
				ba;
	size_t		klen;
	char	   *key;

	name_tokens_parse(a, alen, A, &t[0]);
	name_tokens_parse(b, blen, A, &t[1]);
	ab = name_tokens_similarity(&t[0], &t[1]);
	ba = name_tokens_similarity(&t[1], &t[0]);
	check_sorted(ka, na);
	check_sorted(kb, nb);
	if (ab != ba || ab < 0.0 || ab > 1.0)
		abort();
	if ((na == 0) != (t[0].ntokens == 0) || (nb == 0) != (t[1].ntokens == 0))
		abort();
	check_bound(&t[1], ka, na, ab);
	check_bound(&t[0], kb, nb, ab);
	if (t[0].ntokens > 0 && name_tokens_similarity(&t[0], &t[0]) != 1.0)
		abort();
	if (name_search_similarity(a, alen, b, blen, A) != ab)
		abort();

	/* "a b" and "b a" have the same tokens, hence the same keys. */
	if (is_ascii(s, size) && t[0].ntokens + t[1].ntokens < NAME_MAX_TOKENS)
	{
		char	   *ab_text = malloc(size + 1);
		char	   *ba_text = malloc(size + 1);
		NameKey    *k1,
				   *k2;
		int			n1,
					n2;

		memcpy(ab_text, a, alen);
		ab_text[alen] = ' ';
		memcpy(ab_text + alen + 1, b, blen);
		memcpy(ba_text, b, blen);
		ba_text[blen] = ' ';
		memcpy(ba_text + blen + 1, a, alen);
		n1 = name_keys_extract(ab_text, size + 1, A, &k1);
		n2 = name_keys_extract(ba_text, size + 1, A, &k2);
		if (n1 != n2 || (n1 > 0 && memcmp(k1, k2, n1 * sizeof(NameKey)) != 0))
			abort();
		free(k1);
		free(k2);
		free(ab_text);
		free(ba_text);
	}

	key = name_search_key(s, size, A, &klen);
	if (key == NULL || strlen(key) != klen)
		abort();
	free(key);
	free(ka);
	free(kb);
	free(t);
	return 0;
}
