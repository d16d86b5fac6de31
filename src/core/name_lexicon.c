/*
 * name_lexicon.c
 *		Lookups in the generated nickname and given-name tables.
 */
#include "nicknames.h"

#include <string.h>

/* Bytewise comparison of a (not NUL-terminated) key with a table string. */
static int
key_cmp(const char *key, size_t len, const char *s)
{
	int			c = strncmp(key, s, len);

	if (c != 0)
		return c;
	return s[len] == '\0' ? 0 : -1;
}

size_t
ct_nickname_find(const char *key, size_t len, const CtNickname **first)
{
	size_t		lo = 0,
				hi = ct_nicknames_count;
	size_t		end;

	/* Lower bound: the first entry not less than key. */
	while (lo < hi)
	{
		size_t		mid = lo + (hi - lo) / 2;

		if (key_cmp(key, len, ct_nicknames[mid].name) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < ct_nicknames_count && key_cmp(key, len, ct_nicknames[end].name) == 0; end++)
		;
	*first = &ct_nicknames[lo];
	return end - lo;
}

bool
ct_nickname_related(const char *a, size_t alen, const char *b, size_t blen)
{
	const CtNickname *fa,
			   *fb;
	size_t		na = ct_nickname_find(a, alen, &fa);
	size_t		nb;

	if (na == 0)
		return false;
	nb = ct_nickname_find(b, blen, &fb);
	/* Both runs are sorted by formal name: intersect them by merging. */
	for (size_t i = 0, j = 0; i < na && j < nb;)
	{
		int			c = strcmp(fa[i].formal, fb[j].formal);

		if (c == 0)
			return true;
		if (c < 0)
			i++;
		else
			j++;
	}
	return false;
}

bool
ct_is_given_name(const char *key, size_t len)
{
	size_t		lo = 0,
				hi = ct_given_names_count;

	while (lo < hi)
	{
		size_t		mid = lo + (hi - lo) / 2;
		int			c = key_cmp(key, len, ct_given_names[mid]);

		if (c == 0)
			return true;
		if (c > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}
