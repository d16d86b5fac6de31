/*
 * fuzz_name_grams.c
 *		libFuzzer target for the fuzzy name index keys: no crash on any bytes;
 *		keys sorted and distinct; similarity symmetric, in [0, 1], 1 with
 *		itself, never above the bound the indexes rely on; token order does
 *		not change the keys of ASCII names.
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

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	const char *s = (const char *) data;
	size_t		half = size / 2;
	const char *a = s,
			   *b = s + half;
	size_t		alen = half,
				blen = size - half;
	NameKey    *ka,
			   *kb;
	int			na = name_keys_extract(a, alen, A, &ka);
	int			nb = name_keys_extract(b, blen, A, &kb);
	int			common = name_keys_common(ka, na, kb, nb);
	double		ab = name_keys_similarity(ka, na, kb, nb);
	double		ba = name_keys_similarity(kb, nb, ka, na);
	size_t		klen;
	char	   *key;

	check_sorted(ka, na);
	check_sorted(kb, nb);
	if (ab != ba || ab < 0.0 || ab > 1.0)
		abort();
	if (ab > name_keys_bound(common, nb) || ab > name_keys_bound(common, na))
		abort();
	if (na > 0 && name_keys_similarity(ka, na, ka, na) != 1.0)
		abort();
	if (name_search_similarity(a, alen, b, blen, A) != ab)
		abort();

	/* "a b" and "b a" have the same tokens, hence the same keys. */
	if (is_ascii(s, size))
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
	return 0;
}
